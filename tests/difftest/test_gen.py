# SPDX-License-Identifier: GPL-2.0-or-later
"""The generator and the checker checked without the plugin: the pcap gen.py writes,
read back with a TCP reassembly of our own, carries exactly the messages its truth
lists; check.compare finds planted wrong messages and accepts right ones."""
import hashlib
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import gen  # noqa: E402
import wsref  # noqa: E402


def _read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 24
    num = 0
    while pos < len(data):
        n = struct.unpack_from("<IIII", data, pos)[2]
        pkt = data[pos + 16:pos + 16 + n]
        pos += 16 + n
        num += 1
        yield num, pkt


def _streams(path):
    """{(conversation, dir): [(seq, payload)]} in capture order."""
    out = {}
    for num, pkt in _read_pcap(path):
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:]
        payload = tcp[(tcp[12] >> 4) * 4:]
        if not payload:
            continue
        conv, d = check.conv_of(".".join(str(b) for b in ip[12:16]))
        out.setdefault((conv, d), []).append((struct.unpack_from("!I", tcp, 4)[0], payload))
    return out


def test_pcap_carries_the_truth(tmp_path):
    pcap = str(tmp_path / "g.pcap")
    truth = gen.generate(pcap, 12345, 60)
    segs = _streams(pcap)
    checked = 0
    for c in truth["conversations"]:
        for d, dd in c["dirs"].items():
            if dd["cut"] or dd["lost"] or not dd["total"]:
                continue
            pieces = segs[(c["i"], d)]
            first = pieces[0][0]
            buf = bytearray(dd["total"])
            seen = [False] * dd["total"]
            for seq, p in pieces:  # the first copy of each byte wins
                off = (seq - first) & 0xFFFFFFFF
                for k, b in enumerate(p):
                    if not seen[off + k]:
                        buf[off + k] = b
                        seen[off + k] = True
            assert all(seen), (c["i"], d)
            frames, left = wsref.parse_frames(bytes(buf), dd["hs_len"])
            assert left == 0
            msgs = wsref.assemble_messages(frames)
            assert len(msgs) == len(dd["messages"])
            inf = zlib.decompressobj(-15)
            for (op, rsv1, fr, payload), m in zip(msgs, dd["messages"]):
                body = inf.decompress(payload + wsref.SYNC_TAIL) if rsv1 else payload
                if rsv1 and not dd["takeover"]:
                    inf = zlib.decompressobj(-15)
                assert op == m["opcode"] and bool(rsv1) == bool(m.get("compressed"))
                h = hashlib.sha256(body).hexdigest()
                assert h == m["sha256"] or h == m.get("alt"), (c["i"], d, m["n"])
                assert m["rec"]
                checked += 1
    assert checked > 300


def _truth(msgs):
    return {"conversations": [{"i": 0, "sport": 50000, "http": False, "deflate": False, "dirs": {"c2s": {
        "cut": 0, "cut_kind": "none", "total": 100, "lost": [], "retx": 0, "retx_diff": [], "takeover": True,
        "wbits": 15, "seg_mode": "small", "hs_len": 0, "messages": [
            {"n": n, "opcode": op, "len": len(b), "sha256": hashlib.sha256(b).hexdigest(), "rec": True,
             "frames": [[0, 1]], "pkts": [1]} for n, (op, b) in enumerate(msgs)]}}}]}


def test_compare_in_order_subsequence():
    sent = [(1, b"a"), (9, b"p"), (2, b"bb"), (1, b"c")]
    t = _truth(sent)
    # All of them, in order; the ping and the text of one packet in either order.
    pres = {(0, "c2s"): [(1, 1, b"a", ""), (2, 2, b"bb", ""), (2, 9, b"p", ""), (3, 1, b"c", "")]}
    r = check.compare(t, pres, {0: "0"})
    assert not r["wrong"] and r["recovered"] == 4
    # Skipping is fine (missed), going back or inventing is wrong.
    pres = {(0, "c2s"): [(1, 2, b"bb", ""), (2, 1, b"a", ""), (3, 1, b"zz", ""), (4, 1, b"c", "")]}
    r = check.compare(t, pres, {0: "0"})
    assert [w["pkt"] for w in r["wrong"]] == [2, 3] and r["recovered"] == 2 and len(r["missed"]) == 2
    # A frame shown with part of its payload never counts, even if the part matches.
    pres = {(0, "c2s"): [(1, 1, b"a", "truncated")]}
    r = check.compare(t, pres, {0: "0"})
    assert len(r["wrong"]) == 1 and r["wrong"][0]["kind"] == "truncated-frame"


def test_presented_from_fields():
    """-T fields rows to messages: a plain FIN frame is a message (its ws.message fields,
    which every complete message has, agree), a compressed one is taken from
    ws.message.*, a message that was not decoded gives nothing."""
    S = check.SEP
    rows = [
        ["1", "0", "10.1.0.1", "1234", "1" + S + "9", "1" + S + "1", "0" + S + "0", "6869" + S + "<MISSING>",
         "2" + S + "0", "1", "6869", "2", "1", ""],
        ["2", "0", "10.1.0.2", "80", "2" + S + "1", "1" + S + "1", "4" + S + "4", "aa" + S + "bb", "1" + S + "1",
         "2" + S + "1", "616263", "3", "1" + S + "0", ""],
    ]
    pres, streams, problems = check.presented(rows)
    assert not problems
    assert pres[(0, "c2s")] == [(1, 1, b"hi", ""), (1, 9, b"", "")]
    assert pres[(0, "s2c")] == [(2, 2, b"abc", "")]


def test_text_messages_are_utf8():
    """A sender's text is UTF-8 (RFC 6455 8.1), so the generator's must be too, also where it
    repeats part of an earlier message (binary, or cut inside a character): it once did not,
    and the plugin was counted as losing text messages it rightly refused as text."""
    import random
    rng = random.Random(6455)
    history = [bytes(range(256)), "naïve café – ünïcödé 😀".encode() * 20]
    for n in range(1, 400, 3):
        body = gen.make_text(rng, b"#0/c2s/0 ", n, history)
        body.decode("utf-8")
