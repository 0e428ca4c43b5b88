/*
 * fiber_emscripten.c — the wasm fiber backend: Emscripten fibers (Asyncify
 * unwinds the leaving context into its buffer and rewinds the entering one;
 * the swap is corio's own, in library_fiber.js beside this file).
 * Each fiber owns one block: [Asyncify buffer][canary][C stack]. The C
 * stack grows down towards the canary and the Asyncify buffer (which
 * Binaryen does not bounds-check) grows up towards it. The swap sets the
 * stack limits, so a build with -sSTACK_OVERFLOW_CHECK=2 stops a C-stack
 * overflow before it writes; the overflow left is the Asyncify buffer's,
 * which reaches the canary's lower word first: that is the word the core
 * checks at every switch, before anything outside the fiber is hit.
 * Tasks with the default sizes do not get a block each: they share a few
 * ("the shared stacks" below), and a parked one's frames are moved aside.
 */
#include <emscripten/fiber.h>
#include <emscripten/stack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "corio.h"
#include "fiber/saved_frames.h"

/* The swap (library_fiber.js): unwinds the running fiber `from`; `to` then
 * runs. It returns when `from` is switched back to. */
extern void corio_js_fiber_swap(emscripten_fiber_t *from,
                                emscripten_fiber_t *to);

/* Emscripten's stack cookie (3.1.6, src/runtime_stack_check.js): two words
 * just above the end of the stack that runs, which checkStackCookie()
 * compares with these when the runtime exits or aborts, and reports a stack
 * overflow if they differ. Every fiber block gets them when it is made (the
 * swap does not write them at each entry, as emscripten_fiber_swap did: that
 * was a call into an Asyncify-wrapped export for every task that began). */
#define STACK_COOKIE_1 0x02135467u
#define STACK_COOKIE_2 0x89BACDFEu

static void write_stack_cookie(char *stack_end) {
  uint32_t *w = (uint32_t *)(void *)stack_end;
  w[1] = STACK_COOKIE_1;
  w[2] = STACK_COOKIE_2;
}

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
  /* A shared fiber (block NULL, region set) runs on `region`'s stack and
   * unwinds into its Asyncify buffer; parked and moved out, its frames are in
   * `saved`: saved_c bytes of C stack, then saved_a bytes of Asyncify data. */
  struct shared_region *region;
  char *saved;
  size_t saved_c, saved_a, saved_cap;
  /* What the fiber runs (corio__fiber_start), through fiber_entry. */
  corio__fiber_entry_fn entry;
  void *arg;
};

static void forget(corio__fiber_t *f);

/* Defaults: the size of each shared stack, and of a task's own block. */
#define DEFAULT_STACK_SIZE (16 * 1024)
#define DEFAULT_ASYNCIFY_SIZE (4 * 1024)

const char *corio__fiber_backend_name(void) { return "emscripten-fiber"; }

static corio__fiber_t *main_fiber;

/* Saves the running fiber into `from` and runs `to` (library_fiber.js);
 * returns when `from` is switched back to. Its stack pointer is read here,
 * where the import is called (a call does not move it), rather than by a
 * call back into wasm from the swap. Skipped when `from` is rewound, as is
 * all code before the swap in Asyncify's rewind. */
static inline void swap(corio__fiber_t *from, corio__fiber_t *to) {
  from->ctx.stack_ptr = (void *)emscripten_stack_get_current();
  corio_js_fiber_swap(&from->ctx, &to->ctx);
}

/* Fills a context as emscripten_fiber_init does, without a call into JS:
 * it runs `entry(arg)` on the C stack [stack, base) when first switched to,
 * or (entry NULL) it is the running context, saved at its first swap.
 * Asyncify data goes to [async, async + async_size). */
static void context_init(emscripten_fiber_t *c, em_arg_callback_func entry,
                         void *arg, char *stack, char *base, char *async,
                         size_t async_size) {
  c->stack_base = base;
  c->stack_limit = stack;
  c->stack_ptr = base;
  c->entry = entry;
  c->user_data = arg;
  c->asyncify_data.stack_ptr = async;
  c->asyncify_data.stack_limit = async + async_size;
  c->asyncify_data.rewind_id = 0; /* library_fiber.js sets it */
}

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
  context_init(&f->ctx, NULL, NULL, (char *)emscripten_stack_get_end(),
               (char *)emscripten_stack_get_base(), f->asyncify,
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
  write_stack_cookie(f->stack);
  *out = f;
  return CORIO_OK;
}

/* Every fiber's first frame: the swap (library_fiber.js) enters and
 * rewinds all fibers through this one function, so its call is always to
 * the same target. A call from JS that met a new wasm function (the first
 * generator body, the first trip through the mover) made V8 throw away its
 * optimized code for the swap and run unoptimized while it compiled again:
 * 10 to 25 ms, measured with node --trace-deopt. */
static void fiber_entry(void *arg) {
  corio__fiber_t *f = arg;
  f->entry(f->arg);
}

void corio__fiber_start(corio__fiber_t *f, corio__fiber_entry_fn entry,
                        void *arg) {
  forget(f); /* a shared fiber's old frames are over */
  f->entry = entry;
  f->arg = arg;
  context_init(&f->ctx, fiber_entry, f, f->stack, f->stack + f->stack_size,
               f->asyncify, f->asyncify_size);
}

void corio__fiber_free(corio__fiber_t *f) {
  if (f == NULL) return;
  forget(f);
  free(f->saved);
  free(f->block);
  free(f);
}

bool corio__fiber_holds(const corio__fiber_t *f, const void *p) {
  const char *c = p;
  return f->stack && c >= f->stack && c < f->stack + f->stack_size;
}

/* A block of its own stays put anyway: nothing to mark. */
bool corio__fiber_pin(corio__fiber_t *f) { return f->region == NULL; }

bool corio__fiber_shared(const corio__fiber_t *f) { return f->region != NULL; }

/* ---- the shared stacks ------------------------------------------------- */

/* Fibers made by corio__fiber_new_shared run on one of SHARED_STACKS
 * regions, each a block like a fiber's own ([Asyncify buffer][canary][C
 * stack]), given in turn as fibers are made. A region's `occupant` is the
 * fiber whose frames are in it: its C stack from its saved stack pointer
 * up, and the Asyncify data its last unwind wrote from the buffer's start.
 * Another fiber of the region is installed by copying the occupant's used
 * bytes of both out (exactly those) and its own back: the C stack at the
 * same addresses (pointers into it stay right), the Asyncify data at the
 * buffer's start (it holds no pointer into itself). Nothing else points
 * into a parked task's frames (backend.h, CORIO__FIBER_PARKS), and a
 * shared fiber cannot be pinned. Frames can be moved only between an
 * unwind and the next rewind, by code on another stack: a switch between
 * two fibers of one region goes through the mover, a fiber of its own
 * that installs the one after the other has unwound (two swaps); any
 * other switch installs first, directly. */
#define SHARED_STACKS 4

typedef struct shared_region {
  corio__fiber_t block;     /* owns the region's memory (a fiber's block) */
  corio__fiber_t *occupant; /* whose frames are in it, or NULL */
  /* Room for the occupant's frames when they are moved out, should its
   * own buffer fail to grow then (saved_frames.h). */
  char *spare; /* NULL, or spare_size() bytes */
} shared_region_t;

static shared_region_t regions[SHARED_STACKS];
static unsigned next_region;
static corio__fiber_t *mover;  /* moves frames within one region */
static corio__fiber_t *target; /* the fiber the mover installs next */

/* A spare's size (saved_frames.h): the region's C stack and Asyncify
 * buffer. */
static size_t spare_size(const corio__fiber_t *f) {
  return f->stack_size + f->asyncify_size;
}

int corio__fiber_ready_to_park(corio__fiber_t *f) {
  shared_region_t *r = f->region;
  if (r == NULL || corio__saved_frames_spare(&r->spare, spare_size(f)))
    return CORIO_OK;
  return CORIO_ENOMEM;
}

/* Copies the parked occupant f's frames out; its region is then free. */
static void evict(corio__fiber_t *f) {
  shared_region_t *r = f->region;
  char *base = f->stack + f->stack_size;
  char *sp = f->ctx.stack_ptr;
  char *data = f->ctx.asyncify_data.stack_ptr;
  size_t c = (size_t)(base - sp), a = (size_t)(data - f->asyncify);
  if (!corio__saved_frames_fit(&f->saved, &f->saved_cap, c + a, &r->spare,
                               spare_size(f)))
    corio__saved_frames_lost();
  memcpy(f->saved, sp, c);
  memcpy(f->saved + c, f->asyncify, a);
  f->saved_c = c;
  f->saved_a = a;
  r->occupant = NULL;
}

/* Makes f its region's occupant. Never called on that region's stack. */
static void install(corio__fiber_t *f) {
  shared_region_t *r = f->region;
  if (r->occupant == f) return;
  if (r->occupant) evict(r->occupant);
  if (f->ctx.entry == NULL) { /* it ran: its frames go back */
    char *sp = f->stack + f->stack_size - f->saved_c;
    memcpy(sp, f->saved, f->saved_c);
    memcpy(f->asyncify, f->saved + f->saved_c, f->saved_a);
    f->ctx.stack_ptr = sp;
    f->ctx.asyncify_data.stack_ptr = f->asyncify + f->saved_a;
    f->ctx.asyncify_data.stack_limit = f->asyncify + f->asyncify_size;
  }
  r->occupant = f;
}

static void forget(corio__fiber_t *f) {
  if (f->region && f->region->occupant == f) f->region->occupant = NULL;
}

static void mover_main(void *arg) {
  (void)arg;
  for (;;) {
    corio__fiber_t *to = target;
    target = NULL;
    install(to);
    swap(mover, to);
  }
}

static int shared_open(void) {
  if (mover) return CORIO_OK;
  for (int i = 0; i < SHARED_STACKS; i++) {
    shared_region_t *r = &regions[i];
    if (r->block.block) continue;
    corio__fiber_t *f;
    int rc = corio__fiber_new(&f, 0, 0);
    if (rc != CORIO_OK) return rc;
    r->block = *f;
    free(f);
  }
  corio__fiber_t *m;
  int rc = corio__fiber_new(&m, 8 * 1024, 1024);
  if (rc != CORIO_OK) return rc;
  corio__fiber_start(m, mover_main, NULL);
  mover = m;
  return CORIO_OK;
}

int corio__fiber_new_shared(corio__fiber_t **out) {
  *out = NULL;
  int rc = shared_open();
  if (rc != CORIO_OK) return rc;
  corio__fiber_t *f = calloc(1, sizeof *f);
  if (f == NULL) return CORIO_ENOMEM;
  shared_region_t *r = &regions[next_region++ % SHARED_STACKS];
  f->region = r;
  f->canary = r->block.canary;
  f->stack = r->block.stack;
  f->stack_size = r->block.stack_size;
  f->asyncify = r->block.asyncify;
  f->asyncify_size = r->block.asyncify_size;
  *out = f;
  return CORIO_OK;
}

size_t corio__fiber_stack_size(const corio__fiber_t *f) {
  return f->stack_size;
}

size_t corio__fiber_asyncify_size(const corio__fiber_t *f) {
  return f->asyncify_size;
}

void corio__fiber_switch(corio__fiber_t *from, corio__fiber_t *to, int how) {
  if (how == CORIO__FIBER_ENDS) forget(from);
  if (to->region && to->region->occupant != to) {
    if (from->region == to->region) { /* on its stack: the mover moves */
      target = to;
      to = mover;
    } else {
      install(to);
    }
  }
  swap(from, to); /* one call site: this function stays small to inline */
}

const uint64_t *corio__fiber_canary(const corio__fiber_t *f) {
  if (f == NULL || f->canary == NULL) return NULL;
  /* The word nearest the Asyncify buffer (see the top of this file). */
  return (const uint64_t *)(const void *)f->canary;
}
