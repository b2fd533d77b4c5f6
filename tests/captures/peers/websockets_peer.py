#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""python3-websockets (10.4) client or echo server for tests/captures/record.py.

    websockets_peer.py server|client PORT PLANDIR LOG [--tls TLSDIR]

Configuration (plan config.client / config.server): {"compression": None}
off, {"compression": "deflate"} the library default, {"factory": {...}} the
arguments of websockets' (Client|Server)PerMessageDeflateFactory.  The server
echoes every data message (in echo_frags fragments where the plan says), pings
the client on `cmd:server-ping`, batches the echoes of a burst (TCP_CORK for
SERVER_CORK_SECONDS); the client follows the plan's steps (a burst corked, a
ping mid-message between fragments ping_at and ping_at + 1).  Both compare
every received message with the plan.  --tls: wss with the certificate in
TLSDIR, the client writes its TLS secrets to TLSDIR/keylog.txt.  Prints
"READY ..." when listening / connected."""
import argparse
import asyncio
import os
import socket

from peerlib import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, Log, client_data_messages, \
    close_payload, read_plan

MAX_SIZE = 16 * 1024 * 1024
STEP_TIMEOUT = 20.0
PEER_TIMEOUT = 90.0
SERVER_CORK_SECONDS = 0.005
SERVER_PING_TRIGGER = "cmd:server-ping"
SERVER_PING = b"srv-ping-1"
TLS_VERSION = "TLSv1_3"  # ssl.TLSVersion member; tshark 4.0 decrypts it from a key log


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


async def server(port, plan_dir, log_path, tls_dir=None):
    import websockets

    plan = read_plan(plan_dir)
    want = client_data_messages(plan["steps"])
    log = Log(log_path)
    loop = asyncio.get_running_loop()
    done = loop.create_future()

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
                    log.sent(OP_PING, SERVER_PING)
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

    async with websockets.serve(handler, "127.0.0.1", port, max_size=MAX_SIZE,
                                ping_interval=None, close_timeout=STEP_TIMEOUT,
                                ssl=_server_ssl(tls_dir),
                                **_py_ext_kwargs(plan["config"]["server"], "server")):
        print(f"READY {port}", flush=True)
        await asyncio.wait_for(done, PEER_TIMEOUT + 30)


async def client(port, plan_dir, log_path, tls_dir=None):
    import websockets

    plan = read_plan(plan_dir)
    log = Log(log_path)
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
        log.sent(OP_PING, data)
        waiter = await asyncio.wait_for(ws.ping(data), STEP_TIMEOUT)
        await asyncio.wait_for(waiter, STEP_TIMEOUT)

    async def send(m):
        frags = m.get("frags")
        if not frags:
            log.msg("send", m["opcode"], m["data"], 1)
            await asyncio.wait_for(ws.send(_as_msg(m["opcode"], m["data"])), STEP_TIMEOUT)
            return
        pieces = _pieces(m["opcode"], m["data"], frags)
        if "ping_at" not in m:
            log.msg("send", m["opcode"], m["data"], len(frags) + 1)
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
        # logged in the order the wire completes them: the ping, then the message
        log.msg("send", m["opcode"], m["data"], len(frags) + 1)

    for st in plan["steps"]:
        k = st["kind"]
        if k == "message":
            await send(st)
            await expect_echo(st["opcode"], st["data"])
        elif k == "ping":
            await ping(st["data"])
        elif k == "pong":
            log.sent(OP_PONG, st["data"])
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
            log.sent(OP_CLOSE, close_payload(st["code"], st["reason"]))
            await asyncio.wait_for(ws.close(st["code"], st["reason"]), STEP_TIMEOUT)
            if (ws.close_code, ws.close_reason) != (st["code"], st["reason"]):
                raise RuntimeError(f"server closed with {ws.close_code} {ws.close_reason!r}")
            log.write({"ev": "close", "code": ws.close_code, "reason": ws.close_reason})
            print(f"DONE close {ws.close_code} {ws.close_reason}", flush=True)
        else:
            raise RuntimeError(f"unknown step {k}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=("server", "client"))
    ap.add_argument("port", type=int)
    ap.add_argument("plan_dir")
    ap.add_argument("log")
    ap.add_argument("--tls", metavar="TLSDIR")
    a = ap.parse_args()
    asyncio.run((server if a.role == "server" else client)(a.port, a.plan_dir, a.log, a.tls))


if __name__ == "__main__":
    main()
