/*
 * pipe_poll.c — the native pipe transport (runtime/backend.h, "processes
 * and pipes"): the parent's end of a child's stdin, stdout or stderr on
 * the poll reactor. Each pipe is a Unix socket pair, as Node's are: a
 * write to a child that is gone fails with EPIPE (MSG_NOSIGNAL), never a
 * SIGPIPE that would kill the program. A pipe goes one way: stdin is only
 * written (its EOF is its close), stdout and stderr only read (their EOF
 * ends the transport: nothing can follow). Each record (pipe_t) is owned
 * by this file from corio__pipe_new until its on_closed report; every
 * report is made from the reactor, never from inside a corio__pipe_* call.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend.h"
#include "corio.h"
#include "net_poll.h"
#include "poll_watch.h"
#include "process_poll.h"

/* Reads per readiness report at most, so one chatty child cannot hold the
 * loop (poll reports it again). */
#define READS_PER_EVENT 16
#define READ_CHUNK ((size_t)64 * 1024)

struct corio__pipe {
  corio__conn_t *core;
  int fd; /* -1 once ended */
  corio__poll_watch_t watch;
  corio__poll_defer_t opened; /* the deferred on_connected */
  corio__poll_defer_t end;    /* the deferred on_error / on_closed */
  char name[48];              /* "stdin of process 42" */
  bool writes;                /* stdin: written, never read */
  bool started, done;
  /* Output (stdin): bytes [out_off, out_len) of out are not yet sent. */
  char *out;
  size_t out_off, out_len, out_cap;
  bool close_wanted; /* close (or write_eof) once out is sent */
  bool paused;       /* input: the core's buffer is full */
  int error;         /* once done: 0, or the status for on_error */
  char msg[160];
  struct corio__pipe *prev, *next; /* the thread's live pipes */
};

typedef struct corio__pipe pipe_t;

static _Thread_local pipe_t *live;

/* At the end of a run every pipe still open is ended (host_poll.c). */
static void abort_all(void);
static _Thread_local corio__poll_closer_t closer = {abort_all, NULL, false};

static pipe_t *pipe_of(corio__conn_t *c) { return *corio__conn_host(c); }

/* ---- the end ------------------------------------------------------------ */

static void report_end(void *data) {
  pipe_t *pp = data;
  corio__conn_t *c = pp->core;
  if (pp->error) corio__conn_on_error(c, pp->error, pp->msg);
  *corio__conn_host(c) = NULL; /* no call may reach pp from now on */
  if (pp->prev)
    pp->prev->next = pp->next;
  else
    live = pp->next;
  if (pp->next) pp->next->prev = pp->prev;
  free(pp->out);
  free(pp);
  corio__poll_release();
  corio__conn_on_closed(c); /* the core may free c */
}

/* Ends the transport now and defers its last reports. */
static void finish(pipe_t *pp, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void finish(pipe_t *pp, int error, const char *fmt, ...) {
  if (pp->done) return;
  pp->done = true;
  corio__poll_watch_stop(&pp->watch);
  corio__poll_defer_cancel(&pp->opened);
  if (pp->fd >= 0) close(pp->fd);
  pp->fd = -1;
  pp->error = error;
  if (error && fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pp->msg, sizeof pp->msg, fmt, ap);
    va_end(ap);
  }
  corio__poll_defer(&pp->end, report_end, pp);
}

static void abort_all(void) {
  for (pipe_t *pp = live; pp; pp = pp->next) finish(pp, 0, NULL);
}

/* ---- what to poll for --------------------------------------------------- */

static void update_events(pipe_t *pp) {
  short events = 0;
  if (pp->started && pp->writes)
    events = pp->out_off < pp->out_len ? POLLOUT : 0;
  else if (pp->started)
    events = pp->paused ? 0 : POLLIN;
  corio__poll_watch_set(&pp->watch, events);
}

/* ---- reading (stdout, stderr) ------------------------------------------- */

static void read_input(pipe_t *pp) {
  char buf[READ_CHUNK];
  for (int i = 0; i < READS_PER_EVENT && !pp->done && !pp->paused; i++) {
    ssize_t n = recv(pp->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      corio__conn_on_data(pp->core, buf, (size_t)n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    if (n == 0) {
      corio__conn_on_eof(pp->core);
      finish(pp, 0, NULL); /* nothing can follow an EOF on a pipe */
    } else {
      int err = errno;
      finish(pp, corio__net_errno_status(err), "%s: %s", pp->name,
             strerror(err));
    }
    return;
  }
}

/* ---- writing (stdin) ---------------------------------------------------- */

static void write_output(pipe_t *pp) {
  size_t sent = 0;
  while (pp->out_off < pp->out_len) {
    ssize_t n = send(pp->fd, pp->out + pp->out_off, pp->out_len - pp->out_off,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      int err = errno;
      finish(pp, corio__net_errno_status(err), "%s: %s", pp->name,
             strerror(err));
      return;
    }
    pp->out_off += (size_t)n;
    sent += (size_t)n;
  }
  if (pp->out_off == pp->out_len) pp->out_off = pp->out_len = 0;
  if (sent > 0) {
    corio__conn_on_sent(pp->core, sent);
    if (pp->done) return; /* closed from inside the report */
  }
  if (pp->out_len == 0 && pp->close_wanted) finish(pp, 0, NULL);
}

static int buffer_output(pipe_t *pp, const void *data, size_t n) {
  if (pp->out_off > 0 && pp->out_len + n > pp->out_cap) {
    memmove(pp->out, pp->out + pp->out_off, pp->out_len - pp->out_off);
    pp->out_len -= pp->out_off;
    pp->out_off = 0;
  }
  if (pp->out_len + n > pp->out_cap) {
    size_t cap = pp->out_cap ? pp->out_cap : 16 * 1024;
    while (cap < pp->out_len + n) cap *= 2;
    char *out = realloc(pp->out, cap);
    if (out == NULL) return CORIO_ENOMEM;
    pp->out = out;
    pp->out_cap = cap;
  }
  memcpy(pp->out + pp->out_len, data, n);
  pp->out_len += n;
  return CORIO_OK;
}

/* ---- the reactor's calls ------------------------------------------------ */

static void on_ready(void *data, short revents) {
  pipe_t *pp = data;
  if (pp->writes) {
    if (revents & (POLLOUT | POLLERR | POLLHUP)) write_output(pp);
  } else {
    read_input(pp);
  }
  if (!pp->done) update_events(pp);
}

static void report_opened(void *data) {
  pipe_t *pp = data;
  pp->started = true;
  update_events(pp);
  corio__conn_on_connected(pp->core, pp->name);
}

/* ---- made by process_poll.c --------------------------------------------- */

corio__pipe_t *corio__pipe_new(corio__conn_t *c) {
  pipe_t *pp = calloc(1, sizeof *pp);
  if (pp == NULL) return NULL;
  pp->core = c;
  pp->fd = -1;
  return pp;
}

void corio__pipe_discard(corio__pipe_t *pp) { free(pp); }

void corio__pipe_start(corio__pipe_t *pp, int fd, const char *name,
                       bool writes) {
  snprintf(pp->name, sizeof pp->name, "%s", name);
  pp->writes = writes;
  pp->next = live;
  if (live) live->prev = pp;
  live = pp;
  corio__poll_on_loop_closed(&closer);
  *corio__conn_host(pp->core) = pp;
  corio__poll_hold(); /* until report_end */
  if (fd < 0) {
    finish(pp, 0, NULL);
    return;
  }
  pp->fd = fd;
  if (corio__poll_watch_start(&pp->watch, fd, 0, on_ready, pp) != CORIO_OK) {
    finish(pp, CORIO_ENOMEM, "%s: out of memory", pp->name);
    return;
  }
  corio__poll_defer(&pp->opened, report_opened, pp);
}

/* ---- the calls from the core -------------------------------------------- */

void corio__pipe_write(corio__conn_t *c, const void *data, size_t n) {
  pipe_t *pp = pipe_of(c);
  if (pp == NULL || pp->done || pp->close_wanted) return;
  if (buffer_output(pp, data, n) != CORIO_OK) {
    finish(pp, CORIO_ENOMEM, "%s: out of memory for %zu bytes", pp->name, n);
    return;
  }
  if (pp->started) update_events(pp);
}

void corio__pipe_close(corio__conn_t *c, int graceful) {
  pipe_t *pp = pipe_of(c);
  if (pp == NULL || pp->done || pp->close_wanted) return;
  if (graceful && pp->started && pp->out_off < pp->out_len) {
    pp->close_wanted = true; /* write_output finishes once it is sent */
    update_events(pp);
    return;
  }
  finish(pp, 0, NULL);
}

/* On a pipe EOF is the end of it, after the bytes written. */
void corio__pipe_write_eof(corio__conn_t *c) { corio__pipe_close(c, 1); }

void corio__pipe_pause_reading(corio__conn_t *c, int pause) {
  pipe_t *pp = pipe_of(c);
  if (pp == NULL || pp->done) return;
  pp->paused = pause != 0;
  if (pp->started) update_events(pp);
}
