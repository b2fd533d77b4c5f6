#!/usr/bin/python3
"""Record real WebSocket conversations over loopback, plus ground truth.

Run with Debian's interpreter (it has python3-websockets 10.4):

    /usr/bin/python3 tests/captures/record.py [--out DIR] [--only NAME ...]

Needs (as root, or with capture rights): dumpcap, editcap, tshark (4.0),
node + npm (the npm `ws` package is installed into tests/captures/node/ with
`npm ci` when node_modules/ is missing), openssl (for wss-py-py).

For every plain recording NAME (py-py, node-node, py-node, node-py) it writes
into test-captures/ (default):

  NAME.pcapng        the whole capture: TCP handshake, HTTP Upgrade, frames,
                     closing handshake, TCP teardown
  NAME-nohs.pcapng   the same capture without every packet up to and including
                     the HTTP 101 response (cut with `editcap -r`)
  NAME.truth.json    ground truth: every WebSocket message each side sent,
                     per direction in wire order

and afterwards checks the ground truth against the whole capture decoded by
tshark's built-in WebSocket dissector, failing loudly on any mismatch.

The TLS recording wss-py-py (python <-> python over wss://, TLS 1.3, with a
throwaway self-signed certificate made with openssl at record time) has only
NAME.pcapng and NAME.truth.json: the client's TLS key log
(SSLContext.keylog_filename) is embedded into the capture with
`editcap --inject-secrets tls,KEYLOG`, so tshark decrypts it without any
preference; a capture without the TLS handshake could not be decrypted, so
there is no -nohs form.  It leaves out the 1,000,000-byte messages.

The traffic (identical for all recordings, client drives everything, the
server echoes every data message with the same opcode and payload):

  1. for size in 0, 1, 125, 126, 65535, 65536, 1000000 (wss-py-py: not 1000000):
       text message of exactly `size` UTF-8 bytes -> wait for echo
       binary message of `size` seeded random bytes -> wait for echo
  2. client ping b"ping-1" -> wait for the peer library's automatic pong
  3. unsolicited client pong b"pong-1" (no answer)
  4. text message "cmd:server-ping": before echoing it the server sends a
     ping b"srv-ping-1" and waits for the client library's automatic pong
  5. burst: 40 small text messages (10..40 bytes) written back-to-back with
     the socket corked (TCP_CORK in python, socket.cork() in node), so that
     many frames share one TCP segment; the server's echoes are batched the
     same way (cork while handling one chunk of input)
  6. client close 1000 "bye"; the server answers with its close frame

All payloads come from seeded PRNGs, so they are the same on every run.  The
captures themselves (timestamps, ephemeral ports, TCP segmentation) are not.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NODE_DIR = os.path.join(HERE, "node")
DEFAULT_OUT = os.path.join(REPO, "test-captures")

SEED = "wireshark-ws-plugin-captures-v1"
SIZES = [0, 1, 125, 126, 65535, 65536, 1000000]
BURST_COUNT = 40
BURST_MIN, BURST_MAX = 10, 40
CLIENT_PING = b"ping-1"
CLIENT_PONG = b"pong-1"
SERVER_PING_TRIGGER = "cmd:server-ping"
SERVER_PING = b"srv-ping-1"
CLOSE_CODE = 1000
CLOSE_REASON = "bye"
HEX_MAX = 512            # truth carries "hex" only up to this length
TSHARK_UNMASK_MAX = 256 * 1024  # built-in dissector unmasks at most this much

MAX_ATTEMPTS = 4             # re-record when the capture shows TCP anomalies
SERVER_CORK_SECONDS = 0.005  # python server: echo batching window
STEP_TIMEOUT = 15.0      # any single network wait inside a peer
PEER_TIMEOUT = 60.0      # a whole peer process
READY_TIMEOUT = 15.0     # dumpcap / server start-up
MAX_FRAME = 16 * 1024 * 1024

# wss-py-py: the same traffic without the two 1,000,000-byte messages (they
# would make the TLS capture large for little gain; 65536 keeps the 64-bit
# length encoding).
SIZES_WSS = [s for s in SIZES if s != 1000000]
TLS_VERSION = "TLSv1_3"  # ssl.TLSVersion member; tshark 4.0 decrypts it from a key log
TLS_CERT_CMD = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
# tshark preferences for reading the TLS recording: reassemble records split
# across TCP segments and application data split across records (the defaults
# of tshark 4.0, given explicitly so a user's preferences cannot interfere).
TLS_TSHARK_PREFS = ["-o", "tls.desegment_ssl_records:TRUE",
                    "-o", "tls.desegment_ssl_application_data:TRUE"]

PLAIN = {"tls": False, "sizes": SIZES}
RECORDINGS = [
    # name,        client,   server,   port,  variant
    ("py-py",     "python", "python", 47101, PLAIN),
    ("node-node", "node",   "node",   47102, PLAIN),
    ("py-node",   "python", "node",   47103, PLAIN),
    ("node-py",   "node",   "python", 47104, PLAIN),
    ("wss-py-py", "python", "python", 47105, {"tls": True, "sizes": SIZES_WSS}),
]

OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 1, 2, 8, 9, 10


# --------------------------------------------------------------------------
# deterministic payloads

MULTIBYTE = ["é", "ß", "ж", "λ", "€", "中", "✓", "ー", "😀", "𝄞"]


def make_text(rng, nbytes):
    """Valid UTF-8 of exactly nbytes bytes: mostly printable ASCII with some
    2-, 3- and 4-byte characters (never split across the end)."""
    out = []
    left = nbytes
    while left > 0:
        if left >= 2 and rng.random() < 0.06:
            choices = [c for c in MULTIBYTE if len(c.encode("utf-8")) <= left]
            ch = rng.choice(choices)
        else:
            ch = chr(rng.randrange(0x20, 0x7F))
        out.append(ch)
        left -= len(ch.encode("utf-8"))
    data = "".join(out).encode("utf-8")
    assert len(data) == nbytes
    data.decode("utf-8")
    return data


def make_binary(rng, nbytes):
    return rng.randbytes(nbytes)


def build_plan(sizes=SIZES):
    """The client's script.  Each step: kind message/ping/pong/burst/close."""
    steps = []
    for size in sizes:
        steps.append({"kind": "message", "opcode": OP_TEXT,
                      "data": make_text(random.Random(f"{SEED}:text:{size}"), size)})
        steps.append({"kind": "message", "opcode": OP_BINARY,
                      "data": make_binary(random.Random(f"{SEED}:binary:{size}"), size)})
    steps.append({"kind": "ping", "data": CLIENT_PING})
    steps.append({"kind": "pong", "data": CLIENT_PONG})
    steps.append({"kind": "message", "opcode": OP_TEXT, "data": SERVER_PING_TRIGGER.encode()})
    rng = random.Random(f"{SEED}:burst")
    burst = [{"opcode": OP_TEXT, "data": make_text(rng, rng.randint(BURST_MIN, BURST_MAX))}
             for _ in range(BURST_COUNT)]
    steps.append({"kind": "burst", "messages": burst})
    steps.append({"kind": "close", "code": CLOSE_CODE, "reason": CLOSE_REASON})
    return steps


def write_plan(steps, directory):
    """Serialise the plan for the peers (node needs it; python reads it too)."""
    out = []
    for i, st in enumerate(steps):
        st2 = {k: v for k, v in st.items() if k not in ("data", "messages")}
        if "data" in st:
            if len(st["data"]) > 4096:
                fname = f"payload-{i}.bin"
                with open(os.path.join(directory, fname), "wb") as f:
                    f.write(st["data"])
                st2["file"] = fname
            else:
                st2["hex"] = st["data"].hex()
        if "messages" in st:
            st2["messages"] = [{"opcode": m["opcode"], "hex": m["data"].hex()} for m in st["messages"]]
        out.append(st2)
    with open(os.path.join(directory, "plan.json"), "w") as f:
        json.dump({"steps": out}, f)


def read_plan(directory):
    with open(os.path.join(directory, "plan.json")) as f:
        steps = json.load(f)["steps"]
    for st in steps:
        if "file" in st:
            with open(os.path.join(directory, st["file"]), "rb") as f:
                st["data"] = f.read()
        elif "hex" in st:
            st["data"] = bytes.fromhex(st["hex"])
        if "messages" in st:
            st["messages"] = [{"opcode": m["opcode"], "data": bytes.fromhex(m["hex"])}
                              for m in st["messages"]]
    return steps


def close_payload(code, reason):
    return code.to_bytes(2, "big") + reason.encode("utf-8")


def build_truth_messages(steps):
    """Expected messages, in causal order; per direction this is wire order."""
    msgs = []

    def add(direction, opcode, data):
        msgs.append((direction, opcode, data))

    for st in steps:
        k = st["kind"]
        if k == "message":
            add("c2s", st["opcode"], st["data"])
            if st["opcode"] == OP_TEXT and st["data"] == SERVER_PING_TRIGGER.encode():
                add("s2c", OP_PING, SERVER_PING)
                add("c2s", OP_PONG, SERVER_PING)     # client library's auto-pong
            add("s2c", st["opcode"], st["data"])      # echo
        elif k == "ping":
            add("c2s", OP_PING, st["data"])
            add("s2c", OP_PONG, st["data"])           # server library's auto-pong
        elif k == "pong":
            add("c2s", OP_PONG, st["data"])
        elif k == "burst":
            for m in st["messages"]:
                add("c2s", m["opcode"], m["data"])
            for m in st["messages"]:
                add("s2c", m["opcode"], m["data"])
        elif k == "close":
            cp = close_payload(st["code"], st["reason"])
            add("c2s", OP_CLOSE, cp)
            add("s2c", OP_CLOSE, cp)   # both libraries echo code + reason (verified)
    out = []
    for direction, opcode, data in msgs:
        d = {"dir": direction, "opcode": opcode, "len": len(data),
             "sha256": hashlib.sha256(data).hexdigest()}
        if len(data) <= HEX_MAX:
            d["hex"] = data.hex()
        out.append(d)
    return out, [data for _, _, data in msgs]


# --------------------------------------------------------------------------
# python peers (run as subprocesses of this script)

def _set_cork(ws, on):
    sock = ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1 if on else 0)


def _tls_version():
    import ssl
    return getattr(ssl.TLSVersion, TLS_VERSION)


def _server_ssl(tls_dir):
    """Server context with the throwaway certificate (None: plain ws)."""
    if not tls_dir:
        return None
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ctx.maximum_version = _tls_version()
    ctx.load_cert_chain(os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem"))
    return ctx


def _client_ssl(tls_dir):
    """Client context that trusts (only) the throwaway certificate, verifies
    it and the host name 127.0.0.1 (subjectAltName), and writes the TLS secrets
    in NSS key log format to TLSDIR/keylog.txt."""
    if not tls_dir:
        return None
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ctx.maximum_version = _tls_version()
    ctx.load_verify_locations(os.path.join(tls_dir, "cert.pem"))
    ctx.keylog_filename = os.path.join(tls_dir, "keylog.txt")
    return ctx


async def py_server(port, tls_dir=None):
    import websockets

    done = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()

    async def handler(ws, *_):
        corked = False

        def uncork():
            nonlocal corked
            corked = False
            try:
                _set_cork(ws, False)
            except OSError:
                pass

        try:
            if ws.extensions:
                raise RuntimeError(f"extensions negotiated: {ws.extensions}")
            while True:
                try:
                    msg = await asyncio.wait_for(ws.recv(), PEER_TIMEOUT)
                except websockets.ConnectionClosedOK:
                    break
                if msg == SERVER_PING_TRIGGER:
                    waiter = await asyncio.wait_for(ws.ping(SERVER_PING), STEP_TIMEOUT)
                    await asyncio.wait_for(waiter, STEP_TIMEOUT)
                # Batch the echoes of messages that arrive together: keep
                # the socket corked (TCP_CORK) for a few ms after the first
                # one, so a burst of small frames is echoed as a burst of
                # coalesced frames.  (call_soon would not do: wait_for()
                # hands control back to the loop between messages.)
                if not corked:
                    corked = True
                    _set_cork(ws, True)
                    loop.call_later(SERVER_CORK_SECONDS, uncork)
                await asyncio.wait_for(ws.send(msg), STEP_TIMEOUT)
            await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
            print(f"DONE close {ws.close_code} {ws.close_reason}", flush=True)
            if not done.done():
                done.set_result(None)
        except BaseException as e:  # report and fail the server
            if not done.done():
                done.set_exception(RuntimeError(f"server handler: {e!r}"))
            raise

    async with websockets.serve(handler, "127.0.0.1", port, compression=None,
                                max_size=MAX_FRAME, ping_interval=None,
                                close_timeout=STEP_TIMEOUT, ssl=_server_ssl(tls_dir)):
        print(f"READY {port}", flush=True)
        await asyncio.wait_for(done, PEER_TIMEOUT)


async def py_client(port, plan_dir, tls_dir=None):
    import websockets

    steps = read_plan(plan_dir)
    ctx = _client_ssl(tls_dir)
    scheme = "wss" if ctx else "ws"
    ws = await asyncio.wait_for(
        websockets.connect(f"{scheme}://127.0.0.1:{port}/", compression=None, max_size=MAX_FRAME,
                           ping_interval=None, open_timeout=STEP_TIMEOUT,
                           close_timeout=STEP_TIMEOUT, ssl=ctx),
        STEP_TIMEOUT)
    if ws.extensions or "Sec-WebSocket-Extensions" in ws.response_headers:
        raise RuntimeError("an extension was negotiated")
    if ctx:
        tls = ws.transport.get_extra_info("ssl_object")
        print(f"TLS {tls.version()} {tls.cipher()[0]}", flush=True)
    print("READY open", flush=True)

    def as_msg(opcode, data):
        return data.decode("utf-8") if opcode == OP_TEXT else data

    async def expect_echo(opcode, data):
        got = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        if got != as_msg(opcode, data):
            raise RuntimeError(f"bad echo for opcode {opcode} len {len(data)}")

    for st in steps:
        k = st["kind"]
        if k == "message":
            await asyncio.wait_for(ws.send(as_msg(st["opcode"], st["data"])), STEP_TIMEOUT)
            await expect_echo(st["opcode"], st["data"])
        elif k == "ping":
            waiter = await asyncio.wait_for(ws.ping(st["data"]), STEP_TIMEOUT)
            await asyncio.wait_for(waiter, STEP_TIMEOUT)
        elif k == "pong":
            await asyncio.wait_for(ws.pong(st["data"]), STEP_TIMEOUT)
        elif k == "burst":
            _set_cork(ws, True)
            try:
                for m in st["messages"]:
                    # each send() writes its frame to the socket at once; with
                    # TCP_CORK the kernel holds the bytes until uncorked, so
                    # the frames leave together.
                    await asyncio.wait_for(ws.send(as_msg(m["opcode"], m["data"])), STEP_TIMEOUT)
            finally:
                _set_cork(ws, False)
            for m in st["messages"]:
                await expect_echo(m["opcode"], m["data"])
        elif k == "close":
            await asyncio.wait_for(ws.close(st["code"], st["reason"]), STEP_TIMEOUT)
            if (ws.close_code, ws.close_reason) != (st["code"], st["reason"]):
                raise RuntimeError(f"server closed with {ws.close_code} {ws.close_reason!r}")
            print(f"DONE close {ws.close_code} {ws.close_reason}", flush=True)
        else:
            raise RuntimeError(f"unknown step {k}")


# --------------------------------------------------------------------------
# orchestration helpers

def die(msg):
    print(f"record.py: ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def run(cmd, timeout=120, check=True, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, **kw)
    if check and p.returncode != 0:
        die(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode(errors='replace')}")
    return p


def tshark(args, timeout=120):
    p = run(["tshark", "-n"] + args, timeout=timeout)
    return p.stdout.decode("utf-8", errors="replace")


def wait_for_line(proc, pattern, timeout, what):
    """Read proc.stdout lines until one matches pattern (with a deadline)."""
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
                die(f"{what}: process exited (rc={proc.wait()})")
            buf += chunk
            for line in buf.decode(errors="replace").splitlines():
                if re.search(pattern, line):
                    return line
        elif proc.poll() is not None:
            die(f"{what}: process exited (rc={proc.returncode})")


def wait_exit(proc, timeout, what):
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        die(f"{what} did not finish within {timeout}s")
    if rc != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        die(f"{what} failed with rc={rc}\n{err}")


def ensure_node_modules():
    if not shutil.which("node") or not shutil.which("npm"):
        die("node and npm are required")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "ws")):
        print("record.py: npm ci in tests/captures/node", flush=True)
        run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, timeout=300)


def versions():
    import websockets
    node_v = run(["node", "--version"]).stdout.decode().strip()
    ws_v = run(["node", "-p", "require('ws/package.json').version"], cwd=NODE_DIR).stdout.decode().strip()
    py_v = "%d.%d.%d" % sys.version_info[:3]
    return {
        "python": f"python3-websockets {websockets.__version__}",
        "node": f"ws {ws_v} (node {node_v})",
        "python_interp": f"Python {py_v} ({sys.executable})",
    }


def peer_cmd(impl, role, port, plan_dir, tls_dir=None):
    if impl == "python":
        cmd = [sys.executable, os.path.abspath(__file__), f"--py-{role}", str(port)]
    else:
        if tls_dir:
            die("TLS is only implemented for the python peers")
        cmd = ["node", os.path.join(NODE_DIR, "peer.js"), role, str(port)]
    if role == "client":
        cmd.append(plan_dir)
    if tls_dir:
        cmd += ["--tls", tls_dir]
    return cmd


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # like the servers do, so that TIME_WAIT leftovers of a previous run
    # don't count as "in use"
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _pin_to_one_cpu():
    """Run both peers on one CPU.  On a multi-CPU machine, loopback packets
    sent from different CPUs can land in the capture ring out of order, which
    tshark then reports as lost / out-of-order segments and fails to reassemble."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


TCP_ANOMALIES = ("tcp.analysis.out_of_order || tcp.analysis.lost_segment || "
                 "tcp.analysis.retransmission || tcp.analysis.ack_lost_segment || "
                 "tcp.analysis.duplicate_ack || tcp.analysis.reused_ports")


def tcp_anomalies(pcap):
    out = tshark(["-r", pcap, "-Y", TCP_ANOMALIES, "-T", "fields", "-e", "frame.number"])
    return [int(l) for l in out.split()]


def capture(name, client, server, port, plan_dir, out_dir, tls_dir=None):
    """Run dumpcap + server + client; return path of the whole capture.

    With tls_dir (wss): the capture is written to tls_dir/raw.pcapng, the
    client's key log to tls_dir/keylog.txt; the returned capture in out_dir is
    the raw one with the key log embedded (editcap --inject-secrets)."""
    if not port_free(port):
        die(f"port {port} is in use")
    final = os.path.join(out_dir, f"{name}.pcapng")
    if os.path.exists(final):
        os.unlink(final)
    pcap = final
    if tls_dir:
        pcap = os.path.join(tls_dir, "raw.pcapng")
        for leftover in (pcap, os.path.join(tls_dir, "keylog.txt")):
            if os.path.exists(leftover):     # key log is appended to: start empty
                os.unlink(leftover)
    errlog = tempfile.NamedTemporaryFile(prefix="dumpcap-", suffix=".log", delete=False)
    dump = subprocess.Popen(["dumpcap", "-i", "lo", "-f", f"tcp port {port}", "-B", "64",
                             "-w", pcap], stdout=subprocess.DEVNULL, stderr=errlog)
    procs = [dump]
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            with open(errlog.name, errors="replace") as f:
                if "Capturing on" in f.read() and os.path.exists(pcap):
                    break
            if dump.poll() is not None:
                with open(errlog.name, errors="replace") as f:
                    die(f"dumpcap exited: {f.read()}")
            if time.monotonic() > deadline:
                die("dumpcap did not start")
            time.sleep(0.05)
        time.sleep(0.5)  # let the capture filter settle

        srv = subprocess.Popen(peer_cmd(server, "server", port, plan_dir, tls_dir), cwd=NODE_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_pin_to_one_cpu)
        procs.append(srv)
        wait_for_line(srv, r"^READY", READY_TIMEOUT, f"{server} server start")
        cli = subprocess.Popen(peer_cmd(client, "client", port, plan_dir, tls_dir), cwd=NODE_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_pin_to_one_cpu)
        procs.append(cli)
        wait_exit(cli, PEER_TIMEOUT, f"{client} client")
        wait_exit(srv, STEP_TIMEOUT, f"{server} server")
        time.sleep(0.5)  # trailing FIN/ACKs
        dump.send_signal(signal.SIGINT)
        try:
            dump.wait(timeout=STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            dump.terminate()
            dump.wait(timeout=5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        errlog.close()
    with open(errlog.name, errors="replace") as f:
        log = f.read()
    os.unlink(errlog.name)
    os.chmod(pcap, 0o644)
    m = re.search(r"received/dropped on interface '[^']*': (\d+)/(\d+)", log)
    if not m:
        die(f"cannot parse dumpcap statistics:\n{log}")
    if int(m.group(2)) != 0:
        die(f"dumpcap dropped {m.group(2)} packets")
    if tls_dir:
        keylog = os.path.join(tls_dir, "keylog.txt")
        if not os.path.exists(keylog) or os.path.getsize(keylog) == 0:
            die(f"{name}: the client wrote no TLS key log")
        injected = os.path.join(tls_dir, "injected.pcapng")
        run(["editcap", "--inject-secrets", f"tls,{keylog}", pcap, injected])
        # editcap 4.0 writes the Decryption Secrets Block before the Interface
        # Description Block; tshark reads that, but editcap/mergecap 4.0 then
        # refuse the file ("can't be written as a pcapng file").  Copying it
        # with tshark -w (IDB first, DSB kept, packets unchanged) avoids that.
        run(["tshark", "-n", "-r", injected, "-w", final])
        os.unlink(injected)
        os.chmod(final, 0o644)
    return final


def make_cert(tls_dir):
    """Throwaway self-signed certificate for 127.0.0.1 (valid one day)."""
    run(TLS_CERT_CMD + ["-keyout", os.path.join(tls_dir, "key.pem"),
                        "-out", os.path.join(tls_dir, "cert.pem")])


def check_tls(name, raw, pcap, port):
    """The raw capture must be opaque TLS (no HTTP, no WebSocket visible), the
    one with embedded secrets must decrypt stand-alone.  Returns a description
    of the TLS session."""
    hidden = tshark(["-r", raw, "-Y", "http || websocket", "-T", "fields", "-e", "frame.number"])
    if hidden.strip():
        die(f"{name}: HTTP/WebSocket visible without the TLS secrets (frames "
            f"{hidden.split()[:10]}): not encrypted?")
    # TLS 1.3 hides the real content type: undecrypted records show opaque_type 23
    appdata = tshark(["-r", raw, "-Y", "tls.record.content_type == 23 || "
                      "tls.record.opaque_type == 23", "-T", "fields", "-e", "frame.number"]).split()
    if not appdata:
        die(f"{name}: tshark finds no TLS application data in the capture")
    sh = ["-r", pcap] + TLS_TSHARK_PREFS + ["-Y", "tls.handshake.type == 2"]
    ports = tshark(sh + ["-T", "fields", "-e", "tcp.srcport"]).split()
    if ports != [str(port)]:
        die(f"{name}: expected one ServerHello from port {port}, got them from {ports}")
    text = tshark(sh + ["-O", "tls", "-V"])
    version = re.search(r"Supported Version: (TLS [0-9.]+) \(", text)
    if version is None:   # TLS 1.2: no supported_versions extension in the ServerHello
        version = re.search(r"Handshake Protocol: Server Hello\n.*?Version: (TLS [0-9.]+) \(",
                            text, re.S)
    cipher = re.search(r"Cipher Suite: (\S+) \(", text)
    if not version or not cipher:
        die(f"{name}: cannot read the TLS version / cipher suite of the ServerHello")
    # The file can be edited (cut) with editcap, and the secrets travel along.
    copy = os.path.join(os.path.dirname(raw), "copy.pcapng")
    run(["editcap", pcap, copy])
    n_http = len(tshark(["-r", copy] + TLS_TSHARK_PREFS + ["-Y", "http", "-T", "fields",
                                                           "-e", "frame.number"]).split())
    if n_http != 2:
        die(f"{name}: a copy made with editcap shows {n_http} HTTP packets, want 2")
    os.unlink(copy)
    return {"version": version.group(1), "cipher": cipher.group(1)}


# --------------------------------------------------------------------------
# analysis / verification

def _pairs_hook(pairs):
    """json object hook keeping duplicate keys (tshark repeats 'websocket')."""
    d = {}
    for k, v in pairs:
        d.setdefault(k, []).append(v)
    return d


def _one(d, key, default=None):
    v = d.get(key)
    return v[0] if v else default


def _bytes_field(s):
    return bytes.fromhex(s.replace(":", "")) if s else b""


def decode_ws(pcap, port, tls=False):
    """Frames as decoded by tshark's built-in dissector, in wire order.

    Returns a list of dicts: frame, dir, opcode, len, fin, mask, data (the
    unmasked payload bytes as tshark shows them, or None when it shows none).
    """
    common = ["-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE"]
    if tls:
        common += TLS_TSHARK_PREFS
    common += ["-Y", "websocket"]
    # Pass 1: packet numbers, directions and frame counts.
    rows = []
    for line in tshark(common + ["-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                                 "-E", "aggregator=,", "-e", "frame.number", "-e", "tcp.srcport",
                                 "-e", "websocket.opcode"]).splitlines():
        if line.strip():
            fnum, sport, ops = line.split("|")
            rows.append((int(fnum), int(sport), len(ops.split(","))))
    # Pass 2: the websocket layers with raw bytes; `websocket.payload_raw`
    # holds the (unmasked) payload bytes.  Same filter -> same packets.
    packets = json.loads(tshark(common + ["-T", "json", "-x", "-J", "websocket"]),
                         object_pairs_hook=_pairs_hook)
    if len(packets) != len(rows):
        die(f"{pcap}: tshark passes disagree ({len(rows)} vs {len(packets)} packets)")
    frames = []
    for (fnum, sport, nws), pkt in zip(rows, packets):
        layers = _one(_one(pkt, "_source"), "layers")
        wss = layers.get("websocket", [])
        if len(wss) != nws:
            die(f"{pcap}: frame {fnum}: {nws} opcodes but {len(wss)} websocket layers")
        direction = "c2s" if sport != port else "s2c"
        for ws in wss:
            frames.append(parse_ws_layer(ws, fnum, direction))
    return frames


def parse_ws_layer(ws, fnum, direction):
    def f(name):
        return _one(ws, name)

    opcode = int(f("websocket.opcode"))
    plen = int(f("websocket.payload_length"))
    if plen == 126:
        plen = int(f("websocket.payload_length_ext_16"))
    elif plen == 127:
        plen = int(f("websocket.payload_length_ext_64"))
    fin = f("websocket.fin") == "1"
    mask = f("websocket.mask") == "1"
    raw = f("websocket.payload_raw")
    if plen == 0:
        data = b""
    elif raw is not None and int(raw[2]) == plen:
        data = bytes.fromhex(raw[0])
    else:
        data = None
    prefix = None
    if data is None and raw is not None and 0 < int(raw[2]) < plen:
        prefix = bytes.fromhex(raw[0])   # tshark unmasked only the first part
    close = None
    if opcode == OP_CLOSE:
        # tshark's own decoding of the close payload
        code = _find(ws, "websocket.payload.close.status_code")
        reason = _find(ws, "websocket.payload.close.reason")
        if code is not None:
            close = (int(code[0]), reason[0] if reason else "")
    return {"frame": fnum, "dir": direction, "opcode": opcode, "len": plen,
            "fin": fin, "mask": mask, "data": data, "prefix": prefix, "close": close}


def _find(d, key):
    """Depth-first search for key in a nested tshark json tree (dict of lists)."""
    if isinstance(d, dict):
        if key in d:
            return d[key]
        vals = d.values()
    elif isinstance(d, list):
        vals = d
    else:
        return None
    for v in vals:
        r = _find(v, key)
        if r is not None:
            return r
    return None


def verify(name, pcap, port, truth_msgs, payloads, tls=False):
    """Check the truth against tshark's built-in dissector.  Returns the
    decoded frames, the coalesced packets per direction, the maximum number of
    frames per packet per direction and how many large payloads were checked in
    full / by prefix."""
    frames = decode_ws(pcap, port, tls)
    problems = []
    full = prefixed = 0
    for d in ("c2s", "s2c"):
        want = [m for m in truth_msgs if m["dir"] == d]
        got = [f for f in frames if f["dir"] == d]
        if len(want) != len(got):
            problems.append(f"{d}: truth has {len(want)} messages, capture has {len(got)} frames")
        wdatas = [payload for m, payload in zip(truth_msgs, payloads) if m["dir"] == d]
        for i, (w, g, wdata) in enumerate(zip(want, got, wdatas)):
            where = f"{d} #{i} (frame {g['frame']})"
            if w["opcode"] != g["opcode"] or w["len"] != g["len"]:
                problems.append(f"{where}: want opcode {w['opcode']} len {w['len']}, "
                                f"got opcode {g['opcode']} len {g['len']}")
                continue
            if not g["fin"]:
                problems.append(f"{where}: FIN not set (unexpected fragmentation)")
            if g["mask"] != (d == "c2s"):
                problems.append(f"{where}: mask bit {g['mask']} wrong for {d}")
            if w["len"] <= HEX_MAX:
                if g["data"] is None:
                    problems.append(f"{where}: tshark shows no payload bytes")
                elif g["data"].hex() != w["hex"]:
                    problems.append(f"{where}: payload differs: want {w['hex'][:80]} "
                                    f"got {g['data'].hex()[:80]}")
            elif g["data"] is not None:
                if hashlib.sha256(g["data"]).hexdigest() != w["sha256"]:
                    problems.append(f"{where}: payload sha256 differs")
                else:
                    full += 1
            elif g["prefix"] is not None and w["len"] > TSHARK_UNMASK_MAX:
                if not wdata.startswith(g["prefix"]):
                    problems.append(f"{where}: first {len(g['prefix'])} payload bytes differ")
                else:
                    prefixed += 1
            else:
                problems.append(f"{where}: tshark shows no payload bytes (len {w['len']})")
            if w["opcode"] == OP_CLOSE:
                want_close = (int.from_bytes(wdata[:2], "big"), wdata[2:].decode("utf-8"))
                if g["close"] != want_close:
                    problems.append(f"{where}: tshark decodes close as {g['close']}, "
                                    f"want {want_close}")
    if problems:
        die(f"{name}: ground truth does not match the capture:\n  " + "\n  ".join(problems[:30]))

    # coalescing: packets carrying >= 2 WebSocket frames, per direction
    per_pkt = {}
    for f in frames:
        per_pkt.setdefault((f["frame"], f["dir"]), 0)
        per_pkt[(f["frame"], f["dir"])] += 1
    coalesced = {d: sorted(fn for (fn, dd), n in per_pkt.items() if dd == d and n >= 2)
                 for d in ("c2s", "s2c")}
    maxper = {d: max([n for (fn, dd), n in per_pkt.items() if dd == d] or [0])
              for d in ("c2s", "s2c")}
    if not coalesced["c2s"]:
        die(f"{name}: no client->server TCP segment carries >= 2 WebSocket frames")
    return frames, coalesced, maxper, (full, prefixed)


def handshake_info(pcap, port, tls=False):
    """Frame number of the 101 response; checks no extension was negotiated."""
    prefs = TLS_TSHARK_PREFS if tls else []
    out = tshark(["-r", pcap] + prefs + ["-Y", "http", "-T", "fields", "-E", "separator=|",
                  "-e", "frame.number", "-e", "http.request.method", "-e", "http.response.code",
                  "-e", "http.sec_websocket_extensions", "-e", "tcp.srcport", "-e", "tcp.len"])
    rows = [l.split("|") for l in out.splitlines() if l.strip()]
    reqs = [r for r in rows if r[1] == "GET"]
    resps = [r for r in rows if r[2] == "101"]
    if len(reqs) != 1 or len(resps) != 1 or len(rows) != 2:
        die(f"{pcap}: expected exactly one GET and one 101, got {rows}")
    for r in rows:
        if r[3]:
            die(f"{pcap}: Sec-WebSocket-Extensions present in frame {r[0]}: {r[3]}")
    if int(resps[0][4]) != port or int(reqs[0][4]) == port:
        die(f"{pcap}: handshake directions look wrong: {rows}")
    cut = int(resps[0][0])
    # the 101 packet must carry nothing but the HTTP response
    ws_in_101 = tshark(["-r", pcap] + prefs + ["-Y", f"frame.number == {cut} && websocket",
                        "-T", "fields", "-e", "frame.number"]).strip()
    if ws_in_101:
        die(f"{pcap}: frame {cut} carries WebSocket bytes after the 101 response")
    if int(reqs[0][0]) > cut:
        die(f"{pcap}: request after response?")
    return cut, int(reqs[0][0])


def make_nohs(pcap, cut, port):
    nohs = pcap[:-len(".pcapng")] + "-nohs.pcapng"
    if os.path.exists(nohs):
        os.unlink(nohs)
    total = packet_count(pcap)
    if total <= cut:
        die(f"{pcap}: nothing after the handshake")
    # editcap 4.0 has no open-ended ranges ("N-"), so give the last packet.
    run(["editcap", "-r", pcap, nohs, f"{cut + 1}-{total}"])
    os.chmod(nohs, 0o644)
    # Check: no HTTP bytes remain, data is shown as plain TCP (no other
    # built-in dissector claims the port), and the first payload byte in
    # each direction starts a WebSocket frame header.
    out = tshark(["-r", nohs, "-T", "fields", "-E", "separator=|", "-e", "frame.number",
                  "-e", "frame.protocols", "-e", "tcp.srcport", "-e", "tcp.len",
                  "-e", "tcp.payload"])
    first = {}
    npk = 0
    first_desc = "?"
    for line in out.splitlines():
        if not line.strip():
            continue
        npk += 1
        fnum, protos, sport, tlen, payload = line.split("|")
        if npk == 1:
            who = "server" if int(sport) == port else "client"
            first_desc = (f"a pure ACK from the {who}" if int(tlen) == 0
                          else f"{tlen} payload bytes from the {who}")
        if not re.fullmatch(r"(eth|sll):ethertype:ip:tcp(:data)?", protos):
            # Not the port (that is checked by the caller): some heuristic
            # dissector liked the random bytes of a frame (masking keys
            # differ on every run).  The caller records again.
            return None, f"frame {fnum} decoded as {protos}, expected plain TCP", None
        if int(tlen) > 0:
            raw = bytes.fromhex(payload.replace(":", ""))
            if raw.startswith(b"GET ") or raw.startswith(b"HTTP/"):
                die(f"{nohs}: frame {fnum} still carries HTTP bytes")
            d = "s2c" if int(sport) == port else "c2s"
            first.setdefault(d, raw)
    for d, raw in first.items():
        if raw[0] & 0x70 or (raw[0] & 0x0F) not in (1, 2, 8, 9, 10):
            die(f"{nohs}: first {d} payload byte {raw[0]:#04x} is not a WebSocket frame header")
        if bool(raw[1] & 0x80) != (d == "c2s"):
            die(f"{nohs}: first {d} frame has wrong mask bit")
    return nohs, npk, first_desc


def check_ports_unclaimed(ports):
    """No built-in tshark dissector may be registered on our server ports."""
    out = run(["tshark", "-G", "decodes"]).stdout.decode("utf-8", errors="replace")
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] in ("tcp.port", "http.tcp.port") \
                and parts[1].isdigit() and int(parts[1]) in ports:
            die(f"tshark registers {parts[2]} on {parts[0]} {parts[1]}; pick another port")


def packet_count(pcap):
    out = tshark(["-r", pcap, "-T", "fields", "-e", "frame.number"])
    return len([l for l in out.splitlines() if l.strip()])


# --------------------------------------------------------------------------

def readme_header(vers):
    lines = [
        "# Recorded WebSocket captures",
        "",
        "Produced by `/usr/bin/python3 tests/captures/record.py` (Debian 12, loopback",
        "127.0.0.1 only, captured with `dumpcap -i lo -f \"tcp port PORT\"`).  Everything is",
        "deterministic except what the kernel decides: timestamps, the client's ephemeral",
        "port, TCP sequence numbers and segmentation.  Compression is off on both sides",
        "(python `compression=None`, node `perMessageDeflate: false`); record.py checks",
        "that neither the request nor the 101 response carries `Sec-WebSocket-Extensions`.",
        "",
        "Common traffic (client drives, server echoes every data message with the same",
        "opcode and payload; the client waits for each echo before going on):",
        "",
        f"- text and binary messages of {', '.join(str(s) for s in SIZES)} bytes (text: valid",
        "  UTF-8, mostly ASCII with 2/3/4-byte characters, exact byte length; binary: seeded",
        "  random bytes), i.e. 7-bit, 16-bit (126, 65535) and 64-bit (65536, 1000000) length",
        "  encodings, each one frame (FIN set, no fragmentation);",
        f"- client ping `{CLIENT_PING.decode()}` answered by the server library's automatic pong;",
        f"- unsolicited client pong `{CLIENT_PONG.decode()}`;",
        f"- text `{SERVER_PING_TRIGGER}`: the server sends ping `{SERVER_PING.decode()}`, waits for",
        "  the client library's automatic pong, then echoes the text;",
        f"- a burst of {BURST_COUNT} text messages of {BURST_MIN}-{BURST_MAX} bytes written with the",
        "  socket corked (python `TCP_CORK`, node `socket.cork()`), so many frames share a TCP",
        "  segment; the server batches its echoes the same way (corked while it handles one",
        "  chunk of input);",
        f"- close from the client: code {CLOSE_CODE}, reason `{CLOSE_REASON}`; the server answers",
        "  with a close frame that echoes code and reason.",
        "",
        "Per recording NAME there are `NAME.pcapng` (whole: TCP handshake, HTTP Upgrade,",
        "frames, closing handshake, FIN/ACKs), `NAME-nohs.pcapng` (packets after the",
        "101 response only, cut with `editcap -r NAME.pcapng NAME-nohs.pcapng FIRST-LAST`",
        "where FIRST is the frame after the 101, so no HTTP bytes remain) and",
        "`NAME.truth.json` (every message each side sent, per direction in wire order;",
        "`hex` only for payloads up to 512 bytes; auto-pongs and both close frames",
        "included).  record.py verifies the truth against the whole capture with tshark's",
        "built-in WebSocket dissector (`-o tcp.desegment_tcp_streams:TRUE`): opcode,",
        "length, FIN and mask bit of every frame; payload bytes of every payload up to 512",
        "bytes; sha256 of every larger payload tshark shows in full (all unmasked",
        "server->client ones, masked ones up to 256 KiB); for the two masked 1,000,000-byte",
        "client frames, where tshark unmasks only the first 256 KiB, that prefix; the close",
        "code/reason as tshark decodes them.",
        "",
        "`wss-py-py` is the python <-> python traffic over TLS (wss://) without the",
        "1,000,000-byte messages; it has no `-nohs` form (see its section).",
        "",
        "Recording details: the client and server processes are pinned to one CPU (on a",
        "multi-CPU machine loopback packets sent from different CPUs can reach the capture",
        "ring out of order, and tshark then cannot reassemble); a recording is redone (at",
        "most 4 attempts) if tshark flags any TCP anomaly (out-of-order, lost segment,",
        "retransmission, duplicate ACK) or if some built-in heuristic dissector claims a",
        "packet of the `-nohs` file (this happens now and then: the masking keys are random",
        "and e.g. the Thrift heuristic sometimes accepts a small masked frame).  The last",
        "packets are the TCP FIN/ACK exchange after the close frames.",
        "",
        "With the ws plugin not loaded, tshark 4.0 shows the `-nohs` files as plain TCP",
        "(record.py checks `frame.protocols` is `eth:ethertype:ip:tcp[:data]`); use",
        "`-d tcp.port==PORT,websocket` (or the plugin) to decode them.",
        "",
    ]
    return lines


def readme_section(r, vers):
    name = r["name"]
    lines = [
        f"## {name}",
        "",
        f"- client: {r['client']}; server: {r['server']}"
        + (f"; python peers run with {vers['python_interp']}"
           if "python3-websockets" in r['client'] + r['server'] else ""),
    ]
    if r["tls"]:
        t = r["tls"]
        lines += [
            f"- transport: WebSocket over TLS, `wss://127.0.0.1:{r['port']}/`, "
            f"{t['version']}, cipher suite {t['cipher']}; compression off as in the others",
            "- server certificate: throwaway self-signed RSA-2048 certificate for 127.0.0.1,",
            f"  made at record time with `{' '.join(TLS_CERT_CMD)}`",
            "  and deleted afterwards; the client trusts only it and checks it (host name included)",
            "- TLS secrets: the client writes them in NSS key log format (python",
            "  `SSLContext.keylog_filename`); record.py embeds the key log into the capture with",
            f"  `editcap --inject-secrets tls,KEYLOG raw.pcapng injected.pcapng` (a pcapng Decryption",
            f"  Secrets Block) and copies it with `tshark -r injected.pcapng -w {name}.pcapng` (editcap",
            "  4.0 puts the secrets block before the interface block, and editcap/mergecap 4.0 then",
            "  refuse to read the file; tshark writes the interface block first).  The file",
            "  decrypts stand-alone, without a key log preference:",
            f"  `tshark -r {name}.pcapng -Y http` shows the GET and the 101, `-Y websocket` the frames",
            "  (built-in dissector).  record.py checks that the capture without the secrets shows",
            "  neither HTTP nor WebSocket, and that a copy made with editcap still decrypts.",
            "  tshark finds TLS on the port with its TLS-over-TCP",
            "  heuristic and HTTP inside with the HTTP-over-TLS heuristic (no ALPN is sent).",
            "- traffic: the common traffic above without the two 1,000,000-byte messages (sizes "
            f"{', '.join(str(x) for x in r['sizes'])}),",
            "  to keep the file small; 65536 still has the 64-bit length encoding",
            f"- server port: {r['port']} (127.0.0.1), client port ephemeral",
            f"- command: `/usr/bin/python3 tests/captures/record.py --only {name}`",
            f"  (client: `{r['client_cmd']}`, server: `{r['server_cmd']}`;",
            "  TLSDIR holds the certificate, its key and the key log)",
            f"- `{name}.pcapng`: {r['packets']} packets; HTTP request (decrypted) in frame {r['req_frame']},"
            f" 101 response in frame {r['cut']}; only the whole form: without its TLS handshake a",
            "  capture cannot be decrypted, so there is no `-nohs` (or `-midframe`) file",
            f"- WebSocket frames: {r['c2s']} client->server, {r['s2c']} server->client "
            f"(see `{name}.truth.json`), verified like the others and additionally with",
            f"  `{' '.join(TLS_TSHARK_PREFS)}`; every payload",
            f"  checked in full ({r['full']} larger than 512 bytes by sha256).  A WebSocket frame may",
            "  span several TLS records and TCP segments; tshark shows it in the packet that",
            "  completes it",
            f"- coalescing: {len(r['coalesced']['c2s'])} client->server packets with >= 2 frames "
            f"(up to {r['maxper']['c2s']} in one), {len(r['coalesced']['s2c'])} server->client "
            f"(up to {r['maxper']['s2c']} in one); first such frames: "
            f"c2s {r['coalesced']['c2s'][:5]}, s2c {r['coalesced']['s2c'][:5]} (each corked frame",
            "  is a TLS record of its own; the records share one TCP segment)",
            "",
        ]
        return lines
    lines += [
        f"- server port: {r['port']} (127.0.0.1), client port ephemeral",
        f"- command: `/usr/bin/python3 tests/captures/record.py --only {name}`",
        f"  (client: `{r['client_cmd']}`, server: `{r['server_cmd']}`)",
        f"- `{name}.pcapng`: {r['packets']} packets; HTTP request in frame {r['req_frame']},"
        f" 101 response (last handshake packet, the cut point) in frame {r['cut']}",
        f"- `{name}-nohs.pcapng`: {r['nohs_packets']} packets: `editcap -r {name}.pcapng "
        f"{name}-nohs.pcapng {r['cut'] + 1}-{r['packets']}` (its frame 1 = frame "
        f"{r['cut'] + 1} of the whole capture, {r['first']})",
        f"- WebSocket frames: {r['c2s']} client->server, {r['s2c']} server->client "
        f"(see `{name}.truth.json`)",
        f"- coalescing: {len(r['coalesced']['c2s'])} client->server packets with >= 2 frames "
        f"(up to {r['maxper']['c2s']} in one), {len(r['coalesced']['s2c'])} server->client "
        f"(up to {r['maxper']['s2c']} in one); first such frames: "
        f"c2s {r['coalesced']['c2s'][:5]}, s2c {r['coalesced']['s2c'][:5]}",
        "",
    ]
    return lines


def write_readme(out_dir, results, vers):
    lines = readme_header(vers)
    for r in results:
        lines += readme_section(r, vers)
    text = "\n".join(lines)
    # Keep the sections other scripts wrote (record_ext.py: compression and
    # fragmentation), after ours.
    path = os.path.join(out_dir, "README-recordings.md")
    if os.path.exists(path):
        with open(path) as f:
            old = re.split(r"(?m)^(?=## )", f.read())[1:]
        ours = {f"## {r['name']}" for r in results}
        keep = [sec for sec in old if sec.splitlines()[0] not in ours]
        if keep:
            text = text.rstrip("\n") + "\n\n" + "".join(keep).rstrip("\n") + "\n"
    with open(path, "w") as f:
        f.write(text)


def update_readme(out_dir, results, vers):
    """After --only: replace (or append) the sections of the recordings just
    made in an existing README-recordings.md; the rest stays as it is."""
    path = os.path.join(out_dir, "README-recordings.md")
    if not os.path.exists(path):
        write_readme(out_dir, results, vers)
        return
    with open(path) as f:
        text = f.read()
    parts = re.split(r"(?m)^(?=## )", text)
    head, sections = parts[0], parts[1:]
    for r in results:
        new = "\n".join(readme_section(r, vers)) + "\n"
        for i, sec in enumerate(sections):
            if sec.splitlines()[0] == f"## {r['name']}":
                sections[i] = new
                break
        else:
            if sections and not sections[-1].endswith("\n\n"):
                sections[-1] = sections[-1].rstrip("\n") + "\n\n"
            sections.append(new)
    text = head + "".join(sections)
    with open(path, "w") as f:
        f.write(text.rstrip("\n") + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", help="record only these names")
    ap.add_argument("--py-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument("--py-client", nargs=2, metavar=("PORT", "PLANDIR"), help=argparse.SUPPRESS)
    ap.add_argument("--tls", metavar="TLSDIR", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.py_server:
        asyncio.run(py_server(args.py_server, args.tls))
        return
    if args.py_client:
        asyncio.run(py_client(int(args.py_client[0]), args.py_client[1], args.tls))
        return

    t0 = time.monotonic()
    names = [r[0] for r in RECORDINGS]
    unknown = [n for n in (args.only or []) if n not in names]
    if unknown:
        die(f"unknown recording(s) {unknown}; known: {names}")
    todo = [r for r in RECORDINGS if not args.only or r[0] in args.only]
    tools = ["dumpcap", "editcap", "tshark"]
    if any(r[4]["tls"] for r in todo):
        tools += ["openssl"]
    for tool in tools:
        if not shutil.which(tool):
            die(f"{tool} not found")
    ensure_node_modules()
    check_ports_unclaimed([r[3] for r in RECORDINGS])
    vers = versions()
    os.makedirs(args.out, exist_ok=True)
    results = []
    plans = {}   # sizes -> (plan dir, truth messages, payloads)
    with tempfile.TemporaryDirectory(prefix="ws-plan-") as tmp:
        for name, client, server, port, variant in todo:
            t1 = time.monotonic()
            tls = variant["tls"]
            key = tuple(variant["sizes"])
            if key not in plans:
                plan_dir = os.path.join(tmp, f"plan-{len(plans)}")
                os.makedirs(plan_dir)
                steps = build_plan(variant["sizes"])
                write_plan(steps, plan_dir)
                plans[key] = (plan_dir,) + build_truth_messages(steps)
            plan_dir, truth_msgs, payloads = plans[key]
            tls_dir = None
            if tls:
                tls_dir = os.path.join(tmp, f"tls-{name}")
                os.makedirs(tls_dir)
                make_cert(tls_dir)
            for attempt in range(1, MAX_ATTEMPTS + 1):
                pcap = capture(name, client, server, port, plan_dir, args.out, tls_dir)
                bad = tcp_anomalies(pcap)
                if bad:
                    print(f"record.py: {name}: attempt {attempt}: TCP anomalies (capture "
                          f"reordering?) in frames {bad[:10]}; recording again", flush=True)
                    continue
                cut, req = handshake_info(pcap, port, tls)
                if tls:
                    # no handshake-less form: TLS needs its handshake to decrypt
                    tls_info = check_tls(name, os.path.join(tls_dir, "raw.pcapng"), pcap, port)
                    nohs_packets, first_desc = None, None
                    break
                tls_info = None
                nohs, nohs_packets, first_desc = make_nohs(pcap, cut, port)
                if nohs is None:
                    print(f"record.py: {name}: attempt {attempt}: -nohs capture: {nohs_packets}; "
                          f"recording again", flush=True)
                    continue
                break
            else:
                die(f"{name}: no clean recording in {MAX_ATTEMPTS} attempts")
            truth = {"name": name, "client": vers[client], "server": vers[server], "port": port,
                     "messages": truth_msgs}
            truth_path = os.path.join(args.out, f"{name}.truth.json")
            with open(truth_path, "w") as f:
                json.dump(truth, f, indent=1)
                f.write("\n")
            frames, coalesced, maxper, (full, prefixed) = verify(name, pcap, port, truth_msgs,
                                                                 payloads, tls)
            packets = packet_count(pcap)
            res = {"name": name, "client": vers[client], "server": vers[server], "port": port,
                   "packets": packets, "nohs_packets": nohs_packets, "first": first_desc, "cut": cut, "req_frame": req,
                   "c2s": sum(1 for m in truth_msgs if m["dir"] == "c2s"),
                   "s2c": sum(1 for m in truth_msgs if m["dir"] == "s2c"),
                   "coalesced": coalesced, "maxper": maxper, "full": full, "prefixed": prefixed,
                   "tls": tls_info, "sizes": variant["sizes"],
                   "client_cmd": " ".join(peer_cmd(client, "client", port, "PLANDIR",
                                                   "TLSDIR" if tls else None)).replace(REPO + "/", ""),
                   "server_cmd": " ".join(peer_cmd(server, "server", port, "PLANDIR",
                                                   "TLSDIR" if tls else None)).replace(REPO + "/", "")}
            results.append(res)
            what = (f"{tls_info['version']} {tls_info['cipher']}, secrets embedded" if tls
                    else f"nohs {nohs_packets} packets")
            print(f"record.py: {name}: {packets} packets, {os.path.getsize(pcap)} bytes, "
                  f"{'101 in' if tls else 'cut after'} frame {cut}, "
                  f"{what}, coalesced c2s={len(coalesced['c2s'])} "
                  f"(max {maxper['c2s']}) s2c={len(coalesced['s2c'])} (max {maxper['s2c']}), "
                  f"large payloads checked fully {full} / by 256 KiB prefix {prefixed}, "
                  f"{time.monotonic() - t1:.1f}s", flush=True)
    if not args.only:
        write_readme(args.out, results, vers)
    else:
        update_readme(args.out, results, vers)
    print(f"record.py: all OK in {time.monotonic() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    main()
