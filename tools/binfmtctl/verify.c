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
        r = status_collect(&c->sys, c->args->mount, owned_state_dir(), NULL, &s);
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

static inline void json_unrefp(struct json_object **j)
{
        json_object_put(*j);
}

/* One target's verdicts, from probes run here or from binfmtd's record. */
typedef struct VerifyRow {
        const BinfmtArch *arch;
        ProbeResult result[2]; /* host, container */
        unsigned level[2];
        bool left_behind[2];
        char error[2][128]; /* what the errno said, or "" */
        char problem[512];  /* the container pass's verdict when it failed, or "" */
        char fix[512];
} VerifyRow;

static void row_pass(VerifyRow *row, int p, const ProbeOutcome *o)
{
        row->result[p] = o->result;
        row->level[p] = o->level;
        row->left_behind[p] = o->left_behind;
        snprintf(row->error[p], sizeof(row->error[p]), "%s", o->error ? strerror(o->error) : "");
}

/* A pass of binfmtd's record ({"result": ID, ...}). False when it says nothing we know. */
static bool row_pass_json(VerifyRow *row, int p, struct json_object *o)
{
        const char *id = jstr(o, "result");
        int64_t level = jint(o, "x86_64_level");

        for (int r = 0; r < _PROBE_RESULT_MAX; r++)
                if (streq_ptr(id, probe_result_to_id(r))) {
                        row->result[p] = r;
                        row->level[p] = level > 0 ? (unsigned)level : 0;
                        row->left_behind[p] = jbool(o, "left_behind") > 0;
                        printable(jstr(o, "error") ?: "", row->error[p], sizeof(row->error[p]));
                        return true;
                }
        return false;
}

static void print_rows(Context *c, const VerifyRow *rows, size_t n)
{
        printf("%-14s %-16s %-26s %s\n", "TARGET", "PLATFORM", "HOST", "CONTAINER (EMPTY CHROOT)");
        for (size_t i = 0; i < n; i++) {
                char plat[PLATFORM_MAX], cell[2][64];

                for (int p = 0; p < 2; p++) {
                        const char *id = probe_result_to_id(rows[i].result[p]);

                        if (rows[i].result[p] == PROBE_OK && rows[i].level[p] > 0)
                                snprintf(cell[p], sizeof(cell[p]), "ok (x86-64-v%u)",
                                         rows[i].level[p]);
                        else if (rows[i].left_behind[p])
                                snprintf(cell[p], sizeof(cell[p]), "%s (left behind)", id);
                        else
                                snprintf(cell[p], sizeof(cell[p]), "%s", id);
                }
                printf("%-14s %-16s %-26s %s\n", rows[i].arch->name,
                       platform_format(rows[i].arch, plat, sizeof(plat)) ?: "-", cell[0], cell[1]);
        }
        for (size_t i = 0; i < n; i++) {
                const VerifyRow *t = &rows[i];

                if (t->result[PROBE_PASS_HOST] != PROBE_OK) {
                        char hint[256];
                        /* The hint names the target where it says %s. */
                        const char *h = probe_result_to_hint(t->result[PROBE_PASS_HOST]) ?: "",
                                   *at = strstr(h, "%s");

                        if (at)
                                snprintf(hint, sizeof(hint), "%.*s%s%s", (int)(at - h), h,
                                         t->arch->name, at + 2);
                        else
                                snprintf(hint, sizeof(hint), "%s", h);
                        fail(c, "%s: from the host: %s%s%s%s; %s", t->arch->name,
                             probe_result_to_string(t->result[PROBE_PASS_HOST]),
                             t->error[PROBE_PASS_HOST][0] ? ": " : "", t->error[PROBE_PASS_HOST],
                             t->left_behind[PROBE_PASS_HOST]
                                     ? ", and still there after SIGKILL (uninterruptible sleep): "
                                       "left behind"
                                     : "",
                             hint);
                }
                if (t->result[PROBE_PASS_CHROOT] == PROBE_OK)
                        continue;
                fail(c, "%s: in an empty chroot: %s%s%s; %s. Fix: %s.", t->arch->name,
                     probe_result_to_string(t->result[PROBE_PASS_CHROOT]),
                     t->error[PROBE_PASS_CHROOT][0] ? ": " : "", t->error[PROBE_PASS_CHROOT],
                     t->problem[0] ? t->problem : "-", t->fix[0] ? t->fix : "-");
        }
}

/*
 * Through binfmtd: its Verify runs every platform it verifies; the rows are those asked for
 * (without operands, those of the record that something runs, as when verifying here).
 * Returns 1 when done, 0 when no daemon answers.
 */
static int verify_daemon(Context *c, const BinfmtArch **targets, size_t n_targets)
{
        _cleanup_(json_unrefp) struct json_object *j = NULL;
        _cleanup_free_ VerifyRow *rows = NULL;
        struct json_object *rec, *list;
        size_t n_list, n = 0;
        int r;

        r = daemon_verify(c, &j);
        if (r <= 0)
                return r < 0 ? 1 : 0;
        rec = json_object_object_get(j, "verification");
        list = json_object_object_get(rec, "targets");
        n_list = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
        rows = calloc(n_list + 1, sizeof(VerifyRow));
        if (!rows)
                return -ENOMEM;

        for (size_t i = 0; i < n_list; i++) {
                struct json_object *t = json_object_array_get_idx(list, i);
                const BinfmtArch *a;
                VerifyRow *row = &rows[n];
                bool wanted = targets == NULL;
                char plat[PLATFORM_MAX];
                struct json_object *v;

                if (!jstr(t, "target") || platform_resolve(jstr(t, "target"), &a) < 0)
                        continue;
                for (size_t k = 0; k < n_targets && !wanted; k++)
                        wanted = targets[k] == a;
                if (!wanted)
                        continue;
                *row = (VerifyRow){.arch = a};
                if (!row_pass_json(row, PROBE_PASS_HOST, json_object_object_get(t, "host")) ||
                    !row_pass_json(row, PROBE_PASS_CHROOT, json_object_object_get(t, "container")))
                        continue;
                /* Without operands, as here: the targets that something runs. */
                if (!targets && row->result[PROBE_PASS_HOST] == PROBE_NO_HANDLER &&
                    row->result[PROBE_PASS_CHROOT] == PROBE_NO_HANDLER)
                        continue;
                v = find_platform(j, platform_format(a, plat, sizeof(plat)) ?: a->name);
                printable(jstr(v, "problem") ?: "", row->problem, sizeof(row->problem));
                printable(jstr(v, "fix") ?: "", row->fix, sizeof(row->fix));
                n++;
        }
        print_rows(c, rows, n);
        /* Asked for, and not in binfmtd's record: no entry of it runs anything. */
        for (size_t k = 0; k < n_targets; k++) {
                bool found = false;

                for (size_t i = 0; i < n && !found; i++)
                        found = rows[i].arch == targets[k];
                if (!found)
                        fail(c,
                             "%s: binfmtd does not verify it: nothing registered runs it "
                             "(binfmtctl install %s registers it)",
                             targets[k]->name, targets[k]->name);
        }
        if (n == 0 && n_targets == 0)
                fail(c, "nothing to verify: binfmtd's verification has no target");
        return 1;
}

int verb_verify(Context *c)
{
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_(verification_done) Verification v = {};
        _cleanup_(status_done) Status s = {};
        _cleanup_free_ VerifyRow *rows = NULL;
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
                if (c->failed)
                        return 0;
        }

        /* binfmtd, when it runs: the probes as it runs them, from where it runs them. */
        r = verify_daemon(c, c->args->operands ? targets : NULL, n);
        if (r != 0)
                return r < 0 ? r : 0;
        r = context_measure_native(c);
        if (r < 0)
                return r;

        if (!c->args->operands) {
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
        r = status_collect(&c->sys, c->args->mount, owned_state_dir(), NULL, &s);
        if (r == -ENOMEM)
                return r;
        s.verification = &v;

        rows = calloc(v.n_targets + 1, sizeof(VerifyRow));
        if (!rows)
                return -ENOMEM;
        for (size_t i = 0; i < v.n_targets; i++) {
                PlatformVerdict verdict;
                char plat[PLATFORM_MAX];

                rows[i].arch = v.targets[i].arch;
                row_pass(&rows[i], PROBE_PASS_HOST, &v.targets[i].pass[PROBE_PASS_HOST]);
                row_pass(&rows[i], PROBE_PASS_CHROOT, &v.targets[i].pass[PROBE_PASS_CHROOT]);
                if (rows[i].result[PROBE_PASS_CHROOT] == PROBE_OK ||
                    readiness_judge_one(&s,
                                        platform_format(rows[i].arch, plat, sizeof(plat))
                                                ?: rows[i].arch->name,
                                        &verdict) < 0)
                        continue;
                snprintf(rows[i].problem, sizeof(rows[i].problem), "%s", verdict.problem);
                snprintf(rows[i].fix, sizeof(rows[i].fix), "%s", verdict.fix);
        }
        print_rows(c, rows, v.n_targets);
        return 0;
}
