/*
 * tls_openssl.c — client TLS for the native transport (tls.h) with
 * OpenSSL: certificate checks against the system's CAs or a PEM file, the
 * name checked (DNS name or IP address) and sent as SNI, and a socket BIO
 * of its own that sends with MSG_NOSIGNAL, so a peer gone away is an
 * error, never SIGPIPE. Each connection owns its SSL (and, through it, its
 * SSL_CTX).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "corio.h"
#include "net_poll.h"
#include "tls.h"

struct corio__tls {
  SSL *ssl; /* owns its BIO and a reference to its SSL_CTX */
};

bool corio__tls_peer_subject(corio__tls_t *t, char *buf, size_t n) {
  if (n > 0) buf[0] = '\0';
  X509 *cert = SSL_get_peer_certificate(t->ssl); /* a reference: ours */
  if (cert == NULL || n == 0) {
    X509_free(cert);
    return false;
  }
  BIO *mem = BIO_new(BIO_s_mem());
  bool ok = mem != NULL &&
            X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0,
                               XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0;
  if (ok) {
    int got = BIO_read(mem, buf, (int)(n - 1));
    buf[got > 0 ? got : 0] = '\0';
    ok = got > 0;
  }
  BIO_free(mem);
  X509_free(cert);
  return ok;
}

/* ---- a socket BIO without SIGPIPE --------------------------------------- */

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static int bio_fd(BIO *b) { return (int)(intptr_t)BIO_get_data(b); }

static bool retryable(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static int bio_write(BIO *b, const char *buf, int len) {
  BIO_clear_retry_flags(b);
  ssize_t n = send(bio_fd(b), buf, (size_t)len, MSG_NOSIGNAL);
  if (n < 0 && retryable(errno)) BIO_set_retry_write(b);
  return (int)n;
}

static int bio_read(BIO *b, char *buf, int len) {
  BIO_clear_retry_flags(b);
  ssize_t n = recv(bio_fd(b), buf, (size_t)len, 0);
  if (n < 0 && retryable(errno)) BIO_set_retry_read(b);
  if (n == 0) errno = 0; /* EOF: no stale errno for SSL_ERROR_SYSCALL */
  return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)b;
  (void)num;
  (void)ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static void bio_method_init(void) {
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
                                   BIO_TYPE_DESCRIPTOR,
                               "corio socket");
  if (m == NULL) return;
  BIO_meth_set_write(m, bio_write);
  BIO_meth_set_read(m, bio_read);
  BIO_meth_set_ctrl(m, bio_ctrl);
  BIO_meth_set_create(m, bio_create);
  bio_method = m;
}

/* ---- errors ------------------------------------------------------------- */

/* OpenSSL's reason for the oldest queued error ("wrong version number"),
 * and clears the queue. */
static void reason(char *buf, size_t len) {
  unsigned long e = ERR_get_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  if (e && ERR_SYSTEM_ERROR(e)) /* errno, e.g. a CA file that is missing */
    snprintf(buf, len, "%s", strerror(ERR_GET_REASON(e)));
  else if (r)
    snprintf(buf, len, "%s", r);
  else if (e)
    ERR_error_string_n(e, buf, len);
  else
    snprintf(buf, len, "unknown error");
  ERR_clear_error();
}

/* Reasons a server that does not speak TLS makes OpenSSL give. */
static bool not_tls(const char *why) {
  return strstr(why, "wrong version number") ||
         strstr(why, "packet length too long") ||
         strstr(why, "record layer failure") || strstr(why, "http request");
}

/* The status and message of an SSL call that returned ret <= 0, as `what`
 * ("handshake", "read", ...). */
static int ssl_status(SSL *ssl, int ret, const char *what, char *msg,
                      size_t msglen) {
  int err = SSL_get_error(ssl, ret);
  int sys = errno;
  switch (err) {
  case SSL_ERROR_WANT_READ:
    return CORIO__TLS_WANT_READ;
  case SSL_ERROR_WANT_WRITE:
    return CORIO__TLS_WANT_WRITE;
  case SSL_ERROR_ZERO_RETURN:
    ERR_clear_error();
    if (!SSL_is_init_finished(ssl)) break;
    return CORIO_END;
  case SSL_ERROR_SYSCALL:
    ERR_clear_error();
    if (sys == 0) {
      if (SSL_is_init_finished(ssl)) return CORIO_END;
      break;
    }
    snprintf(msg, msglen, "TLS %s: %s", what, strerror(sys));
    /* A handshake cut short is a TLS failure (a plain server that resets
     * on our hello); later, the socket's own error. */
    return SSL_is_init_finished(ssl) ? corio__net_errno_status(sys)
                                     : CORIO_ETLS;
  case SSL_ERROR_SSL: {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      ERR_clear_error();
      snprintf(msg, msglen, "TLS certificate check failed: %s",
               X509_verify_cert_error_string(verify));
      return CORIO_ETLS;
    }
    char why[256];
    reason(why, sizeof why);
    snprintf(msg, msglen, "TLS %s failed: %s%s", what, why,
             not_tls(why) ? " (the server does not speak TLS on this port?)"
                          : "");
    return CORIO_ETLS;
  }
  default:
    ERR_clear_error();
    snprintf(msg, msglen, "TLS %s failed (OpenSSL error %d)", what, err);
    return CORIO_ETLS;
  }
  snprintf(msg, msglen,
           "TLS handshake failed: the server closed the connection (does it "
           "speak TLS on this port?)");
  return CORIO_ETLS;
}

/* ---- the connection ----------------------------------------------------- */

static SSL_CTX *new_ctx(const char *ca_file, char *msg, size_t msglen) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) {
    reason(msg, msglen);
    return NULL;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* A server that closes without close_notify ends the stream as a plain
   * EOF would (HTTP servers often do); the protocol above sees truncation
   * (Content-Length, chunked). */
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  int ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                   : SSL_CTX_set_default_verify_paths(ctx);
  if (!ok) {
    char why[256];
    reason(why, sizeof why);
    snprintf(msg, msglen, "cannot load the TLS CAs from %s: %s",
             ca_file ? ca_file : "the system's store", why);
    SSL_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

/* Checks the certificate against name: an IP address, or a DNS name that
 * is also sent as SNI. */
static bool set_name(SSL *ssl, const char *name) {
  unsigned char addr[16];
  if (inet_pton(AF_INET, name, addr) == 1 ||
      inet_pton(AF_INET6, name, addr) == 1)
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
  return SSL_set_tlsext_host_name(ssl, name) == 1 &&
         SSL_set1_host(ssl, name) == 1;
}

int corio__tls_new(corio__tls_t **out, int fd, const char *server_name,
                   const char *ca_file, char *msg, size_t msglen) {
  *out = NULL;
  pthread_once(&bio_once, bio_method_init);
  if (bio_method == NULL) return CORIO_ENOMEM;
  corio__tls_t *t = calloc(1, sizeof *t);
  if (t == NULL) return CORIO_ENOMEM;
  SSL_CTX *ctx = new_ctx(ca_file, msg, msglen);
  if (ctx == NULL) {
    free(t);
    return CORIO_ETLS;
  }
  t->ssl = SSL_new(ctx);
  SSL_CTX_free(ctx); /* the SSL holds its own reference */
  BIO *bio = t->ssl ? BIO_new(bio_method) : NULL;
  if (bio == NULL) {
    SSL_free(t->ssl);
    free(t);
    return CORIO_ENOMEM;
  }
  BIO_set_data(bio, (void *)(intptr_t)fd);
  SSL_set_bio(t->ssl, bio, bio);
  if (!set_name(t->ssl, server_name)) {
    snprintf(msg, msglen, "TLS: cannot check the name \"%s\"", server_name);
    corio__tls_free(t);
    return CORIO_ETLS;
  }
  SSL_set_connect_state(t->ssl);
  *out = t;
  return CORIO_OK;
}

void corio__tls_free(corio__tls_t *t) {
  if (t == NULL) return;
  SSL_free(t->ssl);
  free(t);
}

int corio__tls_handshake(corio__tls_t *t, char *msg, size_t msglen) {
  ERR_clear_error();
  int ret = SSL_do_handshake(t->ssl);
  if (ret == 1) return CORIO_OK;
  return ssl_status(t->ssl, ret, "handshake", msg, msglen);
}

int corio__tls_read(corio__tls_t *t, void *buf, size_t n, size_t *got,
                    char *msg, size_t msglen) {
  ERR_clear_error();
  *got = 0;
  int ret = SSL_read_ex(t->ssl, buf, n, got);
  if (ret == 1) return CORIO_OK;
  return ssl_status(t->ssl, ret, "read", msg, msglen);
}

bool corio__tls_buffered(const corio__tls_t *t) {
  return SSL_has_pending(t->ssl) == 1;
}

int corio__tls_write(corio__tls_t *t, const void *buf, size_t n, size_t *put,
                     char *msg, size_t msglen) {
  ERR_clear_error();
  *put = 0;
  int ret = SSL_write_ex(t->ssl, buf, n, put);
  if (ret == 1) return CORIO_OK;
  return ssl_status(t->ssl, ret, "write", msg, msglen);
}

int corio__tls_close_notify(corio__tls_t *t, char *msg, size_t msglen) {
  ERR_clear_error();
  int ret = SSL_shutdown(t->ssl);
  if (ret >= 0) return CORIO_OK; /* 0: sent, the peer's not received yet */
  return ssl_status(t->ssl, ret, "shutdown", msg, msglen);
}
