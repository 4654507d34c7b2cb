#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A QEMU upgrade, the way dpkg does it: a new interpreter file renamed over the old one. With F
# the kernel keeps the old, deleted file for every entry registered before, so programs started
# afterwards would still run the old QEMU (/proc/PID/exe ends in "(deleted)"). binfmtd notices
# the rename in the interpreter's directory and registers its entry again within a second, with
# no moment without a handler: programs started afterwards run the new file. Without a
# daemon, status shows the stale pin of binfmtd's entries and of other tools', with the fix.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v aarch64-linux-gnu-gcc >/dev/null || skip_all "no arm64 cross compiler"
    printf '#include <unistd.h>\nint main(void) { sleep(3); return 0; }\n' >"$WORK/sleeper.c"
    aarch64-linux-gnu-gcc -static -O2 -o "$WORK/sleeper-arm64" "$WORK/sleeper.c" ||
        skip_all "cannot build the arm64 sleeper"
    # A copy of Debian's QEMU in a directory of the test's own, root's like /usr/bin.
    mkdir -p "$WORK/qemu"
    cp /usr/bin/qemu-aarch64-static "$WORK/qemu/qemu-aarch64-static"
fi
enter_private_instance
trap 'stop_daemon' EXIT

QEMU=$WORK/qemu/qemu-aarch64-static
exe_of() { readlink "/proc/$1/exe"; }

write_config "$WORK/binfmtd.conf" "Targets=linux/arm64" "InterpreterPath=$WORK/qemu"
check "binfmtd starts" start_daemon --config "$WORK/binfmtd.conf"
check "it registers the copy" grep -qx "interpreter $QEMU" "$MNT/qemu-aarch64"
"$WORK/sleeper-arm64" &
before=$!
sleep 0.3
check "an arm64 program runs the registered QEMU ($(exe_of $before))" test "$(exe_of $before)" = "$QEMU"

# dpkg: the new file next to the old one, then renamed over it.
cp /usr/bin/qemu-aarch64-static "$QEMU.dpkg-new"
mv "$QEMU.dpkg-new" "$QEMU"
check "the entry is registered again within a second" \
    within 1 grep -q "qemu-aarch64: replaced (.*the interpreter was replaced on disk" "$WORK/binfmtd.log"
check "no temporary entry is left" test ! -e "$MNT/qemu-aarch64.binfmtd-new"
"$WORK/sleeper-arm64" &
after=$!
sleep 0.3
check "a program started afterwards runs the new file ($(exe_of $after))" test "$(exe_of $after)" = "$QEMU"
check "one started before still runs the old, deleted one" grep -q "(deleted)" <<<"$(exe_of $before)"
wait "$before" "$after"
check "the replacement is logged once" test "$(grep -c "qemu-aarch64: replaced" "$WORK/binfmtd.log")" -eq 1
stop_daemon

# With no daemon to repair it, status shows the stale pin, for binfmtd's entry and another
# tool's, and says how to register each again.
pin_of() { jq -r --arg n "$1" '.entries[] | select(.name == $n) | .pin' <<<"$out"; }
echo -1 >"$MNT/status"
ctl --direct --interpreter-dir="$WORK/qemu" install arm64
ctl status --json
check "a fresh entry pins the file on disk" \
    test "$(pin_of qemu-aarch64)" = current
cp /usr/bin/qemu-aarch64-static "$QEMU.dpkg-new"
mv "$QEMU.dpkg-new" "$QEMU"
ctl status --json
check "after an upgrade, binfmtd's entry has a stale pin" \
    test "$(pin_of qemu-aarch64)" = stale
ctl status
check "status says so, with the fix" \
    grep -q "^qemu-aarch64: stale pin: .*Fix: binfmtctl install aarch64 registers it again" <<<"$out"
ctl --direct --interpreter-dir="$WORK/qemu" install arm64
check "install registers it again" grep -q "qemu-aarch64: replaced (.*replaced on disk" <<<"$out"
ctl status --json
check "and the pin is current again" \
    test "$(pin_of qemu-aarch64)" = current

# Another tool's entry (the kernel does not say which file it holds: the times tell).
echo -1 >"$MNT/status"
printf ':other-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:%s:F' "$QEMU" >"$MNT/register"
ctl status --json
check "another tool's fresh entry pins the file on disk" \
    test "$(pin_of other-aarch64)" = current
sleep 0.05
cp /usr/bin/qemu-aarch64-static "$QEMU.dpkg-new"
mv "$QEMU.dpkg-new" "$QEMU"
ctl status --json
check "after an upgrade, another tool's entry has a stale pin" \
    test "$(pin_of other-aarch64)" = stale
ctl status
check "status says so, with the fix" \
    grep -q "^other-aarch64: stale pin: .*Fix: register it again with the tool that made it" <<<"$out"

done_testing
