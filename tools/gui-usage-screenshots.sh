#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The screenshots of docs/usage.md's tasks: the real Wireshark 4.0 (wireshark-qt) under Xvfb
# with the freshly built plugin (tools/gui-common.sh), one per task:
#   late       a capture without the handshake, filter ws, the packet where the heuristic decided
#   messages   one conversation's messages, filter ws.message.text, with a Message column
#   subproto   MQTT over WebSocket, filter on mqtt.topic, with a Topic column
#   port       Decode As with tcp.port 47101 -> WS (the heuristic off: --disable-heuristic ws_tcp)
#   off        Analyze > Enabled Protocols searched for "ws"
# Usage: tools/gui-usage-screenshots.sh [TASK...]   (default: all; writes docs/usage-TASK.png)
# Needs: wireshark-qt xvfb xdotool imagemagick. Display $WS_DISPLAY (default :71).
set -euo pipefail
cd "$(dirname "$0")/.."
disp=${WS_DISPLAY:-:71}
if [ $# -ne 1 ]; then
    for t in ${@:-late messages subproto port off}; do "$0" "$t"; done
    exit 0
fi
task=$1 out=docs/usage-$1.png
. tools/gui-common.sh
# Packet list on top (300 px), details below it, bytes at the bottom.
export WS_GUI_RECENT=$'gui.geometry_main_upper_pane: 300\ngui.geometry_main_lower_pane: 700'
layout='gui.layout_type: 1'
cols='gui.column.format: "No.", "%m", "Time", "%t", "Source", "%s", "Destination", "%d", "Protocol", "%p", "Length", "%L", "Info", "%i"'
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool mousedown 1; sleep 0.2; xdotool mouseup 1; sleep 1; }
shot() { # crop geometry
    xdotool mousemove 1390 990
    sleep 1
    import -display "$disp" -window root "$work/shot.png"
    convert "$work/shot.png" -crop "$1" +repage -strip "$out"
    echo "wrote $out"
}
case "$task" in
late)
    WS_GUI_PREFS=$layout ws_gui_start test-captures/py-py-nohs.pcapng "$disp" - -Y ws -g 7
    sleep 10
    click 200 430; xdotool key shift+Right; sleep 1   # expand the WebSocket tree
    shot 1400x830+0+0 ;;
messages)
    WS_GUI_PREFS="$layout"$'\n'"${cols%\"}\", \"Message\", \"%Cus:ws.message.text:0:R\"" \
        ws_gui_start test-captures/py-py.pcapng "$disp" - -Y 'tcp.stream == 0 && ws.message.text' -g 147
    sleep 10
    click 200 430; xdotool key shift+Right; sleep 1   # expand the WebSocket tree
    shot 1400x830+0+0 ;;
subproto)
    WS_GUI_PREFS="$layout"$'\n'"${cols%\"}\", \"Topic\", \"%Cus:mqtt.topic:0:R\"" \
        ws_gui_start test-captures/impls/mqtt-paho-mosquitto.pcapng "$disp" - -Y 'mqtt.topic == "ws/text"' -g 19
    sleep 10
    click 200 447; xdotool key shift+Right; sleep 1   # expand MQTT
    click 200 430; xdotool key Right; sleep 1         # and the WebSocket tree, one level
    shot 1400x830+0+0 ;;
port)
    ws_gui_start test-captures/py-py-nohs.pcapng "$disp" - --disable-heuristic ws_tcp -d tcp.port==47101,ws
    sleep 10
    click 255 10; [ "${WS_Y_DECODE:-}" = probe ] || click 300 ${WS_Y_DECODE:-238}; sleep 4   # Analyze > Decode As...
    shot 1400x1000+0+0 ;;
off)
    ws_gui_start test-captures/py-py-nohs.pcapng "$disp" -
    sleep 10
    click 255 10; click 300 ${WS_Y_ENABLED:-213}; sleep 4   # Analyze > Enabled Protocols...
    xdotool type --delay 100 "ws_"; sleep 3
    shot 1400x1000+0+0 ;;
*) echo "unknown task $task" >&2; exit 2 ;;
esac
