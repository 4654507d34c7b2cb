/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify-exec: starts a Type=notify service as systemd would for the benchmark, and times how
 * long it takes to become ready. It binds a datagram socket at NOTIFY_PATH, reads the clock
 * (CLOCK_MONOTONIC), forks and execs CMD with NOTIFY_SOCKET=NOTIFY_PATH, and waits for a
 * datagram holding the line READY=1. Then it writes "PID MICROSECONDS" to READY_FILE (written
 * under another name and renamed, so a reader never sees half of it), keeps reading
 * notifications (appended to stdout), and exits when CMD exits, with CMD's exit status.
 *
 *   notify-exec NOTIFY_PATH READY_FILE TIMEOUT_SEC CMD [ARGS...]
 *
 * No READY=1 within TIMEOUT_SEC, or CMD exiting before it: CMD is killed and the exit status
 * is 1. SIGTERM and SIGINT are passed on to CMD.
 */

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "base/macro.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
        got_signal = sig;
}

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool has_line(const char *msg, const char *line)
{
        size_t l = strlen(line);

        for (const char *p = msg; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, line, l) == 0 && (p[l] == '\n' || p[l] == '\0'))
                        return true;
        return false;
}

static int write_ready(const char *path, pid_t pid, uint64_t us)
{
        char tmp[4096];
        FILE *f;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fprintf(f, "%d %llu\n", (int)pid, (unsigned long long)us);
        if (fclose(f) != 0 || rename(tmp, path) < 0)
                return -errno;
        return 0;
}

int main(int argc, char *argv[])
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct sigaction act = { .sa_handler = on_signal };
        uint64_t t0, deadline;
        bool ready = false;
        pid_t pid;
        int fd, status;
        long timeout;

        if (argc < 5 || strlen(argv[1]) >= sizeof(sa.sun_path) ||
            (timeout = strtol(argv[3], NULL, 10)) <= 0) {
                fprintf(stderr, "usage: notify-exec NOTIFY_PATH READY_FILE TIMEOUT_SEC CMD...\n");
                return 2;
        }
        strcpy(sa.sun_path, argv[1]);
        (void)unlink(argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                fprintf(stderr, "notify-exec: %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        sigaction(SIGTERM, &act, NULL);
        sigaction(SIGINT, &act, NULL);

        t0 = now_us();
        deadline = t0 + (uint64_t)timeout * 1000000u;
        pid = fork();
        if (pid < 0) {
                fprintf(stderr, "notify-exec: fork: %s\n", strerror(errno));
                return 1;
        }
        if (pid == 0) {
                signal(SIGTERM, SIG_DFL);
                signal(SIGINT, SIG_DFL);
                setenv("NOTIFY_SOCKET", argv[1], 1);
                execv(argv[4], argv + 4);
                fprintf(stderr, "notify-exec: %s: %s\n", argv[4], strerror(errno));
                _exit(127);
        }

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                char buf[4096];
                pid_t w;
                int n;

                if (got_signal) {
                        kill(pid, got_signal);
                        got_signal = 0;
                }
                w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (!ready && now_us() > deadline) {
                        fprintf(stderr, "notify-exec: no READY=1 within %lds\n", timeout);
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        return 1;
                }
                n = poll(&p, 1, 50); /* a datagram wakes it at once */
                if (n <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                if (!ready && has_line(buf, "READY=1")) {
                        uint64_t us = now_us() - t0;
                        int r = write_ready(argv[2], pid, us);

                        if (r < 0) {
                                fprintf(stderr, "notify-exec: %s: %s\n", argv[2], strerror(-r));
                                kill(pid, SIGKILL);
                                waitpid(pid, NULL, 0);
                                return 1;
                        }
                        ready = true;
                }
                printf("%s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
                fflush(stdout);
        }
        if (!ready) {
                fprintf(stderr, "notify-exec: %s exited before READY=1\n", argv[4]);
                return 1;
        }
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}
