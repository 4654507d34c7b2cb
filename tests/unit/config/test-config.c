/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtd.conf parsing: every key with good and bad values, the defaults, files merged in
 * order, [target:NAME] overrides and new targets, and that every problem is reported with its
 * file, line and key while parsing goes on. The line handling around inih (long lines,
 * indentation, CRLF, inline comments, ':' separators, long section names) is tested as
 * behaviour a user sees, since each one would otherwise change what a file means.
 */

#include <stdio.h>

#include "config/config.h"
#include "base/strv.h"
#include "tests.h"

#define SEC UINT64_C(1000000)

/* Parses @text into a fresh default Config. The return must agree with the error list. */
static Config *parse(const char *text, char ***ret_errors)
{
        Config *c = NULL;
        char **errors = NULL;
        int r;

        ASSERT_OK(config_new_default(&c));
        r = config_parse_string(c, text, "test.conf", &errors);
        if (r == 0)
                ASSERT_EQ(strv_length(errors), 0);
        else {
                ASSERT_ERROR(r, EINVAL);
                ASSERT_TRUE(strv_length(errors) > 0);
        }
        *ret_errors = errors;
        return c;
}

static Config *parse_ok(const char *text)
{
        char **errors = NULL;
        Config *c = parse(text, &errors);

        STRV_FOREACH (e, errors)
                fprintf(stderr, "unexpected: %s\n", *e);
        ASSERT_EQ(strv_length(errors), 0);
        strv_free(errors);
        return c;
}

static void print_errors(char **errors)
{
        STRV_FOREACH (e, errors)
                fprintf(stderr, "  got: %s\n", *e);
}

/* Exactly one error, equal to @expected. */
static void expect_error(const char *text, const char *expected)
{
        _cleanup_strv_free_ char **errors = NULL;

        config_free(parse(text, &errors));
        if (strv_length(errors) != 1)
                print_errors(errors);
        ASSERT_EQ(strv_length(errors), 1);
        ASSERT_STREQ(errors[0], expected);
}

/* Exactly one error, starting with @prefix ("test.conf:2: Key: ") and containing @reason. */
static void expect_error_like(const char *text, const char *prefix, const char *reason)
{
        _cleanup_strv_free_ char **errors = NULL;

        config_free(parse(text, &errors));
        if (strv_length(errors) != 1)
                print_errors(errors);
        ASSERT_EQ(strv_length(errors), 1);
        ASSERT_NOT_NULL(startswith(errors[0], prefix));
        ASSERT_CONTAINS(errors[0], reason);
}

static void assert_strv(char **l, const char *const *expected, size_t n)
{
        ASSERT_EQ(strv_length(l), n);
        for (size_t i = 0; i < n; i++)
                ASSERT_STREQ(l[i], expected[i]);
}

static void assert_default(const Config *c)
{
        static const char *const targets[] = {
                "linux/amd64", "linux/arm64",    "linux/riscv64", "linux/ppc64le", "linux/s390x",
                "linux/386",   "linux/mips64le", "linux/mips64",  "linux/loong64", "linux/arm/v7",
        };
        static const char *const path[] = {"/usr/bin"};

        ASSERT_STREQ(c->mount_point, "/proc/sys/fs/binfmt_misc");
        ASSERT_STREQ(c->socket_path, "/run/binfmtd/io.binfmtd");
        assert_strv(c->targets, targets, ELEMENTSOF(targets));
        assert_strv(c->interpreter_path, path, ELEMENTSOF(path));
        ASSERT_EQ(c->flags, 0);
        ASSERT_EQ(c->reconcile_usec, 60 * SEC);
        ASSERT_NULL(c->admin_group);
        ASSERT_FALSE(c->take_over);
        ASSERT_FALSE(c->remove_on_stop);
        ASSERT_EQ(c->max_connections, 64);
        ASSERT_EQ(c->idle_usec, 60 * SEC);
        ASSERT_EQ(c->n_sections, 0);
        ASSERT_NULL(c->sections);
}

TEST(defaults)
{
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new_default(&c));
        assert_default(c);
        ASSERT_NULL(config_find_target(c, "aarch64"));
        ASSERT_NULL(config_find_target(NULL, "aarch64"));
        ASSERT_NULL(config_free(NULL));
        ASSERT_ERROR(config_new_default(NULL), EINVAL);
        ASSERT_ERROR(config_parse_string(NULL, "", "x", NULL), EINVAL);
        ASSERT_ERROR(config_parse_string(c, NULL, "x", NULL), EINVAL);
        ASSERT_ERROR(config_parse_file(c, NULL, "x", NULL), EINVAL);
}

TEST(empty_and_comments)
{
        static const char *const texts[] = {
                "",
                "\n\n\n",
                "   \n\t\n",
                "; a comment\n# another\n",
                "[binfmtd]\n; MountPoint=relative\n# Socket=relative\n   ; indented comment\n",
                "[binfmtd]\n",
                "[binfmtd]\n[binfmtd]\n",
                "\xef\xbb\xbf[binfmtd]\n",
                "[binfmtd] ; a comment after the header\n",
                "[binfmtd]\r\n\r\n; crlf\r\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                _cleanup_(config_freep) Config *c = parse_ok(texts[i]);
                assert_default(c);
        }
}

TEST(every_key)
{
        static const char *const targets[] = {"linux/arm64", "riscv64", "all"};
        static const char *const path[] = {"/usr/libexec/qemu", "/opt/qemu/bin"};
        _cleanup_(config_freep) Config *c =
                parse_ok("[binfmtd]\n"
                         "MountPoint=/mnt/binfmt\n"
                         "Socket=/run/b/sock\n"
                         "Targets=linux/arm64  riscv64\tall\n"
                         "InterpreterPath=/usr/libexec/qemu /opt/qemu/bin\n"
                         "Flags=POC\n"
                         "ReconcileIntervalSec=30\n"
                         "AdminGroup=binfmt-admin\n"
                         "TakeOver=yes\n"
                         "RemoveOnStop=on\n"
                         "NodeFeatureFile=/etc/kubernetes/node-feature-discovery/features.d/binfmtd\n"
                         "MaxConnections=4096\n"
                         "IdleTimeoutSec=5min\n");

        ASSERT_STREQ(c->mount_point, "/mnt/binfmt");
        ASSERT_STREQ(c->socket_path, "/run/b/sock");
        assert_strv(c->targets, targets, ELEMENTSOF(targets));
        assert_strv(c->interpreter_path, path, ELEMENTSOF(path));
        ASSERT_EQ(c->flags, RULE_FLAG_P | RULE_FLAG_O | RULE_FLAG_C);
        ASSERT_EQ(c->reconcile_usec, 30 * SEC);
        ASSERT_STREQ(c->admin_group, "binfmt-admin");
        ASSERT_STREQ(c->node_feature_file,
                     "/etc/kubernetes/node-feature-discovery/features.d/binfmtd");
        ASSERT_TRUE(c->take_over);
        ASSERT_TRUE(c->remove_on_stop);
        ASSERT_EQ(c->max_connections, 4096);
        ASSERT_EQ(c->idle_usec, 300 * SEC);
        ASSERT_EQ(c->n_sections, 0);
}

TEST(values)
{
        /* clang-format off */
        static const struct {
                const char *line;
                size_t offset; /* of the field in Config */
                uint64_t value;
                int size; /* of the field: 1 bool, 4 unsigned, 8 uint64_t */
        } cases[] = {
                { "TakeOver=1", offsetof(Config, take_over), 1, 1 },
                { "TakeOver=TRUE", offsetof(Config, take_over), 1, 1 },
                { "TakeOver=On", offsetof(Config, take_over), 1, 1 },
                { "TakeOver=y", offsetof(Config, take_over), 1, 1 },
                { "TakeOver=t", offsetof(Config, take_over), 1, 1 },
                { "RemoveOnStop=YES", offsetof(Config, remove_on_stop), 1, 1 },
                { "RemoveOnStop=0", offsetof(Config, remove_on_stop), 0, 1 },
                { "RemoveOnStop=No", offsetof(Config, remove_on_stop), 0, 1 },
                { "RemoveOnStop=off", offsetof(Config, remove_on_stop), 0, 1 },
                { "RemoveOnStop=false", offsetof(Config, remove_on_stop), 0, 1 },
                { "RemoveOnStop=n", offsetof(Config, remove_on_stop), 0, 1 },
                { "RemoveOnStop=F", offsetof(Config, remove_on_stop), 0, 1 },
                { "Flags=", offsetof(Config, flags), 0, 4 },
                { "Flags=F", offsetof(Config, flags), 0, 4 },
                { "Flags=P", offsetof(Config, flags), RULE_FLAG_P, 4 },
                { "Flags=OF", offsetof(Config, flags), RULE_FLAG_O, 4 },
                { "Flags=C", offsetof(Config, flags), RULE_FLAG_C, 4 },
                { "Flags=PP", offsetof(Config, flags), RULE_FLAG_P, 4 },
                { "Flags=COP", offsetof(Config, flags), RULE_FLAG_P | RULE_FLAG_O | RULE_FLAG_C, 4 },
                { "MaxConnections=1", offsetof(Config, max_connections), 1, 4 },
                { "MaxConnectionsPerUser=3", offsetof(Config, max_connections_per_user), 3, 4 },
                { "MaxConnectionsPerUser=", offsetof(Config, max_connections_per_user), 8, 4 },
                { "MaxWatchesPerUser=1", offsetof(Config, max_watches_per_user), 1, 4 },
                { "MaxWatchesPerUser=", offsetof(Config, max_watches_per_user), 4, 4 },
                { "MaxConnections=007", offsetof(Config, max_connections), 7, 4 },
                { "MaxConnections=", offsetof(Config, max_connections), 64, 4 },
                { "ReconcileIntervalSec=1", offsetof(Config, reconcile_usec), 1 * SEC, 8 },
                { "ReconcileIntervalSec=90s", offsetof(Config, reconcile_usec), 90 * SEC, 8 },
                { "ReconcileIntervalSec=2min", offsetof(Config, reconcile_usec), 120 * SEC, 8 },
                { "ReconcileIntervalSec=2 min", offsetof(Config, reconcile_usec), 120 * SEC, 8 },
                { "ReconcileIntervalSec=", offsetof(Config, reconcile_usec), 60 * SEC, 8 },
                { "IdleTimeoutSec=3600", offsetof(Config, idle_usec), 3600 * SEC, 8 },
                { "IdleTimeoutSec=18446744073709s", offsetof(Config, idle_usec),
                  UINT64_C(18446744073709) * SEC, 8 },
                { "IdleTimeoutSec=307445734561min", offsetof(Config, idle_usec),
                  UINT64_C(307445734561) * 60 * SEC, 8 },
        };
        /* clang-format on */

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                const uint8_t *field;
                uint64_t v;

                fprintf(stderr, "   %s\n", cases[i].line);
                ASSERT_TRUE(asprintf(&text, "[binfmtd]\n%s\n", cases[i].line) > 0);
                c = parse_ok(text);
                field = (const uint8_t *)c + cases[i].offset;
                switch (cases[i].size) {
                case 1:
                        v = *(const bool *)field;
                        break;
                case 4:
                        v = *(const unsigned *)field;
                        break;
                default:
                        v = *(const uint64_t *)field;
                }
                ASSERT_EQ(v, cases[i].value);
        }
}

TEST(empty_values)
{
        _cleanup_(config_freep) Config *c = NULL;

        /* Paths, numbers and booleans go back to their defaults; lists become empty. */
        c = parse_ok("[binfmtd]\n"
                     "MountPoint=/mnt/x\nSocket=/run/x\nTakeOver=yes\nMaxConnections=5\n"
                     "ReconcileIntervalSec=5\nIdleTimeoutSec=5\nAdminGroup=wheel\nFlags=P\n"
                     "MountPoint=\nSocket=\nTakeOver=\nMaxConnections=\n"
                     "ReconcileIntervalSec=\nIdleTimeoutSec=\nAdminGroup=\nFlags=\n"
                     "Targets=\nInterpreterPath=\n");
        ASSERT_STREQ(c->mount_point, "/proc/sys/fs/binfmt_misc");
        ASSERT_STREQ(c->socket_path, "/run/binfmtd/io.binfmtd");
        ASSERT_FALSE(c->take_over);
        ASSERT_EQ(c->max_connections, 64);
        ASSERT_EQ(c->reconcile_usec, 60 * SEC);
        ASSERT_EQ(c->idle_usec, 60 * SEC);
        ASSERT_NULL(c->admin_group);
        ASSERT_EQ(c->flags, 0);
        ASSERT_NOT_NULL(c->targets);
        ASSERT_EQ(strv_length(c->targets), 0);
        ASSERT_NOT_NULL(c->interpreter_path);
        ASSERT_EQ(strv_length(c->interpreter_path), 0);
}

TEST(bad_values)
{
        /* clang-format off */
        /* Each is line 2 of a [binfmtd] section; the key keeps its default. */
        static const struct {
                const char *line, *prefix, *reason;
        } cases[] = {
                { "MountPoint=relative/dir", "MountPoint", "not an absolute path" },
                { "MountPoint=/a\x01" "b", "MountPoint", "contains a control character" },
                { "Socket=run/sock", "Socket", "not an absolute path" },
                { "Socket=/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Socket", "at most 107 fit" },
                { "InterpreterPath=/usr/bin usr/local/bin", "InterpreterPath",
                  "directory \"usr/local/bin\" is not an absolute path" },
                { "InterpreterPath=/opt/a:b", "InterpreterPath", "contains ':'" },
                { "Flags=X", "Flags", "flags are letters of P, O, C" },
                { "Flags=p", "Flags", "\"p\"" },
                { "Flags=P O", "Flags", "flags are letters" },
                { "Flags=E", "Flags", "flags are letters" },
                { "ReconcileIntervalSec=0", "ReconcileIntervalSec", "not a positive time" },
                { "ReconcileIntervalSec=0min", "ReconcileIntervalSec", "not a positive time" },
                { "ReconcileIntervalSec=-1", "ReconcileIntervalSec", "not a number of seconds" },
                { "ReconcileIntervalSec=+5", "ReconcileIntervalSec", "not a number of seconds" },
                { "ReconcileIntervalSec=abc", "ReconcileIntervalSec", "not a number of seconds" },
                { "ReconcileIntervalSec=10h", "ReconcileIntervalSec", "unknown unit" },
                { "ReconcileIntervalSec=0x10", "ReconcileIntervalSec", "unknown unit" },
                { "ReconcileIntervalSec=1.5", "ReconcileIntervalSec", "unknown unit" },
                { "ReconcileIntervalSec=5 s s", "ReconcileIntervalSec", "unknown unit" },
                { "ReconcileIntervalSec=18446744073709551616", "ReconcileIntervalSec",
                  "too large" },
                { "IdleTimeoutSec=18446744073710", "IdleTimeoutSec", "too large" },
                { "IdleTimeoutSec=307445734562min", "IdleTimeoutSec", "too large" },
                { "IdleTimeoutSec=0s", "IdleTimeoutSec", "not a positive time" },
                { "AdminGroup=1wheel", "AdminGroup", "not a valid group name" },
                { "AdminGroup=-wheel", "AdminGroup", "not a valid group name" },
                { "AdminGroup=wh eel", "AdminGroup", "not a valid group name" },
                { "AdminGroup=wh.eel", "AdminGroup", "not a valid group name" },
                { "AdminGroup=wheel:x", "AdminGroup", "not a valid group name" },
                { "AdminGroup=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "AdminGroup",
                  "not a valid group name" },
                { "TakeOver=maybe", "TakeOver", "\"maybe\" is not a boolean" },
                { "TakeOver=2", "TakeOver", "not a boolean" },
                { "RemoveOnStop=yess", "RemoveOnStop", "not a boolean" },
                { "MaxWatchesPerUser=0", "MaxWatchesPerUser", "not a number between 1 and 4096" },
                { "NodeFeatureFile=features.d/binfmtd", "NodeFeatureFile", "absolute" },
                { "MaxConnections=0", "MaxConnections", "not a number between 1 and 4096" },
                { "MaxConnections=4097", "MaxConnections", "between 1 and 4096" },
                { "MaxConnections=-1", "MaxConnections", "between 1 and 4096" },
                { "MaxConnections=12abc", "MaxConnections", "between 1 and 4096" },
                { "MaxConnections=99999999999999999999999", "MaxConnections", "between 1 and 4096" },
                { "Foo=1", "Foo", "unknown key" },
                { "mountpoint=/mnt", "mountpoint", "unknown key" },
                { "Interpreter=/usr/bin/x", "Interpreter", "unknown key" },
        };
        /* clang-format on */

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = NULL, *prefix = NULL;

                fprintf(stderr, "   %s\n", cases[i].line);
                ASSERT_TRUE(asprintf(&text, "[binfmtd]\n%s\n", cases[i].line) > 0);
                ASSERT_TRUE(asprintf(&prefix, "test.conf:2: %s: ", cases[i].prefix) > 0);
                c = parse(text, &errors);
                if (strv_length(errors) != 1)
                        print_errors(errors);
                ASSERT_EQ(strv_length(errors), 1);
                ASSERT_NOT_NULL(startswith(errors[0], prefix));
                ASSERT_CONTAINS(errors[0], cases[i].reason);
                assert_default(c);
        }
}

TEST(messages)
{
        expect_error("[binfmtd]\nFoo=1\n", "test.conf:2: Foo: unknown key");
        expect_error("[foo]\nBar=1\n", "test.conf:1: [foo]: unknown section");
        expect_error("[Binfmtd]\n", "test.conf:1: [Binfmtd]: unknown section");
        expect_error("[]\n", "test.conf:1: []: unknown section");
        expect_error("Socket=/run/x\n",
                     "test.conf:1: Socket: assignment before the first [section]");
        expect_error("[binfmtd]\nTakeOver=maybe\n",
                     "test.conf:2: TakeOver: \"maybe\" is not a boolean (yes/no, true/false, "
                     "on/off, 1/0)");
        expect_error("[binfmtd]\nMountPoint=x\n",
                     "test.conf:2: MountPoint: \"x\" is not an absolute path");
        /* Control bytes in keys and values are escaped, so a message stays one line. */
        expect_error("[binfmtd]\nF\x1bo=1\n", "test.conf:2: F\\x1bo: unknown key");
        expect_error("[binfmtd]\nMountPoint=/a\x01"
                     "b\n",
                     "test.conf:2: MountPoint: \"/a\\x01b\" contains a control character");
        expect_error("[binfmtd]\nAdminGroup=\xc3\xa9t\xc3\xa9\n",
                     "test.conf:2: AdminGroup: \"\\xc3\\xa9t\\xc3\\xa9\" is not a valid group "
                     "name (1 to 31 characters of A-Z, a-z, 0-9, '_', '-', not starting with a "
                     "digit or '-')");
}

TEST(malformed_lines)
{
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        expect_error("[binfmtd]\nMountPoint\n",
                     "test.conf:2: MountPoint: not a KEY=VALUE assignment");
        /* inih would take ':' for '='. */
        expect_error("[binfmtd]\nSocket:/run/evil\n",
                     "test.conf:2: Socket:/run/evil: not a KEY=VALUE assignment");
        expect_error("[binfmtd]\n=/run/x\n", "test.conf:2: =/run/x: no key before '='");
        expect_error("[binfmtd]\n  = x\n", "test.conf:2: = x: no key before '='");
        expect_error("[binfmtd\nSocket=/run/x\n", "test.conf:1: [binfmtd: not a [SECTION] header");
        expect_error("[binfmtd] trailing\n",
                     "test.conf:1: [binfmtd] trailing: not a [SECTION] header");
        expect_error("[binfmtd ;x]\n", "test.conf:1: [binfmtd: not a [SECTION] header");
        /* A ';' after whitespace starts a comment, also before the '='. */
        expect_error("[binfmtd]\nSocket ;=/run/x\n",
                     "test.conf:2: Socket: not a KEY=VALUE assignment");
        expect_error("[binfmtd]\nSo\0cket=/x\n", "test.conf:2: So: not a KEY=VALUE assignment");

        /* The keys of a bad or unknown section are not reported one by one, nor applied. */
        c = parse("[nope]\nSocket=/run/a\nFoo=bar\n[binfmtd\nSocket=/run/b\n[binfmtd]\nBar=1\n",
                  &errors);
        ASSERT_EQ(strv_length(errors), 3);
        ASSERT_STREQ(errors[0], "test.conf:1: [nope]: unknown section");
        ASSERT_STREQ(errors[1], "test.conf:4: [binfmtd: not a [SECTION] header");
        ASSERT_STREQ(errors[2], "test.conf:7: Bar: unknown key");
        assert_default(c);
}

TEST(whitespace_and_comments)
{
        _cleanup_(config_freep) Config *c = NULL;
        static const char *const targets[] = {"a", "b"};

        c = parse_ok("  [binfmtd]  \n"
                     "\tSocket =  /run/a ; an inline comment\n"
                     "MountPoint=/mnt/x;y\n"
                     "   AdminGroup=wheel   \n"
                     "Targets=a\n"
                     "InterpreterPath=/p#q\n");
        ASSERT_STREQ(c->socket_path, "/run/a");
        ASSERT_STREQ(c->mount_point, "/mnt/x;y");
        ASSERT_STREQ(c->admin_group, "wheel");
        ASSERT_EQ(strv_length(c->interpreter_path), 1);
        ASSERT_STREQ(c->interpreter_path[0], "/p#q");
        config_free(TAKE_PTR(c));

        /* An indented line is a line of its own, never a continuation of the previous value. */
        expect_error("[binfmtd]\nTargets=a\n   b\n", "test.conf:3: b: not a KEY=VALUE assignment");
        c = parse_ok("[binfmtd]\nTargets=a\n   Targets=a b\n");
        assert_strv(c->targets, targets, ELEMENTSOF(targets));
}

TEST(crlf)
{
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        static const char *const targets[] = {"a", "b"};

        c = parse("[binfmtd]\r\nSocket=/run/s\r\nTargets=a b\r\nTakeOver=yes\r\nFoo=1\r\n"
                  "MaxConnections=0\r\n[target:aarch64]\r\nFlags=P\r\n",
                  &errors);
        ASSERT_STREQ(c->socket_path, "/run/s");
        assert_strv(c->targets, targets, ELEMENTSOF(targets));
        ASSERT_TRUE(c->take_over);
        ASSERT_NOT_NULL(config_find_target(c, "aarch64"));
        ASSERT_EQ(strv_length(errors), 2);
        ASSERT_STREQ(errors[0], "test.conf:5: Foo: unknown key");
        ASSERT_STREQ(errors[1],
                     "test.conf:6: MaxConnections: \"0\" is not a number between 1 and 4096");
}

TEST(duplicates_later_wins)
{
        _cleanup_(config_freep) Config *c = NULL;
        const ConfigTarget *t;

        c = parse_ok("[binfmtd]\nSocket=/run/a\nTakeOver=yes\n[target:aarch64]\nFlags=P\n"
                     "[binfmtd]\nSocket=/run/b\nTakeOver=no\n"
                     "[target:aarch64]\nFlags=O\nInterpreter=/x/qemu-aarch64\n");
        ASSERT_STREQ(c->socket_path, "/run/b");
        ASSERT_FALSE(c->take_over);
        ASSERT_EQ(c->n_sections, 1);
        t = config_find_target(c, "aarch64");
        ASSERT_NOT_NULL(t);
        ASSERT_EQ(t->flags, RULE_FLAG_O);
        ASSERT_STREQ(t->interpreter, "/x/qemu-aarch64");
}

TEST(several_errors)
{
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        c = parse("# header\n"
                  "[binfmtd]\n"
                  "MountPoint=relative\n"
                  "Socket=/run/ok\n"
                  "Flags=Z\n"
                  "garbage line\n"
                  "[target:aarch64]\n"
                  "Interpreter=qemu\n"
                  "Mask=\\xff\n"
                  "[whatever]\n"
                  "[binfmtd]\n"
                  "MaxConnections=1\n"
                  "Nope=\n",
                  &errors);
        if (strv_length(errors) != 7)
                print_errors(errors);
        ASSERT_EQ(strv_length(errors), 7);
        ASSERT_STREQ(errors[0], "test.conf:3: MountPoint: \"relative\" is not an absolute path");
        ASSERT_NOT_NULL(startswith(errors[1], "test.conf:5: Flags: \"Z\""));
        ASSERT_STREQ(errors[2], "test.conf:6: garbage line: not a KEY=VALUE assignment");
        ASSERT_STREQ(errors[3], "test.conf:8: Interpreter: \"qemu\" is not an absolute path");
        ASSERT_STREQ(errors[4], "test.conf:10: [whatever]: unknown section");
        ASSERT_STREQ(errors[5], "test.conf:13: Nope: unknown key");
        /* Section checks come at the end of the file, on the line of the offending key. */
        ASSERT_STREQ(errors[6],
                     "test.conf:9: Mask: only a target with its own Magic= can have a Mask=");
        /* The good keys around the bad ones still apply. */
        ASSERT_STREQ(c->socket_path, "/run/ok");
        ASSERT_EQ(c->max_connections, 1);
        ASSERT_STREQ(c->mount_point, "/proc/sys/fs/binfmt_misc");

        /* Without an error list, the errors are still counted. */
        {
                _cleanup_(config_freep) Config *d = NULL;

                ASSERT_OK(config_new_default(&d));
                ASSERT_ERROR(config_parse_string(d, "[binfmtd]\nFoo=1\n", "x", NULL), EINVAL);
                ASSERT_OK(config_parse_string(d, "[binfmtd]\nTakeOver=1\n", "x", NULL));
                ASSERT_TRUE(d->take_over);
        }
}

TEST(long_lines)
{
        _cleanup_free_ char *text = NULL, *line = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        const ConfigTarget *t;
        FILE *f;
        size_t size = 0;

        /* A Targets= of 3000 bytes, a 256-byte Magic= (over 1000 bytes as escapes), a long
         * comment hiding an assignment, an inline comment far to the right, and a long bad line
         * followed by an error whose line number must still be right. */
        f = open_memstream(&text, &size);
        ASSERT_NOT_NULL(f);
        fputs("[binfmtd]\nTargets=", f);
        for (int i = 0; i < 300; i++)
                fprintf(f, "target%03d ", i);
        fputs("\n# ", f);
        for (int i = 0; i < 300; i++)
                fputc('x', f);
        fputs(" Socket=/run/evil\n", f);
        fputs("MountPoint=/mnt/far", f);
        for (int i = 0; i < 300; i++)
                fputc(' ', f);
        fputs("; comment\n", f);
        for (int i = 0; i < 300; i++)
                fputc('G', f);
        fputs("\nFoo=1\n[target:wide]\nMagic=", f);
        for (int i = 0; i < 256; i++)
                fprintf(f, "\\x%02x", i);
        fputs("\nMask=", f);
        for (int i = 0; i < 256; i++)
                fputs("\\xff", f);
        fputs("\nInterpreter=/usr/bin/wide\n", f);
        ASSERT_EQ(fclose(f), 0);

        c = parse(text, &errors);
        if (strv_length(errors) != 2)
                print_errors(errors);
        ASSERT_EQ(strv_length(errors), 2);
        /* The key part is cut, with "..." to say so. */
        ASSERT_NOT_NULL(startswith(errors[0], "test.conf:5: GGGGGGGG"));
        ASSERT_CONTAINS(errors[0], "GGG...: not a KEY=VALUE assignment");
        ASSERT_TRUE(strlen(errors[0]) < 300);
        ASSERT_STREQ(errors[1], "test.conf:6: Foo: unknown key");

        ASSERT_EQ(strv_length(c->targets), 300);
        ASSERT_STREQ(c->targets[0], "target000");
        ASSERT_STREQ(c->targets[299], "target299");
        ASSERT_STREQ(c->socket_path, "/run/binfmtd/io.binfmtd");
        ASSERT_STREQ(c->mount_point, "/mnt/far");
        t = config_find_target(c, "wide");
        ASSERT_NOT_NULL(t);
        ASSERT_TRUE(t->magic_set);
        ASSERT_EQ(t->magic_len, 256);
        for (int i = 0; i < 256; i++) {
                ASSERT_EQ(t->magic[i], i);
                ASSERT_EQ(t->mask[i], 0xff);
        }
        ASSERT_EQ(t->mask_len, 256);

        /* 257 bytes do not fit the kernel's header buffer. */
        ASSERT_TRUE(asprintf(&line, "[target:wide]\nInterpreter=/x\nMagic=%0257d\n", 0) > 0);
        expect_error_like(line, "test.conf:3: Magic: ", "longer than 256 bytes");
}

/* Long lines are split here, short ones by inih: both must mean the same. */
TEST(long_and_short_agree)
{
        static const char *const lines[] = {
                "Socket=/run/a ; c", "Socket=/run/a;b",   "Socket= ;c",
                "Socket =  /run/x",  "Targets=a b ; c d", "AdminGroup=wheel\t; x",
        };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                _cleanup_free_ char *short_text = NULL, *long_text = NULL;
                _cleanup_(config_freep) Config *a = NULL, *b = NULL;

                ASSERT_TRUE(asprintf(&short_text, "[binfmtd]\n%s\n", lines[i]) > 0);
                ASSERT_TRUE(asprintf(&long_text, "[binfmtd]\n%s%400s\n", lines[i], "") > 0);
                a = parse_ok(short_text);
                b = parse_ok(long_text);
                ASSERT_STREQ(a->socket_path, b->socket_path);
                ASSERT_STREQ(a->admin_group, b->admin_group);
                ASSERT_EQ(strv_length(a->targets), strv_length(b->targets));
                for (size_t j = 0; j < strv_length(a->targets); j++)
                        ASSERT_STREQ(a->targets[j], b->targets[j]);
        }
}

TEST(target_override)
{
        _cleanup_(config_freep) Config *c = NULL;
        const ConfigTarget *t;

        c = parse_ok("[target:aarch64]\n"
                     "Interpreter=/opt/qemu/qemu-aarch64\n"
                     "Flags=PF\n"
                     "Platform=linux/arm64/v8\n"
                     "[target:riscv64]\n"
                     "Flags=\n"
                     "[target:x86_64]\n");
        ASSERT_EQ(c->n_sections, 3);

        t = config_find_target(c, "aarch64");
        ASSERT_NOT_NULL(t);
        ASSERT_STREQ(t->name, "aarch64");
        ASSERT_STREQ(t->interpreter, "/opt/qemu/qemu-aarch64");
        ASSERT_TRUE(t->flags_set);
        ASSERT_EQ(t->flags, RULE_FLAG_P);
        ASSERT_STREQ(t->platform, "linux/arm64/v8");
        ASSERT_FALSE(t->magic_set);
        ASSERT_FALSE(t->mask_set);
        ASSERT_FALSE(t->offset_set);

        /* An empty Flags= is "no extra flags", not "unset". */
        t = config_find_target(c, "riscv64");
        ASSERT_NOT_NULL(t);
        ASSERT_TRUE(t->flags_set);
        ASSERT_EQ(t->flags, 0);
        ASSERT_NULL(t->interpreter);

        t = config_find_target(c, "x86_64");
        ASSERT_NOT_NULL(t);
        ASSERT_FALSE(t->flags_set);

        /* Names are exact. */
        ASSERT_NULL(config_find_target(c, "AARCH64"));
        ASSERT_NULL(config_find_target(c, "arm64"));
}

TEST(target_new)
{
        _cleanup_(config_freep) Config *c = NULL;
        const ConfigTarget *t;

        c = parse_ok("[target:my-vm.1]\n"
                     "Magic=\\x7fELF\\x02\\x01\\x01\\x00AB\\c:\n"
                     "Mask=\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xFF\\xff\\xff\\xff\\xff\n"
                     "Offset=16\n"
                     "Interpreter=/usr/local/bin/vm-run\n"
                     "Platform=linux/myvm\n"
                     "Flags=OC\n");
        t = config_find_target(c, "my-vm.1");
        ASSERT_NOT_NULL(t);
        ASSERT_TRUE(t->magic_set);
        ASSERT_EQ(t->magic_len, 13);
        ASSERT_TRUE(memcmp(t->magic,
                           "\x7f"
                           "ELF\x02\x01\x01\x00"
                           "AB\\c:",
                           13) == 0);
        ASSERT_TRUE(t->mask_set);
        ASSERT_EQ(t->mask_len, 13);
        ASSERT_EQ(t->mask[7], 0xfe);
        ASSERT_EQ(t->mask[8], 0xff);
        ASSERT_TRUE(t->offset_set);
        ASSERT_EQ(t->offset, 16);
        ASSERT_STREQ(t->interpreter, "/usr/local/bin/vm-run");
        ASSERT_STREQ(t->platform, "linux/myvm");
        ASSERT_EQ(t->flags, RULE_FLAG_O | RULE_FLAG_C);
        config_free(TAKE_PTR(c));

        /* A table target with a match of its own: Mask and Offset are allowed then. */
        c = parse_ok("[target:aarch64]\nMagic=\\x7fELF\nMask=\\xff\\xff\\xff\\xff\nOffset=0\n");
        t = config_find_target(c, "aarch64");
        ASSERT_NOT_NULL(t);
        ASSERT_TRUE(t->magic_set && t->mask_set && t->offset_set);
        ASSERT_NULL(t->interpreter);
        config_free(TAKE_PTR(c));

        /* No mask; the largest offset a one-byte magic allows; a 64-character name, which
         * inih alone would cut to 42 characters. */
        c = parse_ok("[target:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"
                     "Magic=Z\nOffset=255\nInterpreter=/x\n");
        ASSERT_EQ(c->n_sections, 1);
        t = &c->sections[0];
        ASSERT_EQ(strlen(t->name), 64);
        ASSERT_EQ(t->magic_len, 1);
        ASSERT_EQ(t->magic[0], 'Z');
        ASSERT_FALSE(t->mask_set);
        ASSERT_EQ(t->offset, 255);
        config_free(TAKE_PTR(c));

        /* An empty Magic= takes a custom match back. */
        c = parse_ok("[target:aarch64]\nMagic=\\x7f\nMagic=\n");
        ASSERT_FALSE(config_find_target(c, "aarch64")->magic_set);
        ASSERT_EQ(config_find_target(c, "aarch64")->magic_len, 0);
}

TEST(target_errors)
{
        expect_error("[target:arm64]\nFlags=P\n",
                     "test.conf:1: [target:arm64]: \"arm64\" is not a QEMU target name (this "
                     "target is [target:aarch64]); a new target needs Magic= and Interpreter=");
        expect_error("[target:nosuch]\nInterpreter=/x\n",
                     "test.conf:1: [target:nosuch]: no known target is called \"nosuch\"; a new "
                     "target needs Magic= and Interpreter=");
        expect_error("[target:nosuch]\n",
                     "test.conf:1: [target:nosuch]: no known target is called \"nosuch\"; a new "
                     "target needs Magic= and Interpreter=");
        expect_error("[target:foo]\nMagic=\\x7fELF\n",
                     "test.conf:1: [target:foo]: a new target needs Interpreter= (only known "
                     "targets are searched for in InterpreterPath=)");
        expect_error("[target:aarch64]\nFlags=P\nMask=\\xff\n",
                     "test.conf:3: Mask: only a target with its own Magic= can have a Mask=");
        expect_error("[target:aarch64]\n\nOffset=4\n",
                     "test.conf:3: Offset: only a target with its own Magic= can have an Offset=");
        expect_error("[target:aarch64]\nMask=\\xff\\xff\nMagic=\\x7f\n",
                     "test.conf:2: Mask: Mask= and Magic= must be of the same length, they are 2 "
                     "and 1 bytes long");
        expect_error("[target:aarch64]\nMagic=ab\nOffset=255\n",
                     "test.conf:3: Offset: 255 plus the 2 bytes of Magic= ends past byte 256, "
                     "the kernel's header buffer");
        expect_error("[target:aarch64]\nOffset=256\nMagic=a\n",
                     "test.conf:2: Offset: \"256\" is not a number between 0 and 255");
        expect_error_like("[target:aarch64]\nMagic=a\nOffset=-1\n",
                          "test.conf:3: Offset: ", "not a number between 0 and 255");
        expect_error_like("[target:aarch64]\nMagic=a\nOffset=1x\n",
                          "test.conf:3: Offset: ", "not a number between 0 and 255");
        expect_error("[target:aarch64]\nMagic=\\x7\n",
                     "test.conf:2: Magic: \"\\x7\": \\x at byte 1 is not followed by two hex "
                     "digits");
        expect_error("[target:aarch64]\nMagic=ab\\xg0\n",
                     "test.conf:2: Magic: \"ab\\xg0\": \\x at byte 3 is not followed by two hex "
                     "digits");
        expect_error_like("[target:aarch64]\nMagic=a\nMask=\\x\n",
                          "test.conf:3: Mask: ", "not followed by two hex digits");
        expect_error_like("[target:aarch64]\nInterpreter=qemu-aarch64\n",
                          "test.conf:2: Interpreter: ", "not an absolute path");
        expect_error_like("[target:aarch64]\nInterpreter=/opt/q:emu\n",
                          "test.conf:2: Interpreter: ", "contains ':'");
        expect_error_like("[target:aarch64]\nPlatform=linux\n",
                          "test.conf:2: Platform: ", "not an OCI platform");
        expect_error_like("[target:aarch64]\nPlatform=linux/a/b/c\n",
                          "test.conf:2: Platform: ", "not an OCI platform");
        expect_error_like("[target:aarch64]\nPlatform=linux//v8\n",
                          "test.conf:2: Platform: ", "not an OCI platform");
        expect_error_like("[target:aarch64]\nPlatform=linux/a b\n",
                          "test.conf:2: Platform: ", "not an OCI platform");
        expect_error_like("[target:aarch64]\nFlags=X\n",
                          "test.conf:2: Flags: ", "flags are letters");
        expect_error("[target:aarch64]\nMountPoint=/x\n", "test.conf:2: MountPoint: unknown key");

        expect_error_like("[target:]\n", "test.conf:1: [target:]: ", "invalid target name");
        expect_error_like("[target:a/b]\n", "test.conf:1: [target:a/b]: ", "invalid target name");
        expect_error_like("[target:a b]\n", "test.conf:1: [target:a b]: ", "invalid target name");
        expect_error_like(
                "[target:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"
                "Magic=Z\nInterpreter=/x\n",
                "test.conf:1: [target:aaaa", "invalid target name");

        /* An empty Magic= leaves a new target without one. */
        expect_error_like("[target:foo]\nMagic=\nInterpreter=/x\n",
                          "test.conf:1: [target:foo]: ", "a new target needs Magic=");
        expect_error_like("[target:foo]\nMagic=ab\nInterpreter=/x\nMagic=\n",
                          "test.conf:1: [target:foo]: ", "a new target needs Magic=");

        /* A bad Magic= of a new target is reported once, not again as "needs Magic=". */
        expect_error_like("[target:foo]\nMagic=\\xzz\nInterpreter=/x\n",
                          "test.conf:2: Magic: ", "two hex digits");
}

static Config *parse_files(const char *const *texts, size_t n, char ***errors, int *ret)
{
        Config *c = NULL;

        ASSERT_OK(config_new_default(&c));
        for (size_t i = 0; i < n; i++) {
                char name[32];

                snprintf(name, sizeof(name), "file%zu.conf", i + 1);
                ret[i] = config_parse_string(c, texts[i], name, errors);
        }
        return c;
}

TEST(merge)
{
        static const char *const files[] = {
                ("[binfmtd]\nSocket=/run/a\nTargets=all\nTakeOver=yes\n"
                 "[target:aarch64]\nInterpreter=/a/qemu-aarch64\n"
                 "[target:foo]\nMagic=\\x01\\x02\nMask=\\xff\\xff\nInterpreter=/a/foo\n"),
                ("[binfmtd]\nTargets=linux/arm64 foo\nInterpreterPath=\n"
                 "[target:aarch64]\nFlags=P\n"
                 "[target:foo]\nPlatform=linux/foo\n"
                 "[target:riscv64]\nInterpreter=/b/qemu-riscv64\n"),
        };
        static const char *const targets[] = {"linux/arm64", "foo"};
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        const ConfigTarget *t;
        int r[2];

        c = parse_files(files, 2, &errors, r);
        ASSERT_OK(r[0]);
        ASSERT_OK(r[1]);
        ASSERT_EQ(strv_length(errors), 0);
        ASSERT_STREQ(c->socket_path, "/run/a");
        assert_strv(c->targets, targets, ELEMENTSOF(targets));
        ASSERT_EQ(strv_length(c->interpreter_path), 0);
        ASSERT_TRUE(c->take_over);
        ASSERT_EQ(c->n_sections, 3);

        t = config_find_target(c, "aarch64");
        ASSERT_STREQ(t->interpreter, "/a/qemu-aarch64");
        ASSERT_TRUE(t->flags_set);
        ASSERT_EQ(t->flags, RULE_FLAG_P);

        /* The second file's section needs no Magic= of its own: the first gave one. */
        t = config_find_target(c, "foo");
        ASSERT_TRUE(t->magic_set);
        ASSERT_EQ(t->magic_len, 2);
        ASSERT_STREQ(t->interpreter, "/a/foo");
        ASSERT_STREQ(t->platform, "linux/foo");

        ASSERT_STREQ(config_find_target(c, "riscv64")->interpreter, "/b/qemu-riscv64");

        /* Key by key: the second file's Targets= replaces the first's, the first's Socket=
         * stays. */
        {
                static const char *const reversed[] = {"[binfmtd]\nTargets=a\nSocket=/run/1\n",
                                                       "[binfmtd]\nTargets=b\n"};
                _cleanup_(config_freep) Config *d = parse_files(reversed, 2, &errors, r);

                ASSERT_STREQ(d->targets[0], "b");
                ASSERT_STREQ(d->socket_path, "/run/1");
        }
}

TEST(merge_errors)
{
        static const char *const files[] = {
                ("[target:foo]\nMagic=\\x01\\x02\\x03\\x04\nMask=\\xff\\xff\\xff\\xff\n"
                 "Interpreter=/a/foo\n"),
                "# the second file\n[target:foo]\nMagic=\\x01\\x02\\x03\\x04\\x05\n",
                "[target:foo]\nMask=\\xff\\xff\\xff\\xff\\xff\n[binfmtd]\nFoo=bar\n",
        };
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        int r[3];

        c = parse_files(files, 3, &errors, r);
        ASSERT_OK(r[0]);
        ASSERT_ERROR(r[1], EINVAL);
        ASSERT_ERROR(r[2], EINVAL);
        if (strv_length(errors) != 2)
                print_errors(errors);
        ASSERT_EQ(strv_length(errors), 2);
        /* The mismatch a later file creates is reported where that file changed the magic. */
        ASSERT_STREQ(errors[0], "file2.conf:3: Mask: Mask= and Magic= must be of the same "
                                "length, they are 4 and 5 bytes long");
        /* A third file that fixes it reports only its own problem. */
        ASSERT_STREQ(errors[1], "file3.conf:4: Foo: unknown key");
}

TEST(parse_file)
{
        static const char text[] = "[binfmtd]\nSocket=/run/f\nBad=1\n";
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_fclose_ FILE *f = NULL;

        f = fmemopen((void *)text, sizeof(text) - 1, "r");
        ASSERT_NOT_NULL(f);
        ASSERT_OK(config_new_default(&c));
        ASSERT_ERROR(config_parse_file(c, f, "/etc/binfmtd/binfmtd.conf", &errors), EINVAL);
        ASSERT_STREQ(c->socket_path, "/run/f");
        ASSERT_EQ(strv_length(errors), 1);
        ASSERT_STREQ(errors[0], "/etc/binfmtd/binfmtd.conf:3: Bad: unknown key");

        /* A file, unlike a string, can hold a NUL byte. */
        {
                static const char nul[] = "[binfmtd]\nSocket=/run/a\0b\nTakeOver=yes";
                _cleanup_fclose_ FILE *g = fmemopen((void *)nul, sizeof(nul) - 1, "r");
                _cleanup_strv_free_ char **e = NULL;

                ASSERT_NOT_NULL(g);
                ASSERT_ERROR(config_parse_file(c, g, "n.conf", &e), EINVAL);
                ASSERT_EQ(strv_length(e), 1);
                ASSERT_STREQ(e[0], "n.conf:2: Socket=/run/a: line contains a NUL byte");
                ASSERT_STREQ(c->socket_path, "/run/f");
                ASSERT_TRUE(c->take_over);
        }

        /* A stream that cannot be read is an error of its own, not a configuration error. */
        {
                _cleanup_fclose_ FILE *w = fopen("/dev/null", "w");
                _cleanup_strv_free_ char **e = NULL;

                ASSERT_NOT_NULL(w);
                ASSERT_TRUE(config_parse_file(c, w, "w.conf", &e) < 0);
                ASSERT_EQ(strv_length(e), 0);
        }
}

int main(void)
{
        RUN(defaults);
        RUN(empty_and_comments);
        RUN(every_key);
        RUN(values);
        RUN(empty_values);
        RUN(bad_values);
        RUN(messages);
        RUN(malformed_lines);
        RUN(whitespace_and_comments);
        RUN(crlf);
        RUN(duplicates_later_wins);
        RUN(several_errors);
        RUN(long_lines);
        RUN(long_and_short_agree);
        RUN(target_override);
        RUN(target_new);
        RUN(target_errors);
        RUN(merge);
        RUN(merge_errors);
        RUN(parse_file);
        return 0;
}
