/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Probe programs. Owns, for every target whose instruction encoding binfmtd knows, the few
 * instructions of a static executable that only calls exit_group(PROBE_EXIT_CODE), the amd64
 * program that measures the x86-64 microarchitecture level with CPUID and XGETBV, and the ELF
 * image around them: one ELF header, a PT_LOAD segment mapping the whole file read+execute, and
 * a PT_GNU_STACK header so that no kernel or emulator hands the probe an executable stack.
 *
 * Code is kept as instruction units (bytes for x86, halfwords for s390x, words elsewhere) built
 * from the architecture's encoding formulas, and is written out unit by unit in the target's
 * own byte order, like every header field; the host's byte order never matters.
 *
 * This module must not write files, run anything or log: where a probe is written and how it
 * is executed (host root or an empty chroot, with which timeout) is the runner's business.
 */

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <elf.h>

#include "target/elf.h"
#include "base/macro.h"
#include "verify/probe.h"

/* Above any vm.mmap_min_addr, and a multiple of the 64 KiB alignment below. */
#define PROBE_BASE UINT64_C(0x400000)
/* 64 KiB suits kernels with 4K, 16K and 64K pages (arm64, ppc64le and loongarch use the latter). */
#define PROBE_ALIGN UINT64_C(0x10000)
/* PT_LOAD and PT_GNU_STACK. */
#define PROBE_PHNUM 2
/* An ELFv1 function descriptor: entry address, TOC pointer, environment pointer. */
#define FUNC_DESC_SIZE 24
/* Descriptor and code start on an 8-byte boundary whatever the header sizes add up to. */
#define CODE_ALIGN      8
#define AMD64_LEVEL_MAX 4

/* exit_group in each target's Linux system call table. */
#define NR_EXIT_GROUP_X86_64   231
#define NR_EXIT_GROUP_I386     252
#define NR_EXIT_GROUP_GENERIC  94  /* asm-generic table: aarch64, riscv64, loongarch64 */
#define NR_EXIT_GROUP_ARM      248 /* EABI */
#define NR_EXIT_GROUP_PPC      234
#define NR_EXIT_GROUP_S390     248
#define NR_EXIT_GROUP_MIPS_N64 5205

/* Instruction encodings, from each architecture's manual. Registers are numbers. */

/* AArch64 MOVZ Xd, #imm16 (hw = 0) and SVC #imm16. */
#define A64_MOVZ_X(rd, imm16) (UINT32_C(0xd2800000) | (uint32_t)(imm16) << 5 | (uint32_t)(rd))
#define A64_SVC(imm16)        (UINT32_C(0xd4000001) | (uint32_t)(imm16) << 5)
#define A64_X0                0
#define A64_X8                8 /* system call number */

/* A32, condition "always": MOV Rd, #imm8 (no rotation) and SVC #imm24. Valid from ARMv4 on. */
#define A32_MOV_IMM(rd, imm8) (UINT32_C(0xe3a00000) | (uint32_t)(rd) << 12 | (uint32_t)(imm8))
#define A32_SVC(imm24)        (UINT32_C(0xef000000) | (uint32_t)(imm24))
#define A32_R0                0
#define A32_R7                7 /* system call number in the EABI */

/* RISC-V I-type ADDI rd, rs1, imm12 and ECALL. */
#define RV_ADDI(rd, rs1, imm12)                                                                    \
        ((uint32_t)(imm12) << 20 | (uint32_t)(rs1) << 15 | (uint32_t)(rd) << 7 | UINT32_C(0x13))
#define RV_ECALL UINT32_C(0x00000073)
#define RV_ZERO  0
#define RV_A0    10
#define RV_A7    17 /* system call number */

/* Power: li rD, simm16 (addi rD, 0, simm16) and sc. */
#define PPC_LI(rd, simm16) (UINT32_C(0x38000000) | (uint32_t)(rd) << 21 | (uint32_t)(simm16))
#define PPC_SC             UINT32_C(0x44000002)
#define PPC_R0             0 /* system call number */
#define PPC_R3             3

/*
 * z/Architecture, as halfwords: LGHI r1, imm16 (RI-a, two halfwords) and SVC i8. With a number
 * below 256 in the SVC itself, r1 need not hold the system call number.
 */
#define S390_LGHI(r1, imm16) (UINT32_C(0xa709) | (uint32_t)(r1) << 4), (uint32_t)(imm16)
#define S390_SVC(i8)         (UINT32_C(0x0a00) | (uint32_t)(i8))
#define S390_R2              2

/* MIPS ADDIU rt, rs, imm16 and SYSCALL, both MIPS I: every MIPS CPU runs them. */
#define MIPS_ADDIU(rt, rs, imm16)                                                                  \
        (UINT32_C(0x24000000) | (uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | (uint32_t)(imm16))
#define MIPS_SYSCALL UINT32_C(0x0000000c)
#define MIPS_ZERO    0
#define MIPS_V0      2 /* system call number */
#define MIPS_A0      4

/* LoongArch 2RI12 ORI rd, rj, ui12 and SYSCALL code15. */
#define LA_ORI(rd, rj, ui12)                                                                       \
        (UINT32_C(0x03800000) | (uint32_t)(ui12) << 10 | (uint32_t)(rj) << 5 | (uint32_t)(rd))
#define LA_SYSCALL(code15) (UINT32_C(0x002b0000) | (uint32_t)(code15))
#define LA_ZERO            0
#define LA_A0              4
#define LA_A7              11 /* system call number */

/* x86 immediates are little-endian on every x86. */
#define IMM32(v) ((v)&0xff), ((v) >> 8 & 0xff), ((v) >> 16 & 0xff), ((v) >> 24 & 0xff)

/* x86-64 psABI levels: the CPUID and XCR0 bits each level adds. */
#define CPUID_1_ECX_V2                                                                             \
        (1u << 0 /* SSE3 */ | 1u << 9 /* SSSE3 */ | 1u << 13 /* CMPXCHG16B */ |                    \
         1u << 19 /* SSE4.1 */ | 1u << 20 /* SSE4.2 */ | 1u << 23 /* POPCNT */)
#define CPUID_81_ECX_LAHF_BIT 0 /* LAHF/SAHF in 64-bit mode (v2) */
#define CPUID_1_ECX_V3                                                                             \
        (1u << 12 /* FMA */ | 1u << 22 /* MOVBE */ | 1u << 27 /* OSXSAVE */ | 1u << 28 /* AVX */ | \
         1u << 29 /* F16C */)
#define CPUID_81_ECX_LZCNT_BIT 5 /* LZCNT, "ABM" (v3) */
#define CPUID_7_EBX_V3         (1u << 3 /* BMI1 */ | 1u << 5 /* AVX2 */ | 1u << 8 /* BMI2 */)
#define CPUID_7_EBX_V4                                                                             \
        (1u << 16 /* AVX512F */ | 1u << 17 /* AVX512DQ */ | 1u << 28 /* AVX512CD */ |              \
         1u << 30 /* AVX512BW */ | 1u << 31 /* AVX512VL */)
/* The OS saves and restores these register states, so the instructions may be used. */
#define XCR0_V3 (1u << 1 /* XMM */ | 1u << 2 /* YMM */)
#define XCR0_V4 (1u << 5 /* opmask */ | 1u << 6 /* upper ZMM0-15 */ | 1u << 7 /* ZMM16-31 */)

/*
 * The amd64 level probe. EDI holds the exit code: 64 + 1, raised by one for every level whose
 * bits are all present. Feature words are complemented once, so "TEST reg, mask; JNZ" fails a
 * level when any of its bits is clear. XGETBV is reached only after OSXSAVE has been seen.
 * Every branch goes forward to AMD64_DONE. Each comment starts with the instruction's offset;
 * AMD64_JCC's second argument is the offset of the instruction after the jump, which is what a
 * rel8 counts from.
 */
#define AMD64_DONE          124
#define AMD64_JCC(op, next) (op), (AMD64_DONE - (next))
#define X86_JB              0x72
#define X86_JAE             0x73 /* JNC */
#define X86_JNE             0x75 /* JNZ */

/* clang-format off */
static const uint32_t amd64_code[] = {
        0xbf, IMM32(PROBE_EXIT_LEVEL_BASE + 1),   /*   0 mov edi, 65 */
        0xb8, IMM32(0x80000000u),                 /*   5 mov eax, 0x80000000 */
        0x0f, 0xa2,                               /*  10 cpuid: highest extended leaf */
        0x3d, IMM32(0x80000001u),                 /*  12 cmp eax, 0x80000001 */
        AMD64_JCC(X86_JB, 19),                    /*  17 jb done */
        0xb8, IMM32(0x80000001u),                 /*  19 mov eax, 0x80000001 */
        0x0f, 0xa2,                               /*  24 cpuid */
        0x89, 0xcd,                               /*  26 mov ebp, ecx: extended features */
        0x31, 0xc0,                               /*  28 xor eax, eax */
        0x0f, 0xa2,                               /*  30 cpuid: highest basic leaf */
        0x89, 0xc6,                               /*  32 mov esi, eax */
        0xb8, IMM32(1),                           /*  34 mov eax, 1 */
        0x0f, 0xa2,                               /*  39 cpuid */
        0xf7, 0xd1,                               /*  41 not ecx */
        0xf7, 0xc1, IMM32(CPUID_1_ECX_V2),        /*  43 test ecx, v2 bits */
        AMD64_JCC(X86_JNE, 51),                   /*  49 jnz done */
        0x0f, 0xba, 0xe5, CPUID_81_ECX_LAHF_BIT,  /*  51 bt ebp, LAHF */
        AMD64_JCC(X86_JAE, 57),                   /*  55 jnc done */
        0xff, 0xc7,                               /*  57 inc edi: v2 */
        0xf7, 0xc1, IMM32(CPUID_1_ECX_V3),        /*  59 test ecx, v3 bits */
        AMD64_JCC(X86_JNE, 67),                   /*  65 jnz done */
        0x0f, 0xba, 0xe5, CPUID_81_ECX_LZCNT_BIT, /*  67 bt ebp, LZCNT */
        AMD64_JCC(X86_JAE, 73),                   /*  71 jnc done */
        0x83, 0xfe, 0x07,                         /*  73 cmp esi, 7 */
        AMD64_JCC(X86_JB, 78),                    /*  76 jb done */
        0xb8, IMM32(7),                           /*  78 mov eax, 7 */
        0x31, 0xc9,                               /*  83 xor ecx, ecx: subleaf 0 */
        0x0f, 0xa2,                               /*  85 cpuid */
        0xf7, 0xd3,                               /*  87 not ebx */
        0xf7, 0xc3, IMM32(CPUID_7_EBX_V3),        /*  89 test ebx, v3 bits */
        AMD64_JCC(X86_JNE, 97),                   /*  95 jnz done */
        0x31, 0xc9,                               /*  97 xor ecx, ecx: XCR0 */
        0x0f, 0x01, 0xd0,                         /*  99 xgetbv */
        0xf7, 0xd0,                               /* 102 not eax */
        0xa8, XCR0_V3,                            /* 104 test al, XMM|YMM */
        AMD64_JCC(X86_JNE, 108),                  /* 106 jnz done */
        0xff, 0xc7,                               /* 108 inc edi: v3 */
        0xf7, 0xc3, IMM32(CPUID_7_EBX_V4),        /* 110 test ebx, v4 bits */
        AMD64_JCC(X86_JNE, 118),                  /* 116 jnz done */
        0xa8, XCR0_V4,                            /* 118 test al, opmask|ZMM */
        AMD64_JCC(X86_JNE, 122),                  /* 120 jnz done */
        0xff, 0xc7,                               /* 122 inc edi: v4 */
        0xb8, IMM32(NR_EXIT_GROUP_X86_64),        /* 124 done: mov eax, exit_group */
        0x0f, 0x05,                               /* 129 syscall */
};
/* clang-format on */
_Static_assert(ELEMENTSOF(amd64_code) == AMD64_DONE + 7, "amd64 probe: AMD64_DONE is not where the exit sequence starts");

typedef struct ProbeDesc {
        const char *name; /* BinfmtArch.name */
        uint8_t elf_class;
        uint8_t elf_data;
        uint16_t e_machine;
        uint32_t e_flags;
        bool func_desc;     /* ELFv1: e_entry is the address of a function descriptor */
        bool reports_level; /* exits with PROBE_EXIT_LEVEL_BASE + level */
        uint8_t unit;       /* bytes per element of code, written in the target's order */
        const uint32_t *code;
        size_t n_code;
} ProbeDesc;

#define CODE(u, ...)                                                                               \
        .unit = (u), .code = (const uint32_t[]){__VA_ARGS__},                                      \
        .n_code = sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)

/* clang-format off */
static const ProbeDesc probes[] = {
        {
                .name = "x86_64", .elf_class = ELFCLASS64, .elf_data = ELFDATA2LSB,
                .e_machine = EM_X86_64,
                .reports_level = true,
                .unit = 1, .code = amd64_code, .n_code = ELEMENTSOF(amd64_code),
        },
        {
                .name = "i386", .elf_class = ELFCLASS32, .elf_data = ELFDATA2LSB,
                .e_machine = EM_386,
                CODE(1, 0xb8, IMM32(NR_EXIT_GROUP_I386),  /* mov eax, exit_group */
                        0xbb, IMM32(PROBE_EXIT_CODE),     /* mov ebx, 42 */
                        0xcd, 0x80),                      /* int 0x80 */
        },
        {
                .name = "aarch64", .elf_class = ELFCLASS64, .elf_data = ELFDATA2LSB,
                .e_machine = EM_AARCH64,
                CODE(4, A64_MOVZ_X(A64_X0, PROBE_EXIT_CODE),
                        A64_MOVZ_X(A64_X8, NR_EXIT_GROUP_GENERIC),
                        A64_SVC(0)),
        },
        /* EABI version 5, hard-float: kernels without OABI support refuse a zero EABI field. */
        {
                .name = "arm", .elf_class = ELFCLASS32, .elf_data = ELFDATA2LSB,
                .e_machine = EM_ARM, .e_flags = EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_HARD,
                CODE(4, A32_MOV_IMM(A32_R0, PROBE_EXIT_CODE),
                        A32_MOV_IMM(A32_R7, NR_EXIT_GROUP_ARM),
                        A32_SVC(0)),
        },
        /* Double-float ABI; no RVC flag, as no compressed instruction is used. */
        {
                .name = "riscv64", .elf_class = ELFCLASS64, .elf_data = ELFDATA2LSB,
                .e_machine = EM_RISCV, .e_flags = EF_RISCV_FLOAT_ABI_DOUBLE,
                CODE(4, RV_ADDI(RV_A0, RV_ZERO, PROBE_EXIT_CODE),
                        RV_ADDI(RV_A7, RV_ZERO, NR_EXIT_GROUP_GENERIC),
                        RV_ECALL),
        },
        /* ELFv2: e_entry is the code itself. */
        {
                .name = "ppc64le", .elf_class = ELFCLASS64, .elf_data = ELFDATA2LSB,
                .e_machine = EM_PPC64, .e_flags = 2,
                CODE(4, PPC_LI(PPC_R3, PROBE_EXIT_CODE),
                        PPC_LI(PPC_R0, NR_EXIT_GROUP_PPC),
                        PPC_SC),
        },
        /* ELFv1: the kernel and QEMU load the entry point from a function descriptor. */
        {
                .name = "ppc64", .elf_class = ELFCLASS64, .elf_data = ELFDATA2MSB,
                .e_machine = EM_PPC64, .e_flags = 1,
                .func_desc = true,
                CODE(4, PPC_LI(PPC_R3, PROBE_EXIT_CODE),
                        PPC_LI(PPC_R0, NR_EXIT_GROUP_PPC),
                        PPC_SC),
        },
        {
                .name = "s390x", .elf_class = ELFCLASS64, .elf_data = ELFDATA2MSB,
                .e_machine = EM_S390,
                CODE(2, S390_LGHI(S390_R2, PROBE_EXIT_CODE),
                        S390_SVC(NR_EXIT_GROUP_S390)),
        },
        /* n64 is told by ELFCLASS64 alone; EF_MIPS_ABI2 would mean n32. */
        {
                .name = "mips64el", .elf_class = ELFCLASS64, .elf_data = ELFDATA2LSB,
                .e_machine = EM_MIPS, .e_flags = EF_MIPS_ARCH_3,
                CODE(4, MIPS_ADDIU(MIPS_A0, MIPS_ZERO, PROBE_EXIT_CODE),
                        MIPS_ADDIU(MIPS_V0, MIPS_ZERO, NR_EXIT_GROUP_MIPS_N64),
                        MIPS_SYSCALL),
        },
        {
                .name = "mips64", .elf_class = ELFCLASS64, .elf_data = ELFDATA2MSB,
                .e_machine = EM_MIPS, .e_flags = EF_MIPS_ARCH_3,
                CODE(4, MIPS_ADDIU(MIPS_A0, MIPS_ZERO, PROBE_EXIT_CODE),
                        MIPS_ADDIU(MIPS_V0, MIPS_ZERO, NR_EXIT_GROUP_MIPS_N64),
                        MIPS_SYSCALL),
        },
        /* LP64D with object ABI v1, as binutils marks executables. */
        {
                .name = "loongarch64", .elf_class = ELFCLASS64, .elf_data = ELFDATA2LSB,
                .e_machine = EM_LOONGARCH, .e_flags = 0x43,
                CODE(4, LA_ORI(LA_A0, LA_ZERO, PROBE_EXIT_CODE),
                        LA_ORI(LA_A7, LA_ZERO, NR_EXIT_GROUP_GENERIC),
                        LA_SYSCALL(0)),
        },
};
/* clang-format on */

/*
 * The probe for @a. Besides the name, the ELF identity must agree with the table entry, so a
 * caller-made BinfmtArch that borrows a name gets no probe built for a different machine.
 */
static const ProbeDesc *probe_find(const BinfmtArch *a)
{
        if (!a || !a->name)
                return NULL;

        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                const ProbeDesc *d = &probes[i];

                if (!streq(d->name, a->name))
                        continue;
                if (d->elf_class != a->elf_class || d->elf_data != a->elf_data ||
                    d->e_machine != a->e_machine)
                        return NULL;
                return d;
        }
        return NULL;
}

bool probe_supported(const BinfmtArch *a)
{
        return probe_find(a) != NULL;
}

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

static void write_headers64(uint8_t *buf, const ProbeDesc *d, uint64_t entry, size_t size)
{
        uint8_t *load = buf + sizeof(Elf64_Ehdr), *stack = load + sizeof(Elf64_Phdr);
        uint8_t data = d->elf_data;

        PUT_FIELD(buf, data, Elf64_Ehdr, e_type, ET_EXEC);
        PUT_FIELD(buf, data, Elf64_Ehdr, e_machine, d->e_machine);
        PUT_FIELD(buf, data, Elf64_Ehdr, e_version, EV_CURRENT);
        PUT_FIELD(buf, data, Elf64_Ehdr, e_entry, entry);
        PUT_FIELD(buf, data, Elf64_Ehdr, e_phoff, sizeof(Elf64_Ehdr));
        PUT_FIELD(buf, data, Elf64_Ehdr, e_flags, d->e_flags);
        PUT_FIELD(buf, data, Elf64_Ehdr, e_ehsize, sizeof(Elf64_Ehdr));
        PUT_FIELD(buf, data, Elf64_Ehdr, e_phentsize, sizeof(Elf64_Phdr));
        PUT_FIELD(buf, data, Elf64_Ehdr, e_phnum, PROBE_PHNUM);

        PUT_FIELD(load, data, Elf64_Phdr, p_type, PT_LOAD);
        PUT_FIELD(load, data, Elf64_Phdr, p_flags, PF_R | PF_X);
        PUT_FIELD(load, data, Elf64_Phdr, p_vaddr, PROBE_BASE);
        PUT_FIELD(load, data, Elf64_Phdr, p_paddr, PROBE_BASE);
        PUT_FIELD(load, data, Elf64_Phdr, p_filesz, size);
        PUT_FIELD(load, data, Elf64_Phdr, p_memsz, size);
        PUT_FIELD(load, data, Elf64_Phdr, p_align, PROBE_ALIGN);

        PUT_FIELD(stack, data, Elf64_Phdr, p_type, PT_GNU_STACK);
        PUT_FIELD(stack, data, Elf64_Phdr, p_flags, PF_R | PF_W);
        PUT_FIELD(stack, data, Elf64_Phdr, p_align, 16);
}

static void write_headers32(uint8_t *buf, const ProbeDesc *d, uint64_t entry, size_t size)
{
        uint8_t *load = buf + sizeof(Elf32_Ehdr), *stack = load + sizeof(Elf32_Phdr);
        uint8_t data = d->elf_data;

        PUT_FIELD(buf, data, Elf32_Ehdr, e_type, ET_EXEC);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_machine, d->e_machine);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_version, EV_CURRENT);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_entry, entry);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_phoff, sizeof(Elf32_Ehdr));
        PUT_FIELD(buf, data, Elf32_Ehdr, e_flags, d->e_flags);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_ehsize, sizeof(Elf32_Ehdr));
        PUT_FIELD(buf, data, Elf32_Ehdr, e_phentsize, sizeof(Elf32_Phdr));
        PUT_FIELD(buf, data, Elf32_Ehdr, e_phnum, PROBE_PHNUM);

        PUT_FIELD(load, data, Elf32_Phdr, p_type, PT_LOAD);
        PUT_FIELD(load, data, Elf32_Phdr, p_vaddr, PROBE_BASE);
        PUT_FIELD(load, data, Elf32_Phdr, p_paddr, PROBE_BASE);
        PUT_FIELD(load, data, Elf32_Phdr, p_filesz, size);
        PUT_FIELD(load, data, Elf32_Phdr, p_memsz, size);
        PUT_FIELD(load, data, Elf32_Phdr, p_flags, PF_R | PF_X);
        PUT_FIELD(load, data, Elf32_Phdr, p_align, PROBE_ALIGN);

        PUT_FIELD(stack, data, Elf32_Phdr, p_type, PT_GNU_STACK);
        PUT_FIELD(stack, data, Elf32_Phdr, p_flags, PF_R | PF_W);
        PUT_FIELD(stack, data, Elf32_Phdr, p_align, 16);
}

int probe_build(const BinfmtArch *a, uint8_t **ret, size_t *ret_size)
{
        _cleanup_free_ uint8_t *buf = NULL;
        const ProbeDesc *d;
        size_t headers, code_off, desc_off, size;
        uint64_t entry;
        bool is64;

        if (!a || !ret || !ret_size)
                return -EINVAL;

        d = probe_find(a);
        if (!d)
                return -EOPNOTSUPP;

        is64 = d->elf_class == ELFCLASS64;
        headers = is64 ? sizeof(Elf64_Ehdr) + PROBE_PHNUM * sizeof(Elf64_Phdr)
                       : sizeof(Elf32_Ehdr) + PROBE_PHNUM * sizeof(Elf32_Phdr);
        desc_off = (headers + CODE_ALIGN - 1) / CODE_ALIGN * CODE_ALIGN;
        /* Descriptors exist only in the 64-bit ELFv1 ABI. */
        assert(!d->func_desc || is64);
        code_off = desc_off + (d->func_desc ? FUNC_DESC_SIZE : 0);
        size = code_off + d->n_code * d->unit;

        buf = calloc(1, size);
        if (!buf)
                return -ENOMEM;

        memcpy(buf, ELFMAG, SELFMAG);
        buf[EI_CLASS] = d->elf_class;
        buf[EI_DATA] = d->elf_data;
        buf[EI_VERSION] = EV_CURRENT;
        buf[EI_OSABI] = ELFOSABI_NONE;

        if (d->func_desc) {
                /* { code address, TOC (unused: the code loads nothing), environment } */
                put_uint(buf + desc_off, 8, d->elf_data, PROBE_BASE + code_off);
                entry = PROBE_BASE + desc_off;
        } else
                entry = PROBE_BASE + code_off;

        if (is64)
                write_headers64(buf, d, entry, size);
        else
                write_headers32(buf, d, entry, size);

        for (size_t i = 0; i < d->n_code; i++) {
                /* A table element wider than its unit would be silently cut. */
                assert(d->unit == 4 || d->code[i] >> (8 * d->unit) == 0);
                put_uint(buf + code_off + i * d->unit, d->unit, d->elf_data, d->code[i]);
        }

        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

bool probe_exit_ok(const BinfmtArch *a, int exit_code, unsigned *ret_level)
{
        const ProbeDesc *d = probe_find(a);
        unsigned level = 0;

        if (!d)
                return false;

        if (d->reports_level) {
                if (exit_code <= PROBE_EXIT_LEVEL_BASE ||
                    exit_code > PROBE_EXIT_LEVEL_BASE + AMD64_LEVEL_MAX)
                        return false;
                level = (unsigned)(exit_code - PROBE_EXIT_LEVEL_BASE);
        } else if (exit_code != PROBE_EXIT_CODE)
                return false;

        if (ret_level)
                *ret_level = level;
        return true;
}
