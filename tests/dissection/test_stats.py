# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -z ws,tree (plugin/ws-stats.c, docs/statistics.md) on real recordings: the
numbers equal what NAME.truth.json says each side sent, and each conversation is
counted once with the way it was found."""
import json
import os
import re
import subprocess

import pytest

from conftest import CAPTURES

RECORDINGS = ["py-py", "node-node", "py-node", "node-py", "deflate-py-py", "deflate-node-node",
              "deflate-py-node-nocontext", "frag-node-py", "deflate-frag-py-py", "chromium-py"]
DIRS = {"c2s": "client -> server", "s2c": "server -> client"}
OPCODES = {0: "Continuation", 1: "Text", 2: "Binary", 8: "Close", 9: "Ping", 10: "Pong"}
SIZES = [(0, 127, "0-127"), (128, 1023, "128-1023"), (1024, 16383, "1024-16383"),
         (16384, 1048575, "16384-1048575"), (1048576, 1 << 62, "1048576-")]
SIZE_NODE = "Message size (bytes, decoded messages)"


def parse_tree(text):
    """{(name, child, ...): count} from tshark's plain stats_tree output."""
    lines = text.split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("Topic / Item")) + 2
    counts, path = {}, []
    for line in lines[start:]:
        if line.startswith("---") or not line.strip():
            break
        depth = len(line) - len(line.lstrip(" "))
        name, count = re.split(r" {2,}", line.strip())[:2]
        path = path[:depth] + [name]
        counts[tuple(path)] = int(count)
    return counts


def ws_tree(tshark, capture, extra=()):
    if capture.startswith(tshark.workdir):
        path = capture
    elif os.path.isabs(capture):
        path = tshark.derived_abs(capture)
    else:
        path = tshark.capture(capture)
    out = tshark.run(["-q", "-2"] + list(extra) + ["-r", path, "-z", "ws,tree"]).stdout.decode("utf-8")
    return parse_tree(out)


def truth(name):
    with open(os.path.join(CAPTURES, name + ".truth.json"), encoding="utf-8") as f:
        return json.load(f)


def children(tree, *path):
    return {k[-1]: v for k, v in tree.items() if len(k) == len(path) + 1 and k[:-1] == path and v}


def expected_frames(messages, direction):
    """Frames by opcode of one direction: a data message of n frames is its opcode once
    and n - 1 continuations."""
    out = {}
    for m in messages:
        if m["dir"] != direction:
            continue
        op = OPCODES[m["opcode"]]
        out[op] = out.get(op, 0) + 1
        if m.get("frames", 1) > 1:
            out["Continuation"] = out.get("Continuation", 0) + m["frames"] - 1
    return out


def check_against_truth(tree, t):
    msgs = t["messages"]
    data = [m for m in msgs if m["opcode"] in (1, 2)]
    for d, label in DIRS.items():
        mine = [m for m in data if m["dir"] == d]
        want = {OPCODES[o]: sum(1 for m in mine if m["opcode"] == o) for o in (1, 2)}
        assert children(tree, "Data messages", "Messages by direction", "Messages " + label) == \
            {k: v for k, v in want.items() if v}, d
        assert children(tree, "Frames", "Frames by direction", "Frames " + label) == expected_frames(msgs, d), d
    assert tree[("Data messages",)] == len(data)
    assert tree[("Frames",)] == sum(m.get("frames", 1) for m in msgs)
    closes = [m for m in msgs if m["opcode"] == 8]
    assert tree[("Close frames by code",)] == len(closes)
    codes = {}
    for m in closes:
        code = int(m["hex"][:4], 16) if m["len"] >= 2 else None
        key = "no code" if code is None else next(k for k in children(tree, "Close frames by code")
                                                 if k.split()[0] == str(code))
        codes[key] = codes.get(key, 0) + 1
    assert children(tree, "Close frames by code") == codes
    assert tree[("Payload bytes on the wire (all frames)", "Data messages after reassembly and decompression")] == \
        sum(m["len"] for m in data)
    assert tree[("Payload bytes on the wire (all frames)", "Control frame payload")] == \
        sum(m["len"] for m in msgs if m["opcode"] >= 8)
    assert tree[("Data messages", "Compressed messages")] == sum(1 for m in data if m.get("compressed"))
    assert tree[("Data messages", "Messages of more than one frame")] == \
        sum(1 for m in data if m.get("frames", 1) > 1)
    for lo, hi, label in SIZES:
        assert tree[("Data messages", SIZE_NODE, label)] == sum(1 for m in data if lo <= m["len"] <= hi), label
    if not any(m.get("compressed") for m in data):
        # Nothing compressed: the payload on the wire is what was sent.
        assert tree[("Payload bytes on the wire (all frames)",)] == sum(m["len"] for m in msgs)
    assert tree[("Problems",)] == 0
    assert tree[("Conversations (TCP streams)",)] == 1


@pytest.mark.parametrize("name", RECORDINGS)
def test_recording_with_handshake(tshark, name):
    t = truth(name)
    tree = ws_tree(tshark, name + ".pcapng")
    check_against_truth(tree, t)
    conv = ("Conversations (TCP streams)",)
    assert children(tree, *conv, "Found by") == {"HTTP Upgrade handshake": 1}
    assert children(tree, *conv, "Extensions") == {t["extensions"] or "(none negotiated)": 1}
    assert children(tree, *conv, "Subprotocol") == {"(none negotiated)": 1}


@pytest.mark.parametrize("name", RECORDINGS)
def test_recording_without_handshake(tshark, name):
    tree = ws_tree(tshark, name + "-nohs.pcapng")
    check_against_truth(tree, truth(name))
    conv = ("Conversations (TCP streams)",)
    assert children(tree, *conv, "Found by") == {"heuristic (no handshake)": 1}
    assert children(tree, *conv, "Extensions") == {"(no handshake captured)": 1}


def test_edge_messages(tshark):
    """Closes 3001 and 4001 (the truth's close payloads), subprotocol sip and
    permessage-deflate from the captured handshake, and the three messages the capture
    was built not to decode (history missing, corrupt DEFLATE, the bomb cut at
    ws.max_message_size)."""
    t = truth("edge-messages")
    tree = ws_tree(tshark, "edge-messages.pcap")
    codes = sorted(int(m["hex"][:4], 16) for m in t["messages"] if m["opcode"] == 8)
    assert codes == [3001, 4001]
    assert children(tree, "Close frames by code") == {"3001 registered (IANA)": 1, "4001 private use": 1}
    conv = ("Conversations (TCP streams)",)
    assert children(tree, *conv, "Subprotocol") == {"sip": 1}
    assert children(tree, *conv, "Extensions") == {"permessage-deflate": 1}
    assert tree[("Problems", "Messages not decoded")] == 3
    # Every message of the truth is among the decoded ones, and their bytes are counted.
    sizes = tree[("Data messages", SIZE_NODE)]
    assert sizes >= sum(1 for m in t["messages"] if m["opcode"] in (1, 2))


def test_protocol_errors(tshark):
    """One frame per case of edge-protocol-errors.cases.json: those whose header breaks a
    rule of RFC 6455 5.2/5.5 are counted under the rule (the 64-bit length with the top
    bit set is no frame; close and UTF-8 cases break no header rule)."""
    with open(os.path.join(CAPTURES, "edge-protocol-errors.cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    rule = {"reserved opcode 3": "Reserved opcode", "RSV2 set": "RSV2 or RSV3 set", "RSV3 set": "RSV2 or RSV3 set",
            "ping without FIN": "Control frame without FIN", "ping of 126 bytes": "Control frame over 125 bytes",
            "non-minimal 16-bit length": "Length not in its shortest form",
            "RSV1 on a ping": "RSV1 on a control frame"}
    want = {}
    for c in cases:
        if c in rule:
            want[rule[c]] = want.get(rule[c], 0) + 1
    tree = ws_tree(tshark, "edge-protocol-errors.pcap")
    assert children(tree, "Problems", "Frames breaking RFC 6455") == want
    assert tree[("Problems", "Frames breaking RFC 6455")] == sum(want.values())
    assert "1005 not allowed on the wire" in children(tree, "Close frames by code")
    assert children(tree, "Close frames by code").get("no code") == 1  # "close with 1 byte"


def _merge(srcs):
    def make(_src, dst):
        subprocess.run(["mergecap", "-w", dst] + [os.path.join(CAPTURES, s) for s in srcs], check=True)
    return make


def test_conversations_counted_once(tshark):
    """Two recordings in one file: two TCP streams, each counted once however many frames
    it has, one found by its handshake, the other by the heuristic."""
    path = tshark.derived("py-py+node-node-nohs", _merge(["py-py.pcapng", "node-node-nohs.pcapng"]))
    tree = ws_tree(tshark, path)
    conv = ("Conversations (TCP streams)",)
    assert tree[conv] == 2
    assert children(tree, *conv, "Found by") == {"HTTP Upgrade handshake": 1, "heuristic (no handshake)": 1}
    assert children(tree, *conv, "Extensions") == {"(none negotiated)": 1, "(no handshake captured)": 1}
    both = truth("py-py")["messages"] + truth("node-node")["messages"]
    assert tree[("Data messages",)] == sum(1 for m in both if m["opcode"] in (1, 2))


def _drop_request(src, dst):
    # Packet 4 of the recording is the client's GET (the 101 answer is packet 6).
    subprocess.run(["editcap", src, dst, "4"], check=True)


def test_found_by_late_101_decode_as_tls_port_guard(tshark):
    conv = ("Conversations (TCP streams)",)
    late = ws_tree(tshark, tshark.derived("deflate-py-py.pcapng@no-request", _drop_request))
    assert children(late, *conv, "Found by") == {"101 response without its request": 1}
    assert children(late, *conv, "Extensions") == {truth("deflate-py-py")["extensions"]: 1}
    check_against_truth(late, truth("deflate-py-py"))

    port = str(truth("py-py")["port"])
    forced = ws_tree(tshark, "py-py-nohs.pcapng", ["-d", "tcp.port==%s,ws" % port])
    assert children(forced, *conv, "Found by") == {"Decode As": 1}

    tls = ws_tree(tshark, "wss-py-py.pcapng", ["--disable-protocol", "http"])
    assert children(tls, *conv, "Found by") == {"heuristic over decrypted TLS": 1}
    check_against_truth(tls, truth("wss-py-py"))

    # MQTT's port 1883, no handshake: the port guard gives the conversation to ws.
    guard = ws_tree(tshark, os.path.join(CAPTURES, "impls", "short-binary2-close-nohs.pcapng"))
    assert children(guard, *conv, "Found by") == {"port guard (no handshake, port of another dissector)": 1}
    with open(os.path.join(CAPTURES, "impls", "short-binary2-close.truth.json"), encoding="utf-8") as f:
        check_against_truth(guard, json.load(f))


def test_name_is_ours_alone(tshark):
    """-z ws,tree exists with the plugin and not without it (no built-in statistic has the name)."""
    from tsharkenv import make_tshark
    def listing(ts):
        p = ts.run(["-z", "help"], check=False)
        return (p.stdout + p.stderr).decode().split("\n")
    assert "     ws,tree" in listing(tshark)
    bare, cleanup = make_tshark(None)
    try:
        assert "     ws,tree" not in listing(bare)
    finally:
        cleanup()
