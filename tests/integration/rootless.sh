#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl --user with rootless podman, all as an ordinary user the test makes (useradd, a
# subuid and subgid range, uidmap's newuidmap): before, an arm64 image build with a RUN step
# fails; after binfmtctl --user install arm64 s390x, podman build --platform linux/arm64 and
# linux/s390x run their RUN steps and podman run runs the images; status --require says ready;
# after binfmtctl --user uninstall all the build fails again. The machine's binfmt_misc is the
# same before and after. Then the errors: no subuid range, no podman, root.
source "$(dirname "$0")/lib.sh"
make_work_dir

[ "$(id -u)" -eq 0 ] && in_initial_userns || skip_all "needs root in the initial user namespace (to make a user)"
for c in podman runc newuidmap useradd setpriv; do
    command -v "$c" >/dev/null || skip_all "$c is not installed"
done
for q in aarch64 s390x; do
    [ -x "/usr/bin/qemu-$q-static" ] || skip_all "qemu-user-static is not installed"
done
command -v aarch64-linux-gnu-gcc >/dev/null || skip_all "no arm64 cross compiler"
command -v s390x-linux-gnu-as >/dev/null || skip_all "no s390x assembler"

NAME=binfmtd-rootless
cleanup_user() {
    pkill -KILL -u "$NAME" 2>/dev/null
    sleep 0.2
    if id "$NAME" >/dev/null 2>&1; then
        local u
        u=$(id -u "$NAME")
        userdel -r -f "$NAME" >/dev/null 2>&1
        rm -rf "/run/user/$u"
    fi
    # userdel leaves the ranges on some versions: they go too.
    sed -i "/^$NAME:/d" /etc/subuid /etc/subgid 2>/dev/null
}
cleanup_user
trap 'cleanup_user; rm -rf "$WORK"' EXIT
useradd -m -s /bin/sh "$NAME" || skip_all "useradd failed"
grep -q "^$NAME:" /etc/subuid || usermod --add-subuids 300000-365535 "$NAME"
grep -q "^$NAME:" /etc/subgid || usermod --add-subgids 300000-365535 "$NAME"
U=$(id -u "$NAME")
G=$(id -g "$NAME")
HOMEDIR=$(getent passwd "$NAME" | cut -d: -f6)
RUNDIR=/run/user/$U
mkdir -p "$RUNDIR" && chown "$U:$G" "$RUNDIR" && chmod 0700 "$RUNDIR"

# as_user CMD...: the command as that user, with the environment a login gives it.
as_user() {
    run setpriv --reuid "$U" --regid "$G" --init-groups env -i HOME="$HOMEDIR" USER="$NAME" \
        LOGNAME="$NAME" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$RUNDIR" \
        sh -c 'cd "$HOME" && exec "$@"' sh "$@"
}
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)

# The images: FROM scratch, a static program for the platform, run by a RUN step (it writes a
# file, so the step does something) and as the command.
CTX=$WORK/ctx
mkdir -p "$CTX/arm64" "$CTX/s390x"
aarch64-linux-gnu-gcc -static -O2 -o "$CTX/arm64/prog" -x c - <<'EOF' || skip_all "cannot build the arm64 program"
#include <stdio.h>
int main(void)
{
        FILE *f = fopen("/built", "w");
        printf("hello from arm64\n");
        return f ? 0 : 1;
}
EOF
sed 's/lghi    %r2, 42/lghi    %r2, 0/' "$TESTS_DIR/progs/hello-s390x.S" >"$CTX/s390x/prog.S"
s390x-linux-gnu-as -o "$CTX/s390x/prog.o" "$CTX/s390x/prog.S" &&
    s390x-linux-gnu-ld -static -m elf64_s390 -o "$CTX/s390x/prog" "$CTX/s390x/prog.o" ||
    skip_all "cannot build the s390x program"
rm -f "$CTX/s390x/prog.o" "$CTX/s390x/prog.S"
for a in arm64 s390x; do
    printf 'FROM scratch\nCOPY prog /prog\nRUN ["/prog"]\nCMD ["/prog"]\n' >"$CTX/$a/Containerfile"
done
chmod -R a+rX "$CTX"

build() { as_user timeout 300 "${PODMAN[@]}" build --platform "linux/$1" --no-cache --network none -t "test-$1" "$CTX/$1"; }
before=$(host_binfmt_state)

# No rootless podman namespace yet: --user brings it up as podman does (podman unshare).
check "the user has no process yet" test -z "$(pgrep -u "$U")"
as_user "$BINFMTCTL" --user status
check "binfmtctl --user status with no podman namespace yet (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$err"
check "brought up podman's pause process" test -n "$(pgrep -u "$U")"
check "and shows the namespace's own, empty instance" grep -q "^Entries: *0" <<<"$out"

build arm64
check "before: the arm64 build with a RUN step fails (exit $rc)" test "$rc" -ne 0
check "with exec format error" grep -qi "exec format error" <<<"$out$err"

as_user "$BINFMTCTL" --user install arm64 s390x
check "binfmtctl --user install arm64 s390x, no root (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$err"
check "says which instance" grep -q "^Instance: the user namespace of uid $U's rootless podman containers (pause process [0-9]*)\.$" <<<"$out"
check "registers both" test "$(grep -c ': registered (' <<<"$out")" -eq 2

as_user "$BINFMTCTL" --user status --require linux/arm64
check "binfmtctl --user status --require linux/arm64: ready (exit $rc)" test "$rc" -eq 0
as_user "$BINFMTCTL" --user status --json
check "status --json names the instance" \
    test "$(jq -r '.instance.scope + " " + (.instance.uid | tostring)' <<<"$out")" = "user-containers $U"
as_user "$BINFMTCTL" --user status
check "and the text says so" grep -q "^Namespace: *the user namespace of uid $U's rootless podman containers" <<<"$out"

as_user "$BINFMTCTL" --user verify arm64 s390x
check "binfmtctl --user verify: probes run in podman's namespace (exit $rc)" test "$rc" -eq 0
check "ok from the host and in the empty chroot" test "$(grep -cE '^(aarch64|s390x) .* ok +ok$' <<<"$out")" -eq 2
as_user "$BINFMTCTL" --user wait --require linux/s390x --timeout 30
check "binfmtctl --user wait --require linux/s390x (exit $rc)" test "$rc" -eq 0

for a in arm64 s390x; do
    build $a
    check "podman build --platform linux/$a runs the RUN step (exit $rc)" test "$rc" -eq 0
    [ "$rc" -eq 0 ] || diag "$(tail -n 5 <<<"$out$err")"
    as_user timeout 120 "${PODMAN[@]}" run --rm --network none "test-$a"
    check "podman run of the linux/$a image (exit $rc)" test "$rc" -eq 0 -a "$out" = "hello from $a"
done

as_user "$BINFMTCTL" --user uninstall all
check "binfmtctl --user uninstall all (exit $rc)" test "$rc" -eq 0
build arm64
check "after: the arm64 build fails again (exit $rc)" test "$rc" -ne 0

check "the machine's binfmt_misc is as it was" test "$(host_binfmt_state)" = "$before"

# Errors.
mkdir -m 0700 "$WORK/nobody-run" && chown 65534:65534 "$WORK/nobody-run"
run setpriv --reuid 65534 --regid 65534 --clear-groups env -i USER=nobody PATH=/usr/bin:/bin \
    XDG_RUNTIME_DIR="$WORK/nobody-run" "$BINFMTCTL" --user status
check "a user with no subuid range: exit 1 (got $rc)" test "$rc" -eq 1
check "told which file and the fix" grep -q "has no subordinate uid range in /etc/subuid.*usermod --add-subuids" <<<"$err"
run setpriv --reuid 65534 --regid 65534 --clear-groups env -i USER=nobody PATH=/nonexistent \
    XDG_RUNTIME_DIR="$WORK/nobody-run" "$BINFMTCTL" --user status
check "no podman: exit 1 (got $rc)" test "$rc" -eq 1
check "told so" grep -q "podman is not installed: --user registers for rootless podman's containers" <<<"$err"
mkdir -m 0777 "$WORK/shared-run"
run setpriv --reuid "$U" --regid "$G" --init-groups env -i USER="$NAME" PATH=/usr/bin:/bin \
    XDG_RUNTIME_DIR="$WORK/shared-run" "$BINFMTCTL" --user status
check "a runtime directory others may write is refused (exit $rc)" test "$rc" -eq 1
check "with the reason" grep -q "is not this user's alone" <<<"$err"
run "$BINFMTCTL" --user status
check "root: exit 1 (got $rc)" test "$rc" -eq 1 -a -n "$(grep -- '--user is for an ordinary user' <<<"$err")"
run "$BINFMTCTL" --user --mount /tmp status
check "--user with --mount: a usage error (exit $rc)" test "$rc" -eq 2

done_testing
