/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/macro.h"

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
        size_t len;      /* bytes held, starting at data + start */
        size_t alloc;
        size_t limit;    /* largest message accepted; 0 means VARLINK_MESSAGE_MAX */
        /* Private to varlink.c: */
        size_t start;    /* bytes at the front already taken by varlink_buffer_next() */
        size_t tail;     /* held bytes after the last NUL: the message still arriving */
} VarlinkBuffer;

/**
 * varlink_buffer_done() - free what @b holds and empty it. Its limit is kept.
 */
void varlink_buffer_done(VarlinkBuffer *b);

/**
 * varlink_buffer_append() - add @n received bytes. Returns 0, -EMSGSIZE when a message among
 * them, complete or still arriving, is longer than the limit (the peer is sending an oversized
 * message: drop it), -ENOMEM. On error @b is left as it was. Every byte is scanned once.
 */
int varlink_buffer_append(VarlinkBuffer *b, const void *data, size_t n);

/**
 * varlink_buffer_next() - take the next complete message out of @b. Returns 1 and a newly
 * allocated NUL-terminated copy of the message (without the separator) in @ret and its length
 * in @ret_len (may be NULL); 0 when no complete message is held, and then the bytes held start
 * at @b->data; -ENOMEM. Linear in the bytes received over the life of @b.
 */
int varlink_buffer_next(VarlinkBuffer *b, char **ret, size_t *ret_len);

/* Whether @b holds at least one complete message. */
static inline bool varlink_buffer_has_message(const VarlinkBuffer *b)
{
        return b->len > b->tail;
}

typedef struct VarlinkCall {
        char *method;                   /* "io.binfmtd.GetStatus" */
        struct json_object *parameters; /* always an object (empty when absent) */
        bool more;
        bool oneway;
} VarlinkCall;

/* Frees what a parsed call holds and empties it. */
void varlink_call_done(VarlinkCall *c);

/**
 * varlink_call_parse() - parse a call message of @len bytes. Refuses (-EBADMSG) anything that
 * is not one strict JSON object in valid UTF-8 (trailing bytes, comments, single quotes, NaN or
 * infinite numbers, raw control characters in strings, "\u0000" anywhere), a missing or
 * non-string or malformed method ("interface.Method": an interface of at least two
 * dot-separated segments of letters, digits and '-', each starting with a letter and not
 * ending with '-'; a member of letters and digits starting with an uppercase letter),
 * parameters that are not an object, more/oneway/upgrade that are not booleans, both more and
 * oneway, "upgrade": true (protocol upgrades are not supported), unknown top-level keys,
 * embedded NULs. A key whose value is null counts as absent (the specification's optional
 * fields). Of repeated keys the last wins. Returns 0 and fills @ret.
 */
int varlink_call_parse(const char *msg, size_t len, VarlinkCall *ret);

typedef struct VarlinkReply {
        char *error;                    /* NULL on success */
        struct json_object *parameters; /* always an object */
        bool continues;
} VarlinkReply;

/* Frees what a parsed reply holds and empties it. */
void varlink_reply_done(VarlinkReply *r);

/**
 * varlink_reply_parse() - parse a reply (client side), with the same JSON rules as
 * varlink_call_parse(). Refuses (-EBADMSG) an error that is not a well-formed name, parameters
 * that are not an object, continues that is not a boolean, an error that continues, unknown
 * top-level keys. Returns 0 and fills @ret.
 */
int varlink_reply_parse(const char *msg, size_t len, VarlinkReply *ret);

/**
 * varlink_format_call() / varlink_format_reply() / varlink_format_error() - the message text
 * including its terminating NUL, newly allocated, and its length including the NUL.
 * @parameters may be NULL (an empty object is sent); they are not consumed. Returns 0, -EINVAL
 * for a malformed method or error name, or parameters that are not an object or hold what the
 * parsers refuse (NaN or infinite numbers, strings with NULs or invalid UTF-8), -ENOMEM.
 */
int varlink_format_call(const char *method, struct json_object *parameters, bool more,
                        char **ret, size_t *ret_len);
int varlink_format_reply(struct json_object *parameters, bool continues, char **ret,
                         size_t *ret_len);
int varlink_format_error(const char *error, struct json_object *parameters, char **ret,
                         size_t *ret_len);

/**
 * varlink_method_interface() - the interface part of "a.b.Method" into @buf ("a.b").
 * Returns @buf, or NULL if @method has no '.' or the interface does not fit in @size.
 */
const char *varlink_method_interface(const char *method, char *buf, size_t size);
