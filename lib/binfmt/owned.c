/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ownership records: files named after entries in <state>/<instance>/. This module only keeps
 * the record; plan.c decides what ownership allows.
 */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "binfmt/owned.h"

struct Owned {
        char *path;         /* <state>/<instance device> */
        char *witness_path; /* <state>/<instance device>.instance */
        int dir_fd;         /* open once it exists */
        int instance_fd;    /* borrowed */
        bool stale;         /* the directory holds records of an instance that is gone */
        char witness[64];   /* what .instance should say: the status file's change time */
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

/* Reads the record @name (at most @size - 1 bytes) into @buf. */
static int read_record(int dir_fd, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        ssize_t k;

        if (fd < 0)
                return -errno;
        k = read(fd, buf, size - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        return 0;
}

/* The value of the header line "KEY VALUE..." in a record, or NULL. */
static const char *record_field(const char *text, const char *key)
{
        size_t n = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, n) == 0 && l[n] == ' ')
                        return l + n + 1;
        return NULL;
}

/*
 * Whether the records in dir_fd belong to the live instance although its status file changed:
 * some entry recorded with its inode number is there with that very number. The kernel gives
 * every new entry a fresh inode number (get_next_ino(), one counter for the whole system), so
 * an entry of a later instance never carries a number recorded for an earlier one.
 */
static bool witnessed_by_entry(Owned *o)
{
        _cleanup_close_ int dfd = openat(o->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;
        bool found = false;

        if (dfd < 0 || !(d = fdopendir(dfd)))
                return false;
        TAKE_FD(dfd);
        while (!found && (de = readdir(d))) {
                char buf[256];
                const char *v;
                uint64_t ino;
                struct stat st;

                if (!name_ok(de->d_name) ||
                    read_record(o->dir_fd, de->d_name, buf, sizeof(buf)) < 0 ||
                    !(v = record_field(buf, "entry")) || sscanf(v, "%" SCNu64, &ino) != 1)
                        continue;
                found = fstatat(o->instance_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                        (uint64_t)st.st_ino == ino;
        }
        closedir(d);
        return found;
}

/*
 * Writes @text to @name in @dir_fd through a temporary file in the state directory (a name no
 * entry can have), so that a crash leaves the old text or the new one, never a part.
 */
static int write_file_atomic(Owned *o, int dir_fd, const char *name, const char *text)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);

        if (asprintf(&tmp, "%s.%d.new", o->path, (int)getpid()) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (len > 0 && write(fd, text, len) != (ssize_t)len) {
                int r = errno > 0 ? -errno : -EIO;
                (void)unlink(tmp);
                return r;
        }
        if (renameat(AT_FDCWD, tmp, dir_fd, name) < 0) {
                int r = -errno;
                (void)unlink(tmp);
                return r;
        }
        return 0;
}

int owned_open(const char *state_dir, int instance_fd, Owned **ret)
{
        _cleanup_free_ Owned *o = NULL;
        struct stat dir, st;
        char buf[64];

        if (fstat(instance_fd, &dir) < 0 ||
            fstatat(instance_fd, "status", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;

        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->dir_fd = -EBADF;
        o->instance_fd = instance_fd;
        snprintf(o->witness, sizeof(o->witness), "status %" PRIi64 ".%09ld\n",
                 (int64_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
        if (asprintf(&o->path, "%s/%" PRIu64, state_dir, (uint64_t)dir.st_dev) < 0)
                return -ENOMEM;
        if (asprintf(&o->witness_path, "%s.instance", o->path) < 0) {
                free(o->path);
                return -ENOMEM;
        }

        o->dir_fd = open(o->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (o->dir_fd < 0) {
                int r = -errno;
                if (r == -ENOENT) {
                        *ret = TAKE_PTR(o);
                        return 0;
                }
                free(o->path);
                free(o->witness_path);
                return r;
        }

        /* The status file's change time names the instance; a change to it alone (touch, or
         * "echo 1 >status", which truncates) is told apart from a new instance by the entries. */
        if (read_record(AT_FDCWD, o->witness_path, buf, sizeof(buf)) < 0 ||
            !streq(buf, o->witness)) {
                o->stale = !witnessed_by_entry(o);
                if (!o->stale)
                        (void)write_file_atomic(o, AT_FDCWD, o->witness_path, o->witness);
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
        free(o->witness_path);
        free(o);
        return NULL;
}

static bool usable(Owned *o)
{
        return o && o->dir_fd >= 0 && !o->stale;
}

int owned_has(Owned *o, const char *name)
{
        if (!usable(o) || !name_ok(name))
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

/* Removes the records of the instance that is gone, before the first one of the live one. */
static int clear_stale(Owned *o)
{
        _cleanup_close_ int dfd = openat(o->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;

        if (dfd < 0)
                return -errno;
        d = fdopendir(dfd);
        if (!d)
                return -errno;
        TAKE_FD(dfd);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void)unlinkat(o->dir_fd, de->d_name, 0);
        closedir(d);
        o->stale = false;
        return 0;
}

int owned_add(Owned *o, const char *name, const char *content)
{
        _cleanup_free_ char *text = NULL;
        struct stat st;
        int r;

        if (!o || !name_ok(name))
                return -EINVAL;
        if (o->dir_fd < 0) {
                r = mkdir_parents(o->path);
                if (r < 0)
                        return r;
                o->dir_fd = open(o->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (o->dir_fd < 0)
                        return -errno;
                o->stale = true; /* whatever it holds was not read as this instance's */
        }
        if (o->stale) {
                r = clear_stale(o);
                if (r < 0)
                        return r;
                r = write_file_atomic(o, AT_FDCWD, o->witness_path, o->witness);
                if (r < 0)
                        return r;
        }

        /* The entry's inode number, when it is registered already: it witnesses the instance. */
        if (fstatat(o->instance_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (asprintf(&text, "entry %" PRIu64 "\n%s", (uint64_t)st.st_ino,
                             strempty(content)) < 0)
                        return -ENOMEM;
        } else if (!(text = strdup(strempty(content))))
                return -ENOMEM;
        return write_file_atomic(o, o->dir_fd, name, text);
}

int owned_remove(Owned *o, const char *name)
{
        if (!usable(o) || !name_ok(name))
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
        uint64_t dev, ino;
        const char *v;
        char buf[256];
        int r;

        if (!usable(o) || !name_ok(name))
                return -ENOENT;
        r = read_record(o->dir_fd, name, buf, sizeof(buf));
        if (r < 0)
                return r;
        v = record_field(buf, "pin");
        if (!v || sscanf(v, "%" SCNu64 " %" SCNu64, &dev, &ino) != 2)
                return -ENODATA;
        *ret_dev = dev;
        *ret_ino = ino;
        return 0;
}
