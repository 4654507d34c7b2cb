#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# NodeFeatureFile=: binfmtd keeps a Node Feature Discovery feature file with one label per
# platform verified to run in containers, on the real kernel in a private binfmt_misc
# instance. The file follows readiness: a platform installed through the socket appears, one
# uninstalled goes, one that stops working (binfmt_misc switched off) goes, each within a second or two of
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
# An emulated platform to configure and one to install, on any host; the host's own label.
case $(uname -m) in
    aarch64) EMU=linux/riscv64 EXTRA=s390x NATIVE_LABEL=binfmtd-linux-arm64 ;;
    *) EMU=linux/arm64 EXTRA=riscv64 NATIVE_LABEL=binfmtd-linux-amd64 ;;
esac
EMU_LABEL=binfmtd-${EMU//\//-}
EXTRA_LABEL=binfmtd-linux-$EXTRA
has_label() { labels | grep -qx "$1=true"; }
lacks_label() { [ -e "$FILE" ] && ! labels | grep -q "^$1="; }

mkdir -p "$FEATURES"
# Verifications every second.
write_config "$CONF" "Targets=$EMU" "NodeFeatureFile=$FILE" "VerifyIntervalSec=1" \
    "ReconcileIntervalSec=3600" "RemoveOnStop=yes"
check "binfmtd starts" start_daemon --config "$CONF"
check "the feature file has $EMU once it is verified" wait_until 20 has_label "$EMU_LABEL"
check "and the native platform" has_label "$NATIVE_LABEL"
check "no label for a platform that is not registered" lacks_label "$EXTRA_LABEL"
check "every line is NAME=true with a valid Kubernetes label name" \
    bash -c '! grep -v "^#" "$0" | grep -Evx "[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?=true"' "$FILE"
check "the file is readable by NFD (0644)" test "$(stat -c %a "$FILE")" = 644
check "the update is logged" grep -q "NodeFeatureFile=$FILE: node labels updated" "$WORK/binfmtd.log"

ctld install "$EXTRA"
check "install $EXTRA: its label appears" wait_until 5 has_label "$EXTRA_LABEL"
ctld uninstall "$EXTRA"
check "uninstall $EXTRA: its label goes" wait_until 5 lacks_label "$EXTRA_LABEL"

# binfmtd repairs its own entries as soon as they change; what it never writes is the
# instance's switch. Switched off, no entry runs anything.
echo 0 >"$MNT/status"
check "binfmt_misc switched off: the emulated platform's label goes" \
    wait_until 5 lacks_label "$EMU_LABEL"
check "the native platform's stays" has_label "$NATIVE_LABEL"
echo 1 >"$MNT/status"
check "and comes back when it works again" wait_until 5 has_label "$EMU_LABEL"
check "no temporary file is left beside it" test -z "$(ls -A "$FEATURES" | grep -vx binfmtd)"

stop_daemon
check "RemoveOnStop=yes: the feature file is removed" test ! -e "$FILE"

done_testing
