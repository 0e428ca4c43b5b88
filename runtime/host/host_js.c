/*
 * host_js.c — the wasm host backend: the JS event loop is the reactor.
 * Two ways to drive a loop, both over the same core:
 *   - blocking (corio_run from main or a ccall {async: true}): when idle the
 *     scheduler suspends wasm once through Asyncify (corio_js_host_wait)
 *     until a timer or a JS completion wakes it;
 *   - JS-driven (corio_export_run / corio_export_tick, used by the npm module): JS
 *     calls tick(), which runs ready tasks for one time slice and returns how
 *     long JS may wait before the next tick.
 * JS completions (corio_on_settle) only record the outcome and wake the
 * task; they never start a second Asyncify suspension.
 * The JS half is runtime/host/library_host.js.
 */
#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "host/net_host.h"

/* ---- imports from runtime/host/library_host.js ---------------------------------- */

/* Suspends wasm until `ms` pass (< 0: until a completion; 0: one turn of
 * the JS loop) or a completion arrives. Listed in ASYNCIFY_IMPORTS. */
extern void corio_js_host_wait(double ms);
/* Starts globalThis[name](arg); settles op `id` through corio_on_settle. */
extern void corio_js_call(int id, const char *name, const char *arg);
/* Tells JS that task `task` (started by corio_export_run) ended. */
extern void corio_js_task_done(corio_task_t *task, int code, double value,
                               const char *message);
/* Save / restore Emscripten's runtime keepalive count around a run. */
extern void corio_js_loop_opened(void);
extern void corio_js_loop_closed(void);

/* How long a batch of ready work may run before JS gets a turn: long
 * enough to amortise the trip, short enough for a page to stay responsive. */
#define SLICE_SECONDS 0.008

double corio__host_now(void) { return emscripten_get_now() / 1000.0; }

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

/* JS calls in flight, and live connections and listeners (net_js.c). */
size_t corio__host_pending(void) { return nops + corio__net_pending(); }

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
    corio__task_wake(op->task, CORIO_OK);
    return;
  }
  free(value);
}

int corio_js_await(const char *name, const char *arg, char **out) {
  if (out) *out = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (name == NULL) return CORIO_EINVAL;
  js_op_t op = {next_op_id++, corio__current, CORIO_OK, NULL, ops};
  ops = &op;
  nops++;
  corio_js_call(op.id, name, arg ? arg : "");
  rc = corio__task_wait(NULL, NULL);
  if (rc != CORIO_OK) { /* cancelled: JS's late settle is dropped */
    ops_remove(&op);
    free(op.value);
    return rc;
  }
  if (op.code != CORIO_OK) {
    rc = corio__set_error(op.code, op.value);
    free(op.value);
    return rc;
  }
  if (out)
    *out = op.value;
  else
    free(op.value);
  return CORIO_OK;
}

/* ---- blocking mode ----------------------------------------------------- */

static double last_yield;

void corio__host_wait(double timeout) {
  double now = corio__host_now();
  /* Ready work runs on in the same JS turn until the slice is used up. */
  if (timeout == 0 && now - last_yield < SLICE_SECONDS) return;
  corio_js_host_wait(timeout < 0 ? -1 : timeout * 1000.0);
  last_yield = corio__host_now();
  /* The next passes end with the slice too, however many tasks they hold. */
  if (corio__loop) corio__loop->pass_deadline = last_yield + SLICE_SECONDS;
}

/* Emscripten 3.1.6 counts one runtime "keepalive" per first entry into a
 * fiber and never releases it, so exit() would never report the program's
 * end (onExit). Every fiber of the run has ended when its loop closes, so
 * the count is put back to what it was when the loop opened. */
void corio__host_loop_opened(void) { corio_js_loop_opened(); }

/* A transport the program left open cannot outlive its run: it is
 * aborted and reported closed now (net_host.h). */
void corio__host_loop_closed(void) {
  corio__net_abort_all();
  corio_js_loop_closed();
}

const char *corio__host_backend_name(void) { return "js-event-loop"; }

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

static corio_loop_t *js_loop;

static void report_to_js(corio_task_t *t, void *data) {
  (void)data;
  intptr_t value = 0;
  int code = corio_task_result(t, &value);
  if (code == CORIO_ECANCELLED && t->loop->deadlocked) code = CORIO_EDEADLK;
  corio_js_task_done(t, code, (double)value,
                     code == CORIO_OK ? "" : corio_task_error(t));
  corio_task_release(t);
}

/* Starts the exported coroutine `name` with `arg` on the JS-driven loop.
 * Returns the task (JS's id for it; its end is reported through
 * corio_js_task_done) or 0 with *code set. JS then calls corio_export_tick. */
EMSCRIPTEN_KEEPALIVE corio_task_t *corio_export_run(const char *name, intptr_t arg,
                                                int *code) {
  corio_fn fn = corio__export_find(name);
  *code = CORIO_OK;
  if (fn == NULL) {
    *code = CORIO_ENOTFOUND;
    return NULL;
  }
  if (corio__loop != NULL) { /* called from inside a running loop */
    *code = CORIO_EINVALSTATE;
    return NULL;
  }
  if (js_loop == NULL && (*code = corio__loop_new(&js_loop, NULL)) != CORIO_OK)
    return NULL;
  corio__loop = js_loop;
  corio_task_t *t = NULL;
  *code = corio_task_create(&t, fn, (void *)arg, NULL);
  if (*code == CORIO_OK &&
      (*code = corio_task_add_done_callback(t, report_to_js, NULL)) != CORIO_OK) {
    corio_task_cancel(t, NULL);
    corio_task_release(t);
    t = NULL;
  }
  corio__loop = NULL;
  return t;
}

/* Cancels `task`, a run started by corio_export_run whose end JS has not been
 * told yet (the task is alive until then: report_to_js releases it after
 * telling JS). Returns whether a cancellation was requested (false if the
 * task is done); JS then ticks the loop. Not while a tick runs. */
EMSCRIPTEN_KEEPALIVE int corio_export_cancel(corio_task_t *task) {
  if (task == NULL || js_loop == NULL || corio__loop != NULL) return 0;
  corio__loop = js_loop;
  bool requested = corio_task_cancel(task, NULL);
  corio__loop = NULL;
  return requested;
}

/* Runs ready work for one time slice. Returns how many ms JS may wait
 * before the next tick (0: call again after one turn of the JS loop), or -1
 * when only a completion can bring more work. */
EMSCRIPTEN_KEEPALIVE double corio_export_tick(void) {
  if (js_loop == NULL || corio__loop != NULL) return -1;
  corio__loop = js_loop;
  double start = corio__host_now(), timeout;
  /* One pass may hold hundreds of tasks: it too ends with the slice. */
  js_loop->pass_deadline = start + SLICE_SECONDS;
  do {
    timeout = corio__loop_run_once(js_loop);
    /* Runs waiting on each other with nothing to wake them would leave
     * their Promises pending for ever: break the deadlock, as corio_run
     * does, and the runs end (rejected with CORIO_EDEADLK). */
    if (corio__loop_idle_forever(timeout) && js_loop->ntasks > 0 &&
        corio__loop_break_deadlock(js_loop))
      timeout = 0;
    /* Over once every task and its done callbacks (the reports) are. */
    if (js_loop->ntasks == 0 && js_loop->ready_len == 0)
      js_loop->deadlocked = false;
  } while (timeout == 0 && corio__host_now() - start < SLICE_SECONDS);
  corio__loop = NULL;
  return timeout < 0 ? -1 : timeout * 1000.0;
}
