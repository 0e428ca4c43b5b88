/*
 * test_run.c — corio_run(), asyncio.run(): it returns the main coroutine's
 * status and result, reports the error message through corio_run_ex,
 * cancels and awaits the tasks still pending when main returns, refuses to
 * nest, and is the only place where a loop is running.
 */
#include <string.h>

#include "test.h"

static int return_42(void *arg, intptr_t *result) {
  (void)arg;
  *result = 42;
  return CORIO_OK;
}

TEST(run_returns_main_result_and_status) {
  intptr_t result = -1;
  int rc = corio_run(return_42, NULL, &result);
  CHECK_INT(rc, CORIO_OK);
  CHECK_INT(result, 42);
}

TEST(run_accepts_a_null_result_pointer) {
  CHECK_INT(corio_run(return_42, NULL, NULL), CORIO_OK);
}

static int check_result_starts_at_zero(void *arg, intptr_t *result) {
  (void)arg;
  return *result == 0 ? CORIO_OK : CORIO_EINVAL;
}

TEST(main_result_pointer_starts_at_zero) {
  test_run(check_result_starts_at_zero, NULL, CORIO_OK);
}

static int pass_arg_through(void *arg, intptr_t *result) {
  *result = (intptr_t)arg;
  return CORIO_OK;
}

TEST(main_receives_its_argument) {
  CHECK_INT(test_run(pass_arg_through, (void *)(intptr_t)1234, CORIO_OK), 1234);
}

static int fail_einval(void *arg, intptr_t *result) {
  (void)arg;
  *result = 99; /* not reported: the run failed */
  return corio_fail(CORIO_EINVAL, "bad thing");
}

TEST(run_ex_reports_error_code_and_message) {
  corio_outcome_t out = test_run_ex(fail_einval, NULL, CORIO_EINVAL);
  CHECK_INT(out.value, 0);
  CHECK_STR(out.message, "bad thing");
}

TEST(run_ex_reports_value_and_empty_message_on_success) {
  corio_outcome_t out = test_run_ex(return_42, NULL, CORIO_OK);
  CHECK_INT(out.value, 42);
  CHECK_STR(out.message, "");
}

TEST(run_ex_accepts_null_options_and_outcome) {
  CHECK_INT(corio_run_ex(return_42, NULL, NULL, NULL), CORIO_OK);
}

TEST(run_ex_honours_explicit_stack_size) {
  corio_run_opts_t opts = {.stack_size = 256 * 1024};
  corio_outcome_t out;
  CHECK_INT(corio_run_ex(return_42, NULL, &opts, &out), CORIO_OK);
  CHECK_INT(out.value, 42);
}

static int fail_boom(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_fail(CORIO_EUSER - 5, "boom %d", 7);
}

TEST(main_failing_with_user_code_gives_that_code_and_message) {
  corio_outcome_t out = test_run_ex(fail_boom, NULL, CORIO_EUSER - 5);
  CHECK_STR(out.message, "boom 7");
  CHECK_INT(test_run(fail_boom, NULL, CORIO_EUSER - 5), 0);
}

static int cancel_self_and_sleep(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_cancel(corio_current_task(), "main gives up");
  return corio_sleep(10);
}

TEST(main_that_ends_cancelled_makes_run_return_ecancelled) {
  test_run_ex(cancel_self_and_sleep, NULL, CORIO_ECANCELLED);
}

/* A task that sleeps long and logs its cleanup when cancelled. */
static int long_sleeper(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("sleeper-started");
  int rc = corio_sleep(10);
  test_log("sleeper-cleanup:%s", corio_err_name(rc));
  return rc;
}

static int main_leaves_a_sleeper(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, long_sleeper, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_release(t);
  corio_sleep(0); /* let the sleeper start */
  test_log("main-returns");
  return CORIO_OK;
}

TEST(pending_tasks_are_cancelled_and_awaited_when_main_returns) {
  double t0 = corio_time();
  test_run(main_leaves_a_sleeper, NULL, CORIO_OK);
  CHECK_LOG("sleeper-started main-returns sleeper-cleanup:CORIO_ECANCELLED");
  CHECK(corio_time() - t0 < 5);
}

static int body_must_not_run(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("body-ran");
  return CORIO_OK;
}

/* What main does last in the tests below: makes a task whose body must
 * never run, lets go of it, and returns. */
static int return_leaving_an_unstarted_task(void) {
  corio_task_t *t;
  int rc = corio_task_create(&t, body_must_not_run, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_release(t);
  test_log("main-returns");
  return CORIO_OK;
}

static int main_leaves_an_unstarted_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return return_leaving_an_unstarted_task();
}

TEST(task_not_started_when_main_returns_never_runs) {
  test_run(main_leaves_an_unstarted_task, NULL, CORIO_OK);
  CHECK_LOG("main-returns");
}

/* The same when another task woken in the same pass as main goes on after
 * main has returned, and yields: the run still ends before the task main
 * made begins. */
static corio_event_t *go;

static int bystander(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("bystander-waits");
  int rc = corio_event_wait(go);
  test_log("bystander-woke");
  rc = corio_sleep(0);
  test_log("bystander-yielded:%s", corio_err_name(rc));
  return rc;
}

static int set_go(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_set(go);
  return CORIO_OK;
}

static int main_woken_with_a_bystander(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *b, *s;
  CHECK_INT(corio_task_create(&b, bystander, NULL, NULL), CORIO_OK);
  CHECK_INT(corio_task_create(&s, set_go, NULL, NULL), CORIO_OK);
  corio_task_release(b);
  corio_task_release(s);
  test_log("main-waits");
  CHECK_INT(corio_event_wait(go), CORIO_OK); /* woken first: it waited first */
  return return_leaving_an_unstarted_task();
}

TEST(task_not_started_when_main_returns_never_runs_after_a_bystander_yields) {
  CHECK_INT(corio_event_new(&go), CORIO_OK);
  test_run(main_woken_with_a_bystander, NULL, CORIO_OK);
  corio_event_free(go);
  CHECK_LOG("main-waits bystander-waits main-returns bystander-woke "
            "bystander-yielded:CORIO_ECANCELLED");
}

/* The same when main cancels a callback that came after it in its pass: a
 * pass is what was ready when it began, less what is cancelled, so the
 * task main made still does not begin in it. */
static corio_handle_t due_later;

static void cancelled_callback(void *data) {
  (void)data;
  test_log("cancelled-callback-ran");
}

static int wakes_main_then_schedules(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_set(go); /* main's wake: first in the next pass */
  return corio_call_soon(&due_later, cancelled_callback, NULL); /* then this */
}

static int main_cancelling_later_in_its_pass(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *s;
  CHECK_INT(corio_task_create(&s, wakes_main_then_schedules, NULL, NULL),
            CORIO_OK);
  corio_task_release(s);
  CHECK_INT(corio_event_wait(go), CORIO_OK);
  CHECK(corio_handle_cancel(&due_later));
  return return_leaving_an_unstarted_task();
}

TEST(task_not_started_when_main_returns_never_runs_after_a_cancel_in_its_pass) {
  CHECK_INT(corio_event_new(&go), CORIO_OK);
  test_run(main_cancelling_later_in_its_pass, NULL, CORIO_OK);
  corio_event_free(go);
  CHECK_LOG("main-returns");
}

static int main_failing_with_a_sleeper(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, long_sleeper, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_release(t);
  corio_sleep(0);
  return corio_fail(CORIO_EUSER - 1, "main failed");
}

TEST(pending_tasks_are_cancelled_when_main_fails_and_main_error_is_kept) {
  double t0 = corio_time();
  corio_outcome_t out =
      test_run_ex(main_failing_with_a_sleeper, NULL, CORIO_EUSER - 1);
  CHECK(corio_time() - t0 < 5);
  CHECK_STR(out.message, "main failed");
  CHECK_LOG("sleeper-started sleeper-cleanup:CORIO_ECANCELLED");
}

static int nested_run(void *arg, intptr_t *result) {
  (void)arg;
  intptr_t inner = -1;
  int rc = corio_run(body_must_not_run, NULL, &inner);
  test_log("nested:%s", corio_err_name(rc));
  *result = rc;
  return CORIO_OK;
}

TEST(run_from_inside_a_task_is_a_runtime_error) {
  CHECK_INT(test_run(nested_run, NULL, CORIO_OK), CORIO_ERUNTIME);
  CHECK_LOG("nested:CORIO_ERUNTIME");
}

static int check_running_loop(void *arg, intptr_t *result) {
  (void)arg;
  *result = corio_running_loop() != NULL;
  return CORIO_OK;
}

TEST(running_loop_is_set_inside_run_and_null_outside) {
  CHECK(corio_running_loop() == NULL);
  CHECK_INT(test_run(check_running_loop, NULL, CORIO_OK), 1);
  CHECK(corio_running_loop() == NULL);
}

static int record_loop_in_child(void *arg, intptr_t *result) {
  (void)result;
  *(corio_loop_t **)arg = corio_running_loop();
  return CORIO_OK;
}

static int child_sees_same_loop(void *arg, intptr_t *result) {
  (void)arg;
  corio_loop_t *seen = NULL;
  corio_task_t *t;
  int rc = corio_task_create(&t, record_loop_in_child, &seen, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  corio_task_release(t);
  *result = seen != NULL && seen == corio_running_loop();
  return rc;
}

TEST(every_task_of_a_run_sees_the_same_running_loop) {
  CHECK_INT(test_run(child_sees_same_loop, NULL, CORIO_OK), 1);
}

TEST(sleep_outside_a_loop_is_enoloop) {
  CHECK_INT(corio_sleep(0.01), CORIO_ENOLOOP);
  CHECK_INT(corio_sleep(0), CORIO_ENOLOOP);
}

static void sleep_in_callback(void *data) { *(int *)data = corio_sleep(0.01); }

static int main_schedules_sleeping_callback(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_call_soon(NULL, sleep_in_callback, arg);
  if (rc != CORIO_OK) return rc;
  return corio_sleep(0.01);
}

TEST(sleep_in_a_loop_callback_returns_enotask) {
  int rc = 12345;
  test_run(main_schedules_sleeping_callback, &rc, CORIO_OK);
  CHECK_INT(rc, CORIO_ENOTASK);
}

static int wait_forever_on_event(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  rc = corio_event_wait(e); /* nothing can ever set it */
  corio_event_free(e);
  return rc;
}

TEST(run_where_nothing_can_wake_a_task_ends_with_edeadlk) {
  corio_outcome_t out = test_run_ex(wait_forever_on_event, NULL, CORIO_EDEADLK);
  CHECK_STR(out.message, corio_strerror(CORIO_EDEADLK));
}

/* Two tasks awaiting each other are a deadlock like any other: the run ends
 * with CORIO_EDEADLK. Breaking it cancels one, whose cancellation passes on
 * to the task it awaits, which awaits the first: that must end, not recurse
 * without bound. (asyncio: cancelling one raises RecursionError, and a main
 * awaiting it hangs forever.)
 *
 *   async def a(): await ts['b']
 *   async def b(): await ts['a']
 *   ... ts['a'].cancel()   -> RecursionError (a Python exception) */
static corio_task_t *cycle[2];

static int await_peer(void *arg, intptr_t *result) {
  int i = (int)(intptr_t)arg;
  return corio_await(cycle[1 - i], result);
}

static int cycle_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_create(&cycle[0], await_peer, (void *)(intptr_t)0, NULL);
  corio_task_create(&cycle[1], await_peer, (void *)(intptr_t)1, NULL);
  int rc = corio_await(cycle[0], NULL);
  test_log("main:%s", corio_err_name(rc));
  corio_task_release(cycle[0]);
  corio_task_release(cycle[1]);
  return rc;
}

TEST(tasks_awaiting_each_other_end_in_edeadlk_not_a_crash) {
  test_run(cycle_main, NULL, CORIO_EDEADLK);
}

static int run_twice_helper(void *arg, intptr_t *result) {
  (void)arg;
  *result = 7;
  return corio_sleep(0.01);
}

TEST(runs_can_follow_one_another) {
  CHECK_INT(test_run(run_twice_helper, NULL, CORIO_OK), 7);
  CHECK_INT(test_run(run_twice_helper, NULL, CORIO_OK), 7);
  CHECK(corio_running_loop() == NULL);
}

TEST(backend_name_is_not_empty) {
  const char *name = corio_backend_name();
  CHECK(name != NULL && name[0] != '\0');
}
