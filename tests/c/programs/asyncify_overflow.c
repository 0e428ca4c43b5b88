/*
 * asyncify_overflow.c — a task that suspends from a call stack too deep for
 * its Asyncify buffer (wasm only): the program must abort saying "stack
 * overflow" and naming the Asyncify buffer, never corrupt memory silently
 * (tests/node/stack_overflow.test.mjs). Its C stack is made large and its
 * Asyncify buffer small, so the buffer is what runs out.
 */
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* Recursion that keeps values live across each call, so every frame has
 * locals for Asyncify to save when the innermost one suspends. The result
 * mixes the inner result non-linearly, so the compiler cannot turn the
 * recursion into a loop (it does, for a plain sum, under -flto). */
__attribute__((noinline)) static long deep_then_sleep(int n, long a, long b,
                                                      long c) {
  if (n == 0) return corio_sleep(0.001);
  long r = deep_then_sleep(n - 1, a * 3 + 1, b ^ a, c + b);
  return r * (a | 1) + (b ^ c) - c * n;
}

static int deep_task(void *arg, intptr_t *result) {
  (void)arg;
  *result = (intptr_t)deep_then_sleep(3000, 1, 2, 3);
  return CORIO_OK;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  /* A large C stack and a small Asyncify buffer: the buffer runs out first,
   * however the optimiser arranges the frames' locals. */
  corio_task_opts_t opts = {.stack_size = 1 << 20, .asyncify_size = 256};
  corio_task_t *t;
  int rc = corio_task_create(&t, deep_task, NULL, &opts);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, result);
  corio_task_release(t);
  return rc;
}

int main(void) {
  int rc = corio_run(main_coroutine, NULL, NULL);
  printf("corio_run returned %s: the overflow went unnoticed\n",
         corio_err_name(rc));
  exit(0);
}
