/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/arch.h"

/*
 * Running probe programs and classifying what happened. Each probe runs twice: from the host's
 * root, and inside an empty chroot that holds nothing but the probe (no QEMU, no libraries, no
 * shell), which works only when the handler has F. The runner writes the probe into a private,
 * exec-capable directory the caller gives, forks a child with no capabilities it does not
 * need, no_new_privs, no inherited fds, an empty environment, and execve()s the probe (never a
 * PATH-searching exec: glibc retries ENOEXEC through /bin/sh). An errno pipe tells "exec
 * failed" from "ran and exited"; a timeout kills a probe that hangs.
 */

typedef enum ProbeResult {
        PROBE_OK,                      /* ran and exited with the expected code */
        PROBE_NO_HANDLER,              /* ENOEXEC: no binfmt_misc entry matched */
        PROBE_INTERPRETER_UNREACHABLE, /* ENOENT: entry without F, or a dynamic interpreter */
        PROBE_NOT_EXECUTABLE,          /* EACCES: noexec mount or permissions */
        PROBE_CRASHED,                 /* killed by a signal */
        PROBE_WRONG_EXIT,              /* ran, exited with another code */
        PROBE_TIMEOUT,                 /* did not finish in time; killed (or, see
                                        * left_behind, not even that) */
        PROBE_FAILED,                  /* could not be run at all (fork, write...): see error */
        _PROBE_RESULT_MAX,
} ProbeResult;

typedef enum ProbePass {
        PROBE_PASS_HOST,    /* from the host's root */
        PROBE_PASS_CHROOT,  /* inside an empty chroot: what containers need */
        PROBE_PASS_KERNEL,  /* in a new user namespace with an empty binfmt_misc instance of its
                             * own (Linux 6.7+): no handler can intercept, only the kernel runs
                             * it. Whether the kernel runs the target natively (native.c). */
        _PROBE_PASS_MAX,
} ProbePass;

/* Which step of the child's set-up failed, for PROBE_FAILED. */
typedef enum ProbeSetup {
        PROBE_SETUP_OK,       /* nothing failed in set-up */
        PROBE_SETUP_OTHER,    /* fds, session, chroot, capabilities... */
        PROBE_SETUP_USERNS,   /* PROBE_PASS_KERNEL: creating the user and mount namespace */
        PROBE_SETUP_INSTANCE, /* PROBE_PASS_KERNEL: mounting the namespace's own binfmt_misc */
        _PROBE_SETUP_MAX,
} ProbeSetup;

typedef struct ProbeOutcome {
        ProbeResult result;
        int error;           /* errno of a failed exec or of PROBE_FAILED, else 0 */
        ProbeSetup setup;    /* PROBE_FAILED in the child: the step that failed */
        int signal;          /* PROBE_CRASHED */
        int exit_code;       /* when it exited */
        unsigned level;      /* amd64: x86-64 level reported (1..4), else 0 */
        uint64_t duration_usec;
        bool left_behind;    /* PROBE_TIMEOUT: still there PROBE_KILL_GRACE_USEC after the kill
                              * (uninterruptible sleep): no longer waited for */
} ProbeOutcome;

/*
 * How long a killed probe may take to die. One in uninterruptible sleep (a file system that
 * does not answer, say) does not die on SIGKILL until the kernel wakes it: the runner then
 * stops waiting, reports the timeout, and reaps the process on a later run if it has died by
 * then.
 */
#define PROBE_KILL_GRACE_USEC (2u * 1000u * 1000u)

/**
 * probe_run_join_userns() - from now on, the host and chroot passes of every probe run in the
 * user namespace @fd refers to (one the caller owns: rootless podman's, for binfmtctl --user),
 * where that namespace's binfmt_misc instance serves them. -1: the caller's own namespace
 * again. The fd stays the caller's.
 */
void probe_run_join_userns(int fd);

/**
 * probe_run_apart() - from now on, probe_run_many() (and probe_run()) forks one runner process
 * per call, which starts the probes and reports their outcomes: for a threaded caller with a
 * large memory map, whose other threads would otherwise stall at every probe's fork() (a fork
 * holds the memory map of the process it copies). A runner that does not report within the
 * timeout and a grace is killed, and every job of the call fails with ETIMEDOUT (or EIO when
 * it died without a report). false: the caller forks the probes itself again.
 */
void probe_run_apart(bool apart);

/* The nice value probes run at: they yield the CPU to their caller. */
#define PROBE_NICE 19

/**
 * probe_run() - run @a's probe once in @pass. @workdir is an existing directory on an
 * exec-capable file system, owned by the caller, in which the runner makes (and removes) a
 * private subdirectory. @timeout_usec bounds the run. Returns 0 with the outcome in @ret
 * (PROBE_FAILED included), or -EOPNOTSUPP when @a has no probe, -ENOMEM.
 */
int probe_run(const BinfmtArch *a, ProbePass pass, const char *workdir, uint64_t timeout_usec,
              ProbeOutcome *ret);

typedef struct ProbeJob {
        const BinfmtArch *arch;
        ProbePass pass;
        ProbeOutcome outcome;    /* filled in */
} ProbeJob;

/**
 * probe_run_many() - run @n jobs in parallel (all children at once, each with its own
 * timeout), filling each job's outcome. Returns 0, or -ENOMEM.
 */
int probe_run_many(ProbeJob *jobs, size_t n, const char *workdir, uint64_t timeout_usec);

const char *probe_result_to_id(ProbeResult r);      /* "ok", "no-handler", ... */
ProbeResult probe_result_from_id(const char *id);   /* the inverse; -EINVAL when unknown */
const char *probe_result_to_string(ProbeResult r);  /* "interpreter unreachable (...)" */

/**
 * probe_result_to_hint() - what to do about a result, as a printf format taking the target's
 * name once ("run binfmtctl install %s again"); NULL for PROBE_OK.
 */
const char *probe_result_to_hint(ProbeResult r);
