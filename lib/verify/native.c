/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the kernel runs itself. This module owns the rule "register QEMU for a target unless the
 * kernel runs its programs natively", the measurement behind it, and its per-boot cache.
 *
 * Only targets of the host's own families are ever in doubt: the kernel never runs another
 * family's programs, and it always runs the host's own target (this program is one). Between
 * the two, a measurement decides: the candidate's probe runs in a user namespace of its own with
 * an empty binfmt_misc instance (PROBE_PASS_KERNEL), where no handler can intercept it. When
 * that cannot be done (Linux before 6.7 has no private instances; user namespaces may be
 * disabled), the candidate stays native: a wrong "native" leaves a platform unserved, a wrong
 * "not native" would hand the host's own programs to an emulator.
 *
 * The cache holds outcomes, not verdicts: the decision is always native_decide()'s, so a cached
 * boot and a measured one cannot disagree. It must not log; the caller reports.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "verify/native.h"
#include "verify/probe.h"

#define CACHE_PATH_DEFAULT "/run/binfmtd/native"
#define CACHE_SIZE_MAX     4096
#define CACHE_HEADER       "# binfmtd: what this boot's kernel runs natively, measured; see binfmtd(8)\n"

/* Whether an outcome says something about the kernel (rather than about the measurement). */
static bool conclusive(const ProbeOutcome *o)
{
        return o && (o->result == PROBE_OK || o->result == PROBE_NO_HANDLER ||
                     o->result == PROBE_CRASHED || o->result == PROBE_WRONG_EXIT);
}

NativeState native_decide(const HostInfo *h, const BinfmtArch *a, const ProbeOutcome *o)
{
        if (!h)
                return NATIVE_ASSUMED;
        if (!host_in_native_family(h, a))
                return NATIVE_NOT;
        if (arch_same(h->arch, a))
                return NATIVE_OWN;
        if (!conclusive(o))
                return NATIVE_ASSUMED;
        /* binfmt_misc is consulted before the ELF loader: with an entry, even a kernel that
         * starts the program but cannot run it properly (a crash, a wrong exit) is served by
         * QEMU instead, so that is "not native" too. */
        return o->result == PROBE_OK ? NATIVE_MEASURED : NATIVE_NOT;
}

static const char *const state_ids[_NATIVE_STATE_MAX] = {
        [NATIVE_OWN] = "own",
        [NATIVE_MEASURED] = "native",
        [NATIVE_ASSUMED] = "assumed-native",
        [NATIVE_NOT] = "emulated",
};

const char *native_state_to_id(NativeState s)
{
        return (unsigned)s < _NATIVE_STATE_MAX ? state_ids[s] : NULL;
}

/* The name of what the kernel lacks, where one is well known. */
static const char *missing_feature(const HostInfo *h, const BinfmtArch *a)
{
        const BinfmtArch *k = h->kernel_arch ?: h->arch;

        if (!k)
                return NULL;
        if (streq(k->name, "x86_64") && streq(a->name, "i386"))
                return "no IA32 emulation";
        if (streq(k->name, "aarch64") && streq(a->name, "arm"))
                return "no AArch32 support";
        if (streq(k->name, "i386") && streq(a->name, "x86_64"))
                return "a 32-bit kernel";
        return NULL;
}

static const char *setup_text(ProbeSetup s)
{
        switch (s) {
        case PROBE_SETUP_USERNS:
                return "cannot create a user namespace";
        case PROBE_SETUP_INSTANCE:
                return "cannot mount a private binfmt_misc instance (needs Linux 6.7 or newer)";
        default:
                return "cannot run its probe";
        }
}

const char *native_explain(const HostInfo *h, const NativeVerdict *v, char *buf, size_t size)
{
        const ProbeOutcome *o = v->measured ? &v->outcome : NULL;
        const char *feature;

        if (size == 0)
                return buf;
        buf[0] = '\0';

        switch (v->state) {
        case NATIVE_OWN:
                snprintf(buf, size, "this host's own architecture");
                break;
        case NATIVE_MEASURED:
                snprintf(buf, size, "the kernel runs it natively (measured)");
                break;
        case NATIVE_NOT:
                feature = h ? missing_feature(h, v->arch) : NULL;
                if (o && o->result == PROBE_CRASHED)
                        snprintf(buf, size,
                                 "the kernel does not run it natively (its probe was killed by "
                                 "signal %d)",
                                 o->signal);
                else if (o && o->result == PROBE_WRONG_EXIT)
                        snprintf(buf, size,
                                 "the kernel does not run it natively (its probe exited with %d)",
                                 o->exit_code);
                else
                        snprintf(buf, size, "the kernel does not run it natively (%s)",
                                 feature ?: "exec format error");
                break;
        case NATIVE_ASSUMED:
                if (!probe_supported(v->arch))
                        snprintf(buf, size,
                                 "of this host's own family, with no probe to measure whether "
                                 "the kernel runs it: treated as native");
                else if (!o)
                        snprintf(buf, size,
                                 "of this host's own family, not measured: treated as "
                                 "native");
                else if (o->result == PROBE_FAILED)
                        snprintf(buf, size,
                                 "of this host's own family, and whether the kernel runs it "
                                 "natively cannot be measured here (%s: %s): treated as native",
                                 setup_text(o->setup), strerror(o->error));
                else
                        snprintf(buf, size,
                                 "of this host's own family, and whether the kernel runs it "
                                 "natively cannot be measured here (its probe: %s): treated as "
                                 "native",
                                 strna(probe_result_to_string(o->result)));
                break;
        default:
                break;
        }
        return buf;
}

size_t native_candidates(const HostInfo *h, const BinfmtArch **ret, size_t max)
{
        const BinfmtArch *table;
        size_t n, k = 0;

        table = arch_table(&n);
        for (size_t i = 0; i < n && k < max; i++)
                if (host_in_native_family(h, &table[i]) && !arch_same(h->arch, &table[i]))
                        ret[k++] = &table[i];
        return k;
}

void native_report_build(HostInfo *h, const BinfmtArch *const *cands,
                         const ProbeOutcome *const *outcomes, size_t n, NativeReport *ret)
{
        NativeReport r = {};

        if (h->arch)
                r.verdicts[r.n++] = (NativeVerdict){.arch = h->arch, .state = NATIVE_OWN};

        h->n_emulated = 0;
        for (size_t i = 0; i < n && r.n < NATIVE_MAX; i++) {
                const ProbeOutcome *o = outcomes ? outcomes[i] : NULL;
                NativeVerdict *v = &r.verdicts[r.n++];

                *v = (NativeVerdict){.arch = cands[i], .state = native_decide(h, cands[i], o)};
                if (o) {
                        v->measured = true;
                        v->outcome = *o;
                }
                if (v->state == NATIVE_NOT)
                        host_set_emulated(h, cands[i]);
        }
        *ret = r;
}

const NativeVerdict *native_report_find(const NativeReport *r, const BinfmtArch *a)
{
        for (size_t i = 0; r && i < r->n; i++)
                if (arch_same(r->verdicts[i].arch, a))
                        return &r->verdicts[i];
        return NULL;
}

/* ---- the cache ---------------------------------------------------------------------------- */

/*
 * One line per measured candidate: "TARGET RESULT-ID exit=N signal=N errno=N". Candidates without
 * a probe are never measured and never written; a reader expects exactly those with one.
 */
int native_cache_format(const NativeReport *r, const char *boot_id, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (!boot_id || !boot_id[0] || strpbrk(boot_id, " \n"))
                return -EINVAL;
        for (size_t i = 0; i < r->n; i++) {
                const NativeVerdict *v = &r->verdicts[i];

                if (v->state == NATIVE_OWN || !probe_supported(v->arch))
                        continue;
                if (!v->measured || !conclusive(&v->outcome))
                        return -ENODATA;
        }

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs(CACHE_HEADER, f);
        fprintf(f, "boot-id %s\n", boot_id);
        for (size_t i = 0; i < r->n; i++) {
                const NativeVerdict *v = &r->verdicts[i];

                if (v->state == NATIVE_OWN || !probe_supported(v->arch))
                        continue;
                fprintf(f, "%s %s exit=%d signal=%d errno=%d\n", v->arch->name,
                        probe_result_to_id(v->outcome.result), v->outcome.exit_code,
                        v->outcome.signal, v->outcome.error);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

int native_cache_parse(const char *text, const char *boot_id, const BinfmtArch *const *cands,
                       size_t n, ProbeOutcome *ret_outcomes)
{
        ProbeOutcome outs[NATIVE_MAX] = {};
        bool seen[NATIVE_MAX] = {}, have_boot = false;
        const char *p = text;

        if (!text || !boot_id || n > NATIVE_MAX)
                return -EBADMSG;

        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                char line[256], name[64], id[32];
                int exit_code, sig, err, k = 0;

                if (len >= sizeof(line))
                        return -EBADMSG;
                memcpy(line, p, len);
                line[len] = '\0';
                p += len + (nl ? 1 : 0);

                if (line[0] == '#' || line[0] == '\0')
                        continue;
                if (startswith(line, "boot-id ")) {
                        if (have_boot)
                                return -EBADMSG;
                        if (!streq(line + strlen("boot-id "), boot_id))
                                return -ESTALE;
                        have_boot = true;
                        continue;
                }
                if (!have_boot)
                        return -EBADMSG;
                if (sscanf(line, "%63s %31s exit=%d signal=%d errno=%d%n", name, id, &exit_code,
                           &sig, &err, &k) != 5 ||
                    line[k] != '\0')
                        return -EBADMSG;

                size_t i;
                for (i = 0; i < n; i++)
                        if (streq(cands[i]->name, name))
                                break;
                if (i == n || seen[i] || !probe_supported(cands[i]))
                        return -EBADMSG;
                outs[i] = (ProbeOutcome){.result = probe_result_from_id(id),
                                         .exit_code = exit_code,
                                         .signal = sig,
                                         .error = err};
                if (!conclusive(&outs[i]))
                        return -EBADMSG;
                seen[i] = true;
        }
        if (!have_boot)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++)
                if (probe_supported(cands[i]) && !seen[i])
                        return -EBADMSG;

        memcpy(ret_outcomes, outs, n * sizeof(ProbeOutcome));
        return 0;
}

const char *native_cache_path(void)
{
        const char *e = getenv("BINFMTD_NATIVE_CACHE");

        return e && e[0] == '/' ? e : CACHE_PATH_DEFAULT;
}

/*
 * The cache's text, if it can be trusted: a regular file owned by root or by us and writable by
 * nobody else (a forged "not native" would hand native programs to an emulator).
 */
static int cache_read(const char *path, char **ret)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t k;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
            (st.st_mode & 0022) || st.st_size >= CACHE_SIZE_MAX)
                return -EPERM;
        buf = malloc(CACHE_SIZE_MAX);
        if (!buf)
                return -ENOMEM;
        k = read(fd, buf, CACHE_SIZE_MAX - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Written beside the cache and renamed over it: a reader sees the old file or the new one. */
static int cache_write(const char *path, const char *text)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);
        char *slash;
        ssize_t k;
        int r = 0;

        if (asprintf(&tmp, "%s.new-%ld", path, (long)getpid()) < 0)
                return -ENOMEM;
        /* The runtime directory may not exist yet (binfmtctl before the daemon ever ran). */
        slash = strrchr(tmp, '/');
        if (slash && slash != tmp) {
                *slash = '\0';
                if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *slash = '/';
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        else if ((k = write(fd, text, len)) < 0)
                r = -errno;
        else if ((size_t)k != len)
                r = -EIO;
        if (r == 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

int native_measure(HostInfo *h, const char *workdir, const char *cache_path, const char *boot_id,
                   uint64_t timeout_usec, NativeReport *ret)
{
        const BinfmtArch *cands[NATIVE_MAX];
        ProbeOutcome outs[NATIVE_MAX] = {};
        const ProbeOutcome *ptrs[NATIVE_MAX] = {};
        bool use_cache = cache_path && boot_id && boot_id[0], cached = false;
        size_t n;
        int r;

        n = native_candidates(h, cands, NATIVE_MAX);

        if (n > 0 && use_cache) {
                _cleanup_free_ char *text = NULL;

                r = cache_read(cache_path, &text);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0 && native_cache_parse(text, boot_id, cands, n, outs) >= 0) {
                        cached = true;
                        for (size_t i = 0; i < n; i++)
                                if (probe_supported(cands[i]))
                                        ptrs[i] = &outs[i];
                }
        }

        if (n > 0 && !cached && workdir) {
                ProbeJob jobs[NATIVE_MAX];
                size_t idx[NATIVE_MAX], m = 0;

                for (size_t i = 0; i < n; i++)
                        if (probe_supported(cands[i])) {
                                idx[m] = i;
                                jobs[m++] = (ProbeJob){.arch = cands[i], .pass = PROBE_PASS_KERNEL};
                        }
                r = probe_run_many(jobs, m, workdir, timeout_usec);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < m; j++) {
                        outs[idx[j]] = jobs[j].outcome;
                        ptrs[idx[j]] = &outs[idx[j]];
                }
        }

        native_report_build(h, cands, ptrs, n, ret);
        ret->from_cache = cached;

        if (n > 0 && !cached && use_cache) {
                _cleanup_free_ char *text = NULL;

                r = native_cache_format(ret, boot_id, &text);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0)
                        (void)cache_write(cache_path, text);
        }
        return 0;
}
