#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the kernel runs natively, measured, on the real kernel in a private binfmt_misc instance:
# with the shipped configuration linux/386 becomes ready whether the kernel runs i386 itself or
# not (QEMU exactly when it does not), amd64 is still refused, the log, status, list and plan
# say which it is and why, the answer is cached for the boot, the measurement cannot be fooled
# by a handler, and where nothing can be measured the family rule holds and says why.
#
# The expectation comes from the tests' own i386 program (made by the i386 assembler and linker)
# run where no handler can catch it: an answer independent of binfmtd's probes. On an arm64
# host the same holds for 32-bit Arm.
source "$(dirname "$0")/lib.sh"
make_work_dir

case $(uname -m) in
    x86_64) FAMILY=i386 FAMILY_PLATFORM=linux/386 OWN=amd64 WHY="no IA32 emulation" ;;
    aarch64) FAMILY=arm FAMILY_PLATFORM=linux/arm/v7 OWN=arm64 WHY="no AArch32 support" ;;
    *)
        echo "1..0 # SKIP no second target of the $(uname -m) family to measure"
        exit 0
        ;;
esac
QEMU_NAME=qemu-$FAMILY

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign "$FAMILY" >/dev/null || skip_all "no toolchain to build the $FAMILY test program"
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    [ -x "/usr/bin/$QEMU_NAME-static" ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance
trap 'stop_daemon' EXIT

PROG=$WORK/hello-$FAMILY
CONF=$WORK/binfmtd.conf
SOCK=$WORK/io.binfmtd
ctld() { run "$BINFMTCTL" --socket "$SOCK" "$@"; }

kernel_runs_natively "$FAMILY"
case $? in
    0) NATIVE=yes ;;
    1) NATIVE=no ;;
    *) skip_all "cannot run the $FAMILY program with no handler here" ;;
esac
diag "the kernel runs $FAMILY programs itself: $NATIVE"

# ---- the daemon with the shipped configuration ------------------------------------------------

# Only where to work differs from the shipped file: Targets= and the rest are its defaults.
write_config "$CONF"
check "binfmtd starts with the shipped targets" start_daemon --config "$CONF"
if [ "$NATIVE" = yes ]; then
    check "$FAMILY: the kernel runs it, so no $QEMU_NAME" test ! -e "$MNT/$QEMU_NAME"
    check "the log says $FAMILY runs natively, measured" \
        grep -q "$FAMILY: the kernel runs it natively (measured): never registered\.$" "$WORK/binfmtd.log"
else
    check "$FAMILY: the kernel does not run it, so $QEMU_NAME is registered" test -e "$MNT/$QEMU_NAME"
    check "the log says why QEMU serves $FAMILY" \
        grep -q "$FAMILY: the kernel does not run it natively ($WHY): QEMU may serve it\.$" "$WORK/binfmtd.log"
fi
ctld wait --require "$FAMILY_PLATFORM" --timeout 30
check "$FAMILY_PLATFORM becomes ready with the shipped configuration (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$out$err"
run "$PROG"
check "the $FAMILY program runs (exit $rc)" test "$rc" -eq 42
check "the log has no 'Not ready' for $FAMILY_PLATFORM" \
    bash -c '! grep -q "Not ready.*$0" "$1"' "$FAMILY_PLATFORM" "$WORK/binfmtd.log"

ctld status
if [ "$NATIVE" = yes ]; then
    check "status: $FAMILY runs natively, never registered" \
        grep -q "^ *$FAMILY: the kernel runs it natively (measured): never registered\.$" <<<"$out"
else
    check "status: $FAMILY is served by QEMU, and why" \
        grep -q "^ *$FAMILY: the kernel does not run it natively ($WHY): QEMU registered\.$" <<<"$out"
fi
ctld status --json
state=$(jq -r --arg t "$FAMILY" '.native.family_targets[] | select(.target == $t) | .state' <<<"$out")
check "status --json: $FAMILY is '$([ $NATIVE = yes ] && echo native || echo emulated)' ($state)" \
    test "$state" = "$([ "$NATIVE" = yes ] && echo native || echo emulated)"
check "status --json: measured" \
    test "$(jq -r --arg t "$FAMILY" '.native.family_targets[] | select(.target == $t) | .measured' <<<"$out")" = true

# The host's own target is refused, whatever was measured.
ctld install "$OWN"
check "install $OWN: still refused (exit $rc)" test "$rc" -eq 1
check "install $OWN: this host's own architecture" grep -q "this host's own architecture: registering it would hand native programs to an emulator" <<<"$err"
stop_daemon

# ---- once per boot ----------------------------------------------------------------------------

check "the answer is cached with this boot's id" \
    grep -qx "boot-id $(cat /proc/sys/kernel/random/boot_id)" "$WORK/native"
: >"$WORK/binfmtd.log"
start_daemon --config "$CONF"
check "a restart in the same boot takes the cached answer" \
    grep -q "^binfmtd: $FAMILY: .*(measured earlier in this boot)\.$" "$WORK/binfmtd.log"
stop_daemon

# ---- list and plan ----------------------------------------------------------------------------

ctl list
line=$(grep "^$FAMILY " <<<"$out")
if [ "$NATIVE" = yes ]; then
    check "list: $FAMILY is native, never registered" grep -q "(native, never registered)" <<<"$line"
else
    check "list: $FAMILY has its interpreter, and why" grep -q "/usr/bin/$QEMU_NAME-static (the kernel does not run it natively ($WHY))" <<<"$line"
fi
ctl uninstall all
ctl plan "$FAMILY_PLATFORM"
if [ "$NATIVE" = yes ]; then
    check "plan $FAMILY_PLATFORM: refused, the kernel runs it (exit $rc)" \
        bash -c '[ "$0" -eq 1 ] && grep -q "the kernel runs it natively (measured)" <<<"$1"' "$rc" "$err"
else
    check "plan $FAMILY_PLATFORM: would register, and why (exit $rc)" \
        bash -c '[ "$0" -eq 0 ] && grep -q "^$1: the kernel does not run it natively ($2): QEMU would be registered\.$" <<<"$3"' \
        "$rc" "$FAMILY" "$WHY" "$out"
fi
check "plan wrote nothing" test ! -e "$MNT/$QEMU_NAME"

# ---- the measurement cannot be fooled by a handler ---------------------------------------------

# With qemu-aarch64 registered here, the host pass runs an arm64 probe; the kernel pass, in a
# namespace with an instance of its own, must not.
ctl install arm64
mkdir -p "$WORK/probes"
run "$PROBE_RUN_CLI" "$WORK/probes" 5000 arm64
check "arm64 runs from here, through the registered QEMU" grep -q "^arm64 host ok " <<<"$out"
run "$PROBE_RUN_CLI" --kernel "$WORK/probes" 5000 arm64
check "the kernel pass ignores that handler: no handler" grep -q "^arm64 kernel no-handler .*errno=8 " <<<"$out"
ctl uninstall arm64

# ---- where nothing can be measured -----------------------------------------------------------

# A user namespace that may create no further user namespace (user.max_user_namespaces=0):
# the measurement cannot run, the family rule holds, and every message says why.
nested() {
    run unshare --user --map-root-user --mount bash -c '
        echo 0 >/proc/sys/user/max_user_namespaces || exit 99
        BINFMTD_NATIVE_CACHE=$1 exec "$2" --mount "$3" "${@:4}"' \
        nested "$WORK/no-cache" "$BINFMTCTL" "$MNT" "$@"
}
nested plan "$FAMILY_PLATFORM"
check "no user namespaces: plan $FAMILY_PLATFORM is refused (exit $rc)" test "$rc" -eq 1
check "no user namespaces: the reason names the missing user namespace" \
    grep -q "$QEMU_NAME: $FAMILY: of this host's own family, and whether the kernel runs it natively cannot be measured here (cannot create a user namespace: .*): treated as native" <<<"$err"
[ "$rc" -eq 1 ] || diag "$out$err"
nested status --json
check "no user namespaces: status says assumed-native" \
    test "$(jq -r --arg t "$FAMILY" '.native.family_targets[] | select(.target == $t) | .state' <<<"$out")" = assumed-native
check "no user namespaces: nothing was cached" test ! -e "$WORK/no-cache"

done_testing
