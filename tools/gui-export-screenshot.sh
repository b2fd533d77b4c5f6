#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Opens test-captures/deflate-node-node-nohs.pcapng in the real Wireshark (wireshark-qt)
# under Xvfb with the freshly built plugin, opens File > Export Objects > WebSocket
# (ws plugin) with the mouse and saves a screenshot of it to
# docs/screenshot-export.png. Needs: wireshark-qt xvfb xdotool imagemagick.
# Wireshark ignores WIRESHARK_PLUGIN_DIR for root, so as root it runs as `nobody`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshot-export.png}
cap=${WS_CAPTURE:-test-captures/deflate-node-node-nohs.pcapng}
disp=${WS_DISPLAY:-:97}
. tools/gui-common.sh
ws_gui_start "$cap" "$disp" -
sleep 10
# Without a window manager a click needs its press and release apart; positions match
# the 1400x1000 layout written above (Wireshark 4.0: File, Export Objects, the last entry).
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool mousedown 1; sleep 0.2; xdotool mouseup 1; sleep 1.5; }
click 20 10          # File
click 90 390         # Export Objects
click 470 540        # WebSocket (ws plugin)...
sleep 4
import -display "$disp" -window root "$work/shot.png"
convert "$work/shot.png" -crop 740x514+318+202 +repage -strip "$out"   # the dialog
echo "wrote $out"
