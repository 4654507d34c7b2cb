/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>

#include "base/macro.h"
#include "binfmt/libmount-dl.h"

int libmount_open(LibMount *ret)
{
        LibMount m = {};

        m.dl = dlopen(LIBMOUNT_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!m.dl)
                return -ELIBACC;

#define SYM(field, name)                                                                           \
        do {                                                                                       \
                m.field = (typeof(m.field))dlsym(m.dl, #name);                                     \
                if (!m.field) {                                                                    \
                        libmount_close(&m);                                                        \
                        return -ELIBACC;                                                           \
                }                                                                                  \
        } while (0)
        SYM(new_context, mnt_new_context);
        SYM(free_context, mnt_free_context);
        SYM(context_disable_helpers, mnt_context_disable_helpers);
        SYM(context_disable_mtab, mnt_context_disable_mtab);
        SYM(context_is_restricted, mnt_context_is_restricted);
        SYM(context_set_fstype, mnt_context_set_fstype);
        SYM(context_set_source, mnt_context_set_source);
        SYM(context_set_target, mnt_context_set_target);
        SYM(context_set_options, mnt_context_set_options);
        SYM(context_mount, mnt_context_mount);
        SYM(context_get_status, mnt_context_get_status);
        SYM(context_get_syscall_errno, mnt_context_get_syscall_errno);
#undef SYM

        *ret = m;
        return 0;
}

void libmount_close(LibMount *m)
{
        if (m->dl)
                (void)dlclose(m->dl);
        *m = (LibMount){};
}
