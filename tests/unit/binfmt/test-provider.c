/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/binfmt/provider.c: another tool's entry judged against a target, one entry per
 * condition, with Debian's real static QEMU as the interpreter (reached through a symlink, as
 * Debian's /usr/libexec/qemu-binfmt links are) and a real dynamic program where one is needed;
 * the host is an x86-64 one, made from the amd64 probe's header. Then where an entry comes from:
 * binfmt.d files in systemd's order (a file in /etc masks the same name in /usr/lib) and
 * binfmt-support's formats, in directories of the test's own.
 *
 * Without qemu-user-static the interpreter cases skip (77) after the rest, unless
 * BINFMTD_TESTS_MUST_RUN=1 makes that a failure.
 */

#include <fcntl.h>
#include <sys/stat.h>

#include "binfmt/provider.h"
#include "verify/probe.h"
#include "tests.h"

#define QEMU "/usr/bin/qemu-aarch64-static"

static char tmpdir[] = "/tmp/test-provider-XXXXXX";

static HostInfo x86_64_host(void)
{
        _cleanup_free_ uint8_t *img = NULL;
        size_t size;
        HostInfo h;

        ASSERT_OK(probe_build(arch_by_name("x86_64"), &img, &size));
        ASSERT_OK(host_detect("x86_64", img, size, &h));
        return h;
}

/* An entry file's text as the kernel shows it. */
static BinfmtEntry *entry(const char *state, const char *interp, const char *flags,
                          const char *magic, const char *mask)
{
        _cleanup_free_ char *text = NULL, *reason = NULL;
        BinfmtEntry *e = NULL;

        ASSERT_TRUE(asprintf(&text, "%s\ninterpreter %s\nflags: %s\noffset 0\nmagic %s\nmask %s\n",
                             state, interp, flags, magic, mask) >= 0);
        ASSERT_OK(entry_parse("qemu-aarch64", text, strlen(text), &e, &reason));
        return e;
}

#define AARCH64_MAGIC "7f454c460201010000000000000000000200b700"
#define AARCH64_MASK  "ffffffffffffff00fffffffffffffffffeffffff"
#define RISCV_MAGIC   "7f454c460201010000000000000000000200f300"
/* Only "ELF": every ELF file, the host's own included. */
#define ELF_MAGIC "7f454c46"
#define ELF_MASK  "ffffffff"

static ProviderProblem judge(const BinfmtEntry *e, const char *target, ProviderCheck *pc)
{
        HostInfo h = x86_64_host();

        ASSERT_OK(provider_check(e, arch_by_name(target), &h, NULL, 0, false, NULL, pc));
        fprintf(stderr, "   %-14s %-20s %s\n", target, provider_problem_to_id(pc->problem),
                pc->resolved);
        return pc->problem;
}

static bool test_interpreters(void)
{
        _cleanup_free_ char *link = NULL;
        ProviderCheck pc;

        if (access(QEMU, X_OK) < 0) {
                fprintf(stderr, "%s is missing\n", QEMU);
                return false;
        }
        /* Debian's layout: /usr/libexec/qemu-binfmt/aarch64-binfmt-P -> qemu-aarch64-static. */
        ASSERT_TRUE(asprintf(&link, "%s/aarch64-binfmt-P", tmpdir) >= 0);
        ASSERT_OK(symlink(QEMU, link) < 0 ? -errno : 0);

        _cleanup_(entry_freep) BinfmtEntry *debian = entry("enabled", link, "POF", AARCH64_MAGIC,
                                                           AARCH64_MASK);
        ASSERT_EQ(judge(debian, "aarch64", &pc), PROVIDER_OK);
        ASSERT_STREQ(pc.resolved, QEMU);
        ASSERT_STREQ(provider_problem_to_id(PROVIDER_OK), "ok");

        _cleanup_(entry_freep) BinfmtEntry *off = entry("disabled", link, "POF", AARCH64_MAGIC,
                                                        AARCH64_MASK);
        ASSERT_EQ(judge(off, "aarch64", &pc), PROVIDER_DISABLED);

        _cleanup_(entry_freep) BinfmtEntry *no_f = entry("enabled", link, "PO", AARCH64_MAGIC,
                                                         AARCH64_MASK);
        ASSERT_EQ(judge(no_f, "aarch64", &pc), PROVIDER_NO_F);
        ASSERT_STREQ(provider_problem_to_id(pc.problem), "no-f");

        /* C: setuid foreign programs would run QEMU with raised privileges. */
        _cleanup_(entry_freep) BinfmtEntry *cred = entry("enabled", link, "OCF", AARCH64_MAGIC,
                                                         AARCH64_MASK);
        ASSERT_EQ(judge(cred, "aarch64", &pc), PROVIDER_CREDENTIALS);

        /* riscv64's match under aarch64's name. */
        _cleanup_(entry_freep) BinfmtEntry *wrong = entry("enabled", link, "F", RISCV_MAGIC,
                                                          AARCH64_MASK);
        ASSERT_EQ(judge(wrong, "aarch64", &pc), PROVIDER_WRONG_TARGET);

        /* A match of every ELF file catches the host's own programs too. */
        _cleanup_(entry_freep) BinfmtEntry *greedy = entry("enabled", link, "F", ELF_MAGIC,
                                                           ELF_MASK);
        ASSERT_EQ(judge(greedy, "aarch64", &pc), PROVIDER_CATCHES_NATIVE);

        /* The right QEMU for the wrong target: riscv64's entry pointing at aarch64's QEMU. */
        _cleanup_(entry_freep) BinfmtEntry *other_qemu = entry("enabled", link, "F", RISCV_MAGIC,
                                                               AARCH64_MASK);
        ASSERT_EQ(judge(other_qemu, "riscv64", &pc), PROVIDER_NOT_QEMU);

        /* A dynamically linked program is never a safe interpreter. */
        _cleanup_(entry_freep) BinfmtEntry *dynamic = entry("enabled", "/bin/sh", "F",
                                                            AARCH64_MAGIC, AARCH64_MASK);
        ASSERT_EQ(judge(dynamic, "aarch64", &pc), PROVIDER_UNSAFE_INTERPRETER);
        ASSERT_EQ(pc.interp.problem, INTERP_DYNAMIC);

        ASSERT_OK(unlink(link) < 0 ? -errno : 0);
        return true;
}

static void write_file(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *p = NULL;
        FILE *f;

        ASSERT_TRUE(asprintf(&p, "%s/%s", dir, name) >= 0);
        f = fopen(p, "we");
        ASSERT_NOT_NULL(f);
        fputs(text, f);
        ASSERT_EQ(fclose(f), 0);
}

static void test_sources(void)
{
        _cleanup_free_ char *etc = NULL, *usr = NULL, *fmts = NULL, *path = NULL, *mask = NULL;

        ASSERT_TRUE(asprintf(&etc, "%s/etc-binfmt.d", tmpdir) >= 0);
        ASSERT_TRUE(asprintf(&usr, "%s/usr-binfmt.d", tmpdir) >= 0);
        ASSERT_TRUE(asprintf(&fmts, "%s/binfmts", tmpdir) >= 0);
        ASSERT_OK(mkdir(etc, 0755) < 0 ? -errno : 0);
        ASSERT_OK(mkdir(usr, 0755) < 0 ? -errno : 0);
        ASSERT_OK(mkdir(fmts, 0755) < 0 ? -errno : 0);

        const char *const dirs[] = {etc, usr, NULL};
        const char *const binfmts[] = {fmts, NULL};

        write_file(usr, "qemu-aarch64.conf",
                   "# Debian's\n:qemu-aarch64:M::\\x7fELF::/usr/bin/qemu-aarch64-static:OPF\n");
        write_file(usr, "qemu-arm.conf", ":qemu-armeb:M::\\x7fELF::/x:F\n");
        write_file(usr, "other.txt", ":qemu-arm:M::\\x7fELF::/x:F\n");
        write_file(fmts, "qemu-arm", "package qemu-user-static\ninterpreter /x\n");

        ASSERT_EQ(provider_find_source(dirs, binfmts, "qemu-aarch64", &path),
                  PROVIDER_SOURCE_BINFMT_D);
        ASSERT_TRUE(strstr(path, "/usr-binfmt.d/qemu-aarch64.conf"));
        free(TAKE_PTR(path));

        /* Not a prefix match ("qemu-armeb" is not "qemu-arm"), not a file without .conf: the
         * binfmt-support format of that name is the source. */
        ASSERT_EQ(provider_find_source(dirs, binfmts, "qemu-arm", &path), PROVIDER_SOURCE_BINFMTS);
        ASSERT_TRUE(strstr(path, "/binfmts/qemu-arm"));
        free(TAKE_PTR(path));

        ASSERT_EQ(provider_find_source(dirs, binfmts, "qemu-riscv64", &path), PROVIDER_SOURCE_NONE);
        ASSERT_NULL(path);

        /* Masked in /etc (a link to /dev/null): the file in /usr/lib no longer registers it. */
        ASSERT_TRUE(asprintf(&mask, "%s/qemu-aarch64.conf", etc) >= 0);
        ASSERT_OK(symlink("/dev/null", mask) < 0 ? -errno : 0);
        ASSERT_EQ(provider_find_source(dirs, binfmts, "qemu-aarch64", &path), PROVIDER_SOURCE_NONE);

        /* A file in /etc of another name registering it wins over /usr/lib's. */
        write_file(etc, "local.conf", ":qemu-aarch64:M::\\x7fELF::/opt/qemu-aarch64:F\n");
        ASSERT_EQ(provider_find_source(dirs, binfmts, "qemu-aarch64", &path),
                  PROVIDER_SOURCE_BINFMT_D);
        ASSERT_TRUE(strstr(path, "/etc-binfmt.d/local.conf"));
}

static void cleanup(void)
{
        char *cmd = NULL;

        if (asprintf(&cmd, "rm -rf '%s'", tmpdir) >= 0)
                (void)!system(cmd);
        free(cmd);
}

int main(void)
{
        const char *must = getenv("BINFMTD_TESTS_MUST_RUN");
        bool ran;

        ASSERT_NOT_NULL(mkdtemp(tmpdir));
        atexit(cleanup);
        test_sources();
        ran = test_interpreters();
        if (!ran) {
                if (must && streq(must, "1"))
                        return EXIT_FAILURE;
                return EXIT_TEST_SKIP;
        }
        return EXIT_SUCCESS;
}
