/*
 * event_loop.c — the guide's section 6 (the event loop) in C: corio_run()
 * makes a loop and closes it when main ends; corio_running_loop() is
 * asyncio.get_running_loop() (NULL outside a run); and the loop schedules
 * plain callbacks: call_soon in FIFO order, call_later and call_at by due
 * time, a handle cancelled before it is due never runs. Builds natively
 * and for wasm; its output is checked against event_loop.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

static void report(void *data) { printf("callback: %s\n", (const char *)data); }

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  /* loop = asyncio.get_running_loop(); print(loop) */
  printf("main: running loop: %s\n", corio_running_loop() ? "yes" : "none");

  /* Why get the loop: to schedule callbacks on it. Scheduled out of due
   * order on purpose; handles are caller-allocated (NULL: not cancellable). */
  corio_handle_t later, cancelled;
  double start = corio_time(); /* loop.time() */
  int rc = corio_call_later(&later, 0.10, report, "call_later(0.10)");
  if (rc == CORIO_OK)
    rc = corio_call_at(NULL, start + 0.15, report, "call_at(start + 0.15)");
  if (rc == CORIO_OK)
    rc = corio_call_later(NULL, 0.05, report, "call_later(0.05)");
  if (rc == CORIO_OK) rc = corio_call_soon(NULL, report, "call_soon 1");
  if (rc == CORIO_OK) rc = corio_call_soon(NULL, report, "call_soon 2");
  if (rc == CORIO_OK)
    rc = corio_call_later(&cancelled, 0.12, report, "never printed");
  if (rc != CORIO_OK) return rc;
  printf("main: scheduled; none runs before main waits\n");
  printf("main: cancel a pending handle: %s\n",
         corio_handle_cancel(&cancelled) ? "true" : "false");

  rc = corio_sleep(0.3); /* every callback runs meanwhile */
  if (rc != CORIO_OK) return rc;
  printf("main: cancel a handle that has run: %s\n",
         corio_handle_cancel(&later) ? "true" : "false");
  printf("main: loop time advanced at least 0.3 s: %s\n",
         corio_time() - start >= 0.3 ? "yes" : "no");
  return CORIO_OK;
}

int main(void) {
  printf("before corio_run: running loop: %s\n",
         corio_running_loop() ? "yes" : "none");
  /* Scheduling needs a running loop. */
  int rc = corio_call_soon(NULL, report, "never printed");
  printf("call_soon outside a loop: %s\n", corio_err_name(rc));

  corio_outcome_t out;
  rc = corio_run_ex(main_coroutine, NULL, NULL, &out);
  if (rc != CORIO_OK)
    printf("failed: %s: %s\n", corio_err_name(rc), out.message);
  printf("after corio_run: running loop: %s\n",
         corio_running_loop() ? "yes" : "none");
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
