/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the running system once: kernel release, the executable's own ELF header (the
 * native platform), the user namespace we are in and the boot. The caller passes the proc root.
 * What the kernel runs natively is measured apart (system_measure_native()): it runs probes.
 */

#include <fcntl.h>
#include <inttypes.h>

#include "base/macro.h"
#include "verify/system.h"

int system_measure_native(SystemInfo *s, const char *workdir, const char *cache_path)
{
        if (s->host_r < 0)
                return 0;
        return native_measure(&s->host, workdir, cache_path, s->boot_id,
                              SYSTEM_NATIVE_TIMEOUT_USEC, &s->native);
}

bool system_uid_map_is_initial(const char *text)
{
        uint64_t a, b, c;
        int n = 0;

        /* Exactly one line mapping every id onto itself. */
        if (sscanf(text, " %" SCNu64 " %" SCNu64 " %" SCNu64 " %n", &a, &b, &c, &n) != 3)
                return false;
        return a == 0 && b == 0 && c == UINT32_MAX && text[n] == '\0';
}

static int read_at(const char *root, const char *file, void *buf, size_t size, size_t *ret_len)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *p = NULL;
        ssize_t n;

        if (asprintf(&p, "%s/%s", root, file) < 0)
                return -ENOMEM;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size);
        if (n < 0)
                return -errno;
        *ret_len = n;
        return 0;
}

int system_probe(const char *proc_root, SystemInfo *ret)
{
        SystemInfo s = {};
        char map[256];
        size_t len;
        int r;

        if (uname(&s.uts) < 0)
                return -errno;
        s.kernel_r = kernel_parse_release(s.uts.release, &s.kernel);

        r = read_at(proc_root, "self/exe", s.self_header, sizeof(s.self_header), &len);
        if (r < 0)
                return r;
        s.host_r = host_detect(s.uts.machine, s.self_header, len, &s.host);

        r = read_at(proc_root, "self/uid_map", map, sizeof(map) - 1, &len);
        if (r < 0)
                return r;
        map[len] = '\0';
        s.initial_userns = system_uid_map_is_initial(map);

        /* Optional: without it nothing is cached across commands. */
        if (read_at(proc_root, "sys/kernel/random/boot_id", s.boot_id, sizeof(s.boot_id) - 1,
                    &len) >= 0) {
                s.boot_id[len] = '\0';
                s.boot_id[strcspn(s.boot_id, " \n")] = '\0';
        } else
                s.boot_id[0] = '\0';

        /* Until measured, the native families are what binfmtd treats as native. */
        if (s.host_r >= 0) {
                const BinfmtArch *cands[NATIVE_MAX];
                size_t n = native_candidates(&s.host, cands, NATIVE_MAX);

                native_report_build(&s.host, cands, NULL, n, &s.native);
        }

        *ret = s;
        return 0;
}
