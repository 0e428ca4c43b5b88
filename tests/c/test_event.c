/*
 * test_event.c — asyncio.Event: wait returns at once when the flag is set;
 * set wakes every waiter, in the order they began waiting, through the loop;
 * clear resets the flag; a waiter cancelled while waiting leaves the event
 * usable for the others.
 */
#include "test.h"

typedef struct waiter {
  corio_event_t *event;
  const char *name;
} waiter_t;

static int wait_and_log(void *arg, intptr_t *result) {
  (void)result;
  const waiter_t *w = arg;
  int rc = corio_event_wait(w->event);
  test_log("%s:%s", w->name, corio_err_name(rc));
  return rc;
}

static int wait_when_set(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  corio_event_set(e);
  corio_task_t *other;
  rc = corio_task_create(&other, test_task_log_arg, "other-task", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_event_wait(e); /* must not suspend: other-task stays unrun */
  test_log("wait:%s", corio_err_name(rc));
  corio_sleep(0.01);
  corio_task_release(other);
  corio_event_free(e);
  return rc;
}

TEST(wait_returns_at_once_when_the_event_is_set) {
  test_run(wait_when_set, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_OK other-task");
}

static int set_wakes_all(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  waiter_t w[3] = {{e, "w1"}, {e, "w2"}, {e, "w3"}};
  corio_task_t *t[3];
  for (int i = 0; i < 3; i++) {
    rc = corio_task_create(&t[i], wait_and_log, &w[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  corio_sleep(0.01);
  test_log("setting");
  corio_event_set(e);
  test_log("set-returned is_set:%d", corio_event_is_set(e));
  rc = corio_gather(t, 3, NULL, NULL);
  for (int i = 0; i < 3; i++) corio_task_release(t[i]);
  corio_event_free(e);
  return rc;
}

TEST(set_wakes_every_waiter_in_wait_order_after_set_returns) {
  test_run(set_wakes_all, NULL, CORIO_OK);
  CHECK_LOG(
      "setting set-returned is_set:1 w1:CORIO_OK w2:CORIO_OK w3:CORIO_OK");
}

static int sleep_then_wait(void *arg, intptr_t *result) {
  int rc = corio_sleep(0); /* the other task begins waiting meanwhile */
  if (rc != CORIO_OK) return rc;
  return wait_and_log(arg, result);
}

static int waiters_in_wait_order(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  waiter_t w[2] = {{e, "created-first-waits-second"},
                   {e, "created-second-waits-first"}};
  corio_task_t *t[2];
  rc = corio_task_create(&t[0], sleep_then_wait, &w[0], NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&t[1], wait_and_log, &w[1], NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.03);
  corio_event_set(e);
  rc = corio_gather(t, 2, NULL, NULL);
  corio_task_release(t[0]);
  corio_task_release(t[1]);
  corio_event_free(e);
  return rc;
}

TEST(set_wakes_waiters_in_the_order_they_began_waiting) {
  test_run(waiters_in_wait_order, NULL, CORIO_OK);
  CHECK_LOG("created-second-waits-first:CORIO_OK "
            "created-first-waits-second:CORIO_OK");
}

static int clear_resets(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  test_log("new:%d", corio_event_is_set(e));
  corio_event_set(e);
  corio_event_set(e); /* setting twice is harmless */
  test_log("set:%d", corio_event_is_set(e));
  corio_event_clear(e);
  test_log("cleared:%d", corio_event_is_set(e));
  waiter_t w = {e, "waiter"};
  corio_task_t *t;
  rc = corio_task_create(&t, wait_and_log, &w, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.02);
  test_log("still-waiting:%d", !corio_task_done(t));
  corio_event_set(e);
  rc = corio_await(t, NULL);
  corio_task_release(t);
  corio_event_free(e);
  return rc;
}

TEST(clear_resets_the_flag_so_wait_blocks_again) {
  test_run(clear_resets, NULL, CORIO_OK);
  CHECK_LOG("new:0 set:1 cleared:0 still-waiting:1 waiter:CORIO_OK");
}

static int set_then_clear(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  waiter_t w = {e, "waiter"};
  corio_task_t *t;
  rc = corio_task_create(&t, wait_and_log, &w, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_event_set(e);
  corio_event_clear(e); /* before the woken waiter has run */
  double t0 = corio_time();
  rc = corio_await(t, NULL);
  CHECK(corio_time() - t0 < 5);
  corio_task_release(t);
  corio_event_free(e);
  return rc;
}

TEST(waiters_woken_by_set_return_even_if_cleared_before_they_run) {
  /* asyncio: set() resolves each waiter's future; clear() does not undo it. */
  test_run(set_then_clear, NULL, CORIO_OK);
  CHECK_LOG("waiter:CORIO_OK");
}

static int cancel_one_waiter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  waiter_t w[3] = {{e, "w1"}, {e, "victim"}, {e, "w3"}};
  corio_task_t *t[3];
  for (int i = 0; i < 3; i++) {
    rc = corio_task_create(&t[i], wait_and_log, &w[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  corio_sleep(0.01);
  corio_task_cancel(t[1], NULL);
  corio_sleep(0.01);
  test_log("setting");
  corio_event_set(e);
  int codes[3];
  rc = corio_gather(t, 3, NULL, codes);
  test_log("codes:%s,%s,%s", corio_err_name(codes[0]), corio_err_name(codes[1]),
           corio_err_name(codes[2]));
  /* The event still works for new waiters after a clear. */
  corio_event_clear(e);
  waiter_t late = {e, "late"};
  corio_task_t *lt;
  rc = corio_task_create(&lt, wait_and_log, &late, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_event_set(e);
  rc = corio_await(lt, NULL);
  corio_task_release(lt);
  for (int i = 0; i < 3; i++) corio_task_release(t[i]);
  corio_event_free(e);
  return rc;
}

TEST(cancelling_a_waiter_leaves_the_event_usable_for_the_others) {
  test_run(cancel_one_waiter, NULL, CORIO_OK);
  CHECK_LOG("victim:CORIO_ECANCELLED setting w1:CORIO_OK w3:CORIO_OK "
            "codes:CORIO_OK,CORIO_ECANCELLED,CORIO_OK late:CORIO_OK");
}

TEST(event_can_be_used_outside_tasks_except_for_waiting) {
  corio_event_t *e = NULL;
  CHECK_INT(corio_event_new(&e), CORIO_OK);
  if (e == NULL) return;
  CHECK(!corio_event_is_set(e));
  corio_event_set(e);
  CHECK(corio_event_is_set(e));
  corio_event_clear(e);
  CHECK(!corio_event_is_set(e));
  CHECK_INT(corio_event_wait(e), CORIO_ENOLOOP);
  corio_event_free(e);
}

static int set_from_callback_target;

static void set_event(void *data) {
  set_from_callback_target++;
  corio_event_set(data);
}

static int wait_for_callback(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  rc = corio_call_later(NULL, 0.01, set_event, e);
  if (rc == CORIO_OK) rc = corio_event_wait(e);
  corio_event_free(e);
  return rc;
}

TEST(event_set_from_a_loop_callback_wakes_the_waiter) {
  set_from_callback_target = 0;
  test_run(wait_for_callback, NULL, CORIO_OK);
  CHECK_INT(set_from_callback_target, 1);
}
