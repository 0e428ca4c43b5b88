/*
 * gen.c — async generators, run as asyncio runs them: inside the task of
 * whoever advances them. The body has a stack of its own (a fiber, made at
 * the first next()), because a C body must stay suspended at a yield while
 * its consumer runs on; but it is no task: next() moves the calling task
 * onto the body's stack (corio__task_switch_stack) and a yield or the
 * body's return moves it back. So advancing a generator costs no loop
 * iteration, corio_current_task() in the body is the consumer, an await in
 * the body suspends the consumer's task, and a cancellation of the
 * consumer reaches the body at its await, all as in asyncio.
 *
 * States: NEW --next--> RUNNING --yield--> SUSPENDED --next/close/throw-->
 * RUNNING --body returns--> DONE. Only one consumer call at a time.
 * Invariant: while RUNNING, `runner` is the task on the body's stack and
 * `home` the stack it came from; at any other time nobody is on the body's
 * stack.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { GEN_NEW, GEN_RUNNING, GEN_SUSPENDED, GEN_DONE };

struct corio_gen {
  corio_aiter_t iter; /* first: corio_gen_iter() and the cast back */
  corio_gen_fn body;
  void *arg;
  size_t stack_size, asyncify_size; /* of the body's stack; 0: defaults */
  corio__fiber_t *fiber; /* the body's stack, from the first next() */
  corio_task_t *runner;  /* RUNNING: the task on the body's stack */
  corio__fiber_t *home;  /* RUNNING: the stack it came from */
  int state;
  void *value;       /* the value of the last yield */
  void *sent;        /* what the consumer sent in (asend; NULL for next) */
  int resume_status; /* what the pending yield returns: OK, ECLOSED, thrown */
  char *throw_msg;   /* message for the error athrow() sends in */
  bool closing;      /* aclose() has sent CORIO_ECLOSED */
  int outcome;       /* DONE: CORIO_END or the body's error */
  /* On its loop's list while started and not done (shutdown at run end). */
  corio_loop_t *loop;
  struct corio_gen *prev, *next;
};

static void gen_list_add(corio_gen_t *g, corio_loop_t *loop) {
  g->loop = loop;
  g->prev = NULL;
  g->next = loop->gens_head;
  if (g->next) g->next->prev = g;
  loop->gens_head = g;
}

static void gen_list_remove(corio_gen_t *g) {
  if (g->loop == NULL) return;
  if (g->prev)
    g->prev->next = g->next;
  else
    g->loop->gens_head = g->next;
  if (g->next) g->next->prev = g->prev;
  g->loop = NULL;
}

static int iter_next(corio_aiter_t *it, void **item) {
  return corio_gen_next((corio_gen_t *)it, item);
}

int corio_gen_new(corio_gen_t **out, corio_gen_fn body, void *arg,
                  const corio_task_opts_t *opts) {
  if (out) *out = NULL;
  if (out == NULL || body == NULL) return CORIO_EINVAL;
  /* Another task may consume it. */
  int rc = corio__lend_stack(arg, "corio_gen_new");
  if (rc != CORIO_OK) return rc;
  corio_gen_t *g = calloc(1, sizeof *g);
  if (g == NULL) return CORIO_ENOMEM;
  g->iter.next = iter_next;
  g->body = body;
  g->arg = arg;
  if (opts) {
    g->stack_size = opts->stack_size;
    g->asyncify_size = opts->asyncify_size;
  }
  g->state = GEN_NEW;
  *out = g;
  return CORIO_OK;
}

corio_aiter_t *corio_gen_iter(corio_gen_t *g) { return &g->iter; }

static void destroy(corio_gen_t *g) {
  /* Never while RUNNING: nobody is on the body's stack now. A body left
   * suspended (freed outside a task) loses its frames, as C has no
   * destructors to run. */
  gen_list_remove(g);
  if (g->fiber) corio__fiber_free(g->fiber);
  free(g->throw_msg);
  free(g);
}

/* ---- the body's side --------------------------------------------------- */

/* The body's first frame: runs it, then moves its runner back home for
 * good. */
static void body_entry(void *arg) {
  corio_gen_t *g = arg;
  int rc = g->body(g, g->arg);
  g->outcome = rc == CORIO_OK || rc == CORIO_END ? CORIO_END : rc;
  g->state = GEN_DONE;
  corio__task_switch_stack(g->runner, g->home, 1);
  abort(); /* never resumed */
}

int corio_gen_yield(corio_gen_t *g, void *value) {
  return corio_gen_yield_recv(g, value, NULL);
}

int corio_gen_yield_recv(corio_gen_t *g, void *value, void **sent) {
  if (sent) *sent = NULL;
  if (g == NULL) return CORIO_EINVAL;
  corio_task_t *t = corio__current;
  if (t == NULL || g->state != GEN_RUNNING || t != g->runner ||
      t->fiber != g->fiber)
    return corio_fail(CORIO_ERUNTIME,
                      "corio_gen_yield called outside the generator's body");
  if (g->closing)
    return corio_fail(CORIO_ERUNTIME,
                      "async generator ignored its closing (yielded again)");
  g->value = value;
  g->state = GEN_SUSPENDED;
  corio__task_switch_stack(t, g->home, 0);
  /* Resumed by resume(), perhaps by another task: runner and home are its. */
  if (sent) *sent = g->sent;
  int rc = g->resume_status;
  if (rc == CORIO_ECLOSED) return corio__set_error(rc, "generator closed");
  if (rc != CORIO_OK) {
    rc = corio__set_error(rc, g->throw_msg);
    free(g->throw_msg);
    g->throw_msg = NULL;
  }
  return rc;
}

/* ---- the consumer's side ----------------------------------------------- */

/* Runs the body, in the calling task, until it yields or returns; its
 * pending yield (if it started) returns `status` and receives `sent`.
 * Returns CORIO_OK with the body suspended at a yield, else the body's
 * outcome: CORIO_END, or its error, whose message the body set on this
 * same task. */
static int resume(corio_gen_t *g, int status, void *sent) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (g->state == GEN_RUNNING)
    return corio_fail(CORIO_ERUNTIME, "async generator is already running");
  corio_task_t *t = corio__current;
  /* The consumer's stack is left while the body runs, and may be moved if
   * the task parks in the body. Checked first: a failure changes nothing. */
  if (corio__fiber_ready_to_park(t->fiber) != CORIO_OK)
    return corio__set_error(CORIO_ENOMEM, "no memory to park the task");
  if (g->state == GEN_NEW) {
    corio_loop_t *loop = t->loop;
    rc = corio__fiber_new(
        &g->fiber, g->stack_size ? g->stack_size : loop->default_stack_size,
        g->asyncify_size ? g->asyncify_size : loop->default_asyncify_size);
    if (rc != CORIO_OK)
      return corio__set_error(rc, "could not allocate the generator's stack");
    corio__fiber_start(g->fiber, body_entry, g);
    gen_list_add(g, loop);
  }
  g->resume_status = status;
  g->sent = sent;
  g->state = GEN_RUNNING;
  g->runner = t;
  g->home = t->fiber;
  corio__task_switch_stack(t, g->fiber, 0);
  /* Home again: the body yielded or returned. */
  g->runner = NULL;
  g->home = NULL;
  if (g->state == GEN_SUSPENDED) return CORIO_OK;
  corio__fiber_free(g->fiber); /* its entry is over */
  g->fiber = NULL;
  gen_list_remove(g);
  return g->outcome;
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
  /* The body may use `in` after the task parks in it, when the consumer's
   * stack may have been moved. */
  int rc = corio__lend_stack(in, "corio_gen_asend");
  if (rc != CORIO_OK) return rc;
  rc = resume(g, CORIO_OK, in);
  if (rc == CORIO_OK) *value = g->value;
  return rc;
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
  return rc;
}

int corio_gen_aclose(corio_gen_t *g) {
  if (g == NULL) return CORIO_EINVAL;
  if (g->state == GEN_NEW || g->state == GEN_DONE) {
    g->state = GEN_DONE;
    return CORIO_OK;
  }
  if (g->state == GEN_RUNNING)
    return corio_fail(CORIO_ERUNTIME, "async generator is already running");
  g->closing = true;
  /* The body's "generator closed" is its own business: a successful close
   * leaves the caller's message as it was. */
  corio_task_t *t = corio__current;
  char *msg = t ? t->errmsg : NULL;
  int msg_code = t ? t->errmsg_code : 0;
  if (t) t->errmsg = NULL;
  int rc = resume(g, CORIO_ECLOSED, NULL);
  /* A body that yields again gets ERUNTIME from that yield and usually
   * ends with it; closing ended normally if the body returned OK/END or
   * let CORIO_ECLOSED through. */
  bool ok = rc == CORIO_END || rc == CORIO_ECLOSED;
  if (t && ok) {
    free(t->errmsg);
    t->errmsg = msg;
    t->errmsg_code = msg_code;
  } else {
    free(msg);
  }
  return ok ? CORIO_OK : rc;
}

int corio__gens_close_all(void *arg, intptr_t *result) {
  (void)arg, (void)result;
  corio_loop_t *loop = corio__current->loop;
  /* A close leaves its generator DONE and off the list; a body may close
   * others as it ends, so each round starts from the head again. */
  for (;;) {
    corio_gen_t *g = loop->gens_head;
    while (g && g->state != GEN_SUSPENDED) g = g->next;
    if (g == NULL) return CORIO_OK;
    corio_gen_aclose(g);
    if (g->state == GEN_SUSPENDED) return CORIO_OK; /* cannot happen */
  }
}

void corio__gens_detach(corio_loop_t *loop) {
  while (loop->gens_head) gen_list_remove(loop->gens_head);
}

void corio_gen_free(corio_gen_t *g) {
  if (g == NULL) return;
  /* Freed from inside its own body, or while another task is in it: the
   * contract forbids it; leaking beats freeing the stack in use. */
  if (g->state == GEN_RUNNING) return;
  if (g->state == GEN_SUSPENDED && corio__current != NULL) corio_gen_aclose(g);
  destroy(g);
}
