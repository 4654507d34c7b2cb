/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * User namespaces for any user, no privilege needed (Linux 3.8+, when the system allows them):
 * one in which the caller is root, for a binfmt_misc instance of its own (Linux 6.7+), and one
 * inside it that maps the caller's own ids back, so that a command run there sees itself as the
 * user who started it.
 */

/**
 * userns_become_root() - unshare a user and a mount namespace, in which the caller's @uid and
 * @gid (as seen outside) are 0. Supplementary groups are given up (setgroups is denied, as an
 * unprivileged user must). Returns 0, or -errno with the step that failed in *@ret_step
 * ("unshare", "setgroups", "uid_map", "gid_map").
 */
int userns_become_root(uid_t uid, gid_t gid, const char **ret_step);

/**
 * userns_map_back() - unshare a user namespace inside the current one, in which @uid and @gid
 * are the current namespace's root: the caller is itself again. Returns 0 or -errno, as above.
 */
int userns_map_back(uid_t uid, gid_t gid, const char **ret_step);

/**
 * userns_explain() - why creating a user namespace failed with @error, as far as the system
 * says: user.max_user_namespaces at 0, AppArmor's restriction of unprivileged user namespaces,
 * or nothing known. Writes a sentence with what would help into @buf. Returns @buf.
 */
const char *userns_explain(int error, char *buf, size_t size);
