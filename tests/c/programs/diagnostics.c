/*
 * diagnostics.c — provokes each of corio's diagnostic lines, one mode per
 * run, for tests/node/diagnostics.test.mjs (natively and as wasm; the test
 * sets CORIO_DEBUG=1 or not). Built without sanitizers: the abandoned
 * task of "pending" is leaked on purpose. Lines that carry a creation site are
 * marked "site: NAME" in a comment, so the test finds their line numbers here.
 *   unretrieved  a failed task left unread to the run's end, one released
 *                unread, one whose error was read (no line)
 *   pending      a task that ignores cancellation, abandoned at the end
 *   slow         a task step of 0.25 s, a callback of 0.15 s, a 0.05 s step
 *                (no line), then a 0.25 s step under a 0.3 s threshold (none)
 *   thread       corio_call_soon from another thread (natively only)
 *   deadlock     two tasks each waiting for the other's lock
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lock_cycle.h"
#include "corio.h"

#ifndef __EMSCRIPTEN__
#include <pthread.h>
#endif

static int fail(void *arg, intptr_t *result) {
  (void)result;
  return corio_fail(CORIO_EUSER, "%s", (const char *)arg);
}

/* Released after the run, which has reported it by then. */
static corio_task_t *doomed;

static int unretrieved(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *dropped, *read;
  corio_task_opts_t o1 = {.name = "doomed"}, o2 = {.name = "dropped"},
                    o3 = {.name = "read"};
  corio_task_create(&doomed, fail, "it broke", &o1);        /* site: doomed */
  corio_task_create(&dropped, fail, "dropped unread", &o2); /* site: dropped */
  corio_task_create(&read, fail, "read in time", &o3);
  corio_sleep(0.01);
  corio_task_release(dropped); /* the last reference: reported now */
  printf("released dropped\n");
  fflush(stdout);
  printf("read: %s\n", corio_task_error(read));
  corio_task_release(read);
  /* doomed is still referenced when the run ends: reported then. */
  return CORIO_OK;
}

static int stubborn(void *arg, intptr_t *result) {
  (void)result;
  for (;;) /* ignores every cancellation: a mistake */
    corio_event_wait(arg);
}

static int pending(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static corio_event_t *never;
  corio_event_new(&never);
  corio_event_set_name(never, "never");
  corio_task_t *t;
  corio_task_opts_t o = {.name = "stubborn"};
  corio_task_create(&t, stubborn, never, &o); /* site: stubborn */
  corio_sleep(0);
  return CORIO_OK;
}

static void busy(double seconds) {
  double end = corio_time() + seconds;
  while (corio_time() < end) {
  }
}

static int step_of(void *arg, intptr_t *result) {
  (void)result;
  corio_sleep(0.001);
  busy(*(double *)arg);
  return CORIO_OK;
}

static void slow_callback(void *data) {
  (void)data;
  busy(0.15);
}

static int run_step(const char *name, double seconds) {
  corio_task_t *t;
  corio_task_opts_t o = {.name = name};
  int rc = corio_task_create(&t, step_of, &seconds, &o); /* site: step */
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  corio_task_release(t);
  return rc;
}

static int slow(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = run_step("slow", 0.25);
  corio_call_soon(NULL, slow_callback, NULL);
  corio_sleep(0.01);
  if (rc == CORIO_OK) rc = run_step("quick", 0.05);
  corio_set_slow_callback_duration(0.3);
  if (rc == CORIO_OK) rc = run_step("under_threshold", 0.25);
  return rc;
}

#ifndef __EMSCRIPTEN__
static void nothing(void *data) { (void)data; }

static void *other_thread(void *arg) {
  int *rc = arg;
  *rc = corio_call_soon(NULL, nothing, NULL);
  return NULL;
}

static int thread(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  pthread_t th;
  int rc = 0;
  pthread_create(&th, NULL, other_thread, &rc);
  pthread_join(th, NULL);
  printf("corio_call_soon from another thread: %s\n", corio_err_name(rc));
  return CORIO_OK;
}
#endif

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  corio_fn fn = NULL;
  if (strcmp(mode, "unretrieved") == 0) fn = unretrieved;
  if (strcmp(mode, "pending") == 0) fn = pending;
  if (strcmp(mode, "slow") == 0) fn = slow;
#ifndef __EMSCRIPTEN__
  if (strcmp(mode, "thread") == 0) fn = thread;
#endif
  if (strcmp(mode, "deadlock") == 0) fn = lock_cycle_main;
  if (fn == NULL) {
    fprintf(stderr, "diagnostics: unknown mode '%s'\n", mode);
    return 2;
  }
  int rc = corio_run(fn, NULL, NULL);
  corio_task_release(doomed);
  printf("run: %s\n", corio_err_name(rc));
  if (rc == CORIO_EDEADLK) {
    char report[1024];
    corio_deadlock_report(report, sizeof report);
    printf("report:\n%s", report);
  }
  fflush(stdout);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(0);
}
