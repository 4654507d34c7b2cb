/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/time.h"
#include "target/interp-cache.h"

/* More interpreters than any configuration names: beyond that, start again. */
#define INTERP_CACHE_MAX 64
/*
 * A change made within the file system's timestamp granularity of the check could leave a
 * change time as it was recorded (git's "racily clean" files): a trail with an item changed
 * less than this before the check is not kept. Two seconds cover the coarsest (FAT's).
 */
#define RACY_USEC (2 * USEC_PER_SEC)

typedef struct CachedVerdict {
        char *path;
        uint16_t machine; /* the host's, as asked */
        uid_t trusted;    /* interp_trust_owner() when it was judged */
        InterpCheck check;
        InterpTrail trail;
} CachedVerdict;

struct InterpCache {
        CachedVerdict items[INTERP_CACHE_MAX];
        size_t n;
        unsigned hits, misses;
};

InterpCache *interp_cache_new(void)
{
        return calloc(1, sizeof(InterpCache));
}

static void item_done(CachedVerdict *v)
{
        free(v->path);
        interp_trail_done(&v->trail);
        *v = (CachedVerdict){};
}

InterpCache *interp_cache_free(InterpCache *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++)
                item_done(&c->items[i]);
        free(c);
        return NULL;
}

static bool trail_racy(const InterpTrail *t, uint64_t checked_usec)
{
        for (size_t i = 0; i < t->n; i++) {
                const struct timespec *ts = &t->items[i].ctime;
                uint64_t usec = (uint64_t)ts->tv_sec * USEC_PER_SEC + (uint64_t)ts->tv_nsec / 1000;

                if (ts->tv_sec < 0 || usec + RACY_USEC > checked_usec)
                        return true;
        }
        return false;
}

void interp_check_host_cached(InterpCache *c, const HostInfo *h, const char *path, InterpCheck *ret)
{
        uint16_t machine = h ? h->e_machine : 0;
        uid_t trusted = interp_trusted_owner();
        CachedVerdict *v = NULL;
        InterpTrail t = {};
        uint64_t checked_usec;

        if (!c) {
                interp_check_host(h, path, ret);
                return;
        }
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->items[i].path, path) && c->items[i].machine == machine &&
                    c->items[i].trusted == trusted) {
                        v = &c->items[i];
                        break;
                }
        if (v && interp_trail_unchanged(&v->trail)) {
                c->hits++;
                *ret = v->check;
                return;
        }

        c->misses++;
        checked_usec = now_usec(CLOCK_REALTIME);
        interp_check_host_trail(h, path, ret, &t);
        if (!t.complete || trail_racy(&t, checked_usec)) {
                interp_trail_done(&t);
                if (v) {
                        /* The old verdict is gone with what it was based on. */
                        item_done(v);
                        *v = c->items[--c->n];
                        c->items[c->n] = (CachedVerdict){};
                }
                return;
        }
        if (!v) {
                if (c->n == INTERP_CACHE_MAX) {
                        for (size_t i = 0; i < c->n; i++)
                                item_done(&c->items[i]);
                        c->n = 0;
                }
                v = &c->items[c->n];
                v->path = strdup(path);
                if (!v->path) {
                        interp_trail_done(&t);
                        return;
                }
                c->n++;
        } else
                interp_trail_done(&v->trail);
        v->machine = machine;
        v->trusted = trusted;
        v->check = *ret;
        v->trail = t;
}

unsigned interp_cache_hits(const InterpCache *c)
{
        return c ? c->hits : 0;
}

unsigned interp_cache_misses(const InterpCache *c)
{
        return c ? c->misses : 0;
}
