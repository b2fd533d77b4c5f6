#!/usr/bin/python3
"""Record real WebSocket conversations over loopback, plus ground truth.

Run with Debian's interpreter (it has python3-websockets 10.4):

    /usr/bin/python3 tests/captures/record.py [--out DIR] [--only NAME ...] [--list]

One program for every recording of python3-websockets, npm `ws` and headless
Chromium: the recordings are the rows of SCENARIOS below (name, client,
server, server port, plan, the client's and the server's extension
configuration, options), everything else is shared.  Needs, as root (or with
capture rights): dumpcap, editcap, tshark (4.0), node + npm (`ws` is
installed into tests/captures/node/ with `npm ci` when node_modules/ is
missing; the one node peer is node/peer.js), openssl (wss-py-py) and, for
chromium-py, Debian's `chromium` (without it chromium-py is skipped and its
committed capture and README section stay as they are).

For every recording NAME it writes into test-captures/ (default):

  NAME.pcapng        the whole capture: TCP handshake, HTTP Upgrade, frames,
                     closing handshake, TCP teardown
  NAME-nohs.pcapng   the same capture without every packet up to and including
                     the HTTP 101 response (cut with `editcap -r`); not for TLS
                     (without its handshake a TLS capture cannot be decrypted)
  NAME.truth.json    ground truth: every message each side sent, per direction
                     in order of completion on the wire

and the section NAME of test-captures/README-recordings.md.

The truth lists the application messages as sent: for a compressed message
the UNCOMPRESSED payload, for a fragmented message the whole reassembled
payload with the opcode of its first frame; control frames as they are (a
ping sent between two fragments of a message comes before that message).
Each entry: dir, opcode, len, sha256, hex (payloads up to 512 bytes), frames
(how many WebSocket frames carried it), compressed (RSV1 on its first frame);
at the top name, client, server, port, extensions (the negotiated
Sec-WebSocket-Extensions).

Checks, any failure is fatal:
  1. peers: each side logs every data message it sent and received (python
     and node peers, the Chromium page through a POST of its log); the
     senders' and the receivers' logs must equal the plan, and both peers
     compare every received message with the plan byte for byte.
  2. capture, parsed by this script: the TCP payload of each direction
     (sequence numbers contiguous; for wss-py-py the application data tshark
     decrypts with the embedded key log), the HTTP handshake
     (Sec-WebSocket-Extensions of request and response), every frame parsed
     and unmasked, messages reassembled and inflated (RFC 7692, with the
     negotiated window bits and context takeover); the result must equal the
     truth exactly (all bytes), and `frames` / `compressed` must be what the
     sending library does.
  3. tshark's built-in dissector (handshake seen, so it knows the
     extension): every frame's opcode, FIN, RSV1 (websocket.pmc), mask bit,
     payload length and packet; the payload bytes wherever tshark 4.0 is
     known to show them right (see tshark_payload_notes).

A recording is made again (up to MAX_ATTEMPTS times) when tshark flags a TCP
anomaly or a built-in heuristic dissector claims a packet of the -nohs file.
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
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NODE_DIR = os.path.join(HERE, "node")
NODE_PEER = os.path.join(NODE_DIR, "peer.js")
DEFAULT_OUT = os.path.join(REPO, "test-captures")

HEX_MAX = 512            # truth carries "hex" only up to this length
TSHARK_UNMASK_MAX = 256 * 1024  # built-in dissector unmasks at most this much
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
MAX_SIZE = 16 * 1024 * 1024
STEP_TIMEOUT = 20.0      # any single network wait inside a peer
PEER_TIMEOUT = 90.0      # a whole peer process
READY_TIMEOUT = 15.0     # dumpcap / server start-up
CHROMIUM_TIMEOUT = 120.0
MAX_ATTEMPTS = 10
SERVER_CORK_SECONDS = 0.005  # python server: echo batching window
MAX_CAPTURE_BYTES = 6 * 1000 * 1000

CLIENT_PING = b"ping-1"
CLIENT_PONG = b"pong-1"
SERVER_PING_TRIGGER = "cmd:server-ping"
SERVER_PING = b"srv-ping-1"
CLOSE_CODE, CLOSE_REASON = 1000, "bye"
BURST_COUNT = 40
CHROMIUM_HTTP_PORT = 47125

# The plans (build_plan): "plain" (seed PLAIN_SEED, sizes PLAIN_SIZES; text of
# random printable characters), "plain-wss" (the same without the 1,000,000-byte
# messages: they would make the TLS capture large for little gain, 65536 keeps
# the 64-bit length), "deflate" / "chromium" / "frag-node" / "frag-py" (seed
# EXT_SEED; compressible JSON-lines text and blocky binary).
PLAIN_SEED = "wireshark-ws-plugin-captures-v1"
EXT_SEED = "wireshark-ws-plugin-captures-ext-v2"
PLAIN_SIZES = [0, 1, 125, 126, 65535, 65536, 1000000]
WSS_SIZES = [s for s in PLAIN_SIZES if s != 1000000]
DEFLATE_SIZES = [0, 1, 125, 1000, 65536, 1000000]
CHROMIUM_SIZES = [0, 1, 125, 1000, 65536, 300000]

# Extension configurations, in the peer's own terms (plan.json "config":
# {"client": ..., "server": ...}).  python: {"compression": None} off,
# {"compression": "deflate"} the library default, {"factory": {...}} the
# arguments of websockets' (Client|Server)PerMessageDeflateFactory; node: the
# `perMessageDeflate` option of ws (false or an object); chromium: None (the
# browser makes its own offer).
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

# Options: tls (wss:// with a throwaway certificate, key log embedded, no
# -nohs); coalesce (at least one client->server packet must carry >= 2
# frames: the corked burst); http_port (chromium: the page and the plan are
# served there by the python server process, not captured).
PLAIN = {"coalesce": True}
SCENARIOS = [
    # name,                      client,     server,   port,  plan,        client ext,          server ext,            options
    ("py-py",                     "python",   "python", 47101, "plain",     PY_OFF,              PY_OFF,                PLAIN),
    ("node-node",                 "node",     "node",   47102, "plain",     NODE_OFF,            NODE_OFF,              PLAIN),
    ("py-node",                   "python",   "node",   47103, "plain",     PY_OFF,              NODE_OFF,              PLAIN),
    ("node-py",                   "node",     "python", 47104, "plain",     NODE_OFF,            PY_OFF,                PLAIN),
    ("wss-py-py",                 "python",   "python", 47105, "plain-wss", PY_OFF,              PY_OFF,                dict(PLAIN, tls=True)),
    ("deflate-py-py",             "python",   "python", 47110, "deflate",   PY_DEFAULT,          PY_DEFAULT,            {}),
    ("deflate-node-node",         "node",     "node",   47111, "deflate",   NODE_DEFLATE,        NODE_DEFLATE,          {}),
    ("deflate-py-node-nocontext", "python",   "node",   47112, "deflate",   PY_NOCONTEXT_CLIENT, NODE_NOCONTEXT_SERVER, {}),
    ("frag-node-py",              "node",     "python", 47113, "frag-node", NODE_OFF,            PY_OFF,                {}),
    ("deflate-frag-py-py",        "python",   "python", 47114, "frag-py",   PY_DEFAULT,          PY_DEFAULT,            {}),
    ("chromium-py",               "chromium", "python", 47115, "chromium",  BROWSER,             PY_DEFAULT,            {"http_port": CHROMIUM_HTTP_PORT}),
]
ALL_PORTS = [s[3] for s in SCENARIOS] + [CHROMIUM_HTTP_PORT]

TLS_VERSION = "TLSv1_3"  # ssl.TLSVersion member; tshark 4.0 decrypts it from a key log
TLS_CERT_CMD = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
# tshark preferences for reading the TLS recording: reassemble records split
# across TCP segments and application data split across records (the defaults
# of tshark 4.0, given explicitly so a user's preferences cannot interfere).
TLS_TSHARK_PREFS = ["-o", "tls.desegment_ssl_records:TRUE",
                    "-o", "tls.desegment_ssl_application_data:TRUE"]


def compresses(cfg):
    """Does this peer configuration ask for permessage-deflate?"""
    return cfg not in (PY_OFF, NODE_OFF, BROWSER)


# --------------------------------------------------------------------------
# process and tool helpers

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
    """tshark with the ws plugin disabled: every check here is against
    Wireshark's built-in dissector (where the plugin is installed it would
    otherwise take the frames from it and decode the -nohs cut)."""
    p = run(["tshark", "-n", "--disable-protocol", "ws"] + args, timeout=timeout)
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


WORDS = ("alpha beta gamma delta epsilon zeta theta lambda sigma omega packet frame "
         "window socket deflate inflate stream buffer header payload message server "
         "client session token value record status ready pending closed").split()
PLACES = ["München", "Zürich", "Kraków", "São Paulo", "Αθήνα", "Москва", "東京", "서울",
          "Reykjavík", "Łódź", "Ærøskøbing", "İstanbul", "Besançon", "Nürnberg", "Cork"]
EMOJI = ["😀", "🚀", "✓", "€", "𝄞", "—"]


def fit_utf8(text, nbytes):
    """Cut text (str) to at most nbytes UTF-8 bytes on a character boundary
    and pad with spaces to exactly nbytes."""
    data = text.encode("utf-8")[:nbytes]
    data = data.decode("utf-8", errors="ignore").encode("utf-8")
    data += b" " * (nbytes - len(data))
    assert len(data) == nbytes
    return data


def make_json_text(rng, nbytes):
    """JSON-lines-ish text: compressible (repeated keys and words) but not
    trivially (seeded numbers, words, names with 2/3/4-byte characters)."""
    parts = []
    total = 0
    i = rng.randrange(1000)
    while total < nbytes:
        i += rng.randint(1, 7)
        note = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))
        if rng.random() < 0.3:
            note += " " + rng.choice(EMOJI)
        rec = ('{"id":%d,"user":"%s%d","city":"%s","tags":[%s],"score":%.4f,"ok":%s,"note":"%s"}\n'
               % (i, rng.choice(WORDS), rng.randrange(10000), rng.choice(PLACES),
                  ",".join('"%s"' % rng.choice(WORDS) for _ in range(rng.randint(0, 4))),
                  rng.random() * 1000, rng.choice(["true", "false"]), note))
        parts.append(rec)
        total += len(rec.encode("utf-8"))
    return fit_utf8("".join(parts), nbytes)


def make_blocky_binary(rng, nbytes):
    """Binary from a pool of random blocks, each copy slightly mutated, with
    random noise runs between them: deflate finds the repeats within its
    window, the mutations and noise keep it from being trivial."""
    pool = [rng.randbytes(rng.randint(48, 400)) for _ in range(24)]
    out = bytearray()
    while len(out) < nbytes:
        b = bytearray(rng.choice(pool))
        for _ in range(rng.randint(0, 3)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        out += b
        if rng.random() < 0.35:
            out += rng.randbytes(rng.randint(1, 24))
    return bytes(out[:nbytes])


def small_burst(rng, count=BURST_COUNT):
    out = []
    for k in range(count):
        n = rng.randint(10, 40)
        if k % 5 == 4:
            out.append({"opcode": OP_BINARY, "data": rng.randbytes(n)})
        else:
            out.append({"opcode": OP_TEXT, "data": make_text(rng, n)})
    return out


def char_starts(data):
    """Offsets of the first byte of each UTF-8 character."""
    return [i for i, b in enumerate(data) if b & 0xC0 != 0x80]


def sizes_from_cuts(total, cuts):
    cuts = [0] + list(cuts) + [total]
    return [b - a for a, b in zip(cuts, cuts[1:])]


def split_mid_chars(data, required=True):
    """Fragment sizes for text data such that fragment boundaries fall inside
    a 2-, a 3- and a 4-byte character (after 1 / 1 and 2 / 1 and 3 of its
    bytes).  None (or die, if required) when the text lacks one of them."""
    starts = char_starts(data) + [len(data)]
    lengths = {s: e - s for s, e in zip(starts, starts[1:])}
    cuts = []
    for want, offsets in ((2, (1,)), (3, (1, 2)), (4, (1, 3))):
        s = next((s for s in starts[:-1] if lengths[s] == want and s > (cuts[-1] if cuts else 0)),
                 None)
        if s is None:
            if required:
                die(f"no {want}-byte character to split in the text")
            return None
        cuts += [s + o for o in offsets]
    for c in cuts:
        assert data[c] & 0xC0 == 0x80
    return sizes_from_cuts(len(data), cuts)


def char_aligned_sizes(data, n):
    """n fragment sizes of text data, cut on character boundaries (python
    sends each str fragment encoded by itself)."""
    starts = char_starts(data) + [len(data)]
    cuts = []
    for k in range(1, n):
        target = len(data) * k // n
        c = min(s for s in starts if s >= target)
        if cuts and c <= cuts[-1]:
            continue
        cuts.append(c)
    return sizes_from_cuts(len(data), [c for c in cuts if 0 < c < len(data)])


def even_sizes(total, n):
    base = [total // n] * n
    base[-1] += total - sum(base)
    return base


def msg(opcode, data, **kw):
    d = {"kind": "message", "opcode": opcode, "data": data}
    d.update(kw)
    return d


def build_plan(kind):
    """The client's script.  Steps: message (opt. frags = fragment sizes,
    ping_at = index of the fragment after which a ping is sent, echo_frags =
    how the server fragments its echo, cork = send the fragments corked),
    ping, pong, burst, close.  chromium plans also carry `how` (JS type)."""
    R = lambda tag: random.Random(f"{EXT_SEED}:{kind}:{tag}")  # noqa: E731
    steps = []
    if kind in ("plain", "plain-wss"):
        # every size as text (random printable characters with some 2/3/4-byte
        # ones) and binary (seeded random bytes), one frame each; a ping, an
        # unsolicited pong, the server's ping, a corked burst of 40 texts
        P = lambda tag: random.Random(f"{PLAIN_SEED}:{tag}")  # noqa: E731
        for size in (PLAIN_SIZES if kind == "plain" else WSS_SIZES):
            steps.append(msg(OP_TEXT, make_text(P(f"text:{size}"), size)))
            steps.append(msg(OP_BINARY, make_binary(P(f"binary:{size}"), size)))
        steps.append({"kind": "ping", "data": CLIENT_PING})
        steps.append({"kind": "pong", "data": CLIENT_PONG})
        steps.append(msg(OP_TEXT, SERVER_PING_TRIGGER.encode()))
        rng = P("burst")
        steps.append({"kind": "burst", "messages": [
            {"opcode": OP_TEXT, "data": make_text(rng, rng.randint(10, 40))} for _ in range(BURST_COUNT)]})
    elif kind in ("deflate", "chromium"):
        sizes = DEFLATE_SIZES if kind == "deflate" else CHROMIUM_SIZES
        blob_sizes = {1, 1000, 300000}
        for size in sizes:
            steps.append(msg(OP_TEXT, make_json_text(R(f"text:{size}"), size), how="string"))
            steps.append(msg(OP_BINARY, make_blocky_binary(R(f"binary:{size}"), size),
                             how="blob" if size in blob_sizes else "arraybuffer"))
        if kind == "chromium":
            steps.append(msg(OP_BINARY, make_blocky_binary(R("view"), 777), how="view"))
            # the server echoes this one in fragments (python: send(iterable))
            steps.append(msg(OP_BINARY, make_blocky_binary(R("echo-frag"), 70000),
                             how="arraybuffer", echo_frags=[30000, 40000]))
            steps.append(msg(OP_TEXT, make_json_text(R("echo-frag-text"), 5000),
                             how="string"))
            steps[-1]["echo_frags"] = char_aligned_sizes(steps[-1]["data"], 3)
        else:
            steps.append({"kind": "ping", "data": CLIENT_PING})
            steps.append({"kind": "pong", "data": CLIENT_PONG})
        steps.append(msg(OP_TEXT, SERVER_PING_TRIGGER.encode(), how="string"))
        steps.append({"kind": "burst", "messages": small_burst(R("burst"))})
        if kind == "chromium":
            for m in steps[-1]["messages"]:
                m["how"] = "string" if m["opcode"] == OP_TEXT else "arraybuffer"
    elif kind == "frag-node":
        # node client: any fragment sizes (text split inside characters)
        t = ("Fragmented text: héllo wörld — 中文字符 and 😀𝄞 emoji; ß, ж, λ, €, ✓. "
             "The boundaries fall inside multi-byte characters.").encode("utf-8")
        steps.append(msg(OP_TEXT, t, frags=split_mid_chars(t)))
        steps.append(msg(OP_BINARY, R("bin3").randbytes(6001), frags=[1000, 1, 5000]))
        t2 = "ping between fragments: é, €, 😀; ".encode() + make_json_text(R("text-ping"), 560)
        steps.append(msg(OP_TEXT, t2, frags=split_mid_chars(t2), ping_at=1,
                         ping=b"mid-message-ping"))
        b2 = R("bin-ping").randbytes(3000)
        steps.append(msg(OP_BINARY, b2, frags=[1000, 1000, 1000], ping_at=0,
                         ping=b"ping-between-fragments"))
        steps.append(msg(OP_TEXT, b"empty fragments!", frags=[0, 5, 0, 11, 0]))
        steps.append(msg(OP_BINARY, b"", frags=[0, 0]))
        steps.append(msg(OP_TEXT, b"not fragmented"))
        big = make_blocky_binary(R("big"), 200000)
        steps.append(msg(OP_BINARY, big, frags=[70000, 60000, 70000],
                         echo_frags=[100000, 100000]))
        many = make_json_text(R("many"), 300)
        steps.append(msg(OP_TEXT, many, frags=even_sizes(300, 60), cork=True))
        tbig = make_json_text(R("text-big"), 100000)
        steps.append(msg(OP_TEXT, tbig, frags=[65536, 34464],
                         echo_frags=char_aligned_sizes(tbig, 4)))
        steps.append(msg(OP_BINARY, R("bin-unfrag").randbytes(125)))
        steps.append({"kind": "ping", "data": CLIENT_PING})
        steps.append(msg(OP_TEXT, SERVER_PING_TRIGGER.encode()))
        rng = R("burst")
        burst = []
        for k in range(12):
            d = make_text(rng, rng.randint(12, 40)) if k % 3 else rng.randbytes(rng.randint(12, 40))
            op = OP_TEXT if k % 3 else OP_BINARY
            fr = (op == OP_TEXT and split_mid_chars(d, required=False)) or even_sizes(len(d), 3)
            burst.append({"opcode": op, "data": d, "frags": fr})
        steps.append({"kind": "burst", "messages": burst})
    elif kind == "frag-py":
        # python client: fragments are str (character-aligned) / bytes
        t = make_json_text(R("text5"), 20000)
        steps.append(msg(OP_TEXT, t, frags=char_aligned_sizes(t, 5)))
        b = make_blocky_binary(R("bin3"), 100000)
        steps.append(msg(OP_BINARY, b, frags=[40000, 20000, 40000], echo_frags=[50000, 50000]))
        t2 = make_json_text(R("text-ping"), 3000)
        steps.append(msg(OP_TEXT, t2, frags=char_aligned_sizes(t2, 3), ping_at=0,
                         ping=b"mid-message-ping", echo_frags=char_aligned_sizes(t2, 2)))
        steps.append(msg(OP_TEXT, b"empty fragments!", frags=[0, 5, 0, 11, 0]))
        steps.append(msg(OP_BINARY, make_blocky_binary(R("b-small"), 125), frags=[60, 65]))
        steps.append(msg(OP_TEXT, make_json_text(R("unfrag"), 1000)))
        steps.append(msg(OP_BINARY, make_blocky_binary(R("bin-echo"), 65536),
                         echo_frags=[16384] * 4))
        steps.append({"kind": "ping", "data": CLIENT_PING})
        steps.append(msg(OP_TEXT, SERVER_PING_TRIGGER.encode()))
    else:
        raise ValueError(kind)
    steps.append({"kind": "close", "code": CLOSE_CODE, "reason": CLOSE_REASON})
    for st in steps:
        for m in ([st] if st["kind"] == "message" else st.get("messages", [])):
            for key in ("frags", "echo_frags"):
                if key in m:
                    assert sum(m[key]) == len(m["data"]), (key, m[key], len(m["data"]))
    return steps


def write_plan(steps, config, directory):
    """plan.json (+ payload-N.bin for the big payloads) for all peers."""
    files = [0]

    def enc(m):
        out = {k: v for k, v in m.items() if k not in ("data", "ping", "messages")}
        if "data" in m:
            if len(m["data"]) > 4096:
                fname = f"payload-{files[0]}.bin"
                files[0] += 1
                with open(os.path.join(directory, fname), "wb") as f:
                    f.write(m["data"])
                out["file"] = fname
            else:
                out["hex"] = m["data"].hex()
        if "ping" in m:
            out["ping_hex"] = m["ping"].hex()
        if "messages" in m:
            out["messages"] = [enc(x) for x in m["messages"]]
        return out

    with open(os.path.join(directory, "plan.json"), "w") as f:
        json.dump({"config": config, "steps": [enc(st) for st in steps]}, f)


def read_plan(directory):
    with open(os.path.join(directory, "plan.json")) as f:
        plan = json.load(f)

    def dec(m):
        if "file" in m:
            with open(os.path.join(directory, m["file"]), "rb") as f:
                m["data"] = f.read()
        elif "hex" in m:
            m["data"] = bytes.fromhex(m["hex"])
        if "ping_hex" in m:
            m["ping"] = bytes.fromhex(m["ping_hex"])
        for x in m.get("messages", []):
            dec(x)
        return m

    for st in plan["steps"]:
        dec(st)
    return plan


def client_data_messages(steps):
    """The data messages the client sends, in order."""
    out = []
    for st in steps:
        if st["kind"] == "message":
            out.append(st)
        elif st["kind"] == "burst":
            out.extend(st["messages"])
    return out


def close_payload(code, reason):
    return code.to_bytes(2, "big") + reason.encode("utf-8")


def build_truth(steps, client, server):
    """Expected messages per direction, in order of completion on the wire:
    list of (dir, opcode, data, frames) where frames is the number of
    WebSocket frames the sending library uses (None: not known in advance)."""
    msgs = []

    def nframes(impl, frags):
        if impl == "chromium":
            return None
        if not frags:
            return 1
        return len(frags) + (1 if impl == "python" else 0)  # python ends with an empty FIN frame

    for st in steps:
        k = st["kind"]
        if k == "message":
            if "ping_at" in st:
                msgs.append(("c2s", OP_PING, st["ping"], 1))
                msgs.append(("s2c", OP_PONG, st["ping"], 1))
            msgs.append(("c2s", st["opcode"], st["data"], nframes(client, st.get("frags"))))
            if st["opcode"] == OP_TEXT and st["data"] == SERVER_PING_TRIGGER.encode():
                msgs.append(("s2c", OP_PING, SERVER_PING, 1))
                msgs.append(("c2s", OP_PONG, SERVER_PING, 1))
            msgs.append(("s2c", st["opcode"], st["data"], nframes(server, st.get("echo_frags"))))
        elif k == "ping":
            msgs.append(("c2s", OP_PING, st["data"], 1))
            msgs.append(("s2c", OP_PONG, st["data"], 1))
        elif k == "pong":
            msgs.append(("c2s", OP_PONG, st["data"], 1))
        elif k == "burst":
            for m in st["messages"]:
                msgs.append(("c2s", m["opcode"], m["data"], nframes(client, m.get("frags"))))
            for m in st["messages"]:
                msgs.append(("s2c", m["opcode"], m["data"], nframes(server, m.get("echo_frags"))))
        elif k == "close":
            cp = close_payload(st["code"], st["reason"])
            msgs.append(("c2s", OP_CLOSE, cp, 1))
            msgs.append(("s2c", OP_CLOSE, cp, 1))
    return msgs


def truth_entry(direction, opcode, data, frames, compressed):
    d = {"dir": direction, "opcode": opcode, "len": len(data),
         "sha256": hashlib.sha256(data).hexdigest()}
    if len(data) <= HEX_MAX:
        d["hex"] = data.hex()
    d["frames"] = frames
    d["compressed"] = compressed
    return d


# --------------------------------------------------------------------------
# python peers (subprocesses of this script)
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


def _py_ext_kwargs(cfg, role):
    """websockets.connect / serve keyword arguments for a config."""
    from websockets.extensions import permessage_deflate as pmd
    if "factory" in cfg:
        cls = (pmd.ClientPerMessageDeflateFactory if role == "client"
               else pmd.ServerPerMessageDeflateFactory)
        return {"compression": None, "extensions": [cls(**cfg["factory"])]}
    return {"compression": cfg["compression"]}


class MsgLog:
    def __init__(self, path):
        self.f = open(path, "w")

    def write(self, obj):
        self.f.write(json.dumps(obj) + "\n")
        self.f.flush()

    def msg(self, ev, opcode, data, frames=None):
        self.write({"ev": ev, "opcode": opcode, "len": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(), "frames": frames})


def _as_msg(opcode, data):
    return data.decode("utf-8") if opcode == OP_TEXT else data


def _pieces(opcode, data, sizes):
    out, off = [], 0
    for n in sizes:
        out.append(_as_msg(opcode, data[off:off + n]))   # text: must be char-aligned
        off += n
    return out


def _opcode_of(m):
    return OP_TEXT if isinstance(m, str) else OP_BINARY


def _bytes_of(m):
    return m.encode("utf-8") if isinstance(m, str) else m


async def py_server(port, plan_dir, log_path, http_port=None, tls_dir=None):
    import websockets

    plan = read_plan(plan_dir)
    want = client_data_messages(plan["steps"])
    log = MsgLog(log_path)
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    page_result = loop.create_future()

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
            log.write({"ev": "open",
                       "offered": ws.request_headers.get("Sec-WebSocket-Extensions"),
                       "extensions": ws.response_headers.get("Sec-WebSocket-Extensions"),
                       "user_agent": ws.request_headers.get("User-Agent"),
                       "origin": ws.request_headers.get("Origin")})
            n = 0
            while True:
                try:
                    m = await asyncio.wait_for(ws.recv(), PEER_TIMEOUT)
                except websockets.ConnectionClosedOK:
                    break
                op, data = _opcode_of(m), _bytes_of(m)
                log.msg("recv", op, data)
                if n >= len(want) or (op, data) != (want[n]["opcode"], want[n]["data"]):
                    raise RuntimeError(f"message #{n} (opcode {op}, len {len(data)}) "
                                       "differs from the plan")
                exp = want[n]
                n += 1
                if m == SERVER_PING_TRIGGER:
                    waiter = await asyncio.wait_for(ws.ping(SERVER_PING), STEP_TIMEOUT)
                    await asyncio.wait_for(waiter, STEP_TIMEOUT)
                if not corked:   # batch the echoes of a burst (see record.py)
                    corked = True
                    _set_cork(ws, True)
                    loop.call_later(SERVER_CORK_SECONDS, uncork)
                frags = exp.get("echo_frags")
                if frags:
                    log.msg("send", op, data, len(frags) + 1)
                    await asyncio.wait_for(ws.send(_pieces(op, data, frags)), STEP_TIMEOUT)
                else:
                    log.msg("send", op, data, 1)
                    await asyncio.wait_for(ws.send(m), STEP_TIMEOUT)
            await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
            if n != len(want):
                raise RuntimeError(f"received {n} data messages, the plan has {len(want)}")
            log.write({"ev": "close", "code": ws.close_code, "reason": ws.close_reason})
            print(f"DONE close {ws.close_code} {ws.close_reason}", flush=True)
            if not done.done():
                done.set_result(None)
        except BaseException as e:
            if not done.done():
                done.set_exception(RuntimeError(f"server handler: {e!r}"))
            raise

    http = None
    if http_port:
        http = await asyncio.start_server(
            lambda r, w: serve_page(r, w, plan, plan_dir, port, page_result),
            "127.0.0.1", http_port)
    async with websockets.serve(handler, "127.0.0.1", port, max_size=MAX_SIZE,
                                ping_interval=None, close_timeout=STEP_TIMEOUT,
                                ssl=_server_ssl(tls_dir),
                                **_py_ext_kwargs(plan["config"]["server"], "server")):
        print(f"READY {port}", flush=True)
        await asyncio.wait_for(done, CHROMIUM_TIMEOUT if http_port else PEER_TIMEOUT)
    if http:
        result = await asyncio.wait_for(page_result, STEP_TIMEOUT)
        http.close()
        with open(log_path[:-len(".jsonl")] + "-page.json", "w") as f:
            json.dump(result, f)
        if result.get("status") != "ok":
            raise RuntimeError(f"the page reports {result.get('status')}: {result.get('error')}")
        print("PAGE ok", flush=True)


async def py_client(port, plan_dir, log_path, tls_dir=None):
    import websockets

    plan = read_plan(plan_dir)
    log = MsgLog(log_path)
    ctx = _client_ssl(tls_dir)
    ws = await asyncio.wait_for(
        websockets.connect(f"{'wss' if ctx else 'ws'}://127.0.0.1:{port}/", max_size=MAX_SIZE,
                           ping_interval=None, ssl=ctx,
                           open_timeout=STEP_TIMEOUT, close_timeout=STEP_TIMEOUT,
                           **_py_ext_kwargs(plan["config"]["client"], "client")),
        STEP_TIMEOUT)
    if ctx:
        tls = ws.transport.get_extra_info("ssl_object")
        log.write({"ev": "tls", "version": tls.version(), "cipher": tls.cipher()[0]})
    log.write({"ev": "open", "offered": ws.request_headers.get("Sec-WebSocket-Extensions"),
               "extensions": ws.response_headers.get("Sec-WebSocket-Extensions")})
    print("READY open", flush=True)

    async def expect_echo(opcode, data):
        got = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        log.msg("recv", _opcode_of(got), _bytes_of(got))
        if got != _as_msg(opcode, data):
            raise RuntimeError(f"bad echo for opcode {opcode} len {len(data)}")

    async def ping(data):
        waiter = await asyncio.wait_for(ws.ping(data), STEP_TIMEOUT)
        await asyncio.wait_for(waiter, STEP_TIMEOUT)

    async def send(m):
        frags = m.get("frags")
        if not frags:
            log.msg("send", m["opcode"], m["data"], 1)
            await asyncio.wait_for(ws.send(_as_msg(m["opcode"], m["data"])), STEP_TIMEOUT)
            return
        pieces = _pieces(m["opcode"], m["data"], frags)
        log.msg("send", m["opcode"], m["data"], len(frags) + 1)
        if "ping_at" not in m:
            await asyncio.wait_for(ws.send(pieces), STEP_TIMEOUT)   # iterable: fragmented
            return

        async def agen():
            # async iterable: send() writes each fragment when the next one is
            # asked for, so the ping leaves between fragment ping_at and the next
            for i, p in enumerate(pieces):
                yield p
                if i == m["ping_at"]:
                    await ping(m["ping"])
        await asyncio.wait_for(ws.send(agen()), STEP_TIMEOUT)

    for st in plan["steps"]:
        k = st["kind"]
        if k == "message":
            await send(st)
            await expect_echo(st["opcode"], st["data"])
        elif k == "ping":
            await ping(st["data"])
        elif k == "pong":
            await asyncio.wait_for(ws.pong(st["data"]), STEP_TIMEOUT)
        elif k == "burst":
            _set_cork(ws, True)
            try:
                for m in st["messages"]:
                    await send(m)
            finally:
                _set_cork(ws, False)
            for m in st["messages"]:
                await expect_echo(m["opcode"], m["data"])
        elif k == "close":
            await asyncio.wait_for(ws.close(st["code"], st["reason"]), STEP_TIMEOUT)
            if (ws.close_code, ws.close_reason) != (st["code"], st["reason"]):
                raise RuntimeError(f"server closed with {ws.close_code} {ws.close_reason!r}")
            log.write({"ev": "close", "code": ws.close_code, "reason": ws.close_reason})
            print(f"DONE close {ws.close_code} {ws.close_reason}", flush=True)
        else:
            raise RuntimeError(f"unknown step {k}")


# --------------------------------------------------------------------------
# the Chromium page (served by the python server process on CHROMIUM_HTTP_PORT)

PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>ws capture</title></head>
<body><pre id="out">running</pre>
<script>
'use strict';
(async () => {
  const log = [];
  let extensions = null;
  const out = document.getElementById('out');
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  const sha = async (u8) => hex(await crypto.subtle.digest('SHA-256', u8));
  async function report(status, error) {
    out.textContent = status + (error ? ': ' + error : '');
    await fetch('/result', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status, error, extensions, userAgent: navigator.userAgent, log }) });
  }
  try {
    const plan = await (await fetch('/plan.json')).json();
    const load = async (m) => {
      m.bytes = m.file !== undefined ? new Uint8Array(await (await fetch('/' + m.file)).arrayBuffer())
        : new Uint8Array((m.hex.match(/../g) || []).map((h) => parseInt(h, 16)));
    };
    for (const st of plan.steps) {
      if (st.kind === 'message') await load(st);
      if (st.kind === 'burst') for (const m of st.messages) await load(m);
    }
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const encoder = new TextEncoder();
    // The JS value handed to send(): string / ArrayBuffer / Blob / a
    // Uint8Array view at an offset into a larger buffer.
    function value(m) {
      const b = m.bytes;
      switch (m.how) {
        case 'string': return decoder.decode(b);
        case 'arraybuffer': return b.slice().buffer;
        case 'blob': return new Blob([b]);
        case 'view': { const big = new Uint8Array(b.length + 10); big.set(b, 3); return new Uint8Array(big.buffer, 3, b.length); }
      }
      throw new Error('unknown how ' + m.how);
    }
    const ws = new WebSocket('ws://127.0.0.1:' + plan.port + '/');
    ws.binaryType = 'arraybuffer';
    const inbox = [];
    let waiter = null;
    let closed = null;
    ws.onmessage = (ev) => {
      const isText = typeof ev.data === 'string';
      inbox.push({ opcode: isText ? 1 : 2, bytes: isText ? encoder.encode(ev.data) : new Uint8Array(ev.data) });
      if (waiter) { const w = waiter; waiter = null; w(); }
    };
    const closedP = new Promise((resolve) => { ws.onclose = (ev) => { closed = ev; resolve(ev); if (waiter) waiter(); }; });
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('websocket error')); });
    extensions = ws.extensions;
    const next = () => new Promise((resolve, reject) => {
      const take = () => (inbox.length ? resolve(inbox.shift()) : reject(new Error('closed while waiting')));
      if (inbox.length || closed) take(); else waiter = take;
    });
    const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    async function send(m) {
      ws.send(value(m));
      log.push({ ev: 'send', opcode: m.opcode, len: m.bytes.length, sha256: await sha(m.bytes), how: m.how });
    }
    async function expectEcho(m) {
      const got = await next();
      log.push({ ev: 'recv', opcode: got.opcode, len: got.bytes.length, sha256: await sha(got.bytes) });
      if (got.opcode !== m.opcode || !equal(got.bytes, m.bytes)) throw new Error('bad echo of a ' + m.bytes.length + '-byte message');
    }
    for (const st of plan.steps) {
      if (st.kind === 'message') {
        await send(st);
        await expectEcho(st);
      } else if (st.kind === 'burst') {
        // back to back, no await between the sends
        const vals = st.messages.map(value);
        vals.forEach((v) => ws.send(v));
        for (const m of st.messages) log.push({ ev: 'send', opcode: m.opcode, len: m.bytes.length, sha256: await sha(m.bytes), how: m.how });
        for (const m of st.messages) await expectEcho(m);
      } else if (st.kind === 'close') {
        ws.close(st.code, st.reason);
        const ev = await closedP;
        log.push({ ev: 'close', code: ev.code, reason: ev.reason, wasClean: ev.wasClean });
        if (ev.code !== st.code || ev.reason !== st.reason || !ev.wasClean) throw new Error('close ' + ev.code + ' ' + ev.reason);
      } else {
        throw new Error('unknown step ' + st.kind);
      }
    }
    await report('ok');
  } catch (e) {
    await report('error', String(e && e.stack || e));
  }
})();
</script></body></html>
"""


async def serve_page(reader, writer, plan, plan_dir, ws_port, page_result):
    """Minimal HTTP/1.1 (one request per connection) for the Chromium page."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP_TIMEOUT)
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        hdrs = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip()
                for l in lines[1:] if ":" in l}
        body = b""
        if "content-length" in hdrs:
            body = await reader.readexactly(int(hdrs["content-length"]))
        status, ctype, data = 404, "text/plain", b"not found"
        if method == "GET" and path == "/":
            status, ctype, data = 200, "text/html; charset=utf-8", PAGE.encode()
        elif method == "GET" and path == "/plan.json":
            with open(os.path.join(plan_dir, "plan.json")) as f:
                p = json.load(f)
            p["port"] = ws_port
            status, ctype, data = 200, "application/json", json.dumps(p).encode()
        elif method == "GET" and re.fullmatch(r"/payload-\d+\.bin", path):
            with open(os.path.join(plan_dir, path[1:]), "rb") as f:
                status, ctype, data = 200, "application/octet-stream", f.read()
        elif method == "POST" and path == "/result":
            if not page_result.done():
                page_result.set_result(json.loads(body))
            status, ctype, data = 200, "text/plain", b"thanks"
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(data)}\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode() + data)
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


# --------------------------------------------------------------------------
# orchestration

def peer_cmd(impl, role, port, plan_dir, log_path, tls_dir=None):
    if impl == "python":
        cmd = [sys.executable, os.path.abspath(__file__), f"--py-{role}", str(port), plan_dir, log_path]
        return cmd + (["--tls", tls_dir] if tls_dir else [])
    if impl == "node" and not tls_dir:
        return ["node", NODE_PEER, role, str(port), plan_dir, log_path]
    raise ValueError(f"no {impl} {role}" + (" with TLS" if tls_dir else ""))


def chromium_cmd(profile, url):
    return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps",
            "--disable-domain-reliability", "--disable-client-side-phishing-detection",
            "--no-pings", "--metrics-recording-only", "--mute-audio",
            # anything not on loopback goes to a closed loopback port (loopback
            # addresses bypass the proxy by default)
            "--proxy-server=http://127.0.0.1:9", f"--user-data-dir={profile}", url]


def chromium_version():
    out = run(["chromium", "--version"], check=False).stdout.decode(errors="replace")
    m = re.search(r"Chromium [0-9.]+", out)
    return m.group(0) if m else out.strip()


def capture(name, client, server, port, plan_dir, log_dir, out_dir, http_port=None, tls_dir=None):
    """dumpcap + server + client; returns the path of the whole capture.

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
            if os.path.exists(leftover):     # the key log is appended to: start empty
                os.unlink(leftover)
    for f in os.listdir(log_dir):
        os.unlink(os.path.join(log_dir, f))
    dump = Dumpcap(pcap, port)
    procs = []
    chromium = None
    profile = None
    try:
        dump.start()
        scmd = peer_cmd(server, "server", port, plan_dir, os.path.join(log_dir, "server.jsonl"), tls_dir)
        if http_port:
            scmd += ["--http-port", str(http_port)]
        srv = subprocess.Popen(scmd, cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_pin_to_one_cpu)
        procs.append(srv)
        wait_for_line(srv, r"^READY", READY_TIMEOUT, f"{server} server start")
        if client == "chromium":
            profile = tempfile.mkdtemp(prefix="chromium-profile-")
            # own session (process group) so that all of Chromium's processes
            # can be stopped by its group id at the end
            chromium = subprocess.Popen(
                chromium_cmd(profile, f"http://127.0.0.1:{http_port}/"),
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(log_dir, "chromium.log"), "w"),
                preexec_fn=lambda: (os.setsid(), _pin_to_one_cpu()))
            wait_exit(srv, CHROMIUM_TIMEOUT, f"{server} server (with Chromium)")
        else:
            cli = subprocess.Popen(peer_cmd(client, "client", port, plan_dir,
                                            os.path.join(log_dir, "client.jsonl"), tls_dir),
                                   cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=_pin_to_one_cpu)
            procs.append(cli)
            wait_exit(cli, PEER_TIMEOUT, f"{client} client")
            wait_exit(srv, STEP_TIMEOUT, f"{server} server")
        time.sleep(0.5)  # trailing FIN/ACKs
        dump.stop()
    finally:
        if chromium is not None:
            stop_group(chromium)
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        dump.kill()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
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


class Dumpcap:
    """`dumpcap -i lo -f "tcp port PORT"` into pcap (optionally bounded with
    `-a duration:SECONDS`).  start() returns once it captures; stop() ends it
    (SIGINT) and fails if it dropped a packet; kill() (in a finally) stops it
    if still running."""

    def __init__(self, pcap, port, duration=None, log_path=None):
        self.pcap, self.port, self.duration = pcap, port, duration
        self.log_path = log_path
        self.proc = None

    def start(self):
        if self.log_path:
            self.log = open(self.log_path, "w+")
        else:
            self.log = tempfile.TemporaryFile("w+")
        cmd = ["dumpcap", "-i", "lo", "-f", f"tcp port {self.port}", "-B", "64"]
        if self.duration:
            cmd += ["-a", f"duration:{self.duration}"]
        self.proc = subprocess.Popen(cmd + ["-w", self.pcap], stdout=subprocess.DEVNULL, stderr=self.log)
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
        os.chmod(self.pcap, 0o644)
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


def stop_group(proc):
    """Stop the process group led by proc (a Chromium we started)."""
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
# the capture, parsed by this script

def tcp_streams(pcap, port):
    """(c2s bytes, s2c bytes, c2s packet map, s2c packet map) from the TCP
    payloads in packet order; a packet map is a list of (stream offset,
    frame number) of each packet's first byte.  Sequence numbers must be
    contiguous (no gap, no overlap)."""
    out = tshark(["-r", pcap, "-o", "tcp.desegment_tcp_streams:FALSE",
                  "-o", "tcp.relative_sequence_numbers:TRUE", "-Y", "tcp.len > 0",
                  "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "tcp.srcport",
                  "-e", "tcp.seq", "-e", "tcp.payload", "-e", "tcp.stream"], timeout=300)
    data = {"c2s": bytearray(), "s2c": bytearray()}
    pmap = {"c2s": [], "s2c": []}
    base = {}
    streams = set()
    for line in out.splitlines():
        if not line.strip():
            continue
        fnum, sport, seq, payload, stream = line.split("|")
        streams.add(stream)
        d = "s2c" if int(sport) == port else "c2s"
        seq = int(seq)
        base.setdefault(d, seq)
        if seq - base[d] != len(data[d]):
            die(f"{pcap}: frame {fnum}: {d} sequence {seq - base[d]} but {len(data[d])} bytes so far")
        pmap[d].append((len(data[d]), int(fnum)))
        data[d] += bytes.fromhex(payload.replace(":", ""))
    if len(streams) != 1:
        die(f"{pcap}: expected one TCP connection, found {len(streams)}")
    return bytes(data["c2s"]), bytes(data["s2c"]), pmap["c2s"], pmap["s2c"]


def tls_streams(pcap):
    """(c2s bytes, s2c bytes) of the TLS application data, decrypted by tshark
    with the key log embedded in the capture (`-z follow,tls,raw`: one hex
    line per record's data, the second node's lines indented)."""
    out = tshark(["-r", pcap] + TLS_TSHARK_PREFS + ["-q", "-z", "follow,tls,raw,0"], timeout=300)
    sides = {False: bytearray(), True: bytearray()}
    lines = out.splitlines()
    start = next((i + 1 for i, l in enumerate(lines) if l.startswith("Node 1:")), len(lines))
    for line in lines[start:]:
        if line.startswith("="):
            break
        if not line.strip():
            continue
        sides[line.startswith("\t")] += bytes.fromhex(line.strip())
    a, b = bytes(sides[False]), bytes(sides[True])
    if b.startswith(b"GET "):
        a, b = b, a
    if not a.startswith(b"GET ") or not b.startswith(b"HTTP/1.1 101"):
        die(f"{pcap}: no decrypted HTTP handshake in the TLS application data")
    return a, b


def packet_at(pmap, offset):
    """Frame number of the packet holding stream byte `offset` (None: no
    packet map, TLS)."""
    if pmap is None:
        return None
    lo, hi = 0, len(pmap) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pmap[mid][0] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return pmap[lo][1]


def parse_http(data, what):
    end = data.find(b"\r\n\r\n")
    if end < 0:
        die(f"no end of the HTTP {what} headers")
    lines = data[:end].decode("latin-1").split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        k, v = l.split(":", 1)
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], hdrs, end + 4


def parse_pmd(value):
    """Negotiated permessage-deflate parameters from the response header."""
    if not value:
        return None
    exts = [e.strip() for e in value.split(",")]
    if len(exts) != 1:
        die(f"unexpected extensions {value!r}")
    parts = [p.strip() for p in exts[0].split(";")]
    if parts[0] != "permessage-deflate":
        die(f"unexpected extension {value!r}")
    params = {"server_no_context_takeover": False, "client_no_context_takeover": False,
              "server_max_window_bits": 15, "client_max_window_bits": 15}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        k = k.strip()
        v = v.strip().strip('"')
        if k.endswith("no_context_takeover"):
            params[k] = True
        elif k.endswith("max_window_bits"):
            params[k] = int(v)
        else:
            die(f"unknown permessage-deflate parameter {p!r}")
    return params


def parse_frames(data, pos, pmap):
    frames = []
    while pos < len(data):
        start = pos
        if len(data) - pos < 2:
            die(f"truncated frame header at stream offset {pos}")
        b0, b1 = data[pos], data[pos + 1]
        pos += 2
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(data[pos:pos + 2], "big")
            pos += 2
        elif n == 127:
            n = int.from_bytes(data[pos:pos + 8], "big")
            pos += 8
        key = None
        if b1 & 0x80:
            key = data[pos:pos + 4]
            pos += 4
        payload = data[pos:pos + n]
        if len(payload) != n:
            die(f"truncated frame payload at stream offset {start}")
        pos += n
        if key:
            k = (key * (n // 4 + 1))[:n]
            payload = (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")
        frames.append({"fin": bool(b0 & 0x80), "rsv1": bool(b0 & 0x40), "rsv23": b0 & 0x30,
                       "opcode": b0 & 0x0F, "mask": bool(key), "len": n, "payload": payload,
                       "offset": start, "packet": packet_at(pmap, pos - 1)})
    return frames


def assemble(frames, direction, pmd):
    """Messages (control frames and reassembled, inflated data messages) in
    order of completion.  pmd: negotiated parameters or None."""
    sender = "client" if direction == "c2s" else "server"
    bits = pmd and pmd[f"{sender}_max_window_bits"]
    no_ctx = pmd and pmd[f"{sender}_no_context_takeover"]
    inflater = zlib.decompressobj(wbits=-bits) if pmd else None
    out = []
    cur = None
    for fr in frames:
        if fr["rsv23"]:
            die(f"{direction}: RSV2/RSV3 set")
        if fr["mask"] != (direction == "c2s"):
            die(f"{direction}: wrong mask bit")
        op = fr["opcode"]
        if op >= 8:
            if not fr["fin"] or fr["rsv1"] or fr["len"] > 125:
                die(f"{direction}: bad control frame")
            out.append({"opcode": op, "data": fr["payload"], "frames": [fr], "compressed": False})
            continue
        if op in (OP_TEXT, OP_BINARY):
            if cur is not None:
                die(f"{direction}: new message inside a fragmented one")
            if fr["rsv1"] and not pmd:
                die(f"{direction}: RSV1 without permessage-deflate")
            cur = {"opcode": op, "frames": [], "compressed": fr["rsv1"]}
        elif op == OP_CONT:
            if cur is None:
                die(f"{direction}: continuation without a message")
            if fr["rsv1"]:
                die(f"{direction}: RSV1 on a continuation frame")
        else:
            die(f"{direction}: reserved opcode {op}")
        cur["frames"].append(fr)
        if fr["fin"]:
            raw = b"".join(f["payload"] for f in cur["frames"])
            if cur["compressed"]:
                if no_ctx:
                    inflater = zlib.decompressobj(wbits=-bits)
                try:
                    data = inflater.decompress(raw + b"\x00\x00\xff\xff")
                except zlib.error as e:
                    die(f"{direction}: inflate failed ({e}) at stream offset {cur['frames'][0]['offset']}")
                if inflater.unconsumed_tail or inflater.eof:
                    die(f"{direction}: inflate did not consume the message")
            else:
                data = raw
            if cur["opcode"] == OP_TEXT:
                data.decode("utf-8")    # raises on invalid UTF-8
            cur["data"] = data
            out.append(cur)
            cur = None
    if cur is not None:
        die(f"{direction}: capture ends inside a fragmented message")
    return out


def analyse(pcap, port, tls=False):
    if tls:
        (c2s, s2c), pm_c, pm_s = tls_streams(pcap), None, None
    else:
        c2s, s2c, pm_c, pm_s = tcp_streams(pcap, port)
    req_line, req_h, req_end = parse_http(c2s, "request")
    resp_line, resp_h, resp_end = parse_http(s2c, "response")
    if not req_line.startswith("GET ") or not resp_line.startswith("HTTP/1.1 101"):
        die(f"{pcap}: handshake is {req_line!r} / {resp_line!r}")
    offered = ", ".join(req_h.get("sec-websocket-extensions", [])) or None
    accepted = ", ".join(resp_h.get("sec-websocket-extensions", [])) or None
    pmd = parse_pmd(accepted)
    res = {"offered": offered, "accepted": accepted, "pmd": pmd,
           "user_agent": (req_h.get("user-agent") or [None])[0],
           "origin": (req_h.get("origin") or [None])[0], "frames": {}, "messages": {},
           "req_packet": packet_at(pm_c, 0), "resp_packet": packet_at(pm_s, resp_end - 1),
           "first_frame_packet": {}}
    for d, data, pmap, pos in (("c2s", c2s, pm_c, req_end), ("s2c", s2c, pm_s, resp_end)):
        frames = parse_frames(data, pos, pmap)
        res["frames"][d] = frames
        res["messages"][d] = assemble(frames, d, pmd)
        res["first_frame_packet"][d] = packet_at(pmap, pos) if pos < len(data) else None
    if tls:
        # where tshark shows the decrypted request and response
        rows = [l.split("|") for l in tshark(["-r", pcap] + TLS_TSHARK_PREFS + [
            "-Y", "http", "-T", "fields", "-E", "separator=|", "-e", "frame.number",
            "-e", "http.request.method", "-e", "http.response.code"]).splitlines() if l.strip()]
        reqs = [int(r[0]) for r in rows if r[1] == "GET"]
        resps = [int(r[0]) for r in rows if r[2] == "101"]
        if len(reqs) != 1 or len(resps) != 1 or len(rows) != 2:
            die(f"{pcap}: expected exactly one GET and one 101, tshark shows {rows}")
        res["req_packet"], res["resp_packet"] = reqs[0], resps[0]
    return res


# --------------------------------------------------------------------------
# checks

def check_logs(name, log_dir, truth_msgs, client):
    """The peers' logs: what each side sent and received must be the plan."""
    def load(path):
        with open(path) as f:
            return [json.loads(l) for l in f if l.strip()]

    srv = load(os.path.join(log_dir, "server.jsonl"))
    if client == "chromium":
        with open(os.path.join(log_dir, "server-page.json")) as f:
            page = json.load(f)
        cli = page["log"]
    else:
        page = None
        cli = load(os.path.join(log_dir, "client.jsonl"))
    key = lambda e: (e["opcode"], e["len"], e["sha256"])  # noqa: E731
    want = {d: [(op, len(data), hashlib.sha256(data).hexdigest())
                for dd, op, data, _ in truth_msgs if dd == d and op in (OP_TEXT, OP_BINARY)]
            for d in ("c2s", "s2c")}
    got = {("c2s", "send"): [key(e) for e in cli if e["ev"] == "send"],
           ("c2s", "recv"): [key(e) for e in srv if e["ev"] == "recv"],
           ("s2c", "send"): [key(e) for e in srv if e["ev"] == "send"],
           ("s2c", "recv"): [key(e) for e in cli if e["ev"] == "recv"]}
    for (d, ev), lst in got.items():
        if lst != want[d]:
            die(f"{name}: {d} {ev} log ({len(lst)} messages) differs from the plan "
                f"({len(want[d])} messages)")
    def seen(log):
        """The response's Sec-WebSocket-Extensions as the peer saw it (node
        peers log the header lines, python peers the response headers at open)."""
        for e in log:
            if e.get("ev") == "response-headers":
                return e["extensions"]
        for e in log:
            if e.get("ev") == "open":
                return e["extensions"]
        die(f"{name}: a peer log has no open event")

    opens = {"server": seen(srv)}
    if page is None:
        opens["client"] = seen(cli)
    opens_page = page and {k: page.get(k) for k in ("extensions", "userAgent")}
    return opens, opens_page


def check_capture(name, ana, truth_msgs, client, server, expect_pmd):
    """The capture, parsed here, against the truth; returns the truth entries."""
    if bool(ana["pmd"]) != expect_pmd:
        die(f"{name}: permessage-deflate negotiated: {ana['accepted']!r}, expected "
            f"{'some' if expect_pmd else 'none'}")
    entries = []
    by_dir = {"c2s": [], "s2c": []}
    for d, op, data, frames in truth_msgs:
        by_dir[d].append((op, data, frames))
    got_entries = {}
    for d in ("c2s", "s2c"):
        want, got = by_dir[d], ana["messages"][d]
        if len(want) != len(got):
            die(f"{name}: {d}: truth has {len(want)} messages, the capture {len(got)}")
        impl = client if d == "c2s" else server
        lst = []
        for i, ((op, data, nfr), g) in enumerate(zip(want, got)):
            where = f"{name}: {d} message #{i} (packet {g['frames'][-1]['packet']})"
            if g["opcode"] != op or g["data"] != data:
                die(f"{where}: want opcode {op} len {len(data)}, the capture has opcode "
                    f"{g['opcode']} len {len(g['data'])}" + (" (same length, other bytes)"
                                                          if len(data) == len(g['data']) else ""))
            if nfr is not None and len(g["frames"]) != nfr:
                die(f"{where}: {len(g['frames'])} frames, the sender should have used {nfr}")
            if op in (OP_TEXT, OP_BINARY) and expect_pmd and impl != "chromium" and not g["compressed"]:
                die(f"{where}: not compressed ({impl} compresses every message)")
            lst.append(truth_entry(d, op, data, len(g["frames"]), g["compressed"]))
        got_entries[d] = lst
    # interleave back into the truth's (causal) order
    idx = {"c2s": 0, "s2c": 0}
    for d, *_ in truth_msgs:
        entries.append(got_entries[d][idx[d]])
        idx[d] += 1
    return entries


def _find(tree, key):
    """Depth-first search in an ordered tshark json tree (lists of pairs)."""
    if isinstance(tree, list):
        for item in tree:
            if isinstance(item, tuple) and len(item) == 2:
                if item[0] == key:
                    return item[1]
                r = _find(item[1], key)
            else:
                r = _find(item, key)
            if r is not None:
                return r
    return None


PAYLOAD_LAYERS = ("data_raw", "data-text-lines_raw")


def tshark_frames(pcap, port, tls=False):
    """Frames as tshark's built-in dissector shows them (handshake seen), per
    direction: packet, fin, rsv1 (websocket.pmc), opcode, mask, len and
    `shown`: the payload bytes of the data layer tshark puts after the frame
    (`data` / `data-text-lines`: the unmasked, decompressed, reassembled
    payload as far as tshark gets; None when it adds none) or, for control
    frames, the ping/pong bytes and close code/reason."""
    args = ["-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE"] + (TLS_TSHARK_PREFS if tls else []) + [
            "-Y", "websocket",
            "-T", "json", "-x", "-J", "frame tcp websocket data data-text-lines"]
    packets = json.loads(tshark(args, timeout=300), object_pairs_hook=lambda pairs: pairs)
    out = {"c2s": [], "s2c": []}
    for pkt in packets:
        layers = _find(pkt, "layers")
        fnum = int(_find(layers, "frame.number"))
        sport = int(_find(_find(layers, "tcp"), "tcp.srcport"))
        d = "s2c" if sport == port else "c2s"
        cur = None
        for key, val in layers:
            if key == "websocket":
                f = lambda k: _find(val, k)  # noqa: E731
                plen = int(f("websocket.payload_length"))
                if plen == 126:
                    plen = int(f("websocket.payload_length_ext_16"))
                elif plen == 127:
                    plen = int(f("websocket.payload_length_ext_64"))
                cur = {"packet": fnum, "fin": f("websocket.fin") in ("1", "True"),
                       "rsv1": f("websocket.pmc") in ("1", "True"),
                       "opcode": int(f("websocket.opcode")),
                       "mask": f("websocket.mask") in ("1", "True"), "len": plen, "shown": None,
                       "fragments": f("websocket.fragment.count")}
                op = cur["opcode"]
                if op in (OP_PING, OP_PONG):
                    raw = f("websocket.payload.ping_raw" if op == OP_PING else "websocket.payload.pong_raw")
                    cur["shown"] = bytes.fromhex(raw[0]) if raw else b""
                elif op == OP_CLOSE:
                    code = f("websocket.payload.close.status_code")
                    reason = f("websocket.payload.close.reason")
                    cur["shown"] = (close_payload(int(code), reason or "") if code is not None
                                    else b"")
                out[d].append(cur)
            elif key in PAYLOAD_LAYERS and cur is not None:
                cur["shown"] = bytes.fromhex(val[0])
    return out


def check_tshark(name, pcap, port, ana, tls=False):
    """Per frame: tshark's opcode, FIN, RSV1 (pmc), mask and length must be
    those parsed here, in the same packet (TLS: the packet is not known
    here).  Returns tshark's frames."""
    tf = tshark_frames(pcap, port, tls)
    for d in ("c2s", "s2c"):
        mine = ana["frames"][d]
        theirs = tf[d]
        if len(mine) != len(theirs):
            die(f"{name}: {d}: {len(mine)} frames parsed here, tshark shows {len(theirs)}")
        for i, (m, t) in enumerate(zip(mine, theirs)):
            for k in ("fin", "rsv1", "opcode", "mask", "len", "packet"):
                if m[k] != t[k] and not (k == "packet" and m[k] is None):
                    die(f"{name}: {d} frame #{i} (packet {t['packet']}): {k} here {m[k]}, "
                        f"tshark {t[k]}")
    return tf


# --------------------------------------------------------------------------
# cut and stats

def make_nohs(pcap, cut, port, plain_tcp=True, prefs=()):
    """`editcap -r` from the packet after `cut` (the 101 response) to the end;
    checks that no HTTP bytes are left and that each direction's first
    payload byte starts a WebSocket frame.  Returns (path, packets,
    description of its first packet, the protocols tshark gives its payload
    packets above TCP).  plain_tcp: every packet must be plain TCP (as on a
    port no dissector owns); if a built-in heuristic dissector claims one
    (the masking keys are random), (None, reason, None, None): the caller
    records again."""
    nohs = pcap[:-len(".pcapng")] + "-nohs.pcapng"
    if os.path.exists(nohs):
        os.unlink(nohs)
    total = packet_count(pcap)
    if total <= cut:
        die(f"{pcap}: nothing after the handshake")
    # editcap 4.0 has no open-ended ranges ("N-"), so give the last packet.
    run(["editcap", "-r", pcap, nohs, f"{cut + 1}-{total}"])
    os.chmod(nohs, 0o644)
    out = tshark(["-r", nohs] + list(prefs) + [
        "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "frame.protocols",
        "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.payload"], timeout=300)
    first = {}
    npk = 0
    first_desc = "?"
    above = set()
    for line in out.splitlines():
        if not line.strip():
            continue
        npk += 1
        fnum, protos, sport, tlen, payload = line.split("|")
        if npk == 1:
            who = "server" if int(sport) == port else "client"
            first_desc = (f"a pure ACK from the {who}" if int(tlen) == 0
                          else f"{tlen} payload bytes from the {who}")
        if plain_tcp and not re.fullmatch(r"(eth|sll):ethertype:ip:tcp(:data)?", protos):
            return None, f"frame {fnum} decoded as {protos}, expected plain TCP", None, None
        if int(tlen) > 0:
            above.add(protos.split(":tcp", 1)[1].lstrip(":") or "tcp only")
            raw = bytes.fromhex(payload.replace(":", ""))
            if raw.startswith(b"GET ") or raw.startswith(b"HTTP/"):
                die(f"{nohs}: frame {fnum} still carries HTTP bytes")
            first.setdefault("s2c" if int(sport) == port else "c2s", raw)
    for d, raw in first.items():
        if raw[0] & 0x30 or (raw[0] & 0x0F) not in (0, 1, 2, 8, 9, 10):
            die(f"{nohs}: first {d} payload byte {raw[0]:#04x} is not a WebSocket frame header")
    return nohs, npk, first_desc, sorted(above)


def stats(ana, tf):
    s = {}
    for d in ("c2s", "s2c"):
        frames = ana["frames"][d]
        msgs = ana["messages"][d]
        data_msgs = [m for m in msgs if m["opcode"] in (OP_TEXT, OP_BINARY)]
        frag = [m for m in data_msgs if len(m["frames"]) > 1]
        per_pkt = {}
        for f in tf[d]:   # tshark's packets: the same as here, and known for TLS too
            per_pkt[f["packet"]] = per_pkt.get(f["packet"], 0) + 1
        s[d] = {
            "frames": len(frames),
            "rsv1": sum(1 for f in frames if f["rsv1"]),
            "cont": sum(1 for f in frames if f["opcode"] == OP_CONT),
            "data_msgs": len(data_msgs),
            "control": sum(1 for m in msgs if m["opcode"] >= 8),
            "compressed_msgs": sum(1 for m in data_msgs if m["compressed"]),
            "fragmented": [(len(m["data"]), [f["len"] for f in m["frames"]],
                            m["frames"][0]["packet"], m["frames"][-1]["packet"],
                            m["opcode"], m["compressed"]) for m in frag],
            "wire_payload": sum(f["len"] for f in frames if f["opcode"] < 8),
            "app_payload": sum(len(m["data"]) for m in data_msgs),
            "coalesced": sorted(p for p, n in per_pkt.items() if n >= 2),
            "maxper": max(per_pkt.values() or [0]),
        }
    return s


# --------------------------------------------------------------------------
# README

def readme_header(vers):
    return [
        "# Recorded WebSocket captures",
        "",
        "Written by `/usr/bin/python3 tests/captures/record.py` (`--only NAME` redoes one,",
        "`--list` prints the scenario table).  One program records them all: every",
        "recording is a row of its table `SCENARIOS` (name, client, server, server port,",
        "plan, the client's and the server's extension configuration, options); the python",
        "peers are record.py itself (`--py-server` / `--py-client`), the node peer is",
        "`tests/captures/node/peer.js` (npm `ws`, pinned by package-lock.json), Chromium",
        "runs the page embedded in record.py.  Debian 12, loopback 127.0.0.1 only,",
        "captured with `dumpcap -i lo -f \"tcp port PORT\"`; both peers pinned to one CPU",
        "(on a multi-CPU machine loopback packets sent from different CPUs can reach the",
        "capture ring out of order, and tshark then cannot reassemble); a recording is redone",
        f"(at most {MAX_ATTEMPTS} attempts) if tshark flags any TCP anomaly (out-of-order, lost",
        "segment, retransmission, duplicate ACK) or if some built-in heuristic dissector",
        "claims a packet of the `-nohs` file (the masking keys are random, and e.g. the Thrift",
        "or `lbmsrs` heuristic sometimes accepts a small masked frame, a 64-bit length header",
        "or compressed bytes).  Everything is deterministic except what the kernel decides:",
        "timestamps, the client's ephemeral port, TCP sequence numbers, masking keys and",
        "segmentation.  Payloads are seeded.",
        "",
        "Per recording NAME: `NAME.pcapng` (whole: TCP handshake, HTTP Upgrade, frames,",
        "closing handshake, FIN/ACKs), `NAME-nohs.pcapng` (the packets after the 101",
        "response only, cut with `editcap -r NAME.pcapng NAME-nohs.pcapng FIRST-LAST`, so no",
        "HTTP bytes remain; not for TLS) and `NAME.truth.json`.",
        "",
        "Truth: the application messages as sent, per direction in order of completion on",
        "the wire: a compressed message has its UNCOMPRESSED payload, a fragmented message",
        "the whole reassembled payload and the opcode of its first frame; control frames as",
        "they are (auto-pongs and both close frames included; a ping sent between two",
        "fragments of a message comes before that message, its pong before the echo).",
        "`len`, `sha256` and `hex` (up to 512 bytes) are of that payload; `frames`: how many",
        "WebSocket frames carried it; `compressed`: RSV1 on its first frame; at the top",
        "`extensions`, the negotiated `Sec-WebSocket-Extensions` (null: none).",
        "",
        "How record.py checks the truth: (1) every peer logs each data message it sent",
        "and received (python and node peers; the Chromium page POSTs its log); the senders'",
        "and receivers' logs must equal the plan, and each peer compares every message it",
        "receives with the plan byte for byte; (2) it takes each direction's TCP byte",
        "stream from the capture (sequence numbers contiguous; for wss-py-py the TLS",
        "application data tshark decrypts with the embedded key log), parses the HTTP",
        "handshake and every frame, unmasks, reassembles and inflates (RFC 7692 with the",
        "negotiated window bits and context takeover; a sender using a larger window than",
        "negotiated would fail) and requires exactly the truth's messages (all bytes),",
        "`frames` as the sending library does it, and RSV1 on every data message of the",
        "libraries that always compress; (3) tshark's built-in dissector (handshake seen,",
        "`-o tcp.desegment_tcp_streams:TRUE`) must show the same frames in the same packets",
        "(opcode, FIN, RSV1 as `websocket.pmc`, mask bit, payload length), and the payload",
        "bytes of every message it is known to handle (control frames with tshark's own",
        "close code/reason decoding; single-frame messages fully unmasked, i.e. unmasked or",
        "masked up to 256 KiB; compressed ones while its inflate state is intact); for a",
        "masked uncompressed frame longer than 256 KiB, of which tshark unmasks only the",
        "start, that start.",
        "",
        "What tshark 4.0's built-in dissector shows of the compressed and fragmented ones",
        "(with the handshake; the payload is in the `data` / `data-text-lines` layer after",
        "each frame, the data source \"Decompressed payload\"; `websocket.payload.text` holds",
        "decompressed text):",
        "",
        "- single-frame compressed messages are inflated, with context takeover, window bits",
        "  and no_context_takeover honoured;",
        "- an empty compressed message (payload `00`) is shown as that 1 compressed byte, not",
        "  as empty;",
        "- masked frames are unmasked only up to 256 KiB: a compressed masked frame longer",
        "  than that inflates to a garbage tail, and with context takeover every later",
        "  compressed message of that direction is then wrong too (deflate-py-py c2s);",
        "- uncompressed fragmented messages are reassembled (`websocket.fragments`) except",
        "  around empty fragments: a message with empty fragments shows nothing and the next",
        "  fragmented message gets extra bytes in front (frag-node-py);",
        "- compressed fragmented messages are not inflated right (the reassembled data is not",
        "  the message), which also breaks the inflate state for what follows",
        "  (deflate-frag-py-py, chromium-py).",
        "",
        "Each section's last lines count what tshark shows right per direction.  With the",
        "ws plugin not loaded, tshark 4.0 shows the `-nohs` files as plain TCP (record.py",
        "checks `frame.protocols` is `eth:ethertype:ip:tcp[:data]`); use",
        "`-d tcp.port==PORT,websocket` (or the plugin) to decode them.",
        "",
        "Versions: " + "; ".join(f"{k}: {v}" for k, v in sorted(vers.items())),
        "",
    ]


def fmt_frag(fr):
    n, sizes, p0, p1, op, comp = fr
    s = ",".join(str(x) for x in sizes) if len(sizes) <= 8 else \
        ",".join(str(x) for x in sizes[:6]) + f",... ({len(sizes)} frames)"
    return (f"{'text' if op == 1 else 'binary'} {n} B in {len(sizes)} frames [{s}] "
            f"packets {p0}-{p1}{' compressed' if comp else ''}")


def readme_section(r):
    name = r["name"]
    st = r["stats"]
    L = [f"## {name}", ""]
    L.append(f"- client: {r['client_v']}; server: {r['server_v']}")
    L += [f"- {line}" for line in r["how"]]
    L.append(f"- server port: {r['port']} (127.0.0.1), client port ephemeral")
    L.append(f"- command: `/usr/bin/python3 tests/captures/record.py --only {name}` (server: "
             f"`{r['server_cmd']}`" + (f"; client: `{r['client_cmd']}`" if r["client_cmd"] else "")
             + "; PLANDIR holds plan.json and the large payloads, LOG is the peer's log"
             + ("; TLSDIR the certificate, its key and the key log" if r["tls"] else "") + ")")
    q = lambda v: f"`{v}`" if v else "none"  # noqa: E731
    L.append(f"- offered (request `Sec-WebSocket-Extensions`): {q(r['offered'])}")
    L.append(f"- negotiated (101 response): {q(r['accepted'])}"
             + (f" -> client->server: window {r['pmd']['client_max_window_bits']} bits, "
                f"{'no ' if r['pmd']['client_no_context_takeover'] else ''}context takeover; "
                f"server->client: window {r['pmd']['server_max_window_bits']} bits, "
                f"{'no ' if r['pmd']['server_no_context_takeover'] else ''}context takeover"
                if r["pmd"] else " (no compression)"))
    if r.get("user_agent"):
        L.append(f"- User-Agent: `{r['user_agent']}`; Origin: `{r['origin']}`")
    if r["tls"]:
        t = r["tls"]
        L += [
            f"- transport: WebSocket over TLS, `wss://127.0.0.1:{r['port']}/`, {t['version']}, "
            f"cipher suite {t['cipher']}; server certificate: throwaway self-signed RSA-2048 "
            f"certificate for 127.0.0.1, made at record time with `{' '.join(TLS_CERT_CMD)}` and "
            "deleted afterwards; the client trusts only it and checks it (host name included)",
            "- TLS secrets: the client writes them in NSS key log format (python "
            "`SSLContext.keylog_filename`); record.py embeds the key log into the capture with "
            "`editcap --inject-secrets tls,KEYLOG raw.pcapng injected.pcapng` (a pcapng Decryption "
            f"Secrets Block) and copies it with `tshark -r injected.pcapng -w {name}.pcapng` (editcap "
            "4.0 puts the secrets block before the interface block, and editcap/mergecap 4.0 then "
            "refuse to read the file; tshark writes the interface block first).  The file decrypts "
            f"stand-alone, without a key log preference: `tshark -r {name}.pcapng -Y http` shows the "
            "GET and the 101, `-Y websocket` the frames (built-in dissector).  record.py checks that "
            "the capture without the secrets shows neither HTTP nor WebSocket, and that a copy made "
            "with editcap still decrypts.  tshark finds TLS on the port with its TLS-over-TCP "
            "heuristic and HTTP inside with the HTTP-over-TLS heuristic (no ALPN is sent)",
            f"- the built-in dissector is run with `{' '.join(TLS_TSHARK_PREFS)}`; a WebSocket "
            "frame may span several TLS records and TCP segments, tshark shows it in the packet "
            "that completes it; each corked frame is a TLS record of its own, the records share "
            "one TCP segment",
            f"- `{name}.pcapng`: {r['size']} bytes, {r['packets']} packets; HTTP request "
            f"(decrypted) in frame {r['req_frame']}, 101 response in frame {r['cut']}; only the "
            "whole form: without its TLS handshake a capture cannot be decrypted, so there is no "
            "`-nohs` (or `-midframe`) file",
        ]
    else:
        L.append(f"- `{name}.pcapng`: {r['size']} bytes, {r['packets']} packets; HTTP request in "
                 f"frame {r['req_frame']}, 101 response (the cut point) in frame {r['cut']}")
        L.append(f"- `{name}-nohs.pcapng`: {r['nohs_size']} bytes, {r['nohs_packets']} packets: "
                 f"`editcap -r {name}.pcapng {name}-nohs.pcapng {r['cut'] + 1}-{r['packets']}` "
                 f"(its frame 1 = frame {r['cut'] + 1}, {r['first']})")
    for d, who in (("c2s", "client->server"), ("s2c", "server->client")):
        s = st[d]
        L.append(f"- {who}: {s['frames']} frames ({s['rsv1']} with RSV1, {s['cont']} "
                 f"continuation), {s['data_msgs']} data messages ({s['compressed_msgs']} "
                 f"compressed) + {s['control']} control frames; data payload "
                 f"{s['app_payload']} bytes as sent, {s['wire_payload']} bytes on the wire; "
                 f"{len(s['fragmented'])} fragmented messages"
                 + (":" if s["fragmented"] else ""))
        for fr in s["fragmented"]:
            L.append(f"  - {fmt_frag(fr)}")
        L.append(f"  - packets with >= 2 frames: {len(s['coalesced'])} (up to {s['maxper']} "
                 f"in one; first: {s['coalesced'][:5]})")
    L += [f"- {line}" for line in r["notes"]]
    L.append("")
    return L


def update_readme(out_dir, results, vers):
    """README-recordings.md: the header, then one section per row of
    SCENARIOS in table order; the sections of recordings not made in this run
    (--only, or chromium missing) stay as they are, and so do sections of
    other titles (the impls/ notes), after them."""
    path = os.path.join(out_dir, "README-recordings.md")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            for sec in re.split(r"(?m)^(?=## )", f.read())[1:]:
                old[sec.splitlines()[0]] = sec.rstrip("\n") + "\n"
    new = {f"## {r['name']}": "\n".join(readme_section(r)).rstrip("\n") + "\n" for r in results}
    parts = ["\n".join(readme_header(vers)).rstrip("\n") + "\n"]
    for sc in SCENARIOS:
        t = f"## {sc[0]}"
        if t in new or t in old:
            parts.append(new.get(t) or old[t])
    ours = {f"## {sc[0]}" for sc in SCENARIOS}
    parts += [sec for t, sec in old.items() if t not in ours]
    with open(path, "w") as f:
        f.write("\n".join(parts))


# --------------------------------------------------------------------------

PLAIN_HOW = [
    "compression off on both sides (python `compression=None`, node `perMessageDeflate: "
    "false`); record.py checks that neither the request nor the 101 response carries "
    "`Sec-WebSocket-Extensions`",
    "traffic (plan `plain`; the client drives, the server echoes every data message with the "
    "same opcode and payload, the client waits for each echo): text and binary messages of "
    "{sizes} bytes (text: valid UTF-8, mostly ASCII with 2/3/4-byte characters, exact byte "
    "length; binary: seeded random bytes), i.e. 7-bit, 16-bit and 64-bit length encodings, "
    "each one frame; client ping `ping-1` answered by the server library's automatic pong; "
    "unsolicited client pong `pong-1`; text `cmd:server-ping`: the server sends ping "
    "`srv-ping-1`, waits for the client library's automatic pong, then echoes the text; a "
    "burst of 40 text messages of 10-40 bytes written with the socket corked (python "
    "`TCP_CORK`, node `socket.cork()`), so many frames share a TCP segment, the server "
    "batching its echoes the same way; close 1000 `bye` from the client, answered with a "
    "close frame that echoes code and reason",
]


HOW = {
    "py-py": [PLAIN_HOW[0], PLAIN_HOW[1].format(sizes=", ".join(map(str, PLAIN_SIZES)))],
    "node-node": [PLAIN_HOW[0], "traffic: as py-py"],
    "py-node": [PLAIN_HOW[0], "traffic: as py-py"],
    "node-py": [PLAIN_HOW[0], "traffic: as py-py"],
    "wss-py-py": [PLAIN_HOW[0], "traffic: as py-py without the two 1,000,000-byte messages "
                  "(plan `plain-wss`, sizes " + ", ".join(map(str, WSS_SIZES)) + ") to keep the "
                  "file small; 65536 still has the 64-bit length encoding"],
    "deflate-py-py": [
        "both sides `websockets.connect/serve(..., compression=\"deflate\")` (the library "
        "default: offers `client_max_window_bits`, compress_settings memLevel 5, context "
        "takeover); python compresses every data message, empty ones too",
        "traffic: text (JSON-lines-ish, with 2/3/4-byte UTF-8) and binary (random blocks "
        "repeated with mutations and noise) of 0, 1, 125, 1000, 65536, 1000000 bytes, each "
        "echoed; client ping `ping-1`; unsolicited pong `pong-1`; `cmd:server-ping` (server "
        "ping `srv-ping-1` before the echo); corked burst of 40 small messages (every 5th "
        "binary) echoed corked; close 1000 `bye`",
    ],
    "deflate-node-node": [
        "both sides ws `perMessageDeflate: { threshold: 0 }` (ws compresses every message, "
        "empty ones too; it offers `client_max_window_bits`)",
        "traffic: as deflate-py-py",
    ],
    "deflate-py-node-nocontext": [
        "python client `extensions=[ClientPerMessageDeflateFactory(server_no_context_takeover="
        "True, client_no_context_takeover=True, server_max_window_bits=10, "
        "client_max_window_bits=11, compress_settings={\"memLevel\": 5})]`; ws server "
        "`perMessageDeflate: { threshold: 0, serverNoContextTakeover: true, "
        "clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 }`",
        "every message is compressed on its own (fresh deflate state per message, both "
        "directions) with a 2 KiB (client) / 1 KiB (server) window; record.py inflates "
        "with exactly those window sizes, so a sender using a larger window would fail",
        "traffic: as deflate-py-py",
    ],
    "frag-node-py": [
        "ws client (`perMessageDeflate: false`) sends fragmented messages with "
        "`ws.send(piece, { fin: false })` ... `{ fin: true }`; python server "
        "(`compression=None`) echoes each whole message, some of them fragmented with "
        "`ws.send(iterable)` (python ends a fragmented message with an empty FIN "
        "continuation frame)",
        "traffic: a text message whose fragment boundaries fall inside a 2-, a 3- and a "
        "4-byte UTF-8 character; binary in fragments of 1000, 1, 5000 bytes; a text message "
        "with a ping (`mid-message-ping`) after its 2nd fragment and a binary one with a "
        "ping (`ping-between-fragments`) after its 1st (each pong arrives mid-message); "
        "text in fragments 0,5,0,11,0 bytes (empty first, middle and last fragment); an "
        "empty binary message in two empty fragments; an unfragmented text; 200000 bytes "
        "binary in fragments 70000,60000,70000 (64-bit and 16-bit lengths) echoed in two; "
        "300 bytes of text in 60 fragments of 5 bytes written corked (many continuation "
        "frames per packet); 100000 bytes of text in 65536+34464 echoed in 4 fragments; "
        "an unfragmented 125-byte binary; client ping `ping-1`; `cmd:server-ping`; a corked "
        "burst of 12 messages, each in 3 fragments (thirds, so a boundary may fall inside a "
        "character); "
        "close 1000 `bye`",
    ],
    "deflate-frag-py-py": [
        "both sides python `compression=\"deflate\"` (context takeover); fragmented sends "
        "with `ws.send(iterable)` / `ws.send(async iterable)` (the async one sends a ping "
        "between its 1st and 2nd fragment and waits for the pong); python compresses each "
        "fragment with Z_SYNC_FLUSH (each frame's deflate data ends `00 00 ff ff`, an "
        "empty fragment is `00 00 00 ff ff`), RSV1 only on the first frame, and ends the "
        "message with a FIN continuation frame for the empty last piece: `00 00 00 ff ff` "
        "with the trailer removed, 1 byte `00` on the wire",
        "traffic: 20000 bytes of text in 5 fragments; 100000 bytes binary in 40000+20000+"
        "40000 echoed in 2; 3000 bytes of text in 3 fragments with a ping "
        "(`mid-message-ping`) after the 1st, echoed in 2; text in fragments 0,5,0,11,0; "
        "125 bytes binary in 60+65; unfragmented 1000-byte text; 65536-byte binary echoed "
        "in 4 fragments of 16384; client ping `ping-1`; `cmd:server-ping`; close 1000 `bye`",
    ],
    "chromium-py": [
        "client: headless Chromium (Debian package `chromium`) loading a page served by the "
        "python server process over HTTP on 127.0.0.1:47125 (not captured); the page's JS "
        "fetches the plan and payloads, opens `ws://127.0.0.1:47115/` (binaryType "
        "arraybuffer), sends each message and waits for its echo, then POSTs its log of "
        "sent/received messages (SHA-256 by WebCrypto) to /result; Chromium is stopped "
        "then.  Command: `" + " ".join(chromium_cmd("PROFILE", "http://127.0.0.1:47125/"))
        + "`",
        "server: python `compression=\"deflate\"` (accepts Chromium's offer), echoes; the "
        "70000-byte binary is echoed in 2 fragments and the 5000-byte text in 3",
        "traffic: text (JS string) and binary of 0, 1, 125, 1000, 65536, 300000 bytes, "
        "binary sent as ArrayBuffer (0, 125, 65536) or Blob (1, 1000, 300000); a 777-byte "
        "Uint8Array view at offset 3 of a larger buffer; the two echoed-in-fragments "
        "messages; `cmd:server-ping` (Chromium answers the server's ping); a burst of 40 "
        "small messages sent without awaiting (every 5th an ArrayBuffer); close 1000 `bye` "
        "from JS (checked wasClean, code and reason in the page)",
        "Chromium splits large messages into several frames by itself (the 300000-byte "
        "ones here; sizes vary from run to run); for a compressed message the boundaries "
        "fall anywhere in one deflate stream (no flush at the frame boundaries, unlike "
        "python)",
        "the truth's data messages are the JS plan (deterministic: the payloads come from "
        "the server's plan) and equal the server's log of what it received and sent; the "
        "frame structure Chromium chose is in `frames` / `compressed`",
    ],
}


def record_one(sc, vers, tmp, out_dir):
    """Record one row of SCENARIOS, check it, write its files; returns the
    summary for its README section."""
    name, client, server, port, kind, cext, sext, opts = sc
    t1 = time.monotonic()
    tls = bool(opts.get("tls"))
    plan_dir = os.path.join(tmp, f"plan-{name}")
    log_dir = os.path.join(tmp, f"log-{name}")
    os.makedirs(plan_dir)
    os.makedirs(log_dir)
    tls_dir = None
    if tls:
        tls_dir = os.path.join(tmp, f"tls-{name}")
        os.makedirs(tls_dir)
        make_cert(tls_dir)
    steps = build_plan(kind)
    write_plan(steps, {"client": cext, "server": sext}, plan_dir)
    truth_msgs = build_truth(steps, client, server)
    expect_pmd = compresses(cext) or compresses(sext)
    nohs = nohs_packets = first_desc = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        pcap = capture(name, client, server, port, plan_dir, log_dir, out_dir,
                       opts.get("http_port"), tls_dir)
        bad = tcp_anomalies(pcap)
        if bad:
            print(f"record.py: {name}: attempt {attempt}: TCP anomalies (capture reordering?) "
                  f"in frames {bad[:10]}; recording again", flush=True)
            continue
        ana = analyse(pcap, port, tls)
        cut = ana["resp_packet"]
        prefs = TLS_TSHARK_PREFS if tls else []
        if tshark(["-r", pcap] + prefs + ["-Y", f"frame.number == {cut} && websocket", "-T",
                                          "fields", "-e", "frame.number"]).strip():
            die(f"{name}: the 101 packet also carries WebSocket frames")
        if tls:
            break    # no handshake-less form: TLS needs its handshake to decrypt
        nohs, nohs_packets, first_desc, _ = make_nohs(pcap, cut, port)
        if nohs is None:
            print(f"record.py: {name}: attempt {attempt}: -nohs: {nohs_packets}; "
                  "recording again", flush=True)
            continue
        break
    else:
        die(f"{name}: no clean recording in {MAX_ATTEMPTS} attempts")
    tls_info = check_tls(name, os.path.join(tls_dir, "raw.pcapng"), pcap, port) if tls else None
    opens, page_info = check_logs(name, log_dir, truth_msgs, client)
    entries = check_capture(name, ana, truth_msgs, client, server, expect_pmd)
    tf = check_tshark(name, pcap, port, ana, tls)
    notes = tshark_payload_notes(name, pcap, port, ana, tf)
    # the peers' view of the negotiation must be what is on the wire
    for who, ext in opens.items():
        if (ext or None) != ana["accepted"]:
            die(f"{name}: the {who} saw extensions {ext!r}, the wire has {ana['accepted']!r}")
    if tls_info:
        seen = read_log(os.path.join(log_dir, "client.jsonl"), "tls")
        if not seen or seen["version"].replace("v", " ") != tls_info["version"] \
                or seen["cipher"] != tls_info["cipher"]:
            die(f"{name}: the client's TLS session {seen} is not the ServerHello's {tls_info}")
    truth = {"name": name, "client": vers[client], "server": vers[server], "port": port,
             "extensions": ana["accepted"], "messages": entries}
    with open(os.path.join(out_dir, f"{name}.truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    size = os.path.getsize(pcap)
    if size > MAX_CAPTURE_BYTES:
        die(f"{name}: capture is {size} bytes, more than {MAX_CAPTURE_BYTES}")
    st = stats(ana, tf)
    if opts.get("coalesce") and not st["c2s"]["coalesced"]:
        die(f"{name}: no client->server packet carries >= 2 WebSocket frames")
    page_ext = page_info and page_info["extensions"]
    extra_notes = []
    if page_ext is not None:
        extra_notes.append(f"the page's `ws.extensions`: `{page_ext}`")
    rel = lambda cmd: " ".join(cmd).replace(REPO + "/", "")  # noqa: E731
    res = {"name": name, "client_v": vers[client], "server_v": vers[server],
           "port": port, "how": HOW[name], "offered": ana["offered"],
           "accepted": ana["accepted"], "pmd": ana["pmd"], "tls": tls_info,
           "user_agent": ana["user_agent"] if client == "chromium" else None,
           "origin": ana["origin"], "size": size, "packets": packet_count(pcap),
           "req_frame": ana["req_packet"], "cut": cut,
           "nohs_size": nohs and os.path.getsize(nohs),
           "nohs_packets": nohs_packets, "first": first_desc, "stats": st,
           "notes": extra_notes + notes,
           "server_cmd": rel(peer_cmd(server, "server", port, "PLANDIR", "LOG",
                                      "TLSDIR" if tls else None)
                             + (["--http-port", str(opts["http_port"])] if opts.get("http_port") else [])),
           "client_cmd": (rel(peer_cmd(client, "client", port, "PLANDIR", "LOG", "TLSDIR" if tls else None))
                          if client != "chromium" else None)}
    print(f"record.py: {name}: {res['packets']} packets, {size} bytes, 101 in frame "
          f"{cut}, " + (f"{tls_info['version']} {tls_info['cipher']}, secrets embedded"
                        if tls else f"nohs {nohs_packets} packets")
          + f"; ext {ana['accepted']!r}; c2s "
          f"{st['c2s']['frames']} frames ({st['c2s']['rsv1']} RSV1, "
          f"{len(st['c2s']['fragmented'])} fragmented msgs, {len(st['c2s']['coalesced'])} packets "
          f"with >= 2), s2c {st['s2c']['frames']} frames ({st['s2c']['rsv1']} RSV1, "
          f"{len(st['s2c']['fragmented'])} fragmented); {time.monotonic() - t1:.1f}s", flush=True)
    return res


def read_log(path, ev):
    """The first event `ev` of a peer's log (None if there is none)."""
    with open(path) as f:
        for line in f:
            if line.strip() and json.loads(line).get("ev") == ev:
                return json.loads(line)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", help="record only these names")
    ap.add_argument("--list", action="store_true", help="print the scenario table and exit")
    ap.add_argument("--py-server", nargs=3, metavar=("PORT", "PLANDIR", "LOG"), help=argparse.SUPPRESS)
    ap.add_argument("--py-client", nargs=3, metavar=("PORT", "PLANDIR", "LOG"), help=argparse.SUPPRESS)
    ap.add_argument("--http-port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--tls", metavar="TLSDIR", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.py_server:
        asyncio.run(py_server(int(args.py_server[0]), args.py_server[1], args.py_server[2],
                              args.http_port, args.tls))
        return
    if args.py_client:
        asyncio.run(py_client(int(args.py_client[0]), args.py_client[1], args.py_client[2], args.tls))
        return
    if args.list:
        for name, client, server, port, kind, cext, sext, opts in SCENARIOS:
            print(f"{name:27} {client:8} -> {server:7} port {port}  plan {kind:9}  client "
                  f"{json.dumps(cext)}  server {json.dumps(sext)}  {json.dumps(opts)}")
        return

    t0 = time.monotonic()
    names = [s[0] for s in SCENARIOS]
    unknown = [n for n in (args.only or []) if n not in names]
    if unknown:
        die(f"unknown recording(s) {unknown}; known: {names}")
    todo = [s for s in SCENARIOS if not args.only or s[0] in args.only]
    if not shutil.which("chromium"):
        skipped = [s[0] for s in todo if s[1] == "chromium"]
        if skipped and args.only:
            die("chromium not found (apt-get install chromium)")
        if skipped:
            print(f"record.py: chromium not found: {', '.join(skipped)} not recorded, the "
                  "committed files and README sections stay", flush=True)
        todo = [s for s in todo if s[1] != "chromium"]
    tools = ["dumpcap", "editcap", "tshark"] + (["openssl"] if any(s[7].get("tls") for s in todo) else [])
    for tool in tools:
        if not shutil.which(tool):
            die(f"{tool} not found")
    ensure_node_modules()
    check_ports_unclaimed(ALL_PORTS)
    vers = versions()
    if any(s[1] == "chromium" for s in todo):
        vers["chromium"] = chromium_version()
    os.makedirs(args.out, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="ws-rec-") as tmp:
        for sc in todo:
            results.append(record_one(sc, vers, tmp, args.out))
    update_readme(args.out, results, vers)
    print(f"record.py: all OK in {time.monotonic() - t0:.1f}s", flush=True)


def tshark_payload_notes(name, pcap, port, ana, tf):
    """What tshark 4.0's built-in dissector shows of each message (at the
    message's last frame), compared with the truth; returns README lines.
    Informative: the reference is the parse and the peers' logs."""
    lines = []
    pmd = ana["pmd"]
    checked = 0
    for d in ("c2s", "s2c"):
        frames = ana["frames"][d]
        index = {id(f): i for i, f in enumerate(frames)}
        exact, partial, wrong, none = [], [], [], []
        sender = "client" if d == "c2s" else "server"
        no_ctx = bool(pmd and pmd[f"{sender}_no_context_takeover"])
        broken = False   # an earlier compressed message tshark did not inflate right
        for k, m in enumerate(ana["messages"][d]):
            t = tf[d][index[id(m["frames"][-1])]]
            shown = t["shown"]
            if shown is None:
                shown = b""
            tag = (k, len(m["data"]), t["packet"])
            # What tshark 4.0 is known to get right (hard check): control
            # frames; single-frame uncompressed messages fully unmasked;
            # single-frame compressed non-empty messages fully unmasked when
            # its inflate state is intact (no context takeover, or no earlier
            # compressed message of that direction shown wrong).
            unmasked = not m["frames"][0]["mask"] or m["frames"][0]["len"] <= TSHARK_UNMASK_MAX
            single = len(m["frames"]) == 1
            must = (m["opcode"] >= 8
                    or (single and unmasked and not m["compressed"])
                    or (single and unmasked and m["compressed"] and m["data"]
                        and (no_ctx or not broken)))
            if must:
                checked += 1
                if shown != m["data"]:
                    die(f"{name}: {d} message #{k} (packet {t['packet']}, {len(m['data'])} B): "
                        f"tshark's built-in dissector shows {len(shown)} other bytes")
            elif single and not m["compressed"] and shown and not m["data"].startswith(shown):
                # a masked frame longer than tshark unmasks: the part it shows
                die(f"{name}: {d} message #{k} (packet {t['packet']}, {len(m['data'])} B): "
                    f"the {len(shown)} bytes tshark's built-in dissector shows are not its start")
            elif single and not m["compressed"] and shown:
                checked += 1
            if m["compressed"] and m["data"] and shown != m["data"]:
                broken = True
            if shown == m["data"]:
                exact.append(tag)
            elif shown and m["data"].startswith(shown):
                partial.append(tag + (len(shown),))
            elif not shown:
                none.append(tag)
            else:
                same = next((i for i, (a, b) in enumerate(zip(shown, m["data"])) if a != b),
                            min(len(shown), len(m["data"])))
                wrong.append(tag + (len(shown), same, shown[:4].hex()))
        total = len(ana["messages"][d])
        s = (f"tshark 4.0 built-in, {d} (message index, length, packet): {len(exact)} of "
             f"{total} messages shown exactly at their last frame")
        if partial:
            s += "; only a prefix: " + ", ".join(f"#{k} {n} B (packet {p}, {sh} B shown)"
                                                 for k, n, p, sh in partial[:6])
        if none:
            s += "; nothing shown: " + ", ".join(f"#{k} {n} B (packet {p})" for k, n, p in none[:6]) \
                + (f" and {len(none) - 6} more" if len(none) > 6 else "")
        if wrong:
            s += "; wrong bytes: " + ", ".join(
                f"#{k} {n} B (packet {p}, {sh} B shown, " +
                (f"first {same} right)" if same else f"starting {head})")
                for k, n, p, sh, same, head in wrong[:6]) \
                + (f" and {len(wrong) - 6} more" if len(wrong) > 6 else "")
        lines.append(s)
    lines.append(f"tshark 4.0 built-in: {checked} messages it is expected to show right (control "
                 "frames, single-frame messages fully unmasked, compressed ones while its inflate "
                 "state is intact; of a longer masked uncompressed frame the start it unmasks) "
                 "checked byte for byte")
    return lines


if __name__ == "__main__":
    main()
