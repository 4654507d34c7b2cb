/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of release parsing and the features each version boundary brings.
 */

#include <stddef.h>

#include "binfmt/kernel.h"
#include "tests.h"

static KernelInfo parse_ok(const char *release)
{
        KernelInfo k;

        ASSERT_OK(kernel_parse_release(release, &k));
        return k;
}

TEST(releases)
{
        static const struct {
                const char *release;
                unsigned major, minor, patch;
        } ok[] = {
                {"6.18.44-fc-v657", 6, 18, 44},
                {"4.8.0-rc1", 4, 8, 0},
                {"2.6.32-5-amd64", 2, 6, 32},
                {"5.1", 5, 1, 0},
                {"4.19.0+", 4, 19, 0},
                {"3.10.0-1160.el7.x86_64", 3, 10, 0},
                {"6.1.0-37-amd64", 6, 1, 0},
                {"5.15.167.4-microsoft-standard-WSL2", 5, 15, 167},
                {"6.7-rc1", 6, 7, 0},
                {"4.9.337", 4, 9, 337},
                {"10.0", 10, 0, 0},
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                KernelInfo k = parse_ok(ok[i].release);

                ASSERT_EQ(k.major, ok[i].major);
                ASSERT_EQ(k.minor, ok[i].minor);
                ASSERT_EQ(k.patch, ok[i].patch);
        }
}

TEST(garbage)
{
        static const char *const bad[] = {
                "",      "abc",  "5",    "5.",   ".5",  "5.x",           "5..1",          "5.1.",
                "5.1.x", "-5.1", " 5.1", "v5.1", "0.1", "99999999999.1", "5.99999999999", "5,1",
                "linux",
        };
        KernelInfo k = {.major = 42, .buf_size = 7};

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = kernel_parse_release(bad[i], &k);

                if (r != -EINVAL)
                        fprintf(stderr, "accepted \"%s\"\n", bad[i]);
                ASSERT_ERROR(r, EINVAL);
        }
        ASSERT_ERROR(kernel_parse_release(NULL, &k), EINVAL);
        /* Nothing written on failure. */
        ASSERT_EQ(k.major, 42);
        ASSERT_EQ(k.buf_size, 7);
}

TEST(features)
{
        static const struct {
                const char *release;
                bool fix_binary;
                unsigned buf_size;
                bool argv0_auxv, userns_instances;
        } table[] = {
                {"2.6.32-5-amd64", false, 128, false, false},
                {"3.10.0-1160.el7.x86_64", false, 128, false, false},
                {"4.7.10", false, 128, false, false},
                {"4.8.0-rc1", true, 128, false, false},
                {"4.19.0+", true, 128, false, false},
                {"5.0.21", true, 128, false, false},
                {"5.1", true, 256, false, false},
                {"5.11.22", true, 256, false, false},
                {"5.12.0", true, 256, true, false},
                {"6.6.60", true, 256, true, false},
                {"6.7", true, 256, true, true},
                {"6.18.44-fc-v657", true, 256, true, true},
                {"7.0", true, 256, true, true},
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                KernelInfo k = parse_ok(table[i].release);

                fprintf(stderr, "   %s\n", table[i].release);
                ASSERT_EQ(k.fix_binary, table[i].fix_binary);
                ASSERT_EQ(k.buf_size, table[i].buf_size);
                ASSERT_EQ(k.argv0_auxv, table[i].argv0_auxv);
                ASSERT_EQ(k.userns_instances, table[i].userns_instances);
        }
}

TEST(format)
{
        KernelInfo k;
        char buf[256], tiny[8];

        k = parse_ok("6.18.44-fc-v657");
        ASSERT_STREQ(kernel_format_features(&k, buf, sizeof(buf)),
                     "F flag; 256-byte header buffer; P reported to the interpreter; "
                     "per-user-namespace instances");
        k = parse_ok("5.12.0");
        ASSERT_STREQ(kernel_format_features(&k, buf, sizeof(buf)),
                     "F flag; 256-byte header buffer; P reported to the interpreter");
        k = parse_ok("4.19.0+");
        ASSERT_STREQ(kernel_format_features(&k, buf, sizeof(buf)),
                     "F flag; 128-byte header buffer");
        k = parse_ok("4.4.0-210-generic");
        ASSERT_STREQ(kernel_format_features(&k, buf, sizeof(buf)),
                     "no F flag; 128-byte header buffer");

        /* Truncated, still terminated. */
        ASSERT_STREQ(kernel_format_features(&k, tiny, sizeof(tiny)), "no F fl");
        ASSERT_STREQ(kernel_format_features(NULL, buf, sizeof(buf)), "unknown kernel");
}

int main(void)
{
        RUN(releases);
        RUN(garbage);
        RUN(features);
        RUN(format);
        return 0;
}
