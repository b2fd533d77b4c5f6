#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Other people's captures, which are not committed (issue 10: "public captures with the
handshake removed"; "not one other protocol's packet claimed").

    tests/bench/public.py [--plugin build/plugin/ws.so] positives PCAP...
    tests/bench/public.py [--plugin build/plugin/ws.so] negatives PCAP...

positives: captures of WebSocket conversations WITH their HTTP Upgrade. The reference
is the plugin's own two-pass decode of the whole capture (the handshake makes that the
easy case: tests/dissection checks it against the built-in dissector and the senders'
truth). Each capture is then cut twice per TCP stream with a 101: every packet up to
and including the 101 removed (the TCP handshake too), and only the data packets up to
it removed (SYN kept). Frames (opcode, unmasked payload) of the cut captures, one pass
and two, are matched per stream and direction against the reference frames that are in
packets the cut kept (in order, as a subsequence): recovered, or WRONG when not there.

negatives: captures of anything else: packets the plugin claims (-Y ws), one pass and
two, per file. A capture that holds real WebSocket traffic shows up here too: look.

Where such captures come from (public test traces of other projects; read them, never
commit them): zeek/zeek testing/btest/Traces/websocket/*.pcap and Traces/http/websocket.pcap,
OISF/suricata-verify tests/websocket*/*.pcap (positives); every other trace of
zeek/zeek testing/btest/Traces and Wireshark's test/captures (negatives). docs/detection.md
has the figures.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
from tsharkenv import ROOT, make_tshark  # noqa: E402


def frames(ts, pcap, passes):
    """[(stream, src port, frame number, opcode, payload hex)] of every whole frame."""
    args = (["-2"] if passes == 2 else []) + ["-r", pcap, "-T", "json", "--no-duplicate-keys", "-J", "ws tcp frame",
                                              "-Y", "ws"]
    out = ts.run(args, check=False).stdout.decode("utf-8", "replace")
    res = []
    for p in json.loads(out or "[]"):
        layers = p["_source"]["layers"]
        tcp = layers["tcp"][0] if isinstance(layers["tcp"], list) else layers["tcp"]
        frame = layers["frame"][0] if isinstance(layers["frame"], list) else layers["frame"]
        key = (tcp.get("tcp.stream"), tcp.get("tcp.srcport"))
        num = int(frame.get("frame.number", 0))
        items = layers.get("ws")
        for w in items if isinstance(items, list) else [items]:
            op = w.get("ws.opcode")
            if op is None:
                continue
            ops = op if isinstance(op, list) else [op]
            pls = w.get("ws.payload")
            pls = pls if isinstance(pls, list) else [pls]
            lens = w.get("ws.payload_length")
            lens = lens if isinstance(lens, list) else [lens]
            if len(ops) == 1:
                # One frame in this item: its payload, empty ones have no ws.payload.
                if pls[0] is None and lens[0] not in ("0", None):
                    continue  # a piece of a frame, not a whole one
                res.append((key, num, ops[0], pls[0] or ""))
            else:
                for o in ops:
                    res.append((key, num, o, None))
    return res


def handshakes(ts, pcap):
    """{tcp.stream: frame number of its 101}"""
    out = ts.run(["-2", "-r", pcap, "-Y", "http.response.code == 101", "-T", "fields", "-e", "frame.number",
                  "-e", "tcp.stream"], check=False).stdout.decode()
    cut = {}
    for line in out.splitlines():
        if "\t" in line:
            n, s = line.split("\t")
            cut[s] = max(cut.get(s, 0), int(n))
    return cut


def write_cut(ts, pcap, cut, keep_syn, dst):
    conds = []
    for s, n in cut.items():
        conds.append("(tcp.stream == %s && frame.number <= %d%s)" % (s, n, " && tcp.len > 0" if keep_syn else ""))
    ts.run(["-r", pcap, "-Y", "not (%s)" % " || ".join(conds), "-w", dst])


def match(ref, got):
    """(recovered, wrong rows) matching got against ref per stream and direction, in order."""
    by = collections.defaultdict(list)
    for key, _, op, pl in ref:
        by[key].append((op, pl))
    gd = collections.defaultdict(list)
    for key, num, op, pl in got:
        gd[key].append((num, op, pl))
    rec, wrong = 0, []
    for key, seq in gd.items():
        r, i = by.get(key, []), 0
        for num, op, pl in seq:
            j = i
            while j < len(r) and (r[j][0] != op or (pl is not None and r[j][1] is not None and r[j][1] != pl)):
                j += 1
            if j < len(r):
                rec += 1
                i = j + 1
            else:
                wrong.append((key, num, op, (pl or "")[:48]))
    return rec, wrong


def positives(ts, paths, work):
    tot = collections.Counter()
    print("| capture | cut | frames after the cut | one pass | two passes | wrong |")
    print("|---|---|---|---|---|---|")
    for path in paths:
        src = ts.derived_abs(os.path.abspath(path))
        cut = handshakes(ts, src)
        if not cut:
            print("| %s | no 101 in it | | | | |" % os.path.basename(path))
            continue
        whole = frames(ts, src, 2)
        for keep_syn in (False, True):
            dst = os.path.join(work, "%s.%s.pcapng" % (os.path.basename(path), "syn" if keep_syn else "nosyn"))
            write_cut(ts, src, cut, keep_syn, dst)
            os.chmod(dst, 0o644)
            ref = [f for f in whole if f[1] > cut.get(f[0][0], 0)]
            row = []
            for passes in (1, 2):
                rec, wrong = match(ref, frames(ts, dst, passes))
                tot[(keep_syn, passes, "rec")] += rec
                tot[(keep_syn, passes, "wrong")] += len(wrong)
                row.append((rec, wrong))
                for w in wrong:
                    print("WRONG %s %d pass(es): %s" % (dst, passes, w), file=sys.stderr)
            tot[(keep_syn, "n")] += len(ref)
            print("| %s | %s | %d | %d | %d | %d / %d |" % (
                os.path.basename(path), "SYN kept" if keep_syn else "up to the 101", len(ref), row[0][0],
                row[1][0], len(row[0][1]), len(row[1][1])))
    for keep_syn in (False, True):
        n = tot[(keep_syn, "n")] or 1
        print("| **all** | %s | %d | %d (%.1f %%) | %d (%.1f %%) | %d / %d |" % (
            "SYN kept" if keep_syn else "up to the 101", tot[(keep_syn, "n")], tot[(keep_syn, 1, "rec")],
            100.0 * tot[(keep_syn, 1, "rec")] / n, tot[(keep_syn, 2, "rec")], 100.0 * tot[(keep_syn, 2, "rec")] / n,
            tot[(keep_syn, 1, "wrong")], tot[(keep_syn, 2, "wrong")]))
    return tot[(False, 1, "wrong")] + tot[(False, 2, "wrong")] + tot[(True, 1, "wrong")] + tot[(True, 2, "wrong")]


def claimed(ts, path):
    src = ts.derived_abs(os.path.abspath(path))
    counts = []
    for extra in ([], ["-2"]):
        out = ts.run(extra + ["-r", src, "-Y", "ws", "-T", "fields", "-e", "frame.number"], check=False).stdout
        counts.append(len(out.splitlines()))
    return path, counts


def negatives(ts, paths, workers):
    files = claimed_files = 0
    one = two = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        for path, (a, b) in ex.map(lambda p: claimed(ts, p), paths):
            files += 1
            one += a
            two += b
            if a or b:
                claimed_files += 1
                print("claimed: %s (%d packets one pass, %d two passes)" % (path, a, b))
    print("%d captures: %d packets claimed in one pass, %d in two, in %d captures" % (files, one, two, claimed_files))
    return one + two


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin", default=os.environ.get("WS_PLUGIN", os.path.join(ROOT, "build", "plugin", "ws.so")))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("mode", choices=("positives", "negatives"))
    ap.add_argument("pcaps", nargs="+")
    args = ap.parse_args(argv)
    ts, cleanup = make_tshark(args.plugin)
    work = tempfile.mkdtemp(prefix="ws-public-", dir=ts.workdir)
    os.chmod(work, 0o777)
    try:
        bad = positives(ts, args.pcaps, work) if args.mode == "positives" else negatives(ts, args.pcaps, args.workers)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        cleanup()
    return 1 if (args.mode == "positives" and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
