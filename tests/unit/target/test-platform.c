/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names users give for targets: every spelling OCI tooling and distributions use must land on the
 * right entry, malformed names must be refused as malformed, and unknown ones as unknown.
 */

#include "target/platform.h"
#include "base/strv.h"
#include "tests.h"

/* clang-format off */
static const struct {
        const char *input, *arch;
} good[] = {
        /* The spellings OCI tooling accepts for its architectures. */
        { "arm64", "aarch64" },
        { "linux/arm64", "aarch64" },
        { "linux/arm64/v8", "aarch64" },
        { "aarch64", "aarch64" },
        { "amd64", "x86_64" },
        { "x86_64", "x86_64" },
        { "linux/amd64/v2", "x86_64" },
        { "linux/arm/v7", "arm" },
        { "linux/arm/v6", "arm" },
        { "armhf", "arm" },
        { "i386", "i386" },
        { "386", "i386" },
        { "riscv64", "riscv64" },
        { "linux/riscv64", "riscv64" },
        { "s390x", "s390x" },
        { "ppc64le", "ppc64le" },
        { "mips64le", "mips64el" },
        { "mips64", "mips64" },
        { "loong64", "loongarch64" },
        { "loongarch64", "loongarch64" },
        { "mips64el", "mips64el" },

        /* Aliases. */
        { "x86-64", "x86_64" },
        { "i486", "i386" },
        { "i586", "i386" },
        { "i686", "i386" },
        { "x86", "i386" },
        { "armel", "arm" },
        { "armv7l", "arm" },
        { "armv7", "arm" },
        { "armv6l", "arm" },
        { "armv6", "arm" },
        { "arm32", "arm" },
        { "arm", "arm" },
        { "mipsle", "mipsel" },
        { "mipsel", "mipsel" },
        { "mips", "mips" },
        { "ppc64el", "ppc64le" },
        { "powerpc64le", "ppc64le" },
        { "powerpc64", "ppc64" },
        { "ppc64", "ppc64" },
        { "powerpc", "ppc" },
        { "ppc", "ppc" },

        /* QEMU names of targets OCI has no name for. */
        { "sparc64", "sparc64" },
        { "sparc32plus", "sparc32plus" },
        { "aarch64_be", "aarch64_be" },
        { "hexagon", "hexagon" },
        { "cris", "cris" },
        { "microblazeel", "microblazeel" },
        { "or1k", "or1k" },

        /* OS/ARCH with any accepted name of the architecture. */
        { "linux/amd64", "x86_64" },
        { "linux/x86_64", "x86_64" },
        { "linux/aarch64", "aarch64" },
        { "linux/386", "i386" },
        { "linux/arm", "arm" },
        { "linux/armhf", "arm" },
        { "linux/mips64le", "mips64el" },
        { "linux/mips64", "mips64" },
        { "linux/loong64", "loongarch64" },
        { "linux/ppc64le", "ppc64le" },
        { "linux/s390x", "s390x" },
        { "linux/sparc64", "sparc64" },

        /* Variants. */
        { "linux/amd64/v1", "x86_64" },
        { "linux/amd64/v3", "x86_64" },
        { "linux/amd64/v4", "x86_64" },
        { "linux/x86_64/v2", "x86_64" },
        { "linux/arm/v5", "arm" },
        { "linux/arm/v8", "arm" },
        { "linux/arm64/v8.0", "aarch64" },
        { "linux/arm64/v8.2", "aarch64" },
        { "linux/arm64/v8.9", "aarch64" },
        { "linux/arm64/v9", "aarch64" },
        { "linux/arm64/v9.0", "aarch64" },
        { "linux/arm64/v9.5", "aarch64" },
        { "linux/aarch64/v8", "aarch64" },

        /* Case does not matter. */
        { "ARM64", "aarch64" },
        { "Linux/ARM64/V8", "aarch64" },
        { "LINUX/AMD64/V2", "x86_64" },
        { "X86_64", "x86_64" },
        { "ArmHF", "arm" },
        { "linux/Arm/V6", "arm" },
        { "Loong64", "loongarch64" },
};
/* clang-format on */

/* clang-format off */
static const char *const malformed[] = {
        "",
        " riscv64",
        "riscv64 ",
        " ",
        "arm64\n",
        "arm\t64",
        "linux/ arm64",
        "linux/arm64 ",
        "/",
        "//",
        "/arm64",
        "linux/",
        "linux//arm64",
        "linux/arm64/",
        "linux/arm64//",
        "linux/arm64/v8/",
        "linux/arm64/v8/x",
        "linux/arm/v7/v6",
        "arm64,amd64",
        "all,arm64",
        "arm64;",
        "ärm64",
        "darwin/arm64",
        "windows/amd64",
        "freebsd/amd64",
        "linuxx/arm64",
        "arm/v7",          /* OS/ARCH: "arm" is no OS */
        "arm64/v8",
        "linux/arm64/v7",
        "linux/arm64/v10",
        "linux/arm64/v8.10",
        "linux/arm64/v8.",
        "linux/arm64/8",
        "linux/amd64/v5",
        "linux/amd64/v0",
        "linux/amd64/v2.1",
        "linux/arm/v4",
        "linux/arm/v9",
        "linux/arm/v7.1",
        "linux/arm/7",
        "linux/386/v1",
        "linux/riscv64/v1",
        "linux/ppc64le/power9",
        "linux/sparc64/v9",
        "linux/cris/v32",
        "linux/armhf/v9",
};
/* clang-format on */

/* clang-format off */
static const char *const unknown[] = {
        "foo",
        "all",
        "linux",
        "qemu-aarch64",
        "qemu-arm",
        "aarch64-linux-gnu",
        "ppc64lee",
        "arm6",
        "i786",
        "ia64",
        "x86_32",
        "nios2",
        "linux/foo",
        "linux/foo/v7",
        "linux/ia64",
};
/* clang-format on */

TEST(resolve_good)
{
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                const BinfmtArch *a = NULL;

                fprintf(stderr, "   %s\n", good[i].input);
                ASSERT_OK(platform_resolve(good[i].input, &a));
                ASSERT_NOT_NULL(a);
                ASSERT_STREQ(a->name, good[i].arch);
        }
}

TEST(resolve_malformed)
{
        const BinfmtArch *sentinel = arch_by_name("s390x");
        char long_name[300];

        for (size_t i = 0; i < ELEMENTSOF(malformed); i++) {
                const BinfmtArch *a = sentinel;

                fprintf(stderr, "   '%s'\n", malformed[i]);
                ASSERT_ERROR(platform_resolve(malformed[i], &a), EINVAL);
                /* Nothing is written on failure. */
                ASSERT_TRUE(a == sentinel);
        }

        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        ASSERT_ERROR(platform_resolve(long_name, &sentinel), EINVAL);

        ASSERT_ERROR(platform_resolve(NULL, &sentinel), EINVAL);
        ASSERT_ERROR(platform_resolve("arm64", NULL), EINVAL);
        ASSERT_STREQ(sentinel->name, "s390x");
}

TEST(resolve_unknown)
{
        for (size_t i = 0; i < ELEMENTSOF(unknown); i++) {
                const BinfmtArch *a = NULL;

                fprintf(stderr, "   '%s'\n", unknown[i]);
                ASSERT_ERROR(platform_resolve(unknown[i], &a), ENOENT);
                ASSERT_NULL(a);
        }
}

TEST(every_name_in_the_table_resolves_to_its_entry)
{
        const BinfmtArch *t;
        size_t n;

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                const BinfmtArch *a = NULL;
                char buf[PLATFORM_MAX];

                ASSERT_OK(platform_resolve(t[i].name, &a));
                ASSERT_TRUE(a == &t[i]);

                snprintf(buf, sizeof(buf), "linux/%s", t[i].name);
                ASSERT_OK(platform_resolve(buf, &a));
                ASSERT_TRUE(a == &t[i]);

                if (t[i].oci_arch) {
                        ASSERT_OK(platform_resolve(t[i].oci_arch, &a));
                        ASSERT_TRUE(a == &t[i]);
                }
                for (const char *const *al = t[i].aliases; al && *al; al++) {
                        a = NULL;
                        ASSERT_OK(platform_resolve(*al, &a));
                        ASSERT_TRUE(a == &t[i]);
                }
        }
}

TEST(format)
{
        char buf[PLATFORM_MAX], small[8];
        static const struct {
                const char *arch, *platform;
        } f[] = {
                {"x86_64", "linux/amd64"},        {"aarch64", "linux/arm64"},
                {"riscv64", "linux/riscv64"},     {"ppc64le", "linux/ppc64le"},
                {"s390x", "linux/s390x"},         {"i386", "linux/386"},
                {"mips64el", "linux/mips64le"},   {"mips64", "linux/mips64"},
                {"loongarch64", "linux/loong64"}, {"arm", "linux/arm/v7"},
                {"ppc64", "linux/ppc64"},         {"mips", "linux/mips"},
                {"mipsel", "linux/mipsle"},
        };

        for (size_t i = 0; i < ELEMENTSOF(f); i++) {
                const char *r = platform_format(arch_by_name(f[i].arch), buf, sizeof(buf));

                ASSERT_TRUE(r == buf);
                ASSERT_STREQ(buf, f[i].platform);
        }

        /* No OCI name: NULL, and an empty buffer rather than stale text. */
        strcpy(buf, "stale");
        ASSERT_NULL(platform_format(arch_by_name("sparc64"), buf, sizeof(buf)));
        ASSERT_STREQ(buf, "");
        strcpy(buf, "stale");
        ASSERT_NULL(platform_format(arch_by_name("mipsn32"), buf, sizeof(buf)));
        ASSERT_STREQ(buf, "");

        /* Too small: nothing rather than a cut-off name. */
        strcpy(small, "stale");
        ASSERT_NULL(platform_format(arch_by_name("arm"), small, sizeof(small)));
        ASSERT_STREQ(small, "");
        ASSERT_NULL(platform_format(arch_by_name("arm"), small, 0));
        ASSERT_STREQ(small, "");
        ASSERT_STREQ(platform_format(arch_by_name("arm"), buf, strlen("linux/arm/v7") + 1),
                     "linux/arm/v7");
        ASSERT_NULL(platform_format(arch_by_name("arm"), buf, strlen("linux/arm/v7")));
}

static void assert_list(const char *arch, const char *const *expect)
{
        _cleanup_strv_free_ char **l = platform_list(arch_by_name(arch));
        size_t n = 0;

        ASSERT_NOT_NULL(l);
        while (expect[n])
                n++;
        ASSERT_EQ(strv_length(l), n);
        for (size_t i = 0; i < n; i++)
                ASSERT_STREQ(l[i], expect[i]);
}

TEST(list)
{
        assert_list("arm", (const char *const[]){"linux/arm/v7", "linux/arm/v6", NULL});
        assert_list("x86_64", (const char *const[]){"linux/amd64", NULL});
        assert_list("aarch64", (const char *const[]){"linux/arm64", NULL});
        assert_list("i386", (const char *const[]){"linux/386", NULL});
        assert_list("mips64el", (const char *const[]){"linux/mips64le", NULL});
        assert_list("loongarch64", (const char *const[]){"linux/loong64", NULL});
        assert_list("sparc64", (const char *const[]){NULL});
        assert_list("aarch64_be", (const char *const[]){NULL});
        assert_list("cris", (const char *const[]){NULL});
}

TEST(list_and_format_round_trip)
{
        const BinfmtArch *t;
        size_t n;

        t = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **l = platform_list(&t[i]);
                char buf[PLATFORM_MAX];
                const BinfmtArch *a;

                ASSERT_NOT_NULL(l);
                if (!platform_format(&t[i], buf, sizeof(buf))) {
                        ASSERT_NULL(t[i].oci_arch);
                        ASSERT_EQ(strv_length(l), 0);
                        continue;
                }

                /* The primary platform comes first in the list. */
                ASSERT_TRUE(strv_length(l) >= 1);
                ASSERT_STREQ(l[0], buf);
                STRV_FOREACH(p, l) {
                        a = NULL;
                        ASSERT_OK(platform_resolve(*p, &a));
                        ASSERT_TRUE(a == &t[i]);
                }
        }
}

int main(void)
{
        RUN(resolve_good);
        RUN(resolve_malformed);
        RUN(resolve_unknown);
        RUN(every_name_in_the_table_resolves_to_its_entry);
        RUN(format);
        RUN(list);
        RUN(list_and_format_round_trip);
        return 0;
}
