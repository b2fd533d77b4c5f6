/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Recognising MQTT (3.1, 3.1.1, 5.0) in a WebSocket message without the handshake:
 * strict checks of the first packets a client and a server send (CONNECT, CONNACK),
 * and a walk over a buffer that should hold whole MQTT control packets. Plain C over
 * byte buffers; reads only inside [p, p + n), allocates nothing.
 */
#ifndef WSC_MQTT_H
#define WSC_MQTT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Protocol levels (the byte after the protocol name in CONNECT). */
#define WSC_MQTT_V31 3   /* "MQIsdp" */
#define WSC_MQTT_V311 4  /* "MQTT" */
#define WSC_MQTT_V5 5    /* "MQTT" */

/*
 * The fixed header of the packet at p: the Remaining Length (a variable byte integer of
 * at most 4 bytes, minimally encoded) after the first byte. Returns the header's length
 * (2 to 5) and sets *remaining, 0 when the bytes cannot start a packet (first byte of
 * type 0, a bad or non-minimal length) and -1 when more bytes are needed to tell.
 */
int wsc_mqtt_fixed_header(const uint8_t *p, size_t n, uint32_t *remaining);

/*
 * 1 when p holds nothing but whole MQTT control packets (at least one), each with a
 * valid fixed header and a type other than 0; else 0.
 */
int wsc_mqtt_whole_packets(const uint8_t *p, size_t n);

/*
 * A strict CONNECT check: the first packet of p is a CONNECT (first byte 0x10) whose
 * every field is where and what the specification says it is: protocol name "MQTT"
 * with level 4 or 5, or "MQIsdp" with level 3; the reserved connect flag clear; no Will
 * QoS or Will Retain without the Will flag, no Will QoS 3, no password without a user
 * name below level 5; the properties (level 5), client identifier, Will properties,
 * topic and message, user name and password filling the Remaining Length exactly; the
 * strings valid UTF-8 without U+0000. The packet must fill p exactly, or be followed by
 * whole MQTT packets only. Returns the protocol level (3, 4, 5), 0 when not a CONNECT.
 */
int wsc_mqtt_connect_check(const uint8_t *p, size_t n);

/*
 * A strict CONNACK check for a server that was sent a CONNECT of the given level:
 * first byte 0x20; level 3 and 4: Remaining Length 2, acknowledge flags 0 or 1, return
 * code 0 to 5; level 5: flags 0 or 1, a reason code, properties filling the Remaining
 * Length exactly. Followed by whole MQTT packets only, as for CONNECT. 1 or 0.
 */
int wsc_mqtt_connack_check(const uint8_t *p, size_t n, int level);

#ifdef __cplusplus
}
#endif
#endif
