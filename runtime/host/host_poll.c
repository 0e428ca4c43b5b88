/*
 * host_poll.c — the native host backend: CLOCK_MONOTONIC for time, and
 * poll() to sleep until the next timer when the loop is idle. Streams will
 * register their descriptors here; until then poll only sleeps.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "backend.h"
#include "corio.h"

double corio__host_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void corio__host_wait(double timeout) {
  if (timeout == 0) return; /* nothing to poll yet: ready work waits */
  int ms = -1;
  if (timeout > 0) {
    double rounded = timeout * 1000.0 + 0.999; /* never wake early */
    ms = rounded > 2147483647.0 ? 2147483647 : (int)rounded;
  }
  while (poll(NULL, 0, ms) < 0 && errno == EINTR) {
  }
}

size_t corio__host_pending(void) { return 0; }

void corio__host_loop_opened(void) {}

void corio__host_loop_closed(void) {}

const char *corio__host_backend_name(void) { return "poll"; }

int corio_js_await(const char *name, const char *arg, char **out) {
  (void)name;
  (void)arg;
  if (out) *out = NULL;
  return corio_fail(CORIO_ENOTSUP,
                    "corio_js_await needs a WebAssembly build (no JS here)");
}
