#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Rebuilds test-captures/seed.pcapng from the tcpdump -X dumps in seed-frames.txt.

seed-frames.txt is the excerpt of the field note this project grew from: two
IPv4 packets of one WebSocket connection (a masked client text frame and the
server's unmasked reply), dumped by tcpdump from the IP header on. The dump is
turned into text2pcap's input format and written as raw-IP pcapng, bytes as they
were dumped (checksums included).
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def to_text2pcap(lines):
    out = []
    for line in lines:
        stamp = re.match(r"^(\d\d:\d\d:\d\d\.\d{6}) ", line)
        if stamp:
            out.append("2024-01-01 " + stamp.group(1))
            continue
        m = re.match(r"^\s+0x([0-9a-f]{4}):\s+((?:[0-9a-f]{2,4}\s)+)", line)
        if not m:
            continue
        hexs = "".join(m.group(2).split())
        pairs = " ".join(hexs[i:i + 2] for i in range(0, len(hexs), 2))
        out.append("%s  %s" % (m.group(1), pairs))
    return "\n".join(out) + "\n"


def main():
    src = os.path.join(HERE, "seed-frames.txt")
    dst = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "test-captures", "seed.pcapng")
    with open(src, encoding="utf-8") as f:
        text = to_text2pcap(f.read().splitlines())
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as tmp:
        tmp.write(text)
    try:
        # -l 101: LINKTYPE_RAW (packets start with the IP header); -n: pcapng.
        subprocess.run(["text2pcap", "-q", "-l", "101", "-t", "%Y-%m-%d %H:%M:%S", tmp.name, dst],
                       check=True)
    finally:
        os.unlink(tmp.name)
    print("wrote", dst)


if __name__ == "__main__":
    main()
