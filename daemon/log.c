/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for the daemon: stderr, with journal priority prefixes under systemd. Nothing in
 * lib/ logs; the daemon logs what lib/ reports.
 */

#include <stdarg.h>

#include "log.h"

static bool use_prefix;
static int max_level = LOG_INFO;

void log_setup(void)
{
        use_prefix = getenv("JOURNAL_STREAM") != NULL;
        if (getenv("BINFMTD_DEBUG"))
                max_level = LOG_DEBUG;
}

void log_set_max_level(int priority)
{
        max_level = priority;
}

void log_full(int priority, const char *fmt, ...)
{
        int saved = errno;
        va_list ap;

        if (priority > max_level) {
                errno = saved;
                return;
        }
        if (use_prefix)
                fprintf(stderr, "<%d>", priority);
        else
                fputs("binfmtd: ", stderr);
        va_start(ap, fmt);
        errno = saved; /* %m */
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        errno = saved;
}
