/*
 * saved_frames.h — the buffer a parked task's frames are moved into off a
 * shared stack, for both fiber backends (fiber_emscripten.c,
 * shared_stack_native.c): how big it is kept, and the spare that makes
 * moving them out never fail.
 *
 * A parked task's buffer holds the bytes its frames use, yet moving them
 * out must not fail: it happens in a switch, where no error can be
 * returned. So before a task parks (corio__fiber_ready_to_park), its shared
 * stack holds a spare buffer as big as the stack (no frames can be
 * bigger), and the wait fails with CORIO_ENOMEM if there is no memory for
 * one. A spare per stack is enough: only a stack's occupant is ever moved
 * out of it, and that occupant made sure of the spare when it got ready to
 * park.
 */
#ifndef CORIO_SAVED_FRAMES_H
#define CORIO_SAVED_FRAMES_H

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

/* Gets the stack's spare ready before its occupant parks
 * (corio__fiber_ready_to_park): *spare, NULL or spare_cap bytes already,
 * is allocated if it is not. False if there is no memory for it. */
static inline bool corio__saved_frames_spare(char **spare, size_t spare_cap) {
  if (*spare == NULL) *spare = malloc(spare_cap);
  return *spare != NULL;
}

/* Makes *buf (*cap bytes) fit `need` bytes of frames: grown to them, or,
 * much larger than they need (the task parked deeper once), shrunk to
 * them. If it cannot grow, the stack's spare (*spare, spare_cap bytes,
 * enough for any frames) takes its place and *spare becomes NULL; false if
 * there is none (the task parked unprepared). A failed shrink keeps *buf
 * as it was. */
static inline bool corio__saved_frames_fit(char **buf, size_t *cap, size_t need,
                                           char **spare, size_t spare_cap) {
  if (*cap >= need && *cap <= 2 * need + 256) return true;
  char *p = realloc(*buf, need);
  if (p != NULL) {
    *buf = p;
    *cap = need;
  } else if (*cap < need) {
    if (*spare == NULL) return false;
    free(*buf);
    *buf = *spare;
    *cap = spare_cap;
    *spare = NULL;
  }
  return true;
}

/* Ends the program when corio__saved_frames_fit could not: a task parked
 * without getting ready to (a backend's bug). */
static inline void corio__saved_frames_lost(void) {
  static const char line[] = "corio: no memory for a parked task's frames "
                             "(moving them off a shared stack)\n";
  ssize_t ignored = write(2, line, sizeof line - 1);
  (void)ignored;
  abort();
}

#endif
