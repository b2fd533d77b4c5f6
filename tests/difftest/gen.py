#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seeded generator of random but valid WebSocket conversations, all in one pcap, with
a truth file saying what each side sent and which messages a correct decoder can
recover from the bytes that are in the capture (decided by wsref, never by the plugin).

    tests/difftest/gen.py OUT.pcap OUT.truth.json [--seed S] [--conversations N]

Conversation i uses client 10.A.B.1 and server 10.A.B.2 (i = A*256 + B, A >= 1 so
that the addresses never repeat), a random client port and a server port that is
mostly an unregistered high port, sometimes 80, 8080, 5000, 1883 or 8000.

Randomised per conversation / direction / message: sizes (0..200 KB, mostly small),
opcodes, fragmentation with ping/pong between fragments, masking from the client,
permessage-deflate with and without context takeover and with windows of 2^9..2^15,
TCP segmentation (1..1448 bytes, sometimes up to 65000, several frames per segment,
header and payload in separate segments), cuts (the first K bytes of a direction
are not in the capture: no TCP or HTTP handshake; at a segment boundary, a frame
boundary or inside a frame), one lost segment, retransmissions with the same bytes
and with different bytes (the messages they touch then have two acceptable
contents). Most conversations have no HTTP handshake; some begin with a real
Upgrade / 101 (with Sec-WebSocket-Extensions when compressed).

Recoverable (truth "rec"): every byte of the message's frames is in the capture and,
when compressed, its decompressed bytes are all known to a decoder that starts with
an unknown window after any missing byte (cut or gap) of that direction.
"""
import argparse
import base64
import hashlib
import json
import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "captures"))
import wsref  # noqa: E402
from pcapgen import PcapWriter, TcpStream  # noqa: E402

NAMED_PORTS = [80, 8080, 5000, 1883, 8000]
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
         "upsilon phi chi psi omega lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
         "tempor incididunt ut labore et dolore magna aliqua {\"id\": [1, 2, 3], \"ok\": true} \u00e9t\u00e9 "
         "\u65e5\u672c \U0001f600").split(" ")


def addr(i, host):
    a, b = divmod(i + 256, 256)
    return "10.%d.%d.%d" % (a % 256, b, host)


def msg_size(rng, light=False):
    r = rng.random()
    if light and r >= 0.90:
        # Fewer big messages (the pytest slice): same kinds, less bytes for tshark.
        r = r if rng.random() < 0.4 else rng.uniform(0.65, 0.90)
    if r < 0.03:
        return 0
    if r < 0.65:
        return rng.randint(1, 200)
    if r < 0.90:
        return rng.randint(200, 4000)
    if r < 0.98:
        return rng.randint(4000, 40000)
    return rng.randint(40000, 200000)


def make_text(rng, tag, n, history):
    out = bytearray(tag)
    if history and rng.random() < 0.4:
        # Repeat part of an earlier message: back-references across messages.
        h = rng.choice(history)
        if h:
            a = rng.randrange(len(h))
            # Only its characters: the earlier message may be binary, or the cut fall
            # inside a character, and a sender's text is UTF-8 (RFC 6455 8.1).
            out += h[a:a + rng.randint(1, max(1, n))].decode("utf-8", "ignore").encode()
    while len(out) < n:
        out += rng.choice(WORDS).encode() + b" "
    # Cut back on a character boundary (UTF-8 stays valid).
    out = bytes(out)
    if len(out) > n:
        out = out[:n]
        while out:
            try:
                out.decode()
                break
            except UnicodeDecodeError:
                out = out[:-1]
    return out


def make_binary(rng, tag, n, history):
    kind = rng.randrange(4)
    if kind == 0:
        body = rng.randbytes(n)
    elif kind == 1:
        unit = rng.randbytes(rng.randint(1, 64))
        body = (unit * (n // len(unit) + 1))[:n]
    elif kind == 2 and history:
        h = rng.choice(history) or b"x"
        body = (h * (n // len(h) + 1))[:n]
    else:
        body = bytes((i * 31 + (i >> 7)) & 0xFF for i in range(n))
    return (tag + body)[:max(n, len(tag))] if n else b""


class Dir:
    def __init__(self, name):
        self.name = name
        self.stream = bytearray()
        self.frames = []          # (start, hdr_end, end)
        self.plain = []           # data messages, plaintext, in order
        self.msg_meta = []        # per message in completion order (filled from wsref parsing)


def build_direction(rng, d, conv, deflate, takeover, wbits, prefix, light=False):
    """Frames of one direction after `prefix` (an HTTP handshake or nothing)."""
    D = Dir(d)
    D.stream += prefix
    masked = d == "c2s"
    comp = zlib.compressobj(rng.randint(1, 9), zlib.DEFLATED, -wbits, rng.randint(1, 9)) if deflate else None
    history = []
    n_msgs = min(40, int(rng.expovariate(1 / 6)) + 1)
    frag_p = rng.choice([0.0, 0.2, 0.5])
    ctl_p = rng.choice([0.0, 0.1, 0.3])
    k = 0
    data_meta = []  # per data message: (compressed, fragmented, plaintext)

    def add(op, payload, fin=True, rsv=0):
        key = rng.randbytes(4) if masked else None
        b, h = wsref.encode_frame(op, payload, fin=fin, rsv=rsv, mask=key)
        s = len(D.stream)
        D.stream += b
        D.frames.append((s, s + h, s + len(b)))

    def control():
        op = rng.choice([9, 9, 10])
        if rng.random() < 0.1:
            add(op, b"")
        else:
            add(op, ("%s %d %s %d" % ("ping" if op == 9 else "pong", conv, d, rng.randrange(1 << 30))).encode()
                [:125])

    for _ in range(n_msgs):
        if rng.random() < ctl_p:
            control()
        op = 1 if rng.random() < 0.6 else 2
        n = msg_size(rng, light)
        tag = ("#%d/%s/%d " % (conv, d, k)).encode()
        body = make_text(rng, tag, n, history) if op == 1 else make_binary(rng, tag, n, history)
        history.append(body[:4000])
        if len(history) > 8:
            history.pop(0)
        compressed = deflate and rng.random() < 0.85
        if compressed:
            if not takeover:
                comp = zlib.compressobj(rng.randint(1, 9), zlib.DEFLATED, -wbits, rng.randint(1, 9))
            payload = wsref.pmd_compress(comp, body)
        else:
            payload = body
        fragmented = rng.random() < frag_p
        if fragmented:
            cuts = sorted(rng.randint(0, len(payload)) for _ in range(rng.randint(1, 5)))
            pieces = [payload[a:b] for a, b in zip([0] + cuts, cuts + [len(payload)])]
        else:
            pieces = [payload]
        for j, p in enumerate(pieces):
            if j and rng.random() < 0.3:
                control()
            add(op if j == 0 else 0, p, fin=j == len(pieces) - 1, rsv=4 if compressed and j == 0 else 0)
        data_meta.append((compressed, fragmented and len(pieces) > 1, body))
        k += 1
    if rng.random() < 0.3:
        add(8, b"\x03\xe8" + b"bye %d" % conv)
    return D, data_meta


def segment(rng, D, hs_len, coalesce_hs):
    """Segment boundaries of a direction's stream: [(start, end)]."""
    mode = rng.choice(["small", "small", "mss", "tiny", "jumbo", "frame", "frame"])
    coalesce = rng.choice([0.0, 0.3, 0.7])
    split_hdr = rng.choice([0.0, 0.2, 0.6])
    bounds = {len(D.stream)}
    if hs_len and not coalesce_hs:
        bounds.add(hs_len)
    for s, h, e in D.frames:
        if rng.random() < split_hdr:
            bounds.add(h)
        if rng.random() >= coalesce:
            bounds.add(e)
    segs = []
    pos = 0
    for b in sorted(bounds):
        while pos < b:
            if mode == "small":
                n = rng.randint(1, 1448)
            elif mode == "mss":
                n = 1448
            elif mode == "tiny":
                n = rng.randint(1, 30)
            elif mode == "jumbo":
                n = rng.randint(1, 65000)
            else:
                n = 1448 if rng.random() < 0.7 else 65000
            e = min(b, pos + n)
            segs.append((pos, e))
            pos = e
    return segs, mode


def overlaps(a, b, ranges):
    return any(x < b and a < y for x, y in ranges)


def decide(D, data_meta, cut, lost, takeover, http_takeover_known):
    """Per message (completion order, from wsref parsing the stream): recoverability."""
    start = 0
    if D.frames:
        start = D.frames[0][0]
    frames, left = wsref.parse_frames(bytes(D.stream), start)
    assert left == 0 and len(frames) == len(D.frames)
    msgs = wsref.assemble_messages(frames)
    missing = ([(0, cut)] if cut else []) + lost
    # Missing bytes that make the DEFLATE window unknown: the cut, and any gap that touches
    # a frame header (the decoder cannot know what that frame was) or a compressed
    # message's frame. A gap inside the payload of an uncompressed frame whose header is
    # there is skipped by its length and leaves the window as it was.
    comp_frames = [(f.start, f.end) for op, rsv1, fr, p in msgs if rsv1 for f in fr]
    resets = ([(0, cut)] if cut else []) + [
        (a, b) for a, b in lost
        if any(f.start < b and a < f.start + f.hdr_len for f in frames) or overlaps(a, b, comp_frames)]
    data_i = iter(data_meta)
    state = "fast"
    inf = None
    last = 0
    out = []
    for op, rsv1, fr, payload in msgs:
        present = not any(overlaps(f.start, f.end, missing) for f in fr)
        m = {"opcode": op, "frames": [[f.start, f.end] for f in fr], "split_header": False}
        rec, why = present, "" if present else "frame bytes missing"
        if op < 8:
            compressed, fragmented, plain = next(data_i)
            assert compressed == rsv1
            m["compressed"] = compressed
            m["fragmented"] = fragmented
            body = plain
            if compressed:
                m["clen"] = len(payload)
                end = fr[-1].end
                if overlaps(last, end, resets):
                    state = "track"
                    inf = wsref.Inflater(None)
                last = end
                if not present:
                    rec = False
                elif state == "track":
                    vals = wsref.pmd_decompress(inf, payload)
                    assert len(vals) == len(plain)
                    unk = vals.count(wsref.UNKNOWN)
                    if unk:
                        for a, b in zip(vals, plain):
                            assert a == wsref.UNKNOWN or a == b
                        rec, why = False, "%d of %d decompressed bytes copy unknown history" % (unk, len(vals))
                    else:
                        assert bytes(vals) == plain
                    if inf.window_all_known():
                        state = "fast"
                        inf = None
            else:
                assert payload == plain
        else:
            body = payload
            m["compressed"] = False
            m["fragmented"] = False
        m["body"] = body
        m["rec"] = rec
        if why:
            m["why"] = why
        out.append(m)
    return out


def handshake(rng, deflate, ctx, wbits):
    key = base64.b64encode(rng.randbytes(16)).decode()
    acc = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    req = ("GET /chat HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % key)
    resp = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: %s\r\n" % acc)
    if deflate:
        req += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        ext = "permessage-deflate"
        if not ctx["c2s"]:
            ext += "; client_no_context_takeover"
        if not ctx["s2c"]:
            ext += "; server_no_context_takeover"
        if wbits["c2s"] != 15:
            ext += "; client_max_window_bits=%d" % wbits["c2s"]
        if wbits["s2c"] != 15:
            ext += "; server_max_window_bits=%d" % wbits["s2c"]
        resp += "Sec-WebSocket-Extensions: %s\r\n" % ext
    return (req + "\r\n").encode(), (resp + "\r\n").encode()


class Clock:
    def __init__(self):
        self.t = 1700000000.0

    def __call__(self):
        self.t += 0.0001
        return self.t


def conversation(rng, i, writer, clock, light=False):
    r = rng.random()
    sport = rng.choice(NAMED_PORTS) if r < 0.3 else rng.randint(49152, 65000)
    cport = rng.randint(1024, 65000)
    while cport == sport:
        cport = rng.randint(1024, 65000)
    http = rng.random() < 0.15
    deflate = rng.random() < 0.45
    ctx = {d: rng.random() < 0.7 for d in ("c2s", "s2c")}
    wbits = {d: 15 if rng.random() < 0.5 else rng.randint(9, 15) for d in ("c2s", "s2c")}
    req, resp = handshake(rng, deflate, ctx, wbits) if http else (b"", b"")
    info = {"i": i, "caddr": addr(i, 1), "saddr": addr(i, 2), "cport": cport, "sport": sport, "http": http,
            "deflate": deflate, "dirs": {}}
    dirs = {}
    plans = {}
    for d, pre in (("c2s", req), ("s2c", resp)):
        D, meta = build_direction(rng, d, i, deflate, ctx[d], wbits[d], pre, light)
        segs, mode = segment(rng, D, len(pre), d == "s2c" and rng.random() < 0.4)
        total = len(D.stream)
        # Cut: the first K bytes of this direction are not in the capture.
        cut, cut_kind = 0, "none"
        if not http and total and rng.random() < 0.45:
            cut_kind = rng.choice(["segment", "frame", "inside", "inside"])
            lim = max(1, int(total * rng.choice([0.1, 0.3, 0.6, 0.9])))
            if cut_kind == "segment":
                cands = [s for s, e in segs if 0 < s <= lim] or [segs[0][1]]
                cut = rng.choice(cands)
            elif cut_kind == "frame":
                cands = [s for s, h, e in D.frames if 0 < s <= lim] or [D.frames[-1][2]]
                cut = rng.choice(cands)
            else:
                cut = rng.randint(1, lim)
                if any(s == cut for s, h, e in D.frames):
                    cut_kind = "frame"
        kept = []
        for s, e in segs:
            if e <= cut:
                continue
            kept.append((max(s, cut), e))
        # One lost segment (never the handshake's).
        lost = []
        if len(kept) > 2 and rng.random() < 0.12:
            cands = [j for j, (s, e) in enumerate(kept) if s >= len(pre) and j > 0]
            if cands:
                j = rng.choice(cands)
                lost = [kept[j]]
        # Events in stream order: ("seg", s, e, bytes) / ("lost", s, e) / ("retx", s, e, bytes).
        ev = []
        retx_diff = []
        pending = []
        retx_p = rng.choice([0.0, 0.0, 0.05, 0.2])
        diff_ok = rng.random() < 0.3
        for s, e in kept:
            if (s, e) in lost:
                ev.append(("lost", s, e))
            else:
                ev.append(("seg", s, e, bytes(D.stream[s:e])))
                if rng.random() < retx_p and s >= len(pre):
                    pending.append([rng.randint(0, 4), s, e])
            for p in pending[:]:
                if p[0] == 0:
                    ev.append(("retx", p[1], p[2], bytes(D.stream[p[1]:p[2]])))
                    pending.remove(p)
                else:
                    p[0] -= 1
        for p in pending:
            ev.append(("retx", p[1], p[2], bytes(D.stream[p[1]:p[2]])))
        meta_msgs = decide(D, meta, cut, lost, ctx[d], http)
        if diff_ok:
            # A retransmission with different bytes: only inside the payload of an uncompressed
            # data frame, so the framing stays; the message then has two acceptable contents.
            retx = [j for j, x in enumerate(ev) if x[0] == "retx"]
            rng.shuffle(retx)
            for j in retx[:1]:
                _, s, e, b = ev[j]
                for mi, m in enumerate(meta_msgs):
                    if m["opcode"] >= 8 or m["compressed"]:
                        continue
                    hit = None
                    for fi, (fs, fe) in enumerate(m["frames"]):
                        hdr_end = next(h for a, h, z in D.frames if a == fs)
                        a, z = max(s, hdr_end), min(e, fe)
                        if a < z:
                            hit = (a, z)
                            break
                    if hit:
                        a, z = hit
                        pos = rng.randrange(a, z)
                        n = min(z - pos, rng.randint(1, 8))
                        alt = bytearray(D.stream)
                        for q in range(pos, pos + n):
                            alt[q] ^= rng.randint(1, 255)
                        ev[j] = ("retx", s, e, bytes(alt[s:e]))
                        fr, _ = wsref.parse_frames(bytes(alt), D.frames[0][0])
                        am = wsref.assemble_messages(fr)
                        for m2, (op2, _, _, body2) in zip(meta_msgs, am):
                            if body2 != m2["body"]:
                                m2["alt"] = body2
                                m2["retx_diff"] = True
                        retx_diff.append([pos, pos + n])
                        break
        # Split headers: a segment boundary inside a frame's header or right after it.
        starts = {s for s, e in kept}
        hdr = {a: h for a, h, z in D.frames}
        for m in meta_msgs:
            for fs, fe in m["frames"]:
                h = hdr[fs]
                if any(fs < b <= h for b in range(fs + 1, h + 1) if b in starts):
                    m["split_header"] = True
        dirs[d] = D
        plans[d] = ev
        info["dirs"][d] = {"cut": cut, "cut_kind": cut_kind, "total": total, "lost": lost,
                           "retx": sum(1 for x in ev if x[0] == "retx"), "retx_diff": retx_diff,
                           "takeover": ctx[d], "wbits": wbits[d], "seg_mode": mode, "hs_len": len(pre),
                           "messages": meta_msgs}
    # Emit: TCP handshake only when nothing was cut; HTTP: GET first, then the 101.
    syn = all(info["dirs"][d]["cut"] == 0 for d in dirs) and (http or rng.random() < 0.4)
    base = {"c": rng.randrange(1 << 32), "s": rng.randrange(1 << 32)}
    pkts = []

    def sink(t, pkt):
        writer.add(clock(), pkt)
        pkts.append(writer.count)

    ts = TcpStream(cport, sport, caddr=info["caddr"], saddr=info["saddr"], handshake=syn, cseq=base["c"],
                   sseq=base["s"], sink=sink)
    seq0 = {"c": base["c"] + (1 if syn else 0), "s": base["s"] + (1 if syn else 0)}
    top = {"c": seq0["c"], "s": seq0["s"]}
    frame_of = {"c2s": [], "s2c": []}  # (pcap frame, start, end, kind)
    queues = {"c2s": list(plans["c2s"]), "s2c": list(plans["s2c"])}

    def emit(d, x):
        e = d[0]
        if x[0] == "lost":
            top[e] = max(top[e], seq0[e] + x[2])
            frame_of[d].append((0, x[1], x[2], "lost"))
            return
        ts.seq[e] = seq0[e] + x[1]
        if x[0] == "seg":
            ts.send(e, x[3], segment=len(x[3]))
        else:
            ts.seq[e] = top[e]
            ts.resend(e, x[3], top[e] - (seq0[e] + x[1]))
        top[e] = max(top[e], seq0[e] + x[2])
        ts.seq[e] = top[e]
        frame_of[d].append((pkts[-1], x[1], x[2], x[0]))

    if http:
        hs = {d: info["dirs"][d]["hs_len"] for d in dirs}
        while queues["c2s"] and queues["c2s"][0][1] < hs["c2s"]:
            emit("c2s", queues["c2s"].pop(0))
        while queues["s2c"] and queues["s2c"][0][1] < hs["s2c"]:
            emit("s2c", queues["s2c"].pop(0))
    while queues["c2s"] or queues["s2c"]:
        a, b = len(queues["c2s"]), len(queues["s2c"])
        d = "c2s" if rng.random() * (a + b) < a else "s2c"
        emit(d, queues[d].pop(0))
        if rng.random() < 0.2:
            ts.ack("s" if d == "c2s" else "c")
    if rng.random() < 0.3:
        ts.close()
    # Which pcap frames carry each message, for the report.
    for d in dirs:
        segs = frame_of[d]
        for m in info["dirs"][d]["messages"]:
            pk = set()
            for fs, fe in m["frames"]:
                for num, s, e, kind in segs:
                    if s < fe and fs < e and kind != "lost":
                        pk.add(num)
            m["pkts"] = sorted(pk)
        info["dirs"][d]["lost_pkt_after"] = [num for num, s, e, kind in segs if kind == "lost"]
    return info


def finish_truth(info):
    """Message bodies become length, sha256 (and hex when short)."""
    for dd in info["dirs"].values():
        for n, m in enumerate(dd["messages"]):
            b = m.pop("body")
            m["n"] = n
            m["len"] = len(b)
            m["sha256"] = wsref.sha256(b)
            if len(b) <= 48:
                m["hex"] = b.hex()
            if "alt" in m:
                m["alt"] = wsref.sha256(m["alt"])
    return info


def generate(pcap, seed, conversations, first_index=0, profile="full"):
    """Writes `conversations` conversations (indexes first_index...) to pcap; returns the
    truth. profile "light": fewer big messages (half as many bytes)."""
    rng = random.Random(seed)
    clock = Clock()
    truth = {"seed": seed, "conversations": []}
    with PcapWriter(pcap) as w:
        for i in range(first_index, first_index + conversations):
            truth["conversations"].append(finish_truth(conversation(rng, i, w, clock, profile == "light")))
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pcap")
    ap.add_argument("truth")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--conversations", type=int, default=200)
    ap.add_argument("--profile", default="full", choices=["full", "light"])
    a = ap.parse_args()
    truth = generate(a.pcap, a.seed, a.conversations, profile=a.profile)
    with open(a.truth, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
