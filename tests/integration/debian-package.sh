#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package, for real: built with dpkg-buildpackage from a clean copy of the tree,
# checked with lintian, installed with Debian's qemu-user-static (the .deb from apt's cache)
# into a debootstrapped Debian 12 root, booted with a real systemd in systemd-nspawn -U. With no
# further step binfmtd.service is active, an arm64 program runs and `binfmtctl status --require
# linux/arm64` exits 0. Then `dpkg --purge` removes every file, /etc/binfmtd and binfmtd's
# entries, and leaves another tool's entry alone.
#
# The container has a user namespace of its own, so its binfmt_misc is a private instance: the
# machine's is never touched. Runs in the normal build only.
source "$(dirname "$0")/lib.sh"
make_work_dir

SRC=$(cd "$TESTS_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$(cd "$(dirname "$BINFMTD")/.." && pwd)}
CACHE=$BUILD_DIR/container-test
NAME=binfmtd-pkg-$$

if ldd "$BINFMTD" 2>/dev/null | grep -q libasan; then
    echo "1..0 # SKIP runs in the normal build only (the package builds its own binfmtd)"
    exit 0
fi
[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, systemd-nspawn)"
for c in dpkg-buildpackage dh lintian systemd-nspawn debootstrap nsenter; do
    command -v "$c" >/dev/null ||
        skip_all "$c is not installed (apt-get install dpkg-dev debhelper lintian systemd-container debootstrap)"
done
build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
QEMU_DEB=$(ls /var/cache/apt/archives/qemu-user-static_*.deb 2>/dev/null | tail -n1)
if [ -z "$QEMU_DEB" ]; then
    (cd "$WORK" && apt-get download -q qemu-user-static >/dev/null 2>&1)
    QEMU_DEB=$(ls "$WORK"/qemu-user-static_*.deb 2>/dev/null | tail -n1)
fi
[ -n "$QEMU_DEB" ] || skip_all "no qemu-user-static .deb in apt's cache, and none could be downloaded"

before=$(host_binfmt_state)

# ---- build -----------------------------------------------------------------------------------

# A clean tree: what git has (tracked and new, nothing ignored), no build directories.
mkdir -p "$WORK/src"
if [ -d "$SRC/.git" ] && command -v git >/dev/null; then
    git -C "$SRC" ls-files -z --cached --others --exclude-standard |
        (cd "$SRC" && xargs -0 cp --parents -t "$WORK/src")
else
    tar -C "$SRC" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$WORK/src" -xf -
fi
version=$(sed -n '1s/^binfmtd (\([^)]*\)).*/\1/p' "$SRC/debian/changelog")
arch=$(dpkg --print-architecture)
(cd "$WORK/src" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b builds (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { diag "$(tail -n 30 "$WORK/build.log")"; done_testing; }
DEB=$WORK/binfmtd_${version}_${arch}.deb
check "binfmtd_${version}_${arch}.deb is there" test -s "$DEB"
contents=$(dpkg-deb -c "$DEB" | awk '{ print $6 }')
for f in ./usr/sbin/binfmtd ./usr/bin/binfmtctl ./lib/systemd/system/binfmtd.service \
    ./lib/systemd/system/binfmtd.socket ./etc/binfmtd/binfmtd.conf \
    ./usr/share/man/man8/binfmtd.8.gz ./usr/share/man/man1/binfmtctl.1.gz \
    ./usr/share/man/man5/binfmtd.conf.5.gz ./usr/share/bash-completion/completions/binfmtctl; do
    check "the package has $f" grep -qx -- "$f" <<<"$contents"
done
check "binfmtd.conf is a conffile" \
    bash -c 'dpkg-deb --ctrl-tarfile "$0" | tar -xOf - ./conffiles | grep -qx /etc/binfmtd/binfmtd.conf' "$DEB"
check "it depends on the static emulators" \
    bash -c 'dpkg-deb -f "$0" Depends | grep -q "qemu-user-static (>= 1:7.2) | qemu-user (>= 1:9.2)"' "$DEB"
run lintian "$WORK/binfmtd_${version}_${arch}.changes"
check "lintian reports no errors" bash -c '! grep -q "^E: " <<<"$0"' "$out"
[ -n "$out" ] && diag "$out"

# ---- install into a Debian 12 root and boot it --------------------------------------------

ROOT_TAR=$(debian_root_tar "$CACHE") || skip_all "debootstrap of the root failed (see $CACHE/debootstrap.log)"
ROOT=$WORK/root
mkdir -p "$ROOT"
tar -C "$ROOT" --numeric-owner -xf "$ROOT_TAR"
cp "$QEMU_DEB" "$DEB" "$ROOT/tmp/"
# dpkg in the root, with a /proc of its own in a mount namespace that goes with it. No systemd
# runs there, so the maintainer scripts enable the units without starting them.
run unshare --mount --fork sh -c 'mount -t proc proc "$0/proc" && chroot "$0" dpkg -i /tmp/"$1" /tmp/"$2"' \
    "$ROOT" "$(basename "$QEMU_DEB")" "$(basename "$DEB")"
check "dpkg -i qemu-user-static and binfmtd in the root (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$out$err"
cp "$WORK/hello-arm64" "$ROOT/hello-arm64"
echo "$NAME" >"$ROOT/etc/hostname"

trap 'container_stop; rm -rf "$WORK"' EXIT
container_boot "$ROOT" "$NAME"
check "the container boots" test -n "$PID1"
[ -n "$PID1" ] || { diag "$(tail -n 30 "$WORK/console.log")"; done_testing; }
check "the container finishes booting" wait_until 120 booted

inside systemctl is-active binfmtd.service
check "binfmtd.service is active with no further step ($out)" test "$out" = active
inside systemctl is-enabled binfmtd.socket binfmtd.service
check "binfmtd.socket and binfmtd.service are enabled" test "$(tr '\n' ' ' <<<"$out")" = "enabled enabled "
inside binfmtctl wait --require linux/arm64 --timeout 60
inside binfmtctl status --require linux/arm64
check "binfmtctl status --require linux/arm64 exits 0 ($rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$out$err"
inside /hello-arm64
check "an arm64 program runs (exit $rc)" test "$rc" -eq 7

# ---- purge -----------------------------------------------------------------------------------

# The container's instance, visible where dpkg runs too (binfmtd mounted it for itself), with
# another tool's entry in it.
inside mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
inside sh -c 'printf "%s" ":foreign-test:E::footest::/bin/true:" >/proc/sys/fs/binfmt_misc/register'
check "another tool's entry is registered" inside test -e /proc/sys/fs/binfmt_misc/foreign-test
inside dpkg --purge binfmtd
check "dpkg --purge binfmtd (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$out$err"
for f in /usr/sbin/binfmtd /usr/bin/binfmtctl /lib/systemd/system/binfmtd.service \
    /lib/systemd/system/binfmtd.socket /etc/binfmtd /usr/share/man/man8/binfmtd.8.gz \
    /usr/share/bash-completion/completions/binfmtctl /run/binfmtd /var/lib/binfmtd; do
    check "purged: $f" inside test ! -e "$f"
done
inside dpkg-query -W -f '${Status}' binfmtd
check "dpkg knows it no more ($out)" bash -c '[ -z "$0" ] || [ "$0" = "unknown ok not-installed" ]' "$out"
inside systemctl is-active binfmtd.service
check "the service is gone ($out)" test "$out" != active
inside ls /proc/sys/fs/binfmt_misc
check "binfmtd's entries are removed" bash -c '! grep -q "^qemu-" <<<"$0"' "$out"
check "another tool's entry stays" grep -qx foreign-test <<<"$out"
inside /hello-arm64
check "arm64 programs no longer run (exit $rc)" test "$rc" -ne 7

check "the machine's binfmt_misc is untouched" test "$(host_binfmt_state)" = "$before"

done_testing
