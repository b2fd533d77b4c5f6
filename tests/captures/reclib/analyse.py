# SPDX-License-Identifier: GPL-2.0-or-later
"""The capture, parsed here: each direction's TCP byte stream (or, for TLS,
the application data tshark decrypts with the embedded key log), the HTTP
handshake, every frame unmasked, messages reassembled and inflated (RFC 7692,
with the negotiated window bits and context takeover); the -nohs cut; the
statistics of the README."""

import os
import re
import zlib

from .common import OP_BINARY, OP_CONT, OP_TEXT, TLS_TSHARK_PREFS, die, run, tshark

TCP_ANOMALIES = ("tcp.analysis.out_of_order || tcp.analysis.lost_segment || "
                 "tcp.analysis.retransmission || tcp.analysis.ack_lost_segment || "
                 "tcp.analysis.duplicate_ack || tcp.analysis.reused_ports")


def tcp_anomalies(pcap):
    out = tshark(["-r", pcap, "-Y", TCP_ANOMALIES, "-T", "fields", "-e", "frame.number"])
    return [int(l) for l in out.split()]


def packet_count(pcap):
    out = tshark(["-r", pcap, "-T", "fields", "-e", "frame.number"])
    return len([l for l in out.splitlines() if l.strip()])


def tcp_streams(pcap, port):
    """(c2s bytes, s2c bytes, c2s packet map, s2c packet map) from the TCP
    payloads in packet order; a packet map is a list of (stream offset,
    frame number) of each packet's first byte.  Sequence numbers must be
    contiguous (no gap, no overlap)."""
    out = tshark(["-r", pcap, "-o", "tcp.desegment_tcp_streams:FALSE",
                  "-o", "tcp.relative_sequence_numbers:TRUE", "-Y", "tcp.len > 0",
                  "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "tcp.srcport",
                  "-e", "tcp.seq", "-e", "tcp.payload", "-e", "tcp.stream"], timeout=300)
    data = {"c2s": bytearray(), "s2c": bytearray()}
    pmap = {"c2s": [], "s2c": []}
    base = {}
    streams = set()
    for line in out.splitlines():
        if not line.strip():
            continue
        fnum, sport, seq, payload, stream = line.split("|")
        streams.add(stream)
        d = "s2c" if int(sport) == port else "c2s"
        seq = int(seq)
        base.setdefault(d, seq)
        if seq - base[d] != len(data[d]):
            die(f"{pcap}: frame {fnum}: {d} sequence {seq - base[d]} but {len(data[d])} bytes so far")
        pmap[d].append((len(data[d]), int(fnum)))
        data[d] += bytes.fromhex(payload.replace(":", ""))
    if len(streams) != 1:
        die(f"{pcap}: expected one TCP connection, found {len(streams)}")
    return bytes(data["c2s"]), bytes(data["s2c"]), pmap["c2s"], pmap["s2c"]


def tls_streams(pcap):
    """(c2s bytes, s2c bytes) of the TLS application data, decrypted by tshark
    with the key log embedded in the capture (`-z follow,tls,raw`: one hex
    line per record's data, the second node's lines indented)."""
    out = tshark(["-r", pcap] + TLS_TSHARK_PREFS + ["-q", "-z", "follow,tls,raw,0"], timeout=300)
    sides = {False: bytearray(), True: bytearray()}
    lines = out.splitlines()
    start = next((i + 1 for i, l in enumerate(lines) if l.startswith("Node 1:")), len(lines))
    for line in lines[start:]:
        if line.startswith("="):
            break
        if not line.strip():
            continue
        sides[line.startswith("\t")] += bytes.fromhex(line.strip())
    a, b = bytes(sides[False]), bytes(sides[True])
    if b.startswith(b"GET "):
        a, b = b, a
    if not a.startswith(b"GET ") or not b.startswith(b"HTTP/1.1 101"):
        die(f"{pcap}: no decrypted HTTP handshake in the TLS application data")
    return a, b


def packet_at(pmap, offset):
    """Frame number of the packet holding stream byte `offset` (None: no
    packet map, TLS)."""
    if pmap is None:
        return None
    lo, hi = 0, len(pmap) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pmap[mid][0] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return pmap[lo][1]


def parse_http(data, what):
    end = data.find(b"\r\n\r\n")
    if end < 0:
        die(f"no end of the HTTP {what} headers")
    lines = data[:end].decode("latin-1").split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        k, v = l.split(":", 1)
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], hdrs, end + 4


def parse_pmd(value):
    """Negotiated permessage-deflate parameters from the response header."""
    if not value:
        return None
    exts = [e.strip() for e in value.split(",")]
    if len(exts) != 1:
        die(f"unexpected extensions {value!r}")
    parts = [p.strip() for p in exts[0].split(";")]
    if parts[0] != "permessage-deflate":
        die(f"unexpected extension {value!r}")
    params = {"server_no_context_takeover": False, "client_no_context_takeover": False,
              "server_max_window_bits": 15, "client_max_window_bits": 15}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        k = k.strip()
        v = v.strip().strip('"')
        if k.endswith("no_context_takeover"):
            params[k] = True
        elif k.endswith("max_window_bits"):
            params[k] = int(v)
        else:
            die(f"unknown permessage-deflate parameter {p!r}")
    return params


def parse_frames(data, pos, pmap):
    frames = []
    while pos < len(data):
        start = pos
        if len(data) - pos < 2:
            die(f"truncated frame header at stream offset {pos}")
        b0, b1 = data[pos], data[pos + 1]
        pos += 2
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(data[pos:pos + 2], "big")
            pos += 2
        elif n == 127:
            n = int.from_bytes(data[pos:pos + 8], "big")
            pos += 8
        key = None
        if b1 & 0x80:
            key = data[pos:pos + 4]
            pos += 4
        payload = data[pos:pos + n]
        if len(payload) != n:
            die(f"truncated frame payload at stream offset {start}")
        pos += n
        if key:
            k = (key * (n // 4 + 1))[:n]
            payload = (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")
        frames.append({"fin": bool(b0 & 0x80), "rsv1": bool(b0 & 0x40), "rsv23": b0 & 0x30,
                       "opcode": b0 & 0x0F, "mask": bool(key), "len": n, "payload": payload,
                       "offset": start, "packet": packet_at(pmap, pos - 1)})
    return frames


def assemble(frames, direction, pmd):
    """Messages (control frames and reassembled, inflated data messages) in
    order of completion.  pmd: negotiated parameters or None."""
    sender = "client" if direction == "c2s" else "server"
    bits = pmd and pmd[f"{sender}_max_window_bits"]
    no_ctx = pmd and pmd[f"{sender}_no_context_takeover"]
    inflater = zlib.decompressobj(wbits=-bits) if pmd else None
    out = []
    cur = None
    for fr in frames:
        if fr["rsv23"]:
            die(f"{direction}: RSV2/RSV3 set")
        if fr["mask"] != (direction == "c2s"):
            die(f"{direction}: wrong mask bit")
        op = fr["opcode"]
        if op >= 8:
            if not fr["fin"] or fr["rsv1"] or fr["len"] > 125:
                die(f"{direction}: bad control frame")
            out.append({"opcode": op, "data": fr["payload"], "frames": [fr], "compressed": False})
            continue
        if op in (OP_TEXT, OP_BINARY):
            if cur is not None:
                die(f"{direction}: new message inside a fragmented one")
            if fr["rsv1"] and not pmd:
                die(f"{direction}: RSV1 without permessage-deflate")
            cur = {"opcode": op, "frames": [], "compressed": fr["rsv1"]}
        elif op == OP_CONT:
            if cur is None:
                die(f"{direction}: continuation without a message")
            if fr["rsv1"]:
                die(f"{direction}: RSV1 on a continuation frame")
        else:
            die(f"{direction}: reserved opcode {op}")
        cur["frames"].append(fr)
        if fr["fin"]:
            raw = b"".join(f["payload"] for f in cur["frames"])
            if cur["compressed"]:
                if no_ctx:
                    inflater = zlib.decompressobj(wbits=-bits)
                try:
                    data = inflater.decompress(raw + b"\x00\x00\xff\xff")
                except zlib.error as e:
                    die(f"{direction}: inflate failed ({e}) at stream offset {cur['frames'][0]['offset']}")
                if inflater.unconsumed_tail or inflater.eof:
                    die(f"{direction}: inflate did not consume the message")
            else:
                data = raw
            if cur["opcode"] == OP_TEXT:
                data.decode("utf-8")    # raises on invalid UTF-8
            cur["data"] = data
            out.append(cur)
            cur = None
    if cur is not None:
        die(f"{direction}: capture ends inside a fragmented message")
    return out


def analyse(pcap, port, tls=False):
    if tls:
        (c2s, s2c), pm_c, pm_s = tls_streams(pcap), None, None
    else:
        c2s, s2c, pm_c, pm_s = tcp_streams(pcap, port)
    req_line, req_h, req_end = parse_http(c2s, "request")
    resp_line, resp_h, resp_end = parse_http(s2c, "response")
    if not req_line.startswith("GET ") or not resp_line.startswith("HTTP/1.1 101"):
        die(f"{pcap}: handshake is {req_line!r} / {resp_line!r}")
    offered = ", ".join(req_h.get("sec-websocket-extensions", [])) or None
    accepted = ", ".join(resp_h.get("sec-websocket-extensions", [])) or None
    pmd = parse_pmd(accepted)
    res = {"offered": offered, "accepted": accepted, "pmd": pmd,
           "user_agent": (req_h.get("user-agent") or [None])[0],
           "origin": (req_h.get("origin") or [None])[0], "frames": {}, "messages": {},
           "req_packet": packet_at(pm_c, 0), "resp_packet": packet_at(pm_s, resp_end - 1),
           "first_frame_packet": {}}
    for d, data, pmap, pos in (("c2s", c2s, pm_c, req_end), ("s2c", s2c, pm_s, resp_end)):
        frames = parse_frames(data, pos, pmap)
        res["frames"][d] = frames
        res["messages"][d] = assemble(frames, d, pmd)
        res["first_frame_packet"][d] = packet_at(pmap, pos) if pos < len(data) else None
    if tls:
        # where tshark shows the decrypted request and response
        rows = [l.split("|") for l in tshark(["-r", pcap] + TLS_TSHARK_PREFS + [
            "-Y", "http", "-T", "fields", "-E", "separator=|", "-e", "frame.number",
            "-e", "http.request.method", "-e", "http.response.code"]).splitlines() if l.strip()]
        reqs = [int(r[0]) for r in rows if r[1] == "GET"]
        resps = [int(r[0]) for r in rows if r[2] == "101"]
        if len(reqs) != 1 or len(resps) != 1 or len(rows) != 2:
            die(f"{pcap}: expected exactly one GET and one 101, tshark shows {rows}")
        res["req_packet"], res["resp_packet"] = reqs[0], resps[0]
    return res


# --------------------------------------------------------------------------


# cut and stats

def make_nohs(pcap, cut, port, plain_tcp=True, prefs=()):
    """`editcap -r` from the packet after `cut` (the 101 response) to the end;
    checks that no HTTP bytes are left and that each direction's first
    payload byte starts a WebSocket frame.  Returns (path, packets,
    description of its first packet, the protocols tshark gives its payload
    packets above TCP).  plain_tcp: every packet must be plain TCP (as on a
    port no dissector owns), and the first payload packet of each direction
    plain data (`tcp:data`: with desegmentation on, a heuristic dissector
    that takes a packet and asks for more shows it as bare `tcp`, and one
    that takes a direction's first packet keeps that direction from the
    plugin's heuristic); if a built-in heuristic dissector claims one (the
    masking keys are random), (None, reason, None, None): the caller records
    again."""
    nohs = pcap[:-len(".pcapng")] + "-nohs.pcapng"
    if os.path.exists(nohs):
        os.unlink(nohs)
    total = packet_count(pcap)
    if total <= cut:
        die(f"{pcap}: nothing after the handshake")
    # editcap 4.0 has no open-ended ranges ("N-"), so give the last packet.
    run(["editcap", "-r", pcap, nohs, f"{cut + 1}-{total}"])
    os.chmod(nohs, 0o644)
    out = tshark(["-r", nohs] + list(prefs) + [
        "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "frame.protocols",
        "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.payload"], timeout=300)
    first = {}
    npk = 0
    first_desc = "?"
    above = set()
    for line in out.splitlines():
        if not line.strip():
            continue
        npk += 1
        fnum, protos, sport, tlen, payload = line.split("|")
        if npk == 1:
            who = "server" if int(sport) == port else "client"
            first_desc = (f"a pure ACK from the {who}" if int(tlen) == 0
                          else f"{tlen} payload bytes from the {who}")
        if plain_tcp and not re.fullmatch(r"(eth|sll):ethertype:ip:tcp(:data)?", protos):
            return None, f"frame {fnum} decoded as {protos}, expected plain TCP", None, None
        if int(tlen) > 0:
            d = "s2c" if int(sport) == port else "c2s"
            if plain_tcp and d not in first and not protos.endswith(":tcp:data"):
                return (None, f"frame {fnum}, the first {d} payload packet, decoded as {protos} "
                        "(taken by a heuristic dissector), expected tcp:data", None, None)
            above.add(protos.split(":tcp", 1)[1].lstrip(":") or "tcp only")
            raw = bytes.fromhex(payload.replace(":", ""))
            if raw.startswith(b"GET ") or raw.startswith(b"HTTP/"):
                die(f"{nohs}: frame {fnum} still carries HTTP bytes")
            first.setdefault(d, raw)
    for d, raw in first.items():
        if raw[0] & 0x30 or (raw[0] & 0x0F) not in (0, 1, 2, 8, 9, 10):
            die(f"{nohs}: first {d} payload byte {raw[0]:#04x} is not a WebSocket frame header")
    return nohs, npk, first_desc, sorted(above)


def stats(ana, tf):
    s = {}
    for d in ("c2s", "s2c"):
        frames = ana["frames"][d]
        msgs = ana["messages"][d]
        data_msgs = [m for m in msgs if m["opcode"] in (OP_TEXT, OP_BINARY)]
        frag = [m for m in data_msgs if len(m["frames"]) > 1]
        per_pkt = {}
        for f in tf[d]:   # tshark's packets: the same as here, and known for TLS too
            per_pkt[f["packet"]] = per_pkt.get(f["packet"], 0) + 1
        s[d] = {
            "frames": len(frames),
            "rsv1": sum(1 for f in frames if f["rsv1"]),
            "cont": sum(1 for f in frames if f["opcode"] == OP_CONT),
            "data_msgs": len(data_msgs),
            "control": sum(1 for m in msgs if m["opcode"] >= 8),
            "compressed_msgs": sum(1 for m in data_msgs if m["compressed"]),
            "fragmented": [(len(m["data"]), [f["len"] for f in m["frames"]],
                            m["frames"][0]["packet"], m["frames"][-1]["packet"],
                            m["opcode"], m["compressed"]) for m in frag],
            "wire_payload": sum(f["len"] for f in frames if f["opcode"] < 8),
            "app_payload": sum(len(m["data"]) for m in data_msgs),
            "coalesced": sorted(p for p, n in per_pkt.items() if n >= 2),
            "maxper": max(per_pkt.values() or [0]),
        }
    return s


# --------------------------------------------------------------------------
