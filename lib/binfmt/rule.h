/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/arch.h"
#include "binfmt/kernel.h"
#include "base/macro.h"

/*
 * The rule model: one binfmt_misc registration as binfmtd wants it, its validation against
 * every rule the kernel applies in create_entry() (and the stricter ones binfmtd adds), and the
 * register string in both directions.
 */

#define RULE_NAME_MAX        255  /* lookup_one_len() */
#define RULE_MAGIC_MAX       256  /* BINPRM_BUF_SIZE since 5.1 */
#define RULE_REGISTER_MIN    11
#define RULE_REGISTER_MAX    1920 /* MAX_REGISTER_LENGTH */
#define RULE_PORTABLE_BUF    128  /* BINPRM_BUF_SIZE before 5.1 */

enum {
        RULE_FLAG_P = 1 << 0, /* preserve argv[0] */
        RULE_FLAG_O = 1 << 1, /* open binary */
        RULE_FLAG_C = 1 << 2, /* credentials from the binary; implies O */
        RULE_FLAG_F = 1 << 3, /* fix binary: open the interpreter at registration */
        RULE_FLAGS_ALL = RULE_FLAG_P | RULE_FLAG_O | RULE_FLAG_C | RULE_FLAG_F,
};

typedef enum RuleType {
        RULE_TYPE_MAGIC = 'M',
        RULE_TYPE_EXTENSION = 'E',
} RuleType;

typedef struct BinfmtRule {
        char *name;
        RuleType type;
        unsigned offset;             /* M only */
        size_t magic_len;            /* M only: bytes in magic (and mask, when has_mask) */
        uint8_t magic[RULE_MAGIC_MAX];
        uint8_t mask[RULE_MAGIC_MAX];
        bool has_mask;
        char *extension;             /* E only, without the dot */
        char *interpreter;
        unsigned flags;              /* RULE_FLAG_* */
} BinfmtRule;

/**
 * rule_done() - free what @r owns (name, extension, interpreter) and clear those pointers, but
 * not @r itself: for a rule embedded in another object. Every owner of a BinfmtRule releases it
 * through here, so a new owned field is freed everywhere. Accepts NULL.
 */
void rule_done(BinfmtRule *r);

BinfmtRule *rule_free(BinfmtRule *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(BinfmtRule *, rule_free);

/**
 * rule_new_from_arch() - the rule binfmtd registers for @a: name "qemu-<name>", type M,
 * offset 0, the table's magic and mask, @interpreter and @flags.
 */
int rule_new_from_arch(const BinfmtArch *a, const char *interpreter, unsigned flags,
                       BinfmtRule **ret);

/**
 * rule_validate() - check @r against the kernel's rules for @k (NULL: the portable limits of
 * every kernel binfmtd supports) and binfmtd's own: name (not empty, ".", "..", "register",
 * "status", no '/', at most 255 bytes, no delimiter byte), type, offset, magic non-empty,
 * magic+offset within the header buffer, extension without '/' or '.', interpreter absolute
 * and non-empty, flags within POCF, F needs 4.8, the encoded string within 11..1920 bytes.
 *
 * Returns 0 if valid, or -EINVAL and a newly allocated reason in @ret_reason ("magic is 300
 * bytes, the kernel's header buffer is 256").
 */
int rule_validate(const BinfmtRule *r, const KernelInfo *k, char **ret_reason);

/**
 * rule_to_register_string() - encode @r as ":name:type:offset:magic:mask:interpreter:flags".
 * Magic and mask are written entirely as \xHH escapes, so no byte of them can be taken for the
 * delimiter or end the string. Returns 0, -EINVAL if a name/interpreter/extension contains
 * the delimiter ':' or a NUL or newline (which the kernel cannot take), -ENOMEM.
 */
int rule_to_register_string(const BinfmtRule *r, char **ret);

/**
 * rule_from_register_string() - parse a register string as the kernel's create_entry() would
 * (any first byte is the delimiter; \xHH escapes in magic and mask; an optional trailing
 * newline). @len bytes of @s; @s need not be NUL-terminated.
 *
 * Returns 0, or -EINVAL with a newly allocated reason in @ret_reason (may be NULL).
 */
int rule_from_register_string(const char *s, size_t len, BinfmtRule **ret, char **ret_reason);

/**
 * rule_matches() - whether the kernel would hand the file at @path, whose first @len bytes are
 * @hdr, to this rule (M: masked magic at offset; E: the text after the last '.' of the
 * basename equals the extension).
 */
bool rule_matches(const BinfmtRule *r, const uint8_t *hdr, size_t len, const char *path);

/**
 * rule_flags_normalize() - the flags as the kernel records them: C implies O.
 */
unsigned rule_flags_normalize(unsigned flags);

/**
 * rule_flag_from_letter() - the RULE_FLAG_* bit of flag letter @c (P, O, C or F,
 * case-sensitive as the kernel is), or 0 for any other byte.
 */
unsigned rule_flag_from_letter(char c);

/**
 * rule_flags_to_string() - the letters of @flags in the kernel's order P, O, C, F into @buf
 * (at least 5 bytes). Returns @buf.
 */
const char *rule_flags_to_string(unsigned flags, char buf[static 5]);

/**
 * rule_flags_from_string() - parse letters of POCF (any order, repeats allowed, case-sensitive
 * as the kernel is). Returns 0, or -EINVAL on any other byte.
 */
int rule_flags_from_string(const char *s, unsigned *ret);
