/*
 * test_coro.c — coroutine objects: deferred until awaited or wrapped in a
 * task, run in the awaiting task without a loop step, used once; gather,
 * wait_for, shield and create_task accept one. Each test names the CPython
 * test it mirrors.
 */
#include "test.h"

static int body(void *arg, intptr_t *result) {
  int *runs = arg;
  (*runs)++;
  test_log("body-in-main:%d", corio_current_task() != NULL);
  *result = 10 + *runs;
  return CORIO_OK;
}

static int sleepy(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_sleep(10);
  test_log("sleepy:%s", corio_err_name(rc));
  *result = 1;
  return rc;
}

static int await_twice(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int runs = 0;
  corio_coro_t *c;
  corio_coro_new(&c, body, &runs);
  test_log("runs-before:%d used:%d", runs, corio_coro_used(c));
  corio_task_t *self = corio_current_task();
  intptr_t v = 0;
  int rc = corio_coro_await(c, &v);
  test_log("await:%s=%d same-task:%d", corio_err_name(rc), (int)v,
           corio_current_task() == self);
  rc = corio_coro_await(c, &v);
  test_log("again:%s(%s) runs:%d", corio_err_name(rc), corio_errmsg(), runs);
  corio_task_t *t;
  test_log("task:%s", corio_err_name(corio_task_create_coro(&t, c, NULL)));
  corio_coro_free(c);
  return CORIO_OK;
}

/* mirrors the RuntimeError that Lib/test/test_coroutines.py's
 * CoroutineTest checks for a coroutine awaited twice ("cannot reuse already
 * awaited coroutine"); no test_asyncio test pins the deferred start, which
 * follows a Python coroutine object (nothing runs before the first send) */
TEST(a_coroutine_object_runs_when_awaited_and_only_once) {
  test_run(await_twice, NULL, CORIO_OK);
  CHECK_LOG("runs-before:0 used:0 body-in-main:1 await:CORIO_OK=11 "
            "same-task:1 again:CORIO_ERUNTIME(cannot reuse already awaited "
            "coroutine) runs:1 task:CORIO_ERUNTIME");
}

static int combinators(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int runs = 0;
  corio_coro_t *a, *b, *slow, *shielded;
  corio_coro_new(&a, body, &runs);
  corio_coro_new(&b, body, &runs);
  corio_coro_t *both[] = {a, b};
  intptr_t values[2];
  int rc = corio_gather_coro(both, 2, values, NULL);
  test_log("gather:%s %d,%d", corio_err_name(rc), (int)values[0],
           (int)values[1]);
  test_log("gather-again:%s",
           corio_err_name(corio_gather_coro(both, 2, NULL, NULL)));
  corio_coro_new(&slow, sleepy, NULL);
  rc = corio_wait_for_coro(slow, 0.001, NULL);
  test_log("wait_for:%s", corio_err_name(rc));
  corio_coro_new(&shielded, body, &runs);
  intptr_t v = 0;
  rc = corio_shield_coro(shielded, &v);
  test_log("shield:%s=%d", corio_err_name(rc), (int)v);
  corio_task_t *t;
  corio_coro_t *wrapped;
  corio_coro_new(&wrapped, body, &runs);
  corio_task_create_coro(&t, wrapped, NULL);
  corio_coro_free(wrapped); /* the task keeps what it needs */
  rc = corio_await(t, &v);
  test_log("task:%s=%d", corio_err_name(rc), (int)v);
  corio_task_release(t);
  corio_coro_free(a);
  corio_coro_free(b);
  corio_coro_free(slow);
  corio_coro_free(shielded);
  return CORIO_OK;
}

/* mirrors test_tasks.py::test_gather with coroutines (each wrapped by
 * ensure_future), test_waitfor.py::test_wait_for's coroutine timing out,
 * test_tasks.py::test_shield_result with a coroutine and
 * test_tasks.py::test_create_task_with_coroutine */
TEST(gather_wait_for_shield_and_create_task_accept_coroutine_objects) {
  test_run(combinators, NULL, CORIO_OK);
  CHECK_LOG("body-in-main:1 body-in-main:1 gather:CORIO_OK 11,12 "
            "gather-again:CORIO_ERUNTIME sleepy:CORIO_ECANCELLED "
            "wait_for:CORIO_ETIMEDOUT body-in-main:1 shield:CORIO_OK=13 "
            "body-in-main:1 task:CORIO_OK=14");
}
