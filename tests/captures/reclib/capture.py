# SPDX-License-Identifier: GPL-2.0-or-later
"""One recording, inside a private network namespace.

record.py runs `unshare -n -- /usr/bin/python3 record.py --inner NAME --work
WORK` for every attempt of every recording; inner() there sets the namespace
up (set_up_namespace: `lo` up, tail loss probes off, MTU), starts dumpcap on
lo, the server, then the client (or a browser and the page server), and
writes WORK/NAME/capture.pcapng and the peers' logs.  Everything else (checks,
cut, truth) happens outside, on those files."""

import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from .common import (BROWSER_TIMEOUT, CAPTURE_SECONDS, INNER_TIMEOUT, PEER_TIMEOUT, PEERS, PYTHON,
                     READY_TIMEOUT, RECORD_PY, STEP_TIMEOUT, TLS_CERT_CMD, die, pin_to_one_cpu, run,
                     say, stop_group, wait_exit, wait_for_line)

BROWSERS = ("chromium", "firefox")
PAGE = os.path.join(PEERS, "browser", "page.html")
NODE_DIRS = {"node": os.path.join(PEERS, "ws"), "sio": os.path.join(PEERS, "sio")}
NODE_MODULE = {"node": "ws", "sio": "socket.io"}


def row_dirs(work, name):
    """The files of one recording in the work directory."""
    base = os.path.join(work, name)
    return {"base": base, "plan": os.path.join(base, "plan"), "logs": os.path.join(base, "logs"),
            "tls": os.path.join(base, "tls"), "pcap": os.path.join(base, "capture.pcapng"),
            "lo": os.path.join(base, "lo.txt")}


# --------------------------------------------------------------------------
# the peers

def peer_cmd(impl, role, port, plan_dir, log, work, tls_dir=None):
    """The command of a peer (every one takes ROLE PORT PLANDIR LOG)."""
    args = [role, str(port), plan_dir, log]
    if impl == "python":
        return [PYTHON, os.path.join(PEERS, "websockets_peer.py")] + args + (["--tls", tls_dir] if tls_dir else [])
    if tls_dir:
        die(f"no {impl} {role} with TLS")
    if impl in ("aiohttp", "wsclient", "raw", "paho", "mosquitto"):
        return [PYTHON, os.path.join(PEERS, f"{impl}_peer.py")] + args
    if impl == "node":
        return ["node", os.path.join(NODE_DIRS["node"], "peer.js")] + args
    if impl == "sio":
        return ["node", os.path.join(NODE_DIRS["sio"], "sio_peer.js")] + args
    if impl == "gorilla":
        return [os.path.join(work, "gorilla-peer")] + args
    die(f"no {role} command for {impl}")


def prepare(impls, work):
    """Build / install what the peers of these implementations need."""
    for impl in sorted(impls & set(NODE_DIRS)):
        d = NODE_DIRS[impl]
        if not shutil.which("node") or not shutil.which("npm"):
            die("node and npm are required")
        if not os.path.isdir(os.path.join(d, "node_modules", NODE_MODULE[impl])):
            say(f"npm ci in {os.path.relpath(d)}")
            run(["npm", "ci", "--no-audit", "--no-fund"], cwd=d, timeout=300)
    if "gorilla" in impls and not os.path.exists(os.path.join(work, "gorilla-peer")):
        env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
                   GOCACHE=os.path.join(work, "gocache"), CGO_ENABLED="0")
        run(["go", "build", "-o", os.path.join(work, "gorilla-peer"),
             os.path.join(PEERS, "gorilla", "peer.go")], timeout=600, env=env)


def browser_cmd(browser, profile, url):
    if browser == "chromium":
        return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps",
                "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                "--no-pings", "--metrics-recording-only", "--mute-audio",
                # anything not on loopback goes to a closed loopback port
                "--proxy-server=http://127.0.0.1:9", f"--user-data-dir={profile}", url]
    return ["firefox-esr", "--headless", "--no-remote", "--profile", profile, url]


def firefox_profile(directory, cfg):
    prefs = {
        "network.websocket.extensions.permessage-deflate": bool(cfg and cfg.get("deflate")),
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
    with open(os.path.join(directory, "user.js"), "w") as f:
        for k, v in prefs.items():
            f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")


class PageServer:
    """The browser's page, plan and payloads over HTTP on 127.0.0.1:http_port
    (not captured: dumpcap only takes the WebSocket port); the page POSTs its
    result to /result."""

    def __init__(self, http_port, plan_dir, ws_port):
        self.result = None
        self.posted = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, status, ctype, body):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/":
                    with open(PAGE, "rb") as f:
                        self.reply(200, "text/html; charset=utf-8", f.read())
                elif path == "/plan.json":
                    with open(os.path.join(plan_dir, "plan.json")) as f:
                        plan = json.load(f)
                    plan["port"] = ws_port
                    self.reply(200, "application/json", json.dumps(plan).encode())
                elif re.fullmatch(r"/payload-\d+\.bin", path):
                    with open(os.path.join(plan_dir, path[1:]), "rb") as f:
                        self.reply(200, "application/octet-stream", f.read())
                else:
                    self.reply(404, "text/plain", b"not found")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/result" and outer.result is None:
                    outer.result = json.loads(body)
                    outer.posted.set()
                self.reply(200, "text/plain", b"thanks")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------
# dumpcap

class Dumpcap:
    """`dumpcap -i lo -f "tcp port PORT" -a duration:SECONDS` into pcap.
    start() returns once it captures; stop() ends it (SIGINT) and fails if it
    dropped a packet; kill() (in a finally) stops it if still running."""

    def __init__(self, pcap, port, log_path):
        self.pcap, self.port, self.log_path = pcap, port, log_path
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "w+")
        cmd = ["dumpcap", "-i", "lo", "-f", f"tcp port {self.port}", "-B", "64",
               "-a", f"duration:{CAPTURE_SECONDS}", "-w", self.pcap]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + READY_TIMEOUT
        while not ("Capturing on" in self.text() and os.path.exists(self.pcap)):
            if self.proc.poll() is not None:
                die(f"dumpcap exited: {self.text()}")
            if time.monotonic() > deadline:
                die(f"dumpcap did not start: {self.text()}")
            time.sleep(0.05)
        time.sleep(0.5)  # let the capture filter settle

    def text(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=5)
        log = self.text()
        m = re.search(r"received/dropped on interface '[^']*': (\d+)/(\d+)", log)
        if not m:
            die(f"cannot parse dumpcap statistics:\n{log}")
        if int(m.group(2)) != 0:
            die(f"dumpcap dropped {m.group(2)} packets")

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            self.log.close()


# --------------------------------------------------------------------------
# the namespace

def set_up_namespace(mtu):
    """The private network namespace's loopback: up; no tail loss probes
    (net.ipv4.tcp_early_retrans=0: when a receiver delays its ACK, the
    sender's probe would repeat its last segment after ~10 ms, a needless
    retransmission in the capture); mtu 1500: `ip link set lo mtu 1500` and
    TSO/GSO/GRO off, so TCP segments carry at most 1448 bytes as on Ethernet;
    "lo": the loopback default (65536, offloads on).  Returns `ip -o link show
    lo`."""
    run(["ip", "link", "set", "lo", "up"])
    run(["sysctl", "-q", "-w", "net.ipv4.tcp_early_retrans=0"])
    if mtu == 1500:
        run(["ip", "link", "set", "lo", "mtu", "1500"])
        run(["ethtool", "-K", "lo", "tso", "off", "gso", "off", "gro", "off"])
    elif mtu != "lo":
        die(f"unknown mtu {mtu!r}")
    return run(["ip", "-o", "link", "show", "lo"]).stdout.decode()


def in_namespace(name, work):
    """One attempt at recording `name`: record.py --inner in a new network
    namespace."""
    p = run(["unshare", "-n", "--", PYTHON, RECORD_PY, "--inner", name, "--work", work],
            timeout=INNER_TIMEOUT, check=False)
    if p.returncode != 0:
        die(f"{name}: recording failed (rc {p.returncode}):\n{p.stderr.decode(errors='replace')}"
            f"{p.stdout.decode(errors='replace')}")


def inner(row, work):
    """Runs inside the namespace: one capture of row (see the module docstring)."""
    name, client, server, port, mtu = row["name"], row["client"], row["server"], row["port"], row["mtu"]
    dirs = row_dirs(work, name)
    lo = set_up_namespace(mtu)
    pcap = dirs["pcap"]
    tls_dir = dirs["tls"] if row["options"].get("tls") else None
    for d in (dirs["logs"],):
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
    for f in [pcap] + ([os.path.join(tls_dir, "keylog.txt")] if tls_dir else []):
        if os.path.exists(f):        # the key log is appended to: start empty
            os.unlink(f)
    logs = {r: os.path.join(dirs["logs"], f"{r}.jsonl") for r in ("client", "server")}
    dump = Dumpcap(pcap, port, os.path.join(dirs["logs"], "dumpcap.txt"))
    procs, browser, page, profile = [], None, None, None
    try:
        dump.start()
        srv = subprocess.Popen(peer_cmd(server, "server", port, dirs["plan"], logs["server"], work, tls_dir),
                               cwd=PEERS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=pin_to_one_cpu)
        procs.append(srv)
        wait_for_line(srv, r"^READY", READY_TIMEOUT, f"{name}: {server} server start")
        if client in BROWSERS:
            http_port = row["options"]["http_port"]
            page = PageServer(http_port, dirs["plan"], port)
            profile = tempfile.mkdtemp(prefix=f"{client}-profile-", dir=dirs["base"])
            env = dict(os.environ)
            if client == "firefox":
                firefox_profile(profile, row["cext"])
                env.update(HOME=profile, MOZ_HEADLESS="1", MOZ_CRASHREPORTER_DISABLE="1")
            # own session (process group): all of the browser's processes are
            # stopped by its group id at the end
            browser = subprocess.Popen(
                browser_cmd(client, profile, f"http://127.0.0.1:{http_port}/"),
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(dirs["logs"], f"{client}.txt"), "w"),
                env=env, preexec_fn=lambda: (os.setsid(), pin_to_one_cpu()))
            if not page.posted.wait(BROWSER_TIMEOUT):
                die(f"{name}: the page did not report within {BROWSER_TIMEOUT}s")
            wait_exit(srv, PEER_TIMEOUT, f"{name}: {server} server (with {client})")
        else:
            cli = subprocess.Popen(peer_cmd(client, "client", port, dirs["plan"], logs["client"], work, tls_dir),
                                   cwd=PEERS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=pin_to_one_cpu)
            procs.append(cli)
            wait_exit(cli, PEER_TIMEOUT, f"{name}: {client} client")
            wait_exit(srv, PEER_TIMEOUT, f"{name}: {server} server")
        time.sleep(0.5)  # trailing FIN/ACKs
        dump.stop()
    finally:
        if browser is not None:
            stop_group(browser)
        if page is not None:
            page.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        dump.kill()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
    if page is not None:
        res = page.result
        with open(os.path.join(dirs["logs"], "page.json"), "w") as f:
            json.dump({k: v for k, v in res.items() if k != "log"}, f)
        with open(logs["client"], "w") as f:
            for e in res.get("log", []):
                f.write(json.dumps(e) + "\n")
        if res.get("status") != "ok":
            die(f"{name}: the page reports {res.get('status')}: {res.get('error')}")
    with open(dirs["lo"], "w") as f:
        f.write(lo)


# --------------------------------------------------------------------------
# TLS

def make_cert(tls_dir):
    """Throwaway self-signed certificate for 127.0.0.1 (valid one day)."""
    run(TLS_CERT_CMD + ["-keyout", os.path.join(tls_dir, "key.pem"),
                        "-out", os.path.join(tls_dir, "cert.pem")])


def inject_secrets(name, raw, tls_dir, final):
    """The raw TLS capture with the client's key log embedded, as final."""
    keylog = os.path.join(tls_dir, "keylog.txt")
    if not os.path.exists(keylog) or os.path.getsize(keylog) == 0:
        die(f"{name}: the client wrote no TLS key log")
    injected = os.path.join(tls_dir, "injected.pcapng")
    run(["editcap", "--inject-secrets", f"tls,{keylog}", raw, injected])
    # editcap 4.0 writes the Decryption Secrets Block before the Interface
    # Description Block; tshark reads that, but editcap/mergecap 4.0 then
    # refuse the file ("can't be written as a pcapng file").  Copying it with
    # tshark -w (IDB first, DSB kept, packets unchanged) avoids that.
    run(["tshark", "-n", "-r", injected, "-w", final])
    os.unlink(injected)
