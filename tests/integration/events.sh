#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtd reacts to binfmt_misc's changes as they happen (inotify), on the real kernel in a
# private instance, with the shipped ReconcileIntervalSec= (60 s, so the timer cannot be what
# repairs): an entry removed, switched off, or replaced by another tool's is repaired within a
# second and logged once; the instance switched off makes status --require fail within seconds;
# a Watch client hears once per change and nothing when nothing changed (even with a reconcile
# every second); a second binfmtd does not take a running one's socket; and the interface text
# in binfmtd(8) is the one the daemon serves.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance
trap 'stop_daemon' EXIT

ARM64=$WORK/hello-arm64
CONF=$WORK/binfmtd.conf
SOCK=$WORK/io.binfmtd
ctld() { run "$BINFMTCTL" --socket "$SOCK" "$@"; }
repairs() { grep -c "^binfmtd: qemu-aarch64: \(registered\|enabled again\|replaced\)" "$WORK/binfmtd.log"; }

write_config "$CONF" "Targets=linux/arm64 linux/riscv64"
check "binfmtd starts with the shipped ReconcileIntervalSec" start_daemon --config "$CONF"
ctld wait --require linux/arm64 --timeout 20

n=$(repairs)
echo -1 >"$MNT/qemu-aarch64"
check "a removed entry is registered again within a second" within 1 test -e "$MNT/qemu-aarch64"
sleep 0.5
check "the repair is logged once" test "$(repairs)" -eq $((n + 1))
run "$ARM64"
check "arm64 runs again (exit $rc)" test "$rc" -eq 7

n=$(repairs)
echo 0 >"$MNT/qemu-aarch64"
check "a disabled entry is enabled again within a second" \
    within 1 grep -qx enabled "$MNT/qemu-aarch64"
sleep 0.5
check "that repair is logged once" test "$(repairs)" -eq $((n + 1))

n=$(repairs)
echo -1 >"$MNT/qemu-aarch64"
printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:OC' >"$MNT/register"
check "an entry replaced by another tool's is repaired within a second" \
    within 1 grep -qx "flags: F" "$MNT/qemu-aarch64"
sleep 0.5
check "that repair is logged once" test "$(repairs)" -eq $((n + 1))
check "no temporary entry is left" test ! -e "$MNT/qemu-aarch64.binfmtd-new"

# The instance switched off: nothing runs, and readiness says so without waiting for the
# scheduled verification (VerifyIntervalSec=10min).
echo 0 >"$MNT/status"
not_ready() { ctld status --require linux/arm64; [ "$rc" -eq 3 ]; }
check "status switched off: status --require exits 3 within seconds" wait_until 5 not_ready
echo 1 >"$MNT/status"
ready() { ctld status --require linux/arm64; [ "$rc" -eq 0 ]; }
check "switched on again: ready again within seconds" wait_until 5 ready
stop_daemon

# ---- what is wanted after changes through the socket ------------------------------------------

write_config "$CONF" "Targets=linux/arm64 linux/riscv64 linux/s390x"
: >"$WORK/binfmtd.log"
start_daemon --config "$CONF"
# uninstall, then install all: wanted again, so repaired again.
ctld uninstall arm64
check "uninstall arm64 through the socket" test "$rc" -eq 0 -a ! -e "$MNT/qemu-aarch64"
ctld install all
check "install all through the socket registers it again" test "$rc" -eq 0 -a -e "$MNT/qemu-aarch64"
echo -1 >"$MNT/qemu-aarch64"
check "removed afterwards, it is registered again (wanted again after install all)" \
    within 1 test -e "$MNT/qemu-aarch64"
# A refused uninstall (another tool's entry, no --force) leaves the target wanted. The entry is
# made another tool's for sure: registered while no binfmtd runs, with no records.
stop_daemon
echo -1 >"$MNT/qemu-s390x"
printf '%s' ':qemu-s390x:M::\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x16:\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff:/usr/bin/qemu-s390x-static:O' >"$MNT/register"
rm -rf "$WORK/state"
start_daemon --config "$CONF"
ctld uninstall s390x
check "uninstall of another tool's entry without --force is refused (exit $rc)" test "$rc" -eq 1
echo -1 >"$MNT/qemu-s390x"
check "when that entry goes, binfmtd registers its own: still wanted" within 2 test -e "$MNT/qemu-s390x"
stop_daemon

# ---- Watch: one reply per change, none without one -------------------------------------------

write_config "$CONF" "Targets=linux/arm64" "ReconcileIntervalSec=1"
: >"$WORK/binfmtd.log"
start_daemon --config "$CONF"
ctld wait --require linux/arm64 --timeout 20
"$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.Watch --more 100 >"$WORK/watch.out" 2>&1 &
watcher=$!
wait_until 5 test -s "$WORK/watch.out"
sleep 3.5
check "Watch: no reply while nothing changes, though the timer reconciles every second" \
    test "$(wc -l <"$WORK/watch.out")" -eq 1
ctld install riscv64
check "Watch: a reply after a change" wait_until 5 test "$(wc -l <"$WORK/watch.out")" -ge 2
sleep 2.5
lines=$(wc -l <"$WORK/watch.out")
sleep 2.5
check "Watch: and no more while nothing changes ($lines)" test "$(wc -l <"$WORK/watch.out")" -eq "$lines"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null

# ---- a second binfmtd on the same socket ------------------------------------------------------

run "$BINFMTD" --config "$CONF"
check "a second binfmtd on the same socket exits 1 ($rc)" test "$rc" -eq 1
check "and says why" grep -q "Another binfmtd answers on $SOCK" <<<"$err"
ctld status --json
check "the first one still answers on its socket" test "$rc" -eq 0 -a -n "$(jq -r .daemon.targets <<<"$out")"

# ---- the interface text ------------------------------------------------------------------------

vcall org.varlink.service.GetInterfaceDescription '{"interface":"io.binfmtd"}'
# (Trailing newlines aside: the description ends with one, the page's block does not.)
printf '%s\n' "$(jq -r .parameters.description <<<"$out")" >"$WORK/served.txt"
printf '%s\n' "$(awk '/^```$/ { if (on) exit; on = 1; next } on' \
    <(sed -n '/^The socket serves the interfaces/,$p' "$TESTS_DIR/../../man/binfmtd.8.scd"))" \
    >"$WORK/documented.txt"
check "binfmtd(8) shows the interface exactly as the daemon serves it" \
    diff -u "$WORK/documented.txt" "$WORK/served.txt"

done_testing
