/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of entry files: the kernel's real outputs, what a newer kernel or another writer might
 * leave there, malformed text, and comparing entries with rules by content.
 */

#include "binfmt/entry.h"
#include "tests.h"

/* Entry files exactly as the kernel printed them for known registrations. */
static const char entry_t1[] = "enabled\n"
                               "interpreter /usr/bin/qemu-aarch64-static\n"
                               "flags: POCF\n"
                               "offset 2\n"
                               "magic 41ff\n"
                               "mask 0ff0\n";
static const char entry_t2[] = "enabled\n"
                               "interpreter /bin/true\n"
                               "flags: \n"
                               "extension .zz\n";
static const char entry_aarch64[] = "enabled\n"
                                    "interpreter /usr/bin/qemu-aarch64-static\n"
                                    "flags: F\n"
                                    "offset 0\n"
                                    "magic 7f454c460201010000000000000000000200b700\n"
                                    "mask ffffffffffffff00fffffffffffffffffeffffff\n";

static const uint8_t aarch64_magic[20] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0,    0,
                                          0,    0,   0,   0,   0, 0, 2, 0, 0xb7, 0};
static const uint8_t aarch64_mask[20] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xfe, 0xff, 0xff, 0xff};

static BinfmtEntry *parse_ok_len(const char *name, const char *text, size_t len)
{
        _cleanup_free_ char *reason = NULL;
        BinfmtEntry *e = NULL;
        int r;

        r = entry_parse(name, text, len, &e, &reason);
        if (r < 0)
                fprintf(stderr, "unexpected refusal: %s\n", strna(reason));
        ASSERT_OK(r);
        ASSERT_NOT_NULL(e);
        ASSERT_NULL(reason);
        ASSERT_STREQ(e->rule.name, name);
        return e;
}

static BinfmtEntry *parse_ok(const char *name, const char *text)
{
        return parse_ok_len(name, text, strlen(text));
}

static void parse_fail_len(const char *text, size_t len, const char *why)
{
        _cleanup_free_ char *reason = NULL;
        BinfmtEntry *e = NULL;

        ASSERT_ERROR(entry_parse("bad", text, len, &e, &reason), EBADMSG);
        ASSERT_NULL(e);
        ASSERT_CONTAINS(reason, why);
        ASSERT_ERROR(entry_parse("bad", text, len, &e, NULL), EBADMSG);
        ASSERT_NULL(e);
}

static void parse_fail(const char *text, const char *why)
{
        parse_fail_len(text, strlen(text), why);
}

static BinfmtRule *aarch64_rule(const char *interpreter, unsigned flags)
{
        BinfmtRule *r = calloc(1, sizeof(*r));

        ASSERT_NOT_NULL(r);
        r->name = strdup("qemu-aarch64");
        r->interpreter = strdup(interpreter);
        ASSERT_TRUE(r->name && r->interpreter);
        r->type = RULE_TYPE_MAGIC;
        r->magic_len = 20;
        memcpy(r->magic, aarch64_magic, 20);
        memcpy(r->mask, aarch64_mask, 20);
        r->has_mask = true;
        r->flags = flags;
        return r;
}

static BinfmtRule *parse_rule(const char *s)
{
        BinfmtRule *r = NULL;

        ASSERT_OK(rule_from_register_string(s, strlen(s), &r, NULL));
        return r;
}

/* The text the kernel prints for a registered @r (entry_status() in binfmt_misc). */
static char *kernel_text(const BinfmtRule *r, bool enabled)
{
        char *s = NULL, flags[5];
        size_t size = 0;
        FILE *f = open_memstream(&s, &size);

        ASSERT_NOT_NULL(f);
        fprintf(f, "%s\ninterpreter %s\nflags: %s\n", enabled ? "enabled" : "disabled",
                r->interpreter, rule_flags_to_string(rule_flags_normalize(r->flags), flags));
        if (r->type == RULE_TYPE_EXTENSION)
                fprintf(f, "extension .%s\n", r->extension);
        else {
                fprintf(f, "offset %u\nmagic ", r->offset);
                for (size_t i = 0; i < r->magic_len; i++)
                        fprintf(f, "%02x", r->magic[i]);
                if (r->has_mask) {
                        fputs("\nmask ", f);
                        for (size_t i = 0; i < r->magic_len; i++)
                                fprintf(f, "%02x", r->mask[i]);
                }
                fputc('\n', f);
        }
        ASSERT_EQ(fclose(f), 0);
        return s;
}

TEST(real_outputs)
{
        _cleanup_(entry_freep) BinfmtEntry *t1 = NULL, *t2 = NULL, *a = NULL;

        t1 = parse_ok("t1", entry_t1);
        ASSERT_TRUE(t1->enabled);
        ASSERT_EQ(t1->rule.type, RULE_TYPE_MAGIC);
        ASSERT_STREQ(t1->rule.interpreter, "/usr/bin/qemu-aarch64-static");
        ASSERT_EQ(t1->rule.flags, RULE_FLAGS_ALL);
        ASSERT_EQ(t1->rule.offset, 2);
        ASSERT_EQ(t1->rule.magic_len, 2);
        /* The kernel keeps the magic as written, not pre-masked. */
        ASSERT_EQ(t1->rule.magic[0], 0x41);
        ASSERT_EQ(t1->rule.magic[1], 0xff);
        ASSERT_TRUE(t1->rule.has_mask);
        ASSERT_EQ(t1->rule.mask[0], 0x0f);
        ASSERT_EQ(t1->rule.mask[1], 0xf0);
        ASSERT_NULL(t1->rule.extension);
        ASSERT_NULL(t1->unknown_flags);

        t2 = parse_ok("t2", entry_t2);
        ASSERT_TRUE(t2->enabled);
        ASSERT_EQ(t2->rule.type, RULE_TYPE_EXTENSION);
        ASSERT_STREQ(t2->rule.extension, "zz");
        ASSERT_STREQ(t2->rule.interpreter, "/bin/true");
        ASSERT_EQ(t2->rule.flags, 0);
        ASSERT_EQ(t2->rule.magic_len, 0);
        ASSERT_FALSE(t2->rule.has_mask);

        a = parse_ok("qemu-aarch64", entry_aarch64);
        ASSERT_EQ(a->rule.flags, RULE_FLAG_F);
        ASSERT_EQ(a->rule.offset, 0);
        ASSERT_EQ(a->rule.magic_len, 20);
        ASSERT_TRUE(memcmp(a->rule.magic, aarch64_magic, 20) == 0);
        ASSERT_TRUE(memcmp(a->rule.mask, aarch64_mask, 20) == 0);
        ASSERT_EQ(a->inode, 0);
}

TEST(equal_to_registered_rule)
{
        _cleanup_(entry_freep) BinfmtEntry *a = parse_ok("qemu-aarch64", entry_aarch64);
        _cleanup_(entry_freep) BinfmtEntry *t1 = parse_ok("t1", entry_t1);
        _cleanup_(entry_freep) BinfmtEntry *t2 = parse_ok("t2", entry_t2);
        _cleanup_(rule_freep) BinfmtRule *want =
                aarch64_rule("/usr/bin/qemu-aarch64-static", RULE_FLAG_F);
        _cleanup_(rule_freep) BinfmtRule *r1 = NULL, *r2 = NULL;

        ASSERT_TRUE(entry_same_match(a, want));
        ASSERT_TRUE(entry_equal_rule(a, want));
        ASSERT_NULL(entry_describe_difference(a, want));

        /* The rules that produced the other two outputs. */
        r1 = parse_rule(":t1:M:2:\\x41\\xff:\\x0f\\xf0:/usr/bin/qemu-aarch64-static:PCF");
        ASSERT_TRUE(entry_equal_rule(t1, r1));
        r2 = parse_rule(":t2:E::zz::/bin/true:");
        ASSERT_TRUE(entry_equal_rule(t2, r2));

        ASSERT_FALSE(entry_same_match(t1, want));
        ASSERT_FALSE(entry_same_match(t2, want));
        ASSERT_FALSE(entry_same_match(a, r2));
        ASSERT_FALSE(entry_same_match(t2, r1));
        ASSERT_FALSE(entry_equal_rule(t2, r1));
}

TEST(flags_normalised)
{
        _cleanup_(entry_freep) BinfmtEntry *oc = NULL;
        _cleanup_(rule_freep) BinfmtRule *c = aarch64_rule("/x", RULE_FLAG_C | RULE_FLAG_F);
        _cleanup_free_ char *diff = NULL;

        oc = parse_ok("qemu-aarch64", "enabled\ninterpreter /x\nflags: OCF\noffset 0\n"
                                      "magic 7f454c460201010000000000000000000200b700\n"
                                      "mask ffffffffffffff00fffffffffffffffffeffffff\n");
        /* The kernel records C as OC. */
        ASSERT_TRUE(entry_equal_rule(oc, c));
        c->flags = RULE_FLAG_O | RULE_FLAG_C | RULE_FLAG_F;
        ASSERT_TRUE(entry_equal_rule(oc, c));
        c->flags = RULE_FLAG_O | RULE_FLAG_F;
        ASSERT_FALSE(entry_equal_rule(oc, c));
        ASSERT_TRUE(entry_same_match(oc, c));
        diff = entry_describe_difference(oc, c);
        ASSERT_STREQ(diff, "flags OCF instead of OF");
}

TEST(disabled_and_interpreter)
{
        _cleanup_(entry_freep) BinfmtEntry *off = NULL, *other = NULL;
        _cleanup_(rule_freep) BinfmtRule *want =
                aarch64_rule("/usr/bin/qemu-aarch64-static", RULE_FLAG_F);
        _cleanup_free_ char *text = NULL, *d1 = NULL, *d2 = NULL;

        ASSERT_TRUE(asprintf(&text, "disabled%s", entry_aarch64 + strlen("enabled")) > 0);
        off = parse_ok_len("qemu-aarch64", text, strlen(text));
        ASSERT_FALSE(off->enabled);
        ASSERT_TRUE(entry_same_match(off, want));
        ASSERT_FALSE(entry_equal_rule(off, want));
        d1 = entry_describe_difference(off, want);
        ASSERT_STREQ(d1, "disabled");

        other = parse_ok("qemu-aarch64", "enabled\ninterpreter /usr/bin/qemu-aarch64\n"
                                         "flags: POC\noffset 0\n"
                                         "magic 7f454c460201010000000000000000000200b700\n"
                                         "mask ffffffffffffff00fffffffffffffffffeffffff\n");
        ASSERT_TRUE(entry_same_match(other, want));
        ASSERT_FALSE(entry_equal_rule(other, want));
        d2 = entry_describe_difference(other, want);
        ASSERT_STREQ(d2, "interpreter /usr/bin/qemu-aarch64 instead of "
                         "/usr/bin/qemu-aarch64-static; flags POC instead of F");
}

TEST(same_match)
{
        _cleanup_(rule_freep) BinfmtRule *r = aarch64_rule("/x", RULE_FLAG_F);
        _cleanup_(entry_freep) BinfmtEntry *nomask = NULL, *ffmask = NULL, *bits = NULL,
                                           *shifted = NULL, *shorter = NULL, *othermask = NULL;
        _cleanup_free_ char *d1 = NULL, *d2 = NULL, *d3 = NULL, *d4 = NULL;

        /* An absent mask is an all-0xff one, both ways round. */
        nomask = parse_ok("n", "enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41ff\n");
        ffmask = parse_ok("f", "enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41ff\n"
                               "mask ffff\n");
        r->magic_len = 2;
        r->magic[0] = 0x41;
        r->magic[1] = 0xff;
        r->has_mask = false;
        ASSERT_TRUE(entry_same_match(nomask, r));
        ASSERT_TRUE(entry_same_match(ffmask, r));
        ASSERT_TRUE(entry_equal_rule(ffmask, r));
        r->has_mask = true;
        r->mask[0] = r->mask[1] = 0xff;
        ASSERT_TRUE(entry_same_match(nomask, r));
        ASSERT_TRUE(entry_equal_rule(nomask, r));
        ASSERT_NULL(entry_describe_difference(nomask, r));

        /* Bits the mask clears are never compared. */
        r->mask[1] = 0x0f;
        bits = parse_ok("b", "enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41af\n"
                             "mask ff0f\n");
        ASSERT_TRUE(entry_same_match(bits, r));
        r->magic[1] = 0xfe;
        ASSERT_FALSE(entry_same_match(bits, r));
        d1 = entry_describe_difference(bits, r);
        ASSERT_STREQ(d1, "magic 41af instead of 41fe");
        r->magic[1] = 0xff;

        othermask = parse_ok("m", "enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41ff\n"
                                  "mask ff1f\n");
        ASSERT_FALSE(entry_same_match(othermask, r));
        d2 = entry_describe_difference(othermask, r);
        ASSERT_STREQ(d2, "mask ff1f instead of ff0f");

        shifted = parse_ok("s", "enabled\ninterpreter /x\nflags: F\noffset 1\nmagic 41ff\n"
                                "mask ff0f\n");
        ASSERT_FALSE(entry_same_match(shifted, r));
        d3 = entry_describe_difference(shifted, r);
        ASSERT_STREQ(d3, "offset 1 instead of 0");

        shorter = parse_ok("s", "enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41\n");
        ASSERT_FALSE(entry_same_match(shorter, r));
        d4 = entry_describe_difference(shorter, r);
        ASSERT_STREQ(d4, "magic 41 instead of 41ff; mask none instead of ff0f");

        ASSERT_FALSE(entry_same_match(NULL, r));
        ASSERT_FALSE(entry_same_match(shorter, NULL));
        ASSERT_NULL(entry_describe_difference(NULL, r));
}

TEST(extension_entries)
{
        _cleanup_(entry_freep) BinfmtEntry *t2 = parse_ok("t2", entry_t2);
        _cleanup_(rule_freep) BinfmtRule *r = NULL, *m = aarch64_rule("/bin/true", 0);
        _cleanup_free_ char *d1 = NULL, *d2 = NULL;

        r = parse_rule(":t2:E::zz::/bin/true:F");
        ASSERT_TRUE(entry_same_match(t2, r));
        ASSERT_FALSE(entry_equal_rule(t2, r));
        d1 = entry_describe_difference(t2, r);
        ASSERT_STREQ(d1, "flags none instead of F");

        free(r->extension);
        r->extension = strdup("yy");
        ASSERT_NOT_NULL(r->extension);
        ASSERT_FALSE(entry_same_match(t2, r));

        ASSERT_FALSE(entry_same_match(t2, m));
        d2 = entry_describe_difference(t2, m);
        ASSERT_STREQ(d2, "type E instead of M");
}

TEST(newer_kernels)
{
        _cleanup_(entry_freep) BinfmtEntry *t = NULL, *lines = NULL, *upper = NULL, *nonl = NULL;
        _cleanup_(rule_freep) BinfmtRule *want =
                aarch64_rule("/usr/bin/qemu-aarch64-static", RULE_FLAG_F);
        _cleanup_free_ char *d = NULL;

        /* A flag letter binfmtd does not know is kept, and the entry is never "equal". */
        t = parse_ok("qemu-aarch64", "enabled\ninterpreter /usr/bin/qemu-aarch64-static\n"
                                     "flags: FTLT\noffset 0\n"
                                     "magic 7f454c460201010000000000000000000200b700\n"
                                     "mask ffffffffffffff00fffffffffffffffffeffffff\n");
        ASSERT_EQ(t->rule.flags, RULE_FLAG_F);
        ASSERT_STREQ(t->unknown_flags, "TL");
        ASSERT_TRUE(entry_same_match(t, want));
        ASSERT_FALSE(entry_equal_rule(t, want));
        d = entry_describe_difference(t, want);
        ASSERT_STREQ(d, "unknown flags TL");

        /* Unknown lines, empty lines and another order of the lines after the flags. */
        lines = parse_ok("qemu-aarch64", "loader /usr/lib/x\n\nenabled\n"
                                         "interpreter /usr/bin/qemu-aarch64-static\n"
                                         "flags: F\n"
                                         "mask ffffffffffffff00fffffffffffffffffeffffff\n"
                                         "magic 7f454c460201010000000000000000000200b700\n"
                                         "bpf 12\noffset 0\n");
        ASSERT_TRUE(entry_equal_rule(lines, want));

        /* Uppercase hex, and no final newline. */
        upper = parse_ok("qemu-aarch64", "enabled\ninterpreter /usr/bin/qemu-aarch64-static\n"
                                         "flags: F\noffset 0\n"
                                         "magic 7F454C460201010000000000000000000200B700\n"
                                         "mask FFFFFFFFFFFFFF00FFFFFFFFFFFFFFFFFEFFFFFF");
        ASSERT_TRUE(entry_equal_rule(upper, want));

        /* "flags:" without the space. */
        nonl = parse_ok("t2", "enabled\ninterpreter /bin/true\nflags:\nextension .zz");
        ASSERT_EQ(nonl->rule.flags, 0);
        ASSERT_STREQ(nonl->rule.extension, "zz");
}

TEST(malformed)
{
        _cleanup_free_ char *m256 = NULL, *m257 = NULL, *odd = NULL, *t = NULL;
        _cleanup_(entry_freep) BinfmtEntry *e256 = NULL;
        static const char with_nul[] = "enabled\ninterpreter /bin/x\0y\nflags: \nextension .zz\n";

        parse_fail("", "the enabled/disabled line is missing");
        parse_fail("interpreter /bin/true\nflags: \nextension .zz\n",
                   "the enabled/disabled line is missing");
        parse_fail("Enabled\ninterpreter /bin/true\nflags: \nextension .zz\n",
                   "the enabled/disabled line is missing");
        parse_fail("enabled\nflags: \nextension .zz\n", "the interpreter line is missing");
        parse_fail("enabled\ninterpreter\nflags: \nextension .zz\n", "interpreter is empty");
        parse_fail("enabled\ninterpreter \nflags: \nextension .zz\n", "interpreter is empty");
        parse_fail("enabled\ninterpreter /bin/true\nextension .zz\n", "the flags line is missing");
        parse_fail("enabled\ninterpreter /x\nflags: F\nmagic 41\n", "the offset line is missing");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\n", "the magic line is missing");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmask ff\n",
                   "the magic line is missing");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41\nextension .zz\n",
                   "both an extension and");
        parse_fail("enabled\ninterpreter /x\nflags: F\nextension zz\n",
                   "extension \"zz\" is not a '.' and a name");
        parse_fail("enabled\ninterpreter /x\nflags: F\nextension .\n", "extension \".\"");

        /* Hex. */
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 7f4\n",
                   "magic has an odd number of hex digits (3)");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 7g\n",
                   "magic \"7g\" is not hex");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 7f 4\n",
                   "magic \"7f 4\" is not hex");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic \n", "magic is empty");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41ff\nmask ff\n",
                   "magic and mask differ in length (2 and 1 bytes)");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41ff\nmask f\n",
                   "mask has an odd number of hex digits (1)");

        m256 = malloc(513);
        m257 = malloc(515);
        ASSERT_TRUE(m256 && m257);
        memset(m256, 'a', 512);
        m256[512] = '\0';
        memset(m257, 'b', 514);
        m257[514] = '\0';
        ASSERT_TRUE(asprintf(&t, "enabled\ninterpreter /x\nflags: \noffset 0\nmagic %s\n", m256) >
                    0);
        e256 = parse_ok("big", t);
        ASSERT_EQ(e256->rule.magic_len, 256);
        ASSERT_EQ(e256->rule.magic[255], 0xaa);
        free(t);
        t = NULL;
        ASSERT_TRUE(asprintf(&t, "enabled\ninterpreter /x\nflags: \noffset 0\nmagic %s\n", m257) >
                    0);
        parse_fail(t, "magic is 257 bytes, at most 256 are possible");
        free(t);
        t = NULL;
        ASSERT_TRUE(asprintf(&t,
                             "enabled\ninterpreter /x\nflags: \noffset 0\nmagic %.512s\n"
                             "mask %s\n",
                             m257, m257) > 0);
        parse_fail(t, "mask is 257 bytes");

        /* Offsets. */
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset -1\nmagic 41\n",
                   "offset \"-1\" is not a number");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset abc\nmagic 41\n", "offset \"abc\"");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset \nmagic 41\n", "offset \"\"");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 2147483648\nmagic 41\n",
                   "offset \"2147483648\"");

        /* Flags. */
        parse_fail("enabled\ninterpreter /x\nflags: F!\noffset 0\nmagic 41\n",
                   "flags \"F!\" contain a byte that is not a letter");
        parse_fail("enabled\ninterpreter /x\nflags: P F\noffset 0\nmagic 41\n", "not a letter");
        /* Long values in reasons are escaped and cut. */
        free(t);
        t = NULL;
        ASSERT_TRUE(asprintf(&t, "enabled\ninterpreter /x\nflags: %.100s\noffset 0\nmagic 41\n",
                             "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"
                             "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"
                             "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"
                             "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"
                             "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11") > 0);
        parse_fail(t, "\\x11\\x11\"... contain a byte that is not a letter");

        /* An interpreter with a newline in it must not pass for more lines. */
        parse_fail("enabled\ninterpreter /x\nflags: F\nflags: \noffset 0\nmagic 41\n",
                   "the flags line appears more than once");
        parse_fail("enabled\ndisabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41\n",
                   "the enabled/disabled line appears more than once");
        parse_fail("enabled\ninterpreter /x\nflags: F\ninterpreter /y\noffset 0\nmagic 41\n",
                   "the interpreter line appears more than once");
        parse_fail("enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 41\nmagic 41\n",
                   "the magic line appears more than once");

        parse_fail_len(with_nul, sizeof(with_nul) - 1, "entry contains a NUL byte");

        /* Garbage. */
        odd = malloc(4096);
        ASSERT_NOT_NULL(odd);
        for (size_t i = 0; i < 4096; i++)
                odd[i] = (char)(i * 7 + 1) ?: 'x';
        parse_fail_len(odd, 4096, "");

        ASSERT_ERROR(entry_parse(NULL, "enabled\n", 8, &(BinfmtEntry *){NULL}, NULL), EINVAL);
        ASSERT_ERROR(entry_parse("x", NULL, 8, &(BinfmtEntry *){NULL}, NULL), EINVAL);
        ASSERT_NULL(entry_free(NULL));
}

/* The kernel prints the interpreter verbatim: a newline in it must not hide the rest. */
TEST(interpreter_with_newline)
{
        _cleanup_(rule_freep) BinfmtRule *want =
                aarch64_rule("/usr/bin/qemu-aarch64-static", RULE_FLAG_F);
        _cleanup_(rule_freep) BinfmtRule *crafted =
                aarch64_rule("/usr/bin/qemu-aarch64-static\nenabled\n/tmp/evil", RULE_FLAG_F);
        _cleanup_(entry_freep) BinfmtEntry *e = NULL;
        _cleanup_free_ char *text = NULL, *d = NULL;

        text = kernel_text(crafted, true);
        e = parse_ok("qemu-aarch64", text);
        ASSERT_STREQ(e->rule.interpreter, "/usr/bin/qemu-aarch64-static\nenabled\n/tmp/evil");
        ASSERT_TRUE(e->enabled);
        ASSERT_TRUE(entry_equal_rule(e, crafted));
        ASSERT_FALSE(entry_equal_rule(e, want));
        ASSERT_TRUE(entry_same_match(e, want));
        d = entry_describe_difference(e, want);
        ASSERT_STREQ(d, "interpreter /usr/bin/qemu-aarch64-static\\x0aenabled\\x0a/tmp/evil "
                        "instead of /usr/bin/qemu-aarch64-static");

        _cleanup_(entry_freep) BinfmtEntry *two = parse_ok(
                "x", "enabled\ninterpreter /x\ninterpreter /y\nflags: F\noffset 0\nmagic 41\n");
        ASSERT_STREQ(two->rule.interpreter, "/x\ninterpreter /y");

        /* Faking the flags line as well leaves two of them. */
        parse_fail("enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: F\n"
                   "offset 0\nmagic 41\nflags: \noffset 0\nmagic 41\n",
                   "the flags line appears more than once");
        /* An interpreter without the flags line after it swallows the rest. */
        parse_fail("enabled\ninterpreter /x\noffset 0\nmagic 41\n", "the flags line is missing");
}

/* Every QEMU-style rule, printed as the kernel prints it, reads back equal to that rule. */
TEST(kernel_layout_round_trip)
{
        static const char *const reg[] = {
                ":qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
                "\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff"
                "\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64-static:F",
                ":qemu-s390x:M::\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
                "\\x00\\x00\\x02\\x00\\x16:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff"
                "\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff:/usr/bin/qemu-s390x-static:PF",
                ":python3.11:M::\\xa7\\x0d\\x0d\\x0a::/usr/bin/python3.11:",
                ":odd:M:17:\\x00\\x3a::/x:C",
                ":t2:E::zz::/bin/true:OF",
        };

        for (size_t i = 0; i < ELEMENTSOF(reg); i++) {
                _cleanup_(rule_freep) BinfmtRule *r = NULL;
                _cleanup_(entry_freep) BinfmtEntry *e = NULL, *off = NULL;
                _cleanup_free_ char *text = NULL, *dis = NULL;

                r = parse_rule(reg[i]);
                text = kernel_text(r, true);
                e = parse_ok(r->name, text);
                ASSERT_TRUE(entry_equal_rule(e, r));
                ASSERT_NULL(entry_describe_difference(e, r));

                dis = kernel_text(r, false);
                off = parse_ok(r->name, dis);
                ASSERT_TRUE(entry_same_match(off, r));
                ASSERT_FALSE(entry_equal_rule(off, r));
        }
}

int main(void)
{
        RUN(real_outputs);
        RUN(equal_to_registered_rule);
        RUN(flags_normalised);
        RUN(disabled_and_interpreter);
        RUN(same_match);
        RUN(extension_entries);
        RUN(newer_kernels);
        RUN(malformed);
        RUN(interpreter_with_newline);
        RUN(kernel_layout_round_trip);
        return 0;
}
