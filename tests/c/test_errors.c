/*
 * test_errors.c — the error model: every status has a name and a message
 * (one X-macro makes them), unknown and application codes have fallbacks,
 * corio_fail returns its code, and an error travels with its message
 * through await, wait_for and up to corio_run's outcome.
 */
#include <string.h>

#include "test.h"

TEST(every_status_of_the_map_has_its_name_and_message) {
#define CHECK_STATUS(name, value, msg)                                         \
  CHECK_INT(CORIO_##name, value);                                              \
  CHECK_STR(corio_err_name(value), "CORIO_" #name);                            \
  CHECK_STR(corio_strerror(value), msg);
  CORIO_STATUS_MAP(CHECK_STATUS)
#undef CHECK_STATUS
}

TEST(status_values_are_distinct) {
  static const int values[] = {
#define STATUS_VALUE(name, value, msg) value,
      CORIO_STATUS_MAP(STATUS_VALUE)
#undef STATUS_VALUE
  };
  size_t n = sizeof values / sizeof values[0];
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) CHECK(values[i] != values[j]);
}

TEST(unknown_codes_have_a_fallback_name_and_message) {
  static const int unknown[] = {2, 42, -32, -100, -999};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    CHECK_STR(corio_strerror(unknown[i]), "unknown error");
    CHECK_STR(corio_err_name(unknown[i]), "CORIO_UNKNOWN");
  }
}

TEST(codes_at_or_below_euser_are_application_errors) {
  CHECK_STR(corio_strerror(CORIO_EUSER), "application error");
  CHECK_STR(corio_strerror(CORIO_EUSER - 5), "application error");
  CHECK_STR(corio_strerror(-2000000000), "application error");
  CHECK(corio_err_name(CORIO_EUSER) != NULL);
  CHECK(corio_err_name(CORIO_EUSER - 5) != NULL);
  CHECK_STR(corio_strerror(CORIO_EUSER + 1), "unknown error");
}

TEST(fail_returns_its_code_outside_a_task) {
  CHECK_INT(corio_fail(CORIO_EINVAL, "x"), CORIO_EINVAL);
  CHECK_INT(corio_fail(CORIO_EUSER - 3, "%s", "y"), CORIO_EUSER - 3);
  CHECK_INT(corio_fail(CORIO_OK, "z"), CORIO_OK);
}

static int fail_inside(void *arg, intptr_t *result) {
  (void)arg;
  *result =
      corio_fail(CORIO_ETIMEDOUT, "deadline %s", "missed") == CORIO_ETIMEDOUT &&
      corio_fail(CORIO_EUSER - 1, "mine") == CORIO_EUSER - 1;
  return CORIO_OK;
}

TEST(fail_returns_its_code_inside_a_task) {
  CHECK_INT(test_run(fail_inside, NULL, CORIO_OK), 1);
}

static int deepest(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_sleep(0.01);
  if (rc != CORIO_OK) return rc;
  return corio_fail(CORIO_EUSER - 11, "sensor %d offline", 4);
}

static int middle(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, deepest, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_fail(CORIO_EINVAL, "stale message of the middle task");
  rc = corio_await(t, result);
  test_log("middle:%s:[%s]",
           rc == CORIO_EUSER - 11 ? "user-11" : corio_err_name(rc),
           corio_errmsg());
  corio_task_release(t);
  return rc; /* propagates code and message together */
}

static int top(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, middle, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, result);
  test_log("top:%s:[%s]",
           rc == CORIO_EUSER - 11 ? "user-11" : corio_err_name(rc),
           corio_errmsg());
  CHECK_STR(corio_task_error(t), "sensor 4 offline");
  corio_task_release(t);
  return rc;
}

TEST(error_propagates_through_await_with_its_message) {
  corio_outcome_t out = test_run_ex(top, NULL, CORIO_EUSER - 11);
  CHECK_STR(out.message, "sensor 4 offline");
  CHECK_LOG("middle:user-11:[sensor 4 offline] top:user-11:[sensor 4 offline]");
}

static int wait_for_failure(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, deepest, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait_for(t, 1.0, result);
  test_log("wait_for:%s:[%s]",
           rc == CORIO_EUSER - 11 ? "user-11" : corio_err_name(rc),
           corio_errmsg());
  corio_task_release(t);
  return rc;
}

TEST(error_propagates_through_wait_for_with_its_message) {
  corio_outcome_t out = test_run_ex(wait_for_failure, NULL, CORIO_EUSER - 11);
  CHECK_STR(out.message, "sensor 4 offline");
  CHECK_LOG("wait_for:user-11:[sensor 4 offline]");
}

static int fail_long(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  char msg[400];
  memset(msg, 'x', sizeof msg - 1);
  msg[sizeof msg - 1] = '\0';
  return corio_fail(CORIO_EUSER - 1, "%s", msg);
}

TEST(long_error_message_is_truncated_in_the_outcome) {
  corio_outcome_t out = test_run_ex(fail_long, NULL, CORIO_EUSER - 1);
  CHECK_INT(strlen(out.message), sizeof out.message - 1);
  CHECK(out.message[0] == 'x' && out.message[sizeof out.message - 2] == 'x');
}

static int fail_long_in_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  char msg[1000];
  memset(msg, 'y', sizeof msg - 1);
  msg[sizeof msg - 1] = '\0';
  corio_fail(CORIO_EIO, "%s", msg);
  return strcmp(corio_errmsg(), msg) == 0 ? CORIO_OK : CORIO_EFAILED;
}

TEST(errmsg_keeps_a_long_message_whole_inside_the_task) {
  test_run(fail_long_in_task, NULL, CORIO_OK);
}
