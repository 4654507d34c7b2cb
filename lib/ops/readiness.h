/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/platform.h"
#include "verify/probe-run.h"
#include "ops/status.h"

/*
 * Readiness: whether a container of a platform would really run here, judged from the status
 * model and its verification, and for every "no" what is wrong and what to do. Pure. The
 * status JSON carries the verdicts ("platforms") and the "supported" list; binfmtctl's
 * --require, wait and OpenMetrics views read them from there.
 */

typedef struct PlatformVerdict {
        char platform[PLATFORM_MAX];  /* canonical: "linux/arm64", "linux/amd64/v3" */
        const BinfmtArch *arch;
        bool native;                  /* the host runs it without an emulator */
        bool registered;              /* native, or an enabled entry would run it */
        bool probed;                  /* the verification holds this target */
        bool verified;                /* the container pass ran it (and, for amd64/vN, level N) */
        ProbeResult result;           /* container pass (when probed) */
        uint64_t duration_usec;       /* container pass */
        char problem[256];            /* "" when verified: what is wrong */
        char fix[256];                /* "" when verified: what to do */
} PlatformVerdict;

/**
 * readiness_judge() - one verdict per platform of every target the verification holds (amd64:
 * linux/amd64 and linux/amd64/v2..v4; arm: linux/arm/v7 and linux/arm/v6), in table order.
 * Without a verification (s->verification NULL), none. Returns 0, -ENOMEM.
 */
int readiness_judge(const Status *s, PlatformVerdict **ret, size_t *ret_n);

/**
 * readiness_judge_one() - the verdict for one platform named by a user (any form
 * platform_resolve() takes: "arm64", "linux/arm64/v8", "linux/amd64/v3"), also when it was not
 * probed ("not verified yet", or no probe exists). Returns 0, -ENOENT unknown platform,
 * -EINVAL malformed.
 */
int readiness_judge_one(const Status *s, const char *name, PlatformVerdict *ret);

/**
 * readiness_canonical() - the canonical platform string for a user-given name, as used in
 * verdicts ("aarch64" -> "linux/arm64", "linux/arm64/v8" -> "linux/arm64", "armhf" ->
 * "linux/arm/v7", "x86_64" -> "linux/amd64", "linux/amd64/v1" -> "linux/amd64"). Returns 0,
 * -ENOENT, -EINVAL.
 */
int readiness_canonical(const char *name, char *buf, size_t size);

/**
 * readiness_supported() - the platforms a container really runs, in tonistiigi/binfmt's order:
 * native first (always), then amd64 and its levels, arm64, riscv64, ppc64, ppc64le, s390x,
 * 386, mips64le, mips64, loong64, arm/v7 and arm/v6, each listed only when its container pass
 * is ok. A NULL-terminated newly allocated array (strv_free()), NULL on allocation failure.
 */
char **readiness_supported(const Status *s);
