# SPDX-License-Identifier: GPL-2.0-or-later
"""Follow WebSocket stream (plugin/ws-follow.c): `tshark -z follow,ws,MODE,FILTER`.

What the follower prints for one TCP stream is checked against the recordings' truth
(every message each side sent): in yaml and raw mode one entry per data message, in
order, each compared by its sha256 with the truth's data messages (opcodes 1 and 2) of
its direction; in hex mode each direction's bytes, concatenated, against the truth's
messages concatenated (recordings whose truth holds every message's bytes); in ascii
mode each message's length. Compressed, fragmented, handshake-less and other
implementations' recordings, two passes; one pass without the handshake shows only
the end of what each side sent. A message that was not decoded is a marked
placeholder, never bytes."""
import base64
import hashlib
import os
import re

import pytest

from wsrecover import load_truth

# Recordings (NAME.pcapng, NAME-nohs.pcapng, NAME.truth.json): compressed with and
# without context takeover, fragmented, compressed and fragmented, Chromium, plain, and
# other implementations (frame headers in segments of their own, socket.io, Firefox).
RECORDINGS = ["deflate-node-node", "deflate-py-py", "deflate-py-node-nocontext", "frag-node-py",
              "deflate-frag-py-py", "chromium-py", "py-py", "impls/split-gorilla", "impls/sio-sio-deflate",
              "impls/firefox-aiohttp-deflate", "impls/gorilla-gorilla-deflate"]
# Recordings whose truth holds every data message's bytes (hex, all under 512 bytes).
SHORT = ["impls/short-burst", "impls/short-text-close", "impls/short-ping-text"]
DATA_OPCODES = (1, 2)
PLACEHOLDER = re.compile(rb"^\[ws: (Text|Binary) message not decoded: \d+ payload bytes on the wire, \d+ frames? "
                         rb"from packet \d+\]\n$")


def truth_messages(truth, d):
    return [m for m in truth["messages"] if m["dir"] == d and m["opcode"] in DATA_OPCODES]


def want_digests(truth):
    return {d: [m["sha256"] for m in truth_messages(truth, d)] for d in ("c2s", "s2c")}


def stream_of(tshark, path, port):
    """The TCP stream index of the recording's connection, by Wireshark's own TCP fields."""
    rows = tshark.fields(path, ["tcp.stream"], extra=("-Y", "tcp.port == %d" % port))
    streams = sorted({r[0] for r in rows})
    assert len(streams) == 1, streams
    return streams[0]


def follow(tshark, path, mode, flt, extra=()):
    return tshark.run(["-r", path, "-q"] + list(extra) + ["-z", "follow,ws,%s,%s" % (mode, flt)]).stdout


def parse_yaml(out):
    """[(peer, bytes)] of `follow,ws,yaml` output, one per entry, in order."""
    entries, cur, in_data = [], None, False
    for line in out.decode().splitlines():
        s = line.strip()
        if line.startswith("  - packet:"):
            cur = {"data": ""}
            entries.append(cur)
            in_data = False
        elif cur is not None and s.startswith("peer:"):
            cur["peer"] = int(s.split(":")[1])
        elif cur is not None and s.startswith("data: !!binary"):
            in_data = True
        elif in_data and line.startswith("      "):
            cur["data"] += s
        else:
            in_data = False
    return [(e["peer"], base64.b64decode(e["data"])) for e in entries]


def parse_nodes(out):
    """{0: (host, port), 1: (host, port)} from the Node lines of a text mode."""
    nodes = {}
    for m in re.finditer(rb"^Node ([01]): (.+):(\d+)$", out, re.M):
        nodes[int(m.group(1))] = (m.group(2).decode(), int(m.group(3)))
    return nodes


def body(out):
    """The lines between the header (Node 1) and the closing rule of a text mode."""
    lines = out.split(b"\n")
    start = next(i for i, l in enumerate(lines) if l.startswith(b"Node 1:")) + 1
    end = max(i for i, l in enumerate(lines) if l.startswith(b"====="))
    return lines[start:end]


def parse_raw(out):
    """[(peer, bytes)] of `follow,ws,raw`: one hex line per entry, the server's after a tab."""
    return [(1 if l.startswith(b"\t") else 0, bytes.fromhex(l.strip().decode())) for l in body(out)]


def parse_hex(out):
    """{peer: bytes} of `follow,ws,hex`: each direction's bytes, offsets counted per direction."""
    got = {0: b"", 1: b""}
    for l in body(out):
        peer = 1 if l.startswith(b"\t") else 0
        m = re.match(rb"\t?([0-9A-Fa-f]{8})  ((?:[0-9a-f]{2} {1,2}){1,16})", l)
        assert m, l
        assert int(m.group(1), 16) == len(got[peer]), l
        got[peer] += bytes.fromhex(m.group(2).decode())
    return got


def by_peer(entries):
    return {"c2s": [hashlib.sha256(b).hexdigest() for p, b in entries if p == 0],
            "s2c": [hashlib.sha256(b).hexdigest() for p, b in entries if p == 1]}


def test_follower_registered(tshark):
    """`-z help` lists follow,ws; the name the built-in takes on 4.4 on (websocket) stays free."""
    out = tshark.run(["-z", "help"], check=False)
    names = (out.stdout + out.stderr).decode().split()
    assert "follow,ws" in names


@pytest.mark.parametrize("nohs", ["", "-nohs"])
@pytest.mark.parametrize("name", RECORDINGS)
def test_yaml_every_message_in_order(tshark, name, nohs):
    """yaml, two passes: one entry per data message, each side's in the order sent, byte-exact."""
    truth = load_truth(name + ".truth.json")
    path = tshark.capture(name + nohs + ".pcapng")
    out = follow(tshark, path, "yaml", stream_of(tshark, path, truth["port"]), ("-2",))
    assert by_peer(parse_yaml(out)) == want_digests(truth)


@pytest.mark.parametrize("name", ["deflate-node-node", "frag-node-py", "chromium-py", "impls/split-gorilla"])
def test_raw_every_message_in_order(tshark, name):
    """raw, two passes, no handshake: one hex line per data message."""
    truth = load_truth(name + ".truth.json")
    path = tshark.capture(name + "-nohs.pcapng")
    out = follow(tshark, path, "raw", stream_of(tshark, path, truth["port"]), ("-2",))
    assert by_peer(parse_raw(out)) == want_digests(truth)


@pytest.mark.parametrize("name", ["deflate-node-node", "frag-node-py", "impls/sio-sio-deflate"])
def test_ascii_lengths_and_nodes(tshark, name):
    """ascii: each entry's length line (the server's after a tab) is its message's length, in
    order; Node 0 is the client, Node 1 the server (its port is the recording's)."""
    truth = load_truth(name + ".truth.json")
    path = tshark.capture(name + "-nohs.pcapng")
    out = follow(tshark, path, "ascii", stream_of(tshark, path, truth["port"]), ("-2",))
    nodes = parse_nodes(out)
    assert nodes[1][1] == truth["port"] and nodes[0][1] != truth["port"], nodes
    # The ascii body: a length line, then that many bytes shown one for one (newlines kept).
    rest = b"\n".join(body(out))
    lens = {"c2s": [], "s2c": []}
    while rest:
        m = re.match(rb"(\t?)(\d+)\n", rest)
        assert m, rest[:80]
        n = int(m.group(2))
        lens["s2c" if m.group(1) else "c2s"].append(n)
        rest = rest[m.end() + n:].lstrip(b"\n")
    assert lens == {d: [m["len"] for m in truth_messages(truth, d)] for d in lens}


@pytest.mark.parametrize("name", SHORT)
def test_hex_whole_stream_per_direction(tshark, name):
    """hex, two passes, no handshake: each direction's bytes are the truth's messages, joined."""
    truth = load_truth(name + ".truth.json")
    path = tshark.capture(name + "-nohs.pcapng")
    got = parse_hex(follow(tshark, path, "hex", stream_of(tshark, path, truth["port"]), ("-2",)))
    for peer, d in ((0, "c2s"), (1, "s2c")):
        msgs = truth_messages(truth, d)
        assert all(len(m.get("hex", "")) == 2 * m["len"] for m in msgs)
        want = b"".join(bytes.fromhex(m["hex"]) for m in msgs)
        assert got[peer] == want, d


@pytest.mark.parametrize("name", ["deflate-node-node", "chromium-py", "impls/gorilla-gorilla-deflate"])
def test_one_pass_without_handshake_only_what_was_sent(tshark, name):
    """One pass loses what came before the decision; what it follows is the end of what each
    side sent, never a message nobody sent."""
    truth = load_truth(name + ".truth.json")
    path = tshark.capture(name + "-nohs.pcapng")
    got = by_peer(parse_yaml(follow(tshark, path, "yaml", stream_of(tshark, path, truth["port"]))))
    want = want_digests(truth)
    for d in ("c2s", "s2c"):
        assert got[d] and got[d] == want[d][len(want[d]) - len(got[d]):], d


def test_address_filter_same_as_index(tshark):
    """The conversation chosen by its two address:port ends is the one chosen by its index."""
    name = "frag-node-py"
    truth = load_truth(name + ".truth.json")
    path = tshark.capture(name + "-nohs.pcapng")
    row = tshark.fields(path, ["ip.src", "tcp.srcport", "ip.dst", "tcp.dstport"], extra=("-c", "1"))[0]
    by_addr = parse_yaml(follow(tshark, path, "yaml", "%s:%s,%s:%s" % tuple(row), ("-2",)))
    assert by_peer(by_addr) == want_digests(truth)


def test_undecoded_messages_are_placeholders(tshark):
    """edge-messages.pcap: the messages that cannot be decoded (compression history not in
    the capture, corrupt DEFLATE, the deflate bomb cut at ws.max_message_size) are each one
    marked placeholder; every other entry is a message of the truth, in order."""
    truth = load_truth("edge-messages.truth.json")
    path = tshark.capture("edge-messages.pcap")
    entries = parse_yaml(follow(tshark, path, "yaml", "0", ("-2",)))
    marked = [(p, b) for p, b in entries if PLACEHOLDER.match(b)]
    assert len(marked) == 3, entries
    assert by_peer([e for e in entries if e not in marked]) == want_digests(truth)
