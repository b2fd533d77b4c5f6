# SPDX-License-Identifier: GPL-2.0-or-later
"""MQTT over WebSocket (plugin/ws-sub-mqtt.c) on real recordings: python3-paho-mqtt against
mosquitto's websockets listener (tests/captures/record.py, rows mqtt-*; MQTT 3.1.1 on port
9001 at MTU 1500 with a 70000-byte PUBLISH over many segments, MQTT 5 on port 8083).
The truth is what the recorder parsed and checked against paho's and mosquitto's logs:
every MQTT packet of each direction. Here tshark's own mqtt dissector, reached through
the plugin, must show exactly those packets (type, topic, payload bytes) in the right
packets: with the handshake (subprotocol "mqtt"), without it (the client's CONNECT
recognised), in one pass and in two; Decode As; and no MQTT where there is none."""
import hashlib
import os
import subprocess

import pytest

from wsrecover import load_truth

NAMES = ["mqtt-paho-mosquitto", "mqtt5-paho-mosquitto"]
SEP = "\x1f"


def _truth(name):
    return load_truth(os.path.join("impls", name + ".truth.json"))


def _want(truth, nohs):
    """The MQTT packets in capture order: (packet, msgtype, topic, payload) (topic and
    payload for PUBLISH only; None otherwise)."""
    shift = truth["cut"] if nohs else 0
    out = [(e["packet"] - shift, e["msgtype"], e.get("topic"), bytes.fromhex(e["hex"]) if "hex" in e else None,
            e.get("sha256")) for e in truth["mqtt"]]
    return sorted(out, key=lambda e: e[0])


def _got(tshark, capture, extra=()):
    """What tshark shows: one (packet, msgtype, topic, payload, frame.protocols) per MQTT
    packet, from -T fields -e mqtt.msgtype -e mqtt.topic -e mqtt.msg."""
    rows = tshark.fields(capture, ["frame.number", "mqtt.msgtype", "mqtt.topic", "mqtt.msg", "frame.protocols"],
                         extra=list(extra) + ["-Y", "mqtt"])
    out = []
    for num, types, topic, msg, protos in rows:
        types = types.split(SEP)
        # every recorded WebSocket message is one MQTT packet, in a TCP packet of its own
        assert len(types) == 1, (num, types)
        typ = int(types[0])
        payload = bytes.fromhex(msg.replace(":", "")) if typ == 3 else None
        out.append((int(num), typ, topic if typ == 3 else None, payload, protos))
    return out


def _same(got, want):
    """got (from tshark) against want (the truth), packet by packet."""
    assert [g[:3] for g in got] == [w[:3] for w in want]
    for g, w in zip(got, want):
        if w[3] is not None:
            assert g[3] == w[3], g[0]
        elif w[1] == 3:
            assert hashlib.sha256(g[3]).hexdigest() == w[4], g[0]
        # ours: the message the plugin decoded, handed to mqtt (not TCP's own mqtt)
        assert g[4].endswith(":ws:mqtt"), g


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("passes", [(), ("-2",)], ids=["one-pass", "two-pass"])
def test_with_handshake(tshark, name, passes):
    """Subprotocol "mqtt" from the captured handshake: every MQTT packet, in its packet."""
    truth = _truth(name)
    assert truth["subprotocol"] == "mqtt"
    want = _want(truth, False)
    got = _got(tshark, os.path.join("impls", name + ".pcapng"), passes)
    assert len(want) > 20
    _same(got, want)


@pytest.mark.parametrize("name", NAMES)
def test_without_handshake_two_passes(tshark, name):
    """From the packet after the 101: the client's CONNECT makes the conversation MQTT on
    the first pass; the second shows every packet, the CONNECT included."""
    truth = _truth(name)
    want = _want(truth, True)
    got = _got(tshark, os.path.join("impls", name + "-nohs.pcapng"), ("-2",))
    _same(got, want)


@pytest.mark.parametrize("name", NAMES)
def test_without_handshake_one_pass(tshark, name):
    """One pass: the CONNECT went by before the conversation was recognised (it is seen
    by the first pass, not shown); everything after it is shown, with the CONNECT's
    protocol level (MQTT 5's properties are read right: mqtt was shown the CONNECT)."""
    truth = _truth(name)
    want = _want(truth, True)
    got = _got(tshark, os.path.join("impls", name + "-nohs.pcapng"))
    assert want[0][1] == 1 and len(got) >= len(want) - 1
    _same(got, want[len(want) - len(got):])
    pubs = [w for w in want if w[1] == 3]
    assert sum(1 for g in got if g[1] == 3) == len(pubs) >= 10


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["", "-nohs"], ids=["whole", "no-handshake"])
def test_topic_filter_finds_the_frames(tshark, name, form):
    """-Y 'mqtt.topic == "T"' gives the packets of the PUBLISH packets of topic T, both ways."""
    truth = _truth(name)
    shift = truth["cut"] if form else 0
    topics = sorted({e["topic"] for e in truth["mqtt"] if e["type"] == "PUBLISH"})
    assert len(topics) >= 4
    for topic in topics:
        want = sorted(e["packet"] - shift for e in truth["mqtt"] if e.get("topic") == topic)
        rows = tshark.fields(os.path.join("impls", name + form + ".pcapng"), ["frame.number"],
                             extra=["-2", "-Y", 'mqtt.topic == "%s"' % topic])
        assert sorted(int(r[0]) for r in rows) == want, topic


@pytest.mark.parametrize("capture", ["gorilla-gorilla-nohs", "gorilla-gorilla", "aiohttp-aiohttp-nohs",
                                     "wsclient-gorilla-nohs", "sio-sio-nohs"])
def test_no_mqtt_in_other_websocket_traffic(tshark, capture):
    """Text and binary messages of other applications (gorilla-gorilla on port 1883,
    MQTT's own port; 70000-byte binary messages; socket.io) are never handed to mqtt.
    (On 1883, one pass lets TCP's own mqtt dissector take the first packets before the
    plugin's port guard decides; that is TCP's, not a WebSocket message: tcp:mqtt.)"""
    path = os.path.join("impls", capture + ".pcapng")
    for passes in ((), ("-2",)):
        rows = tshark.fields(path, ["frame.protocols"], extra=list(passes))
        assert sum(1 for r in rows if ":ws" in r[0]) > 10
        assert not [r for r in rows if "ws:mqtt" in r[0]]
        if passes:
            assert not [r for r in rows if "mqtt" in r[0]]


def _without_connect(name):
    """The -nohs capture without its first packets up to and including the client's
    CONNECT: the capture starts inside an MQTT session."""
    truth = _truth(name)
    connect = next(e["packet"] for e in truth["mqtt"] if e["type"] == "CONNECT") - truth["cut"]

    def make(src, dst):
        subprocess.run(["editcap", "-r", src, dst, "%d-1000000000" % (connect + 1)], check=True,
                       capture_output=True)
    return connect, make


@pytest.mark.parametrize("name", NAMES)
def test_decode_as(tshark, name):
    """Without the CONNECT nothing says MQTT: the messages stay binary data. Decode As on
    the plugin's table (`-d ws.tcp.port==PORT,mqtt`) hands every message of the server
    port to mqtt: every packet after the CONNECT, in one pass and in two. (mqtt then does
    not know the protocol level: MQTT 5 needs `-o mqtt.default_version:v50`.)"""
    truth = _truth(name)
    level = ["-o", "mqtt.default_version:v50"] if truth["mqtt_level"] == 5 else []
    connect, make = _without_connect(name)
    cap = tshark.derived("impls/%s-nohs.pcapng@no-connect" % name, make)
    want = [(w[0] - connect,) + w[1:] for w in _want(truth, True) if w[0] > connect]
    assert not _got(tshark, cap, ("-2",))
    for passes in ((), ("-2",)):
        got = _got(tshark, cap, list(passes) + level + ["-d", "ws.tcp.port==%d,mqtt" % truth["port"]])
        if passes:
            _same(got, want)
        else:
            # one pass: what comes before the conversation is recognised is not shown
            assert len(got) >= len(want) - 3
            _same(got, want[len(want) - len(got):])


# ---- hand-built conversations (tests/captures/pcapgen.py): what must not become MQTT ----

CONNECT = bytes.fromhex("101300044d5154540402003c0007") + b"paho-ws"
CONNACK = bytes.fromhex("20020000")


def _built(kind):
    """A conversation without handshake on port 47190 (no dissector owns it): the client's
    first message CONNECT (as text for "text", as binary otherwise), then 30 messages each
    way. "text": binary messages after it that look like PUBLISH packets; "refuted": the
    server answers with JSON, not CONNACK; "random": random binary messages, some
    beginning with 0x10; "good": binary CONNECT, CONNACK, PUBLISH packets."""
    import random
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "captures"))
    import pcapgen

    def make(src, dst):
        rng = random.Random(kind)
        s = pcapgen.TcpStream(51000, 47190)

        def c(op, data):
            s.send("c", pcapgen.frame(op, data, mask=bytes(rng.getrandbits(8) for _ in range(4))))
            s.ack("s")

        def sv(op, data):
            s.send("s", pcapgen.frame(op, data))
            s.ack("c")
        publish = bytes.fromhex("300b000477732f61") + b"hello"
        if kind == "random":
            c(2, bytes([0x10, 0x13]) + bytes(rng.getrandbits(8) for _ in range(19)))
        else:
            c(1 if kind == "text" else 2, CONNECT)
        sv(1 if kind == "text" else 2, b'{"hello":"world"}' if kind == "refuted" else CONNACK)
        for i in range(30):
            if kind == "random":
                n = rng.randrange(2, 200)
                data = bytes(rng.getrandbits(8) for _ in range(n))
                data = (bytes([0x10, n - 2]) + data[2:]) if i % 3 == 0 and n < 129 else data
                c(2, data)
                sv(2, bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300))))
            else:
                c(2, publish)
                sv(2, publish)
        s.close()
        s.write(dst)
    return make


@pytest.mark.parametrize("kind", ["text", "refuted", "random", "good"])
def test_no_mqtt_without_a_real_connect(tshark, kind):
    """A CONNECT sent as a text message, a CONNECT the server does not answer with CONNACK,
    random binary messages: the plugin decodes the conversation, but hands mqtt nothing
    (refuted: only the CONNECT itself, before the answer). "good", the same with a binary
    CONNECT and CONNACK, shows that these conversations would be found."""
    cap = tshark.derived("seed.pcapng@mqtt-built-" + kind, _built(kind))
    for passes in ((), ("-2",)):
        rows = tshark.fields(cap, ["frame.number", "frame.protocols"], extra=list(passes))
        assert sum(1 for r in rows if ":ws" in r[1]) >= 60
        mqtt = [int(r[0]) for r in rows if "mqtt" in r[1]]
        if kind == "good":
            # the same conversation with a CONNACK: all of it (one pass: from the decision on)
            assert len(mqtt) == 62 if passes else 0 < len(mqtt) <= 62
            assert all(r[1].endswith(":tcp:ws:mqtt") for r in rows if "mqtt" in r[1])
        elif kind == "refuted" and passes:
            first_client = min(int(r[0]) for r in rows if ":ws" in r[1])
            assert mqtt == [first_client]
        elif kind == "refuted":
            assert len(mqtt) <= 1
        else:
            assert mqtt == []
