# SPDX-License-Identifier: GPL-2.0-or-later
"""Hand-built edge cases (tests/captures/make_edge.py): segmentation, oversized frames,
and one frame per RFC 6455 rule broken."""
import json
import os

import pytest

from conftest import CAPTURES
from wsrecover import digest, expected, load_truth, recover


@pytest.mark.parametrize("extra", [(), ("-2",)], ids=["one-pass", "two-pass"])
def test_segmentation_recovers_every_frame(tshark, extra):
    truth = load_truth("edge-segmentation.truth.json")
    got = recover(tshark, "edge-segmentation.pcap", truth["port"], extra)
    assert digest(got) == expected(truth)


@pytest.mark.parametrize("extra", [(), ("-2",)], ids=["one-pass", "two-pass"])
def test_segmentation_without_tcp_reassembly(tshark, extra):
    """With TCP's reassembly off the plugin follows frames over segments itself: a header
    cut by the segment's end (the 64-bit length after 5 bytes) is completed from the next
    segment, never read there as a new frame (before 2026-12-04 the payload's first bytes
    showed as a Continuation, a Text and a reserved frame nobody sent, found by
    fuzz_dissect in CI), and every message is still byte-exact."""
    truth = load_truth("edge-segmentation.truth.json")
    got = recover(tshark, "edge-segmentation.pcap", truth["port"], extra + ("-o", "tcp.desegment_tcp_streams:FALSE"))
    assert digest(got) == expected(truth)


def test_coalesced_frames_share_one_packet(tshark):
    rows = tshark.fields("edge-segmentation.pcap", ["_ws.col.Info"], extra=["-Y", "ws.opcode == 9 && ws.payload_length == 3"])
    assert rows == [["Text [FIN] len=5, Binary [FIN] len=3, Ping [FIN] len=0"]]


def test_split_header_reassembled(tshark):
    rows = tshark.fields("edge-segmentation.pcap", ["ws.payload_length", "ws.payload_length.len64", "tcp.reassembled.length"],
                         extra=["-Y", "ws.payload_length == 70000"])
    assert rows == [["70000", "70000", str(70000 + 10)]]


@pytest.mark.parametrize("limit", ["65536", "1000"])
def test_oversized_frame_streams_with_low_reassembly_limit(tshark, limit):
    truth = load_truth("edge-oversize.truth.json")
    extra = ("-o", "ws.max_reassembly:" + limit)
    got = recover(tshark, "edge-oversize.pcap", truth["port"], extra)
    assert digest(got) == expected(truth)
    rows = tshark.fields("edge-oversize.pcap", ["frame.number"], extra=extra + ("-Y", "_ws.expert.message contains \"reassembly limit\""))
    assert rows == [["5"]]
    # Every continuation names where the frame started.
    rows = tshark.fields("edge-oversize.pcap", ["ws.continued.frame"], extra=extra + ("-Y", "ws.continued"))
    assert len(rows) == 100 and set(r[0] for r in rows) == {"5"}


def test_oversized_frame_reassembled_by_default(tshark):
    truth = load_truth("edge-oversize.truth.json")
    got = recover(tshark, "edge-oversize.pcap", truth["port"])
    assert digest(got) == expected(truth)
    assert tshark.fields("edge-oversize.pcap", ["frame.number"], extra=["-Y", "ws.continued"]) == []


def test_each_protocol_error_has_its_expert_info(tshark):
    with open(os.path.join(CAPTURES, "edge-protocol-errors.cases.json")) as f:
        cases = json.load(f)
    rows = tshark.fields("edge-protocol-errors.pcap", ["frame.number", "_ws.expert.message", "ws.opcode"],
                         extra=["-Y", "ws"])
    by_frame = {int(r[0]): r for r in rows}
    # 3 TCP handshake packets, the HTTP Upgrade and its 101, then the client's and the
    # server's opening frames.
    first_bad = 8
    wanted = {
        "reserved opcode 3": "Reserved opcode",
        "RSV2 set": "Reserved bit set",
        "RSV3 set": "Reserved bit set",
        "ping without FIN": "must not be fragmented",
        "ping of 126 bytes": "longer than 125 bytes",
        "non-minimal 16-bit length": "minimal encoding",
        "close with 1 byte": "Close payload of one byte",
        "close code 1005": "Close code 1005 must not be sent",
        "close reason not UTF-8": "Close reason is not valid UTF-8: first bad byte at reason offset 0",
        "text not UTF-8": "Text is not valid UTF-8: first bad byte at message offset 2",
        "RSV1 on a ping": "Reserved bit set",
        "64-bit length with top bit set": "most significant bit set",
    }
    assert list(wanted) == cases
    for i, case in enumerate(cases):
        assert wanted[case] in by_frame[first_bad + i][1], (case, by_frame[first_bad + i])
    # The two opening frames are clean, and the frames after the bad ones still decode.
    assert by_frame[6][1] == "" and by_frame[7][1] == ""
    last = max(by_frame)
    assert by_frame[last - 1][1:] == ["", "1"]
    assert tshark.fields("edge-protocol-errors.pcap", ["ws.text"], extra=["-Y", "frame.number == %d" % (last - 1)]) == [["still decoding"]]


def test_close_code_and_reason(tshark):
    rows = tshark.fields("edge-segmentation.pcap", ["ws.close.code", "ws.close.reason"], extra=["-Y", "ws.opcode == 8"])
    assert rows == [["1000", "bye"], ["1000", ""]]
    out = tshark.run(["-r", tshark.capture("edge-segmentation.pcap"), "-V", "-Y", "ws.close.code"]).stdout.decode()
    assert "Close code: Normal Closure (1000)" in out


def test_segment_that_completes_a_frame_and_holds_another(tshark):
    rows = tshark.fields("edge-segmentation.pcap", ["_ws.col.Info", "ws.payload"],
                         extra=["-Y", "ws.opcode == 9 && ws.payload == 61:66:74:65:72"])
    assert rows == [["Binary [FIN] [MASKED] len=200, Ping [FIN] [MASKED] len=5",
                     bytes(range(200)).hex() + "\x1f" + b"after".hex()]]


@pytest.mark.parametrize("extra", [(), ("-2",)], ids=["one-pass", "two-pass"])
def test_unmasked_client_tunnelling_http(tshark, extra):
    """A client that does not mask, whose first frame carries an HTTP request: Wireshark's
    HTTP heuristic takes any segment whose first line ends in "HTTP/1.1" and then keeps
    the conversation (before 2026-12-08 no packet of it reached the plugin; and both
    directions unmasked was a rejection). The plugin holds that segment and accepts the
    conversation at the pong that echoes the client's ping: two passes show every message,
    one pass those from the pong on; HTTP never has a packet of it."""
    truth = load_truth("edge-unmasked-client.truth.json")
    got = recover(tshark, "edge-unmasked-client.pcap", truth["port"], extra)
    want = expected(truth)
    if extra:
        assert digest(got) == want
    else:
        # (c2s: request, ping, text, close; s2c: answer, pong, close)
        assert digest(got) == {"c2s": want["c2s"][2:], "s2c": want["s2c"][1:]}
        rows = tshark.fields("edge-unmasked-client.pcap", ["frame.number", "_ws.col.Info"], extra=["-Y", "ws"])
        assert rows[0] == ["4", "Undecided: frames whose payload HTTP would take"]
    protocols = tshark.fields("edge-unmasked-client.pcap", ["frame.protocols"], extra=extra)
    assert not any("http" in r[0].split(":") for r in protocols)
    evidence = tshark.fields("edge-unmasked-client.pcap", ["ws.heur.evidence"], extra=("-2", "-Y", "ws.heur.evidence"))
    assert evidence and "a pong echoes the other side's ping" in evidence[0][0]
