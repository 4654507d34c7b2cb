/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Judging platforms: the container pass of a verification decides whether a platform works;
 * the status model (entries, flags, interpreters on disk) explains why one does not and says
 * what to do. Every "no" gets both a problem and a fix.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/host.h"
#include "base/macro.h"
#include "verify/probe.h"
#include "ops/readiness.h"
#include "binfmt/rule.h"
#include "base/strv.h"
#include "base/text.h"
#include "verify/verify.h"

#define AMD64_LEVEL_MAX 4

/* tonistiigi/binfmt's (buildkit's) order of the "supported" list after the native platform. */
static const char *const supported_order[] = {
        "amd64", "arm64",    "riscv64", "ppc64",   "ppc64le", "s390x",
        "386",   "mips64le", "mips64",  "loong64", "arm",
};

static bool is_amd64(const BinfmtArch *a)
{
        return a && a->oci_arch && streq(a->oci_arch, "amd64");
}

_printf_(3, 4) static void setf(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
}

/* The name the fix tells users to install: the OCI architecture ("arm64") when there is one. */
static const char *install_name(const BinfmtArch *a)
{
        return a->oci_arch ?: a->name;
}

/* The entry that would run @a's programs: an enabled one first, else a disabled one. */
static const StatusEntry *entry_for(const Status *s, const BinfmtArch *a)
{
        const StatusEntry *disabled = NULL;

        for (size_t i = 0; i < s->n_entries; i++) {
                if (s->entries[i].arch != a)
                        continue;
                if (s->entries[i].entry->enabled)
                        return &s->entries[i];
                if (!disabled)
                        disabled = &s->entries[i];
        }
        return disabled;
}

static bool is_native(const Status *s, const BinfmtArch *a)
{
        return s->sys && s->sys->host_r >= 0 && host_is_native(&s->sys->host, a);
}

/* "run binfmtctl install arm64 again" for binfmtd's entry, "... --force" for another tool's. */
static void fix_reinstall(PlatformVerdict *v, const StatusEntry *se, const char *before)
{
        setf(v->fix, sizeof(v->fix), "%srun binfmtctl install %s %s", before ?: "",
             install_name(v->arch),
             !se || se->ours ? "again" : "--force (the entry is another tool's)");
}

static void explain_broken_interpreter(PlatformVerdict *v, const StatusEntry *se, const char *what)
{
        const char *interp = se ? strna(se->entry->rule.interpreter) : "the interpreter";

        setf(v->problem, sizeof(v->problem), "%s under %s: it is not a working %s emulator", what,
             interp, v->arch->name);
        setf(v->fix, sizeof(v->fix),
             "install qemu-user-static, then run binfmtctl install %s --force",
             install_name(v->arch));
}

static void explain(const Status *s, const VerifyTarget *vt, unsigned level, PlatformVerdict *v)
{
        const ProbeOutcome *o = &vt->pass[PROBE_PASS_CHROOT];
        const ProbeOutcome *host = &vt->pass[PROBE_PASS_HOST];
        const StatusEntry *se = entry_for(s, v->arch);
        bool has_f = se && (se->entry->rule.flags & RULE_FLAG_F);
        const char *name = install_name(v->arch);
        char what[96];

        switch (o->result) {
        case PROBE_OK:
                /* Ran, but below the level asked for. */
                setf(v->problem, sizeof(v->problem), "the %s supports x86-64-v%u only, not v%u",
                     v->native ? "CPU" : "emulator", o->level, level);
                if (o->level > 1)
                        setf(v->fix, sizeof(v->fix), "build for linux/amd64/v%u or lower",
                             o->level);
                else
                        setf(v->fix, sizeof(v->fix), "build for linux/amd64 (x86-64-v1)");
                return;

        case PROBE_NO_HANDLER:
                if (v->native) {
                        /* Only a target that could not be measured gets here: a measured one
                         * that the kernel refuses is not native. */
                        const NativeVerdict *nv = native_report_find(&s->sys->native, v->arch);
                        char why[200];

                        setf(v->problem, sizeof(v->problem),
                             "the kernel does not run %s programs itself (exec format error), "
                             "yet %s is %s",
                             v->arch->name, v->arch->name,
                             nv ? native_explain(&s->sys->host, nv, why, sizeof(why))
                                : "of this host's own family");
                        setf(v->fix, sizeof(v->fix),
                             "let binfmtd measure it (Linux 6.7 or newer, user namespaces "
                             "allowed) and restart it, or use a kernel that runs %s programs",
                             v->arch->name);
                } else if (s->mount_r < 0) {
                        setf(v->problem, sizeof(v->problem), "binfmt_misc is not mounted at %s",
                             strna(s->mount));
                        setf(v->fix, sizeof(v->fix), "start binfmtd, or run binfmtctl install %s",
                             name);
                } else if (!se) {
                        if (vt->interpreter) {
                                setf(v->problem, sizeof(v->problem),
                                     "not registered (exec format error)");
                                setf(v->fix, sizeof(v->fix), "run binfmtctl install %s", name);
                        } else {
                                setf(v->problem, sizeof(v->problem),
                                     "not registered, and no interpreter: no qemu-%s-static "
                                     "is installed",
                                     v->arch->name);
                                setf(v->fix, sizeof(v->fix),
                                     "install qemu-user-static, then run binfmtctl install %s",
                                     name);
                        }
                } else if (!se->entry->enabled) {
                        setf(v->problem, sizeof(v->problem), "the entry %s is disabled",
                             se->entry->rule.name);
                        fix_reinstall(v, se, NULL);
                } else if (s->enabled == 0) {
                        setf(v->problem, sizeof(v->problem),
                             "binfmt_misc is switched off (its status file says disabled)");
                        setf(v->fix, sizeof(v->fix), "write 1 to %s/status", strna(s->mount));
                } else {
                        setf(v->problem, sizeof(v->problem),
                             "the entry %s does not match %s programs (exec format error)",
                             se->entry->rule.name, v->arch->name);
                        setf(v->fix, sizeof(v->fix), "run binfmtctl install %s --force", name);
                }
                return;

        case PROBE_INTERPRETER_UNREACHABLE:
                if (se && se->interp.problem == INTERP_MISSING && !has_f) {
                        setf(v->problem, sizeof(v->problem),
                             "registered without F, and its interpreter %s is missing",
                             strna(se->entry->rule.interpreter));
                        fix_reinstall(v, se, "install qemu-user-static, then ");
                } else if (se && !has_f) {
                        setf(v->problem, sizeof(v->problem),
                             "registered without F: containers cannot reach the interpreter %s%s",
                             strna(se->entry->rule.interpreter),
                             host->result == PROBE_OK ? " (the host can)" : "");
                        fix_reinstall(v, se, NULL);
                } else if (se && se->interp.problem == INTERP_DYNAMIC) {
                        setf(v->problem, sizeof(v->problem),
                             "the interpreter %s is dynamically linked: its libraries are not "
                             "there inside containers",
                             strna(se->entry->rule.interpreter));
                        setf(v->fix, sizeof(v->fix),
                             "install qemu-user-static, then run binfmtctl install %s --force",
                             name);
                } else {
                        setf(v->problem, sizeof(v->problem),
                             "the interpreter%s%s cannot be loaded inside containers (no such "
                             "file or directory)",
                             se ? " " : "", se ? strna(se->entry->rule.interpreter) : "");
                        setf(v->fix, sizeof(v->fix),
                             "install qemu-user-static, then run binfmtctl install %s --force",
                             name);
                }
                return;

        case PROBE_NOT_EXECUTABLE:
                setf(v->problem, sizeof(v->problem),
                     "the probe could not be executed (permission denied): the probe directory "
                     "is on a noexec file system, or the interpreter is not executable");
                setf(v->fix, sizeof(v->fix),
                     "put the probe directory on an exec-capable file system "
                     "(BINFMTD_PROBE_DIR), or run binfmtctl install %s again",
                     name);
                return;

        case PROBE_CRASHED:
                setf(what, sizeof(what), "the probe was killed by signal %d", o->signal);
                explain_broken_interpreter(v, se, what);
                return;

        case PROBE_WRONG_EXIT:
                setf(what, sizeof(what), "the probe exited with %d, not %d", o->exit_code,
                     is_amd64(v->arch) ? PROBE_EXIT_LEVEL_BASE + 1 : PROBE_EXIT_CODE);
                explain_broken_interpreter(v, se, what);
                return;

        case PROBE_TIMEOUT:
                setf(v->problem, sizeof(v->problem), "the probe did not finish in time under %s%s",
                     se ? strna(se->entry->rule.interpreter) : "the interpreter",
                     o->left_behind ? ", and did not die when killed (uninterruptible sleep: a "
                                      "file system or device it uses does not answer); it was "
                                      "left behind"
                                    : "");
                setf(v->fix, sizeof(v->fix),
                     "check that the interpreter runs programs at all, or install "
                     "qemu-user-static and run binfmtctl install %s --force",
                     name);
                return;

        case PROBE_FAILED:
        default:
                setf(v->problem, sizeof(v->problem), "the probe could not be run: %s",
                     o->error ? strerror(o->error) : "unknown error");
                if (o->error == EPERM)
                        setf(v->fix, sizeof(v->fix),
                             "verify as root: the container pass needs CAP_SYS_CHROOT");
                else
                        setf(v->fix, sizeof(v->fix),
                             "run binfmtctl verify %s as root and see "
                             "binfmtd's log",
                             name);
                return;
        }
}

static void judge(const Status *s, const BinfmtArch *a, unsigned level, const char *platform,
                  PlatformVerdict *v)
{
        const VerifyTarget *vt = verification_find(s->verification, a);
        const StatusEntry *se = entry_for(s, a);

        *v = (PlatformVerdict){.arch = a};
        snprintf(v->platform, sizeof(v->platform), "%s", platform);
        v->native = is_native(s, a);
        v->registered = v->native || (se && se->entry->enabled);
        v->probed = vt != NULL;
        if (!vt) {
                /* No verification will ever hold it: do not tell users to wait for one. */
                if (!probe_supported(a)) {
                        setf(v->problem, sizeof(v->problem),
                             "cannot be verified: binfmtd has no probe for %s", a->name);
                        setf(v->fix, sizeof(v->fix),
                             "none here; binfmtctl status shows whether it is registered");
                } else if (!s->verification) {
                        setf(v->problem, sizeof(v->problem), "not verified yet");
                        setf(v->fix, sizeof(v->fix),
                             "wait for the verification (binfmtctl wait --require %s), or run "
                             "binfmtctl verify",
                             platform);
                } else {
                        setf(v->problem, sizeof(v->problem), "not verified yet");
                        setf(v->fix, sizeof(v->fix), "run binfmtctl verify %s", install_name(a));
                }
                return;
        }

        const ProbeOutcome *o = &vt->pass[PROBE_PASS_CHROOT];
        v->result = o->result;
        v->duration_usec = o->duration_usec;
        v->verified = o->result == PROBE_OK && (level <= 1 || o->level >= level);
        if (!v->verified)
                explain(s, vt, level, v);
}

static int push_verdict(PlatformVerdict **l, size_t *n, const PlatformVerdict *v)
{
        PlatformVerdict *m = reallocarray(*l, *n + 1, sizeof(PlatformVerdict));

        if (!m)
                return -ENOMEM;
        m[(*n)++] = *v;
        *l = m;
        return 0;
}

int readiness_judge(const Status *s, PlatformVerdict **ret, size_t *ret_n)
{
        _cleanup_free_ PlatformVerdict *l = NULL;
        const Verification *ver = s->verification;
        size_t n = 0;

        for (size_t i = 0; ver && i < ver->n_targets; i++) {
                const BinfmtArch *a = ver->targets[i].arch;
                PlatformVerdict v;

                if (is_amd64(a)) {
                        for (unsigned lv = 1; lv <= AMD64_LEVEL_MAX; lv++) {
                                char p[PLATFORM_MAX];

                                if (lv == 1)
                                        snprintf(p, sizeof(p), "linux/amd64");
                                else
                                        snprintf(p, sizeof(p), "linux/amd64/v%u", lv);
                                judge(s, a, lv, p, &v);
                                if (push_verdict(&l, &n, &v) < 0)
                                        return -ENOMEM;
                        }
                        continue;
                }

                _cleanup_strv_free_ char **pl = platform_list(a);
                if (!pl)
                        return -ENOMEM;
                STRV_FOREACH (p, pl) {
                        judge(s, a, 0, *p, &v);
                        if (push_verdict(&l, &n, &v) < 0)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

int readiness_canonical(const char *name, char *buf, size_t size)
{
        const BinfmtArch *a;
        const char *variant = NULL, *slash;
        char primary[PLATFORM_MAX];
        int r;

        r = platform_resolve(name, &a);
        if (r < 0)
                return r;
        slash = strchr(name, '/');
        if (slash)
                variant = strchr(slash + 1, '/');
        if (variant)
                variant++;

        if (!platform_format(a, primary, sizeof(primary)))
                snprintf(primary, sizeof(primary), "linux/%s", a->name);

        if (is_amd64(a) && variant && variant[1] > '1')
                snprintf(buf, size, "linux/amd64/v%c", variant[1]);
        else if (variant && !is_amd64(a) && !(a->oci_arch && streq(a->oci_arch, "arm64"))) {
                /* A variant stays as given, in lower case; arm's replaces the default v7. */
                bool arm = a->oci_arch && streq(a->oci_arch, "arm");

                snprintf(buf, size, "%s/%s", arm ? "linux/arm" : primary, variant);
                text_ascii_lower(buf);
        } else
                snprintf(buf, size, "%s", primary);
        return 0;
}

int readiness_judge_one(const Status *s, const char *name, PlatformVerdict *ret)
{
        char canonical[PLATFORM_MAX];
        const BinfmtArch *a;
        unsigned level = 0;
        int r;

        r = platform_resolve(name, &a);
        if (r < 0)
                return r;
        r = readiness_canonical(name, canonical, sizeof(canonical));
        if (r < 0)
                return r;
        if (is_amd64(a)) {
                const char *v = startswith(canonical, "linux/amd64/v");
                level = v ? (unsigned)(v[0] - '0') : 1;
        }
        judge(s, a, level, canonical, ret);
        return 0;
}

static int push_platforms(char ***l, const BinfmtArch *a, unsigned level)
{
        if (is_amd64(a)) {
                char p[PLATFORM_MAX];

                if (strv_extend(l, "linux/amd64") < 0)
                        return -ENOMEM;
                for (unsigned lv = 2; lv <= level && lv <= AMD64_LEVEL_MAX; lv++) {
                        snprintf(p, sizeof(p), "linux/amd64/v%u", lv);
                        if (strv_extend(l, p) < 0)
                                return -ENOMEM;
                }
                return 0;
        }

        _cleanup_strv_free_ char **pl = platform_list(a);
        if (!pl)
                return -ENOMEM;
        STRV_FOREACH (p, pl)
                if (!strv_contains(*l, *p) && strv_extend(l, *p) < 0)
                        return -ENOMEM;
        return 0;
}

/* The first table target of an OCI architecture that has a probe. */
static const BinfmtArch *target_of_oci(const char *oci)
{
        size_t n;
        const BinfmtArch *t = arch_table(&n);

        for (size_t i = 0; i < n; i++)
                if (t[i].oci_arch && streq(t[i].oci_arch, oci) && probe_supported(&t[i]))
                        return &t[i];
        return NULL;
}

char **readiness_supported(const Status *s)
{
        _cleanup_strv_free_ char **l = NULL;
        const BinfmtArch *native = s->sys && s->sys->host_r >= 0 ? s->sys->host.arch : NULL;

        l = calloc(1, sizeof(char *));
        if (!l)
                return NULL;

        if (native) {
                const VerifyTarget *vt = verification_find(s->verification, native);
                unsigned level = 0;

                for (int p = 0; vt && p < VERIFY_PASSES; p++)
                        if (vt->pass[p].result == PROBE_OK && vt->pass[p].level > level)
                                level = vt->pass[p].level;
                if (native->oci_arch) {
                        if (push_platforms(&l, native, level) < 0)
                                return NULL;
                } else if (strv_extend(&l, native->name) < 0)
                        return NULL;
        }

        for (size_t i = 0; i < ELEMENTSOF(supported_order); i++) {
                const BinfmtArch *a = target_of_oci(supported_order[i]);
                const VerifyTarget *vt = verification_find(s->verification, a);

                if (!a || a == native || !vt || vt->pass[PROBE_PASS_CHROOT].result != PROBE_OK)
                        continue;
                if (push_platforms(&l, a, vt->pass[PROBE_PASS_CHROOT].level) < 0)
                        return NULL;
        }
        return TAKE_PTR(l);
}
