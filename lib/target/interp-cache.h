/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "target/interp.h"

/*
 * Interpreter verdicts kept by file identity: a verdict is reused while everything its check met
 * (InterpTrail: the directories on the way, the symlinks, the file) has the device, inode and
 * change time it had, which costs one stat per item instead of opening each and reading the
 * ELF headers. For a daemon that judges the same few interpreters at every change.
 */

typedef struct InterpCache InterpCache;

InterpCache *interp_cache_new(void);
InterpCache *interp_cache_free(InterpCache *c);

/**
 * interp_check_host_cached() - interp_check_host() through @c (NULL: no cache). Verdicts whose
 * check did not reach the file (missing, unsafe on the way) are not kept: they are cheap, and
 * the change that fixes them may be anywhere. Nor are those of files or directories changed in
 * the two seconds before the check: the change time may not tell a change made then.
 */
void interp_check_host_cached(InterpCache *c, const HostInfo *h, const char *path,
                              InterpCheck *ret);

/* Lookups answered from the cache, and checks made, since it was made. */
unsigned interp_cache_hits(const InterpCache *c);
unsigned interp_cache_misses(const InterpCache *c);
