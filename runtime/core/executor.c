/*
 * executor.c — blocking work on worker threads: executors (a pool of the
 * threads backend plus the loop-side bookkeeping), their jobs, the future
 * corio_executor_submit returns, corio_to_thread over the loop's default
 * executor, and the loop's end (every job ended before the loop is freed).
 *
 * A job's life: submitted (queued in the pool) -> run on a worker, which
 * writes its outcome and posts the job to the loop's inbox -> delivered on
 * the loop's thread (job_deliver), which gives the outcome to the job's
 * future, or, if the future is done already (cancelled), to the job's drop
 * function. Until it is posted, a worker only touches fn, arg and the
 * outcome fields; everything else is the loop thread's. A future cancelled
 * while its job is queued takes the job back from the pool (fn never
 * runs); once running, the job runs to its end and its outcome is dropped,
 * as asyncio's wrap_future of a concurrent future does.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct corio_executor {
  corio_loop_t *loop;
  corio__pool_t *pool;    /* NULL once shut down (the pool frees itself) */
  size_t inflight;        /* jobs submitted and not yet delivered */
  corio_event_t *drained; /* set while inflight == 0 */
  bool freed;             /* corio_executor_free called: goes at inflight 0 */
};

typedef struct job {
  corio__work_t work; /* first: the pool hands this back */
  corio__post_t post; /* how the worker hands the job to the loop */
  corio_executor_t *ex;
  corio_thread_fn fn;
  void *arg;
  corio_thread_drop_fn drop;
  /* the outcome, written by the worker (or on the loop if never run) */
  int code;
  intptr_t result;
  char *msg;      /* owned */
  bool never_ran; /* taken back from the queue */
  /* loop side: the future (a reference of the job's) */
  corio_future_t *future;
} job_t;

#define NEVER_RAN_SHUTDOWN "the executor was shut down before the job started"
#define NEVER_RAN_CANCELLED "cancelled before the job started"

/* ---- executors ------------------------------------------------------------
 */

size_t corio_executor_default_workers(void) {
  return corio__pool_default_workers();
}

int corio_executor_new(corio_executor_t **out, size_t max_workers) {
  if (out) *out = NULL;
  corio_loop_t *loop = corio__loop;
  if (loop == NULL) return CORIO_ENOLOOP;
  if (out == NULL) return CORIO_EINVAL;
  corio_executor_t *ex = calloc(1, sizeof *ex);
  if (ex == NULL)
    return corio__set_error(CORIO_ENOMEM, "no memory for the executor");
  if (max_workers == 0) max_workers = corio__pool_default_workers();
  int rc = corio_event_new(&ex->drained);
  if (rc == CORIO_OK) rc = corio__pool_new(&ex->pool, max_workers);
  if (rc != CORIO_OK) {
    corio_event_free(ex->drained);
    free(ex);
    return rc; /* the backend set the message (ENOTSUP says why) */
  }
  corio_event_set(ex->drained);
  ex->loop = loop;
  *out = ex;
  return CORIO_OK;
}

static void executor_destroy(corio_executor_t *ex) {
  corio_event_free(ex->drained);
  free(ex);
}

size_t corio_executor_workers(const corio_executor_t *ex) {
  return ex && ex->pool ? corio__pool_workers(ex->pool) : 0;
}

/* ---- jobs -----------------------------------------------------------------
 */

static void job_future_done(corio_task_t *future, void *data);

/* The outcome is in (loop thread): from a worker through the inbox, or
 * from a take-back (code CORIO_ECANCELLED, msg why). Hands it to the
 * future if that still waits, else to drop; frees the job. */
static void job_deliver(void *data) {
  job_t *j = data;
  corio_executor_t *ex = j->ex;
  corio_future_t *f = j->future;
  corio_task_remove_done_callback(f, job_future_done, j);
  if (corio_task_done(f)) {
    if (j->drop) j->drop(j->arg, j->code, j->result);
  } else if (j->code == CORIO_OK) {
    corio_future_set_result(f, j->result);
  } else if (j->code == CORIO_ECANCELLED) {
    corio_task_cancel(f, j->msg);
    if (j->never_ran && j->drop) j->drop(j->arg, j->code, 0);
  } else {
    corio_future_set_error(f, j->code, j->msg);
  }
  corio_task_release(f);
  free(j->msg);
  free(j);
  if (--ex->loop->thread_jobs == 0) corio__host_keep_alive(false);
  if (--ex->inflight == 0) {
    corio_event_set(ex->drained);
    if (ex->freed) executor_destroy(ex);
  }
}

/* On a worker thread. */
static void job_run(corio__work_t *w) {
  job_t *j = (job_t *)w;
  corio__thread_msg_t msg = {NULL};
  corio__thread_msg = &msg;
  intptr_t result = 0;
  j->code = j->fn(j->arg, &result);
  corio__thread_msg = NULL;
  j->result = j->code == CORIO_OK ? result : 0;
  j->msg = msg.msg;
  corio__loop_post(j->ex->loop, &j->post); /* the job is the loop's again */
}

/* Ends a job that never ran (loop thread). */
static void job_never_ran(job_t *j, const char *why) {
  j->code = CORIO_ECANCELLED;
  j->never_ran = true;
  j->msg = corio__strdup(why);
  job_deliver(j);
}

/* The future was made done from outside (cancelled) before its job's end:
 * a job still queued is taken back and never runs. */
static void job_future_done(corio_task_t *future, void *data) {
  (void)future;
  job_t *j = data;
  if (j->ex->pool && corio__pool_take_back(j->ex->pool, &j->work))
    job_never_ran(j, NEVER_RAN_CANCELLED);
  /* else it runs: job_deliver drops its outcome */
}

int corio_executor_submit(corio_executor_t *ex, corio_thread_fn fn, void *arg,
                          const corio_thread_opts_t *opts,
                          corio_future_t **out) {
  if (out) *out = NULL;
  if (ex == NULL || out == NULL || fn == NULL) return CORIO_EINVAL;
  if (corio__debug_on)
    corio__debug_check_loop(ex->loop, "corio_executor_submit");
  /* A worker uses arg while the caller is parked. */
  int lent = corio__lend_stack(arg, "corio_executor_submit");
  if (lent != CORIO_OK) return lent;
  if (ex->pool == NULL)
    return corio__set_error(CORIO_ECLOSED,
                            "the executor was shut down: it takes no new jobs");
  job_t *j = calloc(1, sizeof *j);
  corio_future_t *f = NULL;
  int rc = j ? corio_future_new(&f) : CORIO_ENOMEM;
  if (rc == CORIO_OK) rc = corio_task_add_done_callback(f, job_future_done, j);
  if (rc != CORIO_OK) {
    if (f) corio_task_release(f);
    free(j);
    return corio__set_error(rc, "no memory for the thread job");
  }
  j->work.run = job_run;
  j->post.fn = job_deliver;
  j->post.data = j;
  j->ex = ex;
  j->fn = fn;
  j->arg = arg;
  j->drop = opts ? opts->drop : NULL;
  j->future = f;
  /* Last: once queued, nothing may fail (a worker may run it already). */
  rc = corio__pool_submit(ex->pool, &j->work);
  if (rc != CORIO_OK) {
    corio_task_remove_done_callback(f, job_future_done, j);
    corio_task_release(f);
    free(j);
    return rc; /* the backend set the message */
  }
  corio_task_retain(f); /* the job's reference, until delivery */
  if (ex->loop->thread_jobs++ == 0) corio__host_keep_alive(true);
  if (ex->inflight++ == 0) corio_event_clear(ex->drained);
  *out = f;
  return CORIO_OK;
}

/* ---- shutdown -------------------------------------------------------------
 */

static void executor_close(corio_executor_t *ex, bool cancel_futures) {
  if (ex->pool == NULL) return;
  corio__work_t *taken = corio__pool_close(ex->pool, cancel_futures);
  ex->pool = NULL;
  while (taken) {
    job_t *j = (job_t *)taken;
    taken = taken->next;
    job_never_ran(j, NEVER_RAN_SHUTDOWN);
  }
}

int corio_executor_shutdown(corio_executor_t *ex, bool wait,
                            bool cancel_futures) {
  if (ex == NULL) return CORIO_EINVAL;
  if (corio__debug_on)
    corio__debug_check_loop(ex->loop, "corio_executor_shutdown");
  executor_close(ex, cancel_futures);
  if (!wait || ex->inflight == 0) return CORIO_OK;
  return corio_event_wait(ex->drained);
}

void corio_executor_free(corio_executor_t *ex) {
  if (ex == NULL) return;
  if (corio__debug_on) corio__debug_check_loop(ex->loop, "corio_executor_free");
  executor_close(ex, false);
  if (ex->inflight == 0)
    executor_destroy(ex);
  else
    ex->freed = true;
}

/* ---- to_thread ------------------------------------------------------------
 */

int corio_to_thread_ex(corio_thread_fn fn, void *arg,
                       const corio_thread_opts_t *opts, intptr_t *result) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (fn == NULL) return CORIO_EINVAL;
  corio_loop_t *loop = corio__loop;
  if (loop->default_executor == NULL) {
    if (loop->closing)
      return corio__set_error(CORIO_ECLOSED,
                              "the loop's default executor was shut down");
    rc = corio_executor_new(&loop->default_executor, 0);
    if (rc != CORIO_OK) return rc;
  }
  corio_future_t *f;
  rc = corio_executor_submit(loop->default_executor, fn, arg, opts, &f);
  if (rc != CORIO_OK) return rc;
  /* A cancellation of the caller cancels f (corio_await forwards it): the
   * caller sees CORIO_ECANCELLED at once, the job's outcome goes to drop. */
  rc = corio_await(f, result);
  corio_task_release(f);
  return rc;
}

int corio_to_thread(corio_thread_fn fn, void *arg, intptr_t *result) {
  return corio_to_thread_ex(fn, arg, NULL, result);
}

/* ---- the end of a run -----------------------------------------------------
 */

void corio__loop_finish_threads(corio_loop_t *loop) {
  loop->closing = true;
  if (loop->default_executor) {
    corio_executor_free(loop->default_executor);
    loop->default_executor = NULL;
  }
  /* Jobs of executors the program left running are waited for too: their
   * workers post into this loop. */
  while (loop->thread_jobs > 0 || corio__loop_inbox_pending(loop)) {
    double timeout = corio__loop_run_once(loop);
    if (loop->thread_jobs > 0 && !corio__loop_inbox_pending(loop))
      corio__host_wait(timeout);
  }
  while (loop->ready_len > 0) corio__loop_run_once(loop); /* their calls */
  /* Workers of the pools closed above end on their own; the program may
   * exit as soon as corio_run returns, which must not be while one is
   * still ending (backend.h). Waited for without blocking the thread. */
  while (corio__pool_leaving() > 0) corio__host_wait(0.001);
  /* A worker whose post was taken may still be signalling the waker. */
  while (atomic_load_explicit(&loop->posting, memory_order_acquire) > 0)
    sched_yield();
}
