/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ownership records on ordinary directories standing in for instances: what identifies an
 * instance is its device and its "status" file's creation time.
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
        RUN(not_an_instance);
        return 0;
}
