/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_tinflate: zlib's deflate is the oracle. Decoding from the
 * start of a stream must give every message exactly, with no unknown byte; starting
 * in the middle, a message with no unknown byte must be exactly what was sent. */
#include <glib.h>
#include <string.h>
#include <zlib.h>

#include "guard.h"
#include "wsc_tinflate.h"

#define NMSG 200

static GByteArray *make_message(GRand *r, int i)
{
    /* JSON-like text with repeats across messages (what context takeover exploits). */
    GString *s = g_string_new(NULL);
    int k, n = g_rand_int_range(r, 1, 12);
    g_string_append_printf(s, "{\"seq\":%d,\"items\":[", i);
    for (k = 0; k < n; k++)
        g_string_append_printf(s, "%s{\"id\":%u,\"name\":\"item-%u\",\"price\":%u.%02u}", k ? "," : "",
                               g_rand_int_range(r, 0, 50), g_rand_int_range(r, 0, 20), g_rand_int_range(r, 1, 500),
                               g_rand_int_range(r, 0, 100));
    g_string_append(s, "]}");
    if (g_rand_int_range(r, 0, 3) == 0) {
        /* A message of its own words now and then: little to refer back to. */
        g_string_truncate(s, 0);
        for (k = g_rand_int_range(r, 20, 200); k > 0; k--)
            g_string_append_c(s, (char)g_rand_int_range(r, 'a', 'z' + 1));
    }
    if (g_rand_int_range(r, 0, 10) == 0) {
        /* Now and then some incompressible bytes. */
        for (k = 0; k < 300; k++)
            g_string_append_c(s, (char)g_rand_int_range(r, 1, 256));
    }
    return g_bytes_unref_to_array(g_string_free_to_bytes(s));
}

typedef struct {
    GPtrArray *plain, *comp;
} corpus;

static corpus make_corpus(guint32 seed, int level, int window_bits)
{
    corpus c;
    GRand *r = g_rand_new_with_seed(seed);
    z_stream zs;
    int i;

    c.plain = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
    c.comp = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
    memset(&zs, 0, sizeof(zs));
    g_assert_cmpint(deflateInit2(&zs, level, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
    for (i = 0; i < NMSG; i++) {
        GByteArray *p = make_message(r, i), *b = g_byte_array_new();
        guint8 buf[4096];
        zs.next_in = p->data;
        zs.avail_in = p->len;
        do {
            zs.next_out = buf;
            zs.avail_out = sizeof(buf);
            deflate(&zs, Z_SYNC_FLUSH);
            g_byte_array_append(b, buf, (guint)(sizeof(buf) - zs.avail_out));
        } while (zs.avail_out == 0);
        g_byte_array_set_size(b, b->len - 4); /* RFC 7692 7.2.1 */
        g_ptr_array_add(c.plain, p);
        g_ptr_array_add(c.comp, b);
    }
    deflateEnd(&zs);
    g_rand_free(r);
    return c;
}

static int decode(wsc_tinflate *t, GByteArray *in, GByteArray *out, size_t *unknown)
{
    const uint8_t *g = guard_copy(in->data, in->len);
    size_t n = 0;
    int rc;
    g_byte_array_set_size(out, 1 << 20);
    rc = wsc_tinflate_message(t, g, in->len, out->data, out->len, &n, unknown);
    g_byte_array_set_size(out, (guint)n);
    guard_free(g);
    return rc;
}

static void test_from_start(void)
{
    int levels[] = { 1, 6, 9 }, wbits[] = { 9, 12, 15 };
    guint li, wi;
    for (li = 0; li < G_N_ELEMENTS(levels); li++)
        for (wi = 0; wi < G_N_ELEMENTS(wbits); wi++) {
            corpus c = make_corpus(100 + li * 3 + wi, levels[li], wbits[wi]);
            wsc_tinflate *t = g_new(wsc_tinflate, 1);
            GByteArray *out = g_byte_array_new();
            guint i;
            wsc_tinflate_init_unknown(t);
            for (i = 0; i < c.comp->len; i++) {
                size_t unknown = 99;
                g_assert_cmpint(decode(t, c.comp->pdata[i], out, &unknown), ==, WSC_TINF_DONE);
                g_assert_cmpuint(unknown, ==, 0);
                g_assert_cmpmem(out->data, out->len, ((GByteArray *)c.plain->pdata[i])->data,
                                ((GByteArray *)c.plain->pdata[i])->len);
            }
            g_free(t);
            g_byte_array_unref(out);
            g_ptr_array_unref(c.plain);
            g_ptr_array_unref(c.comp);
        }
}

/* What zlib alone can do after a gap: inflate each message with a fresh stream after a
 * failure, keep the stream after a success. Returns how many messages come out. */
static int zlib_reset_strategy(corpus *c, int start)
{
    z_stream zs;
    int i, ok = 0, broken = 0;
    guint8 *out = g_malloc(1 << 20);
    memset(&zs, 0, sizeof(zs));
    inflateInit2(&zs, -15);
    for (i = start; i < (int)c->comp->len; i++) {
        GByteArray *in = g_byte_array_new();
        GByteArray *src = c->comp->pdata[i];
        int rc;
        g_byte_array_append(in, src->data, src->len);
        g_byte_array_append(in, (const guint8 *)"\x00\x00\xff\xff", 4);
        if (broken)
            inflateReset(&zs);
        zs.next_in = in->data;
        zs.avail_in = in->len;
        zs.next_out = out;
        zs.avail_out = 1 << 20;
        rc = inflate(&zs, Z_SYNC_FLUSH);
        broken = !(rc == Z_OK || rc == Z_BUF_ERROR) || zs.avail_in != 0;
        if (!broken && (1u << 20) - zs.avail_out == ((GByteArray *)c->plain->pdata[i])->len &&
            memcmp(out, ((GByteArray *)c->plain->pdata[i])->data, ((GByteArray *)c->plain->pdata[i])->len) == 0)
            ok++;
        g_byte_array_unref(in);
    }
    inflateEnd(&zs);
    g_free(out);
    return ok;
}

static void test_from_the_middle_never_wrong(void)
{
    guint32 seeds[] = { 7, 8 };
    int wb[] = { 15, 12 };
    guint k;
    for (k = 0; k < G_N_ELEMENTS(seeds); k++) {
        corpus c = make_corpus(seeds[k], 6, wb[k]);
        int start;
        for (start = 1; start < 60; start += 7) {
            wsc_tinflate *t = g_new(wsc_tinflate, 1);
            GByteArray *out = g_byte_array_new();
            guint i;
            int exact = 0, baseline = zlib_reset_strategy(&c, start);
            wsc_tinflate_init_unknown(t);
            for (i = (guint)start; i < c.comp->len; i++) {
                size_t unknown = 0;
                GByteArray *want = c.plain->pdata[i];
                g_assert_cmpint(decode(t, c.comp->pdata[i], out, &unknown), ==, WSC_TINF_DONE);
                /* The length is always right: only bytes copied from unknown history are unknown. */
                g_assert_cmpuint(out->len, ==, want->len);
                if (unknown == 0) {
                    /* Never wrong: no unknown byte means exactly what was sent. */
                    g_assert_cmpmem(out->data, out->len, want->data, want->len);
                    exact++;
                }
            }
            /* Keeping the known history in place never does worse than starting afresh. */
            g_assert_cmpint(exact, >=, baseline);
            g_test_message("window %d, start %d: %d exact (zlib with resets: %d) of %d", wb[k], start, exact, baseline,
                           (int)c.comp->len - start);
            g_free(t);
            g_byte_array_unref(out);
        }
        g_ptr_array_unref(c.plain);
        g_ptr_array_unref(c.comp);
    }
}

/* Known history handed over (what zlib decoded before a back-reference reached past
 * the capture): later messages that refer to it come out exactly, none wrongly. */
static void test_known_history(void)
{
    corpus c = make_corpus(21, 6, 15);
    guint first, cut;
    for (first = 1; first < 40; first += 9)
        for (cut = first + 1; cut < first + 30; cut += 7) {
            wsc_tinflate *t = g_new(wsc_tinflate, 1), *u = g_new(wsc_tinflate, 1);
            GByteArray *out = g_byte_array_new();
            guint i;
            int seeded = 0, blind = 0;
            /* u: every message from `first` through this decoder (the reference: the same
             * window as a decoder that saw messages first..cut-1 itself). */
            wsc_tinflate_init_unknown(u);
            for (i = first; i < cut; i++) {
                size_t unknown = 0;
                g_assert_cmpint(decode(u, c.comp->pdata[i], out, &unknown), ==, WSC_TINF_DONE);
            }
            /* t: messages first..cut-1 handed over as known bytes, from an unknown window. */
            wsc_tinflate_init_unknown(t);
            for (i = first; i < cut; i++)
                wsc_tinflate_known(t, ((GByteArray *)c.plain->pdata[i])->data, ((GByteArray *)c.plain->pdata[i])->len);
            for (i = cut; i < c.comp->len; i++) {
                size_t unknown = 0, ublind = 0;
                GByteArray *want = c.plain->pdata[i];
                g_assert_cmpint(decode(t, c.comp->pdata[i], out, &unknown), ==, WSC_TINF_DONE);
                g_assert_cmpuint(out->len, ==, want->len);
                if (unknown == 0) {
                    g_assert_cmpmem(out->data, out->len, want->data, want->len);
                    seeded++;
                }
                g_assert_cmpint(decode(u, c.comp->pdata[i], out, &ublind), ==, WSC_TINF_DONE);
                /* Handed-over bytes are known exactly where u decoded them without unknowns. */
                g_assert_cmpuint(unknown, <=, ublind);
                blind += ublind == 0;
            }
            g_assert_cmpint(seeded, >=, blind);
            g_free(t);
            g_free(u);
            g_byte_array_unref(out);
        }
    /* The whole history from the stream's start: every message, with no unknown byte. */
    {
        wsc_tinflate *t = g_new(wsc_tinflate, 1);
        GByteArray *out = g_byte_array_new();
        guint i;
        wsc_tinflate_init_unknown(t);
        for (i = 0; i < 50; i++)
            wsc_tinflate_known(t, ((GByteArray *)c.plain->pdata[i])->data, ((GByteArray *)c.plain->pdata[i])->len);
        for (i = 50; i < c.comp->len; i++) {
            size_t unknown = 99;
            GByteArray *want = c.plain->pdata[i];
            g_assert_cmpint(decode(t, c.comp->pdata[i], out, &unknown), ==, WSC_TINF_DONE);
            g_assert_cmpuint(unknown, ==, 0);
            g_assert_cmpmem(out->data, out->len, want->data, want->len);
        }
        /* More than a window at once keeps its last 32 KiB, wrapping around. */
        {
            guint8 *big = g_malloc(WSC_TINF_WINDOW * 2 + 5);
            for (i = 0; i < WSC_TINF_WINDOW * 2 + 5; i++)
                big[i] = (guint8)(i * 7);
            t->pos = 100;
            wsc_tinflate_known(t, big, WSC_TINF_WINDOW * 2 + 5);
            g_assert_cmpuint(t->pos, ==, 100);
            g_assert_cmpuint(t->win[99], ==, big[WSC_TINF_WINDOW * 2 + 4]);
            g_assert_cmpuint(t->win[100], ==, big[WSC_TINF_WINDOW + 5]);
            for (i = 0; i < WSC_TINF_WINDOW; i++)
                g_assert_cmpuint(t->unknown[i], ==, 0);
            g_free(big);
        }
        g_free(t);
        g_byte_array_unref(out);
    }
    g_ptr_array_unref(c.plain);
    g_ptr_array_unref(c.comp);
}

static void test_rfc7692_examples(void)
{
    static const uint8_t hello[] = { 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00 };
    static const uint8_t again[] = { 0xf2, 0x00, 0x11, 0x00, 0x00 };
    static const uint8_t stored[] = { 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00 };
    wsc_tinflate *t = g_new(wsc_tinflate, 1);
    uint8_t out[64];
    size_t n, unknown;
    wsc_tinflate_init_unknown(t);
    g_assert_cmpint(wsc_tinflate_message(t, hello, sizeof(hello), out, sizeof(out), &n, &unknown), ==, WSC_TINF_DONE);
    g_assert_cmpmem(out, n, "Hello", 5);
    g_assert_cmpint(wsc_tinflate_message(t, again, sizeof(again), out, sizeof(out), &n, &unknown), ==, WSC_TINF_DONE);
    g_assert_cmpmem(out, n, "Hello", 5);
    g_assert_cmpuint(unknown, ==, 0);
    g_assert_cmpint(wsc_tinflate_message(t, stored, sizeof(stored), out, sizeof(out), &n, &unknown), ==, WSC_TINF_DONE);
    g_assert_cmpmem(out, n, "Hello", 5);
    /* "Hello" again, decoded without the first message: a literal 'H' and four bytes
     * copied from history that is not there. */
    wsc_tinflate_init_unknown(t);
    g_assert_cmpint(wsc_tinflate_message(t, again, sizeof(again), out, sizeof(out), &n, &unknown), ==, WSC_TINF_DONE);
    g_assert_cmpuint(n, ==, 5);
    g_assert_cmpuint(out[0], ==, 'H');
    g_assert_cmpuint(unknown, ==, 4);
    g_free(t);
}

static void test_corrupt_and_cap(void)
{
    static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x12, 0x34 };
    wsc_tinflate *t = g_new(wsc_tinflate, 1);
    uint8_t out[16];
    size_t n, unknown;
    corpus c = make_corpus(3, 6, 15);
    wsc_tinflate_init_unknown(t);
    g_assert_cmpint(wsc_tinflate_message(t, junk, sizeof(junk), out, sizeof(out), &n, &unknown), ==, WSC_TINF_CORRUPT);
    wsc_tinflate_init_unknown(t);
    g_assert_cmpint(wsc_tinflate_message(t, ((GByteArray *)c.comp->pdata[0])->data, ((GByteArray *)c.comp->pdata[0])->len,
                                         out, sizeof(out), &n, &unknown), ==, WSC_TINF_FULL);
    g_assert_cmpuint(n, ==, sizeof(out));
    g_free(t);
    g_ptr_array_unref(c.plain);
    g_ptr_array_unref(c.comp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/tinflate/rfc7692_examples", test_rfc7692_examples);
    g_test_add_func("/core/tinflate/from_start_matches_zlib", test_from_start);
    g_test_add_func("/core/tinflate/from_the_middle_never_wrong", test_from_the_middle_never_wrong);
    g_test_add_func("/core/tinflate/corrupt_and_cap", test_corrupt_and_cap);
    g_test_add_func("/core/tinflate/known_history", test_known_history);
    return g_test_run();
}
