# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the tools/gui-*.sh screenshot scripts: starts the real Wireshark
# (wireshark-qt) under Xvfb on a copy of a capture, with the freshly built plugin.
#   ws_gui_start CAPTURE DISPLAY MIRROR [WIRESHARK-ARGS...]
#     MIRROR "system": the system plugins too (the stats_tree plugin draws stats trees),
#     "-": only ws.so
# Sets $work (a temporary folder, removed on exit), $ws and $xvfb (their pids) and
# exports DISPLAY. The main window is 1400x1000 at 0,0 (the click positions of the
# scripts match that layout of Wireshark 4.0). Wireshark ignores WIRESHARK_PLUGIN_DIR
# for root, so as root it runs as `nobody`. Needs: wireshark-qt xvfb xdotool imagemagick.
# $WS_GUI_PREFS: extra lines for the preferences file; $WS_GUI_RECENT: the "recent" file.
ws_gui_start() {
    local cap=$1 disp=$2 mirror=$3
    shift 3
    local abi
    abi=$(tshark --version | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
    work=$(mktemp -d /tmp/ws-gui.XXXXXX)
    mkdir -p "$work/plugins" "$work/home/.config/wireshark" "$work/run"
    if [ "$mirror" = system ]; then
        cp -r "$(ls -d /usr/lib/*/wireshark/plugins/"$abi" | head -1)" "$work/plugins/$abi"
        rm -f "$work/plugins/$abi/epan/ws.so"
    fi
    mkdir -p "$work/plugins/$abi/epan"
    cp build/plugin/ws.so "$work/plugins/$abi/epan/"
    cp "$cap" "$work/capture.pcapng"
    printf 'gui.update.enabled: FALSE\ngui.ask_unsaved: FALSE\ngui.font_name: DejaVu Sans Mono,10,-1,5,50,0,0,0,0,0\n%s\n' \
        "${WS_GUI_PREFS:-}" > "$work/home/.config/wireshark/preferences"
    printf 'gui.geometry_main_x: 0\ngui.geometry_main_y: 0\ngui.geometry_main_width: 1400\ngui.geometry_main_height: 1000\ngui.geometry_main_maximized: FALSE\nprivs.warn_if_elevated: FALSE\n' \
        > "$work/home/.config/wireshark/recent_common"
    printf '%s\n' "${WS_GUI_RECENT:-}" > "$work/home/.config/wireshark/recent"
    chmod -R a+rX "$work"
    local as=()
    if [ "$(id -u)" -eq 0 ]; then
        chown -R nobody:nogroup "$work/home" "$work/run"
        as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    fi
    chmod 700 "$work/run"
    Xvfb "$disp" -screen 0 1400x1000x24 >/dev/null 2>&1 & xvfb=$!
    ws=
    trap 'kill $ws $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
    sleep 2
    export DISPLAY=$disp
    (cd "$work" && "${as[@]}" env HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" XDG_RUNTIME_DIR="$work/run" \
        wireshark -r "$work/capture.pcapng" "$@" >/dev/null 2>&1) & ws=$!
}
