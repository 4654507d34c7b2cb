/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision for one desired rule against the kernel's entry of the same name, and what makes
 * an entry binfmtd's own. Ownership is read from the entry itself, not from a state file: an
 * entry is ours when it carries the name binfmtd gives a table target and exactly that target's
 * match bytes. Its interpreter, flags and enabled state are what may drift, so they do not
 * count. That makes adoption after a restart, or in a fresh binfmtctl run, automatic, and keeps
 * entries of other tools with other names or other match bytes out of reach.
 *
 * Pure: no I/O.
 */

#include "plan.h"

bool plan_entry_is_ours(const BinfmtEntry *e, const BinfmtArch **ret_arch)
{
        size_t n;
        const BinfmtArch *table = arch_table(&n);
        const char *name = e->rule.name;
        char base[RULE_NAME_MAX + 1];
        size_t l = strlen(name), sl = strlen(PLAN_TEMP_SUFFIX);

        /* A replacement's temporary entry is ours as well (left behind if we were killed). */
        if (l > sl && l - sl <= RULE_NAME_MAX && streq(name + l - sl, PLAN_TEMP_SUFFIX)) {
                memcpy(base, name, l - sl);
                base[l - sl] = '\0';
                name = base;
        }

        for (size_t i = 0; i < n; i++) {
                char en[ARCH_ENTRY_NAME_MAX];
                _cleanup_(rule_freep) BinfmtRule *r = NULL;

                if (!streq(arch_entry_name(&table[i], en, sizeof(en)), name))
                        continue;
                /* The interpreter does not matter for the match bytes. */
                if (rule_new_from_arch(&table[i], "/", 0, &r) < 0)
                        return false;
                if (!entry_same_match(e, r))
                        return false;
                if (ret_arch)
                        *ret_arch = &table[i];
                return true;
        }
        return false;
}

PlanAction plan_for_rule(const BinfmtRule *desired, const BinfmtEntry *current, bool force)
{
        if (!current)
                return PLAN_REGISTER;

        if (!entry_same_match(current, desired))
                return force ? PLAN_TAKE_OVER : PLAN_CONFLICT;

        if (entry_equal_rule(current, desired))
                return PLAN_KEEP;

        /* Same content but switched off: switching it on is the smallest change. */
        if (!current->enabled && streq(current->rule.interpreter, desired->interpreter) &&
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
