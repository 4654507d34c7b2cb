#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl plan (a dry run that writes nothing) and which (the entry that would run a file).
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance

AARCH64_REG=':qemu-aarch64:M:0:\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F'

state=$(snapshot)
ctl plan arm64
check "plan: exit 0" test "$rc" -eq 0
check "plan: the action" grep -q "^qemu-aarch64 (linux/arm64, /usr/bin/qemu-aarch64-static, flags F): register$" <<<"$out"
check "plan: the exact register string" grep -qxF "  $AARCH64_REG" <<<"$out"
check "plan: nothing written" test "$(snapshot)" = "$state"

# The string plan prints is what install writes: registering it by hand gives the same entry.
printf '%s' "$AARCH64_REG" >"$MNT/register"
ctl plan arm64
check "plan after a registration of the same content: keep" grep -q "): keep$" <<<"$out"
ctl install arm64
check "install agrees: unchanged" grep -q "already registered" <<<"$out"

echo 0 >"$MNT/qemu-aarch64"
ctl plan arm64
check "plan of a disabled entry: enable" grep -q "): enable" <<<"$out"
echo 1 >"$MNT/qemu-aarch64"

mkdir -p "$WORK/unmounted"
run "$BINFMTCTL" --mount "$WORK/unmounted" plan arm64
check "plan on an unmounted directory: exit 0" test "$rc" -eq 0
check "plan on an unmounted directory: says it would mount" grep -q "install would mount it" <<<"$out"
check "plan does not mount" test "$(stat -f -c %T "$WORK/unmounted")" != binfmt_misc

run "$BINFMTCTL" --mount "$MNT" plan bogus
check "plan of an unknown target: exit 1" test "$rc" -eq 1

# which: the entry that runs a file, newest first.
ctl which "$WORK/hello-arm64"
check "which: exit 0" test "$rc" -eq 0
check "which: names qemu-aarch64" grep -q "^$WORK/hello-arm64: qemu-aarch64 (interpreter /usr/bin/qemu-aarch64-static, flags F, linux/arm64)" <<<"$out"

# The kernel shows creation times at its clock tick: let one pass so the order is knowable.
sleep 0.1
printf '%s' ':second-arm64:M:0:\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:' >"$MNT/register"
ctl which "$WORK/hello-arm64"
check "which: the newest matching entry wins" grep -q "^$WORK/hello-arm64: second-arm64 " <<<"$out"
check "which: the older match is listed" grep -q "also matches, tried later: qemu-aarch64" <<<"$out"
echo 0 >"$MNT/second-arm64"
ctl which "$WORK/hello-arm64"
check "which: a disabled entry does not match" grep -q "^$WORK/hello-arm64: qemu-aarch64 " <<<"$out"
# Switched off and on again: still the newest (switching changes an entry's change time, not
# its place in the kernel's order).
echo 1 >"$MNT/second-arm64"
sleep 0.1
echo 0 >"$MNT/qemu-aarch64"
echo 1 >"$MNT/qemu-aarch64"
ctl which "$WORK/hello-arm64"
check "which: after the older entry is switched off and on, the newest still wins" \
    grep -q "^$WORK/hello-arm64: second-arm64 " <<<"$out"
echo 0 >"$MNT/second-arm64"

ctl which /bin/true
check "which of a native program: exit 1" test "$rc" -eq 1
check "which of a native program: says no entry matches" grep -q "/bin/true: no enabled entry matches" <<<"$err"

ctl which "$WORK/does-not-exist"
check "which of a missing file: exit 1 with the reason" test "$rc" -eq 1 -a -n "$err"

done_testing
