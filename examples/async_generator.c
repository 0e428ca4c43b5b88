/*
 * async_generator.c — the guide's asynchronous generator (section 16): a
 * body that waits, then yields 0..9 to a consumer looping over it with
 * CORIO_FOR; then a second generator left early (`break`) and closed with
 * corio_gen_aclose(), whose cleanup (Python's `finally`) still runs.
 * Builds natively and for wasm; its output is checked against
 * async_generator.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* The generator's body: for i in range(n): await sleep(); yield i.
 * The guide sleeps a second per value; a tenth keeps the example quick.
 * corio_gen_yield() returns CORIO_ECLOSED when the consumer closes the
 * generator (GeneratorExit): the loop stops, the code after it is the
 * body's `finally`, and returning CORIO_ECLOSED is a clean close. */
static int async_generator(corio_gen_t *gen, void *arg) {
  intptr_t n = (intptr_t)arg;
  int rc = CORIO_OK;
  for (intptr_t i = 0; i < n && rc == CORIO_OK; i++) {
    rc = corio_sleep(0.1);
    if (rc == CORIO_OK) rc = corio_gen_yield(gen, (void *)i);
  }
  /* corio_strerror(CORIO_ECLOSED) is "closed" */
  printf("generator cleanup (%s)\n",
         rc == CORIO_OK ? "exhausted" : corio_strerror(rc));
  return rc;
}

/* async for item in async_generator(): print(item) */
static int loop_to_the_end(void) {
  corio_gen_t *gen;
  int rc = corio_gen_new(&gen, async_generator, (void *)(intptr_t)10, NULL);
  if (rc != CORIO_OK) return rc;
  void *item;
  CORIO_FOR(item, corio_gen_iter(gen), rc) {
    printf("%ld\n", (long)(intptr_t)item);
  }
  corio_gen_free(gen);
  return rc == CORIO_END ? CORIO_OK : rc;
}

/* Leaves the loop early. As in Python, `break` only stops asking for
 * values: the body stays suspended at its yield until aclose() makes that
 * yield return CORIO_ECLOSED and waits for the body's cleanup. */
static int close_early(void) {
  corio_gen_t *gen;
  int rc = corio_gen_new(&gen, async_generator, (void *)(intptr_t)10, NULL);
  if (rc != CORIO_OK) return rc;
  void *item;
  CORIO_FOR(item, corio_gen_iter(gen), rc) {
    printf("got %ld\n", (long)(intptr_t)item);
    if ((intptr_t)item == 2) {
      printf("break\n");
      break; /* leaves rc == CORIO_OK */
    }
  }
  if (rc == CORIO_OK) rc = corio_gen_aclose(gen);
  if (rc == CORIO_OK) printf("closed early\n");
  corio_gen_free(gen);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = loop_to_the_end();
  if (rc == CORIO_OK) rc = close_early();
  return rc;
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
