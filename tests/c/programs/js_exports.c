/*
 * js_exports.c — coroutines exported to JS (CORIO_EXPORT) for the Node
 * tests of the JS-driven loop (tests/node/js_run.test.mjs): JS runs them by
 * name and awaits their results as Promises.
 */
#include "corio.h"

/* Sleeps a little, then returns arg * 2. */
static int double_later(void *arg, intptr_t *result) {
  int rc = corio_sleep(0.005);
  if (rc != CORIO_OK) return rc;
  *result = (intptr_t)arg * 2;
  return CORIO_OK;
}
CORIO_EXPORT(double_later)

/* Fails with an application code and a message naming arg. */
static int fail_with_message(void *arg, intptr_t *result) {
  (void)result;
  corio_sleep(0);
  return corio_fail(CORIO_EUSER - 7, "refused input %d", (int)(intptr_t)arg);
}
CORIO_EXPORT(fail_with_message)

static int child(void *arg, intptr_t *result) {
  int rc = corio_sleep(0.001 * (double)(intptr_t)arg);
  *result = (intptr_t)arg;
  return rc;
}

/* Gathers `arg` children that sleep different times; returns their sum. */
static int gather_sum(void *arg, intptr_t *result) {
  int n = (int)(intptr_t)arg;
  corio_task_t *tasks[64];
  intptr_t values[64];
  if (n < 0 || n > 64) return corio_fail(CORIO_EINVAL, "n must be 0..64");
  for (int i = 0; i < n; i++) {
    int rc =
        corio_task_create(&tasks[i], child, (void *)(intptr_t)(n - i), NULL);
    if (rc != CORIO_OK) return rc;
  }
  int rc = corio_gather(tasks, (size_t)n, values, NULL);
  *result = 0;
  for (int i = 0; i < n; i++) {
    *result += values[i];
    corio_task_release(tasks[i]);
  }
  return rc;
}
CORIO_EXPORT(gather_sum)

/* Awaits a JS promise that rejects (globalThis.rejectSoon). */
static int await_rejection(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_js_await("rejectSoon", "from C", NULL);
}
CORIO_EXPORT(await_rejection)

/* Yields `arg` times in a row: the JS loop must still get turns. */
static int yield_many(void *arg, intptr_t *result) {
  intptr_t n = (intptr_t)arg;
  for (intptr_t i = 0; i < n; i++) {
    int rc = corio_sleep(0);
    if (rc != CORIO_OK) return rc;
  }
  *result = n;
  return CORIO_OK;
}
CORIO_EXPORT(yield_many)

/* Waits on an event nobody will ever set: a deadlock, which must end the
 * run with CORIO_EDEADLK rather than leave its Promise pending. */
static int wait_forever(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  rc = corio_event_wait(e);
  corio_event_free(e);
  return rc;
}
CORIO_EXPORT(wait_forever)

/* Waits for a named queue nobody fills, from a named task: the deadlock
 * report (err.report in JS) names both. */
static int get_item(void *arg, intptr_t *result) {
  (void)result;
  void *item;
  return corio_queue_get(arg, &item);
}

static int wait_for_queue(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q;
  int rc = corio_queue_new(&q, CORIO_QUEUE_FIFO, 0, NULL);
  if (rc != CORIO_OK) return rc;
  corio_queue_set_name(q, "inbox");
  corio_task_t *t;
  corio_task_opts_t opts = {.name = "reader"};
  rc = corio_task_create(&t, get_item, q, &opts);
  if (rc == CORIO_OK) {
    rc = corio_await(t, NULL);
    corio_task_release(t);
  }
  corio_queue_free(q, NULL);
  return rc;
}
CORIO_EXPORT(wait_for_queue)

/* Sleeps `arg` ms in a task named "napper" (the task dump sees it). */
static int nap(void *arg, intptr_t *result) {
  (void)result;
  return corio_sleep((double)(intptr_t)arg / 1000.0);
}

static int nap_in_task(void *arg, intptr_t *result) {
  (void)result;
  corio_task_t *t;
  corio_task_opts_t opts = {.name = "napper"};
  int rc = corio_task_create(&t, nap, arg, &opts);
  if (rc == CORIO_OK) {
    rc = corio_await(t, NULL);
    corio_task_release(t);
  }
  return rc;
}
CORIO_EXPORT(nap_in_task)
