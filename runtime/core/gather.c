/*
 * gather.c — asyncio.gather over tasks: a done callback on each child
 * counts completions and wakes the gathering task when all are done, or at
 * the first failure when failures are not collected (return_exceptions
 * False). Cancelling the gathering task cancels the children.
 */
#include "internal.h"

typedef struct gather {
  corio_task_t *waiter;
  corio_task_t *const *tasks;
  size_t n, remaining;
  bool collect;              /* codes wanted: wait for all */
  corio_task_t *first_failed;
  bool cancel_requested;     /* the waiter was cancelled */
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

static void unregister(gather_t *g) {
  for (size_t i = 0; i < g->n; i++)
    corio_task_remove_done_callback(g->tasks[i], on_child_done, g);
}

static void retain_all(corio_task_t *const *tasks, size_t n) {
  for (size_t i = 0; i < n; i++) corio_task_retain(tasks[i]);
}

static void release_all(corio_task_t *const *tasks, size_t n) {
  for (size_t i = 0; i < n; i++) corio_task_release(tasks[i]);
}

static int gather_retained(corio_task_t *const *tasks, size_t n,
                           intptr_t *results, int *codes);

/* The tasks are retained while gathered: their creators may release them
 * meanwhile. */
int corio_gather(corio_task_t *const *tasks, size_t n, intptr_t *results,
                 int *codes) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (n > 0 && tasks == NULL) return CORIO_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (tasks[i] == NULL) return CORIO_EINVAL;
  retain_all(tasks, n);
  rc = gather_retained(tasks, n, results, codes);
  release_all(tasks, n);
  return rc;
}

static int gather_retained(corio_task_t *const *tasks, size_t n,
                           intptr_t *results, int *codes) {
  int rc;
  gather_t g = {corio__current, tasks, n, 0, codes != NULL, NULL, false};
  for (size_t i = 0; i < n; i++) {
    if (tasks[i] == NULL || tasks[i] == g.waiter) return CORIO_EINVAL;
    if (corio_task_done(tasks[i])) {
      if (failed(tasks[i]) && g.first_failed == NULL) g.first_failed = tasks[i];
      continue;
    }
    rc = corio_task_add_done_callback(tasks[i], on_child_done, &g);
    if (rc != CORIO_OK) {
      unregister(&g);
      return corio__set_error(rc, NULL);
    }
    g.remaining++;
  }
  bool stop_now = g.remaining == 0 || (!g.collect && g.first_failed);
  if (!stop_now) {
    rc = corio__task_wait(cancel_children, &g);
    unregister(&g);
    if (rc != CORIO_OK) return rc;
  } else {
    unregister(&g);
  }
  if (g.cancel_requested && (g.collect || g.first_failed == NULL ||
                             g.first_failed->code == CORIO_ECANCELLED))
    return corio__set_error(CORIO_ECANCELLED, NULL);
  for (size_t i = 0; i < n; i++) {
    intptr_t value = 0;
    int code = corio_task_result(tasks[i], &value);
    if (results) results[i] = code == CORIO_OK ? value : 0;
    if (codes) codes[i] = code;
  }
  if (!g.collect && g.first_failed) return corio__inherit_error(g.first_failed);
  return CORIO_OK;
}
