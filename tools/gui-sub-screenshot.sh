#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Screenshots of subprotocol trees in the real Wireshark (wireshark-qt) under Xvfb with
# the freshly built plugin: a capture opened with a display filter (wireshark -Y), a
# packet selected (-g), some rows of the packet details expanded (a click, then
# Shift+Right: the row and its subtrees), the bytes pane hidden.
#   tools/gui-sub-screenshot.sh socketio   # docs/screenshot-socketio.png
#   tools/gui-sub-screenshot.sh mqtt       # docs/screenshot-mqtt.png
#   tools/gui-sub-screenshot.sh CAPTURE FILTER PACKET OUT Y...   # rows at those heights, in that order
# Positions match the 1400x1000 layout of Wireshark 4.0 that gui-common.sh sets up (one
# details row is 17 pixels, the sixth row at y 630). Needs: wireshark-qt xvfb xdotool
# imagemagick. As root Wireshark runs as nobody (it ignores WIRESHARK_PLUGIN_DIR for root).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-socketio}" in
socketio)  # the BINARY_EVENT "files" and its two attachments; Socket.IO and its JSON expanded
    set -- test-captures/impls/sio-sio-nohs.pcapng \
        'socketio.event == "files" || socketio.attachment.event == "files"' 10 docs/screenshot-socketio.png 647 630 ;;
mqtt)      # the PUBLISH packets of topic ws/text; the MQTT tree expanded
    set -- test-captures/impls/mqtt-paho-mosquitto-nohs.pcapng 'mqtt.topic == "ws/text"' 13 \
        docs/screenshot-mqtt.png 630 ;;
esac
cap=$1 filter=$2 packet=$3 out=$4
shift 4
disp=${WS_DISPLAY:-:72}
. tools/gui-common.sh
WS_GUI_RECENT="gui.byte_view_show: FALSE" ws_gui_start "$cap" "$disp" - -Y "$filter" -g "$packet"
sleep 15
main=$(xdotool search --onlyvisible --name "capture.pcapng" | head -1)
xdotool windowmove "$main" 0 0 windowsize "$main" 1400 1000; sleep 2
# Without a window manager a click needs its press and release apart.
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool mousedown 1; sleep 0.2; xdotool mouseup 1; sleep 1.5; }
for y in "$@"; do
    click 120 "$y"
    xdotool key shift+Right; sleep 1
done
import -display "$disp" -window root "$work/shot.png"
convert "$work/shot.png" -strip "$out"
echo "wrote $out"
