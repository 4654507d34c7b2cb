/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The capability drop, with libcap-ng. Converts libcap-ng's return conventions to -errno here.
 */

#include <cap-ng.h>
#include <sys/prctl.h>

#include "log.h"
#include "base/macro.h"
#include "privileges.h"

int privileges_drop(void)
{
        int r;

        capng_clear(CAPNG_SELECT_ALL);
        if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_CHROOT) < 0)
                return -EINVAL;
        /* The bounding set and the securebits first: both need CAP_SETPCAP, which goes last.
         * uid 0 regains full capabilities on execve unless the securebits forbid it. */
        r = capng_apply(CAPNG_SELECT_BOUNDS);
        if (r < 0)
                log_warning("Could not clear the capability bounding set (%d), going on.", r);
        if (capng_lock() < 0)
                log_warning("Could not lock the securebits, going on.");
        r = capng_apply(CAPNG_SELECT_BOTH);
        if (r < 0)
                return -EPERM;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        /* What the kernel says now: CAP_SYS_CHROOT and nothing else. */
        capng_clear(CAPNG_SELECT_ALL);
        if (capng_get_caps_process() < 0)
                return -EPERM;
        if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_CHROOT) != 1)
                return -EPERM;
        if (capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_CHROOT) < 0 ||
            capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
                return -EPERM;
        return 0;
}
