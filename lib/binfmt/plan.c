/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision for one desired rule against the kernel's entry of the same name. Ownership is
 * the caller's fact (owned.c records which names binfmtd registered in an instance); this module
 * turns it, and the two entries' content, into one action. An entry another tool registered is
 * never replaced without force, even with the very bytes binfmtd would use: DESIGN's rule is to
 * touch only what binfmtd created.
 *
 * Pure: no I/O.
 */

#include "binfmt/plan.h"

PlanAction plan_for_rule(const BinfmtRule *desired, const BinfmtEntry *current, bool ours,
                         bool force)
{
        if (!current)
                return PLAN_REGISTER;

        if (entry_equal_rule(current, desired))
                return PLAN_KEEP;

        if (!ours)
                return force ? PLAN_TAKE_OVER : PLAN_CONFLICT;

        /* Same content but switched off: switching it on is the smallest change. */
        if (!current->enabled && !current->unknown_flags && entry_same_match(current, desired) &&
            streq(current->rule.interpreter, desired->interpreter) &&
            rule_flags_normalize(current->rule.flags) == rule_flags_normalize(desired->flags))
                return PLAN_ENABLE;

        return PLAN_REPLACE;
}

static const char *const action_table[_PLAN_ACTION_MAX] = {
        [PLAN_REGISTER] = "register",
        [PLAN_KEEP] = "keep",
        [PLAN_ENABLE] = "enable",
        [PLAN_REPLACE] = "replace",
        [PLAN_CONFLICT] = "conflict",
        [PLAN_TAKE_OVER] = "take-over",
};

const char *plan_action_to_string(PlanAction a)
{
        if (a < 0 || a >= _PLAN_ACTION_MAX)
                return NULL;
        return action_table[a];
}

const char *plan_temp_name(const char *name, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s", name, PLAN_TEMP_SUFFIX);
        return buf;
}

bool plan_is_temp_name(const char *name)
{
        size_t l = strlen(name), sl = strlen(PLAN_TEMP_SUFFIX);

        return l > sl && streq(name + l - sl, PLAN_TEMP_SUFFIX);
}
