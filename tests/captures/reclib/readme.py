# SPDX-License-Identifier: GPL-2.0-or-later
"""test-captures/README-recordings.md: a header, then one section per row of
record.py's table, in table order (the sections of rows not recorded in this
run stay as they were)."""

import os
import re

from .capture import browser_cmd
from .common import MAX_ATTEMPTS, TLS_CERT_CMD, TLS_TSHARK_PREFS
from .plans import MIXED_SIZES, PLAIN_SIZES, WSS_SIZES


def readme_header(vers):
    return [
        "# Recorded WebSocket captures",
        "",
        "Written by `/usr/bin/python3 tests/captures/record.py`, the one recorder (`--only NAME ...`",
        "redoes some, `--list` prints the table).  Every recording, in test-captures/ and in",
        "test-captures/impls/, is a row of its table `SCENARIOS` (name, client, server, port, MTU,",
        "plan, the client's and the server's extension configuration, options) and goes through",
        "the same machinery (tests/captures/reclib/): the plan is written in one format for",
        "every peer (tests/captures/peers/: python3-websockets, npm `ws`, aiohttp,",
        "websocket-client, gorilla/websocket, socket.io, raw_peer.py, and one browser page for",
        "headless Chromium and Firefox ESR; the MQTT rows: python3-paho-mqtt against mosquitto,",
        "tests/captures/reclib/mqtt.py); each attempt runs in a private network namespace",
        "of its own (`unshare -n`, `lo` brought up there, `net.ipv4.tcp_early_retrans=0` so that no",
        "tail loss probe puts a needless retransmission in; MTU 1500: `ip link set lo mtu 1500`",
        "and `ethtool -K lo tso off gso off gro off`, TCP segments of at most 1448 bytes as on",
        "Ethernet; MTU 65536: the loopback default), captured with `dumpcap -i lo -f \"tcp port",
        "PORT\" -a duration:170`, the peers pinned to one CPU (loopback packets sent from",
        "several CPUs can reach the capture ring out of order).  A recording is made again (at",
        f"most {MAX_ATTEMPTS} attempts) if tshark flags any TCP anomaly (out-of-order, lost segment,",
        "retransmission, duplicate ACK) or, on a port no built-in dissector owns, if a built-in",
        "heuristic dissector claims a packet of the `-nohs` file or takes the first payload packet",
        "of a direction for reassembly (it shows as bare `tcp` then, not `tcp:data`; the masking",
        "keys are random, and e.g. the `lbmsrs` heuristic sometimes accepts masked bytes).",
        "Everything is deterministic except what the kernel and the libraries decide: timestamps,",
        "the client's ephemeral port, TCP sequence numbers, masking keys, segmentation and the",
        "frames a browser or gorilla cuts a message into.  Payloads are seeded.",
        "",
        "Per recording NAME: `NAME.pcapng` (whole: TCP handshake, HTTP Upgrade, frames, closing",
        "handshake, FIN/ACKs), `NAME-nohs.pcapng` (the packets after the 101 response only, cut",
        "with `editcap -r NAME.pcapng NAME-nohs.pcapng FIRST-LAST`, so no HTTP bytes remain; not",
        "for TLS) and `NAME.truth.json`.",
        "",
        "Truth: every message each side sent, per direction in order of completion on the wire",
        "(listed by the packet that completes them): a compressed message has its UNCOMPRESSED",
        "payload, a fragmented message the whole reassembled payload and the opcode of its first",
        "frame; control frames as they are (auto-pongs and close replies included).  `len`,",
        "`sha256` and `hex` (up to 512 bytes) are of that payload; `frames`: how many WebSocket",
        "frames carried it; `compressed`: RSV1 on its first frame; at the top `extensions`, the",
        "negotiated `Sec-WebSocket-Extensions` (null: none).",
        "",
        "How the recorder checks it (tests/captures/reclib/checks.py, every recording): (1) every",
        "peer logs each data message and control frame it hands to its library or socket (and,",
        "the python, node and browser peers, each data message it receives); each direction's",
        "messages in the capture must be exactly the sender's log, but control frames the library",
        "sends by itself (a pong repeating a ping, a close after the other side's close), and the",
        "receiver's log; (2) where the payloads on the wire are the plan's (all but socket.io,",
        "whose messages are engine.io packets): exactly the messages the plan makes each side send",
        "(all bytes), in as many frames as the sending library uses where that is known, compressed",
        "where the library compresses every message; the capture is parsed by the recorder: each",
        "direction's TCP byte stream (sequence numbers contiguous; for wss-py-py the TLS",
        "application data tshark decrypts with the embedded key log), the HTTP handshake, every",
        "frame unmasked, reassembled and inflated (RFC 7692 with the negotiated window bits and",
        "context takeover: a sender using a larger window than negotiated would fail); (3)",
        "tshark's built-in dissector (the ws plugin disabled, `-o tcp.desegment_tcp_streams:TRUE`,",
        "the port decoded as HTTP with `-d tcp.port==PORT,http` so that it sees the handshake",
        "whatever owns the port) must show the same frames in the same packets (opcode, FIN, RSV1",
        "as `websocket.pmc`, mask bit, payload length) and the payload bytes of every message it",
        "is known to handle (control frames; single-frame messages fully unmasked, i.e. unmasked",
        "or masked up to 256 KiB; compressed ones while its inflate state is intact; of a longer",
        "masked uncompressed frame the start it unmasks); (4) raw_peer.py's frames have header and",
        "payload in TCP segments of their own, (5) the TLS recording is opaque without its secrets",
        "and decrypts with them, also after editcap.",
        "",
        "What tshark 4.0's built-in dissector shows of the compressed and fragmented ones (with",
        "the handshake; the payload is in the `data` / `data-text-lines` layer after each frame,",
        "the data source \"Decompressed payload\"; `websocket.payload.text` holds decompressed",
        "text):",
        "",
        "- single-frame compressed messages are inflated, with context takeover, window bits",
        "  and no_context_takeover honoured;",
        "- an empty compressed message (payload `00`) is shown as that 1 compressed byte, not",
        "  as empty;",
        "- masked frames are unmasked only up to 256 KiB: a compressed masked frame longer",
        "  than that inflates to a garbage tail, and with context takeover every later",
        "  compressed message of that direction is then wrong too (deflate-py-py c2s);",
        "- uncompressed fragmented messages are reassembled (`websocket.fragments`) except",
        "  around empty fragments: a message with empty fragments shows nothing and the next",
        "  fragmented message gets extra bytes in front (frag-node-py);",
        "- compressed fragmented messages are not inflated right (the reassembled data is not",
        "  the message), which also breaks the inflate state for what follows",
        "  (deflate-frag-py-py, chromium-py).",
        "",
        "Each section's last lines count what tshark shows right per direction.  With the ws",
        "plugin not loaded, tshark 4.0 shows the `-nohs` files of the ports no dissector owns as",
        "plain TCP (the recorder checks `frame.protocols` is `eth:ethertype:ip:tcp[:data]`); on",
        "the others (1883 MQTT, 8080 HTTP, ...) their own dissector takes them, which is the point",
        "of those ports.  Use `-d tcp.port==PORT,websocket` (or the plugin) to decode them.",
        "",
        "Versions: " + "; ".join(f"{k}: {v}" for k, v in sorted(vers.items())),
        "",
    ]


def fmt_frag(fr):
    n, sizes, p0, p1, op, comp = fr
    s = ",".join(str(x) for x in sizes) if len(sizes) <= 8 else \
        ",".join(str(x) for x in sizes[:6]) + f",... ({len(sizes)} frames)"
    return (f"{'text' if op == 1 else 'binary'} {n} B in {len(sizes)} frames [{s}] "
            f"packets {p0}-{p1}{' compressed' if comp else ''}")


def readme_section(r):
    name = r["name"]
    st = r["stats"]
    L = [f"## {r['title']}", ""]
    L.append(f"- client: {r['client_v']}; server: {r['server_v']}")
    L += [f"- {line}" for line in r["how"]]
    L.append(f"- server port: {r['port']} (127.0.0.1), client port ephemeral; private network "
             f"namespace, MTU {r['mtu']}" + (" (offloads off)" if r["offloads_off"] else "")
             + f", largest TCP segment {r['max_segment']} bytes")
    L.append(f"- command: `/usr/bin/python3 tests/captures/record.py --only {name}` (server: "
             f"`{r['server_cmd']}`" + (f"; client: `{r['client_cmd']}`" if r["client_cmd"] else "")
             + "; PLANDIR holds plan.json and the large payloads, LOG is the peer's log"
             + (f"; the page is served on 127.0.0.1:{r['http_port']}, not captured" if r["http_port"] else "")
             + ("; TLSDIR the certificate, its key and the key log" if r["tls"] else "") + ")")
    q = lambda v: f"`{v}`" if v else "none"  # noqa: E731
    L.append(f"- offered (request `Sec-WebSocket-Extensions`): {q(r['offered'])}")
    L.append(f"- negotiated (101 response): {q(r['accepted'])}"
             + (f" -> client->server: window {r['pmd']['client_max_window_bits']} bits, "
                f"{'no ' if r['pmd']['client_no_context_takeover'] else ''}context takeover; "
                f"server->client: window {r['pmd']['server_max_window_bits']} bits, "
                f"{'no ' if r['pmd']['server_no_context_takeover'] else ''}context takeover"
                if r["pmd"] else " (no compression)"))
    if r.get("user_agent"):
        L.append(f"- User-Agent: `{r['user_agent']}`; Origin: `{r['origin']}`")
    if r["tls"]:
        t = r["tls"]
        L += [
            f"- transport: WebSocket over TLS, `wss://127.0.0.1:{r['port']}/`, {t['version']}, "
            f"cipher suite {t['cipher']}; server certificate: throwaway self-signed RSA-2048 "
            f"certificate for 127.0.0.1, made at record time with `{' '.join(TLS_CERT_CMD)}` and "
            "deleted afterwards; the client trusts only it and checks it (host name included)",
            "- TLS secrets: the client writes them in NSS key log format (python "
            "`SSLContext.keylog_filename`); record.py embeds the key log into the capture with "
            "`editcap --inject-secrets tls,KEYLOG raw.pcapng injected.pcapng` (a pcapng Decryption "
            f"Secrets Block) and copies it with `tshark -r injected.pcapng -w {name}.pcapng` (editcap "
            "4.0 puts the secrets block before the interface block, and editcap/mergecap 4.0 then "
            "refuse to read the file; tshark writes the interface block first).  The file decrypts "
            f"stand-alone, without a key log preference: `tshark -r {name}.pcapng -Y http` shows the "
            "GET and the 101, `-Y websocket` the frames (built-in dissector).  record.py checks that "
            "the capture without the secrets shows neither HTTP nor WebSocket, and that a copy made "
            "with editcap still decrypts.  tshark finds TLS on the port with its TLS-over-TCP "
            "heuristic and HTTP inside with the HTTP-over-TLS heuristic (no ALPN is sent)",
            f"- the built-in dissector is run with `{' '.join(TLS_TSHARK_PREFS)}`; a WebSocket "
            "frame may span several TLS records and TCP segments, tshark shows it in the packet "
            "that completes it; each corked frame is a TLS record of its own, the records share "
            "one TCP segment",
            f"- `{name}.pcapng`: {r['size']} bytes, {r['packets']} packets; HTTP request "
            f"(decrypted) in frame {r['req_frame']}, 101 response in frame {r['cut']}; only the "
            "whole form: without its TLS handshake a capture cannot be decrypted, so there is no "
            "`-nohs` (or `-midframe`) file",
        ]
    else:
        L.append(f"- `{name}.pcapng`: {r['size']} bytes, {r['packets']} packets; HTTP request in "
                 f"frame {r['req_frame']}, 101 response (the cut point) in frame {r['cut']}")
        L.append(f"- `{name}-nohs.pcapng`: {r['nohs_size']} bytes, {r['nohs_packets']} packets: "
                 f"`editcap -r {name}.pcapng {name}-nohs.pcapng {r['cut'] + 1}-{r['packets']}` "
                 f"(its frame 1 = frame {r['cut'] + 1}, {r['first']}); tshark without the plugin "
                 f"decodes its payload packets as: {', '.join(r['nohs_protocols'])}")
    for d, who in (("c2s", "client->server"), ("s2c", "server->client")):
        s = st[d]
        L.append(f"- {who}: {s['frames']} frames ({s['rsv1']} with RSV1, {s['cont']} "
                 f"continuation), {s['data_msgs']} data messages ({s['compressed_msgs']} "
                 f"compressed) + {s['control']} control frames; data payload "
                 f"{s['app_payload']} bytes as sent, {s['wire_payload']} bytes on the wire; "
                 f"{len(s['fragmented'])} fragmented messages"
                 + (":" if s["fragmented"] else ""))
        for fr in s["fragmented"]:
            L.append(f"  - {fmt_frag(fr)}")
        L.append(f"  - packets with >= 2 frames: {len(s['coalesced'])} (up to {s['maxper']} "
                 f"in one; first: {s['coalesced'][:5]})")
        if r["auto_control"][d]:
            L.append(f"  - control frames the library sent by itself: {r['auto_control'][d]}")
    split, shared = r["split"]
    if split:
        L.append(f"- {split} frames with header and payload in separate TCP segments"
                 + (f"; {shared} frames of the corked burst share segments" if shared else ""))
    L += [f"- {line}" for line in r["notes"]]
    L.append("")
    return L



PLAIN_HOW = [
    "compression off on both sides (python `compression=None`, node `perMessageDeflate: "
    "false`); record.py checks that neither the request nor the 101 response carries "
    "`Sec-WebSocket-Extensions`",
    "traffic (plan `plain`; the client drives, the server echoes every data message with the "
    "same opcode and payload, the client waits for each echo): text and binary messages of "
    "{sizes} bytes (text: valid UTF-8, mostly ASCII with 2/3/4-byte characters, exact byte "
    "length; binary: seeded random bytes), i.e. 7-bit, 16-bit and 64-bit length encodings, "
    "each one frame; client ping `ping-1` answered by the server library's automatic pong; "
    "unsolicited client pong `pong-1`; text `cmd:server-ping`: the server sends ping "
    "`srv-ping-1`, waits for the client library's automatic pong, then echoes the text; a "
    "burst of 40 text messages of 10-40 bytes written with the socket corked (python "
    "`TCP_CORK`, node `socket.cork()`), so many frames share a TCP segment, the server "
    "batching its echoes the same way; close 1000 `bye` from the client, answered with a "
    "close frame that echoes code and reason",
]


HOW = {
    "py-py": [PLAIN_HOW[0], PLAIN_HOW[1].format(sizes=", ".join(map(str, PLAIN_SIZES)))],
    "node-node": [PLAIN_HOW[0], "traffic: as py-py"],
    "py-node": [PLAIN_HOW[0], "traffic: as py-py"],
    "node-py": [PLAIN_HOW[0], "traffic: as py-py"],
    "wss-py-py": [PLAIN_HOW[0], "traffic: as py-py without the two 1,000,000-byte messages "
                  "(plan `plain-wss`, sizes " + ", ".join(map(str, WSS_SIZES)) + ") to keep the "
                  "file small; 65536 still has the 64-bit length encoding"],
    "deflate-py-py": [
        "both sides `websockets.connect/serve(..., compression=\"deflate\")` (the library "
        "default: offers `client_max_window_bits`, compress_settings memLevel 5, context "
        "takeover); python compresses every data message, empty ones too",
        "traffic: text (JSON-lines-ish, with 2/3/4-byte UTF-8) and binary (random blocks "
        "repeated with mutations and noise) of 0, 1, 125, 1000, 65536, 1000000 bytes, each "
        "echoed; client ping `ping-1`; unsolicited pong `pong-1`; `cmd:server-ping` (server "
        "ping `srv-ping-1` before the echo); corked burst of 40 small messages (every 5th "
        "binary) echoed corked; close 1000 `bye`",
    ],
    "deflate-node-node": [
        "both sides ws `perMessageDeflate: { threshold: 0 }` (ws compresses every message, "
        "empty ones too; it offers `client_max_window_bits`)",
        "traffic: as deflate-py-py",
    ],
    "deflate-py-node-nocontext": [
        "python client `extensions=[ClientPerMessageDeflateFactory(server_no_context_takeover="
        "True, client_no_context_takeover=True, server_max_window_bits=10, "
        "client_max_window_bits=11, compress_settings={\"memLevel\": 5})]`; ws server "
        "`perMessageDeflate: { threshold: 0, serverNoContextTakeover: true, "
        "clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 }`",
        "every message is compressed on its own (fresh deflate state per message, both "
        "directions) with a 2 KiB (client) / 1 KiB (server) window; record.py inflates "
        "with exactly those window sizes, so a sender using a larger window would fail",
        "traffic: as deflate-py-py",
    ],
    "frag-node-py": [
        "ws client (`perMessageDeflate: false`) sends fragmented messages with "
        "`ws.send(piece, { fin: false })` ... `{ fin: true }`; python server "
        "(`compression=None`) echoes each whole message, some of them fragmented with "
        "`ws.send(iterable)` (python ends a fragmented message with an empty FIN "
        "continuation frame)",
        "traffic: a text message whose fragment boundaries fall inside a 2-, a 3- and a "
        "4-byte UTF-8 character; binary in fragments of 1000, 1, 5000 bytes; a text message "
        "with a ping (`mid-message-ping`) after its 2nd fragment and a binary one with a "
        "ping (`ping-between-fragments`) after its 1st (each pong arrives mid-message); "
        "text in fragments 0,5,0,11,0 bytes (empty first, middle and last fragment); an "
        "empty binary message in two empty fragments; an unfragmented text; 200000 bytes "
        "binary in fragments 70000,60000,70000 (64-bit and 16-bit lengths) echoed in two; "
        "300 bytes of text in 60 fragments of 5 bytes written corked (many continuation "
        "frames per packet); 100000 bytes of text in 65536+34464 echoed in 4 fragments; "
        "an unfragmented 125-byte binary; client ping `ping-1`; `cmd:server-ping`; a corked "
        "burst of 12 messages, each in 3 fragments (thirds, so a boundary may fall inside a "
        "character); "
        "close 1000 `bye`",
    ],
    "deflate-frag-py-py": [
        "both sides python `compression=\"deflate\"` (context takeover); fragmented sends "
        "with `ws.send(iterable)` / `ws.send(async iterable)` (the async one sends a ping "
        "between its 1st and 2nd fragment and waits for the pong); python compresses each "
        "fragment with Z_SYNC_FLUSH (each frame's deflate data ends `00 00 ff ff`, an "
        "empty fragment is `00 00 00 ff ff`), RSV1 only on the first frame, and ends the "
        "message with a FIN continuation frame for the empty last piece: `00 00 00 ff ff` "
        "with the trailer removed, 1 byte `00` on the wire",
        "traffic: 20000 bytes of text in 5 fragments; 100000 bytes binary in 40000+20000+"
        "40000 echoed in 2; 3000 bytes of text in 3 fragments with a ping "
        "(`mid-message-ping`) after the 1st, echoed in 2; text in fragments 0,5,0,11,0; "
        "125 bytes binary in 60+65; unfragmented 1000-byte text; 65536-byte binary echoed "
        "in 4 fragments of 16384; client ping `ping-1`; `cmd:server-ping`; close 1000 `bye`",
    ],
    "chromium-py": [
        "client: headless Chromium (Debian package `chromium`) loading tests/captures/peers/"
        "browser/page.html, served by the recorder in the namespace over HTTP on 127.0.0.1:47125 "
        "(not captured); the page's JS "
        "fetches the plan and payloads, opens `ws://127.0.0.1:47115/` (binaryType "
        "arraybuffer), sends each message and waits for its echo, then POSTs its log of "
        "sent/received messages (SHA-256 by WebCrypto) to /result; Chromium is stopped "
        "then.  Command: `" + " ".join(browser_cmd("chromium", "PROFILE", "http://127.0.0.1:47125/"))
        + "`",
        "server: python `compression=\"deflate\"` (accepts Chromium's offer), echoes; the "
        "70000-byte binary is echoed in 2 fragments and the 5000-byte text in 3",
        "traffic: text (JS string) and binary of 0, 1, 125, 1000, 65536, 300000 bytes, "
        "binary sent as ArrayBuffer (0, 125, 65536) or Blob (1, 1000, 300000); a 777-byte "
        "Uint8Array view at offset 3 of a larger buffer; the two echoed-in-fragments "
        "messages; `cmd:server-ping` (Chromium answers the server's ping); a burst of 40 "
        "small messages sent without awaiting (every 5th an ArrayBuffer); close 1000 `bye` "
        "from JS (checked wasClean, code and reason in the page)",
        "Chromium splits large messages into several frames by itself (the 300000-byte "
        "ones here; sizes vary from run to run); for a compressed message the boundaries "
        "fall anywhere in one deflate stream (no flush at the frame boundaries, unlike "
        "python)",
        "the truth's data messages are the JS plan (deterministic: the payloads come from "
        "the server's plan) and equal the server's log of what it received and sent; the "
        "frame structure Chromium chose is in `frames` / `compressed`",
    ],
}


PLAN_TEXT = {
    "mixed": ("text (JSON lines, 1-4 byte UTF-8) and binary (repeating blocks) of "
              + ", ".join(map(str, MIXED_SIZES)) + " bytes, each echoed"),
    "text-close": "one JSON text, its echo, close 1000 `bye`",
    "ping-text": "a ping (13 bytes), its pong, one 300-byte text and its echo; no close (TCP FIN)",
    "binary2-close": "binary 40 and 3000 bytes, echoed, close 1001 `going away`",
    "burst": "4 small frames (3 text, 1 binary) sent back to back, echoed one by one, close 1000",
}


def plan_how(kind, steps, client, big):
    """The README's description of a "mixed" or short plan."""
    text = PLAN_TEXT[kind]
    if kind != "mixed":
        return ["plan `%s`: %s" % (kind, text)]
    kinds = [st["kind"] for st in steps]
    extra = [f"{t} {n}" for t, n in big]
    out = ["also " + ", ".join(extra)] if extra else []
    if "ping" in kinds:
        out.append("pings of 0 and 125 bytes")
    out.append("a burst of 12 small messages sent without waiting"
               + (" (corked: whole frames back to back)" if client == "raw" else ""))
    if any(st.get("frags") for st in steps):
        out.append("4 fragmented messages (UTF-8 text of 1360 B in frames of 454+452+454 B, the second cut "
                   "inside a 4-byte character; binary 126+0+1; text in 5 frames of 1000; binary 40000+30000)")
    close = [st for st in steps if st["kind"] == "close"]
    if close and close[0]["code"] is not None:
        out.append(f"close {close[0]['code']} `{close[0]['reason']}`")
    elif close:
        out.append("socket.disconnect() (engine.io's close)")
    return [f"plan `mixed`: {text}; " + "; ".join(out)]


IMPLS_HOW = [
    "the servers echo every data message; control frames a library sends by itself (pongs, close "
    "replies) are in the truth as they are on the wire",
]
IMPL_HOW = {
    "raw": "`raw` is tests/captures/peers/raw_peer.py: a real Upgrade handshake on a bare socket, "
           "TCP_NODELAY, every frame's header and payload in separate TCP segments (20 ms apart; checked "
           "on every frame) except the client's burst, which goes out corked (TCP_CORK), masked from the "
           "client with a fresh key per frame, unmasked from the server",
    "sio": "socket.io: the WebSocket messages are engine.io packets (`0{...}` open, `40` connect, "
           "`42[\"m\",...]` events, a binary event as a text packet with a placeholder followed by a "
           "binary message, `41` disconnect); the plan's payloads are inside them",
    "firefox": "Firefox ESR (headless, a fresh profile; permessage-deflate by the pref "
               "network.websocket.extensions.permessage-deflate) loads tests/captures/peers/browser/"
               "page.html from the recorder's page server on 127.0.0.1:47200 (not captured) and POSTs "
               "its log there",
    "gorilla": "gorilla/websocket with small buffers (1024 bytes written per frame by the client, 4096 by "
               "the server), so it cuts every longer message into frames of its own; with permessage-"
               "deflate it negotiates no context takeover",
}


def impls_how(row, steps):
    how = plan_how(row["plan"], steps, row["client"], row["options"].get("big", ()))
    for impl in dict.fromkeys((row["client"], row["server"])):
        if impl in IMPL_HOW:
            how.append(IMPL_HOW[impl])
    return how + IMPLS_HOW


def versions_of(out_dir, impls):
    """The versions the README's header names now ({} without a README):
    kept for the libraries not installed where only some rows are recorded."""
    path = os.path.join(out_dir, "README-recordings.md")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        line = next((l for l in f if l.startswith("Versions: ")), "")
    keys = sorted(set(impls) | {"sio client", "sio server"}, key=len, reverse=True)
    alt = "|".join(re.escape(k) for k in keys)
    return {m.group(1): m.group(2) for m in re.finditer(rf"(?:^Versions: |; )({alt}): (.*?)(?=; (?:{alt}): |$)",
                                                        line.rstrip("\n"))}


def update_readme(out_dir, rows, results, vers):
    """README-recordings.md in out_dir: the header, then one section per row
    in table order; the sections of rows not recorded in this run stay as
    they are."""
    path = os.path.join(out_dir, "README-recordings.md")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            for sec in re.split(r"(?m)^(?=## )", f.read())[1:]:
                old[sec.splitlines()[0]] = sec.rstrip("\n") + "\n"
    new = {f"## {r['title']}": "\n".join(r.get("section") or readme_section(r)).rstrip("\n") + "\n"
           for r in results}
    parts = ["\n".join(readme_header(vers)).rstrip("\n") + "\n"]
    for row in rows:
        t = f"## {row['title']}"
        if t in new or t in old:
            parts.append(new.get(t) or old[t])
    with open(path, "w") as f:
        f.write("\n".join(parts))
