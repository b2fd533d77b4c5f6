# SPDX-License-Identifier: GPL-2.0-or-later
"""Recordings of real implementations over loopback (tests/captures/record.py):
every message each side sent must come back byte-exact from ws.opcode/ws.payload,
above all in the handshake-less form the plugin exists for."""
import glob
import os
import re

import pytest

from conftest import CAPTURES
from wsrecover import digest, expected, load_truth, recover

# The four uncompressed recordings of two implementations (tests/captures/record.py);
# compressed, fragmented and TLS recordings have tests of their own.
PLAIN = re.compile(r"^(py|node)-(py|node)$")
RECORDINGS = sorted(n for n in (os.path.basename(p)[:-len(".truth.json")]
                                for p in glob.glob(os.path.join(CAPTURES, "*.truth.json"))) if PLAIN.match(n))


def test_recordings_present():
    # Two implementations, each as client and as server.
    assert {"py-py", "node-node", "py-node", "node-py"} <= set(RECORDINGS)


@pytest.mark.parametrize("name", RECORDINGS)
def test_every_message_recovered_without_handshake_two_pass(tshark, name):
    """With -2 the frames seen before the heuristic made up its mind are decoded too."""
    truth = load_truth(name + ".truth.json")
    got = recover(tshark, name + "-nohs.pcapng", truth["port"], ("-2",))
    want = expected(truth)
    for d in ("c2s", "s2c"):
        assert len(digest(got)[d]) == len(want[d]), d
        assert digest(got)[d] == want[d], d


# In one pass, the messages before the evidence sufficed are left as TCP data.
# These recordings open with empty and 1-byte messages: weak evidence.
MAX_LOST_ONE_PASS = 4


@pytest.mark.parametrize("name", RECORDINGS)
def test_one_pass_recovers_everything_after_acceptance(tshark, name):
    truth = load_truth(name + ".truth.json")
    got = digest(recover(tshark, name + "-nohs.pcapng", truth["port"]))
    want = expected(truth)
    lost = 0
    for d in ("c2s", "s2c"):
        n = len(want[d]) - len(got[d])
        assert 0 <= n <= MAX_LOST_ONE_PASS, (d, n)
        assert got[d] == want[d][n:], d
        lost += n
    # Every message after the accepting packet: the loss is only at the start.
    claim = tshark.fields(name + "-nohs.pcapng", ["ws.heur.claim_frame"], extra=["-Y", "ws.heur.claim_frame"])
    first = tshark.fields(name + "-nohs.pcapng", ["frame.number"], extra=["-Y", "ws"])
    # The accepting packet is the first one decoded; the later ones link back to it.
    assert claim and first[0][0] == claim[0][0]
    print("%s: %d of %d messages before acceptance" % (name, lost, len(truth["messages"])))


@pytest.mark.parametrize("name", RECORDINGS)
def test_whole_capture_taken_over_from_http_upgrade(tshark, name):
    truth = load_truth(name + ".truth.json")
    got = recover(tshark, name + ".pcapng", truth["port"])
    assert digest(got) == expected(truth)
    rows = tshark.fields(name + ".pcapng", ["frame.number", "ws.heur.evidence", "ws.heur.claim_frame"],
                         extra=["-Y", "ws"], occurrence_sep=",")
    upgrade = tshark.fields(name + ".pcapng", ["frame.number"], extra=["-Y", "http.response.code == 101"])
    assert len(upgrade) == 1
    # The evidence on the first WebSocket packet after the 101; no link to the 101
    # elsewhere (the handshake is in the same TCP stream).
    assert rows[0][1:] == ["HTTP Upgrade handshake", ""]
    assert all(r[1:] == ["", ""] for r in rows[1:])
    assert int(rows[0][0]) > int(upgrade[0][0])


@pytest.mark.parametrize("name", RECORDINGS)
@pytest.mark.parametrize("how", [["-o", "ws.take_over_upgrade:FALSE"], ["--disable-protocol", "ws"]],
                         ids=["preference", "plugin-disabled"])
def test_upgrade_left_to_builtin(tshark, name, how):
    truth = load_truth(name + ".truth.json")
    rows = tshark.fields(name + ".pcapng", ["websocket.opcode", "ws.opcode"], occurrence_sep=",", extra=how)
    builtin = sum(len(r[0].split(",")) for r in rows if r[0])
    ours = sum(len(r[1].split(",")) for r in rows if r[1])
    assert (builtin, ours) == (len(truth["messages"]), 0)


@pytest.mark.parametrize("name", RECORDINGS)
def test_sizes_and_masking(tshark, name):
    """Client frames are masked and server frames are not; every size of the plan appears in both directions."""
    truth = load_truth(name + ".truth.json")
    rows = tshark.fields(name + "-nohs.pcapng", ["tcp.srcport", "ws.mask", "ws.payload_length"], occurrence_sep=",",
                         extra=["-2"])
    seen = {"c2s": set(), "s2c": set()}
    for srcport, masks, lengths in rows:
        if not masks:
            continue
        d = "s2c" if int(srcport) == truth["port"] else "c2s"
        assert set(masks.split(",")) == {"1" if d == "c2s" else "0"}
        seen[d] |= {int(n) for n in lengths.split(",")}
    for d in seen:
        assert {0, 1, 125, 126, 65535, 65536, 1000000} <= seen[d]


@pytest.mark.parametrize("name", RECORDINGS)
def test_coalesced_segment_decoded(tshark, name):
    """The burst put several frames in one TCP segment; all of them are decoded in that packet."""
    rows = tshark.fields(name + "-nohs.pcapng", ["ws.opcode"], occurrence_sep=",")
    assert max(len(r[0].split(",")) for r in rows if r[0]) >= 2


@pytest.mark.parametrize("name", RECORDINGS)
def test_nohs_has_no_http(tshark, name):
    assert tshark.fields(name + "-nohs.pcapng", ["frame.number"], extra=["-Y", "http || websocket"]) == []


def _midframe_expectation(truth):
    """Messages that start after the cut: the cut lies inside the client's 1,000,000-byte
    text frame (tests/captures/make_cuts.py), so the client's messages after that one and
    the server's from its echo of it on."""
    want = expected(truth)
    big = (1, 1000000)
    c2s = [m[:2] for m in want["c2s"]].index(big)
    s2c = [m[:2] for m in want["s2c"]].index(big)
    return {"c2s": want["c2s"][c2s + 1:], "s2c": want["s2c"][s2c:]}


@pytest.mark.parametrize("name", RECORDINGS)
def test_capture_beginning_mid_frame_two_pass(tshark, name):
    truth = load_truth(name + ".truth.json")
    got = digest(recover(tshark, name + "-midframe.pcapng", truth["port"], ("-2",)))
    assert got == _midframe_expectation(truth)
    # The bytes before the first boundary are one labelled item per packet, never made-up frames.
    rows = tshark.fields(name + "-midframe.pcapng", ["frame.number", "ws.before_boundary", "ws.opcode", "_ws.col.Info"],
                         extra=["-2", "-Y", "ws"])
    before = [r for r in rows if r[1]]
    assert before and all(r[2] == "" and r[3] == "Continuation of a frame that began before the capture" for r in before)
    assert int(before[-1][0]) < min(int(r[0]) for r in rows if r[2])


@pytest.mark.parametrize("name", RECORDINGS)
def test_capture_beginning_mid_frame_one_pass(tshark, name):
    truth = load_truth(name + ".truth.json")
    got = digest(recover(tshark, name + "-midframe.pcapng", truth["port"]))
    want = _midframe_expectation(truth)
    for d in ("c2s", "s2c"):
        n = len(want[d]) - len(got[d])
        assert 0 <= n <= MAX_LOST_ONE_PASS, (d, n)
        assert got[d] == want[d][n:], d
