/*
 * fuzz.h — what the libFuzzer harnesses of tests/fuzz/ share: a failed
 * invariant (FUZZ_CHECK) prints what broke and aborts, which libFuzzer
 * reports as a crash with the input that caused it; and the ways an input
 * is cut into reads (splits), so that each harness can check that feeding
 * a parser piecewise gives what feeding it the whole input gives.
 */
#ifndef CORIO_TESTS_FUZZ_H
#define CORIO_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                  \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__,     \
              #cond);                                                          \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* A way to cut an input into reads: every read `fixed` bytes, or, with
 * fixed 0, sizes 1..16 drawn from a generator seeded by `seed` (so the
 * same input is always cut the same way). */
typedef struct fuzz_split {
  size_t fixed;
  uint32_t state;
} fuzz_split_t;

static inline fuzz_split_t fuzz_split(size_t fixed, const uint8_t *data,
                                      size_t size) {
  uint32_t h = 2166136261u; /* FNV-1a of the input */
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
  fuzz_split_t s = {fixed, h | 1};
  return s;
}

/* The size of the next read (at least 1, at most left). */
static inline size_t fuzz_next(fuzz_split_t *s, size_t left) {
  size_t k = s->fixed;
  if (k == 0) {
    s->state ^= s->state << 13; /* xorshift32 */
    s->state ^= s->state >> 17;
    s->state ^= s->state << 5;
    k = 1 + s->state % 16;
  }
  return k < left ? k : left;
}

/* The cuts every harness tries: whole, byte by byte, 7 at a time, and
 * random sizes. fixed SIZE_MAX: the whole input in one read. */
static const size_t fuzz_cuts[] = {SIZE_MAX, 1, 7, 0};
#define FUZZ_NCUTS (sizeof fuzz_cuts / sizeof *fuzz_cuts)

#endif
