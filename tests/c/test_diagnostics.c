/*
 * test_diagnostics.c — what corio says about tasks through its API: the
 * deadlock report names every waiting task, what it waits on (with the
 * object's name), who holds each lock, and a cycle of tasks waiting for
 * each other's locks; the task dump lists live tasks with their state and
 * where they were created; reading a task's outcome clears its
 * "never retrieved" record. (The stderr lines themselves are checked in
 * tests/node/diagnostics.test.mjs, in child processes.)
 */
#include <stdlib.h>

#include "lock_cycle.h"
#include "test.h"

static char report[4096];

static const char *deadlock_report(void) {
  corio_deadlock_report(report, sizeof report);
  return report;
}

/* ---- two tasks, each waiting for the lock the other holds ---------------- */

TEST(deadlock_report_names_a_cycle_of_two_tasks_and_their_locks) {
  test_run(lock_cycle_main, NULL, CORIO_EDEADLK);
  CHECK_STR(deadlock_report(),
            "task Task-1: waiting on task A\n"
            "task A: waiting on lock 'second' (held by task B)\n"
            "task B: waiting on lock 'first' (held by task A)\n"
            "cycle: task A -> task B -> task A (each waits for the next)\n");
}

/* ---- a queue nobody consumes --------------------------------------------- */

static int fill_queue(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q;
  corio_queue_new(&q, CORIO_QUEUE_FIFO, 1, NULL);
  corio_queue_set_name(q, "jobs");
  int rc = corio_queue_put(q, "one");
  if (rc == CORIO_OK) rc = corio_queue_put(q, "two"); /* full: waits */
  corio_queue_free(q, NULL);
  return rc;
}

TEST(deadlock_report_names_a_full_queue_nobody_consumes) {
  test_run(fill_queue, NULL, CORIO_EDEADLK);
  CHECK_STR(deadlock_report(),
            "task Task-1: waiting on queue 'jobs' (full: put)\n");
}

/* ---- an event nobody sets, an unnamed lock --------------------------------
 */

static int wait_event(void *arg, intptr_t *result) {
  (void)result;
  return corio_event_wait(arg);
}

static int event_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  corio_event_new(&e);
  corio_event_set_name(e, "never");
  corio_task_t *t;
  corio_task_create(&t, wait_event, e, &(corio_task_opts_t){.name = "waiter"});
  intptr_t ignored;
  int rc = corio_await(t, &ignored);
  corio_task_release(t);
  corio_event_free(e);
  return rc;
}

TEST(deadlock_report_names_an_event_nobody_sets) {
  test_run(event_main, NULL, CORIO_EDEADLK);
  CHECK_STR(deadlock_report(), "task Task-1: waiting on task waiter\n"
                               "task waiter: waiting on event 'never'\n");
}

static int get_empty(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q;
  corio_queue_new(&q, CORIO_QUEUE_FIFO, 0, NULL);
  void *item;
  int rc = corio_queue_get(q, &item); /* nobody puts: waits */
  corio_queue_free(q, NULL);
  return rc;
}

TEST(deadlock_report_says_unnamed_objects_by_kind_alone) {
  test_run(get_empty, NULL, CORIO_EDEADLK);
  CHECK_STR(deadlock_report(), "task Task-1: waiting on queue (empty: get)\n");
}

TEST(deadlock_report_copies_like_snprintf) {
  test_run(get_empty, NULL, CORIO_EDEADLK);
  char small[10];
  size_t n = corio_deadlock_report(small, sizeof small);
  CHECK_INT(n, strlen("task Task-1: waiting on queue (empty: get)\n"));
  CHECK_STR(small, "task Task");
  CHECK_INT(corio_deadlock_report(NULL, 0), n);
}

/* ---- the task dump ------------------------------------------------------ */

static int sleeper(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_sleep(10);
}

/* The lines the tasks are created on: each is set on the line before the
 * create call (clang-format keeps them apart), hence __LINE__ + 1. */
static int napper_line, blocked_line;

static int dump_main(void *arg, intptr_t *result) {
  (void)result;
  char *out = arg;
  corio_task_t *s, *held;
  corio_lock_t *l;
  corio_lock_new(&l);
  corio_lock_set_name(l, "db");
  corio_lock_acquire(l);
  corio_task_opts_t napper = {.name = "napper"}, blocked = {.name = "blocked"};
  lock_pair_t both = {l, l};
  napper_line = __LINE__ + 1;
  corio_task_create(&s, sleeper, NULL, &napper);
  blocked_line = __LINE__ + 1;
  corio_task_create(&held, take_both, &both, &blocked);
  corio_sleep(0);
  corio_sleep(0);
  corio_dump_tasks_str(out, 1024);
  corio_task_cancel(s, NULL);
  corio_task_cancel(held, NULL);
  intptr_t ignored;
  corio_await(s, &ignored);
  corio_await(held, &ignored);
  corio_task_release(s);
  corio_task_release(held);
  corio_lock_release(l);
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(dump_lists_live_tasks_with_state_wait_and_creation_site) {
  char out[1024];
  bool was = corio_get_debug();
  corio_set_debug(false); /* no waiting times: they vary */
  test_run(dump_main, out, CORIO_OK);
  corio_set_debug(was);
  char expected[512];
  snprintf(expected, sizeof expected,
           "task Task-1: running\n"
           "task napper: waiting on a sleep, created at %s:%d\n"
           "task blocked: waiting on lock 'db' (held by task Task-1), "
           "created at %s:%d\n",
           __FILE__, napper_line, __FILE__, blocked_line);
  CHECK_STR(out, expected);
}

static int dump_waiting_time(void *arg, intptr_t *result) {
  (void)result;
  char *out = arg;
  corio_task_t *s;
  corio_task_opts_t napper = {.name = "napper"};
  corio_task_create(&s, sleeper, NULL, &napper);
  corio_sleep(0.05);
  corio_dump_tasks_str(out, 1024);
  corio_task_cancel(s, NULL);
  corio_await(s, NULL);
  corio_task_release(s);
  return CORIO_OK;
}

TEST(dump_in_debug_mode_says_how_long_each_task_has_waited) {
  char out[1024];
  bool was = corio_get_debug();
  corio_set_debug(true);
  test_run(dump_waiting_time, out, CORIO_OK);
  corio_set_debug(was);
  double waited = -1;
  const char *line = strstr(out, "task napper: waiting on a sleep for ");
  CHECK(line != NULL);
  if (line) sscanf(line, "task napper: waiting on a sleep for %lf s", &waited);
  CHECK(waited >= 0.04 && waited < 5);
}

TEST(dump_outside_a_loop_is_empty) {
  char out[16] = "x";
  CHECK_INT(corio_dump_tasks_str(out, sizeof out), 0);
  CHECK_STR(out, "");
}

/* ---- settings ----------------------------------------------------------- */

TEST(slow_callback_duration_is_settable_and_ignores_nonsense) {
  double was = corio_get_slow_callback_duration();
  CHECK(was == 0.1 || was > 0);
  corio_set_slow_callback_duration(0.25);
  CHECK(corio_get_slow_callback_duration() == 0.25);
  corio_set_slow_callback_duration(-1);
  CHECK(corio_get_slow_callback_duration() == 0.25);
  corio_set_slow_callback_duration(was);
}

TEST(set_name_rejects_null_objects) {
  CHECK_INT(corio_lock_set_name(NULL, "x"), CORIO_EINVAL);
  CHECK_INT(corio_queue_set_name(NULL, "x"), CORIO_EINVAL);
  corio_semaphore_t *s;
  corio_semaphore_new(&s, 1);
  CHECK_INT(corio_semaphore_set_name(s, "s"), CORIO_OK);
  CHECK_INT(corio_semaphore_set_name(s, NULL), CORIO_OK);
  corio_semaphore_free(s);
}

/* ---- where report lines go ------------------------------------------------
 */

static char reported[1024];

static void keep_report(const char *line, void *data) {
  (void)data;
  size_t len = strlen(reported);
  snprintf(reported + len, sizeof reported - len, "%s\n", line);
}

static int fail_quietly(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_fail(CORIO_EUSER, "nobody reads this");
}

static int leave_failed_task(void *arg, intptr_t *result) {
  (void)result;
  corio_task_t *t;
  corio_task_opts_t o = {.name = "ignored"};
  *(int *)arg = __LINE__ + 1;
  corio_task_create(&t, fail_quietly, NULL, &o);
  int rc = corio_sleep(0.001);
  corio_task_release(t); /* unread: reported now */
  return rc;
}

TEST(a_failed_task_released_unread_is_reported_through_the_report_fn) {
  int line = 0;
  reported[0] = '\0';
  corio_set_report_fn(keep_report, NULL);
  test_run(leave_failed_task, &line, CORIO_OK);
  corio_set_report_fn(NULL, NULL);
  char expected[256];
  snprintf(expected, sizeof expected,
           "corio: Task exception was never retrieved: task ignored failed "
           "with CORIO_EUSER (nobody reads this), created at %s:%d\n",
           __FILE__, line);
  CHECK_STR(reported, expected);
}

static int read_failed_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_create(&t, fail_quietly, NULL, NULL);
  int rc = corio_sleep(0.001);
  CHECK_INT(corio_task_result(t, NULL), CORIO_EUSER); /* read: no report */
  corio_task_release(t);
  return rc;
}

TEST(a_failed_task_whose_error_was_read_is_not_reported) {
  reported[0] = '\0';
  corio_set_report_fn(keep_report, NULL);
  test_run(read_failed_task, NULL, CORIO_OK);
  corio_set_report_fn(NULL, NULL);
  CHECK_STR(reported, "");
}

/* ---- coroutine objects never awaited ------------------------------------- */

static int coro_body(void *arg, intptr_t *result) {
  (void)arg;
  *result = 1;
  return CORIO_OK;
}

TEST(a_coroutine_freed_unawaited_in_debug_mode_says_so_with_its_name_and_site) {
  reported[0] = '\0';
  corio_set_report_fn(keep_report, NULL);
  corio_set_debug(true);
  corio_coro_t *c;
  int line = __LINE__ + 1;
  CHECK_INT(corio_coro_new(&c, coro_body, NULL), CORIO_OK);
  corio_coro_free(c);
  corio_set_debug(false);
  corio_set_report_fn(NULL, NULL);
  char expected[256];
  snprintf(expected, sizeof expected,
           "corio: coroutine 'coro_body' was never awaited, created at "
           "%s:%d\n",
           __FILE__, line);
  CHECK_STR(reported, expected);
}

static int await_coro(void *arg, intptr_t *result) {
  return corio_coro_await((corio_coro_t *)arg, result);
}

TEST(an_awaited_coroutine_or_debug_mode_off_reports_nothing) {
  reported[0] = '\0';
  corio_set_report_fn(keep_report, NULL);
  corio_set_debug(true);
  corio_coro_t *c;
  CHECK_INT(corio_coro_new(&c, coro_body, NULL), CORIO_OK);
  test_run(await_coro, c, CORIO_OK);
  corio_coro_free(c);
  corio_set_debug(false);
  CHECK_INT(corio_coro_new(&c, coro_body, NULL), CORIO_OK);
  corio_coro_free(c); /* unused, but debug mode is off */
  corio_set_report_fn(NULL, NULL);
  CHECK_STR(reported, "");
}
