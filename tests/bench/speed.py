#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Speed and memory benchmark: whole tshark runs over large captures, the ws plugin
against Wireshark's built-in WebSocket dissector and a TCP-only baseline, all
measured in this one invocation, printed as ratios.

    tests/bench/speed.py [--plugin build/plugin/ws.so] [--out /tmp/ws-bench]
                         [--repeat 3] [--workloads small,large,...] [--modes fields,verbose,twopass]
                         [--scale 1] [--callgrind]

Captures: tests/bench/workloads.py makes them (once, cached in --out). For each
workload and mode, the variants run interleaved --repeat times and the best CPU
time counts (user + system of the tshark process alone, reported by a small
parent: tsharkenv.Tshark.run_rusage); peak memory is that process's maximum
resident set. Variants:
  ws       the plugin (it takes the connection from HTTP's Upgrade)
  builtin  --disable-protocol ws: Wireshark's own dissector, as without the plugin
  tcp      --disable-protocol ws --disable-protocol websocket: TCP, HTTP and below only
  off      (traffic that is not WebSocket) --disable-protocol ws
  absent   (traffic that is not WebSocket) tshark without ws.so installed
Modes:
  fields   -T fields -e ws.text (builtin and tcp: -e websocket.payload.text; traffic that
           is not WebSocket: -e frame.protocols)
  header   -T fields -e ws.opcode -e ws.payload_length (builtin: websocket.*), large frames
  verbose  -V
  twopass  -2 (summary lines)
--callgrind adds instruction counts (valgrind) of the same runs on small copies of
the captures (--callgrind-scale) of --callgrind-workloads, with tshark's start-up
(an empty capture) shown apart, for where wall time is too noisy.
Finally bench_unmask (tests/bench/bench_unmask.c) times the core's unmasking
against memcpy on the same buffers.
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tsharkenv import ROOT, make_tshark  # noqa: E402
import workloads  # noqa: E402

WS_TEXT = ["-T", "fields", "-e", "ws.text"]
BI_TEXT = ["-T", "fields", "-e", "websocket.payload.text"]
MODES = {
    # mode: (ws args, built-in args)
    "fields": (WS_TEXT, BI_TEXT),
    "header": (["-T", "fields", "-e", "ws.opcode", "-e", "ws.payload_length"],
               ["-T", "fields", "-e", "websocket.opcode", "-e", "websocket.payload_length"]),
    "verbose": (["-V"], ["-V"]),
    "twopass": (["-2"], ["-2"]),
}
# builtin and tcp run without ws.so installed: with it disabled, its Socket.IO heuristic
# (in the "ws" list the built-in hands every message to) and MQTT hooks would still run.
WS_VARIANTS = [("ws", []), ("builtin", []), ("tcp", ["--disable-protocol", "websocket"])]
NONWS_VARIANTS = [("ws", []), ("off", ["--disable-protocol", "ws"]), ("absent", [])]
# Targets of issue 5: (workload, modes, numerator, denominator, what, limit)
TARGETS = [
    ("small", ("fields", "verbose", "twopass"), "ws", "builtin", "cpu", 1.0),
    ("large", ("fields",), "ws", "builtin", "cpu", 0.5),
    ("large256", ("fields",), "ws", "builtin", "cpu", 0.5),
    ("large", ("header",), "ws", "builtin", "cpu", 0.9),
    ("large256", ("header",), "ws", "builtin", "cpu", 0.9),
    ("compressed", ("fields", "verbose", "twopass"), "ws", "builtin", "cpu", 1.0),
    ("nonws", ("fields", "verbose", "twopass"), "ws", "off", "cpu", 1.01),
    ("shortconns", ("fields", "verbose", "twopass"), "ws", "off", "cpu", 1.01),
]
# Issue 14: the plugin's own cost above a TCP-only run at most half of the built-in's own
# cost above TCP-only: (ws - tcp) / (builtin - tcp), in CPU time and in instructions. For
# small_nohs (no handshake: the built-in decodes nothing) the built-in's own cost on small.
OWN_TARGETS = [("small", ("fields", "verbose", "twopass"), 0.5), ("small_nohs", ("fields", "verbose", "twopass"), 0.5)]
NONWS = ("nonws", "shortconns")
DEFAULT_MODES = {"small": ["fields", "verbose", "twopass"], "small_nohs": ["fields", "verbose", "twopass"],
                 "shortconns": ["fields", "verbose", "twopass"], "large": ["fields", "header", "twopass"],
                 "large256": ["fields", "header", "verbose", "twopass"],
                 "compressed": ["fields", "verbose", "twopass"], "nonws": ["fields", "verbose", "twopass"]}


def capture(out, name, scale):
    """Path of workload NAME at SCALE, made if missing (keyed by the generator's source)."""
    h = hashlib.sha256()
    for f in (os.path.join(HERE, "workloads.py"), os.path.join(ROOT, "tests", "captures", "pcapgen.py")):
        with open(f, "rb") as fh:
            h.update(fh.read())
    path = os.path.join(out, "%s-x%g-%s.pcap" % (name, scale, h.hexdigest()[:10]))
    if not os.path.exists(path):
        os.makedirs(out, exist_ok=True)
        os.chmod(out, 0o755)
        packets, size = workloads.make(name, path, scale)
        print("  made %s: %d packets, %.1f MB" % (os.path.basename(path), packets, size / 1e6), flush=True)
    os.chmod(path, 0o644)
    return path


def run(ts, args):
    """Runs tshark; returns (CPU seconds, peak RSS MiB, bytes written to stdout)."""
    rc, out, err, cpu, peak = ts.run_rusage(args, timeout=3600)
    if rc != 0:
        raise RuntimeError("tshark %s failed: %s" % (" ".join(args), err[-2000:]))
    return cpu, peak / 1024.0, out


# --variant NAME=[PLUGIN][:ARGS]: more plugin runs of the WebSocket workloads, interleaved
# with the others (another build, preferences): [(name, tshark args, plugin or None)]
EXTRA = []


def variants(name):
    return NONWS_VARIANTS if name in NONWS else WS_VARIANTS + [(n, x) for n, x, _ in EXTRA]


def args_for(name, variant, mode, path):
    extra = dict(variants(name))[variant]
    ws_args, bi_args = MODES[mode]
    if name in NONWS and mode == "fields":
        # The same fields in every variant, tshark without the plugin included.
        return ["-r", path] + extra + ["-T", "fields", "-e", "frame.protocols"]
    plugin = variant == "ws" or variant in [n for n, _, _ in EXTRA]
    return ["-r", path] + extra + (ws_args if plugin or name in NONWS else bi_args)


def timed(envs, name, path, modes, repeat):
    """{mode: {variant: (best cpu, spread, peak MiB, output bytes)}}"""
    res = {}
    for mode in modes:
        samples = {v: [] for v, _ in variants(name)}
        for _ in range(repeat):
            for v, _ in variants(name):
                samples[v].append(run(envs[v], args_for(name, v, mode, path)))
        res[mode] = {}
        for v, runs in samples.items():
            cpus = [r[0] for r in runs]
            res[mode][v] = (min(cpus), (max(cpus) - min(cpus)) / min(cpus), min(r[1] for r in runs), runs[0][2])
        line = "  %-8s" % mode
        for v, _ in variants(name):
            c, spread, rss, outb = res[mode][v]
            line += "  %-7s %7.2f s ±%2.0f%% %6.0f MiB %8.1f MB out" % (v, c, 100 * spread, rss, outb / 1e6)
        print(line, flush=True)
    return res


def callgrind(envs, name, path, empty, modes):
    """{mode: {variant: instructions}}, plus start-up instructions per variant."""
    if not shutil.which("valgrind"):
        print("  valgrind not installed: no instruction counts")
        return None, None
    work = tempfile.mkdtemp(prefix="ws-cg-")
    os.chmod(work, 0o777)

    def count(ts, args):
        outf = os.path.join(work, "cg.out")
        cmd = ts.prefix + ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + outf, "tshark"] + args
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ts.env, cwd=ts.workdir)
        for line in p.stderr.decode(errors="replace").splitlines():
            if "Collected :" in line:
                return int(line.split(":")[-1].strip())
        raise RuntimeError("callgrind failed: %s" % p.stderr.decode(errors="replace")[-1000:])

    start = {v: count(envs[v], args_for(name, v, "fields", empty)) for v, _ in variants(name)}
    res = {}
    for mode in modes:
        res[mode] = {v: count(envs[v], args_for(name, v, mode, path)) for v, _ in variants(name)}
        line = "  %-8s" % mode
        for v, _ in variants(name):
            line += "  %-7s %6.3f G Ir (%6.3f G after start-up)" % (v, res[mode][v] / 1e9, (res[mode][v] - start[v]) / 1e9)
        print(line, flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return res, start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin", default=os.path.join(ROOT, "build", "plugin", "ws.so"))
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "ws-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--workloads", default="small,small_nohs,large,large256,compressed,nonws,shortconns")
    ap.add_argument("--modes", default=None, help="comma-separated; default: per workload (see source)")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--callgrind-scale", type=float, default=0.02)
    ap.add_argument("--callgrind-workloads", default="small,small_nohs,compressed,nonws,shortconns",
                    help="where to count instructions (the ratios closest to their targets)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=[PLUGIN][:ARGS]",
                    help="another ws run, e.g. 'json=:-o ws.text_as:json-if-valid' or 'old=/tmp/old/ws.so'; "
                         "printed as ratios to ws and builtin")
    a = ap.parse_args()

    ts, cleanup = make_tshark(os.path.abspath(a.plugin))
    bare, cleanup_bare = make_tshark(None)
    envs = {"ws": ts, "builtin": bare, "tcp": bare, "off": ts, "absent": bare}
    cleanups = []
    for spec in a.variant:
        vname, rest = spec.split("=", 1)
        plugin, _, vargs = rest.partition(":")
        EXTRA.append((vname, vargs.split(), plugin or None))
        if plugin:
            envs[vname], c = make_tshark(os.path.abspath(plugin))
            cleanups.append(c)
        else:
            envs[vname] = ts
    print(subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0])
    print("machine: %s, %d CPUs; best of %d runs, CPU = user + system of tshark" % (
        os.uname().machine, os.cpu_count(), a.repeat))
    results = {}
    counts = {}
    try:
        for name in a.workloads.split(","):
            modes = a.modes.split(",") if a.modes else DEFAULT_MODES[name]
            modes = [m for m in modes if m != "header" or name.startswith("large")]
            print("== %s" % name, flush=True)
            path = ts.derived_abs(capture(a.out, name, a.scale))
            results[name] = timed(envs, name, path, modes, a.repeat)
            if a.callgrind and name in a.callgrind_workloads.split(","):
                small = ts.derived_abs(capture(a.out, name, a.callgrind_scale))
                empty = os.path.join(ts.workdir, "empty.pcap")
                with open(empty, "wb") as fh:
                    fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
                os.chmod(empty, 0o644)
                print("  callgrind on a x%g copy:" % a.callgrind_scale, flush=True)
                counts[name] = callgrind(envs, name, small, empty, modes)
    finally:
        cleanup()
        cleanup_bare()
        for c in cleanups:
            c()

    print("== ratios (CPU; memory is peak RSS)")
    failed = 0
    for name, modes, num, den, _, limit in TARGETS:
        for mode in modes:
            r = results.get(name, {}).get(mode)
            if not r:
                continue
            cpu = r[num][0] / r[den][0]
            mem = r[num][2] / r[den][2]
            ok = cpu <= limit
            failed += not ok
            print("  %-10s %-8s %s/%s CPU %.3f (target <= %.2f) %s   memory %.3f%s" % (
                name, mode, num, den, cpu, limit, "ok" if ok else "MISSED", mem,
                "" if name in NONWS or mem <= 1.0 else " (more than %s)" % den))
            if name not in NONWS and "tcp" in r:
                print("  %-10s %-8s   builtin/tcp %.3f, ws/tcp %.3f" % ("", "", r["builtin"][0] / r["tcp"][0],
                                                                      r["ws"][0] / r["tcp"][0]))
            if name in NONWS:
                print("  %-10s %-8s   ws/absent %.3f" % ("", "", r["ws"][0] / r["absent"][0]))
            ir, start = counts.get(name, (None, None))
            if ir and mode in ir:
                print("  %-10s %-8s   instructions %s/%s %.3f, after start-up %.3f" % (
                    "", "", num, den, ir[mode][num] / ir[mode][den],
                    (ir[mode][num] - start[num]) / (ir[mode][den] - start[den])))

    print("== own cost: (ws - tcp) / (builtin - tcp)")
    for name, modes, limit in OWN_TARGETS:
        ref = "small" if name == "small_nohs" else name
        for mode in modes:
            r, rb = results.get(name, {}).get(mode), results.get(ref, {}).get(mode)
            if not r or not rb:
                continue
            own = (r["ws"][0] - r["tcp"][0]) / (rb["builtin"][0] - rb["tcp"][0])
            line = "  %-10s %-8s CPU %.3f (target <= %.2f) %s" % (name, mode, own, limit, "ok" if own <= limit else "MISSED")
            failed += own > limit
            (ir, st), (irb, stb) = counts.get(name, (None, None)), counts.get(ref, (None, None))
            if ir and irb and mode in ir and mode in irb:
                def after(c, s0, v):
                    return c[mode][v] - s0[v]
                own_ws = after(ir, st, "ws") - after(ir, st, "tcp")
                own_bi = after(irb, stb, "builtin") - after(irb, stb, "tcp")
                line += "   instructions %.3f (ws - tcp: %.1f M, builtin - tcp: %.1f M%s, after start-up)" % (
                    own_ws / own_bi, own_ws / 1e6, own_bi / 1e6, " on small" if ref != name else "")
            print(line)

    for vname, vargs, plugin in EXTRA:
        for name in results:
            for mode, r in results[name].items():
                if vname not in r:
                    continue
                line = "  %-10s %-8s %s (%s%s)" % (name, mode, vname, plugin or "ws.so", (" " + " ".join(vargs)) if
                                                   vargs else "")
                for den in ("ws", "builtin"):
                    line += "  /%s CPU %.3f memory %.3f" % (den, r[vname][0] / r[den][0], r[vname][2] / r[den][2])
                ir, start = counts.get(name, (None, None))
                if ir and mode in ir:
                    for den in ("ws", "builtin"):
                        line += "  instructions /%s %.3f" % (
                            den, (ir[mode][vname] - start[vname]) / (ir[mode][den] - start[den]))
                print(line)

    bench = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(a.plugin))), "tests", "bench_unmask")
    print("== unmask vs memcpy (%s)" % bench)
    if os.path.exists(bench):
        sys.stdout.flush()
        subprocess.run([bench], check=True)
    else:
        print("  not built (cmake -DWS_BUILD_TESTS=ON)")
    print("%d target(s) missed" % failed)


if __name__ == "__main__":
    main()
