/*
 * corio_bench.c — the corio side of the benchmark suite: times one workload
 * once inside corio_run() (after two untimed runs) and prints one JSON line.
 * The same source builds natively (impl "corio-native") and to wasm
 * ("corio-wasm").
 *   corio_bench WORKLOAD N [K]
 *     spawn_join N     create N tasks that return at once, gather them
 *     switch N         two tasks ping-pong N rounds through two events
 *     sleep0 N K       N tasks each doing K corio_sleep(0)
 *     memory N         N tasks parked on one event; then set it
 *     queue N          one producer puts N items through a FIFO queue of
 *                      maxsize QUEUE_MAXSIZE (10) to one consumer
 * The timed workloads warm up first with two untimed runs at the same N.
 * bench/run.mjs runs it beside the Python (asyncio_bench.py) and JS
 * (promise_bench.mjs) equivalents, one process per repetition, and takes
 * medians. Only the measured part is timed, with corio_time().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#include <unistd.h> /* sbrk */
#define BENCH_IMPL "corio-wasm"
#else
#include <malloc.h>
#include <unistd.h>
#define BENCH_IMPL "corio-native"
#endif

/* What a workload measured; a field < 0 is printed as null. */
typedef struct bench_result {
  double ns_per_op;               /* ns per task / switch / yield */
  double bytes_per_task;          /* resident bytes per parked task */
  double reserved_bytes_per_task; /* heap (wasm: linear memory) claimed */
  double malloc_bytes_per_task;   /* native: malloc'd bytes (mallinfo2) */
  double memory_bytes;            /* wasm: linear memory size while parked */
  double seconds;                 /* the timed part */
  double first_seconds;           /* memory: the first round, on fresh memory */
  long ops;                       /* what ns_per_op divides by */
} bench_result_t;

typedef struct bench_args {
  const char *workload;
  long n;
  long k;
  bench_result_t r;
} bench_args_t;

/* ---- memory probes ---------------------------------------------------- */

#ifdef __EMSCRIPTEN__
/* The Node process's resident set, read at the moment it is called (the
 * only place a wasm program can learn it). -1 outside Node. */
// clang-format off
EM_JS(double, bench_js_rss, (void), {
  if (typeof process === 'undefined' || !process.memoryUsage) return -1;
  return process.memoryUsage.rss ? process.memoryUsage.rss()
                                 : process.memoryUsage().rss;
});
// clang-format on

static double resident_bytes(void) { return bench_js_rss(); }
/* The heap end: what malloc has claimed from linear memory so far. */
static double reserved_bytes(void) { return (double)(size_t)sbrk(0); }
static double malloc_bytes(void) { return -1; }
static double memory_bytes(void) {
  return (double)__builtin_wasm_memory_size(0) * 65536.0;
}
#else
/* /proc/self/statm: size and resident, in pages. */
static int read_statm(double *size, double *resident) {
  unsigned long s = 0, r = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return -1;
  int ok = fscanf(f, "%lu %lu", &s, &r) == 2;
  fclose(f);
  if (!ok) return -1;
  double page = (double)sysconf(_SC_PAGESIZE);
  *size = (double)s * page;
  *resident = (double)r * page;
  return 0;
}

static double resident_bytes(void) {
  double s, r;
  return read_statm(&s, &r) == 0 ? r : -1;
}
/* Virtual size: every mapping (malloc arenas and any mmap'd stacks). */
static double reserved_bytes(void) {
  double s, r;
  return read_statm(&s, &r) == 0 ? s : -1;
}
static double malloc_bytes(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  struct mallinfo2 mi = mallinfo2();
  return (double)(mi.uordblks + mi.hblkhd);
#else
  return -1;
#endif
}
static double memory_bytes(void) { return -1; }
#endif

static double per_task(double before, double after, long n) {
  if (before < 0 || after < 0) return -1;
  return (after - before) / (double)n;
}

/* ---- workloads -------------------------------------------------------- */

static int task_return_one(void *arg, intptr_t *result) {
  (void)arg;
  *result = 1;
  return CORIO_OK;
}

static void release_all(corio_task_t **tasks, long n) {
  for (long i = 0; i < n; i++)
    if (tasks[i] != NULL) corio_task_release(tasks[i]);
}

/* Creates n tasks running fn(arg) into tasks[] (zeroed by the caller). */
static int spawn_n(corio_task_t **tasks, long n, corio_fn fn, void *arg) {
  for (long i = 0; i < n; i++) {
    int rc = corio_task_create(&tasks[i], fn, arg, NULL);
    if (rc != CORIO_OK)
      return corio_fail(rc, "corio_task_create #%ld: %s", i,
                        corio_strerror(rc));
  }
  return CORIO_OK;
}

/* spawn_join: the timed part is creating N tasks and gathering them. */
static int bench_spawn_join(bench_args_t *a) {
  long n = a->n;
  corio_task_t **tasks = calloc((size_t)n, sizeof *tasks);
  intptr_t *results = calloc((size_t)n, sizeof *results);
  if (tasks == NULL || results == NULL) {
    free(tasks);
    free(results);
    return corio_fail(CORIO_ENOMEM, "no memory for %ld task slots", n);
  }
  double t0 = corio_time();
  int rc = spawn_n(tasks, n, task_return_one, NULL);
  if (rc == CORIO_OK) rc = corio_gather(tasks, (size_t)n, results, NULL);
  double t1 = corio_time();
  long sum = 0;
  for (long i = 0; i < n; i++) sum += (long)results[i];
  release_all(tasks, n);
  free(tasks);
  free(results);
  if (rc != CORIO_OK) return rc;
  if (sum != n) return corio_fail(CORIO_EFAILED, "gathered %ld of %ld", sum, n);
  a->r.seconds = t1 - t0;
  a->r.ops = n;
  return CORIO_OK;
}

/* switch: ping sets pong's event and waits on its own; pong does the
 * mirror image. One round is two switches. */
typedef struct pingpong {
  corio_event_t *ping;
  corio_event_t *pong;
  long rounds;
} pingpong_t;

static int task_ping(void *arg, intptr_t *result) {
  pingpong_t *p = arg;
  (void)result;
  for (long i = 0; i < p->rounds; i++) {
    corio_event_set(p->pong);
    int rc = corio_event_wait(p->ping);
    if (rc != CORIO_OK) return rc;
    corio_event_clear(p->ping);
  }
  return CORIO_OK;
}

static int task_pong(void *arg, intptr_t *result) {
  pingpong_t *p = arg;
  (void)result;
  for (long i = 0; i < p->rounds; i++) {
    int rc = corio_event_wait(p->pong);
    if (rc != CORIO_OK) return rc;
    corio_event_clear(p->pong);
    corio_event_set(p->ping);
  }
  return CORIO_OK;
}

static int bench_switch(bench_args_t *a) {
  pingpong_t p = {NULL, NULL, a->n};
  corio_task_t *tasks[2] = {NULL, NULL};
  int rc = corio_event_new(&p.ping);
  if (rc == CORIO_OK) rc = corio_event_new(&p.pong);
  if (rc == CORIO_OK) rc = corio_task_create(&tasks[0], task_ping, &p, NULL);
  if (rc == CORIO_OK) rc = corio_task_create(&tasks[1], task_pong, &p, NULL);
  double t0 = corio_time();
  if (rc == CORIO_OK) rc = corio_gather(tasks, 2, NULL, NULL);
  double t1 = corio_time();
  release_all(tasks, 2);
  if (p.ping) corio_event_free(p.ping);
  if (p.pong) corio_event_free(p.pong);
  if (rc != CORIO_OK) return rc;
  a->r.seconds = t1 - t0;
  a->r.ops = 2 * a->n;
  return CORIO_OK;
}

/* sleep0: N tasks each yield K times; the timed part starts once they are
 * created and ends when all are done. */
static int task_sleep0(void *arg, intptr_t *result) {
  long k = *(const long *)arg;
  (void)result;
  for (long i = 0; i < k; i++) {
    int rc = corio_sleep(0);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static int bench_sleep0(bench_args_t *a) {
  long n = a->n;
  corio_task_t **tasks = calloc((size_t)n, sizeof *tasks);
  if (tasks == NULL)
    return corio_fail(CORIO_ENOMEM, "no memory for %ld task slots", n);
  int rc = spawn_n(tasks, n, task_sleep0, &a->k);
  double t0 = corio_time();
  if (rc == CORIO_OK) rc = corio_gather(tasks, (size_t)n, NULL, NULL);
  double t1 = corio_time();
  release_all(tasks, n);
  free(tasks);
  if (rc != CORIO_OK) return rc;
  a->r.seconds = t1 - t0;
  a->r.ops = n * a->k;
  return CORIO_OK;
}

/* memory: N tasks parked on one event. Resident and reserved bytes are read
 * before any is created and again once all are parked. The whole is done
 * twice at the same N: the bytes come from the first round, which takes its
 * memory fresh; the lifecycle (create, park, wake, finish) is timed in both,
 * and the second round's is the steady state, where the memory the first
 * round gave back is used again. The first round's time
 * (first_lifecycle_ns_per_task) is mostly first touches of fresh pages,
 * which cost much on this project's machines (bench/README.md). */
typedef struct parking {
  corio_event_t *event;
  long parked; /* tasks waiting right now */
} parking_t;

static int task_park(void *arg, intptr_t *result) {
  parking_t *p = arg;
  (void)result;
  p->parked++;
  int rc = corio_event_wait(p->event);
  p->parked--;
  return rc;
}

/* One round: parks n tasks, reads the bytes into *r if `measure`, wakes
 * them all and waits for them; *seconds is the whole round's time. */
static int park_round(corio_task_t **tasks, long n, int measure,
                      bench_result_t *r, double *seconds) {
  parking_t p = {NULL, 0};
  memset(tasks, 0, (size_t)n * sizeof *tasks);
  int rc = corio_event_new(&p.event);
  if (rc != CORIO_OK) return rc;
  double rss0 = resident_bytes(), res0 = reserved_bytes();
  double mal0 = malloc_bytes();
  double t0 = corio_time();
  rc = spawn_n(tasks, n, task_park, &p);
  /* Every task runs once and parks; a few passes in case the scheduler
   * runs them in several batches. */
  for (int pass = 0; rc == CORIO_OK && p.parked < n && pass < 1000; pass++)
    rc = corio_sleep(0);
  if (rc == CORIO_OK && p.parked < n)
    rc = corio_fail(CORIO_EFAILED, "only %ld of %ld tasks parked", p.parked, n);
  if (rc == CORIO_OK && measure) {
    double rss1 = resident_bytes(), res1 = reserved_bytes();
    double mal1 = malloc_bytes();
    r->bytes_per_task = per_task(rss0, rss1, n);
    r->reserved_bytes_per_task = per_task(res0, res1, n);
    r->malloc_bytes_per_task = per_task(mal0, mal1, n);
    r->memory_bytes = memory_bytes();
  }
  corio_event_set(p.event);
  /* Some tasks may exist even after a failure: let them all finish. */
  long created = 0;
  while (created < n && tasks[created] != NULL) created++;
  int rc2 = corio_gather(tasks, (size_t)created, NULL, NULL);
  *seconds = corio_time() - t0;
  if (rc == CORIO_OK) rc = rc2;
  release_all(tasks, n);
  corio_event_free(p.event);
  return rc;
}

static int bench_memory(bench_args_t *a) {
  long n = a->n;
  /* park_round touches the slots before its baseline: not counted. */
  corio_task_t **tasks = calloc((size_t)n, sizeof *tasks);
  if (tasks == NULL)
    return corio_fail(CORIO_ENOMEM, "no memory for %ld task slots", n);
  double first, steady;
  int rc = park_round(tasks, n, 1, &a->r, &first);
  if (rc == CORIO_OK) rc = park_round(tasks, n, 0, &a->r, &steady);
  free(tasks);
  if (rc != CORIO_OK) return rc;
  a->r.first_seconds = first;
  a->r.seconds = steady;
  a->r.ops = n;
  return CORIO_OK;
}

/* queue: a producer puts the numbers 1..N into a bounded FIFO queue, a
 * consumer gets and sums them: ns per item. With maxsize 10 the producer
 * fills the queue and waits, the consumer empties it and waits, so there are
 * about two task switches per 10 items; the rest is put and get. */
#define QUEUE_MAXSIZE 10

typedef struct pipeline {
  corio_queue_t *queue;
  long n;
  int64_t sum; /* what the consumer got (64 bits: long is 32 in wasm32) */
} pipeline_t;

static int task_produce(void *arg, intptr_t *result) {
  pipeline_t *p = arg;
  (void)result;
  for (long i = 1; i <= p->n; i++) {
    int rc = corio_queue_put(p->queue, (void *)(intptr_t)i);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static int task_consume(void *arg, intptr_t *result) {
  pipeline_t *p = arg;
  (void)result;
  for (long i = 0; i < p->n; i++) {
    void *item;
    int rc = corio_queue_get(p->queue, &item);
    if (rc != CORIO_OK) return rc;
    p->sum += (intptr_t)item;
  }
  return CORIO_OK;
}

static int bench_queue(bench_args_t *a) {
  pipeline_t p = {NULL, a->n, 0};
  corio_task_t *tasks[2] = {NULL, NULL};
  int rc = corio_queue_new(&p.queue, CORIO_QUEUE_FIFO, QUEUE_MAXSIZE, NULL);
  if (rc == CORIO_OK) rc = corio_task_create(&tasks[0], task_produce, &p, NULL);
  if (rc == CORIO_OK) rc = corio_task_create(&tasks[1], task_consume, &p, NULL);
  double t0 = corio_time();
  if (rc == CORIO_OK) rc = corio_gather(tasks, 2, NULL, NULL);
  double t1 = corio_time();
  release_all(tasks, 2);
  if (p.queue) corio_queue_free(p.queue, NULL);
  if (rc != CORIO_OK) return rc;
  int64_t expected = (int64_t)a->n * (a->n + 1) / 2;
  if (p.sum != expected)
    return corio_fail(CORIO_EFAILED, "consumer summed %lld, expected %lld",
                      (long long)p.sum, (long long)expected);
  a->r.seconds = t1 - t0;
  a->r.ops = a->n;
  return CORIO_OK;
}

/* ---- to_thread: a round trip to a worker thread ------------------------- */

/* The job: returns at once, so what is timed is the trip there and back. */
static int job_return_one(void *arg, intptr_t *result) {
  (void)arg;
  *result = 1;
  return CORIO_OK;
}

/* N calls of corio_to_thread, one after the other. */
static int bench_to_thread(bench_args_t *a) {
  double t0 = corio_time();
  for (long i = 0; i < a->n; i++) {
    intptr_t r = 0;
    int rc = corio_to_thread(job_return_one, NULL, &r);
    if (rc != CORIO_OK) return rc;
    if (r != 1)
      return corio_fail(CORIO_EFAILED, "the job returned %ld", (long)r);
  }
  a->r.seconds = corio_time() - t0;
  a->r.ops = a->n;
  return CORIO_OK;
}

static int task_to_thread(void *arg, intptr_t *result) {
  (void)arg;
  return corio_to_thread(job_return_one, NULL, result);
}

/* N tasks, each one corio_to_thread call, gathered at once (asyncio:
 * gather(*(to_thread(f) for _ in range(n)))). */
static int bench_to_thread_gather(bench_args_t *a) {
  corio_task_t **tasks = calloc((size_t)a->n, sizeof *tasks);
  if (tasks == NULL) return CORIO_ENOMEM;
  double t0 = corio_time();
  int rc = spawn_n(tasks, a->n, task_to_thread, NULL);
  if (rc == CORIO_OK) rc = corio_gather(tasks, (size_t)a->n, NULL, NULL);
  double t1 = corio_time();
  release_all(tasks, a->n);
  free(tasks);
  if (rc != CORIO_OK) return rc;
  a->r.seconds = t1 - t0;
  a->r.ops = a->n;
  return CORIO_OK;
}

/* ---- main ------------------------------------------------------------- */

typedef struct workload {
  const char *name;
  int (*fn)(bench_args_t *a);
  int needs_k;
  int warm_up; /* run WARM_UP_RUNS times, untimed, before the measured run */
} workload_t;

static const workload_t workloads[] = {
    {"spawn_join", bench_spawn_join, 0, 1},
    {"switch", bench_switch, 0, 1},
    {"sleep0", bench_sleep0, 1, 1},
    {"memory", bench_memory, 0, 0},
    {"queue", bench_queue, 0, 1},
    {"to_thread", bench_to_thread, 0, 1},
    {"to_thread_gather", bench_to_thread_gather, 0, 1},
};

static const workload_t *find_workload(const char *name) {
  for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
    if (strcmp(workloads[i].name, name) == 0) return &workloads[i];
  return NULL;
}

/* The timed workloads first run twice untimed at the same N, so that the
 * measured run sees warm code (wasm tier-up in V8) and memory the allocator
 * already holds: a first touch of a fresh page, slow on this project's
 * machines (bench/README.md), would otherwise be most of what spawn_join
 * measures. Twice, because V8 gives a JS function its type feedback only
 * after its first calls: what a workload does only at its start (switch and
 * queue enter their two tasks there) is unseen by the code V8 optimizes in
 * the first run, and throws the fiber swap's JS out of it in the second,
 * untimed, not in the measured one. The Python and JS versions do the same.
 * Not for memory, whose bytes must be taken fresh: it times its two rounds
 * itself. */
enum { WARM_UP_RUNS = 2 };

static int bench_main(void *arg, intptr_t *result) {
  bench_args_t *a = arg;
  const workload_t *w = find_workload(a->workload);
  (void)result;
  for (int i = 0; w->warm_up && i < WARM_UP_RUNS; i++) {
    int rc = w->fn(a);
    if (rc != CORIO_OK) return rc;
  }
  return w->fn(a);
}

static void print_number(const char *key, double v) {
  if (v < 0)
    printf(",\"%s\":null", key);
  else
    printf(",\"%s\":%.1f", key, v);
}

/* Writes s as a JSON string body (quotes and control characters escaped). */
static void print_json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void print_head(const bench_args_t *a) {
  printf("{\"workload\":");
  print_json_string(a->workload);
  printf(",\"impl\":\"%s\",\"n\":%ld", BENCH_IMPL, a->n);
  if (a->k > 0) printf(",\"k\":%ld", a->k);
}

static int usage(void) {
  fprintf(stderr, "usage: corio_bench WORKLOAD N [K]\n"
                  "  WORKLOAD: spawn_join, switch, sleep0 (needs K), memory, "
                  "queue, to_thread, to_thread_gather\n");
  return 2;
}

/* main ends with exit(), not a return: under Asyncify, Emscripten drops
 * main's return after a suspension, and in the threaded build the pool's
 * idle workers keep Node running until exit() ends it. */
int main(int argc, char **argv) {
  if (argc < 3) return usage();
  bench_args_t a;
  memset(&a, 0, sizeof a);
  a.workload = argv[1];
  a.n = strtol(argv[2], NULL, 10);
  a.k = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
  const workload_t *w = find_workload(a.workload);
  if (w == NULL || a.n <= 0 || (w->needs_k && a.k <= 0)) return usage();
  a.r.ns_per_op = a.r.bytes_per_task = a.r.reserved_bytes_per_task = -1;
  a.r.malloc_bytes_per_task = a.r.memory_bytes = a.r.first_seconds = -1;

  corio_outcome_t out;
  int rc = corio_run_ex(bench_main, &a, NULL, &out);
  print_head(&a);
  if (rc != CORIO_OK) {
    printf(",\"error\":");
    char msg[400];
    snprintf(msg, sizeof msg, "%s: %s", corio_err_name(rc),
             out.message[0] ? out.message : corio_strerror(rc));
    print_json_string(msg);
    printf("}\n");
    fflush(stdout);
    exit(1);
  }
  if (a.r.ops > 0) a.r.ns_per_op = a.r.seconds * 1e9 / (double)a.r.ops;
  if (strcmp(a.workload, "memory") == 0) {
    /* For memory the headline numbers are bytes; the time is a side note. */
    printf(",\"ns_per_op\":null");
    print_number("bytes_per_task", a.r.bytes_per_task);
    print_number("reserved_bytes_per_task", a.r.reserved_bytes_per_task);
    print_number("malloc_bytes_per_task", a.r.malloc_bytes_per_task);
    print_number("memory_bytes", a.r.memory_bytes);
    print_number("lifecycle_ns_per_task", a.r.ns_per_op);
    print_number("first_lifecycle_ns_per_task",
                 a.r.first_seconds * 1e9 / (double)a.r.ops);
    printf(",\"parked\":%ld", a.n);
  } else {
    print_number("ns_per_op", a.r.ns_per_op);
    printf(",\"bytes_per_task\":null");
  }
  printf(",\"ops\":%ld,\"seconds\":%.6f,\"backend\":", a.r.ops, a.r.seconds);
  print_json_string(corio_backend_name());
  printf("}\n");
  fflush(stdout);
  exit(0);
}
