/*
 * lock_cycle.h — the deadlock the diagnostics tests provoke: tasks A and B
 * each take one named lock ('first', 'second'), let the other run, then
 * wait for the other's lock (tests/c/test_diagnostics.c and
 * tests/c/programs/diagnostics.c, which run it natively and as wasm).
 * lock_cycle_main is a main coroutine; the run ends with CORIO_EDEADLK.
 */
#ifndef CORIO_TEST_LOCK_CYCLE_H
#define CORIO_TEST_LOCK_CYCLE_H

#include "corio.h"

typedef struct lock_pair {
  corio_lock_t *mine, *theirs;
} lock_pair_t;

/* Takes `mine`, yields, then waits for `theirs`. */
static int take_both(void *arg, intptr_t *result) {
  (void)result;
  lock_pair_t *p = arg;
  int rc = corio_lock_acquire(p->mine);
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(0); /* the other task takes its own lock meanwhile */
  if (rc == CORIO_OK) rc = corio_lock_acquire(p->theirs);
  if (rc == CORIO_OK) corio_lock_release(p->theirs);
  corio_lock_release(p->mine);
  return rc;
}

static int lock_cycle_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *first, *second;
  int rc = corio_lock_new(&first);
  if (rc != CORIO_OK) return rc;
  if ((rc = corio_lock_new(&second)) != CORIO_OK) {
    corio_lock_free(first);
    return rc;
  }
  corio_lock_set_name(first, "first");
  corio_lock_set_name(second, "second");
  lock_pair_t pa = {first, second}, pb = {second, first};
  corio_task_opts_t oa = {.name = "A"}, ob = {.name = "B"};
  corio_task_t *a = NULL, *b = NULL;
  rc = corio_task_create(&a, take_both, &pa, &oa);
  if (rc == CORIO_OK) rc = corio_task_create(&b, take_both, &pb, &ob);
  if (rc == CORIO_OK) rc = corio_await(a, NULL);
  if (b) corio_await(b, NULL);
  corio_task_release(a);
  corio_task_release(b);
  corio_lock_free(first);
  corio_lock_free(second);
  return rc;
}

#endif
