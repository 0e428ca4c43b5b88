/*
 * test_loop.c — the event loop as asyncio's loop: a monotonic clock,
 * call_soon callbacks in FIFO order and never inside the scheduling call,
 * timers ordered by deadline (ties in scheduling order), and handles that
 * can be cancelled until their callback has run.
 */
#include <math.h>

#include "test.h"

static void log_text(void *data) { test_log("%s", (const char *)data); }

static void record_time(void *data) { *(double *)data = corio_time(); }

TEST(time_is_monotonic_outside_a_loop) {
  double a = corio_time();
  double b = corio_time();
  CHECK(b >= a);
}

static int time_advances_across_a_sleep(void *arg, intptr_t *result) {
  (void)arg;
  double a = corio_time();
  int rc = corio_sleep(0.01);
  double b = corio_time();
  *result = b - a >= 0.009 && b - a < 5;
  return rc;
}

TEST(time_advances_across_a_sleep) {
  CHECK_INT(test_run(time_advances_across_a_sleep, NULL, CORIO_OK), 1);
}

static int schedule_three_soon(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_call_soon(NULL, log_text, "1");
  corio_call_soon(NULL, log_text, "2");
  corio_call_soon(NULL, log_text, "3");
  return corio_sleep(0.01);
}

TEST(call_soon_callbacks_run_in_fifo_order) {
  test_run(schedule_three_soon, NULL, CORIO_OK);
  CHECK_LOG("1 2 3");
}

static int schedule_soon_then_log(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_call_soon(NULL, log_text, "callback");
  test_log("call_soon-returned:%s", corio_err_name(rc));
  test_log("still-in-task");
  return corio_sleep(0.01);
}

TEST(call_soon_callback_does_not_run_inside_the_scheduling_call) {
  test_run(schedule_soon_then_log, NULL, CORIO_OK);
  CHECK_LOG("call_soon-returned:CORIO_OK still-in-task callback");
}

static void log_and_schedule_c(void *data) {
  (void)data;
  test_log("A");
  corio_call_soon(NULL, log_text, "C");
}

static int soon_from_a_callback(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_call_soon(NULL, log_and_schedule_c, NULL);
  corio_call_soon(NULL, log_text, "B");
  return corio_sleep(0.01);
}

TEST(call_soon_from_a_callback_runs_after_those_already_queued) {
  test_run(soon_from_a_callback, NULL, CORIO_OK);
  CHECK_LOG("A B C");
}

static int later_by_delay(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_call_later(NULL, 0.03, log_text, "0.03");
  corio_call_later(NULL, 0.01, log_text, "0.01");
  corio_call_later(NULL, 0.02, log_text, "0.02");
  return corio_sleep(0.05);
}

TEST(call_later_runs_callbacks_in_order_of_delay) {
  test_run(later_by_delay, NULL, CORIO_OK);
  CHECK_LOG("0.01 0.02 0.03");
}

static int later_waits_its_delay(void *arg, intptr_t *result) {
  (void)result;
  double *times = arg; /* [0] scheduled at, [1] ran at */
  times[0] = corio_time();
  int rc = corio_call_later(NULL, 0.01, record_time, &times[1]);
  if (rc != CORIO_OK) return rc;
  return corio_sleep(0.03);
}

TEST(call_later_runs_no_sooner_than_its_delay) {
  double times[2] = {0, 0};
  test_run(later_waits_its_delay, times, CORIO_OK);
  CHECK(times[1] != 0);
  CHECK(times[1] - times[0] >= 0.009);
  CHECK(times[1] - times[0] < 5);
}

static int at_loop_time(void *arg, intptr_t *result) {
  (void)result;
  double *times = arg; /* [0] due time, [1] ran at */
  times[0] = corio_time() + 0.02;
  int rc = corio_call_at(NULL, times[0], record_time, &times[1]);
  if (rc != CORIO_OK) return rc;
  return corio_sleep(0.04);
}

TEST(call_at_runs_at_the_given_loop_time) {
  double times[2] = {0, 0};
  test_run(at_loop_time, times, CORIO_OK);
  CHECK(times[1] != 0);
  CHECK(times[1] >= times[0] - 0.001);
  CHECK(times[1] - times[0] < 5);
}

static int at_and_later_mixed(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_call_at(NULL, corio_time() + 0.03, log_text, "at+0.03");
  corio_call_later(NULL, 0.01, log_text, "later0.01");
  return corio_sleep(0.05);
}

TEST(call_at_and_call_later_share_one_timeline) {
  test_run(at_and_later_mixed, NULL, CORIO_OK);
  CHECK_LOG("later0.01 at+0.03");
}

static int equal_deadlines(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  double when = corio_time() + 0.01;
  static const char *names[] = {"1", "2", "3", "4", "5"};
  for (int i = 0; i < 5; i++)
    corio_call_at(NULL, when, log_text, (void *)names[i]);
  return corio_sleep(0.03);
}

TEST(equal_deadlines_run_in_scheduling_order) {
  test_run(equal_deadlines, NULL, CORIO_OK);
  CHECK_LOG("1 2 3 4 5");
}

static int past_deadline(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_call_at(NULL, corio_time() - 1, log_text, "past");
  test_log("scheduled");
  return corio_sleep(0.01);
}

TEST(call_at_with_a_past_time_runs_soon_not_inside_the_call) {
  test_run(past_deadline, NULL, CORIO_OK);
  CHECK_LOG("scheduled past");
}

static int cancel_timer_twice(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static corio_handle_t h;
  int rc = corio_call_later(&h, 0.01, log_text, "must-not-run");
  if (rc != CORIO_OK) return rc;
  test_log("first:%d", corio_handle_cancel(&h));
  test_log("second:%d", corio_handle_cancel(&h));
  return corio_sleep(0.03);
}

TEST(handle_cancel_prevents_the_run_and_is_false_the_second_time) {
  test_run(cancel_timer_twice, NULL, CORIO_OK);
  CHECK_LOG("first:1 second:0");
}

static int cancel_soon_handle(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_handle_t h;
  int rc = corio_call_soon(&h, log_text, "must-not-run");
  if (rc != CORIO_OK) return rc;
  corio_call_soon(NULL, log_text, "other");
  test_log("cancel:%d", corio_handle_cancel(&h));
  return corio_sleep(0.01);
}

TEST(handle_cancel_prevents_a_call_soon_callback) {
  test_run(cancel_soon_handle, NULL, CORIO_OK);
  CHECK_LOG("cancel:1 other");
}

static int cancel_after_it_ran(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_handle_t h;
  int rc = corio_call_soon(&h, log_text, "ran");
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(0.01);
  test_log("cancel:%d", corio_handle_cancel(&h));
  return rc;
}

TEST(handle_cancel_after_the_callback_ran_returns_false) {
  test_run(cancel_after_it_ran, NULL, CORIO_OK);
  CHECK_LOG("ran cancel:0");
}

static int cancel_timer_after_it_ran(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_handle_t h;
  int rc = corio_call_later(&h, 0.01, log_text, "ran");
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(0.03);
  test_log("cancel:%d", corio_handle_cancel(&h));
  return rc;
}

TEST(handle_cancel_after_a_timer_ran_returns_false) {
  test_run(cancel_timer_after_it_ran, NULL, CORIO_OK);
  CHECK_LOG("ran cancel:0");
}

static int reuse_handle(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_handle_t h;
  int rc = corio_call_soon(&h, log_text, "first");
  if (rc == CORIO_OK) rc = corio_sleep(0.01);
  if (rc == CORIO_OK) rc = corio_call_later(&h, 0.01, log_text, "second");
  if (rc == CORIO_OK) rc = corio_sleep(0.03);
  if (rc == CORIO_OK) rc = corio_call_soon(&h, log_text, "cancelled");
  if (rc == CORIO_OK) corio_handle_cancel(&h);
  if (rc == CORIO_OK) rc = corio_call_soon(&h, log_text, "third");
  if (rc == CORIO_OK) rc = corio_sleep(0.01);
  return rc;
}

TEST(handle_can_be_reused_after_it_ran_or_was_cancelled) {
  test_run(reuse_handle, NULL, CORIO_OK);
  CHECK_LOG("first second third");
}

static int null_handles(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int a = corio_call_soon(NULL, log_text, "soon");
  int b = corio_call_later(NULL, 0.01, log_text, "later");
  int c = corio_call_at(NULL, corio_time() + 0.02, log_text, "at");
  test_log("%s %s %s", corio_err_name(a), corio_err_name(b), corio_err_name(c));
  return corio_sleep(0.04);
}

TEST(null_handle_is_allowed_for_every_kind_of_call) {
  test_run(null_handles, NULL, CORIO_OK);
  CHECK_LOG("CORIO_OK CORIO_OK CORIO_OK soon later at");
}

TEST(handle_cancel_of_null_returns_false) { CHECK(!corio_handle_cancel(NULL)); }

TEST(call_soon_with_no_running_loop_returns_enoloop) {
  corio_handle_t h;
  CHECK_INT(corio_call_soon(&h, log_text, "never"), CORIO_ENOLOOP);
  CHECK_INT(corio_call_later(&h, 0.01, log_text, "never"), CORIO_ENOLOOP);
  CHECK_INT(corio_call_at(&h, 1.0, log_text, "never"), CORIO_ENOLOOP);
  CHECK_INT(corio_call_soon(NULL, log_text, "never"), CORIO_ENOLOOP);
  CHECK_LOG("");
}

static int invalid_schedules(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("%s", corio_err_name(corio_call_soon(NULL, NULL, NULL)));
  test_log("%s", corio_err_name(corio_call_later(NULL, NAN, log_text, "nan")));
  test_log("%s", corio_err_name(corio_call_at(NULL, NAN, log_text, "nan")));
  return corio_sleep(0.01);
}

TEST(call_with_null_function_or_nan_time_is_einval) {
  test_run(invalid_schedules, NULL, CORIO_OK);
  CHECK_LOG("CORIO_EINVAL CORIO_EINVAL CORIO_EINVAL");
}

static void check_no_current_task(void *data) {
  *(int *)data = corio_current_task() == NULL && corio_running_loop() != NULL;
}

static int callback_context(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_call_soon(NULL, check_no_current_task, arg);
  if (rc != CORIO_OK) return rc;
  return corio_sleep(0.01);
}

TEST(callbacks_run_in_the_loop_outside_any_task) {
  int ok = -1;
  test_run(callback_context, &ok, CORIO_OK);
  CHECK_INT(ok, 1);
}

static int main_returns_with_timer_pending(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_call_later(NULL, 10, log_text, "must-not-run");
}

TEST(run_does_not_wait_for_callbacks_still_scheduled_when_main_ends) {
  double t0 = corio_time();
  test_run(main_returns_with_timer_pending, NULL, CORIO_OK);
  CHECK(corio_time() - t0 < 5);
  CHECK_LOG("");
}

/* ---- timer handles: cancelled() and when() ------------------------------ */

static void note(void *data) { test_log("ran:%s", (const char *)data); }

static int handle_queries(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_handle_t a, b;
  double before = corio_time();
  corio_call_later(&a, 10, note, "a");
  corio_call_at(&b, before + 0.001, note, "b");
  test_log("when:%d at:%d", corio_handle_when(&a) >= before + 10,
           corio_handle_when(&b) == before + 0.001);
  test_log("pending-cancelled:%d", corio_handle_cancelled(&a));
  test_log("cancel:%d cancelled:%d", corio_handle_cancel(&a),
           corio_handle_cancelled(&a));
  corio_sleep(0.01);
  test_log("ran-cancelled:%d", corio_handle_cancelled(&b));
  return CORIO_OK;
}

/* mirrors test_events.py::TimerTests::test_timer and
 * HandleTests::test_handle (cancelled() after cancel) */
TEST(timer_handles_tell_when_they_are_due_and_whether_cancelled) {
  test_run(handle_queries, NULL, CORIO_OK);
  CHECK_LOG("when:1 at:1 pending-cancelled:0 cancel:1 cancelled:1 ran:b "
            "ran-cancelled:0");
}
