/*
 * to_thread.c — the guide's section 14 (asyncio.to_thread) in C: a
 * CPU-bound function (hashing a buffer) run once on the loop's thread,
 * where it freezes every task (a ticker that should tick every millisecond
 * does not tick once), and once through corio_to_thread, where it runs on a
 * worker thread while the loop keeps the ticker going. The hash is the
 * same both times. The size in MB is the first argument (default 64; the
 * guide's lesson uses a few hundred). Natively both runs happen; in the
 * single-threaded wasm build the second one fails with CORIO_ENOTSUP and
 * says why (no threads there), and is never run on the loop instead.
 */
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"
#include "hash_work.h"

/* The page's live clock, as a task: counts its ticks until cancelled. */
static int ticker(void *arg, intptr_t *result) {
  (void)result;
  long *ticks = arg;
  for (;;) {
    int rc = corio_sleep(0.001);
    if (rc != CORIO_OK) return rc;
    (*ticks)++;
  }
}

/* Runs the hash with the ticker going; on_loop: call it directly. */
static int hash_with_ticker(hash_work_t *w, int on_loop) {
  long ticks = 0;
  corio_task_t *t;
  int rc = corio_task_create(&t, ticker, &ticks, NULL);
  if (rc != CORIO_OK) return rc;
  corio_sleep(0.005); /* the ticker is under way */
  long before = ticks;
  intptr_t unused;
  rc = on_loop ? hash_buffer(w, &unused)
               : corio_to_thread(hash_buffer, w, &unused);
  long during = ticks - before;
  /* Said before the await below, which resets the task's message. */
  if (rc != CORIO_OK)
    printf("failed: %s: %s\n", corio_err_name(rc), corio_errmsg());
  corio_task_cancel(t, NULL);
  corio_await(t, NULL);
  corio_task_release(t);
  if (rc != CORIO_OK) return rc;
  printf("hash %016llx; the ticker %s\n", (unsigned long long)w->hash,
         during == 0 ? "froze (no tick while hashing)"
                     : "kept ticking while hashing");
  return CORIO_OK;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)result;
  size_t mb = *(size_t *)arg;
  hash_work_t w = {mb << 20, 0};
  printf("hashing %zu MB on the loop's thread:\n", mb);
  int rc = hash_with_ticker(&w, 1);
  if (rc != CORIO_OK) return rc;
  printf("hashing %zu MB with corio_to_thread:\n", mb);
  return hash_with_ticker(&w, 0);
}

int main(int argc, char **argv) {
  size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 64;
  int rc = corio_run(main_coroutine, &mb, NULL);
  exit(rc == CORIO_OK ? 0 : 1); /* wasm: a suspended main's return is lost */
}
