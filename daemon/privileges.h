/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Dropping privileges once start-up is done. Registering, repairing and removing entries need
 * no capability: binfmt_misc checks plain file permissions, and the daemon stays uid 0, the
 * owner of "register" and of every entry (mode 0200 and 0644). With F the kernel opens the
 * interpreter with the credentials of whoever opened "register", and root-owned emulators are
 * readable by their owner. Mounting binfmt_misc needed CAP_SYS_ADMIN, and that was start-up.
 */

/**
 * privileges_drop() - clear every capability (effective, permitted, inheritable, ambient and
 * the bounding set), lock the securebits so uid 0 cannot regain them through execve, and set
 * no_new_privs. Returns 0 or -errno.
 *
 * One capability stays in the effective and permitted sets: CAP_SYS_CHROOT, which the probes'
 * container pass needs (lib/verify/probe-run.c: each probe child chroots into an empty directory and
 * then drops it too, before execve). The bounding set is empty all the same.
 */
int privileges_drop(void);
