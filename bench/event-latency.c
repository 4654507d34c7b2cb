/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * event-latency: how fast binfmtd reacts to a change made behind its back, in a binfmt_misc
 * instance it serves (a private one: this writes to it).
 *
 *   event-latency repair MOUNT NAME N
 *       N times: removes binfmtd's entry NAME (writes -1 to it) and times until the entry is
 *       there again, registered by binfmtd. A registration tells inotify only that "register"
 *       was written (IN_CLOSE_WRITE): after each event on MOUNT, NAME is looked for.
 *   event-latency watch MOUNT SOCKET N
 *       One Watch call on SOCKET, its first reply read; then N times: registers another tool's
 *       entry (or removes it, in turn) and times until the first Watch reply that shows it
 *       (replies of other news, a verification that finished, are passed over). Each change
 *       is made once binfmtd is idle again: a changed set of entries starts a verification
 *       (a dozen probes), and the next change waits until the replies say it has finished
 *       and none came for 300 ms.
 *
 * Prints one line: n=N p50_us=... min_us=... max_us=... (CLOCK_MONOTONIC, from just before
 * the write to the event). Exits 1 when an event does not come within 5 s.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS  5000
#define QUIET_MS 300
/* Another tool's entry: an extension nothing uses, so that binfmtd leaves it alone. */
#define OTHER_NAME "bench-other"
#define OTHER_RULE ":" OTHER_NAME ":E::benchx::/bin/true:"

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int write_file(const char *dir, const char *name, const char *text)
{
        char path[4096];
        int fd;
        ssize_t k;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        k = write(fd, text, strlen(text));
        close(fd);
        return k == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

static int report(uint64_t *v, unsigned n)
{
        qsort(v, n, sizeof(*v), cmp_u64);
        printf("n=%u p50_us=%llu min_us=%llu max_us=%llu\n", n, (unsigned long long)v[(n - 1) / 2],
               (unsigned long long)v[0], (unsigned long long)v[n - 1]);
        return 0;
}

/* Waits until @mnt/@name exists, looking after each event on @ifd. */
static int wait_created(int ifd, const char *mnt, const char *name)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", mnt, name);
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        struct pollfd p = {.fd = ifd, .events = POLLIN};

        for (;;) {
                ssize_t k;

                if (poll(&p, 1, WAIT_MS) <= 0)
                        return -ETIMEDOUT;
                k = read(ifd, buf, sizeof(buf));
                if (k <= 0)
                        return -EIO;
                if (access(path, F_OK) == 0)
                        return 0;
        }
}

static int repair(const char *mnt, const char *name, unsigned n)
{
        uint64_t *v = calloc(n, sizeof(uint64_t));
        int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

        if (!v || ifd < 0 || inotify_add_watch(ifd, mnt, IN_CLOSE_WRITE) < 0) {
                perror("event-latency: inotify");
                return 1;
        }
        for (unsigned i = 0; i < n; i++) {
                uint64_t t0;

                usleep(20000); /* the previous repair settles */
                t0 = now_us();
                if (write_file(mnt, name, "-1") < 0) {
                        fprintf(stderr, "event-latency: cannot remove %s/%s\n", mnt, name);
                        return 1;
                }
                if (wait_created(ifd, mnt, name) < 0) {
                        fprintf(stderr, "event-latency: %s was not registered again\n", name);
                        return 1;
                }
                v[i] = now_us() - t0;
        }
        return report(v, n);
}

/*
 * The Watch connection's replies, whole (up to their NUL). One may be the status of something
 * else (a verification that finished): the caller looks at what each says.
 */
typedef struct Replies {
        int fd;
        char *buf;
        size_t len, alloc;
} Replies;

/* The next whole reply, NUL-terminated in *@ret (valid until the next call); 0 or -errno. */
static int next_reply(Replies *r, int timeout_ms, const char **ret)
{
        static size_t consumed;
        struct pollfd p = {.fd = r->fd, .events = POLLIN};

        /* Drop the reply handed out last time. */
        memmove(r->buf, r->buf + consumed, r->len - consumed);
        r->len -= consumed;
        consumed = 0;
        for (;;) {
                char *nul = memchr(r->buf, 0, r->len);
                ssize_t k;

                if (nul) {
                        consumed = (size_t)(nul - r->buf) + 1;
                        *ret = r->buf;
                        return 0;
                }
                if (r->alloc - r->len < 65536) {
                        char *n = realloc(r->buf, r->alloc + 65536);
                        if (!n)
                                return -ENOMEM;
                        r->buf = n;
                        r->alloc += 65536;
                }
                if (poll(&p, 1, timeout_ms) <= 0)
                        return -ETIMEDOUT;
                k = recv(r->fd, r->buf + r->len, r->alloc - r->len, 0);
                if (k <= 0)
                        return -EIO;
                r->len += (size_t)k;
        }
}

static int watch(const char *mnt, const char *sock, unsigned n)
{
        static const char call[] = "{\"method\":\"io.binfmtd.Watch\",\"more\":true}";
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        uint64_t *v = calloc(n, sizeof(uint64_t));
        Replies rep = {.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
        const char *m;

        if (strlen(sock) >= sizeof(sa.sun_path))
                return 1;
        strcpy(sa.sun_path, sock);
        if (!v || rep.fd < 0 || connect(rep.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            send(rep.fd, call, sizeof(call), MSG_NOSIGNAL) != (ssize_t)sizeof(call) ||
            next_reply(&rep, WAIT_MS, &m) < 0) {
                fprintf(stderr, "event-latency: cannot watch %s\n", sock);
                return 1;
        }
        for (unsigned i = 0; i < n; i++) {
                bool add = i % 2 == 0;
                uint64_t t0;
                int r;

                usleep(20000);
                /* Replies of other news (a verification that finished) are not this change's. */
                while (next_reply(&rep, 0, &m) == 0)
                        ;
                t0 = now_us();
                r = add ? write_file(mnt, "register", OTHER_RULE)
                        : write_file(mnt, OTHER_NAME, "-1");
                if (r < 0) {
                        fprintf(stderr, "event-latency: cannot change %s: %s\n", mnt, strerror(-r));
                        return 1;
                }
                /* The first reply that shows the change. */
                for (;;) {
                        if (next_reply(&rep, WAIT_MS, &m) < 0) {
                                fprintf(stderr, "event-latency: no Watch reply after change %u\n",
                                        i);
                                return 1;
                        }
                        if ((strstr(m, "\"name\":\"" OTHER_NAME "\"") != NULL) == add)
                                break;
                }
                v[i] = now_us() - t0;
                /* The verification this change started: finished (no news for QUIET_MS, and
                 * the last said it was not verifying), before the next change. */
                bool verifying = strstr(m, "\"verifying\":true") != NULL;
                uint64_t since = now_us();

                for (;;) {
                        if (next_reply(&rep, QUIET_MS, &m) == 0) {
                                verifying = strstr(m, "\"verifying\":true") != NULL;
                                continue;
                        }
                        if (!verifying)
                                break;
                        if (now_us() - since > WAIT_MS * 1000u) {
                                fprintf(stderr,
                                        "event-latency: binfmtd never finished "
                                        "verifying after change %u\n",
                                        i);
                                return 1;
                        }
                }
        }
        if (n % 2 == 1)
                (void)write_file(mnt, OTHER_NAME, "-1");
        return report(v, n);
}

int main(int argc, char *argv[])
{
        unsigned n = argc == 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 0;

        if (argc != 5 || n == 0) {
                fprintf(stderr, "usage: event-latency repair MOUNT NAME N\n"
                                "       event-latency watch MOUNT SOCKET N\n");
                return 2;
        }
        if (strcmp(argv[1], "repair") == 0)
                return repair(argv[2], argv[3], n);
        if (strcmp(argv[1], "watch") == 0)
                return watch(argv[2], argv[3], n);
        fprintf(stderr, "event-latency: unknown mode %s\n", argv[1]);
        return 2;
}
