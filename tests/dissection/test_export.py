# SPDX-License-Identifier: GPL-2.0-or-later
"""Export Objects (plugin/ws-export.c, docs/export.md): `tshark --export-objects ws-messages,DIR`
writes every complete, decoded data message as one file named ws-STREAM-DIR-NNNN.EXT.

The files of each direction, in the order of their numbers, are compared with the
data messages the recorded peers logged (NAME.truth.json): same count, same sha256,
and an extension that follows the content type (binary .bin; text .json when it
parses as JSON, .txt otherwise)."""
import hashlib
import json
import os
import re
import shutil
import tempfile

import pytest

from conftest import CAPTURES

NAME_RE = re.compile(r"^ws-(\d+)-(c2s|s2c)-(\d{4,})\.(json|txt|bin)$")

# (capture, truth, tshark options): with and without the handshake, compressed,
# fragmented, other implementations (impls/), one pass and two.
CASES = [
    ("frag-node-py.pcapng", "frag-node-py", []),
    ("frag-node-py-nohs.pcapng", "frag-node-py", ["-2"]),
    ("deflate-node-node-nohs.pcapng", "deflate-node-node", ["-2"]),
    ("deflate-node-node.pcapng", "deflate-node-node", []),
    ("deflate-frag-py-py.pcapng", "deflate-frag-py-py", ["-2"]),
    ("impls/gorilla-gorilla-deflate-nohs.pcapng", "impls/gorilla-gorilla-deflate", ["-2"]),
    ("impls/wsclient-gorilla.pcapng", "impls/wsclient-gorilla", []),
    ("impls/aiohttp-aiohttp-deflate.pcapng", "impls/aiohttp-aiohttp-deflate", ["-2"]),
]


def truth_data(truth):
    with open(os.path.join(CAPTURES, truth + ".truth.json"), encoding="utf-8") as f:
        msgs = json.load(f)["messages"]
    out = {"c2s": [], "s2c": []}
    for m in msgs:
        if m["opcode"] in (1, 2):
            out[m["dir"]].append(m)
    return out


def is_json(data):
    try:
        json.loads(data.decode("utf-8"))
    except ValueError:
        return False
    return True


def expected_ext(opcode, data):
    if opcode == 2:
        return "bin"
    return "json" if data and is_json(data) else "txt"


@pytest.fixture
def outdir(tshark):
    """An empty folder the tshark user (nobody when run as root) may write."""
    d = tempfile.mkdtemp(prefix="export-", dir=tshark.workdir)
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def export(tshark, capture, opts, outdir):
    tshark.run(list(opts) + ["-r", tshark.capture(capture), "-Q", "--export-objects", "ws-messages," + outdir])
    files = {}
    for name in sorted(os.listdir(outdir)):
        m = NAME_RE.match(name)
        assert m, "file name %r does not follow ws-STREAM-DIR-NNNN.EXT" % name
        with open(os.path.join(outdir, name), "rb") as f:
            files[name] = (int(m.group(1)), m.group(2), int(m.group(3)), m.group(4), f.read())
    return files


def by_direction(files):
    out = {"c2s": [], "s2c": []}
    for stream, d, num, ext, data in files.values():
        out[d].append((num, ext, data, stream))
    for d in out:
        out[d].sort()
    return out


@pytest.mark.parametrize("capture,truth,opts", CASES, ids=[c[0] + ("".join(c[2])) for c in CASES])
def test_files_are_the_messages_sent(tshark, outdir, capture, truth, opts):
    files = export(tshark, capture, opts, outdir)
    got = by_direction(files)
    want = truth_data(truth)
    # One connection per recording: one TCP stream.
    assert len({f[0] for f in files.values()}) == 1
    for d in ("c2s", "s2c"):
        assert [g[0] for g in got[d]] == list(range(1, len(want[d]) + 1)), d
        assert [hashlib.sha256(g[2]).hexdigest() for g in got[d]] == [m["sha256"] for m in want[d]], d
        assert [g[1] for g in got[d]] == [expected_ext(m["opcode"], g[2]) for m, g in zip(want[d], got[d])], d


def test_two_passes_list_nothing_twice(tshark, outdir):
    """With -2 the same files as in one pass (a capture with its handshake: one pass
    decodes everything), none twice (tshark would write NAME(1).EXT)."""
    one = export(tshark, "deflate-node-node.pcapng", [], outdir)
    shutil.rmtree(outdir)
    os.mkdir(outdir)
    os.chmod(outdir, 0o777)
    two = export(tshark, "deflate-node-node.pcapng", ["-2"], outdir)
    assert len(one) == sum(len(v) for v in truth_data("deflate-node-node").values())
    assert {k: v[4] for k, v in two.items()} == {k: v[4] for k, v in one.items()}


def test_messages_not_decoded_are_not_exported(tshark, outdir):
    """edge-messages.pcap: of the server's two text messages the first refers to
    compression history from before the capture (number 1, no file); corrupt DEFLATE
    and the 20 MiB bomb cut at ws.max_message_size give no file either. What is
    exported is what was sent."""
    files = export(tshark, "edge-messages.pcap", [], outdir)
    want = truth_data("edge-messages")
    names = sorted(files)
    assert names == ["ws-0-c2s-0001.txt", "ws-0-c2s-0002.bin", "ws-0-s2c-0002.json"]
    sent = {m["sha256"] for d in want.values() for m in d}
    assert {hashlib.sha256(v[4]).hexdigest() for v in files.values()} == sent


def test_json_text(tshark, outdir):
    """seed.pcapng (no handshake): the field note's two JSON texts (test-captures/README.md)
    as .json files, one each way."""
    files = export(tshark, "seed.pcapng", [], outdir)
    assert {k: v[4] for k, v in files.items()} == {
        "ws-0-c2s-0001.json": b'{"command":1000000,"machineId":"1"}',
        "ws-0-s2c-0001.json": b'{"value":{},"command":1000000}',
    }


def test_text_that_is_not_one_json_document(tshark, outdir):
    """impls/aiohttp-aiohttp.pcapng sends texts of several JSON lines (not one JSON
    document: .txt) and binary (.bin); the rule holds for every file."""
    files = export(tshark, "impls/aiohttp-aiohttp.pcapng", [], outdir)
    assert {v[3] for v in files.values()} == {"txt", "bin"}
    for name, (_, _, _, ext, data) in files.items():
        assert ext == "bin" or not is_json(data), name


def test_names(tshark):
    """The export-object type, and its helper protocol under the names docs/export.md gives
    (the built-in WebSocket dissector keeps `websocket`)."""
    listing = tshark.run(["--export-objects", "help"], check=False).stderr.decode()
    assert "     ws-messages\n" in listing
    protos = [l.split("\t") for l in tshark.run(["-G", "protocols"]).stdout.decode().splitlines()]
    assert ["WebSocket messages as objects (ws plugin)", "WebSocket (ws plugin)", "ws-messages"] in \
        [p[:3] for p in protos]
    assert [p[:3] for p in protos if p[2] == "websocket"] == [["WebSocket", "WebSocket", "websocket"]]
