/*
 * create_tasks.c — the guide's section 7 (create and run tasks) in C:
 * corio_task_create() is asyncio.create_task(); the task is scheduled but
 * does not run until its creator suspends (7.3), here at corio_await()
 * (`await task`) or at sleep(0); tasks then start in creation order.
 * Builds natively and for wasm; its output is checked against
 * create_tasks.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* The guide's task coroutine: report, then block for a moment. */
static int task_coroutine(void *arg, intptr_t *result) {
  intptr_t n = (intptr_t)arg;
  printf("executing the task %ld\n", (long)n);
  int rc = corio_sleep(0.1); /* the guide sleeps a second */
  if (rc != CORIO_OK) return rc;
  printf("task %ld done\n", (long)n);
  *result = n * 10;
  return CORIO_OK;
}

/* 7.2: create, then await the task. */
static int create_and_await(void) {
  printf("main coroutine\n");
  corio_task_t *task;
  int rc = corio_task_create(&task, task_coroutine, (void *)(intptr_t)1, NULL);
  if (rc != CORIO_OK) return rc;
  printf("main: task created, done: %s\n",
         corio_task_done(task) ? "yes" : "no");
  intptr_t value = 0;
  rc = corio_await(task, &value); /* the task starts here */
  if (rc == CORIO_OK) printf("main: the task returned %ld\n", (long)value);
  corio_task_release(task);
  return rc;
}

/* 7.3: a task runs only once its creator suspends; several start in the
 * order they were created. */
static int when_tasks_run(void) {
  corio_task_t *tasks[3];
  int made = 0, rc = CORIO_OK;
  for (; made < 3 && rc == CORIO_OK; made++)
    rc = corio_task_create(&tasks[made], task_coroutine,
                           (void *)(intptr_t)(made + 2), NULL);
  if (rc != CORIO_OK) made--; /* the last create failed */
  if (rc == CORIO_OK) {
    printf("main: created 3 tasks; none has started\n");
    rc = corio_sleep(0); /* suspend: each task runs to its first wait */
  }
  if (rc == CORIO_OK) {
    printf("main: back after sleep(0)\n");
    rc = corio_gather(tasks, 3, NULL, NULL);
  }
  if (rc == CORIO_OK) printf("main: all 3 tasks done\n");
  for (int i = 0; i < made; i++) corio_task_release(tasks[i]);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = create_and_await();
  return rc == CORIO_OK ? when_tasks_run() : rc;
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
