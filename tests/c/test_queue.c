/*
 * test_queue.c — asyncio.Queue, LifoQueue and PriorityQueue, and Python
 * 3.13's shutdown: get order per kind; put waiting while full and get while
 * empty, woken one per slot or item in the order they began waiting; the
 * _nowait calls; task_done and join; shutdown in both modes; cancellation
 * never losing an item or a wake-up; leftover items handed to dispose.
 * Tasks interleave through sleep(0) only, so nothing depends on the clock.
 */
#include <stdlib.h>

#include "test.h"

#define ITEM(n) ((void *)(intptr_t)(n))
#define NUM(p) ((long)(intptr_t)(p))

/* A task's part in a test: what it puts, gets or joins, and its name. */
typedef struct actor {
  corio_queue_t *q;
  const char *name;
  intptr_t item; /* putters: the item they put */
} actor_t;

static int getter(void *arg, intptr_t *result) {
  const actor_t *a = arg;
  void *item = NULL;
  int rc = corio_queue_get(a->q, &item);
  if (rc == CORIO_OK)
    test_log("%s:got:%ld", a->name, NUM(item));
  else
    test_log("%s:%s", a->name, corio_err_name(rc));
  *result = (intptr_t)item;
  return rc;
}

static int putter(void *arg, intptr_t *result) {
  const actor_t *a = arg;
  (void)result;
  int rc = corio_queue_put(a->q, ITEM(a->item));
  if (rc == CORIO_OK)
    test_log("%s:put:%ld", a->name, (long)a->item);
  else
    test_log("%s:%s", a->name, corio_err_name(rc));
  return rc;
}

static int joiner(void *arg, intptr_t *result) {
  const actor_t *a = arg;
  (void)result;
  int rc = corio_queue_join(a->q);
  test_log("%s:joined:%s", a->name, corio_err_name(rc));
  return rc;
}

static corio_task_t *spawn(corio_fn fn, actor_t *a) {
  corio_task_t *t = NULL;
  CHECK_INT(corio_task_create(&t, fn, a, NULL), CORIO_OK);
  return t;
}

/* Ends a test's tasks before its queue is freed: any still waiting (a
 * broken expectation) is cancelled, so it shows in the log, not as a crash. */
static void finish_all(corio_task_t **tasks, size_t n) {
  int codes[8];
  for (size_t i = 0; i < n; i++) corio_task_cancel(tasks[i], NULL);
  CHECK_INT(corio_gather(tasks, n, NULL, codes), CORIO_OK);
  for (size_t i = 0; i < n; i++) corio_task_release(tasks[i]);
}

static corio_queue_t *new_queue(corio_queue_kind_t kind, size_t maxsize) {
  corio_queue_t *q = NULL;
  CHECK_INT(corio_queue_new(&q, kind, maxsize, NULL), CORIO_OK);
  return q;
}

/* Gets every queued item with get_nowait and logs them as "got:a,b,c". */
static void log_drain(corio_queue_t *q) {
  char buf[512] = "";
  size_t len = 0;
  void *item;
  while (corio_queue_get_nowait(q, &item) == CORIO_OK && len < sizeof buf - 24)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%ld",
                            len ? "," : "", NUM(item));
  test_log("got:%s", buf);
}

/* ---- order per kind ----------------------------------------------------- */

static void put_numbers(corio_queue_t *q, const long *nums, size_t n) {
  for (size_t i = 0; i < n; i++)
    CHECK_INT(corio_queue_put_nowait(q, ITEM(nums[i])), CORIO_OK);
}

TEST(fifo_queue_gets_items_in_put_order) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  const long nums[] = {3, 1, 4, 1, 5};
  put_numbers(q, nums, 5);
  log_drain(q);
  CHECK_LOG("got:3,1,4,1,5");
  corio_queue_free(q, NULL);
}

TEST(lifo_queue_gets_the_newest_item_first) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_LIFO, 0);
  const long nums[] = {3, 1, 4, 1, 5};
  put_numbers(q, nums, 5);
  log_drain(q);
  CHECK_LOG("got:5,1,4,1,3");
  corio_queue_free(q, NULL);
}

static int compare_numbers(const void *a, const void *b) {
  long x = NUM(a), y = NUM(b);
  return (x > y) - (x < y);
}

TEST(priority_queue_gets_the_smallest_item_first) {
  corio_queue_t *q = NULL;
  CHECK_INT(corio_queue_new(&q, CORIO_QUEUE_PRIORITY, 0, compare_numbers),
            CORIO_OK);
  const long nums[] = {5, 3, 9, 1, 7, 2, 8};
  put_numbers(q, nums, 7);
  log_drain(q);
  CHECK_LOG("got:1,2,3,5,7,8,9");
  corio_queue_free(q, NULL);
}

/* Priority items: compared by `prio` only; `id` shows which one came out. */
typedef struct job {
  int prio;
  int id;
} job_t;

static int compare_jobs(const void *a, const void *b) {
  const job_t *x = a, *y = b;
  return (x->prio > y->prio) - (x->prio < y->prio);
}

TEST(priority_queue_gets_equal_items_in_put_order) {
  corio_queue_t *q = NULL;
  CHECK_INT(corio_queue_new(&q, CORIO_QUEUE_PRIORITY, 0, compare_jobs),
            CORIO_OK);
  /* A pseudo-random mix of 4 priorities: many ties, heap well shuffled. */
  job_t jobs[60];
  unsigned seed = 12345;
  for (int i = 0; i < 60; i++) {
    seed = seed * 1103515245u + 12345u;
    jobs[i].prio = (int)((seed >> 16) % 4);
    jobs[i].id = i;
    CHECK_INT(corio_queue_put_nowait(q, &jobs[i]), CORIO_OK);
  }
  const job_t *prev = NULL;
  void *item;
  while (corio_queue_get_nowait(q, &item) == CORIO_OK) {
    const job_t *j = item;
    if (prev)
      CHECK(prev->prio < j->prio ||
            (prev->prio == j->prio && prev->id < j->id));
    prev = j;
  }
  CHECK(corio_queue_empty(q));
  corio_queue_free(q, NULL);
}

TEST(fifo_order_survives_the_buffer_growing_while_wrapped) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  void *item;
  for (long i = 0; i < 6; i++) corio_queue_put_nowait(q, ITEM(i));
  for (int i = 0; i < 4; i++) corio_queue_get_nowait(q, &item);
  for (long i = 6; i < 40; i++) corio_queue_put_nowait(q, ITEM(i));
  long expected = 4;
  while (corio_queue_get_nowait(q, &item) == CORIO_OK)
    CHECK_INT(NUM(item), expected++);
  CHECK_INT(expected, 40);
  corio_queue_free(q, NULL);
}

/* ---- waiting putters and getters --------------------------------------- */

static int put_waits_while_full(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 2);
  corio_queue_put_nowait(q, ITEM(1));
  corio_queue_put_nowait(q, ITEM(2));
  actor_t p = {q, "p", 3};
  corio_task_t *t = spawn(putter, &p);
  test_settle();
  test_log("waiting:%d qsize:%zu", !corio_task_done(t), corio_queue_qsize(q));
  void *item;
  corio_queue_get_nowait(q, &item);
  test_log("got:%ld", NUM(item));
  test_settle();
  log_drain(q);
  finish_all(&t, 1);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(put_waits_while_the_queue_is_full_until_a_get_frees_a_slot) {
  test_run(put_waits_while_full, NULL, CORIO_OK);
  CHECK_LOG("waiting:1 qsize:2 got:1 p:put:3 got:2,3");
}

static int putters_in_wait_order(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 2);
  corio_queue_put_nowait(q, ITEM(0));
  corio_queue_put_nowait(q, ITEM(0));
  actor_t a[3] = {{q, "p1", 1}, {q, "p2", 2}, {q, "p3", 3}};
  corio_task_t *t[3];
  for (int i = 0; i < 3; i++) t[i] = spawn(putter, &a[i]);
  test_settle();
  void *item;
  corio_queue_get_nowait(q, &item); /* two free slots: p1 and p2 go on */
  corio_queue_get_nowait(q, &item);
  test_log("freed");
  test_settle();
  test_log("p3-waiting:%d", !corio_task_done(t[2]));
  corio_queue_get_nowait(q, &item);
  test_settle();
  log_drain(q);
  finish_all(t, 3);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(waiting_putters_go_on_one_per_free_slot_in_the_order_they_waited) {
  test_run(putters_in_wait_order, NULL, CORIO_OK);
  CHECK_LOG("freed p1:put:1 p2:put:2 p3-waiting:1 p3:put:3 got:2,3");
}

static int getters_in_wait_order(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  actor_t a[3] = {{q, "g1", 0}, {q, "g2", 0}, {q, "g3", 0}};
  corio_task_t *t[3];
  for (int i = 0; i < 3; i++) t[i] = spawn(getter, &a[i]);
  test_settle();
  corio_queue_put_nowait(q, ITEM(10));
  corio_queue_put_nowait(q, ITEM(20));
  test_log("put");
  test_settle();
  test_log("g3-waiting:%d", !corio_task_done(t[2]));
  corio_queue_put_nowait(q, ITEM(30));
  test_settle();
  finish_all(t, 3);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(get_waits_while_empty_and_getters_go_on_in_the_order_they_waited) {
  test_run(getters_in_wait_order, NULL, CORIO_OK);
  CHECK_LOG("put g1:got:10 g2:got:20 g3-waiting:1 g3:got:30");
}

static int overtaken_getter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  actor_t a = {q, "g", 0};
  corio_task_t *t = spawn(getter, &a);
  test_settle();
  void *item;
  corio_queue_put_nowait(q, ITEM(1)); /* wakes g ... */
  corio_queue_get_nowait(q, &item);   /* ... but main takes the item first */
  test_settle();
  test_log("g-waiting:%d", !corio_task_done(t));
  corio_queue_put_nowait(q, ITEM(2));
  test_settle();
  finish_all(&t, 1);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(a_woken_getter_whose_item_was_taken_waits_again) {
  test_run(overtaken_getter, NULL, CORIO_OK);
  CHECK_LOG("g-waiting:1 g:got:2");
}

TEST(an_unbounded_queue_never_fills) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  for (long i = 0; i < 10000; i++)
    if (corio_queue_put_nowait(q, ITEM(i)) != CORIO_OK) break;
  CHECK_INT(corio_queue_qsize(q), 10000);
  CHECK(!corio_queue_full(q));
  CHECK_INT(corio_queue_maxsize(q), 0);
  corio_queue_free(q, NULL);
}

/* ---- _nowait and state ------------------------------------------------- */

TEST(put_nowait_on_a_full_queue_fails_with_efull) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 1);
  CHECK_INT(corio_queue_put_nowait(q, ITEM(1)), CORIO_OK);
  CHECK_INT(corio_queue_put_nowait(q, ITEM(2)), CORIO_EFULL);
  CHECK_INT(corio_queue_qsize(q), 1);
  corio_queue_free(q, NULL);
}

TEST(get_nowait_on_an_empty_queue_fails_with_eempty) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  void *item = ITEM(99);
  CHECK_INT(corio_queue_get_nowait(q, &item), CORIO_EEMPTY);
  CHECK_INT(NUM(item), 99); /* untouched */
  corio_queue_free(q, NULL);
}

static int nowait_errors_in_a_task(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 1);
  void *item;
  corio_fail(CORIO_EUSER, "earlier");
  int rc = corio_queue_get_nowait(q, &item);
  test_log("%s:%s", corio_err_name(rc), corio_errmsg());
  corio_queue_put_nowait(q, ITEM(1));
  rc = corio_queue_put_nowait(q, ITEM(2));
  test_log("%s:%s", corio_err_name(rc), corio_errmsg());
  corio_queue_shutdown(q, false, NULL);
  rc = corio_queue_put_nowait(q, ITEM(3));
  test_log("%s:%s", corio_err_name(rc), corio_errmsg());
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

/* Full and empty are everyday outcomes for a poller: the code alone, no
 * message (the task's message is left as it was); closed says why. */
TEST(nowait_full_and_empty_set_no_message_but_closed_does) {
  test_run(nowait_errors_in_a_task, NULL, CORIO_OK);
  CHECK_LOG("CORIO_EEMPTY:earlier CORIO_EFULL:earlier "
            "CORIO_ECLOSED:queue is shut down");
}

TEST(qsize_empty_full_and_maxsize_report_the_state) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_LIFO, 2);
  CHECK_INT(corio_queue_maxsize(q), 2);
  CHECK_INT(corio_queue_qsize(q), 0);
  CHECK(corio_queue_empty(q) && !corio_queue_full(q));
  corio_queue_put_nowait(q, ITEM(1));
  CHECK_INT(corio_queue_qsize(q), 1);
  CHECK(!corio_queue_empty(q) && !corio_queue_full(q));
  corio_queue_put_nowait(q, ITEM(2));
  CHECK_INT(corio_queue_qsize(q), 2);
  CHECK(!corio_queue_empty(q) && corio_queue_full(q));
  corio_queue_free(q, NULL);
}

TEST(new_rejects_bad_arguments) {
  corio_queue_t *q = ITEM(1);
  CHECK_INT(corio_queue_new(&q, CORIO_QUEUE_PRIORITY, 0, NULL), CORIO_EINVAL);
  CHECK(q == NULL);
  CHECK_INT(corio_queue_new(&q, (corio_queue_kind_t)7, 0, NULL), CORIO_EINVAL);
  CHECK_INT(corio_queue_new(NULL, CORIO_QUEUE_FIFO, 0, NULL), CORIO_EINVAL);
}

TEST(waiting_calls_outside_a_loop_is_enoloop) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  void *item;
  CHECK_INT(corio_queue_put(q, ITEM(1)), CORIO_ENOLOOP);
  CHECK_INT(corio_queue_get(q, &item), CORIO_ENOLOOP);
  CHECK_INT(corio_queue_join(q), CORIO_ENOLOOP);
  CHECK_INT(corio_queue_qsize(q), 0);
  corio_queue_free(q, NULL);
}

/* ---- task_done and join ------------------------------------------------ */

static int join_when_nothing_unfinished(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  actor_t a = {q, "other", 0};
  corio_task_t *t = spawn(joiner, &a); /* would log if it ran first */
  int rc = corio_queue_join(q);        /* must not suspend */
  test_log("main:joined:%s", corio_err_name(rc));
  test_settle();
  finish_all(&t, 1);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(join_returns_at_once_when_no_item_is_unfinished) {
  test_run(join_when_nothing_unfinished, NULL, CORIO_OK);
  CHECK_LOG("main:joined:CORIO_OK other:joined:CORIO_OK");
}

static int join_waits_for_task_done(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  corio_queue_put_nowait(q, ITEM(1));
  corio_queue_put_nowait(q, ITEM(2));
  actor_t a[2] = {{q, "j1", 0}, {q, "j2", 0}};
  corio_task_t *t[2] = {spawn(joiner, &a[0]), spawn(joiner, &a[1])};
  void *item;
  corio_queue_get_nowait(q, &item);
  corio_queue_get_nowait(q, &item);
  test_settle();
  test_log("empty-but-unfinished");
  corio_queue_task_done(q);
  test_settle();
  test_log("one-done");
  corio_queue_task_done(q);
  test_log("all-done");
  test_settle();
  finish_all(t, 2);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(join_waits_until_every_item_put_is_marked_done) {
  test_run(join_waits_for_task_done, NULL, CORIO_OK);
  CHECK_LOG("empty-but-unfinished one-done all-done j1:joined:CORIO_OK "
            "j2:joined:CORIO_OK");
}

TEST(task_done_called_more_often_than_put_fails_with_einval) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  CHECK_INT(corio_queue_task_done(q), CORIO_EINVAL);
  corio_queue_put_nowait(q, ITEM(1));
  CHECK_INT(corio_queue_task_done(q), CORIO_OK); /* get is not required */
  CHECK_INT(corio_queue_task_done(q), CORIO_EINVAL);
  corio_queue_free(q, NULL);
}

/* ---- shutdown ---------------------------------------------------------- */

static int put_after_shutdown(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  corio_queue_shutdown(q, false, NULL);
  int rc = corio_queue_put(q, ITEM(1));
  test_log("put:%s:%s", corio_err_name(rc), corio_errmsg());
  test_log("put_nowait:%s", corio_err_name(corio_queue_put_nowait(q, ITEM(1))));
  test_log("qsize:%zu", corio_queue_qsize(q));
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(after_shutdown_puts_fail_with_eclosed) {
  test_run(put_after_shutdown, NULL, CORIO_OK);
  CHECK_LOG("put:CORIO_ECLOSED:queue is shut down put_nowait:CORIO_ECLOSED "
            "qsize:0");
}

static int shutdown_wakes_putters(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 1);
  corio_queue_put_nowait(q, ITEM(7));
  actor_t a[2] = {{q, "p1", 1}, {q, "p2", 2}};
  corio_task_t *t[2] = {spawn(putter, &a[0]), spawn(putter, &a[1])};
  test_settle();
  corio_queue_shutdown(q, false, NULL);
  test_log("shutdown");
  test_settle();
  log_drain(q); /* what was queued before the shutdown is still there */
  finish_all(t, 2);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(shutdown_wakes_waiting_putters_with_eclosed) {
  test_run(shutdown_wakes_putters, NULL, CORIO_OK);
  CHECK_LOG("shutdown p1:CORIO_ECLOSED p2:CORIO_ECLOSED got:7");
}

static int shutdown_then_drain(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  for (long i = 1; i <= 3; i++) corio_queue_put_nowait(q, ITEM(i));
  corio_queue_shutdown(q, false, NULL);
  void *item;
  for (int i = 0; i < 4; i++) {
    int rc = corio_queue_get(q, &item);
    if (rc == CORIO_OK)
      test_log("get:%ld", NUM(item));
    else
      test_log("get:%s", corio_err_name(rc));
  }
  test_log("get_nowait:%s", corio_err_name(corio_queue_get_nowait(q, &item)));
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(after_shutdown_gets_drain_the_items_then_fail_with_eclosed) {
  test_run(shutdown_then_drain, NULL, CORIO_OK);
  CHECK_LOG("get:1 get:2 get:3 get:CORIO_ECLOSED get_nowait:CORIO_ECLOSED");
}

static int shutdown_wakes_getters(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  actor_t a[2] = {{q, "g1", 0}, {q, "g2", 0}};
  corio_task_t *t[2] = {spawn(getter, &a[0]), spawn(getter, &a[1])};
  test_settle();
  corio_queue_shutdown(q, false, NULL);
  test_log("shutdown");
  test_settle();
  finish_all(t, 2);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(shutdown_wakes_waiting_getters_of_an_empty_queue_with_eclosed) {
  test_run(shutdown_wakes_getters, NULL, CORIO_OK);
  CHECK_LOG("shutdown g1:CORIO_ECLOSED g2:CORIO_ECLOSED");
}

static int shutdown_join_still_waits(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  corio_queue_put_nowait(q, ITEM(1));
  actor_t a = {q, "j", 0};
  corio_task_t *t = spawn(joiner, &a);
  test_settle();
  corio_queue_shutdown(q, false, NULL);
  test_settle();
  test_log("after-shutdown");
  void *item;
  corio_queue_get_nowait(q, &item);
  corio_queue_task_done(q);
  test_settle();
  finish_all(&t, 1);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(shutdown_leaves_join_waiting_for_the_queued_items) {
  test_run(shutdown_join_still_waits, NULL, CORIO_OK);
  CHECK_LOG("after-shutdown j:joined:CORIO_OK");
}

static void log_dispose(void *item) { test_log("dispose:%ld", NUM(item)); }

static int immediate_shutdown(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  for (long i = 1; i <= 3; i++) corio_queue_put_nowait(q, ITEM(i));
  corio_queue_shutdown(q, true, log_dispose);
  test_log("qsize:%zu", corio_queue_qsize(q));
  void *item;
  test_log("get:%s", corio_err_name(corio_queue_get(q, &item)));
  test_log("get_nowait:%s", corio_err_name(corio_queue_get_nowait(q, &item)));
  corio_queue_free(q, log_dispose); /* nothing left to dispose */
  return CORIO_OK;
}

TEST(immediate_shutdown_disposes_the_items_and_gets_fail_at_once) {
  test_run(immediate_shutdown, NULL, CORIO_OK);
  CHECK_LOG("dispose:1 dispose:2 dispose:3 qsize:0 get:CORIO_ECLOSED "
            "get_nowait:CORIO_ECLOSED");
}

static int immediate_shutdown_join(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  for (long i = 1; i <= 3; i++) corio_queue_put_nowait(q, ITEM(i));
  void *item;
  corio_queue_get_nowait(q, &item); /* taken, not yet done */
  actor_t a = {q, "j", 0};
  corio_task_t *t = spawn(joiner, &a);
  test_settle();
  corio_queue_shutdown(q, true, NULL); /* 2 removed: counted as done */
  test_settle();
  test_log("one-unfinished");
  CHECK_INT(corio_queue_task_done(q), CORIO_OK);
  test_settle();
  CHECK_INT(corio_queue_task_done(q), CORIO_EINVAL);
  finish_all(&t, 1);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(immediate_shutdown_counts_removed_items_as_done_for_join) {
  test_run(immediate_shutdown_join, NULL, CORIO_OK);
  CHECK_LOG("one-unfinished j:joined:CORIO_OK");
}

static int immediate_shutdown_releases_join(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 1);
  corio_queue_put_nowait(q, ITEM(1));
  actor_t a[3] = {{q, "j", 0}, {q, "g", 0}, {q, "p", 2}};
  corio_task_t *t[3] = {spawn(joiner, &a[0]), NULL, spawn(putter, &a[2])};
  test_settle();
  corio_queue_shutdown(q, true, NULL);
  t[1] = spawn(getter, &a[1]);
  test_settle();
  finish_all(t, 3);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(immediate_shutdown_releases_join_and_wakes_putters) {
  test_run(immediate_shutdown_releases_join, NULL, CORIO_OK);
  CHECK_LOG("j:joined:CORIO_OK p:CORIO_ECLOSED g:CORIO_ECLOSED");
}

/* ---- cancellation ------------------------------------------------------ */

static int cancelled_getter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  actor_t a[2] = {{q, "g1", 0}, {q, "g2", 0}};
  corio_task_t *t[2] = {spawn(getter, &a[0]), spawn(getter, &a[1])};
  test_settle();
  corio_task_cancel(t[0], NULL);
  corio_queue_put_nowait(q, ITEM(5)); /* before g1 has seen its cancel */
  corio_sleep(0); /* g2 was woken at once: it runs in this one pass */
  test_log("one-pass qsize:%zu", corio_queue_qsize(q));
  finish_all(t, 2);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(a_getter_cancelled_while_waiting_leaves_the_item_to_the_next) {
  test_run(cancelled_getter, NULL, CORIO_OK);
  CHECK_LOG("g1:CORIO_ECANCELLED g2:got:5 one-pass qsize:0");
}

static int woken_then_cancelled_getter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  actor_t a[2] = {{q, "g1", 0}, {q, "g2", 0}};
  corio_task_t *t[2] = {spawn(getter, &a[0]), spawn(getter, &a[1])};
  test_settle();
  corio_queue_put_nowait(q, ITEM(5)); /* wakes g1 ... */
  corio_task_cancel(t[0], NULL);      /* ... cancelled before it runs */
  test_settle();
  test_log("qsize:%zu", corio_queue_qsize(q));
  finish_all(t, 2);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(a_getter_woken_then_cancelled_passes_the_item_to_the_next) {
  test_run(woken_then_cancelled_getter, NULL, CORIO_OK);
  CHECK_LOG("g1:CORIO_ECANCELLED g2:got:5 qsize:0");
}

static int cancelled_putter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 1);
  corio_queue_put_nowait(q, ITEM(1));
  actor_t a = {q, "p", 2};
  corio_task_t *t = spawn(putter, &a);
  test_settle();
  corio_task_cancel(t, NULL);
  test_settle();
  log_drain(q);
  corio_queue_task_done(q);
  test_log("task_done:%s", corio_err_name(corio_queue_task_done(q)));
  finish_all(&t, 1);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(a_putter_cancelled_while_waiting_does_not_put_its_item) {
  test_run(cancelled_putter, NULL, CORIO_OK);
  CHECK_LOG("p:CORIO_ECANCELLED got:1 task_done:CORIO_EINVAL");
}

static int woken_then_cancelled_putter(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 1);
  corio_queue_put_nowait(q, ITEM(0));
  actor_t a[2] = {{q, "p1", 1}, {q, "p2", 2}};
  corio_task_t *t[2] = {spawn(putter, &a[0]), spawn(putter, &a[1])};
  test_settle();
  void *item;
  corio_queue_get_nowait(q, &item); /* wakes p1 ... */
  corio_task_cancel(t[0], NULL);    /* ... cancelled before it runs */
  test_settle();
  log_drain(q);
  finish_all(t, 2);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(a_putter_woken_then_cancelled_passes_the_free_slot_to_the_next) {
  test_run(woken_then_cancelled_putter, NULL, CORIO_OK);
  CHECK_LOG("p1:CORIO_ECANCELLED p2:put:2 got:2");
}

static int cancelled_joiner(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  corio_queue_put_nowait(q, ITEM(1));
  actor_t a[2] = {{q, "j1", 0}, {q, "j2", 0}};
  corio_task_t *t[2] = {spawn(joiner, &a[0]), spawn(joiner, &a[1])};
  test_settle();
  corio_task_cancel(t[0], NULL);
  test_settle();
  corio_queue_task_done(q);
  test_settle();
  finish_all(t, 2);
  corio_queue_free(q, NULL);
  return CORIO_OK;
}

TEST(a_joiner_cancelled_while_waiting_leaves_the_others_waiting) {
  test_run(cancelled_joiner, NULL, CORIO_OK);
  CHECK_LOG("j1:joined:CORIO_ECANCELLED j2:joined:CORIO_OK");
}

/* ---- ownership --------------------------------------------------------- */

static int disposed;

static void free_item(void *item) {
  disposed++;
  free(item);
}

TEST(free_hands_the_items_still_queued_to_dispose) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_FIFO, 0);
  disposed = 0;
  for (int i = 0; i < 5; i++) {
    int *item = malloc(sizeof *item);
    if (item == NULL || corio_queue_put_nowait(q, item) != CORIO_OK) free(item);
  }
  void *taken;
  CHECK_INT(corio_queue_get_nowait(q, &taken), CORIO_OK);
  free(taken);                    /* the getter's now */
  corio_queue_free(q, free_item); /* ASan reports a leak if any is lost */
  CHECK_INT(disposed, 4);
}

TEST(free_without_dispose_drops_the_items) {
  corio_queue_t *q = new_queue(CORIO_QUEUE_LIFO, 0);
  static int items[3];
  for (int i = 0; i < 3; i++) corio_queue_put_nowait(q, &items[i]);
  corio_queue_free(q, NULL);
  corio_queue_free(NULL, NULL); /* harmless */
}
