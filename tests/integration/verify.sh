#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl verify: every probe run from the host and in an empty chroot, on the real kernel in
# a private binfmt_misc instance; a failure says what is wrong and what to do.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance

ctl install arm64 riscv64 s390x
check "install arm64 riscv64 s390x" test "$rc" -eq 0

ctl verify arm64 riscv64 s390x
check "verify: exit 0 when every probe runs (got $rc)" test "$rc" -eq 0
for t in aarch64 riscv64 s390x; do
    check "verify: $t ok from the host and in the empty chroot" grep -Eq "^$t +linux/[a-z0-9]+ +ok +ok$" <<<"$out"
done

ctl verify
check "verify without targets: exit 0 (got $rc)" test "$rc" -eq 0
check "verify without targets covers the registered ones" test "$(grep -cE '^(aarch64|riscv64|s390x) ' <<<"$out")" -eq 3
case $(uname -m) in
    x86_64) check "verify without targets includes the native amd64 with its level" grep -Eq "^x86_64 +linux/amd64 +ok \(x86-64-v[1-4]\) +ok \(x86-64-v[1-4]\)$" <<<"$out" ;;
esac

# Through binfmtd: its Verify runs the probes, the table and the verdicts are the same.
write_config "$WORK/binfmtd.conf" "Targets=linux/arm64 linux/riscv64 linux/s390x"
trap 'stop_daemon' EXIT
check "binfmtd starts" start_daemon --config "$WORK/binfmtd.conf"
dctl() { run "$BINFMTCTL" --socket "$WORK/io.binfmtd" "$@"; }
dctl status --json
before=$(jq -r '.verification.time_usec // 0' <<<"$out")
dctl verify arm64 s390x
check "verify through binfmtd: exit 0 (got $rc)" test "$rc" -eq 0
for t in aarch64 s390x; do
    check "verify through binfmtd: $t ok from the host and in the empty chroot" \
        grep -Eq "^$t +linux/[a-z0-9]+ +ok +ok$" <<<"$out"
done
check "verify through binfmtd: only the targets asked for" test "$(grep -c riscv64 <<<"$out")" -eq 0
dctl status --json
check "binfmtd ran a new verification for it" \
    test "$(jq -r '.verification.time_usec // 0' <<<"$out")" -gt "$before"
dctl verify mips64le
check "an unregistered target through binfmtd: exit 1 (got $rc)" test "$rc" -eq 1
check "no handler, and the fix, as when verifying here" \
    grep -q "mips64el: in an empty chroot: no handler.*Fix: run binfmtctl install mips64le" <<<"$err"
# Verify calls pipelined on one connection, while the timer or a change asks for runs too: each
# gets a run of its own that began after it, one run at a time (the second Verify is read
# from the first one's done callback).
run "$PYTHON" - "$WORK/io.binfmtd" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(sys.argv[1])
s.sendall(b'{"method":"io.binfmtd.Verify"}\0{"method":"io.binfmtd.Verify"}\0')
buf, got = b"", []
while len(got) < 2:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
    while b"\0" in buf:
        msg, buf = buf.split(b"\0", 1)
        got.append(json.loads(msg))
for r in got:
    print(r.get("error") or r["parameters"]["status"]["verification"]["time_usec"])
EOF
check "two pipelined Verify calls get two replies (exit $rc)" test "$rc" -eq 0 -a "$(wc -l <<<"$out")" -eq 2
check "from two runs, one after the other" test "$(sed -n 2p <<<"$out")" -gt "$(sed -n 1p <<<"$out")"
check "and binfmtd is still serving" kill -0 "$DAEMON_PID"

# The daemon's probes start from one runner its verifier forks, not from the daemon itself:
# each fork() of the daemon would hold its memory map, and its event loop with it.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
    strace -f -qq -e trace=clone,clone3,fork,vfork,execve -o "$WORK/dstarts" -p "$DAEMON_PID" &
    spid=$!
    wait_until 5 grep -q "TracerPid:.*[1-9]" "/proc/$DAEMON_PID/status"
    dctl verify arm64 s390x
    kill -INT "$spid"
    wait "$spid"
    check "binfmtd's probes start from one runner it forked ($(probe_starters "$WORK/dstarts" "$DAEMON_PID"))" \
        test "$(probe_starters "$WORK/dstarts" "$DAEMON_PID")" = "runner 1"
else
    skip "binfmtd's probes start from a runner" "strace is not installed or cannot trace here"
fi

dctl verify
check "verify through binfmtd without targets: exit 0 (got $rc)" test "$rc" -eq 0
check "verify through binfmtd without targets covers the configured ones" \
    test "$(grep -cE '^(aarch64|riscv64|s390x) ' <<<"$out")" -eq 3
stop_daemon

# An entry without F: runs from the host, but not in a root without QEMU.
ctl uninstall arm64
reg=$("$BINFMTCTL" --mount "$MNT" plan arm64 | sed -n 's/^  \(:qemu-aarch64:.*\)$/\1/p')
printf '%s' "${reg%F}" >"$MNT/register"
check "the test registered arm64 without F" grep -qx "flags: " "$MNT/qemu-aarch64"
ctl verify arm64
check "verify of an entry without F: exit 1 (got $rc)" test "$rc" -eq 1
check "verify of an entry without F: ok from the host, unreachable in the chroot" grep -Eq "^aarch64 +linux/arm64 +ok +interpreter-unreachable$" <<<"$out"
check "verify of an entry without F: says what is wrong and what to do" grep -q "aarch64: in an empty chroot: interpreter unreachable.*registered without F.*Fix: run binfmtctl install arm64 --force (the entry is another tool.s)" <<<"$err"

# Nothing registered: no handler, and the fix.
ctl uninstall riscv64
ctl verify riscv64
check "verify of an unregistered target: exit 1" test "$rc" -eq 1
check "verify of an unregistered target: no handler in both passes" grep -Eq "^riscv64 +linux/riscv64 +no-handler +no-handler$" <<<"$out"
check "verify of an unregistered target: says what to do" grep -q "riscv64: from the host: no handler.*run binfmtctl install riscv64" <<<"$err"

ctl verify bogus
check "verify of an unknown target: exit 1 with the reason" test "$rc" -eq 1 -a -n "$(grep 'bogus: unknown target' <<<"$err")"

done_testing
