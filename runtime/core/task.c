/*
 * task.c — the task: its life cycle, the wait/wake protocol every waiting
 * primitive uses, cancellation, done callbacks and references.
 *
 * State machine (one place for every transition):
 *   SCHEDULED --step--> RUNNING --corio__task_wait--> WAITING
 *   WAITING --corio__task_wake--> SCHEDULED
 *   RUNNING --coroutine returns--> DONE
 *   SCHEDULED (not started, cancel requested) --step--> DONE (cancelled)
 * A task's step begins in the scheduler's context, or in the task switching
 * away before it (which then runs what task_step would: begin the task,
 * end it) if that task runs on the shared stack: never on a stack of a
 * size a user chose (see task_entry, take_next_task).
 * Cancellation follows asyncio's Task.cancel(): a waiting task is woken with
 * CORIO_ECANCELLED (or the request goes to what it awaits, through its cancel
 * hook); a scheduled or running one gets it at its next resume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "list.h"

static void task_step(void *data);

/* ---- creation and references ------------------------------------------- */

/* The one implementation: the macro corio_task_create calls it with the
 * caller's file and line, so a task costs one call. */
int corio_task_create_at(corio_task_t **out, corio_fn fn, void *arg,
                         const corio_task_opts_t *opts, const char *file,
                         int line) {
  if (out) *out = NULL;
  corio_loop_t *loop = corio__loop;
  if (loop == NULL) {
    /* Off the success path: creating a task costs no thread check. */
    corio__debug_check_thread("corio_task_create");
    return CORIO_ENOLOOP;
  }
  if (fn == NULL || out == NULL) return CORIO_EINVAL;
  int rc = corio__lend_stack(arg, "corio_task_create");
  if (rc != CORIO_OK) return rc;
  corio_task_t *t = corio__task_record_new(loop);
  if (t == NULL) return CORIO_ENOMEM;
  if (opts && opts->name) {
    t->name = corio__strdup(opts->name);
    if (t->name == NULL) {
      corio__task_record_free(t);
      return CORIO_ENOMEM;
    }
  }
  if (opts) {
    t->stack_size = opts->stack_size;
    t->asyncify_size = opts->asyncify_size;
  }
  t->diag.file = file;
  t->diag.line = line;
  t->fn = fn;
  t->arg = arg;
  t->refs = 2; /* the caller's and the loop's (dropped when done) */
  t->number = ++loop->next_task_number;
  t->state = CORIO__TASK_SCHEDULED;
  CORIO__LIST_APPEND(loop->tasks_head, loop->tasks_tail, t);
  loop->ntasks++;
  corio__loop_call_soon(loop, &t->step, task_step, t);
  *out = t;
  return CORIO_OK;
}

int corio_task_create(corio_task_t **out, corio_fn fn, void *arg,
                      const corio_task_opts_t *opts) {
  return corio_task_create_at(out, fn, arg, opts, NULL, 0);
}

corio_task_t *corio_task_retain(corio_task_t *t) {
  if (t) t->refs++;
  return t;
}

/* Frees what t owns besides its record. Out of line, and called only when
 * t owns something (owns_anything): most tasks own nothing, and this is
 * every task's release. */
static __attribute__((noinline)) void free_owned(corio_task_t *t) {
  if (t->unretrieved) corio__report_task_freed(t);
  free(t->name);
  free(t->cancel_msg);
  free(t->error);
  free(t->errmsg);
  for (size_t i = 0; i < t->ncallbacks; i++) free(t->callbacks[i].call);
  if (t->callbacks != t->cb_inline) free(t->callbacks);
}

/* Whether free_owned has anything to do: the same fields, in one test. */
static inline bool owns_anything(const corio_task_t *t) {
  return t->unretrieved || t->name || t->cancel_msg || t->error || t->errmsg ||
         t->ncallbacks || t->callbacks != t->cb_inline;
}

void corio_task_release(corio_task_t *t) {
  if (t == NULL || --t->refs > 0) return;
  if (owns_anything(t)) free_owned(t);
  corio__task_record_free(t);
}

/* ---- names and status -------------------------------------------------- */

const char *corio_task_name(const corio_task_t *t) {
  if (t->name) return t->name;
  if (t->fn == NULL) return "Future";
  /* Default names are made on first use; the cast is the lazy cache. */
  corio_task_t *mt = (corio_task_t *)t;
  char buf[32];
  snprintf(buf, sizeof buf, "Task-%llu", (unsigned long long)t->number);
  mt->name = corio__strdup(buf);
  return mt->name ? mt->name : "Task-?";
}

int corio_task_set_name(corio_task_t *t, const char *name) {
  if (t == NULL || name == NULL) return CORIO_EINVAL;
  char *copy = corio__strdup(name);
  if (copy == NULL) return CORIO_ENOMEM;
  free(t->name);
  t->name = copy;
  return CORIO_OK;
}

bool corio_task_done(const corio_task_t *t) {
  return t->state == CORIO__TASK_DONE;
}

bool corio_task_cancelled(const corio_task_t *t) {
  return t->state == CORIO__TASK_DONE && t->code == CORIO_ECANCELLED;
}

int corio_task_result(const corio_task_t *t, intptr_t *result) {
  if (t == NULL) return CORIO_EINVAL;
  if (t->state != CORIO__TASK_DONE)
    return corio__set_error(CORIO_EINVALSTATE, "Result is not set.");
  if (t->unretrieved) corio__report_task_retrieved(t);
  if (t->code == CORIO_OK && result) *result = t->result;
  return t->code;
}

const char *corio__task_message(const corio_task_t *t) {
  if (t->error) return t->error;
  return corio_strerror(t->code);
}

const char *corio_task_error(const corio_task_t *t) {
  if (t->state != CORIO__TASK_DONE || t->code == CORIO_OK) return NULL;
  corio__report_task_retrieved(t);
  return corio__task_message(t);
}

corio_task_t *corio_current_task(void) { return corio__current; }

int corio_get_current_task(corio_task_t **out) {
  if (out == NULL) return CORIO_EINVAL;
  *out = corio__current;
  return corio__loop ? CORIO_OK : CORIO_ENOLOOP;
}

int corio_task_exception(const corio_task_t *t, const char **message) {
  if (message) *message = NULL;
  if (t == NULL) return CORIO_EINVAL;
  if (t->state != CORIO__TASK_DONE)
    return corio__set_error(CORIO_EINVALSTATE, "Exception is not set.");
  if (t->code != CORIO_OK && message) *message = corio__task_message(t);
  return t->code;
}

size_t corio_all_tasks(corio_task_t **out, size_t cap) {
  corio_loop_t *loop = corio__loop;
  if (loop == NULL) return 0;
  size_t i = 0;
  for (corio_task_t *t = loop->tasks_head; t; t = t->next, i++)
    if (i < cap) out[i] = t;
  return i;
}

size_t corio__dedupe(corio_task_t *const *in, size_t n, corio_task_t **out) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    corio_task_t *t = in[i];
    if (t->marked) continue;
    t->marked = true;
    out[k++] = t;
  }
  for (size_t i = 0; i < k; i++) out[i]->marked = false;
  return k;
}

/* ---- done callbacks ---------------------------------------------------- */

typedef corio__done_call_t done_call_t;

static void inflight_unlink(done_call_t *call) {
  corio_task_t *t = call->task;
  if (call->prev)
    call->prev->next = call->next;
  else
    t->inflight = call->next;
  if (call->next) call->next->prev = call->prev;
}

/* Frees a call that ran or was removed, and drops its task reference. */
static void release_call(done_call_t *call) {
  corio_task_t *t = call->task;
  if (call == &t->call_inline)
    t->call_inline_busy = false;
  else
    free(call);
  corio_task_release(t); /* may free t: last, and it holds the inline call */
}

static void run_done_call(void *data) {
  done_call_t *call = data;
  inflight_unlink(call);
  call->fn(call->task, call->data);
  release_call(call);
}

/* Each callback is its own call_soon, as in asyncio, with the task's
 * inline call if it is free, else `call` (owned; NULL: none here, and
 * one is allocated). CORIO_ENOMEM, and nothing scheduled, without one. */
static int schedule_done_call(corio_task_t *t, corio_done_fn fn, void *data,
                              done_call_t *call) {
  if (!t->call_inline_busy) {
    free(call);
    call = &t->call_inline;
    t->call_inline_busy = true;
  } else if (call == NULL && (call = malloc(sizeof *call)) == NULL) {
    return CORIO_ENOMEM;
  }
  call->task = corio_task_retain(t);
  call->fn = fn;
  call->data = data;
  call->prev = NULL;
  call->next = t->inflight;
  if (t->inflight) t->inflight->prev = call;
  t->inflight = call;
  corio__loop_call_soon(t->loop, &call->handle, run_done_call, call);
  return CORIO_OK;
}

int corio_task_add_done_callback(corio_task_t *t, corio_done_fn fn,
                                 void *data) {
  if (t == NULL || fn == NULL) return CORIO_EINVAL;
  if (corio__debug_on)
    corio__debug_check_loop(t->loop, "corio_task_add_done_callback");
  /* The callback may run while the caller is parked. */
  int lent = corio__lend_stack(data, "corio_task_add_done_callback");
  if (lent != CORIO_OK) return lent;
  if (t->state == CORIO__TASK_DONE)
    return schedule_done_call(t, fn, data, NULL);
  if (t->ncallbacks == t->callbacks_cap) {
    if (t->callbacks_cap > UINT32_MAX / 2) return CORIO_ENOMEM;
    uint32_t cap = t->callbacks_cap * 2;
    bool inline_now = t->callbacks == t->cb_inline;
    corio__done_cb_t *cbs =
        realloc(inline_now ? NULL : t->callbacks, (size_t)cap * sizeof *cbs);
    if (cbs == NULL) return CORIO_ENOMEM;
    if (inline_now) memcpy(cbs, t->cb_inline, sizeof t->cb_inline);
    t->callbacks = cbs;
    t->callbacks_cap = cap;
  }
  /* Completion schedules every callback but wake-ups, the first with the
   * inline call: each other one brings its own now, while an allocation
   * failure can still be this call's error. */
  done_call_t *call = NULL;
  if (fn != corio__wake_on_done && t->ncallbacks > 0 &&
      (call = malloc(sizeof *call)) == NULL)
    return CORIO_ENOMEM;
  t->callbacks[t->ncallbacks].fn = fn;
  t->callbacks[t->ncallbacks].data = data;
  t->callbacks[t->ncallbacks].call = call;
  t->ncallbacks++;
  return CORIO_OK;
}

size_t corio_task_remove_done_callback(corio_task_t *t, corio_done_fn fn,
                                       void *data) {
  size_t kept = 0, removed = 0;
  for (size_t i = 0; i < t->ncallbacks; i++) {
    if (t->callbacks[i].fn == fn && t->callbacks[i].data == data) {
      free(t->callbacks[i].call);
      removed++;
    } else
      t->callbacks[kept++] = t->callbacks[i];
  }
  t->ncallbacks = kept;
  for (done_call_t *call = t->inflight, *next; call; call = next) {
    next = call->next;
    if (call->fn != fn || call->data != data) continue;
    inflight_unlink(call);
    corio_handle_cancel(&call->handle);
    removed++;
    release_call(call); /* t stays: whoever calls this holds a reference */
  }
  return removed;
}

/* ---- completion -------------------------------------------------------- */

void corio__wake_on_done(corio_task_t *done, void *waiter) {
  (void)done;
  corio__task_wake(waiter, CORIO_OK);
}

void corio__complete(corio_task_t *t, int code) {
  t->state = CORIO__TASK_DONE;
  t->code = code;
  if (code != CORIO_OK && t->error == NULL) {
    t->result = 0;
    const char *msg = NULL;
    if (t->errmsg && t->errmsg_code == code)
      msg = t->errmsg; /* e.g. the cancellation the task passed on */
    else if (code == CORIO_ECANCELLED && t->cancel_msg)
      msg = t->cancel_msg;
    t->error = corio__strdup(msg ? msg : corio_strerror(code));
    corio__report_task_finished(t);
  }
  for (size_t i = 0; i < t->ncallbacks; i++) {
    corio__done_cb_t cb = t->callbacks[i];
    /* A waiting task's wake-up is itself the one scheduled step asyncio's
     * done callback (Task.__wakeup) is: so it is scheduled here, in its
     * place among the callbacks, not through a call that would wake it. */
    if (cb.fn == corio__wake_on_done)
      corio__task_wake(cb.data, CORIO_OK);
    else /* cannot fail: see corio_task_add_done_callback */
      schedule_done_call(t, cb.fn, cb.data, cb.call);
  }
  t->ncallbacks = 0;
}

/* The coroutine has returned `code` (or never ran, if cancelled first). */
static void task_finish(corio_task_t *t, int code) {
  corio_loop_t *loop = t->loop;
  CORIO__LIST_UNLINK(loop->tasks_head, loop->tasks_tail, t);
  loop->ntasks--;
  corio__complete(t, code);
  corio_task_release(t); /* the loop's reference */
}

/* ---- fibers ------------------------------------------------------------ */

int corio__lend_stack(const void *p, const char *call) {
  corio_task_t *self = corio__current;
  if (self == NULL || self->fiber == NULL ||
      !corio__fiber_holds(self->fiber, p) || corio__fiber_pin(self->fiber))
    return CORIO_OK;
  const char *name = corio_task_name(self);
  return corio_fail(CORIO_EINVAL,
                    "%s: the pointer is into the stack of task %s, which "
                    "shares its stack with other tasks while it is parked; "
                    "pass memory that is not on its stack, or give the task "
                    "a stack of its own (corio_task_opts_t.stack_size)",
                    call, name ? name : "?");
}

/* Gives t the stack f (NULL: none) with its canary: the two change only
 * together. */
static void set_fiber(corio_task_t *t, corio__fiber_t *f) {
  t->fiber = f;
  t->canary = f ? corio__fiber_canary(f) : NULL;
}

/* Whether the stack t runs on still has its canary (or has none: a guard
 * page stands in for it). Inline: it is on every switch's path. */
static inline bool stack_intact(const corio_task_t *t) {
  return t->canary == NULL || *t->canary == CORIO__STACK_CANARY;
}

static void overflow_abort(corio_task_t *t) {
  size_t async = corio__fiber_asyncify_size(t->fiber);
  char line[256];
  corio__overflow_message(line, sizeof line, corio__fiber_stack_size(t->fiber));
  fputs(line, stderr);
  if (async)
    fprintf(stderr,
            "corio: stack overflow: the task outgrew its C stack or its "
            "Asyncify buffer (%zu bytes); give it a larger "
            "corio_task_opts_t.stack_size or .asyncify_size\n",
            async);
  else
    fprintf(stderr, "corio: stack overflow: give the task a larger "
                    "corio_task_opts_t.stack_size\n");
  fflush(stderr);
  abort();
}

/* Moves the running task t from the stack it runs on to `to`, which becomes
 * its stack until the next such move: an async generator's body runs in its
 * consumer's task, on a stack of its own (gen.c). The stack left is checked
 * first, as at every switch; `finished`: it is never resumed, else it
 * stays in use (the task goes on, on `to`). */
void corio__task_switch_stack(corio_task_t *t, corio__fiber_t *to,
                              int finished) {
  corio__fiber_t *from = t->fiber;
  if (!stack_intact(t)) overflow_abort(t);
  set_fiber(t, to);
  corio__fiber_switch(from, to,
                      finished ? CORIO__FIBER_ENDS : CORIO__FIBER_STAYS);
}

static void reap_dead_fiber(corio_loop_t *loop);
static void finish(corio_task_t *t, int code);
static void leave_finished_task(corio_loop_t *loop, corio__fiber_t *from);

/* The first frame of every task. It never returns. Once the coroutine has
 * returned, a task on the shared stack is finished here, on that stack,
 * and switches away from it for good, to the next task of this pass or to
 * the scheduler; the fiber is given back later (reap_dead_fiber). A task
 * on a stack of its own (any size, however small: corio_task_opts_t) is
 * finished by the scheduler instead, as the finishing work (done
 * callbacks, an error report) needs stack the task's own may lack. */
static void task_entry(void *arg) {
  corio_task_t *t = arg;
  corio_loop_t *loop = t->loop;
  intptr_t result = 0;
  int code = t->fn(t->arg, &result);
  if (code == CORIO_END) code = CORIO_OK; /* END is not an error */
  t->result = code == CORIO_OK ? result : 0;
  if (corio__debug_on) corio__debug_step_end(t);
  if (!stack_intact(t)) overflow_abort(t);
  corio__fiber_t *f = t->fiber;
  if (!corio__fiber_shared(f)) {
    t->wake_status = code; /* for finish_returned */
    loop->returning = t;
    corio__fiber_switch(f, loop->main_fiber, CORIO__FIBER_ENDS);
    abort(); /* never resumed */
  }
  reap_dead_fiber(loop); /* another task's, not this one's */
  loop->dead_fiber = f;
  set_fiber(t, NULL);
  corio__current = NULL; /* as where the scheduler finishes a task */
  finish(t, code);       /* may free t */
  leave_finished_task(loop, f);
  /* Never resumed. */
  abort();
}

/* A task runs on the shared stack (backend.h, corio__fiber_new_shared)
 * unless it asked for sizes of its own, its loop was given default sizes,
 * or it is corio_run's main task, whose locals programs hand to the tasks
 * it starts. The loop's pool holds shared-stack fibers. */
static bool uses_shared_stack(const corio_task_t *t) {
  return t->stack_size == 0 && t->asyncify_size == 0 && !t->own_stack &&
         t->loop->default_stack_size == 0 &&
         t->loop->default_asyncify_size == 0;
}

static int acquire_fiber(corio_task_t *t) {
  corio_loop_t *loop = t->loop;
  corio__fiber_t *f;
  if (uses_shared_stack(t)) {
    if (loop->fiber_pool_len > 0) {
      f = loop->fiber_pool[--loop->fiber_pool_len];
    } else {
      int rc = corio__fiber_new_shared(&f);
      if (rc != CORIO_OK) return rc;
    }
  } else {
    size_t stack = t->stack_size ? t->stack_size : loop->default_stack_size;
    size_t async =
        t->asyncify_size ? t->asyncify_size : loop->default_asyncify_size;
    int rc = corio__fiber_new(&f, stack, async);
    if (rc != CORIO_OK) return rc;
  }
  set_fiber(t, f);
  corio__fiber_start(f, task_entry, t);
  return CORIO_OK;
}

#define CORIO__FIBER_POOL_MAX 256

/* Gives f back: to the loop's pool if it is a shared-stack fiber and the
 * pool has room, else to the backend. Not while anything runs on f. */
static void recycle_fiber(corio_loop_t *loop, corio__fiber_t *f) {
  if (corio__fiber_shared(f) && loop->fiber_pool_len < CORIO__FIBER_POOL_MAX) {
    if (loop->fiber_pool == NULL) {
      loop->fiber_pool =
          malloc(CORIO__FIBER_POOL_MAX * sizeof *loop->fiber_pool);
      if (loop->fiber_pool == NULL) {
        corio__fiber_free(f);
        return;
      }
    }
    loop->fiber_pool[loop->fiber_pool_len++] = f;
    return;
  }
  corio__fiber_free(f);
}

/* Out of line: reap_dead_fiber is on a switch's path, where more code is
 * more for Asyncify to instrument. */
__attribute__((noinline)) static void reap(corio_loop_t *loop) {
  corio__fiber_t *f = loop->dead_fiber;
  loop->dead_fiber = NULL;
  recycle_fiber(loop, f);
}

/* Gives back the fiber of the task that finished in place last
 * (task_entry), if it is still held: the scheduler does when a switch
 * returns to it, and the next task to finish in place does before its own
 * fiber is held instead (the loop's teardown too, should one be left). Not
 * where a parked task resumes: that is every switch's path. */
static inline void reap_dead_fiber(corio_loop_t *loop) {
  if (loop->dead_fiber != NULL) reap(loop);
}

void corio__task_reap_dead_fiber(corio_loop_t *loop) { reap_dead_fiber(loop); }

/* ---- stepping ---------------------------------------------------------- */

/* Ends t, whose coroutine returned `code`. Its fiber is no longer its. No
 * new pass begins inside tasks (corio__loop_take_next) until the scheduler
 * has run: it looks at what has ended between passes, so that a run ends
 * when its main task has, before a task it made but never awaited begins. */
static void finish(corio_task_t *t, int code) {
  /* asyncio: a task cancelled right before its coroutine returns a value
   * ends cancelled. */
  if (code == CORIO_OK && t->must_cancel) code = CORIO_ECANCELLED;
  t->loop->inline_passes_left = 0;
  task_finish(t, code); /* may free t */
}

/* The scheduler's side of task_entry for a task on a stack of its own,
 * once it has switched here for good. */
static void finish_returned(corio_loop_t *loop) {
  corio_task_t *t = loop->returning;
  loop->returning = NULL;
  corio__fiber_t *f = t->fiber;
  set_fiber(t, NULL);
  recycle_fiber(loop, f);
  finish(t, t->wake_status);
}

/* A task's first step: it gets its stack, or it ends, cancelled before it
 * began or with no stack to be had. False if it ended. Out of line: it is
 * on the path of every switch to the next task (take_next_task), where its
 * locals would be saved and restored by each Asyncify unwind and rewind. */
__attribute__((noinline)) static bool begin_task(corio_task_t *t) {
  if (t->must_cancel) {
    finish(t, CORIO_ECANCELLED);
    return false;
  }
  int rc = acquire_fiber(t);
  if (rc != CORIO_OK) {
    corio__task_set_error(t, rc, "could not allocate the task's stack");
    finish(t, rc);
    return false;
  }
  t->started = true;
  return true;
}

/* Runs the task until it, or a task it switched to directly, switches back
 * to the scheduler. Scheduler context only. */
static void task_step(void *data) {
  corio_task_t *t = data;
  corio_loop_t *loop = t->loop; /* t may be gone when the switch returns */
  if (!t->started && !begin_task(t)) return;
  t->state = CORIO__TASK_RUNNING;
  corio__current = t;
  if (corio__debug_on) corio__debug_step_begin(t);
  corio__fiber_switch(loop->main_fiber, t->fiber, CORIO__FIBER_STAYS);
  corio__current = NULL;
  reap_dead_fiber(loop);
  if (loop->returning) finish_returned(loop);
}

/* The next item of this pass, if it is a task's step: taken off the ready
 * queue, the task made current and RUNNING, so that the task switching
 * away switches straight to it (one fiber swap instead of two through the
 * scheduler). `may_begin_pass`: the item may begin the next pass
 * (corio__loop_take_next). A task that has not begun begins here, as in
 * task_step (its stack allocated, or its end), if the code runs on the
 * shared stack, whose size is known: `self`, the task switching away, runs
 * on it now (not, say, in an async generator's body, on the generator's
 * stack), or is NULL (a task finished in place, on it too); from a stack of
 * a size a user chose the scheduler begins it. NULL: the scheduler runs
 * next. */
static corio_task_t *take_next_task(corio_loop_t *loop, bool debug,
                                    bool may_begin_pass,
                                    const corio_task_t *self) {
  corio_task_t *next;
  do {
    corio_handle_t *head = loop->ready_head;
    if (head == NULL || head->fn != task_step) return NULL;
    next = head->data;
    if ((!next->started && self != NULL && !corio__fiber_shared(self->fiber)) ||
        !corio__loop_take_next(loop, task_step, may_begin_pass))
      return NULL;
  } while (!next->started && !begin_task(next));
  next->state = CORIO__TASK_RUNNING;
  corio__current = next;
  if (debug) corio__debug_step_begin(next);
  return next;
}

/* Switches away from the current task, which has already set its new
 * state: to the next task (of this pass, or of one it begins), or to the
 * scheduler. */
static void leave_task(corio_task_t *t) {
  corio_loop_t *loop = t->loop;
  bool debug = corio__debug_on; /* read once: this is every switch's path */
  if (debug) corio__debug_step_end(t);
  if (!stack_intact(t)) overflow_abort(t);
  corio_task_t *next = take_next_task(loop, debug, true, t);
  if (next == NULL)
    corio__fiber_switch(t->fiber, loop->main_fiber, CORIO__FIBER_PARKS);
  else if (next != t)
    corio__fiber_switch(t->fiber, next->fiber, CORIO__FIBER_PARKS);
  /* Resumed: whoever switched here made this task current and RUNNING. An
   * Asyncify buffer overrun during the switch needs no check here: Binaryen
   * traps on it when the unwind stops (runtime/host/library_host.js names it).
   */
}

/* Switches away for good from `from`, the shared-stack fiber of a task
 * that task_entry has just finished: to the next item of this pass, as the
 * scheduler would run it, but never to one of the next pass (see finish). */
static void leave_finished_task(corio_loop_t *loop, corio__fiber_t *from) {
  corio_task_t *next = take_next_task(loop, corio__debug_on, false, NULL);
  corio__fiber_switch(from, next ? next->fiber : loop->main_fiber,
                      CORIO__FIBER_ENDS);
}

/* ---- the wait/wake protocol -------------------------------------------- */

/* Consumes a pending cancellation: the wait returns ECANCELLED with the
 * cancel message as the task's message. */
static int deliver_cancel(corio_task_t *t) {
  t->must_cancel = false;
  return corio__set_error(CORIO_ECANCELLED, t->cancel_msg);
}

int corio__task_wait(corio__wait_kind_t kind, const void *obj, const char *name,
                     corio__cancel_hook_fn hook, void *hook_data) {
  corio_task_t *t = corio__current;
  if (corio__fiber_ready_to_park(t->fiber) != CORIO_OK)
    return corio__set_error(CORIO_ENOMEM, "no memory to park the task");
  t->diag.wait.kind = kind;
  t->diag.wait.obj = obj;
  t->diag.wait.name = name;
  if (corio__debug_on) t->diag.wait_since = corio__host_now();
  /* A cancel requested while it ran (e.g. by itself): as in asyncio's
   * __step, it goes to what the task now awaits if that takes it (then the
   * task waits for its outcome); else it reaches the task after one trip
   * through the loop, as asyncio's cancelled future does. */
  if (t->must_cancel) {
    if (hook == NULL || t->in_cancel || !hook(hook_data, t->cancel_msg))
      return corio__task_yield();
    t->must_cancel = false;
  }
  t->state = CORIO__TASK_WAITING;
  t->cancel_hook = hook;
  t->cancel_hook_data = hook_data;
  leave_task(t);
  /* Where the step resumed from is for debug mode's slow-step report only;
   * the wait record is cleared so that no stale one stays. */
  if (corio__debug_on) t->resumed_from = (uint8_t)t->diag.wait.kind;
  t->diag.wait.kind = CORIO__WAIT_OTHER;
  t->cancel_hook = NULL;
  if (t->must_cancel || t->wake_status == CORIO_ECANCELLED)
    return deliver_cancel(t);
  return t->wake_status;
}

int corio__task_yield(void) {
  corio_task_t *t = corio__current;
  if (corio__fiber_ready_to_park(t->fiber) != CORIO_OK)
    return corio__set_error(CORIO_ENOMEM, "no memory to park the task");
  t->state = CORIO__TASK_SCHEDULED;
  t->wake_status = CORIO_OK;
  if (corio__debug_on) t->resumed_from = CORIO__WAIT_OTHER;
  corio__loop_call_soon(t->loop, &t->step, task_step, t);
  leave_task(t);
  if (t->must_cancel) return deliver_cancel(t);
  return CORIO_OK;
}

bool corio__task_wake(corio_task_t *t, int status) {
  if (t->state != CORIO__TASK_WAITING) return false;
  t->state = CORIO__TASK_SCHEDULED;
  t->wake_status = status;
  t->cancel_hook = NULL;
  corio__loop_call_soon(t->loop, &t->step, task_step, t);
  return true;
}

/* ---- cancellation ------------------------------------------------------ */

bool corio_task_cancel(corio_task_t *t, const char *msg) {
  if (t == NULL || t->state == CORIO__TASK_DONE) return false;
  if (corio__debug_on) corio__debug_check_loop(t->loop, "corio_task_cancel");
  /* The latest request's message, or none (as asyncio keeps it). */
  char *copy = corio__strdup(msg); /* msg may be t's own message */
  free(t->cancel_msg);
  t->cancel_msg = copy;
  if (t->state == CORIO__TASK_PENDING) { /* a future: done at once */
    corio__complete(t, CORIO_ECANCELLED);
    return true;
  }
  t->cancel_requests++;
  if (t->state == CORIO__TASK_WAITING) {
    /* Tasks awaiting each other in a cycle would pass the request round
     * for ever: coming back to a task already passing it on, it wakes it. */
    if (t->cancel_hook && !t->in_cancel) {
      t->in_cancel = true;
      bool taken = t->cancel_hook(t->cancel_hook_data, msg);
      t->in_cancel = false;
      if (taken) return true;
    } else {
      corio__task_wake(t, CORIO_ECANCELLED);
      return true;
    }
  }
  /* Scheduled, running, or the hook's target was already done: deliver at
   * the next resume. */
  t->must_cancel = true;
  return true;
}

int corio_task_cancelling(const corio_task_t *t) { return t->cancel_requests; }

int corio_task_uncancel(corio_task_t *t) {
  if (t->cancel_requests > 0) t->cancel_requests--;
  if (t->cancel_requests == 0) t->must_cancel = false;
  return t->cancel_requests;
}
