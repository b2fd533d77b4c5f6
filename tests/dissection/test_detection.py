# SPDX-License-Identifier: GPL-2.0-or-later
"""A small subset of the detection benchmark (tests/bench/detection.py): real traffic of
other protocols must never be claimed, and recordings cut at arbitrary packets must
give back every message that starts after the cut (two passes)."""
import glob
import os
import subprocess

import pytest

from conftest import CAPTURES
from wsrecover import builtin_message_starts, digest, expected, load_truth, recover

NEGATIVES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(CAPTURES, "negatives", "*.pcapng")))


def test_negative_corpus_present():
    protocols = {n.replace("-cut", "").rsplit(".", 1)[0] for n in NEGATIVES}
    assert len(protocols) >= 15


@pytest.mark.parametrize("name", NEGATIVES)
def test_other_protocols_never_claimed(tshark, name):
    path = tshark.derived_abs(os.path.join(CAPTURES, "negatives", name))
    assert tshark.fields(path, ["frame.number"], extra=["-Y", "ws"]) == []
    assert tshark.fields(path, ["frame.number"], extra=["-2", "-Y", "ws"]) == []
    # And nothing else changes: the same protocol stack as with the plugin disabled.
    on = tshark.fields(path, ["frame.protocols"])
    off = tshark.fields(path, ["frame.protocols"], extra=["--disable-protocol", "ws"])
    assert on == off


@pytest.mark.parametrize("name,cut", [("py-py", 40), ("node-node", 97), ("py-node", 130), ("node-py", 60)])
def test_cut_anywhere_recovers_what_follows(tshark, name, cut):
    truth = load_truth(name + ".truth.json")
    whole = os.path.join(CAPTURES, name + ".pcapng")
    starts = builtin_message_starts(tshark, whole, truth["port"])
    want = expected(truth)
    assert all(len(starts[d]) == len(want[d]) for d in want)
    expect = {d: [w for w, s in zip(want[d], starts[d]) if s >= cut] for d in want}

    def make(src, dst):
        subprocess.run(["editcap", "-r", src, dst, "%d-%d" % (cut, 10 ** 9)], check=True)
    path = tshark.derived("%s.pcapng@cut%d" % (name, cut), make)
    got = digest(recover(tshark, path, truth["port"], ("-2",)))
    assert got == expect
