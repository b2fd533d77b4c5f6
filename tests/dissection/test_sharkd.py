# SPDX-License-Identifier: GPL-2.0-or-later
"""sharkd (Debian 12: package wireshark-common, /usr/bin/sharkd) with the freshly built plugin.

sharkd runs in console mode (`sharkd -`: one JSON-RPC 2.0 request per line on stdin, one answer
per line on stdout) as `nobody` with the private HOME and plugin folder of tests/tsharkenv.py, so
the ws.so it loads is the one under test. Expected values come from the recorders' truth files
(test-captures/*.truth.json: what each side sent) and from the seed capture's field note."""
import json
import os
import shutil
import subprocess

import pytest

from tsharkenv import make_tshark

TRUTH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "test-captures", "py-py.truth.json")

# Columns show an opcode by its name (RFC 6455 11.8).
OPCODES = {"Continuation": 0, "Text": 1, "Binary": 2, "Close": 8, "Ping": 9, "Pong": 10}

pytestmark = pytest.mark.skipif(shutil.which("sharkd") is None, reason="no sharkd (Debian: wireshark-common)")


class Sharkd:
    def __init__(self, ts):
        self.proc = subprocess.Popen(ts.prefix + ["sharkd", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=ts.env, cwd=ts.workdir, text=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params:
            req["params"] = params
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "sharkd closed its output (exit %s)" % self.proc.poll()
        ans = json.loads(line)
        assert ans["jsonrpc"] == "2.0" and ans["id"] == self.next_id, ans
        return ans

    def result(self, method, **params):
        ans = self.call(method, **params)
        assert "result" in ans, ans
        return ans["result"]

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def sharkd(tshark):
    s = Sharkd(tshark)
    yield s
    s.close()


def _truth():
    with open(TRUTH, encoding="utf-8") as f:
        return json.load(f)


def test_fields_registered(sharkd):
    fields = {f["f"] for f in sharkd.result("complete", field="ws.op")["field"]}
    assert "ws.opcode" in fields
    assert sharkd.result("check", filter="ws.opcode == 1 && ws.text contains \"x\"") == {"status": "OK"}


def test_without_plugin_no_ws_fields():
    # The same set-up without ws.so: the fields above are then unknown (so they came from our build).
    ts, cleanup = make_tshark(None)
    s = Sharkd(ts)
    try:
        assert "error" in s.call("check", filter="ws.opcode == 1")
    finally:
        s.close()
        cleanup()


def test_seed_frames_and_tree(tshark, sharkd):
    assert sharkd.result("load", file=tshark.capture("seed.pcapng")) == {"status": "OK"}
    frames = sharkd.result("frames", filter="ws", column0="ws.opcode:0", column1="ws.payload_length:0",
                           column2="ws.text:0")
    assert [(f["num"], f["c"]) for f in frames] == [
        (1, ["Text", "35", '{"command":1000000,"machineId":"1"}']),
        (2, ["Text", "30", '{"value":{},"command":1000000}']),
    ]
    tree = sharkd.result("frame", frame=1, proto=True)["tree"]
    ws = [n for n in tree if n.get("f") == "ws"]
    assert len(ws) == 1
    filters = set()

    def walk(nodes):
        for n in nodes:
            filters.add(n.get("f"))
            walk(n.get("n", []))
    walk(ws[0].get("n", []))
    assert {"ws.opcode == 1", "ws.payload_length == 35", "ws.masking_key == 3e:47:69:39",
            'ws.text == "{\\"command\\":1000000,\\"machineId\\":\\"1\\"}"'} <= filters
    # A boolean's filter is spelt "== 1" up to 4.0 and "== True" from 4.2 on.
    assert {"ws.mask == 1", "ws.mask == True"} & filters
    assert sharkd.result("intervals", filter="ws")["frames"] == 2


def test_capture_without_handshake_every_message(tshark, sharkd):
    """sharkd dissects each frame again when asked for it, like tshark -2: every message of the
    recording without its handshake, in order, with its opcode and length as the truth file has it."""
    truth = _truth()
    assert sharkd.result("load", file=tshark.capture("py-py-nohs.pcapng")) == {"status": "OK"}
    frames = sharkd.result("frames", filter="ws", column0="tcp.srcport:0", column1="ws.opcode:0",
                           column2="ws.payload_length:0")
    got = {"c2s": [], "s2c": []}
    for f in frames:
        port, ops, lens = f["c"]
        d = "s2c" if int(port) == truth["port"] else "c2s"
        got[d] += list(zip([OPCODES[o] for o in ops.split(",")], [int(n) for n in lens.split(",")]))
    want = {"c2s": [], "s2c": []}
    for m in truth["messages"]:
        want[m["dir"]].append((m["opcode"], m["len"]))
    assert got == want


def test_texts_from_the_truth_file_match_filters(tshark, sharkd):
    """Each short text message the recorder says was sent is found by a ws.text filter, as often
    as it was sent."""
    truth = _truth()
    texts = {}
    for m in truth["messages"]:
        if m["opcode"] == 1 and 0 < m["len"] <= 40 and "hex" in m:
            t = bytes.fromhex(m["hex"]).decode("utf-8")
            if t.isprintable() and '"' not in t and "\\" not in t:
                texts[t] = texts.get(t, 0) + 1
    assert len(texts) >= 10 and texts.get("cmd:server-ping") == 2
    assert sharkd.result("load", file=tshark.capture("py-py.pcapng")) == {"status": "OK"}
    for t, n in sorted(texts.items()):
        frames = sharkd.result("frames", filter='ws.text == "%s"' % t)
        assert len(frames) == n, t
