/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Varlink wire format: framing NUL-terminated messages out of a byte stream under a size limit,
 * parsing calls and replies from untrusted peers, and formatting them. Owns no socket and does
 * no I/O (varlink-client.c and the daemon do); never logs. Everything a peer sends is checked
 * here, once, so that callers only ever see well-formed method names and object parameters.
 */

#include <assert.h>
#include <math.h>
#include <stdint.h>

#include "varlink/varlink.h"

/* Flags shared by every formatter: no pretty-printing, '/' left alone ("/usr/bin", not "\/"). */
#define VARLINK_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static inline size_t buffer_limit(const VarlinkBuffer *b)
{
        return b->limit ?: VARLINK_MESSAGE_MAX;
}

void varlink_buffer_done(VarlinkBuffer *b)
{
        if (!b)
                return;
        free(b->data);
        *b = (VarlinkBuffer){ .limit = b->limit };
}

/* Moves the bytes held to the front. Only called when the move is paid for (see callers). */
static void buffer_compact(VarlinkBuffer *b)
{
        if (b->start == 0)
                return;
        if (b->len > 0)
                memmove(b->data, b->data + b->start, b->len);
        b->start = 0;
}

int varlink_buffer_append(VarlinkBuffer *b, const void *data, size_t n)
{
        size_t limit = buffer_limit(b), tail = b->tail;
        const char *p = data, *end = p + n;

        if (n == 0)
                return 0;

        /*
         * Check every message these bytes complete or begin before keeping any of them, so the
         * limit holds however the peer's bytes were split into reads. (tail only exceeds the limit
         * if the caller lowered it mid-stream.)
         */
        for (;;) {
                const char *nul = memchr(p, 0, end - p);
                size_t k = (nul ?: end) - p;

                if (tail > limit || k > limit - tail)
                        return -EMSGSIZE;
                if (!nul) {
                        tail += k;
                        break;
                }
                tail = 0;
                p = nul + 1;
        }

        if (n > SIZE_MAX - b->start - b->len)
                return -ENOMEM;
        if (b->start + b->len + n > b->alloc) {
                size_t need, a;
                char *d;

                /* Dropping consumed bytes costs a move of no more bytes than are dropped. */
                if (b->start >= b->len)
                        buffer_compact(b);
                need = b->start + b->len + n;
                if (need > b->alloc) {
                        a = b->alloc > SIZE_MAX / 2 ? SIZE_MAX : b->alloc * 2;
                        if (a < need)
                                a = need;
                        if (a < 256)
                                a = 256;
                        d = realloc(b->data, a);
                        if (!d)
                                return -ENOMEM;
                        b->data = d;
                        b->alloc = a;
                }
        }

        memcpy(b->data + b->start + b->len, data, n);
        b->len += n;
        b->tail = tail;
        return 0;
}

int varlink_buffer_next(VarlinkBuffer *b, char **ret, size_t *ret_len)
{
        const char *p, *nul;
        char *m;
        size_t k;

        assert(ret);

        if (b->len == b->tail) {
                /*
                 * Nothing complete: move the partial message to the front. Those bytes were
                 * appended after the last message taken, so each byte is moved at most once.
                 */
                buffer_compact(b);
                /* Release what a burst made us allocate. */
                if (b->len == 0 && b->alloc > buffer_limit(b)) {
                        free(b->data);
                        b->data = NULL;
                        b->alloc = 0;
                }
                return 0;
        }

        /* A NUL lies before the tail; only the bytes of the message returned are scanned. */
        p = b->data + b->start;
        nul = memchr(p, 0, b->len - b->tail);
        assert(nul);
        k = nul - p;

        m = malloc(k + 1);
        if (!m)
                return -ENOMEM;
        memcpy(m, p, k);
        m[k] = 0;

        b->len -= k + 1;
        b->start = b->len == 0 ? 0 : b->start + k + 1;

        *ret = m;
        if (ret_len)
                *ret_len = k;
        return 1;
}

static bool ascii_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_alnum(char c)
{
        return ascii_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * "interface.Member": the interface a reverse-domain name of at least two segments of
 * [A-Za-z0-9-], each starting with a letter and not ending with '-'; the member
 * [A-Z][A-Za-z0-9]*. Used for method and error names alike.
 */
static bool qualified_name_is_valid(const char *s, size_t len)
{
        const char *dot;
        size_t segments = 0;

        if (!s || len == 0 || memchr(s, 0, len))
                return false;
        dot = memrchr(s, '.', len);
        if (!dot)
                return false;

        /* The member. */
        if (dot[1] < 'A' || dot[1] > 'Z')
                return false;
        for (const char *c = dot + 2; c < s + len; c++)
                if (!ascii_alnum(*c))
                        return false;

        /* The interface, segment by segment. */
        for (const char *c = s;; c++) {
                const char *e = memchr(c, '.', dot - c) ?: dot;

                if (e == c || !ascii_alpha(*c) || e[-1] == '-')
                        return false;
                for (const char *x = c + 1; x < e; x++)
                        if (!ascii_alnum(*x) && *x != '-')
                                return false;
                segments++;
                if (e == dot)
                        return segments >= 2;
                c = e;
        }
}

static bool json_is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The length of the UTF-8 sequence at @s: shortest form, no surrogates, at most U+10FFFF. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
        uint32_t cp;
        size_t k;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                k = 2, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                k = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                k = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (n < k)
                return 0;
        for (size_t i = 1; i < k; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return k;
}

static bool utf8_is_valid(const char *s, size_t n)
{
        for (size_t i = 0, k; i < n; i += k) {
                k = utf8_sequence_length((const unsigned char *)s + i, n - i);
                if (k == 0)
                        return false;
        }
        return true;
}

/*
 * What json-c accepts even when strict, and we do not: raw NULs (json_tokener would stop at
 * them), single-quoted strings, raw control characters inside strings, overlong or surrogate
 * UTF-8 (json-c checks only the shape of a sequence), and "\u0000", which json-c silently
 * truncates in keys and which would cut strings short for every C consumer. One pass; only
 * double-quoted strings exist once single quotes are refused, so the states below track the
 * text exactly.
 */
static bool text_is_acceptable(const char *s, size_t len)
{
        enum { OUTSIDE, STRING, ESCAPE } state = OUTSIDE;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = s[i];

                if (c == 0)
                        return false;
                if (c >= 0x80) {
                        size_t k = utf8_sequence_length((const unsigned char *)s + i, len - i);
                        if (k == 0)
                                return false;
                        i += k - 1;
                        if (state == ESCAPE)
                                state = STRING;
                        continue;
                }
                switch (state) {
                case OUTSIDE:
                        if (c == '"')
                                state = STRING;
                        else if (c == '\'')
                                return false;
                        break;
                case STRING:
                        if (c == '"')
                                state = OUTSIDE;
                        else if (c == '\\')
                                state = ESCAPE;
                        else if (c < 0x20)
                                return false;
                        break;
                case ESCAPE:
                        if (c == 'u' && len - i > 4 && memcmp(s + i + 1, "0000", 4) == 0)
                                return false;
                        state = STRING;
                        break;
                }
        }
        return true;
}

/*
 * What the parser accepts, checked on a tree: json-c takes NaN and Infinity even when strict
 * and turns 1e400 into an infinity (none is JSON, none survives a round trip); strings built
 * by a caller may hold NULs or invalid UTF-8 that the peer would refuse. Parsed trees are
 * bounded in depth by the tokener; built ones are the caller's.
 */
static bool json_is_acceptable(struct json_object *o)
{
        switch (json_object_get_type(o)) {
        case json_type_double:
                return isfinite(json_object_get_double(o));
        case json_type_string: {
                const char *s = json_object_get_string(o);
                size_t n = json_object_get_string_len(o);

                return !memchr(s, 0, n) && utf8_is_valid(s, n);
        }
        case json_type_object: {
                json_object_object_foreach(o, k, v) {
                        if (!utf8_is_valid(k, strlen(k)) || !json_is_acceptable(v))
                                return false;
                }
                return true;
        }
        case json_type_array:
                for (size_t i = 0, n = json_object_array_length(o); i < n; i++)
                        if (!json_is_acceptable(json_object_array_get_idx(o, i)))
                                return false;
                return true;
        default:
                return true;
        }
}

static void json_object_putp(struct json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

static void json_tokener_freep(struct json_tokener **t)
{
        if (*t)
                json_tokener_free(*t);
}

/* One strict JSON object spanning all @len bytes. Returns 0, -EBADMSG, -ENOMEM. */
static int parse_object(const char *msg, size_t len, struct json_object **ret)
{
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        _cleanup_json_ struct json_object *o = NULL;
        size_t end;

        if (len == 0 || len > INT32_MAX || !text_is_acceptable(msg, len))
                return -EBADMSG;

        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        o = json_tokener_parse_ex(tok, msg, (int)len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success)
                return -EBADMSG;
        /* Strict mode refuses trailing bytes already; make sure nothing was left unread. */
        end = json_tokener_get_parse_end(tok);
        while (end < len && json_is_space(msg[end]))
                end++;
        if (end != len)
                return -EBADMSG;
        if (!json_object_is_type(o, json_type_object) || !json_is_acceptable(o))
                return -EBADMSG;

        *ret = TAKE_PTR(o);
        return 0;
}

/* A boolean or null (absent); anything else is refused. */
static int get_bool(struct json_object *v, bool *ret)
{
        if (!v) {
                *ret = false;
                return 0;
        }
        if (!json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

/* An object, or a new empty one for null (absent). */
static int get_parameters(struct json_object *v, struct json_object **ret)
{
        if (!v) {
                v = json_object_new_object();
                if (!v)
                        return -ENOMEM;
                *ret = v;
                return 0;
        }
        if (!json_object_is_type(v, json_type_object))
                return -EBADMSG;
        *ret = json_object_get(v);
        return 0;
}

/* A well-formed "interface.Member" string, copied. */
static int get_name(struct json_object *v, char **ret)
{
        char *s;

        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        if (!qualified_name_is_valid(json_object_get_string(v), json_object_get_string_len(v)))
                return -EBADMSG;
        s = strdup(json_object_get_string(v));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

void varlink_call_done(VarlinkCall *c)
{
        if (!c)
                return;
        free(c->method);
        if (c->parameters)
                json_object_put(c->parameters);
        *c = (VarlinkCall){};
}

int varlink_call_parse(const char *msg, size_t len, VarlinkCall *ret)
{
        _cleanup_json_ struct json_object *o = NULL, *parameters = NULL;
        struct json_object *method = NULL, *params = NULL, *more = NULL, *oneway = NULL,
                           *upgrade = NULL;
        _cleanup_free_ char *name = NULL;
        bool m, ow, up;
        int r;

        assert(ret);

        r = parse_object(msg, len, &o);
        if (r < 0)
                return r;

        json_object_object_foreach(o, key, value) {
                if (streq(key, "method"))
                        method = value;
                else if (streq(key, "parameters"))
                        params = value;
                else if (streq(key, "more"))
                        more = value;
                else if (streq(key, "oneway"))
                        oneway = value;
                else if (streq(key, "upgrade"))
                        upgrade = value;
                else
                        return -EBADMSG;
        }

        if (!method)
                return -EBADMSG;
        r = get_name(method, &name);
        if (r < 0)
                return r;
        if (get_bool(more, &m) < 0 || get_bool(oneway, &ow) < 0 || get_bool(upgrade, &up) < 0)
                return -EBADMSG;
        /* A oneway call gets no reply at all, so it cannot ask for several. */
        if (m && ow)
                return -EBADMSG;
        /* After an upgrade the connection would no longer speak Varlink: we never offer one. */
        if (up)
                return -EBADMSG;
        r = get_parameters(params, &parameters);
        if (r < 0)
                return r;

        *ret = (VarlinkCall){
                .method = TAKE_PTR(name),
                .parameters = TAKE_PTR(parameters),
                .more = m,
                .oneway = ow,
        };
        return 0;
}

void varlink_reply_done(VarlinkReply *r)
{
        if (!r)
                return;
        free(r->error);
        if (r->parameters)
                json_object_put(r->parameters);
        *r = (VarlinkReply){};
}

int varlink_reply_parse(const char *msg, size_t len, VarlinkReply *ret)
{
        _cleanup_json_ struct json_object *o = NULL, *parameters = NULL;
        struct json_object *error = NULL, *params = NULL, *continues = NULL;
        _cleanup_free_ char *name = NULL;
        bool c;
        int r;

        assert(ret);

        r = parse_object(msg, len, &o);
        if (r < 0)
                return r;

        json_object_object_foreach(o, key, value) {
                if (streq(key, "error"))
                        error = value;
                else if (streq(key, "parameters"))
                        params = value;
                else if (streq(key, "continues"))
                        continues = value;
                else
                        return -EBADMSG;
        }

        if (error) {
                r = get_name(error, &name);
                if (r < 0)
                        return r;
        }
        if (get_bool(continues, &c) < 0)
                return -EBADMSG;
        /* An error ends the call: nothing can follow it. */
        if (name && c)
                return -EBADMSG;
        r = get_parameters(params, &parameters);
        if (r < 0)
                return r;

        *ret = (VarlinkReply){
                .error = TAKE_PTR(name),
                .parameters = TAKE_PTR(parameters),
                .continues = c,
        };
        return 0;
}

/*
 * Builds {key: name, "parameters": {...}, flag: true} (key and flag optional) and returns its
 * text with the terminating NUL.
 */
static int format_message(const char *key, const char *name, struct json_object *parameters,
                          const char *flag, char **ret, size_t *ret_len)
{
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *v;
        const char *text;
        size_t n;
        char *m;

        assert(ret);

        if (name && !qualified_name_is_valid(name, strlen(name)))
                return -EINVAL;
        if (parameters &&
            (!json_object_is_type(parameters, json_type_object) || !json_is_acceptable(parameters)))
                return -EINVAL;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;

        if (key) {
                v = json_object_new_string(name);
                if (!v || json_object_object_add(o, key, v) < 0) {
                        json_object_put(v);
                        return -ENOMEM;
                }
        }

        /* The caller keeps its reference: take one of our own for the container. */
        v = parameters ? json_object_get(parameters) : json_object_new_object();
        if (!v || json_object_object_add(o, "parameters", v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }

        if (flag) {
                v = json_object_new_boolean(true);
                if (!v || json_object_object_add(o, flag, v) < 0) {
                        json_object_put(v);
                        return -ENOMEM;
                }
        }

        text = json_object_to_json_string_length(o, VARLINK_JSON_FLAGS, &n);
        if (!text)
                return -ENOMEM;
        /* json-c escapes control characters, so the text holds no NUL of its own. */
        m = malloc(n + 1);
        if (!m)
                return -ENOMEM;
        memcpy(m, text, n);
        m[n] = 0;

        *ret = m;
        if (ret_len)
                *ret_len = n + 1;
        return 0;
}

int varlink_format_call(const char *method, struct json_object *parameters, bool more,
                        char **ret, size_t *ret_len)
{
        if (!method)
                return -EINVAL;
        return format_message("method", method, parameters, more ? "more" : NULL, ret, ret_len);
}

int varlink_format_reply(struct json_object *parameters, bool continues, char **ret,
                         size_t *ret_len)
{
        return format_message(NULL, NULL, parameters, continues ? "continues" : NULL, ret,
                              ret_len);
}

int varlink_format_error(const char *error, struct json_object *parameters, char **ret,
                         size_t *ret_len)
{
        if (!error)
                return -EINVAL;
        return format_message("error", error, parameters, NULL, ret, ret_len);
}

const char *varlink_method_interface(const char *method, char *buf, size_t size)
{
        const char *dot = strrchr(method, '.');
        size_t n;

        if (!dot)
                return NULL;
        n = dot - method;
        if (n >= size)
                return NULL;
        memcpy(buf, method, n);
        buf[n] = 0;
        return buf;
}
