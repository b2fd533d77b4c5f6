/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_heur: what the heuristic accepts and rejects, one test per rule. */
#include <glib.h>
#include <string.h>

#include "guard.h"
#include "wsc_heur.h"

static wsc_heur_result scan(const void *b, size_t n, int expect_masked)
{
    wsc_heur_result r;
    const uint8_t *g = guard_copy(b, n);
    wsc_heur_scan(g, n, expect_masked, 1, &r);
    guard_free(g);
    return r;
}

/* The two frames of the seed capture, as the field note dumps them. */
static const uint8_t seed_client[] = {
    0x81, 0xa3, 0x3e, 0x47, 0x69, 0x39, 0x45, 0x65, 0x0a, 0x56, 0x53, 0x2a, 0x08, 0x57, 0x5a, 0x65, 0x53,
    0x08, 0x0e, 0x77, 0x59, 0x09, 0x0e, 0x77, 0x45, 0x1b, 0x53, 0x26, 0x0a, 0x51, 0x57, 0x29, 0x0c, 0x70,
    0x5a, 0x65, 0x53, 0x1b, 0x0f, 0x65, 0x14 };
static const char seed_server[] = "\x81\x1e{\"value\":{},\"command\":1000000}";

static void test_seed(void)
{
    wsc_heur_result r = scan(seed_client, sizeof(seed_client), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpuint(r.frames, ==, 1);
    g_assert_cmpint(r.masked, ==, 1);
    g_assert_true(r.evidence & WSC_EV_EXACT_FIT);
    g_assert_true(r.evidence & WSC_EV_TEXT_UTF8);
    g_assert_cmpint(r.score, >=, 4);

    r = scan(seed_server, sizeof(seed_server) - 1, -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpint(r.masked, ==, 0);
    g_assert_cmpint(r.score, >=, 4);
}

static void test_chain_scores_more(void)
{
    /* RFC 6455 5.7: "Hello", "World", then a ping, in one segment. */
    static const uint8_t b[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o', 0x81, 0x05, 'W', 'o', 'r', 'l', 'd', 0x89, 0x00 };
    wsc_heur_result one = scan(b, 7, -1);
    wsc_heur_result three = scan(b, sizeof(b), -1);
    g_assert_cmpuint(three.reject, ==, 0);
    g_assert_cmpuint(three.frames, ==, 3);
    g_assert_true(three.evidence & WSC_EV_CHAIN);
    g_assert_cmpint(three.score, >, one.score);
}

/* A payload of repeated records, read from the right offset, is a chain of identical
 * frames that fits as real frames do (the differential test's seed 17 found 531 false
 * messages so); one of one byte value unmasks from a key of its own. Neither earns. */
static void test_repeats_and_filler_earn_nothing(void)
{
    static const uint8_t hello2[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o', 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
    static const uint8_t bad2[] = { 0x81, 0x02, 0xff, 0xfe, 0x81, 0x02, 0xff, 0xfe };
    uint8_t rec[66 * 6], filler[2 + 4 + 100];
    wsc_heur_result one = scan(hello2, 7, -1), two = scan(hello2, sizeof(hello2), -1), r;
    size_t i;

    g_assert_cmpuint(two.reject, ==, 0);
    g_assert_cmpuint(two.frames, ==, 2);
    g_assert_cmpuint(two.repeats, ==, 1);
    g_assert_cmpint(two.score, ==, one.score);
    /* A repeat is still checked: invalid text is refused all the same. */
    r = scan(bad2, sizeof(bad2), -1);
    g_assert_true(r.reject & WSC_R_BAD_UTF8);
    /* Six 64-byte binary records of random-looking bytes that begin 82 40. */
    for (i = 0; i < sizeof(rec); i++)
        rec[i] = (uint8_t)(i % 66 == 0 ? 0x82 : i % 66 == 1 ? 0x40 : ((i % 66) * 37 + 11) & 0xff);
    r = scan(rec, sizeof(rec), 0);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpuint(r.frames, ==, 6);
    g_assert_cmpint(r.score, ==, scan(rec, 66, 0).score);
    /* A masked "text" whose payload is its key over and over: NULs. */
    filler[0] = 0x81;
    filler[1] = 0x80 | 100;
    for (i = 2; i < sizeof(filler); i++)
        filler[i] = (uint8_t)(0x5a + (i - 2) % 4);
    r = scan(filler, sizeof(filler), 1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpuint(r.repeats, ==, 1);
    g_assert_cmpint(r.score, ==, 0);
    /* Across segments: the next segment's first frame repeats the last one. */
    {
        wsc_heur_result a, b2;
        wsc_heur_scan_prev(rec, 66, 0, -1, 1, 0, &a);
        wsc_heur_scan_prev(rec + 66, 66, 0, -1, 1, a.last_sig, &b2);
        g_assert_cmpint(a.score, >, 0);
        g_assert_cmpint(b2.score, ==, 0);
        g_assert_cmpuint(b2.repeats, ==, 1);
    }
}

static void test_fragment_sequence(void)
{
    /* RFC 6455 5.7: "Hel" + "lo" is a valid fragmented message... */
    static const uint8_t ok[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x00, 0x80, 0x02, 0x6c, 0x6f };
    /* ...a continuation after a final frame, or a new text inside a message, is not (5.4). */
    static const uint8_t cont_after_fin[] = { 0x81, 0x01, 'a', 0x80, 0x01, 'b' };
    static const uint8_t text_in_message[] = { 0x01, 0x01, 'a', 0x81, 0x01, 'b' };
    wsc_heur_result r;
    wsc_heur_scan_ex(ok, sizeof(ok), -1, 0, 1, &r);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpint(r.in_message, ==, 0);
    g_assert_true(scan(cont_after_fin, sizeof(cont_after_fin), -1).reject & WSC_R_SEQUENCE);
    g_assert_true(scan(text_in_message, sizeof(text_in_message), -1).reject & WSC_R_SEQUENCE);
    /* A continuation first is fine when the capture may have begun inside a message, not when it cannot. */
    wsc_heur_scan_ex(ok + 7, 4, -1, -1, 1, &r);
    g_assert_cmpuint(r.reject, ==, 0);
    wsc_heur_scan_ex(ok + 7, 4, -1, 0, 1, &r);
    g_assert_true(r.reject & WSC_R_SEQUENCE);
}

static void test_zero_runs_score_nothing(void)
{
    /* 00 00 parses as an empty non-final continuation frame: runs of zeros must not add up. */
    uint8_t zeros[256] = { 0 };
    wsc_heur_result r = scan(zeros, sizeof(zeros), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpint(r.score, ==, 0);
}

static void test_wrong_expected_mask(void)
{
    wsc_heur_result r = scan(seed_client, sizeof(seed_client), 0);
    g_assert_true(r.reject & WSC_R_MIXED_MASK);
}

static void test_mixed_mask_in_segment(void)
{
    uint8_t b[sizeof(seed_client) + 2];
    wsc_heur_result r;
    memcpy(b, seed_client, sizeof(seed_client));
    b[sizeof(seed_client)] = 0x89; /* unmasked ping after a masked frame */
    b[sizeof(seed_client) + 1] = 0x00;
    r = scan(b, sizeof(b), -1);
    g_assert_true(r.reject & WSC_R_MIXED_MASK);
}

static void test_header_rules(void)
{
    static const uint8_t rsv2[] = { 0xA2, 0x00 };
    static const uint8_t reserved_op[] = { 0x83, 0x00 };
    static const uint8_t ping_nofin[] = { 0x09, 0x00 };
    static const uint8_t nonminimal[] = { 0x82, 0x7E, 0x00, 0x05, 1, 2, 3, 4, 5 };
    static const uint8_t msb[] = { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1 };
    g_assert_true(scan(rsv2, 2, -1).reject & WSC_R_HEADER);
    g_assert_true(scan(reserved_op, 2, -1).reject & WSC_R_HEADER);
    g_assert_true(scan(ping_nofin, 2, -1).reject & WSC_R_HEADER);
    g_assert_true(scan(nonminimal, sizeof(nonminimal), -1).reject & WSC_R_HEADER);
    g_assert_true(scan(msb, sizeof(msb), -1).reject & WSC_R_LEN64_MSB);
}

static void test_bad_text(void)
{
    static const uint8_t b[] = { 0x81, 0x03, 'a', 0xff, 'b' };
    g_assert_true(scan(b, sizeof(b), -1).reject & WSC_R_BAD_UTF8);
}

static void test_compressed_text_not_checked(void)
{
    /* RSV1: permessage-deflate; the payload is deflate, not UTF-8. */
    static const uint8_t b[] = { 0xC1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00 };
    wsc_heur_result r = scan(b, sizeof(b), -1);
    g_assert_cmpuint(r.reject, ==, 0);
}

static void test_close(void)
{
    static const uint8_t good[] = { 0x88, 0x05, 0x03, 0xe8, 'b', 'y', 'e' };
    static const uint8_t code1005[] = { 0x88, 0x02, 0x03, 0xed };
    static const uint8_t one_byte[] = { 0x88, 0x01, 0x03 };
    wsc_heur_result r = scan(good, sizeof(good), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_true(r.evidence & WSC_EV_CLOSE_CODE);
    g_assert_true(scan(code1005, sizeof(code1005), -1).reject & WSC_R_BAD_CLOSE);
    g_assert_true(scan(one_byte, sizeof(one_byte), -1).reject & WSC_R_BAD_CLOSE);
    {
        /* The start of a longer close frame, or a reason with control bytes: valid, but
         * no evidence (random bytes give a valid code one time in 30). */
        static const uint8_t cut[] = { 0x88, 0x20, 0x03, 0xe8, 'b', 'y', 'e' };
        static const uint8_t ctl[] = { 0x88, 0x05, 0x03, 0xe8, 'b', 0x12, 'e' };
        r = scan(cut, sizeof(cut), -1);
        g_assert_cmpuint(r.reject, ==, 0);
        g_assert_false(r.evidence & WSC_EV_CLOSE_CODE);
        g_assert_cmpint(r.score, ==, 0);
        r = scan(ctl, sizeof(ctl), -1);
        g_assert_cmpuint(r.reject, ==, 0);
        g_assert_false(r.evidence & WSC_EV_CLOSE_CODE);
    }
}

static void test_partial_frames(void)
{
    /* A 7-bit length that overruns the segment is what random bytes look like: no points
     * (but followed: the header due where it ends will tell). */
    static const uint8_t small[] = { 0x82, 0x20, 1, 2, 3 };
    /* A 64-bit length announcing 1 MB, masked, with the first payload bytes. */
    static const uint8_t big[] = { 0x82, 0xFF, 0, 0, 0, 0, 0, 0x0F, 0x42, 0x40, 9, 9, 9, 9, 1, 2, 3 };
    static const uint8_t header_only[] = { 0x82, 0x7F, 0, 0 };
    wsc_heur_result r;
    r = scan(small, sizeof(small), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpint(r.score, ==, 0);
    g_assert_cmpuint(r.tail_payload_seen, ==, 3);
    r = scan(big, sizeof(big), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_true(r.evidence & WSC_EV_EXT_LEN);
    g_assert_false(r.evidence & WSC_EV_EXACT_FIT);
    g_assert_cmpuint(r.first_frame_len, ==, 1000000 + 14);
    /* A header cut short and alone in its segment earns nothing but is not rejected
     * (writers that send header and payload apart), unless what there is breaks a rule. */
    r = scan(header_only, sizeof(header_only), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_cmpint(r.score, ==, 0);
    g_assert_cmpuint(r.tail_header_len, ==, sizeof(header_only));
    {
        static const uint8_t rsv2[] = { 0xA2, 0x7F, 0 };
        static const uint8_t ping_no_fin[] = { 0x09 };
        static const uint8_t long_ping[] = { 0x89, 0x7E };
        static const uint8_t wrong_mask[] = { 0x82, 0x85, 1 };
        static const uint8_t hdr[] = { 0x81, 0x05 };
        g_assert_true(scan(rsv2, sizeof(rsv2), -1).reject & WSC_R_TOO_SHORT);
        g_assert_true(scan(ping_no_fin, sizeof(ping_no_fin), -1).reject & WSC_R_TOO_SHORT);
        g_assert_true(scan(long_ping, sizeof(long_ping), -1).reject & WSC_R_TOO_SHORT);
        g_assert_true(scan(wrong_mask, sizeof(wrong_mask), 0).reject & WSC_R_TOO_SHORT);
        /* A whole header alone, its payload in the next segment: plausible, no points. */
        r = scan(hdr, sizeof(hdr), -1);
        g_assert_cmpuint(r.reject, ==, 0);
        g_assert_cmpint(r.score, ==, 0);
    }
}

/* Header and payload in separate segments (older python websockets writes them so):
 * the frame that ends exactly with the payload's segment counts as a whole one, and
 * its text is checked as it comes. */
static void test_split_header_and_payload(void)
{
    static const uint8_t key[4] = { 0x11, 0x22, 0x33, 0x44 };
    static const char text[] = "hello, split world";
    uint8_t hdr[6] = { 0x81, 0x80 | (uint8_t)(sizeof(text) - 1), 0x11, 0x22, 0x33, 0x44 };
    uint8_t pay[sizeof(text) - 1];
    uint8_t bad[sizeof(text) - 1];
    uint8_t rest[sizeof(hdr) - 1 + sizeof(text) - 1];
    wsc_heur_conv c;
    wsc_heur_seg seg;
    size_t i;

    for (i = 0; i < sizeof(pay); i++) {
        pay[i] = (uint8_t)(text[i] ^ key[i & 3]);
        bad[i] = (uint8_t)(0xFF ^ key[i & 3]);
    }
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, hdr, sizeof(hdr), 1, 6, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(seg.score, ==, 0);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, pay, sizeof(pay), 1, 6, &seg), ==, WSC_SEG_ACCEPT);
    g_assert_cmpuint(seg.skip_header, ==, 0);
    g_assert_cmpuint(seg.skip_payload, ==, sizeof(pay));
    g_assert_true(c.evidence & WSC_EV_SPLIT_FRAME);
    g_assert_true(c.evidence & WSC_EV_MASKED_TEXT);
    /* The same header followed by bytes that do not unmask to UTF-8: rejected. */
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, hdr, sizeof(hdr), 1, 6, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, bad, sizeof(bad), 1, 6, &seg), ==, WSC_SEG_REJECT);
    /* A header cut after one byte, completed by the next segment with the payload. */
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, hdr, 1, 1, 6, &seg), ==, WSC_SEG_PLAUSIBLE);
    memcpy(rest, hdr + 1, sizeof(hdr) - 1);
    memcpy(rest + sizeof(hdr) - 1, pay, sizeof(pay));
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, rest, sizeof(rest), 1, 6, &seg), ==, WSC_SEG_ACCEPT);
    g_assert_cmpuint(seg.skip_header, ==, sizeof(hdr) - 1);
}

/* A close frame written as header, then payload (websocket-client's way): the payload's
 * segment is judged by the close code and reason as a close in one piece is, so that a
 * side that sends nothing but its close can be found; a code no endpoint sends rejects it. */
static void test_split_close(void)
{
    static const uint8_t key[4] = { 0x0d, 0x9b, 0xc3, 0x23 };
    static const char plain[] = "\x03\xe9going away";   /* 1001 */
    static const char badcode[] = "\x03\xedgoing away"; /* 1005: never on the wire */
    uint8_t hdr[6] = { 0x88, 0x80 | (uint8_t)(sizeof(plain) - 1), 0x0d, 0x9b, 0xc3, 0x23 };
    uint8_t pay[sizeof(plain) - 1], bad[sizeof(plain) - 1];
    wsc_heur_conv c;
    wsc_heur_seg seg;
    size_t i;

    for (i = 0; i < sizeof(pay); i++) {
        pay[i] = (uint8_t)(plain[i] ^ key[i & 3]);
        bad[i] = (uint8_t)(badcode[i] ^ key[i & 3]);
    }
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, hdr, sizeof(hdr), 1, 99, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, pay, sizeof(pay), 1, 99, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_true(c.evidence & WSC_EV_CLOSE_CODE);
    /* split frame 1, exact fit 1, a code with a reason 3 */
    g_assert_cmpint(c.dir[0].score, >=, 5);
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, hdr, sizeof(hdr), 1, 99, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, bad, sizeof(bad), 1, 99, &seg), ==, WSC_SEG_REJECT);
}

/* A text longer than the UTF-8 check (WSC_HEUR_MAX_TEXT_CHECK) whose payload follows its
 * header in the next segment earns what such a text in one segment earns: its checked
 * prefix counts (it earned nothing before, and a lone long text after a cut was lost). */
static void test_split_long_text(void)
{
    static uint8_t pay[3000];
    uint8_t hdr[4] = { 0x81, 126, (uint8_t)(sizeof(pay) >> 8), (uint8_t)(sizeof(pay) & 0xff) };
    wsc_heur_conv c;
    wsc_heur_seg seg;
    size_t i;

    for (i = 0; i < sizeof(pay); i++)
        pay[i] = (uint8_t)("lorem ipsum dolor "[i % 18]);
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, hdr, sizeof(hdr), 1, 99, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, pay, sizeof(pay), 1, 99, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_true(c.evidence & WSC_EV_SPLIT_FRAME);
    g_assert_true(c.evidence & WSC_EV_TEXT_UTF8);
    g_assert_cmpint(c.dir[0].score, >=, 5);
    /* Bytes that are not UTF-8 in the checked prefix: rejected. */
    pay[10] = 0xff;
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, hdr, sizeof(hdr), 1, 99, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, pay, sizeof(pay), 1, 99, &seg), ==, WSC_SEG_REJECT);
}

/* An empty frame whose header ends in this segment: what it was is reported (the glue
 * labels the header bytes with it), not the opcode of an earlier frame. */
static void test_split_empty_frame_reports_opcode(void)
{
    static const char text[] = "abc";
    /* A masked text frame, then the first 3 bytes of an empty masked ping. */
    uint8_t first[6 + 3 + 3] = { 0x81, 0x83, 1, 2, 3, 4, 0, 0, 0, 0x89, 0x80, 9 };
    static const uint8_t rest[] = { 8, 7, 6 };
    wsc_heur_conv c;
    wsc_heur_seg seg;
    size_t i;

    for (i = 0; i < 3; i++)
        first[6 + i] = (uint8_t)(text[i] ^ first[2 + i]);
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, first, sizeof(first), 1, 6, &seg), !=, WSC_SEG_REJECT);
    seg.skip_opcode = 0x0;
    seg.skip_masked = 0;
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, rest, sizeof(rest), 1, 6, &seg), !=, WSC_SEG_REJECT);
    g_assert_cmpuint(seg.skip_header, ==, sizeof(rest));
    g_assert_cmpuint(seg.skip_payload, ==, 0);
    g_assert_cmpuint(seg.skip_payload_len, ==, 0);
    g_assert_cmpuint(seg.skip_opcode, ==, 0x9);
    g_assert_cmpuint(seg.skip_masked, ==, 1);
    g_assert_cmpmem(seg.skip_key, 4, ((const uint8_t[]){ 9, 8, 7, 6 }), 4);
}

static void test_other_protocols(void)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    static const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5 };
    static const char ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
    static const char smtp[] = "220 mail ESMTP\r\n";
    g_assert_cmpuint(scan(http, sizeof(http) - 1, -1).reject, !=, 0);
    g_assert_cmpuint(scan(tls, sizeof(tls), -1).reject, !=, 0);
    g_assert_cmpuint(scan(ssh, sizeof(ssh) - 1, -1).reject, !=, 0);
    g_assert_cmpuint(scan(smtp, sizeof(smtp) - 1, -1).reject, !=, 0);
}

static int feed(wsc_heur_conv *c, int dir, const void *b, size_t n, wsc_heur_seg *seg)
{
    const uint8_t *g = guard_copy(b, n);
    int v = wsc_heur_conv_feed(c, dir, g, n, 1, 6, seg);
    guard_free(g);
    return v;
}

static void test_conv_seed(void)
{
    wsc_heur_conv c;
    wsc_heur_seg seg;
    wsc_heur_conv_init(&c);
    /* Masked text that unmasks to 35 bytes of UTF-8: enough on its own. */
    g_assert_cmpint(feed(&c, 0, seed_client, sizeof(seed_client), &seg), ==, WSC_SEG_ACCEPT);
    g_assert_cmpint(seg.score, >=, 6);
}

static void test_conv_server_text_needs_more(void)
{
    wsc_heur_conv c;
    wsc_heur_seg seg;
    wsc_heur_conv_init(&c);
    g_assert_cmpint(feed(&c, 1, seed_server, sizeof(seed_server) - 1, &seg), ==, WSC_SEG_PLAUSIBLE);
    /* An empty masked frame the other way proves nothing by itself... */
    g_assert_cmpint(feed(&c, 0, "\x81\x80\x01\x02\x03\x04", 6, &seg), ==, WSC_SEG_PLAUSIBLE);
    /* ...masked text "Hi" does, and opposite masking adds to it. */
    g_assert_cmpint(feed(&c, 0, "\x81\x82\x01\x02\x03\x04\x49\x6b", 8, &seg), ==, WSC_SEG_ACCEPT);
    g_assert_true(c.evidence & WSC_EV_OPPOSITE_MASKS);
}

static void test_conv_same_masks_rejected(void)
{
    /* DNS over TCP: a 2-byte length then the message; small messages parse as unmasked
     * continuation frames that fill the segment, in both directions. */
    static const uint8_t q[] = { 0x00, 0x05, 0xab, 0xcd, 0x01, 0x00, 0x00 };
    wsc_heur_conv c;
    wsc_heur_seg seg;
    int i;
    wsc_heur_conv_init(&c);
    for (i = 0; i < 20; i++) {
        int v = feed(&c, i & 1, q, sizeof(q), &seg);
        g_assert_cmpint(v, !=, WSC_SEG_ACCEPT);
    }
    g_assert_false(c.accepted);
}

/* A client that does not mask (wstunnel, test tools): both directions unmasked is taken
 * only when an exchange joins them, a close with a valid code each way... */
static void test_conv_unmasked_client_closes_both_ways(void)
{
    wsc_heur_conv c;
    wsc_heur_seg seg;
    char t[8];
    int i;
    wsc_heur_conv_init(&c);
    for (i = 0; i < 6; i++) {
        /* Texts both ways: points, but no acceptance while nothing joins them. */
        g_snprintf(t, sizeof(t), "text %d", i);
        g_assert_cmpint(feed(&c, i & 1, (const uint8_t[]){ 0x81, 0x06, (uint8_t)t[0], (uint8_t)t[1], (uint8_t)t[2],
                                                          (uint8_t)t[3], (uint8_t)t[4], (uint8_t)t[5] }, 8, &seg),
                        ==, WSC_SEG_PLAUSIBLE);
    }
    g_assert_cmpint(seg.score, >=, 6);
    g_assert_false(wsc_heur_conv_unmasked_both(&c));
    g_assert_cmpint(feed(&c, 0, "\x88\x02\x03\xe8", 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(feed(&c, 1, "\x88\x02\x03\xe8", 4, &seg), ==, WSC_SEG_ACCEPT);
    g_assert_true(c.evidence & WSC_EV_CLOSE_BOTH);
    g_assert_true(wsc_heur_conv_unmasked_both(&c));
}

/* ...or a pong that echoes the other side's ping, which earns points to each side (masked
 * or not: the payloads compare unmasked); a pong with other bytes earns nothing. */
static void test_conv_ping_pong_echo(void)
{
    wsc_heur_conv c;
    wsc_heur_seg seg;
    static const uint8_t key[4] = { 0x11, 0x22, 0x33, 0x44 };
    uint8_t ping[6 + 4];
    int i;
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, (const uint8_t *)"\x89\x00", 2, 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, (const uint8_t *)"\x8a\x01x", 3, 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_false(c.evidence & WSC_EV_PING_PONG);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, (const uint8_t *)"\x81\x05\"who\"", 7, 1, 4, &seg), ==,
                    WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, (const uint8_t *)"\x8a\x00", 2, 1, 4, &seg), ==, WSC_SEG_ACCEPT);
    g_assert_true(c.evidence & WSC_EV_PING_PONG);
    g_assert_cmpint(c.dir[0].score, ==, WSC_HEUR_PING_PONG);

    /* A masked ping, its pong unmasked. */
    wsc_heur_conv_init(&c);
    ping[0] = 0x89;
    ping[1] = 0x84;
    memcpy(ping + 2, key, 4);
    for (i = 0; i < 4; i++)
        ping[6 + i] = (uint8_t)("abcd"[i] ^ key[i]);
    wsc_heur_conv_feed(&c, 0, ping, sizeof(ping), 1, 100, &seg);
    wsc_heur_conv_feed(&c, 1, (const uint8_t *)"\x8a\x04" "abce", 6, 1, 100, &seg);
    g_assert_false(c.evidence & WSC_EV_PING_PONG);
    wsc_heur_conv_feed(&c, 1, (const uint8_t *)"\x8a\x04" "abcd", 6, 1, 100, &seg);
    g_assert_true(c.evidence & WSC_EV_PING_PONG);
}

/* An encrypted stream of small segments (SSH on port 2299 in a public capture): each
 * direction now and then begins with a header whose 16-bit length opens a frame that goes
 * on for a thousand segments. Two such open frames, masked the opposite way, are no
 * conversation: the masking counts only once each direction has shown a whole frame. */
static void test_conv_open_frames_opposite_masks_not_enough(void)
{
    uint8_t a[36], b[36];
    wsc_heur_conv c;
    wsc_heur_seg seg;
    memset(a, 0x5a, sizeof(a));
    memset(b, 0xa5, sizeof(b));
    memcpy(a, "\xc1\xfe\xb2\x96\x37\x85\x32\x89", 8);
    memcpy(b, "\x42\x7e\xa6\x6c", 4);
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, a, sizeof(a), 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, b, sizeof(b), 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_false(c.evidence & WSC_EV_OPPOSITE_MASKS);
    g_assert_cmpint(seg.score, <, 4);
}

/* RFC 6455 5.5.1: nothing follows a sender's close frame. A run in which something does is
 * a payload's bytes read as headers (the differential test's seed 18: a masked close of
 * 113 bytes over ten tiny segments then a ping, found in a masked text's payload). */
static void test_nothing_after_close(void)
{
    static const uint8_t same_segment[] = { 0x88, 0x02, 0x03, 0xe8, 0x81, 0x02, 'h', 'i' };
    wsc_heur_result r = scan(same_segment, sizeof(same_segment), -1);
    wsc_heur_conv c;
    wsc_heur_seg seg;
    g_assert_true(r.reject & WSC_R_AFTER_CLOSE);
    r = scan(same_segment, 4, -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_true(r.closed);

    /* ...in a later segment, the close whole or cut by its segment's end */
    wsc_heur_conv_init(&c);
    g_assert_cmpint(feed(&c, 0, "\x81\x05hello", 7, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(feed(&c, 0, same_segment, 4, &seg), !=, WSC_SEG_REJECT);
    g_assert_cmpint(feed(&c, 0, "\x81\x02hi", 4, &seg), ==, WSC_SEG_REJECT);
    g_assert_true(seg.scan.reject & WSC_R_AFTER_CLOSE);
    wsc_heur_conv_init(&c);
    g_assert_cmpint(feed(&c, 0, "\x81\x05hello\x88", 8, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(feed(&c, 0, "\x02\x03\xe8", 3, &seg), !=, WSC_SEG_REJECT);
    g_assert_cmpint(feed(&c, 0, "\x89\x00", 2, &seg), ==, WSC_SEG_REJECT);
}

/* MQTT without its CONNECT in the capture (a public Suricata trace, port 1883): each
 * SUBSCRIBE (0x82, a remaining length that fits) is an unmasked binary frame that fills its
 * segment, 2 points; the broker's SUBACKs (0x90: RSV1 on a continuation) are no frames. Two
 * SUBSCRIBEs made 4 points. Points from such frames alone count up to WSC_HEUR_SHAPE_MAX
 * while the other direction sends only bytes that are no frames; a server sending compressed
 * text to a silent client (Suricata's websocket-compressed trace) is still taken. */
static void test_conv_record_shapes_against_a_peer_that_is_not_websocket(void)
{
    static const uint8_t sub1[] = { 0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 'a', '/', 'b', 0x01 };
    static const uint8_t sub2[] = { 0x82, 0x08, 0x00, 0x02, 0x00, 0x03, 'c', '/', 'd', 0x01 };
    static const uint8_t sub3[] = { 0x82, 0x08, 0x00, 0x03, 0x00, 0x03, 'e', '/', 'f', 0x02 };
    static const uint8_t suback[] = { 0x90, 0x03, 0x00, 0x01, 0x01 };
    static const uint8_t z1[] = { 0xc1, 0x05, 0xf2, 0x48, 0xcd, 0xc9, 0x00 };
    static const uint8_t z2[] = { 0xc1, 0x06, 0x52, 0x08, 0x4f, 0x2f, 0xca, 0x01 };
    wsc_heur_conv c;
    wsc_heur_seg seg;
    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, (const uint8_t *)"\x20\x02\x00\x00", 4, 1, 4, &seg), ==,
                    WSC_SEG_REJECT);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, sub1, sizeof(sub1), 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, suback, sizeof(suback), 1, 4, &seg), ==, WSC_SEG_REJECT);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, sub2, sizeof(sub2), 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 0, sub3, sizeof(sub3), 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(seg.score, ==, WSC_HEUR_SHAPE_MAX);

    wsc_heur_conv_init(&c);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, z1, sizeof(z1), 1, 4, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_true(seg.scan.shape_only);
    g_assert_cmpint(wsc_heur_conv_feed(&c, 1, z2, sizeof(z2), 1, 4, &seg), ==, WSC_SEG_ACCEPT);
}

static void test_conv_frame_across_segments(void)
{
    /* A 300-byte unmasked binary frame over three segments, then a text frame. */
    uint8_t f[4 + 300 + 2 + 20];
    wsc_heur_conv c;
    wsc_heur_seg seg;
    size_t i;
    f[0] = 0x82; f[1] = 126; f[2] = 0x01; f[3] = 0x2c;
    for (i = 0; i < 300; i++)
        f[4 + i] = (uint8_t)(i * 7);
    f[304] = 0x81; f[305] = 20;
    memcpy(f + 306, "twenty bytes of text", 20);
    wsc_heur_conv_init(&c);
    g_assert_cmpint(feed(&c, 1, f, 100, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_true(seg.scan.evidence & WSC_EV_EXT_LEN);
    /* The middle segment is all payload of the open frame. */
    g_assert_cmpint(feed(&c, 1, f + 100, 100, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpuint(seg.skip_payload, ==, 100);
    g_assert_cmpuint(seg.skip_payload_pos, ==, 96);
    g_assert_cmpuint(seg.skip_payload_len, ==, 300);
    /* The last one finishes it (104 bytes) and holds the text frame. */
    feed(&c, 1, f + 200, sizeof(f) - 200, &seg);
    g_assert_cmpuint(seg.skip_payload, ==, 104);
    g_assert_cmpuint(seg.scan.frames, ==, 1);
    g_assert_true(seg.scan.evidence & WSC_EV_TEXT_UTF8);
    g_assert_true(seg.scan.evidence & WSC_EV_EXACT_FIT);
}

static void test_conv_header_across_segments(void)
{
    /* A 64-bit length header cut after 5 bytes. */
    uint8_t f[10 + 70000];
    wsc_heur_conv c;
    wsc_heur_seg seg;
    memset(f, 'x', sizeof(f));
    f[0] = 0x82; f[1] = 127;
    memset(f + 2, 0, 8);
    f[7] = 0x01; f[8] = 0x11; f[9] = 0x70; /* 70000 */
    wsc_heur_conv_init(&c);
    /* First a whole text frame so that the cut header follows a frame. */
    g_assert_cmpint(feed(&c, 1, "\x81\x03" "abc\x82\x7f\x00\x00\x00", 10, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpuint(seg.scan.tail_header_len, ==, 5);
    feed(&c, 1, f + 5, 1000, &seg);
    g_assert_cmpint(seg.verdict, !=, WSC_SEG_REJECT);
    g_assert_cmpuint(seg.skip_header, ==, 5);
    g_assert_cmpuint(seg.skip_payload, ==, 995);
    g_assert_cmpuint(seg.skip_payload_len, ==, 70000);
}

static void test_conv_reject_drops_evidence(void)
{
    wsc_heur_conv c;
    wsc_heur_seg seg;
    wsc_heur_conv_init(&c);
    g_assert_cmpint(feed(&c, 1, seed_server, sizeof(seed_server) - 1, &seg), ==, WSC_SEG_PLAUSIBLE);
    g_assert_cmpint(feed(&c, 1, "GET / HTTP/1.1\r\n", 16, &seg), ==, WSC_SEG_REJECT);
    g_assert_cmpint(c.dir[1].score, ==, 0);
    g_assert_cmpint(feed(&c, 1, seed_server, sizeof(seed_server) - 1, &seg), ==, WSC_SEG_PLAUSIBLE);
}

/*
 * Feeds conversations of random bytes, segs segments each of 1..max_len bytes (one in four
 * up to 1500 when long_ones), to both directions at random or to one (one_way), until
 * accepted at claim points. Returns how many were accepted; *best: the highest score one
 * direction reached.
 */
static int random_streams(guint32 seed, int convs, int segs, size_t max_len, int long_ones, int one_way, int claim,
                          int *best)
{
    GRand *r = g_rand_new_with_seed(seed);
    uint8_t buf[1500];
    int conv, accepted = 0;

    *best = 0;
    for (conv = 0; conv < convs; conv++) {
        wsc_heur_conv c;
        wsc_heur_seg seg;
        int i;
        wsc_heur_conv_init(&c);
        for (i = 0; i < segs && !c.accepted; i++) {
            size_t n = (size_t)g_rand_int_range(r, 1, (gint32)max_len + 1);
            size_t k;
            int dir;
            if (long_ones && g_rand_int_range(r, 0, 4) == 0)
                n = (size_t)g_rand_int_range(r, 1, sizeof(buf));
            for (k = 0; k < n; k++)
                buf[k] = (uint8_t)g_rand_int(r);
            dir = one_way ? conv & 1 : g_rand_int_range(r, 0, 2);
            wsc_heur_conv_feed(&c, dir, buf, n, 1, claim, &seg);
            if (c.dir[dir].score > *best)
                *best = c.dir[dir].score;
        }
        accepted += c.accepted;
    }
    g_rand_free(r);
    return accepted;
}

static void test_conv_random_streams(void)
{
    /* Random two-way streams of random-sized segments: none may be accepted. */
    int best;
    g_assert_cmpint(random_streams(7, 2000, 50, 199, 1, 0, 6, &best), ==, 0);
}

/* Binary frames (random payload, as compressed data looks) cut into tiny segments: no
 * frame is whole in a segment, but each header sits exactly where the frame before it
 * ends, and that is evidence. */
static void test_conv_chain_across_tiny_segments(void)
{
    GRand *r = g_rand_new_with_seed(11);
    uint8_t stream[3 * 102];
    wsc_heur_conv c;
    wsc_heur_seg seg;
    size_t off = 0, i;
    int k;

    for (k = 0; k < 3; k++) {
        stream[k * 102] = 0x82;
        stream[k * 102 + 1] = 100;
        for (i = 0; i < 100; i++)
            stream[k * 102 + 2 + i] = (uint8_t)g_rand_int(r);
    }
    wsc_heur_conv_init(&c);
    while (off < sizeof(stream)) {
        size_t n = sizeof(stream) - off < 7 ? sizeof(stream) - off : 7;
        g_assert_cmpint(feed(&c, 1, stream + off, n, &seg), !=, WSC_SEG_REJECT);
        off += n;
    }
    g_assert_true(c.evidence & WSC_EV_CHAIN_ACROSS);
    /* Two headers found where a length said: two points. */
    g_assert_cmpint(c.dir[1].score, ==, 2);
    /* The same frames with the second header one byte off: the chain breaks there. */
    wsc_heur_conv_init(&c);
    stream[102] = 0x82;
    stream[103] = 0x00;
    stream[104] = 99;
    off = 0;
    {
        int rejected = 0;
        while (off < sizeof(stream)) {
            size_t n = sizeof(stream) - off < 7 ? sizeof(stream) - off : 7;
            rejected |= feed(&c, 1, stream + off, n, &seg) == WSC_SEG_REJECT;
            off += n;
        }
        g_assert_true(rejected || c.dir[1].score < 2);
    }
    g_rand_free(r);
}

/* Random bytes in tiny segments offer a try at every segment start and a chain at every
 * length they name: none of 3000 one-way streams of 300 segments earns a claim. */
static void test_conv_random_tiny_segments(void)
{
    int best, accepted = random_streams(5, 3000, 300, 30, 0, 1, 4, &best);
    g_test_message("random tiny-segment streams accepted: %d of 3000, best score %d", accepted, best);
    g_assert_cmpint(accepted, ==, 0);
}

/* A direction whose masking is known from the other one keeps it when a segment that is
 * not frames drops its evidence: an unmasked frame from a client is never taken. */
static void test_conv_expected_mask_survives_reject(void)
{
    static const uint8_t garbage[] = { 0x47, 0x45, 0x54, 0x20 };
    static const uint8_t unmasked_text[] = { 0x81, 0x05, 'h', 'e', 'l', 'l', 'o' };
    wsc_heur_conv c;
    wsc_heur_seg seg;
    wsc_heur_conv_init(&c);
    wsc_heur_conv_expect_mask(&c, 0, 1);
    g_assert_cmpint(feed(&c, 0, garbage, sizeof(garbage), &seg), ==, WSC_SEG_REJECT);
    g_assert_cmpint(c.dir[0].masked, ==, 1);
    g_assert_cmpint(feed(&c, 0, unmasked_text, sizeof(unmasked_text), &seg), ==, WSC_SEG_REJECT);
    /* Forgetting the direction forgets its masking too. */
    wsc_heur_conv_reset_dir(&c, 0);
    g_assert_cmpint(c.dir[0].masked, ==, -1);
    g_assert_cmpint(feed(&c, 0, unmasked_text, sizeof(unmasked_text), &seg), !=, WSC_SEG_REJECT);
}

static void test_random_rarely_scores(void)
{
    /* Random segments: count those that would claim a conversation (score >= 4). */
    GRand *r = g_rand_new_with_seed(42);
    uint8_t buf[1500];
    int i, claimed = 0;
    for (i = 0; i < 100000; i++) {
        size_t n = (size_t)g_rand_int_range(r, 2, sizeof(buf));
        size_t k;
        wsc_heur_result res;
        for (k = 0; k < n; k++)
            buf[k] = (uint8_t)g_rand_int(r);
        wsc_heur_scan(buf, n, -1, 1, &res);
        if (!res.reject && res.score >= 4)
            claimed++;
    }
    g_test_message("random segments claimed: %d of 100000", claimed);
    g_assert_cmpint(claimed, <, 10);
    g_rand_free(r);
}

static void test_describe(void)
{
    char buf[128];
    wsc_heur_describe(WSC_EV_EXACT_FIT | WSC_EV_TEXT_UTF8, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "frames end at segment end, text unmasks to UTF-8");
    wsc_heur_describe(WSC_EV_EXACT_FIT | WSC_EV_TEXT_UTF8, buf, 10);
    g_assert_cmpuint(strlen(buf), <, 10);
}

/* A segment that begins inside a frame: the boundary is found where the frames start,
 * when the first frames there prove themselves (text), and nothing is invented from
 * random bytes. */
static void test_conv_hunt_inside(void)
{
    uint8_t b[200];
    size_t n = 0, i;
    wsc_heur_conv c;
    wsc_heur_seg seg;
    guint32 x = 12345;

    for (i = 0; i < 37; i++) {       /* the end of a frame whose start is not here */
        x = x * 1103515245u + 12345u;
        b[n++] = (uint8_t)(x >> 16);
    }
    for (i = 0; i < 3; i++) {
        static const char t[] = "hello, world";
        b[n++] = 0x81;
        b[n++] = (uint8_t)(sizeof(t) - 1);
        memcpy(b + n, t, sizeof(t) - 1);
        n += sizeof(t) - 1;
    }
    wsc_heur_conv_init(&c);
    wsc_heur_conv_feed(&c, 0, b, n, 1, 1000, &seg);
    g_assert_cmpint(seg.verdict, !=, WSC_SEG_REJECT);
    g_assert_cmpuint(seg.skip_lead, ==, 37);
    g_assert_cmpuint(seg.scan.frames, ==, 3);
    /* Not when the snapshot cut the segment (no exact end to go by). */
    wsc_heur_conv_init(&c);
    wsc_heur_conv_feed(&c, 0, b, n, 0, 1000, &seg);
    g_assert_cmpuint(seg.skip_lead, ==, 0);
    /* Not in a direction seen from its stream's first byte; again once bytes went missing. */
    wsc_heur_conv_init(&c);
    wsc_heur_conv_from_start(&c, 0);
    wsc_heur_conv_feed(&c, 0, b, n, 1, 1000, &seg);
    g_assert_cmpint(seg.verdict, ==, WSC_SEG_REJECT);
    g_assert_cmpuint(seg.skip_lead, ==, 0);
    wsc_heur_conv_feed(&c, 1, b, n, 1, 1000, &seg); /* the other direction hunts */
    g_assert_cmpuint(seg.skip_lead, ==, 37);
    wsc_heur_conv_reset_dir(&c, 0);
    wsc_heur_conv_feed(&c, 0, b, n, 1, 1000, &seg);
    g_assert_cmpuint(seg.skip_lead, ==, 37);
}


static void test_huge_length_rejected(void)
{
    /* A 64-bit length of 2^40 (1 TiB) is no capture's frame: payload read as a header. */
    uint8_t b[30] = { 0x82, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 };
    wsc_heur_result r = scan(b, sizeof(b), -1);
    g_assert_true(r.reject & WSC_R_HUGE_LEN);
    /* One less is a frame the segment does not hold, and a minimal 64-bit length says much. */
    b[4] = 0x00; b[5] = 0xff; b[6] = 0xff; b[7] = 0xff; b[8] = 0xff; b[9] = 0xff;
    r = scan(b, sizeof(b), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_true(r.evidence & WSC_EV_EXT_LEN);
    g_assert_cmpint(r.score, ==, 4);
}

/* A 300-byte binary frame (16-bit length) whose payload bytes are not text. */
static size_t binary300(uint8_t *f)
{
    size_t i;
    f[0] = 0x82; f[1] = 126; f[2] = 0x01; f[3] = 0x2c;
    for (i = 0; i < 300; i++)
        f[4 + i] = (uint8_t)(i * 13 + 7);
    return 304;
}

static void test_conv_ext_len_ends_with_next_segment(void)
{
    uint8_t f[304];
    wsc_heur_conv c;
    wsc_heur_seg seg;
    int before;

    binary300(f);
    /* Header and 46 payload bytes, then the other 254 in the next segment, ending with it. */
    wsc_heur_conv_init(&c);
    feed(&c, 1, f, 50, &seg);
    before = c.dir[1].score;
    feed(&c, 1, f + 50, 254, &seg);
    g_assert_cmpint(seg.verdict, ==, WSC_SEG_PLAUSIBLE);
    g_assert_true(c.evidence & WSC_EV_SPLIT_FRAME);
    g_assert_cmpint(c.dir[1].score, ==, before + 2); /* the frame, and the exact end */
    /* Over three segments the end proves nothing (one of many segment ends in reach). */
    wsc_heur_conv_init(&c);
    feed(&c, 1, f, 50, &seg);
    before = c.dir[1].score;
    feed(&c, 1, f + 50, 100, &seg);
    feed(&c, 1, f + 150, 154, &seg);
    g_assert_false(c.evidence & WSC_EV_SPLIT_FRAME);
    g_assert_cmpint(c.dir[1].score, ==, before);
}

static void test_conv_hunt_open(void)
{
    uint8_t b[400], rest[304];
    size_t n = 0, i;
    wsc_heur_conv c;
    wsc_heur_seg seg;
    guint32 x = 777;
    static const char t[] = "hello, world";

    for (i = 0; i < 37; i++) {       /* the end of a frame whose start is not here */
        x = x * 1103515245u + 12345u;
        b[n++] = (uint8_t)(x >> 16);
    }
    for (i = 0; i < 2; i++) {
        b[n++] = 0x81;
        b[n++] = (uint8_t)(sizeof(t) - 1);
        memcpy(b + n, t, sizeof(t) - 1);
        n += sizeof(t) - 1;
    }
    binary300(rest);
    memcpy(b + n, rest, 60);         /* a frame the segment's end cuts */
    n += 60;
    /* Conversation not known to be WebSocket: no exact end, no boundary. */
    wsc_heur_conv_init(&c);
    g_assert_cmpint(feed(&c, 0, b, n, &seg), ==, WSC_SEG_REJECT);
    g_assert_cmpuint(seg.skip_lead, ==, 0);
    /* Known to be: the boundary is taken on trial, for one point. */
    wsc_heur_conv_init(&c);
    c.accepted = 1;
    g_assert_cmpint(feed(&c, 0, b, n, &seg), !=, WSC_SEG_REJECT);
    g_assert_cmpuint(seg.skip_lead, ==, 37);
    g_assert_cmpuint(seg.scan.frames, ==, 2);
    g_assert_cmpint(c.dir[0].score, ==, 1);
    /* The next segment finishes the open frame where its length says and holds a header
     * right after it: the trial earns more. */
    memcpy(b, rest + 60, 244);
    b[244] = 0x81;
    b[245] = (uint8_t)(sizeof(t) - 1);
    memcpy(b + 246, t, sizeof(t) - 1);
    g_assert_cmpint(feed(&c, 0, b, 246 + sizeof(t) - 1, &seg), !=, WSC_SEG_REJECT);
    g_assert_cmpuint(seg.skip_payload, ==, 244);
    g_assert_cmpint(c.dir[0].score, >, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/heur/seed", test_seed);
    g_test_add_func("/core/heur/chain", test_chain_scores_more);
    g_test_add_func("/core/heur/repeats_and_filler_earn_nothing", test_repeats_and_filler_earn_nothing);
    g_test_add_func("/core/heur/fragment_sequence", test_fragment_sequence);
    g_test_add_func("/core/heur/zero_runs", test_zero_runs_score_nothing);
    g_test_add_func("/core/heur/conv/seed", test_conv_seed);
    g_test_add_func("/core/heur/conv/server_text_needs_more", test_conv_server_text_needs_more);
    g_test_add_func("/core/heur/conv/same_masks", test_conv_same_masks_rejected);
    g_test_add_func("/core/heur/nothing_after_close", test_nothing_after_close);
    g_test_add_func("/core/heur/conv/record_shapes", test_conv_record_shapes_against_a_peer_that_is_not_websocket);
    g_test_add_func("/core/heur/conv/unmasked_client_closes", test_conv_unmasked_client_closes_both_ways);
    g_test_add_func("/core/heur/conv/ping_pong_echo", test_conv_ping_pong_echo);
    g_test_add_func("/core/heur/conv/open_frames_opposite_masks", test_conv_open_frames_opposite_masks_not_enough);
    g_test_add_func("/core/heur/conv/frame_across_segments", test_conv_frame_across_segments);
    g_test_add_func("/core/heur/conv/header_across_segments", test_conv_header_across_segments);
    g_test_add_func("/core/heur/conv/reject_drops_evidence", test_conv_reject_drops_evidence);
    g_test_add_func("/core/heur/conv/random_streams", test_conv_random_streams);
    g_test_add_func("/core/heur/conv/chain_across_tiny_segments", test_conv_chain_across_tiny_segments);
    g_test_add_func("/core/heur/conv/random_tiny_segments", test_conv_random_tiny_segments);
    g_test_add_func("/core/heur/conv/expected_mask", test_conv_expected_mask_survives_reject);
    g_test_add_func("/core/heur/wrong_expected_mask", test_wrong_expected_mask);
    g_test_add_func("/core/heur/mixed_mask", test_mixed_mask_in_segment);
    g_test_add_func("/core/heur/header_rules", test_header_rules);
    g_test_add_func("/core/heur/bad_text", test_bad_text);
    g_test_add_func("/core/heur/compressed_text", test_compressed_text_not_checked);
    g_test_add_func("/core/heur/close", test_close);
    g_test_add_func("/core/heur/partial", test_partial_frames);
    g_test_add_func("/core/heur/split_header_and_payload", test_split_header_and_payload);
    g_test_add_func("/core/heur/split_empty_frame", test_split_empty_frame_reports_opcode);
    g_test_add_func("/core/heur/split_close", test_split_close);
    g_test_add_func("/core/heur/split_long_text", test_split_long_text);
    g_test_add_func("/core/heur/other_protocols", test_other_protocols);
    g_test_add_func("/core/heur/random", test_random_rarely_scores);
    g_test_add_func("/core/heur/describe", test_describe);
    g_test_add_func("/core/heur/conv/hunt_inside", test_conv_hunt_inside);
    g_test_add_func("/core/heur/conv/hunt_open", test_conv_hunt_open);
    g_test_add_func("/core/heur/conv/ext_len_ends_with_next_segment", test_conv_ext_len_ends_with_next_segment);
    g_test_add_func("/core/heur/huge_length", test_huge_length_rejected);
    return g_test_run();
}
