#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A short libFuzzer run of every harness from its committed corpus, about 2 minutes in
# all: a fixed number of executions per harness with a fixed seed (WS_FUZZ_SEED, default
# 1), so that a run gives the same inputs on every machine and a finding in CI is one the
# same command finds here (the long random runs are tests/fuzz/campaign.sh's); each run is
# also capped in time. Builds build-fuzz (clang, ASan+UBSan); without clang's libFuzzer it
# says so and succeeds. A finding stops it with status 1 and the input in
# build-fuzz/crash-* (replay it with build-fuzz/tests/fuzz_NAME FILE).
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! { CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWS_FUZZ=ON -DWS_SANITIZE=ON >/dev/null 2>&1 &&
       cmake --build build-fuzz -j"$(nproc)" >/dev/null 2>&1; }; then
    echo "clang with libFuzzer not available: fuzzing skipped"
    exit 0
fi
# executions per harness: about 10 s each here (40 s for fuzz_dissect, the glue through
# libwireshark, far slower per input)
norand=""
if setarch "$(uname -m)" -R true 2>/dev/null; then
    norand="setarch $(uname -m) -R"
fi
declare -A runs=([frame]=2000000 [mask]=1000000 [utf8]=150000 [heur]=20000 [inflate]=120000 [http]=500000
                 [socketio]=1000000 [mqtt]=3000000 [dissect]=12000)
for h in frame mask utf8 heur inflate http socketio mqtt dissect; do
    secs=60 extra=() env=()
    if [ "$h" = dissect ]; then
        secs=180 extra=(-detect_leaks=0)
    fi
    # The same run on every machine: a fixed seed, the corpus in a folder of the same name,
    # no reloading of it on a timer, and no address randomisation (libFuzzer hashes the
    # addresses of comparisons it traces).
    work=build-fuzz/ci-corpus-$h
    rm -rf "$work"
    mkdir -p "$work"
    cp tests/fuzz/corpus/$h/* "$work"/
    rc=0
    env "${env[@]}" $norand build-fuzz/tests/fuzz_$h "$work" -seed="${WS_FUZZ_SEED:-1}" -runs="${runs[$h]}" -reload=0 \
        -max_total_time=$secs -max_len=8192 -artifact_prefix=build-fuzz/ "${extra[@]}" > build-fuzz/fuzz_$h.log 2>&1 ||
        rc=$?
    echo "fuzz_$h: $(grep -E 'DONE' build-fuzz/fuzz_$h.log | tail -1)"
    rm -rf "$work"
    if [ "$rc" -ne 0 ]; then
        tail -40 build-fuzz/fuzz_$h.log
        echo "fuzz_$h found a problem (input saved as build-fuzz/crash-*)"
        exit 1
    fi
done
