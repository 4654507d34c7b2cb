/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * elf-match FILE...: which table entries the kernel would hand each file to. Reads the first 256
 * bytes of a file (what binfmt_misc sees) and prints "FILE: NAME..." with every matching entry,
 * or "FILE: -". Every entry is tried, not just the first, so that an overlap shows up as two
 * names. A test helper: it never registers anything.
 */

#include <fcntl.h>
#include <stdint.h>

#include "target/arch.h"
#include "base/macro.h"

/* The kernel reads this much of a file for binfmt_misc (BINPRM_BUF_SIZE). */
#define HEADER_SIZE 256

static int read_header(const char *path, uint8_t *buf, size_t size, size_t *ret_len)
{
        _cleanup_close_ int fd = -EBADF;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        while (len < size) {
                ssize_t k = read(fd, buf + len, size - len);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += k;
        }

        *ret_len = len;
        return 0;
}

int main(int argc, char *argv[])
{
        const BinfmtArch *t;
        size_t n;
        int ret = EXIT_SUCCESS;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s FILE...\n", argv[0]);
                return EXIT_FAILURE;
        }

        t = arch_table(&n);
        for (int i = 1; i < argc; i++) {
                uint8_t hdr[HEADER_SIZE] = {};
                bool any = false;
                size_t len = 0;
                int r;

                r = read_header(argv[i], hdr, sizeof(hdr), &len);
                if (r < 0) {
                        fprintf(stderr, "%s: Failed to read: %s\n", argv[i], strerror(-r));
                        ret = EXIT_FAILURE;
                        continue;
                }

                printf("%s:", argv[i]);
                for (size_t j = 0; j < n; j++)
                        if (arch_matches(&t[j], hdr, len)) {
                                printf(" %s", t[j].name);
                                any = true;
                        }
                printf("%s\n", any ? "" : " -");
        }

        if (fflush(stdout) != 0) {
                fprintf(stderr, "Failed to write output: %m\n");
                return EXIT_FAILURE;
        }
        return ret;
}
