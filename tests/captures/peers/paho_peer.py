#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""An MQTT client over WebSocket (python3-paho-mqtt, transport="websockets") for
the MQTT rows of tests/captures/record.py, against mosquitto_peer.py.

    paho_peer.py client PORT PLANDIR LOG

PLANDIR/mqtt.json (reclib/mqtt.py writes it): {"protocol": 4 | 5, "client_id",
"keepalive", "path", "before": [publish, ...], "subscribe": [[filter, qos], ...],
"after": [publish, ...]}, a publish being {"topic", "qos", "retain", "hex" or
"file"}.  One connection: CONNECT; the "before" messages (retained ones, so that
the broker delivers them to the subscription that follows with the retain flag);
one SUBSCRIBE; the retained messages coming back; then each "after" message,
published once the previous one came back through the subscription (and its
QoS handshake ended); DISCONNECT.  Every step is waited for with a deadline.

The log (JSON lines): {"ev": "publish", "topic", "qos", "retain", "len",
"sha256", "mid"} for each PUBLISH handed to paho, {"ev": "message", ...} for
each one received, and {"ev": "paho", "line"} for every line of paho's own log,
which names every MQTT packet it sends ("Sending PUBLISH ...") and receives
("Received SUBACK")."""
import hashlib
import json
import os
import sys
import threading

import paho.mqtt.client as mqtt

STEP = 20.0


def fail(msg):
    print(f"paho_peer: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def main():
    role, port, plan_dir, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if role != "client":
        fail("only a client")
    with open(os.path.join(plan_dir, "mqtt.json")) as f:
        plan = json.load(f)

    def payload(m):
        if "file" in m:
            with open(os.path.join(plan_dir, m["file"]), "rb") as f:
                return f.read()
        return bytes.fromhex(m["hex"])

    log = open(log_path, "w")
    lock = threading.Lock()

    def write(obj):
        with lock:
            log.write(json.dumps(obj) + "\n")
            log.flush()

    def entry(ev, topic, qos, retain, data, mid=None):
        write({"ev": ev, "topic": topic, "qos": qos, "retain": bool(retain), "len": len(data),
               "sha256": hashlib.sha256(data).hexdigest(), "mid": mid})

    v5 = plan["protocol"] == 5
    cli = mqtt.Client(client_id=plan["client_id"], protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
                      transport="websockets", **({} if v5 else {"clean_session": True}))
    cli.ws_set_options(path=plan.get("path", "/mqtt"))
    cli.enable_logger(None)
    connected, subscribed, published, got = threading.Event(), threading.Event(), {}, []
    cond = threading.Condition()

    cli.on_log = lambda c, u, level, line: write({"ev": "paho", "level": level, "line": line})
    cli.on_connect = lambda c, u, flags, rc, *p: (write({"ev": "connack", "rc": int(rc) if not v5 else rc.value}),
                                                 connected.set())
    cli.on_subscribe = lambda c, u, mid, granted, *p: subscribed.set()

    def on_publish(c, u, mid):
        with cond:
            published[mid] = True
            cond.notify_all()

    def on_message(c, u, msg):
        entry("message", msg.topic, msg.qos, msg.retain, msg.payload)
        with cond:
            got.append(msg)
            cond.notify_all()

    cli.on_publish = on_publish
    cli.on_message = on_message

    def wait(pred, what):
        with cond:
            if not cond.wait_for(pred, timeout=STEP):
                fail(f"timeout waiting for {what}")

    def publish(m):
        data = payload(m)
        info = cli.publish(m["topic"], data, qos=m["qos"], retain=m["retain"])
        entry("publish", m["topic"], m["qos"], m["retain"], data, info.mid)
        wait(lambda: published.get(info.mid), f"the end of publishing mid {info.mid}")

    cli.connect("127.0.0.1", port, keepalive=plan.get("keepalive", 60))
    cli.loop_start()
    if not connected.wait(STEP):
        fail("no CONNACK")
    print("READY open", flush=True)
    for m in plan["before"]:
        publish(m)
    cli.subscribe([(t, q) for t, q in plan["subscribe"]])
    if not subscribed.wait(STEP):
        fail("no SUBACK")
    wait(lambda: len(got) >= len(plan["before"]), "the retained messages")
    for m in plan["after"]:
        n = len(got)
        publish(m)
        wait(lambda: len(got) > n, f"{m['topic']} back through the subscription")
    # the last QoS handshakes of the broker's deliveries (PUBACK, PUBREC/PUBREL/PUBCOMP)
    # end within the loop; give them a moment before DISCONNECT
    threading.Event().wait(0.3)
    cli.disconnect()
    cli.loop_stop()
    write({"ev": "close"})
    log.close()


if __name__ == "__main__":
    main()
