/*
 * test_task_stacks.c — a task's stack survives its suspensions: tasks that
 * park at different stack depths (one frame, fifty frames, a frame with a
 * 12 KiB local array), interleaved thousands of times, find every local
 * as they left it. This is what any change to how a parked task's stack is
 * kept (its own block, a copy of the used part, Asyncify's saved frames)
 * must preserve. And a pointer into a stack shared with other tasks is
 * refused where corio's API would hand it on (corio.h, "Pointers into a
 * task's stack"); one into a stack of the task's own is lent. A parked
 * task's frames still move off a shared stack when there is no memory to
 * grow their buffer then (the stack's spare). In wasm, every stack a task
 * runs on carries Emscripten's stack cookie, which the runtime checks on
 * the running stack when it exits or aborts.
 */
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "test.h"

#define SHAPES 3
#define TASKS_PER_SHAPE 8
#define ROUNDS 150 /* suspensions per task: 24 tasks, 3,600 in all */
#define DEPTH 50
#define ARRAY_BYTES (12 * 1024)

/* The value a task with this seed stores at slot i: differs per task,
 * per slot and per frame, so a local restored from another task or another
 * depth shows. */
static uint32_t expect(uint32_t seed, uint32_t i) {
  uint32_t x = seed * 2654435761u + i * 40503u + 1u;
  x ^= x >> 13;
  return x * 2246822519u;
}

/* Suspends with `depth` frames of this function below it, each holding
 * locals; after every suspension each frame checks its own locals (and
 * after the innermost returns, too). Returns the number of wrong locals
 * seen, or -1 if a suspension failed. */
static __attribute__((noinline)) int park_at_depth(uint32_t seed, int depth) {
  volatile uint32_t local[4];
  for (uint32_t i = 0; i < 4; i++) local[i] = expect(seed + (uint32_t)depth, i);
  int bad = 0;
  if (depth > 1) {
    int inner = park_at_depth(seed, depth - 1);
    if (inner < 0) return -1;
    bad += inner;
  } else if (corio_sleep(0) != CORIO_OK) {
    return -1;
  }
  for (uint32_t i = 0; i < 4; i++)
    if (local[i] != expect(seed + (uint32_t)depth, i)) bad++;
  return bad;
}

/* One frame: the task's own locals, then a suspension. */
static int one_frame(uint32_t seed) {
  volatile uint32_t local[8];
  for (uint32_t i = 0; i < 8; i++) local[i] = expect(seed, i);
  if (corio_sleep(0) != CORIO_OK) return -1;
  int bad = 0;
  for (uint32_t i = 0; i < 8; i++)
    if (local[i] != expect(seed, i)) bad++;
  return bad;
}

/* A 12 KiB array in the suspending frame. */
static __attribute__((noinline)) int big_frame(uint32_t seed) {
  volatile uint32_t local[ARRAY_BYTES / sizeof(uint32_t)];
  size_t n = sizeof local / sizeof local[0];
  for (uint32_t i = 0; i < n; i++) local[i] = expect(seed, i);
  if (corio_sleep(0) != CORIO_OK) return -1;
  int bad = 0;
  for (uint32_t i = 0; i < n; i++)
    if (local[i] != expect(seed, i)) bad++;
  return bad;
}

typedef struct {
  int shape; /* 0: one frame, 1: DEPTH frames, 2: the big array */
  uint32_t id;
} stack_task_t;

/* Runs ROUNDS suspensions of its shape, a fresh seed each round; the
 * result is the number of wrong locals it saw. */
static int suspend_at_shape(void *arg, intptr_t *result) {
  const stack_task_t *st = arg;
  intptr_t bad = 0;
  for (uint32_t round = 0; round < ROUNDS; round++) {
    uint32_t seed = st->id * 7919u + round * 104729u;
    int r = st->shape == 0   ? one_frame(seed)
            : st->shape == 1 ? park_at_depth(seed, DEPTH)
                             : big_frame(seed);
    if (r < 0) return CORIO_ERUNTIME;
    bad += r;
  }
  *result = bad;
  return CORIO_OK;
}

static int interleave_all_shapes(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  enum { N = SHAPES * TASKS_PER_SHAPE };
  stack_task_t specs[N];
  corio_task_t *tasks[N];
  intptr_t bad[N];
  /* Shapes alternate, so every suspension of one shape sits between
   * suspensions of the others. */
  for (int i = 0; i < N; i++) {
    specs[i] = (stack_task_t){.shape = i % SHAPES, .id = (uint32_t)i + 1};
    tasks[i] = test_start(suspend_at_shape, &specs[i]);
    if (tasks[i] == NULL) return CORIO_ENOMEM;
  }
  int rc = corio_gather(tasks, N, bad, NULL);
  CHECK_INT(rc, CORIO_OK);
  for (int i = 0; i < N; i++) {
    CHECK_INT(bad[i], 0);
    corio_task_release(tasks[i]);
  }
  return CORIO_OK;
}

TEST(locals_survive_suspension_at_one_fifty_frames_and_a_12k_array) {
  test_run(interleave_all_shapes, NULL, CORIO_OK);
}

/* ---- lending a pointer into a stack ------------------------------------ */

static int add_one_to(void *arg, intptr_t *result) {
  (void)result;
  ++*(int *)arg;
  return CORIO_OK;
}

/* A task on the shared stack offers one of its locals to a new task:
 * refused, with the call and the task named; memory off its stack is
 * taken. */
static int lend_from_shared(void *arg, intptr_t *result) {
  (void)arg;
  int local = 0;
  corio_task_t *t = NULL;
  int rc = corio_task_create(&t, add_one_to, &local, NULL);
  CHECK_INT(rc, CORIO_EINVAL);
  CHECK(t == NULL);
  CHECK(strstr(corio_errmsg(), "corio_task_create") != NULL);
  CHECK(strstr(corio_errmsg(), "lender") != NULL);
  CHECK(strstr(corio_errmsg(), "stack_size") != NULL);
  static int off_stack;
  off_stack = 0;
  CHECK_INT(corio_task_create(&t, add_one_to, &off_stack, NULL), CORIO_OK);
  CHECK_INT(corio_await(t, NULL), CORIO_OK);
  corio_task_release(t);
  CHECK_INT(off_stack, 1);
  *result = 1;
  return CORIO_OK;
}

/* A task with a stack of its own lends its local, parks while the
 * borrower uses it, and sees the borrower's write. */
static int lend_from_own(void *arg, intptr_t *result) {
  (void)arg;
  int local = 41;
  corio_task_t *t = NULL;
  CHECK_INT(corio_task_create(&t, add_one_to, &local, NULL), CORIO_OK);
  CHECK_INT(corio_await(t, NULL), CORIO_OK);
  corio_task_release(t);
  *result = local;
  return CORIO_OK;
}

static int lending_rules(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_opts_t shared_opts = {.name = "lender"};
  CHECK_INT(corio_task_create(&t, lend_from_shared, NULL, &shared_opts),
            CORIO_OK);
  intptr_t r = 0;
  CHECK_INT(corio_await(t, &r), CORIO_OK);
  CHECK_INT(r, 1);
  corio_task_release(t);
  corio_task_opts_t own_opts = {.name = "owner", .stack_size = 64 * 1024};
  CHECK_INT(corio_task_create(&t, lend_from_own, NULL, &own_opts), CORIO_OK);
  CHECK_INT(corio_await(t, &r), CORIO_OK);
  CHECK_INT(r, 42);
  corio_task_release(t);
  /* corio_run's main task (this one) lends its locals too. */
  int mine = 9;
  CHECK_INT(corio_task_create(&t, add_one_to, &mine, NULL), CORIO_OK);
  CHECK_INT(corio_await(t, NULL), CORIO_OK);
  corio_task_release(t);
  CHECK_INT(mine, 10);
  return CORIO_OK;
}

TEST(only_a_task_with_a_stack_of_its_own_lends_pointers_into_it) {
  test_run(lending_rules, NULL, CORIO_OK);
}

/* A generator body that echoes what it is sent, forever. */
static int echo_body(corio_gen_t *g, void *arg) {
  (void)arg;
  void *in = NULL;
  for (;;) {
    int rc = corio_gen_yield_recv(g, in, &in);
    if (rc != CORIO_OK) return rc;
  }
}

/* A task on a shared stack cannot send a generator a pointer into that
 * stack: the body may use it while the task is parked in the body, when
 * the stack may have been moved. */
static int send_from_shared(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_gen_t *g;
  CHECK_INT(corio_gen_new(&g, echo_body, NULL, NULL), CORIO_OK);
  void *v = NULL;
  CHECK_INT(corio_gen_next(g, &v), CORIO_OK);
  int local = 7;
  CHECK_INT(corio_gen_asend(g, &local, &v), CORIO_EINVAL);
  CHECK(strstr(corio_errmsg(), "corio_gen_asend") != NULL);
  static int off_stack = 8;
  CHECK_INT(corio_gen_asend(g, &off_stack, &v), CORIO_OK);
  CHECK(v == &off_stack);
  CHECK_INT(corio_gen_aclose(g), CORIO_OK);
  corio_gen_free(g);
  return CORIO_OK;
}

static int sending_rules(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  CHECK_INT(corio_task_create(&t, send_from_shared, NULL, NULL), CORIO_OK);
  CHECK_INT(corio_await(t, NULL), CORIO_OK);
  corio_task_release(t);
  return CORIO_OK;
}

TEST(a_task_on_a_shared_stack_sends_a_generator_no_pointer_into_it) {
  test_run(sending_rules, NULL, CORIO_OK);
}

/* ---- moving a parked task's frames out when memory is short ------------ */

/* The test programs' links wrap realloc (Makefile, TEST_LDFLAGS): with
 * fail_next_realloc set, the next realloc of at least 4 KiB (the deep
 * frames' below, and nothing else this test makes) fails, and is counted. */
static bool fail_next_realloc;
static int failed_reallocs;
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n) {
  if (fail_next_realloc && n >= 4096) {
    fail_next_realloc = false;
    failed_reallocs++;
    return NULL;
  }
  return __real_realloc(p, n);
}

typedef struct {
  corio_event_t *shallow, *others, *deep;
} move_out_t;

/* Parks once with few frames (its saved copy is then that small), then
 * with a 4 KiB array, its next realloc set to fail. */
static __attribute__((noinline)) int park_deep(move_out_t *m) {
  volatile uint32_t local[1024];
  for (uint32_t i = 0; i < 1024; i++) local[i] = expect(99, i);
  fail_next_realloc = true;
  if (corio_event_wait(m->deep) != CORIO_OK) return -1;
  int bad = 0;
  for (uint32_t i = 0; i < 1024; i++)
    if (local[i] != expect(99, i)) bad++;
  return bad;
}

static int shallow_then_deep(void *arg, intptr_t *result) {
  move_out_t *m = arg;
  if (corio_event_wait(m->shallow) != CORIO_OK) return CORIO_ERUNTIME;
  *result = park_deep(m);
  return *result < 0 ? CORIO_ERUNTIME : CORIO_OK;
}

static int wait_others(void *arg, intptr_t *result) {
  move_out_t *m = arg;
  *result = 0;
  return corio_event_wait(m->others);
}

/* Five tasks made in a row on fresh fibers: the shared stacks are given in
 * turn, so the first and the fifth share one, and the fifth's return to it
 * moves the first's deep frames out (natively under
 * CORIO_CHECK_PARKED_STACKS, they move out as soon as it parks), its buffer
 * unable to grow. The frames must then go to the spare its stack kept (the
 * fiber backends' corio__fiber_ready_to_park), and come back intact. */
static int frames_move_out(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  move_out_t m;
  CHECK_INT(corio_event_new(&m.shallow), CORIO_OK);
  CHECK_INT(corio_event_new(&m.others), CORIO_OK);
  CHECK_INT(corio_event_new(&m.deep), CORIO_OK);
  enum { N = 5 };
  corio_task_t *tasks[N];
  intptr_t results[N];
  tasks[0] = test_start(shallow_then_deep, &m);
  for (int i = 1; i < N; i++) tasks[i] = test_start(wait_others, &m);
  for (int i = 0; i < N; i++) CHECK(tasks[i] != NULL);
  CHECK_INT(corio_sleep(0), CORIO_OK); /* all park; the fifth moves A out */
  corio_event_set(m.shallow);
  CHECK_INT(corio_sleep(0), CORIO_OK); /* A goes deep and parks */
  corio_event_set(m.others);           /* the fifth comes back: A moves out */
  CHECK_INT(corio_sleep(0), CORIO_OK);
  CHECK_INT(failed_reallocs, 1); /* the deep frames' buffer did not grow */
  corio_event_set(m.deep);
  CHECK_INT(corio_gather(tasks, N, results, NULL), CORIO_OK);
  CHECK_INT(results[0], 0); /* every local of the 4 KiB array intact */
  for (int i = 0; i < N; i++) corio_task_release(tasks[i]);
  corio_event_free(m.shallow);
  corio_event_free(m.others);
  corio_event_free(m.deep);
  return CORIO_OK;
}

TEST(a_parked_task_moves_out_to_its_regions_spare_when_its_buffer_cannot_grow) {
  failed_reallocs = 0;
  test_run(frames_move_out, NULL, CORIO_OK);
  fail_next_realloc = false;
}

#ifdef __EMSCRIPTEN__
/* ---- Emscripten's stack cookie ------------------------------------------ */

/* Emscripten's own check (-sSTACK_OVERFLOW_CHECK), on the stack that runs:
 * it aborts the program, saying "Stack overflow!", if the cookie just
 * above that stack's end is not there. */
EM_JS(void, check_stack_cookie, (void), { checkStackCookie(); });

/* Checks the cookie of the stack this task runs on, before and after a
 * park (a timer's: the loop runs meanwhile, so the task is switched away
 * from and back to). */
static int check_cookie(void *arg, intptr_t *result) {
  (void)arg;
  check_stack_cookie();
  CHECK_INT(corio_sleep(0.001), CORIO_OK);
  check_stack_cookie();
  *result = 1;
  return CORIO_OK;
}

static int cookies_everywhere(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_opts_t opts[] = {{.name = "shared"},
                              {.name = "own", .stack_size = 64 * 1024}};
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    corio_task_t *t;
    CHECK_INT(corio_task_create(&t, check_cookie, NULL, &opts[i]), CORIO_OK);
    intptr_t r = 0;
    CHECK_INT(corio_await(t, &r), CORIO_OK);
    CHECK_INT(r, 1);
    corio_task_release(t);
  }
  return CORIO_OK;
}

TEST(every_stack_a_task_runs_on_has_emscriptens_stack_cookie) {
  test_run(cookies_everywhere, NULL, CORIO_OK);
}
#endif
