/*
 * server.c — asyncio.start_server: a listener whose backend accepts
 * connections, and one handler task per client, which owns the client's
 * reader and writer until it returns. The server record lives until it is
 * freed, the backend reported its listener closed, and every handler ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_internal.h"

struct corio__listener {
  void *host; /* the backend's slot */
  corio_loop_t *loop;
  corio_conn_handler handler;
  void *arg;
  int port;
  bool listening;    /* on_listening came */
  bool close_called; /* corio__net_listen_close was called */
  bool closed;       /* on_closed came: no more reports */
  bool freed;        /* corio_server_free was called */
  size_t handlers;   /* handler tasks not ended */
  int error;
  char *errmsg;           /* owned */
  corio_event_t *changed; /* set at every report and handler end */
};

/* The public name is the same record. */
struct corio_server {
  struct corio__listener l;
};

void **corio__listener_host(corio__listener_t *l) { return &l->host; }

static void server_maybe_free(corio__listener_t *l) {
  if (!l->freed || !l->closed || l->handlers > 0) return;
  corio_event_free(l->changed);
  free(l->errmsg);
  free(l);
}

static void server_close(corio__listener_t *l) {
  if (l->close_called || l->closed) return;
  l->close_called = true;
  corio__net_listen_close(l);
}

/* ---- reports from the backend ------------------------------------------- */

void corio__listener_on_listening(corio__listener_t *l, int port) {
  l->listening = true;
  l->port = port;
  corio_event_set(l->changed);
}

void corio__listener_on_error(corio__listener_t *l, int code,
                              const char *message) {
  if (l->error == 0) {
    l->error = code;
    l->errmsg = corio__strdup(message ? message : corio_strerror(code));
  }
  corio_event_set(l->changed);
}

void corio__listener_on_closed(corio__listener_t *l) {
  l->closed = true;
  corio_event_set(l->changed);
  server_maybe_free(l);
}

/* A client's task: the handler. */
static int serve_client(void *arg, intptr_t *result) {
  (void)result;
  corio__conn_t *c = arg;
  corio__listener_t *l = (corio__listener_t *)c->server;
  return l->handler(&c->reader, &c->writer, l->arg);
}

/* However the client's task ended (even cancelled before it began, or
 * without a stack to begin on), its connection is closed and freed. */
static void client_done(corio_task_t *t, void *data) {
  (void)t;
  corio__conn_t *c = data;
  corio__listener_t *l = (corio__listener_t *)c->server;
  corio_writer_close(&c->writer);
  corio_reader_free(&c->reader);
  corio_writer_free(&c->writer);
  l->handlers--;
  corio_event_set(l->changed);
  server_maybe_free(l);
}

/* Frees a connection record that never reached the backend's reports. */
static void conn_discard(corio__conn_t *c) {
  corio__reader_dispose(&c->reader);
  corio_event_free(c->changed);
  free(c);
}

corio__conn_t *corio__listener_on_accept(corio__listener_t *l,
                                         const char *peer) {
  if (l->close_called || l->closed) return NULL;
  /* Reports come from the host, outside any task: create in l's loop. */
  corio_loop_t *saved = corio__loop;
  corio__loop = l->loop;
  corio__conn_t *c = NULL;
  corio_task_t *t = NULL;
  if (corio__conn_new(&c, 0, 0) == CORIO_OK) {
    c->server = (struct corio_server *)l;
    c->state = CORIO__CONN_OPEN;
    snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "");
    if (corio_task_create(&t, serve_client, c, NULL) != CORIO_OK) {
      conn_discard(c);
      c = NULL;
    } else if (corio_task_add_done_callback(t, client_done, c) != CORIO_OK) {
      corio_task_cancel(t, NULL); /* not started: it never runs */
      corio_task_release(t);
      conn_discard(c);
      c = NULL;
    } else {
      l->handlers++;
      corio_task_release(t);
    }
  }
  corio__loop = saved;
  return c;
}

/* ---- the public calls ---------------------------------------------------- */

int corio_start_server(corio_server_t **out, const char *host, int port,
                       corio_conn_handler handler, void *arg) {
  if (out) *out = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (out == NULL || handler == NULL || host == NULL)
    return corio_fail(CORIO_EINVAL, "start_server: no host or handler");
  if (port < 0 || port > 65535)
    return corio_fail(CORIO_EINVAL, "start_server: invalid port %d", port);
  /* Each client's task gets arg. */
  rc = corio__lend_stack(arg, "corio_start_server");
  if (rc != CORIO_OK) return rc;
  corio__listener_t *l = calloc(1, sizeof(struct corio_server));
  if (l == NULL || corio_event_new(&l->changed) != CORIO_OK) {
    free(l);
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  l->loop = corio__loop;
  l->handler = handler;
  l->arg = arg;
  corio__net_listen(l, host, port);
  while (!l->listening && !l->closed && l->error == 0) {
    corio_event_clear(l->changed);
    if ((rc = corio_event_wait(l->changed)) != CORIO_OK) break;
  }
  if (rc == CORIO_OK && l->error != 0)
    rc = corio__set_error(l->error, l->errmsg);
  if (rc == CORIO_OK && !l->listening)
    rc = corio_fail(CORIO_EIO, "start_server: %s:%d closed while opening", host,
                    port);
  if (rc != CORIO_OK) {
    server_close(l);
    l->freed = true;
    server_maybe_free(l);
    return rc;
  }
  *out = (corio_server_t *)l;
  return CORIO_OK;
}

int corio_server_port(const corio_server_t *s) { return s ? s->l.port : 0; }

void corio_server_close(corio_server_t *s) {
  if (s) server_close(&s->l);
}

bool corio_server_is_serving(const corio_server_t *s) {
  const corio__listener_t *l = &s->l;
  return l->listening && !l->close_called && !l->closed;
}

int corio_server_wait_closed(corio_server_t *s) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (s == NULL) return CORIO_EINVAL;
  corio__listener_t *l = &s->l;
  server_close(l);
  while (!l->closed || l->handlers > 0) {
    corio_event_clear(l->changed);
    if ((rc = corio_event_wait(l->changed)) != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

void corio_server_free(corio_server_t *s) {
  if (s == NULL) return;
  server_close(&s->l);
  s->l.freed = true;
  server_maybe_free(&s->l);
}
