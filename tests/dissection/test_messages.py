# SPDX-License-Identifier: GPL-2.0-or-later
"""Messages, not just frames: fragmented and compressed recordings of python websockets,
npm ws and headless Chromium (tests/captures/record.py). Every message each side
sent must come back byte-exact from ws.message.payload, after reassembly and
decompression, with the handshake and without it."""
import hashlib
import json

import pytest

from wsrecover import digest, expected, load_truth, recover_messages

EXT = ["deflate-py-py", "deflate-node-node", "deflate-py-node-nocontext", "frag-node-py", "deflate-frag-py-py",
       "chromium-py"]


@pytest.mark.parametrize("name", EXT)
@pytest.mark.parametrize("form", ["", "-nohs"], ids=["whole", "no-handshake"])
def test_every_message_recovered(tshark, name, form):
    truth = load_truth(name + ".truth.json")
    got = digest(recover_messages(tshark, name + form + ".pcapng", truth["port"], ("-2",)))
    want = expected(truth)
    for d in ("c2s", "s2c"):
        assert len(got[d]) == len(want[d]), d
        assert got[d] == want[d], d


EDGE = "edge-messages.pcap"


def _by_frame(tshark, fields, extra=()):
    return {int(r[0]): r[1:] for r in tshark.fields(EDGE, ["frame.number"] + fields, extra=["-Y", "ws"] + list(extra))}


def test_subprotocol_from_handshake_goes_to_its_dissector(tshark):
    """Sec-WebSocket-Protocol: sip -> the SIP dissector registered in the built-in's ws.protocol table."""
    rows = _by_frame(tshark, ["frame.protocols", "sip.Method", "ws.subprotocol", "ws.extensions"])
    first = rows[min(rows)]
    assert first[0].endswith(":ws:sip") and first[1] == "OPTIONS"
    assert first[2] == "sip" and first[3] == "permessage-deflate"


def test_sequence_errors(tshark):
    rows = _by_frame(tshark, ["_ws.expert.message", "ws.message.completed_in"])
    msgs = [r[0] for r in rows.values()]
    assert sum("Continuation frame with no message in progress" in m for m in msgs) == 1
    assert sum("New data frame while a fragmented message is in progress" in m for m in msgs) == 1


def test_history_missing_then_recovered_never_wrong(tshark):
    rows = _by_frame(tshark, ["_ws.expert.message", "ws.message.payload", "ws.text"], extra=["-2"])
    hist = [n for n, r in rows.items() if "history from before the capture" in r[0]]
    assert len(hist) == 1
    assert rows[hist[0]][1] == "" and rows[hist[0]][2] == ""  # nothing made up
    after = rows[min(n for n in rows if n > hist[0])]
    assert after[2] == '{"status":"fresh start","n":1}'


def test_corrupt_deflate_and_bomb(tshark):
    rows = _by_frame(tshark, ["_ws.expert.message", "ws.message.length"])
    assert sum("not valid DEFLATE" in r[0] for r in rows.values()) == 1
    bomb = [r for r in rows.values() if "larger than ws.max_message_size" in r[0]]
    assert len(bomb) == 1 and bomb[0][1] == str(16 << 20)
    # With a smaller cap the message stops there.
    rows = _by_frame(tshark, ["_ws.expert.message", "ws.message.length"], extra=["-o", "ws.max_message_size:100000"])
    bomb = [r for r in rows.values() if "larger than ws.max_message_size" in r[0]]
    assert len(bomb) == 1 and bomb[0][1] == "100000"


def test_close_codes_and_replies(tshark):
    fields = ["ws.close.code", "ws.close.code_range", "ws.close.reply_in", "ws.close.reply_to"]
    # Both ways with two passes; in one pass the reply can only point back.
    rows = _by_frame(tshark, fields, extra=["-2", "-Y", "ws.opcode == 8"])
    (c1, r1), (c2, r2) = sorted(rows.items())
    assert r1 == ["3001", "Registered (IANA, libraries and frameworks)", str(c2), ""]
    assert r2 == ["4001", "Private use", "", str(c1)]
    rows = _by_frame(tshark, fields, extra=["-Y", "ws.opcode == 8"])
    assert [r[2:] for _, r in sorted(rows.items())] == [["", ""], ["", str(c1)]]


def test_text_as_json(tshark):
    rows = _by_frame(tshark, ["frame.protocols"], extra=["-o", "ws.text_as:json-if-valid"])
    assert any(r[0].endswith(":ws:json") for r in rows.values())
    rows = _by_frame(tshark, ["frame.protocols"])
    assert not any(r[0].endswith(":ws:json") for r in rows.values())


def test_x_webkit_deflate_frame(tshark):
    truth = load_truth("edge-deflate-frame.truth.json")
    got = digest(recover_messages(tshark, "edge-deflate-frame.pcap", truth["port"]))
    assert got == expected(truth)


@pytest.mark.parametrize("name", ["frag-node-py", "deflate-node-node", "chromium-py"])
@pytest.mark.parametrize("form", ["", "-nohs"], ids=["whole", "no-handshake"])
def test_message_text_once_per_text_message(tshark, name, form):
    """ws.message.text: every text message each side sent, whole (reassembled, decompressed),
    once, in order; read from -T json so that the text comes back exactly."""
    truth = load_truth(name + ".truth.json")
    proc = tshark.run(["-r", tshark.capture(name + form + ".pcapng"), "-2", "-T", "json", "-e", "tcp.srcport",
                       "-e", "ws.message.text", "-Y", "ws.message.text"])
    got = {"c2s": [], "s2c": []}
    for packet in json.loads(proc.stdout.decode("utf-8")):
        layers = packet["_source"]["layers"]
        d = "s2c" if int(layers["tcp.srcport"][0]) == truth["port"] else "c2s"
        got[d] += [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in layers["ws.message.text"]]
    for d in ("c2s", "s2c"):
        want = [m["sha256"] for m in truth["messages"] if m["dir"] == d and m["opcode"] == 1]
        assert got[d] == want, d
