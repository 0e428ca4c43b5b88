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

/* ---- scenes: a queue and the tasks a test starts on it ----------------- */

/* One test's world. play() runs `body` as the main task with a fresh FIFO
 * queue of `maxsize`; afterwards it ends the tasks the body started (any
 * still waiting, a broken expectation, is cancelled and shows in the log)
 * and frees the queue, handing what is left to `dispose`. */
typedef struct scene scene_t;
struct scene {
  void (*body)(scene_t *s);
  size_t maxsize;
  void (*dispose)(void *item);
  corio_queue_t *q;
  actor_t actors[4];
  corio_task_t *tasks[4];
  size_t ntasks;
};

/* Starts fn (getter, putter or joiner) as the actor `name` on the scene's
 * queue; a putter puts `item`. */
static corio_task_t *start(scene_t *s, corio_fn fn, const char *name,
                           intptr_t item) {
  actor_t *a = &s->actors[s->ntasks];
  *a = (actor_t){s->q, name, item};
  return s->tasks[s->ntasks++] = spawn(fn, a);
}

static int scene_main(void *arg, intptr_t *result) {
  (void)result;
  scene_t *s = arg;
  s->q = new_queue(CORIO_QUEUE_FIFO, s->maxsize);
  s->body(s);
  if (s->ntasks > 0) finish_all(s->tasks, s->ntasks);
  corio_queue_free(s->q, s->dispose);
  return CORIO_OK;
}

static void play(void (*body)(scene_t *s), size_t maxsize) {
  test_run(scene_main, &(scene_t){.body = body, .maxsize = maxsize}, CORIO_OK);
}

/* Puts first..last with put_nowait. */
static void put_range(corio_queue_t *q, long first, long last) {
  for (long i = first; i <= last; i++) corio_queue_put_nowait(q, ITEM(i));
}

/* Takes an item with get_nowait; returns it as a number. */
static long take(corio_queue_t *q) {
  void *item = NULL;
  corio_queue_get_nowait(q, &item);
  return NUM(item);
}

static int waiting(corio_task_t *t) { return !corio_task_done(t); }

/* ---- waiting putters and getters --------------------------------------- */

static void put_waits_while_full(scene_t *s) {
  put_range(s->q, 1, 2);
  corio_task_t *p = start(s, putter, "p", 3);
  test_settle();
  test_log("waiting:%d qsize:%zu", waiting(p), corio_queue_qsize(s->q));
  test_log("got:%ld", take(s->q));
  test_settle();
  log_drain(s->q);
}

TEST(put_waits_while_the_queue_is_full_until_a_get_frees_a_slot) {
  play(put_waits_while_full, 2);
  CHECK_LOG("waiting:1 qsize:2 got:1 p:put:3 got:2,3");
}

static void putters_in_wait_order(scene_t *s) {
  corio_queue_put_nowait(s->q, ITEM(0));
  corio_queue_put_nowait(s->q, ITEM(0));
  start(s, putter, "p1", 1);
  start(s, putter, "p2", 2);
  corio_task_t *p3 = start(s, putter, "p3", 3);
  test_settle();
  take(s->q); /* two free slots: p1 and p2 go on */
  take(s->q);
  test_log("freed");
  test_settle();
  test_log("p3-waiting:%d", waiting(p3));
  take(s->q);
  test_settle();
  log_drain(s->q);
}

TEST(waiting_putters_go_on_one_per_free_slot_in_the_order_they_waited) {
  play(putters_in_wait_order, 2);
  CHECK_LOG("freed p1:put:1 p2:put:2 p3-waiting:1 p3:put:3 got:2,3");
}

static void getters_in_wait_order(scene_t *s) {
  start(s, getter, "g1", 0);
  start(s, getter, "g2", 0);
  corio_task_t *g3 = start(s, getter, "g3", 0);
  test_settle();
  corio_queue_put_nowait(s->q, ITEM(10));
  corio_queue_put_nowait(s->q, ITEM(20));
  test_log("put");
  test_settle();
  test_log("g3-waiting:%d", waiting(g3));
  corio_queue_put_nowait(s->q, ITEM(30));
  test_settle();
}

TEST(get_waits_while_empty_and_getters_go_on_in_the_order_they_waited) {
  play(getters_in_wait_order, 0);
  CHECK_LOG("put g1:got:10 g2:got:20 g3-waiting:1 g3:got:30");
}

static void overtaken_getter(scene_t *s) {
  corio_task_t *g = start(s, getter, "g", 0);
  test_settle();
  corio_queue_put_nowait(s->q, ITEM(1)); /* wakes g ... */
  take(s->q);                            /* ... but main takes the item first */
  test_settle();
  test_log("g-waiting:%d", waiting(g));
  corio_queue_put_nowait(s->q, ITEM(2));
  test_settle();
}

TEST(a_woken_getter_whose_item_was_taken_waits_again) {
  play(overtaken_getter, 0);
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

static void nowait_errors_in_a_task(scene_t *s) {
  void *item;
  corio_fail(CORIO_EUSER, "earlier");
  int rc = corio_queue_get_nowait(s->q, &item);
  test_log("%s:%s", corio_err_name(rc), corio_errmsg());
  corio_queue_put_nowait(s->q, ITEM(1));
  rc = corio_queue_put_nowait(s->q, ITEM(2));
  test_log("%s:%s", corio_err_name(rc), corio_errmsg());
  corio_queue_shutdown(s->q, false, NULL);
  rc = corio_queue_put_nowait(s->q, ITEM(3));
  test_log("%s:%s", corio_err_name(rc), corio_errmsg());
}

/* Full and empty are everyday outcomes for a poller: the code alone, no
 * message (the task's message is left as it was); closed says why. */
TEST(nowait_full_and_empty_set_no_message_but_closed_does) {
  play(nowait_errors_in_a_task, 1);
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

static void join_when_nothing_unfinished(scene_t *s) {
  start(s, joiner, "other", 0);    /* would log if it ran first */
  int rc = corio_queue_join(s->q); /* must not suspend */
  test_log("main:joined:%s", corio_err_name(rc));
  test_settle();
}

TEST(join_returns_at_once_when_no_item_is_unfinished) {
  play(join_when_nothing_unfinished, 0);
  CHECK_LOG("main:joined:CORIO_OK other:joined:CORIO_OK");
}

static void join_waits_for_task_done(scene_t *s) {
  put_range(s->q, 1, 2);
  start(s, joiner, "j1", 0);
  start(s, joiner, "j2", 0);
  take(s->q);
  take(s->q);
  test_settle();
  test_log("empty-but-unfinished");
  corio_queue_task_done(s->q);
  test_settle();
  test_log("one-done");
  corio_queue_task_done(s->q);
  test_log("all-done");
  test_settle();
}

TEST(join_waits_until_every_item_put_is_marked_done) {
  play(join_waits_for_task_done, 0);
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

static void put_after_shutdown(scene_t *s) {
  corio_queue_shutdown(s->q, false, NULL);
  int rc = corio_queue_put(s->q, ITEM(1));
  test_log("put:%s:%s", corio_err_name(rc), corio_errmsg());
  test_log("put_nowait:%s",
           corio_err_name(corio_queue_put_nowait(s->q, ITEM(1))));
  test_log("qsize:%zu", corio_queue_qsize(s->q));
}

TEST(after_shutdown_puts_fail_with_eclosed) {
  play(put_after_shutdown, 0);
  CHECK_LOG("put:CORIO_ECLOSED:queue is shut down put_nowait:CORIO_ECLOSED "
            "qsize:0");
}

static void shutdown_wakes_putters(scene_t *s) {
  corio_queue_put_nowait(s->q, ITEM(7));
  start(s, putter, "p1", 1);
  start(s, putter, "p2", 2);
  test_settle();
  corio_queue_shutdown(s->q, false, NULL);
  test_log("shutdown");
  test_settle();
  log_drain(s->q); /* what was queued before the shutdown is still there */
}

TEST(shutdown_wakes_waiting_putters_with_eclosed) {
  play(shutdown_wakes_putters, 1);
  CHECK_LOG("shutdown p1:CORIO_ECLOSED p2:CORIO_ECLOSED got:7");
}

static void shutdown_then_drain(scene_t *s) {
  put_range(s->q, 1, 3);
  corio_queue_shutdown(s->q, false, NULL);
  void *item;
  for (int i = 0; i < 4; i++) {
    int rc = corio_queue_get(s->q, &item);
    if (rc == CORIO_OK)
      test_log("get:%ld", NUM(item));
    else
      test_log("get:%s", corio_err_name(rc));
  }
  test_log("get_nowait:%s",
           corio_err_name(corio_queue_get_nowait(s->q, &item)));
}

TEST(after_shutdown_gets_drain_the_items_then_fail_with_eclosed) {
  play(shutdown_then_drain, 0);
  CHECK_LOG("get:1 get:2 get:3 get:CORIO_ECLOSED get_nowait:CORIO_ECLOSED");
}

static void shutdown_wakes_getters(scene_t *s) {
  start(s, getter, "g1", 0);
  start(s, getter, "g2", 0);
  test_settle();
  corio_queue_shutdown(s->q, false, NULL);
  test_log("shutdown");
  test_settle();
}

TEST(shutdown_wakes_waiting_getters_of_an_empty_queue_with_eclosed) {
  play(shutdown_wakes_getters, 0);
  CHECK_LOG("shutdown g1:CORIO_ECLOSED g2:CORIO_ECLOSED");
}

static void shutdown_join_still_waits(scene_t *s) {
  corio_queue_put_nowait(s->q, ITEM(1));
  start(s, joiner, "j", 0);
  test_settle();
  corio_queue_shutdown(s->q, false, NULL);
  test_settle();
  test_log("after-shutdown");
  take(s->q);
  corio_queue_task_done(s->q);
  test_settle();
}

TEST(shutdown_leaves_join_waiting_for_the_queued_items) {
  play(shutdown_join_still_waits, 0);
  CHECK_LOG("after-shutdown j:joined:CORIO_OK");
}

static void log_dispose(void *item) { test_log("dispose:%ld", NUM(item)); }

static void immediate_shutdown(scene_t *s) {
  put_range(s->q, 1, 3);
  corio_queue_shutdown(s->q, true, log_dispose);
  test_log("qsize:%zu", corio_queue_qsize(s->q));
  void *item;
  test_log("get:%s", corio_err_name(corio_queue_get(s->q, &item)));
  test_log("get_nowait:%s",
           corio_err_name(corio_queue_get_nowait(s->q, &item)));
  s->dispose = log_dispose; /* the free finds nothing left to dispose */
}

TEST(immediate_shutdown_disposes_the_items_and_gets_fail_at_once) {
  play(immediate_shutdown, 0);
  CHECK_LOG("dispose:1 dispose:2 dispose:3 qsize:0 get:CORIO_ECLOSED "
            "get_nowait:CORIO_ECLOSED");
}

static void immediate_shutdown_join(scene_t *s) {
  put_range(s->q, 1, 3);
  take(s->q); /* taken, not yet done */
  start(s, joiner, "j", 0);
  test_settle();
  corio_queue_shutdown(s->q, true, NULL); /* 2 removed: counted as done */
  test_settle();
  test_log("one-unfinished");
  CHECK_INT(corio_queue_task_done(s->q), CORIO_OK);
  test_settle();
  CHECK_INT(corio_queue_task_done(s->q), CORIO_EINVAL);
}

TEST(immediate_shutdown_counts_removed_items_as_done_for_join) {
  play(immediate_shutdown_join, 0);
  CHECK_LOG("one-unfinished j:joined:CORIO_OK");
}

static void immediate_shutdown_releases_join(scene_t *s) {
  corio_queue_put_nowait(s->q, ITEM(1));
  start(s, joiner, "j", 0);
  start(s, putter, "p", 2);
  test_settle();
  corio_queue_shutdown(s->q, true, NULL);
  start(s, getter, "g", 0);
  test_settle();
}

TEST(immediate_shutdown_releases_join_and_wakes_putters) {
  play(immediate_shutdown_releases_join, 1);
  CHECK_LOG("j:joined:CORIO_OK p:CORIO_ECLOSED g:CORIO_ECLOSED");
}

/* ---- cancellation ------------------------------------------------------ */

static void cancelled_getter(scene_t *s) {
  corio_task_t *g1 = start(s, getter, "g1", 0);
  start(s, getter, "g2", 0);
  test_settle();
  corio_task_cancel(g1, NULL);
  corio_queue_put_nowait(s->q, ITEM(5)); /* before g1 has seen its cancel */
  corio_sleep(0); /* g2 was woken at once: it runs in this one pass */
  test_log("one-pass qsize:%zu", corio_queue_qsize(s->q));
}

TEST(a_getter_cancelled_while_waiting_leaves_the_item_to_the_next) {
  play(cancelled_getter, 0);
  CHECK_LOG("g1:CORIO_ECANCELLED g2:got:5 one-pass qsize:0");
}

static void woken_then_cancelled_getter(scene_t *s) {
  corio_task_t *g1 = start(s, getter, "g1", 0);
  start(s, getter, "g2", 0);
  test_settle();
  corio_queue_put_nowait(s->q, ITEM(5)); /* wakes g1 ... */
  corio_task_cancel(g1, NULL);           /* ... cancelled before it runs */
  test_settle();
  test_log("qsize:%zu", corio_queue_qsize(s->q));
}

TEST(a_getter_woken_then_cancelled_passes_the_item_to_the_next) {
  play(woken_then_cancelled_getter, 0);
  CHECK_LOG("g1:CORIO_ECANCELLED g2:got:5 qsize:0");
}

static void cancelled_putter(scene_t *s) {
  corio_queue_put_nowait(s->q, ITEM(1));
  corio_task_t *p = start(s, putter, "p", 2);
  test_settle();
  corio_task_cancel(p, NULL);
  test_settle();
  log_drain(s->q);
  corio_queue_task_done(s->q);
  test_log("task_done:%s", corio_err_name(corio_queue_task_done(s->q)));
}

TEST(a_putter_cancelled_while_waiting_does_not_put_its_item) {
  play(cancelled_putter, 1);
  CHECK_LOG("p:CORIO_ECANCELLED got:1 task_done:CORIO_EINVAL");
}

static void woken_then_cancelled_putter(scene_t *s) {
  corio_queue_put_nowait(s->q, ITEM(0));
  corio_task_t *p1 = start(s, putter, "p1", 1);
  start(s, putter, "p2", 2);
  test_settle();
  take(s->q);                  /* wakes p1 ... */
  corio_task_cancel(p1, NULL); /* ... cancelled before it runs */
  test_settle();
  log_drain(s->q);
}

TEST(a_putter_woken_then_cancelled_passes_the_free_slot_to_the_next) {
  play(woken_then_cancelled_putter, 1);
  CHECK_LOG("p1:CORIO_ECANCELLED p2:put:2 got:2");
}

static void cancelled_joiner(scene_t *s) {
  corio_queue_put_nowait(s->q, ITEM(1));
  corio_task_t *j1 = start(s, joiner, "j1", 0);
  start(s, joiner, "j2", 0);
  test_settle();
  corio_task_cancel(j1, NULL);
  test_settle();
  corio_queue_task_done(s->q);
  test_settle();
}

TEST(a_joiner_cancelled_while_waiting_leaves_the_others_waiting) {
  play(cancelled_joiner, 0);
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
