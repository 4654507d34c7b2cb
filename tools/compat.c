/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tonistiigi/binfmt compatibility mode of binfmtctl: what `docker run --privileged --rm
 * IMAGE --install all` and docker/setup-qemu-action expect from that image's entry point. Its
 * command line (Go flag syntax), its architecture names (containerd's normalisation, ten
 * keys), its environment (QEMU_BINARY_PATH, QEMU_BINARY_PREFIX, QEMU_PRESERVE_ARGV0), its
 * lines on stderr ("installing: arm64 OK"), its status JSON on stdout and its exit codes
 * (0 for everything but command-line errors, which give 2).
 *
 * The work itself is binfmtd's: registrations go through lib/ops.c (interpreter and rule
 * checks, no native target, ownership records), "supported" comes from running the probes
 * (lib/verify.c, lib/readiness.c). This file must not weaken any of those checks to match the
 * old tool, and it never unmounts binfmt_misc. Every difference is in binfmtctl-compat(7).
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
#include "arch.h"
#include "compat.h"
#include "host.h"
#include "instance.h"
#include "interp.h"
#include "ops.h"
#include "owned.h"
#include "platform.h"
#include "readiness.h"
#include "rule.h"
#include "status.h"
#include "strv.h"
#include "system.h"
#include "verify.h"

#define COMPAT_EXIT_USAGE          2
#define COMPAT_VERIFY_TIMEOUT_USEC (10u * 1000u * 1000u)
#define COMPAT_VERSION_TIMEOUT_MS  5000
#define PREFIX_ERROR                                                                               \
        "binary prefix must not contain path separator (Hint: set $QEMU_BINARY_PATH to specify "   \
        "the directory)"

/* tonistiigi/binfmt's table: its install keys (GOARCH names) and the QEMU target of each, in
 * the order of its documentation. */
static const struct {
        const char *key;
        const char *qemu;
} compat_table[] = {
        {"amd64", "x86_64"},    {"arm64", "aarch64"},
        {"arm", "arm"},         {"s390x", "s390x"},
        {"ppc64le", "ppc64le"}, {"riscv64", "riscv64"},
        {"386", "i386"},        {"mips64le", "mips64el"},
        {"mips64", "mips64"},   {"loong64", "loongarch64"},
};

typedef struct CompatArgs {
        const char *install;
        const char *uninstall;
        const char *mount;
        bool version;
} CompatArgs;

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

static const char *compat_qemu_name(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(compat_table); i++)
                if (streq(compat_table[i].key, key))
                        return compat_table[i].qemu;
        return NULL;
}

/* ---- Go's flag package ------------------------------------------------------------------ */

static bool flag_takes_value(const char *name)
{
        return streq(name, "install") || streq(name, "uninstall") || streq(name, "mount");
}

static bool flag_known(const char *name)
{
        return flag_takes_value(name) || streq(name, "version");
}

/* The flag name of @arg ("--install=x" -> "install" in @buf), or NULL when @arg is not one. */
static const char *flag_name(const char *arg, char *buf, size_t size)
{
        const char *n;
        size_t l;

        if (arg[0] != '-' || arg[1] == '\0')
                return NULL;
        n = arg + 1 + (arg[1] == '-');
        l = strcspn(n, "=");
        if (l == 0 || l >= size)
                return NULL;
        memcpy(buf, n, l);
        buf[l] = '\0';
        return buf;
}

bool compat_wanted(int argc, char **argv)
{
        const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
        char name[32];

        base = base ? base + 1 : (argc > 0 && argv[0] ? argv[0] : "");
        if (streq(base, "binfmt"))
                return argc < 2 || argv[1][0] == '-';

        if (argc < 2 || streq(argv[1], "--version"))
                return false;
        if (!flag_name(argv[1], name, sizeof(name)) || !flag_known(name))
                return false;
        /* Read as Go would: a word that is no flag's value is a binfmtctl command. */
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (streq(a, "--"))
                        return i + 1 >= argc;
                if (a[0] != '-' || a[1] == '\0')
                        return false;
                if (!flag_name(a, name, sizeof(name)) || !flag_known(name))
                        return false; /* binfmtctl's own option (--direct, --socket...) */
                if (flag_takes_value(name) && !strchr(a, '='))
                        i++;
        }
        return true;
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

/* Go's strconv.ParseBool. */
static int go_parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (streq(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (streq(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

_printf_(2, 3) static int usage_error(const char *prog, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        usage(stderr, prog);
        return -EINVAL;
}

/*
 * Parses as Go's flag.Parse() does: -x and --x alike, -x=v, -x v (a value is taken whatever it
 * looks like), bool flags only as -x or -x=BOOL, parsing stops at the first word or after "--",
 * and the words after it are ignored. Returns 0, 1 after -h/--help, -EINVAL (reported).
 */
static int parse_flags(int argc, char **argv, CompatArgs *a)
{
        const char *prog = argc > 0 && argv[0] ? argv[0] : "binfmt";

        for (int i = 1; i < argc; i++) {
                const char *s = argv[i], *name, *eq;
                _cleanup_free_ char *n = NULL;
                int dashes = 1;

                if (strlen(s) < 2 || s[0] != '-')
                        break;
                if (s[1] == '-') {
                        dashes = 2;
                        if (s[2] == '\0')
                                break;
                }
                name = s + dashes;
                if (name[0] == '-' || name[0] == '=')
                        return usage_error(prog, "bad flag syntax: %s", s);

                eq = strchr(name + 1, '=');
                n = eq ? strndup(name, eq - name) : strdup(name);
                if (!n)
                        return -ENOMEM;

                if (!flag_known(n)) {
                        if (streq(n, "help") || streq(n, "h")) {
                                usage(stderr, prog);
                                return 1;
                        }
                        return usage_error(prog, "flag provided but not defined: -%s", n);
                }
                if (streq(n, "version")) {
                        if (eq && go_parse_bool(eq + 1, &a->version) < 0)
                                return usage_error(prog,
                                                   "invalid boolean value \"%s\" for -%s: parse "
                                                   "error",
                                                   eq + 1, n);
                        if (!eq)
                                a->version = true;
                        continue;
                }

                const char *value;
                if (eq)
                        value = eq + 1;
                else if (i + 1 < argc)
                        value = argv[++i];
                else
                        return usage_error(prog, "flag needs an argument: -%s", n);

                if (streq(n, "install"))
                        a->install = value;
                else if (streq(n, "uninstall"))
                        a->uninstall = value;
                else
                        a->mount = value;
        }
        return 0;
}

/* ---- containerd's platforms.Parse(), as far as the architecture goes --------------------- */

static bool in_list(const char *s, const char *const *l)
{
        for (; *l; l++)
                if (streq(s, *l))
                        return true;
        return false;
}

static const char *const go_known_os[] = {
        "aix",   "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios", "js",
        "linux", "nacl",    "netbsd", "openbsd",   "plan9",   "solaris", "windows", "zos", NULL,
};

static const char *const go_known_arch[] = {
        "386",       "amd64",       "amd64p32", "arm",   "armbe",   "arm64",  "arm64be",
        "ppc64",     "ppc64le",     "loong64",  "mips",  "mipsle",  "mips64", "mips64le",
        "mips64p32", "mips64p32le", "ppc",      "riscv", "riscv64", "s390",   "s390x",
        "sparc",     "sparc64",     "wasm",     NULL,
};

static void ascii_lower(char *s)
{
        for (; *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                        *s += 'a' - 'A';
}

static const char *normalize_arch(const char *arch)
{
        if (streq(arch, "i386"))
                return "386";
        if (streq(arch, "x86_64") || streq(arch, "x86-64"))
                return "amd64";
        if (streq(arch, "aarch64"))
                return "arm64";
        if (streq(arch, "armhf") || streq(arch, "armel"))
                return "arm";
        return arch;
}

static bool specifier_part_ok(const char *p)
{
        if (!*p)
                return false;
        for (; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        return true;
}

/*
 * The architecture containerd finds in @spec ("linux/arm64/v8" -> "arm64", "aarch64" ->
 * "arm64", "armhf" -> "arm", "linux" -> the host's), into @buf. -EINVAL where containerd
 * fails, and then the caller keeps the text as given, as tonistiigi/binfmt does.
 */
static int oci_parse_arch(const Compat *c, const char *spec, char *buf, size_t size)
{
        _cleanup_free_ char *s = strdup(spec);
        char *parts[4] = {};
        size_t n = 0;

        if (!s)
                return -ENOMEM;
        if (strchr(s, '*'))
                return -EINVAL;
        for (char *p = s, *slash;; p = slash + 1) {
                if (n >= 3)
                        return -EINVAL;
                parts[n++] = p;
                slash = strchr(p, '/');
                if (!slash)
                        break;
                *slash = '\0';
        }
        for (size_t i = 0; i < n; i++) {
                if (!specifier_part_ok(parts[i]))
                        return -EINVAL;
                ascii_lower(parts[i]);
        }

        if (n == 1) {
                if (in_list(parts[0], go_known_os) || streq(parts[0], "macos")) {
                        /* A bare OS: containerd picks the architecture it runs on. */
                        if (c->sys.host_r < 0 || !c->sys.host.arch || !c->sys.host.arch->oci_arch)
                                return -EINVAL;
                        snprintf(buf, size, "%s", c->sys.host.arch->oci_arch);
                        return 0;
                }
                if (!in_list(normalize_arch(parts[0]), go_known_arch))
                        return -EINVAL;
        }
        /* With an OS given, containerd takes any architecture and drops the variant. */
        snprintf(buf, size, "%s", normalize_arch(parts[n == 1 ? 0 : 1]));
        return 0;
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
        snprintf(buf, size, "unknown");

        for (size_t i = 0; i < ELEMENTSOF(compat_table); i++) {
                _cleanup_free_ char *p = NULL;
                char out[1024], *v, *end;

                /* What QEMU_BINARY_PATH names is run with the caller's own rights: nothing to
                 * check beyond it being a program (without privileges, root's files may not
                 * even look root's). */
                if (find_interpreter(c, compat_table[i].qemu, &p) < 0 || access(p, X_OK) < 0)
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
                say("error: cannot mount binfmt_misc filesystem at %s: %s", m, strerror(-q));
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

                if (oci_parse_arch(c, item, arch, sizeof(arch)) >= 0 && compat_qemu_name(arch)) {
                        const char *n;

                        if (entry_name(c, compat_qemu_name(arch), &name) < 0)
                                goto oom;
                        n = startswith(name, "qemu-");
                        if (n)
                                memmove(name, n, strlen(n) + 1);
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
 * The platforms that run: the probes of every target, from the host and in an empty chroot,
 * judged by readiness.c. Without a verification only the native platform is listed.
 */
static int collect_supported(Compat *c, char ***ret)
{
        _cleanup_(status_done) Status s = {};
        _cleanup_(verification_done) Verification v = {};
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_free_ char *workdir = NULL;
        char **l;
        size_t n = 0;
        int q;

        q = status_collect(&c->sys, c->args.mount, owned_state_dir(), &s);
        if (q < 0)
                return q;

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
        *ret = l;
        return 0;
}

/* A JSON string as Go's encoding/json writes it (HTML-safe, invalid UTF-8 as U+FFFD). */
static void json_string(FILE *f, const char *s)
{
        const unsigned char *p = (const unsigned char *)s;

        fputc('"', f);
        while (*p) {
                unsigned char ch = *p;
                size_t len = ch < 0x80             ? 1
                             : (ch & 0xe0) == 0xc0 ? 2
                             : (ch & 0xf0) == 0xe0 ? 3
                             : (ch & 0xf8) == 0xf0 ? 4
                                                   : 0;
                uint32_t cp = len == 2 ? ch & 0x1f : len == 3 ? ch & 0x0f : ch & 0x07;
                bool valid = len > 0;

                for (size_t i = 1; valid && i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                valid = false;
                        else
                                cp = (cp << 6) | (p[i] & 0x3f);
                }
                if (valid && len > 1 &&
                    ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                     (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
                     (cp >= 0xd800 && cp <= 0xdfff)))
                        valid = false;
                if (!valid) {
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                if (len > 1) {
                        if (cp == 0x2028 || cp == 0x2029)
                                fprintf(f, "\\u%04x", cp);
                        else
                                fwrite(p, 1, len, f);
                        p += len;
                        continue;
                }
                if (ch == '"' || ch == '\\')
                        fprintf(f, "\\%c", ch);
                else if (ch == '\n')
                        fputs("\\n", f);
                else if (ch == '\r')
                        fputs("\\r", f);
                else if (ch == '\t')
                        fputs("\\t", f);
                else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&')
                        fprintf(f, "\\u%04x", ch);
                else
                        fputc(ch, f);
                p++;
        }
        fputc('"', f);
}

static void json_array(FILE *f, char *const *l)
{
        if (!l || !*l) {
                fputs("null", f);
                return;
        }
        fputs("[\n", f);
        for (size_t i = 0; l[i]; i++) {
                fputs("    ", f);
                json_string(f, l[i]);
                fputs(l[i + 1] ? ",\n" : "\n", f);
        }
        fputs("  ]", f);
}

/* Every entry whose file starts with "enabled", whoever registered it, sorted by name. */
static int collect_emulators(const Compat *c, char ***ret)
{
        _cleanup_strv_free_ char **names = NULL, **l = NULL;
        _cleanup_close_ int fd = -EBADF;
        int q;

        q = instance_open(c->args.mount, &fd);
        if (q < 0)
                return q;
        q = list_dir(c->args.mount, &names);
        if (q < 0)
                return q;
        STRV_FOREACH (n, names) {
                _cleanup_free_ char *text = NULL;

                if (streq(*n, "register") || streq(*n, "status"))
                        continue;
                text = read_text(fd, *n);
                if (!text)
                        return -errno ?: -EIO;
                if (startswith(text, "enabled") && strv_extend(&l, *n) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static void print_status(Compat *c)
{
        _cleanup_strv_free_ char **supported = NULL, **emulators = NULL;
        int q;

        q = collect_emulators(c, &emulators);
        if (q < 0) {
                say("error: cannot read the entries in %s: %s", c->args.mount, strerror(-q));
                return;
        }
        q = collect_supported(c, &supported);
        if (q < 0) {
                say("error: cannot read the status of %s: %s", c->args.mount, strerror(-q));
                return;
        }

        fputs("{\n  \"supported\": ", stdout);
        json_array(stdout, supported);
        fputs(",\n  \"emulators\": ", stdout);
        json_array(stdout, emulators);
        fputs("\n}\n", stdout);
        fflush(stdout);
}

/* ---- the run ------------------------------------------------------------------------------- */

/* "all": every key whose platform does not run yet and whose interpreter is there. */
static int all_keys(Compat *c, char ***ret)
{
        _cleanup_strv_free_ char **supported = NULL, **l = NULL;
        int q;

        q = collect_supported(c, &supported);
        if (q < 0)
                return q;
        for (size_t i = 0; i < ELEMENTSOF(compat_table); i++) {
                _cleanup_free_ char *interp = NULL;
                char plat[PLATFORM_MAX];

                if (readiness_canonical(compat_table[i].key, plat, sizeof(plat)) >= 0 &&
                    strv_contains(supported, plat))
                        continue;
                /* An invalid prefix keeps the key, so that its error is printed. */
                if (c->env.prefix_ok) {
                        q = find_interpreter(c, compat_table[i].qemu, &interp);
                        if (q == -ENOMEM)
                                return q;
                        if (q < 0)
                                continue;
                }
                if (strv_extend(&l, compat_table[i].key) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static void do_install(Compat *c)
{
        _cleanup_strv_free_ char **keys = NULL;
        int q;

        if (streq(c->args.install, "all")) {
                q = all_keys(c, &keys);
                if (q < 0) {
                        say("error: cannot compute \"all\": %s", strerror(-q));
                        return;
                }
        } else {
                _cleanup_free_ char *list = strdup(c->args.install);

                if (!list) {
                        say("error: out of memory");
                        return;
                }
                for (char *item = list, *comma;; item = comma + 1) {
                        char arch[64];

                        comma = strchr(item, ',');
                        if (comma)
                                *comma = '\0';
                        q = oci_parse_arch(c, item, arch, sizeof(arch));
                        if (q == -ENOMEM || strv_extend(&keys, q >= 0 ? arch : item) < 0) {
                                say("error: out of memory");
                                return;
                        }
                        if (!comma)
                                break;
                }
        }
        if (!keys)
                return;

        /* Some automounted binfmt_misc only shows new entries once its directory is touched. */
        (void)utimensat(AT_FDCWD, c->args.mount, NULL, 0);

        STRV_FOREACH (k, keys)
                install_one(c, *k);
}

static void compat_done(Compat *c)
{
        strv_free(c->warned);
}

int compat_main(int argc, char **argv)
{
        _cleanup_(compat_done) Compat c = {
                .args.mount = DEFAULT_MOUNT,
        };
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
