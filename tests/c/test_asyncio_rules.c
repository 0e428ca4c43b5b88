/*
 * test_asyncio_rules.c — the rules where corio must do what asyncio does,
 * call for call (issue 14, bugs 1-9): one scheduling step from a completion
 * to its waiter, a timeout scope entered once, corio_run reporting main's
 * own status, TaskGroup's cancellation accounting of Python 3.13, timeouts
 * <= 0 as expired and CORIO_FOREVER as none, wait/as_completed over sets,
 * a semaphore's value, a pending task's result, and "no running event
 * loop". Each test names the CPython test (Lib/test/test_asyncio/) it
 * mirrors, or the CPython code whose behaviour it pins when no test does.
 */
#include <math.h>
#include <stdlib.h>

#include "test.h"

/* ---- 1. a completion wakes its waiter with one scheduling step ---------- */

static int two_steps(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("b0");
  corio_sleep(0);
  test_log("b1");
  return CORIO_OK;
}

static int await_it(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_await(arg, NULL);
  test_log("a:%s", corio_err_name(rc));
  return rc;
}

static int wait_for_it(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_wait_for(arg, 10, NULL);
  test_log("a:%s", corio_err_name(rc));
  return rc;
}

static int ticker(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  for (int i = 0; i < 4; i++) {
    test_log("c%d", i);
    corio_sleep(0);
  }
  return CORIO_OK;
}

/* b, then a waiting for b, then c ticking: asyncio runs a one iteration
 * after b's end (b's done callback is a's Task.__wakeup), so a's line comes
 * between c1 and c2. */
static int interleave(void *arg, intptr_t *result) {
  (void)result;
  corio_fn waiter = arg;
  corio_task_t *b, *a, *c;
  corio_task_create(&b, two_steps, NULL, NULL);
  corio_task_create(&a, waiter, b, NULL);
  corio_task_create(&c, ticker, NULL, NULL);
  corio_task_t *all[] = {a, b, c};
  int rc = corio_gather(all, 3, NULL, NULL);
  for (int i = 0; i < 3; i++) corio_task_release(all[i]);
  return rc;
}

/* No CPython test pins this order; it follows tasks.py, where awaiting a
 * task registers the waiter's __wakeup as the awaited task's done
 * callback, which the loop calls once. */
TEST(an_awaiting_task_resumes_one_loop_step_after_the_awaited_one_ends) {
  test_run(interleave, (void *)await_it, CORIO_OK);
  CHECK_LOG("b0 c0 b1 c1 a:CORIO_OK c2 c3");
}

/* mirrors the same rule through wait_for (tasks.py's wait_for awaits the
 * task inside a timeout scope in 3.12+) */
TEST(wait_for_resumes_one_loop_step_after_the_task_ends) {
  test_run(interleave, (void *)wait_for_it, CORIO_OK);
  CHECK_LOG("b0 c0 b1 c1 a:CORIO_OK c2 c3");
}

/* ---- 2. a timeout scope is entered once --------------------------------- */

static int enter_twice(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  CHECK_INT(corio_timeout_enter(&to, 10), CORIO_OK);
  test_log("again:%s", corio_err_name(corio_timeout_enter(&to, 10)));
  test_log("msg:%s", corio_errmsg());
  int rc = corio_timeout_exit(&to, corio_sleep(0.001));
  test_log("exit:%s", corio_err_name(rc));
  test_log("after-exit:%s", corio_err_name(corio_timeout_enter(&to, 10)));
  test_log("after-exit-at:%s",
           corio_err_name(corio_timeout_enter_at(&to, corio_time() + 10)));
  return CORIO_OK;
}

/* mirrors test_timeouts.py::test_timeout_double_enter and
 * test_timeout_finished (the run also ends: no stale timer is left for the
 * loop's teardown) */
TEST(a_timeout_scope_entered_again_or_after_exit_is_refused) {
  test_run(enter_twice, NULL, CORIO_OK);
  CHECK_LOG("again:CORIO_ERUNTIME msg:Timeout has already been entered (a "
            "scope is entered once; start from CORIO_TIMEOUT_INIT) "
            "exit:CORIO_OK after-exit:CORIO_ERUNTIME "
            "after-exit-at:CORIO_ERUNTIME");
}

static int cm_body(void *data) {
  (void)data;
  return corio_sleep(0);
}

static int timeout_cm_twice(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_cm_state_t state;
  corio_acm_t cm = corio_timeout_cm(&state, 10);
  test_log("first:%s", corio_err_name(corio_with(cm, cm_body, NULL)));
  test_log("second:%s", corio_err_name(corio_with(cm, cm_body, NULL)));
  cm = corio_timeout_cm(&state, 10); /* a new asyncio.timeout(10) */
  test_log("new:%s", corio_err_name(corio_with(cm, cm_body, NULL)));
  return CORIO_OK;
}

/* mirrors test_timeouts.py::test_timeout_already_entered, through the
 * context manager: one manager, entered once */
TEST(a_timeout_context_manager_is_entered_once) {
  test_run(timeout_cm_twice, NULL, CORIO_OK);
  CHECK_LOG("first:CORIO_OK second:CORIO_ERUNTIME new:CORIO_OK");
}

static corio_timeout_t *leaked_scope;

static int enter_and_leave_unexited(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static corio_timeout_t to; /* outlives the task: the timer stays armed */
  to = (corio_timeout_t)CORIO_TIMEOUT_INIT;
  leaked_scope = &to;
  corio_timeout_enter(&to, 1000);
  CHECK_INT(corio_timeout_enter(&to, 1000), CORIO_ERUNTIME);
  return CORIO_OK;
}

/* The bug's own scene: a double entry used to push one timer twice and the
 * run's teardown spun for ever. Now it ends, dropping the armed timer. */
TEST(a_run_ends_though_a_scope_was_left_armed) {
  test_run(enter_and_leave_unexited, NULL, CORIO_OK);
  CHECK(leaked_scope != NULL);
}

/* ---- 3. corio_run reports main's own status ----------------------------- */

static int return_code(void *arg, intptr_t *result) {
  (void)result;
  int code = (int)(intptr_t)arg;
  return corio_fail(code, "main says %s", corio_err_name(code));
}

/* mirrors test_runners.py::RunTests::test_asyncio_run_raises (whatever main
 * raises, run raises) */
TEST(corio_run_returns_whatever_status_main_returned) {
  static const int codes[] = {CORIO_EINVALSTATE, CORIO_EDEADLK, CORIO_ENOTASK,
                              CORIO_ERUNTIME, CORIO_EUSER - 3};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    corio_outcome_t out;
    int rc = corio_run_ex(return_code, (void *)(intptr_t)codes[i], NULL, &out);
    CHECK_INT(rc, codes[i]);
    CHECK_INT(out.code, codes[i]);
    char want[64];
    snprintf(want, sizeof want, "main says %s", corio_err_name(codes[i]));
    CHECK_STR(out.message, want);
  }
}

/* ---- 4. TaskGroup's cancellation accounting (Python 3.13) --------------- */

typedef struct raiser {
  double after;
  int code;
  corio_event_t *set_first; /* set before sleeping, if not NULL */
} raiser_t;

static int raise_after(void *arg, intptr_t *result) {
  (void)result;
  raiser_t *r = arg;
  if (r->set_first) corio_event_set(r->set_first);
  int rc = corio_sleep(r->after);
  if (rc != CORIO_OK) return rc;
  return corio_fail(r->code, "raised");
}

static int nested_groups(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  raiser_t runtime_error = {0, CORIO_EUSER - 1, NULL};
  raiser_t value_error = {0, CORIO_EUSER - 2, NULL};
  corio_task_t *self = corio_current_task();
  corio_task_group_t *outer, *inner;
  corio_task_group_new(&outer);
  corio_task_group_new(&inner);
  corio_task_group_spawn(inner, NULL, raise_after, &runtime_error, NULL);
  corio_task_group_spawn(outer, NULL, raise_after, &value_error, NULL);
  int rc = corio_task_group_wait(inner, CORIO_OK);
  test_log("inner:%s cancelling:%d", corio_err_name(rc),
           corio_task_cancelling(self));
  corio_task_group_free(inner);
  rc = corio_task_group_wait(outer, CORIO_OK); /* except* RuntimeError: pass */
  test_log("outer:%s cancelling:%d", corio_err_name(rc),
           corio_task_cancelling(self));
  corio_task_group_free(outer);
  return CORIO_OK;
}

/* mirrors test_taskgroups.py::test_nested_groups_both_cancelled */
TEST(nested_task_groups_both_cancelled_leave_cancelling_at_zero) {
  test_run(nested_groups, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_EGROUP cancelling:1 outer:CORIO_EGROUP cancelling:0");
}

static int inner_with_group(void *arg, intptr_t *result) {
  (void)result;
  raiser_t *r = arg;
  corio_task_t *self = corio_current_task();
  corio_task_group_t *g;
  corio_task_group_new(&g);
  corio_task_group_spawn(g, NULL, raise_after, r, NULL);
  int rc = corio_sleep(1);
  test_log("body:%s", corio_err_name(rc));
  rc = corio_task_group_wait(g, rc);
  corio_task_group_free(g);
  test_log("group:%s cancelling:%d", corio_err_name(rc),
           corio_task_cancelling(self));
  rc = corio_sleep(1); /* the outside cancellation is still due */
  test_log("after:%s", corio_err_name(rc));
  return rc;
}

static int error_and_cancel(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *event;
  corio_event_new(&event);
  raiser_t r = {0, CORIO_EUSER - 1, event};
  corio_task_t *t;
  corio_task_create(&t, inner_with_group, &r, NULL);
  corio_event_wait(event);
  test_log("before:%d", corio_task_cancelling(t));
  corio_task_cancel(t, NULL);
  test_log("requested:%d", corio_task_cancelling(t));
  int rc = corio_await(t, NULL);
  test_log("await:%s cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(t));
  corio_task_release(t);
  corio_event_free(event);
  return CORIO_OK;
}

/* mirrors test_taskgroups.py::test_error_and_cancel */
TEST(an_outside_cancel_arriving_with_a_child_error_is_not_lost) {
  test_run(error_and_cancel, NULL, CORIO_OK);
  CHECK_LOG("before:0 requested:1 body:CORIO_ECANCELLED "
            "group:CORIO_EGROUP cancelling:1 after:CORIO_ECANCELLED "
            "await:CORIO_ECANCELLED cancelled:1");
}

static int level_preserved(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  raiser_t r = {0, CORIO_EUSER - 1, NULL};
  corio_task_group_t *g;
  corio_task_group_new(&g);
  corio_task_group_spawn(g, NULL, raise_after, &r, NULL);
  int rc = corio_task_group_wait(g, CORIO_OK);
  corio_task_group_free(g);
  test_log("group:%s cancelling:%d", corio_err_name(rc),
           corio_task_cancelling(corio_current_task()));
  return CORIO_OK;
}

/* mirrors test_taskgroups.py::test_cancelling_level_preserved: the group's
 * own cancel request arrives while the owner waits in the exit, and is
 * taken back after the wait */
TEST(a_group_takes_back_its_own_cancel_request_after_waiting) {
  test_run(level_preserved, NULL, CORIO_OK);
  CHECK_LOG("group:CORIO_EGROUP cancelling:0");
}

/* ---- 5. timeouts <= 0 have expired; CORIO_FOREVER is none --------------- */

static int sleeper(void *arg, intptr_t *result) {
  (void)result;
  return corio_sleep(*(double *)arg);
}

static int wait_for_non_positive(void *arg, intptr_t *result) {
  (void)result;
  double timeout = *(double *)arg, nap = 10;
  corio_task_t *t;
  corio_task_create(&t, sleeper, &nap, NULL);
  double t0 = corio_time();
  int rc = corio_wait_for(t, timeout, NULL);
  test_log("wait_for:%s cancelled:%d quick:%d", corio_err_name(rc),
           corio_task_cancelled(t), corio_time() - t0 < 1);
  corio_task_release(t);
  return CORIO_OK;
}

/* mirrors test_waitfor.py::test_wait_for_timeout_less_then_0_or_0 */
TEST(wait_for_with_a_negative_timeout_times_out_at_once) {
  double timeout = -1;
  test_run(wait_for_non_positive, &timeout, CORIO_OK);
  timeout = 0;
  test_run(wait_for_non_positive, &timeout, CORIO_OK);
  CHECK_LOG("wait_for:CORIO_ETIMEDOUT cancelled:1 quick:1 "
            "wait_for:CORIO_ETIMEDOUT cancelled:1 quick:1");
}

static int scope_non_positive(void *arg, intptr_t *result) {
  (void)result;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  double t0 = corio_time();
  corio_timeout_enter(&to, *(double *)arg);
  int rc = corio_timeout_exit(&to, corio_sleep(10));
  test_log("scope:%s quick:%d", corio_err_name(rc), corio_time() - t0 < 1);
  return CORIO_OK;
}

/* mirrors test_timeouts.py::test_timeout_zero and
 * test_timeout_in_the_past_sleep_zero */
TEST(a_scope_with_a_non_positive_delay_expires_at_its_first_wait) {
  double delay = -5;
  test_run(scope_non_positive, &delay, CORIO_OK);
  delay = 0;
  test_run(scope_non_positive, &delay, CORIO_OK);
  CHECK_LOG("scope:CORIO_ETIMEDOUT quick:1 scope:CORIO_ETIMEDOUT quick:1");
}

static int forever(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  double nap = 0.01;
  corio_task_t *t;
  corio_task_create(&t, sleeper, &nap, NULL);
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  corio_timeout_enter(&to, CORIO_FOREVER);
  test_log("when-forever:%d", corio_timeout_when(&to) == CORIO_FOREVER);
  int rc = corio_timeout_exit(&to, corio_wait_for(t, CORIO_FOREVER, NULL));
  test_log("rc:%s", corio_err_name(rc));
  size_t nd = 0, np = 0;
  rc = corio_wait(&t, 1, CORIO_ALL_COMPLETED, CORIO_FOREVER, NULL, &nd, NULL,
                  &np);
  test_log("wait:%s %zu/%zu", corio_err_name(rc), nd, np);
  test_log("nan:%s", corio_err_name(corio_wait_for(t, NAN, NULL)));
  corio_task_release(t);
  return CORIO_OK;
}

/* mirrors test_timeouts.py::test_timeout_disabled and
 * test_waitfor.py::test_wait_for_timeout_none */
TEST(corio_forever_means_no_limit) {
  test_run(forever, NULL, CORIO_OK);
  CHECK_LOG("when-forever:1 rc:CORIO_OK wait:CORIO_OK 1/0 nan:CORIO_EINVAL");
}

/* ---- 6. wait and as_completed treat a task given twice once ------------- */

static int wait_duplicates(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  double nap = 0.001;
  corio_task_t *t;
  corio_task_create(&t, sleeper, &nap, NULL);
  corio_task_t *twice[] = {t, t}, *done[2], *pending[2];
  size_t nd = 9, np = 9;
  int rc = corio_wait(twice, 2, CORIO_ALL_COMPLETED, CORIO_FOREVER, done, &nd,
                      pending, &np);
  test_log("wait:%s done:%zu pending:%zu same:%d", corio_err_name(rc), nd, np,
           done[0] == t);
  corio_as_completed_t *it;
  corio_as_completed_new(&it, twice, 2, CORIO_FOREVER);
  corio_task_t *next;
  int n = 0;
  while ((rc = corio_as_completed_next(it, &next)) == CORIO_OK) n++;
  test_log("as_completed:%d %s", n, corio_err_name(rc));
  corio_as_completed_free(it);
  corio_task_release(t);
  return CORIO_OK;
}

/* mirrors test_tasks.py::test_wait_duplicate_coroutines and
 * test_as_completed_duplicate_coroutines */
TEST(wait_and_as_completed_treat_a_task_given_twice_once) {
  test_run(wait_duplicates, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_OK done:1 pending:0 same:1 as_completed:1 CORIO_END");
}

/* ---- 7. a semaphore's initial value is not negative --------------------- */

/* mirrors test_locks.py::SemaphoreTests::test_semaphore_value */
TEST(a_negative_semaphore_value_is_einval) {
  corio_semaphore_t *s = (corio_semaphore_t *)&s;
  CHECK_INT(corio_semaphore_new(&s, -1), CORIO_EINVAL);
  CHECK(s == NULL);
  CHECK_INT(corio_semaphore_new_bounded(&s, -1), CORIO_EINVAL);
  CHECK_INT(corio_semaphore_new(&s, 0), CORIO_OK);
  CHECK_INT(corio_semaphore_value(s), 0);
  corio_semaphore_free(s);
}

/* ---- 8. a pending task's result is CORIO_EINVALSTATE -------------------- */

static int fail_invalid_state(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_fail(CORIO_EINVALSTATE, "the task's own error");
}

static int pending_result(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_create(&t, fail_invalid_state, NULL, NULL);
  const char *msg = "unset";
  test_log("pending-result:%s(%s)", corio_err_name(corio_task_result(t, NULL)),
           corio_errmsg());
  test_log("pending-exception:%s(%s) msg-null:%d",
           corio_err_name(corio_task_exception(t, &msg)), corio_errmsg(),
           msg == NULL);
  corio_gather(&t, 1, NULL, (int[1]){0});
  test_log("done-result:%s", corio_err_name(corio_task_result(t, NULL)));
  test_log("done-exception:%s(%s)",
           corio_err_name(corio_task_exception(t, &msg)), msg ? msg : "null");
  corio_task_release(t);
  return CORIO_OK;
}

/* mirrors test_futures.py::BaseFutureTests::test_result and
 * test_exception (InvalidStateError while pending) */
TEST(a_pending_task_result_is_einvalstate_told_apart_from_a_failure) {
  test_run(pending_result, NULL, CORIO_OK);
  CHECK_LOG("pending-result:CORIO_EINVALSTATE(Result is not set.) "
            "pending-exception:CORIO_EINVALSTATE(Exception is not set.) "
            "msg-null:1 done-result:CORIO_EINVALSTATE "
            "done-exception:CORIO_EINVALSTATE(the task's own error)");
}

/* ---- 9. "no running event loop" is a status of its own ------------------ */

static int return_ok(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return CORIO_OK;
}

/* mirrors test_tasks.py::test_current_task_no_running_loop_implicit and
 * test_events.py's get_running_loop() without a loop */
TEST(calls_needing_a_running_loop_outside_one_are_enoloop) {
  corio_task_t *t = (corio_task_t *)&t;
  CHECK_INT(corio_get_current_task(&t), CORIO_ENOLOOP);
  CHECK(t == NULL);
  corio_loop_t *loop = (corio_loop_t *)&loop;
  CHECK_INT(corio_get_running_loop(&loop), CORIO_ENOLOOP);
  CHECK(loop == NULL);
  CHECK_INT(corio_sleep(0), CORIO_ENOLOOP);
  CHECK_INT(corio_task_create(&t, return_ok, NULL, NULL), CORIO_ENOLOOP);
  CHECK_INT(corio_call_soon(NULL, NULL, NULL), CORIO_ENOLOOP);
  CHECK_STR(corio_strerror(CORIO_ENOLOOP), "no running event loop");
}

static void in_callback(void *data) {
  corio_task_t *t = (corio_task_t *)&t;
  int *codes = data;
  codes[0] = corio_get_current_task(&t);
  codes[1] = t == NULL;
  codes[2] = corio_sleep(0);
}

static int main_with_callback(void *arg, intptr_t *result) {
  (void)result;
  corio_call_soon(NULL, in_callback, arg);
  corio_task_t *self = NULL;
  test_log("in-task:%s %d", corio_err_name(corio_get_current_task(&self)),
           self == corio_current_task() && self != NULL);
  return corio_sleep(0.001);
}

/* A loop callback is in the loop but in no task: current_task() is None
 * there, and awaiting is impossible (CORIO_ENOTASK). */
TEST(in_a_loop_callback_current_task_is_null_and_waiting_is_enotask) {
  int codes[3] = {99, 99, 99};
  test_run(main_with_callback, codes, CORIO_OK);
  CHECK_LOG("in-task:CORIO_OK 1");
  CHECK_INT(codes[0], CORIO_OK);
  CHECK_INT(codes[1], 1);
  CHECK_INT(codes[2], CORIO_ENOTASK);
}

/* Every asyncio exception class in the header's table has its own status. */
TEST(asyncio_exception_classes_map_to_distinct_statuses) {
  const int codes[] = {CORIO_ECANCELLED,  CORIO_ETIMEDOUT, CORIO_EINVALSTATE,
                       CORIO_ENOLOOP,     CORIO_ERUNTIME,  CORIO_EINVAL,
                       CORIO_EINCOMPLETE, CORIO_ELIMIT,    CORIO_EEMPTY,
                       CORIO_EFULL,       CORIO_ECLOSED,   CORIO_EBROKEN,
                       CORIO_EGROUP};
  size_t n = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < n; i++) {
    CHECK(strcmp(corio_err_name(codes[i]), "CORIO_UNKNOWN") != 0);
    for (size_t j = i + 1; j < n; j++) CHECK(codes[i] != codes[j]);
  }
}
