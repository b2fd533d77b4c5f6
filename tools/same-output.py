#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Proves that a refactor changed no output: what tshark prints with one build of the
ws plugin, byte for byte against another, for every capture under test-captures/
(hostile/, negatives/ and impls/ included).

    tools/same-output.py save DIR [--plugin PATH]   # default build/plugin/ws.so
    tools/same-output.py compare DIR_A DIR_B        # exit 1 on any difference
    tools/same-output.py check [--base REV] [--plugin PATH]  # REV (default HEAD) against build/

`save` writes, per capture, into DIR/<capture>/: V.txt (-V), V-2.txt (-V -2),
fields.tsv and fields-2.tsv (-T fields of frame.number, every ws.* field that
`tshark -G fields` lists, and _ws.expert.message; one and two passes) and expert.txt
(-q -z expert). A run that exits non-zero or writes to stderr also leaves <output>.err.
DIR/inputs.txt holds the SHA-256 of each capture read (a capture re-recorded
between two saves shows there), DIR/fields.txt the field list itself, DIR/SHA256SUMS a manifest of every file
(`sha256sum -c SHA256SUMS` checks it) and DIR/INFO what made them (not compared).

`check` builds the plugin at REV in a temporary git worktree in /tmp, saves its
output and that of build/plugin/ws.so (which must be built from the working tree
you want to test, or --plugin), compares and removes the worktree. Both saves read
one copy of the working tree's captures, taken at the start.

tshark runs as in the tests (tests/tsharkenv.py): private HOME and plugin folder, as
`nobody` when root, two captures at a time. Nothing is normalised: two saves with
the same build give the same bytes (checked on tshark 4.0.17); -V prints no file
name and -z expert no timing.
"""
import argparse
import concurrent.futures
import difflib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from tsharkenv import CAPTURES, make_tshark  # noqa: E402

DEFAULT_PLUGIN = os.path.join(ROOT, "build", "plugin", "ws.so")

# Options a capture needs, as its tests give them (tests/dissection/test_hostile.py DECODE_AS).
OPTIONS = {
    # A 64-byte snapshot leaves nothing the heuristic could prove: decoded on its port.
    "hostile/snaplen-64.pcap": ["-d", "tcp.port==47958,ws"],
    "hostile/reordered.pcap": ["-o", "tcp.reassemble_out_of_order:TRUE"],
}
# Further runs of a capture with a preference that reaches other code (test_docs.py,
# test_edge.py): saved as DIR/<capture>@<name>/.
VARIANTS = {
    "edge-oversize.pcap": {"max_reassembly-65536": ["-o", "ws.max_reassembly:65536"]},
}


def captures(src):
    found = []
    for dirpath, _, files in os.walk(src):
        for f in files:
            if f.endswith((".pcap", ".pcapng")):
                found.append(os.path.relpath(os.path.join(dirpath, f), src))
    return sorted(found)


def snapshot(src, dst):
    """Copies the captures (others may re-record them meanwhile) where the tshark user can
    read them; returns 'sha256  name' lines, saved as inputs.txt so a compare shows changed inputs."""
    lines = []
    for name in captures(src):
        os.makedirs(os.path.dirname(os.path.join(dst, name)), mode=0o755, exist_ok=True)
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
        os.chmod(os.path.join(dst, name), 0o644)
        lines.append("%s  %s\n" % (sha256(os.path.join(dst, name)), name))
    return lines


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ws_fields(ts):
    rows = ts.run(["-G", "fields"]).stdout.decode().splitlines()
    return [r.split("\t")[2] for r in rows if r.startswith("F\t") and r.split("\t")[2].startswith("ws.")]


def save_one(path, ts, out, extra, fields):
    fargs = ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in ["frame.number"] + fields + ["_ws.expert.message"]:
        fargs += ["-e", f]
    runs = {"V.txt": ["-V"], "V-2.txt": ["-2", "-V"], "fields.tsv": fargs, "fields-2.tsv": ["-2"] + fargs,
            "expert.txt": ["-q", "-z", "expert"]}
    os.makedirs(out, exist_ok=True)
    for fname, args in runs.items():
        proc = ts.run(extra + ["-r", path] + args, check=False)
        with open(os.path.join(out, fname), "wb") as f:
            f.write(proc.stdout)
        if proc.returncode or proc.stderr:
            with open(os.path.join(out, fname + ".err"), "wb") as f:
                f.write(b"exit %d\n" % proc.returncode + proc.stderr)


def manifest(dest):
    lines = []
    for dirpath, _, files in os.walk(dest):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), dest)
            if rel in ("SHA256SUMS", "INFO"):
                continue
            lines.append("%s  %s\n" % (sha256(os.path.join(dirpath, f)), rel))
    with open(os.path.join(dest, "SHA256SUMS"), "w") as f:
        f.writelines(sorted(lines, key=lambda l: l[66:]))


def save(dest, plugin, src=CAPTURES):
    if os.path.exists(dest) and os.listdir(dest):
        sys.exit("%s is not empty" % dest)
    os.makedirs(dest, exist_ok=True)
    t0 = time.monotonic()
    ts, cleanup = make_tshark(plugin)
    try:
        shots = os.path.join(ts.workdir, "captures")
        with open(os.path.join(dest, "inputs.txt"), "w") as f:
            f.writelines(snapshot(src, shots))
        fields = ws_fields(ts)
        with open(os.path.join(dest, "fields.txt"), "w") as f:
            f.write("".join(x + "\n" for x in fields))
        jobs = []
        for name in captures(shots):
            jobs.append((name, os.path.join(dest, name), OPTIONS.get(name, [])))
            for var, args in VARIANTS.get(name, {}).items():
                jobs.append((name, os.path.join(dest, name + "@" + var), OPTIONS.get(name, []) + args))
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for fut in [pool.submit(save_one, os.path.join(shots, n), ts, o, e, fields) for n, o, e in jobs]:
                fut.result()
        version = ts.run(["--version"]).stdout.decode().splitlines()[0]
    finally:
        cleanup()
    manifest(dest)
    digest = sha256(plugin)
    with open(os.path.join(dest, "INFO"), "w") as f:
        f.write("plugin %s sha256 %s\n%s\n%d runs, %d ws fields, %.0f s\n"
                % (os.path.abspath(plugin), digest, version, len(jobs), len(fields), time.monotonic() - t0))
    print("saved %d captures/variants into %s in %.0f s" % (len(jobs), dest, time.monotonic() - t0))


def files_of(d):
    out = set()
    for dirpath, _, files in os.walk(d):
        out |= {os.path.relpath(os.path.join(dirpath, f), d) for f in files}
    return out - {"SHA256SUMS", "INFO"}


def excerpt(a, b, name, lines=8):
    def read(p):
        with open(p, "rb") as f:
            return f.read().decode("utf-8", "replace").splitlines(True)
    diff = list(difflib.unified_diff(read(a), read(b), "A/" + name, "B/" + name, n=1))
    return "".join("    " + l.rstrip("\n") + "\n" for l in diff[:lines + 2])


def compare(a, b, excerpts=20):
    fa, fb = files_of(a), files_of(b)
    # Outputs are DIR/<capture>/<output>: report a missing capture once.
    only_a = sorted({os.path.dirname(r) or r for r in fa - fb})
    only_b = sorted({os.path.dirname(r) or r for r in fb - fa})
    for u in only_a:
        print("only in %s: %s" % (a, u))
    for u in only_b:
        print("only in %s: %s" % (b, u))
    differ = []
    for rel in sorted(fa & fb):
        pa, pb = os.path.join(a, rel), os.path.join(b, rel)
        if os.path.getsize(pa) != os.path.getsize(pb) or not _same_bytes(pa, pb):
            differ.append(rel)
    for i, rel in enumerate(differ):
        print("differs: %s" % rel)
        if i < excerpts:
            sys.stdout.write(excerpt(os.path.join(a, rel), os.path.join(b, rel), rel))
    if len(differ) > excerpts:
        print("(excerpts of the first %d differing files only)" % excerpts)
    same = not (differ or only_a or only_b)
    print("identical: %d files" % len(fa) if same else
          "DIFFERENT: %d of %d files differ, %d only in A, %d only in B"
          % (len(differ), len(fa & fb), len(only_a), len(only_b)))
    return 0 if same else 1


def _same_bytes(pa, pb):
    with open(pa, "rb") as x, open(pb, "rb") as y:
        while True:
            ca, cb = x.read(1 << 20), y.read(1 << 20)
            if ca != cb:
                return False
            if not ca:
                return True


def check(base, plugin):
    if not os.path.exists(plugin):
        sys.exit("%s not found (build first)" % plugin)
    src = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(ROOT, "plugin")) for f in fs]
    if plugin == DEFAULT_PLUGIN and max(map(os.path.getmtime, src)) > os.path.getmtime(plugin):
        print("warning: build/plugin/ws.so is older than plugin/ (build it first)", file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="same-output-")
    tree = os.path.join(tmp, "tree")
    try:
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", tree, base], check=True)
        subprocess.run(["cmake", "-S", tree, "-B", os.path.join(tree, "build"), "-DWS_BUILD_TESTS=OFF"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", os.path.join(tree, "build"), "-j2"], check=True, stdout=subprocess.DEVNULL)
        shutil.copytree(CAPTURES, os.path.join(tmp, "captures"))  # both saves read the same bytes
        save(os.path.join(tmp, "base"), os.path.join(tree, "build", "plugin", "ws.so"), os.path.join(tmp, "captures"))
        save(os.path.join(tmp, "work"), plugin, os.path.join(tmp, "captures"))
        return compare(os.path.join(tmp, "base"), os.path.join(tmp, "work"))
    finally:
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree])
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save", help="save every output for every capture into DIR")
    s.add_argument("dir")
    s.add_argument("--plugin", default=DEFAULT_PLUGIN)
    c = sub.add_parser("compare", help="byte comparison of two saves; exit 1 on any difference")
    c.add_argument("dir_a")
    c.add_argument("dir_b")
    k = sub.add_parser("check", help="build REV in a temporary worktree and compare with build/")
    k.add_argument("--base", default="HEAD")
    k.add_argument("--plugin", default=DEFAULT_PLUGIN, help="the build to test")
    args = ap.parse_args()
    if args.cmd == "save":
        save(args.dir, args.plugin)
    elif args.cmd == "compare":
        sys.exit(compare(args.dir_a, args.dir_b))
    else:
        sys.exit(check(args.base, args.plugin))


if __name__ == "__main__":
    main()
