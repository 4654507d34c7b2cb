/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/macro.h"

/*
 * The record of which entries binfmtd registered, one directory per binfmt_misc instance under
 * a state directory (/run/binfmtd/owned by default: it lives exactly as long as the host's
 * registrations, until reboot). An entry is binfmtd's when its name is recorded for the
 * instance; everything else is foreign and left alone unless forced, whatever its bytes.
 *
 * The kernel gives an instance no name of its own, so one is made of two things:
 *
 * - its device number, which no other live instance has (the directory is <state>/<device>);
 * - a witness that the instance is the one the records were made for. Device numbers of dead
 *   instances are reused at once, so the device alone would hand an instance that is gone's
 *   records to the next one. The witness is the change time of the instance's "status" file,
 *   kept in <state>/<device>.instance: a new instance has a new "status" file. That time also
 *   changes when someone touches the file or writes it with truncation ("echo 1 >status"), so
 *   when it differs, an entry decides: each record notes the inode number of the entry it was
 *   written for, and the kernel numbers every new entry from one system-wide counter. If one
 *   recorded entry is still there with its number, the instance is the same one and the
 *   witness is renewed; if none is, it is a new instance (or an old one that lost all of
 *   binfmtd's entries, a flush by a truncating write) and the records no longer apply.
 *
 * Records are written whole or not at all (a temporary file renamed over), and binfmtd records
 * an entry before registering it, so that a crash in between never leaves an entry of its own
 * unrecorded. A record of an entry that does not exist (a crash right after the record) claims
 * the name as binfmtd's, as every record of a name it registered does: the next reconcile
 * registers the entry, or, if another tool registered the name meanwhile, replaces that entry
 * as it would replace one of its own that another tool replaced.
 */

#define OWNED_STATE_DIR_DEFAULT "/run/binfmtd/owned"

typedef struct Owned Owned;

/**
 * owned_state_dir() - the state directory: $BINFMTD_STATE_DIR when set (tests), else the
 * default.
 */
const char *owned_state_dir(void);

/**
 * owned_open() - the record of the instance at @instance_fd (borrowed: it must stay open as
 * long as the record) under @state_dir. Nothing is created until something is recorded.
 * Returns 0 or -errno.
 */
int owned_open(const char *state_dir, int instance_fd, Owned **ret);

Owned *owned_free(Owned *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(Owned *, owned_free);

/* 1 if @name is recorded, 0 if not (also for a NULL record). */
int owned_has(Owned *o, const char *name);

/*
 * Record @name (with @content: "pin DEV INO" and the register string). When the entry exists,
 * its inode number is recorded too ("entry INO"): record before registering, and once more
 * after.
 */
int owned_add(Owned *o, const char *name, const char *content);

/* Forget @name. Not recorded is fine. */
int owned_remove(Owned *o, const char *name);

/**
 * owned_lock() - one writer at a time: an exclusive flock(2) on @state_dir/.lock (made, with
 * the directory, when missing), held until the returned descriptor is closed. The daemon,
 * binfmtctl in direct mode and the compatibility mode take it around every sequence of writes
 * to an instance and its records, so that a replacement (several writes) never meets another.
 * Blocks while another holds it. Returns 0 or -errno.
 */
int owned_lock(const char *state_dir, int *ret_fd);

/*
 * The interpreter file binfmtd's entry @name pinned (F) when it was registered, as its record
 * says ("pin DEV INO" on the record's first line): 0, -ENODATA for a record without one (written
 * before the registration, or by an older binfmtd), -ENOENT when not recorded.
 */
int owned_get_pin(Owned *o, const char *name, uint64_t *ret_dev, uint64_t *ret_ino);
