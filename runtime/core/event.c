/*
 * event.c — asyncio.Event: a flag and the FIFO of tasks waiting for it.
 * Waiters are their tasks' wait-list nodes; set() wakes them all in order
 * and empties the list, and a waiter cancelled first unlinks itself.
 */
#include <stdlib.h>

#include "internal.h"
#include "list.h"

struct corio_event {
  char *name; /* owned, or NULL (corio_event_set_name) */
  bool is_set;
  corio__waiter_t *head, *tail;
};

int corio_event_new(corio_event_t **out) {
  if (out == NULL) return CORIO_EINVAL;
  *out = calloc(1, sizeof **out);
  return *out ? CORIO_OK : CORIO_ENOMEM;
}

void corio_event_free(corio_event_t *e) {
  if (e) free(e->name);
  free(e);
}

int corio_event_set_name(corio_event_t *e, const char *name) {
  return e ? corio__set_name(&e->name, name) : CORIO_EINVAL;
}

void corio_event_set(corio_event_t *e) {
  if (e->is_set) return;
  e->is_set = true;
  while (e->head) {
    corio__waiter_t *w = e->head;
    corio__waiter_unlink(&e->head, &e->tail, w);
    corio__task_wake(w->task, CORIO_OK);
  }
}

void corio_event_clear(corio_event_t *e) { e->is_set = false; }

bool corio_event_is_set(const corio_event_t *e) { return e->is_set; }

int corio_event_wait(corio_event_t *e) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (e == NULL) return CORIO_EINVAL;
  if (e->is_set) return CORIO_OK;
  corio__waiter_t *w = corio__waiter_begin(corio__current);
  CORIO__LIST_APPEND(e->head, e->tail, w);
  rc = corio__task_wait(CORIO__WAIT_EVENT, e, e->name, NULL, NULL);
  if (w->linked) corio__waiter_unlink(&e->head, &e->tail, w);
  return rc;
}
