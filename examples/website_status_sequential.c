/*
 * website_status_sequential.c — the guide's section 21.6 (checking HTTP
 * status sequentially) in C: get_status() (get_status.h, the guide's
 * 21.1-21.5) for each URL of a list, one after the other, printing the URL
 * and the status line. There is no internet here, so the list is a local
 * site this program serves itself (local_site.h), plus a port where nothing
 * listens: where the guide's program would stop with an exception, this
 * one prints the error and goes on. Builds natively and for wasm (Node's
 * net); its output is checked against website_status_sequential.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"
#include "get_status.h"
#include "local_site.h"

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  local_site_t site;
  int rc = local_site_start(&site);
  if (rc != CORIO_OK) return rc;
  /* for url in sites: status = await get_status(url); print(url, status) */
  for (size_t i = 0; i < LOCAL_NURLS && rc != CORIO_ECANCELLED; i++) {
    char *status;
    rc = get_status(site.list[i], &status);
    if (rc == CORIO_OK)
      printf("%-32s:\t%s\n", site.labels[i], status);
    else
      printf("%-32s:\terror: %s\n", site.labels[i], corio_strerror(rc));
    free(status);
  }
  int stopped = local_site_stop(&site);
  return rc == CORIO_ECANCELLED ? rc : stopped;
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
