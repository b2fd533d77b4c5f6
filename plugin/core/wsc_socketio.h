/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The Engine.IO 4 / Socket.IO 5 text packet grammar (what npm socket.io and
 * socket.io-client 4 send over WebSocket), over one whole text message:
 *
 *   <eio type>[<eio data>]                    eio type: a digit 0..6
 *   4<sio type>[<n>-][/<namespace>,][<ack id>][<JSON>]   an Engine.IO message
 *                                             holding a Socket.IO packet
 *
 * and a strict JSON (RFC 8259) validator of bounded depth, with the few lookups
 * the grammar needs (first element of an array, a key of an object, unescaping
 * a string). Plain C over byte buffers: no allocation, no recursion deeper than
 * WSC_JSON_MAX_DEPTH, work linear in the input.
 */
#ifndef WSC_SOCKETIO_H
#define WSC_SOCKETIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Engine.IO packet types (engine.io-parser 5, protocol 4). */
enum {
    WSC_EIO_OPEN = 0, WSC_EIO_CLOSE = 1, WSC_EIO_PING = 2, WSC_EIO_PONG = 3,
    WSC_EIO_MESSAGE = 4, WSC_EIO_UPGRADE = 5, WSC_EIO_NOOP = 6
};

/* Socket.IO packet types (socket.io-parser 4, protocol 5). */
enum {
    WSC_SIO_CONNECT = 0, WSC_SIO_DISCONNECT = 1, WSC_SIO_EVENT = 2, WSC_SIO_ACK = 3,
    WSC_SIO_CONNECT_ERROR = 4, WSC_SIO_BINARY_EVENT = 5, WSC_SIO_BINARY_ACK = 6
};

/* Why a message does not fit the grammar (wsc_sio_packet.error). */
enum {
    WSC_SIO_OK = 0,
    WSC_SIO_E_EMPTY,        /* no bytes */
    WSC_SIO_E_EIO_TYPE,     /* first byte is not an Engine.IO type digit 0..6 */
    WSC_SIO_E_SIO_TYPE,     /* Engine.IO message without a Socket.IO type digit 0..6 */
    WSC_SIO_E_ATTACHMENTS,  /* BINARY_*: no "<digits>-", or more digits than any count has */
    WSC_SIO_E_ACK_ID,       /* ack id longer than 15 digits (beyond what JavaScript holds exactly) */
    WSC_SIO_E_JSON,         /* payload is not valid JSON */
    WSC_SIO_E_PAYLOAD       /* valid JSON of the wrong kind for the packet type */
};

/* Attachment counts above this are not believed (the count comes from the wire). */
#define WSC_SIO_MAX_ATTACHMENTS 1000u
/* Nesting of JSON arrays and objects accepted. */
#define WSC_JSON_MAX_DEPTH 64u

/* JSON value kinds (first byte of the value). */
enum { WSC_JSON_NONE = 0, WSC_JSON_OBJECT, WSC_JSON_ARRAY, WSC_JSON_STRING, WSC_JSON_NUMBER, WSC_JSON_LITERAL };

typedef struct {
    int error;              /* WSC_SIO_OK or WSC_SIO_E_*; the fields below are set as far as parsed */
    int eio_type;           /* -1 if none */
    int sio_type;           /* -1: not an Engine.IO message, or no Socket.IO type */
    int has_attachments;    /* BINARY_EVENT, BINARY_ACK */
    uint32_t attachments;   /* their count as sent (may exceed WSC_SIO_MAX_ATTACHMENTS: then error) */
    size_t ns_off, ns_len;  /* "/name" span; ns_len 0: the default namespace "/" */
    int has_ack;
    uint64_t ack_id;
    size_t ack_off, ack_len;
    size_t data_off, data_len; /* Engine.IO data (types other than message), or the Socket.IO JSON */
    int json_kind;          /* WSC_JSON_*, of the Socket.IO JSON (NONE when there is none) */
    int has_event;          /* EVENT, BINARY_EVENT: first element of the array is a string */
    size_t event_off, event_len; /* its bytes between the quotes, escapes included */
    int event_escaped;      /* it contains backslash escapes: wsc_json_unescape() gives the text */
} wsc_sio_packet;

/*
 * Parses one text message. Returns 1 when it fits the grammar: an Engine.IO type
 * digit; for a message (4), a Socket.IO packet whose JSON is valid and of the kind
 * its type takes (CONNECT: object or none; DISCONNECT: none; EVENT, BINARY_EVENT:
 * array whose first element is a string or number; ACK, BINARY_ACK: array;
 * CONNECT_ERROR: object or string). Else 0 with pk->error set. An Engine.IO message
 * whose data is not a Socket.IO packet is an error (sio packets are all this
 * grammar knows).
 */
int wsc_sio_parse(const uint8_t *p, size_t n, wsc_sio_packet *pk);

/* Name of an error code, for expert infos. */
const char *wsc_sio_error_str(int error);

/* 1 when p[0..n) is exactly one JSON value (surrounding white space allowed). */
int wsc_json_validate(const uint8_t *p, size_t n);

/* Kind of the JSON value p[0..n) starts with (after white space). */
int wsc_json_kind(const uint8_t *p, size_t n);

/*
 * Of a valid JSON object p[0..n): the value of its top-level member named key
 * (klen bytes, compared with the raw, escaped member name). Returns 1 and the
 * value's span, strings without their quotes; 0 if absent or p is not an object.
 */
int wsc_json_member(const uint8_t *p, size_t n, const char *key, size_t klen, size_t *voff, size_t *vlen, int *kind);

/*
 * Unescapes the contents of a valid JSON string (the bytes between the quotes)
 * into dst, which must hold n bytes (the result is never longer). Lone UTF-16
 * surrogates become U+FFFD. Returns the length written.
 */
size_t wsc_json_unescape(const uint8_t *s, size_t n, uint8_t *dst);

#ifdef __cplusplus
}
#endif
#endif
