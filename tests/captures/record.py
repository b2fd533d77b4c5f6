#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Record real WebSocket conversations over loopback, plus ground truth: the
one recorder of test-captures/ and test-captures/impls/.

    /usr/bin/python3 tests/captures/record.py [--out DIR] [--only NAME ...] [--work DIR]
    /usr/bin/python3 tests/captures/record.py --list

Every recording is a row of SCENARIOS below: name, client, server, server
port, MTU, plan, the client's and the server's extension configuration,
options.  Everything else is one machinery (tests/captures/reclib/; the MQTT
rows, plan "mqtt-*", python3-paho-mqtt against mosquitto's websockets listener,
have their own plan, checks and extra truth in reclib/mqtt.py):

  - the plan (reclib/plans.py) is written in one format that every peer reads
    (tests/captures/peers/: python3-websockets, npm `ws`, aiohttp,
    websocket-client, gorilla/websocket, socket.io, raw_peer.py, and one
    browser page for headless Chromium and Firefox ESR); every peer is started
    the same way, `PEER server|client PORT PLANDIR LOG`, and logs in one format;
  - each attempt runs in a private network namespace of its own (`unshare
    -n`, reclib/capture.py): `lo` up, net.ipv4.tcp_early_retrans=0, MTU 1500
    with offloads off or the loopback default; dumpcap on lo, bounded in time;
    every peer pinned to one CPU;
  - a recording is made again (up to MAX_ATTEMPTS times) when tshark flags a
    TCP anomaly or, on a port no built-in dissector owns, a built-in heuristic
    dissector claims a packet of the -nohs cut;
  - one set of checks (reclib/checks.py): the peers' logs, the plan, tshark's
    built-in dissector, split frames, TLS; any failure is fatal;
  - the truth is the capture's messages, checked; one -nohs cut (editcap -r
    from the packet after the 101 response); one README section per row in
    test-captures/README-recordings.md.

Writes, per row NAME, into DIR (default test-captures/, and test-captures/impls/
for the rows with the option "dir": "impls"): NAME.pcapng (the whole
conversation), NAME-nohs.pcapng (without every packet up to and including the
HTTP 101 response; not for TLS, which needs its handshake) and NAME.truth.json
(name, client, server, port, extensions, and every message each side sent,
per direction in order of completion on the wire: dir, opcode, len, sha256,
hex up to 512 bytes, frames, compressed; a compressed message uncompressed, a
fragmented one reassembled, control frames as they are; the MQTT rows add every
MQTT packet, see reclib/mqtt.py).

Needs, as root (Debian 12 packages): wireshark-common + tshark (dumpcap,
editcap, tshark 4.0), util-linux (unshare), iproute2, ethtool, procps
(sysctl), python3-websockets, python3-aiohttp, python3-websocket, openssl,
nodejs + npm (npm `ws` pinned by peers/ws/package-lock.json, socket.io 4 by
peers/sio/package-lock.json, installed with `npm ci` when missing), golang-go
+ golang-github-gorilla-websocket-dev (the Go peer is built offline:
GO111MODULE=off GOPATH=/usr/share/gocode), mosquitto and python3-paho-mqtt
(the MQTT rows), chromium and firefox-esr (without a browser its rows are
skipped and their files and README sections stay as they are; with --only, the
libraries of the rows not recorded may be missing: the README keeps their
versions).  About 10 minutes for all.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reclib import capture, checks, mqtt, plans, readme  # noqa: E402
from reclib.analyse import analyse, make_nohs, packet_count, stats, tcp_anomalies  # noqa: E402
from reclib.common import (DEFAULT_OUT, MAX_ATTEMPTS, MAX_CAPTURE_BYTES, REPO, die, impl_version,  # noqa: E402
                           say, tshark)

# Extension configurations, in the peer's own terms (plan.json config.client /
# config.server).  python: {"compression": None} off, {"compression":
# "deflate"} the library default, {"factory": {...}} the arguments of
# websockets' (Client|Server)PerMessageDeflateFactory; node: the
# `perMessageDeflate` option of ws (false or an object); aiohttp, gorilla,
# socket.io, firefox: {"deflate": bool}; chromium: None (the browser makes its
# own offer); websocket-client, raw_peer.py: None (no extensions).
PY_OFF = {"compression": None}
PY_DEFAULT = {"compression": "deflate"}
PY_NOCONTEXT_CLIENT = {"factory": {"server_no_context_takeover": True,
                                   "client_no_context_takeover": True,
                                   "server_max_window_bits": 10,
                                   "client_max_window_bits": 11,
                                   "compress_settings": {"memLevel": 5}}}
NODE_OFF = False
NODE_DEFLATE = {"threshold": 0}
NODE_NOCONTEXT_SERVER = {"threshold": 0, "serverNoContextTakeover": True,
                         "clientNoContextTakeover": True,
                         "serverMaxWindowBits": 10, "clientMaxWindowBits": 11}
BROWSER = None
ON, OFF = {"deflate": True}, {"deflate": False}
NONE = None

# Options: tls (wss:// with a throwaway certificate, key log embedded, no
# -nohs); coalesce (at least one client->server packet must carry >= 2
# frames: the corked burst); http_port (browsers: the page and the plan are
# served there, not captured); big (more messages for the "mixed" plan);
# dir (the subdirectory of the output directory); claimed (the port is a
# well-known one, 1883 MQTT, 8080 HTTP, ...: other dissectors and heuristics may
# take the -nohs packets, that is the point; without it the port must be one no
# built-in dissector is registered on, and the -nohs packets plain TCP).
# MTU: 1500 (offloads off) or "lo" (the loopback default, 65536).
PLAIN = {"coalesce": True}
CHROMIUM_HTTP_PORT, FIREFOX_HTTP_PORT = 47125, 47200
IMPLS = {"dir": "impls", "claimed": True}
FF = dict(IMPLS, http_port=FIREFOX_HTTP_PORT)


def big(*pairs, **opts):
    return dict(IMPLS, big=list(pairs), **opts)


SCENARIOS = [
    # name,                      client,     server,    port,  mtu,  plan,           client ext,          server ext,            options
    ("py-py",                     "python",   "python",  47101, "lo", "plain",         PY_OFF,              PY_OFF,                PLAIN),
    ("node-node",                 "node",     "node",    47102, "lo", "plain",         NODE_OFF,            NODE_OFF,              PLAIN),
    ("py-node",                   "python",   "node",    47103, "lo", "plain",         PY_OFF,              NODE_OFF,              PLAIN),
    ("node-py",                   "node",     "python",  47104, "lo", "plain",         NODE_OFF,            PY_OFF,                PLAIN),
    ("wss-py-py",                 "python",   "python",  47105, "lo", "plain-wss",     PY_OFF,              PY_OFF,                dict(PLAIN, tls=True)),
    ("deflate-py-py",             "python",   "python",  47110, "lo", "deflate",       PY_DEFAULT,          PY_DEFAULT,            {}),
    ("deflate-node-node",         "node",     "node",    47111, "lo", "deflate",       NODE_DEFLATE,        NODE_DEFLATE,          {}),
    ("deflate-py-node-nocontext", "python",   "node",    47112, "lo", "deflate",       PY_NOCONTEXT_CLIENT, NODE_NOCONTEXT_SERVER, {}),
    ("frag-node-py",              "node",     "python",  47113, "lo", "frag-node",     NODE_OFF,            PY_OFF,                {}),
    ("deflate-frag-py-py",        "python",   "python",  47114, "lo", "frag-py",       PY_DEFAULT,          PY_DEFAULT,            {}),
    ("chromium-py",               "chromium", "python",  47115, "lo", "chromium",      BROWSER,             PY_DEFAULT,            {"http_port": CHROMIUM_HTTP_PORT}),
    ("aiohttp-aiohttp-deflate",   "aiohttp",  "aiohttp", 8080,  1500, "mixed",         ON,                  ON,                    big(("text", 70000), ("text", 200000))),
    ("aiohttp-aiohttp",           "aiohttp",  "aiohttp", 8000,  "lo", "mixed",         OFF,                 OFF,                   big(("binary", 70000))),
    ("wsclient-aiohttp",          "wsclient", "aiohttp", 5000,  1500, "mixed",         NONE,                OFF,                   big(("binary", 200000))),
    ("wsclient-gorilla",          "wsclient", "gorilla", 9001,  1500, "mixed",         NONE,                OFF,                   big(("text", 70000))),
    ("gorilla-gorilla-deflate",   "gorilla",  "gorilla", 3000,  1500, "mixed",         ON,                  ON,                    big(("text", 70000))),
    ("gorilla-gorilla",           "gorilla",  "gorilla", 1883,  "lo", "mixed",         OFF,                 OFF,                   IMPLS),
    # gorilla client + aiohttp server with deflate: aiohttp answers gorilla's offer (no context
    # takeover both ways) with a bare "permessage-deflate", which gorilla rejects; recorded uncompressed
    ("gorilla-aiohttp",           "gorilla",  "aiohttp", 8765,  1500, "mixed",         OFF,                 OFF,                   big(("binary", 70000))),
    ("aiohttp-gorilla-deflate",   "aiohttp",  "gorilla", 8000,  1500, "mixed",         ON,                  ON,                    IMPLS),
    ("firefox-aiohttp-deflate",   "firefox",  "aiohttp", 8080,  1500, "mixed",         ON,                  ON,                    dict(FF, big=[("text", 70000)])),
    ("firefox-gorilla",           "firefox",  "gorilla", 3000,  "lo", "mixed",         OFF,                 OFF,                   FF),
    ("firefox-gorilla-deflate",   "firefox",  "gorilla", 9001,  1500, "mixed",         ON,                  ON,                    FF),
    ("sio-sio-deflate",           "sio",      "sio",     5000,  1500, "mixed",         ON,                  ON,                    big(("text", 70000))),
    ("sio-sio",                   "sio",      "sio",     8080,  "lo", "mixed",         OFF,                 OFF,                   IMPLS),
    ("split-aiohttp",             "raw",      "aiohttp", 8765,  1500, "mixed",         NONE,                OFF,                   IMPLS),
    ("wsclient-split",            "wsclient", "raw",     1883,  1500, "mixed",         NONE,                NONE,                  IMPLS),
    ("split-gorilla",             "raw",      "gorilla", 9001,  "lo", "mixed",         NONE,                OFF,                   big(("binary", 70000))),
    ("short-text-close",          "wsclient", "aiohttp", 8000,  1500, "text-close",    NONE,                OFF,                   IMPLS),
    ("short-ping-text",           "gorilla",  "aiohttp", 5000,  1500, "ping-text",     OFF,                 OFF,                   IMPLS),
    ("short-binary2-close",       "raw",      "gorilla", 1883,  1500, "binary2-close", NONE,                OFF,                   IMPLS),
    ("short-burst",               "aiohttp",  "raw",     3000,  "lo", "burst",         OFF,                 NONE,                  IMPLS),
    # MQTT over WebSocket (reclib/mqtt.py): paho-mqtt against mosquitto's websockets listener
    ("mqtt-paho-mosquitto",       "paho",     "mosquitto", 9001, 1500, "mqtt-311",     NONE,                NONE,                  IMPLS),
    ("mqtt5-paho-mosquitto",      "paho",     "mosquitto", 8083, "lo", "mqtt-5",       NONE,                NONE,                  IMPLS),
]
FIELDS = ("name", "client", "server", "port", "mtu", "plan", "cext", "sext", "options")
ROWS = [dict(zip(FIELDS, sc), title=(f"{sc[8]['dir']}/{sc[0]}" if sc[8].get("dir") else sc[0]))
        for sc in SCENARIOS]
BROWSER_BIN = {"chromium": "chromium", "firefox": "firefox-esr"}


def compresses(cfg):
    """Does this peer configuration ask for permessage-deflate?"""
    if cfg is None or cfg is False:
        return False
    if "compression" in cfg:
        return cfg["compression"] is not None
    if "deflate" in cfg:
        return cfg["deflate"]
    return True   # a python factory, a node perMessageDeflate object


def row(name):
    for r in ROWS:
        if r["name"] == name:
            return r
    die(f"unknown recording {name}; known: {[r['name'] for r in ROWS]}")


def record_one(r, work, out_root, claimed):
    """Record one row (attempts in namespaces), check it, write its files;
    returns the summary for its README section."""
    if r["plan"].startswith("mqtt"):
        return mqtt.record_mqtt(r, work, out_root)
    t1 = time.monotonic()
    name, client, server, port, opts = r["name"], r["client"], r["server"], r["port"], r["options"]
    out_dir = os.path.join(out_root, opts.get("dir", ""))
    os.makedirs(out_dir, exist_ok=True)
    dirs = capture.row_dirs(work, name)
    for d in ("plan", "logs"):
        shutil.rmtree(dirs[d], ignore_errors=True)
        os.makedirs(dirs[d])
    tls = bool(opts.get("tls"))
    if tls:
        shutil.rmtree(dirs["tls"], ignore_errors=True)
        os.makedirs(dirs["tls"])
        capture.make_cert(dirs["tls"])
    steps = plans.build_plan(r["plan"], name, client, opts.get("big", ()))
    plans.write_plan(steps, {"client": r["cext"], "server": r["sext"]}, dirs["plan"])
    plan_exact = "sio" not in (client, server)     # socket.io wraps the payloads
    plain_tcp = not opts.get("claimed")
    if plain_tcp and port in claimed:
        die(f"{name}: tshark registers a dissector on port {port}; pick another port")
    pcap = os.path.join(out_dir, f"{name}.pcapng")
    prefs = checks.builtin_prefs(port, tls)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        capture.in_namespace(name, work)
        bad = tcp_anomalies(dirs["pcap"])
        if bad:
            say(f"{name}: attempt {attempt}: TCP anomalies in frames {bad[:10]}; recording again")
            continue
        if os.path.exists(pcap):
            os.unlink(pcap)
        if tls:
            capture.inject_secrets(name, dirs["pcap"], dirs["tls"], pcap)
        else:
            shutil.copyfile(dirs["pcap"], pcap)
        os.chmod(pcap, 0o644)
        ana = analyse(pcap, port, tls)
        cut = max(ana["resp_packet"], ana["req_packet"])
        if tshark(["-r", pcap] + prefs + ["-Y", f"frame.number == {cut} && websocket", "-T",
                                          "fields", "-e", "frame.number"]).strip():
            die(f"{name}: the 101 packet also carries WebSocket frames")
        if tls:
            break    # no handshake-less form: TLS needs its handshake to decrypt
        nohs, nohs_packets, first_desc, nohs_protocols = make_nohs(
            pcap, cut, port, plain_tcp=plain_tcp)
        if nohs is None:
            say(f"{name}: attempt {attempt}: -nohs: {nohs_packets}; recording again")
            continue
        break
    else:
        die(f"{name}: no clean recording in {MAX_ATTEMPTS} attempts")

    # the checks (reclib/checks.py)
    logs = {w: checks.read_log(os.path.join(dirs["logs"], f"{w}.jsonl")) for w in ("client", "server")}
    tls_info = checks.check_tls(name, dirs["pcap"], pcap, port) if tls else None
    if bool(ana["pmd"]) != (compresses(r["cext"]) or compresses(r["sext"])):
        die(f"{name}: permessage-deflate negotiated: {ana['accepted']!r}, the configurations "
            f"{r['cext']!r} / {r['sext']!r} say otherwise")
    auto = checks.check_logs(name, ana, logs, client, server)
    if plan_exact:
        checks.check_plan(name, ana, plans.expected_messages(steps, client, server), client, server)
    tf = checks.check_tshark(name, pcap, port, ana, tls)
    checks.check_builtin_opcodes(name, pcap, port, ana, tls)
    notes = checks.tshark_payload_notes(name, pcap, port, ana, tf)
    split = checks.check_split(name, pcap, port, ana, client, server) if "raw" in (client, server) else [0, 0]
    if tls_info:
        seen = next((e for e in logs["client"] if e.get("ev") == "tls"), None)
        if not seen or seen["version"].replace("v", " ") != tls_info["version"] \
                or seen["cipher"] != tls_info["cipher"]:
            die(f"{name}: the client's TLS session {seen} is not the ServerHello's {tls_info}")
    st = stats(ana, tf)
    if opts.get("coalesce") and not st["c2s"]["coalesced"]:
        die(f"{name}: no client->server packet carries >= 2 WebSocket frames")
    size = os.path.getsize(pcap)
    if size > MAX_CAPTURE_BYTES:
        die(f"{name}: capture is {size} bytes, more than {MAX_CAPTURE_BYTES}")

    truth = {"name": name, "client": impl_version(client, "client"), "server": impl_version(server, "server"),
             "port": port, "extensions": ana["accepted"],
             "messages": [plans.truth_entry(d, m["opcode"], m["data"], len(m["frames"]), m["compressed"])
                          for d, m in checks.truth_messages(ana, tf)]}
    with open(os.path.join(out_dir, f"{name}.truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, ensure_ascii=False)
        f.write("\n")

    if client in capture.BROWSERS:
        with open(os.path.join(dirs["logs"], "page.json")) as f:
            page = json.load(f)
        notes = [f"the page's `ws.extensions`: `{page.get('extensions')}`"] + notes
    with open(dirs["lo"]) as f:
        lo = f.read()
    maxseg = max(int(x) for x in tshark(["-r", pcap, "-T", "fields", "-e", "tcp.len"]).split())
    rel = lambda cmd: " ".join(cmd).replace(REPO + "/", "")  # noqa: E731
    pcmd = lambda impl, role: rel(capture.peer_cmd(impl, role, port, "PLANDIR", "LOG", "WORK",  # noqa: E731
                                                   "TLSDIR" if tls else None))
    res = {"name": name, "title": r["title"], "client_v": truth["client"], "server_v": truth["server"],
           "port": port, "mtu": lo.split(" mtu ")[1].split()[0], "offloads_off": r["mtu"] == 1500,
           "max_segment": maxseg, "http_port": opts.get("http_port"),
           "how": readme.HOW[name] if name in readme.HOW else readme.impls_how(r, steps),
           "offered": ana["offered"], "accepted": ana["accepted"], "pmd": ana["pmd"], "tls": tls_info,
           "user_agent": ana["user_agent"] if client in capture.BROWSERS else None,
           "origin": ana["origin"], "size": size, "packets": packet_count(pcap),
           "req_frame": ana["req_packet"], "cut": cut,
           "nohs_size": None if tls else os.path.getsize(nohs), "nohs_packets": None if tls else nohs_packets,
           "first": None if tls else first_desc, "nohs_protocols": None if tls else nohs_protocols,
           "stats": st, "auto_control": auto, "split": split, "notes": notes,
           "server_cmd": pcmd(server, "server"),
           "client_cmd": None if client in capture.BROWSERS else pcmd(client, "client")}
    say(f"{name}: {res['packets']} packets, {size} bytes, 101 in frame {cut}, "
        + (f"{tls_info['version']} {tls_info['cipher']}, secrets embedded" if tls
           else f"nohs {nohs_packets} packets")
        + f"; MTU {res['mtu']}, largest segment {maxseg}; ext {ana['accepted']!r}; c2s "
        f"{st['c2s']['frames']} frames ({st['c2s']['rsv1']} RSV1, {len(st['c2s']['fragmented'])} "
        f"fragmented msgs, {len(st['c2s']['coalesced'])} packets with >= 2), s2c {st['s2c']['frames']} "
        f"frames ({st['s2c']['rsv1']} RSV1, {len(st['s2c']['fragmented'])} fragmented); "
        f"{time.monotonic() - t1:.1f}s")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default test-captures/)")
    ap.add_argument("--only", nargs="*", help="record only these names")
    ap.add_argument("--list", action="store_true", help="print the scenario table and exit")
    ap.add_argument("--work", help="keep the plans, logs and raw captures here")
    ap.add_argument("--inner", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.inner:
        capture.inner(row(args.inner), args.work)
        return
    if args.list:
        for r in ROWS:
            print(f"{r['title']:32} {r['client']:8} -> {r['server']:7} port {r['port']:5}  mtu {r['mtu']!s:4}  "
                  f"plan {r['plan']:13}  client {json.dumps(r['cext'])}  server {json.dumps(r['sext'])}  "
                  f"{json.dumps(r['options'])}")
        return
    if os.geteuid() != 0:
        die("run as root (unshare -n, ip, ethtool, sysctl, dumpcap)")
    t0 = time.monotonic()
    todo = [row(n) for n in args.only] if args.only else list(ROWS)
    for b, binary in BROWSER_BIN.items():
        skipped = [r["name"] for r in todo if r["client"] == b]
        if skipped and not shutil.which(binary):
            if args.only:
                die(f"{binary} not found (apt-get install {binary})")
            say(f"{binary} not found: {', '.join(skipped)} not recorded, the committed files and "
                "README sections stay")
            todo = [r for r in todo if r["client"] != b]
    tools = ["dumpcap", "editcap", "tshark", "unshare", "ip", "ethtool", "sysctl"] + \
        (["openssl"] if any(r["options"].get("tls") for r in todo) else [])
    for tool in tools:
        if not shutil.which(tool):
            die(f"{tool} not found")
    work = args.work or tempfile.mkdtemp(prefix="ws-rec-")
    os.makedirs(work, exist_ok=True)
    impls = {r["client"] for r in todo} | {r["server"] for r in todo}
    capture.prepare(impls, work)
    claimed = checks.ports_claimed({r["port"] for r in ROWS})
    vers, old_vers = {}, readme.versions_of(args.out, {r[k] for r in ROWS for k in ("client", "server")})
    for r in ROWS:
        for impl, role in ((r["client"], "client"), (r["server"], "server")):
            if impl in BROWSER_BIN and not shutil.which(BROWSER_BIN[impl]):
                if impl in old_vers:
                    vers[impl] = old_vers[impl]
                continue
            key = impl if impl != "sio" else f"sio {role}"
            try:
                vers[key] = impl_version(impl, role)
            except (ImportError, OSError, SystemExit):
                # not installed here and not recorded now: the README keeps what it says
                if impl in impls or key not in old_vers:
                    raise
                vers[key] = old_vers[key]
    results = []
    try:
        for r in todo:
            results.append(record_one(r, work, args.out, claimed))
            # after every row: a later failure leaves the README true to the files
            readme.update_readme(args.out, ROWS, results, vers)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    say(f"all OK ({len(results)} recordings) in {time.monotonic() - t0:.1f}s")


if __name__ == "__main__":
    main()
