/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/arch.h"

/*
 * Probe programs: for each target with a known instruction encoding, a minimal static ELF
 * executable built in memory that exits with a distinctive code. Running one proves a platform
 * works by execution. Pure: building bytes only; running them is the runner's business.
 *
 * The amd64 probe reports the x86-64 microarchitecture level it finds (CPUID), so
 * linux/amd64/v2.. are reported as the CPU or the emulator really supports them.
 */

#define PROBE_EXIT_CODE        42  /* every probe but amd64's */
#define PROBE_EXIT_LEVEL_BASE  64  /* amd64: exits 64 + level (65 = v1 ... 68 = v4) */

/**
 * probe_supported() - whether a probe exists for @a.
 */
bool probe_supported(const BinfmtArch *a);

/**
 * probe_build() - the probe for @a, newly allocated, in @ret (@ret_size bytes): one PT_LOAD
 * segment (R+X) at a fixed address, no section headers, e_type ET_EXEC, the target's class,
 * byte order, machine and e_flags, code that calls exit_group with the probe's code.
 * Returns 0, -EOPNOTSUPP when no probe exists for @a, -ENOMEM.
 */
int probe_build(const BinfmtArch *a, uint8_t **ret, size_t *ret_size);

/**
 * probe_exit_ok() - whether @exit_code is a success for @a's probe; for amd64 also the level
 * (1..4) in @ret_level (may be NULL; 0 for other targets).
 */
bool probe_exit_ok(const BinfmtArch *a, int exit_code, unsigned *ret_level);
