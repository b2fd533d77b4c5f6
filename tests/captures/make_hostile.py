#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds the hostile captures in test-captures/hostile/: each is one TCP connection
whose server first sends a clean text frame (so the conversation is recognised),
then one kind of bad input, then a text frame "after" where the stream allows it.
tests/dissection/test_hostile.py checks that tshark stays within 2 s and 300 MB
on each, gives an expert info, and still decodes what follows."""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import TcpStream, frame, raw_header  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "test-captures",
                   "hostile")
TEXT, BINARY, CLOSE, PING, CONT = 1, 2, 8, 9, 0
HELLO = frame(TEXT, b'{"hello":"hostile capture ahead"}')
AFTER = frame(TEXT, b"after")
# After a gap, frame boundaries are found again on evidence as strong as a conversation
# needs: a text of some length (a 5-byte one alone is not enough).
RESYNC = frame(TEXT, b"a frame boundary again after the gap")


def stream(port):
    s = TcpStream(51000 + port % 1000, port)
    s.send("c", frame(TEXT, b'{"client":"here and masking"}', mask=b"\x11\x22\x33\x44"))
    s.send("s", HELLO)
    return s


def write(name, s, snaplen=262144):
    os.makedirs(OUT, exist_ok=True)
    s.write(os.path.join(OUT, name + ".pcap"), snaplen)
    print("wrote", name)


def main():
    port = 47950
    # 64-bit lengths with the top bit set: 2^63 and 2^64-1.
    for name, val in (("len64-2p63", 1 << 63), ("len64-max", (1 << 64) - 1)):
        s = stream(port); port += 1
        s.send("s", raw_header(0x82, 0x7F, struct.pack("!Q", val)) + b"junk")
        s.send("s", AFTER)
        write(name, s)
    # The largest legal length, and one that wraps 32-bit arithmetic with its header.
    for name, val in (("len64-2p63-1", (1 << 63) - 1), ("len-wraps-32bit", (1 << 32) - 6)):
        s = stream(port); port += 1
        s.send("s", raw_header(0x82, 0x7F, struct.pack("!Q", val)) + b"x" * 100)
        s.send("s", b"y" * 1000)
        write(name, s)
    # 20,000 empty frames in one segment, then a text frame.
    s = stream(port); port += 1
    s.send("s", frame(BINARY, b"") * 20000 + AFTER)
    write("empty-frames-20000", s)
    # A message that never ends: 60,000 continuation frames of 100 bytes (6 MB).
    s = stream(port); port += 1
    s.send("s", frame(TEXT, b"a" * 100, fin=False) + frame(CONT, b"b" * 100, fin=False) * 60000, segment=60000)
    write("endless-continuation", s)
    # A deflate bomb: 200 MB of zeros compressed (about 200 kB).
    s = stream(port); port += 1
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = b""
    for _ in range(200):
        bomb += comp.compress(b"\0" * (1 << 20))
    bomb += comp.flush(zlib.Z_SYNC_FLUSH)
    s.send("s", frame(BINARY, bomb[:-4], rsv=4), segment=60000)
    s.send("s", AFTER)
    write("deflate-bomb-200mb", s)
    # Control frames over 125 bytes, RSV2/RSV3, reserved opcodes, then a good frame.
    s = stream(port); port += 1
    s.send("s", raw_header(0x89, 0x7E, b"\x01\x00") + b"p" * 256)
    s.send("s", raw_header(0xB1, 0x01) + b"r")
    s.send("s", raw_header(0x8F, 0x00))
    s.send("s", AFTER)
    write("control-rsv-opcode", s)
    # A 64-byte snapshot length: every frame cut by the capture.
    s = stream(port); port += 1
    s.send("s", frame(TEXT, b"z" * 500))
    s.send("s", AFTER)
    write("snaplen-64", s, snaplen=64)
    # Retransmission and reordering inside a big frame, then a frame after.
    s = stream(port); port += 1
    big = frame(BINARY, bytes(range(256)) * 40)
    s.send("s", big[:3000])
    s.resend("s", big[1000:2000], 2000)
    s.send("s", big[3000:])
    s.send("s", AFTER)
    write("retransmission", s)
    # Reordering: the second piece of a frame captured before the first.
    s = stream(port); port += 1
    start = s.seq["s"]
    s.seq["s"] = start + 3000
    s.send("s", big[3000:6000])
    s.seq["s"] = start
    s.send("s", big[:3000])
    s.seq["s"] = start + 6000
    s.send("s", big[6000:])
    s.send("s", AFTER)
    write("reordered", s)
    # A gap inside a frame: bytes missing from the capture.
    s = stream(port); port += 1
    s.send("s", big[:4000])
    s.seq["s"] += 2000  # never captured
    s.send("s", big[6000:])
    s.send("s", RESYNC)
    s.send("s", AFTER)
    write("gap-inside-frame", s)
    # Valid frames followed by garbage in the same segment.
    s = stream(port); port += 1
    s.send("s", frame(TEXT, b"good one") + frame(TEXT, b"good two") + bytes(range(200, 256)) * 20)
    s.send("s", AFTER)
    write("garbage-after-frames", s)
    # A fragmented message whose middle is missing: its first fragment, half of the
    # middle one never captured, the rest of that frame (no frame boundary in it), the
    # last fragment, then the frame after.
    s = stream(port); port += 1
    s.send("s", frame(TEXT, b"first part, ", fin=False))
    mid = frame(CONT, b"middle " * 40, fin=False)
    s.seq["s"] += len(mid) // 2  # never captured
    s.send("s", mid[len(mid) // 2:])
    s.send("s", frame(CONT, b"end", fin=True))
    s.send("s", RESYNC)
    s.send("s", AFTER)
    write("gap-in-message", s)


if __name__ == "__main__":
    main()
