/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Heuristic evidence for WebSocket frames, the frames of one segment (wsc_heur_scan*):
 * every rule is one of RFC 6455 section 5: reserved bits and opcodes, control-frame
 * limits, minimal length encoding, the top bit of the 64-bit length, one masking
 * direction, UTF-8 text (8.1), close codes (7.4). The segments of a conversation are
 * wsc_heur_conv.c's.
 */
#include "wsc_heur.h"

#include <stdio.h>
#include <string.h>

#include "wsc_frame.h"
#include "wsc_heur_int.h"
#include "wsc_hunt.h"
#include "wsc_mask.h"
#include "wsc_utf8.h"

/* Bytes that text almost never holds: NUL, the C0 controls other than tab, line feed
 * and carriage return, and DEL. A stretch of masked text unmasked with a key taken from
 * the middle of a frame (a capture cut inside it) is ASCII often enough, but rarely
 * free of these. */
int wsc_heur_has_control(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        uint8_t c = p[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return 1;
    }
    return 0;
}

/* Unmasks and validates up to max bytes of a payload; returns 1 if valid so far, 2 if
 * valid but holding a control byte (wsc_heur_has_control()), 0 if not valid. Such text is valid
 * UTF-8 but proves nothing: a run of zero bytes, a repeating pattern unmasked with a key
 * taken from itself, or masked text unmasked with the wrong key give it. */
int wsc_heur_text_prefix_valid(const uint8_t *p, size_t n, const wsc_frame_header *h, int need_complete)
{
    uint8_t chunk[256];
    wsc_utf8 u;
    size_t done = 0;
    int nul = 0;

    wsc_utf8_init(&u);
    while (done < n) {
        size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
        if (h->masked)
            wsc_unmask(chunk, p + done, k, h->mask_key, done);
        else
            memcpy(chunk, p + done, k);
        if (!wsc_utf8_feed(&u, chunk, k))
            return 0;
        if (!nul && wsc_heur_has_control(chunk, k))
            nul = 1;
        done += k;
    }
    if (need_complete && !wsc_utf8_complete(&u))
        return 0;
    return nul ? 2 : 1;
}

/* A control frame's payload of n bytes as sent, unmasked into b; 0 when n is over 125. */
static int control_payload(uint8_t b[WSC_MAX_CONTROL_PAYLOAD], const uint8_t *p, size_t n,
                           const wsc_frame_header *h)
{
    if (n > WSC_MAX_CONTROL_PAYLOAD)
        return 0;
    if (h->masked)
        wsc_unmask(b, p, n, h->mask_key, 0);
    else
        memcpy(b, p, n);
    return 1;
}

int wsc_heur_close_payload_ok(const uint8_t *p, size_t n, const wsc_frame_header *h)
{
    uint8_t b[WSC_MAX_CONTROL_PAYLOAD];
    uint16_t code;

    if (n == 0)
        return 1;
    if (n == 1 || !control_payload(b, p, n, h))
        return 0;
    code = (uint16_t)((b[0] << 8) | b[1]);
    if (!wsc_close_code_valid(code))
        return 0;
    return wsc_utf8_validate(b + 2, n - 2, NULL);
}

/* The reason of a close frame (n >= 2 payload bytes) holds no control byte (wsc_heur_has_control()). */
int wsc_heur_close_reason_plain(const uint8_t *p, size_t n, const wsc_frame_header *h)
{
    uint8_t b[WSC_MAX_CONTROL_PAYLOAD];

    return control_payload(b, p, n, h) && !wsc_heur_has_control(b + 2, n - 2);
}

/* What the whole payload of a close frame (n >= 2 bytes, code valid) earns when its
 * reason is plain text: a bare code is worth less than one with a reason. */
int wsc_heur_close_code_points(const uint8_t *p, size_t n, const wsc_frame_header *h)
{
    if (n < 2 || !wsc_heur_close_reason_plain(p, n, h))
        return 0;
    return n >= 6 ? 3 : 2;
}

/* The first n (< header length) bytes of a frame header obey RFC 6455 5.2 and 5.4 as far as they go. */
static int partial_header_ok(const uint8_t *p, size_t n, int expect_masked, int in_message, int rsv1_allowed)
{
    uint8_t op;
    int control;

    if (n == 0)
        return 0;
    op = p[0] & WSC_B0_OPCODE;
    control = wsc_opcode_is_control(op);
    if (!wsc_opcode_name(op) || (p[0] & (WSC_B0_RSV2 | WSC_B0_RSV3)))
        return 0;
    if ((p[0] & WSC_B0_RSV1) && (!rsv1_allowed || control || op == WSC_OP_CONTINUATION))
        return 0;
    if (control && !(p[0] & WSC_B0_FIN))
        return 0;
    if (!control && ((op == WSC_OP_CONTINUATION && in_message == 0) || (op != WSC_OP_CONTINUATION && in_message == 1)))
        return 0;
    if (n >= 2) {
        if (expect_masked >= 0 && ((p[1] & WSC_B1_MASK) != 0) != expect_masked)
            return 0;
        if (control && (p[1] & WSC_B1_LEN7) > WSC_MAX_CONTROL_PAYLOAD)
            return 0;
    }
    return 1;
}

void wsc_heur_scan(const uint8_t *buf, size_t len, int expect_masked, int rsv1_allowed, wsc_heur_result *r)
{
    wsc_heur_scan_ex(buf, len, expect_masked, -1, rsv1_allowed, r);
}

/* Bytes of a frame (header and payload) that its signature covers. */
#define SIG_BYTES 64u
/* Payload bytes checked for a single repeated value. */
#define FILLER_CHECK 256u

/* A signature of a frame: its length and its first SIG_BYTES bytes (FNV-1a), built as
 * its bytes come (sig_begin, sig_feed) or at once (frame_sig); never 0. */
uint32_t wsc_heur_sig_begin(uint64_t total)
{
    return 2166136261u ^ (uint32_t)total ^ (uint32_t)(total >> 32);
}

uint32_t wsc_heur_sig_feed(uint32_t hsh, uint32_t *count, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n && *count < SIG_BYTES; i++, (*count)++)
        hsh = (hsh ^ p[i]) * 16777619u;
    return hsh;
}

uint32_t wsc_heur_sig_end(uint32_t hsh)
{
    return hsh ? hsh : 1u;
}

static uint32_t frame_sig(const uint8_t *p, uint64_t total)
{
    uint32_t count = 0;
    size_t n = total < SIG_BYTES ? (size_t)total : SIG_BYTES;

    return wsc_heur_sig_end(wsc_heur_sig_feed(wsc_heur_sig_begin(total), &count, p, n));
}

/* The signature of a control frame's unmasked payload (n <= 125 bytes), never 0: what a
 * pong must echo of the ping it answers (RFC 6455 5.5.3). */
static uint32_t ctl_sig(const uint8_t *p, size_t n, const wsc_frame_header *h)
{
    uint8_t b[WSC_MAX_CONTROL_PAYLOAD];
    uint32_t count = 0;

    if (!control_payload(b, p, n, h))
        return 0;
    return wsc_heur_sig_end(wsc_heur_sig_feed(wsc_heur_sig_begin(n), &count, b, n));
}

/* Starts the signature of a frame that goes on past its segment, with its header. */
void wsc_heur_open_sig_start(wsc_heur_dir *d, const wsc_frame_header *h)
{
    d->open_count = 0;
    d->open_sig = wsc_heur_sig_feed(wsc_heur_sig_begin(wsc_frame_total_len(h)), &d->open_count, d->hdr, h->header_len);
}

/* Whether a payload of 4 bytes or more unmasks to one byte value throughout (as far as
 * FILLER_CHECK bytes). */
static int payload_is_filler(const uint8_t *p, size_t n, const wsc_frame_header *h)
{
    size_t i, m = n < FILLER_CHECK ? n : FILLER_CHECK;
    uint8_t first;

    if (n < 4)
        return 0;
    first = (uint8_t)(p[0] ^ (h->masked ? h->mask_key[0] : 0));
    for (i = 1; i < m; i++)
        if ((uint8_t)(p[i] ^ (h->masked ? h->mask_key[i & 3] : 0)) != first)
            return 0;
    return 1;
}

void wsc_heur_scan_ex(const uint8_t *buf, size_t len, int expect_masked, int in_message, int rsv1_allowed,
                      wsc_heur_result *r)
{
    wsc_heur_scan_prev(buf, len, expect_masked, in_message, rsv1_allowed, 0, r);
}

void wsc_heur_scan_prev(const uint8_t *buf, size_t len, int expect_masked, int in_message, int rsv1_allowed,
                        uint32_t prev_sig, wsc_heur_result *r)
{
    size_t off = 0;
    unsigned informative = 0, shaped = 0;
    uint32_t prev = prev_sig;

    memset(r, 0, sizeof(*r));
    r->masked = expect_masked;
    r->in_message = in_message;

    while (off < len && r->frames < WSC_HEUR_MAX_FRAMES) {
        wsc_frame_header h;
        size_t rest = len - off;
        int rc = wsc_frame_parse_header(buf + off, rest, &h, NULL);
        uint64_t total;
        const uint8_t *payload;
        size_t visible;
        int whole, tv, dull = 0, score_before;
        unsigned evidence_before;

        if (r->closed) {
            /* RFC 6455 5.5.1: a sender sends nothing after its close frame (an endpoint
             * that sends one stops; its peer answers with its own and closes the TCP
             * connection). A frame after one is a payload's bytes read as headers. */
            r->reject |= WSC_R_AFTER_CLOSE;
            return;
        }
        if (rc == WSC_PARSE_ERR_LEN64_MSB) {
            r->reject |= WSC_R_LEN64_MSB;
            return;
        }
        if (rc == WSC_PARSE_NEED_MORE) {
            /* A header cut by the segment end. Alone in its segment (some writers send
             * each header and its payload apart) it earns nothing, but what there is of
             * it must obey the rules. */
            if (r->frames == 0 && !partial_header_ok(buf + off, rest, r->masked, r->in_message, rsv1_allowed))
                r->reject |= WSC_R_TOO_SHORT;
            if ((buf[off] & 0x0fu) == WSC_OP_CLOSE)
                r->closed = 1;
            r->tail_header_len = (uint8_t)rest;
            memcpy(r->tail_header, buf + off, rest);
            return;
        }
        if (h.payload_len >= WSC_HEUR_HUGE_LEN) {
            r->reject |= WSC_R_HUGE_LEN;
            return;
        }
        r->violations = wsc_frame_violations(&h, rsv1_allowed);
        /* RFC 7692 6.1: RSV1 marks the first frame of a message, never a continuation. */
        if ((h.rsv & 0x4u) && h.opcode == WSC_OP_CONTINUATION)
            r->violations |= WSC_V_RSV1;
        if (r->violations) {
            r->reject |= WSC_R_HEADER;
            return;
        }
        if (r->masked >= 0 && r->masked != h.masked) {
            r->reject |= WSC_R_MIXED_MASK;
            return;
        }
        r->masked = h.masked;

        /* RFC 6455 5.4: fragments of one message are not interleaved with another
         * message; control frames may come between them. */
        if (!wsc_opcode_is_control(h.opcode)) {
            if (h.opcode == WSC_OP_CONTINUATION) {
                if (r->in_message == 0) {
                    r->reject |= WSC_R_SEQUENCE;
                    return;
                }
            } else if (r->in_message == 1) {
                r->reject |= WSC_R_SEQUENCE;
                return;
            }
            r->in_message = h.fin ? 0 : 1;
        }

        total = wsc_frame_total_len(&h);
        if (r->frames == 0 && !(r->evidence & WSC_EV_EXT_LEN))
            r->first_frame_len = total;
        payload = buf + off + h.header_len;
        whole = total <= rest;
        visible = whole ? (size_t)h.payload_len : rest - h.header_len;

        if (!whole) {
            /* The frame goes on in later segments. A 7-bit length that does not fit
             * is common in random data, a minimal extended length much less so. */
            if (h.len7 < 126) {
                /* A 7-bit length that does not fit is what random bytes look like: it
                 * earns nothing, and is followed (its end must hold the next header). */
            } else {
                /* A minimal 64-bit length (below 2^40: larger ones are rejected) has 24
                 * leading zero bits that random data would need luck for; a 16-bit one
                 * says much less. */
                r->evidence |= WSC_EV_EXT_LEN;
                r->score += h.len7 == 126 ? 1 : 4;
            }
            r->tail_header_len = h.header_len;
            memcpy(r->tail_header, buf + off, h.header_len);
            r->tail_payload_seen = visible;
        } else {
            uint32_t sig = frame_sig(buf + off, total);
            r->frames++;
            r->last_sig = sig;
            if (!h.masked && h.len7 < 126 && (h.opcode == WSC_OP_BINARY || h.opcode == WSC_OP_CONTINUATION ||
                                               (h.opcode == WSC_OP_TEXT && (h.rsv & 0x4u))))
                shaped++;
            /* A repeat or filler earns nothing, not even for what its payload says (its
             * payload is still checked below). */
            dull = h.payload_len > 0 && (sig == prev || payload_is_filler(payload, (size_t)h.payload_len, &h));
            prev = sig;
            if (dull)
                r->repeats++;
            /* Empty frames and bare continuations prove little: runs of zero bytes parse as them. */
            else if (h.payload_len > 0 && h.opcode != WSC_OP_CONTINUATION) {
                informative++;
                r->score += 1;
            }
        }
        score_before = r->score;
        evidence_before = r->evidence;

        if (h.opcode == WSC_OP_CLOSE)
            r->closed = 1;
        switch (h.opcode) {
        case WSC_OP_TEXT:
            /* Compressed text is not UTF-8 on the wire. */
            if (h.rsv & 0x4u)
                break;
            tv = visible > WSC_HEUR_MAX_TEXT_CHECK ?
                 wsc_heur_text_prefix_valid(payload, WSC_HEUR_MAX_TEXT_CHECK, &h, 0) :
                 wsc_heur_text_prefix_valid(payload, visible, &h, whole && h.fin);
            if (!tv) {
                r->reject |= WSC_R_BAD_UTF8;
                return;
            }
            if (visible > 0 && tv == 1) {
                /* The longer the text, the less likely a coincidence: 256 bytes of
                 * UTF-8 behind a header that fits are as good as a second frame. */
                r->evidence |= WSC_EV_TEXT_UTF8;
                r->score += visible >= 256 ? 4 : visible >= 16 ? 3 : 1;
                if (visible >= 16 && h.masked) {
                    /* Random bytes XORed with a random key are almost never UTF-8. */
                    r->evidence |= WSC_EV_MASKED_TEXT;
                    r->score += 2;
                }
            }
            break;
        case WSC_OP_CLOSE:
            if (!wsc_heur_close_payload_ok(payload, visible, &h)) {
                r->reject |= WSC_R_BAD_CLOSE;
                return;
            }
            if (whole && visible >= 2)
                r->close_code = 1;
            if (whole && wsc_heur_close_code_points(payload, visible, &h)) {
                /* Only a whole close frame: the first bytes of a longer one are a
                 * valid code one time in 30 by chance. */
                r->evidence |= WSC_EV_CLOSE_CODE;
                r->score += wsc_heur_close_code_points(payload, visible, &h);
            } else if (visible < 2) {
                r->evidence |= WSC_EV_CONTROL;
            }
            break;
        case WSC_OP_PING:
        case WSC_OP_PONG:
            r->evidence |= WSC_EV_CONTROL;
            if (whole) {
                uint32_t cs = ctl_sig(payload, visible, &h);
                if (h.opcode == WSC_OP_PING)
                    r->ping_sig = cs;
                else
                    r->pong_sig = cs;
            }
            break;
        default:
            break;
        }

        if (dull) {
            r->score = score_before;
            r->evidence = evidence_before;
        }
        if (!whole)
            return;
        off += (size_t)total;
    }
    if (off == len) {
        r->evidence |= WSC_EV_EXACT_FIT;
        if (informative)
            r->score += 1;
    }
    if (r->frames >= 2)
        r->evidence |= WSC_EV_CHAIN;
    r->shape_only = r->frames > 0 && shaped == r->frames && !r->tail_header_len &&
                    !(r->evidence & ~(unsigned)(WSC_EV_EXACT_FIT | WSC_EV_CHAIN));
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
        { WSC_EV_OPPOSITE_MASKS, "one direction masked, the other not" },
        { WSC_EV_PING_PONG, "a pong echoes the other side's ping" },
        { WSC_EV_CLOSE_BOTH, "close frames both ways" },
        { WSC_EV_MASKED_TEXT, "masked text unmasks to UTF-8" },
        { WSC_EV_SEGMENTS, "consistent over several segments" },
        { WSC_EV_SPLIT_FRAME, "frame completed by a later segment" },
        { WSC_EV_CHAIN_ACROSS, "header right after a frame over segments" },
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
