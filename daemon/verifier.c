/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verifications in the background. The event loop owns everything but the job of the run in
 * progress, which the worker thread owns from pthread_create() until it signals the eventfd;
 * after that the loop joins the thread and takes the job back. Nothing else is shared.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "base/strv.h"
#include "verifier.h"

#define VERIFIER_PROBE_TIMEOUT_USEC (10u * 1000u * 1000u)

typedef struct Job {
        const SystemInfo *sys;
        char **dirs; /* copy of the interpreter path */
        int efd;
        int r; /* verify_run()'s result */
        uint64_t seq;
        Verification result;
} Job;

struct Verifier {
        sd_event *event;
        const SystemInfo *sys;
        VerifierDone done;
        VerifierStarted started_cb;
        void *userdata;

        char **dirs;
        uint64_t interval_usec;
        sd_event_source *timer;

        int efd;
        sd_event_source *efd_source;
        pthread_t thread;
        Job job;
        bool busy;
        bool again;
        uint64_t started; /* runs started */

        Verification last;
        bool have_last;
};

static void *worker(void *userdata)
{
        Job *j = userdata;
        _cleanup_free_ const BinfmtArch **targets = NULL;
        _cleanup_free_ char *workdir = NULL;
        size_t n = 0;
        uint64_t one = 1;

        /* The probes run at PROBE_NICE, which each sets for itself after fork(); this thread
         * does not. It shares the heap (one arena) and the log with the event loop: at nice 19
         * it was preempted while holding the heap's lock, and the loop then waited on it for
         * milliseconds at a time (an Install during a verification took three times as long). */
        targets = verify_default_targets(&n);
        if (!targets)
                j->r = -ENOMEM;
        else
                j->r = verify_workdir(&workdir);
        if (j->r >= 0)
                j->r = verify_run(j->sys, targets, n, j->dirs, workdir, VERIFIER_PROBE_TIMEOUT_USEC,
                                  &j->result);
        /* Hand the job back. An eventfd write cannot fail short of a bug; the loop's join would
         * then wait here forever, so keep trying. */
        while (write(j->efd, &one, sizeof(one)) < 0 && errno == EINTR)
                ;
        return NULL;
}

static int start(Verifier *v)
{
        sigset_t all, old;
        int r;

        /* One run at a time: a second start while one runs would take its job from under it. */
        if (v->busy) {
                v->again = true;
                return 0;
        }

        v->job = (Job){.sys = v->sys, .efd = v->efd, .seq = v->started + 1};
        if (v->dirs) {
                v->job.dirs = strv_copy(v->dirs);
                if (!v->job.dirs)
                        return -ENOMEM;
        }
        /* The thread takes no signal: the loop's signalfd handles them all. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = pthread_create(&v->thread, NULL, worker, &v->job);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0) {
                strv_free(v->job.dirs);
                v->job.dirs = NULL;
                return -r;
        }
        v->busy = true;
        v->started++;
        if (v->started_cb)
                v->started_cb(v, v->userdata);
        return 0;
}

static int arm_timer(Verifier *v)
{
        if (v->interval_usec == 0)
                return v->timer ? sd_event_source_set_enabled(v->timer, SD_EVENT_OFF) : 0;
        if (sd_event_source_set_time_relative(v->timer, v->interval_usec) < 0)
                return -EINVAL;
        return sd_event_source_set_enabled(v->timer, SD_EVENT_ONESHOT);
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Verifier *v = userdata;
        uint64_t n;
        int r;

        if (read(fd, &n, sizeof(n)) < 0)
                return 0; /* spurious wakeup */
        if (!v->busy)
                return 0;
        pthread_join(v->thread, NULL);
        v->busy = false;
        strv_free(v->job.dirs);
        v->job.dirs = NULL;

        if (v->job.r < 0) {
                log_warning("Verification failed: %s (probes are written to %s)",
                            strerror(-v->job.r), verify_workdir_name());
                if (v->done)
                        v->done(v, v->job.seq, v->job.r, v->userdata);
        } else {
                verification_done(&v->last);
                v->last = v->job.result;
                v->job.result = (Verification){};
                v->have_last = true;
                log_debug("Verified %zu target(s) in %" PRIu64 " ms.", v->last.n_targets,
                          v->last.duration_usec / 1000);
                if (v->done)
                        v->done(v, v->job.seq, 0, v->userdata);
        }

        /* The callback may have started the next run already (a Verify call waiting behind
         * another on the same connection): that one serves the request too. */
        if (v->busy)
                return 0;
        if (v->again) {
                v->again = false;
                r = start(v);
                if (r >= 0)
                        return 0;
                log_warning("Cannot start a verification: %s", strerror(-r));
                /* The run promised to those who asked will not come: they are told. */
                if (v->done)
                        v->done(v, v->started + 1, r, v->userdata);
        }
        (void)arm_timer(v);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)verifier_request(userdata, "timer", NULL);
        return 0;
}

int verifier_new(sd_event *e, const SystemInfo *sys, VerifierDone done, VerifierStarted started,
                 void *userdata, Verifier **ret)
{
        _cleanup_(verifier_freep) Verifier *v = NULL;
        int r;

        v = calloc(1, sizeof(Verifier));
        if (!v)
                return -ENOMEM;
        v->event = sd_event_ref(e);
        v->sys = sys;
        v->done = done;
        v->started_cb = started;
        v->userdata = userdata;
        v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (v->efd < 0)
                return -errno;
        r = sd_event_add_io(e, &v->efd_source, v->efd, EPOLLIN, on_done, v);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(e, &v->timer, CLOCK_MONOTONIC, UINT64_MAX / 2, 0, on_timer,
                                       v);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(v->timer, SD_EVENT_OFF);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

Verifier *verifier_free(Verifier *v)
{
        if (!v)
                return NULL;
        if (v->busy) {
                pthread_join(v->thread, NULL);
                strv_free(v->job.dirs);
                verification_done(&v->job.result);
        }
        sd_event_source_disable_unref(v->efd_source);
        sd_event_source_disable_unref(v->timer);
        if (v->efd >= 0)
                close(v->efd);
        strv_free(v->dirs);
        verification_done(&v->last);
        sd_event_unref(v->event);
        free(v);
        return NULL;
}

int verifier_configure(Verifier *v, char *const *interpreter_dirs, uint64_t interval_usec)
{
        char **d = NULL;

        if (interpreter_dirs) {
                d = strv_copy(interpreter_dirs);
                if (!d)
                        return -ENOMEM;
        }
        strv_free(v->dirs);
        v->dirs = d;
        v->interval_usec = interval_usec;
        if (!v->busy)
                return arm_timer(v);
        return 0;
}

int verifier_request(Verifier *v, const char *why, uint64_t *ret_seq)
{
        int r;

        /* Started now, or as the next one: either way the next number. */
        if (ret_seq)
                *ret_seq = v->started + 1;
        if (v->busy) {
                log_debug("Verification requested (%s): after the one in progress.", why);
                v->again = true;
                return 0;
        }
        log_debug("Verifying (%s).", why);
        r = start(v);
        if (r < 0)
                log_warning("Cannot start a verification: %s", strerror(-r));
        return r;
}

const Verification *verifier_last(const Verifier *v)
{
        return v && v->have_last ? &v->last : NULL;
}

bool verifier_busy(const Verifier *v)
{
        return v && v->busy;
}
