# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest fixture: the real tshark with the freshly built ws plugin (see tests/tsharkenv.py).

As root, tshark runs as `nobody` with a private HOME and plugin folder; the test
session fails loudly if the plugin does not load."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tsharkenv import CAPTURES, ROOT, Tshark, make_tshark  # noqa: E402,F401


@pytest.fixture(scope="session")
def tshark():
    plugin = os.environ.get("WS_PLUGIN", os.path.join(ROOT, "build", "plugin", "ws.so"))
    try:
        ts, cleanup = make_tshark(plugin)
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield ts
    cleanup()
