# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test (tests/difftest): a fixed-seed slice of random valid WebSocket
conversations (gen.py) through tshark, every presented message compared byte for byte
with what the sender sent. No message may be wrong, in one pass or two; in two passes
at least 99 % of the messages that are recoverable from the capture must come back.

The slice: SLICE_CONVERSATIONS conversations over pcaps of PER_PCAP, seed SEED. For a
bigger run: tests/bench/difftest.py --conversations 20000."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "difftest"))
import check  # noqa: E402

SEED = 6455
SLICE_CONVERSATIONS = 2400
PER_PCAP = 400


@pytest.fixture(scope="module")
def difftest(tshark):
    res = check.run(tshark, SEED, SLICE_CONVERSATIONS, PER_PCAP, passes=(1, 2), profile="light")
    return res


def _fail_text(res):
    import io
    out = io.StringIO()
    check.report(res, out, max_missed=20, max_wrong=60)
    out.write("\nRe-run: tests/difftest/check.py --seed %d --conversations %d --per-pcap %d --profile light "
              "--repro DIR (one small pcap per conversation with a wrong message)\n"
              % (SEED, SLICE_CONVERSATIONS, PER_PCAP))
    return out.getvalue()


@pytest.mark.parametrize("passes", [1, 2])
def test_no_wrong_message(difftest, passes):
    res = difftest[passes]
    assert not res["wrong"], _fail_text(res)


@pytest.mark.parametrize("passes,floor", [(1, 0.923), (2, 0.974)])
def test_recovered_not_below_main(difftest, passes, floor):
    """A ratchet: what main recovered on this slice (2026-12-08: 92.33 % and 97.51 %), a little
    under; the slice is deterministic (fixed seed), so a drop is a change of ours."""
    res = difftest[passes]
    got, want = res["recovered"], res["recoverable"]
    assert got >= floor * want, "%d-pass: recovered %d of %d (%.2f %%), below %.1f %%" % (
        passes, got, want, 100.0 * got / max(1, want), 100 * floor)


@pytest.mark.xfail(strict=False, reason="2026-12-08: 33420 of 34275 recoverable messages recovered in two passes "
                   "(97.51 %), one pass 31645 (92.33 %); misses are mostly sides that show no message after a "
                   "cut in segments of 1-30 bytes, late resyncs inside big frames and lost segments before the "
                   "plugin has locked on (docs/detection.md)")
def test_recovered(difftest):
    res = difftest[2]
    got, want = res["recovered"], res["recoverable"]
    assert got >= 0.99 * want, "recovered %d of %d recoverable messages in two passes (%.2f %%), below 99 %%" % (
        got, want, 100.0 * got / max(1, want))


def test_reference_inflater_matches_zlib():
    """The judge first: wsref's own DEFLATE decoder against zlib (tests/difftest/test_wsref.py
    has the full set), with context takeover and a window of 2^9..2^15."""
    import random
    import zlib

    import wsref
    rng = random.Random(SEED)
    for wbits in (9, 12, 15):
        c = zlib.compressobj(6, zlib.DEFLATED, -wbits)
        inf = wsref.Inflater(b"")
        for n in (0, 10, 3000, 70000):
            words = [bytes(rng.choice(b"abcdef") for _ in range(rng.randint(1, 6))) for _ in range(30)]
            msg = b" ".join(rng.choice(words) for _ in range(n // 4))[:n]
            assert bytes(wsref.pmd_decompress(inf, wsref.pmd_compress(c, msg))) == msg


REGRESSIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "test-captures", "difftest")
with open(os.path.join(REGRESSIONS, "cases.json")) as _f:
    REGRESSION_CASES = json.load(_f)


@pytest.mark.parametrize("name", sorted(REGRESSION_CASES))
@pytest.mark.parametrize("passes", [1, 2])
def test_regression_no_wrong_message(tshark, name, passes):
    """Conversations the differential test once found a wrong message in (cut out of their
    pcap by check.extract; test-captures/difftest/cases.json says what was wrong)."""
    with open(os.path.join(REGRESSIONS, name + ".truth.json")) as f:
        truth = json.load(f)
    res = check.run_pcap(tshark, tshark.derived_abs(os.path.join(REGRESSIONS, name + ".pcap")), truth, passes == 2,
                         name)
    assert not res["wrong"], "%s (%s): %s" % (name, REGRESSION_CASES[name], res["wrong"][:3])
    assert res["recovered"] > 0


with open(os.path.join(REGRESSIONS, "known-wrong.json")) as _f:
    KNOWN_WRONG = json.load(_f)


@pytest.mark.parametrize("name,passes", [(n, p) for n in sorted(KNOWN_WRONG) for p in KNOWN_WRONG[n]["passes"]])
@pytest.mark.xfail(strict=True, reason="a wrong message the differential test found that is not fixed yet "
                                       "(test-captures/difftest/known-wrong.json): once fixed, move it to cases.json")
def test_known_wrong_message(tshark, name, passes):
    """Conversations in which the differential test found a message nobody sent and that are
    not fixed yet; strict: a fix makes this fail until the case moves to cases.json."""
    with open(os.path.join(REGRESSIONS, name + ".truth.json")) as f:
        truth = json.load(f)
    res = check.run_pcap(tshark, tshark.derived_abs(os.path.join(REGRESSIONS, name + ".pcap")), truth, passes == 2,
                         name)
    assert not res["wrong"], "%s (%s): %s" % (name, KNOWN_WRONG[name]["why"], res["wrong"][:3])


with open(os.path.join(REGRESSIONS, "recover.json")) as _f:
    RECOVER_CASES = json.load(_f)


@pytest.mark.parametrize("name", sorted(RECOVER_CASES))
@pytest.mark.parametrize("passes", [1, 2])
def test_regression_recovers_every_message(tshark, name, passes):
    """Conversations in which a build once lost messages that the capture holds whole
    (test-captures/difftest/recover.json says what happened): now every recoverable
    message comes back, byte for byte, and none that was not sent."""
    with open(os.path.join(REGRESSIONS, name + ".truth.json")) as f:
        truth = json.load(f)
    res = check.run_pcap(tshark, tshark.derived_abs(os.path.join(REGRESSIONS, name + ".pcap")), truth, passes == 2,
                         name)
    assert not res["wrong"], "%s (%s): %s" % (name, RECOVER_CASES[name], res["wrong"][:3])
    assert res["recoverable"] > 0
    assert res["recovered"] == res["recoverable"], "%s (%s): %d of %d" % (
        name, RECOVER_CASES[name], res["recovered"], res["recoverable"])


with open(os.path.join(REGRESSIONS, "recover2.json")) as _f:
    RECOVER_TWO_PASS_CASES = json.load(_f)


@pytest.mark.parametrize("name", sorted(RECOVER_TWO_PASS_CASES))
def test_regression_recovers_every_message_in_two_passes(tshark, name):
    """Conversations in which a build once lost messages that the capture holds whole,
    some of them before the plugin could decide (test-captures/difftest/recover2.json):
    in two passes every recoverable message comes back, byte for byte; in one pass none
    is wrong or invented."""
    with open(os.path.join(REGRESSIONS, name + ".truth.json")) as f:
        truth = json.load(f)
    cap = tshark.derived_abs(os.path.join(REGRESSIONS, name + ".pcap"))
    one = check.run_pcap(tshark, cap, truth, False, name)
    assert not one["wrong"] and not one["extra"], (name, one["wrong"][:3], one["extra"][:3])
    res = check.run_pcap(tshark, cap, truth, True, name)
    assert not res["wrong"] and not res["extra"], (name, res["wrong"][:3], res["extra"][:3])
    assert res["recoverable"] > 0
    assert res["recovered"] == res["recoverable"], "%s (%s): %d of %d" % (
        name, RECOVER_TWO_PASS_CASES[name], res["recovered"], res["recoverable"])


def test_payload_read_as_a_header_is_not_a_frame(tshark):
    """seed6455-conv1627: the capture begins 4 bytes into the server's stream, whose first
    bytes read as a masked continuation header of 216,450,010,193,474,103 bytes; the
    client's masked frames decided the conversation. That 'frame' once swallowed every
    server byte (13 messages lost) and was shown. A server direction masked like the
    client's cannot be frames (RFC 6455 5.1), nor can a length of 2^40 or more be evidence:
    no such header is shown, and every server message after the first (which begins inside
    that first segment, 4 bytes after the cut) comes back in two passes."""
    name = "seed6455-conv1627"
    with open(os.path.join(REGRESSIONS, name + ".truth.json")) as f:
        truth = json.load(f)
    cap = tshark.derived_abs(os.path.join(REGRESSIONS, name + ".pcap"))
    assert not tshark.fields(cap, ["frame.number"], extra=["-2", "-Y", "ws.payload_length >= 1099511627776"])
    server = truth["conversations"][0]["dirs"]["s2c"]
    sport = str(truth["conversations"][0]["sport"])
    masked = tshark.fields(cap, ["ws.mask"], extra=["-2", "-Y", "ws.mask == 1 && tcp.srcport == " + sport])
    assert not masked, masked
    res = check.run_pcap(tshark, cap, truth, True, name)
    assert not res["wrong"] and not res["extra"], (res["wrong"][:3], res["extra"][:3])
    missed = [m for m in res["missed"] if m["dir"] == "s2c"]
    assert [m["msg"].split()[0] for m in missed] == ["#1"], missed
    assert server["cut"] == 4


def test_request_in_pieces_is_shown_as_the_request(tshark):
    """The pieces of an Upgrade request that HTTP did not take are shown as such on the
    second pass (ws.request_part, their text as lines), not as a frame begun before the
    capture; the 101 says HTTP did not recognise the request."""
    cap = os.path.join(REGRESSIONS, "seed6455-conv1371.pcap")
    rows = tshark.fields(cap, ["frame.number", "tcp.len", "_ws.col.Info"], extra=["-2", "-Y", "ws.request_part"])
    with open(os.path.join(REGRESSIONS, "seed6455-conv1371.truth.json")) as f:
        hs_len = json.load(f)["conversations"][0]["dirs"]["c2s"]["hs_len"]
    assert sum(int(r[1]) for r in rows) == hs_len, rows
    assert all("HTTP Upgrade request" in r[2] for r in rows), rows
    assert not tshark.fields(cap, ["frame.number"], extra=["-2", "-Y", "ws.before_boundary || _ws.malformed"])
    info = tshark.fields(cap, ["_ws.col.Info"], extra=["-2", "-Y", "http.response.code == 101"])
    assert len(info) == 1 and "did not recognise" in info[0][0], info


def _get_in_pieces(src, dst):
    """Not WebSocket: a plain GET on a high port (34567, no dissector's) whose request line
    ends in the second of three pieces, a 200 with a body, a second GET whole, a 404."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "captures"))
    import pcapgen
    s = pcapgen.TcpStream(40000, 34567)
    req = b"GET /index.html HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n"
    for piece in (req[:1], req[1:30], req[30:]):
        s.send("c", piece)
    s.ack("s")
    s.send("s", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello world\n")
    s.send("c", b"GET /b HTTP/1.1\r\nHost: example.test\r\n\r\n")
    s.send("s", b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    s.close()
    s.write(dst)


def test_request_in_pieces_that_is_not_an_upgrade_goes_to_http(tshark):
    """The piece of a request whose first line ends in "HTTP/1.1" after an earlier piece
    (HTTP's heuristic would take it and the whole conversation, so that a 101 after it did
    not switch: seed6455-conv1301 in recover.json) is held by the plugin on the first pass
    while the request may be an Upgrade. A request that turns out not to be one goes to HTTP:
    in two passes no packet is the plugin's and HTTP has the conversation from the request's
    first piece; in one pass only the held piece is shown, labelled as a request in pieces,
    never as a frame, and HTTP gets everything after the request."""
    cap = tshark.derived("seed.pcapng@get-in-pieces", _get_in_pieces)
    assert tshark.fields(cap, ["frame.number"], extra=["-2", "-Y", "ws"]) == []
    rows = tshark.fields(cap, ["frame.number", "frame.protocols", "http.response.code", "http.request.method"],
                         extra=["-2", "-Y", "tcp.len > 0"])
    assert [r[1].endswith(":http") or ":http:" in r[1] for r in rows] == [False, True, True, True, True, True], rows
    assert [r[2] for r in rows if r[2]] == ["200", "404"] and [r[3] for r in rows if r[3]] == ["GET"], rows
    one = tshark.fields(cap, ["frame.number", "ws.request_part", "ws.opcode", "_ws.col.Info"], extra=["-Y", "ws"])
    assert [(r[0], r[2]) for r in one] == [("5", "")] and "request in pieces" in one[0][3], one
    codes = tshark.fields(cap, ["http.response.code"], extra=["-Y", "http.response"])
    assert codes == [["200"], ["404"]], codes


@pytest.mark.parametrize("name", ["seed6455-conv5", "seed6455-conv180"])
def test_control_frame_gathered_before_the_decision(tshark, name):
    """A control frame split over two segments before the plugin decided the conversation
    (conv5: a ping and a pong, conv180: the server's close) is shown on the second pass
    on the segment that completes it: ws.continued.opcode and ws.continued.payload are what
    the sender sent (the generator's truth), a close's code and reason are read from it,
    every recoverable message comes back and no segment is shown as malformed (a
    segment whose frame header the next one finishes once threw a bounds error)."""
    with open(os.path.join(REGRESSIONS, name + ".truth.json")) as f:
        truth = json.load(f)
    conv = truth["conversations"][0]
    cap = tshark.derived_abs(os.path.join(REGRESSIONS, name + ".pcap"))
    rows = tshark.fields(cap, ["tcp.srcport", "ws.continued.opcode", "ws.continued.payload", "ws.close.code"],
                         extra=["-2", "-Y", "ws.continued.payload"])
    assert rows, "no control frame gathered from several segments is shown"
    for sport, op, pay, code in rows:
        d = "s2c" if int(sport) == conv["sport"] else "c2s"
        sent = [(m["opcode"], m.get("hex")) for m in conv["dirs"][d]["messages"]]
        assert (int(op), pay) in sent, (d, op, pay)
        if int(op) == 8:
            assert int(code) == int(pay[:4], 16)
    res = check.run_pcap(tshark, cap, truth, True, name)
    assert not res["wrong"], res["wrong"][:3]
    assert res["recovered"] == res["recoverable"] > 0, (res["recovered"], res["recoverable"])
    assert not tshark.fields(cap, ["frame.number"], extra=["-2", "-Y", "_ws.malformed"])
