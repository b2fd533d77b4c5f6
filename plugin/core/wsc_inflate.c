/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * permessage-deflate decompression on top of zlib (RFC 7692 7.2.2).
 */
#include "wsc_inflate.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct wsc_inflater {
    z_stream zs;
    const uint8_t *in;
    size_t in_len;
    size_t in_pos;
    int tail_pending;   /* the 00 00 ff ff tail still has to be fed */
    size_t tail_pos;
    uint64_t consumed;
};

static const uint8_t deflate_tail[4] = { 0x00, 0x00, 0xff, 0xff };

wsc_inflater *wsc_inflate_new(void)
{
    wsc_inflater *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    /* Negative window bits: raw DEFLATE, no zlib header (RFC 7692 7.2.1). */
    if (inflateInit2(&f->zs, -15) != Z_OK) {
        free(f);
        return NULL;
    }
    return f;
}

void wsc_inflate_free(wsc_inflater *f)
{
    if (!f)
        return;
    inflateEnd(&f->zs);
    free(f);
}

void wsc_inflate_reset(wsc_inflater *f)
{
    inflateReset(&f->zs);
}

void wsc_inflate_begin(wsc_inflater *f, const uint8_t *in, size_t in_len, int add_tail)
{
    f->in = in;
    f->in_len = in_len;
    f->in_pos = 0;
    f->tail_pending = add_tail;
    f->tail_pos = 0;
    f->consumed = 0;
}

uint64_t wsc_inflate_consumed(const wsc_inflater *f)
{
    return f->consumed;
}

int wsc_inflate_run(wsc_inflater *f, uint8_t *out, size_t out_len, size_t *made)
{
    size_t produced = 0;

    *made = 0;
    for (;;) {
        const uint8_t *src;
        size_t avail;
        int rc;
        uInt before_in, before_out;

        if (f->in_pos < f->in_len) {
            src = f->in + f->in_pos;
            avail = f->in_len - f->in_pos;
        } else if (f->tail_pending && f->tail_pos < sizeof(deflate_tail)) {
            src = deflate_tail + f->tail_pos;
            avail = sizeof(deflate_tail) - f->tail_pos;
        } else {
            *made = produced;
            return WSC_INF_DONE;
        }
        if (produced == out_len) {
            *made = produced;
            return WSC_INF_FULL;
        }
        /* zlib counts in uInt: feed at most 1 GiB at a time. */
        f->zs.next_in = (Bytef *)(uintptr_t)src;
        f->zs.avail_in = (uInt)(avail > (1u << 30) ? (1u << 30) : avail);
        f->zs.next_out = out + produced;
        f->zs.avail_out = (uInt)((out_len - produced) > (1u << 30) ? (1u << 30) : (out_len - produced));
        before_in = f->zs.avail_in;
        before_out = f->zs.avail_out;
        rc = inflate(&f->zs, Z_SYNC_FLUSH);
        produced += before_out - f->zs.avail_out;
        if (f->in_pos < f->in_len)
            f->in_pos += before_in - f->zs.avail_in;
        else
            f->tail_pos += before_in - f->zs.avail_in;
        f->consumed += before_in - f->zs.avail_in;
        if (rc == Z_STREAM_END) {
            /* A final block (BFINAL) ends the stream; the sender starts a new one
             * for the next message (RFC 7692 7.2.3.3 allows it). */
            inflateReset(&f->zs);
            continue;
        }
        if (rc == Z_DATA_ERROR) {
            *made = produced;
            return (f->zs.msg && strstr(f->zs.msg, "too far back")) ? WSC_INF_HISTORY : WSC_INF_CORRUPT;
        }
        if (rc == Z_MEM_ERROR) {
            *made = produced;
            return WSC_INF_NOMEM;
        }
        if (rc == Z_BUF_ERROR && before_in == f->zs.avail_in && before_out == f->zs.avail_out) {
            /* No progress possible: output full, or input exhausted mid-block. */
            if (f->zs.avail_out == 0)
                continue;
            *made = produced;
            return WSC_INF_DONE;
        }
    }
}
