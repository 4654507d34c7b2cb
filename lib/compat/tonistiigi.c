/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What binfmtctl's tonistiigi/binfmt compatibility mode must reproduce exactly and can decide
 * without the system: the command line as Go's flag package reads it, architecture names as
 * containerd's platforms.Parse() normalises them, tonistiigi/binfmt's table of ten install
 * keys, and the status JSON as Go's encoding/json writes it.
 *
 * Every byte here is part of a contract that scripts and docker/setup-qemu-action parse, so the
 * wording of errors and the escaping of strings follow Go, not binfmtd's own style. This module
 * must not print, touch the system or look at the host: the host's architecture comes in as an
 * argument, and errors go back as text for the caller to print (tools/compat.c).
 */

#include <stdint.h>

#include "compat/tonistiigi.h"
#include "base/macro.h"
#include "base/strv.h"
#include "base/text.h"

/* The order of tonistiigi/binfmt's documentation. */
static const CompatTarget targets[] = {
        {"amd64", "x86_64"},    {"arm64", "aarch64"},
        {"arm", "arm"},         {"s390x", "s390x"},
        {"ppc64le", "ppc64le"}, {"riscv64", "riscv64"},
        {"386", "i386"},        {"mips64le", "mips64el"},
        {"mips64", "mips64"},   {"loong64", "loongarch64"},
};

const CompatTarget *compat_targets(size_t *ret_n)
{
        *ret_n = ELEMENTSOF(targets);
        return targets;
}

const char *compat_qemu_name(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(targets); i++)
                if (streq(targets[i].key, key))
                        return targets[i].qemu;
        return NULL;
}

/* ---- Go's flag package ------------------------------------------------------------------ */

static bool flag_takes_value(const char *name)
{
        return streq(name, "install") || streq(name, "uninstall") || streq(name, "mount");
}

static bool flag_known(const char *name)
{
        return flag_takes_value(name) || streq(name, "version");
}

/* The flag name of @arg ("--install=x" -> "install" in @buf), or NULL when @arg is not one. */
static const char *flag_name(const char *arg, char *buf, size_t size)
{
        const char *n;
        size_t l;

        if (arg[0] != '-' || arg[1] == '\0')
                return NULL;
        n = arg + 1 + (arg[1] == '-');
        l = strcspn(n, "=");
        if (l == 0 || l >= size)
                return NULL;
        memcpy(buf, n, l);
        buf[l] = '\0';
        return buf;
}

bool compat_args_wanted(int argc, char *const *argv)
{
        const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
        char name[32];

        base = base ? base + 1 : (argc > 0 && argv[0] ? argv[0] : "");
        if (streq(base, "binfmt"))
                return argc < 2 || argv[1][0] == '-';

        if (argc < 2 || streq(argv[1], "--version"))
                return false;
        if (!flag_name(argv[1], name, sizeof(name)) || !flag_known(name))
                return false;
        /* Read as Go would: a word that is no flag's value is a binfmtctl command. */
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (streq(a, "--"))
                        return i + 1 >= argc;
                if (a[0] != '-' || a[1] == '\0')
                        return false;
                if (!flag_name(a, name, sizeof(name)) || !flag_known(name))
                        return false; /* binfmtctl's own option (--direct, --socket...) */
                if (flag_takes_value(name) && !strchr(a, '='))
                        i++;
        }
        return true;
}

/* Go's strconv.ParseBool. */
static int go_parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (streq(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (streq(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

int compat_args_parse(int argc, char *const *argv, CompatArgs *ret, char **ret_error)
{
        CompatArgs a = {};

        for (int i = 1; i < argc; i++) {
                const char *s = argv[i], *name, *eq, *value;
                _cleanup_free_ char *n = NULL;
                int dashes = 1;

                if (strlen(s) < 2 || s[0] != '-')
                        break;
                if (s[1] == '-') {
                        dashes = 2;
                        if (s[2] == '\0')
                                break;
                }
                name = s + dashes;
                if (name[0] == '-' || name[0] == '=')
                        return text_refuse(ret_error, -EINVAL, "bad flag syntax: %s", s);

                eq = strchr(name + 1, '=');
                n = eq ? strndup(name, eq - name) : strdup(name);
                if (!n)
                        return -ENOMEM;

                if (!flag_known(n)) {
                        if (streq(n, "help") || streq(n, "h"))
                                return COMPAT_ARGS_HELP;
                        return text_refuse(ret_error, -EINVAL, "flag provided but not defined: -%s",
                                           n);
                }
                if (streq(n, "version")) {
                        if (eq && go_parse_bool(eq + 1, &a.version) < 0)
                                return text_refuse(ret_error, -EINVAL,
                                                   "invalid boolean value \"%s\" for -%s: parse "
                                                   "error",
                                                   eq + 1, n);
                        if (!eq)
                                a.version = true;
                        continue;
                }

                if (eq)
                        value = eq + 1;
                else if (i + 1 < argc)
                        value = argv[++i];
                else
                        return text_refuse(ret_error, -EINVAL, "flag needs an argument: -%s", n);

                if (streq(n, "install"))
                        a.install = value;
                else if (streq(n, "uninstall"))
                        a.uninstall = value;
                else
                        a.mount = value;
        }
        *ret = a;
        return 0;
}

/* ---- containerd's platforms.Parse(), as far as the architecture goes --------------------- */

static bool in_list(const char *s, const char *const *l)
{
        for (; *l; l++)
                if (streq(s, *l))
                        return true;
        return false;
}

static const char *const go_known_os[] = {
        "aix",   "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios", "js",
        "linux", "nacl",    "netbsd", "openbsd",   "plan9",   "solaris", "windows", "zos", NULL,
};

static const char *const go_known_arch[] = {
        "386",       "amd64",       "amd64p32", "arm",   "armbe",   "arm64",  "arm64be",
        "ppc64",     "ppc64le",     "loong64",  "mips",  "mipsle",  "mips64", "mips64le",
        "mips64p32", "mips64p32le", "ppc",      "riscv", "riscv64", "s390",   "s390x",
        "sparc",     "sparc64",     "wasm",     NULL,
};

const char *compat_arch_normalize(const char *arch)
{
        if (streq(arch, "i386"))
                return "386";
        if (streq(arch, "x86_64") || streq(arch, "x86-64"))
                return "amd64";
        if (streq(arch, "aarch64"))
                return "arm64";
        if (streq(arch, "armhf") || streq(arch, "armel"))
                return "arm";
        return arch;
}

/* containerd's specifierRe: ^[A-Za-z0-9_.-]+$ for each of OS, architecture and variant. */
static bool specifier_part_ok(const char *p)
{
        if (!*p)
                return false;
        for (; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        return true;
}

int compat_arch_parse(const char *spec, const char *host_arch, char *buf, size_t size)
{
        _cleanup_free_ char *s = strdup(spec);
        char *parts[4] = {};
        size_t n = 0;

        if (!s)
                return -ENOMEM;
        if (strchr(s, '*'))
                return -EINVAL;
        for (char *p = s, *slash;; p = slash + 1) {
                if (n >= 3)
                        return -EINVAL;
                parts[n++] = p;
                slash = strchr(p, '/');
                if (!slash)
                        break;
                *slash = '\0';
        }
        for (size_t i = 0; i < n; i++) {
                if (!specifier_part_ok(parts[i]))
                        return -EINVAL;
                text_ascii_lower(parts[i]);
        }

        if (n == 1) {
                if (in_list(parts[0], go_known_os) || streq(parts[0], "macos")) {
                        /* A bare OS: containerd picks the architecture it runs on. */
                        if (!host_arch)
                                return -EINVAL;
                        snprintf(buf, size, "%s", host_arch);
                        return 0;
                }
                if (!in_list(compat_arch_normalize(parts[0]), go_known_arch))
                        return -EINVAL;
        }
        /* With an OS given, containerd takes any architecture and drops the variant. */
        snprintf(buf, size, "%s", compat_arch_normalize(parts[n == 1 ? 0 : 1]));
        return 0;
}

bool compat_install_is_all(const char *list)
{
        return streq(list, "all");
}

int compat_install_list(const char *list, const char *host_arch, char ***ret)
{
        _cleanup_free_ char *copy = strdup(list);
        char **keys = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *item = copy, *comma;; item = comma + 1) {
                /* As long as the key table's names need; a longer one is no key anyway. */
                char arch[64];
                int q;

                comma = strchr(item, ',');
                if (comma)
                        *comma = '\0';
                q = compat_arch_parse(item, host_arch, arch, sizeof(arch));
                if (q == -ENOMEM || strv_extend(&keys, q >= 0 ? arch : item) < 0) {
                        strv_free(keys);
                        return -ENOMEM;
                }
                if (!comma)
                        break;
        }
        *ret = keys;
        return 0;
}

/* ---- Go's encoding/json --------------------------------------------------------------------- */

int compat_json_string(FILE *f, const char *s)
{
        const unsigned char *p = (const unsigned char *)s;

        fputc('"', f);
        while (*p) {
                unsigned char ch = *p;
                size_t len = ch < 0x80             ? 1
                             : (ch & 0xe0) == 0xc0 ? 2
                             : (ch & 0xf0) == 0xe0 ? 3
                             : (ch & 0xf8) == 0xf0 ? 4
                                                   : 0;
                uint32_t cp = len == 2 ? ch & 0x1f : len == 3 ? ch & 0x0f : ch & 0x07;
                bool valid = len > 0;

                /* Stops at a NUL too: it is no continuation byte. */
                for (size_t i = 1; valid && i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                valid = false;
                        else
                                cp = (cp << 6) | (p[i] & 0x3f);
                }
                if (valid && len > 1 &&
                    ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                     (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
                     (cp >= 0xd800 && cp <= 0xdfff)))
                        valid = false;
                if (!valid) {
                        /* Go replaces one byte at a time and goes on with the next. */
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                if (len > 1) {
                        /* Valid in JSON, but line terminators to JavaScript. */
                        if (cp == 0x2028 || cp == 0x2029)
                                fprintf(f, "\\u%04x", cp);
                        else
                                fwrite(p, 1, len, f);
                        p += len;
                        continue;
                }
                if (ch == '"' || ch == '\\')
                        fprintf(f, "\\%c", ch);
                else if (ch == '\n')
                        fputs("\\n", f);
                else if (ch == '\r')
                        fputs("\\r", f);
                else if (ch == '\t')
                        fputs("\\t", f);
                else if (ch == '\b') /* Go 1.22 and newer, as the current image's build */
                        fputs("\\b", f);
                else if (ch == '\f')
                        fputs("\\f", f);
                else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&')
                        fprintf(f, "\\u%04x", ch);
                else
                        fputc(ch, f);
                p++;
        }
        fputc('"', f);
        return ferror(f) ? -EIO : 0;
}

int compat_json_array(FILE *f, char *const *l)
{
        if (!l || !*l) {
                fputs("null", f);
                return ferror(f) ? -EIO : 0;
        }
        fputs("[\n", f);
        for (size_t i = 0; l[i]; i++) {
                fputs("    ", f);
                (void)compat_json_string(f, l[i]);
                fputs(l[i + 1] ? ",\n" : "\n", f);
        }
        fputs("  ]", f);
        return ferror(f) ? -EIO : 0;
}

int compat_json_status(FILE *f, char *const *supported, char *const *emulators)
{
        fputs("{\n  \"supported\": ", f);
        (void)compat_json_array(f, supported);
        fputs(",\n  \"emulators\": ", f);
        (void)compat_json_array(f, emulators);
        fputs("\n}\n", f);
        return ferror(f) ? -EIO : 0;
}
