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

#include "wsc_utf8.h"

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
    WSC_EV_CONTROL = 1u << 5,       /* a well-formed ping, pong or empty close */
    WSC_EV_OPPOSITE_MASKS = 1u << 6, /* one direction masked, the other not */
    WSC_EV_MASKED_TEXT = 1u << 7,   /* masked text of 16 bytes or more unmasks to UTF-8 */
    WSC_EV_SEGMENTS = 1u << 8,      /* consistent over several segments */
    WSC_EV_SPLIT_FRAME = 1u << 9,   /* a frame begun in one segment ends exactly where a later one does */
    WSC_EV_CHAIN_ACROSS = 1u << 10, /* a frame that went on over segments is followed by a valid header */
    WSC_EV_PING_PONG = 1u << 11,    /* a pong echoes a ping of the other direction */
    WSC_EV_CLOSE_BOTH = 1u << 12    /* close frames with valid codes in both directions */
};

/* Reasons to reject (the segment is not a run of WebSocket frames). */
enum wsc_reject {
    WSC_R_HEADER = 1u << 0,         /* a header breaks RFC 6455 section 5 (see violations) */
    WSC_R_LEN64_MSB = 1u << 1,      /* 64-bit length with the top bit set */
    WSC_R_MIXED_MASK = 1u << 2,     /* masked and unmasked frames in one direction */
    WSC_R_BAD_UTF8 = 1u << 3,       /* text that does not unmask to UTF-8 */
    WSC_R_BAD_CLOSE = 1u << 4,      /* close payload of 1 byte or with a code that is never sent */
    WSC_R_TOO_SHORT = 1u << 5,      /* not even one frame header */
    /* (1u << 6 was a cut frame with a 7-bit length: now followed, not rejected) */
    WSC_R_SEQUENCE = 1u << 7,       /* continuation without a message, or a data frame inside one (RFC 6455 5.4) */
    WSC_R_SAME_MASKS = 1u << 8,     /* both directions masked, or both unmasked (RFC 6455 5.1) */
    WSC_R_HUGE_LEN = 1u << 9,       /* a 64-bit length of WSC_HEUR_HUGE_LEN or more */
    WSC_R_AFTER_CLOSE = 1u << 10    /* a frame after a close frame of the same direction (RFC 6455 5.5.1) */
};

typedef struct wsc_heur_result {
    int score;              /* sum of evidence points; meaningful when reject == 0 */
    unsigned evidence;      /* enum wsc_evidence bits */
    unsigned reject;        /* enum wsc_reject bits; 0 = acceptable */
    unsigned violations;    /* enum wsc_violation bits of the offending header, if any */
    unsigned frames;        /* whole frames in the segment */
    int masked;             /* mask bit of the frames seen: 0, 1, or -1 if none */
    uint64_t first_frame_len; /* total length of the first frame */
    int in_message;         /* after the segment: 1 inside a fragmented data message, 0 not, -1 unknown */
    /* A frame cut by the segment end (tail_header_len > 0): */
    uint8_t tail_header[14]; /* its header bytes as far as the segment holds them */
    uint8_t tail_header_len; /* how many of them are in the segment */
    uint64_t tail_payload_seen; /* payload bytes of it in the segment (header complete) */
    uint32_t last_sig;      /* signature of the last whole frame (wsc_heur_scan_prev), 0: none */
    unsigned repeats;       /* whole frames that earned nothing as repeats or filler */
    uint32_t ping_sig;      /* signature of the unmasked payload of the last whole ping, 0: none */
    uint32_t pong_sig;      /* the same of the last whole pong */
    int close_code;         /* a whole close frame with a valid code */
    int closed;             /* a close frame's header (whole frame or cut) is the run's last */
    int shape_only;         /* its points come only from the shape of unmasked data frames with 7-bit
                               lengths that fit (a type byte and a length: what many protocols'
                               records look like; WSC_HEUR_SHAPE_MAX) */
} wsc_heur_result;

/* Frames examined per call at most; a longer run of valid frames is evidence enough. */
#define WSC_HEUR_MAX_FRAMES 64u
/* A frame length no capture holds (1 TiB): as evidence, such a header is a payload's
 * bytes read as one (after a cut, say), not a frame; an accepted stream's parser still
 * takes any 64-bit length. */
#define WSC_HEUR_HUGE_LEN (1ull << 40)

/* Text bytes unmasked and checked per frame at most. */
#define WSC_HEUR_MAX_TEXT_CHECK 1024u

/*
 * Scores buf[0..len) as the start of a run of frames sent in one direction.
 * expect_masked: 1 or 0 when the direction's masking is already known, -1 otherwise.
 * rsv1_allowed: whether RSV1 (permessage-deflate) is acceptable on data frames.
 */
void wsc_heur_scan(const uint8_t *buf, size_t len, int expect_masked, int rsv1_allowed, wsc_heur_result *r);

/* The same with the direction's fragmentation state: in_message is 1 when a
 * fragmented data message is in progress, 0 when not, -1 when unknown (the
 * capture began mid-stream). RFC 6455 5.4: a continuation frame needs a message
 * in progress, a new text or binary frame must not interrupt one. */
void wsc_heur_scan_ex(const uint8_t *buf, size_t len, int expect_masked, int in_message, int rsv1_allowed,
                      wsc_heur_result *r);

/*
 * The same, after a frame whose signature (r->last_sig of an earlier scan) is prev_sig.
 * A whole frame with a payload that repeats the frame before it byte for byte, or whose
 * payload unmasks to one byte value over and over, earns nothing: a payload that is
 * periodic (a repeated record, a filled buffer) holds, at the right offset, a chain of
 * such frames that fits as well as real ones do.
 */
void wsc_heur_scan_prev(const uint8_t *buf, size_t len, int expect_masked, int in_message, int rsv1_allowed,
                        uint32_t prev_sig, wsc_heur_result *r);

/*
 * Evidence gathered over the segments of one TCP conversation, fed in order on
 * the first pass. A direction's evidence is dropped when one of its segments is
 * not a run of frames; a frame cut by a segment end is followed into the next
 * segment of its direction, so later segments are tested at the true boundary.
 */
typedef struct wsc_heur_dir {
    int masked;              /* -1 until a frame is seen */
    int known_mask;          /* the masking the direction must have (wsc_heur_conv_expect_mask), or -1 */
    int in_message;          /* see wsc_heur_scan_ex */
    int started;             /* a frame boundary was found and everything since fits */
    int score;
    uint32_t frames;
    uint32_t segments;       /* plausible segments since the last reset */
    uint32_t last_sig;       /* signature of its last whole frame (wsc_heur_scan_prev) */
    uint32_t open_sig;       /* the signature of the frame that goes on, so far (open_count bytes) */
    uint32_t open_count;
    /* The frame that goes on into the next segment: */
    uint8_t hdr[14];
    uint8_t hdr_have;        /* header bytes seen; equals the header length once complete */
    uint64_t owed;           /* payload bytes still to come (header complete) */
    uint64_t payload_pos;    /* payload offset of the next byte */
    wsc_utf8 text;           /* an uncompressed text frame: its payload so far is UTF-8 */
    uint64_t text_seen;      /* payload bytes of it checked */
    int text_nul;            /* a NUL among them (no evidence then) */
    uint32_t open_segments;  /* segments after its header's that held some of its payload */
    int at_boundary;         /* a frame that went on over segments ended: the next header is due
                                right after it, and one found there is evidence */
    uint64_t hunted;         /* bytes searched for a boundary inside a segment (hunt_inside) since the
                                direction's start or its last gap; kept across rejections */
    uint32_t ping_sig;       /* its last ping's payload signature, until the other direction echoes it */
    int close_code;          /* it sent a close frame with a valid code */
    int closed;              /* its run holds a close frame: nothing may follow it */
    int paired;              /* a ping/pong echo or a close in each direction joins it to the other */
    int shape_points;        /* points its shape-only segments earned (wsc_heur_result.shape_only) */
} wsc_heur_dir;

typedef struct wsc_heur_conv {
    wsc_heur_dir dir[2];
    unsigned evidence;       /* union of the evidence bits of the current run */
    uint32_t rejected[2];    /* segments of each direction rejected so far (never forgotten) */
    int accepted;            /* an ACCEPT verdict was given, or the caller knows the conversation is
                                WebSocket: boundaries are then looked for inside segments without
                                the budget (WSC_HUNT_BUDGET) that bounds the cost for other traffic */
} wsc_heur_conv;

enum wsc_seg_verdict {
    WSC_SEG_REJECT = 0,      /* these bytes are not WebSocket frames (evidence of the direction dropped) */
    WSC_SEG_PLAUSIBLE = 1,   /* consistent with WebSocket, not enough evidence yet */
    WSC_SEG_ACCEPT = 2       /* the conversation is WebSocket */
};

/* Evidence points for both directions masked the opposite way. */
#define WSC_HEUR_OPPOSITE_MASKS 4
/* What a direction's shape-only segments (wsc_heur_result.shape_only) may add to its points
 * at most while the other direction sends only bytes that are no frames: MQTT's SUBSCRIBE
 * (0x82, a remaining length that fits its segment) is an unmasked binary frame, and two of
 * them made a conversation on port 1883 WebSocket (a public Suricata test trace that lacks
 * its CONNECT; the broker's SUBACKs are no frames). */
#define WSC_HEUR_SHAPE_MAX 2
/* Evidence points, to each direction, for a pong that echoes the other direction's ping. */
#define WSC_HEUR_PING_PONG 2

typedef struct wsc_heur_seg {
    int verdict;             /* enum wsc_seg_verdict */
    int score;               /* the conversation's score after this segment */
    /* Bytes at the start of the segment that finish a frame begun in an earlier segment: */
    uint64_t skip_header;    /* header bytes */
    uint64_t skip_payload;   /* payload bytes (they follow the header bytes) */
    uint64_t skip_payload_pos; /* payload offset of the first of them */
    uint64_t skip_payload_len; /* that frame's payload length */
    uint8_t skip_key[4];
    uint8_t skip_masked;
    uint8_t skip_opcode;
    /* Bytes at the start of the segment that end a frame whose start is not known (the
     * direction's boundaries were lost, and one was found inside the segment): */
    uint64_t skip_lead;
    wsc_heur_result scan;    /* of the bytes after the skipped ones */
} wsc_heur_seg;

void wsc_heur_conv_init(wsc_heur_conv *c);

/* Forgets what direction dir has shown (bytes of it went missing: its frames cannot be
 * followed across them). */
void wsc_heur_conv_reset_dir(wsc_heur_conv *c, int dir);

/*
 * Tells that direction dir's next byte is the first of its TCP stream (its SYN was seen
 * and no byte is missing): a frame, if any, starts there, so no frame boundary is looked
 * for inside its segments (wsc_hunt_boundary, the costly part of a segment of something
 * else) until bytes go missing (wsc_heur_conv_reset_dir).
 */
void wsc_heur_conv_from_start(wsc_heur_conv *c, int dir);

/* Tells that direction dir's frames are masked (1) or not (0), whatever it shows: known
 * from the other direction (RFC 6455 5.1). Kept when its evidence is dropped, until
 * wsc_heur_conv_reset_dir(). */
void wsc_heur_conv_expect_mask(wsc_heur_conv *c, int dir, int masked);

/*
 * Feeds the next segment of direction dir (0 or 1). exact: the segment's bytes are
 * all there (not cut by the snapshot length). accept_score: points at which the
 * conversation is accepted. Returns the verdict (also in out->verdict).
 *
 * Both directions masked is never WebSocket (WSC_R_SAME_MASKS). Both unmasked breaks
 * RFC 6455 5.1 as well, but some clients do it (tunnels, test tools): such a
 * conversation is accepted only once its directions are joined by an exchange that
 * only WebSocket peers make, a pong echoing the other side's ping or a close frame
 * with a valid code each way (wsc_heur_conv_unmasked_both).
 */
int wsc_heur_conv_feed(wsc_heur_conv *c, int dir, const uint8_t *buf, size_t len, int exact, int accept_score,
                       wsc_heur_seg *out);

/* Both directions have sent unmasked frames and are joined by a ping/pong echo or a close
 * each way: a client that does not mask (see wsc_heur_conv_feed). */
int wsc_heur_conv_unmasked_both(const wsc_heur_conv *c);

/* Writes a short human-readable list of the evidence bits into out (always NUL-terminated). */
void wsc_heur_describe(unsigned evidence, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif
