/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Shared between the two halves of the heuristic: wsc_heur.c (the frames of one segment)
 * and wsc_heur_conv.c (the segments of a conversation). Not part of the core's API.
 */
#ifndef WSC_HEUR_INT_H
#define WSC_HEUR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wsc_frame.h"
#include "wsc_heur.h"

/* Bytes that text almost never holds: NUL, C0 controls other than TAB, LF and CR, DEL. */
int wsc_heur_has_control(const uint8_t *p, size_t n);
/* A payload's first n bytes unmask to UTF-8: 1, 2 when they also hold a control byte, 0 not. */
int wsc_heur_text_prefix_valid(const uint8_t *p, size_t n, const wsc_frame_header *h, int need_complete);
/* A close payload (n bytes as sent) of a valid code and a UTF-8 reason, or empty. */
int wsc_heur_close_payload_ok(const uint8_t *p, size_t n, const wsc_frame_header *h);
/* Its reason (n >= 2) holds no control byte. */
int wsc_heur_close_reason_plain(const uint8_t *p, size_t n, const wsc_frame_header *h);
/* What a whole close payload with a valid code earns: 0, 2 (bare code) or 3 (a reason). */
int wsc_heur_close_code_points(const uint8_t *p, size_t n, const wsc_frame_header *h);

/* A frame's signature: its length and first bytes (wsc_heur_scan_prev), never 0 at the end. */
uint32_t wsc_heur_sig_begin(uint64_t total);
uint32_t wsc_heur_sig_feed(uint32_t hsh, uint32_t *count, const uint8_t *p, size_t n);
uint32_t wsc_heur_sig_end(uint32_t hsh);
/* Starts the signature of the direction's open frame with its header (d->hdr). */
void wsc_heur_open_sig_start(wsc_heur_dir *d, const wsc_frame_header *h);

#endif
