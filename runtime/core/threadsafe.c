/*
 * threadsafe.c — the only ways into a loop from other threads: the loop's
 * inbox (a lock-free stack any thread pushes on, which the loop's thread
 * empties at the start of every pass and schedules as call_soon callbacks,
 * in push order), and call_soon_threadsafe and run_coroutine_threadsafe on
 * top of it.
 *
 * Why a lock-free stack and not a mutex-protected queue: pushing is one
 * compare-and-swap, emptying one exchange, both in C11 atomics, so the
 * platform-free core needs no lock of the platform's; the release/acquire
 * pair on the head is what hands a node's contents from the pushing thread
 * to the loop's (ThreadSanitizer sees it). A push onto an empty inbox
 * signals the host's waker: the loop, if asleep in corio__host_wait, wakes
 * and its next pass takes the nodes; pushes onto a non-empty inbox need no
 * signal, one is under way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- the inbox ----------------------------------------------------------- */

void corio__loop_post(corio_loop_t *loop, corio__post_t *p) {
  atomic_fetch_add_explicit(&loop->posting, 1, memory_order_relaxed);
  corio__post_t *head =
      atomic_load_explicit(&loop->inbox, memory_order_relaxed);
  do {
    p->next_post = head;
  } while (!atomic_compare_exchange_weak_explicit(
      &loop->inbox, &head, p, memory_order_release, memory_order_relaxed));
  if (head == NULL) corio__host_waker_signal(loop->waker);
  atomic_fetch_sub_explicit(&loop->posting, 1, memory_order_release);
}

/* Takes the whole stack and returns it in push order. */
static corio__post_t *take_all(corio_loop_t *loop) {
  corio__post_t *p =
      atomic_exchange_explicit(&loop->inbox, NULL, memory_order_acquire);
  corio__post_t *fifo = NULL;
  while (p) {
    corio__post_t *next = p->next_post;
    p->next_post = fifo;
    fifo = p;
    p = next;
  }
  return fifo;
}

bool corio__loop_drain_inbox(corio_loop_t *loop) {
  if (!corio__loop_inbox_pending(loop)) return false;
  for (corio__post_t *p = take_all(loop), *next; p; p = next) {
    next = p->next_post;
    corio__loop_call_soon(loop, &p->handle, p->fn, p->data);
    p->handle.loop_owned = p->loop_owned;
  }
  return true;
}

void corio__loop_drop_inbox(corio_loop_t *loop) {
  for (corio__post_t *p = take_all(loop), *next; p; p = next) {
    next = p->next_post;
    if (p->dropped)
      p->dropped(p);
    else if (p->loop_owned)
      free(p);
  }
}

/* ---- call_soon_threadsafe ----------------------------------------------- */

int corio_call_soon_threadsafe(corio_loop_t *loop, corio_callback_fn fn,
                               void *data) {
  if (loop == NULL || fn == NULL) return CORIO_EINVAL;
  corio__post_t *p = calloc(1, sizeof *p);
  if (p == NULL) return CORIO_ENOMEM;
  p->fn = fn;
  p->data = data;
  p->loop_owned = 1;
  corio__loop_post(loop, p);
  return CORIO_OK;
}

/* ---- run_coroutine_threadsafe -------------------------------------------- */

/* Shared by the foreign thread and the loop: freed by whichever lets go
 * last (refs). The loop side writes the outcome, then sets the latch; the
 * latch's mutex hands the outcome to the waiting thread. */
struct corio_thread_handle {
  corio__post_t post;   /* first: starts the task on the loop */
  corio__post_t cancel; /* posted by corio_thread_handle_cancel */
  corio__latch_t *done;
  _Atomic int refs;
  _Atomic bool cancel_posted;
  corio_loop_t *loop;
  corio_fn fn;
  void *arg;
  corio_task_t *task; /* loop side: the task, until it ended */
  bool cancel_asked;  /* loop side: cancel came before the task */
  int code;           /* the outcome, once `done` is set */
  intptr_t result;
  char *error; /* owned */
};

static void handle_unref(corio_thread_handle_t *h) {
  if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1) return;
  corio__latch_free(h->done);
  free(h->error);
  free(h);
}

/* Loop side: records the outcome and lets the foreign thread see it. */
static void handle_finish(corio_thread_handle_t *h, int code, intptr_t result,
                          const char *error) {
  h->code = code;
  h->result = code == CORIO_OK ? result : 0;
  if (code != CORIO_OK) h->error = corio__strdup(error);
  corio__latch_set(h->done);
  handle_unref(h);
}

static void handle_task_done(corio_task_t *t, void *data) {
  corio_thread_handle_t *h = data;
  intptr_t value = 0;
  int code = corio_task_result(t, &value);
  h->task = NULL;
  handle_finish(h, code, value, corio_task_error(t));
  corio_task_release(t);
}

static void handle_start(void *data) {
  corio_thread_handle_t *h = data;
  if (h->loop->closing) {
    handle_finish(h, CORIO_ECLOSED, 0,
                  "the loop's run ended before the coroutine could start");
    return;
  }
  corio_task_t *t;
  int rc = corio_task_create(&t, h->fn, h->arg, NULL);
  if (rc == CORIO_OK) rc = corio_task_add_done_callback(t, handle_task_done, h);
  if (rc != CORIO_OK) {
    if (t) {
      corio_task_cancel(t, NULL);
      corio_task_release(t);
    }
    handle_finish(h, rc, 0, "the coroutine could not be started");
    return;
  }
  h->task = t;
  if (h->cancel_asked) corio_task_cancel(t, NULL);
}

static void handle_dropped(corio__post_t *p) {
  handle_finish((corio_thread_handle_t *)p, CORIO_ECLOSED, 0,
                "the loop's run ended before the coroutine could start");
}

static void handle_do_cancel(void *data) {
  corio_thread_handle_t *h = data;
  if (h->task)
    corio_task_cancel(h->task, NULL);
  else
    h->cancel_asked = true; /* before start, or after the end: harmless */
  handle_unref(h);
}

static void handle_cancel_dropped(corio__post_t *p) {
  handle_unref(
      (corio_thread_handle_t *)((char *)p -
                                offsetof(corio_thread_handle_t, cancel)));
}

int corio_run_coroutine_threadsafe(corio_loop_t *loop, corio_fn fn, void *arg,
                                   corio_thread_handle_t **out) {
  if (out) *out = NULL;
  if (loop == NULL || fn == NULL || out == NULL) return CORIO_EINVAL;
  if (loop == corio__loop) return CORIO_EINVALSTATE;
  corio_thread_handle_t *h = calloc(1, sizeof *h);
  if (h == NULL) return CORIO_ENOMEM;
  int rc = corio__latch_new(&h->done);
  if (rc != CORIO_OK) {
    free(h);
    return rc;
  }
  atomic_init(&h->refs, 2); /* the caller's, the loop's */
  h->loop = loop;
  h->fn = fn;
  h->arg = arg;
  h->post.fn = handle_start;
  h->post.data = h;
  h->post.dropped = handle_dropped;
  corio__loop_post(loop, &h->post);
  *out = h;
  return CORIO_OK;
}

int corio_thread_handle_wait(corio_thread_handle_t *h, double timeout,
                             intptr_t *result) {
  if (h == NULL) return CORIO_EINVAL;
  int rc = corio__latch_wait(h->done, timeout);
  if (rc != CORIO_OK) return rc;
  if (h->code == CORIO_OK && result) *result = h->result;
  return h->code;
}

const char *corio_thread_handle_error(const corio_thread_handle_t *h) {
  /* Meaningful once a wait returned the outcome (its latch ordered it). */
  return h && h->code != CORIO_OK ? h->error : NULL;
}

void corio_thread_handle_cancel(corio_thread_handle_t *h) {
  if (h == NULL || atomic_exchange(&h->cancel_posted, true)) return;
  atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
  h->cancel.fn = handle_do_cancel;
  h->cancel.data = h;
  h->cancel.dropped = handle_cancel_dropped;
  corio__loop_post(h->loop, &h->cancel);
}

void corio_thread_handle_free(corio_thread_handle_t *h) {
  if (h) handle_unref(h);
}
