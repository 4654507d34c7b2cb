/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The unit tests' only framework: assertions that name the file, line and both values, and
 * abort on failure. A test is a function; main() calls them in order. Exit code 77 skips.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"

#define EXIT_TEST_SKIP 77

#define ASSERT_TRUE(expr)                                                                          \
        do {                                                                                       \
                if (!(expr)) {                                                                     \
                        fprintf(stderr, "%s:%d: Assertion failed: %s\n", __FILE__, __LINE__,       \
                                #expr);                                                            \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

#define ASSERT_EQ(a, b)                                                                            \
        do {                                                                                       \
                intmax_t _a_ = (intmax_t)(a), _b_ = (intmax_t)(b);                                 \
                if (_a_ != _b_) {                                                                  \
                        fprintf(stderr, "%s:%d: Assertion failed: %s == %s (%jd != %jd)\n",        \
                                __FILE__, __LINE__, #a, #b, _a_, _b_);                             \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

#define ASSERT_OK(expr)                                                                            \
        do {                                                                                       \
                intmax_t _r_ = (intmax_t)(expr);                                                   \
                if (_r_ < 0) {                                                                     \
                        fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,       \
                                strerror((int)-_r_));                                              \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* Expects a specific negative errno. */
#define ASSERT_ERROR(expr, err)                                                                    \
        do {                                                                                       \
                intmax_t _r_ = (intmax_t)(expr);                                                   \
                if (_r_ != -(intmax_t)(err)) {                                                     \
                        fprintf(stderr, "%s:%d: %s returned %jd, expected -%s\n", __FILE__,        \
                                __LINE__, #expr, _r_, #err);                                       \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                         \
        do {                                                                                       \
                const char *_a_ = (a), *_b_ = (b);                                                 \
                if (!streq_ptr(_a_, _b_)) {                                                        \
                        fprintf(stderr, "%s:%d: Assertion failed: %s == %s (\"%s\" != \"%s\")\n",  \
                                __FILE__, __LINE__, #a, #b, _a_ ?: "(null)", _b_ ?: "(null)");     \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

#define ASSERT_NOT_NULL(p) ASSERT_TRUE((p) != NULL)
#define ASSERT_NULL(p)     ASSERT_TRUE((p) == NULL)

/* Substring check, for reasons that must name the offending value. */
#define ASSERT_CONTAINS(haystack, needle)                                                          \
        do {                                                                                       \
                const char *_h_ = (haystack), *_n_ = (needle);                                     \
                if (!_h_ || !strstr(_h_, _n_)) {                                                   \
                        fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,       \
                                __LINE__, _h_ ?: "(null)", _n_);                                   \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                                  \
        do {                                                                                       \
                fprintf(stderr, "== %s\n", #name);                                                 \
                test_##name();                                                                     \
        } while (0)
