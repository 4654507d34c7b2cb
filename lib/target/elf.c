/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ELF header inspection. Owns reading the ELF header and the program-header table of untrusted
 * files, for both classes and both byte orders, and the EM_* name table. Every multi-byte field
 * is converted by the file's EI_DATA, never by host order, and every offset and count is checked
 * against the image before it is used. It must not map, execute or read anything beyond the
 * header and the program-header table, and must not log.
 */

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>

#include "target/elf.h"
#include "base/macro.h"

/* The old MicroBlaze number, still accepted by the kernel and by QEMU next to EM_MICROBLAZE. */
#define EM_MICROBLAZE_OLD 0xbaab

/* Where the program-header table is, as the header claims; checked by check_phdr_table(). */
typedef struct PhdrTable {
        uint64_t offset;
        uint16_t count;
        uint16_t entsize;
} PhdrTable;

static uint64_t get_uint(const uint8_t *p, size_t size, uint8_t data)
{
        uint64_t v = 0;

        for (size_t i = 0; i < size; i++)
                v = v << 8 | p[data == ELFDATA2LSB ? size - 1 - i : i];
        return v;
}

/* Reads a field of an ELF structure at @p, in the byte order @data, whatever the host's. */
#define GET_FIELD(p, data, type, member)                                                           \
        get_uint((const uint8_t *)(p) + offsetof(type, member),                                    \
                 sizeof(((const type *)NULL)->member), (data))

static size_t ehdr_size(uint8_t elf_class)
{
        return elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
}

static size_t phdr_size(uint8_t elf_class)
{
        return elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
}

/*
 * Parses the ELF header at the start of @buf. Looks at no more than the header itself, so a
 * caller holding only the first bytes of a file gets the same answer as one holding all of it.
 */
static int parse_ehdr(const uint8_t *buf, size_t len, ElfInfo *ret_info, PhdrTable *ret_table)
{
        uint8_t elf_class, data;

        assert(buf || len == 0);

        if (len == 0)
                return -ENODATA;
        /* A short file that is not ELF (a two-byte "#!") is "not ELF" rather than "too short". */
        if (memcmp(buf, ELFMAG, len < SELFMAG ? len : SELFMAG) != 0)
                return -EBADMSG;
        if (len < EI_NIDENT)
                return -ENODATA;

        elf_class = buf[EI_CLASS];
        data = buf[EI_DATA];
        if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64)
                return -EBADMSG;
        if (data != ELFDATA2LSB && data != ELFDATA2MSB)
                return -EBADMSG;
        if (buf[EI_VERSION] != EV_CURRENT)
                return -EBADMSG;
        if (len < ehdr_size(elf_class))
                return -ENODATA;

        if (elf_class == ELFCLASS64) {
                *ret_info = (ElfInfo){
                        .type = GET_FIELD(buf, data, Elf64_Ehdr, e_type),
                        .machine = GET_FIELD(buf, data, Elf64_Ehdr, e_machine),
                        .flags = GET_FIELD(buf, data, Elf64_Ehdr, e_flags),
                        .entry = GET_FIELD(buf, data, Elf64_Ehdr, e_entry),
                };
                *ret_table = (PhdrTable){
                        .offset = GET_FIELD(buf, data, Elf64_Ehdr, e_phoff),
                        .count = GET_FIELD(buf, data, Elf64_Ehdr, e_phnum),
                        .entsize = GET_FIELD(buf, data, Elf64_Ehdr, e_phentsize),
                };
        } else {
                *ret_info = (ElfInfo){
                        .type = GET_FIELD(buf, data, Elf32_Ehdr, e_type),
                        .machine = GET_FIELD(buf, data, Elf32_Ehdr, e_machine),
                        .flags = GET_FIELD(buf, data, Elf32_Ehdr, e_flags),
                        .entry = GET_FIELD(buf, data, Elf32_Ehdr, e_entry),
                };
                *ret_table = (PhdrTable){
                        .offset = GET_FIELD(buf, data, Elf32_Ehdr, e_phoff),
                        .count = GET_FIELD(buf, data, Elf32_Ehdr, e_phnum),
                        .entsize = GET_FIELD(buf, data, Elf32_Ehdr, e_phentsize),
                };
        }
        ret_info->elf_class = elf_class;
        ret_info->elf_data = data;
        ret_info->osabi = buf[EI_OSABI];
        return 0;
}

/* Returns the table's size in bytes once it is known to lie inside an image of @size bytes. */
static int check_phdr_table(const ElfInfo *info, const PhdrTable *t, uint64_t size,
                            uint64_t *ret_bytes)
{
        uint64_t bytes;

        /* No program headers (a relocatable object): nothing to bound. */
        if (t->count == 0) {
                *ret_bytes = 0;
                return 0;
        }
        /* PN_XNUM moves the real count into section header 0; no executable needs that. */
        if (t->count == PN_XNUM || t->count > ELF_PHDR_MAX)
                return -EBADMSG;
        if (t->entsize < phdr_size(info->elf_class))
                return -EBADMSG;

        /* At most ELF_PHDR_MAX * 65535 bytes: cannot overflow. The sum below could, so subtract. */
        bytes = (uint64_t)t->count * t->entsize;
        if (t->offset > size || bytes > size - t->offset)
                return -EBADMSG;

        *ret_bytes = bytes;
        return 0;
}

static void scan_phdr_table(const uint8_t *tab, const PhdrTable *t, ElfInfo *info)
{
        for (size_t i = 0; i < t->count; i++) {
                const uint8_t *p = tab + i * t->entsize;
                uint32_t type;

                if (info->elf_class == ELFCLASS64)
                        type = GET_FIELD(p, info->elf_data, Elf64_Phdr, p_type);
                else
                        type = GET_FIELD(p, info->elf_data, Elf32_Phdr, p_type);

                if (type == PT_INTERP)
                        info->has_interp = true;
                else if (type == PT_DYNAMIC)
                        info->has_dynamic = true;
        }
}

int elf_parse_header(const uint8_t *buf, size_t len, ElfInfo *ret)
{
        ElfInfo info;
        PhdrTable t;
        int r;

        assert(ret);

        r = parse_ehdr(buf, len, &info, &t);
        if (r < 0)
                return r;

        *ret = info;
        return 0;
}

int elf_parse(const uint8_t *buf, size_t len, ElfInfo *ret)
{
        uint64_t bytes;
        ElfInfo info;
        PhdrTable t;
        int r;

        assert(ret);

        r = parse_ehdr(buf, len, &info, &t);
        if (r < 0)
                return r;
        r = check_phdr_table(&info, &t, len, &bytes);
        if (r < 0)
                return r;
        if (bytes > 0)
                scan_phdr_table(buf + t.offset, &t, &info);

        *ret = info;
        return 0;
}

/* Reads up to @size bytes at @offset, retrying short reads; returns the count (less at EOF). */
static ssize_t pread_full(int fd, void *buf, size_t size, uint64_t offset)
{
        size_t n = 0;

        while (n < size) {
                ssize_t k;

                k = pread(fd, (uint8_t *)buf + n, size - n, (off_t)(offset + n));
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += k;
        }
        return (ssize_t)n;
}

int elf_read_fd(int fd, ElfInfo *ret)
{
        _cleanup_free_ uint8_t *tab = NULL;
        uint8_t hdr[sizeof(Elf64_Ehdr)];
        uint64_t size, bytes;
        struct stat st;
        ElfInfo info;
        PhdrTable t;
        ssize_t n;
        int r;

        assert(fd >= 0);
        assert(ret);

        if (fstat(fd, &st) < 0)
                return -errno;
        size = st.st_size > 0 ? (uint64_t)st.st_size : 0;

        n = pread_full(fd, hdr, size < sizeof(hdr) ? size : sizeof(hdr), 0);
        if (n < 0)
                return (int)n;
        r = parse_ehdr(hdr, n, &info, &t);
        if (r < 0)
                return r;

        /* Bounded by the file's size and by ELF_PHDR_MAX entries before anything is allocated. */
        r = check_phdr_table(&info, &t, size, &bytes);
        if (r < 0)
                return r;
        if (bytes > 0) {
                tab = malloc(bytes);
                if (!tab)
                        return -ENOMEM;
                n = pread_full(fd, tab, bytes, t.offset);
                if (n < 0)
                        return (int)n;
                /* The file shrank since fstat(): what is left is too short. */
                if ((uint64_t)n < bytes)
                        return -ENODATA;
                scan_phdr_table(tab, &t, &info);
        }

        *ret = info;
        return 0;
}

const char *elf_machine_name(uint16_t machine)
{
        switch (machine) {
        case EM_X86_64:
                return "x86-64";
        case EM_386:
                return "i386";
        case EM_AARCH64:
                return "AArch64";
        case EM_ARM:
                return "ARM";
        case EM_RISCV:
                return "RISC-V";
        case EM_PPC:
                return "PowerPC";
        case EM_PPC64:
                return "PowerPC64";
        case EM_S390:
                return "S/390";
        case EM_MIPS:
                return "MIPS";
        case EM_LOONGARCH:
                return "LoongArch";
        case EM_SPARC:
                return "SPARC";
        case EM_SPARC32PLUS:
                return "SPARC32PLUS";
        case EM_SPARCV9:
                return "SPARCv9";
        case EM_ALPHA:
                return "Alpha";
        case EM_68K:
                return "m68k";
        case EM_SH:
                return "SuperH";
        case EM_PARISC:
                return "HPPA";
        case EM_XTENSA:
                return "Xtensa";
        case EM_MICROBLAZE:
        case EM_MICROBLAZE_OLD:
                return "MicroBlaze";
        case EM_OPENRISC:
                return "OpenRISC";
        case EM_HEXAGON:
                return "Hexagon";
        case EM_CRIS:
                return "CRIS";
        default:
                return NULL;
        }
}
