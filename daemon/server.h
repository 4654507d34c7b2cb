/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "base/report.h"

/*
 * The Varlink server on the daemon's Unix socket: connections, framing, limits, peer
 * credentials, and dispatch of io.binfmtd and org.varlink.service calls. It knows nothing of
 * the manager: what it serves and what it may change come through ServerHandlers, wired up in
 * binfmtd.c. Data flows one way: the manager publishes a status snapshot and says when it
 * changed (server_status_changed()); the server renders replies from it.
 */

#define SERVER_OUTPUT_MAX (1024u * 1024u) /* a client that does not read is dropped beyond this */

typedef struct Server Server;

typedef struct ServerLimits {
        unsigned max_connections;          /* MaxConnections= */
        unsigned max_connections_per_user; /* MaxConnectionsPerUser= */
        unsigned max_watches_per_user;     /* MaxWatchesPerUser= */
        uint64_t idle_usec;                /* IdleTimeoutSec= */
} ServerLimits;

typedef struct ServerHandlers {
        /*
         * The current status (the object GetStatus returns under "status"), a new reference:
         * the server keeps only the text it serialises, until the next server_status_changed()
         * (or a change in the number of connections, which its "daemon" object gets from the
         * server). NULL with *ret_error (-errno) when it cannot be had.
         */
        struct json_object *(*status)(void *userdata, int *ret_error);
        /* Root, or a member of the admin group by @gid or one of @groups (SO_PEERGROUPS). */
        bool (*peer_is_admin)(void *userdata, uid_t uid, gid_t gid, const gid_t *groups,
                              size_t n_groups);
        int (*install)(void *userdata, char *const *targets, bool force, Report *r);
        int (*uninstall)(void *userdata, char *const *targets, bool force, Report *r);
        /* 0 and the new generation, -EINVAL (rejected: the reasons are in @r), or -errno. */
        int (*reload)(void *userdata, Report *r, unsigned *ret_generation);
        /*
         * Starts a verification of every platform now (or right after the one running), its
         * number in *@ret_seq. When it has finished, server_verification_done() with that
         * number gives waiting Verify calls the status. Returns 0 or -errno.
         */
        int (*verify)(void *userdata, uint64_t *ret_seq);
        /* The socket's limits now (they may change on reload). */
        const ServerLimits *(*limits)(void *userdata);
} ServerHandlers;

/**
 * server_new() - serve on @listen_fd (taken over; listening, non-blocking or not) on @event,
 * with @handlers called with @userdata.
 */
int server_new(sd_event *event, int listen_fd, const ServerHandlers *handlers, void *userdata,
               Server **ret);
Server *server_free(Server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Server *, server_free);

/**
 * server_listen() - create, bind and listen on @path (its directory is made 0755 if missing,
 * a stale socket is replaced). Returns the fd or -errno.
 */
int server_listen(const char *path);

/*
 * The status changed: the cached GetStatus reply is dropped, and every Watch client whose view
 * differs gets the new one. NULL is fine.
 */
void server_status_changed(Server *s);

/* The status changed, what exactly is not known yet: the next reply asks for it anew. NULL is
 * fine. */
void server_status_stale(Server *s);

/* Verification number @seq finished: the Verify calls that waited for it get their reply. */
void server_verification_done(Server *s, uint64_t seq);

/* Connections open now. */
unsigned server_n_connections(Server *s);
