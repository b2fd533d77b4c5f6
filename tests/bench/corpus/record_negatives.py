#!/usr/bin/python3
"""Record NEGATIVE traffic (real, non-WebSocket TCP protocols) on loopback.

Each protocol's real server (a Debian package) is started on 127.0.0.1 on a
non-standard port in 40100-40199 (no tshark 4.0 dissector is registered on
any of them, so without Decode-As tshark shows their payload as plain
tcp/data and only heuristic dissectors, such as ours, look at it), real
clients drive a fixed, bounded workload, and dumpcap records
`tcp port PORT` on `lo` into OUT/NAME.pcapng.  OUT/NAME-cut.pcapng is the
same capture from about 40 % of its packets on (no TCP handshake, no
greeting).  OUT/negatives.json describes every capture.

Usage (as root, with Debian's python):
    /usr/bin/python3 tests/bench/corpus/record_negatives.py [--out DIR]
        [--only NAME[,NAME...]] [--subset DIR] [--subset-only] [--list]

Missing Debian packages are installed (apt-get update once, then
apt-get install --no-install-recommends).  Servers run in the foreground
with configuration written to a temporary directory and are stopped
afterwards; no system service is used.  Every wait has a timeout; a
protocol that fails is reported and skipped, and the exit code is 1 if
any failed.

--subset DIR writes the small subset that is committed to the repository
(test-captures/negatives/): per protocol the first packets (at most 100,
fewer where a size budget says so) of the whole capture and of the cut
capture, plus DIR/README.md.  --subset-only regenerates it from the
captures already in --out without recording.

Nothing leaves loopback: servers listen on 127.0.0.1 only, clients
connect to 127.0.0.1 only, and every capture is checked to contain only
127.0.0.0/8 traffic whose TCP connections were all opened to one of the
protocol's own ports.  Served content, mails, keys and passwords are
generated, throwaway and deterministic (seeded) where the software allows.
"""

import argparse
import contextlib
import hashlib
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = "/tmp/ws-corpus/negatives"
CUT_FRACTION = 0.40
SUBSET_MAX_PACKETS = 100
SUBSET_MAX_FILE = 150_000          # bytes per subset file
SUBSET_MAX_TOTAL = 2_400_000       # bytes for the whole subset (limit 2.5 MB)
START_TIMEOUT = 60                 # a server must listen within this
CMD_TIMEOUT = 120                  # default timeout of one client command
PASSWORD = "throwaway-neg-corpus"  # used only by the temporary servers below

BASE_PACKAGES = ["tshark", "curl", "openssl"]


class Failed(Exception):
    pass


def log(msg):
    print(f"[record_negatives] {msg}", flush=True)


def pkg_version(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}|${Version}", pkg],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if p.returncode != 0:
        return None
    status, _, ver = p.stdout.partition("|")
    return ver if status.startswith("ii") else None


def ensure_packages(pkgs):
    """Install the missing ones; return the packages still missing."""
    missing = sorted({p for p in pkgs if not pkg_version(p)})
    if not missing:
        return []
    log(f"installing: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    # Debian's maintainer scripts would start the system services (nginx on
    # :80, mariadb on :3306, ...); a policy-rc.d that denies that is put in
    # place for the install if there is none.
    policy = "/usr/sbin/policy-rc.d"
    made_policy = False
    if not os.path.exists(policy):
        with open(policy, "w") as f:
            f.write("#!/bin/sh\n# temporary, by record_negatives.py\nexit 101\n")
        os.chmod(policy, 0o755)
        made_policy = True

    def apt(args, timeout):
        try:
            return subprocess.run(["apt-get"] + args, env=env, timeout=timeout).returncode == 0
        except subprocess.TimeoutExpired:
            return False
    try:
        if not apt(["update"] + lock, 900):
            log("apt-get update failed; trying the install anyway")
        install = ["install", "-y", "--no-install-recommends"] + lock
        if not apt(install + missing, 3600):
            # one by one, so that one broken package does not cost the others
            for p in missing:
                if not pkg_version(p):
                    apt(install + [p], 1800)
    finally:
        if made_policy:
            os.unlink(policy)
    still = [p for p in missing if not pkg_version(p)]
    if still:
        log(f"NOT installed: {' '.join(still)}")
    return still


def listening(port):
    """Is something listening on TCP port (v4 or v6)?  Read /proc so that
    no probe connection is made."""
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(fn) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, state = parts[1], parts[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except FileNotFoundError:
            pass
    return False


def port_in_use(port):
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(fn) as f:
            next(f)
            for line in f:
                parts = line.split()
                lport = int(parts[1].rsplit(":", 1)[1], 16)
                rport = int(parts[2].rsplit(":", 1)[1], 16)
                if parts[3] == "0A" and lport == port:
                    return True
                if parts[3] == "01" and port in (lport, rport):   # established
                    return True
    return False


def tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def user_ids(name):
    pw = pwd.getpwnam(name)
    return pw.pw_uid, pw.pw_gid


def chown_r(path, user):
    uid, gid = user_ids(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for n in dirs + files:
            os.lchown(os.path.join(root, n), uid, gid)


def write(path, content, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(content, bytes) else "w") as f:
        f.write(content)
    if mode is not None:
        os.chmod(path, mode)
    return path


WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
         "zulu lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua").split()


def gen_text(rng, nbytes):
    out, n = [], 0
    while n < nbytes:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + "\n"
        out.append(line)
        n += len(line)
    return "".join(out)[:nbytes]


def gen_bin(rng, nbytes):
    return rng.randbytes(nbytes)


# --------------------------------------------------------------------------
# tshark helpers

def tshark_fields(pcap, fields, yfilter=None, decode=(), extra=()):
    cmd = ["tshark", "-n", "-r", pcap]
    for d in decode:
        cmd += ["-d", d]
    cmd += list(extra)
    if yfilter:
        cmd += ["-Y", yfilter]
    cmd += ["-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace", timeout=600)
    if p.returncode != 0:
        raise Failed(f"tshark failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return [l.split("\t") for l in p.stdout.splitlines() if l.strip()]


def count_packets(pcap, yfilter=None, decode=()):
    return len(tshark_fields(pcap, ["frame.number"], yfilter, decode))


def frame_lens(pcap):
    return [int(r[0]) for r in tshark_fields(pcap, ["frame.cap_len"])]


def editcap_range(src, dst, first, last):
    subprocess.run(["editcap", "-r", src, dst, f"{first}-{last}"], check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    os.chmod(dst, 0o644)


TCP_ANOMALIES = ("tcp.analysis.out_of_order || tcp.analysis.lost_segment || "
                 "tcp.analysis.retransmission || tcp.analysis.ack_lost_segment || "
                 "tcp.analysis.duplicate_ack")


# --------------------------------------------------------------------------
# one protocol's run: processes, capture, commands

class Run:
    def __init__(self, proto, out_dir, base_tmp):
        self.proto = proto
        self.name = proto.name
        self.port = proto.port
        self.out_dir = out_dir
        self.tmp = tempfile.mkdtemp(prefix=f"{self.name}-", dir=base_tmp)
        os.chmod(self.tmp, 0o755)
        self.procs = []           # (Popen, tag)
        self.pcap = os.path.join(out_dir, f"{self.name}.pcapng")
        self.cmdlog = open(os.path.join(self.tmp, "commands.log"), "a")
        self.notes = []
        self.dumpcap = None
        self.dump_stats = None

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    # ---- processes
    def spawn(self, cmd, tag, user=None, env=None, cwd=None, stdin=None):
        logf = open(self.path(f"{tag}.log"), "ab")
        kw = {}
        if user:
            uid, gid = user_ids(user)
            kw.update(user=uid, group=gid, extra_groups=[])
        self.cmdlog.write(f"spawn[{tag}]: {' '.join(cmd)}\n")
        self.cmdlog.flush()
        p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                             stdin=stdin if stdin is not None else subprocess.DEVNULL,
                             env=env, cwd=cwd or self.tmp, start_new_session=True, **kw)
        logf.close()
        self.procs.append((p, tag))
        return p

    def wait_listen(self, port=None, proc=None, timeout=START_TIMEOUT, tag=None):
        port = port or self.port
        if proc is None and self.procs:
            proc, tag = self.procs[-1]
        deadline = time.monotonic() + timeout
        while not listening(port):
            if proc is not None and proc.poll() is not None:
                raise Failed(f"{tag} exited with {proc.returncode} before listening on {port}:\n"
                             + tail(self.path(f"{tag}.log")))
            if time.monotonic() > deadline:
                raise Failed(f"nothing listens on {port} after {timeout}s:\n"
                             + (tail(self.path(f"{tag}.log")) if tag else ""))
            time.sleep(0.1)

    def stop(self, proc, tag, sig=signal.SIGTERM, timeout=15):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.notes.append(f"{tag} did not stop on {sig.name}; killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        # children left in the process group (the group id is the pid of the
        # process we started)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def stop_all(self):
        for p, tag in reversed(self.procs):
            try:
                self.stop(p, tag)
            except Exception as e:      # keep stopping the others
                self.notes.append(f"stopping {tag}: {e}")
        self.procs = []
        if self.dumpcap and self.dumpcap.poll() is None:
            self.dumpcap.kill()
            self.dumpcap.wait()

    # ---- commands
    def sh(self, cmd, timeout=CMD_TIMEOUT, user=None, input=None, env=None, cwd=None,
           check=True, shell=False):
        kw = {}
        if user:
            uid, gid = user_ids(user)
            kw.update(user=uid, group=gid, extra_groups=[])
        shown = cmd if isinstance(cmd, str) else " ".join(cmd)
        self.cmdlog.write(f"run: {shown}\n")
        self.cmdlog.flush()
        try:
            p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, env=env, cwd=cwd or self.tmp, shell=shell,
                               stdin=None if input is not None else subprocess.DEVNULL, **kw)
        except subprocess.TimeoutExpired:
            raise Failed(f"timeout ({timeout}s): {shown}")
        self.cmdlog.write(f"  rc={p.returncode} out={len(p.stdout)}B err={p.stderr[-300:]!r}\n")
        if check and p.returncode != 0:
            raise Failed(f"rc={p.returncode}: {shown}\n{p.stderr.decode(errors='replace')[-1500:]}"
                         f"\n{p.stdout.decode(errors='replace')[-500:]}")
        return p

    # ---- capture
    def capture_filter(self):
        return self.proto.bpf or f"tcp port {self.port}"

    @contextlib.contextmanager
    def capturing(self):
        if os.path.exists(self.pcap):
            os.unlink(self.pcap)
        errlog = self.path("dumpcap.log")
        with open(errlog, "wb") as ef:
            self.dumpcap = subprocess.Popen(
                ["dumpcap", "-q", "-i", "lo", "-f", self.capture_filter(), "-B", "64",
                 "-w", self.pcap], stdout=subprocess.DEVNULL, stderr=ef, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            if "Capturing on" in tail(errlog, 50) and os.path.exists(self.pcap) \
                    and os.path.getsize(self.pcap) > 0:
                break
            if self.dumpcap.poll() is not None:
                raise Failed(f"dumpcap exited: {tail(errlog)}")
            if time.monotonic() > deadline:
                raise Failed("dumpcap did not start capturing within 20s")
            time.sleep(0.05)
        time.sleep(0.5)          # let the capture filter settle
        t0 = time.monotonic()
        yield
        self.workload_seconds = time.monotonic() - t0
        time.sleep(1.0)          # trailing FIN/ACKs
        self.dumpcap.send_signal(signal.SIGINT)
        try:
            self.dumpcap.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.dumpcap.kill()
            self.dumpcap.wait()
            raise Failed("dumpcap did not stop")
        text = tail(errlog, 50)
        m = re.search(r"received/dropped on interface '[^']*': (\d+)/(\d+)", text)
        if m:
            self.dump_stats = (int(m.group(1)), int(m.group(2)))
            if self.dump_stats[1]:
                raise Failed(f"dumpcap dropped {self.dump_stats[1]} packets")
        os.chmod(self.pcap, 0o644)


# --------------------------------------------------------------------------
# protocols

class Proto:
    def __init__(self, name, port, func, server_pkgs, client_pkgs, server, client, decode,
                 verify, min_verify=10, bpf=None, ports=None, extra_pkgs=(), notes=""):
        self.name, self.port, self.func = name, port, func
        self.server_pkgs, self.client_pkgs = server_pkgs, client_pkgs
        self.server, self.client = server, client
        self.decode = decode            # list of "-d" arguments for verification
        self.verify = verify            # display filter that must match >= min_verify
        self.min_verify = min_verify
        self.bpf = bpf
        self.ports = ports or [port]    # ports a capture's connections may be opened to
        self.extra_pkgs = list(extra_pkgs)
        self.notes = notes

    def packages(self):
        return list(self.server_pkgs) + list(self.client_pkgs) + self.extra_pkgs


PROTOCOLS = []


def protocol(**kw):
    def deco(func):
        PROTOCOLS.append(Proto(func=func, **kw))
        return func
    return deco


def make_files(directory, seed, spec):
    """spec: list of (name, kind, size); kind in text|bin|json|html."""
    rng = random.Random(seed)
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, kind, size in spec:
        if kind == "bin":
            data = gen_bin(rng, size)
        elif kind == "json":
            items, n = [], 0
            while n < size:
                it = {"id": len(items), "name": rng.choice(WORDS), "score": rng.random(),
                      "tags": [rng.choice(WORDS) for _ in range(3)]}
                items.append(it)
                n += 80
            data = json.dumps({"items": items}, indent=1).encode()[:size]
            data = json.dumps({"items": items}).encode()
        elif kind == "html":
            body = "".join(f"<p>{l}</p>\n" for l in gen_text(rng, size).splitlines())
            data = f"<!DOCTYPE html>\n<html><head><title>bench</title></head><body>\n{body}</body></html>\n".encode()
        else:
            data = gen_text(rng, size).encode()
        paths[name] = write(os.path.join(directory, name), data, 0o644)
    return paths


# ---- http1 ----------------------------------------------------------------

NGINX_TYPES = """types { text/html html; text/plain txt; application/json json;
        application/octet-stream bin; text/css css; application/javascript js; }"""


def nginx_conf(r, server_block):
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        os.makedirs(r.path("nginx", d), exist_ok=True)
    chown_r(r.path("nginx"), "www-data")
    t = r.path("nginx")
    return f"""daemon off;
master_process on;
worker_processes 1;
pid {t}/nginx.pid;
error_log {t}/logs/error.log warn;
user www-data;
events {{ worker_connections 128; }}
http {{
    {NGINX_TYPES}
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {t}/body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    sendfile on;
    keepalive_requests 1000;
    keepalive_timeout 30;
    server_tokens on;
{server_block}
}}
"""


def www_files(r, seed=1):
    www = r.path("www")
    make_files(www, seed, [
        ("index.html", "html", 6000), ("small.txt", "text", 300), ("page.html", "html", 40000),
        ("data.json", "json", 30000), ("app.js", "text", 20000), ("style.css", "text", 5000),
        ("medium.bin", "bin", 150_000), ("large.bin", "bin", 2_000_000),
        ("large.txt", "text", 500_000)])
    os.makedirs(os.path.join(www, "dav"), exist_ok=True)
    for i in range(20):
        make_files(os.path.join(www, "items"), seed * 100 + i, [(f"item{i}.json", "json", 200 + 150 * i)])
    chown_r(www, "www-data")
    return www


def start_nginx(r, conf):
    path = write(r.path("nginx.conf"), conf)
    r.sh(["nginx", "-t", "-c", path])
    r.spawn(["nginx", "-c", path], "nginx")
    r.wait_listen()


def curl(r, *args, timeout=CMD_TIMEOUT):
    return r.sh(["curl", "-sS", "--noproxy", "*", "--max-time", str(timeout - 10), "-o", "/dev/null"]
                + list(args), timeout=timeout)


def raw_pipeline(port, requests, read_timeout=10):
    """Send several HTTP/1.1 requests in one write and read until EOF."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(b"".join(requests))
        total = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            total += len(chunk)
        return total
    finally:
        s.close()


@protocol(name="http1", port=40101, server_pkgs=["nginx"], client_pkgs=["curl"],
          server="nginx", client="curl; python3 raw socket for pipelined requests",
          decode=["tcp.port==40101,http"], verify="http.request || http.response",
          min_verify=100)
def p_http1(r):
    """keep-alive GETs (24 on one connection), gzip-compressed chunked responses, HEAD, 304, 404, range request, autoindex, two pipelined batches (4 and 7 requests in one write, raw socket), POSTs (JSON, multipart form, urlencoded, chunked request body, 300 KB binary), WebDAV PUT/GET/DELETE, then 150 KB and 2 MB downloads."""
    www = www_files(r)
    block = f"""    server {{
        listen 127.0.0.1:{r.port};
        server_name bench.test;
        root {www};
        gzip on;
        gzip_types text/plain application/json application/javascript text/css;
        gzip_min_length 100;
        chunked_transfer_encoding on;
        client_max_body_size 20m;
        location / {{ autoindex on; error_page 405 =200 $uri; }}
        location /dav/ {{ dav_methods PUT DELETE MKCOL; create_full_put_path on; }}
    }}"""
    start_nginx(r, nginx_conf(r, block))
    base = f"http://127.0.0.1:{r.port}"
    upload = make_files(r.path("up"), 11, [("form.txt", "text", 3000), ("blob.bin", "bin", 300_000),
                                           ("doc.json", "json", 20000)])
    with r.capturing():
        # keep-alive: one curl, many URLs on one connection
        urls = [f"{base}/items/item{i}.json" for i in range(20)] + \
               [f"{base}/", f"{base}/index.html", f"{base}/small.txt", f"{base}/style.css"]
        curl(r, "-H", "User-Agent: bench-agent/1.0", *sum((["-o", "/dev/null", u] for u in urls), []))
        # gzip: chunked responses, on one connection
        gz = [f"{base}/page.html", f"{base}/data.json", f"{base}/app.js", f"{base}/large.txt"]
        curl(r, "--compressed", *sum((["-o", "/dev/null", u] for u in gz), []))
        # conditional, HEAD, 404, ranges, autoindex
        curl(r, "-I", f"{base}/page.html")
        curl(r, "-H", "If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT", f"{base}/page.html")
        curl(r, f"{base}/missing/file.html")
        curl(r, "-r", "1000-70000", f"{base}/medium.bin")
        curl(r, f"{base}/items/")
        # pipelined requests: several requests in one write
        for n in (3, 6):
            reqs = [f"GET /items/item{i}.json HTTP/1.1\r\nHost: bench.test\r\n"
                    f"Accept: */*\r\nUser-Agent: pipeline/1\r\n\r\n".encode() for i in range(n)]
            reqs.append(b"GET /small.txt HTTP/1.1\r\nHost: bench.test\r\n"
                        b"Accept-Encoding: gzip\r\nConnection: close\r\n\r\n")
            raw_pipeline(r.port, reqs)
        # POST uploads
        curl(r, "-X", "POST", "-H", "Content-Type: application/json",
             "--data-binary", f"@{upload['doc.json']}", f"{base}/small.txt")
        curl(r, "-F", f"file=@{upload['form.txt']}", "-F", "comment=hello world", f"{base}/small.txt")
        curl(r, "-d", "a=1&b=two&c=%C3%A9t%C3%A9", f"{base}/small.txt")
        curl(r, "-H", "Transfer-Encoding: chunked", "--data-binary", f"@{upload['form.txt']}",
             f"{base}/small.txt")
        curl(r, "-X", "POST", "--data-binary", f"@{upload['blob.bin']}",
             "-H", "Content-Type: application/octet-stream", f"{base}/small.txt")
        # PUT / DELETE (WebDAV module)
        curl(r, "-T", upload["blob.bin"], f"{base}/dav/blob.bin")
        curl(r, "-T", upload["form.txt"], f"{base}/dav/sub/form.txt")
        curl(r, f"{base}/dav/sub/form.txt")
        curl(r, "-X", "DELETE", f"{base}/dav/sub/form.txt")
        # large bodies last (so that the cut point lands in mixed traffic)
        curl(r, f"{base}/medium.bin", f"{base}/large.bin", "-o", "/dev/null")


@protocol(name="h2c", port=40102, server_pkgs=["nginx"], client_pkgs=["curl", "nghttp2-client"],
          server="nginx (listen ... http2, cleartext, prior knowledge)",
          client="nghttp (multiplexed), h2load, curl --http2-prior-knowledge (one request per connection)",
          decode=["tcp.port==40102,http2"], verify="http2.type", min_verify=50)
def p_h2c(r):
    """nghttp: 21 multiplexed GETs on one connection, 6 gzip GETs, a 20 KB POST; h2load 200 requests over 2 connections (8 streams each); curl: single GET, HEAD, 404, gzip 500 KB text; nghttp 150 KB + 2 MB downloads."""
    # curl 7.88.1 fails to reuse a prior-knowledge h2c connection ("Error in
    # the HTTP2 framing layer"), so curl makes one request per connection and
    # nghttp (nghttp2) does the multiplexing.
    www = www_files(r, seed=2)
    block = f"""    server {{
        listen 127.0.0.1:{r.port} http2;
        server_name bench.test;
        root {www};
        gzip on;
        gzip_types text/plain application/json application/javascript text/css;
        location / {{ autoindex on; error_page 405 =200 $uri; }}
    }}"""
    start_nginx(r, nginx_conf(r, block))
    base = f"http://127.0.0.1:{r.port}"
    h2 = ["--http2-prior-knowledge"]
    up = make_files(r.path("up"), 21, [("post.json", "json", 20000)])
    with r.capturing():
        r.sh(["nghttp", "-n", "-a"] + [f"{base}/items/item{i}.json" for i in range(20)] + [f"{base}/index.html"])
        r.sh(["nghttp", "-n", "-H", "accept-encoding: gzip, deflate"] +
             [f"{base}/{f}" for f in ("page.html", "data.json", "app.js", "style.css", "small.txt", "items/")])
        r.sh(["nghttp", "-n", "-d", up["post.json"], f"{base}/small.txt"])
        r.sh(["h2load", "-n", "200", "-c", "2", "-m", "8", f"{base}/small.txt", f"{base}/items/item3.json"],
             timeout=60)
        curl(r, *h2, f"{base}/index.html")
        curl(r, *h2, "-I", f"{base}/page.html")
        curl(r, *h2, f"{base}/nothing-here")
        curl(r, *h2, "--compressed", f"{base}/large.txt")
        r.sh(["nghttp", "-n", f"{base}/medium.bin", f"{base}/large.bin"])


@protocol(name="tls", port=40103, server_pkgs=["nginx", "openssl"], client_pkgs=["curl", "openssl"],
          server="nginx (TLS, self-signed EC cert)", client="curl -k; openssl s_client",
          decode=["tcp.port==40103,tls"], verify="tls.record", min_verify=50)
def p_tls(r):
    """TLS 1.3 and 1.2 connections: 12 keep-alive GETs, 2 GETs with TLS 1.2, a POST, 8 one-request connections (TLS 1.3, TLS 1.2 with 4 ciphers), an openssl s_client GET, then a gzip 500 KB text and 2 MB + 150 KB downloads."""
    www = www_files(r, seed=3)
    r.sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes", "-days", "30", "-subj", "/CN=bench.test", "-keyout", r.path("key.pem"),
          "-out", r.path("cert.pem")])
    block = f"""    server {{
        listen 127.0.0.1:{r.port} ssl;
        server_name bench.test;
        ssl_certificate {r.path('cert.pem')};
        ssl_certificate_key {r.path('key.pem')};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        root {www};
        gzip on;
        gzip_types text/plain application/json application/javascript text/css;
        location / {{ autoindex on; }}
    }}"""
    start_nginx(r, nginx_conf(r, block))
    base = f"https://127.0.0.1:{r.port}"
    with r.capturing():
        curl(r, "-k", *sum((["-o", "/dev/null", f"{base}/items/item{i}.json"] for i in range(12)), []))
        curl(r, "-k", "--tlsv1.2", "--tls-max", "1.2", f"{base}/page.html", f"{base}/data.json",
             "-o", "/dev/null")
        curl(r, "-k", "--tlsv1.3", "-d", "a=b", f"{base}/small.txt")
        # short connections: one small request each, different TLS versions and ciphers
        for i in range(8):
            opts = (["--tlsv1.2", "--tls-max", "1.2", "--ciphers",
                     ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
                      "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA256"][i % 4]]
                    if i % 2 else ["--tlsv1.3"])
            curl(r, "-k", *opts, f"{base}/items/item{i + 12}.json")
        r.sh(["openssl", "s_client", "-connect", f"127.0.0.1:{r.port}", "-quiet", "-ign_eof",
              "-servername", "bench.test"],
             input=b"GET /index.html HTTP/1.1\r\nHost: bench.test\r\nConnection: close\r\n\r\n",
             timeout=30)
        # bulk last, so that the cut point lands in the small exchanges
        curl(r, "-k", "--http1.1", "--compressed", f"{base}/large.txt")
        curl(r, "-k", f"{base}/large.bin", f"{base}/medium.bin", "-o", "/dev/null")


# ---- ssh ------------------------------------------------------------------

@protocol(name="ssh", port=40104, server_pkgs=["openssh-server"], client_pkgs=["openssh-client"],
          server="OpenSSH sshd", client="OpenSSH ssh, scp, sftp",
          decode=["tcp.port==40104,ssh"], verify="ssh", min_verify=30)
def p_ssh(r):
    """ed25519 host and user keys made for the run; 4 sessions running commands (ls/wc/sha256sum, seq 1 3000, cat 40 KB with aes128-ctr, an interactive pty session with chacha20-poly1305), scp upload of 1 MB, sftp batch (ls, get 40 KB and 1 MB, rm)."""
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)   # privilege separation dir
    hk, uk = r.path("ssh_host_ed25519_key"), r.path("id_ed25519")
    r.sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench-host", "-f", hk])
    r.sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench-user", "-f", uk])
    shutil.copy(uk + ".pub", r.path("authorized_keys"))
    conf = write(r.path("sshd_config"), f"""Port {r.port}
ListenAddress 127.0.0.1
HostKey {hk}
PidFile {r.path('sshd.pid')}
AuthorizedKeysFile {r.path('authorized_keys')}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
Banner none
Subsystem sftp internal-sftp
""")
    r.sh(["/usr/sbin/sshd", "-t", "-f", conf])
    r.spawn(["/usr/sbin/sshd", "-D", "-e", "-f", conf], "sshd")
    r.wait_listen()
    files = make_files(r.path("data"), 4, [("blob.bin", "bin", 1_000_000), ("notes.txt", "text", 40000)])
    cli = ["-F", "/dev/null", "-i", uk, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
           "-o", f"UserKnownHostsFile={r.path('known_hosts')}", "-o", "StrictHostKeyChecking=accept-new"]
    ssh = ["ssh"] + cli + ["-p", str(r.port), "root@127.0.0.1"]
    d = r.path("data")
    with r.capturing():
        r.sh(ssh + [f"cd {d} && ls -l && wc -l notes.txt && sha256sum blob.bin"])
        r.sh(ssh + ["seq 1 3000"])
        r.sh(ssh + ["-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-256", f"cat {d}/notes.txt"])
        r.sh(ssh + ["-o", "Ciphers=chacha20-poly1305@openssh.com", "-tt", "sh"],
             input=b"echo interactive-1\nseq 1 50\nprintf 'a b c\\n'\nexit\n", timeout=30)
        r.sh(["scp"] + cli + ["-P", str(r.port), files["blob.bin"], f"root@127.0.0.1:{d}/blob-copy.bin"])
        write(r.path("sftp.batch"), f"cd {d}\nls -l\nget notes.txt {r.path('notes-back.txt')}\n"
                                    f"get blob.bin {r.path('blob-back.bin')}\nrm blob-copy.bin\nbye\n")
        r.sh(["sftp"] + cli + ["-P", str(r.port), "-b", r.path("sftp.batch"), "root@127.0.0.1"])
    with open(files["blob.bin"], "rb") as a, open(r.path("blob-back.bin"), "rb") as b:
        if a.read() != b.read():
            raise Failed("sftp copy differs")


# ---- smtp -----------------------------------------------------------------

@protocol(name="smtp", port=40105, server_pkgs=["exim4-daemon-light"], client_pkgs=["swaks"],
          server="Exim 4 (exim4-daemon-light, minimal config, mails discarded)",
          client="swaks", decode=["tcp.port==40105,smtp"], verify="smtp", min_verify=50)
def p_smtp(r):
    """swaks: 6 plain mails of growing size, a PIPELINING mail to 2 recipients, a rejected recipient, a session ending after RCPT, mails with a text attachment and with JSON + 120 KB binary attachments (mails are discarded)."""
    spool = r.path("spool")
    os.makedirs(r.path("log"), exist_ok=True)
    os.makedirs(spool, exist_ok=True)
    chown_r(spool, "Debian-exim")
    chown_r(r.path("log"), "Debian-exim")
    conf = write(r.path("exim.conf"), f"""primary_hostname = mx.bench.test
qualify_domain = bench.test
daemon_smtp_ports = {r.port}
local_interfaces = 127.0.0.1
spool_directory = {spool}
log_file_path = {r.path('log')}/%slog
pid_file_path = {r.path('exim.pid')}
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
host_lookup =
rfc1413_hosts =
message_size_limit = 20M
smtp_accept_max = 20
smtp_banner = $smtp_active_hostname ESMTP bench MTA
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data
tls_advertise_hosts =
queue_only = false

begin acl
acl_check_rcpt:
  deny    local_parts = ^nobody
          message = no such user here
  accept
acl_check_data:
  accept

begin routers
discard:
  driver = redirect
  data = :blackhole:

begin transports

begin retry
*   *   F,1h,10m

begin rewrite

begin authenticators
""")
    r.sh(["exim4", "-C", conf, "-bV"])
    r.spawn(["exim4", "-C", conf, "-bdf", "-q30m", "-d-all+noutf8"], "exim")
    r.wait_listen()
    att = make_files(r.path("att"), 5, [("report.txt", "text", 20000), ("image.bin", "bin", 120_000),
                                         ("data.json", "json", 8000)])
    sw = ["swaks", "--server", "127.0.0.1", "--port", str(r.port), "--helo", "client.bench.test",
          "--timeout", "30"]
    with r.capturing():
        for i in range(6):
            r.sh(sw + ["--from", f"sender{i}@bench.test", "--to", f"user{i}@example.test",
                       "--header", f"Subject: plain message {i}",
                       "--body", gen_text(random.Random(50 + i), 300 + 400 * i)])
        r.sh(sw + ["--pipeline", "--from", "p@bench.test", "--to", "a@example.test,b@example.test",
                   "--header", "Subject: pipelined", "--body", "pipelined body\n"])
        r.sh(sw + ["--from", "x@bench.test", "--to", "nobody@example.test"], check=False)
        r.sh(sw + ["--quit-after", "RCPT", "--from", "q@bench.test", "--to", "q@example.test"])
        r.sh(sw + ["--from", "att@bench.test", "--to", "user@example.test",
                   "--header", "Subject: with text attachment", "--body", "see attached\n",
                   "--attach-type", "text/plain", "--attach", f"@{att['report.txt']}"])
        r.sh(sw + ["--from", "att@bench.test", "--to", "user@example.test",
                   "--header", "Subject: =?UTF-8?Q?h=C3=A9llo?= attachments", "--body", "two files\n",
                   "--attach-type", "application/json", "--attach", f"@{att['data.json']}",
                   "--attach-type", "application/octet-stream", "--attach", f"@{att['image.bin']}"])


# ---- ftp ------------------------------------------------------------------

@protocol(name="ftp", port=40106, server_pkgs=["vsftpd"], client_pkgs=["curl", "lftp"],
          server="vsftpd (anonymous, passive ports 40160-40169)",
          client="curl ftp:// (passive and active), lftp",
          decode=["tcp.port==40106,ftp"], verify="ftp || ftp-data", min_verify=50,
          bpf="tcp port 40106 or tcp portrange 40160-40179",
          ports=[40106] + list(range(40160, 40180)))
def p_ftp(r):
    """anonymous: LIST, NLST, 8 RETRs on one control connection, RETR with EPSV off (PASV), RETR in active mode (PORT, client ports 40170-40179), STOR of 5 KB and 200 KB, SYST/STAT quotes, an lftp session (ls, mirror of 15 files, get, HELP), then an 800 KB RETR."""
    root = r.path("ftproot")
    os.makedirs(os.path.join(root, "upload"))
    make_files(os.path.join(root, "pub"), 6, [("readme.txt", "text", 2000), ("big.bin", "bin", 800_000),
                                              ("list.json", "json", 20000)])
    for i in range(15):
        make_files(os.path.join(root, "pub", "many"), 60 + i, [(f"f{i:02d}.txt", "text", 100 + 90 * i)])
    chown_r(root, "root")
    os.chmod(root, 0o755)
    chown_r(os.path.join(root, "upload"), "ftp")
    conf = write(r.path("vsftpd.conf"), f"""listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={r.port}
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root={root}
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_other_write_enable=YES
anon_umask=022
local_enable=NO
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=40160
pasv_max_port=40169
port_enable=YES
connect_from_port_20=NO
seccomp_sandbox=NO
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=YES
vsftpd_log_file={r.path('vsftpd-xfer.log')}
dirmessage_enable=NO
ftpd_banner=bench FTP service ready
""")
    os.chmod(conf, 0o600)
    os.makedirs("/var/run/vsftpd/empty", mode=0o755, exist_ok=True)
    r.spawn(["vsftpd", conf], "vsftpd")
    r.wait_listen()
    base = f"ftp://127.0.0.1:{r.port}"
    up = make_files(r.path("up"), 7, [("upload.bin", "bin", 200_000), ("upload.txt", "text", 5000)])
    with r.capturing():
        curl(r, f"{base}/pub/")
        curl(r, "--list-only", f"{base}/pub/many/")
        curl(r, *sum((["-o", "/dev/null", f"{base}/pub/many/f{i:02d}.txt"] for i in range(8)), []))
        curl(r, "--disable-epsv", f"{base}/pub/readme.txt")
        curl(r, "--ftp-port", "127.0.0.1:40170-40179", f"{base}/pub/list.json")
        curl(r, "-T", up["upload.txt"], f"{base}/upload/")
        curl(r, "-T", up["upload.bin"], "--ftp-create-dirs", f"{base}/upload/sub/upload.bin")
        curl(r, "-Q", "SYST", "-Q", "STAT", "-I", f"{base}/pub/readme.txt")
        r.sh(["lftp", "-c", f"set ftp:passive-mode on; set net:max-retries 1; set net:timeout 20; "
                            f"open -u anonymous,bench@bench.test {base}; cd pub; ls; "
                            f"mirror many {r.path('mirror')}; get list.json -o {r.path('list.json')}; "
                            f"quote HELP; bye"], timeout=90)
        curl(r, f"{base}/pub/big.bin")


# ---- redis ----------------------------------------------------------------

@protocol(name="redis", port=40107, server_pkgs=["redis-server"], client_pkgs=["redis-tools"],
          server="redis-server", client="redis-benchmark, redis-cli",
          decode=["tcp.port==40107,resp"], verify="resp", min_verify=200)
def p_redis(r):
    """redis-benchmark -n 400 of set,get,incr,lpush,hset (4 clients), -n 600 set,mset pipelined 16 deep; redis-cli: 6 binary values (50 B-3.5 KB) set with -x and read back, hashes, lists, sets, zsets, MULTI/EXEC, streams, INFO; redis-cli --pipe with 300 SETs."""
    r.spawn(["redis-server", "--port", str(r.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", r.tmp, "--daemonize", "no", "--protected-mode", "no",
             "--logfile", ""], "redis-server")
    r.wait_listen()
    cli = ["redis-cli", "-h", "127.0.0.1", "-p", str(r.port)]
    bins = make_files(r.path("bin"), 8, [(f"b{i}.bin", "bin", 50 + 700 * i) for i in range(6)])
    with r.capturing():
        r.sh(["redis-benchmark", "-h", "127.0.0.1", "-p", str(r.port), "-q", "-c", "4",
              "-n", "400", "-r", "1000", "-d", "64", "-t", "set,get,incr,lpush,hset"], timeout=120)
        r.sh(["redis-benchmark", "-h", "127.0.0.1", "-p", str(r.port), "-q", "-c", "2",
              "-n", "600", "-P", "16", "-d", "300", "-t", "set,mset"], timeout=120)
        for i in range(6):
            with open(bins[f"b{i}.bin"], "rb") as f:
                r.sh(cli + ["-x", "set", f"bin:{i}"], input=f.read())
            r.sh(cli + ["--no-raw", "get", f"bin:{i}"])
        cmds = "\n".join([
            "PING", "HSET user:1 name alice email alice@example.test age 31",
            "HGETALL user:1", "RPUSH q a b c d e f", "LRANGE q 0 -1", "SADD s x y z",
            "SMEMBERS s", "ZADD z 1 one 2 two 3 three", "ZRANGE z 0 -1 WITHSCORES",
            "SET counter 10", "INCRBY counter 5", "EXPIRE counter 100", "TTL counter",
            "MULTI", "INCR counter", "GET counter", "EXEC", "SCAN 0 COUNT 100",
            "XADD stream * field1 value1 field2 value2", "XRANGE stream - +",
            "INFO server", "CLIENT SETNAME bench", "DBSIZE", "DEL q s z", "QUIT"]) + "\n"
        r.sh(cli, input=cmds.encode())
        r.sh(cli + ["--pipe"], input=b"".join(
            f"*3\r\n$3\r\nSET\r\n${len(f'pipe:{i}')}\r\npipe:{i}\r\n${len(str(i * 7))}\r\n{i * 7}\r\n".encode()
            for i in range(300)))


# ---- postgres -------------------------------------------------------------

PGBIN = "/usr/lib/postgresql/15/bin"


def start_postgres(r, ssl=False):
    data = r.path("pgdata")
    sock = r.path("pgsock")
    os.makedirs(sock)
    pwfile = write(r.path("pwfile"), PASSWORD + "\n")
    chown_r(r.tmp, "postgres")
    r.sh([f"{PGBIN}/initdb", "-D", data, "-U", "postgres", "--auth-local=trust",
          "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8",
          "--no-sync"], user="postgres", timeout=120)
    opts = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sock}",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    if ssl:
        r.sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-days", "30", "-subj", "/CN=127.0.0.1", "-keyout", r.path("server.key"),
              "-out", r.path("server.crt")])
        chown_r(r.tmp, "postgres")
        os.chmod(r.path("server.key"), 0o600)
        opts += ["-c", "ssl=on", "-c", f"ssl_cert_file={r.path('server.crt')}",
                 "-c", f"ssl_key_file={r.path('server.key')}"]
    r.spawn([f"{PGBIN}/postgres", "-D", data, "-p", str(r.port)] + opts, "postgres", user="postgres")
    r.wait_listen()
    return dict(os.environ, PGPASSWORD=PASSWORD, PGHOST="127.0.0.1", PGPORT=str(r.port),
                PGUSER="postgres", PGDATABASE="postgres",
                PGSSLMODE="require" if ssl else "disable")


PSQL_SCRIPT = r"""
CREATE TABLE docs (id serial PRIMARY KEY, title text, body text, blob bytea, meta jsonb, created timestamptz DEFAULT now());
INSERT INTO docs (title, body, blob, meta)
  SELECT 'doc ' || g, repeat(md5(g::text), 1 + g % 20), decode(repeat(md5((g*7)::text), 4), 'hex'),
         jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'b', g % 3))
  FROM generate_series(1, 300) g;
SELECT count(*), sum(length(body)) FROM docs;
SELECT id, title, meta FROM docs WHERE id % 25 = 0 ORDER BY id;
SELECT id, encode(blob, 'base64') FROM docs WHERE id < 6;
\copy (SELECT id, title, length(body) FROM docs ORDER BY id) TO STDOUT WITH CSV HEADER
BEGIN;
UPDATE docs SET title = title || ' (edited)' WHERE id % 10 = 0;
SAVEPOINT s1;
DELETE FROM docs WHERE id > 290;
ROLLBACK TO s1;
COMMIT;
PREPARE q(int) AS SELECT title FROM docs WHERE id = $1;
EXECUTE q(7);
SELECT 'unicode: ' || 'ÀÉÎÕÜ ☃ 日本語';
LISTEN bench_channel; NOTIFY bench_channel, 'hello';
SELECT pg_sleep(0.1);
SELECT 1/0;
DROP TABLE docs;
"""


def postgres_workload(r, env):
    pgb = [f"{PGBIN}/pgbench", "-h", "127.0.0.1", "-p", str(r.port), "-U", "postgres"]
    # 'G' generates the data server-side: no large COPY on the wire
    r.sh(pgb + ["-i", "-s", "1", "-I", "dtGvp", "-q"], env=env, timeout=180)
    r.sh(pgb + ["-t", "100", "-c", "1", "-n"], env=env, timeout=180)
    r.sh(pgb + ["-t", "100", "-c", "1", "-n", "-M", "prepared"], env=env, timeout=180)
    r.sh(pgb + ["-t", "50", "-c", "2", "-n", "-M", "extended", "-S"], env=env, timeout=180)
    r.sh([f"{PGBIN}/psql", "-X", "-v", "ON_ERROR_STOP=0", "-f", "-"], input=PSQL_SCRIPT.encode(),
         env=env, timeout=120)


@protocol(name="postgres", port=40108, server_pkgs=["postgresql-15"], client_pkgs=["postgresql-client-15"],
          server="PostgreSQL 15 (initdb in a temp dir, SCRAM auth over TCP)",
          client="pgbench (init with server-side generation, -t 100 simple/prepared/extended), psql",
          decode=["tcp.port==40108,pgsql"], verify="pgsql", min_verify=300)
def p_postgres(r):
    """pgbench -i -s 1 with server-side data generation (no bulk COPY on the wire), pgbench -t 100 simple, -t 100 prepared, -t 50 x 2 clients extended select-only; psql: table with text/bytea/jsonb, inserts, selects, COPY TO STDOUT, transaction with savepoint, PREPARE/EXECUTE, LISTEN/NOTIFY, an error."""
    env = start_postgres(r, ssl=False)
    with r.capturing():
        postgres_workload(r, env)


@protocol(name="postgres-ssl", port=40124, server_pkgs=["postgresql-15", "openssl"],
          client_pkgs=["postgresql-client-15"],
          server="PostgreSQL 15 with ssl=on (self-signed EC cert)",
          client="pgbench, psql with sslmode=require",
          decode=["tcp.port==40124,pgsql"], verify="tls.record", min_verify=100)
def p_postgres_ssl(r):
    """as postgres, over TLS (sslmode=require): pgbench -i (server-side generation), pgbench -t 100, the psql script."""
    env = start_postgres(r, ssl=True)
    with r.capturing():
        pgb = [f"{PGBIN}/pgbench", "-h", "127.0.0.1", "-p", str(r.port), "-U", "postgres"]
        r.sh(pgb + ["-i", "-s", "1", "-I", "dtGvp", "-q"], env=env, timeout=180)
        r.sh(pgb + ["-t", "100", "-c", "1", "-n"], env=env, timeout=180)
        r.sh([f"{PGBIN}/psql", "-X", "-v", "ON_ERROR_STOP=0", "-f", "-"], input=PSQL_SCRIPT.encode(),
             env=env, timeout=120)


# ---- mariadb --------------------------------------------------------------

MARIADB_SQL = r"""
CREATE DATABASE IF NOT EXISTS bench;
USE bench;
CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64), body TEXT, bin BLOB, j JSON, ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
INSERT INTO t (name, body, bin, j) SELECT CONCAT('row', seq), REPEAT(MD5(seq), 1 + seq % 15), UNHEX(REPEAT(MD5(seq * 3), 3)), JSON_OBJECT('n', seq, 'even', seq % 2 = 0) FROM seq_1_to_300;
SELECT COUNT(*), SUM(LENGTH(body)) FROM t;
SELECT id, name, HEX(bin) FROM t WHERE id % 30 = 0;
SELECT id, bin FROM t WHERE id < 5;
SELECT id, j FROM t WHERE JSON_VALUE(j, '$.even') = 'true' LIMIT 10;
UPDATE t SET name = CONCAT(name, '-x') WHERE id % 7 = 0;
PREPARE s FROM 'SELECT name FROM t WHERE id = ?';
SET @i = 42; EXECUTE s USING @i;
SELECT 'unicode: ÀÉÎÕÜ ☃ 日本語';
SHOW VARIABLES LIKE 'version%';
SELECT * FROM no_such_table;
DROP TABLE t;
"""


@protocol(name="mariadb", port=40109, server_pkgs=["mariadb-server"], client_pkgs=["mariadb-client"],
          server="MariaDB (mariadbd, temp datadir)", client="mariadb-slap, mariadb client",
          decode=["tcp.port==40109,mysql"], verify="mysql", min_verify=200)
def p_mariadb(r):
    """mariadb-slap auto-generated mixed load (300 queries, 2 clients); mariadb client: table with TEXT/BLOB/JSON, 300 inserts, selects returning binary, prepared statement, an error; a compressed-protocol connection."""
    data, sock = r.path("mdata"), r.path("mysqld.sock")
    os.makedirs(data)
    chown_r(r.tmp, "mysql")
    r.sh(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=mysql",
          "--skip-test-db", "--auth-root-authentication-method=socket"], timeout=180)
    r.spawn(["mariadbd", "--no-defaults", f"--datadir={data}", f"--port={r.port}",
             "--bind-address=127.0.0.1", f"--socket={sock}", "--user=mysql",
             f"--pid-file={r.path('mariadbd.pid')}", "--skip-name-resolve",
             "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
             "--innodb-flush-log-at-trx-commit=0", f"--log-error={r.path('mariadbd.err')}"], "mariadbd")
    r.wait_listen(timeout=90)
    r.sh(["mariadb", "--no-defaults", "-S", sock, "-u", "root", "-e",
          f"CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'; "
          "GRANT ALL ON *.* TO 'bench'@'127.0.0.1'; FLUSH PRIVILEGES;"])
    tcp = ["--no-defaults", "-h", "127.0.0.1", f"-P{r.port}", "--protocol=TCP", "-u", "bench",
           f"-p{PASSWORD}"]
    with r.capturing():
        r.sh(["mariadb-slap"] + tcp + ["--auto-generate-sql", "--auto-generate-sql-load-type=mixed",
              "--concurrency=2", "--number-of-queries=300", "--iterations=1",
              "--auto-generate-sql-add-autoincrement", "--number-char-cols=3", "--number-int-cols=2"],
             timeout=180)
        r.sh(["mariadb"] + tcp + ["--binary-as-hex=0", "-f"], input=MARIADB_SQL.encode(), check=False,
             timeout=120)
        r.sh(["mariadb"] + tcp + ["-e", "SELECT VERSION(), NOW(), CONNECTION_ID(); SHOW DATABASES;"])
        r.sh(["mariadb"] + tcp + ["--compress", "-e",
              "SELECT table_name, table_rows FROM information_schema.tables LIMIT 50"])


# ---- mqtt -----------------------------------------------------------------

@protocol(name="mqtt", port=40110, server_pkgs=["mosquitto"], client_pkgs=["mosquitto-clients"],
          server="Eclipse Mosquitto", client="mosquitto_pub, mosquitto_sub",
          decode=["tcp.port==40110,mqtt"], verify="mqtt", min_verify=100)
def p_mqtt(r):
    """3 subscribers on bench/# (QoS 0 MQTT 3.1.1, QoS 1 MQTT 5, QoS 2); per QoS 8 text publishes and 200 B / 5 KB binary payloads (-f); a line-per-message publish (-l); an MQTT 5 publish with properties; 4 retained messages read back; a 120 KB binary QoS 2 publish."""
    conf = write(r.path("mosquitto.conf"), f"""listener {r.port} 127.0.0.1
allow_anonymous true
persistence false
log_dest stdout
log_type error
log_type warning
log_type notice
""")
    r.spawn(["mosquitto", "-c", conf], "mosquitto")
    r.wait_listen()
    bins = make_files(r.path("bin"), 9, [("small.bin", "bin", 200), ("mid.bin", "bin", 5000),
                                         ("big.bin", "bin", 120_000), ("lines.txt", "text", 4000)])
    h = ["-h", "127.0.0.1", "-p", str(r.port)]
    with r.capturing():
        subs = []
        for q, ver in ((0, "mqttv311"), (1, "mqttv5"), (2, "mqttv311")):
            subs.append(r.spawn(["mosquitto_sub"] + h + ["-V", ver, "-q", str(q), "-i", f"sub-q{q}",
                                 "-t", "bench/#", "-v", "-W", "60"], f"sub{q}"))
        time.sleep(1.0)
        for q in (0, 1, 2):
            for i in range(8):
                r.sh(["mosquitto_pub"] + h + ["-q", str(q), "-t", f"bench/q{q}/m{i}",
                                              "-m", f"message {i} at qos {q}: " + "x" * (i * 20)])
            r.sh(["mosquitto_pub"] + h + ["-q", str(q), "-t", f"bench/bin/q{q}", "-f", bins["small.bin"]])
            r.sh(["mosquitto_pub"] + h + ["-q", str(q), "-t", f"bench/bin/mid{q}", "-f", bins["mid.bin"]])
        r.sh(["mosquitto_pub"] + h + ["-q", "1", "-t", "bench/lines", "-l"],
             input=open(bins["lines.txt"], "rb").read())
        r.sh(["mosquitto_pub"] + h + ["-V", "mqttv5", "-q", "1", "-t", "bench/v5",
                                      "-D", "publish", "user-property", "k", "v",
                                      "-D", "publish", "content-type", "application/octet-stream",
                                      "-f", bins["mid.bin"]])
        for i in range(4):
            r.sh(["mosquitto_pub"] + h + ["-q", "1", "-r", "-t", f"retained/t{i}", "-m", f"retained {i}"])
        r.sh(["mosquitto_sub"] + h + ["-t", "retained/#", "-C", "4", "-W", "10", "-v"])
        r.sh(["mosquitto_pub"] + h + ["-q", "2", "-t", "bench/bin/big", "-f", bins["big.bin"]])
        r.sh(["mosquitto_pub"] + h + ["-q", "1", "-r", "-t", "retained/t0", "-n"])   # clear
        time.sleep(1.0)
        for p, tag in list(r.procs):
            if tag.startswith("sub"):
                r.stop(p, tag, sig=signal.SIGINT)
        r.procs = [(p, t) for p, t in r.procs if not t.startswith("sub")]


# ---- dns over tcp ---------------------------------------------------------

@protocol(name="dns-tcp", port=40111, server_pkgs=["bind9"], client_pkgs=["bind9-dnsutils"],
          server="BIND 9 named (authoritative for example.test only, recursion off)",
          client="dig +tcp (single, +keepopen batches, AXFR, IXFR)",
          decode=["tcp.port==40111,dns"], verify="dns", min_verify=100)
def p_dns(r):
    """zone of ~400 records; 8 single queries (SOA, NS, MX, TXT, SRV, NXDOMAIN, ANY, REFUSED), 90 queries on two +keepopen connections, an EDNS/DO query, AXFR, IXFR."""
    rng = random.Random(12)
    zone = ["$TTL 300", "@ IN SOA ns1.example.test. hostmaster.example.test. 2024010101 3600 600 86400 300",
            "@ IN NS ns1.example.test.", "ns1 IN A 127.0.0.1", "@ IN MX 10 mail.example.test.",
            "mail IN A 127.0.0.25", '@ IN TXT "v=spf1 -all"']
    for i in range(150):
        zone.append(f"host{i} IN A 127.0.{i // 250}.{i % 250 + 1}")
        zone.append(f"host{i} IN AAAA ::1")
        if i % 5 == 0:
            zone.append(f"alias{i} IN CNAME host{i}")
        if i % 10 == 0:
            txt = " ".join(f'"{gen_text(rng, 120).strip()}"' for _ in range(2))
            zone.append(f"txt{i} IN TXT {txt}")
    zone.append("_sip._tcp IN SRV 10 60 5060 host1")
    write(r.path("example.test.zone"), "\n".join(zone) + "\n")
    conf = write(r.path("named.conf"), f"""options {{
    directory "{r.tmp}";
    pid-file "{r.path('named.pid')}";
    session-keyfile "{r.path('session.key')}";
    listen-on port {r.port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-query {{ 127.0.0.1; }};
    allow-transfer {{ 127.0.0.1; }};
    dnssec-validation no;
    notify no;
    querylog no;
}};
controls {{ }};
zone "example.test" {{ type primary; file "{r.path('example.test.zone')}"; }};
""")
    r.sh(["named-checkconf", conf])
    r.spawn(["named", "-g", "-4", "-n", "1", "-c", conf], "named")
    r.wait_listen()
    dig = ["dig", "@127.0.0.1", "-p", str(r.port), "+tcp", "+tries=1", "+time=5"]
    with r.capturing():
        for q in ("example.test SOA", "example.test NS", "example.test MX", "example.test TXT",
                  "_sip._tcp.example.test SRV", "nxdomain.example.test A", "example.test ANY",
                  "otherzone.test A"):
            r.sh(dig + q.split())
        names = []
        for i in range(0, 150, 3):
            names += [f"host{i}.example.test", "A", f"host{i}.example.test", "AAAA"]
        for i in range(0, 150, 10):
            names += [f"txt{i}.example.test", "TXT", f"alias{i}.example.test", "A"]
        r.sh(dig + ["+keepopen"] + names[:120])
        r.sh(dig + ["+keepopen", "+nsid", "+cookie"] + names[120:])
        r.sh(dig + ["+dnssec", "+bufsize=1232", "host1.example.test", "A"])
        r.sh(dig + ["example.test", "AXFR"])
        r.sh(dig + ["example.test", "IXFR=2023010101"])


# ---- memcached ------------------------------------------------------------

@protocol(name="memcached", port=40112, server_pkgs=["memcached"], client_pkgs=["libmemcached-tools"],
          server="memcached", client="libmemcached-tools (memcslap, memccp, memccat, memcstat ...), text and binary protocol",
          decode=["tcp.port==40112,memcache"], verify="memcache", min_verify=100)
def p_memcached(r):
    """memcslap 300 ops x 2 clients (text protocol) and 200 ops (binary protocol); memccp/memccat of 5 files (text and binary protocol), memcexist, memctouch, memcrm, memcstat, memcping, memcflush."""
    r.spawn(["memcached", "-p", str(r.port), "-l", "127.0.0.1", "-U", "0", "-u", "memcache",
             "-m", "64", "-t", "1"], "memcached")
    r.wait_listen()
    s = f"--servers=127.0.0.1:{r.port}"
    files = make_files(r.path("files"), 10, [(f"file{i}.txt", "text", 200 + 2000 * i) for i in range(4)]
                       + [("blob.bin", "bin", 60_000)])
    with r.capturing():
        r.sh(["memcslap", s, "--concurrency=2", "--execute-number=300"], timeout=120)
        r.sh(["memcslap", s, "--concurrency=1", "--execute-number=200", "--binary"], timeout=120)
        r.sh(["memccp", s] + sorted(files.values()), cwd=r.path("files"))
        r.sh(["memccat", s] + sorted(os.path.basename(p) for p in files.values()))
        r.sh(["memccp", "--binary", s, files["blob.bin"]], cwd=r.path("files"))
        r.sh(["memccat", "--binary", s, "blob.bin", "file1.txt"])
        r.sh(["memcexist", s, "file2.txt"])
        r.sh(["memctouch", s, "--expire=100", "file3.txt"], check=False)
        r.sh(["memcrm", s, "file0.txt"])
        r.sh(["memcstat", s])
        r.sh(["memcstat", "--binary", s, "--args=items"], check=False)
        r.sh(["memcping", s])
        r.sh(["memcflush", s])


# ---- ldap -----------------------------------------------------------------

def ldap_ldif(n):
    out = ["dn: dc=example,dc=test", "objectClass: dcObject", "objectClass: organization",
           "o: Example Bench", "dc: example", "",
           "dn: ou=people,dc=example,dc=test", "objectClass: organizationalUnit", "ou: people", "",
           "dn: ou=groups,dc=example,dc=test", "objectClass: organizationalUnit", "ou: groups", ""]
    rng = random.Random(13)
    for i in range(n):
        given, sn = rng.choice(WORDS).title(), rng.choice(WORDS).title()
        out += [f"dn: uid=user{i},ou=people,dc=example,dc=test", "objectClass: inetOrgPerson",
                "objectClass: posixAccount", f"uid: user{i}", f"cn: {given} {sn}", f"sn: {sn}",
                f"givenName: {given}", f"mail: user{i}@example.test", f"uidNumber: {10000 + i}",
                f"gidNumber: {10000 + i % 5}", f"homeDirectory: /home/user{i}",
                f"description: {' '.join(gen_text(rng, 80 + 10 * (i % 7)).split())}", ""]
    for g in range(5):
        out += [f"dn: cn=group{g},ou=groups,dc=example,dc=test", "objectClass: posixGroup",
                f"cn: group{g}", f"gidNumber: {10000 + g}"]
        out += [f"memberUid: user{i}" for i in range(g, n, 5)] + [""]
    return "\n".join(out) + "\n"


@protocol(name="ldap", port=40113, server_pkgs=["slapd"], client_pkgs=["ldap-utils"],
          server="OpenLDAP slapd (slapd.conf, mdb backend)",
          client="ldap-utils (ldapadd, ldapsearch, ldapmodify, ldapcompare, ldapdelete, ldapwhoami)",
          decode=["tcp.port==40113,ldap"], verify="ldap", min_verify=100)
def p_ldap(r):
    """ldapadd of 68 entries, ldapwhoami, searches (whole tree, paged results, filters, one-level, root DSE), ldapmodify of 15 entries, ldapcompare, ldapmodrdn, ldapdelete, a size-limited search."""
    os.makedirs(r.path("db"))
    conf = write(r.path("slapd.conf"), f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {r.path('slapd.pid')}
argsfile {r.path('slapd.args')}
sizelimit 1000
database mdb
maxsize 67108864
suffix "dc=example,dc=test"
rootdn "cn=admin,dc=example,dc=test"
rootpw {PASSWORD}
directory {r.path('db')}
index objectClass eq
index uid eq
""")
    r.sh(["slaptest", "-u", "-f", conf])
    r.spawn(["slapd", "-d", "256", "-f", conf, "-h", f"ldap://127.0.0.1:{r.port}/"], "slapd")
    r.wait_listen()
    H = ["-x", "-H", f"ldap://127.0.0.1:{r.port}"]
    A = ["-D", "cn=admin,dc=example,dc=test", "-w", PASSWORD]
    base = ["-b", "dc=example,dc=test"]
    write(r.path("base.ldif"), ldap_ldif(60))
    write(r.path("mod.ldif"), "".join(
        f"dn: uid=user{i},ou=people,dc=example,dc=test\nchangetype: modify\nreplace: description\n"
        f"description: changed {i}\n-\nadd: telephoneNumber\ntelephoneNumber: +1 555 01{i:02d}\n\n"
        for i in range(0, 60, 4)))
    with r.capturing():
        r.sh(["ldapadd"] + H + A + ["-f", r.path("base.ldif")])
        r.sh(["ldapwhoami"] + H + A)
        r.sh(["ldapsearch"] + H + base + ["(objectClass=*)"])
        r.sh(["ldapsearch"] + H + base + ["-E", "pr=10/noprompt", "(objectClass=inetOrgPerson)", "cn", "mail"])
        r.sh(["ldapsearch"] + H + base + ["(&(objectClass=posixAccount)(uidNumber>=10030))", "uid"])
        r.sh(["ldapsearch"] + H + base + ["-s", "one", "(ou=*)"])
        r.sh(["ldapsearch"] + H + ["-s", "base", "-b", "", "+"])
        r.sh(["ldapsearch"] + H + base + ["(cn=*Alpha*)"])
        r.sh(["ldapmodify"] + H + A + ["-f", r.path("mod.ldif")])
        r.sh(["ldapcompare"] + H + A + ["uid=user3,ou=people,dc=example,dc=test", "uid:user3"], check=False)
        r.sh(["ldapmodrdn"] + H + A + ["uid=user59,ou=people,dc=example,dc=test", "uid=user59b"])
        r.sh(["ldapdelete"] + H + A + ["uid=user58,ou=people,dc=example,dc=test"])
        r.sh(["ldapsearch"] + H + A + base + ["(uid=nobody-here)"])
        r.sh(["ldapsearch"] + H + base + ["-z", "5", "(objectClass=*)"], check=False)


# ---- irc ------------------------------------------------------------------

IRC_PY = r'''
import sys, time, irc.client
port, nick, chan, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
reactor = (getattr(irc.client, "Reactor", None) or irc.client.IRC)()
c = reactor.server().connect("127.0.0.1", port, nick, ircname="bench bot")
state = {"joined": False}
def on_welcome(conn, ev): conn.join(chan)
def on_join(conn, ev):
    if irc.client.NickMask(ev.source).nick == nick: state["joined"] = True
c.add_global_handler("welcome", on_welcome)
c.add_global_handler("join", on_join)
deadline = time.time() + 30
while not state["joined"] and time.time() < deadline:
    reactor.process_once(0.2)
if not state["joined"]:
    sys.exit("did not join")
for i in range(n):
    c.privmsg(chan, "msg %d from %s: caf\u00e9 \u2603 %s" % (i, nick, "z" * (i % 50)))
    if i % 10 == 0:
        c.ctcp("ACTION", chan, "waves %d" % i)
        c.topic(chan, "topic %d" % i)
    reactor.process_once(0.05)
c.names([chan]); c.who(chan); c.whois([nick]); c.lusers(); c.motd(); c.time(); c.version()
end = time.time() + 2
while time.time() < end:
    reactor.process_once(0.1)
c.part([chan], "bye"); c.quit("done")
end = time.time() + 1
while time.time() < end:
    reactor.process_once(0.1)
'''


@protocol(name="irc", port=40114, server_pkgs=["ngircd"], client_pkgs=["ii", "python3-irc"],
          server="ngIRCd", client="ii (suckless irc client) and python3-irc",
          decode=["tcp.port==40114,irc"], verify="irc", min_verify=100)
def p_irc(r):
    """ii (alice) joins #bench and sends 40 messages, /me, /j, /t, /n; python3-irc bot (bob) joins and sends 60 messages, CTCP ACTIONs, TOPIC, NAMES, WHO, WHOIS, LUSERS, MOTD, TIME, VERSION, PART, QUIT."""
    conf = write(r.path("ngircd.conf"), f"""[Global]
    Name = irc.bench.test
    Info = negative corpus server
    Listen = 127.0.0.1
    Ports = {r.port}
    PidFile = {r.path('ngircd.pid')}
    MotdPhrase = "Welcome to the bench IRC server"
    ServerUID = irc
    ServerGID = irc
[Limits]
    MaxNickLength = 20
    PingTimeout = 120
    PongTimeout = 30
[Options]
    DNS = no
    Ident = no
    PAM = no
    SyslogFacility = local7
[Channel]
    Name = #bench
    Topic = bench channel
""")
    r.sh(["ngircd", "--configtest", "-f", conf], check=False)
    r.spawn(["ngircd", "-n", "-f", conf], "ngircd")
    r.wait_listen()
    iidir = r.path("ii")
    write(r.path("ircbot.py"), IRC_PY)
    with r.capturing():
        ii = r.spawn(["ii", "-s", "127.0.0.1", "-p", str(r.port), "-n", "alice", "-f", "Alice Bench",
                      "-i", iidir], "ii-alice")
        srv_in = os.path.join(iidir, "127.0.0.1", "in")
        deadline = time.monotonic() + 20
        while not os.path.exists(srv_in):
            if ii.poll() is not None or time.monotonic() > deadline:
                raise Failed("ii did not connect: " + tail(r.path("ii-alice.log")))
            time.sleep(0.1)
        time.sleep(1.0)

        def ii_send(path, line):
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        ii_send(srv_in, "/j #bench")
        chan_in = os.path.join(iidir, "127.0.0.1", "#bench", "in")
        deadline = time.monotonic() + 20
        while not os.path.exists(chan_in):
            if time.monotonic() > deadline:
                raise Failed("ii did not join")
            time.sleep(0.1)
        bot = subprocess.Popen(["/usr/bin/python3", r.path("ircbot.py"), str(r.port), "bob", "#bench", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for i in range(40):
            ii_send(chan_in, f"hello {i} from alice " + "-" * (i % 30))
            time.sleep(0.05)
        ii_send(chan_in, "/me is benchmarking")
        ii_send(srv_in, "/j #other")
        ii_send(srv_in, "/t #bench new topic from alice")
        ii_send(srv_in, "/n alice2")
        try:
            out, _ = bot.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            bot.kill()
            raise Failed("python irc bot timed out")
        if bot.returncode != 0:
            raise Failed("irc bot failed: " + out.decode(errors="replace")[-800:])
        ii_send(srv_in, "/q bye")
        time.sleep(1.0)


# ---- random ---------------------------------------------------------------

# per connection: 0 = small writes, 1 = 64 KiB writes, 2 = mixed; the bulk
# connections come last so that the cut point lands in the small exchanges
RANDOM_MODES = (0, 2, 0, 2, 1, 1)


def random_server(port, n_conns, seed, ready, errors):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)
    srv.settimeout(30)
    ready.set()
    try:
        for c in range(n_conns):
            conn, _ = srv.accept()
            conn.settimeout(30)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            rng = random.Random(seed * 1000 + c)
            mode = RANDOM_MODES[c]
            done = threading.Event()

            def drain(conn=conn, done=done):
                try:
                    while conn.recv(65536):
                        pass
                finally:
                    done.set()
            th = threading.Thread(target=drain, daemon=True)
            th.start()
            if mode == 0:        # small writes from the server too
                for _ in range(150):
                    conn.sendall(rng.randbytes(rng.randint(1, 200)))
                    time.sleep(0.002)
            elif mode == 1:      # large writes
                for _ in range(6):
                    conn.sendall(rng.randbytes(65536))
            else:                # mixed
                for _ in range(40):
                    conn.sendall(rng.randbytes(rng.choice([rng.randint(1, 200), rng.randint(1000, 20000)])))
                    time.sleep(0.003)
            conn.shutdown(socket.SHUT_WR)
            done.wait(30)
            conn.close()
    except Exception as e:
        errors.append(f"server: {e!r}")
    finally:
        srv.close()


@protocol(name="random", port=40115, server_pkgs=[], client_pkgs=[],
          server="python3 socket server (seeded random bytes; NOT real protocol software)",
          client="python3 socket client (seeded random bytes)",
          decode=[], verify="tcp.len > 0", min_verify=300)
def p_random(r):
    """6 connections, seeded: small writes (1-200 bytes, TCP_NODELAY) from both sides, mixed (1-200 and 1000-20000 bytes), small, mixed, then 2 with 64 KiB writes."""
    n, seed = len(RANDOM_MODES), 2024
    ready, errors = threading.Event(), []
    with r.capturing():
        th = threading.Thread(target=random_server, args=(r.port, n, seed, ready, errors), daemon=True)
        th.start()
        if not ready.wait(10):
            raise Failed("random server did not start")
        for c in range(n):
            rng = random.Random(seed * 2000 + c)
            s = socket.create_connection(("127.0.0.1", r.port), timeout=30)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            got = [0]

            def reader(s=s, got=got):
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    got[0] += len(b)
            rt = threading.Thread(target=reader, daemon=True)
            rt.start()
            mode = RANDOM_MODES[c]
            if mode == 0:
                for _ in range(200):
                    s.sendall(rng.randbytes(rng.randint(1, 200)))
                    time.sleep(0.002)
            elif mode == 1:
                for _ in range(5):
                    s.sendall(rng.randbytes(65536))
            else:
                for _ in range(50):
                    s.sendall(rng.randbytes(rng.choice([rng.randint(1, 200), rng.randint(1000, 20000)])))
                    time.sleep(0.003)
            s.shutdown(socket.SHUT_WR)
            rt.join(30)
            s.close()
        th.join(60)
        if errors:
            raise Failed("; ".join(errors))


# ---- bonus protocols ------------------------------------------------------

@protocol(name="rsync", port=40116, server_pkgs=["rsync"], client_pkgs=["rsync"],
          server="rsync --daemon (foreground)", client="rsync (pull, push, list)",
          decode=["tcp.port==40116,rsync"], verify="rsync", min_verify=5)
def p_rsync(r):
    """module list, recursive listing, pull of 32 files, delta re-pull with -z after a change, push of 31 files, pull of a 600 KB file."""
    src = r.path("src")
    make_files(src, 14, [("big.bin", "bin", 600_000), ("readme.txt", "text", 5000)])
    for i in range(30):
        make_files(os.path.join(src, f"d{i % 4}"), 140 + i, [(f"f{i}.txt", "text", 100 + 200 * i)])
    os.makedirs(r.path("incoming"))
    conf = write(r.path("rsyncd.conf"), f"""pid file = {r.path('rsyncd.pid')}
use chroot = no
uid = root
gid = root
max connections = 10
log file = {r.path('rsyncd-xfer.log')}
[data]
    path = {src}
    read only = yes
    comment = bench data
[incoming]
    path = {r.path('incoming')}
    read only = no
""")
    r.spawn(["rsync", "--daemon", "--no-detach", f"--config={conf}", f"--port={r.port}",
             "--address=127.0.0.1"], "rsyncd")
    r.wait_listen()
    url = f"rsync://127.0.0.1:{r.port}"
    with r.capturing():
        r.sh(["rsync", f"{url}/"])
        r.sh(["rsync", "-r", f"{url}/data/"])
        r.sh(["rsync", "-a", "--exclude=big.bin", f"{url}/data/", r.path("dst")])
        with open(os.path.join(src, "d1", "f1.txt"), "a") as f:   # delta transfer
            f.write("appended line\n")
        r.sh(["rsync", "-a", "-z", "--exclude=big.bin", f"{url}/data/", r.path("dst")])
        r.sh(["rsync", "-a", r.path("dst") + "/", f"{url}/incoming/"])
        r.sh(["rsync", "-a", f"{url}/data/big.bin", r.path("big.bin")])


@protocol(name="git", port=40117, server_pkgs=["git"], client_pkgs=["git"],
          server="git daemon", client="git clone, fetch, push, ls-remote (protocol v2 and v0)",
          decode=["tcp.port==40117,git"], verify="git", min_verify=10)
def p_git(r):
    """ls-remote (protocol v2 and v0), clone (v2) of a 12-commit repo with a 200 KB blob and tags, shallow clone (v0, depth 2), push of a new branch, fetch --tags, ls-remote of a missing ref."""
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.test",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.test",
               GIT_AUTHOR_DATE="2024-01-01T00:00:00Z", GIT_COMMITTER_DATE="2024-01-01T00:00:00Z",
               HOME=r.tmp, GIT_CONFIG_NOSYSTEM="1")
    work = r.path("work")
    r.sh(["git", "init", "-q", "-b", "main", work], env=env)
    rng = random.Random(15)
    for c in range(12):
        for i in range(3):
            write(os.path.join(work, f"dir{c % 3}", f"file{(c + i) % 8}.txt"), gen_text(rng, 2000 + 500 * i))
        if c == 5:
            write(os.path.join(work, "asset.bin"), gen_bin(rng, 200_000))
        r.sh(["git", "add", "-A"], env=env, cwd=work)
        r.sh(["git", "commit", "-q", "-m", f"commit {c}: {gen_text(rng, 60).strip()}"], env=env, cwd=work)
        if c % 4 == 0:
            r.sh(["git", "tag", "-a", f"v0.{c}", "-m", f"release {c}"], env=env, cwd=work)
    os.makedirs(r.path("base"))
    r.sh(["git", "clone", "-q", "--bare", work, r.path("base", "repo.git")], env=env)
    r.spawn(["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={r.port}",
             f"--base-path={r.path('base')}", "--export-all", "--enable=receive-pack",
             "--informative-errors", r.path("base")], "git-daemon", env=env)
    r.wait_listen()
    url = f"git://127.0.0.1:{r.port}/repo.git"
    with r.capturing():
        r.sh(["git", "ls-remote", url], env=env)
        r.sh(["git", "-c", "protocol.version=0", "ls-remote", url], env=env)
        r.sh(["git", "clone", "-q", url, r.path("clone")], env=env)
        r.sh(["git", "-c", "protocol.version=0", "clone", "-q", "--depth", "2", url, r.path("shallow")], env=env)
        write(os.path.join(r.path("clone"), "new.txt"), gen_text(rng, 3000))
        r.sh(["git", "add", "-A"], env=env, cwd=r.path("clone"))
        r.sh(["git", "commit", "-q", "-m", "pushed commit"], env=env, cwd=r.path("clone"))
        r.sh(["git", "push", "-q", "origin", "main:feature"], env=env, cwd=r.path("clone"))
        r.sh(["git", "fetch", "-q", "--tags"], env=env, cwd=r.path("shallow"))
        r.sh(["git", "ls-remote", url, "nonexistent/ref"], env=env, check=False)


@protocol(name="smb", port=40118, server_pkgs=["samba"], client_pkgs=["smbclient"],
          server="Samba smbd (standalone, guest share)", client="smbclient (SMB2/SMB3)",
          decode=["tcp.port==40118,nbss"], verify="smb2", min_verify=50)
def p_smb(r):
    """share list (smbclient -L), SMB2: ls, cd, 2 gets; SMB3: put 8 KB and 200 KB, mkdir, rename, ls, allinfo, get 30 KB, del; get 500 KB."""
    share = r.path("share")
    make_files(share, 16, [("doc.txt", "text", 30000), ("blob.bin", "bin", 500_000)])
    for i in range(10):
        make_files(os.path.join(share, "dir"), 160 + i, [(f"f{i}.txt", "text", 500 + 300 * i)])
    # world-writable: samba maps the guest's owner SID differently from the
    # unix owner "nobody", so only the "Everyone" (other) bits grant access
    for root, dirs, files in os.walk(share):
        os.chmod(root, 0o777)
        for f in files:
            os.chmod(os.path.join(root, f), 0o666)
    for d in ("private", "lock", "state", "cache", "pid", "ncalrpc", "log"):
        os.makedirs(r.path("samba", d), exist_ok=True)
    s = r.path("samba")
    conf = write(r.path("smb.conf"), f"""[global]
    workgroup = BENCH
    netbios name = BENCHSMB
    server role = standalone server
    smb ports = {r.port}
    interfaces = lo
    bind interfaces only = yes
    disable netbios = yes
    private dir = {s}/private
    lock directory = {s}/lock
    state directory = {s}/state
    cache directory = {s}/cache
    pid directory = {s}/pid
    ncalrpc dir = {s}/ncalrpc
    log file = {s}/log/%m.log
    logging = file
    map to guest = Bad User
    guest account = nobody
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    server min protocol = SMB2_02
    server signing = disabled
    smb encrypt = off
    rpc_server:spoolss = disabled
[data]
    path = {share}
    guest ok = yes
    read only = no
    force user = nobody
    create mask = 0666
    force create mode = 0666
    directory mask = 0777
    force directory mode = 0777
    store dos attributes = no
    ea support = no
""")
    r.sh(["testparm", "-s", conf])
    r.spawn(["smbd", "--foreground", "--no-process-group", "--debug-stdout", "-d", "1",
             f"--configfile={conf}"], "smbd")
    r.wait_listen(timeout=60)
    up = make_files(r.path("up"), 17, [("up.txt", "text", 8000), ("up.bin", "bin", 200_000)])
    sc = ["smbclient", f"--configfile={conf}", "-p", str(r.port), "-N", "//127.0.0.1/data"]
    with r.capturing():
        r.sh(["smbclient", f"--configfile={conf}", "-p", str(r.port), "-N", "-L", "//127.0.0.1"], check=False)
        r.sh(sc + ["-m", "SMB2", "-c", "ls; cd dir; ls; get f3.txt /dev/null; get f7.txt /dev/null"])
        r.sh(sc + ["-m", "SMB3", "-c", f"lcd {r.path('up')}; put up.txt; put up.bin; mkdir newdir; "
                                       "rename up.txt newdir\\up.txt; ls newdir\\*; allinfo doc.txt; "
                                       "get doc.txt /dev/null; del up.bin"])
        r.sh(sc + ["-c", "get blob.bin /dev/null"])


@protocol(name="xmpp", port=40119, server_pkgs=["prosody"], client_pkgs=["python3-slixmpp"],
          server="Prosody (c2s only, no TLS, internal_plain auth)", client="python3-slixmpp (two clients chatting)",
          decode=["tcp.port==40119,xmpp"], verify="xmpp", min_verify=30)
def p_xmpp(r):
    """two slixmpp clients log in (SASL PLAIN, no TLS), presence, roster, 25 chat messages each way, disco#info, ping, software version."""
    data = r.path("prosody-data")
    os.makedirs(data)
    conf = write(r.path("prosody.cfg.lua"), f"""pidfile = "{r.path('prosody.pid')}"
data_path = "{data}"
daemonize = false
log = {{ {{ levels = {{ min = "info" }}, to = "console" }} }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {r.port} }}
s2s_ports = {{ }}
component_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
modules_enabled = {{ "roster"; "saslauth"; "disco"; "ping"; "presence"; "private"; "vcard"; "version"; "time"; "uptime"; }}
modules_disabled = {{ "s2s"; "tls"; "posix"; }}
pidfile = "{r.path('prosody.pid')}"
VirtualHost "bench.test"
""")
    chown_r(r.tmp, "prosody")
    env = dict(os.environ, HOME=r.tmp)
    for u in ("alice", "bob"):
        r.sh(["prosodyctl", "--config", conf, "register", u, "bench.test", PASSWORD], user="prosody", env=env)
    r.spawn(["prosody", "--config", conf, "-F"], "prosody", user="prosody", env=env)
    r.wait_listen()
    write(r.path("xmppbench.py"), XMPP_PY)
    with r.capturing():
        r.sh(["/usr/bin/python3", r.path("xmppbench.py"), str(r.port), PASSWORD], timeout=90)


XMPP_PY = r'''
import asyncio, sys, logging
import slixmpp
port, pw = int(sys.argv[1]), sys.argv[2]
N = 25
class Bot(slixmpp.ClientXMPP):
    def __init__(self, jid, peer, send):
        super().__init__(jid, pw)
        self.peer, self.send_n, self.got = peer, send, 0
        self.done = asyncio.Event()
        self.register_plugin("xep_0030"); self.register_plugin("xep_0199"); self.register_plugin("xep_0092")
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_msg)
    async def start(self, ev):
        self.send_presence(); await self.get_roster()
        self.ready = True
    def on_msg(self, msg):
        if msg["type"] in ("chat", "normal"):
            self.got += 1
            if self.got >= N: self.done.set()
async def main():
    a = Bot("alice@bench.test/bench", "bob@bench.test", True)
    b = Bot("bob@bench.test/bench", "alice@bench.test", True)
    for c in (a, b):
        c.ready = False
        c.connect(address=("127.0.0.1", port), force_starttls=False, disable_starttls=True)
    for _ in range(200):
        if a.ready and b.ready: break
        await asyncio.sleep(0.1)
    else:
        sys.exit("login failed")
    for i in range(N):
        a.send_message(mto="bob@bench.test/bench", mbody="hello bob %d: caf\u00e9 <&> %s" % (i, "y" * (i * 7)), mtype="chat")
        b.send_message(mto="alice@bench.test/bench", mbody="hi alice %d \u2603" % i, mtype="chat")
        await asyncio.sleep(0.02)
    await a["xep_0030"].get_info(jid="bench.test")
    await a["xep_0199"].ping(jid="bench.test")
    await b["xep_0092"].get_version("bench.test")
    await asyncio.wait_for(asyncio.gather(a.done.wait(), b.done.wait()), 30)
    a.disconnect(); b.disconnect()
    await asyncio.sleep(1)
loop = asyncio.get_event_loop()
loop.run_until_complete(asyncio.wait_for(main(), 60))
'''


def dovecot_setup(r):
    mail = r.path("mail")
    rng = random.Random(18)
    for u in ("alice", "bob"):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(mail, u, "Maildir", sub), exist_ok=True)
        for i in range(12):
            body = gen_text(rng, 300 + 500 * i)
            msg = (f"From: sender{i}@example.test\r\nTo: {u}@bench.test\r\nSubject: message {i}\r\n"
                   f"Date: Mon, 01 Jan 2024 00:{i:02d}:00 +0000\r\nMessage-ID: <{u}{i}@bench.test>\r\n"
                   f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").replace("\n", "\r\n").replace("\r\r", "\r")
            write(os.path.join(mail, u, "Maildir", "new", f"170000000{i}.M{i}P1.bench"), msg)
    chown_r(mail, "nobody")
    base = r.path("run")
    os.makedirs(base)
    uid, gid = user_ids("nobody")
    conf = write(r.path("dovecot.conf"), f"""protocols = imap pop3
listen = 127.0.0.1
base_dir = {base}
state_dir = {r.path('state')}
instance_name = bench-dovecot
log_path = {r.path('dovecot.log')}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{mail}/%n/Maildir
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%n
}}
service imap-login {{
  inet_listener imap {{
    port = 40120
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 40121
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
""")
    os.makedirs(r.path("state"))
    r.sh(["dovecot", "-c", conf, "-n"])
    r.spawn(["dovecot", "-F", "-c", conf], "dovecot")
    r.wait_listen(40120)
    r.wait_listen(40121)


@protocol(name="imap", port=40120, server_pkgs=["dovecot-imapd"], client_pkgs=["curl"],
          server="Dovecot IMAP (static passdb, maildir)", client="curl imap://",
          decode=["tcp.port==40120,imap"], verify="imap", min_verify=40)
def p_imap(r):
    """LIST, EXAMINE, SEARCH ALL, 4 FETCH by UID, header FETCH, FETCH of flags/envelope for all, SEARCH SUBJECT, CREATE, APPEND 3 KB, STORE flags, STATUS; a second user."""
    dovecot_setup(r)
    u = ["-u", f"alice:{PASSWORD}"]
    base = f"imap://127.0.0.1:{r.port}"
    up = make_files(r.path("up"), 19, [("append.eml", "text", 3000)])
    with open(up["append.eml"]) as f:
        body = f.read()
    write(up["append.eml"], "From: curl@bench.test\r\nTo: alice@bench.test\r\nSubject: appended\r\n\r\n"
          + body.replace("\n", "\r\n"))
    with r.capturing():
        curl(r, *u, f"{base}/")
        curl(r, *u, f"{base}/INBOX", "-X", "EXAMINE INBOX")
        curl(r, *u, f"{base}/INBOX?ALL")
        for i in (1, 2, 5, 9):
            curl(r, *u, f"{base}/INBOX;UID={i}")
        curl(r, *u, f"{base}/INBOX;UID=3;SECTION=HEADER")
        curl(r, *u, f"{base}/INBOX", "-X", "FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)")
        curl(r, *u, f"{base}/INBOX", "-X", "SEARCH SUBJECT \"message 1\"")
        curl(r, *u, f"{base}/", "-X", "CREATE Archive")
        curl(r, *u, "-T", up["append.eml"], f"{base}/Archive")
        curl(r, *u, f"{base}/INBOX", "-X", "STORE 2 +FLAGS (\\Seen \\Flagged)")
        curl(r, *u, f"{base}/", "-X", "STATUS INBOX (MESSAGES UNSEEN)")
        curl(r, "-u", f"bob:{PASSWORD}", f"{base}/INBOX;UID=12")


@protocol(name="pop3", port=40121, server_pkgs=["dovecot-pop3d"], client_pkgs=["curl"],
          server="Dovecot POP3 (static passdb, maildir)", client="curl pop3://",
          decode=["tcp.port==40121,pop"], verify="pop", min_verify=30)
def p_pop3(r):
    """for 2 users: LIST, 6 RETRs, UIDL, TOP."""
    dovecot_setup(r)
    base = f"pop3://127.0.0.1:{r.port}"
    with r.capturing():
        for user in ("alice", "bob"):
            u = ["-u", f"{user}:{PASSWORD}"]
            curl(r, *u, f"{base}/")
            for i in range(1, 13, 2):
                curl(r, *u, f"{base}/{i}")
            curl(r, *u, f"{base}/", "-X", "UIDL")
            curl(r, *u, f"{base}/", "-X", "TOP 4 5")


@protocol(name="amqp", port=40122, server_pkgs=["rabbitmq-server"], client_pkgs=["amqp-tools"],
          server="RabbitMQ (epmd on 40193, node port 40122)",
          client="amqp-tools (amqp-declare-queue, amqp-publish, amqp-get, amqp-consume)",
          decode=["tcp.port==40122,amqp"], verify="amqp", min_verify=50)
def p_amqp(r):
    """declare 2 queues, 20 text publishes with headers, 3 KB and 100 KB binary publishes, 5 basic.get, consume 15 + 2 messages, delete a queue, basic.get on a missing queue (channel error)."""
    epmd_port = 40193
    home = r.path("rabbit")
    os.makedirs(os.path.join(home, "mnesia"))
    os.makedirs(os.path.join(home, "log"))
    write(os.path.join(home, ".erlang.cookie"), hashlib.sha256(os.urandom(16)).hexdigest()[:20], 0o400)
    write(r.path("rabbitmq.conf"), f"""listeners.tcp.default = 127.0.0.1:{r.port}
loopback_users.guest = true
management.tcp.port = 0
""")
    write(r.path("enabled_plugins"), "[].\n")
    chown_r(r.tmp, "rabbitmq")
    env = dict(os.environ, HOME=home, ERL_EPMD_PORT=str(epmd_port), ERL_EPMD_ADDRESS="127.0.0.1",
               RABBITMQ_NODENAME="bench@localhost", RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
               RABBITMQ_NODE_PORT=str(r.port), RABBITMQ_DIST_PORT="40194",
               RABBITMQ_MNESIA_BASE=os.path.join(home, "mnesia"),
               RABBITMQ_LOG_BASE=os.path.join(home, "log"), RABBITMQ_LOGS="-",
               RABBITMQ_CONFIG_FILE=r.path("rabbitmq.conf"),
               RABBITMQ_ENABLED_PLUGINS_FILE=r.path("enabled_plugins"),
               RABBITMQ_PID_FILE=r.path("rabbit.pid"),
               # Erlang distribution listener on loopback only
               RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}")
    r.spawn(["epmd", "-address", "127.0.0.1", "-port", str(epmd_port)], "epmd", user="rabbitmq", env=env)
    r.wait_listen(epmd_port)
    r.spawn(["/usr/lib/rabbitmq/bin/rabbitmq-server"], "rabbitmq", user="rabbitmq", env=env)
    r.wait_listen(timeout=120)
    time.sleep(2)
    u = ["--server", "127.0.0.1", "--port", str(r.port), "--username", "guest", "--password", "guest"]
    big = make_files(r.path("bin"), 20, [("big.bin", "bin", 100_000), ("mid.bin", "bin", 3000)])
    with r.capturing():
        r.sh(["amqp-declare-queue"] + u + ["-q", "bench"])
        r.sh(["amqp-declare-queue"] + u + ["-q", "bench-durable", "-d"])
        for i in range(20):
            r.sh(["amqp-publish"] + u + ["-r", "bench", "-b", f"message {i} " + "m" * (i * 10),
                                         "-C", "text/plain", "-H", f"x-index: {i}"])
        for name in ("mid.bin", "big.bin"):
            with open(big[name], "rb") as f:
                r.sh(["amqp-publish"] + u + ["-r", "bench-durable", "-p", "-C", "application/octet-stream"],
                     input=f.read())
        for i in range(5):
            r.sh(["amqp-get"] + u + ["-q", "bench"])
        r.sh(["amqp-consume"] + u + ["-q", "bench", "-c", "15", "cat"], timeout=30)
        r.sh(["amqp-consume"] + u + ["-q", "bench-durable", "-c", "2", "-p", "5", "cat"], timeout=30)
        r.sh(["amqp-delete-queue"] + u + ["-q", "bench"])
        r.sh(["amqp-get"] + u + ["-q", "no-such-queue"], check=False)


TELNET_SESSION = r'''#!/bin/sh
# the "login shell" of the bench telnetd: a tiny line-oriented calculator
printf 'bench telnet service\r\nlogin: '
read user
printf 'Hello %s. Type arithmetic (bc), "quit" to leave.\r\n' "$user"
while printf 'calc> ' && read line; do
    line=$(printf '%s' "$line" | tr -d '\r')
    [ "$line" = "quit" ] && break
    printf '%s\n' "$line" | bc -l 2>&1
done
printf 'bye\r\n'
'''


@protocol(name="telnet", port=40123, server_pkgs=["inetutils-telnetd", "socat", "bc"],
          client_pkgs=["inetutils-telnet"],
          server="inetutils telnetd, started per connection by socat acting as inetd "
                 "(login program: a bc calculator script)", client="inetutils telnet",
          decode=["tcp.port==40123,telnet"], verify="telnet", min_verify=20)
def p_telnet(r):
    """one session: option negotiation, login prompt, 33 bc calculations typed line by line, quit."""
    prog = write(r.path("session.sh"), TELNET_SESSION, 0o755)
    # socat plays inetd: it accepts, forks and execs telnetd on the socket
    r.spawn(["socat", f"TCP-LISTEN:{r.port},bind=127.0.0.1,reuseaddr,fork",
             f"EXEC:/usr/sbin/telnetd -h -E {prog},nofork"], "socat-telnetd")
    r.wait_listen()
    lines = ["bench"] + [f"{i} * {i + 1} + {i / 3:.3f}" for i in range(30)] + \
            ["scale=40; 4*a(1)", "2^200", "sqrt(2)", "quit"]

    with r.capturing():
        p = subprocess.Popen(["telnet", "127.0.0.1", str(r.port)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = []
        rd = threading.Thread(target=lambda: out.append(p.stdout.read()), daemon=True)
        rd.start()
        try:
            time.sleep(1.0)
            for line in lines:
                p.stdin.write((line + "\r\n").encode())
                p.stdin.flush()
                time.sleep(0.08)
            time.sleep(1.0)
            p.stdin.close()
            p.wait(timeout=20)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            p.kill()
            p.wait()
        rd.join(5)
        text = b"".join(out).decode(errors="replace")
        write(r.path("telnet-out.txt"), text)
        if "3.14159" not in text:
            raise Failed("telnet session did not compute: " + text[-500:])


# --------------------------------------------------------------------------
# checks after a capture

def check_loopback_only(proto, pcap):
    """Everything must be IPv4/IPv6 loopback TCP, and every TCP connection
    must have been opened (SYN seen) towards one of the protocol's ports.
    Connections that are not (e.g. another program's connection that
    happened to use one of our ports as its ephemeral port) are removed."""
    bad = count_packets(pcap, "!(ip.src==127.0.0.0/8 && ip.dst==127.0.0.0/8) && "
                              "!(ipv6.src==::1 && ipv6.dst==::1)")
    if bad:
        raise Failed(f"{bad} packets are not loopback traffic")
    bad = count_packets(pcap, "!tcp")
    if bad:
        raise Failed(f"{bad} packets are not TCP")
    rows = tshark_fields(pcap, ["tcp.stream", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack"])
    streams, ok = set(), set()
    for stream, dport, syn, ack in rows:
        streams.add(stream)
        if syn in ("1", "True") and ack in ("0", "False") and int(dport) in proto.ports:
            ok.add(stream)
    foreign = sorted(streams - ok, key=int)
    if foreign:
        tmp = pcap + ".tmp.pcapng"
        subprocess.run(["tshark", "-n", "-r", pcap, "-Y", f"!(tcp.stream in {{{' '.join(foreign)}}})",
                        "-w", tmp], check=True, timeout=300, stderr=subprocess.DEVNULL)
        os.replace(tmp, pcap)
        os.chmod(pcap, 0o644)
        return f"removed {len(foreign)} TCP connection(s) not opened to the protocol's ports"
    return None


def analyse(proto, pcap):
    info = {}
    n = count_packets(pcap)
    info["packets"] = n
    info["bytes"] = os.path.getsize(pcap)
    info["tcp_payload_packets"] = count_packets(pcap, "tcp.len > 0")
    info["tcp_connections"] = len({r[0] for r in tshark_fields(pcap, ["tcp.stream"])})
    info["tcp_anomalies"] = count_packets(pcap, TCP_ANOMALIES)
    # what tshark 4.0 makes of the payload without any Decode-As
    protos = {}
    for (fp,) in tshark_fields(pcap, ["frame.protocols"], "tcp.len > 0"):
        protos[fp] = protos.get(fp, 0) + 1
    info["protocols_without_decode_as"] = protos
    if proto.decode:
        m = count_packets(pcap, proto.verify, decode=proto.decode)
    else:
        m = count_packets(pcap, proto.verify)
    info["verify_filter"] = proto.verify
    info["verify_decode_as"] = proto.decode
    info["verify_matches"] = m
    if proto.decode:
        info["malformed_with_decode_as"] = count_packets(pcap, "_ws.malformed", decode=proto.decode)
    if m < proto.min_verify:
        raise Failed(f"only {m} packets match '{proto.verify}' with {proto.decode} (want >= {proto.min_verify})")
    return info


def make_cut(pcap, n):
    first = int(n * CUT_FRACTION) + 1
    cut = pcap[:-len(".pcapng")] + "-cut.pcapng"
    editcap_range(pcap, cut, first, n)
    return cut, first


def versions_of(pkgs):
    return {p: pkg_version(p) for p in pkgs}


def record_one(proto, out_dir, base_tmp):
    t0 = time.monotonic()
    res = {"name": proto.name, "port": proto.port, "server": proto.server, "client": proto.client,
           "server_packages": versions_of(proto.server_pkgs),
           "client_packages": versions_of(proto.client_pkgs),
           "capture_filter": proto.bpf or f"tcp port {proto.port}"}
    if proto.name == "random":
        res["client_packages"] = res["server_packages"] = {
            "python3": "%d.%d.%d" % sys.version_info[:3] + f" ({sys.executable})"}
    for p in (proto.port,):
        if port_in_use(p):
            raise Failed(f"port {p} is in use")
    r = Run(proto, out_dir, base_tmp)
    try:
        proto.func(r)
    except Failed:
        raise
    except Exception as e:
        raise Failed(f"{type(e).__name__}: {e}") from e
    finally:
        r.stop_all()
        r.cmdlog.close()
    res["workload"] = " ".join((proto.func.__doc__ or "").split())
    res["workload_seconds"] = round(getattr(r, "workload_seconds", 0.0), 1)
    note = check_loopback_only(proto, r.pcap)
    notes = list(r.notes) + ([note] if note else [])
    res["whole"] = analyse(proto, r.pcap)
    res["whole"]["file"] = os.path.basename(r.pcap)
    n = res["whole"]["packets"]
    cut, first = make_cut(r.pcap, n)
    res["cut"] = {"file": os.path.basename(cut), "first_frame": first, "last_frame": n,
                  "packets": count_packets(cut), "bytes": os.path.getsize(cut),
                  "how": f"editcap -r {os.path.basename(r.pcap)} {os.path.basename(cut)} {first}-{n}"}
    res["cut"]["tcp_payload_packets"] = count_packets(cut, "tcp.len > 0")
    res["cut"]["syn_packets"] = count_packets(cut, "tcp.flags.syn == 1")
    res["cut"]["verify_matches"] = count_packets(cut, proto.verify, decode=proto.decode)
    res["notes"] = notes
    res["seconds"] = round(time.monotonic() - t0, 1)
    return res


# --------------------------------------------------------------------------
# subset

def build_subset(out_dir, subset_dir, meta):
    """First packets of each whole and cut capture, within a size budget."""
    items = []          # (protocol, kind, src, cumulative estimated sizes)
    for name in sorted(meta, key=lambda n: (meta[n]["port"], n)):
        m = meta[name]
        if m.get("status") != "ok":
            continue
        for kind in ("whole", "cut"):
            src = os.path.join(out_dir, m[kind]["file"])
            if not os.path.exists(src):
                raise SystemExit(f"{src} is missing; record {name} first")
            lens = frame_lens(src)[:SUBSET_MAX_PACKETS]
            cum, s = [], 0
            for l in lens:
                s += 32 + (l + 3) // 4 * 4     # pcapng enhanced packet block
                cum.append(s)
            items.append((name, kind, src, cum))
    header = 600                               # section header + interface blocks

    def take(cum, budget):
        return max(1, sum(1 for c in cum if c + header <= budget))

    def total(budget):
        return sum(cum[take(cum, budget) - 1] + header for _, _, _, cum in items)

    lo, hi = 2000, SUBSET_MAX_FILE
    while lo < hi:                      # largest per-file budget that fits the total
        mid = (lo + hi + 1) // 2
        if total(mid) <= SUBSET_MAX_TOTAL:
            lo = mid
        else:
            hi = mid - 1
    budget = lo
    os.makedirs(subset_dir, exist_ok=True)
    for f in os.listdir(subset_dir):
        if f.endswith(".pcapng"):
            os.unlink(os.path.join(subset_dir, f))
    rows = []
    for name, kind, src, cum in items:
        k = take(cum, budget)
        fname = f"{name}.pcapng" if kind == "whole" else f"{name}-cut.pcapng"
        dst = os.path.join(subset_dir, fname)
        while True:
            editcap_range(src, dst, 1, k)
            if os.path.getsize(dst) <= SUBSET_MAX_FILE or k == 1:
                break
            k -= 1
        m = meta[name]
        n_whole = m["whole"]["packets"]
        f0 = 1 if kind == "whole" else m["cut"]["first_frame"]
        rows.append({"file": fname, "protocol": name, "kind": kind, "packets": count_packets(dst),
                     "bytes": os.path.getsize(dst), "first": f0, "last": f0 + k - 1,
                     "of": n_whole, "heuristics": heuristic_summary(dst)})
        check_loopback_subset(dst)
    tot = sum(r["bytes"] for r in rows)
    if tot > SUBSET_MAX_TOTAL:
        raise SystemExit(f"subset is {tot} bytes > {SUBSET_MAX_TOTAL}")
    write_subset_readme(subset_dir, rows, meta, budget)
    return rows, budget


def heuristic_summary(pcap):
    """What tshark 4.0 (no plugin, no Decode-As) makes of the TCP payload
    packets: {first protocol above tcp or '-' : count}."""
    out = {}
    for (fp,) in tshark_fields(pcap, ["frame.protocols"], "tcp.len > 0"):
        layers = fp.split(":")
        i = layers.index("tcp")
        top = layers[i + 1] if len(layers) > i + 1 else "-"
        out[top] = out.get(top, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def check_loopback_subset(pcap):
    bad = count_packets(pcap, "!(ip.src==127.0.0.0/8 && ip.dst==127.0.0.0/8) && "
                              "!(ipv6.src==::1 && ipv6.dst==::1)")
    if bad:
        raise SystemExit(f"{pcap}: {bad} non-loopback packets")


def fmt_pkgs(d):
    return ", ".join(f"{k} {v}" for k, v in d.items()) or "-"


def write_subset_readme(subset_dir, rows, meta, budget):
    total = sum(r["bytes"] for r in rows)
    names = []
    for r in rows:
        if r["protocol"] not in names:
            names.append(r["protocol"])
    lines = [
        "# Negative captures (non-WebSocket TCP traffic)",
        "",
        "Real servers and clients of other TCP protocols (Debian 12 packages) talking",
        "over loopback, for measuring how often the WebSocket heuristic wrongly claims",
        "non-WebSocket packets.  Recorded by",
        "`/usr/bin/python3 tests/bench/corpus/record_negatives.py` (as root; it installs",
        "the packages, starts each server on 127.0.0.1 with a config in a temp dir,",
        "captures with `dumpcap -i lo -f \"tcp port PORT\"`, drives the clients, stops",
        "everything) and cut down to this committed subset with",
        "`--subset test-captures/negatives` (`--subset-only` re-cuts existing captures).",
        "",
        "Every server listened on a port in 40100-40199 on which tshark 4.0 registers",
        "no dissector, so without Decode-As tshark hands the payload only to heuristic",
        "dissectors (like ours).  Some built-in heuristics do claim some of it: the",
        "column `tshark 4.0 w/o Decode-As` counts the packets with TCP payload by the",
        "first protocol above `tcp`: `data` = nobody claimed it; `http`, `tls` = the",
        "HTTP and TLS heuristics recognised their protocol; `-` = a heuristic dissector",
        "kept the segment for reassembly without showing anything (the HTTP heuristic on",
        "http1; on the others LBMSRS's, which asks for more data after a few bytes that",
        "fit its header: `--disable-heuristic lbmsrs_tcp` turns them into `data`).",
        "",
        "Every connection in a capture was opened by the recorder's own clients to",
        "the protocol's port; keys, certificates and passwords are throwaway ones made",
        "for the run, and all served content, mail and data is generated.",
        "",
        "Two files per protocol: `NAME.pcapng` = the first packets of the whole capture",
        "(TCP handshake, the protocol's greeting, ...); `NAME-cut.pcapng` = the first",
        f"packets of the cut capture, which starts at ~{int(CUT_FRACTION * 100)} % of the whole capture "
        "(frame",
        f"int(N * {CUT_FRACTION}) + 1 of N): no handshake, no greeting, the middle of the conversations.",
        f"At most {SUBSET_MAX_PACKETS} packets per file, fewer where the per-file size budget",
        f"({budget} bytes, chosen so that the subset stays under {SUBSET_MAX_TOTAL} bytes) is",
        "reached: loopback TCP segments can carry up to 64 KiB.  The column `frames`",
        "says which frames of the whole capture (N packets, `editcap -r`) a file holds.",
        "Decode a file as its protocol with e.g.",
        "`tshark -r http1.pcapng -d tcp.port==40101,http`.",
        "",
        f"{len(rows)} files, {total} bytes.",
        "",
        "| file | protocol | server (Debian package) | client (Debian package) | port | packets | frames (of N) | tshark 4.0 w/o Decode-As |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        m = meta[r["protocol"]]
        port = str(m["port"]) if m["capture_filter"] == f"tcp port {m['port']}" else \
            f"{m['port']} (`{m['capture_filter']}`)"
        heur = ", ".join(f"{k} {v}" for k, v in r["heuristics"].items())
        cut = "whole" if r["kind"] == "whole" else "cut"
        lines.append(f"| {r['file']} | {r['protocol']} | {fmt_pkgs(m['server_packages'])} | "
                     f"{fmt_pkgs(m['client_packages'])} | {port} | {r['packets']} | "
                     f"{cut}: {r['first']}-{r['last']} (of {r['of']}) | {heur} |")
    lines += ["", "## Software and workload per protocol", ""]
    by_name = {p.name: p for p in PROTOCOLS}
    for n in names:
        m = meta[n]
        work = m.get("workload", "")
        if n in by_name:          # the description in this script, if it still has the protocol
            work = " ".join((by_name[n].func.__doc__ or "").split()) or work
        lines.append(f"- `{n}` (port {m['port']}): server {m['server']}; client {m['client']}; "
                     f"workload: {work}")
    lines += ["", "`random` is the one capture that is not real protocol software: a python",
              "client/server pair exchanging seeded random bytes (small writes of 1-200 bytes,",
              "64 KiB writes, mixed; both directions).", ""]
    write(os.path.join(subset_dir, "README.md"), "\n".join(lines))


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", default="", help="comma-separated protocol names")
    ap.add_argument("--subset", default="", help="write the committed subset into this directory")
    ap.add_argument("--subset-only", action="store_true",
                    help="do not record; make --subset from the captures in --out")
    ap.add_argument("--list", action="store_true", help="list the protocols and ports")
    ap.add_argument("--no-install", action="store_true", help="do not apt-get install")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the servers' temp dirs (logs)")
    args = ap.parse_args()
    if args.list:
        for p in PROTOCOLS:
            print(f"{p.name:14} {p.port}  {p.server}  |  {p.client}")
        return 0
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    meta_path = os.path.join(out, "negatives.json")
    meta = {}
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
    if args.subset_only:
        if not args.subset:
            ap.error("--subset-only needs --subset DIR")
        rows, budget = build_subset(out, os.path.abspath(args.subset), meta)
        log(f"subset: {len(rows)} files, {sum(r['bytes'] for r in rows)} bytes (budget {budget}/file)")
        return 0
    if os.geteuid() != 0:
        sys.exit("run as root (dumpcap on lo, apt-get, servers as their users)")
    wanted = [p for p in PROTOCOLS]
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = set(names) - {p.name for p in PROTOCOLS}
        if unknown:
            ap.error(f"unknown protocol(s): {', '.join(sorted(unknown))}")
        wanted = [p for p in PROTOCOLS if p.name in names]
    if not args.no_install:
        not_installed = set(ensure_packages(BASE_PACKAGES + sum((p.packages() for p in wanted), [])))
    else:
        not_installed = {q for p in wanted for q in p.packages() if not pkg_version(q)}
    for tool in ("tshark", "dumpcap", "editcap"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (Debian packages tshark, wireshark-common)")
    # tshark must not register a dissector on any of our ports
    dec = subprocess.run(["tshark", "-G", "decodes"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout
    ours = {port for p in wanted for port in p.ports}
    for line in dec.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "tcp.port" and parts[1].isdigit() and int(parts[1]) in ours:
            sys.exit(f"tshark registers {parts[2]} on tcp.port {parts[1]}; choose another port")
    # One CPU for everything: loopback packets sent from different CPUs can
    # reach the capture out of order.
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    base_tmp = tempfile.mkdtemp(prefix="ws-negatives-")
    os.chmod(base_tmp, 0o755)
    t_start = time.monotonic()
    failed = []
    for p in wanted:
        log(f"--- {p.name} (port {p.port})")
        try:
            lacking = [q for q in p.packages() if q in not_installed]
            if lacking:
                raise Failed(f"packages not installed: {' '.join(lacking)}")
            res = record_one(p, out, base_tmp)
            res["status"] = "ok"
            w, c = res["whole"], res["cut"]
            log(f"{p.name}: ok, {w['packets']} packets ({w['bytes']} B), cut {c['packets']} packets "
                f"({c['bytes']} B), {res['seconds']} s" + (f"; notes: {res['notes']}" if res["notes"] else ""))
        except Exception as e:      # Failed, or an unexpected error in the analysis
            if not isinstance(e, Failed):
                e = Failed(f"{type(e).__name__}: {e}")
            failed.append(p.name)
            res = {"name": p.name, "port": p.port, "status": "failed", "error": str(e)[-3000:],
                   "server": p.server, "client": p.client, "capture_filter": p.bpf or f"tcp port {p.port}"}
            log(f"{p.name}: FAILED: {e}")
            for f in (f"{p.name}.pcapng", f"{p.name}-cut.pcapng"):   # no partial captures
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(out, f))
        meta[p.name] = res
        with open(meta_path, "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
    total = time.monotonic() - t_start
    log(f"recorded {len(wanted) - len(failed)}/{len(wanted)} protocols in {total:.0f} s; "
        f"failed: {', '.join(failed) or 'none'}")
    if args.subset:
        rows, budget = build_subset(out, os.path.abspath(args.subset), meta)
        log(f"subset: {len(rows)} files, {sum(r['bytes'] for r in rows)} bytes (budget {budget}/file)")
    if args.keep_tmp or failed:
        log(f"server configs and logs kept in {base_tmp}")
    else:
        shutil.rmtree(base_tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
