/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-int.h: what the glue's files share, and nothing else. The state types (a
 * conversation, its two directions, a frame's record, a message, a packet's facts, the
 * context of one dissect_ws_stream() call), the hf/ett/ei ids and preferences that
 * ws-register.c defines, and the functions one stage offers the others, grouped by the
 * file that defines them. A segment's way through the files: ws-detect.c (who gets it)
 * -> ws-stream.c (where it stands in its direction) -> ws-frame.c (one frame's tree) ->
 * ws-message.c (the message a frame belongs to, first pass) -> ws-deliver.c (the message
 * shown and handed on); ws-evidence.c is what the core heuristic's verdicts do to the
 * state. docs/architecture.md draws it. Version differences are in compat.h only.
 */
#ifndef WS_INT_H
#define WS_INT_H

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>

#include "compat.h"
#include "core/wsc_frame.h"
#include "core/wsc_heur.h"
#include "core/wsc_inflate.h"
#include "core/wsc_tinflate.h"

/* ---- State (written on the first pass only; memory of the capture file's lifetime) ---- */

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
    gboolean http_get;      /* its first captured bytes begin "GET ", and none went missing since */
    gboolean upgrade_seen;  /* its first bytes after HTTP's Upgrade were checked for the rest of a head */
    guint32 head_frame;     /* the packet where they were (0: none), where later passes check again */
    guint32 head_open;      /* bytes so far of a head's rest in pieces that has not ended (0: none) */
    guint8 head_state;      /* where its last piece left off (wsc_http_head_feed) */
    int hunt_score;         /* the evidence of its own the direction's run needs */
    /* TCP writes (first pass, segments the heuristic saw): the sequence number after the
     * last segment that ended a write (PSH, and shorter than the largest segment so far or
     * the first seen), and the largest segment. A segment that starts there starts a write. */
    guint32 write_end_seq;
    gboolean write_end_known;
    guint max_seg;
    ws_run_t *run;          /* the current run of plausible segments, if any */
    ws_carry_t carry;
    ws_msg_t *cur;
    GByteArray *frag;       /* payload of the fragments so far, compressed or not (reused) */
    wsc_inflater *inf;
    gboolean inf_broken;    /* reset before the next message */
    wsc_tinflate *tinf;     /* the decoder that knows what it does not know; until it is on, the
                             * known output zlib decoded since its last reset (its history) */
    wsc_tinflate *tsnap;    /* its state before the message being decoded */
    gboolean tinf_on;       /* the direction decodes with tinf (zlib met a history it lacks, or a gap) */
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
    guint32 open_frame[2];/* segment where the frame left open at the end of the last one began */
    guint32 boundary[2]; /* first segment decoded as frames, per direction, once accepted */
    guint32 rejects;     /* segments rejected before any plausible one */
    gboolean gave_up;
    guint32 fed_num;     /* the segment last fed to the heuristic (packet, tvb_raw_offset()) */
    guint32 fed_raw;
    int fed_verdict;
    gboolean fed_whole;  /* that segment was whole frames from its first byte to its last */
    gboolean guard_watched; /* the port guard saw every segment the port's dissector had */
    guint8 port_choice;  /* WS_PORT_*: on a guarded port, who gets the conversation */
    guint16 port_tries;  /* segments seen on a guarded port before deciding */
    guint8 guard_segs[2];/* data segments per direction the guard handed to the port's dissector whole, up to WS_GUARD_WHOLE_SEGS */
    gboolean claimed;
    guint8 found_by;         /* WS_FOUND_*: how the conversation was recognised */
    guint32 claim_frame;
    guint32 upgrade_frame;   /* where HTTP first handed us bytes after its Upgrade (first pass) */
    guint32 evidence_frame;  /* the first packet decoded on the first pass: it shows the evidence */
    gboolean upgraded;       /* taken over from a captured HTTP Upgrade */
    guint32 http_head_end;   /* where HTTP's tvb at the Upgrade ended the 101's head (its startoffset) */
    const char *evidence;
    const char *subprotocol; /* Sec-WebSocket-Protocol of the captured handshake */
    const char *extensions;  /* Sec-WebSocket-Extensions of the captured handshake */
    gboolean deflate_frame;  /* x-webkit-deflate-frame (or deflate-frame) was negotiated */
    /* A 101 answer whose request was not captured (ws_take_late_101): where it is. */
    guint32 resp101_frame;
    guint32 resp101_raw;
    guint32 resp101_len;
    gboolean late_req;       /* ... and the client's bytes before it, from "GET ", are its request */
    /* An Upgrade request gathered by us (HTTP did not take it; ws_gather_request): */
    guint8 *req;             /* its bytes so far (first pass) */
    guint32 req_len;
    guint32 req_first;       /* the packet of its first bytes */
    guint32 req_whole_frame; /* the packet that completed it */
    gboolean req_whole;      /* all of it: the conversation is ours until the server answers */
    gboolean req_failed;     /* the answer was not a 101 to websocket: not ours */
    guint8 req_dir;          /* the client's direction */
    guint8 req_first_dir;    /* the direction of its first piece */
    gboolean req_pieces_taken; /* pieces kept from HTTP's heuristic (ws_request_piece_for_http) */
    struct ws_mqtt_conv *mqtt; /* ws-sub-mqtt.c: the client's CONNECT seen, NULL if not */
    wmem_map_t *untrusted;   /* headers the first pass did not trust (ws_header_untrusted), NULL if none */
    ws_dir_t d[2];
} ws_conv_t;

/* The heuristic's verdict on a segment seen before the conversation was accepted. */
enum { WS_PRE_NONE = 0, WS_PRE_PLAUSIBLE };

/* How a conversation was recognised (ws_conv_t.found_by). */
enum { WS_FOUND_DECODE_AS = 0, WS_FOUND_HANDSHAKE, WS_FOUND_LATE_101, WS_FOUND_HEURISTIC, WS_FOUND_PORT_GUARD,
       WS_FOUND_TLS };

/* On a port another dissector owns: undecided, that dissector's, ours. */
enum { WS_PORT_UNDECIDED = 0, WS_PORT_OWNER, WS_PORT_WS, WS_PORT_HTTP };

/* Per-packet facts, keyed by tvb_raw_offset() of the TCP payload handed to us. */
typedef struct {
    ws_pending_t cont;   /* the frame that the bytes at the start of the segment continue */
    guint32 cont_len;    /* how many bytes continue it (header bytes included) */
    guint32 cont_hdr;    /* of which the end of its header */
    guint8 pre;          /* WS_PRE_* */
    guint8 unsynced;     /* WS_UNSYNCED_*: why the segment is not decoded as frames */
    guint32 old_len;     /* bytes at its start that an earlier segment already had (not decoded again) */
    guint32 lead_len;    /* bytes at its start that end a frame whose start is unknown (not decoded) */
    guint32 head_len;    /* bytes at its start that are HTTP's 101 head, handed again after the Upgrade */
    guint32 gap;         /* bytes of this direction missing just before this segment */
    ws_run_t *run;       /* plausible segments: the run they belong to */
    gboolean owner_whole;/* the port's dissector gets it without reassembly (see dissect_ws_guard) */
} ws_pkt_t;

/* Segments of an accepted conversation not decoded as frames. */
enum { WS_UNSYNCED_NO = 0, WS_UNSYNCED_HUNTING, WS_UNSYNCED_OLD };

/* Passed through tcp_dissect_pdus to the PDU callbacks. */
typedef struct {
    ws_conv_t *conv;
    int dir;
    gboolean show_evidence; /* why the conversation is ours is still to show, in the first frame's tree */
    gboolean track;        /* follow messages (not for segments decoded after the fact) */
    gboolean reassembled;  /* frames that go on past the segment's end come back reassembled (TCP) */
    gboolean ptvb_nul;     /* the current frame's payload tvb is ours, with a NUL after it */
    gboolean have_seq;     /* the TCP sequence number of the tvb's first byte is known: */
    guint32 seq;
    guint32 raw_base;      /* tvb_raw_offset() of that byte */
    gboolean retro;        /* a later pass decodes segments the first pass only followed */
} ws_ctx_t;

/* Evidence that finds frame boundaries again after a gap, in a direction whose masking
 * is known: as much as the whole conversation needs to be accepted (random bytes
 * in tiny segments offer many tries). */
#define WS_RESYNC_SCORE 4
/* Evidence of its own that a direction's run of frames needs, when the conversation is
 * accepted, for its frame boundaries to be trusted: more than one frame that fills its
 * segment exactly (about one random segment in 5,000 looks like that). */
#define WS_TRUSTED_RUN_SCORE 3

/* Where a segment stands in its direction's TCP stream (first pass). */
enum { WS_SEQ_NEXT = 0, WS_SEQ_GAP, WS_SEQ_OLD, WS_SEQ_OVERLAP };

/*
 * What the "ws" tap gets (tap_queue_packet, on every pass that taps): one record per
 * frame shown whole or in part, and one per data message that completes in the packet.
 * Everything it points to lives until the end of the packet's dissection.
 */
enum { WS_TAP_FRAME = 0, WS_TAP_MESSAGE };
typedef struct {
    guint8 kind;              /* WS_TAP_* */
    guint8 opcode;            /* frame: its opcode; message: text or binary (its first frame's) */
    gint8 from_client;        /* 1: client to server (the masking side), 0: server to client, -1: not known */
    guint8 dir;               /* the conversation's direction (0: ws_conv_t.addr0/port0 is the sender) */
    guint32 stream;           /* TCP stream index (tcp.stream) */
    const ws_conv_t *conv;    /* how it was found (found_by), subprotocol, extensions */
    /* frame */
    guint64 payload_len;      /* its payload length as the header says */
    guint16 close_code;       /* a close frame's code, 0 if it has none */
    gboolean rsv1;
    unsigned violations;      /* wsc_frame_violations() */
    /* message */
    const guint8 *data;       /* its bytes after reassembly and decompression; NULL if not decoded */
    guint32 len;              /* their count */
    guint64 wire_len;         /* payload bytes on the wire */
    guint32 nframes;
    gboolean compressed;
    gboolean decoded;         /* FALSE: not decompressed (history missing, corrupt) or cut at max_message_size */
    guint32 first_frame;      /* packet of its first frame */
} ws_tap_rec_t;

/* ---- ws-register.c: ids, preferences, handles ---- */

extern int proto_ws;
extern int hf_ws_fin, hf_ws_rsv, hf_ws_rsv1, hf_ws_rsv2, hf_ws_rsv3, hf_ws_opcode, hf_ws_mask;
extern int hf_ws_len7, hf_ws_len16, hf_ws_len64, hf_ws_payload_length, hf_ws_masking_key;
extern int hf_ws_masked_payload, hf_ws_payload, hf_ws_text, hf_ws_close_code, hf_ws_close_reason;
extern int hf_ws_frame_length, hf_ws_continued, hf_ws_continued_offset, hf_ws_continued_frame;
extern int hf_ws_continued_opcode, hf_ws_continued_payload;
extern int hf_ws_heur_evidence, hf_ws_heur_score, hf_ws_heur_claim_frame, hf_ws_before_boundary,
    hf_ws_request_part;
extern int hf_ws_undecoded, hf_ws_payload_piece;
extern int hf_ws_message, hf_ws_message_opcode, hf_ws_message_length, hf_ws_message_payload;
extern int hf_ws_message_frame, hf_ws_message_frame_count, hf_ws_message_wire_length, hf_ws_message_ratio;
extern int hf_ws_message_compressed, hf_ws_message_completed_in, hf_ws_message_decoded;
extern int hf_ws_close_reply_in, hf_ws_close_reply_to, hf_ws_close_range, hf_ws_subprotocol, hf_ws_extensions;
extern int hf_ws_message_text;
extern gint ett_ws, ett_ws_len, ett_ws_rsv, ett_ws_message;
extern expert_field ei_ws_rsv, ei_ws_reserved_opcode, ei_ws_control_fragmented, ei_ws_control_too_long;
extern expert_field ei_ws_non_minimal_len, ei_ws_len64_msb, ei_ws_too_large, ei_ws_truncated, ei_ws_bad_utf8;
extern expert_field ei_ws_close_one_byte, ei_ws_close_bad_code, ei_ws_mask_direction, ei_ws_compressed;
extern expert_field ei_ws_unexpected_continuation, ei_ws_interrupted_message, ei_ws_history_missing;
extern expert_field ei_ws_inflate_error, ei_ws_message_too_big, ei_ws_close_unanswered, ei_ws_stream_gap;
extern expert_field ei_ws_message_lost, ei_ws_boundary_lost;

extern const value_string ws_opcode_vals[];

/* Preferences. */
extern ws_pref_bool_t ws_pref_desegment;
extern guint ws_pref_claim_score;
extern ws_pref_bool_t ws_pref_take_upgrade;
extern guint ws_pref_max_message;
extern guint ws_pref_text_lines_max;
enum { WS_TEXT_LINES = 0, WS_TEXT_JSON, WS_TEXT_JSON_IF_VALID };
extern gint ws_pref_text_as;
extern ws_pref_bool_t ws_pref_guard_ports;
extern const char *ws_pref_guard_protocols;
/* The largest frame TCP is asked to reassemble: the preference, at most 1 GiB. */
guint64 ws_max_reassembly(void);

/* Our handles, and those of other dissectors, found at handoff. */
extern dissector_handle_t ws_handle, ws_upgrade_handle, ws_guard_handle;
extern dissector_handle_t builtin_ws_handle, http_tcp_handle, text_lines_handle, data_handle, json_handle;
extern int proto_http;
extern int proto_tls;
gboolean ws_inside_tls(packet_info *pinfo);
/* TCP saw the connection's SYN (ws-detect.c). */
gboolean ws_tcp_start_seen(packet_info *pinfo);
extern int ws_tap;                          /* the "ws" tap (register_tap) */
extern dissector_table_t ws_protocol_table; /* the built-in's, looked up: subprotocol name -> dissector */
extern dissector_table_t ws_port_table;     /* the built-in's: server port -> dissector */
extern heur_dissector_list_t ws_heur_list;  /* the built-in's "ws" heuristic list */
extern dissector_table_t ws_decode_as_table; /* ours, "ws.tcp.port": Decode As of a message's contents */
void ws_decode_as_register(int proto);     /* ws-deliver.c: creates ws.tcp.port and its Decode As entry */

void proto_register_ws(void);
void proto_reg_handoff_ws(void);

/* ---- ws-detect.c: the entry points ---- */

int dissect_ws_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
ws_heur_ret_t dissect_ws_heur_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
void ws_gather_register(void);
ws_heur_ret_t dissect_ws_heur_tls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
int dissect_ws_guard(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
int dissect_ws_upgrade(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
int dissect_ws_upgrade_router(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
void ws_update_port_guards(void);

/* ---- ws-late101.c: an Upgrade that HTTP did not follow ---- */

void ws_gather_request(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir);
gboolean ws_take_late_101(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st);
gboolean ws_request_piece_for_http(tvbuff_t *tvb, packet_info *pinfo, const ws_conv_t *st);
gboolean ws_frames_for_http(tvbuff_t *tvb, const ws_conv_t *st);
int ws_show_request_part(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, gboolean open);
int ws_await_101(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st, gboolean have_seq, guint32 seq);
gboolean ws_negotiated_deflate_frame(const char *extensions);
void ws_show_late_101(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const ws_conv_t *st);

/* ---- ws-evidence.c: the heuristic's verdicts applied to the state ---- */

int ws_heur_feed(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, gboolean have_seq, guint32 seq);
gboolean ws_hunt(tvbuff_t *tvb, packet_info *pinfo, ws_conv_t *st, int dir, ws_pkt_t *pkt, gboolean have_seq,
                 guint32 seq);
void ws_start_hunting(ws_conv_t *st, int dir, int score);

/* ---- ws-stream.c: conversation, direction and packet state; the segment's way to frames ---- */

void ws_stream_init(void);
void ws_cleanup(void);
void ws_free_on_close(gpointer p, GDestroyNotify free_fn);
ws_conv_t *ws_conv_get(packet_info *pinfo, gboolean create);
int ws_direction(const ws_conv_t *st, packet_info *pinfo);
ws_pkt_t *ws_pkt_get(packet_info *pinfo, tvbuff_t *tvb, gboolean create);
ws_frame_rec_t *ws_frame_rec_get(packet_info *pinfo, guint32 raw_offset);
void ws_frame_rec_put(packet_info *pinfo, guint32 raw_offset, ws_frame_rec_t *rec);
int ws_expected_mask(const ws_conv_t *st, int dir);
gboolean ws_header_untrusted(const ws_ctx_t *ctx, packet_info *pinfo, tvbuff_t *tvb, guint offset,
                             const wsc_frame_header *h);
gboolean ws_tcp_seq(packet_info *pinfo, void *data, guint32 *seq);
gboolean ws_tcp_psh(packet_info *pinfo);
int ws_tcp_flow_next(packet_info *pinfo, gboolean rev, guint32 *next);
int ws_tcp_end_other_pdus(packet_info *pinfo);
gboolean ws_tvb_in_frame(packet_info *pinfo, tvbuff_t *tvb);
gboolean ws_tcp_pref(const char *name);
int ws_seq_observe(ws_conv_t *st, int dir, tvbuff_t *tvb, gboolean have_seq, guint32 seq, guint32 *gap);
void ws_carry_start(ws_dir_t *d, packet_info *pinfo, gboolean gather, gboolean have_seq, guint32 seq);
void ws_carry_drop(ws_dir_t *d);
gint64 ws_carry_feed(ws_conv_t *st, int dir, packet_info *pinfo, const guint8 *p, guint n, guint *hdr_used,
                     ws_frame_rec_t **rec);
int ws_show_unsynced(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const char *why);
int dissect_ws_stream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st, gboolean reassemble,
                      gboolean have_seq, guint32 seq);

/* ---- ws-frame.c: one frame ---- */

int ws_parse_tvb_header(tvbuff_t *tvb, int offset, wsc_frame_header *hdr);
int dissect_ws_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
void ws_dissect_frames_as_they_are(tvbuff_t *tvb, guint start, packet_info *pinfo, proto_tree *tree, ws_ctx_t *ctx);
guint ws_dissect_continued(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const ws_pkt_t *pkt, ws_ctx_t *ctx);
proto_item *ws_add_text(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo, guint len, gboolean valid,
                        gboolean nul_follows);

/* ---- ws-message.c: a frame's part in its message (first pass), reassembly, inflation ---- */

gboolean ws_lone_message(const wsc_frame_header *hdr);
ws_frame_rec_t *ws_track_frame(ws_conv_t *st, int dir, packet_info *pinfo, const wsc_frame_header *hdr,
                               const guint8 *payload, guint len, gboolean have_seq, guint32 seq,
                               gboolean keep_payload);
void ws_dir_break(ws_dir_t *d);

/* ---- ws-deliver.c: a message shown and handed on ---- */

gboolean ws_show_message(tvbuff_t *tvb, tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree,
                         proto_item *ws_item, const ws_frame_rec_t *rec, ws_ctx_t *ctx);
void ws_show_lone(tvbuff_t *ptvb, packet_info *pinfo, proto_tree *tree, proto_tree *ws_tree, guint len,
                  guint8 opcode, const ws_ctx_t *ctx);
void ws_call_text_lines(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);
ws_tap_rec_t *ws_tap_rec_new(packet_info *pinfo, const ws_ctx_t *ctx, guint8 kind);

/*
 * What a message dissector may learn of the message it was handed, beyond its bytes
 * (ws_msg_info): set by ws-deliver.c for the time of its calls only, so a dissector
 * called by anyone else (the built-in WebSocket dissector, another protocol) finds none.
 * `data` stays NULL, as the built-in passes it: what the ws.protocol, ws.port and "ws"
 * list users expect.
 */
typedef struct {
    guint8 opcode;            /* WSC_OP_TEXT or WSC_OP_BINARY */
    gint8 from_client;        /* 1: client to server, 0: server to client, -1: not known */
    guint32 len;              /* the bytes handed on: believe the record only for a tvb this long */
} ws_msg_info_t;
const ws_msg_info_t *ws_msg_info(packet_info *pinfo, tvbuff_t *tvb);

/* ---- socketio.c: Socket.IO / Engine.IO ---- */

/* An empty data message of a conversation that is Socket.IO (recognised, or Decode As
 * on server_port): shown as what it is (an empty attachment). FALSE: not ours. */
gboolean ws_sio_empty(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, guint32 server_port);

/* ---- ws-sub-mqtt.c: MQTT over WebSocket (subprotocol, CONNECT check, Decode As) ---- */

void ws_mqtt_register_handoff(void);
void ws_mqtt_observe(ws_conv_t *st, packet_info *pinfo, const wsc_frame_header *hdr, const guint8 *payload,
                     guint len);
gboolean ws_mqtt_try(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ws_conv_t *st, guint32 server_port,
                     guint8 opcode);

/* ---- ws-follow.c: the "ws" follower (Follow WebSocket stream) ---- */

void ws_follow_register(void);

/* ---- ws-export.c: Export Objects (each decoded data message) ---- */

extern int ws_eo_tap;                       /* the export's tap: the same message records as ws_tap */
void ws_export_register(void);

/* ---- ws-stats.c: the statistics of the "ws" tap (stats_tree ws,tree) ---- */

void ws_stats_register(void);

#endif
