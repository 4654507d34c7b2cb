/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Which configuration files binfmtd reads, in order, systemd style: the main file from
 * /usr/lib/binfmtd, then from /etc/binfmtd, then the drop-ins (binfmtd.conf.d/NAME.conf) of
 * /usr/lib/binfmtd, /run/binfmtd and /etc/binfmtd, sorted by file name across the three
 * directories; a drop-in in /etc hides one of the same name in /run, which hides one in
 * /usr/lib. Later files override earlier ones key by key.
 */

/**
 * conf_files_list() - the existing files, in reading order, under @root ("" or "/" for the
 * real system, a directory in tests). Returns 0 and a strv (possibly empty), or -errno from
 * reading a directory other than -ENOENT.
 */
int conf_files_list(const char *root, char ***ret);
