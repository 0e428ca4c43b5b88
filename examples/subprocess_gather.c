/*
 * subprocess_gather.c — the guide's section 19 with its section 12: several
 * children run at once and are gathered (asyncio.gather over coroutines
 * that each start a command and communicate), and a child that outlives
 * its time limit: wait_for(process.wait(), timeout) times out, which stops
 * the waiting, not the child, so the program kills it and waits again
 * (returncode -9). Builds natively and for wasm; its output is checked
 * against subprocess_gather.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

/* Runs "sleep 0.N; echo N" and returns N as said by the child. */
static int run_one(void *arg, intptr_t *result) {
  int n = (int)(intptr_t)arg;
  char cmd[64];
  snprintf(cmd, sizeof cmd, "sleep 0.%d; echo %d", n, n);
  corio_process_opts_t opts = {.out = CORIO_STDIO_PIPE};
  corio_process_t *p;
  int rc = corio_subprocess_shell(&p, cmd, &opts);
  if (rc != CORIO_OK) return rc;
  char *out = NULL;
  rc = corio_process_communicate(p, NULL, 0, &out, NULL, NULL, NULL);
  if (rc == CORIO_OK) {
    printf("child %d done\n", n);
    *result = atoi(out);
  }
  free(out);
  corio_process_free(p);
  return rc;
}

static int wait_coro(void *arg, intptr_t *result) {
  int code = 0;
  int rc = corio_process_wait(arg, &code);
  *result = code;
  return rc;
}

static int main_coro(void *arg, intptr_t *result) {
  (void)arg, (void)result;
  void *args[] = {(void *)3, (void *)1, (void *)2};
  intptr_t said[3];
  int rc = corio_gather_each(run_one, args, 3, said, NULL);
  if (rc != CORIO_OK) return rc;
  printf("gathered: %d %d %d\n", (int)said[0], (int)said[1], (int)said[2]);

  /* A time limit that kills. */
  corio_process_t *p;
  if ((rc = corio_subprocess_shell(&p, "exec sleep 10", NULL)) != CORIO_OK)
    return rc;
  corio_task_t *waiting;
  if ((rc = corio_task_create(&waiting, wait_coro, p, NULL)) != CORIO_OK)
    return rc;
  rc = corio_wait_for(waiting, 0.2, NULL);
  corio_task_release(waiting);
  printf("wait_for(wait(), 0.2): %s, child still running: %s\n",
         corio_err_name(rc), corio_process_returncode(p, NULL) ? "no" : "yes");
  corio_process_kill(p);
  int code = 0;
  corio_process_wait(p, &code);
  printf("killed: returncode %d\n", code);
  corio_process_free(p);
  return CORIO_OK;
}

int main(void) {
  corio_outcome_t out;
  int rc = corio_run_ex(main_coro, NULL, NULL, &out);
  if (rc != CORIO_OK)
    printf("failed: %s: %s\n", corio_err_name(rc), out.message);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
