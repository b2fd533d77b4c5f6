/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-late101.c: detection, an Upgrade that HTTP did not follow. A 101 answer naming
 * websocket whose request was not captured, or came in pieces HTTP's heuristic did not
 * recognise (ws_take_late_101: the conversation is ours from the answer, read with the
 * core's wsc_http101_parse); an Upgrade request in pieces on a port HTTP does not own,
 * gathered until it is whole (ws_gather_request), with the pieces HTTP's heuristic
 * would misread held meanwhile (ws_request_piece_for_http), then the server's answer
 * awaited (ws_await_101); how the request's pieces and the late 101 are shown. Also
 * a segment of frames whose payload HTTP's heuristic would take, held from it before the
 * decision (ws_frames_for_http). The entry points that call these are in ws-detect.c.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/conversation.h>

#include "ws-int.h"
#include "core/wsc_http.h"

/* A header value of the handshake as a string of the capture's lifetime, or NULL. */
static const char *ws_header_value(const guint8 *v, size_t n)
{
    return v ? wmem_strndup(wmem_file_scope(), (const char *)v, n) : NULL;
}

/* x-webkit-deflate-frame (or deflate-frame) and not permessage-deflate was negotiated. */
gboolean ws_negotiated_deflate_frame(const char *extensions)
{
    return extensions && !strstr(extensions, "permessage-deflate") && strstr(extensions, "deflate-frame") != NULL;
}

/*
 * First pass: a segment that begins with a whole "101 Switching Protocols" naming
 * websocket, the first bytes of its direction, while the other direction has sent
 * nothing or only what began with "GET " (a request HTTP did not take: it came in
 * pieces too small for HTTP's heuristic, or the port is not HTTP's). The capture began
 * after the client's request, or HTTP missed it, and HTTP does not switch to WebSocket
 * without it: the conversation is ours from here, as if HTTP had handed it over. The
 * server's frames start right after the header block, the client's with its next
 * bytes; what was negotiated is read from the answer. Returns TRUE when taken.
 */
gboolean ws_take_late_101(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st)
{
    guint n = MIN(tvb_captured_length(tvb), WSC_HTTP_MAX_HEADER);
    int dir, i;
    wsc_http101 h;

    if (PINFO_FD_VISITED(pinfo) || st->claimed || n < 14 || ws_tvb_get_u8(tvb, 0) != 'H')
        return FALSE;
    dir = ws_direction(st, pinfo);
    if (st->d[dir].seq_known || (st->fed_num != 0 && !st->d[dir ^ 1].http_get))
        return FALSE;
    if (!wsc_http101_parse(tvb_get_ptr(tvb, 0, n), n, &h))
        return FALSE;
    st->late_req = st->d[dir ^ 1].http_get;
    if (dir != 0) {
        /* Direction 0 is the server's: where the client's stream stands (after its
         * request) goes with it. */
        st->d[1].next_seq = st->d[0].next_seq;
        st->d[1].seq_known = st->d[0].seq_known;
        st->d[0].seq_known = FALSE;
    }
    for (i = 0; i < 2; i++) {
        /* Whatever the heuristic made of the request is forgotten. */
        st->d[i].run = NULL;
        st->d[i].track_known = FALSE;
        st->d[i].hunting = FALSE;
        st->d[i].resynced = FALSE;
        st->masked[i] = -1;
        st->d[i].http_get = FALSE;
        ws_carry_drop(&st->d[i]);
        ws_dir_break(&st->d[i]);
        wsc_heur_conv_reset_dir(&st->heur, i);
    }
    st->claimed = TRUE;
    st->upgraded = TRUE;
    st->claim_frame = pinfo->num;
    st->evidence = st->late_req ? "HTTP 101 answer to an Upgrade request that HTTP did not recognise"
                                : "HTTP 101 answer to an Upgrade request that was not captured";
    st->found_by = WS_FOUND_LATE_101;
    st->subprotocol = ws_header_value(h.protocol, h.protocol_len);
    st->extensions = ws_header_value(h.extensions, h.extensions_len);
    st->deflate_frame = ws_negotiated_deflate_frame(st->extensions);
    st->resp101_frame = pinfo->num;
    st->resp101_raw = (guint32)tvb_raw_offset(tvb);
    st->resp101_len = (guint32)h.header_len;
    /* Direction 0 is the server's. */
    copy_address_wmem(wmem_file_scope(), &st->addr0, &pinfo->src);
    st->port0 = pinfo->srcport;
    conversation_set_dissector(find_or_create_conversation(pinfo), ws_handle);
    return TRUE;
}

/* A piece of an Upgrade request that HTTP did not take (open: the request is still
 * being gathered, so not yet known to be one). */
int ws_show_request_part(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, gboolean open)
{
    proto_item *ti;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
    col_set_str(pinfo->cinfo, COL_INFO, open ? "Part of an HTTP request in pieces (a WebSocket Upgrade?)"
                                             : "Part of the HTTP Upgrade request (not recognised by HTTP)");
    ti = proto_tree_add_item(tree, proto_ws, tvb, 0, -1, ENC_NA);
    proto_item_append_text(ti, open ? ", part of an HTTP request being gathered" : ", part of the HTTP Upgrade request");
    proto_tree_add_item(proto_item_add_subtree(ti, ett_ws), hf_ws_request_part, tvb, 0, -1, ENC_NA);
    call_dissector(text_lines_handle, tvb, pinfo, tree);
    return (int)tvb_captured_length(tvb);
}

/*
 * While a request is gathered, its conversation's later segments come to us before any
 * heuristic: Wireshark moves a heuristic that accepted a packet to the front of its list,
 * so after HTTP's heuristic took some other conversation it is tried before ours, and it
 * would take the piece whose first line ends in "HTTP/1.1" (ws_request_piece_for_http).
 * The conversation dissector does on the first pass what our heuristic does and, where
 * that declines, lets TCP go on to the ports and heuristics; on later passes it leaves
 * every segment to them until the gathering ends: a whole request makes the
 * conversation ours (dissect_ws_tcp), one that is not an Upgrade HTTP's.
 */
static int dissect_ws_gathering(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_conv_t *st = ws_conv_get(pinfo, FALSE);

    if (!st)
        return 0;
    if (st->claimed || st->req_whole || st->req_failed)
        return dissect_ws_tcp(tvb, pinfo, tree, data);
    if (PINFO_FD_VISITED(pinfo))
        return 0;
    return dissect_ws_heur_tcp(tvb, pinfo, tree, data) ? (int)tvb_captured_length(tvb) : 0;
}

static dissector_handle_t ws_gathering_handle;

void ws_gather_register(void)
{
    ws_gathering_handle = create_dissector_handle(dissect_ws_gathering, proto_ws);
}

/* The request's first piece: the conversation's next segments come to us first. */
static void ws_gather_hold(packet_info *pinfo)
{
    conversation_t *conv = find_or_create_conversation(pinfo);

    if (!conversation_get_dissector(conv, pinfo->num))
        conversation_set_dissector_from_frame_number(conv, pinfo->num + 1, ws_gathering_handle);
}

/* The gathering is over: the conversation is h's from the request's first piece (on
 * later passes; now from the next segment). */
static void ws_gather_hand_over(packet_info *pinfo, const ws_conv_t *st, dissector_handle_t h)
{
    conversation_t *conv = find_or_create_conversation(pinfo);

    conversation_set_dissector_from_frame_number(conv, st->req_first, h);
    if (conversation_get_dissector(conv, st->req_first + 1) == ws_gathering_handle)
        conversation_set_dissector_from_frame_number(conv, st->req_first + 1, h);
}

/*
 * First pass, a direction that began with "GET " and that HTTP did not take: its bytes
 * are gathered until they hold a whole WebSocket Upgrade request that ends where the
 * segment ends. Then the conversation is ours (its dissector, tried before any
 * heuristic, HTTP's included), waiting for the server's answer (ws_await_101). Stops
 * at WSC_HTTP_MAX_HEADER bytes or at a header block that is not such a request.
 */
void ws_gather_request(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir)
{
    guint caplen = tvb_captured_length(tvb);
    size_t hl;

    if (st->req_whole || st->req_failed || st->req_len > WSC_HTTP_MAX_HEADER)
        return;
    if (caplen != tvb_reported_length(tvb) || st->req_len + caplen > WSC_HTTP_MAX_HEADER) {
        st->req_len = WSC_HTTP_MAX_HEADER + 1; /* no more gathering */
        return;
    }
    if (!st->req) {
        /* A first piece that holds the whole request line is HTTP's: its heuristic takes
         * it (after ours, which leaves it) and follows the Upgrade itself. */
        if (ws_tvb_find_u8(tvb, 0, (gint)caplen, '\n') >= 0) {
            st->req_len = WSC_HTTP_MAX_HEADER + 1;
            return;
        }
        st->req_first = pinfo->num;
        st->req_first_dir = (guint8)dir;
        ws_gather_hold(pinfo);
    }
    st->req = (guint8 *)wmem_realloc(wmem_file_scope(), st->req, st->req_len + caplen);
    tvb_memcpy(tvb, st->req + st->req_len, 0, caplen);
    st->req_len += caplen;
    if (memcmp(st->req, "GET ", MIN(st->req_len, 4)) != 0) {
        /* A short first piece that only looked like the start of "GET ". */
        st->req_len = WSC_HTTP_MAX_HEADER + 1;
        st->d[dir].http_get = FALSE;
        return;
    }
    if (wsc_http_upgrade_request(st->req, st->req_len, &hl) && hl == st->req_len) {
        st->req_whole = TRUE;
        st->req_dir = (guint8)dir;
        st->req_whole_frame = pinfo->num;
        /* From its first piece, so that later passes show every piece as the request;
         * this one is claimed now (HTTP's heuristic would take a piece whose first line
         * ends in "HTTP/1.1"). */
        ws_gather_hand_over(pinfo, st, ws_handle);
    } else if (wsc_http_header_end(st->req, st->req_len) != 0) {
        st->req_len = WSC_HTTP_MAX_HEADER + 1;
        if (st->req_pieces_taken && http_tcp_handle)
            /* Pieces of a request that is not an Upgrade were kept from HTTP's heuristic
             * (ws_request_piece_for_http): the conversation is HTTP's, on later passes
             * from the request's first piece (as HTTP's heuristic would have had it, and
             * without the reassembly the first pass did not do), now from the next segment. */
            ws_gather_hand_over(pinfo, st, http_tcp_handle);
    }
}

/*
 * First pass: a later piece of a request being gathered that HTTP's heuristic would
 * take (its first line ends in "HTTP/1.x", as the rest of a request line split after
 * "GET" or inside the path does). HTTP would read it as the start of a request and
 * own the conversation from there, a 101 that follows would not switch, and every
 * frame after it would be lost; it is held here until the request is whole
 * (ws_gather_request decides: ours, or handed to HTTP from its first piece).
 */
/* HTTP's heuristic (Wireshark 4.0's dissect_http_heur_tcp) takes a segment whose first line
 * ends in "HTTP/1.x" or begins with "HTTP/1." (and then owns the conversation). */
static gboolean ws_http_heur_would_take(tvbuff_t *tvb)
{
    gint next, linelen;

    linelen = tvb_find_line_end(tvb, 0, -1, &next, TRUE);
    if (linelen < 0 || linelen == 8)
        return FALSE;
    return (linelen > 8 && tvb_strncaseeql(tvb, linelen - 8, "HTTP/1.", 7) == 0) ||
           tvb_strncaseeql(tvb, 0, "HTTP/1.", 7) == 0;
}

gboolean ws_request_piece_for_http(tvbuff_t *tvb, packet_info *pinfo, const ws_conv_t *st)
{
    if (!st->req || st->req_whole || st->req_failed || st->req_len > WSC_HTTP_MAX_HEADER ||
        st->req_first == pinfo->num || ws_direction(st, pinfo) != st->req_first_dir)
        return FALSE;
    return ws_http_heur_would_take(tvb);
}

/*
 * First pass, undecided conversation: a segment that is whole frames from its first byte
 * to its last (the heuristic found it plausible) but whose payload's first line ends in
 * "HTTP/1.x", an HTTP request carried in a binary frame (a tunnel such as wstunnel). HTTP's
 * heuristic would take it, own the conversation and keep every later frame from us; it is
 * held here instead (a frame header is never the start of an HTTP message). Decoded as
 * frames on later passes if the conversation is accepted; left to HTTP if it never is.
 */
gboolean ws_frames_for_http(tvbuff_t *tvb, const ws_conv_t *st)
{
    return st->fed_verdict == WSC_SEG_PLAUSIBLE && st->fed_whole && ws_http_heur_would_take(tvb);
}

/*
 * First pass, an Upgrade request gathered by ws_gather_request(): the server's first
 * bytes. A 101 naming websocket, in pieces gathered by TCP for us, makes the
 * conversation ours (ws_take_late_101); anything else gives it back (0: TCP tries the
 * other dissectors, HTTP's heuristic among them).
 */
int ws_await_101(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st, gboolean have_seq,
                        guint32 seq)
{
    guint n = MIN(tvb_captured_length(tvb), WSC_HTTP_MAX_HEADER);
    const guint8 *p;
    long end;

    if (ws_direction(st, pinfo) == st->req_dir || n == 0)
        return 0;
    p = tvb_get_ptr(tvb, 0, (gint)n);
    if (memcmp(p, "HTTP/1.", MIN(n, 7)) != 0)
        goto not_ours;
    end = wsc_http_header_end(p, n);
    if (end == 0 && pinfo->can_desegment && tvb_captured_length(tvb) == tvb_reported_length(tvb)) {
        pinfo->desegment_offset = 0;
        pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
        col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
        col_set_str(pinfo->cinfo, COL_INFO, "Part of the server's answer to an Upgrade request");
        return (int)tvb_captured_length(tvb);
    }
    if (end > 0 && ws_take_late_101(tvb, pinfo, st))
        return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, have_seq, seq);
not_ours:
    st->req_whole = FALSE;
    st->req_failed = TRUE;
    return 0;
}

/* The header block of a 101 answer taken by ws_take_late_101(): shown by HTTP. */
void ws_show_late_101(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const ws_conv_t *st)
{
    guint16 saved = pinfo->can_desegment;

    pinfo->can_desegment = 0;
    if (!http_tcp_handle || !call_dissector_only(http_tcp_handle, tvb, pinfo, tree, NULL)) {
        call_dissector(data_handle, tvb, pinfo, tree);
        col_set_str(pinfo->cinfo, COL_INFO, "HTTP 101 Switching Protocols");
    }
    pinfo->can_desegment = saved;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
    col_append_str(pinfo->cinfo, COL_INFO, st->late_req ? "(the request was in pieces HTTP did not recognise)"
                                                        : "(the request is not in the capture)");
    col_set_fence(pinfo->cinfo, COL_INFO);
}
