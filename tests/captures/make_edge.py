#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds the hand-made edge-case captures in test-captures/ (edge-*.pcap) and their
ground truth (edge-*.truth.json, same format as record.py's).

Each capture is one TCP connection without HTTP handshake; the bytes are chosen to
exercise one area of the dissector. Deterministic: same output on every run."""
import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import TcpStream, frame, raw_header  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test-captures")
TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0


class Recorder:
    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.s = TcpStream(50000 + (port % 1000), port)
        self.truth = []
        self.rng = random.Random(port)

    def key(self):
        return bytes(self.rng.randrange(256) for _ in range(4))

    def send(self, d, frames, segment=None, truth=None):
        """frames: list of (opcode, payload, raw_bytes); truth entries are appended for each."""
        data = b"".join(f[2] for f in frames)
        self.s.send(d, data, segment)
        for op, payload, _ in frames:
            if truth is False:
                continue
            self.truth.append({"dir": "c2s" if d == "c" else "s2c", "opcode": op, "len": len(payload),
                               "sha256": hashlib.sha256(payload).hexdigest(),
                               "hex": payload.hex() if len(payload) <= 512 else None})

    def f(self, d, op, payload, **kw):
        mask = self.key() if d == "c" else None
        return (op, payload, frame(op, payload, mask=mask, **kw))

    def handshake(self, path, key, accept, extra):
        """A captured HTTP Upgrade; extra: header lines (bytes, CRLF-terminated) both sides send."""
        self.s.send("c", b"GET %s HTTP/1.1\r\nHost: 10.0.0.2:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n"
                    % (path, self.port, key, extra))
        self.s.send("s", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: %s\r\n%s\r\n" % (accept, extra))

    def write(self, note):
        self.s.write(os.path.join(OUT, self.name + ".pcap"))
        with open(os.path.join(OUT, self.name + ".truth.json"), "w") as fh:
            json.dump({"name": self.name, "made_by": "tests/captures/make_edge.py", "port": self.port,
                       "note": note, "messages": self.truth}, fh, indent=1)
        print("wrote", self.name)


def segmentation():
    r = Recorder("edge-segmentation", 47901)
    text300 = ("héllo wörld € " * 30).encode()[:300]
    big = bytes(r.rng.randrange(256) for _ in range(70000))
    # Opening text that alone is strong evidence.
    r.send("c", [r.f("c", TEXT, b'{"subscribe":"ticker","id":1}')])
    # Three frames coalesced in one segment.
    r.send("s", [r.f("s", TEXT, b"hello"), r.f("s", BINARY, b"\x00\x01\x02"), r.f("s", PING, b"")])
    r.send("c", [r.f("c", PONG, b"")])
    # One masked text frame spread over three segments.
    r.send("c", [r.f("c", TEXT, text300)], segment=104)
    # A 64-bit length header cut after 5 bytes, then the payload in 1400-byte segments.
    fr = r.f("s", BINARY, big)
    r.s.send("s", fr[2][:5])
    r.s.send("s", fr[2][5:], segment=1400)
    r.truth.append({"dir": "s2c", "opcode": BINARY, "len": len(big), "sha256": hashlib.sha256(big).hexdigest(),
                    "hex": None})
    # A segment that ends one frame and starts the next, then one that completes
    # that frame and carries a whole frame after it.
    a, b, c = r.f("c", TEXT, b"first of two"), r.f("c", BINARY, bytes(range(200))), r.f("c", PING, b"after")
    data = a[2] + b[2] + c[2]
    r.s.send("c", data[:len(a[2]) + 50])
    r.s.send("c", data[len(a[2]) + 50:])
    for op, payload, _ in (a, b, c):
        r.truth.append({"dir": "c2s", "opcode": op, "len": len(payload),
                        "sha256": hashlib.sha256(payload).hexdigest(), "hex": payload.hex()})
    # Empty data frames and a fragmented message (shown frame by frame for now).
    r.send("s", [r.f("s", TEXT, b""), r.f("s", BINARY, b"")])
    r.send("c", [r.f("c", TEXT, b"frag-", fin=False), r.f("c", PING, b"p"), r.f("c", CONT, b"ment")])
    r.send("c", [r.f("c", CLOSE, b"\x03\xe8bye")])
    r.send("s", [r.f("s", CLOSE, b"\x03\xe8")])
    r.write("frames split across segments, coalesced in one segment, header split, empty and fragmented frames")


def oversize():
    r = Recorder("edge-oversize", 47902)
    payload = bytes(r.rng.randrange(256) for _ in range(200000))
    r.send("c", [r.f("c", TEXT, b'{"op":"upload","name":"blob.bin"}')])
    # A masked 200 kB frame followed, in the last segment, by a small text frame.
    big = r.f("c", BINARY, payload)
    tail = r.f("c", TEXT, b"after the big one")
    r.s.send("c", big[2] + tail[2], segment=2000)
    r.truth += [{"dir": "c2s", "opcode": BINARY, "len": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
                 "hex": None},
                {"dir": "c2s", "opcode": TEXT, "len": len(tail[1]), "sha256": hashlib.sha256(tail[1]).hexdigest(),
                 "hex": tail[1].hex()}]
    r.send("s", [r.f("s", TEXT, b'{"op":"upload","status":"ok"}')])
    r.write("a 200,000-byte masked frame in 2000-byte segments (tests run it with a small ws.max_reassembly)")


def protocol_errors():
    r = Recorder("edge-protocol-errors", 47903)
    # After a captured handshake the frame boundaries are known, so each bad frame is
    # the sender's and decoding goes on after it (without one, a header that breaks
    # these rules is taken for a lost boundary: tests/captures/make_hostile.py).
    r.handshake(b"/errors", b"AQIDBAUGBwgJCgsMDQ4PEA==", b"C/0nmHhBztSRGR1CwL6Tf4ZjwpY=", b"")
    r.send("c", [r.f("c", TEXT, b'{"hello":"server, here come bad frames"}')])
    r.send("s", [r.f("s", TEXT, b'{"hello":"client"}')])
    bad = [
        ("reserved opcode 3", raw_header(0x83, 0x02) + b"ab"),
        ("RSV2 set", raw_header(0xA2, 0x01) + b"x"),
        ("RSV3 set", raw_header(0x92, 0x01) + b"y"),
        ("ping without FIN", raw_header(0x09, 0x00)),
        ("ping of 126 bytes", raw_header(0x89, 0x7E, b"\x00\x7e") + b"p" * 126),
        ("non-minimal 16-bit length", raw_header(0x82, 0x7E, b"\x00\x05") + b"12345"),
        ("close with 1 byte", raw_header(0x88, 0x01) + b"\x03"),
        ("close code 1005", raw_header(0x88, 0x02) + b"\x03\xed"),
        ("close reason not UTF-8", raw_header(0x88, 0x04) + b"\x03\xe8\xc3\x28"),
        ("text not UTF-8", raw_header(0x81, 0x04) + b"ab\xff!"),
        ("RSV1 on a ping", raw_header(0xC9, 0x00)),
    ]
    for _, b in bad:
        r.s.send("s", b)
    # 64-bit length with the top bit set: no length can be trusted, the segment is one bad frame...
    r.s.send("s", raw_header(0x82, 0x7F, b"\x80" + b"\0" * 7) + b"garbage")
    # ...and the next segment decodes again.
    r.send("s", [r.f("s", TEXT, b"still decoding")], truth=False)
    r.send("c", [r.f("c", CLOSE, b"\x03\xeanope")], truth=False)
    with open(os.path.join(OUT, "edge-protocol-errors.cases.json"), "w") as fh:
        json.dump([c for c, _ in bad] + ["64-bit length with top bit set"], fh, indent=1)
    r.write("after a captured handshake, one server frame per segment, each breaking one rule of RFC 6455; the "
            "cases are in edge-protocol-errors.cases.json in packet order after the two opening frames")


def messages():
    """Message-level cases after a captured handshake that negotiated a subprotocol
    (sip) and permessage-deflate."""
    import zlib
    r = Recorder("edge-messages", 47904)
    r.handshake(b"/ws", b"dGhlIHNhbXBsZSBub25jZQ==", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                b"Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Extensions: permessage-deflate\r\n")
    sip = (b"OPTIONS sip:bob@example.invalid SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK1\r\n"
           b"From: <sip:alice@example.invalid>;tag=1\r\nTo: <sip:bob@example.invalid>\r\nCall-ID: edge-1\r\n"
           b"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    r.send("c", [r.f("c", TEXT, sip)])
    # A continuation with no message in progress, then a message interrupted by a new one.
    r.send("c", [r.f("c", CONT, b"stray")], truth=False)
    r.send("c", [r.f("c", TEXT, b"unfinished ", fin=False)], truth=False)
    r.send("c", [r.f("c", BINARY, b"\x01\x02\x03")])

    def deflate(chunks, comp=None):
        comp = comp or zlib.compressobj(9, zlib.DEFLATED, -15)
        out = []
        for c in chunks:
            b = comp.compress(c) + comp.flush(zlib.Z_SYNC_FLUSH)
            assert b.endswith(b"\x00\x00\xff\xff")
            out.append(b[:-4])
        return out
    # Two messages of one compression context; the capture keeps only the second:
    # it refers back to the first (history missing). Then one that needs no history.
    ctx_msgs = [b'{"price":101.25,"symbol":"ABC","side":"buy"}' * 3, b'{"price":101.25,"symbol":"ABC","side":"sell"}' * 3]
    second = deflate(ctx_msgs)[1]
    r.send("s", [("x", b"", frame(TEXT, second, rsv=4))], truth=False)
    fresh = deflate([b'{"status":"fresh start","n":1}'])[0]
    r.send("s", [("x", b"", frame(TEXT, fresh, rsv=4))], truth=False)
    r.truth.append({"dir": "s2c", "opcode": TEXT, "len": 30, "sha256": hashlib.sha256(b'{"status":"fresh start","n":1}').hexdigest(),
                    "hex": b'{"status":"fresh start","n":1}'.hex()})
    # Not DEFLATE at all.
    r.send("s", [("x", b"", frame(BINARY, b"\xff\xff\xff\xff\x12\x34", rsv=4))], truth=False)
    # A deflate bomb: 20 MiB of zeros in about 20 KiB (1000:1), more than the 16 MiB cap.
    bomb = deflate([b"\0" * (20 << 20)], zlib.compressobj(9, zlib.DEFLATED, -15))[0]
    assert len(bomb) * 500 < (20 << 20)
    r.send("s", [("x", b"", frame(BINARY, bomb, rsv=4))], segment=1400, truth=False)
    # Closes with a registered and a private code, answered.
    r.send("c", [r.f("c", CLOSE, b"\x0b\xb9registered")])
    r.send("s", [r.f("s", CLOSE, b"\x0f\xa1private")])
    r.write("after a captured handshake (subprotocol sip, permessage-deflate): a SIP message, a stray continuation, "
            "an interrupted fragmented message, a compressed message whose history is missing, one that needs none, "
            "corrupt DEFLATE, a 1000:1 deflate bomb of 20 MiB, closes 3001 and 4001")


def deflate_frame():
    """x-webkit-deflate-frame (the pre-RFC 7692 extension of old WebKit browsers): every
    frame is compressed by itself, RSV1 on each, continuations included."""
    import zlib
    r = Recorder("edge-deflate-frame", 47905)
    r.handshake(b"/chat", b"x3JJHMbDL1EzLkh9GBhXDw==", b"HSmrc0sMlYUkAGmm5OPpG2HaGWk=",
                b"Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n")
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)

    def z(b):
        out = comp.compress(b) + comp.flush(zlib.Z_SYNC_FLUSH)
        return out[:-4]
    parts = [b"Deflate-frame compresses ", b"every frame on its own, ", b"continuations included."]
    frames = [frame(TEXT, z(parts[0]), fin=False, rsv=4), frame(CONT, z(parts[1]), fin=False, rsv=4),
              frame(CONT, z(parts[2]), rsv=4)]
    r.s.send("s", b"".join(frames))
    again = b"every frame on its own, again"
    r.s.send("s", frame(TEXT, z(again), rsv=4))
    for m in (b"".join(parts), again):
        r.truth.append({"dir": "s2c", "opcode": TEXT, "len": len(m), "sha256": hashlib.sha256(m).hexdigest(),
                        "hex": m.hex()})
    r.send("c", [r.f("c", CLOSE, b"\x03\xe8")])
    r.send("s", [r.f("s", CLOSE, b"\x03\xe8")])
    r.write("x-webkit-deflate-frame negotiated; a text message in three frames compressed one by one "
            "(RSV1 on each), then a message that refers back to them")


def unmasked_client():
    """A client that does not mask (RFC 6455 5.1 says it must; wstunnel's and some test
    tools' do not), tunnelling HTTP: its first frame's payload is an HTTP request, so the
    segment's first line ends in "HTTP/1.1" (Wireshark's HTTP heuristic takes such a
    segment and the whole conversation). A ping/pong echo and a close each way join the
    two unmasked directions. No HTTP Upgrade in the capture."""
    r = Recorder("edge-unmasked-client", 8888)
    req = b"GET /status HTTP/1.1\r\nHost: intranet.example\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
    resp = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\n" +
            b"all services up; 3 workers; queue empty; last deploy 2023-11-14\n")

    def u(op, payload):
        return (op, payload, frame(op, payload))
    r.send("c", [u(BINARY, req)])
    r.send("s", [u(BINARY, resp)])
    r.send("c", [u(PING, b"keepalive")])
    r.send("s", [u(PONG, b"keepalive")])
    r.send("c", [u(TEXT, b"bye")])
    r.send("c", [u(CLOSE, b"\x03\xe8")])
    r.send("s", [u(CLOSE, b"\x03\xe8")])
    r.write("unmasked client frames carrying HTTP, a ping/pong echo, a close each way, no Upgrade")


if __name__ == "__main__":
    deflate_frame()
    messages()
    segmentation()
    oversize()
    protocol_errors()
    unmasked_client()
