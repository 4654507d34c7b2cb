/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reports: the lines an operation produces, and their JSON form for the socket. Holds text
 * only; deciding what to say is the producer's, printing or logging is the consumer's.
 */

#include <stdarg.h>

#include "base/report.h"

void report_done(Report *r)
{
        for (size_t i = 0; i < r->n; i++) {
                free(r->lines[i].id);
                free(r->lines[i].text);
        }
        free(r->lines);
        *r = (Report){};
}

static int report_add(Report *r, bool error, const char *id, char *text)
{
        ReportLine *l;
        char *d = NULL;

        if (!text || (id && !(d = strdup(id)))) {
                free(text);
                r->oom = true;
                return -ENOMEM;
        }
        l = realloc(r->lines, sizeof(ReportLine) * (r->n + 1));
        if (!l) {
                free(text);
                free(d);
                r->oom = true;
                return -ENOMEM;
        }
        r->lines = l;
        r->lines[r->n] = (ReportLine){ .error = error, .id = d, .text = text };
        if (error)
                r->failed = true;
        return (int)r->n++;
}

int report_info(Report *r, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return report_add(r, false, NULL, s);
}

int report_error(Report *r, const char *id, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;

        r->failed = true; /* even if the text cannot be stored */
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return report_add(r, true, id, s);
}

const char *report_first_error_id(const Report *r)
{
        if (!r->failed)
                return NULL;
        for (size_t i = 0; i < r->n; i++)
                if (r->lines[i].error && r->lines[i].id)
                        return r->lines[i].id;
        return BINFMTD_ERROR("Failed");
}

int report_to_json(const Report *r, struct json_object **ret)
{
        struct json_object *o, *a;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        a = json_object_new_array();
        if (!a || json_object_object_add(o, "messages", a) < 0 ||
            json_object_object_add(o, "failed", json_object_new_boolean(r->failed)) < 0)
                goto oom;

        for (size_t i = 0; i < r->n; i++) {
                struct json_object *m = json_object_new_object();

                if (!m || json_object_array_add(a, m) < 0 ||
                    json_object_object_add(m, "error", json_object_new_boolean(r->lines[i].error)) <
                            0 ||
                    json_object_object_add(m, "id", r->lines[i].id ? json_object_new_string(
                                                                             r->lines[i].id)
                                                                   : NULL) < 0 ||
                    json_object_object_add(m, "text", json_object_new_string(r->lines[i].text)) <
                            0)
                        goto oom;
        }
        *ret = o;
        return 0;
oom:
        json_object_put(o);
        return -ENOMEM;
}

int report_from_json(struct json_object *j, Report *ret)
{
        struct json_object *a, *f;
        Report r = {};
        size_t n;

        if (!json_object_is_type(j, json_type_object) ||
            !json_object_object_get_ex(j, "messages", &a) ||
            !json_object_is_type(a, json_type_array))
                return -EBADMSG;

        n = json_object_array_length(a);
        for (size_t i = 0; i < n; i++) {
                struct json_object *m = json_object_array_get_idx(a, i), *e, *id, *t;

                if (!json_object_is_type(m, json_type_object) ||
                    !json_object_object_get_ex(m, "error", &e) ||
                    !json_object_is_type(e, json_type_boolean) ||
                    !json_object_object_get_ex(m, "text", &t) ||
                    !json_object_is_type(t, json_type_string)) {
                        report_done(&r);
                        return -EBADMSG;
                }
                id = json_object_object_get(m, "id");
                if (id && !json_object_is_type(id, json_type_string)) {
                        report_done(&r);
                        return -EBADMSG;
                }
                if (report_add(&r, json_object_get_boolean(e), id ? json_object_get_string(id) : NULL,
                               strdup(json_object_get_string(t))) < 0) {
                        report_done(&r);
                        return -ENOMEM;
                }
        }
        if (json_object_object_get_ex(j, "failed", &f) && json_object_get_boolean(f))
                r.failed = true;

        *ret = r;
        return 0;
}
