/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Collecting the status model from one instance. Reads only: never mounts, never writes.
 * Ownership comes from the records (binfmt/owned.c), interpreter verdicts from
 * target/interp.c. Rendering it is status-json.c's.
 */

#include <sys/stat.h>

#include "build-config.h"
#include "target/platform.h"
#include "binfmt/owned.h"
#include "binfmt/plan.h"
#include "binfmt/instance.h"
#include "ops/readiness.h"
#include "ops/status.h"
#include "verify/verify.h"
#include "base/strv.h"
#include "base/text.h"

const BinfmtArch *status_entry_arch(const BinfmtEntry *e)
{
        size_t n;
        const BinfmtArch *table = arch_table(&n);

        for (size_t i = 0; i < n; i++)
                if (rule_matches(&e->rule, table[i].magic, table[i].len, NULL))
                        return &table[i];
        return NULL;
}

/*
 * For @se, another tool's entry of a known target: whether it does that target's job
 * (provider.c; its interpreter was checked already) and which file registered it.
 */
const char *pin_state_to_id(PinState p)
{
        static const char *const ids[] = {
                [PIN_NONE] = "none",
                [PIN_CURRENT] = "current",
                [PIN_STALE] = "stale",
                [PIN_UNKNOWN] = "unknown",
        };
        return (size_t)p < ELEMENTSOF(ids) ? ids[p] : "unknown";
}

/*
 * Whether the file an F entry pinned is still the interpreter on disk. binfmtd's own entries
 * say which file they pinned (owned.c). For another tool's entry the kernel tells no one which
 * file it holds, so the times decide: an upgrade renames the new file over the old one, which
 * gives the interpreter on disk a change time later than the entry's registration. (Switching
 * the entry off and on with a truncating write renews its time and hides that.)
 */
static PinState judge_pin(Owned *o, const StatusEntry *se)
{
        const BinfmtRule *r = &se->entry->rule;
        uint64_t dev, ino, ctime_ns;
        struct stat st;

        if (!(r->flags & RULE_FLAG_F) || !r->interpreter)
                return PIN_NONE;
        if (stat(r->interpreter, &st) < 0)
                return PIN_UNKNOWN;
        if (se->ours && owned_get_pin(o, r->name, &dev, &ino) >= 0)
                return (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino ? PIN_CURRENT
                                                                                : PIN_STALE;
        ctime_ns = (uint64_t)st.st_ctim.tv_sec * 1000000000u + (uint64_t)st.st_ctim.tv_nsec;
        return ctime_ns > se->entry->ctime_ns ? PIN_STALE : PIN_CURRENT;
}

static int judge_provider(const SystemInfo *sys, const ProviderSources *sources, StatusEntry *se)
{
        int r;

        (void)provider_check(se->entry, se->arch, &sys->host, sys->self_header,
                             sizeof(sys->self_header), false, &se->interp, &se->provider);
        se->provides = se->provider.problem == PROVIDER_OK;
        r = provider_sources_find(sources, se->entry->rule.name, &se->source);
        return r < 0 ? r : 0;
}

int status_collect(const SystemInfo *sys, const char *mount, const char *state_dir,
                   InterpCache *cache, Status *ret)
{
        static const char *const binfmt_d[] = {PROVIDER_BINFMT_D_DIRS, NULL};
        static const char *const binfmts[] = {PROVIDER_BINFMTS_DIRS, NULL};
        _cleanup_(provider_sources_done) ProviderSources sources = {};
        bool sources_loaded = false;
        _cleanup_(entry_list_done) EntryList l = {};
        _cleanup_(owned_freep) Owned *o = NULL;
        _cleanup_close_ int fd = -EBADF;
        Status s = {
                .sys = sys,
                .mount = mount,
                .enabled = -ENODEV,
                .read_only = -ENODEV,
        };
        int r;

        s.mount_r = instance_open(mount, &fd);
        if (s.mount_r < 0) {
                *ret = s;
                return 0;
        }
        s.enabled = instance_get_enabled(fd);
        s.read_only = instance_is_read_only(fd);

        r = instance_list(fd, &l, &s.skipped);
        if (r < 0)
                return r;
        r = owned_open(state_dir, fd, &o);
        if (r == -ENOMEM)
                return r;

        s.entries = calloc(l.n ?: 1, sizeof(StatusEntry));
        if (!s.entries)
                return -ENOMEM;
        for (size_t i = 0; i < l.n; i++) {
                StatusEntry *se = &s.entries[i];
                se->entry = TAKE_PTR(l.entries[i]);
                se->ours = owned_has(o, se->entry->rule.name) > 0;
                se->pin = judge_pin(o, se);
                se->arch = status_entry_arch(se->entry);
                if (se->entry->rule.interpreter)
                        interp_check_host_cached(cache, sys->host_r >= 0 ? &sys->host : NULL,
                                                 se->entry->rule.interpreter, &se->interp);
                if (!se->ours && se->arch && sys->host_r >= 0) {
                        /* The other tools' files are read once, and only when needed. */
                        if (!sources_loaded) {
                                r = provider_sources_load(binfmt_d, binfmts, &sources);
                                if (r < 0) {
                                        s.n_entries = i + 1;
                                        status_done(&s);
                                        return r;
                                }
                                sources_loaded = true;
                        }
                        r = judge_provider(sys, &sources, se);
                        if (r < 0) {
                                s.n_entries = i + 1;
                                status_done(&s);
                                return r;
                        }
                }
        }
        s.n_entries = l.n;

        *ret = s;
        return 0;
}

void status_done(Status *s)
{
        for (size_t i = 0; i < s->n_entries; i++) {
                entry_free(s->entries[i].entry);
                free(s->entries[i].source);
        }
        free(s->entries);
        *s = (Status){};
}
