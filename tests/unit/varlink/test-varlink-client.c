/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client against a real server: a listening socket in a private directory, served by a
 * forked child that speaks Varlink through varlink.c and behaves as each test asks (answers,
 * streams, trickles, sends garbage, closes, or never answers). The child checks what it
 * receives with the same assertions; its exit status is checked by the parent.
 */

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "tests.h"
#include "varlink/varlink-client.h"

#define BIG (1u << 20)

static char dir[256];
static unsigned n_sockets;

static void json_putp(struct json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

static double seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A new socket path in the private directory, listened on with @backlog. */
static int listen_new(int backlog, char *path, size_t size)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        ASSERT_TRUE((size_t)snprintf(path, size, "%s/s%u", dir, n_sockets++) < size);
        ASSERT_TRUE(strlen(path) < sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
        ASSERT_OK(listen(fd, backlog));
        return fd;
}

static void write_all(int fd, const void *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                ASSERT_TRUE(k > 0);
                p = (const char *)p + k;
                n -= k;
        }
}

static void send_reply(int fd, struct json_object *parameters, bool continues)
{
        _cleanup_free_ char *m = NULL;
        size_t n;

        ASSERT_OK(varlink_format_reply(parameters, continues, &m, &n));
        write_all(fd, m, n);
}

/* What the test server does with each call, by method name. */
static bool serve_call(int fd, const VarlinkCall *c)
{
        const char *m = c->method + strlen("io.binfmtd.test.");

        ASSERT_NOT_NULL(startswith(c->method, "io.binfmtd.test."));

        if (streq(m, "Echo"))
                send_reply(fd, c->parameters, false);
        else if (streq(m, "Watch")) {
                /* Several replies in one write: the client must keep what it has not used. */
                char all[512];
                size_t n = 0;

                ASSERT_TRUE(c->more);
                for (int i = 0; i < 4; i++) {
                        _cleanup_free_ char *r = NULL;
                        _cleanup_json_ struct json_object *p = json_object_new_object();
                        size_t k;

                        json_object_object_add(p, "n", json_object_new_int(i));
                        ASSERT_OK(varlink_format_reply(p, i < 3, &r, &k));
                        ASSERT_TRUE(n + k <= sizeof(all));
                        memcpy(all + n, r, k);
                        n += k;
                }
                write_all(fd, all, n);
        } else if (streq(m, "Trickle")) {
                _cleanup_free_ char *r = NULL;
                size_t k;

                ASSERT_OK(varlink_format_reply(c->parameters, false, &r, &k));
                for (size_t i = 0; i < k; i++) {
                        write_all(fd, r + i, 1);
                        usleep(1000);
                }
        } else if (streq(m, "Fail")) {
                _cleanup_free_ char *r = NULL;
                size_t k;

                ASSERT_OK(varlink_format_error("io.binfmtd.test.Failed", c->parameters, &r, &k));
                write_all(fd, r, k);
        } else if (streq(m, "Garbage"))
                write_all(fd, "{\"parameters\":{}} x", 20);
        else if (streq(m, "Huge")) {
                _cleanup_free_ char *r = malloc(VARLINK_MESSAGE_MAX + 2);

                ASSERT_NOT_NULL(r);
                memset(r, ' ', VARLINK_MESSAGE_MAX + 1);
                r[0] = '{';
                r[VARLINK_MESSAGE_MAX] = '}';
                r[VARLINK_MESSAGE_MAX + 1] = 0;
                write_all(fd, r, VARLINK_MESSAGE_MAX + 2);
        } else if (streq(m, "Partial"))
                write_all(fd, "{\"parameters\":", 14);
        else if (streq(m, "Hang"))
                for (;;)
                        pause();
        else if (streq(m, "Close"))
                ;
        else
                ASSERT_TRUE(false);
        return !streq(m, "Close") && !streq(m, "Partial");
}

static void serve_connection(int fd)
{
        VarlinkBuffer in = { .limit = 4 * BIG };
        char buf[65536];

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                ASSERT_TRUE(n >= 0);
                if (n == 0)
                        return;
                ASSERT_OK(varlink_buffer_append(&in, buf, n));
                for (;;) {
                        _cleanup_free_ char *m = NULL;
                        _cleanup_(varlink_call_done) VarlinkCall c = {};
                        size_t len;
                        int r = varlink_buffer_next(&in, &m, &len);

                        ASSERT_OK(r);
                        if (r == 0)
                                break;
                        ASSERT_OK(varlink_call_parse(m, len, &c));
                        if (!serve_call(fd, &c))
                                return;
                }
        }
}

/* Forks a server for one connection on @lfd. */
static pid_t serve(int lfd)
{
        pid_t pid = fork();

        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

                ASSERT_TRUE(fd >= 0);
                close(lfd);
                serve_connection(fd);
                close(fd);
                _exit(0);
        }
        close(lfd);
        return pid;
}

static void reap(pid_t pid)
{
        int status;

        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "server failed (status %#x)\n", status);
                abort();
        }
}

static void kill_and_reap(pid_t pid)
{
        int status;

        ASSERT_OK(kill(pid, SIGKILL));
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
}

TEST(call_reply)
{
        _cleanup_(varlink_client_done) VarlinkClient c = VARLINK_CLIENT_NULL;
        _cleanup_json_ struct json_object *p = json_tokener_parse("{\"targets\":[\"arm64\"]}");
        char path[300];
        pid_t pid = serve(listen_new(8, path, sizeof(path)));

        ASSERT_OK(varlink_client_connect(&c, path, 5000));
        for (int i = 0; i < 3; i++) {
                _cleanup_(varlink_reply_done) VarlinkReply r = {};

                ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Echo", p, false));
                ASSERT_OK(varlink_client_read_reply(&c, &r));
                ASSERT_NULL(r.error);
                ASSERT_FALSE(r.continues);
                ASSERT_TRUE(json_object_equal(r.parameters, p));
        }
        {
                _cleanup_(varlink_reply_done) VarlinkReply r = {};

                ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Fail", p, false));
                ASSERT_OK(varlink_client_read_reply(&c, &r));
                ASSERT_STREQ(r.error, "io.binfmtd.test.Failed");
                ASSERT_TRUE(json_object_equal(r.parameters, p));
        }
        {
                /* Two calls before reading: replies come back in order. */
                _cleanup_(varlink_reply_done) VarlinkReply r1 = {}, r2 = {};

                ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Echo", NULL, false));
                ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Fail", NULL, false));
                ASSERT_OK(varlink_client_read_reply(&c, &r1));
                ASSERT_OK(varlink_client_read_reply(&c, &r2));
                ASSERT_NULL(r1.error);
                ASSERT_STREQ(r2.error, "io.binfmtd.test.Failed");
        }
        /* A malformed method never reaches the wire. */
        ASSERT_ERROR(varlink_client_call(&c, "Echo", NULL, false), EINVAL);
        varlink_client_done(&c);
        reap(pid);
        ASSERT_ERROR(varlink_client_call(&c, "io.binfmtd.test.Echo", NULL, false), ENOTCONN);
}

TEST(more)
{
        _cleanup_(varlink_client_done) VarlinkClient c = VARLINK_CLIENT_NULL;
        char path[300];
        pid_t pid = serve(listen_new(8, path, sizeof(path)));

        ASSERT_OK(varlink_client_connect(&c, path, 5000));
        ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Watch", NULL, true));
        for (int i = 0; i < 4; i++) {
                _cleanup_(varlink_reply_done) VarlinkReply r = {};

                ASSERT_OK(varlink_client_read_reply(&c, &r));
                ASSERT_NULL(r.error);
                ASSERT_EQ(r.continues, i < 3);
                ASSERT_EQ(json_object_get_int(json_object_object_get(r.parameters, "n")), i);
        }
        varlink_client_done(&c);
        reap(pid);
}

/* A reply that arrives byte by byte, and a call and a reply far larger than a socket buffer. */
TEST(partial_io)
{
        _cleanup_(varlink_client_done) VarlinkClient c = VARLINK_CLIENT_NULL;
        _cleanup_json_ struct json_object *small = json_tokener_parse("{\"x\":\"trickle\"}");
        _cleanup_json_ struct json_object *big = json_object_new_object();
        _cleanup_free_ char *s = malloc(BIG);
        char path[300];
        pid_t pid = serve(listen_new(8, path, sizeof(path)));

        ASSERT_NOT_NULL(s);
        memset(s, 'b', BIG - 1);
        s[BIG - 1] = 0;
        json_object_object_add(big, "blob", json_object_new_string(s));

        ASSERT_OK(varlink_client_connect(&c, path, 5000));
        c.in.limit = 2 * BIG;
        {
                _cleanup_(varlink_reply_done) VarlinkReply r = {};

                ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Trickle", small, false));
                ASSERT_OK(varlink_client_read_reply(&c, &r));
                ASSERT_TRUE(json_object_equal(r.parameters, small));
        }
        {
                _cleanup_(varlink_reply_done) VarlinkReply r = {};

                ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Echo", big, false));
                ASSERT_OK(varlink_client_read_reply(&c, &r));
                ASSERT_TRUE(json_object_equal(r.parameters, big));
        }
        varlink_client_done(&c);
        reap(pid);
}

/* With no waiting allowed, a reply that is already there is still read. */
TEST(timeout_zero)
{
        _cleanup_(varlink_client_done) VarlinkClient c = VARLINK_CLIENT_NULL;
        _cleanup_(varlink_reply_done) VarlinkReply r = {};
        char path[300];
        pid_t pid = serve(listen_new(8, path, sizeof(path)));
        struct pollfd p;

        ASSERT_OK(varlink_client_connect(&c, path, 5000));
        ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Echo", NULL, false));
        p = (struct pollfd){ .fd = c.fd, .events = POLLIN };
        ASSERT_EQ(poll(&p, 1, 5000), 1);
        usleep(10000);
        c.timeout_ms = 0;
        ASSERT_OK(varlink_client_read_reply(&c, &r));
        ASSERT_NULL(r.error);
        /* Nothing more is coming. */
        ASSERT_ERROR(varlink_client_read_reply(&c, &r), ETIMEDOUT);
        varlink_client_done(&c);
        reap(pid);
}

TEST(bad_replies)
{
        static const struct {
                const char *method;
                int error;
        } cases[] = {
                { "io.binfmtd.test.Garbage", EBADMSG },
                { "io.binfmtd.test.Huge", EMSGSIZE },
                { "io.binfmtd.test.Partial", ECONNRESET },
                { "io.binfmtd.test.Close", ECONNRESET },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(varlink_client_done) VarlinkClient c = VARLINK_CLIENT_NULL;
                VarlinkReply r = {};
                char path[300];
                pid_t pid = serve(listen_new(8, path, sizeof(path)));

                fprintf(stderr, "   %s\n", cases[i].method);
                ASSERT_OK(varlink_client_connect(&c, path, 5000));
                ASSERT_OK(varlink_client_call(&c, cases[i].method, NULL, false));
                ASSERT_EQ(varlink_client_read_reply(&c, &r), -cases[i].error);
                ASSERT_NULL(r.parameters);
                varlink_client_done(&c);
                reap(pid);
        }
}

/* The server went away: -ECONNRESET on read, -EPIPE on write and no SIGPIPE. */
TEST(server_gone)
{
        _cleanup_(varlink_client_done) VarlinkClient c = VARLINK_CLIENT_NULL;
        VarlinkReply r = {};
        char path[300];
        pid_t pid = serve(listen_new(8, path, sizeof(path)));

        ASSERT_TRUE(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
        ASSERT_OK(varlink_client_connect(&c, path, 5000));
        ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Close", NULL, false));
        reap(pid);
        ASSERT_ERROR(varlink_client_read_reply(&c, &r), ECONNRESET);
        ASSERT_ERROR(varlink_client_call(&c, "io.binfmtd.test.Echo", NULL, false), EPIPE);
}

/* A server that never answers costs the timeout, not more. */
TEST(never_answers)
{
        _cleanup_(varlink_client_done) VarlinkClient c = VARLINK_CLIENT_NULL;
        VarlinkReply r = {};
        char path[300];
        pid_t pid = serve(listen_new(8, path, sizeof(path)));
        double t;

        ASSERT_OK(varlink_client_connect(&c, path, 200));
        ASSERT_OK(varlink_client_call(&c, "io.binfmtd.test.Hang", NULL, false));
        t = seconds();
        ASSERT_ERROR(varlink_client_read_reply(&c, &r), ETIMEDOUT);
        t = seconds() - t;
        fprintf(stderr, "   %.3fs\n", t);
        ASSERT_TRUE(t >= 0.15 && t < 5);
        kill_and_reap(pid);

        /* Nor does a server that never reads: the call's write gives up in time. */
        {
                _cleanup_(varlink_client_done) VarlinkClient w = VARLINK_CLIENT_NULL;
                _cleanup_json_ struct json_object *big = json_object_new_object();
                _cleanup_free_ char *s = malloc(8 * BIG);
                int status;

                pid = serve(listen_new(8, path, sizeof(path)));
                ASSERT_NOT_NULL(s);
                memset(s, 'b', 8 * BIG - 1);
                s[8 * BIG - 1] = 0;
                json_object_object_add(big, "blob", json_object_new_string(s));
                ASSERT_OK(varlink_client_connect(&w, path, 200));
                ASSERT_OK(varlink_client_call(&w, "io.binfmtd.test.Hang", NULL, false));
                /* Let the server take the first call and stop reading. */
                usleep(50000);
                t = seconds();
                ASSERT_ERROR(varlink_client_call(&w, "io.binfmtd.test.Echo", big, false),
                             ETIMEDOUT);
                t = seconds() - t;
                ASSERT_TRUE(t >= 0.15 && t < 5);
                ASSERT_OK(kill(pid, SIGKILL));
                ASSERT_EQ(waitpid(pid, &status, 0), pid);
        }
}

/* A daemon that stopped accepting: connect() gives up after the timeout. */
TEST(backlog_full)
{
        char path[300];
        int lfd = listen_new(0, path, sizeof(path));
        VarlinkClient c[8];
        bool timed_out = false;
        size_t n;
        double t;

        for (n = 0; n < ELEMENTSOF(c); n++) {
                int r;

                t = seconds();
                r = varlink_client_connect(&c[n], path, 200);
                t = seconds() - t;
                if (r == -ETIMEDOUT) {
                        ASSERT_TRUE(t >= 0.15 && t < 5);
                        timed_out = true;
                        varlink_client_done(&c[n]);
                        break;
                }
                ASSERT_OK(r);
        }
        ASSERT_TRUE(timed_out);
        ASSERT_TRUE(n >= 1);
        while (n > 0)
                varlink_client_done(&c[--n]);
        close(lfd);
}

TEST(connect_errors)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        VarlinkClient c;
        char path[300], lng[200];
        int fd;

        ASSERT_TRUE((size_t)snprintf(path, sizeof(path), "%s/missing", dir) < sizeof(path));
        ASSERT_ERROR(varlink_client_connect(&c, path, 1000), ENOENT);
        ASSERT_EQ(c.fd, -EBADF);
        varlink_client_done(&c);

        /* A socket file nobody listens on any more. */
        ASSERT_TRUE((size_t)snprintf(path, sizeof(path), "%s/stale", dir) < sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
        close(fd);
        ASSERT_ERROR(varlink_client_connect(&c, path, 1000), ECONNREFUSED);
        varlink_client_done(&c);
        ASSERT_OK(unlink(path));

        /* Not a socket. */
        ASSERT_TRUE((size_t)snprintf(path, sizeof(path), "%s/file", dir) < sizeof(path));
        fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        close(fd);
        ASSERT_ERROR(varlink_client_connect(&c, path, 1000), ECONNREFUSED);
        varlink_client_done(&c);
        ASSERT_OK(unlink(path));

        memset(lng, 'a', sizeof(lng) - 1);
        lng[0] = '/';
        lng[sizeof(lng) - 1] = 0;
        ASSERT_ERROR(varlink_client_connect(&c, lng, 1000), ENAMETOOLONG);
        ASSERT_ERROR(varlink_client_connect(&c, "", 1000), EINVAL);
        varlink_client_done(&c);
        varlink_client_done(&c);
}

int main(void)
{
        const char *tmp = getenv("TMPDIR") ?: "/tmp";

        ASSERT_TRUE((size_t)snprintf(dir, sizeof(dir), "%s/test-varlink-client-XXXXXX", tmp) <
                    sizeof(dir));
        if (!mkdtemp(dir)) {
                fprintf(stderr, "mkdtemp: %m\n");
                return EXIT_TEST_SKIP;
        }

        RUN(call_reply);
        RUN(more);
        RUN(partial_io);
        RUN(timeout_zero);
        RUN(bad_replies);
        RUN(server_gone);
        RUN(never_answers);
        RUN(backlog_full);
        RUN(connect_errors);

        for (unsigned i = 0; i < n_sockets; i++) {
                char path[300];
                snprintf(path, sizeof(path), "%s/s%u", dir, i);
                (void)unlink(path);
        }
        ASSERT_OK(rmdir(dir));
        return 0;
}
