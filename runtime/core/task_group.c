/*
 * task_group.c — asyncio.TaskGroup: children are created in the group and
 * all awaited at its exit; the first child that fails cancels the others and
 * the owning task's body, and the exit reports every failure together
 * (CORIO_EGROUP, the C form of an ExceptionGroup).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct group_error {
  corio_task_t *task; /* retained; NULL for the body's own error */
  int code;
  char *message; /* owned */
} group_error_t;

struct corio_task_group {
  corio_task_t *owner;     /* the task whose body the group is in */
  corio_task_t **children; /* retained, creation order */
  size_t nchildren, children_cap;
  size_t running; /* children not done */
  group_error_t *errors;
  size_t nerrors, errors_cap;
  bool exiting;                /* corio_task_group_wait has begun */
  bool aborting;               /* the children have been cancelled */
  bool owner_cancel_requested; /* the group cancelled its owner */
  bool waiting;                /* the owner sleeps in group_wait */
};

static void abort_children(corio_task_group_t *g) {
  g->aborting = true;
  for (size_t i = 0; i < g->nchildren; i++)
    if (!corio_task_done(g->children[i]))
      corio_task_cancel(g->children[i], NULL);
}

/* Room for every error the group can have, reserved ahead (the children
 * so far, one more, and the body's): a failure is recorded in a done
 * callback, where an allocation failure could be neither reported nor
 * survived. */
static int reserve_errors(corio_task_group_t *g, size_t n) {
  if (g->errors_cap >= n) return CORIO_OK;
  size_t cap = g->errors_cap ? g->errors_cap * 2 : 4;
  if (cap < n) cap = n;
  group_error_t *errors = realloc(g->errors, cap * sizeof *errors);
  if (errors == NULL) return CORIO_ENOMEM;
  g->errors = errors;
  g->errors_cap = cap;
  return CORIO_OK;
}

/* Never allocates but the message's copy (none without memory: the code's
 * text is shown instead). */
static void add_error(corio_task_group_t *g, corio_task_t *t, int code,
                      const char *message) {
  group_error_t *e = &g->errors[g->nerrors++];
  e->task = corio_task_retain(t);
  e->code = code;
  e->message = corio__strdup(message);
}

static void on_child_done(corio_task_t *child, void *data) {
  corio_task_group_t *g = data;
  g->running--;
  if (g->running == 0 && g->waiting) corio__task_wake(g->owner, CORIO_OK);
  if (corio_task_cancelled(child) || child->code == CORIO_OK) return;
  add_error(g, child, child->code, corio__task_message(child));
  if (!g->aborting && !g->owner_cancel_requested) {
    abort_children(g);
    g->owner_cancel_requested = true;
    corio_task_cancel(g->owner, NULL);
  }
}

int corio_task_group_new(corio_task_group_t **out) {
  if (out) *out = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (out == NULL) return CORIO_EINVAL;
  corio_task_group_t *g = calloc(1, sizeof *g);
  if (g == NULL) return CORIO_ENOMEM;
  if (reserve_errors(g, 1) != CORIO_OK) { /* the body's */
    free(g);
    return CORIO_ENOMEM;
  }
  g->owner = corio__current;
  *out = g;
  return CORIO_OK;
}

int corio_task_group_spawn(corio_task_group_t *g, corio_task_t **out,
                           corio_fn fn, void *arg,
                           const corio_task_opts_t *opts) {
  if (out) *out = NULL;
  if (g == NULL) return CORIO_EINVAL;
  if (g->aborting)
    return corio_fail(CORIO_ERUNTIME, "the task group is shutting down");
  if (g->exiting && g->running == 0)
    return corio_fail(CORIO_ERUNTIME, "the task group has finished");
  if (g->nchildren == g->children_cap) {
    size_t cap = g->children_cap ? g->children_cap * 2 : 8;
    corio_task_t **children = realloc(g->children, cap * sizeof *children);
    if (children == NULL) return CORIO_ENOMEM;
    g->children = children;
    g->children_cap = cap;
  }
  if (reserve_errors(g, g->nchildren + 2) != CORIO_OK) return CORIO_ENOMEM;
  corio_task_t *t;
  int rc = corio_task_create(&t, fn, arg, opts);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_add_done_callback(t, on_child_done, g);
  if (rc != CORIO_OK) {
    corio_task_cancel(t, NULL);
    corio_task_release(t);
    return rc;
  }
  g->children[g->nchildren++] = t;
  g->running++;
  if (out) *out = t;
  return CORIO_OK;
}

/* "Exceptions" of the group, as one message listing each failure. */
static int group_failure(corio_task_group_t *g) {
  char msg[512];
  size_t len =
      (size_t)snprintf(msg, sizeof msg, "%zu task(s) failed:", g->nerrors);
  for (size_t i = 0; i < g->nerrors && len < sizeof msg; i++) {
    group_error_t *e = &g->errors[i];
    len += (size_t)snprintf(msg + len, sizeof msg - len, "%s %s: %s (%s)",
                            i ? ";" : "",
                            e->task ? corio_task_name(e->task) : "body",
                            e->message ? e->message : corio_strerror(e->code),
                            corio_err_name(e->code));
  }
  return corio__set_error(CORIO_EGROUP, msg);
}

/* The exit, as Python 3.13's TaskGroup.__aexit__ (gh-116720): the owner's
 * cancellation caused by the group itself is taken back (uncancel) only
 * after every child is done, so a cancellation that arrives meanwhile is
 * counted; a cancellation from outside still pending when the group fails
 * is kept (re-requested) rather than lost under CORIO_EGROUP. */
int corio_task_group_wait(corio_task_group_t *g, int body_status) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (g == NULL || g->owner != corio__current) return CORIO_EINVAL;
  g->exiting = true;
  corio_task_t *self = corio__current;
  bool propagate_cancel = body_status == CORIO_ECANCELLED;
  if (body_status != CORIO_OK && !g->aborting) abort_children(g);
  /* The body's message, if the task's last message is about this code. */
  char *body_message = NULL;
  if (body_status != CORIO_OK && body_status != CORIO_ECANCELLED &&
      self->errmsg && self->errmsg_code == body_status)
    body_message = corio__strdup(self->errmsg);
  while (g->running > 0) {
    g->waiting = true;
    rc = corio__task_wait(CORIO__WAIT_TASKS, NULL, NULL, NULL, NULL);
    g->waiting = false;
    if (rc == CORIO_ECANCELLED && !g->aborting) {
      /* The owner is cancelled from outside while children run. */
      propagate_cancel = true;
      abort_children(g);
    }
  }
  /* The group's own request on its owner is acknowledged now; with no
   * other request left, the cancellation stops here. */
  if (g->owner_cancel_requested && corio_task_uncancel(self) == 0)
    propagate_cancel = false;
  if (propagate_cancel && g->nerrors == 0 &&
      (body_status == CORIO_OK || body_status == CORIO_ECANCELLED)) {
    free(body_message);
    return corio__set_error(CORIO_ECANCELLED, NULL);
  }
  if (body_status != CORIO_OK && body_status != CORIO_ECANCELLED)
    add_error(g, NULL, body_status, body_message);
  free(body_message);
  if (g->nerrors == 0) return CORIO_OK;
  /* Errors win over a cancellation from outside, which stays requested
   * (uncancel + cancel keeps the count): the owner gets it at its next
   * wait, as asyncio re-cancels its parent task. */
  if (corio_task_cancelling(self) > 0) {
    corio_task_uncancel(self);
    corio_task_cancel(self, NULL);
  }
  return group_failure(g);
}

size_t corio_task_group_error_count(const corio_task_group_t *g) {
  return g ? g->nerrors : 0;
}

int corio_task_group_error(const corio_task_group_t *g, size_t i,
                           corio_task_t **task, const char **message) {
  if (g == NULL || i >= g->nerrors) return CORIO_EINVAL;
  if (task) *task = g->errors[i].task;
  if (message)
    *message = g->errors[i].message ? g->errors[i].message
                                    : corio_strerror(g->errors[i].code);
  return g->errors[i].code;
}

void corio_task_group_free(corio_task_group_t *g) {
  if (g == NULL) return;
  for (size_t i = 0; i < g->nchildren; i++) {
    corio_task_remove_done_callback(g->children[i], on_child_done, g);
    corio_task_release(g->children[i]);
  }
  for (size_t i = 0; i < g->nerrors; i++) {
    corio_task_release(g->errors[i].task);
    free(g->errors[i].message);
  }
  free(g->children);
  free(g->errors);
  free(g);
}
