/*
 * fiber_emscripten.c — the wasm fiber backend: Emscripten fibers (Asyncify
 * unwinds the leaving context into its buffer and rewinds the entering one).
 * Each fiber owns one block: [Asyncify buffer][canary][C stack]. The C
 * stack grows down towards the canary and the Asyncify buffer (which
 * Binaryen does not bounds-check) grows up towards it. The swap sets the
 * stack limits, so a build with -sSTACK_OVERFLOW_CHECK=2 stops a C-stack
 * overflow before it writes; the overflow left is the Asyncify buffer's,
 * which reaches the canary's lower word first: that is the word the core
 * checks at every switch, before anything outside the fiber is hit.
 */
#include <emscripten/fiber.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "corio.h"

#define CANARY_BYTES 16 /* kept below the stack limit, 16-byte aligned */
#define MAIN_ASYNCIFY_SIZE (64 * 1024)

struct corio__fiber {
  emscripten_fiber_t ctx;
  char *block;       /* [asyncify][canary][stack], 16-byte aligned */
  char *canary;      /* CANARY_BYTES, just below the stack */
  char *stack;       /* lowest address of the usable C stack */
  size_t stack_size; /* usable bytes */
  char *asyncify;
  size_t asyncify_size;
  bool pinned;  /* corio__fiber_pin; every stack here stays put anyway */
  bool movable; /* made by corio__fiber_new_shared: pin says no */
};

/* Defaults: 100,000 parked tasks must fit in wasm32's memory. */
#define DEFAULT_STACK_SIZE (16 * 1024)
#define DEFAULT_ASYNCIFY_SIZE (4 * 1024)

const char *corio__fiber_backend_name(void) { return "emscripten-fiber"; }

static corio__fiber_t *main_fiber;

corio__fiber_t *corio__fiber_main(void) {
  if (main_fiber) return main_fiber;
  corio__fiber_t *f = calloc(1, sizeof *f);
  if (f == NULL) return NULL;
  f->asyncify = malloc(MAIN_ASYNCIFY_SIZE);
  if (f->asyncify == NULL) {
    free(f);
    return NULL;
  }
  f->asyncify_size = MAIN_ASYNCIFY_SIZE;
  emscripten_fiber_init_from_current_context(&f->ctx, f->asyncify,
                                             f->asyncify_size);
  main_fiber = f;
  return f;
}

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

int corio__fiber_new(corio__fiber_t **out, size_t stack_size,
                     size_t asyncify_size) {
  *out = NULL;
  if (stack_size == 0) stack_size = DEFAULT_STACK_SIZE;
  if (asyncify_size == 0) asyncify_size = DEFAULT_ASYNCIFY_SIZE;
  if (stack_size < 1024 || asyncify_size < 256) return CORIO_EINVAL;
  /* Sizes this large cannot be had; rounding and adding them would wrap. */
  if (stack_size > SIZE_MAX / 4 || asyncify_size > SIZE_MAX / 4)
    return CORIO_ENOMEM;
  stack_size = round16(stack_size);
  asyncify_size = round16(asyncify_size);
  corio__fiber_t *f = calloc(1, sizeof *f);
  if (f == NULL) return CORIO_ENOMEM;
  char *block = aligned_alloc(16, asyncify_size + CANARY_BYTES + stack_size);
  if (block == NULL) {
    free(f);
    return CORIO_ENOMEM;
  }
  f->block = block;
  f->asyncify = block;
  f->asyncify_size = asyncify_size;
  f->canary = block + asyncify_size;
  f->stack = f->canary + CANARY_BYTES;
  f->stack_size = stack_size;
  for (int i = 0; i < CANARY_BYTES / 8; i++)
    ((uint64_t *)(void *)f->canary)[i] = CORIO__STACK_CANARY;
  *out = f;
  return CORIO_OK;
}

void corio__fiber_start(corio__fiber_t *f, corio__fiber_entry_fn entry,
                        void *arg) {
  f->pinned = false;
  emscripten_fiber_init(&f->ctx, entry, arg, f->stack, f->stack_size,
                        f->asyncify, f->asyncify_size);
}

void corio__fiber_free(corio__fiber_t *f) {
  if (f == NULL) return;
  free(f->block);
  free(f);
}

bool corio__fiber_holds(const corio__fiber_t *f, const void *p) {
  const char *c = p;
  return f->stack && c >= f->stack && c < f->stack + f->stack_size;
}

bool corio__fiber_pin(corio__fiber_t *f) {
  if (f->movable) return false;
  f->pinned = true;
  return true;
}

int corio__fiber_ready_to_park(corio__fiber_t *f) {
  (void)f; /* nothing is moved yet */
  return CORIO_OK;
}

/* Not shared yet: a default fiber with a block of its own, movable in name
 * so that programs behave as on the native build (corio__fiber_pin says
 * no). */
int corio__fiber_new_shared(corio__fiber_t **out) {
  int rc = corio__fiber_new(out, 0, 0);
  if (rc == CORIO_OK) (*out)->movable = true;
  return rc;
}

size_t corio__fiber_stack_size(const corio__fiber_t *f) {
  return f->stack_size;
}

size_t corio__fiber_asyncify_size(const corio__fiber_t *f) {
  return f->asyncify_size;
}

void corio__fiber_switch(corio__fiber_t *from, corio__fiber_t *to, int how) {
  (void)how;
  emscripten_fiber_swap(&from->ctx, &to->ctx);
}

const uint64_t *corio__fiber_canary(const corio__fiber_t *f) {
  if (f == NULL || f->canary == NULL) return NULL;
  /* The word nearest the Asyncify buffer (see the top of this file). */
  return (const uint64_t *)(const void *)f->canary;
}
