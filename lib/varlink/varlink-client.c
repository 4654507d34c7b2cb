/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The blocking Varlink client binfmtctl uses: one AF_UNIX stream connection, calls written
 * whole, replies framed and parsed by varlink.c. It owns the socket and nothing else. Every
 * wait (connect on a full backlog, send, receive) ends by the client's timeout, measured
 * against a monotonic deadline, so a stuck or trickling daemon cannot hang the tool. It never
 * raises SIGPIPE and never logs: callers get -errno and decide.
 */

#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "base/time.h"
#include "varlink/varlink-client.h"

static int64_t now_ms(void)
{
        return (int64_t)(now_usec(CLOCK_MONOTONIC) / USEC_PER_MSEC);
}

/* The deadline of one operation, or -1 for none. */
static int64_t deadline_of(int timeout_ms)
{
        return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/*
 * Waits for @events on @fd until @deadline; polls once more when the deadline has passed, so
 * what is already there is never missed. Errors and hang-ups are left to the next I/O call.
 */
static int wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                struct pollfd p = { .fd = fd, .events = events };
                int t = -1, r;

                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();

                        t = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
                }
                r = poll(&p, 1, t);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0) {
                        if (t == 0)
                                return -ETIMEDOUT;
                        continue; /* woken early by rounding: check the deadline again */
                }
                if (p.revents & POLLNVAL)
                        return -EBADF;
                return 0;
        }
}

int varlink_client_connect(VarlinkClient *c, const char *path, int timeout_ms)
{
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t l;

        /* Whatever happens below, varlink_client_done() is safe on @c afterwards. */
        *c = (VarlinkClient)VARLINK_CLIENT_NULL;
        c->timeout_ms = timeout_ms;

        if (!path)
                return -EINVAL;
        l = strlen(path);
        if (l == 0)
                return -EINVAL;
        if (l >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, l);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        /*
         * A daemon that stopped accepting leaves connect() waiting for room in its backlog:
         * the send timeout bounds that wait, and it then fails with EAGAIN.
         */
        if (timeout_ms >= 0) {
                struct timeval tv = {
                        .tv_sec = timeout_ms / 1000,
                        .tv_usec = (timeout_ms % 1000) * 1000,
                };
                if (timeout_ms == 0)
                        tv.tv_usec = 1000; /* zero would mean no timeout at all */
                if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                        return -errno;
        }

        while (connect(fd, (const struct sockaddr *)&sa,
                       offsetof(struct sockaddr_un, sun_path) + l + 1) < 0) {
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN)
                        return -ETIMEDOUT;
                return -errno;
        }

        c->fd = TAKE_FD(fd);
        return 0;
}

void varlink_client_done(VarlinkClient *c)
{
        if (!c)
                return;
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -EBADF;
        varlink_buffer_done(&c->in);
}

int varlink_client_call(VarlinkClient *c, const char *method, struct json_object *parameters,
                        bool more)
{
        _cleanup_free_ char *msg = NULL;
        int64_t deadline;
        size_t len, done = 0;
        int r;

        if (c->fd < 0)
                return -ENOTCONN;

        r = varlink_format_call(method, parameters, more, &msg, &len);
        if (r < 0)
                return r;

        deadline = deadline_of(c->timeout_ms);
        while (done < len) {
                /* MSG_NOSIGNAL: a daemon that went away is -EPIPE, not a dead tool. */
                ssize_t n = send(c->fd, msg + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        r = wait_fd(c->fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                done += n;
        }
        return 0;
}

int varlink_client_read_reply(VarlinkClient *c, VarlinkReply *ret)
{
        int64_t deadline;
        int r;

        if (c->fd < 0)
                return -ENOTCONN;

        deadline = deadline_of(c->timeout_ms);
        for (;;) {
                _cleanup_free_ char *msg = NULL;
                char buf[16384];
                size_t len;
                ssize_t n;

                /* A reply may already be held: several can arrive in one read. */
                r = varlink_buffer_next(&c->in, &msg, &len);
                if (r < 0)
                        return r;
                if (r > 0)
                        return varlink_reply_parse(msg, len, ret);

                r = wait_fd(c->fd, POLLIN, deadline);
                if (r < 0)
                        return r;

                n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                /* End of stream, even in the middle of a message: the daemon is gone. */
                if (n == 0)
                        return -ECONNRESET;

                r = varlink_buffer_append(&c->in, buf, n);
                if (r < 0)
                        return r;
        }
}
