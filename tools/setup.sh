#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command 1: install build dependencies from Debian, build ws.so, install it where
# this user's tshark and Wireshark load it, and decode the seed capture.
#   root:        the system plugin folder (root loads no personal plugins)
#   normal user: ~/.local/lib/wireshark/plugins/<ver>/epan (sudo only for apt-get)
# Override with WS_INSTALL_SCOPE=user|system.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh

ws_install_debs "${WS_BUILD_DEBS[@]}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_INSTALL_SCOPE="${WS_INSTALL_SCOPE:-auto}" >/dev/null
cmake --build build -j"$(nproc)"
cmake --install build

echo "== tshark -G plugins:"
tshark -G plugins 2>/dev/null | grep '^ws\.so' || { echo "ws.so is not loaded by tshark" >&2; exit 1; }
echo "== the seed capture, decoded (test-captures/seed.pcapng):"
tshark -r test-captures/seed.pcapng -O ws,data-text-lines 2>/dev/null
