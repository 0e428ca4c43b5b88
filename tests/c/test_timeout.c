/*
 * test_timeout.c — asyncio.wait_for and asyncio.timeout(): on expiry the
 * work is cancelled and the cancellation becomes CORIO_ETIMEDOUT, only at
 * the scope that expired; nested scopes, rescheduling, expired()/when(),
 * and a cancellation from elsewhere staying CORIO_ECANCELLED.
 */
#include "test.h"

/* Sleeps arg->secs, logs how the sleep ended, returns value or the status. */
typedef struct work {
  const char *name;
  double secs;
  intptr_t value;
  int catch_cancel; /* on ECANCELLED, return value anyway */
} work_t;

static int do_work(void *arg, intptr_t *result) {
  const work_t *w = arg;
  int rc = corio_sleep(w->secs);
  test_log("%s:%s", w->name, corio_err_name(rc));
  if (rc == CORIO_ECANCELLED && w->catch_cancel) rc = CORIO_OK;
  if (rc == CORIO_OK) *result = w->value;
  return rc;
}

/* ---- wait_for ----------------------------------------------------------- */

static int wait_for_in_time(void *arg, intptr_t *result) {
  (void)arg;
  work_t w = {"inner", 0.01, 31, 0};
  corio_task_t *t = test_start(do_work, &w);
  if (t == NULL) return CORIO_EFAILED;
  int rc = corio_wait_for(t, 1.0, result);
  test_log("wait_for:%s", corio_err_name(rc));
  corio_task_release(t);
  return rc;
}

TEST(wait_for_returns_the_result_when_in_time) {
  CHECK_INT(test_run(wait_for_in_time, NULL, CORIO_OK), 31);
  CHECK_LOG("inner:CORIO_OK wait_for:CORIO_OK");
}

static int wait_for_without_limit(void *arg, intptr_t *result) {
  (void)arg;
  work_t w = {"inner", 0.02, 32, 0};
  corio_task_t *t = test_start(do_work, &w);
  if (t == NULL) return CORIO_EFAILED;
  int rc = corio_wait_for(t, CORIO_FOREVER, result);
  corio_task_release(t);
  return rc;
}

/* mirrors test_waitfor.py::test_wait_for_timeout_none */
TEST(wait_for_forever_waits_without_limit) {
  CHECK_INT(test_run(wait_for_without_limit, NULL, CORIO_OK), 32);
}

static int wait_for_expires(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  work_t w = {"inner", 10, 1, 0};
  corio_task_t *t = test_start(do_work, &w);
  if (t == NULL) return CORIO_EFAILED;
  double t0 = corio_time();
  intptr_t v = 77;
  int rc = corio_wait_for(t, 0.02, &v);
  double elapsed = corio_time() - t0;
  test_log("wait_for:%s msg:[%s]", corio_err_name(rc), corio_errmsg());
  test_log("inner-done:%d inner-cancelled:%d v:%d", corio_task_done(t),
           corio_task_cancelled(t), (int)v);
  CHECK(elapsed >= 0.019);
  CHECK(elapsed < 5);
  corio_task_release(t);
  return CORIO_OK;
}

TEST(wait_for_timeout_cancels_and_awaits_the_inner_task) {
  test_run(wait_for_expires, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_ECANCELLED wait_for:CORIO_ETIMEDOUT msg:[timed out] "
            "inner-done:1 inner-cancelled:1 v:77");
}

static int wait_for_one_that_ignores_cancel(void *arg, intptr_t *result) {
  (void)arg;
  work_t w = {"inner", 10, 44, 1};
  corio_task_t *t = test_start(do_work, &w);
  if (t == NULL) return CORIO_EFAILED;
  int rc = corio_wait_for(t, 0.02, result);
  test_log("wait_for:%s cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(t));
  corio_task_release(t);
  return rc;
}

TEST(wait_for_inner_task_that_ignores_cancellation_gives_its_value) {
  CHECK_INT(test_run(wait_for_one_that_ignores_cancel, NULL, CORIO_OK), 44);
  CHECK_LOG("inner:CORIO_ECANCELLED wait_for:CORIO_OK cancelled:0");
}

static corio_task_t *wf_inner;

static int waits_with_wait_for(void *arg, intptr_t *result) {
  (void)arg;
  static work_t w = {"inner", 10, 1, 0};
  int rc = corio_task_create(&wf_inner, do_work, &w, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait_for(wf_inner, 1.0, result);
  test_log("outer:%s", corio_err_name(rc));
  return rc;
}

static int cancel_during_wait_for(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *outer;
  int rc = corio_task_create(&outer, waits_with_wait_for, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(outer, NULL);
  rc = corio_await(outer, NULL);
  test_log("main:%s inner-cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(wf_inner));
  corio_task_release(wf_inner);
  corio_task_release(outer);
  return CORIO_OK;
}

TEST(
    cancelling_a_task_in_wait_for_gives_ecancelled_and_cancels_the_inner_task) {
  test_run(cancel_during_wait_for, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_ECANCELLED outer:CORIO_ECANCELLED "
            "main:CORIO_ECANCELLED inner-cancelled:1");
}

/* A task not started yet (running fn(arg)), under wait_for(t, 0). */
typedef struct pending_task {
  corio_fn fn;
  void *arg;
} pending_task_t;

static int wait_for_zero_pending(void *arg, intptr_t *result) {
  (void)result;
  const pending_task_t *p = arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, p->fn, p->arg, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait_for(t, 0, NULL);
  test_log("wait_for:%s cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(t));
  corio_task_release(t);
  return CORIO_OK;
}

/* asyncio.wait_for with timeout <= 0 cancels a pending task at once: one
 * not started yet never runs (Python prints only the timeout). */
TEST(wait_for_with_zero_timeout_on_a_pending_task_times_out) {
  work_t w = {"inner", 10, 1, 0};
  pending_task_t p = {do_work, &w};
  test_run(wait_for_zero_pending, &p, CORIO_OK);
  CHECK_LOG("wait_for:CORIO_ETIMEDOUT cancelled:1");
}

/* The same with a task that logs as it starts:
 *
 *   async def f(): print("E f started"); await sleep(1)
 *   t = create_task(f())
 *   try: await wait_for(t, 0)
 *   except TimeoutError: print("E timeout", t.cancelled())
 *   -> E timeout True          (f never starts)
 * asyncio.wait_for with timeout <= 0 cancels t at once (_cancel_and_wait),
 * so t's first step never runs. */
static int started_logger(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("f-started");
  return corio_sleep(1);
}

TEST(wait_for_zero_never_starts_a_pending_task) {
  pending_task_t p = {started_logger, NULL};
  test_run(wait_for_zero_pending, &p, CORIO_OK);
  CHECK_LOG("wait_for:CORIO_ETIMEDOUT cancelled:1");
}

static int wait_for_zero_done(void *arg, intptr_t *result) {
  (void)arg;
  work_t w = {"inner", 0.01, 55, 0};
  corio_task_t *t = test_start(do_work, &w);
  if (t == NULL) return CORIO_EFAILED;
  corio_await(t, NULL); /* done before wait_for begins */
  int rc = corio_wait_for(t, 0, result);
  test_log("wait_for:%s", corio_err_name(rc));
  rc = corio_sleep(0.01); /* no expiry is left behind */
  test_log("after:%s", corio_err_name(rc));
  corio_task_release(t);
  return rc;
}

TEST(wait_for_with_zero_timeout_on_a_done_task_returns_its_result) {
  CHECK_INT(test_run(wait_for_zero_done, NULL, CORIO_OK), 55);
  CHECK_LOG("inner:CORIO_OK wait_for:CORIO_OK after:CORIO_OK");
}

/* ---- timeout scopes ----------------------------------------------------- */

/* The body of a scope that only sleeps: sleeps secs, exits the scope with
 * the sleep's status, logs "exit:STATUS" and returns the exit's status. */
static int sleep_and_exit(corio_timeout_t *to, double secs) {
  int rc = corio_timeout_exit(to, corio_sleep(secs));
  test_log("exit:%s", corio_err_name(rc));
  return rc;
}

static int scope_expires(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  double t0 = corio_time();
  int rc = corio_timeout_enter(&to, 0.02);
  if (rc != CORIO_OK) return rc;
  test_log("expired-before:%d", corio_timeout_expired(&to));
  rc = corio_sleep(10);
  test_log("sleep:%s expired:%d", corio_err_name(rc),
           corio_timeout_expired(&to));
  rc = corio_timeout_exit(&to, rc);
  test_log("exit:%s msg:[%s]", corio_err_name(rc), corio_errmsg());
  test_log("cancelling:%d", corio_task_cancelling(corio_current_task()));
  CHECK(corio_time() - t0 < 5);
  CHECK(corio_time() - t0 >= 0.019);
  return rc == CORIO_ETIMEDOUT ? CORIO_OK : CORIO_EFAILED;
}

TEST(timeout_scope_expiry_turns_ecancelled_into_etimedout) {
  test_run(scope_expires, NULL, CORIO_OK);
  CHECK_LOG("expired-before:0 sleep:CORIO_ECANCELLED expired:1 "
            "exit:CORIO_ETIMEDOUT msg:[timed out] cancelling:0");
}

static int scope_in_time(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&to, 1.0);
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(0.01);
  rc = corio_timeout_exit(&to, rc);
  test_log("ok-exit:%s expired:%d", corio_err_name(rc),
           corio_timeout_expired(&to));
  corio_timeout_t to2 = CORIO_TIMEOUT_INIT;
  corio_timeout_enter(&to2, 1.0);
  rc = corio_timeout_exit(&to2, corio_fail(CORIO_EUSER - 9, "own error"));
  test_log("error-exit:%s msg:[%s]",
           rc == CORIO_EUSER - 9 ? "user-9" : corio_err_name(rc),
           corio_errmsg());
  rc = corio_sleep(0.03); /* the exited scopes' timers must not fire */
  test_log("later:%s", corio_err_name(rc));
  return rc;
}

TEST(timeout_scope_not_expired_passes_the_status_through) {
  test_run(scope_in_time, NULL, CORIO_OK);
  CHECK_LOG("ok-exit:CORIO_OK expired:0 error-exit:user-9 msg:[own error] "
            "later:CORIO_OK");
}

static int scope_expired_but_caught(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&to, 0.01);
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(10);
  test_log("sleep:%s", corio_err_name(rc));
  rc = corio_timeout_exit(&to, CORIO_OK); /* the body "caught" it */
  test_log("exit:%s expired:%d cancelling:%d", corio_err_name(rc),
           corio_timeout_expired(&to),
           corio_task_cancelling(corio_current_task()));
  rc = corio_sleep(0.01);
  test_log("after:%s", corio_err_name(rc));
  return rc;
}

TEST(expired_scope_exited_with_ok_returns_ok) {
  /* asyncio.timeout's __aexit__ raises TimeoutError only when the body
   * ends with CancelledError. */
  test_run(scope_expired_but_caught, NULL, CORIO_OK);
  CHECK_LOG("sleep:CORIO_ECANCELLED exit:CORIO_OK expired:1 cancelling:0 "
            "after:CORIO_OK");
}

/* Two nested scopes of `outer` and `inner` seconds around a 10 s sleep;
 * logs how the sleep and each exit ended. between: after the inner exit,
 * sleeps a little and logs it (no cancellation may be left over). */
typedef struct nested {
  double outer, inner;
  bool between;
} nested_t;

static int nested_scopes(void *arg, intptr_t *result) {
  (void)result;
  const nested_t *n = arg;
  corio_timeout_t outer = CORIO_TIMEOUT_INIT, inner = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&outer, n->outer);
  if (rc != CORIO_OK ||
      (rc = corio_timeout_enter(&inner, n->inner)) != CORIO_OK)
    return rc;
  rc = corio_sleep(10);
  test_log("sleep:%s", corio_err_name(rc));
  rc = corio_timeout_exit(&inner, rc);
  test_log("inner-exit:%s inner-expired:%d", corio_err_name(rc),
           corio_timeout_expired(&inner));
  if (n->between) test_log("between:%s", corio_err_name(corio_sleep(0.01)));
  rc = corio_timeout_exit(&outer, rc);
  test_log("outer-exit:%s outer-expired:%d", corio_err_name(rc),
           corio_timeout_expired(&outer));
  return CORIO_OK;
}

TEST(nested_scopes_inner_expiry_is_a_plain_status_to_the_outer) {
  test_run(nested_scopes, &(nested_t){1.0, 0.02, true}, CORIO_OK);
  CHECK_LOG("sleep:CORIO_ECANCELLED inner-exit:CORIO_ETIMEDOUT inner-expired:1 "
            "between:CORIO_OK outer-exit:CORIO_ETIMEDOUT outer-expired:0");
}

TEST(nested_scopes_outer_expiry_passes_the_inner_scope_as_ecancelled) {
  /* asyncio: the inner scope has not expired, so its exit lets the
   * CancelledError through; the outer scope's exit makes it TimeoutError. */
  test_run(nested_scopes, &(nested_t){0.02, 1.0, false}, CORIO_OK);
  CHECK_LOG(
      "sleep:CORIO_ECANCELLED inner-exit:CORIO_ECANCELLED inner-expired:0 "
      "outer-exit:CORIO_ETIMEDOUT outer-expired:1");
}

/* Nested scopes with the same deadline: the inner one passes the
 * cancellation on, the outer one times out (as in asyncio):
 *
 *   when = loop.time() + 0.02
 *   async with timeout_at(when):            # outer
 *       async with timeout_at(when):        # inner
 *           await sleep(10)
 *   -> inner CancelledError cancelling()==1, outer TimeoutError cancelling()==0
 */
static int nested_same_deadline(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  double when = corio_time() + 0.02;
  corio_timeout_t outer = CORIO_TIMEOUT_INIT, inner = CORIO_TIMEOUT_INIT;
  corio_timeout_enter_at(&outer, when);
  corio_timeout_enter_at(&inner, when);
  int rc = corio_sleep(10);
  rc = corio_timeout_exit(&inner, rc);
  test_log("inner:%s:%d", corio_err_name(rc),
           corio_task_cancelling(corio_current_task()));
  rc = corio_timeout_exit(&outer, rc);
  test_log("outer:%s:%d", corio_err_name(rc),
           corio_task_cancelling(corio_current_task()));
  return CORIO_OK;
}

TEST(nested_timeouts_expiring_together_outer_times_out) {
  test_run(nested_same_deadline, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_ECANCELLED:1 outer:CORIO_ETIMEDOUT:0");
}

static int reschedule_later(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&to, 0.02);
  if (rc != CORIO_OK) return rc;
  double when = corio_time() + 1.0;
  rc = corio_timeout_reschedule(&to, when);
  test_log("reschedule:%s when-matches:%d", corio_err_name(rc),
           corio_timeout_when(&to) == when);
  rc = corio_sleep(0.04);
  rc = corio_timeout_exit(&to, rc);
  test_log("exit:%s expired:%d", corio_err_name(rc),
           corio_timeout_expired(&to));
  return rc;
}

TEST(reschedule_extends_the_deadline_so_the_work_completes) {
  test_run(reschedule_later, NULL, CORIO_OK);
  CHECK_LOG("reschedule:CORIO_OK when-matches:1 exit:CORIO_OK expired:0");
}

static int reschedule_from_never(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&to, CORIO_FOREVER);
  if (rc != CORIO_OK) return rc;
  test_log("when:%g", corio_timeout_when(&to));
  corio_timeout_reschedule(&to, corio_time() + 0.01);
  sleep_and_exit(&to, 10);
  return CORIO_OK;
}

TEST(reschedule_gives_a_deadline_to_a_scope_that_had_none) {
  double t0 = corio_time();
  test_run(reschedule_from_never, NULL, CORIO_OK);
  CHECK_LOG("when:inf exit:CORIO_ETIMEDOUT");
  CHECK(corio_time() - t0 < 5);
}

static int reschedule_to_never(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&to, 0.01);
  if (rc != CORIO_OK) return rc;
  corio_timeout_reschedule(&to, CORIO_FOREVER);
  test_log("when:%g", corio_timeout_when(&to));
  return sleep_and_exit(&to, 0.03);
}

TEST(reschedule_to_never_removes_the_deadline) {
  test_run(reschedule_to_never, NULL, CORIO_OK);
  CHECK_LOG("when:inf exit:CORIO_OK");
}

static int when_and_expired(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  double when = corio_time() + 0.02;
  int rc = corio_timeout_enter_at(&to, when);
  if (rc != CORIO_OK) return rc;
  test_log("when-matches:%d expired:%d", corio_timeout_when(&to) == when,
           corio_timeout_expired(&to));
  rc = corio_sleep(10);
  test_log("expired:%d", corio_timeout_expired(&to));
  test_log("reschedule-after-expiry:%s",
           corio_err_name(corio_timeout_reschedule(&to, corio_time() + 1)));
  rc = corio_timeout_exit(&to, rc);
  test_log("exit:%s", corio_err_name(rc));
  corio_timeout_t to2 = CORIO_TIMEOUT_INIT;
  corio_timeout_enter(&to2, 1.0);
  corio_timeout_exit(&to2, CORIO_OK);
  test_log("reschedule-after-exit:%s",
           corio_err_name(corio_timeout_reschedule(&to2, corio_time() + 1)));
  return CORIO_OK;
}

TEST(timeout_when_and_expired_report_the_deadline_and_its_passing) {
  test_run(when_and_expired, NULL, CORIO_OK);
  CHECK_LOG("when-matches:1 expired:0 expired:1 "
            "reschedule-after-expiry:CORIO_ERUNTIME exit:CORIO_ETIMEDOUT "
            "reschedule-after-exit:CORIO_ERUNTIME");
}

static int enter_at_past(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter_at(&to, corio_time() - 1);
  if (rc != CORIO_OK) return rc;
  sleep_and_exit(&to, 10);
  return CORIO_OK;
}

TEST(scope_with_a_deadline_already_past_times_out_at_the_first_wait) {
  double t0 = corio_time();
  test_run(enter_at_past, NULL, CORIO_OK);
  CHECK_LOG("exit:CORIO_ETIMEDOUT");
  CHECK(corio_time() - t0 < 5);
}

static int scoped_sleeper(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  int rc = corio_timeout_enter(&to, 1.0);
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(10);
  test_log("sleep:%s", corio_err_name(rc));
  rc = corio_timeout_exit(&to, rc);
  test_log("exit:%s expired:%d", corio_err_name(rc),
           corio_timeout_expired(&to));
  return rc;
}

static int outside_cancel(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, scoped_sleeper, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(t, NULL);
  rc = corio_await(t, NULL);
  test_log("await:%s cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(t));
  corio_task_release(t);
  return CORIO_OK;
}

TEST(outside_cancel_during_a_timeout_scope_stays_ecancelled) {
  test_run(outside_cancel, NULL, CORIO_OK);
  CHECK_LOG("sleep:CORIO_ECANCELLED exit:CORIO_ECANCELLED expired:0 "
            "await:CORIO_ECANCELLED cancelled:1");
}

static int scope_awaiting_a_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  work_t w = {"inner", 10, 1, 0};
  corio_task_t *t = test_start(do_work, &w);
  if (t == NULL) return CORIO_EFAILED;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  corio_timeout_enter(&to, 0.02);
  int rc = corio_timeout_exit(&to, corio_await(t, NULL));
  test_log("exit:%s inner-cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(t));
  corio_task_release(t);
  return CORIO_OK;
}

TEST(timeout_scope_around_an_await_cancels_the_awaited_task) {
  test_run(scope_awaiting_a_task, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_ECANCELLED exit:CORIO_ETIMEDOUT inner-cancelled:1");
}

TEST(timeout_enter_outside_a_loop_is_enoloop) {
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  CHECK_INT(corio_timeout_enter(&to, 1.0), CORIO_ENOLOOP);
  CHECK_INT(corio_timeout_enter_at(&to, 1.0), CORIO_ENOLOOP);
}
