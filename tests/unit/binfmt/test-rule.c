/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the rule model: the register-string parser against the kernel's create_entry()
 * rules (limits, escapes, delimiters, flags), validation with and without a kernel, encoding,
 * round trips of every QEMU-style rule, and matching headers and paths.
 */

#include "binfmt/rule.h"
#include "tests.h"

/* The QEMU table's magic and mask strings, as its register strings carry them. */
static const struct {
        const char *name, *magic, *mask;
} qemu_table[] = {
        {"i386",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x03\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"i486",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x06\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"x86_64",
         "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x3e\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"alpha",
         "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x26\\x90",
         "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"arm",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x28\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"armeb",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x28",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"sparc",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x02",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"sparc32plus",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x12",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"sparc64",
         "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x2b",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"ppc",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x14",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"ppc64",
         "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x15",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"ppc64le",
         "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x15\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\x00"},
        {"m68k",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x04",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"mips",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x08\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x00\\x00\\x00\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20"},
        {"mipsel",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x08\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x00\\x00\\x00\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00"},
        {"mipsn32",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x08\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x00\\x00\\x00\\x20",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20"},
        {"mipsn32el",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x08\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x20\\x00\\x00\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00"},
        {"mips64",
         "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x08",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"mips64el",
         "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x08\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"sh4",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x2a\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"sh4eb",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x2a",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"s390x",
         "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x16",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"aarch64",
         "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\xb7\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"aarch64_be",
         "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\xb7",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"hppa",
         "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
         "\\x00\\x02\\x00\\x0f",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"riscv32",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\xf3\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"riscv64",
         "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\xf3\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"xtensa",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x5e\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"xtensaeb",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x5e",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"microblaze",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\xba\\xab",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"microblazeel",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\xab\\xba",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"or1k",
         "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02"
         "\\x00\\x5c",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xff\\xfe\\xff\\xff"},
        {"hexagon",
         "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\xa4\\x00",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
        {"loongarch64",
         "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
         "\\x02\\x01",
         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
         "\\xfe\\xff\\xff\\xff"},
};

/* Lines as distributions ship them in binfmt.d, newline included. */
static const char *const shipped[] = {
        ":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00"
        "\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff"
        "\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/"
        "aarch64-binfmt-P:OPF\n",
        ":qemu-s390x:M::\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
        "\\x00\\x00\\x00\\x02\\x00\\x16:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff"
        "\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff:/usr/libexec/qemu-binfmt/"
        "s390x-binfmt-P:OPF\n",
        ":python3.11:M::\\xa7\\x0d\\x0d\\x0a::/usr/bin/python3.11:\n",
        ":llvm-14-runtime.binfmt:M::BC::/usr/bin/lli-14:\n",
};

static const KernelInfo kernel_6 = {
        .major = 6,
        .minor = 18,
        .patch = 44,
        .fix_binary = true,
        .buf_size = 256,
        .argv0_auxv = true,
        .userns_instances = true,
};
static const KernelInfo kernel_4_4 = {
        .major = 4,
        .minor = 4,
        .patch = 0,
        .fix_binary = false,
        .buf_size = 128,
};
static const KernelInfo kernel_4_19 = {
        .major = 4,
        .minor = 19,
        .patch = 0,
        .fix_binary = true,
        .buf_size = 128,
};

static BinfmtRule *parse_ok_len(const char *s, size_t len)
{
        _cleanup_free_ char *reason = NULL;
        BinfmtRule *r = NULL;
        int ret;

        ret = rule_from_register_string(s, len, &r, &reason);
        if (ret < 0)
                fprintf(stderr, "unexpected refusal: %s\n", strna(reason));
        ASSERT_OK(ret);
        ASSERT_NOT_NULL(r);
        ASSERT_NULL(reason);
        return r;
}

static BinfmtRule *parse_ok(const char *s)
{
        return parse_ok_len(s, strlen(s));
}

static void parse_fail_len(const char *s, size_t len, const char *why)
{
        _cleanup_free_ char *reason = NULL;
        BinfmtRule *r = NULL;

        ASSERT_ERROR(rule_from_register_string(s, len, &r, &reason), EINVAL);
        ASSERT_NULL(r);
        ASSERT_CONTAINS(reason, why);
        /* The reason is optional. */
        ASSERT_ERROR(rule_from_register_string(s, len, &r, NULL), EINVAL);
        ASSERT_NULL(r);
}

static void parse_fail(const char *s, const char *why)
{
        parse_fail_len(s, strlen(s), why);
}

static void validate_ok(const BinfmtRule *r, const KernelInfo *k)
{
        _cleanup_free_ char *reason = NULL;
        int ret = rule_validate(r, k, &reason);

        if (ret < 0)
                fprintf(stderr, "unexpected refusal: %s\n", strna(reason));
        ASSERT_OK(ret);
        ASSERT_NULL(reason);
}

static void validate_fail(const BinfmtRule *r, const KernelInfo *k, const char *why)
{
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(rule_validate(r, k, &reason), EINVAL);
        ASSERT_CONTAINS(reason, why);
        ASSERT_ERROR(rule_validate(r, k, NULL), EINVAL);
}

static bool rules_equal(const BinfmtRule *a, const BinfmtRule *b)
{
        if (!streq_ptr(a->name, b->name) || a->type != b->type || a->flags != b->flags ||
            !streq_ptr(a->interpreter, b->interpreter) || !streq_ptr(a->extension, b->extension))
                return false;
        if (a->type != RULE_TYPE_MAGIC)
                return true;
        return a->offset == b->offset && a->magic_len == b->magic_len &&
               a->has_mask == b->has_mask && memcmp(a->magic, b->magic, a->magic_len) == 0 &&
               (!a->has_mask || memcmp(a->mask, b->mask, a->magic_len) == 0);
}

/* Encodes @r, parses the result and expects the same rule back. */
static void assert_round_trip(const BinfmtRule *r)
{
        _cleanup_(rule_freep) BinfmtRule *back = NULL;
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(rule_to_register_string(r, &s));
        back = parse_ok(s);
        ASSERT_TRUE(rules_equal(r, back));
}

/* A rule by hand: type M, the given name, magic/mask bytes, offset 0. */
static BinfmtRule *make_rule(const char *name, const void *magic, const void *mask, size_t len,
                             const char *interpreter, unsigned flags)
{
        BinfmtRule *r = calloc(1, sizeof(*r));

        ASSERT_NOT_NULL(r);
        r->name = strdup(name);
        r->interpreter = strdup(interpreter);
        ASSERT_NOT_NULL(r->name);
        ASSERT_NOT_NULL(r->interpreter);
        r->type = RULE_TYPE_MAGIC;
        r->magic_len = len;
        memcpy(r->magic, magic, len);
        if (mask) {
                memcpy(r->mask, mask, len);
                r->has_mask = true;
        }
        r->flags = flags;
        return r;
}

static BinfmtRule *make_ext_rule(const char *name, const char *ext, const char *interpreter)
{
        BinfmtRule *r = calloc(1, sizeof(*r));

        ASSERT_NOT_NULL(r);
        r->name = strdup(name);
        r->extension = strdup(ext);
        r->interpreter = strdup(interpreter);
        ASSERT_TRUE(r->name && r->extension && r->interpreter);
        r->type = RULE_TYPE_EXTENSION;
        return r;
}

static void set_str(char **p, const char *s)
{
        free(*p);
        *p = strdup(s);
        ASSERT_NOT_NULL(*p);
}

/* A string of @n copies of @c. */
static char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);

        ASSERT_NOT_NULL(s);
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static const uint8_t aarch64_magic[20] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0,    0,
                                          0,    0,   0,   0,   0, 0, 2, 0, 0xb7, 0};
static const uint8_t aarch64_mask[20] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xfe, 0xff, 0xff, 0xff};

TEST(flags)
{
        char buf[5];
        unsigned f = 0xdead;

        ASSERT_STREQ(rule_flags_to_string(0, buf), "");
        ASSERT_STREQ(rule_flags_to_string(RULE_FLAGS_ALL, buf), "POCF");
        ASSERT_STREQ(rule_flags_to_string(RULE_FLAG_F | RULE_FLAG_P, buf), "PF");
        ASSERT_STREQ(rule_flags_to_string(RULE_FLAG_C, buf), "C");

        ASSERT_OK(rule_flags_from_string("FOP", &f));
        ASSERT_EQ(f, RULE_FLAG_F | RULE_FLAG_O | RULE_FLAG_P);
        ASSERT_OK(rule_flags_from_string("FFPPFF", &f));
        ASSERT_EQ(f, RULE_FLAG_F | RULE_FLAG_P);
        ASSERT_OK(rule_flags_from_string("", &f));
        ASSERT_EQ(f, 0);
        f = 0xdead;
        ASSERT_ERROR(rule_flags_from_string("FT", &f), EINVAL);
        ASSERT_ERROR(rule_flags_from_string("f", &f), EINVAL);
        ASSERT_ERROR(rule_flags_from_string("F\n", &f), EINVAL);
        ASSERT_ERROR(rule_flags_from_string(" F", &f), EINVAL);
        ASSERT_EQ(f, 0xdead);

        ASSERT_EQ(rule_flags_normalize(RULE_FLAG_C), RULE_FLAG_C | RULE_FLAG_O);
        ASSERT_EQ(rule_flags_normalize(RULE_FLAG_P | RULE_FLAG_F), RULE_FLAG_P | RULE_FLAG_F);
        ASSERT_EQ(rule_flags_normalize(RULE_FLAG_O), RULE_FLAG_O);

        ASSERT_EQ(rule_flag_from_letter('P'), RULE_FLAG_P);
        ASSERT_EQ(rule_flag_from_letter('O'), RULE_FLAG_O);
        ASSERT_EQ(rule_flag_from_letter('C'), RULE_FLAG_C);
        ASSERT_EQ(rule_flag_from_letter('F'), RULE_FLAG_F);
        ASSERT_EQ(rule_flag_from_letter('f'), 0);
        ASSERT_EQ(rule_flag_from_letter(':'), 0);
        ASSERT_EQ(rule_flag_from_letter('\0'), 0);
}

TEST(done)
{
        BinfmtRule r = {
                .name = strdup("x"),
                .extension = strdup("y"),
                .interpreter = strdup("/z"),
        };

        ASSERT_NOT_NULL(r.name);
        ASSERT_NOT_NULL(r.extension);
        ASSERT_NOT_NULL(r.interpreter);
        rule_done(&r);
        ASSERT_NULL(r.name);
        ASSERT_NULL(r.extension);
        ASSERT_NULL(r.interpreter);
        rule_done(&r);
        rule_done(NULL);
}

TEST(new_from_arch)
{
        _cleanup_(rule_freep) BinfmtRule *r = NULL;
        BinfmtArch a = {.name = "aarch64", .len = sizeof(aarch64_magic)};
        BinfmtArch empty = {.name = "nothing", .len = 0};

        memcpy(a.magic, aarch64_magic, sizeof(aarch64_magic));
        memcpy(a.mask, aarch64_mask, sizeof(aarch64_mask));

        ASSERT_OK(rule_new_from_arch(&a, "/usr/bin/qemu-aarch64-static", RULE_FLAG_F, &r));
        ASSERT_STREQ(r->name, "qemu-aarch64");
        ASSERT_EQ(r->type, RULE_TYPE_MAGIC);
        ASSERT_EQ(r->offset, 0);
        ASSERT_EQ(r->magic_len, 20);
        ASSERT_TRUE(r->has_mask);
        ASSERT_TRUE(memcmp(r->magic, aarch64_magic, 20) == 0);
        ASSERT_TRUE(memcmp(r->mask, aarch64_mask, 20) == 0);
        ASSERT_STREQ(r->interpreter, "/usr/bin/qemu-aarch64-static");
        ASSERT_NULL(r->extension);
        ASSERT_EQ(r->flags, RULE_FLAG_F);
        validate_ok(r, NULL);
        validate_ok(r, &kernel_6);

        r = rule_free(r);
        ASSERT_ERROR(rule_new_from_arch(&empty, "/x", 0, &r), EINVAL);
        ASSERT_ERROR(rule_new_from_arch(&a, NULL, 0, &r), EINVAL);
        ASSERT_NULL(r);
        ASSERT_NULL(rule_free(NULL));
}

TEST(parse_shipped)
{
        for (size_t i = 0; i < ELEMENTSOF(shipped); i++) {
                _cleanup_(rule_freep) BinfmtRule *r = parse_ok(shipped[i]);

                ASSERT_EQ(r->type, RULE_TYPE_MAGIC);
                assert_round_trip(r);
        }

        _cleanup_(rule_freep) BinfmtRule *r = parse_ok(shipped[0]);
        ASSERT_STREQ(r->name, "qemu-aarch64");
        ASSERT_EQ(r->magic_len, 20);
        ASSERT_TRUE(memcmp(r->magic, aarch64_magic, 20) == 0);
        ASSERT_TRUE(memcmp(r->mask, aarch64_mask, 20) == 0);
        ASSERT_STREQ(r->interpreter, "/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
        ASSERT_EQ(r->flags, RULE_FLAG_O | RULE_FLAG_P | RULE_FLAG_F);

        /* Raw magic bytes, no mask. */
        _cleanup_(rule_freep) BinfmtRule *llvm = parse_ok(shipped[3]);
        ASSERT_EQ(llvm->magic_len, 2);
        ASSERT_TRUE(memcmp(llvm->magic, "BC", 2) == 0);
        ASSERT_FALSE(llvm->has_mask);
        ASSERT_EQ(llvm->flags, 0);

        _cleanup_(rule_freep) BinfmtRule *py = parse_ok(shipped[2]);
        ASSERT_EQ(py->magic_len, 4);
        ASSERT_TRUE(memcmp(py->magic, "\xa7\r\r\n", 4) == 0);
}

TEST(parse_length_limits)
{
        _cleanup_free_ char *pad = NULL, *s1920 = NULL, *s1921 = NULL;
        _cleanup_(rule_freep) BinfmtRule *r = NULL, *shortest = NULL;

        parse_fail("", "0 bytes, the kernel needs at least 11");
        parse_fail(":a:E::b::/", "10 bytes, the kernel needs at least 11");
        shortest = parse_ok(":a:E::b::/:");
        ASSERT_STREQ(shortest->extension, "b");
        ASSERT_STREQ(shortest->interpreter, "/");

        /* ":n:E::e::" + "/" + padding + ":" */
        pad = repeat('x', 1920 - 11);
        ASSERT_TRUE(asprintf(&s1920, ":n:E::e::/%s:", pad) > 0);
        ASSERT_EQ(strlen(s1920), 1920);
        r = parse_ok(s1920);
        ASSERT_EQ(strlen(r->interpreter), 1920 - 10);

        ASSERT_TRUE(asprintf(&s1921, ":n:E::e::/%sx:", pad) > 0);
        ASSERT_EQ(strlen(s1921), 1921);
        parse_fail(s1921, "1921 bytes, the kernel takes at most 1920");

        /* The trailing newline counts. */
        s1920[1919] = '\n';
        parse_fail(s1920, "ends before the flags field");
}

TEST(parse_escapes)
{
        _cleanup_(rule_freep) BinfmtRule *upper = NULL, *colon = NULL, *nul = NULL, *bs = NULL,
                                         *bsbs = NULL, *nomask = NULL, *mixed = NULL;
        static const char raw_nul[] = ":a:M::AB\0CD::/bin/x:";
        static const char raw_nul_first[] = ":a:M::\0AB::/bin/x:";
        static const char raw_nul_mask[] = ":a:M::AB:\0\\x41:/bin/x:";
        static const char raw_nul_name[] = ":a\0b:M::AB::/bin/x:";
        static const char raw_nul_interp[] = ":a:M::AB::/bin\0/x:";

        /* Uppercase hex digits decode like lowercase ones. */
        upper = parse_ok(":a:M::\\x7F\\x45\\x4C\\x46:\\xFF\\xfF\\xFf\\xff:/bin/x:");
        ASSERT_EQ(upper->magic_len, 4);
        ASSERT_TRUE(memcmp(upper->magic,
                           "\x7f"
                           "ELF",
                           4) == 0);
        ASSERT_TRUE(memcmp(upper->mask, "\xff\xff\xff\xff", 4) == 0);

        /* The escaped delimiter is a plain byte. */
        colon = parse_ok(":a:M::\\x3a\\x3a::/bin/x:");
        ASSERT_EQ(colon->magic_len, 2);
        ASSERT_TRUE(memcmp(colon->magic, "::", 2) == 0);
        assert_round_trip(colon);

        /* Escapes may be mixed with raw bytes. */
        mixed = parse_ok(":a:M::\\x7fELF\\x00::/bin/x:");
        ASSERT_EQ(mixed->magic_len, 5);
        ASSERT_TRUE(memcmp(mixed->magic,
                           "\x7f"
                           "ELF\0",
                           5) == 0);

        parse_fail(":a:M::\\x4::/bin/x:", "two hex digits");
        parse_fail(":a:M::\\xZZ::/bin/x:", "two hex digits");
        parse_fail(":a:M::\\x4g::/bin/x:", "two hex digits");
        parse_fail(":a:M::\\x::/bin/x:", "two hex digits");
        parse_fail(":a:M::AB:\\xf:/bin/x:", "mask has a");

        /* A backslash not followed by 'x' stays a backslash. */
        bs = parse_ok(":a:M::\\n::/bin/x:");
        ASSERT_EQ(bs->magic_len, 2);
        ASSERT_TRUE(memcmp(bs->magic, "\\n", 2) == 0);
        /* scanarg() checks the second backslash's "\x41", the decoder sees "\\" first and
         * leaves all of it alone. */
        bsbs = parse_ok(":a:M::\\\\x41::/bin/x:");
        ASSERT_EQ(bsbs->magic_len, 5);
        ASSERT_TRUE(memcmp(bsbs->magic, "\\\\x41", 5) == 0);
        assert_round_trip(bsbs);

        /* Decoding stops at a raw NUL; a magic that starts with one is empty. */
        nul = parse_ok_len(raw_nul, sizeof(raw_nul) - 1);
        ASSERT_EQ(nul->magic_len, 2);
        ASSERT_TRUE(memcmp(nul->magic, "AB", 2) == 0);
        parse_fail_len(raw_nul_first, sizeof(raw_nul_first) - 1, "magic is empty");
        /* A mask that starts with NUL is no mask. */
        nomask = parse_ok_len(raw_nul_mask, sizeof(raw_nul_mask) - 1);
        ASSERT_FALSE(nomask->has_mask);
        /* strchr() stops at NUL in the other fields. */
        parse_fail_len(raw_nul_name, sizeof(raw_nul_name) - 1, "name contains a NUL byte");
        parse_fail_len(raw_nul_interp, sizeof(raw_nul_interp) - 1,
                       "interpreter contains a NUL byte");

        parse_fail(":a:M::::/bin/x:", "magic is empty");
}

TEST(parse_mask_length)
{
        parse_fail(":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00"
                   "\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
                   "\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff:/bin/x:F",
                   "magic and mask differ in length (20 and 19 bytes)");
        parse_fail(":a:M::AB:\\xff\\xff\\xff:/bin/x:", "(2 and 3 bytes)");
}

TEST(parse_offset)
{
        static const struct {
                const char *offset;
                unsigned value;
        } ok[] = {
                {"", 0},
                {"0", 0},
                {"2", 2},
                {"+2", 2},
                {"-0", 0},
                {"007", 7},
                /* kstrtoint() takes one trailing newline. */
                {"2\n", 2},
        };
        static const char *const bad[] = {
                "-1", "0x10", "2 ", " 2", "+", "-", "+-0", "-+0", "2\n\n", "99999999999", "1e3",
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_(rule_freep) BinfmtRule *r = NULL;
                _cleanup_free_ char *s = NULL;

                ASSERT_TRUE(asprintf(&s, ":a:M:%s:AB::/bin/x:", ok[i].offset) > 0);
                r = parse_ok(s);
                ASSERT_EQ(r->offset, ok[i].value);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *s = NULL;

                ASSERT_TRUE(asprintf(&s, ":a:M:%s:AB::/bin/x:", bad[i]) > 0);
                parse_fail(s, "offset");
        }

        /* The kernel's buffer is 256 bytes: offset + size up to 256. */
        _cleanup_(rule_freep) BinfmtRule *end = parse_ok(":a:M:254:AB::/bin/x:");
        ASSERT_EQ(end->offset, 254);
        parse_fail(":a:M:255:AB::/bin/x:", "offset 255 and 2 bytes of magic end at byte 257");
        parse_fail(":a:M:2147483647:AB::/bin/x:", "past the kernel's 256-byte header buffer");
}

TEST(parse_magic_size)
{
        _cleanup_free_ char *m256 = repeat('A', 256), *m257 = repeat('A', 257);
        _cleanup_free_ char *s256 = NULL, *s257 = NULL;
        _cleanup_(rule_freep) BinfmtRule *r = NULL;

        ASSERT_TRUE(asprintf(&s256, ":a:M::%s::/bin/x:", m256) > 0);
        ASSERT_TRUE(asprintf(&s257, ":a:M::%s::/bin/x:", m257) > 0);
        r = parse_ok(s256);
        ASSERT_EQ(r->magic_len, 256);
        parse_fail(s257, "magic is 257 bytes, the kernel's header buffer is 256");
}

TEST(parse_name_and_type)
{
        _cleanup_free_ char *long_name = repeat('n', 256), *s = NULL;
        _cleanup_(rule_freep) BinfmtRule *reg = NULL, *lng = NULL;

        parse_fail("::M::AB::/bin/x:", "name is empty");
        parse_fail(":.:M::AB::/bin/x:", "name \".\" is a directory entry");
        parse_fail(":..:M::AB::/bin/x:", "name \"..\" is a directory entry");
        parse_fail(":a/b:M::AB::/bin/x:", "name \"a/b\" contains '/'");
        /* create_entry() does not know the names of the control files or the length limit;
         * those fail later, and rule_validate() refuses them. */
        reg = parse_ok(":register:M::AB::/bin/x:");
        validate_fail(reg, NULL, "name \"register\" is taken");
        ASSERT_TRUE(asprintf(&s, ":%s:M::AB::/bin/x:", long_name) > 0);
        lng = parse_ok(s);
        validate_fail(lng, NULL, "name is 256 bytes, the kernel's limit is 255");

        /* Long values in reasons are escaped and cut. */
        _cleanup_free_ char *wide = repeat('\xff', 100), *ws = NULL, *cut = NULL;
        wide[99] = '/';
        ASSERT_TRUE(asprintf(&ws, ":%s:M::AB::/bin/x:", wide) > 0);
        cut = repeat('\0', 64 * 4);
        for (size_t i = 0; i < 64; i++)
                memcpy(cut + 4 * i, "\\xff", 4);
        parse_fail(ws, cut);
        parse_fail(ws, "\\xff\"... contains '/'");

        parse_fail(":a:X::AB::/bin/x:", "type \"X\" is neither M (magic) nor E (extension)");
        parse_fail(":a:m::AB::/bin/x:", "type \"m\"");
        parse_fail(":a:MM::AB::/bin/x:", "type is not a single letter");
        parse_fail(":a:M::AB::/bin/x", "ends before the flags field");
        parse_fail(":a:M::AB:::F", "interpreter is empty");
}

TEST(parse_extension)
{
        _cleanup_(rule_freep) BinfmtRule *r = NULL, *skipped = NULL;

        r = parse_ok(":t2:E::zz::/bin/true:");
        ASSERT_EQ(r->type, RULE_TYPE_EXTENSION);
        ASSERT_STREQ(r->extension, "zz");
        ASSERT_STREQ(r->interpreter, "/bin/true");
        ASSERT_EQ(r->magic_len, 0);
        ASSERT_FALSE(r->has_mask);
        ASSERT_EQ(r->flags, 0);
        validate_ok(r, NULL);
        assert_round_trip(r);

        /* The kernel skips the offset and mask fields of an E rule without reading them. */
        skipped = parse_ok(":t3:E:junk:zz:\\xZZ:/bin/true:PF");
        ASSERT_STREQ(skipped->extension, "zz");
        ASSERT_EQ(skipped->offset, 0);
        ASSERT_FALSE(skipped->has_mask);
        ASSERT_EQ(skipped->flags, RULE_FLAG_P | RULE_FLAG_F);
        assert_round_trip(skipped);

        parse_fail(":t:E::::/bin/true:", "extension is empty");
        parse_fail(":t:E::a/b::/bin/true:", "extension \"a/b\" contains '/'");
        /* One delimiter short: the skipped mask field swallows the interpreter. */
        parse_fail(":t:E::zz:/bin/true:", "interpreter is empty");
}

TEST(parse_flags)
{
        static const struct {
                const char *flags;
                unsigned value;
        } ok[] = {
                {"", 0},
                {"F", RULE_FLAG_F},
                {"F\n", RULE_FLAG_F},
                {"\n", 0},
                {"POCF", RULE_FLAGS_ALL},
                {"FCOP", RULE_FLAGS_ALL},
                {"PPOOCCFF", RULE_FLAGS_ALL},
                /* Kept as written; C implies O only when compared. */
                {"C", RULE_FLAG_C},
        };
        static const struct {
                const char *flags, *why;
        } bad[] = {
                {"T", "flags contain \"T\", which is not one of P, O, C, F"},
                {"FT", "\"T\""},
                {"f", "\"f\""},
                {"F\n\n", "a newline may only end the register string, once"},
                {"\nF", "once"},
                {"F ", "\" \""},
                {"F:", "\":\""},
                {"F\r\n", "\"\\x0d\""},
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_(rule_freep) BinfmtRule *r = NULL;
                _cleanup_free_ char *s = NULL;

                ASSERT_TRUE(asprintf(&s, ":a:M::AB::/bin/x:%s", ok[i].flags) > 0);
                r = parse_ok(s);
                ASSERT_EQ(r->flags, ok[i].value);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *s = NULL;

                ASSERT_TRUE(asprintf(&s, ":a:M::AB::/bin/x:%s", bad[i].flags) > 0);
                parse_fail(s, bad[i].why);
        }
}

TEST(parse_delimiters)
{
        _cleanup_(rule_freep) BinfmtRule *pipe = NULL, *nul = NULL, *nl = NULL, *hex = NULL;
        _cleanup_free_ char *s = NULL;
        static const char nul_delim[] = "\0a\0E\0\0zz\0\0/bin/x\0F";

        /* Any first byte is the delimiter; ':' is then an ordinary byte. */
        pipe = parse_ok("|a:b|M|1|\\x3a|\\xff|/bin/x:y|F");
        ASSERT_STREQ(pipe->name, "a:b");
        ASSERT_EQ(pipe->offset, 1);
        ASSERT_STREQ(pipe->interpreter, "/bin/x:y");
        /* binfmtd only writes ':' as the delimiter, so this one cannot be encoded. */
        ASSERT_ERROR(rule_to_register_string(pipe, &s), EINVAL);
        ASSERT_NULL(s);

        nul = parse_ok_len(nul_delim, sizeof(nul_delim) - 1);
        ASSERT_STREQ(nul->name, "a");
        ASSERT_STREQ(nul->extension, "zz");
        ASSERT_EQ(nul->flags, RULE_FLAG_F);

        /* With '\n' as the delimiter the trailing newline is the optional one. */
        nl = parse_ok("\na\nE\n\nzz\n\n/bin/x\n\n");
        ASSERT_STREQ(nl->interpreter, "/bin/x");
        parse_fail("\na\nE\n\nzz\n\n/bin/x\n", "ends before the flags field");

        /* A hex digit as the delimiter is swallowed by a "\x" escape. */
        hex = parse_ok("anaMa0a\\xaaaa/bin/xa");
        ASSERT_STREQ(hex->name, "n");
        ASSERT_EQ(hex->magic_len, 1);
        ASSERT_EQ(hex->magic[0], 0xaa);

        /* The flag scan would run off the record. */
        parse_fail("Pa:M::AB::/bin/x:", "delimiter 'P' is also a flag letter");
        parse_fail("Oa:M::AB::/bin/x:", "delimiter 'O'");
        parse_fail("Ca:M::AB::/bin/x:", "delimiter 'C'");
        parse_fail("FaFMFFABFF/bin/xF", "delimiter 'F'");
}

TEST(round_trip_qemu_table)
{
        for (size_t i = 0; i < ELEMENTSOF(qemu_table); i++) {
                _cleanup_(rule_freep) BinfmtRule *r = NULL, *back = NULL;
                _cleanup_free_ char *s = NULL, *enc = NULL, *enc2 = NULL;

                ASSERT_TRUE(asprintf(&s, ":qemu-%s:M::%s:%s:/usr/bin/qemu-%s-static:F",
                                     qemu_table[i].name, qemu_table[i].magic, qemu_table[i].mask,
                                     qemu_table[i].name) > 0);
                r = parse_ok(s);
                ASSERT_TRUE(r->magic_len == 20 || r->magic_len == 40);
                ASSERT_TRUE(r->has_mask);
                ASSERT_TRUE(memcmp(r->magic,
                                   "\x7f"
                                   "ELF",
                                   4) == 0);
                validate_ok(r, NULL);
                validate_ok(r, &kernel_6);
                validate_ok(r, &kernel_4_19);
                validate_fail(r, &kernel_4_4,
                              "flag F needs Linux 4.8 or newer, this kernel is 4.4.0");

                ASSERT_OK(rule_to_register_string(r, &enc));
                back = parse_ok(enc);
                ASSERT_TRUE(rules_equal(r, back));
                /* Encoding is canonical. */
                ASSERT_OK(rule_to_register_string(back, &enc2));
                ASSERT_STREQ(enc, enc2);
        }
}

TEST(encode)
{
        _cleanup_(rule_freep) BinfmtRule *r = NULL, *e = NULL, *odd = NULL;
        _cleanup_free_ char *s = NULL, *se = NULL, *so = NULL, *bad = NULL;
        static const uint8_t odd_bytes[] = {0x00, ':', '\\', '\n', 'x', 0xff};

        r = make_rule("qemu-aarch64", aarch64_magic, aarch64_mask, 20,
                      "/usr/bin/qemu-aarch64-static", RULE_FLAG_F | RULE_FLAG_P);
        ASSERT_OK(rule_to_register_string(r, &s));
        ASSERT_STREQ(s, ":qemu-aarch64:M:0:"
                        "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
                        "\\x00\\x00\\x02\\x00\\xb7\\x00:"
                        "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff"
                        "\\xff\\xff\\xfe\\xff\\xff\\xff:"
                        "/usr/bin/qemu-aarch64-static:PF");

        e = make_ext_rule("t2", "zz", "/bin/true");
        ASSERT_OK(rule_to_register_string(e, &se));
        ASSERT_STREQ(se, ":t2:E::zz::/bin/true:");

        /* Bytes that would otherwise end a field or the string; no mask. */
        odd = make_rule("odd", odd_bytes, NULL, sizeof(odd_bytes), "/bin/x", RULE_FLAG_C);
        odd->offset = 7;
        ASSERT_OK(rule_to_register_string(odd, &so));
        ASSERT_STREQ(so, ":odd:M:7:\\x00\\x3a\\x5c\\x0a\\x78\\xff::/bin/x:C");
        assert_round_trip(odd);

        /* What the kernel cannot take. */
        set_str(&e->name, "a:b");
        ASSERT_ERROR(rule_to_register_string(e, &bad), EINVAL);
        set_str(&e->name, "t2");
        set_str(&e->interpreter, "/bin/x\ny");
        ASSERT_ERROR(rule_to_register_string(e, &bad), EINVAL);
        set_str(&e->interpreter, "/bin/true");
        set_str(&e->extension, "z:z");
        ASSERT_ERROR(rule_to_register_string(e, &bad), EINVAL);
        set_str(&e->extension, "zz");
        e->flags = 1u << 7;
        ASSERT_ERROR(rule_to_register_string(e, &bad), EINVAL);
        e->flags = 0;
        e->type = 'X';
        ASSERT_ERROR(rule_to_register_string(e, &bad), EINVAL);
        r->magic_len = 0;
        ASSERT_ERROR(rule_to_register_string(r, &bad), EINVAL);
        ASSERT_NULL(bad);
}

TEST(validate_name)
{
        _cleanup_(rule_freep) BinfmtRule *r = make_rule("a", "AB", NULL, 2, "/bin/x", 0);
        _cleanup_free_ char *n255 = repeat('n', 255), *n256 = repeat('n', 256);

        validate_ok(r, NULL);
        set_str(&r->name, "");
        validate_fail(r, NULL, "name is empty");
        set_str(&r->name, ".");
        validate_fail(r, NULL, "name \".\" is a directory entry");
        set_str(&r->name, "..");
        validate_fail(r, NULL, "name \"..\" is a directory entry");
        set_str(&r->name, "a/b");
        validate_fail(r, NULL, "name \"a/b\" contains '/'");
        set_str(&r->name, "register");
        validate_fail(r, NULL, "name \"register\" is taken by binfmt_misc's control file");
        set_str(&r->name, "status");
        validate_fail(r, &kernel_6, "name \"status\" is taken");
        set_str(&r->name, "a:b");
        validate_fail(r, NULL, "name \"a:b\" contains the delimiter ':'");
        set_str(&r->name, "a\nb");
        validate_fail(r, NULL, "name \"a\\x0ab\" contains a control character (0x0a)");
        set_str(&r->name, "a\x7f");
        validate_fail(r, NULL, "control character (0x7f)");
        set_str(&r->name, n255);
        validate_ok(r, NULL);
        set_str(&r->name, n256);
        validate_fail(r, &kernel_6, "name is 256 bytes, the kernel's limit is 255");
        free(r->name);
        r->name = NULL;
        validate_fail(r, NULL, "name is empty");
        /* Names may be any other printable text. */
        set_str(&r->name, "qemu-x86_64.tmp-1 \xc3\xa9");
        validate_ok(r, NULL);

        ASSERT_ERROR(rule_validate(NULL, NULL, NULL), EINVAL);
}

TEST(validate_magic_offset)
{
        _cleanup_(rule_freep) BinfmtRule *r =
                make_rule("qemu-aarch64", aarch64_magic, aarch64_mask, 20, "/bin/x", 0);
        _cleanup_free_ char *reason = NULL;

        /* 5.1 and later: offset + size up to 256. */
        r->offset = 236;
        validate_ok(r, &kernel_6);
        r->offset = 237;
        validate_fail(r, &kernel_6,
                      "offset 237 and 20 bytes of magic end at byte 257, past the kernel's "
                      "256-byte header buffer");

        /* 4.x, and the portable limit: 128. */
        r->offset = 108;
        validate_ok(r, &kernel_4_19);
        validate_ok(r, NULL);
        r->offset = 109;
        validate_fail(r, &kernel_4_19, "end at byte 129, past the kernel's 128-byte header buffer");
        validate_fail(r, NULL, "128-byte");
        validate_ok(r, &kernel_6);

        r->offset = UINT32_MAX;
        validate_fail(r, &kernel_6, "offset 4294967295");

        r->offset = 0;
        r->magic_len = 200;
        validate_fail(r, &kernel_4_19, "magic is 200 bytes, the kernel's header buffer is 128");
        validate_fail(r, NULL, "magic is 200 bytes");
        validate_ok(r, &kernel_6);
        /* 256 bytes fit the buffer, but magic and mask together do not fit 1920 bytes. */
        r->magic_len = 256;
        validate_fail(r, &kernel_6, "register string is 2");
        r->has_mask = false;
        validate_ok(r, &kernel_6);
        r->has_mask = true;
        r->magic_len = RULE_MAGIC_MAX + 1;
        validate_fail(r, &kernel_6, "magic is 257 bytes");
        r->magic_len = 0;
        validate_fail(r, &kernel_6, "magic is empty");

        r->magic_len = 20;
        set_str(&r->extension, "zz");
        validate_fail(r, NULL, "extension \"zz\" is only for type E rules");
        free(r->extension);
        r->extension = NULL;

        r->type = 'X';
        validate_fail(r, NULL, "type 'X' is neither M (magic) nor E (extension)");
        r->type = 0;
        ASSERT_ERROR(rule_validate(r, NULL, &reason), EINVAL);
        ASSERT_CONTAINS(reason, "type 0");
}

TEST(validate_extension)
{
        _cleanup_(rule_freep) BinfmtRule *r = make_ext_rule("zz", "zz", "/bin/true");

        validate_ok(r, NULL);
        set_str(&r->extension, "");
        validate_fail(r, NULL, "extension is empty");
        set_str(&r->extension, "a/b");
        validate_fail(r, NULL, "extension \"a/b\" contains '/'");
        set_str(&r->extension, "tar.gz");
        validate_fail(r, NULL, "extension \"tar.gz\" contains '.'");
        set_str(&r->extension, "z:z");
        validate_fail(r, NULL, "extension \"z:z\" contains the delimiter ':'");
        set_str(&r->extension, "z\tz");
        validate_fail(r, NULL, "control character (0x09)");
        set_str(&r->extension, "zz");
        r->magic_len = 2;
        validate_fail(r, NULL, "type E rule carries an offset, magic or mask");
        r->magic_len = 0;
        r->offset = 3;
        validate_fail(r, NULL, "type E rule carries");
        r->offset = 0;
        validate_ok(r, &kernel_4_4);
}

TEST(validate_interpreter_and_flags)
{
        _cleanup_(rule_freep) BinfmtRule *r = make_rule("a", "AB", NULL, 2, "/bin/x", 0);
        _cleanup_free_ char *i127 = repeat('i', 127), *i128 = repeat('i', 128);

        set_str(&r->interpreter, "");
        validate_fail(r, NULL, "interpreter is empty");
        free(r->interpreter);
        r->interpreter = NULL;
        validate_fail(r, NULL, "interpreter is empty");
        set_str(&r->interpreter, "qemu-aarch64");
        validate_fail(r, NULL, "interpreter \"qemu-aarch64\" is not an absolute path");
        set_str(&r->interpreter, "/opt/a:b/qemu");
        validate_fail(r, NULL, "interpreter \"/opt/a:b/qemu\" contains the delimiter ':'");
        set_str(&r->interpreter, "/opt/qemu\n");
        validate_fail(r, NULL, "control character (0x0a)");
        set_str(&r->interpreter, "/opt/my emulators/qemu");
        validate_ok(r, NULL);

        /* Old loaders copied the interpreter into the 128-byte buffer. */
        i127[0] = '/';
        i128[0] = '/';
        set_str(&r->interpreter, i127);
        validate_ok(r, NULL);
        validate_ok(r, &kernel_4_19);
        set_str(&r->interpreter, i128);
        validate_fail(r, NULL, "interpreter is 128 bytes");
        validate_fail(r, &kernel_4_19, "at most 127");
        validate_ok(r, &kernel_6);

        set_str(&r->interpreter, "/bin/x");
        r->flags = RULE_FLAGS_ALL;
        validate_ok(r, NULL);
        validate_ok(r, &kernel_6);
        validate_fail(r, &kernel_4_4, "flag F needs Linux 4.8 or newer, this kernel is 4.4.0");
        r->flags = RULE_FLAG_P | RULE_FLAG_O | RULE_FLAG_C;
        validate_ok(r, &kernel_4_4);
        r->flags = 1u << 4;
        validate_fail(r, NULL, "flags 0x10 include bits outside P, O, C, F");
}

TEST(validate_register_length)
{
        _cleanup_(rule_freep) BinfmtRule *r = NULL;
        _cleanup_free_ char *name = repeat('n', 255), *interp = NULL, *s = NULL;
        uint8_t magic[200];

        memset(magic, 0x41, sizeof(magic));
        /* ":" name ":M:0:" 800 ":" 800 ":" interpreter ":" = 1864 + interpreter */
        interp = repeat('i', 1920 - 1864);
        interp[0] = '/';
        r = make_rule(name, magic, magic, sizeof(magic), interp, 0);
        ASSERT_OK(rule_to_register_string(r, &s));
        ASSERT_EQ(strlen(s), 1920);
        validate_ok(r, &kernel_6);
        assert_round_trip(r);

        /* The interpreter alone is fine; the whole string is not. */
        free(r->interpreter);
        r->interpreter = repeat('i', 1920 - 1864 + 1);
        r->interpreter[0] = '/';
        validate_fail(r, &kernel_6, "register string is 1921 bytes, the kernel takes at most 1920");

        /* The smallest possible valid rule is exactly the kernel's minimum. */
        _cleanup_(rule_freep) BinfmtRule *tiny = make_ext_rule("a", "b", "/");
        _cleanup_free_ char *ts = NULL;
        ASSERT_OK(rule_to_register_string(tiny, &ts));
        ASSERT_EQ(strlen(ts), RULE_REGISTER_MIN);
        validate_ok(tiny, NULL);
}

TEST(matches)
{
        _cleanup_(rule_freep) BinfmtRule *aarch64 = NULL, *s390x = NULL, *mips = NULL,
                                         *mipsn32 = NULL, *py = NULL, *off = NULL, *zero = NULL,
                                         *ext = NULL;
        uint8_t elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
        uint8_t be[64] = {0x7f, 'E', 'L', 'F', 2, 2, 1, 0};
        uint8_t mips32[64] = {0x7f, 'E', 'L', 'F', 1, 2, 1, 0};

        aarch64 =
                parse_ok(":qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00"
                         "\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
                         "\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/x:F");
        elf[16] = 2; /* ET_EXEC, little-endian */
        elf[18] = 0xb7;
        ASSERT_TRUE(rule_matches(aarch64, elf, sizeof(elf), NULL));
        elf[16] = 3; /* ET_DYN: the mask's 0xfe accepts it */
        ASSERT_TRUE(rule_matches(aarch64, elf, sizeof(elf), NULL));
        elf[7] = 0x61; /* EI_OSABI is masked out */
        ASSERT_TRUE(rule_matches(aarch64, elf, sizeof(elf), NULL));
        elf[16] = 1; /* ET_REL */
        ASSERT_FALSE(rule_matches(aarch64, elf, sizeof(elf), NULL));
        elf[16] = 2;
        elf[18] = 0x3e; /* x86_64 */
        ASSERT_FALSE(rule_matches(aarch64, elf, sizeof(elf), NULL));
        elf[18] = 0xb7;
        ASSERT_FALSE(rule_matches(aarch64, elf, 16, NULL)); /* the rest reads as zeros */
        ASSERT_FALSE(rule_matches(aarch64, NULL, 0, NULL));

        /* Big-endian: e_type's low byte is byte 17, so the 0xfe mask sits there. */
        s390x = parse_ok(":qemu-s390x:M::\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00"
                         "\\x00\\x00\\x00\\x00\\x02\\x00\\x16:\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
                         "\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff:/x:F");
        be[17] = 2;
        be[19] = 0x16;
        ASSERT_TRUE(rule_matches(s390x, be, sizeof(be), NULL));
        be[17] = 3;
        ASSERT_TRUE(rule_matches(s390x, be, sizeof(be), NULL));
        be[16] = 3; /* little-endian order does not match */
        be[17] = 0;
        ASSERT_FALSE(rule_matches(s390x, be, sizeof(be), NULL));
        be[16] = 0;
        be[17] = 2;
        be[5] = 1; /* EI_DATA little-endian */
        ASSERT_FALSE(rule_matches(s390x, be, sizeof(be), NULL));

        /* mips o32 and n32 differ only in e_flags' EF_MIPS_ABI2 bit (byte 39, big-endian). */
        for (size_t i = 0; i < ELEMENTSOF(qemu_table); i++) {
                _cleanup_free_ char *s = NULL;

                if (!streq(qemu_table[i].name, "mips") && !streq(qemu_table[i].name, "mipsn32"))
                        continue;
                ASSERT_TRUE(asprintf(&s, ":%s:M::%s:%s:/x:", qemu_table[i].name,
                                     qemu_table[i].magic, qemu_table[i].mask) > 0);
                if (streq(qemu_table[i].name, "mips"))
                        mips = parse_ok(s);
                else
                        mipsn32 = parse_ok(s);
        }
        ASSERT_NOT_NULL(mips);
        ASSERT_NOT_NULL(mipsn32);
        mips32[17] = 2;
        mips32[19] = 8;
        mips32[23] = 1; /* e_version */
        ASSERT_TRUE(rule_matches(mips, mips32, sizeof(mips32), NULL));
        ASSERT_FALSE(rule_matches(mipsn32, mips32, sizeof(mips32), NULL));
        mips32[39] = 0x20;
        ASSERT_FALSE(rule_matches(mips, mips32, sizeof(mips32), NULL));
        ASSERT_TRUE(rule_matches(mipsn32, mips32, sizeof(mips32), NULL));
        mips32[38] = 0xff; /* other e_flags bits are ignored */
        ASSERT_TRUE(rule_matches(mipsn32, mips32, sizeof(mips32), NULL));

        /* No mask: exact bytes. */
        py = parse_ok(shipped[2]);
        ASSERT_TRUE(rule_matches(py, (const uint8_t *)"\xa7\r\r\nrest", 8, NULL));
        ASSERT_FALSE(rule_matches(py, (const uint8_t *)"\xa7\r\r\x0b", 4, NULL));

        /* An offset. */
        off = parse_ok(":off:M:2:\\x41\\xff:\\x0f\\xf0:/x:");
        ASSERT_TRUE(rule_matches(off, (const uint8_t *)"..\x41\xff", 4, NULL));
        ASSERT_TRUE(rule_matches(off, (const uint8_t *)"..\xf1\xf0", 4, NULL));
        ASSERT_FALSE(rule_matches(off, (const uint8_t *)"..\x42\xff", 4, NULL));
        ASSERT_FALSE(rule_matches(off, (const uint8_t *)"\x41\xff..", 4, NULL));

        /* Past the end of a short file the kernel's buffer holds zeros. */
        zero = parse_ok(":zero:M:100:\\x00::/x:");
        ASSERT_TRUE(rule_matches(zero, (const uint8_t *)"#!", 2, NULL));

        ext = make_ext_rule("zz", "zz", "/bin/true");
        ASSERT_TRUE(rule_matches(ext, NULL, 0, "/usr/bin/prog.zz"));
        ASSERT_TRUE(rule_matches(ext, NULL, 0, "prog.zz"));
        ASSERT_TRUE(rule_matches(ext, NULL, 0, ".zz"));
        ASSERT_TRUE(rule_matches(ext, NULL, 0, "prog.tar.zz"));
        ASSERT_FALSE(rule_matches(ext, NULL, 0, "prog.zzz"));
        ASSERT_FALSE(rule_matches(ext, NULL, 0, "prog.ZZ"));
        ASSERT_FALSE(rule_matches(ext, NULL, 0, "/dir.zz/prog"));
        ASSERT_FALSE(rule_matches(ext, NULL, 0, "zz"));
        ASSERT_FALSE(rule_matches(ext, NULL, 0, NULL));
        ASSERT_FALSE(rule_matches(ext, (const uint8_t *)"zz", 2, NULL));
        ASSERT_FALSE(rule_matches(NULL, elf, sizeof(elf), "a.zz"));
}

int main(void)
{
        RUN(flags);
        RUN(done);
        RUN(new_from_arch);
        RUN(parse_shipped);
        RUN(parse_length_limits);
        RUN(parse_escapes);
        RUN(parse_mask_length);
        RUN(parse_offset);
        RUN(parse_magic_size);
        RUN(parse_name_and_type);
        RUN(parse_extension);
        RUN(parse_flags);
        RUN(parse_delimiters);
        RUN(round_trip_qemu_table);
        RUN(encode);
        RUN(validate_name);
        RUN(validate_magic_offset);
        RUN(validate_extension);
        RUN(validate_interpreter_and_flags);
        RUN(validate_register_length);
        RUN(matches);
        return 0;
}
