/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-register.c: registration and nothing else: the protocol "ws", its fields (hf),
 * subtrees (ett) and expert infos (ei), the preferences, our dissector handles and, at
 * handoff, the handles and tables of other dissectors we call (the built-in's
 * ws.protocol, ws.port and "ws" heuristic list are looked up, never registered again),
 * the TCP and TLS heuristics, the port guards and HTTP's upgrade entry. The ids it
 * defines are declared in ws-int.h for the other files; the dissector functions it
 * registers live in ws-detect.c.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/expert.h>
#include <epan/tap.h>

#include "ws-int.h"

/* Subprotocol dissectors of the plugin (own files), registered with it. */
void proto_register_socketio(void);   /* socketio.c */
void proto_reg_handoff_socketio(void);

int proto_ws = -1;

int hf_ws_fin = -1;
int hf_ws_rsv = -1;
int hf_ws_rsv1 = -1;
int hf_ws_rsv2 = -1;
int hf_ws_rsv3 = -1;
int hf_ws_opcode = -1;
int hf_ws_mask = -1;
int hf_ws_len7 = -1;
int hf_ws_len16 = -1;
int hf_ws_len64 = -1;
int hf_ws_payload_length = -1;
int hf_ws_masking_key = -1;
int hf_ws_masked_payload = -1;
int hf_ws_payload = -1;
int hf_ws_text = -1;
int hf_ws_close_code = -1;
int hf_ws_close_reason = -1;
int hf_ws_frame_length = -1;
int hf_ws_continued = -1;
int hf_ws_continued_offset = -1;
int hf_ws_continued_frame = -1;
int hf_ws_continued_opcode = -1;
int hf_ws_continued_payload = -1;
int hf_ws_heur_evidence = -1;
int hf_ws_heur_score = -1;
int hf_ws_heur_claim_frame = -1;
int hf_ws_before_boundary = -1;
int hf_ws_request_part = -1;
int hf_ws_undecoded = -1;
int hf_ws_payload_piece = -1;
int hf_ws_message = -1;
int hf_ws_message_opcode = -1;
int hf_ws_message_length = -1;
int hf_ws_message_payload = -1;
int hf_ws_message_frame = -1;
int hf_ws_message_frame_count = -1;
int hf_ws_message_wire_length = -1;
int hf_ws_message_ratio = -1;
int hf_ws_message_compressed = -1;
int hf_ws_message_completed_in = -1;
int hf_ws_message_decoded = -1;
int hf_ws_close_reply_in = -1;
int hf_ws_close_reply_to = -1;
int hf_ws_close_range = -1;
int hf_ws_subprotocol = -1;
int hf_ws_extensions = -1;
int hf_ws_message_text = -1;

gint ett_ws = WS_ETT_INIT;
gint ett_ws_len = WS_ETT_INIT;
gint ett_ws_rsv = WS_ETT_INIT;
gint ett_ws_message = WS_ETT_INIT;

expert_field ei_ws_rsv = EI_INIT;
expert_field ei_ws_reserved_opcode = EI_INIT;
expert_field ei_ws_control_fragmented = EI_INIT;
expert_field ei_ws_control_too_long = EI_INIT;
expert_field ei_ws_non_minimal_len = EI_INIT;
expert_field ei_ws_len64_msb = EI_INIT;
expert_field ei_ws_too_large = EI_INIT;
expert_field ei_ws_truncated = EI_INIT;
expert_field ei_ws_bad_utf8 = EI_INIT;
expert_field ei_ws_close_one_byte = EI_INIT;
expert_field ei_ws_close_bad_code = EI_INIT;
expert_field ei_ws_mask_direction = EI_INIT;
expert_field ei_ws_compressed = EI_INIT;
expert_field ei_ws_unexpected_continuation = EI_INIT;
expert_field ei_ws_interrupted_message = EI_INIT;
expert_field ei_ws_history_missing = EI_INIT;
expert_field ei_ws_inflate_error = EI_INIT;
expert_field ei_ws_message_too_big = EI_INIT;
expert_field ei_ws_close_unanswered = EI_INIT;
expert_field ei_ws_stream_gap = EI_INIT;
expert_field ei_ws_message_lost = EI_INIT;
expert_field ei_ws_boundary_lost = EI_INIT;

dissector_handle_t ws_handle;
dissector_handle_t ws_upgrade_handle;
static dissector_handle_t ws_upgrade_router;
dissector_handle_t builtin_ws_handle;
dissector_handle_t ws_guard_handle;
dissector_handle_t http_tcp_handle;
int proto_http = -1;
int proto_tls = -1;
int ws_tap = -1;
dissector_handle_t text_lines_handle;
dissector_handle_t data_handle;
dissector_handle_t json_handle;
dissector_table_t ws_protocol_table; /* the built-in's, looked up: subprotocol name -> dissector */
dissector_table_t ws_port_table;     /* the built-in's: server port -> dissector */
heur_dissector_list_t ws_heur_list;  /* the built-in's "ws" heuristic list */

/* Preferences */
ws_pref_bool_t ws_pref_desegment = TRUE;
static guint ws_pref_max_reassembly = 32u * 1024u * 1024u;
guint ws_pref_claim_score = 4;
ws_pref_bool_t ws_pref_take_upgrade = TRUE;
guint ws_pref_max_message = 16u * 1024u * 1024u;
/* Text handed to the line-based text dissector, at most (0: all of it). */
guint ws_pref_text_lines_max = 256u * 1024u;
gint ws_pref_text_as = WS_TEXT_LINES;
static const enum_val_t ws_text_as_vals[] = {
    { "lines", "Line-based text", WS_TEXT_LINES },
    { "json", "JSON", WS_TEXT_JSON },
    { "json-if-valid", "JSON when it parses, else line-based text", WS_TEXT_JSON_IF_VALID },
    { NULL, NULL, 0 }
};
ws_pref_bool_t ws_pref_guard_ports = TRUE;
const char *ws_pref_guard_protocols = "*";

/* tvb lengths are ints: never ask TCP to reassemble more than this, whatever the preference says. */
#define WS_REASSEMBLY_HARD_LIMIT (1u << 30)

guint64 ws_max_reassembly(void)
{
    return MIN(ws_pref_max_reassembly, WS_REASSEMBLY_HARD_LIMIT);
}

const value_string ws_opcode_vals[] = {
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

/* The preferences (Edit > Preferences > Protocols > WS; -o ws.NAME:VALUE). */
static void ws_register_prefs(module_t *ws_module)
{
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
        { &hf_ws_continued_opcode, { "Opcode of the continued frame", "ws.continued.opcode", FT_UINT8, BASE_DEC,
            VALS(ws_opcode_vals), 0x0, NULL, HFILL } },
        { &hf_ws_continued_payload, { "Control frame payload (from several segments)", "ws.continued.payload",
            FT_BYTES, BASE_NONE, NULL, 0x0,
            "The whole payload, unmasked, of a control frame gathered from several segments, on the segment that "
            "completes it", HFILL } },
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
        { &hf_ws_message_text, { "Message text", "ws.message.text", FT_STRING, BASE_NONE, NULL, 0x0,
            "The whole text message after reassembly and decompression, once per message, in the packet that "
            "completes it", HFILL } },
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
        { &hf_ws_request_part, { "Part of an HTTP Upgrade request that HTTP did not recognise", "ws.request_part",
            FT_BYTES, BASE_NONE, NULL, 0x0,
            "The client's bytes before a 101 answer the plugin took: its Upgrade request, in pieces too small "
            "for HTTP's heuristic or on a port HTTP does not watch", HFILL } },
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
    expert_module_t *expert_ws;

    proto_ws = proto_register_protocol("WebSocket frames (ws plugin)", "WS", "ws");
    proto_register_field_array(proto_ws, hf, array_length(hf));
    ws_stream_init();
    proto_register_subtree_array(ett, array_length(ett));
    ws_tap = register_tap("ws");
    ws_follow_register();
    ws_export_register();
    ws_stats_register();
    ws_decode_as_register(proto_ws);
    expert_ws = expert_register_protocol(proto_ws);
    expert_register_field_array(expert_ws, ei, array_length(ei));

    ws_handle = register_dissector("ws_plugin_tcp", dissect_ws_tcp, proto_ws);
    ws_gather_register();

    ws_upgrade_handle = register_dissector("ws_plugin_upgrade", dissect_ws_upgrade, proto_ws);
    ws_upgrade_router = register_dissector("ws_plugin_upgrade_router", dissect_ws_upgrade_router, -1);
    /* No protocol of its own: where the port's dissector keeps the conversation,
     * nothing of ours shows (not even in frame.protocols). */
    ws_guard_handle = register_dissector_with_description("ws_plugin_port_guard",
        "Port's own dissector, or WebSocket without handshake (ws plugin)", dissect_ws_guard, -1);

    ws_register_prefs(prefs_register_protocol(proto_ws, proto_reg_handoff_ws));
    proto_register_socketio();
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
        /* Decode As a port's messages: the generic ones here, subprotocols in their own files. */
        dissector_add_for_decode_as("ws.tcp.port", json_handle);
        dissector_add_for_decode_as("ws.tcp.port", text_lines_handle);
        dissector_add_for_decode_as("ws.tcp.port", data_handle);
        ws_mqtt_register_handoff();
        register_cleanup_routine(ws_cleanup);
        heur_dissector_add("tcp", dissect_ws_heur_tcp, "WebSocket over TCP (ws plugin)", "ws_tcp", proto_ws,
                           HEURISTIC_ENABLE);
        heur_dissector_add("tls", dissect_ws_heur_tls, "WebSocket over decrypted TLS (ws plugin)", "ws_tls", proto_ws,
                           HEURISTIC_ENABLE);
        dissector_add_for_decode_as("tcp.port", ws_handle);
        proto_http = proto_get_id_by_filter_name("http");
        proto_tls = proto_get_id_by_filter_name("tls");
        builtin_ws_handle = find_dissector("websocket");
        http_tcp_handle = find_dissector("http-over-tcp");
        proto_reg_handoff_socketio();
        initialized = TRUE;
    }
    ws_update_port_guards();
    /* Plugins are handed off after the built-in dissectors, so this replaces the
     * built-in's "websocket" entry; the router hands it back when asked to. */
    dissector_add_string("http.upgrade", "websocket", ws_upgrade_router);
}
