/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl: install, remove and inspect QEMU binfmt_misc registrations. This file parses the
 * command line into Args, holds the verb table and the messages every verb shares, and runs the
 * verb. The verbs live by concern: install.c (install, plan, uninstall), render.c (status, list,
 * which, and the text, JSON and OpenMetrics views), verify.c (verify, wait), daemon.c (asking
 * binfmtd), compat.c (tonistiigi/binfmt's command line).
 *
 * Direct mode: the tool does the work itself on the instance mounted at --mount, with the same
 * lib/ decisions the daemon uses; it holds no policy of its own beyond turning lib/ results into
 * messages and exit codes.
 *
 * Exit codes: 0 success, 1 failure (any target failed; the others were still done), 2 usage,
 * 3 not ready (status --require, wait: a platform named is not verified).
 */

#include <getopt.h>
#include <stdarg.h>

#include "build-config.h"
#include "base/strv.h"
#include "ops/readiness.h"
#include "verify/verify.h"

#include "binfmtctl.h"
#include "compat.h"

const char *program = "binfmtctl";

static void args_done(Args *a)
{
        strv_free(a->interpreter_dirs);
        strv_free(a->operands);
        strv_free(a->require);
        strv_free(a->platforms);
        free(a->mount_storage);
}

_printf_(1, 2) void log_error(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* Every failure that makes the run exit 1 goes through here, so none is silent. */
_printf_(2, 3) void fail(Context *c, const char *fmt, ...)
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
               "  reload                   Make binfmtd re-read its configuration, and say\n"
               "                           whether it took it\n"
               "  exec [--platform=P,...] -- COMMAND [ARGS...]\n"
               "                           Run COMMAND with emulation in a binfmt_misc\n"
               "                           instance of its own: any user, no root\n"
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
               "     --user                Act on the binfmt_misc of this user's rootless\n"
               "                           podman containers (no root; install, uninstall,\n"
               "                           status, verify, plan, wait, which)\n"
               "     --platform=PLATFORMS  exec: the targets to register (comma-separated;\n"
               "                           default: binfmtd's default targets)\n"
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
        ARG_PLATFORM,
        ARG_USER,
};

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;
        bool takes_force, takes_json, takes_flags, takes_interpreter_dir, takes_require;
        int (*run)(Context *c);
        bool daemon_first; /* asks binfmtd first; measures natively only without it */
} Verb;

static const Verb verbs[] = {
        {"install", 1, UINT32_MAX, true, false, true, true, false, verb_install, true},
        {"uninstall", 1, UINT32_MAX, true, false, false, false, false, verb_uninstall, true},
        {"status", 0, 0, false, true, false, false, true, verb_status, true},
        {"list", 0, 0, false, false, false, true, false, verb_list},
        {"plan", 1, UINT32_MAX, true, false, true, true, false, verb_plan},
        {"which", 1, 1, false, false, false, false, false, verb_which},
        {"verify", 0, UINT32_MAX, false, false, false, false, false, verb_verify, true},
        {"wait", 0, 0, false, false, false, false, true, verb_wait, true},
        {"reload", 0, 0, false, false, false, false, false, verb_reload, true},
        {"exec", 1, UINT32_MAX, false, false, true, true, false, verb_exec},
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
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"mount", required_argument, NULL, ARG_MOUNT},
                {"interpreter-dir", required_argument, NULL, ARG_INTERPRETER_DIR},
                {"flags", required_argument, NULL, ARG_FLAGS},
                {"force", no_argument, NULL, ARG_FORCE},
                {"json", no_argument, NULL, ARG_JSON},
                {"socket", required_argument, NULL, ARG_SOCKET},
                {"direct", no_argument, NULL, ARG_DIRECT},
                {"format", required_argument, NULL, ARG_FORMAT},
                {"require", required_argument, NULL, ARG_REQUIRE},
                {"timeout", required_argument, NULL, ARG_TIMEOUT},
                {"platform", required_argument, NULL, ARG_PLATFORM},
                {"user", no_argument, NULL, ARG_USER},
                {}};
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
                case ARG_PLATFORM: {
                        _cleanup_free_ char *copy = strdup(optarg);
                        char *save = NULL;

                        if (!copy)
                                return -ENOMEM;
                        for (char *w = strtok_r(copy, ",", &save); w;
                             w = strtok_r(NULL, ",", &save))
                                if (strv_extend(&a->platforms, w) < 0)
                                        return -ENOMEM;
                        if (!a->platforms) {
                                log_error("--platform: no platform given");
                                return -EINVAL;
                        }
                        break;
                }
                case ARG_USER:
                        a->user = true;
                        break;
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
            (a->require && !v->takes_require) || (a->timeout_set && v->run != verb_wait) ||
            (a->platforms && v->run != verb_exec)) {
                log_error("%s: an option given does not apply to this command (see --help)",
                          v->name);
                return -EINVAL;
        }
        if (a->user && (seen_mount || direct || v->run == verb_exec || v->run == verb_reload ||
                        v->run == verb_list)) {
                log_error("%s: --user acts on rootless podman's user namespace: not with "
                          "--mount, --direct, exec, reload or list (see --help)",
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

int context_measure_native(Context *c)
{
        int r;

        if (c->native_measured)
                return 0;
        r = verify_measure_native(&c->sys);
        if (r < 0)
                return r;
        c->native_measured = true;
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(args_done) Args args = {};
        Context c = {.args = &args};
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
        if (args.user) {
                r = user_setup(&c, &args);
                if (r == -ENOMEM) {
                        log_error("out of memory");
                        return EXIT_FAILURE;
                }
                if (r < 0) {
                        if (!c.failed)
                                log_error("--user: %s", strerror(-r));
                        return EXIT_FAILURE;
                }
        }
        r = v->daemon_first ? 0 : context_measure_native(&c);
        if (r < 0) {
                log_error("out of memory");
                return EXIT_FAILURE;
        }

        r = v->run(&c);
        if (r < 0) {
                log_error("%s failed: %s", v->name, strerror(-r));
                return v->run == verb_exec ? EXIT_EXEC_FAILED : EXIT_FAILURE;
        }
        if (c.failed)
                return v->run == verb_exec ? EXIT_EXEC_FAILED : EXIT_FAILURE;
        return c.not_ready ? EXIT_NOT_READY : EXIT_SUCCESS;
}
