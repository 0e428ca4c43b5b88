/*
 * common_questions.c — answers to the guide's section 23 (common
 * questions) in C: waiting for all background tasks (23.5, which also
 * shows that a running task does not keep the run going, 23.6), showing
 * progress with done callbacks (23.7), running a coroutine after a delay
 * (23.8), and three ways to run a follow-up task (23.9). Builds natively
 * and for wasm; its output is checked against common_questions.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* ---- 23.5 waiting for all background tasks ----------------------------- */

/* Every task but the current one: all_tasks(), minus current_task(),
 * then wait(). The tasks are retained: all_tasks() only lends them. */
static int wait_for_background_tasks(void) {
  size_t n = corio_all_tasks(NULL, 0);
  corio_task_t **all = malloc(n * sizeof *all);
  if (all == NULL) return corio_fail(CORIO_ENOMEM, "out of memory");
  n = corio_all_tasks(all, n);
  size_t others = 0;
  for (size_t i = 0; i < n; i++)
    if (all[i] != corio_current_task())
      all[others++] = corio_task_retain(all[i]);
  int rc = CORIO_OK;
  if (others > 0) /* wait() refuses an empty set, as asyncio does */
    rc = corio_wait(all, others, CORIO_ALL_COMPLETED, CORIO_FOREVER, NULL, NULL,
                    NULL, NULL);
  for (size_t i = 0; i < others; i++) corio_task_release(all[i]);
  free(all);
  return rc;
}

static int background_work(void *arg, intptr_t *result) {
  (void)result;
  intptr_t n = (intptr_t)arg;
  int rc = corio_sleep(n * 0.05);
  if (rc == CORIO_OK) printf("background task %ld done\n", (long)n);
  return rc;
}

static int wait_for_all(void) {
  for (intptr_t n = 3; n >= 1; n--) {
    corio_task_t *t;
    int rc = corio_task_create(&t, background_work, (void *)n, NULL);
    if (rc != CORIO_OK) return rc;
    corio_task_release(t); /* fire and forget: the loop keeps it running */
  }
  printf("main: started 3 background tasks, kept no reference\n");
  int rc = wait_for_background_tasks();
  if (rc == CORIO_OK) printf("main: every background task is done\n");
  return rc;
}

/* ---- 23.7 progress ----------------------------------------------------- */

/* Sleeps a moment (task i a little longer than task i - 1). */
static int short_work(void *arg, intptr_t *result) {
  (void)result;
  return corio_sleep(0.01 * (double)(intptr_t)arg);
}

static void progress(corio_task_t *t, void *data) {
  (void)t;
  (void)data;
  printf(".");
}

static int show_progress(void) {
  enum { N = 10 };
  corio_task_t *tasks[N];
  int made = 0, rc = CORIO_OK;
  printf("progress: ");
  for (; made < N; made++) {
    rc = corio_task_create(&tasks[made], short_work, (void *)(intptr_t)made,
                           NULL);
    if (rc != CORIO_OK) break;
    rc = corio_task_add_done_callback(tasks[made], progress, NULL);
    if (rc != CORIO_OK) {
      made++; /* created: to release */
      break;
    }
  }
  if (rc == CORIO_OK) rc = corio_gather(tasks, N, NULL, NULL);
  printf("\n");
  if (rc == CORIO_OK) printf("main: %d tasks done\n", N);
  for (int i = 0; i < made; i++) corio_task_release(tasks[i]);
  return rc;
}

/* ---- 23.8 running a coroutine after a delay ---------------------------- */

typedef struct delayed {
  corio_fn fn; /* the coroutine */
  void *arg;   /* its argument */
  double seconds;
} delayed_t;

/* async def delay(coro, seconds): await sleep(seconds); await coro */
static int delay(void *arg, intptr_t *result) {
  const delayed_t *d = arg;
  int rc = corio_sleep(d->seconds);
  return rc == CORIO_OK ? d->fn(d->arg, result) : rc;
}

static int custom_coro(void *arg, intptr_t *result) {
  (void)result;
  printf("custom_coro: %s\n", (const char *)arg);
  return CORIO_OK;
}

static int run_after_delay(void) {
  printf("main: awaiting delay(custom_coro, 0.1)\n");
  delayed_t first = {custom_coro, "runs after the delay, awaited", 0.1};
  int rc = delay(&first, NULL);
  if (rc != CORIO_OK) return rc;

  delayed_t second = {custom_coro, "runs after the delay, in a task", 0.1};
  corio_task_t *t;
  rc = corio_task_create(&t, delay, &second, NULL);
  if (rc != CORIO_OK) return rc;
  printf("main: delay(custom_coro, 0.1) scheduled as a task; main goes on\n");
  rc = corio_await(t, NULL); /* `second` must outlive the task */
  corio_task_release(t);
  return rc;
}

/* ---- 23.9 follow-up tasks ---------------------------------------------- */

static int followup(void *arg, intptr_t *result) {
  (void)result;
  printf("follow-up task: issued by %s\n", (const char *)arg);
  return corio_sleep(0.05);
}

/* Returns 1: "a follow-up is needed". */
static int work(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_sleep(0.05);
  if (rc != CORIO_OK) return rc;
  printf("work: done\n");
  *result = 1;
  return CORIO_OK;
}

/* 1. The task schedules its own follow-up (and here awaits it). */
static int work_with_own_followup(void *arg, intptr_t *result) {
  int rc = work(arg, result);
  corio_task_t *t;
  if (rc == CORIO_OK)
    rc = corio_task_create(&t, followup, "the task itself", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  corio_task_release(t);
  return rc;
}

/* 3. A done callback issues the follow-up; it cannot wait for it. */
static void issue_followup(corio_task_t *t, void *data) {
  (void)data;
  intptr_t needed = 0;
  corio_task_t *f;
  if (corio_task_result(t, &needed) == CORIO_OK && needed &&
      corio_task_create(&f, followup, "a done callback", NULL) == CORIO_OK)
    corio_task_release(f); /* runs on its own */
}

/* Creates fn(NULL), optionally with a done callback, and awaits it. */
static int create_and_await(corio_fn fn, corio_done_fn on_done,
                            intptr_t *result) {
  corio_task_t *t;
  int rc = corio_task_create(&t, fn, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  if (on_done) rc = corio_task_add_done_callback(t, on_done, NULL);
  if (rc == CORIO_OK) rc = corio_await(t, result);
  corio_task_release(t);
  return rc;
}

static int followups(void) {
  printf("1. from the task itself\n");
  int rc = create_and_await(work_with_own_followup, NULL, NULL);
  if (rc != CORIO_OK) return rc;

  printf("2. from the caller, which checks the result first\n");
  intptr_t needed = 0;
  rc = create_and_await(work, NULL, &needed);
  corio_task_t *t;
  if (rc == CORIO_OK && needed) {
    rc = corio_task_create(&t, followup, "the caller", NULL);
    if (rc != CORIO_OK) return rc;
    rc = corio_await(t, NULL);
    corio_task_release(t);
  }
  if (rc != CORIO_OK) return rc;

  printf("3. from a done callback\n");
  rc = create_and_await(work, issue_followup, NULL);
  if (rc == CORIO_OK) rc = wait_for_background_tasks(); /* as in 23.5 */
  if (rc == CORIO_OK) printf("main: the follow-up is done too\n");
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  printf("-- 23.5 waiting for all background tasks\n");
  int rc = wait_for_all();
  if (rc == CORIO_OK) {
    printf("-- 23.7 showing progress\n");
    rc = show_progress();
  }
  if (rc == CORIO_OK) {
    printf("-- 23.8 running a coroutine after a delay\n");
    rc = run_after_delay();
  }
  if (rc == CORIO_OK) {
    printf("-- 23.9 running a follow-up task\n");
    rc = followups();
  }
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
