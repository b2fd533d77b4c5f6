/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Incremental UTF-8 validation following the well-formed byte sequences of
 * Unicode 15, table 3-7: no overlong forms, no surrogates (U+D800..U+DFFF),
 * nothing above U+10FFFF.
 */
#include "wsc_utf8.h"

#include <string.h>

void wsc_utf8_init(wsc_utf8 *u)
{
    memset(u, 0, sizeof(*u));
}

static int fail(wsc_utf8 *u, uint64_t at)
{
    u->failed = 1;
    u->error_offset = at;
    return 0;
}

int wsc_utf8_feed(wsc_utf8 *u, const uint8_t *p, size_t n)
{
    size_t i = 0;

    if (u->failed)
        return 0;
    while (i < n) {
        uint8_t c = p[i];

        if (u->need) {
            if (c < u->lo || c > u->hi)
                /* The character that started earlier is what is broken. */
                return fail(u, u->char_start);
            u->need--;
            u->lo = 0x80;
            u->hi = 0xBF;
            i++;
            continue;
        }
        /* ASCII fast path: 32 bytes at a time (one test of four words ORed), then 8. */
        if (c < 0x80) {
            while (n - i >= 32) {
                uint64_t w[4];
                memcpy(w, p + i, 32);
                if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull)
                    break;
                i += 32;
            }
            while (n - i >= 8) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            while (i < n && p[i] < 0x80)
                i++;
            continue;
        }
        u->char_start = u->pos + i;
        if (c >= 0xC2 && c <= 0xDF) {
            u->need = 1; u->lo = 0x80; u->hi = 0xBF;
        } else if (c == 0xE0) {
            u->need = 2; u->lo = 0xA0; u->hi = 0xBF;
        } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            u->need = 2; u->lo = 0x80; u->hi = 0xBF;
        } else if (c == 0xED) {
            u->need = 2; u->lo = 0x80; u->hi = 0x9F;
        } else if (c == 0xF0) {
            u->need = 3; u->lo = 0x90; u->hi = 0xBF;
        } else if (c >= 0xF1 && c <= 0xF3) {
            u->need = 3; u->lo = 0x80; u->hi = 0xBF;
        } else if (c == 0xF4) {
            u->need = 3; u->lo = 0x80; u->hi = 0x8F;
        } else {
            return fail(u, u->char_start);
        }
        i++;
    }
    u->pos += n;
    return 1;
}

int wsc_utf8_complete(const wsc_utf8 *u)
{
    return !u->failed && u->need == 0;
}

int wsc_utf8_validate(const uint8_t *p, size_t n, uint64_t *error_offset)
{
    wsc_utf8 u;

    wsc_utf8_init(&u);
    if (!wsc_utf8_feed(&u, p, n)) {
        if (error_offset)
            *error_offset = u.error_offset;
        return 0;
    }
    if (u.need) {
        if (error_offset)
            *error_offset = u.char_start;
        return 0;
    }
    return 1;
}
