#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mosquitto as the server of the MQTT rows of tests/captures/record.py: its
websockets listener on PORT, started with a generated configuration.

    mosquitto_peer.py server PORT PLANDIR LOG

Writes PLANDIR/../mosquitto.conf (listener PORT, protocol websockets, anonymous
clients, no persistence, every log type to stdout; and a plain MQTT listener on
127.0.0.1:47883 that nobody uses, without which mosquitto 2.0 refuses to start), starts `mosquitto -c`,
(line-buffered: stdbuf -oL), prints READY once mosquitto says it opened the websockets listener, and stops
it (SIGTERM) once a client has disconnected.  The log (JSON lines): {"ev":
"broker", "line"} for every line mosquitto logs; with log_type all, that names
each MQTT packet it receives and sends ("Received PUBLISH from ...", "Sending
SUBACK to ...")."""
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

TIMEOUT = 90.0
NATIVE_PORT = 47883


def fail(msg):
    print(f"mosquitto_peer: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def main():
    role, port, plan_dir, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if role != "server":
        fail("only a server")
    conf = os.path.join(os.path.dirname(os.path.abspath(plan_dir)), "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"per_listener_settings false\nallow_anonymous true\npersistence false\n"
                f"log_dest stdout\nlog_type all\nconnection_messages true\nlog_timestamp false\n"
                # mosquitto 2.0 does not start with a websockets listener alone
                # (eclipse-mosquitto/mosquitto#2284): a plain one, never used, beside it
                f"listener {NATIVE_PORT} 127.0.0.1\nprotocol mqtt\n"
                f"listener {port}\nprotocol websockets\n")
    os.chmod(conf, 0o644)
    log = open(log_path, "w")
    proc = subprocess.Popen(["stdbuf", "-oL", "mosquitto", "-c", conf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + TIMEOUT
    buf, ready, done = b"", False, False
    try:
        while not done:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("timeout")
            r, _, _ = select.select([proc.stdout], [], [], min(left, 0.2))
            if not r:
                if proc.poll() is not None:
                    fail(f"mosquitto exited (rc {proc.returncode})")
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                fail(f"mosquitto exited (rc {proc.wait()})")
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                line = raw.decode(errors="replace")
                log.write(json.dumps({"ev": "broker", "line": line}) + "\n")
                log.flush()
                if not ready and re.search(rf"Opening websockets listen socket on port {port}\b", line):
                    ready = True
                    print("READY", flush=True)
                if re.search(r"^Client \S+ disconnected", line):
                    done = True
        time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


if __name__ == "__main__":
    main()
