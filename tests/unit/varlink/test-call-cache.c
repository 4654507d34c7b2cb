/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "tests.h"
#include "varlink/call-cache.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Looks @text up in @cache and checks the call is what a fresh parse makes of it. */
static void expect_same_as_parse(VarlinkCallCache *cache, const char *text)
{
        VarlinkCall fresh = {}, got = {};

        ASSERT_OK(varlink_call_parse(text, strlen(text), &fresh));
        ASSERT_OK(varlink_call_cache_parse(cache, text, strlen(text), &got));
        ASSERT_STREQ(got.method, fresh.method);
        ASSERT_STREQ(json_object_to_json_string_ext(got.parameters, FLAGS),
                     json_object_to_json_string_ext(fresh.parameters, FLAGS));
        ASSERT_EQ(got.more, fresh.more);
        ASSERT_EQ(got.oneway, fresh.oneway);
        varlink_call_done(&fresh);
        varlink_call_done(&got);
}

TEST(same_bytes_hit)
{
        _cleanup_(varlink_call_cache_done) VarlinkCallCache cache = {};
        const char *a = "{\"method\":\"io.binfmtd.GetStatus\"}";
        const char *b = "{\"method\": \"io.binfmtd.Install\", \"parameters\": {\"targets\": "
                        "[\"arm64\"], \"force\": true}, \"more\": false}";

        expect_same_as_parse(&cache, a);
        ASSERT_EQ(cache.hits, 0u);
        expect_same_as_parse(&cache, a);
        ASSERT_EQ(cache.hits, 1u);
        expect_same_as_parse(&cache, b);
        expect_same_as_parse(&cache, b);
        expect_same_as_parse(&cache, a);
        ASSERT_EQ(cache.hits, 3u);
}

/* Only the very same bytes: a space, a prefix, other parameters are parsed on their own. */
TEST(other_bytes_miss)
{
        _cleanup_(varlink_call_cache_done) VarlinkCallCache cache = {};

        expect_same_as_parse(&cache, "{\"method\":\"io.binfmtd.Watch\",\"more\":true}");
        expect_same_as_parse(&cache, "{\"method\":\"io.binfmtd.Watch\",\"more\":false}");
        expect_same_as_parse(&cache, "{\"method\":\"io.binfmtd.Watch\", \"more\":true}");
        expect_same_as_parse(&cache, "{\"method\":\"io.binfmtd.Watch\",\"oneway\":true}");
        ASSERT_EQ(cache.hits, 0u);
}

/* What does not parse is refused every time and takes no entry. */
TEST(refused_not_cached)
{
        _cleanup_(varlink_call_cache_done) VarlinkCallCache cache = {};
        const char *bad[] = {
                "{\"method\":\"io.binfmtd.GetStatus\"",
                "{\"method\":\"GetStatus\"}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"more\":true,\"oneway\":true}",
                "{\"method\":\"io.binfmtd.GetStatus\",\"x\":1}",
        };
        VarlinkCall c = {};

        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                        ASSERT_ERROR(varlink_call_cache_parse(&cache, bad[i], strlen(bad[i]), &c),
                                     EBADMSG);
        ASSERT_EQ(cache.hits, 0u);
        for (size_t i = 0; i < VARLINK_CALL_CACHE_ENTRIES; i++)
                ASSERT_NULL(cache.entries[i].message);
}

/* Long calls are parsed each time, and never kept. */
TEST(long_not_cached)
{
        _cleanup_(varlink_call_cache_done) VarlinkCallCache cache = {};
        char text[VARLINK_CALL_CACHE_MESSAGE_MAX + 64];
        int n = snprintf(text, sizeof(text),
                         "{\"method\":\"io.binfmtd.Install\",\"parameters\":"
                         "{\"targets\":[\"");

        memset(text + n, 'a', sizeof(text) - (size_t)n);
        strcpy(text + sizeof(text) - 5, "\"]}}");
        ASSERT_TRUE(strlen(text) > VARLINK_CALL_CACHE_MESSAGE_MAX);
        expect_same_as_parse(&cache, text);
        expect_same_as_parse(&cache, text);
        ASSERT_EQ(cache.hits, 0u);
        ASSERT_NULL(cache.entries[0].message);
}

/* A new call takes the place of the one used least recently. */
TEST(least_recently_used_goes)
{
        _cleanup_(varlink_call_cache_done) VarlinkCallCache cache = {};
        char text[VARLINK_CALL_CACHE_ENTRIES + 1][64];

        for (size_t i = 0; i <= VARLINK_CALL_CACHE_ENTRIES; i++)
                snprintf(text[i], sizeof(text[i]), "{\"method\":\"io.binfmtd.M%zu\"}", i);
        for (size_t i = 0; i < VARLINK_CALL_CACHE_ENTRIES; i++)
                expect_same_as_parse(&cache, text[i]);
        expect_same_as_parse(&cache, text[0]); /* M0 used again: M1 is now the oldest */
        ASSERT_EQ(cache.hits, 1u);
        expect_same_as_parse(&cache, text[VARLINK_CALL_CACHE_ENTRIES]); /* evicts M1 */
        ASSERT_EQ(cache.hits, 1u);
        expect_same_as_parse(&cache, text[0]);
        ASSERT_EQ(cache.hits, 2u);
        expect_same_as_parse(&cache, text[1]);
        ASSERT_EQ(cache.hits, 2u);
}

/* The caller's call is its own: freeing it leaves the cached parse intact. */
TEST(caller_owns_its_call)
{
        _cleanup_(varlink_call_cache_done) VarlinkCallCache cache = {};
        const char *t =
                "{\"method\":\"io.binfmtd.Install\",\"parameters\":{\"targets\":[\"riscv64\"]}}";
        VarlinkCall c = {};
        struct json_object *v;

        for (int i = 0; i < 3; i++) {
                ASSERT_OK(varlink_call_cache_parse(&cache, t, strlen(t), &c));
                ASSERT_STREQ(c.method, "io.binfmtd.Install");
                ASSERT_TRUE(json_object_object_get_ex(c.parameters, "targets", &v));
                ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 0)), "riscv64");
                varlink_call_done(&c);
        }
        ASSERT_EQ(cache.hits, 2u);
}

int main(void)
{
        RUN(same_bytes_hit);
        RUN(other_bytes_miss);
        RUN(refused_not_cached);
        RUN(long_not_cached);
        RUN(least_recently_used_goes);
        RUN(caller_owns_its_call);
        return 0;
}
