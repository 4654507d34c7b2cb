#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [target:NAME] sections: a new target with a match of its own, a table target with other match
# bytes, an override of the interpreter, and a match that would catch the host's own programs
# (refused, the others still go in).
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    build_foreign s390x >/dev/null || skip_all "no toolchain to build the s390x test program"
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v python3 >/dev/null || skip_all "python3 is missing"
fi
enter_private_instance
trap 'stop_daemon' EXIT

CONF=$WORK/binfmtd.conf
# A match for this host's static (ET_EXEC) programs only: the daemon itself is position-
# independent, so only a check of the native family's headers catches this one.
case $(uname -m) in
    x86_64)
        NATIVE_EXEC_MAGIC='Magic=\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00'
        NATIVE_EXEC_MASK='Mask=\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' ;;
    aarch64)
        NATIVE_EXEC_MAGIC='Magic=\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
        NATIVE_EXEC_MASK='Mask=\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' ;;
    *) NATIVE_EXEC_MAGIC='Magic=\x7fELF' NATIVE_EXEC_MASK='Mask=\xff\xff\xff\xff' ;;
esac

# A new target without an interpreter: refused with its place.
write_config "$CONF" "Targets=linux/arm64" "" "[target:newfmt]" 'Magic=\x7fNEW'
run "$BINFMTD" --config "$CONF"
check "a new target without Interpreter=: exit 1 (got $rc)" test "$rc" -eq 1
check "a new target without Interpreter=: the place is named" grep -q "$CONF:.*newfmt\|newfmt.*Interpreter" <<<"$err"

write_config "$CONF" "Targets=arm64-any s390x riscv64 evil evil2" "" \
    "[target:arm64-any]" \
    'Magic=\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xb7\x00' \
    'Mask=\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\xff\xff' \
    "Interpreter=/usr/bin/qemu-aarch64-static" "" \
    "[target:s390x]" \
    'Magic=\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x16' \
    'Mask=\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff' "" \
    "[target:riscv64]" "Interpreter=/usr/bin/qemu-riscv64-static" "" \
    "[target:evil]" 'Magic=\x7fELF' 'Mask=\xff\xff\xff\xff' \
    "Interpreter=/usr/bin/qemu-aarch64-static" "" \
    "[target:evil2]" "$NATIVE_EXEC_MAGIC" "$NATIVE_EXEC_MASK" \
    "Interpreter=/usr/bin/qemu-aarch64-static"
check "binfmtd starts with configured targets" start_daemon --config "$CONF"

check "the new target is registered under its own name" test -e "$MNT/arm64-any"
check "with the configured match" grep -qx "mask ffffffffffffff00ffffffffffffffff0000ffff" "$MNT/arm64-any"
check "and F" grep -qx "flags: F" "$MNT/arm64-any"
check "no table entry for arm64 was made" test ! -e "$MNT/qemu-aarch64"
run "$WORK/hello-arm64"
check "an arm64 program runs through the new target" test "$rc" -eq 7

check "the table target keeps its entry name" test -e "$MNT/qemu-s390x"
check "with the configured bytes (byte 7 masked 0xfc)" grep -qx "mask fffffffffffffffcfffffffffffffffffffeffff" "$MNT/qemu-s390x"
run "$WORK/hello-s390x"
check "an s390x program runs" test "$rc" -eq 42
check "an interpreter override is used" grep -qx "interpreter /usr/bin/qemu-riscv64-static" "$MNT/qemu-riscv64"

check "a match that catches the host's programs is not registered" test ! -e "$MNT/evil"
check "and the refusal is logged" grep -q "evil: the rule matches this host's own programs, refusing" "$WORK/binfmtd.log"
check "a match for the host's static programs only is refused too" grep -q "evil2: the rule matches this host's own programs, refusing" "$WORK/binfmtd.log"
check "and not registered" test ! -e "$MNT/evil2"
run /bin/true
check "native programs still run" test "$rc" -eq 0

run "$BINFMTCTL" --socket "$WORK/io.binfmtd" status
check "status shows the new target as binfmtd's" grep -Eq "^arm64-any +enabled +binfmtd " <<<"$out"
echo -1 >"$MNT/arm64-any"
kill -HUP "$DAEMON_PID"
check "a removed configured target is repaired" wait_until 10 test -e "$MNT/arm64-any"

stop_daemon
run "$BINFMTCTL" --direct --mount "$MNT" uninstall all
check "uninstall all removes the configured targets too (binfmtd registered them)" test ! -e "$MNT/arm64-any" -a ! -e "$MNT/qemu-s390x"

done_testing
