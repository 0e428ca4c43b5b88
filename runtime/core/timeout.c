/*
 * timeout.c — timeout scopes (asyncio.timeout): a timer that cancels the
 * task that entered the scope, and an exit that turns that one cancellation
 * into CORIO_ETIMEDOUT. Which cancellation is the scope's own is told, as in
 * asyncio, by the task's count of cancel requests: the scope remembers it at
 * entry and uncancels at exit.
 *
 * States, as asyncio's Timeout: CREATED (zero, CORIO_TIMEOUT_INIT) --enter-->
 * ENTERED --deadline--> EXPIRING --exit--> EXPIRED; ENTERED --exit-->
 * EXITED. Only CREATED may be entered: a scope is entered once, so its timer
 * is never scheduled twice.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

enum { CREATED = 0, ENTERED, EXPIRING, EXPIRED, EXITED };

/* What the loop holds while the scope is entered: on the heap, not in the
 * scope, which is normally on the parked task's stack (backend.h,
 * CORIO__FIBER_PARKS). Made by the entry, freed by the exit. */
struct corio__timeout_timer {
  corio_handle_t handle;
  corio_task_t *task;
  bool fired; /* the deadline passed: ENTERED becomes EXPIRING */
};

static void on_expiry(void *data) {
  struct corio__timeout_timer *timer = data;
  timer->fired = true;
  corio_task_cancel(timer->task, NULL);
}

/* The scope's state, with a deadline that passed while it was entered. */
static int state_of(const corio_timeout_t *to) {
  return to->state == ENTERED && to->timer && to->timer->fired ? EXPIRING
                                                               : to->state;
}

int corio_timeout_enter_at(corio_timeout_t *to, double when) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (to == NULL || isnan(when)) return CORIO_EINVAL;
  if (to->state != CREATED)
    return corio_fail(CORIO_ERUNTIME,
                      "Timeout has already been entered (a scope is entered "
                      "once; start from CORIO_TIMEOUT_INIT)");
  to->timer = calloc(1, sizeof *to->timer);
  if (to->timer == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  to->timer->task = to->task = corio__current;
  to->state = ENTERED;
  to->when = CORIO_FOREVER;
  to->cancelling_at_enter = corio_task_cancelling(to->task);
  rc = corio_timeout_reschedule(to, when);
  if (rc != CORIO_OK) { /* no room for the timer: the scope stays new */
    free(to->timer);
    *to = (corio_timeout_t)CORIO_TIMEOUT_INIT;
  }
  return rc;
}

int corio_timeout_enter(corio_timeout_t *to, double delay) {
  if (isnan(delay)) return CORIO_EINVAL;
  /* now + FOREVER is FOREVER; a delay <= 0 is a deadline already past. */
  return corio_timeout_enter_at(to, corio_time() + delay);
}

int corio_timeout_reschedule(corio_timeout_t *to, double when) {
  if (to == NULL || isnan(when)) return CORIO_EINVAL;
  if (state_of(to) != ENTERED)
    return corio_fail(CORIO_ERUNTIME, to->state == CREATED
                                          ? "Timeout has not been entered"
                                          : "Cannot change state of an "
                                            "expiring or exited Timeout");
  corio_loop_t *loop = to->task->loop;
  corio_handle_t *h = &to->timer->handle;
  corio_handle_cancel(h);
  to->when = when;
  if (when == CORIO_FOREVER) return CORIO_OK;
  if (when <= corio_time()) {
    /* Expired already: the task is cancelled at its first wait. */
    corio__loop_call_soon(loop, h, on_expiry, to->timer);
    return CORIO_OK;
  }
  return corio__loop_call_at(loop, h, when, on_expiry, to->timer);
}

double corio_timeout_when(const corio_timeout_t *to) { return to->when; }

bool corio_timeout_expired(const corio_timeout_t *to) {
  int state = state_of(to);
  return state == EXPIRING || state == EXPIRED;
}

int corio_timeout_exit(corio_timeout_t *to, int status) {
  if (to == NULL) return status;
  int state = state_of(to);
  if (state != ENTERED && state != EXPIRING) return status;
  corio_handle_cancel(&to->timer->handle);
  free(to->timer);
  to->timer = NULL;
  if (state == EXPIRING) {
    to->state = EXPIRED;
    if (corio_task_uncancel(to->task) <= to->cancelling_at_enter &&
        status == CORIO_ECANCELLED)
      return corio__set_error(CORIO_ETIMEDOUT, NULL);
  } else {
    to->state = EXITED;
  }
  return status;
}
