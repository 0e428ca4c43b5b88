/*
 * loop.c — the event loop: the ready queue (call_soon, FIFO), timers
 * (call_later / call_at, through timer_heap.c) and one pass of the loop.
 * What runs passes, and when the loop sleeps, is driver.c's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "list.h"

_Thread_local corio_loop_t *corio__loop;
_Thread_local corio_task_t *corio__current;

/* ---- the ready queue --------------------------------------------------- */

static void ready_append(corio_loop_t *loop, corio_handle_t *h) {
  h->state = CORIO__HANDLE_READY;
  h->seq = loop->next_seq++; /* its place in the queue: which pass it is in */
  CORIO__LIST_APPEND(loop->ready_head, loop->ready_tail, h);
  loop->ready_len++;
}

static void ready_unlink(corio_loop_t *loop, corio_handle_t *h) {
  CORIO__LIST_UNLINK(loop->ready_head, loop->ready_tail, h);
  loop->ready_len--;
}

static void handle_init(corio_handle_t *h, corio_callback_fn fn, void *data,
                        int loop_owned) {
  h->fn = fn;
  h->data = data;
  h->loop_owned = loop_owned;
  h->prev = h->next = NULL;
}

void corio__loop_call_soon(corio_loop_t *loop, corio_handle_t *h,
                           corio_callback_fn fn, void *data) {
  handle_init(h, fn, data, 0);
  ready_append(loop, h);
}

int corio__loop_call_at(corio_loop_t *loop, corio_handle_t *h, double when,
                        corio_callback_fn fn, void *data) {
  handle_init(h, fn, data, 0);
  h->when = when;
  h->seq = loop->next_seq++;
  h->state = CORIO__HANDLE_TIMER;
  int rc = corio__heap_push(&loop->timers, h);
  if (rc != CORIO_OK) h->state = CORIO__HANDLE_IDLE;
  return rc;
}

/* How many passes tasks may begin among themselves before the scheduler
 * gets control back to fire due timers and ask the host for I/O. */
#define CORIO__INLINE_PASSES 16

/* Past the pass's deadline (looked up every few items: reading the clock
 * costs more than a task switch), the pass ends here: what is left stays at
 * the head of the ready queue for the next one, so a host with its own
 * event loop gets a turn even when a single pass holds many tasks. */
#define DEADLINE_EVERY 16

/* The clock read, out of line: on the task-switch path (take_next) it would
 * otherwise add live values that every Asyncify unwind and rewind of a
 * switching task saves and restores (measured: ~30 ns a switch). */
__attribute__((noinline)) static bool pass_deadline_passed(corio_loop_t *loop) {
  loop->pass_items = 0;
  if (corio__host_now() < loop->pass_deadline) return false;
  loop->pass_end = 0;
  loop->inline_passes_left = 0;
  return true;
}

static inline bool pass_out_of_time(corio_loop_t *loop) {
  return loop->pass_deadline != 0 && ++loop->pass_items >= DEADLINE_EVERY &&
         pass_deadline_passed(loop);
}

corio_handle_t *corio__loop_take_next(corio_loop_t *loop, corio_callback_fn fn,
                                      bool may_begin_pass) {
  corio_handle_t *h = loop->ready_head;
  if (h == NULL || h->fn != fn || pass_out_of_time(loop)) return NULL;
  if (h->seq >= loop->pass_end) { /* the current pass is over */
    if (!may_begin_pass) return NULL;
    /* A due timer joins the ready queue at the next pass: the scheduler's. */
    if (loop->inline_passes_left == 0 ||
        (loop->timers.len > 0 &&
         loop->timers.items[0]->when <= corio__host_now()))
      return NULL;
    loop->inline_passes_left--;
    loop->pass_end = loop->next_seq; /* the next pass begins */
  }
  ready_unlink(loop, h);
  h->state = CORIO__HANDLE_IDLE;
  return h;
}

/* ---- public scheduling ------------------------------------------------- */

static int schedule(corio_handle_t *h, double when, bool soon,
                    corio_callback_fn fn, void *data) {
  corio_loop_t *loop = corio__loop;
  if (loop == NULL) {
    corio__debug_check_thread(soon ? "corio_call_soon" : "corio_call_at");
    return CORIO_ENOLOOP;
  }
  if (fn == NULL || (!soon && isnan(when))) return CORIO_EINVAL;
  if (h && (h->state == CORIO__HANDLE_READY || h->state == CORIO__HANDLE_TIMER))
    return CORIO_ERUNTIME; /* still scheduled */
  /* The loop holds the handle, and hands data to the callback, while the
   * calling task may be parked: either may be in its stack. */
  const char *call = soon ? "corio_call_soon" : "corio_call_at";
  int lent = corio__lend_stack(h, call);
  if (lent == CORIO_OK) lent = corio__lend_stack(data, call);
  if (lent != CORIO_OK) return lent;
  int owned = h == NULL;
  if (owned) {
    h = calloc(1, sizeof *h);
    if (h == NULL) return CORIO_ENOMEM;
  }
  int rc = CORIO_OK;
  if (soon)
    corio__loop_call_soon(loop, h, fn, data);
  else
    rc = corio__loop_call_at(loop, h, when, fn, data);
  if (rc != CORIO_OK) {
    if (owned) free(h);
    return rc;
  }
  h->loop_owned = owned;
  return CORIO_OK;
}

int corio_call_soon(corio_handle_t *h, corio_callback_fn fn, void *data) {
  return schedule(h, 0, true, fn, data);
}

int corio_call_at(corio_handle_t *h, double when, corio_callback_fn fn,
                  void *data) {
  return schedule(h, when, false, fn, data);
}

int corio_call_later(corio_handle_t *h, double delay, corio_callback_fn fn,
                     void *data) {
  if (isnan(delay)) return CORIO_EINVAL;
  return schedule(h, corio_time() + (delay > 0 ? delay : 0), false, fn, data);
}

static bool handle_cancel(corio_loop_t *loop, corio_handle_t *h) {
  if (h->state == CORIO__HANDLE_READY)
    ready_unlink(loop, h);
  else if (h->state == CORIO__HANDLE_TIMER)
    corio__heap_remove(&loop->timers, h);
  else
    return false;
  h->state = CORIO__HANDLE_CANCELLED;
  if (h->loop_owned) free(h);
  return true;
}

bool corio_handle_cancel(corio_handle_t *h) {
  if (corio__loop == NULL) corio__debug_check_thread("corio_handle_cancel");
  if (h == NULL || corio__loop == NULL) return false;
  return handle_cancel(corio__loop, h);
}

/* ---- time -------------------------------------------------------------- */

double corio_time(void) { return corio__host_now(); }

corio_loop_t *corio_running_loop(void) { return corio__loop; }

int corio_get_running_loop(corio_loop_t **out) {
  if (out == NULL) return CORIO_EINVAL;
  *out = corio__loop;
  return corio__loop ? CORIO_OK : CORIO_ENOLOOP;
}

bool corio_handle_cancelled(const corio_handle_t *h) {
  return h != NULL && h->state == CORIO__HANDLE_CANCELLED;
}

double corio_handle_when(const corio_handle_t *h) { return h ? h->when : 0; }

/* ---- one pass ---------------------------------------------------------- */

double corio__loop_run_once(corio_loop_t *loop) {
  /* Other threads' calls join this pass. */
  if (corio__loop_inbox_pending(loop)) corio__loop_drain_inbox(loop);
  double now = corio__host_now();
  while (loop->timers.len > 0 && loop->timers.items[0]->when <= now) {
    corio_handle_t *h = corio__heap_pop(&loop->timers);
    ready_append(loop, h);
  }
  /* Only what is ready now: callbacks scheduled by these run next pass.
   * The pass ends at a recorded place in the queue, not after a count of
   * items, so that one cancelled meanwhile lets no later item in. Tasks may
   * take items of this pass themselves (corio__loop_take_next), so the
   * place lives in the loop. */
  loop->pass_end = loop->next_seq;
  loop->inline_passes_left = CORIO__INLINE_PASSES;
  while (loop->ready_head && loop->ready_head->seq < loop->pass_end &&
         !pass_out_of_time(loop)) {
    corio_handle_t *h = loop->ready_head;
    ready_unlink(loop, h);
    h->state = CORIO__HANDLE_IDLE;
    corio_callback_fn fn = h->fn;
    void *data = h->data;
    if (h->loop_owned) free(h);
    if (corio__debug_on)
      corio__debug_run_callback(fn, data);
    else
      fn(data);
  }
  loop->pass_end = 0;
  if (loop->ready_len > 0) return 0;
  if (loop->timers.len == 0) return -1;
  double wait = loop->timers.items[0]->when - corio__host_now();
  return wait > 0 ? wait : 0;
}

/* ---- the loop object --------------------------------------------------- */

int corio__loop_new(corio_loop_t **out, const corio_run_opts_t *opts) {
  corio_loop_t *loop = calloc(1, sizeof *loop);
  if (loop == NULL) return CORIO_ENOMEM;
  corio__debug_init();
  loop->main_fiber = corio__fiber_main();
  if (loop->main_fiber == NULL) {
    free(loop);
    return CORIO_ENOMEM;
  }
  if (opts) {
    loop->default_stack_size = opts->stack_size;
    loop->default_asyncify_size = opts->asyncify_size;
  }
  atomic_init(&loop->inbox, NULL);
  int rc = corio__host_waker_open(&loop->waker);
  if (rc != CORIO_OK) {
    free(loop);
    return rc;
  }
  *out = loop;
  return CORIO_OK;
}

/* Drops a handle that never ran, at teardown. */
static void handle_drop(corio_handle_t *h) {
  h->state = CORIO__HANDLE_CANCELLED;
  if (h->loop_owned) free(h);
}

/* Frees what is left: the fiber pool, and callbacks that never ran. Each
 * list is walked once, whatever state its handles claim, so no handle
 * state can make the teardown loop. */
void corio__loop_free(corio_loop_t *loop) {
  for (corio_handle_t *h = loop->ready_head, *next; h; h = next) {
    next = h->next;
    handle_drop(h);
  }
  loop->ready_head = loop->ready_tail = NULL;
  for (size_t i = 0; i < loop->timers.len; i++)
    handle_drop(loop->timers.items[i]);
  corio__heap_free(&loop->timers);
  corio__task_reap_dead_fiber(loop); /* into the pool, freed below */
  for (size_t i = 0; i < loop->fiber_pool_len; i++)
    corio__fiber_free(loop->fiber_pool[i]);
  free(loop->fiber_pool);
  corio__loop_drop_inbox(loop);
  corio__host_waker_close(loop->waker);
  corio__gens_detach(loop);
  corio__task_cache_free(loop);
  free(loop);
}

const char *corio_backend_name(void) {
  static char name[96];
  if (name[0] == '\0')
    snprintf(name, sizeof name, "%s/%s", corio__fiber_backend_name(),
             corio__host_backend_name());
  return name;
}
