/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's release string and the binfmt_misc features it implies: F (4.8), the 256-byte
 * header buffer (5.1), P reported to the interpreter (5.12) and per-user-namespace instances
 * (6.7). Distribution kernels append anything after MAJOR.MINOR[.PATCH] ("-5-amd64", "+",
 * "-1160.el7.x86_64"), so only the leading numbers count.
 *
 * Pure: the caller passes uname()'s release; this module never asks the system itself, and it
 * does not probe for features, it only knows the versions that brought them.
 */

#include <limits.h>
#include <stddef.h>

#include "binfmt/kernel.h"
#include "base/macro.h"

/* Decimal digits at *p, advanced past them. */
static int parse_number(const char **p, unsigned *ret)
{
        unsigned long v = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (unsigned)(*s - '0');
                if (v > UINT_MAX / 10)
                        return -EINVAL;
        }
        *p = s;
        *ret = (unsigned)v;
        return 0;
}

static bool version_at_least(unsigned major, unsigned minor, unsigned want_major,
                             unsigned want_minor)
{
        return major > want_major || (major == want_major && minor >= want_minor);
}

int kernel_parse_release(const char *release, KernelInfo *ret)
{
        unsigned major, minor, patch = 0;
        const char *p = release;

        if (!release || !ret)
                return -EINVAL;
        if (parse_number(&p, &major) < 0 || *p++ != '.' || parse_number(&p, &minor) < 0)
                return -EINVAL;
        /* "5.1" has no patch level; "5.1.x" is not a release. Whatever follows the numbers
         * is the distribution's suffix. */
        if (*p == '.') {
                p++;
                if (parse_number(&p, &patch) < 0)
                        return -EINVAL;
        }
        /* No Linux release was ever numbered 0.x with binfmt_misc in it. */
        if (major == 0)
                return -EINVAL;

        *ret = (KernelInfo){
                .major = major,
                .minor = minor,
                .patch = patch,
                .fix_binary = version_at_least(major, minor, 4, 8),
                .buf_size = version_at_least(major, minor, 5, 1) ? 256 : 128,
                .argv0_auxv = version_at_least(major, minor, 5, 12),
                .userns_instances = version_at_least(major, minor, 6, 7),
        };
        return 0;
}

const char *kernel_format_features(const KernelInfo *k, char *buf, size_t size)
{
        if (!buf || size == 0)
                return buf;
        if (!k) {
                snprintf(buf, size, "unknown kernel");
                return buf;
        }
        snprintf(buf, size, "%s; %u-byte header buffer%s%s",
                 k->fix_binary ? "F flag" : "no F flag", k->buf_size,
                 k->argv0_auxv ? "; P reported to the interpreter" : "",
                 k->userns_instances ? "; per-user-namespace instances" : "");
        return buf;
}
