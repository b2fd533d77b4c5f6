/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Finding a frame boundary inside a segment. When a capture begins in the middle of a
 * frame (or bytes went missing), the first segment of a direction starts with the end
 * of a frame whose header is not in the capture, and the frames after it start
 * somewhere inside. A boundary is only believed where every way of reading the
 * segment as frames that end exactly at its end agrees: a false start hidden in the
 * bytes of that first frame ends up on the true boundaries, so the boundary returned
 * is the first one that all readings share. No allocation; bounded work.
 */
#ifndef WSC_HUNT_H
#define WSC_HUNT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Frames of one reading remembered at most; a segment with more gives no answer. */
#define WSC_HUNT_MAX_FRAMES 512u
/* Header parses spent on one segment at most; beyond that, no answer. */
#define WSC_HUNT_MAX_STEPS 20000u

/*
 * buf[0..len) is a segment of one direction whose first byte is not known to begin a
 * frame. expect_masked: 1 or 0 when the direction's masking is known, -1 otherwise;
 * rsv1_allowed: RSV1 is acceptable on the first frame of a data message. Looks at
 * every offset from 1 on where a run of well-formed headers (RFC 6455 5.2 and the rules
 * of wsc_frame_violations, one masking, fragments in order) ends exactly at len.
 * Returns the first offset that all such runs pass through, and in *frames the number
 * of frames from there to the end; 0 when there is no such run, when the runs do not
 * agree on any boundary before the end, or when the work bound was reached.
 */
size_t wsc_hunt_boundary(const uint8_t *buf, size_t len, int expect_masked, int rsv1_allowed, unsigned *frames);

#ifdef __cplusplus
}
#endif

#endif
