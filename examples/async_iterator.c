/*
 * async_iterator.c — the guide's asynchronous iterator (section 15): a
 * counter whose next() waits before handing out each number, traversed with
 * CORIO_FOR (`async for`), then stepped by hand with corio_aiter_next()
 * (`await anext(it)`) until it reports CORIO_END (StopAsyncIteration).
 * Builds natively and for wasm; its output is checked against
 * async_iterator.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* A user-defined async iterator: a struct that embeds corio_aiter_t first,
 * so next() can cast the corio_aiter_t pointer back to the whole struct. */
typedef struct counter {
  corio_aiter_t iter; /* first member */
  int counter;        /* the last number handed out */
  int limit;          /* the last number to hand out */
} counter_t;

/* __anext__: CORIO_END once past the limit, else the next number after a
 * short wait (the guide sleeps a second; a tenth keeps the example quick).
 * Items are `void *`, so the number travels as an intptr_t. */
static int counter_next(corio_aiter_t *self, void **item) {
  counter_t *c = (counter_t *)self;
  if (c->counter >= c->limit) return CORIO_END;
  c->counter++;
  int rc = corio_sleep(0.1);
  if (rc != CORIO_OK) return rc; /* cancelled: ends the loop */
  *item = (void *)(intptr_t)c->counter;
  return CORIO_OK;
}

static counter_t counter_make(int limit) {
  return (counter_t){.iter = {.next = counter_next}, .limit = limit};
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  void *item;
  int rc;

  /* async for item in AsyncIterator(): print(item) */
  counter_t numbers = counter_make(10);
  CORIO_FOR(item, &numbers.iter, rc) { printf("%ld\n", (long)(intptr_t)item); }
  if (rc != CORIO_END) return rc; /* an error or a cancellation ended it */

  /* result = await anext(it), until StopAsyncIteration. */
  counter_t it = counter_make(3);
  while ((rc = corio_aiter_next(&it.iter, &item)) == CORIO_OK)
    printf("anext: %ld\n", (long)(intptr_t)item);
  if (rc != CORIO_END) return rc;
  printf("anext: %s\n", corio_strerror(rc));
  return CORIO_OK;
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
