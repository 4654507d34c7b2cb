/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the daemon's Varlink server (daemon/server.c): the bytes of a whole
 * connection in, the replies out. The first byte chooses whether the peer counts as root or
 * the admin group and how many connections the limits allow; the rest is sent on a real Unix
 * socket connection to a real server on its own sd-event loop, then the client half-closes.
 * The server's handlers stand in for the manager: a fixed status, reports for changes, a
 * verification that finishes on the next loop turn. The loop runs until the server closes the
 * connection, which it must do once every call is answered, or until nothing happens for
 * IDLE_TURNS_MAX turns: a Watch goes on after a half-close, so then the client closes its end
 * too, and the server must let the connection go. Every reply must be one Varlink message that
 * parses; aborts otherwise, or when a connection outlives its client.
 */

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../../daemon/log.h"
#include "../../daemon/server.h"
#include "base/time.h"
#include "varlink/varlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LOOP_TURNS_MAX 100000
#define IDLE_TURNS_MAX 1000

typedef struct Harness {
        sd_event *event;
        Server *server;
        struct json_object *status;
        bool admin;
        ServerLimits limits;
        sd_event_source *verified;
        uint64_t verify_seq;
} Harness;

static struct json_object *h_status(void *userdata, int *ret_error)
{
        Harness *h = userdata;

        return json_object_get(h->status);
}

static bool h_peer_is_admin(void *userdata, uid_t uid, gid_t gid, const gid_t *groups,
                            size_t n_groups)
{
        return ((Harness *)userdata)->admin;
}

static int h_change(void *userdata, char *const *targets, bool force, Report *r)
{
        for (size_t i = 0; targets[i]; i++)
                if (targets[i][0] == 'x')
                        report_error(r, "io.binfmtd.UnknownTarget", "%s: unknown target",
                                     targets[i]);
                else
                        report_info(r, "%s: done%s.", targets[i], force ? " (forced)" : "");
        return 0;
}

static int h_reload(void *userdata, Report *r, unsigned *ret_generation)
{
        *ret_generation = 7;
        return 0;
}

static int on_verified(sd_event_source *s, void *userdata)
{
        Harness *h = userdata;

        server_verification_done(h->server, h->verify_seq);
        return 0;
}

static int h_verify(void *userdata, uint64_t *ret_seq)
{
        Harness *h = userdata;
        int r;

        *ret_seq = ++h->verify_seq;
        r = h->verified ? 0 : sd_event_add_defer(h->event, &h->verified, on_verified, h);
        if (r >= 0)
                r = sd_event_source_set_enabled(h->verified, SD_EVENT_ONESHOT);
        return r;
}

static const ServerLimits *h_limits(void *userdata)
{
        return &((Harness *)userdata)->limits;
}

static const ServerHandlers handlers = {
        .status = h_status,
        .peer_is_admin = h_peer_is_admin,
        .install = h_change,
        .uninstall = h_change,
        .reload = h_reload,
        .verify = h_verify,
        .limits = h_limits,
};

/* Checks the replies received so far (whole messages only); keeps the rest in @buf. */
static void check_replies(char *buf, size_t *len)
{
        char *start = buf, *nul;

        while ((nul = memchr(start, 0, *len - (size_t)(start - buf)))) {
                _cleanup_(varlink_reply_done) VarlinkReply r = {};
                int q = varlink_reply_parse(start, (size_t)(nul - start), &r);

                if (q < 0 && q != -ENOMEM)
                        abort();
                start = nul + 1;
        }
        *len -= (size_t)(start - buf);
        memmove(buf, start, *len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        Harness h = {};
        _cleanup_close_ int client = -EBADF;
        int listen_fd;
        static char in[SERVER_OUTPUT_MAX + 65536];
        size_t in_len = 0;
        bool closed = false;
        unsigned idle = 0;

        if (size < 1)
                return 0;
        log_set_max_level(LOG_EMERG); /* refusals and drops are logged: not here */
        h.admin = data[0] & 1;
        h.limits = (ServerLimits){
                .max_connections = 1 + ((data[0] >> 1) & 3),
                .max_connections_per_user = 1 + ((data[0] >> 3) & 3),
                .max_watches_per_user = (data[0] >> 5) & 3,
                .idle_usec = 60 * USEC_PER_SEC,
        };
        data++;
        size--;

        h.status = json_tokener_parse(
                "{\"kernel\":{\"release\":\"6.18\"},\"entries\":[],\"supported\":[\"linux/amd64\"],"
                "\"daemon\":{\"generation\":1,\"last_reconcile_usec\":1}}");
        if (!h.status)
                return 0;
        if (sd_event_new(&h.event) < 0)
                abort();

        if (!path[0])
                snprintf(path, sizeof(path), "/tmp/fuzz-server.%d.sock", (int)getpid());
        listen_fd = server_listen(path);
        if (listen_fd < 0 || server_new(h.event, listen_fd, &handlers, &h, &h.server) < 0)
                abort();

        strcpy(sa.sun_path, path);
        client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (client < 0 || connect(client, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                abort();

        /* The whole connection: everything it sends, then the half-close. */
        for (size_t off = 0; off < size;) {
                ssize_t k = send(client, data + off, size - off, MSG_NOSIGNAL);

                if (k > 0) {
                        off += (size_t)k;
                        continue;
                }
                if (k < 0 && errno != EAGAIN)
                        break; /* the server dropped us: fine */
                (void)sd_event_run(h.event, 0);
                for (;;) {
                        ssize_t n = recv(client, in + in_len, sizeof(in) - in_len, 0);
                        if (n <= 0)
                                break;
                        in_len += (size_t)n;
                        check_replies(in, &in_len);
                }
        }
        (void)shutdown(client, SHUT_WR);

        for (unsigned turn = 0; turn < LOOP_TURNS_MAX && !closed && idle < IDLE_TURNS_MAX; turn++) {
                idle++;
                (void)sd_event_run(h.event, 0);
                for (;;) {
                        ssize_t n = recv(client, in + in_len, sizeof(in) - in_len, 0);

                        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                                closed = true;
                                break;
                        }
                        if (n < 0)
                                break;
                        in_len += (size_t)n;
                        idle = 0;
                        check_replies(in, &in_len);
                }
        }
        /* Every call answered, and the connection closed (a reply cut short by a drop is fine);
         * or a Watch still going: the client closes, and the server lets the connection go. */
        if (!closed) {
                closep(&client);
                client = -EBADF;
                for (unsigned turn = 0; turn < LOOP_TURNS_MAX && server_n_connections(h.server) > 0;
                     turn++)
                        (void)sd_event_run(h.event, 0);
                if (server_n_connections(h.server) > 0)
                        abort();
        }

        h.server = server_free(h.server);
        sd_event_source_disable_unref(h.verified);
        sd_event_unref(h.event);
        json_object_put(h.status);
        (void)unlink(path);
        return 0;
}
