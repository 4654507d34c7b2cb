#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Line and branch coverage of each fuzz target's code, from replaying its stored corpus.
#
#   CC=clang meson setup build-cov -Dc_args="-fprofile-instr-generate -fcoverage-mapping" \
#       -Dc_link_args=-fprofile-instr-generate
#   tests/fuzz/coverage.sh build-cov
#
# Prints one line per target: the source file it is about, and llvm-cov's line, function and
# branch coverage of that file.
set -eu

build=${1:?usage: coverage.sh BUILD_DIR}
src=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$src/../.." && pwd)
out=$build/fuzz-coverage
mkdir -p "$out"

file_of() {
        case $1 in
                rule) echo lib/binfmt/rule.c ;;
                entry) echo lib/binfmt/entry.c ;;
                elf) echo lib/target/elf.c ;;
                config) echo lib/config/config.c ;;
                varlink) echo lib/varlink/varlink.c ;;
                tonistiigi) echo lib/compat/tonistiigi.c ;;
                native) echo lib/verify/native.c ;;
                server) echo daemon/server.c ;;
        esac
}

for t in $(ls "$src/corpus"); do
        exe=$build/tests/fuzz-$t-replay
        ninja -C "$build" "tests/fuzz-$t-replay" >/dev/null
        rm -f "$out/$t".*.profraw
        LLVM_PROFILE_FILE="$out/$t.%p.profraw" "$exe" "$src/corpus/$t" >/dev/null 2>&1
        llvm-profdata merge -sparse "$out/$t".*.profraw -o "$out/$t.profdata"
        f=$(file_of "$t")
        llvm-cov report "$exe" -instr-profile="$out/$t.profdata" "$root/$f" |
                awk -v t="$t" -v f="$f" '$1 == f {
                        # Regions, Functions, Lines, Branches: count, missed, cover, each.
                        printf "%s %s lines %s functions %s branches %s\n", t, f, $10, $7, $13 }'
done
