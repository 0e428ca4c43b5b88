/*
 * net_poll.h — what the native socket transports share (net_poll.c makes
 * and runs connections, net_poll_listen.c listens and accepts): the
 * mapping of system and lookup errors to corio statuses, address text, the
 * part of a record both kinds have (its socket, its lookup, how it ended)
 * with its end, and handing an accepted socket over to a connection.
 */
#ifndef CORIO_HOST_NET_POLL_H
#define CORIO_HOST_NET_POLL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include "backend.h"
#include "poll_watch.h"
#include "resolve.h"

/* A connection's status for errno err: CORIO_ECONNREFUSED,
 * CORIO_ECONNRESET (reset, broken pipe), CORIO_ETIMEDOUT, CORIO_ENOMEM,
 * else CORIO_EIO. */
int corio__net_errno_status(int err);

/* The status of a failed lookup (getaddrinfo's gai_error; EAI_SYSTEM with
 * sys_errno) and, in *words, what it says (static text). */
int corio__net_lookup_status(int gai_error, int sys_errno, const char **words);

/* "host:port" of an IPv4 / IPv6 address ("[::1]:8080"; an IPv4 address
 * mapped into IPv6 is written as IPv4), into out. */
void corio__net_format_addr(const struct sockaddr *sa, char *out, size_t len);

/* What a record of either transport (conn_t, listener_t) holds first, so
 * that a record's address is its sock's: the socket in the reactor, the
 * lookup, how the record ended, and its link in its file's list of records
 * not yet reported closed. */
typedef struct corio__net_sock {
  int fd;                    /* the socket, -1 if none */
  corio__poll_watch_t watch; /* fd in the reactor */
  corio__resolve_t *job;     /* the lookup in flight */
  char name[300];            /* "host:port" for messages */
  int error;                 /* once ended: 0, or the status for on_error */
  char msg[512];             /* its message */
  struct corio__net_sock *prev, *next; /* the list's links */
} corio__net_sock_t;

/* Starts s (all zero) without a socket, first in the list *live. */
void corio__net_sock_link(corio__net_sock_t *s, corio__net_sock_t **live);

/* Takes s out of the list *live. */
void corio__net_sock_unlink(corio__net_sock_t *s, corio__net_sock_t **live);

/* Sets s's name to "host:port" (an IPv6 address in brackets). */
void corio__net_sock_name(corio__net_sock_t *s, const char *host, int port);

/* Ends s now: out of the reactor, its lookup abandoned, its socket closed;
 * keeps error and, if error and fmt, the message fmt makes of ap. */
void corio__net_sock_end(corio__net_sock_t *s, int error, const char *fmt,
                         va_list ap);

/* Starts transporting accepted client fd (non-blocking; owned from now on)
 * for connection c, connected to `peer`. Never fails from the core's view:
 * without memory, fd is closed and c gets on_error(CORIO_ENOMEM) then
 * on_closed. */
void corio__net_adopt(corio__conn_t *c, int fd, const char *peer);

#endif
