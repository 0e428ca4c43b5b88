/*
 * subprocess_shell.c — the guide's section 19.3 (run a command via the
 * shell, asyncio.create_subprocess_shell) in C: corio_subprocess_shell()
 * hands a command line to /bin/sh, so pipelines and redirections work.
 * communicate() writes the input to the child's stdin, closes it, and
 * collects stdout and stderr together (Process.communicate(input)); a
 * stream that is not a pipe comes back as NULL (None), and stderr can be
 * sent into stdout (subprocess.STDOUT; in Node the two arrive over two
 * pipes, in the order they come). Builds natively and for wasm; its
 * output is checked against subprocess_shell.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

static int main_coro(void *arg, intptr_t *result) {
  (void)arg, (void)result;
  /* A pipeline fed by communicate's input. */
  corio_process_opts_t opts = {
      .in = CORIO_STDIO_PIPE, .out = CORIO_STDIO_PIPE, .err = CORIO_STDIO_PIPE};
  corio_process_t *p;
  int rc =
      corio_subprocess_shell(&p, "sort | tr a-z A-Z; echo sorted >&2", &opts);
  if (rc != CORIO_OK) return rc;
  const char *input = "pear\napple\nfig\n";
  char *out, *err;
  rc = corio_process_communicate(p, input, strlen(input), &out, NULL, &err,
                                 NULL);
  if (rc != CORIO_OK) return rc;
  int code = -1;
  corio_process_returncode(p, &code);
  printf("stdout:\n%sstderr: %sreturncode: %d\n", out, err, code);
  free(out);
  free(err);
  corio_process_free(p);

  /* stderr into stdout; stdin not piped. */
  corio_process_opts_t merged = {.out = CORIO_STDIO_PIPE,
                                 .err = CORIO_STDIO_STDOUT};
  rc = corio_subprocess_shell(
      &p, "echo to stdout; sleep 0.1; echo to stderr >&2; exit 1", &merged);
  if (rc != CORIO_OK) return rc;
  rc = corio_process_communicate(p, NULL, 0, &out, NULL, &err, NULL);
  if (rc != CORIO_OK) return rc;
  corio_process_returncode(p, &code);
  printf("merged:\n%sstderr is %s, returncode: %d\n", out,
         err ? "piped" : "None", code);
  free(out);
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
