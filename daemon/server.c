/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Varlink server: accepts connections on the daemon's socket, frames and parses calls with
 * lib/varlink/varlink.c, authorises changes by the peer's SO_PEERCRED credentials, and answers
 * through the handlers binfmtd.c gives it. Everything is non-blocking on one sd-event loop.
 *
 * GetStatus is answered from a reply serialised once per status (and number of connections):
 * the status itself is the manager's snapshot, rebuilt only when something changed.
 *
 * A client can only ever cost a bounded amount: at most MaxConnections at once, one message of
 * at most VARLINK_MESSAGE_MAX bytes in flight, at most SERVER_OUTPUT_MAX bytes of replies
 * queued, and IdleTimeoutSec of silence (Watch clients excepted). A client that breaks any of
 * these, or the protocol, is disconnected; the others never notice.
 */

#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "build-config.h"
#include "base/time.h"
#include "log.h"
#include "server.h"
#include "base/strv.h"
#include "varlink/call-cache.h"
#include "varlink/varlink.h"

#define INTERFACE "io.binfmtd"
/* A few calls of it at most: the rest wait their turn, after everyone else's. */
#define CALLS_PER_WAKEUP 4
/* Replies waiting to be read beyond this: no more calls of that client run until it reads. */
#define OUTPUT_HIGH_WATER (64u * 1024u)
/* Peeked bytes are taken off the socket once this many, or after this many reads, and in any
 * case this long after the read (microseconds). */
#define CONSUME_BYTES      4096u
#define CONSUME_READS      32u
#define CONSUME_DELAY_USEC 1000u
/* Connections beyond MaxConnections= kept for root and the admin group. */
#define RESERVED_CONNECTIONS 8
/* Refusals logged per second at most; the others are counted, and said in the next line. */
#define REFUSAL_LOGS_PER_SEC 1
/* Client calls run after the events of binfmt_misc and the timers of the same loop turn. */
#define SERVER_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 10)

typedef struct Connection Connection;

struct Connection {
        Server *server;
        Connection *next, *prev;
        int fd;
        bool watched; /* in the server's epoll set */
        sd_event_source *idle;
        uint64_t active_usec; /* the last complete call (CLOCK_MONOTONIC): idle counts from it */
        uint32_t events;      /* the epoll events asked for last */
        bool peek_off;        /* the kernel keeps our peek offset (SO_PEEK_OFF): edge-triggered */
        bool read_more;       /* the last read filled the buffer: read again at the next turn */
        bool rdhup;           /* the client half-closed: the bytes on the socket are the last */
        size_t unconsumed;    /* bytes peeked and still on the socket */
        unsigned unconsumed_reads;
        VarlinkBuffer in;
        char *out;
        size_t out_len, out_off, out_alloc;
        struct ucred cred;
        gid_t *groups; /* supplementary groups at connect time (SO_PEERGROUPS) */
        size_t n_groups;
        bool privileged; /* root or the admin group when it connected: the reserve is theirs */
        bool watching;
        bool verify_wait; /* a Verify call waits for verification number verify_seq */
        bool verify_oneway;
        uint64_t verify_seq;
        bool eof;              /* the client half-closed: answer what it sent, then close */
        bool backlog;          /* complete calls wait in the buffer for their turn */
        sd_event_source *more; /* calls left over from a wakeup: run after the others' */
        bool dead;             /* broke a limit or the protocol: close at the next chance */
        char *last_status;     /* what the watcher got last */
};

struct Server {
        sd_event *event;
        const ServerHandlers *handlers;
        void *userdata;
        int fd;
        sd_event_source *io;
        int epfd;               /* the connections' sockets */
        sd_event_source *conns; /* epfd, on the loop */
        Connection *connections;
        unsigned n_connections;
        uint64_t refusal_log_usec;  /* when a refusal was last logged */
        unsigned refusals_unlogged; /* refusals since then */
        char *status_reply;         /* the GetStatus reply as sent, NULL: to be made */
        size_t status_reply_len;
        unsigned status_reply_connections; /* the number of connections it says */
        char *watch_key;                   /* what Watch clients compare, for this status */
        sd_event_source *notify;  /* tells the watchers, after the change's handler returned */
        sd_event_source *consume; /* takes peeked bytes off the sockets, CONSUME_DELAY_USEC on */
        VarlinkCallCache calls;   /* the parses of calls clients repeat */
};

#define H(s)      ((s)->handlers)
#define LIMITS(s) ((s)->handlers->limits((s)->userdata))

static int connection_update_events(Connection *c);
static bool connection_done(Connection *c);
_printf_(2, 3) static void log_refusal(Server *s, const char *fmt, ...);

static const char interface_description[] =
        "# Registers QEMU user-mode emulators in binfmt_misc, keeps them registered and\n"
        "# reports them.\n"
        "interface io.binfmtd\n"
        "\n"
        "# One line of what an operation did.\n"
        "type Message (\n"
        "  error: bool,\n"
        "  id: ?string,\n"
        "  text: string\n"
        ")\n"
        "\n"
        "# The kernel, the native platform, the binfmt_misc instance, every entry and the\n"
        "# daemon's own state, as binfmtctl status --json prints it.\n"
        "method GetStatus() -> (status: object)\n"
        "\n"
        "# The status now and, called with more, again on every change.\n"
        "method Watch() -> (status: object)\n"
        "\n"
        "# Registers targets (QEMU names, aliases, OCI platforms, or all) and keeps them\n"
        "# registered until they are uninstalled or the configuration is reloaded.\n"
        "method Install(targets: []string, force: ?bool) -> (messages: []Message, failed: bool)\n"
        "\n"
        "# Removes binfmtd's entries of targets (all: every entry binfmtd registered).\n"
        "method Uninstall(targets: []string, force: ?bool) -> (messages: []Message, failed: bool)\n"
        "\n"
        "# Reads the configuration again; one with errors is rejected, the running one stays.\n"
        "method Reload() -> (generation: int)\n"
        "\n"
        "# Runs every platform's probes now, from the host and in an empty chroot, and replies\n"
        "# once they have finished, with the status and its verification record.\n"
        "method Verify() -> (status: object)\n"
        "\n"
        "# The caller is neither root nor in the configured admin group.\n"
        "error PermissionDenied ()\n"
        "# The binfmt_misc instance could not be read.\n"
        "error StatusUnavailable (error: string)\n"
        "# A limit of the socket: too many connections, or of one user (MaxConnectionsPerUser=,\n"
        "# MaxWatchesPerUser=). Root and the admin group have connections of their own.\n"
        "error TooManyConnections (reason: string)\n"
        "error ConfigInvalid (messages: []Message, failed: bool)\n"
        "error Failed (messages: []Message, failed: bool)\n"
        "error UnknownTarget (messages: []Message, failed: bool)\n"
        "error InvalidTarget (messages: []Message, failed: bool)\n"
        "error NativeTarget (messages: []Message, failed: bool)\n"
        "error KernelTooOld (messages: []Message, failed: bool)\n"
        "error UnknownHost (messages: []Message, failed: bool)\n"
        "error NoInterpreter (messages: []Message, failed: bool)\n"
        "error InterpreterNotStatic (messages: []Message, failed: bool)\n"
        "error InterpreterUnsafe (messages: []Message, failed: bool)\n"
        "error InvalidRule (messages: []Message, failed: bool)\n"
        "error FlagUnsupported (messages: []Message, failed: bool)\n"
        "error MountFailed (messages: []Message, failed: bool)\n"
        "error ReadOnly (messages: []Message, failed: bool)\n"
        "error NotWritable (messages: []Message, failed: bool)\n"
        "error KernelRefused (messages: []Message, failed: bool)\n"
        "error ForeignEntry (messages: []Message, failed: bool)\n";

static const char service_description[] =
        "# The Varlink service interface.\n"
        "interface org.varlink.service\n"
        "\n"
        "method GetInfo() -> (\n"
        "  vendor: string,\n"
        "  product: string,\n"
        "  version: string,\n"
        "  url: string,\n"
        "  interfaces: []string\n"
        ")\n"
        "\n"
        "method GetInterfaceDescription(interface: string) -> (description: string)\n"
        "\n"
        "error InterfaceNotFound (interface: string)\n"
        "error MethodNotFound (method: string)\n"
        "error MethodNotImplemented (method: string)\n"
        "error InvalidParameter (parameter: string)\n";

/* ---- connections ------------------------------------------------------------------------ */

static void connection_free(Connection *c)
{
        Server *s;

        if (!c)
                return;
        s = c->server;
        if (c->prev)
                c->prev->next = c->next;
        else
                s->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->n_connections--;

        if (c->watched)
                (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        sd_event_source_disable_unref(c->idle);
        sd_event_source_disable_unref(c->more);
        free(c->groups);
        if (c->fd >= 0)
                close(c->fd);
        varlink_buffer_done(&c->in);
        free(c->out);
        free(c->last_status);
        free(c);
        /* The last client gone: what a burst of them took from the heap goes back. */
        if (s->n_connections == 0)
                (void)malloc_trim(0);
}

/* Closes a connection; @r says why when it is an error (a reset needs no word). */
static void connection_drop(Connection *c, int r)
{
        if (r < 0 && r != -ECONNRESET)
                log_debug("Dropping client pid %d: %s", (int)c->cred.pid, strerror(-r));
        connection_free(c);
}

static int connection_flush(Connection *c)
{
        while (c->out_off < c->out_len) {
                ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return -errno;
                }
                c->out_off += n;
        }
        if (c->out_off == c->out_len)
                c->out_off = c->out_len = 0;
        return connection_update_events(c);
}

/* Queues a message; a client that lets replies pile up beyond the limit is dropped. */
static int connection_append(Connection *c, const char *msg, size_t len)
{
        size_t pending = c->out_len - c->out_off;
        int r;

        /* Nothing waiting: straight to the socket, and only what it did not take is kept. */
        if (pending == 0) {
                ssize_t n = send(c->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        c->dead = true;
                        return -errno;
                }
                if (n > 0) {
                        msg += n;
                        len -= (size_t)n;
                }
                if (len == 0)
                        return connection_update_events(c);
        }

        if (pending + len > SERVER_OUTPUT_MAX) {
                log_debug("Client pid %d does not read its replies, disconnecting.",
                          (int)c->cred.pid);
                c->dead = true;
                return -ENOBUFS;
        }
        if (c->out_off > 0) {
                memmove(c->out, c->out + c->out_off, pending);
                c->out_len = pending;
                c->out_off = 0;
        }
        if (c->out_len + len > c->out_alloc) {
                size_t a = c->out_len + len;
                char *p = realloc(c->out, a);

                if (!p) {
                        c->dead = true;
                        return -ENOMEM;
                }
                c->out = p;
                c->out_alloc = a;
        }
        memcpy(c->out + c->out_len, msg, len);
        c->out_len += len;

        r = connection_flush(c);
        if (r < 0)
                c->dead = true;
        return r;
}

static int connection_queue(Connection *c, char *msg, size_t len)
{
        int r = connection_append(c, msg, len);

        free(msg);
        return r;
}

/* A reply (@error NULL) or an error reply; nothing for a oneway call. */
static int send_reply(Connection *c, const VarlinkCall *call, const char *error,
                      struct json_object *params, bool continues)
{
        char *m = NULL;
        size_t l;
        int r;

        if (call && call->oneway)
                return 0;
        r = error ? varlink_format_error(error, params, &m, &l)
                  : varlink_format_reply(params, continues, &m, &l);
        if (r < 0)
                return r;
        return connection_queue(c, m, l);
}

static int reply(Connection *c, const VarlinkCall *call, struct json_object *params, bool continues)
{
        return send_reply(c, call, NULL, params, continues);
}

static int reply_error(Connection *c, const VarlinkCall *call, const char *error,
                       struct json_object *params)
{
        return send_reply(c, call, error, params, false);
}

static int reply_error_field(Connection *c, const VarlinkCall *call, const char *error,
                             const char *key, const char *value)
{
        struct json_object *p = json_object_new_object();
        int r;

        if (!p)
                return -ENOMEM;
        json_object_object_add(p, key, json_object_new_string(value));
        r = reply_error(c, call, error, p);
        json_object_put(p);
        return r;
}

/* ---- methods ---------------------------------------------------------------------------- */

/*
 * Checks that @call's parameters hold only @allowed keys. Returns 0, or replies
 * InvalidParameter and returns 1.
 */
static int check_keys(Connection *c, const VarlinkCall *call, const char *const *allowed)
{
        json_object_object_foreach(call->parameters, key, val)
        {
                bool ok = false;

                (void)val;
                for (size_t i = 0; allowed && allowed[i]; i++)
                        ok = ok || streq(allowed[i], key);
                if (!ok) {
                        (void)reply_error_field(c, call, VARLINK_ERROR_INVALID_PARAMETER,
                                                "parameter", key);
                        return 1;
                }
        }
        return 0;
}

static int method_get_info(Connection *c, const VarlinkCall *call)
{
        struct json_object *p = json_object_new_object(), *ifs = json_object_new_array();
        int r;

        if (!p || !ifs) {
                json_object_put(p);
                json_object_put(ifs);
                return -ENOMEM;
        }
        json_object_object_add(p, "vendor", json_object_new_string("binfmtd"));
        json_object_object_add(p, "product", json_object_new_string("binfmtd"));
        json_object_object_add(p, "version", json_object_new_string(PROJECT_VERSION));
        json_object_object_add(p, "url", json_object_new_string("https://binfmtd.io"));
        json_object_array_add(ifs, json_object_new_string("org.varlink.service"));
        json_object_array_add(ifs, json_object_new_string(INTERFACE));
        json_object_object_add(p, "interfaces", ifs);
        r = reply(c, call, p, false);
        json_object_put(p);
        return r;
}

static int method_get_interface_description(Connection *c, const VarlinkCall *call)
{
        static const char *const keys[] = {"interface", NULL};
        struct json_object *v, *p;
        const char *name, *text;
        int r;

        if (check_keys(c, call, keys))
                return 0;
        if (!json_object_object_get_ex(call->parameters, "interface", &v) ||
            !json_object_is_type(v, json_type_string))
                return reply_error_field(c, call, VARLINK_ERROR_INVALID_PARAMETER, "parameter",
                                         "interface");
        name = json_object_get_string(v);
        if (streq(name, INTERFACE))
                text = interface_description;
        else if (streq(name, "org.varlink.service"))
                text = service_description;
        else
                return reply_error_field(c, call, VARLINK_ERROR_INTERFACE_NOT_FOUND, "interface",
                                         name);

        p = json_object_new_object();
        if (!p)
                return -ENOMEM;
        json_object_object_add(p, "description", json_object_new_string(text));
        r = reply(c, call, p, false);
        json_object_put(p);
        return r;
}

/* The status object of the handlers (a new reference), with the number of connections now. */
static int status_object(Server *s, struct json_object **ret)
{
        struct json_object *st, *d;
        int r = -EIO;

        st = H(s)->status(s->userdata, &r);
        if (!st)
                return r < 0 ? r : -EIO;
        d = json_object_object_get(st, "daemon");
        if (d &&
            json_object_object_add(d, "connections", json_object_new_int64(s->n_connections)) < 0) {
                json_object_put(st);
                return -ENOMEM;
        }
        *ret = st;
        return 0;
}

/* {"status": ...}: the parameters of GetStatus and Watch replies. A new reference. */
static int status_params(Server *s, struct json_object **ret)
{
        struct json_object *st, *p;
        int r;

        r = status_object(s, &st);
        if (r < 0)
                return r;
        p = json_object_new_object();
        if (!p || json_object_object_add(p, "status", st) < 0) {
                json_object_put(p);
                json_object_put(st);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

/* The whole GetStatus reply, made once per status and number of connections. */
static int status_reply(Server *s, const char **ret, size_t *ret_len)
{
        struct json_object *p;
        char *m = NULL;
        size_t l;
        int r;

        if (!s->status_reply || s->status_reply_connections != s->n_connections) {
                r = status_params(s, &p);
                if (r < 0)
                        return r;
                r = varlink_format_reply(p, false, &m, &l);
                json_object_put(p);
                if (r < 0)
                        return r;
                free(s->status_reply);
                s->status_reply = m;
                s->status_reply_len = l;
                s->status_reply_connections = s->n_connections;
                /* The status tree is gone again: its pages too. */
                (void)malloc_trim(0);
        }
        *ret = s->status_reply;
        *ret_len = s->status_reply_len;
        return 0;
}

static int reply_status_unavailable(Connection *c, const VarlinkCall *call, int r)
{
        if (r == -ENOMEM)
                return r;
        return reply_error_field(c, call, INTERFACE ".StatusUnavailable", "error", strerror(-r));
}

static int method_get_status(Connection *c, const VarlinkCall *call)
{
        const char *m;
        size_t l;
        int r;

        if (check_keys(c, call, NULL))
                return 0;
        r = status_reply(c->server, &m, &l);
        if (r < 0)
                return reply_status_unavailable(c, call, r);
        if (call->oneway)
                return 0;
        return connection_append(c, m, l);
}

/*
 * What a Watch client is told about: the status without the fields that change with time alone
 * (when the last reconcile ran, how many clients are connected). A reconcile that changed
 * nothing is no news; without this every ReconcileIntervalSec= woke every watcher. Made once
 * per status.
 */
static const char *watch_key(Server *s, struct json_object *p)
{
        static const char *const volatile_keys[] = {"last_reconcile_usec", "connections"};
        struct json_object *d =
                json_object_object_get(json_object_object_get(p, "status"), "daemon");
        struct json_object *saved[ELEMENTSOF(volatile_keys)] = {};

        if (s->watch_key)
                return s->watch_key;
        for (size_t i = 0; d && i < ELEMENTSOF(volatile_keys); i++)
                if (json_object_object_get_ex(d, volatile_keys[i], &saved[i])) {
                        json_object_get(saved[i]);
                        json_object_object_del(d, volatile_keys[i]);
                }
        s->watch_key = strdup(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
        for (size_t i = 0; d && i < ELEMENTSOF(volatile_keys); i++)
                if (saved[i])
                        json_object_object_add(d, volatile_keys[i], saved[i]);
        return s->watch_key;
}

static int watch_send(Connection *c, struct json_object *p)
{
        const char *key = watch_key(c->server, p);

        if (!key)
                return -ENOMEM;
        if (c->last_status && streq(c->last_status, key))
                return 0;
        free(c->last_status);
        c->last_status = strdup(key);
        if (!c->last_status)
                return -ENOMEM;
        return reply(c, NULL, p, true);
}

static int method_watch(Connection *c, const VarlinkCall *call)
{
        struct json_object *p;
        int r;

        if (check_keys(c, call, NULL))
                return 0;
        r = status_params(c->server, &p);
        if (r < 0)
                return reply_status_unavailable(c, call, r);
        if (!call->more) {
                r = reply(c, call, p, false);
                json_object_put(p);
                return r;
        }
        /* Watchers are exempt from the idle limit, so one uid may hold only so many. */
        if (!c->privileged) {
                unsigned n = 0;

                for (Connection *o = c->server->connections; o; o = o->next)
                        n += o->watching && o->cred.uid == c->cred.uid;
                if (n >= LIMITS(c->server)->max_watches_per_user) {
                        json_object_put(p);
                        log_refusal(c->server,
                                    "Refused Watch from uid %u (pid %d): it watches %u times "
                                    "already (MaxWatchesPerUser=).",
                                    (unsigned)c->cred.uid, (int)c->cred.pid, n);
                        return reply_error_field(c, call, INTERFACE ".TooManyConnections", "reason",
                                                 "this user has MaxWatchesPerUser= Watch calls "
                                                 "open already");
                }
        }
        /* A watcher waits as long as it likes: no idle limit while it listens. */
        c->watching = true;
        (void)sd_event_source_set_enabled(c->idle, SD_EVENT_OFF);
        r = watch_send(c, p);
        json_object_put(p);
        return r;
}

/*
 * Logs a refusal, at most REFUSAL_LOGS_PER_SEC a second: one client sending hundreds of
 * refused calls in one write must not flood the journal. The next line logged says how many
 * were left out.
 */
_printf_(2, 3) static void log_refusal(Server *s, const char *fmt, ...)
{
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        char line[512];
        va_list ap;

        if (s->refusal_log_usec != 0 && now - s->refusal_log_usec < USEC_PER_SEC) {
                s->refusals_unlogged++;
                return;
        }
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (s->refusals_unlogged > 0)
                log_notice("%s (and %u more refusals in the last second)", line,
                           s->refusals_unlogged);
        else
                log_notice("%s", line);
        s->refusal_log_usec = now;
        s->refusals_unlogged = 0;
}

static bool authorised(Connection *c, const VarlinkCall *call)
{
        if (H(c->server)->peer_is_admin(c->server->userdata, c->cred.uid, c->cred.gid, c->groups,
                                        c->n_groups))
                return true;
        log_refusal(c->server, "Refused %s from uid %u (pid %d): not root or in the admin group.",
                    call->method, (unsigned)c->cred.uid, (int)c->cred.pid);
        (void)reply_error(c, call, INTERFACE ".PermissionDenied", NULL);
        return false;
}

/* targets: []string, non-empty; force: ?bool. Returns 0 (parsed), 1 (replied an error). */
static int parse_change(Connection *c, const VarlinkCall *call, char ***ret_targets,
                        bool *ret_force)
{
        static const char *const keys[] = {"targets", "force", NULL};
        _cleanup_strv_free_ char **targets = NULL;
        struct json_object *v;
        size_t n;

        if (check_keys(c, call, keys))
                return 1;
        if (!json_object_object_get_ex(call->parameters, "targets", &v) ||
            !json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) == 0 ||
            n > 256)
                goto invalid;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(v, i);

                if (!json_object_is_type(e, json_type_string) ||
                    json_object_get_string_len(e) > 256)
                        goto invalid;
                if (strv_extend(&targets, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        *ret_force = false;
        if (json_object_object_get_ex(call->parameters, "force", &v) && v) {
                if (!json_object_is_type(v, json_type_boolean)) {
                        (void)reply_error_field(c, call, VARLINK_ERROR_INVALID_PARAMETER,
                                                "parameter", "force");
                        return 1;
                }
                *ret_force = json_object_get_boolean(v);
        }
        *ret_targets = TAKE_PTR(targets);
        return 0;
invalid:
        (void)reply_error_field(c, call, VARLINK_ERROR_INVALID_PARAMETER, "parameter", "targets");
        return 1;
}

static int reply_report(Connection *c, const VarlinkCall *call, const Report *rep)
{
        struct json_object *p;
        int r;

        r = report_to_json(rep, &p);
        if (r < 0)
                return r;
        if (rep->failed)
                r = reply_error(c, call, report_first_error_id(rep), p);
        else
                r = reply(c, call, p, false);
        json_object_put(p);
        return r;
}

static int method_change(Connection *c, const VarlinkCall *call, bool install)
{
        _cleanup_(report_done) Report rep = {};
        _cleanup_strv_free_ char **targets = NULL;
        bool force;
        int r;

        if (!authorised(c, call))
                return 0;
        r = parse_change(c, call, &targets, &force);
        if (r != 0)
                return r < 0 ? r : 0;
        log_info("%s of %zu target(s) requested by uid %u (pid %d).",
                 install ? "Install" : "Uninstall", strv_length(targets), (unsigned)c->cred.uid,
                 (int)c->cred.pid);
        if (install)
                r = H(c->server)->install(c->server->userdata, targets, force, &rep);
        else
                r = H(c->server)->uninstall(c->server->userdata, targets, force, &rep);
        if (r < 0)
                return r;
        return reply_report(c, call, &rep);
}

static int method_reload(Connection *c, const VarlinkCall *call)
{
        _cleanup_(report_done) Report rep = {};
        struct json_object *p;
        unsigned generation = 0;
        int r;

        if (!authorised(c, call))
                return 0;
        if (check_keys(c, call, NULL))
                return 0;
        r = H(c->server)->reload(c->server->userdata, &rep, &generation);
        if (r == -EINVAL) {
                r = report_to_json(&rep, &p);
                if (r < 0)
                        return r;
                r = reply_error(c, call, INTERFACE ".ConfigInvalid", p);
                json_object_put(p);
                return r;
        }
        if (r < 0)
                return r;
        p = json_object_new_object();
        if (!p)
                return -ENOMEM;
        json_object_object_add(p, "generation", json_object_new_int64(generation));
        r = reply(c, call, p, false);
        json_object_put(p);
        return r;
}

/*
 * Verify: a verification of every platform, started now; the reply (the status, with its
 * record) comes when it has finished, and until then the connection runs no further calls.
 * Changes nothing, yet costs every probe's run: root and the admin group only.
 */
static int method_verify(Connection *c, const VarlinkCall *call)
{
        int r;

        if (!authorised(c, call))
                return 0;
        if (check_keys(c, call, NULL))
                return 0;
        r = H(c->server)->verify(c->server->userdata, &c->verify_seq);
        if (r < 0)
                return reply_status_unavailable(c, call, r);
        c->verify_wait = true;
        c->verify_oneway = call->oneway;
        /* Probes take their time (each up to 10 s): no idle limit while it waits. */
        (void)sd_event_source_set_enabled(c->idle, SD_EVENT_OFF);
        return 0;
}

static int dispatch(Connection *c, const char *msg, size_t len)
{
        VarlinkCall call = {};
        char iface[256];
        int r;

        r = varlink_call_cache_parse(&c->server->calls, msg, len, &call);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug("Client pid %d sent an invalid message, disconnecting.",
                          (int)c->cred.pid);
                c->dead = true;
                return 0;
        }

        if (streq(call.method, "org.varlink.service.GetInfo"))
                r = method_get_info(c, &call);
        else if (streq(call.method, "org.varlink.service.GetInterfaceDescription"))
                r = method_get_interface_description(c, &call);
        else if (streq(call.method, INTERFACE ".GetStatus"))
                r = method_get_status(c, &call);
        else if (streq(call.method, INTERFACE ".Watch"))
                r = method_watch(c, &call);
        else if (streq(call.method, INTERFACE ".Install"))
                r = method_change(c, &call, true);
        else if (streq(call.method, INTERFACE ".Uninstall"))
                r = method_change(c, &call, false);
        else if (streq(call.method, INTERFACE ".Reload"))
                r = method_reload(c, &call);
        else if (streq(call.method, INTERFACE ".Verify"))
                r = method_verify(c, &call);
        else if (varlink_method_interface(call.method, iface, sizeof(iface)) &&
                 (streq(iface, INTERFACE) || streq(iface, "org.varlink.service")))
                r = reply_error_field(c, &call, VARLINK_ERROR_METHOD_NOT_FOUND, "method",
                                      call.method);
        else
                r = reply_error_field(c, &call, VARLINK_ERROR_INTERFACE_NOT_FOUND, "interface",
                                      varlink_method_interface(call.method, iface, sizeof(iface))
                                              ?: call.method);

        varlink_call_done(&call);
        if (r == -ENOMEM)
                return r;
        return 0;
}

/* ---- I/O -------------------------------------------------------------------------------- */

static int connection_run(Connection *c);

/* What a connection with a peek offset always asks for: bytes it peeked stay readable. */
static uint32_t connection_edge(const Connection *c)
{
        return c->peek_off ? EPOLLET | EPOLLRDHUP : 0;
}

/* The events a connection waits for: no reading while calls it sent are still waiting to run
 * (the client feels that as a full socket), or after it half-closed. */
static int connection_update_events(Connection *c)
{
        uint32_t ev = connection_edge(c);
        int r;

        if (!c->eof && !c->backlog)
                ev |= EPOLLIN;
        if (c->out_len > c->out_off)
                ev |= EPOLLOUT;
        if (ev == c->events)
                return 0;
        r = epoll_ctl(c->server->epfd, EPOLL_CTL_MOD, c->fd,
                      &(struct epoll_event){.events = ev, .data.ptr = c});
        if (r < 0)
                return -errno;
        c->events = ev;
        return 0;
}

static int connection_read(Connection *c);

static int connection_more(sd_event_source *s, void *userdata)
{
        Connection *c = userdata;
        int r;

        /* Bytes the last read left on the socket are not announced again (edge-triggered). */
        if (c->read_more && !c->backlog && !c->eof)
                r = connection_read(c);
        else
                r = connection_run(c);
        if (r < 0 || c->dead || connection_done(c))
                connection_drop(c, r);
        return 0;
}

/* Comes back to the connection at a later turn of the loop, after every other client: at the
 * priority of the other connections, so that they take turns (sd-event runs the source pending
 * the longest first among equals), and a client that keeps writing cannot hold them back. */
static int connection_defer(Connection *c)
{
        int r = 0;

        if (!c->more) {
                r = sd_event_add_defer(c->server->event, &c->more, connection_more, c);
                if (r >= 0)
                        r = sd_event_source_set_priority(c->more, SERVER_PRIORITY);
        }
        if (r >= 0)
                r = sd_event_source_set_enabled(c->more, SD_EVENT_ONESHOT);
        return r;
}

/*
 * Runs the calls waiting in the connection's buffer: at most CALLS_PER_WAKEUP, and none while
 * OUTPUT_HIGH_WATER of replies wait unread, so that one client's pipelined calls neither hold
 * the others back nor fill memory. What is left runs at the next turn (a deferred event, after
 * every other client's), or once the client has read. Only a complete call counts as life:
 * a byte of an unfinished message now and then does not keep a connection open.
 */
static int connection_run(Connection *c)
{
        int r;

        c->backlog = false;
        for (unsigned n = 0;; n++) {
                _cleanup_free_ char *msg = NULL;
                size_t len;

                /* A watcher's connection is busy with its call: further calls wait. */
                if (c->watching || c->verify_wait || c->dead)
                        break;
                if (c->out_len - c->out_off > OUTPUT_HIGH_WATER) {
                        c->backlog = varlink_buffer_has_message(&c->in);
                        break; /* EPOLLOUT brings us back */
                }
                if (n >= CALLS_PER_WAKEUP) {
                        c->backlog = varlink_buffer_has_message(&c->in);
                        if (c->backlog) {
                                r = connection_defer(c);
                                if (r < 0)
                                        return r;
                        }
                        break;
                }
                r = varlink_buffer_next(&c->in, &msg, &len);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                /* The idle timer is not moved for every call: when it fires, it looks here. */
                c->active_usec = now_usec(CLOCK_MONOTONIC);
                r = dispatch(c, msg, len);
                if (r < 0)
                        return r;
        }
        if (c->dead)
                return -EPROTO;
        return connection_update_events(c);
}

/* A half-closed client whose calls have all been answered and whose replies are all sent. A
 * Verify waiting for its verification is not answered yet; a Watch goes on until the client
 * closes its end too. */
static bool connection_done(Connection *c)
{
        return c->eof && !c->backlog && !c->verify_wait && !c->watching && c->out_len == c->out_off;
}

/* Takes the bytes peeked so far off the socket: the same bytes, as nobody else reads here. */
static int connection_consume(Connection *c)
{
        char buf[16384];

        while (c->unconsumed > 0) {
                size_t want = c->unconsumed < sizeof(buf) ? c->unconsumed : sizeof(buf);
                ssize_t m;

                do
                        m = recv(c->fd, buf, want, MSG_DONTWAIT);
                while (m < 0 && errno == EINTR);
                if (m <= 0 || (size_t)m > want)
                        return m < 0 ? -errno : -EIO;
                c->unconsumed -= (size_t)m;
        }
        c->unconsumed_reads = 0;
        return 0;
}

/*
 * Bytes peeked wait on the socket, and count against the client's send buffer: a client that
 * set a small one, or wrote many small pieces, can be blocked in send() by them, and then sends
 * nothing that would make us read and take them off. So whatever a read leaves there is taken
 * off at the latest CONSUME_DELAY_USEC later, for every connection at once.
 */
static int consume_pending(sd_event_source *src, uint64_t usec, void *userdata)
{
        Server *s = userdata;

        for (Connection *c = s->connections, *next; c; c = next) {
                int r;

                next = c->next;
                if (c->unconsumed == 0)
                        continue;
                r = connection_consume(c);
                if (r < 0)
                        connection_drop(c, r);
        }
        return 0;
}

static int consume_later(Server *s)
{
        int r;

        if (!s->consume) {
                r = sd_event_add_time_relative(s->event, &s->consume, CLOCK_MONOTONIC,
                                               CONSUME_DELAY_USEC, CONSUME_DELAY_USEC,
                                               consume_pending, s);
                if (r >= 0)
                        r = sd_event_source_set_priority(s->consume, SERVER_PRIORITY);
                return r;
        }
        r = sd_event_source_get_enabled(s->consume, NULL);
        if (r != 0)
                return r < 0 ? r : 0; /* already on its way */
        r = sd_event_source_set_time_relative(s->consume, CONSUME_DELAY_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->consume, SD_EVENT_ONESHOT);
        return r;
}

/*
 * One read per wakeup: a client with calls queued must not hold the others back. The read
 * peeks, and the bytes leave the socket only once the calls in them are answered. A client
 * blocked on its reply sleeps on its socket, and the kernel wakes it both when its call is
 * taken off the socket (room to write again) and when the reply arrives: taken off after the
 * reply, the call wakes it once, not twice.
 *
 * Where the kernel keeps a peek offset for the socket (SO_PEEK_OFF), a peek returns only bytes
 * not seen yet, and the bytes are taken off in bulk, every CONSUME_BYTES or CONSUME_READS: one
 * system call per call fewer. Bytes peeked stay on the socket, so its readiness says nothing
 * new: such connections are edge-triggered, and a read that filled the buffer comes back at the
 * next turn by itself. Nor does a half-close that came before the last bytes were read: epoll
 * said it (EPOLLRDHUP), and the read that takes the rest is the end.
 */
static int connection_read(Connection *c)
{
        char buf[16384];
        ssize_t n;
        int r, q;

        c->read_more = false;
        do
                n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EAGAIN ? 0 : -errno;
        if (n == 0) {
                /* Half-closed: what it sent still gets its answers. */
                c->eof = true;
                return connection_run(c);
        }
        r = varlink_buffer_append(&c->in, buf, n);
        if (r < 0)
                return r; /* -EMSGSIZE: oversized message */
        c->unconsumed += (size_t)n;
        c->unconsumed_reads++;
        /* A watcher's further calls wait unread: bound them as one message. */
        if ((c->watching || c->verify_wait) && c->in.len > VARLINK_MESSAGE_MAX)
                return -EMSGSIZE;
        if (c->peek_off && (size_t)n == sizeof(buf)) {
                c->read_more = true;
                r = connection_defer(c);
                if (r < 0)
                        return r;
        } else if (c->peek_off && c->rdhup)
                c->eof = true; /* answer what it sent, then close */

        r = connection_run(c);

        if (!c->peek_off || c->unconsumed >= CONSUME_BYTES || c->unconsumed_reads >= CONSUME_READS)
                q = connection_consume(c);
        else
                q = consume_later(c->server);
        if (q < 0)
                return q;
        return r;
}

static void connection_io(Connection *c, uint32_t revents)
{
        int r = 0;

        if (revents & EPOLLRDHUP)
                c->rdhup = true;
        if (revents & EPOLLIN)
                r = connection_read(c);
        if (r >= 0 && (revents & EPOLLOUT)) {
                r = connection_flush(c);
                /* Replies read: the calls that waited for that may run now. */
                if (r >= 0 && c->backlog && c->out_len - c->out_off <= OUTPUT_HIGH_WATER)
                        r = connection_run(c);
        }
        if (r >= 0 && (revents & (EPOLLHUP | EPOLLERR)) && !(revents & EPOLLIN) &&
            !(c->eof && c->out_len > c->out_off))
                r = -ECONNRESET;
        if (r < 0 || c->dead || connection_done(c))
                connection_drop(c, r);
}

/*
 * Every connection whose socket is ready, in one turn of the loop. The connections' sockets are
 * in an epoll set of the server's own, which is one source on the loop: sd-event asks the
 * kernel again (epoll_wait) before each source it dispatches, which with busy clients was a
 * system call per call; here it is one per batch. Each connection still gets one read and a
 * few calls per turn. Only the connection being served can be freed while a batch runs.
 */
static int connections_ready(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;
        struct epoll_event ev[64];
        int n;

        do
                n = epoll_wait(s->epfd, ev, ELEMENTSOF(ev), 0);
        while (n < 0 && errno == EINTR);
        for (int i = 0; i < n; i++)
                connection_io(ev[i].data.ptr, ev[i].events);
        return 0;
}

static int connection_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        Connection *c = userdata;
        uint64_t deadline = c->active_usec + LIMITS(c->server)->idle_usec;

        /* Active since the timer was set: set again for the rest of the time. */
        if (deadline > usec && sd_event_source_set_time(s, deadline) >= 0 &&
            sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) >= 0)
                return 0;
        log_debug("Client pid %d idle, disconnecting.", (int)c->cred.pid);
        connection_free(c);
        return 0;
}

/* The peer's supplementary groups as they were when it connected; none when unknown. */
static void peer_groups(Connection *c)
{
        socklen_t len = 32 * sizeof(gid_t);

        for (int attempt = 0; attempt < 2; attempt++) {
                gid_t *g = malloc(len ?: sizeof(gid_t));

                if (!g)
                        return;
                if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
                        c->groups = g;
                        c->n_groups = len / sizeof(gid_t);
                        return;
                }
                free(g);
                if (errno != ERANGE)
                        return;
                /* len now says how much is needed. */
        }
}

/*
 * The socket's limits, at accept. Root and the admin group may always connect, up to
 * RESERVED_CONNECTIONS beyond MaxConnections=, so that no other user can lock them (or the
 * readiness probe, which runs as root) out. Everyone else shares MaxConnections=, each uid at
 * most MaxConnectionsPerUser= of them. A refused client is told why, as a Varlink error in
 * place of the reply to its first call, and then the connection is closed. Returns true when
 * refused.
 */
static bool refuse_if_over_limits(Server *s, Connection *c)
{
        const ServerLimits *cfg = LIMITS(s);
        struct json_object *p;
        const char *why = NULL;
        unsigned mine = 0;
        char *m = NULL;
        size_t l;

        for (Connection *o = s->connections; o; o = o->next)
                mine += o->cred.uid == c->cred.uid;
        if (c->privileged) {
                if (s->n_connections >= cfg->max_connections + RESERVED_CONNECTIONS)
                        why = "the socket has all its connections open, its reserve for root "
                              "and the admin group included";
        } else if (s->n_connections >= cfg->max_connections)
                why = "the socket has MaxConnections= clients already";
        else if (mine >= cfg->max_connections_per_user)
                why = "this user has MaxConnectionsPerUser= connections open already";
        if (!why)
                return false;

        log_refusal(s, "Refused a connection from uid %u (pid %d): %s.", (unsigned)c->cred.uid,
                    (int)c->cred.pid, why);
        p = json_object_new_object();
        if (p && json_object_object_add(p, "reason", json_object_new_string(why)) == 0 &&
            varlink_format_error(INTERFACE ".TooManyConnections", p, &m, &l) >= 0)
                (void)!send(c->fd, m, l, MSG_DONTWAIT | MSG_NOSIGNAL);
        json_object_put(p);
        free(m);
        return true;
}

static int server_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;

        for (;;) {
                _cleanup_close_ int cfd = -EBADF;
                socklen_t sl = sizeof(struct ucred);
                Connection *c;
                int r;

                cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno != EAGAIN)
                                log_warning("Failed to accept a connection: %m");
                        return 0;
                }
                c = calloc(1, sizeof(*c));
                if (!c)
                        return 0;
                c->server = s;
                c->fd = TAKE_FD(cfd);
                c->in.limit = VARLINK_MESSAGE_MAX;
                if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &sl) < 0)
                        c->cred = (struct ucred){.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
                peer_groups(c);
                c->privileged = H(s)->peer_is_admin(s->userdata, c->cred.uid, c->cred.gid,
                                                    c->groups, c->n_groups);
                if (refuse_if_over_limits(s, c)) {
                        close(c->fd);
                        free(c->groups);
                        free(c);
                        continue;
                }

                c->next = s->connections;
                if (c->next)
                        c->next->prev = c;
                s->connections = c;
                s->n_connections++;

                c->peek_off =
                        setsockopt(c->fd, SOL_SOCKET, SO_PEEK_OFF, &(int){0}, sizeof(int)) >= 0;
                c->events = EPOLLIN | connection_edge(c);
                c->active_usec = now_usec(CLOCK_MONOTONIC);
                r = epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->fd,
                              &(struct epoll_event){.events = c->events, .data.ptr = c}) < 0
                            ? -errno
                            : 0;
                c->watched = r >= 0;
                if (r >= 0)
                        r = sd_event_add_time_relative(s->event, &c->idle, CLOCK_MONOTONIC,
                                                       LIMITS(s)->idle_usec, 0, connection_idle, c);
                if (r < 0) {
                        log_warning("Failed to watch a connection: %s", strerror(-r));
                        connection_free(c);
                }
        }
}

int server_listen(const char *path)
{
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_free_ char *dir = NULL;
        char *slash;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);

        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A socket left by an earlier run goes; one that someone answers on is another
         * binfmtd's, and taking its path would leave that one unreachable. */
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                return -EADDRINUSE;
        if (errno == EAGAIN || errno == EINPROGRESS)
                return -EADDRINUSE; /* listening, its backlog full: alive all the same */
        close(fd);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void)unlink(path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        /* Anyone may connect and read the status; changes are checked per call. */
        if (chmod(path, 0666) < 0)
                return -errno;
        if (listen(fd, SOMAXCONN) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int server_new(sd_event *event, int listen_fd, const ServerHandlers *handlers, void *userdata,
               Server **ret)
{
        Server *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->handlers = handlers;
        s->userdata = userdata;
        s->fd = listen_fd;

        r = fcntl(listen_fd, F_GETFL);
        if (r >= 0 && !(r & O_NONBLOCK))
                (void)fcntl(listen_fd, F_SETFL, r | O_NONBLOCK);

        s->epfd = epoll_create1(EPOLL_CLOEXEC);
        r = s->epfd < 0 ? -errno : 0;
        if (r >= 0)
                r = sd_event_add_io(event, &s->io, listen_fd, EPOLLIN, server_accept, s);
        if (r >= 0)
                r = sd_event_source_set_priority(s->io, SERVER_PRIORITY);
        /* Events of binfmt_misc first: a call made after a change sees it. */
        if (r >= 0)
                r = sd_event_add_io(event, &s->conns, s->epfd, EPOLLIN, connections_ready, s);
        if (r >= 0)
                r = sd_event_source_set_priority(s->conns, SERVER_PRIORITY);
        if (r < 0) {
                sd_event_source_disable_unref(s->conns);
                if (s->epfd >= 0)
                        close(s->epfd);
                sd_event_source_disable_unref(s->io);
                sd_event_unref(s->event);
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

Server *server_free(Server *s)
{
        if (!s)
                return NULL;
        while (s->connections)
                connection_free(s->connections);
        sd_event_source_disable_unref(s->conns);
        if (s->epfd >= 0)
                close(s->epfd);
        sd_event_source_disable_unref(s->io);
        sd_event_source_disable_unref(s->notify);
        sd_event_source_disable_unref(s->consume);
        if (s->fd >= 0)
                close(s->fd);
        free(s->status_reply);
        free(s->watch_key);
        varlink_call_cache_done(&s->calls);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

/* Runs on the loop after the change's handler: nothing is freed under anyone's feet. */
static int notify_watchers(sd_event_source *src, void *userdata)
{
        Server *s = userdata;
        struct json_object *p = NULL;
        Connection *next;

        for (Connection *c = s->connections; c; c = next) {
                next = c->next;
                if (!c->watching)
                        continue;
                if (!p && status_params(s, &p) < 0)
                        return 0;
                if (watch_send(c, p) < 0 || c->dead)
                        connection_free(c);
        }
        json_object_put(p);
        return 0;
}

void server_status_changed(Server *s)
{
        int r;

        if (!s)
                return;
        s->status_reply = mfree(s->status_reply);
        s->watch_key = mfree(s->watch_key);
        r = s->notify ? 0 : sd_event_add_defer(s->event, &s->notify, notify_watchers, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->notify, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning("Cannot tell the Watch clients of a change: %s", strerror(-r));
}

void server_status_stale(Server *s)
{
        if (!s)
                return;
        s->status_reply = mfree(s->status_reply);
        s->watch_key = mfree(s->watch_key);
}

void server_verification_done(Server *s, uint64_t seq)
{
        struct json_object *p = NULL;
        Connection *next;
        int r;

        if (!s)
                return;
        for (Connection *c = s->connections; c; c = next) {
                next = c->next;
                if (!c->verify_wait || c->verify_seq > seq)
                        continue;
                c->verify_wait = false;
                c->active_usec = now_usec(CLOCK_MONOTONIC);
                (void)sd_event_source_set_time_relative(c->idle, LIMITS(s)->idle_usec);
                (void)sd_event_source_set_enabled(c->idle, SD_EVENT_ONESHOT);
                if (!p && (r = status_params(s, &p)) < 0) {
                        VarlinkCall call = {.oneway = c->verify_oneway};
                        r = reply_status_unavailable(c, &call, r);
                } else if (c->verify_oneway)
                        r = 0;
                else
                        r = reply(c, NULL, p, false);
                /* Calls that waited behind it run now. */
                if (r >= 0 && !c->dead)
                        r = connection_run(c);
                if (r < 0 || c->dead || connection_done(c))
                        connection_free(c);
        }
        json_object_put(p);
}

unsigned server_n_connections(Server *s)
{
        return s ? s->n_connections : 0;
}
