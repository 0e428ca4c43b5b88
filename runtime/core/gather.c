/*
 * gather.c — asyncio.gather over tasks: a done callback on each child
 * counts completions and wakes the gathering task when all are done, or at
 * the first failure when failures are not collected (return_exceptions
 * False). Cancelling the gathering task cancels the children.
 * The record the callbacks and the cancel hook reach is on the heap, with
 * its own copy of the task list: nothing reaches a parked task through its
 * stack (backend.h, CORIO__FIBER_PARKS), and the caller's array may be
 * there.
 */
#include <stdlib.h>

#include "internal.h"

typedef struct gather {
  corio_task_t *waiter;
  size_t n, remaining;
  bool collect; /* codes wanted: wait for all */
  corio_task_t *first_failed;
  bool cancel_requested; /* the waiter was cancelled */
  corio_task_t *tasks[]; /* the caller's, copied */
} gather_t;

static bool failed(const corio_task_t *t) { return t->code != CORIO_OK; }

static void on_child_done(corio_task_t *child, void *data) {
  gather_t *g = data;
  g->remaining--;
  if (failed(child) && g->first_failed == NULL) g->first_failed = child;
  if (g->remaining == 0 || (!g->collect && failed(child)))
    corio__task_wake(g->waiter, CORIO_OK);
}

/* Cancelling the gathering task cancels every child not done yet; it goes
 * on waiting for them, then reports the cancellation (asyncio). */
static bool cancel_children(void *data, const char *msg) {
  gather_t *g = data;
  bool any = false;
  for (size_t i = 0; i < g->n; i++)
    if (corio_task_cancel(g->tasks[i], msg)) any = true;
  if (any) g->cancel_requested = true;
  return any;
}

/* Takes gather's callback and reference back from the first n tasks and,
 * if wanted, their outcomes: one pass, touching each task once more. */
static void finish(gather_t *g, size_t n, intptr_t *results, int *codes) {
  for (size_t i = 0; i < n; i++) {
    corio_task_t *t = g->tasks[i];
    corio_task_remove_done_callback(t, on_child_done, g);
    if (results || codes) {
      intptr_t value = 0;
      int code = corio_task_result(t, &value);
      if (results) results[i] = code == CORIO_OK ? value : 0;
      if (codes) codes[i] = code;
    }
    corio_task_release(t);
  }
}

/* The tasks are retained while gathered: their creators may release them
 * meanwhile. */
int corio_gather(corio_task_t *const *tasks, size_t n, intptr_t *results,
                 int *codes) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (n > 0 && tasks == NULL) return CORIO_EINVAL;
  if (n > (SIZE_MAX - sizeof(gather_t)) / sizeof(corio_task_t *))
    return corio__set_error(CORIO_ENOMEM, NULL);
  gather_t *g = malloc(sizeof *g + n * sizeof g->tasks[0]);
  if (g == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  *g = (gather_t){corio__current, n, 0, codes != NULL, NULL, false};
  for (size_t i = 0; i < n; i++) {
    corio_task_t *t = g->tasks[i] = tasks[i];
    rc = t == NULL || t == g->waiter ? CORIO_EINVAL : CORIO_OK;
    if (rc == CORIO_OK && !corio_task_done(t)) {
      rc = corio_task_add_done_callback(t, on_child_done, g);
      if (rc == CORIO_OK) g->remaining++;
    }
    if (rc != CORIO_OK) {
      finish(g, i, NULL, NULL);
      free(g);
      return rc == CORIO_EINVAL ? rc : corio__set_error(rc, NULL);
    }
    corio_task_retain(t);
    if (corio_task_done(t) && failed(t) && g->first_failed == NULL)
      g->first_failed = t;
  }
  if (g->remaining > 0 && (g->collect || g->first_failed == NULL)) {
    rc = corio__task_wait(CORIO__WAIT_TASKS, NULL, NULL, cancel_children, g);
    if (rc != CORIO_OK) {
      finish(g, n, NULL, NULL);
      free(g);
      return rc;
    }
  }
  if (g->cancel_requested && (g->collect || g->first_failed == NULL ||
                              g->first_failed->code == CORIO_ECANCELLED)) {
    finish(g, n, NULL, NULL);
    corio_task_t *self = g->waiter;
    free(g);
    /* The message the children were cancelled with, as asyncio's. */
    return corio__set_error(CORIO_ECANCELLED, self->cancel_msg);
  }
  corio_task_t *first_failed = g->collect ? NULL : g->first_failed;
  if (first_failed) corio_task_retain(first_failed);
  finish(g, n, results, codes);
  free(g);
  if (first_failed == NULL) return CORIO_OK;
  rc = corio__inherit_error(first_failed);
  corio_task_release(first_failed);
  return rc;
}
