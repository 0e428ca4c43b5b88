/*
 * fiber_native.c — the native fiber backend: on x86-64 a hand-written
 * switch (it saves the callee-saved registers and swaps stack pointers: no
 * system call), elsewhere ucontext (swapcontext, which also saves the
 * signal mask, at the cost of a system call per switch). Stacks are mmap'd
 * with an inaccessible guard region below them (GUARD_SIZE), so an
 * overflow faults at once; the build compiles the runtime and its programs
 * with -fstack-clash-protection, which probes every page of a large frame
 * or alloca, so no frame can step over the guard. A SIGSEGV handler on its
 * own signal stack prints "corio: task NAME overflowed its N-byte stack"
 * instead of an anonymous crash. Stacks without a guard (from a slab, past
 * what vm.max_map_count allows) have a canary at their far end instead,
 * checked at every switch. A guarded stack has none: writing it would make
 * the stack's lowest page resident for every task (4 KiB each, about half
 * of what a parked task costs), for a check the guard already makes. Under
 * AddressSanitizer every switch is announced to it.
 * Tasks with the default sizes do not get a stack each: they share a few
 * guarded stacks, and a parked one's frames are moved aside until it
 * resumes ("the shared stacks" below). CORIO_CHECK_PARKED_STACKS=1 holds
 * the rest of corio to what that needs ("parked-stack check").
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

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
/* corio__ctx_switch(&from_sp, to_sp): pushes the callee-saved registers,
 * stores the stack pointer in *from_sp, loads to_sp, pops and returns into
 * the other context. A new context's stack holds, from its stack pointer
 * up: r15 r14 r13 r12=entry rbx=arg rbp=0 and the address of
 * corio__ctx_start, which calls entry(arg). */
void corio__ctx_switch(void **from_sp, void *to_sp);
void corio__ctx_start(void);
__asm__(".text\n"
        ".globl corio__ctx_switch\n"
        ".type corio__ctx_switch,@function\n"
        "corio__ctx_switch:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n"
        "  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n"
        "  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size corio__ctx_switch, .-corio__ctx_switch\n"
        ".globl corio__ctx_start\n"
        ".type corio__ctx_start,@function\n"
        "corio__ctx_start:\n"
        "  movq %rbx, %rdi\n"
        "  callq *%r12\n"
        "  ud2\n"
        ".size corio__ctx_start, .-corio__ctx_start\n");
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

static size_t page_size(void) {
  static size_t size;
  if (size == 0) size = (size_t)sysconf(_SC_PAGESIZE);
  return size;
}

/* Default C stack: mapped lazily, so only the pages a task touches count. */
#define DEFAULT_STACK_SIZE (256 * 1024)

const char *corio__fiber_backend_name(void) {
#ifdef CORIO__ASM_SWITCH
  return "x86_64-switch";
#else
  return "ucontext";
#endif
}

/* ---- overflow reporting ------------------------------------------------ */

/* The shared stack (below) as the rest of the file sees it. */
static char *shared_stack_map(const corio__fiber_t *f);
static void shared_stack_forget(corio__fiber_t *f);
#ifdef CORIO__ASM_SWITCH
static corio__fiber_t *shared_stack_occupant(const corio__fiber_t *f);
static void shared_stack_evict(corio__fiber_t *f);
#endif

/* The fiber running now (NULL: the thread's own stack). */
static _Thread_local corio__fiber_t *running;

static void on_segv(int sig, siginfo_t *info, void *uctx) {
  (void)uctx;
  corio__fiber_t *f = running;
  char *addr = info->si_addr;
  char *guard = f == NULL ? NULL : f->shared ? shared_stack_map(f) : f->map;
  /* A fault in (or just below) the guard region is an overflow. */
  if (guard && addr >= guard - page_size() && addr < f->stack) {
    char line[320];
    size_t n = corio__overflow_message(line, sizeof line, f->stack_size);
    static const char hint[] = "corio: stack overflow: give the task a larger "
                               "corio_task_opts_t.stack_size\n";
    ssize_t ignored = write(2, line, n);
    ignored = write(2, hint, sizeof hint - 1);
    (void)ignored;
  }
  signal(sig, SIG_DFL); /* then crash as usual, with a core if enabled */
  raise(sig);
}

static void install_overflow_handler(void) {
  static _Thread_local char *altstack;
  static int installed;
  if (altstack == NULL) {
    size_t size = 64 * 1024;
    altstack = malloc(size);
    if (altstack) {
      stack_t ss = {.ss_sp = altstack, .ss_size = size, .ss_flags = 0};
      sigaltstack(&ss, NULL);
    }
  }
  if (!installed) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    installed = 1;
  }
}

/* ---- parked-stack check ------------------------------------------------ */

/* CORIO_CHECK_PARKED_STACKS=1 (backend.h, CORIO__FIBER_PARKS): when a task
 * parks, the used part of its stack (from its saved stack pointer to the
 * top) is copied aside and overwritten with PARKED_BYTE; when it is
 * switched back to, the part is checked (anything else there was written
 * while the task was parked: the run aborts, naming the task) and the copy
 * put back. It is how the suite proves that nothing reaches a parked task
 * through its stack, which is what lets a stack's used part be moved while
 * its task is parked. Only with the x86-64 switch, which saves the stack
 * pointer where this can read it. */
#define PARKED_BYTE 0xA5

static _Thread_local int check_parked;        /* 1: on, -1: off */
static _Thread_local corio__fiber_t *leaving; /* parks at this switch */

#ifdef CORIO__ASM_SWITCH
static char *stack_top(const corio__fiber_t *f) {
  return f->stack + f->stack_size;
}

/* Byte loops, not memcpy: the parked frames' ASan redzones are read and
 * written here on purpose. */
#ifdef CORIO__ASAN
__attribute__((no_sanitize("address")))
#endif
static void
copy_bytes(volatile char *to, const volatile char *from, size_t n) {
  for (size_t i = 0; i < n; i++) to[i] = from[i];
}

#ifdef CORIO__ASAN
__attribute__((no_sanitize("address")))
#endif
static void
fill_bytes(volatile char *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (char)PARKED_BYTE;
}

#ifdef CORIO__ASAN
__attribute__((no_sanitize("address")))
#endif
static size_t
first_changed(const volatile char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)p[i] != PARKED_BYTE) return i;
  return n;
}

/* f just parked (the switch away from it is over): saves its used part and
 * overwrites it. Out of memory: f is left as it is, unchecked. */
static void park_check_begin(corio__fiber_t *f) {
  if (f->pinned) return;
  if (f->shared) { /* moved out now, and the stack overwritten */
    if (shared_stack_occupant(f) == f) {
      shared_stack_evict(f);
      fill_bytes(f->sp, (size_t)(stack_top(f) - (char *)f->sp));
    }
    return;
  }
  char *sp = f->sp;
  size_t used = (size_t)(stack_top(f) - sp);
  f->parked_copy = malloc(used ? used : 1);
  if (f->parked_copy == NULL) return;
  copy_bytes(f->parked_copy, sp, used);
  fill_bytes(sp, used);
}

/* f is about to be switched back to: checks and restores its used part. */
static void park_check_end(corio__fiber_t *f) {
  if (f->parked_copy == NULL) return;
  char *sp = f->sp;
  size_t used = (size_t)(stack_top(f) - sp);
  size_t at = first_changed(sp, used);
  if (at < used) {
    char line[320];
    size_t n = corio__parked_write_message(line, sizeof line, used - at);
    ssize_t ignored = write(2, line, n);
    (void)ignored;
    abort();
  }
  copy_bytes(sp, f->parked_copy, used);
  free(f->parked_copy);
  f->parked_copy = NULL;
}
#endif

static void park_check_setup(void) {
  const char *v = getenv("CORIO_CHECK_PARKED_STACKS");
  check_parked = v && strcmp(v, "1") == 0 ? 1 : -1;
#ifndef CORIO__ASM_SWITCH
  if (check_parked == 1)
    fputs("corio: CORIO_CHECK_PARKED_STACKS needs the x86-64 switch; "
          "ignored\n",
          stderr);
  check_parked = -1;
#endif
}

/* Runs in whatever context a switch resumed: the fiber that left parks. */
static void park_check_left(void) {
#ifdef CORIO__ASM_SWITCH
  corio__fiber_t *f = leaving;
  leaving = NULL;
  if (f) park_check_begin(f);
#endif
}

/* ---- fibers ------------------------------------------------------------ */

#ifdef CORIO__ASAN
/* The thread's own stack, for announcing switches back to it. */
static _Thread_local void *main_bottom;
static _Thread_local size_t main_size;

static void find_main_stack(void) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  pthread_attr_getstack(&attr, &main_bottom, &main_size);
  pthread_attr_destroy(&attr);
}
#endif

static _Thread_local corio__fiber_t *main_fiber;

corio__fiber_t *corio__fiber_main(void) {
  if (main_fiber == NULL) {
    main_fiber = calloc(1, sizeof *main_fiber);
    if (main_fiber == NULL) return NULL;
#ifdef CORIO__TSAN
    main_fiber->tsan = __tsan_get_current_fiber();
#endif
    install_overflow_handler();
    park_check_setup();
#ifdef CORIO__ASAN
    find_main_stack();
#endif
  }
  return main_fiber;
}

/* The guard below each stack: one page is enough for code built with
 * -fstack-clash-protection (it touches every page of a large frame in
 * order); 64 KiB also stops frames of code built without it, up to that
 * size. Inaccessible and never backed: it costs address space only. */
#define GUARD_SIZE (64 * 1024)
#define SLAB_STACKS 64

/* Each guarded stack costs the process two memory mappings (the guard and
 * the stack: regions of different protections never merge), and Linux
 * allows vm.max_map_count of them (65,530 by default), libraries, malloc
 * and sanitizers included. Live guarded stacks are kept within what the
 * kernel allows, less a reserve for everything else; past that, new
 * default-size stacks come from slabs without guards (one mapping for many
 * stacks), whose canary is only checked at the next switch. That is said
 * once, on stderr, when it first happens. */
#define MAP_RESERVE 8192
#define MAP_COUNT_DEFAULT 65530

static size_t guarded_budget(void) {
  static size_t budget;
  if (budget) return budget;
  long max = MAP_COUNT_DEFAULT;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  if (f) {
    if (fscanf(f, "%ld", &max) != 1) max = MAP_COUNT_DEFAULT;
    fclose(f);
  }
  budget = max > 2 * MAP_RESERVE ? (size_t)(max - MAP_RESERVE) / 2 : 1024;
  return budget;
}

/* over_budget: the guarded stacks reached the budget; else mapping one
 * failed below it (the system is out of memory or of mappings). */
static void warn_unguarded(bool over_budget, size_t live) {
  static bool warned;
  if (warned) return;
  warned = true;
  if (over_budget)
    fprintf(stderr,
            "corio: more than %zu task stacks are live: vm.max_map_count "
            "allows a guard page below only that many; the stacks past it "
            "have none (an overflow is caught at the task's next switch, not "
            "before); raise vm.max_map_count to guard them all\n",
            guarded_budget());
  else
    fprintf(stderr,
            "corio: a task stack with a guard page could not be mapped (%zu "
            "are live); stacks without one are used meanwhile (an overflow "
            "is caught at the task's next switch, not before)\n",
            live);
  fflush(stderr);
}

static _Thread_local size_t guarded_live;

/* A slab slot's bookkeeping sits in the 16 bytes just below its stack, at
 * the top of the slot beneath (or, for the first slot, in a page of its
 * own at the slab's start): the free-list link while the slot is free, the
 * canary (nearest the stack) while it is in use. The page a stack's top
 * frames touch anyway is the one holding the canary of the slot above, so
 * a parked task makes one page resident, not its top and its bottom. A
 * slot's usable stack stops SLAB_META bytes short of the slot's end, where
 * the next slot's bookkeeping is. */
#define SLAB_META 16
static void **slab_link(char *stack) {
  return (void **)(void *)(stack - SLAB_META);
}
static uint64_t *slab_canary(char *stack) {
  return (uint64_t *)(void *)(stack - sizeof(uint64_t));
}

/* Free unguarded default-size stacks, linked through slab_link. */
static _Thread_local char *slab_free;

static int new_guarded(corio__fiber_t *f, size_t stack_size) {
  size_t guard = GUARD_SIZE > page_size() ? GUARD_SIZE : page_size();
  f->map_size = stack_size + guard;
  f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (f->map == MAP_FAILED) {
    f->map = NULL;
    return CORIO_ENOMEM;
  }
  if (mprotect(f->map, guard, PROT_NONE) != 0) {
    munmap(f->map, f->map_size);
    f->map = NULL;
    return CORIO_ENOMEM;
  }
  f->stack = f->map + guard;
  guarded_live++;
  return CORIO_OK;
}

static int new_from_slab(corio__fiber_t *f, size_t slot_size) {
  if (slab_free == NULL) {
    char *slab = mmap(NULL, page_size() + slot_size * SLAB_STACKS,
                      PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (slab == MAP_FAILED) return CORIO_ENOMEM;
    for (int i = SLAB_STACKS - 1; i >= 0; i--) {
      char *stack = slab + page_size() + (size_t)i * slot_size;
      *slab_link(stack) = slab_free;
      slab_free = stack;
    }
  }
  f->stack = slab_free;
  f->stack_size = slot_size - SLAB_META;
  slab_free = *slab_link(f->stack);
  *slab_canary(f->stack) = CORIO__STACK_CANARY;
  return CORIO_OK;
}

int corio__fiber_new(corio__fiber_t **out, size_t stack_size,
                     size_t asyncify_size) {
  (void)asyncify_size;
  *out = NULL;
  if (stack_size == 0) stack_size = DEFAULT_STACK_SIZE;
  size_t page = page_size();
  /* A size this large cannot be had; rounding it up would wrap. */
  if (stack_size > SIZE_MAX / 4) return CORIO_ENOMEM;
  if (stack_size < 4 * page) stack_size = 4 * page;
  stack_size = (stack_size + page - 1) & ~(page - 1);
  corio__fiber_t *f = calloc(1, sizeof *f);
  if (f == NULL) return CORIO_ENOMEM;
  f->stack_size = stack_size;
  bool slab_ok = stack_size == DEFAULT_STACK_SIZE;
  int rc = CORIO_ENOMEM;
  bool over_budget = guarded_live >= guarded_budget();
  if (!over_budget || !slab_ok) rc = new_guarded(f, stack_size);
  if (rc != CORIO_OK && slab_ok) {
    rc = new_from_slab(f, stack_size);
    if (rc == CORIO_OK) warn_unguarded(over_budget, guarded_live);
  }
  if (rc != CORIO_OK) {
    free(f);
    return rc;
  }
#ifdef CORIO__TSAN
  f->tsan = __tsan_create_fiber(0);
#endif
  *out = f;
  return CORIO_OK;
}

/* A task's first frames never return, so ASan's shadow of a fiber stack
 * can keep their poisoned redzones; a stack later placed at the same
 * addresses would inherit them. Every (re)started or freed stack is clean. */
static void unpoison_stack(corio__fiber_t *f) {
#ifdef CORIO__ASAN
  if (f->stack) __asan_unpoison_memory_region(f->stack, f->stack_size);
#else
  (void)f;
#endif
}

void corio__fiber_free(corio__fiber_t *f) {
  if (f == NULL) return;
#ifdef CORIO__TSAN
  __tsan_destroy_fiber(f->tsan);
#endif
  free(f->parked_copy); /* a task destroyed while parked */
  if (f->shared) {
    shared_stack_forget(f);
    free(f->saved);
    free(f);
    return;
  }
  unpoison_stack(f);
  if (f->map) {
    munmap(f->map, f->map_size);
    guarded_live--;
  } else if (f->stack) { /* back to the slab free list */
    *slab_link(f->stack) = slab_free;
    slab_free = f->stack;
  }
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

size_t corio__fiber_stack_size(const corio__fiber_t *f) {
  return f->stack_size;
}

size_t corio__fiber_asyncify_size(const corio__fiber_t *f) {
  (void)f;
  return 0;
}

/* The first frame on a new fiber's stack. */
static void fiber_main(corio__fiber_t *f) {
#ifdef CORIO__ASAN
  __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
  if (check_parked == 1) park_check_left();
  f->entry(f->arg); /* never returns: the entry switches away for good */
  abort();
}

#ifdef CORIO__ASM_SWITCH
/* Writes the frame a fiber's first switch returns into, just below `top`:
 * the callee-saved registers corio__ctx_switch pops, with fiber_main and
 * f in the two that corio__ctx_start passes on. */
static void first_frame(corio__fiber_t *f, char *top_of_stack) {
  uintptr_t top = ((uintptr_t)top_of_stack) & ~(uintptr_t)15;
  void **sp = (void **)(top - 16 - 7 * sizeof(void *));
  sp[0] = NULL;                     /* r15 */
  sp[1] = NULL;                     /* r14 */
  sp[2] = NULL;                     /* r13 */
  sp[3] = (void *)fiber_main;       /* r12: what corio__ctx_start calls */
  sp[4] = f;                        /* rbx: its argument */
  sp[5] = NULL;                     /* rbp */
  sp[6] = (void *)corio__ctx_start; /* where the first switch returns */
  f->sp = sp;
}

void corio__fiber_start(corio__fiber_t *f, corio__fiber_entry_fn entry,
                        void *arg) {
  f->pinned = false;
  f->entry = entry;
  f->arg = arg;
  if (f->shared) { /* its first frame is written when it is installed */
    shared_stack_forget(f);
    f->fresh = true;
    return;
  }
  unpoison_stack(f);
  first_frame(f, f->stack + f->stack_size);
}

static void raw_switch(corio__fiber_t *from, corio__fiber_t *to) {
  corio__ctx_switch(&from->sp, to->sp);
}
#else
static void trampoline(unsigned int hi, unsigned int lo) {
  fiber_main((corio__fiber_t *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo));
}

void corio__fiber_start(corio__fiber_t *f, corio__fiber_entry_fn entry,
                        void *arg) {
  unpoison_stack(f);
  f->pinned = false;
  f->entry = entry;
  f->arg = arg;
  getcontext(&f->ctx);
  f->ctx.uc_stack.ss_sp = f->stack;
  f->ctx.uc_stack.ss_size = f->stack_size;
  f->ctx.uc_link = NULL;
  uintptr_t p = (uintptr_t)f;
  makecontext(&f->ctx, (void (*)(void))trampoline, 2,
              (unsigned int)(p >> 16 >> 16), (unsigned int)(p & 0xffffffffu));
}

static void raw_switch(corio__fiber_t *from, corio__fiber_t *to) {
  swapcontext(&from->ctx, &to->ctx);
}
#endif

/* raw_switch, announced to the sanitizers (from_ends: `from` is never
 * resumed). Returns when something switches back to `from`. */
static void announced_switch(corio__fiber_t *from, corio__fiber_t *to,
                             bool from_ends) {
#ifdef CORIO__ASAN
  void *fake_stack = NULL;
  __sanitizer_start_switch_fiber(from_ends ? NULL : &fake_stack,
                                 to->stack ? to->stack : main_bottom,
                                 to->stack ? to->stack_size : main_size);
  raw_switch(from, to);
  __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#else
  (void)from_ends;
#ifdef CORIO__TSAN
  __tsan_switch_to_fiber(to->tsan, 0);
#endif
  raw_switch(from, to);
#endif
}

/* ---- the shared stacks ------------------------------------------------- */

/* Every fiber made by corio__fiber_new_shared runs on one of SHARED_STACKS
 * guarded stacks of its thread (given in turn as fibers are made; a fiber
 * keeps its stack for life). A stack's `occupant` is the fiber whose
 * frames are in it: the one running there, or the last one that parked
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
} shared_region_t;

static _Thread_local struct {
  shared_region_t regions[SHARED_STACKS];
  unsigned next;          /* the region the next fiber gets */
  corio__fiber_t *mover;  /* moves frames within one region */
  corio__fiber_t *target; /* the fiber the mover installs next */
} shared;

static char *shared_stack_map(const corio__fiber_t *f) {
  return f->region->mapping.map;
}
static corio__fiber_t *shared_stack_occupant(const corio__fiber_t *f) {
  return f->region->occupant;
}

#ifdef CORIO__ASAN
#define copy_stack copy_bytes /* redzones are copied on purpose */
#else
#define copy_stack memcpy
#endif

/* How far below the frame that calls corio__fiber_ready_to_park the
 * switch's own frames may reach: the room reserved for them beyond that
 * frame's depth. Generous under ASan, whose frames carry redzones. */
#ifdef CORIO__ASAN
#define PARK_MARGIN 4096
#else
#define PARK_MARGIN 512
#endif

int corio__fiber_ready_to_park(corio__fiber_t *f) {
  if (!f->shared) return CORIO_OK;
  size_t need =
      (size_t)(stack_top(f) - (char *)__builtin_frame_address(0)) + PARK_MARGIN;
  if (f->saved_cap >= need) return CORIO_OK;
  char *p = realloc(f->saved, need);
  if (p == NULL) return CORIO_ENOMEM;
  f->saved = p;
  f->saved_cap = need;
  return CORIO_OK;
}

/* Copies the parked occupant f's frames out; its stack is then free. The
 * room was reserved when it got ready to park; what is left beyond its
 * frames and the margin is given back. */
static void shared_stack_evict(corio__fiber_t *f) {
  size_t used = (size_t)(stack_top(f) - (char *)f->sp);
  if (f->saved_cap < used) { /* the margin was too small: a build's bug */
    static const char line[] = "corio: a parked task's frames outgrew the "
                               "room reserved for them (PARK_MARGIN)\n";
    ssize_t ignored = write(2, line, sizeof line - 1);
    (void)ignored;
    abort();
  }
  copy_stack(f->saved, f->sp, used);
  f->saved_len = used;
  f->region->occupant = NULL;
  if (f->saved_cap > used + 2 * PARK_MARGIN) { /* parked deep once */
    char *p = realloc(f->saved, used + PARK_MARGIN);
    if (p) {
      f->saved = p;
      f->saved_cap = used + PARK_MARGIN;
    }
  }
}

/* Makes f its stack's occupant: the current occupant's frames are moved
 * out, f's put back (or, for a fiber that never ran, its first frame
 * written). Never called on that stack itself. */
static void install(corio__fiber_t *f) {
  shared_region_t *r = f->region;
  if (r->occupant == f) return;
  if (r->occupant) shared_stack_evict(r->occupant);
  char *top = stack_top(f);
  if (f->fresh) {
    f->fresh = false;
#ifdef CORIO__ASAN
    /* The shadow still describes frames of other fibers. */
    __asan_unpoison_memory_region(f->stack, f->stack_size);
#endif
    first_frame(f, top);
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
static void shared_stack_forget(corio__fiber_t *f) {
  if (f->region && f->region->occupant == f) f->region->occupant = NULL;
}

/* The mover's body: installs the target, switches to it, and starts over
 * when a shared fiber next switches to another of its stack. */
static void mover_main(void *arg) {
  corio__fiber_t *self = arg;
  for (;;) {
    corio__fiber_t *to = shared.target;
    shared.target = NULL;
    install(to);
    running = to;
    announced_switch(self, to, false);
  }
}

/* The thread's shared stacks and mover, made with its first shared fiber. */
static int shared_stacks_open(void) {
  if (shared.mover) return CORIO_OK;
  int rc = CORIO_OK;
  for (int i = 0; i < SHARED_STACKS && rc == CORIO_OK; i++) {
    shared_region_t *r = &shared.regions[i];
    if (r->mapping.stack) continue;
    rc = new_guarded(&r->mapping, DEFAULT_STACK_SIZE);
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
  f->region = &shared.regions[shared.next++ % SHARED_STACKS];
  f->stack = f->region->mapping.stack;
  f->stack_size = f->region->mapping.stack_size;
#ifdef CORIO__TSAN
  f->tsan = __tsan_create_fiber(0);
#endif
  *out = f;
  return CORIO_OK;
}
#else
/* Without the x86-64 switch (no saved stack pointer to move frames from),
 * a shared fiber is a default one with its own stack, movable in name:
 * programs behave the same on every build (corio__fiber_pin says no). */
static char *shared_stack_map(const corio__fiber_t *f) {
  (void)f;
  return NULL;
}
static void shared_stack_forget(corio__fiber_t *f) { (void)f; }

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

void corio__fiber_switch(corio__fiber_t *from, corio__fiber_t *to, int how) {
  bool check = check_parked == 1;
  bool ends = how == CORIO__FIBER_ENDS;
  if (ends && from->shared) shared_stack_forget(from);
#ifdef CORIO__ASM_SWITCH
  if (check) {
    if (to->stack && !to->shared) park_check_end(to);
    /* A shared fiber's frames are checked by moving them out at once,
     * unless the mover moves them anyway. */
    if (how == CORIO__FIBER_PARKS && from->stack &&
        !(from->shared && to->shared && from->region == to->region))
      leaving = from;
  }
  if (to->shared && to->region->occupant != to) {
    if (from->shared && from->region == to->region) { /* on it: the mover */
      shared.target = to;
      running = shared.mover;
      announced_switch(from, shared.mover, ends);
      running = from;
      if (check) park_check_left();
      return;
    }
    install(to);
  }
#endif
  running = to->stack ? to : NULL;
  announced_switch(from, to, ends);
  running = from->stack ? from : NULL;
  if (check) park_check_left();
}

const uint64_t *corio__fiber_canary(const corio__fiber_t *f) {
  /* The main stack has no canary; a guarded one has the guard instead. */
  if (f == NULL || f->stack == NULL || f->map != NULL || f->shared) return NULL;
  return slab_canary(f->stack);
}
