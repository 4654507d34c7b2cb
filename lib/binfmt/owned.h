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
 * An instance is named by its device and the creation time of its "status" file. Device
 * numbers of dead instances are reused, but a new instance has a new "status" file, so records
 * of an instance that is gone never apply to another. Flushing writes "status" and removes
 * every entry: the old records then stop applying, as they should.
 */

#define OWNED_STATE_DIR_DEFAULT "/run/binfmtd/owned"

typedef struct Owned Owned;

/**
 * owned_state_dir() - the state directory: $BINFMTD_STATE_DIR when set (tests), else the
 * default.
 */
const char *owned_state_dir(void);

/**
 * owned_open() - the record of the instance at @instance_fd under @state_dir. Nothing is
 * created until something is recorded. Returns 0 or -errno.
 */
int owned_open(const char *state_dir, int instance_fd, Owned **ret);

Owned *owned_free(Owned *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(Owned *, owned_free);

/* 1 if @name is recorded, 0 if not (also for a NULL record). */
int owned_has(Owned *o, const char *name);

/* Record @name (with @content, the register string, for people reading the directory). */
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
