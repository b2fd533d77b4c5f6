# SPDX-License-Identifier: GPL-2.0-or-later
"""The captures of the speed benchmark (tests/bench/workloads.py), made small: the
plugin must decode them as completely as the built-in dissector does, or the
benchmark would compare unequal work. Timing is the benchmark's business
(tests/bench/speed.py), never a test's."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import workloads  # noqa: E402


@pytest.fixture(scope="module")
def made(tshark):
    out = {}

    def make(name, scale):
        key = (name, scale)
        if key not in out:
            out[key] = tshark.derived("bench-%s-%g.pcap@" % (name, scale),
                                      lambda src, dst: workloads.make(name, dst, scale))
        return out[key]
    return make


def _texts(tshark, path, field, extra=()):
    return [r[0] for r in tshark.fields(path, [field], extra=list(extra)) if r[0]]


@pytest.mark.parametrize("name,scale,count", [("small", 0.005, 1000), ("large256", 0.01, 8), ("compressed", 0.01, 500)])
def test_plugin_text_equals_builtin_text(tshark, made, name, scale, count):
    path = made(name, scale)
    ours = _texts(tshark, path, "ws.text")
    theirs = _texts(tshark, path, "websocket.payload.text", ["--disable-protocol", "ws"])
    assert len(ours) == count
    assert ours == theirs


def test_large_frames_are_unmasked_whole(tshark, made):
    """Frames of 256 KiB to 4 MiB: the whole text, where the built-in stops at 256 KiB."""
    path = made("large", 0.07)
    rows = tshark.fields(path, ["ws.payload_length", "ws.text"], extra=["-Y", "ws.mask == 1"])
    sizes = [256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20]
    assert [int(r[0]) for r in rows] == sizes
    # -T fields writes a newline as \n: count the text's lines instead of its bytes.
    assert all(r[1].count("\\n") > int(r[0]) // 200 for r in rows)
    theirs = _texts(tshark, path, "websocket.payload.text", ["--disable-protocol", "ws", "-Y", "websocket.mask == 1"])
    assert all(len(t) < len(r[1]) for t, r in zip(theirs[1:], rows[1:]))


def test_other_traffic_is_left_alone(tshark, made):
    path = made("nonws", 0.01)
    assert tshark.fields(path, ["frame.number"], extra=["-Y", "ws"]) == []
    on = tshark.fields(path, ["frame.protocols"])
    off = tshark.fields(path, ["frame.protocols"], extra=["--disable-protocol", "ws"])
    assert len(on) > 1000 and on == off


def _line_counts(tshark, path, extra=()):
    out = tshark.run(list(extra) + ["-r", path, "-V", "-Y", "ws.payload_length == 4194304"]).stdout.decode()
    return [int(l.split("(")[1].split()[0]) for l in out.splitlines() if l.startswith("Line-based text data (")]


def test_line_tree_of_a_huge_text_stops_at_the_preference(tshark, made):
    """ws.text_lines_max (256 KiB): the 4 MiB text's line-based tree covers its first
    256 KiB; ws.text keeps the whole text; 0 lifts the limit."""
    path = made("large", 0.07)
    text = tshark.fields(path, ["ws.text"], extra=["-Y", "ws.payload_length == 4194304"])[0][0]
    # The text is words, spaces and newlines: -T fields writes a newline as \n and nothing else changes.
    text = text.replace("\\n", "\n")
    assert len(text) == 4194304

    def lines(t):
        return t.count("\n") + (0 if t.endswith("\n") else 1)
    assert _line_counts(tshark, path) == [lines(text[:262144])]
    assert _line_counts(tshark, path, ["-o", "ws.text_lines_max:0"]) == [lines(text)]
    assert _line_counts(tshark, path, ["-o", "ws.text_lines_max:1000"]) == [lines(text[:1000])]
