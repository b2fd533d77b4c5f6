# SPDX-License-Identifier: GPL-2.0-or-later
"""Recordings of implementations unlike the python/node pair of the older recordings
(tests/captures/record_impls.py: aiohttp, websocket-client, gorilla/websocket, Firefox,
socket.io, a writer that puts each frame header and payload in separate TCP segments),
on MTU 1500 and on ports Wireshark gives to other protocols. Whole captures (handshake
included), two passes: every message each side sent must come back byte-exact, after
reassembly and decompression."""
import glob
import os

import pytest

from conftest import CAPTURES
from wsrecover import digest, expected, load_truth, recover_messages

NAMES = sorted(os.path.basename(p)[:-len(".truth.json")]
               for p in glob.glob(os.path.join(CAPTURES, "impls", "*.truth.json")))

def test_impls_present():
    assert len(NAMES) >= 10, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_message_recovered_whole(tshark, name):
    truth = load_truth(os.path.join("impls", name + ".truth.json"))
    got = digest(recover_messages(tshark, os.path.join("impls", name + ".pcapng"), truth["port"], ("-2",)))
    want = expected(truth)
    for d in ("c2s", "s2c"):
        assert len(got[d]) == len(want[d]), d
        assert got[d] == want[d], d


@pytest.mark.parametrize("name", NAMES)
def test_every_message_recovered_without_handshake(tshark, name):
    """The capture from the first packet after the 101 (NAME-nohs.pcapng), on the ports
    other dissectors own, at MTU 1500: two passes give every message, byte-exact."""
    truth = load_truth(os.path.join("impls", name + ".truth.json"))
    got = digest(recover_messages(tshark, os.path.join("impls", name + "-nohs.pcapng"), truth["port"], ("-2",)))
    want = expected(truth)
    for d in ("c2s", "s2c"):
        assert got[d] == want[d], d


@pytest.mark.parametrize("name", NAMES)
def test_one_pass_without_handshake_shows_only_what_was_sent(tshark, name):
    """One pass loses the messages before the decision, never shows one nobody sent: what
    it shows is the end of what each side sent."""
    truth = load_truth(os.path.join("impls", name + ".truth.json"))
    got = digest(recover_messages(tshark, os.path.join("impls", name + "-nohs.pcapng"), truth["port"]))
    want = expected(truth)
    for d in ("c2s", "s2c"):
        assert got[d] == want[d][len(want[d]) - len(got[d]):], d
