/*
 * test_callbacks.c — done callbacks (asyncio's Task.add_done_callback): they
 * run through the loop after the task finishes, in registration order, never
 * inside the call that completed or cancelled the task nor inside the call
 * that added them; remove_done_callback takes registrations back.
 */
#include "test.h"

static void log_done(corio_task_t *t, void *data) {
  test_log("%s(done=%d)", (const char *)data, corio_task_done(t));
}

/* Lets the loop run for 10 ms (the done callbacks run), then releases t. */
static int let_callbacks_run_then_release(corio_task_t *t) {
  int rc = corio_sleep(0.01);
  corio_task_release(t);
  return rc;
}

static int callback_after_completion(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *a, *b;
  int rc = corio_task_create(&a, test_task_log_arg, "a-returns", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_add_done_callback(a, log_done, "a-callback");
  if (rc != CORIO_OK) return rc;
  /* b's first step is queued before a finishes, so it runs before a's
   * callbacks, which a's completion queues behind it. */
  rc = corio_task_create(&b, test_task_log_arg, "b-runs", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(0.01);
  corio_task_release(a);
  corio_task_release(b);
  return rc;
}

TEST(done_callback_runs_through_the_loop_after_completion) {
  test_run(callback_after_completion, NULL, CORIO_OK);
  CHECK_LOG("a-returns b-runs a-callback(done=1)");
}

static int callback_after_cancel(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_sleep_long, NULL);
  int rc = corio_task_add_done_callback(t, log_done, "callback");
  if (rc != CORIO_OK) return rc;
  corio_sleep(0); /* t is now sleeping */
  corio_task_cancel(t, NULL);
  test_log("cancel-returned");
  rc = corio_sleep(0.01);
  test_log("cancelled=%d", corio_task_cancelled(t));
  corio_task_release(t);
  return rc;
}

TEST(done_callback_does_not_run_inside_cancel) {
  test_run(callback_after_cancel, NULL, CORIO_OK);
  CHECK_LOG("cancel-returned callback(done=1) cancelled=1");
}

static int callback_after_cancel_before_start(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_sleep_long, NULL);
  int rc = corio_task_add_done_callback(t, log_done, "callback");
  if (rc != CORIO_OK) return rc;
  corio_task_cancel(t, NULL);
  test_log("cancel-returned");
  return let_callbacks_run_then_release(t);
}

TEST(done_callback_of_a_task_cancelled_before_it_started_runs_later) {
  test_run(callback_after_cancel_before_start, NULL, CORIO_OK);
  CHECK_LOG("cancel-returned callback(done=1)");
}

static int callbacks_in_order(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_log_arg, "task");
  corio_task_add_done_callback(t, log_done, "1");
  corio_task_add_done_callback(t, log_done, "2");
  corio_task_add_done_callback(t, log_done, "3");
  return let_callbacks_run_then_release(t);
}

TEST(done_callbacks_run_in_registration_order) {
  test_run(callbacks_in_order, NULL, CORIO_OK);
  CHECK_LOG("task 1(done=1) 2(done=1) 3(done=1)");
}

static const char data_a[] = "a", data_b[] = "b";

static int remove_callbacks(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_log_arg, "task");
  corio_task_add_done_callback(t, log_done, (void *)data_a);
  corio_task_add_done_callback(t, log_done, (void *)data_b);
  corio_task_add_done_callback(t, log_done, (void *)data_a);
  test_log("removed:%zu",
           corio_task_remove_done_callback(t, log_done, (void *)data_a));
  test_log("again:%zu",
           corio_task_remove_done_callback(t, log_done, (void *)data_a));
  return let_callbacks_run_then_release(t);
}

TEST(remove_done_callback_returns_the_count_and_prevents_the_call) {
  test_run(remove_callbacks, NULL, CORIO_OK);
  CHECK_LOG("removed:2 again:0 task b(done=1)");
}

static int remove_after_completion_before_run(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_sleep_long, NULL);
  corio_task_add_done_callback(t, log_done, (void *)data_a);
  corio_sleep(0);
  corio_task_cancel(t, NULL);
  /* Yield once: t finishes and its callback is queued behind this task. */
  corio_sleep(0);
  test_log("done=%d", corio_task_done(t));
  test_log("removed:%zu",
           corio_task_remove_done_callback(t, log_done, (void *)data_a));
  return let_callbacks_run_then_release(t);
}

TEST(remove_done_callback_takes_back_a_scheduled_call_not_yet_run) {
  /* corio.h: remove_done_callback removes every registration "not yet
   * run", including one already scheduled because the task finished. (In
   * asyncio the scheduled call can no longer be taken back; corio promises
   * more, since its own waiters live on task stacks and rely on it.) */
  test_run(remove_after_completion_before_run, NULL, CORIO_OK);
  CHECK_LOG("done=1 removed:1");
}

static int remove_after_it_ran(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_log_arg, "task");
  corio_task_add_done_callback(t, log_done, (void *)data_a);
  int rc = corio_sleep(0.01);
  test_log("removed:%zu",
           corio_task_remove_done_callback(t, log_done, (void *)data_a));
  corio_task_release(t);
  return rc;
}

TEST(remove_done_callback_after_it_ran_returns_zero) {
  test_run(remove_after_it_ran, NULL, CORIO_OK);
  CHECK_LOG("task a(done=1) removed:0");
}

static int add_to_done_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_log_arg, "task");
  int rc = corio_await(t, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_add_done_callback(t, log_done, "late");
  test_log("add-returned:%s", corio_err_name(rc));
  return let_callbacks_run_then_release(t);
}

TEST(callback_added_to_a_done_task_is_scheduled_not_called_inside_add) {
  test_run(add_to_done_task, NULL, CORIO_OK);
  CHECK_LOG("task add-returned:CORIO_OK late(done=1)");
}

static void log_outcome(corio_task_t *t, void *data) {
  (void)data;
  intptr_t v = 0;
  int rc = corio_task_result(t, &v);
  test_log("%s:%s:%d", corio_task_name(t), corio_err_name(rc), (int)v);
}

static int fail_io(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_fail(CORIO_EIO, "disk");
}

static int return_seven(void *arg, intptr_t *result) {
  (void)arg;
  *result = 7;
  return CORIO_OK;
}

static int outcomes_seen_by_callbacks(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *ok, *bad, *cancelled;
  corio_task_create(&ok, return_seven, NULL,
                    &(corio_task_opts_t){.name = "ok"});
  corio_task_create(&bad, fail_io, NULL, &(corio_task_opts_t){.name = "bad"});
  corio_task_create(&cancelled, test_task_sleep_long, NULL,
                    &(corio_task_opts_t){.name = "cancelled"});
  corio_task_add_done_callback(ok, log_outcome, NULL);
  corio_task_add_done_callback(bad, log_outcome, NULL);
  corio_task_add_done_callback(cancelled, log_outcome, NULL);
  corio_sleep(0.01);
  corio_task_cancel(cancelled, NULL);
  int rc = corio_sleep(0.01);
  corio_task_release(ok);
  corio_task_release(bad);
  corio_task_release(cancelled);
  return rc;
}

TEST(done_callbacks_see_success_failure_and_cancellation) {
  test_run(outcomes_seen_by_callbacks, NULL, CORIO_OK);
  CHECK_LOG("ok:CORIO_OK:7 bad:CORIO_EIO:0 cancelled:CORIO_ECANCELLED:0");
}

/* A done callback may cancel another task, with a message (as in asyncio):
 *
 *   victim = create_task(s())        # sleeps 10
 *   q = create_task(quick())
 *   q.add_done_callback(lambda _: victim.cancel("from-cb"))
 *   await victim -> CancelledError('from-cb') */
static corio_task_t *victim;
static void cancel_victim(corio_task_t *t, void *data) {
  (void)t;
  (void)data;
  corio_task_cancel(victim, "from-cb");
}

static int done_cb_cancel_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *q;
  corio_task_create(&victim, test_task_sleep_long, NULL, NULL);
  corio_task_create(&q, test_task_log_arg, "quick", NULL);
  corio_task_add_done_callback(q, cancel_victim, NULL);
  int rc = corio_await(victim, NULL);
  test_log("await:%s:%s", corio_err_name(rc), corio_errmsg());
  corio_task_release(q);
  corio_task_release(victim);
  return CORIO_OK;
}

TEST(done_callback_cancelling_a_task_carries_its_message) {
  test_run(done_cb_cancel_main, NULL, CORIO_OK);
  CHECK_LOG("quick await:CORIO_ECANCELLED:from-cb");
}

static int callback_outlives_caller_reference(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = test_start(test_task_log_arg, "task");
  corio_task_add_done_callback(t, log_done, "callback");
  corio_task_release(t);
  return corio_sleep(0.01);
}

TEST(done_callback_runs_after_the_caller_released_the_task) {
  test_run(callback_outlives_caller_reference, NULL, CORIO_OK);
  CHECK_LOG("task callback(done=1)");
}
