/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "binfmt/plan.h"
#include "ops/status-json.h"
#include "ops/status.h"
#include "tests.h"

static BinfmtEntry *entry(const char *text)
{
        BinfmtEntry *e = NULL;
        const char *name = strchr(text, '|');

        ASSERT_NOT_NULL(name);
        _cleanup_free_ char *n = strndup(text, name - text);
        ASSERT_OK(entry_parse(n, name + 1, strlen(name + 1), &e, NULL));
        return e;
}

TEST(entry_arch)
{
        _cleanup_(entry_freep) BinfmtEntry *ours = entry(
                "qemu-aarch64|enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: F\n"
                "offset 0\nmagic 7f454c460201010000000000000000000200b700\n"
                "mask ffffffffffffff00fffffffffffffffffeffffff\n");
        /* Debian's table for ppc64le masks byte 7 differently: still a ppc64le handler. */
        _cleanup_(entry_freep) BinfmtEntry *debian = entry(
                "qemu-ppc64le|enabled\ninterpreter /usr/libexec/qemu-binfmt/ppc64le-binfmt-P\n"
                "flags: POF\noffset 0\nmagic 7f454c4602010100000000000000000002001500\n"
                "mask fffffffffffffffcfffffffffffffffffeffff00\n");
        _cleanup_(entry_freep) BinfmtEntry *python = entry(
                "python3.11|enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\n"
                "magic a70d0d0a\n");

        ASSERT_STREQ(status_entry_arch(ours)->name, "aarch64");
        ASSERT_STREQ(status_entry_arch(debian)->name, "ppc64le");
        ASSERT_NULL(status_entry_arch(python));
}

TEST(json)
{
        SystemInfo sys;
        Status s = {};
        StatusEntry entries[2] = {};
        struct json_object *j, *v, *e0;

        ASSERT_OK(system_probe("/proc", &sys));

        /* An instance that is not mounted. */
        s = (Status){ .sys = &sys, .mount = "/x", .mount_r = -EMEDIUMTYPE };
        ASSERT_OK(status_to_json(&s, &j));
        ASSERT_TRUE(json_object_object_get_ex(j, "mount", &v));
        ASSERT_FALSE(json_object_get_boolean(json_object_object_get(v, "mounted")));
        /* No enabled entry: emulators is null, as tonistiigi/binfmt prints it. */
        ASSERT_TRUE(json_object_object_get_ex(j, "emulators", &v));
        ASSERT_NULL(v);
        ASSERT_TRUE(json_object_object_get_ex(j, "entries", &v));
        ASSERT_EQ(json_object_array_length(v), 0);
        json_object_put(j);

        entries[0].entry = entry("qemu-aarch64|enabled\ninterpreter /usr/bin/qemu-aarch64-static\n"
                                 "flags: F\noffset 0\n"
                                 "magic 7f454c460201010000000000000000000200b700\n"
                                 "mask ffffffffffffff00fffffffffffffffffeffffff\n");
        entries[0].ours = true;
        entries[0].arch = status_entry_arch(entries[0].entry);
        entries[1].entry = entry("shell|disabled\ninterpreter /bin/sh\nflags: \nextension .sh\n");
        entries[1].interp.problem = INTERP_DYNAMIC;
        s = (Status){ .sys = &sys, .mount = "/m", .enabled = 1, .read_only = 0,
                      .entries = entries, .n_entries = 2 };
        ASSERT_OK(status_to_json(&s, &j));

        ASSERT_TRUE(json_object_object_get_ex(j, "entries", &v));
        ASSERT_EQ(json_object_array_length(v), 2);
        e0 = json_object_array_get_idx(v, 0);
        ASSERT_STREQ(json_object_get_string(json_object_object_get(e0, "owner")), "binfmtd");
        ASSERT_STREQ(json_object_get_string(json_object_object_get(e0, "target")), "aarch64");
        ASSERT_STREQ(json_object_to_json_string_ext(json_object_object_get(e0, "platforms"),
                                                    JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE),
                     "[\"linux/arm64\"]");
        ASSERT_STREQ(json_object_get_string(json_object_object_get(e0, "magic")),
                     "7f454c460201010000000000000000000200b700");
        ASSERT_STREQ(json_object_get_string(json_object_object_get(e0, "flags")), "F");
        ASSERT_STREQ(json_object_get_string(
                             json_object_object_get(json_object_array_get_idx(v, 1), "type")),
                     "extension");
        ASSERT_STREQ(json_object_get_string(json_object_object_get(
                             json_object_array_get_idx(v, 1), "interpreter_check")),
                     "dynamic");
        /* Only the enabled entry is an emulator. */
        ASSERT_TRUE(json_object_object_get_ex(j, "emulators", &v));
        ASSERT_EQ(json_object_array_length(v), 1);
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 0)), "qemu-aarch64");
        json_object_put(j);

        entry_free(entries[0].entry);
        entry_free(entries[1].entry);
}

int main(void)
{
        RUN(entry_arch);
        RUN(json);
        return 0;
}
