/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-sub-mqtt.c: MQTT over WebSocket (MQTT 3.1.1 and 5.0, section 6: binary messages,
 * subprotocol "mqtt"; "mqttv3.1" for MQTT 3.1). It owns what the plugin knows of MQTT:
 * Wireshark's own MQTT dissector, found at handoff and offered for Decode As in our
 * ws.tcp.port table (ws_mqtt_register_handoff); a conversation's MQTT state
 * (ws_conv_t.mqtt), written on the first pass only (ws_mqtt_observe, called by
 * ws-message.c for every whole one-frame message): a client's message that passes the
 * core's strict CONNECT check (core/wsc_mqtt.c) makes the conversation MQTT from that
 * packet on, both directions, unless the server's next message is not the matching
 * CONNACK (then not from that message on); and the hand-over (ws_mqtt_try, called
 * first by ws-deliver.c for every decoded message): Decode As mqtt hands every message
 * of the port; else, unless another Decode As was chosen or the built-in's ws.protocol
 * table has a dissector for the subprotocol, a binary message of whole MQTT packets
 * goes to mqtt when the captured handshake negotiated "mqtt" or "mqttv3.1", or when the
 * state says so. Everything else is left to the other dissectors: a message that
 * splits an MQTT packet is not handed over (packets that span messages are not
 * reassembled here). mqtt learns the protocol level (3.1.1 or 5) from the CONNECT it
 * dissects; when the first pass hands it messages of a conversation whose CONNECT it
 * has not seen (taken before the conversation was recognised), it is first shown a
 * copy of that CONNECT without a tree.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/column-utils.h>

#include "ws-int.h"
#include "core/wsc_mqtt.h"

/* The largest CONNECT kept to show mqtt later (a CONNECT with a large Will message is
 * rare; without the copy, mqtt assumes its preference's protocol level). */
#define WS_MQTT_KEEP_CONNECT 65536

struct ws_mqtt_conv {
    guint32 connect_frame;  /* the packet of the client's CONNECT */
    guint32 refuted_frame;  /* the server's first message after it, if no CONNACK; else 0 */
    guint8 level;           /* the CONNECT's protocol level: 3, 4, 5 */
    gboolean answered;      /* the server's first message after the CONNECT was seen */
    gboolean primed;        /* the first pass has handed mqtt a message of the conversation */
    const guint8 *connect;  /* a copy of the CONNECT (NULL if larger than WS_MQTT_KEEP_CONNECT) */
    guint connect_len;
};

static dissector_handle_t mqtt_handle; /* Wireshark's "mqtt" */

/* mqtt reads its messages with tcp_dissect_pdus: it must not ask TCP for more bytes
 * (our message is all there is), so it gets no desegmentation. */
static void ws_mqtt_call(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    guint16 saved = pinfo->can_desegment;

    pinfo->can_desegment = 0;
    call_dissector(mqtt_handle, tvb, pinfo, tree);
    pinfo->can_desegment = saved;
}

/* mqtt itself is offered for Decode As (ws.tcp.port == PORT, mqtt); ws_mqtt_try calls
 * it when chosen, before the table would. */
void ws_mqtt_register_handoff(void)
{
    mqtt_handle = find_dissector("mqtt");
    if (mqtt_handle)
        dissector_add_for_decode_as("ws.tcp.port", mqtt_handle);
}

void ws_mqtt_observe(ws_conv_t *st, packet_info *pinfo, const wsc_frame_header *hdr, const guint8 *payload,
                     guint len)
{
    struct ws_mqtt_conv *mc = st->mqtt;
    int level;

    if (PINFO_FD_VISITED(pinfo) || !mqtt_handle || hdr->opcode != WSC_OP_BINARY || (len && !payload))
        return;
    if (hdr->masked) {
        /* The client (the side that masks). Its first CONNECT decides. */
        if (mc || !(level = wsc_mqtt_connect_check(payload, len)))
            return;
        mc = wmem_new0(wmem_file_scope(), struct ws_mqtt_conv);
        mc->connect_frame = pinfo->num;
        mc->level = (guint8)level;
        if (len <= WS_MQTT_KEEP_CONNECT) {
            mc->connect = (const guint8 *)wmem_memdup(wmem_file_scope(), payload, len);
            mc->connect_len = len;
        }
        st->mqtt = mc;
    } else if (mc && !mc->answered && pinfo->num >= mc->connect_frame) {
        /* The server's first message after the CONNECT: a broker answers with CONNACK. */
        mc->answered = TRUE;
        if (!wsc_mqtt_connack_check(payload, len, mc->level))
            mc->refuted_frame = pinfo->num;
    }
}

static gboolean ws_mqtt_subprotocol(const char *name)
{
    return name && (g_ascii_strcasecmp(name, "mqtt") == 0 || g_ascii_strcasecmp(name, "mqttv3.1") == 0);
}

/*
 * The first pass hands mqtt a message of a conversation whose CONNECT it has not seen:
 * it is shown the CONNECT first, so that it knows the protocol level; without a tree,
 * the columns not writable, and the protocol layers it adds to the packet's list
 * (frame.protocols) taken off again, as if it had not been called.
 */
static void ws_mqtt_prime(tvbuff_t *tvb, packet_info *pinfo, struct ws_mqtt_conv *mc)
{
    gboolean writable;
    tvbuff_t *ctvb;
    guint layers = wmem_list_count(pinfo->layers);
    guint8 layer_num = pinfo->curr_layer_num, proto_layer_num = pinfo->curr_proto_layer_num;

    mc->primed = TRUE;
    if (pinfo->num == mc->connect_frame || !mc->connect)
        return;
    ctvb = tvb_new_child_real_data(tvb, mc->connect, mc->connect_len, mc->connect_len);
    writable = col_get_writable(pinfo->cinfo, -1);
    col_set_writable(pinfo->cinfo, -1, FALSE);
    ws_mqtt_call(ctvb, pinfo, NULL);
    col_set_writable(pinfo->cinfo, -1, writable);
    while (wmem_list_count(pinfo->layers) > layers) {
        wmem_list_frame_t *last = wmem_list_tail(pinfo->layers);
        int *n = pinfo->proto_layers ? (int *)wmem_map_lookup(pinfo->proto_layers, wmem_list_frame_data(last)) : NULL;
        if (n && *n > 0)
            (*n)--;
        wmem_list_remove_frame(pinfo->layers, last);
    }
    pinfo->curr_layer_num = layer_num;
    pinfo->curr_proto_layer_num = proto_layer_num;
}

gboolean ws_mqtt_try(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st, guint32 server_port,
                     guint8 opcode)
{
    struct ws_mqtt_conv *mc = st ? st->mqtt : NULL;
    dissector_handle_t chosen = server_port && ws_decode_as_table ?
        dissector_get_uint_handle(ws_decode_as_table, server_port) : NULL;
    guint len = tvb_captured_length(tvb);

    if (!mqtt_handle)
        return FALSE;
    if (chosen == mqtt_handle) {
        /* Decode As: every message of the port, as the user asks. */
        ws_mqtt_call(tvb, pinfo, tree);
        return TRUE;
    }
    /* Another Decode As, or the built-in's table knows the subprotocol: theirs. */
    if (chosen || !st || opcode != WSC_OP_BINARY || len != tvb_reported_length(tvb) ||
        (st->subprotocol && ws_protocol_table && dissector_get_string_handle(ws_protocol_table, st->subprotocol)))
        return FALSE;
    if (!ws_mqtt_subprotocol(st->subprotocol) &&
        (!mc || pinfo->num < mc->connect_frame || (mc->refuted_frame && pinfo->num >= mc->refuted_frame)))
        return FALSE;
    /* Only whole MQTT packets: a piece of one would be shown as a broken packet. */
    if (!wsc_mqtt_whole_packets(tvb_get_ptr(tvb, 0, (gint)len), len))
        return FALSE;
    if (mc && !mc->primed && !PINFO_FD_VISITED(pinfo))
        ws_mqtt_prime(tvb, pinfo, mc);
    ws_mqtt_call(tvb, pinfo, tree);
    return TRUE;
}
