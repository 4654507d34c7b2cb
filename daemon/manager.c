/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager: configuration in force, runtime changes, the reconcile loop, and the status the
 * socket serves. Reconciling is lib/ops/ops.c's install run over the desired targets with the
 * daemon's settings (native targets skipped quietly, unchanged entries not reported, foreign
 * entries taken over only with TakeOver=yes), so the daemon and binfmtctl agree on what is
 * ours, what drifted and how it is repaired.
 *
 * It never unmounts and never flushes: stopping removes binfmtd's own entries only when
 * RemoveOnStop=yes.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <sys/inotify.h>
#include <grp.h>
#include <stdio.h>
#include <pwd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "base/time.h"
#include "build-config.h"
#include "config/conf-files.h"
#include "log.h"
#include "manager.h"
#include "ops/ops.h"
#include "binfmt/owned.h"
#include "target/platform.h"
#include "ops/readiness.h"
#include "binfmt/instance.h"
#include "ops/node-labels.h"
#include "ops/status-json.h"
#include "ops/status.h"
#include "base/strv.h"

int manager_new(Manager **ret)
{
        _cleanup_(manager_freep) Manager *m = NULL;
        size_t n;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        (void)arch_table(&n);
        m->runtime = calloc(n, sizeof(RuntimeChange));
        m->conf_root = strdup("");
        m->interp_cache = interp_cache_new();
        if (!m->runtime || !m->conf_root || !m->interp_cache)
                return -ENOMEM;

        /* Not sd_event_default(): that one asks the kernel for the thread id at every turn of
         * the loop, to check it runs where it was made. */
        r = sd_event_new(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        verifier_free(m->verifier);
        status_done(&m->status);
        interp_cache_free(m->interp_cache);
        strv_free(m->verifying_fps);
        strv_free(m->verified_fps);
        free(m->current_targets);
        free(m->fingerprint);
        free(m->verdicts);
        free(m->node_labels);
        free(m->node_labels_path);
        sd_event_source_unref(m->reconcile_timer);
        sd_event_source_unref(m->instance_watch);
        sd_event_source_unref(m->change_pending);
        sd_event_source_unref(m->verify_pending);
        for (size_t i = 0; i < m->n_interp_watches; i++)
                sd_event_source_unref(m->interp_watches[i]);
        free(m->interp_watches);
        for (size_t i = 0; i < m->n_config_watches; i++)
                sd_event_source_unref(m->config_watches[i]);
        free(m->config_watches);
        sd_event_source_unref(m->config_timer);
        sd_event_unref(m->event);
        config_free(m->config);
        free(m->extra);
        report_done(&m->last_problems);
        free(m->runtime);
        free(m->config_file);
        free(m->conf_root);
        free(m->socket_override);
        free(m);
        return NULL;
}

const char *manager_socket_path(Manager *m)
{
        return m->socket_override ?: m->config->socket_path;
}

/* ---- configuration ---------------------------------------------------------------------- */

static int parse_one(Config *c, const char *path, Report *errors)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_strv_free_ char **errs = NULL;
        int r;

        f = fopen(path, "re");
        if (!f) {
                report_error(errors, NULL, "%s: cannot read: %m", path);
                return -errno;
        }
        r = config_parse_file(c, f, path, &errs);
        STRV_FOREACH (e, errs)
                report_error(errors, NULL, "%s", *e);
        return r;
}

int manager_load_config(Manager *m, Config **ret, gid_t *ret_gid, bool *ret_gid_set, Report *errors)
{
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **files = NULL;
        bool gid_set = false;
        gid_t gid = 0;
        int r;

        r = config_new_default(&c);
        if (r < 0)
                return r;

        if (m->config_file) {
                if (strv_extend(&files, m->config_file) < 0)
                        return -ENOMEM;
        } else {
                r = conf_files_list(m->conf_root, &files);
                if (r < 0) {
                        report_error(errors, NULL, "cannot list configuration files: %s",
                                     strerror(-r));
                        return r;
                }
        }

        STRV_FOREACH (f, files)
                (void)parse_one(c, *f, errors);

        /* What only the daemon can check: names resolve, the group exists. */
        STRV_FOREACH (t, c->targets) {
                const BinfmtArch *a;

                const ConfigTarget *ct = config_find_target(c, *t);

                if (!streq(*t, "all") && platform_resolve(*t, &a) < 0 && !(ct && ct->magic_set))
                        report_error(errors, NULL, "%s%sTargets: unknown target '%s'",
                                     strempty(c->targets_at), c->targets_at ? ": " : "", *t);
        }
        if (c->admin_group) {
                struct group *g = getgrnam(c->admin_group);
                if (!g)
                        report_error(errors, NULL, "%s%sAdminGroup: no group named '%s'",
                                     strempty(c->admin_group_at), c->admin_group_at ? ": " : "",
                                     c->admin_group);
                else {
                        gid = g->gr_gid;
                        gid_set = true;
                }
        }

        if (errors->failed)
                return -EINVAL;

        *ret = TAKE_PTR(c);
        *ret_gid = gid;
        *ret_gid_set = gid_set;
        return 0;
}

/*
 * The targets [target:NAME] sections with Magic= describe: for a table target's name, a copy of
 * that target with the configured match bytes (name, family, platforms and entry name stay);
 * for any other name, a new target whose entry is named after it and whose family is its own,
 * so it is never taken for the host's. Strings are borrowed from @c.
 */
int manager_build_extra(const Config *c, BinfmtArch **ret, size_t *ret_n)
{
        _cleanup_free_ BinfmtArch *l = NULL;
        size_t n = 0;

        l = calloc(c->n_sections ?: 1, sizeof(BinfmtArch));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_sections; i++) {
                const ConfigTarget *t = &c->sections[i];
                const BinfmtArch *base = arch_by_name(t->name);
                BinfmtArch *x = &l[n];

                if (!t->magic_set || t->magic_len == 0 || t->magic_len > ARCH_MAGIC_MAX)
                        continue;
                if (base)
                        *x = *base;
                else
                        *x = (BinfmtArch){
                                .name = t->name, .family = t->name, .entry_name = t->name};
                x->len = t->magic_len;
                memcpy(x->magic, t->magic, t->magic_len);
                if (t->mask_set)
                        memcpy(x->mask, t->mask, t->magic_len);
                else
                        memset(x->mask, 0xff, t->magic_len);
                x->offset = t->offset_set ? t->offset : 0;
                n++;
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

/* ---- reconcile -------------------------------------------------------------------------- */

static const OpsOverride *override_of(void *userdata, const BinfmtArch *a)
{
        static OpsOverride ov;
        Manager *m = userdata;
        const ConfigTarget *t = config_find_target(m->config, a->name);

        if (!t)
                return NULL;
        ov = (OpsOverride){
                .interpreter = t->interpreter, .flags_set = t->flags_set, .flags = t->flags};
        return &ov;
}

static OpsContext ops_context(Manager *m, bool force)
{
        return (OpsContext){
                .sys = &m->sys,
                .mount = m->config->mount_point,
                .state_dir = owned_state_dir(),
                .interpreter_dirs = m->config->interpreter_path,
                .flags = m->config->flags,
                .force = force || m->config->take_over,
                .skip_native = true,
                .quiet_unchanged = true,
                .may_mount = !m->ready, /* only at start-up: later the privilege is gone */
                .extra = m->extra,
                .n_extra = m->n_extra,
                .override = override_of,
                .userdata = m,
        };
}

/*
 * The targets to keep registered: the configuration's, plus those installed through the
 * socket, minus those uninstalled through it. "all" means every target whose interpreter is
 * installed, found now (so a newly installed QEMU is picked up at the next reconcile).
 */
static int desired_targets(Manager *m, char ***ret)
{
        size_t n;
        const BinfmtArch *table = arch_table(&n);
        _cleanup_free_ bool *want = calloc(n, sizeof(bool));
        _cleanup_strv_free_ char **l = NULL;

        if (!want)
                return -ENOMEM;

        STRV_FOREACH (t, m->config->targets) {
                const BinfmtArch *a;

                if (streq(*t, "all")) {
                        for (size_t i = 0; i < n; i++) {
                                _cleanup_free_ char *p = NULL;
                                InterpCheck chk;

                                if (host_is_native(&m->sys.host, &table[i]))
                                        continue;
                                if (interp_find(&m->sys.host, m->config->interpreter_path,
                                                &table[i], &p, &chk) != -ENOENT)
                                        want[i] = true;
                        }
                } else if (platform_resolve(*t, &a) >= 0)
                        want[a - table] = true;
        }
        /* Targets the table does not have, by their own names. */
        for (size_t i = 0; i < m->n_extra; i++) {
                const char *name = m->extra[i].name;

                if (arch_by_name(name))
                        continue;
                if ((strv_contains(m->config->targets, name) ||
                     strv_contains(m->config->targets, "all")) &&
                    strv_extend(&l, name) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                if (m->runtime[i] == RUNTIME_ADDED)
                        want[i] = true;
                else if (m->runtime[i] == RUNTIME_REMOVED)
                        want[i] = false;
                /* A fleet-wide configuration names every platform; each host skips its own. */
                if (host_is_native(&m->sys.host, &table[i]))
                        want[i] = false;
                if (want[i] && strv_extend(&l, table[i].name) < 0)
                        return -ENOMEM;
        }
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static bool report_has_line(const Report *r, const char *text)
{
        for (size_t i = 0; i < r->n; i++)
                if (streq(r->lines[i].text, text))
                        return true;
        return false;
}

/* Counts binfmtd's entries, and starts a verification when any entry changed. */
static void publish(Manager *m);

static int verify_cb(sd_event_source *s, void *userdata)
{
        Manager *m = userdata;

        if (m->verifier)
                (void)verifier_request(m->verifier, "the registrations changed", NULL);
        return 0;
}

/*
 * What decides how a probe runs: the rule, whether it is on, and the interpreter file it names.
 * Not the entry's inode: an entry removed and registered again just as it was (a repair, a
 * restart of systemd-binfmt) runs the same.
 */
static void print_entry_fingerprint(FILE *f, const BinfmtEntry *e)
{
        _cleanup_free_ char *rs = NULL;
        struct stat st = {};

        (void)rule_to_register_string(&e->rule, &rs);
        if (e->rule.interpreter)
                (void)stat(e->rule.interpreter, &st);
        fprintf(f, "%s:%d:%llu:%llu:%lld.%09ld;", strempty(rs), e->enabled,
                (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* What @a's probe runs through in status @s: the instance on or off, and every entry of @a. */
static char *target_fingerprint(const Status *s, const BinfmtArch *a)
{
        char *fp = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&fp, &len);

        if (!f)
                return NULL;
        fprintf(f, "%d:%d;", s->mount_r, s->enabled);
        for (size_t i = 0; i < s->n_entries; i++)
                if (s->entries[i].arch == a)
                        print_entry_fingerprint(f, s->entries[i].entry);
        if (fclose(f) != 0) {
                free(fp);
                return NULL;
        }
        return fp;
}

/* Every probed platform's fingerprint in @s, in verify_default_targets() order; NULL: none. */
static char **targets_fingerprints(const Status *s)
{
        _cleanup_free_ const BinfmtArch **targets = NULL;
        size_t n = 0;
        char **l;

        targets = verify_default_targets(&n);
        if (!targets)
                return NULL;
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(l[i] = target_fingerprint(s, targets[i]))) {
                        strv_free(l);
                        return NULL;
                }
        return l;
}

/*
 * The last verification as far as it still holds: a platform whose entries changed since its
 * probe ran (installed while the probes ran, say) is left out, as not verified yet, rather than
 * judged by a probe that ran without them; the verification the change asked for judges it.
 */
static const Verification *current_verification(Manager *m, const Status *s)
{
        const Verification *v = verifier_last(m->verifier);
        _cleanup_free_ const BinfmtArch **targets = NULL;
        VerifyTarget *kept;
        size_t n = 0;

        if (!v || !m->verified_fps)
                return v;
        kept = reallocarray(m->current_targets, v->n_targets ?: 1, sizeof(VerifyTarget));
        if (!kept)
                return v;
        m->current_targets = kept;
        targets = verify_default_targets(&n);
        if (!targets)
                return v;
        m->current = *v;
        m->current.targets = kept;
        m->current.n_targets = 0;
        for (size_t i = 0; i < v->n_targets; i++) {
                const VerifyTarget *t = &v->targets[i];
                _cleanup_free_ char *now = NULL;
                bool same = false;

                for (size_t k = 0; k < n && m->verified_fps[k]; k++)
                        if (targets[k] == t->arch) {
                                now = target_fingerprint(s, t->arch);
                                same = now && streq(now, m->verified_fps[k]);
                                break;
                        }
                if (same)
                        kept[m->current.n_targets++] = *t;
        }
        return &m->current;
}

/* A run started, whoever asked for it: the status says "verifying". */
static void on_verify_started(Verifier *v, void *userdata)
{
        Manager *m = userdata;

        /* What the probes about to run will run through. */
        strv_free(m->verifying_fps);
        m->verifying_fps = m->have_status ? targets_fingerprints(&m->status) : NULL;
        publish(m);
}

/*
 * A verification after a change of the entries, once everything else of this turn of the loop
 * is done: the Watch replies go out first, before a dozen probes are forked (each fork holds
 * the process's memory map for a moment, and the probes want the CPUs).
 */
static void request_verification(Manager *m)
{
        int r = 0;

        if (!m->verifier)
                return;
        if (!m->verify_pending) {
                r = sd_event_add_defer(m->event, &m->verify_pending, verify_cb, m);
                if (r >= 0)
                        r = sd_event_source_set_priority(m->verify_pending, SD_EVENT_PRIORITY_IDLE);
        }
        if (r >= 0)
                r = sd_event_source_set_enabled(m->verify_pending, SD_EVENT_ONESHOT);
        if (r < 0)
                (void)verifier_request(m->verifier, "the registrations changed", NULL);
}

/* The status changed (or may have): the listener (the socket) is told. */
static void publish(Manager *m)
{
        if (m->listener.status_changed)
                m->listener.status_changed(m->listener.userdata);
}

/*
 * Reads the instance once after a change into m->status, the one snapshot everything else
 * derives from, and counts from it what is registered and provided. A changed set of entries
 * starts a verification.
 */
static void refresh_status(Manager *m)
{
        _cleanup_(status_done) Status fresh = {};
        _cleanup_free_ char *fp = NULL;
        size_t len = 0;
        FILE *f;

        _cleanup_strv_free_ char **wanted = NULL;

        m->registered = 0;
        m->provided = 0;
        if (status_collect(&m->sys, m->config->mount_point, owned_state_dir(), m->interp_cache,
                           &fresh) < 0)
                return;
        status_done(&m->status);
        m->status = fresh;
        fresh = (Status){};
        m->have_status = true;
        m->status_stale = false;
        Status s = m->status;
        (void)desired_targets(m, &wanted);
        f = open_memstream(&fp, &len);
        if (!f)
                return;
        /* The instance switched off or on changes what runs, as an entry does. */
        fprintf(f, "%d:%d;", s.mount_r, s.enabled);
        for (size_t i = 0; i < s.n_entries; i++) {
                const BinfmtEntry *e = s.entries[i].entry;

                if (s.entries[i].ours && e->enabled)
                        m->registered++;
                /* Another tool's entry that does the job of a wanted target: served, no problem. */
                else if (!s.entries[i].ours && s.entries[i].provides && s.entries[i].arch &&
                         strv_contains(wanted, s.entries[i].arch->name))
                        m->provided++;
                print_entry_fingerprint(f, e);
        }
        if (fclose(f) != 0 || !fp)
                return;
        if (m->fingerprint && streq(m->fingerprint, fp))
                return;
        free(m->fingerprint);
        m->fingerprint = TAKE_PTR(fp);
        request_verification(m);
}

/*
 * NodeFeatureFile=: the platforms verified on this node as a Node Feature Discovery feature
 * file, rewritten when they change. Written beside it under a hidden name (NFD skips hidden
 * files) and renamed over it, so NFD reads the old file or the new one, never half of one.
 */
static void update_node_labels(Manager *m, const PlatformVerdict *l, size_t n)
{
        const char *path = m->config->node_feature_file;
        _cleanup_free_ char *text = NULL, *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        char *slash;
        ssize_t k;
        size_t len;
        int r = 0;

        if (!path)
                return;
        if (node_labels_format(l, n, &text) < 0)
                return;
        if (streq_ptr(m->node_labels, text) && streq_ptr(m->node_labels_path, path))
                return;

        dir = strdup(path);
        if (!dir)
                return;
        slash = strrchr(dir, '/');
        *slash = '\0';
        if (asprintf(&tmp, "%s/.%s.binfmtd-new", dir, slash + 1) < 0)
                return;
        len = strlen(text);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
        if (fd < 0)
                r = -errno;
        else if ((k = write(fd, text, len)) < 0)
                r = -errno;
        else if ((size_t)k != len)
                r = -EIO;
        else if (fchmod(fd, 0644) < 0 || close(TAKE_FD(fd)) < 0)
                r = -errno;
        else if (rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlink(tmp);
                log_warning("NodeFeatureFile=%s: cannot write it: %s, ignoring.", path,
                            strerror(-r));
                return;
        }
        free(m->node_labels);
        m->node_labels = TAKE_PTR(text);
        free(m->node_labels_path);
        m->node_labels_path = strdup(path);
        log_info("NodeFeatureFile=%s: node labels updated.", path);
}

/* A platform the verification probed, whose entries changed since: the next one judges it. */
static bool stale(const Verifier *v, const PlatformVerdict *p)
{
        return !p->probed && verification_find(verifier_last(v), p->arch);
}

/* Logs the verdicts of registered platforms when they change: what works, what does not. */
static void on_verified(Verifier *v, uint64_t seq, int error, void *userdata)
{
        Manager *m = userdata;
        _cleanup_free_ PlatformVerdict *l = NULL;
        _cleanup_free_ char *text = NULL;
        size_t n = 0, len = 0;
        Status s = m->status;
        FILE *f;

        if (error >= 0) {
                strv_free(m->verified_fps);
                m->verified_fps = TAKE_PTR(m->verifying_fps);
        }
        if (!m->have_status || error < 0)
                goto notify;
        s.verification = current_verification(m, &m->status);
        if (readiness_judge(&s, &l, &n) < 0)
                goto notify;
        update_node_labels(m, l, n);
        f = open_memstream(&text, &len);
        if (!f)
                goto notify;
        for (size_t i = 0; i < n; i++)
                if (l[i].registered && !l[i].verified && !stale(v, &l[i]))
                        fprintf(f, "%s: %s; %s.\n", l[i].platform, l[i].problem, l[i].fix);
        if (fclose(f) != 0 || !text)
                goto notify;
        if (!m->verdicts || !streq(m->verdicts, text)) {
                unsigned ok = 0;

                for (size_t i = 0; i < n; i++)
                        ok += l[i].verified;
                log_info("Verified: %u of %zu platform(s) run in containers.", ok, n);
                for (size_t i = 0; i < n; i++)
                        if (l[i].registered && !l[i].verified && !stale(v, &l[i]))
                                log_warning("Not ready: %s: %s; %s.", l[i].platform, l[i].problem,
                                            l[i].fix);
                free(m->verdicts);
                m->verdicts = TAKE_PTR(text);
        }
notify:
        publish(m);
        if (m->listener.verification_done)
                m->listener.verification_done(m->listener.userdata, seq);
}

int manager_start_verifying(Manager *m)
{
        int r;

        r = verifier_new(m->event, &m->sys, on_verified, on_verify_started, m, &m->verifier);
        if (r < 0)
                return r;
        r = verifier_configure(m->verifier, m->config->interpreter_path, m->config->verify_usec);
        if (r < 0)
                return r;
        return verifier_request(m->verifier, "start-up", NULL);
}

static int reconcile_timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)manager_reconcile(userdata, "timer");
        return 0;
}

static int arm_timer(Manager *m)
{
        int r;

        if (m->reconcile_timer) {
                r = sd_event_source_set_time_relative(m->reconcile_timer,
                                                      m->config->reconcile_usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->reconcile_timer, SD_EVENT_ONESHOT);
                return r;
        }
        return sd_event_add_time_relative(m->event, &m->reconcile_timer, CLOCK_MONOTONIC,
                                          m->config->reconcile_usec, 0, reconcile_timer_cb, m);
}

int manager_reconcile(Manager *m, const char *why)
{
        _cleanup_(report_done) Report r = {}, problems = {};
        _cleanup_strv_free_ char **targets = NULL;
        OpsContext oc = ops_context(m, false);
        int q;

        q = desired_targets(m, &targets);
        if (q < 0)
                return log_error_errno(q, "Failed to compute the desired targets: %s",
                                       strerror(-q));

        log_debug("Reconciling (%s): %zu target(s).", why, strv_length(targets));
        if (targets[0])
                q = ops_install(&oc, targets, false, &r);
        if (q < 0)
                return log_error_errno(q, "Reconcile failed: %s", strerror(-q));

        /* Repairs are news every time; a lasting problem is logged when it first appears. */
        for (size_t i = 0; i < r.n; i++) {
                if (!r.lines[i].error) {
                        log_info("%s", r.lines[i].text);
                        continue;
                }
                if (!report_has_line(&m->last_problems, r.lines[i].text))
                        log_warning("%s", r.lines[i].text);
                report_error(&problems, r.lines[i].id, "%s", r.lines[i].text);
        }
        report_done(&m->last_problems);
        m->last_problems = problems;
        problems = (Report){};

        m->last_reconcile_realtime = now_usec(CLOCK_REALTIME);
        refresh_status(m);

        if (m->ready) {
                char line[128];

                (void)sd_notifyf(false, "STATUS=%s", manager_status_line(m, line, sizeof(line)));
        }
        publish(m);
        return arm_timer(m);
}

/*
 * binfmt_misc tells inotify about every change, whoever makes it: a registration (IN_CLOSE_WRITE
 * on "register"), an entry switched off or on (IN_MODIFY on it), removed (IN_DELETE), the
 * instance switched off, on or flushed (IN_MODIFY on "status"). Each leads to a reconcile once
 * binfmt_misc has been quiet for CHANGE_QUIET_USEC, and at most CHANGE_MAX_USEC after the first
 * change. Changes come in bursts, and one reconcile serves them all; and another tool that
 * replaces an entry (systemd-binfmt flushes, then registers) must get to finish before binfmtd
 * puts its own back, or its registration would fail with "File exists". binfmtd's own writes
 * come back here too; their reconcile finds nothing to do and says nothing, which is how they
 * are told apart from others'. The timer stays, as the safety net.
 */
#define CHANGE_QUIET_USEC (2 * USEC_PER_MSEC)
#define CHANGE_MAX_USEC   (20 * USEC_PER_MSEC)

static int change_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;

        m->change_first_usec = 0;
        (void)manager_reconcile(m, "a change in binfmt_misc");
        return 0;
}

static int on_instance_event(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
        Manager *m = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC), at;
        int r;

        if (ev->mask & IN_Q_OVERFLOW)
                log_debug("inotify queue overflow on %s: reconciling.", m->config->mount_point);
        /* What the socket has made of the status is out of date as of now. */
        m->status_stale = true;
        if (m->listener.status_stale)
                m->listener.status_stale(m->listener.userdata);
        if (m->change_first_usec == 0)
                m->change_first_usec = now;
        at = now + CHANGE_QUIET_USEC;
        if (at > m->change_first_usec + CHANGE_MAX_USEC)
                at = m->change_first_usec + CHANGE_MAX_USEC;
        if (m->change_pending)
                r = sd_event_source_set_time(m->change_pending, at);
        else
                /* Accuracy 1 us: sd-event's default (0) lets a timer slip by up to 250 ms, to
                 * wake up with others. A repair is worth waking up for. */
                r = sd_event_add_time(m->event, &m->change_pending, CLOCK_MONOTONIC, at, 1,
                                      change_cb, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->change_pending, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning("Cannot schedule a reconcile after a change: %s, the timer will "
                            "do it.",
                            strerror(-r));
        return 0;
}

/* One more inotify watch on directory @path, kept in the list @watches of @n. Returns 0 or
 * -errno. */
static int add_watch(Manager *m, sd_event_source ***watches, size_t *n, const char *path,
                     uint32_t mask, sd_event_inotify_handler_t handler)
{
        sd_event_source **a = reallocarray(*watches, *n + 1, sizeof(*a));
        int r;

        if (!a)
                return -ENOMEM;
        *watches = a;
        r = sd_event_add_inotify(m->event, &a[*n], path, mask | IN_ONLYDIR, handler, m);
        if (r < 0)
                return r;
        (*n)++;
        return 0;
}

/*
 * The interpreters' directories (InterpreterPath= and those of Interpreter= settings): a package
 * upgrade renames a new QEMU over the old one (IN_MOVED_TO), and the entries registered with F
 * keep running the old, deleted file until they are registered again. The reconcile that
 * follows compares each entry's pinned file with the one on disk (ops.c).
 */
static void watch_interpreters(Manager *m)
{
        _cleanup_strv_free_ char **dirs = strv_copy(m->config->interpreter_path);

        for (size_t i = 0; i < m->n_interp_watches; i++)
                sd_event_source_disable_unref(m->interp_watches[i]);
        m->n_interp_watches = 0;
        if (!dirs)
                return;
        for (size_t i = 0; i < m->config->n_sections; i++) {
                const char *p = m->config->sections[i].interpreter;
                _cleanup_free_ char *d = p ? strdup(p) : NULL;
                char *slash = d ? strrchr(d, '/') : NULL;

                if (slash && slash != d) {
                        *slash = '\0';
                        if (!strv_contains(dirs, d) && strv_extend(&dirs, d) < 0)
                                return;
                }
        }
        STRV_FOREACH (d, dirs)
                if (add_watch(m, &m->interp_watches, &m->n_interp_watches, *d,
                              IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_ATTRIB,
                              on_instance_event) < 0)
                        log_debug("Cannot watch %s for replaced interpreters, ignoring.", *d);
}

/*
 * The configuration: a change to binfmtd.conf or a drop-in (written, renamed into place,
 * removed) reloads it once the files have been quiet for CONFIG_QUIET_USEC, as SIGHUP would:
 * an editor writes a temporary file and renames it, a package unpacks several. A configuration
 * with errors is logged and rejected, and the running one stays. The directories are those
 * that exist at start-up (/usr/lib/binfmtd, /run/binfmtd, /etc/binfmtd and their
 * binfmtd.conf.d), or that of the --config file; only the configuration's own names count:
 * /run/binfmtd also holds the socket and the records.
 */
#define CONFIG_QUIET_USEC (100 * USEC_PER_MSEC)

static int config_timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        _cleanup_(report_done) Report r = {};

        log_info("The configuration files changed: reloading.");
        (void)manager_reload(m, &r);
        return 0;
}

static int on_config_event(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
        Manager *m = userdata;
        const char *name = ev->len > 0 ? ev->name : "";
        size_t n = strlen(name);
        int r;

        if (m->config_file) {
                const char *base = strrchr(m->config_file, '/');

                if (!streq(name, base ? base + 1 : m->config_file))
                        return 0;
        } else if (!streq(name, "binfmtd.conf") &&
                   !(n > 5 && streq(name + n - 5, ".conf") && name[0] != '.'))
                return 0;
        if (m->config_timer)
                r = sd_event_source_set_time_relative(m->config_timer, CONFIG_QUIET_USEC);
        else
                r = sd_event_add_time_relative(m->event, &m->config_timer, CLOCK_MONOTONIC,
                                               CONFIG_QUIET_USEC, 1000, config_timer_cb, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->config_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning("Cannot schedule a reload after a configuration change: %s "
                            "(systemctl reload binfmtd does it)",
                            strerror(-r));
        return 0;
}

static void watch_config(Manager *m)
{
        static const char *const dirs[] = {
                "/usr/lib/binfmtd",
                "/run/binfmtd",
                "/etc/binfmtd",
                "/usr/lib/binfmtd/binfmtd.conf.d",
                "/run/binfmtd/binfmtd.conf.d",
                "/etc/binfmtd/binfmtd.conf.d",
        };
        _cleanup_strv_free_ char **paths = NULL;

        for (size_t i = 0; i < m->n_config_watches; i++)
                sd_event_source_disable_unref(m->config_watches[i]);
        m->n_config_watches = 0;

        if (m->config_file) {
                _cleanup_free_ char *d = strdup(m->config_file);
                char *slash = d ? strrchr(d, '/') : NULL;

                if (!d)
                        return;
                if (slash)
                        *(slash == d ? slash + 1 : slash) = '\0';
                if (strv_extend(&paths, slash ? d : ".") < 0)
                        return;
        } else
                for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                        _cleanup_free_ char *p = NULL;

                        if (asprintf(&p, "%s%s", m->conf_root, dirs[i]) < 0 ||
                            strv_extend(&paths, p) < 0)
                                return;
                }

        STRV_FOREACH (p, paths)
                (void)add_watch(m, &m->config_watches, &m->n_config_watches, *p,
                                IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                        IN_DELETE,
                                on_config_event);
}

/* Watches the instance at MountPoint= (again after a reload, which may move it). */
static void watch_instance(Manager *m)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        watch_interpreters(m);
        m->instance_watch = sd_event_source_disable_unref(m->instance_watch);
        /* Only a mounted instance reports its changes; the directory under it would not. */
        if (instance_open(m->config->mount_point, &fd) < 0) {
                log_debug("%s is not a binfmt_misc instance: changes are found by the timer.",
                          m->config->mount_point);
                return;
        }
        r = sd_event_add_inotify(m->event, &m->instance_watch, m->config->mount_point,
                                 IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE | IN_CREATE |
                                         IN_DELETE_SELF | IN_ONLYDIR,
                                 on_instance_event, m);
        if (r < 0)
                log_warning("Cannot watch %s for changes: %s; the timer finds them every %" PRIu64
                            " s.",
                            m->config->mount_point, strerror(-r),
                            m->config->reconcile_usec / USEC_PER_SEC);
}

int manager_startup(Manager *m)
{
        int r;

        if (m->sys.kernel_r < 0)
                return log_error_errno(-EINVAL, "Cannot understand the kernel release '%s'.",
                                       m->sys.uts.release);
        if (!m->sys.kernel.fix_binary)
                return log_error_errno(-EOPNOTSUPP,
                                       "Kernel %s is older than 4.8: it has no F (fix binary) "
                                       "flag, which binfmtd needs. Exiting.",
                                       m->sys.uts.release);
        if (m->sys.host_r < 0)
                return log_error_errno(-EOPNOTSUPP,
                                       "Unknown host architecture '%s': refusing to register "
                                       "anything. Exiting.",
                                       m->sys.uts.machine);
        if (!m->sys.initial_userns && m->sys.kernel.userns_instances)
                log_notice("Running in a user namespace: a binfmt_misc instance mounted here is "
                           "this namespace's own, registrations in it do not reach the host.");
        /* A container before 6.7: binfmt_misc can be mounted in the initial user namespace
         * only, so with none mounted here there is nothing binfmtd could ever serve. */
        if (!m->sys.initial_userns && !m->sys.kernel.userns_instances) {
                _cleanup_close_ int fd = -EBADF;

                if (instance_open(m->config->mount_point, &fd) == -EMEDIUMTYPE)
                        return log_error_errno(
                                -EPERM,
                                "binfmt_misc is not mounted at %s, and in a user namespace (a "
                                "container) it can be mounted only on Linux 6.7 or newer; this "
                                "kernel is %s. Run binfmtd on the host, where its registrations "
                                "serve every container, or use a newer kernel. Exiting.",
                                m->config->mount_point, m->sys.uts.release);
        }

        r = manager_reconcile(m, "start-up");
        if (r < 0)
                return r;
        watch_instance(m);
        watch_config(m);
        return 0;
}

/* ---- changes through the socket --------------------------------------------------------- */

static void mark(Manager *m, char *const *targets, RuntimeChange what)
{
        size_t n;
        const BinfmtArch *table = arch_table(&n);

        STRV_FOREACH (t, (char **)targets) {
                const BinfmtArch *a;

                if (streq(*t, "all")) {
                        for (size_t i = 0; i < n; i++) {
                                _cleanup_free_ char *p = NULL;
                                InterpCheck chk;

                                /* "all" means what install all registers: targets with an
                                 * interpreter that the kernel does not run natively, those
                                 * uninstalled before included (install all registered them
                                 * again: they are wanted again). */
                                if (what == RUNTIME_ADDED &&
                                    (host_is_native(&m->sys.host, &table[i]) ||
                                     interp_find(&m->sys.host, m->config->interpreter_path,
                                                 &table[i], &p, &chk) == -ENOENT))
                                        continue;
                                m->runtime[i] = what;
                        }
                } else if (platform_resolve(*t, &a) >= 0)
                        m->runtime[a - table] = what;
        }
}

static void log_report(const Report *r, const char *who)
{
        for (size_t i = 0; i < r->n; i++) {
                if (r->lines[i].error)
                        log_warning("%s: %s", who, r->lines[i].text);
                else
                        log_info("%s: %s", who, r->lines[i].text);
        }
}

int manager_install(Manager *m, char *const *targets, bool force, Report *r)
{
        OpsContext oc = ops_context(m, force);
        int q;

        oc.skip_native = false;
        oc.quiet_unchanged = false;
        q = ops_install(&oc, targets, false, r);
        if (q < 0)
                return q;
        log_report(r, "Install");
        /* Keep what went in registered from now on (until a reload resets to the config). */
        if (!r->failed)
                mark(m, targets, RUNTIME_ADDED);
        else
                for (size_t i = 0; targets[i]; i++) {
                        char *one[] = {targets[i], NULL};
                        _cleanup_(report_done) Report probe = {};
                        OpsContext dry = oc;

                        dry.quiet_unchanged = true;
                        dry.may_mount = false;
                        /* A target that is now registered as we want it is kept. */
                        if (ops_install(&dry, one, true, &probe) >= 0 && !probe.failed)
                                mark(m, one, RUNTIME_ADDED);
                }
        refresh_status(m);
        publish(m);
        return 0;
}

int manager_uninstall(Manager *m, char *const *targets, bool force, Report *r)
{
        OpsContext oc = ops_context(m, force);
        int q;

        q = ops_uninstall(&oc, targets, r);
        if (q < 0)
                return q;
        log_report(r, "Uninstall");
        /* Otherwise the next reconcile would put configured targets right back. A target
         * whose entry stays (another tool's, refused without force) is still wanted: when
         * that entry goes, binfmtd registers its own. */
        for (size_t i = 0; targets[i]; i++) {
                char *one[] = {targets[i], NULL};
                const BinfmtArch *a;
                char name[ARCH_ENTRY_NAME_MAX];
                _cleanup_close_ int fd = -EBADF;

                if (!streq(targets[i], "all") && platform_resolve(targets[i], &a) >= 0 &&
                    instance_open(m->config->mount_point, &fd) >= 0 &&
                    faccessat(fd, arch_entry_name(a, name, sizeof(name)), F_OK,
                              AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                mark(m, one, RUNTIME_REMOVED);
        }
        refresh_status(m);
        publish(m);
        return 0;
}

int manager_reload(Manager *m, Report *r)
{
        Config *c = NULL;
        BinfmtArch *extra = NULL;
        size_t n_extra = 0;
        bool gid_set;
        size_t n;
        gid_t gid;
        int q;

        (void)sd_notify(false, "RELOADING=1\nSTATUS=Reloading the configuration...");
        log_info("Reloading the configuration.");

        q = manager_load_config(m, &c, &gid, &gid_set, r);
        if (q < 0) {
                for (size_t i = 0; i < r->n; i++)
                        log_error("%s", r->lines[i].text);
                log_error("The new configuration has errors: keeping the running one "
                          "(generation %u).",
                          m->generation);
                (void)sd_notify(false, "READY=1");
                (void)manager_reconcile(m, "reload rejected");
                return -EINVAL;
        }

        if (m->socket_override == NULL && !streq(c->socket_path, m->config->socket_path))
                log_warning("Socket= changed: the new path takes effect at the next start.");

        q = manager_build_extra(c, &extra, &n_extra);
        if (q < 0) {
                config_free(c);
                (void)sd_notify(false, "READY=1");
                return q;
        }
        /* The snapshot borrows from the configuration it was made with. */
        status_done(&m->status);
        m->have_status = false;
        config_free(m->config);
        free(m->extra);
        m->config = c;
        m->extra = extra;
        m->n_extra = n_extra;
        m->admin_gid = gid;
        m->admin_gid_set = gid_set;
        m->generation++;
        (void)arch_table(&n);
        memset(m->runtime, 0, n * sizeof(RuntimeChange));
        report_done(&m->last_problems); /* log every problem of the new configuration once */
        if (m->verifier)
                (void)verifier_configure(m->verifier, c->interpreter_path, c->verify_usec);

        q = manager_reconcile(m, "reload");
        watch_instance(m);
        watch_config(m);
        (void)sd_notify(false, "READY=1");
        return q < 0 ? q : 0;
}

void manager_stop(Manager *m)
{
        _cleanup_(report_done) Report r = {};
        char *all[] = {(char *)"all", NULL};
        OpsContext oc;

        if (!m->config || !m->config->remove_on_stop)
                return;
        /* The labels say what this node verified; nothing is once binfmtd is gone. */
        if (m->node_labels_path && unlink(m->node_labels_path) < 0 && errno != ENOENT)
                log_warning("NodeFeatureFile=%s: cannot remove it: %m", m->node_labels_path);
        oc = ops_context(m, false);
        log_info("RemoveOnStop=yes: removing binfmtd's entries.");
        if (ops_uninstall(&oc, all, &r) >= 0)
                log_report(&r, "Stop");
}

/* ---- status and peers ------------------------------------------------------------------- */

/* The snapshot as JSON: the model, and the daemon's own section. */
static int status_json(Manager *m, struct json_object **ret)
{
        _cleanup_strv_free_ char **targets = NULL;
        struct json_object *j, *d, *t, *p;
        Status s = m->status;
        int q;

        if (!m->have_status)
                return -ENODATA;
        s.verification = current_verification(m, &m->status);
        q = status_to_json(&s, &j);
        if (q < 0)
                return q;
        q = desired_targets(m, &targets);
        if (q < 0)
                goto fail;

        d = json_object_new_object();
        t = json_object_new_array();
        if (!d || json_object_object_add(j, "daemon", d) < 0 || !t ||
            json_object_object_add(d, "targets", t) < 0)
                goto oom;
        STRV_FOREACH (x, targets)
                if (json_object_array_add(t, json_object_new_string(*x)) < 0)
                        goto oom;
        if (report_to_json(&m->last_problems, &p) < 0 ||
            json_object_object_add(d, "problems",
                                   json_object_get(json_object_object_get(p, "messages"))) < 0) {
                json_object_put(p);
                goto oom;
        }
        json_object_put(p);
        if (json_object_object_add(d, "generation", json_object_new_int64(m->generation)) < 0 ||
            json_object_object_add(d, "last_reconcile_usec",
                                   json_object_new_int64(m->last_reconcile_realtime)) < 0 ||
            json_object_object_add(d, "reconcile_interval_usec",
                                   json_object_new_int64(m->config->reconcile_usec)) < 0 ||
            json_object_object_add(d, "registered", json_object_new_int64(m->registered)) < 0 ||
            json_object_object_add(d, "provided", json_object_new_int64(m->provided)) < 0 ||
            json_object_object_add(d, "verifying",
                                   json_object_new_boolean(verifier_busy(m->verifier))) < 0 ||
            json_object_object_add(d, "verify_interval_usec",
                                   json_object_new_int64(m->config->verify_usec)) < 0)
                goto oom;

        *ret = j;
        return 0;
oom:
        q = -ENOMEM;
fail:
        json_object_put(j);
        return q;
}

struct json_object *manager_status(Manager *m, int *ret_error)
{
        struct json_object *j;
        int r;

        /* A change seen, its reconcile (the repair) still waiting for quiet: the caller sees
         * the instance as it is now. Reading only: another tool may be half-way through. */
        if (m->status_stale)
                refresh_status(m);
        r = status_json(m, &j);
        if (r < 0) {
                *ret_error = r;
                return NULL;
        }
        return j;
}

int manager_verify(Manager *m, uint64_t *ret_seq)
{
        if (!m->verifier)
                return -EAGAIN;
        return verifier_request(m->verifier, "requested by a client", ret_seq);
}

bool manager_peer_is_admin(Manager *m, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups)
{
        if (uid == 0)
                return true;
        if (!m->admin_gid_set)
                return false;
        if (gid == m->admin_gid)
                return true;
        /* The peer's supplementary groups as the kernel had them when it connected
         * (SO_PEERGROUPS): no user database look-up, which could block the event loop. */
        for (size_t i = 0; i < n_groups; i++)
                if (groups[i] == m->admin_gid)
                        return true;
        return false;
}

const char *manager_status_line(const Manager *m, char *buf, size_t size)
{
        char provided[64] = "";

        if (m->provided > 0)
                snprintf(provided, sizeof(provided), ", %u provided by other tools", m->provided);
        snprintf(buf, size, "%u target%s registered%s, %zu problem%s", m->registered,
                 m->registered == 1 ? "" : "s", provided, m->last_problems.n,
                 m->last_problems.n == 1 ? "" : "s");
        return buf;
}
