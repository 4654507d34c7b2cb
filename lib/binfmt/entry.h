/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"
#include "binfmt/rule.h"

/*
 * Kernel entries as read back from <mount>/<name>: parsing the entry file's text, and comparing
 * an entry with a rule by content. Entry files are untrusted input (another tool, or a future
 * kernel, may write what it likes): the parser bounds everything and never trusts lengths.
 */

typedef struct BinfmtEntry {
        BinfmtRule rule;         /* name, type, offset, magic, mask, extension, interpreter, flags */
        bool enabled;
        char *unknown_flags;     /* flag letters binfmtd does not know (newer kernels), or NULL */
        unsigned long inode;     /* set by the instance reader */
        uint64_t ctime_ns;       /* changes when the entry is switched off or on, too */
        size_t listed;           /* its place in the directory as read: newest first */
} BinfmtEntry;

BinfmtEntry *entry_free(BinfmtEntry *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(BinfmtEntry *, entry_free);

/**
 * entry_parse() - parse the text of entry file @name (@len bytes of @text, not necessarily
 * NUL-terminated) in the kernel's layout:
 *
 *   enabled|disabled
 *   interpreter <path>
 *   flags: <letters>
 *   offset <n> / magic <hex> / [mask <hex>]     or     extension .<ext>
 *
 * Unknown flag letters are kept in unknown_flags; unknown lines are ignored (a newer kernel may
 * add some). Returns 0, -EBADMSG with a reason in @ret_reason (may be NULL) if a required line
 * is missing or malformed, -ENOMEM.
 */
int entry_parse(const char *name, const char *text, size_t len, BinfmtEntry **ret,
                char **ret_reason);

/**
 * entry_same_match() - whether @e matches exactly the files @r matches: same type, offset,
 * magic, mask (an absent mask equals an all-0xff one), extension. binfmtd calls an entry with
 * its target's name and the table's match bytes its own.
 */
bool entry_same_match(const BinfmtEntry *e, const BinfmtRule *r);

/**
 * entry_equal_rule() - whether @e is exactly what registering @r produces: same match, same
 * interpreter, same flags (normalised: C implies O), enabled, no unknown flags.
 */
bool entry_equal_rule(const BinfmtEntry *e, const BinfmtRule *r);

/**
 * entry_describe_difference() - a short human text of how @e differs from @r ("interpreter
 * /usr/bin/qemu-aarch64 instead of /usr/bin/qemu-aarch64-static; flags POC instead of F"),
 * newly allocated; NULL when equal or on allocation failure.
 */
char *entry_describe_difference(const BinfmtEntry *e, const BinfmtRule *r);
