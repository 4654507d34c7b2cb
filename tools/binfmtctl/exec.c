/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl exec: one command tree with emulation, for any user, in a binfmt_misc instance of
 * its own (Linux 6.7+). The rules are made and their interpreters checked here first, as the
 * user sees the files; then a user and mount namespace in which the user is root gets its own
 * instance over /proc/sys/fs/binfmt_misc and the rules; then a user namespace inside it maps
 * the user back, and the command replaces binfmtctl. Its exit status is the command's, and
 * nothing outside changes: the instance dies with the namespaces.
 */

#include <sys/utsname.h>

#include "base/strv.h"
#include "base/userns.h"
#include "binfmt/instance.h"
#include "config/config.h"
#include "ops/ops.h"

#include "binfmtctl.h"

#define EXEC_MOUNT "/proc/sys/fs/binfmt_misc"

/* The rules for --platform, or for the default targets (native ones skipped). */
static int prepare(Context *c, OpsPrepared *ret)
{
        _cleanup_(report_done) Report r = {};
        _cleanup_(config_freep) Config *defaults = NULL;
        char *const *targets = c->args->platforms;
        OpsContext oc = {
                .sys = &c->sys,
                .mount = EXEC_MOUNT,
                .interpreter_dirs = c->args->interpreter_dirs,
                .flags = c->args->extra_flags,
                .skip_native = !targets,
        };
        int q;

        /* binfmtd's default Targets=, as its configuration makes them. */
        if (!targets) {
                q = config_new_default(&defaults);
                if (q < 0)
                        return q;
                targets = defaults->targets;
        }
        q = ops_prepare(&oc, targets, &r, ret);
        if (q < 0)
                return q;
        /* Only what went wrong: the command's output is the command's. */
        for (size_t i = 0; i < r.n; i++)
                if (r.lines[i].error)
                        fail(c, "%s", r.lines[i].text);
        return 0;
}

/* The namespaces and the instance; on failure, says why and what would help. */
static int enter(Context *c, const OpsPrepared *p)
{
        _cleanup_(report_done) Report r = {};
        uid_t uid = getuid();
        gid_t gid = getgid();
        const char *step = NULL;
        char why[512];
        int q;

        q = userns_become_root(uid, gid, &step);
        if (q < 0) {
                fail(c, "cannot make a user namespace (%s: %s): %s", step, strerror(-q),
                     userns_explain(-q, why, sizeof(why)));
                return q;
        }
        q = instance_mount_new(EXEC_MOUNT);
        if (q < 0) {
                if (q == -EPERM && c->sys.kernel_r >= 0 && !c->sys.kernel.userns_instances)
                        fail(c,
                             "cannot mount a binfmt_misc instance of its own: Linux %s is "
                             "older than 6.7, where only the machine's instance exists; "
                             "ask an administrator to register the targets (binfmtctl "
                             "install, or binfmtd)",
                             c->sys.uts.release);
                else
                        fail(c, "cannot mount a binfmt_misc instance of its own at %s: %s",
                             EXEC_MOUNT, instance_mount_strerror(q));
                return q;
        }
        q = ops_register_prepared(p, EXEC_MOUNT, &r);
        if (q < 0)
                return q;
        for (size_t i = 0; i < r.n; i++)
                fail(c, "%s", r.lines[i].text);
        if (r.failed)
                return -EIO;

        /* The command sees the user as who it is, not as root. */
        q = userns_map_back(uid, gid, &step);
        if (q < 0) {
                fail(c, "cannot map user %u back (%s: %s): %s", (unsigned)uid, step, strerror(-q),
                     userns_explain(-q, why, sizeof(why)));
                return q;
        }
        return 0;
}

/*
 * execvp() without its fallback: glibc runs a file the kernel refuses with ENOEXEC through
 * /bin/sh, which turns "no handler for this architecture" into shell syntax errors. Returns the
 * errno that counts (that of a file found, else ENOENT).
 */
static int exec_command(char *const *argv)
{
        _cleanup_free_ char *path = NULL;
        const char *dirs = getenv("PATH");
        int err = ENOENT;

        if (strchr(argv[0], '/')) {
                execv(argv[0], argv);
                return errno;
        }
        path = strdup(dirs && dirs[0] ? dirs : "/usr/local/bin:/usr/bin:/bin");
        if (!path)
                return ENOMEM;
        for (char *save = NULL, *d = strtok_r(path, ":", &save); d;
             d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *file = NULL;

                if (asprintf(&file, "%s/%s", d[0] ? d : ".", argv[0]) < 0)
                        return ENOMEM;
                execv(file, argv);
                /* Not there, or not for us: the next directory. Anything else is the answer. */
                if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
                        return errno;
                /* There but not executable, rather than in a directory we may not search. */
                if (errno == EACCES && access(file, F_OK) == 0)
                        err = EACCES;
        }
        return err;
}

int verb_exec(Context *c)
{
        _cleanup_(ops_prepared_done) OpsPrepared p = {};
        char *const *argv = c->args->operands;
        int q;

        /* A user may run the interpreters it owns, when nobody else can change them. */
        if (getuid() != 0)
                interp_trust_owner(getuid());

        q = prepare(c, &p);
        if (q < 0)
                return q;
        if (c->failed)
                return 0;

        q = enter(c, &p);
        if (q == -ENOMEM)
                return q;
        if (q < 0)
                return 0;

        fflush(NULL);
        q = exec_command(argv);
        if (q == ENOEXEC)
                log_error("%s: %s: no handler runs it here (a target not registered with "
                          "--platform?)",
                          argv[0], strerror(q));
        else
                log_error("%s: %s", argv[0], strerror(q));
        /* As shells say it: 127 not found, 126 found but not run. */
        exit(q == ENOENT ? 127 : 126);
}
