/*
 * task_cache.c — where task and future records come from and go back to.
 * A loop keeps the records its tasks released while it was busy and hands
 * them to the next tasks it makes, so a task's lifecycle costs no malloc
 * or free in steady state and touches no fresh memory. When the loop goes
 * idle (it is about to wait for the host) it gives back to malloc all but
 * a small reserve: the cache never holds more than the loop's last busy
 * period released, and an idle loop holds at most the reserve.
 *
 * A record released while its loop is not the running one (after
 * corio_run, from the host between turns) goes straight to free(): the
 * loop may be gone. Under AddressSanitizer a cached record is poisoned, so
 * a use after its release is still reported.
 */
#include <sanitizer/asan_interface.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Records an idle loop keeps (under 32 KiB): the next few tasks' worth. */
#define CORIO__TASK_CACHE_RESERVE 64

corio_task_t *corio__task_record_new(corio_loop_t *loop) {
  corio_task_t *t = loop->task_cache;
  if (t) {
    ASAN_UNPOISON_MEMORY_REGION(t, sizeof *t);
    loop->task_cache = t->next;
    loop->task_cache_len--;
    memset(t, 0, sizeof *t);
  } else if ((t = calloc(1, sizeof *t)) == NULL) {
    return NULL;
  }
  /* What a task and a future both start with. */
  t->loop = loop;
  t->callbacks = t->cb_inline;
  t->callbacks_cap = sizeof t->cb_inline / sizeof t->cb_inline[0];
  return t;
}

void corio__task_record_free(corio_task_t *t) {
  corio_loop_t *loop = corio__loop;
  if (loop == NULL || loop != t->loop) {
    free(t);
    return;
  }
  t->next = loop->task_cache;
  loop->task_cache = t;
  loop->task_cache_len++;
  ASAN_POISON_MEMORY_REGION(t, sizeof *t);
}

/* Frees cached records until at most `keep` are left. */
static void cache_trim(corio_loop_t *loop, size_t keep) {
  while (loop->task_cache_len > keep) {
    corio_task_t *t = loop->task_cache;
    ASAN_UNPOISON_MEMORY_REGION(t, sizeof *t);
    loop->task_cache = t->next;
    loop->task_cache_len--;
    free(t);
  }
}

void corio__task_cache_idle(corio_loop_t *loop) {
  cache_trim(loop, CORIO__TASK_CACHE_RESERVE);
}

void corio__task_cache_free(corio_loop_t *loop) { cache_trim(loop, 0); }
