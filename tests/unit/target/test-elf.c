/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/target/elf.c: images built field by field in memory, in both classes and both byte
 * orders, well-formed and malformed, parsed from memory and from a file descriptor; then the
 * real files of the machine when present. With a directory argument the images are also written
 * there, which is how the fuzz corpus's synthetic seeds are made.
 */

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <elf.h>

#include "target/elf.h"
#include "tests.h"

#define IMAGE_MAX 4096

static const char *seed_dir;

/* Writes @v into the @size bytes at @p in the byte order @data. */
static void put_uint(uint8_t *p, size_t size, uint8_t data, uint64_t v)
{
        for (size_t i = 0; i < size; i++) {
                p[data == ELFDATA2LSB ? i : size - 1 - i] = v & 0xff;
                v >>= 8;
        }
}

#define PUT_FIELD(p, data, type, member, v)                                                        \
        put_uint((uint8_t *)(p) + offsetof(type, member), sizeof(((type *)NULL)->member), (data),  \
                 (v))

/* Sets a header field of the image in @buf, in the image's own class and byte order. */
#define SET_EHDR(buf, member, v)                                                                   \
        do {                                                                                       \
                if ((buf)[EI_CLASS] == ELFCLASS64)                                                 \
                        PUT_FIELD(buf, (buf)[EI_DATA], Elf64_Ehdr, member, v);                     \
                else                                                                               \
                        PUT_FIELD(buf, (buf)[EI_DATA], Elf32_Ehdr, member, v);                     \
        } while (0)

static size_t ehdr_size(uint8_t elf_class)
{
        return elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
}

static size_t phdr_size(uint8_t elf_class)
{
        return elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
}

static void write_ehdr(uint8_t *buf, uint8_t elf_class, uint8_t data, uint16_t type,
                       uint16_t machine, uint32_t flags, uint64_t phoff, uint16_t phnum)
{
        memset(buf, 0, ehdr_size(elf_class));
        memcpy(buf, ELFMAG, SELFMAG);
        buf[EI_CLASS] = elf_class;
        buf[EI_DATA] = data;
        buf[EI_VERSION] = EV_CURRENT;
        buf[EI_OSABI] = ELFOSABI_NONE;

        if (elf_class == ELFCLASS64) {
                PUT_FIELD(buf, data, Elf64_Ehdr, e_type, type);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_machine, machine);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_version, EV_CURRENT);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_entry, 0x401000);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_phoff, phoff);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_flags, flags);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_ehsize, sizeof(Elf64_Ehdr));
                PUT_FIELD(buf, data, Elf64_Ehdr, e_phentsize, sizeof(Elf64_Phdr));
                PUT_FIELD(buf, data, Elf64_Ehdr, e_phnum, phnum);
        } else {
                PUT_FIELD(buf, data, Elf32_Ehdr, e_type, type);
                PUT_FIELD(buf, data, Elf32_Ehdr, e_machine, machine);
                PUT_FIELD(buf, data, Elf32_Ehdr, e_version, EV_CURRENT);
                PUT_FIELD(buf, data, Elf32_Ehdr, e_entry, 0x401000);
                PUT_FIELD(buf, data, Elf32_Ehdr, e_phoff, phoff);
                PUT_FIELD(buf, data, Elf32_Ehdr, e_flags, flags);
                PUT_FIELD(buf, data, Elf32_Ehdr, e_ehsize, sizeof(Elf32_Ehdr));
                PUT_FIELD(buf, data, Elf32_Ehdr, e_phentsize, sizeof(Elf32_Phdr));
                PUT_FIELD(buf, data, Elf32_Ehdr, e_phnum, phnum);
        }
}

static void write_phdr(uint8_t *p, uint8_t elf_class, uint8_t data, uint32_t type, uint64_t offset,
                       uint64_t filesz)
{
        memset(p, 0, phdr_size(elf_class));
        if (elf_class == ELFCLASS64) {
                PUT_FIELD(p, data, Elf64_Phdr, p_type, type);
                PUT_FIELD(p, data, Elf64_Phdr, p_flags, PF_R);
                PUT_FIELD(p, data, Elf64_Phdr, p_offset, offset);
                PUT_FIELD(p, data, Elf64_Phdr, p_filesz, filesz);
                PUT_FIELD(p, data, Elf64_Phdr, p_memsz, filesz);
                PUT_FIELD(p, data, Elf64_Phdr, p_align, 1);
        } else {
                PUT_FIELD(p, data, Elf32_Phdr, p_type, type);
                PUT_FIELD(p, data, Elf32_Phdr, p_offset, offset);
                PUT_FIELD(p, data, Elf32_Phdr, p_filesz, filesz);
                PUT_FIELD(p, data, Elf32_Phdr, p_memsz, filesz);
                PUT_FIELD(p, data, Elf32_Phdr, p_flags, PF_R);
                PUT_FIELD(p, data, Elf32_Phdr, p_align, 1);
        }
}

/*
 * Builds an image in @buf (IMAGE_MAX bytes): the header, then @n program headers of the given
 * types right after it, then the loader path that a PT_INTERP entry points at. Returns its size.
 */
static size_t make_image(uint8_t *buf, uint8_t elf_class, uint8_t data, uint16_t type,
                         uint16_t machine, uint32_t flags, const uint32_t *ptypes, size_t n)
{
        static const char loader[] = "/lib/ld-linux.so.1";
        size_t eh = ehdr_size(elf_class), ph = phdr_size(elf_class);
        size_t tail = eh + n * ph;

        ASSERT_TRUE(tail + sizeof(loader) <= IMAGE_MAX);
        memset(buf, 0, IMAGE_MAX);
        write_ehdr(buf, elf_class, data, type, machine, flags, eh, n);
        for (size_t i = 0; i < n; i++)
                if (ptypes[i] == PT_INTERP)
                        write_phdr(buf + eh + i * ph, elf_class, data, PT_INTERP, tail,
                                   sizeof(loader));
                else
                        write_phdr(buf + eh + i * ph, elf_class, data, ptypes[i], 0, tail);
        memcpy(buf + tail, loader, sizeof(loader));
        return tail + sizeof(loader);
}

static const uint32_t static_phdrs[] = {PT_LOAD, PT_NOTE, PT_GNU_STACK};
static const uint32_t static_pie_phdrs[] = {PT_LOAD, PT_DYNAMIC, PT_GNU_STACK};
static const uint32_t dynamic_phdrs[] = {PT_PHDR, PT_INTERP, PT_LOAD, PT_DYNAMIC};

static void save_seed(const char *name, const uint8_t *buf, size_t len)
{
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (!seed_dir)
                return;
        ASSERT_TRUE(asprintf(&p, "%s/%s", seed_dir, name) >= 0);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, buf, len), (ssize_t)len);
}

static int memfd_with(const uint8_t *buf, size_t len)
{
        int fd;

        fd = memfd_create("test-elf", MFD_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, buf, len), (ssize_t)len);
        return fd;
}

static void assert_same_info(const ElfInfo *a, const ElfInfo *b)
{
        ASSERT_EQ(a->elf_class, b->elf_class);
        ASSERT_EQ(a->elf_data, b->elf_data);
        ASSERT_EQ(a->osabi, b->osabi);
        ASSERT_EQ(a->type, b->type);
        ASSERT_EQ(a->machine, b->machine);
        ASSERT_EQ(a->flags, b->flags);
        ASSERT_EQ(a->has_interp, b->has_interp);
        ASSERT_EQ(a->has_dynamic, b->has_dynamic);
}

/*
 * Parses @buf both from memory and through a memfd, checks both agree, and returns the result.
 * On failure, checks that @ret was left alone.
 */
static int parse_both(const uint8_t *buf, size_t len, ElfInfo *ret)
{
        _cleanup_close_ int fd = -EBADF;
        ElfInfo a, b;
        int ra, rb;

        memset(&a, 0xa5, sizeof(a));
        memset(&b, 0xa5, sizeof(b));
        ra = elf_parse(buf, len, &a);
        fd = memfd_with(buf, len);
        rb = elf_read_fd(fd, &b);
        ASSERT_EQ(ra, rb);
        if (ra < 0) {
                ElfInfo untouched;

                memset(&untouched, 0xa5, sizeof(untouched));
                ASSERT_EQ(memcmp(&a, &untouched, sizeof(a)), 0);
                ASSERT_EQ(memcmp(&b, &untouched, sizeof(b)), 0);
                return ra;
        }
        assert_same_info(&a, &b);
        *ret = a;
        return 0;
}

TEST(static_exec)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        save_seed("synthetic-static-x86-64", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.elf_class, ELFCLASS64);
        ASSERT_EQ(info.elf_data, ELFDATA2LSB);
        ASSERT_EQ(info.osabi, ELFOSABI_NONE);
        ASSERT_EQ(info.type, ET_EXEC);
        ASSERT_EQ(info.machine, EM_X86_64);
        ASSERT_EQ(info.flags, 0);
        ASSERT_FALSE(info.has_interp);
        ASSERT_FALSE(info.has_dynamic);
}

TEST(static_pie)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_DYN, EM_AARCH64, 0, static_pie_phdrs,
                         ELEMENTSOF(static_pie_phdrs));
        save_seed("synthetic-static-pie-aarch64", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.type, ET_DYN);
        ASSERT_EQ(info.machine, EM_AARCH64);
        ASSERT_TRUE(info.has_dynamic);
        ASSERT_FALSE(info.has_interp);
}

TEST(dynamic)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_DYN, EM_RISCV, 0x5, dynamic_phdrs,
                         ELEMENTSOF(dynamic_phdrs));
        save_seed("synthetic-dynamic-riscv64", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.machine, EM_RISCV);
        ASSERT_EQ(info.flags, 0x5);
        ASSERT_TRUE(info.has_interp);
        ASSERT_TRUE(info.has_dynamic);

        /* The header alone says nothing about program headers. */
        memset(&info, 0, sizeof(info));
        ASSERT_OK(elf_parse_header(buf, len, &info));
        ASSERT_EQ(info.machine, EM_RISCV);
        ASSERT_FALSE(info.has_interp);
        ASSERT_FALSE(info.has_dynamic);

        /* ... and needs only the header's bytes. */
        ASSERT_OK(elf_parse_header(buf, sizeof(Elf64_Ehdr), &info));
        ASSERT_EQ(info.machine, EM_RISCV);
        ASSERT_ERROR(elf_parse(buf, sizeof(Elf64_Ehdr), &info), EBADMSG);
}

TEST(dynamic_32)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        /* EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_HARD: a byte-order mistake would scramble it. */
        len = make_image(buf, ELFCLASS32, ELFDATA2LSB, ET_DYN, EM_ARM, 0x05000400, dynamic_phdrs,
                         ELEMENTSOF(dynamic_phdrs));
        save_seed("synthetic-dynamic-armhf", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.elf_class, ELFCLASS32);
        ASSERT_EQ(info.machine, EM_ARM);
        ASSERT_EQ(info.flags, 0x05000400);
        ASSERT_TRUE(info.has_interp);
}

TEST(big_endian)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2MSB, ET_EXEC, EM_S390, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        save_seed("synthetic-static-s390x", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.elf_data, ELFDATA2MSB);
        ASSERT_EQ(info.machine, EM_S390);
        ASSERT_EQ(buf[offsetof(Elf64_Ehdr, e_machine)], 0);
        ASSERT_EQ(buf[offsetof(Elf64_Ehdr, e_machine) + 1], EM_S390);
        ASSERT_FALSE(info.has_interp);

        /* ELFv2 ABI flag on ppc64; PT_INTERP is found through big-endian p_type too. */
        len = make_image(buf, ELFCLASS64, ELFDATA2MSB, ET_DYN, EM_PPC64, 2, dynamic_phdrs,
                         ELEMENTSOF(dynamic_phdrs));
        save_seed("synthetic-dynamic-ppc64", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.machine, EM_PPC64);
        ASSERT_EQ(info.flags, 2);
        ASSERT_EQ(info.type, ET_DYN);
        ASSERT_TRUE(info.has_interp);
        ASSERT_TRUE(info.has_dynamic);

        /* 32-bit big-endian MIPS, o32 with EF_MIPS_ARCH_32R2. */
        len = make_image(buf, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_MIPS, 0x70001007, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        save_seed("synthetic-static-mips", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.elf_class, ELFCLASS32);
        ASSERT_EQ(info.elf_data, ELFDATA2MSB);
        ASSERT_EQ(info.machine, EM_MIPS);
        ASSERT_EQ(info.flags, 0x70001007);
        ASSERT_FALSE(info.has_interp);
        ASSERT_FALSE(info.has_dynamic);
}

TEST(alpha_and_old_microblaze)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        /* Machine numbers above 0xff: both bytes matter. */
        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_ALPHA, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.machine, 0x9026);
        ASSERT_STREQ(elf_machine_name(info.machine), "Alpha");

        len = make_image(buf, ELFCLASS32, ELFDATA2MSB, ET_EXEC, 0xbaab, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.machine, 0xbaab);
        ASSERT_STREQ(elf_machine_name(info.machine), "MicroBlaze");
}

TEST(no_program_headers)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        /* A relocatable object: no table, and e_phoff/e_phentsize are zero. */
        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_REL, EM_X86_64, 0, NULL, 0);
        SET_EHDR(buf, e_phoff, 0);
        SET_EHDR(buf, e_phentsize, 0);
        save_seed("synthetic-rel", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.type, ET_REL);
        ASSERT_FALSE(info.has_interp);
        ASSERT_FALSE(info.has_dynamic);
}

TEST(truncated)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        ASSERT_ERROR(parse_both(buf, 0, &info), ENODATA);
        ASSERT_ERROR(parse_both(buf, 3, &info), ENODATA);
        ASSERT_ERROR(parse_both(buf, EI_NIDENT - 1, &info), ENODATA);
        ASSERT_ERROR(parse_both(buf, EI_NIDENT, &info), ENODATA);
        ASSERT_ERROR(parse_both(buf, sizeof(Elf64_Ehdr) - 1, &info), ENODATA);
        ASSERT_ERROR(elf_parse_header(buf, sizeof(Elf64_Ehdr) - 1, &info), ENODATA);
        save_seed("synthetic-truncated-64", buf, sizeof(Elf64_Ehdr) - 1);
        /* The header is whole but the program headers are cut off: outside the image. */
        ASSERT_ERROR(parse_both(buf, len - 40, &info), EBADMSG);
        ASSERT_OK(elf_parse_header(buf, len - 40, &info));

        len = make_image(buf, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_PPC, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        ASSERT_ERROR(parse_both(buf, sizeof(Elf32_Ehdr) - 1, &info), ENODATA);
        save_seed("synthetic-truncated-32", buf, sizeof(Elf32_Ehdr) - 1);
        ASSERT_OK(elf_parse_header(buf, sizeof(Elf32_Ehdr), &info));
        ASSERT_EQ(info.machine, EM_PPC);
}

TEST(bad_ident)
{
        static const char script[] = "#!/bin/sh\necho hello\n";
        uint8_t buf[IMAGE_MAX], good[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(good, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));

        /* Not ELF at all, however short. */
        ASSERT_ERROR(parse_both((const uint8_t *)script, 2, &info), EBADMSG);
        ASSERT_ERROR(parse_both((const uint8_t *)script, strlen(script), &info), EBADMSG);
        ASSERT_ERROR(elf_parse_header((const uint8_t *)script, strlen(script), &info), EBADMSG);
        save_seed("synthetic-script", (const uint8_t *)script, strlen(script));

        for (size_t i = 0; i < SELFMAG; i++) {
                memcpy(buf, good, len);
                buf[i] ^= 0x20;
                ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
                ASSERT_ERROR(elf_parse_header(buf, len, &info), EBADMSG);
        }
        save_seed("synthetic-bad-magic", buf, len);

        static const struct {
                size_t index;
                uint8_t value;
        } bad[] = {
                {EI_CLASS, ELFCLASSNONE}, {EI_CLASS, 3}, {EI_CLASS, 0xff},
                {EI_DATA, ELFDATANONE},   {EI_DATA, 3},  {EI_VERSION, 0},
                {EI_VERSION, 2},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                memcpy(buf, good, len);
                buf[bad[i].index] = bad[i].value;
                ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
                ASSERT_ERROR(elf_parse_header(buf, len, &info), EBADMSG);
        }
        memcpy(buf, good, len);
        buf[EI_CLASS] = 3;
        save_seed("synthetic-bad-class", buf, len);
        memcpy(buf, good, len);
        buf[EI_DATA] = 0;
        save_seed("synthetic-bad-data", buf, len);

        /* The same image with the other byte order is still ELF, but its fields are nonsense. */
        memcpy(buf, good, len);
        buf[EI_DATA] = ELFDATA2MSB;
        ASSERT_OK(elf_parse_header(buf, len, &info));
        ASSERT_EQ(info.machine, EM_X86_64 << 8);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
}

TEST(phoff_outside)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        SET_EHDR(buf, e_phoff, len + 1);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        SET_EHDR(buf, e_phoff, len);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        save_seed("synthetic-phoff-at-end", buf, len);
        /* The last entry would end one byte past the image. */
        SET_EHDR(buf, e_phoff, len - 3 * sizeof(Elf64_Phdr) + 1);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        save_seed("synthetic-phdrs-one-past-end", buf, len);
        /* Exactly at the end is fine. */
        SET_EHDR(buf, e_phoff, len - 3 * sizeof(Elf64_Phdr));
        ASSERT_OK(parse_both(buf, len, &info));
        save_seed("synthetic-phdrs-at-end", buf, len);

        len = make_image(buf, ELFCLASS32, ELFDATA2LSB, ET_EXEC, EM_386, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        SET_EHDR(buf, e_phoff, 0xffffffff);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        save_seed("synthetic-phoff-32-max", buf, len);
}

TEST(phoff_overflow)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        /* phoff + phnum * phentsize wraps around to a small number. */
        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, dynamic_phdrs,
                         ELEMENTSOF(dynamic_phdrs));
        SET_EHDR(buf, e_phoff, UINT64_MAX - 4 * sizeof(Elf64_Phdr) + 2);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        save_seed("synthetic-phoff-overflow", buf, len);
        SET_EHDR(buf, e_phoff, UINT64_MAX);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        SET_EHDR(buf, e_phoff, (uint64_t)INT64_MAX + 1);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
}

TEST(phnum)
{
        _cleanup_free_ uint8_t *big = NULL;
        uint8_t buf[IMAGE_MAX];
        size_t len, big_len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        SET_EHDR(buf, e_phnum, PN_XNUM);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        save_seed("synthetic-phnum-xnum", buf, len);
        /* The header alone does not look at program headers. */
        ASSERT_OK(elf_parse_header(buf, len, &info));

        /* ELF_PHDR_MAX entries are accepted, one more is not, even when the image holds them. */
        big_len = sizeof(Elf64_Ehdr) + (ELF_PHDR_MAX + 1) * sizeof(Elf64_Phdr);
        big = calloc(1, big_len);
        ASSERT_NOT_NULL(big);
        write_ehdr(big, ELFCLASS64, ELFDATA2MSB, ET_EXEC, EM_S390, 0, sizeof(Elf64_Ehdr),
                   ELF_PHDR_MAX);
        for (size_t i = 0; i <= ELF_PHDR_MAX; i++)
                write_phdr(big + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr), ELFCLASS64,
                           ELFDATA2MSB, i == ELF_PHDR_MAX - 1 ? PT_INTERP : PT_NULL, 0, 0);
        ASSERT_OK(parse_both(big, big_len, &info));
        ASSERT_TRUE(info.has_interp);
        SET_EHDR(big, e_phnum, ELF_PHDR_MAX + 1);
        ASSERT_ERROR(parse_both(big, big_len, &info), EBADMSG);
}

TEST(phentsize)
{
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        SET_EHDR(buf, e_phentsize, sizeof(Elf64_Phdr) - 1);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        save_seed("synthetic-phentsize-small", buf, len);
        /* The 32-bit size in a 64-bit file. */
        SET_EHDR(buf, e_phentsize, sizeof(Elf32_Phdr));
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
        SET_EHDR(buf, e_phentsize, 0);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);

        len = make_image(buf, ELFCLASS32, ELFDATA2MSB, ET_EXEC, EM_SPARC, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        SET_EHDR(buf, e_phentsize, sizeof(Elf32_Phdr) - 1);
        ASSERT_ERROR(parse_both(buf, len, &info), EBADMSG);
}

TEST(phentsize_larger)
{
        uint8_t buf[IMAGE_MAX];
        size_t stride = sizeof(Elf64_Phdr) + 8, len;
        ElfInfo info;

        /* Entries spaced wider than the structure: the second one, PT_INTERP, is found only when
         * the declared stride is used. */
        memset(buf, 0, sizeof(buf));
        write_ehdr(buf, ELFCLASS64, ELFDATA2LSB, ET_DYN, EM_LOONGARCH, 0, sizeof(Elf64_Ehdr), 2);
        SET_EHDR(buf, e_phentsize, stride);
        write_phdr(buf + sizeof(Elf64_Ehdr), ELFCLASS64, ELFDATA2LSB, PT_LOAD, 0, 0);
        write_phdr(buf + sizeof(Elf64_Ehdr) + stride, ELFCLASS64, ELFDATA2LSB, PT_INTERP, 0, 0);
        len = sizeof(Elf64_Ehdr) + 2 * stride;
        save_seed("synthetic-phentsize-wide", buf, len);
        ASSERT_OK(parse_both(buf, len, &info));
        ASSERT_EQ(info.machine, EM_LOONGARCH);
        ASSERT_TRUE(info.has_interp);
        ASSERT_FALSE(info.has_dynamic);
        ASSERT_ERROR(parse_both(buf, len - 1, &info), EBADMSG);
}

TEST(read_fd_far_table)
{
        _cleanup_close_ int fd = -EBADF;
        uint8_t buf[IMAGE_MAX];
        off_t far = 64 << 20;
        ElfInfo info;

        /* A sparse file with the table 64 MiB in: only the header and the table are read. */
        memset(buf, 0, sizeof(buf));
        write_ehdr(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, far, 2);
        fd = memfd_with(buf, sizeof(Elf64_Ehdr));
        write_phdr(buf, ELFCLASS64, ELFDATA2LSB, PT_LOAD, 0, 0);
        write_phdr(buf + sizeof(Elf64_Phdr), ELFCLASS64, ELFDATA2LSB, PT_INTERP, 0, 0);
        ASSERT_EQ(pwrite(fd, buf, 2 * sizeof(Elf64_Phdr), far), (ssize_t)(2 * sizeof(Elf64_Phdr)));
        ASSERT_OK(elf_read_fd(fd, &info));
        ASSERT_TRUE(info.has_interp);

        /* Cut off in the middle of the table. */
        ASSERT_EQ(ftruncate(fd, far + sizeof(Elf64_Phdr)), 0);
        ASSERT_ERROR(elf_read_fd(fd, &info), EBADMSG);
}

TEST(read_fd_errors)
{
        _cleanup_close_ int fd = -EBADF, wfd = -EBADF;
        _cleanup_free_ char *p = NULL;
        uint8_t buf[IMAGE_MAX];
        size_t len;
        ElfInfo info;

        /* A descriptor open for writing only: reading fails, and the kernel's errno comes back. */
        len = make_image(buf, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, 0, static_phdrs,
                         ELEMENTSOF(static_phdrs));
        fd = memfd_with(buf, len);
        ASSERT_TRUE(asprintf(&p, "/proc/self/fd/%d", fd) >= 0);
        wfd = open(p, O_WRONLY | O_CLOEXEC);
        ASSERT_TRUE(wfd >= 0);
        ASSERT_ERROR(elf_read_fd(wfd, &info), EBADF);
        ASSERT_OK(elf_read_fd(fd, &info));
}

static bool read_file_info(const char *path, ElfInfo *ret)
{
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                ASSERT_EQ(errno, ENOENT);
                return false;
        }
        ASSERT_OK(elf_read_fd(fd, ret));
        return true;
}

TEST(real_files)
{
        ElfInfo self, qemu;

        /* This test program is an ordinary dynamically linked executable. */
        ASSERT_TRUE(read_file_info("/proc/self/exe", &self));
        ASSERT_TRUE(self.has_interp);
        ASSERT_TRUE(self.has_dynamic);
        ASSERT_TRUE(self.type == ET_EXEC || self.type == ET_DYN);
        ASSERT_NOT_NULL(elf_machine_name(self.machine));
        fprintf(stderr, "this machine: %s, %u-bit\n", elf_machine_name(self.machine),
                self.elf_class == ELFCLASS64 ? 64 : 32);

        /* Debian's qemu-user-static: statically linked (static-pie), built for this host. */
        if (!read_file_info("/usr/bin/qemu-aarch64-static", &qemu)) {
                fprintf(stderr, "/usr/bin/qemu-aarch64-static not installed, skipping\n");
                return;
        }
        ASSERT_FALSE(qemu.has_interp);
        ASSERT_EQ(qemu.machine, self.machine);
        ASSERT_EQ(qemu.elf_class, self.elf_class);
        ASSERT_EQ(qemu.elf_data, self.elf_data);
}

TEST(machine_names)
{
        ASSERT_STREQ(elf_machine_name(EM_X86_64), "x86-64");
        ASSERT_STREQ(elf_machine_name(EM_386), "i386");
        ASSERT_STREQ(elf_machine_name(EM_AARCH64), "AArch64");
        ASSERT_STREQ(elf_machine_name(EM_ARM), "ARM");
        ASSERT_STREQ(elf_machine_name(EM_RISCV), "RISC-V");
        ASSERT_STREQ(elf_machine_name(EM_PPC), "PowerPC");
        ASSERT_STREQ(elf_machine_name(EM_PPC64), "PowerPC64");
        ASSERT_STREQ(elf_machine_name(EM_S390), "S/390");
        ASSERT_STREQ(elf_machine_name(EM_MIPS), "MIPS");
        ASSERT_STREQ(elf_machine_name(258), "LoongArch");
        ASSERT_STREQ(elf_machine_name(EM_SPARC), "SPARC");
        ASSERT_STREQ(elf_machine_name(EM_SPARC32PLUS), "SPARC32PLUS");
        ASSERT_STREQ(elf_machine_name(EM_SPARCV9), "SPARCv9");
        ASSERT_STREQ(elf_machine_name(0x9026), "Alpha");
        ASSERT_STREQ(elf_machine_name(EM_68K), "m68k");
        ASSERT_STREQ(elf_machine_name(EM_SH), "SuperH");
        ASSERT_STREQ(elf_machine_name(EM_PARISC), "HPPA");
        ASSERT_STREQ(elf_machine_name(EM_XTENSA), "Xtensa");
        ASSERT_STREQ(elf_machine_name(189), "MicroBlaze");
        ASSERT_STREQ(elf_machine_name(0xbaab), "MicroBlaze");
        ASSERT_STREQ(elf_machine_name(EM_OPENRISC), "OpenRISC");
        ASSERT_STREQ(elf_machine_name(164), "Hexagon");
        ASSERT_STREQ(elf_machine_name(EM_CRIS), "CRIS");
        ASSERT_NULL(elf_machine_name(EM_NONE));
        ASSERT_NULL(elf_machine_name(EM_IA_64));
        ASSERT_NULL(elf_machine_name(0xffff));
}

int main(int argc, char *argv[])
{
        if (argc > 1)
                seed_dir = argv[1];

        RUN(static_exec);
        RUN(static_pie);
        RUN(dynamic);
        RUN(dynamic_32);
        RUN(big_endian);
        RUN(alpha_and_old_microblaze);
        RUN(no_program_headers);
        RUN(truncated);
        RUN(bad_ident);
        RUN(phoff_outside);
        RUN(phoff_overflow);
        RUN(phnum);
        RUN(phentsize);
        RUN(phentsize_larger);
        RUN(read_fd_far_table);
        RUN(read_fd_errors);
        RUN(real_files);
        RUN(machine_names);
        return 0;
}
