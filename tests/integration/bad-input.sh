#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every bad input fails with its own message and leaves the instance exactly as it was.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v setarch >/dev/null || skip_all "setarch is missing"
    # Interpreter directories with one defect each. Ownership needs the real root, so they are
    # made before entering the namespace.
    d=$WORK/interp
    mkdir -p "$d/dynamic" "$d/wrong-machine" "$d/writable" "$d/not-root" "$d/not-elf" "$d/noexec"
    cp /bin/true "$d/dynamic/qemu-aarch64-static"
    cp "$WORK/hello-arm64" "$d/wrong-machine/qemu-aarch64-static"
    cp /usr/bin/qemu-aarch64-static "$d/writable/qemu-aarch64-static"
    chmod 0777 "$d/writable/qemu-aarch64-static"
    cp /usr/bin/qemu-aarch64-static "$d/not-root/qemu-aarch64-static"
    chown 65534:65534 "$d/not-root/qemu-aarch64-static"
    printf '#!/bin/sh\nexit 0\n' >"$d/not-elf/qemu-aarch64-static"
    chmod 0755 "$d/not-elf/qemu-aarch64-static"
    cp /usr/bin/qemu-aarch64-static "$d/noexec/qemu-aarch64-static"
    chmod 0644 "$d/noexec/qemu-aarch64-static"
fi
enter_private_instance

# Something to lose: one entry of ours and one foreign entry.
ctl install riscv64
printf '%s' ':python3.11:M::\xa7\x0d\x0d\x0a::/usr/bin/python3.11:' >"$MNT/register"
state=$(snapshot)
[ -n "$state" ] || not_ok "the starting state is empty"

# expect_failure DESCRIPTION EXIT-CODE MESSAGE-REGEX ARGS...: binfmtctl ARGS fails with that exit
# code and a message on stderr, and the instance is unchanged.
expect_failure() {
    local desc=$1 code=$2 msg=$3
    shift 3
    ctl "$@"
    check "$desc: exit code $code (got $rc)" test "$rc" -eq "$code"
    if grep -Eq -- "$msg" <<<"$err"; then
        ok "$desc: says '$msg'"
    else
        not_ok "$desc: says '$msg'"
        diag "stderr: $err"
    fi
    check "$desc: the instance is unchanged" test "$(snapshot)" = "$state"
}

expect_failure "unknown target" 1 "^binfmtctl: bogus: unknown target" install bogus
expect_failure "malformed platform" 1 "linux/arm64/v8/x: invalid target name" install linux/arm64/v8/x
expect_failure "other OS" 1 "windows/arm64: invalid target name" install windows/arm64
case $(uname -m) in
    x86_64)
        expect_failure "native target" 1 "qemu-x86_64: x86_64: this host's own architecture: registering it would hand native programs to an emulator" install amd64
        # i386 is refused only where the kernel runs it itself (IA32 emulation); the tests'
        # own real i386 program, run with no handler, says which (the install test covers the
        # other case).
        if kernel_runs_natively i386; then
            expect_failure "native family target" 1 "qemu-i386: i386: the kernel runs it natively \(measured\): registering it would hand native programs" install linux/386
        fi
        ;;
    aarch64)
        expect_failure "native target" 1 "qemu-aarch64: aarch64: this host's own architecture" install arm64
        if kernel_runs_natively arm; then
            expect_failure "native family target" 1 "qemu-arm: arm: the kernel runs it natively \(measured\)" install linux/arm/v7
        fi
        ;;
esac
expect_failure "missing interpreter" 1 "qemu-aarch64: no interpreter found \(looked for $WORK/none/qemu-aarch64-static, $WORK/none/qemu-aarch64\)" \
    install --interpreter-dir "$WORK/none" arm64
expect_failure "dynamic interpreter" 1 "qemu-aarch64: interpreter $WORK/interp/dynamic/qemu-aarch64-static is dynamically linked" \
    install --interpreter-dir "$WORK/interp/dynamic" arm64
expect_failure "interpreter for the wrong machine" 1 "qemu-aarch64: interpreter .*/wrong-machine/qemu-aarch64-static is built for AArch64" \
    install --interpreter-dir "$WORK/interp/wrong-machine" arm64
expect_failure "interpreter writable by others" 1 "qemu-aarch64: interpreter .*/writable/qemu-aarch64-static is writable" \
    install --interpreter-dir "$WORK/interp/writable" arm64
expect_failure "interpreter not owned by root" 1 "qemu-aarch64: interpreter .*/not-root/qemu-aarch64-static is not owned by root" \
    install --interpreter-dir "$WORK/interp/not-root" arm64
expect_failure "interpreter not an ELF program" 1 "qemu-aarch64: interpreter .*/not-elf/qemu-aarch64-static is not an ELF" \
    install --interpreter-dir "$WORK/interp/not-elf" arm64
expect_failure "interpreter not executable" 1 "qemu-aarch64: interpreter .*/noexec/qemu-aarch64-static is not executable" \
    install --interpreter-dir "$WORK/interp/noexec" arm64

mkdir -p "$WORK/none"
expect_failure "install all with no interpreter anywhere" 1 "all: no target has an interpreter" \
    install --interpreter-dir "$WORK/none" all
mkfifo "$WORK/fifo"
run timeout 10 "$BINFMTCTL" --mount "$MNT" which "$WORK/fifo"
check "which of a FIFO fails at once (exit $rc)" test "$rc" -eq 1
check "which of a FIFO says why" grep -q "not a regular file" <<<"$err"

# A good target next to a bad one: the good one is done, the run still fails.
ctl install bogus arm64
check "a bad target among good ones: exit 1" test "$rc" -eq 1
check "the good target is still installed" test -e "$MNT/qemu-aarch64"
check "the bad target is named" grep -q "bogus: unknown target" <<<"$err"
ctl uninstall arm64
state=$(snapshot)

# The running kernel as an old one: setarch makes uname report 2.6.
run setarch "$(uname -m)" --uname-2.6 "$BINFMTCTL" --mount "$MNT" install arm64
check "a kernel older than 4.8: exit 1 (got $rc)" test "$rc" -eq 1
check "a kernel older than 4.8: says why" grep -q "is older than 4.8: it has no F (fix binary) flag" <<<"$err"
check "a kernel older than 4.8: the instance is unchanged" test "$(snapshot)" = "$state"

# binfmt_misc cannot be mounted: a nested user namespace (root still mapped, so the interpreter
# is still root's) does not own our mount namespace.
mkdir -p "$WORK/unmountable"
run unshare --user --map-root-user "$BINFMTCTL" --mount "$WORK/unmountable" install arm64
check "binfmt_misc cannot be mounted: exit 1 (got $rc)" test "$rc" -eq 1
check "binfmt_misc cannot be mounted: says so" grep -q "cannot mount binfmt_misc at $WORK/unmountable" <<<"$err"
check "binfmt_misc cannot be mounted: nothing mounted" test "$(stat -f -c %T "$WORK/unmountable")" != binfmt_misc

run "$BINFMTCTL" --mount "$WORK/does-not-exist" install arm64
check "a mount point that does not exist: exit 1" test "$rc" -eq 1
check "a mount point that does not exist: says so" grep -q "$WORK/does-not-exist" <<<"$err"

# A read-only mount of the same instance.
mkdir -p "$WORK/ro"
mount -t binfmt_misc -o ro binfmt_misc "$WORK/ro"
run "$BINFMTCTL" --mount "$WORK/ro" install arm64
check "a read-only mount: exit 1 (got $rc)" test "$rc" -eq 1
check "a read-only mount: says so" grep -q "binfmt_misc at $WORK/ro is mounted read-only" <<<"$err"
check "a read-only mount: the instance is unchanged" test "$(snapshot)" = "$state"
run "$BINFMTCTL" --mount "$WORK/ro" uninstall riscv64
check "a read-only mount: uninstall fails too" test "$rc" -eq 1 -a -e "$MNT/qemu-riscv64"

# Usage errors: exit 2.
for args in "" "frobnicate" "install" "--bogus status" "status --force" "which" "which a b" \
    "install --flags=X arm64" "--mount relative status"; do
    run "$BINFMTCTL" $args
    check "usage error '$args': exit 2 (got $rc)" test "$rc" -eq 2
    check "usage error '$args': a message" test -n "$err"
done
check "usage errors changed nothing" test "$(snapshot)" = "$state"

done_testing
