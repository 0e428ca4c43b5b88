/*
 * test_js.c — JS interop from C: corio_js_await settles a JS Promise into a
 * waiting task (a rejection becomes CORIO_EHOST with the Error's message),
 * and natively reports CORIO_ENOTSUP.
 */
#include <stdlib.h>

#include "test.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>

/* The JS functions the tests call, defined on globalThis. */
EM_JS(void, install_js_helpers, (void), {
  globalThis.corioTestResolveLater = function(arg) {
    return new Promise(function(resolve) {
      setTimeout(
          function() { resolve('got ' + arg); }, 5);
    });
  };
  globalThis.corioTestRejectLater = function(arg) {
    return new Promise(function(_, reject) {
      setTimeout(
          function() { reject(new Error(arg)); }, 5);
    });
  };
  globalThis.corioTestThrow = function(arg) {
    throw new TypeError('thrown: ' + arg);
  };
  globalThis.corioTestNever = function() { return new Promise(function(){}); };
  globalThis.corioTestPlainValue = function(arg) { return arg.length; };
});
#endif

static int await_js(void *arg, intptr_t *result) {
  const char **call = arg; /* {name, argument} */
  char *out = NULL;
  int rc = corio_js_await(call[0], call[1], &out);
  test_log("%s|%s|%s", corio_err_name(rc), out ? out : "", corio_errmsg());
  free(out);
  *result = 0;
  return CORIO_OK;
}

#ifdef __EMSCRIPTEN__

TEST(js_promise_fulfilment_reaches_c_as_a_string) {
  install_js_helpers();
  const char *call[] = {"corioTestResolveLater", "abc"};
  test_run(await_js, call, CORIO_OK);
  CHECK_LOG("CORIO_OK|got abc|");
}

TEST(js_promise_rejection_reaches_c_as_an_error) {
  install_js_helpers();
  const char *call[] = {"corioTestRejectLater", "boom"};
  test_run(await_js, call, CORIO_OK);
  CHECK_LOG("CORIO_EHOST||corioTestRejectLater: boom");
}

TEST(js_function_that_throws_reaches_c_as_an_error) {
  install_js_helpers();
  const char *call[] = {"corioTestThrow", "x"};
  test_run(await_js, call, CORIO_OK);
  CHECK_LOG("CORIO_EHOST||corioTestThrow: thrown: x");
}

TEST(js_missing_function_is_an_error_not_a_hang) {
  const char *call[] = {"corioTestNoSuchFunction", ""};
  test_run(await_js, call, CORIO_OK);
  CHECK_LOG("CORIO_EHOST||corioTestNoSuchFunction: "
            "globalThis.corioTestNoSuchFunction is not a function");
}

TEST(js_plain_return_value_is_accepted) {
  install_js_helpers();
  const char *call[] = {"corioTestPlainValue", "four"};
  test_run(await_js, call, CORIO_OK);
  CHECK_LOG("CORIO_OK|4|");
}

static int await_never(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_js_await("corioTestNever", "", NULL);
}

static int timeout_on_js(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  CHECK_INT(corio_task_create(&t, await_never, NULL, NULL), CORIO_OK);
  int rc = corio_wait_for(t, 0.02, result);
  CHECK(corio_task_cancelled(t));
  corio_task_release(t);
  return rc;
}

TEST(js_await_can_be_cancelled_by_a_timeout) {
  install_js_helpers();
  test_run(timeout_on_js, NULL, CORIO_ETIMEDOUT);
}

#else

TEST(js_await_is_not_supported_natively) {
  const char *call[] = {"anything", ""};
  test_run(await_js, call, CORIO_OK);
  CHECK_LOG(
      "CORIO_ENOTSUP||corio_js_await needs a WebAssembly build (no JS here)");
}

#endif
