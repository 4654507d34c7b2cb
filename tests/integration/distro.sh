#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The distribution's own QEMU registrations, as a Debian host has them at boot, in a private
# binfmt_misc instance: Debian's binfmt.d files registered by the real systemd-binfmt before
# binfmtd starts with the shipped targets. Entries that do the job provide their targets (no
# problem, verified, shown with the file they came from); one that does not is a problem whose
# message says what is wrong and how to fix it; `systemd-binfmt --unregister` (what stopping
# systemd-binfmt.service runs) removes them all and binfmtd restores the targets; a restart of
# systemd-binfmt flushes every entry and registers Debian's again; binfmtd, which registered
# those names in this instance, keeps its targets as configured. The same with binfmt-support's
# update-binfmts, whose entries of Debian's formats provide their targets too.
source "$(dirname "$0")/lib.sh"
make_work_dir

SYSTEMD_BINFMT=
for f in /lib/systemd/systemd-binfmt /usr/lib/systemd/systemd-binfmt; do
    [ -x "$f" ] && SYSTEMD_BINFMT=$f && break
done

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -n "$SYSTEMD_BINFMT" ] || skip_all "systemd-binfmt is missing"
    [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ] ||
        skip_all "qemu-user-static's binfmt.d files are missing"
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    build_foreign riscv64 >/dev/null || skip_all "no toolchain to build the riscv64 test program"
    # binfmt-support's update-binfmts, unpacked here rather than installed: installing the
    # package would register Debian's formats on this machine.
    (cd "$WORK" && apt-get download -q binfmt-support >/dev/null 2>&1 &&
        dpkg -x binfmt-support_*.deb "$WORK/binfmt-support") || true
fi
enter_private_instance
trap 'stop_daemon' EXIT

ARM64=$WORK/hello-arm64
CONF=$WORK/binfmtd.conf
SOCK=$WORK/io.binfmtd
ctld() { run "$BINFMTCTL" --socket "$SOCK" "$@"; }
# The wanted targets Debian registers on this host: the shipped list minus the host's family.
case $(uname -m) in
    x86_64) DEBIAN_WANTED=8 ;;     # arm64 riscv64 ppc64le s390x mips64le mips64 loong64 arm/v7
    aarch64) DEBIAN_WANTED=8 ;;    # amd64 riscv64 ppc64le s390x 386 mips64le mips64 loong64
    *) DEBIAN_WANTED= ;;
esac

# systemd-binfmt uses /proc/sys/fs/binfmt_misc, which lib.sh covered with the private instance.
run "$SYSTEMD_BINFMT"
check "systemd-binfmt registers Debian's entries here (exit $rc)" test "$rc" -eq 0 -a -e "$MNT/qemu-aarch64"
check "Debian's entry: POF, through /usr/libexec/qemu-binfmt" \
    test "$(sed -n 2,3p "$MNT/qemu-aarch64" | tr '\n' '|')" = "interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P|flags: POF|"

# A package that registers riscv64 without F: interpreters would be looked up inside each
# container. That entry does not do the job.
line=$(grep -v '^#' /usr/lib/binfmt.d/qemu-riscv64.conf | head -n1)
echo -1 >"$MNT/qemu-riscv64"
printf '%s' "${line%:*}:PO" >"$MNT/register"
check "a riscv64 entry without F is in place" test "$(sed -n 3p "$MNT/qemu-riscv64")" = "flags: PO"

# ---- binfmtd starts after it, with the shipped targets ------------------------------------------

write_config "$CONF" "ReconcileIntervalSec=1"
check "binfmtd starts with the shipped targets" start_daemon --config "$CONF"
check "Debian's entries are left alone" \
    test "$(sed -n 2p "$MNT/qemu-aarch64")" = "interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P"
check "no entry that does the job is a problem" \
    bash -c '! grep "did not register" "$0" | grep -qv "^binfmtd: qemu-riscv64:"' "$WORK/binfmtd.log"
if [ -n "$DEBIAN_WANTED" ]; then
    check "Ready: $((DEBIAN_WANTED - 1)) provided by other tools, 1 problem" \
        grep -Eq "^binfmtd: Ready: [0-9]+ targets? registered, $((DEBIAN_WANTED - 1)) provided by other tools, 1 problem\.$" "$WORK/binfmtd.log"
fi
grep "Ready:" "$WORK/binfmtd.log" | while read -r l; do diag "$l"; done
check "the problem says what is wrong and where it comes from" \
    grep -q "qemu-riscv64: an entry of that name exists that binfmtd did not register (from /usr/lib/binfmt.d/qemu-riscv64.conf), and it has no F flag" "$WORK/binfmtd.log"
check "and how to fix it: mask Debian's file, or TakeOver=yes" \
    grep -q "Fix: mask that registration (ln -s /dev/null /etc/binfmt.d/qemu-riscv64.conf.*TakeOver=yes" "$WORK/binfmtd.log"
sleep 2.5
check "it is logged once, not at every reconcile" \
    test "$(grep -c "qemu-riscv64: an entry of that name exists" "$WORK/binfmtd.log")" -eq 1
check "the entry is left alone" test "$(sed -n 3p "$MNT/qemu-riscv64")" = "flags: PO"
ctld status --json
check "status: the one problem is riscv64's" \
    test "$(jq -r '[.daemon.problems[] | .id + " " + (.text | split(":")[0])] | join(",")' <<<"$out")" = "io.binfmtd.ForeignEntry qemu-riscv64"
check "status: that entry does not provide" \
    test "$(jq -r '.entries[] | select(.name == "qemu-riscv64") | .provider_check' <<<"$out")" = no-f
e=$(jq -c '.entries[] | select(.name == "qemu-aarch64")' <<<"$out")
check "status: qemu-aarch64 is another tool's" test "$(jq -r .owner <<<"$e")" = other
check "status: it provides its target" test "$(jq -r .provides <<<"$e")" = true
check "status: its source is Debian's file" test "$(jq -r .source <<<"$e")" = /usr/lib/binfmt.d/qemu-aarch64.conf
check "status: its interpreter resolves to Debian's static QEMU" \
    test "$(jq -r .interpreter_resolved <<<"$e")" = "$(readlink -f /usr/libexec/qemu-binfmt/aarch64-binfmt-P)"
ctld wait --require linux/arm64,linux/s390x,linux/ppc64le --timeout 30
check "the provided platforms are verified and ready (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$out$err"
ctld status
check "status text: the provider and its file" \
    grep -qx "qemu-aarch64: another tool's entry (from /usr/lib/binfmt.d/qemu-aarch64.conf): provides its target, verified like binfmtd's own." <<<"$out"
run "$ARM64"
check "an arm64 program runs (exit $rc)" test "$rc" -eq 7

# ---- systemd-binfmt --unregister: everything goes, binfmtd restores its targets ------------------

run "$SYSTEMD_BINFMT" --unregister
# (binfmtd may be quicker than this check: what must be gone is Debian's.)
check "systemd-binfmt --unregister removes Debian's entries (exit $rc)" \
    bash -c '[ "$0" -eq 0 ] && ! grep -qs "^interpreter /usr/libexec/qemu-binfmt/" "$1"/qemu-*' "$rc" "$MNT"
check "binfmtd registers its own qemu-aarch64 again" wait_until 15 test -e "$MNT/qemu-aarch64"
check "with binfmtd's interpreter and F" \
    test "$(sed -n 2,3p "$MNT/qemu-aarch64" | tr '\n' '|')" = "interpreter /usr/bin/qemu-aarch64-static|flags: F|"
check "and qemu-riscv64, with F" wait_until 15 grep -qx "flags: F" "$MNT/qemu-riscv64"
ctld status --json
check "now binfmtd's own" test "$(jq -r '.entries[] | select(.name == "qemu-aarch64") | .owner' <<<"$out")" = binfmtd
check "and no problem is left" wait_until 5 bash -c 'test "$("$0" --socket "$1" status --json | jq -c .daemon.problems)" = "[]"' "$BINFMTCTL" "$SOCK"
run "$ARM64"
check "an arm64 program still runs (exit $rc)" test "$rc" -eq 7

# ---- a restart of systemd-binfmt: flush, Debian's again ----------------------------------------

run "$SYSTEMD_BINFMT"
check "systemd-binfmt flushes and registers Debian's entries again (exit $rc)" test "$rc" -eq 0
# binfmtd registered these names in this instance: an entry of such a name that differs is
# drift of binfmtd's own, repaired at the next reconcile.
check "binfmtd keeps its targets as configured" \
    wait_until 10 grep -qx "interpreter /usr/bin/qemu-aarch64-static" "$MNT/qemu-aarch64"
ctld status --json
check "status: still no problems" test "$(jq -c .daemon.problems <<<"$out")" = "[]"
run "$ARM64"
check "an arm64 program runs (exit $rc)" test "$rc" -eq 7
stop_daemon

# ---- binfmt-support's update-binfmts ------------------------------------------------------------

UPDATE_BINFMTS=$WORK/binfmt-support/usr/sbin/update-binfmts
if [ ! -x "$UPDATE_BINFMTS" ]; then
    if [ "$MUST_RUN" = 1 ]; then
        not_ok "binfmt-support's update-binfmts could not be downloaded (BINFMTD_TESTS_MUST_RUN=1)"
    else
        skip "update-binfmts" "binfmt-support could not be downloaded"
    fi
    done_testing
fi
# A fresh start: an empty instance, no records, formats imported as binfmt-support does.
echo -1 >"$MNT/status"
export BINFMTD_STATE_DIR=$WORK/state-binfmt-support
mkdir -p "$WORK/binfmts-admin"
for f in qemu-aarch64 qemu-s390x; do
    run "$UPDATE_BINFMTS" --admindir "$WORK/binfmts-admin" --import "$f"
done
check "update-binfmts registers Debian's formats (exit $rc)" \
    test "$rc" -eq 0 -a "$(sed -n 3p "$MNT/qemu-aarch64")" = "flags: PF"
write_config "$CONF" "Targets=linux/arm64 linux/s390x" "ReconcileIntervalSec=1"
: >"$WORK/binfmtd.log"
start_daemon --config "$CONF"
check "update-binfmts' entries provide their targets: Ready, no problem" \
    grep -q "^binfmtd: Ready: 0 targets registered, 2 provided by other tools, 0 problems\.$" "$WORK/binfmtd.log"
ctld wait --require linux/arm64,linux/s390x --timeout 30
check "and the platforms are ready (exit $rc)" test "$rc" -eq 0
run "$UPDATE_BINFMTS" --admindir "$WORK/binfmts-admin" --disable qemu-aarch64
check "update-binfmts --disable removes its entry (exit $rc)" test "$rc" -eq 0
check "binfmtd registers its own" \
    wait_until 15 grep -qx "interpreter /usr/bin/qemu-aarch64-static" "$MNT/qemu-aarch64"
run "$ARM64"
check "an arm64 program runs (exit $rc)" test "$rc" -eq 7

done_testing
