#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command 2: the whole test suite. Installs what it needs, builds with warnings as
# errors, runs the core unit tests (ctest) and the tshark end-to-end tests (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh

ws_install_debs "${WS_BUILD_DEBS[@]}" "${WS_TEST_DEBS[@]}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"

echo "== unit tests (ctest)"
ctest --test-dir build --output-on-failure

echo "== end-to-end tests (pytest + tshark)"
WS_PLUGIN="$PWD/build/plugin/ws.so" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/dissection
