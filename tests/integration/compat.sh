#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl's tonistiigi/binfmt compatibility mode, as a black box, in a private binfmt_misc
# instance: the command line (Go flag forms, exit code 2 only for flag errors), architecture
# names, the environment (QEMU_BINARY_PATH, QEMU_BINARY_PREFIX, QEMU_PRESERVE_ARGV0), the lines
# on stderr, the status JSON on stdout byte for byte, globs for --uninstall, mounting (never
# unmounting), --version without privileges, and real arm64 programs running after --install.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    build_foreign arm64 >/dev/null || skip_all "no toolchain to build the arm64 test program"
    if [ "$(uname -m)" = x86_64 ]; then
        build_foreign i386 >/dev/null || skip_all "no toolchain to build the i386 test program"
    fi
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    # A program that prints its argv[0]: P (preserve argv[0]) made visible.
    printf '#include <stdio.h>\nint main(int argc, char **argv) { puts(argv[0]); return 0; }\n' \
        >"$WORK/argv0.c"
    aarch64-linux-gnu-gcc -static -O2 -o "$WORK/argv0-arm64" "$WORK/argv0.c" ||
        skip_all "cannot build the arm64 argv[0] program"
    # Interpreters under tonistiigi/binfmt's names and with a prefix, owned by root.
    mkdir -p "$WORK/qemu" "$WORK/prefixed" "$WORK/empty" "$WORK/bin"
    cp /usr/bin/qemu-aarch64-static "$WORK/qemu/qemu-aarch64"
    cp /usr/bin/qemu-aarch64-static "$WORK/prefixed/buildkit-qemu-aarch64"
    # Invoked under tonistiigi/binfmt's name, as the image's entry point is.
    ln -s "$BINFMTCTL" "$WORK/bin/binfmt"
fi
enter_private_instance

ARM64=$WORK/hello-arm64
BINFMT=$WORK/bin/binfmt
export BINFMTD_PROBE_DIR=$WORK/probes
unset QEMU_BINARY_PATH QEMU_BINARY_PREFIX QEMU_PRESERVE_ARGV0

case $(uname -m) in
    x86_64) NATIVE=linux/amd64 NATIVE_KEY=amd64 ;;
    aarch64) NATIVE=linux/arm64 NATIVE_KEY=arm64 ;;
    *) NATIVE=linux/$(uname -m) NATIVE_KEY=$(uname -m) ;;
esac

# bf ARGS...: the compat entry point; stdout kept byte for byte in $WORK/stdout.
bf() {
    "$BINFMT" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    out=$(cat "$WORK/stdout") err=$(cat "$WORK/stderr")
}

# The document is exactly what Go's json.MarshalIndent(v, "", "  ") and a newline give: keys
# supported then emulators, two-space indent, nothing else on stdout.
json_exact() {
    "$PYTHON" -c '
import json, sys
raw = open(sys.argv[1]).read()
d = json.loads(raw)
assert list(d) == ["supported", "emulators"], list(d)
assert raw == json.dumps(d, indent=2) + "\n", raw
' "$WORK/stdout"
}
supported() { jq -r '.supported[]' "$WORK/stdout"; }
emulators() { jq -r '.emulators // [] | .[]' "$WORK/stdout"; }

# ---- status without arguments ---------------------------------------------------------------

bf
check "no arguments: exit 0 (exit $rc)" test "$rc" -eq 0
check "no arguments: stdout is the JSON document, byte for byte" json_exact
check "no arguments: nothing on stderr" test -z "$err"
check "no entries: \"emulators\" is null, not []" grep -qx '  "emulators": null' "$WORK/stdout"
check "the native platform comes first in \"supported\"" test "$(supported | head -n1)" = "$NATIVE"
check "arm64 is not supported before install" bash -c '! grep -qx linux/arm64 <<<"$0"' "$(supported)"

# ---- command-line errors: 2, message and usage on stderr, nothing on stdout -----------------

for args in "--nope" "-nope=1" "--install" "-uninstall" "--mount" "-version=maybe" "---install=x" "-=x"; do
    bf $args
    check "'$args': exit 2 (exit $rc)" test "$rc" -eq 2
    check "'$args': nothing on stdout" test -z "$out"
    check "'$args': usage on stderr" grep -q "^Usage of .*binfmt:" <<<"$err"
done
bf --nope
check "unknown flag: Go's message" test "$(head -n1 <<<"$err")" = "flag provided but not defined: -nope"
bf --install
check "missing value: Go's message" test "$(head -n1 <<<"$err")" = "flag needs an argument: -install"
bf -version=maybe
check "bad bool: Go's message" \
    test "$(head -n1 <<<"$err")" = 'invalid boolean value "maybe" for -version: parse error'
bf ---install=x
check "three dashes: Go's message" test "$(head -n1 <<<"$err")" = "bad flag syntax: ---install=x"
for h in -h --help -help; do
    bf $h
    check "'$h': exit 0, usage on stderr, nothing on stdout" \
        test "$rc" -eq 0 -a -z "$out" -a -n "$err"
done

# ---- --version: stderr only, no privileges, nothing mounted --------------------------------

mkdir -p "$WORK/plain"
# A nested user namespace without any id mapped: no capability anywhere that matters.
unshare --user "$BINFMT" --mount "$WORK/plain" --version >"$WORK/stdout" 2>"$WORK/stderr"
rc=$? out=$(cat "$WORK/stdout") err=$(cat "$WORK/stderr")
check "--version without privileges: exit 0 (exit $rc)" test "$rc" -eq 0
check "--version: nothing on stdout" test -z "$out"
check "--version: binfmtd's and QEMU's versions on stderr ($err)" \
    grep -Eqx "binfmtd/[0-9][^ ]* qemu/v[0-9]+\.[0-9]+(\.[0-9]+)?( .*)?" <<<"$err"
check "--version mounted nothing" test "$(stat -f -c %T "$WORK/plain")" != "binfmt_misc"
for v in -version --version=true -version=1; do
    bf $v
    check "'$v' prints the version" grep -q "^binfmtd/" <<<"$err"
done
bf -version=false
check "-version=false prints the status instead" json_exact

# ---- which command line is compat mode ------------------------------------------------------

run "$BINFMTCTL" --version
check "binfmtctl --version keeps binfmtctl's own meaning" grep -q "^binfmtctl " <<<"$out"
run "$BINFMTCTL" --mount "$MNT" status
check "binfmtctl --mount DIR status keeps binfmtctl's meaning (exit $rc)" \
    bash -c '[ "$0" -eq 0 ] && ! grep -q "\"supported\"" <<<"$1"' "$rc" "$out"
run "$BINFMT" status
check "binfmt status is binfmtctl's status (exit $rc)" \
    bash -c '[ "$0" -eq 0 ] && ! grep -q "\"supported\"" <<<"$1"' "$rc" "$out"
run "$BINFMTCTL" -mount "$MNT"
check "binfmtctl -mount DIR is compat mode" grep -q '"supported"' <<<"$out"

# ---- install --------------------------------------------------------------------------------

run "$ARM64"
check "the arm64 program fails before install (exit $rc)" test "$rc" -eq 126

bf --install arm64
check "--install arm64: exit 0 (exit $rc)" test "$rc" -eq 0
check "--install arm64: 'installing: arm64 OK' on stderr" grep -qx "installing: arm64 OK" <<<"$err"
check "--install arm64: the JSON after it, byte for byte" json_exact
check "--install arm64: linux/arm64 is supported (verified by running it)" \
    grep -qx linux/arm64 <<<"$(supported)"
check "--install arm64: emulators lists qemu-aarch64" test "$(emulators)" = qemu-aarch64
check "the entry has F and no C (interpreter $(sed -n 2p "$MNT/qemu-aarch64"))" \
    grep -qx "flags: F" "$MNT/qemu-aarch64"
check "the interpreter is the static one" grep -qx "interpreter /usr/bin/qemu-aarch64-static" \
    "$MNT/qemu-aarch64"
run "$ARM64"
check "an arm64 program runs after --install arm64" test "$rc" -eq 7 -a "$out" = "hello from arm64"
mkdir -p "$WORK/root"
cp "$ARM64" "$WORK/root/hello"
run chroot "$WORK/root" /hello
check "and in an empty chroot (F)" test "$rc" -eq 7 -a "$out" = "hello from arm64"

inode=$(stat -c %i "$MNT/qemu-aarch64")
for form in "-install arm64" "--install=aarch64" "-install=linux/arm64/v8" "--install LINUX/ARM64"; do
    bf $form
    check "'$form': 'already registered', exit 0 (exit $rc)" \
        bash -c '[ "$0" -eq 0 ] && grep -qx "installing: arm64 qemu-aarch64 already registered" <<<"$1"' \
        "$rc" "$err"
done
check "re-installs left the entry alone (same inode)" test "$(stat -c %i "$MNT/qemu-aarch64")" = "$inode"

# The entry is binfmtd's: binfmtctl removes it without --force.
run "$BINFMTCTL" --mount "$MNT" uninstall arm64
check "binfmtctl owns what compat mode registered (exit $rc)" test "$rc" -eq 0 -a ! -e "$MNT/qemu-aarch64"

bf --install "mips64el,loongarch64,ppc64, riscv64,all,qemu-aarch64,"
check "unsupported names: exit 0 (exit $rc)" test "$rc" -eq 0
for n in mips64el loongarch64 ppc64 " riscv64" all qemu-aarch64; do
    check "unsupported: '$n'" grep -qxF "installing: $n unsupported architecture: $n" <<<"$err"
done
check "unsupported: the empty name after a trailing comma" \
    grep -qxF "installing:  unsupported architecture: " <<<"$err"
check "unsupported names: still the JSON" json_exact
check "unsupported names registered nothing" test -z "$(emulators)"

bf --install "$NATIVE_KEY"
check "native $NATIVE_KEY: exit 0 (exit $rc)" test "$rc" -eq 0
check "native $NATIVE_KEY: refused with the reason" \
    grep -q "^installing: $NATIVE_KEY .*this host's own architecture: registering it would hand native programs to an emulator" <<<"$err"
check "native $NATIVE_KEY: nothing registered" test -z "$(emulators)"

bf --install arm64,riscv64 extra words are ignored
check "several at once, words after the flags ignored (exit $rc)" test "$rc" -eq 0
check "several at once: both OK" \
    test "$(grep '^installing' <<<"$err")" = "$(printf 'installing: arm64 OK\ninstalling: riscv64 OK')"
check "several at once: emulators sorted" test "$(emulators | tr '\n' ' ')" = "qemu-aarch64 qemu-riscv64 "

bf --mount "$MNT" -- --install s390x
check "'--' ends the flags: nothing installed after it" \
    bash -c '[ "$0" -eq 0 ] && [ -z "$1" ] && [ ! -e "$2/qemu-s390x" ]' "$rc" "$err" "$MNT"

# Another tool's entry under our name, with other flags: left alone, said so, exit 0.
printf '%s' ':qemu-s390x:M:0:\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x16:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff:/usr/bin/qemu-s390x-static:OCF' >"$MNT/register"
before=$(cat "$MNT/qemu-s390x")
bf --install s390x
check "another tool's entry: exit 0 (exit $rc)" test "$rc" -eq 0
check "another tool's entry: 'already registered' and why" \
    grep -q "^installing: s390x qemu-s390x already registered by another tool (.*flags.*); left alone" <<<"$err"
check "another tool's entry is unchanged" test "$(cat "$MNT/qemu-s390x")" = "$before"

# ---- uninstall --------------------------------------------------------------------------------

printf '%s' ':qemu-foo:E::foo::/bin/true:' >"$MNT/register"
printf '%s' ':WSLInterop:E::exe::/bin/true:' >"$MNT/register"
bf --uninstall "arm64,qemu-*,nothing,WSLInterop"
check "--uninstall: exit 0 (exit $rc)" test "$rc" -eq 0
check "--uninstall arm64 removes the entry ending in -aarch64" grep -qx "uninstalling: aarch64 OK" <<<"$err"
check "--uninstall qemu-* expands to each remaining entry" \
    test "$(grep -c -e '^uninstalling: qemu-\(foo\|riscv64\|s390x\) OK$' <<<"$err")" = 3
check "--uninstall removes other tools' entries too" test ! -e "$MNT/qemu-foo" -a ! -e "$MNT/qemu-s390x"
check "--uninstall of an unknown name: 'not found'" grep -qx "uninstalling: nothing not found" <<<"$err"
check "WSLInterop is never removed" \
    bash -c 'grep -qx "uninstalling: WSLInterop not found" <<<"$0" && [ -e "$1/WSLInterop" ]' "$err" "$MNT"
check "--uninstall: the JSON after it" json_exact
check "--uninstall: emulators now lists only WSLInterop" test "$(emulators)" = WSLInterop
echo 0 >"$MNT/WSLInterop"
bf
check "a disabled entry is not an emulator" grep -qx '  "emulators": null' "$WORK/stdout"
echo -1 >"$MNT/WSLInterop"

# Go's encoding/json escapes <, > and & in names.
printf '%s' ':a<b&c>:E::abc::/bin/true:' >"$MNT/register"
bf
check "names are escaped as Go escapes them" grep -qxF '    "a\u003cb\u0026c\u003e"' "$WORK/stdout"
bf --uninstall 'a*'
check "--uninstall with a glob of another shape" grep -qxF "uninstalling: a<b&c> OK" <<<"$err"

# ---- the environment -------------------------------------------------------------------------

QEMU_BINARY_PATH=$WORK/qemu bf --install arm64
check "QEMU_BINARY_PATH: tonistiigi's interpreter name is used (exit $rc)" \
    grep -qx "interpreter $WORK/qemu/qemu-aarch64" "$MNT/qemu-aarch64"
run "$ARM64"
check "QEMU_BINARY_PATH: the arm64 program runs" test "$rc" -eq 7
bf --uninstall arm64

QEMU_BINARY_PATH=$WORK/empty bf --install arm64
check "QEMU_BINARY_PATH without interpreters: exit 0 (exit $rc)" test "$rc" -eq 0
check "QEMU_BINARY_PATH without interpreters: says which files it looked for" \
    grep -q "^installing: arm64 no interpreter: neither $WORK/empty/qemu-aarch64 nor" <<<"$err"

QEMU_BINARY_PATH=$WORK/prefixed QEMU_BINARY_PREFIX=buildkit- bf --install arm64
check "QEMU_BINARY_PREFIX: OK (exit $rc)" grep -qx "installing: arm64 OK" <<<"$err"
check "QEMU_BINARY_PREFIX: the prefix is in the entry name" test "$(emulators)" = buildkit-qemu-aarch64
check "QEMU_BINARY_PREFIX: and in the interpreter's name" \
    grep -qx "interpreter $WORK/prefixed/buildkit-qemu-aarch64" "$MNT/buildkit-qemu-aarch64"
run "$ARM64"
check "QEMU_BINARY_PREFIX: the arm64 program runs" test "$rc" -eq 7
QEMU_BINARY_PATH=$WORK/prefixed QEMU_BINARY_PREFIX=buildkit- bf --uninstall arm64
check "QEMU_BINARY_PREFIX: --uninstall arm64 finds the prefixed entry" \
    bash -c 'grep -qx "uninstalling: buildkit-qemu-aarch64 OK" <<<"$0" && [ ! -e "$1/buildkit-qemu-aarch64" ]' \
    "$err" "$MNT"

QEMU_BINARY_PREFIX=a/b bf --install arm64,riscv64
check "QEMU_BINARY_PREFIX with '/': exit 0 (exit $rc)" test "$rc" -eq 0
check "QEMU_BINARY_PREFIX with '/': tonistiigi's message for each" \
    test "$(grep -cxF 'installing: arm64 binary prefix must not contain path separator (Hint: set $QEMU_BINARY_PATH to specify the directory)' <<<"$err")" = 1
check "QEMU_BINARY_PREFIX with '/': nothing registered" test -z "$(emulators)"

bf --install arm64
run bash -c 'exec -a custom-argv0 "$0"' "$WORK/argv0-arm64"
check "without QEMU_PRESERVE_ARGV0 the program sees its path as argv[0] ($out)" \
    test "$out" = "$WORK/argv0-arm64"
bf --uninstall arm64
QEMU_PRESERVE_ARGV0=1 bf --install arm64
check "QEMU_PRESERVE_ARGV0: OK (exit $rc)" grep -qx "installing: arm64 OK" <<<"$err"
check "QEMU_PRESERVE_ARGV0: the entry has P" grep -qx "flags: PF" "$MNT/qemu-aarch64"
run bash -c 'exec -a custom-argv0 "$0"' "$WORK/argv0-arm64"
check "QEMU_PRESERVE_ARGV0: the program sees the argv[0] it was given ($out)" test "$out" = custom-argv0
bf --uninstall arm64

# An old kernel, for real (uname says 2.6): no F, so nothing is registered, said per target,
# and P is left out with a warning; still exit 0 and the JSON.
bf_old_kernel() {
    setarch "$(uname -m)" --uname-2.6 "$BINFMT" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$? err=$(cat "$WORK/stderr")
}
QEMU_PRESERVE_ARGV0=1 bf_old_kernel --install arm64
check "kernel 2.6: exit 0 (exit $rc)" test "$rc" -eq 0
check "kernel 2.6: F is missing, said for arm64" \
    grep -q "^installing: arm64 kernel 2\.6.* is older than 4\.8" <<<"$err"
check "kernel 2.6: P is left out with a warning" \
    grep -q "^warning: QEMU_PRESERVE_ARGV0 is set, but kernel 2\.6.*registering without P" <<<"$err"
check "kernel 2.6: still the JSON" json_exact
check "kernel 2.6: nothing registered" test ! -e "$MNT/qemu-aarch64"

# ---- --install all ----------------------------------------------------------------------------

bf --install all
check "--install all: exit 0 (exit $rc)" test "$rc" -eq 0
check "--install all: arm64 among the installed" grep -qx "installing: arm64 OK" <<<"$err"
check "--install all: never the native $NATIVE_KEY" bash -c '! grep -q "^installing: $0 " <<<"$1"' "$NATIVE_KEY" "$err"
check "--install all: nothing failed" bash -c '! grep "^installing: " <<<"$0" | grep -qv " OK$"' "$err"
check "--install all: the JSON, byte for byte" json_exact
# 386 on an x86-64 host: QEMU exactly when the kernel does not run i386 programs itself, as the
# tests' own i386 program, run with no handler, says.
if [ "$(uname -m)" = x86_64 ]; then
    if kernel_runs_natively i386; then
        check "--install all: 386 runs natively, no QEMU for it" \
            bash -c '! grep -q "^installing: 386" <<<"$0" && ! grep -qx qemu-i386 <<<"$1"' "$err" "$(emulators)"
    else
        check "--install all: 386 needs QEMU here and gets it" grep -qx "installing: 386 OK" <<<"$err"
        check "--install all: qemu-i386 among the emulators" grep -qx qemu-i386 <<<"$(emulators)"
        run "$WORK/hello-i386"
        check "--install all: the i386 program runs (exit $rc)" test "$rc" -eq 42
    fi
    check "--install all: linux/386 is supported" grep -qx linux/386 <<<"$(supported)"
fi
for p in linux/arm64 linux/riscv64 linux/s390x linux/ppc64le; do
    check "--install all: $p is supported" grep -qx "$p" <<<"$(supported)"
done
check "--install all: supported in tonistiigi's order" \
    test "$(supported | grep -v amd64 | grep -v -x linux/386 | tr '\n' ' ')" = \
    "linux/arm64 linux/riscv64 linux/ppc64le linux/s390x linux/mips64le linux/mips64 linux/loong64 linux/arm/v7 linux/arm/v6 "
run "$ARM64"
check "--install all: the arm64 program runs" test "$rc" -eq 7
bf --install all
check "--install all again: nothing left to install" test -z "$(grep '^installing' <<<"$err")"

# ---- mounting ---------------------------------------------------------------------------------

mkdir -p "$WORK/mnt2"
bf --mount "$WORK/mnt2"
check "--mount DIR: mounts binfmt_misc there when absent (exit $rc)" json_exact
check "--mount DIR: and leaves it mounted (never unmounts)" \
    test "$(stat -f -c %T "$WORK/mnt2")" = "binfmt_misc"
check "--mount DIR: the same private instance" grep -qx "qemu-aarch64" <<<"$(emulators)"

bf --mount "$WORK/does-not-exist" --install arm64
check "--mount of a missing directory: exit 0 (exit $rc), no JSON" test "$rc" -eq 0 -a -z "$out"
check "--mount of a missing directory: says so" \
    grep -q "^error: cannot mount binfmt_misc filesystem at $WORK/does-not-exist: .*is not a directory" <<<"$err"

mkdir -p "$WORK/mnt3"
unshare --user "$BINFMT" --mount "$WORK/mnt3" --install arm64 >"$WORK/stdout" 2>"$WORK/stderr"
rc=$? out=$(cat "$WORK/stdout") err=$(cat "$WORK/stderr")
check "mount not permitted: exit 0 (exit $rc), no JSON on stdout" test "$rc" -eq 0 -a -z "$out"
check "mount not permitted: the reason and what to do" \
    grep -q "^error: cannot mount binfmt_misc filesystem at $WORK/mnt3: Operation not permitted.*--privileged" <<<"$err"

# Root without CAP_SYS_ADMIN, as in a container run without --privileged.
mkdir -p "$WORK/mnt4"
setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin "$BINFMT" --mount "$WORK/mnt4" \
    --install arm64 >"$WORK/stdout" 2>"$WORK/stderr"
rc=$? out=$(cat "$WORK/stdout") err=$(cat "$WORK/stderr")
check "root without CAP_SYS_ADMIN: exit 0 (exit $rc), no JSON on stdout" test "$rc" -eq 0 -a -z "$out"
check "root without CAP_SYS_ADMIN: the reason and what to do" \
    grep -q "^error: cannot mount binfmt_misc filesystem at $WORK/mnt4: Operation not permitted.*CAP_SYS_ADMIN.*--privileged" <<<"$err"
check "root without CAP_SYS_ADMIN: nothing mounted" test "$(stat -f -c %T "$WORK/mnt4")" != "binfmt_misc"

done_testing
