/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * packet-ws.c: WebSocket frames found in raw TCP, with or without the HTTP handshake.
 *
 * Implements RFC 6455 section 5 (framing), 5.3 (masking), 5.5 (control frames),
 * 7.4 (close status codes) and 8.1 (UTF-8 text). All frame logic lives in core/;
 * this file maps its results to the protocol tree, expert infos and columns.
 *
 * Limitations (this version):
 *  - fragmented messages are shown frame by frame, not reassembled;
 *  - permessage-deflate payloads (RSV1) are shown compressed;
 *  - frames larger than the reassembly limit preference are shown segment by segment.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/expert.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-http.h>
#include <epan/dissectors/packet-tls.h>

#include <inttypes.h>
#include <wsutil/wsjson.h>

#include "compat.h"
#include "core/wsc_frame.h"
#include "core/wsc_heur.h"
#include "core/wsc_inflate.h"
#include "core/wsc_tinflate.h"
#include "core/wsc_mask.h"
#include "core/wsc_utf8.h"
#include "core/wsc_http.h"

void proto_register_ws(void);
void proto_reg_handoff_ws(void);
static int dissect_ws_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);

static int proto_ws = -1;

static int hf_ws_fin = -1;
static int hf_ws_rsv = -1;
static int hf_ws_rsv1 = -1;
static int hf_ws_rsv2 = -1;
static int hf_ws_rsv3 = -1;
static int hf_ws_opcode = -1;
static int hf_ws_mask = -1;
static int hf_ws_len7 = -1;
static int hf_ws_len16 = -1;
static int hf_ws_len64 = -1;
static int hf_ws_payload_length = -1;
static int hf_ws_masking_key = -1;
static int hf_ws_masked_payload = -1;
static int hf_ws_payload = -1;
static int hf_ws_text = -1;
static int hf_ws_close_code = -1;
static int hf_ws_close_reason = -1;
static int hf_ws_frame_length = -1;
static int hf_ws_continued = -1;
static int hf_ws_continued_offset = -1;
static int hf_ws_continued_frame = -1;
static int hf_ws_heur_evidence = -1;
static int hf_ws_heur_score = -1;
static int hf_ws_heur_claim_frame = -1;
static int hf_ws_before_boundary = -1;
static int hf_ws_undecoded = -1;
static int hf_ws_payload_piece = -1;
static int hf_ws_message = -1;
static int hf_ws_message_opcode = -1;
static int hf_ws_message_length = -1;
static int hf_ws_message_payload = -1;
static int hf_ws_message_frame = -1;
static int hf_ws_message_frame_count = -1;
static int hf_ws_message_wire_length = -1;
static int hf_ws_message_ratio = -1;
static int hf_ws_message_compressed = -1;
static int hf_ws_message_completed_in = -1;
static int hf_ws_message_decoded = -1;
static int hf_ws_close_reply_in = -1;
static int hf_ws_close_reply_to = -1;
static int hf_ws_close_range = -1;
static int hf_ws_subprotocol = -1;
static int hf_ws_extensions = -1;

static gint ett_ws = WS_ETT_INIT;
static gint ett_ws_len = WS_ETT_INIT;
static gint ett_ws_rsv = WS_ETT_INIT;
static gint ett_ws_message = WS_ETT_INIT;

static expert_field ei_ws_rsv = EI_INIT;
static expert_field ei_ws_reserved_opcode = EI_INIT;
static expert_field ei_ws_control_fragmented = EI_INIT;
static expert_field ei_ws_control_too_long = EI_INIT;
static expert_field ei_ws_non_minimal_len = EI_INIT;
static expert_field ei_ws_len64_msb = EI_INIT;
static expert_field ei_ws_too_large = EI_INIT;
static expert_field ei_ws_truncated = EI_INIT;
static expert_field ei_ws_bad_utf8 = EI_INIT;
static expert_field ei_ws_close_one_byte = EI_INIT;
static expert_field ei_ws_close_bad_code = EI_INIT;
static expert_field ei_ws_mask_direction = EI_INIT;
static expert_field ei_ws_compressed = EI_INIT;
static expert_field ei_ws_unexpected_continuation = EI_INIT;
static expert_field ei_ws_interrupted_message = EI_INIT;
static expert_field ei_ws_history_missing = EI_INIT;
static expert_field ei_ws_inflate_error = EI_INIT;
static expert_field ei_ws_message_too_big = EI_INIT;
static expert_field ei_ws_close_unanswered = EI_INIT;
static expert_field ei_ws_stream_gap = EI_INIT;
static expert_field ei_ws_message_lost = EI_INIT;
static expert_field ei_ws_boundary_lost = EI_INIT;

static dissector_handle_t ws_handle;
static dissector_handle_t ws_upgrade_handle;
static dissector_handle_t ws_upgrade_router;
static dissector_handle_t builtin_ws_handle;
static dissector_handle_t ws_guard_handle;
static dissector_handle_t http_tcp_handle;
static GHashTable *ws_guarded_ports; /* TCP port -> the dissector our guard stands in front of */
static int proto_http = -1;
static dissector_handle_t text_lines_handle;
static dissector_handle_t data_handle;
static dissector_handle_t json_handle;
static dissector_table_t ws_protocol_table; /* the built-in's, looked up: subprotocol name -> dissector */
static dissector_table_t ws_port_table;     /* the built-in's: server port -> dissector */
static heur_dissector_list_t ws_heur_list;  /* the built-in's "ws" heuristic list */

/* Preferences */
static ws_pref_bool_t ws_pref_desegment = TRUE;
static guint ws_pref_max_reassembly = 32u * 1024u * 1024u;
static guint ws_pref_claim_score = 4;
static ws_pref_bool_t ws_pref_take_upgrade = TRUE;
static guint ws_pref_max_message = 16u * 1024u * 1024u;
/* Text handed to the line-based text dissector, at most (0: all of it). */
static guint ws_pref_text_lines_max = 256u * 1024u;
enum { WS_TEXT_LINES = 0, WS_TEXT_JSON, WS_TEXT_JSON_IF_VALID };
static gint ws_pref_text_as = WS_TEXT_LINES;
static const enum_val_t ws_text_as_vals[] = {
    { "lines", "Line-based text", WS_TEXT_LINES },
    { "json", "JSON", WS_TEXT_JSON },
    { "json-if-valid", "JSON when it parses, else line-based text", WS_TEXT_JSON_IF_VALID },
    { NULL, NULL, 0 }
};
static ws_pref_bool_t ws_pref_guard_ports = TRUE;
static const char *ws_pref_guard_protocols = "*";

/* tvb lengths are ints: never ask TCP to reassemble more than this, whatever the preference says. */
#define WS_REASSEMBLY_HARD_LIMIT (1u << 30)

static guint64 ws_max_reassembly(void)
{
    return MIN(ws_pref_max_reassembly, WS_REASSEMBLY_HARD_LIMIT);
}

static const value_string ws_opcode_vals[] = {
    { WSC_OP_CONTINUATION, "Continuation" },
    { WSC_OP_TEXT, "Text" },
    { WSC_OP_BINARY, "Binary" },
    { WSC_OP_CLOSE, "Close" },
    { WSC_OP_PING, "Ping" },
    { WSC_OP_PONG, "Pong" },
    { 0, NULL }
};

/* IANA "WebSocket Close Code Number Registry". */
static const value_string ws_close_code_vals[] = {
    { 1000, "Normal Closure" },
    { 1001, "Going Away" },
    { 1002, "Protocol Error" },
    { 1003, "Unsupported Data" },
    { 1004, "Reserved" },
    { 1005, "No Status Received" },
    { 1006, "Abnormal Closure" },
    { 1007, "Invalid Frame Payload Data" },
    { 1008, "Policy Violation" },
    { 1009, "Message Too Big" },
    { 1010, "Mandatory Extension" },
    { 1011, "Internal Error" },
    { 1012, "Service Restart" },
    { 1013, "Try Again Later" },
    { 1014, "Bad Gateway" },
    { 1015, "TLS Handshake" },
    { 0, NULL }
};

/* Payload of an oversized frame that continues in later segments of one direction. */
typedef struct {
    guint64 remaining;   /* payload bytes still to come */
    guint64 payload_pos; /* payload offset of the next byte */
    guint64 payload_len;
    guint32 start_frame;
    guint8 key[4];
    guint8 masked;
    guint8 opcode;
} ws_pending_t;

/* A data message (RFC 6455 5.4, 5.6): one frame or a run of fragments. WS_MSG_LOST:
 * bytes of the TCP stream are missing inside it (not captured, or taken by another
 * dissector before the conversation was recognised). */
enum { WS_MSG_OK = 0, WS_MSG_HISTORY, WS_MSG_CORRUPT, WS_MSG_TOO_BIG, WS_MSG_INTERRUPTED, WS_MSG_LOST };
typedef struct {
    /* (Ordered largest first: one of these is kept per compressed or fragmented message.) */
    const guint8 *data;     /* the whole message (decompressed); NULL: the last frame's own payload */
    wmem_array_t *more;     /* guint32 numbers of the frames after the first, if any */
    guint64 wire_len;       /* payload bytes on the wire */
    guint64 utf8_error;     /* offset of the first bad byte */
    guint32 first_frame;
    guint32 nframes;
    guint32 last_frame;     /* 0 until the message is complete */
    guint32 len;
    guint8 opcode;          /* of its first frame: text or binary */
    guint8 compressed;      /* RSV1 on its first frame (permessage-deflate) */
    guint8 per_frame;       /* x-webkit-deflate-frame: frames compressed one by one */
    guint8 status;          /* WS_MSG_* */
    guint8 utf8_bad;        /* text that is not UTF-8 */
} ws_msg_t;

/*
 * What the first pass learnt about one frame, for every pass. A data frame that is
 * a whole uncompressed message by itself (the common case) gets no record: it says
 * all there is to know about itself on every pass.
 */
typedef struct ws_frame_rec {
    guint32 num;            /* the packet */
    guint32 raw_offset;     /* tvb_raw_offset() of the frame in it */
    guint32 close_peer;     /* close frames: the other side's close, 0 if none */
    ws_msg_t *msg;          /* the data message it belongs to */
    guint8 completes;       /* its last frame */
    guint8 seq_error;       /* 1: continuation with no message, 2: new message inside one */
    guint8 close_is_reply;
} ws_frame_rec_t;

/*
 * A frame of one direction whose bytes come in several segments that TCP does not
 * reassemble for us: before the conversation was recognised, across that moment, and
 * frames larger than the reassembly limit. Its header is completed first; its payload
 * is gathered (unmasked) when it may be a message of ours to show.
 */
typedef struct {
    guint8 hdr[WSC_MAX_HEADER_LEN];
    guint8 hdr_have;        /* header bytes so far */
    gboolean active;
    wsc_frame_header h;     /* once the header is complete */
    guint64 payload_have;   /* payload bytes seen so far */
    GByteArray *buf;        /* the unmasked payload so far (reused from frame to frame) */
    gboolean gather;        /* its payload is kept for its message */
    guint32 seq;            /* TCP sequence number of the frame's first byte */
    gboolean have_seq;
    guint32 start_frame;    /* the packet where it began */
} ws_carry_t;

/* A run of segments of one direction that fit as frames, from a frame boundary the
 * heuristic found; confirmed once it earned enough evidence (its segments are then
 * decoded on later passes). */
typedef struct {
    guint32 start;          /* its first packet */
    gboolean confirmed;
    gboolean from_first;    /* it begins with the first bytes of its direction in the capture */
} ws_run_t;

/* Per direction, first pass: the message being assembled and the inflater. */
typedef struct {
    /* The TCP byte stream (first pass): the sequence number after the last byte handed
     * to us, and after the last frame followed as part of a message. A jump in either
     * means bytes went missing: no message or compression history spans it. */
    guint32 next_seq;
    guint32 track_seq;
    gboolean seq_known;
    gboolean track_known;
    gboolean hist_lost;     /* the next compressed message starts from unknown history */
    gboolean hunting;       /* frame boundaries lost after a gap: looking for them again */
    gboolean resynced;      /* its frame boundaries were found again by the heuristic (after a gap) */
    int hunt_score;         /* the evidence of its own the direction's run needs */
    ws_run_t *run;          /* the current run of plausible segments, if any */
    ws_carry_t carry;
    ws_msg_t *cur;
    GByteArray *frag;       /* payload of the fragments so far, compressed or not (reused) */
    wsc_inflater *inf;
    gboolean inf_broken;    /* reset before the next message */
    wsc_tinflate *tinf;     /* after a gap in the history: the decoder that knows what it does not know */
    wsc_tinflate *tsnap;    /* its state before the message being decoded */
    guint8 *out;            /* decompressed bytes of the message so far */
    guint out_len, out_room;
    ws_frame_rec_t *close;  /* this direction's close frame, waiting for the reply */
    guint32 close_frame;
} ws_dir_t;

/* Conversation state, written on the first pass only. */
typedef struct {
    address addr0;       /* sender of direction 0 */
    guint32 port0;
    int masked[2];       /* mask bit seen per direction, -1 until known */
    int score;           /* heuristic evidence when the conversation was accepted */
    wsc_heur_conv heur;  /* evidence gathered before acceptance */
    guint32 run_start[2];/* first segment of the current run of plausible segments, per direction */
    guint32 open_frame[2];/* segment where the frame left open at the end of the last one began */
    guint32 boundary[2]; /* first segment decoded as frames, per direction, once accepted */
    guint32 rejects;     /* segments rejected before any plausible one */
    gboolean gave_up;
    guint32 fed_num;     /* the segment last fed to the heuristic (packet, tvb_raw_offset()) */
    guint32 fed_raw;
    int fed_verdict;
    gboolean guard_watched; /* the port guard saw every segment the port's dissector had */
    guint8 port_choice;  /* WS_PORT_*: on a guarded port, who gets the conversation */
    guint16 port_tries;  /* segments seen on a guarded port before deciding */
    gboolean claimed;
    guint32 claim_frame;
    guint32 evidence_frame;  /* the first packet decoded on the first pass: it shows the evidence */
    gboolean upgraded;       /* taken over from a captured HTTP Upgrade */
    const char *evidence;
    const char *subprotocol; /* Sec-WebSocket-Protocol of the captured handshake */
    const char *extensions;  /* Sec-WebSocket-Extensions of the captured handshake */
    gboolean deflate_frame;  /* x-webkit-deflate-frame (or deflate-frame) was negotiated */
    /* A 101 answer whose request was not captured (ws_take_late_101): where it is. */
    guint32 resp101_frame;
    guint32 resp101_raw;
    guint32 resp101_len;
    ws_dir_t d[2];
} ws_conv_t;

/* Inflaters are zlib's (malloc'ed): freed when the capture file is closed. */
static GSList *ws_inflaters;

static GSList *ws_tinflaters;

/* The directions' fragment buffers. */
static GSList *ws_frags;

static void ws_cleanup(void)
{
    g_slist_free_full(ws_inflaters, (GDestroyNotify)wsc_inflate_free);
    ws_inflaters = NULL;
    g_slist_free_full(ws_tinflaters, g_free);
    ws_tinflaters = NULL;
    g_slist_free_full(ws_frags, (GDestroyNotify)g_byte_array_unref);
    ws_frags = NULL;
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

static ws_frame_rec_t *ws_frame_rec_get(packet_info *pinfo, guint32 raw_offset)
{
    ws_frame_rec_t probe;

    probe.num = pinfo->num;
    probe.raw_offset = raw_offset;
    return (ws_frame_rec_t *)wmem_map_lookup(ws_frame_recs, &probe);
}

static void ws_frame_rec_put(packet_info *pinfo, guint32 raw_offset, ws_frame_rec_t *rec)
{
    if (!rec)
        return;
    rec->num = pinfo->num;
    rec->raw_offset = raw_offset;
    wmem_map_insert(ws_frame_recs, rec, rec);
}

/* The heuristic's verdict on a segment seen before the conversation was accepted. */
enum { WS_PRE_NONE = 0, WS_PRE_PLAUSIBLE };

/* On a port another dissector owns: undecided, that dissector's, ours. */
enum { WS_PORT_UNDECIDED = 0, WS_PORT_OWNER, WS_PORT_WS, WS_PORT_HTTP };
/* Segments of a conversation on a guarded port after which the owner keeps it. */
#define WS_GUARD_MAX_TRIES 2000

/* Per-packet facts, keyed by tvb_raw_offset() of the TCP payload handed to us. */
typedef struct {
    ws_pending_t cont;   /* the frame that the bytes at the start of the segment continue */
    guint32 cont_len;    /* how many bytes continue it (header bytes included) */
    guint32 cont_hdr;    /* of which the end of its header */
    guint8 pre;          /* WS_PRE_* */
    guint8 unsynced;     /* WS_UNSYNCED_*: why the segment is not decoded as frames */
    guint32 old_len;     /* bytes at its start that an earlier segment already had (not decoded again) */
    guint32 gap;         /* bytes of this direction missing just before this segment */
    ws_run_t *run;       /* plausible segments: the run they belong to */
} ws_pkt_t;

/* Segments of an accepted conversation not decoded as frames. */
enum { WS_UNSYNCED_NO = 0, WS_UNSYNCED_HUNTING, WS_UNSYNCED_OLD };

/* Passed through tcp_dissect_pdus to the PDU callbacks. */
typedef struct {
    ws_conv_t *conv;
    int dir;
    const char *evidence;  /* heuristic verdict still to show, in the first frame's tree */
    int score;
    guint32 claim_frame;
    gboolean track;        /* follow messages (not for segments decoded after the fact) */
    gboolean ptvb_nul;     /* the current frame's payload tvb is ours, with a NUL after it */
    gboolean have_seq;     /* the TCP sequence number of the tvb's first byte is known: */
    guint32 seq;
    guint32 raw_base;      /* tvb_raw_offset() of that byte */
} ws_ctx_t;

static void ws_carry_start(ws_dir_t *d, packet_info *pinfo, gboolean gather, gboolean have_seq, guint32 seq);
static void ws_start_hunting(ws_conv_t *st, int dir, int score);
/* Evidence that finds frame boundaries again after a gap, in a direction whose masking
 * is known: as much as the whole conversation needs to be accepted (random bytes
 * in tiny segments offer many tries). */
#define WS_RESYNC_SCORE 4
/* Evidence of its own that a direction's run of frames needs, when the conversation is
 * accepted, for its frame boundaries to be trusted: more than one frame that fills its
 * segment exactly (about one random segment in 5,000 looks like that). */
#define WS_TRUSTED_RUN_SCORE 3
static gboolean ws_show_message(tvbuff_t *tvb, tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree,
                                proto_tree *ws_tree, proto_item *ws_item, const ws_frame_rec_t *rec, ws_ctx_t *ctx);

static ws_conv_t *ws_conv_get(packet_info *pinfo, gboolean create)
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

static int ws_direction(const ws_conv_t *st, packet_info *pinfo)
{
    return (addresses_equal(&st->addr0, &pinfo->src) && st->port0 == pinfo->srcport) ? 0 : 1;
}

static ws_pkt_t *ws_pkt_get(packet_info *pinfo, tvbuff_t *tvb, gboolean create)
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

/* Reads up to WSC_MAX_HEADER_LEN bytes and parses them; never throws. */
static int ws_parse_tvb_header(tvbuff_t *tvb, int offset, wsc_frame_header *hdr)
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

/* The masking direction dir's frames must have: its own as seen, else the opposite of
 * the other direction's (RFC 6455 5.1); -1 while neither is known. */
static int ws_expected_mask(const ws_conv_t *st, int dir)
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
static gboolean ws_header_untrusted(const ws_ctx_t *ctx, const wsc_frame_header *h)
{
    const ws_conv_t *st = ctx ? ctx->conv : NULL;
    int masked;

    if (!st || (st->upgraded && !st->d[ctx->dir].resynced))
        return FALSE;
    if (wsc_frame_violations(h, 1) & WS_V_BOUNDARY)
        return TRUE;
    masked = ws_expected_mask(st, ctx->dir);
    return masked >= 0 && masked != h->masked;
}

/* tcp_dissect_pdus length callback: the same core parser as the heuristic. */
static guint get_ws_pdu_len(packet_info *pinfo _U_, tvbuff_t *tvb, int offset, void *data)
{
    wsc_frame_header hdr;
    int rc = ws_parse_tvb_header(tvb, offset, &hdr);
    guint64 total;
    guint remaining = (guint)tvb_reported_length_remaining(tvb, offset);

    if (rc == WSC_PARSE_NEED_MORE)
        return 0;
    if (rc < 0 || ws_header_untrusted((const ws_ctx_t *)data, &hdr))
        /* No length can be trusted: the rest of the data is one bad frame. */
        return remaining;
    total = wsc_frame_total_len(&hdr);
    if (total > ws_max_reassembly())
        /* Too big to reassemble: take what this segment has, follow the rest in ws_pending_t. */
        return MAX(remaining, (guint)hdr.header_len);
    return (guint)total;
}

/*
 * "Text [FIN] [RSV1] [MASKED] len=83" into buf (at least WS_SUMMARY_LEN bytes), put
 * together without printf: it is made for every frame, for the Info column and the
 * tree. Returns its length.
 */
#define WS_SUMMARY_LEN 64
static gsize ws_frame_summary(char *buf, const wsc_frame_header *hdr)
{
    const char *name = wsc_opcode_name(hdr->opcode);
    char digits[20];
    int k = 0;
    guint64 v = hdr->payload_len;
    gsize n = g_strlcpy(buf, name ? name : "Reserved", WS_SUMMARY_LEN);

    if (hdr->fin)
        n += g_strlcpy(buf + n, " [FIN]", WS_SUMMARY_LEN - n);
    if (hdr->rsv & 0x4u)
        n += g_strlcpy(buf + n, " [RSV1]", WS_SUMMARY_LEN - n);
    if (hdr->masked)
        n += g_strlcpy(buf + n, " [MASKED]", WS_SUMMARY_LEN - n);
    n += g_strlcpy(buf + n, " len=", WS_SUMMARY_LEN - n);
    do {
        digits[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    /* Longest: "Continuation [FIN] [RSV1] [MASKED] len=" (39) + 20 digits. */
    while (k && n + 1 < WS_SUMMARY_LEN)
        buf[n++] = digits[--k];
    buf[n] = '\0';
    return n;
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
 * ws.text. Text that is valid UTF-8 without NUL is copied as it is, which costs a
 * memcpy; Wireshark's own conversion (kept for the rest, which it shows with
 * substitutions) goes a character at a time.
 */
static proto_item *ws_add_text(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, guint len, gboolean valid,
                               gboolean nul_follows)
{
    const guint8 *p;

    if (!tree)
        return NULL;
    if (len == 0)
        return proto_tree_add_string(tree, hf_ws_text, tvb, 0, 0, "");
    p = tvb_get_ptr(tvb, 0, len);
    if (valid && !memchr(p, 0, len)) {
        char *s;
        if (nul_follows)
            /* The buffer behind tvb has a NUL after its last byte (ws_unmasked_tvb()). */
            return proto_tree_add_string(tree, hf_ws_text, tvb, 0, len, (const char *)p);
        s = (char *)wmem_alloc(pinfo->pool, (gsize)len + 1);
        memcpy(s, p, len);
        s[len] = '\0';
        return proto_tree_add_string(tree, hf_ws_text, tvb, 0, len, s);
    }
    return proto_tree_add_item(tree, hf_ws_text, tvb, 0, len, ENC_UTF_8);
}

/*
 * Text to the line-based text dissector. One tree item per line: of a text of
 * megabytes only the beginning is shown line by line (ws.text and the data source
 * hold all of it).
 */
static void ws_call_text_lines(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    guint len = tvb_reported_length(tvb);

    if (len == 0 || !text_lines_handle)
        return;
    call_dissector(text_lines_handle, ws_pref_text_lines_max && len > ws_pref_text_lines_max ?
                   tvb_new_subset_length(tvb, 0, ws_pref_text_lines_max) : tvb, pinfo, tree);
}

static void ws_dissect_text(tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree,
                            proto_item *pi, guint len, gboolean complete, gboolean nul_follows)
{
    wsc_utf8 u;
    const guint8 *p = tvb_get_ptr(ptvb, 0, len);
    gboolean valid;

    wsc_utf8_init(&u);
    valid = wsc_utf8_feed(&u, p, len);
    ws_add_text(ws_tree, ptvb, pinfo, len, valid && (!complete || wsc_utf8_complete(&u)), nul_follows);
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
        ws_frags = g_slist_prepend(ws_frags, d->frag);
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

/* From now on the direction decodes with wsc_tinflate, from a window of unknown bytes. */
static void ws_tinflate_start(ws_dir_t *d)
{
    if (!d->tinf) {
        d->tinf = g_new(wsc_tinflate, 1);
        d->tsnap = g_new(wsc_tinflate, 1);
        ws_tinflaters = g_slist_prepend(g_slist_prepend(ws_tinflaters, d->tinf), d->tsnap);
    }
    wsc_tinflate_init_unknown(d->tinf);
}

/*
 * First pass: bytes of this direction are missing (a gap in the TCP sequence numbers,
 * or a frame that could not be followed). The message in progress cannot be completed
 * and the compression history is no longer whole.
 */
static void ws_dir_break(ws_dir_t *d)
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
    if (d->tinf) {
        ws_tinflate_append(d, m, in, in_len);
        return;
    }
    if (!d->inf) {
        d->inf = wsc_inflate_new();
        if (!d->inf) {
            m->status = WS_MSG_CORRUPT;
            return;
        }
        ws_inflaters = g_slist_prepend(ws_inflaters, d->inf);
    }
    if (d->inf_broken) {
        wsc_inflate_reset(d->inf);
        d->inf_broken = FALSE;
    }
    wsc_inflate_begin(d->inf, in ? in : (const guint8 *)"", in_len, 1);
    do {
        size_t made = 0;
        rc = wsc_inflate_run(d->inf, chunk, sizeof(chunk), &made);
        if (!ws_out_append(d, m, chunk, made))
            break;
    } while (rc == WSC_INF_FULL);
    if (rc == WSC_INF_HISTORY) {
        /* Decode this message again, and all later ones, keeping track of what is unknown. */
        ws_tinflate_start(d);
        d->out_len = out_before;
        ws_tinflate_append(d, m, in, in_len);
        return;
    }
    if (rc == WSC_INF_CORRUPT || rc == WSC_INF_NOMEM)
        m->status = WS_MSG_CORRUPT;
    if (m->status != WS_MSG_OK)
        d->inf_broken = TRUE;
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
static gboolean ws_lone_message(const wsc_frame_header *hdr)
{
    return (hdr->opcode == WSC_OP_TEXT || hdr->opcode == WSC_OP_BINARY) && hdr->fin && !(hdr->rsv & 0x4u);
}

/* First pass: the frame's part in its message and in the closing handshake; NULL
 * for a lone message (ws_lone_message()). */
static ws_frame_rec_t *ws_track_frame(ws_conv_t *st, int dir, packet_info *pinfo, const wsc_frame_header *hdr,
                                      const guint8 *payload, guint len, gboolean have_seq, guint32 seq,
                                      gboolean keep_payload)
{
    ws_dir_t *d = &st->d[dir];
    ws_frame_rec_t *rec;
    guint32 num = pinfo->num;

    if (have_seq) {
        /* Only frames that follow each other byte for byte make one message and one
         * compression history. */
        if (d->track_known && seq != d->track_seq)
            ws_dir_break(d);
        d->track_seq = seq + (guint32)(hdr->header_len + hdr->payload_len);
        d->track_known = TRUE;
    }
    if (ws_lone_message(hdr) && !d->cur && !keep_payload)
        /* A whole message in one plain frame: nothing to remember. */
        return NULL;
    rec = wmem_new0(wmem_file_scope(), ws_frame_rec_t);

    if (hdr->opcode == WSC_OP_CLOSE) {
        ws_dir_t *o = &st->d[dir ^ 1];
        if (o->close && !o->close->close_peer) {
            /* RFC 6455 5.5.1: the answer to the other side's close. */
            o->close->close_peer = num;
            rec->close_peer = o->close_frame;
            rec->close_is_reply = TRUE;
        } else if (!d->close) {
            d->close = rec;
            d->close_frame = num;
        }
        return rec;
    }
    if (wsc_opcode_is_control(hdr->opcode) || wsc_opcode_name(hdr->opcode) == NULL)
        return rec;
    if (hdr->opcode == WSC_OP_CONTINUATION) {
        if (!d->cur) {
            rec->seq_error = 1;
            return rec;
        }
    } else {
        if (d->cur) {
            /* RFC 6455 5.4: the unfinished message is abandoned. */
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
    }
    rec->msg = d->cur;
    if (d->cur->nframes++ > 0) {
        if (!d->cur->more)
            d->cur->more = wmem_array_new(wmem_file_scope(), sizeof(guint32));
        wmem_array_append_one(d->cur->more, num);
    }
    d->cur->wire_len += len;
    if (d->cur->per_frame) {
        /* x-webkit-deflate-frame: RSV1 marks each compressed frame, continuation or not. */
        if (hdr->rsv & 0x4u) {
            d->cur->compressed = TRUE;
            ws_inflate_append(d, d->cur, payload, len);
        } else {
            ws_out_append(d, d->cur, payload, len);
        }
    } else if (hdr->fin && d->cur->nframes == 1) {
        /* A message of one frame is taken (inflated) from the frame itself: no copy. */
    } else {
        ws_frag_append(d, d->cur, payload, len);
    }
    if (hdr->fin) {
        ws_msg_t *m = d->cur;
        rec->completes = TRUE;
        ws_msg_finish(d, m, num, payload, len);
        if (keep_payload && !m->data)
            /* Its payload is in no tvb of one packet: the message keeps a copy. */
            m->data = len ? (const guint8 *)wmem_memdup(wmem_file_scope(), payload, len) : (const guint8 *)"";
    }
    return rec;
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

/* Hands a whole message to the dissector that knows its contents. */
static void ws_call_message_dissector(tvbuff_t *mtvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st,
                                      int dir, guint8 opcode)
{
    guint len = tvb_reported_length(mtvb);
    guint32 server_port = 0;

    if (len == 0)
        return;
    /* The server is the side that does not mask (RFC 6455 5.1). */
    if (st && st->masked[dir] >= 0)
        server_port = st->masked[dir] ? pinfo->destport : pinfo->srcport;
    if (st && st->subprotocol && ws_protocol_table &&
        ws_dissector_try_string(ws_protocol_table, st->subprotocol, mtvb, pinfo, tree))
        return;
    if (server_port && ws_port_table && dissector_try_uint(ws_port_table, server_port, mtvb, pinfo, tree))
        return;
    if (ws_heur_list) {
        heur_dtbl_entry_t *hdtbl_entry;
        if (dissector_try_heuristic(ws_heur_list, mtvb, pinfo, tree, &hdtbl_entry, NULL))
            return;
    }
    if (opcode == WSC_OP_TEXT) {
        gboolean as_json = ws_pref_text_as == WS_TEXT_JSON ||
            (ws_pref_text_as == WS_TEXT_JSON_IF_VALID && json_validate(tvb_get_ptr(mtvb, 0, len), len));
        if (as_json && json_handle)
            call_dissector(json_handle, mtvb, pinfo, tree);
        else
            ws_call_text_lines(mtvb, pinfo, tree);
    } else {
        call_dissector(data_handle, mtvb, pinfo, tree);
    }
}

/* A data frame that is a message by itself: its text, and the message dissector. */
static void ws_show_lone(tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree, guint len,
                         guint8 opcode, const ws_ctx_t *ctx)
{
    if (opcode == WSC_OP_TEXT) {
        uint64_t bad = 0;
        gboolean valid = wsc_utf8_validate(tvb_get_ptr(ptvb, 0, len), len, &bad);
        proto_item *it = ws_add_text(ws_tree, ptvb, pinfo, len, valid, ctx->ptvb_nul);
        if (!valid)
            expert_add_info_format(pinfo, it, &ei_ws_bad_utf8,
                                   "Text is not valid UTF-8: first bad byte at message offset %" PRIu64, bad);
    }
    ws_call_message_dissector(ptvb, pinfo, tree, ctx->conv, ctx->dir, opcode);
}

/* The message part of a frame's tree; returns TRUE when the message was shown. */
static gboolean ws_show_message(tvbuff_t *tvb, tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree,
                                proto_item *ws_item, const ws_frame_rec_t *rec, ws_ctx_t *ctx)
{
    const ws_msg_t *m = rec->msg;
    gboolean decoded;
    proto_item *mi, *it;
    proto_tree *mt;
    tvbuff_t *mtvb;
    guint i, n;

    if (rec->seq_error == 1)
        expert_add_info(pinfo, ws_item, &ei_ws_unexpected_continuation);
    else if (rec->seq_error == 2)
        expert_add_info(pinfo, ws_item, &ei_ws_interrupted_message);
    if (!m)
        return FALSE;
    if (rec->completes && m->nframes == 1 && !m->compressed && m->status == WS_MSG_OK && !m->data) {
        /* One plain frame (it interrupted a fragmented message): a message by itself. */
        ws_show_lone(ptvb, pinfo, tree, ws_tree, tvb_reported_length(ptvb), m->opcode, ctx);
        return TRUE;
    }
    if (!rec->completes) {
        if (m->last_frame) {
            it = proto_tree_add_uint(ws_tree, hf_ws_message_completed_in, tvb, 0, 0, m->last_frame);
            proto_item_set_generated(it);
        }
        if (m->status == WS_MSG_INTERRUPTED)
            expert_add_info(pinfo, ws_item, &ei_ws_interrupted_message);
        else if (m->status == WS_MSG_LOST)
            expert_add_info(pinfo, ws_item, &ei_ws_message_lost);
        return TRUE;
    }
    if (m->data && m->status != WS_MSG_HISTORY && m->status != WS_MSG_CORRUPT) {
        mtvb = tvb_new_child_real_data(tvb, m->data, m->len, m->len);
        add_new_data_source(pinfo, mtvb, m->compressed ? "Decompressed message" : "Reassembled message");
    } else {
        mtvb = ptvb;
    }
    /* A message that could not be decompressed shows no length and no bytes: only what is known. */
    decoded = m->status != WS_MSG_HISTORY && m->status != WS_MSG_CORRUPT;
    if (decoded)
        mi = proto_tree_add_none_format(ws_tree, hf_ws_message, mtvb, 0, (gint)m->len, "Message: %s, %u bytes",
                                        val_to_str_const(m->opcode, ws_opcode_vals, "?"), m->len);
    else
        mi = proto_tree_add_none_format(ws_tree, hf_ws_message, mtvb, 0, 0, "Message: %s, not decompressed",
                                        val_to_str_const(m->opcode, ws_opcode_vals, "?"));
    mt = proto_item_add_subtree(mi, ett_ws_message);
    it = proto_tree_add_uint(mt, hf_ws_message_opcode, mtvb, 0, 0, m->opcode);
    proto_item_set_generated(it);
    if (m->nframes == 1)
        /* The frame above shows it (here only for filters). */
        proto_item_set_hidden(it);
    it = proto_tree_add_boolean(mt, hf_ws_message_decoded, mtvb, 0, 0, decoded);
    proto_item_set_generated(it);
    if (decoded) {
        /* The message's label already says both: they print only when it failed. */
        proto_item_set_hidden(it);
        it = proto_tree_add_uint64(mt, hf_ws_message_length, mtvb, 0, 0, m->len);
        proto_item_set_generated(it);
        proto_item_set_hidden(it);
    }
    n = m->nframes;
    if (n > 1) {
        /* The frames of a fragmented message (a message of one frame is this one). */
        it = proto_tree_add_uint(mt, hf_ws_message_frame_count, mtvb, 0, 0, n);
        proto_item_set_generated(it);
        for (i = 0; i < n; i++) {
            it = proto_tree_add_uint(mt, hf_ws_message_frame, mtvb, 0, 0,
                                     i == 0 ? m->first_frame : *(guint32 *)wmem_array_index(m->more, i - 1));
            proto_item_set_generated(it);
        }
    }
    if (m->compressed) {
        it = proto_tree_add_boolean(mt, hf_ws_message_compressed, mtvb, 0, 0, TRUE);
        proto_item_set_generated(it);
        if (m->nframes == 1)
            proto_item_set_hidden(it);
        it = proto_tree_add_uint64(mt, hf_ws_message_wire_length, mtvb, 0, 0, m->wire_len);
        proto_item_set_generated(it);
        if (m->wire_len && decoded) {
            it = proto_tree_add_double(mt, hf_ws_message_ratio, mtvb, 0, 0, (double)m->len / (double)m->wire_len);
            proto_item_set_generated(it);
        }
    }
    switch (m->status) {
    case WS_MSG_HISTORY:
        expert_add_info(pinfo, mi, &ei_ws_history_missing);
        return TRUE;
    case WS_MSG_CORRUPT:
        expert_add_info(pinfo, mi, &ei_ws_inflate_error);
        return TRUE;
    case WS_MSG_TOO_BIG:
        expert_add_info_format(pinfo, mi, &ei_ws_message_too_big,
                               "Message larger than ws.max_message_size (%u bytes): only its first %u bytes are shown",
                               ws_pref_max_message, m->len);
        break;
    default:
        break;
    }
    it = proto_tree_add_item(mt, hf_ws_message_payload, mtvb, 0, m->len, ENC_NA);
    if (m->opcode == WSC_OP_TEXT) {
        /* As on a frame: the bytes print once, as ws.text. */
        proto_item_set_hidden(it);
        it = ws_add_text(ws_tree, mtvb, pinfo, m->len, !m->utf8_bad, mtvb == ptvb && ctx && ctx->ptvb_nul);
        if (m->utf8_bad)
            expert_add_info_format(pinfo, it, &ei_ws_bad_utf8,
                                   "Text is not valid UTF-8: first bad byte at message offset %" PRIu64, m->utf8_error);
    }
    ws_call_message_dissector(mtvb, pinfo, tree, ctx ? ctx->conv : NULL, ctx ? ctx->dir : 0, m->opcode);
    return TRUE;
}

/* Dissects one frame, or the part of an oversized frame held by this segment. */
static int dissect_ws_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_ctx_t *ctx = (ws_ctx_t *)data;
    wsc_frame_header hdr;
    int rc = ws_parse_tvb_header(tvb, 0, &hdr);
    proto_item *ti, *pi, *li;
    proto_tree *ws_tree, *len_tree;
    guint reported = tvb_reported_length(tvb);
    guint captured = tvb_captured_length(tvb);
    guint64 total;
    guint visible;
    unsigned violations;
    tvbuff_t *ptvb;
    gboolean whole;

    ti = proto_tree_add_item(tree, proto_ws, tvb, 0, -1, ENC_NA);
    ws_tree = proto_item_add_subtree(ti, ett_ws);
    if (ctx && ctx->evidence) {
        /* Why the conversation is WebSocket: in full where it was decided, as a link elsewhere. */
        if (ctx->conv && pinfo->num == ctx->conv->evidence_frame) {
            pi = proto_tree_add_string(ws_tree, hf_ws_heur_evidence, tvb, 0, 0, ctx->evidence);
            proto_item_set_generated(pi);
            pi = proto_tree_add_int(ws_tree, hf_ws_heur_score, tvb, 0, 0, ctx->score);
            proto_item_set_generated(pi);
        }
        if (ctx->claim_frame && ctx->claim_frame != pinfo->num && !ctx->conv->upgraded) {
            pi = proto_tree_add_uint(ws_tree, hf_ws_heur_claim_frame, tvb, 0, 0, ctx->claim_frame);
            proto_item_set_generated(pi);
        }
        if (ctx->conv && ctx->conv->subprotocol) {
            pi = proto_tree_add_string(ws_tree, hf_ws_subprotocol, tvb, 0, 0, ctx->conv->subprotocol);
            proto_item_set_generated(pi);
        }
        if (ctx->conv && ctx->conv->extensions && pinfo->num == ctx->conv->evidence_frame) {
            pi = proto_tree_add_string(ws_tree, hf_ws_extensions, tvb, 0, 0, ctx->conv->extensions);
            proto_item_set_generated(pi);
        }
        ctx->evidence = NULL;
    }

    if (rc <= 0) {
        /* Either the 64-bit length has its top bit set or the header is cut short. */
        proto_tree_add_item(ws_tree, hf_ws_fin, tvb, 0, 1, ENC_NA);
        proto_tree_add_item(ws_tree, hf_ws_opcode, tvb, 0, 1, ENC_NA);
        if (rc == WSC_PARSE_ERR_LEN64_MSB) {
            li = proto_tree_add_item(ws_tree, hf_ws_len64, tvb, 2, 8, ENC_BIG_ENDIAN);
            expert_add_info(pinfo, li, &ei_ws_len64_msb);
            col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Invalid frame (64-bit length with top bit set)");
        } else {
            expert_add_info(pinfo, ti, &ei_ws_truncated);
            col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Truncated frame header");
        }
        return captured;
    }

    if (tree || pinfo->cinfo) {
        static const char prefix[] = "WebSocket frames (ws plugin), ";
        char label[sizeof(prefix) - 1 + WS_SUMMARY_LEN];
        memcpy(label, prefix, sizeof(prefix) - 1);
        ws_frame_summary(label + sizeof(prefix) - 1, &hdr);
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", label + sizeof(prefix) - 1);
        if (tree)
            proto_item_set_text(ti, "%s", label);
    }

    if (tree) {
        /* The header fields (without a tree, the calls would only return NULL). */
        proto_tree_add_item(ws_tree, hf_ws_fin, tvb, 0, 1, ENC_NA);
        pi = proto_tree_add_item(ws_tree, hf_ws_rsv, tvb, 0, 1, ENC_NA);
        if (hdr.rsv) {
            /* The bits one by one only when one is set: the common frame has none. */
            proto_tree *rsv_tree = proto_item_add_subtree(pi, ett_ws_rsv);
            if (hdr.rsv & 0x4u)
                proto_tree_add_item(rsv_tree, hf_ws_rsv1, tvb, 0, 1, ENC_NA);
            if (hdr.rsv & 0x2u)
                proto_tree_add_item(rsv_tree, hf_ws_rsv2, tvb, 0, 1, ENC_NA);
            if (hdr.rsv & 0x1u)
                proto_tree_add_item(rsv_tree, hf_ws_rsv3, tvb, 0, 1, ENC_NA);
        }
        proto_tree_add_item(ws_tree, hf_ws_opcode, tvb, 0, 1, ENC_NA);
        proto_tree_add_item(ws_tree, hf_ws_mask, tvb, 1, 1, ENC_NA);
        li = proto_tree_add_uint64(ws_tree, hf_ws_payload_length, tvb, 1, hdr.header_len - 1 - (hdr.masked ? 4 : 0),
                                   hdr.payload_len);
        if (hdr.len7 >= 126) {
            /* Extended length: the 7-bit marker and the 16- or 64-bit length behind it. */
            len_tree = proto_item_add_subtree(li, ett_ws_len);
            proto_tree_add_item(len_tree, hf_ws_len7, tvb, 1, 1, ENC_NA);
            if (hdr.len7 == 126)
                proto_tree_add_item(len_tree, hf_ws_len16, tvb, 2, 2, ENC_BIG_ENDIAN);
            else
                proto_tree_add_item(len_tree, hf_ws_len64, tvb, 2, 8, ENC_BIG_ENDIAN);
        }
        if (hdr.masked)
            proto_tree_add_item(ws_tree, hf_ws_masking_key, tvb, hdr.header_len - 4, 4, ENC_NA);
    }

    violations = wsc_frame_violations(&hdr, 1);
    ws_add_violations(pinfo, ti, violations);
    if (ws_header_untrusted(ctx, &hdr)) {
        /* Not decoded: the rest of the segment is shown as it is, and the direction
         * looks for frame boundaries again from the next segment on. */
        if (hdr.masked != (ctx->conv->masked[ctx->dir] >= 0 ? ctx->conv->masked[ctx->dir] : hdr.masked))
            expert_add_info(pinfo, ti, &ei_ws_mask_direction);
        if (captured > hdr.header_len)
            proto_tree_add_item(ws_tree, hf_ws_undecoded, tvb, hdr.header_len, captured - hdr.header_len, ENC_NA);
        expert_add_info(pinfo, ti, &ei_ws_boundary_lost);
        if (!PINFO_FD_VISITED(pinfo) && ctx->track)
            /* (The message in progress and the compression history go with them.) As
             * much evidence as a run needs at the decision: the bytes have not gone
             * missing, and the next segment often starts a frame again. */
            ws_start_hunting(ctx->conv, ctx->dir, WS_TRUSTED_RUN_SCORE);
        return captured;
    }

    if (ctx && ctx->conv) {
        int *seen = &ctx->conv->masked[ctx->dir];
        if (!PINFO_FD_VISITED(pinfo) && *seen < 0)
            *seen = hdr.masked;
        if (*seen >= 0 && *seen != hdr.masked)
            expert_add_info(pinfo, ti, &ei_ws_mask_direction);
    }

    total = wsc_frame_total_len(&hdr);
    whole = total <= reported;
    visible = (guint)MIN(hdr.payload_len, (guint64)(captured - MIN(captured, hdr.header_len)));

    if (!whole) {
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
        if (ctx && ctx->conv && ctx->track && !PINFO_FD_VISITED(pinfo)) {
            /* Its later segments continue it (ws_stream_first_pass()); it is no part of a message. */
            ws_dir_t *d = &ctx->conv->d[ctx->dir];
            ws_carry_start(d, pinfo, FALSE, ctx->have_seq, ctx->seq + (guint32)(tvb_raw_offset(tvb) - ctx->raw_base));
            tvb_memcpy(tvb, d->carry.hdr, 0, hdr.header_len);
            d->carry.hdr_have = hdr.header_len;
            d->carry.h = hdr;
            d->carry.payload_have = reported - hdr.header_len;
        }
    } else if (visible < hdr.payload_len) {
        expert_add_info(pinfo, ti, &ei_ws_truncated);
    }

    if (hdr.masked && tree)
        proto_tree_add_item(ws_tree, hf_ws_masked_payload, tvb, hdr.header_len, visible, ENC_NA);
    ptvb = ws_unmasked_tvb(tvb, pinfo, hdr.header_len, visible, hdr.masked, hdr.mask_key, 0);
    if (ctx)
        ctx->ptvb_nul = hdr.masked;
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

    /* Messages are tracked on whole frames (on the first pass; frames seen before the
     * conversation was accepted were tracked by ws_track_segment()). */
    if (ctx && ctx->conv && whole && visible == hdr.payload_len) {
        guint32 key = (guint32)tvb_raw_offset(tvb);
        ws_frame_rec_t *rec = ws_frame_rec_get(pinfo, key);

        if (!rec && !PINFO_FD_VISITED(pinfo) && ctx->track) {
            rec = ws_track_frame(ctx->conv, ctx->dir, pinfo, &hdr, tvb_get_ptr(ptvb, 0, visible), visible,
                                 ctx->have_seq, ctx->seq + (guint32)(key - ctx->raw_base), FALSE);
            ws_frame_rec_put(pinfo, key, rec);
        }
        if (rec && hdr.opcode == WSC_OP_CLOSE) {
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
            return captured;
        if (!rec && ws_lone_message(&hdr)) {
            ws_show_lone(ptvb, pinfo, tree, ws_tree, visible, hdr.opcode, ctx);
            return captured;
        }
    }

    if (hdr.rsv & 0x4u) {
        /* permessage-deflate, and no message to decompress it into: the bytes are shown as sent. */
        if (!wsc_opcode_is_control(hdr.opcode))
            expert_add_info(pinfo, ti, &ei_ws_compressed);
        return captured;
    }

    switch (hdr.opcode) {
    case WSC_OP_TEXT:
        ws_dissect_text(ptvb, pinfo, tree, ws_tree, pi, visible, hdr.fin && visible == hdr.payload_len,
                        hdr.masked);
        break;
    case WSC_OP_BINARY:
    case WSC_OP_CONTINUATION:
        if (visible > 0)
            call_dissector(data_handle, ptvb, pinfo, tree);
        break;
    case WSC_OP_CLOSE:
        ws_dissect_close(ptvb, pinfo, ws_tree, pi, visible);
        break;
    default:
        break;
    }
    return captured;
}

/* The TCP sequence number of the first byte of tvb, when TCP called us (directly or
 * through the port guard): data is then its struct tcpinfo. Inside TLS there is none. */
static gboolean ws_tcp_seq(packet_info *pinfo, void *data, guint32 *seq)
{
    if (!data || proto_is_frame_protocol(pinfo->layers, "tls"))
        return FALSE;
    *seq = ((const struct tcpinfo *)data)->seq;
    return TRUE;
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
static void ws_carry_drop(ws_dir_t *d)
{
    d->carry.active = FALSE;
}

/* Starts following a frame that the end of a segment cuts, from its first byte (at seq). */
static void ws_carry_start(ws_dir_t *d, packet_info *pinfo, gboolean gather, gboolean have_seq, guint32 seq)
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
            ws_frags = g_slist_prepend(ws_frags, c->buf);
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
static gint64 ws_carry_feed(ws_conv_t *st, int dir, packet_info *pinfo, const guint8 *p, guint n, guint *hdr_used,
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

/*
 * Bytes at the start of a segment that finish a frame begun in an earlier segment.
 * When they complete a frame gathered across segments, its message shows here.
 */
static guint ws_dissect_continued(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const ws_pkt_t *pkt,
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
    if (h && !np)
        return pkt->cont_len;
    ptvb = ws_unmasked_tvb(tvb, pinfo, h, np, pkt->cont.masked, pkt->cont.key, pkt->cont.payload_pos);
    proto_tree_add_item(ws_tree, hf_ws_payload_piece, ptvb, 0, np, ENC_NA);
    if (rec && rec->msg && rec->completes && rec->msg->data) {
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

/* Bytes of an accepted conversation that are not decoded as frames. */
static int ws_show_unsynced(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const char *why)
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

/* Where a segment stands in its direction's TCP stream (first pass). */
enum { WS_SEQ_NEXT = 0, WS_SEQ_GAP, WS_SEQ_OLD, WS_SEQ_OVERLAP };

/*
 * First pass: checks that the segment's bytes follow the last ones handed to us in
 * its direction. A jump forward means bytes are missing (not captured, or another
 * dissector got them); bytes we already had are a retransmission.
 */
static int ws_seq_observe(ws_conv_t *st, int dir, tvbuff_t *tvb, gboolean have_seq, guint32 seq, guint32 *gap)
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
static void ws_start_hunting(ws_conv_t *st, int dir, int score)
{
    ws_dir_t *d = &st->d[dir];

    ws_dir_break(d);
    ws_carry_drop(d);
    d->hunting = TRUE;
    d->resynced = TRUE;
    d->hunt_score = score;
    d->run = NULL;
    st->run_start[dir] = 0;
    wsc_heur_conv_reset_dir(&st->heur, dir);
    wsc_heur_conv_expect_mask(&st->heur, dir, ws_expected_mask(st, dir));
}

static void ws_feed_apply(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, const wsc_heur_seg *seg,
                          gboolean decoded_now, gboolean have_seq, guint32 seq);
static void ws_show_late_101(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);

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
 * First pass, accepted conversation, a direction whose frame boundaries are not yet
 * trusted: the segment goes to the evidence like one before the decision (its frames
 * followed, shown on later passes if the run is confirmed). Returns TRUE when the run
 * has now earned enough for the segment to be decoded as frames.
 */
static gboolean ws_hunt(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, ws_pkt_t *pkt,
                        gboolean have_seq, guint32 seq)
{
    ws_dir_t *d = &st->d[dir];
    guint caplen = tvb_captured_length(tvb);
    wsc_heur_seg seg;
    int v;

    if (caplen == 0)
        return FALSE;
    if (st->fed_num == pinfo->num && st->fed_raw == (guint32)tvb_raw_offset(tvb))
        /* The segment that decided the conversation: already fed and followed. */
        return FALSE;
    v = wsc_heur_conv_feed(&st->heur, dir, tvb_get_ptr(tvb, 0, caplen), caplen, caplen == tvb_reported_length(tvb),
                           G_MAXINT, &seg);
    if (v != WSC_SEG_REJECT && st->heur.dir[dir].score >= d->hunt_score) {
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
 * First pass of a segment of an accepted conversation: the sequence check, the
 * search for frame boundaries after a gap, the frame left open by earlier segments.
 * Returns FALSE when the segment is not to be decoded as frames (pkt->unsynced says why).
 */
static gboolean ws_stream_first_pass(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, gboolean have_seq,
                                     guint32 seq)
{
    ws_dir_t *d = &st->d[dir];
    guint32 gap;
    gboolean first = !d->seq_known;
    int where = ws_seq_observe(st, dir, tvb, have_seq, seq, &gap);
    tvbuff_t *whole_tvb = tvb;
    ws_pkt_t *pkt;

    if (where == WS_SEQ_NEXT && first && st->upgraded && ws_tcp_saw_loss(pinfo)) {
        /* After the handshake, before the first bytes we see: something is missing. */
        where = WS_SEQ_GAP;
        gap = WS_GAP_UNKNOWN;
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
    if (d->carry.active && !(st->fed_num == pinfo->num && st->fed_raw == (guint32)tvb_raw_offset(tvb))) {
        /* (The segment that decided the conversation fed the open frame already.) */
        guint caplen = tvb_captured_length(tvb);
        guint hdr_used;
        ws_frame_rec_t *rec;
        gint64 used;
        guint64 payload_pos = d->carry.payload_have;

        pkt = ws_pkt_get(pinfo, whole_tvb, TRUE);
        used = ws_carry_feed(st, dir, pinfo, tvb_get_ptr(tvb, 0, caplen), caplen, &hdr_used, &rec);
        if (used < 0) {
            ws_start_hunting(st, dir, WS_RESYNC_SCORE);
            pkt->unsynced = WS_UNSYNCED_HUNTING;
            return FALSE;
        }
        /* A header completed here gives the key and length (the frame stays open, or
         * ended: either way its header is kept). */
        ws_carry_describe(&d->carry, pkt, payload_pos);
        pkt->cont_len = (guint32)used;
        pkt->cont_hdr = hdr_used;
        ws_frame_rec_put(pinfo, (guint32)tvb_raw_offset(tvb), rec);
    }
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

/* Frames of one segment (or reassembled run of segments) of an accepted conversation. */
static int dissect_ws_stream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st, gboolean reassemble,
                             gboolean have_seq, guint32 seq)
{
    ws_ctx_t ctx;
    ws_pkt_t *pkt;
    guint offset = 0;
    guint len = tvb_reported_length(tvb);

    if (st->resp101_len && pinfo->num == st->resp101_frame && (guint32)tvb_raw_offset(tvb) == st->resp101_raw &&
        st->resp101_len <= tvb_captured_length(tvb)) {
        /* The 101 answer first, then the frames that follow it in the segment. */
        ws_show_late_101(tvb_new_subset_length(tvb, 0, (gint)st->resp101_len), pinfo, tree);
        if (st->resp101_len == len)
            return (int)len;
        tvb = tvb_new_subset_remaining(tvb, (gint)st->resp101_len);
        seq += st->resp101_len;
        len = tvb_reported_length(tvb);
    }
    if (!PINFO_FD_VISITED(pinfo) && !st->evidence_frame)
        st->evidence_frame = pinfo->num;
    ctx.evidence = st->evidence;
    ctx.score = st->score;
    ctx.claim_frame = st->claim_frame;
    ctx.conv = st;
    ctx.dir = ws_direction(st, pinfo);
    ctx.track = reassemble;
    ctx.ptvb_nul = FALSE;
    ctx.have_seq = have_seq;
    ctx.seq = seq;
    ctx.raw_base = (guint32)tvb_raw_offset(tvb);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
    col_clear(pinfo->cinfo, COL_INFO);

    if (!PINFO_FD_VISITED(pinfo) && reassemble)
        ws_stream_first_pass(tvb, pinfo, st, ctx.dir, have_seq, seq);
    pkt = ws_pkt_get(pinfo, tvb, FALSE);
    if (pkt && pkt->unsynced == WS_UNSYNCED_HUNTING && pkt->run && pkt->run->confirmed && PINFO_FD_VISITED(pinfo))
        /* Followed while its direction's boundaries were not yet trusted, and part of the
         * run that then earned enough: decoded now, as TCP handed it (not reassembled). */
        reassemble = FALSE;
    else if (pkt && pkt->unsynced) {
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
    if (pkt && pkt->cont_len) {
        tvbuff_t *cont = offset ? tvb_new_subset_remaining(tvb, (gint)offset) : tvb;
        offset += ws_dissect_continued(cont, pinfo, tree, pkt, &ctx);
    }

    if (offset < len) {
        tvbuff_t *rest = offset ? tvb_new_subset_remaining(tvb, offset) : tvb;
        tcp_dissect_pdus(rest, pinfo, tree, reassemble && ws_pref_desegment, 2, get_ws_pdu_len, dissect_ws_frame,
                         &ctx);
        if (offset && pinfo->desegment_len)
            pinfo->desegment_offset += offset;
        if (!PINFO_FD_VISITED(pinfo) && reassemble && pinfo->desegment_len) {
            /* TCP hands the bytes from here on back to us, reassembled (without the
             * sequence number, as from HTTP's upgrade, where they start is learnt then). */
            if (have_seq)
                st->d[ctx.dir].next_seq = seq + (guint32)pinfo->desegment_offset;
            else
                st->d[ctx.dir].seq_known = FALSE;
        }
    }
    return (int)tvb_captured_length(tvb);
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
    guint32 raw = (guint32)tvb_raw_offset(tvb);
    ws_pkt_t *pkt;
    guint skip;

    if (seg->verdict == WSC_SEG_REJECT) {
        st->run_start[dir] = 0;
        d->run = NULL;
        ws_carry_drop(d);
        if ((seg->scan.reject & WSC_R_SAME_MASKS) && !st->claimed) {
            st->run_start[dir ^ 1] = 0;
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
    if (skip > 0) {
        ws_frame_rec_t *rec = NULL;
        guint hdr_used = 0;
        gint64 used = 0;

        if (d->carry.active) {
            used = ws_carry_feed(st, dir, pinfo, tvb_get_ptr(tvb, 0, caplen), MIN(skip, caplen), &hdr_used, &rec);
            ws_frame_rec_put(pinfo, raw, rec);
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
    if (!st->run_start[dir])
        st->run_start[dir] = pinfo->num;
    if (seg->scan.tail_header_len)
        st->open_frame[dir] = pinfo->num;
    if (decoded_now && st->masked[dir] < 0)
        /* (The direction's, as the core has followed it: this segment may hold no header.) */
        st->masked[dir] = st->heur.dir[dir].masked;
}

/* A header value of the handshake as a string of the capture's lifetime, or NULL. */
static const char *ws_header_value(const guint8 *v, size_t n)
{
    return v ? wmem_strndup(wmem_file_scope(), (const char *)v, n) : NULL;
}

/* x-webkit-deflate-frame (or deflate-frame) and not permessage-deflate was negotiated. */
static gboolean ws_negotiated_deflate_frame(const char *extensions)
{
    return extensions && !strstr(extensions, "permessage-deflate") && strstr(extensions, "deflate-frame") != NULL;
}

/*
 * First pass, nothing of the conversation seen yet: a segment that begins with a whole
 * "101 Switching Protocols" naming websocket. The capture began after the client's
 * request, and HTTP does not switch to WebSocket without it: the conversation is ours
 * from here, as if HTTP had handed it over. The server's frames start right after the
 * header block, the client's with its next bytes; what was negotiated is read from the
 * answer. Returns TRUE when taken.
 */
static gboolean ws_take_late_101(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st)
{
    guint n = MIN(tvb_captured_length(tvb), WSC_HTTP_MAX_HEADER);
    wsc_http101 h;

    if (PINFO_FD_VISITED(pinfo) || st->claimed || st->fed_num != 0 || st->d[0].seq_known || st->d[1].seq_known ||
        n < 14 || tvb_get_guint8(tvb, 0) != 'H')
        return FALSE;
    if (!wsc_http101_parse(tvb_get_ptr(tvb, 0, n), n, &h))
        return FALSE;
    st->claimed = TRUE;
    st->upgraded = TRUE;
    st->claim_frame = pinfo->num;
    st->evidence = "HTTP 101 answer to an Upgrade request that was not captured";
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

/* The header block of a 101 answer taken by ws_take_late_101(): shown by HTTP. */
static void ws_show_late_101(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    guint16 saved = pinfo->can_desegment;

    pinfo->can_desegment = 0;
    if (!http_tcp_handle || !call_dissector_only(http_tcp_handle, tvb, pinfo, tree, NULL)) {
        call_dissector(data_handle, tvb, pinfo, tree);
        col_set_str(pinfo->cinfo, COL_INFO, "HTTP 101 Switching Protocols");
    }
    pinfo->can_desegment = saved;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "WebSocket");
    col_append_str(pinfo->cinfo, COL_INFO, "(the request is not in the capture)");
    col_set_fence(pinfo->cinfo, COL_INFO);
}

/*
 * First pass, conversation not yet accepted: feed the segment to the core's
 * evidence gatherer and remember its verdict for later passes. A segment is fed once
 * (the port guard and the heuristic may both see it).
 */
static int ws_heur_feed(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, gboolean have_seq, guint32 seq)
{
    guint caplen = tvb_captured_length(tvb);
    int dir = ws_direction(st, pinfo);
    ws_dir_t *d = &st->d[dir];
    guint32 raw = (guint32)tvb_raw_offset(tvb);
    wsc_heur_seg seg;
    guint32 gap;
    int v, where;
    gboolean first;

    if (st->fed_num == pinfo->num && st->fed_raw == raw)
        return st->fed_verdict;
    st->fed_num = pinfo->num;
    st->fed_raw = raw;
    st->fed_verdict = WSC_SEG_REJECT;
    if (caplen == 0)
        return WSC_SEG_REJECT;
    first = have_seq && !d->seq_known;
    where = ws_seq_observe(st, dir, tvb, have_seq, seq, &gap);
    if (where == WS_SEQ_OLD)
        return WSC_SEG_REJECT;
    if (where == WS_SEQ_OVERLAP || where == WS_SEQ_GAP) {
        /* The frames of this direction cannot be followed across missing bytes; old
         * bytes before new ones (rare before a decision) start it afresh with the next
         * segment. */
        wsc_heur_conv_reset_dir(&st->heur, dir);
        st->run_start[dir] = 0;
        d->run = NULL;
        ws_carry_drop(d);
        ws_dir_break(d);
        if (where == WS_SEQ_OVERLAP)
            return WSC_SEG_REJECT;
    }
    v = wsc_heur_conv_feed(&st->heur, dir, tvb_get_ptr(tvb, 0, caplen), caplen,
                           caplen == tvb_reported_length(tvb), (int)ws_pref_claim_score, &seg);
    st->fed_verdict = v;
    if (v == WSC_SEG_REJECT) {
        ws_feed_apply(tvb, pinfo, st, dir, &seg, FALSE, have_seq, seq);
        /* A conversation that never looked like frames at all is not worth scanning forever. */
        if (!st->run_start[0] && !st->run_start[1] && ++st->rejects >= 1000)
            st->gave_up = TRUE;
        return v;
    }
    /* The segment that decides is decoded now, unless its own direction has not earned
     * enough to be trusted (see below). */
    if (first && !d->run) {
        d->run = wmem_new0(wmem_file_scope(), ws_run_t);
        d->run->start = pinfo->num;
        d->run->from_first = TRUE;
    }
    ws_feed_apply(tvb, pinfo, st, dir, &seg,
                  v == WSC_SEG_ACCEPT && st->heur.dir[dir].score >= ws_trusted_score(d), have_seq, seq);
    if (v == WSC_SEG_ACCEPT) {
        char buf[256];
        wsc_heur_describe(st->heur.evidence, buf, sizeof(buf));
        st->evidence = wmem_strdup(wmem_file_scope(), buf);
        st->score = seg.score;
        st->claimed = TRUE;
        st->claim_frame = pinfo->num;
        {
            int i;
            for (i = 0; i < 2; i++) {
                st->boundary[i] = 0;
                if (st->run_start[i] && st->heur.dir[i].score >= ws_trusted_score(&st->d[i])) {
                    ws_run_confirm(st, i);
                } else if (st->run_start[i]) {
                    /* A run of frames that has earned next to nothing itself (the evidence
                     * came from the other direction) may have begun inside a frame: it is
                     * followed on until it earns enough, and shown from its start then. */
                    st->d[i].hunting = TRUE;
                    st->d[i].hunt_score = ws_trusted_score(&st->d[i]);
                } else {
                    /* No frame boundary yet: looked for (the first segment of a direction
                     * that has sent nothing yet most likely starts with a frame). */
                    ws_start_hunting(st, i, st->d[i].seq_known ? WS_RESYNC_SCORE : WS_FIRST_BOUNDARY_SCORE);
                }
            }
        }
        /* This segment is decoded now: its sequence numbers are checked again there. */
        d->seq_known = FALSE;
    }
    return v;
}

static ws_heur_ret_t dissect_ws_heur_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
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
    if (st->gave_up || ws_heur_feed(tvb, pinfo, st, have_seq, seq) != WSC_SEG_ACCEPT)
        return FALSE;
    conversation_set_dissector(find_or_create_conversation(pinfo), ws_handle);
    return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, have_seq, seq) > 0;
}

/* Decrypted TLS: the same test; TLS keeps calling the handle we leave in *data. */
static ws_heur_ret_t dissect_ws_heur_tls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_conv_t *st;

    if (PINFO_FD_VISITED(pinfo))
        return FALSE;
    st = ws_conv_get(pinfo, TRUE);
    if (!st->claimed && (st->gave_up || ws_heur_feed(tvb, pinfo, st, FALSE, 0) != WSC_SEG_ACCEPT))
        return FALSE;
    {
        dissector_handle_t *slot = WS_TLS_APP_HANDLE_SLOT(data);
        if (slot)
            *slot = ws_handle;
    }
    return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, FALSE, 0) > 0;
}

/* An HTTP/1.x request or status line starts with a token of capitals and a space, or "HTTP/". */
static gboolean ws_looks_like_http(tvbuff_t *tvb)
{
    guint8 b[16];
    guint n = MIN(tvb_captured_length(tvb), sizeof(b));
    guint i;

    tvb_memcpy(tvb, b, 0, n);
    if (n >= 5 && memcmp(b, "HTTP/", 5) == 0)
        return TRUE;
    for (i = 0; i < n && b[i] >= 'A' && b[i] <= 'Z'; i++)
        ;
    return i >= 3 && i < n && b[i] == ' ';
}

/*
 * The start of a WebSocket handshake on a port that another protocol owns: "GET /"
 * (RFC 6455 4.1: the opening handshake is a GET) or HTTP's "101" answer. HTTP gets such
 * a conversation, so that its Upgrade hands the connection to us.
 */
static gboolean ws_looks_like_handshake(tvbuff_t *tvb)
{
    guint8 b[13];
    guint n = MIN(tvb_captured_length(tvb), sizeof(b));

    tvb_memcpy(tvb, b, 0, n);
    return (n >= 5 && memcmp(b, "GET /", 5) == 0) ||
           (n >= 13 && memcmp(b, "HTTP/1.", 7) == 0 && memcmp(b + 8, " 101 ", 5) == 0);
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

/*
 * Stands in front of a TCP port that another dissector owns (HTTP's 80, 8080, ...,
 * and those of the protocols listed in a preference). The choice is made once per
 * conversation on the first pass: data that the WebSocket heuristic accepts comes to
 * us, HTTP-looking data on HTTP's ports goes to HTTP at once; the owner gets every
 * segment until the choice is made and keeps the conversation after a few
 * segments without one.
 */
static int dissect_ws_guard(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
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
        if (owner == http_tcp_handle && ws_looks_like_http(tvb)) {
            st->port_choice = WS_PORT_OWNER;
        } else if (owner != http_tcp_handle && http_tcp_handle && ws_looks_like_handshake(tvb)) {
            st->port_choice = WS_PORT_HTTP;
        } else if (st->gave_up) {
            st->port_choice = WS_PORT_OWNER;
        } else if (ws_heur_feed(tvb, pinfo, st, have_seq, seq) == WSC_SEG_ACCEPT) {
            st->port_choice = WS_PORT_WS;
            conversation_set_dissector(find_or_create_conversation(pinfo), ws_handle);
        } else if (st->gave_up || ++st->port_tries >= WS_GUARD_MAX_TRIES) {
            /* The heuristic gave up (a long run of segments that are not frames), or
             * frames never added up to enough evidence. */
            st->port_choice = WS_PORT_OWNER;
        }
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
    if (st->port_choice != WS_PORT_OWNER || PINFO_FD_VISITED(pinfo)) {
        ws_pkt_t *pkt = ws_pkt_get(pinfo, tvb, FALSE);
        if (pkt && pkt->pre == WS_PRE_PLAUSIBLE && owner) {
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
static void ws_update_port_guards(void)
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
static int dissect_ws_upgrade(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    ws_conv_t *st = (ws_conv_t *)conversation_get_proto_data(conv, proto_ws);

    if (!st || !st->claimed) {
        http_conv_t *http = proto_http > 0 ? (http_conv_t *)conversation_get_proto_data(conv, proto_http) : NULL;

        st = ws_conv_get(pinfo, TRUE);
        st->claimed = TRUE;
        st->claim_frame = pinfo->num;
        st->evidence = "HTTP Upgrade handshake";
        st->upgraded = TRUE;
        if (http) {
            st->subprotocol = WS_HTTP_WS_PROTOCOL(http);
            st->extensions = WS_HTTP_WS_EXTENSIONS(http);
            st->deflate_frame = ws_negotiated_deflate_frame(st->extensions);
            if (http->startframe)
                st->claim_frame = http->startframe;
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
            int i;
            for (i = 0; i < 2; i++) {
                if (!st->guard_watched)
                    st->d[i].seq_known = FALSE;
                st->d[i].track_known = FALSE;
                st->d[i].hunting = FALSE;
                st->d[i].resynced = FALSE;
                st->masked[i] = -1;
                ws_carry_drop(&st->d[i]);
                ws_dir_break(&st->d[i]);
                st->d[i].hist_lost = FALSE;
            }
        }
        if (!PINFO_FD_VISITED(pinfo) && !proto_is_frame_protocol(pinfo->layers, "tls"))
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
static int dissect_ws_upgrade_router(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
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
static int dissect_ws_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    ws_conv_t *st = ws_conv_get(pinfo, TRUE);
    ws_pkt_t *pkt;
    int dir;
    guint32 seq = 0;
    gboolean have_seq = ws_tcp_seq(pinfo, data, &seq);

    if (!st->claimed || pinfo->num >= st->claim_frame)
        return dissect_ws_stream(tvb, pinfo, tree, st, TRUE, have_seq, seq);

    pkt = ws_pkt_get(pinfo, tvb, FALSE);
    dir = ws_direction(st, pinfo);
    if (pkt && pkt->pre == WS_PRE_PLAUSIBLE && pkt->run && pkt->run->confirmed)
        return dissect_ws_stream(tvb, pinfo, tree, st, FALSE, FALSE, 0);
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

void proto_register_ws(void)
{
    static hf_register_info hf[] = {
        { &hf_ws_fin, { "Fin", "ws.fin", FT_BOOLEAN, 8, NULL, WSC_B0_FIN,
            "Final fragment of a message", HFILL } },
        { &hf_ws_rsv, { "Reserved", "ws.rsv", FT_UINT8, BASE_DEC, NULL, WSC_B0_RSV,
            "RSV1, RSV2, RSV3 as one 3-bit value", HFILL } },
        { &hf_ws_rsv1, { "RSV1 (compressed)", "ws.rsv1", FT_BOOLEAN, 8, NULL, WSC_B0_RSV1,
            "Per-message compression bit (RFC 7692)", HFILL } },
        { &hf_ws_rsv2, { "RSV2", "ws.rsv2", FT_BOOLEAN, 8, NULL, WSC_B0_RSV2, NULL, HFILL } },
        { &hf_ws_rsv3, { "RSV3", "ws.rsv3", FT_BOOLEAN, 8, NULL, WSC_B0_RSV3, NULL, HFILL } },
        { &hf_ws_opcode, { "Opcode", "ws.opcode", FT_UINT8, BASE_DEC, VALS(ws_opcode_vals), WSC_B0_OPCODE,
            NULL, HFILL } },
        { &hf_ws_mask, { "Mask", "ws.mask", FT_BOOLEAN, 8, NULL, WSC_B1_MASK,
            "Payload is masked (client to server)", HFILL } },
        { &hf_ws_len7, { "Payload length (7-bit)", "ws.payload_length.len7", FT_UINT8, BASE_DEC, NULL, WSC_B1_LEN7,
            "0-125: the length; 126: a 16-bit length follows; 127: a 64-bit length follows", HFILL } },
        { &hf_ws_len16, { "Extended payload length (16-bit)", "ws.payload_length.len16", FT_UINT16, BASE_DEC,
            NULL, 0x0, NULL, HFILL } },
        { &hf_ws_len64, { "Extended payload length (64-bit)", "ws.payload_length.len64", FT_UINT64, BASE_DEC,
            NULL, 0x0, NULL, HFILL } },
        { &hf_ws_payload_length, { "Payload length", "ws.payload_length", FT_UINT64, BASE_DEC, NULL, 0x0,
            "Effective payload length, whichever encoding the frame used", HFILL } },
        { &hf_ws_masking_key, { "Masking-Key", "ws.masking_key", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_ws_masked_payload, { "Masked payload", "ws.masked_payload", FT_NONE, BASE_NONE, NULL, 0x0,
            "Payload as sent on the wire", HFILL } },
        { &hf_ws_payload, { "Payload", "ws.payload", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Payload after unmasking", HFILL } },
        { &hf_ws_text, { "Text", "ws.text", FT_STRING, BASE_NONE, NULL, 0x0,
            "Unmasked payload of a text frame", HFILL } },
        { &hf_ws_close_code, { "Close code", "ws.close.code", FT_UINT16, BASE_DEC, VALS(ws_close_code_vals), 0x0,
            NULL, HFILL } },
        { &hf_ws_close_reason, { "Close reason", "ws.close.reason", FT_STRING, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_ws_frame_length, { "Frame length", "ws.frame_length", FT_UINT64, BASE_DEC, NULL, 0x0,
            "Header plus payload", HFILL } },
        { &hf_ws_continued, { "Continued payload", "ws.continued", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes that continue a frame started in an earlier segment", HFILL } },
        { &hf_ws_continued_offset, { "Continued at payload offset", "ws.continued.offset", FT_UINT64, BASE_DEC,
            NULL, 0x0, NULL, HFILL } },
        { &hf_ws_continued_frame, { "Frame started in", "ws.continued.frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_ws_heur_evidence, { "Heuristic evidence", "ws.heur.evidence", FT_STRING, BASE_NONE, NULL, 0x0,
            "Why the heuristic accepted this segment", HFILL } },
        { &hf_ws_heur_score, { "Heuristic score", "ws.heur.score", FT_INT32, BASE_DEC, NULL, 0x0,
            "Evidence points of this segment, or gathered by the conversation when it was accepted", HFILL } },
        { &hf_ws_subprotocol, { "Subprotocol", "ws.subprotocol", FT_STRING, BASE_NONE, NULL, 0x0,
            "Sec-WebSocket-Protocol chosen by the server in the captured handshake", HFILL } },
        { &hf_ws_extensions, { "Extensions", "ws.extensions", FT_STRING, BASE_NONE, NULL, 0x0,
            "Sec-WebSocket-Extensions chosen by the server in the captured handshake", HFILL } },
        { &hf_ws_message, { "Message", "ws.message", FT_NONE, BASE_NONE, NULL, 0x0,
            "The whole message this frame completes", HFILL } },
        { &hf_ws_message_opcode, { "Message opcode", "ws.message.opcode", FT_UINT8, BASE_DEC, VALS(ws_opcode_vals),
            0x0, "Text or binary: the opcode of the message's first frame", HFILL } },
        { &hf_ws_message_length, { "Message length", "ws.message.length", FT_UINT64, BASE_DEC, NULL, 0x0,
            "Bytes of the message after reassembly and decompression", HFILL } },
        { &hf_ws_message_payload, { "Message payload", "ws.message.payload", FT_BYTES, BASE_NONE, NULL, 0x0,
            "The whole message after reassembly and decompression", HFILL } },
        { &hf_ws_message_frame, { "Frame of the message", "ws.message.frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_ws_message_frame_count, { "Frames", "ws.message.frame_count", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Number of frames of the message", HFILL } },
        { &hf_ws_message_wire_length, { "Compressed length", "ws.message.compressed_length", FT_UINT64, BASE_DEC, NULL,
            0x0, "Payload bytes of the message on the wire", HFILL } },
        { &hf_ws_message_ratio, { "Compression ratio", "ws.message.compression_ratio", FT_DOUBLE, BASE_NONE, NULL, 0x0,
            "Decompressed length divided by compressed length", HFILL } },
        { &hf_ws_message_compressed, { "Compressed", "ws.message.compressed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "permessage-deflate (RSV1 on the first frame)", HFILL } },
        { &hf_ws_message_decoded, { "Decoded", "ws.message.decoded", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "False when the message could not be decompressed (history missing, corrupt data): "
            "it then has no length and no payload", HFILL } },
        { &hf_ws_message_completed_in, { "Message completed in", "ws.message.completed_in", FT_FRAMENUM, BASE_NONE,
            NULL, 0x0, "Frame that carries the last fragment of this message", HFILL } },
        { &hf_ws_close_reply_in, { "Answered in", "ws.close.reply_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The other side's close frame that answers this one", HFILL } },
        { &hf_ws_close_reply_to, { "Answers", "ws.close.reply_to", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The other side's close frame this one answers", HFILL } },
        { &hf_ws_close_range, { "Close code range", "ws.close.code_range", FT_STRING, BASE_NONE, NULL, 0x0,
            "3000-3999: registered with IANA; 4000-4999: private use", HFILL } },
        { &hf_ws_before_boundary, { "Continuation of a frame that began before the capture", "ws.before_boundary",
            FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes of this direction before the first frame boundary the heuristic found", HFILL } },
        { &hf_ws_payload_piece, { "Payload piece", "ws.payload_piece", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Unmasked payload bytes of a frame that is not whole in this segment (it continues in later segments "
            "that were not reassembled, or was cut by the capture): ws.continued.offset says where they go",
            HFILL } },
        { &hf_ws_undecoded, { "Not decoded", "ws.undecoded", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes of a WebSocket conversation that are not decoded as frames: after a gap in the TCP stream "
            "before the next frame boundary, retransmitted bytes, or bytes another dissector had on the first pass",
            HFILL } },
        { &hf_ws_heur_claim_frame, { "Conversation accepted in", "ws.heur.claim_frame", FT_FRAMENUM, BASE_NONE,
            NULL, 0x0, "Frame whose evidence made the heuristic decode the whole TCP conversation", HFILL } },
    };
    static gint *ett[] = { &ett_ws, &ett_ws_len, &ett_ws_rsv, &ett_ws_message };
    static ei_register_info ei[] = {
        { &ei_ws_rsv, { "ws.rsv.nonzero", PI_PROTOCOL, PI_WARN,
            "Reserved bit set that no extension allows (RFC 6455 5.2, RFC 7692 6)", EXPFILL } },
        { &ei_ws_reserved_opcode, { "ws.opcode.reserved", PI_PROTOCOL, PI_ERROR,
            "Reserved opcode (RFC 6455 5.2)", EXPFILL } },
        { &ei_ws_control_fragmented, { "ws.control.fragmented", PI_PROTOCOL, PI_ERROR,
            "Control frame without FIN: control frames must not be fragmented (RFC 6455 5.5)", EXPFILL } },
        { &ei_ws_control_too_long, { "ws.control.too_long", PI_PROTOCOL, PI_ERROR,
            "Control frame payload longer than 125 bytes (RFC 6455 5.5)", EXPFILL } },
        { &ei_ws_non_minimal_len, { "ws.payload_length.non_minimal", PI_PROTOCOL, PI_WARN,
            "Payload length not in its minimal encoding (RFC 6455 5.2)", EXPFILL } },
        { &ei_ws_len64_msb, { "ws.payload_length.msb", PI_MALFORMED, PI_ERROR,
            "64-bit payload length with the most significant bit set (RFC 6455 5.2)", EXPFILL } },
        { &ei_ws_too_large, { "ws.frame.too_large", PI_REASSEMBLE, PI_NOTE,
            "Frame larger than the reassembly limit", EXPFILL } },
        { &ei_ws_truncated, { "ws.frame.truncated", PI_MALFORMED, PI_WARN,
            "Frame cut short by the capture (snapshot length or missing segments)", EXPFILL } },
        { &ei_ws_bad_utf8, { "ws.text.bad_utf8", PI_PROTOCOL, PI_WARN,
            "Text is not valid UTF-8 (RFC 6455 8.1)", EXPFILL } },
        { &ei_ws_close_one_byte, { "ws.close.one_byte", PI_PROTOCOL, PI_WARN,
            "Close payload of one byte: a body must start with a 2-byte code (RFC 6455 5.5.1)", EXPFILL } },
        { &ei_ws_close_bad_code, { "ws.close.code.invalid", PI_PROTOCOL, PI_WARN,
            "Close code that must not be sent (RFC 6455 7.4)", EXPFILL } },
        { &ei_ws_mask_direction, { "ws.mask.inconsistent", PI_PROTOCOL, PI_WARN,
            "Mask bit differs from earlier frames of this direction (RFC 6455 5.1)", EXPFILL } },
        { &ei_ws_unexpected_continuation, { "ws.message.unexpected_continuation", PI_SEQUENCE, PI_WARN,
            "Continuation frame with no message in progress (RFC 6455 5.4)", EXPFILL } },
        { &ei_ws_interrupted_message, { "ws.message.interrupted", PI_SEQUENCE, PI_WARN,
            "New data frame while a fragmented message is in progress: that message is abandoned (RFC 6455 5.4)",
            EXPFILL } },
        { &ei_ws_history_missing, { "ws.message.history_missing", PI_UNDECODED, PI_WARN,
            "Message refers to compression history from before the capture (permessage-deflate context "
            "takeover); later messages that do not are decoded again", EXPFILL } },
        { &ei_ws_inflate_error, { "ws.message.inflate_error", PI_MALFORMED, PI_ERROR,
            "Compressed payload is not valid DEFLATE data (RFC 7692)", EXPFILL } },
        { &ei_ws_message_too_big, { "ws.message.too_big", PI_REASSEMBLE, PI_WARN,
            "Message larger than the maximum message size", EXPFILL } },
        { &ei_ws_close_unanswered, { "ws.close.unanswered", PI_SEQUENCE, PI_NOTE,
            "Close frame not answered in the capture", EXPFILL } },
        { &ei_ws_stream_gap, { "ws.stream.gap", PI_SEQUENCE, PI_WARN,
            "Bytes of this direction are missing before this segment: the message in progress and the "
            "compression history end here", EXPFILL } },
        { &ei_ws_message_lost, { "ws.message.incomplete", PI_SEQUENCE, PI_WARN,
            "Message not complete: bytes of the TCP stream are missing inside it", EXPFILL } },
        { &ei_ws_boundary_lost, { "ws.boundary.lost", PI_MALFORMED, PI_WARN,
            "Header breaks RFC 6455 in a connection found without its handshake: most likely no frame "
            "boundary; the bytes are not decoded and frame boundaries are looked for again", EXPFILL } },
        { &ei_ws_compressed, { "ws.compressed", PI_UNDECODED, PI_NOTE,
            "Compressed payload (RSV1, permessage-deflate): shown as sent", EXPFILL } },
    };
    module_t *ws_module;
    expert_module_t *expert_ws;

    proto_ws = proto_register_protocol("WebSocket frames (ws plugin)", "WS", "ws");
    proto_register_field_array(proto_ws, hf, array_length(hf));
    ws_frame_recs = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), ws_frame_rec_hash, ws_frame_rec_equal);
    proto_register_subtree_array(ett, array_length(ett));
    expert_ws = expert_register_protocol(proto_ws);
    expert_register_field_array(expert_ws, ei, array_length(ei));

    ws_handle = register_dissector("ws_plugin_tcp", dissect_ws_tcp, proto_ws);

    ws_upgrade_handle = register_dissector("ws_plugin_upgrade", dissect_ws_upgrade, proto_ws);
    ws_upgrade_router = register_dissector("ws_plugin_upgrade_router", dissect_ws_upgrade_router, -1);
    /* No protocol of its own: where the port's dissector keeps the conversation,
     * nothing of ours shows (not even in frame.protocols). */
    ws_guard_handle = register_dissector_with_description("ws_plugin_port_guard",
        "Port's own dissector, or WebSocket without handshake (ws plugin)", dissect_ws_guard, -1);

    ws_module = prefs_register_protocol(proto_ws, proto_reg_handoff_ws);
    prefs_register_bool_preference(ws_module, "take_over_upgrade",
        "Decode connections upgraded from HTTP",
        "When the HTTP Upgrade handshake was captured, decode the connection with this plugin "
        "(one protocol and one set of fields for both cases). Off: leave it to Wireshark's built-in "
        "WebSocket dissector.", &ws_pref_take_upgrade);
    prefs_register_bool_preference(ws_module, "guard_ports",
        "Look for WebSocket on ports other dissectors own",
        "On the TCP ports of the protocols listed below (every port a dissector owns, by default), decide once "
        "per conversation: data the WebSocket heuristic accepts goes to this plugin, the rest (and HTTP-looking "
        "data on HTTP's ports at once) to the port's dissector, which gets every segment until then. Off: those "
        "dissectors keep their ports.", &ws_pref_guard_ports);
    prefs_register_string_preference(ws_module, "guard_protocols",
        "Protocols whose ports are guarded",
        "Filter names of the protocols whose TCP ports are guarded, separated by commas or spaces "
        "(for example \"http,mqtt,tls\"); \"*\": every protocol that owns a TCP port.", &ws_pref_guard_protocols);
    prefs_register_bool_preference(ws_module, "desegment",
        "Reassemble frames spanning several TCP segments",
        "Whether frames that span TCP segments are reassembled. Needs TCP's "
        "\"Allow subdissector to reassemble TCP streams\".", &ws_pref_desegment);
    prefs_register_uint_preference(ws_module, "max_reassembly",
        "Largest frame to reassemble (bytes)",
        "Frames longer than this (at most 1 GiB) are not reassembled; their payload is shown segment by segment.",
        10, &ws_pref_max_reassembly);
    prefs_register_uint_preference(ws_module, "max_message_size",
        "Largest message to reassemble or decompress (bytes)",
        "Fragmented messages are reassembled and compressed ones decompressed up to this size; beyond it the "
        "message is cut and flagged (a deflate bomb never allocates more).", 10, &ws_pref_max_message);
    prefs_register_uint_preference(ws_module, "text_lines_max",
        "Text shown line by line, at most (bytes)",
        "The line-based text tree of a text message stops after this many bytes (0: no limit); ws.text and "
        "the message's data source always hold the whole text.", 10, &ws_pref_text_lines_max);
    prefs_register_enum_preference(ws_module, "text_as", "Show text messages as",
        "Which dissector gets text messages that no subprotocol dissector claimed.", &ws_pref_text_as,
        ws_text_as_vals, FALSE);
    prefs_register_uint_preference(ws_module, "heur_claim_score",
        "Evidence needed to claim a conversation",
        "Evidence points (see docs/detection.md) after which a TCP conversation is decoded as WebSocket. "
        "Lower accepts sooner and risks claiming other traffic.",
        10, &ws_pref_claim_score);
}

void proto_reg_handoff_ws(void)
{
    static gboolean initialized = FALSE;

    if (!initialized) {
        text_lines_handle = find_dissector("data-text-lines");
        data_handle = find_dissector("data");
        json_handle = find_dissector("json");
        /* The built-in WebSocket dissector's tables: subprotocol dissectors (SIP, CoAP,
         * BACnet/SC, ...) register there; we look them up, never register them again. */
        ws_protocol_table = find_dissector_table("ws.protocol");
        ws_port_table = find_dissector_table("ws.port");
        ws_heur_list = find_heur_dissector_list("ws");
        register_cleanup_routine(ws_cleanup);
        heur_dissector_add("tcp", dissect_ws_heur_tcp, "WebSocket over TCP (ws plugin)", "ws_tcp", proto_ws,
                           HEURISTIC_ENABLE);
        heur_dissector_add("tls", dissect_ws_heur_tls, "WebSocket over decrypted TLS (ws plugin)", "ws_tls", proto_ws,
                           HEURISTIC_ENABLE);
        dissector_add_for_decode_as("tcp.port", ws_handle);
        proto_http = proto_get_id_by_filter_name("http");
        builtin_ws_handle = find_dissector("websocket");
        http_tcp_handle = find_dissector("http-over-tcp");
        initialized = TRUE;
    }
    ws_update_port_guards();
    /* Plugins are handed off after the built-in dissectors, so this replaces the
     * built-in's "websocket" entry; the router hands it back when asked to. */
    dissector_add_string("http.upgrade", "websocket", ws_upgrade_router);
}
