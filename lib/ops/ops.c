/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Install, plan and uninstall: from target names to kernel writes, with every check before the
 * first write and a report line for every outcome. The order is fixed: resolve the names, check
 * the kernel and the host, prepare and validate each rule, open (or mount) the instance, then
 * plan and carry out each rule on its own, so one bad target never stops the others.
 *
 * This module decides wording and named errors once for binfmtctl and the daemon. It must not
 * print, log or exit, and never writes what plan.c did not decide.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "target/elf.h"
#include "binfmt/instance.h"
#include "binfmt/owned.h"
#include "ops/ops.h"
#include "binfmt/plan.h"
#include "binfmt/provider.h"
#include "target/platform.h"
#include "base/strv.h"

#define ERR_UNKNOWN_TARGET     BINFMTD_ERROR("UnknownTarget")
#define ERR_INVALID_TARGET     BINFMTD_ERROR("InvalidTarget")
#define ERR_NATIVE_TARGET      BINFMTD_ERROR("NativeTarget")
#define ERR_KERNEL_TOO_OLD     BINFMTD_ERROR("KernelTooOld")
#define ERR_UNKNOWN_HOST       BINFMTD_ERROR("UnknownHost")
#define ERR_NO_INTERPRETER     BINFMTD_ERROR("NoInterpreter")
#define ERR_NOT_STATIC         BINFMTD_ERROR("InterpreterNotStatic")
#define ERR_UNSAFE_INTERPRETER BINFMTD_ERROR("InterpreterUnsafe")
#define ERR_INVALID_RULE       BINFMTD_ERROR("InvalidRule")
#define ERR_FLAG_UNSUPPORTED   BINFMTD_ERROR("FlagUnsupported")
#define ERR_MOUNT              BINFMTD_ERROR("MountFailed")
#define ERR_READ_ONLY          BINFMTD_ERROR("ReadOnly")
#define ERR_KERNEL             BINFMTD_ERROR("KernelRefused")
#define ERR_CONFLICT           BINFMTD_ERROR("ForeignEntry")

static const BinfmtArch *find_extra(const OpsContext *c, const char *name)
{
        for (size_t i = 0; i < c->n_extra; i++)
                if (streq(c->extra[i].name, name))
                        return &c->extra[i];
        return NULL;
}

/* Resolves names into distinct targets; reports each bad one and goes on. */
static int resolve_targets(const OpsContext *c, char *const *names, Report *r,
                           const BinfmtArch ***ret, size_t *ret_n, bool *ret_all)
{
        size_t n_table, n = 0;
        const BinfmtArch *table = arch_table(&n_table);
        _cleanup_free_ const BinfmtArch **l = NULL;
        bool all = false;

        l = calloc(n_table + c->n_extra, sizeof(BinfmtArch *));
        if (!l)
                return -ENOMEM;

        for (size_t k = 0; names && names[k]; k++) {
                const BinfmtArch *a;
                bool dup = false;
                int q;

                if (streq(names[k], "all")) {
                        all = true;
                        continue;
                }
                a = find_extra(c, names[k]);
                q = a ? 0 : platform_resolve(names[k], &a);
                if (q >= 0 && a >= table && a < table + n_table && find_extra(c, a->name))
                        a = find_extra(c, a->name); /* a configured match for a table target */
                if (q == -ENOENT) {
                        report_error(r, ERR_UNKNOWN_TARGET,
                                     "%s: unknown target (binfmtctl list shows the known ones)",
                                     names[k]);
                        continue;
                }
                if (q < 0) {
                        report_error(r, ERR_INVALID_TARGET,
                                     "%s: invalid target name (expected a QEMU name, an alias or "
                                     "an OCI platform such as linux/arm64)",
                                     names[k]);
                        continue;
                }
                for (size_t i = 0; i < n; i++)
                        dup = dup || l[i] == a;
                if (!dup)
                        l[n++] = a;
        }

        if (all) {
                n = 0;
                for (size_t i = 0; i < n_table; i++)
                        l[n++] = find_extra(c, table[i].name) ?: &table[i];
                for (size_t i = 0; i < c->n_extra; i++)
                        if (!arch_by_name(c->extra[i].name))
                                l[n++] = &c->extra[i];
        }

        *ret = TAKE_PTR(l);
        *ret_n = n;
        *ret_all = all;
        return r->oom ? -ENOMEM : 0;
}

static int check_system(const OpsContext *c, unsigned flags, Report *r)
{
        const SystemInfo *s = c->sys;

        if (s->kernel_r < 0) {
                report_error(r, ERR_KERNEL_TOO_OLD, "cannot understand the kernel release '%s'",
                             s->uts.release);
                return -EINVAL;
        }
        if (!s->kernel.fix_binary) {
                report_error(r, ERR_KERNEL_TOO_OLD,
                             "kernel %s is older than 4.8: it has no F (fix binary) flag, which "
                             "binfmtd needs so that emulators work in containers and chroots",
                             s->uts.release);
                return -EOPNOTSUPP;
        }
        if (s->host_r < 0) {
                report_error(r, ERR_UNKNOWN_HOST,
                             "unknown host architecture '%s': refusing to register anything, a "
                             "rule could hand native programs to an emulator",
                             s->uts.machine);
                return -EOPNOTSUPP;
        }
        if ((flags & RULE_FLAG_P) && !s->kernel.argv0_auxv) {
                report_error(r, ERR_FLAG_UNSUPPORTED,
                             "flag P needs kernel 5.12 or newer, which tells the emulator that "
                             "argv[0] is preserved; kernel %s does not",
                             s->uts.release);
                return -EOPNOTSUPP;
        }
        if (flags & RULE_FLAG_C)
                report_info(r, "warning: flag C makes setuid foreign programs run the emulator "
                               "with raised privileges");
        return 0;
}

static void report_interp_problem(const OpsContext *c, Report *r, const char *entry,
                                  const char *path, const InterpCheck *chk)
{
        if (chk->problem == INTERP_WRONG_MACHINE)
                report_error(r, ERR_UNSAFE_INTERPRETER,
                             "%s: interpreter %s is built for %s, not for this host's %s", entry,
                             path, strna(elf_machine_name(chk->machine)),
                             strna(elf_machine_name(c->sys->host.e_machine)));
        else if (chk->problem == INTERP_DYNAMIC)
                report_error(r, ERR_NOT_STATIC,
                             "%s: interpreter %s is dynamically linked: with F it must run in "
                             "any root, without its libraries (install qemu-user-static)",
                             entry, path);
        else if (chk->problem == INTERP_MISSING)
                report_error(r, ERR_NO_INTERPRETER, "%s: interpreter %s %s", entry, path,
                             interp_problem_to_string(chk->problem));
        else if (chk->error != 0)
                report_error(r, ERR_UNSAFE_INTERPRETER, "%s: interpreter %s %s: %s", entry, path,
                             interp_problem_to_string(chk->problem), strerror(chk->error));
        else
                report_error(r, ERR_UNSAFE_INTERPRETER, "%s: interpreter %s %s", entry, path,
                             interp_problem_to_string(chk->problem));
}

static void search_path_text(char *const *dirs, const BinfmtArch *a, char *buf, size_t size)
{
        size_t l = 0;

        buf[0] = '\0';
        for (size_t d = 0; dirs && dirs[d]; d++) {
                int k = snprintf(buf + l, size - l, "%s%s/qemu-%s-static, %s/qemu-%s",
                                 l ? ", " : "", dirs[d], a->name, dirs[d], a->name);
                if (k < 0 || (size_t)k >= size - l)
                        break;
                l += k;
        }
}

typedef enum Prepared {
        PREPARED_OK,
        PREPARED_FAILED,    /* reported */
        PREPARED_NATIVE,    /* skipped quietly (all, or skip_native) */
        PREPARED_NO_INTERP, /* skipped quietly (all) */
} Prepared;

/*
 * Everything about one target that can be checked without the kernel's entries: native family,
 * interpreter, the rule's validity. On PREPARED_OK *ret is the rule to register.
 */
static int prepare_rule(const OpsContext *c, const BinfmtArch *a, bool all, Report *r,
                        BinfmtRule **ret, Prepared *ret_state)
{
        _cleanup_(rule_freep) BinfmtRule *rule = NULL;
        _cleanup_free_ char *interp = NULL, *reason = NULL;
        const OpsOverride *ov = c->override ? c->override(c->userdata, a) : NULL;
        char name[ARCH_ENTRY_NAME_MAX], search[1024];
        unsigned flags = ov && ov->flags_set ? ov->flags : c->flags;
        InterpCheck chk;
        int q;

        arch_entry_name(a, name, sizeof(name));
        *ret_state = PREPARED_FAILED;

        /* A target's own Flags= gets the checks the global flags got in check_system(). */
        if (ov && ov->flags_set) {
                if ((flags & RULE_FLAG_P) && !c->sys->kernel.argv0_auxv) {
                        report_error(r, ERR_FLAG_UNSUPPORTED,
                                     "%s: flag P needs kernel 5.12 or newer, which tells the "
                                     "emulator that argv[0] is preserved; kernel %s does not",
                                     name, c->sys->uts.release);
                        return 0;
                }
                if ((flags & RULE_FLAG_C) && !(c->flags & RULE_FLAG_C))
                        report_info(r,
                                    "warning: %s: flag C makes setuid foreign programs run "
                                    "the emulator with raised privileges",
                                    name);
        }

        if (host_is_native(&c->sys->host, a)) {
                const NativeVerdict *v = native_report_find(&c->sys->native, a);
                char why[256];

                if (all || c->skip_native) {
                        *ret_state = PREPARED_NATIVE;
                        return 0;
                }
                if (v)
                        native_explain(&c->sys->host, v, why, sizeof(why));
                else
                        snprintf(why, sizeof(why), "of this host's own family (%s)", a->family);
                report_error(r, ERR_NATIVE_TARGET,
                             "%s: %s: %s: registering it would hand native programs to an "
                             "emulator",
                             name, a->name, why);
                return 0;
        }

        if (ov && ov->interpreter) {
                interp = strdup(ov->interpreter);
                if (!interp)
                        return -ENOMEM;
                interp_check_host(&c->sys->host, interp, &chk);
                q = chk.problem == INTERP_OK ? 0 : -EPERM;
        } else
                q = interp_find(&c->sys->host, c->interpreter_dirs, a, &interp, &chk);
        if (q == -ENOMEM)
                return q;
        if (q == -ENOENT) {
                if (all) {
                        *ret_state = PREPARED_NO_INTERP;
                        return 0;
                }
                search_path_text(c->interpreter_dirs, a, search, sizeof(search));
                report_error(r, ERR_NO_INTERPRETER,
                             "%s: no interpreter found (looked for %s): install qemu-user-static "
                             "or use --interpreter-dir",
                             name, search);
                return 0;
        }
        if (q < 0) {
                report_interp_problem(c, r, name, interp, &chk);
                return 0;
        }

        q = rule_new_from_arch(a, interp, RULE_FLAG_F | flags, &rule);
        if (q < 0)
                return q;

        if (rule_validate(rule, &c->sys->kernel, &reason) < 0) {
                report_error(r, ERR_INVALID_RULE, "%s: invalid rule: %s", name, strna(reason));
                return 0;
        }
        /* The table never should; a configured match might. */
        if (rule_catches_host(rule, &c->sys->host, c->sys->self_header,
                              sizeof(c->sys->self_header))) {
                report_error(r, ERR_NATIVE_TARGET,
                             "%s: the rule matches this host's own programs, refusing", name);
                return 0;
        }

        *ret = TAKE_PTR(rule);
        *ret_state = PREPARED_OK;
        return 0;
}

/*
 * Opens the instance, mounting binfmt_misc when allowed and absent, and checks that it can be
 * written. Every failure is reported with the reason and what to do.
 */
static int open_instance(const OpsContext *c, Report *r, int *ret_fd)
{
        const char *m = c->mount;
        _cleanup_close_ int fd = -EBADF;
        int q;

        q = instance_open(m, &fd);
        if (q == -EMEDIUMTYPE && c->may_mount) {
                q = instance_mount(m);
                if (q == -ENODEV) {
                        report_error(r, ERR_MOUNT,
                                     "cannot mount binfmt_misc at %s: the kernel has no "
                                     "binfmt_misc (modprobe binfmt_misc)",
                                     m);
                        return q;
                }
                if (q == -EPERM || q == -EACCES) {
                        report_error(r, ERR_MOUNT,
                                     "cannot mount binfmt_misc at %s: %s (mounting needs "
                                     "CAP_SYS_ADMIN; in a container, mount it on the host)",
                                     m, strerror(-q));
                        return q;
                }
                if (q < 0) {
                        report_error(r, ERR_MOUNT, "cannot mount binfmt_misc at %s: %s", m,
                                     instance_mount_strerror(q));
                        return q;
                }
                if (q > 0)
                        report_info(r, "Mounted binfmt_misc at %s.", m);
                q = instance_open(m, &fd);
        }
        if (q == -EMEDIUMTYPE) {
                report_error(r, ERR_MOUNT, "binfmt_misc is not mounted at %s", m);
                return q;
        }
        if (q < 0) {
                report_error(r, ERR_MOUNT, "cannot open %s: %s", m, strerror(-q));
                return q;
        }

        /* DESIGN rule 8: say when registrations will not reach the host. */
        if (!c->sys->initial_userns && c->sys->kernel.userns_instances && !c->quiet_unchanged)
                report_info(r,
                            "note: running in a user namespace; if %s is this namespace's "
                            "own binfmt_misc, registrations there do not reach the host.",
                            m);

        q = instance_is_read_only(fd);
        if (q > 0) {
                report_error(r, ERR_READ_ONLY,
                             "binfmt_misc at %s is mounted read-only: nothing can be registered "
                             "or removed there",
                             m);
                return -EROFS;
        }
        if (faccessat(fd, "register", W_OK, AT_EACCESS) < 0) {
                q = -errno;
                report_error(r, BINFMTD_ERROR("NotWritable"),
                             "cannot write %s/register: %s (run as root)", m, strerror(-q));
                return q;
        }

        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Returns 1 and the entry, 0 when there is none, <0 when it could not be read (reported). */
static int read_entry(const OpsContext *c, int fd, const char *name, Report *r, BinfmtEntry **ret)
{
        _cleanup_free_ char *reason = NULL;
        int q;

        q = instance_read_entry(fd, name, ret, &reason);
        if (q == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (q < 0) {
                report_error(r, ERR_KERNEL, "%s: cannot read %s/%s: %s", name, c->mount, name,
                             reason ?: strerror(-q));
                return q;
        }
        return 1;
}

static const char *register_error_text(int q)
{
        switch (q) {
        case -ENOENT:
        case -EACCES:
        case -ENOEXEC:
                return "the kernel could not open the interpreter";
        case -EEXIST:
                return "an entry of that name appeared meanwhile";
        case -EINVAL:
                return "the kernel refused the rule";
        default:
                return "the kernel refused the registration";
        }
}

static int do_register(int fd, const BinfmtRule *rule, const char *as_name)
{
        _cleanup_free_ char *s = NULL;
        BinfmtRule copy = *rule;
        int q;

        copy.name = (char *)as_name;
        q = rule_to_register_string(&copy, &s);
        if (q < 0)
                return q;
        return instance_register(fd, s);
}

/*
 * Replaces the entry rule->name without a moment with no handler: the new rule goes in under a
 * temporary name first (the newest entry matches first), then the old entry goes, then the rule
 * is registered under its own name and the temporary entry removed.
 */
/*
 * Records @name as binfmtd's. With F the kernel opened the interpreter when the entry was
 * registered, and keeps that very file: the record says which one (device and inode, symlinks
 * followed as the kernel follows them), so that a file replaced later (a package upgrade renames
 * a new one over it) is known to be stale.
 */
static void record(Owned *o, const char *name, const BinfmtRule *rule, Report *r)
{
        _cleanup_free_ char *s = NULL, *content = NULL;
        struct stat st;
        int q;

        if (rule)
                (void)rule_to_register_string(rule, &s);
        if (rule && rule->interpreter && stat(rule->interpreter, &st) == 0 &&
            asprintf(&content, "pin %" PRIu64 " %" PRIu64 "\n%s", (uint64_t)st.st_dev,
                     (uint64_t)st.st_ino, strempty(s)) < 0)
                content = NULL;
        q = owned_add(o, name, content ?: s);
        if (q < 0)
                report_info(r, "warning: cannot record that binfmtd registered %s: %s", name,
                            strerror(-q));
}

static int do_replace(int fd, Owned *o, const BinfmtRule *rule, const BinfmtEntry *old, Report *r)
{
        char tmp[RULE_NAME_MAX + 1];
        bool was_ours;
        int q;

        plan_temp_name(rule->name, tmp, sizeof(tmp));
        if (faccessat(fd, tmp, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                /* Ours: a leftover of an interrupted replacement. Anyone else's: not ours to
                 * remove, and in the way. */
                if (!owned_has(o, tmp)) {
                        report_error(r, ERR_CONFLICT,
                                     "%s: not replaced: an entry named %s exists that binfmtd "
                                     "did not register",
                                     rule->name, tmp);
                        return -EEXIST;
                }
                (void)instance_remove(fd, tmp);
        }

        record(o, tmp, rule, r); /* first, so that an interruption leaves it known as ours */
        q = do_register(fd, rule, tmp);
        if (q >= 0)
                record(o, tmp, rule, r);
        if (q < 0) {
                (void)owned_remove(o, tmp);
                report_error(r, ERR_KERNEL, "%s: not replaced, %s: %s", rule->name,
                             register_error_text(q), strerror(-q));
                return q;
        }
        q = instance_remove(fd, rule->name);
        if (q < 0 && q != -ENOENT) {
                (void)instance_remove(fd, tmp);
                (void)owned_remove(o, tmp);
                report_error(r, ERR_KERNEL, "%s: not replaced, cannot remove the old entry: %s",
                             rule->name, strerror(-q));
                return q;
        }
        was_ours = owned_has(o, rule->name) > 0;
        record(o, rule->name, rule, r);
        q = do_register(fd, rule, rule->name);
        if (q < 0) {
                /* Put the old entry back; if even that fails, the temporary one keeps serving. */
                int k = do_register(fd, &old->rule, rule->name);

                /* A foreign entry taken over (--force) stays foreign when it could not be. */
                if (!was_ours)
                        (void)owned_remove(o, rule->name);
                if (k >= 0 && !old->enabled)
                        (void)instance_set_enabled(fd, rule->name, false);
                if (k >= 0 && instance_remove(fd, tmp) >= 0)
                        (void)owned_remove(o, tmp);
                report_error(r, ERR_KERNEL, "%s: not replaced, %s: %s%s%s", rule->name,
                             register_error_text(q), strerror(-q),
                             k < 0 ? "; the new rule stays registered as " : "", k < 0 ? tmp : "");
                return q;
        }
        record(o, rule->name, rule, r); /* again, now with the entry's inode number */
        q = instance_remove(fd, tmp);
        if (q < 0 && q != -ENOENT) {
                report_error(r, ERR_KERNEL,
                             "%s: replaced, but the temporary entry %s could not be removed: %s",
                             rule->name, tmp, strerror(-q));
                return q;
        }
        (void)owned_remove(o, tmp);
        return 0;
}

static void describe_rule(const BinfmtRule *rule, const BinfmtArch *a, char *buf, size_t size)
{
        char plat[PLATFORM_MAX], flags[5];

        snprintf(buf, size, "%s, %s, flags %s", platform_format(a, plat, sizeof(plat)) ?: a->name,
                 rule->interpreter, rule_flags_to_string(rule_flags_normalize(rule->flags), flags));
}

/*
 * For a target of the host's own family that the kernel was measured not to run (i386 without
 * IA32 emulation): why QEMU serves it, next to what happened to its entry.
 */
static void report_native(const OpsContext *c, const BinfmtArch *a, const char *what, Report *r)
{
        const NativeVerdict *v = native_report_find(&c->sys->native, a);
        char why[256];

        if (!v || v->state != NATIVE_NOT)
                return;
        report_info(r, "%s: %s: QEMU %s.", a->name,
                    native_explain(&c->sys->host, v, why, sizeof(why)), what);
}

/*
 * Another tool's entry where binfmtd would register @a's, and no --force: it is left alone
 * either way. One that does the job (provider.c; Debian's own qemu-* entries from binfmt.d, for
 * example) serves the target and is no problem; any other is, with what is wrong and the ways
 * out: stop the other tool registering it, or let binfmtd replace it.
 */
static int report_foreign(const OpsContext *c, const BinfmtEntry *cur, const BinfmtArch *a,
                          bool allow_c, bool dry_run, Report *r)
{
        static const char *const binfmt_d[] = {PROVIDER_BINFMT_D_DIRS, NULL};
        static const char *const binfmts[] = {PROVIDER_BINFMTS_DIRS, NULL};
        const char *name = cur->rule.name, *interp = strna(cur->rule.interpreter);
        _cleanup_free_ char *source = NULL;
        char flags[5], via[PATH_MAX + 8] = "", fix[PATH_MAX + 160];
        ProviderCheck pc;
        int kind;

        (void)provider_check(cur, a, &c->sys->host, c->sys->self_header,
                             sizeof(c->sys->self_header), allow_c, NULL, &pc);
        kind = provider_find_source(binfmt_d, binfmts, name, &source);
        if (kind < 0)
                return kind;
        rule_flags_to_string(rule_flags_normalize(cur->rule.flags), flags);
        if (!flags[0])
                snprintf(flags, sizeof(flags), "none");
        if (pc.resolved[0] && !streq(pc.resolved, interp))
                snprintf(via, sizeof(via), " -> %s", pc.resolved);

        if (pc.problem == PROVIDER_OK) {
                if (!c->quiet_unchanged || dry_run)
                        report_info(r,
                                    "%s: provided by another tool's entry%s%s (flags %s, %s%s); "
                                    "left alone.",
                                    name, source ? " from " : "", strempty(source), flags, interp,
                                    via);
                return 0;
        }

        if (kind == PROVIDER_SOURCE_BINFMT_D) {
                const char *base = strrchr(source, '/') + 1;

                snprintf(fix, sizeof(fix),
                         "mask that registration (ln -s /dev/null /etc/binfmt.d/%s; it goes at the "
                         "next boot or systemctl restart systemd-binfmt)",
                         base);
        } else if (kind == PROVIDER_SOURCE_BINFMTS)
                snprintf(fix, sizeof(fix),
                         "disable that registration (update-binfmts --disable %s)", name);
        else
                snprintf(fix, sizeof(fix), "remove it (echo -1 > %s/%s)", c->mount, name);
        report_error(r, ERR_CONFLICT,
                     "%s: an entry of that name exists that binfmtd did not register%s%s%s, and it "
                     "%s%s%s (flags %s, %s%s); %s. Fix: %s, or let binfmtd replace it "
                     "(binfmtctl install --force %s, or TakeOver=yes in binfmtd.conf)",
                     name, source ? " (from " : "", source ? source : "", source ? ")" : "",
                     provider_problem_to_string(pc.problem),
                     pc.problem == PROVIDER_UNSAFE_INTERPRETER ? ": it " : "",
                     pc.problem == PROVIDER_UNSAFE_INTERPRETER
                             ? interp_problem_to_string(pc.interp.problem)
                             : "",
                     flags, interp, via, dry_run ? "install would leave it" : "left alone", fix,
                     a->name);
        return 0;
}

/* Whether the file binfmtd's entry of @rule pinned is no longer the interpreter on disk. */
static bool pin_is_stale(Owned *o, const BinfmtRule *rule)
{
        uint64_t dev, ino;
        struct stat st;

        if (!rule->interpreter || owned_get_pin(o, rule->name, &dev, &ino) < 0 ||
            stat(rule->interpreter, &st) < 0)
                return false;
        return (uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino;
}

/* Plans and carries out (or, dry, describes) one prepared rule. */
static int apply_rule(const OpsContext *c, int fd, Owned *o, bool mounted, bool dry_run,
                      const BinfmtRule *rule, const BinfmtArch *a, Report *r)
{
        _cleanup_(entry_freep) BinfmtEntry *cur = NULL;
        _cleanup_free_ char *diff = NULL, *s = NULL;
        char desc[512], tmp[RULE_NAME_MAX + 1];
        PlanAction act;
        int q;

        describe_rule(rule, a, desc, sizeof(desc));

        if (mounted && read_entry(c, fd, rule->name, r, &cur) < 0)
                return 0;
        act = plan_for_rule(rule, cur, owned_has(o, rule->name) > 0, c->force);
        /* Right in every byte, yet pinning a file that is no longer there: registered again,
         * so that new programs run the interpreter on disk. */
        if (act == PLAN_KEEP && owned_has(o, rule->name) > 0 && pin_is_stale(o, rule)) {
                act = PLAN_REPLACE;
                diff = strdup("the interpreter was replaced on disk after it was registered "
                              "(F keeps the old file)");
                if (!diff)
                        return -ENOMEM;
        }
        if (cur && act != PLAN_KEEP && !diff) {
                diff = entry_describe_difference(cur, rule);
                if (!diff)
                        return -ENOMEM;
        }

        if (dry_run) {
                q = rule_to_register_string(rule, &s);
                if (q < 0)
                        return q;
                report_info(r, "%s (%s): %s%s%s", rule->name, desc, plan_action_to_string(act),
                            diff ? ": " : "", strempty(diff));
                if (act == PLAN_CONFLICT) {
                        q = report_foreign(c, cur, a, rule->flags & RULE_FLAG_C, true, r);
                        if (q < 0)
                                return q;
                } else if (act != PLAN_KEEP)
                        report_info(r, "  %s", s);
                if (act == PLAN_REPLACE || act == PLAN_TAKE_OVER)
                        report_info(r, "  via %s, so a handler exists throughout",
                                    plan_temp_name(rule->name, tmp, sizeof(tmp)));
                if (act != PLAN_CONFLICT)
                        report_native(c, a, act == PLAN_KEEP ? "registered" : "would be registered",
                                      r);
                return 0;
        }

        switch (act) {
        case PLAN_KEEP:
                /* Identical to what binfmtd registers: adopted, as if binfmtd had written it. */
                if (!owned_has(o, rule->name))
                        record(o, rule->name, rule, r);
                if (!c->quiet_unchanged)
                        report_info(r, "%s: already registered (%s), unchanged.", rule->name, desc);
                break;
        case PLAN_REGISTER:
                /* Recorded first: a crash between the two leaves a record of nothing, never an
                 * entry of binfmtd's that nothing says is its own. */
                record(o, rule->name, rule, r);
                q = do_register(fd, rule, rule->name);
                if (q < 0) {
                        (void)owned_remove(o, rule->name);
                        report_error(r, ERR_KERNEL, "%s: %s: %s", rule->name,
                                     register_error_text(q), strerror(-q));
                } else {
                        record(o, rule->name, rule, r);
                        report_info(r, "%s: registered (%s).", rule->name, desc);
                        report_native(c, a, "registered", r);
                }
                break;
        case PLAN_ENABLE:
                q = instance_set_enabled(fd, rule->name, true);
                if (q < 0)
                        report_error(r, ERR_KERNEL, "%s: cannot enable: %s", rule->name,
                                     strerror(-q));
                else
                        report_info(r, "%s: enabled again (%s).", rule->name, desc);
                break;
        case PLAN_REPLACE:
        case PLAN_TAKE_OVER:
                if (do_replace(fd, o, rule, cur, r) >= 0)
                        report_info(r, "%s: replaced (%s; was: %s).", rule->name, desc,
                                    strna(diff));
                break;
        case PLAN_CONFLICT:
                q = report_foreign(c, cur, a, rule->flags & RULE_FLAG_C, false, r);
                if (q < 0)
                        return q;
                break;
        default:
                break;
        }
        return 0;
}

/*
 * Takes the writers' lock (owned_lock()) into *@ret_fd. Without it (a user who may not write
 * the state directory, say) the work goes on with a warning: it is a guard between binfmtd's
 * own writers, not a permission.
 */
static void take_lock(const OpsContext *c, Report *r, int *ret_fd)
{
        int q = owned_lock(c->state_dir, ret_fd);

        if (q < 0)
                report_info(r, "warning: cannot take the writers' lock in %s: %s", c->state_dir,
                            strerror(-q));
}

/*
 * The temporary entry of a replacement that was interrupted (binfmtd killed between its
 * writes) once the entry it stood in for is in place: it would keep serving after that one
 * is removed or switched off. Only binfmtd's own is removed.
 */
static void remove_leftover_temp(int fd, Owned *o, const char *name, Report *r)
{
        char tmp[RULE_NAME_MAX + 1];

        plan_temp_name(name, tmp, sizeof(tmp));
        if (owned_has(o, tmp) <= 0)
                return;
        if (faccessat(fd, tmp, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
                /* Recorded, then killed before it was registered (or after it was removed). */
                if (errno == ENOENT)
                        (void)owned_remove(o, tmp);
                return;
        }
        if (faccessat(fd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return;
        if (instance_remove(fd, tmp) >= 0) {
                (void)owned_remove(o, tmp);
                report_info(r, "%s: removed, left over from an interrupted replacement.", tmp);
        }
}

void ops_prepared_done(OpsPrepared *p)
{
        for (size_t i = 0; i < p->n; i++)
                rule_free(p->rules[i]);
        free(p->rules);
        free(p->arches);
        *p = (OpsPrepared){};
}

int ops_prepare(const OpsContext *c, char *const *targets, Report *r, OpsPrepared *ret)
{
        _cleanup_(ops_prepared_done) OpsPrepared p = {};
        _cleanup_free_ const BinfmtArch **arches = NULL;
        size_t n = 0, n_native = 0, n_missing = 0;
        bool all = false;
        int q;

        *ret = (OpsPrepared){};
        q = resolve_targets(c, targets, r, &arches, &n, &all);
        if (q < 0)
                return q;
        if (check_system(c, c->flags, r) < 0)
                return r->oom ? -ENOMEM : 0;

        p.rules = calloc(n ?: 1, sizeof(BinfmtRule *));
        p.arches = calloc(n ?: 1, sizeof(BinfmtArch *));
        if (!p.rules || !p.arches)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                Prepared st;

                q = prepare_rule(c, arches[i], all, r, &p.rules[p.n], &st);
                if (q < 0)
                        return q;
                if (st == PREPARED_NATIVE)
                        n_native++;
                else if (st == PREPARED_NO_INTERP)
                        n_missing++;
                else if (st == PREPARED_OK)
                        p.arches[p.n++] = arches[i];
        }
        if (all)
                report_info(r,
                            "all: %zu target%s with an interpreter, %zu run natively "
                            "skipped, %zu without an interpreter skipped.",
                            p.n, p.n == 1 ? "" : "s", n_native, n_missing);

        /* "all" that finds nothing to register is a failure, not a quiet success. */
        if (all && p.n == 0 && !r->failed)
                report_error(r, ERR_NO_INTERPRETER,
                             "all: no target has an interpreter, of those the kernel does not run "
                             "natively: "
                             "install qemu-user-static or use --interpreter-dir");
        *ret = p;
        p = (OpsPrepared){};
        return r->oom ? -ENOMEM : 0;
}

int ops_register_prepared(const OpsPrepared *p, const char *mount, Report *r)
{
        _cleanup_close_ int fd = -EBADF;
        int q;

        q = instance_open(mount, &fd);
        if (q < 0) {
                report_error(r, ERR_MOUNT, "cannot open %s: %s", mount, strerror(-q));
                return 0;
        }
        for (size_t i = 0; i < p->n; i++) {
                q = do_register(fd, p->rules[i], p->rules[i]->name);
                if (q == -ENOMEM)
                        return q;
                if (q < 0)
                        report_error(r, ERR_KERNEL, "%s: %s: %s", p->rules[i]->name,
                                     register_error_text(q), strerror(-q));
        }
        return r->oom ? -ENOMEM : 0;
}

int ops_install(const OpsContext *c, char *const *targets, bool dry_run, Report *r)
{
        _cleanup_close_ int lock = -EBADF;
        _cleanup_(ops_prepared_done) OpsPrepared p = {};
        _cleanup_(owned_freep) Owned *o = NULL;
        _cleanup_close_ int fd = -EBADF;
        bool mounted = true;
        int q = 0;

        q = ops_prepare(c, targets, r, &p);
        if (q < 0)
                return q;
        if (p.n == 0)
                goto finish;

        if (dry_run) {
                q = instance_open(c->mount, &fd);
                if (q == -EMEDIUMTYPE) {
                        report_info(r,
                                    "binfmt_misc is not mounted at %s: install would mount it "
                                    "(nosuid,nodev,noexec).",
                                    c->mount);
                        mounted = false;
                } else if (q < 0) {
                        report_error(r, ERR_MOUNT, "cannot open %s: %s", c->mount, strerror(-q));
                        goto finish;
                }
        } else if (open_instance(c, r, &fd) < 0)
                goto finish;

        /* Records are read and the instance written by one writer at a time. */
        if (!dry_run)
                take_lock(c, r, &lock);
        if (mounted) {
                q = owned_open(c->state_dir, fd, &o);
                if (q == -ENOMEM)
                        goto finish;
                if (q < 0)
                        report_info(r, "warning: cannot read binfmtd's records in %s: %s",
                                    c->state_dir, strerror(-q));
        }

        q = 0;
        for (size_t i = 0; i < p.n && q >= 0; i++) {
                q = apply_rule(c, fd, o, mounted, dry_run, p.rules[i], p.arches[i], r);
                if (q >= 0 && !dry_run)
                        remove_leftover_temp(fd, o, p.rules[i]->name, r);
        }

finish:
        if (r->oom)
                return -ENOMEM;
        return q < 0 ? q : 0;
}

static int remove_entry(int fd, Owned *o, const char *name, Report *r)
{
        char tmp[RULE_NAME_MAX + 1];
        int q;

        q = instance_remove(fd, name);
        if (q < 0 && q != -ENOENT) {
                report_error(r, ERR_KERNEL, "%s: cannot remove: %s", name, strerror(-q));
                return q;
        }
        (void)owned_remove(o, name);
        if (q >= 0)
                report_info(r, "%s: removed.", name);
        /* A temporary entry from an interrupted replacement would keep serving. */
        plan_temp_name(name, tmp, sizeof(tmp));
        if (!plan_is_temp_name(name) && owned_has(o, tmp) && instance_remove(fd, tmp) >= 0) {
                (void)owned_remove(o, tmp);
                report_info(r, "%s: removed.", tmp);
        }
        return 0;
}

int ops_uninstall(const OpsContext *c, char *const *targets, Report *r)
{
        _cleanup_close_ int lock = -EBADF;
        _cleanup_(owned_freep) Owned *o = NULL;
        _cleanup_free_ const BinfmtArch **arches = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0;
        bool all = false;
        int q;

        q = resolve_targets(c, targets, r, &arches, &n, &all);
        if (q < 0)
                return q;
        if (!all && n == 0)
                return 0;

        q = instance_open(c->mount, &fd);
        if (q == -EMEDIUMTYPE) {
                report_info(r, "binfmt_misc is not mounted at %s: nothing is registered there.",
                            c->mount);
                return r->oom ? -ENOMEM : 0;
        }
        if (q < 0) {
                report_error(r, ERR_MOUNT, "cannot open %s: %s", c->mount, strerror(-q));
                return r->oom ? -ENOMEM : 0;
        }
        if (instance_is_read_only(fd) > 0) {
                report_error(r, ERR_READ_ONLY,
                             "binfmt_misc at %s is mounted read-only: nothing can be removed "
                             "there",
                             c->mount);
                return r->oom ? -ENOMEM : 0;
        }
        take_lock(c, r, &lock);
        q = owned_open(c->state_dir, fd, &o);
        if (q == -ENOMEM)
                return q;
        if (q < 0)
                report_info(r, "warning: cannot read binfmtd's records in %s: %s", c->state_dir,
                            strerror(-q));

        if (all) {
                _cleanup_(entry_list_done) EntryList l = {};
                _cleanup_strv_free_ char **left = NULL;
                size_t removed = 0;

                q = instance_list(fd, &l, NULL);
                if (q == -ENOMEM)
                        return q;
                if (q < 0) {
                        report_error(r, ERR_KERNEL, "cannot list %s: %s", c->mount, strerror(-q));
                        return r->oom ? -ENOMEM : 0;
                }
                for (size_t i = 0; i < l.n; i++) {
                        const char *name = l.entries[i]->rule.name;

                        if (owned_has(o, name)) {
                                /* A temporary entry went already, with the entry it belongs to. */
                                if (plan_is_temp_name(name) &&
                                    faccessat(fd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                                        continue;
                                if (remove_entry(fd, o, name, r) >= 0)
                                        removed++;
                        } else if (strv_extend(&left, name) < 0)
                                return -ENOMEM;
                }
                if (removed == 0 && !r->failed)
                        report_info(r, "No entries of binfmtd are registered at %s.", c->mount);
                if (left) {
                        size_t len = 0;
                        _cleanup_free_ char *joined = NULL;

                        STRV_FOREACH (e, left)
                                len += strlen(*e) + 1;
                        joined = calloc(1, len + 1);
                        if (!joined)
                                return -ENOMEM;
                        STRV_FOREACH (e, left) {
                                strcat(joined, " ");
                                strcat(joined, *e);
                        }
                        report_info(r, "Left alone, not registered by binfmtd:%s", joined);
                }
                return r->oom ? -ENOMEM : 0;
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_(entry_freep) BinfmtEntry *cur = NULL;
                char name[ARCH_ENTRY_NAME_MAX];

                arch_entry_name(arches[i], name, sizeof(name));
                q = read_entry(c, fd, name, r, &cur);
                if (q < 0)
                        continue;
                if (q == 0) {
                        report_info(r, "%s: not registered, nothing to remove.", name);
                        continue;
                }
                if (!owned_has(o, name) && !c->force) {
                        report_error(r, ERR_CONFLICT,
                                     "%s: not removed: binfmtd did not register this entry; use "
                                     "--force to remove it",
                                     name);
                        continue;
                }
                (void)remove_entry(fd, o, name, r);
        }
        return r->oom ? -ENOMEM : 0;
}
