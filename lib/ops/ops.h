/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "target/arch.h"
#include "target/interp.h"
#include "base/report.h"
#include "binfmt/rule.h"
#include "verify/system.h"

/*
 * The operations that change an instance: install (and its dry run, plan) and uninstall of
 * targets. binfmtctl runs them in direct mode and the daemon runs them for its configuration
 * and for requests on its socket, so both decide and word things the same way. Results go into
 * a Report; nothing is printed or logged here.
 */

/* Per-target settings that replace the defaults (the daemon's [target:NAME] sections). */
typedef struct OpsOverride {
        const char *interpreter; /* NULL: search the interpreter path */
        bool flags_set;
        unsigned flags;
} OpsOverride;

typedef struct OpsContext {
        const SystemInfo *sys;
        const char *mount;
        const char *state_dir;         /* ownership records (owned.c) */
        char *const *interpreter_dirs; /* searched for qemu-NAME-static, then qemu-NAME */
        unsigned flags;                /* P/O/C added to F */
        bool force;                    /* replace or remove entries binfmtd did not register */
        bool skip_native;              /* native targets are skipped with a note, not refused */
        bool quiet_unchanged;          /* no line for an entry already right, nor notes */
        bool may_mount;                /* mount binfmt_misc when absent (install) */
        /* Targets beyond the table (the daemon's [target:NAME] sections with Magic=): one with
         * a table target's name replaces its match bytes, any other is a new target. */
        const BinfmtArch *extra;
        size_t n_extra;
        const OpsOverride *(*override)(void *userdata, const BinfmtArch *a);
        void *userdata;
} OpsContext;

/* The rules install would register, checked but not yet written. */
typedef struct OpsPrepared {
        BinfmtRule **rules;
        const BinfmtArch **arches; /* each rule's target */
        size_t n;
} OpsPrepared;

/**
 * ops_prepare() - everything install checks before it looks at an instance: the targets
 * resolved, the kernel's features, each target's interpreter found and checked, its rule made
 * and validated, the native family refused (or skipped with skip_native). Problems are error
 * lines in @r; the rules of the targets without one are in @ret. Returns 0 or -ENOMEM.
 */
int ops_prepare(const OpsContext *c, char *const *targets, Report *r, OpsPrepared *ret);
void ops_prepared_done(OpsPrepared *p);

/**
 * ops_register_prepared() - write prepared rules into the empty instance at @mount, as they
 * are: no ownership records, no replacement. For an instance of one's own that dies with its
 * user namespace (binfmtctl exec), prepared before the namespace was entered. Returns 0 or
 * -ENOMEM; failures are error lines in @r.
 */
int ops_register_prepared(const OpsPrepared *p, const char *mount, Report *r);

/**
 * ops_install() - register @targets (names, aliases, OCI platforms, "all"), or with @dry_run
 * say what would be written. Every target is tried; each failure is an error line in @r and
 * the others still go in. Returns 0, or -ENOMEM.
 */
int ops_install(const OpsContext *c, char *const *targets, bool dry_run, Report *r);

/**
 * ops_uninstall() - remove binfmtd's entries of @targets ("all": every entry binfmtd
 * registered). Returns 0, or -ENOMEM.
 */
int ops_uninstall(const OpsContext *c, char *const *targets, Report *r);
