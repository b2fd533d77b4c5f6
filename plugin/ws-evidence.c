/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-evidence.c: what the core heuristic's verdicts do to the state, on the first pass.
 * Before a conversation is accepted (ws_heur_feed, called by ws-detect.c), every segment
 * is fed to the core's evidence gatherer (wsc_heur_conv_feed); a plausible one joins its
 * direction's run (ws_run_t) and its frames are followed into messages without being
 * shown (ws_feed_apply, ws_track_segment), so that later passes can show them once the
 * run is trusted. When the conversation is accepted, each direction's run is trusted,
 * kept on probation, or its boundaries are looked for. After a gap (ws-stream.c) or a
 * header that cannot be a boundary (ws-frame.c), ws_start_hunting starts that search
 * again and ws_hunt feeds it. It calls the core (wsc_heur), ws-stream.c (sequence
 * numbers, the open frame) and ws-message.c (ws_track_frame, ws_dir_break).
 */
#include <wireshark.h>
#include <epan/packet.h>

#include "ws-int.h"
#include "core/wsc_mask.h"

/* Evidence that finds a direction's first frame boundary when it has sent nothing before
 * the conversation was accepted: its first segment most likely starts with a frame. */
#define WS_FIRST_BOUNDARY_SCORE 2

/* What the current run of a direction needs at the decision to be trusted: less when
 * it began with the direction's first captured bytes (most likely a frame boundary, as
 * for a direction that has sent nothing before the decision). */
static int ws_trusted_score(const ws_dir_t *d)
{
    return d->run && d->run->from_first ? WS_FIRST_BOUNDARY_SCORE : WS_TRUSTED_RUN_SCORE;
}

/*
 * After a gap in an accepted conversation (or for a direction that has shown no frame
 * boundary yet): frame boundaries are looked for again, with the evidence score needed.
 * The direction's masking is known, or is the opposite of the other's (RFC 6455 5.1).
 */
void ws_start_hunting(ws_conv_t *st, int dir, int score)
{
    ws_dir_t *d = &st->d[dir];

    ws_dir_break(d);
    ws_carry_drop(d);
    d->hunting = TRUE;
    d->resynced = TRUE;
    d->hunt_score = score;
    d->run = NULL;
    wsc_heur_conv_reset_dir(&st->heur, dir);
    wsc_heur_conv_expect_mask(&st->heur, dir, ws_expected_mask(st, dir));
}

/* The run of direction dir has earned enough: its frames are trusted from its start. */
static void ws_run_confirm(ws_conv_t *st, int dir)
{
    ws_dir_t *d = &st->d[dir];

    d->hunting = FALSE;
    /* The masking of a trusted run is the direction's (a run that never earned its trust
     * says nothing about it). */
    if (st->masked[dir] < 0)
        st->masked[dir] = st->heur.dir[dir].masked;
    if (d->run) {
        d->run->confirmed = TRUE;
        if (!st->boundary[dir] || d->run->start < st->boundary[dir])
            st->boundary[dir] = d->run->start;
    }
}

/*
 * First pass, a segment the heuristic found plausible before it accepted the
 * conversation: nothing is shown now, but its whole frames are followed so that
 * messages (and the compression history they build) are complete later, and so
 * that later passes can show them.
 */
static void ws_track_segment(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, guint offset,
                             gboolean have_seq, guint32 seq)
{
    guint len = tvb_captured_length(tvb);

    while (offset < len) {
        wsc_frame_header hdr;
        guint8 *payload;
        ws_frame_rec_t *rec;
        guint plen;

        if (ws_parse_tvb_header(tvb, (int)offset, &hdr) <= 0 || wsc_frame_total_len(&hdr) > len - offset)
            return;
        plen = (guint)hdr.payload_len;
        payload = (guint8 *)wmem_alloc(pinfo->pool, MAX(plen, 1));
        if (plen) {
            const guint8 *src = tvb_get_ptr(tvb, (int)(offset + hdr.header_len), plen);
            if (hdr.masked)
                wsc_unmask(payload, src, plen, hdr.mask_key, 0);
            else
                memcpy(payload, src, plen);
        }
        rec = ws_track_frame(st, dir, pinfo, &hdr, payload, plen, have_seq, seq + offset, FALSE);
        ws_frame_rec_put(pinfo, (guint32)(tvb_raw_offset(tvb) + offset), rec);
        offset += hdr.header_len + plen;
    }
}

/*
 * A plausible segment that begins by finishing the frame an earlier segment left open
 * (seg->skip_*: how the core followed it): fed to that frame if it was followed from its
 * start, and described in pkt for the display.
 */
static void ws_feed_finish_open_frame(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir,
                                      const wsc_heur_seg *seg, ws_pkt_t *pkt)
{
    ws_dir_t *d = &st->d[dir];
    guint skip = (guint)(seg->skip_header + seg->skip_payload);
    guint caplen = tvb_captured_length(tvb);
    ws_frame_rec_t *rec = NULL;
    guint hdr_used = 0;
    gint64 used = 0;

    if (d->carry.active) {
        used = ws_carry_feed(st, dir, pinfo, tvb_get_ptr(tvb, 0, caplen), MIN(skip, caplen), &hdr_used, &rec);
        ws_frame_rec_put(pinfo, (guint32)tvb_raw_offset(tvb), rec);
    }
    if (used != (gint64)skip)
        /* The frame was not followed from its start here: it is lost to its message. */
        ws_carry_drop(d);
    pkt->cont_len = (guint32)skip;
    pkt->cont_hdr = (guint32)seg->skip_header;
    pkt->cont.payload_pos = seg->skip_payload_pos;
    pkt->cont.payload_len = seg->skip_payload_len;
    memcpy(pkt->cont.key, seg->skip_key, 4);
    pkt->cont.masked = seg->skip_masked;
    pkt->cont.opcode = seg->skip_opcode;
    pkt->cont.start_frame = st->open_frame[dir];
}

/*
 * What a segment fed to the evidence leaves behind (first pass): a rejected one ends
 * its direction's run; a plausible one is remembered with its run, the frame it
 * finishes is completed, and, unless it is decoded now (decoded_now), its whole frames
 * are followed into messages and a frame its end cuts is gathered over the next ones.
 */
static void ws_feed_apply(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, const wsc_heur_seg *seg,
                          gboolean decoded_now, gboolean have_seq, guint32 seq)
{
    guint caplen = tvb_captured_length(tvb);
    ws_dir_t *d = &st->d[dir];
    ws_pkt_t *pkt;
    guint skip;

    if (seg->verdict == WSC_SEG_REJECT) {
        d->run = NULL;
        ws_carry_drop(d);
        if ((seg->scan.reject & WSC_R_SAME_MASKS) && !st->claimed) {
            st->d[dir ^ 1].run = NULL;
            ws_carry_drop(&st->d[dir ^ 1]);
        }
        return;
    }
    /* Only plausible segments are remembered: the others are told apart later by their frame number. */
    pkt = ws_pkt_get(pinfo, tvb, TRUE);
    pkt->pre = WS_PRE_PLAUSIBLE;
    if (!d->run) {
        d->run = wmem_new0(wmem_file_scope(), ws_run_t);
        d->run->start = pinfo->num;
    }
    pkt->run = d->run;
    skip = (guint)(seg->skip_header + seg->skip_payload);
    if (skip > 0)
        ws_feed_finish_open_frame(tvb, pinfo, st, dir, seg, pkt);
    if (seg->skip_lead) {
        /* The frames begin inside the segment (the core found where): what comes before
         * belongs to no frame we know, and no message goes on across it. */
        pkt->lead_len = (guint32)seg->skip_lead;
        skip = pkt->lead_len;
        ws_carry_drop(d);
        ws_dir_break(d);
    }
    if (!decoded_now) {
        ws_track_segment(tvb, pinfo, st, dir, skip, have_seq, seq);
        if (seg->scan.tail_header_len) {
            /* A frame the segment's end cuts: gathered over the next segments. */
            guint tail = seg->scan.tail_header_len + (guint)seg->scan.tail_payload_seen;
            guint hdr_used;
            ws_frame_rec_t *rec;
            if (tail <= caplen && caplen == tvb_reported_length(tvb)) {
                ws_carry_start(d, pinfo, TRUE, have_seq, seq + (caplen - tail));
                ws_carry_feed(st, dir, pinfo, tvb_get_ptr(tvb, (gint)(caplen - tail), tail), tail, &hdr_used, &rec);
            } else {
                ws_carry_drop(d);
            }
        }
    }
    if (seg->scan.tail_header_len)
        st->open_frame[dir] = pinfo->num;
    if (decoded_now && st->masked[dir] < 0)
        /* (The direction's, as the core has followed it: this segment may hold no header.) */
        st->masked[dir] = st->heur.dir[dir].masked;
}

/*
 * First pass: remembers where a TCP write of the direction ended. Senders write a frame (or
 * a few) at a time; the last segment of a write carries PSH, and when it is shorter than
 * the largest segment (a write of more than one segment ends there), or is the first
 * segment seen (a write of one segment, or the last of one), the next segment starts a
 * write, and so most likely a frame. Segments of a few hundred bytes at most (a sender
 * that writes in tiny pieces) tell nothing. Returns whether this segment starts a write.
 */
#define WS_WRITE_MIN_MSS 512u
static gboolean ws_note_write(packet_info *pinfo, ws_dir_t *d, guint len, gboolean have_seq, guint32 seq)
{
    gboolean starts = have_seq && d->write_end_known && seq == d->write_end_seq && d->max_seg >= WS_WRITE_MIN_MSS;

    if (!have_seq)
        return FALSE;
    /* (the direction's first segment seen: a write of one segment, or the last of one) */
    d->write_end_known = ws_tcp_psh(pinfo) && (len < d->max_seg || d->max_seg == 0);
    d->write_end_seq = seq + len;
    if (len > d->max_seg)
        d->max_seg = len;
    return starts;
}

/* Whether the run of frames begins with this segment's first byte at the start of a write:
 * the direction had no run before (fresh), and nothing in front of the frames. */
static gboolean ws_run_at_write_start(gboolean fresh, gboolean write_start, const wsc_heur_seg *seg)
{
    return fresh && write_start && !seg->skip_lead && !seg->skip_header && !seg->skip_payload;
}

/*
 * First pass, accepted conversation, a direction whose frame boundaries are not yet
 * trusted: the segment goes to the evidence like one before the decision (its frames
 * followed, shown on later passes if the run is confirmed). Returns TRUE when the run
 * has now earned enough for the segment to be decoded as frames.
 */
gboolean ws_hunt(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, ws_pkt_t *pkt,
                 gboolean have_seq, guint32 seq)
{
    ws_dir_t *d = &st->d[dir];
    guint caplen = tvb_captured_length(tvb);
    wsc_heur_seg seg;
    int v, need = d->hunt_score;
    gboolean fresh = !st->heur.dir[dir].started, write_start;

    if (caplen == 0)
        return FALSE;
    /* The conversation is WebSocket: the search for a boundary is worth any cost. */
    st->heur.accepted = 1;
    if (st->fed_num == pinfo->num && st->fed_raw == (guint32)tvb_raw_offset(tvb))
        /* The segment that decided the conversation: already fed and followed. */
        return FALSE;
    write_start = ws_note_write(pinfo, d, caplen, have_seq, seq);
    v = wsc_heur_conv_feed(&st->heur, dir, tvb_get_ptr(tvb, 0, caplen), caplen, caplen == tvb_reported_length(tvb),
                           G_MAXINT, &seg);
    if (ws_run_at_write_start(fresh, write_start, &seg))
        /* A run that begins where a write begins: as likely a frame boundary as a
         * direction's first captured byte. */
        need = MIN(need, WS_FIRST_BOUNDARY_SCORE);
    if (v != WSC_SEG_REJECT && st->heur.dir[dir].score >= need) {
        if (!d->run) {
            d->run = wmem_new0(wmem_file_scope(), ws_run_t);
            d->run->start = pinfo->num;
        }
        ws_run_confirm(st, dir);
        ws_feed_apply(tvb, pinfo, st, dir, &seg, TRUE, have_seq, seq);
        pkt->pre = WS_PRE_NONE;
        return TRUE;
    }
    if (v == WSC_SEG_REJECT)
        seg.verdict = WSC_SEG_REJECT;
    ws_feed_apply(tvb, pinfo, st, dir, &seg, FALSE, have_seq, seq);
    return FALSE;
}

/*
 * The conversation is accepted (first pass, the segment that decided it): the evidence is
 * kept for the tree, and each direction's run of frames is trusted, followed on until it
 * earns enough itself, or, where a direction has shown no frame boundary yet, looked for.
 */
static void ws_accept(ws_conv_t *st, packet_info *pinfo, int score)
{
    char buf[256];
    int n, weak = -1;

    wsc_heur_describe(st->heur.evidence, buf, sizeof(buf));
    st->evidence = wmem_strdup(wmem_file_scope(), buf);
    st->score = score;
    st->claimed = TRUE;
    st->claim_frame = pinfo->num;
    /* Both runs masked alike cannot both be frames (RFC 6455 5.1: only the client masks):
     * the one with less evidence began inside a frame (a payload byte read as a header).
     * It is not followed on; its boundaries are looked for with the other's masking
     * known, the stronger direction being settled first. */
    if (st->heur.dir[0].masked >= 0 && st->heur.dir[0].masked == st->heur.dir[1].masked &&
        !wsc_heur_conv_unmasked_both(&st->heur))
        /* (A client that does not mask, joined to its server by a ping/pong echo or a
         * close each way, is not such a case.) */
        weak = st->heur.dir[0].score < st->heur.dir[1].score ? 0 : 1;
    for (n = 0; n < 2; n++) {
        int i = weak == 0 ? 1 - n : n;
        ws_dir_t *d = &st->d[i];
        st->boundary[i] = 0;
        if (i == weak) {
            ws_start_hunting(st, i, WS_RESYNC_SCORE);
        } else if (d->run && st->heur.dir[i].score >= ws_trusted_score(d)) {
            ws_run_confirm(st, i);
        } else if (d->run) {
            /* A run of frames that has earned next to nothing itself (the evidence came
             * from the other direction) may have begun inside a frame: it is followed on
             * until it earns enough, and shown from its start then. */
            d->hunting = TRUE;
            d->hunt_score = ws_trusted_score(d);
        } else {
            /* No frame boundary yet: looked for (the first segment of a direction that has
             * sent nothing yet most likely starts with a frame). */
            ws_start_hunting(st, i, d->seq_known ? WS_RESYNC_SCORE : WS_FIRST_BOUNDARY_SCORE);
        }
    }
}

/*
 * First pass, conversation not yet accepted: feed the segment to the core's
 * evidence gatherer and remember its verdict for later passes. A segment is fed once
 * (the port guard and the heuristic may both see it).
 */
int ws_heur_feed(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, gboolean have_seq, guint32 seq)
{
    guint caplen = tvb_captured_length(tvb);
    int dir = ws_direction(st, pinfo);
    ws_dir_t *d = &st->d[dir];
    guint32 raw = (guint32)tvb_raw_offset(tvb);
    wsc_heur_seg seg;
    guint32 gap;
    int v, where;
    gboolean first, fresh, write_start;

    if (st->fed_num == pinfo->num && st->fed_raw == raw)
        return st->fed_verdict;
    st->fed_num = pinfo->num;
    st->fed_raw = raw;
    st->fed_verdict = WSC_SEG_REJECT;
    st->fed_whole = FALSE;
    if (caplen == 0)
        return WSC_SEG_REJECT;
    first = have_seq && !d->seq_known;
    fresh = !st->heur.dir[dir].started;
    write_start = ws_note_write(pinfo, d, caplen, have_seq, seq);
    where = ws_seq_observe(st, dir, tvb, have_seq, seq, &gap);
    if (first && seq == 1 && ws_tcp_start_seen(pinfo))
        /* The direction's first byte after its SYN (relative sequence numbers; with
         * absolute ones this almost never holds, and the hunt just runs): no boundary
         * is looked for inside its segments. */
        wsc_heur_conv_from_start(&st->heur, dir);
    if (first)
        /* An Upgrade request that HTTP did not recognise (it came in pieces, or on a
         * port HTTP does not watch): the 101 answer may still be taken (ws-detect.c). A
         * first piece of 1-3 bytes ("GET" alone, as some writers send it) counts while what
         * follows still reads "GET " (ws_gather_request). */
        d->http_get = tvb_memeql(tvb, 0, (const guint8 *)"GET ", MIN(caplen, 4)) == 0;
    else if (where != WS_SEQ_NEXT)
        d->http_get = FALSE;
    if (d->http_get)
        ws_gather_request(tvb, pinfo, st, dir);
    if (where == WS_SEQ_OLD)
        return WSC_SEG_REJECT;
    if (where == WS_SEQ_OVERLAP || where == WS_SEQ_GAP) {
        /* The frames of this direction cannot be followed across missing bytes; old
         * bytes before new ones (rare before a decision) start it afresh with the next
         * segment. */
        wsc_heur_conv_reset_dir(&st->heur, dir);
        d->run = NULL;
        ws_carry_drop(d);
        ws_dir_break(d);
        if (where == WS_SEQ_OVERLAP)
            return WSC_SEG_REJECT;
    }
    v = wsc_heur_conv_feed(&st->heur, dir, tvb_get_ptr(tvb, 0, caplen), caplen,
                           caplen == tvb_reported_length(tvb), (int)ws_pref_claim_score, &seg);
    st->fed_verdict = v;
    st->fed_whole = v != WSC_SEG_REJECT && seg.scan.frames > 0 && (seg.scan.evidence & WSC_EV_EXACT_FIT) &&
                    !seg.skip_header && !seg.skip_payload && !seg.skip_lead && !seg.scan.tail_header_len;
    if (v == WSC_SEG_REJECT) {
        ws_feed_apply(tvb, pinfo, st, dir, &seg, FALSE, have_seq, seq);
        /* A conversation that never looked like frames at all is not worth scanning forever. */
        if (!st->d[0].run && !st->d[1].run && ++st->rejects >= 1000)
            st->gave_up = TRUE;
        return v;
    }
    /* The segment that decides is decoded now, unless its own direction has not earned
     * enough to be trusted (see ws_accept()). */
    if ((first || ws_run_at_write_start(fresh, write_start, &seg)) && !d->run) {
        /* The direction's first captured bytes, or the start of a write (ws_note_write):
         * most likely a frame boundary. */
        d->run = wmem_new0(wmem_file_scope(), ws_run_t);
        d->run->start = pinfo->num;
        d->run->from_first = TRUE;
    }
    ws_feed_apply(tvb, pinfo, st, dir, &seg,
                  v == WSC_SEG_ACCEPT && st->heur.dir[dir].score >= ws_trusted_score(d), have_seq, seq);
    if (v == WSC_SEG_ACCEPT) {
        ws_accept(st, pinfo, seg.score);
        /* This segment is decoded now: its sequence numbers are checked again there. */
        d->seq_known = FALSE;
    }
    return v;
}
