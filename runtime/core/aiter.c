/*
 * aiter.c — the async iterator protocol's call, and the comprehensions:
 * collecting an iterator into an array, awaiting coroutines one after the
 * other, and running them concurrently (gather).
 */
#include <stdlib.h>

#include "internal.h"

int corio_aiter_next(corio_aiter_t *it, void **item) {
  if (it == NULL || it->next == NULL || item == NULL) return CORIO_EINVAL;
  *item = NULL;
  return it->next(it, item);
}

int corio_aiter_collect(corio_aiter_t *it, void ***items, size_t *n) {
  if (items == NULL || n == NULL) return CORIO_EINVAL;
  *items = NULL;
  *n = 0;
  size_t cap = 0;
  void *item;
  int rc;
  while ((rc = corio_aiter_next(it, &item)) == CORIO_OK) {
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      void **grown = realloc(*items, cap * sizeof *grown);
      if (grown == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
      *items = grown;
    }
    (*items)[(*n)++] = item;
  }
  return rc == CORIO_END ? CORIO_OK : rc;
}

int corio_await_each(corio_fn fn, void *const *args, size_t n,
                     intptr_t *results) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (fn == NULL || (n > 0 && args == NULL)) return CORIO_EINVAL;
  for (size_t i = 0; i < n; i++) {
    intptr_t value = 0;
    rc = fn(args[i], &value); /* awaiting a coroutine is calling it */
    if (rc == CORIO_END) rc = CORIO_OK;
    if (rc != CORIO_OK) return rc;
    if (results) results[i] = value;
  }
  return CORIO_OK;
}

int corio_gather_each(corio_fn fn, void *const *args, size_t n,
                      intptr_t *results, int *codes) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (fn == NULL || (n > 0 && args == NULL)) return CORIO_EINVAL;
  corio_task_t **tasks = calloc(n ? n : 1, sizeof *tasks);
  if (tasks == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  size_t made = 0;
  for (; made < n; made++) {
    rc = corio_task_create(&tasks[made], fn, args[made], NULL);
    if (rc != CORIO_OK) break;
  }
  if (rc == CORIO_OK) {
    rc = corio_gather(tasks, n, results, codes);
  } else {
    corio__set_error(rc, NULL);
    for (size_t i = 0; i < made; i++) corio_task_cancel(tasks[i], NULL);
  }
  for (size_t i = 0; i < made; i++) corio_task_release(tasks[i]);
  free(tasks);
  return rc;
}
