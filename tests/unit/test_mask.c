/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_mask: unmasking whole and in pieces at every key phase,
 * checked against the byte-at-a-time definition of RFC 6455 5.3. */
#include <glib.h>
#include <string.h>

#include "guard.h"
#include "wsc_mask.h"

static void test_rfc_hello(void)
{
    /* RFC 6455 5.7: "Hello" masked with 37 fa 21 3d. */
    static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
    static const uint8_t masked[5] = { 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
    uint8_t out[5];
    const uint8_t *g = guard_copy(masked, 5);

    wsc_unmask(out, g, 5, key, 0);
    g_assert_cmpmem(out, 5, "Hello", 5);
    guard_free(g);
}

static void test_seed(void)
{
    /* The seed capture's client frame (tests/captures/seed.txt). */
    static const uint8_t key[4] = { 0x3e, 0x47, 0x69, 0x39 };
    static const uint8_t masked[35] = {
        0x45, 0x65, 0x0a, 0x56, 0x53, 0x2a, 0x08, 0x57, 0x5a, 0x65, 0x53, 0x08, 0x0e, 0x77, 0x59, 0x09, 0x0e, 0x77,
        0x45, 0x1b, 0x53, 0x26, 0x0a, 0x51, 0x57, 0x29, 0x0c, 0x70, 0x5a, 0x65, 0x53, 0x1b, 0x0f, 0x65, 0x14 };
    const char *text = "{\"command\":1000000,\"machineId\":\"1\"}";
    uint8_t out[35];

    wsc_unmask(out, masked, 35, key, 0);
    g_assert_cmpmem(out, 35, text, 35);
}

static void reference(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4], uint64_t off)
{
    size_t i;
    for (i = 0; i < len; i++)
        dst[i] = src[i] ^ key[(off + i) % 4];
}

/* Every length 0..200, every start phase, every split point; in place and not. */
static void test_against_reference(void)
{
    static const uint8_t key[4] = { 0xde, 0xad, 0xbe, 0xef };
    uint8_t src[200], want[200], got[200];
    size_t len, split;
    unsigned phase;

    for (len = 0; len < sizeof(src); len++)
        src[len] = (uint8_t)(len * 37 + 11);
    for (len = 0; len <= sizeof(src); len++) {
        const uint8_t *g = guard_copy(src, len);
        for (phase = 0; phase < 4; phase++) {
            reference(want, src, len, key, phase);
            wsc_unmask(got, g, len, key, phase);
            g_assert_cmpmem(got, len, want, len);
            /* In place. */
            memcpy(got, src, len);
            wsc_unmask(got, got, len, key, phase);
            g_assert_cmpmem(got, len, want, len);
            /* In two pieces, the second continuing the key phase. */
            for (split = 0; split <= len; split += 7) {
                wsc_unmask(got, g, split, key, phase);
                wsc_unmask(got + split, g + split, len - split, key, phase + split);
                g_assert_cmpmem(got, len, want, len);
            }
        }
        guard_free(g);
    }
}

static void test_large_offset(void)
{
    /* Offsets beyond 32 bits keep the phase: 2^40 + 3 behaves as 3. */
    static const uint8_t key[4] = { 1, 2, 3, 4 };
    static const uint8_t src[6] = { 0, 0, 0, 0, 0, 0 };
    uint8_t out[6];
    static const uint8_t want[6] = { 4, 1, 2, 3, 4, 1 };

    wsc_unmask(out, src, 6, key, (1ull << 40) + 3);
    g_assert_cmpmem(out, 6, want, 6);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/mask/rfc_hello", test_rfc_hello);
    g_test_add_func("/core/mask/seed", test_seed);
    g_test_add_func("/core/mask/reference", test_against_reference);
    g_test_add_func("/core/mask/large_offset", test_large_offset);
    return g_test_run();
}
