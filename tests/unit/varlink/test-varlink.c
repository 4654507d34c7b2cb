/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <time.h>

#include "tests.h"
#include "varlink/varlink.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void json_putp(struct json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

static struct json_object *json(const char *text)
{
        struct json_object *o = json_tokener_parse(text);
        ASSERT_NOT_NULL(o);
        return o;
}

static const char *str(struct json_object *o)
{
        return json_object_to_json_string_ext(o, FLAGS);
}

/* Takes the next message out of @b and checks it is @expected. */
static void expect_next(VarlinkBuffer *b, const char *expected)
{
        _cleanup_free_ char *m = NULL;
        size_t len = 12345;

        ASSERT_EQ(varlink_buffer_next(b, &m, &len), 1);
        ASSERT_EQ(len, strlen(expected));
        ASSERT_EQ(memcmp(m, expected, len), 0);
        ASSERT_EQ(m[len], 0);
}

static void expect_none(VarlinkBuffer *b)
{
        char *m = (char *)0x1;

        ASSERT_EQ(varlink_buffer_next(b, &m, NULL), 0);
        ASSERT_TRUE(m == (char *)0x1);
}

TEST(buffer_split)
{
        _cleanup_(varlink_buffer_done) VarlinkBuffer b = {};
        const char *s = "{\"method\":\"io.binfmtd.GetStatus\"}";

        expect_none(&b);
        ASSERT_OK(varlink_buffer_append(&b, s, 10));
        expect_none(&b);
        ASSERT_OK(varlink_buffer_append(&b, s + 10, strlen(s) - 10));
        expect_none(&b);
        /* After a 0 the bytes held start at data. */
        ASSERT_EQ(b.len, strlen(s));
        ASSERT_EQ(memcmp(b.data, s, b.len), 0);
        ASSERT_OK(varlink_buffer_append(&b, "\0{\"x", 4));
        expect_next(&b, s);
        expect_none(&b);
        ASSERT_EQ(b.len, 3);
        ASSERT_EQ(memcmp(b.data, "{\"x", 3), 0);
        ASSERT_OK(varlink_buffer_append(&b, "\":1}\0", 5));
        expect_next(&b, "{\"x\":1}");
        expect_none(&b);
        ASSERT_EQ(b.len, 0);
        ASSERT_OK(varlink_buffer_append(&b, "", 0));
        expect_none(&b);
}

TEST(buffer_several_in_one_chunk)
{
        _cleanup_(varlink_buffer_done) VarlinkBuffer b = {};
        static const char chunk[] = "{\"a\":1}\0{}\0\0{\"c\":3}\0{\"d\"";

        ASSERT_OK(varlink_buffer_append(&b, chunk, sizeof(chunk) - 1));
        expect_next(&b, "{\"a\":1}");
        expect_next(&b, "{}");
        expect_next(&b, ""); /* an empty message is framed like any other; parsing refuses it */
        expect_next(&b, "{\"c\":3}");
        expect_none(&b);
        ASSERT_EQ(b.len, 4);
        ASSERT_OK(varlink_buffer_append(&b, ":4}\0{\"e\":5}\0", 12));
        expect_next(&b, "{\"d\":4}");
        expect_next(&b, "{\"e\":5}");
        expect_none(&b);
        ASSERT_EQ(b.len, 0);
}

TEST(buffer_one_byte_chunks)
{
        _cleanup_(varlink_buffer_done) VarlinkBuffer b = {};
        const char *s = "{\"method\":\"io.binfmtd.Install\","
                        "\"parameters\":{\"targets\":[\"arm64\"]}}";
        size_t n = strlen(s) + 1;

        for (unsigned round = 0; round < 3; round++)
                for (size_t i = 0; i < n; i++) {
                        ASSERT_OK(varlink_buffer_append(&b, s + i, 1));
                        if (i + 1 < n)
                                expect_none(&b);
                        else
                                expect_next(&b, s);
                }
        expect_none(&b);
}

/* A message exactly at the limit passes; one byte more is refused, however it arrives. */
TEST(buffer_limit)
{
        _cleanup_free_ char *big = NULL;
        const size_t limit = 16;
        char msg[64];

        memset(msg, 'x', sizeof(msg));

        {
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = limit };
                msg[limit] = 0;
                ASSERT_OK(varlink_buffer_append(&b, msg, limit + 1));
                expect_next(&b, msg);
                msg[limit] = 'x';
        }
        {
                /* Complete, in one chunk, one byte too long. */
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = limit };
                msg[limit + 1] = 0;
                ASSERT_ERROR(varlink_buffer_append(&b, msg, limit + 2), EMSGSIZE);
                ASSERT_EQ(b.len, 0);
                msg[limit + 1] = 'x';
        }
        {
                /* Still arriving: exactly the limit held is fine, one more byte is not. */
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = limit };
                ASSERT_OK(varlink_buffer_append(&b, msg, limit - 1));
                ASSERT_OK(varlink_buffer_append(&b, msg, 1));
                expect_none(&b);
                ASSERT_ERROR(varlink_buffer_append(&b, msg, 1), EMSGSIZE);
                /* Refused bytes leave the buffer as it was: the NUL still completes it. */
                ASSERT_EQ(b.len, limit);
                ASSERT_OK(varlink_buffer_append(&b, "\0", 1));
                msg[limit] = 0;
                expect_next(&b, msg);
                msg[limit] = 'x';
        }
        {
                /* A good message followed by an oversized one in the same chunk: all refused. */
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = limit };
                char chunk[64] = "{}";
                memset(chunk + 3, 'y', limit + 1);
                ASSERT_ERROR(varlink_buffer_append(&b, chunk, 3 + limit + 1), EMSGSIZE);
                expect_none(&b);
                ASSERT_OK(varlink_buffer_append(&b, chunk, 3 + limit));
                expect_next(&b, "{}");
                expect_none(&b);
                ASSERT_EQ(b.len, limit);
        }
        {
                /* The limit counts from the last NUL, not from the start of the chunk. */
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = limit };
                ASSERT_OK(varlink_buffer_append(&b, msg, 10));
                ASSERT_ERROR(varlink_buffer_append(&b, msg, 7), EMSGSIZE);
                ASSERT_OK(varlink_buffer_append(&b, "xxxxxx\0xxxxxxxxxxxxxxxx", 23));
                ASSERT_ERROR(varlink_buffer_append(&b, "x", 1), EMSGSIZE);
                expect_next(&b, "xxxxxxxxxxxxxxxx");
                expect_none(&b);
                ASSERT_EQ(b.len, 16);
        }
        {
                /* limit 0 is the default. */
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = {};
                big = malloc(VARLINK_MESSAGE_MAX + 2);
                ASSERT_NOT_NULL(big);
                memset(big, 'z', VARLINK_MESSAGE_MAX + 1);
                big[VARLINK_MESSAGE_MAX] = 0;
                ASSERT_OK(varlink_buffer_append(&b, big, VARLINK_MESSAGE_MAX + 1));
                expect_next(&b, big);
                big[VARLINK_MESSAGE_MAX] = 'z';
                ASSERT_ERROR(varlink_buffer_append(&b, big, VARLINK_MESSAGE_MAX + 1), EMSGSIZE);
                ASSERT_OK(varlink_buffer_append(&b, big, VARLINK_MESSAGE_MAX));
                ASSERT_ERROR(varlink_buffer_append(&b, big, 1), EMSGSIZE);
        }
}

/* Framing is byte-exact whatever the bytes: messages joined with NULs give back the input. */
TEST(buffer_garbage)
{
        _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = 1 << 20 };
        unsigned char data[4096];
        unsigned seed = 1;
        size_t out = 0, pos = 0;

        for (size_t i = 0; i < sizeof(data); i++) {
                seed = seed * 1103515245 + 12345;
                data[i] = (seed >> 16) & 0xff;
                if ((seed >> 8) % 13 == 0)
                        data[i] = 0;
        }
        while (pos < sizeof(data)) {
                size_t k = 1 + (pos * 7919) % 97;
                if (k > sizeof(data) - pos)
                        k = sizeof(data) - pos;
                ASSERT_OK(varlink_buffer_append(&b, data + pos, k));
                pos += k;
                for (;;) {
                        _cleanup_free_ char *m = NULL;
                        size_t len;
                        int r = varlink_buffer_next(&b, &m, &len);
                        ASSERT_OK(r);
                        if (r == 0)
                                break;
                        ASSERT_TRUE(out + len < sizeof(data));
                        ASSERT_EQ(memcmp(m, data + out, len), 0);
                        ASSERT_EQ(data[out + len], 0);
                        out += len + 1;
                }
        }
        /* Everything up to the last NUL came out; the rest is held. */
        ASSERT_EQ(out + b.len, sizeof(data));
        ASSERT_EQ(memcmp(b.data, data + out, b.len), 0);
}

static double seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Linear work, checked where a quadratic implementation would take minutes: two million tiny
 * messages in one chunk (moving the rest after each would copy terabytes), and a 4 MiB
 * message arriving one byte at a time (rescanning it would read 8 TiB).
 */
TEST(buffer_linear)
{
        const size_t n = 2000000, big = 4u << 20;
        _cleanup_free_ char *chunk = malloc(3 * n);
        double t = seconds();

        ASSERT_NOT_NULL(chunk);
        for (size_t i = 0; i < n; i++)
                memcpy(chunk + 3 * i, "{}", 3);
        {
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = {};
                size_t count = 0;

                ASSERT_OK(varlink_buffer_append(&b, chunk, 3 * n));
                for (;;) {
                        _cleanup_free_ char *m = NULL;
                        int r = varlink_buffer_next(&b, &m, NULL);
                        ASSERT_OK(r);
                        if (r == 0)
                                break;
                        ASSERT_STREQ(m, "{}");
                        count++;
                }
                ASSERT_EQ(count, n);
                ASSERT_EQ(b.len, 0);
        }
        {
                _cleanup_(varlink_buffer_done) VarlinkBuffer b = { .limit = big };
                _cleanup_free_ char *m = NULL;
                size_t len;

                for (size_t i = 0; i < big; i++) {
                        ASSERT_OK(varlink_buffer_append(&b, "a", 1));
                        expect_none(&b);
                }
                ASSERT_OK(varlink_buffer_append(&b, "\0", 1));
                ASSERT_EQ(varlink_buffer_next(&b, &m, &len), 1);
                ASSERT_EQ(len, big);
                /* A burst's allocation is released once the buffer is empty. */
                expect_none(&b);
                ASSERT_NULL(b.data);
        }
        fprintf(stderr, "   %.2fs\n", seconds() - t);
        ASSERT_TRUE(seconds() - t < 10);
}

/* Parses @text as a call and expects it to be refused. */
static void call_refused(const char *text)
{
        VarlinkCall c = { .method = (char *)"sentinel" };

        if (varlink_call_parse(text, strlen(text), &c) != -EBADMSG) {
                fprintf(stderr, "accepted: %s\n", text);
                abort();
        }
        ASSERT_STREQ(c.method, "sentinel");
        ASSERT_NULL(c.parameters);
}

static void call_accepted(const char *text, const char *method, const char *params, bool more,
                          bool oneway)
{
        _cleanup_(varlink_call_done) VarlinkCall c = {};

        if (varlink_call_parse(text, strlen(text), &c) < 0) {
                fprintf(stderr, "refused: %s\n", text);
                abort();
        }
        ASSERT_STREQ(c.method, method);
        ASSERT_TRUE(json_object_is_type(c.parameters, json_type_object));
        ASSERT_STREQ(str(c.parameters), params);
        ASSERT_EQ(c.more, more);
        ASSERT_EQ(c.oneway, oneway);
}

TEST(call_valid)
{
        call_accepted("{\"method\":\"io.binfmtd.GetStatus\"}", "io.binfmtd.GetStatus", "{}",
                      false, false);
        call_accepted("{\"method\":\"io.binfmtd.Install\","
                      "\"parameters\":{\"targets\":[\"arm64\"]}}",
                      "io.binfmtd.Install", "{\"targets\":[\"arm64\"]}", false, false);
        call_accepted("{\"parameters\":{},\"more\":true,\"method\":\"io.binfmtd.Watch\"}",
                      "io.binfmtd.Watch", "{}", true, false);
        call_accepted("{\"method\":\"io.binfmtd.Reload\",\"oneway\":true}", "io.binfmtd.Reload",
                      "{}", false, true);
        call_accepted("{\"method\":\"org.varlink.service.GetInfo\",\"parameters\":null,"
                      "\"more\":false,\"oneway\":null,\"upgrade\":false}",
                      "org.varlink.service.GetInfo", "{}", false, false);
        /* Whitespace around and inside is JSON. */
        call_accepted(" \n{ \"method\" : \"io.binfmtd.GetStatus\" ,\t\"parameters\" : { } }\r\n",
                      "io.binfmtd.GetStatus", "{}", false, false);
        /* Names as the specification allows them: letters, digits, dashes, mixed case. */
        call_accepted("{\"method\":\"com.example-1.Sub2.M\"}", "com.example-1.Sub2.M", "{}", false,
                      false);
        call_accepted("{\"method\":\"a.b.GetX9\"}", "a.b.GetX9", "{}", false, false);
        call_accepted("{\"method\":\"io.binfmtd.Verify\",\"method\":\"io.binfmtd.GetStatus\"}",
                      "io.binfmtd.GetStatus", "{}", false, false);
}

TEST(call_unicode_nested_numbers)
{
        /* Escapes and raw UTF-8 come out as UTF-8; a lone surrogate becomes U+FFFD. */
        call_accepted("{\"method\":\"a.b.C\","
                      "\"parameters\":{\"s\":\"\\u00e9\\ud83d\\ude00\xc3\xa9\","
                      "\"k\\u00e9\":\"\\ud800\",\"e\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}}",
                      "a.b.C",
                      "{\"s\":\"\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9\",\"k\xc3\xa9\":\"\xef\xbf\xbd\","
                      "\"e\":\"\\\"\\\\/\\b\\f\\n\\r\\t\"}",
                      false, false);
        call_accepted("{\"method\":\"a.b.C\",\"parameters\":{\"u\":\"\\u0001\\u001f\\u007f\"}}",
                      "a.b.C", "{\"u\":\"\\u0001\\u001f\x7f\"}", false, false);

        /* Nested as deep as json-c's default depth allows (31 levels in all), and one more. */
        for (int depth = 2; depth <= 32; depth++) {
                char text[256] = "{\"method\":\"a.b.C\",\"parameters\":{\"n\":";
                size_t l = strlen(text);
                VarlinkCall c = {};

                for (int i = 2; i < depth; i++)
                        text[l++] = '[';
                text[l++] = '1';
                for (int i = 2; i < depth; i++)
                        text[l++] = ']';
                strcpy(text + l, "}}");
                if (depth <= 31)
                        ASSERT_OK(varlink_call_parse(text, strlen(text), &c));
                else
                        ASSERT_ERROR(varlink_call_parse(text, strlen(text), &c), EBADMSG);
                varlink_call_done(&c);
        }

        /* Integers past 64 bits saturate (json-c's rule); doubles keep their text. */
        call_accepted("{\"method\":\"a.b.C\",\"parameters\":{\"a\":9223372036854775807,"
                      "\"b\":-9223372036854775808,\"c\":18446744073709551615,"
                      "\"d\":99999999999999999999999999,\"e\":-99999999999999999999999999,"
                      "\"f\":1.5e300,\"g\":-0.0,\"h\":1E-400}}",
                      "a.b.C",
                      "{\"a\":9223372036854775807,\"b\":-9223372036854775808,"
                      "\"c\":18446744073709551615,\"d\":18446744073709551615,"
                      "\"e\":-9223372036854775808,\"f\":1.5e300,\"g\":-0.0,\"h\":1E-400}",
                      false, false);
}

TEST(call_refused)
{
        static const char *const refused[] = {
                /* Not one JSON object. */
                "",
                " ",
                "[]",
                "\"io.binfmtd.GetStatus\"",
                "1",
                "null",
                "{",
                "{\"method\":\"io.binfmtd.GetStatus\"",
                "{\"method\":\"io.binfmtd.GetStatus\"}x",
                "{\"method\":\"io.binfmtd.GetStatus\"}{}",
                "{\"method\":\"io.binfmtd.GetStatus\"} {\"method\":\"io.binfmtd.GetStatus\"}",
                "{\"method\":\"io.binfmtd.GetStatus\",}",
                "{\"method\":\"io.binfmtd.GetStatus\"/**/}",
                "{'method':'io.binfmtd.GetStatus'}",
                "{\"method\":'io.binfmtd.GetStatus'}",
                "{method:\"io.binfmtd.GetStatus\"}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":01}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":TRUE}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":NaN}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":Infinity}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":-Infinity}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":[1e400]}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\\x\"}}",
                /* Strings the C side could not hold or that are not text. */
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"a\\u0000b\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"a\\u0000b\":1}}",
                "{\"method\\u0000x\":\"a.b.C\"}",
                "{\"method\":\"a.b.C\\u0000\"}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\t\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\n\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xff\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xc0\x80\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xe0\x80\xaf\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xed\xa0\x80\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xf4\x90\x80\x80\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xe2\x82\"}}",
                "{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xe2\x82",
                /* The method. */
                "{}",
                "{\"parameters\":{}}",
                "{\"method\":null}",
                "{\"method\":1}",
                "{\"method\":true}",
                "{\"method\":[\"io.binfmtd.GetStatus\"]}",
                "{\"method\":{}}",
                "{\"method\":\"\"}",
                "{\"method\":\"GetStatus\"}",
                "{\"method\":\"binfmtd.GetStatus\"}",
                "{\"method\":\"io.binfmtd.getStatus\"}",
                "{\"method\":\"io.binfmtd.Get_Status\"}",
                "{\"method\":\"io.binfmtd.Get-Status\"}",
                "{\"method\":\"io.binfmtd.\"}",
                "{\"method\":\"io.binfmtd\"}",
                "{\"method\":\".io.binfmtd.GetStatus\"}",
                "{\"method\":\"io..binfmtd.GetStatus\"}",
                "{\"method\":\"io.binfmtd..GetStatus\"}",
                "{\"method\":\"1o.binfmtd.GetStatus\"}",
                "{\"method\":\"io.9binfmtd.GetStatus\"}",
                "{\"method\":\"io.-binfmtd.GetStatus\"}",
                "{\"method\":\"io.binfmtd-.GetStatus\"}",
                "{\"method\":\"io.bin_fmtd.GetStatus\"}",
                "{\"method\":\"io.bin fmtd.GetStatus\"}",
                "{\"method\":\"io.binfmtd.Get Status\"}",
                "{\"method\":\"io.binfmtd.GetStatus \"}",
                "{\"method\":\"io.binfmtd.G\xc3\xa9t\"}",
                "{\"method\":\"io.b\\u00e9.Get\"}",
                "{\"method\":\"io/binfmtd.GetStatus\"}",
                /* Parameters. */
                "{\"method\":\"io.binfmtd.GetStatus\",\"parameters\":[]}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"parameters\":\"\"}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"parameters\":0}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"parameters\":false}",
                /* Flags. */
                "{\"method\":\"io.binfmtd.Watch\",\"more\":\"true\"}",
                "{\"method\":\"io.binfmtd.Watch\",\"more\":1}",
                "{\"method\":\"io.binfmtd.Watch\",\"more\":{}}",
                "{\"method\":\"io.binfmtd.Watch\",\"oneway\":0}",
                "{\"method\":\"io.binfmtd.Watch\",\"oneway\":\"false\"}",
                "{\"method\":\"io.binfmtd.Watch\",\"more\":true,\"oneway\":true}",
                "{\"method\":\"io.binfmtd.Watch\",\"upgrade\":true}",
                "{\"method\":\"io.binfmtd.Watch\",\"upgrade\":1}",
                "{\"method\":\"io.binfmtd.Watch\",\"upgrade\":\"no\"}",
                /* Keys not in the specification. */
                "{\"method\":\"io.binfmtd.GetStatus\",\"id\":1}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"Method\":\"io.binfmtd.GetStatus\"}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"continues\":true}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"error\":\"a.b.C\"}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"\":null}",
        };

        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                call_refused(refused[i]);
}

TEST(call_embedded_nul)
{
        static const char text[] = "{\"method\":\"io.binfmtd.GetStatus\"}\0{}";
        static const char inside[] = "{\"method\":\"io.binfmtd.Get\0Status\"}";
        VarlinkCall c = {};

        ASSERT_ERROR(varlink_call_parse(text, sizeof(text) - 1, &c), EBADMSG);
        ASSERT_ERROR(varlink_call_parse(text, strlen(text) + 1, &c), EBADMSG);
        ASSERT_ERROR(varlink_call_parse(inside, sizeof(inside) - 1, &c), EBADMSG);
        ASSERT_NULL(c.method);
        /* The length given is what counts, not a NUL after it. */
        ASSERT_OK(varlink_call_parse(text, strlen(text), &c));
        ASSERT_STREQ(c.method, "io.binfmtd.GetStatus");
        varlink_call_done(&c);
        ASSERT_NULL(c.method);
        ASSERT_OK(varlink_call_parse("{\"method\":\"a.b.C\"}trailing", 18, &c));
        varlink_call_done(&c);
        ASSERT_ERROR(varlink_call_parse("{\"method\":\"a.b.C\"}trailing", 17, &c), EBADMSG);
        ASSERT_ERROR(varlink_call_parse("{\"method\":\"a.b.C\"}trailing", 19, &c), EBADMSG);
}

static void reply_refused(const char *text)
{
        VarlinkReply r = {};

        if (varlink_reply_parse(text, strlen(text), &r) != -EBADMSG) {
                fprintf(stderr, "accepted: %s\n", text);
                abort();
        }
        ASSERT_NULL(r.error);
        ASSERT_NULL(r.parameters);
}

static void reply_accepted(const char *text, const char *error, const char *params,
                           bool continues)
{
        _cleanup_(varlink_reply_done) VarlinkReply r = {};

        if (varlink_reply_parse(text, strlen(text), &r) < 0) {
                fprintf(stderr, "refused: %s\n", text);
                abort();
        }
        ASSERT_STREQ(r.error, error);
        ASSERT_STREQ(str(r.parameters), params);
        ASSERT_EQ(r.continues, continues);
}

TEST(reply)
{
        static const char *const refused[] = {
                "",
                "[]",
                "{\"parameters\":[]}",
                "{\"parameters\":1}",
                "{\"continues\":\"yes\"}",
                "{\"continues\":1}",
                "{\"error\":1}",
                "{\"error\":\"\"}",
                "{\"error\":\"NotFound\"}",
                "{\"error\":\"io.binfmtd.notFound\"}",
                "{\"error\":\"io.binfmtd.UnknownTarget\",\"continues\":true}",
                "{\"method\":\"io.binfmtd.GetStatus\"}",
                "{\"parameters\":{},\"more\":true}",
                "{\"parameters\":{},\"upgraded\":true}",
                "{\"parameters\":{}}garbage",
                "{\"parameters\":{\"x\":NaN}}",
                "{\"parameters\":{\"x\":\"\\u0000\"}}",
        };

        reply_accepted("{}", NULL, "{}", false);
        reply_accepted("{\"parameters\":null}", NULL, "{}", false);
        reply_accepted("{\"parameters\":{\"entries\":[{\"target\":\"aarch64\"}]},"
                       "\"continues\":true}",
                       NULL, "{\"entries\":[{\"target\":\"aarch64\"}]}", true);
        reply_accepted("{\"parameters\":{},\"continues\":false}", NULL, "{}", false);
        reply_accepted("{\"error\":\"io.binfmtd.UnknownTarget\","
                       "\"parameters\":{\"target\":\"vax\"}}",
                       "io.binfmtd.UnknownTarget", "{\"target\":\"vax\"}", false);
        reply_accepted("{\"error\":\"org.varlink.service.MethodNotFound\"}",
                       VARLINK_ERROR_METHOD_NOT_FOUND, "{}", false);
        reply_accepted("{\"error\":null,\"continues\":null}", NULL, "{}", false);
        reply_accepted("{\"error\":\"a.b.C\",\"continues\":false}", "a.b.C", "{}", false);

        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                reply_refused(refused[i]);
}

/* The formatted text: one NUL, at the end, counted in the length. */
static void check_text(const char *m, size_t len, const char *expected)
{
        ASSERT_EQ(len, strlen(expected) + 1);
        ASSERT_EQ(m[len - 1], 0);
        ASSERT_STREQ(m, expected);
}

TEST(format)
{
        _cleanup_json_ struct json_object *p =
                json("{\"targets\":[\"arm64\"],\"dir\":\"/usr/bin\"}");
        char *m;
        size_t len;

        ASSERT_OK(varlink_format_call("io.binfmtd.GetStatus", NULL, false, &m, &len));
        check_text(m, len, "{\"method\":\"io.binfmtd.GetStatus\",\"parameters\":{}}");
        free(m);
        ASSERT_OK(varlink_format_call("io.binfmtd.Install", p, true, &m, &len));
        check_text(m, len, "{\"method\":\"io.binfmtd.Install\",\"parameters\":"
                           "{\"targets\":[\"arm64\"],\"dir\":\"/usr/bin\"},\"more\":true}");
        free(m);
        ASSERT_OK(varlink_format_reply(NULL, false, &m, &len));
        check_text(m, len, "{\"parameters\":{}}");
        free(m);
        ASSERT_OK(varlink_format_reply(p, true, &m, &len));
        check_text(m, len, "{\"parameters\":{\"targets\":[\"arm64\"],\"dir\":\"/usr/bin\"},"
                           "\"continues\":true}");
        free(m);
        ASSERT_OK(varlink_format_error(VARLINK_ERROR_INVALID_PARAMETER, NULL, &m, NULL));
        ASSERT_STREQ(m, "{\"error\":\"org.varlink.service.InvalidParameter\",\"parameters\":{}}");
        free(m);

        /* Parameters are not consumed: still ours, unchanged, with one reference. */
        ASSERT_STREQ(str(p), "{\"targets\":[\"arm64\"],\"dir\":\"/usr/bin\"}");
        ASSERT_EQ(json_object_put(json_object_get(p)), 0);

        m = (char *)0x1;
        ASSERT_ERROR(varlink_format_call("GetStatus", NULL, false, &m, &len), EINVAL);
        ASSERT_ERROR(varlink_format_call("io.binfmtd.getStatus", NULL, false, &m, &len), EINVAL);
        ASSERT_ERROR(varlink_format_call(NULL, NULL, false, &m, &len), EINVAL);
        ASSERT_ERROR(varlink_format_error("Failed", NULL, &m, &len), EINVAL);
        ASSERT_ERROR(varlink_format_error(NULL, NULL, &m, &len), EINVAL);
        {
                _cleanup_json_ struct json_object *a = json("[1]");
                _cleanup_json_ struct json_object *nan = json_object_new_object();
                _cleanup_json_ struct json_object *nul = json_object_new_object();
                _cleanup_json_ struct json_object *bad = json_object_new_object();

                json_object_object_add(nan, "x", json_object_new_double(NAN));
                json_object_object_add(nul, "x", json_object_new_string_len("a\0b", 3));
                json_object_object_add(bad, "x", json_object_new_string("\xc3"));
                ASSERT_ERROR(varlink_format_reply(a, false, &m, &len), EINVAL);
                ASSERT_ERROR(varlink_format_reply(nan, false, &m, &len), EINVAL);
                ASSERT_ERROR(varlink_format_error("a.b.C", nul, &m, &len), EINVAL);
                ASSERT_ERROR(varlink_format_call("a.b.C", bad, false, &m, &len), EINVAL);
        }
        ASSERT_TRUE(m == (char *)0x1);
}

/* format → frame → parse gives back what went in. */
TEST(round_trip)
{
        static const char *const params[] = {
                "{}",
                "{\"targets\":[\"arm64\",\"riscv64\"]}",
                ("{\"s\":\"\xc3\xa9\\u0001\\\"\\\\/\",\"n\":[1,-2,1.5,true,false,null,{}],"
                 "\"big\":18446744073709551615,\"o\":{\"p\":{\"q\":[[[]]]}}}"),
        };
        _cleanup_(varlink_buffer_done) VarlinkBuffer b = {};

        for (size_t i = 0; i < ELEMENTSOF(params); i++)
                for (int flag = 0; flag < 2; flag++) {
                        _cleanup_json_ struct json_object *p = json(params[i]);
                        _cleanup_free_ char *call = NULL, *reply = NULL, *error = NULL;
                        size_t lc, lr, le;

                        ASSERT_OK(varlink_format_call("io.binfmtd.Watch", p, flag, &call, &lc));
                        ASSERT_OK(varlink_format_reply(p, flag, &reply, &lr));
                        ASSERT_OK(varlink_format_error("io.binfmtd.KernelTooOld", p, &error, &le));
                        /* All three in one stream, split at an awkward place. */
                        ASSERT_OK(varlink_buffer_append(&b, call, lc - 3));
                        ASSERT_OK(varlink_buffer_append(&b, call + lc - 3, 3));
                        ASSERT_OK(varlink_buffer_append(&b, reply, lr));
                        ASSERT_OK(varlink_buffer_append(&b, error, le));

                        {
                                _cleanup_free_ char *m = NULL;
                                _cleanup_(varlink_call_done) VarlinkCall c = {};
                                size_t len;

                                ASSERT_EQ(varlink_buffer_next(&b, &m, &len), 1);
                                ASSERT_EQ(len, lc - 1);
                                ASSERT_OK(varlink_call_parse(m, len, &c));
                                ASSERT_STREQ(c.method, "io.binfmtd.Watch");
                                ASSERT_TRUE(json_object_equal(c.parameters, p));
                                ASSERT_EQ(c.more, flag);
                                ASSERT_FALSE(c.oneway);
                        }
                        {
                                _cleanup_free_ char *m = NULL;
                                _cleanup_(varlink_reply_done) VarlinkReply r = {};
                                size_t len;

                                ASSERT_EQ(varlink_buffer_next(&b, &m, &len), 1);
                                ASSERT_OK(varlink_reply_parse(m, len, &r));
                                ASSERT_NULL(r.error);
                                ASSERT_TRUE(json_object_equal(r.parameters, p));
                                ASSERT_EQ(r.continues, flag);
                        }
                        {
                                _cleanup_free_ char *m = NULL;
                                _cleanup_(varlink_reply_done) VarlinkReply r = {};
                                size_t len;

                                ASSERT_EQ(varlink_buffer_next(&b, &m, &len), 1);
                                ASSERT_OK(varlink_reply_parse(m, len, &r));
                                ASSERT_STREQ(r.error, "io.binfmtd.KernelTooOld");
                                ASSERT_TRUE(json_object_equal(r.parameters, p));
                                ASSERT_FALSE(r.continues);
                        }
                        expect_none(&b);
                }
}

TEST(method_interface)
{
        char buf[32];

        ASSERT_STREQ(varlink_method_interface("io.binfmtd.GetStatus", buf, sizeof(buf)),
                     "io.binfmtd");
        ASSERT_STREQ(varlink_method_interface("org.varlink.service.GetInfo", buf, sizeof(buf)),
                     "org.varlink.service");
        ASSERT_NULL(varlink_method_interface("GetStatus", buf, sizeof(buf)));
        ASSERT_STREQ(varlink_method_interface("io.binfmtd.GetStatus", buf, 11), "io.binfmtd");
        ASSERT_NULL(varlink_method_interface("io.binfmtd.GetStatus", buf, 10));
}

int main(void)
{
        RUN(buffer_split);
        RUN(buffer_several_in_one_chunk);
        RUN(buffer_one_byte_chunks);
        RUN(buffer_limit);
        RUN(buffer_garbage);
        RUN(buffer_linear);
        RUN(call_valid);
        RUN(call_unicode_nested_numbers);
        RUN(call_refused);
        RUN(call_embedded_nul);
        RUN(reply);
        RUN(format);
        RUN(round_trip);
        RUN(method_interface);
        return 0;
}
