/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Listing configuration files in the order they apply. Only names and existence: parsing is
 * config.c's.
 */

#include <dirent.h>
#include <sys/stat.h>

#include "config/conf-files.h"
#include "base/strv.h"

static const char *const main_dirs[] = { "/usr/lib/binfmtd", "/etc/binfmtd" };
/* Lowest priority first: a later directory hides a drop-in of the same name in an earlier one. */
static const char *const dropin_dirs[] = { "/usr/lib/binfmtd", "/run/binfmtd", "/etc/binfmtd" };

static int join(const char *root, const char *dir, const char *name, char **ret)
{
        if (asprintf(ret, "%s%s%s%s", root, dir, name ? "/" : "", strempty(name)) < 0)
                return -ENOMEM;
        return 0;
}

static bool is_regular(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_base(const void *a, const void *b)
{
        const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');
        return strcmp(x, y);
}

int conf_files_list(const char *root, char ***ret)
{
        _cleanup_strv_free_ char **files = NULL, **dropins = NULL;
        int r;

        if (!root || streq(root, "/"))
                root = "";

        for (size_t i = 0; i < ELEMENTSOF(main_dirs); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s%s/binfmtd.conf", root, main_dirs[i]) < 0)
                        return -ENOMEM;
                if (is_regular(p) && strv_push(&files, TAKE_PTR(p)) < 0)
                        return -ENOMEM;
        }

        for (size_t i = 0; i < ELEMENTSOF(dropin_dirs); i++) {
                _cleanup_free_ char *d = NULL;
                struct dirent **names = NULL;
                int n;

                r = join(root, dropin_dirs[i], "binfmtd.conf.d", &d);
                if (r < 0)
                        return r;
                n = scandir(d, &names, NULL, alphasort);
                if (n < 0) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        return -errno;
                }
                for (int k = 0; k < n; k++) {
                        const char *name = names[k]->d_name;
                        size_t l = strlen(name);
                        _cleanup_free_ char *p = NULL;

                        if (name[0] == '.' || l < 6 || !streq(name + l - 5, ".conf"))
                                goto next;
                        if (join(d, "", name, &p) < 0) {
                                r = -ENOMEM;
                                goto next;
                        }
                        if (!is_regular(p))
                                goto next;
                        /* A later directory's file of the same name hides the earlier one. */
                        for (size_t j = 0; dropins && dropins[j]; j++)
                                if (streq(strrchr(dropins[j], '/') + 1, name)) {
                                        free(dropins[j]);
                                        dropins[j] = TAKE_PTR(p);
                                        break;
                                }
                        if (p && strv_push(&dropins, TAKE_PTR(p)) < 0)
                                r = -ENOMEM;
                next:
                        free(names[k]);
                }
                free(names);
                if (r < 0)
                        return r;
        }

        if (dropins) {
                qsort(dropins, strv_length(dropins), sizeof(char *), cmp_base);
                STRV_FOREACH(p, dropins)
                        if (strv_push(&files, TAKE_PTR(*p)) < 0)
                                return -ENOMEM;
        }
        if (!files && !(files = calloc(1, sizeof(char *))))
                return -ENOMEM;

        *ret = TAKE_PTR(files);
        return 0;
}
