/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl: install, remove and inspect QEMU binfmt_misc registrations.
 *
 * Direct mode: the tool does the work itself on the instance mounted at --mount, with the same
 * lib/ decisions the daemon uses. This file parses the command line, resolves targets, and
 * turns lib/ results into messages and exit codes; it holds no policy of its own beyond that.
 *
 * Exit codes: 0 success, 1 failure (any target failed; the others were still done), 2 usage,
 * 3 not ready (status --require, wait: a platform named is not verified).
 */

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/time.h"
#include "build-config.h"
#include "target/arch.h"
#include "compat.h"
#include "target/elf.h"
#include "binfmt/instance.h"
#include "target/interp.h"
#include "ops/ops.h"
#include "binfmt/owned.h"
#include "binfmt/plan.h"
#include "verify/probe-run.h"
#include "verify/probe.h"
#include "target/platform.h"
#include "ops/readiness.h"
#include "binfmt/rule.h"
#include "ops/status-json.h"
#include "ops/status.h"
#include "base/strv.h"
#include "base/text.h"
#include "varlink/varlink-client.h"
#include "verify/verify.h"
#include "verify/system.h"

#define EXIT_USAGE 2
#define EXIT_NOT_READY 3
#define DEFAULT_SOCKET "/run/binfmtd/io.binfmtd"
#define DAEMON_TIMEOUT_MS (60 * 1000)
#define DAEMON_REPLY_MAX (16u * 1024u * 1024u)
#define VERIFY_TIMEOUT_USEC (10u * 1000u * 1000u)
#define WAIT_TIMEOUT_DEFAULT_SEC 60
#define WAIT_POLL_USEC (500u * 1000u)

typedef enum Format {
        FORMAT_TEXT,
        FORMAT_JSON,
        FORMAT_OPENMETRICS,
} Format;

typedef struct Args {
        const char *mount;
        const char *socket;
        bool use_daemon;     /* ask binfmtd first (no --direct, no option that names an instance) */
        char **interpreter_dirs;
        unsigned extra_flags;
        bool force;
        Format format;
        char **require;      /* canonical platform strings of --require */
        uint64_t timeout_usec;
        bool timeout_set;
        const char *verb;
        char **operands;
} Args;

typedef struct Context {
        const Args *args;
        SystemInfo sys;
        bool failed;
        bool not_ready;
} Context;

static const char *program = "binfmtctl";

static void args_done(Args *a)
{
        strv_free(a->interpreter_dirs);
        strv_free(a->operands);
        strv_free(a->require);
}

_printf_(1, 2) static void log_error(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* Every failure that makes the run exit 1 goes through here, so none is silent. */
_printf_(2, 3) static void fail(Context *c, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        c->failed = true;
}

static void help(void)
{
        printf("%s [OPTIONS...] COMMAND [ARGS...]\n"
               "\n"
               "Register QEMU user-mode emulators in binfmt_misc and inspect them.\n"
               "\n"
               "Commands:\n"
               "  install TARGET...|all    Register emulators (with the F flag)\n"
               "  uninstall TARGET...|all  Remove binfmtd's registrations\n"
               "  status                   Show the kernel, the instance and every entry\n"
               "  list                     Show the known targets and their interpreters\n"
               "  plan TARGET...|all       Show what install would write, write nothing\n"
               "  which FILE               Show the entry that would run FILE\n"
               "  verify [TARGET...]       Run each target's probe from the host and in an empty\n"
               "                           chroot (default: every registered target)\n"
               "  wait --require=PLATFORMS Wait until the platforms are verified\n"
               "\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "     --mount=DIR           binfmt_misc mount point (default: %s)\n"
               "     --interpreter-dir=DIR Look for qemu-NAME-static and qemu-NAME in DIR\n"
               "                           (repeatable; default: %s)\n"
               "     --flags=LETTERS       Flags to add to F: P, O, C (install, plan)\n"
               "     --force               Replace or remove entries binfmtd did not register\n"
               "     --json                Print status as JSON (--format=json)\n"
               "     --format=FORMAT       status: text, json or openmetrics\n"
               "     --require=PLATFORMS   status, wait: exit 0 only when every platform named\n"
               "                           (comma-separated) runs in containers, else 3\n"
               "     --timeout=SECONDS     wait: give up after this long (default: %d)\n"
               "     --socket=PATH         binfmtd's socket (default: %s)\n"
               "     --direct              Do the work here even if binfmtd answers\n"
               "\n"
               "TARGET is a QEMU name (aarch64), an alias (arm64, armhf), an OCI platform\n"
               "(linux/arm64, linux/arm/v7) or 'all'. See binfmtctl(1).\n",
               program, DEFAULT_MOUNT, DEFAULT_INTERPRETER_DIR, WAIT_TIMEOUT_DEFAULT_SEC,
               DEFAULT_SOCKET);
}

enum {
        ARG_VERSION = 0x100,
        ARG_MOUNT,
        ARG_INTERPRETER_DIR,
        ARG_FLAGS,
        ARG_FORCE,
        ARG_JSON,
        ARG_SOCKET,
        ARG_DIRECT,
        ARG_FORMAT,
        ARG_REQUIRE,
        ARG_TIMEOUT,
};

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;
        bool takes_force, takes_json, takes_flags, takes_interpreter_dir, takes_require;
        int (*run)(Context *c);
} Verb;

static int verb_install(Context *c);
static int verb_uninstall(Context *c);
static int verb_status(Context *c);
static int verb_list(Context *c);
static int verb_plan(Context *c);
static int verb_which(Context *c);
static int verb_verify(Context *c);
static int verb_wait(Context *c);

static const Verb verbs[] = {
        { "install", 1, UINT32_MAX, true, false, true, true, false, verb_install },
        { "uninstall", 1, UINT32_MAX, true, false, false, false, false, verb_uninstall },
        { "status", 0, 0, false, true, false, false, true, verb_status },
        { "list", 0, 0, false, false, false, true, false, verb_list },
        { "plan", 1, UINT32_MAX, true, false, true, true, false, verb_plan },
        { "which", 1, 1, false, false, false, false, false, verb_which },
        { "verify", 0, UINT32_MAX, false, false, false, false, false, verb_verify },
        { "wait", 0, 0, false, false, false, false, true, verb_wait },
};

/* --require: comma-separated platforms, each one resolved now so a typo is a usage error. */
static int parse_require(const char *value, char ***ret)
{
        _cleanup_free_ char *copy = strdup(value);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        if (!value[0]) {
                log_error("--require: no platform given");
                return -EINVAL;
        }
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                char canonical[PLATFORM_MAX];
                int r = readiness_canonical(w, canonical, sizeof(canonical));

                if (r < 0) {
                        log_error("--require: '%s' is %s", w,
                                  r == -ENOENT ? "not a known platform (binfmtctl list shows them)"
                                               : "not a platform (OS/ARCH[/VARIANT], e.g. "
                                                 "linux/arm64)");
                        return -EINVAL;
                }
                if (!strv_contains(*ret, canonical) && strv_extend(ret, canonical) < 0)
                        return -ENOMEM;
        }
        if (!*ret) {
                log_error("--require: no platform given in '%s'", value);
                return -EINVAL;
        }
        return 0;
}

static const Verb *find_verb(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

/* Returns 0 to go on, 1 when done (help, version), -EINVAL on a usage error (reported). */
static int parse_argv(int argc, char *argv[], Args *a, const Verb **ret_verb)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "mount", required_argument, NULL, ARG_MOUNT },
                { "interpreter-dir", required_argument, NULL, ARG_INTERPRETER_DIR },
                { "flags", required_argument, NULL, ARG_FLAGS },
                { "force", no_argument, NULL, ARG_FORCE },
                { "json", no_argument, NULL, ARG_JSON },
                { "socket", required_argument, NULL, ARG_SOCKET },
                { "direct", no_argument, NULL, ARG_DIRECT },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "require", required_argument, NULL, ARG_REQUIRE },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                {}
        };
        bool seen_flags = false, seen_dirs = false, seen_mount = false, direct = false,
             seen_format = false;
        const Verb *v;
        int o;

        a->mount = DEFAULT_MOUNT;
        a->socket = DEFAULT_SOCKET;
        opterr = 0;
        while ((o = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("binfmtctl %s\n", PROJECT_VERSION);
                        return 1;
                case ARG_MOUNT:
                        if (optarg[0] != '/') {
                                log_error("--mount: '%s' is not an absolute path", optarg);
                                return -EINVAL;
                        }
                        a->mount = optarg;
                        seen_mount = true;
                        break;
                case ARG_INTERPRETER_DIR:
                        if (optarg[0] != '/') {
                                log_error("--interpreter-dir: '%s' is not an absolute path",
                                          optarg);
                                return -EINVAL;
                        }
                        if (strv_extend(&a->interpreter_dirs, optarg) < 0)
                                return -ENOMEM;
                        seen_dirs = true;
                        break;
                case ARG_FLAGS: {
                        unsigned f;

                        if (rule_flags_from_string(optarg, &f) < 0) {
                                log_error("--flags: '%s' is not a set of the letters P, O, C, F",
                                          optarg);
                                return -EINVAL;
                        }
                        a->extra_flags = f;
                        seen_flags = true;
                        break;
                }
                case ARG_FORCE:
                        a->force = true;
                        break;
                case ARG_JSON:
                        a->format = FORMAT_JSON;
                        seen_format = true;
                        break;
                case ARG_FORMAT:
                        if (streq(optarg, "text"))
                                a->format = FORMAT_TEXT;
                        else if (streq(optarg, "json"))
                                a->format = FORMAT_JSON;
                        else if (streq(optarg, "openmetrics"))
                                a->format = FORMAT_OPENMETRICS;
                        else {
                                log_error("--format: '%s' is not text, json or openmetrics",
                                          optarg);
                                return -EINVAL;
                        }
                        seen_format = true;
                        break;
                case ARG_REQUIRE: {
                        int r = parse_require(optarg, &a->require);

                        if (r < 0)
                                return r;
                        break;
                }
                case ARG_TIMEOUT: {
                        char *end;
                        double s;

                        errno = 0;
                        s = strtod(optarg, &end);
                        if (errno != 0 || end == optarg || *end || !(s >= 0) || s > 86400.0 * 365) {
                                log_error("--timeout: '%s' is not a number of seconds", optarg);
                                return -EINVAL;
                        }
                        a->timeout_usec = (uint64_t)(s * 1e6);
                        a->timeout_set = true;
                        break;
                }
                case ARG_SOCKET:
                        if (optarg[0] != '/') {
                                log_error("--socket: '%s' is not an absolute path", optarg);
                                return -EINVAL;
                        }
                        a->socket = optarg;
                        break;
                case ARG_DIRECT:
                        direct = true;
                        break;
                case ':':
                        log_error("option '%s' needs an argument", argv[optind - 1]);
                        return -EINVAL;
                default:
                        log_error("unknown option '%s' (see --help)", argv[optind - 1]);
                        return -EINVAL;
                }
        }

        if (optind >= argc) {
                log_error("no command given (see --help)");
                return -EINVAL;
        }
        a->verb = argv[optind++];
        v = find_verb(a->verb);
        if (!v) {
                log_error("unknown command '%s' (see --help)", a->verb);
                return -EINVAL;
        }
        for (int i = optind; i < argc; i++)
                if (strv_extend(&a->operands, argv[i]) < 0)
                        return -ENOMEM;

        size_t n = strv_length(a->operands);
        if (n < v->min_args) {
                log_error("%s: missing argument (see --help)", v->name);
                return -EINVAL;
        }
        if (n > v->max_args) {
                log_error("%s: too many arguments (see --help)", v->name);
                return -EINVAL;
        }
        if ((a->force && !v->takes_force) || (seen_format && !v->takes_json) ||
            (seen_flags && !v->takes_flags) || (seen_dirs && !v->takes_interpreter_dir) ||
            (a->require && !v->takes_require) || (a->timeout_set && v->run != verb_wait)) {
                log_error("%s: an option given does not apply to this command (see --help)",
                          v->name);
                return -EINVAL;
        }
        if (v->run == verb_wait && !a->require) {
                log_error("wait: --require=PLATFORMS is needed (see --help)");
                return -EINVAL;
        }
        if (a->require && a->format != FORMAT_TEXT) {
                log_error("%s: --require prints verdicts, not --format=json or openmetrics",
                          v->name);
                return -EINVAL;
        }
        if (!a->timeout_set)
                a->timeout_usec = WAIT_TIMEOUT_DEFAULT_SEC * UINT64_C(1000000);
        if (!a->interpreter_dirs && strv_extend(&a->interpreter_dirs, DEFAULT_INTERPRETER_DIR) < 0)
                return -ENOMEM;
        /* Options that say how to do the work themselves mean direct mode: the daemon works
         * on its own instance with its own settings. */
        a->use_daemon = !direct && !seen_mount && !seen_dirs && !seen_flags;

        *ret_verb = v;
        return 0;
}

/* ---- install, plan, uninstall: lib/ops/ops.c does the work, this prints its report -------- */

static void print_report(Context *c, const Report *r)
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

static int daemon_change(Context *c, const char *method);

static int verb_install(Context *c)
{
        int r = daemon_change(c, "io.binfmtd.Install");

        return r != 0 ? (r < 0 && r != -EIO ? r : 0) : run_ops(c, install);
}

static int verb_plan(Context *c)
{
        return run_ops(c, plan);
}

static int verb_uninstall(Context *c)
{
        int r = daemon_change(c, "io.binfmtd.Uninstall");

        return r != 0 ? (r < 0 && r != -EIO ? r : 0) : run_ops(c, ops_uninstall);
}

/* ---- status, list, which ---------------------------------------------------------------- */

/* ---- status: rendered from the status JSON, whoever produced it ------------------------ */

static const char *jstr(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int jbool(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
                return -1;
        return json_object_get_boolean(v);
}

static int64_t jint(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -1;
        return json_object_get_int64(v);
}

/* Entry names and paths come from the kernel, written by anyone: no terminal escapes. */
static const char *printable(const char *s, char *buf, size_t size)
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
        for (size_t i = 0; json_object_is_type(entries, json_type_array) &&
                           i < json_object_array_length(entries); i++) {
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

        for (size_t i = 0; json_object_is_type(fam, json_type_array) &&
                           i < json_object_array_length(fam); i++) {
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
        if (streq_ptr(jstr(mount, "user_namespace"), "initial"))
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
        for (size_t i = 0; json_object_is_type(sup, json_type_array) &&
                           i < json_object_array_length(sup); i++)
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
                       jbool(p, "native") > 0 ? "native"
                       : jbool(p, "registered") > 0 ? "yes" : "no",
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
}

/* ---- the daemon, when it answers -------------------------------------------------------- */

/*
 * Calls @method on the daemon. Returns 1 with the reply, 0 when no daemon answers (the caller
 * does the work itself), or -EIO after reporting a daemon that accepted but failed us.
 */
/*
 * Connects to the daemon in @vc. Returns 1 when connected, 0 when no daemon is to be asked or
 * none answers (the caller does the work itself).
 */
static int daemon_connect(Context *c, VarlinkClient *vc)
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

static int daemon_call(Context *c, const char *method, struct json_object *params,
                       VarlinkReply *ret)
{
        VarlinkClient vc = VARLINK_CLIENT_NULL;
        int r;

        if (!daemon_connect(c, &vc))
                return 0;
        r = varlink_client_call(&vc, method, params, false);
        if (r >= 0)
                r = varlink_client_read_reply(&vc, ret);
        varlink_client_done(&vc);
        if (r < 0) {
                fail(c, "binfmtd at %s did not answer %s: %s", c->args->socket, method,
                     strerror(-r));
                return -EIO;
        }
        return 1;
}

static int daemon_change(Context *c, const char *method)
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
        STRV_FOREACH(op, c->args->operands)
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
                fail(c, "binfmtd answered %s with %s", method, reply.error ?: "an unexpected reply");
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
static int direct_status_json(Context *c, struct json_object **ret)
{
        _cleanup_(status_done) Status s = {};
        _cleanup_(verification_done) Verification v = {};
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_free_ char *dir = NULL;
        size_t n = 0;
        int r;

        r = status_collect(&c->sys, c->args->mount, owned_state_dir(), &s);
        if (r < 0) {
                fail(c, "cannot read %s: %s", c->args->mount, strerror(-r));
                return r;
        }
        if (geteuid() == 0) {
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
static int get_status_json(Context *c, struct json_object **ret)
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

static struct json_object *find_platform(struct json_object *j, const char *platform)
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
static size_t check_required(Context *c, struct json_object *j, bool from_daemon, bool print)
{
        bool verified_at_all = json_object_is_type(json_object_object_get(j, "verification"),
                                                   json_type_object);
        size_t not_ready = 0;

        STRV_FOREACH(p, c->args->require) {
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
                { "binfmtd_platform_registered",
                  "1 when the native CPU or an enabled binfmt_misc entry runs the platform's "
                  "programs", NULL },
                { "binfmtd_platform_verified",
                  "1 when the platform's probe ran in an empty chroot, as in a container", NULL },
                { "binfmtd_probe_duration_seconds",
                  "How long the platform's probe took in an empty chroot", "seconds" },
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

static int verb_status(Context *c)
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
                        vc.timeout_ms = now >= deadline ? 0
                                                        : (int)((deadline - now + 999) / 1000);
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
                fail(c, "binfmtd at %s stopped answering Watch: %s", c->args->socket,
                     strerror(-r));
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
                done = check_required(c, j, false, false) == 0 || now_usec(CLOCK_MONOTONIC) >= deadline;
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

static int verb_wait(Context *c)
{
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + c->args->timeout_usec;
        int r;

        r = wait_daemon(c, deadline);
        if (r != 0)
                return r < 0 ? r : 0;
        return wait_poll(c, deadline);
}

static int verb_list(Context *c)
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
                        r = interp_find(&c->sys.host, c->args->interpreter_dirs, a, &interp,
                                                 &chk);
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
                printf("%-14s %-12s %-30s %-34s %s%s%s%s%s%s%s\n", a->name, a->family, plats,
                       names, where, unusable ? " (unusable: " : "",
                       unusable ? interp_problem_to_id(chk.problem) : "", unusable ? ")" : "",
                       why[0] ? " (" : "", why, why[0] ? ")" : "");
        }
        return 0;
}

static int verb_which(Context *c)
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
                fail(c, "%s: no enabled entry matches; the kernel runs it itself if it can, else "
                        "it fails with 'Exec format error'",
                     path);
        return 0;
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

static int verb_verify(Context *c)
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
                STRV_FOREACH(op, c->args->operands) {
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
                        fail(c, "%s: from the host: %s%s%s; %s", t->arch->name,
                             probe_result_to_string(host->result), host->error ? ": " : "",
                             host->error ? strerror(host->error) : "", hint);
                }
                if (ct->result == PROBE_OK)
                        continue;
                if (readiness_judge_one(&s, platform_format(t->arch, plat, sizeof(plat)) ?: t->arch->name,
                                        &verdict) < 0)
                        verdict = (PlatformVerdict){};
                fail(c, "%s: in an empty chroot: %s%s%s; %s. Fix: %s.", t->arch->name,
                     probe_result_to_string(ct->result), ct->error ? ": " : "",
                     ct->error ? strerror(ct->error) : "", verdict.problem[0] ? verdict.problem : "-",
                     verdict.fix[0] ? verdict.fix : "-");
        }
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(args_done) Args args = {};
        Context c = { .args = &args };
        const Verb *v;
        int r;

        if (compat_wanted(argc, argv))
                return compat_main(argc, argv);

        r = parse_argv(argc, argv, &args, &v);
        if (r == -ENOMEM) {
                log_error("out of memory");
                return EXIT_FAILURE;
        }
        if (r < 0)
                return EXIT_USAGE;
        if (r > 0)
                return EXIT_SUCCESS;

        r = system_probe("/proc", &c.sys);
        if (r < 0) {
                log_error("cannot read the running system's facts from /proc: %s", strerror(-r));
                return EXIT_FAILURE;
        }
        r = verify_measure_native(&c.sys);
        if (r < 0) {
                log_error("out of memory");
                return EXIT_FAILURE;
        }

        r = v->run(&c);
        if (r < 0) {
                log_error("%s failed: %s", v->name, strerror(-r));
                return EXIT_FAILURE;
        }
        if (c.failed)
                return EXIT_FAILURE;
        return c.not_ready ? EXIT_NOT_READY : EXIT_SUCCESS;
}
