#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Follow WS Stream in the Wireshark 4.4 GUI (the trixie chroot of tools/other-versions.sh,
# whose build of ws.so is /ws-src/build/plugin/ws.so there): installs wireshark, xvfb,
# xdotool and imagemagick in the chroot if missing, mounts /proc and /dev/shm for the
# run (unmounted at the end), starts Xvfb :72 and Wireshark as nobody with a private
# plugin folder on test-captures/chromium-py-nohs.pcapng, opens Analyze > Follow
# (screenshot: docs/follow-menu-4.4.png), clicks WS Stream (docs/screenshot-follow-4.4.png).
# Click positions match the 1400x1000 layout of 4.4.19 without a window manager.
set -euo pipefail
cd "$(dirname "$0")/.."
C=${WS_CHROOT:-/srv/chroot/trixie}
W=/tmp/ws-gui-follow
cap=${1:-test-captures/chromium-py-nohs.pcapng}
chroot "$C" sh -c 'command -v wireshark >/dev/null && command -v xdotool >/dev/null && command -v Xvfb >/dev/null &&
    command -v import >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    wireshark xvfb xdotool imagemagick xauth fonts-dejavu-core >/dev/null'
rm -rf "$C$W"; mkdir -p "$C$W"
cp "$cap" "$C$W/capture.pcapng"
mount -t proc proc "$C/proc"; mount -t tmpfs shm "$C/dev/shm"
trap 'chroot "$C" sh -c "kill \$(cat $W/pids) 2>/dev/null"; sleep 1; umount "$C/dev/shm"; umount "$C/proc"' EXIT
cat > "$C$W/run.sh" <<'IN'
set -e
W=/tmp/ws-gui-follow; abi=$(tshark --version | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
mkdir -p $W/home/.config/wireshark $W/plugins/$abi/epan $W/run
cp -r /usr/lib/x86_64-linux-gnu/wireshark/plugins/$abi/* $W/plugins/$abi/ 2>/dev/null || true
cp /ws-src/build/plugin/ws.so $W/plugins/$abi/epan/
printf 'gui.update.enabled: FALSE\ngui.ask_unsaved: FALSE\ngui.font_name: DejaVu Sans Mono,10,-1,5,50,0,0,0,0,0\n' > $W/home/.config/wireshark/preferences
printf 'gui.geometry_main_x: 0\ngui.geometry_main_y: 0\ngui.geometry_main_width: 1400\ngui.geometry_main_height: 1000\ngui.geometry_main_maximized: FALSE\nprivs.warn_if_elevated: FALSE\n' > $W/home/.config/wireshark/recent_common
chmod -R a+rX $W; chown -R nobody:nogroup $W/home $W/run; chmod 700 $W/run
Xvfb :72 -screen 0 1400x1000x24 >/dev/null 2>&1 & echo $! > $W/pids
sleep 2; export DISPLAY=:72
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=$W/home WIRESHARK_PLUGIN_DIR=$W/plugins \
    XDG_RUNTIME_DIR=$W/run wireshark -r $W/capture.pcapng -g 10 >/dev/null 2>&1 & echo $! >> $W/pids
sleep 25
main=$(xdotool search --onlyvisible --name "capture.pcapng" | head -1)
xdotool windowmove "$main" 0 0 windowsize "$main" 1400 1000; sleep 2
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool mousedown 1; sleep 0.2; xdotool mouseup 1; sleep 1.5; }
click 242 8                                   # Analyze
xdotool mousemove 261 277; sleep 1.5          # Follow
import -window root $W/menu.png
xdotool mousemove 560 277; sleep 1; click 605 475; sleep 5   # WS Stream
import -window root $W/follow.png
IN
chroot "$C" bash "$W/run.sh"
convert "$C$W/menu.png" -crop 900x520+0+0 +repage -strip docs/follow-menu-4.4.png
convert "$C$W/follow.png" -crop 930x1000+230+0 +repage -strip docs/screenshot-follow-4.4.png
echo "wrote docs/follow-menu-4.4.png docs/screenshot-follow-4.4.png"
