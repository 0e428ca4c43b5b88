/*
 * semaphore.c — asyncio.Semaphore and BoundedSemaphore: a count of permits
 * and the FIFO of tasks waiting for one. A release hands its permit to the
 * first waiter still waiting (so newcomers cannot take it first); a waiter
 * cancelled after that gives the permit back, for the next one.
 */
#include <stdlib.h>

#include "internal.h"
#include "list.h"

/* A waiter (its task's wait-list node) stays linked until that task runs
 * again, as asyncio keeps a waiter's future in the deque until then; its
 * `woken`: handed a permit (asyncio: its future has a result). */

struct corio_semaphore {
  char *name;   /* owned, or NULL (corio_semaphore_set_name) */
  size_t value; /* free permits; those handed to woken waiters are not */
  size_t bound; /* the initial value, for a bounded semaphore */
  bool bounded;
  corio__waiter_t *head, *tail; /* FIFO of waiters, woken ones included */
};

static int semaphore_new(corio_semaphore_t **out, long value, bool bounded) {
  if (out) *out = NULL;
  if (out == NULL) return CORIO_EINVAL;
  if (value < 0)
    return corio_fail(CORIO_EINVAL,
                      "Semaphore initial value must be >= 0, not %ld", value);
  corio_semaphore_t *s = calloc(1, sizeof *s);
  *out = s;
  if (s == NULL) return CORIO_ENOMEM;
  s->value = (size_t)value;
  s->bound = (size_t)value;
  s->bounded = bounded;
  return CORIO_OK;
}

int corio_semaphore_new(corio_semaphore_t **out, long value) {
  return semaphore_new(out, value, false);
}

int corio_semaphore_new_bounded(corio_semaphore_t **out, long value) {
  return semaphore_new(out, value, true);
}

void corio_semaphore_free(corio_semaphore_t *s) {
  if (s) free(s->name);
  free(s);
}

int corio_semaphore_set_name(corio_semaphore_t *s, const char *name) {
  return s ? corio__set_name(&s->name, name) : CORIO_EINVAL;
}

size_t corio_semaphore_value(const corio_semaphore_t *s) { return s->value; }

/* Cancelled before a release chose it: it takes nothing and unlinks itself
 * when it runs (asyncio: its future is cancelled). */
static bool waiter_cancelled(const corio__waiter_t *w) {
  return !w->woken && !corio__task_waiting(w->task);
}

/* asyncio: no permit, or a waiter (not cancelled) is queued and must go
 * first. */
bool corio_semaphore_locked(const corio_semaphore_t *s) {
  if (s->value == 0) return true;
  for (const corio__waiter_t *w = s->head; w; w = w->next)
    if (!waiter_cancelled(w)) return true;
  return false;
}

/* Hands a permit to the first waiter still waiting; false if there is
 * none. */
static bool wake_next(corio_semaphore_t *s) {
  for (corio__waiter_t *w = s->head; w; w = w->next) {
    if (w->woken) continue;
    if (corio__task_wake(w->task, CORIO_OK)) {
      s->value--;
      w->woken = true;
      return true;
    }
  }
  return false;
}

int corio_semaphore_acquire(corio_semaphore_t *s) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (s == NULL) return CORIO_EINVAL;
  if (!corio_semaphore_locked(s)) {
    s->value--;
    return CORIO_OK;
  }
  corio__waiter_t *w = corio__waiter_begin(corio__current);
  CORIO__LIST_APPEND(s->head, s->tail, w);
  rc = corio__task_wait(CORIO__WAIT_SEMAPHORE, s, s->name, NULL, NULL);
  corio__waiter_unlink(&s->head, &s->tail, w);
  if (rc != CORIO_OK && w->woken) s->value++; /* cancelled: give it back */
  /* Waiters that queued behind this one while permits were free (FIFO made
   * them wait) may go now. */
  while (s->value > 0)
    if (!wake_next(s)) break;
  return rc;
}

int corio_semaphore_release(corio_semaphore_t *s) {
  if (s == NULL) return CORIO_EINVAL;
  if (s->bounded && s->value >= s->bound)
    return corio_fail(CORIO_EINVAL, /* asyncio: ValueError */
                      "BoundedSemaphore released too many times");
  s->value++;
  wake_next(s);
  return CORIO_OK;
}
