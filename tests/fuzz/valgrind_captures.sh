#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs tshark with the plugin under valgrind memcheck over a few captures (slow:
# about a minute each, so not part of the test command). Exits non-zero on any error.
#   tests/fuzz/valgrind_captures.sh build/plugin/ws.so [capture ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
plugin=${1:-build/plugin/ws.so}
shift || true
caps=("$@")
[ ${#caps[@]} -gt 0 ] || caps=(test-captures/seed.pcapng test-captures/edge-messages.pcap test-captures/hostile/garbage-after-frames.pcap
                               test-captures/edge-deflate-frame.pcap test-captures/hostile/len64-max.pcap)
abi=$(tshark --version | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
work=$(mktemp -d /tmp/ws-valgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/plugins/$abi/epan" "$work/home"
cp "$plugin" "$work/plugins/$abi/epan/"
as=()
if [ "$(id -u)" -eq 0 ]; then as=(setpriv --reuid=nobody --regid=nogroup --clear-groups); chown nobody "$work/home"; fi
chmod -R a+rX "$work"
fail=0
for c in "${caps[@]}"; do
    cp "$c" "$work/"; chmod a+r "$work/$(basename "$c")"
    if "${as[@]}" env HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" valgrind -q --error-exitcode=3 \
        tshark -r "$work/$(basename "$c")" -2 -V > /dev/null 2> "$work/vg.txt"; then
        echo "valgrind clean: $c"
    else
        echo "valgrind errors: $c"; head -40 "$work/vg.txt"; fail=1
    fi
done
exit $fail
