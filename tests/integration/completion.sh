#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion of binfmtctl, driven as bash drives it: bash-completion's own library
# loaded, COMP_WORDS/COMP_CWORD set for a command line, the completion function called, and
# COMPREPLY checked. Targets come from the real binfmtctl's table.
source "$(dirname "$0")/lib.sh"

COMPLETION=$(cd "$TESTS_DIR/../../shell-completion" && pwd)/binfmtctl.bash
for f in /usr/share/bash-completion/bash_completion; do
    [ -r "$f" ] && BASH_COMPLETION=$f
done
[ -n "${BASH_COMPLETION:-}" ] || skip_all "bash-completion is not installed"

# complete WORDS...: the candidates bash would offer for the last word (an empty last word
# completes from nothing), one per line, sorted.
complete_line() {
    bash --norc --noprofile -c '
        source "$1" >/dev/null 2>&1
        source "$2"
        shift 2
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _binfmtctl
        printf "%s\n" "${COMPREPLY[@]}"
    ' _ "$BASH_COMPLETION" "$COMPLETION" "$@" | sort
}
has() { grep -qx -- "$1" <<<"$2"; }

out=$(complete_line "$BINFMTCTL" "")
check "commands: every one" test "$(tr '\n' ' ' <<<"$out")" = "exec install list plan reload status uninstall verify wait which "
out=$(complete_line "$BINFMTCTL" "un")
check "commands: a prefix" test "$out" = uninstall

out=$(complete_line "$BINFMTCTL" "--")
for o in --help --version --mount= --interpreter-dir= --flags= --force --json --format= \
    --require= --timeout= --socket= --direct --platform=; do
    check "options: $o" has "$o" "$out"
done

out=$(complete_line "$BINFMTCTL" exec --platform "linux/ar")
check "exec --platform: platforms" has linux/arm64 "$out"
out=$(complete_line "$BINFMTCTL" exec -- "ls")
check "exec -- COMMAND: commands" has ls "$out"

out=$(complete_line "$BINFMTCTL" install "")
for t in aarch64 arm64 linux/arm64 linux/arm/v7 armhf riscv64 linux/s390x x86_64 amd64 linux/386 all; do
    check "install: target '$t'" has "$t" "$out"
done
out=$(complete_line "$BINFMTCTL" install linux/arm)
check "install linux/arm: the arm platforms" test "$(tr '\n' ' ' <<<"$out")" = "linux/arm/v6 linux/arm/v7 linux/arm64 "
out=$(complete_line "$BINFMTCTL" --force uninstall ri)
check "options before the command do not hide it" has riscv64 "$out"

out=$(complete_line "$BINFMTCTL" status --format "")
check "--format: its values" test "$(tr '\n' ' ' <<<"$out")" = "json openmetrics text "
out=$(complete_line "$BINFMTCTL" status --require linux/s)
check "--require: OCI platforms only" test "$out" = linux/s390x

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
touch "$WORK/hello-arm64" "$WORK/hello-riscv64"
out=$(cd "$WORK" && complete_line "$BINFMTCTL" which hello-a)
check "which: file names" test "$out" = hello-arm64
out=$(complete_line "$BINFMTCTL" --mount "$WORK/")
check "--mount: directories only" test -z "$out"

done_testing
