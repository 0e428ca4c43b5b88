/*
 * http_parse.h — the one HTTP/1.1 response parser of corio (RFC 9112), as
 * push parsers that never wait and never read past what they understand:
 * the head (status line and headers, interim 1xx responses skipped), the
 * body's framing chosen from the head, and chunked decoding. corio_fetch
 * (http.c) feeds them from a connection, and through it the checker; the
 * tests and fuzzers feed them bytes directly, split at every size.
 *
 * Every failure is a status with a message in the parser's struct: the
 * parsers are usable outside a task. A status is known only once the whole
 * head arrived (done); bytes that cannot begin "HTTP/1." fail at once.
 */
#ifndef CORIO_CORE_HTTP_PARSE_H
#define CORIO_CORE_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The limits, written once here. */
#define CORIO__HTTP_HEAD_MAX                                                   \
  ((size_t)16 * 1024)                   /* every head byte, interim            \
                                         * responses included */
#define CORIO__HTTP_INTERIM_MAX 10      /* 1xx responses skipped */
#define CORIO__HTTP_CHUNK_LINE_MAX 4096 /* a chunk-size line */
#define CORIO__HTTP_TRAILERS_MAX ((size_t)16 * 1024)

/* ---- the head ------------------------------------------------------------ */

typedef struct corio__http_head {
  char *buf; /* owned: the current response's head, CRLFs kept */
  size_t len, cap;
  size_t max;  /* bytes allowed in all heads (interim included) */
  size_t seen; /* head bytes consumed so far */
  size_t line; /* where the line being received starts in buf */
  int interim; /* interim responses skipped so far */
  int status;  /* the current response's code, 0 before its line */
  size_t reason_off, reason_len; /* its reason phrase in buf */
  bool done;     /* the final head arrived: status and headers hold */
  int error;     /* the failure, 0 if none (it sticks) */
  char msg[160]; /* what went wrong, for a person */
} corio__http_head_t;

/* max 0: CORIO__HTTP_HEAD_MAX. */
void corio__http_head_init(corio__http_head_t *h, size_t max);
void corio__http_head_dispose(corio__http_head_t *h);

/* Consumes bytes of p[0..n) up to the end of the final head (*used says
 * how many; the rest belongs to the body). CORIO_OK, with h->done once the
 * head is complete; or CORIO_EPROTO (malformed, too many interim
 * responses), CORIO_ELIMIT (over max) or CORIO_ENOMEM, with h->msg. */
int corio__http_head_feed(corio__http_head_t *h, const char *p, size_t n,
                          size_t *used);

/* The stream ended before the head did: conn_error 0 for a clean EOF
 * (CORIO_EINCOMPLETE), else that error (a reset: CORIO_ECONNRESET), with
 * h->msg saying how far the head got. Returns the status. */
int corio__http_head_end(corio__http_head_t *h, int conn_error);

/* Iterates the final head's headers: start with *pos = 0; each call gives
 * the next name and value (not NUL-terminated, value without its OWS) and
 * returns false after the last. */
bool corio__http_head_next(const corio__http_head_t *h, size_t *pos,
                           const char **name, size_t *nlen, const char **value,
                           size_t *vlen);

/* ---- framing ------------------------------------------------------------- */

typedef enum corio__http_body {
  CORIO__BODY_NONE,
  CORIO__BODY_LENGTH,
  CORIO__BODY_CHUNKED,
  CORIO__BODY_TO_EOF
} corio__http_body_t;

/* How the body of a final head is framed (RFC 9112 6.3, as llhttp reads
 * a response): none for HEAD, 1xx, 204 and 304; chunked when
 * Transfer-Encoding ends in exactly "chunked"; to EOF for another
 * Transfer-Encoding; Content-Length; else to EOF. Transfer-Encoding with
 * Content-Length, differing Content-Lengths and a Content-Length that is
 * not 1*DIGIT within 2^63-1 are CORIO_EPROTO (msg of msg_cap bytes). */
int corio__http_framing(const corio__http_head_t *h, bool head_request,
                        corio__http_body_t *kind, uint64_t *length, char *msg,
                        size_t msg_cap);

/* Parses 1*DIGIT (n bytes) into *out; false on anything else or above
 * 2^63-1. */
bool corio__http_parse_length(const char *s, size_t n, uint64_t *out);

/* ---- chunked ------------------------------------------------------------- */

typedef struct corio__http_chunked {
  int state;
  uint64_t remaining; /* bytes left of the current chunk's data */
  size_t line;        /* bytes of the current size or trailer line */
  size_t trailers;    /* trailer bytes so far */
  bool done;          /* the last chunk and its trailers were read */
  int error;
  char msg[120];
} corio__http_chunked_t;

void corio__http_chunked_init(corio__http_chunked_t *c);

/* Consumes framing bytes of p[0..n) until it meets chunk data: then
 * *data_off and *data_len (> 0) say which bytes of p are body, and
 * *used = *data_off + *data_len. Call again with the rest. *data_len 0:
 * all of p was framing (or c->done). CORIO_OK or CORIO_EPROTO /
 * CORIO_ELIMIT with c->msg. */
int corio__http_chunked_feed(corio__http_chunked_t *c, const char *p, size_t n,
                             size_t *used, size_t *data_off, size_t *data_len);

/* The stream ended before the last chunk: as corio__http_head_end. */
int corio__http_chunked_end(corio__http_chunked_t *c, int conn_error);

#endif
