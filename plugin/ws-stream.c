/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-stream.c: where a segment of an accepted conversation stands, and the way it takes
 * to frames (the state it reads and writes is found through ws-state.c). On the first
 * pass it checks a segment's TCP sequence numbers against its direction (gaps,
 * retransmissions), follows the frame that earlier segments left open (ws_carry_t), and
 * sends a direction whose boundaries were lost back to ws-evidence.c. Then it shows what
 * is not decoded, and hands the rest to tcp_dissect_pdus with the length callback
 * (get_ws_pdu_len) and ws-frame.c's dissect_ws_frame. It calls the core's header parser
 * through ws-frame.c, ws-evidence.c (hunting), ws-message.c (a frame completed across
 * segments, a break in a direction) and ws-detect.c (a 101 shown in front of frames).
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

#include "ws-int.h"
#include "core/wsc_mask.h"
#include "core/wsc_http.h"

/* tcp_dissect_pdus length callback: the same core parser as the heuristic. */
static guint get_ws_pdu_len(packet_info *pinfo, tvbuff_t *tvb, int offset, void *data)
{
    wsc_frame_header hdr;
    int rc = ws_parse_tvb_header(tvb, offset, &hdr);
    guint64 total;
    guint remaining = (guint)tvb_reported_length_remaining(tvb, offset);

    if (rc == WSC_PARSE_NEED_MORE)
        return 0;
    if (rc < 0 || ws_header_untrusted((const ws_ctx_t *)data, pinfo, tvb, (guint)offset, &hdr))
        /* No length can be trusted: the rest of the data is one bad frame. */
        return remaining;
    total = wsc_frame_total_len(&hdr);
    if (total > ws_max_reassembly())
        /* Too big to reassemble: take what this segment has, follow the rest in ws_pending_t. */
        return MAX(remaining, (guint)hdr.header_len);
    return (guint)total;
}

/* TCP's sequence analysis flags a segment "previous segment not captured" with this bit
 * of struct tcp_acked's flags (TCP_A_LOST_PACKET in packet-tcp.c). */
#define WS_TCP_A_LOST_PACKET 0x0002
/* ws_pkt_t.gap when TCP says bytes are missing but not how many. */
#define WS_GAP_UNKNOWN G_MAXUINT32

/*
 * First pass: has TCP's sequence analysis seen bytes missing before this segment? Used
 * where our own check has nothing to compare with yet: the first segment of a direction
 * after HTTP's Upgrade (HTTP does not hand on sequence numbers).
 */
static gboolean ws_tcp_saw_loss(packet_info *pinfo)
{
    struct tcp_analysis *tcpd = get_tcp_conversation_data(NULL, pinfo);

    return tcpd && tcpd->ta && (tcpd->ta->flags & WS_TCP_A_LOST_PACKET);
}

/* Stops following the direction's open frame (its frame boundaries are no longer known). */
void ws_carry_drop(ws_dir_t *d)
{
    d->carry.active = FALSE;
}

/* Starts following a frame that the end of a segment cuts, from its first byte (at seq). */
void ws_carry_start(ws_dir_t *d, packet_info *pinfo, gboolean gather, gboolean have_seq, guint32 seq)
{
    ws_carry_t *c = &d->carry;

    c->active = TRUE;
    c->hdr_have = 0;
    c->payload_have = 0;
    c->have_seq = have_seq;
    c->seq = seq;
    c->start_frame = pinfo->num;
    c->gather = gather;
    if (gather) {
        if (!c->buf) {
            c->buf = g_byte_array_new();
            ws_free_on_close(c->buf, (GDestroyNotify)g_byte_array_unref);
        }
        g_byte_array_set_size(c->buf, 0);
    }
}

/* Whether the open frame's header is complete (c->h is then valid). */
static gboolean ws_carry_header_done(const ws_carry_t *c)
{
    return c->hdr_have >= 2 && c->hdr_have >= wsc_frame_header_len(c->hdr[0], c->hdr[1]);
}

/*
 * The open frame's description for the display of a segment that continues it, once
 * the segment's bytes were fed (payload_pos: where the payload stood before them).
 */
static void ws_carry_describe(const ws_carry_t *c, ws_pkt_t *pkt, guint64 payload_pos)
{
    gboolean done = ws_carry_header_done(c);

    pkt->cont.payload_pos = payload_pos;
    pkt->cont.payload_len = done ? c->h.payload_len : 0;
    pkt->cont.start_frame = c->start_frame;
    pkt->cont.opcode = c->hdr_have ? (c->hdr[0] & WSC_B0_OPCODE) : 0;
    pkt->cont.masked = c->hdr_have >= 2 ? (c->hdr[1] & WSC_B1_MASK) != 0 : 0;
    if (done)
        memcpy(pkt->cont.key, c->h.mask_key, 4);
}

/*
 * Feeds the open frame of direction dir the next bytes of that direction, p[0..n):
 * header bytes until its header is complete, then payload. Returns how many bytes it
 * took (*hdr_used of them header bytes; the payload key of the first payload byte in
 * *key_out), or -1 if the completed header is not valid. A complete frame whose payload
 * was gathered goes to its message; *rec is then its record (the caller keys it).
 */
gint64 ws_carry_feed(ws_conv_t *st, int dir, packet_info *pinfo, const guint8 *p, guint n, guint *hdr_used,
                     ws_frame_rec_t **rec)
{
    ws_carry_t *c = &st->d[dir].carry;
    guint used = 0;
    guint64 left;
    guint take;

    *hdr_used = 0;
    *rec = NULL;
    if (!c->active)
        return 0;
    while (!ws_carry_header_done(c)) {
        if (used == n) {
            /* The segment ends inside the header: all of it was header bytes. */
            *hdr_used = used;
            return used;
        }
        c->hdr[c->hdr_have++] = p[used++];
        if (ws_carry_header_done(c)) {
            if (wsc_frame_parse_header(c->hdr, c->hdr_have, &c->h, NULL) <= 0) {
                c->active = FALSE;
                *hdr_used = used;
                return -1;
            }
            if (c->h.payload_len > ws_pref_max_message)
                c->gather = FALSE;
        }
    }
    *hdr_used = used;
    left = c->h.payload_len - c->payload_have;
    take = (guint)MIN(left, (guint64)(n - used));
    if (c->gather && take) {
        guint old = c->buf->len;
        g_byte_array_set_size(c->buf, old + take);
        if (c->h.masked)
            wsc_unmask(c->buf->data + old, p + used, take, c->h.mask_key, c->payload_have);
        else
            memcpy(c->buf->data + old, p + used, take);
    }
    c->payload_have += take;
    used += take;
    if (c->payload_have == c->h.payload_len) {
        c->active = FALSE;
        if (c->gather)
            *rec = ws_track_frame(st, dir, pinfo, &c->h, c->buf->data, c->buf->len, c->have_seq, c->seq, TRUE);
    }
    return used;
}

/* Bytes of an accepted conversation that are not decoded as frames. */
int ws_show_unsynced(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const char *why)
{
    proto_item *ti, *it;
    proto_tree *ws_tree;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
    col_set_str(pinfo->cinfo, COL_INFO, why);
    ti = proto_tree_add_item(tree, proto_ws, tvb, 0, -1, ENC_NA);
    proto_item_append_text(ti, ", %s", why);
    ws_tree = proto_item_add_subtree(ti, ett_ws);
    it = proto_tree_add_item(ws_tree, hf_ws_undecoded, tvb, 0, -1, ENC_NA);
    proto_item_append_text(it, " (%s)", why);
    return (int)tvb_captured_length(tvb);
}

/*
 * First pass: checks that the segment's bytes follow the last ones handed to us in
 * its direction. A jump forward means bytes are missing (not captured, or another
 * dissector got them); bytes we already had are a retransmission.
 */
int ws_seq_observe(ws_conv_t *st, int dir, tvbuff_t *tvb, gboolean have_seq, guint32 seq, guint32 *gap)
{
    ws_dir_t *d = &st->d[dir];
    guint32 len = (guint32)tvb_reported_length(tvb);
    int r = WS_SEQ_NEXT;

    *gap = 0;
    if (!have_seq)
        return r;
    if (d->seq_known) {
        gint32 delta = (gint32)(seq - d->next_seq);
        if (delta > 0) {
            *gap = (guint32)delta;
            r = WS_SEQ_GAP;
        } else if (delta < 0) {
            if ((gint32)(seq + len - d->next_seq) <= 0)
                return WS_SEQ_OLD;
            /* Old bytes, then new ones: the receiver kept the old ones it had (the first
             * copy, which we decoded); *gap says how many to skip. */
            *gap = (guint32)-delta;
            d->next_seq = seq + len;
            return WS_SEQ_OVERLAP;
        }
    }
    d->seq_known = TRUE;
    d->next_seq = seq + len;
    return r;
}

/*
 * First pass: the bytes at the start of the segment go on with the frame its direction
 * left open; what they are is kept in pkt for every pass. Returns FALSE when the header
 * they complete is not valid (the direction then looks for frame boundaries again).
 */
static gboolean ws_continue_open_frame(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, ws_pkt_t *pkt)
{
    ws_dir_t *d = &st->d[dir];
    guint caplen = tvb_captured_length(tvb);
    guint64 payload_pos = d->carry.payload_have;
    guint hdr_used;
    ws_frame_rec_t *rec;
    gint64 used = ws_carry_feed(st, dir, pinfo, tvb_get_ptr(tvb, 0, caplen), caplen, &hdr_used, &rec);

    if (used < 0) {
        ws_start_hunting(st, dir, WS_RESYNC_SCORE);
        pkt->unsynced = WS_UNSYNCED_HUNTING;
        return FALSE;
    }
    /* A header completed here gives the key and length (the frame stays open, or ended:
     * either way its header is kept). */
    ws_carry_describe(&d->carry, pkt, payload_pos);
    pkt->cont_len = (guint32)used;
    pkt->cont_hdr = hdr_used;
    ws_frame_rec_put(pinfo, (guint32)tvb_raw_offset(tvb), rec);
    return TRUE;
}

/*
 * How long the HTTP head that tvb begins with is: a 101's whole head ("HTTP/1." to its
 * empty line), else, when rest is TRUE, the part of one that HTTP did not read
 * (wsc_http_head_rest says why no frames a server sends read as such); 0 or less when
 * neither, or not all of it is there.
 */
static long ws_head_len(tvbuff_t *tvb, gboolean rest)
{
    guint n = MIN(tvb_captured_length(tvb), WSC_HTTP_MAX_HEADER);
    const guint8 *p;

    if (n == 0)
        return 0;
    p = tvb_get_ptr(tvb, 0, (gint)n);
    if (n >= 7 && memcmp(p, "HTTP/1.", 7) == 0)
        return wsc_http_header_end(p, n);
    return rest ? (long)wsc_http_head_rest(p, n) : 0;
}

/*
 * A 101 head in pieces, of which HTTP read only the first (TCP reassembly off) and
 * handed us the others: the server's first bytes after the Upgrade that are all head
 * text without its end, then the next segments up to the empty line. Returns how many
 * of the segment's bytes are head. A piece that breaks the rules means the earlier ones
 * were frames after all: where frames begin is then looked for again.
 */
static long ws_head_in_pieces(tvbuff_t *tvb, ws_conv_t *st, ws_dir_t *d)
{
    guint n = tvb_captured_length(tvb);
    const guint8 *p = tvb_get_ptr(tvb, 0, (gint)n);
    long r;

    if (n == 0 || n != tvb_reported_length(tvb))
        return 0;
    if (!d->head_open) {
        /* (with TCP's reassembly HTTP reads a head whole) */
        if (d->upgrade_seen || ws_tcp_pref("desegment_tcp_streams") || !wsc_http_head_rest_open(p, n, &d->head_state))
            return 0;
        d->head_open = n;
        return (long)n;
    }
    r = wsc_http_head_feed(&d->head_state, p, n);
    if (r == 0 && d->head_open + n <= WSC_HTTP_MAX_HEADER) {
        d->head_open += n;
        return (long)n;
    }
    d->head_open = 0;
    if (r > 0)
        return r;
    ws_start_hunting(st, 0, WS_RESYNC_SCORE);
    return 0;
}

/*
 * First pass of a segment of an accepted conversation: the sequence check, the
 * search for frame boundaries after a gap, the frame left open by earlier segments.
 * Returns FALSE when the segment is not to be decoded as frames (pkt->unsynced says why).
 */
static gboolean ws_stream_first_pass(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, gboolean have_seq,
                                     guint32 seq)
{
    ws_dir_t *d = &st->d[dir];
    guint32 gap;
    gboolean first = !d->seq_known, handed = !have_seq;
    int where;
    tvbuff_t *whole_tvb = tvb;
    ws_pkt_t *pkt;

    if (handed && st->upgraded && ws_tvb_in_frame(pinfo, tvb)) {
        /* Bytes HTTP handed on after its 101, without their sequence number: TCP's
         * analysis places them, or says they are old (a retransmission). */
        guint32 end;
        int r = ws_tcp_flow_next(pinfo, FALSE, &end);
        if (r < 0 || (r == 2 && (!d->seq_known || d->next_seq == end))) {
            /* (nothing of the direction seen since the Upgrade: bytes below TCP's
             * highest are the request's again, or the answer's) */
            ws_pkt_get(pinfo, tvb, TRUE)->unsynced = WS_UNSYNCED_OLD;
            return FALSE;
        }
        /* (the port guard, which saw the segment before HTTP, may have counted them;
         * above, with TCP's higher bytes seen before, they are the latest again) */
        if (r > 0 && !(d->seq_known && d->next_seq == end)) {
            have_seq = TRUE;
            seq = end - tvb_reported_length(tvb);
        }
    }
    where = ws_seq_observe(st, dir, tvb, have_seq, seq, &gap);

    if (where == WS_SEQ_NEXT && (first || handed) && st->upgraded && ws_tcp_saw_loss(pinfo)) {
        /* After the handshake, before the first bytes we see, or in bytes HTTP hands on
         * (without their sequence number): TCP says something is missing. */
        where = WS_SEQ_GAP;
        gap = WS_GAP_UNKNOWN;
    }

    if (where == WS_SEQ_NEXT && (first || !d->upgrade_seen || d->head_open) && st->upgraded) {
        /* HTTP's 101 head was reassembled by TCP, and the frames after it that we asked
         * TCP for come back in one reassembled run with the head in front (Wireshark 4.0
         * keeps the run HTTP started). No WebSocket stream starts with "H" (0x48 would
         * be a close frame without FIN, RFC 6455 5.5): the head ends where HTTP said
         * when it handed us the connection, or else at its empty line. */
        /* If HTTP ended the head early (at a line it did not read as a header), what it
         * handed on is the head's rest: looked for in the server's first bytes only. */
        long end = ws_head_len(tvb, dir == 0 && !d->upgrade_seen);
        if (st->http_head_end && st->http_head_end < tvb_captured_length(tvb) &&
            tvb_memeql(tvb, 0, (const guint8 *)"HTTP/1.", 7) == 0)
            end = (long)st->http_head_end;
        /* The rest is for the direction's first bytes after the Upgrade only (first is
         * FALSE there when the port guard saw the handshake, TRUE again in later runs
         * TCP reassembles for us when HTTP handed the bytes without a sequence number). */
        if (dir == 0 && end <= 0)
            end = ws_head_in_pieces(tvb, st, d);
        if (!d->upgrade_seen)
            d->head_frame = pinfo->num;
        d->upgrade_seen = TRUE;
        if (end > 0) {
            pkt = ws_pkt_get(pinfo, tvb, TRUE);
            pkt->head_len = (guint32)end;
            tvb = tvb_new_subset_remaining(tvb, (gint)end);
        }
    }
    if (where == WS_SEQ_OLD) {
        pkt = ws_pkt_get(pinfo, tvb, TRUE);
        pkt->unsynced = WS_UNSYNCED_OLD;
        return FALSE;
    }
    if (where == WS_SEQ_OVERLAP) {
        /* The new bytes after the old ones go on where the stream stood. */
        pkt = ws_pkt_get(pinfo, tvb, TRUE);
        pkt->old_len = gap;
        tvb = tvb_new_subset_remaining(tvb, (gint)gap);
    }
    if (where == WS_SEQ_GAP) {
        pkt = ws_pkt_get(pinfo, whole_tvb, TRUE);
        pkt->gap = gap;
        ws_start_hunting(st, dir, WS_RESYNC_SCORE);
    }
    if (d->hunting) {
        pkt = ws_pkt_get(pinfo, whole_tvb, TRUE);
        if (!ws_hunt(tvb, pinfo, st, dir, pkt, have_seq, seq)) {
            pkt->unsynced = WS_UNSYNCED_HUNTING;
            return FALSE;
        }
        return TRUE;
    }
    if (d->carry.active && !(st->fed_num == pinfo->num && st->fed_raw == (guint32)tvb_raw_offset(tvb)))
        /* (The segment that decided the conversation fed the open frame already.) */
        return ws_continue_open_frame(tvb, pinfo, st, dir, ws_pkt_get(pinfo, whole_tvb, TRUE));
    return TRUE;
}

/* ws.stream.gap on the TCP layer's item. */
static void ws_expert_gap(packet_info *pinfo, proto_tree *tree, guint32 gap)
{
    if (gap == WS_GAP_UNKNOWN)
        expert_add_info_format(pinfo, proto_tree_get_parent(tree), &ei_ws_stream_gap,
                               "Bytes of this direction are missing before this segment (TCP saw a segment not "
                               "captured): the message in progress and the compression history end here");
    else
        expert_add_info_format(pinfo, proto_tree_get_parent(tree), &ei_ws_stream_gap,
                               "%u bytes of this direction are missing before this segment (not captured, or "
                               "decoded by another dissector): the message in progress and the compression "
                               "history end here", gap);
}

/*
 * The frames from offset on, through tcp_dissect_pdus: one call of dissect_ws_frame per
 * frame, the rest of a frame asked for from TCP when reassembly is on.
 */
static void ws_dissect_frames(tvbuff_t *tvb, guint offset, packet_info *pinfo, proto_tree *tree, gboolean reassemble,
                              ws_ctx_t *ctx)
{
    tvbuff_t *rest = offset ? tvb_new_subset_remaining(tvb, offset) : tvb;
    ws_dir_t *d = &ctx->conv->d[ctx->dir];

    ctx->reassembled = reassemble && ws_pref_desegment && pinfo->can_desegment;
    if (!ctx->reassembled) {
        ws_dissect_frames_as_they_are(tvb, offset, pinfo, tree, ctx);
        return;
    }
    tcp_dissect_pdus(rest, pinfo, tree, TRUE, 2, get_ws_pdu_len, dissect_ws_frame, ctx);
    if (offset && pinfo->desegment_len)
        pinfo->desegment_offset += offset;
    if (!PINFO_FD_VISITED(pinfo) && reassemble && pinfo->desegment_len) {
        /* TCP hands the bytes from here on back to us, reassembled (without the sequence
         * number, as from HTTP's upgrade, where they start is learnt then). */
        if (ctx->have_seq)
            d->next_seq = ctx->seq + (guint32)pinfo->desegment_offset;
        else
            d->seq_known = FALSE;
    }
}

/* Does the tvb begin with an HTTP/1.x head exactly head_len bytes long? */
static gboolean ws_starts_with_101_head(tvbuff_t *tvb, guint head_len)
{
    return ws_head_len(tvb, FALSE) == (long)head_len;
}

/* What the PDU callbacks of one dissect_ws_stream() call share. */
static void ws_ctx_init(ws_ctx_t *ctx, tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, gboolean track,
                        gboolean have_seq, guint32 seq)
{
    ctx->show_evidence = st->evidence != NULL;
    ctx->conv = st;
    ctx->dir = ws_direction(st, pinfo);
    ctx->track = track;
    ctx->ptvb_nul = FALSE;
    ctx->have_seq = have_seq;
    ctx->seq = seq;
    ctx->raw_base = (guint32)tvb_raw_offset(tvb);
    ctx->retro = FALSE;
}

/* Frames of one segment (or reassembled run of segments) of an accepted conversation. */
int dissect_ws_stream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st, gboolean reassemble,
                      gboolean have_seq, guint32 seq)
{
    ws_ctx_t ctx;
    ws_pkt_t *pkt;
    guint offset = 0;
    guint len = tvb_reported_length(tvb);

    if (!PINFO_FD_VISITED(pinfo) && pinfo->num == st->claim_frame)
        /* What the packet that accepted the conversation handed us (dissect_ws_tcp). */
        (void)ws_pkt_get(pinfo, tvb, TRUE);
    if (st->resp101_len && pinfo->num == st->resp101_frame && (guint32)tvb_raw_offset(tvb) == st->resp101_raw &&
        st->resp101_len <= tvb_captured_length(tvb)) {
        /* The 101 answer first, then the frames that follow it in the segment. */
        ws_show_late_101(tvb_new_subset_length(tvb, 0, (gint)st->resp101_len), pinfo, tree, st);
        if (st->resp101_len == len)
            return (int)len;
        tvb = tvb_new_subset_remaining(tvb, (gint)st->resp101_len);
        seq += st->resp101_len;
        len = tvb_reported_length(tvb);
    } else if (st->resp101_len && PINFO_FD_VISITED(pinfo) && pinfo->num > st->resp101_frame &&
               len > st->resp101_len && ws_direction(st, pinfo) == 0 && !ws_pkt_get(pinfo, tvb, FALSE) &&
               ws_starts_with_101_head(tvb, st->resp101_len)) {
        /* A later pass, where TCP hands back the run it began for the 101's pieces with
         * the frames that followed them (the first pass saw the frames alone): the head
         * is labelled, the frames are decoded from a copy that starts where the first
         * pass's did, so that what it learnt about them is found again. */
        guint n = len - st->resp101_len;
        tvbuff_t *rest;
        ws_show_unsynced(tvb_new_subset_length(tvb, 0, (gint)st->resp101_len), pinfo, tree,
                         "The HTTP 101 answer's head (decoded in an earlier segment), not WebSocket");
        rest = tvb_new_child_real_data(tvb, (const guint8 *)tvb_memdup(pinfo->pool, tvb, (gint)st->resp101_len, n),
                                       n, (gint)n);
        add_new_data_source(pinfo, rest, "Frames after the 101 answer");
        tvb = rest;
        len = n;
    }
    if (!PINFO_FD_VISITED(pinfo) && !st->evidence_frame)
        st->evidence_frame = pinfo->num;
    ws_ctx_init(&ctx, tvb, pinfo, st, reassemble, have_seq, seq);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
    col_clear(pinfo->cinfo, COL_INFO);

    if (!PINFO_FD_VISITED(pinfo) && reassemble)
        ws_stream_first_pass(tvb, pinfo, st, ctx.dir, have_seq, seq);
    pkt = ws_pkt_get(pinfo, tvb, FALSE);
    if (!pkt && PINFO_FD_VISITED(pinfo) && st->upgraded && ctx.dir == 0 && pinfo->num == st->d[0].head_frame &&
        len > 0) {
        /* HTTP or TCP handed this packet other bytes than on the first pass (a head in
         * pieces, read otherwise): the head's rest, if that is what they begin with, is
         * not read as frames here either. */
        long end = ws_head_len(tvb, TRUE);
        if (end > 0) {
            ws_show_unsynced(tvb_new_subset_length(tvb, 0, (gint)MIN((guint)end, len)), pinfo, tree,
                             "The HTTP 101 answer's head, or the part of it HTTP did not read, not WebSocket");
            return (int)tvb_captured_length(tvb);
        }
    }
    if (pkt && pkt->unsynced == WS_UNSYNCED_HUNTING && pkt->run && pkt->run->confirmed && PINFO_FD_VISITED(pinfo)) {
        /* Followed while its direction's boundaries were not yet trusted, and part of the
         * run that then earned enough: decoded now, as TCP handed it (not reassembled). */
        reassemble = FALSE;
        ctx.retro = TRUE;
    } else if (pkt && pkt->unsynced) {
        ws_show_unsynced(tvb, pinfo, tree, pkt->unsynced == WS_UNSYNCED_OLD ?
                         "Bytes already seen in an earlier segment (retransmission), not decoded again" :
                         "Not decoded: bytes after a gap in the TCP stream, before the next frame boundary");
        if (pkt->gap)
            ws_expert_gap(pinfo, tree, pkt->gap);
        return (int)tvb_captured_length(tvb);
    }
    if (pkt && pkt->gap)
        ws_expert_gap(pinfo, tree, pkt->gap);
    if (pkt && pkt->old_len) {
        /* Old bytes retransmitted with new ones: the new ones are decoded. */
        tvbuff_t *old = tvb_new_subset_length(tvb, 0, (gint)MIN(pkt->old_len, len));
        ws_show_unsynced(old, pinfo, tree, "Bytes already seen in an earlier segment (retransmission), not decoded again");
        col_clear(pinfo->cinfo, COL_INFO);
        offset = MIN(pkt->old_len, len);
    }
    if (pkt && pkt->head_len) {
        tvbuff_t *head = tvb_new_subset_length(tvb, 0, (gint)MIN(pkt->head_len, len));
        ws_show_unsynced(head, pinfo, tree, "The HTTP 101 answer's head, or the part of it HTTP did not read, not WebSocket");
        offset = MIN(pkt->head_len, len);
        if (offset < len)
            col_clear(pinfo->cinfo, COL_INFO);
    }
    if (pkt && pkt->lead_len && offset < len) {
        tvbuff_t *lead = tvb_new_subset_length(tvb, (gint)offset, (gint)MIN(pkt->lead_len, len - offset));
        ws_show_unsynced(lead, pinfo, tree, "The end of a frame whose start is not in the capture, not decoded");
        col_clear(pinfo->cinfo, COL_INFO);
        offset += MIN(pkt->lead_len, len - offset);
    }
    if (pkt && pkt->cont_len) {
        tvbuff_t *cont = offset ? tvb_new_subset_remaining(tvb, (gint)offset) : tvb;
        offset += ws_dissect_continued(cont, pinfo, tree, pkt, &ctx);
    }

    if (offset < len)
        ws_dissect_frames(tvb, offset, pinfo, tree, reassemble, &ctx);
    return (int)tvb_captured_length(tvb);
}
