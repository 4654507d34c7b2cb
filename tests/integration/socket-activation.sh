#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtd started by socket activation, as systemd would: systemd-socket-activate holds the
# listening socket and starts binfmtd on the first connection, passing the socket over.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v systemd-socket-activate >/dev/null || skip_all "systemd-socket-activate is missing"
fi
enter_private_instance
trap '[ -n "${ACT_PID:-}" ] && kill "$ACT_PID" 2>/dev/null; wait 2>/dev/null' EXIT

SOCK=$WORK/activated.sock
write_config "$WORK/binfmtd.conf" "Targets=linux/arm64" "Socket=$WORK/not-used.sock"
# systemd-socket-activate passes no environment but what -E names: the test's records, probes
# and native cache must reach the daemon, or it would use the machine's.
systemd-socket-activate -l "$SOCK" -E BINFMTD_STATE_DIR -E BINFMTD_PROBE_DIR \
    -E BINFMTD_NATIVE_CACHE "$BINFMTD" --config "$WORK/binfmtd.conf" \
    >>"$WORK/binfmtd.log" 2>&1 &
ACT_PID=$!
check "the activator listens" wait_until 10 test -S "$SOCK"
check "nothing runs before the first connection" test ! -e "$MNT/qemu-aarch64"

run "$BINFMTCTL" --socket "$SOCK" status --json
check "the first connection starts binfmtd and is answered (exit $rc)" test "$rc" -eq 0
check "the answer comes from the daemon" test "$(jq -c .daemon.targets <<<"$out")" = '["aarch64"]'
check "the daemon registered its targets" test -e "$MNT/qemu-aarch64"
check "it used the socket it was given" grep -q "Serving on the socket passed by systemd" "$WORK/binfmtd.log"
check "its own Socket= path was not created" test ! -e "$WORK/not-used.sock"
run "$BINFMTCTL" --socket "$SOCK" install riscv64
check "changes go through the activated socket too" test "$rc" -eq 0 -a -e "$MNT/qemu-riscv64"
kill "$ACT_PID" 2>/dev/null
wait "$ACT_PID" 2>/dev/null

# A socket whose service fails or was skipped: systemd accepts, then closes the connection. No
# reset for the user: binfmtctl says what happened and does the work itself.
DEAD=$WORK/dead.sock
systemd-socket-activate -l "$DEAD" --accept false >/dev/null 2>&1 &
ACT_PID=$!
wait_until 10 test -S "$DEAD"
run "$BINFMTCTL" --socket "$DEAD" status --json
check "a socket without a daemon: status still answers (exit $rc)" test "$rc" -eq 0
check "a socket without a daemon: it says so plainly" \
    grep -q "accepted the connection but closed it.*binfmtd is not running there.*doing the work directly" <<<"$err"
check "a socket without a daemon: the status is direct mode's" \
    test "$(jq -r '.daemon // "none"' <<<"$out")" = none -a "$(jq -r '.entries | length' <<<"$out")" -ge 1
run "$BINFMTCTL" --socket "$DEAD" uninstall riscv64
check "a socket without a daemon: a change is made directly (exit $rc)" \
    test "$rc" -eq 0 -a ! -e "$MNT/qemu-riscv64"
check "the activated daemon kept its records with the test's" test -n "$(ls -A "$WORK/state")"

done_testing
