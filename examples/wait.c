/*
 * wait.c — the guide's section 11 (wait for a collection of tasks) in C:
 * corio_wait() is asyncio.wait(): ten tasks sleep "random" times and main
 * waits for all of them (11.3), then for the first to complete, then for
 * whatever finishes within a timeout (11.2). The guide draws the times with
 * random(); here they are a fixed list, so every run prints the same.
 * Builds natively and for wasm; its output is checked against wait.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

#define N 10

/* The "random" values, one per task; each task sleeps that many seconds. */
static const double values[N] = {0.41, 0.12, 0.87, 0.56, 0.05,
                                 0.73, 0.29, 0.95, 0.18, 0.64};

/* The guide's task: sleep its value, then report it. */
static int task_coro(void *arg, intptr_t *result) {
  intptr_t i = (intptr_t)arg;
  int rc = corio_sleep(values[i]);
  if (rc != CORIO_OK) return rc;
  printf(">task %ld done with %.2f\n", (long)i, values[i]);
  *result = i;
  return CORIO_OK;
}

static int create_all(corio_task_t **tasks) {
  for (int i = 0; i < N; i++) {
    int rc = corio_task_create(&tasks[i], task_coro, (void *)(intptr_t)i, NULL);
    if (rc != CORIO_OK) {
      while (i-- > 0) corio_task_release(tasks[i]);
      return rc;
    }
  }
  return CORIO_OK;
}

/* Cancels what is left, waits for it, releases every task. */
static int finish_all(corio_task_t **tasks) {
  for (int i = 0; i < N; i++) corio_task_cancel(tasks[i], NULL);
  int codes[N];
  int rc = corio_gather(tasks, N, NULL, codes);
  for (int i = 0; i < N; i++) corio_task_release(tasks[i]);
  return rc;
}

static void print_tasks(const char *label, corio_task_t **tasks, size_t n) {
  printf("%s (%zu):", label, n);
  for (size_t i = 0; i < n; i++) {
    intptr_t index;
    if (corio_task_result(tasks[i], &index) == CORIO_OK)
      printf(" task %ld", (long)index);
    else
      printf(" %s", corio_task_name(tasks[i]));
  }
  printf("\n");
}

/* Waits in `mode` with `timeout`, and reports done and pending. */
static int wait_and_report(corio_wait_mode_t mode, double timeout) {
  corio_task_t *tasks[N], *done[N], *pending[N];
  size_t ndone, npending;
  int rc = create_all(tasks);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait(tasks, N, mode, timeout, done, &ndone, pending, &npending);
  if (rc == CORIO_OK) {
    print_tasks("done", done, ndone);
    printf("pending: %zu\n", npending);
  }
  int rc2 = finish_all(tasks);
  return rc != CORIO_OK ? rc : rc2;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  /* done, pending = await asyncio.wait(tasks) */
  printf("wait for all:\n");
  int rc = wait_and_report(CORIO_ALL_COMPLETED, CORIO_FOREVER);
  if (rc != CORIO_OK) return rc;
  printf("All done\n");

  /* return_when=FIRST_COMPLETED: the rest go on (then we cancel them) */
  printf("wait for the first:\n");
  rc = wait_and_report(CORIO_FIRST_COMPLETED, CORIO_FOREVER);
  if (rc != CORIO_OK) return rc;

  /* timeout=0.35: no error; what is not done is pending */
  printf("wait at most 0.35 s:\n");
  return wait_and_report(CORIO_ALL_COMPLETED, 0.35);
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
