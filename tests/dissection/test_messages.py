# SPDX-License-Identifier: GPL-2.0-or-later
"""Messages, not just frames: fragmented and compressed recordings of python websockets,
npm ws and headless Chromium (tests/captures/record_ext.py). Every message each side
sent must come back byte-exact from ws.message.payload, after reassembly and
decompression, with the handshake and without it."""
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
