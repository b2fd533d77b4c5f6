# SPDX-License-Identifier: GPL-2.0-or-later
"""docs/preferences.md against the plugin: every preference tshark -G defaultprefs lists for ws.
is in the document's table with the same default (so the document cannot go stale), and each
row's "checked by" result holds on the capture it names."""
import os
import re

import pytest

from tsharkenv import ROOT

import sys
sys.path.insert(0, os.path.join(ROOT, "tests", "captures"))
import rewrite_port  # noqa: E402

DOC = os.path.join(ROOT, "docs", "preferences.md")
SOURCE = os.path.join(ROOT, "plugin", "ws-register.c")


def _doc_table():
    """{name: default} from the table rows | `ws.NAME` | `DEFAULT` ... |."""
    rows = {}
    with open(DOC, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\| `ws\.([a-z_]+)` \| `([^`]*)`", line)
            if m:
                rows[m.group(1)] = m.group(2)
    return rows


def _registered(tshark):
    out = tshark.run(["-G", "defaultprefs"]).stdout.decode()
    return dict(re.findall(r"^#ws\.([a-z_]+): (.*)$", out, re.M))


# An enum preference prints its label in defaultprefs; the document gives the name -o takes.
ENUM_NAMES = {"text_as": {"Line-based text": "lines"}}


def test_every_registered_preference_is_documented(tshark):
    registered = _registered(tshark)
    doc = _doc_table()
    assert len(registered) >= 9
    assert set(doc) == set(registered)
    for name, default in registered.items():
        assert doc[name] == ENUM_NAMES.get(name, {}).get(default, default), name


def test_source_registers_what_tshark_lists(tshark):
    with open(SOURCE, encoding="utf-8") as f:
        src = f.read()
    names = set(re.findall(r'prefs_register_\w+_preference\(ws_module, "(\w+)"', src))
    assert names == set(_registered(tshark))


def _count(tshark, cap, args):
    return len(tshark.run(["-r", cap] + args).stdout.decode().splitlines())


def _fields(tshark, cap, args):
    return tshark.run(["-r", cap] + args).stdout.decode().split("\n")[:-1]


def _moved(tshark, name, old, new):
    return tshark.derived("%s@%d" % (name, new), lambda src, dst: rewrite_port.main(src, dst, old, new))


def test_take_over_upgrade(tshark):
    cap = tshark.capture("py-py.pcapng")
    assert (_count(tshark, cap, ["-Y", "ws"]), _count(tshark, cap, ["-Y", "websocket"])) == (39, 0)
    off = ["-o", "ws.take_over_upgrade:FALSE"]
    assert (_count(tshark, cap, off + ["-Y", "ws"]), _count(tshark, cap, off + ["-Y", "websocket"])) == (0, 39)


def test_guard_ports(tshark):
    cap = _moved(tshark, "py-py-nohs.pcapng", 47101, 80)
    assert _count(tshark, cap, ["-2", "-Y", "ws"]) == 39
    assert _count(tshark, cap, ["-2", "-o", "ws.guard_ports:FALSE", "-Y", "ws"]) == 0


def test_guard_protocols(tshark):
    cap = _moved(tshark, "node-py-nohs.pcapng", 47104, 1883)
    assert _count(tshark, cap, ["-2", "-Y", "ws"]) == 39
    assert _count(tshark, cap, ["-2", "-o", "ws.guard_protocols:http", "-Y", "ws"]) == 0
    assert _count(tshark, cap, ["-2", "-o", "ws.guard_protocols:http", "-Y", "mqtt"]) > 0


def test_desegment(tshark):
    """With ws.desegment off, a frame longer than its segment is not reassembled: it is
    followed segment by segment (ws.continued, its payload in pieces), never read as
    frames from inside its payload (no reserved opcode, the case before 2026-12-03), and
    each message shown is one the sender sent (the recording's truth); the 192,565-byte
    text is not among them."""
    import hashlib
    import json
    cap = tshark.capture("deflate-node-node.pcapng")
    assert _count(tshark, cap, ["-Y", "ws.message.text"]) == 23
    off = ["-o", "ws.desegment:FALSE"]
    with open(os.path.join(ROOT, "test-captures", "deflate-node-node.truth.json")) as f:
        sent = {m["sha256"]: m["len"] for m in json.load(f)["messages"]}
    shown = []
    for (pays,) in tshark.fields(cap, ["ws.message.payload"], extra=off + ["-Y", "ws.message.payload"]):
        shown += [b"" if p == "<MISSING>" else bytes.fromhex(p) for p in pays.split("\x1f")]
    assert shown
    assert all(hashlib.sha256(b).hexdigest() in sent for b in shown), [len(b) for b in shown]
    assert 192565 not in [len(b) for b in shown]
    opcodes = {int(o) for (ops,) in tshark.fields(cap, ["ws.opcode"], extra=off + ["-Y", "ws.opcode"])
               for o in ops.split("\x1f")}
    assert opcodes <= {0, 1, 2, 8, 9, 10}, opcodes
    assert _count(tshark, cap, off + ["-Y", "ws.continued"]) > 0


def test_max_reassembly(tshark):
    cap = tshark.capture("edge-oversize.pcap")
    assert _count(tshark, cap, ["-Y", "ws.continued"]) == 0
    assert _count(tshark, cap, ["-o", "ws.max_reassembly:65536", "-Y", "ws.continued"]) == 100


@pytest.mark.parametrize("cap_pref,length", [(None, "16777216"), ("100000", "100000")])
def test_max_message_size(tshark, cap_pref, length):
    args = ["-o", "ws.max_message_size:" + cap_pref] if cap_pref else []
    rows = _fields(tshark, tshark.capture("edge-messages.pcap"),
                   args + ["-Y", "ws.message.too_big", "-T", "fields", "-e", "frame.number", "-e", "ws.message.length"])
    assert rows == ["27\t" + length]


def test_text_lines_max(tshark):
    out = tshark.run(["-r", tshark.capture("seed.pcapng"), "-o", "ws.text_lines_max:10", "-O", "data-text-lines",
                      "-c", "1"]).stdout.decode()
    lines = out.split("Line-based text data", 1)[1].splitlines()
    assert lines[1].strip() == '{"command"'


def test_text_as(tshark):
    cap = tshark.capture("seed.pcapng")
    proto = ["-T", "fields", "-e", "frame.protocols"]
    assert _fields(tshark, cap, proto) == ["raw:ip:tcp:ws:data-text-lines"] * 2
    assert _fields(tshark, cap, ["-o", "ws.text_as:json"] + proto) == ["raw:ip:tcp:ws:json"] * 2


@pytest.mark.parametrize("score,decision", [(None, "7\t10"), ("2", "6\t3"), ("16", "10\t21")])
def test_heur_claim_score(tshark, score, decision):
    args = ["-o", "ws.heur_claim_score:" + score] if score else []
    rows = _fields(tshark, tshark.capture("py-py-nohs.pcapng"),
                   args + ["-Y", "ws.heur.evidence", "-T", "fields", "-e", "frame.number", "-e", "ws.heur.score"])
    assert rows == [decision]
