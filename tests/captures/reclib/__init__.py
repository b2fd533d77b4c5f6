# SPDX-License-Identifier: GPL-2.0-or-later
"""The machinery of tests/captures/record.py (the one recorder), by stage:

  common   constants, process and tshark helpers, library versions
  plans    seeded payloads, the plans (one format for every peer), the
           messages a plan makes each side send
  capture  one recording inside a private network namespace: the namespace
           set-up, dumpcap, the peers (tests/captures/peers/), the browser page
  analyse  the capture parsed here (TCP / TLS streams, handshake, frames,
           messages), the -nohs cut, statistics
  checks   the checks every recording goes through
  readme   test-captures/README-recordings.md
"""
