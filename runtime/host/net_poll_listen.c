/*
 * net_poll_listen.c — the native listener transport (runtime/backend.h,
 * "net transports"): a non-blocking listening socket on the poll reactor
 * that accepts clients and hands each to the connection transport
 * (corio__net_adopt). Each listener's record (listener_t) is owned by this
 * file from corio__net_listen until its on_closed report; every report is
 * made from the reactor, never from inside a corio__net_* call.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend.h"
#include "corio.h"
#include "net_poll.h"
#include "poll_watch.h"
#include "resolve.h"

/* Clients accepted per readiness report at most (poll reports the rest). */
#define ACCEPTS_PER_EVENT 32

/* Seconds a listener out of descriptors waits before it tries again. */
#define ACCEPT_RETRY_DELAY 0.1

/* RESOLVING -> LISTENING (on_listening deferred) -> DONE (on_error if any,
 * then on_closed, deferred). */
typedef enum listener_state { RESOLVING, LISTENING, DONE } listener_state_t;

typedef struct listener {
  corio__net_sock_t sock;  /* first: the listening socket, lookup, the end */
  corio__listener_t *core; /* the core's record we report on */
  listener_state_t state;
  int port;                  /* the port it listens on */
  corio__poll_defer_t defer; /* the deferred reports */
  corio__poll_timer_t retry; /* accepting again, while paused */
  bool listening_due;        /* on_listening not reported yet */
} listener_t;

/* The thread's listeners not yet reported closed. */
static _Thread_local corio__net_sock_t *live;

/* At the end of a run, every listener still open is closed and its last
 * reports deferred (host_poll.c delivers them). */
static void abort_all(void);
static _Thread_local corio__poll_closer_t closer = {abort_all, NULL, false};

/* ---- reports ------------------------------------------------------------ */

/* Deferred: on_listening, or the end (on_error if any, on_closed), after
 * which the record goes. */
static void report(void *data) {
  listener_t *nl = data;
  corio__listener_t *l = nl->core;
  if (nl->state == LISTENING && nl->listening_due) {
    nl->listening_due = false;
    corio__listener_on_listening(l, nl->port);
  }
  if (nl->state != DONE) return;
  if (nl->sock.error) corio__listener_on_error(l, nl->sock.error, nl->sock.msg);
  *corio__listener_host(l) = NULL;
  corio__net_sock_unlink(&nl->sock, &live);
  free(nl);
  corio__poll_release();
  corio__listener_on_closed(l); /* the core may free l */
}

static void finish(listener_t *nl, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stops listening now and defers the end's reports. */
static void finish(listener_t *nl, int error, const char *fmt, ...) {
  if (nl->state == DONE) return;
  nl->state = DONE;
  corio__poll_timer_stop(&nl->retry);
  va_list ap;
  va_start(ap, fmt);
  corio__net_sock_end(&nl->sock, error, fmt, ap);
  va_end(ap);
  corio__poll_defer(&nl->defer, report, nl);
}

/* ---- accepting ---------------------------------------------------------- */

static void resume_accepting(void *data) {
  listener_t *nl = data;
  corio__poll_watch_set(&nl->sock.watch, POLLIN);
}

/* Out of descriptors (EMFILE, ENFILE) or memory (ENOBUFS, ENOMEM), the
 * client stays in the backlog, so the socket stays readable: still watched,
 * it would end every poll() at once, and the loop would spin until
 * descriptors are free. So the listener stops watching and tries again
 * after a while (asyncio does the same, after 1 s). */
static void pause_accepting(listener_t *nl) {
  corio__poll_watch_set(&nl->sock.watch, 0);
  corio__poll_timer_start(&nl->retry, ACCEPT_RETRY_DELAY, resume_accepting, nl);
}

static void accept_clients(void *data, short revents) {
  listener_t *nl = data;
  (void)revents;
  for (int i = 0; i < ACCEPTS_PER_EVENT && nl->state == LISTENING; i++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(nl->sock.fd, (struct sockaddr *)&ss, &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return; /* none left */
      /* Out of descriptors or memory; an error no listener should see is
       * taken the same way, so that none can make the loop spin. */
      pause_accepting(nl);
      return;
    }
    char peer[80];
    corio__net_format_addr((struct sockaddr *)&ss, peer, sizeof peer);
    corio__conn_t *c = corio__listener_on_accept(nl->core, peer);
    if (c == NULL)
      close(fd);
    else
      corio__net_adopt(c, fd, peer);
  }
}

/* ---- listening ---------------------------------------------------------- */

/* Listens on the first address of list that works (freed here). */
static void listen_on(listener_t *nl, struct addrinfo *list) {
  int err = EADDRNOTAVAIL;
  for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        listen(fd, SOMAXCONN) == 0 &&
        getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
      nl->sock.fd = fd;
      nl->port = ntohs(ss.ss_family == AF_INET6
                           ? ((struct sockaddr_in6 *)&ss)->sin6_port
                           : ((struct sockaddr_in *)&ss)->sin_port);
      break;
    }
    err = errno;
    close(fd);
  }
  freeaddrinfo(list);
  if (nl->sock.fd < 0) {
    finish(nl, corio__net_errno_status(err), "cannot listen on %s: %s",
           nl->sock.name, strerror(err));
    return;
  }
  if (corio__poll_watch_start(&nl->sock.watch, nl->sock.fd, POLLIN,
                              accept_clients, nl) != CORIO_OK) {
    finish(nl, CORIO_ENOMEM, "cannot listen on %s: out of memory",
           nl->sock.name);
    return;
  }
  nl->state = LISTENING;
  nl->listening_due = true;
  corio__poll_defer(&nl->defer, report, nl);
}

static void resolved(void *data, int gai_error, int sys_errno,
                     struct addrinfo *list) {
  listener_t *nl = data;
  nl->sock.job = NULL;
  if (gai_error == 0) {
    listen_on(nl, list);
  } else {
    const char *words;
    int status = corio__net_lookup_status(gai_error, sys_errno, &words);
    finish(nl, status, "cannot resolve %s: %s", nl->sock.name, words);
  }
}

/* ---- the calls from the core -------------------------------------------- */

/* Without memory for a record, the core still hears of it from the
 * reactor (on_error(ENOMEM), on_closed): such listeners are linked through
 * their host slot, tagged with the low bit so no call takes the link for a
 * record. */
static _Thread_local struct {
  corio__listener_t *head;
  corio__poll_defer_t defer;
} orphans;

static void report_orphans(void *unused) {
  (void)unused;
  while (orphans.head) {
    corio__listener_t *l = orphans.head;
    void **slot = corio__listener_host(l);
    orphans.head = (corio__listener_t *)((uintptr_t)*slot & ~(uintptr_t)1);
    *slot = NULL;
    corio__listener_on_error(l, CORIO_ENOMEM, "out of memory for a server");
    corio__listener_on_closed(l);
    corio__poll_release();
  }
}

static listener_t *listener_of(corio__listener_t *l) {
  void *slot = *corio__listener_host(l);
  return (uintptr_t)slot & 1 ? NULL : slot;
}

void corio__net_listen(corio__listener_t *l, const char *host, int port) {
  corio__poll_hold(); /* until the on_closed report */
  listener_t *nl = calloc(1, sizeof *nl);
  if (nl == NULL) {
    *corio__listener_host(l) = (void *)((uintptr_t)orphans.head | 1);
    orphans.head = l;
    corio__poll_defer(&orphans.defer, report_orphans, NULL);
    return;
  }
  nl->core = l;
  nl->state = RESOLVING;
  corio__net_sock_link(&nl->sock, &live);
  corio__poll_on_loop_closed(&closer);
  *corio__listener_host(l) = nl;
  corio__net_sock_name(&nl->sock, host && *host ? host : "*", port);
  struct addrinfo *list = NULL;
  int gai = corio__resolve_numeric(host, port, 1, &list);
  if (gai == 0) {
    listen_on(nl, list); /* reports nothing now: they are deferred */
    return;
  }
  int rc = corio__resolve_start(&nl->sock.job, host, port, 1, resolved, nl);
  if (rc != CORIO_OK)
    finish(nl, rc, "cannot resolve %s: %s", nl->sock.name,
           rc == CORIO_ENOMEM ? "out of memory" : strerror(errno));
}

void corio__net_listen_close(corio__listener_t *l) {
  listener_t *nl = listener_of(l);
  if (nl) finish(nl, 0, NULL);
}

static void abort_all(void) {
  for (corio__net_sock_t *s = live; s; s = s->next)
    finish((listener_t *)s, 0, NULL);
}
