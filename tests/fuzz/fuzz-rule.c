/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for register strings: parse; validate an accepted rule against the portable
 * limits and a current kernel; encode it, parse the encoding and insist on the same rule; and
 * match it against the input bytes as a file header and as a path. Aborts on any disagreement.
 */

#include <stdint.h>

#include "binfmt/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const KernelInfo kernel_6 = {
        .major = 6,
        .minor = 18,
        .patch = 0,
        .fix_binary = true,
        .buf_size = 256,
        .argv0_auxv = true,
        .userns_instances = true,
};

static bool rules_equal(const BinfmtRule *a, const BinfmtRule *b)
{
        if (!streq_ptr(a->name, b->name) || a->type != b->type || a->flags != b->flags ||
            !streq_ptr(a->interpreter, b->interpreter) || !streq_ptr(a->extension, b->extension))
                return false;
        if (a->type != RULE_TYPE_MAGIC)
                return true;
        return a->offset == b->offset && a->magic_len == b->magic_len &&
               a->has_mask == b->has_mask && memcmp(a->magic, b->magic, a->magic_len) == 0 &&
               (!a->has_mask || memcmp(a->mask, b->mask, a->magic_len) == 0);
}

/* The only texts binfmtd's encoding refuses: those holding its delimiter or a newline. */
static bool encodable(const BinfmtRule *r)
{
        return !strpbrk(r->name, ":\n") && !strpbrk(r->interpreter, ":\n") &&
               (!r->extension || !strpbrk(r->extension, ":\n"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(rule_freep) BinfmtRule *r = NULL, *back = NULL;
        _cleanup_free_ char *reason = NULL, *reason_portable = NULL, *reason_6 = NULL;
        _cleanup_free_ char *encoded = NULL, *path = NULL;
        bool valid_portable, valid_6;
        int ret;

        ret = rule_from_register_string((const char *)data, size, &r, &reason);
        if (ret == -ENOMEM)
                return 0;
        if (ret < 0) {
                if (ret != -EINVAL || !reason || r)
                        abort();
                return 0;
        }
        if (!r || reason)
                abort();

        valid_portable = rule_validate(r, NULL, &reason_portable) >= 0;
        valid_6 = rule_validate(r, &kernel_6, &reason_6) >= 0;
        if (valid_portable == !!reason_portable || valid_6 == !!reason_6)
                abort();
        /* The portable limits are never looser than a current kernel's. */
        if (valid_portable && !valid_6)
                abort();

        ret = rule_to_register_string(r, &encoded);
        if (ret == -ENOMEM)
                return 0;
        if (ret < 0) {
                if (encodable(r) || valid_6)
                        abort();
        } else {
                char *back_reason = NULL;

                ret = rule_from_register_string(encoded, strlen(encoded), &back, &back_reason);
                free(back_reason);
                if (ret == -ENOMEM)
                        return 0;
                if (ret < 0) {
                        /* Escaping every byte can only make the string too long. */
                        if (strlen(encoded) <= RULE_REGISTER_MAX || valid_6)
                                abort();
                } else if (!rules_equal(r, back))
                        abort();
        }

        (void)rule_matches(r, data, size, "/usr/bin/prog.zz");
        (void)rule_matches(r, NULL, 0, NULL);
        path = strndup((const char *)data, size);
        if (path)
                (void)rule_matches(r, data, size / 2, path);

        return 0;
}
