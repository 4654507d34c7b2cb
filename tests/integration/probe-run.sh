#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The probe runner (lib/verify/probe-run.c) on the real kernel, in a private binfmt_misc instance: every
# verdict it gives, each produced for real. No handler; real QEMU with F (both passes); an entry
# without F (host only); interpreters of our own that exit 3, hang, crash, or check that they
# were started clean (no capabilities, no fds, no environment, default signals); a noexec work
# directory; a missing one; a caller that may not chroot; and the native amd64 level probe.
# An interpreter stuck in uninterruptible sleep (a FUSE file whose FLUSH is never answered)
# is waited for only a bounded time after the kill, and reported as left behind.
# Every run is all jobs at once, and must leave the work directory empty.
source "$(dirname "$0")/lib.sh"
make_work_dir

PROBE_RUN_CLI=${PROBE_RUN_CLI:?PROBE_RUN_CLI must point to the probe-run-cli helper}

# build_static NAME: a static host program from C on stdin, in $WORK/bin (root's, 0755).
build_static() {
    cc -static -O2 -o "$WORK/bin/$1" -x c - && chmod 0755 "$WORK/bin/$1"
}

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    for q in aarch64 riscv64 s390x; do
        [ -x "/usr/bin/qemu-$q-static" ] || skip_all "qemu-user-static is not installed"
    done
    command -v cc >/dev/null || skip_all "no C compiler to build the test interpreters"
    mkdir -m 0755 "$WORK/bin"

    build_static exit3 <<<'int main(void) { return 3; }' ||
        skip_all "cc cannot link static programs (libc6-dev's libc.a)"

    # The interpreter and a child of its own both wait forever: a timeout must kill both.
    build_static hang <<'EOF' || skip_all "cannot build the hanging interpreter"
#include <unistd.h>
int main(void)
{
        (void)fork();
        for (;;)
                pause();
}
EOF

    # Opens and closes a file on the test's FUSE mount that never answers the close: stuck in
    # uninterruptible sleep, SIGKILL or not, while the file system does not answer.
    mkdir -m 0755 "$WORK/fuse"
    build_static stuck <<EOF || skip_all "cannot build the stuck interpreter"
#include <fcntl.h>
#include <unistd.h>
int main(void)
{
        int fd = open("$WORK/fuse/f", O_RDONLY);
        return fd < 0 ? 2 : close(fd);
}
EOF

    build_static segv <<'EOF' || skip_all "cannot build the crashing interpreter"
#include <signal.h>
int main(void)
{
        raise(SIGSEGV);
        return 0;
}
EOF

    # Exits 42 (a probe's success) only when it starts as clean as the runner promises;
    # otherwise with the number of the first broken promise.
    build_static privcheck <<'EOF' || skip_all "cannot build the privilege-checking interpreter"
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp)
{
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2];
        char cwd[4096], want[4200];
        struct rlimit rl;
        struct stat st;
        sigset_t mask;

        if (envp[0])
                return 10; /* an environment */
        for (int fd = 0; fd < 3; fd++)
                if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                        return 11; /* stdio not on /dev/null */
        for (int fd = 3; fd < 4096; fd++)
                if (fcntl(fd, F_GETFD) >= 0)
                        return 12; /* an inherited descriptor */
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return 13;
        if (syscall(SYS_capget, &h, d) < 0)
                return 14;
        for (int i = 0; i < 2; i++)
                if (d[i].effective || d[i].permitted || d[i].inheritable)
                        return 14; /* capabilities */
        for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
                        return 15; /* a bounding set */
        for (int c = 0; c < 64; c++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
                        return 16; /* ambient capabilities */
        if (sigprocmask(SIG_SETMASK, NULL, &mask) < 0)
                return 17;
        for (int s = 1; s < 65; s++)
                if (sigismember(&mask, s) == 1)
                        return 17; /* a blocked signal */
        for (int s = 1; s < 32; s++) {
                struct sigaction sa;
                if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
                        return 18; /* an ignored or handled signal */
        }
        if (getsid(0) != getpid())
                return 19; /* not a session of its own */
        if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0)
                return 20; /* core dumps allowed */
        if (argc < 2 || !getcwd(cwd, sizeof(cwd)))
                return 21;
        snprintf(want, sizeof(want), "%s/probe", strcmp(cwd, "/") == 0 ? "" : cwd);
        if (strcmp(argv[1], want) != 0)
                return 21; /* not run from its own directory, by full path */
        return 42;
}
EOF
fi
enter_private_instance

BIN=$WORK/bin
PROBES=$WORK/probes
mkdir -p "$PROBES"

# A broken runner leaves hanging interpreters behind; they would keep this mount namespace, and
# with it $WORK's mount points, alive. None outlives the test.
hung_pids() {
    pgrep -f "^$BIN/hang"
}
kill_hung() {
    local p
    for p in $(hung_pids); do
        kill -KILL "$p" 2>/dev/null
    done
}
trap kill_hung EXIT
TIMEOUT_MS=20000 # generous: QEMU starts in milliseconds, but CI machines are slow

# What install would write, as the kernel's register strings; taken before anything is
# installed ("plan" says "keep" for a target that is).
declare -A PLAN
for t in arm64 riscv64 s390x ppc64le mips64le loong64 arm; do
    PLAN[$t]=$("$BINFMTCTL" --mount "$MNT" plan "$t" | sed -n 's/^  \(:.*\)$/\1/p')
    [ -n "${PLAN[$t]}" ] || { echo "Bail out! no register string from 'plan $t'"; exit 1; }
done

# register NAME TARGET INTERPRETER FLAGS: an entry of the test's own, with TARGET's magic and
# mask, written straight to the private instance.
register() {
    local _n _name type offset magic mask _interp _flags
    IFS=: read -r _n _name type offset magic mask _interp _flags <<<"${PLAN[$2]}"
    printf '%s' ":$1:$type:$offset:$magic:$mask:$3:$4" >"$MNT/register"
}

unregister() {
    [ -e "$MNT/$1" ] && echo -1 >"$MNT/$1"
    return 0
}

# probes [-d WORKDIR] TIMEOUT_MS TARGET...: every target in both passes, all at once.
probes() {
    local dir=$PROBES
    [ "$1" = -d ] && { dir=$2; shift 2; }
    # A runner that fails to kill would hang here: fail instead.
    run timeout 60 "$PROBE_RUN_CLI" "$dir" "$@"
    [ "$rc" -eq 0 ] || diag "probe-run-cli exit $rc: $err"
    [ -n "$out" ] && diag "$out"
}

# verdict TARGET PASS: the result id of the last run; value TARGET PASS KEY: one of its numbers.
verdict() {
    awk -v t="$1" -v p="$2" '$1 == t && $2 == p { print $3 }' <<<"$out"
}
value() {
    awk -v t="$1" -v p="$2" -v k="$3=" '$1 == t && $2 == p {
        for (i = 4; i <= NF; i++)
            if (index($i, k) == 1)
                print substr($i, length(k) + 1)
    }' <<<"$out"
}

# values TARGET KEY: KEY of the host pass and of the chroot pass, as "HOST/CHROOT".
values() {
    echo "$(value "$1" host "$2")/$(value "$1" chroot "$2")"
}

# both TARGET RESULT: the verdict in both passes.
both() {
    [ "$(verdict "$1" host)" = "$2" ] && [ "$(verdict "$1" chroot)" = "$2" ]
}

left_empty() {
    [ -z "$(ls -A "$PROBES")" ]
}

# (1) Nothing registered: the kernel has no handler, from the host root or in the chroot.
probes "$TIMEOUT_MS" arm64
check "the runner succeeds (exit $rc)" test "$rc" -eq 0
check "one line per job" test "$(wc -l <<<"$out")" -eq 2
check "arm64 before install: no-handler in both passes" both arm64 no-handler
check "no-handler carries ENOEXEC" test "$(values arm64 errno)" = 8/8
check "the work directory is left empty" left_empty

# Who starts the probes: the caller itself, or, with PROBE_RUN_APART=1, one runner process it
# forks (probe_run_apart(), what binfmtd does).
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
    strace -f -qq -e trace=clone,clone3,fork,vfork,execve -o "$WORK/starts" \
        "$PROBE_RUN_CLI" "$PROBES" "$TIMEOUT_MS" arm64 riscv64 >/dev/null 2>&1
    starters=$(probe_starters "$WORK/starts")
    if [ "${PROBE_RUN_APART:-}" = 1 ]; then
        check "the probes start from one runner the caller forked ($starters)" \
            test "$starters" = "runner 1"
    else
        check "the caller starts the probes itself ($starters)" test "$starters" = "caller 1"
    fi
    check "the work directory is left empty" left_empty
else
    skip "who starts the probes" "strace is not installed or cannot trace here"
fi

# (7) The native amd64 probe needs no handler: the level probe runs as it is, in the chroot too.
if [ "$(uname -m)" = x86_64 ]; then
    probes "$TIMEOUT_MS" amd64
    check "native amd64: ok in both passes" both amd64 ok
    for p in host chroot; do
        l=$(value amd64 $p level)
        check "native amd64 ($p): level $l is 1..4, exit 64+level" \
            test "${l:-0}" -ge 1 -a "${l:-0}" -le 4 -a "$(value amd64 $p exit)" = $((64 + ${l:-0}))
    done
    check "both passes see the same level" \
        test "$(value amd64 host level)" = "$(value amd64 chroot level)"
else
    skip "native amd64 probe" "host is $(uname -m)"
fi

# (2) binfmtd's own registrations, with F: real QEMU runs the probes in the empty chroot too.
ctl install arm64 riscv64 s390x
check "binfmtctl install arm64 riscv64 s390x (exit $rc)" test "$rc" -eq 0
probes "$TIMEOUT_MS" arm64 riscv64 s390x
check "the runner succeeds (exit $rc)" test "$rc" -eq 0
for t in arm64 riscv64 s390x; do
    check "$t after install: ok in both passes" both "$t" ok
    check "$t: exit 42, level 0, no errno" \
        test "$(values "$t" exit) $(values "$t" level) $(values "$t" errno)" = "42/42 0/0 0/0"
done
check "the work directory is left empty" left_empty

# (3) arm64 without F: the kernel looks the interpreter up in the chroot, where there is none.
unregister qemu-aarch64
register qemu-aarch64 arm64 /usr/bin/qemu-aarch64-static ""
check "the arm64 entry now has no flags" grep -qx "flags: " "$MNT/qemu-aarch64"
probes "$TIMEOUT_MS" arm64
check "arm64 without F: ok from the host root" test "$(verdict arm64 host)" = ok
check "arm64 without F: interpreter-unreachable in the chroot" \
    test "$(verdict arm64 chroot)" = interpreter-unreachable
check "interpreter-unreachable carries ENOENT" test "$(value arm64 chroot errno)" = 2

# (4) A handler that runs something else: a static host program that exits 3.
unregister qemu-riscv64
register test-exit3 riscv64 "$BIN/exit3" F
probes "$TIMEOUT_MS" riscv64
check "riscv64 handled by exit3: wrong-exit in both passes" both riscv64 wrong-exit
check "wrong-exit reports exit 3" test "$(values riscv64 exit)" = 3/3

# (6) A handler that dies of SIGSEGV.
register test-segv mips64le "$BIN/segv" F
probes "$TIMEOUT_MS" mips64le
check "mips64le handled by segv: crashed in both passes" both mips64le crashed
check "crashed reports signal 11" test "$(values mips64le signal)" = 11/11

# (5) Handlers that never finish, for three targets: six jobs with a 1 s timeout each. Run one
# after another they would take six seconds; together, about one.
unregister qemu-s390x
register test-hang-s390x s390x "$BIN/hang" F
register test-hang-loong64 loong64 "$BIN/hang" F
register test-hang-arm arm "$BIN/hang" F
start=$SECONDS
probes 1000 s390x loong64 arm
elapsed=$((SECONDS - start))
check "the runner succeeds (exit $rc)" test "$rc" -eq 0
for t in s390x loong64 arm; do
    check "$t handled by hang: timeout in both passes" both "$t" timeout
done
usec=$(value s390x host usec)
check "a timed-out job lasted at least its timeout (${usec:-?} us)" test "${usec:-0}" -ge 1000000
check "six hanging jobs with a 1 s timeout return together (${elapsed} s)" test "$elapsed" -le 3
none_hung() { [ -z "$(hung_pids)" ]; }
check "no hanging interpreter or child of one is left" wait_until 5 none_hung
check "the work directory is left empty" left_empty

# The runner keeps nothing the caller had open but stdio: probe-run-cli leaves a copy of its
# stderr inheritable at fd 10, which the runner must close, while its probes hang.
if [ "${PROBE_RUN_APART:-}" = 1 ]; then
    "$PROBE_RUN_CLI" "$PROBES" 5000 s390x >/dev/null 2>"$WORK/cli.err" &
    cli=$!
    runner=
    probes_started() {
        runner=$(pgrep -P "$cli" | head -n1)
        [ -n "$runner" ] && [ -n "$(pgrep -P "$runner")" ]
    }
    # held: how many of the runner's descriptors are the caller's stderr (fd 2 is one).
    held=none
    if wait_until 4 probes_started; then
        held=0
        for f in /proc/"$runner"/fd/*; do
            [ "$(readlink "$f")" = "$WORK/cli.err" ] && held=$((held + 1))
        done
    fi
    wait "$cli"
    check "the runner keeps only stdio of what the caller had open (stderr held $held time(s))" \
        test "$held" = 1
    check "no hanging interpreter or child of one is left" wait_until 5 none_hung
fi

# (5b) An interpreter stuck in uninterruptible sleep: SIGKILL at the deadline does not end it.
# The runner waits PROBE_KILL_GRACE_USEC (2 s) more, then reports the timeout and leaves it.
FUSE_STALL=${FUSE_STALL:?FUSE_STALL must point to the fuse-stall helper}
if [ ! -c /dev/fuse ]; then
    skip "a probe stuck in uninterruptible sleep" "no /dev/fuse on this machine"
else
"$FUSE_STALL" "$WORK/fuse" >"$WORK/fuse.log" 2>&1 &
fuse_pid=$!
if wait_until 5 grep -qx ready "$WORK/fuse.log"; then
    unregister test-hang-s390x
    register test-stuck-s390x s390x "$BIN/stuck" F
    start=${EPOCHREALTIME/./}
    probes 1000 s390x
    elapsed_ms=$(((${EPOCHREALTIME/./} - start) / 1000))
    check "the runner returns although the probe cannot be killed (exit $rc, ${elapsed_ms} ms)" \
        test "$rc" -eq 0 -a "$elapsed_ms" -lt 8000
    check "the file system stalled the probe for real" grep -qx stalled "$WORK/fuse.log"
    check "the stuck probe is a timeout, left behind" \
        test "$(verdict s390x host)/$(value s390x host left)" = timeout/1
    stuck=$(pgrep -f "^$BIN/stuck" | head -n1)
    check "the probe is still there, in uninterruptible sleep" \
        test -n "$stuck" -a "$(awk '{ print $3 }' "/proc/$stuck/stat" 2>/dev/null)" = D
    kill "$fuse_pid"
    wait "$fuse_pid" 2>/dev/null
    umount -l "$WORK/fuse" 2>/dev/null
    none_stuck() { [ -z "$(pgrep -f "^$BIN/stuck")" ]; }
    check "once the file system goes away, it dies" wait_until 5 none_stuck
    unregister test-stuck-s390x
else
    kill "$fuse_pid" 2>/dev/null
    not_ok "cannot mount the stalling FUSE file system: $(cat "$WORK/fuse.log")"
fi
fi

# (8) The children start clean even though the helper leaves an inheritable descriptor, an
# ignored signal, a blocked one and core dumps allowed, and runs with an environment.
register test-privcheck ppc64le "$BIN/privcheck" F
probes "$TIMEOUT_MS" ppc64le
check "privcheck: ok in both passes (exit codes $(values ppc64le exit))" both ppc64le ok

# A noexec work directory: the kernel refuses before it looks for a handler.
mkdir -p "$WORK/noexec"
if mount -t tmpfs -o noexec,mode=0755 tmpfs "$WORK/noexec"; then
    probes -d "$WORK/noexec" "$TIMEOUT_MS" arm64 riscv64
    check "noexec work directory: not-executable in both passes" both arm64 not-executable
    check "not-executable carries EACCES" test "$(values arm64 errno)" = 13/13
    check "the noexec work directory is left empty" test -z "$(ls -A "$WORK/noexec")"
    umount "$WORK/noexec"
else
    not_ok "cannot mount a noexec tmpfs in the private mount namespace"
fi

# A work directory that does not exist: failed, with the errno, and nothing run.
probes -d "$WORK/nonexistent" "$TIMEOUT_MS" arm64
check "a missing work directory: the runner still succeeds (exit $rc)" test "$rc" -eq 0
check "a missing work directory: failed in both passes" both arm64 failed
check "failed carries ENOENT" test "$(values arm64 errno)" = 2/2

# A caller that may not chroot: the chroot pass fails in set-up (EPERM), which is not the
# kernel refusing the probe; the host pass is unaffected.
if command -v setpriv >/dev/null; then
    run timeout 60 setpriv --bounding-set -sys_chroot --inh-caps -all \
        "$PROBE_RUN_CLI" "$PROBES" "$TIMEOUT_MS" arm64
    diag "$out"
    check "without CAP_SYS_CHROOT: the chroot pass failed with EPERM" \
        test "$(verdict arm64 chroot)/$(value arm64 chroot errno)" = "failed/1"
    check "without CAP_SYS_CHROOT: the host pass still ran" test "$(verdict arm64 host)" = ok
    check "the work directory is left empty" left_empty
else
    skip "caller without CAP_SYS_CHROOT" "setpriv is not installed"
fi

# A target binfmtd has no probe for: failed with EOPNOTSUPP, nothing run.
probes 1000 alpha
check "a target without a probe: failed in both passes" both alpha failed
check "failed carries EOPNOTSUPP" test "$(values alpha errno)" = 95/95
check "the work directory is left empty" left_empty

run "$PROBE_RUN_CLI" "$PROBES" 1000 no-such-target
check "an unknown target is an error (exit $rc)" test "$rc" -eq 1

done_testing
