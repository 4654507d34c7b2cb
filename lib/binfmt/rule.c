/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rule model: a BinfmtRule's life cycle, the checks a rule must pass before binfmtd writes
 * it to register, the register string in both directions, and matching a file against a rule.
 *
 * Parsing follows the kernel's create_entry() step by step, quirks included (the record is
 * padded with the delimiter, scanarg() insists on two hex digits after every "\x" while the
 * decoder stops at the first NUL, kstrtoint() takes a sign and a trailing newline), so that a
 * string this module accepts is one the kernel accepts and decodes to the same bytes. Encoding
 * is deliberately narrower: ':' as the delimiter, every magic and mask byte as \xHH, flags in
 * the kernel's order.
 *
 * Pure: no I/O, no logging, no knowledge of where binfmt_misc is mounted. Refusals come back as
 * -EINVAL with a reason string; the caller decides whether and how to log it.
 */

#include <limits.h>

#include "binfmt/rule.h"
#include "base/text.h"

/* create_entry() pads the copied record with this many delimiter bytes. */
#define REGISTER_PAD 8

/* Stores a reason (when asked for one) and returns -EINVAL, or -ENOMEM if it cannot. */
#define refuse(ret_reason, ...) text_refuse(ret_reason, -EINVAL, __VA_ARGS__)

void rule_done(BinfmtRule *r)
{
        if (!r)
                return;
        free(r->name);
        free(r->extension);
        free(r->interpreter);
        r->name = r->extension = r->interpreter = NULL;
}

BinfmtRule *rule_free(BinfmtRule *r)
{
        if (!r)
                return NULL;
        rule_done(r);
        free(r);
        return NULL;
}

int rule_new_from_arch(const BinfmtArch *a, const char *interpreter, unsigned flags,
                       BinfmtRule **ret)
{
        _cleanup_(rule_freep) BinfmtRule *r = NULL;
        char name[ARCH_ENTRY_NAME_MAX];

        if (!a || !interpreter || !ret)
                return -EINVAL;
        if (a->len == 0 || a->len > ARCH_MAGIC_MAX || a->len > RULE_MAGIC_MAX ||
            a->offset > RULE_MAGIC_MAX - a->len)
                return -EINVAL;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->name = strdup(arch_entry_name(a, name, sizeof(name)));
        r->interpreter = strdup(interpreter);
        if (!r->name || !r->interpreter)
                return -ENOMEM;
        r->type = RULE_TYPE_MAGIC;
        r->offset = a->offset;
        r->magic_len = a->len;
        memcpy(r->magic, a->magic, a->len);
        memcpy(r->mask, a->mask, a->len);
        r->has_mask = true;
        r->flags = flags;

        *ret = TAKE_PTR(r);
        return 0;
}

static const char *quote_str(const char *s, char buf[static TEXT_QUOTE_MAX])
{
        return text_quote(s, strlen(s), buf);
}

/* ':' is the delimiter binfmtd writes; a newline or control byte would garble the entry file. */
static int check_text(const char *field, const char *s, char **ret_reason)
{
        char q[TEXT_QUOTE_MAX];

        for (const char *p = s; *p; p++) {
                if (*p == ':')
                        return refuse(ret_reason, "%s %s contains the delimiter ':'", field,
                                      quote_str(s, q));
                if (text_is_control((unsigned char)*p))
                        return refuse(ret_reason, "%s %s contains a control character (0x%02x)",
                                      field, quote_str(s, q), (unsigned char)*p);
        }
        return 0;
}

int rule_validate(const BinfmtRule *r, const KernelInfo *k, char **ret_reason)
{
        unsigned buf_size = k && k->buf_size > 0 ? k->buf_size : RULE_PORTABLE_BUF;
        _cleanup_free_ char *encoded = NULL;
        char q[TEXT_QUOTE_MAX], fl[5];
        size_t l;
        int ret;

        if (!r)
                return refuse(ret_reason, "no rule");

        /* The name becomes a file in the binfmt_misc directory. */
        if (!r->name || !r->name[0])
                return refuse(ret_reason, "name is empty");
        l = strlen(r->name);
        if (l > RULE_NAME_MAX)
                return refuse(ret_reason, "name is %zu bytes, the kernel's limit is %d", l,
                              RULE_NAME_MAX);
        if (streq(r->name, ".") || streq(r->name, ".."))
                return refuse(ret_reason, "name %s is a directory entry", quote_str(r->name, q));
        if (streq(r->name, "register") || streq(r->name, "status"))
                return refuse(ret_reason, "name %s is taken by binfmt_misc's control file",
                              quote_str(r->name, q));
        if (strchr(r->name, '/'))
                return refuse(ret_reason, "name %s contains '/'", quote_str(r->name, q));
        ret = check_text("name", r->name, ret_reason);
        if (ret < 0)
                return ret;

        switch (r->type) {
        case RULE_TYPE_MAGIC:
                if (r->extension)
                        return refuse(ret_reason, "extension %s is only for type E rules",
                                      quote_str(r->extension, q));
                if (r->magic_len == 0)
                        return refuse(ret_reason, "magic is empty");
                if (r->magic_len > RULE_MAGIC_MAX || r->magic_len > buf_size)
                        return refuse(ret_reason,
                                      "magic is %zu bytes, the kernel's header buffer is %u",
                                      r->magic_len, buf_size);
                /* create_entry(): BINPRM_BUF_SIZE - size < offset is refused. */
                if (r->offset > buf_size - r->magic_len)
                        return refuse(ret_reason,
                                      "offset %u and %zu bytes of magic end at byte %llu, past "
                                      "the kernel's %u-byte header buffer",
                                      r->offset, r->magic_len,
                                      (unsigned long long)r->offset + r->magic_len, buf_size);
                break;

        case RULE_TYPE_EXTENSION:
                if (r->magic_len > 0 || r->has_mask || r->offset > 0)
                        return refuse(ret_reason, "type E rule carries an offset, magic or mask");
                if (!r->extension || !r->extension[0])
                        return refuse(ret_reason, "extension is empty");
                if (strchr(r->extension, '/'))
                        return refuse(ret_reason, "extension %s contains '/'",
                                      quote_str(r->extension, q));
                /* The kernel compares only the text after the path's last '.'. */
                if (strchr(r->extension, '.'))
                        return refuse(ret_reason,
                                      "extension %s contains '.', so it could never match",
                                      quote_str(r->extension, q));
                ret = check_text("extension", r->extension, ret_reason);
                if (ret < 0)
                        return ret;
                break;

        default:
                if (r->type > 0x20 && r->type < 0x7f)
                        return refuse(ret_reason,
                                      "type '%c' is neither M (magic) nor E (extension)",
                                      (char)r->type);
                return refuse(ret_reason, "type %d is neither M (magic) nor E (extension)",
                              (int)r->type);
        }

        if (!r->interpreter || !r->interpreter[0])
                return refuse(ret_reason, "interpreter is empty");
        if (r->interpreter[0] != '/')
                return refuse(ret_reason, "interpreter %s is not an absolute path",
                              quote_str(r->interpreter, q));
        ret = check_text("interpreter", r->interpreter, ret_reason);
        if (ret < 0)
                return ret;
        /* Loaders of the 128-byte-buffer era copied the interpreter path into that buffer. */
        l = strlen(r->interpreter);
        if (buf_size <= RULE_PORTABLE_BUF && l >= RULE_PORTABLE_BUF)
                return refuse(ret_reason,
                              "interpreter is %zu bytes, kernels with a %u-byte header buffer take "
                              "at most %d",
                              l, buf_size, RULE_PORTABLE_BUF - 1);

        if (r->flags & ~(unsigned)RULE_FLAGS_ALL)
                return refuse(ret_reason, "flags 0x%x include bits outside P, O, C, F", r->flags);
        if ((r->flags & RULE_FLAG_F) && k && !k->fix_binary)
                return refuse(ret_reason,
                              "flag F needs Linux 4.8 or newer, this kernel is %u.%u.%u", k->major,
                              k->minor, k->patch);

        ret = rule_to_register_string(r, &encoded);
        if (ret == -ENOMEM)
                return ret;
        if (ret < 0)
                /* Every reason for this was refused above; keep the answer honest anyway. */
                return refuse(ret_reason, "rule %s (flags %s) cannot be encoded",
                              quote_str(r->name, q), rule_flags_to_string(r->flags, fl));
        l = strlen(encoded);
        if (l < RULE_REGISTER_MIN)
                return refuse(ret_reason,
                              "register string is %zu bytes, the kernel needs at least %d", l,
                              RULE_REGISTER_MIN);
        if (l > RULE_REGISTER_MAX)
                return refuse(ret_reason,
                              "register string is %zu bytes, the kernel takes at most %d", l,
                              RULE_REGISTER_MAX);
        return 0;
}

static bool text_encodable(const char *s)
{
        return s && !strpbrk(s, ":\n");
}

static char *append_escaped(char *o, const uint8_t *bytes, size_t n)
{
        for (size_t i = 0; i < n; i++)
                o = text_put_hex_escape(o, bytes[i]);
        return o;
}

int rule_to_register_string(const BinfmtRule *r, char **ret)
{
        _cleanup_free_ char *s = NULL;
        char flags[5], *o;
        size_t nl, il, size;
        int n;

        if (!r || !ret || !text_encodable(r->name) || !text_encodable(r->interpreter))
                return -EINVAL;
        if (r->flags & ~(unsigned)RULE_FLAGS_ALL)
                return -EINVAL;
        rule_flags_to_string(r->flags, flags);

        switch (r->type) {
        case RULE_TYPE_MAGIC:
                if (r->magic_len == 0 || r->magic_len > RULE_MAGIC_MAX)
                        return -EINVAL;
                nl = strlen(r->name);
                il = strlen(r->interpreter);
                /* ":" name ":M:" offset ":" magic ":" mask ":" interpreter ":" flags NUL */
                size = 1 + nl + 3 + 10 + 1 + 4 * r->magic_len + 1 + 4 * r->magic_len + 1 + il + 1 +
                       4 + 1;
                s = malloc(size);
                if (!s)
                        return -ENOMEM;
                n = snprintf(s, size, ":%s:M:%u:", r->name, r->offset);
                if (n < 0 || (size_t)n >= size)
                        return -EINVAL;
                o = append_escaped(s + n, r->magic, r->magic_len);
                *o++ = ':';
                if (r->has_mask)
                        o = append_escaped(o, r->mask, r->magic_len);
                *o++ = ':';
                memcpy(o, r->interpreter, il);
                o += il;
                *o++ = ':';
                strcpy(o, flags);
                break;

        case RULE_TYPE_EXTENSION:
                if (!text_encodable(r->extension))
                        return -EINVAL;
                if (asprintf(&s, ":%s:E::%s::%s:%s", r->name, r->extension, r->interpreter, flags) <
                    0)
                        return -ENOMEM;
                break;

        default:
                return -EINVAL;
        }

        *ret = TAKE_PTR(s);
        return 0;
}

/*
 * strchr() as create_entry() uses it: the first delimiter, or NULL if a NUL byte comes first.
 * With NUL as the delimiter that is simply the first NUL. Bounded by @end for safety; the
 * delimiter padding always stops it earlier.
 */
static char *field_end(char *p, const char *end, char del)
{
        for (; p < end; p++) {
                if (*p == del)
                        return p;
                if (*p == '\0')
                        return NULL;
        }
        return NULL;
}

/*
 * scanarg(): the end of a magic or mask field. NUL bytes do not stop it, but every "\x" must be
 * followed by two hex digits. Terminates the field in place; returns the start of the next.
 */
static char *scan_escaped_field(char *s, const char *end, char del)
{
        for (;;) {
                char c;

                if (s >= end)
                        return NULL;
                c = *s++;
                if (c == del)
                        break;
                if (c == '\\' && s < end && *s == 'x') {
                        s++;
                        if (s >= end || text_hex_value(*s++) < 0)
                                return NULL;
                        if (s >= end || text_hex_value(*s++) < 0)
                                return NULL;
                }
        }
        s[-1] = '\0';
        return s;
}

/*
 * string_unescape_inplace(s, UNESCAPE_HEX): stops at the first NUL, turns "\x" and one or two
 * hex digits into a byte and leaves every other backslash alone. Returns the decoded length.
 *
 * Not shared with binfmtd.conf's decoder (config.c) on purpose: this one must decode exactly as
 * the kernel does, quirks included (one hex digit is enough; a backslash carries the byte after
 * it along, so "\\x41" is not decoded), while binfmtd.conf takes only "\x" and two hex digits
 * as an escape, refuses "\x" followed by anything else, and takes every other byte as it is.
 */
static size_t unescape_hex(char *s)
{
        char *src = s, *out = s;

        while (*src) {
                if (src[0] == '\\' && src[1] != '\0') {
                        src++;
                        if (src[0] == 'x' && text_hex_value(src[1]) >= 0) {
                                int v = text_hex_value(src[1]);

                                src += 2;
                                if (text_hex_value(src[0]) >= 0) {
                                        v = v << 4 | text_hex_value(src[0]);
                                        src++;
                                }
                                *out++ = (char)v;
                                continue;
                        }
                        *out++ = '\\';
                }
                *out++ = *src++;
        }
        *out = '\0';
        return (size_t)(out - s);
}

/* kstrtoint(s, 10) followed by create_entry()'s "offset < 0" check. */
static int parse_offset(const char *s, unsigned *ret)
{
        unsigned long long v = 0;
        bool negative = false;
        size_t digits = 0;

        if (*s == '-') {
                negative = true;
                s++;
        } else if (*s == '+')
                s++;
        for (; *s >= '0' && *s <= '9'; s++, digits++)
                if (v <= INT_MAX)
                        v = v * 10 + (unsigned)(*s - '0');
        if (*s == '\n')
                s++;
        if (*s != '\0' || digits == 0 || v > INT_MAX || (negative && v != 0))
                return -EINVAL;

        *ret = (unsigned)v;
        return 0;
}

int rule_from_register_string(const char *s, size_t len, BinfmtRule **ret, char **ret_reason)
{
        _cleanup_(rule_freep) BinfmtRule *r = NULL;
        _cleanup_free_ char *buf = NULL;
        char *p, *q, *end, *name, *magic = NULL, *mask = NULL, *ext = NULL, *interp;
        char qb[TEXT_QUOTE_MAX], del;
        unsigned offset = 0, flags = 0;
        size_t magic_len = 0;
        bool has_mask = false;
        RuleType type;

        if ((!s && len > 0) || !ret)
                return -EINVAL;
        if (len < RULE_REGISTER_MIN)
                return refuse(ret_reason,
                              "register string is %zu bytes, the kernel needs at least %d", len,
                              RULE_REGISTER_MIN);
        if (len > RULE_REGISTER_MAX)
                return refuse(ret_reason,
                              "register string is %zu bytes, the kernel takes at most %d", len,
                              RULE_REGISTER_MAX);

        del = s[0];
        /* Older kernels scan flag letters past the end of the record when one is the
         * delimiter; newer ones refuse it. */
        if (rule_flag_from_letter(del) != 0)
                return refuse(ret_reason, "delimiter '%c' is also a flag letter", del);

        /* The kernel's working copy: the record, padded with the delimiter. One extra NUL
         * keeps every read below in bounds. */
        buf = malloc(len + REGISTER_PAD + 1);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, s, len);
        memset(buf + len, del, REGISTER_PAD);
        buf[len + REGISTER_PAD] = '\0';
        end = buf + len + REGISTER_PAD;
        p = buf + 1;

        name = p;
        q = field_end(p, end, del);
        if (!q)
                return refuse(ret_reason, "name contains a NUL byte");
        *q = '\0';
        p = q + 1;
        if (!name[0])
                return refuse(ret_reason, "name is empty");
        if (streq(name, ".") || streq(name, ".."))
                return refuse(ret_reason, "name %s is a directory entry", quote_str(name, qb));
        if (strchr(name, '/'))
                return refuse(ret_reason, "name %s contains '/'", quote_str(name, qb));

        if (p >= end)
                return refuse(ret_reason, "register string ends before the type");
        switch (*p) {
        case 'M':
        case 'E':
                type = (RuleType)*p;
                break;
        default:
                return refuse(ret_reason, "type %s is neither M (magic) nor E (extension)",
                              text_quote(p, 1, qb));
        }
        p++;
        if (p >= end || *p != del)
                return refuse(ret_reason, "type is not a single letter followed by the delimiter");
        p++;

        if (type == RULE_TYPE_MAGIC) {
                q = field_end(p, end, del);
                if (!q)
                        return refuse(ret_reason, "offset contains a NUL byte");
                *q = '\0';
                if (q != p && parse_offset(p, &offset) < 0)
                        return refuse(ret_reason, "offset %s is not a number from 0 to %d",
                                      quote_str(p, qb), INT_MAX);
                p = q + 1;

                magic = p;
                p = scan_escaped_field(p, end, del);
                if (!p)
                        return refuse(ret_reason,
                                      "magic has a \"\\x\" not followed by two hex digits");
                if (!magic[0])
                        return refuse(ret_reason, "magic is empty");

                mask = p;
                p = scan_escaped_field(p, end, del);
                if (!p)
                        return refuse(ret_reason,
                                      "mask has a \"\\x\" not followed by two hex digits");
                /* A mask whose first byte is NUL counts as no mask at all. */
                has_mask = mask[0] != '\0';

                magic_len = unescape_hex(magic);
                if (has_mask) {
                        size_t mask_len = unescape_hex(mask);

                        if (mask_len != magic_len)
                                return refuse(ret_reason,
                                              "magic and mask differ in length (%zu and %zu bytes)",
                                              magic_len, mask_len);
                }
                if (magic_len > RULE_MAGIC_MAX)
                        return refuse(ret_reason,
                                      "magic is %zu bytes, the kernel's header buffer is %d",
                                      magic_len, RULE_MAGIC_MAX);
                if (offset > RULE_MAGIC_MAX - magic_len)
                        return refuse(ret_reason,
                                      "offset %u and %zu bytes of magic end at byte %llu, past "
                                      "the kernel's %d-byte header buffer",
                                      offset, magic_len, (unsigned long long)offset + magic_len,
                                      RULE_MAGIC_MAX);
        } else {
                /* The offset field is skipped unread. */
                q = field_end(p, end, del);
                if (!q)
                        return refuse(ret_reason, "offset contains a NUL byte");
                p = q + 1;

                ext = p;
                q = field_end(p, end, del);
                if (!q)
                        return refuse(ret_reason, "extension contains a NUL byte");
                *q = '\0';
                p = q + 1;
                if (!ext[0])
                        return refuse(ret_reason, "extension is empty");
                if (strchr(ext, '/'))
                        return refuse(ret_reason, "extension %s contains '/'", quote_str(ext, qb));

                /* So is the mask field. */
                q = field_end(p, end, del);
                if (!q)
                        return refuse(ret_reason, "mask contains a NUL byte");
                p = q + 1;
        }

        interp = p;
        q = field_end(p, end, del);
        if (!q)
                return refuse(ret_reason, "interpreter contains a NUL byte");
        *q = '\0';
        p = q + 1;
        if (!interp[0])
                return refuse(ret_reason, "interpreter is empty");
        if (p > buf + len)
                return refuse(ret_reason, "register string ends before the flags field");

        for (unsigned f; p < end && (f = rule_flag_from_letter(*p)) != 0; p++)
                flags |= f;
        q = p;
        if (p < end && *p == '\n')
                p++;
        if (p != buf + len) {
                if (p > buf + len)
                        return refuse(ret_reason, "register string ends before the flags field");
                if (*q == '\n')
                        return refuse(ret_reason,
                                      "a newline may only end the register string, once");
                return refuse(ret_reason, "flags contain %s, which is not one of P, O, C, F",
                              text_quote(q, 1, qb));
        }

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->type = type;
        r->flags = flags;
        r->name = strdup(name);
        r->interpreter = strdup(interp);
        if (!r->name || !r->interpreter)
                return -ENOMEM;
        if (type == RULE_TYPE_MAGIC) {
                r->offset = offset;
                r->magic_len = magic_len;
                memcpy(r->magic, magic, magic_len);
                r->has_mask = has_mask;
                if (has_mask)
                        memcpy(r->mask, mask, magic_len);
        } else {
                r->extension = strdup(ext);
                if (!r->extension)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(r);
        return 0;
}

bool rule_matches(const BinfmtRule *r, const uint8_t *hdr, size_t len, const char *path)
{
        const char *base, *dot;

        if (!r)
                return false;

        switch (r->type) {
        case RULE_TYPE_MAGIC:
                if (r->magic_len == 0 || r->magic_len > RULE_MAGIC_MAX ||
                    r->offset > RULE_MAGIC_MAX - r->magic_len)
                        return false;
                for (size_t i = 0; i < r->magic_len; i++) {
                        size_t pos = r->offset + i;
                        /* The kernel's header buffer is zero-filled past the end of a short
                         * file, so missing bytes compare as 0. */
                        uint8_t b = hdr && pos < len ? hdr[pos] : 0;
                        uint8_t m = r->has_mask ? r->mask[i] : 0xff;

                        if ((b ^ r->magic[i]) & m)
                                return false;
                }
                return true;

        case RULE_TYPE_EXTENSION:
                if (!path || !r->extension)
                        return false;
                base = strrchr(path, '/');
                base = base ? base + 1 : path;
                dot = strrchr(base, '.');
                return dot && streq(dot + 1, r->extension);

        default:
                return false;
        }
}

unsigned rule_flags_normalize(unsigned flags)
{
        if (flags & RULE_FLAG_C)
                flags |= RULE_FLAG_O;
        return flags;
}

unsigned rule_flag_from_letter(char c)
{
        switch (c) {
        case 'P':
                return RULE_FLAG_P;
        case 'O':
                return RULE_FLAG_O;
        case 'C':
                return RULE_FLAG_C;
        case 'F':
                return RULE_FLAG_F;
        default:
                return 0;
        }
}

const char *rule_flags_to_string(unsigned flags, char buf[static 5])
{
        char *o = buf;

        if (flags & RULE_FLAG_P)
                *o++ = 'P';
        if (flags & RULE_FLAG_O)
                *o++ = 'O';
        if (flags & RULE_FLAG_C)
                *o++ = 'C';
        if (flags & RULE_FLAG_F)
                *o++ = 'F';
        *o = '\0';
        return buf;
}

int rule_flags_from_string(const char *s, unsigned *ret)
{
        unsigned flags = 0;

        if (!s || !ret)
                return -EINVAL;
        for (; *s; s++) {
                unsigned f = rule_flag_from_letter(*s);

                if (f == 0)
                        return -EINVAL;
                flags |= f;
        }

        *ret = flags;
        return 0;
}
