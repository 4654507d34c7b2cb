/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-event.h>

#include "base/macro.h"
#include "verify/system.h"
#include "verify/verify.h"

/*
 * The daemon's verifications: running every probe without blocking the event loop, keeping
 * the last record, and running again when asked (after a registration change) and on a timer.
 * One run at a time: a request during a run starts one more run after it, whatever the number
 * of requests. Each run happens in a worker thread (lib/verify/probe-run.c is safe for that: between
 * fork and execve its children call only async-signal-safe functions); the thread hands the
 * record back through an eventfd, and the event loop adopts it.
 */

typedef struct Verifier Verifier;

/*
 * Called on the event loop after each run, with the new record (also verifier_last()), or
 * @error (-errno) when the run failed and the last record stays. @seq is the run's number.
 */
typedef void (*VerifierDone)(Verifier *v, uint64_t seq, int error, void *userdata);

/* Called on the event loop when a run starts (the status then says "verifying"). */
typedef void (*VerifierStarted)(Verifier *v, void *userdata);

int verifier_new(sd_event *e, const SystemInfo *sys, VerifierDone done, VerifierStarted started,
                 void *userdata, Verifier **ret);

/* Waits for a run in progress (bounded by the probe timeout), then frees. */
Verifier *verifier_free(Verifier *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Verifier *, verifier_free);

/* Settings for the next runs: the interpreter path (copied) and the timer (0: no timer). */
int verifier_configure(Verifier *v, char *const *interpreter_dirs, uint64_t interval_usec);

/*
 * Start a run now, or one more after the current one. @why goes into the debug log. The number
 * of the run that will start after this request in *@ret_seq (NULL: not wanted): runs are
 * numbered from 1 as they start, and one that began before the request does not count.
 */
int verifier_request(Verifier *v, const char *why, uint64_t *ret_seq);

/* The last finished run, or NULL before the first one ends. */
const Verification *verifier_last(const Verifier *v);

/* Whether a run is in progress. */
bool verifier_busy(const Verifier *v);
