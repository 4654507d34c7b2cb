/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "binfmt/plan.h"
#include "tests.h"

static BinfmtRule *desired(const char *arch, const char *interp, unsigned flags)
{
        BinfmtRule *r = NULL;

        ASSERT_OK(rule_new_from_arch(arch_by_name(arch), interp, flags, &r));
        return r;
}

/* An entry as the kernel would show it after registering @r, then changed by the caller. */
static BinfmtEntry *entry_of(const BinfmtRule *r)
{
        _cleanup_free_ char *s = NULL;
        BinfmtRule *copy = NULL;
        BinfmtEntry *e;

        ASSERT_OK(rule_to_register_string(r, &s));
        ASSERT_OK(rule_from_register_string(s, strlen(s), &copy, NULL));
        e = calloc(1, sizeof(*e));
        ASSERT_NOT_NULL(e);
        e->rule = *copy;
        free(copy);
        e->rule.flags = rule_flags_normalize(e->rule.flags);
        e->enabled = true;
        return e;
}

TEST(actions)
{
        _cleanup_(rule_freep) BinfmtRule *r = desired("aarch64", "/usr/bin/qemu-aarch64-static",
                                                      RULE_FLAG_F);
        _cleanup_(entry_freep) BinfmtEntry *e = entry_of(r);

        ASSERT_EQ(plan_for_rule(r, NULL, false, false), PLAN_REGISTER);
        /* Identical: kept, whoever registered it (adoption). */
        ASSERT_EQ(plan_for_rule(r, e, true, false), PLAN_KEEP);
        ASSERT_EQ(plan_for_rule(r, e, false, false), PLAN_KEEP);
        ASSERT_EQ(plan_for_rule(r, e, false, true), PLAN_KEEP);

        e->enabled = false;
        ASSERT_EQ(plan_for_rule(r, e, true, false), PLAN_ENABLE);
        /* Someone else's disabled entry is not ours to switch on. */
        ASSERT_EQ(plan_for_rule(r, e, false, false), PLAN_CONFLICT);
        e->enabled = true;

        /* Drift of our entry: flags, interpreter. */
        e->rule.flags = 0;
        ASSERT_EQ(plan_for_rule(r, e, true, false), PLAN_REPLACE);
        e->rule.flags = RULE_FLAG_F;
        free(e->rule.interpreter);
        e->rule.interpreter = strdup("/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
        ASSERT_EQ(plan_for_rule(r, e, true, false), PLAN_REPLACE);
        e->enabled = false;
        ASSERT_EQ(plan_for_rule(r, e, true, false), PLAN_REPLACE);
        e->enabled = true;

        /* Another tool's entry with binfmtd's very bytes but other flags (tonistiigi/binfmt,
         * Debian): foreign, left alone unless forced. */
        ASSERT_EQ(plan_for_rule(r, e, false, false), PLAN_CONFLICT);
        ASSERT_EQ(plan_for_rule(r, e, false, true), PLAN_TAKE_OVER);

        /* Ours with other match bytes (e.g. an older table): replaced. */
        e->rule.mask[7] = 0xfc;
        ASSERT_EQ(plan_for_rule(r, e, true, false), PLAN_REPLACE);
        ASSERT_EQ(plan_for_rule(r, e, false, false), PLAN_CONFLICT);

        /* Unknown flags are never "the same". */
        e->rule.mask[7] = 0x00;
        free(e->rule.interpreter);
        e->rule.interpreter = strdup("/usr/bin/qemu-aarch64-static");
        e->unknown_flags = strdup("T");
        e->enabled = false;
        ASSERT_EQ(plan_for_rule(r, e, true, false), PLAN_REPLACE);
}

TEST(names)
{
        char buf[RULE_NAME_MAX + 1];

        ASSERT_STREQ(plan_temp_name("qemu-aarch64", buf, sizeof(buf)),
                     "qemu-aarch64.binfmtd-new");
        ASSERT_STREQ(plan_action_to_string(PLAN_TAKE_OVER), "take-over");
        ASSERT_TRUE(plan_is_temp_name("qemu-aarch64.binfmtd-new"));
        ASSERT_FALSE(plan_is_temp_name(".binfmtd-new"));
        ASSERT_FALSE(plan_is_temp_name("qemu-aarch64.binfmtd-new.x"));
        ASSERT_FALSE(plan_is_temp_name("qemu-aarch64"));
        ASSERT_NULL(plan_action_to_string(_PLAN_ACTION_MAX));
}

int main(void)
{
        RUN(actions);
        RUN(names);
        return 0;
}
