# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by setup.sh and test.sh: installs the Debian packages the build and tests need.
# Runs apt-get only when something is missing; uses sudo when not root. The package
# names hold on Debian 12, 13 and sid; the one that carries a version (clang's runtime:
# libFuzzer and the sanitizers) is chosen for the release at hand by ws_clang_rt_deb.

ws_sudo() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "need root or sudo to run: $*" >&2
        return 1
    fi
}

ws_apt_updated=0
ws_install_debs() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing from Debian: ${missing[*]}"
    if [ "$ws_apt_updated" -eq 0 ]; then
        ws_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        ws_apt_updated=1
    fi
    ws_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# libclang-rt-N-dev for the clang this release installs (N = its major version: 14 on
# Debian 12, 19 on 13, 21 on sid in 2026-12): from the installed clang, else from what
# Debian's "clang" package depends on.
ws_clang_rt_deb() {
    local major=""
    if command -v clang >/dev/null; then
        major=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
    fi
    if [ -z "$major" ]; then
        major=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n1)
    fi
    [ -n "$major" ] || { echo "cannot tell which clang this release has" >&2; return 1; }
    echo "libclang-rt-$major-dev"
}

WS_BUILD_DEBS=(cmake make gcc pkg-config libc6-dev libglib2.0-dev zlib1g-dev libwireshark-dev wireshark-dev tshark)
# python3-pytest-xdist: the end-to-end suite runs on every core (tshark runs are single-threaded).
WS_TEST_DEBS=(python3 python3-pytest python3-pytest-xdist util-linux clang)
# What tools/other-versions.sh needs on the host to make a Debian chroot.
WS_CHROOT_DEBS=(debootstrap)
