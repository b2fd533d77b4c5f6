# SPDX-License-Identifier: GPL-2.0-or-later
"""The checks every recording goes through (record.py's check_recording runs
them in this order; any failure is fatal):

  logs     each direction's messages in the capture (parsed here) are exactly
           what the sender logged it handed to its library or socket, in
           order, except control frames a library sends by itself (a pong
           repeating a ping of the other side, a close after the other side's
           close); where a peer logs what it received, that is the capture's
           data messages; the extensions a peer saw are those on the wire
  plan     where the payloads on the wire are the plan's (all but socket.io,
           whose messages are engine.io packets), each direction's messages
           are exactly those the plan makes the sides send (all bytes, auto
           pongs and close replies included), in as many frames as the
           sending library uses where that is known, and compressed where the
           library compresses every message
  tshark   Wireshark's built-in dissector (plugin disabled, handshake seen:
           the port decoded as HTTP, or TLS decrypted) shows the same frames
           in the same packets (opcode, FIN, RSV1 as websocket.pmc, mask bit,
           payload length; the opcode sequence again by -T fields), and the
           payload of every message it is known to get right
  split    frames written by raw_peer.py have header and payload in TCP
           segments of their own (but the corked burst)
  tls      (wss) the capture without the secrets is opaque, with them it
           decrypts, also after editcap
  coalesce (option) a client->server packet carries >= 2 frames
"""

import hashlib
import json
import os
import re

from .analyse import packet_at, tcp_streams
from .common import (OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, TLS_TSHARK_PREFS, TSHARK_UNMASK_MAX,
                     die, run, tshark)
from .plans import close_payload

LOGS_RECV = {"python", "node", "chromium", "firefox"}   # peers that log what they receive
ALWAYS_COMPRESS = {"python", "node"}                     # ... and compress every message when on


def ports_claimed(ports):
    """The ports on which a built-in tshark dissector is registered."""
    out = run(["tshark", "-G", "decodes"]).stdout.decode("utf-8", errors="replace")
    claimed = set()
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] in ("tcp.port", "http.tcp.port") \
                and parts[1].isdigit() and int(parts[1]) in ports:
            claimed.add(int(parts[1]))
    return claimed


def read_log(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def _key(opcode, data):
    return (opcode, len(data), hashlib.sha256(data).hexdigest())


def check_logs(name, ana, logs, client, server):
    """The capture against the peers' logs (see the module docstring).
    Returns how many control frames per direction the libraries sent by
    themselves."""
    caps = ana["messages"]
    auto = {"c2s": 0, "s2c": 0}
    for d, sender, receiver in (("c2s", "client", "server"), ("s2c", "server", "client")):
        other = "s2c" if d == "c2s" else "c2s"
        log = [(e["opcode"], e["len"], e["sha256"]) for e in logs[sender] if e.get("ev") == "send"]
        i = 0
        for k, m in enumerate(caps[d]):
            if i < len(log) and log[i] == _key(m["opcode"], m["data"]):
                i += 1
                continue
            if m["opcode"] == OP_PONG and any(o["opcode"] == OP_PING and o["data"] == m["data"]
                                              for o in caps[other]):
                auto[d] += 1
                continue
            if m["opcode"] == OP_CLOSE and any(o["opcode"] == OP_CLOSE for o in caps[other]) \
                    and not any(e[0] == OP_CLOSE for e in log[i:]):
                auto[d] += 1
                continue
            want = log[i] if i < len(log) else None
            die(f"{name}: {d} message #{k} (opcode {m['opcode']}, {len(m['data'])} B, packet "
                f"{m['frames'][-1]['packet']}) is not what the {sender} logged next "
                f"({'nothing' if want is None else f'opcode {want[0]}, {want[1]} B'})")
        if i != len(log):
            die(f"{name}: the {sender} logged {len(log) - i} more frames/messages than the capture has "
                f"(first: opcode {log[i][0]}, {log[i][1]} B)")
        impl = client if receiver == "client" else server
        if impl in LOGS_RECV:
            got = [(e["opcode"], e["len"], e["sha256"]) for e in logs[receiver] if e.get("ev") == "recv"]
            want = [_key(m["opcode"], m["data"]) for m in caps[d] if m["opcode"] in (OP_TEXT, OP_BINARY)]
            if got != want:
                die(f"{name}: the {receiver} logged {len(got)} received data messages, the capture "
                    f"has {len(want)} from the {sender}" + (" (other bytes)" if len(got) == len(want) else ""))
    # the peers' view of the negotiation must be what is on the wire
    for who in ("client", "server"):
        seen = [e for e in logs[who] if e.get("ev") in ("response-headers", "open")]
        seen.sort(key=lambda e: e["ev"] != "response-headers")   # node: the header line itself
        if seen and (seen[0].get("extensions") or None) != ana["accepted"]:
            die(f"{name}: the {who} saw extensions {seen[0].get('extensions')!r}, the wire has "
                f"{ana['accepted']!r}")
    return auto


def check_plan(name, ana, expected, client, server):
    """The capture against the messages the plan makes each side send."""
    for d in ("c2s", "s2c"):
        want = [(op, data, nfr) for dd, op, data, nfr in expected if dd == d]
        got = ana["messages"][d]
        if len(want) != len(got):
            die(f"{name}: {d}: the plan makes {len(want)} messages, the capture has {len(got)}")
        impl = client if d == "c2s" else server
        for i, ((op, data, nfr), g) in enumerate(zip(want, got)):
            where = f"{name}: {d} message #{i} (packet {g['frames'][-1]['packet']})"
            if g["opcode"] != op or g["data"] != data:
                die(f"{where}: want opcode {op} len {len(data)}, the capture has opcode "
                    f"{g['opcode']} len {len(g['data'])}" + (" (same length, other bytes)"
                                                          if len(data) == len(g['data']) else ""))
            if nfr is not None and len(g["frames"]) != nfr:
                die(f"{where}: {len(g['frames'])} frames, the sender should have used {nfr}")
            if op in (OP_TEXT, OP_BINARY) and ana["pmd"] and impl in ALWAYS_COMPRESS and not g["compressed"]:
                die(f"{where}: not compressed ({impl} compresses every message)")


def truth_messages(ana, tf):
    """Both directions' messages in order of completion on the wire (the
    packet of the last frame, as tshark numbers it: also known for TLS)."""
    out = []
    for d in ("c2s", "s2c"):
        index = {id(f): i for i, f in enumerate(ana["frames"][d])}
        for m in ana["messages"][d]:
            out.append((tf[d][index[id(m["frames"][-1])]]["packet"], d == "s2c", d, m))
    out.sort(key=lambda e: e[:2])
    return [(d, m) for _, _, d, m in out]


def _find(tree, key):
    """Depth-first search in an ordered tshark json tree (lists of pairs)."""
    if isinstance(tree, list):
        for item in tree:
            if isinstance(item, tuple) and len(item) == 2:
                if item[0] == key:
                    return item[1]
                r = _find(item[1], key)
            else:
                r = _find(item, key)
            if r is not None:
                return r
    return None


PAYLOAD_LAYERS = ("data_raw", "data-text-lines_raw")


def builtin_prefs(port, tls):
    """What the built-in dissector needs to see the handshake: the TLS
    preferences, or the port decoded as HTTP (on some ports another dissector
    takes the handshake itself, MQTT on 1883, and the built-in WebSocket
    dissector only starts from an HTTP Upgrade it saw)."""
    return list(TLS_TSHARK_PREFS) if tls else ["-d", f"tcp.port=={port},http"]


def tshark_frames(pcap, port, tls=False):
    """Frames as tshark's built-in dissector shows them (handshake seen), per
    direction: packet, fin, rsv1 (websocket.pmc), opcode, mask, len and
    `shown`: the payload bytes of the data layer tshark puts after the frame
    (`data` / `data-text-lines`: the unmasked, decompressed, reassembled
    payload as far as tshark gets; None when it adds none) or, for control
    frames, the ping/pong bytes and close code/reason."""
    args = ["-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE"] + builtin_prefs(port, tls) + [
            "-Y", "websocket",
            "-T", "json", "-x", "-J", "frame tcp websocket data data-text-lines"]
    packets = json.loads(tshark(args, timeout=300), object_pairs_hook=lambda pairs: pairs)
    out = {"c2s": [], "s2c": []}
    for pkt in packets:
        layers = _find(pkt, "layers")
        fnum = int(_find(layers, "frame.number"))
        sport = int(_find(_find(layers, "tcp"), "tcp.srcport"))
        d = "s2c" if sport == port else "c2s"
        cur = None
        for key, val in layers:
            if key == "websocket":
                f = lambda k: _find(val, k)  # noqa: E731
                plen = int(f("websocket.payload_length"))
                if plen == 126:
                    plen = int(f("websocket.payload_length_ext_16"))
                elif plen == 127:
                    plen = int(f("websocket.payload_length_ext_64"))
                cur = {"packet": fnum, "fin": f("websocket.fin") in ("1", "True"),
                       "rsv1": f("websocket.pmc") in ("1", "True"),
                       "opcode": int(f("websocket.opcode")),
                       "mask": f("websocket.mask") in ("1", "True"), "len": plen, "shown": None,
                       "fragments": f("websocket.fragment.count")}
                op = cur["opcode"]
                if op in (OP_PING, OP_PONG):
                    raw = f("websocket.payload.ping_raw" if op == OP_PING else "websocket.payload.pong_raw")
                    cur["shown"] = bytes.fromhex(raw[0]) if raw else b""
                elif op == OP_CLOSE:
                    code = f("websocket.payload.close.status_code")
                    reason = f("websocket.payload.close.reason")
                    cur["shown"] = (close_payload(int(code), reason or "") if code is not None
                                    else b"")
                out[d].append(cur)
            elif key in PAYLOAD_LAYERS and cur is not None:
                cur["shown"] = bytes.fromhex(val[0])
    return out


def check_tshark(name, pcap, port, ana, tls=False):
    """Per frame: tshark's opcode, FIN, RSV1 (pmc), mask and length must be
    those parsed here, in the same packet (TLS: the packet is not known
    here).  Returns tshark's frames."""
    tf = tshark_frames(pcap, port, tls)
    for d in ("c2s", "s2c"):
        mine = ana["frames"][d]
        theirs = tf[d]
        if len(mine) != len(theirs):
            die(f"{name}: {d}: {len(mine)} frames parsed here, tshark shows {len(theirs)}")
        for i, (m, t) in enumerate(zip(mine, theirs)):
            for k in ("fin", "rsv1", "opcode", "mask", "len", "packet"):
                if m[k] != t[k] and not (k == "packet" and m[k] is None):
                    die(f"{name}: {d} frame #{i} (packet {t['packet']}): {k} here {m[k]}, "
                        f"tshark {t[k]}")
    return tf


# --------------------------------------------------------------------------


def tshark_payload_notes(name, pcap, port, ana, tf):
    """What tshark 4.0's built-in dissector shows of each message (at the
    message's last frame), compared with the truth; returns README lines.
    Informative: the reference is the parse and the peers' logs."""
    lines = []
    pmd = ana["pmd"]
    checked = 0
    for d in ("c2s", "s2c"):
        frames = ana["frames"][d]
        index = {id(f): i for i, f in enumerate(frames)}
        exact, partial, wrong, none = [], [], [], []
        sender = "client" if d == "c2s" else "server"
        no_ctx = bool(pmd and pmd[f"{sender}_no_context_takeover"])
        broken = False   # an earlier compressed message tshark did not inflate right
        for k, m in enumerate(ana["messages"][d]):
            t = tf[d][index[id(m["frames"][-1])]]
            shown = t["shown"]
            if shown is None:
                shown = b""
            tag = (k, len(m["data"]), t["packet"])
            # What tshark 4.0 is known to get right (hard check): control
            # frames; single-frame uncompressed messages fully unmasked;
            # single-frame compressed non-empty messages fully unmasked when
            # its inflate state is intact (no context takeover, or no earlier
            # compressed message of that direction shown wrong).
            unmasked = not m["frames"][0]["mask"] or m["frames"][0]["len"] <= TSHARK_UNMASK_MAX
            single = len(m["frames"]) == 1
            must = (m["opcode"] >= 8
                    or (single and unmasked and not m["compressed"])
                    or (single and unmasked and m["compressed"] and m["data"]
                        and (no_ctx or not broken)))
            if must:
                checked += 1
                if shown != m["data"]:
                    die(f"{name}: {d} message #{k} (packet {t['packet']}, {len(m['data'])} B): "
                        f"tshark's built-in dissector shows {len(shown)} other bytes")
            elif single and not m["compressed"] and shown and not m["data"].startswith(shown):
                # a masked frame longer than tshark unmasks: the part it shows
                die(f"{name}: {d} message #{k} (packet {t['packet']}, {len(m['data'])} B): "
                    f"the {len(shown)} bytes tshark's built-in dissector shows are not its start")
            elif single and not m["compressed"] and shown:
                checked += 1
            if m["compressed"] and m["data"] and shown != m["data"]:
                broken = True
            if shown == m["data"]:
                exact.append(tag)
            elif shown and m["data"].startswith(shown):
                partial.append(tag + (len(shown),))
            elif not shown:
                none.append(tag)
            else:
                same = next((i for i, (a, b) in enumerate(zip(shown, m["data"])) if a != b),
                            min(len(shown), len(m["data"])))
                wrong.append(tag + (len(shown), same, shown[:4].hex()))
        total = len(ana["messages"][d])
        s = (f"tshark 4.0 built-in, {d} (message index, length, packet): {len(exact)} of "
             f"{total} messages shown exactly at their last frame")
        if partial:
            s += "; only a prefix: " + ", ".join(f"#{k} {n} B (packet {p}, {sh} B shown)"
                                                 for k, n, p, sh in partial[:6])
        if none:
            s += "; nothing shown: " + ", ".join(f"#{k} {n} B (packet {p})" for k, n, p in none[:6]) \
                + (f" and {len(none) - 6} more" if len(none) > 6 else "")
        if wrong:
            s += "; wrong bytes: " + ", ".join(
                f"#{k} {n} B (packet {p}, {sh} B shown, " +
                (f"first {same} right)" if same else f"starting {head})")
                for k, n, p, sh, same, head in wrong[:6]) \
                + (f" and {len(wrong) - 6} more" if len(wrong) > 6 else "")
        lines.append(s)
    lines.append(f"tshark 4.0 built-in: {checked} messages it is expected to show right (control "
                 "frames, single-frame messages fully unmasked, compressed ones while its inflate "
                 "state is intact; of a longer masked uncompressed frame the start it unmasks) "
                 "checked byte for byte")
    return lines




def check_tls(name, raw, pcap, port):
    """The raw capture must be opaque TLS (no HTTP, no WebSocket visible), the
    one with embedded secrets must decrypt stand-alone.  Returns a description
    of the TLS session."""
    hidden = tshark(["-r", raw, "-Y", "http || websocket", "-T", "fields", "-e", "frame.number"])
    if hidden.strip():
        die(f"{name}: HTTP/WebSocket visible without the TLS secrets (frames "
            f"{hidden.split()[:10]}): not encrypted?")
    # TLS 1.3 hides the real content type: undecrypted records show opaque_type 23
    appdata = tshark(["-r", raw, "-Y", "tls.record.content_type == 23 || "
                      "tls.record.opaque_type == 23", "-T", "fields", "-e", "frame.number"]).split()
    if not appdata:
        die(f"{name}: tshark finds no TLS application data in the capture")
    sh = ["-r", pcap] + TLS_TSHARK_PREFS + ["-Y", "tls.handshake.type == 2"]
    ports = tshark(sh + ["-T", "fields", "-e", "tcp.srcport"]).split()
    if ports != [str(port)]:
        die(f"{name}: expected one ServerHello from port {port}, got them from {ports}")
    text = tshark(sh + ["-O", "tls", "-V"])
    version = re.search(r"Supported Version: (TLS [0-9.]+) \(", text)
    if version is None:   # TLS 1.2: no supported_versions extension in the ServerHello
        version = re.search(r"Handshake Protocol: Server Hello\n.*?Version: (TLS [0-9.]+) \(",
                            text, re.S)
    cipher = re.search(r"Cipher Suite: (\S+) \(", text)
    if not version or not cipher:
        die(f"{name}: cannot read the TLS version / cipher suite of the ServerHello")
    # The file can be edited (cut) with editcap, and the secrets travel along.
    copy = os.path.join(os.path.dirname(raw), "copy.pcapng")
    run(["editcap", pcap, copy])
    n_http = len(tshark(["-r", copy] + TLS_TSHARK_PREFS + ["-Y", "http", "-T", "fields",
                                                           "-e", "frame.number"]).split())
    if n_http != 2:
        die(f"{name}: a copy made with editcap shows {n_http} HTTP packets, want 2")
    os.unlink(copy)
    return {"version": version.group(1), "cipher": cipher.group(1)}





def check_builtin_opcodes(name, pcap, port, ana, tls=False):
    """The opcode of every frame per direction from `-T fields -e websocket.opcode`."""
    out = tshark(["-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE"] + builtin_prefs(port, tls) + [
                  "-Y", "websocket", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                  "-e", "tcp.srcport", "-e", "websocket.opcode"], timeout=300)
    got = {"c2s": [], "s2c": []}
    for line in out.splitlines():
        sport, ops = line.split("\t")
        got["s2c" if int(sport) == port else "c2s"] += [int(o) for o in ops.split(",")]
    for d in got:
        mine = [f["opcode"] for f in ana["frames"][d]]
        if got[d] != mine:
            die(f"{name}: {d}: built-in opcodes {got[d][:20]}... differ from the parse {mine[:20]}...")


def check_split(name, pcap, port, ana, client, server):
    """For the side(s) written by raw_peer.py: every frame's header is a TCP
    segment of its own and the payload starts a later one, except the frames of
    the client's corked burst, which must share segments.  Returns [split
    frames, frames in segments with other frames]."""
    c2s, s2c, pm_c, pm_s = tcp_streams(pcap, port)
    split = shared = 0
    for d, impl, pmap in (("c2s", client, pm_c), ("s2c", server, pm_s)):
        if impl != "raw":
            continue
        starts = {off for off, _ in pmap}
        per_packet = {}
        for fr in ana["frames"][d]:
            pkt = packet_at(pmap, fr["offset"])
            per_packet[pkt] = per_packet.get(pkt, 0) + 1
        for fr in ana["frames"][d]:
            hlen = 2 + (2 if 126 <= fr["len"] < 65536 else 8 if fr["len"] >= 65536 else 0) + (4 if fr["mask"] else 0)
            if fr["offset"] in starts and (not fr["len"] or fr["offset"] + hlen in starts):
                split += 1
            elif d == "c2s" and per_packet[packet_at(pmap, fr["offset"])] > 1:
                shared += 1
            else:
                die(f"{name}: {d} frame at stream offset {fr['offset']}: header and payload not in "
                    "segments of their own")
    return [split, shared]
