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
 * resumes (shared_stack_native.c). CORIO_CHECK_PARKED_STACKS=1 holds
 * the rest of corio to what that needs (parked_check_native.c).
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

#include "fiber/fiber_native.h"

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

static size_t page_size(void) {
  static size_t size;
  if (size == 0) size = (size_t)sysconf(_SC_PAGESIZE);
  return size;
}

const char *corio__fiber_backend_name(void) {
#ifdef CORIO__ASM_SWITCH
  return "x86_64-switch";
#else
  return "ucontext";
#endif
}

/* ---- overflow reporting ------------------------------------------------ */

_Thread_local corio__fiber_t *corio__native_running;

static void on_segv(int sig, siginfo_t *info, void *uctx) {
  (void)uctx;
  corio__fiber_t *f = corio__native_running;
  char *addr = info->si_addr;
  char *guard = f == NULL   ? NULL
                : f->shared ? corio__native_shared_map(f)
                            : f->map;
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
    corio__native_park_check_setup();
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

int corio__native_new_guarded(corio__fiber_t *f, size_t stack_size) {
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
  if (!over_budget || !slab_ok) rc = corio__native_new_guarded(f, stack_size);
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
    corio__native_shared_forget(f);
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

bool corio__fiber_shared(const corio__fiber_t *f) { return f->movable; }

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
  if (corio__native_check_parked == 1) corio__native_park_check_left();
  f->entry(f->arg); /* never returns: the entry switches away for good */
  abort();
}

#ifdef CORIO__ASM_SWITCH
/* Writes the frame a fiber's first switch returns into, just below `top`:
 * the callee-saved registers corio__ctx_switch pops, with fiber_main and
 * f in the two that corio__ctx_start passes on. */
void corio__native_first_frame(corio__fiber_t *f, char *top_of_stack) {
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
    corio__native_shared_start(f);
    return;
  }
  unpoison_stack(f);
  corio__native_first_frame(f, f->stack + f->stack_size);
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

void corio__native_switch(corio__fiber_t *from, corio__fiber_t *to,
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

void corio__fiber_switch(corio__fiber_t *from, corio__fiber_t *to, int how) {
  bool check = corio__native_check_parked == 1;
  bool ends = how == CORIO__FIBER_ENDS;
  if (ends && from->shared) corio__native_shared_forget(from);
  if (check) {
    if (to->stack && !to->shared) corio__native_park_check_end(to);
    /* A shared fiber's frames are checked by moving them out at once,
     * unless the mover moves them anyway. */
    if (how == CORIO__FIBER_PARKS && from->stack &&
        !(from->shared && to->shared && from->region == to->region))
      corio__native_leaving = from;
  }
  if (to->shared) {
    corio__native_shared_switch(from, to, ends);
  } else {
    corio__native_running = to->stack ? to : NULL;
    corio__native_switch(from, to, ends);
  }
  corio__native_running = from->stack ? from : NULL;
  if (check) corio__native_park_check_left();
}

const uint64_t *corio__fiber_canary(const corio__fiber_t *f) {
  /* The main stack has no canary; a guarded one has the guard instead. */
  if (f == NULL || f->stack == NULL || f->map != NULL || f->shared) return NULL;
  return slab_canary(f->stack);
}
