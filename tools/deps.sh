# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by setup.sh and test.sh: installs the Debian packages the build and tests need.
# Runs apt-get only when something is missing; uses sudo when not root.

ws_install_debs() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; return 1; }
        sudo="sudo"
    fi
    echo "== installing from Debian: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

WS_BUILD_DEBS=(cmake make gcc pkg-config libc6-dev libglib2.0-dev zlib1g-dev libwireshark-dev wireshark-dev tshark)
WS_TEST_DEBS=(python3 python3-pytest util-linux clang libclang-rt-14-dev)
