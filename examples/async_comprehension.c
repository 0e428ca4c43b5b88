/*
 * async_comprehension.c — the guide's asynchronous comprehensions (section
 * 18) in C: corio_aiter_collect() is `[a async for a in gen]`,
 * corio_await_each() is `[await f(x) for x in args]` (one after the other,
 * in this task) and corio_gather_each() its concurrent counterpart
 * (`await gather(*[f(x) for x in args])`, each call in a task of its own).
 * Builds natively and for wasm; its output is checked against
 * async_comprehension.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* An async generator: for i in range(n): await sleep(); yield i */
static int async_generator(corio_gen_t *gen, void *arg) {
  intptr_t n = (intptr_t)arg;
  for (intptr_t i = 0; i < n; i++) {
    int rc = corio_sleep(0.05);
    if (rc == CORIO_OK) rc = corio_gen_yield(gen, (void *)i);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

/* A coroutine to await: reports, waits (the larger x, the shorter), then
 * returns x squared. */
static int square(void *arg, intptr_t *result) {
  intptr_t x = (intptr_t)arg;
  printf("square(%ld) starts\n", (long)x);
  int rc = corio_sleep((4 - x) * 0.05);
  if (rc != CORIO_OK) return rc;
  printf("square(%ld) ends\n", (long)x);
  *result = x * x;
  return CORIO_OK;
}

static void print_list(const char *label, const intptr_t *values, size_t n) {
  printf("%s: [", label);
  for (size_t i = 0; i < n; i++)
    printf("%s%ld", i ? ", " : "", (long)values[i]);
  printf("]\n");
}

/* result = [a async for a in async_generator(5)] */
static int async_comprehension(void) {
  corio_gen_t *gen;
  int rc = corio_gen_new(&gen, async_generator, (void *)(intptr_t)5, NULL);
  if (rc != CORIO_OK) return rc;
  void **items; /* malloc'd by collect, ours to free */
  size_t n;
  rc = corio_aiter_collect(corio_gen_iter(gen), &items, &n);
  corio_gen_free(gen);
  if (rc == CORIO_OK) {
    printf("async comprehension: [");
    for (size_t i = 0; i < n; i++)
      printf("%s%ld", i ? ", " : "", (long)(intptr_t)items[i]);
    printf("]\n");
  }
  free(items);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = async_comprehension();
  if (rc != CORIO_OK) return rc;

  void *const args[3] = {(void *)(intptr_t)1, (void *)(intptr_t)2,
                         (void *)(intptr_t)3};
  intptr_t results[3];

  /* results = [await square(x) for x in (1, 2, 3)]: each call runs to its
   * end before the next starts. */
  rc = corio_await_each(square, args, 3, results);
  if (rc != CORIO_OK) return rc;
  print_list("await comprehension", results, 3);

  /* results = await gather(*[square(x) for x in (1, 2, 3)]): the calls run
   * concurrently, so they all start, then end as their waits do (shortest
   * first); results still come in argument order. */
  rc = corio_gather_each(square, args, 3, results, NULL);
  if (rc != CORIO_OK) return rc;
  print_list("gather", results, 3);
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
