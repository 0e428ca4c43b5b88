/*
 * reader.c — asyncio's StreamReader: a byte buffer, EOF and a sticky error,
 * and the read calls on top of them (read, read_all, readexactly, readuntil,
 * readline). Where more bytes come from is the reader's source: pushed by a
 * connection's backend, or pulled from another reader (an HTTP body).
 * One task reads at a time, as in asyncio.
 */
#include <stdlib.h>
#include <string.h>

#include "stream_internal.h"

void corio__reader_init(corio_reader_t *r, const corio__reader_source_t *src,
                        void *owner, size_t limit) {
  memset(r, 0, sizeof *r);
  r->src = src;
  r->owner = owner;
  r->limit = limit ? limit : CORIO__STREAM_DEFAULT_LIMIT;
}

void corio__reader_dispose(corio_reader_t *r) {
  free(r->data);
  free(r->errmsg);
  r->data = r->errmsg = NULL;
  r->start = r->len = r->cap = 0;
}

int corio__reader_feed(corio_reader_t *r, const void *data, size_t n) {
  if (n == 0) return CORIO_OK;
  if (r->start + r->len + n > r->cap) {
    if (r->start > 0) { /* move the unread bytes to the front first */
      memmove(r->data, r->data + r->start, r->len);
      r->start = 0;
    }
    if (r->len + n > r->cap) {
      size_t cap = r->cap ? r->cap : 4096;
      while (cap < r->len + n) cap *= 2;
      char *grown = realloc(r->data, cap);
      if (grown == NULL) return CORIO_ENOMEM;
      r->data = grown;
      r->cap = cap;
    }
  }
  memcpy(r->data + r->start + r->len, data, n);
  r->len += n;
  return CORIO_OK;
}

void corio__reader_set_eof(corio_reader_t *r) { r->eof = true; }

void corio__reader_set_error(corio_reader_t *r, int code, const char *msg) {
  if (r->error != 0) return;
  r->error = code;
  r->errmsg = corio__strdup(msg ? msg : corio_strerror(code));
}

int corio__reader_wait(corio_reader_t *r) {
  r->waiter = corio__current;
  int rc = corio__task_wait(CORIO__WAIT_STREAM, r, NULL, NULL, NULL);
  r->waiter = NULL;
  return rc;
}

void corio__reader_wake(corio_reader_t *r) {
  if (r->waiter) corio__task_wake(r->waiter, CORIO_OK);
}

/* ---- helpers ------------------------------------------------------------ */

static void consume(corio_reader_t *r, size_t n) {
  r->start += n;
  r->len -= n;
  if (r->len == 0) r->start = 0;
  if (r->src->consumed) r->src->consumed(r);
}

/* Nothing more can arrive: EOF or an error. */
static bool finished(const corio_reader_t *r) { return r->eof || r->error; }

static int fail(const corio_reader_t *r) {
  return corio__set_error(r->error, r->errmsg);
}

/* Enters a read call: checks the task and that no other task reads. */
static int enter(corio_reader_t *r) {
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  if (r == NULL) return CORIO_EINVAL;
  if (r->reading)
    return corio_fail(CORIO_ERUNTIME,
                      "another task is already reading from this stream");
  r->reading = true;
  return CORIO_OK;
}

static int leave(corio_reader_t *r, int rc) {
  r->reading = false;
  return rc;
}

/* A malloc'd, NUL-terminated copy of the first n buffered bytes. */
static char *take(corio_reader_t *r, size_t n) {
  char *out = malloc(n + 1);
  if (out == NULL) return NULL;
  if (n > 0) memcpy(out, r->data + r->start, n);
  out[n] = '\0';
  consume(r, n);
  return out;
}

/* Waits until r has bytes or nothing more can come. CORIO_OK with bytes,
 * or with none at a clean EOF; the stream's error once it failed and every
 * byte before the failure was read; or the fill's (cancellation). */
static int wait_bytes(corio_reader_t *r) {
  while (r->len == 0 && !finished(r)) {
    int rc = r->src->fill(r);
    if (rc != CORIO_OK) return rc;
  }
  return r->len == 0 && r->error ? fail(r) : CORIO_OK;
}

/* ---- the read calls ----------------------------------------------------- */

int corio_read(corio_reader_t *r, void *buf, size_t n, size_t *got) {
  if (got) *got = 0;
  int rc = enter(r);
  if (rc != CORIO_OK) return rc;
  if (n == 0) return leave(r, CORIO_OK);
  if ((rc = wait_bytes(r)) != CORIO_OK || r->len == 0) return leave(r, rc);
  size_t k = n < r->len ? n : r->len;
  memcpy(buf, r->data + r->start, k);
  consume(r, k);
  if (got) *got = k;
  return leave(r, CORIO_OK);
}

int corio__reader_pull(corio_reader_t *from, corio_reader_t *to, size_t max,
                       size_t *moved) {
  *moved = 0;
  int rc = enter(from);
  if (rc != CORIO_OK) return rc;
  if ((rc = wait_bytes(from)) != CORIO_OK || from->len == 0)
    return leave(from, rc);
  size_t k = max < from->len ? max : from->len;
  if (corio__reader_feed(to, from->data + from->start, k) != CORIO_OK)
    return leave(from, corio__set_error(CORIO_ENOMEM, NULL));
  consume(from, k);
  *moved = k;
  return leave(from, CORIO_OK);
}

int corio__reader_peek(corio_reader_t *r, const char **data, size_t *len) {
  *data = NULL;
  *len = 0;
  int rc = enter(r);
  if (rc != CORIO_OK) return rc;
  if ((rc = wait_bytes(r)) == CORIO_OK && r->len > 0) {
    *data = r->data + r->start; /* no buffer yet when nothing came */
    *len = r->len;
  }
  return leave(r, rc);
}

void corio__reader_skip(corio_reader_t *r, size_t n) {
  if (n > r->len) n = r->len;
  if (n > 0) consume(r, n);
}

int corio_readexactly(corio_reader_t *r, void *buf, size_t n, size_t *got) {
  if (got) *got = 0;
  int rc = enter(r);
  if (rc != CORIO_OK) return rc;
  size_t have = 0;
  while (have < n) {
    if (r->len > 0) {
      size_t k = n - have < r->len ? n - have : r->len;
      memcpy((char *)buf + have, r->data + r->start, k);
      consume(r, k);
      have += k;
      if (got) *got = have;
      continue;
    }
    if (r->error) return leave(r, fail(r));
    if (r->eof)
      return leave(r,
                   corio_fail(CORIO_EINCOMPLETE,
                              "end of stream after %zu of %zu bytes", have, n));
    /* A cancelled wait keeps what was read so far in buf (*got says how
     * much), like an incomplete read. */
    if ((rc = r->src->fill(r)) != CORIO_OK) return leave(r, rc);
  }
  return leave(r, CORIO_OK);
}

int corio_read_all(corio_reader_t *r, size_t max, char **out, size_t *len) {
  *out = NULL;
  if (len) *len = 0;
  int rc = enter(r);
  if (rc != CORIO_OK) return rc;
  char *all = NULL;
  size_t have = 0;
  bool over = false;
  for (;;) {
    if (r->len > 0) { /* move the bytes out, so flow control keeps going */
      size_t n = r->len;
      if (!over && max > 0 && have + n > max) {
        over = true;
        free(all);
        all = NULL;
        have = 0;
      }
      if (!over) {
        char *grown = realloc(all, have + n + 1);
        if (grown == NULL) {
          free(all);
          return leave(r, corio__set_error(CORIO_ENOMEM, NULL));
        }
        all = grown;
        memcpy(all + have, r->data + r->start, n);
        have += n;
      }
      consume(r, n);
      continue;
    }
    if (r->error) {
      free(all);
      return leave(r, fail(r));
    }
    if (r->eof) break;
    if ((rc = r->src->fill(r)) != CORIO_OK) {
      /* Cancelled: what was read is lost to the caller, as in asyncio. */
      free(all);
      return leave(r, rc);
    }
  }
  if (over)
    return leave(r,
                 corio_fail(CORIO_ELIMIT, "stream longer than %zu bytes", max));
  if (all == NULL && (all = malloc(1)) == NULL)
    return leave(r, corio__set_error(CORIO_ENOMEM, NULL));
  all[have] = '\0';
  *out = all;
  if (len) *len = have;
  return leave(r, CORIO_OK);
}

/* The offset of sep in r's buffer at or after `from`, or SIZE_MAX. */
static size_t find(const corio_reader_t *r, const void *sep, size_t seplen,
                   size_t from) {
  if (r->len < seplen) return SIZE_MAX;
  const char *base = r->data + r->start;
  for (size_t i = from; i + seplen <= r->len; i++)
    if (base[i] == *(const char *)sep && memcmp(base + i, sep, seplen) == 0)
      return i;
  return SIZE_MAX;
}

/* How read_until ended. */
typedef enum until {
  UNTIL_FOUND,   /* CORIO_OK: the bytes up to and with the separator */
  UNTIL_PARTIAL, /* CORIO_EINCOMPLETE: the stream ended (EOF, or an error
                  * after these bytes) before a separator; the bytes */
  UNTIL_OVER,    /* CORIO_ELIMIT: no separator within the limit */
  UNTIL_FAILED,  /* the stream's error (nothing was buffered), or a
                  * cancellation or ENOMEM */
} until_t;

/* readuntil without enter/leave. UNTIL_OVER consumes nothing. */
static int read_until(corio_reader_t *r, const void *sep, size_t seplen,
                      char **out, size_t *len, until_t *how) {
  size_t from = 0;
  *how = UNTIL_FAILED;
  for (;;) {
    size_t at = find(r, sep, seplen, from);
    if (at != SIZE_MAX) {
      if (at > r->limit) {
        *how = UNTIL_OVER;
        r->overrun_consumed = at; /* asyncio: the separator's offset */
        return corio_fail(CORIO_ELIMIT,
                          "separator found after %zu bytes, over the limit "
                          "of %zu",
                          at, r->limit);
      }
      if ((*out = take(r, at + seplen)) == NULL)
        return corio__set_error(CORIO_ENOMEM, NULL);
      *len = at + seplen;
      *how = UNTIL_FOUND;
      return CORIO_OK;
    }
    /* Not in the buffer: only the last seplen - 1 bytes can start it. */
    from = r->len + 1 > seplen ? r->len + 1 - seplen : 0;
    if (from > r->limit) {
      *how = UNTIL_OVER;
      r->overrun_consumed = from; /* asyncio: len(buffer) - len(sep) + 1 */
      return corio_fail(CORIO_ELIMIT,
                        "no separator within the limit of %zu bytes", r->limit);
    }
    /* The stream is over: the bytes first, then (next call) its error. */
    if (r->error && r->len == 0) return fail(r);
    if (finished(r)) {
      size_t n = r->len;
      if ((*out = take(r, n)) == NULL)
        return corio__set_error(CORIO_ENOMEM, NULL);
      *len = n;
      *how = UNTIL_PARTIAL;
      return corio_fail(CORIO_EINCOMPLETE,
                        "end of stream after %zu bytes, before the separator",
                        n);
    }
    int rc = r->src->fill(r);
    if (rc != CORIO_OK) return rc;
  }
}

int corio_readuntil(corio_reader_t *r, const void *sep, size_t seplen,
                    char **out, size_t *len) {
  *out = NULL;
  if (len) *len = 0;
  if (sep == NULL || seplen == 0)
    return corio_fail(CORIO_EINVAL, "readuntil: empty separator");
  int rc = enter(r);
  if (rc != CORIO_OK) return rc;
  size_t n = 0;
  until_t how;
  rc = read_until(r, sep, seplen, out, &n, &how);
  if (len) *len = n;
  return leave(r, rc);
}

int corio_readline(corio_reader_t *r, char **out, size_t *len) {
  *out = NULL;
  if (len) *len = 0;
  int rc = enter(r);
  if (rc != CORIO_OK) return rc;
  size_t n = 0;
  until_t how;
  rc = read_until(r, "\n", 1, out, &n, &how);
  if (how == UNTIL_PARTIAL) rc = CORIO_OK; /* the last line, maybe empty */
  if (how == UNTIL_OVER) {                 /* asyncio drops the line */
    size_t at = find(r, "\n", 1, 0);
    consume(r, at == SIZE_MAX ? r->len : at + 1);
    rc = corio_fail(CORIO_ELIMIT, "line longer than the limit of %zu bytes",
                    r->limit);
  }
  if (len) *len = n;
  return leave(r, rc);
}

size_t corio_reader_overrun_consumed(const corio_reader_t *r) {
  return r ? r->overrun_consumed : 0;
}

bool corio_reader_at_eof(const corio_reader_t *r) {
  return r->eof && r->len == 0 && r->error == 0; /* a failure is no EOF */
}
