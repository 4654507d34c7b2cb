/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtd.conf: applying the text of one configuration file to a Config, key by key, checking
 * the syntax of every value and, at the end of the file, the consistency of every [target:NAME]
 * section the file touched. Files apply in the order the caller parses them, so a later key
 * overrides an earlier one.
 *
 * inih splits the KEY=VALUE lines, but it only ever sees them one at a time through the reader
 * callback, because on its own inih would count lines the handler is never told about, report
 * only the first malformed line, parse the rest of a line longer than its 200-byte buffer as a
 * line of its own (so "Socket=" deep inside a long comment would take effect), cut section
 * names at 49 bytes, join an indented line to the previous value and take ':' for '='. So
 * physical lines, comments, section headers and malformed lines are handled here; a well-formed
 * assignment goes to inih; one too long for inih's buffer is split here by the same rules (the
 * fuzz target checks that both ways agree).
 *
 * Pure: no files opened (which files, in which order, is the daemon's), no group lookups, no
 * target names resolved against the host, no logging. Problems come back as message strings.
 */

#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/un.h>

#include "target/arch.h"
#include "config/config.h"
#include "target/platform.h"
#include "base/strv.h"
#include "base/text.h"

#define USEC_PER_SEC    UINT64_C(1000000)
#define USEC_PER_MINUTE (UINT64_C(60) * USEC_PER_SEC)

#define TARGET_SECTION_PREFIX "target:"
#define TARGET_NAME_MAX       64
#define GROUP_NAME_MAX        31 /* UT_NAMESIZE - 1, as systemd's strict check */
#define MAX_CONNECTIONS_MAX   4096
#define SOCKET_PATH_MAX       (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

/* Untrusted text in messages is escaped and cut to this many input bytes. */
#define ESCAPE_BYTES_MAX 128
#define ESCAPE_MAX       TEXT_ESCAPE_SIZE(ESCAPE_BYTES_MAX)

/* What inih's isspace() means in the C locale; the daemon never changes the locale. */
#define WHITESPACE " \t\n\v\f\r"

typedef enum SectionKind {
        SECTION_NONE, /* before the first header */
        SECTION_BINFMTD,
        SECTION_TARGET,
        SECTION_IGNORED, /* a bad header, reported once: its keys are skipped silently */
} SectionKind;

/* The lines where this file set parts of one [target:NAME] section; header 0: not touched. */
typedef struct TargetLines {
        unsigned header, magic, mask, offset;
        bool magic_bad; /* a Magic= that did not parse, reported already */
} TargetLines;

typedef struct Parser {
        Config *config;
        const char *filename;
        char ***errors;
        unsigned n_errors;
        int r; /* -ENOMEM or a read error: stops the parse */

        FILE *f;          /* the source: a file, */
        const char *text; /* or what is left of a string */
        char *buf;
        size_t buf_size;
        unsigned line;

        SectionKind section;
        size_t target;      /* index in config->sections, in SECTION_TARGET */
        TargetLines *lines; /* one per config->sections entry */
        size_t n_lines;
} Parser;

typedef struct ConfigKey ConfigKey;
typedef int (*ConfigParseFunc)(Parser *p, const ConfigKey *k, const char *value, void *base);

struct ConfigKey {
        const char *name;
        ConfigParseFunc parse;
        size_t offset;    /* of the field in Config (the generic parsers) */
        const char *def;  /* what an empty value resets a path to */
        uint64_t def_num; /* what an empty value resets a number or boolean to */
        size_t max;       /* longest path, largest number */
};

static bool is_ws(char c)
{
        return c != '\0' && strchr(WHITESPACE, c);
}

static char *skip_ws(char *s)
{
        while (is_ws(*s))
                s++;
        return s;
}

static void strip_trailing_ws(char *s)
{
        size_t n = strlen(s);

        while (n > 0 && is_ws(s[n - 1]))
                s[--n] = '\0';
}

/* inih's inline comment: a ';' right after whitespace, to the end of the line. */
static void cut_inline_comment(char *s)
{
        if (!*s)
                return;
        for (char *c = s + 1; *c; c++)
                if (*c == ';' && is_ws(c[-1])) {
                        *c = '\0';
                        return;
                }
}

/*
 * Control bytes and bytes of 0x80 and up as \xHH, so a message is one line of ASCII. Unlike
 * the reasons of rule.c and entry.c, '"' and '\' are left as they are: a value is shown as it
 * was written in the file (Magic=\x7fELF reads back as "\x7fELF", not "\\x7fELF"), and paths are
 * longer, so more of them is kept.
 */
static const char *escape(const char *s, char buf[static ESCAPE_MAX])
{
        return text_escape(s, strlen(s), ESCAPE_BYTES_MAX, 0, buf);
}

/* Appends "FILE:LINE: KEY: reason". Returns 0, or -ENOMEM. */
_printf_(4, 5) static int report(Parser *p, unsigned line, const char *key, const char *fmt, ...)
{
        _cleanup_free_ char *reason = NULL, *msg = NULL;
        char k[ESCAPE_MAX];
        va_list ap;
        int r;

        p->n_errors++;
        if (!p->errors)
                return 0;

        va_start(ap, fmt);
        r = vasprintf(&reason, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (asprintf(&msg, "%s:%u: %s: %s", p->filename, line, escape(key, k), reason) < 0)
                return -ENOMEM;
        r = strv_push(p->errors, msg);
        if (r < 0)
                return r;
        TAKE_PTR(msg);
        return 0;
}

/* The words of @s, split at whitespace; an empty or all-blank @s gives an empty list. */
static int split_words(const char *s, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (;;) {
                size_t n;
                char *w;

                s += strspn(s, WHITESPACE);
                if (!*s)
                        break;
                n = strcspn(s, WHITESPACE);
                w = strndup(s, n);
                if (!w)
                        return -ENOMEM;
                r = strv_push(&l, w);
                if (r < 0) {
                        free(w);
                        return r;
                }
                s += n;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* Why @s is no good as an absolute path ("is not ..."), or NULL. */
static const char *path_problem(const char *s, bool in_register)
{
        if (s[0] != '/')
                return "is not an absolute path";
        if (strlen(s) >= PATH_MAX)
                return "is longer than PATH_MAX";
        for (const char *c = s; *c; c++)
                if (text_is_control((unsigned char)*c))
                        return "contains a control character";
        /* ':' delimits the fields of the register string the path ends up in. */
        if (in_register && strchr(s, ':'))
                return "contains ':', which binfmt_misc takes as a field delimiter";
        return NULL;
}

static int replace_string(char **field, const char *value)
{
        char *s = NULL;

        if (value) {
                s = strdup(value);
                if (!s)
                        return -ENOMEM;
        }
        free(*field);
        *field = s;
        return 0;
}

static int parse_path(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        char **field = (char **)((uint8_t *)base + k->offset);
        char v[ESCAPE_MAX];
        const char *problem;

        if (!*value)
                return replace_string(field, k->def);
        problem = path_problem(value, false);
        if (problem)
                return report(p, p->line, k->name, "\"%s\" %s", escape(value, v), problem);
        if (strlen(value) > k->max)
                return report(p, p->line, k->name, "\"%s\" is %zu bytes long, at most %zu fit",
                              escape(value, v), strlen(value), k->max);
        return replace_string(field, value);
}

static int parse_words(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        char ***field = (char ***)((uint8_t *)base + k->offset);
        char **l = NULL;
        int r;

        r = split_words(value, &l);
        if (r < 0)
                return r;
        strv_free(*field);
        *field = l;
        return 0;
}

static int parse_directories(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        char ***field = (char ***)((uint8_t *)base + k->offset);
        _cleanup_strv_free_ char **l = NULL;
        bool bad = false;
        int r;

        r = split_words(value, &l);
        if (r < 0)
                return r;
        STRV_FOREACH (d, l) {
                const char *problem = path_problem(*d, true);
                char v[ESCAPE_MAX];

                if (!problem)
                        continue;
                bad = true;
                r = report(p, p->line, k->name, "directory \"%s\" %s", escape(*d, v), problem);
                if (r < 0)
                        return r;
        }
        if (bad)
                return 0;
        strv_free(*field);
        *field = TAKE_PTR(l);
        return 0;
}

/* Letters of P, O, C; F is accepted and dropped, as every registration carries it anyway. */
static int flags_from_value(Parser *p, const char *key, const char *value, unsigned *ret)
{
        unsigned flags;

        for (const char *c = value; *c; c++)
                if (rule_flag_from_letter(*c) == 0) {
                        char v[ESCAPE_MAX];

                        return report(p, p->line, key,
                                      "\"%s\": flags are letters of P, O, C (and F, which is "
                                      "always set)",
                                      escape(value, v));
                }
        if (rule_flags_from_string(value, &flags) < 0)
                return report(p, p->line, key, "cannot parse flags");
        *ret = flags & (RULE_FLAG_P | RULE_FLAG_O | RULE_FLAG_C);
        return 1;
}

static int parse_flags(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        unsigned *field = (unsigned *)((uint8_t *)base + k->offset);
        unsigned flags;
        int r;

        r = flags_from_value(p, k->name, value, &flags);
        if (r > 0)
                *field = flags;
        return r < 0 ? r : 0;
}

static int parse_bool(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};
        bool *field = (bool *)((uint8_t *)base + k->offset);
        char v[ESCAPE_MAX];

        if (!*value) {
                *field = k->def_num;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcaseeq(value, yes[i])) {
                        *field = true;
                        return 0;
                }
                if (strcaseeq(value, no[i])) {
                        *field = false;
                        return 0;
                }
        }
        return report(p, p->line, k->name,
                      "\"%s\" is not a boolean (yes/no, true/false, on/off, 1/0)",
                      escape(value, v));
}

/*
 * Decimal digits only: no sign, no base prefix, no blanks (strtoul() would take " -1").
 * Returns the end of the digits, or NULL when there are none or they exceed @max.
 */
static const char *parse_digits(const char *s, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;
        const char *c;

        for (c = s; *c >= '0' && *c <= '9'; c++) {
                unsigned d = (unsigned)(*c - '0');

                if (v > (max - d) / 10)
                        return NULL;
                v = v * 10 + d;
        }
        if (c == s)
                return NULL;
        *ret = v;
        return c;
}

/* A positive number of seconds, optionally followed by "s" or "min". */
static int parse_sec(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        uint64_t *field = (uint64_t *)((uint8_t *)base + k->offset);
        uint64_t n, unit;
        const char *e;
        char v[ESCAPE_MAX];

        if (!*value) {
                *field = k->def_num * USEC_PER_SEC;
                return 0;
        }
        e = parse_digits(value, UINT64_MAX, &n);
        if (!e && value[0] >= '0' && value[0] <= '9')
                return report(p, p->line, k->name, "\"%s\" is too large", escape(value, v));
        if (!e)
                return report(p, p->line, k->name,
                              "\"%s\" is not a number of seconds (\"60\", \"90s\", \"5min\")",
                              escape(value, v));
        e += strspn(e, WHITESPACE);
        if (streq(e, "") || streq(e, "s"))
                unit = USEC_PER_SEC;
        else if (streq(e, "min"))
                unit = USEC_PER_MINUTE;
        else
                return report(p, p->line, k->name,
                              "\"%s\" has an unknown unit, use \"s\" or \"min\"", escape(value, v));
        if (n == 0)
                return report(p, p->line, k->name, "\"%s\" is not a positive time",
                              escape(value, v));
        if (n > UINT64_MAX / unit)
                return report(p, p->line, k->name, "\"%s\" is too large", escape(value, v));
        *field = n * unit;
        return 0;
}

static int parse_unsigned(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        unsigned *field = (unsigned *)((uint8_t *)base + k->offset);
        const char *e;
        char v[ESCAPE_MAX];
        uint64_t n;

        if (!*value) {
                *field = (unsigned)k->def_num;
                return 0;
        }
        e = parse_digits(value, UINT64_MAX, &n);
        if (!e || *e || n < 1 || n > k->max)
                return report(p, p->line, k->name, "\"%s\" is not a number between 1 and %zu",
                              escape(value, v), k->max);
        *field = (unsigned)n;
        return 0;
}

/* systemd's strict user and group name syntax; whether the group exists is the daemon's. */
static bool group_name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > GROUP_NAME_MAX)
                return false;
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", s[0]))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static int parse_group(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        char **field = (char **)((uint8_t *)base + k->offset);
        char v[ESCAPE_MAX];

        if (!*value)
                return replace_string(field, NULL);
        if (!group_name_valid(value))
                return report(p, p->line, k->name,
                              "\"%s\" is not a valid group name (1 to %d characters of A-Z, a-z, "
                              "0-9, '_', '-', not starting with a digit or '-')",
                              escape(value, v), GROUP_NAME_MAX);
        return replace_string(field, value);
}

static bool target_name_valid(const char *s)
{
        size_t n = strlen(s);

        return n >= 1 && n <= TARGET_NAME_MAX &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* OS/ARCH[/VARIANT], each part of [A-Za-z0-9_.-]. What it means is the daemon's business. */
static bool platform_valid(const char *s)
{
        unsigned parts = 0;

        if (strlen(s) >= PLATFORM_MAX)
                return false;
        for (;;) {
                size_t n = strspn(
                        s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

                if (n == 0)
                        return false;
                parts++;
                s += n;
                if (*s == '\0')
                        return parts >= 2 && parts <= 3;
                if (*s != '/')
                        return false;
                s++;
        }
}

static int parse_target_interpreter(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        ConfigTarget *t = base;
        const char *problem;
        char v[ESCAPE_MAX];

        if (!*value)
                return replace_string(&t->interpreter, NULL);
        problem = path_problem(value, true);
        if (problem)
                return report(p, p->line, k->name, "\"%s\" %s", escape(value, v), problem);
        return replace_string(&t->interpreter, value);
}

/* An empty Flags= is "no extra flags", not "the [binfmtd] Flags=". */
static int parse_target_flags(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        ConfigTarget *t = base;
        unsigned flags;
        int r;

        r = flags_from_value(p, k->name, value, &flags);
        if (r > 0) {
                t->flags = flags;
                t->flags_set = true;
        }
        return r < 0 ? r : 0;
}

static int parse_target_platform(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        ConfigTarget *t = base;
        char v[ESCAPE_MAX];

        if (!*value)
                return replace_string(&t->platform, NULL);
        if (!platform_valid(value))
                return report(p, p->line, k->name,
                              "\"%s\" is not an OCI platform of the form OS/ARCH[/VARIANT]",
                              escape(value, v));
        return replace_string(&t->platform, value);
}

/*
 * The kernel's escape syntax without its quirks: "\x" and exactly two hex digits is one byte,
 * every other byte stands for itself (a backslash too: write "\x5c" for one before an "x").
 * Returns 1 and the bytes, or 0 after reporting why not.
 *
 * Deliberately not the kernel's decoder in rule.c: that one takes "\x" with a single hex digit
 * and lets a backslash carry the next byte along, which in a configuration file would only hide
 * typing mistakes.
 */
static int unescape_bytes(Parser *p, const char *key, const char *value,
                          uint8_t out[static RULE_MAGIC_MAX], size_t *ret_len)
{
        char v[ESCAPE_MAX];
        size_t n = 0;
        int r;

        for (const char *c = value; *c;) {
                uint8_t b;

                if (c[0] == '\\' && c[1] == 'x') {
                        int x = text_hex_byte(c + 2);

                        if (x < 0) {
                                r = report(p, p->line, key,
                                           "\"%s\": \\x at byte %zu is not followed by two hex "
                                           "digits",
                                           escape(value, v), (size_t)(c - value) + 1);
                                return r < 0 ? r : 0;
                        }
                        b = (uint8_t)x;
                        c += 4;
                } else
                        b = (uint8_t)*c++;
                if (n == RULE_MAGIC_MAX) {
                        r = report(p, p->line, key,
                                   "\"%s\" is longer than %d bytes, the kernel's header buffer",
                                   escape(value, v), RULE_MAGIC_MAX);
                        return r < 0 ? r : 0;
                }
                out[n++] = b;
        }
        *ret_len = n;
        return 1;
}

static int parse_target_magic(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        ConfigTarget *t = base;
        uint8_t bytes[RULE_MAGIC_MAX];
        size_t n;
        int r;

        p->lines[p->target].magic = p->line;
        if (!*value) {
                t->magic_set = false;
                t->magic_len = 0;
                return 0;
        }
        r = unescape_bytes(p, k->name, value, bytes, &n);
        if (r == 0)
                p->lines[p->target].magic_bad = true;
        if (r <= 0)
                return r;
        memcpy(t->magic, bytes, n);
        t->magic_len = n;
        t->magic_set = true;
        return 0;
}

static int parse_target_mask(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        ConfigTarget *t = base;
        uint8_t bytes[RULE_MAGIC_MAX];
        size_t n;
        int r;

        p->lines[p->target].mask = p->line;
        if (!*value) {
                t->mask_set = false;
                t->mask_len = 0;
                return 0;
        }
        r = unescape_bytes(p, k->name, value, bytes, &n);
        if (r <= 0)
                return r;
        memcpy(t->mask, bytes, n);
        t->mask_len = n;
        t->mask_set = true;
        return 0;
}

static int parse_target_offset(Parser *p, const ConfigKey *k, const char *value, void *base)
{
        ConfigTarget *t = base;
        const char *e;
        char v[ESCAPE_MAX];
        uint64_t n;

        p->lines[p->target].offset = p->line;
        if (!*value) {
                t->offset_set = false;
                t->offset = 0;
                return 0;
        }
        e = parse_digits(value, UINT64_MAX, &n);
        if (!e || *e || n > RULE_MAGIC_MAX - 1)
                return report(p, p->line, k->name, "\"%s\" is not a number between 0 and %d",
                              escape(value, v), RULE_MAGIC_MAX - 1);
        t->offset = (unsigned)n;
        t->offset_set = true;
        return 0;
}

/* clang-format off */
static const ConfigKey binfmtd_keys[] = {
        { "MountPoint",           parse_path,        offsetof(Config, mount_point),      CONFIG_DEFAULT_MOUNT,  0, PATH_MAX - 1 },
        { "Socket",               parse_path,        offsetof(Config, socket_path),      CONFIG_DEFAULT_SOCKET, 0, SOCKET_PATH_MAX },
        { "Targets",              parse_words,       offsetof(Config, targets),          NULL, 0, 0 },
        { "InterpreterPath",      parse_directories, offsetof(Config, interpreter_path), NULL, 0, 0 },
        { "Flags",                parse_flags,       offsetof(Config, flags),            NULL, 0, 0 },
        { "ReconcileIntervalSec", parse_sec,         offsetof(Config, reconcile_usec),   NULL, CONFIG_DEFAULT_RECONCILE_SEC, 0 },
        { "VerifyIntervalSec",    parse_sec,         offsetof(Config, verify_usec),      NULL, CONFIG_DEFAULT_VERIFY_SEC, 0 },
        { "AdminGroup",           parse_group,       offsetof(Config, admin_group),      NULL, 0, 0 },
        { "TakeOver",             parse_bool,        offsetof(Config, take_over),        NULL, false, 0 },
        { "RemoveOnStop",         parse_bool,        offsetof(Config, remove_on_stop),   NULL, false, 0 },
        { "NodeFeatureFile",      parse_path,        offsetof(Config, node_feature_file), NULL, 0, PATH_MAX - 1 },
        { "MaxConnections",       parse_unsigned,    offsetof(Config, max_connections),  NULL, CONFIG_DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_MAX },
        { "MaxConnectionsPerUser", parse_unsigned,   offsetof(Config, max_connections_per_user), NULL, CONFIG_DEFAULT_MAX_PER_USER, MAX_CONNECTIONS_MAX },
        { "MaxWatchesPerUser",    parse_unsigned,    offsetof(Config, max_watches_per_user), NULL, CONFIG_DEFAULT_WATCHES_PER_USER, MAX_CONNECTIONS_MAX },
        { "IdleTimeoutSec",       parse_sec,         offsetof(Config, idle_usec),        NULL, CONFIG_DEFAULT_IDLE_SEC, 0 },
};

static const ConfigKey target_keys[] = {
        { "Interpreter", parse_target_interpreter },
        { "Flags",       parse_target_flags },
        { "Platform",    parse_target_platform },
        { "Magic",       parse_target_magic },
        { "Mask",        parse_target_mask },
        { "Offset",      parse_target_offset },
};
/* clang-format on */

static int dispatch(Parser *p, const char *key, const char *value)
{
        const ConfigKey *table;
        size_t n;
        void *base;

        switch (p->section) {
        case SECTION_NONE:
                return report(p, p->line, key, "assignment before the first [section]");
        case SECTION_IGNORED:
                return 0;
        case SECTION_BINFMTD:
                table = binfmtd_keys;
                n = ELEMENTSOF(binfmtd_keys);
                base = p->config;
                break;
        case SECTION_TARGET:
                table = target_keys;
                n = ELEMENTSOF(target_keys);
                base = &p->config->sections[p->target];
                break;
        default:
                return -EINVAL;
        }

        for (size_t i = 0; i < n; i++)
                if (streq(table[i].name, key)) {
                        int r = table[i].parse(p, &table[i], value, base);
                        char **at = NULL;

                        if (r < 0 || p->section != SECTION_BINFMTD)
                                return r;
                        if (streq(key, "Targets"))
                                at = &p->config->targets_at;
                        else if (streq(key, "AdminGroup"))
                                at = &p->config->admin_group_at;
                        if (at) {
                                free(*at);
                                if (asprintf(at, "%s:%u", p->filename, p->line) < 0) {
                                        *at = NULL;
                                        return -ENOMEM;
                                }
                        }
                        return r;
                }
        return report(p, p->line, key, "unknown key");
}

/* The section of that name, added (empty) when there is none yet; its index in @ret. */
static int target_section(Parser *p, const char *name, size_t *ret)
{
        Config *c = p->config;
        ConfigTarget *s;

        for (size_t i = 0; i < c->n_sections; i++)
                if (streq(c->sections[i].name, name)) {
                        *ret = i;
                        return 0;
                }

        s = reallocarray(c->sections, c->n_sections + 1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        c->sections = s;
        s = &c->sections[c->n_sections];
        *s = (ConfigTarget){};
        s->name = strdup(name);
        if (!s->name)
                return -ENOMEM;
        *ret = c->n_sections++;
        return 0;
}

/* Bookkeeping for every section, those of earlier files included (untouched: all zero). */
static int grow_lines(Parser *p)
{
        size_t n = p->config->n_sections;
        TargetLines *l;

        if (p->n_lines >= n)
                return 0;
        l = reallocarray(p->lines, n, sizeof(*l));
        if (!l)
                return -ENOMEM;
        memset(l + p->n_lines, 0, (n - p->n_lines) * sizeof(*l));
        p->lines = l;
        p->n_lines = n;
        return 0;
}

/* @l is a whole header line, comments cut: "[binfmtd]" or "[target:NAME]". */
static int section_header(Parser *p, char *l)
{
        size_t n = strlen(l);
        const char *name, *t;
        int r;

        p->section = SECTION_IGNORED;
        if (n < 2 || l[n - 1] != ']')
                return report(p, p->line, l, "not a [SECTION] header");
        l[n - 1] = '\0';
        name = l + 1;

        if (streq(name, "binfmtd")) {
                p->section = SECTION_BINFMTD;
                return 0;
        }

        t = startswith(name, TARGET_SECTION_PREFIX);
        if (!t) {
                l[n - 1] = ']';
                return report(p, p->line, l, "unknown section");
        }
        if (!target_name_valid(t)) {
                l[n - 1] = ']';
                return report(p, p->line, l,
                              "invalid target name, expected 1 to %d characters of A-Z, a-z, 0-9, "
                              "'_', '.', '-'",
                              TARGET_NAME_MAX);
        }
        r = target_section(p, t, &p->target);
        if (r < 0)
                return r;
        r = grow_lines(p);
        if (r < 0)
                return r;
        if (p->lines[p->target].header == 0)
                p->lines[p->target].header = p->line;
        p->section = SECTION_TARGET;
        return 0;
}

static bool key_is_plain(const char *key)
{
        for (const char *c = key; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9')))
                        return false;
        return true;
}

/*
 * One physical line, without its newline. Returns 1 when it is an assignment copied to @out
 * (@out_size bytes) for inih, 0 when handled here, -ENOMEM.
 */
static int process_line(Parser *p, char *l, size_t n, char *out, int out_size)
{
        char *eq, *key, *value;
        size_t len;
        bool fits;

        if (p->line == 1 && n >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0) {
                l += 3;
                n -= 3;
        }
        if (memchr(l, '\0', n))
                return report(p, p->line, l, "line contains a NUL byte");

        /* Leading whitespace stripped: inih would take an indented line as a continuation. */
        l = skip_ws(l);
        strip_trailing_ws(l);
        if (!*l || strchr(";#", *l))
                return 0;

        /* inih's buffer also needs room for the NUL, and reads on when the line fills it. */
        len = strlen(l);
        fits = out_size > 2 && len <= (size_t)out_size - 2;
        if (fits)
                memcpy(out, l, len + 1);

        cut_inline_comment(l);
        strip_trailing_ws(l);
        if (*l == '[')
                return section_header(p, l);

        eq = strpbrk(l, "=:");
        if (!eq || *eq == ':')
                return report(p, p->line, l, "not a KEY=VALUE assignment");
        *eq = '\0';
        key = l;
        strip_trailing_ws(key);
        value = skip_ws(eq + 1);
        if (!*key) {
                *eq = '=';
                return report(p, p->line, l, "no key before '='");
        }

        /* Only plain keys go to inih; any other is unknown anyway, and said so here. */
        if (fits && key_is_plain(key))
                return 1;
        return dispatch(p, key, value);
}

/* The next physical line into p->buf, without its newline; -1 at the end or on error. */
static ssize_t next_line(Parser *p)
{
        ssize_t n;

        if (p->f) {
                errno = 0;
                n = getline(&p->buf, &p->buf_size, p->f);
                if (n < 0) {
                        if (ferror(p->f))
                                p->r = errno > 0 ? -errno : -EIO;
                        else if (errno == ENOMEM)
                                p->r = -ENOMEM;
                        return -1;
                }
        } else {
                const char *e;

                if (!*p->text)
                        return -1;
                e = strchrnul(p->text, '\n');
                n = e - p->text;
                if ((size_t)n + 1 > p->buf_size) {
                        char *b = realloc(p->buf, n + 1);

                        if (!b) {
                                p->r = -ENOMEM;
                                return -1;
                        }
                        p->buf = b;
                        p->buf_size = n + 1;
                }
                memcpy(p->buf, p->text, n);
                p->buf[n] = '\0';
                p->text = *e ? e + 1 : e;
        }
        if (n > 0 && p->buf[n - 1] == '\n')
                p->buf[--n] = '\0';
        return n;
}

/* inih's reader: hands it the next assignment, or NULL to end. */
static char *read_assignment(char *str, int num, void *stream)
{
        Parser *p = stream;

        for (;;) {
                ssize_t n;
                int r;

                if (p->r < 0)
                        return NULL;
                n = next_line(p);
                if (n < 0)
                        return NULL;
                p->line++;
                r = process_line(p, p->buf, (size_t)n, str, num);
                if (r < 0) {
                        p->r = r;
                        return NULL;
                }
                if (r > 0)
                        return str;
        }
}

/* inih's handler: its section is always "" (headers never reach it); nonzero means success. */
static int handle_assignment(void *user, const char *section, const char *name, const char *value)
{
        Parser *p = user;
        int r;

        r = dispatch(p, name, value);
        if (r < 0) {
                p->r = r;
                return 0;
        }
        return 1;
}

static int check_target(Parser *p, const ConfigTarget *t, const TargetLines *l)
{
        _cleanup_free_ char *section = NULL;
        const BinfmtArch *a = NULL;
        bool known = arch_by_name(t->name);
        int r = 0;

        if (asprintf(&section, "[" TARGET_SECTION_PREFIX "%s]", t->name) < 0)
                return -ENOMEM;

        if (!t->magic_set) {
                /* A bad Magic= was reported already; "needs Magic=" would only repeat it. */
                if (!known && !l->magic_bad) {
                        if (platform_resolve(t->name, &a) >= 0)
                                r = report(p, l->header, section,
                                           "\"%s\" is not a QEMU target name (this target is "
                                           "[" TARGET_SECTION_PREFIX "%s]); a new target needs "
                                           "Magic= and Interpreter=",
                                           t->name, a->name);
                        else
                                r = report(p, l->header, section,
                                           "no known target is called \"%s\"; a new target needs "
                                           "Magic= and Interpreter=",
                                           t->name);
                        if (r < 0)
                                return r;
                }
                if (t->mask_set) {
                        r = report(p, l->mask ?: l->header, "Mask",
                                   "only a target with its own Magic= can have a Mask=");
                        if (r < 0)
                                return r;
                }
                if (t->offset_set)
                        r = report(p, l->offset ?: l->header, "Offset",
                                   "only a target with its own Magic= can have an Offset=");
                return r;
        }

        if (t->mask_set && t->mask_len != t->magic_len) {
                r = report(p, l->mask ?: l->magic ?: l->header, "Mask",
                           "Mask= and Magic= must be of the same length, they are %zu and %zu "
                           "bytes long",
                           t->mask_len, t->magic_len);
                if (r < 0)
                        return r;
        }
        if (t->offset_set && t->offset + t->magic_len > RULE_MAGIC_MAX) {
                r = report(p, l->offset ?: l->magic ?: l->header, "Offset",
                           "%u plus the %zu bytes of Magic= ends past byte %d, the kernel's "
                           "header buffer",
                           t->offset, t->magic_len, RULE_MAGIC_MAX);
                if (r < 0)
                        return r;
        }
        if (!known && !t->interpreter)
                r = report(p, l->header, section,
                           "a new target needs Interpreter= (only known targets are searched "
                           "for in InterpreterPath=)");
        return r;
}

static int parse_source(Config *c, FILE *f, const char *text, const char *filename, char ***errors)
{
        Parser p = {
                .config = c,
                .filename = filename ?: "-",
                .errors = errors,
                .f = f,
                .text = text,
        };
        int k, r = 0;

        k = ini_parse_stream(read_assignment, &p, handle_assignment, &p);
        if (p.r < 0) {
                r = p.r;
                goto finish;
        }
        /* inih returns -2 when out of memory, or the line (of those it was given) of the first
         * handler failure; the handler fails only with p.r set, so any other number means it
         * refused a line this module took for an assignment. */
        if (k == -2) {
                r = -ENOMEM;
                goto finish;
        }
        if (k != 0) {
                r = report(&p, p.line, "-", "the INI parser refused an assignment (inih: %d)", k);
                if (r < 0)
                        goto finish;
        }

        for (size_t i = 0; i < p.n_lines && i < c->n_sections; i++) {
                if (p.lines[i].header == 0)
                        continue;
                r = check_target(&p, &c->sections[i], &p.lines[i]);
                if (r < 0)
                        goto finish;
        }
        r = p.n_errors > 0 ? -EINVAL : 0;

finish:
        free(p.buf);
        free(p.lines);
        return r;
}

int config_parse_file(Config *c, FILE *f, const char *filename, char ***errors)
{
        if (!c || !f)
                return -EINVAL;
        return parse_source(c, f, NULL, filename, errors);
}

int config_parse_string(Config *c, const char *text, const char *filename, char ***errors)
{
        if (!c || !text)
                return -EINVAL;
        return parse_source(c, NULL, text, filename, errors);
}

int config_new_default(Config **ret)
{
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->mount_point = strdup(CONFIG_DEFAULT_MOUNT);
        c->socket_path = strdup(CONFIG_DEFAULT_SOCKET);
        if (!c->mount_point || !c->socket_path)
                return -ENOMEM;
        r = split_words(CONFIG_DEFAULT_TARGETS, &c->targets);
        if (r < 0)
                return r;
        r = split_words(CONFIG_DEFAULT_INTERPRETER_PATH, &c->interpreter_path);
        if (r < 0)
                return r;
        c->flags = 0;
        c->reconcile_usec = CONFIG_DEFAULT_RECONCILE_SEC * USEC_PER_SEC;
        c->verify_usec = CONFIG_DEFAULT_VERIFY_SEC * USEC_PER_SEC;
        c->max_connections = CONFIG_DEFAULT_MAX_CONNECTIONS;
        c->max_connections_per_user = CONFIG_DEFAULT_MAX_PER_USER;
        c->max_watches_per_user = CONFIG_DEFAULT_WATCHES_PER_USER;
        c->idle_usec = CONFIG_DEFAULT_IDLE_SEC * USEC_PER_SEC;

        *ret = TAKE_PTR(c);
        return 0;
}

Config *config_free(Config *c)
{
        if (!c)
                return NULL;
        free(c->mount_point);
        free(c->socket_path);
        strv_free(c->targets);
        strv_free(c->interpreter_path);
        free(c->admin_group);
        free(c->node_feature_file);
        free(c->targets_at);
        free(c->admin_group_at);
        for (size_t i = 0; i < c->n_sections; i++) {
                free(c->sections[i].name);
                free(c->sections[i].interpreter);
                free(c->sections[i].platform);
        }
        free(c->sections);
        free(c);
        return NULL;
}

const ConfigTarget *config_find_target(const Config *c, const char *name)
{
        if (!c || !name)
                return NULL;
        for (size_t i = 0; i < c->n_sections; i++)
                if (streq(c->sections[i].name, name))
                        return &c->sections[i];
        return NULL;
}
