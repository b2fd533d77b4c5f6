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
    /* RFC 6455 5.7: "Hel" + "lo" fragments, then a ping, in one segment. */
    static const uint8_t b[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f, 0x89, 0x00 };
    wsc_heur_result one = scan(b, 5, -1);
    wsc_heur_result three = scan(b, sizeof(b), -1);
    g_assert_cmpuint(three.reject, ==, 0);
    g_assert_cmpuint(three.frames, ==, 3);
    g_assert_true(three.evidence & WSC_EV_CHAIN);
    g_assert_cmpint(three.score, >, one.score);
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
}

static void test_partial_frames(void)
{
    /* A 7-bit length that overruns the segment is what random bytes look like. */
    static const uint8_t small[] = { 0x82, 0x20, 1, 2, 3 };
    /* A 64-bit length announcing 1 MB, masked, with the first payload bytes. */
    static const uint8_t big[] = { 0x82, 0xFF, 0, 0, 0, 0, 0, 0x0F, 0x42, 0x40, 9, 9, 9, 9, 1, 2, 3 };
    static const uint8_t header_only[] = { 0x82, 0x7F, 0, 0 };
    wsc_heur_result r;
    g_assert_true(scan(small, sizeof(small), -1).reject & WSC_R_PARTIAL_SMALL);
    r = scan(big, sizeof(big), -1);
    g_assert_cmpuint(r.reject, ==, 0);
    g_assert_true(r.evidence & WSC_EV_EXT_LEN);
    g_assert_false(r.evidence & WSC_EV_EXACT_FIT);
    g_assert_cmpuint(r.first_frame_len, ==, 1000000 + 14);
    g_assert_true(scan(header_only, sizeof(header_only), -1).reject & WSC_R_TOO_SHORT);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/heur/seed", test_seed);
    g_test_add_func("/core/heur/chain", test_chain_scores_more);
    g_test_add_func("/core/heur/wrong_expected_mask", test_wrong_expected_mask);
    g_test_add_func("/core/heur/mixed_mask", test_mixed_mask_in_segment);
    g_test_add_func("/core/heur/header_rules", test_header_rules);
    g_test_add_func("/core/heur/bad_text", test_bad_text);
    g_test_add_func("/core/heur/compressed_text", test_compressed_text_not_checked);
    g_test_add_func("/core/heur/close", test_close);
    g_test_add_func("/core/heur/partial", test_partial_frames);
    g_test_add_func("/core/heur/other_protocols", test_other_protocols);
    g_test_add_func("/core/heur/random", test_random_rarely_scores);
    g_test_add_func("/core/heur/describe", test_describe);
    return g_test_run();
}
