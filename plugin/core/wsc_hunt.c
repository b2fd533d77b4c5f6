/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Finding a frame boundary inside a segment (see wsc_hunt.h). A reading is a run of
 * headers, each where the previous frame ends, the last frame ending exactly at the
 * segment's end. Readings that meet share everything after the meeting point, so the
 * boundary all of them pass through is found by taking the reading that starts first
 * and, for every other start, the point where its reading joins that one.
 */
#include "wsc_hunt.h"

#include "wsc_frame.h"

/* Walk state of one reading: the masking of its frames so far (-1: none yet), and whether
 * a fragmented data message is open (-1: unknown, as at the start of a hunt). */
typedef struct {
    int masked;
    int in_msg;
} walk_state;

/* A first header byte worth parsing: RSV2 and RSV3 clear, RSV1 only where allowed, a
 * defined opcode. */
static int first_byte_ok(uint8_t b0, int rsv1_allowed)
{
    unsigned op = b0 & 0x0fu;

    if (b0 & 0x30u)
        return 0;
    if ((b0 & 0x40u) && !rsv1_allowed)
        return 0;
    return op <= 2 || (op >= 8 && op <= 10);
}

/* The length of the frame whose header is at buf[off], if a sender could have written it
 * there (RFC 6455 5.2, RFC 7692 6, one masking, fragments in order); else 0. */
static uint64_t frame_at(const uint8_t *buf, size_t len, size_t off, walk_state *w, int rsv1_allowed)
{
    wsc_frame_header h;
    unsigned v;

    if (!first_byte_ok(buf[off], rsv1_allowed))
        return 0;
    if (wsc_frame_parse_header(buf + off, len - off, &h, NULL) <= 0)
        return 0;
    v = wsc_frame_violations(&h, rsv1_allowed);
    if ((h.rsv & 0x4u) && h.opcode == WSC_OP_CONTINUATION)
        v |= WSC_V_RSV1;
    if (v || (w->masked >= 0 && w->masked != h.masked))
        return 0;
    if (!wsc_opcode_is_control(h.opcode)) {
        if (h.opcode == WSC_OP_CONTINUATION ? w->in_msg == 0 : w->in_msg == 1)
            return 0;
        w->in_msg = h.fin ? 0 : 1;
    }
    w->masked = h.masked;
    return wsc_frame_total_len(&h);
}

/* Index of off in the sorted starts[0..n), or -1. */
static long find_start(const size_t *starts, unsigned n, size_t off)
{
    unsigned lo = 0, hi = n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (starts[mid] == off)
            return (long)mid;
        if (starts[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

size_t wsc_hunt_boundary(const uint8_t *buf, size_t len, int expect_masked, int rsv1_allowed, unsigned *frames)
{
    size_t starts[WSC_HUNT_MAX_FRAMES];
    int masked_of_run = -1;
    unsigned n = 0, steps = 0, common = 0;
    size_t k;

    *frames = 0;
    if (!buf || len < 3)
        return 0;
    for (k = 1; k + 2 <= len; k++) {
        walk_state w = {expect_masked, -1};
        size_t off = k;
        long joined = -1;
        unsigned m = 0;
        uint64_t total;

        if (!first_byte_ok(buf[k], rsv1_allowed))
            continue;
        if (n && find_start(starts, n, k) >= 0)
            continue;      /* a boundary of the first reading */
        while (off < len) {
            if (n && (joined = find_start(starts, n, off)) >= 0)
                break;
            if (++steps > WSC_HUNT_MAX_STEPS)
                return 0;
            total = frame_at(buf, len, off, &w, rsv1_allowed);
            if (total == 0 || total > len - off)
                break;
            if (!n) {
                if (m == WSC_HUNT_MAX_FRAMES)
                    return 0;
                starts[m] = off;
            }
            m++;
            off += (size_t)total;
        }
        if (!n) {
            if (off == len && m > 0) {
                /* The first reading: every other one is measured against it. */
                n = m;
                masked_of_run = w.masked;
            }
            continue;
        }
        if (joined >= 0) {
            /* This reading joins the first one at starts[joined] (a reading of other
             * masking cannot go on with the first one's frames: no reading at all). */
            if (w.masked < 0 || w.masked == masked_of_run)
                common = (unsigned)joined > common ? (unsigned)joined : common;
        } else if (off == len) {
            /* Another reading to the end that meets the first one nowhere. */
            return 0;
        }
    }
    if (!n)
        return 0;
    *frames = n - common;
    return starts[common];
}
