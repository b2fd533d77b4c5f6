#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs the real tshark with a sanitizer build of the plugin (cmake -DWS_SANITIZE=ON)
over every capture in test-captures/ (one pass and two, full tree) and over mutated
copies of some (editcap -E with fixed seeds). Fails on any AddressSanitizer or
UndefinedBehaviorSanitizer report, crash or timeout.

    tests/fuzz/asan_captures.py build-asan/plugin/ws.so [--mutations N]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tsharkenv import CAPTURES, make_tshark  # noqa: E402


def libasan():
    out = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    return os.path.realpath(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plugin")
    ap.add_argument("--mutations", type=int, default=20)
    args = ap.parse_args()
    os.environ["WS_TSHARK_PRELOAD"] = libasan()
    # Only ws.so in the plugin folder: the sanitizer runtime is preloaded into tshark.
    ts, cleanup = make_tshark(args.plugin, mirror_system=False)
    caps = sorted(glob.glob(os.path.join(CAPTURES, "*.pcap*")) + glob.glob(os.path.join(CAPTURES, "negatives", "*.pcapng")) +
                  glob.glob(os.path.join(CAPTURES, "hostile", "*.pcap")))
    work = tempfile.mkdtemp(prefix="ws-asan-")
    bad = runs = 0
    try:
        jobs = [(c, []) for c in caps] + [(c, ["-2"]) for c in caps if "negatives" not in c]
        mutate = [c for c in caps if os.path.basename(c).startswith(("edge-", "seed", "deflate-node-node-nohs",
                                                                      "frag-node-py-nohs", "py-node-midframe"))]
        for seed in range(1, args.mutations + 1):
            for c in mutate:
                dst = os.path.join(work, "m%d-%s" % (seed, os.path.basename(c)))
                subprocess.run(["editcap", "-E", "0.01", "--seed", str(seed), c, dst], check=True,
                               capture_output=True)
                jobs.append((dst, ["-2"]))
        for path, extra in jobs:
            runs += 1
            try:
                p = ts.run(extra + ["-r", ts.derived_abs(path), "-V"], check=False)
            except subprocess.TimeoutExpired:
                print("TIMEOUT", path, extra)
                bad += 1
                continue
            err = p.stderr.decode(errors="replace")
            if p.returncode != 0 or "AddressSanitizer" in err or "runtime error" in err:
                bad += 1
                print("FAIL", path, extra, p.returncode)
                print("\n".join(err.splitlines()[:30]))
    finally:
        cleanup()
    print("%d tshark runs with the sanitizer build, %d failed" % (runs, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
