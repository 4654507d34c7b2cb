/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The architecture table: one entry per QEMU linux-user emulator binfmtd can register, with the
 * magic and mask the kernel compares against the first bytes of a file, the QEMU family used to
 * keep native targets unregistered, and the OCI names of the target.
 *
 * This module owns those facts and the byte-matching rule. It must not parse user input (that
 * is platform.c), look at the running system (host.c), or change at run time: the table is
 * const data, and every lookup is a linear scan over a few dozen entries.
 *
 * The bytes follow QEMU's qemu-binfmt-conf.sh, with two deliberate differences: microblaze
 * matches the big-endian e_type (upstream's entry carries the little-endian one and can never
 * match a real big-endian executable), and cris, which Debian ships but upstream does not list,
 * is added with Debian's bytes. There is no i486 entry: QEMU builds no qemu-i486. The first ten
 * entries follow the order OCI tooling lists platforms in; the rest keep QEMU's order.
 *
 * Aliases hold names beyond the QEMU name and the OCI architecture; a name appears at most once
 * in the whole table, which the unit test checks.
 */

#include <stdio.h>
#include <string.h>

#include <elf.h>

#include "target/arch.h"
#include "target/elf.h"
#include "base/macro.h"

/* The old, unofficial MicroBlaze number: the one QEMU's binfmt entries match. */
#define EM_MICROBLAZE_OLD 0xbaab

#define STRV(...) ((const char *const[]){__VA_ARGS__, NULL})

#define ELF_MAGIC "\x7f\x45\x4c\x46"
#define ELF_MASK  "\xff\xff\xff\xff"

/* Magic and mask must have the same length; a mismatch is a compile error, not a short mask. */
#define BYTES(m, k)                                                                                \
        .len = sizeof(m) - 1 + 0 * sizeof(char[sizeof(m) == sizeof(k) ? 1 : -1]), .magic = m,      \
        .mask = k

/*
 * Masks, byte by byte: 4 EI_CLASS, 5 EI_DATA, 6 EI_VERSION, 7 EI_OSABI (ignored, or only its
 * low two bits for loongarch64), 8 EI_ABIVERSION (ignored for mips and loongarch64), 16-17
 * e_type (the 0xfe bit accepts ET_EXEC and ET_DYN, so static PIE matches), 18-19 e_machine, in
 * the entry's byte order. A 0xfe mask at bytes 5-6 of the x86 and alpha entries (byte 6 of m68k)
 * is upstream's; it ignores only the low bit, which keeps big-endian files out.
 *
 * 32-bit mips entries are 40 bytes long: they also require e_version 1 (bytes 20-23) and look
 * at EF_MIPS_ABI2 in e_flags (byte 36 little-endian, 39 big-endian), the only thing that tells
 * an o32 executable from an n32 one. 64-bit mips is always n64 and needs no e_flags.
 */
/* clang-format off */
static const BinfmtArch table[] = {
        {
                .name = "x86_64",
                .family = "i386",
                .oci_arch = "amd64",
                .aliases = STRV("x86-64"),
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_X86_64,
                BYTES(ELF_MAGIC "\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x3e\x00",
                      ELF_MASK  "\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "aarch64",
                .family = "arm",
                .oci_arch = "arm64",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_AARCH64,
                BYTES(ELF_MAGIC "\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\xb7\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "riscv64",
                .family = "riscv",
                .oci_arch = "riscv64",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_RISCV,
                BYTES(ELF_MAGIC "\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\xf3\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        /* Upstream's mask ignores the high byte of e_machine here; kept as it is. */
        {
                .name = "ppc64le",
                .family = "ppcle",
                .oci_arch = "ppc64le",
                .aliases = STRV("ppc64el", "powerpc64le"),
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_PPC64,
                BYTES(ELF_MAGIC "\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x15\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\x00")
        },
        {
                .name = "s390x",
                .family = "s390x",
                .oci_arch = "s390x",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_S390,
                BYTES(ELF_MAGIC "\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x16",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "i386",
                .family = "i386",
                .oci_arch = "386",
                .aliases = STRV("i486", "i586", "i686", "x86"),
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_386,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x03\x00",
                      ELF_MASK  "\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "mips64el",
                .family = "mips",
                .oci_arch = "mips64le",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_MIPS,
                BYTES(ELF_MAGIC "\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x08\x00",
                      ELF_MASK  "\xff\xff\xff\x00\x00\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "mips64",
                .family = "mips",
                .oci_arch = "mips64",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_MIPS,
                BYTES(ELF_MAGIC "\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x08",
                      ELF_MASK  "\xff\xff\xff\x00\x00\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "loongarch64",
                .family = "loongarch",
                .oci_arch = "loong64",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_LOONGARCH,
                BYTES(ELF_MAGIC "\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x02\x01",
                      ELF_MASK  "\xff\xff\xff\xfc\x00\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "arm",
                .family = "arm",
                .oci_arch = "arm",
                .oci_variants = STRV("v7", "v6"),
                .aliases = STRV("armhf", "armel", "armv7l", "armv7", "armv6l", "armv6", "arm32"),
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_ARM,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x28\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "alpha",
                .family = "alpha",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_ALPHA,
                BYTES(ELF_MAGIC "\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x26\x90",
                      ELF_MASK  "\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "armeb",
                .family = "armeb",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_ARM,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x28",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "sparc",
                .family = "sparc",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_SPARC,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x02",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "sparc32plus",
                .family = "sparc",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_SPARC32PLUS,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x12",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "sparc64",
                .family = "sparc",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_SPARCV9,
                BYTES(ELF_MAGIC "\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x2b",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "ppc",
                .family = "ppc",
                .aliases = STRV("powerpc"),
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_PPC,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x14",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "ppc64",
                .family = "ppc",
                .oci_arch = "ppc64",
                .aliases = STRV("powerpc64"),
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_PPC64,
                BYTES(ELF_MAGIC "\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x15",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "m68k",
                .family = "m68k",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_68K,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x04",
                      ELF_MASK  "\xff\xff\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "mips",
                .family = "mips",
                .oci_arch = "mips",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_MIPS,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x08"
                                "\x00\x00\x00\x01"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                      ELF_MASK  "\xff\xff\xff\x00\x00\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff"
                                "\xff\xff\xff\xff"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20")
        },
        {
                .name = "mipsel",
                .family = "mips",
                .oci_arch = "mipsle",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_MIPS,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x08\x00"
                                "\x01\x00\x00\x00"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                      ELF_MASK  "\xff\xff\xff\x00\x00\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff"
                                "\xff\xff\xff\xff"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00")
        },
        /* n32: EF_MIPS_ABI2 set, where the o32 entries above require it clear. */
        {
                .name = "mipsn32",
                .family = "mips",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_MIPS,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x08"
                                "\x00\x00\x00\x01"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20",
                      ELF_MASK  "\xff\xff\xff\x00\x00\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff"
                                "\xff\xff\xff\xff"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20")
        },
        {
                .name = "mipsn32el",
                .family = "mips",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_MIPS,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x08\x00"
                                "\x01\x00\x00\x00"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00",
                      ELF_MASK  "\xff\xff\xff\x00\x00\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff"
                                "\xff\xff\xff\xff"
                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00")
        },
        {
                .name = "sh4",
                .family = "sh4",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_SH,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x2a\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "sh4eb",
                .family = "sh4",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_SH,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x2a",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "aarch64_be",
                .family = "armeb",
                .elf_class = ELFCLASS64,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_AARCH64,
                BYTES(ELF_MAGIC "\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\xb7",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "hppa",
                .family = "hppa",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_PARISC,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x0f",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "riscv32",
                .family = "riscv",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_RISCV,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\xf3\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "xtensa",
                .family = "xtensa",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_XTENSA,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x5e\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "xtensaeb",
                .family = "xtensaeb",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_XTENSA,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x5e",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        /*
         * e_type in big-endian order, where upstream has the little-endian bytes. Both
         * microblaze entries match only the old machine number, as upstream's do, although
         * QEMU also loads EM_MICROBLAZE (189), the number current toolchains write.
         */
        {
                .name = "microblaze",
                .family = "microblaze",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_MICROBLAZE_OLD,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\xba\xab",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "microblazeel",
                .family = "microblazeel",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_MICROBLAZE_OLD,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\xab\xba",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        {
                .name = "or1k",
                .family = "or1k",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2MSB,
                .e_machine = EM_OPENRISC,
                BYTES(ELF_MAGIC "\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x02\x00\x5c",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xff\xfe\xff\xff")
        },
        {
                .name = "hexagon",
                .family = "hexagon",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_HEXAGON,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\xa4\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
        /* Not in upstream's list; the bytes are the ones Debian registers. */
        {
                .name = "cris",
                .family = "cris",
                .elf_class = ELFCLASS32,
                .elf_data = ELFDATA2LSB,
                .e_machine = EM_CRIS,
                BYTES(ELF_MAGIC "\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x02\x00\x4c\x00",
                      ELF_MASK  "\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
                                "\xfe\xff\xff\xff")
        },
};
/* clang-format on */

const BinfmtArch *arch_table(size_t *ret_n)
{
        if (ret_n)
                *ret_n = ELEMENTSOF(table);
        return table;
}

const BinfmtArch *arch_by_name(const char *name)
{
        if (!name)
                return NULL;

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(table[i].name, name))
                        return &table[i];
        return NULL;
}

bool arch_matches(const BinfmtArch *a, const uint8_t *hdr, size_t len)
{
        if (!a || (!hdr && len > 0))
                return false;

        /* The kernel compares against a zero-filled buffer, so bytes past a short file are 0. */
        for (size_t i = 0; i < a->len; i++) {
                size_t at = a->offset + i;
                uint8_t b = at < len ? hdr[at] : 0;

                if ((b ^ a->magic[i]) & a->mask[i])
                        return false;
        }
        return true;
}

const BinfmtArch *arch_find_by_header(const uint8_t *hdr, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (arch_matches(&table[i], hdr, len))
                        return &table[i];
        return NULL;
}

const char *arch_entry_name(const BinfmtArch *a, char *buf, size_t size)
{
        if (size > 0 && a->entry_name)
                snprintf(buf, size, "%s", a->entry_name);
        else if (size > 0)
                snprintf(buf, size, "qemu-%s", a->name);
        return buf;
}

bool arch_same(const BinfmtArch *a, const BinfmtArch *b)
{
        return a && b && (a == b || streq(a->name, b->name));
}
