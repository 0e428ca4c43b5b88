/*
 * coro.c — coroutine objects: a coroutine function and its argument, not
 * started until awaited (run in the awaiting task) or wrapped in a task,
 * and only once, as a Python coroutine object. The combinators' _coro forms
 * wrap one in a task first, as asyncio's ensure_future does.
 */
#include <stdlib.h>

#include "internal.h"

struct corio_coro {
  corio_fn fn;
  void *arg;
  bool used;        /* awaited or wrapped in a task */
  const char *name; /* borrowed (outlives the object); NULL: unknown */
  const char *file; /* where it was made, borrowed; NULL: unknown */
  int line;
};

int corio_coro_new_at(corio_coro_t **out, corio_fn fn, void *arg,
                      const char *name, const char *file, int line) {
  if (out) *out = NULL;
  if (out == NULL || fn == NULL) return CORIO_EINVAL;
  /* Another task may run it. */
  int rc = corio__lend_stack(arg, "corio_coro_new");
  if (rc != CORIO_OK) return rc;
  corio_coro_t *c = calloc(1, sizeof *c);
  if (c == NULL) return CORIO_ENOMEM;
  c->fn = fn;
  c->arg = arg;
  c->name = name;
  c->file = file;
  c->line = line;
  *out = c;
  return CORIO_OK;
}

int corio_coro_new(corio_coro_t **out, corio_fn fn, void *arg) {
  return corio_coro_new_at(out, fn, arg, NULL, NULL, 0);
}

bool corio_coro_used(const corio_coro_t *c) { return c && c->used; }

/* asyncio warns when a coroutine object is collected unawaited; corio, when
 * it is freed unused, in debug mode (the report is a diagnostic, not an
 * error: the object was the caller's to drop). */
void corio_coro_free(corio_coro_t *c) {
  if (c == NULL) return;
  if (!c->used && corio__debug_on)
    corio__report_never_awaited(c->name ? c->name : "<unnamed>", c->file,
                                c->line);
  free(c);
}

/* Takes the coroutine's one use. */
static int take(corio_coro_t *c) {
  if (c == NULL) return CORIO_EINVAL;
  if (c->used)
    return corio_fail(CORIO_ERUNTIME, "cannot reuse already awaited coroutine");
  c->used = true;
  return CORIO_OK;
}

int corio_coro_await(corio_coro_t *c, intptr_t *result) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  rc = take(c);
  if (rc != CORIO_OK) return rc;
  intptr_t value = 0;
  rc = c->fn(c->arg, &value); /* awaiting a coroutine is calling it */
  if (rc == CORIO_END) rc = CORIO_OK;
  if (rc == CORIO_OK && result) *result = value;
  return rc;
}

int corio_task_create_coro(corio_task_t **out, corio_coro_t *c,
                           const corio_task_opts_t *opts) {
  if (out) *out = NULL;
  if (corio__loop == NULL) return CORIO_ENOLOOP;
  if (out == NULL) return CORIO_EINVAL;
  int rc = take(c);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(out, c->fn, c->arg, opts);
  if (rc != CORIO_OK) c->used = false; /* not started: still usable */
  return rc;
}

int corio_wait_for_coro(corio_coro_t *c, double timeout, intptr_t *result) {
  corio_task_t *t;
  int rc = corio_task_create_coro(&t, c, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait_for(t, timeout, result);
  corio_task_release(t);
  return rc;
}

int corio_shield_coro(corio_coro_t *c, intptr_t *result) {
  corio_task_t *t;
  int rc = corio_task_create_coro(&t, c, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_shield(t, result); /* t runs on if the caller is cancelled */
  corio_task_release(t);
  return rc;
}

int corio_gather_coro(corio_coro_t *const *coros, size_t n, intptr_t *results,
                      int *codes) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (n > 0 && coros == NULL) return CORIO_EINVAL;
  corio_task_t **tasks = calloc(n ? n : 1, sizeof *tasks);
  if (tasks == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  size_t made = 0;
  for (; made < n; made++) {
    rc = corio_task_create_coro(&tasks[made], coros[made], NULL);
    if (rc != CORIO_OK) break;
  }
  if (rc == CORIO_OK)
    rc = corio_gather(tasks, n, results, codes);
  else
    for (size_t i = 0; i < made; i++) corio_task_cancel(tasks[i], NULL);
  for (size_t i = 0; i < made; i++) corio_task_release(tasks[i]);
  free(tasks);
  return rc;
}
