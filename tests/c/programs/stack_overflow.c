/*
 * stack_overflow.c — a task that overflows its C stack, for
 * tests/node/stack_overflow.test.mjs: the run must end abnormally with
 * "corio: task NAME overflowed its N-byte stack" (natively the guard below
 * the task's stack, in wasm -sSTACK_OVERFLOW_CHECK=2), never exit 0 and
 * never hang. Without an argument the task "deep" recurses without end;
 * with "frame" the task "big_frame" has one frame far larger than its
 * stack and the guard (which it must not jump over).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* One frame of 1 MiB: its far end lies beyond any guard region. */
#define BIG_FRAME (1 << 20)

/* Read at run time: the compiler must keep the whole frame. */
static volatile size_t far_end = BIG_FRAME - 1;

__attribute__((noinline)) static long big_frame(void) {
  volatile char frame[BIG_FRAME];
  size_t end = far_end;
  frame[end] = 3; /* the frame's top, next to the caller's */
  frame[end / 2] = 2;
  frame[0] = 1; /* 1 MiB down: past the stack and any guard */
  return frame[0] + frame[end / 2] + frame[end];
}

static int large(void *arg, intptr_t *result) {
  (void)arg;
  *result = (intptr_t)big_frame();
  return CORIO_OK;
}

static int deep(void *arg, intptr_t *result) {
  (void)arg;
  *result = (intptr_t)recurse(0);
  return CORIO_OK;
}

static int main_coroutine(void *arg, intptr_t *result) {
  bool frame = arg != NULL;
  (void)result;
  corio_task_t *t;
  corio_task_opts_t opts = {.name = frame ? "big_frame" : "deep"};
  int rc = corio_task_create(&t, frame ? large : deep, NULL, &opts);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  corio_task_release(t);
  return rc;
}

int main(int argc, char **argv) {
  bool frame = argc > 1 && strcmp(argv[1], "frame") == 0;
  printf("stack_overflow: running a task %s\n",
         frame ? "with one frame larger than its stack"
               : "that recurses without end");
  fflush(stdout);
  int rc = corio_run(main_coroutine, frame ? (void *)1 : NULL, NULL);
  /* Reaching this line is the failure this program exists to detect. */
  printf("stack_overflow: the run returned %s: no overflow was detected\n",
         corio_err_name(rc));
  fflush(stdout);
  exit(3);
}
