/*
 * website_status_concurrent.c — the guide's section 21.7 (checking website
 * status concurrently) in C: get_status() (get_status.h) for every URL at
 * once. First as the guide does it, gather over the list (results in list
 * order; with codes, one URL's error does not stop the others); then with
 * as_completed (results as they arrive: the local site's pages answer
 * after different delays, so the order is the same every run); last with
 * the project's checker (checker/checker.h), which adds a concurrency
 * limit and a time limit per URL. The URLs are a local site this program
 * serves itself (local_site.h). Builds natively and for wasm (Node's net);
 * its output is checked against website_status_concurrent.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "checker.h"
#include "corio.h"
#include "get_status.h"
#include "local_site.h"

/* get_status() as a coroutine: the result is the status line (malloc'd,
 * freed by whoever takes the result). */
static int get_status_coro(void *arg, intptr_t *result) {
  char *status;
  int rc = get_status(arg, &status);
  if (rc == CORIO_OK) *result = (intptr_t)status;
  return rc;
}

static void print_outcome(const char *label, int code, intptr_t result) {
  if (code == CORIO_OK)
    printf("%-32s:\t%s\n", label, (const char *)result);
  else
    printf("%-32s:\terror: %s\n", label, corio_strerror(code));
}

/* results = await gather(*[get_status(url) for url in sites]) */
static int with_gather(const local_site_t *site) {
  intptr_t results[LOCAL_NURLS] = {0};
  int codes[LOCAL_NURLS];
  int rc = corio_gather_each(get_status_coro, (void *const *)site->list,
                             LOCAL_NURLS, results, codes);
  for (size_t i = 0; i < LOCAL_NURLS && rc == CORIO_OK; i++)
    print_outcome(site->labels[i], codes[i], results[i]);
  for (size_t i = 0; i < LOCAL_NURLS && rc == CORIO_OK; i++)
    if (codes[i] == CORIO_OK) free((char *)results[i]);
  return rc;
}

/* for task in as_completed(tasks): print(url, await task) */
static int with_as_completed(const local_site_t *site) {
  corio_task_t *tasks[LOCAL_NURLS];
  size_t made = 0;
  int rc = CORIO_OK;
  for (; made < LOCAL_NURLS && rc == CORIO_OK; made++)
    rc = corio_task_create(&tasks[made], get_status_coro,
                           (void *)site->list[made], NULL);
  if (rc != CORIO_OK) made--; /* the last create failed */
  corio_as_completed_t *it = NULL;
  if (rc == CORIO_OK)
    rc = corio_as_completed_new(&it, tasks, made, CORIO_FOREVER);
  corio_task_t *done;
  while (rc == CORIO_OK &&
         (rc = corio_as_completed_next(it, &done)) == CORIO_OK) {
    size_t i = 0;
    while (tasks[i] != done) i++;
    intptr_t status = 0;
    print_outcome(site->labels[i], corio_task_result(done, &status), status);
  }
  if (rc == CORIO_END) rc = CORIO_OK;
  corio_as_completed_free(it);
  if (rc != CORIO_OK && made > 0) { /* cancelled: stop the rest, wait */
    int codes[LOCAL_NURLS];
    for (size_t i = 0; i < made; i++) corio_task_cancel(tasks[i], NULL);
    corio_gather(tasks, made, NULL, codes);
  }
  for (size_t i = 0; i < made; i++) {
    intptr_t status;
    if (corio_task_result(tasks[i], &status) == CORIO_OK) free((char *)status);
    corio_task_release(tasks[i]);
  }
  return rc;
}

/* The checker: at most 3 URLs at once, 0.5 s each (so /slow times out). */
static int with_checker(const local_site_t *site) {
  checker_opts_t opts = {.concurrency = 3, .timeout = 0.5};
  checker_result_t *results;
  int rc = checker_run(site->list, LOCAL_NURLS, &opts, &results);
  if (results == NULL) return rc;
  for (size_t i = 0; i < LOCAL_NURLS; i++) {
    const checker_result_t *r = &results[i];
    if (r->error == CORIO_OK)
      printf("%-32s:\t%d %s\n", site->labels[i], r->status, r->reason);
    else
      printf("%-32s:\terror: %s\n", site->labels[i], corio_strerror(r->error));
  }
  checker_results_free(results, LOCAL_NURLS);
  return rc;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  local_site_t site;
  int rc = local_site_start(&site);
  if (rc != CORIO_OK) return rc;
  printf("gather, in list order:\n");
  rc = with_gather(&site);
  if (rc == CORIO_OK) {
    printf("as_completed, in completion order:\n");
    rc = with_as_completed(&site);
  }
  if (rc == CORIO_OK) {
    printf("checker_run, 3 at once, 0.5 s per URL:\n");
    rc = with_checker(&site);
  }
  int stopped = local_site_stop(&site);
  return rc != CORIO_OK ? rc : stopped;
}

int main(void) {
  corio_outcome_t out;
  int rc = corio_run_ex(main_coroutine, NULL, NULL, &out);
  if (rc != CORIO_OK)
    printf("failed: %s: %s\n", corio_err_name(rc), out.message);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
