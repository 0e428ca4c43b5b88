/*
 * test_cancel.c — cancellation as asyncio's Task.cancel(): delivered as
 * CORIO_ECANCELLED at the task's suspension point, can be handled, never
 * lets an unstarted task run, carries a message, is counted (cancelling /
 * uncancel), and is passed on to a task being awaited.
 */
#include "test.h"

/* Sleeps 10 s; logs the status it got and returns it. */
static int sleep_and_report(void *arg, intptr_t *result) {
  (void)result;
  const char *name = arg ? arg : "sleeper";
  int rc = corio_sleep(10);
  test_log("%s:%s", name, corio_err_name(rc));
  return rc;
}

/* Awaits t, logs "await:STATUS cancelled:N" and releases t; returns the
 * await's status. */
static int await_and_report(corio_task_t *t, intptr_t *result) {
  int rc = corio_await(t, result);
  test_log("await:%s cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(t));
  corio_task_release(t);
  return rc;
}

static int cancel_sleeper(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, sleep_and_report, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  test_log("cancel:%d", corio_task_cancel(t, NULL));
  await_and_report(t, NULL);
  return CORIO_OK;
}

TEST(cancel_while_sleeping_delivers_cancelled) {
  double t0 = corio_time();
  test_run(cancel_sleeper, NULL, CORIO_OK);
  CHECK_LOG(
      "cancel:1 sleeper:CORIO_ECANCELLED await:CORIO_ECANCELLED cancelled:1");
  CHECK(corio_time() - t0 < 5);
}

static int handle_cancellation(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_sleep(10);
  test_log("handler-saw:%s", corio_err_name(rc));
  *result = 17;
  return CORIO_OK; /* "caught" the cancellation */
}

static int cancel_handler(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, handle_cancellation, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(t, NULL);
  return await_and_report(t, result);
}

TEST(task_that_handles_cancellation_ends_not_cancelled_with_its_value) {
  CHECK_INT(test_run(cancel_handler, NULL, CORIO_OK), 17);
  CHECK_LOG("handler-saw:CORIO_ECANCELLED await:CORIO_OK cancelled:0");
}

static int return_three(void *arg, intptr_t *result) {
  (void)arg;
  *result = 3;
  return CORIO_OK;
}

static int cancel_finished(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, return_three, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, result);
  test_log("cancel:%d cancelled:%d", corio_task_cancel(t, "too late"),
           corio_task_cancelled(t));
  intptr_t v = 0;
  test_log("%s:%d", corio_err_name(corio_task_result(t, &v)), (int)v);
  corio_task_release(t);
  return rc;
}

TEST(cancel_of_a_finished_task_returns_false_and_changes_nothing) {
  CHECK_INT(test_run(cancel_finished, NULL, CORIO_OK), 3);
  CHECK_LOG("cancel:0 cancelled:0 CORIO_OK:3");
}

static int must_not_run(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("body-ran");
  return CORIO_OK;
}

static int cancel_unstarted(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, must_not_run, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  test_log("cancel:%d", corio_task_cancel(t, NULL));
  rc = corio_await(t, NULL);
  test_log("await:%s done:%d cancelled:%d", corio_err_name(rc),
           corio_task_done(t), corio_task_cancelled(t));
  corio_task_release(t);
  return CORIO_OK;
}

TEST(cancel_before_the_task_starts_means_its_body_never_runs) {
  test_run(cancel_unstarted, NULL, CORIO_OK);
  CHECK_LOG("cancel:1 await:CORIO_ECANCELLED done:1 cancelled:1");
}

static int cancel_with_message(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *with, *without;
  int rc = corio_task_create(&with, sleep_and_report, "with", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_task_create(&without, sleep_and_report, "without", NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  char msg[32] = "shutting down";
  corio_task_cancel(with, msg);
  msg[0] = 'X'; /* the message was copied */
  corio_task_cancel(without, NULL);
  corio_await(with, NULL);
  corio_await(without, NULL);
  CHECK_STR(corio_task_error(with), "shutting down");
  CHECK_STR(corio_task_error(without), "cancelled");
  corio_task_release(with);
  corio_task_release(without);
  return CORIO_OK;
}

TEST(cancel_message_is_reported_by_task_error) {
  test_run(cancel_with_message, NULL, CORIO_OK);
}

/* A cancel without a message does not reuse the message of an earlier one:
 *
 *   async def f():
 *       current_task().cancel("first")
 *       try: await sleep(0)
 *       except CancelledError as e: print(e.args)      # ('first',)
 *       current_task().uncancel()
 *       await sleep(10)
 *   t = create_task(f()); await sleep(0.01); t.cancel()
 *   await t  -> CancelledError()  (args ()), t.result() likewise
 * corio's message-less cancellation carries the default text "cancelled". */
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

TEST(cancel_without_message_does_not_reuse_the_old_message) {
  test_run(stale_msg_main, NULL, CORIO_OK);
  CHECK_LOG("saw:CORIO_ECANCELLED:first second:CORIO_ECANCELLED:cancelled "
            "await:CORIO_ECANCELLED error:cancelled");
}

/* A task that ends cancelled reports the message of the cancellation it
 * propagated ("m2"), not its own earlier cancel message ("m1"):
 *
 *   async def b(): await sleep(10)
 *   async def a():
 *       current_task().cancel("m1")
 *       try: await sleep(0)
 *       except CancelledError: pass
 *       current_task().uncancel()
 *       tb = create_task(b()); loop.call_later(0.01, tb.cancel, "m2")
 *       await tb
 *   -> awaiting a: CancelledError('m2'), a.cancelled() True */
static void cancel_with_m2(void *data) { corio_task_cancel(data, "m2"); }

static int msg_a(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_cancel(corio_current_task(), "m1");
  corio_sleep(0);
  corio_task_uncancel(corio_current_task());
  corio_task_t *b;
  corio_task_create(&b, test_task_sleep_long, NULL, NULL);
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

TEST(cancelled_task_reports_the_cancellation_it_propagated) {
  test_run(msg_main, NULL, CORIO_OK);
  CHECK_LOG("a-await:CORIO_ECANCELLED:m2 "
            "main:CORIO_ECANCELLED:m2 cancelled:1 error:m2");
}

static int count_and_acknowledge(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_sleep(10);
  corio_task_t *self = corio_current_task();
  test_log("got:%s cancelling:%d", corio_err_name(rc),
           corio_task_cancelling(self));
  test_log("uncancel:%d", corio_task_uncancel(self));
  test_log("uncancel:%d", corio_task_uncancel(self));
  test_log("uncancel-at-zero:%d", corio_task_uncancel(self));
  rc = corio_sleep(0.01); /* the requests were one delivery */
  test_log("next-sleep:%s", corio_err_name(rc));
  *result = 1;
  return rc;
}

static int cancelling_counts(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t;
  int rc = corio_task_create(&t, count_and_acknowledge, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  test_log("initial:%d", corio_task_cancelling(t));
  corio_sleep(0.01);
  test_log("first:%d", corio_task_cancel(t, NULL));
  test_log("second:%d", corio_task_cancel(t, NULL));
  test_log("cancelling:%d", corio_task_cancelling(t));
  rc = corio_await(t, result);
  test_log("cancelled:%d", corio_task_cancelled(t));
  corio_task_release(t);
  return rc;
}

TEST(cancelling_counts_requests_and_uncancel_acknowledges_them) {
  CHECK_INT(test_run(cancelling_counts, NULL, CORIO_OK), 1);
  CHECK_LOG("initial:0 first:1 second:1 cancelling:2 got:CORIO_ECANCELLED "
            "cancelling:2 uncancel:1 uncancel:0 uncancel-at-zero:0 "
            "next-sleep:CORIO_OK cancelled:0");
}

/* uncancel() down to zero rescinds a pending cancellation, as in Python 3.13
 * (documented at corio_task_uncancel); 3.11 and 3.12 would still deliver it:
 *
 *   async def f():
 *       current_task().cancel()
 *       print(current_task().uncancel())     # 0
 *       try: await sleep(0.01); print("ok")
 *       except CancelledError: print("cancelled")
 *   -> 0 / ok           (3.13; 3.11 and 3.12 print 0 / cancelled) */
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
  test_await_new(uncancel_pending, NULL, NULL);
  return CORIO_OK;
}

TEST(uncancel_to_zero_rescinds_a_pending_cancel_as_in_313) {
  test_run(uncancel_main, NULL, CORIO_OK);
  CHECK_LOG("uncancel:0 sleep:CORIO_OK");
}

static int catch_then_wait_again(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int first = corio_sleep(10);
  int second = corio_sleep(0.01);
  test_log("first:%s second:%s", corio_err_name(first), corio_err_name(second));
  return second;
}

static int delivered_once(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, catch_then_wait_again, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(t, NULL);
  rc = corio_await(t, NULL);
  corio_task_release(t);
  return rc;
}

TEST(cancellation_is_delivered_once_and_later_waits_work) {
  test_run(delivered_once, NULL, CORIO_OK);
  CHECK_LOG("first:CORIO_ECANCELLED second:CORIO_OK");
}

static corio_task_t *inner_task;

static int outer_awaits_inner(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_task_create(&inner_task, sleep_and_report, "inner", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(inner_task, result);
  test_log("outer:%s", corio_err_name(rc));
  return rc;
}

static int cancel_outer(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *outer;
  int rc = corio_task_create(&outer, outer_awaits_inner, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(outer, NULL);
  rc = corio_await(outer, NULL);
  test_log("main:%s inner-cancelled:%d outer-cancelled:%d", corio_err_name(rc),
           corio_task_cancelled(inner_task), corio_task_cancelled(outer));
  corio_task_release(inner_task);
  corio_task_release(outer);
  return CORIO_OK;
}

TEST(cancelling_a_task_that_awaits_another_cancels_the_awaited_task) {
  inner_task = NULL;
  test_run(cancel_outer, NULL, CORIO_OK);
  CHECK_LOG("inner:CORIO_ECANCELLED outer:CORIO_ECANCELLED "
            "main:CORIO_ECANCELLED inner-cancelled:1 outer-cancelled:1");
}

static int inner_catches(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_sleep(10);
  test_log("inner:%s", corio_err_name(rc));
  *result = 23;
  return CORIO_OK;
}

static int outer_awaits_catcher(void *arg, intptr_t *result) {
  (void)arg;
  int rc = corio_task_create(&inner_task, inner_catches, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(inner_task, result);
  test_log("outer:%s:%d", corio_err_name(rc), (int)*result);
  return rc;
}

static int cancel_outer_of_catcher(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *outer;
  int rc = corio_task_create(&outer, outer_awaits_catcher, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(outer, NULL);
  rc = corio_await(outer, result);
  test_log("outer-cancelled:%d", corio_task_cancelled(outer));
  corio_task_release(inner_task);
  corio_task_release(outer);
  return rc;
}

TEST(
    awaiting_task_gets_the_inner_value_when_the_inner_task_handles_the_cancel) {
  /* asyncio: outer.cancel() is passed to the awaited task; if that one
   * swallows it and returns, `await inner` in the outer task returns the
   * value and no CancelledError is raised there. */
  inner_task = NULL;
  CHECK_INT(test_run(cancel_outer_of_catcher, NULL, CORIO_OK), 23);
  CHECK_LOG("inner:CORIO_ECANCELLED outer:CORIO_OK:23 outer-cancelled:0");
}

static int awaiter_survives_inner_cancel(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_task_create(&inner_task, sleep_and_report, "inner", NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(inner_task, NULL);
  test_log("awaiter-got:%s", corio_err_name(rc));
  rc = corio_sleep(0.01); /* the awaiter itself is not cancelled */
  test_log("awaiter-sleep:%s", corio_err_name(rc));
  *result = 4;
  return rc;
}

static int cancel_only_the_inner(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *awaiter;
  int rc =
      corio_task_create(&awaiter, awaiter_survives_inner_cancel, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(inner_task, NULL);
  rc = corio_await(awaiter, result);
  corio_task_release(inner_task);
  corio_task_release(awaiter);
  return rc;
}

TEST(awaiting_a_task_that_gets_cancelled_gives_ecancelled_to_the_awaiter_only) {
  inner_task = NULL;
  CHECK_INT(test_run(cancel_only_the_inner, NULL, CORIO_OK), 4);
  CHECK_LOG("inner:CORIO_ECANCELLED awaiter-got:CORIO_ECANCELLED "
            "awaiter-sleep:CORIO_OK");
}

/* Many tasks await one; cancelling one of the awaiters cancels the awaited
 * task, so every awaiter ends cancelled (as in asyncio):
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

static int many_waiters_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t, *ws[3];
  corio_task_create(&t, value_later, NULL, NULL);
  for (int i = 0; i < 3; i++)
    corio_task_create(&ws[i], test_task_await_arg, t, NULL);
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

TEST(cancelling_one_of_many_awaiters_cancels_the_shared_task) {
  test_run(many_waiters_main, NULL, CORIO_OK);
  CHECK_LOG("CORIO_ECANCELLED CORIO_ECANCELLED CORIO_ECANCELLED t-cancelled:1");
}

static int cancel_self(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *self = corio_current_task();
  test_log("cancel:%d", corio_task_cancel(self, NULL));
  test_log("still-running");
  double t0 = corio_time();
  int rc = corio_sleep(10);
  test_log("sleep:%s", corio_err_name(rc));
  CHECK(corio_time() - t0 < 5);
  return rc;
}

static int run_self_canceller(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, cancel_self, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  await_and_report(t, NULL);
  return CORIO_OK;
}

TEST(cancelling_self_then_sleeping_delivers_cancelled) {
  test_run(run_self_canceller, NULL, CORIO_OK);
  CHECK_LOG("cancel:1 still-running sleep:CORIO_ECANCELLED "
            "await:CORIO_ECANCELLED cancelled:1");
}

static int self_cancel_then_yield(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_cancel(corio_current_task(), NULL);
  int rc = corio_sleep(0);
  test_log("sleep0:%s", corio_err_name(rc));
  return rc;
}

static int run_self_cancel_yield(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = test_await_new(self_cancel_then_yield, NULL, NULL);
  return rc == CORIO_ECANCELLED ? CORIO_OK : CORIO_EFAILED;
}

TEST(cancelling_self_then_sleep_zero_delivers_cancelled) {
  test_run(run_self_cancel_yield, NULL, CORIO_OK);
  CHECK_LOG("sleep0:CORIO_ECANCELLED");
}

/* A task that cancels itself is delivered the cancellation only after it
 * has let the loop run once, as in asyncio:
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
 * which takes one trip through the loop: "other" runs first. */
static int self_cancel_then_sleep(void *arg, intptr_t *result) {
  (void)result;
  double secs = *(double *)arg;
  if (secs <= 0) {
    corio_task_t *o;
    corio_task_create(&o, test_task_log_arg, "other", NULL);
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
  corio_task_create(&ts[0], test_task_log_arg, "other", NULL);
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

TEST(self_cancel_is_delivered_after_one_loop_trip) {
  test_run(self_cancel_main, NULL, CORIO_OK);
  CHECK_LOG("other caught:CORIO_ECANCELLED other caught:CORIO_ECANCELLED");
}

/* A task that cancels itself and then returns ends cancelled, as in
 * asyncio:
 *
 *   async def f():
 *       asyncio.current_task().cancel("bye")
 *       return 5
 *   t = create_task(f()); await t
 *   -> CancelledError('bye'), t.cancelled() == True
 * (Task.__step: "Task is cancelled right before coro stops": a pending
 * _must_cancel turns the return into a cancellation.) */
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
           corio_task_cancelled(t),
           corio_task_error(t) ? corio_task_error(t) : "-");
  corio_task_release(t);
  return CORIO_OK;
}

TEST(task_cancelled_right_before_it_returns_ends_cancelled) {
  test_run(cancel_self_and_return_main, NULL, CORIO_OK);
  CHECK_LOG("await:CORIO_ECANCELLED cancelled:1 error:bye");
}

static int event_waiter(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_event_wait(arg);
  test_log("event-wait:%s", corio_err_name(rc));
  return rc;
}

static int cancel_event_waiter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  corio_task_t *t;
  rc = corio_task_create(&t, event_waiter, e, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_task_cancel(t, NULL);
  rc = corio_await(t, NULL);
  corio_task_release(t);
  corio_event_free(e);
  return rc == CORIO_ECANCELLED ? CORIO_OK : CORIO_EFAILED;
}

TEST(cancel_reaches_a_task_waiting_on_an_event) {
  test_run(cancel_event_waiter, NULL, CORIO_OK);
  CHECK_LOG("event-wait:CORIO_ECANCELLED");
}

static int wake_then_cancel(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_event_t *e;
  int rc = corio_event_new(&e);
  if (rc != CORIO_OK) return rc;
  corio_task_t *t;
  rc = corio_task_create(&t, event_waiter, e, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.01);
  corio_event_set(e);         /* t is woken, but has not run yet */
  corio_task_cancel(t, NULL); /* asyncio: _must_cancel, thrown at resume */
  rc = corio_await(t, NULL);
  test_log("await:%s", corio_err_name(rc));
  corio_task_release(t);
  corio_event_free(e);
  return CORIO_OK;
}

TEST(cancel_after_a_wake_up_but_before_the_task_resumes_delivers_cancelled) {
  test_run(wake_then_cancel, NULL, CORIO_OK);
  CHECK_LOG("event-wait:CORIO_ECANCELLED await:CORIO_ECANCELLED");
}
