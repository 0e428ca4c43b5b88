/*
 * test_lock.c — asyncio.Lock: acquire takes a free lock at once; waiters get
 * it in the order they began waiting; a released lock stays reserved for the
 * waiter it woke; releasing an unlocked lock is CORIO_ERUNTIME (RuntimeError);
 * a waiter cancelled before or after being woken neither keeps nor loses the
 * lock.
 */
#include "test.h"

typedef struct worker {
  corio_lock_t *lock;
  const char *name;
  int yields; /* sleep(0)s before acquiring, to order the waiters */
} worker_t;

/* Acquires, logs, holds the lock across a suspension, releases. */
static int acquire_and_release(void *arg, intptr_t *result) {
  (void)result;
  const worker_t *w = arg;
  for (int i = 0; i < w->yields; i++) corio_sleep(0);
  int rc = corio_lock_acquire(w->lock);
  test_log("%s:%s", w->name, corio_err_name(rc));
  if (rc != CORIO_OK) return rc;
  rc = corio_sleep(0);
  corio_lock_release(w->lock);
  return rc;
}

/* ---- scenes: a lock and the workers a test starts ---------------------- */

/* One test's world. play() runs `body` as the main task with a new lock
 * (acquired first if `held`), then gathers the workers the body started,
 * releases them and frees the lock; the body's status is main's. */
typedef struct scene scene_t;
struct scene {
  int (*body)(scene_t *s);
  bool held;
  corio_lock_t *l;
  worker_t workers[4];
  corio_task_t *tasks[4];
  size_t ntasks;
};

/* Starts a worker `name` (acquire_and_release after `yields` sleep(0)s). */
static corio_task_t *start(scene_t *s, const char *name, int yields) {
  worker_t *w = &s->workers[s->ntasks];
  *w = (worker_t){s->l, name, yields};
  corio_task_t *t = NULL;
  CHECK_INT(corio_task_create(&t, acquire_and_release, w, NULL), CORIO_OK);
  return s->tasks[s->ntasks++] = t;
}

static int scene_main(void *arg, intptr_t *result) {
  (void)result;
  scene_t *s = arg;
  int rc = corio_lock_new(&s->l);
  if (rc != CORIO_OK) return rc;
  if (s->held) corio_lock_acquire(s->l);
  rc = s->body(s);
  int codes[4];
  if (s->ntasks > 0) corio_gather(s->tasks, s->ntasks, NULL, codes);
  for (size_t i = 0; i < s->ntasks; i++) corio_task_release(s->tasks[i]);
  corio_lock_free(s->l);
  return rc;
}

static void play(int (*body)(scene_t *s), bool held) {
  test_run(scene_main, &(scene_t){.body = body, .held = held}, CORIO_OK);
}

/* Waits for the workers; logs their codes and whether the lock is held:
 * "codes:CORIO_ECANCELLED,CORIO_OK locked:0". */
static void log_codes(scene_t *s) {
  int codes[4];
  corio_gather(s->tasks, s->ntasks, NULL, codes);
  char text[128] = "";
  size_t len = 0;
  for (size_t i = 0; i < s->ntasks && len < sizeof text; i++)
    len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", i ? "," : "",
                            corio_err_name(codes[i]));
  test_log("codes:%s locked:%d", text, corio_lock_locked(s->l));
}

/* ---- acquire and release ------------------------------------------------ */

static int acquire_at_once(scene_t *s) {
  corio_task_t *other = start(s, "other", 0);
  test_log("new:%d", corio_lock_locked(s->l));
  int rc = corio_lock_acquire(s->l); /* must not suspend: other stays unrun */
  test_log("acquire:%s locked:%d", corio_err_name(rc), corio_lock_locked(s->l));
  rc = corio_lock_release(s->l);
  test_log("release:%s locked:%d", corio_err_name(rc), corio_lock_locked(s->l));
  return corio_await(other, NULL);
}

TEST(acquire_takes_a_free_lock_without_suspending) {
  play(acquire_at_once, false);
  CHECK_LOG("new:0 acquire:CORIO_OK locked:1 release:CORIO_OK locked:0 "
            "other:CORIO_OK");
}

static int release_unlocked(scene_t *s) {
  int rc = corio_lock_release(s->l);
  test_log("release:%s msg:%s", corio_err_name(rc), corio_errmsg());
  corio_lock_acquire(s->l);
  corio_lock_release(s->l);
  rc = corio_lock_release(s->l);
  test_log("again:%s locked:%d", corio_err_name(rc), corio_lock_locked(s->l));
  return CORIO_OK;
}

TEST(release_of_an_unlocked_lock_is_a_runtime_error) {
  play(release_unlocked, false);
  CHECK_LOG("release:CORIO_ERUNTIME msg:the lock is not acquired "
            "again:CORIO_ERUNTIME locked:0");
}

TEST(lock_acquire_outside_a_loop_is_enoloop) {
  corio_lock_t *l = NULL;
  CHECK_INT(corio_lock_new(&l), CORIO_OK);
  if (l == NULL) return;
  CHECK_INT(corio_lock_acquire(l), CORIO_ENOLOOP);
  CHECK(!corio_lock_locked(l));
  CHECK_INT(corio_lock_release(l), CORIO_ERUNTIME);
  corio_lock_free(l);
}

/* ---- waiters ------------------------------------------------------------ */

static int fifo(scene_t *s) {
  /* Created a, b, c; they begin waiting in the order c, b, a. */
  start(s, "a", 2);
  start(s, "b", 1);
  start(s, "c", 0);
  test_settle();
  test_log("release");
  corio_lock_release(s->l);
  int rc = corio_gather(s->tasks, s->ntasks, NULL, NULL);
  test_log("locked:%d", corio_lock_locked(s->l));
  return rc;
}

TEST(waiters_get_the_lock_in_the_order_they_began_waiting) {
  play(fifo, true);
  CHECK_LOG("release c:CORIO_OK b:CORIO_OK a:CORIO_OK locked:0");
}

static int reserved(scene_t *s) {
  corio_task_t *t = start(s, "waiter", 0);
  test_settle();
  corio_lock_release(s->l);
  test_log("released locked:%d", corio_lock_locked(s->l));
  int rc = corio_lock_acquire(s->l); /* free, but the woken waiter goes first */
  test_log("main:%s", corio_err_name(rc));
  corio_lock_release(s->l);
  return corio_await(t, NULL);
}

TEST(a_released_lock_stays_reserved_for_the_waiter_it_woke) {
  play(reserved, true);
  CHECK_LOG("released locked:0 waiter:CORIO_OK main:CORIO_OK");
}

/* ---- cancelled waiters -------------------------------------------------- */

static int cancel_waiting(scene_t *s) {
  corio_task_t *victim = start(s, "victim", 0);
  start(s, "next", 0);
  test_settle();
  corio_task_cancel(victim, NULL);
  test_settle();
  test_log("releasing locked:%d", corio_lock_locked(s->l));
  corio_lock_release(s->l);
  log_codes(s);
  return CORIO_OK;
}

TEST(a_waiter_cancelled_while_waiting_does_not_take_the_lock) {
  play(cancel_waiting, true);
  CHECK_LOG("victim:CORIO_ECANCELLED releasing locked:1 next:CORIO_OK "
            "codes:CORIO_ECANCELLED,CORIO_OK locked:0");
}

static int cancel_woken(scene_t *s) {
  corio_task_t *woken = start(s, "woken", 0);
  start(s, "next", 0);
  test_settle();
  corio_lock_release(s->l);       /* wakes "woken"... */
  corio_task_cancel(woken, NULL); /* ...which is cancelled before it runs */
  test_log("released");
  log_codes(s);
  return CORIO_OK;
}

TEST(a_lock_released_to_a_waiter_cancelled_before_it_runs_goes_to_the_next) {
  play(cancel_woken, true);
  CHECK_LOG("released woken:CORIO_ECANCELLED next:CORIO_OK "
            "codes:CORIO_ECANCELLED,CORIO_OK locked:0");
}

/* A release whose first waiter was cancelled wakes the next waiter only when
 * the cancelled one runs (and passes the wake-up on), as in asyncio:
 *
 *   lock = asyncio.Lock(); await lock.acquire()
 *   async def waiter(name):
 *       try: await lock.acquire()
 *       except asyncio.CancelledError: log(f"{name}:cancelled"); raise
 *       log(f"{name}:got"); lock.release()
 *   async def other(): log("D")
 *   b = create_task(waiter("B")); c = create_task(waiter("C"))
 *   await asyncio.sleep(0)
 *   b.cancel(); lock.release()
 *   d = create_task(other())
 *   await asyncio.sleep(0); log("main")
 *   await gather(b, c, d, return_exceptions=True)
 *   -> B:cancelled D main C:got          (3.12.1 and 3.13.0)
 * asyncio's _wake_up_first only looks at the head future; B's is cancelled
 * (done), so nothing happens until B runs, and C's wake-up is queued behind
 * D and main. */
static int cancelled_head(scene_t *s) {
  corio_task_t *b = start(s, "B", 0);
  start(s, "C", 0);
  corio_sleep(0);
  corio_task_cancel(b, NULL);
  corio_lock_release(s->l);
  corio_task_t *d;
  corio_task_create(&d, test_task_log_arg, "D", NULL);
  corio_sleep(0);
  test_log("main");
  int code;
  corio_gather(&d, 1, NULL, &code);
  corio_task_release(d);
  corio_gather(s->tasks, s->ntasks, NULL, NULL);
  CHECK(!corio_lock_locked(s->l));
  return CORIO_OK;
}

TEST(lock_cancelled_head_delays_next_waiter) {
  play(cancelled_head, true);
  CHECK_LOG("B:CORIO_ECANCELLED D main C:CORIO_OK");
}

static int skip_cancelled(scene_t *s) {
  corio_task_t *t = start(s, "cancelled", 0);
  test_settle();
  corio_task_cancel(t, NULL); /* still queued: it has not run yet */
  corio_lock_release(s->l);
  int rc =
      corio_lock_acquire(s->l); /* must not wait behind the cancelled one */
  test_log("main:%s", corio_err_name(rc));
  corio_lock_release(s->l);
  log_codes(s);
  return CORIO_OK;
}

TEST(acquire_does_not_wait_behind_cancelled_waiters) {
  play(skip_cancelled, true);
  CHECK_LOG("main:CORIO_OK cancelled:CORIO_ECANCELLED "
            "codes:CORIO_ECANCELLED locked:0");
}

static int lone_cancelled(scene_t *s) {
  corio_task_t *t = start(s, "waiter", 0);
  test_settle();
  corio_lock_release(s->l);   /* hands the lock to the waiter... */
  corio_task_cancel(t, NULL); /* ...cancelled before it takes it */
  log_codes(s);
  return corio_await(start(s, "later", 0), NULL);
}

TEST(a_cancelled_waiter_leaves_the_lock_free) {
  play(lone_cancelled, true);
  CHECK_LOG("waiter:CORIO_ECANCELLED codes:CORIO_ECANCELLED locked:0 "
            "later:CORIO_OK");
}
