/*
 * async_context_manager.c — the guide's asynchronous context manager
 * (section 17): a manager whose enter and exit each wait and report, used
 * with corio_with (`async with`). Then the same manager around a body that
 * fails, and inside a timeout scope around a body that takes too long: exit
 * runs either way. Last, a lock as a context manager: a worker failing while
 * it holds the lock still releases it. Builds natively and for wasm; its
 * output is checked against async_context_manager.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* ---- a user-defined async context manager ------------------------------- */

/* __aenter__: report, then wait a moment (the guide waits half a second; a
 * tenth of that keeps the example quick). */
static int custom_enter(void *self) {
  (void)self;
  printf(">entering the context manager\n");
  return corio_sleep(0.05);
}

/* __aexit__: gets the body's status and returns the final one. Returning
 * `status` unchanged is Python's falsy return: the body's error goes on. */
static int custom_exit(void *self, int status) {
  (void)self;
  printf(">exiting the context manager\n");
  int rc = corio_sleep(0.05);
  return status != CORIO_OK ? status : rc;
}

static corio_acm_t custom_context_manager(void) {
  return (corio_acm_t){.enter = custom_enter, .exit = custom_exit};
}

/* ---- the bodies: `async with` takes the block as a function ------------- */

static int report(void *data) {
  (void)data;
  printf("within the manager\n");
  return CORIO_OK;
}

static int fail(void *data) {
  (void)data;
  printf("within the manager, failing\n");
  return corio_fail(CORIO_EUSER, "something went wrong");
}

static int sleep_too_long(void *data) {
  (void)data;
  printf("within the manager, sleeping too long\n");
  return corio_sleep(1.0); /* CORIO_ECANCELLED when the timeout expires */
}

/* async with timeout(...): async with CustomContextManager(): ... */
static int custom_then_sleep_too_long(void *data) {
  return corio_with(custom_context_manager(), sleep_too_long, data);
}

/* ---- a lock as a context manager --------------------------------------- */

typedef struct worker {
  corio_lock_t *lock;
  int n;
} worker_t;

static int worker_body(void *data) {
  const worker_t *w = data;
  printf("worker %d holds the lock\n", w->n);
  int rc = corio_sleep(0.05);
  if (rc != CORIO_OK) return rc;
  if (w->n == 2) return corio_fail(CORIO_EUSER, "worker %d failed", w->n);
  return CORIO_OK;
}

/* async with lock: ... — the lock is released however the body ends. */
static int worker(void *arg, intptr_t *result) {
  (void)result;
  worker_t *w = arg;
  return corio_with(corio_lock_cm(w->lock), worker_body, w);
}

/* Three workers take turns with the lock; the second fails while holding
 * it, and the third still gets it. */
static int take_turns(void) {
  corio_lock_t *lock;
  int rc = corio_lock_new(&lock);
  if (rc != CORIO_OK) return rc;
  worker_t workers[3];
  corio_task_t *tasks[3];
  int codes[3];
  size_t made = 0;
  for (; made < 3; made++) {
    workers[made] = (worker_t){.lock = lock, .n = (int)made + 1};
    rc = corio_task_create(&tasks[made], worker, &workers[made], NULL);
    if (rc != CORIO_OK) break;
  }
  /* return_exceptions=True: waits for all; codes[i] gets each status. */
  if (rc == CORIO_OK) rc = corio_gather(tasks, 3, NULL, codes);
  if (rc == CORIO_OK) {
    for (int i = 0; i < 3; i++) {
      if (codes[i] == CORIO_OK)
        printf("worker %d: ok\n", workers[i].n);
      else
        printf("worker %d: failed: %s\n", workers[i].n,
               corio_task_error(tasks[i]));
    }
    printf("lock locked at the end: %s\n",
           corio_lock_locked(lock) ? "yes" : "no");
  }
  for (size_t i = 0; i < made; i++) corio_task_release(tasks[i]);
  corio_lock_free(lock);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;

  /* The guide's example. */
  int rc = corio_with(custom_context_manager(), report, NULL);
  if (rc != CORIO_OK) return rc;

  /* The body fails: exit runs, then corio_with returns the body's error,
   * message included. */
  rc = corio_with(custom_context_manager(), fail, NULL);
  if (rc != CORIO_EUSER) return rc; /* `except` catches only this error */
  printf("async with failed: %s\n", corio_errmsg());

  /* The timeout expires in the body: the body is cancelled, the inner exit
   * runs, then the timeout scope's exit turns the cancellation into
   * CORIO_ETIMEDOUT. The scope's state lives in this frame. */
  corio_timeout_cm_state_t timeout;
  rc = corio_with(corio_timeout_cm(&timeout, 0.2), custom_then_sleep_too_long,
                  NULL);
  if (rc != CORIO_ETIMEDOUT) return rc;
  printf("async with failed: %s\n", corio_errmsg());

  return take_turns();
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
