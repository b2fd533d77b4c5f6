/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-stats.c: the statistics of the "ws" tap, as a stats_tree (tshark -z ws,tree;
 * Statistics > WebSocket (ws plugin) in the GUI). It owns the tree's layout and what
 * each record adds to it: frames by opcode and direction, data messages by opcode and
 * direction, their sizes, payload bytes on the wire against message bytes after
 * reassembly and decompression, close codes, RFC 6455 violations, messages not
 * decoded, and, once per conversation (TCP stream), how it was found and what its
 * handshake negotiated. It reads the ws_tap_rec_t records that ws-frame.c
 * (ws_frame_tap) and ws-deliver.c (ws_message_fields) queue, and ws_conv_t through
 * them; it never changes dissection state. It calls only the stats_tree API
 * (epan/stats_tree.h; stats_tree_priv.h to see that the tree was zeroed) and the
 * core's wsc_opcode_name / wsc_close_code_valid.
 * docs/statistics.md describes every node.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <epan/stats_tree_priv.h>

#include "ws-int.h"

#define WS_STATS_ABBR "ws"
#define WS_STATS_NAME "WebSocket (ws plugin)"

/* Node names that are parents (stats_tree finds a parent by its name: each is unique). */
#define N_FRAMES "Frames"
#define N_FRAMES_OPCODE "Frames by opcode"
#define N_FRAMES_DIR "Frames by direction"
#define N_FRAMES_RSV1 "Frames with RSV1 (compressed)"
#define N_MESSAGES "Data messages"
#define N_MESSAGES_OPCODE "Messages by opcode"
#define N_MESSAGES_DIR "Messages by direction"
#define N_MESSAGES_FRAGMENTED "Messages of more than one frame"
#define N_MESSAGES_COMPRESSED "Compressed messages"
#define N_MESSAGES_SIZE "Message size (bytes, decoded messages)"
#define N_BYTES "Payload bytes on the wire (all frames)"
#define N_BYTES_DATA "Data frame payload"
#define N_BYTES_CONTROL "Control frame payload"
#define N_BYTES_MESSAGES "Data messages after reassembly and decompression"
#define N_BYTES_COMP_WIRE "Compressed messages on the wire"
#define N_BYTES_COMP_OUT "Compressed messages after decompression"
#define N_CLOSE "Close frames by code"
#define N_CONVS "Conversations (TCP streams)"
#define N_FOUND "Found by"
#define N_SUBPROTOCOLS "Subprotocol"
#define N_EXTENSIONS "Extensions"
#define N_PROBLEMS "Problems"
#define N_VIOLATIONS "Frames breaking RFC 6455"
#define N_UNDECODED "Messages not decoded"

/* What a stats_tree counter can hold (an int): byte totals stop there. */
#define WS_STATS_MAX G_MAXINT

/* Byte totals, kept 64-bit here and shown (saturated) in their nodes. */
enum { B_ALL = 0, B_DATA, B_CONTROL, B_MESSAGES, B_COMP_WIRE, B_COMP_OUT, B_COUNT };

/* One open tree: the ids of its fixed nodes, the streams it has counted, its byte totals. */
typedef struct {
    stats_tree *st;
    int frames, frames_opcode, frames_dir, frames_rsv1;
    int messages, messages_opcode, messages_dir, messages_fragmented, messages_compressed, messages_size;
    int bytes[B_COUNT];
    int close, convs, found, subprotocols, extensions, problems, violations, undecoded;
    GHashTable *streams;      /* tcp.stream + 1 of every conversation counted */
    guint64 totals[B_COUNT];
} ws_stats_t;

/* The open trees (the GUI may show several at once): stats_tree * -> ws_stats_t *. */
static GHashTable *ws_stats_open;

/* ---- names of what is counted ---- */

static const char *ws_stats_direction(gint8 from_client)
{
    return from_client == 1 ? "client -> server" : from_client == 0 ? "server -> client" : "direction not known";
}

/* An opcode's name, or "Reserved 0xN" (buf holds at least 16 bytes). */
static const char *ws_stats_opcode(guint8 opcode, char *buf, size_t size)
{
    const char *name = wsc_opcode_name(opcode);

    if (name)
        return name;
    g_snprintf(buf, (gulong)size, "Reserved 0x%X", opcode & 0xFu);
    return buf;
}

/* A close code as "1000 Normal Closure", "4001 private use", "999 not allowed on the wire". */
static const char *ws_stats_close_code(guint16 code, char *buf, size_t size)
{
    header_field_info *hfi = proto_registrar_get_nth(hf_ws_close_code);
    const char *name = hfi && hfi->strings ? try_val_to_str(code, (const value_string *)hfi->strings) : NULL;

    if (code == 0)
        return "no code";
    if (!wsc_close_code_valid(code))
        name = "not allowed on the wire";
    else if (!name)
        name = code >= 4000 ? "private use" : code >= 3000 ? "registered (IANA)" : "unassigned";
    g_snprintf(buf, (gulong)size, "%u %s", code, name);
    return buf;
}

static const char *ws_stats_found_by(guint8 found_by)
{
    switch (found_by) {
    case WS_FOUND_HANDSHAKE: return "HTTP Upgrade handshake";
    case WS_FOUND_LATE_101: return "101 response without its request";
    case WS_FOUND_HEURISTIC: return "heuristic (no handshake)";
    case WS_FOUND_PORT_GUARD: return "port guard (no handshake, port of another dissector)";
    case WS_FOUND_TLS: return "heuristic over decrypted TLS";
    case WS_FOUND_DECODE_AS: return "Decode As";
    default: return "other";
    }
}

/* What the handshake said of a header: its value, none, or that no handshake was seen. */
static const char *ws_stats_negotiated(const ws_conv_t *conv, const char *value)
{
    if (!conv || (conv->found_by != WS_FOUND_HANDSHAKE && conv->found_by != WS_FOUND_LATE_101))
        return "(no handshake captured)";
    return value && *value ? value : "(none negotiated)";
}

static const struct {
    unsigned bit;
    const char *name;
} ws_stats_violation_names[] = {
    { WSC_V_RSV1, "RSV1 without an extension" },
    { WSC_V_RSV23, "RSV2 or RSV3 set" },
    { WSC_V_RESERVED_OPCODE, "Reserved opcode" },
    { WSC_V_CONTROL_FRAGMENTED, "Control frame without FIN" },
    { WSC_V_CONTROL_TOO_LONG, "Control frame over 125 bytes" },
    { WSC_V_NON_MINIMAL_LEN, "Length not in its shortest form" },
    { WSC_V_RSV1_ON_CONTROL, "RSV1 on a control frame" },
};

/* ---- the tree ---- */

static int ws_stats_node(stats_tree *st, const char *name, int parent)
{
    return stats_tree_create_node(st, name, parent, STAT_DT_INT, TRUE);
}

/* The fixed nodes, in the order they print. */
static void ws_stats_layout(stats_tree *st, ws_stats_t *s)
{
    s->frames = ws_stats_node(st, N_FRAMES, 0);
    s->frames_opcode = ws_stats_node(st, N_FRAMES_OPCODE, s->frames);
    s->frames_dir = ws_stats_node(st, N_FRAMES_DIR, s->frames);
    s->frames_rsv1 = ws_stats_node(st, N_FRAMES_RSV1, s->frames);

    s->messages = ws_stats_node(st, N_MESSAGES, 0);
    s->messages_opcode = ws_stats_node(st, N_MESSAGES_OPCODE, s->messages);
    s->messages_dir = ws_stats_node(st, N_MESSAGES_DIR, s->messages);
    s->messages_fragmented = ws_stats_node(st, N_MESSAGES_FRAGMENTED, s->messages);
    s->messages_compressed = ws_stats_node(st, N_MESSAGES_COMPRESSED, s->messages);
    s->messages_size = stats_tree_create_range_node(st, N_MESSAGES_SIZE, s->messages, "0-127", "128-1023",
                                                    "1024-16383", "16384-1048575", "1048576-", NULL);

    s->bytes[B_ALL] = ws_stats_node(st, N_BYTES, 0);
    s->bytes[B_DATA] = ws_stats_node(st, N_BYTES_DATA, s->bytes[B_ALL]);
    s->bytes[B_CONTROL] = ws_stats_node(st, N_BYTES_CONTROL, s->bytes[B_ALL]);
    s->bytes[B_MESSAGES] = ws_stats_node(st, N_BYTES_MESSAGES, s->bytes[B_ALL]);
    s->bytes[B_COMP_WIRE] = ws_stats_node(st, N_BYTES_COMP_WIRE, s->bytes[B_ALL]);
    s->bytes[B_COMP_OUT] = ws_stats_node(st, N_BYTES_COMP_OUT, s->bytes[B_ALL]);

    s->close = ws_stats_node(st, N_CLOSE, 0);

    s->convs = ws_stats_node(st, N_CONVS, 0);
    s->found = ws_stats_node(st, N_FOUND, s->convs);
    s->subprotocols = ws_stats_node(st, N_SUBPROTOCOLS, s->convs);
    s->extensions = ws_stats_node(st, N_EXTENSIONS, s->convs);

    s->problems = ws_stats_node(st, N_PROBLEMS, 0);
    s->violations = ws_stats_node(st, N_VIOLATIONS, s->problems);
    s->undecoded = ws_stats_node(st, N_UNDECODED, s->problems);
}

/* Adds n to a byte total and shows it (at most what a counter holds). */
static void ws_stats_add_bytes(stats_tree *st, ws_stats_t *s, int which, guint64 n)
{
    const char *names[B_COUNT] = { N_BYTES, N_BYTES_DATA, N_BYTES_CONTROL, N_BYTES_MESSAGES, N_BYTES_COMP_WIRE,
                                   N_BYTES_COMP_OUT };
    int parent = which == B_ALL ? 0 : s->bytes[B_ALL];

    s->totals[which] += n;
    set_stat_node(st, names[which], parent, TRUE, (gint)MIN(s->totals[which], (guint64)WS_STATS_MAX));
}

/* A count with an average, minimum and maximum of value (clamped to what a counter holds). */
static void ws_stats_tick_value(stats_tree *st, const char *name, int parent, guint64 value)
{
    avg_stat_node_add_value_int(st, name, parent, TRUE, (gint)MIN(value, (guint64)WS_STATS_MAX));
}

/* parent, then its child name (a leaf made when first seen). */
static void ws_stats_tick_in(stats_tree *st, int parent_of_parent, const char *parent_name, int parent,
                             const char *name)
{
    tick_stat_node(st, parent_name, parent_of_parent, TRUE);
    tick_stat_node(st, name, parent, FALSE);
}

/* A conversation, the first time one of its records is seen. */
static void ws_stats_conversation(stats_tree *st, ws_stats_t *s, const ws_tap_rec_t *r)
{
    gpointer key = GUINT_TO_POINTER(r->stream + 1u);
    const ws_conv_t *conv = r->conv;

    if (g_hash_table_contains(s->streams, key))
        return;
    g_hash_table_add(s->streams, key);
    tick_stat_node(st, N_CONVS, 0, TRUE);
    ws_stats_tick_in(st, s->convs, N_FOUND, s->found, conv ? ws_stats_found_by(conv->found_by) : "not known");
    ws_stats_tick_in(st, s->convs, N_SUBPROTOCOLS, s->subprotocols,
                     ws_stats_negotiated(conv, conv ? conv->subprotocol : NULL));
    ws_stats_tick_in(st, s->convs, N_EXTENSIONS, s->extensions,
                     ws_stats_negotiated(conv, conv ? conv->extensions : NULL));
}

/* The RFC 6455 rules a frame breaks: the frame once, and each rule. */
static void ws_stats_violations(stats_tree *st, ws_stats_t *s, unsigned violations)
{
    size_t i;

    if (!violations)
        return;
    tick_stat_node(st, N_PROBLEMS, 0, TRUE);
    tick_stat_node(st, N_VIOLATIONS, s->problems, TRUE);
    for (i = 0; i < G_N_ELEMENTS(ws_stats_violation_names); i++)
        if (violations & ws_stats_violation_names[i].bit)
            tick_stat_node(st, ws_stats_violation_names[i].name, s->violations, FALSE);
}

static void ws_stats_frame(stats_tree *st, ws_stats_t *s, const ws_tap_rec_t *r)
{
    char buf[32], dir_name[48];
    const char *op = ws_stats_opcode(r->opcode, buf, sizeof buf);
    int dir;

    ws_stats_tick_value(st, N_FRAMES, 0, r->payload_len);
    ws_stats_tick_in(st, s->frames, N_FRAMES_OPCODE, s->frames_opcode, op);
    g_snprintf(dir_name, sizeof dir_name, "Frames %s", ws_stats_direction(r->from_client));
    tick_stat_node(st, N_FRAMES_DIR, s->frames, TRUE);
    dir = tick_stat_node(st, dir_name, s->frames_dir, TRUE);
    tick_stat_node(st, op, dir, FALSE);
    if (r->rsv1)
        tick_stat_node(st, N_FRAMES_RSV1, s->frames, TRUE);

    ws_stats_add_bytes(st, s, B_ALL, r->payload_len);
    ws_stats_add_bytes(st, s, wsc_opcode_is_control(r->opcode) ? B_CONTROL : B_DATA, r->payload_len);

    if (r->opcode == WSC_OP_CLOSE) {
        char code[64];
        ws_stats_tick_in(st, 0, N_CLOSE, s->close, ws_stats_close_code(r->close_code, code, sizeof code));
    }
    ws_stats_violations(st, s, r->violations);
}

static void ws_stats_message(stats_tree *st, ws_stats_t *s, const ws_tap_rec_t *r)
{
    char buf[32], dir_name[48];
    const char *op = ws_stats_opcode(r->opcode, buf, sizeof buf);
    int dir;

    tick_stat_node(st, N_MESSAGES, 0, TRUE);
    ws_stats_tick_in(st, s->messages, N_MESSAGES_OPCODE, s->messages_opcode, op);
    g_snprintf(dir_name, sizeof dir_name, "Messages %s", ws_stats_direction(r->from_client));
    tick_stat_node(st, N_MESSAGES_DIR, s->messages, TRUE);
    dir = tick_stat_node(st, dir_name, s->messages_dir, TRUE);
    tick_stat_node(st, op, dir, FALSE);
    if (r->nframes > 1)
        tick_stat_node(st, N_MESSAGES_FRAGMENTED, s->messages, TRUE);
    if (r->compressed)
        tick_stat_node(st, N_MESSAGES_COMPRESSED, s->messages, TRUE);

    if (r->decoded) {
        tick_stat_node(st, N_MESSAGES_SIZE, s->messages, TRUE);
        stats_tree_tick_range(st, N_MESSAGES_SIZE, s->messages, (int)MIN(r->len, (guint32)WS_STATS_MAX));
        ws_stats_add_bytes(st, s, B_MESSAGES, r->len);
        if (r->compressed) {
            ws_stats_add_bytes(st, s, B_COMP_WIRE, r->wire_len);
            ws_stats_add_bytes(st, s, B_COMP_OUT, r->len);
        }
    } else {
        tick_stat_node(st, N_PROBLEMS, 0, TRUE);
        ws_stats_tick_in(st, s->problems, N_UNDECODED, s->undecoded, dir_name);
    }
}

/* ---- stats_tree callbacks ---- */

/* Whether stats_tree zeroed the tree since the last record (the GUI's retap, a new
 * display filter): it does not call init again then, so the streams and totals kept
 * here must be forgotten too. Every record ticks Frames or Data messages, so both are
 * zero only before the first record of a reading. (The node's counter is in
 * stats_tree_priv.h, installed and laid out alike on 4.0, 4.4 and 4.6.) */
static gboolean ws_stats_was_reset(stats_tree *st, const ws_stats_t *s)
{
    const stat_node *frames = (const stat_node *)g_ptr_array_index(st->parents, s->frames);
    const stat_node *messages = (const stat_node *)g_ptr_array_index(st->parents, s->messages);

    return frames->counter == 0 && messages->counter == 0;
}

static void ws_stats_forget(ws_stats_t *s)
{
    g_hash_table_remove_all(s->streams);
    memset(s->totals, 0, sizeof s->totals);
}


static tap_packet_status ws_stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                         const void *data, tap_flags_t flags _U_)
{
    const ws_tap_rec_t *r = (const ws_tap_rec_t *)data;
    ws_stats_t *s = ws_stats_open ? (ws_stats_t *)g_hash_table_lookup(ws_stats_open, st) : NULL;

    if (!s || !r)
        return TAP_PACKET_DONT_REDRAW;
    if (ws_stats_was_reset(st, s))
        ws_stats_forget(s);
    ws_stats_conversation(st, s, r);
    if (r->kind == WS_TAP_FRAME)
        ws_stats_frame(st, s, r);
    else if (r->kind == WS_TAP_MESSAGE)
        ws_stats_message(st, s, r);
    return TAP_PACKET_REDRAW;
}

static void ws_stats_free(ws_stats_t *s)
{
    g_hash_table_destroy(s->streams);
    g_free(s);
}

static void ws_stats_init(stats_tree *st)
{
    ws_stats_t *s;

    if (!ws_stats_open)
        ws_stats_open = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)ws_stats_free);
    /* init runs again on the same tree when it is rebuilt: start from nothing. */
    g_hash_table_remove(ws_stats_open, st);
    s = g_new0(ws_stats_t, 1);
    s->st = st;
    s->streams = g_hash_table_new(g_direct_hash, g_direct_equal);
    ws_stats_layout(st, s);
    g_hash_table_insert(ws_stats_open, st, s);
}

static void ws_stats_cleanup(stats_tree *st)
{
    if (ws_stats_open)
        g_hash_table_remove(ws_stats_open, st);
}

void ws_stats_register(void)
{
    stats_tree_register_plugin("ws", WS_STATS_ABBR, WS_STATS_NAME, 0, ws_stats_packet, ws_stats_init,
                               ws_stats_cleanup);
}
