/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-state.c: the plugin's state and how it is found. The conversation (ws_conv_t, on
 * the TCP conversation), its two directions (ws_dir_t, in it), the per-packet facts
 * (ws_pkt_t, proto data keyed by where the bytes start), the frame records (a map by
 * packet and offset), the first pass's verdicts on headers it did not trust (kept for
 * later passes), and what the file owns through zlib and GLib, freed when it closes.
 * Also what TCP tells about a segment: its sequence number, and whether TLS carries it.
 * Every stage reads its state through these; nothing here dissects.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/prefs.h>
#include <epan/prefs-int.h>

#include "ws-int.h"
/* What zlib and GLib allocated for the capture file (inflaters, decoders, buffers a
 * direction reuses): freed when the file is closed. */
typedef struct {
    gpointer p;
    GDestroyNotify free_fn;
} ws_owned_t;

static GSList *ws_owned;

void ws_free_on_close(gpointer p, GDestroyNotify free_fn)
{
    ws_owned_t *o = g_new(ws_owned_t, 1);

    o->p = p;
    o->free_fn = free_fn;
    ws_owned = g_slist_prepend(ws_owned, o);
}

static void ws_owned_free(gpointer data)
{
    ws_owned_t *o = (ws_owned_t *)data;

    o->free_fn(o->p);
    g_free(o);
}

void ws_cleanup(void)
{
    g_slist_free_full(ws_owned, ws_owned_free);
    ws_owned = NULL;
}

/*
 * Frame records of the capture file, by packet number and tvb_raw_offset() of the
 * frame. The record is its own key: one map entry per record and nothing per packet
 * (p_get_proto_data() walks a list, which a packet with 20,000 frames would make
 * quadratic).
 */
static wmem_map_t *ws_frame_recs;

static guint ws_frame_rec_hash(gconstpointer k)
{
    const ws_frame_rec_t *r = (const ws_frame_rec_t *)k;
    return (r->num * 2654435761u) ^ (r->raw_offset * 40503u);
}

static gboolean ws_frame_rec_equal(gconstpointer a, gconstpointer b)
{
    const ws_frame_rec_t *x = (const ws_frame_rec_t *)a, *y = (const ws_frame_rec_t *)b;
    return x->num == y->num && x->raw_offset == y->raw_offset;
}

void ws_stream_init(void)
{
    ws_frame_recs = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), ws_frame_rec_hash, ws_frame_rec_equal);
}

ws_frame_rec_t *ws_frame_rec_get(packet_info *pinfo, guint32 raw_offset)
{
    ws_frame_rec_t probe;

    probe.num = pinfo->num;
    probe.raw_offset = raw_offset;
    return (ws_frame_rec_t *)wmem_map_lookup(ws_frame_recs, &probe);
}

void ws_frame_rec_put(packet_info *pinfo, guint32 raw_offset, ws_frame_rec_t *rec)
{
    if (!rec)
        return;
    rec->num = pinfo->num;
    rec->raw_offset = raw_offset;
    wmem_map_insert(ws_frame_recs, rec, rec);
}

ws_conv_t *ws_conv_get(packet_info *pinfo, gboolean create)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    ws_conv_t *st = (ws_conv_t *)conversation_get_proto_data(conv, proto_ws);

    if (!st && create) {
        st = wmem_new0(wmem_file_scope(), ws_conv_t);
        copy_address_wmem(wmem_file_scope(), &st->addr0, &pinfo->src);
        st->port0 = pinfo->srcport;
        st->masked[0] = st->masked[1] = -1;
        wsc_heur_conv_init(&st->heur);
        conversation_add_proto_data(conv, proto_ws, st);
    }
    return st;
}

int ws_direction(const ws_conv_t *st, packet_info *pinfo)
{
    return (addresses_equal(&st->addr0, &pinfo->src) && st->port0 == pinfo->srcport) ? 0 : 1;
}

ws_pkt_t *ws_pkt_get(packet_info *pinfo, tvbuff_t *tvb, gboolean create)
{
    /* Where the bytes start and how many there are: TCP may hand one packet two
     * reassembled runs that both start at raw offset 0 (another dissector's unfinished
     * PDU, then ours). */
    guint32 key = (guint32)tvb_raw_offset(tvb) ^ ((guint32)tvb_reported_length(tvb) * 2654435761u);
    ws_pkt_t *pkt = (ws_pkt_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_ws, key);

    if (!pkt && create) {
        pkt = wmem_new0(wmem_file_scope(), ws_pkt_t);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_ws, key, pkt);
    }
    return pkt;
}

/* The masking direction dir's frames must have: its own as seen, else the opposite of
 * the other direction's (RFC 6455 5.1); -1 while neither is known. */
int ws_expected_mask(const ws_conv_t *st, int dir)
{
    return st->masked[dir] >= 0 ? st->masked[dir] : st->masked[dir ^ 1] >= 0 ? !st->masked[dir ^ 1] : -1;
}

/* Violations after which a header is no evidence of a frame boundary. */
#define WS_V_BOUNDARY (WSC_V_RSV23 | WSC_V_RESERVED_OPCODE | WSC_V_CONTROL_FRAGMENTED | WSC_V_CONTROL_TOO_LONG | \
                       WSC_V_NON_MINIMAL_LEN | WSC_V_RSV1_ON_CONTROL)

/*
 * A header that breaks a rule of RFC 6455 5 in a conversation whose frame boundaries the
 * heuristic found: a wrong boundary far more likely than a broken sender. (After a
 * captured handshake the boundaries are known and such a frame is the sender's.)
 */
static gboolean ws_header_untrusted_now(const ws_ctx_t *ctx, const wsc_frame_header *h)
{
    const ws_conv_t *st = ctx->conv;
    int masked;

    if (st->upgraded && !st->d[ctx->dir].resynced)
        return FALSE;
    if (wsc_frame_violations(h, 1) & WS_V_BOUNDARY)
        return TRUE;
    masked = ws_expected_mask(st, ctx->dir);
    return masked >= 0 && masked != h->masked;
}

/* Where the header is: its packet, its raw offset, its length. */
static gint64 *ws_untrusted_key(wmem_allocator_t *scope, packet_info *pinfo, tvbuff_t *tvb, guint offset,
                                const wsc_frame_header *h, gint64 *buf)
{
    gint64 *k = scope ? wmem_new(scope, gint64) : buf;

    *k = (gint64)((guint64)pinfo->num << 32 | (guint32)(tvb_raw_offset(tvb) + offset)) ^
         (gint64)((guint64)h->payload_len * 0x9e3779b97f4a7c15ull);
    return k;
}

/*
 * What the state says depends on where the first pass stood (the direction resynced
 * later, its masking learnt later): later passes take the first pass's verdict, kept for
 * the headers it did not trust, so that both show the same frames. Segments a later pass
 * decodes after the fact (ctx->retro) were never judged: the state decides.
 */
gboolean ws_header_untrusted(const ws_ctx_t *ctx, packet_info *pinfo, tvbuff_t *tvb, guint offset,
                             const wsc_frame_header *h)
{
    ws_conv_t *st = ctx ? ctx->conv : NULL;
    gint64 buf;
    gboolean v;

    if (!st)
        return FALSE;
    if (PINFO_FD_VISITED(pinfo) && !ctx->retro)
        return st->untrusted && wmem_map_contains(st->untrusted, ws_untrusted_key(NULL, pinfo, tvb, offset, h, &buf));
    v = ws_header_untrusted_now(ctx, h);
    if (v && !PINFO_FD_VISITED(pinfo)) {
        if (!st->untrusted)
            st->untrusted = wmem_map_new(wmem_file_scope(), g_int64_hash, g_int64_equal);
        wmem_map_insert(st->untrusted, ws_untrusted_key(wmem_file_scope(), pinfo, tvb, offset, h, NULL),
                        GINT_TO_POINTER(1));
    }
    return v;
}

/* The TCP sequence number of the first byte of tvb, when TCP called us (directly or
 * through the port guard): data is then its struct tcpinfo. Inside TLS there is none. */
/* Whether TLS is among the packet's layers (by id: proto_is_frame_protocol compares
 * every layer's name, ~400 instructions a segment). */
gboolean ws_inside_tls(packet_info *pinfo)
{
    wmem_list_frame_t *l;

    if (proto_tls <= 0)
        return FALSE;
    for (l = wmem_list_head(pinfo->layers); l; l = wmem_list_frame_next(l))
        if (GPOINTER_TO_INT(wmem_list_frame_data(l)) == proto_tls)
            return TRUE;
    return FALSE;
}

/* The TCP flags of the packet whose sequence number ws_tcp_seq read last (dissection is
 * one packet at a time: later stages of the same packet ask ws_tcp_psh). */
static guint32 ws_flags_num;
static guint16 ws_flags;

gboolean ws_tcp_seq(packet_info *pinfo, void *data, guint32 *seq)
{
    if (!data || ws_inside_tls(pinfo))
        return FALSE;
    *seq = ((const struct tcpinfo *)data)->seq;
    ws_flags = ((const struct tcpinfo *)data)->flags;
    ws_flags_num = pinfo->num;
    return TRUE;
}

/* Whether the packet's TCP segment carried PSH (a sender's write ends there). */
gboolean ws_tcp_psh(packet_info *pinfo)
{
    return ws_flags_num == pinfo->num && (ws_flags & TH_PUSH) != 0;
}

/*
 * First pass, for bytes HTTP hands on after its 101 (without TCP's sequence number):
 * where a direction's byte stream stands, from TCP's own sequence analysis, in the
 * numbers TCP gives us elsewhere (relative unless tcp.relative_sequence_numbers is
 * off). rev: the other direction than the packet's: how far TCP has seen it. The
 * packet's own direction: where its bytes end, from the entry TCP's analysis keeps for
 * the segment until it is acknowledged (its own sequence number, whether or not TCP saw
 * higher ones); without that entry, known only when they are the highest so far, and
 * when TCP has seen higher ones they are taken as old (a retransmission: -1).
 * 0: TCP does not know; 2: placed, but TCP has seen higher bytes of the direction.
 */
int ws_tcp_flow_next(packet_info *pinfo, gboolean rev, guint32 *next)
{
    struct tcp_analysis *tcpd;
    tcp_flow_t *f;
    const tcp_unacked_t *u;
    guint32 end;
    int k, r = 1;

    if (PINFO_FD_VISITED(pinfo) || ws_inside_tls(pinfo))
        return 0;
    tcpd = get_tcp_conversation_data(NULL, pinfo);
    f = tcpd ? (rev ? tcpd->rev : tcpd->fwd) : NULL;
    if (!f || !f->tcp_analyze_seq_info || !f->tcp_analyze_seq_info->nextseqframe)
        return 0;
    end = f->tcp_analyze_seq_info->nextseq; /* (after a SYN, relative 1: right) */
    if (!rev) {
        /* the segment's entry is the newest, unless its ACK came in the same packet */
        for (u = f->tcp_analyze_seq_info->segments, k = 0; u && k < 4 && u->frame != pinfo->num; u = u->next, k++)
            ;
        if (u && u->frame == pinfo->num) {
            end = u->nextseq - (f->fin == pinfo->num ? 1 : 0); /* a FIN counts as a byte */
            if (f->tcp_analyze_seq_info->nextseqframe != pinfo->num)
                r = 2;
        } else if (f->tcp_analyze_seq_info->nextseqframe != pinfo->num)
            return -1;
        else if (f->fin == pinfo->num)
            end--;
    }
    if (ws_tcp_pref("relative_sequence_numbers"))
        end -= f->base_seq;
    *next = end;
    return r;
}

/*
 * First pass, when a conversation becomes the plugin's: a PDU that another dissector's
 * reassembly left open in either direction (a heuristic took a segment whose first bytes
 * looked like its header, TPKT's '03 00' say, and asked TCP for the rest) would take the
 * bytes that follow, on this pass and every later one, out of the plugin's reach. Such a
 * PDU is ended where the bytes TCP has seen of its direction end, so that the next
 * segments come to the conversation's dissector; the bytes it holds stay that
 * dissector's. Returns how many were ended.
 */
int ws_tcp_end_other_pdus(packet_info *pinfo)
{
    struct tcp_analysis *tcpd = get_tcp_conversation_data(NULL, pinfo);
    int rev, ended = 0;

    if (!tcpd || PINFO_FD_VISITED(pinfo))
        return 0;
    for (rev = 0; rev < 2; rev++) {
        tcp_flow_t *f = rev ? tcpd->rev : tcpd->fwd;
        struct tcp_multisegment_pdu *msp;
        guint32 next;

        if (!f)
            continue;
        f->flags &= (guint16)~TCP_FLOW_REASSEMBLE_UNTIL_FIN;
        if (!f->multisegment_pdus || ws_tcp_flow_next(pinfo, rev, &next) <= 0)
            continue;
        msp = (struct tcp_multisegment_pdu *)wmem_tree_lookup32_le(f->multisegment_pdus, next - 1);
        if (msp && (gint32)(next - 1 - msp->seq) >= 0 && (gint32)(msp->nxtpdu - next) > 0) {
            msp->nxtpdu = next;
            msp->flags &= ~(guint32)MSP_FLAGS_REASSEMBLE_ENTIRE_SEGMENT;
            ended++;
        }
    }
    return ended;
}

/* Whether a boolean preference of TCP's is on (TRUE when TCP does not have it). */
gboolean ws_tcp_pref(const char *name)
{
    module_t *tcp_mod = prefs_find_module("tcp");
    pref_t *pref = tcp_mod ? prefs_find_preference(tcp_mod, name) : NULL;

    return !pref || prefs_get_bool_value(pref, pref_current);
}

/* Whether tvb lies in the packet's own bytes (not in a run TCP reassembled): the bytes
 * HTTP hands on from a segment then end where the segment ends. */
gboolean ws_tvb_in_frame(packet_info *pinfo, tvbuff_t *tvb)
{
    return pinfo->data_src &&
           tvb_get_ds_tvb(tvb) == get_data_source_tvb((const struct data_source *)pinfo->data_src->data);
}
