/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "varlink/varlink.h"

/*
 * The parses of the last few distinct calls, by their exact bytes. Clients ask the same thing
 * over and over (a readiness probe, a build tool polling GetStatus), and parsing a call checks
 * every byte and builds its JSON objects, more work than answering it from the snapshot. A
 * message is looked up by a byte-for-byte comparison, so only the very same bytes get a cached
 * parse, and what is cached is exactly what varlink_call_parse() made of them. Small calls only,
 * so the cache stays a few KiB. Pure: no I/O, one owner.
 */

#define VARLINK_CALL_CACHE_ENTRIES     4
#define VARLINK_CALL_CACHE_MESSAGE_MAX 256 /* longer calls are parsed each time */

typedef struct VarlinkCallCacheEntry {
        char *message; /* NULL: unused */
        size_t len;
        VarlinkCall call;
        uint64_t used; /* the lookup that last used it, for eviction */
} VarlinkCallCacheEntry;

typedef struct VarlinkCallCache {
        VarlinkCallCacheEntry entries[VARLINK_CALL_CACHE_ENTRIES];
        uint64_t lookups;
        uint64_t hits; /* for tests and benchmarks */
} VarlinkCallCache;

/**
 * varlink_call_cache_parse() - varlink_call_parse() of @msg (@len bytes), from @cache when the
 * same bytes were parsed before. @ret gets a call of its own (free it with varlink_call_done());
 * its parameters object is shared with the cache, and must not be modified. A message that
 * does not parse is never cached. Returns what varlink_call_parse() returns.
 */
int varlink_call_cache_parse(VarlinkCallCache *cache, const char *msg, size_t len,
                             VarlinkCall *ret);

/* Frees what @cache holds and empties it. */
void varlink_call_cache_done(VarlinkCallCache *cache);
