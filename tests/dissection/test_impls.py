# SPDX-License-Identifier: GPL-2.0-or-later
"""Recordings of implementations unlike the python/node pair of the older recordings
(tests/captures/record.py, in test-captures/impls/: aiohttp, websocket-client, gorilla/websocket, Firefox,
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


def _late_names():
    """Recordings with a captured Upgrade: every implementation's, and the older ones."""
    out = ["impls/" + n for n in NAMES]
    for p in sorted(glob.glob(os.path.join(CAPTURES, "*.truth.json"))):
        n = os.path.basename(p)[:-len(".truth.json")]
        if os.path.exists(os.path.join(CAPTURES, n + ".pcapng")) and not n.startswith("wss"):
            out.append(n)
    return out


def _from_101(port):
    """Keeps the packets after the client's Upgrade request (found by Wireshark's own HTTP
    dissector, with the plugin absent: tshark runs as root here): the capture begins
    between the request and the server's 101."""
    def make(src, dst):
        import subprocess
        out = subprocess.run(["tshark", "-r", src, "-d", "tcp.port==%d,http" % port, "-Y",
                              "http.request && http.upgrade contains \"websocket\"", "-T", "fields", "-e",
                              "frame.number"], capture_output=True, text=True, check=True).stdout.split()
        assert out, "no Upgrade request in " + src
        subprocess.run(["editcap", "-r", src, dst, "%d-1000000000" % (int(out[0]) + 1)], check=True,
                       capture_output=True)
    return make


@pytest.mark.parametrize("name", _late_names())
@pytest.mark.parametrize("passes", [(), ("-2",)], ids=["one-pass", "two-pass"])
def test_capture_begins_between_request_and_101(tshark, name, passes):
    """HTTP does not switch to WebSocket on a 101 whose request it did not see; the plugin
    reads the 101 itself (what was negotiated included): every message, in one pass too."""
    truth = load_truth(name + ".truth.json")
    cap = tshark.derived(name.replace("/", "_") + "-from101.pcapng", lambda s, d: _from_101(truth["port"])(
        os.path.join(CAPTURES, name + ".pcapng"), d))
    got = digest(recover_messages(tshark, cap, truth["port"], passes))
    want = expected(truth)
    for d in ("c2s", "s2c"):
        assert got[d] == want[d], d
    rows = tshark.fields(cap, ["frame.number", "_ws.col.Info"], extra=["-Y", "http.response.code == 101"])
    assert len(rows) == 1 and "request is not in the capture" in rows[0][1], rows
