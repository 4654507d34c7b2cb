#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A kill -9 at any write, on the real kernel in a private binfmt_misc instance. binfmtctl in
# direct mode (the same operations the daemon runs) is killed by strace at its Nth write(2),
# for every N until a run gets through: the writes to binfmt_misc (register, an entry's -1),
# the ownership records and the output. The same at every openat(2), renameat(2) and
# unlinkat(2), which create, replace and remove the records. The crash happens while it replaces one entry (other
# flags) and registers another. After each crash:
# - every entry binfmtd registered is recorded as its own (else uninstall would refuse it and
#   RemoveOnStop= would leave it);
# - the next start of binfmtd leaves exactly the configured entries, binfmtd's, with the
#   configured flags, and no temporary entry.
# Then the same for uninstall: after a crash, the next start registers what is configured.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v strace >/dev/null || skip_all "strace is not installed"
fi
enter_private_instance
trap 'stop_daemon' EXIT

write_config "$WORK/binfmtd.conf" "Targets=linux/arm64 linux/riscv64" "RemoveOnStop=no"

reset_instance() {
    echo -1 >"$MNT/status"
    rm -rf "$WORK/state"
}

# The instance as binfmtd should leave it after a start: exactly the configured entries, its
# own, with F and no P, and nothing temporary.
entries() { ls "$MNT" | grep -v -x -e register -e status | sort | tr '\n' ' '; }
settled() {
    local e
    [ "$(entries)" = "qemu-aarch64 qemu-riscv64 " ] || { diag "entries: $(entries)"; return 1; }
    for e in qemu-aarch64 qemu-riscv64; do
        grep -qx "flags: F" "$MNT/$e" || { diag "$e: $(grep flags "$MNT/$e")"; return 1; }
    done
    "$BINFMTCTL" --mount "$MNT" status --json >"$WORK/status.json" 2>/dev/null
    [ "$(jq -r '[.entries[] | .owner] | unique | join(",")' "$WORK/status.json")" = binfmtd ] ||
        { diag "owners: $(jq -c '[.entries[] | {name, owner}]' "$WORK/status.json")"; return 1; }
}

# Every entry there is binfmtd's by its records.
all_recorded() {
    "$BINFMTCTL" --mount "$MNT" status --json >"$WORK/status.json" 2>/dev/null
    [ "$(jq -r '[.entries[] | select(.owner != "binfmtd") | .name] | join(",")' "$WORK/status.json")" = "" ] ||
        { diag "not recorded: $(jq -r '[.entries[] | select(.owner != "binfmtd") | .name] | join(",")' "$WORK/status.json")"; return 1; }
}

# crash_loop NAME SYSCALL PREPARE COMMAND...: for N = 1, 2, ..., PREPARE, then COMMAND killed
# at its Nth SYSCALL; checks the state after the crash and after the next start.
crash_loop() {
    local name="$1 (killed at $2)" syscall=$2 prepare=$3 n killed=0 bad_records=0 bad_start=0
    shift 3
    for n in $(seq 1 200); do
        reset_instance
        $prepare
        # (In a subshell: the shell's own "Killed" line stays out of the log.)
        # (LeakSanitizer cannot run under ptrace: in the sanitizer build it stays off here.)
        rc=$( (ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
            strace -qq -o /dev/null --inject="$syscall":signal=KILL:when="$n" "$@" >/dev/null 2>&1); echo $?) 2>/dev/null
        [ "$rc" -eq 137 ] || break
        killed=$((killed + 1))
        all_recorded || { bad_records=$((bad_records + 1)); diag "$name: after a kill at write $n"; }
        : >"$WORK/binfmtd.log"
        if start_daemon --config "$WORK/binfmtd.conf" && settled; then
            :
        else
            bad_start=$((bad_start + 1))
            diag "$name: the start after a kill at write $n"
            sed 's/^/#   /' "$WORK/binfmtd.log" | head -n 20
        fi
        stop_daemon
    done
    check "$name: killed at each of its $killed calls, then a run that finished (exit $rc)" \
        test "$killed" -ge 1 -a "$rc" -eq 0
    check "$name: every entry registered before a kill was recorded as binfmtd's" \
        test "$bad_records" -eq 0
    check "$name: every next start left exactly the configured entries, binfmtd's" \
        test "$bad_start" -eq 0
}

# A replacement (arm64 with other flags) and a new registration (riscv64).
prepare_replace() {
    "$BINFMTCTL" --direct --mount "$MNT" install --flags=FP arm64 >/dev/null
}
for sc in write openat renameat unlinkat; do
    crash_loop install $sc prepare_replace "$BINFMTCTL" --direct --mount "$MNT" install arm64 riscv64
done

prepare_uninstall() {
    "$BINFMTCTL" --direct --mount "$MNT" install arm64 riscv64 >/dev/null
}
for sc in write unlinkat; do
    crash_loop uninstall $sc prepare_uninstall "$BINFMTCTL" --direct --mount "$MNT" uninstall arm64 riscv64
done

# The identity of the instance: a touch of status, or a write of 1 that truncates it, does not
# make binfmtd's entries foreign.
reset_instance
ctl --direct install arm64
touch "$MNT/status"
echo 1 >"$MNT/status"
ctl status --json
check "after touch and 'echo 1 >status', qemu-aarch64 is still binfmtd's" \
    test "$(jq -r '.entries[] | select(.name == "qemu-aarch64") | .owner' <<<"$out")" = binfmtd
ctl --direct uninstall arm64
check "and uninstall removes it (exit $rc)" test "$rc" -eq 0 -a ! -e "$MNT/qemu-aarch64"
# A new instance in its place (all unmounted, mounted again: the device number comes back)
# does not inherit the records: the same name registered by someone else is not binfmtd's.
ctl --direct install arm64
umount /proc/sys/fs/binfmt_misc
umount "$MNT"
mount -t binfmt_misc binfmt_misc "$MNT"
mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
check "the new instance is empty" test "$(entries)" = ""
printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:' >"$MNT/register"
ctl status --json
check "an entry of the same name in the new instance is another tool's" \
    test "$(jq -r '.entries[] | select(.name == "qemu-aarch64") | .owner' <<<"$out")" = other
ctl --direct uninstall arm64
check "and uninstall refuses it (exit $rc)" test "$rc" -ne 0 -a -e "$MNT/qemu-aarch64"

done_testing
