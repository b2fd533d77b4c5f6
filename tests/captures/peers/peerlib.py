# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared by the python peers of tests/captures/record.py: the plan and the log.

Every peer is run as `PEER server|client PORT PLANDIR LOG`.  PLANDIR/plan.json
is the one plan format of tests/captures/reclib/plans.py: {"config": {"client":
CFG, "server": CFG}, "steps": [...]}, payloads as "hex" or, over 4096 bytes,
"file" (PLANDIR/payload-N.bin); read_plan() puts the bytes in "data" (and a
mid-message ping's in "ping").

The log (JSON lines, the same for every peer, python, node, Go and the browser
page) has one line per data message or control frame the peer hands to its
library or socket, {"ev": "send", "opcode", "len", "sha256", "frames"?}, and,
where the peer logs what it receives, {"ev": "recv", ...} per data message;
other events ("open": the extensions the peer saw, "tls", "close") carry their
own fields."""
import hashlib
import json
import os
import struct

OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 1, 2, 8, 9, 10


def read_plan(directory):
    with open(os.path.join(directory, "plan.json"), encoding="utf-8") as f:
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

    for st in plan["steps"]:
        dec(st)
    return plan


def client_data_messages(steps):
    """The data messages the client sends, in order (what a server receives)."""
    out = []
    for st in steps:
        if st["kind"] == "message":
            out.append(st)
        elif st["kind"] == "burst":
            out.extend(st["messages"])
    return out


def close_payload(code, reason):
    return struct.pack("!H", code) + reason.encode("utf-8")


class Log:
    def __init__(self, path):
        self.f = open(path, "w", encoding="utf-8")

    def write(self, obj):
        self.f.write(json.dumps(obj) + "\n")
        self.f.flush()

    def msg(self, ev, opcode, data, frames=None):
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        self.write({"ev": ev, "opcode": opcode, "len": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(), "frames": frames})

    def sent(self, opcode, data, frames=None):
        self.msg("send", opcode, data, frames)

    def close(self):
        self.f.close()


def expected_echoes(step):
    """(opcode, bytes) of the echoes a client step should get back."""
    if step["kind"] == "message":
        return [(step["opcode"], step["data"])]
    if step["kind"] == "burst":
        return [(m["opcode"], m["data"]) for m in step["messages"]]
    return []


def config(plan, role):
    """This side's extension configuration (None: no extension)."""
    return plan["config"].get(role)


def deflate(plan, role):
    cfg = config(plan, role)
    return bool(cfg and cfg.get("deflate"))
