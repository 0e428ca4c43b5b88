/*
 * test_wait.c — asyncio.wait and asyncio.as_completed: wait returns when
 * its condition (all, first completed, first exception) is met or its
 * timeout passes, partitions the tasks into done and pending in argument
 * order, and never cancels anything; as_completed yields tasks in
 * completion order, then CORIO_END, or CORIO_ETIMEDOUT.
 */
#include "test.h"

typedef struct job {
  const char *name;
  double secs; /* how long to sleep; 0: yield once */
  intptr_t value;
  int code;              /* CORIO_OK, an error, or CORIO_ECANCELLED */
  corio_event_t *after;  /* if set, wait for it instead of sleeping */
  corio_event_t *signal; /* if set, set it once the wait is over */
} job_t;

static int run_job(void *arg, intptr_t *result) {
  const job_t *j = arg;
  int rc = j->after ? corio_event_wait(j->after) : corio_sleep(j->secs);
  if (j->signal) corio_event_set(j->signal);
  if (rc != CORIO_OK) return rc;
  if (j->code == CORIO_ECANCELLED) return CORIO_ECANCELLED;
  if (j->code != CORIO_OK) return corio_fail(j->code, "%s failed", j->name);
  *result = j->value;
  return CORIO_OK;
}

static int spawn_jobs(corio_task_t **t, job_t *jobs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = corio_task_create(&t[i], run_job, &jobs[i],
                               &(corio_task_opts_t){.name = jobs[i].name});
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

/* Not done and never asked to cancel. */
static int untouched(const corio_task_t *t) {
  return !corio_task_done(t) && corio_task_cancelling(t) == 0;
}

static void release_all(corio_task_t **t, size_t n) {
  for (size_t i = 0; i < n; i++) corio_task_release(t[i]);
}

/* Ends the tasks a test left running, so the run does not have to. */
static void cancel_all(corio_task_t **t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    corio_task_cancel(t[i], NULL);
    corio_await(t[i], NULL);
  }
}

/* Logs "label:[names]" for a partition. */
static void log_tasks(const char *label, corio_task_t **t, size_t n) {
  char buf[256];
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && len < sizeof buf; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "",
                            corio_task_name(t[i]));
  test_log("%s:[%s]", label, buf);
}

/* corio_wait over the n tasks t (n <= 3), logging "wait:STATUS",
 * "done:[names]" and "pending:[names]"; returns wait's status. */
static int wait_and_log(corio_task_t **t, size_t n, corio_wait_mode_t when,
                        double timeout) {
  corio_task_t *done[3], *pending[3];
  size_t ndone = 99, npending = 99;
  int rc = corio_wait(t, n, when, timeout, done, &ndone, pending, &npending);
  test_log("wait:%s", corio_err_name(rc));
  log_tasks("done", done, ndone);
  log_tasks("pending", pending, npending);
  return rc;
}

static int wait_all(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[3] = {{.name = "slow", .secs = 0.03, .value = 1},
                   {.name = "fast", .secs = 0.01, .value = 2},
                   {.name = "fails", .secs = 0.02, .code = CORIO_EUSER - 1}};
  corio_task_t *t[3];
  int rc = spawn_jobs(t, jobs, 3);
  if (rc != CORIO_OK) return rc;
  rc = wait_and_log(t, 3, CORIO_ALL_COMPLETED, CORIO_FOREVER);
  release_all(t, 3);
  return rc;
}

TEST(wait_all_completed_returns_every_task_done_in_argument_order) {
  /* A failure is not a reason for wait to return early or to fail. */
  test_run(wait_all, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_OK done:[slow,fast,fails] pending:[]");
}

static int wait_first_completed(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[3] = {{.name = "long", .secs = 10, .value = 1},
                   {.name = "quick", .secs = 0.01, .value = 2},
                   {.name = "longer", .secs = 10, .value = 3}};
  corio_task_t *t[3];
  int rc = spawn_jobs(t, jobs, 3);
  if (rc != CORIO_OK) return rc;
  double t0 = corio_time();
  rc = wait_and_log(t, 3, CORIO_FIRST_COMPLETED, CORIO_FOREVER);
  CHECK(corio_time() - t0 < 5);
  test_log("pending-untouched:%d%d", untouched(t[0]), untouched(t[2]));
  cancel_all(t, 3);
  release_all(t, 3);
  return rc;
}

TEST(wait_first_completed_returns_as_soon_as_one_is_done) {
  test_run(wait_first_completed, NULL, CORIO_OK);
  CHECK_LOG(
      "wait:CORIO_OK done:[quick] pending:[long,longer] pending-untouched:11");
}

static int wait_first_exception(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[3] = {{.name = "ok", .value = 1}, /* done before "fails" */
                   {.name = "long", .secs = 10, .value = 2},
                   {.name = "fails", .secs = 0.01, .code = CORIO_EUSER - 2}};
  corio_task_t *t[3];
  int rc = spawn_jobs(t, jobs, 3);
  if (rc != CORIO_OK) return rc;
  double t0 = corio_time();
  rc = wait_and_log(t, 3, CORIO_FIRST_EXCEPTION, CORIO_FOREVER);
  CHECK(corio_time() - t0 < 5);
  cancel_all(t, 3);
  release_all(t, 3);
  return rc;
}

TEST(wait_first_exception_returns_at_the_first_failure) {
  test_run(wait_first_exception, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_OK done:[ok,fails] pending:[long]");
}

static int wait_first_exception_ignores_cancel(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {
      {.name = "cancelled", .secs = 0.01, .code = CORIO_ECANCELLED},
      {.name = "ok", .secs = 0.03, .value = 1}};
  corio_task_t *t[2];
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  rc = wait_and_log(t, 2, CORIO_FIRST_EXCEPTION, CORIO_FOREVER);
  release_all(t, 2);
  return rc;
}

TEST(wait_first_exception_does_not_count_a_cancellation) {
  test_run(wait_first_exception_ignores_cancel, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_OK done:[cancelled,ok] pending:[]");
}

static int wait_first_exception_without_failure(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "a", .secs = 0.02, .value = 1},
                   {.name = "b", .secs = 0.01, .value = 2}};
  corio_task_t *t[2], *done[2];
  size_t ndone = 99, npending = 99;
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait(t, 2, CORIO_FIRST_EXCEPTION, CORIO_FOREVER, done, &ndone,
                  NULL, &npending);
  test_log("wait:%s", corio_err_name(rc));
  log_tasks("done", done, ndone);
  test_log("npending:%zu", npending);
  release_all(t, 2);
  return rc;
}

TEST(wait_first_exception_without_a_failure_waits_for_all) {
  test_run(wait_first_exception_without_failure, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_OK done:[a,b] npending:0");
}

static int wait_with_timeout(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "late", .secs = 0.06, .value = 8},
                   {.name = "early", .value = 9}}; /* done after one yield */
  corio_task_t *t[2];
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  rc = wait_and_log(t, 2, CORIO_ALL_COMPLETED, 0.03);
  test_log("late-untouched:%d", untouched(t[0]));
  intptr_t v = 0;
  rc = corio_await(t[0], &v);
  test_log("late:%s:%d", corio_err_name(rc), (int)v);
  release_all(t, 2);
  return rc;
}

TEST(wait_timeout_returns_ok_with_both_partitions_and_cancels_nothing) {
  test_run(wait_with_timeout, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_OK done:[early] pending:[late] late-untouched:1 "
            "late:CORIO_OK:8");
}

static corio_task_t *waited_child;

static int cancelled_waiter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t[1] = {waited_child};
  size_t ndone = 99, npending = 99;
  int rc = corio_wait(t, 1, CORIO_ALL_COMPLETED, CORIO_FOREVER, NULL, &ndone,
                      NULL, &npending);
  test_log("waiter:%s", corio_err_name(rc));
  return rc;
}

static int cancel_a_waiter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *go;
  if (corio_event_new(&go) != CORIO_OK) return CORIO_ENOMEM;
  job_t job = {.name = "child", .value = 4, .after = go};
  int rc = corio_task_create(&waited_child, run_job, &job, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_t *w;
  rc = corio_task_create(&w, cancelled_waiter, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(w, NULL);
  corio_await(w, NULL);
  test_log("child-untouched:%d", untouched(waited_child));
  corio_event_set(go);
  intptr_t v = 0;
  rc = corio_await(waited_child, &v);
  test_log("child:%s:%d", corio_err_name(rc), (int)v);
  corio_task_release(w);
  corio_task_release(waited_child);
  corio_event_free(go);
  return rc;
}

TEST(cancelling_a_task_in_wait_does_not_cancel_the_waited_tasks) {
  test_run(cancel_a_waiter, NULL, CORIO_OK);
  CHECK_LOG("waiter:CORIO_ECANCELLED child-untouched:1 child:CORIO_OK:4");
}

static int iterate_as_completed(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *c_done;
  if (corio_event_new(&c_done) != CORIO_OK) return CORIO_ENOMEM;
  /* Completion order b, c, a: b yields once, c sleeps, a waits for c. */
  job_t jobs[3] = {
      {.name = "a", .value = 1, .after = c_done},
      {.name = "b", .value = 2},
      {.name = "c", .secs = 0.01, .code = CORIO_EUSER - 3, .signal = c_done}};
  corio_task_t *t[3];
  int rc = spawn_jobs(t, jobs, 3);
  if (rc != CORIO_OK) return rc;
  corio_as_completed_t *it;
  rc = corio_as_completed_new(&it, t, 3, CORIO_FOREVER);
  if (rc != CORIO_OK) return rc;
  release_all(t, 3); /* the iterator retains them */
  corio_task_t *next;
  while ((rc = corio_as_completed_next(it, &next)) == CORIO_OK)
    test_log("%s", corio_task_name(next));
  test_log("end:%s", corio_err_name(rc));
  corio_as_completed_free(it);
  corio_event_free(c_done);
  return rc == CORIO_END ? CORIO_OK : rc;
}

TEST(as_completed_yields_tasks_in_completion_order_then_end) {
  test_run(iterate_as_completed, NULL, CORIO_OK);
  CHECK_LOG("b c a end:CORIO_END");
}

static int as_completed_already_done(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "x", .value = 1}, {.name = "y", .value = 2}};
  corio_task_t *t[2];
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_as_completed_t *it;
  rc = corio_as_completed_new(&it, t, 2, CORIO_FOREVER);
  if (rc != CORIO_OK) return rc;
  corio_task_t *next;
  int n = 0;
  while ((rc = corio_as_completed_next(it, &next)) == CORIO_OK) n++;
  test_log("n:%d end:%s", n, corio_err_name(rc));
  corio_as_completed_free(it);
  release_all(t, 2);
  return CORIO_OK;
}

TEST(as_completed_returns_tasks_that_are_already_done) {
  test_run(as_completed_already_done, NULL, CORIO_OK);
  CHECK_LOG("n:2 end:CORIO_END");
}

static int as_completed_timeout(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "slow", .secs = 10, .value = 1},
                   {.name = "fast", .value = 2}}; /* done after one yield */
  corio_task_t *t[2];
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  corio_as_completed_t *it;
  rc = corio_as_completed_new(&it, t, 2, 0.03);
  if (rc != CORIO_OK) return rc;
  corio_task_t *next = NULL;
  double t0 = corio_time();
  rc = corio_as_completed_next(it, &next);
  test_log("first:%s:%s", corio_err_name(rc),
           next ? corio_task_name(next) : "-");
  rc = corio_as_completed_next(it, &next);
  test_log("second:%s", corio_err_name(rc));
  CHECK(corio_time() - t0 < 5);
  test_log("slow-untouched:%d", untouched(t[0]));
  corio_as_completed_free(it);
  cancel_all(t, 2);
  release_all(t, 2);
  return CORIO_OK;
}

TEST(as_completed_timeout_gives_etimedout_and_cancels_nothing) {
  test_run(as_completed_timeout, NULL, CORIO_OK);
  CHECK_LOG("first:CORIO_OK:fast second:CORIO_ETIMEDOUT slow-untouched:1");
}

static int as_completed_empty(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_as_completed_t *it;
  int rc = corio_as_completed_new(&it, NULL, 0, CORIO_FOREVER);
  if (rc != CORIO_OK) return rc;
  corio_task_t *next;
  rc = corio_as_completed_next(it, &next);
  test_log("%s", corio_err_name(rc));
  corio_as_completed_free(it);
  return CORIO_OK;
}

TEST(as_completed_over_no_tasks_ends_at_once) {
  test_run(as_completed_empty, NULL, CORIO_OK);
  CHECK_LOG("CORIO_END");
}

TEST(wait_outside_a_loop_is_enoloop) {
  size_t ndone, npending;
  CHECK_INT(corio_wait(NULL, 0, CORIO_ALL_COMPLETED, CORIO_FOREVER, NULL,
                       &ndone, NULL, &npending),
            CORIO_ENOLOOP);
  corio_as_completed_t *it = NULL;
  CHECK_INT(corio_as_completed_new(&it, NULL, 0, CORIO_FOREVER), CORIO_ENOLOOP);
}

static corio_task_t *iterated[1];

static int iterates(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_as_completed_t *it;
  int rc = corio_as_completed_new(&it, iterated, 1, CORIO_FOREVER);
  if (rc != CORIO_OK) return rc;
  corio_task_t *next;
  rc = corio_as_completed_next(it, &next);
  test_log("next:%s", corio_err_name(rc));
  corio_as_completed_free(it);
  return rc;
}

static int cancel_an_iterator(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *go;
  if (corio_event_new(&go) != CORIO_OK) return CORIO_ENOMEM;
  job_t job = {.name = "child", .value = 6, .after = go};
  int rc = corio_task_create(&iterated[0], run_job, &job, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_t *w;
  rc = corio_task_create(&w, iterates, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(w, NULL);
  corio_await(w, NULL);
  test_log("child-untouched:%d", untouched(iterated[0]));
  corio_event_set(go);
  intptr_t v = 0;
  rc = corio_await(iterated[0], &v);
  test_log("child:%s:%d", corio_err_name(rc), (int)v);
  corio_task_release(w);
  corio_task_release(iterated[0]);
  corio_event_free(go);
  return rc;
}

TEST(cancelling_a_task_in_as_completed_does_not_cancel_the_tasks) {
  test_run(cancel_an_iterator, NULL, CORIO_OK);
  CHECK_LOG("next:CORIO_ECANCELLED child-untouched:1 child:CORIO_OK:6");
}
