/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tonistiigi/binfmt compatibility mode of binfmtctl: what `docker run --privileged --rm
 * IMAGE --install all` and docker/setup-qemu-action expect from that image's entry point. Its
 * command line (Go flag syntax), its architecture names (containerd's normalisation, ten
 * keys), its environment (QEMU_BINARY_PATH, QEMU_BINARY_PREFIX, QEMU_PRESERVE_ARGV0), its
 * lines on stderr ("installing: arm64 OK"), its status JSON on stdout and its exit codes
 * (0 for everything but command-line errors, which give 2).
 *
 * This file is the run. What can be decided without the system (the command line, the
 * architecture names and the ten install keys, the JSON) is lib/compat/tonistiigi.c's, tested on
 * its own. The work itself is binfmtd's: registrations go through lib/ops/ops.c (interpreter and
 * rule checks, no native target, ownership records), "supported" comes from running the probes
 * (lib/verify/verify.c, lib/ops/readiness.c). This file must not weaken any of those checks to
 * match the old tool, and it never unmounts binfmt_misc. Every difference is in
 * binfmtctl-compat(7).
 */

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>

#include "build-config.h"
#include "target/arch.h"
#include "compat.h"
#include "target/host.h"
#include "binfmt/instance.h"
#include "target/interp.h"
#include "ops/ops.h"
#include "binfmt/owned.h"
#include "target/platform.h"
#include "ops/readiness.h"
#include "binfmt/rule.h"
#include "ops/status.h"
#include "base/strv.h"
#include "compat/tonistiigi.h"
#include "verify/system.h"
#include "verify/verify.h"

#define COMPAT_EXIT_USAGE          2
#define COMPAT_VERIFY_TIMEOUT_USEC (10u * 1000u * 1000u)
#define COMPAT_VERSION_TIMEOUT_MS  5000
#define PREFIX_ERROR                                                                               \
        "binary prefix must not contain path separator (Hint: set $QEMU_BINARY_PATH to specify "   \
        "the directory)"

typedef struct CompatEnv {
        const char *path;   /* QEMU_BINARY_PATH */
        const char *prefix; /* QEMU_BINARY_PREFIX */
        bool prefix_ok;
        bool preserve_argv0; /* QEMU_PRESERVE_ARGV0 */
} CompatEnv;

typedef struct Compat {
        CompatArgs args;
        CompatEnv env;
        SystemInfo sys;
        unsigned flags; /* added to F */
        char **warned;  /* warning lines printed once */
} Compat;

/* ---- the command line -------------------------------------------------------------------- */

bool compat_wanted(int argc, char **argv)
{
        return compat_args_wanted(argc, argv);
}

static void usage(FILE *f, const char *prog)
{
        /* The layout of Go's flag.PrintDefaults(). */
        fprintf(f,
                "Usage of %s:\n"
                "  -install string\n"
                "    \tarchitectures to install (comma-separated, or \"all\")\n"
                "  -mount string\n"
                "    \tbinfmt_misc mount point (default \"%s\")\n"
                "  -uninstall string\n"
                "    \tarchitectures or entries to uninstall (comma-separated, globs allowed)\n"
                "  -version\n"
                "    \tdisplay version\n"
                "See binfmtctl-compat(7).\n",
                prog, DEFAULT_MOUNT);
}

/* ---- messages ------------------------------------------------------------------------------ */

_printf_(1, 2) static void say(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void warn_once(Compat *c, const char *text)
{
        if (strv_contains(c->warned, text))
                return;
        say("%s", text);
        (void)strv_extend(&c->warned, text);
}

/* The host's OCI architecture, for a bare OS name in an architecture list; NULL if unknown. */
static const char *host_arch(const Compat *c)
{
        if (c->sys.host_r < 0 || !c->sys.host.arch)
                return NULL;
        return c->sys.host.arch->oci_arch;
}

/* ---- --version --------------------------------------------------------------------------- */

/* The entry name (and interpreter basename) tonistiigi/binfmt gives a QEMU target. */
static int entry_name(const Compat *c, const char *qemu, char **ret)
{
        return asprintf(ret, "%sqemu-%s", c->env.prefix, qemu) < 0 ? -ENOMEM : 0;
}

/*
 * The interpreter for @qemu: QEMU_BINARY_PATH/PREFIXqemu-NAME as tonistiigi/binfmt has it,
 * else Debian's name with "-static"; the first that is safe to register (a host with both
 * qemu-user and qemu-user-static has a dynamic qemu-NAME beside the static qemu-NAME-static),
 * else the first that exists, for its problem to be reported. Returns 0, -ENOENT (neither
 * exists), -ENOMEM.
 */
static int find_interpreter(const Compat *c, const char *qemu, char **ret)
{
        _cleanup_free_ char *name = NULL, *found = NULL;

        if (entry_name(c, qemu, &name) < 0)
                return -ENOMEM;
        for (int i = 0; i < 2; i++) {
                _cleanup_free_ char *p = NULL;
                InterpCheck chk;
                struct stat st;

                if (asprintf(&p, "%s/%s%s", c->env.path, name, i ? "-static" : "") < 0)
                        return -ENOMEM;
                if (stat(p, &st) < 0)
                        continue;
                if (interp_check(p, c->sys.host.e_machine, 0, &chk) == -ENOMEM)
                        return -ENOMEM;
                if (chk.problem == INTERP_OK) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
                if (!found)
                        found = TAKE_PTR(p);
        }
        if (!found)
                return -ENOENT;
        *ret = TAKE_PTR(found);
        return 0;
}

/* Reads what @argv[0] prints for --version, for at most COMPAT_VERSION_TIMEOUT_MS. */
static int read_program_output(const char *path, char *buf, size_t size)
{
        int pipefd[2];
        size_t n = 0;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int q = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return q;
        }
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (dup2(pipefd[1], STDOUT_FILENO) < 0 ||
                    (devnull >= 0 &&
                     (dup2(devnull, STDIN_FILENO) < 0 || dup2(devnull, STDERR_FILENO) < 0)))
                        _exit(127);
                execl(path, path, "--version", (char *)NULL);
                _exit(127);
        }
        close(pipefd[1]);

        for (;;) {
                struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
                ssize_t k;

                if (poll(&p, 1, COMPAT_VERSION_TIMEOUT_MS) <= 0)
                        break;
                k = read(pipefd[0], buf + n, size - 1 - n);
                if (k <= 0)
                        break;
                n += k;
                if (n >= size - 1)
                        break;
        }
        buf[n] = '\0';
        close(pipefd[0]);
        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, NULL, 0);
        return n > 0 ? 0 : -ENODATA;
}

/*
 * "qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)" -> "v7.2.22 (Debian ...)"
 * from the first safe interpreter in QEMU_BINARY_PATH.
 */
static void qemu_version(Compat *c, char *buf, size_t size)
{
        const CompatTarget *table;
        size_t n;

        snprintf(buf, size, "unknown");

        table = compat_targets(&n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                char out[1024], *v, *end;

                /* What QEMU_BINARY_PATH names is run with the caller's own rights: nothing to
                 * check beyond it being a program (without privileges, root's files may not
                 * even look root's). */
                if (find_interpreter(c, table[i].qemu, &p) < 0 || access(p, X_OK) < 0)
                        continue;
                if (read_program_output(p, out, sizeof(out)) < 0)
                        continue;
                v = strstr(out, " version ");
                if (!v)
                        continue;
                v += strlen(" version ");
                end = strchr(v, '\n');
                if (end)
                        *end = '\0';
                end = strchr(v, ' ');
                if (end) {
                        *end = '\0';
                        snprintf(buf, size, "v%s %s", v, end + 1);
                } else
                        snprintf(buf, size, "v%s", v);
                return;
        }
}

static void print_version(Compat *c)
{
        char v[256];

        qemu_version(c, v, sizeof(v));
        say("binfmtd/%s qemu/%s", PROJECT_VERSION, v);
}

/* ---- mounting ---------------------------------------------------------------------------- */

/* Mounts binfmt_misc at the mount point when it is not there. Never unmounts. */
static int ensure_mounted(const Compat *c)
{
        const char *m = c->args.mount;
        _cleanup_close_ int fd = -EBADF;
        struct statvfs sv;
        int q;

        q = instance_open(m, &fd);
        if (q >= 0)
                return 0;
        if (q == -EMEDIUMTYPE)
                q = instance_mount(m);
        if (q >= 0)
                return 0;

        switch (q) {
        case -ENODEV:
                say("error: cannot mount binfmt_misc filesystem at %s: the kernel has no "
                    "binfmt_misc (load it on the host: modprobe binfmt_misc)",
                    m);
                break;
        case -EPERM:
        case -EACCES:
                if (statvfs(m, &sv) >= 0 && (sv.f_flag & ST_RDONLY))
                        say("error: cannot mount binfmt_misc filesystem at %s: %s; %s is on a "
                            "read-only file system (run the container with --privileged)",
                            m, strerror(-q), m);
                else
                        say("error: cannot mount binfmt_misc filesystem at %s: %s (mounting "
                            "needs CAP_SYS_ADMIN: run the container with --privileged; a "
                            "rootless or user-namespaced container cannot register emulators "
                            "for the host)",
                            m, strerror(-q));
                break;
        case -ENOENT:
        case -ENOTDIR:
                say("error: cannot mount binfmt_misc filesystem at %s: %s is not a directory "
                    "(check --mount)",
                    m, m);
                break;
        default:
                say("error: cannot mount binfmt_misc filesystem at %s: %s", m,
                    instance_mount_strerror(q));
        }
        return q;
}

/* ---- uninstall --------------------------------------------------------------------------- */

static int compare_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the instance directory, sorted as Go's os.ReadDir sorts them. */
static int list_dir(const char *mount, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        struct dirent *de;
        int q = 0;

        d = opendir(mount);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                q = strv_extend(&l, de->d_name);
                if (q < 0)
                        break;
        }
        closedir(d);
        if (q < 0)
                return q;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), compare_str);
        *ret = TAKE_PTR(l);
        return 0;
}

static bool endswith_dash(const char *s, const char *suffix)
{
        size_t ls = strlen(s), lx = strlen(suffix);

        return ls > lx && s[ls - lx - 1] == '-' && streq(s + ls - lx, suffix);
}

static void uninstall_one(const Compat *c, int fd, Owned *o, const char *target)
{
        _cleanup_strv_free_ char **names = NULL;
        int q;

        q = list_dir(c->args.mount, &names);
        if (q < 0) {
                say("uninstalling: %s cannot read %s: %s", target, c->args.mount, strerror(-q));
                return;
        }
        STRV_FOREACH (n, names) {
                if (streq(*n, "register") || streq(*n, "status") || streq(*n, "WSLInterop"))
                        continue;
                if (!streq(*n, target) && !endswith_dash(*n, target))
                        continue;
                q = instance_remove(fd, *n);
                if (q < 0) {
                        say("uninstalling: %s cannot remove %s: %s", target, *n, strerror(-q));
                        return;
                }
                (void)owned_remove(o, *n);
                say("uninstalling: %s OK", target);
                return;
        }
        say("uninstalling: %s not found", target);
}

/*
 * tonistiigi/binfmt's --uninstall: each item, an architecture name turned into its QEMU name,
 * is a glob in the mount directory; each entry it matches (or the item itself when none) is
 * removed, as the first entry named so or ending in "-NAME". Other tools' entries too: that is
 * what docker/setup-qemu-action's reset relies on.
 */
static void do_uninstall(Compat *c)
{
        _cleanup_(owned_freep) Owned *o = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *list = strdup(c->args.uninstall);
        int q;

        if (!list) {
                say("error: out of memory");
                return;
        }
        q = instance_open(c->args.mount, &fd);
        if (q < 0) {
                say("error: cannot open %s: %s", c->args.mount, strerror(-q));
                return;
        }
        if (owned_open(owned_state_dir(), fd, &o) < 0)
                o = NULL;

        for (char *item = list, *comma;; item = comma + 1) {
                _cleanup_free_ char *name = NULL, *pattern = NULL;
                char arch[64];
                glob_t g = {};

                comma = strchr(item, ',');
                if (comma)
                        *comma = '\0';

                if (compat_arch_parse(item, host_arch(c), arch, sizeof(arch)) >= 0 &&
                    compat_qemu_name(arch)) {
                        size_t l;

                        if (entry_name(c, compat_qemu_name(arch), &name) < 0)
                                goto oom;
                        /* As there, the binary's name without "qemu-". */
                        l = strlen(name);
                        if (l >= 5 && memcmp(name, "qemu-", 5) == 0)
                                memmove(name, name + 5, l - 5 + 1);
                } else if (!(name = strdup(item)))
                        goto oom;

                if (asprintf(&pattern, "%s%s%s", c->args.mount, *name ? "/" : "", name) < 0)
                        goto oom;
                if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
                        for (size_t i = 0; i < g.gl_pathc; i++) {
                                const char *p = g.gl_pathv[i], *b;
                                size_t l = strlen(p);

                                while (l > 1 && p[l - 1] == '/')
                                        l--;
                                b = memrchr(p, '/', l);
                                b = b ? b + 1 : p;
                                _cleanup_free_ char *t = strndup(b, l - (b - p));
                                if (!t) {
                                        globfree(&g);
                                        goto oom;
                                }
                                uninstall_one(c, fd, o, t);
                        }
                } else
                        uninstall_one(c, fd, o, name);
                globfree(&g);

                if (!comma)
                        break;
        }
        return;
oom:
        say("error: out of memory");
}

/* ---- install ------------------------------------------------------------------------------- */

typedef struct InstallTarget {
        BinfmtArch arch; /* the table's, with tonistiigi/binfmt's entry name */
        char *entry;
        char *interpreter;
        OpsOverride override;
} InstallTarget;

static const OpsOverride *install_override(void *userdata, const BinfmtArch *a)
{
        InstallTarget *t = userdata;

        return a == &t->arch ? &t->override : NULL;
}

static char *read_text(int dir_fd, const char *name)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char buf[4096];
        ssize_t n;

        if (fd < 0)
                return NULL;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return strdup(buf);
}

/* The message for another tool's entry of the same name that differs from ours. */
static void foreign_entry_message(const Compat *c, int fd, InstallTarget *t, char *buf, size_t size)
{
        _cleanup_(entry_freep) BinfmtEntry *cur = NULL;
        _cleanup_(rule_freep) BinfmtRule *rule = NULL;
        _cleanup_free_ char *diff = NULL, *reason = NULL;

        if (instance_read_entry(fd, t->entry, &cur, &reason) >= 0 &&
            rule_new_from_arch(&t->arch, t->interpreter, RULE_FLAG_F | c->flags, &rule) >= 0)
                diff = entry_describe_difference(cur, rule);
        snprintf(buf, size,
                 "%s already registered by another tool%s%s%s; left alone (--uninstall %s "
                 "first to replace it)",
                 t->entry, diff ? " (" : "", strempty(diff), diff ? ")" : "", t->entry);
}

static void install_one(Compat *c, const char *key)
{
        _cleanup_(report_done) Report r = {};
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *before = NULL, *after = NULL;
        const char *qemu = compat_qemu_name(key);
        const BinfmtArch *a;
        InstallTarget t = {};
        char *targets[2] = {};
        char msg[1024] = "";
        size_t l = 0;
        int q;

        if (!qemu) {
                say("installing: %s unsupported architecture: %s", key, key);
                return;
        }
        if (!c->env.prefix_ok) {
                say("installing: %s %s", key, PREFIX_ERROR);
                return;
        }
        a = arch_by_name(qemu);
        if (!a) {
                say("installing: %s unsupported architecture: %s", key, key);
                return;
        }

        t.arch = *a;
        if (entry_name(c, qemu, &t.entry) < 0)
                goto oom;
        q = find_interpreter(c, qemu, &t.interpreter);
        if (q == -ENOMEM)
                goto oom;
        if (q < 0 && !host_is_native(&c->sys.host, a)) {
                say("installing: %s no interpreter: neither %s/%s nor %s/%s-static exists (set "
                    "QEMU_BINARY_PATH to the directory of the statically linked qemu-user "
                    "interpreters)",
                    key, c->env.path, t.entry, c->env.path, t.entry);
                goto done;
        }
        if (*c->env.prefix)
                t.arch.entry_name = t.entry;
        t.override.interpreter = t.interpreter;

        (void)instance_open(c->args.mount, &fd);
        if (fd >= 0)
                before = read_text(fd, t.entry);

        OpsContext oc = {
                .sys = &c->sys,
                .mount = c->args.mount,
                .state_dir = owned_state_dir(),
                .interpreter_dirs = (char *[]){(char *)c->env.path, NULL},
                .flags = c->flags,
                .quiet_unchanged = true,
                .may_mount = true,
                .extra = &t.arch,
                .n_extra = 1,
                .override = install_override,
                .userdata = &t,
        };
        targets[0] = (char *)qemu;
        q = ops_install(&oc, targets, false, &r);
        if (q == -ENOMEM)
                goto oom;

        for (size_t i = 0; i < r.n; i++) {
                const ReportLine *line = &r.lines[i];

                if (!line->error) {
                        if (startswith(line->text, "warning:"))
                                warn_once(c, line->text);
                        continue;
                }
                if (streq_ptr(line->id, BINFMTD_ERROR("ForeignEntry")) && fd >= 0)
                        foreign_entry_message(c, fd, &t, msg + l, sizeof(msg) - l);
                else
                        snprintf(msg + l, sizeof(msg) - l, "%s", line->text);
                l = strlen(msg);
                if (l + 2 < sizeof(msg) && i + 1 < r.n) {
                        strcpy(msg + l, "; ");
                        l += 2;
                }
        }
        while (l >= 2 && streq(msg + l - 2, "; "))
                msg[l -= 2] = '\0';

        if (r.failed) {
                say("installing: %s %s", key, msg[0] ? msg : "failed");
                goto done;
        }
        if (fd < 0)
                (void)instance_open(c->args.mount, &fd);
        if (fd >= 0)
                after = read_text(fd, t.entry);
        if (before && streq_ptr(before, after))
                say("installing: %s %s already registered", key, t.entry);
        else
                say("installing: %s OK", key);
        goto done;
oom:
        say("installing: %s out of memory", key);
done:
        free(t.entry);
        free(t.interpreter);
}

/* ---- status ------------------------------------------------------------------------------ */

/*
 * One read of the instance: the platforms that run (the probes of every target, from the host
 * and in an empty chroot, judged by readiness.c; without a verification only the native
 * platform is listed) and, when @ret_emulators is given, every enabled entry, whoever
 * registered it, sorted by name.
 */
static int collect_status(Compat *c, char ***ret_supported, char ***ret_emulators)
{
        _cleanup_(status_done) Status s = {};
        _cleanup_(verification_done) Verification v = {};
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_free_ char *workdir = NULL;
        _cleanup_strv_free_ char **emulators = NULL;
        char **l;
        size_t n = 0;
        int q;

        q = status_collect(&c->sys, c->args.mount, owned_state_dir(), NULL, &s);
        if (q < 0)
                return q;
        if (s.mount_r < 0)
                return s.mount_r;
        for (size_t i = 0; ret_emulators && i < s.n_entries; i++)
                if (s.entries[i].entry->enabled &&
                    strv_extend(&emulators, s.entries[i].entry->rule.name) < 0)
                        return -ENOMEM;

        targets = verify_default_targets(&n);
        if (!targets)
                return -ENOMEM;
        q = verify_workdir(&workdir);
        if (q == -ENOMEM)
                return q;
        if (q >= 0) {
                q = verify_run(&c->sys, targets, n, (char *[]){(char *)c->env.path, NULL}, workdir,
                               COMPAT_VERIFY_TIMEOUT_USEC, &v);
                if (q == -ENOMEM)
                        return q;
        }
        if (q < 0)
                warn_once(c, "warning: cannot run the probes, \"supported\" lists the native "
                             "platform only");
        else
                s.verification = &v;

        l = readiness_supported(&s);
        if (!l)
                return -ENOMEM;
        *ret_supported = l;
        if (ret_emulators)
                *ret_emulators = TAKE_PTR(emulators);
        return 0;
}

static void print_status(Compat *c)
{
        _cleanup_strv_free_ char **supported = NULL, **emulators = NULL;
        int q;

        q = collect_status(c, &supported, &emulators);
        if (q < 0) {
                say("error: cannot read the status of %s: %s", c->args.mount, strerror(-q));
                return;
        }

        (void)compat_json_status(stdout, supported, emulators);
        fflush(stdout);
}

/* ---- the run ------------------------------------------------------------------------------- */

/* "all": every key whose platform does not run yet and whose interpreter is there. */
static int all_keys(Compat *c, char ***ret)
{
        _cleanup_strv_free_ char **supported = NULL, **l = NULL;
        const CompatTarget *table;
        size_t n;
        int q;

        q = collect_status(c, &supported, NULL);
        if (q < 0)
                return q;
        table = compat_targets(&n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *interp = NULL;
                char plat[PLATFORM_MAX];

                if (readiness_canonical(table[i].key, plat, sizeof(plat)) >= 0 &&
                    strv_contains(supported, plat))
                        continue;
                /* An invalid prefix keeps the key, so that its error is printed. */
                if (c->env.prefix_ok) {
                        q = find_interpreter(c, table[i].qemu, &interp);
                        if (q == -ENOMEM)
                                return q;
                        if (q < 0)
                                continue;
                }
                if (strv_extend(&l, table[i].key) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static void do_install(Compat *c)
{
        _cleanup_strv_free_ char **keys = NULL;
        int q;

        if (compat_install_is_all(c->args.install)) {
                q = all_keys(c, &keys);
                if (q < 0) {
                        say("error: cannot compute \"all\": %s", strerror(-q));
                        return;
                }
        } else if (compat_install_list(c->args.install, host_arch(c), &keys) < 0) {
                say("error: out of memory");
                return;
        }
        if (!keys)
                return;

        /* Some automounted binfmt_misc only shows new entries once its directory is touched. */
        (void)utimensat(AT_FDCWD, c->args.mount, NULL, 0);

        STRV_FOREACH (k, keys)
                install_one(c, *k);
}

/* Go's flag.Parse() with flag.ExitOnError: the error and the usage on stderr, exit 2. */
static int parse_flags(int argc, char **argv, CompatArgs *ret)
{
        const char *prog = argc > 0 && argv[0] ? argv[0] : "binfmt";
        _cleanup_free_ char *error = NULL;
        int q;

        q = compat_args_parse(argc, argv, ret, &error);
        if (q == -EINVAL)
                fprintf(stderr, "%s\n", error);
        if (q == -EINVAL || q == COMPAT_ARGS_HELP)
                usage(stderr, prog);
        return q;
}

static void compat_done(Compat *c)
{
        strv_free(c->warned);
}

int compat_main(int argc, char **argv)
{
        _cleanup_(compat_done) Compat c = {};
        const char *v;
        int q;

        q = parse_flags(argc, argv, &c.args);
        if (q == -ENOMEM) {
                say("error: out of memory");
                return EXIT_FAILURE;
        }
        if (q < 0)
                return COMPAT_EXIT_USAGE;
        if (q > 0)
                return EXIT_SUCCESS;
        if (!c.args.mount)
                c.args.mount = DEFAULT_MOUNT;

        v = getenv("QEMU_BINARY_PATH");
        c.env.path = v && *v ? v : DEFAULT_INTERPRETER_DIR;
        v = getenv("QEMU_BINARY_PREFIX");
        c.env.prefix = v ?: "";
        c.env.prefix_ok = !strchr(c.env.prefix, '/');
        v = getenv("QEMU_PRESERVE_ARGV0");
        c.env.preserve_argv0 = v && *v;

        q = system_probe("/proc", &c.sys);
        if (q < 0) {
                say("error: cannot read the running system's facts from /proc: %s", strerror(-q));
                return EXIT_SUCCESS;
        }
        if (!c.args.version && verify_measure_native(&c.sys) < 0) {
                say("error: out of memory");
                return EXIT_SUCCESS;
        }

        if (c.args.version) {
                print_version(&c);
                return EXIT_SUCCESS;
        }

        if (c.env.preserve_argv0) {
                /* Debian's QEMU takes P from the kernel (5.12+); it does not assume it, so on an
                 * older kernel P would shift the emulated program's arguments. */
                if (c.sys.kernel_r >= 0 && c.sys.kernel.argv0_auxv)
                        c.flags |= RULE_FLAG_P;
                else if (c.args.install && *c.args.install)
                        say("warning: QEMU_PRESERVE_ARGV0 is set, but kernel %s (older than "
                            "5.12) does not tell QEMU about the P flag: registering without P",
                            c.sys.uts.release);
        }

        if (ensure_mounted(&c) < 0)
                return EXIT_SUCCESS;

        if (c.args.uninstall && *c.args.uninstall)
                do_uninstall(&c);
        if (c.args.install && *c.args.install) {
                if (!c.sys.initial_userns && c.sys.kernel.userns_instances)
                        say("note: running in a user namespace: if %s is this namespace's own "
                            "binfmt_misc, registrations there do not reach the host",
                            c.args.mount);
                do_install(&c);
        }

        print_status(&c);
        return EXIT_SUCCESS;
}
