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
