/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-message.c: a frame's part in its message, on the first pass only (ws_track_frame):
 * which message a data frame opens, continues or completes (RFC 6455 5.4), the closing
 * handshake's pairs (5.5.1), fragments reassembled into the direction's buffer, and the
 * two inflaters of permessage-deflate (RFC 7692; x-webkit-deflate-frame frame by frame):
 * zlib's while the direction's history is whole, the core's wsc_tinflate (which knows
 * which bytes it does not know) once bytes went missing (ws_dir_break). What it learns
 * is kept in ws_frame_rec_t and ws_msg_t for every pass; ws-deliver.c shows it. It calls
 * only the core (inflate, tinflate, UTF-8) and ws-stream.c's ws_free_on_close.
 */
#include <wireshark.h>
#include <epan/packet.h>

#include "ws-int.h"
#include "core/wsc_utf8.h"

/*
 * The payload of a fragmented message's frames (compressed or not), up to the
 * message cap, in a buffer the direction reuses: a compressed message keeps its
 * inflated output, an uncompressed one an exact copy. Returns FALSE once the
 * message is too big.
 */
static gboolean ws_frag_append(ws_dir_t *d, ws_msg_t *m, const guint8 *p, guint len)
{
    if (m->status == WS_MSG_TOO_BIG)
        return FALSE;
    if (!d->frag) {
        d->frag = g_byte_array_new();
        ws_free_on_close(d->frag, (GDestroyNotify)g_byte_array_unref);
    }
    if ((guint64)d->frag->len + len > ws_pref_max_message) {
        m->status = WS_MSG_TOO_BIG;
        return FALSE;
    }
    if (len)
        g_byte_array_append(d->frag, p, len);
    return TRUE;
}

/* Appends bytes to the message's output, up to ws.max_message_size. */
static gboolean ws_out_append(ws_dir_t *d, ws_msg_t *m, const guint8 *p, size_t n)
{
    guint cap = ws_pref_max_message;

    if (d->out_len + n > cap) {
        n = cap - d->out_len;
        m->status = WS_MSG_TOO_BIG;
    }
    if (d->out_len + n > d->out_room) {
        guint room = (guint)MIN(MAX((guint64)d->out_room * 2, (guint64)(d->out_len + n)), (guint64)cap);
        d->out = (guint8 *)wmem_realloc(wmem_file_scope(), d->out, MAX(room, 1));
        d->out_room = room;
    }
    if (n)
        memcpy(d->out + d->out_len, p, n);
    d->out_len += (guint)n;
    return m->status != WS_MSG_TOO_BIG;
}

/*
 * After a gap in the compression history: decode with the decoder that tracks the
 * bytes it does not know, so that the known history stays at its true distance. A
 * message with no unknown byte is exactly what was sent; one with unknown bytes is
 * flagged and shows nothing.
 */
static void ws_tinflate_append(ws_dir_t *d, ws_msg_t *m, const guint8 *in, guint in_len)
{
    guint cap_left = ws_pref_max_message - MIN(d->out_len, ws_pref_max_message);
    guint room = MIN(cap_left, MAX(65536u, in_len * 8u));

    for (;;) {
        /* No Wireshark call between g_malloc and g_free: nothing can throw in between. */
        guint8 *buf = (guint8 *)g_malloc(MAX(room, 1));
        size_t n = 0, unknown = 0;
        int rc;

        memcpy(d->tsnap, d->tinf, sizeof(*d->tinf));
        rc = wsc_tinflate_message(d->tinf, in ? in : (const guint8 *)"", in_len, buf, room, &n, &unknown);
        if (rc == WSC_TINF_FULL && room < cap_left) {
            /* Try again with more room, from the same state. */
            memcpy(d->tinf, d->tsnap, sizeof(*d->tinf));
            room = (guint)MIN((guint64)room * 4, (guint64)cap_left);
            g_free(buf);
            continue;
        }
        if (rc == WSC_TINF_CORRUPT) {
            m->status = WS_MSG_CORRUPT;
            wsc_tinflate_init_unknown(d->tinf);
        } else if (rc == WSC_TINF_FULL) {
            ws_out_append(d, m, buf, n);
            m->status = WS_MSG_TOO_BIG;
            wsc_tinflate_init_unknown(d->tinf);
        } else if (unknown) {
            m->status = WS_MSG_HISTORY;
        } else {
            ws_out_append(d, m, buf, n);
        }
        g_free(buf);
        return;
    }
}

/* The direction's wsc_tinflate, allocated once, with a window of unknown bytes. */
static void ws_tinflate_clear(ws_dir_t *d)
{
    if (!d->tinf) {
        d->tinf = g_new(wsc_tinflate, 1);
        d->tsnap = g_new(wsc_tinflate, 1);
        ws_free_on_close(d->tinf, g_free);
        ws_free_on_close(d->tsnap, g_free);
    }
    wsc_tinflate_init_unknown(d->tinf);
}

/* From now on the direction decodes with wsc_tinflate, from a window of unknown bytes. */
static void ws_tinflate_start(ws_dir_t *d)
{
    ws_tinflate_clear(d);
    d->tinf_on = TRUE;
}

/*
 * First pass: bytes of this direction are missing (a gap in the TCP sequence numbers,
 * or a frame that could not be followed). The message in progress cannot be completed
 * and the compression history is no longer whole.
 */
void ws_dir_break(ws_dir_t *d)
{
    if (d->cur) {
        d->cur->status = WS_MSG_LOST;
        d->cur->last_frame = 0;
        d->cur = NULL;
    }
    d->out_len = 0;
    d->hist_lost = TRUE;
}

/*
 * RFC 7692 7.2.2: inflates in[0..in_len) (plus the removed 00 00 ff ff) with the
 * direction's stream and appends the output to the message, at most
 * ws.max_message_size bytes. When the history turns out to be missing (the capture
 * began mid-context), the direction switches to ws_tinflate_append() for good.
 */
static void ws_inflate_append(ws_dir_t *d, ws_msg_t *m, const guint8 *in, guint in_len)
{
    guint8 chunk[16384];
    guint out_before = d->out_len;
    int rc;

    if (m->status != WS_MSG_OK)
        return;
    if (d->hist_lost) {
        /* Bytes of this direction went missing: whatever the inflater remembers may lack
         * what the sender refers to. From here on only the decoder that knows what it
         * does not know is trusted, with a window of unknown bytes. */
        d->hist_lost = FALSE;
        ws_tinflate_start(d);
    }
    if (d->tinf_on) {
        ws_tinflate_append(d, m, in, in_len);
        return;
    }
    if (!d->inf) {
        d->inf = wsc_inflate_new();
        if (!d->inf) {
            m->status = WS_MSG_CORRUPT;
            return;
        }
        ws_free_on_close(d->inf, (GDestroyNotify)wsc_inflate_free);
        ws_tinflate_clear(d);
    }
    if (d->inf_broken) {
        wsc_inflate_reset(d->inf);
        d->inf_broken = FALSE;
        ws_tinflate_clear(d);
    }
    wsc_inflate_begin(d->inf, in ? in : (const guint8 *)"", in_len, 1);
    do {
        size_t made = 0;
        rc = wsc_inflate_run(d->inf, chunk, sizeof(chunk), &made);
        if (!ws_out_append(d, m, chunk, made))
            break;
    } while (rc == WSC_INF_FULL);
    if (rc == WSC_INF_HISTORY) {
        /* Decode this message again, and all later ones, keeping track of what is unknown:
         * tinf holds, as known bytes, what zlib decoded before this message since its
         * last reset, so later messages that refer to it still come out. */
        d->tinf_on = TRUE;
        d->out_len = out_before;
        ws_tinflate_append(d, m, in, in_len);
        return;
    }
    if (rc == WSC_INF_CORRUPT || rc == WSC_INF_NOMEM)
        m->status = WS_MSG_CORRUPT;
    if (m->status != WS_MSG_OK)
        d->inf_broken = TRUE;
    else if (d->out_len > out_before)
        /* Every byte zlib produced is in the message (no cap reached): known history. */
        wsc_tinflate_known(d->tinf, d->out + out_before, d->out_len - out_before);
}

static void ws_msg_finish(ws_dir_t *d, ws_msg_t *m, guint32 frame, const guint8 *single, guint single_len)
{
    m->last_frame = frame;
    if (m->per_frame || m->compressed) {
        /* x-webkit-deflate-frame: each frame was inflated as it came; permessage-deflate:
         * the whole message is inflated now. The output buffer serves the next message
         * too: the message keeps an exact copy. */
        if (!m->per_frame && m->nframes == 1)
            ws_inflate_append(d, m, single, single ? single_len : 0);
        else if (!m->per_frame)
            ws_inflate_append(d, m, d->frag ? d->frag->data : NULL, d->frag ? d->frag->len : 0);
        m->data = d->out_len ? (const guint8 *)wmem_memdup(wmem_file_scope(), d->out, d->out_len) : (const guint8 *)"";
        m->len = d->out_len;
    } else if (m->nframes > 1 || !single) {
        m->len = d->frag ? d->frag->len : 0;
        m->data = m->len ? (const guint8 *)wmem_memdup(wmem_file_scope(), d->frag->data, m->len) : (const guint8 *)"";
    } else {
        m->len = single_len;
    }
    if (m->opcode == WSC_OP_TEXT && m->status != WS_MSG_HISTORY && m->status != WS_MSG_CORRUPT) {
        uint64_t bad = 0;
        const guint8 *p = m->data ? m->data : single;
        /* RFC 6455 8.1: a text message is UTF-8 as a whole (fragments may split characters). */
        if (p && !wsc_utf8_validate(p, m->len, &bad) && m->status != WS_MSG_TOO_BIG) {
            m->utf8_bad = TRUE;
            m->utf8_error = bad;
        }
    }
    d->cur = NULL;
    d->out_len = 0;
}

/* A text or binary frame with FIN and without RSV1: a message by itself, unless it
 * interrupts a fragmented one (RFC 6455 5.4). */
gboolean ws_lone_message(const wsc_frame_header *hdr)
{
    return (hdr->opcode == WSC_OP_TEXT || hdr->opcode == WSC_OP_BINARY) && hdr->fin && !(hdr->rsv & 0x4u);
}

/* A close frame: the first of its direction waits for the other side's, which answers it (RFC 6455 5.5.1). */
static void ws_track_close(ws_conv_t *st, int dir, guint32 num, ws_frame_rec_t *rec)
{
    ws_dir_t *d = &st->d[dir];
    ws_dir_t *o = &st->d[dir ^ 1];

    if (o->close && !o->close->close_peer) {
        o->close->close_peer = num;
        rec->close_peer = o->close_frame;
        rec->close_is_reply = TRUE;
    } else if (!d->close) {
        d->close = rec;
        d->close_frame = num;
    }
}

/*
 * The message a data frame belongs to (RFC 6455 5.4): a text or binary frame opens one
 * (abandoning an unfinished one), a continuation frame goes on with it. NULL for a
 * continuation with no message, which the record then says.
 */
static ws_msg_t *ws_frame_message(ws_conv_t *st, ws_dir_t *d, guint32 num, const wsc_frame_header *hdr,
                                  ws_frame_rec_t *rec)
{
    if (hdr->opcode == WSC_OP_CONTINUATION) {
        if (!d->cur)
            rec->seq_error = 1;
        return d->cur;
    }
    if (d->cur) {
        /* The unfinished message is abandoned. */
        rec->seq_error = 2;
        d->cur->status = WS_MSG_INTERRUPTED;
        d->cur->last_frame = 0;
        d->cur = NULL;
        d->out_len = 0;
    }
    d->cur = wmem_new0(wmem_file_scope(), ws_msg_t);
    if (d->frag)
        g_byte_array_set_size(d->frag, 0);
    d->cur->opcode = hdr->opcode;
    d->cur->compressed = (hdr->rsv & 0x4u) != 0;
    d->cur->per_frame = st->deflate_frame;
    d->cur->first_frame = num;
    return d->cur;
}

/* A data frame's payload added to its message m: inflated, kept or gathered. */
static void ws_message_add(ws_dir_t *d, ws_msg_t *m, guint32 num, const wsc_frame_header *hdr, const guint8 *payload,
                           guint len)
{
    if (m->nframes++ > 0) {
        if (!m->more)
            m->more = wmem_array_new(wmem_file_scope(), sizeof(guint32));
        wmem_array_append_one(m->more, num);
    }
    m->wire_len += len;
    if (m->per_frame) {
        /* x-webkit-deflate-frame: RSV1 marks each compressed frame, continuation or not. */
        if (hdr->rsv & 0x4u) {
            m->compressed = TRUE;
            ws_inflate_append(d, m, payload, len);
        } else {
            ws_out_append(d, m, payload, len);
        }
    } else if (hdr->fin && m->nframes == 1) {
        /* A message of one frame is taken (inflated) from the frame itself: no copy. */
    } else {
        ws_frag_append(d, m, payload, len);
    }
}

/* Could a sender have written this control frame? FIN, RSV clear, at most 125 bytes and,
 * for a close, nothing or a code allowed on the wire with a UTF-8 reason. A gathered
 * control frame is shown as a message only then: one found on a false boundary (while
 * hunting) rarely passes. */
static gboolean ws_control_frame_sound(const wsc_frame_header *hdr, const guint8 *payload, guint len)
{
    if (!hdr->fin || hdr->rsv || hdr->payload_len > WSC_MAX_CONTROL_PAYLOAD || len != hdr->payload_len)
        return FALSE;
    if (hdr->opcode != WSC_OP_CLOSE || len == 0)
        return TRUE;
    return len >= 2 && wsc_close_code_valid((guint16)((payload[0] << 8) | payload[1])) &&
           wsc_utf8_validate(payload + 2, len - 2, NULL);
}

/* First pass: the frame's part in its message and in the closing handshake; NULL
 * for a lone message (ws_lone_message()). */
ws_frame_rec_t *ws_track_frame(ws_conv_t *st, int dir, packet_info *pinfo, const wsc_frame_header *hdr,
                               const guint8 *payload, guint len, gboolean have_seq, guint32 seq,
                               gboolean keep_payload)
{
    ws_dir_t *d = &st->d[dir];
    ws_frame_rec_t *rec;
    ws_msg_t *m;
    guint32 num = pinfo->num;

    if (have_seq) {
        /* Only frames that follow each other byte for byte make one message and one
         * compression history. */
        if (d->track_known && seq != d->track_seq)
            ws_dir_break(d);
        d->track_seq = seq + (guint32)(hdr->header_len + hdr->payload_len);
        d->track_known = TRUE;
    }
    if (ws_lone_message(hdr) && !d->cur)
        ws_mqtt_observe(st, pinfo, hdr, payload, len); /* ws-sub-mqtt.c: a client's CONNECT makes it MQTT */
    if (ws_lone_message(hdr) && !d->cur && !keep_payload)
        /* A whole message in one plain frame: nothing to remember. */
        return NULL;
    rec = wmem_new0(wmem_file_scope(), ws_frame_rec_t);
    if (hdr->opcode == WSC_OP_CLOSE)
        ws_track_close(st, dir, num, rec);
    if (wsc_opcode_is_control(hdr->opcode) && keep_payload && ws_control_frame_sound(hdr, payload, len)) {
        /* A control frame gathered from several segments (ws_carry_feed): its payload is
         * in no tvb of one packet, so its record keeps it for the segment that completes
         * it (ws_dissect_continued). It is no data message: nothing else reads it. */
        m = wmem_new0(wmem_file_scope(), ws_msg_t);
        m->opcode = hdr->opcode;
        m->nframes = 1;
        m->first_frame = m->last_frame = num;
        m->len = m->wire_len = len;
        m->data = len ? (const guint8 *)wmem_memdup(wmem_file_scope(), payload, len) : (const guint8 *)"";
        rec->msg = m;
        rec->completes = TRUE;
        return rec;
    }
    if (wsc_opcode_is_control(hdr->opcode) || wsc_opcode_name(hdr->opcode) == NULL)
        return rec;
    m = ws_frame_message(st, d, num, hdr, rec);
    if (!m)
        return rec;
    rec->msg = m;
    ws_message_add(d, m, num, hdr, payload, len);
    if (hdr->fin) {
        rec->completes = TRUE;
        ws_msg_finish(d, m, num, payload, len);
        if (keep_payload && !m->data)
            /* Its payload is in no tvb of one packet: the message keeps a copy. */
            m->data = len ? (const guint8 *)wmem_memdup(wmem_file_scope(), payload, len) : (const guint8 *)"";
    }
    return rec;
}
