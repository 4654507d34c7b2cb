/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/arch.h"

/*
 * The native platform: which table entry the host's own programs are, and which families are
 * native. binfmtd never registers a target the kernel runs itself: binfmt_misc is consulted
 * before the ELF loader, so such an entry would hand every native program to an emulator.
 * Within the native families, what the kernel runs is measured (native.c): the targets found
 * not to run natively (i386 without IA32 emulation) are listed in @emulated and count as
 * foreign.
 *
 * Pure: the caller passes uname()'s machine and the first bytes of its own executable.
 */

#define HOST_EMULATED_MAX 16

typedef struct HostInfo {
        char machine[65];            /* uname -m as given */
        const BinfmtArch *arch;      /* from the executable's ELF header (NULL if unknown) */
        const BinfmtArch *kernel_arch; /* from uname -m (NULL if unknown) */
        uint8_t elf_class, elf_data;
        uint16_t e_machine;
        /* Targets of a native family the kernel was measured not to run: QEMU may serve them. */
        const BinfmtArch *emulated[HOST_EMULATED_MAX];
        size_t n_emulated;
} HostInfo;

/**
 * host_detect() - fill @ret from @uname_machine and @self_hdr (at least the 64-byte ELF header
 * of the running program, e.g. read from /proc/self/exe by the caller).
 *
 * Returns 0 on success, -EINVAL when @self_hdr is not an ELF header, -EOPNOTSUPP when neither
 * the executable nor the kernel's machine name is in the table (an unknown host must not mean
 * "register everything").
 */
int host_detect(const char *uname_machine, const uint8_t *self_hdr, size_t len, HostInfo *ret);

/**
 * host_arch_from_machine() - the table entry for a uname -m string ("x86_64", "i686",
 * "armv7l", "aarch64", "ppc64le", "mips64", ...), or NULL.
 */
const BinfmtArch *host_arch_from_machine(const char *machine);

/**
 * host_in_native_family() - whether @a belongs to a native family of @h (the executable's or
 * the kernel's), whatever was measured.
 */
bool host_in_native_family(const HostInfo *h, const BinfmtArch *a);

/**
 * host_is_native() - whether @a must never be registered: it is of a native family and was not
 * measured to need QEMU (see @emulated). The host's own target is always native.
 */
bool host_is_native(const HostInfo *h, const BinfmtArch *a);

/**
 * host_set_emulated() - record that the kernel does not run @a's programs although @a is of a
 * native family. Ignored for the host's own target, for other families, and when full.
 */
void host_set_emulated(HostInfo *h, const BinfmtArch *a);
