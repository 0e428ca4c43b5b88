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

static void release_all(corio_task_t **t, int n) {
  for (int i = 0; i < n; i++) corio_task_release(t[i]);
}

static void log_state(const char *what, const corio_barrier_t *b) {
  test_log("%s n_waiting:%zu broken:%d", what, corio_barrier_n_waiting(b),
           corio_barrier_broken(b));
}

/* ---- scenes: a barrier and the parties a test starts ------------------- */

/* One test's world. play() runs `body` as the main task with a new barrier
 * for `parties`, then gathers the parties the body started, releases them
 * and frees the barrier; the body's status is main's. */
typedef struct scene scene_t;
struct scene {
  int (*body)(scene_t *s);
  size_t parties;
  corio_barrier_t *b;
  party_t party[5];
  corio_task_t *tasks[5];
  size_t ntasks;
};

/* Starts a party `name` that waits `rounds` times (wait_and_log). */
static corio_task_t *start(scene_t *s, const char *name, int rounds) {
  party_t *p = &s->party[s->ntasks];
  *p = (party_t){s->b, name, rounds};
  return s->tasks[s->ntasks++] = test_start(wait_and_log, p);
}

/* Waits for every party started so far; returns gather's status. */
static int wait_all(scene_t *s) {
  int codes[5];
  return corio_gather(s->tasks, s->ntasks, NULL, codes);
}

static int scene_main(void *arg, intptr_t *result) {
  (void)result;
  scene_t *s = arg;
  int rc = corio_barrier_new(&s->b, s->parties);
  if (rc != CORIO_OK) return rc;
  rc = s->body(s);
  if (s->ntasks > 0) wait_all(s);
  release_all(s->tasks, (int)s->ntasks);
  corio_barrier_free(s->b);
  return rc;
}

static void play(int (*body)(scene_t *s), size_t parties) {
  test_run(scene_main, &(scene_t){.body = body, .parties = parties}, CORIO_OK);
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

static int one_round(scene_t *s) {
  start(s, "a", 0);
  start(s, "b", 0);
  test_settle();
  log_state("two-arrived", s->b);
  start(s, "c", 0);
  int rc = wait_all(s);
  log_state("done", s->b);
  return rc;
}

TEST(each_party_gets_a_distinct_index_and_the_last_releases_all) {
  play(one_round, 3);
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

static int rounds(scene_t *s) {
  start(s, "a", 3);
  start(s, "b", 3);
  return wait_all(s);
}

TEST(the_barrier_serves_round_after_round) {
  play(rounds, 2);
  CHECK_LOG("b:1 a:0 b:1 a:0 b:1 a:0");
}

static int draining(scene_t *s) {
  /* c arrives after b released the round but before a has left it. */
  start(s, "a", 0);
  start(s, "b", 0);
  start(s, "c", 0);
  test_settle();
  log_state("c-waits", s->b);
  start(s, "d", 0);
  return wait_all(s);
}

TEST(a_task_arriving_while_a_round_drains_joins_the_next_round) {
  play(draining, 2);
  CHECK_LOG("b:1 a:0 c-waits n_waiting:1 broken:0 d:1 c:0");
}

static int abort_barrier(scene_t *s) {
  start(s, "a", 0);
  start(s, "b", 0);
  test_settle();
  corio_barrier_abort(s->b);
  log_state("aborted", s->b);
  wait_all(s);
  int rc = corio_barrier_wait(s->b, NULL); /* later waits fail at once */
  test_log("later:%s", corio_err_name(rc));
  log_state("done", s->b);
  return CORIO_OK;
}

TEST(abort_breaks_the_barrier_for_current_and_later_waiters) {
  play(abort_barrier, 3);
  CHECK_LOG("aborted n_waiting:0 broken:1 a:CORIO_EBROKEN b:CORIO_EBROKEN "
            "later:CORIO_EBROKEN done n_waiting:0 broken:1");
}

static int reset_barrier(scene_t *s) {
  start(s, "a", 0);
  start(s, "b", 0);
  test_settle();
  corio_barrier_reset(s->b);
  log_state("reset", s->b);
  wait_all(s);
  log_state("drained", s->b);
  start(s, "x", 0);
  start(s, "y", 0);
  start(s, "z", 0);
  return corio_gather(&s->tasks[2], 3, NULL, NULL);
}

TEST(reset_breaks_the_waiters_and_leaves_the_barrier_usable) {
  play(reset_barrier, 3);
  CHECK_LOG("reset n_waiting:0 broken:0 a:CORIO_EBROKEN b:CORIO_EBROKEN "
            "drained n_waiting:0 broken:0 z:2 x:0 y:1");
}

static int reset_aborted(scene_t *s) {
  corio_barrier_abort(s->b);
  log_state("aborted", s->b);
  corio_barrier_reset(s->b);
  log_state("reset", s->b);
  start(s, "a", 0);
  start(s, "b", 0);
  return wait_all(s);
}

TEST(reset_repairs_an_aborted_barrier) {
  play(reset_aborted, 2);
  CHECK_LOG("aborted n_waiting:0 broken:1 reset n_waiting:0 broken:0 "
            "b:1 a:0");
}

static int cancel_filling(scene_t *s) {
  corio_task_t *victim = start(s, "victim", 0);
  start(s, "other", 0);
  test_settle();
  corio_task_cancel(victim, NULL);
  test_settle();
  log_state("after-cancel", s->b);
  start(s, "x", 0);
  start(s, "y", 0);
  int codes[4];
  corio_gather(s->tasks, 4, NULL, codes);
  test_log("codes:%s,%s,%s,%s", corio_err_name(codes[0]),
           corio_err_name(codes[1]), corio_err_name(codes[2]),
           corio_err_name(codes[3]));
  log_state("done", s->b);
  return CORIO_OK;
}

/* asyncio.Barrier (3.11, 3.12): the cancelled party leaves the round and
 * the others wait on; indexes come from the count at arrival, so after the
 * departure one index is handed out twice (Python prints the same). */
TEST(a_waiter_cancelled_while_the_round_fills_just_leaves_it) {
  play(cancel_filling, 3);
  CHECK_LOG("victim:CORIO_ECANCELLED after-cancel n_waiting:1 broken:0 "
            "y:2 other:1 x:1 codes:CORIO_ECANCELLED,CORIO_OK,CORIO_OK,CORIO_OK "
            "done n_waiting:0 broken:0");
}

/* A party cancelled while the round fills leaves it, and its index is handed
 * out again (as in asyncio):
 *
 *   b = asyncio.Barrier(3)
 *   async def w(n):
 *       try: i = await b.wait(); log(f"{n}:{i}")
 *       except asyncio.CancelledError: log(f"{n}:cancelled"); raise
 *   a = create_task(w("A")); bb = create_task(w("B")); await sleep(0)
 *   a.cancel(); await sleep(0)
 *   c = create_task(w("C")); d = create_task(w("D"))
 *   await gather(a, bb, c, d, return_exceptions=True)
 *   log(f"n_waiting={b.n_waiting}")
 *   -> A:cancelled D:2 B:1 C:1 n_waiting=0 */
static int cancelled_party_index(scene_t *s) {
  corio_task_t *a = start(s, "A", 0);
  start(s, "B", 0);
  corio_sleep(0);
  corio_task_cancel(a, NULL);
  corio_sleep(0);
  start(s, "C", 0);
  start(s, "D", 0);
  wait_all(s);
  test_log("n_waiting=%zu", corio_barrier_n_waiting(s->b));
  return CORIO_OK;
}

TEST(a_cancelled_party_leaves_the_round_and_its_index_is_given_again) {
  play(cancelled_party_index, 3);
  CHECK_LOG("A:CORIO_ECANCELLED D:2 B:1 C:1 n_waiting=0");
}

static int cancel_released(scene_t *s) {
  corio_task_t *victim = start(s, "victim", 0);
  test_settle();
  start(s, "last", 0);
  corio_sleep(0);                  /* "last" releases the round... */
  corio_task_cancel(victim, NULL); /* ...and "victim" is cancelled after */
  wait_all(s);
  log_state("done", s->b);
  return CORIO_OK;
}

TEST(a_waiter_cancelled_after_its_round_was_released_breaks_nothing) {
  play(cancel_released, 2);
  CHECK_LOG("last:1 victim:CORIO_ECANCELLED done n_waiting:0 broken:0");
}
