/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "plan.h"
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

        ASSERT_EQ(plan_for_rule(r, NULL, false), PLAN_REGISTER);
        ASSERT_EQ(plan_for_rule(r, e, false), PLAN_KEEP);
        ASSERT_EQ(plan_for_rule(r, e, true), PLAN_KEEP);

        e->enabled = false;
        ASSERT_EQ(plan_for_rule(r, e, false), PLAN_ENABLE);
        e->enabled = true;

        /* Drift in what binfmtd owns: flags, interpreter. */
        e->rule.flags = 0;
        ASSERT_EQ(plan_for_rule(r, e, false), PLAN_REPLACE);
        e->rule.flags = RULE_FLAG_F;
        free(e->rule.interpreter);
        e->rule.interpreter = strdup("/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
        ASSERT_EQ(plan_for_rule(r, e, false), PLAN_REPLACE);
        e->enabled = false;
        ASSERT_EQ(plan_for_rule(r, e, false), PLAN_REPLACE);
        e->enabled = true;

        /* Other match bytes: not ours. */
        e->rule.mask[7] = 0xfc;
        ASSERT_EQ(plan_for_rule(r, e, false), PLAN_CONFLICT);
        ASSERT_EQ(plan_for_rule(r, e, true), PLAN_TAKE_OVER);
}

TEST(ownership)
{
        _cleanup_(rule_freep) BinfmtRule *r = desired("s390x", "/usr/bin/qemu-s390x-static",
                                                      RULE_FLAG_F | RULE_FLAG_P);
        _cleanup_(entry_freep) BinfmtEntry *e = entry_of(r);
        const BinfmtArch *a = NULL;

        ASSERT_TRUE(plan_entry_is_ours(e, &a));
        ASSERT_STREQ(a->name, "s390x");

        /* Interpreter and flags do not decide ownership. */
        free(e->rule.interpreter);
        e->rule.interpreter = strdup("/elsewhere/qemu-s390x");
        e->rule.flags = RULE_FLAG_O | RULE_FLAG_C;
        ASSERT_TRUE(plan_entry_is_ours(e, NULL));

        /* The temporary name of a replacement is ours too. */
        free(e->rule.name);
        e->rule.name = strdup("qemu-s390x" PLAN_TEMP_SUFFIX);
        ASSERT_TRUE(plan_entry_is_ours(e, NULL));

        /* Another name with the same bytes is someone else's entry. */
        free(e->rule.name);
        e->rule.name = strdup("s390x");
        ASSERT_FALSE(plan_entry_is_ours(e, NULL));

        /* Our name but the bytes of another table (byte 7 masked as Debian does). */
        free(e->rule.name);
        e->rule.name = strdup("qemu-s390x");
        e->rule.mask[7] = 0xfc;
        ASSERT_FALSE(plan_entry_is_ours(e, NULL));

        /* Our name, but the bytes of another target. */
        _cleanup_(rule_freep) BinfmtRule *r2 = desired("aarch64", "/x", RULE_FLAG_F);
        _cleanup_(entry_freep) BinfmtEntry *e2 = entry_of(r2);
        free(e2->rule.name);
        e2->rule.name = strdup("qemu-s390x");
        ASSERT_FALSE(plan_entry_is_ours(e2, NULL));
}

TEST(names)
{
        char buf[RULE_NAME_MAX + 1];

        ASSERT_STREQ(plan_temp_name("qemu-aarch64", buf, sizeof(buf)),
                     "qemu-aarch64.binfmtd-new");
        ASSERT_STREQ(plan_action_to_string(PLAN_TAKE_OVER), "take-over");
        ASSERT_NULL(plan_action_to_string(_PLAN_ACTION_MAX));
}

int main(void)
{
        RUN(actions);
        RUN(ownership);
        RUN(names);
        return 0;
}
