/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/*
 * Varlink wire format (https://varlink.org): each message is one JSON object followed by a NUL
 * byte. A call is {"method": "iface.Method", "parameters": {...}, "more": bool, "oneway": bool};
 * a reply is {"parameters": {...}, "continues": bool} or {"error": "iface.Name", "parameters":
 * {...}}. This module frames bytes into messages with a size limit and converts messages to and
 * from structures. Pure: no sockets (varlink-client.c and the daemon own those). Messages come
 * from untrusted peers: every field is checked for type, and anything unexpected is refused.
 */

#define VARLINK_MESSAGE_MAX (64u * 1024u) /* default size limit of one message */

#define VARLINK_ERROR_INVALID_PARAMETER  "org.varlink.service.InvalidParameter"
#define VARLINK_ERROR_METHOD_NOT_FOUND   "org.varlink.service.MethodNotFound"
#define VARLINK_ERROR_INTERFACE_NOT_FOUND "org.varlink.service.InterfaceNotFound"
#define VARLINK_ERROR_METHOD_NOT_IMPLEMENTED "org.varlink.service.MethodNotImplemented"

/* Bytes received and not yet consumed. */
typedef struct VarlinkBuffer {
        char *data;
        size_t len;      /* bytes held */
        size_t alloc;
        size_t limit;    /* largest message accepted; 0 means VARLINK_MESSAGE_MAX */
} VarlinkBuffer;

void varlink_buffer_done(VarlinkBuffer *b);

/**
 * varlink_buffer_append() - add @n received bytes. Returns 0, -EMSGSIZE when the bytes held
 * without a NUL exceed the limit (the peer is sending an oversized message: drop it), -ENOMEM.
 */
int varlink_buffer_append(VarlinkBuffer *b, const void *data, size_t n);

/**
 * varlink_buffer_next() - take the next complete message out of @b. Returns 1 and a newly
 * allocated NUL-terminated copy of the message (without the separator) in @ret and its length
 * in @ret_len; 0 when no complete message is held; -ENOMEM.
 */
int varlink_buffer_next(VarlinkBuffer *b, char **ret, size_t *ret_len);

typedef struct VarlinkCall {
        char *method;                   /* "io.binfmtd.GetStatus" */
        struct json_object *parameters; /* always an object (empty when absent) */
        bool more;
        bool oneway;
} VarlinkCall;

void varlink_call_done(VarlinkCall *c);

/**
 * varlink_call_parse() - parse a call message of @len bytes. Refuses (-EBADMSG) anything that
 * is not a JSON object, a missing or non-string or malformed method ("interface.Method": an
 * interface name of dot-separated lowercase-led words, a method name starting with an uppercase
 * letter), parameters that are not an object, more/oneway that are not booleans, both more
 * and oneway, unknown top-level keys, embedded NULs. Returns 0 and fills @ret.
 */
int varlink_call_parse(const char *msg, size_t len, VarlinkCall *ret);

typedef struct VarlinkReply {
        char *error;                    /* NULL on success */
        struct json_object *parameters; /* always an object */
        bool continues;
} VarlinkReply;

void varlink_reply_done(VarlinkReply *r);

/**
 * varlink_reply_parse() - parse a reply (client side). Returns 0 or -EBADMSG.
 */
int varlink_reply_parse(const char *msg, size_t len, VarlinkReply *ret);

/**
 * varlink_format_call() / varlink_format_reply() / varlink_format_error() - the message text
 * including its terminating NUL, newly allocated, and its length including the NUL.
 * @parameters may be NULL (an empty object is sent); they are not consumed.
 */
int varlink_format_call(const char *method, struct json_object *parameters, bool more,
                        char **ret, size_t *ret_len);
int varlink_format_reply(struct json_object *parameters, bool continues, char **ret,
                         size_t *ret_len);
int varlink_format_error(const char *error, struct json_object *parameters, char **ret,
                         size_t *ret_len);

/**
 * varlink_method_interface() - the interface part of "a.b.Method" into @buf ("a.b").
 * Returns @buf, or NULL if @method has no '.'.
 */
const char *varlink_method_interface(const char *method, char *buf, size_t size);
