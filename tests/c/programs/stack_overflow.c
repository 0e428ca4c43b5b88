/*
 * stack_overflow.c — a task that overflows its C stack, for
 * tests/node/stack_overflow.test.mjs: the run must end abnormally with a
 * message saying "stack overflow" (natively the guard page below the task's
 * stack, in wasm -sSTACK_OVERFLOW_CHECK=2), never exit 0 and never hang.
 */
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* Read at run time, so the compiler can neither prove the recursion endless
 * nor bound it. */
static volatile long depth_limit = 1L << 30;

/* Each frame holds a kilobyte the compiler must keep; the addition after the
 * call keeps it from becoming a loop. */
static long recurse(long depth) {
  volatile char frame[1024];
  frame[0] = (char)depth;
  frame[sizeof frame - 1] = (char)(depth >> 8);
  if (depth >= depth_limit) return frame[0];
  return recurse(depth + 1) + frame[0] + frame[sizeof frame - 1];
}

static int deep(void *arg, intptr_t *result) {
  (void)arg;
  *result = (intptr_t)recurse(0);
  return CORIO_OK;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_opts_t opts = {.name = "deep"};
  int rc = corio_task_create(&t, deep, NULL, &opts);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  corio_task_release(t);
  return rc;
}

int main(void) {
  printf("stack_overflow: running a task that recurses without end\n");
  fflush(stdout);
  int rc = corio_run(main_coroutine, NULL, NULL);
  /* Reaching this line is the failure this program exists to detect. */
  printf("stack_overflow: the run returned %s: no overflow was detected\n",
         corio_err_name(rc));
  fflush(stdout);
  exit(3);
}
