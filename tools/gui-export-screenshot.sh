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
work=$(mktemp -d /tmp/ws-gui.XXXXXX)
abi=$(tshark --version | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
mkdir -p "$work/plugins/$abi/epan" "$work/home/.config/wireshark" "$work/run"
cp build/plugin/ws.so "$work/plugins/$abi/epan/"
cp "$cap" "$work/cap.pcapng"
cat > "$work/home/.config/wireshark/preferences" <<'P'
gui.update.enabled: FALSE
gui.ask_unsaved: FALSE
gui.font_name: DejaVu Sans Mono,10,-1,5,50,0,0,0,0,0
P
printf 'gui.geometry_main_x: 0\ngui.geometry_main_y: 0\ngui.geometry_main_width: 1400\ngui.geometry_main_height: 1000\ngui.geometry_main_maximized: FALSE\nprivs.warn_if_elevated: FALSE\n' \
    > "$work/home/.config/wireshark/recent_common"
chmod -R a+rX "$work"
as=()
if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody:nogroup "$work/home" "$work/run"
    as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
chmod 700 "$work/run"

Xvfb "$disp" -screen 0 1400x1000x24 >/dev/null 2>&1 & xvfb=$!
ws=
trap 'kill $ws $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 2
"${as[@]}" env HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" XDG_RUNTIME_DIR="$work/run" DISPLAY="$disp" \
    wireshark -r "$work/cap.pcapng" >/dev/null 2>&1 & ws=$!
sleep 10
export DISPLAY="$disp"
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
