/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading clocks, in one place: every module that times something or records when it happened
 * goes through now_usec().
 */

#include "base/time.h"

uint64_t now_usec(clockid_t clock)
{
        struct timespec ts;

        /* Cannot fail for the clocks used here; a zeroed time is the safe answer if it did. */
        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}
