/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Machine numbers the C library's <elf.h> may not name yet. */
#ifndef EM_HEXAGON
#define EM_HEXAGON 164 /* EM_QDSP6 in older C libraries */
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

/*
 * ELF header inspection of untrusted files: class, byte order, type, machine, and whether the
 * program asks for a dynamic loader (PT_INTERP). Bounded reads only; never trusts e_phoff,
 * e_phnum or e_phentsize beyond the file.
 */

#define ELF_PHDR_MAX 256 /* more program headers than this: refused as implausible */

typedef struct ElfInfo {
        uint8_t elf_class;   /* ELFCLASS32 / ELFCLASS64 */
        uint8_t elf_data;    /* ELFDATA2LSB / ELFDATA2MSB */
        uint8_t osabi;
        uint16_t type;       /* ET_EXEC, ET_DYN, ... */
        uint16_t machine;    /* EM_* */
        uint32_t flags;      /* e_flags */
        uint64_t entry;      /* e_entry: 0 for a shared library, which is not a program */
        bool has_interp;     /* a PT_INTERP program header: dynamically linked */
        bool has_dynamic;    /* a PT_DYNAMIC program header (static-pie has one, but no PT_INTERP) */
} ElfInfo;

/**
 * elf_parse_header() - parse the ELF header in @buf (@len bytes; at least 52 or 64). Does not
 * look at program headers: has_interp and has_dynamic are false.
 * Returns 0, -EBADMSG if not ELF or malformed, -ENODATA if too short.
 */
int elf_parse_header(const uint8_t *buf, size_t len, ElfInfo *ret);

/**
 * elf_parse() - parse the header and the program headers of a whole file image in @buf.
 * Returns 0, -EBADMSG if malformed (program headers outside the image, absurd counts),
 * -ENODATA if too short.
 */
int elf_parse(const uint8_t *buf, size_t len, ElfInfo *ret);

/**
 * elf_read_fd() - like elf_parse() but reads only what it needs from @fd with pread().
 * Returns 0, -EBADMSG, -ENODATA, or -errno from reading.
 */
int elf_read_fd(int fd, ElfInfo *ret);

/**
 * elf_machine_name() - short name of an EM_* value ("AArch64", "x86-64"), or NULL.
 */
const char *elf_machine_name(uint16_t machine);
