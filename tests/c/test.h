/*
 * test.h — the tiny test framework shared by every C test file.
 *
 * A test is `TEST(name) { ... }`; it registers itself at startup. The same
 * files build natively (under ASan/UBSan) and to wasm; tests/c/runner.c
 * lists and runs them (see its comment for the command line). CHECK* macros
 * record a failure with file and line and let the test go on, so one run
 * reports every broken expectation.
 */
#ifndef CORIO_TEST_H
#define CORIO_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "corio.h"

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn, const char *file);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define TEST(name)                                                             \
  static void test_##name(void);                                               \
  __attribute__((constructor)) static void test_register_##name(void) {        \
    test_register(#name, test_##name, __FILE__);                               \
  }                                                                            \
  static void test_##name(void)

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);            \
  } while (0)

/* Integers, including statuses; prints status names where they apply. */
#define CHECK_INT(actual, expected)                                            \
  do {                                                                         \
    long long a_ = (long long)(actual), e_ = (long long)(expected);            \
    if (a_ != e_)                                                              \
      test_fail(__FILE__, __LINE__,                                            \
                "%s == %lld (%s), expected %s == %lld (%s)", #actual, a_,      \
                corio_err_name((int)a_), #expected, e_,                        \
                corio_err_name((int)e_));                                      \
  } while (0)

#define CHECK_STR(actual, expected)                                            \
  do {                                                                         \
    const char *a_ = (actual), *e_ = (expected);                               \
    if (a_ == NULL || e_ == NULL ? a_ != e_ : strcmp(a_, e_) != 0)             \
      test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #actual,  \
                a_ ? a_ : "(null)", e_ ? e_ : "(null)");                       \
  } while (0)

/* An event log for ordering tests: log("a"); ... CHECK_LOG("a b c"). */
void test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *test_log_text(void); /* space-separated entries so far */
void test_log_reset(void);
#define CHECK_LOG(expected) CHECK_STR(test_log_text(), (expected))

/* From a task: yields five times, so that every task created so far runs
 * until it waits (for ordering tests). */
void test_settle(void);

/* The base URL of the HTTP fixture server (tests/fixtures/http_fixture.mjs,
 * ending in "/"), given to the runner as --fixture=URL by
 * tests/node/c_suite.test.mjs; NULL when the runner was started without.
 * test_fixture_url("404") is base + "404" in a static buffer (one at a
 * time). A test that needs the fixtures fails, saying so, without them. */
const char *test_fixture_base(void);
const char *test_fixture_url(const char *path);
/* The fixture's "banner" URL (a raw TCP port that speaks first, not HTTP)
 * or "refused" URL (a port nobody listens on). */
const char *test_fixture_special(const char *which);

/* Runs fn as a main coroutine with corio_run and checks it returned
 * `expected_status`; returns the result value. */
intptr_t test_run(corio_fn fn, void *arg, int expected_status);

/* The same with corio_run_ex, over an outcome filled with garbage first:
 * checks the status and that the outcome's code is it; returns the
 * outcome. */
corio_outcome_t test_run_ex(corio_fn fn, void *arg, int expected_status);

/* ---- from a task ---- */

/* Creates a task running fn(arg) (the test fails if it cannot) and returns
 * it, or NULL; the caller owns the reference. */
corio_task_t *test_start(corio_fn fn, void *arg);

/* Runs fn(arg) as a task of its own and awaits it; returns the await's
 * status and stores the task's value in *result (may be NULL). */
int test_await_new(corio_fn fn, void *arg, intptr_t *result);

/* Task bodies tests share: logs arg (a string) and returns CORIO_OK;
 * sleeps 10 s (long enough to be cancelled) and returns its status. */
int test_task_log_arg(void *arg, intptr_t *result);
int test_task_sleep_long(void *arg, intptr_t *result);
/* Awaits the task arg; its status and value are this task's. */
int test_task_await_arg(void *arg, intptr_t *result);

#endif
