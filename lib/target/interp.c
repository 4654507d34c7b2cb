/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Interpreter safety. Owns the verdict on one interpreter file and the words for it: the path is
 * opened once, following symlinks, and every judgement of the file is made on the opened file
 * (fstat and its ELF header), so what is judged is what was opened. The path itself is walked
 * literally, component by component, as the kernel will resolve it at registration. It must not
 * log, must not open anything but the path's components and the file, and must not decide what
 * a bad interpreter means: callers do.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include <elf.h>

#include "target/elf.h"
#include "target/interp.h"
#include "base/macro.h"

static int verdict(InterpCheck *ret, InterpProblem problem, int error)
{
        *ret = (InterpCheck){.problem = problem, .error = error};
        return 0;
}

/* Besides root, the one user whose files may be trusted (interp_trust_owner()). */
static uid_t trusted_owner = 0;

void interp_trust_owner(uid_t uid)
{
        trusted_owner = uid;
}

uid_t interp_trusted_owner(void)
{
        return trusted_owner;
}

static bool owner_trusted(uid_t uid)
{
        return uid == 0 || uid == trusted_owner;
}

/* Whether a directory on the way is safe: root's (or the trusted user's), and writable by no
 * one else unless sticky (as /tmp: others may not rename or remove root's names in it). */
static bool directory_safe(const struct stat *st)
{
        return owner_trusted(st->st_uid) &&
               (!(st->st_mode & (S_IWGRP | S_IWOTH)) || (st->st_mode & S_ISVTX));
}

#define SYMLINKS_MAX 40 /* as the kernel's own limit */

void interp_trail_done(InterpTrail *t)
{
        for (size_t i = 0; i < t->n; i++)
                free(t->items[i].path);
        free(t->items);
        *t = (InterpTrail){};
}

static int trail_add(InterpTrail *t, const char *path, const struct stat *st)
{
        InterpSeen *s;

        if (!t)
                return 0;
        if (t->n == t->alloc) {
                size_t a = t->alloc ? t->alloc * 2 : 8;
                InterpSeen *items = reallocarray(t->items, a, sizeof(*items));

                if (!items)
                        return -ENOMEM;
                t->items = items;
                t->alloc = a;
        }
        s = &t->items[t->n];
        *s = (InterpSeen){.dev = st->st_dev, .ino = st->st_ino, .ctime = st->st_ctim};
        s->path = strdup(path);
        if (!s->path)
                return -ENOMEM;
        t->n++;
        return 0;
}

bool interp_trail_unchanged(const InterpTrail *t)
{
        if (!t->complete || t->n == 0)
                return false;
        for (size_t i = 0; i < t->n; i++) {
                const InterpSeen *s = &t->items[i];
                struct stat st;

                if (fstatat(AT_FDCWD, s->path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    st.st_dev != s->dev || st.st_ino != s->ino ||
                    st.st_ctim.tv_sec != s->ctime.tv_sec || st.st_ctim.tv_nsec != s->ctime.tv_nsec)
                        return false;
        }
        return true;
}

/* Closes *@fd and puts @new in its place (which may be negative: an error to report). */
static void replace_fd(int *fd, int new)
{
        if (*fd >= 0)
                close(*fd);
        *fd = new;
}

/*
 * The path as the kernel will resolve it when it registers the entry, walked one component at a
 * time with O_PATH|O_NOFOLLOW, literally: every directory that holds a component, and every
 * directory a symlink's target is resolved from, must be safe, and every symlink met must be
 * root's. Resolving with realpath() first and checking only the result would miss a symlink in
 * a directory another user owns: that user could point it elsewhere before the next
 * registration. Returns 0, -EPERM for anything unsafe, -ELOOP, -ENOMEM, or -errno.
 */
static int check_path(const char *path, InterpTrail *trail)
{
        _cleanup_free_ char *rest = strdup(path), *walked = strdup("");
        _cleanup_close_ int dir = -EBADF;
        unsigned symlinks = 0;
        struct stat st;
        char *p;
        int r;

        if (!rest || !walked)
                return -ENOMEM;
        dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        if (fstat(dir, &st) < 0)
                return -errno;
        r = trail_add(trail, "/", &st);
        if (r < 0)
                return r;
        if (!directory_safe(&st))
                return -EPERM;

        p = rest;
        for (;;) {
                _cleanup_close_ int fd = -EBADF;
                char *comp, target[PATH_MAX];
                ssize_t k;

                while (*p == '/')
                        p++;
                if (!*p)
                        return 0; /* the path named a directory: the caller finds out */
                comp = p;
                p += strcspn(p, "/");
                if (*p)
                        *p++ = '\0';

                _cleanup_free_ char *here = NULL;

                fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;
                /* Where it was met, as a path the kernel resolves the same way while nothing
                 * on the trail has changed. */
                if (trail) {
                        if (asprintf(&here, "%s/%s", walked, comp) < 0)
                                return -ENOMEM;
                        r = trail_add(trail, here, &st);
                        if (r < 0)
                                return r;
                }

                if (S_ISLNK(st.st_mode)) {
                        _cleanup_free_ char *joined = NULL;

                        if (++symlinks > SYMLINKS_MAX)
                                return -ELOOP;
                        if (!owner_trusted(st.st_uid))
                                return -EPERM;
                        k = readlinkat(fd, "", target, sizeof(target) - 1);
                        if (k < 0)
                                return -errno;
                        target[k] = '\0';
                        /* The target is resolved from here (relative) or from / (absolute). */
                        if (target[0] == '/') {
                                replace_fd(&dir, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
                                if (dir < 0)
                                        return -errno;
                                walked[0] = '\0';
                        }
                        if (asprintf(&joined, "%s/%s", target, p) < 0)
                                return -ENOMEM;
                        free(rest);
                        rest = TAKE_PTR(joined);
                        p = rest;
                        continue;
                }
                if (!*p || !S_ISDIR(st.st_mode))
                        return 0; /* the last component: the file itself, judged by the caller */
                if (!directory_safe(&st))
                        return -EPERM;
                replace_fd(&dir, TAKE_FD(fd));
                if (trail) {
                        free(walked);
                        walked = TAKE_PTR(here);
                }
        }
}

int interp_check(const char *path, uint16_t host_machine, uint8_t host_class, InterpCheck *ret)
{
        return interp_check_trail(path, host_machine, host_class, ret, NULL);
}

int interp_check_trail(const char *path, uint16_t host_machine, uint8_t host_class,
                       InterpCheck *ret, InterpTrail *trail)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        ElfInfo info;
        int r;

        assert(path);
        assert(ret);

        if (path[0] != '/')
                return verdict(ret, INTERP_NOT_ABSOLUTE, 0);

        /* O_NONBLOCK: a FIFO must not hang us before fstat() says it is not a regular file.
         * O_NOCTTY: a terminal device must not become our controlling terminal. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;

                return verdict(ret, e == ENOENT ? INTERP_MISSING : INTERP_UNREADABLE, e);
        }
        if (fstat(fd, &st) < 0)
                return verdict(ret, INTERP_UNREADABLE, errno);

        if (!S_ISREG(st.st_mode))
                return verdict(ret, INTERP_NOT_REGULAR, 0);
        if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0)
                return verdict(ret, INTERP_NOT_EXECUTABLE, 0);
        /* Whoever can change the file runs code in every emulated process, in every container. */
        if (!owner_trusted(st.st_uid))
                return verdict(ret, INTERP_NOT_ROOT_OWNED, 0);
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                return verdict(ret, INTERP_WRITABLE, 0);
        /* The kernel opens the path again when it registers: whoever can change a directory on
         * the way could swap the file in between. */
        r = check_path(path, trail);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return verdict(ret, INTERP_DIRECTORY_UNSAFE, 0);
        if (trail)
                trail->complete = true;

        r = elf_read_fd(fd, &info);
        if (r == -ENOMEM)
                return r;
        if (r == -EBADMSG || r == -ENODATA)
                return verdict(ret, INTERP_NOT_ELF, 0);
        if (r < 0)
                return verdict(ret, INTERP_UNREADABLE, -r);

        *ret = (InterpCheck){
                .machine = info.machine,
                .is_static = !info.has_interp,
        };
        /* An object file, a core dump or a shared library (no entry point) is ELF, but not a
         * program the kernel can run: a library without PT_INTERP would pass for static-pie. */
        if ((info.type != ET_EXEC && info.type != ET_DYN) || info.entry == 0)
                ret->problem = INTERP_NOT_ELF;
        /* F pins the interpreter file, not its dynamic loader: the kernel looks that up in the
         * emulated program's root, where the host's loader is usually absent. */
        else if (info.has_interp)
                ret->problem = INTERP_DYNAMIC;
        else if (info.machine != host_machine || (host_class != 0 && info.elf_class != host_class))
                ret->problem = INTERP_WRONG_MACHINE;
        else
                ret->problem = INTERP_OK;
        return 0;
}

static const char *const problem_strings[_INTERP_PROBLEM_MAX] = {
        [INTERP_OK] = "is a statically linked executable for this host",
        [INTERP_NOT_ABSOLUTE] = "is not an absolute path",
        [INTERP_MISSING] = "does not exist",
        [INTERP_NOT_REGULAR] = "is not a regular file",
        [INTERP_NOT_EXECUTABLE] = "is not executable (no execute permission bit is set)",
        [INTERP_NOT_ROOT_OWNED] = "is not owned by root",
        [INTERP_WRITABLE] = "is writable by group or others",
        [INTERP_NOT_ELF] = "is not an ELF executable",
        [INTERP_DYNAMIC] = ("is dynamically linked (it names a program interpreter); install the "
                            "statically linked qemu-user-static"),
        [INTERP_WRONG_MACHINE] = "is built for another machine than this host",
        [INTERP_DIRECTORY_UNSAFE] =
                "is reached through a directory or symlink that someone other than "
                "root can change",
        [INTERP_UNREADABLE] = "cannot be opened or read",
};

static const char *const problem_ids[_INTERP_PROBLEM_MAX] = {
        [INTERP_OK] = "ok",
        [INTERP_NOT_ABSOLUTE] = "not-absolute",
        [INTERP_MISSING] = "missing",
        [INTERP_NOT_REGULAR] = "not-regular",
        [INTERP_NOT_EXECUTABLE] = "not-executable",
        [INTERP_NOT_ROOT_OWNED] = "not-root-owned",
        [INTERP_WRITABLE] = "writable",
        [INTERP_NOT_ELF] = "not-elf",
        [INTERP_DYNAMIC] = "dynamic",
        [INTERP_WRONG_MACHINE] = "wrong-machine",
        [INTERP_UNREADABLE] = "unreadable",
        [INTERP_DIRECTORY_UNSAFE] = "directory-unsafe",
};

const char *interp_problem_to_string(InterpProblem p)
{
        if ((unsigned)p >= _INTERP_PROBLEM_MAX)
                return NULL;
        return problem_strings[p];
}

const char *interp_problem_to_id(InterpProblem p)
{
        if ((unsigned)p >= _INTERP_PROBLEM_MAX)
                return NULL;
        return problem_ids[p];
}

void interp_check_host(const HostInfo *h, const char *path, InterpCheck *ret)
{
        interp_check_host_trail(h, path, ret, NULL);
}

void interp_check_host_trail(const HostInfo *h, const char *path, InterpCheck *ret,
                             InterpTrail *trail)
{
        uint16_t machine = h ? h->e_machine : 0;

        (void)interp_check_trail(path, machine, 0, ret, trail);
        /* A 32-bit userland on a 64-bit kernel: the kernel's own machine is fine as well. */
        if (ret->problem == INTERP_WRONG_MACHINE && h && h->kernel_arch &&
            h->kernel_arch->e_machine != machine) {
                if (trail)
                        interp_trail_done(trail);
                (void)interp_check_trail(path, h->kernel_arch->e_machine, 0, ret, trail);
        }
}

int interp_find(const HostInfo *h, char *const *dirs, const BinfmtArch *a, char **ret_path,
                InterpCheck *ret_check)
{
        static const char *const suffixes[] = {"-static", ""};
        _cleanup_free_ char *bad_path = NULL;
        InterpCheck bad = {};

        for (size_t d = 0; dirs && dirs[d]; d++)
                for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                        _cleanup_free_ char *p = NULL;
                        InterpCheck chk;
                        struct stat st;

                        if (asprintf(&p, "%s/qemu-%s%s", dirs[d], a->name, suffixes[i]) < 0)
                                return -ENOMEM;
                        if (stat(p, &st) < 0)
                                continue;

                        interp_check_host(h, p, &chk);
                        if (chk.problem == INTERP_OK) {
                                *ret_path = TAKE_PTR(p);
                                *ret_check = chk;
                                return 0;
                        }
                        if (!bad_path) {
                                bad_path = TAKE_PTR(p);
                                bad = chk;
                        }
                }

        if (!bad_path)
                return -ENOENT;
        *ret_path = TAKE_PTR(bad_path);
        *ret_check = bad;
        return -EPERM;
}
