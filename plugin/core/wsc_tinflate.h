/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A DEFLATE decoder (RFC 1951) that knows which bytes of its window it does not
 * know. When a capture begins in the middle of a permessage-deflate context, the
 * history the sender refers to is missing: zlib can only fail. This decoder keeps
 * going, marks every byte copied from unknown history as unknown ("tainted"), and
 * so keeps the known part of the window at its true distance. A message whose
 * output has no unknown byte is exactly what was sent.
 * Plain C, no allocation: the state is one struct the caller owns.
 */
#ifndef WSC_TINFLATE_H
#define WSC_TINFLATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WSC_TINF_WINDOW 32768u

typedef struct wsc_tinflate {
    uint8_t win[WSC_TINF_WINDOW];
    uint8_t unknown[WSC_TINF_WINDOW]; /* 1 where the window byte is not known */
    uint32_t pos;                     /* next window index to write */
} wsc_tinflate;

enum wsc_tinf_status {
    WSC_TINF_DONE = 0,    /* the whole message was decoded */
    WSC_TINF_FULL = 1,    /* more output than out_cap: decoding stopped (stream now out of step) */
    WSC_TINF_CORRUPT = 2  /* not valid DEFLATE, or the input ended inside a block */
};

/* Starts a stream whose history is entirely unknown. */
void wsc_tinflate_init_unknown(wsc_tinflate *t);

/*
 * Appends p[0..len) to the window as known history: bytes another decoder (zlib, while
 * the history was whole) produced from this stream, in order, right before the next
 * message this decoder is given. Only the last WSC_TINF_WINDOW bytes matter.
 */
void wsc_tinflate_known(wsc_tinflate *t, const uint8_t *p, size_t len);

/*
 * Decodes one permessage-deflate message: in[0..len) followed by the 00 00 ff ff
 * the sender removed (RFC 7692 7.2.2). Writes at most out_cap bytes to out;
 * *out_len = bytes written, *unknown = how many of them came from unknown history.
 */
int wsc_tinflate_message(wsc_tinflate *t, const uint8_t *in, size_t len, uint8_t *out, size_t out_cap,
                         size_t *out_len, size_t *unknown);

#ifdef __cplusplus
}
#endif
#endif
