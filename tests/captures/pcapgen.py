# SPDX-License-Identifier: GPL-2.0-or-later
"""A tiny pcap writer for hand-built TCP streams (Ethernet / IPv4 / TCP, valid checksums).

Used by make_edge.py to build small edge-case captures whose bytes are chosen
exactly; real traffic comes from record.py instead."""
import array
import struct
import sys


def checksum(data):
    """The Internet checksum (RFC 1071) of data. Summed in the machine's byte order
    and swapped at the end (RFC 1071 2(B)), which is fast for big benchmark captures."""
    if len(data) % 2:
        data += b"\0"
    s = sum(array.array("H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    if sys.byteorder == "little":
        s = ((s & 0xFF) << 8) | (s >> 8)
    return (~s) & 0xFFFF


def mask_bytes(payload, key):
    """payload XORed with the 4-byte key repeated (RFC 6455 5.3)."""
    n = len(payload)
    if n == 0:
        return b""
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")


class TcpStream:
    """One TCP connection between a client and a server on 127.0.0.1-style addresses."""

    def __init__(self, cport, sport, caddr="10.0.0.1", saddr="10.0.0.2", handshake=True, cseq=1000, sseq=5000,
                 sink=None):
        """sink: called with (time, packet bytes) for each packet instead of keeping it in
        self.packets (several streams can then share one PcapWriter)."""
        self.sink = sink
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
        if self.sink:
            self.sink(self.t, eth + ip + tcp + payload)
        else:
            self.packets.append((self.t, eth + ip + tcp + payload))

    def send(self, d, data, segment=None):
        """Sends data from 'c' or 's', cut into segments of at most `segment` bytes (PSH on the last)."""
        segment = segment or 65000
        for i in range(0, len(data), segment):
            chunk = data[i:i + segment]
            last = i + segment >= len(data)
            self._emit(d, chunk, 0x18 if last else 0x10)
            self.seq[d] += len(chunk)

    def ack(self, d):
        """A bare ACK from `d`."""
        self._emit(d, b"", 0x10)

    def resend(self, d, data, back):
        """A retransmission of `data` that started `back` bytes before the current sequence number."""
        self._emit(d, data, 0x18, seq=self.seq[d] - back)

    def write(self, path, snaplen=262144):
        with PcapWriter(path, snaplen) as w:
            for t, pkt in self.packets:
                w.add(t, pkt)

    def close(self):
        """FIN from the client, FIN from the server, last ACK."""
        self._emit("c", b"", 0x11)
        self.seq["c"] += 1
        self._emit("s", b"", 0x11)
        self.seq["s"] += 1
        self._emit("c", b"", 0x10)


class PcapWriter:
    """A pcap file (Ethernet) written packet by packet."""

    def __init__(self, path, snaplen=262144):
        self.f = open(path, "wb")
        self.snaplen = snaplen
        self.count = 0
        self.bytes = 0
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))

    def add(self, t, pkt):
        cap = pkt[:self.snaplen]
        self.f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(cap), len(pkt)))
        self.f.write(cap)
        self.count += 1
        self.bytes += len(pkt)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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
        payload = mask_bytes(payload, mask)
    return hdr + payload


def raw_header(b0, b1, ext=b"", mask=None):
    return bytes([b0, b1]) + ext + (mask or b"")
