/*
 * wait_for_timeout.c — the guide's section 12 (wait for a coroutine with a
 * time limit) in C: corio_wait_for() is asyncio.wait_for(). A task that
 * needs longer than the limit is cancelled and awaited, and wait_for
 * returns CORIO_ETIMEDOUT (asyncio's TimeoutError) (12.3); one that
 * finishes in time gives its result (12.2). The guide draws the time with
 * 1 + random(); here it is fixed. Builds natively and for wasm; its output
 * is checked against wait_for_timeout.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* The guide's task: report its time, sleep it, report done. Cancelled, it
 * says so and ends cancelled. */
static int task_coro(void *arg, intptr_t *result) {
  double seconds = *(const double *)arg;
  printf(">task got %.2f\n", seconds);
  int rc = corio_sleep(seconds);
  if (rc != CORIO_OK) {
    printf(">task cancelled (%s)\n", corio_strerror(rc));
    return rc;
  }
  printf(">task done\n");
  *result = (intptr_t)(seconds * 100);
  return CORIO_OK;
}

/* try: await wait_for(task_coro(), timeout) except TimeoutError: ... */
static int wait_with_limit(double seconds, double timeout) {
  corio_task_t *task;
  int rc = corio_task_create(&task, task_coro, &seconds, NULL);
  if (rc != CORIO_OK) return rc;
  intptr_t value = 0;
  rc = corio_wait_for(task, timeout, &value);
  if (rc == CORIO_OK) {
    printf("got %ld within %.2f s\n", (long)value, timeout);
  } else if (rc == CORIO_ETIMEDOUT) {
    printf("Gave up waiting (%s), task cancelled: %s\n", corio_errmsg(),
           corio_task_cancelled(task) ? "yes" : "no");
    rc = CORIO_OK; /* handled, as the guide's `except` */
  }
  corio_task_release(task);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = wait_with_limit(1.42, 0.2);
  if (rc == CORIO_OK) rc = wait_with_limit(0.1, 1.0);
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
