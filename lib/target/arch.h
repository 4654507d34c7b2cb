/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The architecture table: every QEMU linux-user target binfmtd knows, with the bytes the kernel
 * matches (magic and mask at offset 0), the target's family (targets of the host's family are
 * never registered) and its OCI names.
 */

#define ARCH_MAGIC_MAX 256 /* BINPRM_BUF_SIZE: a configured target may use all of it */

typedef struct BinfmtArch {
        const char *name;          /* QEMU target name: "aarch64"; entry "qemu-aarch64" */
        const char *family;        /* QEMU family: "arm" (aarch64 and arm share it) */
        const char *oci_arch;      /* OCI/GOARCH name ("arm64"), NULL when OCI has none */
        const char *const *oci_variants; /* variants listed as platforms, NULL-terminated or NULL */
        const char *const *aliases;      /* other accepted names, NULL-terminated or NULL */
        uint8_t elf_class;         /* ELFCLASS32 / ELFCLASS64 */
        uint8_t elf_data;          /* ELFDATA2LSB / ELFDATA2MSB */
        uint16_t e_machine;        /* EM_* */
        const char *entry_name;    /* binfmt_misc entry name; NULL: "qemu-<name>" */
        unsigned offset;           /* where magic is compared; 0 for every table entry */
        size_t len;                /* bytes in magic and mask */
        uint8_t magic[ARCH_MAGIC_MAX];
        uint8_t mask[ARCH_MAGIC_MAX];
} BinfmtArch;

/**
 * arch_table() - the whole table, in a stable order.
 * @ret_n: number of entries.
 */
const BinfmtArch *arch_table(size_t *ret_n);

/**
 * arch_by_name() - look up a target by its exact QEMU name ("aarch64"), case-sensitive.
 * Returns NULL when unknown. User input goes through platform_resolve() instead.
 */
const BinfmtArch *arch_by_name(const char *name);

/**
 * arch_matches() - whether @hdr (the first @len bytes of a file) matches the target's magic and
 * mask as the kernel would test it: (hdr[offset + i] ^ magic[i]) & mask[i] == 0 for every byte.
 */
bool arch_matches(const BinfmtArch *a, const uint8_t *hdr, size_t len);

/**
 * arch_find_by_header() - the table entry whose magic/mask matches @hdr, or NULL. The table is
 * built so that at most one entry matches any real ELF header; the unit test checks it.
 */
const BinfmtArch *arch_find_by_header(const uint8_t *hdr, size_t len);

/**
 * arch_same() - whether @a and @b are the same target. Configured targets may be copies of
 * table entries (a [target:NAME] section with Magic=), so by name; NULL is no target.
 */
bool arch_same(const BinfmtArch *a, const BinfmtArch *b);

/**
 * arch_entry_name() - the binfmt_misc entry name binfmtd uses for @a ("qemu-aarch64", or a
 * configured target's own name), written to @buf of @size bytes. Returns @buf.
 */
const char *arch_entry_name(const BinfmtArch *a, char *buf, size_t size);

#define ARCH_ENTRY_NAME_MAX 80
