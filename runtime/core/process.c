/*
 * process.c — asyncio's subprocesses (include/corio.h, section 13): the
 * start calls, the process object (pid, returncode, wait, signals) and
 * communicate, over the backend's process verbs (runtime/backend.h,
 * "processes and pipes"). A child's pipes are connections (conn.c) whose
 * transport is the backend's pipe: the same readers and writer as a
 * socket's, owned here.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "stream_internal.h"

/* Where a process is in its life, as the backend reported it. */
typedef enum proc_state {
  PROC_STARTING, /* spawn called, no report yet */
  PROC_RUNNING,  /* on_started */
  PROC_EXITED,   /* on_exit: returncode is set */
  PROC_FAILED,   /* on_start_error */
  PROC_DETACHED, /* on_detached: its loop ended with the child running */
} proc_state_t;

struct corio_process {
  void *host; /* the backend's slot */
  proc_state_t state;
  int pid;
  int returncode;          /* once PROC_EXITED */
  int error;               /* once PROC_FAILED */
  char *errmsg;            /* owned */
  corio__conn_t *pipes[3]; /* stdin, stdout, stderr if piped, else NULL */
  corio_event_t *changed;  /* set at every report, the pipes' included */
};

void **corio__process_host(corio__process_t *p) { return &p->host; }

/* ---- reports from the backend ------------------------------------------- */

void corio__process_on_started(corio__process_t *p, int pid) {
  p->state = PROC_RUNNING;
  p->pid = pid;
  corio_event_set(p->changed);
}

void corio__process_on_start_error(corio__process_t *p, int code,
                                   const char *message) {
  p->state = PROC_FAILED;
  p->error = code;
  p->errmsg = corio__strdup(message ? message : corio_strerror(code));
  corio_event_set(p->changed);
}

void corio__process_on_exit(corio__process_t *p, int returncode) {
  p->state = PROC_EXITED;
  p->returncode = returncode;
  corio_event_set(p->changed);
}

void corio__process_on_detached(corio__process_t *p) {
  if (p->state == PROC_STARTING || p->state == PROC_RUNNING)
    p->state = PROC_DETACHED;
  corio_event_set(p->changed);
}

/* ---- life --------------------------------------------------------------- */

static int wait_change(corio_process_t *p) {
  corio_event_clear(p->changed);
  return corio_event_wait(p->changed);
}

/* Frees p and lets its pipes go (closed, freed at their on_closed). */
static void process_free(corio_process_t *p) {
  if (p->state == PROC_STARTING || p->state == PROC_RUNNING)
    corio__process_release(p);
  for (int i = 0; i < 3; i++) {
    corio__conn_t *c = p->pipes[i];
    if (c == NULL) continue;
    corio__conn_close(c, false);
    corio__conn_release(c);
  }
  corio_event_free(p->changed);
  free(p->errmsg);
  free(p);
}

/* A pipe's record for stream `fd` of p (0: stdin). */
static int pipe_new(corio_process_t *p, int fd,
                    const corio_process_opts_t *opts) {
  corio__conn_t *c;
  int rc = corio__conn_new(&c, opts->limit, opts->high_water);
  if (rc != CORIO_OK) return rc;
  c->pipe = true;
  c->notify = p->changed;
  /* A pipe goes one way: stdin has no reader, the others no writer. */
  if (fd == 0)
    c->reader_freed = true;
  else
    c->writer_freed = true;
  p->pipes[fd] = c;
  return CORIO_OK;
}

static bool valid_stdio(corio_stdio_t s, bool stderr_stream) {
  return s == CORIO_STDIO_INHERIT || s == CORIO_STDIO_PIPE ||
         s == CORIO_STDIO_DEVNULL || (stderr_stream && s == CORIO_STDIO_STDOUT);
}

/* Starts argv (checked) with opts; `what` names the program for messages. */
static int start(corio_process_t **out, const char *const *argv,
                 const corio_process_opts_t *opts) {
  corio_process_opts_t none = {0};
  if (opts == NULL) opts = &none;
  const corio_stdio_t modes[3] = {opts->in, opts->out, opts->err};
  for (int i = 0; i < 3; i++)
    if (!valid_stdio(modes[i], i == 2))
      return corio_fail(CORIO_EINVAL,
                        "subprocess: invalid option %d for the child's %s",
                        (int)modes[i],
                        i == 0   ? "stdin"
                        : i == 1 ? "stdout"
                                 : "stderr");
  if (opts->env_mode != CORIO_ENV_INHERIT &&
      opts->env_mode != CORIO_ENV_REPLACE && opts->env_mode != CORIO_ENV_ADD)
    return corio_fail(CORIO_EINVAL, "subprocess: invalid env_mode %d",
                      (int)opts->env_mode);
  for (const char *const *e = opts->env; e && *e; e++)
    if (strchr(*e, '=') == NULL || **e == '=')
      return corio_fail(
          CORIO_EINVAL,
          "subprocess: environment entry \"%s\" is not NAME=value", *e);
  corio_process_t *p = calloc(1, sizeof *p);
  if (p == NULL || corio_event_new(&p->changed) != CORIO_OK) {
    free(p);
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  corio__spawn_t spec = {argv,
                         opts->cwd,
                         (int)opts->env_mode,
                         opts->env,
                         {modes[0], modes[1], modes[2]},
                         {NULL, NULL, NULL}};
  int rc = CORIO_OK;
  for (int i = 0; i < 3 && rc == CORIO_OK; i++) {
    if (modes[i] != CORIO_STDIO_PIPE) continue;
    rc = pipe_new(p, i, opts);
    spec.pipes[i] = p->pipes[i];
  }
  if (rc == CORIO_OK) rc = corio__process_spawn(p, &spec);
  if (rc != CORIO_OK) {
    /* No transport has the pipes' records: they end here, unreported. */
    for (int i = 0; i < 3; i++)
      if (p->pipes[i]) corio__conn_on_closed(p->pipes[i]);
    p->state = PROC_FAILED;
    process_free(p);
    return corio__set_error(rc, NULL);
  }
  while (p->state == PROC_STARTING)
    if ((rc = wait_change(p)) != CORIO_OK) break; /* cancelled */
  if (rc == CORIO_OK && p->state == PROC_FAILED)
    rc = corio__set_error(p->error, p->errmsg);
  if (rc == CORIO_OK && p->state == PROC_DETACHED)
    rc = corio_fail(CORIO_EINVALSTATE, "subprocess: the loop ended");
  if (rc != CORIO_OK) {
    process_free(p);
    return rc;
  }
  *out = p;
  return CORIO_OK;
}

int corio_subprocess_exec(corio_process_t **out, const char *const *argv,
                          const corio_process_opts_t *opts) {
  if (out) *out = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (out == NULL)
    return corio_fail(CORIO_EINVAL,
                      "subprocess_exec: no place for the process");
  if (argv == NULL || argv[0] == NULL)
    return corio_fail(CORIO_EINVAL, "subprocess_exec: argv is %s",
                      argv == NULL ? "NULL" : "empty");
  if (argv[0][0] == '\0')
    return corio_fail(CORIO_EINVAL,
                      "subprocess_exec: the program name is \"\"");
  return start(out, argv, opts);
}

int corio_subprocess_shell_n(corio_process_t **out, const char *cmd, size_t len,
                             const corio_process_opts_t *opts) {
  if (out) *out = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (out == NULL || cmd == NULL)
    return corio_fail(CORIO_EINVAL, "subprocess_shell: no %s",
                      out ? "command" : "place for the process");
  const char *nul = memchr(cmd, '\0', len);
  if (nul != NULL)
    return corio_fail(CORIO_EINVAL,
                      "subprocess_shell: NUL byte at offset %zu of the %zu "
                      "bytes of the command line",
                      (size_t)(nul - cmd), len);
  char *line = malloc(len + 1);
  if (line == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  memcpy(line, cmd, len);
  line[len] = '\0';
  const char *argv[] = {"/bin/sh", "-c", line, NULL};
  rc = start(out, argv, opts);
  free(line);
  return rc;
}

int corio_subprocess_shell(corio_process_t **out, const char *cmd,
                           const corio_process_opts_t *opts) {
  return corio_subprocess_shell_n(out, cmd, cmd ? strlen(cmd) : 0, opts);
}

void corio_process_free(corio_process_t *p) {
  if (p) process_free(p);
}

/* ---- the process -------------------------------------------------------- */

int corio_process_pid(const corio_process_t *p) { return p ? p->pid : 0; }

bool corio_process_returncode(const corio_process_t *p, int *code) {
  if (p == NULL || p->state != PROC_EXITED) return false;
  if (code) *code = p->returncode;
  return true;
}

corio_writer_t *corio_process_stdin(corio_process_t *p) {
  return p && p->pipes[0] ? &p->pipes[0]->writer : NULL;
}

corio_reader_t *corio_process_stdout(corio_process_t *p) {
  return p && p->pipes[1] ? &p->pipes[1]->reader : NULL;
}

corio_reader_t *corio_process_stderr(corio_process_t *p) {
  return p && p->pipes[2] ? &p->pipes[2]->reader : NULL;
}

static int detached(const corio_process_t *p) {
  return corio_fail(CORIO_EINVALSTATE,
                    "process %d: the run that started it has ended", p->pid);
}

int corio_process_wait(corio_process_t *p, int *returncode) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (p == NULL) return CORIO_EINVAL;
  while (p->state != PROC_EXITED) {
    if (p->state == PROC_DETACHED) return detached(p);
    if ((rc = wait_change(p)) != CORIO_OK) return rc;
  }
  if (returncode) *returncode = p->returncode;
  return CORIO_OK;
}

int corio_process_send_signal(corio_process_t *p, int sig) {
  if (p == NULL || sig <= 0)
    return corio_fail(CORIO_EINVAL, "send_signal: invalid signal %d", sig);
  if (p->state != PROC_RUNNING) return CORIO_OK; /* reaped: never again */
  int rc = corio__process_signal(p, sig);
  return rc == CORIO_OK
             ? CORIO_OK
             : corio_fail(rc, "send_signal: cannot send signal %d to %d", sig,
                          p->pid);
}

int corio_process_terminate(corio_process_t *p) {
  return corio_process_send_signal(p, SIGTERM);
}

int corio_process_kill(corio_process_t *p) {
  return corio_process_send_signal(p, SIGKILL);
}

/* ---- communicate -------------------------------------------------------- */

/* A read pipe that communicate has read to its end (or no pipe). */
static bool reader_done(const corio__conn_t *c) {
  return c == NULL || c->reader.eof || c->reader.error;
}

/* Moves every byte of c's reader into a malloc'd, NUL-terminated copy at
 * *out (dropped if out is NULL). CORIO_OK or CORIO_ENOMEM. */
static int take_all(corio__conn_t *c, char **out, size_t *len) {
  if (c == NULL || out == NULL) return CORIO_OK;
  corio_reader_t *r = &c->reader;
  char *copy = malloc(r->len + 1);
  if (copy == NULL) return CORIO_ENOMEM;
  if (r->len) memcpy(copy, r->data + r->start, r->len);
  copy[r->len] = '\0';
  *out = copy;
  if (len) *len = r->len;
  r->start = r->len = 0;
  return CORIO_OK;
}

/* Marks p's read pipes read (and collected whole) by communicate, or
 * stops. */
static void collect(corio_process_t *p, bool on) {
  for (int i = 1; i < 3; i++) {
    corio__conn_t *c = p->pipes[i];
    if (c == NULL) continue;
    c->reader.reading = on;
    corio__conn_collect(c, on);
  }
}

int corio_process_communicate(corio_process_t *p, const void *input,
                              size_t input_len, char **out, size_t *out_len,
                              char **err, size_t *err_len) {
  if (out) *out = NULL;
  if (err) *err = NULL;
  if (out_len) *out_len = 0;
  if (err_len) *err_len = 0;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (p == NULL || (input == NULL && input_len > 0)) return CORIO_EINVAL;
  for (int i = 1; i < 3; i++)
    if (p->pipes[i] && p->pipes[i]->reader.reading)
      return corio_fail(CORIO_EINVALSTATE,
                        "communicate: another task is reading the child's %s",
                        i == 1 ? "stdout" : "stderr");
  corio__conn_t *in = p->pipes[0];
  if (in && !in->close_called) {
    /* A child that does not read its input is no error (asyncio ignores
     * BrokenPipeError): the write is skipped on a failed pipe. */
    if (input_len > 0 && in->error == 0 && !in->eof_written &&
        in->state == CORIO__CONN_OPEN)
      corio_write(&in->writer, input, input_len);
    corio__conn_close(in, true); /* after the input is sent */
  }
  collect(p, true);
  while (!(reader_done(p->pipes[1]) && reader_done(p->pipes[2]) &&
           (in == NULL || in->state == CORIO__CONN_CLOSED) &&
           p->state == PROC_EXITED)) {
    if (p->state == PROC_DETACHED) {
      rc = detached(p);
      break;
    }
    if ((rc = wait_change(p)) != CORIO_OK) break; /* cancelled */
  }
  collect(p, false);
  if (rc != CORIO_OK) return rc;
  for (int i = 1; i < 3; i++) {
    corio_reader_t *r = p->pipes[i] ? &p->pipes[i]->reader : NULL;
    if (r && r->error && r->len == 0)
      return corio__set_error(r->error, r->errmsg);
  }
  if (take_all(p->pipes[1], out, out_len) != CORIO_OK ||
      take_all(p->pipes[2], err, err_len) != CORIO_OK) {
    if (out) {
      free(*out);
      *out = NULL;
    }
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  return CORIO_OK;
}
