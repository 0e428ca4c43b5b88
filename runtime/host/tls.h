/*
 * tls.h — client TLS over a connected non-blocking socket, for the native
 * connection transport (net_poll.c); tls_openssl.c implements it with
 * OpenSSL. Every call that fails writes what went wrong (without host or
 * port: the caller adds them) into msg.
 */
#ifndef CORIO_HOST_TLS_H
#define CORIO_HOST_TLS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct corio__tls corio__tls_t;

/* Results besides CORIO_OK (done) and negative corio statuses (failed):
 * the call must be repeated once the socket is readable / writable. */
#define CORIO__TLS_WANT_READ 2
#define CORIO__TLS_WANT_WRITE 3

/* A TLS client on fd (which stays the caller's), checking the server's
 * certificate against ca_file (PEM), or the system's CAs when NULL, and
 * against server_name (a DNS name or an IP address; also sent as SNI when
 * a name). CORIO_OK, CORIO_ENOMEM or CORIO_ETLS (a bad ca_file ...). */
int corio__tls_new(corio__tls_t **out, int fd, const char *server_name,
                   const char *ca_file, char *msg, size_t msglen);
void corio__tls_free(corio__tls_t *t);

/* After the handshake: the peer certificate's subject in RFC 2253 form
 * ("CN=localhost,O=corio") into buf (n bytes, cut to fit); false (buf "")
 * if the peer sent none or it cannot be printed. */
bool corio__tls_peer_subject(corio__tls_t *t, char *buf, size_t n);

/* Drives the handshake: CORIO_OK once done, WANT_*, or CORIO_ETLS (also
 * when the socket failed or closed during it: msg says how). */
int corio__tls_handshake(corio__tls_t *t, char *msg, size_t msglen);

/* Reads up to n bytes: CORIO_OK with *got > 0, CORIO_END at the end of the
 * stream (close_notify or the socket's EOF), WANT_*, or an error. */
int corio__tls_read(corio__tls_t *t, void *buf, size_t n, size_t *got,
                    char *msg, size_t msglen);
/* Bytes read from the socket but not yet returned by corio__tls_read: poll
 * will not report them. */
bool corio__tls_buffered(const corio__tls_t *t);

/* Writes up to n (> 0) bytes: CORIO_OK with *put > 0, WANT_*, or an error.
 * After a WANT_*, the next call must pass the same bytes again (at least
 * as many). */
int corio__tls_write(corio__tls_t *t, const void *buf, size_t n, size_t *put,
                     char *msg, size_t msglen);

/* Sends close_notify (TLS's EOF; reading goes on): CORIO_OK, WANT_*, or an
 * error. */
int corio__tls_close_notify(corio__tls_t *t, char *msg, size_t msglen);

#endif
