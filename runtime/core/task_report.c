/*
 * task_report.c — what corio says about tasks: a failed task whose error
 * nobody read ("Task exception was never retrieved"), tasks abandoned not
 * done ("Task was destroyed but it is pending!"), the deadlock report (who
 * waits on what, who holds each lock, cycles), and the task dump. Every
 * line names tasks by their own names and says what they wait on from the
 * record each waiting primitive leaves in the task (corio__task_wait).
 * Owns the last deadlock report of this thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "list.h"

/* ---- a growing string -------------------------------------------------- */

typedef struct text {
  char *s;
  size_t len, cap;
  bool failed; /* out of memory: the text is cut short */
} text_t;

__attribute__((format(printf, 2, 3))) static void add(text_t *t,
                                                      const char *fmt, ...) {
  if (t->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->cap - t->len;
    int n = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < room) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? t->cap * 2 : 256;
    while (cap - t->len <= (size_t)n) cap *= 2;
    char *s = realloc(t->s, cap);
    if (s == NULL) {
      t->failed = true;
      return;
    }
    t->s = s;
    t->cap = cap;
  }
}

/* Copies text into buf as snprintf would; returns its full length. */
static size_t copy_out(const char *text, size_t len, char *buf, size_t n) {
  if (n > 0) {
    size_t k = len < n - 1 ? len : n - 1;
    if (k) memcpy(buf, text, k);
    buf[k] = '\0';
  }
  return len;
}

int corio__set_name(char **slot, const char *name) {
  char *copy = NULL;
  if (name && (copy = corio__strdup(name)) == NULL) return CORIO_ENOMEM;
  free(*slot);
  *slot = copy;
  return CORIO_OK;
}

/* ---- describing a task and its wait ------------------------------------ */

static void add_created(text_t *out, const corio_task_t *t) {
  if (t->diag.file) add(out, ", created at %s:%d", t->diag.file, t->diag.line);
}

static void add_named(text_t *out, const char *what, const char *name) {
  add(out, name ? "%s '%s'" : "%s", what, name);
}

/* "lock 'db' (held by task B)", "queue 'jobs' (full)", "task B", ... */
static void add_wait(text_t *out, const corio_task_t *t) {
  const corio__wait_rec_t *w = &t->diag.wait;
  switch (w->kind) {
  case CORIO__WAIT_LOCK: {
    const corio_task_t *owner = corio__lock_owner(w->obj);
    add_named(out, "lock", w->name);
    if (owner)
      add(out, " (held by task %s%s)", corio_task_name(owner),
          corio_task_done(owner) ? ", which has ended" : "");
    else
      add(out, " (free, handed to the next waiter)");
    return;
  }
  case CORIO__WAIT_CONDITION: {
    add_named(out, "condition", w->name);
    const corio_task_t *owner =
        corio__lock_owner(corio__condition_lock(w->obj));
    if (owner) add(out, " (its lock held by task %s)", corio_task_name(owner));
    return;
  }
  case CORIO__WAIT_EVENT:
    add_named(out, "event", w->name);
    return;
  case CORIO__WAIT_SEMAPHORE:
    add_named(out, "semaphore", w->name);
    return;
  case CORIO__WAIT_BARRIER:
    add_named(out, "barrier", w->name);
    return;
  case CORIO__WAIT_QUEUE_GET:
    add_named(out, "queue", w->name);
    add(out, " (empty: get)");
    return;
  case CORIO__WAIT_QUEUE_PUT:
    add_named(out, "queue", w->name);
    add(out, " (full: put)");
    return;
  case CORIO__WAIT_QUEUE_JOIN:
    add_named(out, "queue", w->name);
    add(out, " (join: items not marked done)");
    return;
  case CORIO__WAIT_TASK:
    add(out, "task %s", corio_task_name(w->obj));
    return;
  case CORIO__WAIT_TASKS:
    add(out, "tasks (gather, wait or a task group)");
    return;
  case CORIO__WAIT_SLEEP:
    add(out, "a sleep");
    return;
  case CORIO__WAIT_HOST:
    add(out, "a host operation (I/O, a JS promise)");
    return;
  case CORIO__WAIT_STREAM:
    add(out, "data on a stream");
    return;
  case CORIO__WAIT_OTHER:
    break;
  }
  add(out, "a wake-up (an async generator or the like)");
}

/* The task a waiting task waits for, if it waits for one task: the holder
 * of its lock, or the task it awaits. */
static const corio_task_t *waits_for_task(const corio_task_t *t) {
  if (t->state != CORIO__TASK_WAITING) return NULL;
  const corio__wait_rec_t *w = &t->diag.wait;
  if (w->kind == CORIO__WAIT_LOCK) return corio__lock_owner(w->obj);
  if (w->kind == CORIO__WAIT_TASK) return w->obj;
  return NULL;
}

static const char *state_name(const corio_task_t *t) {
  switch (t->state) {
  case CORIO__TASK_SCHEDULED:
    return "scheduled";
  case CORIO__TASK_RUNNING:
    return "running";
  case CORIO__TASK_WAITING:
    return "waiting";
  case CORIO__TASK_PENDING:
    return "pending (a future)";
  case CORIO__TASK_DONE:
    break;
  }
  return "done";
}

/* ---- errors nobody read -------------------------------------------------- */

void corio__report_task_finished(corio_task_t *t) {
  /* A cancellation is not an error to retrieve (asyncio logs none). */
  if (t->code == CORIO_OK || t->code == CORIO_ECANCELLED) return;
  corio_loop_t *loop = t->loop;
  t->unretrieved = true;
  t->diag.unretrieved_prev = loop->unretrieved_tail;
  t->diag.unretrieved_next = NULL;
  if (loop->unretrieved_tail)
    loop->unretrieved_tail->diag.unretrieved_next = t;
  else
    loop->unretrieved_head = t;
  loop->unretrieved_tail = t;
}

static void unretrieved_unlink(corio_task_t *t) {
  corio_loop_t *loop = t->loop;
  corio__task_diag_t *d = &t->diag;
  if (d->unretrieved_prev)
    d->unretrieved_prev->diag.unretrieved_next = d->unretrieved_next;
  else
    loop->unretrieved_head = d->unretrieved_next;
  if (d->unretrieved_next)
    d->unretrieved_next->diag.unretrieved_prev = d->unretrieved_prev;
  else
    loop->unretrieved_tail = d->unretrieved_prev;
  t->unretrieved = false;
}

void corio__report_task_retrieved(const corio_task_t *t) {
  /* Reading an outcome is what clears it: the cast is that bookkeeping. */
  corio_task_t *mt = (corio_task_t *)t;
  if (mt->unretrieved) unretrieved_unlink(mt);
}

static void report_unretrieved(corio_task_t *t) {
  unretrieved_unlink(t);
  text_t out = {0};
  add(&out,
      "corio: Task exception was never retrieved: task %s failed with %s "
      "(%s)",
      corio_task_name(t), corio_err_name(t->code), corio__task_message(t));
  add_created(&out, t);
  if (out.s) corio__report_line("%s", out.s);
  free(out.s);
}

void corio__report_task_freed(corio_task_t *t) {
  if (t->unretrieved) report_unretrieved(t);
}

void corio__report_run_end(corio_loop_t *loop) {
  corio__debug_flush();
  while (loop->unretrieved_head) report_unretrieved(loop->unretrieved_head);
}

void corio__report_never_awaited(const char *name, const char *file, int line) {
  if (file)
    corio__report_line("corio: coroutine '%s' was never awaited, created at "
                       "%s:%d",
                       name, file, line);
  else
    corio__report_line("corio: coroutine '%s' was never awaited", name);
}

void corio__report_abandoned(corio_loop_t *loop) {
  for (corio_task_t *t = loop->tasks_head; t; t = t->next) {
    text_t out = {0};
    add(&out, "corio: Task was destroyed but it is pending! task %s, %s",
        corio_task_name(t), state_name(t));
    if (t->state == CORIO__TASK_WAITING) {
      add(&out, " on ");
      add_wait(&out, t);
    }
    add_created(&out, t);
    if (out.s) corio__report_line("%s", out.s);
    free(out.s);
  }
}

/* ---- the deadlock report ----------------------------------------------- */

static _Thread_local char *last_deadlock;
static _Thread_local size_t last_deadlock_len;

/* One "cycle:" line per cycle among tasks waiting for one task each. Each
 * walk marks the tasks it passes with its own number: meeting its own mark
 * is a cycle, meeting an older walk's mark is a path already searched. */
static void add_cycles(text_t *out, corio_loop_t *loop) {
  static _Thread_local uint32_t walks;
  uint32_t first = walks + 1;
  for (corio_task_t *t = loop->tasks_head; t; t = t->next) {
    if (t->diag.visit >= first) continue; /* seen by this report */
    uint32_t walk = ++walks;
    corio_task_t *u = t;
    while (u && u->diag.visit < first) {
      u->diag.visit = walk;
      u = (corio_task_t *)waits_for_task(u);
    }
    if (u == NULL || u->diag.visit != walk) continue;
    add(out, "cycle: task %s", corio_task_name(u));
    for (corio_task_t *v = (corio_task_t *)waits_for_task(u);;
         v = (corio_task_t *)waits_for_task(v)) {
      add(out, " -> task %s", corio_task_name(v));
      if (v == u) break;
    }
    add(out, " (each waits for the next)\n");
  }
}

static void add_waiting_tasks(text_t *out, corio_loop_t *loop) {
  for (corio_task_t *t = loop->tasks_head; t; t = t->next) {
    if (t->state != CORIO__TASK_WAITING) continue;
    add(out, "task %s: waiting on ", corio_task_name(t));
    add_wait(out, t);
    add(out, "\n");
  }
}

void corio__report_deadlock(corio_loop_t *loop) {
  text_t out = {0};
  add_waiting_tasks(&out, loop);
  add_cycles(&out, loop);
  free(last_deadlock);
  last_deadlock = out.s;
  last_deadlock_len = out.s ? out.len : 0;
  if (!corio__debug_on || out.s == NULL) return;
  corio__report_line("corio: deadlock: every task waits and nothing can "
                     "wake one; the run ends with CORIO_EDEADLK");
  for (const char *line = out.s; *line;) {
    const char *end = strchr(line, '\n');
    corio__report_line("corio: %.*s", (int)(end - line), line);
    line = end + 1;
  }
}

size_t corio_deadlock_report(char *buf, size_t n) {
  return copy_out(last_deadlock ? last_deadlock : "", last_deadlock_len, buf,
                  n);
}

/* ---- the task dump ----------------------------------------------------- */

static void dump(text_t *out) {
  corio_loop_t *loop = corio__loop ? corio__loop : corio__hosted_loop();
  if (loop == NULL) return;
  double now = corio__host_now();
  for (corio_task_t *t = loop->tasks_head; t; t = t->next) {
    add(out, "task %s: %s", corio_task_name(t), state_name(t));
    if (t->state == CORIO__TASK_WAITING) {
      add(out, " on ");
      add_wait(out, t);
      /* The wait's start is read only in debug mode (a clock read). */
      if (corio__debug_on && t->diag.wait_since > 0)
        add(out, " for %.3f s", now - t->diag.wait_since);
    }
    add_created(out, t);
    add(out, "\n");
  }
}

void corio_dump_tasks(FILE *f) {
  text_t out = {0};
  dump(&out);
  if (out.s) fputs(out.s, f);
  free(out.s);
}

size_t corio_dump_tasks_str(char *buf, size_t n) {
  text_t out = {0};
  dump(&out);
  size_t len = copy_out(out.s ? out.s : "", out.s ? out.len : 0, buf, n);
  free(out.s);
  return len;
}
