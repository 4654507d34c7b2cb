/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "target/arch.h"
#include "target/host.h"

/*
 * Interpreter safety: an emulator registered with F is opened by the kernel and then runs for
 * every matching program, in every chroot and container. It must be a regular executable file
 * owned by root and writable by nobody else, a static ELF (a dynamic one cannot find its loader
 * inside a foreign root; static-pie counts as static) built for the host's machine.
 */

typedef enum InterpProblem {
        INTERP_OK,
        INTERP_NOT_ABSOLUTE,
        INTERP_MISSING,
        INTERP_NOT_REGULAR,
        INTERP_NOT_EXECUTABLE,
        INTERP_NOT_ROOT_OWNED,
        INTERP_WRITABLE,
        INTERP_NOT_ELF,
        INTERP_DYNAMIC,
        INTERP_WRONG_MACHINE,
        INTERP_UNREADABLE,
        INTERP_DIRECTORY_UNSAFE,
        _INTERP_PROBLEM_MAX,
} InterpProblem;

typedef struct InterpCheck {
        InterpProblem problem;
        int error;        /* errno behind MISSING/UNREADABLE, else 0 */
        uint16_t machine; /* e_machine found, when it is an ELF */
        bool is_static;
} InterpCheck;

/**
 * interp_check() - check the interpreter at absolute @path (symlinks are followed: Debian's
 * /usr/libexec/qemu-binfmt/ARCH-binfmt-P are links) for @host_machine (EM_*) and @host_class
 * (ELFCLASS*; 0 accepts either: a 32-bit emulator on a 64-bit kernel is fine).
 *
 * Returns 0 when the check ran (the verdict is in @ret, INTERP_OK or a problem), or a
 * negative errno only on allocation failure. Never opens more than the file itself.
 */
int interp_check(const char *path, uint16_t host_machine, uint8_t host_class, InterpCheck *ret);

/*
 * What a check met on its way, for a cache of verdicts: every directory, symlink and the file
 * itself, each with the path it was met at and its identity (device, inode, change time). A
 * directory's change time moves whenever a name in it is added, removed or renamed, and any
 * file's when its owner, mode or contents change; a mount over a path gives another device
 * and inode there. So while every item is as it was, the check would find what it found.
 */
typedef struct InterpSeen {
        char *path;
        dev_t dev;
        ino_t ino;
        struct timespec ctime;
} InterpSeen;

typedef struct InterpTrail {
        InterpSeen *items;
        size_t n, alloc;
        bool complete; /* the walk reached the file: the verdict depends on these items only */
} InterpTrail;

/** interp_check_trail() - interp_check(), recording in @trail (NULL: none) what it met. */
int interp_check_trail(const char *path, uint16_t host_machine, uint8_t host_class,
                       InterpCheck *ret, InterpTrail *trail);

/** interp_trail_unchanged() - whether every item of a complete @trail is as recorded. */
bool interp_trail_unchanged(const InterpTrail *t);

void interp_trail_done(InterpTrail *t);

/**
 * interp_trust_owner() - besides root, trust files and directories that @uid owns, for the
 * rest of the process: what a user's own interpreter may be when that user registers in a
 * binfmt_misc instance of its own (binfmtctl exec, --user). Such a file is safe when it and
 * every directory on its path are root's or that user's, and writable by nobody else (a
 * directory may be writable by others if sticky). Nobody else's file is ever trusted.
 */
void interp_trust_owner(uid_t uid);

/* The user interp_trust_owner() named, or 0. */
uid_t interp_trusted_owner(void);

/**
 * interp_check_host() - interp_check() for host @h: its executable's machine, and for a 32-bit
 * userland on a 64-bit kernel the kernel's machine as well. @h NULL (an unknown host): no
 * machine is right.
 */
void interp_check_host(const HostInfo *h, const char *path, InterpCheck *ret);

/** interp_check_host_trail() - interp_check_host(), recording in @trail what it met. */
void interp_check_host_trail(const HostInfo *h, const char *path, InterpCheck *ret,
                             InterpTrail *trail);

/**
 * interp_find() - the first safe interpreter for @a on the search path @dirs: DIR/qemu-NAME-static,
 * then DIR/qemu-NAME, for each DIR in order. Returns 0 with the path and its check; -ENOENT when
 * no candidate exists; -EPERM when candidates exist but none passes (the first one's path and
 * problem are returned then, for the message); -ENOMEM.
 */
int interp_find(const HostInfo *h, char *const *dirs, const BinfmtArch *a, char **ret_path,
                InterpCheck *ret_check);

/**
 * interp_problem_to_string() - "is not statically linked (it has a PT_INTERP program header)"
 * style text for a problem, meant to follow the path in a message.
 */
const char *interp_problem_to_string(InterpProblem p);

/**
 * interp_problem_to_id() - stable identifier for JSON: "ok", "missing", "dynamic", ...
 */
const char *interp_problem_to_id(InterpProblem p);
