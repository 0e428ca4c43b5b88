/*
 * alloc_fail.c — allocation-failure injection: small programs on corio
 * (tasks, sync primitives, queues, streams and HTTP over loopback, the
 * checker), each run with its Nth allocation failing, for every N until a
 * run makes fewer than N allocations. Every run must end with a clean
 * status: the right result, or an error the program returns (no abort, no
 * crash, no hang) and nothing leaked (LeakSanitizer, at each run's exit).
 *
 * Native and under ASan only, and only here: the link wraps malloc, calloc,
 * realloc, strdup, strndup, aligned_alloc, posix_memalign and mmap
 * (-Wl,--wrap=..., emscripten.mk) of this program's objects, the runtime's
 * included; the shipped library has no such hook. Allocations are counted
 * on the loop's thread only, from the start of corio_run to its end.
 *
 *   alloc_fail SCENARIO N       one run, allocation N failing (0: none)
 *   alloc_fail SCENARIO sweep [FROM [TO [STEP]]]
 *                               a run per N (each a fork), FROM..TO (TO 0:
 *                               until a run makes fewer than N
 *                               allocations), every STEP-th N (default 1)
 *
 * ALLOC_FAIL_ON=1: allocation N and every one after it fail (the error
 * paths then get no memory either). ALLOC_FAIL_TRACE=1 prints the stack of
 * the (first) allocation made to fail, ALLOC_FAIL_TRACE=all of each.
 * Exit status: 0 when every run was clean; 1 otherwise, with a line per
 * unclean run. A run's own status: 0 clean with the failure injected, 10
 * clean without (its N was past the last allocation), else unclean.
 * tests/node/alloc_fail.test.mjs runs the sweeps.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "corio.h"

/* ---- the wrapped allocator --------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);

static long fail_at;  /* the allocation that fails, 1-based; 0: none */
static bool fail_on;  /* and every one after it too */
static long count;    /* allocations counted so far */
static bool injected; /* the failure happened */
static bool armed;    /* counting (inside corio_run) */
static pthread_t loop_thread;

/* ASan's: the failing allocation's stack, with ALLOC_FAIL_TRACE=1 set. */
void __sanitizer_print_stack_trace(void);

static bool fail_now(void) {
  if (!armed || !pthread_equal(pthread_self(), loop_thread)) return false;
  ++count;
  if (fail_at == 0 || count < fail_at || (count > fail_at && !fail_on))
    return false;
  injected = true;
  const char *trace = getenv("ALLOC_FAIL_TRACE");
  if (trace && (count == fail_at || strcmp(trace, "all") == 0))
    __sanitizer_print_stack_trace();
  return true;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) {
  return fail_now() ? NULL : __real_calloc(k, n);
}
void *__wrap_realloc(void *p, size_t n) {
  return fail_now() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s) {
  return fail_now() ? NULL : __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n) {
  return fail_now() ? NULL : __real_strndup(s, n);
}
void *__wrap_aligned_alloc(size_t align, size_t n) {
  return fail_now() ? NULL : __real_aligned_alloc(align, n);
}
int __wrap_posix_memalign(void **p, size_t align, size_t n) {
  return fail_now() ? ENOMEM : __real_posix_memalign(p, align, n);
}
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off) {
  if (fail_now()) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return __real_mmap(addr, len, prot, flags, fd, off);
}

/* ---- scenarios ---------------------------------------------------------- */

/* Each returns CORIO_OK with *result the expected value, or an error; on
 * every path it releases what it made. */

#define TRY(expr)                                                              \
  do {                                                                         \
    rc = (expr);                                                               \
    if (rc != CORIO_OK) goto out;                                              \
  } while (0)

static int add_one(void *arg, intptr_t *result) {
  int rc = corio_sleep(0);
  *result = (intptr_t)arg + 1;
  return rc;
}

static int sleep_long(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_sleep(10);
}

static int fail_soon(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_sleep(0);
  return rc == CORIO_OK ? corio_fail(CORIO_EUSER, "failed on purpose") : rc;
}

static void count_call(corio_task_t *t, void *data) {
  (void)t;
  ++*(int *)data;
}

static int await_arg(void *arg, intptr_t *result) {
  return corio_await(arg, result);
}

/* Tasks: gather, a task group (a child failing), a task awaited by two
 * others, a task with two done callbacks, a cancelled task, wait_for's
 * timeout. */
static int tasks(void *arg, intptr_t *result) {
  (void)arg;
  corio_task_t *t[3] = {NULL, NULL, NULL}, *sleeper = NULL;
  corio_task_group_t *g = NULL;
  intptr_t r[3] = {0, 0, 0}, sum = 0;
  int rc;
  for (intptr_t i = 0; i < 3; i++)
    TRY(corio_task_create(&t[i], add_one, (void *)i, NULL));
  TRY(corio_gather(t, 3, r, NULL));
  sum = r[0] + r[1] + r[2]; /* 6 */
  TRY(corio_task_group_new(&g));
  rc = corio_task_group_spawn(g, NULL, add_one, (void *)10, NULL);
  if (rc == CORIO_OK)
    rc = corio_task_group_spawn(g, NULL, add_one, (void *)20, NULL);
  rc = corio_task_group_wait(g, rc);
  if (rc != CORIO_OK) goto out;
  corio_task_group_free(g);
  g = NULL;
  TRY(corio_task_group_new(&g));
  rc = corio_task_group_spawn(g, NULL, fail_soon, NULL, NULL);
  if (rc == CORIO_OK)
    rc = corio_task_group_spawn(g, NULL, sleep_long, NULL, NULL);
  rc = corio_task_group_wait(g, rc);
  if (rc != CORIO_EGROUP) goto out;
  if (corio_task_group_error_count(g) != 1) {
    rc = CORIO_EFAILED;
    goto out;
  }
  for (int i = 0; i < 3; i++) {
    corio_task_release(t[i]);
    t[i] = NULL;
  }
  TRY(corio_task_create(&t[0], add_one, (void *)0, NULL));
  TRY(corio_task_create(&t[1], await_arg, t[0], NULL));
  TRY(corio_task_create(&t[2], await_arg, t[0], NULL));
  TRY(corio_gather(t + 1, 2, r, NULL));
  sum += r[0] + r[1]; /* 2 */
  corio_task_release(t[0]);
  t[0] = NULL;
  /* Two done callbacks: two calls scheduled at its end. Static: if a later
   * step fails, the calls may still run after this frame has returned. */
  static int calls;
  calls = 0;
  TRY(corio_task_create(&t[0], add_one, (void *)0, NULL));
  TRY(corio_task_add_done_callback(t[0], count_call, &calls));
  TRY(corio_task_add_done_callback(t[0], count_call, &calls));
  TRY(corio_await(t[0], NULL));
  TRY(corio_sleep(0));
  sum += calls; /* 2 */
  TRY(corio_task_create(&sleeper, sleep_long, NULL, NULL));
  TRY(corio_sleep(0));
  corio_task_cancel(sleeper, "enough");
  rc = corio_await(sleeper, NULL);
  if (rc != CORIO_ECANCELLED) goto out;
  corio_task_release(sleeper);
  TRY(corio_task_create(&sleeper, sleep_long, NULL, NULL));
  rc = corio_wait_for(sleeper, 0.001, NULL);
  if (rc != CORIO_ETIMEDOUT) goto out;
  rc = CORIO_OK;
  *result = sum;
out:
  for (int i = 0; i < 3; i++)
    if (t[i]) corio_task_release(t[i]);
  if (sleeper) corio_task_release(sleeper);
  if (g) corio_task_group_free(g);
  return rc;
}

typedef struct shared {
  corio_lock_t *lock;
  corio_condition_t *cond;
  corio_event_t *event;
  corio_semaphore_t *sem;
  corio_barrier_t *barrier;
  int ready, total;
} shared_t;

static int worker(void *arg, intptr_t *result) {
  shared_t *s = arg;
  (void)result;
  int rc;
  TRY(corio_event_wait(s->event));
  TRY(corio_semaphore_acquire(s->sem));
  TRY(corio_lock_acquire(s->lock));
  s->total++;
  corio_lock_release(s->lock);
  corio_semaphore_release(s->sem);
  TRY(corio_condition_acquire(s->cond));
  s->ready++;
  rc = corio_condition_notify_all(s->cond);
  corio_condition_release(s->cond);
  if (rc != CORIO_OK) goto out;
  TRY(corio_barrier_wait(s->barrier, NULL));
out:
  return rc;
}

/* Sync: an event starts three workers, a semaphore and a lock count them,
 * a condition tells main they are ready, a barrier ends them together. */
static int sync_prims(void *arg, intptr_t *result) {
  (void)arg;
  shared_t s;
  memset(&s, 0, sizeof s);
  corio_task_t *t[3] = {NULL, NULL, NULL};
  int rc;
  TRY(corio_lock_new(&s.lock));
  TRY(corio_condition_new(&s.cond, NULL));
  TRY(corio_event_new(&s.event));
  TRY(corio_semaphore_new(&s.sem, 2));
  TRY(corio_barrier_new(&s.barrier, 4));
  for (int i = 0; i < 3; i++) TRY(corio_task_create(&t[i], worker, &s, NULL));
  corio_event_set(s.event);
  TRY(corio_condition_acquire(s.cond));
  while (rc == CORIO_OK && s.ready < 3) rc = corio_condition_wait(s.cond);
  corio_condition_release(s.cond);
  if (rc != CORIO_OK) goto out;
  TRY(corio_barrier_wait(s.barrier, NULL));
  TRY(corio_gather(t, 3, NULL, NULL));
  *result = s.total;
out:
  if (rc != CORIO_OK && s.barrier) corio_barrier_abort(s.barrier);
  for (int i = 0; i < 3; i++)
    if (t[i]) {
      corio_task_cancel(t[i], NULL);
      corio_await(t[i], NULL);
      corio_task_release(t[i]);
    }
  if (s.barrier) corio_barrier_free(s.barrier);
  if (s.sem) corio_semaphore_free(s.sem);
  if (s.event) corio_event_free(s.event);
  if (s.cond) corio_condition_free(s.cond);
  if (s.lock) corio_lock_free(s.lock);
  return rc;
}

static int producer(void *arg, intptr_t *result) {
  corio_queue_t *q = arg;
  (void)result;
  for (intptr_t i = 1; i <= 10; i++) {
    int rc = corio_queue_put(q, (void *)i);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static int consumer(void *arg, intptr_t *result) {
  corio_queue_t *q = arg;
  *result = 0;
  for (;;) {
    void *item;
    int rc = corio_queue_get(q, &item);
    if (rc == CORIO_ECLOSED) return CORIO_OK;
    if (rc != CORIO_OK) return rc;
    *result += (intptr_t)item;
    corio_queue_task_done(q);
  }
}

/* Queues: a producer, two consumers on a bounded queue, join, shutdown. */
static int queues(void *arg, intptr_t *result) {
  (void)arg;
  corio_queue_t *q = NULL;
  corio_task_t *t[3] = {NULL, NULL, NULL};
  intptr_t r[3] = {0, 0, 0};
  int rc;
  TRY(corio_queue_new(&q, CORIO_QUEUE_FIFO, 2, NULL));
  TRY(corio_task_create(&t[0], producer, q, NULL));
  TRY(corio_task_create(&t[1], consumer, q, NULL));
  TRY(corio_task_create(&t[2], consumer, q, NULL));
  TRY(corio_await(t[0], NULL));
  TRY(corio_queue_join(q));
  corio_queue_shutdown(q, false, NULL);
  TRY(corio_gather(t, 3, r, NULL));
  *result = r[1] + r[2]; /* 55 */
out:
  if (q) corio_queue_shutdown(q, true, NULL);
  for (int i = 0; i < 3; i++)
    if (t[i]) {
      corio_task_cancel(t[i], NULL);
      corio_await(t[i], NULL);
      corio_task_release(t[i]);
    }
  if (q) corio_queue_free(q, NULL);
  return rc;
}

/* A server's side: an echo of one line, or an HTTP answer with a chunked
 * body to a request. */
static int serve(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  char *line = NULL;
  size_t len;
  int rc = corio_readline(r, &line, &len);
  if (rc != CORIO_OK) return rc;
  if (strncmp(line, "GET ", 4) == 0) {
    while (rc == CORIO_OK && len > 2) { /* the rest of the head */
      free(line);
      line = NULL;
      rc = corio_readline(r, &line, &len);
    }
    static const char answer[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    if (rc == CORIO_OK) rc = corio_write(w, answer, sizeof answer - 1);
  } else {
    rc = corio_write(w, line, len);
  }
  free(line);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* Streams: an echo over a loopback connection, then corio_fetch of a
 * chunked body from the same server. */
static int streams(void *arg, intptr_t *result) {
  (void)arg;
  corio_server_t *srv = NULL;
  corio_reader_t *r = NULL;
  corio_writer_t *w = NULL;
  corio_response_t *resp = NULL;
  char *line = NULL, *body = NULL;
  size_t len = 0, blen = 0;
  int rc;
  TRY(corio_start_server(&srv, "127.0.0.1", 0, serve, NULL));
  int port = corio_server_port(srv);
  TRY(corio_open_connection("127.0.0.1", port, NULL, &r, &w));
  TRY(corio_write(w, "ping\n", 5));
  TRY(corio_drain(w));
  TRY(corio_readline(r, &line, &len));
  if (len == 0) { /* the server's handler failed: EOF */
    rc = CORIO_EINCOMPLETE;
    goto out;
  }
  corio_writer_close(w);
  TRY(corio_writer_wait_closed(w));
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
  TRY(corio_fetch(url, NULL, &resp));
  TRY(corio_read_all(corio_response_body(resp), 0, &body, &blen));
  *result = (intptr_t)len * 100 + (intptr_t)blen; /* 511 */
  if (len != 5 || strcmp(line, "ping\n") != 0 ||
      strcmp(body, "hello world") != 0)
    *result = -1;
out:
  free(line);
  free(body);
  corio_response_free(resp);
  if (r) corio_reader_free(r);
  if (w) corio_writer_free(w);
  if (srv) {
    corio_server_close(srv);
    corio_server_wait_closed(srv);
    corio_server_free(srv);
  }
  return rc;
}

/* GET /r redirects to /ok; anything else is 204. */
static int answer_204(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  char *line = NULL;
  size_t len = 3;
  bool redirect = false;
  int rc = CORIO_OK;
  for (bool first = true; rc == CORIO_OK && len > 2; first = false) {
    free(line);
    line = NULL;
    rc = corio_readline(r, &line, &len);
    if (rc == CORIO_OK && first) redirect = strncmp(line, "GET /r ", 7) == 0;
  }
  free(line);
  static const char answer[] = "HTTP/1.1 204 No Content\r\n\r\n";
  static const char moved[] =
      "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n";
  if (rc == CORIO_OK)
    rc = redirect ? corio_write(w, moved, sizeof moved - 1)
                  : corio_write(w, answer, sizeof answer - 1);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* The checker: a loopback server (one URL of it redirected), a refused
 * port and an invalid URL, concurrently, redirects followed, one check at
 * a time per origin. Each result is its expected one or, where an
 * allocation failed, an error (the run goes on). */
static int checker(void *arg, intptr_t *result) {
  (void)arg;
  corio_server_t *srv = NULL;
  checker_result_t *res = NULL;
  int rc;
  TRY(corio_start_server(&srv, "127.0.0.1", 0, answer_204, NULL));
  char ok[64], moved[64];
  snprintf(ok, sizeof ok, "http://127.0.0.1:%d/", corio_server_port(srv));
  snprintf(moved, sizeof moved, "%sr", ok);
  const char *urls[] = {ok, "http://127.0.0.1:1/", "http://[127.0.0.1]/",
                        moved};
  checker_opts_t opts = {
      .concurrency = 3, .timeout = 5, .follow = true, .per_origin = 1};
  TRY(checker_run(urls, 4, &opts, &res));
  int want_status[] = {204, 0, 0, 204};
  int want_error[] = {CORIO_OK, CORIO_ECONNREFUSED, CORIO_EINVAL, CORIO_OK};
  *result = 0;
  for (int i = 0; i < 4; i++) {
    bool expected =
        res[i].status == want_status[i] && res[i].error == want_error[i];
    bool failed = res[i].error != CORIO_OK && res[i].status == 0 &&
                  res[i].message[0] != '\0';
    if (expected)
      *result += 1;
    else if (!failed || !injected) /* only a failure may change a result */
      *result = -100;
  }
  if (res[3].error == CORIO_OK &&
      (res[3].nhops != 2 || res[3].hops[0].status != 302))
    *result = -100; /* the chain of the redirect */
  if (*result != 4) *result = injected && *result >= 0 ? 4 : -1;
out:
  if (res) checker_results_free(res, 4);
  if (srv) {
    corio_server_close(srv);
    corio_server_wait_closed(srv);
    corio_server_free(srv);
  }
  return rc;
}

typedef struct scenario {
  const char *name;
  corio_fn fn;
  intptr_t want;
} scenario_t;

static const scenario_t scenarios[] = {
    {"tasks", tasks, 10},      {"sync", sync_prims, 3}, {"queues", queues, 55},
    {"streams", streams, 511}, {"checker", checker, 4},
};

/* ---- runs and sweeps ---------------------------------------------------- */

/* One run with allocation n failing: its status as the header says. */
static int run_once(const scenario_t *s, long n) {
  fail_at = n;
  loop_thread = pthread_self();
  intptr_t result = 0;
  armed = true;
  int rc = corio_run(s->fn, NULL, &result);
  armed = false;
  if (rc == CORIO_OK && result != s->want) {
    fprintf(stderr, "%s, allocation %ld: result %ld, want %ld\n", s->name, n,
            (long)result, (long)s->want);
    return 3;
  }
  if (rc != CORIO_OK && !injected) {
    fprintf(stderr, "%s, allocation %ld: %s without a failure\n", s->name, n,
            corio_err_name(rc));
    return 4;
  }
  printf("%s %ld: %s after %ld allocations%s\n", s->name, n, corio_err_name(rc),
         count, injected ? "" : " (none failed)");
  return injected ? 0 : 10;
}

static int sweep(const scenario_t *s, long from, long to, long step) {
  long bad = 0, n = from, last = from;
  if (step < 1) step = 1;
  for (; to == 0 || n <= to; last = n, n += step) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      alarm(20);            /* a hang is a failure too */
      exit(run_once(s, n)); /* exit, so that LeakSanitizer looks */
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) {
      perror("waitpid");
      return 1;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 10) break;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) continue;
    bad++;
    if (WIFSIGNALED(st))
      printf("UNCLEAN %s %ld: killed by signal %d (%s)\n", s->name, n,
             WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
      printf("UNCLEAN %s %ld: exit status %d\n", s->name, n, WEXITSTATUS(st));
    if (bad >= 20) break;
  }
  printf("%s: swept allocations %ld..%ld%s, %ld unclean\n", s->name, from, last,
         step > 1 ? " (a sample)" : "", bad);
  return bad ? 1 : 0;
}

int main(int argc, char **argv) {
  const scenario_t *s = NULL;
  for (size_t i = 0; argc >= 3 && i < sizeof scenarios / sizeof *scenarios; i++)
    if (strcmp(argv[1], scenarios[i].name) == 0) s = &scenarios[i];
  if (s == NULL) {
    fprintf(stderr, "usage: alloc_fail tasks|sync|queues|streams|checker "
                    "N | sweep [FROM [TO [STEP]]]\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  fail_on = getenv("ALLOC_FAIL_ON") != NULL;
  if (strcmp(argv[2], "sweep") == 0)
    return sweep(s, argc > 3 ? atol(argv[3]) : 1, argc > 4 ? atol(argv[4]) : 0,
                 argc > 5 ? atol(argv[5]) : 1);
  int st = run_once(s, atol(argv[2]));
  return st == 10 ? 0 : st;
}
