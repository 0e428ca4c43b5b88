/*
 * http.c — the HTTP/1.1 client of corio.h section 12, the only one corio
 * has (the checker is built on it): one request writer, the response head
 * read through the one parser (http_parse.c), redirects followed when
 * asked, and the body as a reader that pulls from the connection's reader
 * (bounded by Content-Length, decoded from chunked, or up to EOF).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"
#include "stream_internal.h"

#ifndef CORIO_VERSION
#error "CORIO_VERSION must be defined by the build (from package.json)"
#endif

/* The User-Agent of every request that does not set its own. */
#define USER_AGENT "corio-check/" CORIO_VERSION

/* One response of a redirect chain. */
typedef struct hop {
  char *url; /* owned */
  int status;
} hop_t;

struct corio_response {
  corio_reader_t *conn_reader; /* owned, with the writer */
  corio_writer_t *writer;
  int status;
  char *reason;
  char **names, **values; /* owned */
  size_t nheaders;
  char *url;   /* owned: the URL this response answers */
  hop_t *hops; /* owned: the redirects followed, in order */
  size_t nhops;
  corio_reader_t body;
  corio__http_body_t kind;
  uint64_t remaining; /* BODY_LENGTH: bytes left */
  uint64_t total;     /* BODY_LENGTH: Content-Length */
  corio__http_chunked_t chunked;
  double started;               /* host time corio_fetch began */
  corio_conn_timings_t timings; /* the last hop's, since `started` */
};

/* Bytes moved from the connection to the body per fill. */
#define BODY_STEP 65536

/* ---- the body ------------------------------------------------------------ */

/* Decodes buffered chunked bytes into the body until some data came out,
 * the last chunk was read, or the connection has no more. */
static int chunked_fill(corio_response_t *resp) {
  corio__http_chunked_t *c = &resp->chunked;
  for (;;) {
    const char *p;
    size_t n;
    int rc = corio__reader_peek(resp->conn_reader, &p, &n);
    if (rc == CORIO_ECANCELLED) return rc;
    if (rc != CORIO_OK || n == 0) {
      rc = corio__http_chunked_end(c, rc);
      corio__reader_set_error(&resp->body, rc, c->msg);
      return CORIO_OK;
    }
    if (n > BODY_STEP) n = BODY_STEP;
    size_t used, off, len;
    rc = corio__http_chunked_feed(c, p, n, &used, &off, &len);
    if (rc == CORIO_OK && len > 0 &&
        corio__reader_feed(&resp->body, p + off, len) != CORIO_OK)
      rc = CORIO_ENOMEM;
    corio__reader_skip(resp->conn_reader, used);
    if (rc != CORIO_OK) {
      corio__reader_set_error(&resp->body, rc,
                              rc == CORIO_ENOMEM ? "out of memory" : c->msg);
      return CORIO_OK;
    }
    if (c->done) corio__reader_set_eof(&resp->body);
    if (c->done || len > 0) return CORIO_OK;
  }
}

static int body_fill(corio_reader_t *r) {
  corio_response_t *resp = r->owner;
  if (resp->kind == CORIO__BODY_CHUNKED) return chunked_fill(resp);
  if (resp->kind == CORIO__BODY_LENGTH && resp->remaining == 0) {
    corio__reader_set_eof(r);
    return CORIO_OK;
  }
  size_t want = BODY_STEP;
  if (resp->kind == CORIO__BODY_LENGTH && resp->remaining < want)
    want = (size_t)resp->remaining;
  size_t got = 0;
  int rc = corio__reader_pull(resp->conn_reader, r, want, &got);
  if (rc == CORIO_ECANCELLED) return rc;
  if (rc != CORIO_OK) {
    corio__reader_set_error(r, rc, corio_errmsg());
  } else if (got == 0) {
    if (resp->kind == CORIO__BODY_LENGTH) {
      char msg[160];
      snprintf(msg, sizeof msg,
               "the body ended after %llu of %llu bytes (Content-Length)",
               (unsigned long long)(resp->total - resp->remaining),
               (unsigned long long)resp->total);
      corio__reader_set_error(r, CORIO_EINCOMPLETE, msg);
    } else {
      corio__reader_set_eof(r);
    }
  } else if (resp->kind == CORIO__BODY_LENGTH) {
    resp->remaining -= got;
  }
  return CORIO_OK;
}

static const corio__reader_source_t body_source = {body_fill, NULL};

/* ---- the response ---------------------------------------------------------
 */

/* Forgets everything of one response of a chain but its hops. */
static void clear_response(corio_response_t *resp) {
  corio_reader_free(resp->conn_reader);
  corio_writer_free(resp->writer);
  resp->conn_reader = NULL;
  resp->writer = NULL;
  for (size_t i = 0; i < resp->nheaders; i++) {
    free(resp->names[i]);
    free(resp->values[i]);
  }
  free(resp->names);
  free(resp->values);
  resp->names = resp->values = NULL;
  resp->nheaders = 0;
  free(resp->reason);
  resp->reason = NULL;
  resp->status = 0;
}

void corio_response_free(corio_response_t *resp) {
  if (resp == NULL) return;
  clear_response(resp);
  for (size_t i = 0; i < resp->nhops; i++) free(resp->hops[i].url);
  free(resp->hops);
  free(resp->url);
  corio__reader_dispose(&resp->body);
  free(resp);
}

int corio_response_close(corio_response_t *resp) {
  if (resp == NULL || resp->writer == NULL) return CORIO_OK;
  corio_writer_close(resp->writer);
  int rc = corio_writer_wait_closed(resp->writer);
  return rc == CORIO_ECANCELLED ? rc : CORIO_OK;
}

int corio_response_status(const corio_response_t *resp) { return resp->status; }

const char *corio_response_reason(const corio_response_t *resp) {
  return resp->reason;
}

const char *corio_response_url(const corio_response_t *resp) {
  return resp->url;
}

corio_conn_timings_t corio_response_timings(const corio_response_t *resp) {
  return resp->timings;
}

size_t corio_response_redirect_count(const corio_response_t *resp) {
  return resp->nhops;
}

const char *corio_response_redirect_url(const corio_response_t *resp,
                                        size_t i) {
  return i < resp->nhops ? resp->hops[i].url : NULL;
}

int corio_response_redirect_status(const corio_response_t *resp, size_t i) {
  return i < resp->nhops ? resp->hops[i].status : 0;
}

size_t corio_response_header_count(const corio_response_t *resp) {
  return resp->nheaders;
}

const char *corio_response_header_name(const corio_response_t *resp, size_t i) {
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

/* Copies the parsed head's status, reason and headers into resp. */
static int keep_head(corio_response_t *resp, const corio__http_head_t *h) {
  size_t n = 0, pos = 0, nlen, vlen;
  const char *name, *value;
  while (corio__http_head_next(h, &pos, &name, &nlen, &value, &vlen)) n++;
  resp->status = h->status;
  resp->reason = corio__strndup(h->buf + h->reason_off, h->reason_len);
  resp->names = calloc(n ? n : 1, sizeof *resp->names);
  resp->values = calloc(n ? n : 1, sizeof *resp->values);
  if (!resp->reason || !resp->names || !resp->values)
    return corio__set_error(CORIO_ENOMEM, NULL);
  for (pos = 0; corio__http_head_next(h, &pos, &name, &nlen, &value, &vlen);
       resp->nheaders++) {
    size_t i = resp->nheaders;
    resp->names[i] = corio__strndup(name, nlen);
    resp->values[i] = corio__strndup(value, vlen);
    if (!resp->names[i] || !resp->values[i]) {
      resp->nheaders++; /* freed with the others */
      return corio__set_error(CORIO_ENOMEM, NULL);
    }
  }
  return CORIO_OK;
}

/* Reads the head (interim responses skipped) without consuming a byte of
 * the body: peeks at what arrived, feeds the parser, consumes what it
 * used. */
static int read_head(corio_response_t *resp, size_t max) {
  corio__http_head_t h;
  corio__http_head_init(&h, max);
  int rc;
  for (;;) {
    const char *p;
    size_t n, used;
    rc = corio__reader_peek(resp->conn_reader, &p, &n);
    if (rc == CORIO_ECANCELLED) break;
    if (rc != CORIO_OK || n == 0) {
      const char *why = rc != CORIO_OK ? corio_errmsg() : "";
      char conn_msg[200];
      snprintf(conn_msg, sizeof conn_msg, "%s", why);
      rc = corio__http_head_end(&h, rc);
      if (*conn_msg)
        rc = corio_fail(rc, "%s (%s)", h.msg, conn_msg);
      else
        rc = corio_fail(rc, "%s", h.msg);
      break;
    }
    rc = corio__http_head_feed(&h, p, n, &used);
    if (rc != CORIO_OK) { /* quote what came, for a person */
      char shown[44];
      size_t k = 0, start = h.seen - used;
      for (; k < n && k < 40 && start == 0; k++)
        shown[k] = p[k] >= ' ' && p[k] < 0x7f ? p[k] : '.';
      shown[k] = '\0';
      rc = corio_fail(rc, "%s%s%s%s", h.msg, k ? " (\"" : "", shown,
                      k ? "...\")" : "");
      corio__reader_skip(resp->conn_reader, used);
      break;
    }
    corio__reader_skip(resp->conn_reader, used);
    if (h.done) {
      rc = keep_head(resp, &h);
      if (rc == CORIO_OK) {
        char msg[160];
        rc = corio__http_framing(&h, false, &resp->kind, &resp->total, msg,
                                 sizeof msg);
        if (rc != CORIO_OK) rc = corio_fail(rc, "%s", msg);
      }
      break;
    }
  }
  corio__http_head_dispose(&h);
  return rc;
}

/* Sets up the body's framing once the head is kept (HEAD: none). */
static void start_body(corio_response_t *resp, bool head_request) {
  if (head_request || resp->status / 100 == 1 || resp->status == 204 ||
      resp->status == 304)
    resp->kind = CORIO__BODY_NONE;
  resp->remaining = resp->total;
  corio__http_chunked_init(&resp->chunked);
  corio__reader_dispose(&resp->body);
  corio__reader_init(&resp->body, &body_source, resp, 0);
  if (resp->kind == CORIO__BODY_NONE ||
      (resp->kind == CORIO__BODY_LENGTH && resp->total == 0))
    corio__reader_set_eof(&resp->body);
}

/* ---- the request --------------------------------------------------------- */

/* A header line "Name: value" the caller may add: a token, a colon, and a
 * value without CR, LF or NUL; not one that frames the message or names
 * the host (corio writes those). */
static bool extra_header_ok(const char *line, bool *user_agent, bool *accept) {
  size_t n = strcspn(line, ":");
  if (n == 0 || line[n] != ':') return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)line[i];
    if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c)) return false;
  }
  for (const char *v = line + n + 1; *v; v++)
    if (*v == '\r' || *v == '\n') return false;
  static const char *const reserved[] = {"Host", "Content-Length",
                                         "Transfer-Encoding", "Connection"};
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if (strlen(reserved[i]) == n && strncasecmp(line, reserved[i], n) == 0)
      return false;
  if (n == 10 && strncasecmp(line, "User-Agent", n) == 0) *user_agent = true;
  if (n == 6 && strncasecmp(line, "Accept", n) == 0) *accept = true;
  return true;
}

/* Checks the caller's method and extra headers. */
static int check_request(const char *method, const char *const *headers,
                         bool *user_agent, bool *accept) {
  *user_agent = *accept = false;
  if (*method == '\0') return corio_fail(CORIO_EINVAL, "fetch: empty method");
  for (const char *m = method; *m; m++)
    if (*m < 'A' || *m > 'Z')
      return corio_fail(CORIO_EINVAL, "fetch: bad method \"%.20s\"", method);
  for (size_t i = 0; headers && headers[i]; i++)
    if (!extra_header_ok(headers[i], user_agent, accept))
      return corio_fail(CORIO_EINVAL,
                        "fetch: bad or reserved header \"%.60s\" (write "
                        "\"Name: value\"; Host, Connection, Content-Length "
                        "and Transfer-Encoding are corio's)",
                        headers[i]);
  return CORIO_OK;
}

/* The one request writer: the request line, Host (with the port unless
 * the scheme's default), User-Agent and Accept unless the caller set them,
 * the caller's headers, Connection: close. Waits until the transport took
 * it. */
static int send_request(corio_writer_t *w, const char *method, const char *host,
                        int port, bool tls, const char *path,
                        const char *const *headers) {
  bool user_agent, accept;
  int rc = check_request(method, headers, &user_agent, &accept);
  if (rc != CORIO_OK) return rc;
  bool v6 = strchr(host, ':') != NULL;
  char port_text[8] = "";
  if (port != (tls ? 443 : 80))
    snprintf(port_text, sizeof port_text, ":%d", port);
  char line[1024];
  int n = snprintf(line, sizeof line, "%s %s HTTP/1.1\r\n", method, path);
  /* The path may be long: it goes on its own. */
  if ((size_t)n >= sizeof line) {
    rc = corio_write(w, method, strlen(method));
    if (rc == CORIO_OK) rc = corio_write(w, " ", 1);
    if (rc == CORIO_OK) rc = corio_write(w, path, strlen(path));
    if (rc == CORIO_OK) rc = corio_write(w, " HTTP/1.1\r\n", 11);
  } else {
    rc = corio_write(w, line, (size_t)n);
  }
  n = snprintf(line, sizeof line, "Host: %s%s%s%s\r\n%s%s%s%s", v6 ? "[" : "",
               host, v6 ? "]" : "", port_text,
               user_agent ? "" : "User-Agent: ", user_agent ? "" : USER_AGENT,
               user_agent ? "" : "\r\n", accept ? "" : "Accept: */*\r\n");
  if (rc == CORIO_OK) rc = corio_write(w, line, (size_t)n);
  for (size_t i = 0; rc == CORIO_OK && headers && headers[i]; i++) {
    rc = corio_write(w, headers[i], strlen(headers[i]));
    if (rc == CORIO_OK) rc = corio_write(w, "\r\n", 2);
  }
  static const char end[] = "Connection: close\r\n\r\n";
  if (rc == CORIO_OK) rc = corio_write(w, end, sizeof end - 1);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* ---- fetch ----------------------------------------------------------------
 */

/* One request and its response head, into resp (cleared first). */
/* Keeps the timings of the connection just opened, `opening` seconds after
 * corio_fetch began, on corio_fetch's clock. */
static void note_timings(corio_response_t *resp, double opening) {
  corio_conn_timings_t t;
  corio_writer_timings(resp->writer, &t);
  double *phase[] = {&t.dns, &t.connect, &t.tls};
  for (size_t i = 0; i < sizeof phase / sizeof phase[0]; i++)
    if (*phase[i] >= 0) *phase[i] += opening;
  resp->timings = t;
}

static int fetch_once(corio_response_t *resp, const char *url,
                      const char *method, const corio_fetch_opts_t *opts,
                      size_t max) {
  char *host, *path;
  int port;
  bool tls;
  int rc = corio_url_parse(url, &host, &port, &tls, &path);
  if (rc != CORIO_OK) return rc;
  clear_response(resp);
  corio_conn_opts_t conn_opts = {
      .tls = tls, .ca_file = opts->ca_file, .deny_private = opts->deny_private};
  double opening = corio__host_now() - resp->started;
  rc = corio_open_connection(host, port, &conn_opts, &resp->conn_reader,
                             &resp->writer);
  if (rc == CORIO_OK) note_timings(resp, opening);
  if (rc == CORIO_OK)
    rc = send_request(resp->writer, method, host, port, tls, path,
                      opts->headers);
  if (rc == CORIO_OK) rc = read_head(resp, max);
  if (rc == CORIO_OK) start_body(resp, strcmp(method, "HEAD") == 0);
  free(host);
  free(path);
  return rc;
}

static bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

/* Records the response just read as a hop and moves resp->url to its
 * Location, resolved. */
static int follow(corio_response_t *resp, const char *location) {
  char *next;
  int rc = corio_url_resolve(resp->url, location, &next);
  if (rc != CORIO_OK)
    return corio_fail(rc, "redirect from %s to a bad Location: %s", resp->url,
                      corio_errmsg());
  hop_t *hops = realloc(resp->hops, (resp->nhops + 1) * sizeof *hops);
  if (hops == NULL) {
    free(next);
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  resp->hops = hops;
  hops[resp->nhops++] = (hop_t){resp->url, resp->status};
  resp->url = next;
  return CORIO_OK;
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
  size_t max =
      opts->max_header_bytes ? opts->max_header_bytes : CORIO__HTTP_HEAD_MAX;
  if (opts->max_redirects < 0 ||
      opts->max_redirects > CORIO_FETCH_REDIRECTS_MAX)
    return corio_fail(CORIO_EINVAL, "fetch: max_redirects must be 0..%d",
                      CORIO_FETCH_REDIRECTS_MAX);
  bool user_agent, accept;
  if ((rc = check_request(method, opts->headers, &user_agent, &accept)) !=
      CORIO_OK)
    return rc;
  corio_response_t *resp = calloc(1, sizeof *resp);
  if (resp == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  corio__reader_init(&resp->body, &body_source, resp, 0);
  resp->started = corio__host_now();
  resp->timings = (corio_conn_timings_t){-1, -1, -1};
  resp->url = corio__strdup(url ? url : "");
  if (resp->url == NULL) rc = corio__set_error(CORIO_ENOMEM, NULL);
  while (rc == CORIO_OK) {
    rc = fetch_once(resp, resp->url, method, opts, max);
    const char *location =
        rc == CORIO_OK ? corio_response_header(resp, "Location") : NULL;
    if (rc != CORIO_OK || !is_redirect(resp->status) || location == NULL ||
        opts->max_redirects == 0)
      break;
    if (resp->nhops >= (size_t)opts->max_redirects) {
      rc = corio_fail(CORIO_ELIMIT, "more than %d redirects (the last to %s)",
                      opts->max_redirects, resp->url);
      break;
    }
    rc = follow(resp, location);
    if (resp->status == 303) method = strcmp(method, "HEAD") ? "GET" : "HEAD";
  }
  if (rc != CORIO_OK) {
    corio_response_free(resp);
    return rc;
  }
  *out = resp;
  return CORIO_OK;
}
