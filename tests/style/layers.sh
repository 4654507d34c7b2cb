#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lib/'s layers, checked: every include of a lib/ header names its folder, and points down.
#
#   base (0) <- target (1) <- binfmt (2) <- verify (3) <- ops (4)
#   varlink and compat sit on base (1); config on target and binfmt (3).
#
# A module may include its own folder and any folder of a lower rank. daemon/ and tools/ may
# include any of lib/; nothing in lib/ includes them (they are not on its include path).
# TAP output; exit 1 on the first kind of violation found.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT/lib" || exit 1

declare -A rank=([base]=0 [target]=1 [varlink]=1 [compat]=1 [binfmt]=2 [verify]=3 [config]=3 [ops]=4)
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }

folders=$(find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
for d in $folders; do
    if [ -z "${rank[$d]:-}" ]; then
        not_ok "lib/$d has no place in the layers (add it here and to lib/README.md)"
        continue
    fi
    [ -f "$d/README.md" ] && ok "lib/$d has a README" || not_ok "lib/$d has a README"
done
loose=$(find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) -printf '%f ')
[ -z "$loose" ] && ok "no module outside a folder" || not_ok "no module outside a folder: $loose"

bad=()
while IFS=: read -r file _ line; do
    from=${file#./}
    from=${from%%/*}
    inc=$(sed -n 's/^#include "\([^"]*\)".*/\1/p' <<<"$line")
    case $inc in
        build-config.h) continue ;;
        */*) to=${inc%%/*} ;;
        *) bad+=("$file: \"$inc\" does not name its folder"); continue ;;
    esac
    [ -d "$to" ] || continue
    if [ "$to" != "$from" ] && [ "${rank[$to]:-99}" -ge "${rank[$from]:--1}" ]; then
        bad+=("$file: $from (${rank[$from]:-?}) includes $inc ($to, ${rank[$to]:-?}): up or across")
    fi
done < <(grep -rn '^#include "' --include='*.c' --include='*.h' .)

if [ ${#bad[@]} -eq 0 ]; then
    ok "every include in lib/ names its folder and points down"
else
    not_ok "every include in lib/ names its folder and points down"
    printf '# %s\n' "${bad[@]}"
fi

echo "1..$n"
exit $failed
