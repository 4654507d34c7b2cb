/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "base/strv.h"
#include "tests.h"

TEST(extend_and_contains)
{
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_EQ(strv_length(l), 0);
        ASSERT_FALSE(strv_contains(l, "a"));
        ASSERT_OK(strv_extend(&l, "a"));
        ASSERT_OK(strv_extend(&l, "b"));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(l[0], "a");
        ASSERT_STREQ(l[1], "b");
        ASSERT_NULL(l[2]);
        ASSERT_TRUE(strv_contains(l, "b"));
        ASSERT_FALSE(strv_contains(l, "c"));
}

TEST(push_takes_ownership)
{
        _cleanup_strv_free_ char **l = NULL;
        char *s = strdup("x");

        ASSERT_NOT_NULL(s);
        ASSERT_OK(strv_push(&l, s));
        ASSERT_TRUE(l[0] == s);
}

int main(void)
{
        RUN(extend_and_contains);
        RUN(push_takes_ownership);
        return 0;
}
