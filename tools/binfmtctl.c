/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl: install, remove and inspect QEMU binfmt_misc registrations.
 *
 * Direct mode: the tool does the work itself on the instance mounted at --mount, with the same
 * lib/ decisions the daemon uses. This file parses the command line, resolves targets, and
 * turns lib/ results into messages and exit codes; it holds no policy of its own beyond that.
 *
 * Exit codes: 0 success, 1 failure (any target failed; the others were still done), 2 usage.
 */

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "config.h"
#include "arch.h"
#include "elf.h"
#include "instance.h"
#include "interp.h"
#include "plan.h"
#include "platform.h"
#include "rule.h"
#include "status.h"
#include "strv.h"
#include "system.h"

#define EXIT_USAGE 2

typedef struct Args {
        const char *mount;
        char **interpreter_dirs;
        unsigned extra_flags;
        bool force;
        bool json;
        const char *verb;
        char **operands;
} Args;

typedef struct Context {
        const Args *args;
        SystemInfo sys;
        bool failed;
} Context;

static const char *program = "binfmtctl";

static void args_done(Args *a)
{
        strv_free(a->interpreter_dirs);
        strv_free(a->operands);
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
               "\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "     --mount=DIR           binfmt_misc mount point (default: %s)\n"
               "     --interpreter-dir=DIR Look for qemu-NAME-static and qemu-NAME in DIR\n"
               "                           (repeatable; default: %s)\n"
               "     --flags=LETTERS       Flags to add to F: P, O, C (install, plan)\n"
               "     --force               Replace or remove entries binfmtd did not register\n"
               "     --json                Print status as JSON\n"
               "\n"
               "TARGET is a QEMU name (aarch64), an alias (arm64, armhf), an OCI platform\n"
               "(linux/arm64, linux/arm/v7) or 'all'. See binfmtctl(1).\n",
               program, DEFAULT_MOUNT, DEFAULT_INTERPRETER_DIR);
}

enum {
        ARG_VERSION = 0x100,
        ARG_MOUNT,
        ARG_INTERPRETER_DIR,
        ARG_FLAGS,
        ARG_FORCE,
        ARG_JSON,
};

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;
        bool takes_force, takes_json, takes_flags, takes_interpreter_dir;
        int (*run)(Context *c);
} Verb;

static int verb_install(Context *c);
static int verb_uninstall(Context *c);
static int verb_status(Context *c);
static int verb_list(Context *c);
static int verb_plan(Context *c);
static int verb_which(Context *c);

static const Verb verbs[] = {
        { "install", 1, UINT32_MAX, true, false, true, true, verb_install },
        { "uninstall", 1, UINT32_MAX, true, false, false, false, verb_uninstall },
        { "status", 0, 0, false, true, false, false, verb_status },
        { "list", 0, 0, false, false, false, true, verb_list },
        { "plan", 1, UINT32_MAX, true, false, true, true, verb_plan },
        { "which", 1, 1, false, false, false, false, verb_which },
};

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
                {}
        };
        bool seen_flags = false, seen_dirs = false;
        const Verb *v;
        int o;

        a->mount = DEFAULT_MOUNT;
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
                        a->json = true;
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
        if ((a->force && !v->takes_force) || (a->json && !v->takes_json) ||
            (seen_flags && !v->takes_flags) || (seen_dirs && !v->takes_interpreter_dir)) {
                log_error("%s: an option given does not apply to this command (see --help)",
                          v->name);
                return -EINVAL;
        }
        if (!a->interpreter_dirs && strv_extend(&a->interpreter_dirs, DEFAULT_INTERPRETER_DIR) < 0)
                return -ENOMEM;

        *ret_verb = v;
        return 0;
}

/* ---- shared steps ---------------------------------------------------------------------- */

static int require_kernel(Context *c)
{
        const SystemInfo *s = &c->sys;

        if (s->kernel_r < 0) {
                fail(c, "cannot understand the kernel release '%s'", s->uts.release);
                return -EINVAL;
        }
        if (!s->kernel.fix_binary) {
                fail(c, "kernel %s is older than 4.8: it has no F (fix binary) flag, which "
                        "binfmtd needs so that emulators work in containers and chroots",
                     s->uts.release);
                return -EOPNOTSUPP;
        }
        return 0;
}

static int require_host(Context *c)
{
        if (c->sys.host_r < 0) {
                fail(c, "unknown host architecture '%s': refusing to register anything, a rule "
                        "could hand native programs to an emulator",
                     c->sys.uts.machine);
                return -EOPNOTSUPP;
        }
        return 0;
}

/* Resolves operands into a list of distinct targets; reports each bad one and goes on. */
static int resolve_targets(Context *c, bool allow_all, const BinfmtArch ***ret, size_t *ret_n,
                           bool *ret_all)
{
        size_t n_table, n = 0;
        const BinfmtArch *table = arch_table(&n_table);
        _cleanup_free_ const BinfmtArch **l = NULL;
        bool all = false;

        l = calloc(n_table, sizeof(BinfmtArch *));
        if (!l)
                return -ENOMEM;

        STRV_FOREACH(op, c->args->operands) {
                const BinfmtArch *a;
                int r;

                if (allow_all && streq(*op, "all")) {
                        all = true;
                        continue;
                }
                r = platform_resolve(*op, &a);
                if (r == -ENOENT) {
                        fail(c, "%s: unknown target (binfmtctl list shows the known ones)", *op);
                        continue;
                }
                if (r < 0) {
                        fail(c, "%s: invalid target name (expected a QEMU name, an alias or an "
                                "OCI platform such as linux/arm64)",
                             *op);
                        continue;
                }
                bool dup = false;
                for (size_t i = 0; i < n; i++)
                        dup = dup || l[i] == a;
                if (!dup)
                        l[n++] = a;
        }

        if (all) {
                n = 0;
                for (size_t i = 0; i < n_table; i++)
                        l[n++] = &table[i];
        }

        *ret = TAKE_PTR(l);
        *ret_n = n;
        if (ret_all)
                *ret_all = all;
        return 0;
}

/*
 * The first safe interpreter on the search path: DIR/qemu-NAME-static, then DIR/qemu-NAME, for
 * each DIR. Returns 0 (path and check set), -ENOENT (nothing found), or -EPERM when only unsafe
 * candidates exist (the first one's verdict is returned).
 */
static int find_interpreter(Context *c, const BinfmtArch *a, char **ret_path,
                            InterpCheck *ret_check)
{
        _cleanup_free_ char *bad_path = NULL;
        InterpCheck bad = {};

        STRV_FOREACH(dir, c->args->interpreter_dirs) {
                static const char *const suffixes[] = { "-static", "" };

                for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                        _cleanup_free_ char *p = NULL;
                        InterpCheck chk;
                        struct stat st;

                        if (asprintf(&p, "%s/qemu-%s%s", *dir, a->name, suffixes[i]) < 0)
                                return -ENOMEM;
                        if (stat(p, &st) < 0)
                                continue;

                        (void)interp_check(p, c->sys.host.e_machine, 0, &chk);
                        if (chk.problem == INTERP_WRONG_MACHINE && c->sys.host.kernel_arch)
                                (void)interp_check(p, c->sys.host.kernel_arch->e_machine, 0,
                                                   &chk);
                        if (chk.problem == INTERP_OK) {
                                *ret_path = TAKE_PTR(p);
                                *ret_check = chk;
                                return 0;
                        }
                        if (!bad_path) {
                                bad_path = TAKE_PTR(p);
                                bad = chk;
                        }
                }
        }

        if (!bad_path)
                return -ENOENT;
        *ret_path = TAKE_PTR(bad_path);
        *ret_check = bad;
        return -EPERM;
}

static void report_interp_problem(Context *c, const char *entry, const char *path,
                                  const InterpCheck *chk)
{
        if (chk->problem == INTERP_WRONG_MACHINE)
                fail(c, "%s: interpreter %s is built for %s, not for this host's %s", entry,
                     path, strna(elf_machine_name(chk->machine)),
                     strna(elf_machine_name(c->sys.host.e_machine)));
        else if (chk->problem == INTERP_DYNAMIC)
                fail(c, "%s: interpreter %s is dynamically linked: with F it must run in "
                        "any root, without its libraries (install qemu-user-static)",
                     entry, path);
        else if (chk->error != 0)
                fail(c, "%s: interpreter %s %s: %s", entry, path,
                     interp_problem_to_string(chk->problem), strerror(chk->error));
        else
                fail(c, "%s: interpreter %s %s", entry, path,
                     interp_problem_to_string(chk->problem));
}

static void search_path_text(Context *c, const BinfmtArch *a, char *buf, size_t size)
{
        size_t l = 0;

        buf[0] = '\0';
        STRV_FOREACH(dir, c->args->interpreter_dirs) {
                int k = snprintf(buf + l, size - l, "%s%s/qemu-%s-static, %s/qemu-%s",
                                 l ? ", " : "", *dir, a->name, *dir, a->name);
                if (k < 0 || (size_t)k >= size - l)
                        break;
                l += k;
        }
}

/*
 * Everything about one target that can be checked without the kernel's entries: native family,
 * interpreter, the rule's validity. On success *ret is the rule to register.
 */
static int prepare_rule(Context *c, const BinfmtArch *a, bool quiet_missing, BinfmtRule **ret)
{
        _cleanup_(rule_freep) BinfmtRule *rule = NULL;
        _cleanup_free_ char *interp = NULL, *reason = NULL;
        char name[ARCH_ENTRY_NAME_MAX], search[1024];
        InterpCheck chk;
        int r;

        arch_entry_name(a, name, sizeof(name));

        if (host_is_native(&c->sys.host, a)) {
                if (quiet_missing)
                        return -EEXIST;
                fail(c, "%s: %s is of this host's own family (%s): registering it would hand "
                        "native programs to an emulator",
                     name, a->name, a->family);
                return -EINVAL;
        }

        r = find_interpreter(c, a, &interp, &chk);
        if (r == -ENOENT) {
                if (quiet_missing)
                        return r;
                search_path_text(c, a, search, sizeof(search));
                fail(c, "%s: no interpreter found (looked for %s): install qemu-user-static or "
                        "use --interpreter-dir",
                     name, search);
                return r;
        }
        if (r == -EPERM) {
                report_interp_problem(c, name, interp, &chk);
                return r;
        }
        if (r < 0)
                return r;

        r = rule_new_from_arch(a, interp, RULE_FLAG_F | c->args->extra_flags, &rule);
        if (r < 0)
                return r;

        if (rule_validate(rule, &c->sys.kernel, &reason) < 0) {
                fail(c, "%s: invalid rule: %s", name, strna(reason));
                return -EINVAL;
        }
        /* The table never should, but a rule that matches our own executable would hijack it. */
        if (rule_matches(rule, c->sys.self_header, sizeof(c->sys.self_header), NULL)) {
                fail(c, "%s: the rule matches this host's own programs, refusing", name);
                return -EINVAL;
        }

        *ret = TAKE_PTR(rule);
        return 0;
}

static int check_flags(Context *c)
{
        unsigned f = c->args->extra_flags;

        if (f & RULE_FLAG_C)
                fprintf(stderr, "%s: warning: flag C makes setuid foreign programs run the "
                                "emulator with raised privileges\n",
                        program);
        if ((f & RULE_FLAG_P) && !c->sys.kernel.argv0_auxv) {
                fail(c, "flag P needs kernel 5.12 or newer, which tells the emulator that argv[0] "
                        "is preserved; kernel %s does not",
                     c->sys.uts.release);
                return -EOPNOTSUPP;
        }
        return 0;
}

/*
 * Opens the instance, mounting binfmt_misc when @may_mount and it is absent, and checks that it
 * can be written. Every failure is reported with the reason and what to do.
 */
static int open_instance(Context *c, bool may_mount, bool need_write, int *ret_fd)
{
        const char *m = c->args->mount;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = instance_open(m, &fd);
        if (r == -EMEDIUMTYPE && may_mount) {
                r = instance_mount(m);
                if (r == -ENODEV) {
                        fail(c, "cannot mount binfmt_misc at %s: the kernel has no binfmt_misc "
                                "(modprobe binfmt_misc)",
                             m);
                        return r;
                }
                if (r == -EPERM || r == -EACCES) {
                        fail(c, "cannot mount binfmt_misc at %s: %s (mounting needs "
                                "CAP_SYS_ADMIN; in a container, mount it on the host)",
                             m, strerror(-r));
                        return r;
                }
                if (r < 0) {
                        fail(c, "cannot mount binfmt_misc at %s: %s", m, strerror(-r));
                        return r;
                }
                if (r > 0)
                        printf("Mounted binfmt_misc at %s.\n", m);
                r = instance_open(m, &fd);
        }
        if (r == -EMEDIUMTYPE) {
                fail(c, "binfmt_misc is not mounted at %s", m);
                return r;
        }
        if (r < 0) {
                fail(c, "cannot open %s: %s", m, strerror(-r));
                return r;
        }

        if (need_write) {
                r = instance_is_read_only(fd);
                if (r > 0) {
                        fail(c, "binfmt_misc at %s is mounted read-only: nothing can be "
                                "registered or removed there",
                             m);
                        return -EROFS;
                }
                if (faccessat(fd, "register", W_OK, AT_EACCESS) < 0) {
                        r = -errno;
                        fail(c, "cannot write %s/register: %s (run as root)", m, strerror(-r));
                        return r;
                }
        }

        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int read_entry(Context *c, int fd, const char *name, BinfmtEntry **ret)
{
        _cleanup_free_ char *reason = NULL;
        int r;

        r = instance_read_entry(fd, name, ret, &reason);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r < 0) {
                fail(c, "%s: cannot read %s/%s: %s", name, c->args->mount, name,
                     reason ?: strerror(-r));
                return r;
        }
        return 1;
}

static const char *register_error_text(int r)
{
        switch (r) {
        case -ENOENT:
        case -EACCES:
        case -ENOEXEC:
                return "the kernel could not open the interpreter";
        case -EEXIST:
                return "an entry of that name appeared meanwhile";
        case -EINVAL:
                return "the kernel refused the rule";
        default:
                return "the kernel refused the registration";
        }
}

static int do_register(Context *c, int fd, const BinfmtRule *rule, const char *as_name)
{
        _cleanup_free_ char *s = NULL;
        BinfmtRule copy = *rule;
        int r;

        copy.name = (char *)as_name;
        r = rule_to_register_string(&copy, &s);
        if (r < 0)
                return r;
        return instance_register(fd, s);
}

/*
 * Replaces the entry rule->name without a moment with no handler: the new rule goes in under a
 * temporary name first (the newest entry matches first), then the old entry goes, then the rule
 * is registered under its own name and the temporary entry removed.
 */
static int do_replace(Context *c, int fd, const BinfmtRule *rule, const BinfmtEntry *old)
{
        char tmp[RULE_NAME_MAX + 1];
        int r;

        plan_temp_name(rule->name, tmp, sizeof(tmp));
        (void)instance_remove(fd, tmp); /* a leftover of an interrupted run */

        r = do_register(c, fd, rule, tmp);
        if (r < 0) {
                fail(c, "%s: not replaced, %s: %s", rule->name, register_error_text(r),
                     strerror(-r));
                return r;
        }
        r = instance_remove(fd, rule->name);
        if (r < 0 && r != -ENOENT) {
                (void)instance_remove(fd, tmp);
                fail(c, "%s: not replaced, cannot remove the old entry: %s", rule->name,
                     strerror(-r));
                return r;
        }
        r = do_register(c, fd, rule, rule->name);
        if (r < 0) {
                /* Put the old entry back; if even that fails, the temporary one keeps serving. */
                int k = do_register(c, fd, &old->rule, rule->name);
                if (k >= 0 && !old->enabled)
                        (void)instance_set_enabled(fd, rule->name, false);
                if (k >= 0)
                        (void)instance_remove(fd, tmp);
                fail(c, "%s: not replaced, %s: %s%s%s", rule->name, register_error_text(r),
                     strerror(-r), k < 0 ? "; the new rule stays registered as " : "",
                     k < 0 ? tmp : "");
                return r;
        }
        r = instance_remove(fd, tmp);
        if (r < 0 && r != -ENOENT) {
                fail(c, "%s: replaced, but the temporary entry %s could not be removed: %s",
                     rule->name, tmp, strerror(-r));
                return r;
        }
        return 0;
}

static void describe_rule(const BinfmtRule *rule, const BinfmtArch *a, char *buf, size_t size)
{
        char plat[PLATFORM_MAX], flags[5];

        snprintf(buf, size, "%s, %s, flags %s",
                 platform_format(a, plat, sizeof(plat)) ?: a->name, rule->interpreter,
                 rule_flags_to_string(rule_flags_normalize(rule->flags), flags));
}

/* ---- install / plan --------------------------------------------------------------------- */

static int install_or_plan(Context *c, bool dry_run)
{
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_free_ BinfmtRule **rules = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0, n_rules = 0, n_native = 0, n_missing = 0;
        bool all = false, mounted = true;
        int r;

        r = resolve_targets(c, true, &targets, &n, &all);
        if (r < 0)
                return r;
        if (require_kernel(c) < 0 || require_host(c) < 0 || check_flags(c) < 0)
                return 0;

        rules = calloc(n ?: 1, sizeof(BinfmtRule *));
        if (!rules)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = prepare_rule(c, targets[i], all, &rules[n_rules]);
                if (r == -EEXIST)
                        n_native++;
                else if (r == -ENOENT && all)
                        n_missing++;
                else if (r == -ENOMEM)
                        return r;
                else if (r >= 0)
                        n_rules++;
        }
        if (all)
                printf("all: %zu target%s with an interpreter, %zu of the native family "
                       "skipped, %zu without an interpreter skipped.\n",
                       n_rules, n_rules == 1 ? "" : "s", n_native, n_missing);

        if (n_rules == 0)
                goto finish;

        if (dry_run) {
                r = instance_open(c->args->mount, &fd);
                if (r == -EMEDIUMTYPE) {
                        printf("binfmt_misc is not mounted at %s: install would mount it "
                               "(nosuid,nodev,noexec).\n",
                               c->args->mount);
                        mounted = false;
                } else if (r < 0) {
                        fail(c, "cannot open %s: %s", c->args->mount, strerror(-r));
                        goto finish;
                }
        } else if (open_instance(c, true, true, &fd) < 0)
                goto finish;

        for (size_t i = 0; i < n_rules; i++) {
                _cleanup_(entry_freep) BinfmtEntry *cur = NULL;
                _cleanup_free_ char *diff = NULL, *s = NULL;
                const BinfmtRule *rule = rules[i];
                const BinfmtArch *a = NULL;
                char desc[512];
                PlanAction act;

                platform_resolve(rule->name + strlen("qemu-"), &a);
                describe_rule(rule, a, desc, sizeof(desc));

                if (mounted && read_entry(c, fd, rule->name, &cur) < 0)
                        continue;
                act = plan_for_rule(rule, cur, c->args->force);
                if (cur && act != PLAN_KEEP)
                        diff = entry_describe_difference(cur, rule);

                if (dry_run) {
                        r = rule_to_register_string(rule, &s);
                        if (r < 0)
                                return r;
                        printf("%s (%s): %s%s%s\n", rule->name, desc, plan_action_to_string(act),
                               diff ? ": " : "", strempty(diff));
                        if (act == PLAN_CONFLICT)
                                fail(c, "%s: an entry of that name exists that binfmtd did not "
                                        "register; install would leave it (use --force)",
                                     rule->name);
                        else if (act != PLAN_KEEP)
                                printf("  %s\n", s);
                        if (act == PLAN_REPLACE || act == PLAN_TAKE_OVER) {
                                char tmp[RULE_NAME_MAX + 1];
                                printf("  via %s, so a handler exists throughout\n",
                                       plan_temp_name(rule->name, tmp, sizeof(tmp)));
                        }
                        continue;
                }

                switch (act) {
                case PLAN_KEEP:
                        printf("%s: already registered (%s), unchanged.\n", rule->name, desc);
                        break;
                case PLAN_REGISTER:
                        r = do_register(c, fd, rule, rule->name);
                        if (r < 0)
                                fail(c, "%s: %s: %s", rule->name, register_error_text(r),
                                     strerror(-r));
                        else
                                printf("%s: registered (%s).\n", rule->name, desc);
                        break;
                case PLAN_ENABLE:
                        r = instance_set_enabled(fd, rule->name, true);
                        if (r < 0)
                                fail(c, "%s: cannot enable: %s", rule->name, strerror(-r));
                        else
                                printf("%s: enabled again (%s).\n", rule->name, desc);
                        break;
                case PLAN_REPLACE:
                case PLAN_TAKE_OVER:
                        if (do_replace(c, fd, rule, cur) >= 0)
                                printf("%s: replaced (%s; was: %s).\n", rule->name, desc,
                                       strna(diff));
                        break;
                case PLAN_CONFLICT:
                        fail(c, "%s: an entry of that name exists that binfmtd did not register "
                                "(%s); left alone, use --force to replace it",
                             rule->name, strna(diff));
                        break;
                default:
                        break;
                }
        }

finish:
        for (size_t i = 0; i < n_rules; i++)
                rule_free(rules[i]);
        return 0;
}

static int verb_install(Context *c)
{
        return install_or_plan(c, false);
}

static int verb_plan(Context *c)
{
        return install_or_plan(c, true);
}

/* ---- uninstall -------------------------------------------------------------------------- */

static int remove_entry(Context *c, int fd, const char *name)
{
        char tmp[RULE_NAME_MAX + 1];
        int r;

        r = instance_remove(fd, name);
        if (r < 0) {
                fail(c, "%s: cannot remove: %s", name, strerror(-r));
                return r;
        }
        printf("%s: removed.\n", name);
        /* A temporary entry from an interrupted replacement would keep serving. */
        if (!strstr(name, PLAN_TEMP_SUFFIX) &&
            instance_remove(fd, plan_temp_name(name, tmp, sizeof(tmp))) >= 0)
                printf("%s: removed.\n", tmp);
        return 0;
}

static int verb_uninstall(Context *c)
{
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0;
        bool all = false;
        int r;

        r = resolve_targets(c, true, &targets, &n, &all);
        if (r < 0)
                return r;
        if (!all && n == 0)
                return 0;

        r = instance_open(c->args->mount, &fd);
        if (r == -EMEDIUMTYPE) {
                printf("binfmt_misc is not mounted at %s: nothing is registered there.\n",
                       c->args->mount);
                return 0;
        }
        if (r < 0) {
                fail(c, "cannot open %s: %s", c->args->mount, strerror(-r));
                return 0;
        }
        if (instance_is_read_only(fd) > 0) {
                fail(c, "binfmt_misc at %s is mounted read-only: nothing can be removed there",
                     c->args->mount);
                return 0;
        }

        if (all) {
                _cleanup_(entry_list_done) EntryList l = {};
                _cleanup_strv_free_ char **left = NULL;
                size_t removed = 0;

                r = instance_list(fd, &l, NULL);
                if (r < 0) {
                        fail(c, "cannot list %s: %s", c->args->mount, strerror(-r));
                        return 0;
                }
                for (size_t i = 0; i < l.n; i++) {
                        const char *name = l.entries[i]->rule.name;

                        if (plan_entry_is_ours(l.entries[i], NULL)) {
                                /* A temporary entry went already, with the entry it belongs to. */
                                if (strstr(name, PLAN_TEMP_SUFFIX) &&
                                    faccessat(fd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                                        continue;
                                if (remove_entry(c, fd, name) >= 0)
                                        removed++;
                        } else if (strv_extend(&left, name) < 0)
                                return -ENOMEM;
                }
                if (removed == 0 && !c->failed)
                        printf("No entries of binfmtd are registered at %s.\n", c->args->mount);
                if (left) {
                        printf("Left alone, not registered by binfmtd:");
                        STRV_FOREACH(e, left)
                                printf(" %s", *e);
                        printf("\n");
                }
                return 0;
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_(entry_freep) BinfmtEntry *cur = NULL;
                char name[ARCH_ENTRY_NAME_MAX];

                arch_entry_name(targets[i], name, sizeof(name));
                r = read_entry(c, fd, name, &cur);
                if (r < 0)
                        continue;
                if (r == 0) {
                        printf("%s: not registered, nothing to remove.\n", name);
                        continue;
                }
                if (!plan_entry_is_ours(cur, NULL) && !c->args->force) {
                        fail(c, "%s: not removed: binfmtd did not register this entry (it "
                                "matches other bytes than binfmtd's %s rule); use --force to "
                                "remove it",
                             name, targets[i]->name);
                        continue;
                }
                (void)remove_entry(c, fd, name);
        }
        return 0;
}

/* ---- status, list, which ---------------------------------------------------------------- */

static const char *check_text(const StatusEntry *se)
{
        if (!se->entry->rule.interpreter)
                return "-";
        if (se->interp.problem == INTERP_OK)
                return "static, safe";
        return interp_problem_to_id(se->interp.problem);
}

static int print_status_text(Context *c, const Status *s)
{
        const SystemInfo *sys = &c->sys;
        char buf[256], plat[PLATFORM_MAX];

        if (sys->kernel_r >= 0)
                printf("Kernel:       %s: %s\n", sys->uts.release,
                       kernel_format_features(&sys->kernel, buf, sizeof(buf)));
        else
                printf("Kernel:       %s (release not understood)\n", sys->uts.release);
        if (sys->host_r >= 0 && sys->host.arch)
                printf("Native:       %s (%s, family %s)\n",
                       platform_format(sys->host.arch, plat, sizeof(plat)) ?: sys->host.arch->name,
                       sys->uts.machine, sys->host.arch->family);
        else
                printf("Native:       %s (not in the table)\n", sys->uts.machine);

        if (s->mount_r < 0) {
                printf("binfmt_misc:  %s: not mounted%s%s\n", s->mount,
                       s->mount_r == -EMEDIUMTYPE ? "" : ", ",
                       s->mount_r == -EMEDIUMTYPE ? "" : strerror(-s->mount_r));
        } else {
                printf("binfmt_misc:  %s: mounted, %s, %s\n", s->mount,
                       s->enabled > 0 ? "enabled" : s->enabled == 0 ? "disabled" : "state unknown",
                       s->read_only > 0 ? "read-only" : "read-write");
        }
        if (sys->initial_userns)
                printf("Namespace:    initial user namespace (the host's instance)\n");
        else
                printf("Namespace:    a user namespace%s\n",
                       sys->kernel.userns_instances
                               ? ": an instance mounted in it is its own; registrations there do "
                                 "not reach the host"
                               : "");
        if (s->mount_r < 0)
                return 0;

        printf("Entries:      %zu%s\n", s->n_entries,
               s->skipped ? " (some could not be read)" : "");
        if (s->n_entries == 0)
                return 0;

        printf("\n%-20s %-9s %-8s %-14s %-6s %-36s %s\n", "NAME", "STATE", "OWNER", "PLATFORM",
               "FLAGS", "INTERPRETER", "CHECK");
        for (size_t i = 0; i < s->n_entries; i++) {
                const StatusEntry *se = &s->entries[i];
                char flags[5];

                printf("%-20s %-9s %-8s %-14s %-6s %-36s %s\n", se->entry->rule.name,
                       se->entry->enabled ? "enabled" : "disabled",
                       se->ours ? "binfmtd" : "other",
                       se->arch ? (platform_format(se->arch, plat, sizeof(plat)) ?: se->arch->name)
                                : "-",
                       se->entry->rule.flags ? rule_flags_to_string(se->entry->rule.flags, flags)
                                             : "-",
                       strempty(se->entry->rule.interpreter), check_text(se));
        }
        return 0;
}

static int verb_status(Context *c)
{
        _cleanup_(status_done) Status s = {};
        int r;

        r = status_collect(&c->sys, c->args->mount, &s);
        if (r < 0) {
                fail(c, "cannot read %s: %s", c->args->mount, strerror(-r));
                return 0;
        }

        if (c->args->json) {
                struct json_object *j;

                r = status_to_json(&s, &j);
                if (r < 0)
                        return r;
                puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(j);
                return 0;
        }
        return print_status_text(c, &s);
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
                        r = find_interpreter(c, a, &interp, &chk);
                        if (r == -ENOMEM)
                                return r;
                        where = r == -ENOENT ? "-" : interp;
                }
                bool unusable = interp && chk.problem != INTERP_OK;
                printf("%-14s %-12s %-30s %-34s %s%s%s%s\n", a->name, a->family, plats, names,
                       where, unusable ? " (unusable: " : "",
                       unusable ? interp_problem_to_id(chk.problem) : "", unusable ? ")" : "");
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
        ssize_t n;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                fail(c, "%s: %m", path);
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

int main(int argc, char *argv[])
{
        _cleanup_(args_done) Args args = {};
        Context c = { .args = &args };
        const Verb *v;
        int r;

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

        r = v->run(&c);
        if (r < 0) {
                log_error("%s failed: %s", v->name, strerror(-r));
                return EXIT_FAILURE;
        }
        return c.failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
