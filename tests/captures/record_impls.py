#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Record WebSocket conversations between implementations other than the ones
record.py uses (python3-websockets, node ws, Chromium), on networks and
ports unlike theirs.

    /usr/bin/python3 tests/captures/record_impls.py [--out DIR] [--only NAME ...] [--work DIR]
    /usr/bin/python3 tests/captures/record_impls.py --list
    /usr/bin/python3 tests/captures/record_impls.py --readme --work DIR

(--work keeps the plans, the peers' logs and summary.json / README-section.md,
the text of the README.md section; --readme writes that text again.)
About 5 minutes for all 20, as root.

Writes, per recording, into test-captures/impls/ (or DIR):
  NAME.pcapng        the whole conversation (one TCP connection)
  NAME-nohs.pcapng   the same from the first packet after the 101 response
                     (editcap -r)
  NAME.truth.json    the messages each side sent (format of record.py:
                     name, client, server, port, extensions, messages[] with
                     dir, opcode, len, sha256, hex up to 512 bytes, frames,
                     compressed); data messages uncompressed and reassembled,
                     control frames included; per direction in wire order
                     (listed by the packet that completes them)

Every recording runs in its own network namespace (`unshare -n`, `lo` brought
up there): with "mtu 1500" the namespace's lo gets MTU 1500 and TSO/GSO/GRO off
(`ethtool -K lo tso off gso off gro off`), so TCP segments carry at most 1448
bytes as on Ethernet; "mtu lo" keeps the loopback default (65536, offloads on).
Tail loss probes are off there (net.ipv4.tcp_early_retrans=0): a peer that
sleeps between writes delays its ACKs, and the probe would put a needless
retransmission into the capture (record.py's TCP anomaly check rejects those;
a recording with one is made again, up to ATTEMPTS times).
dumpcap captures `tcp port PORT` on lo, bounded by `-a duration:`; every peer
runs with a timeout and pinned to one CPU (see record.py: loopback packets
from several CPUs can reach the capture out of order).

The peers (tests/captures/impls/) log every frame or message they hand to
their library or socket (peerlib.py describes the log); a browser page POSTs
its log.  The truth is that log, checked, fatally on any difference, against
  1. this script's own parse of the capture (record.analyse: TCP payload
     contiguous, handshake, frames unmasked, messages reassembled and
     inflated with the negotiated parameters): each direction's data messages
     must be exactly the sender's log, in order; a control frame not in the
     log must be one the library sends by itself (a pong repeating a ping of
     the other side, a close after the other side's close);
  2. Wireshark's built-in dissector on the whole capture (the plugin disabled,
     `--disable-protocol ws`, tcp.desegment_tcp_streams:TRUE): every
     WebSocket frame with its opcode, FIN, RSV1 (websocket.pmc), mask bit,
     length and packet (record.check_tshark); the payload tshark 4.0 shows
     (unmasked, inflated) for every message it is known to get right
     (record.tshark_payload_notes: control frames, single-frame messages,
     compressed ones while its inflate state is intact); and, by
     `-T fields -e websocket.opcode`, the opcode sequence of each direction.

Needs, as root (Debian 12 packages): wireshark-common + tshark (dumpcap,
editcap, tshark 4.0), util-linux (unshare), iproute2 (ip), ethtool,
python3-aiohttp, python3-websocket, golang-go + golang-github-gorilla-websocket-dev
(the Go peer is built offline: GO111MODULE=off GOPATH=/usr/share/gocode),
firefox-esr, nodejs + npm (socket.io 4 / socket.io-client 4 pinned by
tests/captures/impls/node/package-lock.json, installed with `npm ci`).
"""

import argparse
import http.server
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import record  # noqa: E402
from record import die, run, wait_for_line, packet_count, tcp_anomalies  # noqa: E402
from record import make_json_text, make_blocky_binary, truth_entry  # noqa: E402



def tshark(args, timeout=120):
    """record.tshark with the ws plugin disabled: where the plugin is installed
    system-wide it would otherwise take the frames from the built-in dissector
    (and decode the -nohs cut).  record.py's helpers are pointed at this one
    too (in this process only), for DECODE_AS."""
    p = run(["tshark", "-n", "--disable-protocol", "ws"] + DECODE_AS + args, timeout=timeout)
    return p.stdout.decode("utf-8", errors="replace")


# Set around the built-in dissector's checks to ["-d", "tcp.port==PORT,http"]: on some
# of the ports used here another dissector takes the handshake itself (MQTT on 1883),
# and the built-in WebSocket dissector only starts from an HTTP Upgrade it saw.
DECODE_AS = []


record.tshark = tshark

IMPLS = os.path.join(HERE, "impls")
NODE_DIR = os.path.join(IMPLS, "node")
DEFAULT_OUT = os.path.join(record.REPO, "test-captures", "impls")
SEED = "wireshark-ws-plugin-captures-impls-v1"
PAGE_PORT = 47200           # the browser's page and plan (not captured)
CAPTURE_SECONDS = 150       # dumpcap -a duration:
INNER_TIMEOUT = 240         # one recording in its namespace
PEER_TIMEOUT = 90
READY_TIMEOUT = 20
ATTEMPTS = 5
SPLIT_PEER = "raw_peer.py (split header/payload writer)"

# ---------------------------------------------------------------------------
# the recordings

# (name, client, server, deflate, port, mtu, plan, big sizes)
# mtu: 1500 (offloads off) or "lo" (loopback default)
SCENARIOS = [
    ("aiohttp-aiohttp-deflate", "aiohttp", "aiohttp", True, 8080, 1500, "mixed", [("text", 70000), ("text", 200000)]),
    ("aiohttp-aiohttp", "aiohttp", "aiohttp", False, 8000, "lo", "mixed", [("binary", 70000)]),
    ("wsclient-aiohttp", "wsclient", "aiohttp", False, 5000, 1500, "mixed", [("binary", 200000)]),
    ("wsclient-gorilla", "wsclient", "gorilla", False, 9001, 1500, "mixed", [("text", 70000)]),
    ("gorilla-gorilla-deflate", "gorilla", "gorilla", True, 3000, 1500, "mixed", [("text", 70000)]),
    ("gorilla-gorilla", "gorilla", "gorilla", False, 1883, "lo", "mixed", []),
    # gorilla client + aiohttp server with deflate: aiohttp answers gorilla's offer (no context
    # takeover both ways) with a bare "permessage-deflate", which gorilla rejects; recorded uncompressed
    ("gorilla-aiohttp", "gorilla", "aiohttp", False, 8765, 1500, "mixed", [("binary", 70000)]),
    ("aiohttp-gorilla-deflate", "aiohttp", "gorilla", True, 8000, 1500, "mixed", []),
    ("firefox-aiohttp-deflate", "firefox", "aiohttp", True, 8080, 1500, "mixed", [("text", 70000)]),
    ("firefox-gorilla", "firefox", "gorilla", False, 3000, "lo", "mixed", []),
    ("firefox-gorilla-deflate", "firefox", "gorilla", True, 9001, 1500, "mixed", []),
    ("sio-sio-deflate", "sio", "sio", True, 5000, 1500, "mixed", [("text", 70000)]),
    ("sio-sio", "sio", "sio", False, 8080, "lo", "mixed", []),
    ("split-aiohttp", "raw", "aiohttp", False, 8765, 1500, "mixed", []),
    ("wsclient-split", "wsclient", "raw", False, 1883, 1500, "mixed", []),
    ("split-gorilla", "raw", "gorilla", False, 9001, "lo", "mixed", [("binary", 70000)]),
    ("short-text-close", "wsclient", "aiohttp", False, 8000, 1500, "text-close", []),
    ("short-ping-text", "gorilla", "aiohttp", False, 5000, 1500, "ping-text", []),
    ("short-binary2-close", "raw", "gorilla", False, 1883, 1500, "binary2-close", []),
    ("short-burst", "aiohttp", "raw", False, 3000, "lo", "burst", []),
]

# what a client can be asked to do
CAN_FRAG = {"wsclient", "raw"}
CAN_PING = {"aiohttp", "wsclient", "gorilla", "raw"}
CAN_CLOSE_CODE = {"aiohttp", "wsclient", "gorilla", "raw", "firefox"}
CAN_DEFLATE = {"aiohttp", "gorilla", "firefox", "sio"}

# ---------------------------------------------------------------------------
# plans


def _text(rng, n):
    return make_json_text(rng, n)


def _binary(rng, n):
    return make_blocky_binary(rng, n)


def _m(opcode, data):
    return {"t": "msg", "opcode": opcode, "hex": data.hex()}


def _split_utf8(data, parts):
    """Cut UTF-8 text into `parts` pieces, some cuts inside a character."""
    n = len(data)
    cuts = sorted({max(1, min(n - 1, n * k // parts + (k % 2))) for k in range(1, parts)})
    out, pos = [], 0
    for c in cuts:
        out.append(data[pos:c])
        pos = c
    out.append(data[pos:])
    return out


def build_plan(name, client, deflate, kind, big):
    rng = random.Random(f"{SEED}/{name}")
    steps = []
    close = {"t": "close", "code": 4000 + rng.randrange(900), "reason": "plan done ✓"}
    if kind == "text-close":
        steps = [_m(1, b'{"hello":"world","n":1}'), dict(close, code=1000, reason="bye")]
    elif kind == "ping-text":
        steps = [{"t": "ping", "hex": b"are you there".hex()}, _m(1, _text(rng, 300))]
    elif kind == "binary2-close":
        steps = [_m(2, _binary(rng, 40)), _m(2, _binary(rng, 3000)), dict(close, code=1001, reason="going away")]
    elif kind == "burst":
        steps = [{"t": "burst", "msgs": [{"opcode": 1, "hex": _text(rng, n).hex()} for n in (5, 17, 2)]
                  + [{"opcode": 2, "hex": rng.randbytes(9).hex()}]}, dict(close, code=1000, reason="")]
    elif kind == "mixed":
        sizes = [0, 1, 125, 126, 1000, 5000]
        for n in sizes:
            steps.append(_m(1, _text(rng, n)))
            steps.append(_m(2, _binary(rng, n)))
        if client in CAN_PING:
            steps.insert(3, {"t": "ping", "hex": b"".hex()})
            steps.insert(8, {"t": "ping", "hex": rng.randbytes(125).hex()})
        for typ, n in big:
            steps.append(_m(1, _text(rng, n)) if typ == "text" else _m(2, _binary(rng, n)))
        steps.append({"t": "burst", "msgs": [{"opcode": 1 if k % 3 else 2,
                                              "hex": (_text(rng, rng.randint(2, 60)) if k % 3
                                                      else rng.randbytes(rng.randint(1, 30))).hex()}
                                             for k in range(12)]})
        if client in CAN_FRAG:
            t = "Grüße aus Łódź — 😀 𝄞 ".encode() * 40
            steps.append({"t": "frag", "opcode": 1, "pieces": [p.hex() for p in _split_utf8(t, 3)]})
            steps.append({"t": "frag", "opcode": 2, "pieces": [_binary(rng, 126).hex(), "", _binary(rng, 1).hex()]})
            steps.append({"t": "frag", "opcode": 1, "pieces": [_text(rng, 1000).hex() for _ in range(5)]})
            steps.append({"t": "frag", "opcode": 2, "pieces": [_binary(rng, 40000).hex(), _binary(rng, 30000).hex()]})
        steps.append(close)
    else:
        die(f"unknown plan {kind}")
    if client not in CAN_CLOSE_CODE:
        steps = [dict(s, code=None, reason=None) if s["t"] == "close" else s for s in steps]
    return {"deflate": deflate, "steps": steps}


# ---------------------------------------------------------------------------
# versions and commands

_VERSIONS = {}


def dpkg_version(pkg):
    p = run(["dpkg-query", "-W", "-f", "${Version}", pkg], check=False)
    return p.stdout.decode().strip() or "?"


def impl_version(impl):
    if impl in _VERSIONS:
        return _VERSIONS[impl]
    py = "Python %d.%d.%d" % sys.version_info[:3]
    if impl == "aiohttp":
        import aiohttp
        v = f"aiohttp {aiohttp.__version__} (python3-aiohttp {dpkg_version('python3-aiohttp')}, {py})"
    elif impl == "wsclient":
        import websocket
        v = f"websocket-client {websocket.__version__} (python3-websocket {dpkg_version('python3-websocket')}, {py})"
    elif impl == "gorilla":
        go = run(["go", "version"]).stdout.decode().split()[2]
        v = (f"gorilla/websocket {dpkg_version('golang-github-gorilla-websocket-dev')} "
             f"(golang-github-gorilla-websocket-dev, {go})")
    elif impl == "firefox":
        ff = run(["firefox-esr", "--version"], timeout=60).stdout.decode().strip()
        v = f"{ff} (firefox-esr {dpkg_version('firefox-esr')}, headless)"
    elif impl == "sio":
        def nv(pkg, sub=""):
            return run(["node", "-p", f"require('{NODE_DIR}/node_modules/{sub}{pkg}/package.json').version"]
                       ).stdout.decode().strip()
        eio_ws = ("engine.io-client/node_modules/", "")[not os.path.isdir(
            os.path.join(NODE_DIR, "node_modules", "engine.io-client", "node_modules", "ws"))]
        node = run(["node", "--version"]).stdout.decode().strip()
        v = {"client": f"socket.io-client {nv('socket.io-client')} (engine.io-client {nv('engine.io-client')}, "
                       f"ws {nv('ws', eio_ws)}, node {node})",
             "server": f"socket.io {nv('socket.io')} (engine.io {nv('engine.io')}, ws {nv('ws')}, node {node})"}
    elif impl == "raw":
        v = f"{SPLIT_PEER}, {py}"
    else:
        die(f"unknown implementation {impl}")
    _VERSIONS[impl] = v
    return v


def impl_label(impl, role):
    v = impl_version(impl)
    return v[role] if isinstance(v, dict) else v


def peer_cmd(impl, role, port, plan, log, work):
    py = ["/usr/bin/python3"]
    if impl == "aiohttp":
        return py + [os.path.join(IMPLS, "aiohttp_peer.py"), role, str(port), plan, log]
    if impl == "wsclient":
        return py + [os.path.join(IMPLS, "wsclient_peer.py"), role, str(port), plan, log]
    if impl == "raw":
        return py + [os.path.join(IMPLS, "raw_peer.py"), role, str(port), plan, log]
    if impl == "gorilla":
        return [os.path.join(work, "gorilla-peer"), role, str(port), plan, log]
    if impl == "sio":
        return ["node", os.path.join(NODE_DIR, "sio_peer.js"), role, str(port), plan, log]
    die(f"no {role} command for {impl}")


def firefox_profile(directory, deflate):
    prefs = {
        "network.websocket.extensions.permessage-deflate": deflate,
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.homepage_override.mstone": "ignore",
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "app.update.enabled": False,
        "app.normandy.enabled": False,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "extensions.update.enabled": False,
        "network.proxy.type": 0,
    }
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "user.js"), "w") as f:
        for k, v in prefs.items():
            f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")


def build_go(work):
    out = os.path.join(work, "gorilla-peer")
    if os.path.exists(out):
        return
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
               GOCACHE=os.path.join(work, "gocache"), CGO_ENABLED="0")
    run(["go", "build", "-o", out, os.path.join(IMPLS, "go", "peer.go")], timeout=600, env=env)


def ensure_node():
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "socket.io")):
        print("record_impls.py: npm ci in tests/captures/impls/node", flush=True)
        run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, timeout=300)


# ---------------------------------------------------------------------------
# inside the namespace: one capture


class _PageHandler(http.server.BaseHTTPRequestHandler):
    page = plan = log_path = None
    posted = None

    def log_message(self, *a):
        pass

    def _reply(self, body, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/plan.json"):
            self._reply(self.plan, "application/json")
        elif self.path.startswith("/?") or self.path == "/":
            self._reply(self.page, "text/html; charset=utf-8")
        else:
            self.send_error(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(self.log_path, "wb") as f:
            f.write(body)
        self._reply(b"ok", "text/plain")
        self.posted.set()


def inner(args):
    """One recording; runs in a fresh network namespace (see main)."""
    sc = scenario(args.inner)
    name, client, server, deflate, port, mtu = sc[:6]
    work = args.work
    run(["ip", "link", "set", "lo", "up"])
    # no tail loss probes in this namespace: when a receiver delays its ACK (a peer
    # busy sleeping between writes), the sender's probe repeats its last segment
    # after ~10 ms, a retransmission in the capture for nothing
    run(["sysctl", "-q", "-w", "net.ipv4.tcp_early_retrans=0"])
    if mtu == 1500:
        run(["ip", "link", "set", "lo", "mtu", "1500"])
        run(["ethtool", "-K", "lo", "tso", "off", "gso", "off", "gro", "off"])
    pcap = os.path.join(work, f"{name}.pcapng")
    plan = os.path.join(work, f"{name}.plan.json")
    logs = {r: os.path.join(work, f"{name}.{r}.jsonl") for r in ("client", "server")}
    for p in [pcap] + list(logs.values()):
        if os.path.exists(p):
            os.unlink(p)
    dump = record.Dumpcap(pcap, port, CAPTURE_SECONDS, os.path.join(work, f"{name}.dumpcap.log"))
    procs = []
    browser = httpd = None
    profile = None
    try:
        dump.start()
        srv = subprocess.Popen(peer_cmd(server, "server", port, plan, logs["server"], work), cwd=IMPLS,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=record._pin_to_one_cpu)
        procs.append(srv)
        wait_for_line(srv, r"READY", READY_TIMEOUT, f"{name}: {server} server start")
        if client == "firefox":
            posted = threading.Event()
            with open(os.path.join(IMPLS, "firefox", "page.html"), "rb") as f:
                page = f.read()
            with open(plan, "rb") as f:
                plan_body = f.read()
            handler = type("H", (_PageHandler,), {"page": page, "plan": plan_body,
                                                   "log_path": logs["client"], "posted": posted})
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", PAGE_PORT), handler)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            profile = tempfile.mkdtemp(prefix="ff-profile-", dir=work)
            firefox_profile(profile, deflate)
            env = dict(os.environ, HOME=profile, MOZ_HEADLESS="1", MOZ_CRASHREPORTER_DISABLE="1")
            browser = subprocess.Popen(
                ["firefox-esr", "--headless", "--no-remote", "--profile", profile,
                 f"http://127.0.0.1:{PAGE_PORT}/?port={port}"],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"{name}.firefox.log"), "w"),
                env=env, preexec_fn=lambda: (os.setsid(), record._pin_to_one_cpu()))
            if not posted.wait(PEER_TIMEOUT):
                die(f"{name}: the page did not report within {PEER_TIMEOUT}s")
            record.wait_exit(srv, PEER_TIMEOUT, f"{name}: {server} server")
        else:
            cli = subprocess.Popen(peer_cmd(client, "client", port, plan, logs["client"], work), cwd=IMPLS,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=record._pin_to_one_cpu)
            procs.append(cli)
            record.wait_exit(cli, PEER_TIMEOUT, f"{name}: {client} client")
            record.wait_exit(srv, PEER_TIMEOUT, f"{name}: {server} server")
        time.sleep(0.5)
        dump.stop()
    finally:
        if browser is not None:
            record.stop_group(browser)
        if httpd is not None:
            httpd.shutdown()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        dump.kill()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
    if client == "firefox":
        with open(logs["client"]) as f:
            rep = json.load(f)
        if rep.get("error"):
            die(f"{name}: the page failed: {rep['error']}")
        with open(logs["client"], "w") as f:
            for e in rep["sent"]:
                f.write(json.dumps(e) + "\n")
    seg = run(["ip", "-o", "link", "show", "lo"]).stdout.decode()
    with open(os.path.join(work, f"{name}.lo.txt"), "w") as f:
        f.write(seg)


# ---------------------------------------------------------------------------
# outside: checks, truth, cut


def read_log(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def check_against_logs(name, ana, logs):
    """Returns the capture's messages per direction after checking them
    against the senders' logs (see the module docstring)."""
    caps = ana["messages"]
    auto = {"c2s": 0, "s2c": 0}
    for d, sender in (("c2s", "client"), ("s2c", "server")):
        other = "s2c" if d == "c2s" else "c2s"
        log = [(e["opcode"], bytes.fromhex(e["hex"])) for e in logs[sender]]
        i = 0
        for k, m in enumerate(caps[d]):
            got = (m["opcode"], m["data"])
            if i < len(log) and log[i] == got:
                i += 1
                continue
            if m["opcode"] == record.OP_PONG and any(o["opcode"] == record.OP_PING and o["data"] == m["data"]
                                                     for o in caps[other]):
                auto[d] += 1
                continue
            if m["opcode"] == record.OP_CLOSE and any(o["opcode"] == record.OP_CLOSE for o in caps[other]) \
                    and not any(e[0] == record.OP_CLOSE for e in log[i:]):
                auto[d] += 1
                continue
            want = log[i] if i < len(log) else None
            die(f"{name}: {d} message #{k} (opcode {m['opcode']}, {len(m['data'])} B, packet "
                f"{m['frames'][-1]['packet']}) is not what the {sender} logged next "
                f"({'nothing' if want is None else f'opcode {want[0]}, {len(want[1])} B'})")
        rest = [e for e in log[i:]]
        if rest:
            die(f"{name}: the {sender} logged {len(rest)} more frames/messages than the capture has "
                f"(first: opcode {rest[0][0]}, {len(rest[0][1])} B)")
    return auto


def check_builtin_opcodes(name, pcap, port, ana):
    """The opcode of every frame per direction from `-T fields -e websocket.opcode`."""
    out = tshark(["-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE",
                  "-Y", "websocket", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                  "-e", "tcp.srcport", "-e", "websocket.opcode"], timeout=300)
    got = {"c2s": [], "s2c": []}
    for line in out.splitlines():
        sport, ops = line.split("\t")
        got["s2c" if int(sport) == port else "c2s"] += [int(o) for o in ops.split(",")]
    for d in got:
        mine = [f["opcode"] for f in ana["frames"][d]]
        if got[d] != mine:
            die(f"{name}: {d}: built-in opcodes {got[d][:20]}... differ from the parse {mine[:20]}...")


def check_split(name, pcap, port, ana, client, server):
    """For the side(s) written by raw_peer.py: every frame's header is a TCP
    segment of its own and the payload starts a later one, except the frames of
    the client's corked burst, which must share segments.  Returns (split
    frames, frames in segments with other frames)."""
    c2s, s2c, pm_c, pm_s = record.tcp_streams(pcap, port)
    split = shared = 0
    for d, impl, pmap in (("c2s", client, pm_c), ("s2c", server, pm_s)):
        if impl != "raw":
            continue
        starts = {off for off, _ in pmap}
        per_packet = {}
        for fr in ana["frames"][d]:
            pkt = record.packet_at(pmap, fr["offset"])
            per_packet[pkt] = per_packet.get(pkt, 0) + 1
        for fr in ana["frames"][d]:
            hlen = 2 + (2 if 126 <= fr["len"] < 65536 else 8 if fr["len"] >= 65536 else 0) + (4 if fr["mask"] else 0)
            if fr["offset"] in starts and (not fr["len"] or fr["offset"] + hlen in starts):
                split += 1
            elif d == "c2s" and per_packet[record.packet_at(pmap, fr["offset"])] > 1:
                shared += 1
            else:
                die(f"{name}: {d} frame at stream offset {fr['offset']}: header and payload not in "
                    "segments of their own")
    return split, shared


def scenario(name):
    for sc in SCENARIOS:
        if sc[0] == name:
            return sc
    die(f"no recording {name}")


def plan_extra(plan, client):
    kinds = [st["t"] for st in plan["steps"]]
    out = []
    if "ping" in kinds:
        out.append("pings of 0 and 125 bytes")
    if "burst" in kinds:
        out.append("a burst of 12 small messages sent without waiting"
                   + (" (corked: whole frames back to back)" if client == "raw" else ""))
    if "frag" in kinds:
        out.append("4 fragmented messages (UTF-8 text of 1360 B in frames of 454+452+454 B, the second cut "
                   "inside a 4-byte character; binary 126+0+1; text in 5 frames of 1000; binary 40000+30000)")
    close = [st for st in plan["steps"] if st["t"] == "close"]
    if close and close[0]["code"] is not None:
        out.append(f"close {close[0]['code']} `{close[0]['reason']}`")
    elif close:
        out.append("socket.disconnect() (engine.io's close)")
    return "; ".join(out)


def serious_anomalies(pcap):
    """record.tcp_anomalies without a retransmitted pure FIN/ACK after the last
    payload byte (the kernel's tail loss probe when the peer delays its ACK of
    the close): it carries nothing to reassemble."""
    lens = {}
    for line in tshark(["-r", pcap, "-T", "fields", "-e", "frame.number", "-e", "tcp.len"]).splitlines():
        num, n = line.split("\t")
        lens[int(num)] = int(n)
    last = max((k for k, n in lens.items() if n > 0), default=0)
    return [f for f in tcp_anomalies(pcap) if lens.get(f, 1) > 0 or f < last]


def record_one(sc, out_dir, work):
    name, client, server, deflate, port, mtu, kind, big = sc
    plan = build_plan(name, client, deflate, kind, big)
    with open(os.path.join(work, f"{name}.plan.json"), "w") as f:
        json.dump(plan, f)
    for attempt in range(1, ATTEMPTS + 1):
        p = run(["unshare", "-n", "--", "/usr/bin/python3", os.path.abspath(__file__), "--inner", name,
                 "--work", work], timeout=INNER_TIMEOUT, check=False)
        if p.returncode != 0:
            die(f"{name}: recording failed (rc {p.returncode}):\n{p.stderr.decode(errors='replace')}")
        pcap = os.path.join(work, f"{name}.pcapng")
        bad = serious_anomalies(pcap)
        if not bad:
            break
        print(f"record_impls.py: {name}: TCP anomalies in frames {bad[:10]}, again ({attempt})", flush=True)
    else:
        die(f"{name}: TCP anomalies in all {ATTEMPTS} attempts")
    logs = {r: read_log(os.path.join(work, f"{name}.{r}.jsonl")) for r in ("client", "server")}
    ana = record.analyse(pcap, port)
    if bool(ana["pmd"]) != deflate:
        die(f"{name}: permessage-deflate negotiated: {ana['accepted']!r}, wanted {deflate}")
    auto = check_against_logs(name, ana, logs)
    split = check_split(name, pcap, port, ana, client, server)
    DECODE_AS[:] = ["-d", f"tcp.port=={port},http"]
    try:
        tf = record.check_tshark(name, pcap, port, ana)
        notes = record.tshark_payload_notes(name, pcap, port, ana, tf)
        check_builtin_opcodes(name, pcap, port, ana)
    finally:
        DECODE_AS[:] = []
    # truth: per direction in wire order, interleaved by completing packet
    entries = []
    for d in ("c2s", "s2c"):
        for m in ana["messages"][d]:
            entries.append((m["frames"][-1]["packet"], d == "s2c", m, d))
    entries.sort(key=lambda e: (e[0], e[1]))
    truth = {"name": name, "client": impl_label(client, "client"), "server": impl_label(server, "server"),
             "port": port, "extensions": ana["accepted"],
             "messages": [truth_entry(d, m["opcode"], m["data"], len(m["frames"]), m["compressed"])
                          for _, _, m, d in entries]}
    os.makedirs(out_dir, exist_ok=True)
    whole = os.path.join(out_dir, f"{name}.pcapng")
    shutil.copyfile(pcap, whole)
    os.chmod(whole, 0o644)
    with open(os.path.join(out_dir, f"{name}.truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, ensure_ascii=False)
        f.write("\n")
    cut = max(ana["resp_packet"], ana["req_packet"])
    # the other dissectors on these ports may claim the cut packets (that is the point)
    nohs, npk, _, nohs_protos = record.make_nohs(whole, cut, port, plain_tcp=False,
                                                 prefs=["-o", "tcp.desegment_tcp_streams:FALSE"])
    with open(os.path.join(work, f"{name}.lo.txt")) as f:
        lo = f.read()
    maxseg = max(int(x) for x in tshark(["-r", whole, "-T", "fields", "-e", "tcp.len"]).split())
    st = record.stats(ana, tf)
    info = {"name": name, "client": truth["client"], "server": truth["server"], "port": port,
            "mtu": re.search(r"mtu (\d+)", lo).group(1), "offloads_off": mtu == 1500,
            "offered": ana["offered"], "accepted": ana["accepted"],
            "messages": {d: len(ana["messages"][d]) for d in ("c2s", "s2c")},
            "auto_control": auto, "max_segment": maxseg, "packets": packet_count(whole),
            "size": os.path.getsize(whole), "nohs_size": os.path.getsize(nohs), "nohs_packets": npk,
            "split_frames": split, "cut": cut, "nohs_protocols": nohs_protos, "stats": st, "notes": notes, "plan": kind,
            "big": big, "plan_extra": plan_extra(plan, client)}
    with open(os.path.join(work, f"{name}.info.json"), "w") as f:
        json.dump(info, f, indent=1, ensure_ascii=False)
    print(f"record_impls.py: {name}: ok, {info['packets']} packets, {info['size']} B, "
          f"messages {info['messages']}, max TCP segment {maxseg} B, extensions {ana['accepted']!r}", flush=True)
    return info


PLAN_TEXT = {
    "mixed": ("text (JSON lines, 1-4 byte UTF-8) and binary (repeating blocks) of 0, 1, 125, 126, 1000 "
              "and 5000 bytes, each echoed"),
    "text-close": "one JSON text, its echo, close",
    "ping-text": "a ping (13 bytes), its pong, one 300-byte text and its echo; no close (TCP FIN)",
    "binary2-close": "binary 40 and 3000 bytes, echoed, close 1001 `going away`",
    "burst": "4 small frames (3 text, 1 binary) sent back to back, echoed one by one, close 1000",
}


def readme_section(results):
    """Markdown for test-captures/README.md from the recordings' details."""
    L = ["## Other implementations, ports and MTU (tests/captures/record_impls.py, in impls/)", "",
         "Made by `/usr/bin/python3 tests/captures/record_impls.py` (one `--only NAME` redoes one). "
         "Each recording is one TCP connection to 127.0.0.1:PORT in a network namespace of its own "
         "(`unshare -n`); MTU 1500 means `ip link set lo mtu 1500` and `ethtool -K lo tso off gso off gro off` "
         "(TCP segments of at most 1448 bytes, as on Ethernet), MTU 65536 the loopback default; "
         "tail loss probes off (`net.ipv4.tcp_early_retrans=0`) so that no needless retransmission gets in. "
         "`NAME-nohs.pcapng` starts at the packet after the 101 response (`editcap -r`). "
         "The servers echo every data message. The truth is "
         "the peers' own log of what they sent, checked against the capture parsed by the recorder "
         "(reassembled, inflated) and against Wireshark 4.0's built-in dissector (plugin disabled, "
         "the port decoded as HTTP so that it sees the handshake). Control frames a library sends by "
         "itself (pongs, close replies) are in the truth as they are on the wire. "
         "`split` is tests/captures/impls/raw_peer.py: a real Upgrade handshake on a bare socket, "
         "TCP_NODELAY, every frame's header and payload in separate TCP segments (20 ms apart; checked "
         "on every frame) except the client's burst, which goes out corked (TCP_CORK), masked from "
         "the client with a fresh key per frame, unmasked from the server. "
         "In the `sio` recordings the WebSocket messages are engine.io packets "
         '(`0{...}` open, `40` connect, `42["m",...]` events, a binary event as a text packet with a '
         "placeholder followed by a binary message, `41` disconnect); the plan's payloads are inside them. "
         "Firefox gets its page and the plan over HTTP from 127.0.0.1:47200 (not captured) and POSTs its log "
         "there.",
         ""]
    for r in results:
        st = r["stats"]
        L.append(f"### {r['name']}")
        L.append("")
        L.append(f"- client: {r['client']}; server: {r['server']}")
        L.append(f"- port {r['port']}, MTU {r['mtu']}" + (" (offloads off)" if r["offloads_off"] else "")
                 + f", largest TCP segment {r['max_segment']} bytes")
        L.append(f"- extensions offered: {'`' + r['offered'] + '`' if r['offered'] else 'none'}; "
                 f"negotiated: {'`' + r['accepted'] + '`' if r['accepted'] else 'none'}")
        plan = PLAN_TEXT[r["plan"]]
        if r["plan"] == "mixed":
            extra = r.get("big") or []
            if extra:
                plan += "; also " + ", ".join(f"{t} {n}" for t, n in extra)
            plan += "; " + r.get("plan_extra", "")
        L.append(f"- plan: {plan.rstrip('; ')}")
        for d, who in (("c2s", "client->server"), ("s2c", "server->client")):
            x = st[d]
            frag = ", ".join(f"{'text' if op == 1 else 'binary'} {n} B in {len(fl)} frames"
                             for n, fl, _, _, op, _ in x["fragmented"][:6])
            more = f" and {len(x['fragmented']) - 6} more" if len(x["fragmented"]) > 6 else ""
            L.append(f"- {who}: {r['messages'][d]} messages ({x['data_msgs']} data, {x['control']} control"
                     + (f", {r['auto_control'][d]} of them sent by the library itself" if r["auto_control"][d] else "")
                     + f"), {x['frames']} frames"
                     + (f", {x['compressed_msgs']} compressed" if x["compressed_msgs"] else "")
                     + (f"; fragmented: {frag}{more}" if frag else "")
                     + (f"; up to {x['maxper']} frames in one packet" if x["maxper"] > 1 else ""))
        split = r["split_frames"] if isinstance(r["split_frames"], list) else [r["split_frames"], 0]
        if split[0]:
            L.append(f"- {split[0]} frames with header and payload in separate segments"
                     + (f"; {split[1]} frames of the corked burst share segments" if split[1] else ""))
        L.append(f"- `{r['name']}.pcapng` {r['size']} bytes, {r['packets']} packets; `-nohs` {r['nohs_size']} "
                 f"bytes, {r['nohs_packets']} packets (from frame {r['cut'] + 1}); Wireshark decodes the cut "
                 f"packets as: {', '.join(r['nohs_protocols'])}")
        L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--work", help="keep intermediate files here")
    ap.add_argument("--readme", action="store_true",
                    help="only write WORK/README-section.md again from WORK/summary.json")
    ap.add_argument("--inner", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.readme:
        with open(os.path.join(args.work, "summary.json")) as f:
            results = json.load(f)
        order = [sc[0] for sc in SCENARIOS]
        for r in results:
            sc = scenario(r["name"])
            r["plan_extra"] = plan_extra(build_plan(sc[0], sc[1], sc[3], sc[6], sc[7]), sc[1])
        with open(os.path.join(args.work, "README-section.md"), "w") as f:
            f.write(readme_section(sorted(results, key=lambda r: order.index(r["name"]))))
        return
    if args.inner:
        inner(args)
        return
    if args.list:
        for sc in SCENARIOS:
            print(*sc[:7])
        return
    if os.geteuid() != 0:
        die("run as root (unshare -n, ip, ethtool, dumpcap)")
    for tool in ("dumpcap", "editcap", "tshark", "unshare", "ip", "ethtool"):
        if not shutil.which(tool):
            die(f"{tool} is missing")
    todo = [scenario(n) for n in args.only] if args.only else SCENARIOS
    work = args.work or tempfile.mkdtemp(prefix="record-impls-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    impls = {sc[1] for sc in todo} | {sc[2] for sc in todo}
    if "gorilla" in impls:
        build_go(work)
    if "sio" in impls:
        ensure_node()
    results = []
    for sc in todo:
        results.append(record_one(sc, args.out, work))
    summary = os.path.join(work, "summary.json")
    old = []
    if os.path.exists(summary):
        with open(summary) as f:
            old = [r for r in json.load(f) if r["name"] not in {x["name"] for x in results}]
    with open(summary, "w") as f:
        json.dump(old + results, f, indent=1, ensure_ascii=False)
    with open(os.path.join(work, "README-section.md"), "w") as f:
        order = [sc[0] for sc in SCENARIOS]
        f.write(readme_section(sorted(old + results, key=lambda r: order.index(r["name"]))))
    where = (f"details in {work}/summary.json, README text in {work}/README-section.md" if args.work
             else "--work DIR keeps the details")
    print(f"record_impls.py: {len(results)} recordings in {args.out}; {where}", flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
