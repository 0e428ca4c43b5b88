/*
 * hash_work.h — the CPU-bound work of the guide's section 14 lesson, shared
 * by examples/to_thread.c and the page's demo_hash_on_loop and
 * demo_hash_to_thread (web_demo.c): an FNV-1a hash over a generated buffer.
 * Plain C with no corio call but corio_fail, so it may run on any thread.
 * Header-only, so each example stays one .c file to build.
 */
#ifndef HASH_WORK_H
#define HASH_WORK_H

#include <stdint.h>
#include <stdlib.h>

#include "corio.h"

typedef struct hash_work {
  size_t bytes;  /* how much to hash */
  uint64_t hash; /* the result */
} hash_work_t;

/* A corio_thread_fn: hashes arg's bytes 1 MB at a time into its hash. */
static int hash_buffer(void *arg, intptr_t *result) {
  hash_work_t *w = arg;
  static const size_t chunk = 1 << 20;
  unsigned char *buf = malloc(chunk);
  if (buf == NULL) return corio_fail(CORIO_ENOMEM, "no memory for the buffer");
  uint64_t h = 1469598103934665603ull;
  for (size_t done = 0; done < w->bytes; done += chunk) {
    for (size_t i = 0; i < chunk; i++) buf[i] = (unsigned char)(done + i * 7);
    for (size_t i = 0; i < chunk; i++) h = (h ^ buf[i]) * 1099511628211ull;
  }
  free(buf);
  w->hash = h;
  *result = 0;
  return CORIO_OK;
}

#endif
