/*
 * test_lock.c — asyncio.Lock: acquire takes a free lock at once; waiters get
 * it in the order they began waiting; a released lock stays reserved for the
 * waiter it woke; releasing an unlocked lock is CORIO_ERUNTIME (RuntimeError); a waiter
 * cancelled before or after being woken neither keeps nor loses the lock.
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

static int spawn(corio_task_t **t, worker_t *w) {
  return corio_task_create(t, acquire_and_release, w, NULL);
}

static int acquire_at_once(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  worker_t w = {l, "other", 0};
  corio_task_t *other;
  rc = corio_task_create(&other, acquire_and_release, &w, NULL);
  if (rc != CORIO_OK) return rc;
  test_log("new:%d", corio_lock_locked(l));
  rc = corio_lock_acquire(l); /* must not suspend: other stays unrun */
  test_log("acquire:%s locked:%d", corio_err_name(rc), corio_lock_locked(l));
  rc = corio_lock_release(l);
  test_log("release:%s locked:%d", corio_err_name(rc), corio_lock_locked(l));
  rc = corio_await(other, NULL);
  corio_task_release(other);
  corio_lock_free(l);
  return rc;
}

TEST(acquire_takes_a_free_lock_without_suspending) {
  test_run(acquire_at_once, NULL, CORIO_OK);
  CHECK_LOG("new:0 acquire:CORIO_OK locked:1 release:CORIO_OK locked:0 "
            "other:CORIO_OK");
}

static int release_unlocked(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  rc = corio_lock_release(l);
  test_log("release:%s msg:%s", corio_err_name(rc), corio_errmsg());
  corio_lock_acquire(l);
  corio_lock_release(l);
  rc = corio_lock_release(l);
  test_log("again:%s locked:%d", corio_err_name(rc), corio_lock_locked(l));
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(release_of_an_unlocked_lock_is_a_runtime_error) {
  test_run(release_unlocked, NULL, CORIO_OK);
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

static int fifo(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  /* Created a, b, c; they begin waiting in the order c, b, a. */
  worker_t w[3] = {{l, "a", 2}, {l, "b", 1}, {l, "c", 0}};
  corio_task_t *t[3];
  for (int i = 0; i < 3; i++)
    if ((rc = spawn(&t[i], &w[i])) != CORIO_OK) return rc;
  test_settle();
  test_log("release");
  corio_lock_release(l);
  rc = corio_gather(t, 3, NULL, NULL);
  test_log("locked:%d", corio_lock_locked(l));
  for (int i = 0; i < 3; i++) corio_task_release(t[i]);
  corio_lock_free(l);
  return rc;
}

TEST(waiters_get_the_lock_in_the_order_they_began_waiting) {
  test_run(fifo, NULL, CORIO_OK);
  CHECK_LOG("release c:CORIO_OK b:CORIO_OK a:CORIO_OK locked:0");
}

static int reserved(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  worker_t w = {l, "waiter", 0};
  corio_task_t *t;
  if ((rc = spawn(&t, &w)) != CORIO_OK) return rc;
  test_settle();
  corio_lock_release(l);
  test_log("released locked:%d", corio_lock_locked(l));
  rc = corio_lock_acquire(l); /* free, but the woken waiter goes first */
  test_log("main:%s", corio_err_name(rc));
  corio_lock_release(l);
  rc = corio_await(t, NULL);
  corio_task_release(t);
  corio_lock_free(l);
  return rc;
}

TEST(a_released_lock_stays_reserved_for_the_waiter_it_woke) {
  test_run(reserved, NULL, CORIO_OK);
  CHECK_LOG("released locked:0 waiter:CORIO_OK main:CORIO_OK");
}

static int cancel_waiting(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  worker_t w[2] = {{l, "victim", 0}, {l, "next", 0}};
  corio_task_t *t[2];
  for (int i = 0; i < 2; i++)
    if ((rc = spawn(&t[i], &w[i])) != CORIO_OK) return rc;
  test_settle();
  corio_task_cancel(t[0], NULL);
  test_settle();
  test_log("releasing locked:%d", corio_lock_locked(l));
  corio_lock_release(l);
  int codes[2];
  corio_gather(t, 2, NULL, codes);
  test_log("codes:%s,%s locked:%d", corio_err_name(codes[0]),
           corio_err_name(codes[1]), corio_lock_locked(l));
  for (int i = 0; i < 2; i++) corio_task_release(t[i]);
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(a_waiter_cancelled_while_waiting_does_not_take_the_lock) {
  test_run(cancel_waiting, NULL, CORIO_OK);
  CHECK_LOG("victim:CORIO_ECANCELLED releasing locked:1 next:CORIO_OK "
            "codes:CORIO_ECANCELLED,CORIO_OK locked:0");
}

static int cancel_woken(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  worker_t w[2] = {{l, "woken", 0}, {l, "next", 0}};
  corio_task_t *t[2];
  for (int i = 0; i < 2; i++)
    if ((rc = spawn(&t[i], &w[i])) != CORIO_OK) return rc;
  test_settle();
  corio_lock_release(l);         /* wakes "woken"... */
  corio_task_cancel(t[0], NULL); /* ...which is cancelled before it runs */
  test_log("released");
  int codes[2];
  corio_gather(t, 2, NULL, codes);
  test_log("codes:%s,%s locked:%d", corio_err_name(codes[0]),
           corio_err_name(codes[1]), corio_lock_locked(l));
  for (int i = 0; i < 2; i++) corio_task_release(t[i]);
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(a_lock_released_to_a_waiter_cancelled_before_it_runs_goes_to_the_next) {
  test_run(cancel_woken, NULL, CORIO_OK);
  CHECK_LOG("released woken:CORIO_ECANCELLED next:CORIO_OK "
            "codes:CORIO_ECANCELLED,CORIO_OK locked:0");
}

static int skip_cancelled(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  worker_t w = {l, "cancelled", 0};
  corio_task_t *t;
  if ((rc = spawn(&t, &w)) != CORIO_OK) return rc;
  test_settle();
  corio_task_cancel(t, NULL); /* still queued: it has not run yet */
  corio_lock_release(l);
  rc = corio_lock_acquire(l); /* must not wait behind the cancelled one */
  test_log("main:%s", corio_err_name(rc));
  corio_lock_release(l);
  int code;
  corio_gather(&t, 1, NULL, &code);
  test_log("code:%s locked:%d", corio_err_name(code), corio_lock_locked(l));
  corio_task_release(t);
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(acquire_does_not_wait_behind_cancelled_waiters) {
  test_run(skip_cancelled, NULL, CORIO_OK);
  CHECK_LOG("main:CORIO_OK cancelled:CORIO_ECANCELLED "
            "code:CORIO_ECANCELLED locked:0");
}

static int lone_cancelled(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  worker_t w = {l, "waiter", 0};
  corio_task_t *t;
  if ((rc = spawn(&t, &w)) != CORIO_OK) return rc;
  test_settle();
  corio_lock_release(l);      /* hands the lock to the waiter... */
  corio_task_cancel(t, NULL); /* ...cancelled before it takes it */
  int code;
  corio_gather(&t, 1, NULL, &code);
  test_log("code:%s locked:%d", corio_err_name(code), corio_lock_locked(l));
  worker_t wl = {l, "later", 0};
  corio_task_t *later;
  rc = spawn(&later, &wl);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(later, NULL);
  corio_task_release(later);
  corio_task_release(t);
  corio_lock_free(l);
  return rc;
}

TEST(a_cancelled_waiter_leaves_the_lock_free) {
  test_run(lone_cancelled, NULL, CORIO_OK);
  CHECK_LOG("waiter:CORIO_ECANCELLED code:CORIO_ECANCELLED locked:0 "
            "later:CORIO_OK");
}
