/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/target/interp-cache.c, on real files in a private temporary directory: a verdict
 * is reused while the file and every directory and symlink on its way are as they were, and
 * judged again after any change that could alter it (mode, contents, a file renamed over it, a
 * symlink pointed elsewhere, a directory made writable). Files changed in the last two seconds
 * are never trusted to tell, so the test waits that long where it wants a verdict kept.
 *
 * /tmp is on every file's way here, and other programs change it all the time (its change time
 * with them): the test mounts a tmpfs of its own over /tmp in a mount namespace of its own. That
 * needs root; without it the test is skipped.
 */

#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>
#include <link.h>

#include "target/elf.h"
#include "target/host.h"
#include "target/interp-cache.h"
#include "tests.h"

static char *tmpdir;
static HostInfo host;

static char *path_in(const char *name)
{
        char *p;

        ASSERT_TRUE(asprintf(&p, "%s/%s", tmpdir, name) >= 0);
        return p;
}

/* A minimal program of this host's machine and class (ElfW: this build's own): static, or with
 * PT_INTERP. */
static void write_program(const char *path, bool dynamic)
{
        struct {
                ElfW(Ehdr) e;
                ElfW(Phdr) ph[2];
        } img = {};
        _cleanup_close_ int fd = -EBADF;
        size_t n = dynamic ? 2 : 1, len = sizeof(img.e) + n * sizeof(img.ph[0]);

        memcpy(img.e.e_ident, ELFMAG, SELFMAG);
        img.e.e_ident[EI_CLASS] = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
        img.e.e_ident[EI_DATA] =
                __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
        img.e.e_ident[EI_VERSION] = EV_CURRENT;
        img.e.e_type = ET_EXEC;
        img.e.e_machine = host.e_machine;
        img.e.e_version = EV_CURRENT;
        img.e.e_entry = 0x401000;
        img.e.e_phoff = sizeof(img.e);
        img.e.e_ehsize = sizeof(img.e);
        img.e.e_phentsize = sizeof(img.ph[0]);
        img.e.e_phnum = n;
        img.ph[0].p_type = PT_LOAD;
        img.ph[1].p_type = PT_INTERP;

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, &img, len), (ssize_t)len);
        ASSERT_EQ(fchmod(fd, 0755), 0);
}

/* Waits until whatever was changed so far is older than the cache's racy window. */
static void settle(void)
{
        usleep(2100 * 1000);
}

static unsigned hits, misses;

/* Looks @path up through @c; checks the verdict and whether it came from the cache. */
static void lookup(InterpCache *c, const char *path, InterpProblem want, bool want_hit)
{
        InterpCheck chk, direct;

        interp_check_host_cached(c, &host, path, &chk);
        fprintf(stderr, "%s: %s, %s\n", path, interp_problem_to_id(chk.problem),
                interp_cache_hits(c) > hits ? "from the cache" : "checked");
        ASSERT_STREQ(interp_problem_to_id(chk.problem), interp_problem_to_id(want));
        /* Never another answer than a check of its own. */
        interp_check_host(&host, path, &direct);
        ASSERT_STREQ(interp_problem_to_id(chk.problem), interp_problem_to_id(direct.problem));
        ASSERT_EQ(interp_cache_hits(c), hits + want_hit);
        ASSERT_EQ(interp_cache_misses(c), misses + !want_hit);
        hits = interp_cache_hits(c);
        misses = interp_cache_misses(c);
}

/* Lets the changes so far settle, then checks @path once more and finds the verdict kept. */
static void settle_and_keep(InterpCache *c, const char *path, InterpProblem want)
{
        settle();
        lookup(c, path, want, false);
        lookup(c, path, want, true);
}

TEST(kept_while_unchanged)
{
        _cleanup_free_ char *dir = path_in("bin"), *qemu = path_in("bin/qemu-test-static");
        InterpCache *c = interp_cache_new();

        ASSERT_NOT_NULL(c);
        hits = misses = 0;
        ASSERT_EQ(mkdir(dir, 0755), 0);
        write_program(qemu, false);

        lookup(c, qemu, INTERP_OK, false);
        lookup(c, qemu, INTERP_OK, false); /* just made: racy, not kept */
        settle_and_keep(c, qemu, INTERP_OK);
        lookup(c, qemu, INTERP_OK, true);

        /* Its mode: group-writable is refused at once, and not kept. */
        ASSERT_EQ(chmod(qemu, 0775), 0);
        lookup(c, qemu, INTERP_WRITABLE, false);
        ASSERT_EQ(chmod(qemu, 0755), 0);
        lookup(c, qemu, INTERP_OK, false);

        /* Its contents, in place: same inode, new change time. */
        settle_and_keep(c, qemu, INTERP_OK);
        write_program(qemu, true);
        lookup(c, qemu, INTERP_DYNAMIC, false);

        /* Another file renamed over it: another inode. */
        settle_and_keep(c, qemu, INTERP_DYNAMIC);
        {
                _cleanup_free_ char *next = path_in("bin/.qemu-test-static.new");

                write_program(next, false);
                ASSERT_EQ(rename(next, qemu), 0);
        }
        lookup(c, qemu, INTERP_OK, false);

        /* A directory on the way made writable by others. */
        settle_and_keep(c, qemu, INTERP_OK);
        ASSERT_EQ(chmod(dir, 0777), 0);
        lookup(c, qemu, INTERP_DIRECTORY_UNSAFE, false);
        ASSERT_EQ(chmod(dir, 0755), 0);
        lookup(c, qemu, INTERP_OK, false);

        /* Gone. */
        ASSERT_EQ(unlink(qemu), 0);
        lookup(c, qemu, INTERP_MISSING, false);
        interp_cache_free(c);
}

TEST(symlink_pointed_elsewhere)
{
        _cleanup_free_ char *good = path_in("good-static"), *bad = path_in("bad-dynamic"),
                            *link = path_in("qemu-link"), *tmp = path_in(".qemu-link.new");
        InterpCache *c = interp_cache_new();

        ASSERT_NOT_NULL(c);
        hits = misses = 0;
        write_program(good, false);
        write_program(bad, true);
        ASSERT_EQ(symlink("good-static", link), 0);
        settle_and_keep(c, link, INTERP_OK);

        /* As dpkg and update-alternatives do: a new link renamed over the old one. */
        ASSERT_EQ(symlink("bad-dynamic", tmp), 0);
        ASSERT_EQ(rename(tmp, link), 0);
        lookup(c, link, INTERP_DYNAMIC, false);
        interp_cache_free(c);
}

TEST(no_cache)
{
        _cleanup_free_ char *qemu = path_in("plain-static");
        InterpCheck chk;

        write_program(qemu, false);
        interp_check_host_cached(NULL, &host, qemu, &chk);
        ASSERT_STREQ(interp_problem_to_id(chk.problem), "ok");
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(p);
}

int main(void)
{
        _cleanup_close_ int fd = -EBADF;
        ElfInfo self;

        alarm(60);
        if (geteuid() != 0) {
                fprintf(stderr, "skipped: needs root, for a quiet /tmp of its own\n");
                return 77;
        }
        ASSERT_EQ(unshare(CLONE_NEWNS), 0);
        ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ASSERT_EQ(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"), 0);
        fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(elf_read_fd(fd, &self));
        host = (HostInfo){.e_machine = self.machine};
        /* The files are the caller's: trusted as a user's own interpreter would be. */
        interp_trust_owner(geteuid());

        ASSERT_TRUE(asprintf(&tmpdir, "/tmp/test-interp-cache-XXXXXX") >= 0);
        ASSERT_NOT_NULL(mkdtemp(tmpdir));
        ASSERT_EQ(chmod(tmpdir, 0755), 0);

        RUN(kept_while_unchanged);
        RUN(symlink_pointed_elsewhere);
        RUN(no_cache);

        (void)nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(tmpdir);
        return 0;
}
