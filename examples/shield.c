/*
 * shield.c — the guide's section 13.3 (shield a task from cancellation) in
 * C: main waits for a task through corio_shield(); another task cancels
 * that wait. In asyncio the shield is an outer future and the canceller
 * cancels it; in corio the shield is the waiting call itself, so the
 * canceller cancels the task waiting in it (main). Either way the wait ends
 * with the cancellation while the shielded task runs on to its result.
 * Builds natively and for wasm; its output is checked against shield.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* The guide's simple task: block for a moment, return the argument. */
static int simple_task(void *arg, intptr_t *result) {
  int rc = corio_sleep(0.5); /* the guide sleeps a second */
  if (rc != CORIO_OK) return rc;
  *result = (intptr_t)arg;
  return CORIO_OK;
}

/* Cancels the given task after a moment. */
static int cancel_task(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_sleep(0.2);
  if (rc != CORIO_OK) return rc;
  bool was_cancelled = corio_task_cancel(arg, NULL);
  printf("cancelled: %s\n", was_cancelled ? "True" : "False");
  return CORIO_OK;
}

static void report(const char *label, const corio_task_t *t) {
  intptr_t value;
  int rc = corio_task_result(t, &value);
  if (!corio_task_done(t))
    printf("%s: %s pending\n", label, corio_task_name(t));
  else if (rc == CORIO_OK)
    printf("%s: %s finished, result=%ld\n", label, corio_task_name(t),
           (long)value);
  else
    printf("%s: %s %s\n", label, corio_task_name(t), corio_err_name(rc));
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *task, *canceller;
  int rc = corio_task_create(&task, simple_task, (void *)(intptr_t)1, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&canceller, cancel_task, corio_current_task(), NULL);
  if (rc != CORIO_OK) {
    corio_task_release(task);
    return rc;
  }

  intptr_t value = 0;
  rc = corio_shield(task, &value);
  if (rc == CORIO_OK) {
    printf(">got: %ld\n", (long)value);
  } else if (rc == CORIO_ECANCELLED) {
    printf("shielded wait was cancelled\n");
    corio_task_uncancel(corio_current_task()); /* handled: go on */
    rc = CORIO_OK;
  }
  report("task right after", task);

  if (rc == CORIO_OK) rc = corio_sleep(0.5); /* the task finishes meanwhile */
  report("task", task);
  printf("canceller: %s done: %s\n", corio_task_name(canceller),
         corio_task_done(canceller) ? "yes" : "no");
  corio_task_release(task);
  corio_task_release(canceller);
  return rc;
}

int main(void) {
  corio_outcome_t out;
  int rc = corio_run_ex(main_coroutine, NULL, NULL, &out);
  if (rc != CORIO_OK)
    printf("failed: %s: %s\n", corio_err_name(rc), out.message);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
