/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl verify and wait: running the probes now, and waiting until the platforms asked for are
 * verified, over the daemon's Watch or by polling with probes.
 */

#include "base/strv.h"
#include "base/time.h"
#include "binfmt/owned.h"
#include "ops/readiness.h"
#include "verify/probe.h"
#include "verify/verify.h"

#include "binfmtctl.h"

/* ---- wait: until the platforms are verified --------------------------------------------- */

/*
 * Over the daemon's Watch: every status it sends is judged, until all are ready or the
 * deadline. Returns 1 when decided (c->not_ready says how), 0 when no daemon answers, < 0.
 */
static int wait_daemon(Context *c, uint64_t deadline)
{
        VarlinkClient vc = VARLINK_CLIENT_NULL;
        struct json_object *last = NULL;
        int r;

        if (!daemon_connect(c, &vc))
                return 0;
        r = varlink_client_call(&vc, "io.binfmtd.Watch", NULL, true);
        for (;;) {
                _cleanup_(varlink_reply_done) VarlinkReply reply = {};
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                struct json_object *st;

                if (r < 0)
                        break;
                /* The first status comes at once, whatever the deadline. */
                if (!last)
                        vc.timeout_ms = DAEMON_TIMEOUT_MS;
                else
                        vc.timeout_ms = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
                r = varlink_client_read_reply(&vc, &reply);
                if (r < 0)
                        break;
                if (reply.error || !json_object_object_get_ex(reply.parameters, "status", &st)) {
                        fail(c, "binfmtd answered Watch with %s",
                             reply.error ?: "an unexpected reply");
                        r = -EIO;
                        break;
                }
                json_object_put(last);
                last = json_object_get(st);
                if (check_required(c, last, true, false) == 0)
                        break;
        }
        varlink_client_done(&vc);

        if (r == -ETIMEDOUT || r >= 0) {
                if (!last) {
                        fail(c, "binfmtd sent no status before the timeout");
                        return 1;
                }
                if (check_required(c, last, true, true) > 0)
                        c->not_ready = true;
                json_object_put(last);
                return 1;
        }
        json_object_put(last);
        if (r != -EIO)
                fail(c, "binfmtd at %s stopped answering Watch: %s", c->args->socket, strerror(-r));
        return r == -ENOMEM ? r : 1;
}

/* Without a daemon: run the probes again and again. */
static int wait_poll(Context *c, uint64_t deadline)
{
        for (;;) {
                struct json_object *j = NULL;
                bool done;
                int r;

                r = direct_status_json(c, &j);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return 0;
                done = check_required(c, j, false, false) == 0 ||
                       now_usec(CLOCK_MONOTONIC) >= deadline;
                if (done) {
                        if (check_required(c, j, false, true) > 0)
                                c->not_ready = true;
                        json_object_put(j);
                        return 0;
                }
                json_object_put(j);
                uint64_t left = deadline - now_usec(CLOCK_MONOTONIC);
                usleep((useconds_t)(left < WAIT_POLL_USEC ? left : WAIT_POLL_USEC));
        }
}

int verb_wait(Context *c)
{
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + c->args->timeout_usec;
        int r;

        r = wait_daemon(c, deadline);
        if (r != 0)
                return r < 0 ? r : 0;
        return wait_poll(c, deadline);
}

/* ---- verify: run the probes now ---------------------------------------------------------- */

/* Without targets: the native one and every target with a probe that some entry would run. */
static int default_verify_targets(Context *c, const BinfmtArch ***ret, size_t *ret_n)
{
        size_t n_table, n = 0;
        const BinfmtArch *table = arch_table(&n_table);
        _cleanup_free_ const BinfmtArch **l = calloc(n_table, sizeof(BinfmtArch *));
        _cleanup_(status_done) Status s = {};
        int r;

        if (!l)
                return -ENOMEM;
        r = status_collect(&c->sys, c->args->mount, owned_state_dir(), &s);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_table; i++) {
                bool handled = c->sys.host_r >= 0 && c->sys.host.arch == &table[i];

                for (size_t k = 0; k < s.n_entries && !handled; k++)
                        handled = s.entries[k].entry->enabled && s.entries[k].arch == &table[i];
                if (handled && probe_supported(&table[i]))
                        l[n++] = &table[i];
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

int verb_verify(Context *c)
{
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_(verification_done) Verification v = {};
        _cleanup_(status_done) Status s = {};
        _cleanup_free_ char *dir = NULL;
        size_t n = 0;
        int r;

        if (c->args->operands) {
                size_t m = strv_length(c->args->operands);

                targets = calloc(m, sizeof(BinfmtArch *));
                if (!targets)
                        return -ENOMEM;
                STRV_FOREACH (op, c->args->operands) {
                        const BinfmtArch *a;

                        if (platform_resolve(*op, &a) < 0)
                                fail(c, "%s: unknown target (binfmtctl list shows the known ones)",
                                     *op);
                        else if (!probe_supported(a))
                                fail(c, "%s: no probe exists for %s yet", *op, a->name);
                        else
                                targets[n++] = a;
                }
        } else {
                r = default_verify_targets(c, &targets, &n);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fail(c, "cannot read %s: %s", c->args->mount, strerror(-r));
                        return 0;
                }
        }
        if (n == 0) {
                if (!c->failed)
                        fail(c, "nothing to verify: no registered target has a probe");
                return 0;
        }

        r = verify_workdir(&dir);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                fail(c, "cannot make the probe directory %s: %s", verify_workdir_name(),
                     strerror(-r));
                return 0;
        }
        r = verify_run(&c->sys, targets, n, c->args->interpreter_dirs, dir, VERIFY_TIMEOUT_USEC,
                       &v);
        if (r < 0)
                return r;
        /* The entries explain a failed container pass (readiness.c). */
        r = status_collect(&c->sys, c->args->mount, owned_state_dir(), &s);
        if (r == -ENOMEM)
                return r;
        s.verification = &v;

        printf("%-14s %-16s %-26s %s\n", "TARGET", "PLATFORM", "HOST", "CONTAINER (EMPTY CHROOT)");
        for (size_t i = 0; i < v.n_targets; i++) {
                char plat[PLATFORM_MAX], cell[2][64];

                for (int p = 0; p < 2; p++) {
                        const ProbeOutcome *o = &v.targets[i].pass[p];

                        if (o->result == PROBE_OK && o->level > 0)
                                snprintf(cell[p], sizeof(cell[p]), "ok (x86-64-v%u)", o->level);
                        else if (o->left_behind)
                                snprintf(cell[p], sizeof(cell[p]), "%s (left behind)",
                                         probe_result_to_id(o->result));
                        else
                                snprintf(cell[p], sizeof(cell[p]), "%s",
                                         probe_result_to_id(o->result));
                }
                printf("%-14s %-16s %-26s %s\n", v.targets[i].arch->name,
                       platform_format(v.targets[i].arch, plat, sizeof(plat)) ?: "-", cell[0],
                       cell[1]);
        }
        for (size_t i = 0; i < v.n_targets; i++) {
                const VerifyTarget *t = &v.targets[i];
                const ProbeOutcome *host = &t->pass[PROBE_PASS_HOST],
                                   *ct = &t->pass[PROBE_PASS_CHROOT];
                PlatformVerdict verdict;
                char plat[PLATFORM_MAX];

                if (host->result != PROBE_OK) {
                        char hint[256];
                        /* The hint names the target where it says %s. */
                        const char *h = probe_result_to_hint(host->result) ?: "",
                                   *at = strstr(h, "%s");

                        if (at)
                                snprintf(hint, sizeof(hint), "%.*s%s%s", (int)(at - h), h,
                                         t->arch->name, at + 2);
                        else
                                snprintf(hint, sizeof(hint), "%s", h);
                        fail(c, "%s: from the host: %s%s%s%s; %s", t->arch->name,
                             probe_result_to_string(host->result), host->error ? ": " : "",
                             host->error ? strerror(host->error) : "",
                             host->left_behind ? ", and still there after SIGKILL (uninterruptible "
                                                 "sleep): left behind"
                                               : "",
                             hint);
                }
                if (ct->result == PROBE_OK)
                        continue;
                if (readiness_judge_one(
                            &s, platform_format(t->arch, plat, sizeof(plat)) ?: t->arch->name,
                            &verdict) < 0)
                        verdict = (PlatformVerdict){};
                fail(c, "%s: in an empty chroot: %s%s%s; %s. Fix: %s.", t->arch->name,
                     probe_result_to_string(ct->result), ct->error ? ": " : "",
                     ct->error ? strerror(ct->error) : "",
                     verdict.problem[0] ? verdict.problem : "-",
                     verdict.fix[0] ? verdict.fix : "-");
        }
        return 0;
}
