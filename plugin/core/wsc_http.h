/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The server's answer to a WebSocket opening handshake (RFC 6455 4.2.2), read from the
 * bytes of one segment: "HTTP/1.1 101", Upgrade: websocket, and what was negotiated
 * (Sec-WebSocket-Extensions, Sec-WebSocket-Protocol). For captures that begin after
 * the client's request, where HTTP alone does not switch to WebSocket. No allocation:
 * the values point into the input.
 */
#ifndef WSC_HTTP_H
#define WSC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest header block looked at. */
#define WSC_HTTP_MAX_HEADER 8192u

typedef struct wsc_http101 {
    size_t header_len;         /* bytes up to and including the empty line */
    const uint8_t *extensions; /* value of Sec-WebSocket-Extensions (first such line), or NULL */
    size_t extensions_len;
    const uint8_t *protocol;   /* value of Sec-WebSocket-Protocol, or NULL */
    size_t protocol_len;
} wsc_http101;

/*
 * Whether p[0..n) begins with a whole "HTTP/1.x 101" response whose Upgrade header
 * names websocket (RFC 6455 4.2.2, case-insensitive as RFC 7230 says): returns 1 and
 * fills *out, else 0 (not such a response, or its header block is not all in p).
 */
int wsc_http101_parse(const uint8_t *p, size_t n, wsc_http101 *out);

/* Bytes wsc_http_starts_message() looks at, at most. */
#define WSC_HTTP_START_LEN 16u

/*
 * Whether p[0..n) begins like an HTTP/1.x request or status line: "HTTP/", or a token
 * of capitals (a method, 3 to 15 of them) and a space, within its first
 * WSC_HTTP_START_LEN bytes. 1 or 0.
 */
int wsc_http_starts_message(const uint8_t *p, size_t n);

/*
 * Whether p[0..n) begins a WebSocket opening handshake: "GET /" (RFC 6455 4.1: the
 * request is a GET) or the status line of a 101 answer ("HTTP/1.x 101 "). 1 or 0.
 */
int wsc_http_starts_handshake(const uint8_t *p, size_t n);

/*
 * Where the header block that p[0..n) begins with ends: the length up to and including
 * its empty line (CRLF CRLF), 0 when it goes on past n (and n is below
 * WSC_HTTP_MAX_HEADER: more bytes may complete it), -1 when it is longer than that.
 */
long wsc_http_header_end(const uint8_t *p, size_t n);

/*
 * Whether p[0..n) begins with the rest of a header block, as when HTTP stopped reading a
 * head at a line it did not take for a header: lines of field text (bytes 0x20-0x7e,
 * TAB and obs-text 0x80-0xff, RFC 9110 5.5), each ending in CRLF, up to and including
 * an empty line. The first byte is a letter, a digit, '-', SP, TAB or the empty line's
 * CR: never a WebSocket frame's first byte with FIN (0x80 and up) or a valid one
 * without it (0x00-0x0f, or 0x41/0x42 and the like only with a negotiated RSV1, whose
 * compressed bytes would have to be all text up to a CRLF CRLF). Its length, or 0 when
 * not such a block or the empty line is not within p (nor within WSC_HTTP_MAX_HEADER
 * bytes). "\r\n" alone is an empty line: 2. A first byte LF completes a CRLF whose CR
 * HTTP read: with such lines after it up to the empty one, all of them; else the LF
 * alone (1), the end of the head (0x0a is a pong without FIN, never a frame's first byte).
 */
size_t wsc_http_head_rest(const uint8_t *p, size_t n);

/*
 * A head's lines read piece by piece, as they come in segments: *state says where the
 * bytes before p left off (WSC_HEAD_LINE_START before the first piece). Returns how far
 * into p the head ends (after its empty line), 0 when all of p was read and the head
 * goes on, -1 when p breaks the rules above (the bytes are no head's).
 */
enum { WSC_HEAD_LINE_START, WSC_HEAD_IN_LINE, WSC_HEAD_LINE_CR, WSC_HEAD_EMPTY_CR };
long wsc_http_head_feed(uint8_t *state, const uint8_t *p, size_t n);

/*
 * Whether all of p[0..n) reads as the first piece of such a rest that does not end
 * within it (n at most WSC_HTTP_MAX_HEADER): HTTP, without TCP reassembly, read the
 * first segment of a head in pieces and handed on the others. *state is where it left
 * off, for wsc_http_head_feed on the next piece.
 */
int wsc_http_head_rest_open(const uint8_t *p, size_t n, uint8_t *state);

/*
 * Whether p[0..n) begins with a whole WebSocket opening request (RFC 6455 4.1): "GET ",
 * a target, " HTTP/1.1", and header lines among which Upgrade names websocket and
 * Sec-WebSocket-Key is present. 1 (and *header_len set), 0 when not such a request or
 * not all of it is in p (wsc_http_header_end says which).
 */
int wsc_http_upgrade_request(const uint8_t *p, size_t n, size_t *header_len);

#ifdef __cplusplus
}
#endif
#endif
