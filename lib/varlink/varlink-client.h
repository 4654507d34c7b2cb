/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "varlink/varlink.h"

/*
 * A small blocking Varlink client for binfmtctl: connect to a Unix socket, send one call, read
 * its replies. Every wait is bounded by a timeout, so a stuck daemon cannot hang the tool.
 * After any error but -ETIMEDOUT from a read the connection is out of step: close it.
 */

typedef struct VarlinkClient {
        int fd;
        VarlinkBuffer in;  /* in.limit bounds a reply; set it after connecting to raise it */
        int timeout_ms;    /* for each connect, call and read; < 0: no bound, 0: no waiting */
} VarlinkClient;

/* A client that is not connected: safe to pass to varlink_client_done(). */
#define VARLINK_CLIENT_NULL { .fd = -EBADF }

/**
 * varlink_client_connect() - connect to @path. @c is (re)initialised first, so
 * varlink_client_done() is safe on it whatever this returns; it must not hold a connection.
 * Returns 0, or -errno from socket/connect (-ENOENT, -ECONNREFUSED: no daemon listening;
 * -EACCES; -ETIMEDOUT: the daemon's backlog stayed full; -ENAMETOOLONG).
 */
int varlink_client_connect(VarlinkClient *c, const char *path, int timeout_ms);

/**
 * varlink_client_done() - close the connection and free what was received. Accepts a client
 * initialised with VARLINK_CLIENT_NULL or by varlink_client_connect().
 */
void varlink_client_done(VarlinkClient *c);

/**
 * varlink_client_call() - send a call, whole, within the timeout. Returns 0, -EINVAL (see
 * varlink_format_call()), -ETIMEDOUT, -EPIPE or -ECONNRESET if the daemon went away, -errno.
 */
int varlink_client_call(VarlinkClient *c, const char *method, struct json_object *parameters,
                        bool more);

/**
 * varlink_client_read_reply() - wait for the next reply (up to the timeout; -ETIMEDOUT).
 * Returns 0 and the reply, -ECONNRESET if the daemon closed the connection, -EBADMSG,
 * -EMSGSIZE for a reply over in.limit, -errno.
 */
int varlink_client_read_reply(VarlinkClient *c, VarlinkReply *ret);
