/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "binfmt/entry.h"

/*
 * One binfmt_misc instance, given by its mount point: check that a directory is binfmt_misc,
 * mount it when absent, register, remove, enable, disable, list entries. Every function takes
 * the path or an fd of the mount, never a fixed /proc path, so tests use private instances.
 * Never unmounts (since 6.7 that destroys every entry of the instance) and never writes to
 * "status" (that would act on every entry, other tools' included).
 */

#define BINFMTFS_MAGIC_VALUE 0x42494e4d

/**
 * instance_open() - open the directory @path and check it is binfmt_misc (statfs magic).
 * Returns the fd (O_DIRECTORY|O_CLOEXEC) in @ret_fd and 0; -EMEDIUMTYPE if @path is a
 * directory of another file system (binfmt_misc not mounted there); -errno from open().
 */
int instance_open(const char *path, int *ret_fd);

/**
 * instance_mount() - mount binfmt_misc at @path (nosuid,nodev,noexec) with libmount, unless it
 * is already mounted there. Returns 1 if it mounted, 0 if it was mounted already, -errno
 * (-ENODEV: the kernel has no binfmt_misc; -EPERM: no privilege to mount; -ELIBACC: libmount,
 * loaded only for this, cannot be loaded).
 */
int instance_mount(const char *path);

/**
 * instance_mount_strerror() - what a failure @r (-errno) of instance_mount() means, for a
 * message: strerror(), but naming the library for -ELIBACC.
 */
const char *instance_mount_strerror(int r);

/**
 * instance_mount_new() - mount binfmt_misc at @path even where one is mounted already: in a
 * user namespace of one's own (Linux 6.7+) this is the namespace's own, empty instance, on top
 * of whatever @path showed. Returns 0 or -errno as instance_mount() (-EPERM also on a kernel
 * older than 6.7, where only the initial namespace may mount it).
 */
int instance_mount_new(const char *path);

/**
 * instance_is_read_only() - 1 if the mount at @dir_fd is read-only, 0 if not, -errno.
 */
int instance_is_read_only(int dir_fd);

/**
 * instance_get_enabled() - the instance-wide switch in "status": 1 enabled, 0 disabled, -errno.
 */
int instance_get_enabled(int dir_fd);

/**
 * instance_register() - write @register_string to "register" in a single write(2) (the kernel
 * takes each write as one record). Returns 0 or the kernel's -errno (-EEXIST, -EINVAL, the
 * F interpreter's open error, -EROFS, -EACCES).
 */
int instance_register(int dir_fd, const char *register_string);

/**
 * instance_remove() - write "-1" to entry @name. Returns 0, -ENOENT if there is no such entry.
 * Refuses "register" and "status" with -EINVAL.
 */
int instance_remove(int dir_fd, const char *name);

/**
 * instance_set_enabled() - write "1" or "0" to entry @name.
 */
int instance_set_enabled(int dir_fd, const char *name, bool enabled);

/**
 * instance_read_entry() - read and parse entry @name. -ENOENT if absent, -EBADMSG with a reason
 * if unparsable.
 */
int instance_read_entry(int dir_fd, const char *name, BinfmtEntry **ret, char **ret_reason);

typedef struct EntryList {
        BinfmtEntry **entries;
        size_t n;
} EntryList;

void entry_list_done(EntryList *l);

/**
 * instance_list() - every entry of the instance, sorted by name. Entries that cannot be parsed
 * are skipped and counted in @ret_skipped (may be NULL). "register" and "status" are not
 * entries.
 */
int instance_list(int dir_fd, EntryList *ret, size_t *ret_skipped);

/**
 * entry_list_sort_newest_first() - order newest first, as the kernel tries entries: by creation
 * time, then by inode number. The kernel does not expose its order; entries created within the
 * same clock tick (a few milliseconds) on different CPUs may come out in either order.
 */
void entry_list_sort_newest_first(EntryList *l);
