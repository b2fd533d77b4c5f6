# SPDX-License-Identifier: GPL-2.0-or-later
"""The reference of the differential test checked against Python's zlib (it must be
right before it can judge the plugin)."""
import os
import random
import sys
import zlib

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsref  # noqa: E402
from wsref import UNKNOWN, Inflater, pmd_compress, pmd_decompress  # noqa: E402


def _data(rng, n):
    kind = rng.randrange(4)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(n))
    if kind == 1:
        words = [bytes(rng.choice(b"abcdefghij") for _ in range(rng.randint(1, 8))) for _ in range(20)]
        out = bytearray()
        while len(out) < n:
            out += rng.choice(words) + b" "
        return bytes(out[:n])
    if kind == 2:
        return bytes([rng.randrange(3)]) * n
    return bytes((i * 7 + (i >> 5)) & 0xFF for i in range(n))


STRATEGIES = [zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED]


@pytest.mark.parametrize("seed", range(40))
def test_inflate_matches_zlib(seed):
    rng = random.Random(seed)
    n = rng.choice([0, 1, 10, 300, 5000, 70000])
    data = _data(rng, n)
    wbits = rng.randint(9, 15)
    c = zlib.compressobj(rng.randint(0, 9), zlib.DEFLATED, -wbits, 8, rng.choice(STRATEGIES))
    comp = c.compress(data) + c.flush(zlib.Z_FINISH)
    assert wsref.inflate_raw(comp) == data == zlib.decompress(comp, -15)


@pytest.mark.parametrize("seed", range(20))
def test_context_takeover_messages(seed):
    """Messages of one permessage-deflate context, sync-flushed and stripped, decoded in order."""
    rng = random.Random(1000 + seed)
    wbits = rng.randint(9, 15)
    c = zlib.compressobj(rng.randint(1, 9), zlib.DEFLATED, -wbits, rng.randint(1, 9), rng.choice(STRATEGIES))
    inf = Inflater(b"")
    ref = zlib.decompressobj(-15)
    for _ in range(rng.randint(1, 12)):
        msg = _data(rng, rng.choice([0, 5, 100, 3000, 40000]))
        payload = pmd_compress(c, msg)
        assert bytes(pmd_decompress(inf, payload)) == msg
        assert ref.decompress(payload + wsref.SYNC_TAIL) == msg


@pytest.mark.parametrize("seed", range(30))
def test_unknown_history(seed):
    """Decoding from the middle of a context: every byte marked known is right, and bytes
    that only literals produced are known."""
    rng = random.Random(2000 + seed)
    wbits = rng.randint(9, 15)
    c = zlib.compressobj(rng.randint(1, 9), zlib.DEFLATED, -wbits)
    msgs = [_data(rng, rng.choice([10, 200, 3000, 20000])) for _ in range(rng.randint(2, 8))]
    payloads = [pmd_compress(c, m) for m in msgs]
    start = rng.randrange(1, len(msgs))
    inf = Inflater(None)
    saw_unknown = False
    for m, p in zip(msgs[start:], payloads[start:]):
        out = pmd_decompress(inf, p)
        assert len(out) == len(m)
        for a, b in zip(out, m):
            assert a == UNKNOWN or a == b
        saw_unknown |= UNKNOWN in out
    # Literal-only compression never refers back: all known.
    c = zlib.compressobj(1, zlib.DEFLATED, -15, 8, zlib.Z_HUFFMAN_ONLY)
    for m in msgs:
        pmd_compress(c, m)
    inf = Inflater(None)
    assert bytes(pmd_decompress(inf, pmd_compress(c, msgs[0]))) == msgs[0]


def test_unknown_is_transitive():
    """A copy of an unknown byte is unknown; a copy of known bytes after a cut is known."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    pmd_compress(c, b"SECRET-HISTORY-0123456789")
    p = pmd_compress(c, b"SECRET-HISTORY-0123456789 again SECRET-HISTORY-0123456789")
    out = pmd_decompress(Inflater(None), p)
    text = "".join("?" if v == UNKNOWN else chr(v) for v in out)
    assert text[25:32] == " again " and text.count("?") >= 40
    assert "?" in text[:25] and text[32:] == text[:25]
    # No context takeover: a fresh compressor never refers before the message.
    c2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = pmd_decompress(Inflater(None), pmd_compress(c2, b"abcabcabcabc hello hello"))
    assert bytes(out) == b"abcabcabcabc hello hello"


def test_window_known_again():
    inf = Inflater(None)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    pmd_decompress(inf, pmd_compress(c, os.urandom(40000)))
    assert inf.window_all_known()
    assert not Inflater(None).window_all_known() and Inflater(b"").window_all_known()


def test_corrupt_raises():
    with pytest.raises(wsref.DeflateError):
        Inflater(b"").inflate(b"\xff\xff\xff")
    with pytest.raises(wsref.DeflateError):
        # A distance before the start of a stream with known (empty) history.
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        pmd_compress(c, b"0123456789abcdef")
        Inflater(b"").inflate(pmd_compress(c, b"0123456789abcdef") + wsref.SYNC_TAIL)


def test_frames_roundtrip():
    rng = random.Random(5)
    stream = b""
    sent = []
    for i in range(200):
        op = rng.choice([0, 1, 2, 8, 9, 10])
        p = os.urandom(rng.choice([0, 1, 125, 126, 65535, 65536, 70000]) if op < 8 else rng.randint(0, 125))
        key = os.urandom(4) if rng.random() < 0.5 else None
        fin = op >= 8 or rng.random() < 0.5
        b, h = wsref.encode_frame(op, p, fin=fin, rsv=4 if op in (1, 2) and rng.random() < .3 else 0, mask=key)
        assert h == len(b) - len(p)
        sent.append((op, fin, p))
        stream += b
    frames, left = wsref.parse_frames(stream + b"\x81")
    assert left == 1
    assert [(f.opcode, f.fin, f.payload) for f in frames] == sent


def test_assemble():
    f = []
    for op, fin, p in [(1, False, b"ab"), (9, True, b"p"), (0, False, b"cd"), (0, True, b"e"), (2, True, b"x")]:
        f.append(wsref.encode_frame(op, p, fin=fin)[0])
    frames, _ = wsref.parse_frames(b"".join(f))
    msgs = [(op, p) for op, _, _, p in wsref.assemble_messages(frames)]
    assert msgs == [(9, b"p"), (1, b"abcde"), (2, b"x")]
