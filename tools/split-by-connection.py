#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Splits a capture into N parts by TCP connection, never inside one: every packet of a
connection (both directions, same address and port pair) goes to the same part, in capture
order, so each part decodes exactly as the whole did (frames spanning segments, fragmented
messages, compression history and the heuristic's evidence all stay together). Splitting by
packet count would cut conversations and lose all of that. See docs/scaling.md.

    tools/split-by-connection.py IN.pcap OUTPREFIX N

writes OUTPREFIX-1.pcap ... OUTPREFIX-N.pcap. Connections are dealt out largest first to the
part with the least work so far (two passes over IN), so the parts take about as long to
decode when no single connection dominates. The work of a connection is counted as its bytes
plus 1,500 bytes per packet: tshark 4.0 with the plugin spends about 33 us per packet and
0.02 us per byte (docs/scaling.md), so one packet weighs as much as ~1,500 bytes. Packets that
are not TCP go to part 1.

IN is a classic pcap (microsecond or nanosecond, either byte order) of Ethernet (VLAN tags
too), Linux cooked (SLL, SLL2), BSD loopback or raw IP; turn pcapng into pcap first with
`editcap -F pcap IN.pcapng IN.pcap` (a pcapng with several interfaces of different link
types cannot be; split it with tshark instead, docs/scaling.md)."""
import struct
import sys


PACKET_WEIGHT = 1500


def read_packets(path):
    """Yields (linktype, record header bytes, packet bytes) and, first, the file header."""
    with open(path, "rb") as f:
        head = f.read(24)
        magic = head[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            end = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            end = ">"
        else:
            sys.exit("%s: not a classic pcap file (pcapng? convert it with editcap -F pcap)" % path)
        linktype = struct.unpack(end + "I", head[20:24])[0] & 0x0FFFFFFF
        yield head
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            caplen = struct.unpack(end + "I", rec[8:12])[0]
            yield linktype, rec, f.read(caplen)


def ip_offset(linktype, pkt):
    """Offset of the IP header in pkt, or None."""
    if linktype == 1:  # Ethernet
        off, etype = 14, struct.unpack("!H", pkt[12:14])[0] if len(pkt) >= 14 else 0
        while etype in (0x8100, 0x88A8) and len(pkt) >= off + 4:
            etype = struct.unpack("!H", pkt[off + 2:off + 4])[0]
            off += 4
        return off if etype in (0x0800, 0x86DD) else None
    if linktype in (101, 12, 14, 228, 229):  # raw IP
        return 0
    if linktype == 113:  # Linux cooked
        return 16
    if linktype == 276:  # Linux cooked v2
        return 20
    if linktype in (0, 108):  # BSD loopback
        return 4
    return None


def connection(linktype, pkt):
    """A key naming the TCP connection of pkt (the same both ways), or None."""
    off = ip_offset(linktype, pkt)
    if off is None or len(pkt) < off + 20:
        return None
    version = pkt[off] >> 4
    if version == 4:
        ihl = (pkt[off] & 0x0F) * 4
        frag = struct.unpack("!H", pkt[off + 6:off + 8])[0] & 0x1FFF
        if pkt[off + 9] != 6 or frag != 0:
            return None
        src, dst, tcp = pkt[off + 12:off + 16], pkt[off + 16:off + 20], off + ihl
    elif version == 6 and len(pkt) >= off + 40:
        if pkt[off + 6] != 6:
            return None
        src, dst, tcp = pkt[off + 8:off + 24], pkt[off + 24:off + 40], off + 40
    else:
        return None
    if len(pkt) < tcp + 4:
        return None
    sport, dport = pkt[tcp:tcp + 2], pkt[tcp + 2:tcp + 4]
    return min((src, sport), (dst, dport)) + max((src, sport), (dst, dport))


def main():
    if len(sys.argv) != 4 or not sys.argv[3].isdigit() or int(sys.argv[3]) < 1:
        sys.exit(__doc__)
    path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sizes = {}
    it = read_packets(path)
    next(it)
    for linktype, rec, pkt in it:
        key = connection(linktype, pkt)
        sizes[key] = sizes.get(key, 0) + PACKET_WEIGHT + len(pkt)
    load = [0] * n
    part = {None: 0}
    if None in sizes:
        load[0] = sizes.pop(None)
    for key, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        part[key] = min(range(n), key=lambda i: load[i])
        load[part[key]] += size
    it = read_packets(path)
    head = next(it)
    counts = [[0, 0] for _ in range(n)]
    outs = [open("%s-%d.pcap" % (prefix, i + 1), "wb") for i in range(n)]
    for out in outs:
        out.write(head)
    for linktype, rec, pkt in it:
        i = part[connection(linktype, pkt)]
        counts[i][0] += 1
        counts[i][1] += 16 + len(pkt)
        out = outs[i]
        out.write(rec)
        out.write(pkt)
    for out in outs:
        out.close()
    for i in range(n):
        conns = sum(1 for k, p in part.items() if p == i and k is not None)
        print("%s-%d.pcap: %d TCP connections, %d packets, %d bytes" % (prefix, i + 1, conns, counts[i][0],
                                                                      counts[i][1]))


if __name__ == "__main__":
    main()
