#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtd in a booted, user-namespaced system container, as unprivileged LXD and Incus run them:
# a Debian 12 root with a real systemd, the units and programs installed by `meson install`,
# booted with `systemd-nspawn -U`. There /proc/sys is read-only, yet binfmtd (shipped
# configuration, no drop-in) must mount the container's own binfmt_misc, register and verify:
# the service is active, `binfmtctl status --require linux/arm64` exits 0 inside, an arm64
# program runs inside, `systemctl reload binfmtd` works, and the machine's binfmt_misc is
# untouched.
#
# The container has a user namespace of its own (-U), so its binfmt_misc is a private instance
# (Linux 6.7+): nothing it registers reaches this machine. Runs in the normal build only (the
# container has no sanitizer runtime).
source "$(dirname "$0")/lib.sh"
make_work_dir

SRC=$(cd "$TESTS_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$(cd "$(dirname "$BINFMTD")/.." && pwd)}
CACHE=$BUILD_DIR/container-test
NAME=binfmtd-test-$$

if ldd "$BINFMTD" 2>/dev/null | grep -q libasan; then
    echo "1..0 # SKIP runs in the normal build only (the container has no sanitizer runtime)"
    exit 0
fi
[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, systemd-nspawn)"
for c in systemd-nspawn debootstrap nsenter; do
    command -v "$c" >/dev/null || skip_all "$c is not installed (apt-get install systemd-container debootstrap)"
done
build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
unshare --user --map-root-user --mount sh -c 'd=$(mktemp -d) && mount -t binfmt_misc binfmt_misc "$d"' \
    2>/dev/null || skip_all "cannot mount a private binfmt_misc instance (needs Linux 6.7 or newer)"

before=$(host_binfmt_state)

# The root: the minimal Debian 12 the container image test uses too (systemd, Debian's QEMU),
# made once and cached in the build directory.
ROOT_TAR=$(debian_root_tar "$CACHE") ||
    skip_all "debootstrap of the container's root failed (see $CACHE/debootstrap.log)"
ROOT=$WORK/root
mkdir -p "$ROOT"
tar -C "$ROOT" --numeric-owner -xf "$ROOT_TAR"

# The project, as `meson install` puts it, and its units enabled as an administrator would.
run meson install -C "$BUILD_DIR" --destdir "$ROOT" --no-rebuild --quiet
check "meson install into the container's root (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { diag "$err"; done_testing; }
unit=$(find "$ROOT" -name binfmtd.service -path '*/systemd/system/*' | head -n1)
check "the service unit is installed where systemd finds it" test -n "$unit"
run systemctl --root="$ROOT" enable binfmtd.socket binfmtd.service
check "systemctl --root enable (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$err"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
BINFMTCTL_IN=$(dirname "$(dirname "$exec_start")")/bin/binfmtctl
cp "$WORK/hello-arm64" "$ROOT/hello-arm64"
echo "$NAME" >"$ROOT/etc/hostname"

trap 'container_stop; rm -rf "$WORK"' EXIT
container_boot "$ROOT" "$NAME"
check "the container boots (PID 1 is systemd)" test -n "$PID1"
if [ -z "$PID1" ]; then
    diag "$(tail -n 30 "$WORK/console.log")"
    done_testing
fi

check "the container finishes booting" wait_until 120 booted
diag "system state: $out"
[ "$out" = degraded ] && inside systemctl --failed --no-legend && diag "$out"
inside systemctl is-active binfmtd.service
check "binfmtd.service is active in the container ($out)" test "$out" = active
if [ "$out" != active ]; then
    inside journalctl -b -u binfmtd.service -u binfmtd.socket --no-pager
    diag "$out"
fi
inside journalctl -b -u binfmtd.service --no-pager -o cat
journal=$out
check "its log says its registrations serve this container only" \
    grep -q "Running in a user namespace: a binfmt_misc instance mounted here is this namespace's own" <<<"$journal"
check "and that it mounted the container's binfmt_misc" grep -q "Mounted binfmt_misc at /proc/sys/fs/binfmt_misc" <<<"$journal"

inside "$BINFMTCTL_IN" wait --require linux/arm64 --timeout 60
check "binfmtctl wait --require linux/arm64 inside (exit $rc)" test "$rc" -eq 0
inside "$BINFMTCTL_IN" status --require linux/arm64
check "binfmtctl status --require linux/arm64 exits 0 inside (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$out$err"
inside "$BINFMTCTL_IN" status
check "status says the instance is this container's" grep -q "^Namespace: *a user namespace" <<<"$out"
inside /hello-arm64
check "an arm64 program runs inside (exit $rc)" test "$rc" -eq 7 -a "$out" = "hello from arm64"

inside systemctl reload binfmtd.service
check "systemctl reload binfmtd works (exit $rc)" test "$rc" -eq 0
inside systemctl is-active binfmtd.service
check "and it is still active ($out)" test "$out" = active
inside journalctl -b -u binfmtd.service --no-pager -o cat
check "the reload is in its log" grep -q "Reloading the configuration" <<<"$out"
check "no reload failed" bash -c '! grep -q "Reload failed" <<<"$0"' "$out"
inside /hello-arm64
check "the arm64 program still runs after the reload (exit $rc)" test "$rc" -eq 7

check "the machine's binfmt_misc is untouched" test "$(host_binfmt_state)" = "$before"

done_testing
