/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/ops/ops.c that need a kernel this machine is not: a target's own Flags= gets
 * the checks the global flags get (P needs 5.12; C warns). The system's facts are made here
 * (a 5.10 kernel, an x86-64 host from the amd64 probe's header) and install runs dry against a
 * directory that is no binfmt_misc, so nothing is ever written; the rules are judged first.
 */

#include "ops/ops.h"
#include "verify/probe.h"
#include "tests.h"

static OpsOverride override = {.flags_set = true};

static const OpsOverride *override_of(void *userdata, const BinfmtArch *a)
{
        return streq(a->name, "aarch64") ? &override : NULL;
}

static SystemInfo make_system(const char *release)
{
        _cleanup_free_ uint8_t *img = NULL;
        SystemInfo s = {};
        size_t size;

        snprintf(s.uts.release, sizeof(s.uts.release), "%s", release);
        snprintf(s.uts.machine, sizeof(s.uts.machine), "x86_64");
        s.kernel_r = kernel_parse_release(release, &s.kernel);
        ASSERT_OK(probe_build(arch_by_name("x86_64"), &img, &size));
        memcpy(s.self_header, img, sizeof(s.self_header));
        s.host_r = host_detect("x86_64", img, size, &s.host);
        ASSERT_OK(s.host_r);
        return s;
}

static bool has_line(const Report *r, bool error, const char *needle)
{
        for (size_t i = 0; i < r->n; i++)
                if (r->lines[i].error == error && strstr(r->lines[i].text, needle))
                        return true;
        return false;
}

static void test_target_flags(void)
{
        SystemInfo sys = make_system("5.10.0");
        char *dirs[] = {(char *)"/usr/bin", NULL};
        char *targets[] = {(char *)"arm64", NULL};
        OpsContext c = {
                .sys = &sys,
                .mount = "/",
                .state_dir = "/nonexistent",
                .interpreter_dirs = dirs,
                .override = override_of,
        };
        Report r = {};

        /* Flags=P for aarch64 on 5.10: refused, named. */
        override.flags = RULE_FLAG_P;
        ASSERT_OK(ops_install(&c, targets, true, &r));
        for (size_t i = 0; i < r.n; i++)
                fprintf(stderr, "%s%s\n", r.lines[i].error ? "E: " : "", r.lines[i].text);
        ASSERT_TRUE(has_line(&r, true, "qemu-aarch64: flag P needs kernel 5.12 or newer"));
        ASSERT_STREQ(report_first_error_id(&r), "io.binfmtd.FlagUnsupported");
        report_done(&r);

        /* The same on 5.12: no such error. */
        sys = make_system("5.12.0");
        ASSERT_OK(ops_install(&c, targets, true, &r));
        ASSERT_FALSE(has_line(&r, true, "flag P"));
        report_done(&r);

        /* Flags=C for one target: a warning that names it. */
        override.flags = RULE_FLAG_C;
        ASSERT_OK(ops_install(&c, targets, true, &r));
        ASSERT_TRUE(has_line(&r, false, "warning: qemu-aarch64: flag C makes setuid foreign programs"));
        report_done(&r);
}

int main(void)
{
        test_target_flags();
        return 0;
}
