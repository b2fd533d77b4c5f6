# SPDX-License-Identifier: GPL-2.0-or-later
"""docs/fields.md names every field, expert info and preference the plugin registers."""
import os

from conftest import ROOT


def test_every_registered_name_is_documented(tshark):
    with open(os.path.join(ROOT, "docs", "fields.md"), encoding="utf-8") as f:
        doc = f.read()
    fields = [l.split("\t")[2] for l in tshark.run(["-G", "fields"]).stdout.decode().splitlines()
              if l.count("\t") >= 4 and l.split("\t")[4] == "ws"]
    prefs = [l.split("\t")[0] for l in tshark.run(["-G", "defaultprefs"]).stdout.decode().splitlines()
             if l.startswith("#ws.")]
    prefs = [p.lstrip("#").split(":")[0] for p in tshark.run(["-G", "defaultprefs"]).stdout.decode().splitlines()
             if p.startswith("#ws.")]
    assert len(fields) > 30 and len(prefs) >= 3
    missing = [n for n in fields + prefs if "`%s`" % n not in doc]
    assert missing == []


def test_every_registered_name_shows_on_a_capture(tshark):
    """Each field and expert info the plugin registers is produced by at least one
    capture in test-captures/ (two passes; a few need the preference that triggers them)."""
    import glob
    import re
    from conftest import CAPTURES
    names = {l.split("\t")[2] for l in tshark.run(["-G", "fields"]).stdout.decode().splitlines()
             if l.count("\t") >= 4 and l.split("\t")[4] == "ws"}
    # The runs with a preference first (they alone show a few names), then the captures
    # smallest first: the loop stops once every name has been seen.
    runs = [(os.path.join(CAPTURES, "edge-oversize.pcap"), ["-o", "ws.max_reassembly:65536"]),
            (os.path.join(CAPTURES, "hostile", "snaplen-64.pcap"), ["-d", "tcp.port==47958,ws"]),
            # Compressed frames that are not reassembled belong to no message (ws.compressed).
            (os.path.join(CAPTURES, "deflate-node-node.pcapng"), ["-o", "ws.desegment:FALSE"])]
    runs += [(c, []) for c in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap*")) +
                                     glob.glob(os.path.join(CAPTURES, "hostile", "*.pcap")) +
                                     glob.glob(os.path.join(CAPTURES, "difftest", "*.pcap")),
                                     key=os.path.getsize)]
    seen = set()
    for path, extra in runs:
        out = tshark.run(["-2"] + extra + ["-r", tshark.derived_abs(path), "-T", "pdml"], check=False).stdout
        seen |= set(re.findall(r'name="(ws\.[^"]*)"', out.decode(errors="replace")))
        if names <= seen:
            break  # every name shown: the remaining captures cannot change the outcome
    assert sorted(names - seen) == []
