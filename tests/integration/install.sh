#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl install on the real kernel, in a private binfmt_misc instance: real QEMU, real
# foreign programs, F proven by an empty chroot, idempotence, repair of our own entries, and
# foreign entries left alone.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    for a in arm64 riscv64 s390x; do
        build_foreign "$a" >/dev/null || skip_all "no toolchain to build the $a test program"
    done
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance

ARM64=$WORK/hello-arm64

# Another tool's registration of riscv64 with the very bytes binfmtd uses, but its own flags (as
# tonistiigi/binfmt writes it, with C): not binfmtd's, and C is what binfmtd refuses, so it does
# not do the job: left alone, and reported.
printf '%s' ':qemu-riscv64:M:0:\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-riscv64-static:OCF' >"$MNT/register"
before=$(cat "$MNT/qemu-riscv64")
ctl install riscv64
check "install refuses another tool's entry with the same bytes (exit $rc)" test "$rc" -eq 1
check "the refusal names --force" grep -q "qemu-riscv64: an entry of that name exists that binfmtd did not register.*--force" <<<"$err"
check "the other tool's entry is unchanged" test "$(cat "$MNT/qemu-riscv64")" = "$before"
ctl uninstall all
check "uninstall all leaves the other tool's entry" test "$(cat "$MNT/qemu-riscv64")" = "$before"
echo -1 >"$MNT/qemu-riscv64"

# Before anything is registered the kernel cannot run it.
run "$ARM64"
check "an arm64 program fails before install (exit $rc)" test "$rc" -eq 126

ctl install arm64
check "install arm64 succeeds" test "$rc" -eq 0
check "install says the instance may be this namespace's own" grep -q "^note: running in a user namespace" <<<"$out"
check "install arm64 says what it registered" grep -q "qemu-aarch64: registered (linux/arm64, /usr/bin/qemu-aarch64-static, flags F)" <<<"$out"
check "the entry has F and the static interpreter" \
    test "$(sed -n '2,3p' "$MNT/qemu-aarch64" | tr '\n' '|')" = "interpreter /usr/bin/qemu-aarch64-static|flags: F|"

run "$ARM64"
check "the arm64 program runs through QEMU" test "$rc" -eq 7 -a "$out" = "hello from arm64"

# An empty root: no QEMU, no shell, no libraries. Only F (the interpreter opened at
# registration) makes this work.
mkdir -p "$WORK/root"
cp "$ARM64" "$WORK/root/hello"
run chroot "$WORK/root" /hello
check "the arm64 program runs in an empty chroot (F)" test "$rc" -eq 7 -a "$out" = "hello from arm64"

inode=$(stat -c %i "$MNT/qemu-aarch64")
ctl install linux/arm64/v8
check "re-install succeeds" test "$rc" -eq 0
check "re-install says unchanged" grep -q "qemu-aarch64: already registered" <<<"$out"
check "re-install does not re-register (same entry inode)" test "$(stat -c %i "$MNT/qemu-aarch64")" = "$inode"

ctl install linux/riscv64 s390x aarch64
check "install of several targets and aliases succeeds" test "$rc" -eq 0
for a in riscv64 s390x; do
    run "$WORK/hello-$a"
    check "the $a program runs" test "$rc" -eq 42 -a "$out" = "hello from $a"
    cp "$WORK/hello-$a" "$WORK/root/hello-$a"
    run chroot "$WORK/root" "/hello-$a"
    check "the $a program runs in the empty chroot" test "$rc" -eq 42
done

# Our own entry drifted: same match bytes, other flags and interpreter (as another tool would
# register arm64). install repairs it, without a temporary entry left behind.
echo -1 >"$MNT/qemu-aarch64"
printf '%s' ':qemu-aarch64:M:0:\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:' >"$MNT/register"
ctl install arm64
check "install repairs a drifted entry (exit $rc)" test "$rc" -eq 0
check "the repair is reported" grep -q "qemu-aarch64: replaced" <<<"$out"
check "the repaired entry has F again" grep -qx "flags: F" "$MNT/qemu-aarch64"
check "no temporary entry is left" test ! -e "$MNT/qemu-aarch64.binfmtd-new"
run chroot "$WORK/root" /hello
check "the repaired entry works in the empty chroot" test "$rc" -eq 7

# A disabled entry of ours is switched on again.
echo 0 >"$MNT/qemu-aarch64"
ctl install arm64
check "install enables a disabled entry" test "$rc" -eq 0 -a "$(head -n1 "$MNT/qemu-aarch64")" = enabled

# Our entry replaced by another tool (other bytes, other flags): binfmtd registered that name
# here, so this is drift, and install repairs it.
echo -1 >"$MNT/qemu-s390x"
printf '%s' ':qemu-s390x:M:0:\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x16:\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff:/usr/bin/qemu-s390x-static:OF' >"$MNT/register"
ctl install s390x
check "install repairs our entry that another tool replaced (exit $rc)" test "$rc" -eq 0
check "the repaired entry has binfmtd's flags and mask" test "$(sed -n 3p "$MNT/qemu-s390x")" = "flags: F" -a "$(sed -n 6p "$MNT/qemu-s390x")" = "mask ffffffffffffff00fffffffffffffffffffeffff"

# A foreign entry binfmtd never registered (Debian's ppc64le bytes) that does the job (F, a
# static QEMU for ppc64le): it provides the target, and is left alone with no error.
printf '%s' ':qemu-ppc64le:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x15\x00:\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\x00:/usr/bin/qemu-ppc64le-static:OF' >"$MNT/register"
before=$(cat "$MNT/qemu-ppc64le")
ctl install ppc64le
check "install accepts a foreign entry that does the job (exit $rc)" test "$rc" -eq 0
check "and says it provides the target" grep -q "^qemu-ppc64le: provided by another tool's entry.*(flags OF, /usr/bin/qemu-ppc64le-static); left alone\.$" <<<"$out"
check "the providing entry is unchanged" test "$(cat "$MNT/qemu-ppc64le")" = "$before"
# The same without F does not do the job: refused, with what is wrong and the ways out.
echo -1 >"$MNT/qemu-ppc64le"
printf '%s' ':qemu-ppc64le:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x15\x00:\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\x00:/usr/bin/qemu-ppc64le-static:O' >"$MNT/register"
before=$(cat "$MNT/qemu-ppc64le")
ctl install ppc64le
check "install refuses a foreign entry of the same name without F (exit $rc)" test "$rc" -eq 1
check "the refusal says why, and names --force" grep -q "qemu-ppc64le: .*has no F flag.*--force" <<<"$err"
check "the foreign entry is unchanged" test "$(cat "$MNT/qemu-ppc64le")" = "$before"
ctl install --force ppc64le
check "install --force takes it over" test "$rc" -eq 0 -a "$(sed -n 3p "$MNT/qemu-ppc64le")" = "flags: F"
check "the taken-over entry has binfmtd's mask" grep -qx "mask ffffffffffffff00fffffffffffffffffeffff00" "$MNT/qemu-ppc64le"

# install all: every target with an interpreter but the native family; foreign entries of other
# names survive.
printf '%s' ':python3.11:M::\xa7\x0d\x0d\x0a::/usr/bin/python3.11:' >"$MNT/register"
printf '%s' ':WSLInterop:M::MZ::/bin/true:P' >"$MNT/register"
ctl install all
check "install all succeeds (exit $rc)" test "$rc" -eq 0
diag "$out"
check "install all reports what it skipped" grep -q "^all: .* run natively skipped" <<<"$out"
native=$(uname -m)
case $native in
    x86_64)
        check "install all skips the native x86_64" test ! -e "$MNT/qemu-x86_64"
        # i386 gets QEMU exactly when the kernel does not run it itself (IA32 emulation), as
        # the tests' own i386 program, run with no handler, says.
        if kernel_runs_natively i386; then
            check "install all skips i386: the kernel runs it" test ! -e "$MNT/qemu-i386"
            check "install all says i386 runs natively" \
                bash -c '! grep -q "^i386: the kernel does not run it natively" <<<"$0"' "$out"
        else
            check "install all registers qemu-i386: the kernel does not run i386" test -e "$MNT/qemu-i386"
            check "install all says why" \
                grep -q "^i386: the kernel does not run it natively (no IA32 emulation): QEMU registered\.$" <<<"$out"
            run "$(build_foreign i386)"
            check "an i386 program runs through QEMU (exit $rc)" test "$rc" -eq 42
        fi
        ;;
esac
for n in qemu-aarch64 qemu-arm qemu-riscv64 qemu-ppc64le qemu-mips64el qemu-loongarch64; do
    check "install all registered $n" test -e "$MNT/$n"
done
check "the foreign python3.11 entry survived" test -e "$MNT/python3.11"
check "the foreign WSLInterop entry survived" test -e "$MNT/WSLInterop"
run "$WORK/hello-riscv64"
check "riscv64 still runs after install all" test "$rc" -eq 42

# Mounting when absent: a fresh directory gets binfmt_misc (the same private instance).
mkdir -p "$WORK/other-mount"
run "$BINFMTCTL" --mount "$WORK/other-mount" install arm64
check "install mounts binfmt_misc when absent (exit $rc)" test "$rc" -eq 0
check "the mount is reported" grep -q "Mounted binfmt_misc at $WORK/other-mount" <<<"$out"
check "the mount is binfmt_misc" test "$(stat -f -c %T "$WORK/other-mount")" = binfmt_misc
check "the mount is nosuid,nodev,noexec" bash -c "findmnt -n -o OPTIONS '$WORK/other-mount' | grep -q 'nosuid,nodev,noexec'"

# libmount is loaded only to mount: without it, a mount fails with the library's name, and
# nothing is mounted or registered.
LIBMOUNT=$(ldconfig -p | awk '$1 == "libmount.so.1" { print $NF; exit }')
if [ -n "$LIBMOUNT" ]; then
    mkdir -p "$WORK/third-mount"
    run unshare --mount sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$LIBMOUNT" \
        "$BINFMTCTL" --mount "$WORK/third-mount" install arm64
    check "without a loadable libmount, install fails (exit $rc)" test "$rc" -ne 0
    check "naming the library" grep -q "cannot mount binfmt_misc at $WORK/third-mount: libmount.so.1 cannot be loaded" <<<"$err"
    check "nothing is mounted there" test "$(stat -f -c %T "$WORK/third-mount")" != binfmt_misc
    run unshare --mount sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$LIBMOUNT" \
        "$BINFMTCTL" --mount "$MNT" status
    check "an instance already mounted needs no libmount (exit $rc)" test "$rc" -eq 0
else
    skip "libmount.so.1 not in the loader's cache"
fi

done_testing
