/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * The running kernel's release and the binfmt_misc features it implies. Pure: the caller
 * passes uname()'s release string.
 */

typedef struct KernelInfo {
        unsigned major, minor, patch;
        bool fix_binary;        /* F flag, 4.8 */
        unsigned buf_size;      /* BINPRM_BUF_SIZE: 256 since 5.1, 128 before */
        bool argv0_auxv;        /* AT_FLAGS_PRESERVE_ARGV0 tells the interpreter about P, 5.12 */
        bool userns_instances;  /* one binfmt_misc instance per user namespace, 6.7 */
} KernelInfo;

/**
 * kernel_parse_release() - parse "6.18.44-fc-v657", "4.8.0", "2.6.32-5-amd64", "5.1".
 * Returns 0, or -EINVAL when the string does not start with MAJOR.MINOR.
 */
int kernel_parse_release(const char *release, KernelInfo *ret);

/**
 * kernel_format_features() - "F flag; 256-byte header buffer; P reported to the interpreter;
 * per-user-namespace instances" style summary of the features, into @buf.
 */
const char *kernel_format_features(const KernelInfo *k, char *buf, size_t size);
