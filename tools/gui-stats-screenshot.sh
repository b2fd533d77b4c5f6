#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Opens a capture (default test-captures/deflate-py-py.pcapng) in the real Wireshark
# under Xvfb with the freshly built plugin and the system's plugins (the stats_tree
# plugin draws stats trees), opens Statistics > WebSocket (ws plugin) (wireshark
# -z does not offer stats trees, so the menu is clicked: positions match the 1400x1000
# layout of 4.0), presses Apply (a retap) and saves a screenshot of that window,
# scrolled to its lower half, to docs/screenshot-stats.png, and one of the Statistics
# menu showing the entry to docs/screenshot-stats-menu.png. Needs: wireshark-qt xvfb xdotool
# imagemagick. Wireshark ignores WIRESHARK_PLUGIN_DIR for root: as root it runs as nobody.
set -euo pipefail
cd "$(dirname "$0")/.."
cap=${1:-test-captures/deflate-py-py.pcapng}
out=${2:-docs/screenshot-stats.png}
display=${WS_DISPLAY:-:98}
. tools/gui-common.sh
ws_gui_start "$cap" "$display" system
sleep 20
main=$(xdotool search --onlyvisible --name "capture.pcapng" | head -1)
xdotool windowmove "$main" 0 0 windowsize "$main" 1400 1000; sleep 2
xdotool mousemove 325 10 click 1; sleep 2                      # the Statistics menu
import -display "$display" -window root "$work/menu.png"
convert "$work/menu.png" -crop 720x800+0+0 +repage -strip "${out%.png}-menu.png"
xdotool mousemove 393 763 click 1; sleep 8                     # its last entry: WebSocket (ws plugin)
win=$(xdotool search --onlyvisible --name "WebSocket .ws plugin." | head -1)
xdotool windowmove "$win" 0 0 windowsize "$win" 1200 990; sleep 2
xdotool mousemove 1148 935 click 1; sleep 8                    # Apply: a retap, the numbers must stay
xdotool mousemove 600 500 click 5 click 5 click 5 click 5 click 5 click 5 click 5 click 5 click 5 click 5; sleep 2
import -display "$display" -window "$win" "$work/shot.png"
convert "$work/shot.png" -strip "$out"
echo "wrote $out and ${out%.png}-menu.png"
