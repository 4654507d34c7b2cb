#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl uninstall: removes only binfmtd's entries; the foreign program then fails with
# ENOEXEC; foreign entries survive "uninstall all"; a foreign entry of a target's name needs
# --force.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance

ARM64=$WORK/hello-arm64

ctl uninstall arm64
check "uninstall of a target that is not registered succeeds (exit $rc)" test "$rc" -eq 0
check "and says so" grep -q "qemu-aarch64: not registered, nothing to remove" <<<"$out"

ctl install arm64 riscv64
check "install arm64 riscv64" test "$rc" -eq 0
run "$ARM64"
check "arm64 runs before uninstall" test "$rc" -eq 7

ctl uninstall linux/arm64
check "uninstall linux/arm64 succeeds (exit $rc)" test "$rc" -eq 0
check "uninstall reports the removal" grep -q "qemu-aarch64: removed" <<<"$out"
check "the entry is gone" test ! -e "$MNT/qemu-aarch64"
run "$ARM64"
check "the arm64 program now fails with ENOEXEC (exit $rc)" test "$rc" -eq 126
check "the failure is 'Exec format error'" grep -q "Exec format error" <<<"$err"
check "riscv64 is still registered" test -e "$MNT/qemu-riscv64"

# Foreign entries: other names, and a target's name with other match bytes.
printf '%s' ':python3.11:M::\xa7\x0d\x0d\x0a::/usr/bin/python3.11:' >"$MNT/register"
printf '%s' ':WSLInterop:M::MZ::/bin/true:P' >"$MNT/register"
printf '%s' ':qemu-s390x:M:0:\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x16:\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff:/usr/bin/qemu-s390x-static:OF' >"$MNT/register"

ctl uninstall s390x
check "uninstall refuses a foreign entry of a target's name (exit $rc)" test "$rc" -eq 1
check "the refusal says why and names --force" grep -q "qemu-s390x: not removed: binfmtd did not register this entry.*--force" <<<"$err"
check "the foreign entry is still there" test -e "$MNT/qemu-s390x"

ctl install arm64 mips64le
ctl uninstall all
check "uninstall all succeeds (exit $rc)" test "$rc" -eq 0
diag "$out"
for n in qemu-aarch64 qemu-riscv64 qemu-mips64el; do
    check "uninstall all removed $n" test ! -e "$MNT/$n"
done
for n in python3.11 WSLInterop qemu-s390x; do
    check "uninstall all left the foreign $n" test -e "$MNT/$n"
done
check "uninstall all names what it left alone" grep -q "Left alone, not registered by binfmtd: WSLInterop python3.11 qemu-s390x" <<<"$out"

ctl uninstall --force s390x
check "uninstall --force removes the foreign entry" test "$rc" -eq 0 -a ! -e "$MNT/qemu-s390x"

# An entry that merely carries binfmtd's temporary name is someone else's: never removed, and a
# replacement that would need the name says so instead.
ctl install arm64
printf '%s' ':qemu-aarch64.binfmtd-new:M::\xa7\x0d\x0d\x0a::/usr/bin/python3.11:' >"$MNT/register"
ctl uninstall arm64
check "uninstall leaves a foreign entry under the temporary name" test -e "$MNT/qemu-aarch64.binfmtd-new" -a ! -e "$MNT/qemu-aarch64"
ctl install arm64
echo -1 >"$MNT/qemu-aarch64"
printf '%s' ':qemu-aarch64:M:0:\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:' >"$MNT/register"
ctl install arm64
check "a replacement blocked by a foreign temporary entry fails (exit $rc)" test "$rc" -eq 1
check "and says why" grep -q "qemu-aarch64: not replaced: an entry named qemu-aarch64.binfmtd-new exists that binfmtd did not register" <<<"$err"
check "the foreign temporary entry is untouched" grep -qx "interpreter /usr/bin/python3.11" "$MNT/qemu-aarch64.binfmtd-new"
check "the old entry still serves" test -e "$MNT/qemu-aarch64"

done_testing
