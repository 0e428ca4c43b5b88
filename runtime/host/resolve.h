/*
 * resolve.h — name resolution off the loop for the native transports
 * (resolve_thread.c): numeric addresses are parsed at once, names are
 * looked up by getaddrinfo on threads of their own (a few at a time) and
 * the answer comes back through the reactor (poll_watch.h), so a slow DNS
 * never blocks the loop.
 */
#ifndef CORIO_HOST_RESOLVE_H
#define CORIO_HOST_RESOLVE_H

#include <netdb.h>

/* The answer: gai_error is 0 and `list` the addresses (the callee owns it:
 * freeaddrinfo), or gai_error is getaddrinfo's error (EAI_*; EAI_SYSTEM
 * with sys_errno) and `list` NULL. Called from corio__host_wait. */
typedef void (*corio__resolve_fn)(void *data, int gai_error, int sys_errno,
                                  struct addrinfo *list);

typedef struct corio__resolve corio__resolve_t;

/* Parses host (an IPv4 or IPv6 address; "[v6]" too; "" or NULL is the
 * wildcard when `passive`) and port without any lookup. Returns 0 and sets
 * *list (the caller frees it), or EAI_NONAME when host is a name, or
 * another EAI_* error. */
int corio__resolve_numeric(const char *host, int port, int passive,
                           struct addrinfo **list);

/* Starts looking up host:port on a thread; fn(data, ...) runs later from
 * the reactor unless cancelled. On CORIO_OK *out is the job, valid until
 * fn is called or the job is cancelled. CORIO_ENOMEM or CORIO_EIO (no
 * thread: errno says why) otherwise, and fn is never called. */
int corio__resolve_start(corio__resolve_t **out, const char *host, int port,
                         int passive, corio__resolve_fn fn, void *data);

/* fn will not be called; the job is freed once its thread is done. */
void corio__resolve_cancel(corio__resolve_t *job);

#endif
