/*
 * net_poll.c — the native connection transport (runtime/backend.h, "net
 * transports"): non-blocking TCP sockets on the poll reactor (IPv4, IPv6),
 * names resolved off the loop (resolve.h), TLS through tls.h, an output
 * buffer of its own sent as the kernel takes it, half-close, pause, and
 * graceful or abortive close. Each connection's record (conn_t) is owned by
 * this file from corio__net_connect / corio__net_adopt until its on_closed
 * report; every report is made from the reactor (corio__host_wait), never
 * from inside a corio__net_* call.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend.h"
#include "corio.h"
#include "net_poll.h"
#include "poll_watch.h"
#include "resolve.h"
#include "tls.h"

/* Reads per readiness report at most, so one busy peer cannot hold the
 * loop (poll reports it again). */
#define READS_PER_EVENT 16
#define READ_CHUNK ((size_t)32 * 1024)

/* A connection's life, as this transport sees it. Transitions:
 *   RESOLVING -> CONNECTING       the name resolved (numeric: at once)
 *   CONNECTING -> CONNECTING      an address failed, the next one is tried
 *   CONNECTING -> HANDSHAKE       TCP connected, TLS wanted
 *   CONNECTING/HANDSHAKE -> OPEN  on_connected reported
 *   any -> DONE                   finish(): socket closed, on_error (if
 *                                 any) and on_closed deferred to the reactor
 * An accepted connection starts OPEN. */
typedef enum conn_state {
  RESOLVING,
  CONNECTING,
  HANDSHAKE,
  OPEN,
  DONE,
} conn_state_t;

typedef struct conn {
  corio__net_sock_t sock; /* first: socket, lookup, the end (net_poll.h) */
  corio__conn_t *core;    /* the core's record we report on */
  conn_state_t state;
  corio__poll_defer_t end;  /* the deferred on_error / on_closed */
  corio__poll_defer_t kick; /* reads TLS bytes poll cannot see */
  struct addrinfo *addrs;   /* owned: the addresses to try (CONNECTING) */
  struct addrinfo *next_ai; /* the next address to try */
  int last_errno;           /* why the last address failed */
  bool deny_private;        /* ask corio_address_denied before connect() */
  char denied[96];          /* "address (why)" of the last refused one */
  /* TLS, if wanted: */
  bool tls;
  char *server_name, *ca_file;   /* owned */
  corio__tls_t *session;         /* once TCP is connected */
  short handshake_wants;         /* POLLIN or POLLOUT */
  short read_wants, write_wants; /* what the last TLS read / write waits for */
  /* Output: bytes [out_off, out_len) of out are not yet sent. */
  char *out;
  size_t out_off, out_len, out_cap;
  bool eof_wanted, eof_sent; /* write_eof called / done */
  bool close_wanted;         /* corio__net_close(graceful) waits for out */
  /* Input: */
  bool paused;   /* the core's buffer is full */
  bool eof_seen; /* the peer's EOF was reported */
} conn_t;

/* The thread's connections not yet reported closed. */
static _Thread_local corio__net_sock_t *live;

/* At the end of a run, every connection still open is aborted (socket
 * closed, lookup abandoned) and its last reports deferred: the reactor's
 * last turn lets the core free its records (host_poll.c). */
static void abort_all(void);
static _Thread_local corio__poll_closer_t closer = {abort_all, NULL, false};

/* ---- helpers shared with net_poll_listen.c ------------------------------ */

int corio__net_errno_status(int err) {
  switch (err) {
  case ECONNREFUSED:
    return CORIO_ECONNREFUSED;
  case ECONNRESET:
  case EPIPE:
  case ECONNABORTED:
    return CORIO_ECONNRESET;
  case ETIMEDOUT:
    return CORIO_ETIMEDOUT;
  case ENOMEM:
  case ENOBUFS:
    return CORIO_ENOMEM;
  default:
    return CORIO_EIO;
  }
}

int corio__net_lookup_status(int gai_error, int sys_errno, const char **words) {
  if (gai_error == EAI_SYSTEM) {
    *words = strerror(sys_errno);
    return corio__net_errno_status(sys_errno);
  }
  *words = gai_strerror(gai_error);
  return gai_error == EAI_MEMORY ? CORIO_ENOMEM : CORIO_EDNS;
}

void corio__net_format_addr(const struct sockaddr *sa, char *out, size_t len) {
  char text[INET6_ADDRSTRLEN];
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    snprintf(out, len, "%s:%d", text, ntohs(in->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
      snprintf(out, len, "%s:%d", text, ntohs(in6->sin6_port));
    } else {
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      snprintf(out, len, "[%s]:%d", text, ntohs(in6->sin6_port));
    }
  } else {
    snprintf(out, len, "%s", "");
  }
}

void corio__net_sock_link(corio__net_sock_t *s, corio__net_sock_t **live) {
  s->fd = -1;
  s->next = *live;
  if (*live) (*live)->prev = s;
  *live = s;
}

void corio__net_sock_unlink(corio__net_sock_t *s, corio__net_sock_t **live) {
  if (s->prev)
    s->prev->next = s->next;
  else
    *live = s->next;
  if (s->next) s->next->prev = s->prev;
}

void corio__net_sock_name(corio__net_sock_t *s, const char *host, int port) {
  bool v6 = strchr(host, ':') != NULL && host[0] != '[';
  snprintf(s->name, sizeof s->name, v6 ? "[%s]:%d" : "%s:%d", host, port);
}

void corio__net_sock_end(corio__net_sock_t *s, int error, const char *fmt,
                         va_list ap) {
  corio__poll_watch_stop(&s->watch);
  if (s->job) corio__resolve_cancel(s->job);
  s->job = NULL;
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->error = error;
  if (error && fmt) vsnprintf(s->msg, sizeof s->msg, fmt, ap);
}

/* ---- connections that could not get a record ---------------------------- */

/* Without memory for a conn_t, the core still gets on_error(ENOMEM) and
 * on_closed from the reactor. Such connections are linked through their
 * host slot, tagged with the low bit so no call takes the link for a
 * record. */
static _Thread_local struct {
  corio__conn_t *head;
  corio__poll_defer_t defer;
} orphans;

#define ORPHAN_TAG ((uintptr_t)1)

static bool is_orphan(void *slot) { return (uintptr_t)slot & ORPHAN_TAG; }

static void report_orphans(void *unused) {
  (void)unused;
  while (orphans.head) {
    corio__conn_t *c = orphans.head;
    void **slot = corio__conn_host(c);
    orphans.head = (corio__conn_t *)((uintptr_t)*slot & ~ORPHAN_TAG);
    *slot = NULL;
    corio__conn_on_error(c, CORIO_ENOMEM, "out of memory for a connection");
    corio__conn_on_closed(c);
    corio__poll_release();
  }
}

static void orphan(corio__conn_t *c) {
  *corio__conn_host(c) = (void *)((uintptr_t)orphans.head | ORPHAN_TAG);
  orphans.head = c;
  corio__poll_hold();
  corio__poll_defer(&orphans.defer, report_orphans, NULL);
}

/* The record of c, or NULL if it has none (orphaned, or already closed). */
static conn_t *conn_of(corio__conn_t *c) {
  void *slot = *corio__conn_host(c);
  return is_orphan(slot) ? NULL : slot;
}

/* ---- the end ------------------------------------------------------------ */

static void conn_free(conn_t *nc) {
  if (nc->addrs) freeaddrinfo(nc->addrs);
  free(nc->server_name);
  free(nc->ca_file);
  free(nc->out);
  free(nc);
}

/* Deferred: the last reports, then the record goes. */
static void report_end(void *data) {
  conn_t *nc = data;
  corio__conn_t *c = nc->core;
  if (nc->sock.error) corio__conn_on_error(c, nc->sock.error, nc->sock.msg);
  *corio__conn_host(c) = NULL; /* no call may reach nc from now on */
  corio__net_sock_unlink(&nc->sock, &live);
  conn_free(nc);
  corio__poll_release();
  corio__conn_on_closed(c); /* the core may free c */
}

/* Ends the transport now (socket closed, lookup abandoned) and defers the
 * reports: on_error(error, msg) if error, then on_closed. */
static void finish(conn_t *nc, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void finish(conn_t *nc, int error, const char *fmt, ...) {
  if (nc->state == DONE) return;
  nc->state = DONE;
  corio__tls_free(nc->session); /* before its socket is closed */
  nc->session = NULL;
  va_list ap;
  va_start(ap, fmt);
  corio__net_sock_end(&nc->sock, error, fmt, ap);
  va_end(ap);
  corio__poll_defer_cancel(&nc->kick);
  corio__poll_defer(&nc->end, report_end, nc);
}

/* ---- what to poll for --------------------------------------------------- */

static bool has_output(const conn_t *nc) {
  return nc->out_off < nc->out_len || (nc->eof_wanted && !nc->eof_sent) ||
         nc->close_wanted;
}

static bool wants_input(const conn_t *nc) {
  return nc->state == OPEN && !nc->paused && !nc->eof_seen && !nc->close_wanted;
}

static void update_events(conn_t *nc) {
  short events = 0;
  if (nc->state == CONNECTING) events = POLLOUT;
  if (nc->state == HANDSHAKE) events = nc->handshake_wants;
  if (nc->state == OPEN) {
    if (wants_input(nc)) events |= nc->read_wants;
    if (has_output(nc)) events |= nc->write_wants;
  }
  corio__poll_watch_set(&nc->sock.watch, events);
}

static void on_ready(void *data, short revents);

/* ---- reading ------------------------------------------------------------ */

/* A failed recv / send: `blocked` (CORIO__TLS_WANT_*) if it is to be
 * retried when poll says so, else the status, with the system's words in
 * nc->sock.msg. */
static int socket_status(conn_t *nc, int err, int blocked) {
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return blocked;
  snprintf(nc->sock.msg, sizeof nc->sock.msg, "%s", strerror(err));
  return corio__net_errno_status(err);
}

static void read_input(conn_t *nc);

static void kick_read(void *data) {
  conn_t *nc = data;
  read_input(nc);
  if (nc->state == OPEN) update_events(nc);
}

/* Reads what the socket has (a bounded amount) and reports it. The core
 * may pause or close from inside a report: the state is checked again
 * after each. */
static void read_input(conn_t *nc) {
  char buf[READ_CHUNK];
  for (int i = 0; i < READS_PER_EVENT && wants_input(nc); i++) {
    size_t got = 0;
    int rc;
    if (nc->session) {
      rc = corio__tls_read(nc->session, buf, sizeof buf, &got, nc->sock.msg,
                           sizeof nc->sock.msg);
    } else {
      ssize_t n = recv(nc->sock.fd, buf, sizeof buf, 0);
      got = n > 0 ? (size_t)n : 0;
      rc = n > 0    ? CORIO_OK
           : n == 0 ? CORIO_END
                    : socket_status(nc, errno, CORIO__TLS_WANT_READ);
    }
    if (rc == CORIO_OK) {
      corio__conn_on_data(nc->core, buf, got);
      continue;
    }
    nc->read_wants = rc == CORIO__TLS_WANT_WRITE ? POLLOUT : POLLIN;
    if (rc == CORIO_END) {
      nc->eof_seen = true;
      corio__conn_on_eof(nc->core);
    } else if (rc < 0) {
      char why[sizeof nc->sock.msg];
      snprintf(why, sizeof why, "%s", nc->sock.msg);
      finish(nc, rc, "connection to %s: %s", nc->sock.name, why);
    }
    return;
  }
  /* TLS may hold decrypted bytes that poll() cannot report. */
  if (nc->session && wants_input(nc) && corio__tls_buffered(nc->session))
    corio__poll_defer(&nc->kick, kick_read, nc);
}

/* ---- writing ------------------------------------------------------------ */

/* Sends from the output buffer. CORIO_OK (all sent, or the socket is full),
 * or an error status with nc->sock.msg set. *sent counts the bytes sent. */
static int send_output(conn_t *nc, size_t *sent) {
  *sent = 0;
  while (nc->out_off < nc->out_len) {
    const char *p = nc->out + nc->out_off;
    size_t left = nc->out_len - nc->out_off, put = 0;
    int rc;
    if (nc->session) {
      rc = corio__tls_write(nc->session, p, left, &put, nc->sock.msg,
                            sizeof nc->sock.msg);
    } else {
      ssize_t n = send(nc->sock.fd, p, left, MSG_NOSIGNAL);
      put = n > 0 ? (size_t)n : 0;
      rc = n >= 0 ? CORIO_OK : socket_status(nc, errno, CORIO__TLS_WANT_WRITE);
    }
    if (rc < 0) return rc;
    if (rc == CORIO_OK && put == 0) rc = CORIO__TLS_WANT_WRITE; /* no loop */
    if (rc != CORIO_OK) {
      nc->write_wants = rc == CORIO__TLS_WANT_READ ? POLLIN : POLLOUT;
      return CORIO_OK;
    }
    nc->write_wants = POLLOUT;
    nc->out_off += put;
    *sent += put;
  }
  nc->out_off = nc->out_len = 0;
  return CORIO_OK;
}

/* After the last byte: EOF (TLS close_notify, then the TCP half-close). */
static int send_eof(conn_t *nc) {
  if (nc->session) {
    int rc =
        corio__tls_close_notify(nc->session, nc->sock.msg, sizeof nc->sock.msg);
    if (rc == CORIO__TLS_WANT_READ || rc == CORIO__TLS_WANT_WRITE) {
      nc->write_wants = rc == CORIO__TLS_WANT_READ ? POLLIN : POLLOUT;
      return CORIO_OK; /* again when the socket lets it */
    }
    if (rc < 0) return rc;
  }
  if (shutdown(nc->sock.fd, SHUT_WR) != 0 && errno != ENOTCONN) {
    snprintf(nc->sock.msg, sizeof nc->sock.msg, "%s", strerror(errno));
    return corio__net_errno_status(errno);
  }
  nc->eof_sent = true;
  return CORIO_OK;
}

/* Sends what it can, reports it, and goes on to EOF or the close once the
 * buffer is empty. */
static void write_output(conn_t *nc) {
  size_t sent;
  int rc = send_output(nc, &sent);
  if (sent > 0) {
    corio__conn_on_sent(nc->core, sent);
    if (nc->state != OPEN) return; /* closed from inside the report */
  }
  if (rc == CORIO_OK && nc->out_len == 0 && nc->eof_wanted && !nc->eof_sent)
    rc = send_eof(nc);
  if (rc < 0) {
    char why[sizeof nc->sock.msg];
    snprintf(why, sizeof why, "%s", nc->sock.msg);
    finish(nc, rc, "connection to %s: %s", nc->sock.name, why);
    return;
  }
  if (nc->out_len == 0 && nc->close_wanted) {
    if (nc->session && !nc->eof_sent) /* TLS's EOF, if the socket takes it */
      corio__tls_close_notify(nc->session, nc->sock.msg, sizeof nc->sock.msg);
    finish(nc, 0, NULL);
  }
}

/* Appends n bytes to the output buffer. CORIO_OK or CORIO_ENOMEM. */
static int buffer_output(conn_t *nc, const void *data, size_t n) {
  if (nc->out_off > 0 && nc->out_len + n > nc->out_cap) {
    memmove(nc->out, nc->out + nc->out_off, nc->out_len - nc->out_off);
    nc->out_len -= nc->out_off;
    nc->out_off = 0;
  }
  if (nc->out_len + n > nc->out_cap) {
    size_t cap = nc->out_cap ? nc->out_cap : 16 * 1024;
    while (cap < nc->out_len + n) cap *= 2;
    char *out = realloc(nc->out, cap);
    if (out == NULL) return CORIO_ENOMEM;
    nc->out = out;
    nc->out_cap = cap;
  }
  memcpy(nc->out + nc->out_len, data, n);
  nc->out_len += n;
  return CORIO_OK;
}

/* ---- connecting --------------------------------------------------------- */

static int watch_socket(conn_t *nc, short events) {
  return corio__poll_watch_start(&nc->sock.watch, nc->sock.fd, events, on_ready,
                                 nc);
}

/* Opens the connection for the core: on_connected with the peer. */
static void become_open(conn_t *nc) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char peer[INET6_ADDRSTRLEN + 16] = "";
  if (getpeername(nc->sock.fd, (struct sockaddr *)&ss, &len) == 0)
    corio__net_format_addr((struct sockaddr *)&ss, peer, sizeof peer);
  freeaddrinfo(nc->addrs);
  nc->addrs = nc->next_ai = NULL;
  nc->state = OPEN;
  corio__conn_on_connected(nc->core, peer);
}

static void drive_handshake(conn_t *nc) {
  int rc = corio__tls_handshake(nc->session, nc->sock.msg, sizeof nc->sock.msg);
  if (rc == CORIO_OK) {
    become_open(nc);
  } else if (rc == CORIO__TLS_WANT_READ || rc == CORIO__TLS_WANT_WRITE) {
    nc->handshake_wants = rc == CORIO__TLS_WANT_READ ? POLLIN : POLLOUT;
  } else {
    char why[sizeof nc->sock.msg];
    snprintf(why, sizeof why, "%s", nc->sock.msg);
    finish(nc, rc, "cannot connect to %s: %s", nc->sock.name, why);
  }
}

/* TCP is connected: TLS next, or open. */
static void connected(conn_t *nc) {
  corio__conn_on_phase(nc->core, CORIO__PHASE_TCP);
  if (!nc->tls) {
    become_open(nc);
    return;
  }
  int rc = corio__tls_new(&nc->session, nc->sock.fd, nc->server_name,
                          nc->ca_file, nc->sock.msg, sizeof nc->sock.msg);
  if (rc != CORIO_OK) {
    char why[sizeof nc->sock.msg];
    snprintf(why, sizeof why, "%s",
             rc == CORIO_ENOMEM ? "out of memory for TLS" : nc->sock.msg);
    finish(nc, rc, "cannot connect to %s: %s", nc->sock.name, why);
    return;
  }
  nc->state = HANDSHAKE;
  drive_handshake(nc);
}

/* The address policy on the address about to be connected to (after DNS:
 * no rebinding window). True if refused, remembered for the error. */
static bool refused(conn_t *nc, const struct addrinfo *ai) {
  char text[INET6_ADDRSTRLEN + 8];
  const void *bytes =
      ai->ai_family == AF_INET6
          ? (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
          : (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
  if (inet_ntop(ai->ai_family, bytes, text, sizeof text) == NULL)
    snprintf(text, sizeof text, "?");
  const char *why = corio_address_denied(text);
  if (why == NULL) return false;
  snprintf(nc->denied, sizeof nc->denied, "%s is %s", text, why);
  return true;
}

/* Starts connecting to the next address; when none is left, fails with
 * the last address's error (CORIO_EDENIED if every one was refused). */
static void try_next(conn_t *nc) {
  while (nc->next_ai) {
    struct addrinfo *ai = nc->next_ai;
    nc->next_ai = ai->ai_next;
    if (nc->deny_private && refused(nc, ai)) continue;
    nc->sock.fd =
        socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
               ai->ai_protocol);
    if (nc->sock.fd < 0) {
      nc->last_errno = errno;
      continue;
    }
    int one = 1;
    setsockopt(nc->sock.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(nc->sock.fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
        errno == EINPROGRESS) {
      /* Even a connection made at once is reported from the reactor. */
      nc->state = CONNECTING;
      if (watch_socket(nc, POLLOUT) == CORIO_OK) return;
      finish(nc, CORIO_ENOMEM, "cannot connect to %s: out of memory",
             nc->sock.name);
      return;
    }
    nc->last_errno = errno;
    close(nc->sock.fd);
    nc->sock.fd = -1;
  }
  if (nc->denied[0] && nc->last_errno == 0) {
    finish(nc, CORIO_EDENIED, "refused to connect to %s: %s", nc->sock.name,
           nc->denied);
    return;
  }
  int err = nc->last_errno ? nc->last_errno : EHOSTUNREACH;
  finish(nc, corio__net_errno_status(err), "cannot connect to %s: %s",
         nc->sock.name, strerror(err));
}

/* The socket of a CONNECTING connection is writable or failed. */
static void connect_done(conn_t *nc) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(nc->sock.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err == 0) {
    connected(nc);
    return;
  }
  nc->last_errno = err;
  corio__poll_watch_stop(&nc->sock.watch);
  close(nc->sock.fd);
  nc->sock.fd = -1;
  try_next(nc);
}

static void resolved(void *data, int gai_error, int sys_errno,
                     struct addrinfo *list) {
  conn_t *nc = data;
  nc->sock.job = NULL;
  if (gai_error == 0) {
    corio__conn_on_phase(nc->core, CORIO__PHASE_RESOLVED);
    nc->addrs = nc->next_ai = list;
    try_next(nc);
  } else {
    const char *words;
    int status = corio__net_lookup_status(gai_error, sys_errno, &words);
    finish(nc, status, "cannot resolve %s: %s", nc->sock.name, words);
  }
}

/* ---- the reactor's call ------------------------------------------------- */

static void on_ready(void *data, short revents) {
  conn_t *nc = data;
  (void)revents; /* each step finds out for itself, at the cost of EAGAIN */
  if (nc->state == CONNECTING) {
    connect_done(nc);
  } else if (nc->state == HANDSHAKE) {
    drive_handshake(nc);
  } else if (nc->state == OPEN) {
    read_input(nc);
    if (nc->state == OPEN && has_output(nc)) write_output(nc);
  }
  if (nc->state != DONE) update_events(nc);
}

/* ---- the calls from the core -------------------------------------------- */

static conn_t *conn_new(corio__conn_t *c) {
  conn_t *nc = calloc(1, sizeof *nc);
  if (nc == NULL) {
    orphan(c);
    return NULL;
  }
  nc->core = c;
  nc->read_wants = POLLIN;
  nc->write_wants = POLLOUT;
  corio__net_sock_link(&nc->sock, &live);
  corio__poll_on_loop_closed(&closer);
  *corio__conn_host(c) = nc;
  corio__poll_hold(); /* until report_end */
  return nc;
}

void corio__net_connect(corio__conn_t *c, const char *host, int port,
                        const corio__net_opts_t *opts) {
  conn_t *nc = conn_new(c);
  if (nc == NULL) return;
  corio__net_sock_name(&nc->sock, host, port);
  nc->state = RESOLVING;
  nc->deny_private = opts && opts->deny_private;
  if (opts && opts->tls) {
    nc->tls = true;
    nc->server_name = strdup(opts->server_name ? opts->server_name : host);
    nc->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
    if (nc->server_name == NULL || (opts->ca_file && nc->ca_file == NULL)) {
      finish(nc, CORIO_ENOMEM, "cannot connect to %s: out of memory",
             nc->sock.name);
      return;
    }
  }
  struct addrinfo *list = NULL;
  int gai = corio__resolve_numeric(host, port, 0, &list);
  if (gai == 0) {
    resolved(nc, 0, 0, list); /* reports nothing now: finish() defers */
    return;
  }
  int rc = corio__resolve_start(&nc->sock.job, host, port, 0, resolved, nc);
  if (rc != CORIO_OK)
    finish(nc, rc, "cannot resolve %s: %s", nc->sock.name,
           rc == CORIO_ENOMEM ? "out of memory" : strerror(errno));
}

void corio__net_adopt(corio__conn_t *c, int fd, const char *peer) {
  conn_t *nc = conn_new(c);
  if (nc == NULL) {
    close(fd);
    return;
  }
  snprintf(nc->sock.name, sizeof nc->sock.name, "%s", peer);
  nc->sock.fd = fd;
  nc->state = OPEN;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (watch_socket(nc, POLLIN) != CORIO_OK)
    finish(nc, CORIO_ENOMEM, "connection from %s: out of memory", peer);
}

void corio__net_write(corio__conn_t *c, const void *data, size_t n) {
  conn_t *nc = conn_of(c);
  if (nc == NULL || nc->state == DONE || nc->close_wanted || nc->eof_wanted)
    return; /* the core refuses such writes before they get here */
  if (buffer_output(nc, data, n) != CORIO_OK) {
    finish(nc, CORIO_ENOMEM, "connection to %s: out of memory for %zu bytes",
           nc->sock.name, n);
    return;
  }
  update_events(nc);
}

void corio__net_write_eof(corio__conn_t *c) {
  conn_t *nc = conn_of(c);
  if (nc == NULL || nc->state == DONE || nc->close_wanted) return;
  nc->eof_wanted = true;
  update_events(nc);
}

void corio__net_pause_reading(corio__conn_t *c, int pause) {
  conn_t *nc = conn_of(c);
  if (nc == NULL || nc->state == DONE) return;
  nc->paused = pause != 0;
  update_events(nc);
  if (nc->session && wants_input(nc) && corio__tls_buffered(nc->session))
    corio__poll_defer(&nc->kick, kick_read, nc);
}

void corio__net_close(corio__conn_t *c, int graceful) {
  conn_t *nc = conn_of(c);
  if (nc == NULL || nc->state == DONE || nc->close_wanted) return;
  if (graceful && nc->state == OPEN && nc->out_off < nc->out_len) {
    nc->close_wanted = true; /* write_output finishes once it is sent */
    update_events(nc);
    return;
  }
  if (graceful && nc->session && nc->state == OPEN && !nc->eof_sent)
    corio__tls_close_notify(nc->session, nc->sock.msg,
                            sizeof nc->sock.msg); /* try */
  finish(nc, 0, NULL);
}

static void abort_all(void) {
  for (corio__net_sock_t *s = live; s; s = s->next)
    finish((conn_t *)s, 0, NULL);
}
