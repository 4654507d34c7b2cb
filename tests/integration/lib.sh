# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by every integration test: TAP output, and the private binfmt_misc instance.
#
# A test script runs twice. First as the caller (root in CI): it may prepare fixtures that need
# real root (files owned by other users), then calls enter_private_instance, which re-executes
# the script in a new user and mount namespace. Since Linux 6.7 a binfmt_misc mounted there is a
# new, empty instance of that namespace: registrations in it run foreign programs for the test's
# processes only and never reach the host. The second run mounts it at $MNT and does the tests.

set -u

TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BINFMTCTL=${BINFMTCTL:?BINFMTCTL must point to the binfmtctl binary}
MUST_RUN=${BINFMTD_TESTS_MUST_RUN:-0}

tap_n=0
tap_failed=0

ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $*"
}

not_ok() {
    tap_n=$((tap_n + 1))
    echo "not ok $tap_n - $*"
    tap_failed=1
}

skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

diag() {
    sed 's/^/# /' <<<"$*"
}

done_testing() {
    echo "1..$tap_n"
    exit $tap_failed
}

# Nothing can run here at all: skip, or fail where CI demands that the tests run.
skip_all() {
    if [ "$MUST_RUN" = 1 ]; then
        echo "Bail out! cannot run: $* (BINFMTD_TESTS_MUST_RUN=1)"
        exit 1
    fi
    echo "1..0 # SKIP $*"
    exit 0
}

in_initial_userns() {
    [ "$(tr -s ' \t' ' ' </proc/self/uid_map | sed 's/^ //')" = "0 0 4294967295" ]
}

# run CMD...: runs a command, capturing stdout in $out, stderr in $err and the exit code in $rc.
run() {
    local o e
    o=$(mktemp) e=$(mktemp)
    "$@" >"$o" 2>"$e"
    rc=$?
    out=$(cat "$o") err=$(cat "$e")
    rm -f "$o" "$e"
}

ctl() {
    run "$BINFMTCTL" --mount "$MNT" "$@"
}

# The instance's whole state as text: every entry's name and content, and the status switch.
snapshot() {
    local f
    for f in "$MNT"/*; do
        [ "${f##*/}" = register ] && continue
        echo "== ${f##*/}"
        cat "$f"
    done
}

# Re-executes the calling script inside a private instance. $WORK (a directory the outer run
# made) is passed on; $MNT is mounted inside.
enter_private_instance() {
    if [ -n "${BINFMTD_TEST_PRIVATE:-}" ]; then
        if in_initial_userns; then
            echo "Bail out! refusing to run in the initial user namespace"
            exit 1
        fi
        MNT=$WORK/binfmt_misc
        mkdir -p "$MNT"
        if ! mount -t binfmt_misc binfmt_misc "$MNT" 2>/dev/null; then
            skip_all "cannot mount a private binfmt_misc instance (needs Linux 6.7 or newer)"
        fi
        # The default mount point shows the same private instance, so a command that forgets
        # --mount still cannot reach the host's registrations.
        if ! mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null; then
            echo "Bail out! cannot cover /proc/sys/fs/binfmt_misc with the private instance"
            exit 1
        fi
        # binfmtd's ownership records of this instance stay with the test.
        export BINFMTD_STATE_DIR=$WORK/state
        export BINFMTD_PROBE_DIR=$WORK/probes
        # What the kernel runs natively is measured once per boot and cached: the test's own.
        export BINFMTD_NATIVE_CACHE=$WORK/native
        # A fresh instance is empty: anything else would mean it is not ours.
        if [ -n "$(ls "$MNT" | grep -v -x -e register -e status)" ]; then
            echo "Bail out! the binfmt_misc instance at $MNT is not empty: not a private one"
            exit 1
        fi
        return 0
    fi
    if ! unshare --user --map-root-user --mount true 2>/dev/null; then
        skip_all "cannot create a user namespace (unshare --user --map-root-user --mount)"
    fi
    export WORK BINFMTD_TEST_PRIVATE=1
    # Not exec: the outer run's EXIT trap removes $WORK once the inner run is done.
    unshare --user --map-root-user --mount bash "$0" "$@"
    exit $?
}

# reexec_in_wide_userns ARGS...: for tests that need unprivileged uids: the outer run (real
# root) re-executes the calling script in a user namespace that maps ids 0..65535 onto
# themselves, as BINFMTD_TEST_PRIVATE=1, and exits with its status; the script then calls
# enter_private_instance as usual. unshare waits on a fifo while this shell writes the maps.
reexec_in_wide_userns() {
    local pid
    [ "$(id -u)" -eq 0 ] || skip_all "mapping 65536 ids into a user namespace needs root"
    export WORK BINFMTD_TEST_PRIVATE=1
    mkfifo "$WORK/go"
    unshare --user --mount --fork bash -c 'read -r _ <"$1"; shift; exec "$@"' _ "$WORK/go" \
        bash "$0" "$@" &
    pid=$!
    wait_until 10 bash -c '[ "$(readlink /proc/$0/ns/user)" != "$(readlink /proc/self/ns/user)" ]' "$pid" ||
        skip_all "cannot create a user namespace"
    echo "0 0 65536" >"/proc/$pid/uid_map"
    echo "0 0 65536" >"/proc/$pid/gid_map"
    echo go >"$WORK/go"
    wait "$pid"
    exit $?
}

# A work directory for the outer run, removed when the outer run ends.
make_work_dir() {
    if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
        WORK=$(mktemp -d /tmp/binfmtd-test.XXXXXX)
        chmod 0755 "$WORK"
        trap 'rm -rf "$WORK"' EXIT
    fi
}

# build_foreign ARCH: builds a static program for ARCH (arm64, riscv64, s390x, ppc64le, i386,
# arm) into $WORK/hello-ARCH that prints
# "hello from ARCH" and exits with 42 (arm64: 7, a C program against the real C library).
# Prints the path; returns 1 when the toolchain is missing.
build_foreign() {
    local arch=$1 out=$WORK/hello-$1
    [ -x "$out" ] && { echo "$out"; return 0; }
    case $arch in
        arm64)
            command -v aarch64-linux-gnu-gcc >/dev/null || return 1
            aarch64-linux-gnu-gcc -static -O2 -o "$out" "$TESTS_DIR/progs/hello.c" || return 1
            ;;
        riscv64 | s390x | ppc64le | i386 | arm)
            local triple emu
            case $arch in
                riscv64) triple=riscv64-linux-gnu emu=elf64lriscv ;;
                s390x) triple=s390x-linux-gnu emu=elf64_s390 ;;
                ppc64le) triple=powerpc64le-linux-gnu emu=elf64lppc ;;
                i386) triple=i686-linux-gnu emu=elf_i386 ;;
                arm) triple=arm-linux-gnueabihf emu=armelf_linux_eabi ;;
            esac
            command -v "$triple-as" >/dev/null || return 1
            "$triple-as" -o "$out.o" "$TESTS_DIR/progs/hello-$arch.S" || return 1
            "$triple-ld" -static -m "$emu" -o "$out" "$out.o" || return 1
            rm -f "$out.o"
            ;;
        *) return 1 ;;
    esac
    echo "$out"
}

# kernel_runs_natively i386|arm: whether the kernel itself runs a real program of that target
# (made by the target's own assembler and linker), run in a new user namespace whose binfmt_misc
# instance is empty, so that no handler can intercept it. The tests' own answer to the question
# binfmtd measures with its probes; 2 when it cannot be answered here.
kernel_runs_natively() {
    local prog
    prog=$(build_foreign "$1") || return 2
    mkdir -p "$WORK/native-check"
    unshare --user --map-root-user --mount \
        sh -c 'mount -t binfmt_misc binfmt_misc "$1" || exit 200; exec "$2"' \
        sh "$WORK/native-check" "$prog" >/dev/null 2>&1
    case $? in
        42) return 0 ;;
        200) return 2 ;;
        *) return 1 ;;
    esac
}

# debian_root_tar CACHE: a minimal Debian 12 root as a tar, made once with debootstrap and kept in
# CACHE (the build directory's): what the container image is built on (meson, a compiler, the
# libraries, Debian's QEMU) and what the system container boots (systemd). Prints the path;
# skips the test (fails in CI) when debootstrap cannot make it.
DEBIAN_ROOT_PACKAGES=meson,ninja-build,pkg-config,gcc,libc6-dev,libsystemd-dev,libmount-dev,libcap-ng-dev,libinih-dev,libjson-c-dev,qemu-user-static,libsystemd0,libmount1,libcap-ng0,libinih1,libjson-c5,systemd,systemd-sysv,dbus
debian_root_tar() {
    local cache=$1 tar=$1/base-bookworm.tar
    local mirror=${BINFMTD_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    mkdir -p "$cache"
    if [ ! -s "$tar" ]; then
        rm -rf "$cache/rootfs"
        if ! debootstrap --variant=minbase --include="$DEBIAN_ROOT_PACKAGES" bookworm \
            "$cache/rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1; then
            tail -n 5 "$cache/debootstrap.log" | sed 's/^/# /' >&2
            rm -rf "$cache/rootfs"
            return 1
        fi
        rm -rf "$cache/rootfs/var/cache/apt/archives/"*.deb "$cache/rootfs/var/lib/apt/lists/"*
        tar -C "$cache/rootfs" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
        rm -rf "$cache/rootfs"
    fi
    echo "$tar"
}

# host_binfmt_state: the machine's binfmt_misc as it is (every entry, or "not mounted"), to
# show that a test left it untouched.
host_binfmt_state() {
    if [ "$(stat -f -c %T /proc/sys/fs/binfmt_misc 2>/dev/null)" = binfmt_misc ]; then
        for f in /proc/sys/fs/binfmt_misc/*; do echo "== ${f##*/}"; cat "$f"; done
    else
        echo "not mounted"
    fi
}

# container_boot ROOT NAME: boots ROOT with its own systemd in systemd-nspawn -U (a user
# namespace of its own, as unprivileged LXD and Incus containers have), in the background, its
# console in $WORK/console.log. nspawn boots only from a fresh cgroup of its own, in each
# hierarchy systemd uses. Sets NSPAWN and PID1 (empty when it did not come up within a minute);
# inside CMD... runs a command in the container, as run() does; booted says whether systemd
# has finished booting (running, or degraded); container_stop shuts it down and cleans up.
container_boot() {
    local root=$1 name=$2 h
    CGROUPS=()
    for h in systemd unified; do
        [ -d "/sys/fs/cgroup/$h" ] && mkdir "/sys/fs/cgroup/$h/$name" 2>/dev/null &&
            CGROUPS+=("/sys/fs/cgroup/$h/$name")
    done
    [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && mkdir "/sys/fs/cgroup/$name" &&
        CGROUPS+=("/sys/fs/cgroup/$name")
    (
        for g in "${CGROUPS[@]}"; do echo "$BASHPID" >"$g/cgroup.procs"; done
        exec systemd-nspawn --register=no --keep-unit -U -q -D "$root" --boot
    ) >"$WORK/console.log" 2>&1 </dev/null &
    NSPAWN=$!
    wait_until 60 pgrep -P "$NSPAWN" -x systemd >/dev/null
    PID1=$(pgrep -P "$NSPAWN" -x systemd)
}
inside() { run timeout 120 nsenter -t "$PID1" -a "$@"; }
booted() {
    inside systemctl is-system-running
    [ "$out" = running ] || [ "$out" = degraded ]
}
container_stop() {
    if [ -n "${NSPAWN:-}" ] && kill -0 "$NSPAWN" 2>/dev/null; then
        kill -TERM "$NSPAWN" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NSPAWN" 2>/dev/null
    fi
    [ -n "${NSPAWN:-}" ] && wait "$NSPAWN" 2>/dev/null
    # nspawn makes cgroups of its own below ours (payload, supervisor).
    for g in "${CGROUPS[@]}"; do find "$g" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    NSPAWN= PID1= CGROUPS=()
}

HELPERS=${HELPERS:-$TESTS_DIR/../helpers}
# The system's Python: tests run helpers as other users too, who must be able to run it.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
BINFMTD=${BINFMTD:-}

# within SECONDS COMMAND...: polls until the command succeeds; returns 1 when that took longer
# than SECONDS (fractions allowed), measured to the microsecond, unlike wait_until, whose
# whole-second clock may give a deadline of "1" anything between 0 and 1 s.
within() {
    local limit_us start now
    limit_us=$(awk -v s="$1" 'BEGIN { printf "%d", s * 1000000 }')
    shift
    start=${EPOCHREALTIME/./}
    until "$@"; do
        now=${EPOCHREALTIME/./}
        [ $((now - start)) -gt "$limit_us" ] && return 1
        sleep 0.01
    done
    now=${EPOCHREALTIME/./}
    [ $((now - start)) -le "$limit_us" ]
}

# probe_starters TRACE [PID]: who started the probes in TRACE, the output of strace -f -e
# trace=clone,clone3,fork,vfork,execve of PID (default: the first process in it): for each
# execve of a probe (a file named "probe"), "caller" when the process that started it is PID,
# "runner" when that one's parent is; the words seen, then the number of distinct starters.
# Threads count as their process.
probe_starters() {
    awk -v caller="${2:-}" '
        NR == 1 && caller == "" { caller = $1 }
        # strace may split a call: its flags on the "<unfinished ...>" line, the result on
        # the "resumed" one.
        /(clone|fork)/ && /<unfinished/ { thread[$1] = index($0, "CLONE_THREAD") > 0 }
        /(clone|fork)/ && match($0, /= [0-9]+$/) {
            child = substr($0, RSTART + 2)
            owner = ($1 in proc) ? proc[$1] : $1
            if (index($0, "CLONE_THREAD") || (/resumed>/ && thread[$1])) proc[child] = owner
            else parent[child] = owner
        }
        /execve\("[^"]*\/probe"/ { probe[$1] = 1 }
        END {
            for (p in probe) {
                w = parent[p] == caller ? "caller" : parent[parent[p]] == caller ? "runner" : "other"
                seen[w] = 1
                starters[parent[p]] = 1
            }
            n = 0
            for (q in starters) n++
            for (w in seen) printf "%s ", w
            print n
        }' "$1"
}

# wait_until SECONDS COMMAND...: polls until the command succeeds; returns 1 on timeout.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.05
    done
}

# write_config FILE [KEY=VALUE...]: a [binfmtd] section for the private instance, plus extra
# lines given as arguments.
write_config() {
    local f=$1
    shift
    {
        echo "[binfmtd]"
        echo "MountPoint=$MNT"
        echo "Socket=$WORK/io.binfmtd"
        printf '%s\n' "$@"
    } >"$f"
}

# start_daemon ARGS...: binfmtd in the background with a NOTIFY_SOCKET the test listens on;
# waits for READY=1. Sets DAEMON_PID; the notifications go to $WORK/notify.log, the log to
# $WORK/binfmtd.log.
start_daemon() {
    : >"$WORK/notify.log"
    rm -f "$WORK/notify"
    "$PYTHON" "$HELPERS/notify-listen.py" "$WORK/notify" "$WORK/notify.log" 300 &
    NOTIFY_PID=$!
    wait_until 5 test -S "$WORK/notify" || return 1
    NOTIFY_SOCKET=$WORK/notify "$BINFMTD" "$@" >>"$WORK/binfmtd.log" 2>&1 &
    DAEMON_PID=$!
    wait_until 20 grep -qx "READY=1" "$WORK/notify.log"
}

stop_daemon() {
    [ -n "${DAEMON_PID:-}" ] && kill -TERM "$DAEMON_PID" 2>/dev/null
    [ -n "${DAEMON_PID:-}" ] && { wait "$DAEMON_PID"; DAEMON_RC=$?; }
    # The listener may still be writing what the daemon sent last (STOPPING=1).
    [ -n "${NOTIFY_PID:-}" ] && wait_until 2 grep -qx "STOPPING=1" "$WORK/notify.log"
    [ -n "${NOTIFY_PID:-}" ] && kill "$NOTIFY_PID" 2>/dev/null && wait "$NOTIFY_PID" 2>/dev/null
    DAEMON_PID= NOTIFY_PID=
    return 0
}

vcall() {
    run "$PYTHON" "$HELPERS/varlink-call.py" "$WORK/io.binfmtd" "$@"
}
