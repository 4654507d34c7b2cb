/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "binfmt/entry.h"
#include "binfmt/rule.h"

/*
 * Deciding what to do for one desired rule, given the kernel's entry of the same name (if any)
 * and whether binfmtd registered that entry (owned.c). Pure: reading and writing the kernel
 * is the caller's. The daemon's reconcile uses the same decision, so direct mode and the
 * daemon agree on what is ours and what is drift.
 */

typedef enum PlanAction {
        PLAN_REGISTER,      /* no entry of that name: register */
        PLAN_KEEP,          /* identical entry present: nothing to write (adopted if not ours) */
        PLAN_ENABLE,        /* ours, identical but disabled: write 1 */
        PLAN_REPLACE,       /* ours with other content: replace */
        PLAN_CONFLICT,      /* a foreign entry of that name: leave it, report */
        PLAN_TAKE_OVER,     /* a foreign entry, and the caller forces: replace */
        _PLAN_ACTION_MAX,
} PlanAction;

/**
 * plan_for_rule() - the action for @desired given the current entry @current (NULL: none).
 * @ours says binfmtd registered the entry of that name in this instance. An entry identical to
 * @desired is kept whoever made it: registering it again would change nothing. Any other entry
 * binfmtd did not register is foreign: @force turns CONFLICT into TAKE_OVER.
 */
PlanAction plan_for_rule(const BinfmtRule *desired, const BinfmtEntry *current, bool ours,
                         bool force);

const char *plan_action_to_string(PlanAction a);

/**
 * plan_temp_name() - the name a replacement is first registered under, so that a handler
 * exists at every moment ("qemu-aarch64.binfmtd-new"). Writes into @buf.
 */
const char *plan_temp_name(const char *name, char *buf, size_t size);

/* Whether @name is a replacement's temporary name. */
bool plan_is_temp_name(const char *name);

#define PLAN_TEMP_SUFFIX ".binfmtd-new"
