/*
 * check_many.c — checking a list of URLs (checker_run), the two ways the
 * guide compares: sequentially (21.6), or concurrently (21.7) with a task
 * per URL, a semaphore for the limit, wait_for for each URL's timeout, a
 * done callback per task for progress and as_completed to hand each result
 * on as it comes. Every URL ends with exactly one result, also when the run
 * is cancelled.
 */
#include <stdio.h>
#include <stdlib.h>

#include "checker_internal.h"

#define DEFAULT_CONCURRENCY 10

typedef struct run {
  const char *const *urls;
  size_t n;
  checker_opts_t opts;       /* defaults filled in */
  checker_result_t *results; /* the caller's array, list order */
  double t0;                 /* loop time when the run began */
  size_t ndone;              /* results handed on so far */
  corio_semaphore_t *limit;  /* concurrent mode: checks at once */
} run_t;

/* A concurrent worker's argument. */
typedef struct slot {
  run_t *run;
  size_t index;
} slot_t;

static double since_start(const run_t *run) { return corio_time() - run->t0; }

/* ---- one URL ------------------------------------------------------------ */

/* The check in a task of its own, so that wait_for can bound it. */
static int check_task(void *arg, intptr_t *result) {
  (void)result;
  checker_result_t *r = arg;
  return checker_check_url(r->url, r);
}

/* Marks the check of URL i as begun (on_start). */
static void begin(run_t *run, size_t i) {
  run->results[i].started = since_start(run);
  if (run->opts.on_start) run->opts.on_start(i, run->urls[i], run->opts.data);
}

/* A URL that does not parse gets its CORIO_EINVAL at once, without a
 * connection or a permit. Returns true if URL i was invalid. */
static bool reject_invalid(run_t *run, size_t i) {
  char *host, *path;
  int port;
  bool tls;
  int rc = corio_url_parse(run->urls[i], &host, &port, &tls, &path);
  if (rc == CORIO_OK) {
    free(host);
    free(path);
    return false;
  }
  begin(run, i);
  checker__result_error(&run->results[i], rc, corio_errmsg());
  run->results[i].ended = since_start(run);
  return true;
}

/* Checks URL i within the timeout. Returns CORIO_ECANCELLED if the calling
 * task was cancelled, else CORIO_OK; the outcome is in the result. */
static int check_one(run_t *run, size_t i) {
  checker_result_t *r = &run->results[i];
  begin(run, i);
  corio_task_t *t;
  corio_task_opts_t topts = {.name = r->url};
  int rc = corio_task_create(&t, check_task, r, &topts);
  if (rc == CORIO_OK) {
    double timeout = run->opts.timeout > 0 ? run->opts.timeout : -1;
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
  return rc == CORIO_ECANCELLED ? rc : CORIO_OK;
}

/* A URL whose check never began because the run was cancelled first. */
static void never_began(run_t *run, size_t i) {
  checker_result_t *r = &run->results[i];
  r->started = r->ended = since_start(run);
  checker__result_error(r, CORIO_ECANCELLED,
                        "cancelled before its check began");
}

/* Hands result i on (on_result). */
static void deliver(run_t *run, size_t i) {
  if (run->opts.on_result)
    run->opts.on_result(&run->results[i], run->opts.data);
}

/* One more URL is done (on_progress). */
static void progress(run_t *run) {
  run->ndone++;
  if (run->opts.on_progress)
    run->opts.on_progress(run->ndone, run->n, run->opts.data);
}

/* ---- sequential: the guide's loop --------------------------------------- */

static int run_sequential(run_t *run) {
  bool cancelled = false;
  for (size_t i = 0; i < run->n; i++) {
    if (cancelled)
      never_began(run, i);
    else if (!reject_invalid(run, i) && check_one(run, i) == CORIO_ECANCELLED)
      cancelled = true;
    deliver(run, i);
    progress(run);
  }
  return cancelled ? CORIO_ECANCELLED : CORIO_OK;
}

/* ---- concurrent: a task per URL ----------------------------------------- */

/* Waits for a permit, then checks. Its outcome is its result: it ends with
 * its index as its value, cancelled or not. */
static int worker(void *arg, intptr_t *result) {
  const slot_t *s = arg;
  run_t *run = s->run;
  *result = (intptr_t)s->index;
  if (reject_invalid(run, s->index)) return CORIO_OK;
  if (corio_semaphore_acquire(run->limit) != CORIO_OK) {
    never_began(run, s->index); /* cancelled while waiting for a permit */
    return CORIO_OK;
  }
  check_one(run, s->index);
  corio_semaphore_release(run->limit);
  return CORIO_OK;
}

/* The done callback of every worker: progress, as soon as it is done. */
static void worker_done(corio_task_t *t, void *data) {
  (void)t;
  progress(data);
}

/* The index of a finished worker: its value, or (if it was cancelled before
 * it could run, which this file never does) its place in the list. */
static size_t worker_index(corio_task_t *t, corio_task_t *const *tasks,
                           size_t n) {
  intptr_t value;
  if (corio_task_result(t, &value) == CORIO_OK) return (size_t)value;
  size_t i = 0;
  while (i < n && tasks[i] != t) i++;
  return i;
}

static void cancel_all(corio_task_t *const *tasks, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (tasks[i]) corio_task_cancel(tasks[i], NULL);
}

/* Hands on the results of finished workers as they complete. A
 * cancellation of the run cancels every worker and goes on collecting:
 * cancelled workers end promptly with their "cancelled" result. */
static int collect(run_t *run, corio_task_t *const *tasks,
                   corio_as_completed_t *it) {
  bool cancelled = false;
  for (;;) {
    corio_task_t *t;
    int rc = corio_as_completed_next(it, &t);
    if (rc == CORIO_END) break;
    if (rc != CORIO_OK) { /* cancelled: nothing else stops it (no timeout) */
      cancelled = true;
      cancel_all(tasks, run->n);
      continue;
    }
    size_t i = worker_index(t, tasks, run->n);
    if (corio_task_result(t, NULL) != CORIO_OK) never_began(run, i);
    deliver(run, i);
  }
  return cancelled ? CORIO_ECANCELLED : CORIO_OK;
}

/* Waits until t is done without allocating (polling), for the paths where
 * memory ran out. A cancellation of the caller is passed to every task. */
static void poll_done(corio_task_t *t, corio_task_t *const *tasks, size_t n,
                      bool *cancelled) {
  while (!corio_task_done(t)) {
    int rc = corio_sleep(0.001);
    if (rc == CORIO_ECANCELLED && !*cancelled) {
      *cancelled = true;
      cancel_all(tasks, n);
    } else if (rc != CORIO_OK) {
      corio_sleep(0); /* no timer (no memory): at least let them run */
    }
  }
}

/* Without memory for as_completed: wait for each worker in list order and
 * hand its result on. */
static int collect_in_order(run_t *run, corio_task_t *const *tasks) {
  bool cancelled = false;
  for (size_t i = 0; i < run->n; i++) {
    poll_done(tasks[i], tasks, run->n, &cancelled);
    if (corio_task_result(tasks[i], NULL) != CORIO_OK) never_began(run, i);
    deliver(run, i);
  }
  return cancelled ? CORIO_ECANCELLED : CORIO_OK;
}

/* Counts the progress of workers whose done callback has not run yet (it
 * could not outlive the run): none, unless collect_in_order was used. */
static void finish_progress(run_t *run, corio_task_t *const *tasks) {
  for (size_t i = 0; i < run->n; i++)
    for (size_t k = corio_task_remove_done_callback(tasks[i], worker_done, run);
         k > 0; k--)
      progress(run);
}

/* Creates the workers, each with its progress callback. On failure, the
 * ones created are stopped before they ever run, and nothing was reported. */
static int start_workers(run_t *run, slot_t *slots, corio_task_t **tasks) {
  int rc = CORIO_OK;
  size_t created = 0;
  for (; created < run->n && rc == CORIO_OK; created++) {
    slots[created] = (slot_t){run, created};
    rc = corio_task_create(&tasks[created], worker, &slots[created], NULL);
    if (rc != CORIO_OK) break;
    rc = corio_task_add_done_callback(tasks[created], worker_done, run);
  }
  if (rc == CORIO_OK) return CORIO_OK;
  bool cancelled = false;
  for (size_t i = 0; i < created && tasks[i]; i++) {
    corio_task_remove_done_callback(tasks[i], worker_done, run);
    corio_task_cancel(tasks[i], NULL); /* not started: never runs */
  }
  for (size_t i = 0; i < created && tasks[i]; i++) {
    poll_done(tasks[i], tasks, created, &cancelled);
    corio_task_release(tasks[i]);
  }
  return corio_fail(rc, "could not start the checks: %s", corio_strerror(rc));
}

/* Returns CORIO_OK or CORIO_ECANCELLED with every result handed on, or
 * another error if the checks could not start (then none was). */
static int run_concurrent(run_t *run) {
  slot_t *slots = calloc(run->n, sizeof *slots);
  corio_task_t **tasks = calloc(run->n, sizeof *tasks);
  if (slots == NULL || tasks == NULL) {
    free(tasks);
    free(slots);
    return corio_fail(CORIO_ENOMEM, "out of memory");
  }
  int rc = corio_semaphore_new(&run->limit, run->opts.concurrency);
  if (rc != CORIO_OK) {
    rc = corio_fail(rc, "out of memory");
  } else {
    rc = start_workers(run, slots, tasks);
    if (rc != CORIO_OK) corio_semaphore_free(run->limit);
  }
  if (rc != CORIO_OK) {
    free(tasks);
    free(slots);
    return rc;
  }
  corio_as_completed_t *it;
  if (corio_as_completed_new(&it, tasks, run->n, -1) == CORIO_OK) {
    rc = collect(run, tasks, it);
    corio_as_completed_free(it);
  } else {
    rc = collect_in_order(run, tasks);
  }
  finish_progress(run, tasks);
  for (size_t i = 0; i < run->n; i++) corio_task_release(tasks[i]);
  corio_semaphore_free(run->limit);
  free(tasks);
  free(slots);
  return rc;
}

/* ---- the run ------------------------------------------------------------ */

int checker_run(const char *const *urls, size_t n, const checker_opts_t *opts,
                checker_result_t **out) {
  if (out) *out = NULL;
  if (out == NULL || (urls == NULL && n > 0))
    return corio_fail(CORIO_EINVAL, "checker_run: no URL list or no output");
  if (corio_current_task() == NULL) return CORIO_ENOTASK;
  run_t run = {.urls = urls, .n = n, .t0 = corio_time()};
  if (opts) run.opts = *opts;
  if (run.opts.concurrency == 0) run.opts.concurrency = DEFAULT_CONCURRENCY;
  run.results = calloc(n ? n : 1, sizeof *run.results);
  if (run.results == NULL) return corio_fail(CORIO_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    run.results[i].index = i;
    run.results[i].connect = run.results[i].first_byte = -1;
    run.results[i].retry_after = -1;
    run.results[i].url = urls[i];
  }
  int rc = run.opts.sequential || n == 0 ? run_sequential(&run)
                                         : run_concurrent(&run);
  if (rc != CORIO_OK && rc != CORIO_ECANCELLED) {
    free(run.results); /* the checks could not start */
    return rc;
  }
  *out = run.results;
  if (rc == CORIO_ECANCELLED)
    return corio_fail(CORIO_ECANCELLED, "the check run was cancelled");
  return rc;
}
