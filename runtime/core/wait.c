/*
 * wait.c — asyncio.wait (done and pending sets, three modes, a timeout that
 * cancels nothing) and asyncio.as_completed (tasks in completion order).
 * Both are done callbacks on the tasks that wake the waiting task. What
 * the callbacks and timers reach is on the heap, never in the waiting
 * task's frames (backend.h, CORIO__FIBER_PARKS).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- wait -------------------------------------------------------------- */

typedef struct waiter {
  corio_task_t *task;
  corio_wait_mode_t mode;
  size_t remaining;
  corio_handle_t timer;
} waiter_t;

static bool raised(const corio_task_t *t) {
  return t->code != CORIO_OK && t->code != CORIO_ECANCELLED;
}

static void on_done(corio_task_t *t, void *data) {
  waiter_t *w = data;
  w->remaining--;
  if (w->remaining == 0 || w->mode == CORIO_FIRST_COMPLETED ||
      (w->mode == CORIO_FIRST_EXCEPTION && raised(t)))
    corio__task_wake(w->task, CORIO_OK);
}

static void on_wait_timeout(void *data) {
  corio__task_wake(((waiter_t *)data)->task, CORIO_OK);
}

static bool condition_met(corio_task_t *const *tasks, size_t n,
                          corio_wait_mode_t mode) {
  size_t done = 0;
  for (size_t i = 0; i < n; i++) {
    if (!corio_task_done(tasks[i])) continue;
    done++;
    if (mode == CORIO_FIRST_COMPLETED) return true;
    if (mode == CORIO_FIRST_EXCEPTION && raised(tasks[i])) return true;
  }
  return done == n;
}

int corio_wait(corio_task_t *const *tasks, size_t n, corio_wait_mode_t mode,
               double timeout, corio_task_t **done, size_t *ndone,
               corio_task_t **pending, size_t *npending) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (ndone) *ndone = 0;
  if (npending) *npending = 0;
  if (n == 0 || tasks == NULL || mode < CORIO_ALL_COMPLETED ||
      mode > CORIO_FIRST_EXCEPTION)
    return corio_fail(CORIO_EINVAL, "wait needs at least one task and a mode");
  if (isnan(timeout)) return CORIO_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (tasks[i] == NULL) return CORIO_EINVAL;
  if (!condition_met(tasks, n, mode) && timeout > 0) {
    waiter_t *w = calloc(1, sizeof *w);
    if (w == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
    w->task = corio__current;
    w->mode = mode;
    /* Retained while waited on: their creators may release them. */
    for (size_t i = 0; i < n; i++) corio_task_retain(tasks[i]);
    size_t registered = 0;
    for (; registered < n && rc == CORIO_OK; registered++)
      if (!corio_task_done(tasks[registered])) {
        rc = corio_task_add_done_callback(tasks[registered], on_done, w);
        w->remaining++;
      }
    if (rc == CORIO_OK && timeout != CORIO_FOREVER)
      rc = corio__loop_call_at(w->task->loop, &w->timer, corio_time() + timeout,
                               on_wait_timeout, w);
    if (rc == CORIO_OK)
      rc = corio__task_wait(CORIO__WAIT_TASKS, NULL, NULL, NULL, NULL);
    corio_handle_cancel(&w->timer);
    for (size_t i = 0; i < registered; i++)
      corio_task_remove_done_callback(tasks[i], on_done, w);
    for (size_t i = 0; i < n; i++) corio_task_release(tasks[i]);
    free(w);
    if (rc != CORIO_OK)
      return rc == CORIO_ENOMEM ? corio__set_error(rc, NULL) : rc;
  }
  /* Each distinct task once, in argument order (asyncio's sets). */
  size_t nd = 0, np = 0;
  for (size_t i = 0; i < n; i++) {
    corio_task_t *t = tasks[i];
    if (t->marked) continue;
    t->marked = true;
    if (corio_task_done(t)) {
      if (done) done[nd] = t;
      nd++;
    } else {
      if (pending) pending[np] = t;
      np++;
    }
  }
  for (size_t i = 0; i < n; i++) tasks[i]->marked = false;
  if (ndone) *ndone = nd;
  if (npending) *npending = np;
  return CORIO_OK;
}

/* ---- as_completed ------------------------------------------------------ */

struct corio_as_completed {
  corio_task_t **tasks; /* retained */
  size_t n;
  corio_task_t **finished; /* completion order */
  size_t nfinished, nreturned;
  corio_task_t *waiter; /* the task blocked in next(), if any */
  corio_handle_t timer; /* its deadline's, while it is blocked */
  double deadline;      /* loop time, or CORIO_FOREVER */
  bool timed_out;
};

static void on_completed(corio_task_t *t, void *data) {
  corio_as_completed_t *it = data;
  it->finished[it->nfinished++] = t;
  if (it->waiter) corio__task_wake(it->waiter, CORIO_OK);
}

static void on_iter_timeout(void *data) {
  corio_as_completed_t *it = data;
  it->timed_out = true;
  if (it->waiter) corio__task_wake(it->waiter, CORIO_OK);
}

int corio_as_completed_new(corio_as_completed_t **out,
                           corio_task_t *const *tasks, size_t n,
                           double timeout) {
  if (out) *out = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (out == NULL || (n > 0 && tasks == NULL) || isnan(timeout))
    return CORIO_EINVAL;
  corio_as_completed_t *it = calloc(1, sizeof *it);
  if (it == NULL) return CORIO_ENOMEM;
  it->tasks = calloc(n ? n : 1, sizeof *it->tasks);
  it->finished = calloc(n ? n : 1, sizeof *it->finished);
  if (it->tasks == NULL || it->finished == NULL) {
    corio_as_completed_free(it);
    return CORIO_ENOMEM;
  }
  /* now + FOREVER stays FOREVER; a timeout <= 0 has passed already. */
  it->deadline = corio_time() + timeout;
  for (size_t i = 0; i < n; i++)
    if (tasks[i] == NULL) {
      corio_as_completed_free(it);
      return CORIO_EINVAL;
    }
  /* A task given twice is yielded once (asyncio iterates over a set). */
  size_t distinct = corio__dedupe(tasks, n, it->tasks);
  for (; it->n < distinct; it->n++) {
    corio_task_retain(it->tasks[it->n]);
    /* Done tasks are scheduled at once, so they come first, in order. */
    rc = corio_task_add_done_callback(it->tasks[it->n], on_completed, it);
    if (rc != CORIO_OK) {
      corio_task_release(it->tasks[it->n]);
      corio_as_completed_free(it);
      return rc;
    }
  }
  *out = it;
  return CORIO_OK;
}

int corio_as_completed_next(corio_as_completed_t *it, corio_task_t **task) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (it == NULL || task == NULL) return CORIO_EINVAL;
  *task = NULL;
  if (it->nreturned == it->n) return CORIO_END;
  while (it->nreturned == it->nfinished) {
    if (it->timed_out || corio_time() >= it->deadline) {
      it->timed_out = true;
      return corio__set_error(CORIO_ETIMEDOUT, NULL);
    }
    it->timer.state = CORIO__HANDLE_IDLE;
    if (it->deadline != CORIO_FOREVER) {
      rc = corio__loop_call_at(corio__current->loop, &it->timer, it->deadline,
                               on_iter_timeout, it);
      if (rc != CORIO_OK) return corio__set_error(rc, NULL);
    }
    it->waiter = corio__current;
    rc = corio__task_wait(CORIO__WAIT_TASKS, NULL, NULL, NULL, NULL);
    it->waiter = NULL;
    corio_handle_cancel(&it->timer);
    if (rc != CORIO_OK) return rc;
  }
  *task = it->finished[it->nreturned++];
  return CORIO_OK;
}

void corio_as_completed_free(corio_as_completed_t *it) {
  if (it == NULL) return;
  for (size_t i = 0; i < it->n; i++) {
    corio_task_remove_done_callback(it->tasks[i], on_completed, it);
    corio_task_release(it->tasks[i]);
  }
  free(it->tasks);
  free(it->finished);
  free(it);
}
