/*
 * fiber_native.h — what the files of the native fiber backend share
 * (fiber_native.c: fibers, their stacks and the switch; shared_stack_native.c:
 * the stacks tasks share; parked_check_native.c: CORIO_CHECK_PARKED_STACKS).
 * Private to them: the core sees only runtime/backend.h.
 */
#ifndef CORIO_FIBER_NATIVE_H
#define CORIO_FIBER_NATIVE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "backend.h"
#include "corio.h"

#if defined(__SANITIZE_ADDRESS__)
#define CORIO__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORIO__ASAN 1
#endif
#endif

/* ThreadSanitizer (the threads tests' build) must be told of every switch,
 * or it takes one fiber's frames and accesses for another's. */
#if defined(__SANITIZE_THREAD__)
#define CORIO__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CORIO__TSAN 1
#endif
#endif

#ifdef CORIO__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

#ifdef CORIO__ASAN
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old, size_t *size_old);
#endif

#if defined(__x86_64__) && !defined(CORIO_USE_UCONTEXT)
#define CORIO__ASM_SWITCH 1
#endif

struct corio__fiber {
#ifdef CORIO__ASM_SWITCH
  void *sp; /* saved stack pointer while switched out */
#else
  ucontext_t ctx;
#endif
  char *map; /* guard page + stack; NULL if from a slab or main */
  size_t map_size;
  char *stack; /* usable stack (NULL for the main fiber) */
  size_t stack_size;
  corio__fiber_entry_fn entry;
  void *arg;
  char *parked_copy; /* CORIO_CHECK_PARKED_STACKS: the used part, saved */
  bool pinned;       /* corio__fiber_pin: its stack stays as it is */
  bool movable;      /* made by corio__fiber_new_shared: pin says no */
  bool shared;       /* runs on the thread's shared stack */
  bool fresh;        /* shared, started, never run: no frames anywhere */
  struct shared_region *region; /* shared: the stack it runs on */
  char *saved;                  /* shared, parked and moved out: its frames */
  size_t saved_len, saved_cap;
#ifdef CORIO__TSAN
  void *tsan; /* ThreadSanitizer's record of this context */
#endif
};

/* Default C stack: mapped lazily, so only the pages a task touches count. */
#define DEFAULT_STACK_SIZE (256 * 1024)

/* The fiber running now (NULL: the thread's own stack), for the overflow
 * report. */
extern _Thread_local corio__fiber_t *corio__native_running;

/* One past the highest byte of f's stack. */
static inline char *corio__native_stack_top(const corio__fiber_t *f) {
  return f->stack + f->stack_size;
}

/* fiber_native.c */
/* Maps a stack of stack_size bytes with a guard region below it into f
 * (map, map_size, stack). CORIO_OK or CORIO_ENOMEM. */
int corio__native_new_guarded(corio__fiber_t *f, size_t stack_size);
/* Writes the frame a fiber's first switch returns into, below top. */
void corio__native_first_frame(corio__fiber_t *f, char *top);
/* Switches, announced to the sanitizers (from_ends: `from` is never
 * resumed). Returns when something switches back to `from`. */
void corio__native_switch(corio__fiber_t *from, corio__fiber_t *to,
                          bool from_ends);
/* Copies n bytes, redzones included (ASan is not asked). */
void corio__native_copy_bytes(volatile char *to, const volatile char *from,
                              size_t n);

/* shared_stack_native.c */
/* The guard region below a shared fiber's stack. */
char *corio__native_shared_map(const corio__fiber_t *f);
/* The fiber whose frames are in f's shared stack, or NULL. */
corio__fiber_t *corio__native_shared_occupant(const corio__fiber_t *f);
/* Moves the parked occupant f's frames off its shared stack. */
void corio__native_shared_evict(corio__fiber_t *f);
/* f's frames are over (it ended, restarts or is freed). */
void corio__native_shared_forget(corio__fiber_t *f);
/* f (re)starts: it gets the next shared stack in turn, its first frame
 * to be written there when it is installed. */
void corio__native_shared_start(corio__fiber_t *f);
/* Switches from `from` to the shared fiber `to`, putting to's frames back
 * first (through the mover when `from` runs on the same stack). */
void corio__native_shared_switch(corio__fiber_t *from, corio__fiber_t *to,
                                 bool from_ends);

/* parked_check_native.c */
/* 1: CORIO_CHECK_PARKED_STACKS=1, -1: not (0: not read yet). */
extern _Thread_local int corio__native_check_parked;
/* The fiber that parks at the switch under way, for the resumed side. */
extern _Thread_local corio__fiber_t *corio__native_leaving;
void corio__native_park_check_setup(void);
/* f is about to be switched back to: checks and restores its frames. */
void corio__native_park_check_end(corio__fiber_t *f);
/* In the context a switch resumed: the fiber that left parks. */
void corio__native_park_check_left(void);

#endif
