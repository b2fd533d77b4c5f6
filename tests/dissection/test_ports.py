# SPDX-License-Identifier: GPL-2.0-or-later
"""WebSocket without handshake on ports HTTP owns (80, 8080), and HTTP on them unchanged.
The captures are the recordings with their server port rewritten
(tests/captures/rewrite_port.py), made at test time."""
import hashlib
import os
import sys

import pytest

from conftest import ROOT
from wsrecover import digest, expected, load_truth, recover

sys.path.insert(0, os.path.join(ROOT, "tests", "captures"))
import rewrite_port  # noqa: E402


def on_port(tshark, name, old, new):
    return tshark.derived("%s@%d" % (name, new), lambda src, dst: rewrite_port.main(src, dst, old, new))


@pytest.mark.parametrize("name,port", [("py-node", 80), ("node-py", 8080), ("py-py", 80), ("node-node", 8080)])
def test_handshakeless_websocket_on_http_port(tshark, name, port):
    truth = load_truth(name + ".truth.json")
    cap = on_port(tshark, name + "-nohs.pcapng", truth["port"], port)
    got = recover(tshark, cap, port, ("-2",))
    assert digest(got) == expected(truth)
    # Switched off, HTTP keeps the port and no frame is decoded.
    assert tshark.fields(cap, ["frame.number"], extra=["-o", "ws.guard_ports:FALSE", "-Y", "ws"]) == []


@pytest.mark.parametrize("name", ["py-node", "node-py"])
def test_upgrade_on_http_port(tshark, name):
    """With the handshake on port 80, HTTP decodes the handshake exactly as without the plugin."""
    truth = load_truth(name + ".truth.json")
    cap = on_port(tshark, name + ".pcapng", truth["port"], 80)
    fields = ["frame.number", "http.request.method", "http.request.uri", "http.response.code", "http.upgrade"]
    with_plugin = tshark.fields(cap, fields, extra=["-Y", "http"])
    without = tshark.fields(cap, fields, extra=["--disable-protocol", "ws", "-Y", "http"])
    assert with_plugin == without and len(with_plugin) == 2
    got = recover(tshark, cap, 80)
    assert digest(got) == expected(truth)


def test_guard_other_protocols_by_preference(tshark):
    """MQTT owns 1883: every owned port is guarded by default (ws.guard_protocols "*"),
    and a list that leaves MQTT out leaves the port to it."""
    truth = load_truth("node-py.truth.json")
    cap = on_port(tshark, "node-py-nohs.pcapng", truth["port"], 1883)
    assert tshark.fields(cap, ["frame.number"], extra=["-Y", "ws", "-o", "ws.guard_protocols:http"]) == []
    for prefs in ((), ("-o", "ws.guard_protocols:http,mqtt")):
        got = recover(tshark, cap, 1883, ("-2",) + prefs)
        assert digest(got) == expected(truth), prefs


def test_guarded_port_keeps_its_protocol(tshark):
    """Real MQTT (mosquitto) and real HTTP (nginx) moved to their own ports decode exactly
    as with the plugin disabled, with the guard in front of them."""
    for name, old, new, proto in (("mqtt.pcapng", 40110, 1883, "mqtt"), ("http1.pcapng", 40101, 80, "http")):
        cap = tshark.derived("negatives/%s@%d" % (name, new),
                             lambda src, dst: rewrite_port.main(src, dst, old, new))
        prefs = ["-o", "ws.guard_protocols:http,mqtt"]
        on = tshark.fields(cap, ["frame.protocols", "_ws.col.Info"], extra=prefs)
        default = tshark.fields(cap, ["frame.protocols", "_ws.col.Info"])
        off = tshark.fields(cap, ["frame.protocols", "_ws.col.Info"], extra=["--disable-protocol", "ws"])
        unguarded = tshark.fields(cap, ["frame.protocols", "_ws.col.Info"], extra=["-o", "ws.guard_ports:FALSE"])
        assert on == default == off == unguarded
        assert sum(1 for r in on if (":" + proto) in r[0]) > 20


@pytest.mark.parametrize("name", ["deflate-py-py-nohs.pcapng", "py-node.pcapng"])
def test_decode_as_message_contents(tshark, name):
    """Decode As on the plugin's own table ws.tcp.port (the built-in's ws.port offers none):
    `-d ws.tcp.port==PORT,data` hands every whole data message, text included, to `data`,
    whose bytes are then exactly the messages each side sent, in order."""
    truth = load_truth(name.replace("-nohs", "").replace(".pcapng", ".truth.json"))
    want = sorted(m["sha256"] for m in truth["messages"] if m["opcode"] in (1, 2) and m["len"] > 0)
    rows = tshark.fields(name, ["data.data"], extra=["-2", "-d", "ws.tcp.port==%d,data" % truth["port"]])
    got = sorted(hashlib.sha256(bytes.fromhex(v.replace(":", ""))).hexdigest()
                 for row in rows for v in row[0].split("\x1f") if v)
    assert len(want) > 20 and got == want
    # Without it, text goes to the text dissector and only binary messages reach data.
    rows = tshark.fields(name, ["data.data"], extra=["-2"])
    plain = [v for row in rows for v in row[0].split("\x1f") if v]
    assert 0 < len(plain) < len(want)
