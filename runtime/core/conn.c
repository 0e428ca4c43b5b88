/*
 * conn.c — a stream connection: open_connection, the writer (asyncio's
 * StreamWriter: write, drain, write_eof, close, wait_closed) and the
 * backend's reports (corio__conn_on_*) that feed the reader and wake the
 * waiting tasks. The transport itself is the backend's (runtime/backend.h):
 * a socket (corio__net_*) or a child's pipe (corio__pipe_*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_internal.h"

void **corio__conn_host(corio__conn_t *c) { return &c->host; }

/* ---- the transport's verbs: a socket's or a pipe's ---------------------- */

static void transport_write(corio__conn_t *c, const void *data, size_t n) {
  if (c->pipe)
    corio__pipe_write(c, data, n);
  else
    corio__net_write(c, data, n);
}

static void transport_write_eof(corio__conn_t *c) {
  if (c->pipe)
    corio__pipe_write_eof(c);
  else
    corio__net_write_eof(c);
}

static void transport_pause(corio__conn_t *c, int pause) {
  if (c->pipe)
    corio__pipe_pause_reading(c, pause);
  else
    corio__net_pause_reading(c, pause);
}

static void transport_close(corio__conn_t *c, bool graceful) {
  if (c->pipe)
    corio__pipe_close(c, graceful);
  else
    corio__net_close(c, graceful);
}

/* ---- the reader's source: the backend pushes, fill waits ---------------- */

static void resume_reading(corio__conn_t *c) {
  if (c->paused && c->state == CORIO__CONN_OPEN && !c->close_called) {
    c->paused = false;
    transport_pause(c, 0);
  }
}

/* A reader that must wait for more bytes needs them to come: reading is
 * resumed first even above the limit (readuntil consumes nothing until it
 * finds its separator), as asyncio's _wait_for_data does. */
static int conn_fill(corio_reader_t *r) {
  resume_reading(r->owner);
  return corio__reader_wait(r);
}

static void conn_consumed(corio_reader_t *r) {
  if (r->len <= r->limit) resume_reading(r->owner);
}

static const corio__reader_source_t conn_source = {conn_fill, conn_consumed};

/* ---- life --------------------------------------------------------------- */

int corio__conn_new(corio__conn_t **out, size_t limit, size_t high_water) {
  corio__conn_t *c = calloc(1, sizeof *c);
  if (c == NULL) return CORIO_ENOMEM;
  if (corio_event_new(&c->changed) != CORIO_OK) {
    free(c);
    return CORIO_ENOMEM;
  }
  c->loop = corio__loop;
  c->state = CORIO__CONN_CONNECTING;
  c->high_water = high_water ? high_water : CORIO__STREAM_DEFAULT_LIMIT;
  c->opened_at = c->resolved_at = c->tcp_at = c->ready_at = -1;
  c->writer.conn = c;
  corio__reader_init(&c->reader, &conn_source, c, limit);
  *out = c;
  return CORIO_OK;
}

static void conn_free(corio__conn_t *c) {
  corio__reader_dispose(&c->reader);
  corio_event_free(c->changed);
  free(c->errmsg);
  free(c);
}

/* Frees c once nothing refers to it any more. */
static void conn_maybe_free(corio__conn_t *c) {
  if (c->reader_freed && c->writer_freed && c->state == CORIO__CONN_CLOSED)
    conn_free(c);
}

static void conn_close(corio__conn_t *c, bool graceful) {
  if (c->close_called) return; /* also set by on_closed */
  c->close_called = true;
  transport_close(c, graceful);
}

void corio__conn_close(corio__conn_t *c, bool graceful) {
  conn_close(c, graceful);
}

void corio__conn_release(corio__conn_t *c) {
  c->reader_freed = c->writer_freed = true;
  c->notify = NULL;
  conn_maybe_free(c);
}

/* A reader over twice its limit pauses reading, unless it collects. */
static void maybe_pause(corio__conn_t *c) {
  corio_reader_t *r = &c->reader;
  if (!c->paused && !c->collecting && r->len > 2 * r->limit &&
      !c->close_called) {
    c->paused = true; /* asyncio pauses at twice the limit */
    transport_pause(c, 1);
  }
}

void corio__conn_collect(corio__conn_t *c, bool on) {
  c->collecting = on;
  if (on)
    resume_reading(c);
  else
    maybe_pause(c);
}

/* Something changed: every waiter re-checks its condition. */
static void changed(corio__conn_t *c) {
  corio_event_set(c->changed);
  if (c->notify) corio_event_set(c->notify);
  corio__reader_wake(&c->reader);
}

/* Waits for the next report. */
static int wait_change(corio__conn_t *c) {
  corio_event_clear(c->changed);
  return corio_event_wait(c->changed);
}

static int conn_fail(const corio__conn_t *c) {
  return corio__set_error(c->error, c->errmsg);
}

/* ---- reports from the backend ------------------------------------------- */

void corio__conn_on_phase(corio__conn_t *c, int phase) {
  if (c->state != CORIO__CONN_CONNECTING) return;
  double now = corio__host_now();
  if (phase == CORIO__PHASE_RESOLVED && c->resolved_at < 0)
    c->resolved_at = now;
  else if (phase == CORIO__PHASE_TCP && c->tcp_at < 0)
    c->tcp_at = now;
}

void corio__conn_on_connected(corio__conn_t *c, const char *peer) {
  if (c->state != CORIO__CONN_CONNECTING) return;
  c->state = CORIO__CONN_OPEN;
  c->ready_at = corio__host_now();
  snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "");
  changed(c);
}

void corio__conn_on_data(corio__conn_t *c, const void *data, size_t n) {
  corio_reader_t *r = &c->reader;
  if (c->reader_freed || r->eof || r->error) return;
  if (corio__reader_feed(r, data, n) != CORIO_OK) {
    corio__reader_set_error(r, CORIO_ENOMEM, "out of memory buffering input");
    conn_close(c, false);
  } else {
    maybe_pause(c);
  }
  corio__reader_wake(r);
}

void corio__conn_on_eof(corio__conn_t *c) {
  corio__reader_set_eof(&c->reader);
  changed(c);
}

void corio__conn_on_sent(corio__conn_t *c, size_t n) {
  c->unsent = n < c->unsent ? c->unsent - n : 0;
  if (c->unsent <= c->high_water) changed(c);
}

void corio__conn_on_error(corio__conn_t *c, int code, const char *message) {
  if (c->error == 0) {
    c->error = code;
    c->errmsg = corio__strdup(message ? message : corio_strerror(code));
  }
  corio__reader_set_error(&c->reader, code, message);
  changed(c);
}

void corio__conn_on_closed(corio__conn_t *c) {
  c->state = CORIO__CONN_CLOSED;
  c->close_called = true;
  corio__reader_set_eof(&c->reader); /* nothing more can come */
  changed(c);
  conn_maybe_free(c);
}

/* ---- opening ------------------------------------------------------------ */

int corio_open_connection(const char *host, int port,
                          const corio_conn_opts_t *opts,
                          corio_reader_t **reader, corio_writer_t **writer) {
  if (reader) *reader = NULL;
  if (writer) *writer = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (host == NULL || *host == '\0' || reader == NULL || writer == NULL)
    return corio_fail(CORIO_EINVAL, "open_connection: no host");
  if (port <= 0 || port > 65535)
    return corio_fail(CORIO_EINVAL, "open_connection: invalid port %d", port);
  corio_conn_opts_t none = {0};
  if (opts == NULL) opts = &none;
  corio__conn_t *c;
  if ((rc = corio__conn_new(&c, opts->limit, opts->high_water)) != CORIO_OK)
    return corio__set_error(rc, NULL);
  corio__net_opts_t net = {opts->tls,
                           opts->server_name ? opts->server_name : host,
                           opts->ca_file, opts->deny_private};
  c->tls = opts->tls;
  c->opened_at = corio__host_now();
  corio__net_connect(c, host, port, &net);
  while (c->state == CORIO__CONN_CONNECTING && c->error == 0) {
    if ((rc = wait_change(c)) != CORIO_OK) break; /* cancelled */
  }
  if (rc == CORIO_OK && c->error != 0) rc = conn_fail(c);
  if (rc == CORIO_OK && c->state != CORIO__CONN_OPEN)
    rc = corio_fail(CORIO_EIO, "connection to %s:%d closed while opening", host,
                    port);
  if (rc != CORIO_OK) {
    conn_close(c, false);
    c->reader_freed = c->writer_freed = true;
    conn_maybe_free(c); /* now, or at the backend's on_closed */
    return rc;
  }
  *reader = &c->reader;
  *writer = &c->writer;
  return CORIO_OK;
}

/* ---- the writer --------------------------------------------------------- */

int corio_writer_timings(const corio_writer_t *w, corio_conn_timings_t *out) {
  if (out == NULL) return CORIO_EINVAL;
  *out = (corio_conn_timings_t){-1, -1, -1};
  const corio__conn_t *c = w ? w->conn : NULL;
  if (c == NULL || c->opened_at < 0 || c->ready_at < 0) return CORIO_EINVAL;
  /* A transport that reports no phase (the fetch carrier) shows none: its
   * "connected" is not a connection made. Otherwise each phase is measured
   * from the start; without TLS the connection is ready once TCP is. */
  if (c->resolved_at < 0 && c->tcp_at < 0) return CORIO_OK;
  double since = c->opened_at;
  out->dns = c->resolved_at >= 0 ? c->resolved_at - since : -1;
  out->tls = c->ready_at - since;
  out->connect = c->tcp_at >= 0 ? c->tcp_at - since : c->tls ? -1 : out->tls;
  return CORIO_OK;
}

int corio_write(corio_writer_t *w, const void *buf, size_t n) {
  if (w == NULL || (buf == NULL && n > 0)) return CORIO_EINVAL;
  corio__conn_t *c = w->conn;
  if (c->error) return conn_fail(c);
  if (c->close_called || c->eof_written || c->state != CORIO__CONN_OPEN)
    return corio__set_error(CORIO_ECLOSED, "write on a closed stream");
  if (n == 0) return CORIO_OK;
  c->unsent += n;
  transport_write(c, buf, n);
  return CORIO_OK;
}

int corio_drain(corio_writer_t *w) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (w == NULL) return CORIO_EINVAL;
  corio__conn_t *c = w->conn;
  for (;;) {
    if (c->error) return conn_fail(c);
    if (c->unsent <= c->high_water) return CORIO_OK;
    if (c->state == CORIO__CONN_CLOSED)
      return corio__set_error(CORIO_ECONNRESET,
                              "connection closed before the data was sent");
    if ((rc = wait_change(c)) != CORIO_OK) return rc;
  }
}

int corio_write_eof(corio_writer_t *w) {
  if (w == NULL) return CORIO_EINVAL;
  corio__conn_t *c = w->conn;
  if (c->error) return conn_fail(c);
  if (c->close_called || c->state != CORIO__CONN_OPEN)
    return corio__set_error(CORIO_ECLOSED, "write_eof on a closed stream");
  if (!c->eof_written) {
    c->eof_written = true;
    transport_write_eof(c);
  }
  return CORIO_OK;
}

void corio_writer_close(corio_writer_t *w) {
  if (w) conn_close(w->conn, true);
}

bool corio_writer_is_closing(const corio_writer_t *w) {
  return w->conn->close_called; /* also set by on_closed */
}

int corio_writer_wait_closed(corio_writer_t *w) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (w == NULL) return CORIO_EINVAL;
  corio__conn_t *c = w->conn;
  conn_close(c, true);
  while (c->state != CORIO__CONN_CLOSED)
    if ((rc = wait_change(c)) != CORIO_OK) return rc;
  return c->error ? conn_fail(c) : CORIO_OK;
}

bool corio_writer_can_write_eof(const corio_writer_t *w) {
  /* asyncio: a socket transport can, an SSL one cannot. */
  return w != NULL && !w->conn->tls;
}

const char *corio_writer_extra_info(const corio_writer_t *w, const char *name) {
  if (w == NULL || name == NULL) return NULL;
  if (strcmp(name, "peername") == 0)
    return w->conn->peer[0] ? w->conn->peer : NULL;
  if (strcmp(name, "ssl") == 0) return w->conn->tls ? "1" : NULL;
  return NULL; /* sockname, peercert: not known to the core yet */
}

const char *corio_writer_peer(const corio_writer_t *w) {
  return w ? w->conn->peer : "";
}

void corio_writer_free(corio_writer_t *w) {
  if (w == NULL || w->conn->pipe) return; /* a pipe: the process's */
  corio__conn_t *c = w->conn;
  conn_close(c, false);
  c->writer_freed = true;
  conn_maybe_free(c);
}

void corio_reader_free(corio_reader_t *r) {
  if (r == NULL || r->src != &conn_source) return; /* an HTTP body: owned */
  corio__conn_t *c = r->owner;
  if (c->pipe) return; /* the process's */
  c->reader_freed = true;
  /* Unread bytes are dropped; nothing more is buffered. */
  r->start = r->len = 0;
  resume_reading(c);
  conn_maybe_free(c);
}
