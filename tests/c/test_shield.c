/*
 * test_shield.c — asyncio.shield: cancelling the task that waits through a
 * shield gives it CORIO_ECANCELLED at once and leaves the shielded task
 * running; without cancellation it is plain await.
 */
#include "test.h"

typedef struct work {
  double secs;
  intptr_t value;
  int code;
  corio_event_t *after; /* if set, wait for it instead of sleeping */
} work_t;

static int do_work(void *arg, intptr_t *result) {
  const work_t *w = arg;
  int rc = w->after ? corio_event_wait(w->after) : corio_sleep(w->secs);
  test_log("inner:%s", corio_err_name(rc));
  if (rc != CORIO_OK) return rc;
  if (w->code != CORIO_OK) return corio_fail(w->code, "inner failed %d", 3);
  *result = w->value;
  return CORIO_OK;
}

static int shield_plain(void *arg, intptr_t *result) {
  (void)arg;
  work_t w = {0.01, 12, CORIO_OK, NULL};
  corio_task_t *t;
  int rc = corio_task_create(&t, do_work, &w, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_shield(t, result);
  test_log("shield:%s", corio_err_name(rc));
  corio_task_release(t);
  return rc;
}

TEST(shield_returns_the_result_normally_when_not_cancelled) {
  CHECK_INT(test_run(shield_plain, NULL, CORIO_OK), 12);
  CHECK_LOG("inner:CORIO_OK shield:CORIO_OK");
}

static int shield_failure(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  work_t w = {0.01, 0, CORIO_EUSER - 6, NULL};
  corio_task_t *t;
  int rc = corio_task_create(&t, do_work, &w, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_shield(t, NULL);
  test_log("shield:%s msg:[%s]",
           rc == CORIO_EUSER - 6 ? "user-6" : corio_err_name(rc),
           corio_errmsg());
  corio_task_release(t);
  return CORIO_OK;
}

TEST(shield_returns_the_error_of_a_failed_task_with_its_message) {
  test_run(shield_failure, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_OK shield:user-6 msg:[inner failed 3]");
}

static corio_task_t *shielded;

static int caller(void *arg, intptr_t *result) {
  (void)arg;
  intptr_t v = 0;
  int rc = corio_shield(shielded, &v);
  test_log("caller:%s inner-done:%d", corio_err_name(rc),
           corio_task_done(shielded));
  *result = v;
  return rc;
}

/* Starts w as the shielded task and a caller awaiting it through the
 * shield; after 10 ms cancels the caller (or, if `the_shielded`, the
 * shielded task), awaits the caller and logs how it ended. Returns the
 * caller; the test releases it and `shielded`. */
static corio_task_t *shield_then_cancel(work_t *w, bool the_shielded) {
  shielded = test_start(do_work, w);
  corio_task_t *c = test_start(caller, NULL);
  corio_sleep(0.01);
  corio_task_cancel(the_shielded ? shielded : c, NULL);
  int rc = corio_await(c, NULL);
  test_log("main-caller:%s", corio_err_name(rc));
  return c;
}

static int cancel_the_caller(void *arg, intptr_t *result) {
  (void)arg;
  corio_event_t *go;
  if (corio_event_new(&go) != CORIO_OK) return CORIO_ENOMEM;
  work_t w = {0, 21, CORIO_OK, go}; /* finishes only when told */
  corio_task_t *c = shield_then_cancel(&w, false);
  corio_event_set(go);
  int rc = corio_await(shielded, result);
  test_log("main-inner:%s cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(shielded));
  corio_task_release(c);
  corio_task_release(shielded);
  corio_event_free(go);
  return rc;
}

TEST(shielded_task_survives_cancellation_of_the_caller) {
  CHECK_INT(test_run(cancel_the_caller, NULL, CORIO_OK), 21);
  CHECK_LOG("caller:CORIO_ECANCELLED inner-done:0 main-caller:CORIO_ECANCELLED "
            "inner:CORIO_OK main-inner:CORIO_OK cancelled:0");
}

static int cancel_the_shielded(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  work_t w = {10, 1, CORIO_OK, NULL};
  corio_task_t *c = shield_then_cancel(&w, true);
  corio_task_release(c);
  corio_task_release(shielded);
  return CORIO_OK;
}

TEST(shield_reports_ecancelled_when_the_shielded_task_itself_is_cancelled) {
  test_run(cancel_the_shielded, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_ECANCELLED caller:CORIO_ECANCELLED inner-done:1 "
            "main-caller:CORIO_ECANCELLED");
}

static int shield_done(void *arg, intptr_t *result) {
  (void)arg;
  work_t w = {0, 13, CORIO_OK, NULL};
  corio_task_t *t;
  int rc = corio_task_create(&t, do_work, &w, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  rc = corio_shield(t, result);
  corio_task_release(t);
  return rc;
}

TEST(shield_of_a_finished_task_returns_its_result) {
  CHECK_INT(test_run(shield_done, NULL, CORIO_OK), 13);
}
