/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unprivileged user namespaces: the maps a process may write for itself. Without CAP_SETUID in
 * the parent namespace, a process may map only its own effective uid and gid, one line each,
 * and must deny setgroups before it writes the gid map (user_namespaces(7)).
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/userns.h"

static int write_proc(const char *path, const char *text)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t len = strlen(text);

        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t)len)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

/* Unshares @flags (CLONE_NEWUSER and more) and maps @inside to @outside, uid and gid. */
static int enter(int flags, uid_t inside_uid, uid_t outside_uid, gid_t inside_gid,
                 gid_t outside_gid, const char **ret_step)
{
        char map[64];
        int r;

        if (unshare(flags) < 0) {
                *ret_step = "unshare";
                return -errno;
        }
        r = write_proc("/proc/self/setgroups", "deny");
        if (r < 0 && r != -ENOENT) { /* before Linux 3.19 there is no such file */
                *ret_step = "setgroups";
                return r;
        }
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)inside_uid, (unsigned)outside_uid);
        r = write_proc("/proc/self/uid_map", map);
        if (r < 0) {
                *ret_step = "uid_map";
                return r;
        }
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)inside_gid, (unsigned)outside_gid);
        r = write_proc("/proc/self/gid_map", map);
        if (r < 0) {
                *ret_step = "gid_map";
                return r;
        }
        return 0;
}

int userns_become_root(uid_t uid, gid_t gid, const char **ret_step)
{
        return enter(CLONE_NEWUSER | CLONE_NEWNS, 0, uid, 0, gid, ret_step);
}

int userns_map_back(uid_t uid, gid_t gid, const char **ret_step)
{
        return enter(CLONE_NEWUSER, uid, 0, gid, 0, ret_step);
}

/* The first number in @path, or -1. */
static long read_number(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        long v;

        if (!f || fscanf(f, "%ld", &v) != 1)
                return -1;
        return v;
}

const char *userns_explain(int error, char *buf, size_t size)
{
        if (read_number("/proc/sys/user/max_user_namespaces") == 0)
                snprintf(buf, size,
                         "user namespaces are disabled here (sysctl user.max_user_namespaces "
                         "is 0): an administrator can allow them with sysctl "
                         "user.max_user_namespaces=15000");
        else if (read_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
                snprintf(buf, size,
                         "AppArmor restricts unprivileged user namespaces here "
                         "(kernel.apparmor_restrict_unprivileged_userns=1): an administrator can "
                         "allow them with sysctl kernel.apparmor_restrict_unprivileged_userns=0, "
                         "or with an AppArmor profile for binfmtctl that has the userns rule");
        else if (error == ENOSPC)
                snprintf(buf, size,
                         "the limit of user namespaces is reached (sysctl "
                         "user.max_user_namespaces, of this namespace or one above it)");
        else if (read_number("/proc/sys/kernel/unprivileged_userns_clone") == 0)
                snprintf(buf, size,
                         "unprivileged user namespaces are disabled here (sysctl "
                         "kernel.unprivileged_userns_clone is 0): an administrator can allow "
                         "them with sysctl kernel.unprivileged_userns_clone=1");
        else
                snprintf(buf, size, "the system does not allow this user a user namespace");
        return buf;
}
