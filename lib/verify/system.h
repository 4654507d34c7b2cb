/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/utsname.h>

#include "target/host.h"
#include "binfmt/kernel.h"
#include "verify/native.h"

/*
 * The facts about the running system every caller needs before touching binfmt_misc: the
 * kernel release and its features, the native platform, and whether we run in the initial
 * user namespace (else a binfmt_misc mounted here is, on 6.7+, a private instance).
 */

#define SELF_HEADER_SIZE 64

typedef struct SystemInfo {
        struct utsname uts;
        KernelInfo kernel;
        int kernel_r;              /* 0, or why the release did not parse */
        HostInfo host;
        int host_r;                /* 0, or why the host is unknown */
        uint8_t self_header[SELF_HEADER_SIZE];
        bool initial_userns;
        char boot_id[40];          /* the kernel's boot id, "" when unknown */
        NativeReport native;       /* what the kernel runs natively; system_measure_native() */
} SystemInfo;

/* How long one native measurement may take: a probe exits at once, the rest is set-up. */
#define SYSTEM_NATIVE_TIMEOUT_USEC (5 * UINT64_C(1000000))

/**
 * system_probe() - fill @ret from uname(2) and @proc_root ("/proc": the caller names it, so
 * nothing here assumes a path): the header of proc_root/self/exe and proc_root/self/uid_map.
 * A kernel release or host that cannot be understood is recorded in kernel_r / host_r, not
 * returned: the caller decides whether that matters. Returns 0 or -errno from reading.
 */
int system_probe(const char *proc_root, SystemInfo *ret);

/**
 * system_measure_native() - decide which targets of the host's own families the kernel runs
 * natively (native.c), running their probes in @workdir (NULL: none is run, the candidates stay
 * native) unless @cache_path holds this boot's answer, and apply it to @s->host. Without a known
 * host there is nothing to decide. Returns 0 or -ENOMEM.
 */
int system_measure_native(SystemInfo *s, const char *workdir, const char *cache_path);

/**
 * system_uid_map_is_initial() - whether the text of a uid_map is the initial user namespace's
 * identity map of the whole range ("0 0 4294967295").
 */
bool system_uid_map_is_initial(const char *text);
