/*
 * gen.c — async generators: the body runs in a task of its own, started by
 * the first next(); a yield hands a value to the consumer waiting in next()
 * and suspends the body until the next next() or asend() (the yield
 * receives what asend() sent), aclose() (the yield returns
 * CORIO_ECLOSED, asyncio's GeneratorExit) or athrow(). Cancelling the
 * consumer while it waits passes the cancellation to the body, as asyncio,
 * where the generator runs inside the consumer's task, would deliver it.
 *
 * States: NEW --next--> RUNNING --yield--> SUSPENDED --next/close/throw-->
 * RUNNING --body returns--> DONE. Only one consumer call at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { GEN_NEW, GEN_RUNNING, GEN_SUSPENDED, GEN_DONE };

struct corio_gen {
  corio_aiter_t iter; /* first: corio_gen_iter() and the cast back */
  corio_gen_fn body;
  void *arg;
  corio_task_opts_t opts; /* name copied into `name` */
  char *name;
  corio_task_t *task;     /* the body's task, from the first next() */
  corio_task_t *consumer; /* the task waiting in next/aclose/athrow */
  int state;
  void *value;     /* the value of the last yield */
  void *sent;      /* what the consumer sent in (asend; NULL for next) */
  char *throw_msg; /* message for the error athrow() sends in */
  bool closing;    /* aclose() has sent CORIO_ECLOSED */
  /* A consumer's cancellation that reached the body before it started:
   * asyncio runs the body inside the consumer, so it hits the body's first
   * await, or stays the consumer's if the body yields first. */
  bool cancel_on_start;
  char *cancel_msg;
  bool holds_consumer_cancel;
  bool freed; /* corio_gen_free() ran before the body ended */
};

static int iter_next(corio_aiter_t *it, void **item) {
  return corio_gen_next((corio_gen_t *)it, item);
}

int corio_gen_new(corio_gen_t **out, corio_gen_fn body, void *arg,
                  const corio_task_opts_t *opts) {
  if (out) *out = NULL;
  if (out == NULL || body == NULL) return CORIO_EINVAL;
  corio_gen_t *g = calloc(1, sizeof *g);
  if (g == NULL) return CORIO_ENOMEM;
  g->iter.next = iter_next;
  g->body = body;
  g->arg = arg;
  if (opts) {
    g->opts = *opts;
    g->name = corio__strdup(opts->name);
    if (opts->name && g->name == NULL) {
      free(g);
      return CORIO_ENOMEM;
    }
    g->opts.name = g->name;
  }
  g->state = GEN_NEW;
  *out = g;
  return CORIO_OK;
}

corio_aiter_t *corio_gen_iter(corio_gen_t *g) { return &g->iter; }

static void on_body_done(corio_task_t *t, void *data);

static void destroy(corio_gen_t *g) {
  if (g->task) {
    /* Also takes back a call of on_body_done scheduled but not yet run. */
    corio_task_remove_done_callback(g->task, on_body_done, g);
    corio_task_release(g->task);
  }
  free(g->name);
  free(g->throw_msg);
  free(g->cancel_msg);
  free(g);
}

/* ---- the body's side --------------------------------------------------- */

static int body_entry(void *arg, intptr_t *result) {
  corio_gen_t *g = arg;
  (void)result;
  if (g->cancel_on_start) { /* delivered at the body's first await */
    g->cancel_on_start = false;
    g->holds_consumer_cancel = true;
    corio_task_cancel(corio__current, g->cancel_msg);
  }
  return g->body(g, g->arg);
}

/* The body's task ended: wake the consumer, or finish a deferred free. */
static void on_body_done(corio_task_t *t, void *data) {
  corio_gen_t *g = data;
  (void)t;
  g->state = GEN_DONE;
  if (g->freed) {
    destroy(g);
    return;
  }
  if (g->consumer) corio__task_wake(g->consumer, CORIO_OK);
}

int corio_gen_yield(corio_gen_t *g, void *value) {
  return corio_gen_yield_recv(g, value, NULL);
}

int corio_gen_yield_recv(corio_gen_t *g, void *value, void **sent) {
  if (sent) *sent = NULL;
  if (g == NULL) return CORIO_EINVAL;
  if (corio__current == NULL || corio__current != g->task)
    return corio_fail(CORIO_ERUNTIME,
                      "corio_gen_yield called outside the generator's body");
  if (g->closing)
    return corio_fail(CORIO_ERUNTIME,
                      "async generator ignored its closing (yielded again)");
  g->value = value;
  g->state = GEN_SUSPENDED;
  if (g->holds_consumer_cancel) {
    /* The body yielded before awaiting: the cancellation is the consumer's
     * again, to arrive after it has the value. */
    g->holds_consumer_cancel = false;
    corio_task_t *self = corio__current;
    if (self->must_cancel) {
      self->must_cancel = false;
      corio_task_uncancel(self);
      if (g->consumer) g->consumer->must_cancel = true;
    }
  }
  if (g->consumer) corio__task_wake(g->consumer, CORIO_OK);
  int rc = corio__task_wait(NULL, NULL);
  if (sent) *sent = g->sent;
  if (rc == CORIO_ECLOSED) return corio__set_error(rc, "generator closed");
  if (rc != CORIO_OK && rc != CORIO_ECANCELLED && g->throw_msg) {
    rc = corio__set_error(rc, g->throw_msg);
    free(g->throw_msg);
    g->throw_msg = NULL;
  }
  return rc;
}

/* ---- the consumer's side ----------------------------------------------- */

/* Cancelling the consumer while it waits in next(): the request goes to
 * the body, or, if the body has not started, waits for it to start. */
static bool forward_cancel(void *data, const char *msg) {
  corio_gen_t *g = data;
  if (!g->task->started) {
    free(g->cancel_msg);
    g->cancel_msg = corio__strdup(msg);
    g->cancel_on_start = true;
    return true;
  }
  return corio_task_cancel(g->task, msg);
}

static int start_body(corio_gen_t *g) {
  int rc = corio_task_create(&g->task, body_entry, g, &g->opts);
  if (rc == CORIO_OK)
    rc = corio_task_add_done_callback(g->task, on_body_done, g);
  if (rc != CORIO_OK) {
    if (g->task) corio_task_cancel(g->task, NULL);
    return corio__set_error(rc, NULL);
  }
  return CORIO_OK;
}

/* Resumes the body with `status` and the value `sent` its yield receives
 * (NEW: starts it) and waits until it
 * yields or ends. Returns CORIO_OK with the body suspended at a yield, or
 * the body's outcome: CORIO_END, its error, or CORIO_ECANCELLED. The body's
 * message is not copied: callers do so (pass_on_error) when they report
 * the error. */
static int resume(corio_gen_t *g, int status, void *sent) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (g->state == GEN_RUNNING)
    return corio_fail(CORIO_ERUNTIME, "async generator is already running");
  if (g->state == GEN_NEW) {
    rc = start_body(g);
    if (rc != CORIO_OK) return rc;
  } else {
    corio__task_wake(g->task, status);
  }
  g->sent = sent;
  g->state = GEN_RUNNING;
  g->consumer = corio__current;
  rc = corio__task_wait(forward_cancel, g);
  g->consumer = NULL;
  if (rc == CORIO_ECANCELLED && g->state == GEN_SUSPENDED) {
    /* The body yielded, then the consumer was cancelled before it ran:
     * asyncio hands the value over and the cancellation hits the consumer
     * at its next suspension. So does this: the value is not lost. */
    corio__current->must_cancel = true;
    return CORIO_OK;
  }
  if (rc != CORIO_OK) return rc; /* cancelled, the body still running */
  if (g->state == GEN_SUSPENDED) return CORIO_OK;
  intptr_t ignored;
  rc = corio_task_result(g->task, &ignored);
  return rc == CORIO_OK ? CORIO_END : rc;
}

/* The body's error becomes the caller's, message included. */
static int pass_on_error(corio_gen_t *g, int rc) {
  if (rc == CORIO_OK || rc == CORIO_END || g->task == NULL ||
      !corio_task_done(g->task) || corio_task_result(g->task, NULL) != rc)
    return rc;
  return corio__inherit_error(g->task);
}

int corio_gen_next(corio_gen_t *g, void **value) {
  return corio_gen_asend(g, NULL, value);
}

int corio_gen_asend(corio_gen_t *g, void *in, void **value) {
  if (g == NULL || value == NULL) return CORIO_EINVAL;
  *value = NULL;
  if (g->state == GEN_DONE) return CORIO_END;
  if (g->state == GEN_NEW && in != NULL)
    return corio_fail(CORIO_EINVAL, "can't send non-None value to a "
                                    "just-started async generator");
  int rc = resume(g, CORIO_OK, in);
  if (rc == CORIO_OK) *value = g->value;
  return pass_on_error(g, rc);
}

int corio_gen_athrow(corio_gen_t *g, int code, const char *message,
                     void **value) {
  if (g == NULL || code == CORIO_OK || code == CORIO_END) return CORIO_EINVAL;
  if (value) *value = NULL;
  if (g->state == GEN_DONE) return CORIO_END; /* asyncio: returns None */
  if (g->state == GEN_NEW) {
    /* asyncio: throwing into a generator not started raises the error at
     * once, without running the body, and finishes it. */
    g->state = GEN_DONE;
    return corio__set_error(code, message);
  }
  if (g->state != GEN_SUSPENDED)
    return corio_fail(CORIO_ERUNTIME, "async generator is already running");
  free(g->throw_msg);
  g->throw_msg = corio__strdup(message);
  int rc = resume(g, code, NULL);
  if (rc == CORIO_OK && value) *value = g->value;
  return pass_on_error(g, rc);
}

int corio_gen_aclose(corio_gen_t *g) {
  if (g == NULL) return CORIO_EINVAL;
  if (g->state == GEN_NEW || g->state == GEN_DONE) {
    g->state = GEN_DONE;
    return CORIO_OK;
  }
  g->closing = true;
  int rc = resume(g, CORIO_ECLOSED, NULL);
  /* A body that yields again gets ERUNTIME from that yield and usually
   * ends with it; closing ended normally if the body returned OK/END or
   * let CORIO_ECLOSED through. */
  if (rc == CORIO_END || rc == CORIO_ECLOSED) return CORIO_OK;
  return pass_on_error(g, rc);
}

void corio_gen_free(corio_gen_t *g) {
  if (g == NULL) return;
  if (g->state == GEN_SUSPENDED && corio__current != NULL) corio_gen_aclose(g);
  if (g->task == NULL || corio_task_done(g->task)) {
    destroy(g);
    return;
  }
  /* The body still runs (suspended, or freed outside a task): cancel it and
   * free the generator when its task ends. */
  g->freed = true;
  corio_task_cancel(g->task, NULL);
}
