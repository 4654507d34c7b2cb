/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe-run-cli [--kernel] WORKDIR TIMEOUT_MS TARGET...: runs every target's probe from the host
 * root and in the empty chroot (with --kernel: in a user namespace of its own with an empty
 * binfmt_misc instance instead), all at once (probe_run_many()), and prints one line per job:
 *
 *   TARGET host|chroot|kernel RESULT-ID exit=N signal=N level=N errno=N usec=N setup=N
 *
 * A test helper: it registers nothing. It first leaves the state a careless caller would (an
 * inheritable descriptor, an ignored signal, a blocked one, core dumps as large as the hard limit
 * allows), so that a test can see that the runner's children start clean regardless. With
 * PROBE_RUN_APART=1 in the environment the probes start from a runner process of their own
 * (probe_run_apart()). Exit status 0 when every job was run (whatever its result), 1 on bad
 * arguments or when the runner itself failed.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>

#include "base/macro.h"
#include "target/platform.h"
#include "verify/probe-run.h"

static const char *const pass_names[_PROBE_PASS_MAX] = {
        [PROBE_PASS_HOST] = "host",
        [PROBE_PASS_CHROOT] = "chroot",
        [PROBE_PASS_KERNEL] = "kernel",
};

static int parse_timeout_ms(const char *s, uint64_t *ret_usec)
{
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 ||
            v > UINT64_MAX / 1000)
                return -EINVAL;
        *ret_usec = (uint64_t)v * 1000;
        return 0;
}

/* What a sloppy caller leaves behind; the runner must not hand any of it to a probe. */
static int make_hostile(void)
{
        struct rlimit rl;
        sigset_t s;

        if (fcntl(STDERR_FILENO, F_DUPFD, 10) < 0) /* no FD_CLOEXEC */
                return -errno;
        /* Core dumps as far as allowed: a crashing probe must still leave no core file. */
        if (getrlimit(RLIMIT_CORE, &rl) < 0)
                return -errno;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_CORE, &rl) < 0)
                return -errno;
        if (signal(SIGUSR2, SIG_IGN) == SIG_ERR)
                return -errno;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        if (sigprocmask(SIG_BLOCK, &s, NULL) < 0)
                return -errno;
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_free_ ProbeJob *jobs = NULL;
        ProbePass passes[] = {PROBE_PASS_HOST, PROBE_PASS_CHROOT};
        size_t n_targets, n = 0, n_passes = 2;
        uint64_t timeout_usec;
        int r;

        if (argc > 1 && streq(argv[1], "--kernel")) {
                passes[0] = PROBE_PASS_KERNEL;
                n_passes = 1;
                argv++;
                argc--;
        }
        if (argc < 4) {
                fprintf(stderr, "Usage: %s WORKDIR TIMEOUT_MS TARGET...\n", argv[0]);
                return EXIT_FAILURE;
        }
        if (parse_timeout_ms(argv[2], &timeout_usec) < 0) {
                fprintf(stderr, "%s: invalid timeout '%s'\n", argv[0], argv[2]);
                return EXIT_FAILURE;
        }

        n_targets = (size_t)argc - 3;
        jobs = calloc(n_targets * n_passes, sizeof(ProbeJob));
        if (!jobs) {
                fprintf(stderr, "%s: out of memory\n", argv[0]);
                return EXIT_FAILURE;
        }
        for (int i = 3; i < argc; i++) {
                const BinfmtArch *a;

                r = platform_resolve(argv[i], &a);
                if (r < 0) {
                        fprintf(stderr, "%s: unknown target '%s': %s\n", argv[0], argv[i],
                                strerror(-r));
                        return EXIT_FAILURE;
                }
                for (size_t p = 0; p < n_passes; p++)
                        jobs[n++] = (ProbeJob){.arch = a, .pass = passes[p]};
        }

        r = make_hostile();
        if (r < 0) {
                fprintf(stderr, "%s: cannot set up: %s\n", argv[0], strerror(-r));
                return EXIT_FAILURE;
        }

        /* PROBE_RUN_APART=1: the probes start from a runner process (probe_run_apart()). */
        if (getenv("PROBE_RUN_APART") && streq(getenv("PROBE_RUN_APART"), "1"))
                probe_run_apart(true);
        r = probe_run_many(jobs, n, argv[1], timeout_usec);
        if (r < 0) {
                fprintf(stderr, "%s: probe_run_many() failed: %s\n", argv[0], strerror(-r));
                return EXIT_FAILURE;
        }

        for (size_t j = 0; j < n; j++) {
                const ProbeOutcome *o = &jobs[j].outcome;

                printf("%s %s %s exit=%d signal=%d level=%u errno=%d usec=%" PRIu64
                       " setup=%d left=%d\n",
                       argv[3 + j / n_passes], pass_names[jobs[j].pass],
                       probe_result_to_id(o->result), o->exit_code, o->signal, o->level, o->error,
                       o->duration_usec, (int)o->setup, o->left_behind);
        }
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
