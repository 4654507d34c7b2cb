#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# NodeFeatureFile=: binfmtd keeps a Node Feature Discovery feature file with one label per
# platform verified to run in containers, on the real kernel in a private binfmt_misc
# instance. The file follows readiness: a platform installed through the socket appears, one
# uninstalled goes, one whose entry breaks (switched off) goes, each within a second or two of
# the verification that saw it; it is replaced atomically, its names are valid Kubernetes label
# names, and RemoveOnStop=yes removes it.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
fi
enter_private_instance
trap 'stop_daemon' EXIT

CONF=$WORK/binfmtd.conf
SOCK=$WORK/io.binfmtd
FEATURES=$WORK/features.d
FILE=$FEATURES/binfmtd
ctld() { run "$BINFMTCTL" --socket "$SOCK" "$@"; }
labels() { grep -v '^#' "$FILE" 2>/dev/null; }
has_label() { labels | grep -qx "$1=true"; }
lacks_label() { [ -e "$FILE" ] && ! labels | grep -q "^$1="; }

mkdir -p "$FEATURES"
# Verifications every second, reconciles never: an entry that breaks stays broken.
write_config "$CONF" "Targets=linux/arm64" "NodeFeatureFile=$FILE" "VerifyIntervalSec=1" \
    "ReconcileIntervalSec=3600" "RemoveOnStop=yes"
check "binfmtd starts" start_daemon --config "$CONF"
check "the feature file has linux/arm64 once it is verified" wait_until 20 has_label binfmtd-linux-arm64
case $(uname -m) in
    x86_64) check "and the native linux/amd64" has_label binfmtd-linux-amd64 ;;
    aarch64) check "and the native linux/arm64" has_label binfmtd-linux-arm64 ;;
esac
check "no label for a platform that is not registered" lacks_label binfmtd-linux-riscv64
check "every line is NAME=true with a valid Kubernetes label name" \
    bash -c '! grep -v "^#" "$0" | grep -Evx "[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?=true"' "$FILE"
check "the file is readable by NFD (0644)" test "$(stat -c %a "$FILE")" = 644
check "the update is logged" grep -q "NodeFeatureFile=$FILE: node labels updated" "$WORK/binfmtd.log"

ctld install riscv64
check "install riscv64: its label appears" wait_until 5 has_label binfmtd-linux-riscv64
ctld uninstall riscv64
check "uninstall riscv64: its label goes" wait_until 5 lacks_label binfmtd-linux-riscv64

echo 0 >"$MNT/qemu-aarch64"
check "an entry that breaks (switched off): its label goes" wait_until 5 lacks_label binfmtd-linux-arm64
echo 1 >"$MNT/qemu-aarch64"
check "and comes back when the entry works again" wait_until 5 has_label binfmtd-linux-arm64
check "no temporary file is left beside it" test -z "$(ls -A "$FEATURES" | grep -vx binfmtd)"

stop_daemon
check "RemoveOnStop=yes: the feature file is removed" test ! -e "$FILE"

done_testing
