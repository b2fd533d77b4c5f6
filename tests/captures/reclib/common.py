# SPDX-License-Identifier: GPL-2.0-or-later
"""Constants, process and tshark helpers, and the versions of the libraries
the peers use."""

import os
import re
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # tests/captures
REPO = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(HERE, "peers")
RECORD_PY = os.path.join(HERE, "record.py")
DEFAULT_OUT = os.path.join(REPO, "test-captures")
PYTHON = "/usr/bin/python3"   # Debian's interpreter: python3-websockets, -aiohttp, -websocket

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
HEX_MAX = 512                    # truth carries "hex" only up to this length
TSHARK_UNMASK_MAX = 256 * 1024   # the built-in dissector unmasks at most this much
MAX_CAPTURE_BYTES = 6 * 1000 * 1000
MAX_ATTEMPTS = 10                # a recording is made again on a TCP anomaly / claimed -nohs packet
STEP_TIMEOUT = 20.0              # any single wait
PEER_TIMEOUT = 90.0              # a whole peer process
BROWSER_TIMEOUT = 120.0          # a browser's whole page
READY_TIMEOUT = 20.0             # dumpcap / server start-up
CAPTURE_SECONDS = 170            # dumpcap -a duration: (the capture is bounded in time)
INNER_TIMEOUT = 240              # one recording in its namespace

TLS_CERT_CMD = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
# tshark preferences for the TLS recording: reassemble records split across TCP
# segments and application data split across records (tshark 4.0's defaults,
# given explicitly so that a user's preferences cannot interfere).
TLS_TSHARK_PREFS = ["-o", "tls.desegment_ssl_records:TRUE",
                    "-o", "tls.desegment_ssl_application_data:TRUE"]


def die(msg):
    print(f"record.py: ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def say(msg):
    print(f"record.py: {msg}", flush=True)


def run(cmd, timeout=120, check=True, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw)
    if check and p.returncode != 0:
        die(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode(errors='replace')}")
    return p


def tshark(args, timeout=120, decode_as=()):
    """tshark with the ws plugin disabled: every check is against Wireshark's
    built-in dissector (where the plugin is installed it would otherwise take
    the frames from it and decode the -nohs cut).  decode_as: e.g.
    ["-d", "tcp.port==1883,http"] where another dissector owns the port."""
    p = run(["tshark", "-n", "--disable-protocol", "ws"] + list(decode_as) + list(args), timeout=timeout)
    return p.stdout.decode("utf-8", errors="replace")


def wait_for_line(proc, pattern, timeout, what):
    """Read proc.stdout until a line matches pattern (with a deadline)."""
    deadline = time.monotonic() + timeout
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            die(f"timeout waiting for {what}")
        r, _, _ = select.select([proc.stdout], [], [], min(left, 0.2))
        if r:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                die(f"{what}: process exited (rc={proc.wait()})\n{read_err(proc)}")
            buf += chunk
            for line in buf.decode(errors="replace").splitlines():
                if re.search(pattern, line):
                    return line
        elif proc.poll() is not None:
            die(f"{what}: process exited (rc={proc.returncode})\n{read_err(proc)}")


def read_err(proc):
    return proc.stderr.read().decode(errors="replace") if proc.stderr else ""


def wait_exit(proc, timeout, what):
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        die(f"{what} did not finish within {timeout}s")
    if rc != 0:
        die(f"{what} failed with rc={rc}\n{read_err(proc)}")


def pin_to_one_cpu():
    """Run every peer on one CPU.  On a multi-CPU machine, loopback packets
    sent from different CPUs can land in the capture ring out of order, which
    tshark then reports as lost / out-of-order segments and fails to reassemble."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def stop_group(proc):
    """Stop the process group led by proc (a browser we started)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# --------------------------------------------------------------------------
# versions

_VERSIONS = {}


def dpkg_version(pkg):
    return run(["dpkg-query", "-W", "-f", "${Version}", pkg], check=False).stdout.decode().strip() or "?"


def _node_pkg(directory, pkg):
    return run(["node", "-p", f"require('{directory}/node_modules/{pkg}/package.json').version"]
               ).stdout.decode().strip()


def impl_version(impl, role):
    """The label of a peer's library in the truth and the README."""
    if impl not in _VERSIONS:
        py = "Python %d.%d.%d" % sys.version_info[:3]
        node = lambda: run(["node", "--version"]).stdout.decode().strip()  # noqa: E731
        if impl == "python":
            import websockets
            v = f"python3-websockets {websockets.__version__}"
        elif impl == "node":
            v = f"ws {_node_pkg(os.path.join(PEERS, 'ws'), 'ws')} (node {node()})"
        elif impl == "chromium":
            out = run(["chromium", "--version"], check=False).stdout.decode(errors="replace")
            m = re.search(r"Chromium [0-9.]+", out)
            v = m.group(0) if m else out.strip()
        elif impl == "aiohttp":
            import aiohttp
            v = f"aiohttp {aiohttp.__version__} (python3-aiohttp {dpkg_version('python3-aiohttp')}, {py})"
        elif impl == "wsclient":
            import websocket
            v = (f"websocket-client {websocket.__version__} (python3-websocket "
                 f"{dpkg_version('python3-websocket')}, {py})")
        elif impl == "gorilla":
            go = run(["go", "version"]).stdout.decode().split()[2]
            v = (f"gorilla/websocket {dpkg_version('golang-github-gorilla-websocket-dev')} "
                 f"(golang-github-gorilla-websocket-dev, {go})")
        elif impl == "firefox":
            ff = run(["firefox-esr", "--version"], timeout=60).stdout.decode().strip()
            v = f"{ff} (firefox-esr {dpkg_version('firefox-esr')}, headless)"
        elif impl == "sio":
            d = os.path.join(PEERS, "sio")
            nested = os.path.isdir(os.path.join(d, "node_modules", "engine.io-client", "node_modules", "ws"))
            v = {"client": f"socket.io-client {_node_pkg(d, 'socket.io-client')} (engine.io-client "
                           f"{_node_pkg(d, 'engine.io-client')}, ws "
                           f"{_node_pkg(d, 'engine.io-client/node_modules/ws' if nested else 'ws')}, "
                           f"node {node()})",
                 "server": f"socket.io {_node_pkg(d, 'socket.io')} (engine.io {_node_pkg(d, 'engine.io')}, "
                           f"ws {_node_pkg(d, 'ws')}, node {node()})"}
        elif impl == "paho":
            import paho.mqtt
            v = (f"paho-mqtt {paho.mqtt.__version__} (python3-paho-mqtt {dpkg_version('python3-paho-mqtt')}, "
                 f"transport=\"websockets\", {py})")
        elif impl == "mosquitto":
            v = f"mosquitto {dpkg_version('mosquitto')} (websockets listener; libwebsockets linked in statically)"
        elif impl == "raw":
            v = f"raw_peer.py (split header/payload writer), {py}"
        else:
            die(f"unknown implementation {impl}")
        _VERSIONS[impl] = v
    v = _VERSIONS[impl]
    return v[role] if isinstance(v, dict) else v
