/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libmount.h>

/*
 * libmount, loaded when a mount is needed and unloaded right after. Mounting binfmt_misc is a
 * start-up matter, and usually not needed at all: linked, libmount and what it links (libblkid,
 * libselinux, libpcre2) would stay mapped for the daemon's whole life, about 0.45 MiB of its
 * memory, and be loaded by every binfmtctl run.
 */

/* The soname libmount has had since util-linux 2.18; what libmount-dev links to. */
#define LIBMOUNT_SONAME "libmount.so.1"

typedef struct LibMount {
        void *dl;
        typeof(mnt_new_context) *new_context;
        typeof(mnt_free_context) *free_context;
        typeof(mnt_context_disable_helpers) *context_disable_helpers;
        typeof(mnt_context_disable_mtab) *context_disable_mtab;
        typeof(mnt_context_is_restricted) *context_is_restricted;
        typeof(mnt_context_set_fstype) *context_set_fstype;
        typeof(mnt_context_set_source) *context_set_source;
        typeof(mnt_context_set_target) *context_set_target;
        typeof(mnt_context_set_options) *context_set_options;
        typeof(mnt_context_mount) *context_mount;
        typeof(mnt_context_get_status) *context_get_status;
        typeof(mnt_context_get_syscall_errno) *context_get_syscall_errno;
} LibMount;

/**
 * libmount_open() - load libmount (its soname, LIBMOUNT_SONAME) and resolve the functions above
 * into @ret. Returns 0, or -ELIBACC when the library or one of its functions is missing.
 */
int libmount_open(LibMount *ret);

/** libmount_close() - unload what libmount_open() loaded; @m may be unset (all zero). */
void libmount_close(LibMount *m);
