/*
 * threads_none.c — the threads backend of a build without threads (the
 * single-threaded wasm runtime, for pages that are not cross-origin
 * isolated): every way to start work on another thread fails with
 * CORIO_ENOTSUP and a message saying why, so nothing silently runs on the
 * loop's thread instead. The waker is the host's (host_js.c).
 */
#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "corio.h"

#define WHY                                                                    \
  "this build of corio has no threads (the single-threaded runtime): "         \
  "load the threaded one (in Node, or in a page that is cross-origin "         \
  "isolated: served with Cross-Origin-Opener-Policy: same-origin and "         \
  "Cross-Origin-Embedder-Policy: require-corp or credentialless)"

size_t corio__pool_default_workers(void) { return 0; }

int corio__pool_new(corio__pool_t **out, size_t max_workers) {
  (void)max_workers;
  *out = NULL;
  return corio_fail(CORIO_ENOTSUP, "%s", WHY);
}

/* Unreachable: no pool is ever made. */
int corio__pool_submit(corio__pool_t *p, corio__work_t *w) {
  (void)p;
  (void)w;
  return CORIO_ENOTSUP;
}

bool corio__pool_take_back(corio__pool_t *p, corio__work_t *w) {
  (void)p;
  (void)w;
  return false;
}

corio__work_t *corio__pool_close(corio__pool_t *p, bool take_queued) {
  (void)p;
  (void)take_queued;
  return NULL;
}

size_t corio__pool_workers(const corio__pool_t *p) {
  (void)p;
  return 0;
}

size_t corio__pool_leaving(void) { return 0; }

int corio__latch_new(corio__latch_t **out) {
  *out = NULL;
  return CORIO_ENOTSUP;
}

void corio__latch_set(corio__latch_t *l) { (void)l; }

int corio__latch_wait(corio__latch_t *l, double timeout) {
  (void)l;
  (void)timeout;
  return CORIO_ENOTSUP;
}

void corio__latch_free(corio__latch_t *l) { (void)l; }
