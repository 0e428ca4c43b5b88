/*
 * driver.c — the one driver of the event loop. Every rule of running a
 * loop lives here: run passes for a slice until a deadline, find out
 * whether the loop is idle until a time, idle for ever (only the host can
 * wake it), deadlocked, or finished, break a deadlock, and read a run's
 * outcome (a task cancelled by a deadlock break ended with CORIO_EDEADLK).
 * Two modes share it:
 *   - blocking: corio_run() drives its own loop until main and every task
 *     left are done, sleeping in the host between slices;
 *   - hosted: a host with its own event loop (the JS one) starts exported
 *     coroutines on a loop that outlives them and calls corio__hosted_tick
 *     from its own turns (backend.h).
 * How long a slice may run is the host's to say (corio__host_slice).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ---- deadlocks ---------------------------------------------------------- */

bool corio__loop_idle_forever(double timeout) {
  corio_loop_t *loop = corio__loop;
  /* A job on a worker thread will post its end and wake the loop. */
  if (loop && (loop->thread_jobs > 0 || corio__loop_inbox_pending(loop)))
    return false;
  return timeout < 0 && corio__host_pending() == 0;
}

bool corio__loop_break_deadlock(corio_loop_t *loop) {
  if (loop->deadlocked) return false;
  corio__report_deadlock(loop); /* before the cancellations change it */
  loop->deadlocked = true;
  for (corio_task_t *t = loop->tasks_head; t; t = t->next)
    corio_task_cancel(t, corio_strerror(CORIO_EDEADLK));
  return true;
}

/* The outcome of a task that a run reports: its own, except that a task
 * cancelled when a deadlock was broken ended with CORIO_EDEADLK. The one
 * place where that mapping is made. */
static int run_outcome(const corio_task_t *t, intptr_t *value) {
  *value = 0;
  int code = corio_task_result(t, value);
  if (code == CORIO_ECANCELLED && t->loop->deadlocked) code = CORIO_EDEADLK;
  return code;
}

/* ---- slices ------------------------------------------------------------- */

typedef bool (*done_fn)(corio_loop_t *loop, const void *ctx);

/* How a slice ended. */
typedef enum slice_end {
  SLICE_DONE,  /* `done` holds */
  SLICE_IDLE,  /* the loop may sleep `timeout` (0: more is ready) */
  SLICE_STUCK, /* tasks are left that nothing can ever wake or end */
} slice_end_t;

/* Runs passes of `loop` for one slice of the host's (corio__host_slice):
 * until `done` (may be NULL) holds, the loop has to wait, or the slice is
 * used up (at least one pass runs; a slice of 0 is one pass, and reads no
 * clock). *timeout is then how long the loop may sleep: 0 more is ready,
 * > 0 seconds to the next timer, < 0 only the host can bring work. A loop
 * idle for ever with tasks left is deadlocked: it is broken once (every
 * task cancelled, so each one's cleanup runs); a second time it is stuck.
 * A pass ends at the slice's end too, however many tasks it holds (its rest
 * stays ready, in order). */
/* Inlined where it is called, so that `done` is a known function there:
 * this is every pass's path. */
static inline __attribute__((always_inline)) slice_end_t
run_slice(corio_loop_t *loop, done_fn done, const void *ctx, double *timeout) {
  double slice = corio__host_slice();
  double deadline = slice > 0 ? corio__host_now() + slice : 0;
  loop->pass_deadline = deadline;
  do {
    *timeout = corio__loop_run_once(loop);
    if (done && done(loop, ctx)) return SLICE_DONE;
    if (corio__loop_idle_forever(*timeout) && loop->ntasks > 0) {
      if (!corio__loop_break_deadlock(loop)) return SLICE_STUCK;
      *timeout = 0;
    }
  } while (*timeout == 0 && deadline > 0 && corio__host_now() < deadline);
  if (*timeout != 0) corio__task_cache_idle(loop); /* about to wait */
  return SLICE_IDLE;
}

/* ---- blocking mode: corio_run --------------------------------------- */

static bool main_done(corio_loop_t *loop, const void *main) {
  (void)loop;
  return corio_task_done(main);
}

static bool all_done(corio_loop_t *loop, const void *unused) {
  (void)unused;
  return loop->ntasks == 0 && loop->ready_len == 0;
}

/* A job on a worker thread that returns at once is back within a few
 * microseconds: the loop looks for it that long before it sleeps in the
 * host, which would cost a wake-up through the host's waker (a system call
 * each side and the scheduler's latency). True if something came in. */
#define THREAD_SPIN_SECONDS 20e-6

static bool await_thread_jobs(corio_loop_t *loop) {
  if (loop->thread_jobs == 0) return false;
  double until = corio__host_now() + THREAD_SPIN_SECONDS;
  do {
    if (corio__loop_inbox_pending(loop)) return true;
  } while (corio__host_now() < until);
  return false;
}

/* Runs slices until `done` holds (checked after every pass, so a timer
 * still pending then is not waited for), sleeping in the host between
 * them. False if the loop can never get there. */
static inline __attribute__((always_inline)) bool
run_until(corio_loop_t *loop, done_fn done, const void *ctx) {
  if (done(loop, ctx)) return true;
  for (;;) {
    double timeout;
    switch (run_slice(loop, done, ctx, &timeout)) {
    case SLICE_DONE:
      return true;
    case SLICE_STUCK:
      return false;
    case SLICE_IDLE:
      break;
    }
    /* Idle for ever with no task left cannot happen here: `done` would
     * hold. The host returns on its next I/O report or timer. */
    if (timeout != 0 && await_thread_jobs(loop)) continue;
    corio__host_wait(timeout);
  }
}

/* Runs main to its end, then does asyncio.run's shutdown: cancels what is
 * left and waits for it, then closes the async generators left suspended
 * (shutdown_asyncgens). False if tasks are left that can never finish
 * (they and the loop are then leaked, not freed under their feet). */
static bool drive(corio_loop_t *loop, const corio_task_t *main) {
  if (!run_until(loop, main_done, main)) return false;
  for (corio_task_t *t = loop->tasks_head; t; t = t->next)
    corio_task_cancel(t, NULL);
  if (!run_until(loop, all_done, NULL)) return false;
  corio_task_t *closer;
  if (loop->gens_head == NULL ||
      corio_task_create(&closer, corio__gens_close_all, NULL, NULL) != CORIO_OK)
    return true; /* none, or no memory: their owners free them */
  corio_task_release(closer);
  return run_until(loop, all_done, NULL);
}

static void report_stuck(corio_loop_t *loop) {
  corio__report_abandoned(loop);
  corio__report_line("corio: %zu task(s) ignored cancellation after a "
                     "deadlock and can never finish; they are abandoned",
                     loop->ntasks);
}

/* Fills *out from main, which may not have ended (a stuck run). */
static int main_outcome(const corio_task_t *main, corio_outcome_t *out) {
  intptr_t value = 0;
  /* A main that never ended was left waiting by a deadlock it ignored. */
  int rc = corio_task_done(main) ? run_outcome(main, &value) : CORIO_EDEADLK;
  if (out) {
    out->code = rc;
    out->value = rc == CORIO_OK ? value : 0;
    const char *msg = corio_task_done(main) ? corio_task_error(main) : NULL;
    if (rc != CORIO_OK)
      snprintf(out->message, sizeof out->message, "%s",
               msg ? msg : corio_strerror(rc));
  }
  return rc;
}

int corio_run_ex(corio_fn fn, void *arg, const corio_run_opts_t *opts,
                 corio_outcome_t *out) {
  if (out) memset(out, 0, sizeof *out);
  if (corio__loop != NULL) return CORIO_ERUNTIME; /* nested run */
  if (fn == NULL) return CORIO_EINVAL;
  corio_loop_t *loop;
  int rc = corio__loop_new(&loop, opts);
  if (rc != CORIO_OK) return rc;
  corio__loop = loop;
  corio__host_loop_opened();
  corio__debug_loop_opened();
  corio_task_t *main;
  rc = corio_task_create(&main, fn, arg, NULL);
  bool finished = true;
  if (rc == CORIO_OK) {
    main->own_stack = true; /* its locals are lent to the tasks it starts */
    finished = drive(loop, main);
    rc = main_outcome(main, out);
    if (finished) corio_task_release(main);
  }
  /* asyncio.run's shutdown_default_executor: no worker may post into the
   * freed loop. */
  if (finished) corio__loop_finish_threads(loop);
  corio__loop = NULL;
  corio__report_run_end(loop);
  corio__debug_loop_closed();
  if (finished)
    corio__loop_free(loop);
  else
    report_stuck(loop);
  corio__host_loop_closed();
  return rc;
}

int corio_run(corio_fn fn, void *arg, intptr_t *result) {
  corio_outcome_t out;
  int rc = corio_run_ex(fn, arg, NULL, &out);
  if (result) *result = out.value;
  return rc;
}

/* ---- hosted mode: the host's event loop drives ------------------------- */

/* The hosted loop of this thread: made by the first start, kept for the
 * thread's life (runs come and go; a module instance is one thread). */
static _Thread_local corio_loop_t *hosted_loop;
/* How its runs' ends are reported (one host, one report function). */
static _Thread_local corio__hosted_report_fn hosted_report;

corio_loop_t *corio__hosted_loop(void) { return hosted_loop; }

/* Runs `body` with the hosted loop as the running one; the host calls in
 * from its own turns, never from inside a running loop. */
#define WITH_HOSTED_LOOP(body)                                                 \
  do {                                                                         \
    corio__loop = hosted_loop;                                                 \
    body;                                                                      \
    corio__loop = NULL;                                                        \
  } while (0)

static void report_run(corio_task_t *t, void *data) {
  (void)data;
  intptr_t value;
  int code = run_outcome(t, &value);
  hosted_report(t, code, value, code == CORIO_OK ? "" : corio_task_error(t));
  corio_task_release(t);
}

int corio__hosted_start(const char *name, intptr_t arg,
                        corio__hosted_report_fn report, corio_task_t **out) {
  *out = NULL;
  corio_fn fn = corio__export_find(name);
  if (fn == NULL) return CORIO_ENOTFOUND;
  if (corio__loop != NULL) return CORIO_ERUNTIME; /* inside a running loop */
  int rc;
  if (hosted_loop == NULL &&
      (rc = corio__loop_new(&hosted_loop, NULL)) != CORIO_OK)
    return rc;
  hosted_report = report;
  corio_task_t *t = NULL;
  WITH_HOSTED_LOOP({
    rc = corio_task_create(&t, fn, (void *)arg, NULL);
    if (rc == CORIO_OK &&
        (rc = corio_task_add_done_callback(t, report_run, NULL)) != CORIO_OK) {
      corio_task_cancel(t, NULL);
      corio_task_release(t);
      t = NULL;
    }
  });
  *out = t;
  return rc;
}

bool corio__hosted_cancel(corio_task_t *task) {
  if (task == NULL || hosted_loop == NULL || corio__loop != NULL) return false;
  bool requested;
  WITH_HOSTED_LOOP(requested = corio_task_cancel(task, NULL));
  return requested;
}

double corio__hosted_tick(void) {
  if (hosted_loop == NULL || corio__loop != NULL) return -1;
  double timeout;
  WITH_HOSTED_LOOP({
    /* A stuck loop (a deadlock its tasks ignored) only waits: the host's
     * completions are all that could still move it. */
    if (run_slice(hosted_loop, NULL, NULL, &timeout) == SLICE_STUCK)
      timeout = -1;
    /* Over once every task and its done callbacks (the reports) are: the
     * next run starts with no deadlock behind it. */
    if (hosted_loop->ntasks == 0 && hosted_loop->ready_len == 0)
      hosted_loop->deadlocked = false;
  });
  return timeout;
}
