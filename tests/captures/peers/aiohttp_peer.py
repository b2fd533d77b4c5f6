#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aiohttp (python3-aiohttp) WebSocket client or echo server for tests/captures/record.py.

    aiohttp_peer.py server PORT PLANDIR LOG
    aiohttp_peer.py client PORT PLANDIR LOG

Configuration (plan config.client / config.server): {"deflate": bool}.

The server echoes every data message, lets aiohttp answer pings and the close,
prints READY when listening and exits after its one connection is over.  The
client sends whole messages only (aiohttp has no API for fragments)."""
import asyncio
import sys

import aiohttp
from aiohttp import web

from peerlib import Log, close_payload, deflate, expected_echoes, read_plan

TIMEOUT = 30


def fail(msg):
    print(f"aiohttp_peer: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


async def server(port, plan, log):
    done = asyncio.Event()

    async def ws_handler(request):
        ws = web.WebSocketResponse(compress=deflate(plan, "server"), max_msg_size=0, autoping=True)
        await ws.prepare(request)
        async for m in ws:
            if m.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str(m.data)
                log.sent(1, m.data)
            elif m.type == aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(m.data)
                log.sent(2, m.data)
            else:
                break
        done.set()
        return ws

    app = web.Application()
    app.router.add_get("/", ws_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("READY", flush=True)
    await asyncio.wait_for(done.wait(), 120)
    await asyncio.sleep(0.2)
    await runner.cleanup()


async def client(port, plan, log):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://127.0.0.1:{port}/", compress=15 if deflate(plan, "client") else 0,
                                      max_msg_size=0, autoping=True, timeout=TIMEOUT) as ws:
            for step in plan["steps"]:
                t = step["kind"]
                if t == "message" or t == "burst":
                    for m in ([step] if t == "message" else step["messages"]):
                        if m.get("frags"):
                            fail("aiohttp has no API for fragments")
                        data = m["data"]
                        if m["opcode"] == 1:
                            await ws.send_str(data.decode("utf-8"))
                        else:
                            await ws.send_bytes(data)
                        log.sent(m["opcode"], data)
                elif t == "ping":
                    await ws.ping(step["data"])
                    log.sent(9, step["data"])
                    await asyncio.sleep(0.05)
                elif t == "close":
                    log.sent(8, close_payload(step["code"], step["reason"]))
                    await ws.close(code=step["code"], message=step["reason"].encode("utf-8"))
                    continue
                else:
                    fail(f"aiohttp cannot send step {t}")
                for op, data in expected_echoes(step):
                    m = await asyncio.wait_for(ws.receive(), TIMEOUT)
                    got = m.data.encode("utf-8") if m.type == aiohttp.WSMsgType.TEXT else m.data
                    want_type = aiohttp.WSMsgType.TEXT if op == 1 else aiohttp.WSMsgType.BINARY
                    if m.type != want_type or got != data:
                        fail(f"echo differs: {m.type} {len(got or b'')} B, wanted {op} {len(data)} B")


def main():
    role, port, plan_path, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    plan = read_plan(plan_path)
    log = Log(log_path)
    coro = server(port, plan, log) if role == "server" else client(port, plan, log)
    asyncio.run(asyncio.wait_for(coro, 180))
    log.close()


if __name__ == "__main__":
    main()
