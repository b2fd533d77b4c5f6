/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-detect.c: who gets a segment: the entry points Wireshark calls. The TCP heuristic
 * and the decrypted-TLS heuristic (the core's evidence through ws-evidence.c, until a
 * conversation is accepted), the port guard in front of the TCP ports other dissectors
 * own (the port's dissector, HTTP for a handshake, or us), HTTP's Upgrade (the router,
 * which leaves the connection to the built-in dissector when this plugin is disabled,
 * and the takeover, which reads what the handshake negotiated), and the conversation
 * dissector set on an accepted conversation (dissect_ws_tcp), which on
 * later passes also gets the segments before the decision. Everything accepted goes on
 * to ws-stream.c's dissect_ws_stream. An Upgrade HTTP did not follow (a late 101, a
 * request in pieces) is ws-late101.c's.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/dissectors/packet-http.h>
#include <epan/dissectors/packet-tls.h>
#include <epan/dissectors/packet-tcp.h>

#include "ws-int.h"
#include "core/wsc_http.h"

/* TCP port -> the dissector our guard stands in front of. */
static GHashTable *ws_guarded_ports;
/* Segments of a conversation on a guarded port after which the owner keeps it. */
#define WS_GUARD_MAX_TRIES 2000
/* Data segments per direction of a conversation the capture joined in its middle that
 * the port's dissector gets without reassembly while the choice is open (dissect_ws_guard). */
#define WS_GUARD_WHOLE_SEGS 64

ws_heur_ret_t dissect_ws_heur_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_conv_t *st;
    guint32 seq = 0;
    gboolean have_seq;

    if (PINFO_FD_VISITED(pinfo))
        /* Accepted conversations reach dissect_ws_tcp on later passes. */
        return FALSE;
    st = ws_conv_get(pinfo, TRUE);
    have_seq = ws_tcp_seq(pinfo, data, &seq);
    if (st->claimed || ws_take_late_101(tvb, pinfo, st))
        return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, have_seq, seq) > 0;
    if (st->gave_up || ws_heur_feed(tvb, pinfo, st, have_seq, seq) != WSC_SEG_ACCEPT) {
        if (st->req_whole && st->req_whole_frame == pinfo->num)
            return ws_show_request_part(tvb, pinfo, tree, FALSE) > 0;
        if (ws_request_piece_for_http(tvb, pinfo, st)) {
            st->req_pieces_taken = TRUE;
            return ws_show_request_part(tvb, pinfo, tree, TRUE) > 0;
        }
        if (!st->gave_up && ws_frames_for_http(tvb, st))
            return ws_show_unsynced(tvb, pinfo, tree, "Undecided: frames whose payload HTTP would take") > 0;
        return FALSE;
    }
    st->found_by = WS_FOUND_HEURISTIC;
    conversation_set_dissector(find_or_create_conversation(pinfo), ws_handle);
    ws_tcp_end_other_pdus(pinfo);
    return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, have_seq, seq) > 0;
}

/* Decrypted TLS: the same test; TLS keeps calling the handle we leave in *data. */
ws_heur_ret_t dissect_ws_heur_tls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_conv_t *st;

    if (PINFO_FD_VISITED(pinfo))
        return FALSE;
    st = ws_conv_get(pinfo, TRUE);
    if (!st->claimed) {
        if (st->gave_up || ws_heur_feed(tvb, pinfo, st, FALSE, 0) != WSC_SEG_ACCEPT)
            return FALSE;
        st->found_by = WS_FOUND_TLS;
    }
    {
        dissector_handle_t *slot = WS_TLS_APP_HANDLE_SLOT(data);
        if (slot)
            *slot = ws_handle;
    }
    return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, FALSE, 0) > 0;
}

/* The first bytes of the segment (at most WSC_HTTP_START_LEN) into b; returns how many. */
static guint ws_first_bytes(tvbuff_t *tvb, guint8 b[WSC_HTTP_START_LEN])
{
    guint n = MIN(tvb_captured_length(tvb), WSC_HTTP_START_LEN);

    tvb_memcpy(tvb, b, 0, n);
    return n;
}

/* An HTTP/1.x request or status line. */
static gboolean ws_looks_like_http(tvbuff_t *tvb)
{
    guint8 b[WSC_HTTP_START_LEN];
    guint n = ws_first_bytes(tvb, b);

    return wsc_http_starts_message(b, n);
}

/*
 * The start of a WebSocket handshake on a port that another protocol owns: HTTP gets
 * such a conversation, so that its Upgrade hands the connection to us.
 */
static gboolean ws_looks_like_handshake(tvbuff_t *tvb)
{
    guint8 b[WSC_HTTP_START_LEN];
    guint n = ws_first_bytes(tvb, b);

    return wsc_http_starts_handshake(b, n);
}

/*
 * Calls h (if any) from a layer without a protocol of its own between the caller
 * (TCP, HTTP) and the real dissector: the caller's permission to ask for more
 * segments is handed on, as HTTP does for upgraded protocols.
 */
static int ws_call_below(dissector_handle_t h, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (pinfo->can_desegment > 0)
        pinfo->can_desegment++;
    return h ? call_dissector_only(h, tvb, pinfo, tree, data) : 0;
}

/* Did the capture hold the start of this TCP connection (its SYN)? */
gboolean ws_tcp_start_seen(packet_info *pinfo)
{
    struct tcp_analysis *tcpd = get_tcp_conversation_data(NULL, pinfo);

    return tcpd && (tcpd->conversation_completeness & WS_TCP_COMPLETENESS_SYN) != 0;
}

/*
 * First pass, a segment of an undecided conversation on a guarded port: who gets the
 * conversation (WS_PORT_*), or still undecided.
 */
static guint8 ws_guard_choose(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, dissector_handle_t owner,
                              gboolean have_seq, guint32 seq)
{
    if (owner == http_tcp_handle && ws_looks_like_http(tvb))
        return WS_PORT_OWNER;
    if (owner != http_tcp_handle && http_tcp_handle && ws_looks_like_handshake(tvb))
        return WS_PORT_HTTP;
    if (st->gave_up)
        return WS_PORT_OWNER;
    if (ws_heur_feed(tvb, pinfo, st, have_seq, seq) == WSC_SEG_ACCEPT) {
        st->found_by = WS_FOUND_PORT_GUARD;
        conversation_set_dissector(find_or_create_conversation(pinfo), ws_handle);
        ws_tcp_end_other_pdus(pinfo);
        return WS_PORT_WS;
    }
    if (st->gave_up || ++st->port_tries >= WS_GUARD_MAX_TRIES)
        /* The heuristic gave up (a long run of segments that are not frames), or frames
         * never added up to enough evidence. */
        return WS_PORT_OWNER;
    return WS_PORT_UNDECIDED;
}

/*
 * Stands in front of a TCP port that another dissector owns (HTTP's 80, 8080, ...,
 * and those of the protocols listed in a preference). The choice is made once per
 * conversation on the first pass: data that the WebSocket heuristic accepts comes to
 * us, HTTP-looking data on HTTP's ports goes to HTTP at once; the owner gets every
 * segment until the choice is made and keeps the conversation after a few
 * segments without one.
 */
int dissect_ws_guard(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    dissector_handle_t owner = ws_guarded_ports ?
        (dissector_handle_t)g_hash_table_lookup(ws_guarded_ports, GUINT_TO_POINTER(pinfo->match_uint)) : NULL;
    ws_conv_t *st;
    guint32 seq = 0;
    gboolean have_seq;

    if (!proto_is_protocol_enabled(find_protocol_by_id(proto_ws)))
        return ws_call_below(owner, tvb, pinfo, tree, data);
    st = ws_conv_get(pinfo, TRUE);
    have_seq = ws_tcp_seq(pinfo, data, &seq);
    if (!PINFO_FD_VISITED(pinfo) && st->port_choice == WS_PORT_UNDECIDED && !st->claimed) {
        if (ws_take_late_101(tvb, pinfo, st)) {
            st->port_choice = WS_PORT_WS;
            return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, have_seq, seq);
        }
        st->port_choice = ws_guard_choose(tvb, pinfo, st, owner, have_seq, seq);
    }
    if (st->port_choice == WS_PORT_HTTP)
        /* Also on later passes: the conversation is HTTP's until its Upgrade. */
        owner = http_tcp_handle;
    if (!PINFO_FD_VISITED(pinfo) && (st->port_choice == WS_PORT_OWNER || st->port_choice == WS_PORT_HTTP) &&
        !st->claimed) {
        /* Where the byte streams stand, should the owner hand the connection over
         * (HTTP's Upgrade). A segment fed above is not counted twice. */
        guint32 gap;
        ws_seq_observe(st, ws_direction(st, pinfo), tvb, have_seq, seq, &gap);
        st->guard_watched = TRUE;
    }
    /* An upgraded conversation reaches us through HTTP and, after the 101, as TCP's
     * conversation dissector: what comes here is HTTP's. */
    if (st->claimed && !st->upgraded)
        return ws_call_below(ws_handle, tvb, pinfo, tree, data);
    if (!PINFO_FD_VISITED(pinfo) && st->port_choice == WS_PORT_UNDECIDED && !st->claimed && owner &&
        !ws_tcp_start_seen(pinfo)) {
        /* A capture that began in the middle of the connection: its segments start
         * anywhere, inside a WebSocket frame perhaps, and the port's dissector would
         * read a length from one of them (HTTP waits for a line end) and keep every
         * later segment of the direction to itself, waiting for a PDU that never ends,
         * out of the heuristic's sight (MQTT on 1883 did, for a whole direction). The
         * first WS_GUARD_WHOLE_SEGS segments of each direction it gets alone while the
         * choice is open, on HTTP's ports too. */
        int dir = ws_direction(st, pinfo);
        if (st->guard_segs[dir] < WS_GUARD_WHOLE_SEGS) {
            st->guard_segs[dir]++;
            ws_pkt_get(pinfo, tvb, TRUE)->owner_whole = TRUE;
        }
    }
    if (st->port_choice != WS_PORT_OWNER || PINFO_FD_VISITED(pinfo)) {
        ws_pkt_t *pkt = ws_pkt_get(pinfo, tvb, FALSE);
        if (pkt && (pkt->pre == WS_PRE_PLAUSIBLE || pkt->owner_whole) && owner) {
            /* Frames, perhaps: the port's dissector sees them but may not keep later
             * segments to itself by asking TCP to reassemble (the same on every pass). */
            guint16 saved = pinfo->can_desegment;
            int r;
            pinfo->can_desegment = 0;
            r = call_dissector_only(owner, tvb, pinfo, tree, data);
            pinfo->can_desegment = saved;
            return r;
        }
    }
    return ws_call_below(owner, tvb, pinfo, tree, data);
}

/* Is the protocol of this handle one of those whose ports we guard? */
static gboolean ws_guard_wanted(dissector_handle_t h)
{
    int proto = dissector_handle_get_protocol_index(h);
    const char *name = proto >= 0 ? proto_get_protocol_filter_name(proto) : NULL;
    gchar **names;
    gboolean found = FALSE;
    int i;

    if (!name || h == ws_guard_handle || h == ws_handle || !ws_pref_guard_protocols)
        return FALSE;
    if (strcmp(ws_pref_guard_protocols, "*") == 0)
        /* Every dissector that owns a TCP port: WebSocket servers listen on any of them. */
        return TRUE;
    names = g_strsplit_set(ws_pref_guard_protocols, ", ", -1);
    for (i = 0; names[i] && !found; i++)
        found = g_ascii_strcasecmp(names[i], name) == 0;
    g_strfreev(names);
    return found;
}

static void ws_collect_owned_port(const gchar *table_name _U_, ftenum_t selector_type _U_, gpointer key, gpointer value,
                                  gpointer user_data _U_)
{
    dissector_handle_t h = dtbl_entry_get_handle((dtbl_entry_t *)value);

    if (h && ws_guard_wanted(h))
        g_hash_table_insert(ws_guarded_ports, key, h);
}

static void ws_restore_port(gpointer key, gpointer value, gpointer user_data _U_)
{
    dissector_add_uint("tcp.port", GPOINTER_TO_UINT(key), (dissector_handle_t)value);
}

static void ws_guard_port(gpointer key, gpointer value _U_, gpointer user_data _U_)
{
    dissector_add_uint("tcp.port", GPOINTER_TO_UINT(key), ws_guard_handle);
}

/* (Re)places the guard in front of the ports of the protocols the preferences name. */
void ws_update_port_guards(void)
{
    if (!ws_guarded_ports)
        ws_guarded_ports = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_foreach(ws_guarded_ports, ws_restore_port, NULL);
    g_hash_table_remove_all(ws_guarded_ports);
    if (!ws_pref_guard_ports)
        return;
    dissector_table_foreach("tcp.port", ws_collect_owned_port, NULL);
    g_hash_table_foreach(ws_guarded_ports, ws_guard_port, NULL);
}

/*
 * HTTP hands us the connection after "101 Switching Protocols" with
 * "Upgrade: websocket" (RFC 6455 4). The handshake tells which side is the
 * server and what was negotiated.
 */
int dissect_ws_upgrade(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    ws_conv_t *st = (ws_conv_t *)conversation_get_proto_data(conv, proto_ws);

    if (st && st->claimed && PINFO_FD_VISITED(pinfo) && st->upgrade_frame && pinfo->num < st->upgrade_frame)
        /* HTTP, on a later pass, hands on bytes of packets it kept on the first (it reads
         * the head of a request in pieces as an answer then): not frames we followed. */
        return ws_show_unsynced(tvb, pinfo, tree, "Not decoded: another dissector had these bytes on the first pass");
    if (!st || !st->claimed) {
        http_conv_t *http = proto_http > 0 ? (http_conv_t *)conversation_get_proto_data(conv, proto_http) : NULL;

        st = ws_conv_get(pinfo, TRUE);
        st->claimed = TRUE;
        st->claim_frame = pinfo->num;
        if (!PINFO_FD_VISITED(pinfo))
            st->upgrade_frame = pinfo->num;
        st->evidence = "HTTP Upgrade handshake";
        st->found_by = WS_FOUND_HANDSHAKE;
        st->upgraded = TRUE;
        /* What the handshake negotiated, as HTTP passes it on (compat.h: in http_conv_t up
         * to 4.4, through the http_upgrade_info_t HTTP hands us as data on 4.6). */
        st->subprotocol = WS_HTTP_WS_PROTOCOL(pinfo, http, data);
        st->extensions = WS_HTTP_WS_EXTENSIONS(pinfo, http, data);
        st->deflate_frame = ws_negotiated_deflate_frame(st->extensions);
        if (http) {
            if (http->startframe)
                st->claim_frame = http->startframe;
            if (http->startoffset > 0)
                st->http_head_end = (guint32)http->startoffset;
            if (http->server_port && (st->port0 != http->server_port ||
                                      !addresses_equal(&st->addr0, &http->server_addr))) {
                /* Direction 0 is the server's. Where the byte streams stand (the port
                 * guard saw the handshake) goes with the direction. */
                guint32 next = st->d[0].next_seq;
                gboolean known = st->d[0].seq_known;
                st->d[0].next_seq = st->d[1].next_seq;
                st->d[0].seq_known = st->d[1].seq_known;
                st->d[1].next_seq = next;
                st->d[1].seq_known = known;
                copy_address_wmem(wmem_file_scope(), &st->addr0, &http->server_addr);
                st->port0 = http->server_port;
            }
        }
        if (!PINFO_FD_VISITED(pinfo)) {
            /* Whatever the heuristic made of the HTTP request is forgotten; where the byte
             * streams stand is known only if the port guard saw all of the handshake. */
            int i, here = ws_direction(st, pinfo);
            for (i = 0; i < 2; i++) {
                if (!st->guard_watched)
                    /* else TCP's analysis says where the other direction stands (this
                     * one's bytes are placed by ws_stream_first_pass) */
                    st->d[i].seq_known = i != here && ws_tcp_flow_next(pinfo, TRUE, &st->d[i].next_seq) > 0;
                st->d[i].track_known = FALSE;
                st->d[i].hunting = FALSE;
                st->d[i].resynced = FALSE;
                st->masked[i] = -1;
                ws_carry_drop(&st->d[i]);
                ws_dir_break(&st->d[i]);
                st->d[i].hist_lost = FALSE;
                st->d[i].upgrade_seen = FALSE;
                st->d[i].head_frame = 0;
            }
        }
        if (!PINFO_FD_VISITED(pinfo) && !ws_inside_tls(pinfo))
            /* Later segments come straight to us rather than through HTTP's upgrade
             * table and our router (inside TLS, TLS keeps the TCP conversation). */
            conversation_set_dissector_from_frame_number(conv, pinfo->num + 1, ws_handle);
    }
    return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, FALSE, 0);
}

/*
 * What HTTP's upgrade table holds for "websocket": no protocol of its own, so that
 * with this plugin disabled (or the preference off) Wireshark's built-in dissector
 * gets upgraded connections exactly as without the plugin.
 */
int dissect_ws_upgrade_router(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    gboolean ours = ws_pref_take_upgrade && proto_is_protocol_enabled(find_protocol_by_id(proto_ws));
    dissector_handle_t h = ours || !builtin_ws_handle ? ws_upgrade_handle : builtin_ws_handle;

    return ws_call_below(h, tvb, pinfo, tree, data);
}

/*
 * Conversation dissector: set when a conversation is accepted, also reachable
 * through Decode As. On later passes (two-pass tshark, the GUI) it also gets the
 * segments that came before the acceptance: those that fitted the evidence are
 * decoded (without reassembly, which TCP did not do for them), those before the
 * first frame boundary of their direction are shown as one labelled item.
 */
int dissect_ws_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_conv_t *st = ws_conv_get(pinfo, TRUE);
    ws_pkt_t *pkt;
    int dir;
    guint32 seq = 0;
    gboolean have_seq = ws_tcp_seq(pinfo, data, &seq);

    if (!st->claimed && (st->req_whole || st->req_failed))
        return PINFO_FD_VISITED(pinfo) || st->req_failed ? 0 : ws_await_101(tvb, pinfo, tree, st, have_seq, seq);
    if (st->claimed && pinfo->num == st->claim_frame && PINFO_FD_VISITED(pinfo) && !ws_pkt_get(pinfo, tvb, FALSE))
        /* Bytes of the packet that accepted the conversation that the first pass did not
         * hand us (a reassembled PDU of the dissector that had the conversation until
         * then): not frames we followed. */
        return ws_show_unsynced(tvb, pinfo, tree, "Not decoded: another dissector had these bytes on the first pass");
    if (!st->claimed || pinfo->num >= st->claim_frame)
        return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, have_seq, seq);

    pkt = ws_pkt_get(pinfo, tvb, FALSE);
    dir = ws_direction(st, pinfo);
    if (pkt && pkt->pre == WS_PRE_PLAUSIBLE && pkt->run && pkt->run->confirmed)
        return dissect_ws_stream(tvb, pinfo, tree, st, FALSE, FALSE, 0);
    if (st->late_req && dir == 1 && tvb_reported_length(tvb) > 0)
        /* The client's request, which HTTP did not take (ws_take_late_101). */
        return ws_show_request_part(tvb, pinfo, tree, FALSE);
    if (tvb_reported_length(tvb) > 0 && (!st->boundary[dir] || pinfo->num < st->boundary[dir])) {
        proto_item *ti;
        proto_tree *ws_tree;

        col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
        col_set_str(pinfo->cinfo, COL_INFO, "Continuation of a frame that began before the capture");
        ti = proto_tree_add_item(tree, proto_ws, tvb, 0, -1, ENC_NA);
        proto_item_append_text(ti, ", before the first frame boundary");
        ws_tree = proto_item_add_subtree(ti, ett_ws);
        proto_tree_add_item(ws_tree, hf_ws_before_boundary, tvb, 0, -1, ENC_NA);
        return (int)tvb_captured_length(tvb);
    }
    /* A segment of the conversation that the first pass did not see (another dissector
     * had it): it stays ours, undecoded, rather than going to that dissector again. */
    return ws_show_unsynced(tvb, pinfo, tree, "Not decoded: another dissector had these bytes on the first pass");
}
