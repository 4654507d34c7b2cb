/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Judging another tool's entry: does it do the job of the target binfmtd would register under
 * that name, and where did it come from. This module decides nothing about writing: ops.c leaves
 * a providing entry alone and reports any other; status shows both. It reads the interpreter
 * (through interp_check and realpath) and the directories of the other tools' files, no more.
 */

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "base/strv.h"
#include "binfmt/provider.h"

bool rule_catches_host(const BinfmtRule *rule, const HostInfo *h, const uint8_t *self_header,
                       size_t len)
{
        size_t n;
        const BinfmtArch *table = arch_table(&n);

        if (self_header && rule_matches(rule, self_header, len, NULL))
                return true;
        for (size_t i = 0; i < n; i++) {
                uint8_t hdr[ARCH_MAGIC_MAX] = {};

                if (!host_is_native(h, &table[i]))
                        continue;
                memcpy(hdr, table[i].magic, table[i].len);
                for (uint8_t type = ET_EXEC; type <= ET_DYN; type++) {
                        /* e_type at 16..17, in the target's byte order. */
                        hdr[16] = table[i].elf_data == ELFDATA2MSB ? 0 : type;
                        hdr[17] = table[i].elf_data == ELFDATA2MSB ? type : 0;
                        if (rule_matches(rule, hdr, table[i].len, NULL))
                                return true;
                }
        }
        return false;
}

/* Whether @base names QEMU for @a: "qemu-NAME", "qemu-NAME-static", or a prefixed
 * "PREFIX-qemu-NAME" as tonistiigi/binfmt's QEMU_BINARY_PREFIX makes them. */
static bool is_qemu_for(const char *base, const BinfmtArch *a)
{
        const char *q = strstr(base, "qemu-"), *rest;

        if (!q || (q != base && q[-1] != '-'))
                return false;
        rest = startswith(q + strlen("qemu-"), a->name);
        return rest && (rest[0] == '\0' || streq(rest, "-static"));
}

int provider_check(const BinfmtEntry *e, const BinfmtArch *a, const HostInfo *h,
                   const uint8_t *self_header, size_t len, bool allow_credentials,
                   const InterpCheck *known, ProviderCheck *ret)
{
        const BinfmtRule *r = &e->rule;
        uint8_t hdr[ARCH_MAGIC_MAX] = {};
        bool catches = false;
        char *slash;

        *ret = (ProviderCheck){};

        if (r->interpreter && realpath(r->interpreter, ret->resolved) == NULL)
                ret->resolved[0] = '\0';

        if (!e->enabled) {
                ret->problem = PROVIDER_DISABLED;
                return 0;
        }
        if (!(r->flags & RULE_FLAG_F)) {
                ret->problem = PROVIDER_NO_F;
                return 0;
        }
        /* What binfmtd refuses to do by default, it does not accept from others either. */
        if ((r->flags & RULE_FLAG_C) && !allow_credentials) {
                ret->problem = PROVIDER_CREDENTIALS;
                return 0;
        }

        /* The target's own programs, static and position-independent. */
        memcpy(hdr, a->magic, a->len);
        for (uint8_t type = ET_EXEC; type <= ET_DYN; type++) {
                hdr[16] = a->elf_data == ELFDATA2MSB ? 0 : type;
                hdr[17] = a->elf_data == ELFDATA2MSB ? type : 0;
                catches = catches || rule_matches(r, hdr, a->len, NULL);
        }
        if (!catches) {
                ret->problem = PROVIDER_WRONG_TARGET;
                return 0;
        }
        if (rule_catches_host(r, h, self_header, len)) {
                ret->problem = PROVIDER_CATCHES_NATIVE;
                return 0;
        }

        if (known)
                ret->interp = *known;
        else
                interp_check_host(h, r->interpreter, &ret->interp);
        if (ret->interp.problem != INTERP_OK) {
                ret->problem = PROVIDER_UNSAFE_INTERPRETER;
                return 0;
        }
        slash = strrchr(ret->resolved, '/');
        if (!slash || !is_qemu_for(slash + 1, a)) {
                ret->problem = PROVIDER_NOT_QEMU;
                return 0;
        }
        ret->problem = PROVIDER_OK;
        return 0;
}

static const char *const problem_strings[_PROVIDER_PROBLEM_MAX] = {
        [PROVIDER_OK] = "does the job",
        [PROVIDER_DISABLED] = "is disabled",
        [PROVIDER_NO_F] = "has no F flag: containers and chroots without QEMU inside cannot run "
                          "its programs",
        [PROVIDER_CREDENTIALS] = "has the C flag: setuid foreign programs would run the "
                                 "emulator with raised privileges",
        [PROVIDER_WRONG_TARGET] = "does not match the target's programs",
        [PROVIDER_CATCHES_NATIVE] = "matches the host's own programs and would hand them to an "
                                    "emulator",
        [PROVIDER_UNSAFE_INTERPRETER] = "has an interpreter that fails binfmtd's checks",
        [PROVIDER_NOT_QEMU] = "has an interpreter that is not QEMU for the target",
};

static const char *const problem_ids[_PROVIDER_PROBLEM_MAX] = {
        [PROVIDER_OK] = "ok",
        [PROVIDER_DISABLED] = "disabled",
        [PROVIDER_NO_F] = "no-f",
        [PROVIDER_CREDENTIALS] = "credentials",
        [PROVIDER_WRONG_TARGET] = "wrong-target",
        [PROVIDER_CATCHES_NATIVE] = "catches-native",
        [PROVIDER_UNSAFE_INTERPRETER] = "unsafe-interpreter",
        [PROVIDER_NOT_QEMU] = "not-qemu",
};

const char *provider_problem_to_string(ProviderProblem p)
{
        return (unsigned)p < _PROVIDER_PROBLEM_MAX ? problem_strings[p] : NULL;
}

const char *provider_problem_to_id(ProviderProblem p)
{
        return (unsigned)p < _PROVIDER_PROBLEM_MAX ? problem_ids[p] : NULL;
}

/* Adds the entry names the binfmt.d file @dir_fd/@file registers (":NAME:TYPE:..."; the first
 * character is the delimiter) to @s, unless an earlier file registered them already. */
static int conf_scan(ProviderSources *s, int dir_fd, const char *dir, const char *file)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        int fd;

        fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return 0;
        f = fdopen(fd, "re");
        if (!f) {
                close(fd);
                return 0;
        }
        while (getline(&line, &n, f) > 0) {
                char *p = line + strspn(line, " \t"), *end;
                _cleanup_free_ char *path = NULL;

                if (!p[0] || p[0] == '#' || p[0] == ';' || p[0] == '\n')
                        continue;
                end = strchr(p + 1, p[0]);
                if (!end || end == p + 1)
                        continue;
                *end = '\0';
                if (strv_contains(s->names, p + 1))
                        continue;
                if (asprintf(&path, "%s/%s", dir, file) < 0)
                        return -ENOMEM;
                if (strv_extend(&s->names, p + 1) < 0 || strv_push(&s->paths, path) < 0)
                        return -ENOMEM;
                path = NULL;
        }
        return 0;
}

int provider_sources_load(const char *const *binfmt_d, const char *const *binfmts,
                          ProviderSources *ret)
{
        _cleanup_(provider_sources_done) ProviderSources s = {.binfmts = binfmts};
        _cleanup_strv_free_ char **seen = NULL;
        int r;

        /* systemd's rule: a file name in an earlier directory hides it in the later ones. */
        for (size_t d = 0; binfmt_d && binfmt_d[d]; d++) {
                _cleanup_close_ int dir_fd = -EBADF;
                _cleanup_strv_free_ char **files = NULL;
                DIR *dir;
                struct dirent *de;

                dir_fd = open(binfmt_d[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd < 0)
                        continue;
                dir = fdopendir(dup(dir_fd));
                if (!dir)
                        continue;
                while ((de = readdir(dir))) {
                        size_t l = strlen(de->d_name);

                        if (l > 5 && streq(de->d_name + l - 5, ".conf") &&
                            strv_extend(&files, de->d_name) < 0) {
                                closedir(dir);
                                return -ENOMEM;
                        }
                }
                closedir(dir);
                strv_sort(files);
                STRV_FOREACH (file, files) {
                        if (strv_contains(seen, *file))
                                continue;
                        if (strv_extend(&seen, *file) < 0)
                                return -ENOMEM;
                        r = conf_scan(&s, dir_fd, binfmt_d[d], *file);
                        if (r < 0)
                                return r;
                }
        }
        *ret = s;
        s = (ProviderSources){};
        return 0;
}

void provider_sources_done(ProviderSources *s)
{
        strv_free(s->names);
        strv_free(s->paths);
        *s = (ProviderSources){};
}

int provider_sources_find(const ProviderSources *s, const char *name, char **ret_path)
{
        *ret_path = NULL;

        for (size_t i = 0; s->names && s->names[i]; i++)
                if (streq(s->names[i], name)) {
                        *ret_path = strdup(s->paths[i]);
                        return *ret_path ? PROVIDER_SOURCE_BINFMT_D : -ENOMEM;
                }

        if (strchr(name, '/'))
                return PROVIDER_SOURCE_NONE;
        for (size_t d = 0; s->binfmts && s->binfmts[d]; d++) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (asprintf(&p, "%s/%s", s->binfmts[d], name) < 0)
                        return -ENOMEM;
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                        *ret_path = TAKE_PTR(p);
                        return PROVIDER_SOURCE_BINFMTS;
                }
        }
        return PROVIDER_SOURCE_NONE;
}

int provider_find_source(const char *const *binfmt_d, const char *const *binfmts, const char *name,
                         char **ret_path)
{
        _cleanup_(provider_sources_done) ProviderSources s = {};
        int r;

        r = provider_sources_load(binfmt_d, binfmts, &s);
        if (r < 0)
                return r;
        return provider_sources_find(&s, name, ret_path);
}
