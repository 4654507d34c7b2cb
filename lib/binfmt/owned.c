/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ownership records: files named after entries in <state>/<instance>/. This module only keeps
 * the record; plan.c decides what ownership allows.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "binfmt/owned.h"

struct Owned {
        char *path;   /* <state>/<instance> */
        int dir_fd;   /* open once it exists */
};

const char *owned_state_dir(void)
{
        const char *e = getenv("BINFMTD_STATE_DIR");

        return e && e[0] == '/' ? e : OWNED_STATE_DIR_DEFAULT;
}

static bool name_ok(const char *name)
{
        return name && name[0] && !streq(name, ".") && !streq(name, "..") && !strchr(name, '/');
}

int owned_open(const char *state_dir, int instance_fd, Owned **ret)
{
        _cleanup_free_ Owned *o = NULL;
        struct stat dir, st;

        if (fstat(instance_fd, &dir) < 0 ||
            fstatat(instance_fd, "status", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;

        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->dir_fd = -EBADF;
        if (asprintf(&o->path, "%s/%" PRIu64 "-%" PRIi64 ".%09ld", state_dir,
                     (uint64_t)dir.st_dev, (int64_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec) < 0)
                return -ENOMEM;

        o->dir_fd = open(o->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (o->dir_fd < 0 && errno != ENOENT) {
                int r = -errno;
                free(o->path);
                return r;
        }

        *ret = TAKE_PTR(o);
        return 0;
}

Owned *owned_free(Owned *o)
{
        if (!o)
                return NULL;
        if (o->dir_fd >= 0)
                close(o->dir_fd);
        free(o->path);
        free(o);
        return NULL;
}

int owned_has(Owned *o, const char *name)
{
        if (!o || o->dir_fd < 0 || !name_ok(name))
                return 0;
        return faccessat(o->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int mkdir_parents(const char *path)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        /* The records say what may be removed: only root may write them. */
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int owned_add(Owned *o, const char *name, const char *content)
{
        _cleanup_close_ int fd = -EBADF;
        size_t len = content ? strlen(content) : 0;
        int r;

        if (!o)
                return -EINVAL;
        if (!name_ok(name))
                return -EINVAL;
        if (o->dir_fd < 0) {
                r = mkdir_parents(o->path);
                if (r < 0)
                        return r;
                o->dir_fd = open(o->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (o->dir_fd < 0)
                        return -errno;
        }
        fd = openat(o->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (len > 0 && write(fd, content, len) != (ssize_t)len)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int owned_remove(Owned *o, const char *name)
{
        if (!o || o->dir_fd < 0 || !name_ok(name))
                return 0;
        if (unlinkat(o->dir_fd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int owned_lock(const char *state_dir, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *p = NULL;
        int r;

        r = mkdir_parents(state_dir);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/.lock", state_dir) < 0)
                return -ENOMEM;
        fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int owned_get_pin(Owned *o, const char *name, uint64_t *ret_dev, uint64_t *ret_ino)
{
        _cleanup_close_ int fd = -EBADF;
        uint64_t dev, ino;
        char buf[128];
        ssize_t k;

        if (!o || o->dir_fd < 0 || !name_ok(name))
                return -ENOENT;
        fd = openat(o->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        k = read(fd, buf, sizeof(buf) - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        if (sscanf(buf, "pin %" SCNu64 " %" SCNu64, &dev, &ino) != 2)
                return -ENODATA;
        *ret_dev = dev;
        *ret_ino = ino;
        return 0;
}
