/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl status, list and which, and the views of the status: text, JSON and OpenMetrics, all
 * rendered from the status JSON whoever produced it (binfmtd or direct mode), and the --require
 * verdicts read from it.
 */

#include <fcntl.h>
#include <sys/stat.h>

#include "base/strv.h"
#include "base/text.h"
#include "binfmt/instance.h"
#include "ops/readiness.h"

#include "binfmtctl.h"

/* ---- status, list, which ---------------------------------------------------------------- */

/* ---- status: rendered from the status JSON, whoever produced it ------------------------ */

const char *jstr(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int jbool(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
                return -1;
        return json_object_get_boolean(v);
}

int64_t jint(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -1;
        return json_object_get_int64(v);
}

/* Entry names and paths come from the kernel, written by anyone: no terminal escapes. */
const char *printable(const char *s, char *buf, size_t size)
{
        size_t i;

        if (!s)
                return "-";
        for (i = 0; s[i] && i + 1 < size; i++)
                buf[i] = text_is_control((unsigned char)s[i]) ? '?' : s[i];
        buf[i] = '\0';
        return buf;
}

static void print_platforms_text(struct json_object *j);
static void print_entries_text(struct json_object *mount, struct json_object *entries);

/* Whether an enabled entry in @entries serves @target. */
static bool target_registered(struct json_object *entries, const char *target)
{
        for (size_t i = 0;
             json_object_is_type(entries, json_type_array) && i < json_object_array_length(entries);
             i++) {
                struct json_object *e = json_object_array_get_idx(entries, i);

                if (streq_ptr(jstr(e, "target"), target) && jbool(e, "enabled") > 0)
                        return true;
        }
        return false;
}

/* The other targets of the host's family, and whether the kernel or QEMU runs each. */
static void print_native_family_text(struct json_object *native, struct json_object *entries)
{
        struct json_object *fam = json_object_object_get(native, "family_targets");

        for (size_t i = 0;
             json_object_is_type(fam, json_type_array) && i < json_object_array_length(fam); i++) {
                struct json_object *t = json_object_array_get_idx(fam, i);
                const char *state = jstr(t, "state"), *target = jstr(t, "target");

                if (streq_ptr(state, "own"))
                        continue;
                printf("              %s: %s: %s.\n", strna(target), strna(jstr(t, "reason")),
                       !streq_ptr(state, "emulated")        ? "never registered"
                       : target_registered(entries, target) ? "QEMU registered"
                                                            : "QEMU not registered");
        }
}

static void print_status_text(struct json_object *j)
{
        struct json_object *kernel = json_object_object_get(j, "kernel"),
                           *native = json_object_object_get(j, "native"),
                           *mount = json_object_object_get(j, "mount"),
                           *entries = json_object_object_get(j, "entries");
        char buf[256];

        if (jbool(kernel, "fix_binary") >= 0) {
                KernelInfo k = {
                        .fix_binary = jbool(kernel, "fix_binary") > 0,
                        .buf_size = (unsigned)jint(kernel, "buffer_size"),
                        .argv0_auxv = jbool(kernel, "argv0_auxv") > 0,
                        .userns_instances = jbool(kernel, "userns_instances") > 0,
                };
                printf("Kernel:       %s: %s\n", strna(jstr(kernel, "release")),
                       kernel_format_features(&k, buf, sizeof(buf)));
        } else
                printf("Kernel:       %s (release not understood)\n",
                       strna(jstr(kernel, "release")));
        if (jstr(native, "target"))
                printf("Native:       %s (%s, family %s)\n",
                       jstr(native, "platform") ?: jstr(native, "target"),
                       strna(jstr(native, "machine")), strna(jstr(native, "family")));
        else
                printf("Native:       %s (not in the table)\n", strna(jstr(native, "machine")));
        print_native_family_text(native, entries);

        if (jbool(mount, "mounted") <= 0)
                printf("binfmt_misc:  %s: not mounted%s%s\n", strna(jstr(mount, "path")),
                       jstr(mount, "error") ? ", " : "", strempty(jstr(mount, "error")));
        else
                printf("binfmt_misc:  %s: mounted, %s, %s\n", strna(jstr(mount, "path")),
                       jbool(mount, "enabled") > 0 ? "enabled" : "disabled",
                       jbool(mount, "read_only") > 0 ? "read-only" : "read-write");
        if (json_object_object_get(j, "instance"))
                printf("Namespace:    the user namespace of uid %" PRIi64 "'s rootless podman "
                       "containers (pause process %" PRIi64 "): their own instance; the "
                       "machine's registrations are not touched\n",
                       jint(json_object_object_get(j, "instance"), "uid"),
                       jint(json_object_object_get(j, "instance"), "pause_pid"));
        else if (streq_ptr(jstr(mount, "user_namespace"), "initial"))
                printf("Namespace:    initial user namespace (the host's instance)\n");
        else
                printf("Namespace:    a user namespace%s\n",
                       jbool(kernel, "userns_instances") > 0
                               ? ": an instance mounted in it is its own; registrations there do "
                                 "not reach the host"
                               : "");
        if (jbool(mount, "mounted") > 0)
                print_entries_text(mount, entries);
        print_platforms_text(j);
}

/* Platforms that are registered or verified, and what is wrong with the registered others. */
static void print_platforms_text(struct json_object *j)
{
        struct json_object *pl = json_object_object_get(j, "platforms"),
                           *sup = json_object_object_get(j, "supported");
        size_t n = json_object_is_type(pl, json_type_array) ? json_object_array_length(pl) : 0;
        bool header = false;

        if (!json_object_is_type(json_object_object_get(j, "verification"), json_type_object)) {
                printf("\nVerified:     not yet%s\n",
                       json_object_object_get(j, "daemon")
                               ? " (binfmtd is verifying)"
                               : " (the probes did not run: they need root and an "
                                 "exec-capable probe directory)");
                return;
        }
        printf("\nSupported:    ");
        for (size_t i = 0;
             json_object_is_type(sup, json_type_array) && i < json_object_array_length(sup); i++)
                printf("%s%s", i ? ", " : "",
                       json_object_get_string(json_object_array_get_idx(sup, i)));
        printf("\n");

        for (size_t i = 0; i < n; i++) {
                struct json_object *p = json_object_array_get_idx(pl, i);
                bool verified = jbool(p, "verified") > 0;

                if (!verified && jbool(p, "registered") <= 0)
                        continue;
                if (!header) {
                        printf("\n%-18s %-12s %-11s %s\n", "PLATFORM", "TARGET", "REGISTERED",
                               "VERIFIED IN A CONTAINER");
                        header = true;
                }
                printf("%-18s %-12s %-11s %s%s%s\n", strna(jstr(p, "platform")),
                       strna(jstr(p, "target")),
                       jbool(p, "native") > 0       ? "native"
                       : jbool(p, "registered") > 0 ? "yes"
                                                    : "no",
                       verified ? "yes" : "no: ", verified ? "" : strna(jstr(p, "problem")),
                       verified ? "" : ".");
                if (!verified)
                        printf("%-18s %-12s %-11s fix: %s.\n", "", "", "", strna(jstr(p, "fix")));
        }
}

static void print_entries_text(struct json_object *mount, struct json_object *entries)
{
        size_t n;

        n = json_object_is_type(entries, json_type_array) ? json_object_array_length(entries) : 0;
        printf("Entries:      %zu%s\n", n,
               jint(mount, "unreadable_entries") > 0 ? " (some could not be read)" : "");
        if (n == 0)
                return;

        printf("\n%-20s %-9s %-8s %-14s %-6s %-36s %s\n", "NAME", "STATE", "OWNER", "PLATFORM",
               "FLAGS", "INTERPRETER", "CHECK");
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(entries, i),
                                   *pl = json_object_object_get(e, "platforms");
                const char *plat = NULL, *check = jstr(e, "interpreter_check"), *flags;
                char name[256], interp[512];

                if (json_object_is_type(pl, json_type_array) && json_object_array_length(pl) > 0)
                        plat = json_object_get_string(json_object_array_get_idx(pl, 0));
                flags = jstr(e, "flags");
                printf("%-20s %-9s %-8s %-14s %-6s %-36s %s\n",
                       printable(jstr(e, "name"), name, sizeof(name)),
                       jbool(e, "enabled") > 0 ? "enabled" : "disabled",
                       streq_ptr(jstr(e, "owner"), "binfmtd") ? "binfmtd" : "other",
                       plat ?: jstr(e, "target") ?: "-", flags && flags[0] ? flags : "-",
                       printable(jstr(e, "interpreter"), interp, sizeof(interp)),
                       streq_ptr(check, "ok") ? "static, safe" : strna(check));
        }

        /* Entries that pin an interpreter replaced since, and how each is registered again. */
        bool blank = false;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(entries, i);
                const char *source = jstr(e, "source"), *target = jstr(e, "target");
                char name[256], fix[1024];

                if (!streq_ptr(jstr(e, "pin"), "stale"))
                        continue;
                printable(jstr(e, "name"), name, sizeof(name));
                if (streq_ptr(jstr(e, "owner"), "binfmtd"))
                        snprintf(fix, sizeof(fix),
                                 "binfmtctl install %s registers it again (a running binfmtd "
                                 "does so by itself)",
                                 strna(target));
                else if (source && strstr(source, "/binfmt.d/"))
                        snprintf(fix, sizeof(fix),
                                 "systemctl restart systemd-binfmt registers it again");
                else if (source && strstr(source, "/binfmts/"))
                        snprintf(fix, sizeof(fix),
                                 "update-binfmts --disable %s && update-binfmts --enable %s", name,
                                 name);
                else
                        snprintf(fix, sizeof(fix),
                                 "register it again with the tool that made it, or take it over "
                                 "with binfmtctl install --force %s",
                                 target ?: "TARGET");
                if (!blank)
                        printf("\n");
                blank = true;
                printf("%s: stale pin: its interpreter was replaced on disk after the entry was "
                       "registered, and with F programs still run the old file. Fix: %s.\n",
                       name, fix);
        }

        /* Other tools' entries of known targets: which of them serve their target, and whence. */
        blank = false;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(entries, i);
                const char *source = jstr(e, "source");
                char name[256];

                if (jbool(e, "provides") < 0)
                        continue;
                if (!blank)
                        printf("\n");
                blank = true;
                printf("%s: another tool's entry%s%s%s: %s%s%s.\n",
                       printable(jstr(e, "name"), name, sizeof(name)), source ? " (from " : "",
                       strempty(source), source ? ")" : "",
                       jbool(e, "provides") > 0 ? "provides its target, verified like binfmtd's own"
                                                : "does not do the job (",
                       jbool(e, "provides") > 0 ? "" : strna(jstr(e, "provider_check")),
                       jbool(e, "provides") > 0 ? "" : ")");
        }
}

struct json_object *find_platform(struct json_object *j, const char *platform)
{
        struct json_object *pl = json_object_object_get(j, "platforms");
        size_t n = json_object_is_type(pl, json_type_array) ? json_object_array_length(pl) : 0;

        for (size_t i = 0; i < n; i++) {
                struct json_object *p = json_object_array_get_idx(pl, i);

                if (streq_ptr(jstr(p, "platform"), platform))
                        return p;
        }
        return NULL;
}

/*
 * --require: whether every platform named is verified in the container pass. With @print,
 * each verdict is printed: ready ones on stdout, the others on stderr with what is wrong and
 * what to do. Returns the number not ready.
 */
size_t check_required(Context *c, struct json_object *j, bool from_daemon, bool print)
{
        bool verified_at_all =
                json_object_is_type(json_object_object_get(j, "verification"), json_type_object);
        size_t not_ready = 0;

        STRV_FOREACH (p, c->args->require) {
                struct json_object *v = find_platform(j, *p);
                char problem[512], fix[512];

                if (v && jbool(v, "verified") > 0) {
                        if (print)
                                printf("%s: ready\n", *p);
                        continue;
                }
                not_ready++;
                if (!print)
                        continue;
                if (v) {
                        printable(jstr(v, "problem"), problem, sizeof(problem));
                        printable(jstr(v, "fix"), fix, sizeof(fix));
                } else if (verified_at_all) {
                        snprintf(problem, sizeof(problem),
                                 "cannot be verified: binfmtd has no probe for it");
                        snprintf(fix, sizeof(fix),
                                 "none here; binfmtctl status shows whether it is registered");
                } else if (from_daemon) {
                        snprintf(problem, sizeof(problem),
                                 "not verified yet: binfmtd has not finished its first "
                                 "verification");
                        snprintf(fix, sizeof(fix), "binfmtctl wait --require %s", *p);
                } else {
                        snprintf(problem, sizeof(problem),
                                 "cannot verify: the probes did not run (they need root and an "
                                 "exec-capable probe directory)");
                        snprintf(fix, sizeof(fix),
                                 "run as root with a writable BINFMTD_PROBE_DIR, or start binfmtd");
                }
                fprintf(stderr, "%s: %s: not ready: %s. Fix: %s.\n", program, *p, problem, fix);
        }
        return not_ready;
}

static double usec_to_sec(int64_t usec)
{
        return usec < 0 ? 0.0 : (double)usec / 1e6;
}

/* OpenMetrics text (also read by Prometheus' text parser and node_exporter's textfile
 * collector): one gauge per platform and the time of the verification. */
static void print_openmetrics(struct json_object *j)
{
        struct json_object *pl = json_object_object_get(j, "platforms"),
                           *ver = json_object_object_get(j, "verification");
        size_t n = json_object_is_type(pl, json_type_array) ? json_object_array_length(pl) : 0;
        static const struct {
                const char *name, *help, *unit;
        } gauges[] = {
                {"binfmtd_platform_registered",
                 "1 when the native CPU or an enabled binfmt_misc entry runs the platform's "
                 "programs",
                 NULL},
                {"binfmtd_platform_verified",
                 "1 when the platform's probe ran in an empty chroot, as in a container", NULL},
                {"binfmtd_probe_duration_seconds",
                 "How long the platform's probe took in an empty chroot", "seconds"},
        };

        for (size_t g = 0; g < ELEMENTSOF(gauges); g++) {
                printf("# TYPE %s gauge\n", gauges[g].name);
                if (gauges[g].unit)
                        printf("# UNIT %s %s\n", gauges[g].name, gauges[g].unit);
                printf("# HELP %s %s.\n", gauges[g].name, gauges[g].help);
                for (size_t i = 0; i < n; i++) {
                        struct json_object *p = json_object_array_get_idx(pl, i);
                        const char *plat = jstr(p, "platform"), *target = jstr(p, "target");

                        /* Both come from the table: no quotes or backslashes to escape. */
                        printf("%s{platform=\"%s\",target=\"%s\"} ", gauges[g].name, strna(plat),
                               strna(target));
                        if (g == 0)
                                printf("%d\n", jbool(p, "registered") > 0);
                        else if (g == 1)
                                printf("%d\n", jbool(p, "verified") > 0);
                        else
                                printf("%.6f\n", usec_to_sec(jint(p, "duration_usec")));
                }
        }
        if (json_object_is_type(ver, json_type_object)) {
                printf("# TYPE binfmtd_verification_timestamp_seconds gauge\n"
                       "# UNIT binfmtd_verification_timestamp_seconds seconds\n"
                       "# HELP binfmtd_verification_timestamp_seconds When the probes last ran.\n"
                       "binfmtd_verification_timestamp_seconds %.3f\n",
                       usec_to_sec(jint(ver, "time_usec")));
                printf("# TYPE binfmtd_verification_duration_seconds gauge\n"
                       "# UNIT binfmtd_verification_duration_seconds seconds\n"
                       "# HELP binfmtd_verification_duration_seconds Wall time of the last run "
                       "of all probes.\n"
                       "binfmtd_verification_duration_seconds %.6f\n",
                       usec_to_sec(jint(ver, "duration_usec")));
        }
        printf("# EOF\n");
}

int verb_status(Context *c)
{
        struct json_object *j = NULL;
        bool from_daemon;
        int r;

        r = get_status_json(c, &j);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        from_daemon = json_object_object_get(j, "daemon") != NULL;

        /* Which instance this is: the machine's (or this namespace's), or, with --user, that of
         * the user's rootless containers. */
        if (c->user_pause > 0) {
                struct json_object *in = json_object_new_object();

                if (!in || json_object_object_add(j, "instance", in) < 0 ||
                    json_object_object_add(in, "scope", json_object_new_string("user-containers")) <
                            0 ||
                    json_object_object_add(in, "uid", json_object_new_int64(getuid())) < 0 ||
                    json_object_object_add(in, "pause_pid", json_object_new_int64(c->user_pause)) <
                            0) {
                        json_object_put(j);
                        return -ENOMEM;
                }
        }

        if (c->args->require) {
                if (check_required(c, j, from_daemon, true) > 0)
                        c->not_ready = true;
        } else if (c->args->format == FORMAT_JSON)
                puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
        else if (c->args->format == FORMAT_OPENMETRICS)
                print_openmetrics(j);
        else
                print_status_text(j);
        json_object_put(j);
        return 0;
}

int verb_list(Context *c)
{
        size_t n;
        const BinfmtArch *table = arch_table(&n);

        printf("%-14s %-12s %-30s %-34s %s\n", "TARGET", "FAMILY", "PLATFORMS", "OTHER NAMES",
               "INTERPRETER");
        for (size_t i = 0; i < n; i++) {
                const BinfmtArch *a = &table[i];
                _cleanup_strv_free_ char **pl = platform_list(a);
                _cleanup_free_ char *interp = NULL;
                char plats[128] = "-", names[128] = "-";
                size_t ln = 0;
                InterpCheck chk;
                const char *where;
                int r;

                if (!pl)
                        return -ENOMEM;
                for (size_t k = 0, l = 0; pl[k] && l < sizeof(plats); k++)
                        l += snprintf(plats + l, sizeof(plats) - l, "%s%s", k ? "," : "", pl[k]);
                /* Every other name the target is known by: its OCI name, then aliases. */
                if (a->oci_arch && !streq(a->oci_arch, a->name))
                        ln += snprintf(names, sizeof(names), "%s", a->oci_arch);
                for (size_t k = 0; a->aliases && a->aliases[k] && ln < sizeof(names); k++)
                        ln += snprintf(names + ln, sizeof(names) - ln, "%s%s", ln ? "," : "",
                                       a->aliases[k]);

                if (c->sys.host_r >= 0 && host_is_native(&c->sys.host, a))
                        where = "(native, never registered)";
                else {
                        r = interp_find(&c->sys.host, c->args->interpreter_dirs, a, &interp, &chk);
                        if (r == -ENOMEM)
                                return r;
                        where = r == -ENOENT ? "-" : interp;
                }
                bool unusable = interp && chk.problem != INTERP_OK;
                /* Of the host's family, yet measured to need QEMU: say so. */
                const NativeVerdict *nv = native_report_find(&c->sys.native, a);
                char why[256] = "";

                if (nv && nv->state == NATIVE_NOT)
                        native_explain(&c->sys.host, nv, why, sizeof(why));
                printf("%-14s %-12s %-30s %-34s %s%s%s%s%s%s%s\n", a->name, a->family, plats, names,
                       where, unusable ? " (unusable: " : "",
                       unusable ? interp_problem_to_id(chk.problem) : "", unusable ? ")" : "",
                       why[0] ? " (" : "", why, why[0] ? ")" : "");
        }
        return 0;
}

int verb_which(Context *c)
{
        const char *path = c->args->operands[0];
        _cleanup_(entry_list_done) EntryList l = {};
        _cleanup_close_ int fd = -EBADF, dir = -EBADF;
        uint8_t hdr[RULE_MAGIC_MAX];
        const BinfmtEntry *winner = NULL;
        struct stat st;
        ssize_t n;
        int r;

        /* O_NONBLOCK: a FIFO must not hang us; only regular files are executed anyway. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                fail(c, "%s: %m", path);
                return 0;
        }
        if (fstat(fd, &st) < 0) {
                fail(c, "%s: %m", path);
                return 0;
        }
        if (!S_ISREG(st.st_mode)) {
                fail(c, "%s: not a regular file, the kernel would not execute it", path);
                return 0;
        }
        /* The kernel looks at the first BINPRM_BUF_SIZE bytes. */
        n = pread(fd, hdr, sizeof(hdr), 0);
        if (n < 0) {
                fail(c, "%s: %m", path);
                return 0;
        }

        r = instance_open(c->args->mount, &dir);
        if (r == -EMEDIUMTYPE) {
                fail(c, "%s: binfmt_misc is not mounted at %s, no entry would run it", path,
                     c->args->mount);
                return 0;
        }
        if (r < 0) {
                fail(c, "cannot open %s: %s", c->args->mount, strerror(-r));
                return 0;
        }
        if (instance_get_enabled(dir) == 0) {
                fail(c, "%s: binfmt_misc at %s is disabled, no entry would run it", path,
                     c->args->mount);
                return 0;
        }
        r = instance_list(dir, &l, NULL);
        if (r < 0) {
                fail(c, "cannot list %s: %s", c->args->mount, strerror(-r));
                return 0;
        }
        entry_list_sort_newest_first(&l);

        for (size_t i = 0; i < l.n; i++) {
                const BinfmtEntry *e = l.entries[i];
                const BinfmtArch *a = status_entry_arch(e);
                char flags[5], plat[PLATFORM_MAX];

                if (!e->enabled || !rule_matches(&e->rule, hdr, n, path))
                        continue;
                if (!winner) {
                        printf("%s: %s (interpreter %s, flags %s%s%s)\n", path, e->rule.name,
                               strempty(e->rule.interpreter),
                               rule_flags_to_string(e->rule.flags, flags), a ? ", " : "",
                               a ? (platform_format(a, plat, sizeof(plat)) ?: a->name) : "");
                        winner = e;
                } else
                        printf("  also matches, tried later: %s\n", e->rule.name);
        }
        if (!winner)
                fail(c,
                     "%s: no enabled entry matches; the kernel runs it itself if it can, else "
                     "it fails with 'Exec format error'",
                     path);
        return 0;
}
