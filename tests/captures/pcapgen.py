# SPDX-License-Identifier: GPL-2.0-or-later
"""A tiny pcap writer for hand-built TCP streams (Ethernet / IPv4 / TCP, valid checksums).

Used by make_edge.py to build small edge-case captures whose bytes are chosen
exactly; real traffic comes from record.py instead."""
import struct


def checksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class TcpStream:
    """One TCP connection between a client and a server on 127.0.0.1-style addresses."""

    def __init__(self, cport, sport, caddr="10.0.0.1", saddr="10.0.0.2", handshake=True, cseq=1000, sseq=5000):
        self.ep = {"c": (bytes(map(int, caddr.split("."))), cport), "s": (bytes(map(int, saddr.split("."))), sport)}
        self.seq = {"c": cseq, "s": sseq}
        self.packets = []
        self.t = 1700000000.0
        if handshake:
            self._emit("c", b"", 0x02)
            self.seq["c"] += 1
            self._emit("s", b"", 0x12)
            self.seq["s"] += 1
            self._emit("c", b"", 0x10)

    def _emit(self, d, payload, flags, seq=None):
        other = "s" if d == "c" else "c"
        src, sp = self.ep[d]
        dst, dp = self.ep[other]
        seq = self.seq[d] if seq is None else seq
        ack = self.seq[other] if flags != 0x02 else 0
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        c = checksum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), len(self.packets) & 0xFFFF,
                         0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
        self.t += 0.001
        self.packets.append((self.t, eth + ip + tcp + payload))

    def send(self, d, data, segment=None):
        """Sends data from 'c' or 's', cut into segments of at most `segment` bytes (PSH on the last)."""
        segment = segment or 65000
        for i in range(0, len(data), segment):
            chunk = data[i:i + segment]
            last = i + segment >= len(data)
            self._emit(d, chunk, 0x18 if last else 0x10)
            self.seq[d] += len(chunk)

    def resend(self, d, data, back):
        """A retransmission of `data` that started `back` bytes before the current sequence number."""
        self._emit(d, data, 0x18, seq=self.seq[d] - back)

    def write(self, path, snaplen=262144):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
            for t, pkt in self.packets:
                cap = pkt[:snaplen]
                f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(cap), len(pkt)))
                f.write(cap)


def frame(opcode, payload=b"", fin=True, mask=None, rsv=0, len_bytes=None):
    """Encodes one WebSocket frame. mask: 4-byte key or None. len_bytes forces 2, 4 or 10 header
    length bytes (non-minimal encodings) when given."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if len_bytes is None:
        len_bytes = 0 if n < 126 else (2 if n < 65536 else 8)
    if len_bytes == 0:
        hdr = bytes([b0, mbit | n])
    elif len_bytes == 2:
        hdr = bytes([b0, mbit | 126]) + struct.pack("!H", n)
    else:
        hdr = bytes([b0, mbit | 127]) + struct.pack("!Q", n)
    if mask:
        hdr += mask
        payload = bytes(p ^ mask[i % 4] for i, p in enumerate(payload))
    return hdr + payload


def raw_header(b0, b1, ext=b"", mask=None):
    return bytes([b0, b1]) + ext + (mask or b"")
