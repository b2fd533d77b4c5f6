# SPDX-License-Identifier: GPL-2.0-or-later
"""wss: a python websockets connection over TLS 1.3 with its secrets embedded
(test-captures/wss-py-py.pcapng, tests/captures/record.py)."""
from wsrecover import digest, expected, load_truth, recover

CAP = "wss-py-py.pcapng"


def test_upgrade_inside_tls(tshark):
    truth = load_truth("wss-py-py.truth.json")
    got = recover(tshark, CAP, truth["port"])
    assert digest(got) == expected(truth)
    rows = tshark.fields(CAP, ["ws.heur.evidence"], extra=["-Y", "ws"])
    assert rows[0] == ["HTTP Upgrade handshake"] and all(r == [""] for r in rows[1:])


def test_tls_heuristic_without_the_handshake(tshark):
    """With HTTP switched off the Upgrade is not seen: the ws_tls heuristic finds the frames
    in the decrypted application data."""
    truth = load_truth("wss-py-py.truth.json")
    want = expected(truth)
    got = digest(recover(tshark, CAP, truth["port"], ("-2", "--disable-protocol", "http")))
    assert got == want
    one = digest(recover(tshark, CAP, truth["port"], ("--disable-protocol", "http")))
    for d in ("c2s", "s2c"):
        n = len(want[d]) - len(one[d])
        assert 0 <= n <= 4 and one[d] == want[d][n:]
    # Without the heuristic, nothing.
    assert tshark.fields(CAP, ["frame.number"],
                         extra=["--disable-protocol", "http", "--disable-heuristic", "ws_tls", "-Y", "ws"]) == []
