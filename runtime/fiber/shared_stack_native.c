/*
 * shared_stack_native.c — the stacks that native tasks with the default
 * sizes share (runtime/backend.h, corio__fiber_new_shared), the mover that
 * moves a parked task's frames off one and another's back, and the spare
 * room that makes moving them out never fail.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fiber/fiber_native.h"
#include "fiber/saved_frames.h"

/* Every fiber made by corio__fiber_new_shared runs on one of SHARED_STACKS
 * guarded stacks of its thread, given in turn each time a fiber starts (it
 * keeps that stack until its entry is over). A stack's `occupant` is the fiber
 * whose frames are in it: the one running there, or the last one that parked
 * there and has not been moved out. A shared fiber that is not its stack's
 * occupant keeps its frames (its saved stack pointer up to the top) in
 * `saved`, exactly as many bytes as they use; installing it copies them
 * back to the same addresses, so pointers within its frames stay right.
 * Nothing else points into a parked task's frames (backend.h,
 * CORIO__FIBER_PARKS), and a shared fiber cannot be pinned
 * (corio__fiber_pin), so moving them is safe.
 * Frames cannot be moved by code running on the same stack: a switch
 * between two fibers of one shared stack goes through the mover, a fiber
 * with a small stack of its own that moves the one out and the other in.
 * Any other switch installs directly, and a fiber that parks stays the
 * occupant until another needs its stack: a task the scheduler resumes
 * again and again, or two tasks on different stacks that hand over to
 * each other (a producer and its consumer), move nothing. */
#ifdef CORIO__ASM_SWITCH
#define SHARED_STACKS 4
#define MOVER_STACK_SIZE (64 * 1024)

typedef struct shared_region {
  corio__fiber_t mapping;   /* owns the guarded mapping (map, stack) */
  corio__fiber_t *occupant; /* whose frames are in it, or NULL */
  /* Room for the occupant's frames when they are moved out, should its
   * own buffer fail to grow then (saved_frames.h): NULL, or the stack's
   * size. Kept for the thread's life, like the stack. */
  char *spare;
} shared_region_t;

static _Thread_local struct {
  shared_region_t regions[SHARED_STACKS];
  unsigned next;          /* the region the next fiber gets */
  corio__fiber_t *mover;  /* moves frames within one region */
  corio__fiber_t *target; /* the fiber the mover installs next */
} shared;

char *corio__native_shared_map(const corio__fiber_t *f) {
  return f->region->mapping.map;
}
corio__fiber_t *corio__native_shared_occupant(const corio__fiber_t *f) {
  return f->region->occupant;
}

#ifdef CORIO__ASAN
#define copy_stack                                                             \
  corio__native_copy_bytes /* redzones are copied on purpose                   \
                            */
#else
#define copy_stack memcpy
#endif

/* The spare (saved_frames.h) is as big as the stack. */
int corio__fiber_ready_to_park(corio__fiber_t *f) {
  if (!f->shared || corio__saved_frames_spare(&f->region->spare, f->stack_size))
    return CORIO_OK;
  return CORIO_ENOMEM;
}

/* Copies the parked occupant f's frames out; its stack is then free. */
void corio__native_shared_evict(corio__fiber_t *f) {
  shared_region_t *r = f->region;
  size_t used = (size_t)(corio__native_stack_top(f) - (char *)f->sp);
  if (!corio__saved_frames_fit(&f->saved, &f->saved_cap, used, &r->spare,
                               f->stack_size))
    corio__saved_frames_lost();
  copy_stack(f->saved, f->sp, used);
  f->saved_len = used;
  r->occupant = NULL;
}

/* Makes f its stack's occupant: the current occupant's frames are moved
 * out, f's put back (or, for a fiber that never ran, its first frame
 * written). Never called on that stack itself. */
static void install(corio__fiber_t *f) {
  shared_region_t *r = f->region;
  if (r->occupant == f) return;
  if (r->occupant) corio__native_shared_evict(r->occupant);
  char *top = corio__native_stack_top(f);
  if (f->fresh) {
    f->fresh = false;
#ifdef CORIO__ASAN
    /* The shadow still describes frames of other fibers. */
    __asan_unpoison_memory_region(f->stack, f->stack_size);
#endif
    corio__native_first_frame(f, top);
  } else {
    f->sp = top - f->saved_len;
#ifdef CORIO__ASAN
    __asan_unpoison_memory_region(f->sp, f->saved_len);
#endif
    copy_stack(f->sp, f->saved, f->saved_len);
  }
  r->occupant = f;
}

/* f's frames are over (it ended or is freed): nothing to move out. */
void corio__native_shared_forget(corio__fiber_t *f) {
  if (f->region && f->region->occupant == f) f->region->occupant = NULL;
}

/* Gives f the next shared stack in turn: tasks started one after another
 * (a producer and its consumer, a ping and its pong) get different ones,
 * so handing over between them moves nothing. */
static void place(corio__fiber_t *f) {
  f->region = &shared.regions[shared.next++ % SHARED_STACKS];
  f->stack = f->region->mapping.stack;
  f->stack_size = f->region->mapping.stack_size;
}

void corio__native_shared_start(corio__fiber_t *f) {
  corio__native_shared_forget(f);
  place(f);
  f->fresh = true;
}

/* The mover's body: installs the target, switches to it, and starts over
 * when a shared fiber next switches to another of its stack. */
static void mover_main(void *arg) {
  corio__fiber_t *self = arg;
  for (;;) {
    corio__fiber_t *to = shared.target;
    shared.target = NULL;
    install(to);
    corio__native_running = to;
    corio__native_switch(self, to, false);
  }
}

/* The thread's shared stacks and mover, made with its first shared fiber. */
static int shared_stacks_open(void) {
  if (shared.mover) return CORIO_OK;
  int rc = CORIO_OK;
  for (int i = 0; i < SHARED_STACKS && rc == CORIO_OK; i++) {
    shared_region_t *r = &shared.regions[i];
    if (r->mapping.stack) continue;
    rc = corio__native_new_guarded(&r->mapping, DEFAULT_STACK_SIZE);
    r->mapping.stack_size = DEFAULT_STACK_SIZE;
  }
  corio__fiber_t *mover = NULL;
  if (rc == CORIO_OK) rc = corio__fiber_new(&mover, MOVER_STACK_SIZE, 0);
  if (rc != CORIO_OK) return rc; /* the stacks made are kept for a retry */
  corio__fiber_start(mover, mover_main, mover);
  shared.mover = mover;
  return CORIO_OK;
}

int corio__fiber_new_shared(corio__fiber_t **out) {
  *out = NULL;
  int rc = shared_stacks_open();
  if (rc != CORIO_OK) return rc;
  corio__fiber_t *f = calloc(1, sizeof *f);
  if (f == NULL) return CORIO_ENOMEM;
  f->shared = f->movable = true;
  place(f);
#ifdef CORIO__TSAN
  f->tsan = __tsan_create_fiber(0);
#endif
  *out = f;
  return CORIO_OK;
}
void corio__native_shared_switch(corio__fiber_t *from, corio__fiber_t *to,
                                 bool from_ends) {
  if (to->region->occupant != to) {
    if (from->shared && from->region == to->region) { /* on it: the mover */
      shared.target = to;
      corio__native_running = shared.mover;
      corio__native_switch(from, shared.mover, from_ends);
      return;
    }
    install(to);
  }
  corio__native_running = to;
  corio__native_switch(from, to, from_ends);
}
#else
/* Without the x86-64 switch (no saved stack pointer to move frames from),
 * a shared fiber is a default one with its own stack, movable in name:
 * programs behave the same on every build (corio__fiber_pin says no). */
char *corio__native_shared_map(const corio__fiber_t *f) {
  (void)f;
  return NULL;
}
void corio__native_shared_forget(corio__fiber_t *f) { (void)f; }
void corio__native_shared_start(corio__fiber_t *f) { (void)f; }

int corio__fiber_ready_to_park(corio__fiber_t *f) {
  (void)f; /* nothing is moved */
  return CORIO_OK;
}

int corio__fiber_new_shared(corio__fiber_t **out) {
  int rc = corio__fiber_new(out, 0, 0);
  if (rc == CORIO_OK) (*out)->movable = true;
  return rc;
}
#endif
