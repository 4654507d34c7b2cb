/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "binfmt/entry.h"
#include "binfmt/provider.h"
#include "target/interp.h"
#include "target/interp-cache.h"
#include "verify/system.h"

struct Verification;

/*
 * The status model: what the kernel holds in one binfmt_misc instance, read and judged. One
 * model; status-json.h renders it, binfmtctl's views and the daemon's socket serve that.
 */

/* Whether the interpreter file an F entry pinned at registration is the one on disk now. */
typedef enum PinState {
        PIN_NONE = 0, /* no F: the kernel opens the path at every execution */
        PIN_CURRENT,
        PIN_STALE,   /* replaced on disk since: programs still run the old file */
        PIN_UNKNOWN, /* the interpreter cannot be looked at */
} PinState;

const char *pin_state_to_id(PinState p); /* "none", "current", "stale", "unknown" */

typedef struct StatusEntry {
        BinfmtEntry *entry;     /* owned */
        const BinfmtArch *arch; /* target this entry runs programs of, or NULL */
        bool ours;              /* binfmtd registered it (owned.c) */
        PinState pin;
        InterpCheck interp; /* the interpreter path as it is on disk now */
        /* Another tool's entry of a known target: whether it does that target's job, and the
         * file the tool registered it from (a binfmt.d file, an update-binfmts format). */
        bool provides;
        ProviderCheck provider;
        char *source; /* owned; NULL when unknown or ours */
} StatusEntry;

typedef struct Status {
        const SystemInfo *sys; /* borrowed */
        const char *mount;     /* borrowed */
        int mount_r;           /* 0 mounted; -EMEDIUMTYPE not binfmt_misc; -errno */
        int enabled;           /* instance switch: 1, 0, or -errno */
        int read_only;         /* 1, 0, or -errno */
        StatusEntry *entries;  /* sorted by name */
        size_t n_entries;
        size_t skipped;                          /* entry files that could not be parsed */
        const struct Verification *verification; /* borrowed; NULL when nothing was probed */
} Status;

/**
 * status_collect() - read the instance at @mount (never mounting it: looking must not change
 * anything) and judge each entry; ownership comes from the records under @state_dir, the
 * interpreters' verdicts through @cache when not NULL. Returns 0 (a missing instance is recorded
 * in mount_r) or -ENOMEM / -errno from listing.
 */
int status_collect(const SystemInfo *sys, const char *mount, const char *state_dir,
                   InterpCache *cache, Status *ret);

void status_done(Status *s);

/**
 * status_entry_arch() - the table target whose programs @e would run: the first target whose
 * own magic (its canonical header) the entry matches. NULL when none.
 */
const BinfmtArch *status_entry_arch(const BinfmtEntry *e);
