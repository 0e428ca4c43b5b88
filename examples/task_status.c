/*
 * task_status.c — the guide's section 8 (work with and query tasks) in C:
 * a task's life cycle and status (done, cancelled), its result, its error
 * (asyncio's exception()), cancelling it, done callbacks and its name.
 * Builds natively and for wasm; its output is checked against
 * task_status.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

static void show(const char *when, const corio_task_t *t) {
  printf("%s: %s done=%s cancelled=%s\n", when, corio_task_name(t),
         yes_no(corio_task_done(t)), yes_no(corio_task_cancelled(t)));
}

/* Reports its own status while it runs, waits, returns arg * 2. */
static int simple(void *arg, intptr_t *result) {
  show("running", corio_current_task());
  int rc = corio_sleep(0.05);
  if (rc != CORIO_OK) return rc;
  *result = (intptr_t)arg * 2;
  return CORIO_OK;
}

/* Fails with an application error (Python: raises an exception). */
static int failing(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_sleep(0.05);
  if (rc != CORIO_OK) return rc;
  return corio_fail(CORIO_EUSER, "something bad happened");
}

/* Sleeps long, unless cancelled. */
static int sleeper(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  printf("sleeper: started\n");
  int rc = corio_sleep(10);
  printf("sleeper: woke with %s\n", corio_err_name(rc));
  return rc; /* CORIO_ECANCELLED: the task ends cancelled */
}

static void on_done(corio_task_t *t, void *data) {
  printf("callback %s: %s is done\n", (const char *)data, corio_task_name(t));
}

/* 8.1-8.3: life cycle, status and result. */
static int status_and_result(void) {
  corio_task_t *t;
  int rc = corio_task_create(&t, simple, (void *)(intptr_t)21, NULL);
  if (rc != CORIO_OK) return rc;
  show("created", t);
  intptr_t value = 0;
  rc = corio_task_result(t, &value); /* not done: an invalid state */
  printf("result while pending: %s\n", corio_err_name(rc));
  rc = corio_await(t, &value);
  if (rc == CORIO_OK) {
    show("awaited", t);
    rc = corio_task_result(t, &value); /* done: never waits */
    printf("result: %s, %ld\n", corio_err_name(rc), (long)value);
    printf("error: %s\n", corio_task_error(t) ? corio_task_error(t) : "none");
  }
  corio_task_release(t);
  return rc;
}

/* 8.4: a failed task's error, as await returns it and as the task keeps it. */
static int error_of_a_task(void) {
  corio_task_t *t;
  int rc = corio_task_create(&t, failing, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  printf("await a failed task: %s: %s\n", corio_err_name(rc), corio_errmsg());
  show("failed", t);
  printf("result: %s; error: %s\n", corio_err_name(corio_task_result(t, NULL)),
         corio_task_error(t));
  corio_task_release(t);
  return CORIO_OK;
}

/* 8.5: cancel a running task (true), a done one (false), and one that has
 * not started (it never runs). */
static int cancelling(void) {
  corio_task_t *t, *unstarted;
  int rc = corio_task_create(&t, sleeper, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(0); /* let it start */
  if (rc == CORIO_OK) {
    printf("cancel: %s\n", corio_task_cancel(t, "stop now") ? "true" : "false");
    rc = corio_await(t, NULL); /* CORIO_ECANCELLED: the task's outcome */
    printf("await a cancelled task: %s\n", corio_err_name(rc));
    show("cancelled", t);
    printf("error: %s\n", corio_task_error(t)); /* the cancel message */
    printf("cancel again: %s\n", corio_task_cancel(t, NULL) ? "true" : "false");
    rc = CORIO_OK;
  }
  corio_task_release(t);
  if (rc != CORIO_OK) return rc;

  rc = corio_task_create(&unstarted, sleeper, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_cancel(unstarted, NULL);
  rc = corio_await(unstarted, NULL);
  show("cancelled before it started", unstarted);
  corio_task_release(unstarted);
  return rc == CORIO_ECANCELLED ? CORIO_OK : rc;
}

/* 8.6 and 8.7: done callbacks and names. */
static int callbacks_and_names(void) {
  corio_task_t *t;
  corio_task_opts_t opts = {.name = "MyTask"};
  int rc = corio_task_create(&t, simple, (void *)(intptr_t)1, &opts);
  if (rc != CORIO_OK) return rc;
  printf("name: %s\n", corio_task_name(t));
  rc = corio_task_set_name(t, "Worker");
  if (rc == CORIO_OK) rc = corio_task_add_done_callback(t, on_done, "one");
  if (rc == CORIO_OK) rc = corio_task_add_done_callback(t, on_done, "two");
  if (rc == CORIO_OK) rc = corio_task_add_done_callback(t, on_done, "three");
  if (rc == CORIO_OK) {
    printf("removed %zu callback(s)\n",
           corio_task_remove_done_callback(t, on_done, "two"));
    rc = corio_await(t, NULL); /* the callbacks run before we resume */
  }
  if (rc == CORIO_OK) printf("main: awaited %s\n", corio_task_name(t));
  corio_task_release(t);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = status_and_result();
  if (rc == CORIO_OK) rc = error_of_a_task();
  if (rc == CORIO_OK) rc = cancelling();
  if (rc == CORIO_OK) rc = callbacks_and_names();
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
