# SPDX-License-Identifier: GPL-2.0-or-later
"""WebSocket without handshake on ports HTTP owns (80, 8080), and HTTP on them unchanged.
The captures are the recordings with their server port rewritten
(tests/captures/rewrite_port.py), made at test time."""
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
    assert tshark.fields(cap, ["frame.number"], extra=["-o", "ws.guard_http_ports:FALSE", "-Y", "ws"]) == []


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
