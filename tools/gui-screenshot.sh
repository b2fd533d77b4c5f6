#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Opens test-captures/seed.pcapng in the real Wireshark (wireshark-qt) under Xvfb
# with the freshly built plugin, expands the WebSocket tree of frame 1, selects its
# Text field (so the bytes pane shows the "Unmasked payload" tab) and saves a
# screenshot to docs/screenshot-seed.png. Needs: wireshark-qt xvfb xdotool imagemagick.
# Wireshark ignores WIRESHARK_PLUGIN_DIR for root, so as root it runs as `nobody`.
# The click positions match the 1400x1000 layout written below.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshot-seed.png}
work=$(mktemp -d /tmp/ws-gui.XXXXXX)
abi=$(tshark --version | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
mkdir -p "$work/plugins/$abi/epan" "$work/home/.config/wireshark" "$work/run"
cp build/plugin/ws.so "$work/plugins/$abi/epan/"
cp test-captures/seed.pcapng "$work/"
cat > "$work/home/.config/wireshark/preferences" <<'P'
gui.update.enabled: FALSE
gui.ask_unsaved: FALSE
gui.layout_type: 1
gui.font_name: DejaVu Sans Mono,10,-1,5,50,0,0,0,0,0
P
printf 'gui.geometry_main_x: 0\ngui.geometry_main_y: 0\ngui.geometry_main_width: 1400\ngui.geometry_main_height: 1000\ngui.geometry_main_maximized: FALSE\nprivs.warn_if_elevated: FALSE\n' \
    > "$work/home/.config/wireshark/recent_common"
printf 'gui.geometry_main_upper_pane: 110\ngui.geometry_main_lower_pane: 520\n' > "$work/home/.config/wireshark/recent"
chmod -R a+rX "$work"
as=()
if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody:nogroup "$work/home" "$work/run"
    as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
chmod 700 "$work/run"

Xvfb :99 -screen 0 1400x1000x24 >/dev/null 2>&1 & xvfb=$!
trap 'kill $ws $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 2
cd "$work"
"${as[@]}" env HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" XDG_RUNTIME_DIR="$work/run" DISPLAY=:99 \
    wireshark -r "$work/seed.pcapng" -g 1 >/dev/null 2>&1 & ws=$!
cd - >/dev/null
sleep 8
export DISPLAY=:99
xdotool mousemove 200 272 click 1; sleep 0.5; xdotool key shift+Right; sleep 0.5   # expand the ws tree
xdotool mousemove 150 437 click 1; sleep 0.5; xdotool key Right; sleep 0.5         # expand Line-based text data
xdotool mousemove 150 422 click 1                                                  # select Text
xdotool mousemove 1300 150
win=$(xdotool search --onlyvisible --name seed.pcapng | head -1)
xdotool windowsize "$win" 1400 830; sleep 2
import -display :99 -window root "$work/shot.png"
convert "$work/shot.png" -crop 1400x830+0+0 +repage -strip "$out"
echo "wrote $out"
