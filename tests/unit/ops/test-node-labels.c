/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/ops/node-labels.c: label names made from every platform binfmtd knows are valid
 * Kubernetes label names (checked here against the rule itself: at most 63 characters, [a-z0-9]
 * at both ends, [-a-z0-9._] between), names that cannot be one are refused, and the feature
 * file lists exactly the verified platforms.
 */

#include "base/strv.h"
#include "ops/node-labels.h"
#include "target/platform.h"
#include "tests.h"

static bool valid_label_name(const char *s)
{
        size_t l = strlen(s);

        if (l == 0 || l > 63)
                return false;
        for (size_t i = 0; i < l; i++) {
                char c = s[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

                if ((i == 0 || i == l - 1) ? !alnum : !(alnum || c == '-' || c == '.' || c == '_'))
                        return false;
        }
        return true;
}

static void test_names(void)
{
        size_t n;
        const BinfmtArch *table = arch_table(&n);
        char buf[NODE_LABEL_MAX];

        ASSERT_OK(node_label_name("linux/arm/v7", buf, sizeof(buf)));
        ASSERT_STREQ(buf, "binfmtd-linux-arm-v7");
        ASSERT_OK(node_label_name("linux/amd64/v3", buf, sizeof(buf)));
        ASSERT_STREQ(buf, "binfmtd-linux-amd64-v3");
        ASSERT_OK(node_label_name("mipsn32el", buf, sizeof(buf)));
        ASSERT_STREQ(buf, "binfmtd-mipsn32el");

        /* Every platform of every target, and every target's own name. */
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **pl = platform_list(&table[i]);

                ASSERT_NOT_NULL(pl);
                ASSERT_OK(node_label_name(table[i].name, buf, sizeof(buf)));
                ASSERT_TRUE(valid_label_name(buf));
                STRV_FOREACH (p, pl) {
                        ASSERT_OK(node_label_name(*p, buf, sizeof(buf)));
                        if (!valid_label_name(buf))
                                fprintf(stderr, "invalid: %s -> %s\n", *p, buf);
                        ASSERT_TRUE(valid_label_name(buf));
                }
        }

        ASSERT_ERROR(node_label_name("", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(node_label_name("linux/", buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(node_label_name("linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", buf,
                                     sizeof(buf)),
                     EINVAL);
}

static void test_format(void)
{
        PlatformVerdict l[3] = {
                {.platform = "linux/amd64", .verified = true},
                {.platform = "linux/arm64", .verified = false},
                {.platform = "linux/arm/v7", .verified = true},
        };
        _cleanup_free_ char *text = NULL;

        ASSERT_OK(node_labels_format(l, 3, &text));
        ASSERT_TRUE(startswith(text, "# "));
        ASSERT_STREQ(strchr(text, '\n') + 1, "binfmtd-linux-amd64=true\nbinfmtd-linux-arm-v7=true\n");
}

int main(void)
{
        test_names();
        test_format();
        return 0;
}
