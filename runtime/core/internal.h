/*
 * internal.h — the core's private structures and the functions its files
 * share: the loop (ready queue, timer heap), the task record and its state
 * machine, and the wait/wake protocol every waiting primitive is built on.
 * Not installed, and never included by a backend (backends see backend.h).
 */
#ifndef CORIO_CORE_INTERNAL_H
#define CORIO_CORE_INTERNAL_H

/* The runtime calls corio_task_create itself, not its site-recording macro. */
#define CORIO__INTERNAL 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "corio.h"
#include "list.h"

/* ---- handles (call_soon / call_later) ---------------------------------- */

enum {
  CORIO__HANDLE_IDLE = 0,  /* not scheduled */
  CORIO__HANDLE_READY,     /* in the ready queue */
  CORIO__HANDLE_TIMER,     /* in the timer heap */
  CORIO__HANDLE_CANCELLED, /* cancelled before it ran (asyncio's
                            * Handle.cancelled()) */
};

/* ---- calls from other threads (threadsafe.c) ---------------------------- */

/* Something another thread hands to the loop: pushed on the loop's inbox
 * from any thread, then, on the loop's thread, scheduled as a call_soon of
 * fn(data) through `handle` (freed with the node if loop_owned; the handle
 * comes first so that freeing it frees the node). If the loop is freed
 * before it was scheduled, dropped(node) is called instead (NULL: freed
 * when loop_owned). */
typedef struct corio__post {
  corio_handle_t handle;
  corio_callback_fn fn;
  void *data;
  void (*dropped)(struct corio__post *p);
  int loop_owned;
  struct corio__post *next_post; /* private: the inbox */
} corio__post_t;

/* ---- the loop ---------------------------------------------------------- */

typedef struct corio__timer_heap {
  corio_handle_t **items; /* min-heap on (when, seq) */
  size_t len, cap;
} corio__timer_heap_t;

struct corio_loop {
  corio_handle_t *ready_head, *ready_tail; /* FIFO of due callbacks */
  size_t ready_len;
  corio__timer_heap_t timers;
  uint64_t next_seq; /* handles' seq: FIFO order among equal deadlines, and
                      * place in the ready queue */
  corio__fiber_t *main_fiber; /* the scheduler's context */
  corio_task_t *tasks_head;   /* not-done tasks, creation order */
  corio_task_t *tasks_tail;
  size_t ntasks;                /* not-done tasks */
  uint64_t next_task_number;    /* for default names Task-N */
  size_t default_stack_size;    /* 0 = backend default */
  size_t default_asyncify_size; /* 0 = backend default */
  corio__fiber_t **fiber_pool;  /* finished shared-stack fibers to reuse */
  size_t fiber_pool_len;
  corio_task_t *task_cache; /* released task records to reuse, linked
                             * through `next` (task_cache.c) */
  size_t task_cache_len;
  bool deadlocked;           /* a deadlock was found and broken */
  uint64_t pass_end;         /* the ready items of the current pass are
                              * those with a lower seq; 0: none */
  size_t inline_passes_left; /* passes tasks may still begin themselves */
  /* The shared-stack fiber of the task that finished in place last, until
   * it is given back: not while it still runs (task.c, reap_dead_fiber). */
  corio__fiber_t *dead_fiber;
  corio_task_t *returning; /* a task with a stack of its own that has just
                            * switched to the scheduler for good */
  double pass_deadline;    /* host time a pass must stop at (the
                            * rest stays ready, in order); 0: none */
  unsigned pass_items;     /* items run since the clock was read */
  /* threads (threadsafe.c, executor.c) */
  _Atomic(corio__post_t *) inbox; /* pushed by any thread, LIFO */
  atomic_int posting; /* threads inside corio__loop_post: the loop is not
                       * freed before they are out (they still signal its
                       * waker after their post is visible) */
  corio__host_waker_t *waker;         /* interrupts the host's wait */
  size_t thread_jobs;                 /* jobs submitted, end not in yet */
  corio_executor_t *default_executor; /* made by the first to_thread */
  bool closing; /* main's run is over: no new coroutine starts */
  /* async generators started and not finished (gen.c), for asyncio.run's
   * shutdown_asyncgens at the end of corio_run */
  struct corio_gen *gens_head;
  /* failed tasks whose error nobody has read yet (task_report.c) */
  corio_task_t *unretrieved_head, *unretrieved_tail;
};

/* The running loop and task of this thread. */
extern _Thread_local corio_loop_t *corio__loop;
extern _Thread_local corio_task_t *corio__current;

/* Creates an empty loop / frees one whose tasks are all done. */
int corio__loop_new(corio_loop_t **out, const corio_run_opts_t *opts);
void corio__loop_free(corio_loop_t *loop);

/* Runs one pass: every callback that was ready when the pass began, after
 * moving due timers to the ready queue. Returns how long the loop may then
 * sleep: 0 (more is ready), the seconds to the next timer, or -1 (nothing
 * scheduled). */
double corio__loop_run_once(corio_loop_t *loop);

/* Takes the head of the ready queue if it runs `fn` (a task step), so a
 * task can switch straight to the next task instead of through the
 * scheduler. The head must belong to the current pass, or, if
 * `may_begin_pass`, a new pass may be begun (a bounded number of times, so
 * timers and I/O are not starved). NULL if not. */
corio_handle_t *corio__loop_take_next(corio_loop_t *loop, corio_callback_fn fn,
                                      bool may_begin_pass);

/* After a pass that returned `timeout`: true if nothing can ever wake the
 * loop again (no ready callback, no timer, no host operation in flight). */
bool corio__loop_idle_forever(double timeout);

/* A deadlock: cancels every task once, with the message of CORIO_EDEADLK,
 * so each one's cleanup runs and the run can end, and marks the loop
 * deadlocked (a cancelled outcome then reads as CORIO_EDEADLK). False if
 * the loop is marked already: a second one without progress is beyond
 * repair. */
bool corio__loop_break_deadlock(corio_loop_t *loop);

/* Internal scheduling with a handle the caller owns. */
void corio__loop_call_soon(corio_loop_t *loop, corio_handle_t *h,
                           corio_callback_fn fn, void *data);
int corio__loop_call_at(corio_loop_t *loop, corio_handle_t *h, double when,
                        corio_callback_fn fn, void *data);

/* Timer heap (timer_heap.c). */
int corio__heap_push(corio__timer_heap_t *heap, corio_handle_t *h);
corio_handle_t *corio__heap_pop(corio__timer_heap_t *heap);
void corio__heap_remove(corio__timer_heap_t *heap, corio_handle_t *h);
void corio__heap_free(corio__timer_heap_t *heap);

/* ---- tasks ------------------------------------------------------------- */

typedef enum corio__task_state {
  CORIO__TASK_PENDING,   /* a future (no body) not done yet */
  CORIO__TASK_SCHEDULED, /* a step is queued (new, or woken) */
  CORIO__TASK_RUNNING,   /* the current task */
  CORIO__TASK_WAITING,   /* suspended until corio__task_wake() */
  CORIO__TASK_DONE,
} corio__task_state_t;

/* What cancelling a waiting task does instead of waking it: asyncio passes
 * the cancellation to the future the task awaits (e.g. another task).
 * Returns true if it took the request over. */
typedef bool (*corio__cancel_hook_fn)(void *hook_data, const char *msg);

typedef struct corio__done_call corio__done_call_t;

typedef struct corio__done_cb {
  corio_done_fn fn;
  void *data;
  /* Owned: the call this callback will be scheduled with, allocated when
   * it was added (the task's inline call serves one more), so that a task
   * completing never allocates; NULL for the first and for wake-ups. */
  corio__done_call_t *call;
} corio__done_cb_t;

/* A done callback that has been scheduled (call_soon) but has not run. It
 * stays on its task's `inflight` list until it runs, so that
 * remove_done_callback can still take it back: waiters on a task's stack
 * rely on that. */
struct corio__done_call {
  corio_handle_t handle;
  corio_task_t *task; /* retained until the call ran or was removed */
  corio_done_fn fn;
  void *data;
  struct corio__done_call *prev, *next;
};

/* What a waiting task waits on, for the deadlock report and the task dump
 * (task_report.c). Each waiting primitive passes it to corio__task_wait,
 * which records it and clears it when the task resumes (keeping its kind
 * as `resumed_from` in debug mode, for the slow-step report), so that no
 * stale record stays. */
typedef enum corio__wait_kind {
  CORIO__WAIT_OTHER = 0, /* a wait that did not say */
  CORIO__WAIT_SLEEP,
  CORIO__WAIT_LOCK,
  CORIO__WAIT_EVENT,
  CORIO__WAIT_CONDITION,
  CORIO__WAIT_SEMAPHORE,
  CORIO__WAIT_QUEUE_GET,  /* the queue is empty */
  CORIO__WAIT_QUEUE_PUT,  /* the queue is full */
  CORIO__WAIT_QUEUE_JOIN, /* items not yet marked done */
  CORIO__WAIT_BARRIER,
  CORIO__WAIT_TASK,   /* obj: the awaited task */
  CORIO__WAIT_TASKS,  /* gather / wait / a task group's children */
  CORIO__WAIT_HOST,   /* a host operation (I/O, a JS promise) */
  CORIO__WAIT_STREAM, /* data on a stream */
} corio__wait_kind_t;

typedef struct corio__wait_rec {
  corio__wait_kind_t kind;
  const void *obj;  /* the object waited on (borrowed) */
  const char *name; /* its user-given name, or NULL (borrowed) */
} corio__wait_rec_t;

/* A task's node in the wait list of a lock, event, condition, semaphore,
 * barrier or queue. It is part of the task record, not of the waiting
 * task's stack: the primitive's other users walk and unlink it while the
 * task is parked, and nothing may reach a parked task through its stack
 * (backend.h, CORIO__FIBER_PARKS). A task waits on one primitive at a
 * time, so one node serves them all; it is out of every list whenever the
 * task runs outside a wait. */
typedef struct corio__waiter {
  corio_task_t *task;
  struct corio__waiter *prev, *next;
  bool linked; /* in the primitive's list */
  bool woken;  /* woken by the primitive (not only by a cancellation) */
} corio__waiter_t;

/* A task's diagnostic record (debug.c, task_report.c). What its current
 * step resumed from (debug mode's slow-step report) is the task's
 * `resumed_from`, a byte among its flags. */
typedef struct corio__task_diag {
  const char *file; /* where it was created (static), or NULL */
  int line;
  uint32_t visit;         /* cycle search mark (task_report.c) */
  corio__wait_rec_t wait; /* valid while the task is WAITING */
  double wait_since;      /* host time the wait began (debug mode only) */
  corio_task_t *unretrieved_prev, *unretrieved_next;
} corio__task_diag_t;

/* A task, or a future: a task without a body (fn NULL), which never runs
 * and is done by corio_future_set_result/_set_error/cancel. Everything but
 * the body's fields serves both, as asyncio's Task is a Future. */
struct corio_task {
  /* Hot fields first, grouped by what touches them, so that a task's life
   * (create, run, finish, join, release) touches few cache lines: stepping
   * it reads the first 64 bytes, finishing, joining and releasing it the
   * next 64. Errors, names, cancellation and diagnostics come after. Keep
   * the record small: spawn_join, which holds 100,000 of them, runs at the
   * speed of their memory (576 bytes ran 12% slower than 448). */
  corio_loop_t *loop;
  corio_fn fn; /* the coroutine and its argument */
  void *arg;
  corio__fiber_t *fiber;  /* allocated at the first step */
  const uint64_t *canary; /* corio__fiber_canary(fiber), kept with it */
  corio__task_state_t state;
  int refs;        /* caller references + 1 while not done */
  int wake_status; /* what corio__task_wait() returns */
  int code;        /* outcome: CORIO_OK, ECANCELLED or an error */
  intptr_t result;
  corio__done_cb_t *callbacks; /* done callbacks in registration order:
                                * cb_inline or malloc'd */
  uint32_t ncallbacks, callbacks_cap;
  corio__done_call_t *inflight; /* scheduled, not yet run */
  char *error;                  /* owned message once done with an error */
  char *name;                   /* owned */
  char *cancel_msg;             /* owned, latest cancel message */
  char *errmsg;                 /* owned: the current error message (errno-like,
                                 * see corio_errmsg) */
  bool started;
  bool must_cancel;      /* deliver ECANCELLED at the next resume */
  bool in_cancel;        /* inside corio_task_cancel (cycle guard) */
  bool marked;           /* scratch of corio__dedupe, false outside */
  bool call_inline_busy; /* call_inline is scheduled */
  bool unretrieved;      /* failed, on its loop's unretrieved list until
                          * someone reads its result or error */
  bool own_stack;        /* corio_run's main task: never the shared stack */
  uint8_t resumed_from;  /* the corio__wait_kind_t its current step
                          * resumed from (debug mode only) */
  /* the rest */
  corio_handle_t step;           /* the queued step that resumes the task */
  corio_task_t *prev, *next;     /* the loop's list of not-done tasks */
  corio__done_cb_t cb_inline[1]; /* the first callback (most tasks have
                                  * one waiter) */
  int errmsg_code;
  int cancel_requests; /* asyncio's cancelling() */
  uint64_t number;     /* creation order, for Task-N */
  size_t stack_size;   /* 0 = loop default */
  size_t asyncify_size;
  corio__cancel_hook_fn cancel_hook; /* set while waiting, may be NULL */
  void *cancel_hook_data;
  corio__done_call_t call_inline; /* the first scheduled done call */
  corio__task_diag_t diag;
  /* What the loop and other tasks touch while the task is parked lives in
   * its record (backend.h, CORIO__FIBER_PARKS): */
  union { /* a task sleeps or waits in a list, never both at once */
    corio__waiter_t waiter; /* in a primitive's wait list */
    corio_handle_t timer;   /* corio_sleep's */
  };
};

/* The running task's wait-list node, reset for a new wait: linked, not
 * woken. */
static inline corio__waiter_t *corio__waiter_begin(corio_task_t *self) {
  corio__waiter_t *w = &self->waiter;
  w->task = self;
  w->prev = w->next = NULL;
  w->linked = true;
  w->woken = false;
  return w;
}

/* Takes w out of the wait list head..tail, and says so in w. */
static inline void corio__waiter_unlink(corio__waiter_t **head,
                                        corio__waiter_t **tail,
                                        corio__waiter_t *w) {
  CORIO__LIST_UNLINK(*head, *tail, w);
  w->linked = false;
}

/* Task and future records (task_cache.c). corio__task_record_new returns a
 * zeroed record of `loop` with its done callbacks inline (NULL: no
 * memory); a record whose last
 * reference is gone, its owned fields freed, goes back through
 * corio__task_record_free. corio__task_cache_idle trims the loop's cache to
 * its reserve (the loop is about to wait); corio__task_cache_free empties
 * it (the loop is being freed). */
corio_task_t *corio__task_record_new(corio_loop_t *loop);
void corio__task_record_free(corio_task_t *t);
void corio__task_cache_idle(corio_loop_t *loop);
void corio__task_cache_free(corio_loop_t *loop);

/* Suspends the current task until corio__task_wake() (or a cancellation),
 * recording what it waits on (kind, the object, its name: the
 * corio__wait_rec of the deadlock report and the task dump). Returns the
 * wake status, or CORIO_ECANCELLED if the task was cancelled. `hook` (may
 * be NULL) is what a cancel request does while waiting. The record is
 * written here, not by each waiting primitive, so that those stay small
 * enough for link-time inlining: in wasm every frame on a suspended stack
 * is unwound and rewound at each switch. */
int corio__task_wait(corio__wait_kind_t kind, const void *obj, const char *name,
                     corio__cancel_hook_fn hook, void *hook_data);

/* asyncio's shutdown_asyncgens, as a coroutine (gen.c): closes (aclose)
 * every async generator of the running loop still suspended at a yield, so
 * their cleanup runs. corio_run runs it after the main task, once the other
 * tasks have ended. */
int corio__gens_close_all(void *arg, intptr_t *result);
/* Takes every generator off the loop's list (the loop is being freed). */
void corio__gens_detach(corio_loop_t *loop);

/* p is handed on by `call` (a public function's name) for others to use
 * while the running task may be parked. If p points into that task's
 * stack, the stack is pinned (backend.h, corio__fiber_pin): CORIO_OK; or,
 * for a stack shared with other tasks, which cannot be pinned, CORIO_EINVAL
 * with a message naming the call and the task. CORIO_OK for anything else.
 * include/corio.h, "Pointers into a task's stack", lists the calls. */
int corio__lend_stack(const void *p, const char *call);

/* Moves the running task t onto the stack `to` (task.c says more): how an
 * async generator's body runs inside its consumer's task. */
void corio__task_switch_stack(corio_task_t *t, corio__fiber_t *to,
                              int finished);

/* Lets every other ready task run once, then resumes (asyncio's bare
 * yield, which sleep(0) is). Returns CORIO_OK or CORIO_ECANCELLED. */
int corio__task_yield(void);
/* Gives back the fiber of the task that finished last, if the loop still
 * holds it (task.c): at the loop's teardown. */
void corio__task_reap_dead_fiber(corio_loop_t *loop);

/* Whether t is suspended in corio__task_wait() and not woken yet: a waiter
 * no longer waiting without having been handed anything was cancelled. */
static inline bool corio__task_waiting(const corio_task_t *t) {
  return t->state == CORIO__TASK_WAITING;
}

/* Wakes t with `status` if it is waiting; returns false (and does nothing)
 * if it is not (already woken, e.g. by a cancellation). */
bool corio__task_wake(corio_task_t *t, int status);

/* The done callback of a task that waits for another one to finish (data:
 * the waiting task). Registered with corio_task_add_done_callback, it is
 * not scheduled as a call at completion: the waiter's step is scheduled
 * right away, so it resumes one loop step later, as asyncio's awaiting
 * task does. (Called as a callback only on a task already done.) */
void corio__wake_on_done(corio_task_t *done, void *waiter);

/* Makes t (task or future) done with `code` (and its result / error
 * message already set) and schedules its done callbacks. */
void corio__complete(corio_task_t *t, int code);

/* Sets t's / the current task's message (copied; NULL: the code's text)
 * for `code`; returns code. Outside a task corio__set_error only returns. */
int corio__task_set_error(corio_task_t *t, int code, const char *msg);
int corio__set_error(int code, const char *msg);

/* Copies `src`'s final error message into the current task's message. */
int corio__inherit_error(const corio_task_t *src);

/* The code a waiting call returns when called outside a task: CORIO_OK in
 * one, else CORIO_ENOTASK (a loop runs) or CORIO_ENOLOOP. Inline: every
 * waiting call begins with it. */
int corio__not_in_task(void);
static inline int corio__check_in_task(void) {
  return corio__current ? CORIO_OK : corio__not_in_task();
}

/* The task record's outcome message for `code` (its own text or the
 * status text). */
const char *corio__task_message(const corio_task_t *t);

/* ---- diagnostics (debug.c, task_report.c) ------------------------------ */

/* Debug mode (corio_set_debug, CORIO_DEBUG=1): read on every hot path,
 * hence a plain variable; its hooks are out of line. */
extern bool corio__debug_on;

/* Sends one report line (printf-style, no newline) where reports go:
 * corio_set_report_fn's function, or stderr. Lines longer than 1 KiB are
 * cut. */
void corio__report_line(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Debug mode's step timing (the slow-callback report): a task's step
 * begins when it is switched to and ends when it switches away; a
 * callback that runs no task step is timed by corio__debug_run_callback. */
void corio__debug_step_begin(corio_task_t *t);
void corio__debug_step_end(corio_task_t *t);
void corio__debug_run_callback(corio_callback_fn fn, void *data);
/* Prints the slow steps recorded so far (scheduler context only). */
void corio__debug_flush(void);
/* Debug mode: reports `fn` (a public function's name) called from a
 * thread that runs no loop while another thread runs one. For entry points
 * that must be called on the loop's thread. */
void corio__debug_check_thread(const char *fn);
/* Debug mode: reports `fn` called on an object of `loop` from a thread
 * whose running loop is not that one (a worker thread, say). Callers test
 * corio__debug_on first. */
void corio__debug_check_loop(const corio_loop_t *loop, const char *fn);
/* Reads CORIO_DEBUG from the host once (the first loop). */
void corio__debug_init(void);
/* A loop opens / closes (the thread check counts running loops). */
void corio__debug_loop_opened(void);
void corio__debug_loop_closed(void);

/* The unretrieved-error protocol (task_report.c): a task that ends with an
 * error is listed until its outcome is read; freed or left at the end of
 * corio_run before that, it is reported ("Task exception was never
 * retrieved", as asyncio's garbage collector does). */
void corio__report_task_finished(corio_task_t *t);
void corio__report_task_retrieved(const corio_task_t *t);
void corio__report_task_freed(corio_task_t *t);
void corio__report_run_end(corio_loop_t *loop);
/* A coroutine object destroyed before anyone awaited it (asyncio's
 * RuntimeWarning, always on): "coroutine 'NAME' was never awaited". For
 * the coroutine objects of issue 14 to call from their free; file may be
 * NULL. */
void corio__report_never_awaited(const char *name, const char *file, int line);
/* Tasks abandoned not done (a run stuck after a deadlock). */
void corio__report_abandoned(corio_loop_t *loop);
/* Called when a deadlock is found, before it is broken: records the
 * report corio_deadlock_report returns; prints it in debug mode. */
void corio__report_deadlock(corio_loop_t *loop);
/* Replaces the owned name in *slot by a copy of name (NULL: none).
 * CORIO_OK or CORIO_ENOMEM (then *slot is unchanged). */
int corio__set_name(char **slot, const char *name);
/* What the reports read of a lock (lock.c): its name, and the task that
 * holds it (NULL if free). The queue-kind of a wait says full or empty. */
const char *corio__lock_name(const corio_lock_t *l);
const corio_task_t *corio__lock_owner(const corio_lock_t *l);
/* The lock a condition waiter must take back (condition.c). */
corio_lock_t *corio__condition_lock(const corio_condition_t *c);
/* The loop a dump lists outside a running one (driver.c's hosted loop). */
corio_loop_t *corio__hosted_loop(void);

/* The coroutine exported under `name`, or NULL (export.c). */
corio_fn corio__export_find(const char *name);

/* Copies the distinct tasks of in[0..n) to out (room for n), first
 * occurrences in order, as asyncio's set(fs) treats a task once; returns
 * how many. out may be in (in place). Never waits. */
size_t corio__dedupe(corio_task_t *const *in, size_t n, corio_task_t **out);

/* ---- threads (threadsafe.c, executor.c) ------------------------------- */

/* From any thread: queues p for the loop and wakes it if it may sleep. */
void corio__loop_post(corio_loop_t *loop, corio__post_t *p);
/* On the loop's thread: schedules what other threads posted, in order.
 * Returns whether there was any. */
bool corio__loop_drain_inbox(corio_loop_t *loop);
/* Whether anything posted waits in the inbox (any thread). Inline: every
 * pass of the loop asks. */
static inline bool corio__loop_inbox_pending(corio_loop_t *loop) {
  return atomic_load_explicit(&loop->inbox, memory_order_relaxed) != NULL;
}
/* When the loop is freed, on its thread: drops what is still posted. */
void corio__loop_drop_inbox(corio_loop_t *loop);
/* At the end of a run: shuts the default executor down and runs the loop
 * until every thread job submitted from it has ended (their outcomes go to
 * their drop functions), so no worker posts into a freed loop. */
void corio__loop_finish_threads(corio_loop_t *loop);

/* A worker thread's message slot: where corio_fail and corio__set_error
 * write when called from a job running on this thread (no task here). */
typedef struct corio__thread_msg {
  char *msg; /* owned, NULL if none */
} corio__thread_msg_t;
extern _Thread_local corio__thread_msg_t *corio__thread_msg;

/* The value of a hex digit (either case), or -1. */
static inline int corio__hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Duplicates a string (NULL stays NULL). */
/* url_host.c: checks the host of a URL and puts it in the standard's
 * form (*host may be reallocated): an IPv6 address from inside brackets,
 * serialized; or a name, percent-decoded and lower-cased, which a
 * dotted-decimal string replaces when it is an IPv4 address in another
 * spelling. CORIO_EINVAL (or ENOMEM) with `why` (cap bytes) set. */
int corio__host_ipv6(char **host, char *why, size_t cap);
int corio__host_name(char **host, char *why, size_t cap);
/* url_target.c: the request target of a URL's tail (its path and query,
 * n bytes, the fragment cut off), as the standard serializes them: dot
 * segments resolved, bytes outside the percent-encode sets' allowance
 * encoded; "/" for none. malloc'd (the caller's), NULL without memory. */
char *corio__url_target(const char *tail, size_t n);

char *corio__strdup(const char *s);
/* The first n bytes of s, NUL-terminated, malloc'd; NULL without memory. */
char *corio__strndup(const char *s, size_t n);

#endif
