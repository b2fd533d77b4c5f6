#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""websocket-client (python3-websocket) client for record_impls.py.

    wsclient_peer.py client PORT PLAN LOG

The library has no permessage-deflate; "frag" steps go out as a first frame
and continuation frames (ABNF.create_frame with fin=0)."""
import sys

import websocket
from websocket import ABNF

from peerlib import SendLog, close_payload, expected_echoes, read_plan

TIMEOUT = 30


def fail(msg):
    print(f"wsclient_peer: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def main():
    port, plan_path, log_path = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    plan = read_plan(plan_path)
    if plan["deflate"]:
        fail("websocket-client has no permessage-deflate")
    log = SendLog(log_path)
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/", timeout=TIMEOUT)
    for step in plan["steps"]:
        t = step["t"]
        if t in ("msg", "burst"):
            for m in ([step] if t == "msg" else step["msgs"]):
                data = bytes.fromhex(m["hex"])
                ws.send(data if m["opcode"] == 2 else data.decode("utf-8"), opcode=m["opcode"])
                log.add("data", m["opcode"], data)
        elif t == "frag":
            pieces = [bytes.fromhex(p) for p in step["pieces"]]
            for i, p in enumerate(pieces):
                ws.send_frame(ABNF.create_frame(p, step["opcode"] if i == 0 else ABNF.OPCODE_CONT,
                                                fin=1 if i == len(pieces) - 1 else 0))
            log.add("data", step["opcode"], b"".join(pieces))
        elif t == "ping":
            ws.ping(bytes.fromhex(step["hex"]))
            log.add("ping", 9, bytes.fromhex(step["hex"]))
            op, data = ws.recv_data(control_frame=True)
            if op != ABNF.OPCODE_PONG or data != bytes.fromhex(step["hex"]):
                fail(f"wanted a pong, got opcode {op}")
        elif t == "close":
            log.add("close", 8, close_payload(step["code"], step["reason"]))
            ws.close(status=step["code"], reason=step["reason"].encode("utf-8"), timeout=TIMEOUT)
            continue
        for op, data in expected_echoes(step):
            gop, got = ws.recv_data()
            if gop != op or got != data:
                fail(f"echo differs: opcode {gop} {len(got)} B, wanted {op} {len(data)} B")
    log.close()


if __name__ == "__main__":
    main()
