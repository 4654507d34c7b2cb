/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ownership records on ordinary directories standing in for instances: what identifies an
 * instance is its device, its "status" file's change time, and, when that changed, the inode
 * numbers of the entries recorded.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "binfmt/owned.h"
#include "tests.h"

static char tmpdir[] = "/tmp/test-owned.XXXXXX";

static void cleanup_tmpdir(void)
{
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        (void)!system(cmd);
}

static int make_instance(const char *name, const struct timespec *ctime_like)
{
        char p[256];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
        ASSERT_TRUE(mkdir(p, 0755) == 0);
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(close(openat(fd, "status", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == 0);
        (void)ctime_like;
        return fd;
}

TEST(record_per_instance)
{
        _cleanup_(owned_freep) Owned *a = NULL, *a2 = NULL, *b = NULL;
        _cleanup_close_ int ia = -EBADF, ib = -EBADF;
        char state[256];

        snprintf(state, sizeof(state), "%s/state/owned", tmpdir);
        ia = make_instance("a", NULL);
        /* A later instance: its status file is younger. */
        usleep(20 * 1000);
        ib = make_instance("b", NULL);

        ASSERT_OK(owned_open(state, ia, &a));
        ASSERT_EQ(owned_has(a, "qemu-aarch64"), 0);
        ASSERT_OK(owned_add(a, "qemu-aarch64", ":qemu-aarch64:M:...:F"));
        ASSERT_EQ(owned_has(a, "qemu-aarch64"), 1);
        ASSERT_EQ(owned_has(a, "qemu-riscv64"), 0);

        /* Reopened later (another run, the daemon after a restart): still known. */
        ASSERT_OK(owned_open(state, ia, &a2));
        ASSERT_EQ(owned_has(a2, "qemu-aarch64"), 1);

        /* Another instance never sees the first one's records. */
        ASSERT_OK(owned_open(state, ib, &b));
        ASSERT_EQ(owned_has(b, "qemu-aarch64"), 0);

        ASSERT_OK(owned_remove(a, "qemu-aarch64"));
        ASSERT_EQ(owned_has(a2, "qemu-aarch64"), 0);
        ASSERT_OK(owned_remove(a, "qemu-aarch64")); /* not recorded is fine */

        /* Names that are not entry names are never recorded. */
        ASSERT_ERROR(owned_add(a, "../escape", NULL), EINVAL);
        ASSERT_ERROR(owned_add(a, "", NULL), EINVAL);
        ASSERT_EQ(owned_has(a, ".."), 0);
        ASSERT_EQ(owned_has(NULL, "qemu-aarch64"), 0);
}

/* Creates (or replaces, with a file of a new inode) @name in the instance directory @fd. */
static void replace_file(int fd, const char *name)
{
        ASSERT_TRUE(close(openat(fd, "new", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == 0);
        ASSERT_TRUE(renameat(fd, "new", fd, name) == 0);
}

TEST(instance_identity)
{
        _cleanup_close_ int fd = -EBADF;
        char state[256];

        snprintf(state, sizeof(state), "%s/state/identity", tmpdir);
        fd = make_instance("c", NULL);
        {
                _cleanup_(owned_freep) Owned *o = NULL;

                ASSERT_OK(owned_open(state, fd, &o));
                /* Recorded before the registration, and again after, with the entry. */
                ASSERT_OK(owned_add(o, "qemu-aarch64", "pin 1 2\n:qemu-aarch64:M::x::/q:F"));
                replace_file(fd, "qemu-aarch64");
                ASSERT_OK(owned_add(o, "qemu-aarch64", "pin 1 2\n:qemu-aarch64:M::x::/q:F"));
        }

        /* touch status, or "echo 1 >status": the same instance, its records still apply. */
        usleep(20 * 1000);
        ASSERT_TRUE(utimensat(fd, "status", NULL, 0) == 0);
        {
                _cleanup_(owned_freep) Owned *o = NULL;
                uint64_t dev, ino;

                ASSERT_OK(owned_open(state, fd, &o));
                ASSERT_EQ(owned_has(o, "qemu-aarch64"), 1);
                ASSERT_OK(owned_get_pin(o, "qemu-aarch64", &dev, &ino));
                ASSERT_TRUE(dev == 1 && ino == 2);
        }

        /* The instance is gone and a new one has its device: a new status file, and an entry of
         * the same name with a new inode number. The records no longer apply. */
        usleep(20 * 1000);
        replace_file(fd, "status");
        replace_file(fd, "qemu-aarch64");
        {
                _cleanup_(owned_freep) Owned *o = NULL, *again = NULL;
                uint64_t dev, ino;

                ASSERT_OK(owned_open(state, fd, &o));
                ASSERT_EQ(owned_has(o, "qemu-aarch64"), 0);
                ASSERT_ERROR(owned_get_pin(o, "qemu-aarch64", &dev, &ino), ENOENT);
                ASSERT_OK(owned_remove(o, "qemu-aarch64")); /* nothing to forget: fine */

                /* The first record of the new instance clears the old ones for good. */
                ASSERT_OK(owned_add(o, "qemu-riscv64", NULL));
                ASSERT_OK(owned_open(state, fd, &again));
                ASSERT_EQ(owned_has(again, "qemu-riscv64"), 1);
                ASSERT_EQ(owned_has(again, "qemu-aarch64"), 0);
        }
}

TEST(not_an_instance)
{
        _cleanup_(owned_freep) Owned *o = NULL;
        _cleanup_close_ int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        /* No "status" file: not something records can be kept for. */
        ASSERT_ERROR(owned_open("/tmp", fd, &o), ENOENT);
}

int main(void)
{
        ASSERT_NOT_NULL(mkdtemp(tmpdir));
        atexit(cleanup_tmpdir);
        RUN(record_per_instance);
        RUN(instance_identity);
        RUN(not_an_instance);
        return 0;
}
