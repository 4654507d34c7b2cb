/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for lib/target/elf.c: every input goes through elf_parse_header() and elf_parse() in
 * memory and through elf_read_fd() from a memfd. Beyond the sanitizers' findings, it aborts when
 * the two whole-image paths disagree, when the header-only parse contradicts the full one, or
 * when a failing call wrote its output.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "target/elf.h"
#include "base/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_header(const ElfInfo *a, const ElfInfo *b)
{
        return a->elf_class == b->elf_class && a->elf_data == b->elf_data && a->osabi == b->osabi &&
               a->type == b->type && a->machine == b->machine && a->flags == b->flags;
}

static bool same_info(const ElfInfo *a, const ElfInfo *b)
{
        return same_header(a, b) && a->has_interp == b->has_interp &&
               a->has_dynamic == b->has_dynamic;
}

/* Parsing memory neither allocates nor does I/O: only these two failures can come back. */
static bool parse_error(int r)
{
        return r == -EBADMSG || r == -ENODATA;
}

static bool untouched(const ElfInfo *i)
{
        static const uint8_t pattern[sizeof(ElfInfo)] = {[0 ... sizeof(ElfInfo) - 1] = 0xa5};

        return memcmp(i, pattern, sizeof(*i)) == 0;
}

/* One memfd for the whole run: a fuzzer calls this target millions of times. */
static int input_fd(const uint8_t *data, size_t size)
{
        static int fd = -EBADF;
        size_t n = 0;

        if (fd < 0) {
                fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
                if (fd < 0)
                        abort();
        }
        if (ftruncate(fd, 0) < 0)
                abort();
        while (n < size) {
                ssize_t k = pwrite(fd, data + n, size - n, n);

                if (k <= 0)
                        abort();
                n += k;
        }
        return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        ElfInfo h, a, b;
        int rh, ra, rb;

        memset(&h, 0xa5, sizeof(h));
        memset(&a, 0xa5, sizeof(a));
        memset(&b, 0xa5, sizeof(b));

        rh = elf_parse_header(data, size, &h);
        ra = elf_parse(data, size, &a);
        rb = elf_read_fd(input_fd(data, size), &b);

        if ((rh < 0 && !parse_error(rh)) || (ra < 0 && !parse_error(ra)))
                abort();

        /* The header-only parse sees less, so it may accept more, never less. */
        if (ra == 0 && rh != 0)
                abort();
        if (rh == 0) {
                if (h.has_interp || h.has_dynamic)
                        abort();
                (void)elf_machine_name(h.machine);
        } else if (!untouched(&h))
                abort();
        if (ra == 0 && !same_header(&a, &h))
                abort();

        /* Reading from a file must judge exactly as parsing the same bytes in memory. */
        if (rb == -ENOMEM)
                return 0;
        if (ra != rb)
                abort();
        if (ra == 0 && !same_info(&a, &b))
                abort();
        if (ra < 0 && (!untouched(&a) || !untouched(&b)))
                abort();

        return 0;
}
