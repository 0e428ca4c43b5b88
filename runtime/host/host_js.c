/*
 * host_js.c — the wasm host backend: the JS event loop is the reactor.
 * The core's one driver (runtime/core/driver.c) runs the loop in both of
 * its modes; this file only gives it the JS side:
 *   - blocking (corio_run from main or a ccall {async: true}): between
 *     slices the driver calls corio__host_wait, which suspends wasm once
 *     through Asyncify (corio_js_host_wait) until a timer, a JS completion
 *     or the next JS turn;
 *   - hosted (the npm module): JS starts exported coroutines
 *     (corio_export_run) and calls corio_export_tick from its own turns.
 * JS completions (corio_on_settle) only record the outcome and unpark the
 * task; they never start a second Asyncify suspension.
 * Names: corio_js_* are JS functions this file calls (imports from
 * runtime/host/library_host.js); corio_export_* / corio_on_* are the C
 * functions JS calls (commands / reports), exported here and only here.
 */
#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "host/net_host.h"
#include "host/process_host.h"

/* ---- imports from runtime/host/library_host.js
 * ---------------------------------- */

/* Suspends wasm until `ms` pass (< 0: until a completion; 0: one turn of
 * the JS loop) or a completion arrives. Listed in ASYNCIFY_IMPORTS. */
extern void corio_js_host_wait(double ms);
/* Starts globalThis[name](arg); settles op `id` through corio_on_settle. */
extern void corio_js_call(int id, const char *name, const char *arg);
/* Tells JS that task `task` (started by corio_export_run) ended. */
extern void corio_js_task_done(corio_task_t *task, int code, double value,
                               const char *message);
/* 1 if JS asks for debug mode (Module.corioDebug, or CORIO_DEBUG=1 in
 * Node's environment). */
extern int corio_js_debug_requested(void);
/* Plans the loop's next turn now: it ends a corio_js_host_wait or runs a
 * hosted loop's tick (the threaded build's waker, below). */
extern void corio_js_kick(void);
/* Keeps the JS process alive (1) or lets it end (0): corio__host_keep_alive. */
extern void corio_js_keep_alive(int held);
/* Save / restore Emscripten's runtime keepalive count around a run. */
extern void corio_js_loop_opened(void);
extern void corio_js_loop_closed(void);

double corio__host_now(void) { return emscripten_get_now() / 1000.0; }

/* How long ready work may run before JS gets a turn: long enough to
 * amortise the trip, short enough for a page to stay responsive. */
double corio__host_slice(void) { return 0.008; }

void corio__host_keep_alive(bool held) { corio_js_keep_alive(held); }

/* ---- pending JS operations --------------------------------------------- */

typedef struct js_op {
  int id;
  corio_task_t *task;
  int code;
  char *value; /* owned until handed to the caller */
  struct js_op *next;
} js_op_t;

static js_op_t *ops;
static int next_op_id = 1;
static size_t nops;

/* JS calls in flight, live connections and listeners (net_js.c), and
 * live processes and pipes (process_js.c). */
size_t corio__host_pending(void) {
  return nops + corio__net_pending() + corio__process_pending();
}

static void ops_remove(js_op_t *op) {
  for (js_op_t **p = &ops; *p; p = &(*p)->next)
    if (*p == op) {
      *p = op->next;
      nops--;
      return;
    }
}

/* Called by JS when op `id` settles: code 0 with `value` (malloc'd by JS,
 * ownership passes to C) or an error code with `value` as the message.
 * A settle for an op whose task was cancelled is dropped. */
EMSCRIPTEN_KEEPALIVE void corio_on_settle(int id, int code, char *value) {
  for (js_op_t *op = ops; op; op = op->next) {
    if (op->id != id) continue;
    ops_remove(op);
    op->code = code;
    op->value = value;
    corio__unpark(op->task, CORIO_OK);
    return;
  }
  free(value);
}

int corio_js_await(const char *name, const char *arg, char **out) {
  if (out) *out = NULL;
  int rc;
  corio_task_t *self = corio__park_self(&rc);
  if (self == NULL) return rc;
  if (name == NULL) return CORIO_EINVAL;
  /* On the heap, not in this frame: JS settles it while the task is parked
   * (backend.h, CORIO__FIBER_PARKS). Unlinked before corio__park returns in
   * every case. */
  js_op_t *op = malloc(sizeof *op);
  if (op == NULL) return CORIO_ENOMEM;
  *op = (js_op_t){next_op_id++, self, CORIO_OK, NULL, ops};
  ops = op;
  nops++;
  corio_js_call(op->id, name, arg ? arg : "");
  rc = corio__park();
  int code = op->code;
  char *value = op->value;
  if (rc != CORIO_OK)
    ops_remove(op); /* cancelled: JS's late settle is
                     * dropped */
  free(op);
  if (rc != CORIO_OK) {
    free(value);
    return rc;
  }
  if (code != CORIO_OK) {
    rc = corio_fail(code, "%s", value ? value : corio_strerror(code));
    free(value);
    return rc;
  }
  if (out)
    *out = value;
  else
    free(value);
  return CORIO_OK;
}

/* ---- blocking mode ----------------------------------------------------- */

/* The driver gives JS a turn (timeout 0) or sleeps until a timer or a
 * completion: either way wasm suspends once, here. */
void corio__host_wait(double timeout) {
  corio_js_host_wait(timeout < 0 ? -1 : timeout * 1000.0);
}

/* A runtime "keepalive" count above its start keeps exit() from reporting
 * the program's end (onExit). The fiber swap (library_fiber.js) leaves the
 * count as it found it once every fiber has resumed; a fiber the run left
 * parked would not, so when the loop closes the count is put back to what
 * it was when the loop opened. */
void corio__host_loop_opened(void) { corio_js_loop_opened(); }

/* A transport the program left open cannot outlive its run: it is
 * aborted and reported closed now (net_host.h). */
void corio__host_loop_closed(void) {
  corio__net_abort_all();
  corio__process_detach_all();
  corio_js_loop_closed();
}

const char *corio__host_backend_name(void) { return "js-event-loop"; }

int corio__host_debug_requested(void) { return corio_js_debug_requested(); }

/* ---- JS-driven mode ---------------------------------------------------- */

/* A code's text and name for the JS side (static strings). Exported from
 * this file, which every wasm build links, so a module whose build line
 * exports neither corio_strerror nor corio_err_name still names errors. */
EMSCRIPTEN_KEEPALIVE const char *corio_export_err_text(int code) {
  return corio_strerror(code);
}

EMSCRIPTEN_KEEPALIVE const char *corio_export_err_name(int code) {
  return corio_err_name(code);
}

EMSCRIPTEN_KEEPALIVE const char *corio_export_backend_name(void) {
  return corio_backend_name();
}

/* 1 if this build runs work on worker threads (threads_pthread.c), 0 if
 * to_thread and executors fail with CORIO_ENOTSUP (threads_none.c). */
EMSCRIPTEN_KEEPALIVE int corio_export_threads(void) {
  return corio__pool_default_workers() > 0;
}

/* The last deadlock report / a dump of the hosted loop's tasks, as
 * malloc'd strings the caller (JS) frees; NULL on ENOMEM. Called between
 * ticks, never from inside one. */
static char *take_text(size_t (*write)(char *, size_t)) {
  size_t n = write(NULL, 0) + 1;
  char *s = malloc(n);
  if (s) write(s, n);
  return s;
}

/* The line naming the task that overflowed its C stack of `stack_size`
 * bytes, for library_host.js's __handle_stack_overflow (a static buffer: it
 * is called once, on the way to abort); NULL outside a task. */
EMSCRIPTEN_KEEPALIVE const char *corio_export_overflow_line(size_t stack_size) {
  static char line[320];
  if (corio_current_task() == NULL) return NULL;
  corio__overflow_message(line, sizeof line, stack_size);
  return line;
}

/* Debug mode on (1) or off (0): the page's toggle (corio_set_debug). */
EMSCRIPTEN_KEEPALIVE void corio_export_set_debug(int on) {
  corio_set_debug(on != 0);
}

EMSCRIPTEN_KEEPALIVE char *corio_export_deadlock_report(void) {
  return take_text(corio_deadlock_report);
}

EMSCRIPTEN_KEEPALIVE char *corio_export_dump_tasks(void) {
  return take_text(corio_dump_tasks_str);
}

static void report_to_js(corio_task_t *t, int code, intptr_t value,
                         const char *message) {
  corio_js_task_done(t, code, (double)value, message);
}

/* Starts the exported coroutine `name` with `arg` on the hosted loop.
 * Returns the task (JS's id for it; its end is reported through
 * corio_js_task_done) or 0 with *code set. JS then calls corio_export_tick. */
EMSCRIPTEN_KEEPALIVE corio_task_t *corio_export_run(const char *name,
                                                    intptr_t arg, int *code) {
  corio_task_t *t;
  *code = corio__hosted_start(name, arg, report_to_js, &t);
  return t;
}

/* Cancels `task`, a run started by corio_export_run whose end JS has not
 * been told yet. Returns whether a cancellation was requested (false if
 * the task is done); JS then ticks the loop. Not while a tick runs. */
EMSCRIPTEN_KEEPALIVE int corio_export_cancel(corio_task_t *task) {
  return corio__hosted_cancel(task);
}

/* Runs ready work for one slice. Returns how many ms JS may wait before
 * the next tick (0: call again after one turn of the JS loop), or -1 when
 * only a completion can bring more work. */
EMSCRIPTEN_KEEPALIVE double corio_export_tick(void) {
  double timeout = corio__hosted_tick();
  return timeout < 0 ? -1 : timeout * 1000.0;
}

/* ---- the waker ---------------------------------------------------------- */

/* The waker holds nothing: the kick below reaches the one JS loop there is
 * (the main thread's), and without threads there is nobody to send one. */
struct corio__host_waker {
  int unused;
};

static corio__host_waker_t the_waker;

#ifdef __EMSCRIPTEN_PTHREADS__
#include <emscripten/threading.h>
#include <stdatomic.h>

/* The threaded build: a worker thread (a finished to_thread job,
 * call_soon_threadsafe) wakes the loop by queueing a kick to the main
 * runtime thread (Emscripten's queue of calls to it). The main thread runs
 * the queue from its JS loop, and also inside any blocking call it makes
 * (a futex wait: malloc's lock, the pool's), with the loop's wasm on the
 * stack. The kick only plans the loop's next turn, or, while wasm runs,
 * makes the next wait last one turn (library_host.js, Corio.kick): a
 * wake-up never runs with wasm on the stack, and none is lost. The loop,
 * like every Asyncify suspension, lives on the main runtime thread: a loop
 * opened on a worker thread gets no waker. */
int corio__host_waker_open(corio__host_waker_t **out) {
  *out = NULL;
  if (!emscripten_is_main_runtime_thread())
    return corio_fail(CORIO_ENOTSUP,
                      "a corio loop runs on the main thread of a wasm "
                      "program; worker threads run plain C");
  *out = &the_waker;
  return CORIO_OK;
}

/* At most one kick waits in the main thread's queue. That queue has a fixed
 * size, and a worker that finds it full waits for the main thread to drain
 * it: with a kick per signal, a thousand jobs ending at once would stop
 * their workers, and the loop waiting for them (corio__loop_post) would
 * never drain it. The flag is cleared before the kick plans the loop's
 * turn, so a signal after the clear queues a kick of its own, and what was
 * posted before it is seen by the turn planned here. Emscripten 3.1.6 drops
 * a queued call it has no memory for, without a word: the flag then stays
 * set, and the loop hears of its workers' posts only at its next timer or
 * event. */
static atomic_bool kick_queued;

/* Runs on the main thread from its queue of calls, which the threaded
 * builds leave uninstrumented by Asyncify (emscripten.mk,
 * ASYNCIFY_NEVER_SUSPEND_THREADS): it, and corio_js_kick, must never
 * suspend nor call what does. */
static void kick_loop(void) {
  atomic_exchange(&kick_queued, false); /* pairs with the signaller's */
  corio_js_kick();
}

void corio__host_waker_signal(corio__host_waker_t *w) {
  (void)w;
  if (emscripten_is_main_runtime_thread())
    corio_js_kick();
  else if (!atomic_exchange(&kick_queued, true))
    emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_V, kick_loop);
}
#else
/* Without threads nothing but the loop's own thread exists, and JS events
 * already end corio_js_host_wait: the waker has nothing to do. */
int corio__host_waker_open(corio__host_waker_t **out) {
  *out = &the_waker;
  return CORIO_OK;
}

void corio__host_waker_signal(corio__host_waker_t *w) { (void)w; }
#endif

void corio__host_waker_close(corio__host_waker_t *w) { (void)w; }
