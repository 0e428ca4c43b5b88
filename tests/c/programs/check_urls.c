/*
 * check_urls.c — the C checker (checker/) run natively on the URLs of its
 * command line, all at once, for the tests that compare carriers
 * (tests/node/hostile.test.mjs): one JSON line per URL as its result
 * arrives, {"index", "status", "error", "ms"}, error being the status name
 * (CORIO_E...) or null.
 *
 *   check_urls TIMEOUT URL...
 */
#include <stdio.h>
#include <stdlib.h>

#include "checker.h"

typedef struct args {
  double timeout;
  const char *const *urls;
  size_t n;
} args_t;

static void print_result(const checker_result_t *r, void *data) {
  (void)data;
  printf("{\"index\":%zu,\"status\":%d,\"error\":", r->index, r->status);
  if (r->error == CORIO_OK)
    printf("null");
  else
    printf("\"%s\"", corio_err_name(r->error));
  printf(",\"ms\":%.1f}\n", (r->ended - r->started) * 1000);
  fflush(stdout);
}

static int check_all(void *arg, intptr_t *result) {
  (void)result;
  args_t *a = arg;
  checker_opts_t opts = {
      .concurrency = a->n, .timeout = a->timeout, .on_result = print_result};
  checker_result_t *out = NULL;
  int rc = checker_run(a->urls, a->n, &opts, &out);
  if (out) checker_results_free(out, a->n);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: check_urls TIMEOUT URL...\n");
    return 2;
  }
  args_t a = {atof(argv[1]), (const char *const *)argv + 2, (size_t)argc - 2};
  int rc = corio_run(check_all, &a, NULL);
  if (rc != CORIO_OK) fprintf(stderr, "check_urls: %s\n", corio_err_name(rc));
  return rc == CORIO_OK ? 0 : 1;
}
