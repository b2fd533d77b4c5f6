#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seeds for fuzz_dissect: the TCP payloads of every capture in test-captures/, in the
harness's input format (tests/fuzz/fuzz_dissect.c, docs/robustness.md).

One seed per TCP conversation and window of 48 segments (the first window with the
conversation's SYN if it was captured), payloads split at 8191 bytes, at most
MAX_SEED bytes of payload per seed. tshark reads the captures (with TCP reassembly
off, so every segment is its own); the plugin is disabled for that.

  tests/fuzz/make_dissect_seeds.py [OUTDIR]   (default tests/fuzz/corpus/dissect)
"""
import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_SEGS = 48
MAX_LEN = 8191
MAX_SEED = 6 * 1024
PORTS = {80: 1, 5000: 2, 443: 3}


def segments(path):
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:FALSE", "--disable-protocol", "ws",
         "-Y", "tcp && !tcp.analysis.retransmission && !tcp.analysis.out_of_order",
         "-T", "fields", "-E", "separator=|", "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src",
         "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags", "-e", "tcp.payload"],
        capture_output=True, text=True, check=False).stdout
    convs = {}
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < 7 or not f[0]:
            continue
        stream, src, sport, dport, flags, payload = f[0], f[1] or f[2], f[3], f[4], int(f[5], 16), f[6]
        c = convs.setdefault(stream, {"client": None, "segs": [], "syn": False, "fin": False})
        if c["client"] is None:
            # the SYN's sender, else the first sender whose port is the higher one
            if flags & 0x02 and not flags & 0x10:
                c["client"] = (src, sport)
            elif int(sport) > int(dport):
                c["client"] = (src, sport)
            else:
                c["client"] = (src, dport)
                c["client_guess_other"] = True
            c["server_port"] = int(dport) if c["client"] == (src, sport) else int(sport)
        if flags & 0x02:
            c["syn"] = True
        if flags & 0x01:
            c["fin"] = True
        is_client = (src, sport) == c["client"]
        data = bytes.fromhex(payload.replace(":", "")) if payload else b""
        if data:
            c["segs"].append((0 if is_client else 1, data))
    return convs


def encode(conv, segs, first):
    b0 = PORTS.get(conv["server_port"], 0)
    if first and conv["syn"]:
        b0 |= 0x04
    table, body = [], b""
    for d, data in segs:
        while data and len(table) < MAX_SEGS and len(body) < MAX_SEED:
            piece, data = data[:MAX_LEN], data[MAX_LEN:]
            piece = piece[:MAX_SEED - len(body)]
            table.append((d << 15) | len(piece))
            body += piece
    if not table:
        return None
    if conv["fin"] and len(table) == len(segs):
        b0 |= 0x08
    head = bytes([b0, 0x03, len(table) - 1])  # heur_claim_score 4 (the default)
    return head + b"".join(t.to_bytes(2, "big") for t in table) + body


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus", "dissect")
    os.makedirs(outdir, exist_ok=True)
    n = 0
    caps = []
    for dirpath, _, files in os.walk(os.path.join(ROOT, "test-captures")):
        caps += [os.path.join(dirpath, f) for f in files if f.endswith((".pcap", ".pcapng"))]
    for path in sorted(caps):
        for conv in segments(path).values():
            segs = conv["segs"]
            for w in range(0, min(len(segs), 4 * MAX_SEGS), MAX_SEGS):
                seed = encode(conv, segs[w:w + MAX_SEGS], w == 0)
                if seed is None:
                    continue
                name = hashlib.sha1(seed).hexdigest()
                with open(os.path.join(outdir, name), "wb") as f:
                    f.write(seed)
                n += 1
    print(f"{n} seeds from {len(caps)} captures in {outdir}")


if __name__ == "__main__":
    main()
