/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Reads a WebSocket handshake's 101 response (see wsc_http.h). Lines end with CRLF
 * (RFC 7230 3); header names are compared without regard to case; values lose the
 * spaces and tabs around them. Folded lines (obsolete, RFC 7230 3.2.4) end a header.
 */
#include "wsc_http.h"

#include <string.h>

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Whether p[0..n) equals the lower-case name s, ignoring case. */
static int name_is(const uint8_t *p, size_t n, const char *s)
{
    size_t i;

    if (n != strlen(s))
        return 0;
    for (i = 0; i < n; i++)
        if (lower(p[i]) != s[i])
            return 0;
    return 1;
}

/* Whether the comma-separated list p[0..n) holds the token "websocket". */
static int has_websocket_token(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t a, b;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
            i++;
        a = i;
        while (i < n && p[i] != ',')
            i++;
        b = i;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (name_is(p + a, b - a, "websocket"))
            return 1;
    }
    return 0;
}

int wsc_http101_parse(const uint8_t *p, size_t n, wsc_http101 *out)
{
    size_t i, line = 0;
    int upgrade = 0;

    memset(out, 0, sizeof(*out));
    if (n > WSC_HTTP_MAX_HEADER)
        n = WSC_HTTP_MAX_HEADER;
    /* The status line: HTTP/1.0 or 1.1, then " 101" and a space or the line end. */
    if (n < 14 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || memcmp(p + 8, " 101", 4) != 0 ||
        (p[12] != ' ' && p[12] != '\r'))
        return 0;
    for (i = 0; i + 1 < n; i++) {
        size_t end, colon, vs, ve;
        if (p[i] != '\r' || p[i + 1] != '\n')
            continue;
        end = i;
        if (line > 0) {
            if (end == line) {
                /* The empty line: the end of the header block. */
                if (!upgrade)
                    break;
                out->header_len = end + 2;
                return 1;
            }
            for (colon = line; colon < end && p[colon] != ':'; colon++)
                ;
            if (colon == end)
                return 0; /* not a header line */
            vs = colon + 1;
            ve = end;
            while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
                vs++;
            while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
                ve--;
            if (name_is(p + line, colon - line, "upgrade")) {
                upgrade = has_websocket_token(p + vs, ve - vs);
            } else if (name_is(p + line, colon - line, "sec-websocket-extensions")) {
                if (!out->extensions) {
                    out->extensions = p + vs;
                    out->extensions_len = ve - vs;
                }
            } else if (name_is(p + line, colon - line, "sec-websocket-protocol")) {
                out->protocol = p + vs;
                out->protocol_len = ve - vs;
            }
        }
        line = i + 2;
        i++;
    }
    /* Not a WebSocket upgrade, or the header block goes on past what we have. */
    memset(out, 0, sizeof(*out));
    return 0;
}

int wsc_http_starts_message(const uint8_t *p, size_t n)
{
    size_t i;

    if (n > WSC_HTTP_START_LEN)
        n = WSC_HTTP_START_LEN;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        return 1;
    for (i = 0; i < n && p[i] >= 'A' && p[i] <= 'Z'; i++)
        ;
    return i >= 3 && i < n && p[i] == ' ';
}

int wsc_http_starts_handshake(const uint8_t *p, size_t n)
{
    return (n >= 5 && memcmp(p, "GET /", 5) == 0) ||
           (n >= 13 && memcmp(p, "HTTP/1.", 7) == 0 && memcmp(p + 8, " 101 ", 5) == 0);
}

long wsc_http_header_end(const uint8_t *p, size_t n)
{
    size_t i, lim = n < WSC_HTTP_MAX_HEADER ? n : WSC_HTTP_MAX_HEADER;

    for (i = 0; i + 3 < lim; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return (long)(i + 4);
    return n < WSC_HTTP_MAX_HEADER ? 0 : -1;
}

long wsc_http_head_feed(uint8_t *state, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        uint8_t c = p[i];
        switch (*state) {
        case WSC_HEAD_LINE_START:
            *state = c == '\r' ? WSC_HEAD_EMPTY_CR : WSC_HEAD_IN_LINE;
            break;
        case WSC_HEAD_EMPTY_CR:
            return c == '\n' ? (long)(i + 1) : -1; /* the empty line, or a bare CR */
        case WSC_HEAD_LINE_CR:
            if (c != '\n')
                return -1; /* a bare CR */
            *state = WSC_HEAD_LINE_START;
            continue;
        default:
            if (c == '\r')
                *state = WSC_HEAD_LINE_CR;
            break;
        }
        if (c == '\n' || (c != '\t' && c != '\r' && (c < 0x20 || c == 0x7f)))
            return -1; /* a bare LF, a control byte (0x80-0xff is obs-text) */
    }
    return 0;
}

/* Any visible ASCII character (a line HTTP stopped at may begin with one that no header
 * name has: '}Connection? Upgrade', fuzz_dissect's finding 18), SP, TAB or the empty
 * line's CR. None is a WebSocket frame's first byte with FIN (0x80 and up); without FIN
 * only 'A' and 'B' are (RSV1 with a data opcode: a compressed message's first fragment),
 * every other one has a reserved opcode or RSV2/RSV3 set. */
static int head_rest_first(uint8_t c)
{
    return (c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t' || c == '\r';
}

size_t wsc_http_head_rest(const uint8_t *p, size_t n)
{
    uint8_t state = WSC_HEAD_LINE_START;
    long r;

    if (n > 0 && p[0] == '\n') {
        /* The LF of a CRLF whose CR was the last byte HTTP read (the head in pieces, TCP's
         * reassembly off: fuzz_dissect's finding 20). It ends a header line when more
         * lines follow to the empty one, else the head itself. 0x0a is no frame's first
         * byte (a pong without FIN). */
        if (n > 1 && head_rest_first(p[1])) {
            r = wsc_http_head_feed(&state, p + 1, n - 1 < WSC_HTTP_MAX_HEADER ? n - 1 : WSC_HTTP_MAX_HEADER);
            if (r > 0)
                return (size_t)r + 1;
        }
        return 1;
    }
    if (n == 0 || !head_rest_first(p[0]))
        return 0;
    r = wsc_http_head_feed(&state, p, n < WSC_HTTP_MAX_HEADER ? n : WSC_HTTP_MAX_HEADER);
    return r > 0 ? (size_t)r : 0;
}

int wsc_http_head_rest_open(const uint8_t *p, size_t n, uint8_t *state)
{
    *state = WSC_HEAD_LINE_START;
    return n > 0 && n <= WSC_HTTP_MAX_HEADER && head_rest_first(p[0]) && wsc_http_head_feed(state, p, n) == 0;
}

int wsc_http_upgrade_request(const uint8_t *p, size_t n, size_t *header_len)
{
    long end = wsc_http_header_end(p, n);
    size_t i, line = 0, first_end = 0;
    int upgrade = 0, key = 0;

    *header_len = 0;
    if (end <= 0 || n < 4 || memcmp(p, "GET ", 4) != 0)
        return 0;
    for (i = 0; i + 1 < (size_t)end; i++) {
        size_t colon, vs, ve;
        if (p[i] != '\r' || p[i + 1] != '\n')
            continue;
        if (!first_end) {
            /* The request line: GET, one target without spaces, HTTP/1.1. */
            size_t t;
            first_end = i;
            if (i < 4 + 1 + 9 || memcmp(p + i - 9, " HTTP/1.1", 9) != 0)
                return 0;
            for (t = 4; t < i - 9; t++)
                if (p[t] <= ' ' || p[t] >= 0x7f)
                    return 0;
        } else if (i > line) {
            for (colon = line; colon < i && p[colon] != ':'; colon++)
                ;
            if (colon == i || colon == line)
                return 0; /* not a header line */
            vs = colon + 1;
            ve = i;
            while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
                vs++;
            while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
                ve--;
            if (name_is(p + line, colon - line, "upgrade"))
                upgrade = has_websocket_token(p + vs, ve - vs);
            else if (name_is(p + line, colon - line, "sec-websocket-key"))
                key = ve > vs;
        }
        line = i + 2;
        i++;
    }
    if (!upgrade || !key)
        return 0;
    *header_len = (size_t)end;
    return 1;
}
