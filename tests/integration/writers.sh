#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One writer at a time, on the real kernel in a private binfmt_misc instance: many binfmtctl
# processes in direct mode install, replace and remove the same entries at once (a replacement
# is several writes), next to a daemon that reconciles on every change; none of them meets
# another's half-done work ("File exists"), no temporary entry is left, and the records agree
# with the entries. A temporary entry left by a replacement that was killed half-way is removed
# by the next install and at the daemon's start.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance
trap 'stop_daemon' EXIT

write_config "$WORK/binfmtd.conf" "Targets=linux/arm64 linux/riscv64"
check "binfmtd starts" start_daemon --config "$WORK/binfmtd.conf"

# Eight writers, each alternating the flags (every install a replacement) and removing, at once.
writer() {
    local i
    for i in 1 2 3 4 5 6; do
        "$BINFMTCTL" --direct --mount "$MNT" install --flags=P arm64 riscv64 s390x
        "$BINFMTCTL" --direct --mount "$MNT" install arm64 riscv64 s390x
        "$BINFMTCTL" --direct --mount "$MNT" uninstall s390x
    done
}
pids=()
for w in 1 2 3 4 5 6 7 8; do
    writer >"$WORK/writer-$w.log" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
cat "$WORK"/writer-*.log >"$WORK/writers.log"
check "no writer met another's half-done replacement" \
    bash -c '! grep -E "File exists|not replaced|cannot remove|an entry named .* exists" "$0"' "$WORK/writers.log"
grep -E "File exists|not replaced|cannot" "$WORK/writers.log" | head -n 5 | while read -r l; do diag "$l"; done
check "no temporary entry is left" test -z "$(ls "$MNT" | grep binfmtd-new)"
ctl status --json
check "every qemu entry is recorded as binfmtd's" \
    test "$(jq -r '[.entries[] | select(.name | startswith("qemu-")) | .owner] | unique | join(",")' <<<"$out")" = binfmtd
check "the daemon logged no problem" bash -c '! grep -q "binfmtd: .*\(File exists\|not replaced\)" "$0"' "$WORK/binfmtd.log"
stop_daemon

# A replacement killed after its temporary entry went in: both entries are there, the
# temporary one recorded as binfmtd's, as binfmtd records it before registering it.
ctl install arm64
records=$(dirname "$(find "$WORK/state" -name qemu-aarch64 | head -n1)")
check "the records of this instance are found" test -d "$records"
printf '%s' ':qemu-aarch64.binfmtd-new:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' >"$MNT/register"
: >"$records/qemu-aarch64.binfmtd-new"
ctl install arm64
check "the next install removes the leftover (exit $rc)" test "$rc" -eq 0 -a ! -e "$MNT/qemu-aarch64.binfmtd-new"
check "and says so" grep -q "^qemu-aarch64.binfmtd-new: removed, left over from an interrupted replacement\.$" <<<"$out"
printf '%s' ':qemu-aarch64.binfmtd-new:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' >"$MNT/register"
: >"$records/qemu-aarch64.binfmtd-new"
: >"$WORK/binfmtd.log"
start_daemon --config "$WORK/binfmtd.conf"
check "binfmtd's start removes it too" test ! -e "$MNT/qemu-aarch64.binfmtd-new"
check "and logs it" grep -q "qemu-aarch64.binfmtd-new: removed, left over from an interrupted replacement" "$WORK/binfmtd.log"
# One that is not binfmtd's stays: not ours to remove.
stop_daemon
printf '%s' ':qemu-aarch64.binfmtd-new:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' >"$MNT/register"
ctl install arm64
check "a temporary-looking entry binfmtd did not record stays" test -e "$MNT/qemu-aarch64.binfmtd-new"

done_testing
