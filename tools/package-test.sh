#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Debian package (cmake/package.cmake, `cpack -G DEB`) and checks it where a user would
# install it:
#   1. a clean Debian 12 (bookworm, minbase) chroot: `apt-get install ./wireshark-plugin-ws_*.deb`
#      pulls in libwireshark and tshark; `tshark -G plugins` must list ws.so in the system plugin
#      folder and test-captures/seed.pcapng must decode (its two text frames);
#   2. the Debian 13 chroot (Wireshark 4.4): apt must refuse the 4.0 package (libwireshark16 is
#      not installable there).
# Both run on an overlay (the chroots themselves are never written: each run starts clean and
# leaves nothing behind). The bookworm base is made once with debootstrap and kept (the cache);
# downloaded .debs are kept beside it so later runs need no download.
#
# Usage: tools/package-test.sh            (as root: debootstrap, chroot, mount)
# Environment: WS_PKG_CHROOT (default /srv/chroot/bookworm-pkg), WS_REFUSE_CHROOT (default
#   /srv/chroot/trixie; "none" skips check 2; when the default is missing, check 2 is skipped
#   with a note, when a path given here is missing it fails), WS_MIRROR (default: the host's
#   Debian mirror). Installs debootstrap when it is missing.
# Exit status 0 when every check passed. Takes ~5 min the first time (debootstrap), then ~1-2 min.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
[ "$(id -u)" -eq 0 ] || { echo "run as root (debootstrap, chroot, mount)" >&2; exit 2; }

BASE=${WS_PKG_CHROOT:-/srv/chroot/bookworm-pkg}
REFUSE=${WS_REFUSE_CHROOT:-/srv/chroot/trixie}
APTCACHE=$BASE.apt-archives
BUILD=$ROOT/build-package
mirror=${WS_MIRROR:-$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' |
                      grep -E '/debian/?$' | head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false)
start=$(date +%s)
fails=0
say() { printf '[package-test %3ds] %s\n' $(($(date +%s) - start)) "$*"; }
fail() { say "FAIL: $*"; fails=$((fails + 1)); }

WORK=$(mktemp -d /tmp/ws-package-test.XXXXXX)
MOUNTS=()
cleanup() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The package.
say "building the package in $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_BUILD_TESTS=OFF > "$WORK/cmake.log" 2>&1 ||
    { cat "$WORK/cmake.log"; exit 1; }
cmake --build "$BUILD" -j"$(nproc)" > "$WORK/build.log" 2>&1 || { tail -50 "$WORK/build.log"; exit 1; }
rm -f "$BUILD"/wireshark-plugin-ws_*.deb
(cd "$BUILD" && cpack -G DEB > "$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; exit 1; }
DEB=$(ls "$BUILD"/wireshark-plugin-ws_*.deb)
say "package: $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"
dpkg-deb -f "$DEB" Depends | sed 's/^/    Depends: /'
plugindir=$(pkg-config --variable=plugindir wireshark)/epan
dpkg-deb -c "$DEB" | grep -q " \./${plugindir#/}/ws\.so$" || fail "the package does not hold $plugindir/ws.so"

# An overlay over a chroot: writes go to $WORK, the chroot stays as it was.
overlay() { # NAME LOWER; sets OV to the mount point
    local name=$1 lower=$2 m=$WORK/$1
    mkdir -p "$m.upper" "$m.work" "$m"
    mount -t overlay overlay -o "lowerdir=$lower,upperdir=$m.upper,workdir=$m.work" "$m"; MOUNTS+=("$m")
    mount -t proc proc "$m/proc"; MOUNTS+=("$m/proc")
    cp -L /etc/resolv.conf "$m/etc/resolv.conf"
    cp "$DEB" "$m/tmp/"
    OV=$m
}
in_c() { local c=$1; shift; chroot "$c" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
                                 DEBIAN_FRONTEND=noninteractive "$@"; }

# 2. A clean bookworm: install with apt, load, decode.
if [ ! -x "$BASE/usr/bin/apt-get" ]; then
    command -v debootstrap > /dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap > "$WORK/apt-debootstrap.log" 2>&1 ||
        { cat "$WORK/apt-debootstrap.log"; exit 1; }
    say "debootstrap --variant=minbase bookworm $BASE $mirror"
    mkdir -p "$(dirname "$BASE")"
    debootstrap --variant=minbase bookworm "$BASE" "$mirror" > "$WORK/debootstrap.log" 2>&1 ||
        { tail -20 "$WORK/debootstrap.log"; rm -rf "$BASE"; exit 1; }
fi
mkdir -p "$APTCACHE"
overlay bookworm "$BASE"; C=$OV
mount --bind "$APTCACHE" "$C/var/cache/apt/archives"; MOUNTS+=("$C/var/cache/apt/archives")
in_c "$C" dpkg-query -W tshark > /dev/null 2>&1 && fail "the bookworm chroot is not clean: tshark is installed"
say "bookworm: apt-get install ./$(basename "$DEB")"
if in_c "$C" apt-get "${APT_OPTS[@]}" update > "$WORK/apt-update.log" 2>&1 &&
   in_c "$C" apt-get "${APT_OPTS[@]}" install -y "/tmp/$(basename "$DEB")" > "$WORK/apt-install.log" 2>&1; then
    say "bookworm: installed ($(in_c "$C" dpkg-query -W -f='${Version}' libwireshark16) libwireshark16," \
        "$(in_c "$C" dpkg-query -W -f='${db:Status-Abbrev}' tshark | tr -d ' ') tshark," \
        "$(grep -c '^Setting up' "$WORK/apt-install.log") packages set up)"
    listing=$(in_c "$C" tshark -G plugins 2>&1 || true)
    line=$(grep '^ws\.so' <<< "$listing" || true)
    if grep -q "$plugindir/ws\.so" <<< "$line"; then say "bookworm: tshark -G plugins: $(tr '\t' ' ' <<< "$line")"
    else fail "tshark -G plugins does not list $plugindir/ws.so: ${line:-no ws.so line}"; fi
    cp test-captures/seed.pcapng "$C/tmp/"
    out=$(in_c "$C" tshark -r /tmp/seed.pcapng -Y ws 2> "$WORK/tshark.err" || true)
    printf '%s\n' "$out" | sed 's/^/    /'
    fields=$(in_c "$C" tshark -r /tmp/seed.pcapng -Y ws -T fields -e ws.opcode -e ws.mask -e ws.payload_length -e ws.text 2>> "$WORK/tshark.err" || true)
    want=$(printf '1\t1\t35\t{"command":1000000,"machineId":"1"}\n1\t0\t30\t{"value":{},"command":1000000}')
    if [ "$fields" = "$want" ] && [ "$(grep -c 'WebSocket' <<< "$out")" -eq 2 ]; then
        say "bookworm: seed.pcapng -Y ws: the two text frames (35 bytes masked, 30 bytes)"
    else
        fail "seed.pcapng did not decode as expected: $fields"
    fi
    # Removing the package takes ws.so away again.
    in_c "$C" apt-get remove -y wireshark-plugin-ws > "$WORK/apt-remove.log" 2>&1 || fail "apt-get remove failed"
    [ -e "$C$plugindir/ws.so" ] && fail "ws.so still there after apt-get remove"
else
    fail "apt-get install failed:"; tail -20 "$WORK/apt-install.log" 2>/dev/null || tail -20 "$WORK/apt-update.log"
fi

# 3. The 4.0 package beside Wireshark 4.4: refused.
if [ "$REFUSE" != none ]; then
    if [ ! -x "$REFUSE/usr/bin/apt-get" ]; then
        if [ -n "${WS_REFUSE_CHROOT:-}" ]; then fail "no chroot at $REFUSE"
        else say "SKIP the refusal check: no chroot at $REFUSE (tools/other-versions.sh --create trixie makes it)"; fi
    else
        overlay refuse "$REFUSE"; T=$OV
        ver=$(in_c "$T" dpkg-query -W -f='${Package} ${Version}' 'libwireshark[0-9]*' 2>/dev/null | tr '\n' ' ')
        say "$(basename "$REFUSE"): apt-get install ./$(basename "$DEB") beside ${ver:-no libwireshark}"
        in_c "$T" apt-get "${APT_OPTS[@]}" update > "$WORK/refuse-update.log" 2>&1 || true
        if in_c "$T" apt-get "${APT_OPTS[@]}" install -y "/tmp/$(basename "$DEB")" > "$WORK/refuse.log" 2>&1; then
            fail "apt installed the 4.0 package in $REFUSE"
        elif grep -q 'Depends: libwireshark16' "$WORK/refuse.log"; then
            say "$(basename "$REFUSE"): refused: $(grep -m1 'Depends: libwireshark16' "$WORK/refuse.log" | sed 's/^ *//')"
        else
            fail "apt failed in $REFUSE, but not on libwireshark16:"; tail -10 "$WORK/refuse.log"
        fi
        [ -e "$T$plugindir/ws.so" ] && fail "ws.so was unpacked in $REFUSE"
        # dpkg alone unpacks, then must leave it unconfigured.
        in_c "$T" dpkg -i "/tmp/$(basename "$DEB")" > "$WORK/refuse-dpkg.log" 2>&1 &&
            fail "dpkg -i configured the 4.0 package in $REFUSE"
        grep -q 'depends on libwireshark16' "$WORK/refuse-dpkg.log" &&
            say "$(basename "$REFUSE"): dpkg -i: $(grep -m1 'depends on libwireshark16' "$WORK/refuse-dpkg.log" | sed 's/^ *//')"
    fi
fi

say "done: $fails failure(s), $(($(date +%s) - start)) s"
[ "$fails" -eq 0 ]
