/*
 * subprocess_exec.c — the guide's section 19.2 (run a command directly,
 * asyncio.create_subprocess_exec) in C: corio_subprocess_exec() starts a
 * program with its arguments, no shell; its stdout, a pipe, is read as a
 * stream, line by line (Process.stdout.readline). Then what the process
 * object tells: a nonzero exit code, a child killed by a signal
 * (returncode -9), and a program that does not exist, an error of the
 * start call itself (FileNotFoundError). Builds natively and for wasm (in
 * Node, children are started through child_process); its output is
 * checked against subprocess_exec.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "corio.h"

static int main_coro(void *arg, intptr_t *result) {
  (void)arg, (void)result;
  /* 19.2: a program with its arguments, its output as a stream. */
  const char *argv[] = {"/bin/echo", "Hello", "World", NULL};
  corio_process_opts_t opts = {.out = CORIO_STDIO_PIPE};
  corio_process_t *p;
  int rc = corio_subprocess_exec(&p, argv, &opts);
  if (rc != CORIO_OK) return rc;
  printf("started /bin/echo (pid known: %s)\n",
         corio_process_pid(p) > 0 ? "yes" : "no");
  char *line;
  size_t len;
  while ((rc = corio_readline(corio_process_stdout(p), &line, &len)) ==
             CORIO_OK &&
         len > 0) {
    printf("read: %s", line);
    free(line);
  }
  free(line);
  int code = -1;
  corio_process_wait(p, &code);
  printf("echo exited with %d\n", code);
  corio_process_free(p);

  /* A nonzero exit code. */
  const char *fail[] = {"/bin/sh", "-c", "exit 3", NULL};
  if ((rc = corio_subprocess_exec(&p, fail, NULL)) != CORIO_OK) return rc;
  corio_process_wait(p, &code);
  printf("sh -c 'exit 3' exited with %d\n", code);
  corio_process_free(p);

  /* A child killed by a signal: minus the signal's number. */
  const char *sleeper[] = {"sleep", "10", NULL};
  if ((rc = corio_subprocess_exec(&p, sleeper, NULL)) != CORIO_OK) return rc;
  printf("sleep 10 running: returncode %s\n",
         corio_process_returncode(p, NULL) ? "set" : "none");
  corio_process_kill(p);
  corio_process_wait(p, &code);
  printf("sleep 10 killed: returncode %d\n", code);
  corio_process_free(p);

  /* A program that does not exist: the start call fails. */
  const char *missing[] = {"/no/such/program", NULL};
  rc = corio_subprocess_exec(&p, missing, NULL);
  printf("/no/such/program: %s (%s)\n", corio_err_name(rc), corio_errmsg());
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
