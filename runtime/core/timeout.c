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

#include "internal.h"

enum { CREATED = 0, ENTERED, EXPIRING, EXPIRED, EXITED };

static void on_expiry(void *data) {
  corio_timeout_t *to = data;
  to->state = EXPIRING;
  corio_task_cancel(to->task, NULL);
}

int corio_timeout_enter_at(corio_timeout_t *to, double when) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (to == NULL || isnan(when)) return CORIO_EINVAL;
  if (to->state != CREATED)
    return corio_fail(CORIO_ERUNTIME,
                      "Timeout has already been entered (a scope is entered "
                      "once; start from CORIO_TIMEOUT_INIT)");
  to->timer.state = CORIO__HANDLE_IDLE;
  to->task = corio__current;
  to->state = ENTERED;
  to->when = CORIO_FOREVER;
  to->cancelling_at_enter = corio_task_cancelling(to->task);
  return corio_timeout_reschedule(to, when);
}

int corio_timeout_enter(corio_timeout_t *to, double delay) {
  if (isnan(delay)) return CORIO_EINVAL;
  /* now + FOREVER is FOREVER; a delay <= 0 is a deadline already past. */
  return corio_timeout_enter_at(to, corio_time() + delay);
}

int corio_timeout_reschedule(corio_timeout_t *to, double when) {
  if (to == NULL || isnan(when)) return CORIO_EINVAL;
  if (to->state != ENTERED)
    return corio_fail(CORIO_ERUNTIME, to->state == CREATED
                                          ? "Timeout has not been entered"
                                          : "Cannot change state of an "
                                            "expiring or exited Timeout");
  corio_loop_t *loop = to->task->loop;
  corio_handle_cancel(&to->timer);
  to->when = when;
  if (when == CORIO_FOREVER) return CORIO_OK;
  if (when <= corio_time()) {
    /* Expired already: the task is cancelled at its first wait. */
    corio__loop_call_soon(loop, &to->timer, on_expiry, to);
    return CORIO_OK;
  }
  return corio__loop_call_at(loop, &to->timer, when, on_expiry, to);
}

double corio_timeout_when(const corio_timeout_t *to) { return to->when; }

bool corio_timeout_expired(const corio_timeout_t *to) {
  return to->state == EXPIRING || to->state == EXPIRED;
}

int corio_timeout_exit(corio_timeout_t *to, int status) {
  if (to == NULL) return status;
  if (to->state != ENTERED && to->state != EXPIRING) return status;
  corio_handle_cancel(&to->timer);
  if (to->state == EXPIRING) {
    to->state = EXPIRED;
    if (corio_task_uncancel(to->task) <= to->cancelling_at_enter &&
        status == CORIO_ECANCELLED)
      return corio__set_error(CORIO_ETIMEDOUT, NULL);
  } else {
    to->state = EXITED;
  }
  return status;
}
