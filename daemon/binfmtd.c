/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtd: registers the configured QEMU emulators at start-up, keeps them registered, and
 * serves their status over Varlink.
 *
 * Start-up order: parse the configuration (errors: exit), check the kernel (older than 4.8:
 * exit), open the socket (or take systemd's), mount binfmt_misc if absent and register
 * (one bad target is reported, the others still go in), drop every capability, then READY=1.
 * This file wires signals, the watchdog and notifications; the manager holds the state.
 */

#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "log.h"
#include "manager.h"
#include "privileges.h"
#include "server.h"
#include "base/strv.h"
#include "verify/verify.h"
#include "verify/probe-run.h"

static void help(void)
{
        printf("binfmtd [OPTIONS...]\n"
               "\n"
               "Register QEMU user-mode emulators in binfmt_misc, keep them registered, and\n"
               "serve their status over Varlink.\n"
               "\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n"
               "     --config=FILE     Read only FILE instead of the layered configuration\n"
               "     --socket=PATH     Listen on PATH instead of Socket= (ignored when systemd\n"
               "                       passes a socket)\n"
               "     --check-config    Parse the configuration, report errors, and exit\n"
               "\n"
               "See binfmtd(8) and binfmtd.conf(5).\n");
}

enum {
        ARG_VERSION = 0x100,
        ARG_CONFIG,
        ARG_SOCKET,
        ARG_CHECK_CONFIG,
        ARG_CONF_ROOT,
};

static bool usage_error;

/* Returns 0 to run, 1 to exit successfully, -EINVAL on a usage error. */
/*
 * What the kernel runs natively, once at start-up: which targets of the host's own family
 * binfmtd may serve with QEMU, and why.
 */
static void log_native(const SystemInfo *sys)
{
        for (size_t i = 0; i < sys->native.n; i++) {
                const NativeVerdict *v = &sys->native.verdicts[i];
                char why[256];

                if (v->state == NATIVE_OWN)
                        continue;
                log_info("%s: %s: %s%s.", v->arch->name,
                         native_explain(&sys->host, v, why, sizeof(why)),
                         v->state == NATIVE_NOT ? "QEMU may serve it" : "never registered",
                         sys->native.from_cache ? " (measured earlier in this boot)" : "");
        }
}

static int parse_argv(int argc, char *argv[], Manager *m, bool *ret_check)
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"config", required_argument, NULL, ARG_CONFIG},
                {"socket", required_argument, NULL, ARG_SOCKET},
                {"check-config", no_argument, NULL, ARG_CHECK_CONFIG},
                /* Undocumented: the layered configuration under another root, for tests. */
                {"conf-root", required_argument, NULL, ARG_CONF_ROOT},
                {}};
        int o;

        *ret_check = false;
        opterr = 0;
        while ((o = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (o) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("binfmtd %s\n", PROJECT_VERSION);
                        return 1;
                case ARG_CONFIG:
                        free(m->config_file);
                        m->config_file = strdup(optarg);
                        if (!m->config_file)
                                return -ENOMEM;
                        break;
                case ARG_SOCKET:
                        if (optarg[0] != '/') {
                                log_error("--socket: '%s' is not an absolute path", optarg);
                                return -EINVAL;
                        }
                        free(m->socket_override);
                        m->socket_override = strdup(optarg);
                        if (!m->socket_override)
                                return -ENOMEM;
                        break;
                case ARG_CHECK_CONFIG:
                        *ret_check = true;
                        break;
                case ARG_CONF_ROOT:
                        free(m->conf_root);
                        m->conf_root = strdup(optarg);
                        if (!m->conf_root)
                                return -ENOMEM;
                        break;
                case ':':
                        log_error("option '%s' needs an argument", argv[optind - 1]);
                        return -EINVAL;
                default:
                        log_error("unknown option '%s' (see --help)", argv[optind - 1]);
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("unexpected argument '%s' (see --help)", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Manager *m = userdata;

        log_info("Received %s, stopping.", strsignal(si->ssi_signo));
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Stopping...");
        manager_stop(m);
        return sd_event_exit(m->event, 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        _cleanup_(report_done) Report r = {};

        (void)manager_reload(userdata, &r);
        return 0;
}

/* ---- the wiring: events -> manager (snapshot) -> server (replies) ------------------------ */

static struct json_object *h_status(void *userdata, int *ret_error)
{
        return manager_status(userdata, ret_error);
}

static bool h_peer_is_admin(void *userdata, uid_t uid, gid_t gid, const gid_t *groups,
                            size_t n_groups)
{
        return manager_peer_is_admin(userdata, uid, gid, groups, n_groups);
}

static int h_install(void *userdata, char *const *targets, bool force, Report *r)
{
        return manager_install(userdata, targets, force, r);
}

static int h_uninstall(void *userdata, char *const *targets, bool force, Report *r)
{
        return manager_uninstall(userdata, targets, force, r);
}

static int h_reload(void *userdata, Report *r, unsigned *ret_generation)
{
        Manager *m = userdata;
        int q = manager_reload(m, r);

        *ret_generation = m->generation;
        return q;
}

static int h_verify(void *userdata, uint64_t *ret_seq)
{
        return manager_verify(userdata, ret_seq);
}

static const ServerLimits *h_limits(void *userdata)
{
        static ServerLimits l;
        const Config *c = ((Manager *)userdata)->config;

        l = (ServerLimits){
                .max_connections = c->max_connections,
                .max_connections_per_user = c->max_connections_per_user,
                .max_watches_per_user = c->max_watches_per_user,
                .idle_usec = c->idle_usec,
        };
        return &l;
}

static const ServerHandlers handlers = {
        .status = h_status,
        .peer_is_admin = h_peer_is_admin,
        .install = h_install,
        .uninstall = h_uninstall,
        .reload = h_reload,
        .verify = h_verify,
        .limits = h_limits,
};

static void l_status_changed(void *userdata)
{
        server_status_changed(userdata);
}

static void l_status_stale(void *userdata)
{
        server_status_stale(userdata);
}

static void l_verification_done(void *userdata, uint64_t seq)
{
        server_verification_done(userdata, seq);
}

/* The socket systemd passed, or our own. */
static int open_socket(Manager *m)
{
        const char *path = manager_socket_path(m);
        int n, fd;

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(n, "Failed to read the sockets passed by systemd: %s",
                                       strerror(-n));
        if (n > 1)
                return log_error_errno(-EINVAL, "Expected one socket from systemd, got %d.", n);
        if (n == 1) {
                if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0)
                        return log_error_errno(-EINVAL,
                                               "The socket passed by systemd is not a listening "
                                               "Unix stream socket.");
                log_info("Serving on the socket passed by systemd.");
                return SD_LISTEN_FDS_START;
        }

        fd = server_listen(path);
        if (fd == -EADDRINUSE)
                return log_error_errno(fd,
                                       "Another binfmtd answers on %s: not taking its socket "
                                       "(stop it first, or give this one another Socket=). "
                                       "Exiting.",
                                       path);
        if (fd < 0)
                return log_error_errno(fd, "Failed to listen on %s: %s", path, strerror(-fd));
        log_info("Serving on %s.", path);
        return fd;
}

static int run(int argc, char *argv[])
{
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_(server_freep) Server *server = NULL; /* freed first: it uses m's loop */
        _cleanup_(report_done) Report errors = {};
        char line[128];
        sigset_t mask;
        bool check;
        int r, fd;

        /* One heap for the loop and the verifier's thread: glibc would give the thread an arena
         * of its own, resident for the daemon's life, for one short run now and then. */
        (void)mallopt(M_ARENA_MAX, 1);
        /* The status's text and the buffers that make it (10 KiB and more) in mappings of their
         * own, given back when freed, not left in the heap between small live objects. */
        (void)mallopt(M_MMAP_THRESHOLD, 4096);
        log_setup();

        r = manager_new(&m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up: %s", strerror(-r));
        r = parse_argv(argc, argv, m, &check);
        if (r == -EINVAL)
                usage_error = true;
        if (r != 0)
                return r < 0 ? r : 0;

        r = manager_load_config(m, &m->config, &m->admin_gid, &m->admin_gid_set, &errors);
        for (size_t i = 0; i < errors.n; i++)
                log_error("%s", errors.lines[i].text);
        if (r < 0)
                return log_error_errno(r, "The configuration has errors, not starting.");
        if (check) {
                printf("Configuration OK.\n");
                return 0;
        }
        r = manager_build_extra(m->config, &m->extra, &m->n_extra);
        if (r < 0)
                return log_error_errno(r, "Failed to set up: %s", strerror(-r));
        if (m->config->flags & RULE_FLAG_C)
                log_warning("Flags=C: setuid foreign programs will run the emulator with raised "
                            "privileges.");

        r = system_probe("/proc", &m->sys);
        if (r < 0)
                return log_error_errno(r, "Failed to read the system's facts: %s", strerror(-r));
        r = verify_measure_native(&m->sys);
        if (r < 0)
                return log_error_errno(r, "Failed to measure what the kernel runs natively: %s",
                                       strerror(-r));
        log_native(&m->sys);
        /* From now on the loop serves while the verifier's thread probes: the probes start
         * from a runner forked once per verification, since each fork() holds the daemon's
         * memory map and the loop's page faults and mallocs would wait once a probe. The
         * measurement above ran alone and forked its probes itself, without the extra fork. */
        probe_run_apart(true);

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m) < 0 ||
            sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m) < 0 ||
            sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m) < 0)
                return log_error_errno(-EIO, "Failed to watch signals.");
        (void)signal(SIGPIPE, SIG_IGN);

        fd = open_socket(m);
        if (fd < 0)
                return fd;
        r = server_new(m->event, fd, &handlers, m, &server);
        if (r < 0) {
                close(fd);
                return log_error_errno(r, "Failed to serve: %s", strerror(-r));
        }
        m->listener = (ManagerListener){
                .status_changed = l_status_changed,
                .status_stale = l_status_stale,
                .verification_done = l_verification_done,
                .userdata = server,
        };

        r = manager_startup(m);
        if (r < 0)
                return r;

        r = privileges_drop();
        if (r < 0)
                return log_error_errno(r, "Failed to drop privileges: %s", strerror(-r));

        /* Probes run with what is left: CAP_SYS_CHROOT for their container pass. */
        r = manager_start_verifying(m);
        if (r < 0)
                return log_error_errno(r, "Failed to start verifying: %s", strerror(-r));

        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning("Failed to enable the watchdog: %s", strerror(-r));

        m->ready = true;
        manager_status_line(m, line, sizeof(line));
        (void)sd_notifyf(false, "READY=1\nSTATUS=%s", line);
        log_info("Ready: %s.", line);

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %s", strerror(-r));
        return 0;
}

int main(int argc, char *argv[])
{
        int r = run(argc, argv);

        if (usage_error)
                return 2;
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
