/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binfmt/entry.h"
#include "target/arch.h"
#include "target/host.h"
#include "target/interp.h"

/*
 * Another tool's entry that does the job. On a Debian host systemd-binfmt registers the
 * distribution's own qemu-* entries at boot, before binfmtd starts, under the names binfmtd
 * uses; binfmt-support's update-binfmts does the same. Such an entry provides its target when it
 * has F, its interpreter (symlinks resolved) is a safe static QEMU for that target, and its match
 * catches that target's programs and none of the host's own. Then binfmtd leaves it, verifies it
 * like its own, and counts the target as served; any other foreign entry is a problem whose
 * message says exactly what is wrong.
 */

typedef enum ProviderProblem {
        PROVIDER_OK,
        PROVIDER_DISABLED,           /* switched off (echo 0) */
        PROVIDER_NO_F,               /* without F the interpreter is looked up in each container */
        PROVIDER_CREDENTIALS,        /* C: setuid foreign programs run the emulator as root */
        PROVIDER_WRONG_TARGET,       /* its match does not catch the target's programs */
        PROVIDER_CATCHES_NATIVE,     /* its match catches the host's own programs */
        PROVIDER_UNSAFE_INTERPRETER, /* the interpreter fails interp_check (dynamic, writable...) */
        PROVIDER_NOT_QEMU,           /* the interpreter is not QEMU for this target */
        _PROVIDER_PROBLEM_MAX,
} ProviderProblem;

typedef struct ProviderCheck {
        ProviderProblem problem;
        InterpCheck interp;      /* the interpreter's verdict (PROVIDER_UNSAFE_INTERPRETER) */
        char resolved[PATH_MAX]; /* the interpreter with symlinks resolved, or "" */
} ProviderCheck;

/**
 * rule_catches_host() - whether @rule would catch the host's own programs: the running program
 * (@self_header, @len bytes) and every target @h runs natively, as a static (ET_EXEC) and as a
 * position-independent (ET_DYN) program. binfmt_misc is consulted before the ELF loader, so such
 * a rule would hand native programs to an emulator.
 */
bool rule_catches_host(const BinfmtRule *rule, const HostInfo *h, const uint8_t *self_header,
                       size_t len);

/**
 * provider_check() - whether entry @e, registered by another tool, does the job of target @a on
 * host @h. An entry with C does not, unless @allow_credentials (binfmtd itself is configured
 * with C). Reads the interpreter (it follows its symlinks), or takes @known, its verdict from
 * interp_check_host() when the caller has it already. The verdict is in @ret. Returns 0.
 */
int provider_check(const BinfmtEntry *e, const BinfmtArch *a, const HostInfo *h,
                   const uint8_t *self_header, size_t len, bool allow_credentials,
                   const InterpCheck *known, ProviderCheck *ret);

/* What is wrong, as a clause after the entry's name ("has no F flag: ..."). */
const char *provider_problem_to_string(ProviderProblem p);

/* "ok", "disabled", "no-f", ...: for the status JSON. */
const char *provider_problem_to_id(ProviderProblem p);

/*
 * Where other tools' registrations come from, in the order they take effect: systemd-binfmt's
 * binfmt.d directories, then binfmt-support's formats.
 */
#define PROVIDER_BINFMT_D_DIRS                                                                     \
        "/etc/binfmt.d", "/run/binfmt.d", "/usr/local/lib/binfmt.d", "/usr/lib/binfmt.d"
#define PROVIDER_BINFMTS_DIRS "/var/lib/binfmts", "/usr/share/binfmts"

typedef enum ProviderSourceKind {
        PROVIDER_SOURCE_NONE,
        PROVIDER_SOURCE_BINFMT_D, /* systemd-binfmt: a binfmt.d file names the entry */
        PROVIDER_SOURCE_BINFMTS,  /* binfmt-support: update-binfmts' format of that name */
} ProviderSourceKind;

/* What the other tools' files register, read once: a status judges many entries. */
typedef struct ProviderSources {
        char **names;               /* entry names binfmt.d files register; the first file wins */
        char **paths;               /* the file of each */
        const char *const *binfmts; /* binfmt-support's directories (borrowed) */
} ProviderSources;

/**
 * provider_sources_load() - every binfmt.d file in @binfmt_d (NULL-terminated; *.conf, in
 * systemd's order: a file name in an earlier directory hides the same name in a later one), read
 * once; @binfmts is kept for provider_sources_find(). Returns 0 or -ENOMEM.
 */
int provider_sources_load(const char *const *binfmt_d, const char *const *binfmts,
                          ProviderSources *ret);
void provider_sources_done(ProviderSources *s);

/**
 * provider_sources_find() - the file another tool registered entry @name from: the binfmt.d
 * file that names it, else binfmt-support's format of that name. Returns the kind, with a newly
 * allocated path in @ret_path (NULL for PROVIDER_SOURCE_NONE), or -ENOMEM.
 */
int provider_sources_find(const ProviderSources *s, const char *name, char **ret_path);

/**
 * provider_find_source() - provider_sources_load() and provider_sources_find() for one name.
 */
int provider_find_source(const char *const *binfmt_d, const char *const *binfmts, const char *name,
                         char **ret_path);
