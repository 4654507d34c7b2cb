/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The probe runner. Owns the life of one probe run: writing the probe into a private directory,
 * the child that execve()s it with nothing inherited (no capabilities, no_new_privs, no fds but
 * the errno pipe, stdio on /dev/null, an empty environment, default signal state, its own
 * session, no core dumps), waiting with a deadline, killing what overstays, and the verdict.
 * A child runs its probe from the host's root, in an empty chroot, or in a user namespace of
 * its own whose binfmt_misc instance is empty, where only the kernel itself can run it.
 *
 * Everything that can fail for lack of memory happens before the first fork, and every probe
 * file is written and closed before any child exists, so no child can hold another's file open
 * for writing (execve would fail with ETXTBSY). Between fork and execve the child calls only
 * async-signal-safe functions: the caller may have threads. That is also why the capability
 * drop is capset(2) and prctl(2) here rather than libcap-ng, whose capng_apply() reads
 * /proc/<tid>/status through stdio in the child, and finds no /proc inside the chroot.
 *
 * It must not log, exit, or touch signal dispositions of the caller: all signals are blocked
 * only across fork(), so that nothing the caller installed runs in a child. Children are
 * reaped one by one with waitid(P_PID), never P_ALL, so the caller's own children are left
 * alone; a caller that sets SIGCHLD to SIG_IGN (the kernel then reaps for it) gets
 * PROBE_FAILED with ECHILD.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "base/time.h"
#include "base/macro.h"
#include "verify/probe-run.h"
#include "verify/probe.h"

#define PROBE_FILE "probe"
#define PROBE_DIR  "probe-XXXXXX"
/* Where the kernel pass mounts its empty instance: beside the probe, in the private directory. */
#define INSTANCE_DIR "binfmt_misc"
/* The runner's time beyond the probes' (probe_run_apart()): writing and removing their files. */
#define RUNNER_SLACK_USEC (5u * 1000u * 1000u)
/* Without pidfds (Linux < 5.3) children are polled this often. */
#define POLL_TICK_MSEC 10

/* What a child that did not reach the probe tells its parent through the errno pipe. */
typedef enum ChildStage {
        CHILD_SETUP = 1, /* something before execve() failed: the probe never ran */
        CHILD_EXEC,      /* execve() itself failed: the kernel's verdict on the probe */
        CHILD_USERNS,    /* the kernel pass could not make its user and mount namespace */
        CHILD_INSTANCE,  /* the kernel pass could not mount a binfmt_misc instance of its own */
} ChildStage;

typedef struct ChildMessage {
        int32_t stage;
        int32_t error;
} ChildMessage;

/* The parent's bookkeeping for one job. */
typedef struct Run {
        char *dir;      /* the private directory, absolute; NULL when none was made */
        char *path;     /* dir + "/probe" */
        char *instance; /* dir + "/binfmt_misc", for the kernel pass; NULL otherwise */
        uint8_t *image; /* the probe's bytes, until written */
        size_t size;
        pid_t pid; /* 0: no child */
        int pidfd;
        int errfd; /* read end of the errno pipe */
        uint64_t start_usec;
        uint64_t deadline_usec;
        bool killed; /* the deadline passed and it was killed */
        uint64_t killed_usec;
        bool done; /* outcome final */
} Run;

static void outcome_fail(ProbeOutcome *o, int error)
{
        *o = (ProbeOutcome){.result = PROBE_FAILED, .error = error};
}

static int write_all(int fd, const uint8_t *buf, size_t size)
{
        while (size > 0) {
                ssize_t k = write(fd, buf, size);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += k;
                size -= (size_t)k;
        }
        return 0;
}

/*
 * Makes the job's private directory and writes the probe into it. The directory is 0700 (only
 * the caller reaches the probe) and its path absolute, since the host pass runs the probe by
 * its full path from inside it. Returns 0 or -errno; on failure what was made is left in @r
 * for run_cleanup().
 */
static int run_write_probe(Run *r, ProbePass pass, const char *workdir)
{
        _cleanup_free_ char *template = NULL;
        _cleanup_close_ int fd = -EBADF;
        int q;

        if (asprintf(&template, "%s/" PROBE_DIR, workdir) < 0)
                return -ENOMEM;
        if (!mkdtemp(template))
                return -errno;
        r->dir = realpath(template, NULL);
        if (!r->dir) {
                q = -errno;
                (void)rmdir(template);
                return q;
        }
        if (asprintf(&r->path, "%s/" PROBE_FILE, r->dir) < 0) {
                r->path = NULL;
                return -ENOMEM;
        }
        if (pass == PROBE_PASS_KERNEL) {
                if (asprintf(&r->instance, "%s/" INSTANCE_DIR, r->dir) < 0) {
                        r->instance = NULL;
                        return -ENOMEM;
                }
                if (mkdir(r->instance, 0700) < 0) {
                        q = -errno;
                        free(r->instance);
                        r->instance = NULL;
                        return q;
                }
        }

        fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0755);
        if (fd < 0)
                return -errno;
        /* Not left to the caller's umask. */
        if (fchmod(fd, 0755) < 0)
                return -errno;
        q = write_all(fd, r->image, r->size);
        if (q < 0)
                return q;
        /* Closed before any fork: a probe open for writing anywhere cannot be executed. */
        if (close(TAKE_FD(fd)) < 0)
                return -errno;
        return 0;
}

static void run_cleanup(Run *r)
{
        /* The instance was mounted in the child's own mount namespace only, gone with it. */
        if (r->instance)
                (void)rmdir(r->instance);
        if (r->path)
                (void)unlink(r->path);
        if (r->dir)
                (void)rmdir(r->dir);
        if (r->pidfd >= 0)
                close(r->pidfd);
        if (r->errfd >= 0)
                close(r->errfd);
        free(r->instance);
        free(r->path);
        free(r->dir);
        free(r->image);
        *r = (Run){.pidfd = -EBADF, .errfd = -EBADF};
}

/* The user namespace the probes join (probe_run_join_userns()), or -1: the caller's. */
static int join_userns = -1;

void probe_run_join_userns(int fd)
{
        join_userns = fd;
}

/* @a + @b, or UINT64_MAX where that overflows: a time that never comes. */
static uint64_t usec_add(uint64_t a, uint64_t b)
{
        return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Whether probe_run_many() starts the probes from a runner process of its own. */
static bool run_apart;

void probe_run_apart(bool apart)
{
        run_apart = apart;
}

/* Everything below up to child() runs in the child between fork and execve. */

_Noreturn static void child_fail(int errfd, ChildStage stage, int error)
{
        ChildMessage m = {.stage = (int32_t)stage, .error = error};

        /* One write of 8 bytes into an empty pipe: atomic, and never blocks. */
        (void)!write(errfd, &m, sizeof(m));
        _exit(127);
}

/* Closes every fd from 3 up but @keep and @also (each at least 3, or negative: none). */
static int close_fds_but(int keep, int also)
{
        unsigned lo = 3;
        int k[2] = {keep, also};
        struct rlimit rl;

        if (k[0] > k[1]) {
                k[0] = also;
                k[1] = keep;
        }
        /* close_range() is Linux 5.9, glibc 2.34. */
        for (size_t i = 0; i < 2; i++) {
                if (k[i] < 3 || (unsigned)k[i] < lo)
                        continue;
                if ((unsigned)k[i] > lo && close_range(lo, (unsigned)k[i] - 1, 0) < 0)
                        goto fallback;
                lo = (unsigned)k[i] + 1;
        }
        if (close_range(lo, ~0U, 0) == 0)
                return 0;
fallback:
        if (errno != ENOSYS)
                return -errno;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return -errno;
        for (rlim_t fd = 3; fd < rl.rlim_cur && fd < INT_MAX; fd++)
                if ((int)fd != keep && (int)fd != also)
                        (void)close((int)fd);
        return 0;
}

/*
 * Empties the permitted, effective and inheritable sets (which also empties the ambient set),
 * after clearing the bounding set while CAP_SETPCAP is still there. A caller without
 * CAP_SETPCAP keeps its bounding set: with no_new_privs and nothing permitted, the probe cannot
 * gain from it anyway (the kernel caps the new permitted set at the old one).
 */
static int child_drop_capabilities(void)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

        for (unsigned long c = 0;; c++)
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
                        if (errno == EINVAL || errno == EPERM)
                                break; /* past the last capability, or no CAP_SETPCAP */
                        return -errno;
                }
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;
        return 0;
}

_Noreturn static void child(const Run *r, ProbePass pass, int errfd, pid_t parent)
{
        static const struct rlimit no_core = {};
        char *const argv[] = {pass == PROBE_PASS_CHROOT ? (char *)"/" PROBE_FILE : r->path, NULL};
        char *const envp[] = {NULL};
        struct sigaction sa = {.sa_handler = SIG_DFL};
        sigset_t none;
        int fd, q;

        /* Handlers and ignored signals of the caller do not belong to the probe; an ignored
         * signal would even survive execve. The parent blocked everything around fork(). */
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &sa, NULL);
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                child_fail(errfd, CHILD_SETUP, errno);

        /* Its own session and process group: a timeout kills whatever the interpreter forked,
         * and no terminal's signals reach it. */
        if (setsid() < 0)
                child_fail(errfd, CHILD_SETUP, errno);
        /* A probe does not outlive the process that waits for it. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                child_fail(errfd, CHILD_SETUP, errno);
        if (getppid() != parent)
                _exit(127);

        /* The errno pipe goes above stdio, where nothing below can clobber it. */
        fd = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                child_fail(errfd, CHILD_SETUP, errno);
        errfd = fd;

        /* Another user namespace's instance to verify (binfmtctl --user): run where its
         * programs run. The namespace's owner gets every capability in it, so the chroot pass
         * works there too. Not for the kernel pass, which asks about the kernel itself. */
        if (join_userns >= 0 && pass != PROBE_PASS_KERNEL && setns(join_userns, CLONE_NEWUSER) < 0)
                child_fail(errfd, CHILD_USERNS, errno);

        /* Without O_CLOEXEC: with the caller's stdio closed this may be fd 0, 1 or 2 itself, and
         * dup2() onto itself would leave the flag set. Copies above 2 are closed right away. */
        fd = open("/dev/null", O_RDWR | O_NOCTTY);
        if (fd < 0)
                child_fail(errfd, CHILD_SETUP, errno);
        for (int i = 0; i < 3; i++)
                if (dup2(fd, i) < 0)
                        child_fail(errfd, CHILD_SETUP, errno);
        if (fd > 2)
                (void)close(fd);

        q = close_fds_but(errfd, -1);
        if (q < 0)
                child_fail(errfd, CHILD_SETUP, -q);

        if (pass == PROBE_PASS_KERNEL) {
                /* A user namespace of its own with a binfmt_misc instance of its own: since
                 * Linux 6.7 the kernel looks up handlers in the nearest namespace that has an
                 * instance, and this one is empty. Whatever runs the probe now is the kernel
                 * itself. The mount namespace is less privileged than the caller's, so the
                 * mount cannot propagate back; it goes away with the child. */
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                        child_fail(errfd, CHILD_USERNS, errno);
                if (mount("binfmt_misc", r->instance, "binfmt_misc",
                          MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                        child_fail(errfd, CHILD_INSTANCE, errno);
        }

        if (pass == PROBE_PASS_CHROOT) {
                /* Nothing but the probe in sight: only an interpreter the kernel already holds
                 * open (F) can run it. */
                if (chroot(r->dir) < 0)
                        child_fail(errfd, CHILD_SETUP, errno);
                if (chdir("/") < 0)
                        child_fail(errfd, CHILD_SETUP, errno);
        } else if (chdir(r->dir) < 0)
                child_fail(errfd, CHILD_SETUP, errno);

        /* A crashing emulator leaves no core file behind. */
        if (setrlimit(RLIMIT_CORE, &no_core) < 0)
                child_fail(errfd, CHILD_SETUP, errno);
        /* Probes are background work: a dozen emulators starting at once must not hold back
         * the caller (the daemon repairing an entry, answering its socket). Best effort. */
        (void)setpriority(PRIO_PROCESS, 0, PROBE_NICE);
        /* No setuid bit or file capability raises it again, and root's execve() grants nothing
         * beyond the (empty) permitted set. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                child_fail(errfd, CHILD_SETUP, errno);
        /* After chroot(), which needs CAP_SYS_CHROOT. */
        q = child_drop_capabilities();
        if (q < 0)
                child_fail(errfd, CHILD_SETUP, -q);

        /* Never a PATH search: glibc retries ENOEXEC through /bin/sh. */
        execve(argv[0], argv, envp);
        child_fail(errfd, CHILD_EXEC, errno);
}

/* Starts @r's child. Returns 0, or -errno with no child left behind. */
static int run_start(Run *r, ProbePass pass, uint64_t timeout_usec, pid_t parent)
{
        _cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
        int fds[2];
        pid_t pid;

        /* Non-blocking: a stray copy of the write end (a caller's thread forking at the same
         * time) must not make the parent wait; it reads only after the child has gone. */
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        rfd = fds[0];
        wfd = fds[1];

        r->start_usec = now_usec(CLOCK_MONOTONIC);
        r->deadline_usec = usec_add(r->start_usec, timeout_usec);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                child(r, pass, wfd, parent);

        r->pid = pid;
        r->errfd = TAKE_FD(rfd);
#ifdef SYS_pidfd_open
        /* A zombie still has its pidfd; it is reaped only below. Without one: polled. */
        r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (r->pidfd < 0)
                r->pidfd = -EBADF;
#endif
        return 0;
}

static void run_classify(const Run *r, const BinfmtArch *a, const siginfo_t *si, ProbeOutcome *o)
{
        ChildMessage m;
        ssize_t k;

        *o = (ProbeOutcome){.duration_usec = now_usec(CLOCK_MONOTONIC) - r->start_usec};

        /* The child is gone, so the pipe holds its whole message or nothing (it reached
         * execve and the pipe closed with it). */
        k = read(r->errfd, &m, sizeof(m));
        if (k == (ssize_t)sizeof(m)) {
                o->error = m.error;
                if (m.stage != CHILD_EXEC) {
                        o->result = PROBE_FAILED;
                        o->setup = m.stage == CHILD_USERNS     ? PROBE_SETUP_USERNS
                                   : m.stage == CHILD_INSTANCE ? PROBE_SETUP_INSTANCE
                                                               : PROBE_SETUP_OTHER;
                } else if (m.error == ENOEXEC)
                        o->result = PROBE_NO_HANDLER;
                else if (m.error == ENOENT)
                        o->result = PROBE_INTERPRETER_UNREACHABLE;
                else if (m.error == EACCES || m.error == EPERM)
                        o->result = PROBE_NOT_EXECUTABLE;
                else
                        o->result = PROBE_FAILED;
                return;
        }

        if (r->killed)
                o->result = PROBE_TIMEOUT;
        else if (si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED) {
                o->result = PROBE_CRASHED;
                o->signal = si->si_status;
        } else {
                o->exit_code = si->si_status;
                o->result = probe_exit_ok(a, o->exit_code, &o->level) ? PROBE_OK : PROBE_WRONG_EXIT;
        }
}

/* Reaps @r if it has finished. Returns true when its outcome is final. */
static bool run_try_reap(Run *r, const BinfmtArch *a, ProbeOutcome *o)
{
        siginfo_t si = {};

        for (;;) {
                if (waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG) == 0)
                        break;
                if (errno == EINTR)
                        continue;
                /* ECHILD: reaped by someone else (SIGCHLD ignored): the result is lost. */
                outcome_fail(o, errno);
                o->duration_usec = now_usec(CLOCK_MONOTONIC) - r->start_usec;
                return true;
        }
        if (si.si_pid == 0)
                return false;

        run_classify(r, a, &si, o);
        return true;
}

static void run_kill(Run *r)
{
        /* The child's process group, then the child itself in case it had not reached
         * setsid() yet. Not yet reaped, so neither id can name anything else. */
        (void)kill(-r->pid, SIGKILL);
        (void)kill(r->pid, SIGKILL);
        r->killed = true;
        r->killed_usec = now_usec(CLOCK_MONOTONIC);
}

/*
 * Probes that outlived their kill, to be reaped once they die. Only their parent may reap them,
 * and a later run in the same process does, so that they do not stay zombies for ever. Once
 * the list is full, further ones stay zombies until the process exits.
 */
#define LEFT_BEHIND_MAX 64
static pthread_mutex_t left_behind_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t left_behind[LEFT_BEHIND_MAX];

static void left_behind_add(pid_t pid)
{
        pthread_mutex_lock(&left_behind_lock);
        for (size_t i = 0; i < LEFT_BEHIND_MAX; i++)
                if (left_behind[i] == 0) {
                        left_behind[i] = pid;
                        break;
                }
        pthread_mutex_unlock(&left_behind_lock);
}

static void left_behind_reap(void)
{
        pthread_mutex_lock(&left_behind_lock);
        for (size_t i = 0; i < LEFT_BEHIND_MAX; i++) {
                siginfo_t si = {};

                if (left_behind[i] == 0)
                        continue;
                /* Not reaped yet, so the pid can name nothing else. */
                if (waitid(P_PID, (id_t)left_behind[i], &si, WEXITED | WNOHANG) < 0 ||
                    si.si_pid != 0)
                        left_behind[i] = 0;
        }
        pthread_mutex_unlock(&left_behind_lock);
}

/* A killed probe that is still there after the grace: given up on, left to die on its own. */
static void run_abandon(Run *r, ProbeOutcome *o)
{
        *o = (ProbeOutcome){
                .result = PROBE_TIMEOUT,
                .left_behind = true,
                .duration_usec = now_usec(CLOCK_MONOTONIC) - r->start_usec,
        };
        left_behind_add(r->pid);
        r->done = true;
}

/* Waits for every started child: one loop, each child with its own deadline. */
static void wait_all(Run *runs, ProbeJob *jobs, size_t n, struct pollfd *pfds)
{
        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC), next = UINT64_MAX;
                size_t npfds = 0, pending = 0;
                bool tick = false;
                int timeout_ms;

                for (size_t i = 0; i < n; i++) {
                        Run *r = &runs[i];

                        if (r->done || r->pid == 0)
                                continue;
                        if (run_try_reap(r, jobs[i].arch, &jobs[i].outcome)) {
                                r->done = true;
                                continue;
                        }
                        if (!r->killed && now >= r->deadline_usec)
                                run_kill(r);
                        else if (r->killed && now >= r->killed_usec + PROBE_KILL_GRACE_USEC) {
                                run_abandon(r, &jobs[i].outcome);
                                continue;
                        }

                        pending++;
                        if (!r->killed && r->deadline_usec < next)
                                next = r->deadline_usec;
                        if (r->killed && r->killed_usec + PROBE_KILL_GRACE_USEC < next)
                                next = r->killed_usec + PROBE_KILL_GRACE_USEC;
                        if (r->pidfd >= 0)
                                pfds[npfds++] = (struct pollfd){.fd = r->pidfd, .events = POLLIN};
                        else
                                tick = true;
                }
                if (pending == 0)
                        return;

                if (next == UINT64_MAX)
                        timeout_ms = -1;
                else if (next <= now)
                        timeout_ms = 0;
                else {
                        uint64_t ms = (next - now + 999) / 1000;

                        timeout_ms = ms > INT_MAX ? INT_MAX : (int)ms;
                }
                if (tick && (timeout_ms < 0 || timeout_ms > POLL_TICK_MSEC))
                        timeout_ms = POLL_TICK_MSEC;

                /* EINTR and the like: the loop looks at every child again anyway. */
                (void)poll(npfds > 0 ? pfds : NULL, npfds, timeout_ms);
        }
}

static int run_many(ProbeJob *jobs, size_t n, const char *workdir, uint64_t timeout_usec)
{
        _cleanup_free_ struct pollfd *pfds = NULL;
        Run *runs = NULL;
        sigset_t all, saved;
        pid_t parent = getpid();
        int r = 0;

        left_behind_reap();
        if (n == 0)
                return 0;

        runs = calloc(n, sizeof(Run));
        pfds = calloc(n, sizeof(struct pollfd));
        if (!runs || !pfds) {
                free(runs);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                runs[i] = (Run){.pidfd = -EBADF, .errfd = -EBADF};

        /* Every allocation first: after the first fork nothing may fail for memory. */
        for (size_t i = 0; i < n; i++) {
                int q;

                jobs[i].outcome = (ProbeOutcome){};
                if (!jobs[i].arch || (unsigned)jobs[i].pass >= _PROBE_PASS_MAX) {
                        outcome_fail(&jobs[i].outcome, EINVAL);
                        runs[i].done = true;
                        continue;
                }
                q = probe_build(jobs[i].arch, &runs[i].image, &runs[i].size);
                if (q == -ENOMEM) {
                        r = -ENOMEM;
                        goto finish;
                }
                if (q < 0) {
                        outcome_fail(&jobs[i].outcome, -q);
                        runs[i].done = true;
                }
        }

        /* Every file written and closed before the first child exists. */
        for (size_t i = 0; i < n; i++) {
                int q;

                if (runs[i].done)
                        continue;
                q = run_write_probe(&runs[i], jobs[i].pass, workdir);
                if (q == -ENOMEM) {
                        r = -ENOMEM;
                        goto finish;
                }
                if (q < 0) {
                        outcome_fail(&jobs[i].outcome, -q);
                        runs[i].done = true;
                }
                free(runs[i].image);
                runs[i].image = NULL;
        }

        /* Nothing the caller installed may run in a child before it has reset the
         * dispositions; the children unblock for themselves. */
        sigfillset(&all);
        (void)pthread_sigmask(SIG_SETMASK, &all, &saved);
        for (size_t i = 0; i < n; i++) {
                int q;

                if (runs[i].done)
                        continue;
                q = run_start(&runs[i], jobs[i].pass, timeout_usec, parent);
                if (q < 0) {
                        outcome_fail(&jobs[i].outcome, -q);
                        runs[i].done = true;
                }
        }
        (void)pthread_sigmask(SIG_SETMASK, &saved, NULL);

        wait_all(runs, jobs, n, pfds);

finish:
        for (size_t i = 0; i < n; i++)
                run_cleanup(&runs[i]);
        free(runs);
        return r;
}

/* What the runner sends back: run_many()'s return, then every job's outcome. */
typedef struct RunnerReport {
        int32_t r;
        ProbeOutcome outcomes[];
} RunnerReport;

/* No runner could be started (no fd or process left): every job failed so, as when a probe
 * cannot be forked. */
static int fail_all(ProbeJob *jobs, size_t n, int error)
{
        for (size_t i = 0; i < n; i++)
                outcome_fail(&jobs[i].outcome, error);
        return 0;
}

/* The runner, in the child: the probes, the report, and gone. It keeps nothing of the
 * caller's open but the report's pipe and the user namespace the probes join. */
_Noreturn static void runner(ProbeJob *jobs, size_t n, const char *workdir, uint64_t timeout_usec,
                             RunnerReport *rep, int fd)
{
        size_t size = sizeof(*rep) + n * sizeof(ProbeOutcome), done = 0;
        int q;

        /* The caller's list of stuck probes is not ours to reap, and its lock may have been
         * held by another of the caller's threads at the fork. */
        (void)pthread_mutex_init(&left_behind_lock, NULL);
        memset(left_behind, 0, sizeof(left_behind));
        /* Gone with the thread that forked it, as the probes go with it. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        /* It shares no lock with the caller: it may yield to everything, as its probes do. */
        (void)setpriority(PRIO_PROCESS, 0, PROBE_NICE);
        q = close_fds_but(fd, join_userns);
        rep->r = q < 0 ? q : run_many(jobs, n, workdir, timeout_usec);
        for (size_t i = 0; rep->r >= 0 && i < n; i++)
                rep->outcomes[i] = jobs[i].outcome;
        if (rep->r < 0)
                size = sizeof(*rep);
        while (done < size) {
                ssize_t k = write(fd, (uint8_t *)rep + done, size - done);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                done += (size_t)k;
        }
        _exit(0);
}

/* Waits a bounded time for the runner to end (killed first unless @done), and reaps it; one
 * that will not die (stuck writing to a file system that does not answer) is left behind. */
static void runner_reap(pid_t pid, bool done)
{
        uint64_t until;

        if (!done)
                (void)kill(pid, SIGKILL);
        until = now_usec(CLOCK_MONOTONIC) + PROBE_KILL_GRACE_USEC;
        for (;;) {
                siginfo_t si = {};

                if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) < 0 || si.si_pid != 0)
                        return;
                if (now_usec(CLOCK_MONOTONIC) >= until)
                        break;
                (void)poll(NULL, 0, done ? 1 : POLL_TICK_MSEC);
        }
        left_behind_add(pid);
}

/*
 * run_many() from a runner process, forked once, that starts the probes. A fork() copies the
 * page tables of the process it is made from and holds that process's memory map meanwhile:
 * from a threaded caller (the daemon), whose other threads then wait at their page faults and
 * mallocs, once per probe when the caller itself forks them (about 3 ms each on a small virtual
 * machine), once per run now. The runner is a child of a threaded process, where only
 * async-signal-safe calls are safe in general; glibc makes malloc safe there too, which
 * run_many() uses, and the one lock of ours it takes is made anew in the runner. While the
 * runner lives it shares the caller's pages copy-on-write: the caller's first write to each
 * page then faults once.
 */
static int run_many_apart(ProbeJob *jobs, size_t n, const char *workdir, uint64_t timeout_usec)
{
        size_t size = sizeof(RunnerReport) + n * sizeof(ProbeOutcome), have = 0;
        _cleanup_free_ RunnerReport *rep = NULL;
        _cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
        uint64_t deadline;
        bool late = false;
        sigset_t all, saved;
        int fds[2], r = 0;
        pid_t pid;

        left_behind_reap();
        rep = calloc(1, size);
        if (!rep)
                return -ENOMEM;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return fail_all(jobs, n, errno);
        rfd = fds[0];
        wfd = fds[1];

        /* Nothing the caller installed runs in the runner: it keeps every signal blocked, and
         * its children reset what they inherit. */
        sigfillset(&all);
        (void)pthread_sigmask(SIG_SETMASK, &all, &saved);
        pid = fork();
        if (pid == 0)
                runner(jobs, n, workdir, timeout_usec, rep, wfd);
        if (pid < 0)
                r = -errno;
        (void)pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (r < 0)
                return fail_all(jobs, n, -r);
        close(wfd);
        wfd = -EBADF;

        /* The runner ends within the probes' timeout and the grace after a kill, plus the time
         * to write and remove the probe files. */
        deadline = usec_add(usec_add(now_usec(CLOCK_MONOTONIC), timeout_usec),
                            PROBE_KILL_GRACE_USEC + RUNNER_SLACK_USEC);
        while (have < size) {
                uint64_t now = now_usec(CLOCK_MONOTONIC), ms;
                struct pollfd p = {.fd = rfd, .events = POLLIN};
                ssize_t k;
                int q;

                if (now >= deadline) {
                        late = true;
                        break;
                }
                ms = (deadline - now) / 1000 + 1;
                q = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
                if (q < 0 && errno == EINTR)
                        continue;
                if (q <= 0) {
                        late = q == 0;
                        break;
                }
                k = read(rfd, (uint8_t *)rep + have, size - have);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                have += (size_t)k;
        }
        runner_reap(pid, have == size || (have >= sizeof(*rep) && rep->r < 0));

        /* run_many() fails only for memory; what else failed in the runner, every job did. */
        if (have >= sizeof(*rep) && rep->r < 0)
                return rep->r == -ENOMEM ? -ENOMEM : fail_all(jobs, n, -rep->r);
        /* A runner that overstayed or died without its report: nothing is known of the probes. */
        for (size_t i = 0; i < n; i++)
                if (have == size)
                        jobs[i].outcome = rep->outcomes[i];
                else
                        outcome_fail(&jobs[i].outcome, late ? ETIMEDOUT : EIO);
        return 0;
}

int probe_run_many(ProbeJob *jobs, size_t n, const char *workdir, uint64_t timeout_usec)
{
        if (run_apart && n > 0)
                return run_many_apart(jobs, n, workdir, timeout_usec);
        return run_many(jobs, n, workdir, timeout_usec);
}

int probe_run(const BinfmtArch *a, ProbePass pass, const char *workdir, uint64_t timeout_usec,
              ProbeOutcome *ret)
{
        ProbeJob job = {.arch = a, .pass = pass};
        int r;

        if (!a || !probe_supported(a))
                return -EOPNOTSUPP;

        r = probe_run_many(&job, 1, workdir, timeout_usec);
        if (r < 0)
                return r;
        *ret = job.outcome;
        return 0;
}

static const char *const result_ids[_PROBE_RESULT_MAX] = {
        [PROBE_OK] = "ok",
        [PROBE_NO_HANDLER] = "no-handler",
        [PROBE_INTERPRETER_UNREACHABLE] = "interpreter-unreachable",
        [PROBE_NOT_EXECUTABLE] = "not-executable",
        [PROBE_CRASHED] = "crashed",
        [PROBE_WRONG_EXIT] = "wrong-exit",
        [PROBE_TIMEOUT] = "timeout",
        [PROBE_FAILED] = "failed",
};

static const char *const result_strings[_PROBE_RESULT_MAX] = {
        [PROBE_OK] = "ok",
        [PROBE_NO_HANDLER] = "no handler (no binfmt_misc entry matched)",
        [PROBE_INTERPRETER_UNREACHABLE] =
                "interpreter unreachable (entry without F, or a dynamic interpreter)",
        [PROBE_NOT_EXECUTABLE] = "not executable (noexec mount or permissions)",
        [PROBE_CRASHED] = "crashed (killed by a signal)",
        [PROBE_WRONG_EXIT] = "wrong exit code (the handler ran something else)",
        [PROBE_TIMEOUT] = "timed out (killed)",
        [PROBE_FAILED] = "could not be run",
};

const char *probe_result_to_id(ProbeResult r)
{
        return (unsigned)r < _PROBE_RESULT_MAX ? result_ids[r] : NULL;
}

ProbeResult probe_result_from_id(const char *id)
{
        for (int r = 0; id && r < _PROBE_RESULT_MAX; r++)
                if (streq(id, result_ids[r]))
                        return (ProbeResult)r;
        return (ProbeResult)-EINVAL;
}

const char *probe_result_to_string(ProbeResult r)
{
        return (unsigned)r < _PROBE_RESULT_MAX ? result_strings[r] : NULL;
}

static const char *const result_hints[_PROBE_RESULT_MAX] = {
        [PROBE_NO_HANDLER] =
                "not registered: install qemu-user-static, then run binfmtctl install %s",
        [PROBE_INTERPRETER_UNREACHABLE] =
                "registered without F, or with a dynamically linked interpreter: run binfmtctl "
                "install %s again",
        [PROBE_NOT_EXECUTABLE] =
                "the probe could not be executed (a noexec mount or permissions), whatever %s's "
                "entry says",
        [PROBE_CRASHED] = "the emulator for %s crashed: binfmtctl status shows which one it is",
        [PROBE_WRONG_EXIT] =
                "the handler for %s ran, but is not a working emulator for it: binfmtctl status "
                "shows which one it is",
        [PROBE_TIMEOUT] =
                "the emulator for %s did not finish: binfmtctl status shows which one it is",
        [PROBE_FAILED] = "the probe for %s could not be run at all",
};

const char *probe_result_to_hint(ProbeResult r)
{
        return (unsigned)r < _PROBE_RESULT_MAX ? result_hints[r] : NULL;
}
