/*
 * test_semaphore.c — asyncio.Semaphore and BoundedSemaphore: acquire takes a
 * permit or waits for one; waiters get permits in the order they began
 * waiting and no newcomer takes a permit released to a waiter; a bounded
 * semaphore refuses a release above its initial value; a waiter cancelled
 * before or after being handed a permit neither keeps nor loses it.
 */
#include <string.h>

#include "test.h"

typedef struct worker {
  corio_semaphore_t *sem;
  const char *name;
  int yields;   /* sleep(0)s before acquiring, to order the waiters */
  bool release; /* give the permit back after a suspension */
} worker_t;

static int acquire_and_log(void *arg, intptr_t *result) {
  (void)result;
  const worker_t *w = arg;
  for (int i = 0; i < w->yields; i++) corio_sleep(0);
  int rc = corio_semaphore_acquire(w->sem);
  test_log("%s:%s", w->name, corio_err_name(rc));
  if (rc != CORIO_OK || !w->release) return rc;
  rc = corio_sleep(0);
  corio_semaphore_release(w->sem);
  return rc;
}

static int spawn(corio_task_t **t, worker_t *w, int n) {
  for (int i = 0; i < n; i++) {
    int rc = corio_task_create(&t[i], acquire_and_log, &w[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static void release_all(corio_task_t **t, int n) {
  for (int i = 0; i < n; i++) corio_task_release(t[i]);
}

static void log_state(const char *what, const corio_semaphore_t *s) {
  test_log("%s value:%zu locked:%d", what, corio_semaphore_value(s),
           corio_semaphore_locked(s));
}

/* A scene: a semaphore of `permits` and up to three workers on it, each a
 * worker_t on that semaphore; scene_start starts the first `n` and lets
 * them settle (each has a permit or waits), scene_end gathers them all
 * (their statuses in codes[]), logs the semaphore as "done" and frees it
 * all. */
typedef struct scene {
  corio_semaphore_t *s;
  worker_t w[3];
  corio_task_t *t[3];
  int n;        /* workers started */
  int codes[3]; /* each worker's status, after scene_end */
} scene_t;

static int scene_new(scene_t *sc, size_t permits, const worker_t *w, int n) {
  memset(sc, 0, sizeof *sc);
  int rc = corio_semaphore_new(&sc->s, permits);
  for (int i = 0; i < n && rc == CORIO_OK; i++) {
    sc->w[i] = w[i];
    sc->w[i].sem = sc->s;
  }
  return rc;
}

/* Starts workers [sc->n, upto) and lets them settle. */
static int scene_spawn(scene_t *sc, int upto, bool settle) {
  int rc = spawn(&sc->t[sc->n], &sc->w[sc->n], upto - sc->n);
  if (rc != CORIO_OK) return rc;
  sc->n = upto;
  if (settle) test_settle();
  return CORIO_OK;
}

static int scene_start(scene_t *sc, size_t permits, const worker_t *w, int n) {
  int rc = scene_new(sc, permits, w, n);
  return rc == CORIO_OK ? scene_spawn(sc, n, true) : rc;
}

static void scene_end(scene_t *sc) {
  corio_gather(sc->t, (size_t)sc->n, NULL, sc->codes);
  log_state("done", sc->s);
  release_all(sc->t, sc->n);
  corio_semaphore_free(sc->s);
}

/* The first failure among the workers' statuses, or CORIO_OK. */
static int scene_status(const scene_t *sc) {
  for (int i = 0; i < sc->n; i++)
    if (sc->codes[i] != CORIO_OK) return sc->codes[i];
  return CORIO_OK;
}

static int take_permits(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_semaphore_t *s;
  int rc = corio_semaphore_new(&s, 2);
  if (rc != CORIO_OK) return rc;
  log_state("new", s);
  corio_semaphore_acquire(s);
  log_state("acquired", s);
  corio_semaphore_acquire(s);
  log_state("acquired", s);
  corio_semaphore_release(s);
  log_state("released", s);
  corio_semaphore_release(s);
  corio_semaphore_release(s); /* unbounded: above the initial value */
  log_state("released-twice", s);
  corio_semaphore_free(s);
  return CORIO_OK;
}

TEST(acquire_takes_permits_and_release_gives_them_back) {
  test_run(take_permits, NULL, CORIO_OK);
  CHECK_LOG("new value:2 locked:0 acquired value:1 locked:0 "
            "acquired value:0 locked:1 released value:1 locked:0 "
            "released-twice value:3 locked:0");
}

TEST(semaphore_acquire_outside_a_loop_is_enoloop) {
  corio_semaphore_t *s = NULL;
  CHECK_INT(corio_semaphore_new(&s, 1), CORIO_OK);
  if (s == NULL) return;
  CHECK_INT(corio_semaphore_acquire(s), CORIO_ENOLOOP);
  CHECK_INT(corio_semaphore_value(s), 1);
  CHECK_INT(corio_semaphore_release(s), CORIO_OK);
  CHECK_INT(corio_semaphore_value(s), 2);
  corio_semaphore_free(s);
}

static int bounded(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_semaphore_t *s;
  int rc = corio_semaphore_new_bounded(&s, 1);
  if (rc != CORIO_OK) return rc;
  rc = corio_semaphore_release(s);
  test_log("release:%s msg:%s value:%zu", corio_err_name(rc), corio_errmsg(),
           corio_semaphore_value(s));
  corio_semaphore_acquire(s);
  rc = corio_semaphore_release(s);
  test_log("release:%s value:%zu", corio_err_name(rc),
           corio_semaphore_value(s));
  rc = corio_semaphore_release(s);
  test_log("release:%s value:%zu", corio_err_name(rc),
           corio_semaphore_value(s));
  corio_semaphore_free(s);
  return CORIO_OK;
}

TEST(a_bounded_semaphore_refuses_a_release_above_its_initial_value) {
  test_run(bounded, NULL, CORIO_OK);
  CHECK_LOG("release:CORIO_EINVAL msg:BoundedSemaphore released too "
            "many times value:1 release:CORIO_OK value:1 "
            "release:CORIO_EINVAL value:1");
}

static int fifo(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  /* Created a, b, c; they begin waiting in the order c, b, a. */
  const worker_t w[3] = {{0, "a", 2, 0}, {0, "b", 1, 0}, {0, "c", 0, 0}};
  int rc = scene_start(&sc, 0, w, 3);
  if (rc != CORIO_OK) return rc;
  for (int i = 0; i < 3; i++) corio_semaphore_release(sc.s);
  log_state("released", sc.s);
  scene_end(&sc);
  return scene_status(&sc);
}

TEST(waiters_get_permits_in_the_order_they_began_waiting) {
  test_run(fifo, NULL, CORIO_OK);
  CHECK_LOG("released value:0 locked:1 c:CORIO_OK b:CORIO_OK a:CORIO_OK "
            "done value:0 locked:1");
}

static int one_per_permit(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  const worker_t w[3] = {{0, "w1", 0, 0}, {0, "w2", 0, 0}, {0, "w3", 0, 0}};
  int rc = scene_start(&sc, 0, w, 3);
  if (rc != CORIO_OK) return rc;
  corio_semaphore_release(sc.s);
  corio_semaphore_release(sc.s);
  test_settle();
  test_log("w3-waiting:%d", !corio_task_done(sc.t[2]));
  corio_semaphore_release(sc.s);
  scene_end(&sc);
  return scene_status(&sc);
}

TEST(each_release_wakes_one_waiter) {
  test_run(one_per_permit, NULL, CORIO_OK);
  CHECK_LOG("w1:CORIO_OK w2:CORIO_OK w3-waiting:1 w3:CORIO_OK "
            "done value:0 locked:1");
}

static int reserved(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  const worker_t w = {0, "waiter", 0, true};
  int rc = scene_new(&sc, 1, &w, 1);
  if (rc != CORIO_OK) return rc;
  corio_semaphore_acquire(sc.s);
  if ((rc = scene_spawn(&sc, 1, true)) != CORIO_OK) return rc;
  corio_semaphore_release(sc.s);
  log_state("released", sc.s);
  rc = corio_semaphore_acquire(sc.s); /* the woken waiter goes first */
  test_log("main:%s", corio_err_name(rc));
  corio_semaphore_release(sc.s);
  scene_end(&sc);
  return scene_status(&sc);
}

TEST(a_released_permit_stays_reserved_for_the_waiter_it_woke) {
  test_run(reserved, NULL, CORIO_OK);
  CHECK_LOG("released value:0 locked:1 waiter:CORIO_OK main:CORIO_OK "
            "done value:1 locked:0");
}

static int queued_behind_woken(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  const worker_t w[2] = {{0, "first", 0, 0}, {0, "second", 0, 0}};
  int rc = scene_new(&sc, 0, w, 2);
  if (rc != CORIO_OK || (rc = scene_spawn(&sc, 1, true)) != CORIO_OK) return rc;
  /* "second" starts before the woken "first" runs, sees a free permit
   * but must queue behind "first" (FIFO); "first" then wakes it. */
  if ((rc = scene_spawn(&sc, 2, false)) != CORIO_OK) return rc;
  corio_semaphore_release(sc.s);
  corio_semaphore_release(sc.s);
  log_state("released", sc.s);
  scene_end(&sc);
  return scene_status(&sc);
}

TEST(a_waiter_that_queued_behind_a_woken_one_gets_a_free_permit_next) {
  test_run(queued_behind_woken, NULL, CORIO_OK);
  CHECK_LOG("released value:1 locked:1 first:CORIO_OK second:CORIO_OK "
            "done value:0 locked:1");
}

static int cancel_waiting(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  const worker_t w[2] = {{0, "victim", 0, true}, {0, "next", 0, true}};
  int rc = scene_start(&sc, 0, w, 2);
  if (rc != CORIO_OK) return rc;
  corio_task_cancel(sc.t[0], NULL);
  test_settle();
  log_state("releasing", sc.s);
  corio_semaphore_release(sc.s);
  scene_end(&sc);
  test_log("codes:%s,%s", corio_err_name(sc.codes[0]),
           corio_err_name(sc.codes[1]));
  return CORIO_OK;
}

TEST(a_waiter_cancelled_while_waiting_takes_no_permit) {
  test_run(cancel_waiting, NULL, CORIO_OK);
  CHECK_LOG("victim:CORIO_ECANCELLED releasing value:0 locked:1 "
            "next:CORIO_OK done value:1 locked:0 "
            "codes:CORIO_ECANCELLED,CORIO_OK");
}

static int cancel_woken(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  const worker_t w[2] = {{0, "woken", 0, true}, {0, "next", 0, true}};
  int rc = scene_start(&sc, 0, w, 2);
  if (rc != CORIO_OK) return rc;
  corio_semaphore_release(sc.s);    /* hands the permit to "woken"... */
  corio_task_cancel(sc.t[0], NULL); /* ...which is cancelled before it runs */
  log_state("released", sc.s);
  scene_end(&sc);
  test_log("codes:%s,%s", corio_err_name(sc.codes[0]),
           corio_err_name(sc.codes[1]));
  return CORIO_OK;
}

TEST(a_permit_handed_to_a_waiter_cancelled_before_it_runs_goes_to_the_next) {
  test_run(cancel_woken, NULL, CORIO_OK);
  CHECK_LOG("released value:0 locked:1 woken:CORIO_ECANCELLED next:CORIO_OK "
            "done value:1 locked:0 codes:CORIO_ECANCELLED,CORIO_OK");
}

static int lone_cancelled(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  const worker_t w = {0, "waiter", 0, true};
  int rc = scene_start(&sc, 0, &w, 1);
  if (rc != CORIO_OK) return rc;
  corio_semaphore_release(sc.s);    /* hands the permit to the waiter... */
  corio_task_cancel(sc.t[0], NULL); /* ...which gives it back */
  scene_end(&sc);
  test_log("code:%s", corio_err_name(sc.codes[0]));
  return CORIO_OK;
}

TEST(a_cancelled_waiter_gives_back_the_permit_it_was_handed) {
  test_run(lone_cancelled, NULL, CORIO_OK);
  CHECK_LOG("waiter:CORIO_ECANCELLED done value:1 locked:0 "
            "code:CORIO_ECANCELLED");
}

static int skip_cancelled(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  scene_t sc;
  const worker_t w = {0, "cancelled", 0, true};
  int rc = scene_start(&sc, 0, &w, 1);
  if (rc != CORIO_OK) return rc;
  corio_task_cancel(sc.t[0], NULL); /* still queued: it has not run yet */
  corio_semaphore_release(sc.s);
  log_state("released", sc.s);
  rc = corio_semaphore_acquire(sc.s); /* must not wait behind it */
  test_log("main:%s", corio_err_name(rc));
  scene_end(&sc);
  return CORIO_OK;
}

TEST(semaphore_acquire_does_not_wait_behind_cancelled_waiters) {
  test_run(skip_cancelled, NULL, CORIO_OK);
  CHECK_LOG("released value:1 locked:0 main:CORIO_OK "
            "cancelled:CORIO_ECANCELLED done value:0 locked:1");
}
