/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-frame.c: one WebSocket frame in the tree: its header fields and expert infos (the
 * core's parse and rule checks), its payload unmasked into a data source, its text
 * checked as UTF-8, a close frame's code and reason, and the bytes at the start of a
 * segment that continue a frame begun earlier (ws_dissect_continued). dissect_ws_frame
 * is tcp_dissect_pdus's PDU callback (ws-stream.c), or is called once per frame of bytes
 * TCP will not reassemble (ws_dissect_frames_as_they_are). A whole data frame goes to
 * ws-message.c on the first pass (ws_track_frame) and to ws-deliver.c to be shown
 * (ws_show_message, ws_show_lone); a header that cannot be a frame boundary sends its
 * direction back to ws-evidence.c (ws_start_hunting); a frame larger than a segment is
 * followed by ws-stream.c (ws_carry_start).
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/tap.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <inttypes.h>

#include "ws-int.h"
#include "core/wsc_mask.h"
#include "core/wsc_utf8.h"

/* Reads up to WSC_MAX_HEADER_LEN bytes and parses them; never throws. */
int ws_parse_tvb_header(tvbuff_t *tvb, int offset, wsc_frame_header *hdr)
{
    guint8 hb[WSC_MAX_HEADER_LEN];
    gint avail = tvb_captured_length_remaining(tvb, offset);
    size_t n;

    if (avail <= 0)
        return WSC_PARSE_NEED_MORE;
    n = (size_t)MIN((guint)avail, WSC_MAX_HEADER_LEN);
    tvb_memcpy(tvb, hb, offset, n);
    return wsc_frame_parse_header(hb, n, hdr, NULL);
}

static void ws_add_violations(packet_info *pinfo, proto_item *ti, unsigned v)
{
    if (v & (WSC_V_RSV1 | WSC_V_RSV23 | WSC_V_RSV1_ON_CONTROL))
        expert_add_info(pinfo, ti, &ei_ws_rsv);
    if (v & WSC_V_RESERVED_OPCODE)
        expert_add_info(pinfo, ti, &ei_ws_reserved_opcode);
    if (v & WSC_V_CONTROL_FRAGMENTED)
        expert_add_info(pinfo, ti, &ei_ws_control_fragmented);
    if (v & WSC_V_CONTROL_TOO_LONG)
        expert_add_info(pinfo, ti, &ei_ws_control_too_long);
    if (v & WSC_V_NON_MINIMAL_LEN)
        expert_add_info(pinfo, ti, &ei_ws_non_minimal_len);
}

/*
 * Returns a tvb with the unmasked bytes of a payload piece. payload_pos is the
 * offset of the piece inside the frame's payload (it selects the key phase).
 */
static tvbuff_t *ws_unmasked_tvb(tvbuff_t *tvb, packet_info *pinfo, int offset, guint len,
                                 gboolean masked, const guint8 key[4], guint64 payload_pos)
{
    guint8 *buf;
    tvbuff_t *utvb;

    if (!masked)
        return tvb_new_subset_length(tvb, offset, len);
    /* One byte more, a NUL: ws.text can then take the text from here without a copy. */
    buf = (guint8 *)wmem_alloc(pinfo->pool, (gsize)len + 1);
    buf[len] = 0;
    if (len)
        wsc_unmask(buf, tvb_get_ptr(tvb, offset, len), len, key, payload_pos);
    utvb = tvb_new_child_real_data(tvb, buf, len, len);
    add_new_data_source(pinfo, utvb, "Unmasked payload");
    return utvb;
}

/*
 * ws.text (or another string field hf). Text that is valid UTF-8 without NUL is copied as it is, which costs a
 * memcpy; Wireshark's own conversion (kept for the rest, which it shows with
 * substitutions) goes a character at a time.
 */
proto_item *ws_add_text(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo, guint len, gboolean valid,
                        gboolean nul_follows)
{
    const guint8 *p;

    if (!tree)
        return NULL;
    if (len == 0)
        return proto_tree_add_string(tree, hf, tvb, 0, 0, "");
    p = tvb_get_ptr(tvb, 0, len);
    if (valid && !memchr(p, 0, len)) {
        char *s;
        if (nul_follows)
            /* The buffer behind tvb has a NUL after its last byte (ws_unmasked_tvb()). */
            return proto_tree_add_string(tree, hf, tvb, 0, len, (const char *)p);
        s = (char *)wmem_alloc(pinfo->pool, (gsize)len + 1);
        memcpy(s, p, len);
        s[len] = '\0';
        return proto_tree_add_string(tree, hf, tvb, 0, len, s);
    }
    return proto_tree_add_item(tree, hf, tvb, 0, len, ENC_UTF_8);
}

static void ws_dissect_text(tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree,
                            proto_item *pi, guint len, gboolean complete, gboolean nul_follows)
{
    wsc_utf8 u;
    const guint8 *p = tvb_get_ptr(ptvb, 0, len);
    gboolean valid;

    wsc_utf8_init(&u);
    valid = wsc_utf8_feed(&u, p, len);
    ws_add_text(ws_tree, hf_ws_text, ptvb, pinfo, len, valid && (!complete || wsc_utf8_complete(&u)), nul_follows);
    if (!valid)
        expert_add_info_format(pinfo, pi, &ei_ws_bad_utf8,
                               "Text is not valid UTF-8: first bad byte at payload offset %" PRIu64,
                               u.error_offset);
    else if (complete && !wsc_utf8_complete(&u))
        expert_add_info_format(pinfo, pi, &ei_ws_bad_utf8,
                               "Text is not valid UTF-8: truncated character at payload offset %" PRIu64,
                               u.char_start);
    ws_call_text_lines(ptvb, pinfo, tree);
}

static void ws_dissect_close(tvbuff_t *ptvb, packet_info *pinfo, proto_tree *ws_tree, proto_item *pi, guint len)
{
    proto_item *ci;
    guint32 code;
    uint64_t bad;

    if (len == 0)
        return;
    if (len == 1) {
        /* RFC 6455 5.5.1: a body, if present, starts with a 2-byte code. */
        expert_add_info(pinfo, pi, &ei_ws_close_one_byte);
        return;
    }
    ci = proto_tree_add_item_ret_uint(ws_tree, hf_ws_close_code, ptvb, 0, 2, ENC_BIG_ENDIAN, &code);
    if (!wsc_close_code_valid((guint16)code))
        expert_add_info_format(pinfo, ci, &ei_ws_close_bad_code,
                               "Close code %u must not be sent on the wire (RFC 6455 7.4)", code);
    col_append_fstr(pinfo->cinfo, COL_INFO, " code=%u", code);
    if (code >= 3000 && code <= 4999) {
        /* RFC 6455 7.4.2: 3000-3999 registered with IANA, 4000-4999 private use. */
        proto_item *ri = proto_tree_add_string(ws_tree, hf_ws_close_range, ptvb, 0, 2,
                                               code < 4000 ? "Registered (IANA, libraries and frameworks)" : "Private use");
        proto_item_set_generated(ri);
        proto_item_append_text(ci, " (%s)", code < 4000 ? "registered" : "private use");
    }
    if (len > 2) {
        proto_item *ri = proto_tree_add_item(ws_tree, hf_ws_close_reason, ptvb, 2, len - 2, ENC_UTF_8);
        if (!wsc_utf8_validate(tvb_get_ptr(ptvb, 2, len - 2), len - 2, &bad))
            expert_add_info_format(pinfo, ri, &ei_ws_bad_utf8,
                                   "Close reason is not valid UTF-8: first bad byte at reason offset %" PRIu64, bad);
    }
}

/*
 * Why the conversation is WebSocket, in the first frame this dissect_ws_stream() call
 * shows: in full in the packet where it was decided, as a link elsewhere.
 */
static void ws_frame_evidence(tvbuff_t *tvb, packet_info *pinfo, proto_tree *ws_tree, ws_ctx_t *ctx)
{
    const ws_conv_t *st = ctx->conv;
    proto_item *pi;

    if (pinfo->num == st->evidence_frame) {
        pi = proto_tree_add_string(ws_tree, hf_ws_heur_evidence, tvb, 0, 0, st->evidence);
        proto_item_set_generated(pi);
        pi = proto_tree_add_int(ws_tree, hf_ws_heur_score, tvb, 0, 0, st->score);
        proto_item_set_generated(pi);
    }
    if (st->claim_frame && st->claim_frame != pinfo->num && !st->upgraded) {
        pi = proto_tree_add_uint(ws_tree, hf_ws_heur_claim_frame, tvb, 0, 0, st->claim_frame);
        proto_item_set_generated(pi);
    }
    if (st->subprotocol) {
        pi = proto_tree_add_string(ws_tree, hf_ws_subprotocol, tvb, 0, 0, st->subprotocol);
        proto_item_set_generated(pi);
    }
    if (st->extensions && pinfo->num == st->evidence_frame) {
        pi = proto_tree_add_string(ws_tree, hf_ws_extensions, tvb, 0, 0, st->extensions);
        proto_item_set_generated(pi);
    }
    ctx->show_evidence = FALSE;
}

/* A header the core could not parse: its 64-bit length has the top bit set, or it is cut short. */
static void ws_frame_unparsed(tvbuff_t *tvb, packet_info *pinfo, proto_item *ti, proto_tree *ws_tree, int rc,
                              const ws_ctx_t *ctx)
{
    proto_item *li;

    proto_tree_add_item(ws_tree, hf_ws_fin, tvb, 0, 1, ENC_NA);
    proto_tree_add_item(ws_tree, hf_ws_opcode, tvb, 0, 1, ENC_NA);
    if (rc == WSC_PARSE_NEED_MORE && ctx && !ctx->reassembled &&
        tvb_captured_length(tvb) == tvb_reported_length(tvb)) {
        /* The segment ends inside the header, and TCP does not reassemble for us here:
         * the header goes on in the direction's next segment. */
        expert_add_info_format(pinfo, ti, &ei_ws_too_large,
                               "Frame header continues in the next segment, which was not reassembled");
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Frame header (continues in the next segment)");
        if (ctx->conv && ctx->track && !PINFO_FD_VISITED(pinfo)) {
            /* Its first bytes are kept: the next segment completes the header, and its
             * bytes after the header go on as the frame's payload, not as a new frame. */
            ws_dir_t *d = &ctx->conv->d[ctx->dir];
            guint have = tvb_captured_length(tvb);
            ws_carry_start(d, pinfo, FALSE, ctx->have_seq,
                           ctx->seq + (guint32)(tvb_raw_offset(tvb) - ctx->raw_base));
            tvb_memcpy(tvb, d->carry.hdr, 0, have);
            d->carry.hdr_have = have;
        }
    } else if (rc == WSC_PARSE_ERR_LEN64_MSB) {
        li = proto_tree_add_item(ws_tree, hf_ws_len64, tvb, 2, 8, ENC_BIG_ENDIAN);
        expert_add_info(pinfo, li, &ei_ws_len64_msb);
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Invalid frame (64-bit length with top bit set)");
    } else {
        expert_add_info(pinfo, ti, &ei_ws_truncated);
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Truncated frame header");
    }
}

/* The frame's summary in the Info column and as the label of its tree. */
static void ws_frame_label(packet_info *pinfo, proto_tree *tree, proto_item *ti, const wsc_frame_header *hdr)
{
    static const char prefix[] = "WebSocket frames (ws plugin), ";
    char label[sizeof(prefix) - 1 + WSC_SUMMARY_LEN];

    if (!tree && !pinfo->cinfo)
        return;
    memcpy(label, prefix, sizeof(prefix) - 1);
    wsc_frame_summary(label + sizeof(prefix) - 1, WSC_SUMMARY_LEN, hdr);
    col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", label + sizeof(prefix) - 1);
    if (tree)
        proto_item_set_text(ti, "%s", label);
}

/* The header fields (without a tree, the calls would only return NULL). */
static void ws_frame_header_fields(tvbuff_t *tvb, proto_tree *ws_tree, const wsc_frame_header *hdr)
{
    proto_item *pi, *li;

    proto_tree_add_item(ws_tree, hf_ws_fin, tvb, 0, 1, ENC_NA);
    pi = proto_tree_add_item(ws_tree, hf_ws_rsv, tvb, 0, 1, ENC_NA);
    if (hdr->rsv) {
        /* The bits one by one only when one is set: the common frame has none. */
        proto_tree *rsv_tree = proto_item_add_subtree(pi, ett_ws_rsv);
        if (hdr->rsv & 0x4u)
            proto_tree_add_item(rsv_tree, hf_ws_rsv1, tvb, 0, 1, ENC_NA);
        if (hdr->rsv & 0x2u)
            proto_tree_add_item(rsv_tree, hf_ws_rsv2, tvb, 0, 1, ENC_NA);
        if (hdr->rsv & 0x1u)
            proto_tree_add_item(rsv_tree, hf_ws_rsv3, tvb, 0, 1, ENC_NA);
    }
    proto_tree_add_item(ws_tree, hf_ws_opcode, tvb, 0, 1, ENC_NA);
    proto_tree_add_item(ws_tree, hf_ws_mask, tvb, 1, 1, ENC_NA);
    li = proto_tree_add_uint64(ws_tree, hf_ws_payload_length, tvb, 1, hdr->header_len - 1 - (hdr->masked ? 4 : 0),
                               hdr->payload_len);
    if (hdr->len7 >= 126) {
        /* Extended length: the 7-bit marker and the 16- or 64-bit length behind it. */
        proto_tree *len_tree = proto_item_add_subtree(li, ett_ws_len);
        proto_tree_add_item(len_tree, hf_ws_len7, tvb, 1, 1, ENC_NA);
        if (hdr->len7 == 126)
            proto_tree_add_item(len_tree, hf_ws_len16, tvb, 2, 2, ENC_BIG_ENDIAN);
        else
            proto_tree_add_item(len_tree, hf_ws_len64, tvb, 2, 8, ENC_BIG_ENDIAN);
    }
    if (hdr->masked)
        proto_tree_add_item(ws_tree, hf_ws_masking_key, tvb, hdr->header_len - 4, 4, ENC_NA);
}

/*
 * A header that cannot be a frame boundary (ws_header_untrusted()): not decoded. The
 * rest of the segment is shown as it is, and the direction looks for frame boundaries
 * again from the next segment on.
 */
static void ws_frame_boundary_lost(tvbuff_t *tvb, packet_info *pinfo, proto_item *ti, proto_tree *ws_tree,
                                   const wsc_frame_header *hdr, ws_ctx_t *ctx)
{
    guint captured = tvb_captured_length(tvb);

    if (hdr->masked != (ctx->conv->masked[ctx->dir] >= 0 ? ctx->conv->masked[ctx->dir] : hdr->masked))
        expert_add_info(pinfo, ti, &ei_ws_mask_direction);
    if (captured > hdr->header_len)
        proto_tree_add_item(ws_tree, hf_ws_undecoded, tvb, hdr->header_len, captured - hdr->header_len, ENC_NA);
    expert_add_info(pinfo, ti, &ei_ws_boundary_lost);
    if (!PINFO_FD_VISITED(pinfo) && ctx->track)
        /* (The message in progress and the compression history go with them.) As much
         * evidence as a run needs at the decision: the bytes have not gone missing, and
         * the next segment often starts a frame again. */
        ws_start_hunting(ctx->conv, ctx->dir, WS_TRUSTED_RUN_SCORE);
}

/* The direction's masking is learnt from its first frame, and checked on the others (RFC 6455 5.1). */
static void ws_frame_check_mask(packet_info *pinfo, proto_item *ti, const wsc_frame_header *hdr, ws_ctx_t *ctx)
{
    int *seen;

    if (!ctx || !ctx->conv)
        return;
    seen = &ctx->conv->masked[ctx->dir];
    if (!PINFO_FD_VISITED(pinfo) && *seen < 0)
        *seen = hdr->masked;
    if (*seen >= 0 && *seen != hdr->masked)
        expert_add_info(pinfo, ti, &ei_ws_mask_direction);
}

/*
 * A frame that goes on beyond the bytes TCP handed us: too large to reassemble, or
 * reassembly is off. On the first pass, its later segments are followed (ws-stream.c).
 */
static void ws_frame_unfinished(tvbuff_t *tvb, packet_info *pinfo, proto_item *ti, proto_tree *ws_tree,
                                const wsc_frame_header *hdr, ws_ctx_t *ctx)
{
    guint64 total = wsc_frame_total_len(hdr);
    proto_item *pi;

    /* Only here does the frame's length differ from the bytes under its tree. */
    pi = proto_tree_add_uint64(ws_tree, hf_ws_frame_length, tvb, 0, 0, total);
    proto_item_set_generated(pi);
    if (total > ws_max_reassembly())
        expert_add_info_format(pinfo, ti, &ei_ws_too_large,
                               "Frame of %" PRIu64 " bytes is larger than the reassembly limit (%u bytes, "
                               "preference ws.max_reassembly): its payload is shown segment by segment",
                               total, (guint)ws_max_reassembly());
    else
        expert_add_info_format(pinfo, ti, &ei_ws_too_large,
                               "Frame of %" PRIu64 " bytes continues in later segments, which were not "
                               "reassembled: its payload is shown segment by segment", total);
    if ((hdr->rsv & 0x4u) && !wsc_opcode_is_control(hdr->opcode))
        /* Its pieces are not inflated either. */
        expert_add_info(pinfo, ti, &ei_ws_compressed);
    if (ctx && ctx->conv && ctx->track && !PINFO_FD_VISITED(pinfo)) {
        /* It is no part of a message. */
        ws_dir_t *d = &ctx->conv->d[ctx->dir];
        ws_carry_start(d, pinfo, FALSE, ctx->have_seq, ctx->seq + (guint32)(tvb_raw_offset(tvb) - ctx->raw_base));
        tvb_memcpy(tvb, d->carry.hdr, 0, hdr->header_len);
        d->carry.hdr_have = hdr->header_len;
        d->carry.h = *hdr;
        d->carry.payload_have = tvb_reported_length(tvb) - hdr->header_len;
    }
}

/*
 * A whole frame of a conversation: its part in its message (followed on the first pass,
 * unless the frame was followed before the conversation was accepted), its closing
 * handshake partner, and the message it completes. Returns TRUE when the message was
 * shown (nothing more to do for the frame).
 */
static gboolean ws_frame_in_message(tvbuff_t *tvb, tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree,
                                    proto_item *ti, proto_tree *ws_tree, const wsc_frame_header *hdr, ws_ctx_t *ctx)
{
    guint32 key = (guint32)tvb_raw_offset(tvb);
    guint len = (guint)hdr->payload_len;
    ws_frame_rec_t *rec = ws_frame_rec_get(pinfo, key);

    if (!rec && !PINFO_FD_VISITED(pinfo) && ctx->track) {
        rec = ws_track_frame(ctx->conv, ctx->dir, pinfo, hdr, tvb_get_ptr(ptvb, 0, len), len,
                             ctx->have_seq, ctx->seq + (guint32)(key - ctx->raw_base), FALSE);
        ws_frame_rec_put(pinfo, key, rec);
    }
    if (rec && hdr->opcode == WSC_OP_CLOSE) {
        if (rec->close_peer) {
            proto_item *ci = proto_tree_add_uint(ws_tree, rec->close_is_reply ? hf_ws_close_reply_to : hf_ws_close_reply_in,
                                                 tvb, 0, 0, rec->close_peer);
            proto_item_set_generated(ci);
        } else if (PINFO_FD_VISITED(pinfo)) {
            /* Known only once the whole capture has been read (two passes, the GUI). */
            expert_add_info(pinfo, ti, &ei_ws_close_unanswered);
        }
    }
    if (rec && ws_show_message(tvb, ptvb, pinfo, tree, ws_tree, ti, rec, ctx))
        return TRUE;
    if (!rec && ws_lone_message(hdr)) {
        ws_show_lone(ptvb, pinfo, tree, ws_tree, len, hdr->opcode, ctx);
        return TRUE;
    }
    return FALSE;
}

/* A whole frame that no message shows: its payload by its opcode. */
static void ws_frame_payload_by_opcode(tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_item *ti,
                                       proto_tree *ws_tree, proto_item *pi, const wsc_frame_header *hdr)
{
    guint len = (guint)hdr->payload_len;

    if (hdr->rsv & 0x4u) {
        /* permessage-deflate, and no message to decompress it into: the bytes are shown as sent. */
        if (!wsc_opcode_is_control(hdr->opcode))
            expert_add_info(pinfo, ti, &ei_ws_compressed);
        return;
    }
    switch (hdr->opcode) {
    case WSC_OP_TEXT:
        ws_dissect_text(ptvb, pinfo, tree, ws_tree, pi, len, hdr->fin, hdr->masked);
        break;
    case WSC_OP_BINARY:
    case WSC_OP_CONTINUATION:
        if (len > 0)
            call_dissector(data_handle, ptvb, pinfo, tree);
        break;
    case WSC_OP_CLOSE:
        ws_dissect_close(ptvb, pinfo, ws_tree, pi, len);
        break;
    default:
        break;
    }
}

/* The frame's tap record, when someone listens. visible: payload bytes in ptvb. */
static void ws_frame_tap(packet_info *pinfo, const ws_ctx_t *ctx, const wsc_frame_header *hdr, tvbuff_t *ptvb,
                         guint visible)
{
    ws_tap_rec_t *r;

    if (!have_tap_listener(ws_tap))
        return;
    r = ws_tap_rec_new(pinfo, ctx, WS_TAP_FRAME);
    r->opcode = hdr->opcode;
    r->payload_len = hdr->payload_len;
    r->rsv1 = (hdr->rsv & 0x4u) != 0;
    r->violations = wsc_frame_violations(hdr, 1);
    if (hdr->opcode == WSC_OP_CLOSE && visible >= 2)
        r->close_code = tvb_get_ntohs(ptvb, 0);
    tap_queue_packet(ws_tap, pinfo, r);
}

/* Dissects one frame, or the part of an oversized frame held by this segment. */
int dissect_ws_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_ctx_t *ctx = (ws_ctx_t *)data;
    wsc_frame_header hdr;
    int rc = ws_parse_tvb_header(tvb, 0, &hdr);
    proto_item *ti, *pi;
    proto_tree *ws_tree;
    guint captured = tvb_captured_length(tvb);
    gboolean whole;
    guint visible;
    tvbuff_t *ptvb;

    ti = proto_tree_add_item(tree, proto_ws, tvb, 0, -1, ENC_NA);
    ws_tree = proto_item_add_subtree(ti, ett_ws);
    if (ctx && ctx->show_evidence)
        ws_frame_evidence(tvb, pinfo, ws_tree, ctx);
    if (rc <= 0) {
        ws_frame_unparsed(tvb, pinfo, ti, ws_tree, rc, ctx);
        return captured;
    }
    ws_frame_label(pinfo, tree, ti, &hdr);
    if (tree)
        ws_frame_header_fields(tvb, ws_tree, &hdr);
    ws_add_violations(pinfo, ti, wsc_frame_violations(&hdr, 1));
    if (ws_header_untrusted(ctx, pinfo, tvb, 0, &hdr)) {
        ws_frame_boundary_lost(tvb, pinfo, ti, ws_tree, &hdr, ctx);
        return captured;
    }
    ws_frame_check_mask(pinfo, ti, &hdr, ctx);

    whole = wsc_frame_total_len(&hdr) <= tvb_reported_length(tvb);
    visible = (guint)MIN(hdr.payload_len, (guint64)(captured - MIN(captured, hdr.header_len)));
    if (!whole)
        ws_frame_unfinished(tvb, pinfo, ti, ws_tree, &hdr, ctx);
    else if (visible < hdr.payload_len)
        expert_add_info(pinfo, ti, &ei_ws_truncated);

    if (hdr.masked && tree)
        proto_tree_add_item(ws_tree, hf_ws_masked_payload, tvb, hdr.header_len, visible, ENC_NA);
    ptvb = ws_unmasked_tvb(tvb, pinfo, hdr.header_len, visible, hdr.masked, hdr.mask_key, 0);
    if (ctx)
        ctx->ptvb_nul = hdr.masked;
    ws_frame_tap(pinfo, ctx, &hdr, ptvb, visible);
    if (!whole || visible < hdr.payload_len) {
        /* Only a piece of the payload is here: it is no message, and no text (the rest
         * follows in later segments, or was not captured). */
        proto_tree_add_item(ws_tree, hf_ws_payload_piece, ptvb, 0, visible, ENC_NA);
        return captured;
    }
    pi = proto_tree_add_item(ws_tree, hf_ws_payload, ptvb, 0, visible, ENC_NA);
    if (hdr.opcode == WSC_OP_TEXT || (hdr.rsv & 0x4u))
        /* Text shows as ws.text, compressed bytes as the decompressed message: the bytes
         * stay in ws.payload for filters and -e, but the tree does not print them in
         * hex as well (a hex label per frame is not free). */
        proto_item_set_hidden(pi);
    if (ctx && ctx->conv && ws_frame_in_message(tvb, ptvb, pinfo, tree, ti, ws_tree, &hdr, ctx))
        return captured;
    ws_frame_payload_by_opcode(ptvb, pinfo, tree, ti, ws_tree, pi, &hdr);
    return captured;
}

/* The payload of a control frame gathered from several segments (m: its record's copy),
 * with its close code and reason for a close frame. */
static void ws_show_gathered_control(tvbuff_t *tvb, packet_info *pinfo, proto_tree *ws_tree, const ws_msg_t *m)
{
    tvbuff_t *ftvb = tvb_new_child_real_data(tvb, m->data, m->len, m->len);
    proto_item *pi;

    add_new_data_source(pinfo, ftvb, "Control frame payload (from several segments)");
    pi = proto_tree_add_item(ws_tree, hf_ws_continued_payload, ftvb, 0, (gint)m->len, ENC_NA);
    if (m->opcode == WSC_OP_CLOSE)
        ws_dissect_close(ftvb, pinfo, ws_tree, pi, m->len);
}

/*
 * Bytes at the start of a segment that finish a frame begun in an earlier segment.
 * When they complete a frame gathered across segments, its message shows here.
 */
guint ws_dissect_continued(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const ws_pkt_t *pkt,
                           ws_ctx_t *ctx)
{
    proto_item *ti, *it;
    proto_tree *ws_tree;
    tvbuff_t *ptvb;
    guint n = MIN(pkt->cont_len, tvb_captured_length(tvb));
    guint h = MIN(pkt->cont_hdr, n);
    guint np = n - h;
    ws_frame_rec_t *rec = ctx ? ws_frame_rec_get(pinfo, (guint32)tvb_raw_offset(tvb)) : NULL;

    col_append_sep_fstr(pinfo->cinfo, COL_INFO, ", ", "Continuation of %s frame from #%u",
                        val_to_str_const(pkt->cont.opcode, ws_opcode_vals, "Reserved"), pkt->cont.start_frame);
    if (np)
        col_append_fstr(pinfo->cinfo, COL_INFO, ", payload bytes %" PRIu64 "-%" PRIu64 " of %" PRIu64,
                        pkt->cont.payload_pos, pkt->cont.payload_pos + np - 1, pkt->cont.payload_len);
    ti = proto_tree_add_item(tree, proto_ws, tvb, 0, n, ENC_NA);
    proto_item_append_text(ti, ", continuation of a frame begun in an earlier segment");
    ws_tree = proto_item_add_subtree(ti, ett_ws);
    it = proto_tree_add_item(ws_tree, hf_ws_continued, tvb, 0, n, ENC_NA);
    proto_item_set_generated(it);
    it = proto_tree_add_uint64(ws_tree, hf_ws_continued_offset, tvb, h, np, pkt->cont.payload_pos);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(ws_tree, hf_ws_continued_frame, tvb, 0, 0, pkt->cont.start_frame);
    proto_item_set_generated(it);
    it = proto_tree_add_uint(ws_tree, hf_ws_continued_opcode, tvb, 0, 0, pkt->cont.opcode);
    proto_item_set_generated(it);
    if (rec && rec->msg && rec->completes && wsc_opcode_is_control(rec->msg->opcode))
        /* A control frame gathered from its segments: its whole payload is shown here. */
        ws_show_gathered_control(tvb, pinfo, ws_tree, rec->msg);
    if (h && !np)
        return pkt->cont_len;
    ptvb = ws_unmasked_tvb(tvb, pinfo, h, np, pkt->cont.masked, pkt->cont.key, pkt->cont.payload_pos);
    proto_tree_add_item(ws_tree, hf_ws_payload_piece, ptvb, 0, np, ENC_NA);
    if (rec && rec->msg && rec->completes && rec->msg->data && !wsc_opcode_is_control(rec->msg->opcode)) {
        /* The whole frame, gathered over its segments, is what the message shows. */
        const ws_msg_t *m = rec->msg;
        tvbuff_t *ftvb = ptvb;
        if (m->nframes == 1 && !m->compressed) {
            ftvb = tvb_new_child_real_data(tvb, m->data, m->len, m->len);
            add_new_data_source(pinfo, ftvb, "Frame payload (from several segments)");
        }
        ctx->ptvb_nul = FALSE;
        ws_show_message(tvb, ftvb, pinfo, tree, ws_tree, ti, rec, ctx);
    } else if (rec) {
        ws_show_message(tvb, ptvb, pinfo, tree, ws_tree, ti, rec, ctx);
    }
    return pkt->cont_len;
}

/*
 * Frames of bytes that TCP will not reassemble for us (a segment decoded after the fact
 * on a later pass, reassembly off or not allowed here), one after the other as they
 * are: a frame that goes on past the end is shown as far as it gets, and a header cut
 * by the end as such (tcp_dissect_pdus would throw on both).
 */
void ws_dissect_frames_as_they_are(tvbuff_t *tvb, guint start, packet_info *pinfo, proto_tree *tree, ws_ctx_t *ctx)
{
    guint len = tvb_reported_length(tvb);
    volatile guint offset = start; /* kept across the exception's longjmp */

    while (offset < len) {
        wsc_frame_header hdr;
        int rc = ws_parse_tvb_header(tvb, (int)offset, &hdr);
        volatile guint n = len - offset;
        tvbuff_t *ftvb;

        if (rc > 0 && !ws_header_untrusted(ctx, pinfo, tvb, offset, &hdr) && wsc_frame_total_len(&hdr) < n)
            n = (guint)wsc_frame_total_len(&hdr);
        ftvb = tvb_new_subset_length(tvb, (gint)offset, (gint)n);
        TRY {
            dissect_ws_frame(ftvb, pinfo, tree, ctx);
        }
        CATCH_NONFATAL_ERRORS {
            show_exception(ftvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
        }
        ENDTRY;
        offset += n;
    }
}
