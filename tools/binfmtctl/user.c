/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtctl --user: the commands act on the binfmt_misc instance of the user namespace that the
 * user's rootless containers run in: rootless podman's, the one "podman unshare" enters, kept
 * alive by podman's pause process. No root anywhere.
 *
 * The instance is mounted once, inside that namespace's mount namespace over
 * /proc/sys/fs/binfmt_misc, where it lasts as long as the pause process (an unmount would
 * destroy its entries). Everything else is done from here, as the user sees the files: the
 * instance is reached through /proc/PID/root of the pause process, its files belong to the
 * namespace's root, which is the user, and with F the kernel opens the interpreter with the
 * writer's credentials. Interpreters are checked as the user sees them (root's are root's),
 * the records and probes live in the user's runtime directory, and the probes run inside the
 * namespace, where its instance serves them.
 */

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/strv.h"
#include "binfmt/instance.h"
#include "target/interp.h"
#include "verify/probe-run.h"

#include "binfmtctl.h"

/* podman's runtime directory for a rootless user: $XDG_RUNTIME_DIR, else /run/user/UID when it
 * is the user's, else $TMPDIR/podman-run-UID (as podman's GetRuntimeDir() chooses). */
static int runtime_dir(char **ret)
{
        const char *e = getenv("XDG_RUNTIME_DIR");
        struct stat st;
        char *p = NULL;

        if (e && e[0] == '/')
                p = strdup(e);
        else if (asprintf(&p, "/run/user/%u", (unsigned)getuid()) >= 0 && stat(p, &st) == 0 &&
                 st.st_uid == getuid())
                ;
        else {
                free(p);
                p = NULL;
                if (asprintf(&p, "%s/podman-run-%u", getenv("TMPDIR") ?: "/tmp",
                             (unsigned)getuid()) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* The pause process of the pid file, when it runs (a zombie has no namespaces left) and is the
 * user's; 0 when none. */
static pid_t read_pause(const char *pidfile)
{
        _cleanup_fclose_ FILE *f = fopen(pidfile, "re");
        _cleanup_fclose_ FILE *stat_file = NULL;
        char proc[64], state = 0;
        struct stat st;
        long pid;

        if (!f || fscanf(f, "%ld", &pid) != 1 || pid <= 0)
                return 0;
        snprintf(proc, sizeof(proc), "/proc/%ld", pid);
        if (stat(proc, &st) < 0 || st.st_uid != getuid())
                return 0;
        snprintf(proc, sizeof(proc), "/proc/%ld/stat", pid);
        stat_file = fopen(proc, "re");
        /* "PID (COMM) STATE ...": COMM may hold spaces and parentheses, the last ')' ends it. */
        if (stat_file) {
                char line[512], *close;

                if (fgets(line, sizeof(line), stat_file) && (close = strrchr(line, ')')) &&
                    close[1] == ' ')
                        state = close[2];
        }
        if (state == 0 || state == 'Z' || state == 'X')
                return 0;
        return (pid_t)pid;
}

/* Whether the user has a subordinate uid range (/etc/subuid, by name or by uid). */
static bool has_subuid(void)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/subuid", "re");
        const char *name = getenv("USER");
        char line[512], uid[32];

        snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
        while (f && fgets(line, sizeof(line), f)) {
                char *colon = strchr(line, ':');

                if (!colon)
                        continue;
                *colon = '\0';
                if (streq(line, uid) || (name && streq(line, name)))
                        return true;
        }
        return false;
}

/* Whether @name is an executable in PATH. */
static bool in_path(const char *name)
{
        _cleanup_free_ char *path = strdup(getenv("PATH") ?: "/usr/local/bin:/usr/bin:/bin");

        for (char *save = NULL, *d = path ? strtok_r(path, ":", &save) : NULL; d;
             d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *f = NULL;

                if (asprintf(&f, "%s/%s", d, name) >= 0 && access(f, X_OK) == 0)
                        return true;
        }
        return false;
}

/* Starts podman's pause process as podman does: "podman unshare true". Its chatter is shown
 * only when it fails. */
static int start_pause(Context *c)
{
        char log[] = "/tmp/binfmtctl-podman.XXXXXX";
        _cleanup_close_ int fd = mkstemp(log);
        pid_t pid;
        int status;

        if (fd < 0)
                return -errno;
        (void)unlink(log);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (null >= 0)
                        (void)dup2(null, 0);
                (void)dup2(fd, 1);
                (void)dup2(fd, 2);
                execlp("podman", "podman", "unshare", "true", (char *)NULL);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        {
                char buf[2048];
                ssize_t k = pread(fd, buf, sizeof(buf) - 1, 0);

                buf[k > 0 ? k : 0] = '\0';
                fail(c,
                     "podman unshare true failed (it starts rootless podman's user namespace): %s",
                     buf[0] ? buf : "no message");
        }
        return -EIO;
}

/* Mounts the namespace's own instance in the pause process's mount namespace. */
static int mount_inside(Context *c, pid_t pause)
{
        char ns[64];
        _cleanup_close_ int user = -EBADF, mnt = -EBADF;
        pid_t pid;
        int status;

        snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int)pause);
        user = open(ns, O_RDONLY | O_CLOEXEC);
        snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pause);
        mnt = open(ns, O_RDONLY | O_CLOEXEC);
        if (user < 0 || mnt < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int r = 0;

                if (setns(user, CLONE_NEWUSER) < 0 || setns(mnt, CLONE_NEWNS) < 0)
                        r = errno;
                else {
                        int q = instance_mount_new("/proc/sys/fs/binfmt_misc");
                        r = q < 0 ? -q : 0;
                }
                _exit(r > 255 ? 255 : r);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status))
                return -EIO;
        if (WEXITSTATUS(status) == 0)
                return 0;
        if (WEXITSTATUS(status) == EPERM && c->sys.kernel_r >= 0 && !c->sys.kernel.userns_instances)
                fail(c,
                     "cannot give rootless podman's user namespace a binfmt_misc instance of its "
                     "own: Linux %s is older than 6.7; ask an administrator to register the "
                     "targets on the machine (binfmtctl install, or binfmtd)",
                     c->sys.uts.release);
        else
                fail(c, "cannot mount binfmt_misc in rootless podman's user namespace: %s",
                     instance_mount_strerror(-WEXITSTATUS(status)));
        return -EIO;
}

/* Whether @path is a binfmt_misc whose files the user owns: the namespace's own instance. */
static bool own_instance(const char *path)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        return instance_open(path, &fd) >= 0 &&
               fstatat(fd, "register", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == getuid();
}

/*
 * The runtime directory holds what binfmtctl trusts (podman's pause.pid) and where it writes
 * and runs things (records, probes): it must be the user's alone. A directory in /tmp that
 * someone else made, or may write, would let that user swap the probes binfmtctl runs.
 */
static int check_private_dir(Context *c, const char *path)
{
        struct stat st;

        if (lstat(path, &st) < 0) {
                fail(c, "cannot use the runtime directory %s: %s", path, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 0077)) {
                fail(c,
                     "the runtime directory %s is not this user's alone (a directory of "
                     "uid %u, mode %04o, is needed; set XDG_RUNTIME_DIR to one)",
                     path, (unsigned)getuid(), 0700);
                return -EPERM;
        }
        return 0;
}

static int set_dir_env(const char *name, const char *base, const char *sub)
{
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/binfmtd/%s", base, sub) < 0)
                return -ENOMEM;
        return setenv(name, p, 1) < 0 ? -errno : 0;
}

int user_setup(Context *c, Args *a)
{
        _cleanup_free_ char *rundir = NULL, *pidfile = NULL, *mount = NULL, *bdir = NULL;
        char ns[64];
        pid_t pause;
        int r, fd;

        if (getuid() == 0) {
                fail(c, "--user is for an ordinary user and the rootless containers it runs; as "
                        "root, binfmtctl acts on the machine's instance (without --user), and "
                        "binfmtctl exec runs one command with a private one");
                return -EPERM;
        }
        r = runtime_dir(&rundir);
        if (r < 0)
                return r;
        if (asprintf(&pidfile, "%s/libpod/tmp/pause.pid", rundir) < 0)
                return -ENOMEM;

        /* Made by podman when it starts the namespace; checked before anything in it is read. */
        if (access(rundir, F_OK) == 0 && (r = check_private_dir(c, rundir)) < 0)
                return r;
        pause = read_pause(pidfile);
        if (pause == 0) {
                if (!in_path("podman")) {
                        fail(c, "podman is not installed: --user registers for rootless podman's "
                                "containers (install podman, or run one command with "
                                "binfmtctl exec)");
                        return -ENOENT;
                }
                if (!has_subuid()) {
                        fail(c,
                             "user %s has no subordinate uid range in /etc/subuid, which "
                             "rootless podman needs (as root: usermod --add-subuids "
                             "100000-165535 --add-subgids 100000-165535 %s); binfmtctl exec "
                             "needs none",
                             getenv("USER") ?: "(this user)", getenv("USER") ?: "USER");
                        return -ENOENT;
                }
                r = start_pause(c);
                if (r < 0)
                        return r;
                pause = read_pause(pidfile);
                if (pause == 0) {
                        fail(c,
                             "rootless podman's user namespace is not up: no pause process "
                             "in %s after podman unshare true (podman system migrate may "
                             "help)",
                             pidfile);
                        return -ESRCH;
                }
        }

        if (asprintf(&mount, "/proc/%d/root/proc/sys/fs/binfmt_misc", (int)pause) < 0)
                return -ENOMEM;
        if (!own_instance(mount)) {
                r = mount_inside(c, pause);
                if (r < 0)
                        return r;
                if (!own_instance(mount)) {
                        fail(c,
                             "binfmt_misc was mounted in rootless podman's user namespace, "
                             "but %s does not show it",
                             mount);
                        return -EIO;
                }
        }

        /* The probes run in that namespace. */
        snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int)pause);
        fd = open(ns, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        probe_run_join_userns(fd); /* kept open for the process's life */

        /* Records, probes and the native cache: the user's own, in its runtime directory. */
        r = check_private_dir(c, rundir);
        if (r < 0)
                return r;
        if (asprintf(&bdir, "%s/binfmtd", rundir) < 0)
                return -ENOMEM;
        if (mkdir(bdir, 0700) < 0 && errno != EEXIST)
                return -errno;
        r = check_private_dir(c, bdir);
        if (r < 0)
                return r;
        if ((r = set_dir_env("BINFMTD_STATE_DIR", rundir, "owned")) < 0 ||
            (r = set_dir_env("BINFMTD_PROBE_DIR", rundir, "probes")) < 0 ||
            (r = set_dir_env("BINFMTD_NATIVE_CACHE", rundir, "native")) < 0)
                return r;
        interp_trust_owner(getuid());

        a->mount = a->mount_storage = TAKE_PTR(mount);
        a->use_daemon = false;
        c->user_pause = pause;
        return 0;
}
