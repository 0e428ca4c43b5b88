/*
 * lock.c — asyncio.Lock: a flag and the FIFO of tasks waiting for it.
 * release() wakes the first waiter, which takes the lock when it runs; until
 * then it keeps its place (no newcomer jumps ahead), and if it is cancelled
 * first it hands the wake-up on to the next waiter.
 */
#include <stdlib.h>

#include "internal.h"
#include "list.h"

/* A waiter (its task's wait-list node) stays linked until that task runs
 * again, as asyncio keeps a waiter's future in the deque until then; its
 * `woken`: chosen by a release (asyncio: its future has a result). */

struct corio_lock {
  char *name;          /* owned, or NULL (corio_lock_set_name) */
  corio_task_t *owner; /* the task that acquired it (a reference, so the
                        * reports can name it after it ended), or NULL */
  bool locked;
  corio__waiter_t *head, *tail; /* FIFO of waiters, woken ones included */
};

int corio_lock_new(corio_lock_t **out) {
  if (out == NULL) return CORIO_EINVAL;
  *out = calloc(1, sizeof **out);
  return *out ? CORIO_OK : CORIO_ENOMEM;
}

void corio_lock_free(corio_lock_t *l) {
  if (l == NULL) return;
  corio_task_release(l->owner);
  free(l->name);
  free(l);
}

static void set_owner(corio_lock_t *l, corio_task_t *t) {
  corio_task_release(l->owner);
  l->owner = corio_task_retain(t);
}

int corio_lock_set_name(corio_lock_t *l, const char *name) {
  return l ? corio__set_name(&l->name, name) : CORIO_EINVAL;
}

const char *corio__lock_name(const corio_lock_t *l) { return l->name; }

const corio_task_t *corio__lock_owner(const corio_lock_t *l) {
  return l->locked ? l->owner : NULL;
}

bool corio_lock_locked(const corio_lock_t *l) { return l->locked; }

/* Cancelled before a release chose it: it takes nothing and unlinks itself
 * when it runs (asyncio: its future is cancelled). */
static bool waiter_cancelled(const corio__waiter_t *w) {
  return !w->woken && !corio__task_waiting(w->task);
}

/* Whether a waiter that was not cancelled is queued: then acquire() must
 * queue too, even if the lock is free (it was released to that waiter). */
static bool has_live_waiter(const corio_lock_t *l) {
  for (const corio__waiter_t *w = l->head; w; w = w->next)
    if (!waiter_cancelled(w)) return true;
  return false;
}

/* Wakes the first waiter, as asyncio's _wake_up_first: only the head of
 * the queue. If it was cancelled it will pass the wake-up on itself when it
 * runs (acquire's error path), so the next waiter wakes after it, not now. */
static void wake_first(corio_lock_t *l) {
  corio__waiter_t *w = l->head;
  if (w == NULL || w->woken || waiter_cancelled(w)) return;
  if (corio__task_wake(w->task, CORIO_OK)) w->woken = true;
}

int corio_lock_acquire(corio_lock_t *l) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (l == NULL) return CORIO_EINVAL;
  if (!l->locked && !has_live_waiter(l)) {
    l->locked = true;
    set_owner(l, corio__current);
    return CORIO_OK;
  }
  corio__waiter_t *w = corio__waiter_begin(corio__current);
  CORIO__LIST_APPEND(l->head, l->tail, w);
  rc = corio__task_wait(CORIO__WAIT_LOCK, l, l->name, NULL, NULL);
  corio__waiter_unlink(&l->head, &l->tail, w);
  if (rc != CORIO_OK) {
    /* Cancelled, possibly after a release chose this waiter: the lock must
     * not stay free while others wait for it. */
    if (!l->locked) wake_first(l);
    return rc;
  }
  l->locked = true;
  set_owner(l, corio__current);
  return CORIO_OK;
}

int corio_lock_release(corio_lock_t *l) {
  if (l == NULL) return CORIO_EINVAL;
  if (!l->locked) return corio_fail(CORIO_ERUNTIME, "the lock is not acquired");
  l->locked = false;
  set_owner(l, NULL);
  wake_first(l);
  return CORIO_OK;
}
