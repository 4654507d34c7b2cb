/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

#include "base/macro.h"

/*
 * The daemon's log: one line per message on stderr. Under systemd (JOURNAL_STREAM set) each
 * line carries its syslog priority as a "<N>" prefix, which the journal understands.
 */

void log_setup(void);
_printf_(2, 3) void log_full(int priority, const char *fmt, ...);

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

/* Logs and returns the negative errno, systemd style. */
#define log_error_errno(r, ...) ({ log_error(__VA_ARGS__); (r) < 0 ? (r) : -(r); })

void log_set_max_level(int priority);
