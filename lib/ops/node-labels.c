/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text of binfmtd's Node Feature Discovery feature file, made from readiness verdicts.
 * Pure: the daemon decides when to write it, and writes it atomically.
 */

#include <stdio.h>

#include "base/macro.h"
#include "ops/node-labels.h"

static bool label_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
}

int node_label_name(const char *platform, char *buf, size_t size)
{
        size_t l;
        int k;

        if (!platform || !*platform)
                return -EINVAL;
        k = snprintf(buf, size, "binfmtd-%s", platform);
        if (k < 0 || (size_t)k >= size || k > NODE_LABEL_MAX - 1)
                return -EINVAL;
        for (char *p = buf; *p; p++)
                if (!label_char(*p))
                        *p = '-';
        /* A name begins and ends with a letter or digit ("binfmtd-" takes care of the first). */
        l = strlen(buf);
        if (buf[l - 1] == '-' || buf[l - 1] == '.')
                return -EINVAL;
        return 0;
}

int node_labels_format(const PlatformVerdict *l, size_t n, char **ret)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        fputs("# binfmtd: the platforms verified to run in containers on this node\n", f);
        for (size_t i = 0; i < n; i++) {
                char name[NODE_LABEL_MAX];

                if (!l[i].verified || node_label_name(l[i].platform, name, sizeof(name)) < 0)
                        continue;
                fprintf(f, "%s=true\n", name);
        }
        if (fclose(f) != 0 || !text)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}
