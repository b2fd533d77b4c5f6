/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * socketio.c: the Socket.IO / Engine.IO dissector ("Socket.IO", filter socketio) for
 * WebSocket messages, and nothing else: its fields, subtrees and expert infos; its
 * heuristic in the "ws" list (the plugin's ws-deliver.c, and the built-in WebSocket
 * dissector, call that list for every whole data message); its handle "socketio" for
 * Decode As in the plugin's table ws.tcp.port; the per-conversation state (first
 * pass) that recognises a conversation once and links binary attachments to the
 * packet that announced them. The grammar is the core's (core/wsc_socketio.c); JSON
 * arguments go to Wireshark's own JSON dissector. docs/socketio.md describes what the
 * user gets.
 *
 * State: a conversation is Socket.IO once one message fits the grammar in a way
 * random text does not (an Engine.IO open with a sid, a CONNECT, an EVENT with an
 * event name, a probe); from then on every message of it is decoded without
 * guessing. Both are decided on the first pass only, recorded per message (proto
 * data keyed by the message's rank among the calls to us in its packet), and read
 * back on later passes. When the ws plugin hands a message on, its record
 * (ws_msg_info: text or binary) decides what is an attachment, and empty messages
 * come too (ws_sio_empty); from the built-in WebSocket dissector neither comes, and
 * the grammar decides.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>

#include "ws-int.h"
#include "core/wsc_socketio.h"
#include "core/wsc_utf8.h"

void proto_register_socketio(void);
void proto_reg_handoff_socketio(void);

static int proto_socketio = -1;

static int hf_sio_eio_type = -1;
static int hf_sio_eio_data = -1;
static int hf_sio_sid = -1;
static int hf_sio_type = -1;
static int hf_sio_attachments = -1;
static int hf_sio_namespace = -1;
static int hf_sio_ack_id = -1;
static int hf_sio_event = -1;
static int hf_sio_attachment_in = -1;
static int hf_sio_attachment = -1;
static int hf_sio_attachment_num = -1;
static int hf_sio_attachment_of = -1;
static int hf_sio_attachment_packet = -1;
static int hf_sio_attachment_event = -1;
static int hf_sio_recognised_in = -1;

static gint ett_sio = -1;
static gint ett_sio_attachment = -1;

static expert_field ei_sio_malformed = EI_INIT;
static expert_field ei_sio_attachments_missing = EI_INIT;

static dissector_handle_t sio_handle;
static dissector_handle_t sio_json_handle;

static const value_string sio_eio_type_vals[] = {
    { WSC_EIO_OPEN, "open" },
    { WSC_EIO_CLOSE, "close" },
    { WSC_EIO_PING, "ping" },
    { WSC_EIO_PONG, "pong" },
    { WSC_EIO_MESSAGE, "message" },
    { WSC_EIO_UPGRADE, "upgrade" },
    { WSC_EIO_NOOP, "noop" },
    { 0, NULL }
};

static const value_string sio_type_vals[] = {
    { WSC_SIO_CONNECT, "CONNECT" },
    { WSC_SIO_DISCONNECT, "DISCONNECT" },
    { WSC_SIO_EVENT, "EVENT" },
    { WSC_SIO_ACK, "ACK" },
    { WSC_SIO_CONNECT_ERROR, "CONNECT_ERROR" },
    { WSC_SIO_BINARY_EVENT, "BINARY_EVENT" },
    { WSC_SIO_BINARY_ACK, "BINARY_ACK" },
    { 0, NULL }
};

/* A BINARY_EVENT or BINARY_ACK and the binary messages that carry its attachments. */
typedef struct {
    guint32 frame;      /* the packet that announced them */
    guint32 count;      /* how many it announced (the core caps it) */
    wmem_array_t *frames; /* the packets of those that followed it (guint32), at most count */
    const char *event;  /* BINARY_EVENT: its event name (unescaped), else NULL */
    const char *what;   /* "event \"name\"" or "ack 12", for labels */
} sio_bin_t;

/* A conversation recognised as Engine.IO (first pass). */
typedef struct {
    address addr0;            /* sender of direction 0 */
    guint32 port0;
    guint32 recognised_in;    /* the message that showed it (0: Decode As) */
    sio_bin_t *pending[2];    /* per direction: the binary packet whose attachments come next */
} sio_conv_t;

/* What the first pass decided about one message. */
enum { SIO_REC_PACKET = 1, SIO_REC_ATTACHMENT, SIO_REC_BAD };
typedef struct {
    guint32 len;              /* the message's length: the record is only believed for it */
    guint8 kind;              /* SIO_REC_* */
    guint32 att_index;        /* attachment: its rank, 0-based (the placeholder's num) */
    guint32 recognised_in;
    sio_bin_t *bin;           /* packet with attachments: its own; attachment: its packet's */
    sio_bin_t *cut;           /* a binary packet before this message whose attachments stopped short */
} sio_rec_t;

/* The rank of this call among the calls to us for the packet, on this pass (1, 2, ...). */
static guint32 sio_call_rank(packet_info *pinfo)
{
    guint32 n = GPOINTER_TO_UINT(p_get_proto_data(pinfo->pool, pinfo, proto_socketio, 0)) + 1;

    p_set_proto_data(pinfo->pool, pinfo, proto_socketio, 0, GUINT_TO_POINTER(n));
    return n;
}

/* For labels: at most 64 bytes of valid UTF-8 text (cut at a character boundary),
 * control characters as '.'. */
static char *sio_label_text(wmem_allocator_t *scope, const guint8 *s, size_t n)
{
    char *out;
    size_t i;

    if (n > 64) {
        n = 64;
        while (n > 0 && (s[n] & 0xc0) == 0x80)
            n--;
    }
    out = (char *)wmem_alloc(scope, n + 1);
    for (i = 0; i < n; i++)
        out[i] = s[i] < 0x20 || s[i] == 0x7f ? '.' : (char)s[i];
    out[n] = 0;
    return out;
}

static gboolean sio_valid_utf8(const guint8 *p, guint len)
{
    uint64_t bad;

    return wsc_utf8_validate(p, len, &bad);
}

/*
 * A message that makes an unknown conversation Engine.IO: one random text does not
 * produce. The Engine.IO open (a JSON object with a string "sid"), a probe of the
 * upgrade from long-polling, a Socket.IO CONNECT (bare, to a namespace, or the
 * server's answer with a sid), an EVENT or BINARY_EVENT with a string event name.
 * Pings, pongs, acks and the rest only count once the conversation is known.
 */
static gboolean sio_recognises(const guint8 *p, guint len, const wsc_sio_packet *pk)
{
    size_t off, vlen;
    int kind;

    switch (pk->eio_type) {
    case WSC_EIO_OPEN:
        return wsc_json_member(p + 1, len - 1, "sid", 3, &off, &vlen, &kind) && kind == WSC_JSON_STRING && vlen > 0;
    case WSC_EIO_PING:
    case WSC_EIO_PONG:
        return len == 6 && memcmp(p + 1, "probe", 5) == 0;
    case WSC_EIO_MESSAGE:
        break;
    default:
        return FALSE;
    }
    switch (pk->sio_type) {
    case WSC_SIO_CONNECT:
        /* "40", "40/name," (socket.io always writes the comma), or with a JSON object holding a sid. */
        if (pk->has_ack)
            return FALSE;
        if (pk->ns_len) {
            size_t i;
            if (pk->ns_off + pk->ns_len >= len || p[pk->ns_off + pk->ns_len] != ',' || pk->ns_len < 2)
                return FALSE;
            for (i = 0; i < pk->ns_len; i++)
                if (p[pk->ns_off + i] <= ' ' || p[pk->ns_off + i] == 0x7f)
                    return FALSE;
        }
        if (pk->data_len == 0)
            return TRUE;
        return wsc_json_member(p + pk->data_off, pk->data_len, "sid", 3, &off, &vlen, &kind) &&
               kind == WSC_JSON_STRING && vlen > 0;
    case WSC_SIO_EVENT:
    case WSC_SIO_BINARY_EVENT:
        return pk->has_event && pk->event_len > 0;
    default:
        return FALSE;
    }
}

/* With attachments pending, whether the message is rather the next packet: the
 * attachments before it were empty (never handed to us) or not captured. Only
 * what the grammar accepts and the direction may send. */
static gboolean sio_packet_after_binary(packet_info *pinfo, const wsc_sio_packet *pk, gboolean ok, gboolean utf8)
{
    ws_conv_t *ws = ws_conv_get(pinfo, FALSE);
    int from_client = ws ? ws_expected_mask(ws, ws_direction(ws, pinfo)) : -1;

    if (!ok || !utf8)
        return FALSE;
    switch (pk->eio_type) {
    case WSC_EIO_MESSAGE:
    case WSC_EIO_CLOSE:
        return TRUE;
    case WSC_EIO_PING: /* engine.io 4: the server pings, the client answers */
        return from_client != 1;
    case WSC_EIO_PONG:
        return from_client != 0;
    default:
        return FALSE;
    }
}

static sio_bin_t *sio_bin_new(packet_info *pinfo, const guint8 *p, const wsc_sio_packet *pk)
{
    sio_bin_t *b = wmem_new0(wmem_file_scope(), sio_bin_t);

    b->frame = pinfo->num;
    b->count = pk->attachments;
    /* Grown as attachments come: a count from the wire reserves nothing. */
    b->frames = wmem_array_new(wmem_file_scope(), sizeof(guint32));
    if (pk->has_event) {
        guint8 *name = (guint8 *)wmem_alloc(wmem_file_scope(), pk->event_len + 1);
        size_t n = wsc_json_unescape(p + pk->event_off, pk->event_len, name);
        name[n] = 0;
        b->event = (const char *)name;
        b->what = wmem_strdup_printf(wmem_file_scope(), "event \"%s\"", sio_label_text(pinfo->pool, name, n));
    } else if (pk->has_ack) {
        b->what = wmem_strdup_printf(wmem_file_scope(), "ack %" PRIu64, pk->ack_id);
    } else {
        b->what = val_to_str_const((guint32)pk->sio_type, sio_type_vals, "packet");
    }
    return b;
}

/*
 * First pass: what the message is, and what it changes in the conversation. opcode:
 * the message's (text or binary) when the ws plugin handed it on, else 0 (the built-in
 * WebSocket dissector calls the "ws" list without it): then a message the grammar
 * accepts while attachments are pending is taken for the next packet.
 */
static sio_rec_t *sio_classify(packet_info *pinfo, sio_conv_t *st, const guint8 *p, guint len,
                               const wsc_sio_packet *pk, gboolean ok, guint8 opcode)
{
    int dir = (addresses_equal(&st->addr0, &pinfo->src) && st->port0 == pinfo->srcport) ? 0 : 1;
    gboolean utf8 = len > 0 && sio_valid_utf8(p, len);
    sio_rec_t *rec = wmem_new0(wmem_file_scope(), sio_rec_t);
    sio_bin_t *pend = st->pending[dir];
    gboolean attachment = opcode ? opcode == WSC_OP_BINARY : !sio_packet_after_binary(pinfo, pk, ok, utf8);

    rec->len = len;
    rec->recognised_in = st->recognised_in;
    if (opcode == WSC_OP_BINARY && !pend) {
        rec->kind = SIO_REC_BAD;
        return rec;
    }
    if (pend) {
        if (attachment) {
            rec->kind = SIO_REC_ATTACHMENT;
            rec->bin = pend;
            rec->att_index = wmem_array_get_count(pend->frames);
            wmem_array_append_one(pend->frames, pinfo->num);
            if (wmem_array_get_count(pend->frames) == pend->count)
                st->pending[dir] = NULL;
            return rec;
        }
        rec->cut = pend;
        st->pending[dir] = NULL;
    }
    if (!ok || !utf8) {
        rec->kind = SIO_REC_BAD;
        return rec;
    }
    rec->kind = SIO_REC_PACKET;
    if (pk->has_attachments && pk->attachments > 0) {
        rec->bin = sio_bin_new(pinfo, p, pk);
        st->pending[dir] = rec->bin;
    }
    return rec;
}

/* JSON to Wireshark's JSON dissector, the columns left to us. */
static void sio_call_json(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, size_t off, size_t len)
{
    gboolean writable;

    if (!sio_json_handle || len == 0)
        return;
    writable = col_get_writable(pinfo->cinfo, -1);
    col_set_writable(pinfo->cinfo, -1, FALSE);
    call_dissector(sio_json_handle, tvb_new_subset_length(tvb, (gint)off, (gint)len), pinfo, tree);
    col_set_writable(pinfo->cinfo, -1, writable);
}

static void sio_add_string(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo, const guint8 *p, size_t off,
                           size_t len, gboolean escaped, wmem_strbuf_t *summary)
{
    const char *s;

    if (escaped) {
        guint8 *buf = (guint8 *)wmem_alloc(pinfo->pool, len + 1);
        size_t n = wsc_json_unescape(p + off, len, buf);
        buf[n] = 0;
        s = (const char *)buf;
        proto_tree_add_string(tree, hf, tvb, (gint)off, (gint)len, s);
    } else {
        s = (const char *)tvb_get_string_enc(pinfo->pool, tvb, (gint)off, (gint)len, ENC_UTF_8);
        proto_tree_add_item(tree, hf, tvb, (gint)off, (gint)len, ENC_UTF_8);
    }
    if (summary)
        wmem_strbuf_append_printf(summary, " \"%s\"", sio_label_text(pinfo->pool, (const guint8 *)s, strlen(s)));
}

/* The links between a binary packet and its attachments, and attachments that never came. */
static void sio_show_bin(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_item *ti, const sio_bin_t *b)
{
    guint32 i, seen = wmem_array_get_count(b->frames);

    for (i = 0; i < seen; i++) {
        proto_item *it = proto_tree_add_uint(tree, hf_sio_attachment_in, tvb, 0, 0,
                                             *(guint32 *)wmem_array_index(b->frames, i));
        proto_item_set_generated(it);
    }
    /* Later passes know how many followed (the first is still before them). */
    if (PINFO_FD_VISITED(pinfo) && seen < b->count)
        expert_add_info_format(pinfo, ti, &ei_sio_attachments_missing,
                               "%u of %u attachments announced here were not seen (not captured, or empty and not "
                               "handed on: the built-in WebSocket dissector hands on no empty message)",
                               b->count - seen, b->count);
}

static void sio_show_packet(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_tree *st, proto_item *ti,
                            const guint8 *p, guint len, const wsc_sio_packet *pk, const sio_rec_t *rec)
{
    wmem_strbuf_t *sum = wmem_strbuf_new(pinfo->pool, "");
    size_t off, vlen;
    int kind;
    proto_item *it;

    proto_tree_add_uint(st, hf_sio_eio_type, tvb, 0, 1, (guint32)pk->eio_type);
    if (pk->eio_type != WSC_EIO_MESSAGE) {
        wmem_strbuf_append(sum, val_to_str_const((guint32)pk->eio_type, sio_eio_type_vals, "?"));
        if (pk->eio_type == WSC_EIO_OPEN) {
            if (wsc_json_member(p + 1, len - 1, "sid", 3, &off, &vlen, &kind) && kind == WSC_JSON_STRING)
                sio_add_string(st, hf_sio_sid, tvb, pinfo, p, 1 + off, vlen, memchr(p + 1 + off, '\\', vlen) != NULL,
                               sum);
            sio_call_json(tvb, pinfo, tree, 1, len - 1u);
        } else if (len > 1) {
            proto_tree_add_item(st, hf_sio_eio_data, tvb, 1, (gint)len - 1, ENC_UTF_8);
            wmem_strbuf_append_printf(sum, " %s", sio_label_text(pinfo->pool, p + 1, len - 1u));
        }
    } else {
        proto_tree_add_uint(st, hf_sio_type, tvb, 1, 1, (guint32)pk->sio_type);
        wmem_strbuf_append(sum, val_to_str_const((guint32)pk->sio_type, sio_type_vals, "?"));
        if (pk->has_attachments) {
            const guint8 *dash = (const guint8 *)memchr(p + 2, '-', len - 2u);
            proto_tree_add_uint(st, hf_sio_attachments, tvb, 2, (gint)(dash - p - 2), pk->attachments);
        }
        if (pk->ns_len) {
            proto_tree_add_item(st, hf_sio_namespace, tvb, (gint)pk->ns_off, (gint)pk->ns_len, ENC_UTF_8);
            wmem_strbuf_append_printf(sum, " %s", sio_label_text(pinfo->pool, p + pk->ns_off, pk->ns_len));
        } else {
            it = proto_tree_add_string(st, hf_sio_namespace, tvb, 0, 0, "/");
            proto_item_set_generated(it);
        }
        if (pk->has_ack) {
            proto_tree_add_uint64(st, hf_sio_ack_id, tvb, (gint)pk->ack_off, (gint)pk->ack_len, pk->ack_id);
            wmem_strbuf_append_printf(sum, " id=%" PRIu64, pk->ack_id);
        }
        if (pk->has_event)
            sio_add_string(st, hf_sio_event, tvb, pinfo, p, pk->event_off, pk->event_len, pk->event_escaped, sum);
        if (pk->sio_type == WSC_SIO_CONNECT && pk->data_len &&
            wsc_json_member(p + pk->data_off, pk->data_len, "sid", 3, &off, &vlen, &kind) && kind == WSC_JSON_STRING)
            sio_add_string(st, hf_sio_sid, tvb, pinfo, p, pk->data_off + off, vlen,
                           memchr(p + pk->data_off + off, '\\', vlen) != NULL, NULL);
        if (rec && rec->bin)
            sio_show_bin(tvb, pinfo, st, ti, rec->bin);
        sio_call_json(tvb, pinfo, tree, pk->data_off, pk->data_len);
    }
    proto_item_append_text(ti, ", %s", wmem_strbuf_get_str(sum));
    col_append_sep_fstr(pinfo->cinfo, COL_INFO, ", ", "Socket.IO %s", wmem_strbuf_get_str(sum));
}

static void sio_show_attachment(tvbuff_t *tvb, packet_info *pinfo, proto_tree *st, proto_item *ti, guint len,
                                const sio_rec_t *rec)
{
    const sio_bin_t *b = rec->bin;
    proto_item *it = proto_tree_add_item(st, hf_sio_attachment, tvb, 0, (gint)len, ENC_NA);
    proto_tree *at = proto_item_add_subtree(it, ett_sio_attachment);
    char *label = wmem_strdup_printf(pinfo->pool, "Attachment %u of %u of %s (frame %u)", rec->att_index + 1, b->count,
                                     b->what, b->frame);

    proto_item_set_text(it, "%s, %u bytes", label, len);
    it = proto_tree_add_uint(at, hf_sio_attachment_num, tvb, 0, 0, rec->att_index);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(at, hf_sio_attachment_of, tvb, 0, 0, b->count);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(at, hf_sio_attachment_packet, tvb, 0, 0, b->frame);
    proto_item_set_generated(it);
    if (b->event) {
        it = proto_tree_add_string(at, hf_sio_attachment_event, tvb, 0, 0, b->event);
        proto_item_set_generated(it);
    }
    proto_item_append_text(ti, ", %s", label);
    col_append_sep_fstr(pinfo->cinfo, COL_INFO, ", ", "Socket.IO %s", label);
}

/*
 * One message. forced: the user chose us (Decode As, or the "socketio" handle):
 * the conversation is Engine.IO from its first message. Returns the bytes taken,
 * 0 when the message is not ours.
 */
/* Conversations of the capture that are Engine.IO (reset when a file is opened). */
static guint sio_conversations;

static void sio_init(void)
{
    sio_conversations = 0;
}

static int sio_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, gboolean forced, guint32 rank)
{
    guint len = tvb_captured_length(tvb);
    const ws_msg_info_t *mi = ws_msg_info(pinfo, tvb);
    guint8 opcode = mi ? mi->opcode : 0;
    static const guint8 none[1];
    const guint8 *p;
    wsc_sio_packet pk;
    gboolean ok;
    sio_rec_t *rec;
    proto_item *ti;
    proto_tree *st;

    if (len != tvb_reported_length(tvb) || (len == 0 && !mi))
        return 0;
    p = len ? tvb_get_ptr(tvb, 0, (gint)len) : none;
    if (!forced && !sio_conversations && (opcode == WSC_OP_BINARY || (len && (p[0] < '0' || p[0] > '6'))))
        /* Not an Engine.IO packet (a binary message, or text whose first character is
         * not a packet type), and no conversation of the capture is Engine.IO yet (whose
         * messages are all shown as Socket.IO): what the rest would conclude, without the
         * conversation lookups (~1,300 instructions a message, docs/performance.md). */
        return 0;
    ok = wsc_sio_parse(p, len, &pk);
    if (!PINFO_FD_VISITED(pinfo)) {
        conversation_t *conv = find_or_create_conversation(pinfo);
        sio_conv_t *cs = (sio_conv_t *)conversation_get_proto_data(conv, proto_socketio);
        if (!cs) {
            /* Only a text message can make a conversation Engine.IO. */
            if (!forced && !(ok && opcode != WSC_OP_BINARY && sio_valid_utf8(p, len) && sio_recognises(p, len, &pk)))
                return 0;
            cs = wmem_new0(wmem_file_scope(), sio_conv_t);
            copy_address_wmem(wmem_file_scope(), &cs->addr0, &pinfo->src);
            cs->port0 = pinfo->srcport;
            cs->recognised_in = forced ? 0 : pinfo->num;
            conversation_add_proto_data(conv, proto_socketio, cs);
            sio_conversations++;
        }
        rec = sio_classify(pinfo, cs, p, len, &pk, ok, opcode);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_socketio, rank, rec);
    } else {
        rec = (sio_rec_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_socketio, rank);
        if (rec && rec->len != len)
            rec = NULL;
        /* A message the first pass never had (the ws plugin decodes some segments only
         * after the fact, on later passes) in a conversation known to be Engine.IO: shown
         * without state when it is a Socket.IO message or one that recognises. */
        if (!rec && !forced &&
            !(ok && opcode != WSC_OP_BINARY &&
              conversation_get_proto_data(find_or_create_conversation(pinfo), proto_socketio) &&
              sio_valid_utf8(p, len) && (pk.eio_type == WSC_EIO_MESSAGE || sio_recognises(p, len, &pk))))
            return 0;
    }

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Socket.IO");
    ti = proto_tree_add_item(tree, proto_socketio, tvb, 0, (gint)len, ENC_NA);
    st = proto_item_add_subtree(ti, ett_sio);
    if (rec && rec->recognised_in) {
        proto_item *it = proto_tree_add_uint(st, hf_sio_recognised_in, tvb, 0, 0, rec->recognised_in);
        proto_item_set_generated(it);
    }
    if (rec && rec->cut)
        expert_add_info_format(pinfo, ti, &ei_sio_attachments_missing,
                               "%u of %u attachments of the %s in frame %u were not seen before this packet (not "
                               "captured, or empty and not handed on: the built-in WebSocket dissector hands on "
                               "no empty message)",
                               rec->cut->count - wmem_array_get_count(rec->cut->frames), rec->cut->count,
                               rec->cut->what, rec->cut->frame);
    if (rec && rec->kind == SIO_REC_ATTACHMENT) {
        sio_show_attachment(tvb, pinfo, st, ti, len, rec);
    } else if (ok && (!rec || rec->kind == SIO_REC_PACKET)) {
        sio_show_packet(tvb, pinfo, tree, st, ti, p, len, &pk, rec);
    } else {
        if (pk.eio_type >= 0) {
            proto_tree_add_uint(st, hf_sio_eio_type, tvb, 0, 1, (guint32)pk.eio_type);
            if (pk.sio_type >= 0)
                proto_tree_add_uint(st, hf_sio_type, tvb, 1, 1, (guint32)pk.sio_type);
        }
        expert_add_info_format(pinfo, ti, &ei_sio_malformed, "Not a Socket.IO packet: %s",
                               opcode == WSC_OP_BINARY ? "a binary message that no packet announced"
                               : !ok ? wsc_sio_error_str(pk.error)
                               : opcode ? "text that is not valid UTF-8"
                                        : "text that is not valid UTF-8, or a binary message no packet announced");
        proto_item_append_text(ti, ", not a packet");
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Socket.IO (malformed)");
    }
    return (int)len;
}

gboolean ws_sio_empty(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, guint32 server_port)
{
    gboolean forced = server_port && ws_decode_as_table &&
                      dissector_get_uint_handle(ws_decode_as_table, server_port) == sio_handle;
    guint32 rank;

    if (proto_socketio <= 0 || !proto_is_protocol_enabled(find_protocol_by_id(proto_socketio)))
        return FALSE;
    /* Counted on every pass alike, whether it is ours or not. */
    rank = sio_call_rank(pinfo);
    /* (The state exists only where the heuristic, enabled, or Decode As made it.) */
    if (!forced && !conversation_get_proto_data(find_or_create_conversation(pinfo), proto_socketio))
        return FALSE;
    return sio_dissect(tvb, pinfo, tree, forced, rank) > 0;
}

static ws_heur_ret_t dissect_socketio_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return sio_dissect(tvb, pinfo, tree, FALSE, sio_call_rank(pinfo)) > 0;
}

static int dissect_socketio(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return sio_dissect(tvb, pinfo, tree, TRUE, sio_call_rank(pinfo));
}

void proto_register_socketio(void)
{
    static hf_register_info hf[] = {
        { &hf_sio_eio_type, { "Engine.IO packet type", "socketio.eio_type", FT_UINT8, BASE_DEC,
            VALS(sio_eio_type_vals), 0x0, "First character of the text message: 0 open ... 6 noop", HFILL } },
        { &hf_sio_eio_data, { "Engine.IO data", "socketio.eio_data", FT_STRING, BASE_NONE, NULL, 0x0,
            "Text after the type of a ping or pong (\"probe\" during an upgrade)", HFILL } },
        { &hf_sio_sid, { "Session id", "socketio.sid", FT_STRING, BASE_NONE, NULL, 0x0,
            "\"sid\" of the Engine.IO open packet, or of the server's Socket.IO CONNECT", HFILL } },
        { &hf_sio_type, { "Socket.IO packet type", "socketio.type", FT_UINT8, BASE_DEC, VALS(sio_type_vals), 0x0,
            "CONNECT 0 ... BINARY_ACK 6, the character after the Engine.IO message type 4", HFILL } },
        { &hf_sio_attachments, { "Attachments", "socketio.attachments", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Binary attachments a BINARY_EVENT or BINARY_ACK announces: the next binary messages of its direction",
            HFILL } },
        { &hf_sio_namespace, { "Namespace", "socketio.namespace", FT_STRING, BASE_NONE, NULL, 0x0,
            "Socket.IO namespace (\"/\" when the packet names none)", HFILL } },
        { &hf_sio_ack_id, { "Ack id", "socketio.ack_id", FT_UINT64, BASE_DEC, NULL, 0x0,
            "Id of an EVENT that asks for an acknowledgement, or of the ACK that gives it", HFILL } },
        { &hf_sio_event, { "Event", "socketio.event", FT_STRING, BASE_NONE, NULL, 0x0,
            "Event name: first element of the JSON array of an EVENT or BINARY_EVENT (unescaped)", HFILL } },
        { &hf_sio_attachment_in, { "Attachment in", "socketio.attachment_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
            "Packet of a binary attachment of this BINARY_EVENT or BINARY_ACK (known once the attachment is seen)",
            HFILL } },
        { &hf_sio_attachment, { "Attachment", "socketio.attachment", FT_BYTES, BASE_NONE, NULL, 0x0,
            "A binary message that is an attachment of an earlier BINARY_EVENT or BINARY_ACK", HFILL } },
        { &hf_sio_attachment_num, { "Attachment number", "socketio.attachment.num", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Rank among the packet's attachments, from 0 (the \"num\" of its placeholder)", HFILL } },
        { &hf_sio_attachment_of, { "Attachments of the packet", "socketio.attachment.count", FT_UINT32, BASE_DEC,
            NULL, 0x0, "How many attachments the packet announced", HFILL } },
        { &hf_sio_attachment_packet, { "Attachment of", "socketio.attachment.packet", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "Packet of the BINARY_EVENT or BINARY_ACK this attachment belongs to",
            HFILL } },
        { &hf_sio_attachment_event, { "Event of the attachment", "socketio.attachment.event", FT_STRING, BASE_NONE,
            NULL, 0x0, "Event name of the BINARY_EVENT this attachment belongs to",
            HFILL } },
        { &hf_sio_recognised_in, { "Recognised in", "socketio.recognised_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "Packet whose message showed the conversation to be Engine.IO / Socket.IO (absent with Decode As)",
            HFILL } },
    };
    static gint *ett[] = { &ett_sio, &ett_sio_attachment };
    static ei_register_info ei[] = {
        { &ei_sio_malformed, { "socketio.malformed", PI_MALFORMED, PI_WARN,
            "Message of a Socket.IO conversation that does not fit the Engine.IO / Socket.IO grammar", EXPFILL } },
        { &ei_sio_attachments_missing, { "socketio.attachments_missing", PI_SEQUENCE, PI_NOTE,
            "Attachments announced by a BINARY_EVENT or BINARY_ACK were not all seen", EXPFILL } },
    };
    expert_module_t *expert;

    proto_socketio = proto_register_protocol("Socket.IO", "Socket.IO", "socketio");
    proto_register_field_array(proto_socketio, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_socketio);
    expert_register_field_array(expert, ei, array_length(ei));
    register_init_routine(sio_init);
    sio_handle = register_dissector("socketio", dissect_socketio, proto_socketio);
}

void proto_reg_handoff_socketio(void)
{
    sio_json_handle = find_dissector("json");
    heur_dissector_add("ws", dissect_socketio_heur, "Socket.IO over WebSocket (ws plugin)", "socketio_ws",
                       proto_socketio, HEURISTIC_ENABLE);
    dissector_add_for_decode_as("ws.tcp.port", sio_handle);
}
