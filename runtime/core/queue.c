/*
 * queue.c — asyncio.Queue, LifoQueue and PriorityQueue (with Python 3.13's
 * shutdown): the items (a ring buffer, or a binary heap for priority), the
 * FIFOs of waiting getters, putters and joiners, and the unfinished-tasks
 * count behind task_done/join.
 * As in asyncio, items stay in the queue until a getter takes them when it
 * runs; a wake-up only says "look again", and a woken waiter re-checks in a
 * loop. A waiter woken and then cancelled before it ran passes its wake-up
 * on (asyncio's `_wakeup_next` in the except branch), so none is lost.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "list.h"

/* Tasks waiting in one of the queue's lists: their wait-list nodes. */
typedef struct waiter_list {
  corio__waiter_t *head, *tail; /* FIFO: the order tasks began waiting */
} waiter_list_t;

/* A queued item; `seq` (put order) keeps a priority queue FIFO on ties. */
typedef struct queue_slot {
  void *item;
  uint64_t seq;
} queue_slot_t;

struct corio_queue {
  char *name; /* owned, or NULL (corio_queue_set_name) */
  corio_queue_kind_t kind;
  size_t maxsize;                               /* 0: unbounded */
  int (*compare)(const void *a, const void *b); /* PRIORITY only */
  queue_slot_t *slots; /* ring (FIFO, LIFO) or min-heap (PRIORITY) */
  size_t cap;          /* slots allocated: 0 or a power of two */
  size_t head;         /* ring: index of the oldest item; heap: 0 */
  size_t len;          /* items queued */
  uint64_t next_seq;   /* put order, for priority ties */
  size_t unfinished;   /* items put and not yet marked done */
  bool is_shutdown;
  waiter_list_t getters; /* wait while empty */
  waiter_list_t putters; /* wait while full */
  waiter_list_t joiners; /* wait until unfinished == 0 */
};

/* ---- waiters ----------------------------------------------------------- */

/* asyncio's _wakeup_next: wakes the first waiter that still waits. Waiters
 * a cancellation has already woken are dropped from the list on the way. */
static void wake_next(waiter_list_t *l) {
  while (l->head) {
    corio__waiter_t *w = l->head;
    corio__waiter_unlink(&l->head, &l->tail, w);
    if (corio__task_wake(w->task, CORIO_OK)) {
      w->woken = true;
      return;
    }
  }
}

static void wake_all(waiter_list_t *l) {
  while (l->head) wake_next(l);
}

/* Suspends the current task in l until the queue wakes it. Returns
 * CORIO_OK or CORIO_ECANCELLED; *woken tells whether the queue woke it
 * (true together with ECANCELLED: cancelled between wake-up and run). */
static int wait_in(const corio_queue_t *q, waiter_list_t *l,
                   corio__wait_kind_t kind, bool *woken) {
  corio__waiter_t *w = corio__waiter_begin(corio__current);
  CORIO__LIST_APPEND(l->head, l->tail, w);
  int rc = corio__task_wait(kind, q, q->name, NULL, NULL);
  if (w->linked) corio__waiter_unlink(&l->head, &l->tail, w);
  *woken = w->woken;
  return rc;
}

/* ---- storage ----------------------------------------------------------- */

static bool is_full(const corio_queue_t *q) {
  return q->maxsize > 0 && q->len >= q->maxsize;
}

/* Doubles the slots. A wrapped ring's front part moves up past the old end,
 * so the ring stays contiguous from `head`. */
static int grow(corio_queue_t *q) {
  size_t cap = q->cap ? q->cap * 2 : 8;
  if (cap < q->cap || cap > SIZE_MAX / sizeof(queue_slot_t))
    return CORIO_ENOMEM;
  queue_slot_t *slots = realloc(q->slots, cap * sizeof *slots);
  if (slots == NULL) return CORIO_ENOMEM;
  size_t wrapped = q->head + q->len > q->cap ? q->head + q->len - q->cap : 0;
  memcpy(slots + q->cap, slots, wrapped * sizeof *slots);
  q->slots = slots;
  q->cap = cap;
  return CORIO_OK;
}

/* Priority order: compare, then put order. */
static bool before(const corio_queue_t *q, const queue_slot_t *a,
                   const queue_slot_t *b) {
  int c = q->compare(a->item, b->item);
  return c < 0 || (c == 0 && a->seq < b->seq);
}

static void heap_sift_up(corio_queue_t *q, size_t i) {
  queue_slot_t s = q->slots[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!before(q, &s, &q->slots[parent])) break;
    q->slots[i] = q->slots[parent];
    i = parent;
  }
  q->slots[i] = s;
}

static void heap_sift_down(corio_queue_t *q, size_t i) {
  queue_slot_t s = q->slots[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= q->len) break;
    if (child + 1 < q->len && before(q, &q->slots[child + 1], &q->slots[child]))
      child++;
    if (!before(q, &q->slots[child], &s)) break;
    q->slots[i] = q->slots[child];
    i = child;
  }
  q->slots[i] = s;
}

/* Adds an item (the queue has room for it as far as maxsize goes). */
static int store(corio_queue_t *q, void *item) {
  if (q->len == q->cap) {
    int rc = grow(q);
    if (rc != CORIO_OK) return rc;
  }
  queue_slot_t s = {item, q->next_seq++};
  if (q->kind == CORIO_QUEUE_PRIORITY) {
    q->slots[q->len] = s;
    heap_sift_up(q, q->len++);
  } else {
    q->slots[(q->head + q->len++) & (q->cap - 1)] = s;
  }
  return CORIO_OK;
}

/* Removes the next item (the queue is not empty): the oldest (FIFO), the
 * newest (LIFO) or the smallest (PRIORITY). */
static void *take(corio_queue_t *q) {
  void *item;
  switch (q->kind) {
  case CORIO_QUEUE_PRIORITY:
    item = q->slots[0].item;
    q->slots[0] = q->slots[--q->len];
    if (q->len > 0) heap_sift_down(q, 0);
    return item;
  case CORIO_QUEUE_LIFO:
    return q->slots[(q->head + --q->len) & (q->cap - 1)].item;
  default:
    item = q->slots[q->head].item;
    q->head = (q->head + 1) & (q->cap - 1);
    q->len--;
    return item;
  }
}

/* Takes out every item, handing each to dispose (if not NULL). */
static size_t drain(corio_queue_t *q, void (*dispose)(void *item)) {
  size_t n = 0;
  for (; q->len > 0; n++) {
    void *item = take(q);
    if (dispose) dispose(item);
  }
  return n;
}

/* ---- lifetime ---------------------------------------------------------- */

int corio_queue_new(corio_queue_t **out, corio_queue_kind_t kind,
                    size_t maxsize,
                    int (*compare)(const void *a, const void *b)) {
  if (out == NULL) return CORIO_EINVAL;
  *out = NULL;
  if (kind != CORIO_QUEUE_FIFO && kind != CORIO_QUEUE_LIFO &&
      kind != CORIO_QUEUE_PRIORITY)
    return CORIO_EINVAL;
  if (kind == CORIO_QUEUE_PRIORITY && compare == NULL) return CORIO_EINVAL;
  corio_queue_t *q = calloc(1, sizeof *q);
  if (q == NULL) return CORIO_ENOMEM;
  q->kind = kind;
  q->maxsize = maxsize;
  q->compare = kind == CORIO_QUEUE_PRIORITY ? compare : NULL;
  *out = q;
  return CORIO_OK;
}

void corio_queue_free(corio_queue_t *q, void (*dispose)(void *item)) {
  if (q == NULL) return;
  drain(q, dispose);
  free(q->slots);
  free(q->name);
  free(q);
}

int corio_queue_set_name(corio_queue_t *q, const char *name) {
  return q ? corio__set_name(&q->name, name) : CORIO_EINVAL;
}

/* ---- putting and getting ----------------------------------------------- */

static int closed(void) {
  return corio_fail(CORIO_ECLOSED, "queue is shut down");
}

/* put_nowait's work, beneath both puts, each of which checks its item
 * once under its own name (corio__lend_stack). */
static int put_now(corio_queue_t *q, void *item) {
  if (q->is_shutdown) return closed();
  /* Full and empty are outcomes a poller meets all the time: the code says
   * it all, and no message is allocated for it. */
  if (is_full(q)) return CORIO_EFULL;
  int rc = store(q, item);
  if (rc != CORIO_OK) return corio_fail(rc, "no memory for a queue item");
  q->unfinished++;
  wake_next(&q->getters);
  return CORIO_OK;
}

int corio_queue_put_nowait(corio_queue_t *q, void *item) {
  if (q == NULL) return CORIO_EINVAL;
  int lent = corio__lend_stack(item, "corio_queue_put_nowait");
  if (lent != CORIO_OK) return lent; /* a getter may use it while we park */
  return put_now(q, item);
}

int corio_queue_get_nowait(corio_queue_t *q, void **item) {
  if (q == NULL || item == NULL) return CORIO_EINVAL;
  if (q->len == 0) return q->is_shutdown ? closed() : CORIO_EEMPTY;
  *item = take(q);
  wake_next(&q->putters);
  return CORIO_OK;
}

int corio_queue_put(corio_queue_t *q, void *item) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (q == NULL) return CORIO_EINVAL;
  rc = corio__lend_stack(item, "corio_queue_put");
  if (rc != CORIO_OK) return rc; /* a getter may use it while we park */
  while (is_full(q)) {
    if (q->is_shutdown) return closed();
    bool woken;
    rc = wait_in(q, &q->putters, CORIO__WAIT_QUEUE_PUT, &woken);
    if (rc != CORIO_OK) {
      /* Woken for a free slot but cancelled: the next putter may have it. */
      if (woken && !is_full(q)) wake_next(&q->putters);
      return rc;
    }
  }
  rc = put_now(q, item);
  if (rc == CORIO_ENOMEM) wake_next(&q->putters); /* the slot is still free */
  return rc;
}

int corio_queue_get(corio_queue_t *q, void **item) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (q == NULL || item == NULL) return CORIO_EINVAL;
  while (q->len == 0) {
    if (q->is_shutdown) return closed();
    bool woken;
    rc = wait_in(q, &q->getters, CORIO__WAIT_QUEUE_GET, &woken);
    if (rc != CORIO_OK) {
      /* Woken for an item but cancelled: the item waits for the next. */
      if (woken && q->len > 0) wake_next(&q->getters);
      return rc;
    }
  }
  return corio_queue_get_nowait(q, item);
}

/* ---- state ------------------------------------------------------------- */

size_t corio_queue_qsize(const corio_queue_t *q) { return q->len; }
size_t corio_queue_maxsize(const corio_queue_t *q) { return q->maxsize; }
bool corio_queue_empty(const corio_queue_t *q) { return q->len == 0; }
bool corio_queue_full(const corio_queue_t *q) { return is_full(q); }

/* ---- task_done and join ------------------------------------------------ */

int corio_queue_task_done(corio_queue_t *q) {
  if (q == NULL) return CORIO_EINVAL;
  if (q->unfinished == 0)
    return corio_fail(CORIO_EINVAL, "task_done() called too many times");
  if (--q->unfinished == 0) wake_all(&q->joiners);
  return CORIO_OK;
}

/* Every joiner is woken at once when the count reaches zero, and returns
 * even if a put raises it again before it runs (asyncio's Event). */
int corio_queue_join(corio_queue_t *q) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (q == NULL) return CORIO_EINVAL;
  if (q->unfinished == 0) return CORIO_OK;
  bool woken;
  return wait_in(q, &q->joiners, CORIO__WAIT_QUEUE_JOIN, &woken);
}

/* ---- shutdown ---------------------------------------------------------- */

/* Waiters are only woken: each re-checks and finds the queue shut down
 * (a getter still takes an item queued before it ran). Joiners first, then
 * getters, then putters, as asyncio orders them. */
void corio_queue_shutdown(corio_queue_t *q, bool immediate,
                          void (*dispose)(void *item)) {
  if (q == NULL) return;
  q->is_shutdown = true;
  if (immediate) {
    size_t n = drain(q, dispose);
    q->unfinished = n < q->unfinished ? q->unfinished - n : 0;
    if (q->unfinished == 0) wake_all(&q->joiners);
  }
  wake_all(&q->getters);
  wake_all(&q->putters);
}
