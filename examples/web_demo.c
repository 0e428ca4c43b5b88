/*
 * web_demo.c — the coroutines behind the browser demo (page/index.html): each
 * is exported with CORIO_EXPORT, run from JS by name, and prints its progress
 * with printf, which reaches the page through the module's `print` option.
 * They show concurrent tasks (gather), a time limit (wait_for),
 * cancellation with cleanup, and blocking work on the loop and off it
 * (to_thread).
 */
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"
#include "hash_work.h"

/* ---- demo_tasks: n workers sleeping at once ----------------------------- */

/* Worker i (1-based) sleeps a different time between 100 and 600 ms and
 * returns how long it slept, in ms. */
static int worker(void *arg, intptr_t *result) {
  int i = (int)(intptr_t)arg;
  int ms = 100 + (i * 347) % 500;
  double start = corio_time();
  printf("worker %d started, sleeping %d ms\n", i, ms);
  int rc = corio_sleep(ms / 1000.0);
  if (rc != CORIO_OK) return rc;
  printf("worker %d done after %.2f s\n", i, corio_time() - start);
  *result = ms;
  return CORIO_OK;
}

/* Runs n workers concurrently and gathers them: the whole run takes about as
 * long as the slowest worker, not the sum of all sleeps. Returns n. */
static int demo_tasks(void *arg, intptr_t *result) {
  enum { MAX_WORKERS = 10 };
  int n = (int)(intptr_t)arg;
  if (n < 1 || n > MAX_WORKERS)
    return corio_fail(CORIO_EINVAL, "n must be 1..%d, got %d", MAX_WORKERS, n);

  corio_task_t *tasks[MAX_WORKERS];
  intptr_t slept[MAX_WORKERS];
  double start = corio_time();
  int created, rc = CORIO_OK;
  for (created = 0; created < n; created++) {
    void *worker_number = (void *)(intptr_t)(created + 1);
    rc = corio_task_create(&tasks[created], worker, worker_number, NULL);
    if (rc != CORIO_OK) break;
  }
  if (rc == CORIO_OK) rc = corio_gather(tasks, (size_t)n, slept, NULL);

  if (rc == CORIO_OK) {
    intptr_t total = 0;
    for (int i = 0; i < n; i++) total += slept[i];
    printf("all %d workers done in %.2f s; their sleeps add up to %.2f s\n", n,
           corio_time() - start, total / 1000.0);
    *result = n;
  }
  for (int i = 0; i < created; i++) corio_task_release(tasks[i]);
  return rc;
}
CORIO_EXPORT(demo_tasks)

/* ---- demo_timeout: wait_for on a slow task ------------------------------ */

/* Needs one second; if cancelled first, says so and ends cancelled. */
static int slow_job(void *arg, intptr_t *result) {
  (void)arg;
  printf("slow job: started, needs 1.00 s\n");
  int rc = corio_sleep(1.0);
  if (rc == CORIO_ECANCELLED) {
    printf("slow job: cancelled, cleaning up\n");
    return rc;
  }
  printf("slow job: finished\n");
  *result = 42;
  return rc;
}

/* Waits for the slow job at most `ms` milliseconds. In time, returns its
 * result (42); too late, wait_for cancels the job, waits for its cleanup and
 * fails with CORIO_ETIMEDOUT, which JS receives as a rejected Promise. */
static int demo_timeout(void *arg, intptr_t *result) {
  int ms = (int)(intptr_t)arg;
  corio_task_t *job;
  int rc = corio_task_create(&job, slow_job, NULL, NULL);
  if (rc != CORIO_OK) return rc;

  printf("waiting for the slow job at most %d ms\n", ms);
  rc = corio_wait_for(job, ms / 1000.0, result);
  if (rc == CORIO_ETIMEDOUT)
    printf("wait_for timed out; the job was cancelled: %s\n",
           corio_task_cancelled(job) ? "yes" : "no");
  else if (rc == CORIO_OK)
    printf("the job finished in time with %d\n", (int)*result);
  corio_task_release(job);
  return rc;
}
CORIO_EXPORT(demo_timeout)

/* ---- demo_cancel: cancellation and cleanup ------------------------------ */

/* Ticks every 100 ms until cancelled, then cleans up (which may still wait:
 * the cancellation has been delivered) and ends cancelled. */
static int ticker(void *arg, intptr_t *result) {
  (void)arg;
  int ticks = 0, rc;
  while ((rc = corio_sleep(0.1)) == CORIO_OK)
    printf("ticker: tick %d\n", ++ticks);
  printf("ticker: cancelled (%s), cleaning up...\n", corio_errmsg());
  corio_sleep(0.05); /* e.g. flushing a buffer */
  printf("ticker: cleanup done after %d ticks\n", ticks);
  (void)result;
  return rc;
}

/* Starts the ticker, cancels it after `ms` milliseconds (default 350) and
 * waits for its cleanup to finish. Returns 0. */
static int demo_cancel(void *arg, intptr_t *result) {
  int ms = arg ? (int)(intptr_t)arg : 350;
  corio_task_t *t;
  int rc = corio_task_create(&t, ticker, NULL,
                             &(corio_task_opts_t){.name = "ticker"});
  if (rc != CORIO_OK) return rc;

  if ((rc = corio_sleep(ms / 1000.0)) == CORIO_OK) {
    printf("main: cancelling %s after %d ms\n", corio_task_name(t), ms);
    corio_task_cancel(t, "stopped by main");
    rc = corio_await(t, NULL);
    printf("main: %s ended %s: %s\n", corio_task_name(t),
           corio_task_cancelled(t) ? "cancelled" : "otherwise",
           corio_task_error(t) ? corio_task_error(t) : "no error");
    /* Its cancellation was expected; ours (if any) is not swallowed. */
    if (rc == CORIO_ECANCELLED &&
        corio_task_cancelling(corio_current_task()) == 0)
      rc = CORIO_OK;
  } else {
    /* Cancelled ourselves before cancelling it: the ticker must not tick on
     * (a JS-driven loop would run it for ever). Cancel it and let its
     * cleanup finish, shielded from our own cancellation. */
    corio_task_cancel(t, "its starter was cancelled");
    corio_shield(t, NULL);
  }
  corio_task_release(t);
  (void)result;
  return rc;
}
CORIO_EXPORT(demo_cancel)

/* ---- demo_hash_on_loop, demo_hash_to_thread: blocking work ------------- */

/* Counts its 10 ms ticks until cancelled: the loop's heartbeat. */
static int heartbeat(void *arg, intptr_t *result) {
  (void)result;
  long *beats = arg;
  int rc;
  while ((rc = corio_sleep(0.01)) == CORIO_OK) (*beats)++;
  return rc;
}

/* The job's drop (corio_to_thread_ex): when the awaiting task was
 * cancelled, the worker may still be hashing; the work is freed once it is
 * done, on the loop's thread. */
static void free_work(void *arg, int code, intptr_t result) {
  (void)code;
  (void)result;
  free(arg);
}

/* Hashes `mb` MB (1..1024) with the heartbeat going, on the loop's thread
 * or through corio_to_thread; returns the beats counted while it hashed.
 * On the loop there are none: the loop, and in a page the page itself,
 * stood still. Without threads (a page that is not cross-origin
 * isolated) to_thread fails with CORIO_ENOTSUP and says why. */
static int hash_beside_heartbeat(intptr_t mb, bool on_loop, intptr_t *result) {
  if (mb < 1 || mb > 1024)
    return corio_fail(CORIO_EINVAL, "mb must be 1..1024, got %ld", (long)mb);
  /* On the heap: a task run from JS parks on a shared stack, so neither
   * the heartbeat nor the worker thread may be handed a pointer into it. */
  long *beats = malloc(sizeof *beats);
  hash_work_t *work = malloc(sizeof *work);
  if (beats == NULL || work == NULL) {
    free(beats);
    free(work);
    return corio_fail(CORIO_ENOMEM, "no memory for the demo");
  }
  *beats = 0;
  *work = (hash_work_t){(size_t)mb << 20, 0};
  corio_task_t *t;
  int rc = corio_task_create(&t, heartbeat, beats,
                             &(corio_task_opts_t){.name = "heartbeat"});
  if (rc != CORIO_OK) {
    free(beats);
    free(work);
    return rc;
  }
  intptr_t unused;
  double start = corio_time();
  printf("hashing %ld MB %s\n", (long)mb,
         on_loop ? "on the loop's thread" : "with corio_to_thread");
  rc = on_loop ? hash_buffer(work, &unused)
               : corio_to_thread_ex(hash_buffer, work,
                                    &(corio_thread_opts_t){.drop = free_work},
                                    &unused);
  /* Cancelled while a worker hashes: the work is free_work's now. */
  bool work_dropped = !on_loop && rc == CORIO_ECANCELLED;
  long during = *beats;
  char why[256]; /* the failure's message, before the await below resets it */
  snprintf(why, sizeof why, "%s", rc == CORIO_OK ? "" : corio_errmsg());
  corio_task_cancel(t, NULL);
  corio_await(t, NULL);
  corio_task_release(t);
  if (rc == CORIO_OK) {
    printf("hash %016llx in %.2f s; the heartbeat beat %ld times meanwhile\n",
           (unsigned long long)work->hash, corio_time() - start, during);
    *result = during;
  }
  free(beats);
  if (!work_dropped) free(work);
  return rc == CORIO_OK ? rc : corio_fail(rc, "%s", why);
}

static int demo_hash_on_loop(void *arg, intptr_t *result) {
  return hash_beside_heartbeat((intptr_t)arg, true, result);
}
CORIO_EXPORT(demo_hash_on_loop)

static int demo_hash_to_thread(void *arg, intptr_t *result) {
  return hash_beside_heartbeat((intptr_t)arg, false, result);
}
CORIO_EXPORT(demo_hash_to_thread)
