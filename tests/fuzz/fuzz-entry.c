/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for entry files: parse the input as the text of an entry; an accepted entry must
 * match and equal its own rule exactly when it is enabled and has no unknown flags, and the
 * description of the difference must agree with that.
 */

#include <stdint.h>

#include "binfmt/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(entry_freep) BinfmtEntry *e = NULL;
        _cleanup_free_ char *reason = NULL, *diff = NULL;
        bool equal;
        int r;

        r = entry_parse("fuzz", (const char *)data, size, &e, &reason);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                if (r != -EBADMSG || !reason || e)
                        abort();
                return 0;
        }
        if (!e || reason || !e->rule.interpreter || !e->rule.name)
                abort();
        if (e->rule.type == RULE_TYPE_MAGIC ? e->rule.magic_len == 0 || e->rule.extension
                                            : !e->rule.extension || e->rule.magic_len != 0)
                abort();

        if (!entry_same_match(e, &e->rule))
                abort();
        equal = entry_equal_rule(e, &e->rule);
        if (equal != (e->enabled && !e->unknown_flags))
                abort();
        diff = entry_describe_difference(e, &e->rule);
        if (equal && diff)
                abort();
        /* Not equal means something to describe (a disabled entry or unknown flags). */
        if (!equal && !diff)
                abort();

        return 0;
}
