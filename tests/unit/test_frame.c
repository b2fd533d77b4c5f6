/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_frame: header parsing and RFC 6455 section 5 checks.
 * Vectors come from RFC 6455 section 5.7 and from the project's seed capture.
 * Every vector is parsed whole and as every shorter prefix (byte by byte). */
#include <glib.h>
#include <string.h>

#include "guard.h"
#include "wsc_frame.h"

typedef struct {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    unsigned header_len;
    uint8_t fin, rsv, opcode, masked;
    uint64_t payload_len;
    uint8_t key[4];
} vector;

/* RFC 6455 5.7 */
static const uint8_t v_hello[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
static const uint8_t v_hello_masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
static const uint8_t v_frag1[] = { 0x01, 0x03, 0x48, 0x65, 0x6c };
static const uint8_t v_frag2[] = { 0x80, 0x02, 0x6c, 0x6f };
static const uint8_t v_ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
static const uint8_t v_pong_masked[] = { 0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
static const uint8_t v_256[] = { 0x82, 0x7E, 0x01, 0x00 };
static const uint8_t v_64k[] = { 0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 };
/* Seed capture, client frame header: masked text, 35 bytes, key 3e476939. */
static const uint8_t v_seed[] = { 0x81, 0xa3, 0x3e, 0x47, 0x69, 0x39 };
/* Largest legal 64-bit length, masked. */
static const uint8_t v_max[] = { 0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4 };

#define V(b) b, sizeof(b)
static const vector vectors[] = {
    { "hello", V(v_hello), 2, 1, 0, 1, 0, 5, { 0 } },
    { "hello_masked", V(v_hello_masked), 6, 1, 0, 1, 1, 5, { 0x37, 0xfa, 0x21, 0x3d } },
    { "frag1", V(v_frag1), 2, 0, 0, 1, 0, 3, { 0 } },
    { "frag2", V(v_frag2), 2, 1, 0, 0, 0, 2, { 0 } },
    { "ping", V(v_ping), 2, 1, 0, 9, 0, 5, { 0 } },
    { "pong_masked", V(v_pong_masked), 6, 1, 0, 10, 1, 5, { 0x37, 0xfa, 0x21, 0x3d } },
    { "ext16_256", V(v_256), 4, 1, 0, 2, 0, 256, { 0 } },
    { "ext64_65536", V(v_64k), 10, 1, 0, 2, 0, 65536, { 0 } },
    { "seed_client", V(v_seed), 6, 1, 0, 1, 1, 35, { 0x3e, 0x47, 0x69, 0x39 } },
    { "ext64_max", V(v_max), 14, 1, 0, 2, 1, 0x7FFFFFFFFFFFFFFFull, { 1, 2, 3, 4 } },
};

static void check_vector(gconstpointer data)
{
    const vector *v = data;
    size_t n;

    for (n = 0; n <= v->len; n++) {
        const uint8_t *g = guard_copy(v->bytes, n);
        wsc_frame_header h;
        size_t need = 0;
        int rc;

        memset(&h, 0xAA, sizeof(h));
        rc = wsc_frame_parse_header(g, n, &h, &need);
        if (n < v->header_len) {
            g_assert_cmpint(rc, ==, WSC_PARSE_NEED_MORE);
            g_assert_cmpuint(need, ==, n < 2 ? 2 : v->header_len);
        } else {
            g_assert_cmpint(rc, ==, (int)v->header_len);
            g_assert_cmpuint(h.header_len, ==, v->header_len);
            g_assert_cmpuint(h.fin, ==, v->fin);
            g_assert_cmpuint(h.rsv, ==, v->rsv);
            g_assert_cmpuint(h.opcode, ==, v->opcode);
            g_assert_cmpuint(h.masked, ==, v->masked);
            g_assert_cmpuint(h.payload_len, ==, v->payload_len);
            if (v->masked)
                g_assert_cmpmem(h.mask_key, 4, v->key, 4);
            g_assert_cmpuint(wsc_frame_total_len(&h), ==, v->payload_len + v->header_len);
        }
        guard_free(g);
    }
}

static void test_len64_msb(void)
{
    static const uint8_t b[] = { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0 };
    wsc_frame_header h;
    const uint8_t *g = guard_copy(b, sizeof(b));

    g_assert_cmpint(wsc_frame_parse_header(g, sizeof(b), &h, NULL), ==, WSC_PARSE_ERR_LEN64_MSB);
    guard_free(g);
}

static unsigned violations_of(const uint8_t *b, size_t n, int rsv1_allowed)
{
    wsc_frame_header h;
    g_assert_cmpint(wsc_frame_parse_header(b, n, &h, NULL), >, 0);
    return wsc_frame_violations(&h, rsv1_allowed);
}

/* One test per rejection rule, as in RFC 6455 section 5. */
static void test_violations(void)
{
    static const uint8_t clean[] = { 0x81, 0x00 };
    static const uint8_t rsv2[] = { 0xA1, 0x00 };
    static const uint8_t rsv3[] = { 0x91, 0x00 };
    static const uint8_t rsv1_text[] = { 0xC1, 0x00 };
    static const uint8_t rsv1_ping[] = { 0xC9, 0x00 };
    static const uint8_t op3[] = { 0x83, 0x00 };
    static const uint8_t opB[] = { 0x8B, 0x00 };
    static const uint8_t ping_nofin[] = { 0x09, 0x00 };
    static const uint8_t close_126[] = { 0x88, 0x7E, 0x00, 0x7E };
    static const uint8_t ping_125[] = { 0x89, 0x7D };
    static const uint8_t ext16_125[] = { 0x82, 0x7E, 0x00, 0x7D };
    static const uint8_t ext16_126[] = { 0x82, 0x7E, 0x00, 0x7E };
    static const uint8_t ext64_65535[] = { 0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };

    g_assert_cmpuint(violations_of(clean, 2, 0), ==, 0);
    g_assert_cmpuint(violations_of(rsv2, 2, 1), ==, WSC_V_RSV23);
    g_assert_cmpuint(violations_of(rsv3, 2, 1), ==, WSC_V_RSV23);
    g_assert_cmpuint(violations_of(rsv1_text, 2, 0), ==, WSC_V_RSV1);
    g_assert_cmpuint(violations_of(rsv1_text, 2, 1), ==, 0);
    g_assert_cmpuint(violations_of(rsv1_ping, 2, 1), ==, WSC_V_RSV1_ON_CONTROL);
    g_assert_cmpuint(violations_of(op3, 2, 0), ==, WSC_V_RESERVED_OPCODE);
    g_assert_cmpuint(violations_of(opB, 2, 0), ==, WSC_V_RESERVED_OPCODE);
    g_assert_cmpuint(violations_of(ping_nofin, 2, 0), ==, WSC_V_CONTROL_FRAGMENTED);
    g_assert_cmpuint(violations_of(close_126, 4, 0), ==, WSC_V_CONTROL_TOO_LONG);
    g_assert_cmpuint(violations_of(ping_125, 2, 0), ==, 0);
    g_assert_cmpuint(violations_of(ext16_125, 4, 0), ==, WSC_V_NON_MINIMAL_LEN);
    g_assert_cmpuint(violations_of(ext16_126, 4, 0), ==, 0);
    g_assert_cmpuint(violations_of(ext64_65535, 10, 0), ==, WSC_V_NON_MINIMAL_LEN);
}

static void test_close_codes(void)
{
    /* RFC 6455 7.4.1 and IANA registry. */
    g_assert_true(wsc_close_code_valid(1000));
    g_assert_true(wsc_close_code_valid(1003));
    g_assert_false(wsc_close_code_valid(1004));
    g_assert_false(wsc_close_code_valid(1005));
    g_assert_false(wsc_close_code_valid(1006));
    g_assert_true(wsc_close_code_valid(1007));
    g_assert_true(wsc_close_code_valid(1014));
    g_assert_false(wsc_close_code_valid(1015));
    g_assert_false(wsc_close_code_valid(999));
    g_assert_false(wsc_close_code_valid(0));
    g_assert_false(wsc_close_code_valid(2999));
    g_assert_true(wsc_close_code_valid(3000));
    g_assert_true(wsc_close_code_valid(4999));
    g_assert_false(wsc_close_code_valid(5000));
}

static void test_opcode_names(void)
{
    g_assert_cmpstr(wsc_opcode_name(1), ==, "Text");
    g_assert_cmpstr(wsc_opcode_name(0xA), ==, "Pong");
    g_assert_null(wsc_opcode_name(3));
    g_assert_null(wsc_opcode_name(0xF));
}

static void check_summary(const char *bytes, size_t len, const char *want)
{
    wsc_frame_header h;
    char buf[WSC_SUMMARY_LEN];

    g_assert_cmpint(wsc_frame_parse_header((const uint8_t *)bytes, len, &h, NULL), >, 0);
    g_assert_cmpuint(wsc_frame_summary(buf, sizeof(buf), &h), ==, strlen(want));
    g_assert_cmpstr(buf, ==, want);
}

static void test_summary(void)
{
    wsc_frame_header h;
    char small[12];

    check_summary("\x81\x05", 2, "Text [FIN] len=5");
    check_summary("\x01\xfe\x01\x00\x01\x02\x03\x04", 8, "Text [MASKED] len=256");
    check_summary("\xc2\x7e\x10\x00", 4, "Binary [FIN] [RSV1] len=4096");
    check_summary("\x83\x00", 2, "Reserved [FIN] len=0");
    check_summary("\x88\x80\x00\x00\x00\x00", 6, "Close [FIN] [MASKED] len=0");
    /* The longest there is: every flag and the largest 64-bit length RFC 6455 allows. */
    check_summary("\xc0\xff\x7f\xff\xff\xff\xff\xff\xff\xff\x01\x02\x03\x04", 14,
                  "Continuation [FIN] [RSV1] [MASKED] len=9223372036854775807");
    g_assert_cmpuint(strlen("Continuation [FIN] [RSV1] [MASKED] len=9223372036854775807"), <, WSC_SUMMARY_LEN);
    /* A small buffer is filled and terminated, never overrun. */
    g_assert_cmpint(wsc_frame_parse_header((const uint8_t *)"\x81\x05", 2, &h, NULL), ==, 2);
    g_assert_cmpuint(wsc_frame_summary(small, sizeof(small), &h), ==, sizeof(small) - 1);
    g_assert_cmpstr(small, ==, "Text [FIN] ");
    g_assert_cmpuint(wsc_frame_summary(small, 1, &h), ==, 0);
    g_assert_cmpstr(small, ==, "");
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(vectors); i++) {
        char *path = g_strdup_printf("/core/frame/parse/%s", vectors[i].name);
        g_test_add_data_func(path, &vectors[i], check_vector);
        g_free(path);
    }
    g_test_add_func("/core/frame/len64_msb", test_len64_msb);
    g_test_add_func("/core/frame/violations", test_violations);
    g_test_add_func("/core/frame/close_codes", test_close_codes);
    g_test_add_func("/core/frame/opcode_names", test_opcode_names);
    g_test_add_func("/core/frame/summary", test_summary);
    return g_test_run();
}
