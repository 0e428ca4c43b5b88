/*
 * gather_list.c — the guide's section 10.3 (gather() for many coroutines
 * in a list) in C: corio_gather_each() is `await gather(*[task_coro(i) for
 * i in range(10)])`: one task per argument, all running at once, results
 * in argument order whatever order they finish in. Then gather over tasks
 * made by hand, one of which fails: with codes (return_exceptions=True)
 * every outcome comes back. Builds natively and for wasm; its output is
 * checked against gather_list.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

#define N 10

/* The guide's task: report, sleep a moment, (here) return value * 10. */
static int task_coro(void *arg, intptr_t *result) {
  intptr_t value = (intptr_t)arg;
  printf(">task %ld executing\n", (long)value);
  int rc = corio_sleep(0.1 + (N - value) * 0.01); /* the last ends first */
  if (rc != CORIO_OK) return rc;
  *result = value * 10;
  return CORIO_OK;
}

/* Fails for an odd argument. */
static int even_only(void *arg, intptr_t *result) {
  intptr_t value = (intptr_t)arg;
  int rc = corio_sleep(0.05);
  if (rc != CORIO_OK) return rc;
  if (value % 2) return corio_fail(CORIO_EUSER, "%ld is odd", (long)value);
  *result = value;
  return CORIO_OK;
}

/* gather(*tasks, return_exceptions=True) */
static int gather_with_codes(void) {
  corio_task_t *tasks[3];
  intptr_t results[3] = {0};
  int codes[3];
  int made = 0, rc = CORIO_OK;
  for (; made < 3 && rc == CORIO_OK; made++)
    rc = corio_task_create(&tasks[made], even_only,
                           (void *)(intptr_t)(made + 2), NULL);
  if (rc != CORIO_OK) made--; /* the last create failed */
  if (rc == CORIO_OK) rc = corio_gather(tasks, 3, results, codes);
  for (int i = 0; i < 3 && rc == CORIO_OK; i++) {
    if (codes[i] == CORIO_OK)
      printf("task %d: result %ld\n", i, (long)results[i]);
    else
      printf("task %d: %s: %s\n", i, corio_err_name(codes[i]),
             corio_task_error(tasks[i]));
  }
  for (int i = 0; i < made; i++) corio_task_release(tasks[i]);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  printf("main starting\n");
  void *args[N];
  for (int i = 0; i < N; i++) args[i] = (void *)(intptr_t)i;
  intptr_t results[N];
  int rc = corio_gather_each(task_coro, args, N, results, NULL);
  if (rc != CORIO_OK) return rc;
  printf("results:");
  for (int i = 0; i < N; i++) printf(" %ld", (long)results[i]);
  printf("\nmain done\n");
  return gather_with_codes();
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
