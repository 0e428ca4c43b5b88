/*
 * await.c — waiting for time and for tasks: sleep, await, shield and
 * wait_for. Waiting for a task is a done callback that wakes the waiter;
 * whether cancelling the waiter reaches the awaited task is the only
 * difference between await (it does) and shield (it does not).
 */
#include <math.h>

#include "internal.h"

/* ---- sleep ------------------------------------------------------------- */

static void wake_sleeper(void *data) { corio__task_wake(data, CORIO_OK); }

int corio_sleep(double seconds) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (isnan(seconds)) return CORIO_EINVAL;
  if (seconds <= 0) return corio__task_yield();
  corio_task_t *self = corio__current;
  /* The timer is the task's, not this frame's: the loop holds it while the
   * task is parked (backend.h, CORIO__FIBER_PARKS). */
  rc = corio__loop_call_at(self->loop, &self->timer, corio_time() + seconds,
                           wake_sleeper, self);
  if (rc != CORIO_OK) return corio__set_error(rc, NULL);
  rc = corio__task_wait(CORIO__WAIT_SLEEP, NULL, NULL, NULL, NULL);
  corio_handle_cancel(&self->timer); /* still scheduled if cancelled */
  return rc;
}

/* ---- waiting for a task ------------------------------------------------ */

/* asyncio passes a cancellation of the awaiting task to the awaited one. */
static bool forward_cancel(void *awaited, const char *msg) {
  return corio_task_cancel(awaited, msg);
}

/* Waits until t is done. Returns CORIO_OK, CORIO_ECANCELLED (the waiter was
 * cancelled and, if !forward, t runs on), or an error. */
static int wait_done(corio_task_t *t, bool forward) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (t == NULL) return CORIO_EINVAL;
  corio_task_t *self = corio__current;
  if (t == self)
    return corio_fail(CORIO_ERUNTIME, "a task cannot await itself");
  if (corio_task_done(t)) return CORIO_OK;
  rc = corio_task_add_done_callback(t, corio__wake_on_done, self);
  if (rc != CORIO_OK) return corio__set_error(rc, NULL);
  rc = corio__task_wait(CORIO__WAIT_TASK, t, NULL,
                        forward ? forward_cancel : NULL, t);
  if (rc != CORIO_OK)
    corio_task_remove_done_callback(t, corio__wake_on_done, self);
  return rc;
}

/* The awaited task's outcome, its message becoming the caller's. */
static int take_outcome(corio_task_t *t, intptr_t *result) {
  int rc = corio_task_result(t, result);
  if (rc != CORIO_OK) corio__inherit_error(t);
  return rc;
}

/* Waits for t and takes its outcome. t is retained meanwhile: its creator
 * may release it while the caller waits (asyncio's awaiting frame keeps the
 * task alive too). */
static int await_outcome(corio_task_t *t, bool forward, intptr_t *result) {
  if (t == NULL) return CORIO_EINVAL;
  corio_task_retain(t);
  int rc = wait_done(t, forward);
  if (rc == CORIO_OK) rc = take_outcome(t, result);
  corio_task_release(t);
  return rc;
}

int corio_await(corio_task_t *t, intptr_t *result) {
  return await_outcome(t, true, result);
}

int corio_shield(corio_task_t *t, intptr_t *result) {
  return await_outcome(t, false, result);
}

/* asyncio.wait_for with a timeout <= 0 (already expired): a task not done
 * is cancelled and waited for at once (one that has not started never
 * runs). */
static int wait_for_now(corio_task_t *t, intptr_t *result) {
  if (corio_task_done(t)) return await_outcome(t, false, result);
  corio_task_cancel(t, NULL);
  int rc = await_outcome(t, false, result);
  if (rc == CORIO_ECANCELLED && corio_task_cancelled(t))
    return corio__set_error(CORIO_ETIMEDOUT, NULL);
  return rc;
}

int corio_wait_for(corio_task_t *t, double timeout, intptr_t *result) {
  if (isnan(timeout)) return CORIO_EINVAL;
  if (timeout == CORIO_FOREVER) return corio_await(t, result);
  if (timeout <= 0) {
    int rc = corio__check_in_task();
    if (rc != CORIO_OK) return rc;
    if (t == NULL) return CORIO_EINVAL;
    return wait_for_now(t, result);
  }
  corio_timeout_t scope = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&scope, timeout);
  if (rc != CORIO_OK) {
    /* No timer (out of memory): t must not run on unbounded, after its
     * waiter returned; it is cancelled and waited for, as on a timeout,
     * and the error is the call's. */
    if (rc == CORIO_ENOMEM && t && !corio_task_done(t)) {
      corio_task_cancel(t, NULL);
      await_outcome(t, false, NULL);
    }
    return corio__set_error(rc, NULL);
  }
  rc = corio_await(t, result);
  return corio_timeout_exit(&scope, rc);
}
