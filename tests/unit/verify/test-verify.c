/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/verify/verify.c: the default target list, the probe directory ($BINFMTD_PROBE_DIR, made
 * 0700 whatever the umask), deep copies of a verification record, and one real run of the
 * native target's probe in both passes, with the interpreter lookup pointed at a private
 * directory so its answer is known. The container pass needs CAP_SYS_CHROOT: without root its
 * assertion is left out, with a message. No emulator is needed.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "target/arch.h"
#include "verify/probe.h"
#include "verify/system.h"
#include "tests.h"
#include "verify/verify.h"

#define TIMEOUT_USEC (10 * UINT64_C(1000000))

static char *tmpdir;

static char *path_in(const char *name)
{
        char *p = NULL;

        ASSERT_TRUE(asprintf(&p, "%s/%s", tmpdir, name) > 0);
        return p;
}

static const BinfmtArch *arch(const char *name)
{
        const BinfmtArch *a = arch_by_name(name);

        ASSERT_NOT_NULL(a);
        return a;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        ASSERT_OK(clock_gettime(CLOCK_REALTIME, &ts));
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

TEST(default_targets)
{
        /* Every target with a probe (test-probe.c checks each one), in the table's order. */
        static const char *const expected[] = {
                "x86_64",   "aarch64", "riscv64",     "ppc64le", "s390x", "i386",
                "mips64el", "mips64",  "loongarch64", "arm",     "ppc64",
        };
        _cleanup_free_ const BinfmtArch **l = NULL;
        size_t n = 0, n_table, with_probe = 0;
        const BinfmtArch *table = arch_table(&n_table);

        l = verify_default_targets(&n);
        ASSERT_NOT_NULL(l);
        ASSERT_EQ(n, ELEMENTSOF(expected));
        for (size_t i = 0; i < n; i++) {
                ASSERT_STREQ(l[i]->name, expected[i]);
                ASSERT_TRUE(l[i] == arch(expected[i]));
                ASSERT_TRUE(probe_supported(l[i]));
                if (i > 0)
                        ASSERT_TRUE(l[i - 1] < l[i]);
        }
        ASSERT_NULL(l[n]);

        for (size_t i = 0; i < n_table; i++)
                with_probe += probe_supported(&table[i]);
        ASSERT_EQ(with_probe, n);
        ASSERT_FALSE(probe_supported(arch("sparc64")));
}

static void assert_dir_mode(const char *path, mode_t mode)
{
        struct stat st;

        ASSERT_OK(lstat(path, &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        if ((st.st_mode & 07777) != mode) {
                fprintf(stderr, "%s: mode %04o, expected %04o\n", path,
                        (unsigned)(st.st_mode & 07777), (unsigned)mode);
                abort();
        }
}

TEST(workdir)
{
        _cleanup_free_ char *parent = path_in("state"), *dir = path_in("state/probes");
        _cleanup_free_ char *slashed = NULL, *p = NULL, *q = NULL;
        mode_t old = umask(0);

        /* Neither the directory nor its parent exists yet: both are made. */
        ASSERT_OK(setenv("BINFMTD_PROBE_DIR", dir, 1));
        ASSERT_OK(verify_workdir(&p));
        ASSERT_STREQ(p, dir);
        assert_dir_mode(parent, 0755);
        assert_dir_mode(dir, 0700);

        /* An existing one is fine, and kept as it is. */
        ASSERT_OK(verify_workdir(&q));
        ASSERT_STREQ(q, dir);
        assert_dir_mode(dir, 0700);
        free(p);
        free(q);
        p = q = NULL;

        /* A trailing slash names the same directory. */
        ASSERT_OK(rmdir(dir));
        ASSERT_OK(rmdir(parent));
        ASSERT_TRUE(asprintf(&slashed, "%s/", dir) > 0);
        ASSERT_OK(setenv("BINFMTD_PROBE_DIR", slashed, 1));
        ASSERT_OK(verify_workdir(&p));
        ASSERT_STREQ(p, dir);
        assert_dir_mode(parent, 0755);
        assert_dir_mode(dir, 0700);

        /* Only one missing level is made: a deeper path is an error, not a mkdir -p. */
        free(dir);
        dir = path_in("a/b/probes");
        ASSERT_OK(setenv("BINFMTD_PROBE_DIR", dir, 1));
        ASSERT_ERROR(verify_workdir(&q), ENOENT);
        ASSERT_NULL(q);

        ASSERT_OK(unsetenv("BINFMTD_PROBE_DIR"));
        umask(old);
        ASSERT_OK(rmdir(p));
        ASSERT_OK(rmdir(parent));
}

TEST(copy)
{
        VerifyTarget t[2] = {
                {
                        .arch = arch("aarch64"),
                        .pass = {[PROBE_PASS_HOST] = {.result = PROBE_OK, .exit_code = 42},
                                 [PROBE_PASS_CHROOT] = {.result = PROBE_FAILED, .error = EPERM}},
                        .interpreter = strdup("/usr/bin/qemu-aarch64-static"),
                },
                {
                        .arch = arch("riscv64"),
                        .pass = {[PROBE_PASS_CHROOT] = {.result = PROBE_CRASHED, .signal = 11}},
                },
        };
        Verification v = {.n_targets = 2, .realtime_usec = 111, .duration_usec = 222};
        Verification c = {}, e = {}, e2 = {};

        ASSERT_NOT_NULL(t[0].interpreter);
        v.targets = malloc(sizeof(t));
        ASSERT_NOT_NULL(v.targets);
        memcpy(v.targets, t, sizeof(t));

        ASSERT_TRUE(verification_find(&v, arch("riscv64")) == &v.targets[1]);
        ASSERT_NULL(verification_find(&v, arch("s390x")));
        ASSERT_NULL(verification_find(NULL, arch("riscv64")));
        ASSERT_NULL(verification_find(&v, NULL));

        ASSERT_OK(verification_copy(&v, &c));
        ASSERT_EQ(c.n_targets, 2);
        ASSERT_EQ(c.realtime_usec, 111);
        ASSERT_EQ(c.duration_usec, 222);
        ASSERT_TRUE(c.targets != v.targets);
        ASSERT_TRUE(c.targets[0].interpreter != v.targets[0].interpreter);
        ASSERT_STREQ(c.targets[0].interpreter, "/usr/bin/qemu-aarch64-static");
        ASSERT_NULL(c.targets[1].interpreter);
        ASSERT_TRUE(c.targets[0].arch == arch("aarch64"));
        ASSERT_EQ(c.targets[0].pass[PROBE_PASS_CHROOT].result, PROBE_FAILED);
        ASSERT_EQ(c.targets[0].pass[PROBE_PASS_CHROOT].error, EPERM);
        ASSERT_EQ(c.targets[1].pass[PROBE_PASS_CHROOT].signal, 11);

        /* The copy outlives the original (the sanitizer build catches a shared string). */
        verification_done(&v);
        ASSERT_NULL(v.targets);
        ASSERT_EQ(v.n_targets, 0);
        ASSERT_EQ(v.realtime_usec, 0);
        ASSERT_STREQ(c.targets[0].interpreter, "/usr/bin/qemu-aarch64-static");
        ASSERT_TRUE(verification_find(&c, arch("aarch64")) == &c.targets[0]);

        /* A copy of a copy, then of an empty record. */
        ASSERT_OK(verification_copy(&c, &e));
        verification_done(&c);
        ASSERT_STREQ(e.targets[0].interpreter, "/usr/bin/qemu-aarch64-static");
        verification_done(&e);
        ASSERT_OK(verification_copy(&e, &e2));
        ASSERT_EQ(e2.n_targets, 0);
        ASSERT_NULL(verification_find(&e2, arch("aarch64")));
        verification_done(&e2);
        verification_done(&e2); /* twice is harmless */
        verification_done(NULL);
}

/* Writes the native probe itself as DIR/qemu-NAME-static: a static ELF for this host. */
static char *fake_interpreter(const char *dir, const BinfmtArch *a)
{
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        char *p = NULL;
        size_t size;

        ASSERT_OK(probe_build(a, &buf, &size));
        ASSERT_TRUE(asprintf(&p, "%s/qemu-%s-static", dir, a->name) > 0);
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, buf, size), (ssize_t)size);
        ASSERT_OK(fchmod(fd, 0755));
        return p;
}

static void assert_outcome_ok(const ProbeOutcome *o, const char *pass)
{
        fprintf(stderr, "%s pass: %s, error %d, exit %d, signal %d, level %u, %" PRIu64 " usec\n",
                pass, probe_result_to_id(o->result), o->error, o->exit_code, o->signal, o->level,
                o->duration_usec);
        ASSERT_STREQ(probe_result_to_id(o->result), "ok");
        ASSERT_EQ(o->error, 0);
        ASSERT_EQ(o->signal, 0);
}

TEST(run_native)
{
        _cleanup_free_ char *work = path_in("work"), *interp_dir = path_in("interp");
        _cleanup_free_ char *interp = NULL;
        const BinfmtArch *native, *targets[1];
        char *dirs[2] = {interp_dir, NULL};
        Verification v = {};
        SystemInfo sys;
        uint64_t before = now_usec();

        ASSERT_OK(system_probe("/proc", &sys));
        ASSERT_OK(sys.host_r);
        native = sys.host.arch;
        ASSERT_NOT_NULL(native);
        if (!probe_supported(native)) {
                fprintf(stderr, "no probe for the native %s, not run\n", native->name);
                return;
        }
        targets[0] = native;
        ASSERT_OK(mkdir(work, 0700));
        ASSERT_OK(mkdir(interp_dir, 0755));

        /* An empty interpreter directory: nothing a registration would use. */
        ASSERT_OK(verify_run(&sys, targets, 1, dirs, work, TIMEOUT_USEC, &v));
        ASSERT_EQ(v.n_targets, 1);
        ASSERT_TRUE(v.targets[0].arch == native);
        ASSERT_NULL(v.targets[0].interpreter);
        ASSERT_TRUE(v.realtime_usec >= before && v.realtime_usec <= now_usec());
        ASSERT_TRUE(v.duration_usec > 0 && v.duration_usec < 2 * TIMEOUT_USEC);
        ASSERT_TRUE(verification_find(&v, native) == &v.targets[0]);

        const ProbeOutcome *host = &v.targets[0].pass[PROBE_PASS_HOST];
        const ProbeOutcome *chroot = &v.targets[0].pass[PROBE_PASS_CHROOT];

        assert_outcome_ok(host, "host");
        ASSERT_TRUE(host->duration_usec > 0);
        if (streq(native->name, "x86_64")) {
                ASSERT_TRUE(host->level >= 1 && host->level <= 4);
                ASSERT_EQ(host->exit_code, PROBE_EXIT_LEVEL_BASE + (int)host->level);
        } else {
                ASSERT_EQ(host->level, 0);
                ASSERT_EQ(host->exit_code, PROBE_EXIT_CODE);
        }

        if (geteuid() == 0) {
                /* The native probe is static: it runs in the empty chroot with nothing else. */
                assert_outcome_ok(chroot, "container");
                ASSERT_EQ(chroot->level, host->level);
                ASSERT_EQ(chroot->exit_code, host->exit_code);
        } else
                fprintf(stderr, "not root: container pass (%s, %s) not checked\n",
                        probe_result_to_id(chroot->result), strerror(chroot->error));
        verification_done(&v);

        /* With a static ELF for this host where a registration looks, that is the interpreter;
         * the file must be root's to count as safe. */
        interp = fake_interpreter(interp_dir, native);
        ASSERT_OK(verify_run(&sys, targets, 1, dirs, work, TIMEOUT_USEC, &v));
        if (geteuid() == 0)
                ASSERT_STREQ(v.targets[0].interpreter, interp);
        else
                ASSERT_NULL(v.targets[0].interpreter);
        ASSERT_EQ(v.targets[0].pass[PROBE_PASS_HOST].result, PROBE_OK);
        verification_done(&v);

        /* Only an unsafe candidate (writable by others): none. */
        ASSERT_OK(chmod(interp, 0777));
        ASSERT_OK(verify_run(&sys, targets, 1, dirs, work, TIMEOUT_USEC, &v));
        ASSERT_NULL(v.targets[0].interpreter);
        verification_done(&v);

        /* The runner leaves nothing behind in the work directory. */
        ASSERT_OK(rmdir(work));
        ASSERT_OK(unlink(interp));
        ASSERT_OK(rmdir(interp_dir));
}

TEST(run_invalid)
{
        _cleanup_free_ char *work = path_in("invalid");
        const BinfmtArch *sparc64[] = {arch("sparc64")};
        const BinfmtArch *mixed[] = {arch("aarch64"), arch("sparc64")};
        const BinfmtArch *null_target[] = {NULL};
        Verification v = {.n_targets = 12345};
        SystemInfo sys;

        ASSERT_OK(system_probe("/proc", &sys));
        ASSERT_OK(mkdir(work, 0700));

        ASSERT_ERROR(verify_run(&sys, sparc64, 1, NULL, work, TIMEOUT_USEC, &v), EINVAL);
        ASSERT_ERROR(verify_run(&sys, mixed, 2, NULL, work, TIMEOUT_USEC, &v), EINVAL);
        ASSERT_ERROR(verify_run(&sys, null_target, 1, NULL, work, TIMEOUT_USEC, &v), EINVAL);
        ASSERT_ERROR(verify_run(NULL, mixed, 1, NULL, work, TIMEOUT_USEC, &v), EINVAL);
        ASSERT_ERROR(verify_run(&sys, mixed, 1, NULL, NULL, TIMEOUT_USEC, &v), EINVAL);
        ASSERT_ERROR(verify_run(&sys, NULL, 1, NULL, work, TIMEOUT_USEC, &v), EINVAL);
        /* Nothing written on failure. */
        ASSERT_EQ(v.n_targets, 12345);
        ASSERT_NULL(v.targets);

        /* No targets: an empty record. */
        ASSERT_OK(verify_run(&sys, NULL, 0, NULL, work, TIMEOUT_USEC, &v));
        ASSERT_EQ(v.n_targets, 0);
        ASSERT_TRUE(v.realtime_usec > 0);
        verification_done(&v);

        ASSERT_OK(rmdir(work));
}

int main(void)
{
        ASSERT_TRUE(asprintf(&tmpdir, "%s/test-verify-XXXXXX", getenv("TMPDIR") ?: "/tmp") > 0);
        ASSERT_NOT_NULL(mkdtemp(tmpdir));

        RUN(default_targets);
        RUN(workdir);
        RUN(copy);
        RUN(run_native);
        RUN(run_invalid);

        ASSERT_OK(rmdir(tmpdir));
        free(tmpdir);
        return 0;
}
