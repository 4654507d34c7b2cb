/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Target names as users write them: QEMU names, aliases, OCI architectures and OCI platforms
 * ("linux/arm64/v8"). This module owns the mapping from such a name to a table entry, which
 * variants each OCI architecture accepts, and the rendering of a target's platform strings.
 *
 * It must not guess: a malformed name (empty, padded with spaces, stray slashes, an OS other than
 * linux, a variant the architecture does not have) is -EINVAL and an unknown one -ENOENT, never
 * a nearby match. Names are compared without regard to case, as containerd compares them.
 */

#include <ctype.h>

#include "base/macro.h"
#include "target/platform.h"
#include "base/strv.h"

/* Longer than any name in the table or any OS/ARCH/VARIANT built from one. */
#define NAME_MAX_LEN 64

/* Letters, digits and the punctuation real names use; anything else cannot be a target. */
static bool name_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == '/';
}

static const BinfmtArch *lookup(const char *name, size_t len)
{
        const BinfmtArch *table;
        size_t n;

        table = arch_table(&n);
        for (size_t i = 0; i < n; i++) {
                const BinfmtArch *a = &table[i];

                if (strlen(a->name) == len && strncasecmp(a->name, name, len) == 0)
                        return a;
                if (a->oci_arch && strlen(a->oci_arch) == len &&
                    strncasecmp(a->oci_arch, name, len) == 0)
                        return a;
                for (const char *const *al = a->aliases; al && *al; al++)
                        if (strlen(*al) == len && strncasecmp(*al, name, len) == 0)
                                return a;
        }
        return NULL;
}

/* "vN" or "vN.M" with single digits N in [lo, hi] and, when minor is allowed, M in 0-9. */
static bool variant_is_version(const char *v, char lo, char hi, bool minor)
{
        if (tolower((unsigned char)v[0]) != 'v' || v[1] < lo || v[1] > hi)
                return false;
        if (v[2] == '\0')
                return true;
        return minor && v[2] == '.' && isdigit((unsigned char)v[3]) && v[4] == '\0';
}

/*
 * Variants beyond the listed ones are accepted as containerd accepts them: amd64 microarchitecture
 * levels, 32-bit arm v5-v8, arm64 v8.x and v9.x. They all name the same emulator.
 */
static bool variant_ok(const BinfmtArch *a, const char *variant)
{
        for (const char *const *v = a->oci_variants; v && *v; v++)
                if (strcaseeq(*v, variant))
                        return true;

        if (!a->oci_arch)
                return false;
        if (streq(a->oci_arch, "amd64"))
                return variant_is_version(variant, '1', '4', false);
        if (streq(a->oci_arch, "arm"))
                return variant_is_version(variant, '5', '8', false);
        if (streq(a->oci_arch, "arm64"))
                return variant_is_version(variant, '8', '9', true);
        return false;
}

int platform_resolve(const char *name, const BinfmtArch **ret)
{
        const char *parts[3] = {};
        size_t lens[3] = {}, n = 0, len;
        const BinfmtArch *a;

        if (!name || !ret)
                return -EINVAL;

        len = strlen(name);
        if (len == 0 || len > NAME_MAX_LEN)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!name_char_ok(name[i]))
                        return -EINVAL;

        /* Split on '/' into at most three non-empty parts. */
        parts[0] = name;
        for (const char *p = name;; p++) {
                if (*p == '/' || *p == '\0') {
                        lens[n] = p - parts[n];
                        if (lens[n] == 0)
                                return -EINVAL;
                        n++;
                        if (*p == '\0')
                                break;
                        if (n == ELEMENTSOF(parts))
                                return -EINVAL;
                        parts[n] = p + 1;
                }
        }

        if (n == 1) {
                a = lookup(parts[0], lens[0]);
                if (!a)
                        return -ENOENT;
                *ret = a;
                return 0;
        }

        if (lens[0] != strlen("linux") || strncasecmp(parts[0], "linux", lens[0]) != 0)
                return -EINVAL;

        a = lookup(parts[1], lens[1]);
        if (!a)
                return -ENOENT;

        if (n == 3 && !variant_ok(a, parts[2]))
                return -EINVAL;

        *ret = a;
        return 0;
}

const char *platform_format(const BinfmtArch *a, char *buf, size_t size)
{
        int k;

        if (size == 0)
                return NULL;
        buf[0] = '\0';
        if (!a || !a->oci_arch)
                return NULL;

        if (a->oci_variants && a->oci_variants[0])
                k = snprintf(buf, size, "linux/%s/%s", a->oci_arch, a->oci_variants[0]);
        else
                k = snprintf(buf, size, "linux/%s", a->oci_arch);

        /* A cut-off platform string would name another platform: hand back nothing instead. */
        if (k < 0 || (size_t)k >= size) {
                buf[0] = '\0';
                return NULL;
        }
        return buf;
}

char **platform_list(const BinfmtArch *a)
{
        _cleanup_strv_free_ char **l = NULL;
        char buf[PLATFORM_MAX];

        l = calloc(1, sizeof(char *));
        if (!l)
                return NULL;
        if (!a || !a->oci_arch)
                return TAKE_PTR(l);

        if (!a->oci_variants || !a->oci_variants[0]) {
                if (snprintf(buf, sizeof(buf), "linux/%s", a->oci_arch) >= (int)sizeof(buf))
                        return NULL;
                if (strv_extend(&l, buf) < 0)
                        return NULL;
                return TAKE_PTR(l);
        }

        for (const char *const *v = a->oci_variants; *v; v++) {
                if (snprintf(buf, sizeof(buf), "linux/%s/%s", a->oci_arch, *v) >= (int)sizeof(buf))
                        return NULL;
                if (strv_extend(&l, buf) < 0)
                        return NULL;
        }
        return TAKE_PTR(l);
}
