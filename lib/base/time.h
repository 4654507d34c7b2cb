/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <time.h>

/*
 * The one clock helper. Intervals and deadlines use CLOCK_MONOTONIC (a wall-clock step must not
 * cut a probe short or stretch a timeout); "when it happened" uses CLOCK_REALTIME.
 */

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

/* @clock's current time in microseconds. */
uint64_t now_usec(clockid_t clock);
