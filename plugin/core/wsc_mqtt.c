/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * wsc_mqtt.c: the strict MQTT checks of wsc_mqtt.h (OASIS MQTT 3.1.1 sections 2.2 and
 * 3.1, MQTT 5.0 sections 1.5, 2.2, 3.1 and 3.2; IBM MQTT 3.1 for "MQIsdp"). A reader
 * over a bounded buffer: every field is taken only when it lies inside what is left.
 */
#include "wsc_mqtt.h"

#include <string.h>

#include "wsc_utf8.h"

/* A bounded reader: pos never passes end; ok turns 0 at the first field that does not fit. */
typedef struct {
    const uint8_t *p;
    size_t pos, end;
    int ok;
} rd;

static unsigned rd_u8(rd *r)
{
    if (!r->ok || r->pos >= r->end) {
        r->ok = 0;
        return 0;
    }
    return r->p[r->pos++];
}

static unsigned rd_u16(rd *r)
{
    unsigned hi = rd_u8(r);
    unsigned lo = rd_u8(r);
    return (hi << 8) | lo;
}

/* A variable byte integer (at most 4 bytes, minimal). */
static uint32_t rd_varint(rd *r)
{
    uint32_t v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        unsigned b = rd_u8(r);
        if (!r->ok)
            return 0;
        v |= (uint32_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            if (i > 0 && b == 0)
                r->ok = 0;   /* a trailing zero byte: not the minimal encoding */
            return v;
        }
    }
    r->ok = 0;
    return 0;
}

/* Skips n bytes; returns where they begin. */
static const uint8_t *rd_skip(rd *r, size_t n)
{
    const uint8_t *at = r->p + r->pos;

    if (!r->ok || r->end - r->pos < n) {
        r->ok = 0;
        return NULL;
    }
    r->pos += n;
    return at;
}

/* Binary data: a two-byte length and the bytes. */
static void rd_binary(rd *r)
{
    rd_skip(r, rd_u16(r));
}

/* A UTF-8 string: a two-byte length, valid UTF-8 without U+0000. */
static void rd_string(rd *r)
{
    size_t len = rd_u16(r);
    const uint8_t *s = rd_skip(r, len);
    uint64_t bad;

    if (s && (!wsc_utf8_validate(s, len, &bad) || memchr(s, 0, len) != NULL))
        r->ok = 0;
}

/* Properties (level 5): their length, and that many bytes. The properties themselves
 * are not parsed: their length must fit, which is what places what follows. */
static void rd_properties(rd *r)
{
    uint32_t len = rd_varint(r);
    rd_skip(r, len);
}

int wsc_mqtt_fixed_header(const uint8_t *p, size_t n, uint32_t *remaining)
{
    rd r = {p, 0, n, 1};
    uint32_t v;

    if (n < 1)
        return -1;
    if ((p[0] >> 4) == 0)
        return 0;
    r.pos = 1;
    v = rd_varint(&r);
    if (!r.ok) {
        /* Out of bytes, or a bad length? A length runs 4 bytes at most. */
        size_t i;
        for (i = 1; i < n && i < 5; i++)
            if (!(p[i] & 0x80))
                return 0;   /* it ended inside the buffer, so it was bad */
        return n < 5 ? -1 : 0;
    }
    *remaining = v;
    return (int)r.pos;
}

int wsc_mqtt_whole_packets(const uint8_t *p, size_t n)
{
    size_t pos = 0;

    if (n == 0)
        return 0;
    while (pos < n) {
        uint32_t rl = 0;
        int h = wsc_mqtt_fixed_header(p + pos, n - pos, &rl);
        if (h <= 0 || rl > n - pos - (size_t)h)
            return 0;
        pos += (size_t)h + rl;
    }
    return 1;
}

/* The packet at p of first byte want: its fixed header read; the reader r bounded by its
 * end. 0 when the first byte differs, the header is bad, the packet does not fit, or
 * what follows it is not whole MQTT packets. */
static int packet_start(const uint8_t *p, size_t n, unsigned want, rd *r)
{
    uint32_t rl = 0;
    int h;
    size_t total;

    if (n < 2 || p[0] != want)
        return 0;
    h = wsc_mqtt_fixed_header(p, n, &rl);
    if (h <= 0 || rl > n - (size_t)h)
        return 0;
    total = (size_t)h + rl;
    if (total < n && !wsc_mqtt_whole_packets(p + total, n - total))
        return 0;
    r->p = p;
    r->pos = (size_t)h;
    r->end = total;
    r->ok = 1;
    return 1;
}

int wsc_mqtt_connect_check(const uint8_t *p, size_t n)
{
    rd r;
    const uint8_t *name;
    size_t name_len;
    unsigned level, flags, will, will_qos;

    if (!packet_start(p, n, 0x10, &r))
        return 0;
    name_len = rd_u16(&r);
    name = rd_skip(&r, name_len);
    level = rd_u8(&r);
    flags = rd_u8(&r);
    (void)rd_u16(&r);   /* keep alive: any value */
    if (!r.ok)
        return 0;
    if (name_len == 4 && memcmp(name, "MQTT", 4) == 0) {
        if (level != WSC_MQTT_V311 && level != WSC_MQTT_V5)
            return 0;
    } else if (name_len == 6 && memcmp(name, "MQIsdp", 6) == 0) {
        if (level != WSC_MQTT_V31)
            return 0;
    } else {
        return 0;
    }
    if (flags & 0x01)
        return 0;   /* reserved */
    will = flags & 0x04;
    will_qos = (flags >> 3) & 0x03;
    if (will_qos == 3 || (!will && (will_qos || (flags & 0x20))))
        return 0;
    if (level < WSC_MQTT_V5 && (flags & 0x40) && !(flags & 0x80))
        return 0;   /* a password without a user name */
    if (level == WSC_MQTT_V5)
        rd_properties(&r);
    rd_string(&r);   /* client identifier */
    if (will) {
        if (level == WSC_MQTT_V5)
            rd_properties(&r);
        rd_string(&r);   /* Will topic */
        rd_binary(&r);   /* Will message */
    }
    if (flags & 0x80)
        rd_string(&r);   /* user name */
    if (flags & 0x40)
        rd_binary(&r);   /* password */
    if (!r.ok || r.pos != r.end)
        return 0;
    return (int)level;
}

int wsc_mqtt_connack_check(const uint8_t *p, size_t n, int level)
{
    rd r;
    unsigned flags, code;

    if (level < WSC_MQTT_V31 || level > WSC_MQTT_V5 || !packet_start(p, n, 0x20, &r))
        return 0;
    flags = rd_u8(&r);
    code = rd_u8(&r);
    if (!r.ok || flags > 1)
        return 0;
    if (level == WSC_MQTT_V5) {
        if (code != 0 && code < 0x80)
            return 0;   /* success is 0, every failure 0x80 or more */
        rd_properties(&r);
    } else if (code > 5) {
        return 0;
    }
    return r.ok && r.pos == r.end;
}
