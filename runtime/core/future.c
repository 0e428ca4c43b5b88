/*
 * future.c — asyncio.Future: a result slot with no body. A future is the
 * task record without a coroutine (one type underneath, as asyncio's Task
 * is a Future), so every call on tasks that does not run a body (done,
 * result, callbacks, cancel, await, gather, wait, wait_for, shield) takes
 * one. This file owns what only a future does: being made, and being given
 * its outcome from outside.
 */
#include <stdlib.h>

#include "internal.h"

int corio_future_new(corio_future_t **out) {
  if (out) *out = NULL;
  corio_loop_t *loop = corio__loop;
  if (loop == NULL) return CORIO_ENOLOOP;
  if (out == NULL) return CORIO_EINVAL;
  corio_task_t *f = corio__task_record_new(loop);
  if (f == NULL) return CORIO_ENOMEM;
  f->refs = 1; /* the caller's: no loop reference, nothing runs */
  f->state = CORIO__TASK_PENDING;
  *out = f;
  return CORIO_OK;
}

/* Whether f may be given an outcome: a pending future. */
static int settable(const corio_future_t *f) {
  if (f == NULL) return CORIO_EINVAL;
  if (f->fn != NULL)
    return corio_fail(CORIO_ERUNTIME,
                      "a task's outcome is its body's, not set from outside");
  if (f->state != CORIO__TASK_PENDING)
    return corio_fail(CORIO_EINVALSTATE, "the future is already done");
  return CORIO_OK;
}

int corio_future_set_result(corio_future_t *f, intptr_t value) {
  int rc = settable(f);
  if (rc != CORIO_OK) return rc;
  f->result = value;
  corio__complete(f, CORIO_OK);
  return CORIO_OK;
}

int corio_future_set_error(corio_future_t *f, int code, const char *message) {
  if (code == CORIO_OK || code == CORIO_END || code == CORIO_ECANCELLED)
    return corio_fail(CORIO_EINVAL, "an error code is needed (cancel with "
                                    "corio_future_cancel)");
  int rc = settable(f);
  if (rc != CORIO_OK) return rc;
  f->error = corio__strdup(message ? message : corio_strerror(code));
  corio__complete(f, code);
  return CORIO_OK;
}
