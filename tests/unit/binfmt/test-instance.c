/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The instance layer on an ordinary directory laid out like binfmt_misc: the parts that do not
 * need the kernel's file system (opening refuses it, listing and writing work on files). The
 * real file system is exercised by the integration tests in private instances.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "binfmt/instance.h"
#include "tests.h"

static const char aarch64_entry[] = "enabled\n"
                                    "interpreter /usr/bin/qemu-aarch64-static\n"
                                    "flags: F\n"
                                    "offset 0\n"
                                    "magic 7f454c460201010000000000000000000200b700\n"
                                    "mask ffffffffffffff00fffffffffffffffffeffffff\n";

static void write_file(int dir, const char *name, const char *text)
{
        _cleanup_close_ int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static char *read_file(int dir, const char *name)
{
        _cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
        char *buf = calloc(1, 4096);

        ASSERT_TRUE(fd >= 0);
        ASSERT_NOT_NULL(buf);
        ASSERT_TRUE(read(fd, buf, 4095) >= 0);
        return buf;
}

static char tmpdir[] = "/tmp/test-instance.XXXXXX";

static void cleanup_tmpdir(void)
{
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        (void)!system(cmd);
}

TEST(open_refuses_other_file_systems)
{
        int fd = -EBADF;

        ASSERT_ERROR(instance_open(tmpdir, &fd), EMEDIUMTYPE);
        ASSERT_ERROR(instance_open("/nonexistent/binfmt_misc", &fd), ENOENT);
        ASSERT_EQ(fd, -EBADF);
}

TEST(list_read_write)
{
        _cleanup_(entry_list_done) EntryList l = {};
        _cleanup_(entry_freep) BinfmtEntry *e = NULL;
        _cleanup_close_ int dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *reason = NULL, *s = NULL;
        size_t skipped = 99;

        ASSERT_TRUE(dir >= 0);
        write_file(dir, "register", "");
        write_file(dir, "status", "disabled\n");
        write_file(dir, "qemu-aarch64", aarch64_entry);
        write_file(dir, "shell", "enabled\ninterpreter /bin/sh\nflags: \nextension .sh\n");
        write_file(dir, "broken", "this is not an entry\n");

        ASSERT_EQ(instance_get_enabled(dir), 0);
        write_file(dir, "status", "enabled\n");
        ASSERT_EQ(instance_get_enabled(dir), 1);
        write_file(dir, "status", "what\n");
        ASSERT_ERROR(instance_get_enabled(dir), EBADMSG);
        ASSERT_EQ(instance_is_read_only(dir), 0);

        ASSERT_OK(instance_list(dir, &l, &skipped));
        ASSERT_EQ(l.n, 2);
        ASSERT_EQ(skipped, 1);
        ASSERT_STREQ(l.entries[0]->rule.name, "qemu-aarch64");
        ASSERT_STREQ(l.entries[1]->rule.name, "shell");
        ASSERT_TRUE(l.entries[0]->inode > 0);

        ASSERT_OK(instance_read_entry(dir, "qemu-aarch64", &e, &reason));
        ASSERT_TRUE(e->enabled);
        ASSERT_STREQ(e->rule.interpreter, "/usr/bin/qemu-aarch64-static");
        ASSERT_ERROR(instance_read_entry(dir, "missing", &e, NULL), ENOENT);
        ASSERT_ERROR(instance_read_entry(dir, "broken", &e, NULL), EBADMSG);
        ASSERT_ERROR(instance_read_entry(dir, "register", &e, NULL), EINVAL);
        ASSERT_ERROR(instance_read_entry(dir, "../etc", &e, NULL), EINVAL);

        /* One write of the whole string. */
        ASSERT_OK(instance_register(dir, ":x:M::\\x41::/bin/true:F"));
        s = read_file(dir, "register");
        ASSERT_STREQ(s, ":x:M::\\x41::/bin/true:F");
        free(s);

        ASSERT_OK(instance_set_enabled(dir, "shell", false));
        s = read_file(dir, "shell");
        ASSERT_TRUE(s[0] == '0');
        free(s);
        ASSERT_OK(instance_remove(dir, "qemu-aarch64"));
        s = read_file(dir, "qemu-aarch64");
        ASSERT_TRUE(streq(s, "-1") || startswith(s, "-1"));

        /* Never the instance-wide files, never a path. */
        ASSERT_ERROR(instance_remove(dir, "status"), EINVAL);
        ASSERT_ERROR(instance_remove(dir, "register"), EINVAL);
        ASSERT_ERROR(instance_remove(dir, ""), EINVAL);
        ASSERT_ERROR(instance_remove(dir, ".."), EINVAL);
        ASSERT_ERROR(instance_remove(dir, "a/b"), EINVAL);
        ASSERT_ERROR(instance_set_enabled(dir, "status", false), EINVAL);
        ASSERT_ERROR(instance_remove(dir, "missing"), ENOENT);
}

TEST(newest_first)
{
        /* The directory's order decides (newest first, as the kernel tries them): not the
         * change time, which switching an entry off or on moves, nor the inode number, which
         * comes in per-CPU batches. */
        BinfmtEntry a = { .inode = 10, .ctime_ns = 900, .listed = 3 },
                    b = { .inode = 30, .ctime_ns = 100, .listed = 1 },
                    c = { .inode = 20, .ctime_ns = 100, .listed = 2 },
                    d = { .inode = 5, .ctime_ns = 200, .listed = 0 };
        BinfmtEntry *v[] = { &a, &b, &c, &d };
        EntryList l = { .entries = v, .n = 4 };

        entry_list_sort_newest_first(&l);
        ASSERT_TRUE(l.entries[0] == &d);
        ASSERT_TRUE(l.entries[1] == &b);
        ASSERT_TRUE(l.entries[2] == &c);
        ASSERT_TRUE(l.entries[3] == &a);
}

TEST(mount_refuses_what_is_not_there)
{
        ASSERT_TRUE(instance_mount("/nonexistent/binfmt_misc") < 0);
}

int main(void)
{
        ASSERT_NOT_NULL(mkdtemp(tmpdir));
        atexit(cleanup_tmpdir);

        RUN(open_refuses_other_file_systems);
        RUN(list_read_write);
        RUN(newest_first);
        RUN(mount_refuses_what_is_not_there);
        return 0;
}
