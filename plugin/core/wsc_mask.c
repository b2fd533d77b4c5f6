/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Payload (un)masking, RFC 6455 section 5.3: octet i of the payload is XORed with
 * octet i mod 4 of the masking key. Done a machine word at a time; memcpy keeps the
 * unaligned loads and stores well defined and compiles to plain moves.
 */
#include "wsc_mask.h"

#include <string.h>

void wsc_unmask(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4], uint64_t offset)
{
    uint8_t k[4];
    uint8_t kb[8];
    uint64_t kw;
    size_t i = 0;
    unsigned r = (unsigned)(offset & 3u);

    /* Rotate the key so that k[0] applies to src[0]. */
    k[0] = key[r];
    k[1] = key[(r + 1) & 3u];
    k[2] = key[(r + 2) & 3u];
    k[3] = key[(r + 3) & 3u];
    memcpy(kb, k, 4);
    memcpy(kb + 4, k, 4);
    memcpy(&kw, kb, 8);

    /* Four words per round keeps the loop short; 32 is a multiple of 4, so the key phase is unchanged. */
    for (; len - i >= 32; i += 32) {
        uint64_t a, b, c, d;
        memcpy(&a, src + i, 8);
        memcpy(&b, src + i + 8, 8);
        memcpy(&c, src + i + 16, 8);
        memcpy(&d, src + i + 24, 8);
        a ^= kw;
        b ^= kw;
        c ^= kw;
        d ^= kw;
        memcpy(dst + i, &a, 8);
        memcpy(dst + i + 8, &b, 8);
        memcpy(dst + i + 16, &c, 8);
        memcpy(dst + i + 24, &d, 8);
    }
    for (; len - i >= 8; i += 8) {
        uint64_t a;
        memcpy(&a, src + i, 8);
        a ^= kw;
        memcpy(dst + i, &a, 8);
    }
    if (len - i >= 4) {
        /* i is a multiple of 8 here: the key phase is still k[0]. */
        uint32_t a, kk;
        memcpy(&a, src + i, 4);
        memcpy(&kk, k, 4);
        a ^= kk;
        memcpy(dst + i, &a, 4);
        i += 4;
    }
    for (; i < len; i++)
        dst[i] = (uint8_t)(src[i] ^ k[i & 3u]);
}
