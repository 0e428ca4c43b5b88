/*
 * test_barrier.c — asyncio.Barrier: each party of a round gets an index
 * 0..parties-1 once and the last to arrive lets them all go; the barrier
 * serves round after round, and a task arriving while a round drains waits
 * for the next; abort() and reset() fail the waiters with CORIO_EBROKEN
 * (reset making it usable again); a waiter cancelled while the round fills
 * just leaves it, as in asyncio: the others wait on.
 */
#include "test.h"

typedef struct party {
  corio_barrier_t *barrier;
  const char *name;
  int rounds; /* waits in a row; 0 means 1 */
} party_t;

static int wait_and_log(void *arg, intptr_t *result) {
  (void)result;
  const party_t *p = arg;
  int rc = CORIO_OK;
  for (int i = 0; i < (p->rounds ? p->rounds : 1) && rc == CORIO_OK; i++) {
    size_t index = 99;
    rc = corio_barrier_wait(p->barrier, &index);
    if (rc == CORIO_OK)
      test_log("%s:%zu", p->name, index);
    else
      test_log("%s:%s", p->name, corio_err_name(rc));
  }
  return rc;
}

static int spawn(corio_task_t **t, party_t *p, int n) {
  for (int i = 0; i < n; i++) {
    int rc = corio_task_create(&t[i], wait_and_log, &p[i], NULL);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static void release_all(corio_task_t **t, int n) {
  for (int i = 0; i < n; i++) corio_task_release(t[i]);
}

static void log_state(const char *what, const corio_barrier_t *b) {
  test_log("%s n_waiting:%zu broken:%d", what, corio_barrier_n_waiting(b),
           corio_barrier_broken(b));
}

TEST(barrier_new_refuses_zero_parties_and_wait_needs_a_task) {
  corio_barrier_t *b = NULL;
  CHECK_INT(corio_barrier_new(&b, 0), CORIO_EINVAL);
  CHECK(b == NULL);
  CHECK_INT(corio_barrier_new(&b, 2), CORIO_OK);
  if (b == NULL) return;
  CHECK_INT(corio_barrier_parties(b), 2);
  CHECK_INT(corio_barrier_wait(b, NULL), CORIO_ENOLOOP);
  CHECK_INT(corio_barrier_n_waiting(b), 0);
  corio_barrier_free(b);
}

static int one_round(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 3);
  if (rc != CORIO_OK) return rc;
  party_t p[3] = {{b, "a", 0}, {b, "b", 0}, {b, "c", 0}};
  corio_task_t *t[3];
  if ((rc = spawn(t, p, 2)) != CORIO_OK) return rc;
  test_settle();
  log_state("two-arrived", b);
  if ((rc = spawn(&t[2], &p[2], 1)) != CORIO_OK) return rc;
  rc = corio_gather(t, 3, NULL, NULL);
  log_state("done", b);
  release_all(t, 3);
  corio_barrier_free(b);
  return rc;
}

TEST(each_party_gets_a_distinct_index_and_the_last_releases_all) {
  test_run(one_round, NULL, CORIO_OK);
  /* The last to arrive returns at once; the others in arrival order. */
  CHECK_LOG("two-arrived n_waiting:2 broken:0 c:2 a:0 b:1 "
            "done n_waiting:0 broken:0");
}

typedef struct tally {
  corio_barrier_t *barrier;
  int seen[2][5]; /* per round, how often each index was given */
} tally_t;

static int wait_twice(void *arg, intptr_t *result) {
  (void)result;
  tally_t *k = arg;
  for (int round = 0; round < 2; round++) {
    size_t index;
    int rc = corio_barrier_wait(k->barrier, &index);
    if (rc != CORIO_OK) return rc;
    if (index < 5) k->seen[round][index]++;
  }
  return CORIO_OK;
}

static int indexes(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  tally_t k = {0};
  int rc = corio_barrier_new(&k.barrier, 5);
  if (rc != CORIO_OK) return rc;
  corio_task_t *t[5];
  for (int i = 0; i < 5; i++)
    if ((rc = corio_task_create(&t[i], wait_twice, &k, NULL)) != CORIO_OK)
      return rc;
  rc = corio_gather(t, 5, NULL, NULL);
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 5; i++) CHECK_INT(k.seen[round][i], 1);
  release_all(t, 5);
  corio_barrier_free(k.barrier);
  return rc;
}

TEST(every_index_from_0_to_parties_minus_1_is_given_once_per_round) {
  test_run(indexes, NULL, CORIO_OK);
}

static int rounds(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 2);
  if (rc != CORIO_OK) return rc;
  party_t p[2] = {{b, "a", 3}, {b, "b", 3}};
  corio_task_t *t[2];
  if ((rc = spawn(t, p, 2)) != CORIO_OK) return rc;
  rc = corio_gather(t, 2, NULL, NULL);
  release_all(t, 2);
  corio_barrier_free(b);
  return rc;
}

TEST(the_barrier_serves_round_after_round) {
  test_run(rounds, NULL, CORIO_OK);
  CHECK_LOG("b:1 a:0 b:1 a:0 b:1 a:0");
}

static int draining(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 2);
  if (rc != CORIO_OK) return rc;
  /* c arrives after b released the round but before a has left it. */
  party_t p[4] = {{b, "a", 0}, {b, "b", 0}, {b, "c", 0}, {b, "d", 0}};
  corio_task_t *t[4];
  if ((rc = spawn(t, p, 3)) != CORIO_OK) return rc;
  test_settle();
  log_state("c-waits", b);
  if ((rc = spawn(&t[3], &p[3], 1)) != CORIO_OK) return rc;
  rc = corio_gather(t, 4, NULL, NULL);
  release_all(t, 4);
  corio_barrier_free(b);
  return rc;
}

TEST(a_task_arriving_while_a_round_drains_joins_the_next_round) {
  test_run(draining, NULL, CORIO_OK);
  CHECK_LOG("b:1 a:0 c-waits n_waiting:1 broken:0 d:1 c:0");
}

static int abort_barrier(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 3);
  if (rc != CORIO_OK) return rc;
  party_t p[2] = {{b, "a", 0}, {b, "b", 0}};
  corio_task_t *t[2];
  if ((rc = spawn(t, p, 2)) != CORIO_OK) return rc;
  test_settle();
  corio_barrier_abort(b);
  log_state("aborted", b);
  int codes[2];
  corio_gather(t, 2, NULL, codes);
  rc = corio_barrier_wait(b, NULL); /* later waits fail at once */
  test_log("later:%s", corio_err_name(rc));
  log_state("done", b);
  release_all(t, 2);
  corio_barrier_free(b);
  return CORIO_OK;
}

TEST(abort_breaks_the_barrier_for_current_and_later_waiters) {
  test_run(abort_barrier, NULL, CORIO_OK);
  CHECK_LOG("aborted n_waiting:0 broken:1 a:CORIO_EBROKEN b:CORIO_EBROKEN "
            "later:CORIO_EBROKEN done n_waiting:0 broken:1");
}

static int reset_barrier(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 3);
  if (rc != CORIO_OK) return rc;
  party_t p[5] = {
      {b, "a", 0}, {b, "b", 0}, {b, "x", 0}, {b, "y", 0}, {b, "z", 0}};
  corio_task_t *t[5];
  if ((rc = spawn(t, p, 2)) != CORIO_OK) return rc;
  test_settle();
  corio_barrier_reset(b);
  log_state("reset", b);
  int codes[2];
  corio_gather(t, 2, NULL, codes);
  log_state("drained", b);
  if ((rc = spawn(&t[2], &p[2], 3)) != CORIO_OK) return rc;
  rc = corio_gather(&t[2], 3, NULL, NULL);
  release_all(t, 5);
  corio_barrier_free(b);
  return rc;
}

TEST(reset_breaks_the_waiters_and_leaves_the_barrier_usable) {
  test_run(reset_barrier, NULL, CORIO_OK);
  CHECK_LOG("reset n_waiting:0 broken:0 a:CORIO_EBROKEN b:CORIO_EBROKEN "
            "drained n_waiting:0 broken:0 z:2 x:0 y:1");
}

static int reset_aborted(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 2);
  if (rc != CORIO_OK) return rc;
  corio_barrier_abort(b);
  log_state("aborted", b);
  corio_barrier_reset(b);
  log_state("reset", b);
  party_t p[2] = {{b, "a", 0}, {b, "b", 0}};
  corio_task_t *t[2];
  if ((rc = spawn(t, p, 2)) != CORIO_OK) return rc;
  rc = corio_gather(t, 2, NULL, NULL);
  release_all(t, 2);
  corio_barrier_free(b);
  return rc;
}

TEST(reset_repairs_an_aborted_barrier) {
  test_run(reset_aborted, NULL, CORIO_OK);
  CHECK_LOG("aborted n_waiting:0 broken:1 reset n_waiting:0 broken:0 "
            "b:1 a:0");
}

static int cancel_filling(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 3);
  if (rc != CORIO_OK) return rc;
  party_t p[4] = {{b, "victim", 0}, {b, "other", 0}, {b, "x", 0}, {b, "y", 0}};
  corio_task_t *t[4];
  if ((rc = spawn(t, p, 2)) != CORIO_OK) return rc;
  test_settle();
  corio_task_cancel(t[0], NULL);
  test_settle();
  log_state("after-cancel", b);
  if ((rc = spawn(&t[2], &p[2], 2)) != CORIO_OK) return rc;
  int codes[4];
  corio_gather(t, 4, NULL, codes);
  test_log("codes:%s,%s,%s,%s", corio_err_name(codes[0]),
           corio_err_name(codes[1]), corio_err_name(codes[2]),
           corio_err_name(codes[3]));
  log_state("done", b);
  release_all(t, 4);
  corio_barrier_free(b);
  return CORIO_OK;
}

/* asyncio.Barrier (3.11, 3.12): the cancelled party leaves the round and
 * the others wait on; indexes come from the count at arrival, so after the
 * departure one index is handed out twice (Python prints the same). */
TEST(a_waiter_cancelled_while_the_round_fills_just_leaves_it) {
  test_run(cancel_filling, NULL, CORIO_OK);
  CHECK_LOG("victim:CORIO_ECANCELLED after-cancel n_waiting:1 broken:0 "
            "y:2 other:1 x:1 codes:CORIO_ECANCELLED,CORIO_OK,CORIO_OK,CORIO_OK "
            "done n_waiting:0 broken:0");
}

static int cancel_released(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_barrier_t *b;
  int rc = corio_barrier_new(&b, 2);
  if (rc != CORIO_OK) return rc;
  party_t p[2] = {{b, "victim", 0}, {b, "last", 0}};
  corio_task_t *t[2];
  if ((rc = spawn(t, p, 1)) != CORIO_OK) return rc;
  test_settle();
  if ((rc = spawn(&t[1], &p[1], 1)) != CORIO_OK) return rc;
  corio_sleep(0);                /* "last" releases the round... */
  corio_task_cancel(t[0], NULL); /* ...and "victim" is cancelled after */
  int codes[2];
  corio_gather(t, 2, NULL, codes);
  log_state("done", b);
  release_all(t, 2);
  corio_barrier_free(b);
  return CORIO_OK;
}

TEST(a_waiter_cancelled_after_its_round_was_released_breaks_nothing) {
  test_run(cancel_released, NULL, CORIO_OK);
  CHECK_LOG("last:1 victim:CORIO_ECANCELLED done n_waiting:0 broken:0");
}
