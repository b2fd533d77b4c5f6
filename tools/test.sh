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

echo "== sanitizers: unit tests and fuzz corpus replay under ASan/UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWS_SANITIZE=ON -DWS_WERROR=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
ctest --test-dir build-asan --output-on-failure

echo "== libFuzzer: 12 s per harness, from the committed corpus"
if CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWS_FUZZ=ON -DWS_SANITIZE=ON >/dev/null 2>&1 &&
   cmake --build build-fuzz -j"$(nproc)" >/dev/null 2>&1; then
    for h in frame mask utf8 heur inflate http socketio mqtt; do
        work=$(mktemp -d)
        cp tests/fuzz/corpus/$h/* "$work"/
        rc=0
        build-fuzz/tests/fuzz_$h "$work" -max_total_time=12 -max_len=8192 -artifact_prefix=build-fuzz/ \
            > build-fuzz/fuzz_$h.log 2>&1 || rc=$?
        echo "fuzz_$h: $(grep -E 'DONE' build-fuzz/fuzz_$h.log | tail -1)"
        if [ "$rc" -ne 0 ]; then
            tail -40 build-fuzz/fuzz_$h.log
            echo "fuzz_$h found a problem (input saved as build-fuzz/crash-*)"
            exit 1
        fi
        rm -rf "$work"
    done
else
    echo "clang with libFuzzer not available: fuzzing skipped"
fi

echo "== tshark with the sanitizer build over every capture and mutated copies"
/usr/bin/python3 tests/fuzz/asan_captures.py build-asan/plugin/ws.so --mutations 5

echo "== end-to-end tests (pytest + tshark)"
WS_PLUGIN="$PWD/build/plugin/ws.so" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/difftest tests/dissection
