#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Cuts each recording so that the capture begins in the middle of a frame:
test-captures/NAME-midframe.pcapng starts at the middle segment of the client's
1,000,000-byte text frame (the TCP and HTTP handshakes and everything before are
gone). The segments are found with Wireshark's built-in WebSocket dissector on the
whole capture, so the cut does not depend on the plugin under test."""
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "test-captures")


WS_LOADED = any(l.split("\t")[2:3] == ["ws"] for l in subprocess.run(
    ["tshark", "-G", "protocols"], capture_output=True, text=True).stdout.splitlines())


def rows(pcap, port, fields, extra=()):
    cmd = ["tshark", "-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE"]
    if WS_LOADED:
        cmd += ["--disable-protocol", "ws"]  # an installed plugin would take the upgrade from the built-in
    cmd += list(extra) + ["-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    cmd += ["-E", "aggregator=,"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines()]


def main():
    for truth in sorted(glob.glob(os.path.join(OUT, "*.truth.json"))):
        name = os.path.basename(truth)[:-len(".truth.json")]
        if not re.match(r"^(py|node)-(py|node)$", name):  # the uncompressed recordings
            continue
        import json
        port = json.load(open(truth))["port"]
        whole = os.path.join(OUT, name + ".pcapng")
        # The packet that completes the client's 1,000,000-byte text frame, and the segments it was built from.
        done = rows(whole, port, ["frame.number", "tcp.segment"],
                    ["-Y", "websocket.opcode == 1 && websocket.payload_length_ext_64 == 1000000 && tcp.dstport == %d" % port])
        segs = [int(x) for x in done[0][1].split(",")]
        cut = segs[len(segs) // 2]
        last = int(rows(whole, port, ["frame.number"])[-1][0])
        dst = os.path.join(OUT, name + "-midframe.pcapng")
        subprocess.run(["editcap", "-r", whole, dst, "%d-%d" % (cut, last)], check=True)
        # A built-in heuristic dissector that takes the client's first payload packet of the
        # cut (the middle of its frame; it then shows as bare "tcp", not "tcp:data") keeps
        # that direction from the plugin: record that recording again
        # (tests/captures/record.py --only NAME).
        first = {}
        for sport, protos in rows(dst, port, ["tcp.srcport", "frame.protocols"], ["-Y", "tcp.len > 0"]):
            first.setdefault(sport, protos)
        taken = {p: v for p, v in first.items() if int(p) != port and not v.endswith(":tcp:data")}
        if taken:
            sys.exit("%s: first payload packet taken by a heuristic dissector (%s): record %s again"
                     % (dst, taken, name))
        print("%s: frame made of segments %s..%s, cut at %d -> %s" % (name, segs[0], segs[-1], cut, dst))


if __name__ == "__main__":
    sys.exit(main())
