# SPDX-License-Identifier: GPL-2.0-or-later
"""The plans: seeded payloads and the client's script, in the one format every
peer reads (tests/captures/peers/), and the messages a plan makes each side
send.

A plan directory holds plan.json, {"config": {"client": CFG, "server": CFG},
"steps": [...]}, and payload-N.bin for payloads over 4096 bytes.  CFG is the
row's extension configuration in the peer's own terms.  Steps:
  {"kind": "message", "opcode": 1|2, "hex"|"file", "frags"?: [sizes],
   "ping_at"?: i, "ping_hex"?: ..., "echo_frags"?: [sizes], "cork"?: true,
   "how"?: JS type}               one message (fragments of these sizes; a ping
                                  after fragment ping_at), then its echo
  {"kind": "burst", "messages": [message, ...]}   back to back, then the echoes
  {"kind": "ping", "hex"}         a ping, the other side's library answers
  {"kind": "pong", "hex"}         an unsolicited pong
  {"kind": "close", "code", "reason"}   the closing handshake (code null: the
                                  library's own close, socket.io's disconnect)
A server echoes every data message with its opcode and payload; the text
`cmd:server-ping` makes the python and node servers ping first.
"""

import hashlib
import json
import os
import random
import sys

from .common import HEX_MAX, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, die

# A close frame's payload as the peers make it (peers/peerlib.py): one definition for both sides.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "peers"))
from peerlib import close_payload  # noqa: E402,F401

CLIENT_PING = b"ping-1"
CLIENT_PONG = b"pong-1"
SERVER_PING_TRIGGER = "cmd:server-ping"
SERVER_PING = b"srv-ping-1"
CLOSE_CODE, CLOSE_REASON = 1000, "bye"
BURST_COUNT = 40
FILE_OVER = 4096

# "plain" (seed PLAIN_SEED, sizes PLAIN_SIZES; text of random printable
# characters), "plain-wss" (the same without the 1,000,000-byte messages),
# "deflate" / "chromium" / "frag-node" / "frag-py" (seed EXT_SEED;
# compressible JSON-lines text and blocky binary), "mixed" and the short ones
# (seed IMPLS_SEED and the recording's name).
PLAIN_SEED = "wireshark-ws-plugin-captures-v1"
EXT_SEED = "wireshark-ws-plugin-captures-ext-v2"
IMPLS_SEED = "wireshark-ws-plugin-captures-impls-v1"
PLAIN_SIZES = [0, 1, 125, 126, 65535, 65536, 1000000]
WSS_SIZES = [s for s in PLAIN_SIZES if s != 1000000]
DEFLATE_SIZES = [0, 1, 125, 1000, 65536, 1000000]
CHROMIUM_SIZES = [0, 1, 125, 1000, 65536, 300000]
MIXED_SIZES = [0, 1, 125, 126, 1000, 5000]

# what a client of the "mixed" plan can be asked to do
CAN_FRAG = {"wsclient", "raw"}
CAN_PING = {"aiohttp", "wsclient", "gorilla", "raw"}
CAN_CLOSE_CODE = {"aiohttp", "wsclient", "gorilla", "raw", "firefox"}


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


def build_plan(kind, name=None, client=None, big=()):
    """The client's script (steps, see the module docstring; `data` and
    `ping` as bytes).  kind: the plan's name; the "mixed" and short plans are
    seeded with the recording's name, adapted to what the client can do, and
    `big` adds messages ((type, size) pairs) to "mixed"."""
    if kind in IMPLS_PLANS:
        return build_impls_plan(kind, name, client, big)
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
        die(f"unknown plan {kind}")
    steps.append({"kind": "close", "code": CLOSE_CODE, "reason": CLOSE_REASON})
    return checked(steps)


def checked(steps):
    for st in steps:
        for m in ([st] if st["kind"] == "message" else st.get("messages", [])):
            for key in ("frags", "echo_frags"):
                if key in m:
                    assert sum(m[key]) == len(m["data"]), (key, m[key], len(m["data"]))
    return steps


IMPLS_PLANS = ("mixed", "text-close", "ping-text", "binary2-close", "burst")


def _split_utf8(data, parts):
    """Cut UTF-8 text into `parts` pieces, some cuts inside a character."""
    n = len(data)
    cuts = sorted({max(1, min(n - 1, n * k // parts + (k % 2))) for k in range(1, parts)})
    return sizes_from_cuts(n, cuts)


def build_impls_plan(kind, name, client, big):
    """The plans of the recordings between other implementations: "mixed"
    (every size as text and binary, pings of 0 and 125 bytes where the client
    can ping, the `big` messages, a burst of 12, fragmented messages where the
    client can send fragments, close with a random 4xxx code) and the short
    conversations."""
    rng = random.Random(f"{IMPLS_SEED}/{name}")
    close = {"kind": "close", "code": 4000 + rng.randrange(900), "reason": "plan done ✓"}
    text = lambda n: make_json_text(rng, n)  # noqa: E731
    binary = lambda n: make_blocky_binary(rng, n)  # noqa: E731
    if kind == "text-close":
        steps = [msg(OP_TEXT, b'{"hello":"world","n":1}'), dict(close, code=1000, reason="bye")]
    elif kind == "ping-text":
        steps = [{"kind": "ping", "data": b"are you there"}, msg(OP_TEXT, text(300))]
    elif kind == "binary2-close":
        steps = [msg(OP_BINARY, binary(40)), msg(OP_BINARY, binary(3000)),
                 dict(close, code=1001, reason="going away")]
    elif kind == "burst":
        steps = [{"kind": "burst", "messages": [{"opcode": OP_TEXT, "data": text(n)} for n in (5, 17, 2)]
                  + [{"opcode": OP_BINARY, "data": rng.randbytes(9)}]},
                 dict(close, code=1000, reason="")]
    else:   # mixed
        steps = []
        for n in MIXED_SIZES:
            steps.append(msg(OP_TEXT, text(n)))
            steps.append(msg(OP_BINARY, binary(n)))
        if client in CAN_PING:
            steps.insert(3, {"kind": "ping", "data": b""})
            steps.insert(8, {"kind": "ping", "data": rng.randbytes(125)})
        for typ, n in big:
            steps.append(msg(OP_TEXT, text(n)) if typ == "text" else msg(OP_BINARY, binary(n)))
        steps.append({"kind": "burst", "messages": [
            {"opcode": OP_TEXT if k % 3 else OP_BINARY,
             "data": text(rng.randint(2, 60)) if k % 3 else rng.randbytes(rng.randint(1, 30))}
            for k in range(12)]})
        if client in CAN_FRAG:
            t = "Grüße aus Łódź — 😀 𝄞 ".encode() * 40
            steps.append(msg(OP_TEXT, t, frags=_split_utf8(t, 3)))
            pieces = [binary(126), b"", binary(1)]
            steps.append(msg(OP_BINARY, b"".join(pieces), frags=[len(p) for p in pieces]))
            pieces = [text(1000) for _ in range(5)]
            steps.append(msg(OP_TEXT, b"".join(pieces), frags=[len(p) for p in pieces]))
            pieces = [binary(40000), binary(30000)]
            steps.append(msg(OP_BINARY, b"".join(pieces), frags=[len(p) for p in pieces]))
        steps.append(close)
    if client not in CAN_CLOSE_CODE:
        steps = [dict(s, code=None, reason=None) if s["kind"] == "close" else s for s in steps]
    return checked(steps)


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


# The frames a library sends a message in: None where the library decides
# (the browsers, gorilla with its small write buffers); python ends a
# fragmented message with an empty FIN frame; raw_peer.py's server echoes in
# the frames it received.
UNKNOWN_FRAMES = {"chromium", "firefox", "gorilla", "sio"}


def frames_sent(impl, frags, received=None):
    if impl in UNKNOWN_FRAMES:
        return None
    if impl == "raw" and received is not None:
        return received
    if not frags:
        return 1
    return len(frags) + (1 if impl == "python" else 0)


def close_reply(server, payload):
    """The close frame a server library answers a close with: the same code
    and reason, but aiohttp, which answers 1000 without a reason."""
    return close_payload(1000, "") if server == "aiohttp" else payload


def expected_messages(steps, client, server):
    """What the plan makes each side send, in order of completion on the wire:
    list of (dir, opcode, data, frames), frames as frames_sent (auto-pongs and
    the close reply included)."""
    msgs = []

    def echo(m):
        sent = frames_sent(client, m.get("frags"))
        msgs.append(("c2s", m["opcode"], m["data"], sent))
        return lambda: msgs.append(("s2c", m["opcode"], m["data"],
                                    frames_sent(server, m.get("echo_frags"), sent)))

    for st in steps:
        k = st["kind"]
        if k == "message":
            if "ping_at" in st:
                msgs.append(("c2s", OP_PING, st["ping"], 1))
                msgs.append(("s2c", OP_PONG, st["ping"], 1))
            back = echo(st)
            if st["opcode"] == OP_TEXT and st["data"] == SERVER_PING_TRIGGER.encode():
                msgs.append(("s2c", OP_PING, SERVER_PING, 1))
                msgs.append(("c2s", OP_PONG, SERVER_PING, 1))
            back()
        elif k == "ping":
            msgs.append(("c2s", OP_PING, st["data"], 1))
            msgs.append(("s2c", OP_PONG, st["data"], 1))
        elif k == "pong":
            msgs.append(("c2s", OP_PONG, st["data"], 1))
        elif k == "burst":
            for back in [echo(m) for m in st["messages"]]:
                back()
        elif k == "close":
            cp = close_payload(st["code"], st["reason"])
            msgs.append(("c2s", OP_CLOSE, cp, 1))
            msgs.append(("s2c", OP_CLOSE, close_reply(server, cp), 1))
        else:
            die(f"unknown step {k}")
    return msgs


def truth_entry(direction, opcode, data, frames, compressed):
    d = {"dir": direction, "opcode": opcode, "len": len(data),
         "sha256": hashlib.sha256(data).hexdigest()}
    if len(data) <= HEX_MAX:
        d["hex"] = data.hex()
    d["frames"] = frames
    d["compressed"] = compressed
    return d


