/*
 * parked_check_native.c — CORIO_CHECK_PARKED_STACKS=1 for the native fiber
 * backend: a parked task's frames are overwritten with a pattern while it
 * is parked, and a write to a parked stack of its own is caught when the
 * task resumes. How the test suite proves that nothing reaches a parked
 * task through its stack (runtime/backend.h, CORIO__FIBER_PARKS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fiber/fiber_native.h"

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

_Thread_local int corio__native_check_parked;
_Thread_local corio__fiber_t *corio__native_leaving;

#ifdef CORIO__ASM_SWITCH

/* Byte loops, not memcpy: the parked frames' ASan redzones are read and
 * written here on purpose. */
#ifdef CORIO__ASAN
__attribute__((no_sanitize("address")))
#endif
void corio__native_copy_bytes(volatile char *to, const volatile char *from,
                              size_t n) {
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
    if (corio__native_shared_occupant(f) == f) {
      corio__native_shared_evict(f);
      fill_bytes(f->sp, (size_t)(corio__native_stack_top(f) - (char *)f->sp));
    }
    return;
  }
  char *sp = f->sp;
  size_t used = (size_t)(corio__native_stack_top(f) - sp);
  f->parked_copy = malloc(used ? used : 1);
  if (f->parked_copy == NULL) return;
  corio__native_copy_bytes(f->parked_copy, sp, used);
  fill_bytes(sp, used);
}

/* f is about to be switched back to: checks and restores its used part. */
void corio__native_park_check_end(corio__fiber_t *f) {
  if (f->parked_copy == NULL) return;
  char *sp = f->sp;
  size_t used = (size_t)(corio__native_stack_top(f) - sp);
  size_t at = first_changed(sp, used);
  if (at < used) {
    char line[320];
    size_t n = corio__parked_write_message(line, sizeof line, used - at);
    ssize_t ignored = write(2, line, n);
    (void)ignored;
    abort();
  }
  corio__native_copy_bytes(sp, f->parked_copy, used);
  free(f->parked_copy);
  f->parked_copy = NULL;
}
#else
void corio__native_park_check_end(corio__fiber_t *f) { (void)f; }
#endif

void corio__native_park_check_setup(void) {
  const char *v = getenv("CORIO_CHECK_PARKED_STACKS");
  corio__native_check_parked = v && strcmp(v, "1") == 0 ? 1 : -1;
#ifndef CORIO__ASM_SWITCH
  if (corio__native_check_parked == 1)
    fputs("corio: CORIO_CHECK_PARKED_STACKS needs the x86-64 switch; "
          "ignored\n",
          stderr);
  corio__native_check_parked = -1;
#endif
}

/* Runs in whatever context a switch resumed: the fiber that left parks. */
void corio__native_park_check_left(void) {
#ifdef CORIO__ASM_SWITCH
  corio__fiber_t *f = corio__native_leaving;
  corio__native_leaving = NULL;
  if (f) park_check_begin(f);
#endif
}
