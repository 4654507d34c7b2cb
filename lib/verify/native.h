/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/arch.h"
#include "target/host.h"
#include "verify/probe-run.h"

/*
 * Which targets of the host's own family the kernel runs itself, measured by execution. An
 * x86-64 kernel may or may not run i386 programs (IA32 emulation is a build and boot option), an
 * arm64 CPU may or may not run 32-bit Arm ones (Graviton 3 and 4, AmpereOne and Apple silicon
 * have no AArch32). The rule: register QEMU for a target unless the kernel runs its programs
 * natively; never register one it does run, which would hand native programs to an emulator.
 *
 * The measurement runs each candidate's probe where no binfmt_misc handler can intercept it
 * (PROBE_PASS_KERNEL: a fresh user namespace with an empty instance of its own, Linux 6.7 or
 * newer). Where that cannot be done, the candidate is assumed native: never registered, exactly
 * what binfmtd did before it measured. The outcomes are facts of the running kernel, so they
 * are cached per boot (keyed on the kernel's boot id) and the decision is recomputed from them.
 *
 * The decision and the cache format are pure; native_measure() runs probes.
 */

#define NATIVE_MAX 16 /* native-family candidates: the largest family (mips) has six */

typedef enum NativeState {
        NATIVE_OWN,      /* the host's own target: what this program is built for */
        NATIVE_MEASURED, /* the kernel ran its probe itself */
        NATIVE_ASSUMED,  /* could not be measured: treated as native, never registered */
        NATIVE_NOT,      /* the kernel does not run its programs: QEMU may be registered */
        _NATIVE_STATE_MAX,
} NativeState;

typedef struct NativeVerdict {
        const BinfmtArch *arch;
        NativeState state;
        bool measured;        /* outcome holds what a measurement saw */
        ProbeOutcome outcome; /* the kernel pass's outcome (also the reason it failed) */
} NativeVerdict;

typedef struct NativeReport {
        NativeVerdict verdicts[NATIVE_MAX]; /* the host's own target first, then candidates */
        size_t n;
        bool from_cache;
} NativeReport;

/**
 * native_decide() - the verdict on @a for host @h, given the outcome @o of running @a's probe
 * where no binfmt_misc handler intercepts it (NULL: not measured). Targets outside the host's
 * families are NATIVE_NOT without any measurement; the host's own target is NATIVE_OWN.
 */
NativeState native_decide(const HostInfo *h, const BinfmtArch *a, const ProbeOutcome *o);

/**
 * native_explain() - why @v is what it is, as a clause that follows "TARGET: " in logs and
 * status ("the kernel does not run it natively (no IA32 emulation)", "this host's own
 * architecture"), into @buf. Returns @buf.
 */
const char *native_explain(const HostInfo *h, const NativeVerdict *v, char *buf, size_t size);

/* "own", "native", "assumed-native", "emulated": the status JSON's ids. */
const char *native_state_to_id(NativeState s);

/**
 * native_candidates() - the table targets of @h's native families other than its own target,
 * which only a measurement can judge, in table order. Returns how many were written to @ret
 * (at most @max).
 */
size_t native_candidates(const HostInfo *h, const BinfmtArch **ret, size_t max);

/**
 * native_report_build() - the report for @h from the outcomes of @n candidates (@outcomes[i]
 * belongs to @cands[i]; NULL or a NULL element: not measured). Applies the verdicts to @h:
 * afterwards host_is_native() is false for every candidate found NATIVE_NOT.
 */
void native_report_build(HostInfo *h, const BinfmtArch *const *cands,
                         const ProbeOutcome *const *outcomes, size_t n, NativeReport *ret);

/* The verdict on @a in @r, or NULL when @a is not of the host's families. */
const NativeVerdict *native_report_find(const NativeReport *r, const BinfmtArch *a);

/**
 * native_cache_format() - @r's measured outcomes as the cache file's text, for @boot_id. Only a
 * report whose every candidate was measured conclusively is worth caching: returns -ENODATA
 * for any other. Returns 0 and a newly allocated string, -ENODATA, -ENOMEM.
 */
int native_cache_format(const NativeReport *r, const char *boot_id, char **ret);

/**
 * native_cache_parse() - the outcomes in @text for the candidates @cands, if @text was written
 * in boot @boot_id and holds exactly those candidates. Fills @ret_outcomes[0..n). Returns 0,
 * -ESTALE (another boot), -EBADMSG (malformed or another set of candidates).
 */
int native_cache_parse(const char *text, const char *boot_id, const BinfmtArch *const *cands,
                       size_t n, ProbeOutcome *ret_outcomes);

/**
 * native_cache_path() - $BINFMTD_NATIVE_CACHE when set to an absolute path (tests), else
 * /run/binfmtd/native: it lives as long as the boot it describes.
 */
const char *native_cache_path(void);

/**
 * native_measure() - decide every candidate of @h: from the cache at @cache_path when it holds
 * this boot's (@boot_id; NULL or empty: no cache), else by running the probes in @workdir
 * (NULL: not measured, everything assumed native), each bounded by @timeout_usec, and caching
 * a conclusive result. Applies the verdicts to @h. A cache that cannot be read or written is
 * ignored. Returns 0 or -ENOMEM.
 */
int native_measure(HostInfo *h, const char *workdir, const char *cache_path, const char *boot_id,
                   uint64_t timeout_usec, NativeReport *ret);
