#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The architecture table against real ELF files, as TAP. For every target a Debian toolchain can
# build for, a trivial _start is assembled and linked as a static executable and as a static PIE
# (ET_DYN); elf-match must name exactly that target for both. For targets without a toolchain, a
# minimal header is written from the target's class, byte order and machine. In both cases the
# real QEMU judges the file too: "Invalid ELF image" means the bytes describe some other machine.
#
# Needs no binfmt_misc and never touches it: emulators are run directly on the files.
#
# ELF_MATCH names the elf-match helper. A missing toolchain or emulator is a skip naming its
# package, or a failure when BINFMTD_TESTS_MUST_RUN=1 (CI installs them all).

set -u

must_run=${BINFMTD_TESTS_MUST_RUN:-0}

if [ -z "${ELF_MATCH:-}" ] || [ ! -x "$ELF_MATCH" ]; then
        echo "Bail out! ELF_MATCH must name the elf-match helper (got '${ELF_MATCH:-}')"
        exit 1
fi

tmp=$(mktemp -d) || {
        echo "Bail out! mktemp -d failed"
        exit 1
}
trap 'rm -rf "$tmp"' EXIT

# Targets built by a toolchain: name|GNU triple|assembler flags|linker flags|source.
# The GNU binutils of TRIPLE come from binutils-TRIPLE (x86_64 spelled x86-64); "llvm" means
# clang and ld.lld. Endianness and ABI come from flags where one toolchain covers two targets.
real_targets=(
        "x86_64|x86_64-linux-gnu|||nop"
        "aarch64|aarch64-linux-gnu|||nop"
        "riscv64|riscv64-linux-gnu|||nop"
        "ppc64le|powerpc64le-linux-gnu|||nop"
        "s390x|s390x-linux-gnu|||nop"
        "i386|i686-linux-gnu|||nop"
        "mips64el|mips64el-linux-gnuabi64|||nop"
        "mips64|mips64-linux-gnuabi64|||nop"
        "arm|arm-linux-gnueabihf|||nop"
        "alpha|alpha-linux-gnu|||nop"
        "armeb|arm-linux-gnueabihf|-EB|-EB|nop"
        "sparc|sparc64-linux-gnu|-32|-m elf32_sparc|nop"
        "sparc32plus|sparc64-linux-gnu|-32 -Av8plus|-m elf32_sparc|v9"
        "sparc64|sparc64-linux-gnu|||nop"
        "ppc|powerpc-linux-gnu|||nop"
        "ppc64|powerpc64-linux-gnu|||nop"
        "m68k|m68k-linux-gnu|||nop"
        "mips|mips-linux-gnu|||nop"
        "mipsel|mipsel-linux-gnu|||nop"
        "mipsn32|mips64-linux-gnuabin32|||nop"
        "mipsn32el|mips64el-linux-gnuabin32|||nop"
        "sh4|sh4-linux-gnu|||nop"
        "sh4eb|sh4-linux-gnu|-big|-EB|nop"
        "aarch64_be|aarch64-linux-gnu|-EB|-EB|nop"
        "hppa|hppa-linux-gnu|||nop"
        "riscv32|riscv64-linux-gnu|-march=rv32i -mabi=ilp32|-m elf32lriscv|nop"
        "hexagon|llvm|--target=hexagon-unknown-linux-musl||nop"
)

# Targets no Debian 12 toolchain builds for: name|ELF class|ELF data|e_machine|e_flags.
# These numbers are stated here independently of the table; QEMU confirms them.
synth_targets=(
        "loongarch64|2|1|258|0x43"
        "xtensa|1|1|94|0x300"
        "xtensaeb|1|2|94|0x300"
        "microblaze|1|2|0xbaab|0"
        "microblazeel|1|1|0xbaab|0"
        "or1k|1|2|92|0"
        "cris|1|1|76|0"
)

# Four tests per target (two files, each checked by elf-match and by QEMU), plus the controls.
n_controls=4
plan=$(( 4 * ${#real_targets[@]} + 4 * ${#synth_targets[@]} + n_controls ))
echo "1..$plan"

n=0
failed=0

ok() {
        n=$((n + 1))
        echo "ok $n - $1"
}

not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        shift
        for line in "$@"; do
                printf '%s\n' "$line" | sed 's/^/# /'
        done
}

# A required program is absent: skip, unless CI promised to install it.
missing() {
        local desc=$1 pkg=$2

        if [ "$must_run" = 1 ]; then
                not_ok "$desc" "missing package: $pkg (BINFMTD_TESTS_MUST_RUN=1)"
        else
                n=$((n + 1))
                echo "ok $n - $desc # SKIP missing package: $pkg"
        fi
}

# Escapes for printf: value $1 as $2 bytes, in ELF byte order $3 (1 LSB, 2 MSB).
num() {
        local v=$1 w=$2 d=$3 i j out=""

        for ((i = 0; i < w; i++)); do
                if [ "$d" = 1 ]; then j=$i; else j=$((w - 1 - i)); fi
                out+=$(printf '\\x%02x' $(((v >> (8 * j)) & 0xff)))
        done
        printf '%s' "$out"
}

# make_elf FILE CLASS DATA TYPE MACHINE FLAGS: an ELF header and one PT_LOAD program header
# mapping the file at 0x10000, followed by zeros, as QEMU's loader expects its sizes.
make_elf() {
        local f=$1 c=$2 d=$3 t=$4 m=$5 fl=$6 w eh ph h

        if [ "$c" = 1 ]; then
                w=4 eh=52 ph=32
        else
                w=8 eh=64 ph=56
        fi
        h='\x7fELF'$(num "$c" 1 1)$(num "$d" 1 1)'\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'
        h+=$(num "$t" 2 "$d")$(num "$m" 2 "$d")$(num 1 4 "$d")
        h+=$(num $((0x10000 + eh + ph)) "$w" "$d")$(num "$eh" "$w" "$d")$(num 0 "$w" "$d")
        h+=$(num "$fl" 4 "$d")$(num "$eh" 2 "$d")$(num "$ph" 2 "$d")
        h+=$(num 1 2 "$d")$(num $((c == 1 ? 40 : 64)) 2 "$d")$(num 0 2 "$d")$(num 0 2 "$d")
        if [ "$c" = 1 ]; then
                h+=$(num 1 4 "$d")$(num 0 4 "$d")$(num 0x10000 4 "$d")$(num 0x10000 4 "$d")
                h+=$(num 512 4 "$d")$(num 512 4 "$d")$(num 5 4 "$d")$(num 0x10000 4 "$d")
        else
                h+=$(num 1 4 "$d")$(num 5 4 "$d")$(num 0 8 "$d")$(num 0x10000 8 "$d")
                h+=$(num 0x10000 8 "$d")$(num 512 8 "$d")$(num 512 8 "$d")$(num 0x10000 8 "$d")
        fi
        {
                printf '%b' "$h"
                head -c 512 /dev/zero
        } >"$f" && chmod +x "$f"
}

# e_type of FILE, read in the file's own byte order.
elf_type() {
        local f=$1 d b0 b1

        d=$(od -An -tu1 -j5 -N1 "$f" | tr -d ' ')
        read -r b0 b1 < <(od -An -tu1 -j16 -N2 "$f")
        if [ "$d" = 1 ]; then
                echo $((b0 | b1 << 8))
        else
                echo $((b0 << 8 | b1))
        fi
}

# elf-match must name exactly NAME for FILE, and FILE must have e_type TYPE.
check_match() {
        local name=$1 file=$2 type=$3 desc=$4 out got_type

        got_type=$(elf_type "$file")
        if [ "$got_type" != "$type" ]; then
                not_ok "$desc" "e_type is $got_type, expected $type"
                return
        fi
        out=$("$ELF_MATCH" "$file" 2>&1)
        if [ "$out" = "$file: $name" ]; then
                ok "$desc"
        else
                not_ok "$desc" "elf-match said: $out" "expected:       $file: $name"
        fi
}

# Runs FILE under QEMU; prints its output, with the exit status last. Never waits long: a file
# QEMU accepted may run into anything, including a loop.
run_qemu() {
        local qemu=$1 file=$2

        (
                ulimit -c 0
                cd "$tmp" && timeout 10 "$qemu" "$file" </dev/null
                echo "exit status $?"
        ) 2>&1
}

# QEMU's loader must take FILE as a NAME executable. It checks class, byte order, machine and
# (for mips) the ABI flag before anything else, and says "Invalid ELF image" when they are not
# its own; whatever happens after loading (a signal, a crash, a timeout) is not its verdict.
check_qemu() {
        local name=$1 file=$2 desc=$3 qemu out

        qemu=$(command -v "qemu-$name-static") || {
                missing "$desc" qemu-user-static
                return
        }
        out=$(run_qemu "$qemu" "$file")
        if grep -q 'Invalid ELF image' <<<"$out"; then
                not_ok "$desc" "$(head -n 5 <<<"$out")"
        else
                ok "$desc"
        fi
}

printf '\t.globl _start\n_start:\n\tnop\n' >"$tmp/nop.S"
# A v9 instruction in 32-bit code is what makes the assembler mark the file v8+.
printf '\t.globl _start\n_start:\n\tmembar #Sync\n\tnop\n' >"$tmp/v9.S"

for spec in "${real_targets[@]}"; do
        IFS='|' read -r name triple as_flags ld_flags src <<<"$spec"
        exe_desc="$name: static executable matches only $name"
        pie_desc="$name: static PIE (ET_DYN) matches only $name"
        qexe_desc="$name: qemu-$name-static accepts the static executable"
        qpie_desc="$name: qemu-$name-static accepts the static PIE"

        if [ "$triple" = llvm ]; then
                as_cmd="clang $as_flags -c" ld_cmd="ld.lld $ld_flags" pkg="clang lld"
        else
                as_cmd="$triple-as $as_flags" ld_cmd="$triple-ld $ld_flags"
                pkg=binutils-${triple/x86_64/x86-64}
        fi

        have=1
        for tool in ${as_cmd%% *} ${ld_cmd%% *}; do
                command -v "$tool" >/dev/null || have=0
        done
        if [ "$have" = 1 ] && [ "$triple" = llvm ] &&
           ! clang -print-targets 2>/dev/null | grep -qw "$name"; then
                have=0
                pkg="$pkg (clang built with the $name target)"
        fi
        if [ "$have" = 0 ]; then
                for d in "$exe_desc" "$pie_desc" "$qexe_desc" "$qpie_desc"; do
                        missing "$d" "$pkg"
                done
                continue
        fi

        obj=$tmp/$name.o exe=$tmp/$name pie=$tmp/$name.pie log=$tmp/$name.log
        # shellcheck disable=SC2086 # the commands carry their flags
        if ! $as_cmd -o "$obj" "$tmp/$src.S" >"$log" 2>&1 ||
           ! $ld_cmd -static -o "$exe" "$obj" >>"$log" 2>&1 ||
           ! $ld_cmd -pie --no-dynamic-linker -o "$pie" "$obj" >>"$log" 2>&1; then
                for d in "$exe_desc" "$pie_desc" "$qexe_desc" "$qpie_desc"; do
                        not_ok "$d" "building with $as_cmd / $ld_cmd failed:" "$(head -n 5 "$log")"
                done
                continue
        fi

        check_match "$name" "$exe" 2 "$exe_desc"
        check_match "$name" "$pie" 3 "$pie_desc"
        check_qemu "$name" "$exe" "$qexe_desc"
        check_qemu "$name" "$pie" "$qpie_desc"
done

for spec in "${synth_targets[@]}"; do
        IFS='|' read -r name class data machine flags <<<"$spec"
        exe=$tmp/$name.synth pie=$tmp/$name.synth-dyn
        what="class $class, data $data, machine $((machine))"

        if ! make_elf "$exe" "$class" "$data" 2 "$((machine))" "$((flags))" ||
           ! make_elf "$pie" "$class" "$data" 3 "$((machine))" "$((flags))"; then
                echo "Bail out! cannot write files in $tmp"
                exit 1
        fi
        check_match "$name" "$exe" 2 "$name: ET_EXEC header ($what) matches only $name"
        check_match "$name" "$pie" 3 "$name: ET_DYN header ($what) matches only $name"
        check_qemu "$name" "$exe" "$name: qemu-$name-static accepts the ET_EXEC header"
        check_qemu "$name" "$pie" "$name: qemu-$name-static accepts the ET_DYN header"
done

# Controls: each check above must be able to say no.
printf '#!/bin/sh\nexit 0\n' >"$tmp/script"
out=$("$ELF_MATCH" "$tmp/script" 2>&1)
if [ "$out" = "$tmp/script: -" ]; then
        ok "control: elf-match matches nothing for a shell script"
else
        not_ok "control: elf-match matches nothing for a shell script" "elf-match said: $out"
fi

# Upstream's microblaze bytes: e_type stored little-endian in a big-endian file. QEMU refuses it,
# and the table does not match it.
make_elf "$tmp/mb-upstream" 1 2 $((0x0200)) $((0xbaab)) 0
desc="control: a big-endian microblaze header with a little-endian e_type matches nothing"
out=$("$ELF_MATCH" "$tmp/mb-upstream" 2>&1)
if [ "$out" = "$tmp/mb-upstream: -" ]; then
        ok "$desc"
else
        not_ok "$desc" "elf-match said: $out"
fi

control_rejects() {
        local name=$1 file=$2 desc=$3 qemu out

        qemu=$(command -v "qemu-$name-static") || {
                missing "$desc" qemu-user-static
                return
        }
        out=$(run_qemu "$qemu" "$file")
        if grep -q 'Invalid ELF image' <<<"$out"; then
                ok "$desc"
        else
                not_ok "$desc" "QEMU did not reject it:" "$(head -n 5 <<<"$out")"
        fi
}

control_rejects microblaze "$tmp/mb-upstream" \
        "control: qemu-microblaze-static rejects a little-endian e_type in a big-endian file"
make_elf "$tmp/x86-64-header" 2 1 2 62 0
control_rejects xtensa "$tmp/x86-64-header" \
        "control: qemu-xtensa-static rejects an x86-64 header as Invalid ELF image"

if [ "$n" != "$plan" ]; then
        echo "# planned $plan tests, ran $n"
        exit 1
fi
[ "$failed" = 0 ]
