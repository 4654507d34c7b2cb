/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What binfmtctl's files share: the parsed command line (Args), the run's state (Context), the
 * exit codes and limits, and the functions one concern offers another. Nothing here is for
 * lib/: binfmtctl is a thin client over it and the socket.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/macro.h"
#include "base/report.h"
#include "varlink/varlink-client.h"
#include "verify/system.h"

#define EXIT_USAGE               2
#define EXIT_NOT_READY           3
#define EXIT_EXEC_FAILED         125 /* exec: binfmtctl's own failure, as env(1) says it */
#define DEFAULT_SOCKET           "/run/binfmtd/io.binfmtd"
#define DAEMON_TIMEOUT_MS        (60 * 1000)
#define DAEMON_REPLY_MAX         (16u * 1024u * 1024u)
#define VERIFY_TIMEOUT_USEC      (10u * 1000u * 1000u)
#define WAIT_TIMEOUT_DEFAULT_SEC 60
#define WAIT_POLL_USEC           (500u * 1000u)

typedef enum Format {
        FORMAT_TEXT,
        FORMAT_JSON,
        FORMAT_OPENMETRICS,
} Format;

typedef struct Args {
        const char *mount;
        const char *socket;
        bool use_daemon; /* ask binfmtd first (no --direct, no option that names an instance) */
        char **interpreter_dirs;
        unsigned extra_flags;
        bool force;
        Format format;
        char **require;      /* canonical platform strings of --require */
        char **platforms;    /* exec --platform, as given; NULL: the defaults */
        bool user;           /* --user: rootless podman's user namespace (user.c) */
        char *mount_storage; /* owned string behind mount, when made here */
        uint64_t timeout_usec;
        bool timeout_set;
        const char *verb;
        char **operands;
} Args;

typedef struct Context {
        const Args *args;
        SystemInfo sys;
        bool failed;
        bool not_ready;
        pid_t user_pause;     /* --user: podman's pause process, whose user namespace is acted on */
        bool native_measured; /* sys.native holds what this kernel runs natively */
} Context;

/*
 * context_measure_native() - measure what the kernel runs natively (verify_measure_native(),
 * once): what binfmtctl needs before it judges or changes anything itself. A command that
 * binfmtd answers does without: the daemon measured it. Returns 0 or -ENOMEM.
 */
int context_measure_native(Context *c);

extern const char *program;

/* Messages: log_error() for what does not change the exit code, fail() for what makes it 1. */
_printf_(1, 2) void log_error(const char *fmt, ...);
_printf_(2, 3) void fail(Context *c, const char *fmt, ...);

/* The verbs (main.c's table). */
int verb_install(Context *c);
int verb_uninstall(Context *c);
int verb_plan(Context *c);
int verb_status(Context *c);
int verb_list(Context *c);
int verb_which(Context *c);
int verb_verify(Context *c);
int verb_wait(Context *c);
int verb_reload(Context *c);
int verb_exec(Context *c);

/* install.c */
void print_report(Context *c, const Report *r);

/* daemon.c */
int daemon_connect(Context *c, VarlinkClient *vc);
int daemon_change(Context *c, const char *method);
int direct_status_json(Context *c, struct json_object **ret);
int get_status_json(Context *c, struct json_object **ret);
int daemon_verify(Context *c, struct json_object **ret);
/* user.c */
int user_setup(Context *c, Args *a);

/* render.c */
size_t check_required(Context *c, struct json_object *j, bool from_daemon, bool print);
/* Reading the status JSON: a string, boolean (-1: absent) or integer (-1: absent) member. */
const char *jstr(struct json_object *o, const char *key);
int jbool(struct json_object *o, const char *key);
int64_t jint(struct json_object *o, const char *key);
/* @s with control characters replaced, in @buf ("-" for NULL). */
const char *printable(const char *s, char *buf, size_t size);
/* The entry of "platforms" for @platform, or NULL. */
struct json_object *find_platform(struct json_object *j, const char *platform);
