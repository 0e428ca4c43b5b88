/*
 * check_many.c — checking many URLs with memory proportional to the
 * concurrency, not to the list: a fixed set of slots, each checking one URL
 * in a task of its own (wait_for bounds it by the timeout); a URL is pulled
 * from the caller's iterator only when a slot is free, and each result is
 * handed on (on_result) as it ends, then forgotten. Sequential mode is one
 * slot (the guide's 21.6); concurrent mode the guide's 21.7 with the
 * semaphore replaced by the slots. checker_run, the list form, is the
 * iterator over an array, collecting the results.
 * The run and its slots are on the heap, not in the frames of the task
 * that drives them: the workers use them while that task is parked, and a
 * parked task's stack is left alone (corio.h, "Pointers into a task's
 * stack"), so none of these tasks pins its stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker_internal.h"

#define DEFAULT_CONCURRENCY 10

typedef struct run run_t;

/* What a check's own task is given. */
typedef struct check_arg {
  const char *url;
  const checker_opts_t *opts;
  checker_result_t *result;
} check_arg_t;

typedef struct slot {
  run_t *run;
  corio_task_t *task; /* the worker, NULL when the slot is free */
  char *url;          /* owned, from the iterator */
  checker_result_t result;
  check_arg_t check; /* the worker's check task's argument */
  bool finished;     /* the worker's result is complete */
} slot_t;

struct run {
  checker_next_fn next;
  void *next_data;
  checker_opts_t opts; /* defaults filled in */
  double t0;           /* loop time when the run began */
  size_t index;        /* URLs pulled so far */
  size_t ndone;        /* results handed on so far */
  slot_t *slots;
  size_t nslots;
  corio_event_t *changed;     /* set when a worker finishes */
  checker_origins_t *origins; /* with opts.per_origin, else NULL */
};

static double since_start(const run_t *run) { return corio_time() - run->t0; }

/* ---- one URL ------------------------------------------------------------ */

/* The check in a task of its own, so that wait_for can bound it. */
static int check_task(void *arg, intptr_t *result) {
  (void)result;
  check_arg_t *a = arg;
  return checker_check_url(a->url, a->opts, a->result);
}

/* Checks the slot's URL within the timeout; the outcome is its result. */
static void check_one(slot_t *s) {
  run_t *run = s->run;
  checker_result_t *r = &s->result;
  s->check = (check_arg_t){s->url, &run->opts, r};
  corio_task_t *t;
  corio_task_opts_t topts = {.name = s->url};
  int rc = corio_task_create(&t, check_task, &s->check, &topts);
  if (rc == CORIO_OK) {
    double timeout = run->opts.timeout > 0 ? run->opts.timeout : CORIO_FOREVER;
    rc = corio_wait_for(t, timeout, NULL);
    corio_task_release(t);
  }
  if (rc == CORIO_ETIMEDOUT) {
    char message[96];
    snprintf(message, sizeof message, "no answer within %g s",
             run->opts.timeout);
    checker__result_error(r, CORIO_ETIMEDOUT, message);
  } else if (rc == CORIO_ECANCELLED) {
    checker__result_error(r, CORIO_ECANCELLED, "cancelled");
  } else if (rc != CORIO_OK) {
    checker__result_error(r, rc, corio_errmsg());
  }
  r->ended = since_start(run);
}

/* Waits for a permit of the URL's origin (with a per-origin limit), then
 * checks: the timeout starts only once the permit is held. */
static int worker(void *arg, intptr_t *result) {
  (void)result;
  slot_t *s = arg;
  run_t *run = s->run;
  checker_origin_t *origin = NULL;
  char *target = run->origins ? checker_target_url(s->url) : NULL;
  int rc = run->origins == NULL ? CORIO_OK
           : target == NULL
               ? CORIO_ENOMEM
               : checker__origin_acquire(run->origins, target, &origin);
  free(target);
  if (rc == CORIO_OK) {
    /* The check begins now: waiting for its origin was not checking. */
    if (run->origins) s->result.started = since_start(run);
    check_one(s);
    checker__origin_release(run->origins, origin);
  } else {
    s->result.ended = since_start(run);
    checker__result_error(&s->result, rc,
                          rc == CORIO_ECANCELLED
                              ? "cancelled before its check began"
                              : "out of memory for the origin's limit");
  }
  s->finished = true;
  return CORIO_OK;
}

/* A worker ended, whether it ran or not (a task whose first step found no
 * memory for its stack ends without running): the run looks again. */
static void on_worker_done(corio_task_t *t, void *data) {
  (void)t;
  corio_event_set(((run_t *)data)->changed);
}

/* ---- the slots ---------------------------------------------------------- */

/* Hands the result on, then forgets it and the URL. */
static void deliver(run_t *run, checker_result_t *r, char *url) {
  if (run->opts.on_result) run->opts.on_result(r, run->opts.data);
  run->ndone++;
  if (run->opts.on_progress)
    run->opts.on_progress(run->ndone, run->index, run->opts.data);
  checker_result_clear(r);
  free(url);
}

/* A result made without a check (invalid URL, no memory, cancelled before
 * it began), handed on at once. */
static void deliver_error(run_t *run, checker_result_t *r, char *url, int code,
                          const char *message) {
  r->ended = since_start(run);
  r->first_byte = r->retry_after = r->dns = r->connect = r->tls = -1;
  checker__result_error(r, code, message);
  deliver(run, r, url);
}

/* Starts the check of `url` (owned) as URL `index` in the free slot s. */
static void start(run_t *run, slot_t *s, char *url, size_t index) {
  memset(&s->result, 0, sizeof s->result);
  s->result.index = index;
  s->result.url = url;
  s->result.started = since_start(run);
  if (run->opts.on_start) run->opts.on_start(index, url, run->opts.data);
  char *host, *path, *target = checker_target_url(url);
  int port;
  bool tls;
  int rc = target ? corio_url_parse(target, &host, &port, &tls, &path)
                  : CORIO_ENOMEM;
  free(target);
  if (rc != CORIO_OK) { /* invalid: no connection, no slot */
    deliver_error(run, &s->result, url, rc,
                  rc == CORIO_ENOMEM ? "out of memory" : corio_errmsg());
    return;
  }
  free(host);
  free(path);
  s->url = url;
  s->finished = false;
  corio_task_opts_t topts = {.name = "checker slot"};
  rc = corio_task_create(&s->task, worker, s, &topts);
  if (rc == CORIO_OK) {
    rc = corio_task_add_done_callback(s->task, on_worker_done, run);
    if (rc != CORIO_OK) { /* not started yet: it never runs */
      corio_task_cancel(s->task, NULL);
      corio_task_release(s->task);
    }
  }
  if (rc != CORIO_OK) {
    s->task = NULL;
    s->url = NULL;
    deliver_error(run, &s->result, url, rc, "could not start the check");
  }
}

/* Hands on the results of the slots whose worker ended; returns how many
 * slots are busy after. */
static size_t reap(run_t *run) {
  size_t busy = 0;
  for (size_t i = 0; i < run->nslots; i++) {
    slot_t *s = &run->slots[i];
    if (s->task == NULL) continue;
    if (!corio_task_done(s->task)) {
      busy++;
      continue;
    }
    if (!s->finished) { /* it never ran: cancelled, or no memory */
      bool cancelled = corio_task_cancelled(s->task);
      checker__result_error(&s->result,
                            cancelled ? CORIO_ECANCELLED
                                      : corio_task_exception(s->task, NULL),
                            cancelled ? "cancelled before its check began"
                                      : corio_task_error(s->task));
    }
    /* Its call may still be scheduled: it must not run after the run
     * (and its event, on the caller's stack) is gone. */
    corio_task_remove_done_callback(s->task, on_worker_done, run);
    corio_task_release(s->task);
    s->task = NULL;
    char *url = s->url;
    s->url = NULL;
    if (!s->finished) s->result.ended = since_start(run);
    deliver(run, &s->result, url);
  }
  return busy;
}

static slot_t *free_slot(run_t *run) {
  for (size_t i = 0; i < run->nslots; i++)
    if (run->slots[i].task == NULL) return &run->slots[i];
  return NULL;
}

static void cancel_all(run_t *run) {
  for (size_t i = 0; i < run->nslots; i++)
    if (run->slots[i].task) corio_task_cancel(run->slots[i].task, NULL);
}

/* Waits until a worker finished. Without an event (no memory), polls. */
static int wait_change(run_t *run) {
  corio_event_clear(run->changed);
  return corio_event_wait(run->changed);
}

int checker_run_iter(checker_next_fn next, void *next_data,
                     const checker_opts_t *opts) {
  if (next == NULL)
    return corio_fail(CORIO_EINVAL, "checker_run_iter: no iterator");
  if (opts && !(opts->timeout >= 0)) /* negative or NaN */
    return corio_fail(CORIO_EINVAL, "a check's timeout must be >= 0 "
                                    "(0 or CORIO_FOREVER: none)");
  if (corio_current_task() == NULL)
    return corio_running_loop() ? CORIO_ENOTASK : CORIO_ENOLOOP;
  run_t *run = calloc(1, sizeof *run);
  if (run == NULL)
    return corio_fail(CORIO_ENOMEM, "out of memory for the check run");
  *run = (run_t){.next = next, .next_data = next_data, .t0 = corio_time()};
  if (opts) run->opts = *opts;
  if (run->opts.concurrency == 0) run->opts.concurrency = DEFAULT_CONCURRENCY;
  run->nslots = run->opts.sequential ? 1 : run->opts.concurrency;
  run->slots = calloc(run->nslots, sizeof *run->slots);
  if (run->slots == NULL || corio_event_new(&run->changed) != CORIO_OK ||
      (run->opts.per_origin > 0 &&
       checker__origins_new(run->opts.per_origin, &run->origins) != CORIO_OK)) {
    corio_event_free(run->changed);
    free(run->slots);
    free(run);
    return corio_fail(CORIO_ENOMEM, "out of memory for the check run");
  }
  for (size_t i = 0; i < run->nslots; i++) run->slots[i].run = run;
  bool cancelled = false, ended = false;
  size_t busy = 0, since_yield = 0;
  for (;;) {
    slot_t *s;
    while (!cancelled && !ended && (s = free_slot(run)) != NULL) {
      char *url = NULL;
      int rc = run->next(run->next_data, &url);
      if (rc == CORIO_END) {
        ended = true;
        break;
      }
      size_t index = run->index++;
      if (rc != CORIO_OK) { /* the iterator failed for this item */
        checker_result_t r = {.index = index};
        r.started = since_start(run);
        deliver_error(run, &r, url, rc, corio_errmsg());
        continue;
      }
      start(run, s, url, index);
      if (s->task) {
        busy++;
      } else if (++since_yield >= 64) { /* many invalid URLs in a row */
        since_yield = 0;
        if (corio_sleep(0) == CORIO_ECANCELLED) cancelled = true;
      }
    }
    if (busy == 0 && (ended || cancelled)) break;
    if (busy > 0 && wait_change(run) == CORIO_ECANCELLED && !cancelled) {
      cancelled = true;
      cancel_all(run);
    }
    busy = reap(run);
  }
  corio_event_free(run->changed);
  checker__origins_free(run->origins);
  free(run->slots);
  free(run);
  if (cancelled)
    return corio_fail(CORIO_ECANCELLED, "the check run was cancelled");
  return CORIO_OK;
}

/* ---- the list form ------------------------------------------------------ */

typedef struct list_run {
  const char *const *urls;
  size_t n, next;
  checker_result_t *results;
  checker_opts_t caller;
} list_run_t;

static int list_next(void *data, char **url) {
  list_run_t *l = data;
  if (l->next == l->n) return CORIO_END;
  const char *u = l->urls[l->next++];
  *url = strdup(u ? u : "");
  return *url ? CORIO_OK : corio_fail(CORIO_ENOMEM, "out of memory");
}

static void list_start(size_t index, const char *url, void *data) {
  list_run_t *l = data;
  (void)url;
  if (l->caller.on_start)
    l->caller.on_start(index, l->urls[index], l->caller.data);
}

/* Keeps the result (moving its owned strings) and passes it on. */
static void list_result(const checker_result_t *r, void *data) {
  list_run_t *l = data;
  checker_result_t *kept = &l->results[r->index];
  *kept = *r;
  kept->url = l->urls[r->index];
  checker_result_t *moved = (checker_result_t *)r;
  moved->hops = NULL;
  moved->nhops = 0;
  moved->checked_url = NULL;
  if (l->caller.on_result) l->caller.on_result(kept, l->caller.data);
}

static void list_progress(size_t done, size_t total, void *data) {
  list_run_t *l = data;
  (void)total;
  if (l->caller.on_progress) l->caller.on_progress(done, l->n, l->caller.data);
}

int checker_run(const char *const *urls, size_t n, const checker_opts_t *opts,
                checker_result_t **out) {
  if (out) *out = NULL;
  if (out == NULL || (urls == NULL && n > 0))
    return corio_fail(CORIO_EINVAL, "checker_run: no URL list or no output");
  /* The options and the caller are checked by checker_run_iter, before it
   * checks anything; the array is freed again if it refuses. */
  list_run_t l = {.urls = urls, .n = n};
  if (opts) l.caller = *opts;
  l.results = calloc(n ? n : 1, sizeof *l.results);
  if (l.results == NULL) return corio_fail(CORIO_ENOMEM, "out of memory");
  checker_opts_t mine = l.caller;
  mine.on_start = list_start;
  mine.on_result = list_result;
  mine.on_progress = list_progress;
  mine.data = &l;
  int rc = checker_run_iter(list_next, &l, &mine);
  if (rc != CORIO_OK && rc != CORIO_ECANCELLED) {
    checker_results_free(l.results, n);
    return rc;
  }
  for (size_t i = l.next; i < n; i++) { /* never pulled: cancelled */
    checker_result_t *r = &l.results[i];
    r->index = i;
    r->url = urls[i];
    r->first_byte = r->retry_after = r->dns = r->connect = r->tls = -1;
    checker__result_error(r, CORIO_ECANCELLED,
                          "cancelled before its check began");
    if (l.caller.on_result) l.caller.on_result(r, l.caller.data);
    if (l.caller.on_progress) l.caller.on_progress(i + 1, n, l.caller.data);
  }
  *out = l.results;
  if (rc == CORIO_ECANCELLED)
    return corio_fail(CORIO_ECANCELLED, "the check run was cancelled");
  return CORIO_OK;
}
