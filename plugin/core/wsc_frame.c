/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * WebSocket frame header codec, RFC 6455 section 5.2.
 */
#include "wsc_frame.h"

unsigned wsc_frame_header_len(uint8_t b0, uint8_t b1)
{
    unsigned n = 2;
    unsigned len7 = b1 & WSC_B1_LEN7;

    (void)b0;
    if (len7 == 126)
        n += 2;
    else if (len7 == 127)
        n += 8;
    if (b1 & WSC_B1_MASK)
        n += 4;
    return n;
}

int wsc_frame_parse_header(const uint8_t *buf, size_t len, wsc_frame_header *hdr, size_t *need)
{
    unsigned hlen;
    unsigned pos = 2;
    uint64_t plen;

    if (len < 2) {
        if (need)
            *need = 2;
        return WSC_PARSE_NEED_MORE;
    }
    hlen = wsc_frame_header_len(buf[0], buf[1]);
    if (len < hlen) {
        if (need)
            *need = hlen;
        return WSC_PARSE_NEED_MORE;
    }

    hdr->fin = (uint8_t)((buf[0] & WSC_B0_FIN) ? 1 : 0);
    hdr->rsv = (uint8_t)((buf[0] & WSC_B0_RSV) >> 4);
    hdr->opcode = (uint8_t)(buf[0] & WSC_B0_OPCODE);
    hdr->masked = (uint8_t)((buf[1] & WSC_B1_MASK) ? 1 : 0);
    hdr->len7 = (uint8_t)(buf[1] & WSC_B1_LEN7);
    hdr->header_len = (uint8_t)hlen;

    if (hdr->len7 == 126) {
        plen = ((uint64_t)buf[2] << 8) | buf[3];
        pos = 4;
    } else if (hdr->len7 == 127) {
        /* RFC 6455 5.2: the most significant bit of the 64-bit length MUST be 0. */
        if (buf[2] & 0x80u)
            return WSC_PARSE_ERR_LEN64_MSB;
        plen = 0;
        for (pos = 2; pos < 10; pos++)
            plen = (plen << 8) | buf[pos];
    } else {
        plen = hdr->len7;
    }
    hdr->payload_len = plen;

    if (hdr->masked) {
        hdr->mask_key[0] = buf[pos];
        hdr->mask_key[1] = buf[pos + 1];
        hdr->mask_key[2] = buf[pos + 2];
        hdr->mask_key[3] = buf[pos + 3];
    } else {
        hdr->mask_key[0] = hdr->mask_key[1] = hdr->mask_key[2] = hdr->mask_key[3] = 0;
    }
    if (need)
        *need = hlen;
    return (int)hlen;
}

unsigned wsc_frame_violations(const wsc_frame_header *hdr, int rsv1_allowed)
{
    unsigned v = 0;
    int control = wsc_opcode_is_control(hdr->opcode);

    if (hdr->rsv & 0x3u)
        v |= WSC_V_RSV23;
    if (hdr->rsv & 0x4u) {
        /* RFC 7692 6: a control frame never has RSV1 set, whatever was negotiated. */
        if (control)
            v |= WSC_V_RSV1_ON_CONTROL;
        else if (!rsv1_allowed)
            v |= WSC_V_RSV1;
    }
    if (wsc_opcode_name(hdr->opcode) == NULL)
        v |= WSC_V_RESERVED_OPCODE;
    if (control) {
        /* RFC 6455 5.5: control frames MUST NOT be fragmented and carry <= 125 bytes. */
        if (!hdr->fin)
            v |= WSC_V_CONTROL_FRAGMENTED;
        if (hdr->payload_len > WSC_MAX_CONTROL_PAYLOAD)
            v |= WSC_V_CONTROL_TOO_LONG;
    }
    if ((hdr->len7 == 126 && hdr->payload_len < 126) ||
        (hdr->len7 == 127 && hdr->payload_len <= 0xFFFFu))
        v |= WSC_V_NON_MINIMAL_LEN;
    return v;
}

const char *wsc_opcode_name(uint8_t opcode)
{
    switch (opcode) {
    case WSC_OP_CONTINUATION: return "Continuation";
    case WSC_OP_TEXT: return "Text";
    case WSC_OP_BINARY: return "Binary";
    case WSC_OP_CLOSE: return "Close";
    case WSC_OP_PING: return "Ping";
    case WSC_OP_PONG: return "Pong";
    default: return NULL;
    }
}

int wsc_close_code_valid(uint16_t code)
{
    /* RFC 6455 7.4.1/7.4.2 and the IANA registry: 1004, 1005, 1006 and 1015 are
     * reserved and MUST NOT be sent; below 1000 is unused; 1016-2999 are for
     * future RFCs (not yet assigned); 3000-4999 are registered or private. */
    if (code >= 3000 && code <= 4999)
        return 1;
    if (code >= 1000 && code <= 1014)
        return code != 1004 && code != 1005 && code != 1006;
    return 0;
}

/* Appends s to buf[*n..cap), keeping room for the NUL. */
static void wsc_append(char *buf, size_t cap, size_t *n, const char *s)
{
    while (*s && *n + 1 < cap)
        buf[(*n)++] = *s++;
}

size_t wsc_frame_summary(char *buf, size_t cap, const wsc_frame_header *hdr)
{
    const char *name = wsc_opcode_name(hdr->opcode);
    char digits[21];
    size_t n = 0;
    int k = 20;
    uint64_t v = hdr->payload_len;

    if (cap == 0)
        return 0;
    wsc_append(buf, cap, &n, name ? name : "Reserved");
    if (hdr->fin)
        wsc_append(buf, cap, &n, " [FIN]");
    if (hdr->rsv & 0x4u)
        wsc_append(buf, cap, &n, " [RSV1]");
    if (hdr->masked)
        wsc_append(buf, cap, &n, " [MASKED]");
    wsc_append(buf, cap, &n, " len=");
    digits[20] = '\0';
    do {
        digits[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    wsc_append(buf, cap, &n, digits + k);
    buf[n] = '\0';
    return n;
}
