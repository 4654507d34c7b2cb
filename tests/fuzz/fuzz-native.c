/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the per-boot cache of what the kernel runs natively: parse the input for the
 * candidates of an x86-64 host (i386) and of a mips64el one (six targets, one with a probe). An
 * accepted text must give conclusive outcomes only, and formatting the report built from them
 * must give a text that parses to the same outcomes.
 */

#include <stdint.h>

#include "base/macro.h"
#include "verify/native.h"
#include "verify/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *machine, const char *exe, const char *text)
{
        const BinfmtArch *c[NATIVE_MAX];
        ProbeOutcome out[NATIVE_MAX], again[NATIVE_MAX];
        const ProbeOutcome *p[NATIVE_MAX] = {};
        _cleanup_free_ uint8_t *img = NULL;
        _cleanup_free_ char *formatted = NULL;
        NativeReport r;
        HostInfo h;
        size_t n, isize;
        int q;

        if (probe_build(arch_by_name(exe), &img, &isize) < 0 ||
            host_detect(machine, img, isize, &h) < 0)
                abort();
        n = native_candidates(&h, c, NATIVE_MAX);

        q = native_cache_parse(text, "boot", c, n, out);
        if (q < 0) {
                if (q != -EBADMSG && q != -ESTALE)
                        abort();
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (!probe_supported(c[i]))
                        continue;
                if (out[i].result != PROBE_OK && out[i].result != PROBE_NO_HANDLER &&
                    out[i].result != PROBE_CRASHED && out[i].result != PROBE_WRONG_EXIT)
                        abort();
                p[i] = &out[i];
        }
        native_report_build(&h, c, p, n, &r);
        q = native_cache_format(&r, "boot", &formatted);
        if (q == -ENOMEM)
                return;
        if (q < 0 || native_cache_parse(formatted, "boot", c, n, again) < 0)
                abort();
        for (size_t i = 0; i < n; i++)
                if (p[i] && (again[i].result != out[i].result ||
                             again[i].exit_code != out[i].exit_code ||
                             again[i].signal != out[i].signal || again[i].error != out[i].error))
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = NULL;

        /* The reader takes a string, as read from a file of at most 4 KiB. */
        if (size > 4096)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        one("x86_64", "x86_64", text);
        one("mips64", "mips64el", text);
        return 0;
}
