/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host detection for hosts this test does not run on: uname -m strings and executable headers are
 * inputs, so every host can be checked anywhere. For each host the test states which targets are
 * native, and checks every table entry against that list.
 */

#include <elf.h>

#include "target/host.h"
#include "tests.h"

static void put16(uint8_t *p, uint8_t data, uint16_t v)
{
        p[data == ELFDATA2LSB ? 0 : 1] = v & 0xff;
        p[data == ELFDATA2LSB ? 1 : 0] = v >> 8;
}

static void put32(uint8_t *p, uint8_t data, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[data == ELFDATA2LSB ? i : 3 - i] = (v >> (8 * i)) & 0xff;
}

/* The header of a dynamically linked executable (ET_DYN, as PIE distributions build them). */
static void make_header(uint8_t hdr[64], uint8_t cls, uint8_t data, uint16_t machine,
                        uint32_t flags)
{
        memset(hdr, 0, 64);
        memcpy(hdr, ELFMAG, SELFMAG);
        hdr[EI_CLASS] = cls;
        hdr[EI_DATA] = data;
        hdr[EI_VERSION] = EV_CURRENT;
        put16(hdr + 16, data, ET_DYN);
        put16(hdr + 18, data, machine);
        put32(hdr + 20, data, EV_CURRENT);
        put32(hdr + (cls == ELFCLASS32 ? 36 : 48), data, flags);
        put16(hdr + (cls == ELFCLASS32 ? 40 : 52), data, cls == ELFCLASS32 ? 52 : 64);
}

TEST(machine_names)
{
        static const struct {
                const char *machine, *arch;
        } m[] = {
                {"x86_64", "x86_64"},
                {"amd64", "x86_64"},
                {"i386", "i386"},
                {"i486", "i386"},
                {"i586", "i386"},
                {"i686", "i386"},
                {"aarch64", "aarch64"},
                {"arm64", "aarch64"},
                {"aarch64_be", "aarch64_be"},
                {"arm", "arm"},
                {"armel", "arm"},
                {"armhf", "arm"},
                {"armv4tl", "arm"},
                {"armv5tel", "arm"},
                {"armv6l", "arm"},
                {"armv7l", "arm"},
                {"armv8l", "arm"},
                {"armv7hl", "arm"},
                {"armeb", "armeb"},
                {"armv5teb", "armeb"},
                {"armv7b", "armeb"},
                {"ppc", "ppc"},
                {"powerpc", "ppc"},
                {"ppc64", "ppc64"},
                {"ppc64le", "ppc64le"},
                {"ppc64el", "ppc64le"},
                {"mips", "mips"},
                {"mips64", "mips64"},
                {"mipsel", "mipsel"},
                {"mips64el", "mips64el"},
                {"riscv64", "riscv64"},
                {"riscv32", "riscv32"},
                {"s390x", "s390x"},
                {"loongarch64", "loongarch64"},
                {"sparc", "sparc"},
                {"sparc64", "sparc64"},
                {"alpha", "alpha"},
                {"m68k", "m68k"},
                {"sh4", "sh4"},
                {"sh4a", "sh4"},
                {"parisc", "hppa"},
                {"parisc64", "hppa"},
                {"openrisc", "or1k"},
                {"xtensa", "xtensa"},
                {"microblaze", "microblaze"},
                {"hexagon", "hexagon"},
                {"cris", "cris"},
        };
        static const char *const none[] = {
                "",       "ia64",    "s390",   "i786",    "i86",      "i3866", "armv3l",    "armv7",
                "armv7x", "arm64be", "X86_64", "x86_64 ", "mips64r6", "nios2", "unicore32",
        };

        for (size_t i = 0; i < ELEMENTSOF(m); i++) {
                const BinfmtArch *a = host_arch_from_machine(m[i].machine);

                fprintf(stderr, "   %s\n", m[i].machine);
                ASSERT_NOT_NULL(a);
                ASSERT_STREQ(a->name, m[i].arch);
        }
        for (size_t i = 0; i < ELEMENTSOF(none); i++) {
                fprintf(stderr, "   '%s'\n", none[i]);
                ASSERT_NULL(host_arch_from_machine(none[i]));
        }
        ASSERT_NULL(host_arch_from_machine(NULL));
}

/* Detects the host, then checks every entry of the table against the stated native list. */
static void check_host(const char *machine, uint8_t cls, uint8_t data, uint16_t e_machine,
                       uint32_t flags, const char *exe_arch, const char *kernel_arch,
                       const char *const *native)
{
        const BinfmtArch *t;
        uint8_t hdr[64];
        HostInfo h;
        size_t n;

        fprintf(stderr, "   %s (%s userland)\n", machine, strna(exe_arch));
        make_header(hdr, cls, data, e_machine, flags);
        ASSERT_OK(host_detect(machine, hdr, sizeof(hdr), &h));
        ASSERT_STREQ(h.machine, machine);
        ASSERT_EQ(h.elf_class, cls);
        ASSERT_EQ(h.elf_data, data);
        ASSERT_EQ(h.e_machine, e_machine);
        ASSERT_STREQ(h.arch ? h.arch->name : NULL, exe_arch);
        ASSERT_STREQ(h.kernel_arch ? h.kernel_arch->name : NULL, kernel_arch);

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                bool want = false;

                for (const char *const *p = native; *p; p++)
                        if (streq(*p, t[i].name))
                                want = true;
                if (host_is_native(&h, &t[i]) != want) {
                        fprintf(stderr, "   %s: expected %s\n", t[i].name,
                                want ? "native" : "not native");
                        ASSERT_TRUE(false);
                }
        }
}

#define NATIVE(...) ((const char *const[]){__VA_ARGS__, NULL})

TEST(hosts)
{
        check_host("x86_64", ELFCLASS64, ELFDATA2LSB, EM_X86_64, 0, "x86_64", "x86_64",
                   NATIVE("x86_64", "i386"));
        /* A 32-bit userland on a 64-bit kernel, and a 32-bit machine. */
        check_host("x86_64", ELFCLASS32, ELFDATA2LSB, EM_386, 0, "i386", "x86_64",
                   NATIVE("x86_64", "i386"));
        check_host("i686", ELFCLASS32, ELFDATA2LSB, EM_386, 0, "i386", "i386",
                   NATIVE("x86_64", "i386"));
        /* x32 userland: the executable is in no entry, the kernel is. */
        check_host("x86_64", ELFCLASS32, ELFDATA2LSB, EM_X86_64, 0, NULL, "x86_64",
                   NATIVE("x86_64", "i386"));

        check_host("aarch64", ELFCLASS64, ELFDATA2LSB, EM_AARCH64, 0, "aarch64", "aarch64",
                   NATIVE("aarch64", "arm"));
        check_host("aarch64", ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000400, "arm", "aarch64",
                   NATIVE("aarch64", "arm"));
        check_host("armv7l", ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000400, "arm", "arm",
                   NATIVE("aarch64", "arm"));
        check_host("armv8l", ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000400, "arm", "arm",
                   NATIVE("aarch64", "arm"));
        check_host("aarch64_be", ELFCLASS64, ELFDATA2MSB, EM_AARCH64, 0, "aarch64_be", "aarch64_be",
                   NATIVE("aarch64_be", "armeb"));

        /* uname says "mips64" for either byte order: the executable tells which. */
        check_host("mips64", ELFCLASS64, ELFDATA2LSB, EM_MIPS, 0x80000007, "mips64el", "mips64",
                   NATIVE("mips", "mipsel", "mipsn32", "mipsn32el", "mips64", "mips64el"));
        check_host("mips64", ELFCLASS32, ELFDATA2LSB, EM_MIPS, 0x70001007, "mipsel", "mips64",
                   NATIVE("mips", "mipsel", "mipsn32", "mipsn32el", "mips64", "mips64el"));
        check_host("mips", ELFCLASS32, ELFDATA2MSB, EM_MIPS, 0x70001007, "mips", "mips",
                   NATIVE("mips", "mipsel", "mipsn32", "mipsn32el", "mips64", "mips64el"));

        /* ppc64le is its own family: big-endian ppc stays emulated. */
        check_host("ppc64le", ELFCLASS64, ELFDATA2LSB, EM_PPC64, 2, "ppc64le", "ppc64le",
                   NATIVE("ppc64le"));
        check_host("ppc64", ELFCLASS64, ELFDATA2MSB, EM_PPC64, 1, "ppc64", "ppc64",
                   NATIVE("ppc", "ppc64"));

        check_host("s390x", ELFCLASS64, ELFDATA2MSB, EM_S390, 0, "s390x", "s390x", NATIVE("s390x"));
        check_host("riscv64", ELFCLASS64, ELFDATA2LSB, EM_RISCV, 5, "riscv64", "riscv64",
                   NATIVE("riscv64", "riscv32"));
        check_host("loongarch64", ELFCLASS64, ELFDATA2LSB, EM_LOONGARCH, 0x43, "loongarch64",
                   "loongarch64", NATIVE("loongarch64"));
        check_host("sparc64", ELFCLASS64, ELFDATA2MSB, EM_SPARCV9, 2, "sparc64", "sparc64",
                   NATIVE("sparc", "sparc32plus", "sparc64"));
        check_host("sh4", ELFCLASS32, ELFDATA2LSB, EM_SH, 9, "sh4", "sh4", NATIVE("sh4", "sh4eb"));
        /* QEMU's script does not know parisc; binfmtd must still not hijack hppa programs. */
        check_host("parisc64", ELFCLASS32, ELFDATA2MSB, EM_PARISC, 0x210, "hppa", "hppa",
                   NATIVE("hppa"));

        /* Unknown kernel name, known executable: the executable is enough. */
        check_host("x86_64-custom", ELFCLASS64, ELFDATA2LSB, EM_X86_64, 0, "x86_64", NULL,
                   NATIVE("x86_64", "i386"));
}

TEST(unknown_host)
{
        HostInfo h = {.machine = "untouched"};
        uint8_t hdr[64];

        make_header(hdr, ELFCLASS64, ELFDATA2LSB, EM_IA_64, 0);
        ASSERT_ERROR(host_detect("ia64", hdr, sizeof(hdr), &h), EOPNOTSUPP);
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, 0x1234, 0);
        ASSERT_ERROR(host_detect("", hdr, sizeof(hdr), &h), EOPNOTSUPP);
        /* s390 (31-bit) has no emulator, and its executable has no entry either. */
        make_header(hdr, ELFCLASS32, ELFDATA2MSB, EM_S390, 0);
        ASSERT_ERROR(host_detect("s390", hdr, sizeof(hdr), &h), EOPNOTSUPP);
        ASSERT_STREQ(h.machine, "untouched");
}

TEST(bad_input)
{
        HostInfo h = {.machine = "untouched"};
        char long_machine[80];
        uint8_t hdr[64];

        make_header(hdr, ELFCLASS64, ELFDATA2LSB, EM_X86_64, 0);
        ASSERT_OK(host_detect("x86_64", hdr, sizeof(hdr), &h));
        memset(&h, 0, sizeof(h));
        strcpy(h.machine, "untouched");

        /* Not an ELF header. */
        ASSERT_ERROR(host_detect("x86_64", (const uint8_t *)"#!/bin/sh\n", 10, &h), EINVAL);
        ASSERT_ERROR(host_detect("x86_64", NULL, 0, &h), EINVAL);
        hdr[0] = 0x7e;
        ASSERT_ERROR(host_detect("x86_64", hdr, sizeof(hdr), &h), EINVAL);
        hdr[0] = 0x7f;

        /* Too short for its class. */
        ASSERT_ERROR(host_detect("x86_64", hdr, 63, &h), EINVAL);
        ASSERT_ERROR(host_detect("x86_64", hdr, 20, &h), EINVAL);
        make_header(hdr, ELFCLASS32, ELFDATA2LSB, EM_386, 0);
        ASSERT_ERROR(host_detect("i686", hdr, 51, &h), EINVAL);
        ASSERT_OK(host_detect("i686", hdr, 52, &h));
        memset(&h, 0, sizeof(h));
        strcpy(h.machine, "untouched");

        /* Bad class or byte order. */
        hdr[EI_CLASS] = 3;
        ASSERT_ERROR(host_detect("i686", hdr, sizeof(hdr), &h), EINVAL);
        hdr[EI_CLASS] = ELFCLASSNONE;
        ASSERT_ERROR(host_detect("i686", hdr, sizeof(hdr), &h), EINVAL);
        hdr[EI_CLASS] = ELFCLASS32;
        hdr[EI_DATA] = 0;
        ASSERT_ERROR(host_detect("i686", hdr, sizeof(hdr), &h), EINVAL);
        hdr[EI_DATA] = 3;
        ASSERT_ERROR(host_detect("i686", hdr, sizeof(hdr), &h), EINVAL);
        hdr[EI_DATA] = ELFDATA2LSB;

        /* The machine name: present and no longer than uname's field. */
        ASSERT_ERROR(host_detect(NULL, hdr, sizeof(hdr), &h), EINVAL);
        memset(long_machine, 'x', sizeof(long_machine) - 1);
        long_machine[sizeof(long_machine) - 1] = '\0';
        ASSERT_ERROR(host_detect(long_machine, hdr, sizeof(hdr), &h), EINVAL);
        long_machine[64] = '\0';
        ASSERT_OK(host_detect(long_machine, hdr, sizeof(hdr), &h));
        ASSERT_STREQ(h.machine, long_machine);
        ASSERT_NULL(h.kernel_arch);
        ASSERT_STREQ(h.arch->name, "i386");

        ASSERT_ERROR(host_detect("i686", hdr, sizeof(hdr), NULL), EINVAL);
}

TEST(is_native_edges)
{
        HostInfo h = {};

        /* Without host information, nothing may be registered. */
        ASSERT_TRUE(host_is_native(NULL, arch_by_name("aarch64")));
        ASSERT_FALSE(host_is_native(&h, NULL));
        ASSERT_FALSE(host_is_native(&h, arch_by_name("aarch64")));

        /* Either side's family is enough. */
        h.arch = arch_by_name("arm");
        ASSERT_TRUE(host_is_native(&h, arch_by_name("aarch64")));
        ASSERT_FALSE(host_is_native(&h, arch_by_name("aarch64_be")));
        h.arch = NULL;
        h.kernel_arch = arch_by_name("x86_64");
        ASSERT_TRUE(host_is_native(&h, arch_by_name("i386")));
        ASSERT_FALSE(host_is_native(&h, arch_by_name("aarch64")));
}

int main(void)
{
        RUN(machine_names);
        RUN(hosts);
        RUN(unknown_host);
        RUN(bad_input);
        RUN(is_native_edges);
        return 0;
}
