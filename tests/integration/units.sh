#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped units pass systemd-analyze verify, and the service's exposure stays low.
source "$(dirname "$0")/lib.sh"

UNITS_DIR=${UNITS_DIR:?}
command -v systemd-analyze >/dev/null || skip_all "systemd-analyze is missing"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# verify wants the programs to exist: point ExecStart= and ExecReload= at the built ones.
sed -e "s|^ExecStart=.*|ExecStart=$BINFMTD|" \
    -e "s|^ExecReload=[^ ]*|ExecReload=$BINFMTCTL|" \
    "$UNITS_DIR/binfmtd.service" >"$WORK/binfmtd.service"
check "ExecReload= waits for binfmtd's answer (binfmtctl reload)" \
    grep -q "^ExecReload=$BINFMTCTL reload$" "$WORK/binfmtd.service"
cp "$TESTS_DIR/../../units/binfmtd.socket" "$WORK/"
run systemd-analyze verify --man=no "$WORK/binfmtd.service" "$WORK/binfmtd.socket"
check "systemd-analyze verify passes (exit $rc)" test "$rc" -eq 0 -a -z "$err"
[ -n "$err" ] && diag "$err"
check "the service is Type=notify with a watchdog" grep -qx "Type=notify" "$WORK/binfmtd.service"
check "every hardening group is commented" test "$(grep -c '^#' "$WORK/binfmtd.service")" -ge 15

run systemd-analyze security --offline=true "$WORK/binfmtd.service"
score=$(sed -n 's/.*Overall exposure level for binfmtd.service: \([0-9.]*\).*/\1/p' <<<"$out")
diag "systemd-analyze security: ${score:-?}"
# 2.7: a user and a mount namespace (0.4) for measuring what the kernel runs natively, on top of
# what registering and probing need.
check "the exposure level is 2.7 or lower (${score:-none})" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.7) }'

done_testing
