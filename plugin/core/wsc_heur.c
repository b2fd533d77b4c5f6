/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Heuristic evidence for WebSocket frames. Every rule is one of RFC 6455 section 5:
 * reserved bits and opcodes, control-frame limits, minimal length encoding, the top
 * bit of the 64-bit length, one masking direction, UTF-8 text (8.1), close codes (7.4).
 */
#include "wsc_heur.h"

#include <stdio.h>
#include <string.h>

#include "wsc_frame.h"
#include "wsc_mask.h"
#include "wsc_utf8.h"

/* Unmasks and validates up to max bytes of a payload; returns 1 if valid so far. */
static int text_prefix_valid(const uint8_t *p, size_t n, const wsc_frame_header *h, int need_complete)
{
    uint8_t chunk[256];
    wsc_utf8 u;
    size_t done = 0;

    wsc_utf8_init(&u);
    while (done < n) {
        size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
        if (h->masked)
            wsc_unmask(chunk, p + done, k, h->mask_key, done);
        else
            memcpy(chunk, p + done, k);
        if (!wsc_utf8_feed(&u, chunk, k))
            return 0;
        done += k;
    }
    return need_complete ? wsc_utf8_complete(&u) : 1;
}

static int close_payload_ok(const uint8_t *p, size_t n, const wsc_frame_header *h)
{
    uint8_t b[WSC_MAX_CONTROL_PAYLOAD];
    uint16_t code;

    if (n == 0)
        return 1;
    if (n == 1 || n > sizeof(b))
        return 0;
    if (h->masked)
        wsc_unmask(b, p, n, h->mask_key, 0);
    else
        memcpy(b, p, n);
    code = (uint16_t)((b[0] << 8) | b[1]);
    if (!wsc_close_code_valid(code))
        return 0;
    return wsc_utf8_validate(b + 2, n - 2, NULL);
}

void wsc_heur_scan(const uint8_t *buf, size_t len, int expect_masked, int rsv1_allowed, wsc_heur_result *r)
{
    size_t off = 0;

    memset(r, 0, sizeof(*r));
    r->masked = expect_masked;

    while (off < len && r->frames < WSC_HEUR_MAX_FRAMES) {
        wsc_frame_header h;
        size_t rest = len - off;
        int rc = wsc_frame_parse_header(buf + off, rest, &h, NULL);
        uint64_t total;
        const uint8_t *payload;
        size_t visible;
        int whole;

        if (rc == WSC_PARSE_ERR_LEN64_MSB) {
            r->reject |= WSC_R_LEN64_MSB;
            return;
        }
        if (rc == WSC_PARSE_NEED_MORE) {
            /* A header cut by the segment end: acceptable only after whole frames. */
            if (r->frames == 0)
                r->reject |= WSC_R_TOO_SHORT;
            return;
        }
        r->violations = wsc_frame_violations(&h, rsv1_allowed);
        if (r->violations) {
            r->reject |= WSC_R_HEADER;
            return;
        }
        if (r->masked >= 0 && r->masked != h.masked) {
            r->reject |= WSC_R_MIXED_MASK;
            return;
        }
        r->masked = h.masked;

        total = wsc_frame_total_len(&h);
        if (r->frames == 0)
            r->first_frame_len = total;
        payload = buf + off + h.header_len;
        whole = total <= rest;
        visible = whole ? (size_t)h.payload_len : rest - h.header_len;

        if (!whole) {
            /* The frame goes on in later segments. A 7-bit length that does not fit
             * is common in random data, a minimal extended length much less so. */
            if (h.len7 < 126) {
                r->reject |= WSC_R_PARTIAL_SMALL;
                return;
            }
            r->evidence |= WSC_EV_EXT_LEN;
            r->score += h.len7 == 127 ? 2 : 1;
        } else {
            r->frames++;
            r->score += 1;
        }

        switch (h.opcode) {
        case WSC_OP_TEXT:
            /* Compressed text is not UTF-8 on the wire. */
            if (h.rsv & 0x4u)
                break;
            if (visible > WSC_HEUR_MAX_TEXT_CHECK) {
                if (!text_prefix_valid(payload, WSC_HEUR_MAX_TEXT_CHECK, &h, 0)) {
                    r->reject |= WSC_R_BAD_UTF8;
                    return;
                }
            } else if (!text_prefix_valid(payload, visible, &h, whole)) {
                r->reject |= WSC_R_BAD_UTF8;
                return;
            }
            if (visible > 0) {
                r->evidence |= WSC_EV_TEXT_UTF8;
                r->score += visible >= 16 ? 3 : 1;
            }
            break;
        case WSC_OP_CLOSE:
            if (!close_payload_ok(payload, visible, &h)) {
                r->reject |= WSC_R_BAD_CLOSE;
                return;
            }
            if (visible >= 2) {
                r->evidence |= WSC_EV_CLOSE_CODE;
                r->score += 3;
            } else {
                r->evidence |= WSC_EV_CONTROL;
            }
            break;
        case WSC_OP_PING:
        case WSC_OP_PONG:
            r->evidence |= WSC_EV_CONTROL;
            break;
        default:
            break;
        }

        if (!whole)
            return;
        off += (size_t)total;
    }
    if (off == len) {
        r->evidence |= WSC_EV_EXACT_FIT;
        r->score += 1;
    }
    if (r->frames >= 2) {
        r->evidence |= WSC_EV_CHAIN;
        r->score += 2 * (int)(r->frames - 1);
    }
}

void wsc_heur_describe(unsigned evidence, char *out, size_t outlen)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { WSC_EV_EXACT_FIT, "frames end at segment end" },
        { WSC_EV_CHAIN, "several frames back to back" },
        { WSC_EV_TEXT_UTF8, "text unmasks to UTF-8" },
        { WSC_EV_CLOSE_CODE, "valid close code" },
        { WSC_EV_EXT_LEN, "minimal extended length" },
        { WSC_EV_CONTROL, "well-formed control frame" },
    };
    size_t used = 0;
    size_t i;

    if (outlen == 0)
        return;
    out[0] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int n;
        if (!(evidence & names[i].bit))
            continue;
        n = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", names[i].name);
        if (n < 0 || (size_t)n >= outlen - used)
            return;
        used += (size_t)n;
    }
}
