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
        elif ws.get("ws.message.opcode") == "2" and "ws.message.payload" in ws:
            data = bytes.fromhex(ws["ws.message.payload"].replace(":", ""))
        else:
            data = b""
        if not data:
            # (Empty messages are never handed to message dissectors.)
            assert "socketio" not in layers, layers["frame"]["frame.number"]
            continue
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
    truth messages: only empty ones (never handed to dissectors) and, without the
    handshake, what came before the ws plugin found the conversation."""
    want = expected_messages(truth, d)
    pairs, k = [], 0
    for g in got[d]:
        sha = hashlib.sha256(g["data"]).hexdigest()
        start = k
        while want[k]["sha256"] != sha:
            k += 1
        for skipped in want[start:k]:
            assert skipped["len"] == 0 or not pairs, ("message lost", d, g["frame"])
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
    counts = {"packets": 0, "events": 0, "attachments": 0}
    for d in ("c2s", "s2c"):
        pairs = align(truth, got, d)
        assert len(pairs) >= len([m for m in truth["messages"] if m["dir"] == d and m["len"] and
                                  m["opcode"] in (1, 2)]) - 1
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
                # Two passes: the packet points to each attachment that was handed on.
                atts = [a for a in pairs if a[0].get("attachment", (0, 0, None))[2] is want]
                links = sio.get("socketio.attachment_in")
                links = [] if links is None else links if isinstance(links, list) else [links]
                assert [int(x) for x in links] == [a[1]["frame"] for a in atts]
                empty = p["attachments"] - len(atts)
                experts = json.dumps(sio)
                assert (("%d of %d attachments announced here were not seen" % (empty, p["attachments"]))
                        in experts) == (empty > 0)
    assert counts["events"] > 40 and counts["attachments"] >= 20 and counts["packets"] > 60, counts


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
    malformed one under Decode As on other traffic. Not socketio.eio_data: ping and
    pong carry data ("probe") only when a connection upgrades from long-polling, which
    the recordings (websocket transport only) never do; the unit tests parse it."""
    lines = tshark.run(["-G", "fields"]).stdout.decode().splitlines()
    names = {l.split("\t")[2] for l in lines if l.count("\t") >= 4 and l.split("\t")[4] == "socketio"}
    runs = [[tshark.capture(n + ".pcapng")] for n in SIO]
    runs.append([tshark.capture("py-py-nohs.pcapng"), "-d", "ws.tcp.port==47101,socketio"])
    seen = set()
    for run in runs:
        out = tshark.run(["-2", "-T", "pdml", "-r"] + run).stdout.decode("utf-8", "replace")
        seen |= set(re.findall(r'name="(socketio\.[^"]*)"', out))
    assert sorted(names - seen) == ["socketio.eio_data"]
