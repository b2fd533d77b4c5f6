#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Opens test-captures/seed.pcapng in the real Wireshark (wireshark-qt) under Xvfb
# with the freshly built plugin, expands the WebSocket tree of frame 1, selects its
# Text field (so the bytes pane shows the "Unmasked payload" tab) and saves a
# screenshot to docs/screenshot-seed.png. Needs: wireshark-qt xvfb xdotool imagemagick.
# Wireshark ignores WIRESHARK_PLUGIN_DIR for root, so as root it runs as `nobody`.
# The click positions match the 1400x1000 layout of tools/gui-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshot-seed.png}
. tools/gui-common.sh
WS_GUI_PREFS='gui.layout_type: 1' \
WS_GUI_RECENT=$'gui.geometry_main_upper_pane: 110\ngui.geometry_main_lower_pane: 520' \
    ws_gui_start test-captures/seed.pcapng :99 - -g 1
sleep 8
xdotool mousemove 200 272 click 1; sleep 0.5; xdotool key shift+Right; sleep 0.5   # expand the ws tree
xdotool mousemove 150 437 click 1; sleep 0.5; xdotool key Right; sleep 0.5         # expand Line-based text data
xdotool mousemove 150 422 click 1                                                  # select Text
xdotool mousemove 1300 150
win=$(xdotool search --onlyvisible --name capture.pcapng | head -1)
xdotool windowsize "$win" 1400 830; sleep 2
import -display :99 -window root "$work/shot.png"
convert "$work/shot.png" -crop 1400x830+0+0 +repage -strip "$out"
echo "wrote $out"
