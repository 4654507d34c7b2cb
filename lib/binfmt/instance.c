/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One binfmt_misc instance, addressed by its mount point or a directory fd of it: checking the
 * file system type, mounting it when absent (libmount, loaded for that), and the four writes the
 * kernel accepts (register, and 1/0/-1 to an entry), plus reading entries back.
 *
 * This module must never unmount (since 6.7 the last unmount of an instance destroys all its
 * entries, other tools' included) and never writes to "status" (that switches or removes every
 * entry at once). It does not decide anything: plan.c decides, callers log.
 */

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "binfmt/instance.h"
#include "binfmt/libmount-dl.h"

/* An entry file holds at most ~1.9 KiB of register data rendered as hex; more is not an entry. */
#define ENTRY_FILE_MAX 8192

int instance_open(const char *path, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF;
        struct statfs sfs;

        /* Opening (not O_PATH) also triggers an automount point, as the kernel would on use. */
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        if ((unsigned long)sfs.f_type != BINFMTFS_MAGIC_VALUE)
                return -EMEDIUMTYPE;

        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int mount_binfmt_misc(const char *path)
{
        LibMount mnt;
        struct libmnt_context *cxt;
        struct statfs sfs;
        int r;

        r = libmount_open(&mnt);
        if (r < 0)
                return r;
        cxt = mnt.new_context();
        if (!cxt) {
                libmount_close(&mnt);
                return -ENOMEM;
        }

        /* No /sbin/mount.* helpers and no utab: a plain kernel mount, as systemd's unit does. */
        mnt.context_disable_helpers(cxt, 1);
        mnt.context_disable_mtab(cxt, 1);
        /* Not root: libmount would only do fstab "user" mounts and say so with its own code;
         * the kernel would refuse anyway. */
        if (mnt.context_is_restricted(cxt)) {
                mnt.free_context(cxt);
                libmount_close(&mnt);
                return -EPERM;
        }
        r = mnt.context_set_fstype(cxt, "binfmt_misc");
        if (r == 0)
                r = mnt.context_set_source(cxt, "binfmt_misc");
        if (r == 0)
                r = mnt.context_set_target(cxt, path);
        if (r == 0)
                r = mnt.context_set_options(cxt, "nosuid,nodev,noexec");
        if (r == 0) {
                r = mnt.context_mount(cxt);
                /* libmount: 0 success, < 0 its own error (-errno), > 0 the mount(2) failed. */
                if (r > 0 || (r == 0 && mnt.context_get_status(cxt) != 1)) {
                        int e = mnt.context_get_syscall_errno(cxt);
                        r = e > 0 ? -e : -EIO;
                }
                /* libmount's own codes (-MNT_ERR_*, from 5000) are not errnos. */
                if (r < -4095)
                        r = -EIO;
        }
        mnt.free_context(cxt);
        libmount_close(&mnt);
        if (r < 0)
                return r;

        /* Only a binfmt_misc there counts; anything else means the mount did not happen. */
        if (statfs(path, &sfs) < 0)
                return -errno;
        if ((unsigned long)sfs.f_type != BINFMTFS_MAGIC_VALUE)
                return -EMEDIUMTYPE;
        return 1;
}

int instance_mount(const char *path)
{
        struct statfs sfs;

        if (statfs(path, &sfs) < 0)
                return -errno;
        if ((unsigned long)sfs.f_type == BINFMTFS_MAGIC_VALUE)
                return 0;
        return mount_binfmt_misc(path);
}

const char *instance_mount_strerror(int r)
{
        if (r == -ELIBACC)
                return LIBMOUNT_SONAME " cannot be loaded (install libmount)";
        return strerror(r < 0 ? -r : r);
}

int instance_mount_new(const char *path)
{
        int r = mount_binfmt_misc(path);

        return r < 0 ? r : 0;
}

int instance_is_read_only(int dir_fd)
{
        struct statvfs sv;

        if (fstatvfs(dir_fd, &sv) < 0)
                return -errno;
        return !!(sv.f_flag & ST_RDONLY);
}

/* The names that can be an entry file: anything else is the instance's own files or a path. */
static bool entry_name_is_valid(const char *name)
{
        return name && name[0] != '\0' && !streq(name, ".") && !streq(name, "..") &&
               !streq(name, "register") && !streq(name, "status") && !strchr(name, '/');
}

int instance_get_enabled(int dir_fd)
{
        _cleanup_close_ int fd = -EBADF;
        char buf[16] = {};
        ssize_t n;

        fd = openat(dir_fd, "status", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        if (startswith(buf, "enabled"))
                return 1;
        if (startswith(buf, "disabled"))
                return 0;
        return -EBADMSG;
}

static int write_once(int dir_fd, const char *file, const char *data)
{
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(data);
        ssize_t n;

        fd = openat(dir_fd, file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        /* One write(2) is one record for the kernel: never let stdio split or defer it. */
        n = write(fd, data, len);
        if (n < 0)
                return -errno;
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

int instance_register(int dir_fd, const char *register_string)
{
        return write_once(dir_fd, "register", register_string);
}

int instance_remove(int dir_fd, const char *name)
{
        if (!entry_name_is_valid(name))
                return -EINVAL;
        return write_once(dir_fd, name, "-1");
}

int instance_set_enabled(int dir_fd, const char *name, bool enabled)
{
        if (!entry_name_is_valid(name))
                return -EINVAL;
        return write_once(dir_fd, name, enabled ? "1" : "0");
}

int instance_read_entry(int dir_fd, const char *name, BinfmtEntry **ret, char **ret_reason)
{
        _cleanup_(entry_freep) BinfmtEntry *e = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct stat st;
        int r;

        if (!entry_name_is_valid(name))
                return -EINVAL;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;

        buf = malloc(ENTRY_FILE_MAX);
        if (!buf)
                return -ENOMEM;
        /* Entry files are generated whole by the kernel, but read until EOF to be safe. */
        for (;;) {
                ssize_t n = read(fd, buf + len, ENTRY_FILE_MAX - len);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += n;
                if (len == ENTRY_FILE_MAX)
                        return -EFBIG;
        }

        r = entry_parse(name, buf, len, &e, ret_reason);
        if (r < 0)
                return r;
        e->inode = st.st_ino;
        e->ctime_ns = (uint64_t)st.st_ctim.tv_sec * 1000000000u + st.st_ctim.tv_nsec;

        *ret = TAKE_PTR(e);
        return 0;
}

void entry_list_done(EntryList *l)
{
        for (size_t i = 0; i < l->n; i++)
                entry_free(l->entries[i]);
        free(l->entries);
        *l = (EntryList){};
}

static int cmp_name(const void *a, const void *b)
{
        const BinfmtEntry *x = *(BinfmtEntry *const *)a, *y = *(BinfmtEntry *const *)b;
        return strcmp(x->rule.name, y->rule.name);
}

/*
 * The kernel tries entries newest first, and binfmt_misc's directory lists them in that order:
 * each new entry's dentry goes to the head of the directory's children. Nothing else orders
 * them reliably: the change time moves when an entry is switched off or on, and inode numbers
 * are handed out in per-CPU batches.
 */
static int cmp_newest(const void *a, const void *b)
{
        const BinfmtEntry *x = *(BinfmtEntry *const *)a, *y = *(BinfmtEntry *const *)b;

        return x->listed < y->listed ? -1 : x->listed > y->listed ? 1 : 0;
}

int instance_list(int dir_fd, EntryList *ret, size_t *ret_skipped)
{
        _cleanup_(entry_list_done) EntryList l = {};
        _cleanup_close_ int fd = -EBADF;
        size_t skipped = 0;
        DIR *d;
        int r = 0;

        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);

        for (;;) {
                _cleanup_(entry_freep) BinfmtEntry *e = NULL;
                struct dirent *de;
                BinfmtEntry **a;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = -errno;
                        break;
                }
                if (!entry_name_is_valid(de->d_name))
                        continue;

                r = instance_read_entry(dir_fd, de->d_name, &e, NULL);
                if (r == -ENOENT) { /* removed while we listed */
                        r = 0;
                        continue;
                }
                if (r == -ENOMEM)
                        break;
                if (r < 0) {
                        skipped++;
                        r = 0;
                        continue;
                }

                a = realloc(l.entries, sizeof(BinfmtEntry *) * (l.n + 1));
                if (!a) {
                        r = -ENOMEM;
                        break;
                }
                l.entries = a;
                e->listed = l.n;
                l.entries[l.n++] = TAKE_PTR(e);
        }
        closedir(d);
        if (r < 0)
                return r;

        if (l.n > 0)
                qsort(l.entries, l.n, sizeof(BinfmtEntry *), cmp_name);
        if (ret_skipped)
                *ret_skipped = skipped;
        *ret = l;
        l = (EntryList){};
        return 0;
}

void entry_list_sort_newest_first(EntryList *l)
{
        if (l->n > 0)
                qsort(l->entries, l->n, sizeof(BinfmtEntry *), cmp_newest);
}
