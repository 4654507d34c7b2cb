/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A verification run: which targets, both passes of each in one parallel batch (probe-run.c),
 * when it ran, and which interpreter a registration of each would use. The record is plain
 * data, copied whole by the daemon into its cache.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/time.h"
#include "build-config.h"
#include "base/macro.h"
#include "target/interp.h"
#include "verify/probe.h"
#include "verify/verify.h"

#define VERIFY_WORKDIR_DEFAULT "/var/lib/binfmtd/probes"

const BinfmtArch **verify_default_targets(size_t *ret_n)
{
        size_t n_table, n = 0;
        const BinfmtArch *table = arch_table(&n_table);
        const BinfmtArch **l = calloc(n_table + 1, sizeof(BinfmtArch *));

        if (!l)
                return NULL;
        for (size_t i = 0; i < n_table; i++)
                if (probe_supported(&table[i]))
                        l[n++] = &table[i];
        *ret_n = n;
        return l;
}

int verify_run(const SystemInfo *sys, const BinfmtArch *const *targets, size_t n,
               char *const *interpreter_dirs, const char *workdir, uint64_t timeout_usec,
               Verification *ret)
{
        char *const default_dirs[] = { (char *)DEFAULT_INTERPRETER_DIR, NULL };
        _cleanup_free_ ProbeJob *jobs = NULL;
        Verification v = {};
        uint64_t start;
        int r;

        if (!sys || !workdir || !ret || (n > 0 && !targets))
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!targets[i] || !probe_supported(targets[i]))
                        return -EINVAL;

        v.targets = calloc(n ? n : 1, sizeof(VerifyTarget));
        jobs = calloc(n ? 2 * n : 1, sizeof(ProbeJob));
        if (!v.targets || !jobs) {
                free(v.targets);
                return -ENOMEM;
        }
        v.n_targets = n;

        for (size_t i = 0; i < n; i++) {
                InterpCheck chk;

                v.targets[i].arch = targets[i];
                jobs[2 * i] = (ProbeJob){ .arch = targets[i], .pass = PROBE_PASS_HOST };
                jobs[2 * i + 1] = (ProbeJob){ .arch = targets[i], .pass = PROBE_PASS_CHROOT };

                r = interp_find(&sys->host, interpreter_dirs ?: default_dirs, targets[i],
                                         &v.targets[i].interpreter, &chk);
                if (r == -ENOMEM) {
                        verification_done(&v);
                        return r;
                }
                if (r == -EPERM) { /* only unsafe candidates: none a registration would use */
                        free(v.targets[i].interpreter);
                        v.targets[i].interpreter = NULL;
                }
        }

        v.realtime_usec = now_usec(CLOCK_REALTIME);
        start = now_usec(CLOCK_MONOTONIC);
        r = probe_run_many(jobs, 2 * n, workdir, timeout_usec);
        if (r < 0) {
                verification_done(&v);
                return r;
        }
        v.duration_usec = now_usec(CLOCK_MONOTONIC) - start;

        for (size_t i = 0; i < n; i++) {
                v.targets[i].pass[PROBE_PASS_HOST] = jobs[2 * i].outcome;
                v.targets[i].pass[PROBE_PASS_CHROOT] = jobs[2 * i + 1].outcome;
        }
        *ret = v;
        return 0;
}

const VerifyTarget *verification_find(const Verification *v, const BinfmtArch *a)
{
        if (!v || !a)
                return NULL;
        for (size_t i = 0; i < v->n_targets; i++)
                if (v->targets[i].arch == a)
                        return &v->targets[i];
        return NULL;
}

int verification_copy(const Verification *v, Verification *ret)
{
        Verification c = *v;

        c.targets = calloc(v->n_targets ? v->n_targets : 1, sizeof(VerifyTarget));
        if (!c.targets)
                return -ENOMEM;
        for (size_t i = 0; i < v->n_targets; i++) {
                c.targets[i] = v->targets[i];
                c.targets[i].interpreter = NULL;
                if (v->targets[i].interpreter) {
                        c.targets[i].interpreter = strdup(v->targets[i].interpreter);
                        if (!c.targets[i].interpreter) {
                                verification_done(&c);
                                return -ENOMEM;
                        }
                }
        }
        *ret = c;
        return 0;
}

void verification_done(Verification *v)
{
        if (!v)
                return;
        for (size_t i = 0; i < v->n_targets; i++)
                free(v->targets[i].interpreter);
        free(v->targets);
        *v = (Verification){};
}

static int mkdir_p_one(const char *path, mode_t mode)
{
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

const char *verify_workdir_name(void)
{
        const char *e = getenv("BINFMTD_PROBE_DIR");

        return e && e[0] == '/' ? e : VERIFY_WORKDIR_DEFAULT;
}

int verify_workdir(char **ret)
{
        _cleanup_free_ char *d = strdup(verify_workdir_name());
        char *slash;
        int r;

        if (!d)
                return -ENOMEM;
        /* "/x/probes/" is "/x/probes": else the directory itself would be taken for the parent. */
        for (size_t l = strlen(d); l > 1 && d[l - 1] == '/'; l--)
                d[l - 1] = '\0';
        /* The parent (/var/lib/binfmtd) may be missing on a fresh system; nothing deeper. */
        slash = strrchr(d, '/');
        if (slash && slash != d) {
                *slash = '\0';
                r = mkdir_p_one(d, 0755);
                *slash = '/';
                if (r < 0)
                        return r;
        }
        r = mkdir_p_one(d, 0700);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

int verify_measure_native(SystemInfo *sys)
{
        _cleanup_free_ char *workdir = NULL;
        int r;

        /* Without a directory for probes only the cache can answer; else the family rule. */
        r = verify_workdir(&workdir);
        if (r == -ENOMEM)
                return r;
        return system_measure_native(sys, r >= 0 ? workdir : NULL, native_cache_path());
}
