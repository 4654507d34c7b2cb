/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NULL-terminated string arrays, as systemd's strv: the one list type the modules pass around.
 */

#include "base/strv.h"

char **strv_free(char **l)
{
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l)
{
        size_t n = 0;

        if (!l)
                return 0;
        while (l[n])
                n++;
        return n;
}

int strv_push(char ***l, char *s)
{
        size_t n = strv_length(*l);
        char **c;

        c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c)
                return -ENOMEM;
        c[n] = s;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *s)
{
        char *d;
        int r;

        d = strdup(s);
        if (!d)
                return -ENOMEM;
        r = strv_push(l, d);
        if (r < 0)
                free(d);
        return r;
}

int strv_contains(char *const *l, const char *s)
{
        for (size_t i = 0; l && l[i]; i++)
                if (streq(l[i], s))
                        return 1;
        return 0;
}

char **strv_copy(char *const *l)
{
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));

        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

static int cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(char **l)
{
        size_t n = 0;

        while (l && l[n])
                n++;
        if (n > 1)
                qsort(l, n, sizeof(char *), cmp);
}
