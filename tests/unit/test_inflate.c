/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_inflate: messages compressed by zlib's deflate the way
 * RFC 7692 7.2.1 says (raw DEFLATE, sync flush, 00 00 ff ff removed), with and
 * without context takeover; missing history; corrupt data; the output cap. */
#include <glib.h>
#include <string.h>
#include <zlib.h>

#include "guard.h"
#include "wsc_inflate.h"

/* Compresses msgs[i] one after the other with one deflate stream (context takeover,
 * or a reset after each message), as a permessage-deflate sender does. */
static GPtrArray *compress_messages(const char *const *msgs, int n, int takeover)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
    z_stream zs;
    int i;

    memset(&zs, 0, sizeof(zs));
    g_assert_cmpint(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
    for (i = 0; i < n; i++) {
        guint8 buf[65536];
        GByteArray *b = g_byte_array_new();
        if (msgs[i][0] == '\0') {
            /* RFC 7692 7.2.3.6: an empty message is sent as the single byte 00. */
            g_byte_array_append(b, (const guint8 *)"\0", 1);
            g_ptr_array_add(out, b);
            continue;
        }
        zs.next_in = (Bytef *)msgs[i];
        zs.avail_in = (uInt)strlen(msgs[i]);
        do {
            zs.next_out = buf;
            zs.avail_out = sizeof(buf);
            g_assert_cmpint(deflate(&zs, Z_SYNC_FLUSH), ==, Z_OK);
            g_byte_array_append(b, buf, (guint)(sizeof(buf) - zs.avail_out));
        } while (zs.avail_out == 0);
        /* RFC 7692 7.2.1: remove the 00 00 ff ff at the end. */
        g_assert_cmpuint(b->len, >=, 4);
        g_assert_cmpmem(b->data + b->len - 4, 4, "\x00\x00\xff\xff", 4);
        g_byte_array_set_size(b, b->len - 4);
        g_ptr_array_add(out, b);
        if (!takeover)
            deflateReset(&zs);
    }
    deflateEnd(&zs);
    return out;
}

static int inflate_all(wsc_inflater *f, const GByteArray *in, GByteArray *out, size_t chunk)
{
    const uint8_t *g = guard_copy(in->data, in->len);
    int rc;
    wsc_inflate_begin(f, g, in->len, 1);
    g_byte_array_set_size(out, 0);
    for (;;) {
        guint8 *buf = g_malloc(chunk);
        size_t made = 0;
        rc = wsc_inflate_run(f, buf, chunk, &made);
        g_byte_array_append(out, buf, (guint)made);
        g_free(buf);
        if (rc != WSC_INF_FULL)
            break;
    }
    guard_free(g);
    return rc;
}

static const char *const msgs[] = {
    "{\"type\":\"subscribe\",\"channel\":\"ticker\",\"symbols\":[\"BTC\",\"ETH\",\"SOL\"]}",
    "{\"type\":\"subscribe\",\"channel\":\"ticker\",\"symbols\":[\"BTC\",\"ETH\"]}",
    "",
    "{\"type\":\"subscribe\",\"channel\":\"trades\",\"symbols\":[\"BTC\",\"ETH\",\"SOL\"]}",
};

static void test_context_takeover(void)
{
    GPtrArray *c = compress_messages(msgs, 4, 1);
    wsc_inflater *f = wsc_inflate_new();
    GByteArray *out = g_byte_array_new();
    guint i;
    for (i = 0; i < c->len; i++) {
        size_t chunk;
        /* Any output chunk size gives the same bytes. */
        for (chunk = 1; chunk <= 4096; chunk *= 8) {
            wsc_inflater *g = wsc_inflate_new();
            guint j;
            for (j = 0; j < i; j++)
                g_assert_cmpint(inflate_all(g, c->pdata[j], out, 4096), ==, WSC_INF_DONE);
            g_assert_cmpint(inflate_all(g, c->pdata[i], out, chunk), ==, WSC_INF_DONE);
            g_assert_cmpmem(out->data, out->len, msgs[i], strlen(msgs[i]));
            wsc_inflate_free(g);
        }
        g_assert_cmpint(inflate_all(f, c->pdata[i], out, 64), ==, WSC_INF_DONE);
        g_assert_cmpmem(out->data, out->len, msgs[i], strlen(msgs[i]));
    }
    /* The second message is smaller than its text: it refers back to the first. */
    g_assert_cmpuint(((GByteArray *)c->pdata[1])->len, <, strlen(msgs[1]) / 2);
    g_byte_array_unref(out);
    wsc_inflate_free(f);
    g_ptr_array_unref(c);
}

static void test_missing_history(void)
{
    /* A capture that begins with the second message of a context-takeover stream. */
    GPtrArray *c = compress_messages(msgs, 4, 1);
    wsc_inflater *f = wsc_inflate_new();
    GByteArray *out = g_byte_array_new();
    g_assert_cmpint(inflate_all(f, c->pdata[1], out, 4096), ==, WSC_INF_HISTORY);
    /* After a reset, a message that needs no history decodes again. */
    wsc_inflate_reset(f);
    {
        GPtrArray *fresh = compress_messages(msgs + 3, 1, 0);
        g_assert_cmpint(inflate_all(f, fresh->pdata[0], out, 4096), ==, WSC_INF_DONE);
        g_assert_cmpmem(out->data, out->len, msgs[3], strlen(msgs[3]));
        g_ptr_array_unref(fresh);
    }
    g_byte_array_unref(out);
    wsc_inflate_free(f);
    g_ptr_array_unref(c);
}

static void test_no_context_takeover(void)
{
    GPtrArray *c = compress_messages(msgs, 4, 0);
    GByteArray *out = g_byte_array_new();
    guint i;
    /* Each message decodes on its own, and with history kept (harmless). */
    for (i = 0; i < c->len; i++) {
        wsc_inflater *f = wsc_inflate_new();
        g_assert_cmpint(inflate_all(f, c->pdata[i], out, 4096), ==, WSC_INF_DONE);
        g_assert_cmpmem(out->data, out->len, msgs[i], strlen(msgs[i]));
        wsc_inflate_free(f);
    }
    {
        wsc_inflater *f = wsc_inflate_new();
        for (i = 0; i < c->len; i++) {
            g_assert_cmpint(inflate_all(f, c->pdata[i], out, 4096), ==, WSC_INF_DONE);
            g_assert_cmpmem(out->data, out->len, msgs[i], strlen(msgs[i]));
        }
        wsc_inflate_free(f);
    }
    g_byte_array_unref(out);
    g_ptr_array_unref(c);
}

static void test_corrupt(void)
{
    static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x12, 0x34 };
    GByteArray *in = g_byte_array_new();
    GByteArray *out = g_byte_array_new();
    wsc_inflater *f = wsc_inflate_new();
    g_byte_array_append(in, junk, sizeof(junk));
    g_assert_cmpint(inflate_all(f, in, out, 4096), ==, WSC_INF_CORRUPT);
    wsc_inflate_free(f);
    g_byte_array_unref(in);
    g_byte_array_unref(out);
}

static void test_bomb_stops_at_cap(void)
{
    /* 64 MiB of zeros compress to about 64 KiB; a caller that stops after 1 MiB never
     * holds more than its own buffer. */
    char *zeros = g_malloc0(64u << 20);
    z_stream zs;
    GByteArray *c = g_byte_array_new();
    guint8 buf[1 << 16];
    wsc_inflater *f = wsc_inflate_new();
    size_t total = 0, made;
    int rc, calls = 0;
    guint8 *out = g_malloc(1 << 16);

    memset(&zs, 0, sizeof(zs));
    deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)zeros;
    zs.avail_in = 64u << 20;
    do {
        zs.next_out = buf;
        zs.avail_out = sizeof(buf);
        deflate(&zs, Z_SYNC_FLUSH);
        g_byte_array_append(c, buf, (guint)(sizeof(buf) - zs.avail_out));
    } while (zs.avail_out == 0);
    deflateEnd(&zs);
    g_assert_cmpuint(c->len, <, 128 * 1024);

    wsc_inflate_begin(f, c->data, c->len - 4, 1);
    do {
        rc = wsc_inflate_run(f, out, 1 << 16, &made);
        total += made;
        calls++;
    } while (rc == WSC_INF_FULL && total < (1u << 20));
    g_assert_cmpint(rc, ==, WSC_INF_FULL);
    g_assert_cmpuint(total, ==, 1u << 20);
    g_assert_cmpint(calls, ==, 16);
    wsc_inflate_free(f);
    g_free(out);
    g_free(zeros);
    g_byte_array_unref(c);
}

static void test_rfc7692_example(void)
{
    /* RFC 7692 7.2.3.1: "Hello" compressed is f2 48 cd c9 c9 07 00. */
    static const uint8_t hello[] = { 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00 };
    GByteArray *in = g_byte_array_new();
    GByteArray *out = g_byte_array_new();
    wsc_inflater *f = wsc_inflate_new();
    g_byte_array_append(in, hello, sizeof(hello));
    g_assert_cmpint(inflate_all(f, in, out, 4096), ==, WSC_INF_DONE);
    g_assert_cmpmem(out->data, out->len, "Hello", 5);
    /* 7.2.3.2: the same message again with context takeover is f2 00 11 00 00. */
    {
        static const uint8_t again[] = { 0xf2, 0x00, 0x11, 0x00, 0x00 };
        g_byte_array_set_size(in, 0);
        g_byte_array_append(in, again, sizeof(again));
        g_assert_cmpint(inflate_all(f, in, out, 4096), ==, WSC_INF_DONE);
        g_assert_cmpmem(out->data, out->len, "Hello", 5);
    }
    /* 7.2.3.3: a message with BFINAL set, and 7.2.3.4: stored (uncompressed) block. */
    {
        static const uint8_t final[] = { 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00 };
        static const uint8_t stored[] = { 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00 };
        wsc_inflate_reset(f);
        g_byte_array_set_size(in, 0);
        g_byte_array_append(in, final, sizeof(final));
        g_assert_cmpint(inflate_all(f, in, out, 4096), ==, WSC_INF_DONE);
        g_assert_cmpmem(out->data, out->len, "Hello", 5);
        g_byte_array_set_size(in, 0);
        g_byte_array_append(in, stored, sizeof(stored));
        g_assert_cmpint(inflate_all(f, in, out, 4096), ==, WSC_INF_DONE);
        g_assert_cmpmem(out->data, out->len, "Hello", 5);
    }
    wsc_inflate_free(f);
    g_byte_array_unref(in);
    g_byte_array_unref(out);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/inflate/rfc7692_examples", test_rfc7692_example);
    g_test_add_func("/core/inflate/context_takeover", test_context_takeover);
    g_test_add_func("/core/inflate/no_context_takeover", test_no_context_takeover);
    g_test_add_func("/core/inflate/missing_history", test_missing_history);
    g_test_add_func("/core/inflate/corrupt", test_corrupt);
    g_test_add_func("/core/inflate/bomb_stops_at_cap", test_bomb_stops_at_cap);
    return g_test_run();
}
