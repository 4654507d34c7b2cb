/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "entry.h"
#include "rule.h"

/*
 * Deciding what to do for one desired rule, given the kernel's entry of the same name (if any).
 * Pure: reading and writing the kernel is the caller's. The daemon's reconcile uses the same
 * decision, so direct mode and the daemon agree on what is "ours" and what is drift.
 */

typedef enum PlanAction {
        PLAN_REGISTER,      /* no entry of that name: register */
        PLAN_KEEP,          /* identical entry present: nothing to write */
        PLAN_ENABLE,        /* identical but disabled: write 1 */
        PLAN_REPLACE,       /* our entry (same match bytes) with other content: replace */
        PLAN_CONFLICT,      /* a foreign entry of that name: leave it, report */
        PLAN_TAKE_OVER,     /* a foreign entry, and the caller forces: replace */
        _PLAN_ACTION_MAX,
} PlanAction;

/**
 * plan_for_rule() - the action for @desired given the current entry @current (NULL: none).
 * @force turns CONFLICT into TAKE_OVER.
 */
PlanAction plan_for_rule(const BinfmtRule *desired, const BinfmtEntry *current, bool force);

/**
 * plan_entry_is_ours() - an entry is binfmtd's when its name and its match bytes (type, offset,
 * magic, mask) are those binfmtd registers for a table target. Interpreter and flags do not
 * count: they are what drifts.
 */
bool plan_entry_is_ours(const BinfmtEntry *e, const BinfmtArch **ret_arch);

const char *plan_action_to_string(PlanAction a);

/**
 * plan_temp_name() - the name a replacement is first registered under, so that a handler
 * exists at every moment ("qemu-aarch64.binfmtd-new"). Writes into @buf.
 */
const char *plan_temp_name(const char *name, char *buf, size_t size);

#define PLAN_TEMP_SUFFIX ".binfmtd-new"
