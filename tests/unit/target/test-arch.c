/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The architecture table against facts stated here a second time, and against itself: every
 * entry's bytes agree with its ELF fields, a header of each target matches that target and no
 * other, and the byte-matching rule is the kernel's. Header construction stays in this file: the
 * test must not trust the table to tell it what a header looks like.
 */

#include <elf.h>

#include "target/arch.h"
#include "target/elf.h"
#include "tests.h"

#define EM_MICROBLAZE_OLD 0xbaab
#define EF_MIPS_ABI2_BIT  0x20

typedef struct Expect {
        const char *name, *family, *oci_arch;
        uint8_t elf_class, elf_data;
        uint16_t e_machine;
        uint32_t e_flags; /* what a typical executable of the target carries */
} Expect;

/* In table order: the OCI ten first, then QEMU's order, then cris. */
/* clang-format off */
static const Expect expected[] = {
        { "x86_64", "i386", "amd64", ELFCLASS64, ELFDATA2LSB, EM_X86_64, 0 },
        { "aarch64", "arm", "arm64", ELFCLASS64, ELFDATA2LSB, EM_AARCH64, 0 },
        { "riscv64", "riscv", "riscv64", ELFCLASS64, ELFDATA2LSB, EM_RISCV, 0x5 },
        { "ppc64le", "ppcle", "ppc64le", ELFCLASS64, ELFDATA2LSB, EM_PPC64, 0x2 },
        { "s390x", "s390x", "s390x", ELFCLASS64, ELFDATA2MSB, EM_S390, 0 },
        { "i386", "i386", "386", ELFCLASS32, ELFDATA2LSB, EM_386, 0 },
        { "mips64el", "mips", "mips64le", ELFCLASS64, ELFDATA2LSB, EM_MIPS, 0x80000007 },
        { "mips64", "mips", "mips64", ELFCLASS64, ELFDATA2MSB, EM_MIPS, 0x80000007 },
        { "loongarch64", "loongarch", "loong64", ELFCLASS64, ELFDATA2LSB, EM_LOONGARCH, 0x43 },
        { "arm", "arm", "arm", ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000400 },
        { "alpha", "alpha", NULL, ELFCLASS64, ELFDATA2LSB, EM_ALPHA, 0 },
        { "armeb", "armeb", NULL, ELFCLASS32, ELFDATA2MSB, EM_ARM, 0x05000400 },
        { "sparc", "sparc", NULL, ELFCLASS32, ELFDATA2MSB, EM_SPARC, 0 },
        { "sparc32plus", "sparc", NULL, ELFCLASS32, ELFDATA2MSB, EM_SPARC32PLUS, 0x100 },
        { "sparc64", "sparc", NULL, ELFCLASS64, ELFDATA2MSB, EM_SPARCV9, 0x2 },
        { "ppc", "ppc", NULL, ELFCLASS32, ELFDATA2MSB, EM_PPC, 0 },
        { "ppc64", "ppc", "ppc64", ELFCLASS64, ELFDATA2MSB, EM_PPC64, 0x1 },
        { "m68k", "m68k", NULL, ELFCLASS32, ELFDATA2MSB, EM_68K, 0 },
        { "mips", "mips", "mips", ELFCLASS32, ELFDATA2MSB, EM_MIPS, 0x70001007 },
        { "mipsel", "mips", "mipsle", ELFCLASS32, ELFDATA2LSB, EM_MIPS, 0x70001007 },
        { "mipsn32", "mips", NULL, ELFCLASS32, ELFDATA2MSB, EM_MIPS, 0x80000027 },
        { "mipsn32el", "mips", NULL, ELFCLASS32, ELFDATA2LSB, EM_MIPS, 0x80000027 },
        { "sh4", "sh4", NULL, ELFCLASS32, ELFDATA2LSB, EM_SH, 0x9 },
        { "sh4eb", "sh4", NULL, ELFCLASS32, ELFDATA2MSB, EM_SH, 0x9 },
        { "aarch64_be", "armeb", NULL, ELFCLASS64, ELFDATA2MSB, EM_AARCH64, 0 },
        { "hppa", "hppa", NULL, ELFCLASS32, ELFDATA2MSB, EM_PARISC, 0x210 },
        { "riscv32", "riscv", NULL, ELFCLASS32, ELFDATA2LSB, EM_RISCV, 0x1 },
        { "xtensa", "xtensa", NULL, ELFCLASS32, ELFDATA2LSB, EM_XTENSA, 0x300 },
        { "xtensaeb", "xtensaeb", NULL, ELFCLASS32, ELFDATA2MSB, EM_XTENSA, 0x300 },
        { "microblaze", "microblaze", NULL, ELFCLASS32, ELFDATA2MSB, EM_MICROBLAZE_OLD, 0 },
        { "microblazeel", "microblazeel", NULL, ELFCLASS32, ELFDATA2LSB, EM_MICROBLAZE_OLD, 0 },
        { "or1k", "or1k", NULL, ELFCLASS32, ELFDATA2MSB, EM_OPENRISC, 0 },
        { "hexagon", "hexagon", NULL, ELFCLASS32, ELFDATA2LSB, EM_HEXAGON, 0x73 },
        { "cris", "cris", NULL, ELFCLASS32, ELFDATA2LSB, EM_CRIS, 0 },
};
/* clang-format on */

static void put16(uint8_t *p, uint8_t data, uint16_t v)
{
        if (data == ELFDATA2LSB) {
                p[0] = v & 0xff;
                p[1] = v >> 8;
        } else {
                p[0] = v >> 8;
                p[1] = v & 0xff;
        }
}

static void put32(uint8_t *p, uint8_t data, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[data == ELFDATA2LSB ? i : 3 - i] = (v >> (8 * i)) & 0xff;
}

static uint16_t get16(const uint8_t *p, uint8_t data)
{
        return data == ELFDATA2LSB ? p[0] | p[1] << 8 : p[0] << 8 | p[1];
}

/* A plausible ELF header as a linker writes it; 256 bytes, as binfmt_misc sees a file. */
static void make_header(uint8_t hdr[256], uint8_t cls, uint8_t data, uint16_t type,
                        uint16_t machine, uint32_t flags)
{
        memset(hdr, 0, 256);
        memcpy(hdr, ELFMAG, SELFMAG);
        hdr[EI_CLASS] = cls;
        hdr[EI_DATA] = data;
        hdr[EI_VERSION] = EV_CURRENT;
        put16(hdr + 16, data, type);
        put16(hdr + 18, data, machine);
        put32(hdr + 20, data, EV_CURRENT);
        if (cls == ELFCLASS32) {
                put32(hdr + 24, data, 0x10074); /* e_entry */
                put32(hdr + 28, data, 52);      /* e_phoff */
                put32(hdr + 36, data, flags);
                put16(hdr + 40, data, 52); /* e_ehsize */
                put16(hdr + 42, data, 32); /* e_phentsize */
                put16(hdr + 44, data, 1);
        } else {
                put32(hdr + (data == ELFDATA2LSB ? 24 : 28), data, 0x400078);
                put32(hdr + (data == ELFDATA2LSB ? 32 : 36), data, 64);
                put32(hdr + 48, data, flags);
                put16(hdr + 52, data, 64);
                put16(hdr + 54, data, 56);
                put16(hdr + 56, data, 1);
        }
}

static void make_expected_header(uint8_t hdr[256], const Expect *e, uint16_t type)
{
        make_header(hdr, e->elf_class, e->elf_data, type, e->e_machine, e->e_flags);
}

/* Every entry that matches, by name, space-separated; "" for none. */
static const char *matches(const uint8_t *hdr, size_t len)
{
        static char buf[512];
        const BinfmtArch *t;
        size_t n;

        buf[0] = '\0';
        t = arch_table(&n);
        for (size_t i = 0; i < n; i++)
                if (arch_matches(&t[i], hdr, len)) {
                        if (buf[0])
                                strcat(buf, " ");
                        strcat(buf, t[i].name);
                }
        return buf;
}

static const Expect *expect_of(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                if (streq(expected[i].name, name))
                        return &expected[i];
        return NULL;
}

TEST(table_is_the_expected_list)
{
        const BinfmtArch *t;
        size_t n = 0;

        t = arch_table(&n);
        ASSERT_NOT_NULL(t);
        ASSERT_EQ(n, ELEMENTSOF(expected));
        ASSERT_EQ(n, 34);
        ASSERT_NOT_NULL(arch_table(NULL));

        for (size_t i = 0; i < n; i++) {
                const Expect *e = &expected[i];

                ASSERT_STREQ(t[i].name, e->name);
                ASSERT_STREQ(t[i].family, e->family);
                ASSERT_STREQ(t[i].oci_arch, e->oci_arch);
                ASSERT_EQ(t[i].elf_class, e->elf_class);
                ASSERT_EQ(t[i].elf_data, e->elf_data);
                ASSERT_EQ(t[i].e_machine, e->e_machine);
        }

        /* There is no qemu-i486 to register. */
        ASSERT_NULL(arch_by_name("i486"));
}

TEST(by_name)
{
        const BinfmtArch *t;
        size_t n;

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++)
                ASSERT_TRUE(arch_by_name(t[i].name) == &t[i]);

        ASSERT_STREQ(arch_by_name("aarch64")->name, "aarch64");
        ASSERT_STREQ(arch_by_name("cris")->name, "cris");
        /* Exact QEMU names only: aliases and other spellings go through platform_resolve(). */
        ASSERT_NULL(arch_by_name("AARCH64"));
        ASSERT_NULL(arch_by_name("arm64"));
        ASSERT_NULL(arch_by_name("qemu-aarch64"));
        ASSERT_NULL(arch_by_name("aarch64 "));
        ASSERT_NULL(arch_by_name(""));
        ASSERT_NULL(arch_by_name(NULL));
}

TEST(names_are_unique)
{
        const char *names[256];
        size_t n, k = 0;
        const BinfmtArch *t = arch_table(&n);

        for (size_t i = 0; i < n; i++) {
                names[k++] = t[i].name;
                /* Many OCI names are the QEMU name; only a different one counts again. */
                if (t[i].oci_arch && !streq(t[i].oci_arch, t[i].name))
                        names[k++] = t[i].oci_arch;
                for (const char *const *a = t[i].aliases; a && *a; a++) {
                        ASSERT_TRUE(**a != '\0');
                        names[k++] = *a;
                }
                ASSERT_TRUE(k < ELEMENTSOF(names) - 16);
        }

        /* A name must lead to one entry, whatever the case it is written in. */
        for (size_t i = 0; i < k; i++)
                for (size_t j = i + 1; j < k; j++)
                        if (strcaseeq(names[i], names[j])) {
                                fprintf(stderr, "duplicate name '%s'\n", names[i]);
                                ASSERT_TRUE(false);
                        }
}

TEST(oci_variants)
{
        const BinfmtArch *a;
        size_t n;
        const BinfmtArch *t = arch_table(&n);

        a = arch_by_name("arm");
        ASSERT_NOT_NULL(a->oci_variants);
        ASSERT_STREQ(a->oci_variants[0], "v7");
        ASSERT_STREQ(a->oci_variants[1], "v6");
        ASSERT_NULL(a->oci_variants[2]);

        /* Only arm lists variants; a variant without an OCI architecture would be meaningless. */
        for (size_t i = 0; i < n; i++) {
                if (&t[i] != a)
                        ASSERT_NULL(t[i].oci_variants);
                if (!t[i].oci_arch)
                        ASSERT_NULL(t[i].oci_variants);
        }
}

TEST(magic_and_mask_shape)
{
        const BinfmtArch *t;
        size_t n;

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                const BinfmtArch *a = &t[i];

                fprintf(stderr, "   %s\n", a->name);
                ASSERT_TRUE(a->len >= 20);
                ASSERT_TRUE(a->len <= ARCH_MAGIC_MAX);
                ASSERT_TRUE(memcmp(a->magic, "\x7f\x45\x4c\x46", 4) == 0);
                ASSERT_TRUE(memcmp(a->mask, "\xff\xff\xff\xff", 4) == 0);

                /* Nothing hides past len: magic and mask end together. */
                for (size_t j = a->len; j < ARCH_MAGIC_MAX; j++) {
                        ASSERT_EQ(a->magic[j], 0);
                        ASSERT_EQ(a->mask[j], 0);
                }

                /* 40 bytes exactly for the 32-bit mips entries, 20 for everything else. */
                if (a->e_machine == EM_MIPS && a->elf_class == ELFCLASS32)
                        ASSERT_EQ(a->len, 40);
                else
                        ASSERT_EQ(a->len, 20);
        }
}

TEST(fields_agree_with_magic)
{
        const BinfmtArch *t;
        size_t n;

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                const BinfmtArch *a = &t[i];
                uint8_t other = a->elf_data == ELFDATA2LSB ? ELFDATA2MSB : ELFDATA2LSB;
                uint8_t b[2];

                fprintf(stderr, "   %s\n", a->name);
                ASSERT_EQ(a->magic[EI_CLASS], a->elf_class);
                ASSERT_EQ(a->mask[EI_CLASS], 0xff);
                ASSERT_EQ(a->magic[EI_DATA], a->elf_data);
                /* Some masks ignore the low bit of EI_DATA; the other byte order stays out. */
                ASSERT_TRUE(((other ^ a->magic[EI_DATA]) & a->mask[EI_DATA]) != 0);
                ASSERT_EQ(a->magic[EI_VERSION], EV_CURRENT);

                /* e_machine in the entry's own byte order, and the mask looks at its low byte. */
                ASSERT_EQ(get16(a->magic + 18, a->elf_data), a->e_machine);
                ASSERT_EQ(a->mask[a->elf_data == ELFDATA2LSB ? 18 : 19], 0xff);

                /* e_type: ET_EXEC in the entry's byte order; ET_DYN accepted, ET_REL/CORE not. */
                ASSERT_EQ(get16(a->magic + 16, a->elf_data), ET_EXEC);
                put16(b, a->elf_data, ET_DYN);
                ASSERT_EQ((b[0] ^ a->magic[16]) & a->mask[16], 0);
                ASSERT_EQ((b[1] ^ a->magic[17]) & a->mask[17], 0);
                put16(b, a->elf_data, ET_REL);
                ASSERT_TRUE(((b[0] ^ a->magic[16]) & a->mask[16]) ||
                            ((b[1] ^ a->magic[17]) & a->mask[17]));
                put16(b, a->elf_data, ET_CORE);
                ASSERT_TRUE(((b[0] ^ a->magic[16]) & a->mask[16]) ||
                            ((b[1] ^ a->magic[17]) & a->mask[17]));

                /* EI_OSABI: SYSV and GNU/Linux both pass (loongarch64 looks at the low bits). */
                ASSERT_EQ((ELFOSABI_NONE ^ a->magic[EI_OSABI]) & a->mask[EI_OSABI], 0);
                ASSERT_EQ((ELFOSABI_LINUX ^ a->magic[EI_OSABI]) & a->mask[EI_OSABI], 0);
        }
}

TEST(each_header_matches_only_its_entry)
{
        const BinfmtArch *t;
        uint8_t hdr[256];
        size_t n;

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                const BinfmtArch *a = &t[i];
                const Expect *e = expect_of(a->name);

                fprintf(stderr, "   %s\n", a->name);

                /* From the entry's own magic, padded with zeros as a short file would be. */
                memset(hdr, 0, sizeof(hdr));
                memcpy(hdr, a->magic, a->len);
                ASSERT_STREQ(matches(hdr, sizeof(hdr)), a->name);
                ASSERT_TRUE(arch_find_by_header(hdr, sizeof(hdr)) == a);
                ASSERT_TRUE(arch_matches(a, hdr, a->len));

                /* From the facts stated in this test: executable, static PIE, GNU/Linux OSABI. */
                ASSERT_NOT_NULL(e);
                make_expected_header(hdr, e, ET_EXEC);
                ASSERT_STREQ(matches(hdr, sizeof(hdr)), a->name);
                make_expected_header(hdr, e, ET_DYN);
                ASSERT_STREQ(matches(hdr, sizeof(hdr)), a->name);
                hdr[EI_OSABI] = ELFOSABI_LINUX;
                ASSERT_STREQ(matches(hdr, sizeof(hdr)), a->name);

                /* Objects and core files are not programs. */
                make_expected_header(hdr, e, ET_REL);
                ASSERT_STREQ(matches(hdr, sizeof(hdr)), "");
                make_expected_header(hdr, e, ET_CORE);
                ASSERT_STREQ(matches(hdr, sizeof(hdr)), "");

                /* The same target in the other byte order is some other entry, or none. */
                make_header(hdr, e->elf_class,
                            e->elf_data == ELFDATA2LSB ? ELFDATA2MSB : ELFDATA2LSB, ET_EXEC,
                            e->e_machine, e->e_flags);
                ASSERT_FALSE(arch_matches(a, hdr, sizeof(hdr)));

                /* And in the other class. */
                make_header(hdr, e->elf_class == ELFCLASS32 ? ELFCLASS64 : ELFCLASS32, e->elf_data,
                            ET_EXEC, e->e_machine, e->e_flags);
                ASSERT_FALSE(arch_matches(a, hdr, sizeof(hdr)));
        }
}

TEST(mips_abis)
{
        uint8_t hdr[256];

        /* o32: EF_MIPS_ABI2 clear; n32: set. Both ELF32, same e_machine. */
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_MIPS, 0x70001007);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mips");
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_MIPS, 0x70001007 | EF_MIPS_ABI2_BIT);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mipsn32");
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_DYN, EM_MIPS, 0x70001007);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mipsel");
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_DYN, EM_MIPS, 0x70001007 | EF_MIPS_ABI2_BIT);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mipsn32el");

        /* The flag is found in the byte the entry's byte order puts it in. */
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_MIPS, 0);
        hdr[36] = EF_MIPS_ABI2_BIT; /* where a little-endian file would have it */
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mips");

        /* 64-bit mips is n64 whatever e_flags say. */
        make_header(hdr, ELFCLASS64, ELFDATA2MSB, ET_EXEC, EM_MIPS, 0x80000007);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mips64");
        make_header(hdr, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_MIPS, 0x80000027);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mips64el");

        /* The 32-bit entries check e_version, and ignore EI_ABIVERSION. */
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_MIPS, 0x70001007);
        hdr[8] = 1; /* EI_ABIVERSION */
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "mips");
        put32(hdr + 20, ELFDATA2MSB, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "");
}

TEST(byte_order_pairs)
{
        uint8_t hdr[256];

        make_header(hdr, ELFCLASS64, ELFDATA2MSB, ET_EXEC, EM_PPC64, 1);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "ppc64");
        make_header(hdr, ELFCLASS64, ELFDATA2LSB, ET_DYN, EM_PPC64, 2);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "ppc64le");
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_PPC, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "ppc");
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_EXEC, EM_PPC, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "");

        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_EXEC, EM_ARM, 0x05000400);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "arm");
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_ARM, 0x05000400);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "armeb");
        make_header(hdr, ELFCLASS64, ELFDATA2MSB, ET_DYN, EM_AARCH64, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "aarch64_be");
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_SH, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "sh4eb");
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_XTENSA, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "xtensaeb");
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_MICROBLAZE_OLD, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "microblaze");
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_EXEC, EM_MICROBLAZE_OLD, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "microblazeel");

        /* sparc: three machines, two classes. */
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_SPARC, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "sparc");
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_SPARC32PLUS, 0x100);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "sparc32plus");
        make_header(hdr, ELFCLASS64, ELFDATA2MSB, ET_EXEC, EM_SPARCV9, 2);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "sparc64");

        /* riscv: one machine, two classes. */
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_EXEC, EM_RISCV, 0);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "riscv32");
        make_header(hdr, ELFCLASS64, ELFDATA2LSB, ET_DYN, EM_RISCV, 5);
        ASSERT_STREQ(matches(hdr, sizeof(hdr)), "riscv64");
}

TEST(microblaze_upstream_bytes_rejected)
{
        const BinfmtArch *a = arch_by_name("microblaze");
        uint8_t hdr[256];

        /* Upstream's entry has e_type as 02 00: a real big-endian executable has 00 02. */
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_MICROBLAZE_OLD, 0);
        ASSERT_EQ(hdr[16], 0x00);
        ASSERT_EQ(hdr[17], 0x02);
        ASSERT_TRUE(arch_matches(a, hdr, sizeof(hdr)));
        ASSERT_EQ(a->magic[16], 0x00);
        ASSERT_EQ(a->magic[17], 0x02);
        ASSERT_EQ(a->mask[16], 0xff);
        ASSERT_EQ(a->mask[17], 0xfe);
        hdr[16] = 0x02;
        hdr[17] = 0x00;
        ASSERT_FALSE(arch_matches(a, hdr, sizeof(hdr)));
}

TEST(upstream_bytes_spot_checks)
{
        const BinfmtArch *a;

        /* A few entries byte for byte, as QEMU's script writes them. */
        a = arch_by_name("x86_64");
        ASSERT_TRUE(memcmp(a->magic,
                           "\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00"
                           "\x00\x00\x02\x00\x3e\x00",
                           20) == 0);
        ASSERT_TRUE(memcmp(a->mask,
                           "\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff"
                           "\xff\xff\xfe\xff\xff\xff",
                           20) == 0);
        a = arch_by_name("loongarch64");
        ASSERT_TRUE(memcmp(a->magic,
                           "\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00"
                           "\x00\x00\x02\x00\x02\x01",
                           20) == 0);
        ASSERT_TRUE(memcmp(a->mask,
                           "\xff\xff\xff\xff\xff\xff\xff\xfc\x00\xff\xff\xff\xff\xff"
                           "\xff\xff\xfe\xff\xff\xff",
                           20) == 0);
        a = arch_by_name("m68k");
        ASSERT_EQ(a->mask[6], 0xfe);
        a = arch_by_name("ppc64le");
        ASSERT_EQ(a->mask[19], 0x00);
        a = arch_by_name("cris");
        ASSERT_TRUE(memcmp(a->magic,
                           "\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00"
                           "\x00\x00\x02\x00\x4c\x00",
                           20) == 0);
        ASSERT_TRUE(memcmp(a->mask,
                           "\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff"
                           "\xff\xff\xfe\xff\xff\xff",
                           20) == 0);
        a = arch_by_name("mipsn32el");
        ASSERT_EQ(a->magic[36], 0x20);
        ASSERT_EQ(a->mask[36], 0x20);
        a = arch_by_name("mips");
        ASSERT_EQ(a->magic[39], 0x00);
        ASSERT_EQ(a->mask[39], 0x20);
}

TEST(matching_rule)
{
        const BinfmtArch *armeb = arch_by_name("armeb"), *x86_64 = arch_by_name("x86_64");
        uint8_t hdr[256];

        make_header(hdr, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_ARM, 0);
        ASSERT_TRUE(arch_matches(armeb, hdr, 20));
        /* Past the end of a short file the kernel sees zeros, and 0x28 is not zero. */
        ASSERT_FALSE(arch_matches(armeb, hdr, 19));
        ASSERT_FALSE(arch_matches(armeb, hdr, 0));
        ASSERT_FALSE(arch_matches(armeb, NULL, 0));

        /* Masked-out bits do not matter: EI_OSABI, EI_ABIVERSION, the padding. */
        make_header(hdr, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0);
        hdr[EI_OSABI] = 0x61;
        ASSERT_TRUE(arch_matches(x86_64, hdr, sizeof(hdr)));
        hdr[EI_VERSION] = 0; /* x86's mask ignores the low bit here, as upstream's does */
        ASSERT_TRUE(arch_matches(x86_64, hdr, sizeof(hdr)));
        hdr[EI_VERSION] = 2;
        ASSERT_FALSE(arch_matches(x86_64, hdr, sizeof(hdr)));
        hdr[EI_VERSION] = 1;
        hdr[9] = 1; /* EI_PAD */
        ASSERT_FALSE(arch_matches(x86_64, hdr, sizeof(hdr)));

        ASSERT_FALSE(arch_matches(NULL, hdr, sizeof(hdr)));
}

TEST(non_programs)
{
        static const uint8_t script[] = "#!/bin/sh\necho hello\n";
        uint8_t hdr[256] = {};

        ASSERT_NULL(arch_find_by_header(script, sizeof(script) - 1));
        ASSERT_NULL(arch_find_by_header(hdr, sizeof(hdr)));
        ASSERT_NULL(arch_find_by_header(hdr, 0));
        ASSERT_NULL(arch_find_by_header(NULL, 0));

        /* An unknown machine, and ia64 (no emulator). */
        make_header(hdr, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_IA_64, 0);
        ASSERT_NULL(arch_find_by_header(hdr, sizeof(hdr)));
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_EXEC, 0x1234, 0);
        ASSERT_NULL(arch_find_by_header(hdr, sizeof(hdr)));
        /* x32: ELF32 with x86-64's machine has no entry. */
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0);
        ASSERT_NULL(arch_find_by_header(hdr, sizeof(hdr)));
        /* Only the ident of an x86-64 file: e_type reads as zero. */
        make_header(hdr, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0);
        ASSERT_NULL(arch_find_by_header(hdr, 16));
        ASSERT_STREQ(arch_find_by_header(hdr, 20)->name, "x86_64");
}

TEST(entry_name)
{
        char buf[ARCH_ENTRY_NAME_MAX], small[8];
        const BinfmtArch *t;
        size_t n;

        ASSERT_STREQ(arch_entry_name(arch_by_name("aarch64"), buf, sizeof(buf)), "qemu-aarch64");
        ASSERT_TRUE(arch_entry_name(arch_by_name("aarch64"), buf, sizeof(buf)) == buf);
        ASSERT_STREQ(arch_entry_name(arch_by_name("x86_64"), buf, sizeof(buf)), "qemu-x86_64");
        ASSERT_STREQ(arch_entry_name(arch_by_name("cris"), buf, sizeof(buf)), "qemu-cris");
        ASSERT_STREQ(arch_entry_name(arch_by_name("arm"), small, sizeof(small)), "qemu-ar");

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                arch_entry_name(&t[i], buf, sizeof(buf));
                ASSERT_TRUE(strlen(buf) == strlen("qemu-") + strlen(t[i].name));
                ASSERT_TRUE(startswith(buf, "qemu-"));
                ASSERT_STREQ(buf + 5, t[i].name);
        }
}

int main(void)
{
        RUN(table_is_the_expected_list);
        RUN(by_name);
        RUN(names_are_unique);
        RUN(oci_variants);
        RUN(magic_and_mask_shape);
        RUN(fields_agree_with_magic);
        RUN(each_header_matches_only_its_entry);
        RUN(mips_abis);
        RUN(byte_order_pairs);
        RUN(microblaze_upstream_bytes_rejected);
        RUN(upstream_bytes_spot_checks);
        RUN(matching_rule);
        RUN(non_programs);
        RUN(entry_name);
        return 0;
}
