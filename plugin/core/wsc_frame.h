/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * WebSocket frame header codec (RFC 6455 section 5.2).
 * Pure C over byte buffers: no allocation, no globals, no epan.
 */
#ifndef WSC_FRAME_H
#define WSC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest possible header: 2 fixed + 8 extended length + 4 masking key. */
#define WSC_MAX_HEADER_LEN 14u
/* RFC 6455 5.5: control frames carry at most 125 payload bytes. */
#define WSC_MAX_CONTROL_PAYLOAD 125u

enum wsc_opcode {
    WSC_OP_CONTINUATION = 0x0,
    WSC_OP_TEXT = 0x1,
    WSC_OP_BINARY = 0x2,
    WSC_OP_CLOSE = 0x8,
    WSC_OP_PING = 0x9,
    WSC_OP_PONG = 0xA
};

/* Bits of byte 0 and byte 1 of every frame. */
#define WSC_B0_FIN 0x80u
#define WSC_B0_RSV1 0x40u
#define WSC_B0_RSV2 0x20u
#define WSC_B0_RSV3 0x10u
#define WSC_B0_RSV 0x70u
#define WSC_B0_OPCODE 0x0Fu
#define WSC_B1_MASK 0x80u
#define WSC_B1_LEN7 0x7Fu

typedef struct wsc_frame_header {
    uint8_t fin;            /* 0 or 1 */
    uint8_t rsv;            /* 3 bits: RSV1 = 4, RSV2 = 2, RSV3 = 1 */
    uint8_t opcode;         /* 4 bits */
    uint8_t masked;         /* 0 or 1 */
    uint8_t len7;           /* the 7-bit length field as sent (0..127) */
    uint8_t header_len;     /* 2..14 */
    uint8_t mask_key[4];    /* valid when masked */
    uint64_t payload_len;   /* effective payload length, always < 2^63 */
} wsc_frame_header;

/* Result of wsc_frame_parse_header(): > 0 is the number of header bytes consumed. */
#define WSC_PARSE_NEED_MORE 0
#define WSC_PARSE_ERR_LEN64_MSB (-1) /* RFC 6455 5.2: the most significant bit MUST be 0 */

/* Number of header bytes announced by the first two bytes (2..14). */
unsigned wsc_frame_header_len(uint8_t b0, uint8_t b1);

/*
 * Parses one frame header from buf[0..len).
 * Returns the header length (> 0) and fills *hdr, WSC_PARSE_NEED_MORE when buf
 * holds less than a whole header (then *need, if not NULL, gets the number of
 * header bytes required, or 2 when even the first two are missing), or a
 * negative WSC_PARSE_ERR_* code. Never reads past buf[len - 1].
 */
int wsc_frame_parse_header(const uint8_t *buf, size_t len, wsc_frame_header *hdr, size_t *need);

/* Total frame length (header + payload). Cannot overflow: payload_len < 2^63. */
static inline uint64_t wsc_frame_total_len(const wsc_frame_header *hdr)
{
    return (uint64_t)hdr->header_len + hdr->payload_len;
}

static inline int wsc_opcode_is_control(uint8_t opcode)
{
    return (opcode & 0x8u) != 0;
}

/* Violations of RFC 6455 that a well-formed header can still carry. */
enum wsc_violation {
    WSC_V_RSV1 = 1u << 0,            /* RSV1 without an extension that allows it */
    WSC_V_RSV23 = 1u << 1,           /* RSV2 or RSV3 set (no registered extension uses them) */
    WSC_V_RESERVED_OPCODE = 1u << 2, /* 0x3-0x7, 0xB-0xF */
    WSC_V_CONTROL_FRAGMENTED = 1u << 3,
    WSC_V_CONTROL_TOO_LONG = 1u << 4,
    WSC_V_NON_MINIMAL_LEN = 1u << 5, /* RFC 6455 5.2: "the minimal number of bytes MUST be used" */
    WSC_V_RSV1_ON_CONTROL = 1u << 6  /* RFC 7692 6: RSV1 only on the first frame of a data message */
};

/*
 * Checks a parsed header against RFC 6455 section 5. rsv1_allowed says whether an
 * extension (permessage-deflate) may set RSV1 on data frames.
 * Returns a mask of enum wsc_violation, 0 when the header is clean.
 */
unsigned wsc_frame_violations(const wsc_frame_header *hdr, int rsv1_allowed);

/* Name of an opcode, or NULL for a reserved one. */
const char *wsc_opcode_name(uint8_t opcode);

/* RFC 6455 7.4: may this close code appear on the wire? */
int wsc_close_code_valid(uint16_t code);

/* Room that wsc_frame_summary() needs for any header: "Continuation [FIN] [RSV1]
 * [MASKED] len=" (39) + 20 digits + NUL, rounded up. */
#define WSC_SUMMARY_LEN 64

/*
 * One line for people: "Text [FIN] [RSV1] [MASKED] len=83" (opcode name or
 * "Reserved", the flags that are set, the payload length). Writes at most cap bytes
 * (NUL included; cut short if cap < WSC_SUMMARY_LEN) and returns the string's length.
 */
size_t wsc_frame_summary(char *buf, size_t cap, const wsc_frame_header *hdr);

#ifdef __cplusplus
}
#endif
#endif
