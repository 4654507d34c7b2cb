/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "verify/system.h"
#include "tests.h"

TEST(uid_map)
{
        ASSERT_TRUE(system_uid_map_is_initial("         0          0 4294967295\n"));
        ASSERT_TRUE(system_uid_map_is_initial("0 0 4294967295"));
        /* unshare --map-root-user */
        ASSERT_FALSE(system_uid_map_is_initial("         0          0          1\n"));
        ASSERT_FALSE(system_uid_map_is_initial("0 100000 65536\n"));
        ASSERT_FALSE(system_uid_map_is_initial("0 0 4294967295\n1000 1000 1\n"));
        ASSERT_FALSE(system_uid_map_is_initial(""));
        ASSERT_FALSE(system_uid_map_is_initial("garbage"));
}

TEST(probe_running_system)
{
        SystemInfo s;

        ASSERT_OK(system_probe("/proc", &s));
        /* Whatever machine runs the tests is one binfmtd knows, with a kernel it understands. */
        ASSERT_OK(s.kernel_r);
        ASSERT_OK(s.host_r);
        ASSERT_NOT_NULL(s.host.arch);
        ASSERT_TRUE(host_is_native(&s.host, s.host.arch));
        ASSERT_EQ(s.self_header[0], 0x7f);
        ASSERT_ERROR(system_probe("/nonexistent", &s), ENOENT);
}

int main(void)
{
        RUN(uid_map);
        RUN(probe_running_system);
        return 0;
}
