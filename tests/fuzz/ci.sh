#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A short libFuzzer run of every harness from its committed corpus, about 2 minutes in
# all: 10 s for each core harness, 40 s for fuzz_dissect (the glue through
# libwireshark, far slower per input). Builds build-fuzz (clang, ASan+UBSan); without
# clang's libFuzzer it says so and succeeds. A finding stops it with status 1 and the
# input in build-fuzz/crash-* (replay it with build-fuzz/tests/fuzz_NAME FILE).
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! { CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWS_FUZZ=ON -DWS_SANITIZE=ON >/dev/null 2>&1 &&
       cmake --build build-fuzz -j"$(nproc)" >/dev/null 2>&1; }; then
    echo "clang with libFuzzer not available: fuzzing skipped"
    exit 0
fi
for h in frame mask utf8 heur inflate http socketio mqtt dissect; do
    secs=10 extra=()
    if [ "$h" = dissect ]; then
        secs=40 extra=(-detect_leaks=0)
    fi
    work=$(mktemp -d)
    cp tests/fuzz/corpus/$h/* "$work"/
    rc=0
    build-fuzz/tests/fuzz_$h "$work" -max_total_time=$secs -max_len=8192 -artifact_prefix=build-fuzz/ \
        "${extra[@]}" > build-fuzz/fuzz_$h.log 2>&1 || rc=$?
    echo "fuzz_$h: $(grep -E 'DONE' build-fuzz/fuzz_$h.log | tail -1)"
    rm -rf "$work"
    if [ "$rc" -ne 0 ]; then
        tail -40 build-fuzz/fuzz_$h.log
        echo "fuzz_$h found a problem (input saved as build-fuzz/crash-*)"
        exit 1
    fi
done
