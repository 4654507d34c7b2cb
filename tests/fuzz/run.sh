#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs fuzz targets for real and grows their stored corpora.
#
#   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
#   meson compile -C build-fuzz
#   tests/fuzz/run.sh build-fuzz [TARGET...]
#
# Each target runs from a copy of its corpus for FUZZ_RUNS executions (10 million) or
# FUZZ_SECONDS (30 minutes), whichever comes first. The inputs it found are then merged into
# tests/fuzz/corpus/TARGET: libFuzzer's merge keeps only those that add coverage, so the
# stored corpus stays minimal. A crash stops the script with the reproducer's path. The last
# line of each log gives the figures for tests/fuzz/README.md.
set -eu

build=${1:?usage: run.sh BUILD_DIR [TARGET...]}
shift
src=$(cd "$(dirname "$0")" && pwd)
runs=${FUZZ_RUNS:-10000000}
seconds=${FUZZ_SECONDS:-1800}
out=${FUZZ_OUT:-$build/fuzz-runs}
[ $# -gt 0 ] || set -- $(ls "$src/corpus")

mkdir -p "$out"
for t in "$@"; do
        exe=$build/tests/fuzz-$t
        [ -x "$exe" ] || { echo "run.sh: $exe missing (build with -Dfuzz=true)" >&2; exit 1; }
        work=$out/$t.corpus
        rm -rf "$work" && mkdir -p "$work" "$out/$t.crashes"
        cp "$src/corpus/$t"/* "$work"/
        start=$(date +%s)
        if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
             UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
             "$exe" -runs="$runs" -max_total_time="$seconds" -print_final_stats=1 \
                    -artifact_prefix="$out/$t.crashes/" "$work" >"$out/$t.log" 2>&1; then
                echo "run.sh: $t failed, see $out/$t.log and $out/$t.crashes/" >&2
                exit 1
        fi
        "$exe" -merge=1 "$src/corpus/$t" "$work" >"$out/$t.merge.log" 2>&1
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
        cov=$(grep -E '^#[0-9]+' "$out/$t.log" | grep -o 'cov: [0-9]*' | tail -1)
        ft=$(grep -E '^#[0-9]+' "$out/$t.log" | grep -o 'ft: [0-9]*' | tail -1)
        echo "$t: $execs executions in $(($(date +%s) - start)) s, $cov, $ft," \
             "corpus $(ls "$src/corpus/$t" | wc -l) files"
done
