/*
 * debug.c — debug mode (asyncio's loop debug): the switch itself, the
 * slow-callback report (a task step or callback holding the loop longer
 * than slow_callback_duration), the wrong-thread check, where tasks are
 * created, and the stack-overflow line a fiber backend prints.
 * Everything here is off the hot paths: callers test corio__debug_on
 * first, and only then call in.
 */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

bool corio__debug_on;

/* ---- where reports go -------------------------------------------------- */

static corio_report_fn report_fn; /* NULL: stderr */
static void *report_data;

void corio_set_report_fn(corio_report_fn fn, void *data) {
  report_fn = fn;
  report_data = data;
}

void corio__report_line(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (report_fn) {
    report_fn(line, report_data);
    return;
  }
  fprintf(stderr, "%s\n", line);
  fflush(stderr);
}

/* asyncio's default slow_callback_duration. */
#define DEFAULT_SLOW_SECONDS 0.1

static double slow_seconds = DEFAULT_SLOW_SECONDS;
/* corio_set_debug was called: it wins over the environment. */
static bool debug_set_by_api;

void corio_set_debug(bool on) {
  corio__debug_on = on;
  debug_set_by_api = true;
}

bool corio_get_debug(void) { return corio__debug_on; }

void corio__debug_init(void) {
  static bool read;
  if (read) return;
  read = true;
  if (!debug_set_by_api && corio__host_debug_requested())
    corio__debug_on = true;
}

void corio_set_slow_callback_duration(double seconds) {
  if (!isnan(seconds) && seconds >= 0) slow_seconds = seconds;
}

double corio_get_slow_callback_duration(void) { return slow_seconds; }

/* ---- the wrong thread ---------------------------------------------------- */

/* Loops running in this process, on any thread. */
static atomic_int loops_running;

void corio__debug_loop_opened(void) { atomic_fetch_add(&loops_running, 1); }
void corio__debug_loop_closed(void) { atomic_fetch_sub(&loops_running, 1); }

void corio__debug_check_thread(const char *fn) {
  if (!corio__debug_on || corio__loop != NULL) return;
  if (atomic_load(&loops_running) == 0) return;
  corio__report_line(
      "corio: %s() was called from a thread that does not own the loop", fn);
}

void corio__debug_check_loop(const corio_loop_t *loop, const char *fn) {
  if (loop == NULL || loop == corio__loop) return;
  corio__report_line(
      "corio: %s() was called from a thread that does not own the loop", fn);
}

/* ---- slow steps and callbacks ------------------------------------------ */

/* The step being timed (this thread's loop): when it began, and how many
 * task steps have begun, so a callback that ran a task step (task_step
 * itself) is not reported a second time as a callback. */
static _Thread_local double step_began;
static _Thread_local unsigned long steps_begun;

void corio__debug_step_begin(corio_task_t *t) {
  (void)t;
  steps_begun++;
  step_began = corio__host_now();
}

/* What the step resumed from, in the report's words. */
static const char *resumed_from(const corio_task_t *t) {
  switch ((corio__wait_kind_t)t->resumed_from) {
  case CORIO__WAIT_SLEEP:
    return "a sleep";
  case CORIO__WAIT_LOCK:
    return "a lock";
  case CORIO__WAIT_EVENT:
    return "an event";
  case CORIO__WAIT_CONDITION:
    return "a condition";
  case CORIO__WAIT_SEMAPHORE:
    return "a semaphore";
  case CORIO__WAIT_QUEUE_GET:
    return "a queue get";
  case CORIO__WAIT_QUEUE_PUT:
    return "a queue put";
  case CORIO__WAIT_QUEUE_JOIN:
    return "a queue join";
  case CORIO__WAIT_BARRIER:
    return "a barrier";
  case CORIO__WAIT_TASK:
    return "awaiting a task";
  case CORIO__WAIT_TASKS:
    return "waiting for tasks";
  case CORIO__WAIT_HOST:
    return "a host operation";
  case CORIO__WAIT_STREAM:
    return "a stream read";
  case CORIO__WAIT_OTHER:
    break;
  }
  return t->started ? "a yield" : "its start";
}

/* Slow steps are found on the task-switch path, where they are only
 * recorded: nothing there does I/O or calls through a pointer, so to
 * Asyncify the switch path gains nothing that could suspend (which would
 * make every switch dearer). The scheduler prints them once the callback
 * that ran the steps returns (flush_slow_steps). */
#define PENDING_MAX 8

typedef struct slow_step {
  corio_task_t *task; /* retained until printed */
  double took;
  const char *from; /* what the step resumed from */
} slow_step_t;

static _Thread_local slow_step_t pending[PENDING_MAX];
static _Thread_local unsigned npending;
static _Thread_local unsigned long nlost; /* more than PENDING_MAX at once */

void corio__debug_step_end(corio_task_t *t) {
  double took = corio__host_now() - step_began;
  if (took < slow_seconds) return;
  if (npending == PENDING_MAX) {
    nlost++;
    return;
  }
  pending[npending++] =
      (slow_step_t){corio_task_retain(t), took, resumed_from(t)};
}

void corio__debug_flush(void) {
  for (unsigned i = 0; i < npending; i++) {
    corio_task_t *t = pending[i].task;
    char created[256] = "";
    if (t->diag.file)
      snprintf(created, sizeof created, "; created at %s:%d", t->diag.file,
               t->diag.line);
    corio__report_line("corio: Executing <task %s> took %.3f seconds "
                       "(resumed from %s%s)",
                       corio_task_name(t), pending[i].took, pending[i].from,
                       created);
    corio_task_release(t);
  }
  npending = 0;
  if (nlost) {
    corio__report_line("corio: %lu more slow steps were not reported", nlost);
    nlost = 0;
  }
}

void corio__debug_run_callback(corio_callback_fn fn, void *data) {
  unsigned long steps = steps_begun;
  double began = corio__host_now();
  fn(data);
  if (npending || nlost) corio__debug_flush();
  if (steps_begun != steps) return; /* a task step: timed as such */
  double took = corio__host_now() - began;
  if (took < slow_seconds) return;
  /* A callback has no name in C; its address is what a debugger takes. */
  corio__report_line("corio: Executing <Handle %p> took %.3f seconds",
                     (void *)(uintptr_t)fn, took);
}

/* ---- the stack-overflow line ------------------------------------------- */

/* Appends s to buf[*len..n-1] (always leaving room for the NUL). */
static void put(char *buf, size_t n, size_t *len, const char *s) {
  while (*s && *len + 1 < n) buf[(*len)++] = *s++;
}

static void put_number(char *buf, size_t n, size_t *len, uint64_t v) {
  char digits[24];
  int i = sizeof digits - 1;
  digits[i] = '\0';
  do {
    digits[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(buf, n, len, digits + i);
}

/* "corio: task NAME" for the task running now, made without allocating. */
static void put_task(char *buf, size_t n, size_t *len) {
  const corio_task_t *t = corio__current;
  put(buf, n, len, "corio: task ");
  if (t == NULL) {
    put(buf, n, len, "?");
  } else if (t->name) {
    put(buf, n, len, t->name);
  } else { /* the default name */
    put(buf, n, len, "Task-");
    put_number(buf, n, len, t->number);
  }
}

size_t corio__overflow_message(char *buf, size_t n, size_t stack_size) {
  size_t len = 0;
  if (n == 0) return 0;
  put_task(buf, n, &len);
  put(buf, n, &len, " overflowed its ");
  put_number(buf, n, &len, stack_size);
  put(buf, n, &len, "-byte stack\n");
  buf[len] = '\0';
  return len;
}

size_t corio__parked_write_message(char *buf, size_t n, size_t offset) {
  size_t len = 0;
  if (n == 0) return 0;
  put_task(buf, n, &len);
  put(buf, n, &len, ": its stack was written while it was parked, ");
  put_number(buf, n, &len, offset);
  put(buf, n, &len,
      " bytes below its top (something kept a pointer into a parked "
      "task's stack)\n");
  buf[len] = '\0';
  return len;
}
