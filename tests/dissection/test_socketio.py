# SPDX-License-Identifier: GPL-2.0-or-later
"""Socket.IO / Engine.IO (plugin/socketio.c) against real recordings of npm socket.io 4
(tests/captures/peers/sio/sio_peer.js: namespaces, acks, binary events and acks with one
and two attachments, an escaped event name, a refused namespace, ping/pong, and the
plan's events "m"). What each side sent comes from the truth file (sha256 of every
message, its bytes up to 512); the expected Socket.IO packet of each is worked out here
by a small parser of the grammar of our own, never from the plugin's output. With and
without the handshake, one pass and two. Then the display filter on events, Decode
As, and the negative test: no other recording has a single socketio packet."""
import glob
import hashlib
import json
import os
import re

import pytest

from conftest import CAPTURES
from wsrecover import load_truth

SIO = ["impls/sio-sio", "impls/sio-sio-deflate"]
FORMS = [("", ()), ("-nohs", ())]
PASSES = [(), ("-2",)]


# ---- the grammar, independently: socket.io-parser 4 / engine.io-parser 5 ----

def parse_packet(text):
    """The Engine.IO / Socket.IO packet of one text message, as a dict."""
    eio = int(text[0])
    p = {"eio": eio}
    if eio != 4:
        return p
    d = text[1:]
    p["type"] = int(d[0])
    i = 1
    if p["type"] in (5, 6):
        j = d.index("-", i)
        p["attachments"] = int(d[i:j])
        i = j + 1
    p["ns"] = "/"
    if d[i:i + 1] == "/":
        j = d.find(",", i)
        p["ns"] = d[i:j] if j >= 0 else d[i:]
        i = j + 1 if j >= 0 else len(d)
    m = re.match(r"[0-9]+", d[i:])
    if m:
        p["ack"] = int(m.group(0))
        i += len(m.group(0))
    p["json"] = d[i:]
    data = json.loads(d[i:]) if d[i:] else None
    if p["type"] in (2, 5) and isinstance(data[0], str):
        p["event"] = data[0]
    p["data"] = data
    return p


def test_own_parser():
    assert parse_packet('452-/up,3["f",{"_placeholder":true,"num":0}]') == {
        "eio": 4, "type": 5, "attachments": 2, "ns": "/up", "ack": 3, "event": "f",
        "json": '["f",{"_placeholder":true,"num":0}]', "data": ["f", {"_placeholder": True, "num": 0}]}
    assert parse_packet("40") == {"eio": 4, "type": 0, "ns": "/", "json": "", "data": None}
    assert parse_packet("2") == {"eio": 2}


# ---- what tshark shows ----

def delivered(tshark, name, extra):
    """Per direction, in order: every data message the ws plugin handed on (its bytes from
    ws.message.text / ws.message.payload, -T json: exact), with the packet's socketio
    layer (None if it has none) and json layer."""
    truth = load_truth(name.split("-nohs")[0] + ".truth.json")
    proc = tshark.run(["-r", tshark.capture(name + ".pcapng"), "-T", "json", "--no-duplicate-keys"] + list(extra))
    out = {"c2s": [], "s2c": []}
    for packet in json.loads(proc.stdout.decode("utf-8")):
        layers = packet["_source"]["layers"]
        ws = layers.get("ws")
        if ws is None:
            continue
        if isinstance(ws, list):  # (none of these recordings has two frames in a packet)
            raise AssertionError("packet %s: %d ws layers" % (layers["frame"]["frame.number"], len(ws)))
        d = "s2c" if int(layers["tcp"]["tcp.srcport"]) == truth["port"] else "c2s"
        if isinstance(ws.get("ws.message"), dict):
            ws = dict(ws, **ws["ws.message"])  # reassembled or decompressed: the Message subtree
        if "ws.message.text" in ws:
            data = ws["ws.message.text"].encode("utf-8")
        elif ws.get("ws.message.opcode") == "2":
            data = bytes.fromhex(ws.get("ws.message.payload", "").replace(":", ""))
        else:
            continue  # no data message completes in this packet
        sio = layers.get("socketio")
        assert not isinstance(sio, list)
        out[d].append({"frame": int(layers["frame"]["frame.number"]), "opcode": int(ws["ws.message.opcode"]),
                       "data": data, "sio": sio, "json": layers.get("json")})
    return truth, out


def expected_messages(truth, d):
    """The data messages of direction d as sent, each with what it is: a packet (parsed
    here) or attachment k of n of the binary packet before it (empty ones included)."""
    res, pending = [], None
    for m in truth["messages"]:
        if m["dir"] != d or m["opcode"] not in (1, 2):
            continue
        e = {"len": m["len"], "sha256": m["sha256"], "opcode": m["opcode"], "hex": m.get("hex")}
        if m["opcode"] == 2:
            assert pending and pending["left"], "binary message no packet announced"
            e["attachment"] = (pending["n"] - pending["left"], pending["n"], pending["packet"])
            pending["left"] -= 1
        else:
            pending = None
        res.append(e)
        if m["opcode"] == 1 and m.get("hex") is not None and m["len"] <= 512:
            e["packet"] = parse_packet(bytes.fromhex(m["hex"]).decode("utf-8"))
            if e["packet"].get("attachments"):
                pending = {"n": e["packet"]["attachments"], "left": e["packet"]["attachments"], "packet": e}
    return res


def align(truth, got, d):
    """Pairs each delivered message with its truth entry (by sha256, in order). Skipped
    truth messages: without the handshake, what came before the ws plugin found the
    conversation; nothing after the first one delivered (empty messages included)."""
    want = expected_messages(truth, d)
    pairs, k = [], 0
    for g in got[d]:
        sha = hashlib.sha256(g["data"]).hexdigest()
        start = k
        while want[k]["sha256"] != sha:
            k += 1
        assert k == start or not pairs, ("message lost", d, g["frame"])
        if want[k].get("packet") is None and want[k]["opcode"] == 1:
            want[k]["packet"] = parse_packet(g["data"].decode("utf-8"))  # long text: bytes proven by sha256
        pairs.append((want[k], g))
        k += 1
    return pairs


def json_strings(layer):
    out = []
    if isinstance(layer, dict):
        for k, v in layer.items():
            if k == "json.value.string":
                out += v if isinstance(v, list) else [v]
            else:
                out += json_strings(v)
    elif isinstance(layer, list):
        for v in layer:
            out += json_strings(v)
    return out


@pytest.mark.parametrize("passes", PASSES, ids=["1pass", "2pass"])
@pytest.mark.parametrize("form", ["", "-nohs"], ids=["whole", "nohs"])
@pytest.mark.parametrize("name", SIO)
def test_every_packet_as_sent(tshark, name, form, passes):
    truth, got = delivered(tshark, name + form, passes)
    counts = {"packets": 0, "events": 0, "attachments": 0, "empty": 0}
    for d in ("c2s", "s2c"):
        pairs = align(truth, got, d)
        assert len(pairs) >= len([m for m in truth["messages"] if m["dir"] == d and m["opcode"] in (1, 2)]) - 1
        frame_of = {}
        for want, g in pairs:
            sio = g["sio"]
            assert sio is not None, ("not decoded as socketio", d, g["frame"])
            frame_of[id(want)] = g["frame"]
            if "attachment" in want:
                k, n, packet = want["attachment"]
                tree = sio["socketio.attachment_tree"]
                assert (int(tree["socketio.attachment.num"]), int(tree["socketio.attachment.count"])) == (k, n)
                assert int(tree["socketio.attachment.packet"]) == frame_of[id(packet)]
                if "event" in packet["packet"]:
                    assert tree["socketio.attachment.event"] == packet["packet"]["event"]
                assert "socketio.eio_type" not in sio
                counts["attachments"] += 1
                counts["empty"] += g["data"] == b""
                continue
            p = want["packet"]
            counts["packets"] += 1
            assert int(sio["socketio.eio_type"]) == p["eio"], g["frame"]
            if p["eio"] != 4:
                assert "socketio.type" not in sio
                continue
            assert int(sio["socketio.type"]) == p["type"], g["frame"]
            assert sio["socketio.namespace"] == p["ns"]
            assert sio.get("socketio.ack_id") == (str(p["ack"]) if "ack" in p else None), g["frame"]
            assert sio.get("socketio.event") == p.get("event"), g["frame"]
            assert sio.get("socketio.attachments") == (str(p["attachments"]) if "attachments" in p else None)
            if p["json"]:
                # The JSON arguments went to Wireshark's JSON dissector.
                assert g["json"] is not None, g["frame"]
                strings = json_strings(g["json"])
                if "event" in p and "\\" not in p["json"]:
                    assert strings[0] == p["event"]
                    assert [s for s in p["data"] if isinstance(s, str)] == strings[:len(
                        [s for s in p["data"] if isinstance(s, str)])]
            else:
                assert g["json"] is None
            if "event" in p:
                counts["events"] += 1
            if p.get("attachments") and passes:
                # Two passes: the packet points to each of its attachments, the empty ones too.
                atts = [a for a in pairs if a[0].get("attachment", (0, 0, None))[2] is want]
                links = sio.get("socketio.attachment_in")
                links = [] if links is None else links if isinstance(links, list) else [links]
                assert len(atts) == p["attachments"]
                assert [int(x) for x in links] == [a[1]["frame"] for a in atts]
            assert "were not seen" not in json.dumps(sio), g["frame"]
    # sio_peer.js sends two empty attachments each way (the plan's empty binary events).
    assert counts["events"] > 40 and counts["attachments"] >= 20 and counts["packets"] > 60, counts
    assert counts["empty"] == sum(1 for m in truth["messages"] if m["opcode"] == 2 and m["len"] == 0) > 0, counts


@pytest.mark.parametrize("passes", PASSES, ids=["1pass", "2pass"])
@pytest.mark.parametrize("form", ["", "-nohs"], ids=["whole", "nohs"])
@pytest.mark.parametrize("name", SIO)
def test_event_filter_exact(tshark, name, form, passes):
    """-Y 'socketio.event == "m"' gives exactly the packets of the events "m" (not their
    attachments); the same for "hello" in namespace /chat and the escaped name."""
    truth, got = delivered(tshark, name + form, passes)
    want = {"m": set(), "hello": set(), 'caf\u00e9 "q"\t\\': set()}
    for d in ("c2s", "s2c"):
        for w, g in align(truth, got, d):
            ev = w.get("packet", {}).get("event")
            if ev in want:
                want[ev].add(g["frame"])
    assert len(want["m"]) > 40 and len(want["hello"]) == 1 and len(want['caf\u00e9 "q"\t\\']) == 1
    for ev, frames in want.items():
        flt = 'socketio.event == "%s"' % ev.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
        rows = tshark.fields(name + form + ".pcapng", ["frame.number"], extra=list(passes) + ["-Y", flt])
        assert {int(r[0]) for r in rows} == frames, ev
    rows = tshark.fields(name + form + ".pcapng", ["frame.number"],
                         extra=list(passes) + ["-Y", 'socketio.namespace == "/private" && socketio.type == 4'])
    assert len(rows) == 1


@pytest.mark.parametrize("form", ["", "-nohs"], ids=["whole", "nohs"])
@pytest.mark.parametrize("name", SIO)
def test_decode_as(tshark, name, form):
    """-d ws.tcp.port==PORT,socketio with the heuristic off: the same packets, every
    message of the conversation from its first (no "recognised in"). Without the
    handshake, Decode As on the port also lets the ws plugin decode messages from the
    start that its heuristic found only later: a superset then."""
    truth = load_truth(name + ".truth.json")
    path = name + form + ".pcapng"
    heur = tshark.fields(path, ["frame.number", "socketio.type", "socketio.event", "socketio.attachment.num"],
                         extra=["-2", "-Y", "socketio"])
    da = tshark.fields(path, ["frame.number", "socketio.type", "socketio.event", "socketio.attachment.num",
                              "socketio.recognised_in"],
                       extra=["-2", "--disable-heuristic", "socketio_ws", "-d",
                              "ws.tcp.port==%d,socketio" % truth["port"], "-Y", "socketio"])
    if form:
        assert [r for r in (r[:4] for r in da) if r in heur] == heur and len(heur) > 80
    else:
        assert [r[:4] for r in da] == heur and len(heur) > 80
    assert all(r[4] == "" for r in da)
    off = tshark.fields(path, ["frame.number"], extra=["-2", "--disable-heuristic", "socketio_ws", "-Y", "socketio"])
    assert off == []


def test_decode_as_on_other_traffic_is_malformed_not_a_crash(tshark):
    """Forced onto a conversation that is not Engine.IO: every message is flagged, none
    made into a packet it is not."""
    rows = tshark.fields("py-py-nohs.pcapng", ["frame.number", "socketio.eio_type", "_ws.expert.message"],
                         extra=["-2", "-d", "ws.tcp.port==47101,socketio", "-Y", "socketio"])
    assert rows
    assert all("Not a Socket.IO packet" in r[2] or r[1] != "" for r in rows)


def _others():
    caps = sorted(glob.glob(os.path.join(CAPTURES, "*.pcap*")) + glob.glob(os.path.join(CAPTURES, "impls", "*.pcap*"))
                  + glob.glob(os.path.join(CAPTURES, "negatives", "*.pcap*")))
    return [os.path.relpath(c, CAPTURES) for c in caps if not os.path.basename(c).startswith("sio-")]


@pytest.mark.parametrize("capture", _others())
def test_never_claims_other_traffic(tshark, capture):
    """No packet of any other recording (random text and binary messages of the plans,
    JSON, other protocols) is Socket.IO, in one pass or two."""
    for passes in ([], ["-2"]):
        assert tshark.fields(capture, ["frame.number"], extra=passes + ["-Y", "socketio"]) == [], passes


def test_fields_documented(tshark):
    from conftest import ROOT
    with open(os.path.join(ROOT, "docs", "fields.md"), encoding="utf-8") as f:
        fields_doc = f.read()
    with open(os.path.join(ROOT, "docs", "socketio.md"), encoding="utf-8") as f:
        sio_doc = f.read()
    lines = tshark.run(["-G", "fields"]).stdout.decode().splitlines()
    names = [l.split("\t")[2] for l in lines if l.count("\t") >= 4 and l.split("\t")[4] == "socketio"]
    assert len(names) >= 15
    assert [n for n in names if "`%s`" % n not in fields_doc] == []
    assert "fields.md" in sio_doc  # socketio.md points to the table


def test_every_field_shows(tshark):
    """Each socketio field and expert info shows on the two recordings (two passes), the
    malformed one under Decode As on other traffic, attachments_missing through the
    built-in WebSocket dissector. Not socketio.eio_data: ping and
    pong carry data ("probe") only when a connection upgrades from long-polling, which
    the recordings (websocket transport only) never do; the unit tests parse it."""
    lines = tshark.run(["-G", "fields"]).stdout.decode().splitlines()
    names = {l.split("\t")[2] for l in lines if l.count("\t") >= 4 and l.split("\t")[4] == "socketio"}
    runs = [[tshark.capture(n + ".pcapng")] for n in SIO]
    runs.append([tshark.capture("py-py-nohs.pcapng"), "-d", "ws.tcp.port==47101,socketio"])
    # Attachments not seen: through the built-in WebSocket dissector, which hands on no
    # empty message (the ws plugin hands Socket.IO its empty attachments).
    runs.append([tshark.capture("impls/sio-sio.pcapng"), "--disable-protocol", "ws"])
    seen = set()
    for run in runs:
        out = tshark.run(["-2", "-T", "pdml", "-r"] + run).stdout.decode("utf-8", "replace")
        seen |= set(re.findall(r'name="(socketio\.[^"]*)"', out))
    assert sorted(names - seen) == ["socketio.eio_data"]


# ---- what the ws plugin tells the dissector: text or binary, and empty messages ----

def _built_sio(src, dst):
    """A Socket.IO conversation on port 47192 with its HTTP Upgrade (so the built-in
    WebSocket dissector decodes it too): open, CONNECT, 10 events each way, then a
    BINARY_EVENT with 3 attachments: an empty one, one whose bytes are a Socket.IO
    EVENT ('42["fake",1]') and 4 plain bytes; an EVENT after them; a binary message
    from the server that no packet announced; 10 more events each way."""
    import base64
    import random
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "captures"))
    import pcapgen
    rng = random.Random(12)
    s = pcapgen.TcpStream(51200, 47192)
    key = base64.b64encode(bytes(16)).decode()
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    s.send("c", b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 10.0.0.2:47192\r\n"
                b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n" % key.encode())
    s.ack("s")
    s.send("s", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: %s\r\n\r\n" % accept)
    s.ack("c")

    def c(op, data):
        s.send("c", pcapgen.frame(op, data, mask=bytes(rng.getrandbits(8) for _ in range(4))))
        s.ack("s")

    def sv(op, data):
        s.send("s", pcapgen.frame(op, data))
        s.ack("c")
    sv(1, b'0{"sid":"a1b2c3","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')
    c(1, b"40")
    sv(1, b'40{"sid":"x9y8z7"}')
    for i in range(10):
        c(1, b'42["m",%d]' % i)
        sv(1, b'42["r",%d]' % i)
    c(1, b'453-["files",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},'
         b'{"_placeholder":true,"num":2}]')
    c(2, b"")
    c(2, b'42["fake",1]')
    c(2, b"\x00\x01\x02\x03")
    c(1, b'42["after"]')
    sv(2, b'42["stray"]')
    for i in range(10):
        c(1, b'42["m",%d]' % (i + 10))
        sv(1, b'42["r",%d]' % (i + 10))
    s.close()
    s.write(dst)


def _sio_rows(tshark, extra):
    cap = tshark.derived("seed.pcapng@sio-built", _built_sio)
    return tshark.fields(cap, ["frame.number", "socketio.event", "socketio.attachment.num",
                               "socketio.attachment.packet", "socketio.attachment_in", "_ws.expert.message"],
                         extra=list(extra) + ["-Y", "socketio"])


@pytest.mark.parametrize("passes", PASSES, ids=["1pass", "2pass"])
def test_opcode_decides_attachments(tshark, passes):
    """Through the ws plugin the dissector knows text from binary and gets empty
    messages: the three binary messages after the BINARY_EVENT are its attachments 0, 1
    and 2 (the empty one and the one whose bytes read as an EVENT included), the EVENT
    after them is a packet with nothing missing, and the server's binary message that
    no packet announced is flagged, not made into the event "stray"."""
    rows = _sio_rows(tshark, passes)
    by_event = {r[1]: r for r in rows if r[1]}
    files = int(by_event["files"][0])
    atts = [r for r in rows if r[2] != ""]
    assert [(int(r[2]), int(r[3])) for r in atts] == [(0, files), (1, files), (2, files)]
    assert [int(r[0]) for r in atts] == sorted(int(r[0]) for r in atts) and int(atts[0][0]) > files
    assert "fake" not in by_event and "stray" not in by_event
    assert "after" in by_event and "not seen" not in by_event["after"][5]
    if passes:
        assert by_event["files"][4].split("\x1f") == [r[0] for r in atts]
    bad = [r for r in rows if "Not a Socket.IO packet" in r[5]]
    assert len(bad) == 1 and "a binary message that no packet announced" in bad[0][5]
    assert int(bad[0][0]) > int(by_event["after"][0])
    assert len([r for r in rows if r[1] in ("m", "r")]) == 40


def test_built_in_websocket_still_feeds_socketio(tshark):
    """With the ws plugin off, the built-in WebSocket dissector calls the "ws" list with
    neither the opcode nor empty messages (data NULL, as for every user of that list):
    the dissector falls back on the grammar, with the limits docs/socketio.md describes.
    The empty attachment is not seen; the binary message whose bytes read as an EVENT
    is taken for the next packet, the attachments before it for lost (flagged); the 4
    bytes after it are malformed, the server's binary "stray" is taken for an event."""
    rows = _sio_rows(tshark, ["-2", "--disable-protocol", "ws"])
    by_event = {r[1]: r for r in rows if r[1]}
    assert len([r for r in rows if r[1] in ("m", "r")]) == 40
    assert "3 of 3 attachments announced here were not seen" in by_event["files"][5]
    assert "were not seen before this packet" in by_event["fake"][5]
    assert [r[2] for r in rows if r[2] != ""] == []
    assert len([r for r in rows if "Not a Socket.IO packet" in r[5]]) == 1
    assert "stray" in by_event and "after" in by_event


def test_built_in_websocket_on_the_recording(tshark):
    """The recording through the built-in WebSocket dissector (ws plugin off): every
    non-empty message is a Socket.IO packet or attachment, as through the plugin (whose
    output has the empty attachments in addition)."""
    ours = tshark.fields("impls/sio-sio.pcapng", ["frame.number", "socketio.type", "socketio.event"],
                         extra=["-2", "-Y", "socketio && ws.message.length > 0"])
    builtin = tshark.fields("impls/sio-sio.pcapng", ["frame.number", "socketio.type", "socketio.event"],
                            extra=["-2", "--disable-protocol", "ws", "-Y", "socketio"])
    assert len(builtin) > 80 and builtin == ours
