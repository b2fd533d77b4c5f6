/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-deliver.c: a message shown and handed on. For a frame that completes a message
 * (ws_show_message) or is one by itself (ws_show_lone): the message subtree (opcode,
 * length, frames, compression, whether it was decoded), the reassembled or decompressed
 * bytes as a data source, the text, and the dissector that gets the message: the
 * subprotocol's (the built-in's ws.protocol table, by the captured
 * Sec-WebSocket-Protocol), the server port's (ws.port), the "ws" heuristic list, else
 * JSON, line-based text or data. It reads what ws-message.c recorded and never changes
 * state.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <inttypes.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-tcp.h>
#include <wsutil/wsjson.h>
#include <epan/decode_as.h>
#include <epan/proto_data.h>
#include <epan/exceptions.h>

#include "ws-int.h"
#include "core/wsc_utf8.h"

/*
 * Text to the line-based text dissector. One tree item per line: of a text of
 * megabytes only the beginning is shown line by line (ws.text and the data source
 * hold all of it).
 */
void ws_call_text_lines(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    guint len = tvb_reported_length(tvb);

    if (len == 0 || !text_lines_handle)
        return;
    call_dissector(text_lines_handle, ws_pref_text_lines_max && len > ws_pref_text_lines_max ?
                   tvb_new_subset_length(tvb, 0, ws_pref_text_lines_max) : tvb, pinfo, tree);
}

/* The message being handed on, while it is (dissection runs on one thread at a time):
 * a pointer to a record on the stack, no allocation and no proto data list per message
 * (+0.5 % of a small-message run's instructions with them, docs/performance.md). */
static const ws_msg_info_t *ws_cur_msg;

/* The record of the message being handed on (ws-int.h), if tvb is that message. */
const ws_msg_info_t *ws_msg_info(packet_info *pinfo _U_, tvbuff_t *tvb)
{
    const ws_msg_info_t *mi = ws_cur_msg;

    return mi && tvb && mi->len == tvb_reported_length(tvb) ? mi : NULL;
}

static void ws_try_message_dissectors(tvbuff_t *mtvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st,
                                      guint32 server_port, guint8 opcode);

/*
 * Hands a whole message to the dissector that knows its contents, with its record
 * (ws_msg_info) set for the time of the call. An empty message goes to Socket.IO alone
 * (an empty binary attachment is part of its grammar), never to the ws.protocol,
 * ws.port and "ws" list users: the built-in hands them none either.
 */
static void ws_call_message_dissector(tvbuff_t *mtvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st,
                                      int dir, guint8 opcode)
{
    guint len = tvb_reported_length(mtvb);
    guint32 server_port = 0;
    int masked = st ? ws_expected_mask(st, dir) : -1;
    ws_msg_info_t mi;
    const ws_msg_info_t *outer = ws_cur_msg;

    /* The server is the side that does not mask (RFC 6455 5.1). */
    if (st && st->masked[dir] >= 0)
        server_port = st->masked[dir] ? pinfo->destport : pinfo->srcport;
    mi.opcode = opcode;
    mi.from_client = (gint8)masked;
    mi.len = len;
    /* (A message inside a message, WebSocket in WebSocket: the outer record comes back.) */
    ws_cur_msg = &mi;
    TRY {
        if (len == 0)
            ws_sio_empty(mtvb, pinfo, tree, server_port);
        else
            ws_try_message_dissectors(mtvb, pinfo, tree, st, server_port, opcode);
    }
    FINALLY {
        /* Also when a dissector threw: no one else finds the record. */
        ws_cur_msg = outer;
    }
    ENDTRY;
}

static void ws_try_message_dissectors(tvbuff_t *mtvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st,
                                      guint32 server_port, guint8 opcode)
{
    guint len = tvb_reported_length(mtvb);

    /* MQTT (ws-sub-mqtt.c), in the order below: Decode As mqtt, then (no other Decode As,
     * no entry in ws.protocol) the subprotocol or the client's CONNECT. */
    if (ws_mqtt_try(mtvb, pinfo, tree, st, server_port, opcode))
        return;
    /* What the user chose with Decode As comes first; it needs to know the server. */
    if (server_port && ws_decode_as_table &&
        dissector_try_uint(ws_decode_as_table, server_port, mtvb, pinfo, tree))
        return;
    if (st && st->subprotocol && ws_protocol_table &&
        ws_dissector_try_string(ws_protocol_table, st->subprotocol, mtvb, pinfo, tree))
        return;
    if (server_port && ws_port_table && dissector_try_uint(ws_port_table, server_port, mtvb, pinfo, tree))
        return;
    if (ws_heur_list) {
        heur_dtbl_entry_t *hdtbl_entry;
        if (dissector_try_heuristic(ws_heur_list, mtvb, pinfo, tree, &hdtbl_entry, NULL))
            return;
    }
    if (opcode == WSC_OP_TEXT) {
        gboolean as_json = ws_pref_text_as == WS_TEXT_JSON ||
            (ws_pref_text_as == WS_TEXT_JSON_IF_VALID && json_validate(tvb_get_ptr(mtvb, 0, len), len));
        if (as_json && json_handle)
            call_dissector(json_handle, mtvb, pinfo, tree);
        else
            ws_call_text_lines(mtvb, pinfo, tree);
    } else {
        call_dissector(data_handle, mtvb, pinfo, tree);
    }
}

/*
 * Decode As for a message's contents: table ws.tcp.port (the built-in's ws.port does
 * not offer Decode As), keyed by the server's TCP port. `-d ws.tcp.port==5000,mqtt` in
 * tshark; in the GUI, the value offered is the server port of the selected packet's
 * conversation (the side that does not mask), else the lower of its two ports.
 * Subprotocol dissectors put themselves in its list with dissector_add_for_decode_as.
 */
dissector_table_t ws_decode_as_table;

static guint32 ws_da_server_port(packet_info *pinfo)
{
    ws_conv_t *st = ws_conv_get(pinfo, FALSE);
    int masked = st ? ws_expected_mask(st, ws_direction(st, pinfo)) : -1;

    if (masked >= 0)
        return masked ? pinfo->destport : pinfo->srcport;
    return MIN(pinfo->srcport, pinfo->destport);
}

static void ws_da_label(packet_info *pinfo, gchar *result)
{
    snprintf(result, MAX_DECODE_AS_PROMPT_LEN, "WebSocket messages of server port %u as", ws_da_server_port(pinfo));
}

static gpointer ws_da_value(packet_info *pinfo)
{
    return GUINT_TO_POINTER(ws_da_server_port(pinfo));
}

void ws_decode_as_register(int proto)
{
    static build_valid_func da_build[] = {ws_da_value};
    static decode_as_value_t da_values[] = {{ws_da_label, 1, da_build}};
    static decode_as_t da = {"ws", "ws.tcp.port", 1, 0, da_values, NULL, NULL, decode_as_default_populate_list,
                             decode_as_default_reset, decode_as_default_change, NULL};

    ws_decode_as_table = register_dissector_table("ws.tcp.port", "WebSocket message contents by server port (ws plugin)",
                                                  proto, FT_UINT16, BASE_DEC);
    register_decode_as(&da);
}

/* A tap record of the packet's conversation and direction (kind and the rest zero). */
ws_tap_rec_t *ws_tap_rec_new(packet_info *pinfo, const ws_ctx_t *ctx, guint8 kind)
{
    ws_tap_rec_t *r = wmem_new0(pinfo->pool, ws_tap_rec_t);
    struct tcp_analysis *tcpd = get_tcp_conversation_data(NULL, pinfo);

    r->kind = kind;
    r->stream = tcpd ? tcpd->stream : 0;
    r->from_client = -1;
    if (ctx && ctx->conv) {
        int masked = ws_expected_mask(ctx->conv, ctx->dir);
        r->conv = ctx->conv;
        r->dir = (guint8)ctx->dir;
        r->from_client = (gint8)masked;
    }
    return r;
}

/*
 * A complete data message, for scripts and taps: once, in the packet that completes it,
 * ws.message.text for a text message, and for a lone frame (m NULL: no Message subtree)
 * the message fields a subtree would have (opcode, decoded, length, payload); and its
 * tap record. mtvb holds the message's bytes when it was decoded (decoded: FALSE when
 * not decompressed). The fields are hidden: the tree shows the message already.
 */
static void ws_message_fields(tvbuff_t *mtvb, packet_info *pinfo, proto_tree *ws_tree, const ws_ctx_t *ctx,
                              const ws_msg_t *m, guint8 opcode, gboolean decoded, gboolean text_valid,
                              gboolean nul_follows)
{
    guint len = decoded ? tvb_reported_length(mtvb) : 0;
    proto_item *it;

    if (ws_tree) {
        if (!m) {
            it = proto_tree_add_uint(ws_tree, hf_ws_message_opcode, mtvb, 0, 0, opcode);
            proto_item_set_hidden(it);
            it = proto_tree_add_boolean(ws_tree, hf_ws_message_decoded, mtvb, 0, 0, TRUE);
            proto_item_set_hidden(it);
            it = proto_tree_add_uint64(ws_tree, hf_ws_message_length, mtvb, 0, 0, len);
            proto_item_set_hidden(it);
            it = proto_tree_add_item(ws_tree, hf_ws_message_payload, mtvb, 0, (gint)len, ENC_NA);
            proto_item_set_hidden(it);
        }
        if (decoded && opcode == WSC_OP_TEXT) {
            it = ws_add_text(ws_tree, hf_ws_message_text, mtvb, pinfo, len, text_valid, nul_follows);
            proto_item_set_hidden(it);
        }
    }
    if (have_tap_listener(ws_tap) || have_tap_listener(ws_eo_tap)) {
        ws_tap_rec_t *r = ws_tap_rec_new(pinfo, ctx, WS_TAP_MESSAGE);
        r->opcode = opcode;
        r->decoded = decoded && (!m || m->status != WS_MSG_TOO_BIG);
        r->data = decoded ? tvb_get_ptr(mtvb, 0, (gint)len) : NULL;
        r->len = len;
        r->wire_len = m ? m->wire_len : len;
        r->nframes = m ? m->nframes : 1;
        r->compressed = m ? m->compressed : FALSE;
        r->first_frame = m ? m->first_frame : pinfo->num;
        if (have_tap_listener(ws_tap))
            tap_queue_packet(ws_tap, pinfo, r);
        if (have_tap_listener(ws_eo_tap))
            tap_queue_packet(ws_eo_tap, pinfo, r);
    }
}

/* A data frame that is a message by itself: its text, and the message dissector. */
void ws_show_lone(tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree, guint len,
                  guint8 opcode, const ws_ctx_t *ctx)
{
    gboolean text_valid = FALSE;

    if (opcode == WSC_OP_TEXT) {
        uint64_t bad = 0;
        gboolean valid = text_valid = wsc_utf8_validate(tvb_get_ptr(ptvb, 0, len), len, &bad);
        proto_item *it = ws_add_text(ws_tree, hf_ws_text, ptvb, pinfo, len, valid, ctx->ptvb_nul);
        if (!valid)
            expert_add_info_format(pinfo, it, &ei_ws_bad_utf8,
                                   "Text is not valid UTF-8: first bad byte at message offset %" PRIu64, bad);
    }
    ws_message_fields(ptvb, pinfo, ws_tree, ctx, NULL, opcode, TRUE, text_valid, ctx->ptvb_nul);
    ws_call_message_dissector(ptvb, pinfo, tree, ctx->conv, ctx->dir, opcode);
}

/* Whether the message's bytes are known: it was not left undecompressed. */
static gboolean ws_message_decoded(const ws_msg_t *m)
{
    return m->status != WS_MSG_HISTORY && m->status != WS_MSG_CORRUPT;
}

/*
 * A frame of a message that it does not complete: where the message ends, or why it
 * never does.
 */
static void ws_message_part(tvbuff_t *tvb, packet_info *pinfo, proto_tree *ws_tree, proto_item *ws_item,
                            const ws_msg_t *m)
{
    if (m->last_frame) {
        proto_item *it = proto_tree_add_uint(ws_tree, hf_ws_message_completed_in, tvb, 0, 0, m->last_frame);
        proto_item_set_generated(it);
    }
    if (m->status == WS_MSG_INTERRUPTED)
        expert_add_info(pinfo, ws_item, &ei_ws_interrupted_message);
    else if (m->status == WS_MSG_LOST)
        expert_add_info(pinfo, ws_item, &ei_ws_message_lost);
}

/*
 * The message item and its subtree's generated fields: opcode, whether it was decoded,
 * its length, its frames, what compression made of it. A message that could not be
 * decompressed shows no length and no bytes: only what is known. Returns the item.
 */
static proto_item *ws_message_item(tvbuff_t *mtvb, proto_tree *ws_tree, const ws_msg_t *m, proto_tree **mt_out)
{
    gboolean decoded = ws_message_decoded(m);
    const char *op = val_to_str_const(m->opcode, ws_opcode_vals, "?");
    proto_item *mi, *it;
    proto_tree *mt;
    guint i;

    if (decoded)
        mi = proto_tree_add_none_format(ws_tree, hf_ws_message, mtvb, 0, (gint)m->len, "Message: %s, %u bytes", op,
                                        m->len);
    else
        mi = proto_tree_add_none_format(ws_tree, hf_ws_message, mtvb, 0, 0, "Message: %s, not decompressed", op);
    mt = proto_item_add_subtree(mi, ett_ws_message);
    it = proto_tree_add_uint(mt, hf_ws_message_opcode, mtvb, 0, 0, m->opcode);
    proto_item_set_generated(it);
    if (m->nframes == 1)
        /* The frame above shows it (here only for filters). */
        proto_item_set_hidden(it);
    it = proto_tree_add_boolean(mt, hf_ws_message_decoded, mtvb, 0, 0, decoded);
    proto_item_set_generated(it);
    if (decoded) {
        /* The message's label already says both: they print only when it failed. */
        proto_item_set_hidden(it);
        it = proto_tree_add_uint64(mt, hf_ws_message_length, mtvb, 0, 0, m->len);
        proto_item_set_generated(it);
        proto_item_set_hidden(it);
    }
    if (m->nframes > 1) {
        /* The frames of a fragmented message (a message of one frame is this one). */
        it = proto_tree_add_uint(mt, hf_ws_message_frame_count, mtvb, 0, 0, m->nframes);
        proto_item_set_generated(it);
        for (i = 0; i < m->nframes; i++) {
            it = proto_tree_add_uint(mt, hf_ws_message_frame, mtvb, 0, 0,
                                     i == 0 ? m->first_frame : *(guint32 *)wmem_array_index(m->more, i - 1));
            proto_item_set_generated(it);
        }
    }
    if (m->compressed) {
        it = proto_tree_add_boolean(mt, hf_ws_message_compressed, mtvb, 0, 0, TRUE);
        proto_item_set_generated(it);
        if (m->nframes == 1)
            proto_item_set_hidden(it);
        it = proto_tree_add_uint64(mt, hf_ws_message_wire_length, mtvb, 0, 0, m->wire_len);
        proto_item_set_generated(it);
        if (m->wire_len && decoded) {
            it = proto_tree_add_double(mt, hf_ws_message_ratio, mtvb, 0, 0, (double)m->len / (double)m->wire_len);
            proto_item_set_generated(it);
        }
    }
    *mt_out = mt;
    return mi;
}

/* The message part of a frame's tree; returns TRUE when the message was shown. */
gboolean ws_show_message(tvbuff_t *tvb, tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree,
                         proto_item *ws_item, const ws_frame_rec_t *rec, ws_ctx_t *ctx)
{
    const ws_msg_t *m = rec->msg;
    proto_item *mi, *it;
    proto_tree *mt;
    tvbuff_t *mtvb;

    if (rec->seq_error == 1)
        expert_add_info(pinfo, ws_item, &ei_ws_unexpected_continuation);
    else if (rec->seq_error == 2)
        expert_add_info(pinfo, ws_item, &ei_ws_interrupted_message);
    if (!m || wsc_opcode_is_control(m->opcode))
        /* (A control frame's record keeps its payload for ws_dissect_continued only.) */
        return FALSE;
    if (rec->completes && m->nframes == 1 && !m->compressed && m->status == WS_MSG_OK && !m->data) {
        /* One plain frame (it interrupted a fragmented message): a message by itself. */
        ws_show_lone(ptvb, pinfo, tree, ws_tree, tvb_reported_length(ptvb), m->opcode, ctx);
        return TRUE;
    }
    if (!rec->completes) {
        ws_message_part(tvb, pinfo, ws_tree, ws_item, m);
        return TRUE;
    }
    if (m->data && ws_message_decoded(m)) {
        mtvb = tvb_new_child_real_data(tvb, m->data, m->len, m->len);
        add_new_data_source(pinfo, mtvb, m->compressed ? "Decompressed message" : "Reassembled message");
    } else {
        mtvb = ptvb;
    }
    mi = ws_message_item(mtvb, ws_tree, m, &mt);
    switch (m->status) {
    case WS_MSG_HISTORY:
        expert_add_info(pinfo, mi, &ei_ws_history_missing);
        ws_message_fields(mtvb, pinfo, NULL, ctx, m, m->opcode, FALSE, FALSE, FALSE);
        return TRUE;
    case WS_MSG_CORRUPT:
        expert_add_info(pinfo, mi, &ei_ws_inflate_error);
        ws_message_fields(mtvb, pinfo, NULL, ctx, m, m->opcode, FALSE, FALSE, FALSE);
        return TRUE;
    case WS_MSG_TOO_BIG:
        expert_add_info_format(pinfo, mi, &ei_ws_message_too_big,
                               "Message larger than ws.max_message_size (%u bytes): only its first %u bytes are shown",
                               ws_pref_max_message, m->len);
        break;
    default:
        break;
    }
    it = proto_tree_add_item(mt, hf_ws_message_payload, mtvb, 0, m->len, ENC_NA);
    if (m->opcode == WSC_OP_TEXT) {
        /* As on a frame: the bytes print once, as ws.text. */
        proto_item_set_hidden(it);
        it = ws_add_text(ws_tree, hf_ws_text, mtvb, pinfo, m->len, !m->utf8_bad, mtvb == ptvb && ctx && ctx->ptvb_nul);
        if (m->utf8_bad)
            expert_add_info_format(pinfo, it, &ei_ws_bad_utf8,
                                   "Text is not valid UTF-8: first bad byte at message offset %" PRIu64, m->utf8_error);
    }
    ws_message_fields(mtvb, pinfo, mt, ctx, m, m->opcode, TRUE, !m->utf8_bad,
                      mtvb == ptvb && ctx && ctx->ptvb_nul);
    ws_call_message_dissector(mtvb, pinfo, tree, ctx ? ctx->conv : NULL, ctx ? ctx->dir : 0, m->opcode);
    return TRUE;
}
