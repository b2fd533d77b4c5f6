/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Decompression of permessage-deflate messages (RFC 7692 7.2.2): a raw DEFLATE
 * stream per direction whose history may carry over from message to message.
 * Wraps zlib; the caller supplies the output buffer, so a message never grows
 * beyond what the caller allows (a deflate bomb stops at the caller's cap).
 */
#ifndef WSC_INFLATE_H
#define WSC_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wsc_inflater wsc_inflater;

enum wsc_inflate_status {
    WSC_INF_DONE = 0,     /* all input consumed (with the 00 00 ff ff tail when asked for) */
    WSC_INF_FULL = 1,     /* the output buffer is full; call again with more room */
    WSC_INF_HISTORY = 2,  /* a back-reference reaches before the data this stream has seen:
                             the history is missing (capture began mid-context) */
    WSC_INF_CORRUPT = 3,  /* not valid DEFLATE data */
    WSC_INF_NOMEM = 4
};

/* Allocates and initialises an inflater (raw DEFLATE, 32 KiB window: decodes every
 * smaller window too). Returns NULL when out of memory. */
wsc_inflater *wsc_inflate_new(void);
void wsc_inflate_free(wsc_inflater *f);

/* Forgets the history: the next message is decoded as if it were the first. */
void wsc_inflate_reset(wsc_inflater *f);

/*
 * Starts a message: in[0..in_len) is its compressed payload (all frames of it,
 * concatenated). add_tail: append the 4 bytes 00 00 ff ff that the sender removed
 * (RFC 7692 7.2.2). The input must stay valid until the message is done.
 */
void wsc_inflate_begin(wsc_inflater *f, const uint8_t *in, size_t in_len, int add_tail);

/*
 * Produces up to out_len bytes of the message into out, *made = bytes written.
 * Returns WSC_INF_FULL while there is more to come, WSC_INF_DONE at the end, or an
 * error (after which the stream must be reset before it is used again).
 */
int wsc_inflate_run(wsc_inflater *f, uint8_t *out, size_t out_len, size_t *made);

/* Bytes of the message's input consumed so far (for error positions). */
uint64_t wsc_inflate_consumed(const wsc_inflater *f);

#ifdef __cplusplus
}
#endif
#endif
