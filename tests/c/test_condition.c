/*
 * test_condition.c — asyncio.Condition: wait and notify need the lock;
 * notify(n) wakes at most n waiters in the order they began waiting and
 * notify_all every one; a woken waiter returns holding the lock again, even
 * when cancelled; wait_for checks its predicate first and after each
 * wake-up; a cancelled waiter neither takes nor loses a notification.
 */
#include "test.h"

typedef struct waiter {
  corio_condition_t *cond;
  const char *name;
  bool hold; /* keep the lock across a suspension after waking */
} waiter_t;

/* Takes the lock, waits for a notify, logs whether it holds the lock. */
static int wait_and_log(void *arg, intptr_t *result) {
  (void)result;
  const waiter_t *w = arg;
  int rc = corio_condition_acquire(w->cond);
  if (rc != CORIO_OK) return rc;
  rc = corio_condition_wait(w->cond);
  test_log("%s:%s locked:%d", w->name, corio_err_name(rc),
           corio_condition_locked(w->cond));
  if (w->hold && rc == CORIO_OK) {
    rc = corio_sleep(0);
    test_log("%s:releasing", w->name);
  }
  corio_condition_release(w->cond);
  return rc;
}

static void release_all(corio_task_t **t, int n) {
  for (int i = 0; i < n; i++) corio_task_release(t[i]);
}

static int without_lock(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_condition_t *c;
  int rc = corio_condition_new(&c, NULL);
  if (rc != CORIO_OK) return rc;
  test_log("wait:%s", corio_err_name(corio_condition_wait(c)));
  test_log("notify:%s", corio_err_name(corio_condition_notify(c, 1)));
  test_log("notify_all:%s", corio_err_name(corio_condition_notify_all(c)));
  test_log("release:%s", corio_err_name(corio_condition_release(c)));
  corio_condition_free(c);
  return CORIO_OK;
}

TEST(wait_and_notify_without_the_lock_are_runtime_errors) {
  test_run(without_lock, NULL, CORIO_OK);
  CHECK_LOG("wait:CORIO_ERUNTIME notify:CORIO_ERUNTIME "
            "notify_all:CORIO_ERUNTIME release:CORIO_ERUNTIME");
}

TEST(condition_wait_outside_a_loop_is_enoloop) {
  corio_condition_t *c = NULL;
  CHECK_INT(corio_condition_new(&c, NULL), CORIO_OK);
  if (c == NULL) return;
  CHECK_INT(corio_condition_wait(c), CORIO_ENOLOOP);
  CHECK_INT(corio_condition_acquire(c), CORIO_ENOLOOP);
  CHECK(!corio_condition_locked(c));
  corio_condition_free(c);
}

/* ---- scenes: a condition and the waiters a test starts ----------------- */

/* One test's world. play() runs `body` as the main task with a new
 * condition, then gathers the waiters the body started, releases them and
 * frees the condition; the body's status is main's. */
typedef struct scene scene_t;
struct scene {
  int (*body)(scene_t *s);
  corio_condition_t *c;
  waiter_t waiters[4];
  corio_task_t *tasks[4];
  size_t ntasks;
};

/* Starts a waiter `name` (wait_and_log; `hold`: keeps the lock across a
 * suspension after waking). */
static corio_task_t *start(scene_t *s, const char *name, bool hold) {
  waiter_t *w = &s->waiters[s->ntasks];
  *w = (waiter_t){s->c, name, hold};
  return s->tasks[s->ntasks++] = test_start(wait_and_log, w);
}

static int scene_main(void *arg, intptr_t *result) {
  (void)result;
  scene_t *s = arg;
  int rc = corio_condition_new(&s->c, NULL);
  if (rc != CORIO_OK) return rc;
  rc = s->body(s);
  int codes[4];
  if (s->ntasks > 0) corio_gather(s->tasks, s->ntasks, NULL, codes);
  release_all(s->tasks, (int)s->ntasks);
  corio_condition_free(s->c);
  return rc;
}

static void play(int (*body)(scene_t *s)) {
  test_run(scene_main, &(scene_t){.body = body}, CORIO_OK);
}

/* Notifies n waiters, holding the lock for it. */
static void notify(corio_condition_t *c, size_t n) {
  corio_condition_acquire(c);
  corio_condition_notify(c, n);
  corio_condition_release(c);
}

/* Waits for the one waiter; logs its code and whether the lock is held. */
static void log_code(scene_t *s) {
  int code;
  corio_gather(s->tasks, 1, NULL, &code);
  test_log("code:%s locked:%d", corio_err_name(code),
           corio_condition_locked(s->c));
}

/* ---- notify ------------------------------------------------------------- */

static int notify_n(scene_t *s) {
  start(s, "w1", false);
  start(s, "w2", false);
  start(s, "w3", false);
  corio_task_t *w4 = start(s, "w4", false);
  test_settle();
  size_t counts[3] = {2, 0, 1};
  for (int i = 0; i < 3; i++) {
    corio_condition_acquire(s->c);
    test_log("notify:%zu", counts[i]);
    corio_condition_notify(s->c, counts[i]);
    corio_condition_release(s->c);
    test_settle();
  }
  test_log("w4-waiting:%d", !corio_task_done(w4));
  notify(s->c, 5); /* more than are waiting */
  return corio_gather(s->tasks, s->ntasks, NULL, NULL);
}

TEST(notify_n_wakes_at_most_n_waiters_in_the_order_they_began_waiting) {
  play(notify_n);
  CHECK_LOG("notify:2 w1:CORIO_OK locked:1 w2:CORIO_OK locked:1 notify:0 "
            "notify:1 w3:CORIO_OK locked:1 w4-waiting:1 w4:CORIO_OK locked:1");
}

static int notify_all(scene_t *s) {
  start(s, "w1", false);
  start(s, "w2", false);
  start(s, "w3", false);
  test_settle();
  corio_condition_acquire(s->c);
  corio_condition_notify_all(s->c);
  test_log("notified");
  corio_condition_release(s->c);
  int rc = corio_gather(s->tasks, s->ntasks, NULL, NULL);
  test_log("locked:%d", corio_condition_locked(s->c));
  return rc;
}

TEST(notify_all_wakes_every_waiter_in_order) {
  play(notify_all);
  CHECK_LOG("notified w1:CORIO_OK locked:1 w2:CORIO_OK locked:1 "
            "w3:CORIO_OK locked:1 locked:0");
}

static int one_at_a_time(scene_t *s) {
  start(s, "w1", true);
  start(s, "w2", true);
  test_settle();
  corio_condition_acquire(s->c);
  corio_condition_notify_all(s->c);
  corio_condition_release(s->c);
  return corio_gather(s->tasks, s->ntasks, NULL, NULL);
}

TEST(woken_waiters_take_the_lock_back_one_at_a_time) {
  play(one_at_a_time);
  CHECK_LOG("w1:CORIO_OK locked:1 w1:releasing w2:CORIO_OK locked:1 "
            "w2:releasing");
}

typedef struct counter {
  corio_condition_t *cond;
  int value;
  int checks; /* predicate calls */
} counter_t;

static bool reached_three(void *data) {
  counter_t *k = data;
  k->checks++;
  return k->value >= 3;
}

static int wait_for_three(void *arg, intptr_t *result) {
  (void)result;
  counter_t *k = arg;
  corio_condition_acquire(k->cond);
  int rc = corio_condition_wait_for(k->cond, reached_three, k);
  test_log("waiter:%s value:%d checks:%d locked:%d", corio_err_name(rc),
           k->value, k->checks, corio_condition_locked(k->cond));
  corio_condition_release(k->cond);
  return rc;
}

static int predicate(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  counter_t k = {0};
  int rc = corio_condition_new(&k.cond, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_t *t;
  rc = corio_task_create(&t, wait_for_three, &k, NULL);
  if (rc != CORIO_OK) return rc;
  test_settle();
  for (int i = 0; i < 4 && !corio_task_done(t); i++) {
    corio_condition_acquire(k.cond);
    k.value++;
    test_log("value:%d", k.value);
    corio_condition_notify_all(k.cond);
    corio_condition_release(k.cond);
    test_settle();
  }
  rc = corio_await(t, NULL);
  corio_task_release(t);
  corio_condition_free(k.cond);
  return rc;
}

TEST(wait_for_returns_once_the_predicate_holds) {
  test_run(predicate, NULL, CORIO_OK);
  CHECK_LOG("value:1 value:2 value:3 waiter:CORIO_OK value:3 checks:4 "
            "locked:1");
}

static bool always(void *data) {
  (void)data;
  return true;
}

static int predicate_true(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_condition_t *c;
  int rc = corio_condition_new(&c, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_t *other;
  rc = corio_task_create(&other, test_task_log_arg, "other-task", NULL);
  if (rc != CORIO_OK) return rc;
  corio_condition_acquire(c);
  rc = corio_condition_wait_for(c, always, NULL); /* must not suspend */
  test_log("wait_for:%s locked:%d", corio_err_name(rc),
           corio_condition_locked(c));
  corio_condition_release(c);
  rc = corio_await(other, NULL);
  corio_task_release(other);
  corio_condition_free(c);
  return rc;
}

TEST(wait_for_with_a_true_predicate_returns_without_waiting) {
  test_run(predicate_true, NULL, CORIO_OK);
  CHECK_LOG("wait_for:CORIO_OK locked:1 other-task");
}

/* ---- cancelled waiters -------------------------------------------------- */

static int cancel_waiting(scene_t *s) {
  corio_task_t *t = start(s, "waiter", false);
  test_settle();
  corio_condition_acquire(s->c);
  corio_task_cancel(t, NULL);
  test_settle(); /* the waiter wakes and waits for the lock main holds */
  test_log("main:releasing");
  corio_condition_release(s->c);
  log_code(s);
  return CORIO_OK;
}

TEST(a_waiter_cancelled_while_waiting_holds_the_lock_when_wait_returns) {
  play(cancel_waiting);
  CHECK_LOG("main:releasing waiter:CORIO_ECANCELLED locked:1 "
            "code:CORIO_ECANCELLED locked:0");
}

static int cancel_reacquiring(scene_t *s) {
  corio_task_t *t = start(s, "waiter", false);
  test_settle();
  corio_condition_acquire(s->c);
  corio_condition_notify(s->c, 1);
  test_settle(); /* the waiter wakes and waits for the lock main holds */
  corio_task_cancel(t, NULL);
  test_settle(); /* its acquire is cancelled; it must try again */
  test_log("main:releasing waiting:%d", !corio_task_done(t));
  corio_condition_release(s->c);
  log_code(s);
  return CORIO_OK;
}

TEST(a_waiter_cancelled_while_taking_the_lock_back_still_gets_it) {
  play(cancel_reacquiring);
  CHECK_LOG("main:releasing waiting:1 waiter:CORIO_ECANCELLED locked:1 "
            "code:CORIO_ECANCELLED locked:0");
}

static int cancel_notified(scene_t *s) {
  corio_task_t *notified = start(s, "notified", false);
  start(s, "next", false);
  corio_task_t *last = start(s, "last", false);
  test_settle();
  corio_condition_acquire(s->c);
  corio_condition_notify(s->c, 1);   /* wakes "notified"... */
  corio_task_cancel(notified, NULL); /* ...which is cancelled before it runs */
  corio_condition_release(s->c);
  test_settle();
  test_log("last-waiting:%d", !corio_task_done(last));
  notify(s->c, 1);
  return CORIO_OK;
}

TEST(a_notification_to_a_waiter_cancelled_before_it_runs_goes_to_the_next) {
  play(cancel_notified);
  CHECK_LOG("notified:CORIO_ECANCELLED locked:1 next:CORIO_OK locked:1 "
            "last-waiting:1 last:CORIO_OK locked:1");
}

static int cancelled_takes_none(scene_t *s) {
  corio_task_t *cancelled = start(s, "cancelled", false);
  start(s, "next", false);
  corio_task_t *last = start(s, "last", false);
  test_settle();
  corio_task_cancel(cancelled, NULL);
  notify(s->c, 1); /* passes over the cancelled waiter */
  test_settle();
  test_log("last-waiting:%d", !corio_task_done(last));
  notify(s->c, 1);
  return CORIO_OK;
}

/* As CPython's wait since gh-112202 (3.13): a wait ending with an error
 * calls notify(1), so the cancelled waiter, which took no notification,
 * also wakes "last" (a spurious wake-up the header documents); the notify
 * after it then finds no one. */
TEST(a_waiter_cancelled_while_waiting_notifies_another_as_in_313) {
  play(cancelled_takes_none);
  CHECK_LOG("cancelled:CORIO_ECANCELLED locked:1 next:CORIO_OK locked:1 "
            "last:CORIO_OK locked:1 last-waiting:0");
}

/* Any error leaving wait() notifies one other waiter, as in Python 3.13
 * (gh-112202): a waiter cancelled before a notify wakes another (a spurious
 * wake-up), and one cancelled after its notify passes it on:
 *
 *   cond = asyncio.Condition()
 *   async def w(name):
 *       async with cond:
 *           try: await cond.wait(); log(f"{name}:woke")
 *           except asyncio.CancelledError: log(f"{name}:cancelled"); raise
 *   a = create_task(w("A")); b = create_task(w("B")); await sleep(0)
 *   a.cancel()                                   # A was not notified
 *   await sleep(0.01); log(f"b_done={b.done()}")
 *   async with cond: cond.notify(1)
 *   await sleep(0.01)
 *   a2 = create_task(w("A2")); b2 = create_task(w("B2")); await sleep(0)
 *   async with cond: cond.notify(1); a2.cancel()  # notified, then cancelled
 *   await sleep(0.01); log(f"b2_done={b2.done()}")
 *   b2.cancel(); await gather(a, b, a2, b2, return_exceptions=True)
 *   3.12.1 -> A:cancelled b_done=False B:woke A2:cancelled b2_done=False
 *             B2:cancelled          (the notification dies with A2)
 *   3.13.0 -> A:cancelled B:woke b_done=True A2:cancelled B2:woke b2_done=True
 * corio gives 3.13.0's output (Queue.shutdown is taken from 3.13 too). */
static int cancelled_waiters_renotify(scene_t *s) {
  corio_task_t *a = start(s, "A", false);
  corio_task_t *b = start(s, "B", false);
  corio_sleep(0);
  corio_task_cancel(a, NULL);
  corio_sleep(0.01);
  test_log("b_done=%s", corio_task_done(b) ? "True" : "False");
  notify(s->c, 1);
  corio_sleep(0.01);
  corio_task_t *a2 = start(s, "A2", false);
  corio_task_t *b2 = start(s, "B2", false);
  corio_sleep(0);
  corio_condition_acquire(s->c);
  corio_condition_notify(s->c, 1);
  corio_task_cancel(a2, NULL);
  corio_condition_release(s->c);
  corio_sleep(0.01);
  test_log("b2_done=%s", corio_task_done(b2) ? "True" : "False");
  corio_task_cancel(b2, NULL);
  return CORIO_OK;
}

TEST(a_cancelled_waiter_notified_or_not_wakes_another_as_in_313) {
  play(cancelled_waiters_renotify);
  CHECK_LOG("A:CORIO_ECANCELLED locked:1 B:CORIO_OK locked:1 b_done=True "
            "A2:CORIO_ECANCELLED locked:1 B2:CORIO_OK locked:1 b2_done=True");
}

static int shared_lock(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_condition_t *c;
  rc = corio_condition_new(&c, l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  test_log("lock-acquired cond-locked:%d", corio_condition_locked(c));
  corio_condition_release(c);
  test_log("cond-released lock-locked:%d", corio_lock_locked(l));
  corio_condition_free(c);
  /* The borrowed lock outlives the condition. */
  test_log("after-free:%s", corio_err_name(corio_lock_acquire(l)));
  corio_lock_release(l);
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(a_condition_over_a_given_lock_shares_it_and_does_not_free_it) {
  test_run(shared_lock, NULL, CORIO_OK);
  CHECK_LOG("lock-acquired cond-locked:1 cond-released lock-locked:0 "
            "after-free:CORIO_OK");
}
