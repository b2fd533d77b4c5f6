/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Incremental UTF-8 validation (RFC 3629, as RFC 6455 8.1 requires for text).
 * The input may arrive in pieces split anywhere, even inside a character.
 */
#ifndef WSC_UTF8_H
#define WSC_UTF8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wsc_utf8 {
    uint64_t pos;         /* bytes accepted so far */
    uint64_t char_start;  /* offset of the character in progress */
    uint8_t need;         /* continuation bytes still expected */
    uint8_t lo, hi;       /* allowed range of the next continuation byte */
    uint8_t failed;       /* sticky: once invalid, stays invalid */
    uint64_t error_offset;/* offset of the first byte that cannot be part of valid UTF-8 */
} wsc_utf8;

void wsc_utf8_init(wsc_utf8 *u);

/* Feeds n bytes. Returns 1 while everything fed so far is a valid prefix, 0 once invalid
 * (then u->error_offset is the offset, from the first byte ever fed, of the first bad byte). */
int wsc_utf8_feed(wsc_utf8 *u, const uint8_t *p, size_t n);

/* 1 when the input so far is valid and does not end inside a character. */
int wsc_utf8_complete(const wsc_utf8 *u);

/* One-shot check of a whole buffer; returns 1 if valid, else 0 with *error_offset set. */
int wsc_utf8_validate(const uint8_t *p, size_t n, uint64_t *error_offset);

#ifdef __cplusplus
}
#endif
#endif
