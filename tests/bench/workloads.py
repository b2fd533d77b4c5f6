#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds the large captures that tests/bench/speed.py times. They are made, not
recorded: the sizes are exact and the same on every machine, and each one is made
in seconds. Every TCP segment carries valid checksums, receivers send bare ACKs
like real stacks do, and the WebSocket streams begin with a real HTTP Upgrade so
that Wireshark's built-in dissector decodes them too.

    tests/bench/workloads.py NAME OUT.pcap [--scale S]

NAME is one of:
  small       200,000 text frames of about 100 bytes, one per segment, masked from
              the client, unmasked from the server
  large       masked text frames of 256 KiB to 4 MiB (about 124 MiB in all), in
              65,483-byte segments (loopback MSS), each answered by a short frame
  large256    the same with every frame 256 KiB (496 frames), where the built-in
              still unmasks and shows the whole text
  compressed  permessage-deflate in both directions with context takeover, 50,000
              JSON messages of 100 to 1,500 bytes
  small_nohs  the same without the TCP and HTTP handshakes (a capture begun after them)
  shortconns  100,000 short TCP connections to unregistered ports (not WebSocket)
  nonws       about 105 MB of TCP that is not WebSocket: HTTP downloads on port 80,
              an HTTP API on 8080, TLS on 443, SSH on 22, bulk binary on an
              unregistered port and 2,000 short conversations on unregistered ports
--scale multiplies the amount of traffic (frames, messages, bytes).
"""
import argparse
import base64
import hashlib
import json
import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "captures"))
from pcapgen import PcapWriter, TcpStream, frame  # noqa: E402

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LOOPBACK_MSS = 65483
ETHERNET_MSS = 1448
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu price order status update user "
         "session token market ticker volume open close high low").split()


def upgrade(s, rnd, port, extensions=None):
    """The opening handshake of RFC 6455 section 4 on stream s, with acks."""
    key = base64.b64encode(rnd.randbytes(16))
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    ext = b"Sec-WebSocket-Extensions: %s\r\n" % extensions if extensions else b""
    s.send("c", b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n" % (port, key, ext))
    s.ack("s")
    s.send("s", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: %s\r\n%s\r\n" % (accept, ext))
    s.ack("c")


def chat_text(rnd, lo, hi):
    """A JSON object of lo..hi bytes, like chat or ticker traffic."""
    n = rnd.randint(lo, hi)
    obj = {"type": rnd.choice(("msg", "tick", "ack", "presence")), "seq": rnd.randint(0, 10 ** 9),
           "user": rnd.choice(WORDS) + str(rnd.randint(1, 999)), "body": ""}
    base = len(json.dumps(obj, separators=(",", ":")))
    words = []
    while base + len(" ".join(words)) < n:
        words.append(rnd.choice(WORDS))
    obj["body"] = " ".join(words)[:max(0, n - base)]
    return json.dumps(obj, separators=(",", ":")).encode()


def small(w, rnd, scale, handshake=True):
    port = 8765
    s = TcpStream(50001, port, caddr="127.0.0.1", saddr="127.0.0.1", handshake=handshake, sink=w.add)
    if handshake:
        upgrade(s, rnd, port)
    texts = [chat_text(rnd, 80, 120) for _ in range(512)]
    n = int(200000 * scale)
    for i in range(n):
        if i % 2 == 0:
            s.send("c", frame(1, texts[i % 512], mask=rnd.randbytes(4)))
        else:
            s.send("s", frame(1, texts[(i * 7) % 512]))
        if i % 4 == 3:
            s.ack("c")
    s.send("c", frame(8, b"\x03\xe8", mask=rnd.randbytes(4)))
    s.send("s", frame(8, b"\x03\xe8"))
    s.close()


def large(w, rnd, scale, sizes=(256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20)):
    port = 8765
    s = TcpStream(50002, port, caddr="127.0.0.1", saddr="127.0.0.1", sink=w.add)
    upgrade(s, rnd, port)
    line_pool = [(" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 16))) + "\n").encode()
                 for _ in range(4096)]
    text = bytearray()
    while len(text) < (4 << 20):
        text += rnd.choice(line_pool)
    text = bytes(text)
    rounds = max(1, int(16 * scale * 31 / (sum(sizes) >> 18)))
    for r in range(rounds):
        for n in sizes:
            start = rnd.randint(0, 4096)
            payload = (text[start:] + text[:start])[:n]
            data = frame(1, payload, mask=rnd.randbytes(4))
            for i in range(0, len(data), LOOPBACK_MSS):
                s.send("c", data[i:i + LOOPBACK_MSS])
                if (i // LOOPBACK_MSS) % 2 == 1:
                    s.ack("s")
            s.send("s", frame(1, b'{"ok":true,"bytes":%d}' % n))
    s.close()


def compressed(w, rnd, scale):
    port = 8765
    s = TcpStream(50003, port, caddr="127.0.0.1", saddr="127.0.0.1", sink=w.add)
    upgrade(s, rnd, port, b"permessage-deflate")
    comp = {d: zlib.compressobj(6, zlib.DEFLATED, -15) for d in "cs"}
    n = int(50000 * scale)
    for i in range(n):
        d = "c" if i % 2 == 0 else "s"
        msg = chat_text(rnd, 100, 1500)
        body = comp[d].compress(msg) + comp[d].flush(zlib.Z_SYNC_FLUSH)
        assert body.endswith(b"\x00\x00\xff\xff")
        s.send(d, frame(1, body[:-4], mask=rnd.randbytes(4) if d == "c" else None, rsv=4))
        if i % 4 == 3:
            s.ack("c")
    s.close()


def bulk(s, d, data, mss, ack_every=2):
    """data from d in segments of mss bytes, the receiver acking every ack_every segments."""
    other = "s" if d == "c" else "c"
    for k, i in enumerate(range(0, len(data), mss)):
        s.send(d, data[i:i + mss])
        if k % ack_every == ack_every - 1:
            s.ack(other)


def nonws(w, rnd, scale):
    blob = rnd.randbytes(8 << 20)

    def piece(n):
        start = rnd.randint(0, len(blob) - 1)
        out = blob[start:start + n]
        while len(out) < n:
            out += blob[:n - len(out)]
        return out

    port = 40000
    # HTTP downloads on port 80, bodies of 3 MiB.
    for i in range(max(1, int(16 * scale))):
        port += 1
        s = TcpStream(port, 80, caddr="192.168.7.%d" % (10 + i % 50), saddr="192.168.7.1", sink=w.add)
        s.send("c", b"GET /files/%d.bin HTTP/1.1\r\nHost: files.example\r\nUser-Agent: curl/7.88.1\r\n"
                    b"Accept: */*\r\n\r\n" % i)
        body = piece(3 << 20)
        bulk(s, "s", b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
             % len(body) + body, ETHERNET_MSS)
        s.close()
    # An HTTP API on 8080: keep-alive, 1,000 small requests per connection.
    for i in range(max(1, int(4 * scale))):
        port += 1
        s = TcpStream(port, 8080, caddr="192.168.7.60", saddr="192.168.7.2", sink=w.add)
        for k in range(1000):
            s.send("c", b"GET /api/v1/items/%d HTTP/1.1\r\nHost: api.example:8080\r\nAccept: application/json\r\n\r\n" % k)
            body = chat_text(rnd, 500, 3000)
            s.send("s", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                   % len(body) + body, segment=ETHERNET_MSS)
        s.close()
    # TLS on 443: a handshake-sized exchange, then 16 KiB application data records.
    for i in range(max(1, int(8 * scale))):
        port += 1
        s = TcpStream(port, 443, caddr="192.168.7.61", saddr="192.168.7.3", sink=w.add)
        s.send("c", b"\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" + rnd.randbytes(0xc4 - 2))
        s.send("s", b"\x16\x03\x03\x00\x5a\x02\x00\x00\x56\x03\x03" + rnd.randbytes(0x56 - 2) +
               b"\x14\x03\x03\x00\x01\x01")
        s.send("c", b"\x14\x03\x03\x00\x01\x01")
        records = b"".join(b"\x17\x03\x03\x40\x00" + piece(0x4000) for _ in range(128))
        bulk(s, "s", records, ETHERNET_MSS)
        s.close()
    # SSH on 22: banners, then binary packets.
    for i in range(max(1, int(2 * scale))):
        port += 1
        s = TcpStream(port, 22, caddr="192.168.7.62", saddr="192.168.7.4", sink=w.add)
        s.send("s", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
        s.send("c", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
        bulk(s, "s", piece(2 << 20), ETHERNET_MSS)
        s.close()
    # Bulk binary on an unregistered port, loopback-sized and Ethernet-sized segments.
    for i in range(max(1, int(4 * scale))):
        port += 1
        s = TcpStream(port, 47999, caddr="192.168.7.63", saddr="192.168.7.5", sink=w.add)
        s.send("c", b"PUT object-%d\n" % i)
        bulk(s, "c", piece(6 << 20), LOOPBACK_MSS if i % 2 else ETHERNET_MSS)
        s.close()
    # Short conversations on unregistered ports: a line of text, a binary answer.
    for i in range(max(1, int(2000 * scale))):
        port += 1
        s = TcpStream(port, 30000 + rnd.randint(0, 9999), caddr="192.168.8.%d" % (1 + i % 200),
                      saddr="192.168.9.%d" % (1 + i % 100), sink=w.add)
        s.send("c", b"FETCH " + " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 30))).encode() + b"\r\n")
        bulk(s, "s", piece(rnd.randint(1000, 4000)), ETHERNET_MSS)
        s.close()


def large256(w, rnd, scale):
    large(w, rnd, scale, sizes=(256 << 10,))


def small_nohs(w, rnd, scale):
    small(w, rnd, scale, handshake=False)


def shortconns(w, rnd, scale):
    """100,000 short TCP connections (handshake, a request line, a 200-1,400-byte answer,
    FIN both ways) to unregistered ports: every segment the heuristic sees is a new
    conversation's, its worst case."""
    for i in range(max(1, int(100000 * scale))):
        s = TcpStream(1024 + i % 60000, 30000 + rnd.randint(0, 9999), caddr="10.%d.%d.%d" % (1 + i // 60000, i // 250 % 240, 1 + i % 250),
                      saddr="10.200.0.%d" % (1 + i % 50), sink=w.add)
        s.send("c", b"GET " + rnd.choice(WORDS).encode() + b" " + str(rnd.randint(0, 99999)).encode() + b"\r\n")
        s.send("s", rnd.randbytes(rnd.randint(200, 1400)))
        s.ack("c")
        s.close()


WORKLOADS = {"small": small, "small_nohs": small_nohs, "large": large, "large256": large256,
             "compressed": compressed, "nonws": nonws, "shortconns": shortconns}


def make(name, path, scale=1.0, seed=6455):
    """Writes workload NAME to path; returns (packets, bytes on the wire)."""
    rnd = random.Random("%s/%d" % (name, seed))
    tmp = path + ".part"
    with PcapWriter(tmp) as w:
        WORKLOADS[name](w, rnd, scale)
        counts = (w.count, w.bytes)
    os.replace(tmp, path)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", choices=sorted(WORKLOADS))
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    packets, size = make(a.name, a.out, a.scale)
    print("%s: %d packets, %.1f MB" % (a.out, packets, size / 1e6))


if __name__ == "__main__":
    main()
