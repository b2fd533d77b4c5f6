# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared by the python peers of record_impls.py: the plan file and the send log.

plan.json: {"deflate": bool, "steps": [step, ...]} where a step is one of
  {"t": "msg",   "opcode": 1|2, "hex": ...}            one message, wait for its echo
  {"t": "frag",  "opcode": 1|2, "pieces": [hex, ...]}  one message in len(pieces) frames
  {"t": "burst", "msgs": [{"opcode", "hex"}, ...]}     all sent back to back, then the echoes
  {"t": "ping",  "hex": ...}                           a ping (the pong is the library's)
  {"t": "close", "code": int, "reason": str}           the closing handshake
A server echoes every data message with its opcode.

The log (JSON lines) has one line per frame or message a peer hands to its
library or socket: {"kind": "data"|"ping"|"pong"|"close", "opcode", "hex"} where
hex is the whole message (for close: code + reason)."""
import json
import struct


def read_plan(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def close_payload(code, reason):
    return struct.pack("!H", code) + reason.encode("utf-8")


class SendLog:
    def __init__(self, path):
        self.f = open(path, "w", encoding="utf-8")

    def add(self, kind, opcode, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.f.write(json.dumps({"kind": kind, "opcode": opcode, "hex": bytes(data).hex()}) + "\n")
        self.f.flush()

    def close(self):
        self.f.close()


def expected_echoes(step):
    """(opcode, bytes) of the echoes a client step should get back."""
    if step["t"] in ("msg",):
        return [(step["opcode"], bytes.fromhex(step["hex"]))]
    if step["t"] == "frag":
        return [(step["opcode"], bytes.fromhex("".join(step["pieces"])))]
    if step["t"] == "burst":
        return [(m["opcode"], bytes.fromhex(m["hex"])) for m in step["msgs"]]
    return []
