#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl status --require, wait and --format=openmetrics, on the real kernel in a private
# binfmt_misc instance: "ready" only when a container of the platform would run, and every "not
# ready" says why and what to do, with exit code 3.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v python3 >/dev/null || skip_all "python3 is missing"
    command -v cc >/dev/null || skip_all "no C compiler for the static not-QEMU interpreter"
fi
enter_private_instance
trap 'stop_daemon' EXIT

ARM64=$WORK/hello-arm64

# ---- direct mode --------------------------------------------------------------------------

ctl status --require linux/arm64
check "nothing registered: --require linux/arm64 exits 3 (got $rc)" test "$rc" -eq 3
check "nothing registered: says it is not registered, and the fix" grep -q "linux/arm64: not ready: not registered.*Fix: run binfmtctl install arm64" <<<"$err"

ctl install arm64 riscv64 s390x
check "install arm64 riscv64 s390x" test "$rc" -eq 0
ctl status --require linux/arm64,linux/riscv64
check "status --require linux/arm64,linux/riscv64 exits 0 (got $rc)" test "$rc" -eq 0
check "status --require says ready for each" test "$out" = $'linux/arm64: ready\nlinux/riscv64: ready'
ctl status --require aarch64,linux/arm64/v8,s390x
check "other spellings of the same platforms: exit 0 (got $rc)" test "$rc" -eq 0

ctl status --require linux/arm64,linux/mips64le
check "one platform not ready: exit 3 (got $rc)" test "$rc" -eq 3
check "one platform not ready: the ready one is still on stdout" grep -qx "linux/arm64: ready" <<<"$out"
check "one platform not ready: named on stderr" grep -q "linux/mips64le: not ready: not registered" <<<"$err"

# An arm64 entry without F, written by the test: the host runs it, a container does not.
ctl uninstall arm64
reg=$("$BINFMTCTL" --mount "$MNT" plan arm64 | sed -n 's/^  \(:qemu-aarch64:.*\)$/\1/p')
printf '%s' "${reg%F}" >"$MNT/register"
check "the test registered arm64 without F" grep -qx "flags: " "$MNT/qemu-aarch64"
run "$ARM64"
check "without F, the host still runs the arm64 program" test "$rc" -eq 7
ctl status --require linux/arm64
check "without F: --require linux/arm64 exits 3 (got $rc)" test "$rc" -eq 3
check "without F: says registered without F and how to fix it" grep -q "linux/arm64: not ready: registered without F.*Fix: run binfmtctl install arm64 --force" <<<"$err"
ctl status --json
check "without F: the JSON says interpreter-unreachable for the container pass" test "$(jq -r '.platforms[] | select(.platform == "linux/arm64") | .result' <<<"$out")" = interpreter-unreachable
check "without F: linux/arm64 is not in supported" test "$(jq '.supported | index("linux/arm64")' <<<"$out")" = null
ctl install --force arm64
ctl status --require linux/arm64
check "after the fix it names: ready (got $rc)" test "$rc" -eq 0

# A static interpreter that is not QEMU: it runs, and exits wrongly.
ctl uninstall arm64
cc -static -O2 -o "$WORK/not-qemu" -x c - <<<'int main(void) { return 3; }'
check "built a static program that is not QEMU" test -x "$WORK/not-qemu"
printf ':qemu-aarch64:M:0:%s:%s:%s:F' '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00' \
    '\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff' "$WORK/not-qemu" >"$MNT/register"
ctl status --require linux/arm64
check "an interpreter that is not QEMU: exit 3 (got $rc)" test "$rc" -eq 3
check "an interpreter that is not QEMU: the probe exited wrongly, and the fix" grep -q "linux/arm64: not ready: the probe exited with 3, not 42 under .*not-qemu: it is not a working aarch64 emulator. Fix: install qemu-user-static, then run binfmtctl install arm64 --force" <<<"$err"
echo -1 >"$MNT/qemu-aarch64"

ctl status --require linux/sparc64
check "a platform without a probe: exit 3 (got $rc)" test "$rc" -eq 3
check "a platform without a probe: says it cannot be verified" grep -q "linux/sparc64: not ready: cannot be verified" <<<"$err"

# ---- usage errors -------------------------------------------------------------------------

ctl status --require linux/bogus
check "an unknown platform: exit 2 (got $rc)" test "$rc" -eq 2
check "an unknown platform: named" grep -q "'linux/bogus' is not a known platform" <<<"$err"
ctl status --require windows/arm64
check "a malformed platform: exit 2 (got $rc)" test "$rc" -eq 2
ctl wait
check "wait without --require: exit 2 (got $rc)" test "$rc" -eq 2
ctl wait --require linux/arm64 --timeout soon
check "wait --timeout soon: exit 2 (got $rc)" test "$rc" -eq 2
ctl status --format=yaml
check "--format=yaml: exit 2 (got $rc)" test "$rc" -eq 2
ctl status --require linux/arm64 --json
check "--require with --json: exit 2 (got $rc)" test "$rc" -eq 2

# ---- OpenMetrics --------------------------------------------------------------------------

ctl status --format=openmetrics
check "openmetrics: exit 0" test "$rc" -eq 0
check "openmetrics: ends with # EOF" test "$(tail -n 1 <<<"$out")" = "# EOF"
check "openmetrics: riscv64 registered" grep -qx 'binfmtd_platform_registered{platform="linux/riscv64",target="riscv64"} 1' <<<"$out"
check "openmetrics: riscv64 verified" grep -qx 'binfmtd_platform_verified{platform="linux/riscv64",target="riscv64"} 1' <<<"$out"
check "openmetrics: mips64le not registered" grep -qx 'binfmtd_platform_registered{platform="linux/mips64le",target="mips64el"} 0' <<<"$out"
check "openmetrics: arm64 (just removed) not verified" grep -qx 'binfmtd_platform_verified{platform="linux/arm64",target="aarch64"} 0' <<<"$out"
check "openmetrics: a probe duration in seconds" grep -Eq '^binfmtd_probe_duration_seconds\{platform="linux/riscv64",target="riscv64"\} 0\.[0-9]{6}$' <<<"$out"
check "openmetrics: every metric family has a TYPE line" test "$(grep -c '^# TYPE ' <<<"$out")" -eq 5
bad=$(grep -vE '^(# (TYPE|HELP|UNIT) [a-z_]+ .*|# EOF|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.]+)$' <<<"$out")
check "openmetrics: every line is a valid sample or descriptor${bad:+ (not: $bad)}" test -z "$bad"

# ---- wait, without a daemon: polling with probes --------------------------------------------

ctl --direct wait --require linux/riscv64 --timeout 10
check "wait without a daemon: a verified platform returns 0 (got $rc)" test "$rc" -eq 0
start=$SECONDS
ctl --direct wait --require linux/mips64 --timeout 2
check "wait without a daemon: times out with 3 (got $rc)" test "$rc" -eq 3
check "wait without a daemon: waited for the timeout" test $((SECONDS - start)) -ge 2
check "wait without a daemon: explains on timeout" grep -q "linux/mips64: not ready: not registered" <<<"$err"

# ---- through the daemon --------------------------------------------------------------------

ctl uninstall all
SOCK=$WORK/io.binfmtd
ctld() { run "$BINFMTCTL" --socket "$SOCK" "$@"; }
write_config "$WORK/binfmtd.conf" "Targets=riscv64" "ReconcileIntervalSec=3600"
check "binfmtd starts" start_daemon --config "$WORK/binfmtd.conf"
ctld wait --require linux/riscv64 --timeout 20
check "wait over the daemon: a configured platform becomes ready (got $rc)" test "$rc" -eq 0
ctld status --require linux/riscv64
check "status --require through the daemon: ready (got $rc)" test "$rc" -eq 0
ctld status --json
check "the daemon's status holds its verification" test "$(jq -r '.verification.targets | length' <<<"$out")" -ge 11
check "the daemon's supported list starts with the native platform" test "$(jq -r '.supported[0]' <<<"$out")" = "$(jq -r '.native.platform' <<<"$out")"
check "the daemon's supported list has riscv64" test "$(jq '.supported | index("linux/riscv64") != null' <<<"$out")" = true

# wait returns as soon as the daemon registers the platform.
"$BINFMTCTL" --socket "$SOCK" wait --require linux/arm64,linux/riscv64 --timeout 60 >"$WORK/wait.out" 2>"$WORK/wait.err" &
WAIT_PID=$!
sleep 1
# Still running (a finished child stays a zombie until reaped, and kill -0 would not tell).
check "wait blocks while arm64 is not registered" grep -Eq '^State:[[:space:]]+[RS]' "/proc/$WAIT_PID/status"
ctld install arm64
check "install arm64 through the daemon" test "$rc" -eq 0
start=$SECONDS
wait "$WAIT_PID"
wrc=$?
check "wait returned 0 once the daemon registered arm64 (got $wrc)" test "$wrc" -eq 0
check "wait returned promptly after the registration" test $((SECONDS - start)) -le 10
check "wait says both are ready" test "$(cat "$WORK/wait.out")" = $'linux/arm64: ready\nlinux/riscv64: ready'
run "$ARM64"
check "and an arm64 program runs" test "$rc" -eq 7

start=$SECONDS
ctld wait --require linux/s390x --timeout 2
check "wait over the daemon: times out with 3 when nothing registers (got $rc)" test "$rc" -eq 3
check "wait over the daemon: waited for the timeout" test $((SECONDS - start)) -ge 2
check "wait over the daemon: explains on timeout" grep -q "linux/s390x: not ready: not registered.*Fix: run binfmtctl install s390x" <<<"$err"

# A broken registration is found by the daemon's own verification, and logged.
ctld uninstall arm64
printf '%s' "${reg%F}" >"$MNT/register"
kill -HUP "$DAEMON_PID"
wait_until 20 grep -q "Not ready: linux/arm64: registered without F" "$WORK/binfmtd.log"
check "the daemon logs a registration without F when it finds one" grep -q "Not ready: linux/arm64: registered without F" "$WORK/binfmtd.log"
ctld status --require linux/arm64
check "status --require through the daemon: the entry without F is not ready (got $rc)" test "$rc" -eq 3
check "status --require through the daemon: says why" grep -q "linux/arm64: not ready: registered without F" <<<"$err"
stop_daemon

# An install while a verification runs: the probes of that verification ran without the new
# entry, and their result is no verdict on it. Neither the log nor the status may blame the
# entry; the verification the install asked for judges it. To make sure the install lands
# while the probes run, another tool's mips64 entry has an interpreter that takes a second.
ctl uninstall all
echo -1 >"$MNT/qemu-aarch64"
printf '#!/bin/sh\nsleep 1\n' >"$WORK/slow-interpreter"
chmod 0755 "$WORK/slow-interpreter"
slow=$("$BINFMTCTL" --mount "$MNT" plan mips64 | sed -n 's/^  :qemu-mips64:\(.*\):[^:]*:F$/:slow-mips64:\1:INTERPRETER:/p')
slow=${slow/INTERPRETER/$WORK/slow-interpreter}
printf '%s' "$slow" >"$MNT/register"
check "another tool's slow mips64 entry is registered" test -e "$MNT/slow-mips64"
write_config "$WORK/binfmtd.conf" "Targets=" "ReconcileIntervalSec=3600"
check "binfmtd starts" start_daemon --config "$WORK/binfmtd.conf"
ctld verify
"$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.Verify >"$WORK/verify.out" 2>&1 &
VERIFY_PID=$!
sleep 0.3
: >"$WORK/binfmtd.log"
# The call itself, not binfmtctl: it would measure what this kernel runs natively first.
vcall io.binfmtd.Install '{"targets":["arm64"]}'
check "install arm64 while a verification runs (exit $rc)" test "$rc" -eq 0 -a -e "$MNT/qemu-aarch64"
if grep -Eq '^State:[[:space:]]+[RS]' "/proc/$VERIFY_PID/status"; then
    wait "$VERIFY_PID"
    check "the verification's status says nothing against the new entry" \
        bash -c '! grep -q "does not match aarch64" "$0"' "$WORK/verify.out"
    check "nor does the log" bash -c '! grep -q "Not ready: linux/arm64" "$0"' "$WORK/binfmtd.log"
else
    wait "$VERIFY_PID"
    skip "the verification's status says nothing against the new entry" \
        "the verification finished before the install"
fi
ctld wait --require linux/arm64 --timeout 30
check "the next verification finds linux/arm64 ready (exit $rc)" test "$rc" -eq 0
check "and the log never blamed it" bash -c '! grep -q "Not ready: linux/arm64" "$0"' "$WORK/binfmtd.log"
stop_daemon
echo -1 >"$MNT/slow-mips64"

done_testing
