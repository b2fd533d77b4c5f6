# SPDX-License-Identifier: GPL-2.0-or-later
"""The MQTT rows of record.py (plan "mqtt-311" / "mqtt-5"): python3-paho-mqtt
(peers/paho_peer.py, transport="websockets") against mosquitto's websockets
listener (peers/mosquitto_peer.py).  The same namespace, dumpcap, attempts,
analysis and -nohs cut as every row (record_one's machinery); other checks and
more truth, because mosquitto logs no WebSocket frames:

  wire      every WebSocket message binary, each holding whole MQTT control
            packets (parsed here: type, flags, topic, packet id, v5
            properties skipped, payload); the 101 answers
            Sec-WebSocket-Protocol: mqtt
  paho      the packet types of each direction are those paho's own log says
            it sent ("Sending X") and received ("Received X"), in order; its
            PUBLISH packets (topic, QoS, retain, payload sha256) those the
            peer handed to paho, and those that came back those it got
  mosquitto the broker's log names the same packets the other way round
            ("Received X from", "Sending X to"; it logs no CONNECT, only the
            client's arrival "as CLIENT_ID"), PUBLISH with QoS, retain,
            packet id, topic and length
  tshark    Wireshark's built-in WebSocket dissector (handshake seen, plugin
            disabled) shows the same frames, and each message's unmasked
            bytes (its data layer) are the parsed ones

The truth (NAME.truth.json) is a usual one (every WebSocket message, so the
WebSocket tests take these recordings too) plus "subprotocol", "cut" (the
101's packet: -nohs packet = packet - cut) and "mqtt": every MQTT packet per
direction in order, {"dir", "type", "msgtype", "packet", and for PUBLISH
"topic", "qos", "retain", "len", "sha256", "hex" (up to 512 bytes)}."""

import hashlib
import json
import os
import random
import re
import shutil
import time

from . import capture, checks
from .analyse import analyse, make_nohs, packet_count, parse_http, stats, tcp_anomalies, tcp_streams
from .common import HEX_MAX, MAX_ATTEMPTS, MAX_CAPTURE_BYTES, OP_BINARY, REPO, die, impl_version, say, tshark
from .plans import truth_entry

TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
         8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
         14: "DISCONNECT", 15: "AUTH"}
BIG_311, BIG_5 = 70000, 20000


def build_plan(kind, name):
    """The paho peer's plan (mqtt.json) and the payloads over 4096 bytes as
    files: {"plan": ..., "files": {name: bytes}}.  Seeded by the row's name."""
    rng = random.Random(name)
    files = {}

    def pub(topic, qos, retain, data):
        m = {"topic": topic, "qos": qos, "retain": retain}
        if len(data) > 4096:
            fn = f"payload-{len(files) + 1}.bin"
            files[fn] = data
            m["file"] = fn
        else:
            m["hex"] = data.hex()
        return m

    rnd = lambda n: bytes(rng.getrandbits(8) for _ in range(n))  # noqa: E731
    if kind == "mqtt-311":
        plan = {"protocol": 4, "client_id": "paho-ws-311", "keepalive": 60, "path": "/mqtt",
                "before": [pub("ws/retained/config", 1, True, b'{"interval":5,"unit":"s"}')],
                "subscribe": [["ws/#", 2]],
                "after": [pub("ws/text", 0, False, b"hello over websocket"),
                          pub("ws/binary", 1, False, bytes([0, 1, 2, 0xff, 0x10, 0x00])),
                          pub("ws/qos2", 2, False, rnd(200)),
                          pub("ws/big", 1, False, rnd(BIG_311)),
                          pub("ws/after-big", 0, False, b"still in step")]}
    elif kind == "mqtt-5":
        plan = {"protocol": 5, "client_id": "paho-ws-5", "keepalive": 30, "path": "/mqtt",
                "before": [pub("sensors/retained", 0, True, b"21.5")],
                "subscribe": [["sensors/#", 1]],
                "after": [pub("sensors/na\u00efve/\u00fc", 1, False, "gr\u00fc\u00df dich".encode()),
                          pub("sensors/q0", 0, False, rnd(40)),
                          pub("sensors/q1", 1, False, rnd(1000)),
                          pub("sensors/big", 1, False, rnd(BIG_5))]}
    else:
        die(f"unknown MQTT plan {kind}")
    return {"plan": plan, "files": files}


def write_plan(built, directory):
    with open(os.path.join(directory, "mqtt.json"), "w", encoding="utf-8") as f:
        json.dump(built["plan"], f, indent=1)
    for fn, data in built["files"].items():
        with open(os.path.join(directory, fn), "wb") as f:
            f.write(data)


def parse_packets(data, level, what):
    """The MQTT control packets of one WebSocket message (it must hold whole
    packets only)."""
    out, pos = [], 0
    while pos < len(data):
        b0 = data[pos]
        typ, flags = b0 >> 4, b0 & 0x0F
        rl, mul, i = 0, 1, pos + 1
        while True:
            if i >= len(data) or i - pos > 4:
                die(f"{what}: bad Remaining Length at offset {pos}")
            rl += (data[i] & 0x7F) * mul
            mul *= 128
            i += 1
            if not data[i - 1] & 0x80:
                break
        body = data[i:i + rl]
        if len(body) != rl or typ not in TYPES:
            die(f"{what}: packet at offset {pos} (type {typ}) does not fit the message")
        p = {"type": TYPES[typ], "msgtype": typ}
        if typ == 3:
            qos = (flags >> 1) & 3
            tl = int.from_bytes(body[:2], "big")
            p.update(topic=body[2:2 + tl].decode("utf-8"), qos=qos, retain=bool(flags & 1), dup=bool(flags & 8))
            at = 2 + tl
            if qos:
                p["mid"] = int.from_bytes(body[at:at + 2], "big")
                at += 2
            if level == 5:
                plen, mul, j = 0, 1, at
                while True:
                    plen += (body[j] & 0x7F) * mul
                    mul *= 128
                    j += 1
                    if not body[j - 1] & 0x80:
                        break
                at = j + plen
            p["payload"] = bytes(body[at:])
        out.append(p)
        pos = i + rl
    return out


def mqtt_of(ana, level, name):
    """Per direction: the MQTT packets in order, each with the packet of its
    WebSocket message's last frame."""
    out = {}
    for d in ("c2s", "s2c"):
        out[d] = []
        for k, m in enumerate(ana["messages"][d]):
            if m["opcode"] != OP_BINARY:
                die(f"{name}: {d} message #{k} has opcode {m['opcode']}, not binary")
            for p in parse_packets(m["data"], level, f"{name}: {d} message #{k}"):
                p["packet"] = m["frames"][-1]["packet"]
                out[d].append(p)
    return out


def _pub_key(p):
    return (p["topic"], p["qos"], bool(p["retain"]), len(p["payload"]), hashlib.sha256(p["payload"]).hexdigest())


def check_paho(name, pk, log):
    sent = [m.group(1) for e in log if e.get("ev") == "paho"
            for m in [re.match(r"Sending ([A-Z]+)", e["line"])] if m]
    recv = [m.group(1) for e in log if e.get("ev") == "paho"
            for m in [re.match(r"Received ([A-Z]+)", e["line"])] if m]
    for d, want, who in (("c2s", sent, "sent"), ("s2c", recv, "received")):
        got = [p["type"] for p in pk[d]]
        if got != want:
            die(f"{name}: {d} packets on the wire {got} are not those paho logged it {who} {want}")
    for d, ev in (("c2s", "publish"), ("s2c", "message")):
        want = [(e["topic"], e["qos"], e["retain"], e["len"], e["sha256"]) for e in log if e.get("ev") == ev]
        got = [_pub_key(p) for p in pk[d] if p["type"] == "PUBLISH"]
        if got != want:
            die(f"{name}: {d} PUBLISH packets on the wire are not the peer's {ev} log")
    if not any(e.get("ev") == "connack" and e.get("rc") == 0 for e in log):
        die(f"{name}: paho logged no successful CONNACK")


def check_mosquitto(name, pk, log, client_id):
    lines = [e["line"] for e in log if e.get("ev") == "broker"]
    if not any(re.search(rf"New client connected from \S+ as {re.escape(client_id)} \(", l) for l in lines):
        die(f"{name}: mosquitto did not log the client {client_id}")
    got = {"c2s": [], "s2c": []}
    pubs = {"c2s": [], "s2c": []}
    for l in lines:
        m = re.match(r"(Received|Sending) ([A-Z]+) (from|to) (\S+)(.*)$", l)
        if not m:
            continue
        d = "c2s" if m.group(1) == "Received" else "s2c"
        got[d].append(m.group(2))
        if m.group(2) == "PUBLISH":
            pm = re.match(r" \(d(\d), q(\d), r(\d), m(\d+), '(.*)', \.\.\. \((\d+) bytes\)\)$", m.group(5))
            if not pm:
                die(f"{name}: cannot read mosquitto's line {l!r}")
            pubs[d].append((int(pm.group(2)), bool(int(pm.group(3))), int(pm.group(4)), pm.group(5),
                            int(pm.group(6))))
    for d in ("c2s", "s2c"):
        want = [p["type"] for p in pk[d] if not (d == "c2s" and p["type"] == "CONNECT")]
        if got[d] != want:
            die(f"{name}: {d}: mosquitto logged {got[d]}, the wire has {want}")
        wire = [(p["qos"], p["retain"], p.get("mid", 0), p["topic"], len(p["payload"]))
                for p in pk[d] if p["type"] == "PUBLISH"]
        if pubs[d] != wire:
            die(f"{name}: {d}: mosquitto's PUBLISH lines {pubs[d]} are not the wire's {wire}")


def check_builtin_bytes(name, ana, tf):
    """The built-in dissector's unmasked payload of every message (one frame
    each here) is the parsed one."""
    n = 0
    for d in ("c2s", "s2c"):
        for k, (f, t) in enumerate(zip(ana["frames"][d], tf[d])):
            if t["shown"] != f["payload"]:
                die(f"{name}: {d} frame #{k} (packet {t['packet']}): tshark's bytes are not the parsed ones")
            n += 1
    return n


def subprotocol(pcap, port):
    c2s, s2c, _, _ = tcp_streams(pcap, port)
    _, req, _ = parse_http(c2s, "request")
    _, resp, _ = parse_http(s2c, "response")
    return (", ".join(req.get("sec-websocket-protocol", [])) or None,
            ", ".join(resp.get("sec-websocket-protocol", [])) or None)


def truth_mqtt(pk):
    out = []
    for d in ("c2s", "s2c"):
        for p in pk[d]:
            e = {"dir": d, "type": p["type"], "msgtype": p["msgtype"], "packet": p["packet"]}
            if p["type"] == "PUBLISH":
                data = p["payload"]
                e.update(topic=p["topic"], qos=p["qos"], retain=p["retain"], len=len(data),
                         sha256=hashlib.sha256(data).hexdigest())
                if len(data) <= HEX_MAX:
                    e["hex"] = data.hex()
            out.append(e)
    return out


def record_mqtt(r, work, out_root):
    """One MQTT row: attempts, checks, files; returns its README summary
    (with its section's lines in "section")."""
    t1 = time.monotonic()
    name, port, opts = r["name"], r["port"], r["options"]
    out_dir = os.path.join(out_root, opts.get("dir", ""))
    os.makedirs(out_dir, exist_ok=True)
    dirs = capture.row_dirs(work, name)
    for d in ("plan", "logs"):
        shutil.rmtree(dirs[d], ignore_errors=True)
        os.makedirs(dirs[d])
    built = build_plan(r["plan"], name)
    write_plan(built, dirs["plan"])
    plan = built["plan"]
    pcap = os.path.join(out_dir, f"{name}.pcapng")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        capture.in_namespace(name, work)
        bad = tcp_anomalies(dirs["pcap"])
        if bad:
            say(f"{name}: attempt {attempt}: TCP anomalies in frames {bad[:10]}; recording again")
            continue
        if os.path.exists(pcap):
            os.unlink(pcap)
        shutil.copyfile(dirs["pcap"], pcap)
        os.chmod(pcap, 0o644)
        ana = analyse(pcap, port)
        cut = max(ana["resp_packet"], ana["req_packet"])
        if tshark(["-r", pcap] + checks.builtin_prefs(port, False) + [
                "-Y", f"frame.number == {cut} && websocket", "-T", "fields", "-e", "frame.number"]).strip():
            die(f"{name}: the 101 packet also carries WebSocket frames")
        nohs, nohs_packets, first_desc, nohs_protocols = make_nohs(pcap, cut, port, plain_tcp=False)
        if nohs is None:
            say(f"{name}: attempt {attempt}: -nohs: {nohs_packets}; recording again")
            continue
        break
    else:
        die(f"{name}: no clean recording in {MAX_ATTEMPTS} attempts")

    logs = {w: checks.read_log(os.path.join(dirs["logs"], f"{w}.jsonl")) for w in ("client", "server")}
    if ana["accepted"]:
        die(f"{name}: extensions {ana['accepted']!r} negotiated")
    offered, accepted = subprotocol(pcap, port)
    if accepted != "mqtt":
        die(f"{name}: Sec-WebSocket-Protocol offered {offered!r}, answered {accepted!r}")
    pk = mqtt_of(ana, plan["protocol"], name)
    check_paho(name, pk, logs["client"])
    check_mosquitto(name, pk, logs["server"], plan["client_id"])
    tf = checks.check_tshark(name, pcap, port, ana, False)
    checks.check_builtin_opcodes(name, pcap, port, ana, False)
    nbytes = check_builtin_bytes(name, ana, tf)
    st = stats(ana, tf)
    size = os.path.getsize(pcap)
    if size > MAX_CAPTURE_BYTES:
        die(f"{name}: capture is {size} bytes, more than {MAX_CAPTURE_BYTES}")

    truth = {"name": name, "client": impl_version("paho", "client"), "server": impl_version("mosquitto", "server"),
             "port": port, "extensions": None, "subprotocol": accepted, "mqtt_level": plan["protocol"],
             "cut": cut,
             "messages": [truth_entry(d, m["opcode"], m["data"], len(m["frames"]), m["compressed"])
                          for d, m in checks.truth_messages(ana, tf)],
             "mqtt": truth_mqtt(pk)}
    with open(os.path.join(out_dir, f"{name}.truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, ensure_ascii=False)
        f.write("\n")

    with open(dirs["lo"]) as f:
        lo = f.read()
    mtu = lo.split(" mtu ")[1].split()[0]
    maxseg = max(int(x) for x in tshark(["-r", pcap, "-T", "fields", "-e", "tcp.len"]).split())
    rel = lambda cmd: " ".join(cmd).replace(REPO + "/", "")  # noqa: E731
    pubs = [p for d in ("c2s", "s2c") for p in pk[d] if p["type"] == "PUBLISH"]
    types = {d: len(pk[d]) for d in pk}
    npk = packet_count(pcap)
    section = [
        f"## {r['title']}", "",
        f"- client: {truth['client']}; server: {truth['server']}",
        f"- MQTT {'5.0' if plan['protocol'] == 5 else '3.1.1'} over WebSocket, Sec-WebSocket-Protocol "
        f"offered `{offered}`, answered `{accepted}`; no extensions",
        "- plan `%s` (paho, one connection): CONNECT (client id `%s`, keep alive %d); %s retained "
        "before subscribing; SUBSCRIBE %s; then, each once the previous came back through the "
        "subscription: %s; DISCONNECT (paho closes the TCP connection without a WebSocket close)" % (
            r["plan"], plan["client_id"], plan["keepalive"],
            ", ".join(f"`{m['topic']}` QoS {m['qos']}" for m in plan["before"]),
            ", ".join(f"`{t}` QoS {q}" for t, q in plan["subscribe"]),
            ", ".join(f"`{m['topic']}` QoS {m['qos']} "
                      f"({len(bytes.fromhex(m['hex'])) if 'hex' in m else len(built['files'][m['file']])} B)"
                      for m in plan["after"])),
        f"- mosquitto: tests/captures/peers/mosquitto_peer.py writes its configuration (websockets listener "
        f"on {port}, anonymous, no persistence, log_type all) and a plain MQTT listener on 127.0.0.1:47883 "
        "that nobody uses (mosquitto 2.0 does not start with a websockets listener alone, "
        "eclipse-mosquitto/mosquitto#2284); it answers every MQTT packet as a broker does (CONNACK, "
        "PUBACK / PUBREC / PUBCOMP, SUBACK, the subscribed messages back, the retained one with its flag)",
        f"- server port: {port} (127.0.0.1), client port ephemeral; private network namespace, MTU {mtu}"
        + (" (offloads off)" if r["mtu"] == 1500 else "") + f", largest TCP segment {maxseg} bytes",
        f"- command: `/usr/bin/python3 tests/captures/record.py --only {name}` (server: "
        f"`{rel(capture.peer_cmd('mosquitto', 'server', port, 'PLANDIR', 'LOG', 'WORK'))}`; client: "
        f"`{rel(capture.peer_cmd('paho', 'client', port, 'PLANDIR', 'LOG', 'WORK'))}`; PLANDIR holds "
        "mqtt.json and the large payloads)",
        f"- {npk} packets, {size} bytes; the 101 in packet {cut}; `-nohs`: {nohs_packets} packets, "
        f"first {first_desc}; above TCP there: {', '.join(nohs_protocols)}",
        f"- WebSocket: c2s {st['c2s']['frames']} frames, s2c {st['s2c']['frames']} frames, every one a whole "
        f"binary message of whole MQTT packets (tshark's built-in dissector: the same frames and the same "
        f"unmasked bytes, {nbytes} messages); MQTT packets c2s {types['c2s']}, s2c {types['s2c']}, "
        f"{len(pubs)} PUBLISH",
        "- checks (tests/captures/reclib/mqtt.py): the packets of each direction are those paho logged it "
        "sent and received and those mosquitto logged it received and sent, in order; the PUBLISH "
        "packets' topic, QoS, retain flag and payload sha256 those the peer handed to paho and got back",
        "- truth: every WebSocket message (as for every recording) and `mqtt`: every MQTT packet per "
        "direction (type, packet; PUBLISH: topic, QoS, retain, len, sha256, hex up to 512 B); `cut`: the "
        "101's packet",
        "",
    ]
    say(f"{name}: {npk} packets, {size} bytes, 101 in frame {cut}, nohs {nohs_packets} packets; MTU {mtu}, "
        f"largest segment {maxseg}; MQTT c2s {types['c2s']} s2c {types['s2c']} packets, {len(pubs)} PUBLISH; "
        f"{time.monotonic() - t1:.1f}s")
    return {"name": name, "title": r["title"], "section": section}
