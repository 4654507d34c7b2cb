/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/verify/native.c. The decision is checked for the hosts that differ, with the facts a
 * measurement would give injected: an x86-64 kernel with and without IA32 emulation, an arm64
 * CPU with and without AArch32, a host whose family has nothing to measure, a 32-bit userland
 * on a 64-bit kernel, and a kernel where nothing can be measured (older than 6.7). Then the
 * per-boot cache (its text, a stale boot, damage, and what is never cached), and finally the
 * real measurement on this machine: its answer is checked against running the same probe by
 * hand in a fresh user namespace with an empty binfmt_misc instance, when the kernel allows one.
 */

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "verify/native.h"
#include "verify/probe.h"
#include "tests.h"

/* A host whose executable is @exe's (the header of its probe) under a kernel calling itself
 * @machine. */
static HostInfo host(const char *machine, const char *exe)
{
        _cleanup_free_ uint8_t *img = NULL;
        size_t size;
        HostInfo h;

        ASSERT_OK(probe_build(arch_by_name(exe), &img, &size));
        ASSERT_OK(host_detect(machine, img, size, &h));
        return h;
}

static ProbeOutcome outcome(ProbeResult r, int error)
{
        return (ProbeOutcome){.result = r, .error = error, .exit_code = r == PROBE_OK ? 42 : 0};
}

/* Builds the report of @h from one outcome per candidate (NULL: not measured). */
static void build(HostInfo *h, const ProbeOutcome *o, NativeReport *r)
{
        const BinfmtArch *c[NATIVE_MAX];
        const ProbeOutcome *p[NATIVE_MAX];
        size_t n = native_candidates(h, c, NATIVE_MAX);

        for (size_t i = 0; i < n; i++)
                p[i] = o;
        native_report_build(h, c, p, n, r);
}

static const char *why(const HostInfo *h, const NativeReport *r, const char *name)
{
        static char buf[256];
        const NativeVerdict *v = native_report_find(r, arch_by_name(name));

        ASSERT_NOT_NULL(v);
        return native_explain(h, v, buf, sizeof(buf));
}

static void test_x86_64(void)
{
        const BinfmtArch *i386 = arch_by_name("i386"), *x86_64 = arch_by_name("x86_64");
        const BinfmtArch *c[NATIVE_MAX];
        ProbeOutcome ok = outcome(PROBE_OK, 0), enoexec = outcome(PROBE_NO_HANDLER, ENOEXEC);
        HostInfo h = host("x86_64", "x86_64");
        NativeReport r;

        /* The one candidate: i386. x86_64 itself is the host's own. */
        ASSERT_EQ(native_candidates(&h, c, NATIVE_MAX), 1);
        ASSERT_TRUE(c[0] == i386);
        ASSERT_EQ(native_decide(&h, x86_64, NULL), NATIVE_OWN);
        ASSERT_EQ(native_decide(&h, arch_by_name("aarch64"), NULL), NATIVE_NOT);

        /* Before anything is measured the family rule holds: i386 is never registered. */
        ASSERT_TRUE(host_is_native(&h, i386));

        /* IA32 emulation on: the probe ran; native, never registered. */
        build(&h, &ok, &r);
        ASSERT_EQ(r.n, 2);
        ASSERT_EQ(r.verdicts[0].state, NATIVE_OWN);
        ASSERT_EQ(native_report_find(&r, i386)->state, NATIVE_MEASURED);
        ASSERT_TRUE(host_is_native(&h, i386));
        ASSERT_TRUE(host_is_native(&h, x86_64));
        ASSERT_STREQ(why(&h, &r, "i386"), "the kernel runs it natively (measured)");
        ASSERT_STREQ(why(&h, &r, "x86_64"), "this host's own architecture");
        ASSERT_STREQ(native_state_to_id(NATIVE_MEASURED), "native");

        /* IA32 emulation off: exec format error; QEMU serves it, x86_64 stays native. */
        build(&h, &enoexec, &r);
        ASSERT_EQ(native_report_find(&r, i386)->state, NATIVE_NOT);
        ASSERT_FALSE(host_is_native(&h, i386));
        ASSERT_TRUE(host_is_native(&h, x86_64));
        ASSERT_TRUE(host_in_native_family(&h, i386));
        ASSERT_STREQ(why(&h, &r, "i386"), "the kernel does not run it natively (no IA32 emulation)");
        ASSERT_STREQ(native_state_to_id(NATIVE_NOT), "emulated");

        /* Measured again with IA32 on (another boot): the exception goes away. */
        build(&h, &ok, &r);
        ASSERT_TRUE(host_is_native(&h, i386));

        /* A kernel that starts the program but kills it (a seccomp filter on the 32-bit ABI):
         * an entry would be consulted first, so QEMU serves it. */
        ProbeOutcome sigsys = {.result = PROBE_CRASHED, .signal = SIGSYS};
        build(&h, &sigsys, &r);
        ASSERT_FALSE(host_is_native(&h, i386));
        ASSERT_TRUE(strstr(why(&h, &r, "i386"), "killed by signal"));
}

static void test_arm64(void)
{
        const BinfmtArch *arm = arch_by_name("arm"), *aarch64 = arch_by_name("aarch64");
        ProbeOutcome ok = outcome(PROBE_OK, 0), enoexec = outcome(PROBE_NO_HANDLER, ENOEXEC);
        HostInfo h = host("aarch64", "aarch64");
        NativeReport r;

        /* Cortex-A72, Graviton 2: AArch32 at EL0. */
        build(&h, &ok, &r);
        ASSERT_TRUE(host_is_native(&h, arm));
        /* Graviton 3 and 4, AmpereOne, Apple silicon: none. */
        build(&h, &enoexec, &r);
        ASSERT_FALSE(host_is_native(&h, arm));
        ASSERT_TRUE(host_is_native(&h, aarch64));
        ASSERT_STREQ(why(&h, &r, "arm"), "the kernel does not run it natively (no AArch32 support)");
        /* Other families are never native, measured or not. */
        ASSERT_FALSE(host_is_native(&h, arch_by_name("x86_64")));
        ASSERT_FALSE(host_is_native(&h, arch_by_name("i386")));
}

/* A host whose family has no second target with a probe: nothing to measure, nothing changes. */
static void test_neither(void)
{
        const BinfmtArch *c[NATIVE_MAX];
        HostInfo h = host("riscv64", "riscv64");
        NativeReport r;
        size_t n = native_candidates(&h, c, NATIVE_MAX);

        /* riscv32 shares the family and has no probe: assumed native, never registered. */
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(c[0]->name, "riscv32");
        build(&h, NULL, &r);
        ASSERT_EQ(native_report_find(&r, c[0])->state, NATIVE_ASSUMED);
        ASSERT_TRUE(host_is_native(&h, c[0]));
        ASSERT_TRUE(strstr(why(&h, &r, "riscv32"), "no probe"));
        ASSERT_FALSE(host_is_native(&h, arch_by_name("aarch64")));
}

/* A 32-bit userland on a 64-bit kernel: the kernel's own target is the candidate. */
static void test_i386_userland(void)
{
        ProbeOutcome ok = outcome(PROBE_OK, 0), enoexec = outcome(PROBE_NO_HANDLER, ENOEXEC);
        const BinfmtArch *c[NATIVE_MAX];
        HostInfo h = host("x86_64", "i386");
        NativeReport r;

        ASSERT_EQ(native_candidates(&h, c, NATIVE_MAX), 1);
        ASSERT_STREQ(c[0]->name, "x86_64");
        build(&h, &ok, &r);
        ASSERT_TRUE(host_is_native(&h, arch_by_name("x86_64")));

        /* An i386 kernel: x86_64 programs need QEMU. */
        h = host("i686", "i386");
        build(&h, &enoexec, &r);
        ASSERT_FALSE(host_is_native(&h, arch_by_name("x86_64")));
        ASSERT_TRUE(host_is_native(&h, arch_by_name("i386")));
        ASSERT_STREQ(why(&h, &r, "x86_64"), "the kernel does not run it natively (a 32-bit kernel)");
}

/* Nothing can be measured: every candidate stays native, and the reason says why. */
static void test_unmeasurable(void)
{
        const BinfmtArch *i386 = arch_by_name("i386");
        ProbeOutcome eperm = {.result = PROBE_FAILED, .error = EPERM, .setup = PROBE_SETUP_INSTANCE};
        ProbeOutcome nouserns = {.result = PROBE_FAILED, .error = ENOSPC, .setup = PROBE_SETUP_USERNS};
        ProbeOutcome timeout = outcome(PROBE_TIMEOUT, 0);
        HostInfo h = host("x86_64", "x86_64");
        NativeReport r;

        build(&h, &eperm, &r);
        ASSERT_EQ(native_report_find(&r, i386)->state, NATIVE_ASSUMED);
        ASSERT_TRUE(host_is_native(&h, i386));
        ASSERT_TRUE(strstr(why(&h, &r, "i386"), "needs Linux 6.7 or newer"));
        ASSERT_TRUE(strstr(why(&h, &r, "i386"), "treated as native"));

        build(&h, &nouserns, &r);
        ASSERT_TRUE(host_is_native(&h, i386));
        ASSERT_TRUE(strstr(why(&h, &r, "i386"), "cannot create a user namespace"));

        build(&h, &timeout, &r);
        ASSERT_TRUE(host_is_native(&h, i386));

        build(&h, NULL, &r);
        ASSERT_TRUE(host_is_native(&h, i386));
        ASSERT_TRUE(strstr(why(&h, &r, "i386"), "not measured"));
}

static void test_cache(void)
{
        const char *boot = "1b7d5a6e-0000-4000-8000-000000000001";
        ProbeOutcome enoexec = outcome(PROBE_NO_HANDLER, ENOEXEC), ok = outcome(PROBE_OK, 0);
        ProbeOutcome eperm = {.result = PROBE_FAILED, .error = EPERM, .setup = PROBE_SETUP_INSTANCE};
        ProbeOutcome out[NATIVE_MAX];
        const BinfmtArch *c[NATIVE_MAX];
        HostInfo h = host("x86_64", "x86_64");
        _cleanup_free_ char *text = NULL;
        NativeReport r;
        size_t n = native_candidates(&h, c, NATIVE_MAX);

        build(&h, &enoexec, &r);
        ASSERT_OK(native_cache_format(&r, boot, &text));
        fprintf(stderr, "%s", text);
        ASSERT_TRUE(strstr(text, "\nboot-id 1b7d5a6e-0000-4000-8000-000000000001\n"));
        ASSERT_TRUE(strstr(text, "\ni386 no-handler exit=0 signal=0 errno=8\n"));

        /* The same boot gives the same outcomes back, and so the same decision. */
        ASSERT_OK(native_cache_parse(text, boot, c, n, out));
        ASSERT_EQ(out[0].result, PROBE_NO_HANDLER);
        ASSERT_EQ(out[0].error, ENOEXEC);
        ASSERT_EQ(native_decide(&h, c[0], &out[0]), NATIVE_NOT);

        /* Another boot: stale. */
        ASSERT_ERROR(native_cache_parse(text, "another-boot", c, n, out), ESTALE);
        /* Damage of any kind: not used. */
        ASSERT_ERROR(native_cache_parse("boot-id x\ni386 bogus exit=0 signal=0 errno=0\n", "x", c, n,
                                        out),
                     EBADMSG);
        ASSERT_ERROR(native_cache_parse("boot-id x\n", "x", c, n, out), EBADMSG);
        ASSERT_ERROR(native_cache_parse("i386 ok exit=42 signal=0 errno=0\n", "x", c, n, out),
                     EBADMSG);
        ASSERT_ERROR(native_cache_parse("boot-id x\ni386 ok exit=42 signal=0 errno=0 extra\n", "x",
                                        c, n, out),
                     EBADMSG);
        ASSERT_ERROR(native_cache_parse("boot-id x\ni386 ok exit=42 signal=0 errno=0\n"
                                        "i386 ok exit=42 signal=0 errno=0\n",
                                        "x", c, n, out),
                     EBADMSG);
        ASSERT_ERROR(native_cache_parse("boot-id x\narm ok exit=42 signal=0 errno=0\n", "x", c, n,
                                        out),
                     EBADMSG);
        /* An inconclusive outcome is never taken from a file either. */
        ASSERT_ERROR(native_cache_parse("boot-id x\ni386 failed exit=0 signal=0 errno=1\n", "x", c,
                                        n, out),
                     EBADMSG);
        ASSERT_OK(native_cache_parse("# comment\nboot-id x\ni386 ok exit=42 signal=0 errno=0\n", "x",
                                     c, n, out));
        ASSERT_EQ(native_decide(&h, c[0], &out[0]), NATIVE_MEASURED);

        /* What could not be measured is never cached: the next command tries again. */
        free(TAKE_PTR(text));
        build(&h, &eperm, &r);
        ASSERT_ERROR(native_cache_format(&r, boot, &text), ENODATA);
        build(&h, &ok, &r);
        ASSERT_ERROR(native_cache_format(&r, "", &text), EINVAL);
        ASSERT_ERROR(native_cache_format(&r, "two words", &text), EINVAL);
}

/* The kernel pass's verdict on @a, by hand: a child in a new user and mount namespace mounts
 * an empty binfmt_misc and executes the probe. Returns 1 (ran), 0 (refused), -1 (cannot). */
static int by_hand(const char *dir, const BinfmtArch *a)
{
        _cleanup_free_ uint8_t *img = NULL;
        _cleanup_free_ char *path = NULL, *mnt = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size;
        int status;
        pid_t pid;

        ASSERT_OK(probe_build(a, &img, &size));
        ASSERT_TRUE(asprintf(&path, "%s/by-hand-%s", dir, a->name) >= 0);
        ASSERT_TRUE(asprintf(&mnt, "%s/by-hand-mnt", dir) >= 0);
        (void)mkdir(mnt, 0700);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, img, size), (ssize_t)size);
        ASSERT_OK(close(TAKE_FD(fd)));

        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                char *argv[] = {path, NULL}, *envp[] = {NULL};

                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 ||
                    mount("binfmt_misc", mnt, "binfmt_misc", 0, NULL) < 0)
                        _exit(200);
                execve(path, argv, envp);
                _exit(errno == ENOEXEC ? 201 : 202);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        (void)unlink(path);
        (void)rmdir(mnt);
        if (WIFEXITED(status) && probe_exit_ok(a, WEXITSTATUS(status), NULL))
                return 1;
        if (WIFEXITED(status) && WEXITSTATUS(status) >= 200 && WEXITSTATUS(status) != 201)
                return -1;
        return 0;
}

static void test_real(void)
{
        _cleanup_free_ char *dir = NULL, *cache = NULL;
        uint8_t hdr[64];
        NativeReport r, again;
        HostInfo h;
        struct utsname u;
        ssize_t k;
        int fd;

        ASSERT_OK(uname(&u) < 0 ? -errno : 0);
        fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        k = read(fd, hdr, sizeof(hdr));
        close(fd);
        ASSERT_EQ(k, (ssize_t)sizeof(hdr));
        if (host_detect(u.machine, hdr, sizeof(hdr), &h) < 0) {
                fprintf(stderr, "host %s not in the table, real measurement skipped\n", u.machine);
                return;
        }

        ASSERT_TRUE(asprintf(&dir, "%s/test-native-XXXXXX", getenv("TMPDIR") ?: "/tmp") >= 0);
        ASSERT_NOT_NULL(mkdtemp(dir));
        ASSERT_TRUE(asprintf(&cache, "%s/native", dir) >= 0);

        ASSERT_OK(native_measure(&h, dir, cache, "test-boot", 5 * UINT64_C(1000000), &r));
        ASSERT_FALSE(r.from_cache);
        for (size_t i = 0; i < r.n; i++) {
                const NativeVerdict *v = &r.verdicts[i];
                char buf[256];
                int hand;

                fprintf(stderr, "%-10s %-15s %s\n", v->arch->name, native_state_to_id(v->state),
                        native_explain(&h, v, buf, sizeof(buf)));
                if (v->state == NATIVE_OWN || !probe_supported(v->arch))
                        continue;
                hand = by_hand(dir, v->arch);
                if (hand < 0) {
                        /* No private instance here: the measurement must have said so too. */
                        ASSERT_EQ(v->state, NATIVE_ASSUMED);
                        continue;
                }
                ASSERT_EQ(v->state, hand ? NATIVE_MEASURED : NATIVE_NOT);
                ASSERT_EQ(host_is_native(&h, v->arch), hand == 1);
        }

        /* A second command in the same boot reads the answer instead of measuring. */
        if (access(cache, F_OK) == 0) {
                HostInfo h2;

                ASSERT_OK(host_detect(u.machine, hdr, sizeof(hdr), &h2));
                ASSERT_OK(native_measure(&h2, NULL, cache, "test-boot", 1, &again));
                ASSERT_TRUE(again.from_cache);
                ASSERT_EQ(again.n, r.n);
                for (size_t i = 0; i < r.n; i++)
                        ASSERT_EQ(again.verdicts[i].state, r.verdicts[i].state);

                /* Another boot's file is not believed: without a workdir nothing is measured. */
                ASSERT_OK(native_measure(&h2, NULL, cache, "another-boot", 1, &again));
                ASSERT_FALSE(again.from_cache);
                for (size_t i = 0; i < again.n; i++)
                        ASSERT_TRUE(again.verdicts[i].state == NATIVE_OWN ||
                                    again.verdicts[i].state == NATIVE_ASSUMED);

                /* Nor one that others could have written. */
                ASSERT_OK(chmod(cache, 0666) < 0 ? -errno : 0);
                ASSERT_OK(native_measure(&h2, NULL, cache, "test-boot", 1, &again));
                ASSERT_FALSE(again.from_cache);
                ASSERT_OK(unlink(cache) < 0 ? -errno : 0);
        }
        ASSERT_OK(rmdir(dir) < 0 ? -errno : 0);
}

int main(void)
{
        test_x86_64();
        test_arm64();
        test_neither();
        test_i386_userland();
        test_unmeasurable();
        test_cache();
        test_real();
        return EXIT_SUCCESS;
}
