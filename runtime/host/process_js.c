/*
 * process_js.c — the wasm process backend (runtime/backend.h, "processes
 * and pipes"): each corio__process_* / corio__pipe_* call is handed to
 * runtime/host/library_process.js (Node's child_process.spawn; in a
 * browser, CORIO_ENOTSUP), and JS reports back through the plain,
 * non-suspending exports below, then kicks the loop, as the net transports
 * do (net_js.c). A pipe's data, EOF, sent, error and connected reports are
 * a connection's, through net_js.c's exports; its closed report is its own
 * (it is counted here).
 *
 * JS names a process or a pipe by the core's record pointer and drops its
 * record before the last report (exit, start error, closed) or when the
 * core releases the process, so a pointer is never used after the core
 * may have freed it. Strings are borrowed for the call.
 */
#include <emscripten.h>
#include <stddef.h>

#include "backend.h"
#include "corio.h"
#include "host/process_host.h"

/* ---- imports from runtime/host/library_process.js ----------------------- */

/* stdio: one letter per fd 0, 1, 2: 'I' inherited, 'P' a pipe (pipes[fd]
 * its connection), 'N' /dev/null, 'O' stdout's; env_mode: 'I' inherit, 'R'
 * replace, 'A' add (corio_stdio_t and corio_env_mode_t, spelled once in
 * corio.h, are translated here). */
extern void corio_js_process_spawn(corio__process_t *p, const char *const *argv,
                                   const char *cwd, int env_mode,
                                   const char *const *env, const char *stdio,
                                   corio__conn_t *const *pipes);
extern int corio_js_process_signal(corio__process_t *p, int sig);
extern void corio_js_process_release(corio__process_t *p);
extern void corio_js_process_detach_all(void);
extern void corio_js_pipe_write(corio__conn_t *c, const void *data, size_t n);
extern void corio_js_pipe_pause(corio__conn_t *c, int pause);
extern void corio_js_pipe_close(corio__conn_t *c, int graceful);

/* Processes not yet reaped nor let go, and pipes not yet closed: while one
 * lives, a report can still wake a task. */
static size_t live;

size_t corio__process_pending(void) { return live; }

void corio__process_detach_all(void) {
  if (live > 0) corio_js_process_detach_all();
}

/* ---- calls from the core ------------------------------------------------ */

static char stdio_letter(int mode) {
  switch (mode) {
  case CORIO_STDIO_PIPE:
    return 'P';
  case CORIO_STDIO_DEVNULL:
    return 'N';
  case CORIO_STDIO_STDOUT:
    return 'O';
  default:
    return 'I';
  }
}

int corio__process_spawn(corio__process_t *p, const corio__spawn_t *spec) {
  live++;
  char stdio[4] = "";
  for (int i = 0; i < 3; i++) {
    if (spec->pipes[i]) live++;
    stdio[i] = stdio_letter(spec->stdio[i]);
  }
  int env = spec->env_mode == CORIO_ENV_REPLACE ? 'R'
            : spec->env_mode == CORIO_ENV_ADD   ? 'A'
                                                : 'I';
  corio_js_process_spawn(p, spec->argv, spec->cwd ? spec->cwd : "", env,
                         spec->env, stdio, spec->pipes);
  return CORIO_OK;
}

int corio__process_signal(corio__process_t *p, int sig) {
  return corio_js_process_signal(p, sig);
}

void corio__process_release(corio__process_t *p) {
  live--;
  corio_js_process_release(p);
}

void corio__pipe_write(corio__conn_t *c, const void *data, size_t n) {
  corio_js_pipe_write(c, data, n);
}

/* On a pipe EOF is the end of it, after the bytes written. */
void corio__pipe_write_eof(corio__conn_t *c) { corio_js_pipe_close(c, 1); }

void corio__pipe_pause_reading(corio__conn_t *c, int pause) {
  corio_js_pipe_pause(c, pause);
}

void corio__pipe_close(corio__conn_t *c, int graceful) {
  corio_js_pipe_close(c, graceful);
}

/* ---- reports from JS ---------------------------------------------------- */

EMSCRIPTEN_KEEPALIVE void corio_on_process_started(corio__process_t *p,
                                                   int pid) {
  corio__process_on_started(p, pid);
}

/* The last report on p. */
EMSCRIPTEN_KEEPALIVE void corio_on_process_start_error(corio__process_t *p,
                                                       int code,
                                                       const char *message) {
  live--;
  corio__process_on_start_error(p, code, message);
}

/* The last report on p. */
EMSCRIPTEN_KEEPALIVE void corio_on_process_exit(corio__process_t *p,
                                                int returncode) {
  live--;
  corio__process_on_exit(p, returncode);
}

/* The last report on p: its run ended with the child running. */
EMSCRIPTEN_KEEPALIVE void corio_on_process_detached(corio__process_t *p) {
  live--;
  corio__process_on_detached(p);
}

/* The last report on pipe c. */
EMSCRIPTEN_KEEPALIVE void corio_on_pipe_closed(corio__conn_t *c) {
  live--;
  corio__conn_on_closed(c);
}
