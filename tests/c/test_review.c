/*
 * test_review.c — edge cases from an adversarial review against CPython's
 * asyncio (the Python program is quoted above each test, with what it
 * prints). Those marked FIXED failed when found (two crashed) and pin the
 * behaviour corio now has; those marked pinned matched from the start.
 */
#include "test.h"

/* ---- shared helpers ------------------------------------------------------ */

static int log_other(void *arg, intptr_t *result) {
  (void)result;
  test_log("%s", arg ? (const char *)arg : "other");
  return CORIO_OK;
}

static int sleep_long(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_sleep(10);
}

/* ---- FIXED: a task that cancels itself is not delivered the
 * cancellation until it has let the loop run once -----------------------
 *
 *   async def other(): log("other")
 *   async def selfc():
 *       asyncio.current_task().cancel()
 *       try: await asyncio.sleep(1)
 *       except asyncio.CancelledError: log("caught")
 *   s = create_task(selfc()); o = create_task(other())
 *   await gather(o, s)
 *   -> other caught
 *   (and with sleep(0) in place of sleep(1), created in selfc: other caught0)
 * asyncio cancels the future the task yields (or throws at its next step),
 * which takes one trip through the loop; corio returns ECANCELLED from the
 * waiting call at once, so "other" has not run yet. */
static int self_cancel_then_sleep(void *arg, intptr_t *result) {
  (void)result;
  double secs = *(double *)arg;
  if (secs <= 0) {
    corio_task_t *o;
    corio_task_create(&o, log_other, NULL, NULL);
    corio_task_release(o);
  }
  corio_task_cancel(corio_current_task(), NULL);
  int rc = corio_sleep(secs);
  test_log("caught:%s", corio_err_name(rc));
  return CORIO_OK;
}

static int self_cancel_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static double one = 1, zero = 0;
  corio_task_t *ts[2];
  corio_task_create(&ts[1], self_cancel_then_sleep, &one, NULL);
  corio_task_create(&ts[0], log_other, NULL, NULL);
  int rc = corio_gather(ts, 2, NULL, NULL);
  corio_task_release(ts[0]);
  corio_task_release(ts[1]);
  corio_task_t *t;
  corio_task_create(&t, self_cancel_then_sleep, &zero, NULL);
  corio_await(t, NULL);
  corio_sleep(0);
  corio_task_release(t);
  return rc;
}

TEST(review_self_cancel_is_delivered_after_one_loop_trip) {
  test_run(self_cancel_main, NULL, CORIO_OK);
  CHECK_LOG("other caught:CORIO_ECANCELLED other caught:CORIO_ECANCELLED");
}

/* ---- FIXED: a task that cancels itself and then returns ends
 * cancelled in asyncio --------------------------------------------------
 *
 *   async def f():
 *       asyncio.current_task().cancel("bye")
 *       return 5
 *   t = create_task(f()); await t
 *   -> CancelledError('bye'), t.cancelled() == True
 * (Task.__step: "Task is cancelled right before coro stops": a pending
 * _must_cancel turns the return into a cancellation.) corio ends it OK/5. */
static int cancel_self_and_return(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_cancel(corio_current_task(), "bye");
  *result = 5;
  return CORIO_OK;
}

static int cancel_self_and_return_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_create(&t, cancel_self_and_return, NULL, NULL);
  intptr_t v = 0;
  int rc = corio_await(t, &v);
  test_log("await:%s cancelled:%d error:%s", corio_err_name(rc),
           corio_task_cancelled(t), corio_task_error(t) ? corio_task_error(t) : "-");
  corio_task_release(t);
  return CORIO_OK;
}

TEST(review_task_cancelled_right_before_it_returns_ends_cancelled) {
  test_run(cancel_self_and_return_main, NULL, CORIO_OK);
  CHECK_LOG("await:CORIO_ECANCELLED cancelled:1 error:bye");
}

/* ---- FIXED: a cancel without a message keeps the previous message -------
 *
 *   async def f():
 *       current_task().cancel("first")
 *       try: await sleep(0)
 *       except CancelledError as e: print(e.args)      # ('first',)
 *       current_task().uncancel()
 *       await sleep(10)
 *   t = create_task(f()); await sleep(0.01); t.cancel()
 *   await t  -> CancelledError()  (args ()), t.result() likewise
 * corio_task_cancel(t, NULL) leaves t->cancel_msg at "first"
 * (task.c corio_task_cancel only replaces it when msg != NULL). */
static int cancel_first_then_sleep(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_cancel(corio_current_task(), "first");
  int rc = corio_sleep(0);
  test_log("saw:%s:%s", corio_err_name(rc), corio_errmsg());
  corio_task_uncancel(corio_current_task());
  rc = corio_sleep(10);
  test_log("second:%s:%s", corio_err_name(rc), corio_errmsg());
  return rc;
}

static int stale_msg_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_create(&t, cancel_first_then_sleep, NULL, NULL);
  corio_sleep(0.01);
  corio_task_cancel(t, NULL);
  int rc = corio_await(t, NULL);
  test_log("await:%s error:%s", corio_err_name(rc), corio_task_error(t));
  corio_task_release(t);
  return CORIO_OK;
}

TEST(review_cancel_without_message_does_not_reuse_the_old_message) {
  test_run(stale_msg_main, NULL, CORIO_OK);
  CHECK_LOG("saw:CORIO_ECANCELLED:first second:CORIO_ECANCELLED:cancelled "
            "await:CORIO_ECANCELLED error:cancelled");
}

/* ---- FIXED: the message of a task ending cancelled is its own old cancel
 * message, not the CancelledError it actually propagated -------------------
 *
 *   async def b(): await sleep(10)
 *   async def a():
 *       current_task().cancel("m1")
 *       try: await sleep(0)
 *       except CancelledError: pass
 *       current_task().uncancel()
 *       tb = create_task(b()); loop.call_later(0.01, tb.cancel, "m2")
 *       await tb
 *   -> awaiting a: CancelledError('m2'), a.cancelled() True
 * corio: task_finish (task.c) prefers t->cancel_msg ("m1") over the errmsg
 * the task returned with ("m2"). */
static void cancel_with_m2(void *data) { corio_task_cancel(data, "m2"); }

static int msg_a(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_cancel(corio_current_task(), "m1");
  corio_sleep(0);
  corio_task_uncancel(corio_current_task());
  corio_task_t *b;
  corio_task_create(&b, sleep_long, NULL, NULL);
  corio_call_later(NULL, 0.01, cancel_with_m2, b);
  int rc = corio_await(b, NULL);
  test_log("a-await:%s:%s", corio_err_name(rc), corio_errmsg());
  corio_task_release(b);
  return rc;
}

static int msg_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *a;
  corio_task_create(&a, msg_a, NULL, NULL);
  int rc = corio_await(a, NULL);
  test_log("main:%s:%s cancelled:%d error:%s", corio_err_name(rc),
           corio_errmsg(), corio_task_cancelled(a), corio_task_error(a));
  corio_task_release(a);
  return CORIO_OK;
}

TEST(review_cancelled_task_reports_the_cancellation_it_propagated) {
  test_run(msg_main, NULL, CORIO_OK);
  CHECK_LOG("a-await:CORIO_ECANCELLED:m2 "
            "main:CORIO_ECANCELLED:m2 cancelled:1 error:m2");
}

/* ---- FIXED: wait_for(t, 0) lets an unstarted t begin ---------------------
 *
 *   async def f(): print("E f started"); await sleep(1)
 *   t = create_task(f())
 *   try: await wait_for(t, 0)
 *   except TimeoutError: print("E timeout", t.cancelled())
 *   -> E timeout True          (f never starts)
 * asyncio.wait_for with timeout <= 0 cancels t at once (_cancel_and_wait);
 * corio's wait_for(t, 0) enters a scope whose expiry is a call_soon queued
 * behind t's first step (await.c corio_wait_for -> timeout.c reschedule),
 * so t runs until its first suspension before it is cancelled. */
static int started_logger(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("f-started");
  return corio_sleep(1);
}

static int wait_for_zero_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_create(&t, started_logger, NULL, NULL);
  int rc = corio_wait_for(t, 0, NULL);
  test_log("wait_for:%s cancelled:%d", corio_err_name(rc), corio_task_cancelled(t));
  corio_task_release(t);
  return CORIO_OK;
}

TEST(review_wait_for_zero_never_starts_a_pending_task) {
  test_run(wait_for_zero_main, NULL, CORIO_OK);
  CHECK_LOG("wait_for:CORIO_ETIMEDOUT cancelled:1");
}

/* ---- FIXED (3.12 vs 3.13): uncancel() to zero withdraws a pending
 * cancellation in corio; in 3.11/3.12 it does not --------------------------
 *
 *   async def f():
 *       current_task().cancel()
 *       print(current_task().uncancel())     # 0
 *       try: await sleep(0.01); print("ok")
 *       except CancelledError: print("cancelled")
 *   -> 0 / cancelled     (3.11, 3.12; 3.13 changed uncancel to rescind it)
 * corio: task.c corio_task_uncancel clears must_cancel at zero (3.13). */
static int uncancel_pending(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_cancel(corio_current_task(), NULL);
  test_log("uncancel:%d", corio_task_uncancel(corio_current_task()));
  int rc = corio_sleep(0.01);
  test_log("sleep:%s", corio_err_name(rc));
  return CORIO_OK;
}

static int uncancel_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_create(&t, uncancel_pending, NULL, NULL);
  corio_await(t, NULL);
  corio_task_release(t);
  return CORIO_OK;
}

/* corio follows Python 3.13 here (documented at corio_task_uncancel):
 * uncancel() down to zero rescinds the pending cancellation; 3.11 and 3.12
 * would still deliver it. */
TEST(review_uncancel_to_zero_rescinds_a_pending_cancel_as_in_313) {
  test_run(uncancel_main, NULL, CORIO_OK);
  CHECK_LOG("uncancel:0 sleep:CORIO_OK");
}

/* ---- FIXED (crash): two tasks awaiting each other ----------------------
 *
 *   async def a(): await ts['b']
 *   async def b(): await ts['a']
 *   ... ts['a'].cancel()   -> RecursionError (a Python exception)
 *   and a main awaiting a hangs forever.
 * corio promises a deadlock ends with CORIO_EDEADLK; instead break_deadlock
 * (loop.c) cancels a, whose forward_cancel hook (await.c) cancels b, whose
 * hook cancels a, ... without end: unbounded recursion in
 * corio_task_cancel (task.c), a stack overflow in the scheduler. */
static corio_task_t *cycle[2];

static int await_peer(void *arg, intptr_t *result) {
  int i = (int)(intptr_t)arg;
  return corio_await(cycle[1 - i], result);
}

static int cycle_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_create(&cycle[0], await_peer, (void *)(intptr_t)0, NULL);
  corio_task_create(&cycle[1], await_peer, (void *)(intptr_t)1, NULL);
  int rc = corio_await(cycle[0], NULL);
  test_log("main:%s", corio_err_name(rc));
  corio_task_release(cycle[0]);
  corio_task_release(cycle[1]);
  return rc;
}

TEST(review_tasks_awaiting_each_other_end_in_edeadlk_not_a_crash) {
  test_run(cycle_main, NULL, CORIO_EDEADLK);
}

/* ---- pinned (matches): nested timeouts with the same deadline ------------
 *
 *   when = loop.time() + 0.02
 *   async with timeout_at(when):            # outer
 *       async with timeout_at(when):        # inner
 *           await sleep(10)
 *   -> inner CancelledError cancelling()==1, outer TimeoutError cancelling()==0 */
static int nested_same_deadline(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  double when = corio_time() + 0.02;
  corio_timeout_t outer = CORIO_TIMEOUT_INIT, inner = CORIO_TIMEOUT_INIT;
  corio_timeout_enter_at(&outer, when);
  corio_timeout_enter_at(&inner, when);
  int rc = corio_sleep(10);
  rc = corio_timeout_exit(&inner, rc);
  test_log("inner:%s:%d", corio_err_name(rc),
           corio_task_cancelling(corio_current_task()));
  rc = corio_timeout_exit(&outer, rc);
  test_log("outer:%s:%d", corio_err_name(rc),
           corio_task_cancelling(corio_current_task()));
  return CORIO_OK;
}

TEST(review_nested_timeouts_expiring_together_outer_times_out) {
  test_run(nested_same_deadline, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_ECANCELLED:1 outer:CORIO_ETIMEDOUT:0");
}

/* ---- pinned (matches): many tasks await one; cancelling one waiter cancels
 * the awaited task, so every waiter ends cancelled --------------------------
 *
 *   t = create_task(v())      # sleeps 0.01, returns 7
 *   ws = [create_task(w(i)) for i in range(3)]   # each: await t
 *   await sleep(0.005); ws[1].cancel()
 *   gather(*ws, return_exceptions=True) -> 3 x CancelledError, t.cancelled() */
static int value_later(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_sleep(0.01);
  *result = 7;
  return rc;
}

static int await_arg(void *arg, intptr_t *result) {
  return corio_await(arg, result);
}

static int many_waiters_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t, *ws[3];
  corio_task_create(&t, value_later, NULL, NULL);
  for (int i = 0; i < 3; i++) corio_task_create(&ws[i], await_arg, t, NULL);
  corio_sleep(0.005);
  corio_task_cancel(ws[1], NULL);
  int codes[3];
  corio_gather(ws, 3, NULL, codes);
  test_log("%s %s %s t-cancelled:%d", corio_err_name(codes[0]),
           corio_err_name(codes[1]), corio_err_name(codes[2]),
           corio_task_cancelled(t));
  for (int i = 0; i < 3; i++) corio_task_release(ws[i]);
  corio_task_release(t);
  return CORIO_OK;
}

TEST(review_cancelling_one_of_many_awaiters_cancels_the_shared_task) {
  test_run(many_waiters_main, NULL, CORIO_OK);
  CHECK_LOG("CORIO_ECANCELLED CORIO_ECANCELLED CORIO_ECANCELLED t-cancelled:1");
}

/* ---- pinned (matches): a done callback that cancels another task ---------
 *
 *   victim = create_task(s())        # sleeps 10
 *   q = create_task(quick())
 *   q.add_done_callback(lambda _: victim.cancel("from-cb"))
 *   await victim -> CancelledError('from-cb') */
static corio_task_t *victim;
static void cancel_victim(corio_task_t *t, void *data) {
  (void)t;
  (void)data;
  corio_task_cancel(victim, "from-cb");
}

static int done_cb_cancel_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *q;
  corio_task_create(&victim, sleep_long, NULL, NULL);
  corio_task_create(&q, log_other, "quick", NULL);
  corio_task_add_done_callback(q, cancel_victim, NULL);
  int rc = corio_await(victim, NULL);
  test_log("await:%s:%s", corio_err_name(rc), corio_errmsg());
  corio_task_release(q);
  corio_task_release(victim);
  return CORIO_OK;
}

TEST(review_done_callback_cancelling_a_task_carries_its_message) {
  test_run(done_cb_cancel_main, NULL, CORIO_OK);
  CHECK_LOG("quick await:CORIO_ECANCELLED:from-cb");
}

/* ---- FIXED (use after free): corio_await holds no reference on the task
 * it waits for -----------------------------------------------------------
 * A waiter w awaits t; t's creator then drops its reference ("fire and
 * forget"). When t ends, the loop drops its reference, the done call that
 * wakes w drops the last one (task.c release_call) and t is freed; w then
 * resumes in take_outcome (await.c) and reads t: heap-use-after-free.
 * In asyncio the awaiting coroutine's frame keeps t alive. Fix: retain t in
 * wait_done() across the wait (and in gather/wait likewise). */
static int release_while_awaited_main(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t, *w;
  corio_task_create(&t, value_later, NULL, NULL);
  corio_task_create(&w, await_arg, t, NULL);
  corio_sleep(0); /* w is waiting on t now */
  corio_task_release(t);
  int rc = corio_await(w, result);
  corio_task_release(w);
  return rc;
}

TEST(review_awaited_task_released_by_its_creator_stays_valid_for_the_waiter) {
  CHECK_INT(test_run(release_while_awaited_main, NULL, CORIO_OK), 7);
}

/* ---- as Python 3.13 (gh-116720): a child failing while the owner already
 * waits in the group's exit leaves the owner's cancelling() at 0 (3.11/3.12
 * left it at 1), and the owner's next wait is not cancelled ---------------
 * mirrors test_taskgroups.py::test_cancelling_level_preserved
 *
 *   async with TaskGroup() as g:
 *       g.create_task(bad())     # sleeps 0.01, raises ValueError
 *       g.create_task(slow())    # sleeps 10
 *   except* ValueError: print(current_task().cancelling())   # 0
 *   await sleep(0.01)                                         # ok
 *   -> slow cancelled / 0 / next sleep ok */
static int fail_later(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_sleep(0.01);
  if (rc != CORIO_OK) return rc;
  return corio_fail(CORIO_EUSER, "v");
}

static int slow_logged(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_sleep(10);
  test_log("slow:%s", corio_err_name(rc));
  return rc;
}

static int group_fail_in_exit_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_group_t *g;
  corio_task_group_new(&g);
  corio_task_group_spawn(g, NULL, fail_later, NULL, NULL);
  corio_task_group_spawn(g, NULL, slow_logged, NULL, NULL);
  int rc = corio_task_group_wait(g, CORIO_OK);
  test_log("group:%s cancelling:%d", corio_err_name(rc),
           corio_task_cancelling(corio_current_task()));
  corio_task_group_free(g);
  rc = corio_sleep(0.01);
  test_log("next:%s", corio_err_name(rc));
  return CORIO_OK;
}

TEST(review_group_child_failing_during_exit_leaves_cancelling_at_zero) {
  test_run(group_fail_in_exit_main, NULL, CORIO_OK);
  CHECK_LOG("slow:CORIO_ECANCELLED group:CORIO_EGROUP cancelling:0 next:CORIO_OK");
}
