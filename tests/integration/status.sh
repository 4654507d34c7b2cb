#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# binfmtctl status and list, as text and JSON, against a private instance.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v jq >/dev/null || skip_all "jq is missing"
fi
enter_private_instance

# Not mounted: status reports it and changes nothing.
mkdir -p "$WORK/empty"
run "$BINFMTCTL" --mount "$WORK/empty" status
check "status of an unmounted directory: exit 0" test "$rc" -eq 0
check "status of an unmounted directory: says not mounted" grep -q "^binfmt_misc:  $WORK/empty: not mounted" <<<"$out"
check "status does not mount" test "$(stat -f -c %T "$WORK/empty")" != binfmt_misc
run "$BINFMTCTL" --mount "$WORK/empty" status --json
check "status --json when unmounted: mounted is false" test "$(jq -r .mount.mounted <<<"$out")" = false

ctl status --json
check "status --json of an empty instance: emulators is null" test "$(jq -c .emulators <<<"$out")" = null
check "status --json: entries is an empty array" test "$(jq -c .entries <<<"$out")" = "[]"
check "status --json: a child user namespace" test "$(jq -r .mount.user_namespace <<<"$out")" = child
check "status --json: kernel release" test "$(jq -r .kernel.release <<<"$out")" = "$(uname -r)"
check "status --json: F flag supported" test "$(jq -r .kernel.fix_binary <<<"$out")" = true

ctl install arm64 riscv64
printf '%s' ':python3.11:M::\xa7\x0d\x0d\x0a::/usr/bin/python3.11:' >"$MNT/register"
printf '%s' ':shell:E::sh::/bin/sh:' >"$MNT/register"
echo 0 >"$MNT/qemu-riscv64"

ctl status
check "status: exit 0" test "$rc" -eq 0
diag "$out"
check "status: kernel line" grep -q "^Kernel:       $(uname -r): F flag; " <<<"$out"
check "status: mount line" grep -q "^binfmt_misc:  $MNT: mounted, enabled, read-write" <<<"$out"
check "status: namespace line" grep -q "^Namespace:    a user namespace" <<<"$out"
check "status: entry count" grep -q "^Entries:      4" <<<"$out"
check "status: our arm64 entry" grep -Eq "^qemu-aarch64 +enabled +binfmtd +linux/arm64 +F +/usr/bin/qemu-aarch64-static +static, safe" <<<"$out"
check "status: the disabled riscv64 entry" grep -Eq "^qemu-riscv64 +disabled +binfmtd +linux/riscv64" <<<"$out"
check "status: a foreign entry with a dynamic interpreter" grep -Eq "^python3.11 +enabled +other +- +- +/usr/bin/python3.11 +(dynamic|missing)" <<<"$out"

ctl status --json
j=$out
check "status --json is valid JSON" bash -c 'jq -e . >/dev/null' <<<"$j"
check "status --json: our entry's owner" test "$(jq -r '.entries[] | select(.name=="qemu-aarch64") | .owner' <<<"$j")" = binfmtd
check "status --json: our entry's platforms" test "$(jq -c '.entries[] | select(.name=="qemu-aarch64") | .platforms' <<<"$j")" = '["linux/arm64"]'
check "status --json: our entry's interpreter check" test "$(jq -r '.entries[] | select(.name=="qemu-aarch64") | .interpreter_check' <<<"$j")" = ok
check "status --json: our entry's flags" test "$(jq -r '.entries[] | select(.name=="qemu-aarch64") | .flags' <<<"$j")" = F
check "status --json: our entry's magic" test "$(jq -r '.entries[] | select(.name=="qemu-aarch64") | .magic' <<<"$j")" = 7f454c460201010000000000000000000200b700
check "status --json: the extension entry" test "$(jq -r '.entries[] | select(.name=="shell") | .type + " " + .extension' <<<"$j")" = "extension sh"
check "status --json: foreign owner" test "$(jq -r '.entries[] | select(.name=="python3.11") | .owner' <<<"$j")" = other
check "status --json: emulators are the enabled entries" test "$(jq -c .emulators <<<"$j")" = '["python3.11","qemu-aarch64","shell"]'

# Disabling the whole instance shows in status.
echo 0 >"$MNT/status"
ctl status
check "status: a disabled instance" grep -q "^binfmt_misc:  $MNT: mounted, disabled" <<<"$out"
echo 1 >"$MNT/status"

ctl list
check "list: exit 0" test "$rc" -eq 0
check "list: arm64 with its interpreter" grep -Eq "^aarch64 +arm +linux/arm64 +arm64.* /usr/bin/qemu-aarch64-static$" <<<"$out"
check "list: arm with both platforms" grep -Eq "^arm +arm +linux/arm/v7,linux/arm/v6 " <<<"$out"
case $(uname -m) in
    x86_64) check "list: x86_64 is native" grep -Eq "^x86_64 .*\(native, never registered\)" <<<"$out" ;;
esac
run "$BINFMTCTL" list --interpreter-dir "$WORK/empty"
check "list: no interpreter in an empty directory" grep -Eq "^riscv64 .* -$" <<<"$out"

done_testing
