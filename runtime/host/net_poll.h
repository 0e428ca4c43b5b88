/*
 * net_poll.h — what the native socket transports share (net_poll.c makes
 * and runs connections, net_poll_listen.c listens and accepts): the
 * mapping of system errors to corio statuses, address text, and handing an
 * accepted socket over to a connection.
 */
#ifndef CORIO_HOST_NET_POLL_H
#define CORIO_HOST_NET_POLL_H

#include <stddef.h>
#include <sys/socket.h>

#include "backend.h"

/* A connection's status for errno err: CORIO_ECONNREFUSED,
 * CORIO_ECONNRESET (reset, broken pipe), CORIO_ETIMEDOUT, CORIO_ENOMEM,
 * else CORIO_EIO. */
int corio__net_errno_status(int err);

/* "host:port" of an IPv4 / IPv6 address ("[::1]:8080"; an IPv4 address
 * mapped into IPv6 is written as IPv4), into out. */
void corio__net_format_addr(const struct sockaddr *sa, char *out, size_t len);

/* Starts transporting accepted client fd (non-blocking; owned from now on)
 * for connection c, connected to `peer`. Never fails from the core's view:
 * without memory, fd is closed and c gets on_error(CORIO_ENOMEM) then
 * on_closed. */
void corio__net_adopt(corio__conn_t *c, int fd, const char *peer);

#endif
