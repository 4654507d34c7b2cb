/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/*
 * The Varlink server on the daemon's Unix socket: connections, framing, limits, peer
 * credentials, and dispatch of io.binfmtd and org.varlink.service calls to the manager.
 */

#define SERVER_OUTPUT_MAX (1024u * 1024u) /* a client that does not read is dropped beyond this */

/**
 * server_new() - serve on @listen_fd (taken over; listening, non-blocking or not).
 */
int server_new(Manager *m, int listen_fd, Server **ret);
Server *server_free(Server *s);

/**
 * server_listen() - create, bind and listen on @path (its directory is made 0755 if missing,
 * a stale socket is replaced). Returns the fd or -errno.
 */
int server_listen(const char *path);

/* Sends the status to every Watch client whose last status differs. NULL is fine. */
void server_notify_watchers(Server *s);

/* Connections open now (tests and the benchmark read it from the status). */
unsigned server_n_connections(Server *s);
