/*
 * condition.c — asyncio.Condition: a lock (its own or a borrowed one) and the
 * FIFO of tasks waiting for a notify. wait() gives the lock up while it waits
 * and always takes it back, even when cancelled.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "list.h"

/* Waiters are their tasks' wait-list nodes: notify unlinks what it wakes
 * and marks it woken (a cancelled waiter unlinks itself). */
struct corio_condition {
  char *name; /* owned, or NULL (corio_condition_set_name) */
  corio_lock_t *lock;
  bool owns_lock; /* made by corio_condition_new, freed with the condition */
  corio__waiter_t *head, *tail;
};

int corio_condition_new(corio_condition_t **out, corio_lock_t *lock) {
  if (out == NULL) return CORIO_EINVAL;
  *out = NULL;
  corio_condition_t *c = calloc(1, sizeof *c);
  if (c == NULL) return CORIO_ENOMEM;
  c->lock = lock;
  if (lock == NULL) {
    int rc = corio_lock_new(&c->lock);
    if (rc != CORIO_OK) {
      free(c);
      return rc;
    }
    c->owns_lock = true;
  }
  *out = c;
  return CORIO_OK;
}

void corio_condition_free(corio_condition_t *c) {
  if (c == NULL) return;
  if (c->owns_lock) corio_lock_free(c->lock);
  free(c->name);
  free(c);
}

corio_lock_t *corio__condition_lock(const corio_condition_t *c) {
  return c->lock;
}

int corio_condition_set_name(corio_condition_t *c, const char *name) {
  return c ? corio__set_name(&c->name, name) : CORIO_EINVAL;
}

int corio_condition_acquire(corio_condition_t *c) {
  if (c == NULL) return CORIO_EINVAL;
  return corio_lock_acquire(c->lock);
}

int corio_condition_release(corio_condition_t *c) {
  if (c == NULL) return CORIO_EINVAL;
  return corio_lock_release(c->lock);
}

bool corio_condition_locked(const corio_condition_t *c) {
  return corio_lock_locked(c->lock);
}

/* Wakes up to n waiters still waiting, in order; cancelled ones (not
 * waiting any more) are passed over and unlink themselves. */
static void notify_waiters(corio_condition_t *c, size_t n) {
  corio__waiter_t *w = c->head;
  for (size_t woken = 0; w && woken < n;) {
    corio__waiter_t *next = w->next;
    if (corio__task_wake(w->task, CORIO_OK)) {
      corio__waiter_unlink(&c->head, &c->tail, w);
      w->woken = true;
      woken++;
    }
    w = next;
  }
}

/* Takes the lock back whatever happens, as asyncio does: a cancellation
 * while waiting for it is remembered and the acquire retried. Returns
 * CORIO_OK, or CORIO_ECANCELLED if the task was cancelled meanwhile. */
static int reacquire(corio_lock_t *lock) {
  int status = CORIO_OK;
  for (;;) {
    int rc = corio_lock_acquire(lock);
    if (rc == CORIO_OK) return status;
    if (rc != CORIO_ECANCELLED) return rc; /* not from inside a task */
    status = rc;
  }
}

int corio_condition_wait(corio_condition_t *c) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (c == NULL) return CORIO_EINVAL;
  if (!corio_lock_locked(c->lock))
    return corio_fail(CORIO_ERUNTIME, "cannot wait on an unacquired lock");
  corio_lock_release(c->lock);
  corio__waiter_t *w = corio__waiter_begin(corio__current);
  CORIO__LIST_APPEND(c->head, c->tail, w);
  rc = corio__task_wait(CORIO__WAIT_CONDITION, c, c->name, NULL, NULL);
  if (w->linked) corio__waiter_unlink(&c->head, &c->tail, w);
  int again = reacquire(c->lock);
  if (rc == CORIO_OK) rc = again;
  /* As in Python 3.13 (gh-112202): any error leaving wait() notifies one
   * other waiter, so a notification is never lost with a cancelled waiter
   * (at the price of a possible spurious wake-up). */
  if (rc != CORIO_OK) notify_waiters(c, 1);
  return rc;
}

int corio_condition_wait_for(corio_condition_t *c,
                             bool (*predicate)(void *data), void *data) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (c == NULL || predicate == NULL) return CORIO_EINVAL;
  while (!predicate(data)) {
    rc = corio_condition_wait(c);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

int corio_condition_notify(corio_condition_t *c, size_t n) {
  if (c == NULL) return CORIO_EINVAL;
  if (!corio_lock_locked(c->lock))
    return corio_fail(CORIO_ERUNTIME, "cannot notify on an unacquired lock");
  notify_waiters(c, n);
  return CORIO_OK;
}

int corio_condition_notify_all(corio_condition_t *c) {
  return corio_condition_notify(c, SIZE_MAX);
}
