#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl exec, on the real kernel, as an unprivileged user with no subuid range (uid 65534,
# no root anywhere): a real arm64 program runs through Debian's QEMU in a binfmt_misc instance
# that exec makes for it, as the same uid, with its own exit status. The machine's binfmt_misc
# is the same before and after. A user's own interpreter counts when nobody else can change it.
# The errors: user namespaces disabled (user.max_user_namespaces lowered to 0 in a user
# namespace of the test's own), an unknown platform, a native one, a command not found.
source "$(dirname "$0")/lib.sh"
make_work_dir

[ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
[ "$(id -u)" -eq 0 ] && in_initial_userns || skip_all "needs root in the initial user namespace (to become uid 65534)"
command -v setpriv >/dev/null || skip_all "setpriv is missing"
ARM64=$(build_foreign arm64) || skip_all "no arm64 cross compiler"
# Runs only where a user may make a user namespace; that is what exec needs.
unshare --user --map-root-user true 2>/dev/null || skip_all "user namespaces are not available"

nobody() { run setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
before=$(host_binfmt_state)

check "uid 65534 has no subuid range" bash -c '! grep -qE "^(nobody|65534):" /etc/subuid 2>/dev/null'

# Without a handler the program does not run: what exec must change.
run unshare --user --map-root-user --mount sh -c \
    'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && exec "$1"' sh "$ARM64"
check "without a handler the arm64 program does not run (exit $rc)" test "$rc" -ne 7

nobody "$BINFMTCTL" exec --platform linux/arm64 -- "$ARM64"
check "exec --platform linux/arm64 runs it, as uid 65534: its exit status (got $rc)" test "$rc" -eq 7
check "and what it prints" test "$out" = "hello from arm64"
check "and nothing else" test -z "$err"

nobody "$BINFMTCTL" exec --platform linux/arm64 -- sh -c 'id -u; id -g'
check "the command runs with the caller's uid and gid" test "$(echo $out)" = "65534 65534"

nobody "$BINFMTCTL" exec -- sh -c 'ls /proc/sys/fs/binfmt_misc; exec "$1"' sh "$ARM64"
check "without --platform the default targets are registered (exit $rc)" test "$rc" -eq 7
check "among them qemu-aarch64, in its own instance" grep -qx qemu-aarch64 <<<"$out"
check "the native one is not" bash -c '! grep -qx qemu-x86_64 <<<"$0"' "$out"

nobody "$BINFMTCTL" exec --platform linux/s390x -- "$ARM64"
check "a target not asked for has no handler: 126 (got $rc)" test "$rc" -eq 126
check "and says so" grep -q "Exec format error: no handler runs it here" <<<"$err"

nobody "$BINFMTCTL" exec --platform linux/arm64 -- no-such-command-here
check "a command not found: 127 (got $rc)" test "$rc" -eq 127

# A user's own interpreter: safe when it and its directories are the user's or root's and
# writable by nobody else.
mkdir -m 0755 "$WORK/mine"
cp /usr/bin/qemu-aarch64-static "$WORK/mine/"
chown -R 65534:65534 "$WORK/mine"
chmod 0755 "$WORK/mine/qemu-aarch64-static"
nobody "$BINFMTCTL" exec --interpreter-dir="$WORK/mine" --platform linux/arm64 -- "$ARM64"
check "the user's own interpreter, writable by nobody else, serves (exit $rc)" test "$rc" -eq 7
chmod 0775 "$WORK/mine/qemu-aarch64-static"
nobody "$BINFMTCTL" exec --interpreter-dir="$WORK/mine" --platform linux/arm64 -- "$ARM64"
check "one its group may write is refused: 125 (got $rc)" test "$rc" -eq 125
check "with the reason" grep -q "qemu-aarch64-static.*writable" <<<"$err"
chmod 0755 "$WORK/mine/qemu-aarch64-static"
chown 1:1 "$WORK/mine/qemu-aarch64-static"
nobody "$BINFMTCTL" exec --interpreter-dir="$WORK/mine" --platform linux/arm64 -- "$ARM64"
check "another user's file is refused: 125 (got $rc)" test "$rc" -eq 125
check "with the reason" grep -q "is not owned by root" <<<"$err"

# Errors, each with the reason and what would help.
run unshare --user --map-root-user sh -c \
    'echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"' sh \
    "$BINFMTCTL" exec --platform linux/arm64 -- "$ARM64"
check "user namespaces disabled: 125 (got $rc)" test "$rc" -eq 125
check "names user.max_user_namespaces and the fix" \
    grep -q "user namespaces are disabled here (sysctl user.max_user_namespaces is 0): an administrator can allow them" <<<"$err"
nobody "$BINFMTCTL" exec --platform linux/bogus -- true
check "an unknown platform: 125 (got $rc)" test "$rc" -eq 125 -a -n "$(grep 'linux/bogus: unknown target' <<<"$err")"
nobody "$BINFMTCTL" exec --platform linux/amd64 -- true
check "the native platform is refused: 125 (got $rc)" test "$rc" -eq 125
nobody "$BINFMTCTL" exec --platform linux/arm64
check "no command: a usage error (exit $rc)" test "$rc" -eq 2
nobody "$BINFMTCTL" status --platform linux/arm64
check "--platform with another command: a usage error (exit $rc)" test "$rc" -eq 2

check "the machine's binfmt_misc is as it was" test "$(host_binfmt_state)" = "$before"

done_testing
