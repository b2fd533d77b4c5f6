/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-export.c: every complete, decoded data message as an exported object (File >
 * Export Objects > WebSocket (ws plugin) in Wireshark, `tshark --export-objects
 * ws-messages,DIR`). It owns the helper protocol that names the export (its short name
 * is the menu entry, its filter name the tshark argument; Wireshark's own WebSocket
 * dissector has no export of its own), the export tap (ws_eo_tap) on which
 * ws-deliver.c queues the same ws_tap_rec_t message records as on the "ws" tap, and
 * the listener that turns each decoded message into an export_object_entry_t: a copy
 * of its bytes the entry owns, named ws-STREAM-DIR-NNNN.EXT after its TCP stream, its
 * direction (c2s, s2c; dir0, dir1 while the masking is not known) and its number among
 * the complete data messages of that direction, with a content type taken from the
 * bytes: application/json (json_validate), text/plain, application/octet-stream. A
 * message that was not decoded (compression history missing, corrupt, cut at
 * ws.max_message_size) keeps its number and is not exported. It calls only Wireshark's
 * export-object, tap and JSON functions and reads nothing but the tap records.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/export_object.h>
#include <epan/to_str.h>
#include <wsutil/wsjson.h>

#include "ws-int.h"

int ws_eo_tap = -1;
static int proto_ws_eo = -1;

/*
 * What one listener (a GUI dialog, tshark's --export-objects) has seen: the number
 * given to the last message of each direction (key: stream * 2 + direction), and the
 * last message record listed, as (packet, its place among the packet's message records).
 */
typedef struct {
    GHashTable *count;
    guint32 cur_num;    /* the packet whose records arrive */
    guint32 cur_ord;    /* the place of the current record among them */
    guint32 top_num;    /* the last record listed */
    guint32 top_ord;
    gboolean listed;    /* top_num/top_ord hold something */
} ws_eo_state_t;

/* Per listener (its tapdata); emptied by the reset and when the file closes. */
static GHashTable *ws_eo_states;

static void ws_eo_state_free(gpointer p)
{
    ws_eo_state_t *s = (ws_eo_state_t *)p;

    g_hash_table_destroy(s->count);
    g_free(s);
}

static ws_eo_state_t *ws_eo_state(void *tapdata)
{
    ws_eo_state_t *s;

    if (!ws_eo_states)
        ws_eo_states = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, ws_eo_state_free);
    s = (ws_eo_state_t *)g_hash_table_lookup(ws_eo_states, tapdata);
    if (!s) {
        s = g_new0(ws_eo_state_t, 1);
        s->count = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_hash_table_insert(ws_eo_states, tapdata, s);
    }
    return s;
}

/* Forgets every listener's numbering (the GUI resets before it taps the file again). */
static void ws_eo_reset(void)
{
    if (ws_eo_states)
        g_hash_table_remove_all(ws_eo_states);
}

/*
 * Whether a message record is seen for the first time. A pass taps packets in order,
 * the records of a packet in the order they were queued: a record at or before the
 * last one listed belongs to a pass that went over the file again without a reset,
 * and was listed already.
 */
static gboolean ws_eo_first_time(ws_eo_state_t *s, guint32 num)
{
    if (num != s->cur_num) {
        s->cur_num = num;
        s->cur_ord = 0;
    } else {
        s->cur_ord++;
    }
    if (s->listed && (num < s->top_num || (num == s->top_num && s->cur_ord <= s->top_ord)))
        return FALSE;
    s->top_num = num;
    s->top_ord = s->cur_ord;
    s->listed = TRUE;
    return TRUE;
}

/* The number of the next message of a direction of a conversation, from 1. */
static guint32 ws_eo_next_number(ws_eo_state_t *s, guint32 stream, guint8 dir)
{
    gpointer key = GSIZE_TO_POINTER((gsize)stream * 2 + dir);
    guint32 n = GPOINTER_TO_UINT(g_hash_table_lookup(s->count, key)) + 1;

    g_hash_table_insert(s->count, key, GUINT_TO_POINTER(n));
    return n;
}

/* RFC 6455 5.6: text is UTF-8 (and may be JSON), binary is for the application. */
static const char *ws_eo_content_type(const ws_tap_rec_t *r)
{
    if (r->opcode != WSC_OP_TEXT)
        return "application/octet-stream";
    if (r->len > 0 && json_validate(r->data, r->len))
        return "application/json";
    return "text/plain";
}

static const char *ws_eo_extension(const char *content_type)
{
    if (strcmp(content_type, "application/json") == 0)
        return "json";
    if (strcmp(content_type, "text/plain") == 0)
        return "txt";
    return "bin";
}

/* c2s / s2c from the masking (RFC 6455 5.1); the conversation's direction if not known. */
static const char *ws_eo_direction(const ws_tap_rec_t *r)
{
    if (r->from_client == 1)
        return "c2s";
    if (r->from_client == 0)
        return "s2c";
    return r->dir ? "dir1" : "dir0";
}

/* The server's address and port (the receiver while it is not known who that is). */
static gchar *ws_eo_hostname(packet_info *pinfo, const ws_tap_rec_t *r)
{
    gboolean server_sends = r->from_client == 0;
    const address *addr = server_sends ? &pinfo->src : &pinfo->dst;
    guint32 port = server_sends ? pinfo->srcport : pinfo->destport;
    const gchar *s = address_to_str(pinfo->pool, addr);

    if (addr->type == AT_IPv6)
        return g_strdup_printf("[%s]:%u", s, port);
    return g_strdup_printf("%s:%u", s, port);
}

/*
 * The entry for a decoded message. Everything in it is g_malloc'ed and belongs to
 * the entry: the list frees it with eo_free_entry(), and the tap record's bytes live
 * only until the end of the packet.
 */
static export_object_entry_t *ws_eo_entry(packet_info *pinfo, const ws_tap_rec_t *r, guint32 number)
{
    export_object_entry_t *e = g_new0(export_object_entry_t, 1);
    const char *ct = ws_eo_content_type(r);

    e->pkt_num = pinfo->num;
    e->hostname = ws_eo_hostname(pinfo, r);
    e->content_type = g_strdup(ct);
    e->filename = g_strdup_printf("ws-%u-%s-%04u.%s", r->stream, ws_eo_direction(r), number, ws_eo_extension(ct));
    e->payload_len = r->len;
    e->payload_data = (guint8 *)g_malloc(r->len ? r->len : 1);
    if (r->len)
        memcpy(e->payload_data, r->data, r->len);
    return e;
}

/* The export tap's listener: one entry per message record seen for the first time and decoded. */
static tap_packet_status ws_eo_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    export_object_list_t *list = (export_object_list_t *)tapdata;
    const ws_tap_rec_t *r = (const ws_tap_rec_t *)data;
    ws_eo_state_t *s;
    guint32 number;

    if (!r || r->kind != WS_TAP_MESSAGE)
        return TAP_PACKET_DONT_REDRAW;
    s = ws_eo_state(tapdata);
    if (!ws_eo_first_time(s, pinfo->num))
        return TAP_PACKET_DONT_REDRAW;
    number = ws_eo_next_number(s, r->stream, r->dir);
    if (!r->decoded || (!r->data && r->len))
        return TAP_PACKET_DONT_REDRAW;
    list->add_entry(list->gui_data, ws_eo_entry(pinfo, r, number));
    return TAP_PACKET_REDRAW;
}

static void ws_eo_cleanup(void)
{
    if (ws_eo_states) {
        g_hash_table_destroy(ws_eo_states);
        ws_eo_states = NULL;
    }
}

/*
 * From proto_register_ws: the helper protocol (enabled and disabled with proto_ws),
 * the export and its tap.
 */
void ws_export_register(void)
{
    proto_ws_eo = proto_register_protocol_in_name_only("WebSocket messages as objects (ws plugin)",
                                                       "WebSocket (ws plugin)", "ws-messages", proto_ws, FT_PROTOCOL);
    ws_eo_tap = register_export_object(proto_ws_eo, ws_eo_packet, ws_eo_reset);
    register_cleanup_routine(ws_eo_cleanup);
}
