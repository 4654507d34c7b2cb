#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Authorisation by SO_PEERCRED: anyone may read the status, only root (or the admin group)
# may change registrations. Needs a user namespace that maps more than root, so that an
# unprivileged uid exists inside it.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v setpriv >/dev/null || skip_all "setpriv is missing"
    command -v python3 >/dev/null || skip_all "python3 is missing"
    reexec_in_wide_userns "$@"
fi
enter_private_instance
trap 'stop_daemon' EXIT
chmod 0755 "$WORK"

write_config "$WORK/binfmtd.conf" "Targets=linux/arm64"
check "binfmtd starts" start_daemon --config "$WORK/binfmtd.conf"

nobody() { run setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }

nobody "$BINFMTCTL" --socket "$WORK/io.binfmtd" status
check "an unprivileged client can read the status (exit $rc)" test "$rc" -eq 0
check "and sees the daemon's entries" grep -Eq "^qemu-aarch64 +enabled +binfmtd" <<<"$out"

nobody "$BINFMTCTL" --socket "$WORK/io.binfmtd" install riscv64
check "an unprivileged client cannot install (exit $rc)" test "$rc" -eq 1
check "it is told why" grep -q "permission denied: binfmtd accepts changes from root and from members of its admin group only" <<<"$err"
check "nothing was registered" test ! -e "$MNT/qemu-riscv64"
nobody "$PYTHON" "$HELPERS/varlink-call.py" "$WORK/io.binfmtd" io.binfmtd.Uninstall '{"targets":["arm64"]}'
check "the wire answer is io.binfmtd.PermissionDenied" test "$(jq -r .error <<<"$out")" = io.binfmtd.PermissionDenied
check "nothing was removed" test -e "$MNT/qemu-aarch64"
nobody "$PYTHON" "$HELPERS/varlink-call.py" "$WORK/io.binfmtd" io.binfmtd.Reload
check "Reload is refused as well" test "$(jq -r .error <<<"$out")" = io.binfmtd.PermissionDenied
nobody "$PYTHON" "$HELPERS/varlink-call.py" "$WORK/io.binfmtd" io.binfmtd.Verify
check "Verify, which runs every probe, is refused as well" test "$(jq -r .error <<<"$out")" = io.binfmtd.PermissionDenied
nobody "$BINFMTCTL" --socket "$WORK/io.binfmtd" verify arm64
check "binfmtctl verify says why (exit $rc)" \
    grep -q "permission denied: binfmtd runs the probes for root and members of its admin group only" <<<"$err"
check "the refusal is logged with the uid" grep -q "Refused io.binfmtd.Install from uid 65534" "$WORK/binfmtd.log"

run "$BINFMTCTL" --socket "$WORK/io.binfmtd" install riscv64
check "root can install through the socket (exit $rc)" test "$rc" -eq 0 -a -e "$MNT/qemu-riscv64"

# The admin group: a member may change registrations.
stop_daemon
write_config "$WORK/binfmtd.conf" "Targets=linux/arm64" "AdminGroup=$(getent group 65534 | cut -d: -f1)"
check "binfmtd starts with an admin group" start_daemon --config "$WORK/binfmtd.conf"
nobody "$BINFMTCTL" --socket "$WORK/io.binfmtd" install s390x
check "a member of the admin group can install (exit $rc)" test "$rc" -eq 0 -a -e "$MNT/qemu-s390x"

done_testing
