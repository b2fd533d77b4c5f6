/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_utf8: fixed vectors (Unicode table 3-7 edges), GLib's
 * g_utf8_validate_len as an independent oracle on random input, and the same
 * verdict and error offset whatever the split of the input into pieces. */
#include <glib.h>
#include <string.h>

#include "guard.h"
#include "wsc_utf8.h"

typedef struct {
    const char *name;
    const char *bytes;
    size_t len;
    int valid;
    uint64_t err;
} u8vec;

#define S(s) s, sizeof(s) - 1
static const u8vec vecs[] = {
    { "empty", S(""), 1, 0 },
    { "ascii", S("hello, world"), 1, 0 },
    { "nul", "a\0b", 3, 1, 0 },
    { "two_byte", S("caf\xc3\xa9"), 1, 0 },
    { "three_byte", S("\xe2\x82\xac"), 1, 0 },
    { "four_byte", S("\xf0\x9f\x98\x80"), 1, 0 },
    { "max_scalar", S("\xf4\x8f\xbf\xbf"), 1, 0 },
    { "above_max", S("ab\xf4\x90\x80\x80"), 0, 2 },
    { "overlong_c0", S("\xc0\x80"), 0, 0 },
    { "overlong_c1", S("x\xc1\xbf"), 0, 1 },
    { "overlong_e0", S("\xe0\x9f\xbf"), 0, 0 },
    { "overlong_f0", S("\xf0\x8f\xbf\xbf"), 0, 0 },
    { "surrogate", S("abc\xed\xa0\x80"), 0, 3 },
    { "last_before_surrogate", S("\xed\x9f\xbf"), 1, 0 },
    { "lone_continuation", S("ok\x80"), 0, 2 },
    { "f5", S("\xf5\x80\x80\x80"), 0, 0 },
    { "ff", S("\xff"), 0, 0 },
    { "truncated_two", S("abc\xc3"), 0, 3 },
    { "truncated_four", S("\xf0\x9f\x98"), 0, 0 },
    { "bad_second", S("\xe2\x28\xa1"), 0, 0 },
    { "long_ascii_then_bad", S("0123456789abcdefghij\xfe"), 0, 20 },
};

static void check_vec(gconstpointer data)
{
    const u8vec *v = data;
    const uint8_t *g = guard_copy(v->bytes, v->len);
    uint64_t err = 12345;
    size_t split;

    g_assert_cmpint(wsc_utf8_validate(g, v->len, &err), ==, v->valid);
    if (!v->valid)
        g_assert_cmpuint(err, ==, v->err);

    /* Fed in two pieces at every split point, and byte by byte. */
    for (split = 0; split <= v->len; split++) {
        wsc_utf8 u;
        int ok;
        wsc_utf8_init(&u);
        ok = wsc_utf8_feed(&u, g, split) && wsc_utf8_feed(&u, g + split, v->len - split);
        if (v->valid) {
            g_assert_true(ok);
            g_assert_true(wsc_utf8_complete(&u));
        } else if (!ok) {
            g_assert_cmpuint(u.error_offset, ==, v->err);
        } else {
            /* A valid prefix that ends inside a character. */
            g_assert_false(wsc_utf8_complete(&u));
            g_assert_cmpuint(u.char_start, ==, v->err);
        }
    }
    {
        wsc_utf8 u;
        size_t i;
        int ok = 1;
        wsc_utf8_init(&u);
        for (i = 0; i < v->len && ok; i++)
            ok = wsc_utf8_feed(&u, g + i, 1);
        g_assert_cmpint(ok && wsc_utf8_complete(&u), ==, v->valid);
    }
    guard_free(g);
}

static void test_oracle(void)
{
    GRand *r = g_rand_new_with_seed(6455);
    uint8_t buf[64];
    int round;
    int valid_seen = 0;

    for (round = 0; round < 200000; round++) {
        size_t n = (size_t)g_rand_int_range(r, 0, sizeof(buf));
        size_t i;
        for (i = 0; i < n; i++) {
            /* Mostly multi-byte lead and continuation bytes, never NUL (GLib rejects NUL). */
            uint32_t x = g_rand_int(r);
            uint8_t b = (uint8_t)(x >> 8);
            switch (x % 4) {
            case 0: b = (uint8_t)(0x80 | (b & 0x3f)); break;
            case 1: b = (uint8_t)(0xc0 | (b & 0x3f)); break;
            case 2: b = (uint8_t)(1 + (b % 0x7f)); break;
            default: if (b == 0) b = 1; break;
            }
            buf[i] = b;
        }
        {
            const gchar *end = NULL;
            gboolean want = g_utf8_validate_len((const gchar *)buf, n, &end);
            uint64_t err = 0;
            int got = wsc_utf8_validate(buf, n, &err);
            g_assert_cmpint(got, ==, want);
            if (!want)
                g_assert_cmpuint(err, ==, (uint64_t)(end - (const gchar *)buf));
            valid_seen += got;
        }
    }
    /* The generator must produce both outcomes for the comparison to mean anything. */
    g_assert_cmpint(valid_seen, >, 1000);
    g_assert_cmpint(valid_seen, <, 199000);
    g_rand_free(r);
}

static void test_sticky_failure(void)
{
    wsc_utf8 u;
    wsc_utf8_init(&u);
    g_assert_false(wsc_utf8_feed(&u, (const uint8_t *)"a\xff", 2));
    g_assert_false(wsc_utf8_feed(&u, (const uint8_t *)"bc", 2));
    g_assert_cmpuint(u.error_offset, ==, 1);
    g_assert_false(wsc_utf8_complete(&u));
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(vecs); i++) {
        char *path = g_strdup_printf("/core/utf8/vector/%s", vecs[i].name);
        g_test_add_data_func(path, &vecs[i], check_vec);
        g_free(path);
    }
    g_test_add_func("/core/utf8/glib_oracle", test_oracle);
    g_test_add_func("/core/utf8/sticky_failure", test_sticky_failure);
    return g_test_run();
}
