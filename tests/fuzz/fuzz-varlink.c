/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for Varlink messages as a peer sends them. The input is a byte stream: framed
 * once under a tiny limit (checking the refusal happens exactly at the first byte that makes a
 * message too long) and once under the default limit in a few chunks, insisting that the
 * messages taken out, joined with NULs, are the input. Every message is then parsed as a call
 * and as a reply; whatever is accepted is formatted, parsed again and must come back equal,
 * and formatting must be canonical (a second round gives the same text). Aborts on any
 * disagreement.
 */

#include <stdint.h>

#include "varlink/varlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMALL_LIMIT 16

/* Checks formatted text: one NUL, the last byte, counted in the length. */
static void check_text(const char *m, size_t len)
{
        if (len == 0 || m[len - 1] != 0 || strlen(m) != len - 1)
                abort();
}

static void round_trip_call(const char *msg, size_t len)
{
        _cleanup_(varlink_call_done) VarlinkCall c = {}, again = {};
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        size_t n, n2;
        char iface[256];
        int r;

        r = varlink_call_parse(msg, len, &c);
        if (r == -ENOMEM)
                return;
        if (r < 0) {
                if (r != -EBADMSG || c.method || c.parameters)
                        abort();
                return;
        }
        if (!c.method || !json_object_is_type(c.parameters, json_type_object) ||
            (c.more && c.oneway) || !strchr(c.method, '.'))
                abort();
        if (strlen(c.method) < sizeof(iface) &&
            !strchr(varlink_method_interface(c.method, iface, sizeof(iface)) ?: "", '.'))
                abort();

        /* Calls are formatted without oneway: the client never sends one. */
        r = varlink_format_call(c.method, c.parameters, c.more, &text, &n);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                abort();
        check_text(text, n);

        r = varlink_call_parse(text, n - 1, &again);
        if (r == -ENOMEM)
                return;
        if (r < 0 || !streq(c.method, again.method) || c.more != again.more || again.oneway ||
            !json_object_equal(c.parameters, again.parameters))
                abort();

        r = varlink_format_call(again.method, again.parameters, again.more, &text2, &n2);
        if (r == -ENOMEM)
                return;
        if (r < 0 || n != n2 || memcmp(text, text2, n) != 0)
                abort();
}

static int format_reply(const VarlinkReply *r, char **ret, size_t *ret_len)
{
        if (r->error)
                return varlink_format_error(r->error, r->parameters, ret, ret_len);
        return varlink_format_reply(r->parameters, r->continues, ret, ret_len);
}

static void round_trip_reply(const char *msg, size_t len)
{
        _cleanup_(varlink_reply_done) VarlinkReply p = {}, again = {};
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        size_t n, n2;
        int r;

        r = varlink_reply_parse(msg, len, &p);
        if (r == -ENOMEM)
                return;
        if (r < 0) {
                if (r != -EBADMSG || p.error || p.parameters)
                        abort();
                return;
        }
        if (!json_object_is_type(p.parameters, json_type_object) || (p.error && p.continues))
                abort();

        r = format_reply(&p, &text, &n);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                abort();
        check_text(text, n);

        r = varlink_reply_parse(text, n - 1, &again);
        if (r == -ENOMEM)
                return;
        if (r < 0 || !streq_ptr(p.error, again.error) || p.continues != again.continues ||
            !json_object_equal(p.parameters, again.parameters))
                abort();

        r = format_reply(&again, &text2, &n2);
        if (r == -ENOMEM)
                return;
        if (r < 0 || n != n2 || memcmp(text, text2, n) != 0)
                abort();
}

/*
 * Feeds @data to a buffer with @limit in chunks of @chunk bytes, checks the framing, and
 * parses each message if @parse. Returns false when the buffer refused the stream.
 */
static bool frame(const uint8_t *data, size_t size, size_t limit, size_t chunk, bool parse)
{
        _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = limit };
        size_t first_bad = SIZE_MAX, seg = 0, out = 0;

        /* Where a correct framer must refuse: the first byte past the limit in one message. */
        for (size_t i = 0; i < size; i++) {
                if (data[i] == 0)
                        seg = 0;
                else if (++seg > limit) {
                        first_bad = i;
                        break;
                }
        }

        for (size_t pos = 0; pos < size;) {
                size_t k = size - pos < chunk ? size - pos : chunk;
                int r = varlink_buffer_append(&b, data + pos, k);

                if (r == -ENOMEM)
                        return false;
                if (r == -EMSGSIZE) {
                        if (first_bad < pos || first_bad >= pos + k)
                                abort();
                        return false;
                }
                if (r < 0 || first_bad < pos + k)
                        abort();
                pos += k;

                for (;;) {
                        _cleanup_free_ char *m = NULL;
                        size_t len;

                        r = varlink_buffer_next(&b, &m, &len);
                        if (r == -ENOMEM)
                                return false;
                        if (r < 0)
                                abort();
                        if (r == 0)
                                break;
                        if (len > limit || out + len >= pos || memcmp(m, data + out, len) != 0 ||
                            data[out + len] != 0 || m[len] != 0)
                                abort();
                        out += len + 1;
                        if (parse) {
                                round_trip_call(m, len);
                                round_trip_reply(m, len);
                        }
                }
                /* What is left is exactly the bytes after the last NUL, held from data. */
                if (out + b.len != pos || (b.len > 0 && memcmp(b.data, data + out, b.len) != 0) ||
                    memchr(data + out, 0, b.len))
                        abort();
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t pieces = 1 + (size > 0 ? data[0] % 4 : 0);

        (void)frame(data, size, SMALL_LIMIT, 1 + size / 3, false);
        (void)frame(data, size, VARLINK_MESSAGE_MAX, 1 + size / pieces, true);
        return 0;
}
