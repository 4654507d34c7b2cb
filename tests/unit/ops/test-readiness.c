/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/ops/readiness.c: every verdict a user can see, judged from hand-built status models
 * (entries parsed from entry-file text, an x86_64 host) and verifications (probe outcomes set by
 * hand), with the exact problem and fix texts; canonical platform names; the "supported" list
 * and its order; and the keys status_to_json() adds when a verification is present. Nothing
 * here touches the running system.
 */

#include <errno.h>
#include <signal.h>

#include "target/arch.h"
#include "verify/probe.h"
#include "ops/readiness.h"
#include "ops/status-json.h"
#include "ops/status.h"
#include "base/strv.h"
#include "tests.h"
#include "verify/verify.h"

#define MOUNT        "/proc/sys/fs/binfmt_misc"
#define QEMU_AARCH64 "/usr/bin/qemu-aarch64-static"
#define AARCH64_MATCH                                                                              \
        "offset 0\nmagic 7f454c460201010000000000000000000200b700\n"                               \
        "mask ffffffffffffff00fffffffffffffffffeffffff\n"

static const BinfmtArch *arch(const char *name)
{
        const BinfmtArch *a = arch_by_name(name);

        ASSERT_NOT_NULL(a);
        return a;
}

/* An x86_64 host: the executable and the kernel both x86_64. */
static void host_init(SystemInfo *sys, const char *machine)
{
        *sys = (SystemInfo){.kernel_r = -EINVAL, .initial_userns = true};
        snprintf(sys->uts.machine, sizeof(sys->uts.machine), "%s", machine);
        snprintf(sys->uts.release, sizeof(sys->uts.release), "6.8.0");
        snprintf(sys->host.machine, sizeof(sys->host.machine), "%s", machine);
        sys->host.arch = sys->host.kernel_arch = host_arch_from_machine(machine);
        ASSERT_NOT_NULL(sys->host.arch);
        sys->host.e_machine = sys->host.arch->e_machine;
        sys->host.elf_class = sys->host.arch->elf_class;
        sys->host.elf_data = sys->host.arch->elf_data;
}

/* The qemu-aarch64 entry as the kernel shows it. */
static BinfmtEntry *aarch64_entry(bool enabled, const char *interpreter, const char *flags)
{
        _cleanup_free_ char *text = NULL;
        BinfmtEntry *e = NULL;

        ASSERT_TRUE(asprintf(&text, "%s\ninterpreter %s\nflags: %s\n" AARCH64_MATCH,
                             enabled ? "enabled" : "disabled", interpreter, flags) > 0);
        ASSERT_OK(entry_parse("qemu-aarch64", text, strlen(text), &e, NULL));
        return e;
}

static StatusEntry status_entry(BinfmtEntry *e, bool ours, InterpProblem problem)
{
        StatusEntry se = {.entry = e, .ours = ours, .interp.problem = problem};

        se.arch = status_entry_arch(e);
        ASSERT_TRUE(se.arch == arch("aarch64"));
        return se;
}

static ProbeOutcome outcome(ProbeResult r)
{
        ProbeOutcome o = {.result = r, .duration_usec = 1234};

        if (r == PROBE_OK)
                o.exit_code = PROBE_EXIT_CODE;
        return o;
}

static VerifyTarget vtarget(const char *name, ProbeResult host, ProbeResult chroot)
{
        return (VerifyTarget){
                .arch = arch(name),
                .pass = {[PROBE_PASS_HOST] = outcome(host), [PROBE_PASS_CHROOT] = outcome(chroot)},
        };
}

/* An amd64 target whose probe reported @level in both passes. */
static VerifyTarget vtarget_amd64(unsigned level)
{
        VerifyTarget t = vtarget("x86_64", PROBE_OK, PROBE_OK);

        for (int p = 0; p < VERIFY_PASSES; p++) {
                t.pass[p].level = level;
                t.pass[p].exit_code = PROBE_EXIT_LEVEL_BASE + (int)level;
        }
        return t;
}

/* The world of one test: an x86_64 host, at most one entry, one verified target. */
typedef struct World {
        SystemInfo sys;
        StatusEntry se;
        VerifyTarget vt;
        Verification ver;
        Status s;
} World;

static void world_init(World *w, BinfmtEntry *e, bool ours, InterpProblem problem, VerifyTarget vt)
{
        *w = (World){};
        host_init(&w->sys, "x86_64");
        if (e)
                w->se = status_entry(e, ours, problem);
        w->vt = vt;
        w->ver = (Verification){
                .targets = &w->vt, .n_targets = 1, .realtime_usec = 1, .duration_usec = 2};
        w->s = (Status){
                .sys = &w->sys,
                .mount = MOUNT,
                .enabled = 1,
                .read_only = 0,
                .entries = e ? &w->se : NULL,
                .n_entries = e ? 1 : 0,
                .verification = &w->ver,
        };
}

static void world_done(World *w)
{
        entry_free(w->se.entry);
        free(w->vt.interpreter);
        *w = (World){};
}

/* Judges "arm64" both ways and checks that readiness_judge() agrees with the single verdict. */
static PlatformVerdict judge_arm64(const World *w)
{
        _cleanup_free_ PlatformVerdict *l = NULL;
        PlatformVerdict v;
        size_t n;

        ASSERT_OK(readiness_judge_one(&w->s, "arm64", &v));
        ASSERT_STREQ(v.platform, "linux/arm64");
        ASSERT_TRUE(v.arch == arch("aarch64"));
        ASSERT_FALSE(v.native);
        ASSERT_TRUE(v.probed);
        ASSERT_EQ(v.result, w->vt.pass[PROBE_PASS_CHROOT].result);
        ASSERT_EQ(v.duration_usec, 1234);

        ASSERT_OK(readiness_judge(&w->s, &l, &n));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(l[0].platform, v.platform);
        ASSERT_EQ(l[0].verified, v.verified);
        ASSERT_STREQ(l[0].problem, v.problem);
        ASSERT_STREQ(l[0].fix, v.fix);

        if (v.verified) {
                ASSERT_STREQ(v.problem, "");
                ASSERT_STREQ(v.fix, "");
        } else {
                ASSERT_TRUE(v.problem[0] != '\0');
                ASSERT_TRUE(v.fix[0] != '\0');
        }
        return v;
}

TEST(verified)
{
        World w;
        PlatformVerdict v;

        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_OK, PROBE_OK));
        v = judge_arm64(&w);
        ASSERT_TRUE(v.verified);
        ASSERT_TRUE(v.registered);
        ASSERT_EQ(v.result, PROBE_OK);

        /* Any name of it gets the same verdict under its canonical name. */
        ASSERT_OK(readiness_judge_one(&w.s, "linux/arm64/v8", &v));
        ASSERT_STREQ(v.platform, "linux/arm64");
        ASSERT_TRUE(v.verified);
        ASSERT_OK(readiness_judge_one(&w.s, "AArch64", &v));
        ASSERT_STREQ(v.platform, "linux/arm64");
        ASSERT_TRUE(v.verified);
        world_done(&w);
}

TEST(without_f)
{
        World w;
        PlatformVerdict v;

        /* binfmtd's own entry, registered without F: the host reaches the interpreter. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "PO"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_OK, PROBE_INTERPRETER_UNREACHABLE));
        v = judge_arm64(&w);
        ASSERT_FALSE(v.verified);
        ASSERT_TRUE(v.registered);
        ASSERT_STREQ(v.problem,
                     "registered without F: containers cannot reach the interpreter " QEMU_AARCH64
                     " (the host can)");
        ASSERT_CONTAINS(v.problem, "without F");
        ASSERT_STREQ(v.fix, "run binfmtctl install arm64 again");
        world_done(&w);

        /* Another tool's entry: binfmtd replaces it only with --force. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, ""), false, INTERP_OK,
                   vtarget("aarch64", PROBE_OK, PROBE_INTERPRETER_UNREACHABLE));
        v = judge_arm64(&w);
        ASSERT_CONTAINS(v.problem, "without F");
        ASSERT_STREQ(v.fix, "run binfmtctl install arm64 --force (the entry is another tool's)");
        world_done(&w);

        /* The host pass failed as well: no "(the host can)". */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "P"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_CRASHED, PROBE_INTERPRETER_UNREACHABLE));
        v = judge_arm64(&w);
        ASSERT_STREQ(v.problem,
                     "registered without F: containers cannot reach the interpreter " QEMU_AARCH64);
        world_done(&w);

        /* Without F, and the interpreter is gone from disk. */
        world_init(
                &w, aarch64_entry(true, QEMU_AARCH64, ""), true, INTERP_MISSING,
                vtarget("aarch64", PROBE_INTERPRETER_UNREACHABLE, PROBE_INTERPRETER_UNREACHABLE));
        v = judge_arm64(&w);
        ASSERT_STREQ(v.problem,
                     "registered without F, and its interpreter " QEMU_AARCH64 " is missing");
        ASSERT_STREQ(v.fix, "install qemu-user-static, then run binfmtctl install arm64 again");
        world_done(&w);
}

TEST(not_registered)
{
        World w;
        PlatformVerdict v;

        /* No entry, no emulator installed. */
        world_init(&w, NULL, false, INTERP_OK,
                   vtarget("aarch64", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        v = judge_arm64(&w);
        ASSERT_FALSE(v.verified);
        ASSERT_FALSE(v.registered);
        ASSERT_STREQ(v.problem,
                     "not registered, and no interpreter: no qemu-aarch64-static is installed");
        ASSERT_STREQ(v.fix, "install qemu-user-static, then run binfmtctl install arm64");
        ASSERT_CONTAINS(v.fix, "install qemu-user-static");
        world_done(&w);

        /* No entry, but an emulator on disk a registration would use. */
        world_init(&w, NULL, false, INTERP_OK,
                   vtarget("aarch64", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        w.vt.interpreter = strdup(QEMU_AARCH64);
        ASSERT_NOT_NULL(w.vt.interpreter);
        v = judge_arm64(&w);
        ASSERT_FALSE(v.registered);
        ASSERT_STREQ(v.problem, "not registered (exec format error)");
        ASSERT_STREQ(v.fix, "run binfmtctl install arm64");
        world_done(&w);

        /* binfmt_misc not mounted at all. */
        world_init(&w, NULL, false, INTERP_OK,
                   vtarget("aarch64", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        w.s.mount_r = -ENOENT;
        v = judge_arm64(&w);
        ASSERT_STREQ(v.problem, "binfmt_misc is not mounted at " MOUNT);
        ASSERT_STREQ(v.fix, "start binfmtd, or run binfmtctl install arm64");
        world_done(&w);
}

TEST(no_handler_with_entry)
{
        World w;
        PlatformVerdict v;

        /* A disabled entry. */
        world_init(&w, aarch64_entry(false, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        v = judge_arm64(&w);
        ASSERT_FALSE(v.verified);
        ASSERT_FALSE(v.registered);
        ASSERT_STREQ(v.problem, "the entry qemu-aarch64 is disabled");
        ASSERT_STREQ(v.fix, "run binfmtctl install arm64 again");
        world_done(&w);

        world_init(&w, aarch64_entry(false, QEMU_AARCH64, "F"), false, INTERP_OK,
                   vtarget("aarch64", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        v = judge_arm64(&w);
        ASSERT_STREQ(v.problem, "the entry qemu-aarch64 is disabled");
        ASSERT_STREQ(v.fix, "run binfmtctl install arm64 --force (the entry is another tool's)");
        world_done(&w);

        /* An enabled entry, but the whole instance is switched off. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        w.s.enabled = 0;
        v = judge_arm64(&w);
        ASSERT_TRUE(v.registered);
        ASSERT_STREQ(v.problem, "binfmt_misc is switched off (its status file says disabled)");
        ASSERT_STREQ(v.fix, "write 1 to " MOUNT "/status");
        world_done(&w);

        /* An enabled entry in an enabled instance that still does not match. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), false, INTERP_OK,
                   vtarget("aarch64", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        v = judge_arm64(&w);
        ASSERT_STREQ(v.problem,
                     "the entry qemu-aarch64 does not match aarch64 programs (exec format error)");
        ASSERT_STREQ(v.fix, "run binfmtctl install arm64 --force");
        world_done(&w);
}

TEST(broken_interpreter)
{
        World w;
        PlatformVerdict v;

        /* F, but a dynamically linked emulator: its libraries are not in the container. */
        world_init(&w, aarch64_entry(true, "/usr/bin/qemu-aarch64", "F"), true, INTERP_DYNAMIC,
                   vtarget("aarch64", PROBE_OK, PROBE_INTERPRETER_UNREACHABLE));
        v = judge_arm64(&w);
        ASSERT_FALSE(v.verified);
        ASSERT_STREQ(v.problem, "the interpreter /usr/bin/qemu-aarch64 is dynamically linked: its "
                                "libraries are not there inside containers");
        ASSERT_STREQ(v.fix, "install qemu-user-static, then run binfmtctl install arm64 --force");
        world_done(&w);

        /* Unreachable with F and a sound interpreter: nothing more specific to say. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_OK, PROBE_INTERPRETER_UNREACHABLE));
        v = judge_arm64(&w);
        ASSERT_STREQ(v.problem, "the interpreter " QEMU_AARCH64 " cannot be loaded inside "
                                "containers (no such file or directory)");
        world_done(&w);

        /* Ran something else. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_WRONG_EXIT, PROBE_WRONG_EXIT));
        w.vt.pass[PROBE_PASS_CHROOT].exit_code = 1;
        v = judge_arm64(&w);
        ASSERT_EQ(v.result, PROBE_WRONG_EXIT);
        ASSERT_STREQ(v.problem, "the probe exited with 1, not 42 under " QEMU_AARCH64
                                ": it is not a working aarch64 emulator");
        ASSERT_STREQ(v.fix, "install qemu-user-static, then run binfmtctl install arm64 --force");
        world_done(&w);

        /* Crashed. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_CRASHED, PROBE_CRASHED));
        w.vt.pass[PROBE_PASS_CHROOT].signal = SIGSEGV;
        v = judge_arm64(&w);
        ASSERT_EQ(v.result, PROBE_CRASHED);
        ASSERT_STREQ(v.problem, "the probe was killed by signal 11 under " QEMU_AARCH64
                                ": it is not a working aarch64 emulator");
        ASSERT_STREQ(v.fix, "install qemu-user-static, then run binfmtctl install arm64 --force");
        world_done(&w);

        /* Hung. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_TIMEOUT, PROBE_TIMEOUT));
        v = judge_arm64(&w);
        ASSERT_EQ(v.result, PROBE_TIMEOUT);
        ASSERT_STREQ(v.problem, "the probe did not finish in time under " QEMU_AARCH64);
        ASSERT_STREQ(v.fix, "check that the interpreter runs programs at all, or install "
                            "qemu-user-static and run binfmtctl install arm64 --force");
        world_done(&w);

        /* Permission denied on exec. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_NOT_EXECUTABLE, PROBE_NOT_EXECUTABLE));
        v = judge_arm64(&w);
        ASSERT_CONTAINS(v.problem, "permission denied");
        ASSERT_CONTAINS(v.fix, "BINFMTD_PROBE_DIR");
        ASSERT_CONTAINS(v.fix, "run binfmtctl install arm64 again");
        world_done(&w);
}

TEST(probe_failed)
{
        World w;
        PlatformVerdict v;

        /* Verified without CAP_SYS_CHROOT: the container pass could not chroot. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_OK, PROBE_FAILED));
        w.vt.pass[PROBE_PASS_CHROOT].error = EPERM;
        v = judge_arm64(&w);
        ASSERT_EQ(v.result, PROBE_FAILED);
        ASSERT_STREQ(v.problem, "the probe could not be run: Operation not permitted");
        ASSERT_STREQ(v.fix, "verify as root: the container pass needs CAP_SYS_CHROOT");
        ASSERT_CONTAINS(v.fix, "CAP_SYS_CHROOT");
        world_done(&w);

        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_OK, PROBE_FAILED));
        w.vt.pass[PROBE_PASS_CHROOT].error = ENOSPC;
        v = judge_arm64(&w);
        ASSERT_STREQ(v.problem, "the probe could not be run: No space left on device");
        ASSERT_STREQ(v.fix, "run binfmtctl verify arm64 as root and see binfmtd's log");
        world_done(&w);
}

TEST(not_verified)
{
        _cleanup_free_ PlatformVerdict *l = NULL;
        World w;
        PlatformVerdict v;
        size_t n = 99;

        /* No verification at all yet. */
        world_init(&w, aarch64_entry(true, QEMU_AARCH64, "F"), true, INTERP_OK,
                   vtarget("aarch64", PROBE_OK, PROBE_OK));
        w.s.verification = NULL;
        ASSERT_OK(readiness_judge_one(&w.s, "arm64", &v));
        ASSERT_STREQ(v.platform, "linux/arm64");
        ASSERT_FALSE(v.verified);
        ASSERT_FALSE(v.probed);
        ASSERT_TRUE(v.registered);
        ASSERT_STREQ(v.problem, "not verified yet");
        ASSERT_STREQ(v.fix, "wait for the verification (binfmtctl wait --require linux/arm64), "
                            "or run binfmtctl verify");
        ASSERT_OK(readiness_judge(&w.s, &l, &n));
        ASSERT_EQ(n, 0);
        /* Not one to wait for when no verification can ever hold it. */
        ASSERT_OK(readiness_judge_one(&w.s, "sparc64", &v));
        ASSERT_STREQ(v.problem, "cannot be verified: binfmtd has no probe for sparc64");
        ASSERT_FALSE(v.probed);

        /* A verification that did not include the target. */
        w.s.verification = &w.ver;
        ASSERT_OK(readiness_judge_one(&w.s, "riscv64", &v));
        ASSERT_STREQ(v.platform, "linux/riscv64");
        ASSERT_FALSE(v.probed);
        ASSERT_STREQ(v.problem, "not verified yet");
        ASSERT_STREQ(v.fix, "run binfmtctl verify riscv64");

        /* A target without a probe can never be verified. */
        ASSERT_FALSE(probe_supported(arch("sparc64")));
        ASSERT_OK(readiness_judge_one(&w.s, "sparc64", &v));
        ASSERT_STREQ(v.platform, "linux/sparc64");
        ASSERT_TRUE(v.arch == arch("sparc64"));
        ASSERT_FALSE(v.verified);
        ASSERT_FALSE(v.probed);
        ASSERT_STREQ(v.problem, "cannot be verified: binfmtd has no probe for sparc64");
        ASSERT_CONTAINS(v.problem, "no probe");
        ASSERT_STREQ(v.fix, "none here; binfmtctl status shows whether it is registered");

        /* Names readiness_judge_one() must refuse. */
        ASSERT_ERROR(readiness_judge_one(&w.s, "vax", &v), ENOENT);
        ASSERT_ERROR(readiness_judge_one(&w.s, "linux/arm64/v7", &v), EINVAL);
        ASSERT_ERROR(readiness_judge_one(&w.s, "", &v), EINVAL);
        world_done(&w);
}

static void check_amd64_levels(const PlatformVerdict *l, size_t n, bool native,
                               const char *v4_problem)
{
        static const char *const names[] = {
                "linux/amd64",
                "linux/amd64/v2",
                "linux/amd64/v3",
                "linux/amd64/v4",
        };

        ASSERT_EQ(n, ELEMENTSOF(names));
        for (size_t i = 0; i < n; i++) {
                ASSERT_STREQ(l[i].platform, names[i]);
                ASSERT_TRUE(l[i].arch == arch("x86_64"));
                ASSERT_EQ(l[i].native, native);
                ASSERT_TRUE(l[i].probed);
                ASSERT_EQ(l[i].result, PROBE_OK);
                ASSERT_EQ(l[i].verified, i < 3);
        }
        ASSERT_STREQ(l[0].problem, "");
        ASSERT_STREQ(l[2].fix, "");
        ASSERT_STREQ(l[3].problem, v4_problem);
        ASSERT_CONTAINS(l[3].problem, "x86-64-v3");
        ASSERT_STREQ(l[3].fix, "build for linux/amd64/v3 or lower");
}

TEST(amd64_levels)
{
        _cleanup_free_ PlatformVerdict *l = NULL;
        World w;
        PlatformVerdict v;
        size_t n;

        /* Native: the CPU's level decides. */
        world_init(&w, NULL, false, INTERP_OK, vtarget_amd64(3));
        ASSERT_OK(readiness_judge(&w.s, &l, &n));
        check_amd64_levels(l, n, true, "the CPU supports x86-64-v3 only, not v4");
        ASSERT_TRUE(l[0].registered);
        free(l);
        l = NULL;

        ASSERT_OK(readiness_judge_one(&w.s, "x86_64", &v));
        ASSERT_STREQ(v.platform, "linux/amd64");
        ASSERT_TRUE(v.verified);
        ASSERT_TRUE(v.native);
        ASSERT_OK(readiness_judge_one(&w.s, "linux/amd64/v1", &v));
        ASSERT_STREQ(v.platform, "linux/amd64");
        ASSERT_TRUE(v.verified);
        ASSERT_OK(readiness_judge_one(&w.s, "linux/amd64/v3", &v));
        ASSERT_STREQ(v.platform, "linux/amd64/v3");
        ASSERT_TRUE(v.verified);
        ASSERT_OK(readiness_judge_one(&w.s, "linux/amd64/v4", &v));
        ASSERT_STREQ(v.platform, "linux/amd64/v4");
        ASSERT_FALSE(v.verified);
        ASSERT_STREQ(v.problem, "the CPU supports x86-64-v3 only, not v4");
        world_done(&w);

        /* A v1-only CPU: the fix names the baseline. */
        world_init(&w, NULL, false, INTERP_OK, vtarget_amd64(1));
        ASSERT_OK(readiness_judge_one(&w.s, "linux/amd64/v2", &v));
        ASSERT_FALSE(v.verified);
        ASSERT_STREQ(v.problem, "the CPU supports x86-64-v1 only, not v2");
        ASSERT_STREQ(v.fix, "build for linux/amd64 (x86-64-v1)");
        world_done(&w);

        /* Emulated on an arm64 host: the emulator's level decides. */
        world_init(&w, NULL, false, INTERP_OK, vtarget_amd64(3));
        host_init(&w.sys, "aarch64");
        ASSERT_OK(readiness_judge(&w.s, &l, &n));
        check_amd64_levels(l, n, false, "the emulator supports x86-64-v3 only, not v4");
        ASSERT_FALSE(l[0].registered);
        world_done(&w);
}

TEST(arm_variants)
{
        _cleanup_free_ PlatformVerdict *l = NULL;
        World w;
        size_t n;

        /* One arm probe, two platforms, the same verdict. */
        world_init(&w, NULL, false, INTERP_OK, vtarget("arm", PROBE_NO_HANDLER, PROBE_NO_HANDLER));
        ASSERT_OK(readiness_judge(&w.s, &l, &n));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(l[0].platform, "linux/arm/v7");
        ASSERT_STREQ(l[1].platform, "linux/arm/v6");
        for (size_t i = 0; i < n; i++) {
                ASSERT_FALSE(l[i].verified);
                ASSERT_STREQ(l[i].problem,
                             "not registered, and no interpreter: no qemu-arm-static is installed");
                ASSERT_STREQ(l[i].fix, "install qemu-user-static, then run binfmtctl install arm");
        }
        world_done(&w);
}

TEST(canonical)
{
        static const struct {
                const char *name, *canonical;
        } good[] = {
                {"aarch64", "linux/arm64"},
                {"arm64", "linux/arm64"},
                {"linux/arm64", "linux/arm64"},
                {"linux/arm64/v8", "linux/arm64"},
                {"LINUX/ARM64/V8.2", "linux/arm64"},
                {"armhf", "linux/arm/v7"},
                {"linux/arm", "linux/arm/v7"},
                {"linux/arm/v6", "linux/arm/v6"},
                {"linux/arm/V7", "linux/arm/v7"},
                {"x86_64", "linux/amd64"},
                {"amd64", "linux/amd64"},
                {"linux/amd64/v1", "linux/amd64"},
                {"linux/amd64/v2", "linux/amd64/v2"},
                {"linux/amd64/v3", "linux/amd64/v3"},
                {"linux/amd64/v4", "linux/amd64/v4"},
                {"i686", "linux/386"},
                {"mips64el", "linux/mips64le"},
                {"loongarch64", "linux/loong64"},
                {"sparc64", "linux/sparc64"},
        };
        char buf[PLATFORM_MAX];

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                memset(buf, 'x', sizeof(buf));
                ASSERT_OK(readiness_canonical(good[i].name, buf, sizeof(buf)));
                ASSERT_STREQ(buf, good[i].canonical);
        }

        ASSERT_ERROR(readiness_canonical("vax", buf, sizeof(buf)), ENOENT);
        ASSERT_ERROR(readiness_canonical("linux/vax", buf, sizeof(buf)), ENOENT);
        ASSERT_ERROR(readiness_canonical("", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(readiness_canonical("windows/amd64", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(readiness_canonical("linux/amd64/v5", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(readiness_canonical("linux/arm64/v7", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(readiness_canonical("linux//arm64", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(readiness_canonical("linux/arm64/v8/x", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(readiness_canonical(" arm64", buf, sizeof(buf)), EINVAL);
}

/* Every target with a probe, in table order. */
static const char *const all_targets[] = {
        "x86_64",   "aarch64", "riscv64",     "ppc64le", "s390x", "i386",
        "mips64el", "mips64",  "loongarch64", "arm",     "ppc64",
};

/* Every probe target, all passes ok, x86_64 at level 3; @not_ok's container pass fails. */
static void verification_all(VerifyTarget t[static ELEMENTSOF(all_targets)], const char *not_ok)
{
        for (size_t i = 0; i < ELEMENTSOF(all_targets); i++) {
                if (streq(all_targets[i], "x86_64"))
                        t[i] = vtarget_amd64(3);
                else
                        t[i] = vtarget(all_targets[i], PROBE_OK,
                                       not_ok && streq(all_targets[i], not_ok) ? PROBE_NO_HANDLER
                                                                               : PROBE_OK);
        }
}

static void assert_strv_eq(char **l, const char *const *expected, size_t n)
{
        fprintf(stderr, "supported:");
        STRV_FOREACH (p, l)
                fprintf(stderr, " %s", *p);
        fprintf(stderr, "\n");
        ASSERT_EQ(strv_length(l), n);
        for (size_t i = 0; i < n; i++)
                ASSERT_STREQ(l[i], expected[i]);
}

TEST(supported)
{
        static const char *const all[] = {
                "linux/amd64",   "linux/amd64/v2", "linux/amd64/v3", "linux/arm64",
                "linux/riscv64", "linux/ppc64",    "linux/ppc64le",  "linux/s390x",
                "linux/386",     "linux/mips64le", "linux/mips64",   "linux/loong64",
                "linux/arm/v7",  "linux/arm/v6",
        };
        static const char *const no_riscv[] = {
                "linux/amd64",    "linux/amd64/v2", "linux/amd64/v3", "linux/arm64",
                "linux/ppc64",    "linux/ppc64le",  "linux/s390x",    "linux/386",
                "linux/mips64le", "linux/mips64",   "linux/loong64",  "linux/arm/v7",
                "linux/arm/v6",
        };
        static const char *const native_only[] = {"linux/amd64"};
        VerifyTarget t[ELEMENTSOF(all_targets)];
        Verification ver = {.targets = t, .n_targets = ELEMENTSOF(t)};
        SystemInfo sys;
        Status s = {.sys = &sys, .mount = MOUNT, .enabled = 1, .verification = &ver};
        char **l;

        host_init(&sys, "x86_64");

        verification_all(t, NULL);
        l = readiness_supported(&s);
        ASSERT_NOT_NULL(l);
        assert_strv_eq(l, all, ELEMENTSOF(all));
        l = strv_free(l);

        /* A container pass that is not ok leaves its platform out, even when the host's ran. */
        verification_all(t, "riscv64");
        l = readiness_supported(&s);
        ASSERT_NOT_NULL(l);
        assert_strv_eq(l, no_riscv, ELEMENTSOF(no_riscv));
        l = strv_free(l);

        /* arm's two platforms go together. */
        verification_all(t, "arm");
        l = readiness_supported(&s);
        ASSERT_NOT_NULL(l);
        ASSERT_FALSE(strv_contains(l, "linux/arm/v7"));
        ASSERT_FALSE(strv_contains(l, "linux/arm/v6"));
        ASSERT_TRUE(strv_contains(l, "linux/arm64"));
        l = strv_free(l);

        /* Nothing verified: the native platform, always, at its baseline. */
        s.verification = NULL;
        l = readiness_supported(&s);
        ASSERT_NOT_NULL(l);
        assert_strv_eq(l, native_only, ELEMENTSOF(native_only));
        l = strv_free(l);
}

static const char *json_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        ASSERT_TRUE(json_object_object_get_ex(o, key, &v));
        return v ? json_object_get_string(v) : NULL;
}

static struct json_object *json_platform(struct json_object *plats, const char *platform)
{
        for (size_t i = 0; i < json_object_array_length(plats); i++) {
                struct json_object *p = json_object_array_get_idx(plats, i);

                if (streq_ptr(json_str(p, "platform"), platform))
                        return p;
        }
        fprintf(stderr, "no verdict for %s\n", platform);
        abort();
}

TEST(json)
{
        static const char *const supported[] = {
                "linux/amd64",
                "linux/amd64/v2",
                "linux/amd64/v3",
                "linux/arm64",
        };
        VerifyTarget t[3];
        Verification ver = {.targets = t,
                            .n_targets = ELEMENTSOF(t),
                            .realtime_usec = 1700000000000000,
                            .duration_usec = 5000};
        SystemInfo sys;
        StatusEntry se;
        Status s;
        struct json_object *j, *v, *p, *c;

        host_init(&sys, "x86_64");
        se = status_entry(aarch64_entry(true, QEMU_AARCH64, "PO"), true, INTERP_OK);
        t[0] = vtarget_amd64(3);
        t[1] = vtarget("aarch64", PROBE_OK, PROBE_OK);
        t[2] = vtarget("riscv64", PROBE_OK, PROBE_INTERPRETER_UNREACHABLE);
        t[1].interpreter = (char *)QEMU_AARCH64;
        s = (Status){.sys = &sys,
                     .mount = MOUNT,
                     .enabled = 1,
                     .entries = &se,
                     .n_entries = 1,
                     .verification = &ver};

        ASSERT_OK(status_to_json(&s, &j));

        ASSERT_TRUE(json_object_object_get_ex(j, "supported", &v));
        ASSERT_TRUE(json_object_is_type(v, json_type_array));
        ASSERT_EQ(json_object_array_length(v), ELEMENTSOF(supported));
        for (size_t i = 0; i < ELEMENTSOF(supported); i++)
                ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, i)), supported[i]);

        ASSERT_TRUE(json_object_object_get_ex(j, "platforms", &v));
        ASSERT_TRUE(json_object_is_type(v, json_type_array));
        ASSERT_EQ(json_object_array_length(v), 4 + 1 + 1);
        ASSERT_STREQ(json_str(json_object_array_get_idx(v, 0), "platform"), "linux/amd64");
        ASSERT_STREQ(json_str(json_object_array_get_idx(v, 5), "platform"), "linux/riscv64");

        p = json_platform(v, "linux/arm64");
        ASSERT_STREQ(json_str(p, "target"), "aarch64");
        ASSERT_TRUE(json_object_get_boolean(json_object_object_get(p, "verified")));
        ASSERT_TRUE(json_object_get_boolean(json_object_object_get(p, "registered")));
        ASSERT_FALSE(json_object_get_boolean(json_object_object_get(p, "native")));
        ASSERT_STREQ(json_str(p, "result"), "ok");
        ASSERT_EQ(json_object_get_int64(json_object_object_get(p, "duration_usec")), 1234);
        ASSERT_NULL(json_str(p, "problem"));
        ASSERT_NULL(json_str(p, "fix"));

        p = json_platform(v, "linux/amd64/v3");
        ASSERT_TRUE(json_object_get_boolean(json_object_object_get(p, "native")));
        ASSERT_TRUE(json_object_get_boolean(json_object_object_get(p, "verified")));
        ASSERT_NULL(json_str(p, "problem"));

        p = json_platform(v, "linux/amd64/v4");
        ASSERT_FALSE(json_object_get_boolean(json_object_object_get(p, "verified")));
        ASSERT_STREQ(json_str(p, "problem"), "the CPU supports x86-64-v3 only, not v4");
        ASSERT_STREQ(json_str(p, "fix"), "build for linux/amd64/v3 or lower");

        p = json_platform(v, "linux/riscv64");
        ASSERT_FALSE(json_object_get_boolean(json_object_object_get(p, "verified")));
        ASSERT_FALSE(json_object_get_boolean(json_object_object_get(p, "registered")));
        ASSERT_STREQ(json_str(p, "result"), "interpreter-unreachable");
        ASSERT_STREQ(json_str(p, "problem"), "the interpreter cannot be loaded inside containers "
                                             "(no such file or directory)");
        ASSERT_STREQ(json_str(p, "fix"),
                     "install qemu-user-static, then run binfmtctl install riscv64 --force");

        ASSERT_TRUE(json_object_object_get_ex(j, "verification", &v));
        ASSERT_TRUE(json_object_is_type(v, json_type_object));
        ASSERT_EQ(json_object_get_int64(json_object_object_get(v, "time_usec")), 1700000000000000);
        ASSERT_EQ(json_object_get_int64(json_object_object_get(v, "duration_usec")), 5000);
        ASSERT_TRUE(json_object_object_get_ex(v, "targets", &v));
        ASSERT_EQ(json_object_array_length(v), 3);
        p = json_object_array_get_idx(v, 0);
        ASSERT_STREQ(json_str(p, "target"), "x86_64");
        ASSERT_NULL(json_str(p, "interpreter"));
        ASSERT_TRUE(json_object_object_get_ex(p, "container", &c));
        ASSERT_STREQ(json_str(c, "result"), "ok");
        ASSERT_EQ(json_object_get_int(json_object_object_get(c, "x86_64_level")), 3);
        ASSERT_EQ(json_object_get_int(json_object_object_get(c, "exit_code")), 67);
        p = json_object_array_get_idx(v, 1);
        ASSERT_STREQ(json_str(p, "target"), "aarch64");
        ASSERT_STREQ(json_str(p, "interpreter"), QEMU_AARCH64);
        ASSERT_TRUE(json_object_object_get_ex(p, "host", &c));
        ASSERT_STREQ(json_str(c, "result"), "ok");
        ASSERT_NULL(json_str(c, "error"));
        ASSERT_FALSE(json_object_object_get_ex(c, "x86_64_level", NULL));
        p = json_object_array_get_idx(v, 2);
        ASSERT_TRUE(json_object_object_get_ex(p, "container", &c));
        ASSERT_STREQ(json_str(c, "result"), "interpreter-unreachable");
        json_object_put(j);

        /* Without a verification: "verification" is null, no verdicts, no supported list. */
        s.verification = NULL;
        ASSERT_OK(status_to_json(&s, &j));
        ASSERT_TRUE(json_object_object_get_ex(j, "verification", &v));
        ASSERT_NULL(v);
        ASSERT_FALSE(json_object_object_get_ex(j, "platforms", NULL));
        ASSERT_FALSE(json_object_object_get_ex(j, "supported", NULL));
        json_object_put(j);

        entry_free(se.entry);
}

int main(void)
{
        RUN(verified);
        RUN(without_f);
        RUN(not_registered);
        RUN(no_handler_with_entry);
        RUN(broken_interpreter);
        RUN(probe_failed);
        RUN(not_verified);
        RUN(amd64_levels);
        RUN(arm_variants);
        RUN(canonical);
        RUN(supported);
        RUN(json);
        return 0;
}
