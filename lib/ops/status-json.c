/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status model as JSON: the one document the socket's GetStatus, binfmtctl status --json,
 * and binfmtctl's text and OpenMetrics views (which parse it) all come from. It renders; it
 * decides nothing: readiness verdicts come from readiness.c, native verdicts from
 * verify/native.c.
 */

#include "build-config.h"
#include "base/strv.h"
#include "base/text.h"
#include "target/platform.h"
#include "binfmt/owned.h"
#include "binfmt/plan.h"
#include "ops/readiness.h"
#include "ops/status-json.h"
#include "verify/verify.h"

/* json-c's add functions take ownership even on failure; a NULL value is stored as null. */
static int add(struct json_object *o, const char *key, struct json_object *v)
{
        return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

static struct json_object *str_or_null(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

static int platforms_json(const BinfmtArch *a, struct json_object **ret)
{
        _cleanup_strv_free_ char **l = NULL;
        struct json_object *arr;

        arr = json_object_new_array();
        if (!arr)
                return -ENOMEM;
        if (a) {
                l = platform_list(a);
                if (!l) {
                        json_object_put(arr);
                        return -ENOMEM;
                }
                STRV_FOREACH(p, l)
                        json_object_array_add(arr, json_object_new_string(*p));
        }
        *ret = arr;
        return 0;
}

static int entry_json(const StatusEntry *se, struct json_object **ret)
{
        const BinfmtRule *r = &se->entry->rule;
        struct json_object *o, *pl = NULL;
        char flags[5];
        int k = 0;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;

        k |= add(o, "name", json_object_new_string(r->name));
        k |= add(o, "enabled", json_object_new_boolean(se->entry->enabled));
        k |= add(o, "owner", json_object_new_string(se->ours ? "binfmtd" : "other"));
        k |= add(o, "target", str_or_null(se->arch ? se->arch->name : NULL));
        if (platforms_json(se->arch, &pl) < 0)
                k = -ENOMEM;
        k |= add(o, "platforms", pl);
        k |= add(o, "interpreter", str_or_null(r->interpreter));
        k |= add(o, "flags", json_object_new_string(rule_flags_to_string(r->flags, flags)));
        k |= add(o, "unknown_flags", str_or_null(se->entry->unknown_flags));
        if (r->type == RULE_TYPE_EXTENSION) {
                k |= add(o, "type", json_object_new_string("extension"));
                k |= add(o, "extension", str_or_null(r->extension));
        } else {
                _cleanup_free_ char *m = text_hex(r->magic, r->magic_len);
                _cleanup_free_ char *mk = r->has_mask ? text_hex(r->mask, r->magic_len) : NULL;

                k |= add(o, "type", json_object_new_string("magic"));
                k |= add(o, "offset", json_object_new_int64(r->offset));
                k |= add(o, "magic", str_or_null(m));
                k |= add(o, "mask", str_or_null(mk));
        }
        k |= add(o, "interpreter_check",
                 json_object_new_string(interp_problem_to_id(se->interp.problem)));
        k |= add(o, "interpreter_static", json_object_new_boolean(se->interp.is_static));
        k |= add(o, "pin", json_object_new_string(pin_state_to_id(se->pin)));
        /* Another tool's entry: does it serve its target, and who registered it. */
        if (!se->ours && se->arch) {
                k |= add(o, "provides", json_object_new_boolean(se->provides));
                k |= add(o, "provider_check",
                         json_object_new_string(provider_problem_to_id(se->provider.problem)));
                k |= add(o, "interpreter_resolved",
                         str_or_null(se->provider.resolved[0] ? se->provider.resolved : NULL));
                k |= add(o, "source", str_or_null(se->source));
        }

        if (k < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        *ret = o;
        return 0;
}

/*
 * Every target of the host's own families with what the kernel does with it: "own", "native"
 * (measured), "assumed-native" (could not be measured) or "emulated" (QEMU serves it).
 */
static int native_json(const SystemInfo *sys, struct json_object **ret)
{
        struct json_object *a = json_object_new_array();
        int k = 0;

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < sys->native.n; i++) {
                const NativeVerdict *v = &sys->native.verdicts[i];
                struct json_object *o = json_object_new_object();
                char why[256], plat[PLATFORM_MAX];

                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        k = -ENOMEM;
                        break;
                }
                k |= add(o, "target", json_object_new_string(v->arch->name));
                k |= add(o, "platform", str_or_null(platform_format(v->arch, plat, sizeof(plat))));
                k |= add(o, "state", json_object_new_string(native_state_to_id(v->state)));
                k |= add(o, "measured", json_object_new_boolean(v->measured));
                k |= add(o, "reason", json_object_new_string(
                                              native_explain(&sys->host, v, why, sizeof(why))));
        }
        if (k < 0) {
                json_object_put(a);
                return -ENOMEM;
        }
        *ret = a;
        return 0;
}

static struct json_object *outcome_json(const ProbeOutcome *o)
{
        struct json_object *j = json_object_new_object();
        int k = 0;

        if (!j)
                return NULL;
        k |= add(j, "result", json_object_new_string(probe_result_to_id(o->result)));
        k |= add(j, "exit_code", json_object_new_int(o->exit_code));
        k |= add(j, "signal", json_object_new_int(o->signal));
        k |= add(j, "error", str_or_null(o->error ? strerror(o->error) : NULL));
        if (o->level > 0)
                k |= add(j, "x86_64_level", json_object_new_int((int)o->level));
        k |= add(j, "duration_usec", json_object_new_int64((int64_t)o->duration_usec));
        if (o->left_behind)
                k |= add(j, "left_behind", json_object_new_boolean(true));
        if (k < 0) {
                json_object_put(j);
                return NULL;
        }
        return j;
}

/* The verification record: per target, both passes. null when nothing was probed. */
static int verification_json(const Verification *v, struct json_object **ret)
{
        struct json_object *o, *targets;
        int k = 0;

        if (!v) {
                *ret = NULL;
                return 0;
        }
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        targets = json_object_new_array();
        k |= add(o, "time_usec", json_object_new_int64((int64_t)v->realtime_usec));
        k |= add(o, "duration_usec", json_object_new_int64((int64_t)v->duration_usec));
        k |= add(o, "targets", targets);
        if (!targets || k < 0)
                goto oom;
        for (size_t i = 0; i < v->n_targets; i++) {
                const VerifyTarget *t = &v->targets[i];
                struct json_object *j = json_object_new_object(),
                                   *host = outcome_json(&t->pass[PROBE_PASS_HOST]),
                                   *container = outcome_json(&t->pass[PROBE_PASS_CHROOT]);

                if (j)
                        json_object_array_add(targets, j);
                if (!j || !host || !container) {
                        json_object_put(host);
                        json_object_put(container);
                        goto oom;
                }
                k |= add(j, "target", json_object_new_string(t->arch->name));
                k |= add(j, "interpreter", str_or_null(t->interpreter));
                k |= add(j, "host", host);
                k |= add(j, "container", container);
                if (k < 0)
                        goto oom;
        }
        *ret = o;
        return 0;
oom:
        json_object_put(o);
        return -ENOMEM;
}

/* One verdict per platform (readiness.c); what --require, wait and the metrics read. */
static int platforms_verdict_json(const Status *s, struct json_object **ret)
{
        _cleanup_free_ PlatformVerdict *l = NULL;
        struct json_object *arr;
        size_t n = 0;
        int k = 0;

        if (readiness_judge(s, &l, &n) < 0)
                return -ENOMEM;
        arr = json_object_new_array();
        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const PlatformVerdict *v = &l[i];
                struct json_object *j = json_object_new_object();

                if (!j)
                        goto oom;
                json_object_array_add(arr, j);
                k |= add(j, "platform", json_object_new_string(v->platform));
                k |= add(j, "target", json_object_new_string(v->arch->name));
                k |= add(j, "native", json_object_new_boolean(v->native));
                k |= add(j, "registered", json_object_new_boolean(v->registered));
                k |= add(j, "verified", json_object_new_boolean(v->verified));
                k |= add(j, "result", str_or_null(v->probed ? probe_result_to_id(v->result)
                                                            : NULL));
                k |= add(j, "duration_usec", json_object_new_int64((int64_t)v->duration_usec));
                k |= add(j, "problem", str_or_null(v->verified ? NULL : v->problem));
                k |= add(j, "fix", str_or_null(v->verified ? NULL : v->fix));
                if (k < 0)
                        goto oom;
        }
        *ret = arr;
        return 0;
oom:
        json_object_put(arr);
        return -ENOMEM;
}

int status_to_json(const Status *s, struct json_object **ret)
{
        struct json_object *root, *kernel, *native, *mount, *entries, *emulators = NULL;
        const SystemInfo *sys = s->sys;
        char plat[PLATFORM_MAX];
        int k = 0;

        root = json_object_new_object();
        if (!root)
                return -ENOMEM;
        kernel = json_object_new_object();
        native = json_object_new_object();
        mount = json_object_new_object();
        entries = json_object_new_array();
        k |= add(root, "version", json_object_new_string(PROJECT_VERSION));
        k |= add(root, "kernel", kernel);
        k |= add(root, "native", native);
        k |= add(root, "mount", mount);
        k |= add(root, "entries", entries);
        if (!kernel || !native || !mount || !entries || k < 0)
                goto oom;

        k |= add(kernel, "release", json_object_new_string(sys->uts.release));
        if (sys->kernel_r >= 0) {
                k |= add(kernel, "fix_binary", json_object_new_boolean(sys->kernel.fix_binary));
                k |= add(kernel, "buffer_size", json_object_new_int(sys->kernel.buf_size));
                k |= add(kernel, "argv0_auxv", json_object_new_boolean(sys->kernel.argv0_auxv));
                k |= add(kernel, "userns_instances",
                         json_object_new_boolean(sys->kernel.userns_instances));
        }

        k |= add(native, "machine", json_object_new_string(sys->uts.machine));
        if (sys->host_r >= 0 && sys->host.arch) {
                k |= add(native, "target", json_object_new_string(sys->host.arch->name));
                k |= add(native, "family", json_object_new_string(sys->host.arch->family));
                k |= add(native, "platform",
                         str_or_null(platform_format(sys->host.arch, plat, sizeof(plat))));
        }
        if (sys->host_r >= 0) {
                struct json_object *fam = NULL;

                if (native_json(sys, &fam) < 0)
                        k = -ENOMEM;
                k |= add(native, "family_targets", fam);
        }

        k |= add(mount, "path", json_object_new_string(s->mount));
        k |= add(mount, "mounted", json_object_new_boolean(s->mount_r >= 0));
        if (s->mount_r < 0 && s->mount_r != -EMEDIUMTYPE)
                k |= add(mount, "error", json_object_new_string(strerror(-s->mount_r)));
        if (s->mount_r >= 0) {
                k |= add(mount, "enabled", json_object_new_boolean(s->enabled > 0));
                k |= add(mount, "read_only", json_object_new_boolean(s->read_only > 0));
        }
        k |= add(mount, "user_namespace",
                 json_object_new_string(sys->initial_userns ? "initial" : "child"));
        k |= add(mount, "unreadable_entries", json_object_new_int64(s->skipped));

        for (size_t i = 0; i < s->n_entries; i++) {
                struct json_object *e;

                if (entry_json(&s->entries[i], &e) < 0)
                        goto oom;
                json_object_array_add(entries, e);
                if (!s->entries[i].entry->enabled)
                        continue;
                if (!emulators)
                        emulators = json_object_new_array();
                if (!emulators)
                        goto oom;
                json_object_array_add(emulators,
                                      json_object_new_string(s->entries[i].entry->rule.name));
        }
        /* The key tonistiigi/binfmt's JSON has: enabled entries, null when there are none. */
        k |= add(root, "emulators", TAKE_PTR(emulators));
        if (k < 0)
                goto oom;

        if (s->verification) {
                struct json_object *ver = NULL, *plats = NULL, *sup;
                _cleanup_strv_free_ char **l = readiness_supported(s);

                if (!l || verification_json(s->verification, &ver) < 0)
                        goto oom;
                k |= add(root, "verification", ver);
                if (platforms_verdict_json(s, &plats) < 0)
                        goto oom;
                k |= add(root, "platforms", plats);
                sup = json_object_new_array();
                k |= add(root, "supported", sup);
                if (!sup || k < 0)
                        goto oom;
                STRV_FOREACH(p, l)
                        json_object_array_add(sup, json_object_new_string(*p));
        } else
                k |= add(root, "verification", NULL);
        if (k < 0)
                goto oom;

        *ret = root;
        return 0;
oom:
        json_object_put(emulators); /* not yet part of root */
        json_object_put(root);
        return -ENOMEM;
}
