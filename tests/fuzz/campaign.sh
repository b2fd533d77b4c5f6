#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Long libFuzzer runs of every harness (docs/robustness.md says what was run and found).
#
#   tests/fuzz/campaign.sh [-t SECONDS_PER_HARNESS] [-j JOBS] [-o OUTDIR] [HARNESS ...]
#
# Defaults: 3600 s per harness, as many workers as cores, OUTDIR build-fuzz/campaign,
# every harness (frame mask utf8 heur inflate http socketio mqtt dissect). Each harness
# runs from a copy of its committed corpus (kept in OUTDIR/HARNESS/corpus, grown by the
# run) with -fork=JOBS; findings land in OUTDIR/HARNESS/ (crash-*, leak-*, timeout-*,
# oom-*). OUTDIR/summary.txt gets one line per harness: executions, exec/s, coverage,
# features, corpus size, findings. Builds build-fuzz (clang, ASan+UBSan) first.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=3600 jobs=$(nproc) out=build-fuzz/campaign
while getopts "t:j:o:" opt; do
    case $opt in
        t) secs=$OPTARG ;;
        j) jobs=$OPTARG ;;
        o) out=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
harnesses=${*:-frame mask utf8 heur inflate http socketio mqtt dissect}

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWS_FUZZ=ON -DWS_SANITIZE=ON >/dev/null || exit 1
cmake --build build-fuzz -j"$(nproc)" >/dev/null || exit 1
mkdir -p "$out"
for h in $harnesses; do
    dir=$out/$h
    mkdir -p "$dir/corpus"
    cp -n tests/fuzz/corpus/$h/* "$dir/corpus/" 2>/dev/null
    # the in-process harness: its per-input leak scan is far too slow (LSan over all of
    # libwireshark's heap); what stays after each input is its own invariant.
    # At exit LeakSanitizer reports what libwireshark never frees (a -fork job's exit then
    # counts as a crash of the empty input): off as well. A smaller quarantine and shorter
    # allocation stacks: a fifth faster (639 inputs: 6.9 s -> 5.5 s, docs/robustness.md).
    # fuzz_dissect: a finding's session (the inputs before it in its capture file) is
    # saved in OUTDIR/dissect/batches/session-PID (fuzz_dissect.c).
    extra=() asan=${ASAN_OPTIONS:-} batches=
    if [ "$h" = dissect ]; then
        extra=(-detect_leaks=0)
        asan=${asan:+$asan:}detect_leaks=0:quarantine_size_mb=32:malloc_context_size=8
        batches=$dir/batches
    fi
    start=$(date +%s)
    WS_FUZZ_BATCH_DIR=$batches ASAN_OPTIONS=$asan build-fuzz/tests/fuzz_$h "$dir/corpus" -fork="$jobs" -ignore_crashes=1 -max_total_time="$secs" \
        -max_len=8192 -artifact_prefix="$dir/" -print_final_stats=1 "${extra[@]}" > "$dir/log.txt" 2>&1
    end=$(date +%s)
    # -fork prints "#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: ..." lines
    last=$(grep -E '^#[0-9]+: cov:' "$dir/log.txt" | tail -1)
    execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
    cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$last")
    ft=$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$last")
    found=$(ls "$dir" | grep -cE '^(crash|leak|timeout|oom)-')
    rate=$(( ${execs:-0} / ( end - start > 0 ? end - start : 1 ) ))
    printf '%s %s: %s s, %s workers, %s executions, %s exec/s, cov %s, ft %s, corpus %s, findings %s\n' \
        "$(date -u +%FT%TZ)" "$h" "$((end - start))" "$jobs" "${execs:-?}" "$rate" "${cov:-?}" "${ft:-?}" \
        "$(ls "$dir/corpus" | wc -l)" "$found" | tee -a "$out/summary.txt"
done
