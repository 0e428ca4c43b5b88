/*
 * test_future.c — asyncio.Future: a result slot without a body, set from
 * outside (a callback, another task), awaited by tasks, and accepted by
 * every combinator that takes tasks. Each test names the CPython test of
 * Lib/test/test_asyncio/ it mirrors.
 */
#include <stdlib.h>

#include "test.h"

static int future_states(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_future_t *f;
  CHECK_INT(corio_future_new(&f), CORIO_OK);
  intptr_t v = 0;
  test_log("done:%d cancelled:%d result:%s", corio_future_done(f),
           corio_future_cancelled(f),
           corio_err_name(corio_future_result(f, &v)));
  CHECK_INT(corio_future_set_result(f, 42), CORIO_OK);
  test_log("done:%d result:%s=%d", corio_future_done(f),
           corio_err_name(corio_future_result(f, &v)), (int)v);
  test_log("again:%s cancel:%d", corio_err_name(corio_future_set_result(f, 1)),
           corio_future_cancel(f, NULL));
  corio_future_release(f);

  corio_future_new(&f);
  CHECK_INT(corio_future_set_error(f, CORIO_EUSER - 1, "boom"), CORIO_OK);
  const char *msg = NULL;
  test_log("error:%s exception:%s(%s)",
           corio_err_name(corio_future_result(f, &v)),
           corio_err_name(corio_future_exception(f, &msg)), msg);
  test_log("set_error-ok:%s",
           corio_err_name(corio_future_set_error(f, CORIO_OK, NULL)));
  corio_future_release(f);

  corio_future_new(&f);
  test_log("cancel:%d cancelled:%d", corio_future_cancel(f, "why"),
           corio_future_cancelled(f));
  test_log("result:%s exception:%s(%s)",
           corio_err_name(corio_future_result(f, &v)),
           corio_err_name(corio_future_exception(f, &msg)), msg);
  corio_future_release(f);
  return CORIO_OK;
}

/* mirrors test_futures.py::BaseFutureTests::test_initial_state, test_result,
 * test_exception, test_cancel (with message: test_cancel_message_getter) */
TEST(a_future_is_pending_until_its_result_error_or_cancellation_is_set) {
  test_run(future_states, NULL, CORIO_OK);
  CHECK_LOG("done:0 cancelled:0 result:CORIO_EINVALSTATE "
            "done:1 result:CORIO_OK=42 again:CORIO_EINVALSTATE cancel:0 "
            "error:CORIO_EUSER exception:CORIO_EUSER(boom) "
            "set_error-ok:CORIO_EINVAL "
            "cancel:1 cancelled:1 result:CORIO_ECANCELLED "
            "exception:CORIO_ECANCELLED(why)");
}

static void set_later(void *data) { corio_future_set_result(data, 7); }

static void on_done(corio_task_t *f, void *data) {
  (void)f;
  test_log("cb:%s", (const char *)data);
}

static int await_future(void *arg, intptr_t *result) {
  (void)arg;
  corio_future_t *f;
  corio_future_new(&f);
  corio_future_add_done_callback(f, on_done, "a");
  corio_future_add_done_callback(f, on_done, "b");
  corio_future_add_done_callback(f, on_done, "a");
  test_log("removed:%zu", corio_future_remove_done_callback(f, on_done, "a"));
  corio_handle_t h;
  corio_call_later(&h, 0.001, set_later, f);
  int rc = corio_await(f, result);
  test_log("await:%s", corio_err_name(rc));
  corio_sleep(0);
  corio_future_release(f);
  return rc;
}

/* mirrors
 * test_futures.py::BaseFutureDoneCallbackTests::test_remove_done_callback and
 * test_tasks.py::test_task_await_future (a callback sets it) */
TEST(a_task_awaits_a_future_that_a_callback_sets) {
  CHECK_INT(test_run(await_future, NULL, CORIO_OK), 7);
  CHECK_LOG("removed:2 cb:b await:CORIO_OK");
}

static int awaiter(void *arg, intptr_t *result) {
  int rc = corio_await(arg, result);
  test_log("awaiter:%s", corio_err_name(rc));
  return rc;
}

static int cancel_reaches_future(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_future_t *f;
  corio_future_new(&f);
  corio_task_t *t;
  corio_task_create(&t, awaiter, f, NULL);
  corio_sleep(0);
  corio_task_cancel(t, "stop");
  int rc = corio_await(t, NULL);
  test_log("task:%s future-cancelled:%d msg:%s", corio_err_name(rc),
           corio_future_cancelled(f), corio_errmsg());
  corio_task_release(t);
  corio_future_release(f);
  return CORIO_OK;
}

/* mirrors test_tasks.py::test_cancel_inner_future */
TEST(cancelling_a_task_that_awaits_a_future_cancels_the_future) {
  test_run(cancel_reaches_future, NULL, CORIO_OK);
  CHECK_LOG("awaiter:CORIO_ECANCELLED task:CORIO_ECANCELLED "
            "future-cancelled:1 msg:stop");
}

static int combinators(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_future_t *f[2];
  corio_future_new(&f[0]);
  corio_future_new(&f[1]);
  corio_handle_t h;
  corio_call_soon(&h, set_later, f[1]);
  corio_future_set_result(f[0], 5);
  intptr_t values[2] = {0, 0};
  int rc = corio_gather(f, 2, values, NULL);
  test_log("gather:%s %d,%d", corio_err_name(rc), (int)values[0],
           (int)values[1]);
  corio_future_release(f[0]);
  corio_future_release(f[1]);

  corio_future_t *slow;
  corio_future_new(&slow);
  size_t nd = 0, np = 0;
  rc = corio_wait(&slow, 1, CORIO_ALL_COMPLETED, 0.001, NULL, &nd, NULL, &np);
  test_log("wait:%s %zu/%zu", corio_err_name(rc), nd, np);
  rc = corio_wait_for(slow, 0.001, NULL);
  test_log("wait_for:%s cancelled:%d", corio_err_name(rc),
           corio_future_cancelled(slow));
  corio_future_release(slow);

  corio_future_t *shielded;
  corio_future_new(&shielded);
  corio_call_soon(&h, set_later, shielded);
  intptr_t v = 0;
  rc = corio_shield(shielded, &v);
  test_log("shield:%s %d", corio_err_name(rc), (int)v);
  corio_as_completed_t *it;
  corio_as_completed_new(&it, &shielded, 1, CORIO_FOREVER);
  corio_task_t *next = NULL;
  rc = corio_as_completed_next(it, &next);
  test_log("as_completed:%s same:%d", corio_err_name(rc), next == shielded);
  corio_as_completed_free(it);
  corio_future_release(shielded);
  return CORIO_OK;
}

/* mirrors test_tasks.py::test_gather (futures), test_wait_with_timeout,
 * test_waitfor.py::test_wait_for_with_global_loop's timeout of a future,
 * test_tasks.py::test_shield_result and test_as_completed with futures */
TEST(gather_wait_wait_for_shield_and_as_completed_accept_futures) {
  test_run(combinators, NULL, CORIO_OK);
  CHECK_LOG("gather:CORIO_OK 5,7 wait:CORIO_OK 0/1 "
            "wait_for:CORIO_ETIMEDOUT cancelled:1 shield:CORIO_OK 7 "
            "as_completed:CORIO_OK same:1");
}

static int set_a_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *self = corio_current_task();
  test_log("task:%s", corio_err_name(corio_future_set_result(self, 1)));
  test_log("error:%s",
           corio_err_name(corio_future_set_error(self, CORIO_EUSER, NULL)));
  return CORIO_OK;
}

/* mirrors test_tasks.py::test_set_result_causes_invalid_state (a task's
 * outcome is not set from outside) and test_futures.py's
 * test_constructor_without_loop (no running loop) */
TEST(a_task_refuses_set_result_and_a_future_needs_a_loop) {
  test_run(set_a_task, NULL, CORIO_OK);
  CHECK_LOG("task:CORIO_ERUNTIME error:CORIO_ERUNTIME");
  corio_future_t *f = (corio_future_t *)&f;
  CHECK_INT(corio_future_new(&f), CORIO_ENOLOOP);
  CHECK(f == NULL);
}
