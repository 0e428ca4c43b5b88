/*
 * http.c — the small HTTP/1.1 client of corio.h section 12: URL parsing, a
 * request written over corio_open_connection, the response head parsed, and
 * the body as a reader that pulls from the connection's reader (bounded by
 * Content-Length, decoded from chunked, or up to EOF).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stream_internal.h"

/* ---- URLs ---------------------------------------------------------------- */

static char *dup_range(const char *s, size_t n) {
  char *out = malloc(n + 1);
  if (out) {
    memcpy(out, s, n);
    out[n] = '\0';
  }
  return out;
}

/* The request target: "/" first if the URL has no path, and bytes
 * outside ASCII percent-encoded (a request line is ASCII). */
static char *encode_path(const char *tail, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  bool slash = n == 0 || *tail == '?';
  char *out = malloc(n * 3 + 2), *o = out;
  if (out == NULL) return NULL;
  if (slash) *o++ = '/';
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)tail[i];
    if (ch < 0x80) {
      *o++ = (char)ch;
    } else {
      *o++ = '%';
      *o++ = hex[ch >> 4];
      *o++ = hex[ch & 15];
    }
  }
  *o = '\0';
  return out;
}

int corio_url_parse(const char *url, char **host, int *port, bool *tls,
                    char **path) {
  *host = *path = NULL;
  if (url == NULL) return corio_fail(CORIO_EINVAL, "invalid URL: none");
  const char *rest;
  if (strncasecmp(url, "http://", 7) == 0) {
    *tls = false;
    *port = 80;
    rest = url + 7;
  } else if (strncasecmp(url, "https://", 8) == 0) {
    *tls = true;
    *port = 443;
    rest = url + 8;
  } else {
    return corio_fail(CORIO_EINVAL,
                      "invalid URL \"%s\": it must start with http:// or "
                      "https://", url);
  }
  for (const char *p = url; *p; p++) {
    if ((unsigned char)*p <= ' ' || *p == 0x7f)
      return corio_fail(CORIO_EINVAL,
                        "invalid URL \"%s\": it contains a space or a "
                        "control character", url);
    if (*p == '\\') /* browsers read it as "/", other parsers do not */
      return corio_fail(CORIO_EINVAL,
                        "invalid URL \"%s\": it contains a backslash "
                        "(write / instead)", url);
  }
  size_t authority = strcspn(rest, "/?#");
  const char *at = memchr(rest, '@', authority);
  if (at) /* user:password@ is not sent; skip it */
    authority -= (size_t)(at + 1 - rest), rest = at + 1;
  const char *host_start = rest, *host_end;
  const char *after;
  if (*rest == '[') { /* [IPv6] */
    host_end = memchr(rest, ']', authority);
    if (host_end == NULL)
      return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": unclosed [", url);
    host_start = rest + 1;
    after = host_end + 1;
  } else {
    const char *colon = memchr(rest, ':', authority);
    host_end = colon ? colon : rest + authority;
    after = host_end;
  }
  if (host_end == host_start)
    return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": no host", url);
  const char *end = rest + authority;
  if (after < end) {
    if (*after != ':')
      return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": bad host", url);
    long value = 0;
    const char *p = after + 1;
    if (p == end)
      return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": empty port", url);
    for (; p < end; p++) {
      if (!isdigit((unsigned char)*p) || (value = value * 10 + (*p - '0')) >
                                             65535)
        return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": bad port", url);
    }
    if (value == 0)
      return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": port 0", url);
    *port = (int)value;
  }
  const char *tail = end;
  size_t tail_len = strcspn(tail, "#"); /* the fragment is not sent */
  *host = dup_range(host_start, (size_t)(host_end - host_start));
  *path = encode_path(tail, tail_len);
  if (*host == NULL || *path == NULL) {
    free(*host);
    free(*path);
    *host = *path = NULL;
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  for (char *h = *host; *h; h++) *h = (char)tolower((unsigned char)*h);
  return CORIO_OK;
}

/* ---- the response --------------------------------------------------------- */

typedef enum body_kind { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_TO_EOF } body_kind_t;

struct corio_response {
  corio_reader_t *conn_reader;  /* owned, with the writer */
  corio_writer_t *writer;
  int status;
  char *reason;
  char **names, **values;       /* owned */
  size_t nheaders;
  corio_reader_t body;
  body_kind_t kind;
  unsigned long long remaining; /* BODY_LENGTH: bytes left; chunked: of
                                 * the current chunk */
  unsigned long long total;     /* BODY_LENGTH: Content-Length */
  bool chunk_started;           /* BODY_CHUNKED: inside a chunk */
  bool in_trailers;             /* BODY_CHUNKED: the last chunk was read */
};

/* Bytes moved from the connection to the body per fill. */
#define BODY_STEP 65536

/* After a line cut short: the connection's own failure (a reset, ...), if
 * that is what cut it, else 0. */
static int cut_by_failure(const corio_response_t *resp) {
  const corio_reader_t *r = resp->conn_reader;
  return r->error ? corio__set_error(r->error, r->errmsg) : 0;
}

/* Reads one line of the chunked framing from the connection (without its
 * CRLF). Errors become the body's. */
static int chunk_line(corio_response_t *resp, char **line) {
  size_t n;
  int rc = corio_readline(resp->conn_reader, line, &n);
  if (rc != CORIO_OK) return rc;
  if (n == 0 || (*line)[n - 1] != '\n') {
    free(*line);
    *line = NULL;
    if ((rc = cut_by_failure(resp)) != 0) return rc;
    return corio_fail(CORIO_EINCOMPLETE,
                      "the chunked body ended before its last chunk");
  }
  (*line)[--n] = '\0';
  if (n > 0 && (*line)[n - 1] == '\r') (*line)[--n] = '\0';
  return CORIO_OK;
}

/* One step of chunked decoding: a size line, data, or the end. */
static int chunked_step(corio_response_t *resp) {
  corio_reader_t *r = &resp->body;
  char *line = NULL;
  int rc;
  if (resp->chunk_started && resp->remaining == 0) { /* the data's CRLF */
    if ((rc = chunk_line(resp, &line)) != CORIO_OK) return rc;
    bool empty = line[0] == '\0';
    free(line);
    if (!empty)
      return corio_fail(CORIO_EPROTO, "malformed chunked body: no CRLF "
                                      "after a chunk");
    resp->chunk_started = false;
  }
  if (!resp->chunk_started && !resp->in_trailers) {
    if ((rc = chunk_line(resp, &line)) != CORIO_OK) return rc;
    char *end;
    unsigned long long size = strtoull(line, &end, 16);
    bool ok = end != line && (*end == '\0' || *end == ';' || *end == ' ');
    free(line);
    if (!ok)
      return corio_fail(CORIO_EPROTO, "malformed chunked body: bad chunk "
                                      "size line");
    if (size == 0) {
      resp->in_trailers = true; /* a cancelled wait comes back here */
    } else {
      resp->chunk_started = true;
      resp->remaining = size;
    }
  }
  if (resp->in_trailers) { /* trailers, up to an empty line */
    for (;;) {
      if ((rc = chunk_line(resp, &line)) != CORIO_OK) return rc;
      bool empty = line[0] == '\0';
      free(line);
      if (empty) break;
    }
    corio__reader_set_eof(r);
    return CORIO_OK;
  }
  size_t want = resp->remaining < BODY_STEP ? (size_t)resp->remaining
                                            : BODY_STEP;
  size_t got = 0;
  rc = corio__reader_pull(resp->conn_reader, r, want, &got);
  if (rc != CORIO_OK) return rc;
  if (got == 0)
    return corio_fail(CORIO_EINCOMPLETE,
                      "the chunked body ended inside a chunk");
  resp->remaining -= got;
  return CORIO_OK;
}

static int body_fill(corio_reader_t *r) {
  corio_response_t *resp = r->owner;
  if (resp->kind == BODY_CHUNKED) {
    int rc = chunked_step(resp);
    if (rc == CORIO_ECANCELLED) return rc;
    if (rc != CORIO_OK) corio__reader_set_error(r, rc, corio_errmsg());
    return CORIO_OK;
  }
  if (resp->kind == BODY_LENGTH && resp->remaining == 0) {
    corio__reader_set_eof(r);
    return CORIO_OK;
  }
  size_t want = BODY_STEP;
  if (resp->kind == BODY_LENGTH && resp->remaining < want)
    want = (size_t)resp->remaining;
  size_t got = 0;
  int rc = corio__reader_pull(resp->conn_reader, r, want, &got);
  if (rc == CORIO_ECANCELLED) return rc;
  if (rc != CORIO_OK) {
    corio__reader_set_error(r, rc, corio_errmsg());
  } else if (got == 0) {
    if (resp->kind == BODY_LENGTH) {
      char msg[160];
      snprintf(msg, sizeof msg,
               "the body ended after %llu of %llu bytes (Content-Length)",
               resp->total - resp->remaining, resp->total);
      corio__reader_set_error(r, CORIO_EINCOMPLETE, msg);
    } else {
      corio__reader_set_eof(r);
    }
  } else {
    if (resp->kind == BODY_LENGTH) resp->remaining -= got;
  }
  return CORIO_OK;
}

static const corio__reader_source_t body_source = {body_fill, NULL};

void corio_response_free(corio_response_t *resp) {
  if (resp == NULL) return;
  corio_reader_free(resp->conn_reader);
  corio_writer_free(resp->writer);
  for (size_t i = 0; i < resp->nheaders; i++) {
    free(resp->names[i]);
    free(resp->values[i]);
  }
  free(resp->names);
  free(resp->values);
  free(resp->reason);
  corio__reader_dispose(&resp->body);
  free(resp);
}

int corio_response_status(const corio_response_t *resp) { return resp->status; }

const char *corio_response_reason(const corio_response_t *resp) {
  return resp->reason;
}

size_t corio_response_header_count(const corio_response_t *resp) {
  return resp->nheaders;
}

const char *corio_response_header_name(const corio_response_t *resp,
                                       size_t i) {
  return i < resp->nheaders ? resp->names[i] : NULL;
}

const char *corio_response_header_value(const corio_response_t *resp,
                                        size_t i) {
  return i < resp->nheaders ? resp->values[i] : NULL;
}

const char *corio_response_header(const corio_response_t *resp,
                                  const char *name) {
  for (size_t i = 0; i < resp->nheaders; i++)
    if (strcasecmp(resp->names[i], name) == 0) return resp->values[i];
  return NULL;
}

corio_reader_t *corio_response_body(corio_response_t *resp) {
  return &resp->body;
}

/* ---- the head ------------------------------------------------------------ */

/* Up to 40 bytes of `s`, printable, for messages about bad input. */
static void excerpt(const char *s, size_t n, char out[64]) {
  size_t k = 0;
  for (size_t i = 0; i < n && i < 40 && k < 60; i++) {
    unsigned char ch = (unsigned char)s[i];
    out[k++] = ch >= ' ' && ch < 0x7f ? (char)ch : '.';
  }
  out[k] = '\0';
}

static void chomp(char *line, size_t *n) {
  if (*n > 0 && line[*n - 1] == '\n') line[--*n] = '\0';
  if (*n > 0 && line[*n - 1] == '\r') line[--*n] = '\0';
}

/* "HTTP/1.x NNN reason" */
static int parse_status(corio_response_t *resp, char *line, size_t n) {
  char shown[64];
  excerpt(line, n, shown);
  if (n < 12 || strncmp(line, "HTTP/1.", 7) != 0 ||
      !isdigit((unsigned char)line[7]) || line[8] != ' ' ||
      !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
      !isdigit((unsigned char)line[11]) || (n > 12 && line[12] != ' '))
    return corio_fail(CORIO_EPROTO,
                      "malformed response: not an HTTP/1.x status line "
                      "(\"%s\")", shown);
  resp->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + line[11] - '0';
  if (resp->status < 100)
    return corio_fail(CORIO_EPROTO, "malformed response: status %d",
                      resp->status);
  resp->reason = corio__strdup(n > 13 ? line + 13 : "");
  return resp->reason ? CORIO_OK : corio__set_error(CORIO_ENOMEM, NULL);
}

static int add_header(corio_response_t *resp, char *line, size_t n) {
  char *colon = memchr(line, ':', n);
  if (colon == NULL || colon == line || line[0] == ' ' || line[0] == '\t') {
    char shown[64];
    excerpt(line, n, shown);
    return corio_fail(CORIO_EPROTO, "malformed response: bad header line "
                                    "(\"%s\")", shown);
  }
  char *value = colon + 1;
  while (*value == ' ' || *value == '\t') value++;
  size_t vlen = strlen(value);
  while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
    value[--vlen] = '\0';
  size_t i = resp->nheaders;
  char **names = realloc(resp->names, (i + 1) * sizeof *names);
  if (names) resp->names = names;
  char **values = realloc(resp->values, (i + 1) * sizeof *values);
  if (values) resp->values = values;
  if (!names || !values) return corio__set_error(CORIO_ENOMEM, NULL);
  resp->names[i] = dup_range(line, (size_t)(colon - line));
  resp->values[i] = corio__strdup(value);
  if (!resp->names[i] || !resp->values[i]) {
    free(resp->names[i]);
    free(resp->values[i]);
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  resp->nheaders++;
  return CORIO_OK;
}

/* Forgets the headers of an interim (1xx) response. */
static void drop_headers(corio_response_t *resp) {
  for (size_t i = 0; i < resp->nheaders; i++) {
    free(resp->names[i]);
    free(resp->values[i]);
  }
  resp->nheaders = 0;
  free(resp->reason);
  resp->reason = NULL;
}

/* Reads the status line and headers, within max bytes in all (interim 1xx
 * responses included, which are skipped, as RFC 9110 15.2 asks). */
static int read_head(corio_response_t *resp, size_t max) {
  size_t used = 0;
  bool first = true;
  for (;;) {
    char *line;
    size_t n;
    int rc = corio_readline(resp->conn_reader, &line, &n);
    if (rc == CORIO_ELIMIT)
      return corio_fail(CORIO_ELIMIT,
                        "response head over the limit of %zu bytes", max);
    if (rc != CORIO_OK) return rc;
    used += n;
    if (n == 0 || line[n - 1] != '\n') {
      char shown[64];
      excerpt(line, n, shown);
      free(line);
      if ((rc = cut_by_failure(resp)) != 0) return rc;
      if (first && n == 0)
        return corio_fail(CORIO_EPROTO,
                          "malformed response: the server closed the "
                          "connection without answering");
      return corio_fail(CORIO_EPROTO,
                        "malformed response: the connection ended inside "
                        "the head (\"%s\")", shown);
    }
    if (used > max) {
      free(line);
      return corio_fail(CORIO_ELIMIT,
                        "response head over the limit of %zu bytes", max);
    }
    chomp(line, &n);
    if (first) {
      rc = parse_status(resp, line, n);
      first = false;
    } else if (n == 0) {
      free(line);
      if (resp->status / 100 != 1 || resp->status == 101) return CORIO_OK;
      drop_headers(resp); /* 100 Continue, 103 Early Hints: read on */
      first = true;
      continue;
    } else {
      rc = add_header(resp, line, n);
    }
    free(line);
    if (rc != CORIO_OK) return rc;
  }
}

/* Chooses how the body is framed (RFC 9112 section 6.3). */
static int frame_body(corio_response_t *resp, const char *method) {
  const char *te = corio_response_header(resp, "Transfer-Encoding");
  const char *cl = corio_response_header(resp, "Content-Length");
  if (strcasecmp(method, "HEAD") == 0 || resp->status / 100 == 1 ||
      resp->status == 204 || resp->status == 304) {
    resp->kind = BODY_NONE;
  } else if (te && strcasestr(te, "chunked")) {
    resp->kind = BODY_CHUNKED;
  } else if (cl) {
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    if (end == cl || *end != '\0' || *cl == '-')
      return corio_fail(CORIO_EPROTO,
                        "malformed response: bad Content-Length \"%.40s\"",
                        cl);
    resp->kind = BODY_LENGTH;
    resp->remaining = resp->total = n;
  } else {
    resp->kind = BODY_TO_EOF;
  }
  if (resp->kind == BODY_NONE || (resp->kind == BODY_LENGTH && resp->total == 0))
    corio__reader_set_eof(&resp->body);
  return CORIO_OK;
}

/* ---- fetch ---------------------------------------------------------------- */

static int send_request(corio_writer_t *w, const char *method,
                        const char *host, int port, bool tls,
                        const char *path) {
  static const char format[] = "%s %s HTTP/1.1\r\nHost: %s%s%s%s\r\n"
                               "User-Agent: corio\r\nAccept: */*\r\n"
                               "Connection: close\r\n\r\n";
  bool v6 = strchr(host, ':') != NULL;
  char port_text[8] = ""; /* ":port" unless the scheme's default */
  if (port != (tls ? 443 : 80)) snprintf(port_text, sizeof port_text, ":%d", port);
  int n = snprintf(NULL, 0, format, method, path, v6 ? "[" : "", host,
                   v6 ? "]" : "", port_text);
  char *req = malloc((size_t)n + 1);
  if (req == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  snprintf(req, (size_t)n + 1, format, method, path, v6 ? "[" : "", host,
           v6 ? "]" : "", port_text);
  int rc = corio_write(w, req, (size_t)n);
  free(req);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

int corio_fetch(const char *url, const corio_fetch_opts_t *opts,
                corio_response_t **out) {
  if (out == NULL) return CORIO_EINVAL;
  *out = NULL;
  int rc = corio__check_in_task();
  if (rc != CORIO_OK) return rc;
  corio_fetch_opts_t none = {0};
  if (opts == NULL) opts = &none;
  const char *method = opts->method ? opts->method : "GET";
  size_t max = opts->max_header_bytes ? opts->max_header_bytes
                                      : CORIO__STREAM_DEFAULT_LIMIT;
  for (const char *m = method; *m; m++)
    if (!isupper((unsigned char)*m))
      return corio_fail(CORIO_EINVAL, "fetch: bad method \"%s\"", method);
  char *host, *path;
  int port;
  bool tls;
  if ((rc = corio_url_parse(url, &host, &port, &tls, &path)) != CORIO_OK)
    return rc;
  corio_response_t *resp = calloc(1, sizeof *resp);
  if (resp == NULL) {
    free(host);
    free(path);
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  corio__reader_init(&resp->body, &body_source, resp, 0);
  corio_conn_opts_t conn_opts = {.tls = tls, .ca_file = opts->ca_file,
                                 .limit = max};
  rc = corio_open_connection(host, port, &conn_opts, &resp->conn_reader,
                             &resp->writer);
  if (rc == CORIO_OK)
    rc = send_request(resp->writer, method, host, port, tls, path);
  if (rc == CORIO_OK) rc = read_head(resp, max);
  if (rc == CORIO_OK) rc = frame_body(resp, method);
  free(host);
  free(path);
  if (rc != CORIO_OK) {
    /* The message outlives the response's strings it may quote. */
    corio_response_free(resp);
    return rc;
  }
  *out = resp;
  return CORIO_OK;
}
