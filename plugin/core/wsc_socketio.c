/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Engine.IO / Socket.IO text packet grammar and a strict JSON validator; see
 * wsc_socketio.h. The JSON grammar is RFC 8259's (what JSON.stringify writes and
 * JSON.parse reads), nesting at most WSC_JSON_MAX_DEPTH deep. The packet grammar
 * follows socket.io-parser 4's decoder, stricter where the decoder is lax: counts
 * and ack ids are digits only, and a packet's JSON must be of the kind its type takes.
 */
#include "wsc_socketio.h"

#include <string.h>

static int is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t skip_ws(const uint8_t *p, size_t n, size_t i)
{
    while (i < n && is_ws(p[i]))
        i++;
    return i;
}

/* A string starting at p[*i] == '"': moves *i past the closing quote. Control
 * characters must be escaped; escapes must be the RFC's. (UTF-8 validity of the
 * message is checked by whoever hands it over.) */
static int skip_string(const uint8_t *p, size_t n, size_t *i)
{
    size_t k = *i + 1;

    while (k < n) {
        uint8_t c = p[k];
        if (c == '"') {
            *i = k + 1;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (k + 1 >= n)
                return 0;
            c = p[k + 1];
            if (c == 'u') {
                int j;
                if (k + 6 > n)
                    return 0;
                for (j = 2; j < 6; j++)
                    if (hexval(p[k + (size_t)j]) < 0)
                        return 0;
                k += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", c) || c == 0)
                return 0;
            k += 2;
            continue;
        }
        k++;
    }
    return 0;
}

static int skip_number(const uint8_t *p, size_t n, size_t *i)
{
    size_t k = *i;

    if (k < n && p[k] == '-')
        k++;
    if (k >= n || !is_digit(p[k]))
        return 0;
    if (p[k] == '0')
        k++;
    else
        while (k < n && is_digit(p[k]))
            k++;
    if (k < n && p[k] == '.') {
        k++;
        if (k >= n || !is_digit(p[k]))
            return 0;
        while (k < n && is_digit(p[k]))
            k++;
    }
    if (k < n && (p[k] == 'e' || p[k] == 'E')) {
        k++;
        if (k < n && (p[k] == '+' || p[k] == '-'))
            k++;
        if (k >= n || !is_digit(p[k]))
            return 0;
        while (k < n && is_digit(p[k]))
            k++;
    }
    *i = k;
    return 1;
}

static int skip_literal(const uint8_t *p, size_t n, size_t *i, const char *lit)
{
    size_t len = strlen(lit);

    if (n - *i < len || memcmp(p + *i, lit, len) != 0)
        return 0;
    *i += len;
    return 1;
}

/* One value at p[*i] (no leading white space): moves *i past it. */
static int skip_value(const uint8_t *p, size_t n, size_t *i, unsigned depth)
{
    size_t k = *i;
    uint8_t close;

    if (k >= n)
        return 0;
    switch (p[k]) {
    case '"':
        return skip_string(p, n, i);
    case 't':
        return skip_literal(p, n, i, "true");
    case 'f':
        return skip_literal(p, n, i, "false");
    case 'n':
        return skip_literal(p, n, i, "null");
    case '[':
    case '{':
        break;
    default:
        return skip_number(p, n, i);
    }
    if (depth >= WSC_JSON_MAX_DEPTH)
        return 0;
    close = p[k] == '[' ? ']' : '}';
    k = skip_ws(p, n, k + 1);
    if (k < n && p[k] == close) {
        *i = k + 1;
        return 1;
    }
    for (;;) {
        if (close == '}') {
            if (k >= n || p[k] != '"' || !skip_string(p, n, &k))
                return 0;
            k = skip_ws(p, n, k);
            if (k >= n || p[k] != ':')
                return 0;
            k = skip_ws(p, n, k + 1);
        }
        if (!skip_value(p, n, &k, depth + 1))
            return 0;
        k = skip_ws(p, n, k);
        if (k >= n)
            return 0;
        if (p[k] == close) {
            *i = k + 1;
            return 1;
        }
        if (p[k] != ',')
            return 0;
        k = skip_ws(p, n, k + 1);
    }
}

int wsc_json_validate(const uint8_t *p, size_t n)
{
    size_t i = skip_ws(p, n, 0);

    if (!skip_value(p, n, &i, 0))
        return 0;
    return skip_ws(p, n, i) == n;
}

int wsc_json_kind(const uint8_t *p, size_t n)
{
    size_t i = skip_ws(p, n, 0);

    if (i >= n)
        return WSC_JSON_NONE;
    switch (p[i]) {
    case '{': return WSC_JSON_OBJECT;
    case '[': return WSC_JSON_ARRAY;
    case '"': return WSC_JSON_STRING;
    case 't': case 'f': case 'n': return WSC_JSON_LITERAL;
    default: return WSC_JSON_NUMBER;
    }
}

/* Span of the value at p[*i] (strings without their quotes); moves *i past it. */
static int value_span(const uint8_t *p, size_t n, size_t *i, size_t *voff, size_t *vlen, int *kind)
{
    size_t start = *i;

    if (!skip_value(p, n, i, 1))
        return 0;
    *kind = wsc_json_kind(p + start, *i - start);
    if (*kind == WSC_JSON_STRING) {
        *voff = start + 1;
        *vlen = *i - start - 2;
    } else {
        *voff = start;
        *vlen = *i - start;
    }
    return 1;
}

int wsc_json_member(const uint8_t *p, size_t n, const char *key, size_t klen, size_t *voff, size_t *vlen, int *kind)
{
    size_t k = skip_ws(p, n, 0);

    if (k >= n || p[k] != '{')
        return 0;
    k = skip_ws(p, n, k + 1);
    while (k < n && p[k] == '"') {
        size_t ks = k + 1, ke;
        size_t o, l;
        int kd;
        if (!skip_string(p, n, &k))
            return 0;
        ke = k - 1;
        k = skip_ws(p, n, k);
        if (k >= n || p[k] != ':')
            return 0;
        k = skip_ws(p, n, k + 1);
        if (!value_span(p, n, &k, &o, &l, &kd))
            return 0;
        if (ke - ks == klen && memcmp(p + ks, key, klen) == 0) {
            *voff = o;
            *vlen = l;
            *kind = kd;
            return 1;
        }
        k = skip_ws(p, n, k);
        if (k >= n || p[k] != ',')
            return 0;
        k = skip_ws(p, n, k + 1);
    }
    return 0;
}

static size_t put_utf8(uint8_t *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (uint8_t)(0xc0 | (cp >> 6));
        d[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (uint8_t)(0xe0 | (cp >> 12));
        d[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (uint8_t)(0xf0 | (cp >> 18));
    d[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

static uint32_t hex4(const uint8_t *s)
{
    /* (valid input: four hex digits; & 0xf keeps anything else defined) */
    return (uint32_t)((hexval(s[0]) & 0xf) << 12 | (hexval(s[1]) & 0xf) << 8 | (hexval(s[2]) & 0xf) << 4 |
                      (hexval(s[3]) & 0xf));
}

size_t wsc_json_unescape(const uint8_t *s, size_t n, uint8_t *dst)
{
    size_t i = 0, o = 0;

    while (i < n) {
        uint8_t c = s[i];
        if (c != '\\' || i + 1 >= n) {
            dst[o++] = c;
            i++;
            continue;
        }
        c = s[i + 1];
        if (c == 'u' && i + 6 <= n) {
            uint32_t cp = hex4(s + i + 2);
            i += 6;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                uint32_t lo = hex4(s + i + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd; /* a lone surrogate: no UTF-8 for it */
            o += put_utf8(dst + o, cp);
            continue;
        }
        switch (c) {
        case 'b': dst[o++] = '\b'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'n': dst[o++] = '\n'; break;
        case 'r': dst[o++] = '\r'; break;
        case 't': dst[o++] = '\t'; break;
        default: dst[o++] = c; break; /* " \ / */
        }
        i += 2;
    }
    return o;
}

/* Event names socket.io reserves for itself: never sent as events. */
static int reserved_event(const uint8_t *s, size_t n)
{
    static const char *const names[] = { "connect", "connect_error", "disconnect", "disconnecting",
                                         "newListener", "removeListener" };
    size_t k;

    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (strlen(names[k]) == n && memcmp(names[k], s, n) == 0)
            return 1;
    return 0;
}

static int fail(wsc_sio_packet *pk, int error)
{
    pk->error = error;
    return 0;
}

/* The Socket.IO JSON at p[i..n): valid, of the kind the type takes; the event name. */
static int sio_payload(const uint8_t *p, size_t n, size_t i, wsc_sio_packet *pk)
{
    int t = pk->sio_type, kind;

    pk->data_off = i;
    pk->data_len = n - i;
    if (i == n) {
        /* CONNECT without auth, DISCONNECT: no JSON. Events and acks always carry an array. */
        return t == WSC_SIO_CONNECT || t == WSC_SIO_DISCONNECT ? 1 : fail(pk, WSC_SIO_E_PAYLOAD);
    }
    if (!wsc_json_validate(p + i, n - i))
        return fail(pk, WSC_SIO_E_JSON);
    kind = pk->json_kind = wsc_json_kind(p + i, n - i);
    switch (t) {
    case WSC_SIO_CONNECT:
        return kind == WSC_JSON_OBJECT ? 1 : fail(pk, WSC_SIO_E_PAYLOAD);
    case WSC_SIO_DISCONNECT:
        return fail(pk, WSC_SIO_E_PAYLOAD);
    case WSC_SIO_CONNECT_ERROR:
        return kind == WSC_JSON_OBJECT || kind == WSC_JSON_STRING ? 1 : fail(pk, WSC_SIO_E_PAYLOAD);
    case WSC_SIO_ACK:
    case WSC_SIO_BINARY_ACK:
        return kind == WSC_JSON_ARRAY ? 1 : fail(pk, WSC_SIO_E_PAYLOAD);
    default: /* EVENT, BINARY_EVENT */
        break;
    }
    if (kind != WSC_JSON_ARRAY)
        return fail(pk, WSC_SIO_E_PAYLOAD);
    i = skip_ws(p, n, skip_ws(p, n, i) + 1);
    if (p[i] == '"') {
        size_t e = i;
        skip_string(p, n, &e); /* valid: the array was */
        pk->has_event = 1;
        pk->event_off = i + 1;
        pk->event_len = e - i - 2;
        pk->event_escaped = memchr(p + i + 1, '\\', pk->event_len) != NULL;
        if (!pk->event_escaped && reserved_event(p + pk->event_off, pk->event_len))
            return fail(pk, WSC_SIO_E_PAYLOAD);
        return 1;
    }
    /* An empty array, or a first element that is neither string nor number. */
    return wsc_json_kind(p + i, n - i) == WSC_JSON_NUMBER && p[i] != ']' ? 1 : fail(pk, WSC_SIO_E_PAYLOAD);
}

int wsc_sio_parse(const uint8_t *p, size_t n, wsc_sio_packet *pk)
{
    size_t i;

    memset(pk, 0, sizeof(*pk));
    pk->eio_type = pk->sio_type = -1;
    if (n == 0)
        return fail(pk, WSC_SIO_E_EMPTY);
    if (p[0] < '0' || p[0] > '6')
        return fail(pk, WSC_SIO_E_EIO_TYPE);
    pk->eio_type = p[0] - '0';
    pk->data_off = 1;
    pk->data_len = n - 1;
    switch (pk->eio_type) {
    case WSC_EIO_OPEN:
        /* The handshake: a JSON object (sid, upgrades, pingInterval, ...). */
        if (!wsc_json_validate(p + 1, n - 1))
            return fail(pk, WSC_SIO_E_JSON);
        pk->json_kind = wsc_json_kind(p + 1, n - 1);
        return pk->json_kind == WSC_JSON_OBJECT ? 1 : fail(pk, WSC_SIO_E_PAYLOAD);
    case WSC_EIO_PING:
    case WSC_EIO_PONG:
        return 1; /* any data ("probe") */
    case WSC_EIO_MESSAGE:
        break;
    default: /* close, upgrade, noop: nothing follows */
        return n == 1 ? 1 : fail(pk, WSC_SIO_E_PAYLOAD);
    }
    if (n < 2 || p[1] < '0' || p[1] > '6')
        return fail(pk, WSC_SIO_E_SIO_TYPE);
    pk->sio_type = p[1] - '0';
    i = 2;
    if (pk->sio_type == WSC_SIO_BINARY_EVENT || pk->sio_type == WSC_SIO_BINARY_ACK) {
        size_t start = i;
        uint32_t count = 0;
        while (i < n && is_digit(p[i]) && i - start < 5) {
            count = count * 10u + (uint32_t)(p[i] - '0');
            i++;
        }
        if (i == start || i >= n || p[i] != '-' || count > WSC_SIO_MAX_ATTACHMENTS)
            return fail(pk, WSC_SIO_E_ATTACHMENTS);
        pk->has_attachments = 1;
        pk->attachments = count;
        i++;
    }
    if (i < n && p[i] == '/') {
        /* The namespace runs to the next comma, or to the end. */
        const uint8_t *comma = memchr(p + i, ',', n - i);
        size_t end = comma ? (size_t)(comma - p) : n;
        pk->ns_off = i;
        pk->ns_len = end - i;
        i = comma ? end + 1 : n;
    }
    if (i < n && is_digit(p[i])) {
        size_t start = i;
        uint64_t id = 0;
        while (i < n && is_digit(p[i])) {
            if (i - start >= 15)
                return fail(pk, WSC_SIO_E_ACK_ID);
            id = id * 10u + (uint64_t)(p[i] - '0');
            i++;
        }
        pk->has_ack = 1;
        pk->ack_id = id;
        pk->ack_off = start;
        pk->ack_len = i - start;
    }
    return sio_payload(p, n, i, pk);
}

const char *wsc_sio_error_str(int error)
{
    switch (error) {
    case WSC_SIO_OK: return "no error";
    case WSC_SIO_E_EMPTY: return "empty message";
    case WSC_SIO_E_EIO_TYPE: return "first byte is not an Engine.IO packet type (0-6)";
    case WSC_SIO_E_SIO_TYPE: return "Engine.IO message without a Socket.IO packet type (0-6)";
    case WSC_SIO_E_ATTACHMENTS: return "binary packet without a valid attachment count (<digits>-, at most 1000)";
    case WSC_SIO_E_ACK_ID: return "ack id longer than 15 digits";
    case WSC_SIO_E_JSON: return "payload is not valid JSON";
    case WSC_SIO_E_PAYLOAD: return "payload of the wrong kind for the packet type";
    default: return "unknown error";
    }
}
