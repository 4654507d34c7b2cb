/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "base/macro.h"

/*
 * What an operation did, line by line: an informational line, or an error with an optional
 * named Varlink error. binfmtctl prints a report (info on stdout, errors on stderr); the daemon
 * logs it and sends it as JSON. One producer (ops.c), one shape, whichever path runs it.
 */

#define BINFMTD_ERROR(name) "io.binfmtd." name

typedef struct ReportLine {
        bool error;
        char *id;    /* named error ("io.binfmtd.UnknownTarget") or NULL */
        char *text;
} ReportLine;

typedef struct Report {
        ReportLine *lines;
        size_t n;
        bool failed;
        bool oom;    /* a line could not be stored: the report is incomplete */
} Report;

void report_done(Report *r);

/* Both return the line's index or -ENOMEM (then r->oom is set and the line is lost). */
_printf_(2, 3) int report_info(Report *r, const char *fmt, ...);
_printf_(3, 4) int report_error(Report *r, const char *id, const char *fmt, ...);

/**
 * report_first_error_id() - the id of the first error line that has one, else a generic
 * "io.binfmtd.Failed"; NULL if the report has no error.
 */
const char *report_first_error_id(const Report *r);

/**
 * report_to_json() - {"failed": bool, "messages": [{"error": bool, "id": str|null, "text": str}]}.
 */
int report_to_json(const Report *r, struct json_object **ret);

/**
 * report_from_json() - the reverse, for a client. Returns 0 or -EBADMSG.
 */
int report_from_json(struct json_object *j, Report *ret);
