/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: the 101 reader stays inside its input, its values lie inside the header
 * block, and a response found in a prefix is found the same in the whole input; the
 * start checks look only at the first bytes, and a 101 the reader accepts (with its
 * reason phrase) starts a handshake for them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsc_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsc_http101 h, whole;
    size_t cut = size / 2;

    /* The start checks read no more than they are given, and only the first bytes. */
    if (wsc_http_starts_message(data, size) != wsc_http_starts_message(data, size < 64 ? size : 64))
        abort();
    if (wsc_http_starts_handshake(data, size) != wsc_http_starts_handshake(data, size < 13 ? size : 13))
        abort();
    if (wsc_http101_parse(data, size, &whole) && size > 12 && data[12] == ' ' && !wsc_http_starts_handshake(data, size))
        /* A 101 answer with a reason phrase starts a handshake (the reader also takes
         * "HTTP/1.1 101" and the end of the line; the start check wants the space). */
        abort();
    {
        /* The rest of a head ends in CRLF, within the input (or is the lone LF that ends
         * a CRLF whose CR the input does not hold: finding 20), and is found again in a
         * copy cut right after it. */
        size_t r = wsc_http_head_rest(data, size);
        if (r > size || (r == 1 && data[0] != '\n') ||
            (r > 1 && (data[r - 2] != '\r' || data[r - 1] != '\n')) || (r && wsc_http_head_rest(data, r) != r))
            abort();
    }
    if (!wsc_http101_parse(data, size, &whole))
        return 0;
    if (whole.header_len > size || whole.header_len > WSC_HTTP_MAX_HEADER)
        abort();
    if (whole.extensions && (whole.extensions < data || whole.extensions + whole.extensions_len > data + whole.header_len))
        abort();
    if (whole.protocol && (whole.protocol < data || whole.protocol + whole.protocol_len > data + whole.header_len))
        abort();
    if (cut >= whole.header_len) {
        if (!wsc_http101_parse(data, cut, &h) || memcmp(&h, &whole, sizeof(h)) != 0)
            abort();
    }
    return 0;
}
