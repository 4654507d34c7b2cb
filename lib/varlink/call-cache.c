/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "varlink/call-cache.h"

static void entry_done(VarlinkCallCacheEntry *e)
{
        free(e->message);
        varlink_call_done(&e->call);
        *e = (VarlinkCallCacheEntry){};
}

/* A call of the caller's own, sharing the parameters object (reference counted). */
static int call_copy(const VarlinkCall *from, VarlinkCall *ret)
{
        char *method = strdup(from->method);

        if (!method)
                return -ENOMEM;
        *ret = (VarlinkCall){
                .method = method,
                .parameters = json_object_get(from->parameters),
                .more = from->more,
                .oneway = from->oneway,
        };
        return 0;
}

int varlink_call_cache_parse(VarlinkCallCache *cache, const char *msg, size_t len, VarlinkCall *ret)
{
        VarlinkCallCacheEntry *victim;
        VarlinkCall call = {};
        char *copy;
        int r;

        assert(cache);
        assert(msg || len == 0);
        assert(ret);

        cache->lookups++;
        if (len > VARLINK_CALL_CACHE_MESSAGE_MAX)
                return varlink_call_parse(msg, len, ret);

        victim = &cache->entries[0];
        for (size_t i = 0; i < VARLINK_CALL_CACHE_ENTRIES; i++) {
                VarlinkCallCacheEntry *e = &cache->entries[i];

                if (e->message && e->len == len && memcmp(e->message, msg, len) == 0) {
                        r = call_copy(&e->call, ret);
                        if (r < 0)
                                return r;
                        e->used = cache->lookups;
                        cache->hits++;
                        return 0;
                }
                if (!e->message || (victim->message && e->used < victim->used))
                        victim = e;
        }

        r = varlink_call_parse(msg, len, &call);
        if (r < 0)
                return r;
        /* Kept only if it can be: a parse is returned all the same. */
        copy = malloc(len + 1);
        if (copy && call_copy(&call, ret) >= 0) {
                memcpy(copy, msg, len);
                copy[len] = 0;
                entry_done(victim);
                *victim = (VarlinkCallCacheEntry){
                        .message = copy,
                        .len = len,
                        .call = call,
                        .used = cache->lookups,
                };
                return 0;
        }
        free(copy);
        *ret = call;
        return 0;
}

void varlink_call_cache_done(VarlinkCallCache *cache)
{
        if (!cache)
                return;
        for (size_t i = 0; i < VARLINK_CALL_CACHE_ENTRIES; i++)
                entry_done(&cache->entries[i]);
        *cache = (VarlinkCallCache){};
}
