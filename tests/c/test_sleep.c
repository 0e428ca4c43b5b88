/*
 * test_sleep.c — asyncio.sleep: sleep(0) lets every other ready task (and
 * callback) run once, round-robin; timed sleeps wake in order of their
 * deadlines and never early.
 */
#include "test.h"

static int three_yields(void *arg, intptr_t *result) {
  (void)result;
  for (int i = 0; i < 3; i++) {
    test_log("%s%d", (const char *)arg, i);
    int rc = corio_sleep(0);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static int round_robin(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t[2];
  int rc = corio_task_create(&t[0], three_yields, "a", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&t[1], three_yields, "b", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_gather(t, 2, NULL, NULL);
  corio_task_release(t[0]);
  corio_task_release(t[1]);
  return rc;
}

TEST(sleep_zero_yields_to_other_ready_tasks_round_robin) {
  test_run(round_robin, NULL, CORIO_OK);
  CHECK_LOG("a0 b0 a1 b1 a2 b2");
}

static int round_robin_three(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t[3];
  static const char *names[] = {"x", "y", "z"};
  for (int i = 0; i < 3; i++) {
    int rc = corio_task_create(&t[i], three_yields, (void *)names[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  int rc = corio_gather(t, 3, NULL, NULL);
  for (int i = 0; i < 3; i++) corio_task_release(t[i]);
  return rc;
}

TEST(sleep_zero_round_robin_holds_for_three_tasks) {
  test_run(round_robin_three, NULL, CORIO_OK);
  CHECK_LOG("x0 y0 z0 x1 y1 z1 x2 y2 z2");
}

static int lone_yielder(void *arg, intptr_t *result) {
  (void)arg;
  int rc = CORIO_OK;
  for (int i = 0; i < 3 && rc == CORIO_OK; i++) rc = corio_sleep(0);
  *result = 5;
  return rc;
}

static int await_lone_yielder(void *arg, intptr_t *result) {
  (void)arg;
  return test_await_new(lone_yielder, NULL, result);
}

TEST(sleep_zero_with_no_other_ready_task_just_continues) {
  /* The only ready task yields: it is resumed at once (the awaiting main
   * task is not ready). */
  CHECK_INT(test_run(await_lone_yielder, NULL, CORIO_OK), 5);
}

static int main_yields_alone(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_sleep(0);
  if (rc == CORIO_OK) rc = corio_sleep(0);
  *result = 6;
  return rc;
}

TEST(sleep_zero_in_main_alone_just_continues) {
  CHECK_INT(test_run(main_yields_alone, NULL, CORIO_OK), 6);
}

static void log_text(void *data) { test_log("%s", (const char *)data); }

static int yield_to_callbacks(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_call_soon(NULL, log_text, "cb1");
  corio_call_soon(NULL, log_text, "cb2");
  int rc = corio_sleep(0);
  test_log("resumed");
  return rc;
}

TEST(sleep_zero_lets_already_scheduled_callbacks_run_first) {
  test_run(yield_to_callbacks, NULL, CORIO_OK);
  CHECK_LOG("cb1 cb2 resumed");
}

/* Each sleeper records the deadline it sleeps to, so the expected order
 * holds even on a machine so loaded that the tasks start far apart. */
typedef struct sleeper {
  const char *name;
  double secs;
  double deadline;
} sleeper_t;

static int sleep_named(void *arg, intptr_t *result) {
  (void)result;
  sleeper_t *s = arg;
  s->deadline = corio_time() + s->secs;
  int rc = corio_sleep(s->secs);
  test_log("%s", s->name);
  return rc;
}

static int sleeps_by_duration(void *arg, intptr_t *result) {
  (void)result;
  sleeper_t *s = arg;
  corio_task_t *t[3];
  for (int i = 0; i < 3; i++) {
    int rc = corio_task_create(&t[i], sleep_named, &s[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  int rc = corio_gather(t, 3, NULL, NULL);
  for (int i = 0; i < 3; i++) corio_task_release(t[i]);
  return rc;
}

TEST(sleeps_wake_in_order_of_their_deadlines) {
  sleeper_t s[3] = {{"long", 0.03, 0}, {"mid", 0.02, 0}, {"short", 0.01, 0}};
  test_run(sleeps_by_duration, s, CORIO_OK);
  /* Started together, they wake "short mid long"; in general, by deadline. */
  int order[3] = {0, 1, 2};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (s[order[j]].deadline < s[order[i]].deadline) {
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
  char expected[64];
  snprintf(expected, sizeof expected, "%s %s %s", s[order[0]].name,
           s[order[1]].name, s[order[2]].name);
  CHECK_LOG(expected);
}

static int timed_sleep(void *arg, intptr_t *result) {
  (void)result;
  double *elapsed = arg;
  double t0 = corio_time();
  int rc = corio_sleep(0.01);
  *elapsed = corio_time() - t0;
  return rc;
}

TEST(sleep_lasts_at_least_its_duration) {
  double elapsed = -1;
  test_run(timed_sleep, &elapsed, CORIO_OK);
  CHECK(elapsed >= 0.009);
  CHECK(elapsed < 5);
}

static int negative_sleep(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_call_soon(NULL, log_text, "cb");
  int rc = corio_sleep(-1);
  test_log("negative:%s", corio_err_name(rc));
  return rc;
}

TEST(negative_sleep_behaves_like_sleep_zero) {
  test_run(negative_sleep, NULL, CORIO_OK);
  CHECK_LOG("cb negative:CORIO_OK");
}

static int many_short_sleeps(void *arg, intptr_t *result) {
  (void)arg;
  int rc = CORIO_OK;
  int n = 0;
  for (; n < 5 && rc == CORIO_OK; n++) rc = corio_sleep(0.001);
  *result = n;
  return rc;
}

TEST(repeated_short_sleeps_each_return_ok) {
  CHECK_INT(test_run(many_short_sleeps, NULL, CORIO_OK), 5);
}

static int yield_with_due_timer(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_call_later(NULL, 0, log_text, "timer");
  for (int i = 0; i < 5 && rc == CORIO_OK; i++) {
    rc = corio_sleep(0);
    test_log("y%d", i);
  }
  return rc;
}

TEST(sleep_zero_lets_a_due_timer_run_at_the_next_loop_pass) {
  /* asyncio: a timer that is due joins the ready queue at the start of the
   * next loop iteration, behind the tasks already ready there. Python 3.12
   * prints "y0 timer y1 y2 y3 y4" for the same program. */
  test_run(yield_with_due_timer, NULL, CORIO_OK);
  CHECK_LOG("y0 timer y1 y2 y3 y4");
}

static int four_yields(void *arg, intptr_t *result) {
  (void)result;
  for (int i = 0; i < 4; i++) {
    test_log("%s%d", (const char *)arg, i);
    int rc = corio_sleep(0);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static int ping_pong_with_due_timer(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t[2];
  int rc = corio_task_create(&t[0], four_yields, "a", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&t[1], four_yields, "b", NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0); /* a0 b0 run */
  rc = corio_call_later(NULL, 0, log_text, "timer");
  if (rc == CORIO_OK) rc = corio_gather(t, 2, NULL, NULL);
  corio_task_release(t[0]);
  corio_task_release(t[1]);
  return rc;
}

TEST(tasks_yielding_to_each_other_do_not_hold_back_a_due_timer) {
  /* Python 3.12 prints "a0 b0 a1 b1 timer a2 b2 a3 b3" for the same
   * program: one round of the ready tasks, then the due timer. */
  test_run(ping_pong_with_due_timer, NULL, CORIO_OK);
  CHECK_LOG("a0 b0 a1 b1 timer a2 b2 a3 b3");
}
