/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * varlink-load: a load generator for a Varlink socket, binfmtd's or any other. CLIENTS threads
 * each open their own connection, wait at a common barrier, then make CALLS sequential calls of
 * METHOD (default io.binfmtd.GetStatus), timing each one from just before the call is sent to
 * just after its reply is parsed (CLOCK_MONOTONIC). Connecting is not timed.
 *
 * By default the calls go through lib/varlink/varlink-client.c (the client binfmtctl uses),
 * which parses every reply as JSON. With --raw each call is one write and each reply is read up
 * to its NUL and checked to be a reply ({"parameters"...), not an error, unparsed: the client
 * then costs little, so that two servers can be compared under the same light load.
 *
 * It prints one line of key=value pairs: the calls made, the wall time from the barrier to the
 * last reply, the throughput, and the median, p99 and largest latency over all calls. Any error
 * reply or failed call makes it exit 1: a benchmark of failures measures nothing.
 *
 *   varlink-load [--raw] [--method=METHOD] SOCKET CLIENTS CALLS [WARMUP]
 *
 * WARMUP calls per client (default 20, may be 0) are made before the barrier and not counted.
 */

#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "varlink/varlink-client.h"

#define TIMEOUT_MS 30000

static const char *METHOD = "io.binfmtd.GetStatus";
static bool raw;

typedef struct Worker {
        pthread_t thread;
        const char *socket;
        unsigned calls, warmup;
        uint64_t *lat_ns; /* calls entries */
        uint64_t reply_bytes;
        int error; /* 0, or -errno / 1 for an error reply */
} Worker;

static pthread_barrier_t ready, go;

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One call and its reply; returns 0, -errno, or 1 for an error reply. */
static int call_once(VarlinkClient *c, size_t *ret_bytes)
{
        VarlinkReply rep = {};
        int r;

        r = varlink_client_call(c, METHOD, NULL, false);
        if (r < 0)
                return r;
        r = varlink_client_read_reply(c, &rep);
        if (r < 0)
                return r;
        if (rep.error) {
                fprintf(stderr, "varlink-load: %s failed: %s\n", METHOD, rep.error);
                varlink_reply_done(&rep);
                return 1;
        }
        if (ret_bytes)
                *ret_bytes = strlen(
                        json_object_to_json_string_ext(rep.parameters, JSON_C_TO_STRING_PLAIN));
        varlink_reply_done(&rep);
        return 0;
}

/* --raw: one connection, a call written whole, its reply read to the NUL. */
typedef struct RawClient {
        int fd;
        char *call;
        size_t call_len;
        char buf[1 << 16];
        size_t len;
} RawClient;

static int raw_connect(RawClient *c, const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        if (asprintf(&c->call, "{\"method\":\"%s\"}", METHOD) < 0)
                return -ENOMEM;
        c->call_len = strlen(c->call) + 1; /* the NUL ends the message */
        return 0;
}

static int raw_call(RawClient *c, size_t *ret_bytes)
{
        size_t total = 0;
        bool is_reply = false;

        if (send(c->fd, c->call, c->call_len, MSG_NOSIGNAL) != (ssize_t)c->call_len)
                return -EIO;
        for (;;) {
                char *nul = memchr(c->buf, 0, c->len);

                if (nul) {
                        size_t used = (size_t)(nul - c->buf) + 1;

                        total += used - 1;
                        if (total == used - 1)
                                is_reply = strncmp(c->buf, "{\"parameters\"", 13) == 0;
                        memmove(c->buf, c->buf + used, c->len - used);
                        c->len -= used;
                        if (!is_reply) {
                                fprintf(stderr, "varlink-load: %s: not a reply\n", METHOD);
                                return 1;
                        }
                        if (ret_bytes)
                                *ret_bytes = total;
                        return 0;
                }
                if (c->len == sizeof(c->buf)) {
                        /* A long reply: only its start matters here. */
                        if (total == 0)
                                is_reply = strncmp(c->buf, "{\"parameters\"", 13) == 0;
                        total += c->len;
                        c->len = 0;
                        if (!is_reply) {
                                fprintf(stderr, "varlink-load: %s: not a reply\n", METHOD);
                                return 1;
                        }
                }
                ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
                if (n <= 0)
                        return n < 0 ? -errno : -ECONNRESET;
                c->len += (size_t)n;
        }
}

static void *worker_run_raw(Worker *w)
{
        RawClient *c = calloc(1, sizeof(RawClient));
        size_t bytes = 0;
        int r;

        r = c ? raw_connect(c, w->socket) : -ENOMEM;
        for (unsigned i = 0; r == 0 && i < w->warmup; i++)
                r = raw_call(c, i == 0 ? &bytes : NULL);
        w->reply_bytes = bytes;
        w->error = r;
        pthread_barrier_wait(&ready);
        pthread_barrier_wait(&go);
        for (unsigned i = 0; !w->error && i < w->calls; i++) {
                uint64_t t0 = now_ns();

                r = raw_call(c, NULL);
                if (r != 0) {
                        w->error = r;
                        break;
                }
                w->lat_ns[i] = now_ns() - t0;
        }
        if (c && c->fd >= 0)
                close(c->fd);
        if (c)
                free(c->call);
        free(c);
        return NULL;
}

static void *worker_run(void *userdata)
{
        Worker *w = userdata;
        VarlinkClient c = VARLINK_CLIENT_NULL;
        size_t bytes = 0;
        int r;

        if (raw)
                return worker_run_raw(w);
        r = varlink_client_connect(&c, w->socket, TIMEOUT_MS);
        /* The reply carries the whole status: allow more than the default message size. */
        c.in.limit = 16u * 1024u * 1024u;
        for (unsigned i = 0; r >= 0 && r != 1 && i < w->warmup; i++)
                r = call_once(&c, i == 0 ? &bytes : NULL);
        w->reply_bytes = bytes;
        w->error = r < 0 || r == 1 ? r : 0;

        /* Everyone connects and warms up first; then all start together. */
        pthread_barrier_wait(&ready);
        pthread_barrier_wait(&go);

        for (unsigned i = 0; !w->error && i < w->calls; i++) {
                uint64_t t0 = now_ns();

                r = call_once(&c, NULL);
                if (r != 0) {
                        w->error = r;
                        break;
                }
                w->lat_ns[i] = now_ns() - t0;
        }
        varlink_client_done(&c);
        return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted @v. */
static uint64_t percentile(const uint64_t *v, size_t n, double p)
{
        size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);

        if (k < 1)
                k = 1;
        if (k > n)
                k = n;
        return v[k - 1];
}

/* A count from 0 (when @zero_ok) or 1 up to a million. */
static int parse_uint(const char *s, bool zero_ok, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || (v == 0 && !zero_ok) || v > 1000000)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

int main(int argc, char *argv[])
{
        unsigned clients, calls, warmup = 20;
        uint64_t *all, t0, t1;
        Worker *w;
        size_t n = 0;
        int failed = 0;

        for (; argc > 1 && strncmp(argv[1], "--", 2) == 0; argc--, argv++)
                if (streq(argv[1], "--raw"))
                        raw = true;
                else if (strncmp(argv[1], "--method=", 9) == 0)
                        METHOD = argv[1] + 9;
                else
                        argc = 0;
        if ((argc != 4 && argc != 5) || parse_uint(argv[2], false, &clients) < 0 ||
            parse_uint(argv[3], false, &calls) < 0 ||
            (argc == 5 && parse_uint(argv[4], true, &warmup) < 0)) {
                fprintf(stderr, "usage: varlink-load [--raw] [--method=METHOD] SOCKET CLIENTS "
                                "CALLS [WARMUP]\n");
                return 2;
        }

        w = calloc(clients, sizeof(*w));
        all = calloc((size_t)clients * calls, sizeof(*all));
        if (!w || !all) {
                fprintf(stderr, "varlink-load: out of memory\n");
                return 1;
        }
        pthread_barrier_init(&ready, NULL, clients + 1);
        pthread_barrier_init(&go, NULL, clients + 1);

        for (unsigned i = 0; i < clients; i++) {
                w[i].socket = argv[1];
                w[i].calls = calls;
                w[i].warmup = warmup;
                w[i].lat_ns = all + (size_t)i * calls;
                if (pthread_create(&w[i].thread, NULL, worker_run, &w[i]) != 0) {
                        fprintf(stderr, "varlink-load: cannot start thread %u\n", i);
                        return 1;
                }
        }
        pthread_barrier_wait(&ready);
        t0 = now_ns();
        pthread_barrier_wait(&go);
        for (unsigned i = 0; i < clients; i++)
                pthread_join(w[i].thread, NULL);
        t1 = now_ns();

        for (unsigned i = 0; i < clients; i++)
                if (w[i].error) {
                        fprintf(stderr, "varlink-load: client %u: %s\n", i,
                                w[i].error == 1 ? "error reply" : strerror(-w[i].error));
                        failed = 1;
                }
        if (failed)
                return 1;

        n = (size_t)clients * calls;
        qsort(all, n, sizeof(*all), cmp_u64);
        printf("clients=%u calls=%zu reply_bytes=%llu wall_s=%.6f calls_per_s=%.1f "
               "p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
               clients, n, (unsigned long long)w[0].reply_bytes, (double)(t1 - t0) / 1e9,
               (double)n / ((double)(t1 - t0) / 1e9), (double)percentile(all, n, 50) / 1e3,
               (double)percentile(all, n, 99) / 1e3, (double)all[n - 1] / 1e3);
        free(all);
        free(w);
        return 0;
}
