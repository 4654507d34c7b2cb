/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/arch.h"
#include "verify/probe-run.h"
#include "verify/system.h"

/*
 * A verification: every probe of a set of targets run now, in both passes, in parallel, with
 * the time it ran and the interpreter a registration would use. It is the record the status
 * model reads (readiness.c judges it); the daemon keeps the last one between runs.
 */

/* A verification runs the host and the chroot pass (the kernel pass is native.c's). */
#define VERIFY_PASSES (PROBE_PASS_CHROOT + 1)

typedef struct VerifyTarget {
        const BinfmtArch *arch;
        ProbeOutcome pass[VERIFY_PASSES];    /* PROBE_PASS_HOST, PROBE_PASS_CHROOT */
        char *interpreter;                   /* safe interpreter found on disk, or NULL */
} VerifyTarget;

typedef struct Verification {
        VerifyTarget *targets;       /* in the order given */
        size_t n_targets;
        uint64_t realtime_usec;      /* when the run started (CLOCK_REALTIME) */
        uint64_t duration_usec;      /* wall time of the whole run */
} Verification;

/**
 * verify_default_targets() - every table target that has a probe, in table order. Returns a
 * newly allocated array of @ret_n pointers (free()), or NULL on allocation failure.
 */
const BinfmtArch **verify_default_targets(size_t *ret_n);

/**
 * verify_run() - run the probes of @targets (each must have one) from the host and in an
 * empty chroot, all at once, each bounded by @timeout_usec, in a private directory under
 * @workdir; look up each target's interpreter on @interpreter_dirs (NULL: the default path).
 * Needs CAP_SYS_CHROOT for the chroot pass (without it that pass is PROBE_FAILED, EPERM).
 * Returns 0 with the record in @ret, -EINVAL, -ENOMEM.
 */
int verify_run(const SystemInfo *sys, const BinfmtArch *const *targets, size_t n,
               char *const *interpreter_dirs, const char *workdir, uint64_t timeout_usec,
               Verification *ret);

/* The record's result for @a, or NULL when @a was not probed. */
const VerifyTarget *verification_find(const Verification *v, const BinfmtArch *a);

int verification_copy(const Verification *v, Verification *ret);
void verification_done(Verification *v);

/**
 * verify_workdir() - where probes are written: $BINFMTD_PROBE_DIR, else
 * /var/lib/binfmtd/probes (a runtime directory may be mounted noexec). Created 0700 with its
 * parent when missing. Returns 0 and a newly allocated path, or -errno.
 */
int verify_workdir(char **ret);

/* The directory verify_workdir() makes, for messages: $BINFMTD_PROBE_DIR or the default. */
const char *verify_workdir_name(void);

/**
 * verify_measure_native() - system_measure_native() with probes in verify_workdir() and the
 * per-boot cache at native_cache_path(): what every entry point runs once after
 * system_probe(). Returns 0 or -ENOMEM.
 */
int verify_measure_native(SystemInfo *sys);
