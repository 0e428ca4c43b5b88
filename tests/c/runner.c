/*
 * runner.c — lists and runs the registered C tests; the same program runs
 * natively and as wasm.
 *   corio-tests --list     one test name per line
 *   corio-tests NAME...    runs those tests
 *   corio-tests            runs every test
 *   --fixture=URL          (before the names) the fixture server's base URL;
 *   --fixture-banner=URL   its raw port that speaks first, and
 *   --fixture-refused=URL  a port nobody listens on
 * Each test prints "ok NAME" or "not ok NAME" with its failures; the run ends
 * with "N passed, N failed" and exits 0 only if none failed.
 * It ends with exit(), not a return from main: under Asyncify, Emscripten
 * 3.1.6 reports main as returned (status 0) at its first suspension and
 * drops the real return value; exit() reports the real status (onExit).
 */
#include <stdarg.h>
#include <stdlib.h>

#include "test.h"

#define MAX_TESTS 1024

static struct {
  const char *name;
  test_fn fn;
  const char *file;
} tests[MAX_TESTS];
static size_t ntests;
static int current_failures;

void test_register(const char *name, test_fn fn, const char *file) {
  if (ntests == MAX_TESTS) {
    fprintf(stderr, "runner: more than %d tests\n", MAX_TESTS);
    exit(2);
  }
  tests[ntests].name = name;
  tests[ntests].fn = fn;
  tests[ntests].file = file;
  ntests++;
}

void test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  current_failures++;
  printf("  FAIL %s:%d: ", file, line);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

static char log_buf[8192];
static size_t log_len;

void test_log(const char *fmt, ...) {
  va_list ap;
  if (log_len > 0 && log_len < sizeof log_buf - 1) log_buf[log_len++] = ' ';
  va_start(ap, fmt);
  int n = vsnprintf(log_buf + log_len, sizeof log_buf - log_len, fmt, ap);
  va_end(ap);
  if (n > 0) log_len += (size_t)n;
  if (log_len >= sizeof log_buf) log_len = sizeof log_buf - 1;
}

const char *test_log_text(void) { return log_buf; }

void test_log_reset(void) {
  log_len = 0;
  log_buf[0] = '\0';
}

void test_settle(void) {
  for (int i = 0; i < 5; i++) corio_sleep(0);
}

intptr_t test_run(corio_fn fn, void *arg, int expected_status) {
  intptr_t result = 0;
  int rc = corio_run(fn, arg, &result);
  CHECK_INT(rc, expected_status);
  return result;
}

corio_outcome_t test_run_ex(corio_fn fn, void *arg, int expected_status) {
  corio_outcome_t out;
  memset(&out, 0x55, sizeof out);
  int rc = corio_run_ex(fn, arg, NULL, &out);
  CHECK_INT(rc, expected_status);
  CHECK_INT(out.code, expected_status);
  return out;
}

corio_task_t *test_start(corio_fn fn, void *arg) {
  corio_task_t *t = NULL;
  CHECK_INT(corio_task_create(&t, fn, arg, NULL), CORIO_OK);
  return t;
}

int test_await_new(corio_fn fn, void *arg, intptr_t *result) {
  corio_task_t *t;
  int rc = corio_task_create(&t, fn, arg, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_await(t, result);
  corio_task_release(t);
  return rc;
}

int test_task_log_arg(void *arg, intptr_t *result) {
  (void)result;
  test_log("%s", (const char *)arg);
  return CORIO_OK;
}

int test_task_sleep_long(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_sleep(10);
}

int test_task_await_arg(void *arg, intptr_t *result) {
  return corio_await(arg, result);
}

static int run_one(size_t i) {
  current_failures = 0;
  test_log_reset();
  tests[i].fn();
  printf("%s %s\n", current_failures ? "not ok" : "ok", tests[i].name);
  fflush(stdout);
  return current_failures == 0;
}

static int find(const char *name) {
  for (size_t i = 0; i < ntests; i++)
    if (strcmp(tests[i].name, name) == 0) return (int)i;
  return -1;
}

static const char *fixture_base, *fixture_banner, *fixture_refused;

const char *test_fixture_base(void) { return fixture_base; }

const char *test_fixture_url(const char *path) {
  static char url[512];
  if (fixture_base == NULL) {
    test_fail(__FILE__, __LINE__,
              "no fixture server: run this test through "
              "tests/node/c_suite.test.mjs, or pass --fixture=URL");
    return "http://127.0.0.1:9/no-fixture-server";
  }
  snprintf(url, sizeof url, "%s%s", fixture_base, path);
  return url;
}

const char *test_fixture_special(const char *which) {
  const char *url = strcmp(which, "banner") == 0    ? fixture_banner
                    : strcmp(which, "refused") == 0 ? fixture_refused
                                                    : NULL;
  if (url == NULL) {
    test_fail(__FILE__, __LINE__, "no fixture URL \"%s\" (see runner.c)",
              which);
    return "http://127.0.0.1:9/";
  }
  return url;
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (; argc > 1 && strncmp(argv[1], "--fixture", 9) == 0; argv++, argc--) {
    const char *opt = argv[1];
    if (strncmp(opt, "--fixture=", 10) == 0) fixture_base = opt + 10;
    if (strncmp(opt, "--fixture-banner=", 17) == 0) fixture_banner = opt + 17;
    if (strncmp(opt, "--fixture-refused=", 18) == 0) fixture_refused = opt + 18;
  }
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < ntests; i++) printf("%s\n", tests[i].name);
    fflush(stdout);
    exit(0);
  }
  if (argc == 1) {
    for (size_t i = 0; i < ntests; i++) run_one(i) ? passed++ : failed++;
  } else {
    for (int a = 1; a < argc; a++) {
      int i = find(argv[a]);
      if (i < 0) {
        printf("not ok %s (no such test)\n", argv[a]);
        failed++;
        continue;
      }
      run_one((size_t)i) ? passed++ : failed++;
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  exit(failed ? 1 : 0);
}
