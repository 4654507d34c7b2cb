/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for binfmtd.conf text. Parses the input (cut at its first NUL, as a string would
 * be) over the defaults and aborts on any inconsistency it can check: the return code against
 * the error list; every message's "FILE:LINE: " prefix, line number and printability; every
 * invariant a configuration accepted without errors must hold; the same result when read as a
 * FILE; the same result with every line padded past inih's buffer (so the assignments split by
 * config.c and those split by inih must agree); and no change when an accepted text is parsed
 * a second time over its own result.
 */

#include <stdint.h>
#include <stdio.h>

#include "target/arch.h"
#include "config/config.h"
#include "base/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILENAME "fuzz.conf"
#define PAD      200 /* inih's line buffer: a padded line never fits */
#define SEC      UINT64_C(1000000)

static void check(bool ok)
{
        if (!ok)
                abort();
}

static bool strv_equal(char **a, char **b)
{
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

static bool targets_equal(const ConfigTarget *a, const ConfigTarget *b)
{
        return streq(a->name, b->name) && streq_ptr(a->interpreter, b->interpreter) &&
               a->flags_set == b->flags_set && a->flags == b->flags &&
               streq_ptr(a->platform, b->platform) && a->magic_set == b->magic_set &&
               a->magic_len == b->magic_len && memcmp(a->magic, b->magic, a->magic_len) == 0 &&
               a->mask_set == b->mask_set && a->mask_len == b->mask_len &&
               memcmp(a->mask, b->mask, a->mask_len) == 0 && a->offset_set == b->offset_set &&
               a->offset == b->offset;
}

static bool configs_equal(const Config *a, const Config *b)
{
        if (!streq(a->mount_point, b->mount_point) || !streq(a->socket_path, b->socket_path) ||
            !strv_equal(a->targets, b->targets) ||
            !strv_equal(a->interpreter_path, b->interpreter_path) || a->flags != b->flags ||
            a->reconcile_usec != b->reconcile_usec || !streq_ptr(a->admin_group, b->admin_group) ||
            a->take_over != b->take_over || a->remove_on_stop != b->remove_on_stop ||
            a->max_connections != b->max_connections || a->idle_usec != b->idle_usec ||
            a->n_sections != b->n_sections)
                return false;
        for (size_t i = 0; i < a->n_sections; i++)
                if (!targets_equal(&a->sections[i], &b->sections[i]))
                        return false;
        return true;
}

static bool absolute(const char *s)
{
        return s && s[0] == '/';
}

static bool name_chars(const char *s, size_t max)
{
        size_t n = strlen(s);

        return n >= 1 && n <= max &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* What every Config parsed without errors holds. */
static void check_config(const Config *c)
{
        check(absolute(c->mount_point));
        check(absolute(c->socket_path));
        check(c->targets && c->interpreter_path);
        STRV_FOREACH (d, c->interpreter_path)
                check(absolute(*d) && !strchr(*d, ':'));
        STRV_FOREACH (t, c->targets)
                check((*t)[0] && !strpbrk(*t, " \t\r\n"));
        check((c->flags & ~(unsigned)(RULE_FLAG_P | RULE_FLAG_O | RULE_FLAG_C)) == 0);
        check(c->reconcile_usec > 0 && c->reconcile_usec % SEC == 0);
        check(c->idle_usec > 0 && c->idle_usec % SEC == 0);
        check(c->max_connections >= 1 && c->max_connections <= 4096);
        check(!c->admin_group || (c->admin_group[0] && !strchr(c->admin_group, ':') &&
                                  !(c->admin_group[0] >= '0' && c->admin_group[0] <= '9')));

        for (size_t i = 0; i < c->n_sections; i++) {
                const ConfigTarget *t = &c->sections[i];
                bool known = arch_by_name(t->name);

                check(name_chars(t->name, 64));
                check(config_find_target(c, t->name) == t);
                check((t->flags & ~(unsigned)(RULE_FLAG_P | RULE_FLAG_O | RULE_FLAG_C)) == 0);
                check(!t->flags_set ? t->flags == 0 : true);
                check(!t->interpreter ||
                      (absolute(t->interpreter) && !strchr(t->interpreter, ':')));
                check(!t->platform || strchr(t->platform, '/'));
                if (t->magic_set) {
                        check(t->magic_len >= 1 && t->magic_len <= RULE_MAGIC_MAX);
                        check(!t->mask_set || t->mask_len == t->magic_len);
                        check(!t->offset_set || t->offset + t->magic_len <= RULE_MAGIC_MAX);
                        check(known || t->interpreter);
                } else {
                        check(t->magic_len == 0 && !t->mask_set && !t->offset_set && known);
                }
        }
}

static unsigned count_lines(const char *text)
{
        unsigned n = 1;

        for (const char *p = text; *p; p++)
                if (*p == '\n')
                        n++;
        return n;
}

/* "fuzz.conf:LINE: KEY: reason", printable ASCII, LINE within the text. */
static void check_errors(char **errors, unsigned lines)
{
        STRV_FOREACH (e, errors) {
                const char *p = startswith(*e, FILENAME ":");
                unsigned long line;
                char *end;

                check(p && *p >= '1' && *p <= '9');
                line = strtoul(p, &end, 10);
                check(line >= 1 && line <= lines);
                check(startswith(end, ": ") && strstr(end + 2, ": "));
                for (p = *e; *p; p++)
                        check((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
        }
}

/* Returns the parse's result (0 or -EINVAL), or 1 when it ran out of memory. */
static int parse_text(const char *text, bool as_file, Config **ret, char ***ret_errors)
{
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        int r;

        if (config_new_default(&c) < 0)
                return 1;
        if (as_file) {
                _cleanup_fclose_ FILE *f = fmemopen((void *)text, strlen(text), "r");

                if (!f)
                        return 1;
                r = config_parse_file(c, f, FILENAME, &errors);
        } else
                r = config_parse_string(c, text, FILENAME, &errors);
        if (r == -ENOMEM)
                return 1;
        check(r == 0 || r == -EINVAL);
        check((r == 0) == (strv_length(errors) == 0));

        *ret = TAKE_PTR(c);
        *ret_errors = TAKE_PTR(errors);
        return r;
}

/* The text with PAD blanks before every newline and at the end: trailing blanks mean nothing. */
static char *pad_lines(const char *text)
{
        size_t n = strlen(text), lines = count_lines(text);
        char *s = malloc(n + lines * PAD + 1), *o = s;

        if (!s)
                return NULL;
        for (const char *p = text;; p++) {
                if (*p == '\n' || *p == '\0') {
                        memset(o, ' ', PAD);
                        o += PAD;
                }
                if (*p == '\0')
                        break;
                *o++ = *p;
        }
        *o = '\0';
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(config_freep) Config *c = NULL, *file = NULL, *padded = NULL;
        _cleanup_strv_free_ char **errors = NULL, **file_errors = NULL, **padded_errors = NULL;
        _cleanup_free_ char *text = NULL, *long_text = NULL;
        int r, r2;

        /* Configuration files are small; keep every run fast. */
        if (size > 65536)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        r = parse_text(text, false, &c, &errors);
        if (r > 0)
                return 0;
        check_errors(errors, count_lines(text));
        if (r == 0)
                check_config(c);

        r2 = parse_text(text, true, &file, &file_errors);
        if (r2 > 0)
                return 0;
        check(r2 == r && strv_equal(errors, file_errors) && configs_equal(c, file));

        if (strlen(text) <= 8192) {
                long_text = pad_lines(text);
                if (!long_text)
                        return 0;
                r2 = parse_text(long_text, false, &padded, &padded_errors);
                if (r2 > 0)
                        return 0;
                check(r2 == r && strv_equal(errors, padded_errors) && configs_equal(c, padded));
        }

        /* An accepted text parsed again over its own result changes nothing. */
        if (r == 0) {
                _cleanup_(config_freep) Config *again = NULL;

                if (config_new_default(&again) < 0)
                        return 0;
                r2 = config_parse_string(again, text, FILENAME, NULL);
                if (r2 == -ENOMEM)
                        return 0;
                check(r2 == 0);
                r2 = config_parse_string(again, text, FILENAME, NULL);
                if (r2 == -ENOMEM)
                        return 0;
                check(r2 == 0 && configs_equal(c, again));
        }

        return 0;
}
