/*
 * test_thread.c — blocking work off the loop: corio_to_thread (the loop
 * runs other tasks meanwhile; statuses, results and messages come back;
 * cancelling the waiter returns at once and the outcome goes to drop),
 * executors (submit gives an awaitable future usable in gather, max workers,
 * cancel while queued, shutdown with and without cancel_futures, submit
 * after shutdown), call_soon_threadsafe (wakes a sleeping loop at once) and
 * run_coroutine_threadsafe (result, timeout, cancel), and the debug check of
 * the calling thread. Checks run on the loop's thread only: a worker
 * records what it saw in atomics.
 * In a wasm build without threads every entry point fails with
 * CORIO_ENOTSUP and says why; the other tests are left out there.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define NO_THREADS 1
#endif

#ifdef NO_THREADS

static int return_one(void *arg, intptr_t *result) {
  (void)arg;
  *result = 1;
  return CORIO_OK;
}

static int enotsup_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  intptr_t r = 0;
  CHECK_INT(corio_to_thread(return_one, NULL, &r), CORIO_ENOTSUP);
  CHECK(strstr(corio_errmsg(), "has no threads") != NULL);
  CHECK(strstr(corio_errmsg(), "cross-origin isolated") != NULL);
  CHECK_INT(r, 0); /* never run on the loop instead */
  corio_executor_t *ex = NULL;
  CHECK_INT(corio_executor_new(&ex, 2), CORIO_ENOTSUP);
  CHECK(ex == NULL);
  return CORIO_OK;
}

TEST(to_thread_without_threads_is_enotsup_saying_why) {
  test_run(enotsup_main, NULL, CORIO_OK);
}

#else

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits on a worker until *flag is set, up to `ms`; false if it never was. */
static bool wait_flag(atomic_int *flag, int ms) {
  for (int i = 0; i < ms; i++) {
    if (atomic_load(flag)) return true;
    sleep_ms(1);
  }
  return atomic_load(flag) != 0;
}

/* ---- to_thread ------------------------------------------------------------
 */

static atomic_int go;

/* Blocks its thread until a task of the loop sets `go`: it can only finish
 * if the loop runs other tasks while it runs. */
static int wait_for_go(void *arg, intptr_t *result) {
  if (!wait_flag(&go, 5000))
    return corio_fail(CORIO_ETIMEDOUT, "the loop never ran the other task");
  *result = (intptr_t)arg * 2;
  return CORIO_OK;
}

static int set_go(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_sleep(0.01);
  atomic_store(&go, 1);
  return CORIO_OK;
}

static int to_thread_main(void *arg, intptr_t *result) {
  (void)arg;
  atomic_store(&go, 0);
  corio_task_t *setter;
  corio_task_create(&setter, set_go, NULL, NULL);
  intptr_t r = 0;
  int rc = corio_to_thread(wait_for_go, (void *)21, &r);
  CHECK_INT(rc, CORIO_OK);
  CHECK_STR(rc == CORIO_OK ? "" : corio_errmsg(), "");
  corio_await(setter, NULL);
  corio_task_release(setter);
  *result = r;
  return CORIO_OK;
}

TEST(to_thread_runs_the_function_while_the_loop_runs_other_tasks) {
  CHECK_INT(test_run(to_thread_main, NULL, CORIO_OK), 42);
}

static int fails_with_message(void *arg, intptr_t *result) {
  (void)arg;
  *result = 99; /* not a result: the status is an error */
  return corio_fail(CORIO_EUSER - 7, "disk %d is on fire", 3);
}

static int error_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  intptr_t r = 0;
  CHECK_INT(corio_to_thread(fails_with_message, NULL, &r), CORIO_EUSER - 7);
  CHECK_STR(corio_errmsg(), "disk 3 is on fire");
  CHECK_INT(r, 0);
  return CORIO_OK;
}

TEST(to_thread_gives_the_functions_status_and_message) {
  test_run(error_main, NULL, CORIO_OK);
}

static atomic_int release_job, job_started, job_finished;
static int drops, drop_code;
static intptr_t drop_result;
static void *drop_arg;

static void record_drop(void *arg, int code, intptr_t result) {
  drops++;
  drop_arg = arg;
  drop_code = code;
  drop_result = result;
}

static int blocks_until_released(void *arg, intptr_t *result) {
  (void)arg;
  atomic_store(&job_started, 1);
  wait_flag(&release_job, 5000);
  atomic_store(&job_finished, 1);
  *result = 42;
  return CORIO_OK;
}

static void reset_jobs(void) {
  atomic_store(&release_job, 0);
  atomic_store(&job_started, 0);
  atomic_store(&job_finished, 0);
  drops = drop_code = 0;
  drop_result = 0;
  drop_arg = NULL;
}

static int to_thread_child(void *arg, intptr_t *result) {
  corio_thread_opts_t opts = {.drop = record_drop};
  return corio_to_thread_ex(blocks_until_released, arg, &opts, result);
}

static int cancel_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  reset_jobs();
  corio_task_t *t;
  corio_task_create(&t, to_thread_child, (void *)&go, NULL);
  while (!atomic_load(&job_started)) corio_sleep(0.001);
  corio_task_cancel(t, NULL);
  double start = corio_time();
  CHECK_INT(corio_await(t, NULL), CORIO_ECANCELLED);
  CHECK(corio_time() - start < 0.5); /* at once, not when the job ends */
  CHECK(!atomic_load(&job_finished));
  CHECK_INT(drops, 0);
  corio_task_release(t);
  atomic_store(&release_job, 1); /* the run waits for the job's end */
  return CORIO_OK;
}

TEST(cancelling_to_thread_returns_at_once_and_the_result_goes_to_drop) {
  test_run(cancel_main, NULL, CORIO_OK);
  CHECK(atomic_load(&job_finished));
  CHECK_INT(drops, 1);
  CHECK(drop_arg == (void *)&go);
  CHECK_INT(drop_code, CORIO_OK);
  CHECK_INT(drop_result, 42);
}

/* ---- executors ------------------------------------------------------------
 */

static atomic_int running_now, running_max;

static int square_slowly(void *arg, intptr_t *result) {
  int now = atomic_fetch_add(&running_now, 1) + 1;
  int seen = atomic_load(&running_max);
  while (now > seen &&
         !atomic_compare_exchange_weak(&running_max, &seen, now)) {
  }
  sleep_ms(5);
  atomic_fetch_sub(&running_now, 1);
  intptr_t x = (intptr_t)arg;
  *result = x * x;
  return CORIO_OK;
}

#define NJOBS 12

static int gather_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  atomic_store(&running_now, 0);
  atomic_store(&running_max, 0);
  corio_executor_t *ex;
  CHECK_INT(corio_executor_new(&ex, 3), CORIO_OK);
  corio_future_t *t[NJOBS];
  for (intptr_t i = 0; i < NJOBS; i++)
    CHECK_INT(corio_executor_submit(ex, square_slowly, (void *)i, NULL, &t[i]),
              CORIO_OK);
  CHECK(corio_executor_workers(ex) <= 3);
  intptr_t results[NJOBS];
  CHECK_INT(corio_gather(t, NJOBS, results, NULL), CORIO_OK);
  for (intptr_t i = 0; i < NJOBS; i++) CHECK_INT(results[i], i * i);
  CHECK(atomic_load(&running_max) <= 3);
  CHECK(atomic_load(&running_max) >= 2); /* they did run side by side */
  CHECK_INT(corio_executor_workers(ex), 3);
  for (int i = 0; i < NJOBS; i++) corio_future_release(t[i]);
  CHECK_INT(corio_executor_shutdown(ex, true, false), CORIO_OK);
  corio_executor_free(ex);
  return CORIO_OK;
}

TEST(executor_submit_gives_futures_that_gather_with_at_most_max_workers) {
  test_run(gather_main, NULL, CORIO_OK);
}

/* Sleeps arg milliseconds and returns arg. */
static int sleep_ms_job(void *arg, intptr_t *result) {
  sleep_ms((int)(intptr_t)arg);
  *result = (intptr_t)arg;
  return CORIO_OK;
}

static int wait_as_completed_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_executor_t *ex;
  CHECK_INT(corio_executor_new(&ex, 2), CORIO_OK);
  corio_future_t *f[2];
  CHECK_INT(corio_executor_submit(ex, sleep_ms_job, (void *)300, NULL, &f[0]),
            CORIO_OK);
  CHECK_INT(corio_executor_submit(ex, sleep_ms_job, (void *)10, NULL, &f[1]),
            CORIO_OK);
  /* wait(FIRST_COMPLETED): the quick job is done, the slow one pending. */
  corio_task_t *done[2], *pending[2];
  size_t ndone = 0, npending = 0;
  CHECK_INT(corio_wait(f, 2, CORIO_FIRST_COMPLETED, CORIO_FOREVER, done, &ndone,
                       pending, &npending),
            CORIO_OK);
  CHECK_INT(ndone, 1);
  CHECK(done[0] == f[1]);
  CHECK_INT(npending, 1);
  /* as_completed: the quick one first, then the slow one. */
  corio_as_completed_t *it;
  CHECK_INT(corio_as_completed_new(&it, f, 2, CORIO_FOREVER), CORIO_OK);
  corio_task_t *next = NULL;
  CHECK_INT(corio_as_completed_next(it, &next), CORIO_OK);
  CHECK(next == f[1]);
  CHECK_INT(corio_as_completed_next(it, &next), CORIO_OK);
  CHECK(next == f[0]);
  intptr_t r = 0;
  CHECK_INT(corio_future_result(next, &r), CORIO_OK);
  CHECK_INT(r, 300);
  CHECK_INT(corio_as_completed_next(it, &next), CORIO_END);
  corio_as_completed_free(it);
  for (int i = 0; i < 2; i++) corio_future_release(f[i]);
  corio_executor_free(ex);
  return CORIO_OK;
}

TEST(executor_futures_work_in_wait_and_as_completed) {
  test_run(wait_as_completed_main, NULL, CORIO_OK);
}

static int never_runs_count;

static int counts_runs(void *arg, intptr_t *result) {
  (void)result;
  atomic_fetch_add((atomic_int *)arg, 1);
  return CORIO_OK;
}

/* An executor of one worker, kept busy by a job that blocks until
 * release_job is set: what is submitted next stays queued. NULL if the
 * setup failed (the check says why). */
static corio_executor_t *one_busy_worker(corio_future_t **busy) {
  reset_jobs();
  corio_executor_t *ex = NULL;
  if (corio_executor_new(&ex, 1) != CORIO_OK) return NULL;
  if (corio_executor_submit(ex, blocks_until_released, NULL, NULL, busy) !=
      CORIO_OK) {
    corio_executor_free(ex);
    return NULL;
  }
  while (!atomic_load(&job_started)) corio_sleep(0.001);
  return ex;
}

static int cancel_queued_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static atomic_int runs;
  atomic_store(&runs, 0);
  corio_future_t *busy, *queued;
  corio_executor_t *ex = one_busy_worker(&busy);
  if (ex == NULL) return corio_fail(CORIO_EFAILED, "no busy executor");
  corio_thread_opts_t opts = {.drop = record_drop};
  CHECK_INT(corio_executor_submit(ex, counts_runs, &runs, &opts, &queued),
            CORIO_OK);
  CHECK(corio_task_cancel(queued, NULL));
  CHECK_INT(corio_await(queued, NULL), CORIO_ECANCELLED);
  CHECK(corio_future_cancelled(queued));
  corio_sleep(0);      /* the future's done callback takes the job back */
  CHECK_INT(drops, 1); /* taken back: its arg is the caller's again */
  CHECK_INT(drop_code, CORIO_ECANCELLED);
  atomic_store(&release_job, 1);
  intptr_t r = 0;
  CHECK_INT(corio_await(busy, &r), CORIO_OK);
  CHECK_INT(r, 42);
  CHECK_INT(corio_executor_shutdown(ex, true, false), CORIO_OK);
  never_runs_count = atomic_load(&runs);
  corio_future_release(busy);
  corio_future_release(queued);
  corio_executor_free(ex);
  return CORIO_OK;
}

TEST(cancelling_a_queued_executor_job_means_it_never_runs) {
  test_run(cancel_queued_main, NULL, CORIO_OK);
  CHECK_INT(never_runs_count, 0);
}

static int shutdown_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static atomic_int runs;
  atomic_store(&runs, 0);
  corio_future_t *busy, *q[3];
  corio_executor_t *ex = one_busy_worker(&busy);
  if (ex == NULL) return corio_fail(CORIO_EFAILED, "no busy executor");
  for (int i = 0; i < 3; i++)
    CHECK_INT(corio_executor_submit(ex, counts_runs, &runs, NULL, &q[i]),
              CORIO_OK);
  /* The queue is taken back while the one worker is busy... */
  CHECK_INT(corio_executor_shutdown(ex, false, true), CORIO_OK);
  CHECK(corio_future_cancelled(q[0]));
  /* ...and the running job runs to its end. */
  atomic_store(&release_job, 1);
  CHECK_INT(corio_executor_shutdown(ex, true, true), CORIO_OK);
  CHECK(corio_future_done(busy));
  intptr_t r = 0;
  CHECK_INT(corio_await(busy, &r), CORIO_OK);
  CHECK_INT(r, 42);
  for (int i = 0; i < 3; i++) {
    CHECK_INT(corio_await(q[i], NULL), CORIO_ECANCELLED);
    CHECK_STR(corio_errmsg(),
              "the executor was shut down before the job started");
    corio_future_release(q[i]);
  }
  CHECK_INT(atomic_load(&runs), 0);
  corio_future_t *late = (corio_future_t *)1;
  CHECK_INT(corio_executor_submit(ex, counts_runs, &runs, NULL, &late),
            CORIO_ECLOSED);
  CHECK(late == NULL);
  CHECK(strstr(corio_errmsg(), "shut down") != NULL);
  CHECK_INT(corio_executor_shutdown(ex, true, true), CORIO_OK); /* again */
  corio_future_release(busy);
  corio_executor_free(ex);
  return CORIO_OK;
}

TEST(executor_shutdown_with_cancel_futures_cancels_the_queue_and_refuses_more) {
  test_run(shutdown_main, NULL, CORIO_OK);
}

static int shutdown_keeps_queue_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static atomic_int runs;
  atomic_store(&runs, 0);
  corio_executor_t *ex;
  CHECK_INT(corio_executor_new(&ex, 1), CORIO_OK);
  corio_future_t *q[4];
  for (int i = 0; i < 4; i++)
    CHECK_INT(corio_executor_submit(ex, counts_runs, &runs, NULL, &q[i]),
              CORIO_OK);
  CHECK_INT(corio_executor_shutdown(ex, true, false), CORIO_OK);
  CHECK_INT(atomic_load(&runs), 4); /* nothing queued is lost */
  for (int i = 0; i < 4; i++) {
    CHECK_INT(corio_await(q[i], NULL), CORIO_OK);
    corio_future_release(q[i]);
  }
  corio_executor_free(ex);
  return CORIO_OK;
}

TEST(executor_shutdown_with_wait_runs_every_queued_job) {
  test_run(shutdown_keeps_queue_main, NULL, CORIO_OK);
}

TEST(executor_default_workers_is_min_32_cores_plus_4) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t expected = (size_t)(cores + 4 < 32 ? cores + 4 : 32);
  CHECK_INT(corio_executor_default_workers(), expected);
}

/* ---- call_soon_threadsafe -------------------------------------------------
 */

typedef struct crossing {
  corio_loop_t *loop;
  corio_event_t *ev;
  double posted, ran;
  int calls;
} crossing_t;

static void on_loop(void *data) {
  crossing_t *c = data;
  c->ran = corio_time();
  c->calls++;
  corio_event_set(c->ev);
}

/* Posts, then keeps its thread busy for a second: the loop must not wait
 * for the job's end to run the callback. */
static int post_then_linger(void *arg, intptr_t *result) {
  (void)result;
  crossing_t *c = arg;
  c->posted = corio_time();
  int rc = corio_call_soon_threadsafe(c->loop, on_loop, c);
  sleep_ms(1000);
  return rc;
}

static int threadsafe_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  crossing_t c = {corio_running_loop(), NULL, 0, 0, 0};
  corio_event_new(&c.ev);
  corio_future_t *job;
  corio_executor_t *ex;
  CHECK_INT(corio_executor_new(&ex, 1), CORIO_OK);
  CHECK_INT(corio_executor_submit(ex, post_then_linger, &c, NULL, &job),
            CORIO_OK);
  CHECK_INT(corio_event_wait(c.ev), CORIO_OK);
  CHECK(!corio_future_done(job));
  CHECK(c.ran - c.posted < 0.2);
  CHECK_INT(corio_await(job, NULL), CORIO_OK);
  CHECK_INT(c.calls, 1);
  corio_future_release(job);
  corio_executor_free(ex);
  corio_event_free(c.ev);
  return CORIO_OK;
}

TEST(call_soon_threadsafe_wakes_a_sleeping_loop_at_once) {
  test_run(threadsafe_main, NULL, CORIO_OK);
}

/* ---- run_coroutine_threadsafe ---------------------------------------------
 */

static int sleep_then_value(void *arg, intptr_t *result) {
  int rc = corio_sleep(*(double *)arg);
  if (rc != CORIO_OK) return rc;
  *result = 5;
  return CORIO_OK;
}

typedef struct foreign {
  corio_loop_t *loop;
  int quick_rc, slow_rc, slow_after_cancel, own_thread_rc;
  intptr_t quick_result;
} foreign_t;

static int from_foreign_thread(void *arg, intptr_t *result) {
  (void)result;
  foreign_t *f = arg;
  static double quick = 0.01, slow = 10;
  corio_thread_handle_t *h;
  int rc =
      corio_run_coroutine_threadsafe(f->loop, sleep_then_value, &quick, &h);
  if (rc != CORIO_OK) return rc;
  f->quick_rc = corio_thread_handle_wait(h, 5, &f->quick_result);
  corio_thread_handle_free(h);
  rc = corio_run_coroutine_threadsafe(f->loop, sleep_then_value, &slow, &h);
  if (rc != CORIO_OK) return rc;
  f->slow_rc = corio_thread_handle_wait(h, 0.05, NULL);
  corio_thread_handle_cancel(h);
  f->slow_after_cancel = corio_thread_handle_wait(h, 5, NULL);
  corio_thread_handle_free(h);
  return CORIO_OK;
}

static int foreign_main(void *arg, intptr_t *result) {
  (void)result;
  foreign_t *f = arg;
  f->loop = corio_running_loop();
  corio_thread_handle_t *h = NULL;
  f->own_thread_rc =
      corio_run_coroutine_threadsafe(f->loop, sleep_then_value, NULL, &h);
  CHECK(h == NULL);
  return corio_to_thread(from_foreign_thread, f, NULL);
}

TEST(run_coroutine_threadsafe_gives_a_handle_to_wait_on_and_cancel) {
  foreign_t f = {0};
  test_run(foreign_main, &f, CORIO_OK);
  CHECK_INT(f.own_thread_rc, CORIO_EINVALSTATE);
  CHECK_INT(f.quick_rc, CORIO_OK);
  CHECK_INT(f.quick_result, 5);
  CHECK_INT(f.slow_rc, CORIO_ETIMEDOUT);
  CHECK_INT(f.slow_after_cancel, CORIO_ECANCELLED);
}

/* ---- the run's end ----------------------------------------------------------
 */

static int leave_job_running(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  reset_jobs();
  corio_task_t *t;
  corio_task_create(&t, to_thread_child, NULL, NULL);
  while (!atomic_load(&job_started)) corio_sleep(0.001);
  corio_task_release(t);
  atomic_store(&release_job, 1);
  return CORIO_OK; /* main ends; the run cancels t and waits for the job */
}

TEST(corio_run_waits_for_jobs_left_running_and_drops_their_outcome) {
  test_run(leave_job_running, NULL, CORIO_OK);
  CHECK(atomic_load(&job_finished));
  CHECK_INT(drops, 1);
  CHECK_INT(drop_result, 42);
}

/* ---- the debug check ------------------------------------------------------
 */

static char reported[256];

static void record_report(const char *line, void *data) {
  (void)data;
  snprintf(reported, sizeof reported, "%s", line);
}

/* A call of the loop's thread made on a worker: shutting down an executor
 * that is shut down already changes nothing, so the test races with no
 * one (ThreadSanitizer watches this test too). */
static int shutdown_from_worker(void *arg, intptr_t *result) {
  (void)result;
  return corio_executor_shutdown(arg, false, false); /* wrong thread */
}

static int wrong_thread_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_executor_t *ex;
  CHECK_INT(corio_executor_new(&ex, 1), CORIO_OK);
  CHECK_INT(corio_executor_shutdown(ex, true, false), CORIO_OK);
  int rc = corio_to_thread(shutdown_from_worker, ex, NULL);
  corio_executor_free(ex);
  return rc;
}

TEST(debug_mode_reports_a_call_from_a_worker_thread_naming_the_function) {
  reported[0] = '\0';
  corio_set_report_fn(record_report, NULL);
  corio_set_debug(true);
  test_run(wrong_thread_main, NULL, CORIO_OK);
  corio_set_debug(false);
  corio_set_report_fn(NULL, NULL);
  CHECK_STR(reported, "corio: corio_executor_shutdown() was called from a "
                      "thread that does not own the loop");
}

#ifdef __EMSCRIPTEN__
/* In the threaded wasm build the loop, and every Asyncify suspension, stay
 * on the main thread: corio_run on a worker thread fails at once. */
static int nothing_main(void *arg, intptr_t *result) {
  (void)arg;
  *result = 1;
  return CORIO_OK;
}

static int run_a_loop_here(void *arg, intptr_t *result) {
  (void)arg;
  return corio_run(nothing_main, NULL, result);
}

static int loop_on_worker_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  intptr_t r = 0;
  CHECK_INT(corio_to_thread(run_a_loop_here, NULL, &r), CORIO_ENOTSUP);
  CHECK(strstr(corio_errmsg(), "main thread") != NULL);
  CHECK_INT(r, 0); /* nothing_main never ran */
  return CORIO_OK;
}

TEST(a_loop_on_a_worker_thread_is_enotsup_in_wasm) {
  test_run(loop_on_worker_main, NULL, CORIO_OK);
}
#endif

#endif /* !NO_THREADS */
