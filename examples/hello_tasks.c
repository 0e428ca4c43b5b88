/*
 * hello_tasks.c — the README's example: three tasks run concurrently and
 * are gathered in argument order, then wait_for gives up on a slow task
 * (which is cancelled, as asyncio.wait_for does). Builds natively and for
 * wasm; its output is checked against hello_tasks.expected.
 */
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* Sleeps n tenths of a second, then returns n squared. */
static int work(void *arg, intptr_t *result) {
  intptr_t n = (intptr_t)arg;
  int rc = corio_sleep(n / 10.0);
  if (rc != CORIO_OK) return rc; /* cancelled: pass it on */
  printf("work(%ld) done\n", (long)n);
  *result = n * n;
  return CORIO_OK;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *tasks[3];
  intptr_t values[3];
  for (int i = 0; i < 3; i++) {
    int rc =
        corio_task_create(&tasks[i], work, (void *)(intptr_t)(3 - i), NULL);
    if (rc != CORIO_OK) return rc;
  }
  int rc = corio_gather(tasks, 3, values, NULL); /* argument order */
  for (int i = 0; i < 3; i++) corio_task_release(tasks[i]);
  if (rc != CORIO_OK) return rc;
  printf("gathered %ld %ld %ld\n", (long)values[0], (long)values[1],
         (long)values[2]);

  corio_task_t *slow;
  rc = corio_task_create(&slow, work, (void *)(intptr_t)50, NULL); /* 5 s */
  if (rc != CORIO_OK) return rc;
  rc = corio_wait_for(slow, 0.5, NULL);
  printf("wait_for: %s; slow task cancelled: %s\n", corio_strerror(rc),
         corio_task_cancelled(slow) ? "yes" : "no");
  corio_task_release(slow);

  *result = values[0] + values[1] + values[2];
  return CORIO_OK;
}

int main(void) {
  intptr_t total = 0;
  int rc = corio_run(main_coroutine, NULL, &total);
  printf("corio_run: %s, total %ld\n", corio_err_name(rc), (long)total);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
