/*
 * http_parse.c — the response head, framing and chunked decoding of
 * http_parse.h, byte by byte: a split anywhere gives the same outcome as
 * the whole input (the parsers keep their position, not the bytes, except
 * the head being received). Strict as llhttp is without leniency flags:
 * CRLF line ends, no bare CR, no obs-fold, tokens where tokens belong.
 */
#include "http_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "corio.h"
#include "internal.h"

#define INT63_MAX ((uint64_t)INT64_MAX)

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* tchar of RFC 9110 5.6.2. */
static bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Octets a field value or reason phrase may hold: HTAB, SP, VCHAR,
 * obs-text. */
static bool is_text(unsigned char c) {
  return c == '\t' || (c >= ' ' && c != 0x7f);
}

static int head_fail(corio__http_head_t *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int head_fail(corio__http_head_t *h, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->msg, sizeof h->msg, fmt, ap);
  va_end(ap);
  h->error = code;
  return code;
}

/* ---- the head ------------------------------------------------------------ */

void corio__http_head_init(corio__http_head_t *h, size_t max) {
  memset(h, 0, sizeof *h);
  h->max = max ? max : CORIO__HTTP_HEAD_MAX;
}

void corio__http_head_dispose(corio__http_head_t *h) {
  free(h->buf);
  h->buf = NULL;
  h->len = h->cap = 0;
}

/* How much of a line (n bytes, not NUL-terminated: the head's buffer
 * holds only what arrived) a message quotes. */
static int quoted(size_t n) { return n < 40 ? (int)n : 40; }

static const char prefix[] = "HTTP/1.";
#define PREFIX_LEN 7

/* "HTTP/1.x NNN[ reason]" (CRLF stripped, n bytes). */
static int status_line(corio__http_head_t *h, const char *s, size_t n) {
  if (n < 12 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
      !is_digit((unsigned char)s[9]) || s[9] == '0' ||
      !is_digit((unsigned char)s[10]) || !is_digit((unsigned char)s[11]) ||
      (n > 12 && s[12] != ' '))
    return head_fail(h, CORIO_EPROTO,
                     "malformed response: not an HTTP/1.0 or 1.1 status line "
                     "(\"%.*s\")",
                     quoted(n), s);
  for (size_t i = 13; i < n; i++)
    if (!is_text((unsigned char)s[i]))
      return head_fail(h, CORIO_EPROTO,
                       "malformed response: control byte 0x%02x in the "
                       "reason phrase",
                       (unsigned char)s[i]);
  h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
  h->reason_off = (size_t)(s - h->buf) + (n > 13 ? 13 : n);
  h->reason_len = n > 13 ? n - 13 : 0;
  return 0;
}

static int header_line(corio__http_head_t *h, const char *s, size_t n) {
  if (s[0] == ' ' || s[0] == '\t')
    return head_fail(h, CORIO_EPROTO,
                     "malformed response: a header line starts with "
                     "whitespace (obsolete line folding)");
  size_t i = 0;
  while (i < n && is_tchar((unsigned char)s[i])) i++;
  if (i == 0 || i == n || s[i] != ':')
    return head_fail(h, CORIO_EPROTO,
                     "malformed response: bad header line (\"%.*s\")",
                     quoted(n), s);
  for (i++; i < n; i++)
    if (!is_text((unsigned char)s[i]))
      return head_fail(h, CORIO_EPROTO,
                       "malformed response: control byte 0x%02x in a header "
                       "value",
                       (unsigned char)s[i]);
  return 0;
}

/* A whole line [h->line, h->len - 2) arrived. */
static int line_done(corio__http_head_t *h) {
  const char *s = h->buf + h->line;
  size_t n = h->len - 2 - h->line;
  if (h->status == 0) {
    if (n == 0) { /* an empty line before a status line (llhttp skips it) */
      h->len = h->line;
      return 0;
    }
    return status_line(h, s, n);
  }
  if (n > 0) return header_line(h, s, n);
  if (h->status / 100 == 1 && h->status != 101) { /* 100, 103: read on */
    if (++h->interim > CORIO__HTTP_INTERIM_MAX)
      return head_fail(h, CORIO_EPROTO,
                       "malformed response: more than %d interim (1xx) "
                       "responses",
                       CORIO__HTTP_INTERIM_MAX);
    h->len = 0;
    h->status = 0;
    return 0;
  }
  h->done = true;
  return 0;
}

static int append(corio__http_head_t *h, char c) {
  if (h->len == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 256;
    if (cap > h->max + 1) cap = h->max + 1;
    char *buf = realloc(h->buf, cap);
    if (buf == NULL) return head_fail(h, CORIO_ENOMEM, "out of memory");
    h->buf = buf;
    h->cap = cap;
  }
  h->buf[h->len++] = c;
  return 0;
}

int corio__http_head_feed(corio__http_head_t *h, const char *p, size_t n,
                          size_t *used) {
  *used = 0;
  if (h->error) return h->error;
  for (size_t i = 0; i < n && !h->done; i++) {
    unsigned char c = (unsigned char)p[i];
    if (h->seen >= h->max)
      return head_fail(h, CORIO_ELIMIT,
                       "the response head is longer than %zu bytes", h->max);
    size_t pos = h->len - h->line; /* c's place in its line */
    char prev = pos > 0 ? h->buf[h->len - 1] : 0;
    if (append(h, (char)c)) return h->error;
    h->seen++;
    *used = i + 1;
    if (c == 0)
      return head_fail(h, CORIO_EPROTO,
                       "malformed response: a NUL byte in the head");
    if (prev == '\r' && c != '\n')
      return head_fail(h, CORIO_EPROTO,
                       "malformed response: a CR not followed by LF");
    if (h->status == 0 && pos < PREFIX_LEN && !(pos == 0 && c == '\r') &&
        !(pos == 1 && prev == '\r') && c != (unsigned char)prefix[pos])
      return head_fail(h, CORIO_EPROTO,
                       "malformed response: the answer does not begin with "
                       "\"HTTP/1.\" (byte %zu is 0x%02x)",
                       h->seen - 1, c);
    if (c == '\n') {
      if (prev != '\r')
        return head_fail(h, CORIO_EPROTO,
                         "malformed response: a line ends in LF without CR");
      if (line_done(h)) return h->error;
      h->line = h->len;
    }
  }
  return 0;
}

int corio__http_head_end(corio__http_head_t *h, int conn_error) {
  if (h->error) return h->error;
  if (conn_error)
    return head_fail(h, conn_error,
                     "the connection failed after %zu bytes, before the "
                     "response head ended",
                     h->seen);
  if (h->seen == 0)
    return head_fail(h, CORIO_EINCOMPLETE,
                     "the server closed the connection without answering");
  return head_fail(h, CORIO_EINCOMPLETE,
                   "the server closed the connection after %zu bytes, "
                   "before the response head ended",
                   h->seen);
}

bool corio__http_head_next(const corio__http_head_t *h, size_t *pos,
                           const char **name, size_t *nlen, const char **value,
                           size_t *vlen) {
  if (!h->done) return false;
  size_t at = *pos;
  if (at == 0) { /* skip the status line */
    const char *lf = memchr(h->buf, '\n', h->len);
    at = (size_t)(lf - h->buf) + 1;
  }
  if (at + 2 >= h->len) return false; /* the final empty line */
  const char *s = h->buf + at;
  const char *lf = memchr(s, '\n', h->len - at);
  size_t n = (size_t)(lf - s) - 1; /* without CRLF */
  const char *colon = memchr(s, ':', n);
  *name = s;
  *nlen = (size_t)(colon - s);
  const char *v = colon + 1, *end = s + n;
  while (v < end && (*v == ' ' || *v == '\t')) v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
  *value = v;
  *vlen = (size_t)(end - v);
  *pos = at + n + 2;
  return true;
}

/* ---- framing ------------------------------------------------------------- */

bool corio__http_parse_length(const char *s, size_t n, uint64_t *out) {
  uint64_t v = 0;
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit((unsigned char)s[i])) return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (INT63_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static bool name_is(const char *name, size_t n, const char *want) {
  return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* The last coding of one Transfer-Encoding value, if it has one. */
static void last_coding(const char *v, size_t n, const char **last,
                        size_t *len) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
    size_t start = i;
    while (i < n && v[i] != ',') i++;
    size_t end = i;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t')) end--;
    if (end > start) {
      *last = v + start;
      *len = end - start;
    }
  }
}

int corio__http_framing(const corio__http_head_t *h, bool head_request,
                        corio__http_body_t *kind, uint64_t *length, char *msg,
                        size_t msg_cap) {
  *kind = CORIO__BODY_NONE;
  *length = 0;
  if (head_request || h->status / 100 == 1 || h->status == 204 ||
      h->status == 304)
    return 0;
  bool te = false, cl = false;
  const char *coding = NULL;
  size_t coding_len = 0;
  uint64_t n = 0;
  size_t pos = 0;
  const char *name, *value;
  size_t nlen, vlen;
  while (corio__http_head_next(h, &pos, &name, &nlen, &value, &vlen)) {
    if (name_is(name, nlen, "Transfer-Encoding")) {
      te = true;
      last_coding(value, vlen, &coding, &coding_len);
    } else if (name_is(name, nlen, "Content-Length")) {
      uint64_t v;
      if (!corio__http_parse_length(value, vlen, &v)) {
        snprintf(msg, msg_cap,
                 "malformed response: bad Content-Length \"%.*s\"",
                 (int)(vlen > 40 ? 40 : vlen), value);
        return CORIO_EPROTO;
      }
      if (cl && v != n) {
        snprintf(msg, msg_cap,
                 "malformed response: two different Content-Lengths");
        return CORIO_EPROTO;
      }
      cl = true;
      n = v;
    }
  }
  if (te && cl) {
    snprintf(msg, msg_cap,
             "malformed response: both Transfer-Encoding and "
             "Content-Length");
    return CORIO_EPROTO;
  }
  if (te) {
    *kind = coding && name_is(coding, coding_len, "chunked")
                ? CORIO__BODY_CHUNKED
                : CORIO__BODY_TO_EOF;
  } else if (cl) {
    *kind = CORIO__BODY_LENGTH;
    *length = n;
  } else {
    *kind = CORIO__BODY_TO_EOF;
  }
  return 0;
}

/* ---- chunked ------------------------------------------------------------- */

enum {
  CH_SIZE0,   /* the first hex digit of a size */
  CH_SIZE,    /* more hex digits, ';' or CR */
  CH_EXT0,    /* after ';': the first tchar of an extension name */
  CH_EXT,     /* an extension: name [= token / quoted-string] */
  CH_EXT_Q,   /* inside a quoted-string */
  CH_EXT_QE,  /* after a backslash in it */
  CH_EXT_QD,  /* after the closing quote: ';' or CR */
  CH_SIZE_LF, /* the size line's LF */
  CH_DATA,
  CH_DATA_CR,
  CH_DATA_LF,
  CH_TRAILER0, /* the start of a trailer line, or the final CRLF */
  CH_TRAILER,  /* inside a trailer line */
  CH_TRAILER_LF,
  CH_END_LF, /* the final CRLF's LF */
};

static int ch_fail(corio__http_chunked_t *c, int code, const char *what) {
  snprintf(c->msg, sizeof c->msg, "malformed chunked body: %s", what);
  c->error = code;
  return code;
}

void corio__http_chunked_init(corio__http_chunked_t *c) {
  memset(c, 0, sizeof *c);
}

/* One framing byte. */
static int ch_byte(corio__http_chunked_t *c, unsigned char ch) {
  if (c->state <= CH_SIZE_LF && ++c->line > CORIO__HTTP_CHUNK_LINE_MAX)
    return ch_fail(c, CORIO_ELIMIT, "a chunk-size line over the limit");
  switch (c->state) {
  case CH_SIZE0:
  case CH_SIZE: {
    int v = corio__hex_value(ch);
    if (v >= 0) {
      if (c->remaining > (INT63_MAX >> 4))
        return ch_fail(c, CORIO_EPROTO, "a chunk size over 2^63");
      c->remaining = c->remaining * 16 + (uint64_t)v;
      c->state = CH_SIZE;
    } else if (c->state == CH_SIZE0) {
      return ch_fail(c, CORIO_EPROTO, "a chunk size that is not hex");
    } else if (ch == ';') {
      c->state = CH_EXT0;
    } else if (ch == '\r') {
      c->state = CH_SIZE_LF;
    } else {
      return ch_fail(c, CORIO_EPROTO, "a bad character after a chunk size");
    }
    return 0;
  }
  case CH_EXT0:
    if (!is_tchar(ch)) return ch_fail(c, CORIO_EPROTO, "a bad chunk extension");
    c->state = CH_EXT;
    return 0;
  case CH_EXT:
    if (ch == ';')
      c->state = CH_EXT0;
    else if (ch == '\r')
      c->state = CH_SIZE_LF;
    else if (ch == '"')
      c->state = CH_EXT_Q;
    else if (!is_tchar(ch) && ch != '=')
      return ch_fail(c, CORIO_EPROTO, "a bad chunk extension");
    return 0;
  case CH_EXT_Q:
    if (ch == '"')
      c->state = CH_EXT_QD;
    else if (ch == '\\')
      c->state = CH_EXT_QE;
    else if (!is_text(ch))
      return ch_fail(c, CORIO_EPROTO, "a bad quoted chunk extension");
    return 0;
  case CH_EXT_QE:
    if (!is_text(ch))
      return ch_fail(c, CORIO_EPROTO, "a bad quoted chunk extension");
    c->state = CH_EXT_Q;
    return 0;
  case CH_EXT_QD:
    if (ch == ';')
      c->state = CH_EXT0;
    else if (ch == '\r')
      c->state = CH_SIZE_LF;
    else
      return ch_fail(c, CORIO_EPROTO, "a bad chunk extension");
    return 0;
  case CH_SIZE_LF:
    if (ch != '\n') return ch_fail(c, CORIO_EPROTO, "a CR not followed by LF");
    c->line = 0;
    c->state = c->remaining == 0 ? CH_TRAILER0 : CH_DATA;
    return 0;
  case CH_DATA_CR:
    if (ch != '\r') return ch_fail(c, CORIO_EPROTO, "no CRLF after a chunk");
    c->state = CH_DATA_LF;
    return 0;
  case CH_DATA_LF:
    if (ch != '\n') return ch_fail(c, CORIO_EPROTO, "no CRLF after a chunk");
    c->state = CH_SIZE0;
    return 0;
  case CH_TRAILER0:
  case CH_TRAILER:
  case CH_TRAILER_LF:
  case CH_END_LF:
    if (++c->trailers > CORIO__HTTP_TRAILERS_MAX)
      return ch_fail(c, CORIO_ELIMIT, "trailers over the limit");
    if (c->state == CH_TRAILER0) {
      if (ch == '\r')
        c->state = CH_END_LF;
      else if (is_tchar(ch))
        c->state = CH_TRAILER;
      else
        return ch_fail(c, CORIO_EPROTO, "a bad trailer line");
    } else if (c->state == CH_TRAILER) {
      if (ch == '\r')
        c->state = CH_TRAILER_LF;
      else if (!is_text(ch))
        return ch_fail(c, CORIO_EPROTO, "a bad trailer");
    } else if (ch != '\n') {
      return ch_fail(c, CORIO_EPROTO, "a CR not followed by LF");
    } else if (c->state == CH_TRAILER_LF) {
      c->state = CH_TRAILER0;
    } else {
      c->done = true;
    }
    return 0;
  }
  return ch_fail(c, CORIO_EPROTO, "an impossible state");
}

int corio__http_chunked_feed(corio__http_chunked_t *c, const char *p, size_t n,
                             size_t *used, size_t *data_off, size_t *data_len) {
  *used = *data_off = *data_len = 0;
  if (c->error) return c->error;
  size_t i = 0;
  while (i < n && !c->done) {
    if (c->state == CH_DATA) {
      uint64_t k = n - i < c->remaining ? n - i : c->remaining;
      *data_off = i;
      *data_len = (size_t)k;
      c->remaining -= k;
      if (c->remaining == 0) c->state = CH_DATA_CR;
      *used = i + (size_t)k;
      return 0;
    }
    int rc = ch_byte(c, (unsigned char)p[i++]);
    *used = i;
    if (rc) return rc;
  }
  return 0;
}

int corio__http_chunked_end(corio__http_chunked_t *c, int conn_error) {
  if (c->error) return c->error;
  c->error = conn_error ? conn_error : CORIO_EINCOMPLETE;
  snprintf(c->msg, sizeof c->msg, "the %s before its last chunk",
           conn_error ? "connection failed inside the chunked body"
                      : "chunked body ended");
  return c->error;
}
