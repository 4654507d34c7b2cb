/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/macro.h"
#include "binfmt/rule.h"

/*
 * binfmtd.conf: parsing configuration text with inih into a Config, and merging files in order
 * (later keys win). Pure: which files exist and in what order is the daemon's business
 * (daemon/conf-files.c); this module sees file names only to put them in messages.
 *
 *   [binfmtd]
 *   MountPoint=/proc/sys/fs/binfmt_misc
 *   Socket=/run/binfmtd/io.binfmtd
 *   Targets=linux/arm64 linux/riscv64 ...     (names, aliases, OCI platforms, or "all")
 *   InterpreterPath=/usr/bin                  (space-separated directories)
 *   Flags=                                     (letters of P, O, C added to F)
 *   ReconcileIntervalSec=60
 *   VerifyIntervalSec=10min                    (probe every platform again this often)
 *   AdminGroup=                                (group allowed to change registrations)
 *   TakeOver=no                                (replace foreign entries of our names)
 *   RemoveOnStop=no                            (remove our entries when stopping)
 *   NodeFeatureFile=                           (NFD feature file with the verified platforms)
 *   MaxConnections=64                          (clients of any uid but root and the admin group)
 *   MaxConnectionsPerUser=8                    (connections of one such uid)
 *   MaxWatchesPerUser=4                        (Watch calls of one such uid)
 *   IdleTimeoutSec=60
 *
 *   [target:NAME]                              (override a table target, or add one)
 *   Interpreter=/path                          Flags=P        Platform=linux/foo
 *   Magic=\x7fELF...   Mask=\xff...   Offset=0   (a new target needs Magic and Interpreter)
 */

#define CONFIG_DEFAULT_MOUNT          "/proc/sys/fs/binfmt_misc"
#define CONFIG_DEFAULT_SOCKET         "/run/binfmtd/io.binfmtd"
#define CONFIG_DEFAULT_INTERPRETER_PATH "/usr/bin"
#define CONFIG_DEFAULT_TARGETS                                                                     \
        "linux/amd64 linux/arm64 linux/riscv64 linux/ppc64le linux/s390x linux/386 "             \
        "linux/mips64le linux/mips64 linux/loong64 linux/arm/v7"
#define CONFIG_DEFAULT_RECONCILE_SEC  60
#define CONFIG_DEFAULT_VERIFY_SEC     600
#define CONFIG_DEFAULT_MAX_CONNECTIONS 64
#define CONFIG_DEFAULT_MAX_PER_USER   8
#define CONFIG_DEFAULT_WATCHES_PER_USER 4
#define CONFIG_DEFAULT_IDLE_SEC       60

typedef struct ConfigTarget {
        char *name;              /* section name after "target:"; a table name or a new one */
        char *interpreter;       /* NULL: search InterpreterPath */
        bool flags_set;
        unsigned flags;          /* P/O/C letters (F is always added) */
        char *platform;          /* NULL: the table's */
        bool magic_set;          /* Magic= given: a custom match */
        size_t magic_len;
        uint8_t magic[RULE_MAGIC_MAX];
        bool mask_set;
        size_t mask_len;         /* equals magic_len in a Config parsed without errors */
        uint8_t mask[RULE_MAGIC_MAX];
        bool offset_set;
        unsigned offset;
} ConfigTarget;

typedef struct Config {
        char *mount_point;
        char *socket_path;
        char **targets;          /* words of Targets= as given (strv) */
        char **interpreter_path; /* strv of directories */
        unsigned flags;          /* P/O/C letters */
        uint64_t reconcile_usec;
        uint64_t verify_usec;
        char *admin_group;       /* NULL: root only */
        bool take_over;
        bool remove_on_stop;
        char *node_feature_file; /* NULL: none */
        /* Where Targets= and AdminGroup= were last set ("FILE:LINE"), NULL for the default: what
         * only the daemon can check (names resolve, the group exists) is reported there. */
        char *targets_at;
        char *admin_group_at;
        unsigned max_connections;
        unsigned max_connections_per_user;
        unsigned max_watches_per_user;
        uint64_t idle_usec;
        ConfigTarget *sections;
        size_t n_sections;
} Config;

/**
 * config_new_default() - a Config holding every default above. Returns 0 or -ENOMEM.
 */
int config_new_default(Config **ret);

Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/**
 * config_parse_file() - parse the text of one file from @f (named @filename in messages) into
 * @c, on top of what @c holds (a later file overrides keys an earlier one set; a [target:X]
 * section merges key by key into an earlier one of the same name; Targets= and
 * InterpreterPath= replace, an empty value resets to empty).
 *
 * Every problem is appended to @errors as "FILE:LINE: KEY: reason" (unknown section, unknown
 * key, bad value, a line inih cannot parse), and parsing goes on, so one run reports all of
 * them. Returns 0 when the file had no error, -EINVAL when @errors got at least one (then @c
 * may be partly changed: callers parse into a copy and discard it), -ENOMEM, or the error of
 * reading @f (then the file was not read to its end). @errors may be NULL to only check.
 */
int config_parse_file(Config *c, FILE *f, const char *filename, char ***errors);

/**
 * config_parse_string() - the same for a string (tests, fuzzing).
 */
int config_parse_string(Config *c, const char *text, const char *filename, char ***errors);

/**
 * config_find_target() - the [target:NAME] section for @name, or NULL.
 */
const ConfigTarget *config_find_target(const Config *c, const char *name);
