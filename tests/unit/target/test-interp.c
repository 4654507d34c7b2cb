/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/target/interp.c: one file per verdict in a private temporary directory, made with the
 * mode, owner and content that must earn it. Ownership needs root; without it the cases that
 * depend on a root-owned file are skipped, each with a message.
 */

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>

#include "target/elf.h"
#include "target/interp.h"
#include "tests.h"

#define NOBODY 65534

static char *tmpdir;
static ElfInfo self;
static bool root;

static char *path_in(const char *name)
{
        char *p;

        ASSERT_TRUE(asprintf(&p, "%s/%s", tmpdir, name) >= 0);
        return p;
}

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

/* A minimal image: the header and one PT_LOAD, or PT_INTERP too when @dynamic. */
static size_t make_image(uint8_t *buf, uint8_t elf_class, uint8_t data, uint16_t type,
                         uint16_t machine, bool dynamic)
{
        size_t n = dynamic ? 2 : 1;

        memset(buf, 0, 256);
        memcpy(buf, ELFMAG, SELFMAG);
        buf[EI_CLASS] = elf_class;
        buf[EI_DATA] = data;
        buf[EI_VERSION] = EV_CURRENT;
        if (elf_class == ELFCLASS64) {
                PUT_FIELD(buf, data, Elf64_Ehdr, e_type, type);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_machine, machine);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_version, EV_CURRENT);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_entry, 0x401000);
                PUT_FIELD(buf, data, Elf64_Ehdr, e_phoff, sizeof(Elf64_Ehdr));
                PUT_FIELD(buf, data, Elf64_Ehdr, e_ehsize, sizeof(Elf64_Ehdr));
                PUT_FIELD(buf, data, Elf64_Ehdr, e_phentsize, sizeof(Elf64_Phdr));
                PUT_FIELD(buf, data, Elf64_Ehdr, e_phnum, n);
                for (size_t i = 0; i < n; i++)
                        PUT_FIELD(buf + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr), data,
                                  Elf64_Phdr, p_type, i == 0 ? PT_LOAD : PT_INTERP);
                return sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr);
        }
        PUT_FIELD(buf, data, Elf32_Ehdr, e_type, type);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_machine, machine);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_version, EV_CURRENT);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_entry, 0x401000);
        PUT_FIELD(buf, data, Elf32_Ehdr, e_phoff, sizeof(Elf32_Ehdr));
        PUT_FIELD(buf, data, Elf32_Ehdr, e_ehsize, sizeof(Elf32_Ehdr));
        PUT_FIELD(buf, data, Elf32_Ehdr, e_phentsize, sizeof(Elf32_Phdr));
        PUT_FIELD(buf, data, Elf32_Ehdr, e_phnum, n);
        for (size_t i = 0; i < n; i++)
                PUT_FIELD(buf + sizeof(Elf32_Ehdr) + i * sizeof(Elf32_Phdr), data, Elf32_Phdr,
                          p_type, i == 0 ? PT_LOAD : PT_INTERP);
        return sizeof(Elf32_Ehdr) + n * sizeof(Elf32_Phdr);
}

/* Creates @name with @content and exactly @mode, whatever the umask. */
static char *write_file(const char *name, const void *content, size_t len, mode_t mode)
{
        _cleanup_close_ int fd = -EBADF;
        char *p = path_in(name);

        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, content, len), (ssize_t)len);
        ASSERT_EQ(fchmod(fd, mode), 0);
        return p;
}

static char *write_image(const char *name, uint8_t elf_class, uint8_t data, uint16_t type,
                         uint16_t machine, bool dynamic, mode_t mode)
{
        uint8_t buf[256];
        size_t len;

        len = make_image(buf, elf_class, data, type, machine, dynamic);
        return write_file(name, buf, len, mode);
}

static char *copy_file(const char *src, const char *name, mode_t mode)
{
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        char *p = path_in(name);
        char buf[64 * 1024];
        ssize_t n;

        in = open(src, O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(in >= 0);
        out = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        ASSERT_TRUE(out >= 0);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                ASSERT_EQ(write(out, buf, n), n);
        ASSERT_EQ(n, 0);
        ASSERT_EQ(fchmod(out, mode), 0);
        return p;
}

static InterpCheck check_as(const char *path, uint8_t host_class, InterpProblem want)
{
        InterpCheck c;

        memset(&c, 0xa5, sizeof(c));
        ASSERT_OK(interp_check(path, self.machine, host_class, &c));
        fprintf(stderr, "%s: %s (%s)\n", path, interp_problem_to_string(c.problem),
                interp_problem_to_id(c.problem));
        ASSERT_STREQ(interp_problem_to_id(c.problem), interp_problem_to_id(want));
        return c;
}

static InterpCheck check(const char *path, InterpProblem want)
{
        return check_as(path, self.elf_class, want);
}

static bool need_root(const char *what)
{
        if (root)
                return true;
        fprintf(stderr, "not root: skipping %s (the file cannot be owned by root)\n", what);
        return false;
}

TEST(not_absolute)
{
        InterpCheck c;

        c = check("usr/bin/qemu-aarch64-static", INTERP_NOT_ABSOLUTE);
        ASSERT_EQ(c.error, 0);
        ASSERT_EQ(c.machine, 0);
        ASSERT_FALSE(c.is_static);
        check("./qemu-aarch64-static", INTERP_NOT_ABSOLUTE);
        check("", INTERP_NOT_ABSOLUTE);
}

TEST(missing)
{
        _cleanup_free_ char *p = path_in("missing"), *l = path_in("dangling");
        InterpCheck c;

        c = check(p, INTERP_MISSING);
        ASSERT_EQ(c.error, ENOENT);

        /* A symlink is followed: one that points nowhere is a missing interpreter. */
        ASSERT_EQ(symlink("missing", l), 0);
        c = check(l, INTERP_MISSING);
        ASSERT_EQ(c.error, ENOENT);
}

TEST(unreadable)
{
        _cleanup_free_ char *file = write_file("plain", "x", 1, 0755), *under = NULL;
        _cleanup_free_ char *a = path_in("loop-a"), *b = path_in("loop-b");
        InterpCheck c;

        /* A regular file used as a directory. */
        ASSERT_TRUE(asprintf(&under, "%s/qemu", file) >= 0);
        c = check(under, INTERP_UNREADABLE);
        ASSERT_EQ(c.error, ENOTDIR);

        ASSERT_EQ(symlink("loop-b", a), 0);
        ASSERT_EQ(symlink("loop-a", b), 0);
        c = check(a, INTERP_UNREADABLE);
        ASSERT_EQ(c.error, ELOOP);
}

TEST(not_regular)
{
        _cleanup_free_ char *dir = path_in("dir"), *fifo = path_in("fifo");
        InterpCheck c;

        ASSERT_EQ(mkdir(dir, 0755), 0);
        c = check(dir, INTERP_NOT_REGULAR);
        ASSERT_EQ(c.error, 0);

        /* Opening a FIFO with no writer must not block. */
        ASSERT_EQ(mkfifo(fifo, 0755), 0);
        check(fifo, INTERP_NOT_REGULAR);
        check("/dev/null", INTERP_NOT_REGULAR);
}

TEST(not_executable)
{
        _cleanup_free_ char *p = NULL;

        p = write_image("no-x", self.elf_class, self.elf_data, ET_EXEC, self.machine, false, 0644);
        check(p, INTERP_NOT_EXECUTABLE);
}

TEST(not_root_owned)
{
        _cleanup_free_ char *p = NULL;
        InterpCheck c;

        p = write_image("nobody", self.elf_class, self.elf_data, ET_EXEC, self.machine, false,
                        0755);
        if (!root) {
                /* Our own file is owned by us, which is not root. */
                c = check(p, INTERP_NOT_ROOT_OWNED);
                ASSERT_EQ(c.error, 0);
                return;
        }
        if (chown(p, NOBODY, NOBODY) < 0) {
                /* A user namespace that does not map the id. */
                ASSERT_TRUE(errno == EINVAL || errno == EPERM);
                fprintf(stderr, "cannot chown to uid %d: %m, skipping\n", NOBODY);
                return;
        }
        c = check(p, INTERP_NOT_ROOT_OWNED);
        ASSERT_EQ(c.error, 0);

        /* The group does not matter as long as it cannot write. */
        ASSERT_EQ(chown(p, 0, NOBODY), 0);
        check(p, INTERP_OK);
}

TEST(writable)
{
        _cleanup_free_ char *g = NULL, *o = NULL;

        if (!need_root("group- and world-writable files"))
                return;
        g = write_image("group-writable", self.elf_class, self.elf_data, ET_EXEC, self.machine,
                        false, 0775);
        check(g, INTERP_WRITABLE);
        o = write_image("world-writable", self.elf_class, self.elf_data, ET_EXEC, self.machine,
                        false, 0757);
        check(o, INTERP_WRITABLE);
}

TEST(not_elf)
{
        static const char script[] = "#!/bin/sh\nexec /bin/true\n";
        _cleanup_free_ char *s = NULL, *e = NULL, *rel = NULL;
        InterpCheck c;

        if (!need_root("non-ELF files"))
                return;
        s = write_file("script", script, strlen(script), 0755);
        c = check(s, INTERP_NOT_ELF);
        ASSERT_EQ(c.error, 0);
        e = write_file("empty", "", 0, 0755);
        check(e, INTERP_NOT_ELF);

        /* ELF, but not something the kernel can run. */
        rel = write_image("object", self.elf_class, self.elf_data, ET_REL, self.machine, false,
                          0755);
        check(rel, INTERP_NOT_ELF);
}

TEST(dynamic)
{
        _cleanup_free_ char *p = NULL, *q = NULL;
        InterpCheck c;

        if (!need_root("dynamic ELF"))
                return;
        /* This test program itself is dynamically linked. */
        p = copy_file("/proc/self/exe", "dynamic", 0755);
        c = check(p, INTERP_DYNAMIC);
        ASSERT_EQ(c.machine, self.machine);
        ASSERT_FALSE(c.is_static);

        /* Dynamic wins over the wrong machine: it is the first thing to fix. */
        q = write_image("dynamic-foreign", ELFCLASS64, ELFDATA2LSB, ET_DYN,
                        self.machine == EM_AARCH64 ? EM_RISCV : EM_AARCH64, true, 0755);
        c = check(q, INTERP_DYNAMIC);
        ASSERT_FALSE(c.is_static);
}

TEST(wrong_machine)
{
        _cleanup_free_ char *p = NULL, *q = NULL;
        uint16_t foreign = self.machine == EM_S390 ? EM_PPC64 : EM_S390;
        uint8_t other_class = self.elf_class == ELFCLASS64 ? ELFCLASS32 : ELFCLASS64;
        InterpCheck c;

        if (!need_root("foreign static ELF"))
                return;
        /* A static big-endian s390x program: a fine emulated program, not an emulator. */
        p = write_image("s390x", ELFCLASS64, ELFDATA2MSB, ET_EXEC, foreign, false, 0755);
        c = check(p, INTERP_WRONG_MACHINE);
        ASSERT_EQ(c.machine, foreign);
        ASSERT_TRUE(c.is_static);
        ASSERT_EQ(c.error, 0);

        /* The host's machine in the other class: refused only when the class is asked for. */
        q = write_image("other-class", other_class, self.elf_data, ET_EXEC, self.machine, false,
                        0755);
        c = check_as(q, self.elf_class, INTERP_WRONG_MACHINE);
        ASSERT_EQ(c.machine, self.machine);
        c = check_as(q, 0, INTERP_OK);
        ASSERT_TRUE(c.is_static);
}

/* A shared library has no PT_INTERP either, but it has no entry point: not a program. */
TEST(library_and_directories)
{
        _cleanup_free_ char *lib = NULL, *dir = NULL, *inside = NULL, *odir = NULL,
                            *oinside = NULL, *sdir = NULL, *sinside = NULL;
        static const uint8_t zero[8] = {};
        _cleanup_close_ int fd = -EBADF;

        if (!need_root("root-owned files and directories"))
                return;
        lib = write_image("libfoo.so", self.elf_class, self.elf_data, ET_DYN, self.machine, false,
                          0755);
        fd = open(lib, O_WRONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        /* e_entry is at offset 24 in both classes. */
        ASSERT_EQ(pwrite(fd, zero, self.elf_class == ELFCLASS64 ? 8 : 4, 24),
                  self.elf_class == ELFCLASS64 ? 8 : 4);
        check(lib, INTERP_NOT_ELF);

        /* A good file in a directory anyone can write to: it could be swapped. */
        dir = path_in("open-dir");
        ASSERT_EQ(mkdir(dir, 0777), 0);
        ASSERT_EQ(chmod(dir, 0777), 0);
        inside = write_image("open-dir/qemu", self.elf_class, self.elf_data, ET_EXEC,
                             self.machine, false, 0755);
        check(inside, INTERP_DIRECTORY_UNSAFE);

        /* A directory of another user. */
        odir = path_in("other-dir");
        ASSERT_EQ(mkdir(odir, 0755), 0);
        oinside = write_image("other-dir/qemu", self.elf_class, self.elf_data, ET_EXEC,
                              self.machine, false, 0755);
        ASSERT_EQ(chown(odir, 65534, 65534), 0);
        check(oinside, INTERP_DIRECTORY_UNSAFE);

        /* The literal path counts, not only where it leads: a symlink in a directory another
         * user owns (mode 0755), pointing at a good root-owned file, can be repointed by that
         * user before any later registration. */
        {
                _cleanup_free_ char *udir = path_in("user-dir"), *ulink = NULL, *good = NULL,
                                    *rlink = NULL;
                good = write_image("good-target", self.elf_class, self.elf_data, ET_EXEC,
                                   self.machine, false, 0755);
                check(good, INTERP_OK);
                ASSERT_EQ(mkdir(udir, 0755), 0);
                ASSERT_TRUE(asprintf(&ulink, "%s/qemu", udir) >= 0);
                ASSERT_EQ(symlink(good, ulink), 0);
                ASSERT_EQ(lchown(ulink, 0, 0), 0);
                ASSERT_EQ(chown(udir, 1000, 1000), 0);
                check(ulink, INTERP_DIRECTORY_UNSAFE);

                /* A symlink another user owns, in a root directory: refused too. */
                rlink = path_in("user-link");
                ASSERT_EQ(symlink(good, rlink), 0);
                ASSERT_EQ(lchown(rlink, 1000, 1000), 0);
                check(rlink, INTERP_DIRECTORY_UNSAFE);
        }

        /* A sticky, world-writable directory owned by root (as /tmp) is fine. */
        sdir = path_in("sticky-dir");
        ASSERT_EQ(mkdir(sdir, 0755), 0);
        ASSERT_EQ(chmod(sdir, 01777), 0);
        sinside = write_image("sticky-dir/qemu", self.elf_class, self.elf_data, ET_EXEC,
                              self.machine, false, 0755);
        check(sinside, INTERP_OK);
}

TEST(good)
{
        _cleanup_free_ char *p = NULL, *pie = NULL, *x = NULL, *l = NULL, *chain = NULL;
        InterpCheck c;

        if (!need_root("root-owned static ELF"))
                return;
        p = write_image("static", self.elf_class, self.elf_data, ET_EXEC, self.machine, false,
                        0755);
        c = check(p, INTERP_OK);
        ASSERT_EQ(c.error, 0);
        ASSERT_EQ(c.machine, self.machine);
        ASSERT_TRUE(c.is_static);
        c = check_as(p, 0, INTERP_OK);

        pie = write_image("static-pie", self.elf_class, self.elf_data, ET_DYN, self.machine, false,
                          0755);
        check(pie, INTERP_OK);

        /* One execute bit is enough. */
        x = write_image("owner-x", self.elf_class, self.elf_data, ET_EXEC, self.machine, false,
                        0100);
        check(x, INTERP_OK);

        /* Symlinks are followed, as Debian's qemu-binfmt links are. */
        l = path_in("link");
        ASSERT_EQ(symlink(p, l), 0);
        c = check(l, INTERP_OK);
        ASSERT_TRUE(c.is_static);
        chain = path_in("link-to-link");
        ASSERT_EQ(symlink("link", chain), 0);
        check(chain, INTERP_OK);
}

/* A statically linked program of this machine on this system, or NULL. */
static const char *find_static_host_binary(void)
{
        static const char *const candidates[] = {
                "/usr/bin/qemu-aarch64-static",
                "/usr/bin/qemu-x86_64-static",
                "/usr/bin/qemu-riscv64-static",
                "/usr/bin/busybox",
                "/bin/busybox",
                "/sbin/ldconfig",
        };

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                _cleanup_close_ int fd = -EBADF;
                ElfInfo info;

                fd = open(candidates[i], O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (elf_read_fd(fd, &info) < 0)
                        continue;
                if (!info.has_interp && info.machine == self.machine &&
                    info.elf_class == self.elf_class)
                        return candidates[i];
        }
        return NULL;
}

TEST(real_static)
{
        _cleanup_free_ char *p = NULL;
        const char *src;
        struct stat st;
        InterpCheck c;

        src = find_static_host_binary();
        if (!src) {
                fprintf(stderr, "no statically linked program of this machine found, skipping\n");
                return;
        }
        /* Installed by a package: root-owned 0755 where it is, unless root is not ours (a user
         * namespace shows the real root as the overflow uid). */
        ASSERT_EQ(stat(src, &st), 0);
        if (st.st_uid == 0) {
                c = check(src, INTERP_OK);
                ASSERT_TRUE(c.is_static);
        } else
                fprintf(stderr, "%s is not owned by our root, skipping it in place\n", src);

        if (!need_root("copy of a real static program"))
                return;
        p = copy_file(src, "real-static", 0755);
        c = check(p, INTERP_OK);
        ASSERT_EQ(c.machine, self.machine);
        ASSERT_TRUE(c.is_static);
        ASSERT_EQ(chmod(p, 0775), 0);
        check(p, INTERP_WRITABLE);
}

TEST(strings)
{
        static const struct {
                InterpProblem p;
                const char *id;
        } ids[] = {
                {INTERP_OK, "ok"},
                {INTERP_NOT_ABSOLUTE, "not-absolute"},
                {INTERP_MISSING, "missing"},
                {INTERP_NOT_REGULAR, "not-regular"},
                {INTERP_NOT_EXECUTABLE, "not-executable"},
                {INTERP_NOT_ROOT_OWNED, "not-root-owned"},
                {INTERP_WRITABLE, "writable"},
                {INTERP_NOT_ELF, "not-elf"},
                {INTERP_DYNAMIC, "dynamic"},
                {INTERP_WRONG_MACHINE, "wrong-machine"},
                {INTERP_UNREADABLE, "unreadable"},
                {INTERP_DIRECTORY_UNSAFE, "directory-unsafe"},
        };

        ASSERT_EQ(ELEMENTSOF(ids), _INTERP_PROBLEM_MAX);
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                const char *s = interp_problem_to_string(ids[i].p);

                ASSERT_STREQ(interp_problem_to_id(ids[i].p), ids[i].id);
                /* Meant to follow "PATH: ": lower case, no trailing period. */
                ASSERT_NOT_NULL(s);
                ASSERT_TRUE(s[0] >= 'a' && s[0] <= 'z');
                ASSERT_TRUE(s[strlen(s) - 1] != '.');
        }
        ASSERT_CONTAINS(interp_problem_to_string(INTERP_DYNAMIC), "dynamically linked");
        ASSERT_CONTAINS(interp_problem_to_string(INTERP_DYNAMIC), "qemu-user-static");
        ASSERT_CONTAINS(interp_problem_to_string(INTERP_WRITABLE), "writable by group or others");
        ASSERT_CONTAINS(interp_problem_to_string(INTERP_NOT_ROOT_OWNED), "root");
        ASSERT_CONTAINS(interp_problem_to_string(INTERP_WRONG_MACHINE), "another machine");
        ASSERT_NULL(interp_problem_to_string(_INTERP_PROBLEM_MAX));
        ASSERT_NULL(interp_problem_to_id(_INTERP_PROBLEM_MAX));
        ASSERT_NULL(interp_problem_to_id((InterpProblem)-1));
}

static int remove_one(const char *path, _unused_ const struct stat *st, _unused_ int flag,
                      _unused_ struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

int main(void)
{
        _cleanup_close_ int fd = -EBADF;

        /* A check that blocks (on a FIFO, say) fails the test instead of hanging it. */
        alarm(30);

        fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(elf_read_fd(fd, &self));
        root = geteuid() == 0;
        fprintf(stderr, "host: %s, %u-bit; %s\n", strna(elf_machine_name(self.machine)),
                self.elf_class == ELFCLASS64 ? 64 : 32, root ? "root" : "not root");

        ASSERT_TRUE(asprintf(&tmpdir, "%s/test-interp-XXXXXX", getenv("TMPDIR") ?: "/tmp") >= 0);
        ASSERT_NOT_NULL(mkdtemp(tmpdir));

        RUN(not_absolute);
        RUN(missing);
        RUN(unreadable);
        RUN(not_regular);
        RUN(not_executable);
        RUN(not_root_owned);
        RUN(writable);
        RUN(not_elf);
        RUN(dynamic);
        RUN(wrong_machine);
        RUN(library_and_directories);
        RUN(good);
        RUN(real_static);
        RUN(strings);

        ASSERT_EQ(nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(tmpdir);
        return 0;
}
