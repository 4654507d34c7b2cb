/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl install, plan and uninstall: lib/ops does the work, in binfmtd through the socket or
 * here in direct mode; this prints its report.
 */

#include "binfmt/owned.h"
#include "ops/ops.h"

#include "binfmtctl.h"

void print_report(Context *c, const Report *r)
{
        for (size_t i = 0; i < r->n; i++) {
                if (r->lines[i].error)
                        fprintf(stderr, "%s: %s\n", program, r->lines[i].text);
                else
                        printf("%s\n", r->lines[i].text);
        }
        if (r->failed)
                c->failed = true;
}

static OpsContext ops_context(Context *c)
{
        return (OpsContext){
                .sys = &c->sys,
                .mount = c->args->mount,
                .state_dir = owned_state_dir(),
                .interpreter_dirs = c->args->interpreter_dirs,
                .flags = c->args->extra_flags,
                .force = c->args->force,
                .may_mount = true,
        };
}

static int run_ops(Context *c, int (*op)(const OpsContext *, char *const *, Report *))
{
        _cleanup_(report_done) Report r = {};
        OpsContext oc = ops_context(c);
        int q;

        q = context_measure_native(c);
        if (q < 0)
                return q;
        if (c->user_pause > 0)
                printf("Instance: the user namespace of uid %u's rootless podman containers "
                       "(pause process %d).\n",
                       (unsigned)getuid(), (int)c->user_pause);
        q = op(&oc, c->args->operands, &r);
        print_report(c, &r);
        return q;
}

static int install(const OpsContext *oc, char *const *targets, Report *r)
{
        return ops_install(oc, targets, false, r);
}

static int plan(const OpsContext *oc, char *const *targets, Report *r)
{
        return ops_install(oc, targets, true, r);
}

int verb_install(Context *c)
{
        int r = daemon_change(c, "io.binfmtd.Install");

        return r != 0 ? (r < 0 && r != -EIO ? r : 0) : run_ops(c, install);
}

int verb_plan(Context *c)
{
        return run_ops(c, plan);
}

int verb_uninstall(Context *c)
{
        int r = daemon_change(c, "io.binfmtd.Uninstall");

        return r != 0 ? (r < 0 && r != -EIO ? r : 0) : run_ops(c, ops_uninstall);
}
