/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel entries as read back from an entry file: parsing the text, and comparing an entry with
 * a rule by content, which is how binfmtd decides whether an entry is its own and whether it
 * has drifted.
 *
 * The text is untrusted. Another tool or a newer kernel may write anything there, and the kernel
 * itself prints the interpreter verbatim, newlines included. So the parser bounds every field,
 * reads the interpreter up to the flags line that follows it, refuses NUL bytes and repeated
 * lines (a second "flags:" line is how a crafted interpreter would try to pass for something
 * else), keeps flag letters it does not know, and skips lines it does not know rather than
 * failing on them.
 *
 * Pure: no I/O, no logging. Reading the file is the instance module's job.
 */

#include <limits.h>
#include <stdarg.h>

#include "binfmt/entry.h"
#include "base/text.h"

BinfmtEntry *entry_free(BinfmtEntry *e)
{
        if (!e)
                return NULL;
        rule_done(&e->rule);
        free(e->unknown_flags);
        free(e);
        return NULL;
}

/* Entry text is untrusted, and may be of any length: shown escaped, cut when long. */
static const char *printable(const char *s, char buf[static TEXT_QUOTE_MAX])
{
        return s ? text_escape(s, strlen(s), TEXT_QUOTE_BYTES_MAX, TEXT_ESCAPE_BACKSLASH, buf)
                 : "(none)";
}

/* Stores a reason (when asked for one) and returns -EBADMSG, or -ENOMEM if it cannot. */
#define malformed(ret_reason, ...) text_refuse(ret_reason, -EBADMSG, __VA_ARGS__)

/* The kernel prints magic and mask as plain lowercase hex; uppercase is accepted as well. */
static int parse_hex(const char *field, const char *v, size_t n, uint8_t out[static RULE_MAGIC_MAX],
                     size_t *ret_len, char **ret_reason)
{
        char q[TEXT_QUOTE_MAX];

        if (n == 0)
                return malformed(ret_reason, "%s is empty", field);
        if (n % 2 != 0)
                return malformed(ret_reason, "%s has an odd number of hex digits (%zu)", field, n);
        if (n / 2 > RULE_MAGIC_MAX)
                return malformed(ret_reason, "%s is %zu bytes, at most %d are possible", field,
                                 n / 2, RULE_MAGIC_MAX);
        for (size_t i = 0; i < n; i += 2) {
                int b = text_hex_byte(v + i);

                if (b < 0)
                        return malformed(ret_reason, "%s %s is not hex", field,
                                         text_quote(v, n, q));
                out[i / 2] = (uint8_t)b;
        }
        *ret_len = n / 2;
        return 0;
}

static int parse_decimal(const char *v, size_t n, unsigned *ret)
{
        unsigned long long x = 0;

        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return -EINVAL;
                x = x * 10 + (unsigned)(v[i] - '0');
                /* The kernel's offset is an int. */
                if (x > INT_MAX)
                        return -EINVAL;
        }
        *ret = (unsigned)x;
        return 0;
}

/* If @line is "@key" or "@key <value>", the value (possibly empty); otherwise NULL. */
static const char *line_value(const char *line, size_t n, const char *key, size_t *ret_n)
{
        size_t k = strlen(key);

        if (n < k || memcmp(line, key, k) != 0)
                return NULL;
        if (n == k) {
                *ret_n = 0;
                return line + n;
        }
        if (line[k] != ' ')
                return NULL;
        *ret_n = n - k - 1;
        return line + k + 1;
}

enum {
        SEEN_STATUS = 1 << 0,
        SEEN_INTERPRETER = 1 << 1,
        SEEN_FLAGS = 1 << 2,
        SEEN_OFFSET = 1 << 3,
        SEEN_MAGIC = 1 << 4,
        SEEN_MASK = 1 << 5,
        SEEN_EXTENSION = 1 << 6,
};

static int seen_once(unsigned *seen, unsigned bit, const char *what, char **ret_reason)
{
        if (*seen & bit)
                return malformed(ret_reason, "the %s line appears more than once", what);
        *seen |= bit;
        return 0;
}

int entry_parse(const char *name, const char *text, size_t len, BinfmtEntry **ret,
                char **ret_reason)
{
        _cleanup_(entry_freep) BinfmtEntry *e = NULL;
        _cleanup_free_ char *unknown = NULL;
        size_t n_unknown = 0, mask_len = 0;
        const char *p, *end;
        unsigned seen = 0;
        char q[TEXT_QUOTE_MAX];
        int r;

        if (!name || (!text && len > 0) || !ret)
                return -EINVAL;
        if (len > 0 && memchr(text, '\0', len))
                return malformed(ret_reason, "entry contains a NUL byte");

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->rule.name = strdup(name);
        if (!e->rule.name)
                return -ENOMEM;

        for (p = text, end = text + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = (size_t)((nl ?: end) - p), vn;
                const char *line = p, *v;

                p = nl ? nl + 1 : end;

                if ((n == 7 && memcmp(line, "enabled", 7) == 0) ||
                    (n == 8 && memcmp(line, "disabled", 8) == 0)) {
                        r = seen_once(&seen, SEEN_STATUS, "enabled/disabled", ret_reason);
                        if (r < 0)
                                return r;
                        e->enabled = line[0] == 'e';

                } else if ((v = line_value(line, n, "interpreter", &vn))) {
                        const char *flags_line;

                        r = seen_once(&seen, SEEN_INTERPRETER, "interpreter", ret_reason);
                        if (r < 0)
                                return r;
                        /* The kernel prints the interpreter verbatim and the flags line right
                         * after it, so the interpreter runs up to the next "flags:" line, newlines
                         * and all. Otherwise "/usr/bin/qemu-aarch64-static\nx" would read back
                         * as the plain path. A "flags:" inside the interpreter cuts it short,
                         * but then the real flags line comes twice and the entry is refused. */
                        if (nl && v + vn == nl) {
                                flags_line = memmem(nl, (size_t)(end - nl), "\nflags:", 7);
                                vn = (size_t)((flags_line ?: end) - v);
                                p = flags_line ? flags_line + 1 : end;
                        }
                        if (vn == 0)
                                return malformed(ret_reason, "interpreter is empty");
                        if (vn > RULE_REGISTER_MAX)
                                return malformed(ret_reason,
                                                 "interpreter is %zu bytes, longer than any "
                                                 "registration can be",
                                                 vn);
                        e->rule.interpreter = strndup(v, vn);
                        if (!e->rule.interpreter)
                                return -ENOMEM;

                } else if (n >= 6 && memcmp(line, "flags:", 6) == 0) {
                        r = seen_once(&seen, SEEN_FLAGS, "flags", ret_reason);
                        if (r < 0)
                                return r;
                        v = line + 6;
                        vn = n - 6;
                        if (vn > 0 && v[0] == ' ') {
                                v++;
                                vn--;
                        }
                        for (size_t i = 0; i < vn; i++) {
                                unsigned f = rule_flag_from_letter(v[i]);

                                if (f != 0) {
                                        e->rule.flags |= f;
                                        continue;
                                }
                                if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z')))
                                        return malformed(ret_reason,
                                                         "flags %s contain a byte that is not a "
                                                         "letter",
                                                         text_quote(v, vn, q));
                                /* A flag of a newer kernel: kept, so the entry is never taken
                                 * for one binfmtd fully understands. */
                                if (unknown && memchr(unknown, v[i], n_unknown))
                                        continue;
                                if (!unknown) {
                                        unknown = malloc(vn + 1);
                                        if (!unknown)
                                                return -ENOMEM;
                                }
                                unknown[n_unknown++] = v[i];
                                unknown[n_unknown] = '\0';
                        }

                } else if ((v = line_value(line, n, "offset", &vn))) {
                        r = seen_once(&seen, SEEN_OFFSET, "offset", ret_reason);
                        if (r < 0)
                                return r;
                        if (parse_decimal(v, vn, &e->rule.offset) < 0)
                                return malformed(ret_reason,
                                                 "offset %s is not a number from 0 to %d",
                                                 text_quote(v, vn, q), INT_MAX);

                } else if ((v = line_value(line, n, "magic", &vn))) {
                        r = seen_once(&seen, SEEN_MAGIC, "magic", ret_reason);
                        if (r < 0)
                                return r;
                        r = parse_hex("magic", v, vn, e->rule.magic, &e->rule.magic_len,
                                      ret_reason);
                        if (r < 0)
                                return r;

                } else if ((v = line_value(line, n, "mask", &vn))) {
                        r = seen_once(&seen, SEEN_MASK, "mask", ret_reason);
                        if (r < 0)
                                return r;
                        r = parse_hex("mask", v, vn, e->rule.mask, &mask_len, ret_reason);
                        if (r < 0)
                                return r;
                        e->rule.has_mask = true;

                } else if ((v = line_value(line, n, "extension", &vn))) {
                        r = seen_once(&seen, SEEN_EXTENSION, "extension", ret_reason);
                        if (r < 0)
                                return r;
                        if (vn < 2 || v[0] != '.')
                                return malformed(ret_reason, "extension %s is not a '.' and a name",
                                                 text_quote(v, vn, q));
                        if (vn > RULE_REGISTER_MAX)
                                return malformed(ret_reason,
                                                 "extension is %zu bytes, longer than "
                                                 "any registration can be",
                                                 vn);
                        e->rule.extension = strndup(v + 1, vn - 1);
                        if (!e->rule.extension)
                                return -ENOMEM;
                }
                /* Anything else is a line of a newer kernel: skipped. */
        }

        if (!(seen & SEEN_STATUS))
                return malformed(ret_reason, "the enabled/disabled line is missing");
        if (!(seen & SEEN_INTERPRETER))
                return malformed(ret_reason, "the interpreter line is missing");
        if (!(seen & SEEN_FLAGS))
                return malformed(ret_reason, "the flags line is missing");

        if (seen & SEEN_EXTENSION) {
                if (seen & (SEEN_OFFSET | SEEN_MAGIC | SEEN_MASK))
                        return malformed(ret_reason,
                                         "entry has both an extension and offset/magic/mask lines");
                e->rule.type = RULE_TYPE_EXTENSION;
        } else {
                if (!(seen & SEEN_OFFSET))
                        return malformed(ret_reason, "the offset line is missing");
                if (!(seen & SEEN_MAGIC))
                        return malformed(ret_reason, "the magic line is missing");
                if ((seen & SEEN_MASK) && mask_len != e->rule.magic_len)
                        return malformed(ret_reason,
                                         "magic and mask differ in length (%zu and %zu bytes)",
                                         e->rule.magic_len, mask_len);
                e->rule.type = RULE_TYPE_MAGIC;
        }

        e->unknown_flags = TAKE_PTR(unknown);
        *ret = TAKE_PTR(e);
        return 0;
}

static uint8_t mask_at(const BinfmtRule *r, size_t i)
{
        return r->has_mask ? r->mask[i] : 0xff;
}

static bool same_mask(const BinfmtRule *a, const BinfmtRule *b)
{
        for (size_t i = 0; i < a->magic_len; i++)
                if (mask_at(a, i) != mask_at(b, i))
                        return false;
        return true;
}

/* Bits a mask clears are never looked at, so they may differ. */
static bool same_masked_magic(const BinfmtRule *a, const BinfmtRule *b)
{
        for (size_t i = 0; i < a->magic_len; i++)
                if ((a->magic[i] ^ b->magic[i]) & (mask_at(a, i) | mask_at(b, i)))
                        return false;
        return true;
}

bool entry_same_match(const BinfmtEntry *e, const BinfmtRule *r)
{
        const BinfmtRule *c;

        if (!e || !r)
                return false;
        c = &e->rule;
        if (c->type != r->type)
                return false;

        switch (r->type) {
        case RULE_TYPE_MAGIC:
                if (c->magic_len > RULE_MAGIC_MAX || r->magic_len > RULE_MAGIC_MAX)
                        return false;
                return c->offset == r->offset && c->magic_len == r->magic_len && same_mask(c, r) &&
                       same_masked_magic(c, r);
        case RULE_TYPE_EXTENSION:
                return c->extension && r->extension && streq(c->extension, r->extension);
        default:
                return false;
        }
}

bool entry_equal_rule(const BinfmtEntry *e, const BinfmtRule *r)
{
        return entry_same_match(e, r) && e->enabled && !e->unknown_flags &&
               streq_ptr(e->rule.interpreter, r->interpreter) &&
               rule_flags_normalize(e->rule.flags) == rule_flags_normalize(r->flags);
}

/* Appends "; "-separated parts; on allocation failure drops the text and keeps failing. */
_printf_(3, 4) static void add_part(char **s, bool *oom, const char *fmt, ...)
{
        _cleanup_free_ char *part = NULL;
        va_list ap;
        char *n = NULL;
        int r;

        if (*oom)
                return;
        va_start(ap, fmt);
        r = vasprintf(&part, fmt, ap);
        va_end(ap);
        if (r < 0)
                part = NULL;
        else if (asprintf(&n, "%s%s%s", strempty(*s), *s ? "; " : "", part) < 0)
                n = NULL;
        free(*s);
        *s = n;
        *oom = !n;
}

static char *hex_of(const BinfmtRule *r, bool mask)
{
        size_t n = r->magic_len > RULE_MAGIC_MAX ? RULE_MAGIC_MAX : r->magic_len;

        if (mask && !r->has_mask)
                return strdup("none");
        return text_hex(mask ? r->mask : r->magic, n);
}

static void add_bytes_part(char **s, bool *oom, const char *what, const BinfmtRule *c,
                           const BinfmtRule *r, bool mask)
{
        _cleanup_free_ char *a = hex_of(c, mask), *b = hex_of(r, mask);

        if (!a || !b) {
                free(*s);
                *s = NULL;
                *oom = true;
                return;
        }
        add_part(s, oom, "%s %s instead of %s", what, a, b);
}

char *entry_describe_difference(const BinfmtEntry *e, const BinfmtRule *r)
{
        _cleanup_free_ char *s = NULL;
        const BinfmtRule *c;
        char q1[TEXT_QUOTE_MAX], q2[TEXT_QUOTE_MAX], f1[5], f2[5];
        unsigned cf, rf;
        bool oom = false;

        if (!e || !r)
                return NULL;
        c = &e->rule;

        if (!e->enabled)
                add_part(&s, &oom, "disabled");

        if (c->type != r->type)
                add_part(&s, &oom, "type %c instead of %c", (char)c->type, (char)r->type);
        else if (r->type == RULE_TYPE_MAGIC && c->magic_len <= RULE_MAGIC_MAX &&
                 r->magic_len <= RULE_MAGIC_MAX) {
                if (c->offset != r->offset)
                        add_part(&s, &oom, "offset %u instead of %u", c->offset, r->offset);
                if (c->magic_len != r->magic_len) {
                        add_bytes_part(&s, &oom, "magic", c, r, false);
                        add_bytes_part(&s, &oom, "mask", c, r, true);
                } else {
                        if (!same_masked_magic(c, r))
                                add_bytes_part(&s, &oom, "magic", c, r, false);
                        if (!same_mask(c, r))
                                add_bytes_part(&s, &oom, "mask", c, r, true);
                }
        } else if (r->type == RULE_TYPE_EXTENSION && !streq_ptr(c->extension, r->extension))
                add_part(&s, &oom, "extension .%s instead of .%s", printable(c->extension, q1),
                         printable(r->extension, q2));

        if (!streq_ptr(c->interpreter, r->interpreter))
                add_part(&s, &oom, "interpreter %s instead of %s", printable(c->interpreter, q1),
                         printable(r->interpreter, q2));

        cf = rule_flags_normalize(c->flags);
        rf = rule_flags_normalize(r->flags);
        if (cf != rf) {
                rule_flags_to_string(cf, f1);
                rule_flags_to_string(rf, f2);
                add_part(&s, &oom, "flags %s instead of %s", f1[0] ? f1 : "none",
                         f2[0] ? f2 : "none");
        }
        if (e->unknown_flags)
                add_part(&s, &oom, "unknown flags %s", printable(e->unknown_flags, q1));

        return TAKE_PTR(s);
}
