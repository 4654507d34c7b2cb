/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a fuzz target's stored corpus as an ordinary test: every file under the directories
 * (or the files) given on the command line is fed to LLVMFuzzerTestOneInput() once. Built in
 * place of libFuzzer's main, so the corpus runs in every build, sanitizers included.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, unsigned *count)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        /* Fuzz inputs are small; refuse anything that is clearly not one. */
        if (st.st_size > 1 << 20) {
                fprintf(stderr, "%s: too large for a corpus file\n", path);
                return -EFBIG;
        }
        buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + n, st.st_size - n);
                if (k < 0) {
                        fprintf(stderr, "%s: %m\n", path);
                        return -errno;
                }
                if (k == 0)
                        break;
                n += k;
        }
        LLVMFuzzerTestOneInput(buf, n);
        (*count)++;
        return 0;
}

static int replay_path(const char *path, unsigned *count)
{
        struct dirent **names = NULL;
        struct stat st;
        int n, r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        if (!S_ISDIR(st.st_mode))
                return replay_file(path, count);

        n = scandir(path, &names, NULL, alphasort);
        if (n < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        for (int i = 0; i < n; i++) {
                if (names[i]->d_name[0] != '.') {
                        _cleanup_free_ char *p = NULL;
                        if (asprintf(&p, "%s/%s", path, names[i]->d_name) < 0)
                                r = -ENOMEM;
                        else if (replay_path(p, count) < 0)
                                r = -EIO;
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char *argv[])
{
        unsigned count = 0;
        int r = 0;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s CORPUS-DIR|FILE...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (replay_path(argv[i], &count) < 0)
                        r = 1;
        if (count == 0) {
                fprintf(stderr, "No corpus files found: a replay that runs nothing proves nothing.\n");
                return 1;
        }
        printf("%u inputs replayed\n", count);
        return r;
}
