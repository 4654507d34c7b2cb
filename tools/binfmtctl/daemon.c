/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Asking binfmtd: connecting to its socket, calls and changes, and the status JSON from the daemon
 * or, when none answers, collected here (direct mode).
 */

#include "binfmt/owned.h"
#include "ops/status-json.h"
#include "verify/verify.h"

#include "binfmtctl.h"

#define IN_SET_ERRNO(r, a, b, c) ((r) == (a) || (r) == (b) || (r) == (c))

/* ---- the daemon, when it answers -------------------------------------------------------- */

/*
 * Connects to the daemon in @vc. Returns 1 when connected, 0 when no daemon is to be asked or
 * none answers (the caller does the work itself).
 */
int daemon_connect(Context *c, VarlinkClient *vc)
{
        if (!c->args->use_daemon)
                return 0;
        if (varlink_client_connect(vc, c->args->socket, DAEMON_TIMEOUT_MS) < 0) {
                /* Not running, or not reachable by us: direct mode does the same work. */
                varlink_client_done(vc);
                return 0;
        }
        /* A status with many entries may exceed the default message size. */
        vc->in.limit = DAEMON_REPLY_MAX;
        return 1;
}

/*
 * Calls @method on the daemon. Returns 1 with the reply, 0 when no daemon answers (the caller
 * does the work itself), or -EIO after reporting a daemon that accepted but failed us.
 *
 * A socket that accepts and then closes without a word is a socket unit whose service failed
 * or was skipped (systemd closes the connections it queued): that is no daemon either, said
 * plainly, and the work is done here.
 */
static int daemon_call(Context *c, const char *method, struct json_object *params,
                       VarlinkReply *ret)
{
        VarlinkClient vc = VARLINK_CLIENT_NULL;
        int r;

        if (!daemon_connect(c, &vc))
                return 0;
        r = varlink_client_call(&vc, method, params, false);
        /* A daemon that refuses the connection writes why and closes, perhaps before our call
         * went out: its answer may be waiting all the same. */
        if (r >= 0 || IN_SET_ERRNO(r, -ECONNRESET, -EPIPE, -ECONNABORTED))
                r = varlink_client_read_reply(&vc, ret);
        varlink_client_done(&vc);
        if (r >= 0 && streq_ptr(ret->error, "io.binfmtd.TooManyConnections")) {
                struct json_object *why = NULL;

                (void)json_object_object_get_ex(ret->parameters, "reason", &why);
                log_error("note: binfmtd at %s refused the connection (%s); doing the work "
                          "directly",
                          c->args->socket, why ? json_object_get_string(why) : "too many");
                varlink_reply_done(ret);
                return 0;
        }
        if (IN_SET_ERRNO(r, -ECONNRESET, -EPIPE, -ECONNABORTED)) {
                log_error("note: %s accepted the connection but closed it (%s): binfmtd is not "
                          "running there (its service failed or was skipped; see systemctl "
                          "status binfmtd.service); doing the work directly",
                          c->args->socket, strerror(-r));
                return 0;
        }
        if (r < 0) {
                fail(c, "binfmtd at %s did not answer %s: %s", c->args->socket, method,
                     strerror(-r));
                return -EIO;
        }
        return 1;
}

int daemon_change(Context *c, const char *method)
{
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        _cleanup_(report_done) Report rep = {};
        struct json_object *p, *t;
        int r;

        p = json_object_new_object();
        t = json_object_new_array();
        if (!p || !t) {
                json_object_put(p);
                json_object_put(t);
                return -ENOMEM;
        }
        STRV_FOREACH (op, c->args->operands)
                json_object_array_add(t, json_object_new_string(*op));
        json_object_object_add(p, "targets", t);
        if (c->args->force)
                json_object_object_add(p, "force", json_object_new_boolean(true));

        r = daemon_call(c, method, p, &reply);
        json_object_put(p);
        if (r <= 0)
                return r;

        if (streq_ptr(reply.error, "io.binfmtd.PermissionDenied")) {
                fail(c, "permission denied: binfmtd accepts changes from root and from members of "
                        "its admin group only (AdminGroup=)");
                return 1;
        }
        if (report_from_json(reply.parameters, &rep) < 0) {
                fail(c, "binfmtd answered %s with %s", method,
                     reply.error ?: "an unexpected reply");
                return 1;
        }
        print_report(c, &rep);
        if (reply.error && !rep.failed)
                fail(c, "binfmtd answered %s with %s", method, reply.error);
        return 1;
}

/*
 * Direct mode: the status read here, and verified here too when we may chroot (root). Returns
 * 0 with the JSON, or -errno after reporting.
 */
int direct_status_json(Context *c, struct json_object **ret)
{
        _cleanup_(status_done) Status s = {};
        _cleanup_(verification_done) Verification v = {};
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_free_ char *dir = NULL;
        size_t n = 0;
        int r;

        r = context_measure_native(c);
        if (r < 0)
                return r;
        r = status_collect(&c->sys, c->args->mount, owned_state_dir(), NULL, &s);
        if (r < 0) {
                fail(c, "cannot read %s: %s", c->args->mount, strerror(-r));
                return r;
        }
        /* --user: the probes run in podman's namespace, where the user has what they need. */
        if (geteuid() == 0 || c->user_pause > 0) {
                targets = verify_default_targets(&n);
                if (!targets)
                        return -ENOMEM;
                r = verify_workdir(&dir);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        log_error("cannot verify: cannot make the probe directory %s: %s",
                                  verify_workdir_name(), strerror(-r));
                else {
                        r = verify_run(&c->sys, targets, n, c->args->interpreter_dirs, dir,
                                       VERIFY_TIMEOUT_USEC, &v);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                log_error("cannot verify: %s", strerror(-r));
                        else
                                s.verification = &v;
                }
        }
        return status_to_json(&s, ret);
}

/* The status JSON from the daemon, or made here. Returns 0, or < 0 after reporting. */
int get_status_json(Context *c, struct json_object **ret)
{
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        struct json_object *st;
        int r;

        r = daemon_call(c, "io.binfmtd.GetStatus", NULL, &reply);
        if (r < 0)
                return r;
        if (r == 0)
                return direct_status_json(c, ret);
        if (reply.error || !json_object_object_get_ex(reply.parameters, "status", &st) ||
            !json_object_is_type(st, json_type_object)) {
                fail(c, "binfmtd answered GetStatus with %s", reply.error ?: "an unexpected reply");
                return -EIO;
        }
        *ret = json_object_get(st);
        return 0;
}

/*
 * binfmtd's Verify: a verification run by the daemon, waited for. Returns 1 with the status
 * JSON (its "verification" is that run's), 0 when no daemon answers (the caller verifies
 * here), or < 0 after reporting.
 */
int daemon_verify(Context *c, struct json_object **ret)
{
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        struct json_object *st;
        int r;

        r = daemon_call(c, "io.binfmtd.Verify", NULL, &reply);
        if (r <= 0)
                return r;
        if (streq_ptr(reply.error, "io.binfmtd.PermissionDenied")) {
                fail(c, "permission denied: binfmtd runs the probes for root and members of its "
                        "admin group only (AdminGroup=); binfmtctl status shows its last "
                        "verification");
                return -EPERM;
        }
        if (reply.error || !json_object_object_get_ex(reply.parameters, "status", &st) ||
            !json_object_is_type(st, json_type_object)) {
                fail(c, "binfmtd answered Verify with %s", reply.error ?: "an unexpected reply");
                return -EIO;
        }
        *ret = json_object_get(st);
        return 1;
}

/*
 * binfmtctl reload: binfmtd's Reload, waited for, so that a rejected configuration is an exit
 * status and a message (systemctl reload runs this). Only the daemon can reload itself.
 */
int verb_reload(Context *c)
{
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        _cleanup_(report_done) Report rep = {};
        struct json_object *g = NULL;
        int r;

        if (!c->args->use_daemon) {
                fail(c, "reload asks binfmtd to re-read its configuration; it cannot be done "
                        "directly (--direct or --mount was given)");
                return 0;
        }
        r = daemon_call(c, "io.binfmtd.Reload", NULL, &reply);
        if (r < 0)
                return 0;
        if (r == 0) {
                fail(c, "binfmtd does not answer at %s: nothing to reload", c->args->socket);
                return 0;
        }
        if (streq_ptr(reply.error, "io.binfmtd.PermissionDenied")) {
                fail(c, "permission denied: binfmtd accepts a reload from root and from members "
                        "of its admin group only (AdminGroup=)");
                return 0;
        }
        if (streq_ptr(reply.error, "io.binfmtd.ConfigInvalid")) {
                if (report_from_json(reply.parameters, &rep) >= 0)
                        print_report(c, &rep);
                fail(c, "the new configuration was rejected; binfmtd keeps the running one");
                return 0;
        }
        if (reply.error) {
                fail(c, "binfmtd answered Reload with %s", reply.error);
                return 0;
        }
        (void)json_object_object_get_ex(reply.parameters, "generation", &g);
        printf("Reloaded: configuration generation %" PRId64 ".\n", json_object_get_int64(g));
        return 0;
}
