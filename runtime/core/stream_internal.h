/*
 * stream_internal.h — the core's stream records, shared by reader.c (the
 * buffered reader every stream reads through), conn.c (a connection: its
 * reader, its writer and the backend's reports), server.c (listeners) and
 * http.c (the HTTP client, whose body is a reader fed from another one)
 * and process.c (a child's pipes, connections over the pipe transport).
 */
#ifndef CORIO_CORE_STREAM_INTERNAL_H
#define CORIO_CORE_STREAM_INTERNAL_H

#include "internal.h"

/* Where a reader's bytes come from when it must wait for more. A reader of
 * a connection is pushed to (fill only waits for the backend's report); a
 * reader of an HTTP body pulls from the connection's reader. */
typedef struct corio__reader_source {
  /* Waits until r received bytes (corio__reader_feed), EOF or an error
   * (corio__reader_set_eof / _set_error). Returns CORIO_OK, or
   * CORIO_ECANCELLED with r unchanged. */
  int (*fill)(corio_reader_t *r);
  /* r's buffer shrank (flow control). May be NULL. */
  void (*consumed)(corio_reader_t *r);
} corio__reader_source_t;

struct corio_reader {
  char *data; /* owned; bytes [start, start + len) are unread */
  size_t start, len, cap;
  size_t limit;            /* readline / readuntil */
  bool eof;                /* no bytes will follow the buffered ones */
  int error;               /* after the buffered bytes: this error */
  char *errmsg;            /* owned */
  bool reading;            /* a task is inside a read call */
  size_t overrun_consumed; /* the last CORIO_ELIMIT's `consumed` */
  corio_task_t *waiter;    /* the task waiting in a push source's fill */
  const corio__reader_source_t *src;
  void *owner; /* the connection or the HTTP response */
};

#define CORIO__STREAM_DEFAULT_LIMIT ((size_t)64 * 1024)

void corio__reader_init(corio_reader_t *r, const corio__reader_source_t *src,
                        void *owner, size_t limit);
void corio__reader_dispose(corio_reader_t *r);
/* Appends n bytes (copied). CORIO_OK or CORIO_ENOMEM. */
int corio__reader_feed(corio_reader_t *r, const void *data, size_t n);
void corio__reader_set_eof(corio_reader_t *r);
/* The first error sticks; the message is copied. */
void corio__reader_set_error(corio_reader_t *r, int code, const char *msg);
/* Moves up to max bytes from `from` to `to` (corio_read without a
 * buffer of the caller's: no large stack buffers in tasks). *moved = 0
 * with CORIO_OK at the end of `from`. */
int corio__reader_pull(corio_reader_t *from, corio_reader_t *to, size_t max,
                       size_t *moved);
/* Waits until r has buffered bytes, EOF or an error, and shows them
 * without consuming: *data (owned by r, valid until the next call on r)
 * and *len. CORIO_OK with *len = 0 at a clean EOF; the stream's error
 * once it failed and every byte before the failure was consumed; or
 * CORIO_ECANCELLED. Parsers that must not read past what they understand
 * (the HTTP head, chunked framing) peek, then skip what they used. */
int corio__reader_peek(corio_reader_t *r, const char **data, size_t *len);
/* Consumes the first n buffered bytes (at most what is buffered). */
void corio__reader_skip(corio_reader_t *r, size_t n);
/* Waits in a push source's fill: until corio__reader_wake. */
int corio__reader_wait(corio_reader_t *r);
void corio__reader_wake(corio_reader_t *r);

typedef enum corio__conn_state {
  CORIO__CONN_CONNECTING,
  CORIO__CONN_OPEN,
  CORIO__CONN_CLOSED, /* the backend reported on_closed */
} corio__conn_state_t;

struct corio_writer {
  corio__conn_t *conn;
};

/* A connection. Freed once both handles are freed and the backend reported
 * on_closed (the backend's last report). */
struct corio__conn {
  void *host; /* the backend's slot */
  corio_loop_t *loop;
  corio__conn_state_t state;
  corio_reader_t reader;
  corio_writer_t writer;
  bool reader_freed, writer_freed;
  bool close_called; /* corio__net_close was called */
  bool eof_written;
  bool paused;   /* reading paused (buffer over 2 x limit) */
  int error;     /* the first failure, 0 if none */
  char *errmsg;  /* owned */
  size_t unsent; /* written, not yet taken by the transport */
  size_t high_water;
  corio_event_t *changed; /* set at every report; waiters re-check */
  char peer[80];
  /* Host times (corio__host_now) of the opening: its start, the backend's
   * phases (corio__conn_on_phase; -1 until reported) and on_connected. */
  double opened_at, resolved_at, tcp_at, ready_at;
  bool tls;                    /* opened with TLS */
  struct corio_server *server; /* accepted by this server, or NULL */
  /* A child's pipe (process.c): the transport is corio__pipe_*, and the
   * reader and writer belong to the process (their _free calls do
   * nothing; process.c marks them freed). */
  bool pipe;
  bool collecting;       /* communicate reads it all: never paused */
  corio_event_t *notify; /* also set at every report, or NULL */
};

/* A connection record for the backend to report on (connecting state). */
int corio__conn_new(corio__conn_t **out, size_t limit, size_t high_water);

/* Closes c's transport (abortively unless graceful), once. */
void corio__conn_close(corio__conn_t *c, bool graceful);
/* Marks c's reader and writer freed (the owner is done with c): c is freed
 * now, or at the backend's on_closed. */
void corio__conn_release(corio__conn_t *c);
/* Sets or clears c->collecting; clearing may pause reading again, setting
 * resumes it. */
void corio__conn_collect(corio__conn_t *c, bool on);

#endif
