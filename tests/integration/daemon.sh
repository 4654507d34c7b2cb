#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtd on the real kernel in a private binfmt_misc instance: start-up and READY=1, dropped
# capabilities, status over the socket, drift repair on SIGHUP and on the timer, foreign
# conflicts, reloads (good and broken), kill -9 and adoption, changes through the socket,
# stopping.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v python3 >/dev/null || skip_all "python3 is missing"
fi
enter_private_instance
trap 'stop_daemon' EXIT

ARM64=$WORK/hello-arm64
CONF=$WORK/binfmtd.conf
SOCK=$WORK/io.binfmtd
ctld() { run "$BINFMTCTL" --socket "$SOCK" "$@"; }

# A config error at start: nothing starts, the message names file and line.
printf '[binfmtd]\nMountPoint=%s\nReconcileIntervalSec=soon\n' "$MNT" >"$WORK/bad.conf"
run "$BINFMTD" --config "$WORK/bad.conf"
check "a broken configuration at start: exit 1 (got $rc)" test "$rc" -eq 1
check "a broken configuration at start: names file, line and key" grep -q "$WORK/bad.conf:3: ReconcileIntervalSec" <<<"$err"
check "a broken configuration at start: nothing registered" test -z "$(ls "$MNT" | grep -v -x -e register -e status)"

run "$BINFMTD" --check-config --config "$WORK/bad.conf"
check "--check-config of a broken configuration: exit 1 with the place" test "$rc" -eq 1 -a -n "$(grep "bad.conf:3" <<<"$err")"
# What only the daemon can check (a target name, a group) is reported at its file and line too.
printf '[binfmtd]\n# comment\nTargets=linux/arm64 bogus\nAdminGroup=no-such-group\n' >"$WORK/names.conf"
run "$BINFMTD" --check-config --config "$WORK/names.conf"
check "an unknown target: exit 1, at its file and line" \
    bash -c '[ "$0" -eq 1 ] && grep -q "$1:3: Targets: unknown target .bogus." <<<"$2"' "$rc" "$WORK/names.conf" "$err"
check "an unknown group: at its file and line" \
    grep -q "$WORK/names.conf:4: AdminGroup: no group named 'no-such-group'" <<<"$err"
printf '[binfmtd]\nTargets=linux/arm64\n' >"$WORK/good.conf"
run "$BINFMTD" --check-config --config "$WORK/good.conf"
check "--check-config of a good configuration: exit 0" test "$rc" -eq 0 -a "$out" = "Configuration OK."
run "$BINFMTD" --frobnicate
check "a usage error: exit 2 with a message (got $rc)" test "$rc" -eq 2 -a -n "$err"

# An old kernel: refused with the reason.
write_config "$CONF" "Targets=linux/arm64"
run setarch "$(uname -m)" --uname-2.6 "$BINFMTD" --config "$CONF"
check "kernel older than 4.8: binfmtd exits 1 (got $rc)" test "$rc" -eq 1
check "kernel older than 4.8: says why" grep -q "older than 4.8" <<<"$err"

write_config "$CONF" "Targets=linux/arm64 riscv64 linux/amd64" "ReconcileIntervalSec=3600"
check "binfmtd starts and sends READY=1" start_daemon --config "$CONF"
check "READY=1 comes after the targets are registered" test -e "$MNT/qemu-aarch64" -a -e "$MNT/qemu-riscv64"
check "STATUS= says how many are registered" grep -qx "STATUS=2 targets registered, 0 problems" "$WORK/notify.log"
check "the native target is skipped, not registered" test ! -e "$MNT/qemu-x86_64"
run "$ARM64"
check "an arm64 program runs" test "$rc" -eq 7
mkdir -p "$WORK/root" && cp "$ARM64" "$WORK/root/hello"
run chroot "$WORK/root" /hello
check "an arm64 program runs in an empty chroot" test "$rc" -eq 7
check "the running daemon keeps only CAP_SYS_CHROOT, for the probes" grep -qx "CapEff:	0000000000040000" "/proc/$DAEMON_PID/status"
check "nor any in its bounding set" grep -qx "CapBnd:	0000000000000000" "/proc/$DAEMON_PID/status"

# The same output through the daemon and in direct mode, once the daemon's first verification
# is in (direct mode verifies on the spot).
ctld wait --require linux/arm64,linux/riscv64 --timeout 20
check "the daemon verifies its platforms (got $rc)" test "$rc" -eq 0
ctld status
via_daemon=$out
run "$BINFMTCTL" --direct --mount "$MNT" status
check "status through the socket equals direct mode" test "$via_daemon" = "$out"
check "status through the socket shows our entry" grep -Eq "^qemu-aarch64 +enabled +binfmtd +linux/arm64" <<<"$via_daemon"
ctld status --json
check "status --json through the socket has the daemon's section" test "$(jq -c .daemon.targets <<<"$out")" = '["aarch64","riscv64"]'
vcall org.varlink.service.GetInfo
check "GetInfo lists the interface" test "$(jq -c .parameters.interfaces <<<"$out")" = '["org.varlink.service","io.binfmtd"]'
vcall org.varlink.service.GetInterfaceDescription '{"interface":"io.binfmtd"}'
check "GetInterfaceDescription describes io.binfmtd" grep -q "method GetStatus() -> (status: object)" <<<"$(jq -r .parameters.description <<<"$out")"
vcall io.binfmtd.Frobnicate
check "an unknown method: MethodNotFound" test "$(jq -r .error <<<"$out")" = org.varlink.service.MethodNotFound

# Drift: removed behind the daemon's back, repaired on SIGHUP.
inode=$(stat -c %i "$MNT/qemu-riscv64")
echo -1 >"$MNT/qemu-aarch64"
kill -HUP "$DAEMON_PID"
check "a removed entry is back after SIGHUP" wait_until 10 test -e "$MNT/qemu-aarch64"
check "entries that were right were not touched" test "$(stat -c %i "$MNT/qemu-riscv64")" = "$inode"
run "$ARM64"
check "arm64 runs again" test "$rc" -eq 7

# Drift: replaced by another tool with other content.
echo -1 >"$MNT/qemu-aarch64"
printf '%s' ':qemu-aarch64:M:0:\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:OC' >"$MNT/register"
kill -HUP "$DAEMON_PID"
check "a replaced entry is repaired after SIGHUP" wait_until 10 grep -qx "flags: F" "$MNT/qemu-aarch64"
check "the repair is logged" grep -q "qemu-aarch64: replaced" "$WORK/binfmtd.log"

# A foreign entry of a configured name that does not do the job (no F): reported, left alone.
printf '%s' ':qemu-s390x:M::\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x16:\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff:/usr/bin/qemu-s390x-static:O' >"$MNT/register"
foreign=$(cat "$MNT/qemu-s390x")
write_config "$CONF" "Targets=linux/arm64 riscv64 s390x" "ReconcileIntervalSec=3600"
kill -HUP "$DAEMON_PID"
check "a foreign entry of a configured name is reported" wait_until 10 grep -q "qemu-s390x: an entry of that name exists that binfmtd did not register" "$WORK/binfmtd.log"
# The file changed too: binfmtd reloads once more by itself (below); that one first.
wait_until 5 grep -q "The configuration files changed: reloading." "$WORK/binfmtd.log"
sleep 0.3
check "the foreign entry is left alone" test "$(cat "$MNT/qemu-s390x")" = "$foreign"
ctld status --json
check "the conflict is in the status" test "$(jq -r '.daemon.problems[0].id' <<<"$out")" = io.binfmtd.ForeignEntry
gen=$(jq -r .daemon.generation <<<"$out")

# A broken reload: rejected with file:line, the running configuration stays.
printf '[binfmtd]\nMountPoint=%s\nSocket=%s\nTargets=linux/arm64\nNoSuchKey=1\n' "$MNT" "$SOCK" >"$CONF"
kill -HUP "$DAEMON_PID"
check "a broken reload is reported with file:line:key" wait_until 10 grep -q "$CONF:5: NoSuchKey" "$WORK/binfmtd.log"
check "and says the running configuration stays" grep -q "keeping the running one" "$WORK/binfmtd.log"
ctld status --json
check "the old configuration is still served" test "$(jq -r .daemon.generation <<<"$out")" = "$gen" -a "$(jq -c .daemon.targets <<<"$out")" = '["aarch64","riscv64","s390x"]'
check "RELOADING=1 ... READY=1 around the reload" grep -q "^RELOADING=1" "$WORK/notify.log"
vcall io.binfmtd.Reload
check "Reload through the socket: ConfigInvalid" test "$(jq -r .error <<<"$out")" = io.binfmtd.ConfigInvalid
check "Reload through the socket: the reason" grep -q "NoSuchKey" <<<"$(jq -r '.parameters.messages[].text' <<<"$out")"
ctld reload
check "binfmtctl reload of a broken configuration: exit 1 (got $rc)" test "$rc" -eq 1
check "binfmtctl reload: the problem with file:line, and that the running one stays" \
    bash -c 'grep -q "$0:5: NoSuchKey" <<<"$1" && grep -q "rejected; binfmtd keeps the running one" <<<"$1"' "$CONF" "$err"
check "the daemon is still running" kill -0 "$DAEMON_PID"

# A good configuration written to the file: binfmtd sees the change (inotify) and reloads by
# itself. With a short timer, drift is repaired without a signal.
echo -1 >"$MNT/qemu-s390x"
auto_reloads() { grep -c "The configuration files changed: reloading." "$WORK/binfmtd.log"; }
n=$(auto_reloads)
write_config "$CONF" "Targets=linux/arm64 riscv64" "ReconcileIntervalSec=1"
generation() { ctld status --json; jq -r .daemon.generation <<<"$out"; }
reloaded_again() { [ "$(auto_reloads)" -gt "$n" ]; }
newer_generation() { [ "$(generation)" -gt "$gen" ]; }
check "a changed configuration file is reloaded by itself" wait_until 5 reloaded_again
check "and taken: a new generation" wait_until 5 newer_generation
gen=$(generation)
vcall io.binfmtd.Reload
check "Reload through the socket succeeds" test "$rc" -eq 0 -a "$(jq -r .parameters.generation <<<"$out")" = $((gen + 1))
ctld reload
check "binfmtctl reload of a good configuration: exit 0 and the new generation ($out)" \
    test "$rc" -eq 0 -a "$out" = "Reloaded: configuration generation $((gen + 2))."
echo -1 >"$MNT/qemu-riscv64"
check "the timer repairs a removed entry" wait_until 10 test -e "$MNT/qemu-riscv64"

# Changes through the socket, as root.
ctld install mips64le
check "install through the socket (exit $rc)" test "$rc" -eq 0
check "install through the socket prints the same lines" grep -q "^qemu-mips64el: registered (linux/mips64le, /usr/bin/qemu-mips64el-static, flags F)." <<<"$out"
check "the daemon did it" grep -q "Install of 1 target(s) requested by uid 0" "$WORK/binfmtd.log"
echo -1 >"$MNT/qemu-mips64el"
check "an installed target is kept registered" wait_until 10 test -e "$MNT/qemu-mips64el"
ctld uninstall riscv64
check "uninstall through the socket (exit $rc)" test "$rc" -eq 0 -a ! -e "$MNT/qemu-riscv64"
sleep 2.5
check "an uninstalled target stays uninstalled" test ! -e "$MNT/qemu-riscv64"
ctld install bogus
check "an unknown target through the socket: exit 1" test "$rc" -eq 1
check "an unknown target through the socket: the message" grep -q "^binfmtctl: bogus: unknown target" <<<"$err"

# Watch: the status at once, and again when it changes.
"$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.Watch --more 30 >"$WORK/watch.out" 2>&1 &
watcher=$!
check "a watcher gets the status at once" wait_until 10 test -s "$WORK/watch.out"
ctld uninstall mips64le
# Another change (the one-second reconcile timer, a verification) may be told first: one of the
# replies after the first must show the removal.
removal_seen() {
    tail -n +2 "$WORK/watch.out" |
        jq -r '[.parameters.status.entries[].name] | index("qemu-mips64el")' 2>/dev/null | grep -qx null
}
check "a watcher gets the status again after a change" wait_until 10 test "$(wc -l <"$WORK/watch.out")" -ge 2
check "a later reply no longer has the removed entry" wait_until 10 removal_seen
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
check "the first reply continues" test "$(head -n1 "$WORK/watch.out" | jq -r .continues)" = true

# kill -9 and a restart: the entries are adopted, nothing is registered again.
write_config "$CONF" "Targets=linux/arm64 riscv64" "ReconcileIntervalSec=3600"
ctld install riscv64 >/dev/null
a=$(stat -c %i "$MNT/qemu-aarch64") r=$(stat -c %i "$MNT/qemu-riscv64")
lines=$(wc -l <"$WORK/binfmtd.log")
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
kill "$NOTIFY_PID" 2>/dev/null
DAEMON_PID= NOTIFY_PID=
check "binfmtd restarts after kill -9" start_daemon --config "$CONF"
check "the entries were adopted, not registered again" test "$(stat -c %i "$MNT/qemu-aarch64")" = "$a" -a "$(stat -c %i "$MNT/qemu-riscv64")" = "$r"
check "no entry was registered again" bash -c "! tail -n +$((lines + 1)) '$WORK/binfmtd.log' | grep -q 'qemu-.*: registered'"
run "$ARM64"
check "arm64 still runs" test "$rc" -eq 7

# SIGTERM: a clean exit; the registrations stay.
stop_daemon
check "SIGTERM: binfmtd exits 0 (got $DAEMON_RC)" test "$DAEMON_RC" -eq 0
check "SIGTERM: STOPPING=1" grep -qx "STOPPING=1" "$WORK/notify.log"
check "SIGTERM: the registrations stay" test -e "$MNT/qemu-aarch64"

# The watchdog, as systemd sets it up: WATCHDOG_USEC for this very process.
: >"$WORK/notify.log"
rm -f "$WORK/notify"
"$PYTHON" "$HELPERS/notify-listen.py" "$WORK/notify" "$WORK/notify.log" 30 &
NOTIFY_PID=$!
wait_until 5 test -S "$WORK/notify"
bash -c 'export WATCHDOG_PID=$$ WATCHDOG_USEC=400000 NOTIFY_SOCKET=$1; shift; exec "$@"' _ \
    "$WORK/notify" "$BINFMTD" --config "$CONF" >>"$WORK/binfmtd.log" 2>&1 &
DAEMON_PID=$!
check "with WATCHDOG_USEC set, binfmtd pings the watchdog" wait_until 10 bash -c "[ \$(grep -cx WATCHDOG=1 '$WORK/notify.log') -ge 3 ]"
stop_daemon

# RemoveOnStop=yes: our entries go, the foreign one stays.
printf '%s' ':python3.11:M::\xa7\x0d\x0d\x0a::/usr/bin/python3.11:' >"$MNT/register"
write_config "$CONF" "Targets=linux/arm64" "RemoveOnStop=yes"
start_daemon --config "$CONF"
stop_daemon
check "RemoveOnStop=yes: binfmtd's entries are removed" test ! -e "$MNT/qemu-aarch64" -a ! -e "$MNT/qemu-riscv64"
check "RemoveOnStop=yes: the foreign entry stays" test -e "$MNT/python3.11"

# A command binfmtd answers does not measure what the kernel runs natively (probes in namespaces
# of their own): the daemon did. Without a cache to read or write (one under /proc cannot be
# made), direct mode does.
if command -v strace >/dev/null; then
    write_config "$CONF" "Targets=linux/arm64"
    start_daemon --config "$CONF"
    # Programs run besides binfmtctl itself: the probes are executed, each one. (Not clone():
    # LeakSanitizer clones a tracer at exit in the sanitizer build.)
    forks() {
        BINFMTD_NATIVE_CACHE=/proc/binfmtd-no-cache/native strace -f -qq -e trace=execve \
            -o "$WORK/forks" "$BINFMTCTL" "$@" >/dev/null 2>&1
        echo $(($(grep -c 'execve(' "$WORK/forks") - 1))
    }
    check "status through the daemon starts no process" test "$(forks --socket "$SOCK" status)" -eq 0
    check "nor does install through it" test "$(forks --socket "$SOCK" install riscv64)" -eq 0
    check "nor status --require" test "$(forks --socket "$SOCK" status --require linux/arm64)" -eq 0
    check "direct mode does: it measures for itself" test "$(forks --direct --mount "$MNT" status)" -gt 0
    stop_daemon
else
    skip "status through the daemon starts no process" "strace is missing"
fi

# Where binfmt_misc is not mounted, binfmtd mounts it, with libmount loaded for that alone:
# afterwards the library is no longer mapped.
mkdir -p "$WORK/unmounted"
printf '[binfmtd]\nMountPoint=%s\nSocket=%s\nTargets=linux/arm64\n' "$WORK/unmounted" "$WORK/io.binfmtd" >"$WORK/mount.conf"
check "binfmtd mounts binfmt_misc where absent" start_daemon --config "$WORK/mount.conf"
check "the mount is binfmt_misc" test "$(stat -f -c %T "$WORK/unmounted")" = binfmt_misc
check "and the entry is registered there" test -e "$WORK/unmounted/qemu-aarch64"
check "libmount is not mapped once READY=1 is sent" bash -c '! grep -q "libmount\.so" "/proc/$0/maps"' "$DAEMON_PID"
check "nor libblkid nor libselinux" bash -c '! grep -qE "libblkid|libselinux" "/proc/$0/maps"' "$DAEMON_PID"
stop_daemon

done_testing
