/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "varlink.h"

/*
 * A small blocking Varlink client for binfmtctl: connect to a Unix socket, send one call, read
 * its replies. Every wait is bounded by a timeout, so a stuck daemon cannot hang the tool.
 */

typedef struct VarlinkClient {
        int fd;
        VarlinkBuffer in;
        int timeout_ms;
} VarlinkClient;

/**
 * varlink_client_connect() - connect to @path. Returns 0, or -errno from socket/connect
 * (-ENOENT, -ECONNREFUSED: no daemon listening; -EACCES).
 */
int varlink_client_connect(VarlinkClient *c, const char *path, int timeout_ms);

void varlink_client_done(VarlinkClient *c);

/**
 * varlink_client_call() - send a call. Returns 0, -errno.
 */
int varlink_client_call(VarlinkClient *c, const char *method, struct json_object *parameters,
                        bool more);

/**
 * varlink_client_read_reply() - wait for the next reply (up to the timeout; -ETIMEDOUT).
 * Returns 0 and the reply, -ECONNRESET if the daemon closed the connection, -EBADMSG.
 */
int varlink_client_read_reply(VarlinkClient *c, VarlinkReply *ret);
