/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/verify/probe.c. Every probe's image is checked field by field against what this file
 * states independently (e_flags, one R+X PT_LOAD over the whole file, a non-executable stack,
 * the entry inside the segment), against lib/target/elf.c's reading of it, and against the whole arch
 * table: its own entry must match it and no other. Then each probe is run under its real
 * emulator, /usr/bin/qemu-<target>-static executed directly, and must exit with the promised
 * code; a second run under -strace shows that exit_group is the only system call. The amd64
 * probe runs under CPU models of known level, and natively on an x86-64 host.
 *
 * A missing emulator skips (77) after everything else has run, unless BINFMTD_TESTS_MUST_RUN=1
 * makes it a failure.
 */

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#if defined(__x86_64__)
#include <sys/platform/x86.h>
#endif

#include <elf.h>

#include "target/arch.h"
#include "target/elf.h"
#include "verify/probe.h"
#include "tests.h"

#define PROBE_SIZE_MAX   512
#define RUN_TIMEOUT_NSEC (10 * UINT64_C(1000000000))
#define OUTPUT_MAX       4096

/* clang-format off */
/* What each probe must be, stated here rather than taken from lib/verify/probe.c. */
static const struct {
        const char *name;
        uint32_t e_flags;
} expected[] = {
        { "x86_64", 0 },
        { "i386", 0 },
        { "aarch64", 0 },
        { "arm", 0x05000400 },      /* EABI5, hard-float */
        { "riscv64", 0x4 },         /* double-float ABI */
        { "ppc64le", 2 },           /* ELFv2 */
        { "ppc64", 1 },             /* ELFv1 */
        { "s390x", 0 },
        { "mips64el", 0x20000000 }, /* EF_MIPS_ARCH_3, not EF_MIPS_ABI2 */
        { "mips64", 0x20000000 },
        { "loongarch64", 0x43 },
};

/* Extra emulated runs: amd64 CPU models of a known level, and an ARMv6 CPU for the arm probe. */
static const struct {
        const char *name;
        const char *cpu;
        unsigned level; /* amd64 only */
} cpu_runs[] = {
        { "x86_64", "qemu64", 1 },
        { "x86_64", "Nehalem", 2 },
        { "x86_64", "Haswell", 3 },
        { "arm", "arm1176", 0 },
};
/* clang-format on */

static uint64_t get_uint(const uint8_t *p, size_t size, uint8_t data)
{
        uint64_t v = 0;

        for (size_t i = 0; i < size; i++)
                v = v << 8 | p[data == ELFDATA2LSB ? size - 1 - i : i];
        return v;
}

#define GET_FIELD(p, data, type, member)                                                           \
        get_uint((const uint8_t *)(p) + offsetof(type, member),                                    \
                 sizeof(((const type *)NULL)->member), (data))

/* Reads a header field in the image's own class and byte order. */
#define EHDR(buf, member)                                                                          \
        ((buf)[EI_CLASS] == ELFCLASS64 ? GET_FIELD(buf, (buf)[EI_DATA], Elf64_Ehdr, member)        \
                                       : GET_FIELD(buf, (buf)[EI_DATA], Elf32_Ehdr, member))
#define PHDR(buf, p, member)                                                                       \
        ((buf)[EI_CLASS] == ELFCLASS64 ? GET_FIELD(p, (buf)[EI_DATA], Elf64_Phdr, member)          \
                                       : GET_FIELD(p, (buf)[EI_DATA], Elf32_Phdr, member))

static bool must_run(void)
{
        const char *e = getenv("BINFMTD_TESTS_MUST_RUN");

        return e && streq(e, "1");
}

static uint32_t expected_flags(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                if (streq(expected[i].name, name))
                        return expected[i].e_flags;

        fprintf(stderr, "%s has a probe but no expectation in this test\n", name);
        abort();
}

static const char *describe_status(int status, char *buf, size_t size)
{
        if (WIFEXITED(status))
                snprintf(buf, size, "exit %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(buf, size, "signal %s", strsignal(WTERMSIG(status)));
        else
                snprintf(buf, size, "status 0x%x", (unsigned)status);
        return buf;
}

/* Checks one probe's image, built for @a. */
static void check_image(const BinfmtArch *a, const uint8_t *buf, size_t size)
{
        const BinfmtArch *table;
        size_t n_table, ehsize, phentsize, loads = 0, stacks = 0;
        uint64_t phoff, phnum, entry, code;
        ElfInfo info;

        ASSERT_TRUE(size >= 64 && size <= PROBE_SIZE_MAX);

        /* lib/target/elf.c's view. */
        ASSERT_OK(elf_parse(buf, size, &info));
        ASSERT_EQ(info.elf_class, a->elf_class);
        ASSERT_EQ(info.elf_data, a->elf_data);
        ASSERT_EQ(info.machine, a->e_machine);
        ASSERT_EQ(info.type, ET_EXEC);
        ASSERT_EQ(info.osabi, ELFOSABI_NONE);
        ASSERT_EQ(info.flags, expected_flags(a->name));
        ASSERT_FALSE(info.has_interp);
        ASSERT_FALSE(info.has_dynamic);

        /* The raw header: version, sizes, no section headers. */
        ehsize = a->elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
        phentsize = a->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
        ASSERT_EQ(buf[EI_VERSION], EV_CURRENT);
        ASSERT_EQ(EHDR(buf, e_version), EV_CURRENT);
        ASSERT_EQ(EHDR(buf, e_ehsize), ehsize);
        ASSERT_EQ(EHDR(buf, e_phentsize), phentsize);
        ASSERT_EQ(EHDR(buf, e_shoff), 0);
        ASSERT_EQ(EHDR(buf, e_shnum), 0);
        ASSERT_EQ(EHDR(buf, e_shstrndx), 0);

        phoff = EHDR(buf, e_phoff);
        phnum = EHDR(buf, e_phnum);
        ASSERT_TRUE(phnum >= 1 && phoff + phnum * phentsize <= size);

        /* Exactly one PT_LOAD, read+execute, mapping the whole file; a non-executable stack. */
        for (uint64_t i = 0; i < phnum; i++) {
                const uint8_t *p = buf + phoff + i * phentsize;
                uint64_t type = PHDR(buf, p, p_type), flags = PHDR(buf, p, p_flags);

                if (type == PT_LOAD) {
                        uint64_t vaddr = PHDR(buf, p, p_vaddr), align = PHDR(buf, p, p_align);

                        loads++;
                        ASSERT_EQ(flags, PF_R | PF_X);
                        ASSERT_EQ(PHDR(buf, p, p_offset), 0);
                        ASSERT_EQ(PHDR(buf, p, p_filesz), size);
                        ASSERT_EQ(PHDR(buf, p, p_memsz), size);
                        ASSERT_EQ(PHDR(buf, p, p_paddr), vaddr);
                        ASSERT_EQ(align, 0x10000);
                        ASSERT_EQ(vaddr % align, 0);
                        ASSERT_TRUE(vaddr >= 0x10000);

                        entry = EHDR(buf, e_entry);
                        ASSERT_TRUE(entry > vaddr + phoff && entry < vaddr + size);
                        /* ppc64 ELFv1: e_entry is a descriptor whose first word is the code. */
                        if (a->e_machine == EM_PPC64 && (info.flags & 3) == 1) {
                                ASSERT_TRUE(entry - vaddr + 24 <= size);
                                code = get_uint(buf + (entry - vaddr), 8, a->elf_data);
                                ASSERT_TRUE(code >= entry + 24 && code < vaddr + size);
                                ASSERT_EQ(get_uint(buf + (entry - vaddr) + 8, 8, a->elf_data), 0);
                        } else
                                code = entry;
                        /* Fixed-width instruction sets need aligned code. */
                        if (a->e_machine != EM_X86_64 && a->e_machine != EM_386)
                                ASSERT_EQ(code % (a->e_machine == EM_S390 ? 2 : 4), 0);
                } else if (type == PT_GNU_STACK) {
                        stacks++;
                        ASSERT_EQ(flags & PF_X, 0);
                } else
                        ASSERT_TRUE(false);
        }
        ASSERT_EQ(loads, 1);
        ASSERT_EQ(stacks, 1);

        /* The kernel's view: its own binfmt entry takes it, no other one does. */
        table = arch_table(&n_table);
        for (size_t i = 0; i < n_table; i++) {
                bool own = &table[i] == a;

                if (arch_matches(&table[i], buf, size) != own) {
                        fprintf(stderr, "%s probe: entry %s %s\n", a->name, table[i].name,
                                own ? "does not match it" : "matches it too");
                        abort();
                }
        }
        ASSERT_TRUE(arch_find_by_header(buf, size) == a);
}

TEST(images)
{
        const BinfmtArch *table;
        size_t n_table, n_supported = 0;

        /* Every target the probe set promises. */
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                const BinfmtArch *a = arch_by_name(expected[i].name);

                ASSERT_NOT_NULL(a);
                ASSERT_TRUE(probe_supported(a));
        }

        table = arch_table(&n_table);
        for (size_t i = 0; i < n_table; i++) {
                const BinfmtArch *a = &table[i];
                _cleanup_free_ uint8_t *buf = NULL;
                size_t size = 0;

                if (!probe_supported(a))
                        continue;
                n_supported++;

                ASSERT_OK(probe_build(a, &buf, &size));
                ASSERT_NOT_NULL(buf);
                check_image(a, buf, size);
                fprintf(stderr, "%-12s %3zu bytes, e_flags 0x%08" PRIx32 "\n", a->name, size,
                        expected_flags(a->name));
        }
        ASSERT_EQ(n_supported, ELEMENTSOF(expected));
}

TEST(unsupported)
{
        static const char *const names[] = {"alpha", "sparc64", "hexagon", "armeb", "ppc"};
        static uint8_t sentinel[] = "untouched";
        BinfmtArch fake;
        uint8_t *buf = sentinel;
        size_t size = 7;
        unsigned level = 99;

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const BinfmtArch *a = arch_by_name(names[i]);

                ASSERT_NOT_NULL(a);
                ASSERT_FALSE(probe_supported(a));
                ASSERT_ERROR(probe_build(a, &buf, &size), EOPNOTSUPP);
                ASSERT_TRUE(buf == sentinel);
                ASSERT_EQ(size, 7);
                ASSERT_FALSE(probe_exit_ok(a, PROBE_EXIT_CODE, &level));
                ASSERT_EQ(level, 99);
        }

        /* A known name on a different machine gets no probe. */
        fake = *arch_by_name("aarch64");
        fake.e_machine = EM_RISCV;
        ASSERT_FALSE(probe_supported(&fake));
        ASSERT_ERROR(probe_build(&fake, &buf, &size), EOPNOTSUPP);
        fake = *arch_by_name("mips64");
        fake.elf_data = ELFDATA2LSB;
        ASSERT_FALSE(probe_supported(&fake));

        ASSERT_FALSE(probe_supported(NULL));
        ASSERT_FALSE(probe_exit_ok(NULL, PROBE_EXIT_CODE, NULL));
        ASSERT_ERROR(probe_build(NULL, &buf, &size), EINVAL);
        ASSERT_ERROR(probe_build(arch_by_name("aarch64"), NULL, &size), EINVAL);
        ASSERT_ERROR(probe_build(arch_by_name("aarch64"), &buf, NULL), EINVAL);
        ASSERT_TRUE(buf == sentinel);
        ASSERT_EQ(size, 7);
}

TEST(exit_ok)
{
        const BinfmtArch *amd64 = arch_by_name("x86_64"), *arm64 = arch_by_name("aarch64");
        unsigned level;

        /* amd64: 65..68 are v1..v4; everything around them fails and leaves the level alone. */
        for (int code = -1; code <= 300; code++) {
                bool ok;

                level = 99;
                ok = probe_exit_ok(amd64, code, &level);
                if (code >= 65 && code <= 68) {
                        ASSERT_TRUE(ok);
                        ASSERT_EQ(level, (unsigned)code - 64);
                } else {
                        ASSERT_FALSE(ok);
                        ASSERT_EQ(level, 99);
                }
                ASSERT_EQ(probe_exit_ok(amd64, code, NULL), ok);
        }
        ASSERT_FALSE(probe_exit_ok(amd64, PROBE_EXIT_CODE, NULL));
        ASSERT_FALSE(probe_exit_ok(amd64, PROBE_EXIT_LEVEL_BASE, NULL));
        ASSERT_FALSE(probe_exit_ok(amd64, 65 + 256, NULL));

        /* Everyone else: 42 only, with level 0. */
        for (int code = -1; code <= 300; code++) {
                bool ok;

                level = 99;
                ok = probe_exit_ok(arm64, code, &level);
                ASSERT_EQ(ok, code == PROBE_EXIT_CODE);
                ASSERT_EQ(level, ok ? 0 : 99);
        }
        ASSERT_TRUE(probe_exit_ok(arch_by_name("ppc64"), 42, NULL));
        ASSERT_FALSE(probe_exit_ok(arch_by_name("s390x"), 42 + 256, NULL));
        ASSERT_FALSE(probe_exit_ok(arch_by_name("i386"), 65, NULL));
}

typedef struct RunResult {
        int status;              /* from waitpid(), when the program ran */
        int exec_errno;          /* execve() failed with this; 0 if it did not */
        bool timed_out;          /* killed after RUN_TIMEOUT_NSEC */
        char output[OUTPUT_MAX]; /* standard error */
} RunResult;

static uint64_t now_nsec(void)
{
        struct timespec ts;

        ASSERT_OK(clock_gettime(CLOCK_MONOTONIC, &ts));
        return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/*
 * Runs @argv[0] by its path, with an empty environment so that no QEMU_* variable changes the
 * outcome. An execve() failure comes back through a close-on-exec pipe. Standard error is
 * collected into @ret->output; it is shown only when a check fails.
 */
static void run(char *const argv[], RunResult *ret)
{
        static char *const envp[] = {NULL};
        int err_pipe[2], out_pipe[2];
        uint64_t deadline;
        size_t len = 0;
        ssize_t n;
        pid_t pid;

        *ret = (RunResult){};
        ASSERT_OK(pipe2(err_pipe, O_CLOEXEC));
        ASSERT_OK(pipe2(out_pipe, O_CLOEXEC));

        pid = fork();
        ASSERT_OK(pid);
        if (pid == 0) {
                int e;

                if (dup2(out_pipe[1], STDERR_FILENO) < 0)
                        _exit(126);
                execve(argv[0], argv, envp);
                e = errno;
                (void)!write(err_pipe[1], &e, sizeof(e));
                _exit(127);
        }

        close(err_pipe[1]);
        close(out_pipe[1]);

        deadline = now_nsec() + RUN_TIMEOUT_NSEC;
        for (;;) {
                pid_t r = waitpid(pid, &ret->status, WNOHANG);

                ASSERT_OK(r);
                if (r == pid)
                        break;
                if (now_nsec() > deadline) {
                        ASSERT_OK(kill(pid, SIGKILL));
                        ASSERT_EQ(waitpid(pid, &ret->status, 0), pid);
                        ret->timed_out = true;
                        break;
                }
                (void)nanosleep(&(struct timespec){.tv_nsec = 2 * 1000 * 1000}, NULL);
        }

        n = read(err_pipe[0], &ret->exec_errno, sizeof(ret->exec_errno));
        ASSERT_TRUE(n == 0 || n == sizeof(ret->exec_errno));
        close(err_pipe[0]);

        /* The program has exited; anything it wrote is in the pipe. */
        while (len < sizeof(ret->output) - 1) {
                n = read(out_pipe[0], ret->output + len, sizeof(ret->output) - 1 - len);
                ASSERT_OK(n);
                if (n == 0)
                        break;
                len += n;
        }
        ret->output[len] = 0;
        close(out_pipe[0]);
}

/* Writes @a's probe to @dir, mode 0755; returns its path. */
static char *write_probe(const char *dir, const BinfmtArch *a)
{
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        char *path;
        size_t size;

        ASSERT_OK(probe_build(a, &buf, &size));
        ASSERT_TRUE(asprintf(&path, "%s/probe-%s", dir, a->name) >= 0);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
        ASSERT_OK(fd);
        /* Not left to the umask. */
        ASSERT_OK(fchmod(fd, 0755));
        ASSERT_EQ(write(fd, buf, size), (ssize_t)size);
        return path;
}

/*
 * Runs @a's probe with @argv, which must exit with the promised code (and, if @want_level is not
 * 0, report that amd64 level). Prints the result; returns the level (0 but for amd64).
 */
static unsigned run_probe(const BinfmtArch *a, const char *how, char *const argv[],
                          unsigned want_level)
{
        unsigned level = 0;
        RunResult r;
        char buf[64];
        int code;

        run(argv, &r);
        if (r.exec_errno != 0) {
                fprintf(stderr, "%s probe (%s): execve(%s) failed: %s%s\n", a->name, how, argv[0],
                        strerror(r.exec_errno),
                        r.exec_errno == EACCES ? " (noexec mount? set TMPDIR)" : "");
                abort();
        }
        if (r.timed_out) {
                fprintf(stderr, "%s%s probe (%s): killed after the timeout\n", r.output, a->name,
                        how);
                abort();
        }
        if (!WIFEXITED(r.status)) {
                fprintf(stderr, "%s%s probe (%s): %s\n", r.output, a->name, how,
                        describe_status(r.status, buf, sizeof(buf)));
                abort();
        }

        code = WEXITSTATUS(r.status);
        if (!probe_exit_ok(a, code, &level)) {
                fprintf(stderr, "%s%s probe (%s): exit %d, not a success\n", r.output, a->name, how,
                        code);
                abort();
        }
        if (a->e_machine == EM_X86_64) {
                ASSERT_TRUE(level >= 1 && level <= 4);
                fprintf(stderr, "%-12s %-28s exit %d: x86-64-v%u\n", a->name, how, code, level);
        } else {
                ASSERT_EQ(code, PROBE_EXIT_CODE);
                ASSERT_EQ(level, 0);
                fprintf(stderr, "%-12s %-28s exit %d\n", a->name, how, code);
        }
        if (want_level > 0 && level != want_level) {
                fprintf(stderr, "%s%s probe (%s): level %u, expected %u\n", r.output, a->name, how,
                        level, want_level);
                abort();
        }
        return level;
}

/* Under -strace every system call is one line; the only one must be exit_group. */
static void check_strace(const BinfmtArch *a, const char *qemu, const char *path)
{
        char *argv[] = {(char *)qemu, (char *)"-strace", (char *)path, NULL};
        unsigned calls = 0;
        char *saveptr = NULL;
        RunResult r;

        run(argv, &r);
        ASSERT_EQ(r.exec_errno, 0);
        ASSERT_FALSE(r.timed_out);
        ASSERT_TRUE(WIFEXITED(r.status));
        ASSERT_TRUE(probe_exit_ok(a, WEXITSTATUS(r.status), NULL));

        for (char *line = strtok_r(r.output, "\n", &saveptr); line;
             line = strtok_r(NULL, "\n", &saveptr)) {
                calls++;
                ASSERT_CONTAINS(line, " exit_group(");
        }
        ASSERT_EQ(calls, 1);
}

/* Returns the number of targets whose emulator is missing. */
static unsigned test_emulated(const char *dir)
{
        const BinfmtArch *table;
        size_t n_table;
        unsigned missing = 0;

        fprintf(stderr, "== emulated\n");

        table = arch_table(&n_table);
        for (size_t i = 0; i < n_table; i++) {
                const BinfmtArch *a = &table[i];
                _cleanup_free_ char *path = NULL, *qemu = NULL;

                if (!probe_supported(a))
                        continue;

                ASSERT_TRUE(asprintf(&qemu, "/usr/bin/qemu-%s-static", a->name) >= 0);
                if (access(qemu, X_OK) < 0) {
                        fprintf(stderr, "%-12s %s: %m\n", a->name, qemu);
                        missing++;
                        continue;
                }

                path = write_probe(dir, a);
                {
                        char *argv[] = {qemu, path, NULL};

                        (void)run_probe(a, "emulated", argv, 0);
                }
                check_strace(a, qemu, path);

                for (size_t j = 0; j < ELEMENTSOF(cpu_runs); j++) {
                        char *argv[] = {qemu, (char *)"-cpu", (char *)cpu_runs[j].cpu, path, NULL};
                        char how[64];

                        if (!streq(cpu_runs[j].name, a->name))
                                continue;
                        snprintf(how, sizeof(how), "emulated, -cpu %s", cpu_runs[j].cpu);
                        (void)run_probe(a, how, argv, cpu_runs[j].level);
                }

                ASSERT_OK(unlink(path));
        }
        return missing;
}

#if defined(__x86_64__)
/*
 * The level glibc's own CPU detection implies, for a check independent of the probe's CPUID
 * reading: a separate implementation (glibc's init_cpu_features) that also applies the OS's
 * XCR0 state ("active", not merely "present"). /proc/cpuinfo is no such reference: the kernel's
 * flag list can lack features the CPU executes (an EPYC VM runs LZCNT, yet lists no "abm").
 */
/*
 * CPU_FEATURE_ACTIVE() without its undefined behaviour: glibc 2.36's x86_cpu_active() shifts a
 * signed 1 by up to 31 places, which the sanitizer build rejects for bit 31 (AVX512VL).
 */
static bool active(unsigned index)
{
        const struct cpuid_feature *f = __x86_get_cpuid_feature_leaf(index / 128);

        return f->active_array[(index % 128) / 32] & (1u << (index % 32));
}
#define CPU_ACTIVE(name) active(x86_cpu_##name)

static unsigned glibc_level(void)
{
        const bool v2 = CPU_ACTIVE(CMPXCHG16B) && CPU_ACTIVE(LAHF64_SAHF64) &&
                        CPU_ACTIVE(POPCNT) && CPU_ACTIVE(SSE3) &&
                        CPU_ACTIVE(SSE4_1) && CPU_ACTIVE(SSE4_2) &&
                        CPU_ACTIVE(SSSE3);
        const bool v3 = CPU_ACTIVE(AVX) && CPU_ACTIVE(AVX2) &&
                        CPU_ACTIVE(BMI1) && CPU_ACTIVE(BMI2) &&
                        CPU_ACTIVE(F16C) && CPU_ACTIVE(FMA) &&
                        CPU_ACTIVE(LZCNT) && CPU_ACTIVE(MOVBE) &&
                        CPU_ACTIVE(OSXSAVE);
        const bool v4 = CPU_ACTIVE(AVX512F) && CPU_ACTIVE(AVX512BW) &&
                        CPU_ACTIVE(AVX512CD) && CPU_ACTIVE(AVX512DQ) &&
                        CPU_ACTIVE(AVX512VL);

        return !v2 ? 1 : !v3 ? 2 : !v4 ? 3 : 4;
}
#endif

/* On an x86-64 host the amd64 probe also runs as it is: the CPU's own level. */
static void test_native(const char *dir)
{
#if defined(__x86_64__)
        const BinfmtArch *a = arch_by_name("x86_64");
        _cleanup_free_ char *path = NULL;
        unsigned level, expected_level;

        fprintf(stderr, "== native\n");
        path = write_probe(dir, a);
        expected_level = glibc_level();
        {
                char *argv[] = {path, NULL};

                level = run_probe(a, "native", argv, expected_level);
        }
        ASSERT_TRUE(level >= 1);
        ASSERT_OK(unlink(path));
#else
        (void)dir;
#endif
}

int main(void)
{
        _cleanup_free_ char *dir = NULL;
        unsigned missing;

        RUN(images);
        RUN(unsupported);
        RUN(exit_ok);

        ASSERT_TRUE(asprintf(&dir, "%s/test-probe-XXXXXX", getenv("TMPDIR") ?: "/tmp") >= 0);
        ASSERT_NOT_NULL(mkdtemp(dir));
        test_native(dir);
        missing = test_emulated(dir);
        ASSERT_OK(rmdir(dir));

        if (missing > 0) {
                if (must_run()) {
                        fprintf(stderr, "%u emulator(s) missing and BINFMTD_TESTS_MUST_RUN=1\n",
                                missing);
                        return EXIT_FAILURE;
                }
                fprintf(stderr, "%u emulator(s) missing, skipping\n", missing);
                return EXIT_TEST_SKIP;
        }
        return EXIT_SUCCESS;
}
