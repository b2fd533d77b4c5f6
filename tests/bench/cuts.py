#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
""""Cuts everywhere" over the real recordings (issue 10, item 5): how many messages
the plugin recovers from a capture that STARTS at a segment boundary or inside a
frame, the HTTP handshake gone, in one pass and in two.

    tests/bench/cuts.py [--plugin build/plugin/ws.so] [--recordings GLOB]...
                        [--boundaries 200] [--inside 50] [--seed 1]
                        [--window-segments 40] [--window-bytes 262144]
                        [--cut KIND:FRAME:K]... [--keep]
                        [--out report.md] [--json report.json]

For every recording NAME.pcapng with a NAME.truth.json (wss-*, edge-* and seed are
skipped), all cuts go into ONE pcap, each cut a TCP conversation of its own
(client 10.A.B.1, server 10.A.B.2 with A.B the cut's number, both ports as
recorded: the server port matters to the plugin's port guard), so a recording
costs two tshark runs (one pass, `-2`).

Cuts, at or after the first packet that follows the HTTP 101:
  boundary  the capture starts with data segment number j (j < --boundaries), any
            direction; the other direction starts with its next segment;
  inside    seeded random: a segment whose first byte lies inside a frame, or a
            segment whose first k payload bytes are dropped (seq advanced by k) so
            that it starts inside a frame.
A cut keeps the packets from its first one for at most --window-segments data
segments and --window-bytes payload bytes (big recordings would otherwise make
huge pcaps); messages whose bytes go past the end of the window are not in it.

Recoverable (decided here, from the bytes, with tests/difftest/wsref.py; never by
the plugin): every byte of every frame of the message is in the cut capture, and,
for a compressed message with context takeover in its direction, inflating that
direction's compressed messages from the first whole one after the cut with an
UNKNOWN initial window (wsref.Inflater(None)) yields no unknown byte. Without
context takeover (client_/server_no_context_takeover in the truth's extensions)
a whole message is recoverable on its own.

Presented messages are rebuilt per TCP conversation from -T fields with the rule
of tests/wsrecover.py recover_messages. A presented message is WRONG when it is not
byte-exact (opcode, SHA-256) one of the messages that side sent at or after the
cut, in order (subsequence matching); one that matches a message the truth calls
unrecoverable is counted as extra (fine).
"""
import argparse
import datetime
import glob
import hashlib
import json
import os
import random
import signal
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "difftest"))
sys.path.insert(0, os.path.join(TESTS, "captures"))
from tsharkenv import CAPTURES, ROOT, make_tshark  # noqa: E402
import wsref  # noqa: E402
import wsrecover  # noqa: E402
from pcapgen import PcapWriter, checksum  # noqa: E402

SEP = "\x1f"
SKIP_PREFIXES = ("wss-", "edge-", "seed")


# ---------------------------------------------------------------------------------------
# Reading a recording (pcapng or pcap, Ethernet, IPv4/IPv6, TCP)

class Pkt:
    __slots__ = ("t", "src", "dst", "sport", "dport", "seq", "ack", "flags", "win", "payload", "num", "d", "off")


def read_packets(path):
    """[(time, linktype, frame bytes)] of a pcapng or pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        ns = magic == 0xA1B23C4D
        link = struct.unpack_from("<I", data, 20)[0]
        pos = 24
        while pos + 16 <= len(data):
            s, us, cap, _ = struct.unpack_from("<IIII", data, pos)
            out.append((s + us / (1e9 if ns else 1e6), link, data[pos + 16:pos + 16 + cap]))
            pos += 16 + cap
        return out
    if magic != 0x0A0D0D0A:
        raise ValueError("%s: not pcap or pcapng" % path)
    pos = 0
    ifaces = []  # (linktype, ticks per second)
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        body = data[pos + 8:pos + blen - 4]
        if btype == 0x0A0D0D0A:
            if struct.unpack_from("<I", body, 0)[0] != 0x1A2B3C4D:
                raise ValueError("%s: big-endian pcapng not supported" % path)
            ifaces = []
        elif btype == 1:
            link = struct.unpack_from("<H", body, 0)[0]
            res = 10 ** 6
            o = 8
            while o + 4 <= len(body):
                code, ln = struct.unpack_from("<HH", body, o)
                if code == 0:
                    break
                if code == 9 and ln >= 1:
                    v = body[o + 4]
                    res = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                o += 4 + ((ln + 3) & ~3)
            ifaces.append((link, res))
        elif btype == 6:
            iface, hi, lo, cap, _ = struct.unpack_from("<IIIII", body, 0)
            link, res = ifaces[iface]
            out.append((((hi << 32) | lo) / res, link, body[20:20 + cap]))
        elif btype == 3:
            link, res = ifaces[0]
            out.append((0.0, link, body[4:]))
        pos += blen
    return out


def tcp_packets(path):
    """TCP packets of a recording, in capture order (num = 1-based frame number)."""
    pkts = []
    for num, (t, link, fr) in enumerate(read_packets(path), 1):
        if link == 1:
            if len(fr) < 14:
                continue
            et = struct.unpack_from("!H", fr, 12)[0]
            o = 14
            while et == 0x8100:
                et = struct.unpack_from("!H", fr, o + 2)[0]
                o += 4
        elif link == 113:  # Linux cooked
            et = struct.unpack_from("!H", fr, 14)[0]
            o = 16
        else:
            raise ValueError("%s: link type %d not supported" % (path, link))
        if et == 0x0800:
            ihl = (fr[o] & 0xF) * 4
            if fr[o + 9] != 6:
                continue
            tot = struct.unpack_from("!H", fr, o + 2)[0]
            src, dst = fr[o + 12:o + 16], fr[o + 16:o + 20]
            end = o + tot
            o += ihl
        elif et == 0x86DD:
            if fr[o + 6] != 6:
                continue
            plen = struct.unpack_from("!H", fr, o + 4)[0]
            src, dst = fr[o + 8:o + 24], fr[o + 24:o + 40]
            end = o + 40 + plen
            o += 40
        else:
            continue
        p = Pkt()
        p.t = t
        p.num = num
        p.src, p.dst = bytes(src), bytes(dst)
        p.sport, p.dport, p.seq, p.ack, off, p.flags, p.win = struct.unpack_from("!HHIIBBH", fr, o)
        p.payload = bytes(fr[o + (off >> 4) * 4:end])
        pkts.append(p)
    return pkts


# ---------------------------------------------------------------------------------------
# The recording as byte streams, frames and messages

class Recording:
    def __init__(self, pcap, truth_path):
        with open(truth_path, encoding="utf-8") as f:
            self.truth = json.load(f)
        self.name = self.truth.get("name") or os.path.basename(pcap).rsplit(".", 1)[0]
        self.path = pcap
        self.port = self.truth["port"]
        ext = (self.truth.get("extensions") or "").replace(" ", "").split(";")
        self.deflate = "permessage-deflate" in ext
        self.takeover = {"c2s": "client_no_context_takeover" not in ext, "s2c": "server_no_context_takeover" not in ext}
        pkts = [p for p in tcp_packets(pcap) if self.port in (p.sport, p.dport)]
        # The connection: the first one with the server port (recordings have one).
        first = pkts[0]
        key = {(first.src, first.sport, first.dst, first.dport), (first.dst, first.dport, first.src, first.sport)}
        self.pkts = [p for p in pkts if (p.src, p.sport, p.dst, p.dport) in key]
        isn = {}
        for p in self.pkts:
            p.d = "s2c" if p.sport == self.port else "c2s"
            if p.d not in isn:
                isn[p.d] = p.seq + 1 if p.flags & 0x02 else p.seq
            p.off = (p.seq - isn[p.d]) & 0xFFFFFFFF
        self.stream = {}
        for d in ("c2s", "s2c"):
            buf = bytearray()
            for p in self.pkts:
                if p.d == d and p.payload:
                    end = p.off + len(p.payload)
                    if end > len(buf):
                        buf.extend(b"\0" * (end - len(buf)))
                    buf[p.off:end] = p.payload
            self.stream[d] = bytes(buf)
        req_end = self.stream["c2s"].find(b"\r\n\r\n")
        resp = self.stream["s2c"]
        if not resp.startswith(b"HTTP/1.1 101") or req_end < 0:
            raise ValueError("%s: no HTTP Upgrade / 101 at the start" % self.name)
        self.ws_start = {"c2s": req_end + 4, "s2c": resp.find(b"\r\n\r\n") + 4}
        # The packet that completes the 101: cuts are in packets after it.
        self.after_101 = next(i for i, p in enumerate(self.pkts)
                              if p.d == "s2c" and p.payload and p.off + len(p.payload) >= self.ws_start["s2c"]) + 1
        self.frames = {}
        self.messages = {}
        for d in ("c2s", "s2c"):
            frames, left = wsref.parse_frames(self.stream[d], self.ws_start[d])
            self.frames[d] = frames
            self.messages[d] = self._messages(d, frames)
        self._check_truth()
        self.frame_starts = {d: set(f.start for f in self.frames[d]) for d in self.frames}

    def _messages(self, d, frames):
        """[dict(op, start, end, compressed, comp, sha)] in wire order (control frames are
        messages), decompressed with the whole history (zlib)."""
        out = []
        inflater = zlib.decompressobj(-15)
        for op, rsv1, fs, payload in wsref.assemble_messages(frames):
            m = {"op": op, "start": fs[0].start, "end": fs[-1].end, "compressed": bool(rsv1 and self.deflate),
                 "comp": payload, "ranges": [(f.start, f.end) for f in fs]}
            if m["compressed"]:
                if not self.takeover[d]:
                    inflater = zlib.decompressobj(-15)
                payload = inflater.decompress(payload + wsref.SYNC_TAIL)
            m["sha"] = hashlib.sha256(payload).hexdigest()
            m["len"] = len(payload)
            out.append(m)
        return out

    def _check_truth(self):
        for d in ("c2s", "s2c"):
            want = [(m["opcode"], m["sha256"]) for m in self.truth["messages"] if m["dir"] == d]
            got = [(m["op"], m["sha"]) for m in self.messages[d]]
            if want != got:
                raise ValueError("%s %s: frames parsed from the capture do not give the truth's messages "
                                 "(%d vs %d)" % (self.name, d, len(got), len(want)))

    def data_segments(self):
        """Indexes into self.pkts of the data segments after the 101."""
        return [i for i in range(self.after_101, len(self.pkts)) if self.pkts[i].payload]


# ---------------------------------------------------------------------------------------
# Cuts

class Cut:
    def __init__(self, kind, first, k=0):
        self.kind, self.first, self.k = kind, first, k
        self.pkts = []  # (Pkt, payload, seq) of the cut capture
        self.covered = {"c2s": [], "s2c": []}  # byte intervals of each direction in the capture
        self.cut_at = {}  # first byte of each direction in the capture

    def label(self):
        return "%s:%d:%d" % (self.kind, self.num, self.k)


def make_cuts(rec, boundaries, inside, seed):
    segs = rec.data_segments()
    cuts = [Cut("boundary", i) for i in segs[:boundaries]]
    rng = random.Random("%s/%s" % (seed, rec.name))
    mid_frame = [i for i in segs if rec.pkts[i].off not in rec.frame_starts[rec.pkts[i].d]
                 and rec.pkts[i].off >= rec.ws_start[rec.pkts[i].d]]
    seen = set()
    tries = 0
    while len(seen) < inside and tries < inside * 50 and segs:
        tries += 1
        if mid_frame and rng.random() < 0.3:
            i, k = rng.choice(mid_frame), 0
        else:
            i = rng.choice(segs)
            p = rec.pkts[i]
            if len(p.payload) < 2:
                continue
            k = rng.randrange(1, len(p.payload))
            pos = p.off + k
            if pos in rec.frame_starts[p.d] or pos < rec.ws_start[p.d]:
                continue
        if (i, k) in seen:
            continue
        seen.add((i, k))
        cuts.append(Cut("inside", i, k))
    return cuts


def fill_cut(rec, cut, max_segs, max_bytes):
    nseg = 0
    nbytes = 0
    for i in range(cut.first, len(rec.pkts)):
        p = rec.pkts[i]
        payload, seq, off = p.payload, p.seq, p.off
        if i == cut.first and cut.k:
            payload, seq, off = payload[cut.k:], (seq + cut.k) & 0xFFFFFFFF, off + cut.k
        if payload:
            if nseg >= max_segs or (nbytes + len(payload) > max_bytes and nseg > 0):
                break
            nseg += 1
            nbytes += len(payload)
            cut.covered[p.d].append((off, off + len(payload)))
        cut.pkts.append((p, payload, seq))
    for d in ("c2s", "s2c"):
        iv = sorted(cut.covered[d])
        merged = []
        for a, b in iv:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        cut.covered[d] = merged
        cut.cut_at[d] = merged[0][0] if merged else None


def _inside(merged, a, b):
    for x, y in merged:
        if x <= a and b <= y:
            return True
    return False


def recoverable(rec, cut):
    """Per direction: [(message index, recoverable)] of the messages from the first one
    that starts at or after the cut; also sets cut.first_msg[d]."""
    cut.first_msg = {}
    out = {}
    for d in ("c2s", "s2c"):
        msgs = rec.messages[d]
        c = cut.cut_at[d]
        res = []
        if c is None:
            cut.first_msg[d] = len(msgs)
            out[d] = res
            continue
        first = next((j for j, m in enumerate(msgs) if m["start"] >= c), len(msgs))
        cut.first_msg[d] = first
        inflater = None
        known = False
        for j in range(first, len(msgs)):
            m = msgs[j]
            if m["start"] < c:
                # Messages are in completion order: a fragmented message that began before
                # the cut can complete after a control frame that follows the cut. Not in the
                # capture, and the inflater starts (unknown window) after it anyway.
                res.append((j, False))
                continue
            whole = all(_inside(cut.covered[d], a, b) for a, b in m["ranges"])
            ok = whole
            if m["compressed"] and rec.takeover[d]:
                if not whole:
                    # A later message's history would depend on this one's missing bytes.
                    known = False
                    inflater = "broken"
                elif inflater == "broken":
                    ok = False
                elif known:
                    ok = True
                else:
                    if inflater is None:
                        inflater = wsref.Inflater(None)
                    try:
                        vals = wsref.pmd_decompress(inflater, m["comp"])
                        ok = wsref.UNKNOWN not in vals
                        if ok and bytes(vals) != b"" and hashlib.sha256(bytes(vals)).hexdigest() != m["sha"]:
                            raise AssertionError("%s: reference inflater disagrees with zlib" % rec.name)
                        if inflater.window_all_known():
                            known = True
                    except wsref.DeflateError:
                        ok = False
                        inflater = "broken"
            res.append((j, ok))
        out[d] = res
    return out


def write_cuts(rec, cuts, path):
    with PcapWriter(path) as w:
        t0 = 1700000000.0
        for n, cut in enumerate(cuts):
            a, b = 1 + n // 256, n % 256
            caddr, saddr = bytes([10, a, b, 1]), bytes([10, a, b, 2])
            base = cut.pkts[0][0].t if cut.pkts else 0
            for ident, (p, payload, seq) in enumerate(cut.pkts):
                src, dst = (saddr, caddr) if p.d == "s2c" else (caddr, saddr)
                tcp = struct.pack("!HHIIBBHHH", p.sport, p.dport, seq, p.ack, 5 << 4, p.flags & 0x3F, p.win, 0, 0)
                pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
                tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), ident & 0xFFFF, 0x4000, 64,
                                 6, 0, src, dst)
                ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
                eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
                w.add(t0 + (p.t - base), eth + ip + tcp + payload)
            t0 += 100.0


# ---------------------------------------------------------------------------------------
# What the plugin presents, per TCP conversation (the rule of wsrecover.recover_messages)

FIELDS = ["tcp.stream", "frame.number", "tcp.srcport"] + wsrecover.MESSAGE_FIELDS


def presented(rows, server_port):
    """{stream: {"c2s"/"s2c": [(opcode, bytes, frame number)]}}"""
    out = {}
    for row in rows:
        stream, num, srcport = row[:3]
        opcodes, mops, cont, cpays = row[3], row[8], row[12], row[14]
        if not opcodes and not (cont and (mops or cpays)):
            continue
        d = "s2c" if int(srcport) == server_port else "c2s"
        got = out.setdefault(int(stream), {"c2s": [], "s2c": []})[d]
        try:
            msgs = wsrecover.row_messages(*row[3:])
        except AssertionError as e:
            raise AssertionError("stream %s frame %s: %s" % (stream, num, e))
        got += [(op, body, int(num)) for op, body in msgs]
    return out


def score(rec, cut, rec_flags, pres):
    """Counts for one cut; wrong = [(dir, opcode, len, frame number, note)]."""
    r = {"recoverable": 0, "recovered": 0, "extra": 0, "wrong": [], "missed": [], "late": 0}
    for d in ("c2s", "s2c"):
        msgs = rec.messages[d]
        flags = dict(rec_flags[d])
        r["recoverable"] += sum(1 for ok in flags.values() if ok)
        j = cut.first_msg[d]
        for op, body, num in pres.get(d, []):
            h = hashlib.sha256(body).hexdigest()
            t = next((x for x in range(j, len(msgs)) if msgs[x]["op"] == op and msgs[x]["sha"] == h), None)
            if t is None:
                before = any(m["op"] == op and m["sha"] == h for m in msgs)
                r["wrong"].append((d, op, len(body), num, "matches an earlier message (out of order)" if before
                                   else "not a message of this side", body[:24].hex()))
                continue
            j = t + 1
            if flags.get(t):
                r["recovered"] += 1
                flags[t] = "done"
            else:
                r["extra"] += 1
        done = [t for t, ok in flags.items() if ok == "done"]
        for t, ok in flags.items():
            if ok is True:
                if done and t > min(done):
                    r["late"] += 1
                m = msgs[t]
                r["missed"].append((d, t, m["op"], m["len"], m["compressed"], len(m["ranges"])))
    return r


# ---------------------------------------------------------------------------------------

def find_recordings(globs):
    out = []
    for g in globs:
        for truth in sorted(glob.glob(g)):
            base = os.path.basename(truth)[:-len(".truth.json")]
            if base.startswith(SKIP_PREFIXES):
                continue
            pcap = truth[:-len(".truth.json")] + ".pcapng"
            if os.path.exists(pcap) and truth not in [t for t, _ in out]:
                out.append((truth, pcap))
    return out


def run_recording(ts, truth, pcap, args, log=print):
    rec = Recording(pcap, truth)
    if getattr(args, "only", None):
        # Given cuts: (kind, original frame number of the first packet, bytes dropped from it).
        by_num = {p.num: i for i, p in enumerate(rec.pkts)}
        cuts = [Cut(kind, by_num[num], k) for kind, num, k in args.only]
    else:
        cuts = make_cuts(rec, args.boundaries, args.inside, args.seed)
    for c in cuts:
        c.num = rec.pkts[c.first].num
        fill_cut(rec, c, args.window_segments, args.window_bytes)
    flags = [recoverable(rec, c) for c in cuts]
    out_pcap = os.path.join(ts.workdir, "captures", "cuts-%s.pcap" % rec.name)
    os.makedirs(os.path.dirname(out_pcap), exist_ok=True)
    write_cuts(rec, cuts, out_pcap)
    os.chmod(out_pcap, 0o644)
    res = {"recording": os.path.relpath(pcap, CAPTURES), "cuts": len(cuts), "passes": {}}
    for passes in (1, 2):
        extra = ["-2"] if passes == 2 else []
        rows = ts.fields(out_pcap, FIELDS, extra=extra, occurrence_sep=SEP)
        pres = presented(rows, rec.port)
        # tcp.stream numbers follow the order of the conversations in the file.
        kinds = {}
        for n, cut in enumerate(cuts):
            s = score(rec, cut, flags[n], pres.get(n, {}))
            k = kinds.setdefault(cut.kind, {"cuts": 0, "recoverable": 0, "recovered": 0, "extra": 0, "wrong": 0,
                                            "late": 0, "wrong_list": [], "missed_list": []})
            if s["missed"]:
                k["missed_list"].append({"cut": n, "label": cut.label(), "orig_first_packet": rec.pkts[cut.first].num,
                                         "missed": [{"dir": d, "index": t, "opcode": op, "len": ln,
                                                     "compressed": c, "frames": nf}
                                                    for d, t, op, ln, c, nf in s["missed"]]})
            k["cuts"] += 1
            for f in ("recoverable", "recovered", "extra", "late"):
                k[f] += s[f]
            k["wrong"] += len(s["wrong"])
            for w in s["wrong"]:
                k["wrong_list"].append({"cut": n, "label": cut.label(), "stream": n, "dir": w[0], "opcode": w[1],
                                        "len": w[2], "frame": w[3], "note": w[4], "head": w[5],
                                        "orig_first_packet": rec.pkts[cut.first].num})
        res["passes"][passes] = kinds
        for kind, k in kinds.items():
            log("  %-28s %d-pass %-8s cuts %4d recoverable %6d recovered %6d (%5.1f%%) late-missed %d wrong %d extra %d" % (
                rec.name, passes, kind, k["cuts"], k["recoverable"], k["recovered"], pct(k), k["late"], k["wrong"],
                k["extra"]))
    if not args.keep:
        os.unlink(out_pcap)
    else:
        res["pcap"] = out_pcap
        log("  kept %s (conversation i = cut i = tcp.stream i)" % out_pcap)
    return res


def pct(k):
    return 100.0 * k["recovered"] / k["recoverable"] if k["recoverable"] else 100.0


def markdown(results, cmd, date, plugin):
    lines = ["| recording | kind | cuts | recoverable | 1-pass recovered | % | late | wrong | extra | "
             "2-pass recovered | % | late | wrong | extra |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    tot = {}
    for r in results:
        for kind in ("boundary", "inside"):
            a = r["passes"][1].get(kind)
            b = r["passes"][2].get(kind)
            if not a:
                continue
            lines.append("| %s | %s | %d | %d | %d | %.1f | %d | %d | %d | %d | %.1f | %d | %d | %d |" % (
                r["recording"], kind, a["cuts"], a["recoverable"], a["recovered"], pct(a), a["late"], a["wrong"],
                a["extra"], b["recovered"], pct(b), b["late"], b["wrong"], b["extra"]))
            for p, k in ((1, a), (2, b)):
                t = tot.setdefault((kind, p), {"cuts": 0, "recoverable": 0, "recovered": 0, "late": 0, "wrong": 0,
                                               "extra": 0})
                for f in t:
                    t[f] += k[f]
    for kind in ("boundary", "inside"):
        if (kind, 1) in tot:
            a, b = tot[(kind, 1)], tot[(kind, 2)]
            lines.append("| **all** | %s | %d | %d | %d | %.1f | %d | %d | %d | %d | %.1f | %d | %d | %d |" % (
                kind, a["cuts"], a["recoverable"], a["recovered"], pct(a), a["late"], a["wrong"], a["extra"],
                b["recovered"], pct(b), b["late"], b["wrong"], b["extra"]))
    wrong = []
    for r in results:
        for p in (1, 2):
            for kind, k in r["passes"][p].items():
                for w in k["wrong_list"]:
                    wrong.append("- %s, %d-pass, cut %d (--cut %s, original packet %d), tcp.stream %d, %s frame %d: "
                                 "opcode %d len %d (%s), starts %s" % (
                                     r["recording"], p, w["cut"], w["label"], w["orig_first_packet"], w["stream"],
                                     w["dir"], w["frame"], w["opcode"], w["len"], w["note"], w["head"]))
    head = ["Measured %s with `%s` (plugin %s)." % (date, cmd, plugin), ""]
    return "\n".join(head + lines + ["", "Wrong messages: %d" % len(wrong)] + wrong[:200]) + "\n", tot, wrong


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plugin", default=os.path.join(ROOT, "build", "plugin", "ws.so"))
    ap.add_argument("--recordings", action="append",
                    help="glob of truth files (default test-captures/*.truth.json and impls/*.truth.json)")
    ap.add_argument("--boundaries", type=int, default=200)
    ap.add_argument("--inside", type=int, default=50)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--window-segments", type=int, default=40)
    ap.add_argument("--window-bytes", type=int, default=262144)
    ap.add_argument("--out", help="markdown report")
    ap.add_argument("--json", help="json report")
    ap.add_argument("--cut", action="append", dest="only", type=lambda v: (v.split(":")[0], int(v.split(":")[1]),
                                                                           int(v.split(":")[2])),
                    help="only this cut, KIND:FRAME:K (the recording's frame number of the cut's first packet, "
                         "payload bytes dropped from it); repeatable; with one --recordings")
    ap.add_argument("--keep", action="store_true", help="keep the cut pcaps (in tshark's work folder, not removed)")
    args = ap.parse_args(argv)
    globs = args.recordings or [os.path.join(CAPTURES, "*.truth.json"), os.path.join(CAPTURES, "impls", "*.truth.json")]
    recs = find_recordings(globs)
    ts, cleanup = make_tshark(args.plugin)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))  # runs the cleanup below
    results = []
    try:
        for truth, pcap in recs:
            results.append(run_recording(ts, truth, pcap, args))
    finally:
        if not args.keep:
            cleanup()
    cmd = "tests/bench/cuts.py " + " ".join(argv if argv is not None else sys.argv[1:])
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md, tot, wrong = markdown(results, cmd, date, args.plugin)
    print(md)
    if args.out:
        with open(args.out, "w") as f:
            f.write(md)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"command": cmd, "date": date, "results": results}, f, indent=1)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
