/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify-probes: what verifying every registered target costs. The jobs are those of a
 * verification: every target of the table that has a probe and an enabled entry in the
 * binfmt_misc instance at MOUNT, each in both passes (from the host's root, and in the empty
 * chroot). Each repetition runs them three ways, in an order that alternates between
 * repetitions so that the machine's drift touches them alike:
 *
 *   par   all jobs at once, one probe_run_many() (what a verification does);
 *   seq   the same jobs one after another, one probe_run() each;
 *   seqc  the chroot pass alone, one target after another: the schedule of a checker that runs
 *         one program per platform in an empty chroot, in turn.
 *
 * Each is timed as a whole (CLOCK_MONOTONIC), and the CPU time of the probes (user + system of
 * the reaped children, getrusage(RUSAGE_CHILDREN) before and after) and of this process
 * (RUSAGE_SELF: writing the probes, forking, waiting) is taken as a difference around it. One
 * warm-up repetition is not counted. Every outcome must be PROBE_OK: anything else makes it
 * exit 1, since a benchmark of failing probes measures nothing.
 *
 *   verify-probes MOUNT WORKDIR REPS [TIMEOUT_MS]
 *
 * WORKDIR is an existing, exec-capable directory the probes are written under. It prints the
 * targets on stderr and one line of key=value pairs on stdout: the medians and p90s of the wall
 * times (µs), the median of the per-repetition ratios par/seq and par/seqc, and the wall and CPU
 * time per probe (medians over the repetitions, µs).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "target/arch.h"
#include "verify/probe-run.h"
#include "verify/probe.h"

#define TIMEOUT_MS_DEFAULT 30000

typedef enum Way {
        WAY_PAR,
        WAY_SEQ,
        WAY_SEQC,
        _WAY_MAX,
} Way;

static const char *const way_names[_WAY_MAX] = {
        [WAY_PAR] = "par",
        [WAY_SEQ] = "seq",
        [WAY_SEQC] = "seqc",
};

static const char *const pass_names[_PROBE_PASS_MAX] = {
        [PROBE_PASS_HOST] = "host",
        [PROBE_PASS_CHROOT] = "chroot",
};

/* One measurement: wall time, and CPU time of the probes and of this process (µs). */
typedef struct Sample {
        double wall, cpu_children, cpu_self;
} Sample;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static double cpu_usec(int who)
{
        struct rusage ru;

        if (getrusage(who, &ru) < 0) {
                perror("verify-probes: getrusage");
                exit(EXIT_FAILURE);
        }
        return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Whether the entry for @a is in the instance at @mount, and enabled. */
static bool registered(const char *mount, const BinfmtArch *a)
{
        char name[ARCH_ENTRY_NAME_MAX], path[4096], line[32] = "";
        FILE *f;
        bool ok;

        snprintf(path, sizeof(path), "%s/%s", mount, arch_entry_name(a, name, sizeof(name)));
        f = fopen(path, "re");
        if (!f)
                return false;
        ok = fgets(line, sizeof(line), f) && strcmp(line, "enabled\n") == 0;
        fclose(f);
        return ok;
}

static void check(const ProbeJob *j, const char *way)
{
        const ProbeOutcome *o = &j->outcome;

        if (o->result == PROBE_OK)
                return;
        fprintf(stderr, "verify-probes: %s, %s pass, run %s: %s (exit %d, signal %d, %s)\n",
                j->arch->name, pass_names[j->pass], way, probe_result_to_string(o->result),
                o->exit_code, o->signal, o->error ? strerror(o->error) : "no error");
        exit(EXIT_FAILURE);
}

/* Runs @jobs the way @w says (the caller picked them), checks every outcome. */
static Sample measure(Way w, ProbeJob *jobs, size_t n, const char *workdir, uint64_t timeout)
{
        double c0 = cpu_usec(RUSAGE_CHILDREN), s0 = cpu_usec(RUSAGE_SELF);
        uint64_t t0 = now_usec(), t1;
        int r;

        if (w == WAY_PAR) {
                r = probe_run_many(jobs, n, workdir, timeout);
                if (r < 0) {
                        fprintf(stderr, "verify-probes: probe_run_many(): %s\n", strerror(-r));
                        exit(EXIT_FAILURE);
                }
        } else
                for (size_t i = 0; i < n; i++) {
                        r = probe_run(jobs[i].arch, jobs[i].pass, workdir, timeout,
                                      &jobs[i].outcome);
                        if (r < 0) {
                                fprintf(stderr, "verify-probes: probe_run(%s): %s\n",
                                        jobs[i].arch->name, strerror(-r));
                                exit(EXIT_FAILURE);
                        }
                }
        t1 = now_usec();

        for (size_t i = 0; i < n; i++)
                check(&jobs[i], way_names[w]);
        return (Sample){
                .wall = (double)(t1 - t0),
                .cpu_children = cpu_usec(RUSAGE_CHILDREN) - c0,
                .cpu_self = cpu_usec(RUSAGE_SELF) - s0,
        };
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/* The median and the p90 (nearest rank) of @v; sorts it. */
static double median(double *v, size_t n)
{
        qsort(v, n, sizeof(double), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double p90(double *v, size_t n)
{
        size_t k = (9 * n + 9) / 10; /* ceil(0.9 n) */

        qsort(v, n, sizeof(double), cmp_double);
        return v[k > 0 ? k - 1 : 0];
}

static unsigned long parse_positive(const char *s, const char *what)
{
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 || v > 1000000) {
                fprintf(stderr, "verify-probes: invalid %s '%s'\n", what, s);
                exit(EXIT_FAILURE);
        }
        return v;
}

int main(int argc, char *argv[])
{
        size_t n_table, n_targets = 0, n_jobs[_WAY_MAX];
        const BinfmtArch *table = arch_table(&n_table);
        ProbeJob *jobs[_WAY_MAX];
        double *wall[_WAY_MAX], *cpu[_WAY_MAX], *self[_WAY_MAX], *ratio[_WAY_MAX];
        unsigned long reps;
        uint64_t timeout;

        if (argc < 4 || argc > 5) {
                fprintf(stderr, "Usage: %s MOUNT WORKDIR REPS [TIMEOUT_MS]\n", argv[0]);
                return EXIT_FAILURE;
        }
        reps = parse_positive(argv[3], "repetition count");
        timeout = (uint64_t)(argc > 4 ? parse_positive(argv[4], "timeout") : TIMEOUT_MS_DEFAULT) *
                  1000;

        for (int w = 0; w < _WAY_MAX; w++) {
                jobs[w] = calloc(2 * n_table, sizeof(ProbeJob));
                wall[w] = calloc(reps, sizeof(double));
                cpu[w] = calloc(reps, sizeof(double));
                self[w] = calloc(reps, sizeof(double));
                ratio[w] = calloc(reps, sizeof(double));
                if (!jobs[w] || !wall[w] || !cpu[w] || !self[w] || !ratio[w]) {
                        fprintf(stderr, "verify-probes: out of memory\n");
                        return EXIT_FAILURE;
                }
                n_jobs[w] = 0;
        }

        /* The jobs of a verification, in the order verify_run() gives them. */
        fprintf(stderr, "verify-probes: targets:");
        for (size_t i = 0; i < n_table; i++) {
                const BinfmtArch *a = &table[i];

                if (!probe_supported(a) || !registered(argv[1], a))
                        continue;
                fprintf(stderr, " %s", a->name);
                n_targets++;
                /* A verification's two passes (the kernel pass measures native, once a boot). */
                for (int p = PROBE_PASS_HOST; p <= PROBE_PASS_CHROOT; p++) {
                        jobs[WAY_PAR][n_jobs[WAY_PAR]++] =
                                (ProbeJob){.arch = a, .pass = (ProbePass)p};
                        jobs[WAY_SEQ][n_jobs[WAY_SEQ]++] =
                                (ProbeJob){.arch = a, .pass = (ProbePass)p};
                }
                jobs[WAY_SEQC][n_jobs[WAY_SEQC]++] =
                        (ProbeJob){.arch = a, .pass = PROBE_PASS_CHROOT};
        }
        fprintf(stderr, "\n");
        if (n_targets == 0) {
                fprintf(stderr, "verify-probes: no registered target with a probe in %s\n",
                        argv[1]);
                return EXIT_FAILURE;
        }

        /* Warm-up: page cache, the emulators' first start. Checked, not counted. */
        for (int w = 0; w < _WAY_MAX; w++)
                (void)measure((Way)w, jobs[w], n_jobs[w], argv[2], timeout);

        for (unsigned long k = 0; k < reps; k++) {
                for (int i = 0; i < _WAY_MAX; i++) {
                        /* par seq seqc, then seqc seq par, ... */
                        Way w = (Way)(k % 2 ? _WAY_MAX - 1 - i : i);
                        Sample s = measure(w, jobs[w], n_jobs[w], argv[2], timeout);

                        wall[w][k] = s.wall;
                        cpu[w][k] = s.cpu_children / (double)n_jobs[w];
                        self[w][k] = s.cpu_self / (double)n_jobs[w];
                }
                for (int w = 0; w < _WAY_MAX; w++)
                        ratio[w][k] = wall[WAY_PAR][k] / wall[w][k];
        }

        printf("targets=%zu probes=%zu reps=%lu", n_targets, n_jobs[WAY_PAR], reps);
        for (int w = 0; w < _WAY_MAX; w++) {
                const char *nm = way_names[w];
                double m = median(wall[w], reps);

                printf(" %s_probes=%zu %s_p50_us=%.0f %s_p90_us=%.0f %s_wall_per_probe_us=%.0f"
                       " %s_cpu_per_probe_us=%.0f %s_self_per_probe_us=%.0f",
                       nm, n_jobs[w], nm, m, nm, p90(wall[w], reps), nm, m / (double)n_jobs[w], nm,
                       median(cpu[w], reps), nm, median(self[w], reps));
        }
        printf(" ratio_seq=%.3f ratio_seqc=%.3f\n", median(ratio[WAY_SEQ], reps),
               median(ratio[WAY_SEQC], reps));
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
