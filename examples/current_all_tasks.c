/*
 * current_all_tasks.c — the guide's section 9 (current and running tasks)
 * in C: corio_current_task() is asyncio.current_task() (main runs as
 * Task-1), corio_all_tasks() is asyncio.all_tasks(): every task not done,
 * the caller included, here in creation order (Python's set has no order).
 * Builds natively and for wasm; its output is checked against
 * current_all_tasks.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

#define NTASKS 10

/* The guide's task: report, then block for a moment. */
static int task_coroutine(void *arg, intptr_t *result) {
  (void)result;
  printf("task %ld is running as %s\n", (long)(intptr_t)arg,
         corio_task_name(corio_current_task()));
  return corio_sleep(0.2); /* the guide sleeps a second */
}

/* Prints every task not done yet. */
static int report_all_tasks(void) {
  corio_task_t *all[NTASKS + 1];
  size_t n = corio_all_tasks(all, NTASKS + 1);
  if (n > NTASKS + 1)
    return corio_fail(CORIO_EINVALSTATE, "%zu tasks, expected at most %d", n,
                      NTASKS + 1);
  printf("all tasks: %zu\n", n);
  for (size_t i = 0; i < n; i++)
    printf("> %s%s\n", corio_task_name(all[i]),
           all[i] == corio_current_task() ? " (current)" : "");
  return CORIO_OK;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  /* 9.1: the current task */
  printf("main coroutine started\n");
  corio_task_t *me = corio_current_task();
  printf("current task: %s, done: %s\n", corio_task_name(me),
         corio_task_done(me) ? "yes" : "no");

  /* 9.2: start many tasks, let them start, then list every task. */
  corio_task_t *started[NTASKS];
  int made = 0, rc = CORIO_OK;
  for (; made < NTASKS && rc == CORIO_OK; made++)
    rc = corio_task_create(&started[made], task_coroutine,
                           (void *)(intptr_t)made, NULL);
  if (rc != CORIO_OK) made--; /* the last create failed */
  if (rc == CORIO_OK) rc = corio_sleep(0.1);
  if (rc == CORIO_OK) rc = report_all_tasks();
  /* wait for every task, then list again: only main is left */
  for (int i = 0; i < made && rc == CORIO_OK; i++)
    rc = corio_await(started[i], NULL);
  if (rc == CORIO_OK) rc = report_all_tasks();
  for (int i = 0; i < made; i++) corio_task_release(started[i]);
  return rc;
}

int main(void) {
  printf("current task outside a run: %s\n",
         corio_current_task() ? "a task" : "none");
  corio_outcome_t out;
  int rc = corio_run_ex(main_coroutine, NULL, NULL, &out);
  if (rc != CORIO_OK)
    printf("failed: %s: %s\n", corio_err_name(rc), out.message);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
