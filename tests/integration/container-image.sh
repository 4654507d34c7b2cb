#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The container image, built for real with podman from deploy/Containerfile and run as
# tonistiigi/binfmt's image is run: `--install arm64` in a privileged container, after which an
# arm64 program runs, on the machine and in a container; the status JSON of a run without
# arguments; --version; and binfmtd in the foreground as the image's second mode.
#
# Offline: the base image is a Debian 12 root made here with debootstrap (cached in the build
# directory, as is podman's storage) and imported; nothing is pulled from a registry, and the
# build and the containers have no network. Everything runs in a user namespace of its own with
# a wide id map (podman needs more than uid 0), whose binfmt_misc is a private instance: the
# privileged containers register there, never on the host.
#
# Runs in the normal build only: the image compiles its own binfmtd, so the sanitizer build
# would test nothing more, at the cost of a second image build.
source "$(dirname "$0")/lib.sh"
# The outer run makes the work directory; the run in the user namespace inherits it.
[ -n "${BINFMTD_TEST_WIDE_NS:-}" ] || make_work_dir

SRC=$(cd "$TESTS_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$(cd "$(dirname "$BINFMTCTL")/.." && pwd)}
CACHE=$BUILD_DIR/container-test
BASE_TAR=$CACHE/base-bookworm.tar
BASE_IMAGE=localhost/binfmtd-test-base:bookworm
IMAGE=localhost/binfmtd-test:latest

if [ -z "${BINFMTD_TEST_WIDE_NS:-}" ]; then
    if ldd "$BINFMTCTL" 2>/dev/null | grep -q libasan; then
        echo "1..0 # SKIP runs in the normal build only (the image builds its own binfmtd)"
        exit 0
    fi
    for c in podman runc debootstrap unshare setpriv; do
        command -v "$c" >/dev/null || skip_all "$c is not installed (apt-get install podman runc debootstrap)"
    done
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    if ! unshare --user --map-root-user --mount sh -c \
        'd=$(mktemp -d) && mount -t binfmt_misc binfmt_misc "$d"' 2>/dev/null; then
        skip_all "cannot mount a private binfmt_misc instance (needs Linux 6.7 or newer)"
    fi

    # The base image: a minimal Debian 12 with what every stage needs, made once.
    BASE_TAR=$(debian_root_tar "$CACHE") ||
        skip_all "debootstrap of the base image failed (see $CACHE/debootstrap.log)"

    # A user namespace with ids 0..65535 mapped to themselves: started blocked on a FIFO, the
    # maps written from here (real root may), then let go.
    mkfifo "$WORK/go"
    export WORK BINFMTD_TEST_WIDE_NS=1
    unshare --user --mount --fork bash -c 'read -r _ <"$0" && exec bash "$1"' "$WORK/go" "$0" &
    ns_pid=$!
    self_ns=$(readlink /proc/self/ns/user)
    wait_until 10 bash -c '[ "$(readlink /proc/$0/ns/user 2>/dev/null)" != "$1" ]' "$ns_pid" "$self_ns" ||
        skip_all "cannot create a user namespace"
    if ! echo "0 0 65536" >"/proc/$ns_pid/uid_map" || ! echo "0 0 65536" >"/proc/$ns_pid/gid_map"; then
        echo >"$WORK/go"
        wait "$ns_pid"
        skip_all "cannot map ids 0..65535 into a user namespace (needs real root)"
    fi
    echo >"$WORK/go"
    wait "$ns_pid"
    exit $?
fi

# ---- inside the user namespace ---------------------------------------------------------------

if in_initial_userns; then
    echo "Bail out! refusing to run in the initial user namespace"
    exit 1
fi
MNT=$WORK/binfmt_misc
mkdir -p "$MNT"
mount -t binfmt_misc binfmt_misc "$MNT" 2>/dev/null ||
    skip_all "cannot mount a private binfmt_misc instance (needs Linux 6.7 or newer)"
mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || {
    echo "Bail out! cannot cover /proc/sys/fs/binfmt_misc with the private instance"
    exit 1
}
if [ -n "$(ls "$MNT" | grep -v -x -e register -e status)" ]; then
    echo "Bail out! the binfmt_misc instance at $MNT is not empty: not a private one"
    exit 1
fi

# Fixed places: podman records them in its database beside the images.
mkdir -p "$CACHE/run" "$CACHE/tmp"
PODMAN=(podman --root "$CACHE/storage" --runroot "$CACHE/run" --tmpdir "$CACHE/tmp"
    --cgroup-manager cgroupfs --runtime runc --events-backend file --storage-driver overlay)
RUN_OPTS=(--rm --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

cleanup() {
    "${PODMAN[@]}" rm -f -t 0 binfmtd-test-daemon >/dev/null 2>&1
    "${PODMAN[@]}" image prune -f >/dev/null 2>&1
}
trap cleanup EXIT

# prun ARGS...: podman with the settings above; stdout, stderr and exit code as run() gives.
prun() {
    run "${PODMAN[@]}" "$@"
}

if ! "${PODMAN[@]}" image exists "$BASE_IMAGE"; then
    prun import "$BASE_TAR" "$BASE_IMAGE"
    if [ "$rc" -ne 0 ]; then
        diag "$err"
        skip_all "podman cannot import an image here"
    fi
fi

SECONDS=0
prun build --pull=never --network=none --build-arg "BASE=$BASE_IMAGE" \
    -f "$SRC/deploy/Containerfile" -t "$IMAGE" "$SRC"
check "the image builds from deploy/Containerfile, offline (exit $rc, ${SECONDS}s)" test "$rc" -eq 0
if [ "$rc" -ne 0 ]; then
    diag "$(tail -n 30 <<<"$out$err")"
    done_testing
fi

case $(uname -m) in
    x86_64) native_qemu=x86_64 ;;
    *) native_qemu=$(uname -m) ;;
esac
prun run "${RUN_OPTS[@]}" --entrypoint /bin/sh "$IMAGE" -c 'cd /usr/bin && ls qemu-*'
check "the image has qemu-aarch64 under tonistiigi's and Debian's names" \
    bash -c 'grep -qx qemu-aarch64 <<<"$0" && grep -qx qemu-aarch64-static <<<"$0"' "$out"
# (Only the tonistiigi name is checked: the test's base image has all of qemu-user-static.)
check "the image's platform ($native_qemu) gets no emulator of its own (TARGETARCH)" \
    bash -c '! grep -qx "qemu-$1" <<<"$0"' "$out" "$native_qemu"

prun run "${RUN_OPTS[@]}" "$IMAGE" --version
check "--version: exit 0 (exit $rc)" test "$rc" -eq 0
check "--version reports binfmtd's and Debian's QEMU versions ($err)" \
    grep -Eq "^binfmtd/[0-9][^ ]* qemu/v[0-9]+\.[0-9]+.*Debian" <<<"$err"
check "--version prints nothing on stdout" test -z "$out"

run "$WORK/hello-arm64"
check "the arm64 program fails before the container runs (exit $rc)" test "$rc" -eq 126

prun run "${RUN_OPTS[@]}" --privileged "$IMAGE" --install arm64
check "--install arm64 in a privileged container: exit 0 (exit $rc)" test "$rc" -eq 0
check "--install arm64: 'installing: arm64 OK' on stderr" grep -qx "installing: arm64 OK" <<<"$err"
check "--install arm64: the JSON lists linux/arm64 as supported" \
    bash -c 'jq -e ".supported | index(\"linux/arm64\")" <<<"$0" >/dev/null' "$out"
diag "$err"
check "the entry names the image's interpreter, with F and P (QEMU_PRESERVE_ARGV0=1)" \
    test "$(sed -n '2,3p' "$MNT/qemu-aarch64" 2>/dev/null | tr '\n' '|')" = "interpreter /usr/bin/qemu-aarch64|flags: PF|"

run "$WORK/hello-arm64"
check "an arm64 program runs here after the container is gone (F)" \
    test "$rc" -eq 7 -a "$out" = "hello from arm64"

# An arm64 container: the image is only the program, no QEMU inside.
mkdir -p "$WORK/arm64-image"
cp "$WORK/hello-arm64" "$WORK/arm64-image/hello"
printf 'FROM scratch\nCOPY hello /hello\nENTRYPOINT ["/hello"]\n' >"$WORK/arm64-image/Containerfile"
prun build --pull=never --network=none --platform linux/arm64 -t localhost/binfmtd-test-arm64 \
    "$WORK/arm64-image"
prun run "${RUN_OPTS[@]}" --platform linux/arm64 localhost/binfmtd-test-arm64
check "an arm64 container runs (exit $rc)" test "$rc" -eq 7 -a "$out" = "hello from arm64"

prun run "${RUN_OPTS[@]}" --privileged "$IMAGE"
check "no arguments: exit 0 (exit $rc)" test "$rc" -eq 0
check "no arguments: stdout is only the JSON, supported then emulators" \
    bash -c 'jq -e "keys_unsorted == [\"supported\",\"emulators\"]" <<<"$0" >/dev/null' "$out"
check "no arguments: emulators lists qemu-aarch64" \
    bash -c 'jq -e ".emulators == [\"qemu-aarch64\"]" <<<"$0" >/dev/null' "$out"
check "no arguments: nothing on stderr ($err)" test -z "$err"

prun run "${RUN_OPTS[@]}" --privileged "$IMAGE" --uninstall 'qemu-*'
check "--uninstall qemu-* (setup-qemu-action's reset)" \
    bash -c '[ "$0" -eq 0 ] && grep -qx "uninstalling: qemu-aarch64 OK" <<<"$1" && [ ! -e "$2/qemu-aarch64" ]' \
    "$rc" "$err" "$MNT"

# docker/setup-qemu-action's sequence: --install with its platforms, then a silent run whose
# "supported" becomes the action's output.
prun run "${RUN_OPTS[@]}" --privileged "$IMAGE" --install all
check "--install all: exit 0 (exit $rc)" test "$rc" -eq 0
check "--install all: every install OK" \
    bash -c 'grep -q "^installing: riscv64 OK$" <<<"$0" && ! grep "^installing: " <<<"$0" | grep -qv " OK$"' "$err"
prun run "${RUN_OPTS[@]}" --privileged "$IMAGE"
check "after --install all: linux/riscv64 and linux/s390x are supported" \
    bash -c 'jq -e "(.supported | index(\"linux/riscv64\")) and (.supported | index(\"linux/s390x\"))" <<<"$0" >/dev/null' "$out"
# Natively or through QEMU, as the kernel measured inside the container decides.
if [ "$(uname -m)" = x86_64 ]; then
    check "after --install all: linux/386 is supported" \
        bash -c 'jq -e ".supported | index(\"linux/386\")" <<<"$0" >/dev/null' "$out"
fi
prun run "${RUN_OPTS[@]}" --privileged "$IMAGE" --uninstall 'qemu-*'
check "and --uninstall qemu-* removes them all" test -z "$(ls "$MNT" | grep -v -x -e register -e status)"

# The second mode: binfmtd in the foreground, as the DaemonSet runs it.
prun run -d --name binfmtd-test-daemon --network=none --ulimit nofile=1024:1024 \
    --ulimit nproc=1024:1024 --privileged --entrypoint binfmtd "$IMAGE"
check "binfmtd starts in the foreground (exit $rc)" test "$rc" -eq 0
ready() {
    "${PODMAN[@]}" exec binfmtd-test-daemon binfmtctl status --require linux/arm64,linux/riscv64 \
        >/dev/null 2>&1
}
wait_until 60 ready
prun exec binfmtd-test-daemon binfmtctl status --require linux/arm64,linux/riscv64
check "the readiness probe's command says ready (exit $rc)" test "$rc" -eq 0
prun exec binfmtd-test-daemon binfmtctl status --require linux/arm64,linux/sparc64
check "and not ready for a platform the image has no emulator for (exit $rc)" test "$rc" -eq 3
check "the daemon registered arm64 in the instance" test -e "$MNT/qemu-aarch64"
run "$WORK/hello-arm64"
check "an arm64 program runs through the daemon's registration" test "$rc" -eq 7
prun stop -t 10 binfmtd-test-daemon
check "binfmtd stops on SIGTERM (exit $rc)" test "$rc" -eq 0
prun logs binfmtd-test-daemon
diag "$(tail -n 5 <<<"$out$err")"

done_testing
