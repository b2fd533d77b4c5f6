#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Copies a pcapng capture, changing one TCP port number (source or destination)
to another, TCP checksums recomputed. Used to put recordings made on free ports on
ports that other dissectors own (HTTP's 80 and 8080).

    rewrite_port.py IN.pcapng OUT.pcapng OLD_PORT NEW_PORT

Handles Ethernet (and Linux loopback, which dumpcap writes as Ethernet) with IPv4
or IPv6, in Enhanced Packet Blocks; other blocks are copied as they are."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import checksum as csum  # noqa: E402


def fix_packet(pkt, old, new):
    if len(pkt) < 14:
        return pkt
    etype = struct.unpack("!H", pkt[12:14])[0]
    p = bytearray(pkt)
    if etype == 0x0800:
        ihl = (p[14] & 0x0F) * 4
        if p[23] != 6:
            return pkt
        tcp = 14 + ihl
        total = struct.unpack("!H", p[16:18])[0]
        pseudo = bytes(p[26:34]) + struct.pack("!BBH", 0, 6, total - ihl)
        end = 14 + total
    elif etype == 0x86DD:
        if p[20] != 6:
            return pkt
        tcp = 54
        plen = struct.unpack("!H", p[18:20])[0]
        pseudo = bytes(p[22:54]) + struct.pack("!IxxxB", plen, 6)
        end = 54 + plen
    else:
        return pkt
    if len(p) < end or len(p) < tcp + 20:
        return pkt  # cut by the snapshot length: leave it alone
    sp, dp = struct.unpack("!HH", p[tcp:tcp + 4])
    if old not in (sp, dp):
        return pkt
    if sp == old:
        p[tcp:tcp + 2] = struct.pack("!H", new)
    if dp == old:
        p[tcp + 2:tcp + 4] = struct.pack("!H", new)
    p[tcp + 16:tcp + 18] = b"\0\0"
    p[tcp + 16:tcp + 18] = struct.pack("!H", csum(pseudo + bytes(p[tcp:end])))
    return bytes(p)


def main(src, dst, old, new):
    data = open(src, "rb").read()
    out = bytearray()
    off = 0
    endian = "<"
    while off + 12 <= len(data):
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        if btype == 0x0A0D0D0A:
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        block = data[off:off + blen]
        if btype == 6:
            caplen = struct.unpack(endian + "I", block[20:24])[0]
            pkt = block[28:28 + caplen]
            newpkt = fix_packet(pkt, old, new)
            block = block[:28] + newpkt + block[28 + caplen:]
        out += block
        off += blen
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
