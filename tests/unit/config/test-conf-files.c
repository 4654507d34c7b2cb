/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "config/conf-files.h"
#include "base/strv.h"
#include "tests.h"

static char root[] = "/tmp/test-conf-files.XXXXXX";

static void cleanup_root(void)
{
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        (void)!system(cmd);
}

static void touch(const char *rel)
{
        char p[256], cmd[700];

        snprintf(p, sizeof(p), "%s%s", root, rel);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && : > '%s'", p, p);
        ASSERT_EQ(system(cmd), 0);
}

static const char *rel(const char *p)
{
        return p + strlen(root);
}

TEST(empty_root)
{
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_OK(conf_files_list(root, &l));
        ASSERT_NOT_NULL(l);
        ASSERT_EQ(strv_length(l), 0);
}

TEST(layering)
{
        _cleanup_strv_free_ char **l = NULL;

        touch("/usr/lib/binfmtd/binfmtd.conf");
        touch("/etc/binfmtd/binfmtd.conf");
        touch("/usr/lib/binfmtd/binfmtd.conf.d/10-vendor.conf");
        touch("/usr/lib/binfmtd/binfmtd.conf.d/50-both.conf");
        touch("/run/binfmtd/binfmtd.conf.d/20-runtime.conf");
        touch("/run/binfmtd/binfmtd.conf.d/50-both.conf");
        touch("/etc/binfmtd/binfmtd.conf.d/50-both.conf");
        touch("/etc/binfmtd/binfmtd.conf.d/90-local.conf");
        touch("/etc/binfmtd/binfmtd.conf.d/README");         /* not *.conf */
        touch("/etc/binfmtd/binfmtd.conf.d/.hidden.conf");   /* hidden */

        ASSERT_OK(conf_files_list(root, &l));
        ASSERT_EQ(strv_length(l), 6);
        /* Main files first, /usr/lib before /etc. */
        ASSERT_STREQ(rel(l[0]), "/usr/lib/binfmtd/binfmtd.conf");
        ASSERT_STREQ(rel(l[1]), "/etc/binfmtd/binfmtd.conf");
        /* Drop-ins by file name across directories; /etc hides /run hides /usr/lib. */
        ASSERT_STREQ(rel(l[2]), "/usr/lib/binfmtd/binfmtd.conf.d/10-vendor.conf");
        ASSERT_STREQ(rel(l[3]), "/run/binfmtd/binfmtd.conf.d/20-runtime.conf");
        ASSERT_STREQ(rel(l[4]), "/etc/binfmtd/binfmtd.conf.d/50-both.conf");
        ASSERT_STREQ(rel(l[5]), "/etc/binfmtd/binfmtd.conf.d/90-local.conf");
}

int main(void)
{
        ASSERT_NOT_NULL(mkdtemp(root));
        atexit(cleanup_root);
        RUN(empty_root);
        RUN(layering);
        return 0;
}
