# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile captures (tests/captures/make_hostile.py): each decodes with less than four
times the CPU time of the same run with the plugin disabled (measured in the same test;
the 200 MB deflate bomb, inflated up to ws.max_message_size, takes about 2.3 times)
and in under 300 MB (tshark alone takes about 160 MB), gives an expert info, and the
text frame "after" the bad input still decodes where the stream allows it."""
import os

import pytest

from conftest import CAPTURES

HOSTILE = sorted(n[:-5] for n in os.listdir(os.path.join(CAPTURES, "hostile")) if n.endswith(".pcap"))
# Where the bad input swallows the rest of its direction (a length that says the frame goes on).
NO_AFTER = {"len64-2p63-1", "len-wraps-32bit", "endless-continuation", "garbage-after-frames"}
# A 64-byte snapshot leaves 10 bytes of each segment: nothing the heuristic could
# prove; decoded on its port by hand, every frame is flagged as cut short.
DECODE_AS = {"snaplen-64": ["-d", "tcp.port==47958,ws"],
             # Wireshark hands segments on in capture order unless TCP is told to wait for the missing ones.
             "reordered": ["-o", "tcp.reassemble_out_of_order:TRUE"]}
EXPERT = {
    "len64-2p63": "most significant bit",
    "len64-max": "most significant bit",
    "len64-2p63-1": "reassembly limit",
    "len-wraps-32bit": "reassembly limit",
    "empty-frames-20000": None,
    "endless-continuation": None,
    "deflate-bomb-200mb": "larger than ws.max_message_size",
    # Found without a handshake: the first bad header is taken for a lost frame boundary.
    "control-rsv-opcode": "frame boundaries are looked for again",
    "snaplen-64": "cut short by the capture",
    "retransmission": None,
    "reordered": None,
    "gap-inside-frame": "missing before this segment",
    "gap-in-message": "missing before this segment",
    "garbage-after-frames": "Reserved",
}


def test_all_listed():
    assert sorted(EXPERT) == HOSTILE


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("passes", [[], ["-2"]], ids=["one-pass", "two-pass"])
def test_hostile_capture(tshark, name, passes):
    path = tshark.derived_abs(os.path.join(CAPTURES, "hostile", name + ".pcap"))
    passes = passes + DECODE_AS.get(name, [])
    args = passes + ["-r", path, "-V"]
    rc, _, err, cpu, peak = tshark.run_rusage(args)
    assert rc == 0, err
    # Bounded work: CPU time against the same run with the plugin disabled, in this test
    # (tshark's start-up alone is most of both); a hang would end in run_rusage's timeout.
    _, _, _, base_cpu, _ = tshark.run_rusage(["--disable-protocol", "ws"] + args)
    assert cpu < 4 * base_cpu, (cpu, base_cpu)
    assert peak < 300 * 1024, peak
    rows = tshark.fields(path, ["frame.number", "ws.text", "_ws.expert.message"], extra=passes + ["-Y", "ws"])
    experts = " ".join(r[2] for r in rows)
    if EXPERT[name]:
        assert EXPERT[name] in experts, experts[:500]
    texts = [r[1] for r in rows]
    if name not in DECODE_AS or name == "reordered":
        assert any('{"hello":"hostile capture ahead"}' in t for t in texts)
    if name not in NO_AFTER:
        assert "after" in texts[-1].split("\x1f"), texts[-3:]


@pytest.mark.parametrize("passes", [[], ["-2"]], ids=["one-pass", "two-pass"])
def test_bad_headers_without_handshake_are_not_decoded(tshark, passes):
    """A 256-byte ping, RSV2 and a reserved opcode in a conversation found by the
    heuristic: the first bad header ends the frame boundaries (ws.boundary.lost), its
    bytes and the bad frames after it are shown undecoded, never as payloads, and the
    text frame after them is found again."""
    path = tshark.derived_abs(os.path.join(CAPTURES, "hostile", "control-rsv-opcode.pcap"))
    rows = tshark.fields(path, ["frame.number", "ws.opcode", "ws.payload", "ws.text", "ws.undecoded",
                                "_ws.expert.message"], extra=passes + ["-Y", "ws && tcp.srcport == 47957"])
    by_frame = {int(r[0]): r[1:] for r in rows}
    bad = sorted(by_frame)[1:4]
    assert "looked for again" in by_frame[bad[0]][4], by_frame[bad[0]]
    for n in bad:
        assert by_frame[n][1] == "" and by_frame[n][2] == "", (n, by_frame[n])
    assert by_frame[bad[1]][3] and by_frame[bad[2]][3], by_frame
    assert by_frame[sorted(by_frame)[-1]][2] == "after"
