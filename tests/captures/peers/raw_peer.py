#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A WebSocket peer on a bare socket that writes every frame as two TCP
segments: send(header), a short sleep, send(payload) (TCP_NODELAY).  For
tests/captures/record.py.  The one exception: the client sends a "burst" step corked
(TCP_CORK), whole frames back to back, so that they share segments.

    raw_peer.py client PORT PLANDIR LOG
    raw_peer.py server PORT PLANDIR LOG

Real HTTP/1.1 Upgrade handshake (Sec-WebSocket-Key / Accept checked), no
extensions.  The client masks its frames (a fresh key per frame); the server
does not.  The server echoes each data message in as many frames, of the same
sizes, as it came in, answers a ping with a pong and a close with the same close
frame."""
import base64
import hashlib
import os
import socket
import struct
import sys
import time

from peerlib import Log, close_payload, deflate, expected_echoes, read_plan

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
GAP = 0.02
TIMEOUT = 30


def fail(msg):
    print(f"raw_peer: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


class Conn:
    def __init__(self, sock, mask):
        self.s = sock
        self.mask = mask
        self.buf = b""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(TIMEOUT)

    def read(self, n):
        while len(self.buf) < n:
            self.quickack()
            chunk = self.s.recv(65536)
            if not chunk:
                fail("connection closed early")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_until(self, mark):
        while mark not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                fail("connection closed in the handshake")
            self.buf += chunk
        i = self.buf.index(mark) + len(mark)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def send_frame(self, opcode, payload, fin=True, whole=False):
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        mbit = 0x80 if self.mask else 0
        if n < 126:
            head += bytes([mbit | n])
        elif n < 65536:
            head += bytes([mbit | 126]) + struct.pack("!H", n)
        else:
            head += bytes([mbit | 127]) + struct.pack("!Q", n)
        if self.mask:
            key = os.urandom(4)
            head += key
            payload = bytes(b ^ key[i & 3] for i, b in enumerate(payload))
        if whole:
            self.s.sendall(head + payload)
            return
        self.s.sendall(head)
        if payload:
            time.sleep(GAP)
            self.s.sendall(payload)
        time.sleep(GAP)

    def quickack(self):
        # ACK at once (the kernel leaves quick ACK mode on its own): with
        # delayed ACKs the other side's tail loss probe retransmits its last
        # segment, a TCP anomaly the recorder rejects
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def read_frame(self):
        b0, b1 = self.read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read(8))[0]
        key = self.read(4) if b1 & 0x80 else None
        data = self.read(n)
        if key:
            data = bytes(b ^ key[i & 3] for i, b in enumerate(data))
        return bool(b0 & 0x80), b0 & 0x0F, data

    def read_message(self, pong_log=None):
        """(opcode, data, frame sizes) of the next data message or control frame."""
        fin, op, data = self.read_frame()
        if op >= 8 or fin:
            return op, data, [len(data)]
        sizes = [len(data)]
        parts = [data]
        while True:
            fin, cop, d = self.read_frame()
            if cop >= 8:
                fail("control frame inside a message (not expected from the plans)")
            parts.append(d)
            sizes.append(len(d))
            if fin:
                return op, b"".join(parts), sizes


def accept_key(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def client(port, plan, log):
    c = Conn(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT), mask=True)
    key = base64.b64encode(os.urandom(16)).decode()
    c.s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                 "User-Agent: raw_peer.py (split header/payload writer)\r\n\r\n").encode())
    resp = c.read_until(b"\r\n\r\n").decode("latin-1")
    if not resp.startswith("HTTP/1.1 101") or accept_key(key) not in resp:
        fail(f"bad handshake response {resp!r}")
    if "sec-websocket-extensions" in resp.lower():
        fail("server accepted an extension nobody offered")
    for step in plan["steps"]:
        t = step["kind"]
        if t == "message" and step.get("frags"):
            data, pos, n = step["data"], 0, len(step["frags"])
            for i, size in enumerate(step["frags"]):
                c.send_frame(step["opcode"] if i == 0 else 0, data[pos:pos + size], fin=i == n - 1)
                pos += size
            log.sent(step["opcode"], data, n)
        elif t == "message":
            data = step["data"]
            c.send_frame(step["opcode"], data)
            log.sent(step["opcode"], data, 1)
        elif t == "burst":
            # the exception: a burst goes out corked, whole frames back to back, so
            # that many share a segment
            c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            for m in step["messages"]:
                if m.get("frags"):
                    fail("fragments in a burst are not implemented")
                c.send_frame(m["opcode"], m["data"], whole=True)
                log.sent(m["opcode"], m["data"], 1)
            c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
        elif t == "ping":
            data = step["data"]
            c.send_frame(9, data)
            log.sent(9, data)
            op, got, _ = c.read_message()
            if op != 10 or got != data:
                fail(f"wanted the pong, got opcode {op}")
        elif t == "close":
            data = close_payload(step["code"], step["reason"])
            # ACK the server's close and FIN at once: a delayed ACK lets the kernel
            # probe with a retransmitted FIN (a TCP anomaly in the capture)
            c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            c.send_frame(8, data)
            c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            log.sent(8, data)
            op, got, _ = c.read_message()
            if op != 8:
                fail(f"wanted the close reply, got opcode {op}")
            # the server closes the TCP connection first
            c.s.settimeout(TIMEOUT)
            while c.s.recv(4096):
                pass
            c.s.close()
            return
        for op, data in expected_echoes(step):
            gop, got, _ = c.read_message()
            if (gop, got) != (op, data):
                fail(f"echo differs: opcode {gop} {len(got)} B, wanted {op} {len(data)} B")
    c.s.close()


def server(port, plan, log):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    ls.settimeout(60)
    print("READY", flush=True)
    s, _ = ls.accept()
    c = Conn(s, mask=False)
    req = c.read_until(b"\r\n\r\n").decode("latin-1")
    key = None
    for line in req.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "sec-websocket-key":
            key = v.strip()
    if not req.startswith("GET ") or not key:
        fail(f"bad upgrade request {req!r}")
    s.sendall((f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Accept: {accept_key(key)}\r\nServer: raw_peer.py\r\n\r\n").encode())
    while True:
        op, data, sizes = c.read_message()
        if op == 9:
            c.send_frame(10, data)
            log.sent(10, data)
        elif op == 10:
            pass
        elif op == 8:
            c.send_frame(8, data)
            log.sent(8, data)
            s.shutdown(socket.SHUT_WR)
            s.settimeout(5)
            try:
                while s.recv(4096):
                    pass
            except OSError:
                pass
            s.close()
            return
        else:
            pos = 0
            for i, n in enumerate(sizes):
                c.send_frame(op if i == 0 else 0, data[pos:pos + n], fin=i == len(sizes) - 1)
                pos += n
            log.sent(op, data, len(sizes))


def main():
    role, port, plan_path, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    plan = read_plan(plan_path)
    if deflate(plan, role):
        fail("raw_peer has no permessage-deflate")
    log = Log(log_path)
    (server if role == "server" else client)(port, plan, log)
    log.close()


if __name__ == "__main__":
    main()
