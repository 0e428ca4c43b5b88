/*
 * barrier.c — asyncio.Barrier: a count of arrived tasks, the state machine of
 * a round (filling, draining, resetting, broken) and one FIFO of waiters that
 * every state change wakes to check the state again, as asyncio's Condition
 * does. Transitions happen only in wait(), leave(), abort() and reset().
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "list.h"

typedef enum barrier_state {
  FILLING,   /* tasks arrive and wait */
  DRAINING,  /* the last one arrived: the round's tasks return */
  RESETTING, /* reset() with tasks inside: they leave with EBROKEN */
  BROKEN,    /* abort(): every wait fails until reset() */
} barrier_state_t;

struct corio_barrier {
  char *name; /* owned, or NULL (corio_barrier_set_name) */
  size_t parties;
  size_t count; /* tasks inside wait() of this round, arrived or leaving */
  barrier_state_t state;
  corio__waiter_t *head, *tail;
};

int corio_barrier_new(corio_barrier_t **out, size_t parties) {
  if (out == NULL) return CORIO_EINVAL;
  *out = NULL;
  if (parties == 0) return CORIO_EINVAL;
  corio_barrier_t *b = calloc(1, sizeof *b);
  if (b == NULL) return CORIO_ENOMEM;
  b->parties = parties;
  b->state = FILLING;
  *out = b;
  return CORIO_OK;
}

void corio_barrier_free(corio_barrier_t *b) {
  if (b) free(b->name);
  free(b);
}

int corio_barrier_set_name(corio_barrier_t *b, const char *name) {
  return b ? corio__set_name(&b->name, name) : CORIO_EINVAL;
}

size_t corio_barrier_parties(const corio_barrier_t *b) { return b->parties; }

size_t corio_barrier_n_waiting(const corio_barrier_t *b) {
  return b->state == FILLING ? b->count : 0;
}

bool corio_barrier_broken(const corio_barrier_t *b) {
  return b->state == BROKEN;
}

/* Wakes every waiter to look at the state again (asyncio's notify_all). */
static void notify_all(corio_barrier_t *b) {
  while (b->head) {
    corio__waiter_t *w = b->head;
    corio__waiter_unlink(&b->head, &b->tail, w);
    corio__task_wake(w->task, CORIO_OK);
  }
}

/* Waits for the next state change. CORIO_OK or CORIO_ECANCELLED. */
static int wait_for_change(corio_barrier_t *b) {
  corio__waiter_t *w = corio__waiter_begin(corio__current);
  CORIO__LIST_APPEND(b->head, b->tail, w);
  int rc = corio__task_wait(CORIO__WAIT_BARRIER, b, b->name, NULL, NULL);
  if (w->linked) corio__waiter_unlink(&b->head, &b->tail, w);
  return rc;
}

/* A task leaves wait(); the last one out of a drained or reset round opens
 * the barrier for the next. */
static void leave(corio_barrier_t *b) {
  b->count--;
  if (b->count > 0) return;
  if (b->state == DRAINING || b->state == RESETTING) b->state = FILLING;
  notify_all(b);
}

/* Waits in a filling round until it is released, reset or broken. */
static int wait_in_round(corio_barrier_t *b) {
  while (b->state == FILLING) {
    int rc = wait_for_change(b);
    /* Cancelled: as in asyncio, the party just leaves the round (leave()
     * takes it off the count); the others go on waiting. */
    if (rc != CORIO_OK) return rc;
  }
  if (b->state == BROKEN || b->state == RESETTING)
    return corio_fail(CORIO_EBROKEN, "the barrier was aborted or reset");
  return CORIO_OK;
}

int corio_barrier_wait(corio_barrier_t *b, size_t *index) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (b == NULL) return CORIO_EINVAL;
  /* A round still draining or resetting must end before this one joins. */
  while (b->state == DRAINING || b->state == RESETTING) {
    rc = wait_for_change(b);
    if (rc != CORIO_OK) return rc;
  }
  if (b->state == BROKEN)
    return corio_fail(CORIO_EBROKEN, "the barrier is broken");
  size_t i = b->count++;
  if (i + 1 == b->parties) {
    b->state = DRAINING; /* the last to arrive lets them all go */
    notify_all(b);
  } else {
    rc = wait_in_round(b);
  }
  leave(b);
  if (rc == CORIO_OK && index) *index = i;
  return rc;
}

void corio_barrier_abort(corio_barrier_t *b) {
  b->state = BROKEN;
  notify_all(b);
}

void corio_barrier_reset(corio_barrier_t *b) {
  if (b->count > 0)
    b->state = RESETTING; /* the last to leave makes it FILLING */
  else
    b->state = FILLING;
  notify_all(b);
}
