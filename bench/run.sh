#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtd's benchmarks: registration against systemd-binfmt, start-up to READY=1, GetStatus
# latency and throughput over Varlink, the daemon's memory, and verifying every registered
# target with its probes, in parallel and one after another. Prints a markdown table; --write
# also puts it in bench/results.md. See bench/README.md.
#
#   bench/run.sh [--write] [--runs N] [--load-runs N] [--rss-runs N] [--probe-runs N]
#                [--ref-runs N] [--event-runs N] [--no-build]
#
# Every measurement runs in a fresh user, mount and PID namespace with its own, empty
# binfmt_misc instance (Linux 6.7 or newer), mounted at a temporary directory and over
# /proc/sys/fs/binfmt_misc, so nothing can reach the host's registrations. The namespace's
# first process is the measuring shell: when it ends, the kernel ends everything it started,
# and the instance goes with the namespace.

set -euo pipefail
export LC_ALL=C

SELF=$(readlink -f "${BASH_SOURCE[0]}")
BENCH_DIR=$(dirname "$SELF")
ROOT=$(dirname "$BENCH_DIR")

die() {
    echo "run.sh: $*" >&2
    exit 1
}

# ---- helpers shared by both halves ---------------------------------------------------------

in_initial_userns() {
    [ "$(tr -s ' \t' ' ' </proc/self/uid_map | sed 's/^ //')" = "0 0 4294967295" ]
}

# Times are read from the shell's own clock, ${EPOCHREALTIME/./} (microseconds), which needs
# no fork: a command substitution around the clock would time a fork of the shell too.

# median, min and max of the numbers on stdin, one a line: "MEDIAN MIN MAX".
stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan nan nan"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.10g %.10g %.10g\n", m, v[1], v[NR] }'
}

# =============================================================================================
# The inner half: one measurement in a fresh namespace. Prints "RESULT KEY VALUE" lines.
# =============================================================================================

# The names of the entries in the instance, one a line.
entries() {
    local f
    for f in "$MNT"/*; do
        f=${f##*/}
        case $f in
            register | status | '*') ;;
            *) echo "$f" ;;
        esac
    done
}

inner_setup() {
    in_initial_userns && die "refusing to measure in the initial user namespace"
    NS=$(mktemp -d "$WORK/ns.XXXXXX")
    MNT=$NS/binfmt_misc
    mkdir "$MNT"
    mount -t binfmt_misc -o nosuid,nodev,noexec binfmt_misc "$MNT" ||
        die "cannot mount a private binfmt_misc instance (needs Linux 6.7 or newer)"
    # The default mount point shows the same private instance, so a command that is not
    # told where to write cannot reach the host's registrations either.
    mount -t binfmt_misc -o nosuid,nodev,noexec binfmt_misc /proc/sys/fs/binfmt_misc ||
        die "cannot cover /proc/sys/fs/binfmt_misc with the private instance"
    [ "$(stat -f -c %t "$MNT")" = 42494e4d ] || die "$MNT is not binfmt_misc"
    [ "$(stat -f -c %t /proc/sys/fs/binfmt_misc)" = 42494e4d ] ||
        die "/proc/sys/fs/binfmt_misc is not binfmt_misc"
    [ -z "$(entries)" ] || die "the binfmt_misc instance at $MNT is not empty: not a private one"
    # binfmtd's records live in /run on a real host: a tmpfs, as here. (On a disk file system
    # ext4 flushes a file renamed over another, and every record write would wait for it.)
    mkdir -m 0700 "$NS/state"
    mount -t tmpfs -o mode=0700 tmpfs "$NS/state" || die "cannot mount a tmpfs for the records"
    export BINFMTD_STATE_DIR=$NS/state
    DPID='' HPID='' RPID=''
    trap inner_cleanup EXIT
}

inner_cleanup() {
    stop_daemon || true
    [ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null
    return 0
}

# Fails unless exactly the expected entries are there, each enabled and with the F flag.
check_registered() {
    local got want n
    got=$(entries | sort | tr '\n' ' ')
    want=$(tr ' ' '\n' <<<"$NAMES" | sed '/^$/d' | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || die "$1: registered [$got], expected [$want]"
    for n in $NAMES; do
        grep -qx enabled "$MNT/$n" || die "$1: $n is not enabled"
        grep -q '^flags: .*F' "$MNT/$n" || die "$1: $n has no F flag"
    done
}

check_empty() {
    [ -z "$(entries)" ] || die "$1: the instance is not empty"
}

# write_config FILE TARGETS: the daemon's configuration for this instance.
write_config() {
    printf '[binfmtd]\nMountPoint=%s\nSocket=%s\nTargets=%s\nMaxConnections=128\n' \
        "$MNT" "$NS/io.binfmtd" "$2" >"$1"
}

# start_daemon CONF: binfmtd under notify-exec; sets DPID, HPID and READY_US.
start_daemon() {
    local deadline=$((SECONDS + 60))
    rm -f "$NS/ready"
    "$BIN/notify-exec" "$NS/notify" "$NS/ready" 30 "$BINFMTD" --config "$1" \
        >>"$NS/notify.log" 2>>"$NS/binfmtd.log" &
    HPID=$!
    until [ -s "$NS/ready" ]; do
        if ! kill -0 "$HPID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            cat "$NS/binfmtd.log" >&2
            HPID=''
            die "binfmtd did not send READY=1"
        fi
        sleep 0.01
    done
    read -r DPID READY_US <"$NS/ready"
}

stop_daemon() {
    local rc=0
    if [ -n "${DPID:-}" ]; then
        kill -TERM "$DPID" 2>/dev/null || true
    fi
    if [ -n "${HPID:-}" ]; then
        wait "$HPID" || rc=$?
    fi
    DPID='' HPID=''
    return $rc
}

rss_kb() {
    awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID/status"
}

# results PREFIX KEY=VALUE...: a helper's output line as RESULT lines, each key with PREFIX.
results() {
    local prefix=$1 kv
    shift
    for kv in "$@"; do
        echo "RESULT ${prefix}${kv%%=*} ${kv#*=}"
    done
}

# Loads the daemon; prints varlink-load's key=value line as RESULT lines with PREFIX.
load() {
    local prefix=$1 line
    shift
    line=$("$BIN/varlink-load" "$NS/io.binfmtd" "$@") || die "varlink-load $* failed"
    # shellcheck disable=SC2086 # the line's words are its pairs
    results "${prefix}_" $line
}

# binfmtctl install, direct mode, into the empty instance.
case_ctl() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    "$BINFMTCTL" --mount "$MNT" install $TARGETS >"$NS/out" 2>&1 ||
        { cat "$NS/out" >&2; die "binfmtctl install failed"; }
    t1=${EPOCHREALTIME/./}
    check_registered "binfmtctl install"
    echo "RESULT reg_ctl_us $((t1 - t0))"
}

# systemd-binfmt with one binfmt.d file per target.
case_sysd() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    "$SYSTEMD_BINFMT" "$WORK"/binfmt.d/*.conf >"$NS/out" 2>&1 ||
        { cat "$NS/out" >&2; die "systemd-binfmt failed"; }
    t1=${EPOCHREALTIME/./}
    check_registered "systemd-binfmt"
    echo "RESULT reg_sysd_us $((t1 - t0))"
}

# What starting each program costs before it does anything: --version.
case_exec() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    "$SYSTEMD_BINFMT" --version >/dev/null
    t1=${EPOCHREALTIME/./}
    echo "RESULT exec_sysd_us $((t1 - t0))"
    t0=${EPOCHREALTIME/./}
    "$BINFMTCTL" --version >/dev/null
    t1=${EPOCHREALTIME/./}
    echo "RESULT exec_ctl_us $((t1 - t0))"
}

# binfmtd with the default targets: start to READY=1 on the empty instance (it registers
# them), its memory when idle, then a restart that finds them registered (adopts them).
case_daemon() {
    write_config "$NS/binfmtd.conf" "$DEFAULT_TARGETS"
    start_daemon "$NS/binfmtd.conf"
    check_registered "binfmtd start"
    echo "RESULT ready_reg_us $READY_US"
    sleep 0.5
    echo "RESULT rss_idle_kb $(rss_kb VmRSS)"
    stop_daemon || die "binfmtd did not stop cleanly"
    start_daemon "$NS/binfmtd.conf"
    check_registered "binfmtd restart"
    # The restart adopted the entries: nothing was registered a second time.
    [ "$(grep -c ': registered (' "$NS/binfmtd.log")" = "$N_TARGETS" ] ||
        die "binfmtd registered entries again at restart"
    echo "RESULT ready_adopt_us $READY_US"
    stop_daemon || die "binfmtd did not stop cleanly"
}

# binfmtd with no targets: start to READY=1, then binfmtctl install through its socket.
case_daemon_socket() {
    local t0 t1
    write_config "$NS/binfmtd.conf" ""
    start_daemon "$NS/binfmtd.conf"
    check_empty "binfmtd with Targets="
    echo "RESULT ready_empty_us $READY_US"
    t0=${EPOCHREALTIME/./}
    "$BINFMTCTL" --socket "$NS/io.binfmtd" install $TARGETS >"$NS/out" 2>&1 ||
        { cat "$NS/out" >&2; die "binfmtctl --socket install failed"; }
    t1=${EPOCHREALTIME/./}
    check_registered "binfmtctl --socket install"
    # It must have gone through the daemon, not fallen back to direct mode.
    grep -q "Install of $N_TARGETS target(s) requested" "$NS/binfmtd.log" ||
        die "binfmtctl --socket install did not go through binfmtd"
    echo "RESULT reg_sock_us $((t1 - t0))"
    stop_daemon || die "binfmtd did not stop cleanly"
}

# GetStatus with 1, 16 and 64 clients against one daemon.
case_load() {
    write_config "$NS/binfmtd.conf" "$DEFAULT_TARGETS"
    start_daemon "$NS/binfmtd.conf"
    check_registered "binfmtd start"
    load c1 1 "$CALLS_1"
    load c16 16 "$CALLS_16"
    load c64 64 "$CALLS_64"
    stop_daemon || die "binfmtd did not stop cleanly"
}

# The daemon's memory after 1 000, 10 000 and 100 000 GetStatus calls
# (8 clients, no warm-up calls, so the counts are exact).
case_rss() {
    write_config "$NS/binfmtd.conf" "$DEFAULT_TARGETS"
    start_daemon "$NS/binfmtd.conf"
    check_registered "binfmtd start"
    "$BIN/varlink-load" "$NS/io.binfmtd" 8 125 0 >/dev/null || die "varlink-load failed"
    echo "RESULT rss_1k_kb $(rss_kb VmRSS)"
    "$BIN/varlink-load" "$NS/io.binfmtd" 8 1125 0 >/dev/null || die "varlink-load failed"
    echo "RESULT rss_10k_kb $(rss_kb VmRSS)"
    "$BIN/varlink-load" "$NS/io.binfmtd" 8 11250 0 >/dev/null || die "varlink-load failed"
    echo "RESULT rss_100k_kb $(rss_kb VmRSS)"
    echo "RESULT hwm_100k_kb $(rss_kb VmHWM)"
    kill -0 "$DPID" || die "binfmtd died under load"
    stop_daemon || die "binfmtd did not stop cleanly"
}

# vs_load KEY CLIENTS CALLS [--method=M] SOCKET: one raw load, as RESULT vs_KEY_... lines.
vs_load() {
    local key=$1 clients=$2 calls=$3 line
    shift 3
    line=$(${VS_CHRT:+chrt "$VS_CHRT" 0} "$BIN/varlink-load" --raw "$@" "$clients" "$calls") ||
        die "varlink-load $key failed"
    # shellcheck disable=SC2086 # the line's words are its pairs
    results "vs_${key}_" $line
}

# Side by side with the reference Varlink server (varlink-go-certification, Go), in one
# namespace, under the same load client with --raw (each reply read to its NUL, not parsed, so
# that the client costs little): binfmtd's GetStatus against the reference's GetInfo, with 16
# clients and with 1, in turn, REF_ROUNDS times. Results per round: vs_KEY lines.
case_versus() {
    local i
    write_config "$NS/binfmtd.conf" "$DEFAULT_TARGETS"
    start_daemon "$NS/binfmtd.conf"
    check_registered "binfmtd start"
    "$BIN/varlink-go-certification" --varlink="unix:$NS/reference" >"$NS/reference.log" 2>&1 &
    RPID=$!
    for _ in $(seq 100); do [ -S "$NS/reference" ] && break; sleep 0.05; done
    [ -S "$NS/reference" ] || { cat "$NS/reference.log" >&2; die "the reference server did not start"; }
    for i in $(seq "$REF_ROUNDS"); do
        vs_load d16 16 "$CALLS_VS_16" "$NS/io.binfmtd"
        vs_load r16 16 "$CALLS_VS_16" --method=org.varlink.service.GetInfo "$NS/reference"
        vs_load d1 1 "$CALLS_VS_1" "$NS/io.binfmtd"
        vs_load r1 1 "$CALLS_VS_1" --method=org.varlink.service.GetInfo "$NS/reference"
    done
    kill "$RPID"
    wait "$RPID" 2>/dev/null || true
    RPID=''
    stop_daemon || die "binfmtd did not stop cleanly"
}

# Changes behind binfmtd's back (event-latency): one of its entries removed, 50 times, until
# it is registered again; another tool's entry registered or removed, 50 times, until the
# Watch reply. The median of each run.
case_events() {
    local line name
    write_config "$NS/binfmtd.conf" "$DEFAULT_TARGETS"
    start_daemon "$NS/binfmtd.conf"
    check_registered "binfmtd start"
    name=${NAMES%% *}
    line=$("$BIN/event-latency" repair "$MNT" "$name" 50) || die "event-latency repair failed"
    # shellcheck disable=SC2086 # the line's words are its pairs
    results ev_repair_ $line
    line=$("$BIN/event-latency" watch "$MNT" "$NS/io.binfmtd" 50) || die "event-latency watch failed"
    # shellcheck disable=SC2086
    results ev_watch_ $line
    check_registered "after the changes"
    # One client's GetStatus calls on an idle daemon, then the same while binfmtctl verify runs
    # three times (each a verification: every target's probes started at once).
    vs_load idle 1 "$CALLS_BUSY" "$NS/io.binfmtd"
    "$BIN/varlink-load" --raw "$NS/io.binfmtd" 1 "$CALLS_BUSY" >"$NS/busy" 2>&1 &
    local lpid=$! v
    for v in 1 2 3; do
        "$BINFMTCTL" --socket "$NS/io.binfmtd" verify >"$NS/verify.out" 2>&1 ||
            [ $? = 1 ] || { cat "$NS/verify.out" >&2; die "binfmtctl verify failed"; }
    done
    kill -0 "$lpid" 2>/dev/null || die "the load ended before the verifications: raise CALLS_BUSY"
    wait "$lpid" || { cat "$NS/busy" >&2; die "varlink-load failed"; }
    # shellcheck disable=SC2046
    results vs_busy_ $(cat "$NS/busy")
    stop_daemon || die "binfmtd did not stop cleanly"
}

# Every registered target's probe in both passes, all at once (probe_run_many(), what a
# verification does) and one after another (probe_run()), and the chroot pass alone one target
# after another: verify-probes, PROBE_REPS repetitions, in this namespace's own instance.
case_probes() {
    local line
    "$BINFMTCTL" --mount "$MNT" install $TARGETS >"$NS/out" 2>&1 ||
        { cat "$NS/out" >&2; die "binfmtctl install failed"; }
    check_registered "binfmtctl install"
    # Beside the instance's other files: private, and on an exec-capable file system.
    mkdir -m 0700 "$NS/probes"
    line=$("$BIN/verify-probes" "$MNT" "$NS/probes" "$PROBE_REPS" 2>"$NS/err") ||
        { cat "$NS/err" >&2; die "verify-probes failed"; }
    [[ " $line " == *" targets=$N_TARGETS "* ]] ||
        { cat "$NS/err" >&2; die "verify-probes did not probe the $N_TARGETS registered targets"; }
    # shellcheck disable=SC2086
    results vp_ $line
    check_registered "verify-probes"
}

# Run once before the measurements: which of the default targets this host registers (the
# native family is refused), and the register strings binfmtctl plan prints for them, one
# binfmt.d file per target for systemd-binfmt.
case_prepare() {
    local t out line name
    mkdir -p "$WORK/binfmt.d"
    : >"$WORK/targets"
    : >"$WORK/skipped"
    for t in $DEFAULT_TARGETS; do
        if out=$("$BINFMTCTL" --mount "$MNT" plan "$t" 2>"$NS/err"); then
            line=$(grep '^  :' <<<"$out" | sed 's/^  //')
            [ "$(wc -l <<<"$line")" = 1 ] || die "plan $t: expected one register string"
            name=$(cut -d: -f2 <<<"$line")
            printf '%s\n' "$line" >"$WORK/binfmt.d/$name.conf"
            echo "$t $name" >>"$WORK/targets"
        elif grep -q "this host's own" "$NS/err"; then
            echo "$t" >>"$WORK/skipped"
        else
            cat "$NS/err" >&2
            die "binfmtctl plan $t failed"
        fi
    done
    check_empty "plan"
}

inner_main() {
    inner_setup
    case $1 in
        prepare) case_prepare ;;
        ctl) case_ctl ;;
        sysd) case_sysd ;;
        exec) case_exec ;;
        daemon) case_daemon ;;
        daemon-socket) case_daemon_socket ;;
        load) case_load ;;
        rss) case_rss ;;
        versus) case_versus ;;
        events) case_events ;;
        probes) case_probes ;;
        *) die "unknown case $1" ;;
    esac
}

if [ "${1:-}" = --inner ]; then
    WORK=$2
    # shellcheck source=/dev/null
    source "$WORK/env"
    inner_main "$3"
    exit 0
fi

# =============================================================================================
# The outer half: checks, build, the schedule of runs, and the table.
# =============================================================================================

usage() {
    sed -n 's/^#   //p' "$SELF"
    exit "${1:-2}"
}

WRITE=0 RUNS=11 LOAD_RUNS=5 RSS_RUNS=3 PROBE_RUNS=5 REF_RUNS=5 EVENT_RUNS=3 BUILD_IT=1
while [ $# -gt 0 ]; do
    case $1 in
        --write) WRITE=1 ;;
        --runs) RUNS=${2:?}; shift ;;
        --load-runs) LOAD_RUNS=${2:?}; shift ;;
        --rss-runs) RSS_RUNS=${2:?}; shift ;;
        --probe-runs) PROBE_RUNS=${2:?}; shift ;;
        --ref-runs) REF_RUNS=${2:?}; shift ;;
        --event-runs) EVENT_RUNS=${2:?}; shift ;;
        --no-build) BUILD_IT=0 ;;
        -h | --help) usage 0 ;;
        *) usage ;;
    esac
    shift
done
# Repetitions of the probe measurements within each of their runs.
PROBE_REPS=${PROBE_REPS:-31}
# Rounds of the side-by-side load within each of its runs.
REF_ROUNDS=${REF_ROUNDS:-3}
# The scheduling policy of the side-by-side load client: other (the default) or batch.
case ${VS_SCHED:-other} in
    other) VS_CHRT= ;;
    batch) VS_CHRT=--batch ;;
    *) die "VS_SCHED must be other or batch, not '$VS_SCHED'" ;;
esac
for n in "$RUNS" "$LOAD_RUNS" "$RSS_RUNS" "$PROBE_RUNS" "$PROBE_REPS" "$REF_RUNS" "$EVENT_RUNS" \
    "$REF_ROUNDS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "a run count must be a positive number, not '$n'"
done

[ "$(id -u)" = 0 ] || die "run as root: the interpreters must appear root-owned in the namespace"
in_initial_userns || die "run in the initial user namespace (it makes its own for each run)"
command -v unshare >/dev/null || die "unshare (util-linux) is missing"
command -v cc >/dev/null || die "a C compiler (cc) is missing"
pkg-config --exists json-c || die "json-c's development files (libjson-c-dev) are missing"
# The reference server: built here from Debian's sources, for the benchmark only.
GOSRC=/usr/share/gocode/src/github.com/varlink/go
command -v go >/dev/null && [ -d "$GOSRC/cmd/varlink-go-certification" ] ||
    die "the reference Varlink server needs Go and its sources: apt-get install golang-go golang-github-varlink-go-dev"

BUILD=${BUILD:-$ROOT/build}
if [ $BUILD_IT = 1 ]; then
    meson compile -C "$BUILD" >/dev/null || die "meson compile -C $BUILD failed"
fi
BINFMTCTL=$BUILD/tools/binfmtctl/binfmtctl
BINFMTD=$BUILD/daemon/binfmtd
[ -x "$BINFMTCTL" ] && [ -x "$BINFMTD" ] && [ -f "$BUILD/lib/libbinfmt.a" ] ||
    die "no build in $BUILD: run meson setup $BUILD && meson compile -C $BUILD"

SYSTEMD_BINFMT=
for f in /lib/systemd/systemd-binfmt /usr/lib/systemd/systemd-binfmt; do
    [ -x "$f" ] && { SYSTEMD_BINFMT=$f; break; }
done
[ -n "$SYSTEMD_BINFMT" ] || die "systemd-binfmt is missing (Debian: the systemd package)"

# The shipped default Targets=, as conf/binfmtd.conf shows it.
DEFAULT_TARGETS=$(sed -n 's/^#Targets=//p' "$ROOT/conf/binfmtd.conf")
[ -n "$DEFAULT_TARGETS" ] || die "no #Targets= line in conf/binfmtd.conf"

WORK=$(mktemp -d /tmp/binfmtd-bench.XXXXXX)
chmod 0755 "$WORK"
CHILD=
outer_cleanup() {
    set +e
    # Killing unshare kills the namespace's first process (--kill-child), and with it the
    # namespace and everything started in it.
    if [ -n "$CHILD" ]; then
        kill -KILL "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
    fi
    # Processes of the namespace may take a moment to die: try again while they write.
    for _ in 1 2 3 4 5; do
        rm -rf "$WORK" 2>/dev/null && break
        sleep 0.2
    done
}
trap outer_cleanup EXIT
trap 'exit 130' INT TERM

BIN=$WORK/bin
mkdir -p "$BIN" "$WORK/res"
read -r -a JSONC <<<"$(pkg-config --cflags --libs json-c)"
cc -O2 -Wall -Wextra -iquote "$ROOT/lib" -o "$BIN/varlink-load" "$BENCH_DIR/varlink-load.c" \
    "$BUILD/lib/libbinfmt.a" "${JSONC[@]}" -lpthread -lm ||
    die "cannot build varlink-load"
cc -O2 -Wall -Wextra -iquote "$ROOT/lib" -o "$BIN/notify-exec" "$BENCH_DIR/notify-exec.c" ||
    die "cannot build notify-exec"
cc -O2 -Wall -Wextra -o "$BIN/event-latency" "$BENCH_DIR/event-latency.c" ||
    die "cannot build event-latency"
# Offline, from the packaged sources (GOPATH mode: no module download).
GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE=$WORK/gocache GOFLAGS='' \
    go build -o "$BIN/varlink-go-certification" github.com/varlink/go/cmd/varlink-go-certification ||
    die "cannot build the reference server varlink-go-certification"
cc -O2 -Wall -Wextra -iquote "$ROOT/lib" -o "$BIN/verify-probes" "$BENCH_DIR/verify-probes.c" \
    "$BUILD/lib/libbinfmt.a" "${JSONC[@]}" -lpthread -lm ||
    die "cannot build verify-probes"

# Calls per client for each load level (about a second each here).
CALLS_1=${CALLS_1:-3000} CALLS_16=${CALLS_16:-250} CALLS_64=${CALLS_64:-80}
# And for the side-by-side load (about a second each).
CALLS_VS_1=${CALLS_VS_1:-20000} CALLS_VS_16=${CALLS_VS_16:-2500} CALLS_BUSY=${CALLS_BUSY:-40000}

# What the inner half needs, as shell assignments.
write_env() {
    local v
    for v in BIN BINFMTCTL BINFMTD SYSTEMD_BINFMT DEFAULT_TARGETS CALLS_1 CALLS_16 CALLS_64 \
        PROBE_REPS TARGETS NAMES N_TARGETS CALLS_VS_1 CALLS_VS_16 CALLS_BUSY REF_ROUNDS VS_CHRT; do
        printf '%s=%q\n' "$v" "${!v-}"
    done >"$WORK/env"
}

# run_inner CASE: one measurement in a fresh namespace; its results go to $WORK/res/KEY.
run_inner() {
    local out=$WORK/out.$1
    unshare --user --map-root-user --mount --pid --fork --mount-proc --kill-child \
        bash "$SELF" --inner "$WORK" "$1" >"$out" &
    CHILD=$!
    wait "$CHILD" || { CHILD=; die "the '$1' measurement failed"; }
    CHILD=
    awk '$1 == "RESULT" { print $3 >> (dir "/" $2) }' dir="$WORK/res" "$out"
}

unshare --user --map-root-user --mount true 2>/dev/null ||
    die "cannot create a user namespace (unshare --user --map-root-user --mount)"

write_env
run_inner prepare
TARGETS=$(awk '{ print $1 }' "$WORK/targets" | tr '\n' ' ' | sed 's/ $//')
NAMES=$(awk '{ print $2 }' "$WORK/targets" | tr '\n' ' ' | sed 's/ $//')
N_TARGETS=$(wc -l <"$WORK/targets")
SKIPPED=$(tr '\n' ' ' <"$WORK/skipped" | sed 's/ $//')
[ "$N_TARGETS" -gt 0 ] || die "no default target can be registered here (qemu-user-static?)"
write_env

echo "run.sh: $N_TARGETS targets ($TARGETS); native, skipped: ${SKIPPED:-none}" >&2
# runs COUNT WHAT CASE...: COUNT runs; the cases of one run go back to back, so that the
# machine's drift touches them alike.
runs() {
    local n=$1 what=$2 i c
    shift 2
    for i in $(seq "$n"); do
        echo "run.sh: $what, run $i of $n" >&2
        for c in "$@"; do
            run_inner "$c"
        done
    done
}
runs "$RUNS" "registration and start-up" sysd ctl daemon daemon-socket exec
runs "$LOAD_RUNS" "GetStatus load" load
runs "$REF_RUNS" "side by side with the reference server" versus
runs "$EVENT_RUNS" "changes behind binfmtd's back" events
runs "$RSS_RUNS" "memory under 100 000 GetStatus calls" rss
runs "$PROBE_RUNS" "verification probes ($PROBE_REPS repetitions each)" probes

# ---- the table ------------------------------------------------------------------------------

R=$WORK/res
med() { stats <"$R/$1" | cut -d' ' -f1; }
# ms KEY: median, and min–max, of microsecond values, in milliseconds.
ms() {
    stats <"$R/$1" | awk '{ printf "%.2f ms | %.2f–%.2f", $1 / 1000, $2 / 1000, $3 / 1000 }'
}
# ratio KEY: the median over the runs of KEY / reg_sysd_us in the same run.
ratio() {
    paste "$R/$1" "$R/reg_sysd_us" | awk '{ print $1 / $2 }' | stats |
        awk '{ printf "%.2f×", $1 }'
}
us() { stats <"$R/$1" | awk '{ printf "%.0f µs", $1 }'; }
kb() { stats <"$R/$1" | awk '{ printf "%.0f KiB", $1 }'; }
num() { stats <"$R/$1" | awk '{ printf "%.0f", $1 }'; }
ms1() { stats <"$R/$1" | awk '{ printf "%.1f ms", $1 / 1000 }'; }
x() { stats <"$R/$1" | awk '{ printf "%.2f×", $1 }'; }
# pair A B: the median of the per-round ratios A / B.
pair() {
    paste "$R/$1" "$R/$2" | awk '{ print $1 / $2 }' | stats | awk '{ printf "%.2f×", $1 }'
}
# goal_met OK: "yes" or "no".
yesno() { if [ "$1" = 1 ]; then echo yes; else echo no; fi; }

# row CELL...: one table row.
row() {
    printf '|'
    printf ' %s |' "$@"
    echo
}

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
table() {
    local c
    echo "Linux $(uname -r), $(nproc) CPUs ($CPU); $(date -u +%Y-%m-%d)."
    echo "Targets: $TARGETS ($N_TARGETS entries; native family skipped: ${SKIPPED:-none})."
    echo
    local tput p99d p99r p50 rss0 rss100 repair watch
    tput=$(paste "$R/vs_d16_calls_per_s" "$R/vs_r16_calls_per_s" | awk '{ print $1 / $2 }' | stats | cut -d' ' -f1)
    p99d=$(med vs_d16_p99_us) p99r=$(med vs_r16_p99_us) p50=$(med vs_d1_p50_us)
    rss0=$(med rss_idle_kb) rss100=$(med rss_100k_kb)
    repair=$(med ev_repair_p50_us) watch=$(med ev_watch_p50_us)
    echo "**Figures**, against the goals. The first three side by side with the reference Varlink"
    echo "server (varlink-go-certification, Go, from Debian's golang-github-varlink-go-dev) in one"
    echo "namespace, under the same load client (varlink-load --raw${VS_CHRT:+, at SCHED_BATCH}), in turn, $REF_ROUNDS rounds in"
    echo "each of $REF_RUNS runs; ratios are medians of the per-round ratios."
    echo
    row figure goal binfmtd reference met
    row --- --- ---: ---: ---
    row "GetStatus throughput, 16 clients, vs the reference's GetInfo" "≥ 1.5×" \
        "$(num vs_d16_calls_per_s) calls/s ($(pair vs_d16_calls_per_s vs_r16_calls_per_s))" \
        "$(num vs_r16_calls_per_s) calls/s" "$(yesno "$(awk -v t="$tput" 'BEGIN { print (t >= 1.5) }')")"
    row "GetStatus p99, 16 clients" "≤ the reference's" "$(us vs_d16_p99_us)" "$(us vs_r16_p99_us)" \
        "$(yesno "$(awk -v a="$p99d" -v b="$p99r" 'BEGIN { print (a <= b) }')")"
    row "GetStatus p50, 1 client" "≤ 50 µs" "$(us vs_d1_p50_us)" "$(us vs_r1_p50_us) (GetInfo)" \
        "$(yesno "$(awk -v a="$p50" 'BEGIN { print (a <= 50) }')")"
    row "RSS after start, after 100 000 GetStatus calls" "≤ 4 MiB, flat" \
        "$(kb rss_idle_kb), $(kb rss_100k_kb)" "" \
        "$(yesno "$(awk -v a="$rss0" -v b="$rss100" 'BEGIN { print (a <= 4096 && b <= 4096) }')")"
    row "an entry removed behind binfmtd's back → registered again (median of 50)" "≤ 10 ms" \
        "$(us ev_repair_p50_us)" "" "$(yesno "$(awk -v a="$repair" 'BEGIN { print (a <= 10000) }')")"
    row "an external change → the Watch reply (median of 50)" "≤ 10 ms" "$(us ev_watch_p50_us)" "" \
        "$(yesno "$(awk -v a="$watch" 'BEGIN { print (a <= 10000) }')")"
    echo
    echo "**Registration** of $N_TARGETS targets into an empty private instance, wall time of the"
    echo "command; median of $RUNS runs (ratio: median of the per-run ratios to systemd-binfmt)."
    echo
    row what median "min–max (ms)" "vs systemd-binfmt"
    row --- ---: ---: ---:
    row "\`systemd-binfmt FILE...\` ($N_TARGETS binfmt.d files)" "$(ms reg_sysd_us)" 1.00×
    row "\`binfmtctl --mount DIR install\` (direct mode)" "$(ms reg_ctl_us)" \
        "$(ratio reg_ctl_us)"
    row "\`binfmtd\` start → READY=1, registers all" "$(ms ready_reg_us)" \
        "$(ratio ready_reg_us)"
    row "\`binfmtctl --socket S install\` via a running binfmtd" "$(ms reg_sock_us)" \
        "$(ratio reg_sock_us)"
    row "*process start alone:* \`systemd-binfmt --version\`" "$(ms exec_sysd_us)" ""
    row "*process start alone:* \`binfmtctl --version\`" "$(ms exec_ctl_us)" ""
    echo
    echo "**Start-up**: \`binfmtd\` start → READY=1, median of $RUNS runs."
    echo
    row instance median "min–max (ms)"
    row --- ---: ---:
    row "no targets configured (nothing to register)" "$(ms ready_empty_us)"
    row "empty, $N_TARGETS targets to register" "$(ms ready_reg_us)"
    row "$N_TARGETS targets already registered (restart, adopted)" "$(ms ready_adopt_us)"
    echo
    echo "**GetStatus** over Varlink (reply $(num c1_reply_bytes) bytes of JSON), each client on"
    echo "its own connection making sequential calls; median over $LOAD_RUNS runs of each run's"
    echo "figure."
    echo
    row clients "calls per run" "latency p50" "latency p99" throughput
    row ---: ---: ---: ---: ---:
    for c in 1 16 64; do
        row "$c" "$(num "c${c}_calls")" "$(us "c${c}_p50_us")" "$(us "c${c}_p99_us")" \
            "$(num "c${c}_calls_per_s") calls/s"
    done
    echo
    echo "**GetStatus while verifications run**: one client's $(num vs_busy_calls) sequential calls on"
    echo "an idle daemon, then the same while \`binfmtctl verify\` runs three times (each starts"
    echo "every registered target's probes at once); median over $EVENT_RUNS runs."
    echo
    row "" "latency p50" "latency p99" "latency max"
    row --- ---: ---: ---:
    row "idle" "$(us vs_idle_p50_us)" "$(us vs_idle_p99_us)" "$(us vs_idle_max_us)"
    row "while verifications run" "$(us vs_busy_p50_us)" "$(us vs_busy_p99_us)" \
        "$(us vs_busy_max_us)"
    echo
    echo "**Memory**: binfmtd's VmRSS, median of $RUNS runs (idle) and of $RSS_RUNS runs (under"
    echo "load)."
    echo
    row when VmRSS
    row --- ---:
    row "idle, 0.5 s after READY=1" "$(kb rss_idle_kb)"
    row "after 1 000 GetStatus calls" "$(kb rss_1k_kb)"
    row "after 10 000 GetStatus calls" "$(kb rss_10k_kb)"
    row "after 100 000 GetStatus calls" "$(kb rss_100k_kb)"
    row "peak (VmHWM) after 100 000 calls" "$(kb hwm_100k_kb)"
    echo
    echo "**Verification** of the $N_TARGETS registered targets: each one's probe from the host and"
    echo "in an empty chroot ($(num vp_probes) probes), all at once and one after another, and the"
    echo "chroot pass alone, one target after another. Wall time of the whole set: median over"
    echo "$PROBE_RUNS runs of each run's median and p90 of $PROBE_REPS repetitions; ratio: median of"
    echo "the per-repetition ratios of the parallel time to this one; per probe: wall time ÷ probes,"
    echo "and the CPU time (user + system) of the probes and of the runner ÷ probes."
    echo
    row how probes median p90 "wall per probe" "CPU per probe" "runner CPU per probe" \
        "parallel ÷ this"
    row --- ---: ---: ---: ---: ---: ---: ---:
    vprow() {
        row "$1" "$(num "vp_${2}_probes")" "$(ms1 "vp_${2}_p50_us")" "$(ms1 "vp_${2}_p90_us")" \
            "$(us "vp_${2}_wall_per_probe_us")" "$(us "vp_${2}_cpu_per_probe_us")" \
            "$(us "vp_${2}_self_per_probe_us")" "$3"
    }
    vprow "all at once: one \`probe_run_many()\` (a verification)" par 1.00×
    vprow "one after another: \`probe_run()\` each" seq "$(x vp_ratio_seq)"
    vprow "chroot pass alone, one target after another" seqc "$(x vp_ratio_seqc)"
}

table | tee "$WORK/results.md"
if [ $WRITE = 1 ]; then
    cp "$WORK/results.md" "$BENCH_DIR/results.md"
    echo "run.sh: wrote $BENCH_DIR/results.md" >&2
fi
