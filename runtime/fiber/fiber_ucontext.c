/*
 * fiber_ucontext.c — the native fiber backend: ucontext contexts on mmap'd
 * stacks. Each stack has an inaccessible guard page below it, so an overflow
 * faults at once; a SIGSEGV handler on its own signal stack names the
 * overflowing fiber instead of letting it be an anonymous crash. A canary
 * above the guard page is checked at every switch as a second line.
 * Under AddressSanitizer every switch is announced to it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
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

#ifdef CORIO__ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old,
                                     size_t *size_old);
#endif

#define CANARY 0xC0510C0A57ACCA11ull

struct corio__fiber {
  ucontext_t ctx;
  char *map;          /* guard page + stack (NULL for the main fiber) */
  size_t map_size;
  char *stack;        /* usable stack, above the guard page */
  size_t stack_size;
  corio__fiber_entry_fn entry;
  void *arg;
};

static size_t page_size(void) {
  static size_t size;
  if (size == 0) size = (size_t)sysconf(_SC_PAGESIZE);
  return size;
}

size_t corio__fiber_default_stack_size(void) { return 256 * 1024; }
size_t corio__fiber_default_asyncify_size(void) { return 0; }

const char *corio__fiber_backend_name(void) { return "ucontext"; }

/* ---- overflow reporting ------------------------------------------------ */

/* The fiber running now (NULL: the thread's own stack). */
static _Thread_local corio__fiber_t *running;

static void on_segv(int sig, siginfo_t *info, void *uctx) {
  (void)uctx;
  corio__fiber_t *f = running;
  char *addr = info->si_addr;
  /* A fault in (or just below) the guard page is an overflow. */
  if (f && f->map && addr >= f->map - page_size() && addr < f->stack) {
    static const char msg[] =
        "corio: stack overflow in a task: it used more than its C stack; "
        "give it a larger corio_task_opts_t.stack_size\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
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

static _Thread_local corio__fiber_t *main_fiber;

corio__fiber_t *corio__fiber_main(void) {
  if (main_fiber == NULL) {
    main_fiber = calloc(1, sizeof *main_fiber);
    install_overflow_handler();
  }
  return main_fiber;
}

void corio__fiber_free_main(void) {
  free(main_fiber);
  main_fiber = NULL;
}

int corio__fiber_new(corio__fiber_t **out, size_t stack_size,
                     size_t asyncify_size) {
  (void)asyncify_size;
  *out = NULL;
  if (stack_size == 0) stack_size = corio__fiber_default_stack_size();
  size_t page = page_size();
  if (stack_size < 4 * page) stack_size = 4 * page;
  stack_size = (stack_size + page - 1) & ~(page - 1);
  corio__fiber_t *f = calloc(1, sizeof *f);
  if (f == NULL) return CORIO_ENOMEM;
  f->map_size = stack_size + page;
  f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (f->map == MAP_FAILED) {
    free(f);
    return CORIO_ENOMEM;
  }
  mprotect(f->map, page, PROT_NONE);
  f->stack = f->map + page;
  f->stack_size = stack_size;
  memcpy(f->stack, &(uint64_t){CANARY}, sizeof(uint64_t));
  *out = f;
  return CORIO_OK;
}

void corio__fiber_free(corio__fiber_t *f) {
  if (f == NULL) return;
  munmap(f->map, f->map_size);
  free(f);
}

size_t corio__fiber_stack_size(const corio__fiber_t *f) {
  return f->stack_size;
}

size_t corio__fiber_asyncify_size(const corio__fiber_t *f) {
  (void)f;
  return 0;
}

#ifdef CORIO__ASAN
/* The thread's own stack, as ASan reported it when we first left it. Tasks
 * only ever switch with the main fiber, so whoever switched into a task was
 * on this stack. */
static _Thread_local const void *main_bottom;
static _Thread_local size_t main_size;
#endif

static void trampoline(unsigned int hi, unsigned int lo) {
  corio__fiber_t *f =
      (corio__fiber_t *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
#ifdef CORIO__ASAN
  __sanitizer_finish_switch_fiber(NULL, &main_bottom, &main_size);
#endif
  f->entry(f->arg); /* never returns: the entry switches away for good */
  abort();
}

void corio__fiber_start(corio__fiber_t *f, corio__fiber_entry_fn entry,
                        void *arg) {
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

void corio__fiber_switch(corio__fiber_t *from, corio__fiber_t *to,
                         int finished) {
  running = to->map ? to : NULL;
#ifdef CORIO__ASAN
  void *fake_stack = NULL;
  __sanitizer_start_switch_fiber(finished ? NULL : &fake_stack,
                                 to->map ? to->stack : main_bottom,
                                 to->map ? to->stack_size : main_size);
  swapcontext(&from->ctx, &to->ctx);
  if (from->map)
    __sanitizer_finish_switch_fiber(fake_stack, &main_bottom, &main_size);
  else
    __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#else
  (void)finished;
  swapcontext(&from->ctx, &to->ctx);
#endif
  running = from->map ? from : NULL;
}

int corio__fiber_check(const corio__fiber_t *f) {
  uint64_t canary;
  if (f == NULL || f->map == NULL) return 0;
  memcpy(&canary, f->stack, sizeof canary);
  return canary == CANARY ? 0 : -1;
}
