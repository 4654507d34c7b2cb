/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-event.h>
#include <sys/types.h>

#include "config/config.h"
#include "base/report.h"
#include "ops/status.h"
#include "verify/system.h"
#include "verifier.h"

/*
 * The daemon's state: the configuration in force, the runtime changes made through the socket,
 * the reconcile loop that keeps the kernel's entries as they should be, and the status: one
 * snapshot, collected once per change, that the reconcile's bookkeeping, the verdicts, the logs
 * and STATUS=, and every reply of the socket derive from. It knows nothing of the socket: it
 * tells whoever listens (binfmtd.c wires the server) that the status changed or a verification
 * finished, and answers what it is asked.
 */

typedef struct ManagerListener {
        void (*status_changed)(void *userdata);
        void (*status_stale)(void *userdata); /* a change seen, the status not read again yet */
        void (*verification_done)(void *userdata, uint64_t seq);
        void *userdata;
} ManagerListener;

typedef enum RuntimeChange {
        RUNTIME_CONFIG = 0, /* as the configuration says */
        RUNTIME_ADDED,      /* installed through the socket */
        RUNTIME_REMOVED,    /* uninstalled through the socket */
} RuntimeChange;

typedef struct Manager {
        sd_event *event;
        sd_event_source *reconcile_timer;
        sd_event_source *instance_watch;  /* inotify on the instance: changes as they happen */
        sd_event_source *change_pending;  /* a reconcile after the changes seen, coalesced */
        uint64_t change_first_usec;       /* the first change it waits for; 0: none */
        sd_event_source *verify_pending;  /* a verification after this turn's other work */
        sd_event_source **interp_watches; /* inotify on the interpreters' directories */
        size_t n_interp_watches;
        sd_event_source **config_watches; /* inotify on the configuration's directories */
        size_t n_config_watches;
        sd_event_source *config_timer; /* a reload once the configuration is quiet */
        ManagerListener listener;

        char *config_file;     /* --config: this file only; NULL: the layered set */
        char *conf_root;       /* root for the layered set ("" normally) */
        char *socket_override; /* --socket */
        Config *config;
        BinfmtArch *extra; /* targets from [target:NAME] sections with Magic=, borrowing
                            * names from config */
        size_t n_extra;
        unsigned generation; /* bumped on every accepted configuration */
        gid_t admin_gid;
        bool admin_gid_set;

        SystemInfo sys;
        RuntimeChange *runtime; /* per table entry */
        Report last_problems;   /* error lines of the last reconcile, to log changes only */
        uint64_t last_reconcile_realtime;
        unsigned registered; /* binfmtd's enabled entries after the last reconcile */
        unsigned provided;   /* wanted targets served by another tool's entry (provider.c) */
        char *fingerprint;   /* every entry as last seen: a change starts a verification */
        Verifier *verifier;  /* NULL until privileges are dropped */
        char *verdicts;      /* the last verification's verdicts, to log changes only */
        /* What each platform's probe ran through (target_fingerprint()), when the running
         * verification started, and when the last one that finished did: a result is good
         * only for the entries it ran through. Parallel to verify_default_targets(). */
        char **verifying_fps;
        char **verified_fps;
        Verification current; /* the last verification, less the results gone stale */
        VerifyTarget *current_targets;
        char *node_labels;         /* the NodeFeatureFile= text last written, NULL: none */
        char *node_labels_path;    /* where it was written */
        Status status;             /* the instance as the last reconcile left it */
        InterpCache *interp_cache; /* interpreter verdicts by file identity */
        bool have_status;
        bool status_stale; /* binfmt_misc changed since it was read */
        bool ready;
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/**
 * manager_load_config() - read the configuration (the --config file, or the layered set) into
 * a new Config and check what only the daemon can (targets resolve, the admin group exists).
 * Logs every problem as FILE:LINE: KEY: reason. Returns 0 and the Config, or -EINVAL.
 */
int manager_load_config(Manager *m, Config **ret, gid_t *ret_gid, bool *ret_gid_set,
                        Report *errors);

/* The configured targets beyond the table ([target:NAME] with Magic=). */
int manager_build_extra(const Config *c, BinfmtArch **ret, size_t *ret_n);

/* Start-up: kernel check, mount, first reconcile. */
int manager_startup(Manager *m);

/* After the capability drop: the verifier, and its first run. */
int manager_start_verifying(Manager *m);

/* Compare and repair; @why goes into the log. Re-arms the timer. */
int manager_reconcile(Manager *m, const char *why);

/* Reload: a configuration with errors is rejected and the running one stays (0 / -EINVAL). */
int manager_reload(Manager *m, Report *r);

int manager_install(Manager *m, char *const *targets, bool force, Report *r);
int manager_uninstall(Manager *m, char *const *targets, bool force, Report *r);

/**
 * manager_status() - the status as JSON (the snapshot with the daemon's own section), a new
 * object: the socket serialises it once per change and keeps only the text. A change seen but
 * not yet reconciled is reconciled first, so that a caller who changed something sees it. NULL
 * with *@ret_error on failure.
 */
struct json_object *manager_status(Manager *m, int *ret_error);

/* Starts a verification now (or right after the one running); its number in *@ret_seq. */
int manager_verify(Manager *m, uint64_t *ret_seq);

/* Whether a peer may change registrations: root, or a member of the admin group. */
/**
 * manager_peer_is_admin() - root, or a member of AdminGroup= by the peer's group or one of its
 * supplementary groups @groups (SO_PEERGROUPS).
 */
bool manager_peer_is_admin(Manager *m, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups);

/* Removes binfmtd's entries if RemoveOnStop= says so. */
void manager_stop(Manager *m);

const char *manager_socket_path(Manager *m);

/**
 * manager_status_line() - "N targets registered[, M provided by other tools], K problems": what
 * STATUS= and the log say after a reconcile. Writes into @buf. Returns @buf.
 */
const char *manager_status_line(const Manager *m, char *buf, size_t size);
