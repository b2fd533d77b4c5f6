#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Detection benchmark: how often the ws heuristic claims traffic that is not
WebSocket, and how many WebSocket messages it recovers from captures without the
handshake, cut at arbitrary points.

    tests/bench/detection.py [--negatives DIR]... [--cuts N] [--plugin build/plugin/ws.so]

Negatives: every capture in the given folders (default: test-captures/negatives and,
if it exists, /tmp/ws-corpus/negatives made by tests/bench/corpus/record_negatives.py).
A packet is misclaimed when the plugin decodes it as WebSocket ('ws' in it), in one
pass or two; a packet is disturbed when its protocol stack differs from a run with
the plugin disabled.

Positives: the recordings of test-captures (python websockets and npm ws), each cut
at N seeded random packets inside the WebSocket traffic (handshake gone, often
mid-frame), plus the -nohs and -midframe files. The messages expected after a cut
are those whose first byte lies at or after it, found with Wireshark's built-in
dissector on the whole capture (independent of the plugin). A message counts as
recovered when its opcode, length and SHA-256 match, in order.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tsharkenv import CAPTURES, ROOT, make_tshark  # noqa: E402
from wsrecover import builtin_message_starts, digest, expected, load_truth, recover, recover_messages  # noqa: E402


def count_rows(ts, path, extra):
    return len(ts.fields(path, ["frame.number"], extra=extra))


def negatives(ts, dirs):
    files = []
    for d in dirs:
        files += sorted(glob.glob(os.path.join(d, "*.pcap")) + glob.glob(os.path.join(d, "*.pcapng")))
    print("== negatives: %d captures" % len(files))
    print("%-34s %8s %9s %9s %9s" % ("capture", "packets", "ws 1-pass", "ws 2-pass", "disturbed"))
    tot = [0, 0, 0, 0]
    for f in files:
        path = ts.derived_abs(f)
        n = count_rows(ts, path, [])
        c1 = count_rows(ts, path, ["-Y", "ws"])
        c2 = count_rows(ts, path, ["-2", "-Y", "ws"])
        on = ts.fields(path, ["frame.protocols"])
        off = ts.fields(path, ["frame.protocols"], extra=["--disable-protocol", "ws"])
        dist = sum(1 for a, b in zip(on, off) if a != b)
        print("%-34s %8d %9d %9d %9d" % (os.path.basename(f)[:34], n, c1, c2, dist))
        for i, v in enumerate((n, c1, c2, dist)):
            tot[i] += v
    print("%-34s %8d %9d %9d %9d" % ("TOTAL", *tot))
    return tot


def matched(got, want):
    """How many of want appear in got, in order."""
    j = 0
    n = 0
    for w in want:
        try:
            t = got.index(w, j)
        except ValueError:
            continue
        n += 1
        j = t + 1
    return n


def positives(ts, cuts, seed):
    print("== positives: recordings cut at %d random points each, plus -nohs and -midframe" % cuts)
    print("%-34s %8s %9s %9s" % ("capture", "expected", "1-pass", "2-pass"))
    rng = random.Random(seed)
    tot = [0, 0, 0]
    work = tempfile.mkdtemp(prefix="ws-bench-")
    for truth_path in sorted(glob.glob(os.path.join(CAPTURES, "*.truth.json"))):
        name = os.path.basename(truth_path)[:-len(".truth.json")]
        if not re.match(r"^(py|node)-(py|node)$", name):  # the uncompressed recordings
            continue
        truth = load_truth(name + ".truth.json")
        port = truth["port"]
        whole = os.path.join(CAPTURES, name + ".pcapng")
        starts = builtin_message_starts(ts, whole, port)
        want = expected(truth)
        assert all(len(starts[d]) == len(want[d]) for d in want), name
        first_ws = min(min(starts["c2s"]), min(starts["s2c"]))
        last = max(max(starts["c2s"]), max(starts["s2c"]))
        points = sorted(rng.sample(range(first_ws, last), min(cuts, last - first_ws)))
        jobs = [("%s-nohs" % name, os.path.join(CAPTURES, name + "-nohs.pcapng"), None),
                ("%s-midframe" % name, os.path.join(CAPTURES, name + "-midframe.pcapng"), None)]
        for k in points:
            dst = os.path.join(work, "%s-cut%d.pcapng" % (name, k))
            subprocess.run(["editcap", "-r", whole, dst, "%d-%d" % (k, 10 ** 9)], check=True)
            jobs.append(("%s-cut%d" % (name, k), dst, k))
        for label, path, k in jobs:
            if k is None:
                # The first packet of these files is a packet of the whole capture: find its number.
                k = int(subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True).stdout.split()[-1])
                k = len_whole(whole) - k + 1
            exp = {d: [w for w, s in zip(want[d], starts[d]) if s >= k] for d in want}
            n = sum(len(v) for v in exp.values())
            p = ts.derived_abs(path)
            g1 = digest(recover(ts, p, port))
            g2 = digest(recover(ts, p, port, ("-2",)))
            r1 = sum(matched(g1[d], exp[d]) for d in exp)
            r2 = sum(matched(g2[d], exp[d]) for d in exp)
            print("%-34s %8d %9d %9d" % (label[:34], n, r1, r2))
            tot[0] += n
            tot[1] += r1
            tot[2] += r2
    print("%-34s %8d %9d %9d" % ("TOTAL", *tot))
    return tot


EXT = ["deflate-py-py", "deflate-node-node", "deflate-py-node-nocontext", "frag-node-py", "deflate-frag-py-py",
       "chromium-py"]


def messages_after_cuts(ts, cuts, seed):
    """Compressed and fragmented recordings cut at random packets: whole messages recovered
    (two passes), how many after the first recovered one, and any that differ from what
    was sent (must be 0: a message is decoded right or not at all)."""
    print("== messages: compressed/fragmented recordings cut at %d random points each" % cuts)
    print("%-34s %8s %9s %11s %6s" % ("capture", "expected", "recovered", "after 1st", "wrong"))
    rng = random.Random(seed + 1)
    tot = [0, 0, 0, 0, 0]
    work = tempfile.mkdtemp(prefix="ws-bench-msg-")
    for name in EXT:
        truth = load_truth(name + ".truth.json")
        port = truth["port"]
        whole = os.path.join(CAPTURES, name + ".pcapng")
        starts = builtin_message_starts(ts, whole, port)
        want = expected(truth)
        if not all(len(starts[d]) == len(want[d]) for d in want):
            print("%-34s (frame starts do not line up with the truth, skipped)" % name)
            continue
        first = min(min(v) for v in starts.values())
        last = max(max(v) for v in starts.values())
        for k in sorted(rng.sample(range(first, last), min(cuts, last - first))):
            dst = os.path.join(work, "%s-cut%d.pcapng" % (name, k))
            subprocess.run(["editcap", "-r", whole, dst, "%d-%d" % (k, 10 ** 9)], check=True)
            exp = {d: [w for w, s0 in zip(want[d], starts[d]) if s0 >= k] for d in want}
            got = digest(recover_messages(ts, ts.derived_abs(dst), port, ("-2",)))
            n = sum(len(v) for v in exp.values())
            r = sum(matched(got[d], exp[d]) for d in exp)
            wrong = sum(len(got[d]) - matched(got[d], exp[d]) for d in exp)
            # After the first message recovered in each direction.
            after_exp = after_got = 0
            for d in exp:
                idx = [exp[d].index(g) for g in got[d] if g in exp[d]]
                if idx:
                    rest = exp[d][min(idx) + 1:]
                    after_exp += len(rest)
                    after_got += matched(got[d], rest)
            print("%-34s %8d %9d %5d/%-5d %6d" % (("%s-cut%d" % (name, k))[:34], n, r, after_got, after_exp, wrong))
            for i, v in enumerate((n, r, after_got, after_exp, wrong)):
                tot[i] += v
    print("%-34s %8d %9d %5d/%-5d %6d" % ("TOTAL", *tot))
    return tot


_whole_len = {}


def len_whole(path):
    if path not in _whole_len:
        _whole_len[path] = int(subprocess.run(["capinfos", "-c", "-M", path], capture_output=True,
                                              text=True).stdout.split()[-1])
    return _whole_len[path]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--negatives", action="append", default=None)
    ap.add_argument("--cuts", type=int, default=10)
    ap.add_argument("--seed", type=int, default=6455)
    ap.add_argument("--plugin", default=os.path.join(ROOT, "build", "plugin", "ws.so"))
    ap.add_argument("-o", dest="prefs", action="append", default=[], help="a tshark preference for every run")
    args = ap.parse_args()
    dirs = args.negatives or [d for d in (os.path.join(CAPTURES, "negatives"), "/tmp/ws-corpus/negatives")
                              if os.path.isdir(d)]
    ts, cleanup = make_tshark(args.plugin)
    for p in args.prefs:
        ts.global_args += ["-o", p]
    try:
        neg = negatives(ts, dirs)
        pos = positives(ts, args.cuts, args.seed)
        msg = messages_after_cuts(ts, args.cuts, args.seed)
    finally:
        cleanup()
    print()
    print("misclaimed packets: %d of %d (one pass), %d (two passes); disturbed: %d" % (neg[1], neg[0], neg[2], neg[3]))
    if pos[0]:
        print("messages recovered: one pass %d/%d (%.2f %%), two passes %d/%d (%.2f %%)"
              % (pos[1], pos[0], 100.0 * pos[1] / pos[0], pos[2], pos[0], 100.0 * pos[2] / pos[0]))
    if msg[0]:
        print("compressed/fragmented messages after a cut: %d/%d (%.2f %%); after the first recovered: %d/%d (%.2f %%); "
              "wrong: %d" % (msg[1], msg[0], 100.0 * msg[1] / msg[0], msg[2], msg[3],
                             100.0 * msg[2] / max(msg[3], 1), msg[4]))


if __name__ == "__main__":
    main()
