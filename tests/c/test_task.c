/*
 * test_task.c — tasks as asyncio.Task: when a new task first runs, names,
 * status, result and error of a finished task, the current task, the list
 * of tasks not done, references (fire and forget), and the per-task error
 * message.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* A coroutine that logs its name argument and returns 0. */
static int log_arg(void *arg, intptr_t *result) {
  (void)result;
  test_log("%s", (const char *)arg);
  return CORIO_OK;
}

/* Sleeps arg seconds (as a double*), then returns 1. */
static int sleep_then_one(void *arg, intptr_t *result) {
  int rc = corio_sleep(*(const double *)arg);
  *result = 1;
  return rc;
}

static int return_value(void *arg, intptr_t *result) {
  *result = (intptr_t)arg;
  return CORIO_OK;
}

static int fail_with_message(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_fail(CORIO_EUSER - 3, "widget %s broke", "W");
}

static int creator_logs_around_suspension(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, log_arg, "child-runs", NULL);
  if (rc != CORIO_OK) return rc;
  test_log("created");
  test_log("still-creator");
  rc = corio_sleep(0);
  test_log("creator-resumed");
  corio_task_release(t);
  return rc;
}

TEST(new_task_does_not_run_until_its_creator_suspends) {
  test_run(creator_logs_around_suspension, NULL, CORIO_OK);
  CHECK_LOG("created still-creator child-runs creator-resumed");
}

static int tasks_start_in_creation_order(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t[3];
  static const char *names[] = {"first", "second", "third"};
  for (int i = 0; i < 3; i++) {
    int rc = corio_task_create(&t[i], log_arg, (void *)names[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  int rc = corio_sleep(0.01);
  for (int i = 0; i < 3; i++) corio_task_release(t[i]);
  return rc;
}

TEST(new_tasks_start_in_creation_order) {
  test_run(tasks_start_in_creation_order, NULL, CORIO_OK);
  CHECK_LOG("first second third");
}

static int check_arg_and_result(void *arg, intptr_t *result) {
  if (*result != 0) return CORIO_EINVAL;
  *result = (intptr_t)arg * 2;
  return CORIO_OK;
}

static int child_gets_arg_and_zeroed_result(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc =
      corio_task_create(&t, check_arg_and_result, (void *)(intptr_t)21, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, result);
  corio_task_release(t);
  return rc;
}

TEST(task_receives_its_argument_and_a_zeroed_result) {
  CHECK_INT(test_run(child_gets_arg_and_zeroed_result, NULL, CORIO_OK), 42);
}

/* The default name is "Task-" followed by a number. */
static int is_default_name(const char *name) {
  if (name == NULL || strncmp(name, "Task-", 5) != 0 || name[5] == '\0')
    return 0;
  for (const char *p = name + 5; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  return 1;
}

static int default_names(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *a, *b;
  corio_task_create(&a, return_value, NULL, NULL);
  corio_task_create(&b, return_value, NULL, NULL);
  const char *main_name = corio_task_name(corio_current_task());
  CHECK(is_default_name(main_name));
  CHECK(is_default_name(corio_task_name(a)));
  CHECK(is_default_name(corio_task_name(b)));
  CHECK(strcmp(corio_task_name(a), corio_task_name(b)) != 0);
  CHECK(strcmp(corio_task_name(a), main_name) != 0);
  CHECK(strcmp(corio_task_name(b), main_name) != 0);
  int rc = corio_sleep(0.01);
  corio_task_release(a);
  corio_task_release(b);
  return rc;
}

TEST(default_names_are_distinct_task_n) {
  test_run(default_names, NULL, CORIO_OK);
}

static int naming(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  char buf[16];
  strcpy(buf, "worker");
  corio_task_opts_t opts = {.name = buf};
  corio_task_t *t;
  int rc = corio_task_create(&t, return_value, NULL, &opts);
  if (rc != CORIO_OK) return rc;
  strcpy(buf, "changed"); /* the name was copied */
  test_log("%s", corio_task_name(t));
  strcpy(buf, "renamed");
  CHECK_INT(corio_task_set_name(t, buf), CORIO_OK);
  strcpy(buf, "changed");
  test_log("%s", corio_task_name(t));
  rc = corio_await(t, NULL);
  CHECK_INT(corio_task_set_name(t, "after-done"), CORIO_OK);
  test_log("%s", corio_task_name(t));
  corio_task_release(t);
  return rc;
}

TEST(name_option_and_set_name_copy_the_name) {
  test_run(naming, NULL, CORIO_OK);
  CHECK_LOG("worker renamed after-done");
}

static int status_over_life(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static const double secs = 0.01;
  corio_task_t *t;
  int rc = corio_task_create(&t, sleep_then_one, (void *)&secs, NULL);
  if (rc != CORIO_OK) return rc;
  test_log("new:%d%d", corio_task_done(t), corio_task_cancelled(t));
  corio_sleep(0);
  test_log("sleeping:%d%d", corio_task_done(t), corio_task_cancelled(t));
  rc = corio_await(t, NULL);
  test_log("finished:%d%d", corio_task_done(t), corio_task_cancelled(t));
  corio_task_release(t);
  return rc;
}

TEST(done_and_cancelled_follow_the_task_life_cycle) {
  test_run(status_over_life, NULL, CORIO_OK);
  CHECK_LOG("new:00 sleeping:00 finished:10");
}

static int status_of_cancelled(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static const double secs = 10;
  corio_task_t *t;
  int rc = corio_task_create(&t, sleep_then_one, (void *)&secs, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0);
  corio_task_cancel(t, NULL);
  test_log("cancel-requested:%d%d", corio_task_done(t),
           corio_task_cancelled(t));
  corio_await(t, NULL);
  test_log("ended:%d%d", corio_task_done(t), corio_task_cancelled(t));
  corio_task_release(t);
  return CORIO_OK;
}

TEST(cancelled_task_is_done_and_cancelled_only_once_it_ends) {
  test_run(status_of_cancelled, NULL, CORIO_OK);
  CHECK_LOG("cancel-requested:00 ended:11");
}

static int result_of_pending(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static const double secs = 0.01;
  corio_task_t *t;
  int rc = corio_task_create(&t, sleep_then_one, (void *)&secs, NULL);
  if (rc != CORIO_OK) return rc;
  intptr_t v = 77;
  test_log("unstarted:%s:%d", corio_err_name(corio_task_result(t, &v)), (int)v);
  corio_sleep(0);
  test_log("sleeping:%s:%d", corio_err_name(corio_task_result(t, &v)), (int)v);
  test_log("error:%s", corio_task_error(t) ? "set" : "null");
  rc = corio_await(t, NULL);
  corio_task_release(t);
  return rc;
}

TEST(result_of_a_pending_task_is_invalid_state) {
  test_run(result_of_pending, NULL, CORIO_OK);
  CHECK_LOG("unstarted:CORIO_EINVALSTATE:77 sleeping:CORIO_EINVALSTATE:77 "
            "error:null");
}

/* A task's outcome looked at once it has ended: finished_task runs
 * fn(arg) in a task of its own, lets it end, and gives it to check. */
typedef struct finished_case {
  corio_fn fn;
  void *arg;
  void (*check)(corio_task_t *t);
} finished_case_t;

static int finished_task(void *arg, intptr_t *result) {
  (void)result;
  const finished_case_t *c = arg;
  corio_task_t *t = test_start(c->fn, c->arg);
  if (t == NULL) return CORIO_EFAILED;
  int rc = corio_sleep(0.01);
  CHECK(corio_task_done(t));
  c->check(t);
  corio_task_release(t);
  return rc;
}

/* Runs check on the ended task that ran fn(arg). */
static void on_finished(corio_fn fn, void *arg, void (*check)(corio_task_t *)) {
  finished_case_t c = {fn, arg, check};
  test_run(finished_task, &c, CORIO_OK);
}

static void log_completed(corio_task_t *t) {
  intptr_t v = 0;
  test_log("%s:%d", corio_err_name(corio_task_result(t, &v)), (int)v);
  test_log("again:%s:%d", corio_err_name(corio_task_result(t, &v)), (int)v);
  test_log("null-ok:%s", corio_err_name(corio_task_result(t, NULL)));
  test_log("error:%s", corio_task_error(t) ? "set" : "null");
}

TEST(result_of_a_completed_task_is_its_value) {
  on_finished(return_value, (void *)(intptr_t)123, log_completed);
  CHECK_LOG("CORIO_OK:123 again:CORIO_OK:123 null-ok:CORIO_OK error:null");
}

static void check_failed(corio_task_t *t) {
  intptr_t v = 55;
  CHECK_INT(corio_task_result(t, &v), CORIO_EUSER - 3);
  CHECK_INT(v, 55); /* written only on CORIO_OK */
  CHECK_STR(corio_task_error(t), "widget W broke");
  CHECK(!corio_task_cancelled(t));
}

TEST(failed_task_reports_its_code_and_message) {
  on_finished(fail_with_message, NULL, check_failed);
}

static int fail_without_message(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return CORIO_EINVAL;
}

static void check_plain_code(corio_task_t *t) {
  CHECK_INT(corio_task_result(t, NULL), CORIO_EINVAL);
  CHECK(corio_task_error(t) != NULL);
}

TEST(task_failing_without_a_message_still_has_an_error_text) {
  on_finished(fail_without_message, NULL, check_plain_code);
}

static int return_ecancelled(void *arg, intptr_t *result) {
  (void)arg;
  *result = 5;
  return CORIO_ECANCELLED;
}

static void check_cancelled(corio_task_t *t) {
  CHECK(corio_task_cancelled(t));
  CHECK_INT(corio_task_result(t, NULL), CORIO_ECANCELLED);
  CHECK_STR(corio_task_error(t), "cancelled");
}

TEST(task_returning_ecancelled_ends_cancelled) {
  on_finished(return_ecancelled, NULL, check_cancelled);
}

static int return_end(void *arg, intptr_t *result) {
  (void)arg;
  *result = 9;
  return CORIO_END;
}

static int returning_end(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, return_end, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, result);
  CHECK(corio_task_done(t) && !corio_task_cancelled(t));
  CHECK(corio_task_error(t) == NULL);
  corio_task_release(t);
  return rc;
}

TEST(task_returning_end_is_not_a_failure) {
  /* CORIO_END is "no more items", not an error (corio.h, the error model). */
  test_run(returning_end, NULL, CORIO_OK);
}

static corio_task_t *seen_current;

static int record_current(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  seen_current = corio_current_task();
  return CORIO_OK;
}

static int current_task_identity(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *self = corio_current_task();
  CHECK(self != NULL);
  corio_task_t *t;
  int rc = corio_task_create(&t, record_current, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  CHECK(seen_current == t);
  CHECK(corio_current_task() == self);
  corio_task_release(t);
  return rc;
}

TEST(current_task_is_the_running_task_and_null_outside) {
  seen_current = NULL;
  CHECK(corio_current_task() == NULL);
  test_run(current_task_identity, NULL, CORIO_OK);
  CHECK(corio_current_task() == NULL);
}

static int contains(corio_task_t **list, size_t n, const corio_task_t *t) {
  for (size_t i = 0; i < n; i++)
    if (list[i] == t) return 1;
  return 0;
}

static int all_tasks_listing(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static const double secs = 10; /* cancelled at the end */
  corio_task_t *self = corio_current_task();
  corio_task_t *quick, *slow;
  int rc = corio_task_create(&quick, return_value, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&slow, sleep_then_one, (void *)&secs, NULL);
  if (rc != CORIO_OK) return rc;

  corio_task_t *list[8];
  CHECK_INT(corio_all_tasks(NULL, 0), 3);
  size_t n = corio_all_tasks(list, 8);
  CHECK_INT(n, 3);
  CHECK(list[0] == self); /* creation order */
  CHECK(list[1] == quick);
  CHECK(list[2] == slow);

  rc = corio_await(quick, NULL);
  n = corio_all_tasks(list, 8);
  CHECK_INT(n, 2);
  CHECK(contains(list, n, self));
  CHECK(contains(list, n, slow));
  CHECK(!contains(list, n, quick));

  corio_task_t *one[1] = {NULL};
  CHECK_INT(corio_all_tasks(one, 1), 2); /* the total, though only one fits */
  CHECK(one[0] == self);

  corio_task_cancel(slow, NULL);
  corio_await(slow, NULL);
  corio_task_release(quick);
  corio_task_release(slow);
  return rc;
}

TEST(all_tasks_includes_main_and_pending_tasks_and_excludes_done_ones) {
  test_run(all_tasks_listing, NULL, CORIO_OK);
}

TEST(all_tasks_outside_a_loop_is_empty) {
  CHECK_INT(corio_all_tasks(NULL, 0), 0);
}

static int forgotten_worker(void *arg, intptr_t *result) {
  (void)result;
  test_log("worker-start");
  int rc = corio_sleep(0.01);
  test_log("worker-done:%s", corio_err_name(rc));
  corio_event_set(arg);
  return rc;
}

static int fire_and_forget(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *finished;
  int rc = corio_event_new(&finished);
  if (rc != CORIO_OK) return rc;
  corio_task_t *t;
  rc = corio_task_create(&t, forgotten_worker, finished, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_release(t);
  test_log("released");
  rc = corio_event_wait(finished);
  test_log("main-done");
  corio_event_free(finished);
  return rc;
}

TEST(fire_and_forget_task_runs_to_completion) {
  test_run(fire_and_forget, NULL, CORIO_OK);
  CHECK_LOG("released worker-start worker-done:CORIO_OK main-done");
}

static int retained_reference(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, return_value, (void *)(intptr_t)8, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_t *extra = corio_task_retain(t);
  CHECK(extra == t);
  corio_task_release(t);
  rc = corio_await(extra, result);
  corio_task_release(extra);
  return rc;
}

TEST(retain_keeps_a_task_after_the_first_reference_is_released) {
  CHECK_INT(test_run(retained_reference, NULL, CORIO_OK), 8);
}

/* A task awaited by another stays valid for the waiter after its creator
 * released it ("fire and forget" while awaited): corio_await (and gather,
 * wait) hold a reference across the wait, as the awaiting coroutine's frame
 * keeps the task alive in asyncio. */
static int release_while_awaited_main(void *arg, intptr_t *result) {
  (void)arg;
  static const double secs = 0.01;
  corio_task_t *t, *w;
  corio_task_create(&t, sleep_then_one, (void *)&secs, NULL);
  corio_task_create(&w, test_task_await_arg, t, NULL);
  corio_sleep(0); /* w is waiting on t now */
  corio_task_release(t);
  int rc = corio_await(w, result);
  corio_task_release(w);
  return rc;
}

TEST(awaited_task_released_by_its_creator_stays_valid_for_the_waiter) {
  CHECK_INT(test_run(release_while_awaited_main, NULL, CORIO_OK), 1);
}

static int errmsg_after_fail(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("start:[%s]", corio_errmsg());
  int rc = corio_fail(CORIO_EINVAL, "bad port %d", 80);
  test_log("%s:[%s]", corio_err_name(rc), corio_errmsg());
  rc = corio_fail(CORIO_EUSER - 1, "second");
  test_log("%s:[%s]", rc == CORIO_EUSER - 1 ? "user" : "?", corio_errmsg());
  return CORIO_OK;
}

TEST(errmsg_after_fail_is_the_formatted_message) {
  test_run(errmsg_after_fail, NULL, CORIO_OK);
  CHECK_LOG("start:[] CORIO_EINVAL:[bad port 80] user:[second]");
}

static int errmsg_of_other_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("other:[%s]", corio_errmsg());
  return CORIO_OK;
}

static int errmsg_is_per_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_fail(CORIO_EINVAL, "main's own");
  corio_task_t *t;
  int rc = corio_task_create(&t, errmsg_of_other_task, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, NULL);
  test_log("main:[%s]", corio_errmsg());
  corio_task_release(t);
  return rc;
}

TEST(errmsg_belongs_to_each_task) {
  test_run(errmsg_is_per_task, NULL, CORIO_OK);
  CHECK_LOG("other:[] main:[main's own]");
}

TEST(errmsg_and_fail_outside_a_task) {
  CHECK_STR(corio_errmsg(), "");
  CHECK_INT(corio_fail(CORIO_EIO, "ignored %d", 1), CORIO_EIO);
  CHECK_STR(corio_errmsg(), "");
}

TEST(task_create_outside_a_loop_is_enoloop) {
  corio_task_t *t = (corio_task_t *)&t;
  CHECK_INT(corio_task_create(&t, return_value, NULL, NULL), CORIO_ENOLOOP);
  CHECK(t == NULL);
}

static int create_without_function(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = (corio_task_t *)&t;
  test_log("%s", corio_err_name(corio_task_create(&t, NULL, NULL, NULL)));
  test_log("%s", t == NULL ? "null" : "set");
  return CORIO_OK;
}

TEST(task_create_with_null_function_is_einval) {
  test_run(create_without_function, NULL, CORIO_OK);
  CHECK_LOG("CORIO_EINVAL null");
}

static int big_stack_user(void *arg, intptr_t *result) {
  (void)arg;
  volatile char buf[200 * 1024];
  memset((char *)buf, 1, sizeof buf);
  int rc = corio_sleep(0);
  *result = buf[0] + buf[sizeof buf - 1];
  return rc;
}

static int custom_stack(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_opts_t opts = {.stack_size = 1024 * 1024};
  corio_task_t *t;
  int rc = corio_task_create(&t, big_stack_user, NULL, &opts);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, result);
  corio_task_release(t);
  return rc;
}

TEST(task_with_a_larger_stack_option_can_use_it) {
  CHECK_INT(test_run(custom_stack, NULL, CORIO_OK), 2);
}

static int huge_stack_task(void *arg, intptr_t *result) {
  (void)arg;
  *result = 1;
  test_log("body-ran");
  return CORIO_OK;
}

static int await_huge_stack(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_opts_t opts = {.stack_size = SIZE_MAX / 2};
  corio_task_t *t;
  CHECK_INT(corio_task_create(&t, huge_stack_task, NULL, &opts), CORIO_OK);
  int rc = corio_await(t, result);
  test_log("%s [%s] [%s]", corio_err_name(rc), corio_errmsg(),
           corio_task_error(t));
  corio_task_release(t);
  return CORIO_OK;
}

/* A stack that cannot be allocated ends the task with CORIO_ENOMEM and a
 * message saying so (the size is not wrapped into a small one). */
TEST(task_whose_stack_cannot_be_allocated_fails_with_enomem) {
  test_run(await_huge_stack, NULL, CORIO_OK);
  CHECK_LOG("CORIO_ENOMEM [could not allocate the task's stack] "
            "[could not allocate the task's stack]");
}

/* ---- reused task records ------------------------------------------------ */

/* Records released while the loop is busy are handed to the next tasks it
 * makes (task_cache.c). A task made from one must start as clean as a
 * fresh one: whatever the last owner had (name, error, cancel message and
 * count, done callbacks) is gone. */

#define REUSE_N 64

static int done_callbacks_run;
static void count_done(corio_task_t *t, void *data) {
  (void)t;
  (void)data;
  done_callbacks_run++;
}

/* Ends in one of the ways that leave something in the record. */
static int end_variously(void *arg, intptr_t *result) {
  intptr_t i = (intptr_t)arg;
  *result = i;
  if (i % 3 == 1) return corio_fail(CORIO_EUSER - 1, "round one %d", (int)i);
  if (i % 3 == 2) return corio_sleep(10); /* cancelled below */
  return CORIO_OK;
}

static int reused_records_start_clean(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t[REUSE_N];
  for (intptr_t i = 0; i < REUSE_N; i++) {
    char name[32];
    snprintf(name, sizeof name, "old-%d", (int)i);
    corio_task_opts_t opts = {.name = name};
    CHECK_INT(corio_task_create(&t[i], end_variously, (void *)i, &opts),
              CORIO_OK);
    CHECK_INT(corio_task_add_done_callback(t[i], count_done, NULL), CORIO_OK);
  }
  CHECK_INT(corio_sleep(0), CORIO_OK);
  for (int i = 2; i < REUSE_N; i += 3) corio_task_cancel(t[i], "old cancel");
  CHECK_INT(corio_wait(t, REUSE_N, CORIO_ALL_COMPLETED, CORIO_FOREVER, NULL,
                       NULL, NULL, NULL),
            CORIO_OK);
  CHECK_INT(corio_sleep(0), CORIO_OK); /* the done callbacks run */
  CHECK_INT(done_callbacks_run, REUSE_N);
  for (int i = 0; i < REUSE_N; i++) {
    (void)corio_task_result(t[i], NULL); /* retrieved: no report */
    corio_task_release(t[i]);
  }
  /* No idle turn in between: the new tasks take the released records. */
  for (intptr_t i = 0; i < REUSE_N; i++) {
    CHECK_INT(corio_task_create(&t[i], return_value, (void *)(i + 100), NULL),
              CORIO_OK);
    CHECK(strncmp(corio_task_name(t[i]), "Task-", 5) == 0);
    CHECK(!corio_task_done(t[i]));
    CHECK_INT(corio_task_cancelling(t[i]), 0);
  }
  corio_future_t *f;
  CHECK_INT(corio_future_new(&f), CORIO_OK);
  CHECK(!corio_future_done(f));
  intptr_t values[REUSE_N];
  CHECK_INT(corio_gather(t, REUSE_N, values, NULL), CORIO_OK);
  CHECK_INT(corio_sleep(0), CORIO_OK);
  for (int i = 0; i < REUSE_N; i++) {
    CHECK_INT(values[i], i + 100);
    CHECK(corio_task_error(t[i]) == NULL);
    CHECK(!corio_task_cancelled(t[i]));
    corio_task_release(t[i]);
  }
  CHECK_INT(done_callbacks_run, REUSE_N); /* none of the old ones again */
  corio_future_release(f);
  return CORIO_OK;
}

TEST(a_task_made_from_a_released_record_starts_clean) {
  done_callbacks_run = 0;
  test_run(reused_records_start_clean, NULL, CORIO_OK);
}
