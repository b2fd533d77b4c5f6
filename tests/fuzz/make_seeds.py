#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpus of the fuzz harnesses into tests/fuzz/corpus/<harness>/:
frame headers and segments taken from test-captures (TCP payloads), the RFC 6455
and RFC 7692 examples, UTF-8 edge cases, and permessage-deflate messages made
with zlib. Deterministic; run it again after adding captures."""
import hashlib
import os
import random
import subprocess
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CAPS = ["seed.pcapng", "edge-segmentation.pcap", "edge-protocol-errors.pcap", "edge-messages.pcap",
        "py-node-nohs.pcapng", "deflate-node-node-nohs.pcapng", "frag-node-py-nohs.pcapng"]


def payloads(cap, limit=60):
    out = subprocess.run(["tshark", "-r", os.path.join(ROOT, "test-captures", cap), "-Y", "tcp.len > 0",
                          "-T", "fields", "-e", "tcp.payload"], capture_output=True, text=True).stdout
    res = []
    for line in out.splitlines():
        h = line.replace(":", "").strip()
        if h:
            res.append(bytes.fromhex(h)[:4096])
        if len(res) >= limit:
            break
    return res


def write(harness, items):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    for b in items:
        with open(os.path.join(d, hashlib.sha1(b).hexdigest()[:16]), "wb") as f:
            f.write(b)
    print(harness, len(items))


def main():
    rng = random.Random(6455)
    segs = []
    for c in CAPS:
        segs += payloads(c)
    rfc = [bytes.fromhex(x) for x in ("810548656c6c6f", "818537fa213d7f9f4d5158", "010348656c", "80026c6f",
                                      "890548656c6c6f", "8a8537fa213d7f9f4d5158", "827e0100", "827f0000000000010000",
                                      "827f8000000000000000")]
    write("frame", rfc + [s[:14] for s in segs[::3]])
    write("mask", [bytes(rng.randrange(256) for _ in range(rng.randrange(6, 80))) for _ in range(30)])
    write("utf8", [s.encode() for s in ("", "hello", "héllo wörld €", "😀", "\ud7ff")] +
          [bytes.fromhex(x) for x in ("c080", "eda080", "f4908080", "e282", "ff", "61f09f98")] + segs[::7])
    write("heur", [bytes([rng.randrange(2), rng.randrange(10)]) + s for s in segs[::2]])
    msgs = []
    for level in (1, 6, 9):
        comp = zlib.compressobj(level, zlib.DEFLATED, -15)
        parts = []
        for i in range(5):
            m = ('{"seq":%d,"text":"%s"}' % (i, "abc" * rng.randrange(1, 40))).encode()
            parts.append((comp.compress(m) + comp.flush(zlib.Z_SYNC_FLUSH))[:-4])
        msgs.append(b"\xfe".join(parts))
    msgs += [bytes.fromhex("f248cdc9c90700"), bytes.fromhex("f248cdc9c90700fef200110000"),
             bytes.fromhex("00050000faff48656c6c6f00")]
    write("inflate", msgs)


if __name__ == "__main__":
    main()
