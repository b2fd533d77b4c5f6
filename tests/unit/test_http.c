/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_http: the 101 response of a WebSocket handshake. */
#include <glib.h>
#include <string.h>

#include "guard.h"
#include "wsc_http.h"

static int parse(const char *s, size_t n, wsc_http101 *h)
{
    const uint8_t *g = guard_copy(s, n);
    int r = wsc_http101_parse(g, n, h);
    /* Values point into the input: compare them while it lives. */
    if (r && h->extensions)
        h->extensions = (const uint8_t *)s + (h->extensions - g);
    if (r && h->protocol)
        h->protocol = (const uint8_t *)s + (h->protocol - g);
    guard_free(g);
    return r;
}

/* RFC 6455 1.3's example answer, with an extension and a frame right after it. */
static const char rfc[] = "HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                          "Sec-WebSocket-Protocol: chat\r\n"
                          "sec-websocket-extensions:  permessage-deflate; client_max_window_bits=10 \r\n"
                          "\r\n"
                          "\x81\x02hi";

static void test_rfc_example(void)
{
    wsc_http101 h;
    g_assert_cmpint(parse(rfc, sizeof(rfc) - 1, &h), ==, 1);
    g_assert_cmpuint(h.header_len, ==, sizeof(rfc) - 1 - 4);
    g_assert_cmpuint(h.protocol_len, ==, 4);
    g_assert_true(memcmp(h.protocol, "chat", 4) == 0);
    g_assert_cmpuint(h.extensions_len, ==, strlen("permessage-deflate; client_max_window_bits=10"));
    g_assert_true(memcmp(h.extensions, "permessage-deflate; client_max_window_bits=10", h.extensions_len) == 0);
}

static void test_case_and_lists(void)
{
    static const char r[] = "HTTP/1.0 101\r\nUPGRADE: foo, WebSocket\r\n\r\n";
    wsc_http101 h;
    g_assert_cmpint(parse(r, sizeof(r) - 1, &h), ==, 1);
    g_assert_null(h.extensions);
    g_assert_null(h.protocol);
}

static void test_not_websocket(void)
{
    static const char h2c[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    static const char ok200[] = "HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n";
    static const char no_upgrade[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n";
    static const char bad_line[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\n\r\n";
    static const char token_part[] = "HTTP/1.1 101 x\r\nUpgrade: websocketx\r\n\r\n";
    static const char s1010[] = "HTTP/1.1 1010 x\r\nUpgrade: websocket\r\n\r\n";
    wsc_http101 h;
    g_assert_cmpint(parse(h2c, sizeof(h2c) - 1, &h), ==, 0);
    g_assert_cmpint(parse(ok200, sizeof(ok200) - 1, &h), ==, 0);
    g_assert_cmpint(parse(no_upgrade, sizeof(no_upgrade) - 1, &h), ==, 0);
    g_assert_cmpint(parse(bad_line, sizeof(bad_line) - 1, &h), ==, 0);
    g_assert_cmpint(parse(token_part, sizeof(token_part) - 1, &h), ==, 0);
    g_assert_cmpint(parse(s1010, sizeof(s1010) - 1, &h), ==, 0);
    g_assert_cmpuint(h.header_len, ==, 0);
}

static void test_cut_header_block(void)
{
    /* Every prefix that stops before the empty line ends is not (yet) a response. */
    size_t whole = sizeof(rfc) - 1 - 4, n;
    wsc_http101 h;
    for (n = 0; n < whole; n++)
        g_assert_cmpint(parse(rfc, n, &h), ==, 0);
    g_assert_cmpint(parse(rfc, whole, &h), ==, 1);
}

/* f over a guarded copy of s (its bytes only, no NUL behind them). */
static int on_copy(int (*f)(const uint8_t *, size_t), const char *s)
{
    size_t n = strlen(s);
    const uint8_t *g = guard_copy(s, n);
    int r = f(g, n);
    guard_free(g);
    return r;
}

#define starts_message(s) on_copy(wsc_http_starts_message, (s))
#define starts_handshake(s) on_copy(wsc_http_starts_handshake, (s))

static void test_starts_message(void)
{
    g_assert_true(starts_message("GET / HTTP/1.1\r\n"));
    g_assert_true(starts_message("POST /x HTTP/1.1"));
    g_assert_true(starts_message("HTTP/1.1 200 OK"));
    g_assert_true(starts_message("HTTP/"));
    g_assert_true(starts_message("MKCALENDAR /c"));
    /* 15 capitals and a space is the longest method looked for; 16 is not seen. */
    g_assert_true(starts_message("ABCDEFGHIJKLMNO /"));
    g_assert_false(starts_message("ABCDEFGHIJKLMNOP /"));
    g_assert_false(starts_message("GE /"));        /* too short for a method */
    g_assert_false(starts_message("get / HTTP/1.1")); /* methods are case-sensitive */
    g_assert_false(starts_message("GET"));         /* no space yet */
    g_assert_false(starts_message("HTTP"));
    g_assert_false(starts_message("\x81\x05hello"));
    g_assert_false(starts_message(""));
}

static void test_starts_handshake(void)
{
    g_assert_true(starts_handshake("GET /chat HTTP/1.1\r\n"));
    g_assert_true(starts_handshake("GET /"));
    g_assert_true(starts_handshake("HTTP/1.1 101 Switching Protocols\r\n"));
    g_assert_true(starts_handshake("HTTP/1.0 101 "));
    g_assert_false(starts_handshake("HTTP/1.1 200 OK\r\n"));
    g_assert_false(starts_handshake("HTTP/1.1 101"));  /* cut before the space */
    g_assert_false(starts_handshake("HTTP/2 101 x"));
    g_assert_false(starts_handshake("POST / HTTP/1.1"));
    g_assert_false(starts_handshake("GET "));
    g_assert_false(starts_handshake(""));
}

/* RFC 6455 1.3's example request. */
static const char rfc_req[] = "GET /chat HTTP/1.1\r\n"
                              "Host: server.example.com\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Origin: http://example.com\r\n"
                              "Sec-WebSocket-Protocol: chat, superchat\r\n"
                              "Sec-WebSocket-Version: 13\r\n"
                              "\r\n";

static int upgrade_request(const char *s, size_t n, size_t *hl)
{
    const uint8_t *g = guard_copy(s, n);
    int r = wsc_http_upgrade_request(g, n, hl);
    guard_free(g);
    return r;
}

static long header_end(const char *s, size_t n)
{
    const uint8_t *g = guard_copy(s, n);
    long r = wsc_http_header_end(g, n);
    guard_free(g);
    return r;
}

static void test_upgrade_request(void)
{
    size_t n = sizeof(rfc_req) - 1, hl = 0, k;
    char buf[sizeof(rfc_req) + 8];

    g_assert_cmpint(upgrade_request(rfc_req, n, &hl), ==, 1);
    g_assert_cmpuint(hl, ==, n);
    /* A frame right after it is not part of it. */
    memcpy(buf, rfc_req, n);
    memcpy(buf + n, "\x81\x82\x01\x02\x03\x04" "ab", 8);
    g_assert_cmpint(upgrade_request(buf, n + 8, &hl), ==, 1);
    g_assert_cmpuint(hl, ==, n);
    /* Every cut before the end of the block: not yet a request, and more may come. */
    for (k = 0; k < n; k++) {
        g_assert_cmpint(upgrade_request(rfc_req, k, &hl), ==, 0);
        g_assert_cmpint(header_end(rfc_req, k), ==, 0);
    }
    g_assert_cmpint(header_end(rfc_req, n), ==, (long)n);
}

static void test_upgrade_request_not(void)
{
    static const char *const bad[] = {
        /* no Upgrade: websocket */
        "GET /chat HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key: x\r\n\r\n",
        "GET /chat HTTP/1.1\r\nUpgrade: h2c\r\nSec-WebSocket-Key: x\r\n\r\n",
        /* no key */
        "GET /chat HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key:\r\n\r\n",
        /* not GET, not HTTP/1.1, a space in the target, a line without a colon */
        "POST /chat HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n",
        "GET /chat HTTP/1.0\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n",
        "GET /c hat HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n",
        "GET /chat HTTP/1.1\r\nUpgrade websocket\r\nSec-WebSocket-Key: x\r\n\r\n",
        "GET  HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n",
    };
    size_t i, hl = 7;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(upgrade_request(bad[i], strlen(bad[i]), &hl), ==, 0);
        g_assert_cmpuint(hl, ==, 0);
    }
    /* Case does not matter in names and the token; lists are read. */
    {
        static const char ok[] = "GET / HTTP/1.1\r\nUPGRADE: foo, WebSocket\r\nsec-websocket-key: k\r\n\r\n";
        g_assert_cmpint(upgrade_request(ok, sizeof(ok) - 1, &hl), ==, 1);
    }
}

static void test_header_end_limit(void)
{
    char *big = g_malloc(WSC_HTTP_MAX_HEADER + 10);
    const uint8_t *g;

    memset(big, 'a', WSC_HTTP_MAX_HEADER + 10);
    g = guard_copy(big, WSC_HTTP_MAX_HEADER + 10);
    g_assert_cmpint(wsc_http_header_end(g, WSC_HTTP_MAX_HEADER + 10), ==, -1);
    g_assert_cmpint(wsc_http_header_end(g, WSC_HTTP_MAX_HEADER - 1), ==, 0);
    guard_free(g);
    g_free(big);
}

static size_t head_rest(const char *s)
{
    size_t n = strlen(s);
    const uint8_t *g = guard_copy(s, n);
    size_t r = wsc_http_head_rest(g, n);
    guard_free(g);
    return r;
}

static void test_head_rest(void)
{
    static const char rest[] = "Connection? Upgrade\r\nSec-WebSocket-Accept: x=\r\n\r\n";
    char buf[sizeof(rest) + 4];
    size_t k, n = sizeof(rest) - 1;

    g_assert_cmpuint(head_rest(rest), ==, n);
    g_assert_cmpuint(head_rest("\r\n"), ==, 2);
    g_assert_cmpuint(head_rest("\r\n\x81\x05hello"), ==, 2);
    /* a line no header name begins like (fuzz_dissect finding 18) */
    g_assert_cmpuint(head_rest("}Connection? Upgrade\r\n\r\n"), ==, 24);
    g_assert_cmpuint(head_rest("{\r\n\r\n"), ==, 5);
    /* frames after it are not part of it */
    memcpy(buf, rest, n);
    memcpy(buf + n, "\x81\x01" "a", 4);
    {
        const uint8_t *g = guard_copy(buf, n + 3);
        g_assert_cmpuint(wsc_http_head_rest(g, n + 3), ==, n);
        guard_free(g);
    }
    /* every cut before the empty line's end: not (yet) a head's rest */
    for (k = 0; k < n; k++) {
        const uint8_t *g = guard_copy(rest, k);
        g_assert_cmpuint(wsc_http_head_rest(g, k), ==, 0);
        guard_free(g);
    }
    /* frames, binary bytes, bare CR or LF, no empty line */
    g_assert_cmpuint(head_rest("\x81\x05hello"), ==, 0);
    g_assert_cmpuint(head_rest("Server: a\x01\r\n\r\n"), ==, 0);
    g_assert_cmpuint(head_rest("Server: a\n\n"), ==, 0);
    g_assert_cmpuint(head_rest("Server: a\rb\r\n\r\n"), ==, 0);
    g_assert_cmpuint(head_rest("Server: a\r\nDate: b\r\n"), ==, 0);
    /* an LF first completes the CRLF whose CR HTTP read (TCP reassembly off: fuzz_dissect
     * finding 20): the head's end, or a line's with more lines to the empty one */
    g_assert_cmpuint(head_rest("\n"), ==, 1);
    g_assert_cmpuint(head_rest("\n\xc1\x64\x32"), ==, 1);
    g_assert_cmpuint(head_rest("\n\x81\x05hello"), ==, 1);
    g_assert_cmpuint(head_rest("\nDate: b\r\n\r\n\x81\x01" "a"), ==, 12);
    g_assert_cmpuint(head_rest("\nDate: b\r\n"), ==, 1);
    /* obs-text in a value is text; a frame's first byte does not start one */
    g_assert_cmpuint(head_rest("Date: 20\xce\xc9\r\n\r\n"), ==, 14);
    g_assert_cmpuint(head_rest("\x81@Server: a\r\n\r\n"), ==, 0);
    g_assert_cmpuint(head_rest("\x01@Server: a\r\n\r\n"), ==, 0);
    g_assert_cmpuint(head_rest("Server: a\x7f\r\n\r\n"), ==, 0);
    g_assert_cmpuint(head_rest(" folded\r\n\r\n"), ==, 11);
}

/* Feed s[0..n) in pieces cut at a and b (a <= b <= n); returns where the head ends
 * counted from the start of s, 0 if it stays open, -1 if refused. */
static long feedn(const char *s, size_t n, size_t a, size_t b)
{
    size_t cuts[4] = { 0, a, b, n }, k;
    uint8_t state = WSC_HEAD_LINE_START;

    for (k = 0; k < 3; k++) {
        size_t len = cuts[k + 1] - cuts[k];
        const uint8_t *g = guard_copy(s + cuts[k], len);
        long r = wsc_http_head_feed(&state, g, len);
        guard_free(g);
        if (r != 0)
            return r < 0 ? -1 : (long)cuts[k] + r;
    }
    return 0;
}

static long feed3(const char *s, size_t a, size_t b)
{
    return feedn(s, strlen(s), a, b);
}

static void test_head_feed(void)
{
    static const char rest[] = "Connection: Upgrade\r\nSec-WebSocket-Accept: x=\r\n\r\n\x81\x01" "a";
    static const char bad[] = "Server: a\rb\r\n\r\n";
    size_t n = strlen(rest), end = n - 3, a, b;
    uint8_t state;

    /* every way of cutting it in three ends the head at the same byte, and every
     * first part of it before that byte, cut in three, leaves it open */
    for (a = 0; a <= n; a++)
        for (b = a; b <= n; b++) {
            g_assert_cmpint(feed3(rest, a, b), ==, (long)end);
            if (b < end)
                g_assert_cmpint(feedn(rest, b, a, b), ==, 0);
        }
    /* a bare CR is refused wherever the cut falls, also right after the CR */
    for (a = 0; a <= strlen(bad); a++)
        g_assert_cmpint(feed3(bad, a, a), ==, -1);
    g_assert_cmpint(feed3("\r\r", 1, 1), ==, -1);
    g_assert_cmpint(feed3("A: b\n\r\n", 4, 4), ==, -1);
    g_assert_cmpint(feed3("A: b\x02\r\n\r\n", 5, 5), ==, -1);
    /* the empty line alone, split after its CR */
    g_assert_cmpint(feed3("\r\n", 1, 1), ==, 2);

    /* a first piece that is an open rest, and where it leaves off */
    g_assert_true(wsc_http_head_rest_open((const uint8_t *)"Server: a\r", 10, &state));
    g_assert_cmpint(state, ==, WSC_HEAD_LINE_CR);
    g_assert_cmpint(wsc_http_head_feed(&state, (const uint8_t *)"\n\r\n", 3), ==, 3);
    g_assert_true(wsc_http_head_rest_open((const uint8_t *)"Server: a\r\n", 11, &state));
    g_assert_cmpint(state, ==, WSC_HEAD_LINE_START);
    /* not open: the head ends in it, a frame's first byte, a bare LF, nothing, too long */
    g_assert_false(wsc_http_head_rest_open((const uint8_t *)"A: b\r\n\r\n", 8, &state));
    g_assert_false(wsc_http_head_rest_open((const uint8_t *)"\x81\x05hello", 7, &state));
    g_assert_false(wsc_http_head_rest_open((const uint8_t *)"A: b\n", 5, &state));
    g_assert_false(wsc_http_head_rest_open((const uint8_t *)"", 0, &state));
    {
        uint8_t *big = g_malloc(WSC_HTTP_MAX_HEADER + 1);
        memset(big, 'a', WSC_HTTP_MAX_HEADER + 1);
        g_assert_true(wsc_http_head_rest_open(big, WSC_HTTP_MAX_HEADER, &state));
        g_assert_false(wsc_http_head_rest_open(big, WSC_HTTP_MAX_HEADER + 1, &state));
        g_free(big);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/http/rfc_example", test_rfc_example);
    g_test_add_func("/core/http/case_and_lists", test_case_and_lists);
    g_test_add_func("/core/http/not_websocket", test_not_websocket);
    g_test_add_func("/core/http/cut_header_block", test_cut_header_block);
    g_test_add_func("/core/http/starts_message", test_starts_message);
    g_test_add_func("/core/http/starts_handshake", test_starts_handshake);
    g_test_add_func("/core/http/upgrade_request", test_upgrade_request);
    g_test_add_func("/core/http/upgrade_request_not", test_upgrade_request_not);
    g_test_add_func("/core/http/header_end_limit", test_header_end_limit);
    g_test_add_func("/core/http/head_rest", test_head_rest);
    g_test_add_func("/core/http/head_feed", test_head_feed);
    return g_test_run();
}
