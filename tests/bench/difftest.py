#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test at scale: as many random valid WebSocket conversations as asked
(tests/difftest/gen.py), through tshark with the plugin in one pass and in two, every
presented message compared byte for byte with what its sender sent
(tests/difftest/check.py prints the table and every wrong message).

    tests/bench/difftest.py [--conversations 20000] [--seed 1] [--per-pcap 400]
                            [--plugin build/plugin/ws.so] [--keep DIR] [--repro DIR]
                            [--workers 2] [--profile full|light]

Exit status 1 when a message is wrong."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "difftest"))
import check  # noqa: E402

if __name__ == "__main__":
    argv = sys.argv[1:]
    if not any(a.startswith("--conversations") for a in argv):
        argv = ["--conversations", "20000"] + argv
    sys.exit(check.main(argv))
