#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command 2: the whole test suite, on every supported Wireshark. Installs what it needs,
# builds with warnings as errors and runs, on the host's Wireshark: the core unit tests
# (ctest), the sanitizer build, libFuzzer, tshark with the sanitizer plugin over every
# capture, the end-to-end tests (pytest); then, in a Debian chroot per other release
# (trixie: 4.4, sid: 4.6, made with debootstrap when missing; tools/other-versions.sh),
# the build with -Werror, ctest, the name check and the whole end-to-end suite.
#
#   WS_CHROOTS="trixie sid"   which chroots (names under $WS_CHROOT_BASE, default
#                             /srv/chroot); WS_CHROOTS= (empty) for the host alone
#   WS_CHROOT_BASE=DIR        where the chroots are kept between runs (made when missing)
#
# Each "== stage" below is a block of its own; the time since the start is printed with it.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh

T0=$SECONDS
stage() { echo "== $* [$((SECONDS - T0)) s]"; }
read -r -a chroots <<< "${WS_CHROOTS-trixie sid}"
# tools/other-versions.sh runs as root (chroot, mount), with the chroots' folder.
as_root=(env WS_CHROOT_BASE="${WS_CHROOT_BASE:-/srv/chroot}")
[ "$(id -u)" -eq 0 ] || as_root=(sudo "${as_root[@]}")

# ---- packages (host)
ws_install_debs "${WS_BUILD_DEBS[@]}" "${WS_TEST_DEBS[@]}"
ws_install_debs "$(ws_clang_rt_deb)"

# ---- other releases, made ready in the background: debootstrap and apt-get wait on the
# network and the disk while the host builds and tests; the stage at the end waits for it.
prep_pid=""
if [ ${#chroots[@]} -gt 0 ]; then
    ws_install_debs "${WS_CHROOT_DEBS[@]}"
    mkdir -p build-other-versions
    stage "other releases (${chroots[*]}): made ready in the background (build-other-versions/prepare.log)"
    setsid "${as_root[@]}" tools/other-versions.sh --create --prepare "${chroots[@]}" > build-other-versions/prepare.log 2>&1 &
    prep_pid=$!
    # An interrupted preparation leaves nothing half made (other-versions.sh), so it is
    # stopped when this script stops early.
    trap '[ -n "$prep_pid" ] && kill -- -"$prep_pid" 2>/dev/null; true' EXIT
fi

# ---- build (host)
stage "build (host, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"

stage "unit tests (ctest)"
ctest --test-dir build --output-on-failure

# ---- sanitizers (host only)
stage "sanitizers: unit tests and fuzz corpus replay under ASan/UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWS_SANITIZE=ON -DWS_WERROR=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
ctest --test-dir build-asan --output-on-failure

# ---- libFuzzer (host only)
stage "libFuzzer: a short run of every harness, fuzz_dissect (the glue in libwireshark) included"
tests/fuzz/ci.sh

# ---- tshark with the sanitizer plugin (host only)
stage "tshark with the sanitizer build over every capture and mutated copies"
/usr/bin/python3 tests/fuzz/asan_captures.py build-asan/plugin/ws.so --mutations 5

# ---- end-to-end tests (host's Wireshark)
stage "end-to-end tests (pytest + tshark $(tshark --version 2>/dev/null | head -n1 | awk '{print $3}'))"
WS_PLUGIN="$PWD/build/plugin/ws.so" /usr/bin/python3 -m pytest -q -p no:cacheprovider -n "$(nproc)" --dist loadfile tests/difftest tests/dissection

# ---- the Debian package: built, installed in a clean Debian chroot, refused beside 4.4
stage "the Debian package (tools/package-test.sh)"
if [ "$(id -u)" -eq 0 ]; then tools/package-test.sh; else echo "skipped: tools/package-test.sh needs root"; fi

# ---- other releases: build with -Werror, ctest, names, the whole end-to-end suite
if [ ${#chroots[@]} -gt 0 ]; then
    stage "other releases: waiting for the chroots to be ready"
    rc=0; wait "$prep_pid" || rc=$?
    prep_pid=""
    cat build-other-versions/prepare.log
    [ "$rc" -eq 0 ] || { echo "the chroots could not be made ready (exit $rc)"; exit 1; }
    stage "other releases (${chroots[*]}): build, ctest, names, whole end-to-end suite"
    "${as_root[@]}" tools/other-versions.sh --werror --all-tests "${chroots[@]}"
fi
stage "all passed"
