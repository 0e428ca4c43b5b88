/*
 * run_coroutine.c — the guide's section 5 (define, create and run
 * coroutines) in C: a coroutine is a function of type corio_fn; nothing
 * runs until corio_run() (asyncio.run) starts a loop and runs the main one
 * as its first task; inside it, `await other()` is a plain call. The
 * guide's version prints nothing, so this one reports each step. Builds
 * natively and for wasm; its output is checked against run_coroutine.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* async def custom_coro(): report, await sleep, return a value. */
static int custom_coro(void *arg, intptr_t *result) {
  const char *caller = arg;
  printf("custom_coro: running, called by %s\n", caller);
  int rc = corio_sleep(0.1); /* the guide sleeps a second */
  if (rc != CORIO_OK) return rc;
  printf("custom_coro: done sleeping\n");
  *result = 100;
  return CORIO_OK;
}

/* async def main(): value = await custom_coro() — awaiting a coroutine is
 * calling it: it runs in this task, and this task waits while it waits. */
static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  printf("main: awaiting custom_coro\n");
  intptr_t value = 0;
  int rc = custom_coro("main", &value);
  if (rc != CORIO_OK) return rc; /* its error, message included */
  printf("main: custom_coro returned %ld\n", (long)value);
  *result = value + 1;
  return CORIO_OK;
}

int main(void) {
  /* "Creating" a coroutine: in C it is a function pointer, and taking it
   * runs nothing (in Python, calling custom_coro() only makes an object). */
  corio_fn coro = custom_coro;
  printf("coroutine defined, nothing has run yet\n");

  /* asyncio.run(custom_coro()): the coroutine as the main task. */
  intptr_t value = 0;
  int rc = corio_run(coro, "corio_run", &value);
  printf("corio_run(custom_coro): %s, result %ld\n", corio_err_name(rc),
         (long)value);
  if (rc != CORIO_OK) exit(1);

  /* asyncio.run(main()): the usual shape, one main coroutine. */
  rc = corio_run(main_coroutine, NULL, &value);
  printf("corio_run(main): %s, result %ld\n", corio_err_name(rc), (long)value);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
