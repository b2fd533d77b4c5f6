#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""websocket-client (python3-websocket) client for tests/captures/record.py.

    wsclient_peer.py client PORT PLANDIR LOG

The library has no permessage-deflate; a fragmented message (frags) goes out
as a first frame and continuation frames (ABNF.create_frame with fin=0)."""
import sys

import websocket
from websocket import ABNF

from peerlib import Log, close_payload, deflate, expected_echoes, read_plan

TIMEOUT = 30


def fail(msg):
    print(f"wsclient_peer: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def main():
    port, plan_path, log_path = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    plan = read_plan(plan_path)
    if deflate(plan, "client"):
        fail("websocket-client has no permessage-deflate")
    log = Log(log_path)
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/", timeout=TIMEOUT)
    for step in plan["steps"]:
        t = step["kind"]
        if t in ("message", "burst"):
            for m in ([step] if t == "message" else step["messages"]):
                data = m["data"]
                if m.get("frags"):
                    pos, n = 0, len(m["frags"])
                    for i, size in enumerate(m["frags"]):
                        ws.send_frame(ABNF.create_frame(data[pos:pos + size],
                                                        m["opcode"] if i == 0 else ABNF.OPCODE_CONT,
                                                        fin=1 if i == n - 1 else 0))
                        pos += size
                    log.sent(m["opcode"], data, n)
                    continue
                ws.send(data if m["opcode"] == 2 else data.decode("utf-8"), opcode=m["opcode"])
                log.sent(m["opcode"], data, 1)
        elif t == "ping":
            ws.ping(step["data"])
            log.sent(9, step["data"])
            op, data = ws.recv_data(control_frame=True)
            if op != ABNF.OPCODE_PONG or data != step["data"]:
                fail(f"wanted a pong, got opcode {op}")
        elif t == "close":
            log.sent(8, close_payload(step["code"], step["reason"]))
            ws.close(status=step["code"], reason=step["reason"].encode("utf-8"), timeout=TIMEOUT)
            continue
        for op, data in expected_echoes(step):
            gop, got = ws.recv_data()
            if gop != op or got != data:
                fail(f"echo differs: opcode {gop} {len(got)} B, wanted {op} {len(data)} B")
    log.close()


if __name__ == "__main__":
    main()
