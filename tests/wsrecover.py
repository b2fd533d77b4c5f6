# SPDX-License-Identifier: GPL-2.0-or-later
"""Rebuilds, from tshark's -T fields output, the sequence of messages each side sent,
so that tests can compare it with the ground truth a recorder wrote."""
import hashlib
import json
import os

from tsharkenv import CAPTURES

SEP = "\x1f"


def load_truth(name):
    with open(os.path.join(CAPTURES, name), encoding="utf-8") as f:
        return json.load(f)


def recover(tshark, capture, server_port, extra=()):
    """Returns {"c2s": [(opcode, bytes)], "s2c": [...]} from ws.opcode / ws.payload, frames in
    packet order; pieces of an oversized frame are appended to the frame they continue."""
    rows = tshark.fields(capture, ["tcp.srcport", "ws.opcode", "ws.payload_length", "ws.payload", "ws.continued.offset",
                                   "ws.payload_piece"], extra=extra, occurrence_sep=SEP)
    out = {"c2s": [], "s2c": []}
    for srcport, opcodes, lengths, payloads, continued, pieces in rows:
        if not opcodes and not continued:
            continue
        d = "s2c" if int(srcport) == server_port else "c2s"
        ops = [int(o) for o in opcodes.split(SEP)] if opcodes else []
        lens = [int(n) for n in lengths.split(SEP)] if lengths else []
        pays = payloads.split(SEP) if payloads else []
        # Pieces of frames that are not whole in one packet: first the one that continues
        # an earlier frame, last the start of a frame that goes on in later packets.
        parts = [b"" if p == "<MISSING>" else bytes.fromhex(p) for p in pieces.split(SEP)] if pieces else []
        if continued:
            op, data = out[d][-1]
            out[d][-1] = (op, data + parts.pop(0))
        # Without TCP reassembly a packet can end inside a header: its frame has an
        # opcode but no length yet, and its payload comes in the next packets' pieces.
        cut = ops[len(lens):]
        assert len(cut) <= 1 and len(lens) == len(pays) + len(parts), (srcport, opcodes, lengths)
        for i, (op, n) in enumerate(zip(ops, lens)):
            if i < len(pays):
                # A zero-length bytes field prints as <MISSING>.
                p = pays[i]
                data = b"" if n == 0 and p == "<MISSING>" else bytes.fromhex(p)
            else:
                data = parts.pop(0)
            out[d].append((op, data))
        out[d] += [(op, b"") for op in cut]
    return out


def expected(truth):
    want = {"c2s": [], "s2c": []}
    for m in truth["messages"]:
        want[m["dir"]].append((m["opcode"], m["len"], m["sha256"]))
    return want


def digest(got):
    return {d: [(op, len(b), hashlib.sha256(b).hexdigest()) for op, b in msgs] for d, msgs in got.items()}


def builtin_frame_starts(tshark, whole, port):
    """(opcode, first packet) of every WebSocket frame of a whole recording, per direction
    in wire order, from Wireshark's built-in dissector (the plugin is disabled)."""
    out = tshark.run(tshark.builtin_whole_args() + ["-r", tshark.derived_abs(whole), "--disable-protocol", "ws", "-o",
                      "tcp.desegment_tcp_streams:TRUE", "-Y", "websocket", "-T", "fields", "-E", "occurrence=a",
                      "-E", "aggregator=,", "-e", "frame.number", "-e", "tcp.srcport", "-e", "websocket.opcode",
                      "-e", "tcp.segment"]).stdout.decode()
    frames = {"c2s": [], "s2c": []}
    for line in out.splitlines():
        num, sport, ops, segs = line.split("\t")
        d = "s2c" if int(sport) == port else "c2s"
        first = min(int(x) for x in segs.split(",")) if segs else int(num)
        for i, op in enumerate(ops.split(",")):
            frames[d].append((int(op), first if i == 0 else int(num)))
    return frames


def builtin_message_starts(tshark, whole, port):
    """First packet of every message (control frames count as messages) per direction:
    a message starts with its first frame; continuation frames belong to it."""
    starts = {"c2s": [], "s2c": []}
    for d, frames in builtin_frame_starts(tshark, whole, port).items():
        for op, first in frames:
            if op != 0:
                starts[d].append(first)
    return starts


def _bytes(n, p):
    # A zero-length bytes field prints as <MISSING>.
    return b"" if n == 0 and p == "<MISSING>" else bytes.fromhex(p)


def row_messages(opcodes, fins, payloads, mlens, mpays, mops, plens, mdec, rsvs, cont, cops="", cpays=""):
    """The whole messages one packet presents, in order, as [(opcode, bytes)], from the
    -T fields values (occurrences joined by SEP) of ws.opcode, ws.fin, ws.payload,
    ws.message.length, ws.message.payload, ws.message.opcode, ws.payload_length,
    ws.message.decoded, ws.rsv, ws.continued.frame, ws.continued.opcode and
    ws.continued.payload: a message of one plain frame (text
    or binary, FIN, no RSV1) and control frames from their own payload (a lone frame's
    ws.message fields, which every complete message has, checked against it), other
    messages from ws.message.* on the frame that completes them, or first of all on a packet
    whose continued piece completes a frame gathered over several packets (a control
    frame's payload is then ws.continued.payload). Messages that could not be decoded
    (ws.message.decoded false) give nothing."""
    ops = [int(o) for o in opcodes.split(SEP)] if opcodes else []
    fin = [f in ("1", "True") for f in fins.split(SEP)] if fins else []
    pays = payloads.split(SEP) if payloads else []
    plen = [int(x) for x in plens.split(SEP)] if plens else []
    rsv = [int(x, 0) for x in rsvs.split(SEP)] if rsvs else []
    mops_l = [int(x) for x in mops.split(SEP)] if mops else []
    dec_l = [x in ("1", "True") for x in mdec.split(SEP)] if mdec else []
    mlen_l = [int(x) for x in mlens.split(SEP)] if mlens else []
    mpay_l = mpays.split(SEP) if mpays else []
    if not (len(mops_l) == len(dec_l) and sum(dec_l) == len(mlen_l) == len(mpay_l)):
        raise AssertionError("ws.message fields do not line up: %r %r %r" % (mops, mdec, mlens))
    msgs = []
    for mop, ok in zip(mops_l, dec_l):
        msgs.append((mop, _bytes(mlen_l.pop(0), mpay_l.pop(0)) if ok else None))
    frames = [(op, f, _bytes(n, p), n, r) for op, f, p, n, r in zip(ops, fin, pays, plen, rsv)]
    out, problems = assign_messages(frames, msgs, cont)
    if cont and cpays:
        out.insert(0, (int(cops), b"" if cpays == "<MISSING>" else bytes.fromhex(cpays), False))
    if problems:
        raise AssertionError("; ".join(problems))
    return [(op, body) for op, body, _ in out]


def assign_messages(frames, msgs, cont):
    """The messages one packet presents, in order, as [(opcode, bytes, truncated)], and
    the problems seen. frames: its frames [(opcode, fin, payload bytes, payload length,
    rsv)]; msgs: its ws.message records [(opcode, bytes or None when not decoded)], in
    order; cont: the packet begins with the piece that completes an earlier frame.

    Every complete data message has a record in the packet that completes it: a lone
    frame (text or binary, FIN, no RSV1) too, unless its payload is cut short (its record
    is checked against its payload); a frame gathered over several packets completes
    first. A continuation with FIN ahead of any message start in the packet may belong to
    no message (the capture began inside one): it has a record only if there are enough."""
    msgs = list(msgs)
    problems = []
    lone_whole = sum(1 for op, f, b, n, r in frames if lone(op, f, r) and len(b) == n)
    others = [i for i, (op, f, b, n, r) in enumerate(frames) if op < 8 and f and not lone(op, f, r)]
    first_start = next((i for i, fr in enumerate(frames) if fr[0] in (1, 2)), len(frames))
    uncertain = others[0] if others and frames[others[0]][0] == 0 and others[0] < first_start else None
    spare = len(msgs) - lone_whole - len(others)
    out = []
    if cont and spare > 0:
        op, body = msgs.pop(0)
        spare -= 1
        if body is not None:
            out.append((op, body, False))
    skip = uncertain if spare < 0 else None
    for i, (op, f, b, n, r) in enumerate(frames):
        if op >= 8 or lone(op, f, r):
            out.append((op, b, len(b) != n))
            if op < 8 and len(b) == n and (not msgs or msgs.pop(0) != (op, b)):
                problems.append("a lone frame's ws.message fields differ from its payload")
        elif f and msgs and i != skip:
            mop, body = msgs.pop(0)
            if body is not None:
                out.append((mop, body, False))
    if msgs:
        problems.append("%d ws.message trees left over after the frames" % len(msgs))
    return out, problems


def lone(op, fin, rsv):
    """A data frame that is a message by itself: text or binary, FIN, no RSV1."""
    return op in (1, 2) and fin and not rsv & 4


MESSAGE_FIELDS = ["ws.opcode", "ws.fin", "ws.payload", "ws.message.length", "ws.message.payload", "ws.message.opcode",
                  "ws.payload_length", "ws.message.decoded", "ws.rsv", "ws.continued.frame", "ws.continued.opcode",
                  "ws.continued.payload"]


def recover_messages(tshark, capture, server_port, extra=()):
    """Like recover(), but whole messages (row_messages()), per direction in packet order.
    Fragments, frames of unfinished messages and messages that could not be decompressed
    give nothing."""
    rows = tshark.fields(capture, ["tcp.srcport"] + MESSAGE_FIELDS, extra=extra, occurrence_sep=SEP)
    out = {"c2s": [], "s2c": []}
    for row in rows:
        srcport, opcodes, mops, cont, cpays = row[0], row[1], row[6], row[10], row[12]
        if not opcodes and not (cont and (mops or cpays)):
            continue
        d = "s2c" if int(srcport) == server_port else "c2s"
        out[d] += row_messages(*row[1:])
    return out
