/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tonistiigi/binfmt contract as far as it needs no system: the command line as Go's flag
 * package reads it (every form, every error in Go's words), the architecture names that select
 * an install key and those that must not, the exact "all", and the status JSON escaped as Go's
 * encoding/json escapes it.
 */

#include "compat/tonistiigi.h"
#include "base/strv.h"
#include "tests.h"

#define ARGV(...) ((char *[]){"binfmt", __VA_ARGS__, NULL})
#define ARGC(...) ((int)ELEMENTSOF(((char *[]){"binfmt", __VA_ARGS__})))

/* Parses and expects success; the result in @a. */
#define PARSE_OK(a, ...)                                                                           \
        do {                                                                                       \
                char *_err_ = NULL;                                                                \
                ASSERT_EQ(compat_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &(a), &_err_),   \
                          0);                                                                      \
                ASSERT_NULL(_err_);                                                                \
        } while (0)

/* Parses and expects Go's error text @msg. */
#define PARSE_FAILS(msg, ...)                                                                      \
        do {                                                                                       \
                CompatArgs _args_ = {.install = "untouched"};                                      \
                char *_err_ = NULL;                                                                \
                ASSERT_ERROR(                                                                      \
                        compat_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &_args_, &_err_),  \
                        EINVAL);                                                                   \
                ASSERT_STREQ(_err_, msg);                                                          \
                ASSERT_STREQ(_args_.install, "untouched");                                         \
                free(_err_);                                                                       \
        } while (0)

#define PARSE_HELP(...)                                                                            \
        do {                                                                                       \
                CompatArgs _args_ = {};                                                            \
                char *_err_ = NULL;                                                                \
                ASSERT_EQ(                                                                         \
                        compat_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &_args_, &_err_),  \
                        COMPAT_ARGS_HELP);                                                         \
                ASSERT_NULL(_err_);                                                                \
        } while (0)

TEST(table)
{
        static const char *const keys[] = {"amd64",   "arm64", "arm",      "s390x",  "ppc64le",
                                           "riscv64", "386",   "mips64le", "mips64", "loong64"};
        static const char *const qemu[] = {"x86_64",  "aarch64",    "arm",  "s390x",
                                           "ppc64le", "riscv64",    "i386", "mips64el",
                                           "mips64",  "loongarch64"};
        const CompatTarget *t;
        size_t n = 0;

        t = compat_targets(&n);
        ASSERT_EQ(n, ELEMENTSOF(keys));
        for (size_t i = 0; i < n; i++) {
                ASSERT_STREQ(t[i].key, keys[i]);
                ASSERT_STREQ(t[i].qemu, qemu[i]);
                ASSERT_STREQ(compat_qemu_name(keys[i]), qemu[i]);
        }
        /* Keys are GOARCH names, exactly. */
        ASSERT_NULL(compat_qemu_name("aarch64"));
        ASSERT_NULL(compat_qemu_name("x86_64"));
        ASSERT_NULL(compat_qemu_name("ARM64"));
        ASSERT_NULL(compat_qemu_name("all"));
        ASSERT_NULL(compat_qemu_name(""));
}

TEST(flag_forms)
{
        CompatArgs a;

        /* -x, --x, -x=v, --x=v, -x v, --x v. */
        PARSE_OK(a, "-install", "arm64");
        ASSERT_STREQ(a.install, "arm64");
        ASSERT_NULL(a.uninstall);
        ASSERT_NULL(a.mount);
        ASSERT_FALSE(a.version);
        PARSE_OK(a, "--install", "arm64");
        ASSERT_STREQ(a.install, "arm64");
        PARSE_OK(a, "-install=arm64,riscv64");
        ASSERT_STREQ(a.install, "arm64,riscv64");
        PARSE_OK(a, "--install=all");
        ASSERT_STREQ(a.install, "all");
        PARSE_OK(a, "--uninstall", "qemu-*", "-mount=/mnt");
        ASSERT_STREQ(a.uninstall, "qemu-*");
        ASSERT_STREQ(a.mount, "/mnt");
        ASSERT_NULL(a.install);
        PARSE_OK(a, "-mount", "/x", "--uninstall=arm");
        ASSERT_STREQ(a.mount, "/x");
        ASSERT_STREQ(a.uninstall, "arm");

        /* A value is taken whatever it looks like, '=' included only after the first. */
        PARSE_OK(a, "--install", "--foo");
        ASSERT_STREQ(a.install, "--foo");
        PARSE_OK(a, "-install", "-version");
        ASSERT_STREQ(a.install, "-version");
        ASSERT_FALSE(a.version);
        PARSE_OK(a, "--install=a=b");
        ASSERT_STREQ(a.install, "a=b");
        PARSE_OK(a, "--install=");
        ASSERT_STREQ(a.install, "");
        PARSE_OK(a, "--install", "");
        ASSERT_STREQ(a.install, "");

        /* The last of a repeated flag wins. */
        PARSE_OK(a, "--install=arm64", "-install", "s390x");
        ASSERT_STREQ(a.install, "s390x");

        /* Nothing at all. */
        ASSERT_EQ(compat_args_parse(1, ARGV(NULL), &a, NULL), 0);
        ASSERT_NULL(a.install);
        ASSERT_NULL(a.mount);
        ASSERT_FALSE(a.version);
}

TEST(stops)
{
        CompatArgs a;

        /* Parsing stops at the first word, which with all after it is ignored. */
        PARSE_OK(a, "arm64", "--install", "arm64");
        ASSERT_NULL(a.install);
        PARSE_OK(a, "--install", "arm64", "status", "--foo", "-install=x");
        ASSERT_STREQ(a.install, "arm64");
        /* "-" alone is a word. */
        PARSE_OK(a, "-", "--foo");
        ASSERT_NULL(a.install);
        /* "--" ends the flags and is consumed. */
        PARSE_OK(a, "--", "--install=arm64");
        ASSERT_NULL(a.install);
        PARSE_OK(a, "-version", "--", "-foo");
        ASSERT_TRUE(a.version);
        PARSE_OK(a, "--install=arm", "--");
        ASSERT_STREQ(a.install, "arm");
        /* ... but as a value it is a value. */
        PARSE_OK(a, "--install", "--", "--mount=/m");
        ASSERT_STREQ(a.install, "--");
        ASSERT_STREQ(a.mount, "/m");
}

TEST(bool_flag)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
        static const char *const bad[] = {"", "yes", "no", "TRue", "on", "2", " true", "true "};
        CompatArgs a;

        PARSE_OK(a, "-version");
        ASSERT_TRUE(a.version);
        PARSE_OK(a, "--version");
        ASSERT_TRUE(a.version);
        /* A bool takes no separate value: "false" is a word and stops parsing. */
        PARSE_OK(a, "-version", "false", "--foo");
        ASSERT_TRUE(a.version);
        PARSE_OK(a, "--version=true", "--version=false");
        ASSERT_FALSE(a.version);

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                _cleanup_free_ char *arg = NULL, *arg2 = NULL;

                ASSERT_TRUE(asprintf(&arg, "-version=%s", yes[i]) > 0);
                ASSERT_TRUE(asprintf(&arg2, "--version=%s", yes[i]) > 0);
                PARSE_OK(a, arg);
                ASSERT_TRUE(a.version);
                PARSE_OK(a, arg2);
                ASSERT_TRUE(a.version);
        }
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                _cleanup_free_ char *arg = NULL;

                ASSERT_TRUE(asprintf(&arg, "--version=%s", no[i]) > 0);
                PARSE_OK(a, "-version", arg);
                ASSERT_FALSE(a.version);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *arg = NULL, *msg = NULL;

                ASSERT_TRUE(asprintf(&arg, "--version=%s", bad[i]) > 0);
                ASSERT_TRUE(asprintf(&msg, "invalid boolean value \"%s\" for -version: parse error",
                                     bad[i]) > 0);
                PARSE_FAILS(msg, arg);
        }
}

TEST(errors)
{
        PARSE_FAILS("flag provided but not defined: -foo", "-foo");
        PARSE_FAILS("flag provided but not defined: -foo", "--foo");
        PARSE_FAILS("flag provided but not defined: -foo", "--foo=bar");
        PARSE_FAILS("flag provided but not defined: -foo", "--install", "arm64", "-foo");
        /* binfmtctl's own options are unknown here; names are case-sensitive. */
        PARSE_FAILS("flag provided but not defined: -direct", "--direct");
        PARSE_FAILS("flag provided but not defined: -Install", "-Install=arm64");
        PARSE_FAILS("flag provided but not defined: -x", "-x", "--install=arm64");

        PARSE_FAILS("flag needs an argument: -install", "-install");
        PARSE_FAILS("flag needs an argument: -install", "--install");
        PARSE_FAILS("flag needs an argument: -uninstall", "--uninstall");
        PARSE_FAILS("flag needs an argument: -mount", "-version", "-mount");

        PARSE_FAILS("bad flag syntax: ---install=arm64", "---install=arm64");
        PARSE_FAILS("bad flag syntax: -=x", "-=x");
        PARSE_FAILS("bad flag syntax: --=", "--=");

        /* The error is Go's, whichever flag comes first. */
        PARSE_FAILS("flag provided but not defined: -a", "-a", "-install");
}

TEST(help)
{
        PARSE_HELP("-h");
        PARSE_HELP("--h");
        PARSE_HELP("-help");
        PARSE_HELP("--help");
        PARSE_HELP("--help=no");
        PARSE_HELP("--install=arm64", "-h", "--foo");
        /* After a word, or as a value, it is no flag. */
        {
                CompatArgs a;
                PARSE_OK(a, "status", "-h");
                PARSE_OK(a, "--install", "-h");
                ASSERT_STREQ(a.install, "-h");
        }
}

TEST(wanted)
{
        /* As "binfmt": anything starting with a dash, or nothing. */
        ASSERT_TRUE(compat_args_wanted(1, (char *[]){"/usr/bin/binfmt", NULL}));
        ASSERT_TRUE(compat_args_wanted(2, (char *[]){"binfmt", "--foo", NULL}));
        ASSERT_TRUE(compat_args_wanted(2, (char *[]){"binfmt", "--version", NULL}));
        ASSERT_TRUE(compat_args_wanted(2, (char *[]){"./binfmt", "-install=all", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmt", "status", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmt", "", NULL}));

        /* Under another name: the four flags, nothing else. */
        ASSERT_TRUE(compat_args_wanted(3, (char *[]){"binfmtctl", "--install", "all", NULL}));
        ASSERT_TRUE(compat_args_wanted(2, (char *[]){"binfmtctl", "-install=arm64", NULL}));
        ASSERT_TRUE(compat_args_wanted(3, (char *[]){"binfmtctl", "-uninstall", "qemu-*", NULL}));
        ASSERT_TRUE(compat_args_wanted(2, (char *[]){"binfmtctl", "-version", NULL}));
        ASSERT_TRUE(compat_args_wanted(2, (char *[]){"binfmtctl", "--version=true", NULL}));
        ASSERT_TRUE(compat_args_wanted(
                5, (char *[]){"binfmtctl", "--mount", "/m", "--install", "status", NULL}));
        ASSERT_TRUE(
                compat_args_wanted(4, (char *[]){"binfmtctl", "--install=x", "-mount", "-", NULL}));
        ASSERT_TRUE(compat_args_wanted(3, (char *[]){"binfmtctl", "--install=x", "--", NULL}));
        /* A missing value is still Go's to report. */
        ASSERT_TRUE(compat_args_wanted(2, (char *[]){"binfmtctl", "--install", NULL}));

        ASSERT_FALSE(compat_args_wanted(1, (char *[]){"binfmtctl", NULL}));
        ASSERT_FALSE(compat_args_wanted(0, (char *[]){NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmtctl", "--version", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmtctl", "status", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmtctl", "--foo", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmtctl", "--help", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmtctl", "-", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmtctl", "--", NULL}));
        ASSERT_FALSE(compat_args_wanted(2, (char *[]){"binfmtctl", "--=x", NULL}));
        ASSERT_FALSE(
                compat_args_wanted(4, (char *[]){"binfmtctl", "--mount", "/m", "status", NULL}));
        ASSERT_FALSE(compat_args_wanted(
                4, (char *[]){"binfmtctl", "--mount=/m", "--direct", "x", NULL}));
        ASSERT_FALSE(
                compat_args_wanted(4, (char *[]){"binfmtctl", "--install=x", "--", "y", NULL}));
        ASSERT_FALSE(compat_args_wanted(3, (char *[]){"binfmtctl", "--install=x", "", NULL}));
}

/* compat_arch_parse() of @spec, or "!" where it fails. */
static const char *parse_arch(const char *spec, const char *host, char *buf, size_t size)
{
        int r = compat_arch_parse(spec, host, buf, size);

        if (r == -EINVAL)
                return "!";
        ASSERT_OK(r);
        return buf;
}

TEST(arch_normalize)
{
        ASSERT_STREQ(compat_arch_normalize("aarch64"), "arm64");
        ASSERT_STREQ(compat_arch_normalize("x86_64"), "amd64");
        ASSERT_STREQ(compat_arch_normalize("x86-64"), "amd64");
        ASSERT_STREQ(compat_arch_normalize("armhf"), "arm");
        ASSERT_STREQ(compat_arch_normalize("armel"), "arm");
        ASSERT_STREQ(compat_arch_normalize("i386"), "386");
        ASSERT_STREQ(compat_arch_normalize("arm64"), "arm64");
        ASSERT_STREQ(compat_arch_normalize("mips64el"), "mips64el");
        ASSERT_STREQ(compat_arch_normalize("i686"), "i686");
        /* It expects lower case; platforms.Parse lowers first. */
        ASSERT_STREQ(compat_arch_normalize("AARCH64"), "AARCH64");
}

TEST(arch_accepted)
{
        /* Every name tonistiigi/binfmt accepts (reference, section 1), and more spellings. */
        static const struct {
                const char *spec, *key;
        } good[] = {
                {"arm64", "arm64"},
                {"linux/arm64", "arm64"},
                {"linux/arm64/v8", "arm64"},
                {"aarch64", "arm64"},
                {"amd64", "amd64"},
                {"x86_64", "amd64"},
                {"linux/amd64/v2", "amd64"},
                {"linux/arm/v7", "arm"},
                {"linux/arm/v6", "arm"},
                {"armhf", "arm"},
                {"i386", "386"},
                {"386", "386"},
                {"riscv64", "riscv64"},
                {"linux/riscv64", "riscv64"},
                {"s390x", "s390x"},
                {"ppc64le", "ppc64le"},
                {"mips64le", "mips64le"},
                {"mips64", "mips64"},
                {"loong64", "loong64"},
                {"x86-64", "amd64"},
                {"armel", "arm"},
                {"arm", "arm"},
                {"AArch64", "arm64"},
                {"LINUX/ARM64/V8", "arm64"},
                {"linux/x86_64", "amd64"},
                {"linux/aarch64", "arm64"},
                {"linux/armhf", "arm"},
                {"windows/arm64", "arm64"},
                {"linux/i386/x", "386"},
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_strv_free_ char **keys = NULL;
                char buf[64];

                ASSERT_STREQ(parse_arch(good[i].spec, NULL, buf, sizeof(buf)), good[i].key);
                ASSERT_NOT_NULL(compat_qemu_name(buf));
                ASSERT_OK(compat_install_list(good[i].spec, NULL, &keys));
                ASSERT_EQ(strv_length(keys), 1);
                ASSERT_STREQ(keys[0], good[i].key);
        }
}

TEST(arch_refused)
{
        /* Names containerd refuses: the list keeps them as given, and no key matches. */
        static const char *const refused[] = {
                "mips64el",     "loongarch64",
                "qemu-aarch64", " riscv64",
                "riscv64 ",     "",
                "x86",          "i686",
                "arm64*",       "*",
                "linux/arm64*", "a/b/c/d",
                "linux//arm64", "/arm64",
                "linux/",       "linux/arm64/",
                "arm 64",       "linux/arm64/v8/x",
                "ARM64\n",
        };
        /* Names containerd takes whose architecture is no key. */
        static const struct {
                const char *spec, *arch;
        } no_key[] = {
                {"ppc64", "ppc64"},
                {"ppc", "ppc"},
                {"mips", "mips"},
                {"wasm", "wasm"},
                {"linux/mips64el", "mips64el"},
                {"linux/loongarch64", "loongarch64"},
                {"linux/qemu-aarch64", "qemu-aarch64"},
                {"linux/all", "all"},
        };

        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                _cleanup_strv_free_ char **keys = NULL;
                char buf[64];

                ASSERT_STREQ(parse_arch(refused[i], "amd64", buf, sizeof(buf)), "!");
                ASSERT_OK(compat_install_list(refused[i], "amd64", &keys));
                ASSERT_EQ(strv_length(keys), 1);
                ASSERT_STREQ(keys[0], refused[i]);
                ASSERT_NULL(compat_qemu_name(keys[0]));
        }
        for (size_t i = 0; i < ELEMENTSOF(no_key); i++) {
                char buf[64];

                ASSERT_STREQ(parse_arch(no_key[i].spec, "amd64", buf, sizeof(buf)), no_key[i].arch);
                ASSERT_NULL(compat_qemu_name(buf));
        }
}

TEST(arch_bare_os)
{
        char buf[64];

        /* A bare OS is the host's architecture, the quirk containerd has. */
        ASSERT_STREQ(parse_arch("linux", "arm64", buf, sizeof(buf)), "arm64");
        ASSERT_STREQ(parse_arch("Linux", "amd64", buf, sizeof(buf)), "amd64");
        ASSERT_STREQ(parse_arch("darwin", "riscv64", buf, sizeof(buf)), "riscv64");
        ASSERT_STREQ(parse_arch("macos", "s390x", buf, sizeof(buf)), "s390x");
        ASSERT_STREQ(parse_arch("linux", NULL, buf, sizeof(buf)), "!");
        ASSERT_STREQ(parse_arch("plan9", NULL, buf, sizeof(buf)), "!");
        /* An unknown word is no OS. */
        ASSERT_STREQ(parse_arch("linuxx", "amd64", buf, sizeof(buf)), "!");
}

TEST(arch_truncation)
{
        char buf[6];

        ASSERT_OK(compat_arch_parse("linux/abcdefghij", NULL, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "abcde");
        ASSERT_OK(compat_arch_parse("aarch64", NULL, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "arm64");
}

TEST(install_list)
{
        _cleanup_strv_free_ char **a = NULL, **b = NULL, **c = NULL, **d = NULL;

        /* Exactly "all" is special; nothing else is. */
        ASSERT_TRUE(compat_install_is_all("all"));
        ASSERT_FALSE(compat_install_is_all("ALL"));
        ASSERT_FALSE(compat_install_is_all("all,arm64"));
        ASSERT_FALSE(compat_install_is_all(" all"));
        ASSERT_FALSE(compat_install_is_all(""));

        ASSERT_OK(compat_install_list("all,arm64", NULL, &a));
        ASSERT_EQ(strv_length(a), 2);
        ASSERT_STREQ(a[0], "all");
        ASSERT_NULL(compat_qemu_name(a[0]));
        ASSERT_STREQ(a[1], "arm64");

        /* Split on ',' only, no trimming; empty items stay. */
        ASSERT_OK(compat_install_list("aarch64, riscv64,linux/arm/v7,,x86_64,", "s390x", &b));
        ASSERT_EQ(strv_length(b), 6);
        ASSERT_STREQ(b[0], "arm64");
        ASSERT_STREQ(b[1], " riscv64");
        ASSERT_STREQ(b[2], "arm");
        ASSERT_STREQ(b[3], "");
        ASSERT_STREQ(b[4], "amd64");
        ASSERT_STREQ(b[5], "");

        ASSERT_OK(compat_install_list("linux", "s390x", &c));
        ASSERT_EQ(strv_length(c), 1);
        ASSERT_STREQ(c[0], "s390x");
        ASSERT_OK(compat_install_list("linux", NULL, &d));
        ASSERT_STREQ(d[0], "linux");
}

/* @s through compat_json_string(), as a new string. */
static char *json(const char *s)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ASSERT_NOT_NULL(f);
        ASSERT_OK(compat_json_string(f, s));
        ASSERT_EQ(fclose(f), 0);
        return buf;
}

#define ASSERT_JSON(in, out)                                                                       \
        do {                                                                                       \
                _cleanup_free_ char *_j_ = json(in);                                               \
                ASSERT_STREQ(_j_, out);                                                            \
        } while (0)

TEST(json_string)
{
        ASSERT_JSON("", "\"\"");
        ASSERT_JSON("qemu-aarch64", "\"qemu-aarch64\"");
        ASSERT_JSON("linux/arm/v7", "\"linux/arm/v7\"");
        ASSERT_JSON("a\"b\\c", "\"a\\\"b\\\\c\"");

        /* HTML-safe, as json.Marshal is. */
        ASSERT_JSON("<script>&", "\"\\u003cscript\\u003e\\u0026\"");

        /* Control characters. */
        ASSERT_JSON("\n\r\t", "\"\\n\\r\\t\"");
        ASSERT_JSON("\x01\x0b\x1f", "\"\\u0001\\u000b\\u001f\"");
        /* Go 1.22 and newer (which the current tonistiigi/binfmt is built with) write \b and \f. */
        ASSERT_JSON("\x08\x0c", "\"\\b\\f\"");
        ASSERT_JSON("\x1b[0m", "\"\\u001b[0m\"");
        /* DEL and everything printable from space up pass as they are. */
        ASSERT_JSON("\x7f ~'/", "\"\x7f ~'/\"");

        /* Valid UTF-8 passes; U+2028 and U+2029 do not. */
        ASSERT_JSON("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
        ASSERT_JSON("a\xe2\x80\xa8z\xe2\x80\xa9", "\"a\\u2028z\\u2029\"");
        ASSERT_JSON("\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\"");
        ASSERT_JSON("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");
        ASSERT_JSON("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");

        /* Invalid UTF-8: each byte that starts no valid sequence is U+FFFD. */
        ASSERT_JSON("\xff", "\"\\ufffd\"");
        ASSERT_JSON("a\x80z", "\"a\\ufffdz\"");
        ASSERT_JSON("\xc3", "\"\\ufffd\"");
        ASSERT_JSON("\xc3(", "\"\\ufffd(\"");
        ASSERT_JSON("\xe2\x82", "\"\\ufffd\\ufffd\"");
        ASSERT_JSON("\xe2\x82<", "\"\\ufffd\\ufffd\\u003c\"");
        /* Overlong forms. */
        ASSERT_JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");
        ASSERT_JSON("\xc1\xbf", "\"\\ufffd\\ufffd\"");
        ASSERT_JSON("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
        ASSERT_JSON("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
        /* Surrogates and beyond U+10FFFF. */
        ASSERT_JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
        ASSERT_JSON("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
        ASSERT_JSON("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
        ASSERT_JSON("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
        ASSERT_JSON("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
        /* An invalid byte followed by a valid sequence keeps the latter. */
        ASSERT_JSON("\xe2\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
}

/* compat_json_status() of the two lists, as a new string. */
static char *status_json(char *const *supported, char *const *emulators)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ASSERT_NOT_NULL(f);
        ASSERT_OK(compat_json_status(f, supported, emulators));
        ASSERT_EQ(fclose(f), 0);
        return buf;
}

TEST(json_status)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        char *empty[] = {NULL};

        a = status_json((char *[]){"linux/amd64", "linux/arm64", NULL},
                        (char *[]){"qemu-aarch64", NULL});
        ASSERT_STREQ(a, "{\n"
                        "  \"supported\": [\n"
                        "    \"linux/amd64\",\n"
                        "    \"linux/arm64\"\n"
                        "  ],\n"
                        "  \"emulators\": [\n"
                        "    \"qemu-aarch64\"\n"
                        "  ]\n"
                        "}\n");

        /* No emulators is null, not []. */
        b = status_json((char *[]){"linux/arm64", NULL}, NULL);
        ASSERT_STREQ(b, "{\n"
                        "  \"supported\": [\n"
                        "    \"linux/arm64\"\n"
                        "  ],\n"
                        "  \"emulators\": null\n"
                        "}\n");
        c = status_json(empty, (char *[]){"a<b", "\xff", NULL});
        ASSERT_STREQ(c, "{\n"
                        "  \"supported\": null,\n"
                        "  \"emulators\": [\n"
                        "    \"a\\u003cb\",\n"
                        "    \"\\ufffd\"\n"
                        "  ]\n"
                        "}\n");
}

TEST(json_error)
{
        /* A stream in error is reported. */
        FILE *f = fopen("/dev/full", "we");

        if (!f)
                return;
        setvbuf(f, NULL, _IONBF, 0);
        ASSERT_ERROR(compat_json_string(f, "x"), EIO);
        ASSERT_ERROR(compat_json_array(f, NULL), EIO);
        fclose(f);
}

int main(void)
{
        RUN(table);
        RUN(flag_forms);
        RUN(stops);
        RUN(bool_flag);
        RUN(errors);
        RUN(help);
        RUN(wanted);
        RUN(arch_normalize);
        RUN(arch_accepted);
        RUN(arch_refused);
        RUN(arch_bare_os);
        RUN(arch_truncation);
        RUN(install_list);
        RUN(json_string);
        RUN(json_status);
        RUN(json_error);
        return EXIT_SUCCESS;
}
