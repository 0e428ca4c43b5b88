/*
 * test_gather.c — asyncio.gather over tasks: results in argument order;
 * without codes the first failure is returned at once while the other
 * tasks run on; with codes (return_exceptions=True) every outcome is
 * reported; cancelling the gathering task cancels the children.
 */
#include <string.h>

#include "test.h"

/* A child's script: sleep (or wait for an event, where the order of events
 * must not depend on timing), then succeed with value or fail with code. */
typedef struct job {
  const char *name;
  double secs;
  intptr_t value;
  int code;              /* CORIO_OK, an error, or CORIO_ECANCELLED */
  const char *msg;       /* message of a failure */
  corio_event_t *after;  /* if set, wait for it instead of sleeping */
  corio_event_t *signal; /* if set, set it once the wait is over */
} job_t;

static int run_job(void *arg, intptr_t *result) {
  const job_t *j = arg;
  int rc = j->after ? corio_event_wait(j->after) : corio_sleep(j->secs);
  test_log("%s:%s", j->name, corio_err_name(rc));
  if (j->signal) corio_event_set(j->signal);
  if (rc != CORIO_OK) return rc;
  if (j->code != CORIO_OK)
    return corio_fail(j->code, "%s", j->msg ? j->msg : "");
  *result = j->value;
  return CORIO_OK;
}

static int spawn_jobs(corio_task_t **t, job_t *jobs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = corio_task_create(&t[i], run_job, &jobs[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static void release_all(corio_task_t **t, size_t n) {
  for (size_t i = 0; i < n; i++) corio_task_release(t[i]);
}

static int gather_in_order(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *b_done, *c_done;
  if (corio_event_new(&b_done) != CORIO_OK ||
      corio_event_new(&c_done) != CORIO_OK)
    return CORIO_ENOMEM;
  /* Completion order b, c, a, made certain by events. */
  job_t jobs[3] = {
      {.name = "a", .value = 10, .after = c_done},
      {.name = "b", .secs = 0.01, .value = 20, .signal = b_done},
      {.name = "c", .value = 30, .after = b_done, .signal = c_done}};
  corio_task_t *t[3];
  int rc = spawn_jobs(t, jobs, 3);
  if (rc != CORIO_OK) return rc;
  intptr_t results[3] = {0, 0, 0};
  rc = corio_gather(t, 3, results, NULL);
  test_log("gather:%s %d %d %d", corio_err_name(rc), (int)results[0],
           (int)results[1], (int)results[2]);
  release_all(t, 3);
  corio_event_free(b_done);
  corio_event_free(c_done);
  return rc;
}

TEST(gather_returns_results_in_argument_order_not_completion_order) {
  test_run(gather_in_order, NULL, CORIO_OK);
  CHECK_LOG("b:CORIO_OK c:CORIO_OK a:CORIO_OK gather:CORIO_OK 10 20 30");
}

static int gather_null_results(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "a", .secs = 0.01, .value = 1},
                   {.name = "b", .secs = 0.01, .value = 2}};
  corio_task_t *t[2];
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  rc = corio_gather(t, 2, NULL, NULL);
  test_log("done:%d%d", corio_task_done(t[0]), corio_task_done(t[1]));
  release_all(t, 2);
  return rc;
}

TEST(gather_accepts_null_results_and_waits_for_all) {
  test_run(gather_null_results, NULL, CORIO_OK);
  CHECK_LOG("a:CORIO_OK b:CORIO_OK done:11");
}

static int first_failure(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *go;
  if (corio_event_new(&go) != CORIO_OK) return CORIO_ENOMEM;
  /* The siblings finish only when told, after gather has returned. */
  job_t jobs[3] = {{.name = "slow", .value = 1, .after = go},
                   {.name = "fails",
                    .secs = 0.01,
                    .code = CORIO_EUSER - 2,
                    .msg = "fails broke"},
                   {.name = "also-fails",
                    .code = CORIO_EUSER - 3,
                    .msg = "second failure",
                    .after = go}};
  corio_task_t *t[3];
  int rc = spawn_jobs(t, jobs, 3);
  if (rc != CORIO_OK) return rc;
  rc = corio_gather(t, 3, NULL, NULL);
  test_log("gather:%s",
           rc == CORIO_EUSER - 2 ? "first-code" : corio_err_name(rc));
  test_log("msg:[%s]", corio_errmsg());
  test_log("slow-done:%d", corio_task_done(t[0]));
  corio_event_set(go);
  intptr_t v = 0;
  int slow_rc = corio_await(t[0], &v);
  test_log("await-slow:%s:%d cancelled:%d", corio_err_name(slow_rc), (int)v,
           corio_task_cancelled(t[0]));
  corio_await(t[2], NULL);
  release_all(t, 3);
  corio_event_free(go);
  return CORIO_OK;
}

TEST(gather_returns_the_first_failure_at_once_and_siblings_keep_running) {
  test_run(first_failure, NULL, CORIO_OK);
  CHECK_LOG(
      "fails:CORIO_OK gather:first-code msg:[fails broke] slow-done:0 "
      "slow:CORIO_OK also-fails:CORIO_OK await-slow:CORIO_OK:1 cancelled:0");
}

static int self_cancelling_job(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_sleep(0.01);
  if (rc != CORIO_OK) return rc;
  return CORIO_ECANCELLED;
}

static int gather_with_codes(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *bad_done;
  if (corio_event_new(&bad_done) != CORIO_OK) return CORIO_ENOMEM;
  job_t jobs[2] = {{.name = "ok", .value = 5, .after = bad_done},
                   {.name = "bad",
                    .secs = 0.01,
                    .code = CORIO_EUSER - 4,
                    .msg = "bad one",
                    .signal = bad_done}};
  corio_task_t *t[3];
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&t[2], self_cancelling_job, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  intptr_t results[3] = {0, 0, 0};
  int codes[3] = {99, 99, 99};
  rc = corio_gather(t, 3, results, codes);
  test_log("gather:%s", corio_err_name(rc));
  test_log("codes:%s,%s,%s", corio_err_name(codes[0]),
           codes[1] == CORIO_EUSER - 4 ? "user-4" : corio_err_name(codes[1]),
           corio_err_name(codes[2]));
  test_log("ok-result:%d", (int)results[0]);
  test_log("all-done:%d%d%d", corio_task_done(t[0]), corio_task_done(t[1]),
           corio_task_done(t[2]));
  CHECK_STR(corio_task_error(t[1]), "bad one");
  release_all(t, 3);
  corio_event_free(bad_done);
  return rc;
}

TEST(gather_with_codes_waits_for_all_and_reports_every_outcome) {
  test_run(gather_with_codes, NULL, CORIO_OK);
  CHECK_LOG("bad:CORIO_OK ok:CORIO_OK gather:CORIO_OK "
            "codes:CORIO_OK,user-4,CORIO_ECANCELLED ok-result:5 all-done:111");
}

static int gather_cancelled_child(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *go;
  if (corio_event_new(&go) != CORIO_OK) return CORIO_ENOMEM;
  job_t job = {.name = "slow", .value = 1, .after = go};
  corio_task_t *t[2];
  int rc = corio_task_create(&t[0], self_cancelling_job, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&t[1], run_job, &job, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_gather(t, 2, NULL, NULL);
  test_log("gather:%s", corio_err_name(rc));
  corio_event_set(go);
  corio_await(t[1], NULL);
  test_log("slow-cancelled:%d", corio_task_cancelled(t[1]));
  release_all(t, 2);
  corio_event_free(go);
  return CORIO_OK;
}

TEST(gather_without_codes_reports_a_cancelled_child_as_ecancelled) {
  /* asyncio.gather raises CancelledError when a child is cancelled. */
  test_run(gather_cancelled_child, NULL, CORIO_OK);
  CHECK_LOG("gather:CORIO_ECANCELLED slow:CORIO_OK slow-cancelled:0");
}

static corio_task_t *children[2];

static int gatherer(void *arg, intptr_t *result) {
  (void)result;
  job_t *jobs = arg;
  int rc = spawn_jobs(children, jobs, 2);
  if (rc != CORIO_OK) return rc;
  rc = corio_gather(children, 2, NULL, NULL);
  test_log("gatherer:%s", corio_err_name(rc));
  /* asyncio: the gather future completes only once every child is done. */
  test_log("children-cancelled:%d%d", corio_task_cancelled(children[0]),
           corio_task_cancelled(children[1]));
  return rc;
}

static int cancel_the_gatherer(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "c1", .secs = 10, .value = 1},
                   {.name = "c2", .secs = 10, .value = 2}};
  corio_task_t *g;
  int rc = corio_task_create(&g, gatherer, jobs, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(g, NULL);
  rc = corio_await(g, NULL);
  test_log("main:%s", corio_err_name(rc));
  test_log("after:%d%d", corio_task_cancelled(children[0]),
           corio_task_cancelled(children[1]));
  corio_task_release(g);
  release_all(children, 2);
  return CORIO_OK;
}

TEST(cancelling_the_gathering_task_cancels_the_children) {
  double t0 = corio_time();
  test_run(cancel_the_gatherer, NULL, CORIO_OK);
  CHECK_LOG("c1:CORIO_ECANCELLED c2:CORIO_ECANCELLED gatherer:CORIO_ECANCELLED "
            "children-cancelled:11 main:CORIO_ECANCELLED after:11");
  CHECK(corio_time() - t0 < 5);
}

static int gather_two_sleepers(void *arg, intptr_t *result) {
  (void)result;
  job_t *jobs = arg;
  int rc = spawn_jobs(children, jobs, 2);
  if (rc != CORIO_OK) return rc;
  rc = corio_gather(children, 2, NULL, NULL);
  test_log("gatherer:%s:%s", corio_err_name(rc), corio_errmsg());
  return rc;
}

static int cancel_the_gatherer_with_a_message(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "c1", .secs = 10, .value = 1},
                   {.name = "c2", .secs = 10, .value = 2}};
  corio_task_t *g;
  int rc = corio_task_create(&g, gather_two_sleepers, jobs, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(g, "stop now");
  rc = corio_await(g, NULL);
  test_log("main:%s:%s", corio_err_name(rc), corio_task_error(g));
  corio_task_release(g);
  release_all(children, 2);
  return CORIO_OK;
}

TEST(a_cancelled_gather_keeps_the_cancel_message) {
  test_run(cancel_the_gatherer_with_a_message, NULL, CORIO_OK);
  CHECK_LOG(
      "c1:CORIO_ECANCELLED c2:CORIO_ECANCELLED "
      "gatherer:CORIO_ECANCELLED:stop now main:CORIO_ECANCELLED:stop now");
}

static int gather_nothing(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_gather(NULL, 0, NULL, NULL);
  test_log("gather:%s", corio_err_name(rc));
  return rc;
}

TEST(gather_of_zero_tasks_returns_ok) {
  test_run(gather_nothing, NULL, CORIO_OK);
  CHECK_LOG("gather:CORIO_OK");
}

static int gather_done_tasks(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  job_t jobs[2] = {{.name = "a", .value = 7}, {.name = "b", .value = 8}};
  corio_task_t *t[2];
  int rc = spawn_jobs(t, jobs, 2);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  intptr_t results[2] = {0, 0};
  rc = corio_gather(t, 2, results, NULL);
  test_log("gather:%s %d %d", corio_err_name(rc), (int)results[0],
           (int)results[1]);
  release_all(t, 2);
  return rc;
}

TEST(gather_of_finished_tasks_returns_their_results) {
  test_run(gather_done_tasks, NULL, CORIO_OK);
  CHECK_LOG("a:CORIO_OK b:CORIO_OK gather:CORIO_OK 7 8");
}

static int gather_outside(void) { return corio_gather(NULL, 0, NULL, NULL); }

TEST(gather_outside_a_loop_is_enoloop) {
  CHECK_INT(gather_outside(), CORIO_ENOLOOP);
}
