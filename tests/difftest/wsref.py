# SPDX-License-Identifier: GPL-2.0-or-later
"""An independent pure-Python reference for the differential test (tests/difftest).

* WebSocket frames (RFC 6455 5.2): encode_frame / parse_frames.
* Message assembly (RFC 6455 5.4): assemble_messages.
* permessage-deflate (RFC 7692 7.2.2): the sender compresses with a raw DEFLATE
  stream, Z_SYNC_FLUSH, and strips the trailing 00 00 ff ff; the receiver appends it
  again and inflates (pmd_compress / pmd_decompress).
* A raw DEFLATE decoder (RFC 1951) written here, not zlib, that can start with an
  UNKNOWN history window: every output byte is a value 0..255 or UNKNOWN (-1) when it
  was copied, directly or through earlier copies, from history before the cut.
  Inflater(window=None) starts with an unknown window (any distance reaching before
  the start of what was decoded is unknown); Inflater(window=b"") with a known empty
  one.

Nothing here looks at the plugin: the generator uses it to decide which messages a
correct decoder can recover from the bytes that are in the capture.
"""
import hashlib
import struct
import zlib

UNKNOWN = -1
WINDOW = 32768
SYNC_TAIL = b"\x00\x00\xff\xff"


# ---------------------------------------------------------------------------------------
# RFC 6455 frames

def mask_bytes(payload, key):
    n = len(payload)
    if n == 0:
        return b""
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")


def encode_frame(opcode, payload=b"", fin=True, rsv=0, mask=None):
    """One frame; returns (bytes, header length)."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        hdr = bytes([b0, m | n])
    elif n < 65536:
        hdr = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        hdr = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if mask:
        hdr += mask
        payload = mask_bytes(payload, mask)
    return hdr + payload, len(hdr)


class Frame:
    __slots__ = ("fin", "rsv", "opcode", "masked", "payload", "start", "hdr_len", "end")

    def __repr__(self):
        return "Frame(op=%d fin=%d rsv=%d len=%d @%d)" % (self.opcode, self.fin, self.rsv, len(self.payload),
                                                           self.start)


def parse_frames(data, offset=0):
    """Parses a byte stream that starts on a frame boundary; returns (frames, bytes left over)."""
    frames = []
    pos = offset
    n = len(data)
    while True:
        if n - pos < 2:
            break
        b0, b1 = data[pos], data[pos + 1]
        ln = b1 & 0x7F
        h = 2
        if ln == 126:
            if n - pos < 4:
                break
            ln = struct.unpack_from("!H", data, pos + 2)[0]
            h = 4
        elif ln == 127:
            if n - pos < 10:
                break
            ln = struct.unpack_from("!Q", data, pos + 2)[0]
            h = 10
        key = None
        if b1 & 0x80:
            if n - pos < h + 4:
                break
            key = bytes(data[pos + h:pos + h + 4])
            h += 4
        if n - pos < h + ln:
            break
        f = Frame()
        f.fin = bool(b0 & 0x80)
        f.rsv = (b0 >> 4) & 7
        f.opcode = b0 & 0x0F
        f.masked = key is not None
        p = bytes(data[pos + h:pos + h + ln])
        f.payload = mask_bytes(p, key) if key else p
        f.start = pos
        f.hdr_len = h
        f.end = pos + h + ln
        frames.append(f)
        pos = f.end
    return frames, n - pos


def assemble_messages(frames):
    """RFC 6455 5.4: returns [(opcode, rsv1, [frames], payload)] in completion order
    (control frames are messages of their own, between fragments when sent there)."""
    out = []
    cur = None
    for f in frames:
        if f.opcode >= 8:
            out.append((f.opcode, False, [f], f.payload))
            continue
        if f.opcode in (1, 2):
            cur = (f.opcode, bool(f.rsv & 4), [f])
        elif f.opcode == 0:
            if cur is None:
                continue
            cur[2].append(f)
        if f.fin and cur is not None:
            out.append((cur[0], cur[1], cur[2], b"".join(x.payload for x in cur[2])))
            cur = None
    return out


# ---------------------------------------------------------------------------------------
# RFC 7692

def pmd_compress(compressor, data):
    out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(SYNC_TAIL)
    return out[:-4]


def pmd_decompress(inflater, payload):
    """Inflates one message's payload with `inflater` (an Inflater): a list of byte values
    and UNKNOWN."""
    return inflater.inflate(payload + SYNC_TAIL)


# ---------------------------------------------------------------------------------------
# RFC 1951, with unknown history

class DeflateError(Exception):
    pass


LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
            227, 258]
LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
             4097, 6145, 8193, 12289, 16385, 24577]
DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


def _reverse(code, n):
    r = 0
    for _ in range(n):
        r = (r << 1) | (code & 1)
        code >>= 1
    return r


class Huffman:
    """Canonical Huffman code (RFC 1951 3.2.2) as one lookup table indexed by the next
    `bits` input bits (LSB first): entry = symbol << 4 | code length, or -1."""

    def __init__(self, lengths):
        maxlen = max(lengths) if lengths else 0
        if maxlen == 0:
            self.bits = 1
            self.table = [-1, -1]
            return
        count = [0] * (maxlen + 1)
        for ln in lengths:
            if ln:
                count[ln] += 1
        # Over-subscribed codes are invalid; incomplete ones are allowed (a single distance code).
        left = 1
        for ln in range(1, maxlen + 1):
            left = (left << 1) - count[ln]
            if left < 0:
                raise DeflateError("over-subscribed Huffman code")
        code = 0
        nxt = [0] * (maxlen + 2)
        for ln in range(1, maxlen + 1):
            code = (code + count[ln - 1]) << 1 if ln > 1 else 0
            nxt[ln] = code
        self.bits = maxlen
        table = [-1] * (1 << maxlen)
        for sym, ln in enumerate(lengths):
            if not ln:
                continue
            c = nxt[ln]
            nxt[ln] += 1
            r = _reverse(c, ln)
            step = 1 << ln
            entry = (sym << 4) | ln
            for i in range(r, 1 << maxlen, step):
                table[i] = entry
        self.table = table


_FIXED = None


def _fixed():
    global _FIXED
    if _FIXED is None:
        lit = [8] * 144 + [9] * 112 + [7] * 24 + [8] * 8
        _FIXED = (Huffman(lit), Huffman([5] * 30))
    return _FIXED


class Inflater:
    """A raw DEFLATE decoder that keeps its window across calls (a permessage-deflate
    context). window=None: the history before the first byte decoded is unknown."""

    def __init__(self, window=None):
        if window is None:
            self.hist = []
            self.unknown_before = True
        else:
            self.hist = list(window[-WINDOW:])
            self.unknown_before = False

    def window_all_known(self):
        h = self.hist
        if self.unknown_before and len(h) < WINDOW:
            return False
        return UNKNOWN not in h[-WINDOW:]

    def inflate(self, data):
        """Decodes DEFLATE blocks until the input is used up (a sync-flushed stream) or a
        final block ends; returns the new output (values 0..255 or UNKNOWN)."""
        self.data = data
        self.pos = 0
        self.bitbuf = 0
        self.bitcnt = 0
        out = self.hist
        start = len(out)
        while True:
            if self.pos >= len(data) and self.bitcnt < 8:
                break
            final = self._bits(1)
            btype = self._bits(2)
            if btype == 0:
                self.bitbuf = 0
                self.bitcnt = 0
                if self.pos + 4 > len(data):
                    raise DeflateError("truncated stored block")
                ln, nln = struct.unpack_from("<HH", data, self.pos)
                if ln != (~nln & 0xFFFF):
                    raise DeflateError("stored block length check")
                self.pos += 4
                if self.pos + ln > len(data):
                    raise DeflateError("truncated stored block")
                out.extend(data[self.pos:self.pos + ln])
                self.pos += ln
            elif btype == 1:
                lit, dist = _fixed()
                self._codes(out, lit, dist)
            elif btype == 2:
                lit, dist = self._dynamic()
                self._codes(out, lit, dist)
            else:
                raise DeflateError("block type 3")
            if final:
                break
        new = out[start:]
        if len(out) > WINDOW:
            del out[:len(out) - WINDOW]
            self.unknown_before = self.unknown_before  # positions before are gone either way
        return new

    def _bits(self, n):
        while self.bitcnt < n:
            if self.pos >= len(self.data):
                raise DeflateError("input ends inside a block")
            self.bitbuf |= self.data[self.pos] << self.bitcnt
            self.pos += 1
            self.bitcnt += 8
        v = self.bitbuf & ((1 << n) - 1)
        self.bitbuf >>= n
        self.bitcnt -= n
        return v

    def _decode(self, h):
        while self.bitcnt < h.bits and self.pos < len(self.data):
            self.bitbuf |= self.data[self.pos] << self.bitcnt
            self.pos += 1
            self.bitcnt += 8
        e = h.table[self.bitbuf & ((1 << h.bits) - 1)]
        if e < 0:
            raise DeflateError("invalid Huffman code")
        ln = e & 15
        if ln > self.bitcnt:
            raise DeflateError("input ends inside a code")
        self.bitbuf >>= ln
        self.bitcnt -= ln
        return e >> 4

    def _dynamic(self):
        hlit = self._bits(5) + 257
        hdist = self._bits(5) + 1
        hclen = self._bits(4) + 4
        cl = [0] * 19
        for i in range(hclen):
            cl[CL_ORDER[i]] = self._bits(3)
        clh = Huffman(cl)
        lengths = []
        while len(lengths) < hlit + hdist:
            sym = self._decode(clh)
            if sym < 16:
                lengths.append(sym)
            elif sym == 16:
                if not lengths:
                    raise DeflateError("repeat with no previous length")
                lengths.extend([lengths[-1]] * (3 + self._bits(2)))
            elif sym == 17:
                lengths.extend([0] * (3 + self._bits(3)))
            else:
                lengths.extend([0] * (11 + self._bits(7)))
        if len(lengths) > hlit + hdist:
            raise DeflateError("code lengths overrun")
        if lengths[256] == 0:
            raise DeflateError("no end-of-block code")
        return Huffman(lengths[:hlit]), Huffman(lengths[hlit:])

    def _codes(self, out, lit, dist):
        append = out.append
        while True:
            sym = self._decode(lit)
            if sym < 256:
                append(sym)
                continue
            if sym == 256:
                return
            sym -= 257
            if sym >= 29:
                raise DeflateError("bad length symbol")
            length = LEN_BASE[sym] + (self._bits(LEN_EXTRA[sym]) if LEN_EXTRA[sym] else 0)
            ds = self._decode(dist)
            if ds >= 30:
                raise DeflateError("bad distance symbol")
            d = DIST_BASE[ds] + (self._bits(DIST_EXTRA[ds]) if DIST_EXTRA[ds] else 0)
            n = len(out)
            if d > n:
                if not self.unknown_before:
                    raise DeflateError("distance beyond the start of the stream")
                # Bytes from before what we have: unknown (they may themselves be copied on).
                k = min(length, d - n)
                out.extend([UNKNOWN] * k)
                length -= k
                if not length:
                    continue
                n = len(out)
            s = n - d
            if d >= length:
                out.extend(out[s:s + length])
            else:
                for i in range(length):
                    append(out[s + i])
        # not reached


def inflate_raw(data, window=b""):
    """Whole raw DEFLATE stream with known history: bytes (for tests)."""
    out = Inflater(window).inflate(data)
    return bytes(out)


def known_fraction(values):
    if not values:
        return 1.0
    return 1.0 - values.count(UNKNOWN) / len(values)


def sha256(b):
    return hashlib.sha256(b).hexdigest()
