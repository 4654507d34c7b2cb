/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "base/report.h"
#include "tests.h"

TEST(lines_and_json_round_trip)
{
        _cleanup_(report_done) Report r = {}, back = {};
        struct json_object *j;

        ASSERT_NULL(report_first_error_id(&r));
        ASSERT_EQ(report_info(&r, "qemu-%s: registered.", "aarch64"), 0);
        ASSERT_FALSE(r.failed);
        ASSERT_EQ(report_error(&r, NULL, "plain failure %d", 1), 1);
        ASSERT_STREQ(report_first_error_id(&r), "io.binfmtd.Failed");
        ASSERT_EQ(report_error(&r, BINFMTD_ERROR("UnknownTarget"), "bogus: unknown target"), 2);
        ASSERT_TRUE(r.failed);
        ASSERT_STREQ(report_first_error_id(&r), "io.binfmtd.UnknownTarget");

        ASSERT_OK(report_to_json(&r, &j));
        ASSERT_OK(report_from_json(j, &back));
        json_object_put(j);
        ASSERT_EQ(back.n, 3);
        ASSERT_TRUE(back.failed);
        ASSERT_FALSE(back.lines[0].error);
        ASSERT_STREQ(back.lines[0].text, "qemu-aarch64: registered.");
        ASSERT_NULL(back.lines[1].id);
        ASSERT_STREQ(back.lines[2].id, "io.binfmtd.UnknownTarget");
        ASSERT_STREQ(back.lines[2].text, "bogus: unknown target");
}

TEST(from_json_refuses_bad_shapes)
{
        static const char *const bad[] = {
                "[]",
                "{}",
                "{\"messages\": 1}",
                "{\"messages\": [1]}",
                "{\"messages\": [{\"error\": 1, \"text\": \"x\"}]}",
                "{\"messages\": [{\"error\": true}]}",
                "{\"messages\": [{\"error\": true, \"text\": \"x\", \"id\": 5}]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct json_object *j = json_tokener_parse(bad[i]);
                Report r = {};

                ASSERT_NOT_NULL(j);
                ASSERT_ERROR(report_from_json(j, &r), EBADMSG);
                json_object_put(j);
        }
}

int main(void)
{
        RUN(lines_and_json_round_trip);
        RUN(from_json_refuses_bad_shapes);
        return 0;
}
