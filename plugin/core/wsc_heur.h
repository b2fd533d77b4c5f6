/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Heuristic evidence that a TCP segment carries WebSocket frames (RFC 6455 section 5).
 * Works on the bytes of one segment (or the start of one): walks the frames it holds,
 * checks each against the RFC and scores what it saw. No allocation.
 */
#ifndef WSC_HEUR_H
#define WSC_HEUR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Evidence bits (why a segment looks like WebSocket). */
enum wsc_evidence {
    WSC_EV_EXACT_FIT = 1u << 0,     /* the segment ends exactly at a frame boundary */
    WSC_EV_CHAIN = 1u << 1,         /* two or more whole frames back to back */
    WSC_EV_TEXT_UTF8 = 1u << 2,     /* a text payload unmasks to valid UTF-8 */
    WSC_EV_CLOSE_CODE = 1u << 3,    /* a close frame with a valid status code */
    WSC_EV_EXT_LEN = 1u << 4,       /* a minimal 16/64-bit length announcing a frame longer than the segment */
    WSC_EV_CONTROL = 1u << 5        /* a well-formed ping, pong or empty close */
};

/* Reasons to reject (the segment is not a run of WebSocket frames). */
enum wsc_reject {
    WSC_R_HEADER = 1u << 0,         /* a header breaks RFC 6455 section 5 (see violations) */
    WSC_R_LEN64_MSB = 1u << 1,      /* 64-bit length with the top bit set */
    WSC_R_MIXED_MASK = 1u << 2,     /* masked and unmasked frames in one direction */
    WSC_R_BAD_UTF8 = 1u << 3,       /* text that does not unmask to UTF-8 */
    WSC_R_BAD_CLOSE = 1u << 4,      /* close payload of 1 byte or with a code that is never sent */
    WSC_R_TOO_SHORT = 1u << 5,      /* not even one frame header */
    WSC_R_PARTIAL_SMALL = 1u << 6   /* the only frame is cut by the segment end but has a 7-bit length */
};

typedef struct wsc_heur_result {
    int score;              /* sum of evidence points; meaningful when reject == 0 */
    unsigned evidence;      /* enum wsc_evidence bits */
    unsigned reject;        /* enum wsc_reject bits; 0 = acceptable */
    unsigned violations;    /* enum wsc_violation bits of the offending header, if any */
    unsigned frames;        /* whole frames in the segment */
    int masked;             /* mask bit of the frames seen: 0, 1, or -1 if none */
    uint64_t first_frame_len; /* total length of the first frame */
} wsc_heur_result;

/* Frames examined per call at most; a longer run of valid frames is evidence enough. */
#define WSC_HEUR_MAX_FRAMES 64u
/* Text bytes unmasked and checked per frame at most. */
#define WSC_HEUR_MAX_TEXT_CHECK 1024u

/*
 * Scores buf[0..len) as the start of a run of frames sent in one direction.
 * expect_masked: 1 or 0 when the direction's masking is already known, -1 otherwise.
 * rsv1_allowed: whether RSV1 (permessage-deflate) is acceptable on data frames.
 */
void wsc_heur_scan(const uint8_t *buf, size_t len, int expect_masked, int rsv1_allowed, wsc_heur_result *r);

/* Writes a short human-readable list of the evidence bits into out (always NUL-terminated). */
void wsc_heur_describe(unsigned evidence, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif
