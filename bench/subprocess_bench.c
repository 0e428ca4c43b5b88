/*
 * subprocess_bench.c — the C side of the subprocess benchmarks: runs one
 * workload once and prints one JSON line. The same source builds natively
 * (impl "corio-native") and to wasm ("corio-wasm", children started through
 * Node's child_process); natively it is also the posix_spawn floor.
 *   subprocess_bench subprocess N           start /bin/true and await its
 *                                           exit, N times one after another
 *   subprocess_bench subprocess_parallel N  start N children of
 *                                           "sleep 0.2" at once, gather them
 *   subprocess_bench floor WORKLOAD N       the same with posix_spawn and
 *                                           waitpid, no corio (native only:
 *                                           impl "posix-spawn")
 * The sequential workload warms up with WARMUP untimed children first.
 * bench/subprocess.mjs runs it beside Python's asyncio
 * (subprocess_bench.py) and Node's child_process (subprocess_node.mjs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

#ifdef __EMSCRIPTEN__
#define BENCH_IMPL "corio-wasm"
#else
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define BENCH_IMPL "corio-native"
extern char **environ;
#endif

/* Untimed children before the sequential workload's timed ones. */
#define WARMUP 20

static const char *const TRUE_ARGV[] = {"/bin/true", NULL};
static const char *const SLEEP_ARGV[] = {"sleep", "0.2", NULL};

typedef struct bench_args {
  const char *workload;
  long n;
  double seconds; /* the timed part */
} bench_args_t;

/* Starts argv and awaits its exit; a nonzero exit is an error. */
static int run_child(const char *const *argv) {
  corio_process_t *p;
  int rc = corio_subprocess_exec(&p, argv, NULL);
  if (rc != CORIO_OK) return rc;
  int code = 0;
  rc = corio_process_wait(p, &code);
  corio_process_free(p);
  if (rc == CORIO_OK && code != 0) return CORIO_EIO;
  return rc;
}

static int sequential(long n) {
  for (long i = 0; i < n; i++) {
    int rc = run_child(TRUE_ARGV);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static int sleeper(void *arg, intptr_t *result) {
  (void)arg, (void)result;
  return run_child(SLEEP_ARGV);
}

static int bench_main(void *arg, intptr_t *result) {
  (void)result;
  bench_args_t *a = arg;
  if (strcmp(a->workload, "subprocess") == 0) {
    int rc = sequential(WARMUP);
    if (rc != CORIO_OK) return rc;
    double t0 = corio_time();
    rc = sequential(a->n);
    a->seconds = corio_time() - t0;
    return rc;
  }
  void **args = calloc((size_t)a->n, sizeof *args);
  if (!args) return CORIO_ENOMEM;
  double t0 = corio_time();
  int rc = corio_gather_each(sleeper, args, (size_t)a->n, NULL, NULL);
  a->seconds = corio_time() - t0;
  free(args);
  return rc;
}

#ifndef __EMSCRIPTEN__
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The floor: posix_spawn + waitpid, no event loop. Returns 0 or errno. */
static int floor_run(const char *workload, long n, double *seconds) {
  const char *const *argv =
      strcmp(workload, "subprocess") == 0 ? TRUE_ARGV : SLEEP_ARGV;
  pid_t *pids = calloc((size_t)n, sizeof *pids);
  if (!pids) return 12;
  long warm = argv == TRUE_ARGV ? WARMUP : 0;
  double t0 = 0;
  int err = 0;
  for (long i = 0; i < warm + n && !err; i++) {
    if (i == warm) t0 = now();
    pid_t *pid = &pids[i < warm ? 0 : i - warm];
    err = posix_spawnp(pid, argv[0], NULL, NULL, (char *const *)argv, environ);
    /* Sequential: wait for each; parallel: start all, then wait. */
    int status;
    if (!err && argv == TRUE_ARGV && waitpid(*pid, &status, 0) < 0) err = 10;
  }
  for (long i = 0; argv != TRUE_ARGV && i < n && !err; i++) {
    int status;
    if (waitpid(pids[i], &status, 0) < 0) err = 10;
  }
  *seconds = now() - t0;
  free(pids);
  return err;
}
#endif

static void print_line(const char *impl, const char *workload, long n,
                       double seconds, const char *error) {
  printf("{\"workload\":\"%s\",\"impl\":\"%s\",\"n\":%ld", workload, impl, n);
  if (error) {
    printf(",\"seconds\":null,\"ns_per_op\":null,\"error\":\"%s\"}\n", error);
    return;
  }
  printf(",\"seconds\":%.6f,\"ns_per_op\":%.1f}\n", seconds,
         seconds * 1e9 / (double)n);
}

static int usage(void) {
  fprintf(stderr, "usage: subprocess_bench [floor] "
                  "subprocess|subprocess_parallel N\n");
  return 2;
}

int main(int argc, char **argv) {
  int floor = argc > 1 && strcmp(argv[1], "floor") == 0;
  if (argc != 3 + floor) exit(usage());
  bench_args_t a = {argv[1 + floor], atol(argv[2 + floor]), 0};
  if (a.n <= 0 || (strcmp(a.workload, "subprocess") != 0 &&
                   strcmp(a.workload, "subprocess_parallel") != 0))
    exit(usage());
  if (floor) {
#ifdef __EMSCRIPTEN__
    print_line("posix-spawn", a.workload, a.n, 0, "native only");
    exit(1);
#else
    int err = floor_run(a.workload, a.n, &a.seconds);
    print_line("posix-spawn", a.workload, a.n, a.seconds,
               err ? strerror(err) : NULL);
    exit(err ? 1 : 0);
#endif
  }
  corio_outcome_t out;
  int rc = corio_run_ex(bench_main, &a, NULL, &out);
  char msg[256];
  if (rc != CORIO_OK)
    snprintf(msg, sizeof msg, "%s: %s", corio_err_name(rc), out.message);
  print_line(BENCH_IMPL, a.workload, a.n, a.seconds,
             rc == CORIO_OK ? NULL : msg);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
