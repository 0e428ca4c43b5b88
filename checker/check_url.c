/*
 * check_url.c — the status check of one URL, as the guide writes it
 * (21.2-21.5): open a connection (TLS for https), write a GET request,
 * read the status line, close. Whatever happens, everything it opened is
 * closed and freed before it returns, and the outcome is a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checker_internal.h"

/* What a failed corio call said: the task's message, or the code's text. */
static void fail_from_call(checker_result_t *r, int rc) {
  checker__result_error(r, rc, corio_errmsg());
}

/* Writes "GET <path> HTTP/1.1" with Host (and its port when not the
 * scheme's default) and waits until the transport took it. */
static int send_get(corio_writer_t *w, const char *host, int port, bool tls,
                    const char *path) {
  bool v6 = strchr(host, ':') != NULL;
  char port_text[8] = "";
  if (port != (tls ? 443 : 80))
    snprintf(port_text, sizeof port_text, ":%d", port);
  const char *format = "GET %s HTTP/1.1\r\nHost: %s%s%s%s\r\n"
                       "Connection: close\r\n\r\n";
  int n = snprintf(NULL, 0, format, path, v6 ? "[" : "", host, v6 ? "]" : "",
                   port_text);
  char *request = malloc((size_t)n + 1);
  if (request == NULL) return corio_fail(CORIO_ENOMEM, "out of memory");
  snprintf(request, (size_t)n + 1, format, path, v6 ? "[" : "", host,
           v6 ? "]" : "", port_text);
  int rc = corio_write(w, request, (size_t)n);
  free(request);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* Reads and parses the status line into r, and when its first line came
 * (r->first_byte, seconds since t0). Returns the status of the
 * waiting calls: CORIO_OK also when the answer was not HTTP (r says so).
 * The reader's own limit is larger than the status line's, so that a
 * CORIO_ELIMIT from readline (a line longer still, or the transport's
 * limit, e.g. Node's fetch() refusing an overlong head) keeps its message. */
static int read_status(corio_reader_t *reader, checker_result_t *r,
                       double t0) {
  char *line = NULL;
  size_t n = 0;
  int rc = corio_readline(reader, &line, &n);
  if (rc != CORIO_OK) return rc;
  if (n > 0) r->first_byte = corio_time() - t0;
  int status, parsed = CORIO_EPROTO; /* of the last line parsed */
  char reason[sizeof r->reason];
  /* An interim answer (100 Continue, 103 Early Hints) is not the status:
   * skip its head and read the next status line (RFC 9110 15.2). */
  while (n <= CHECKER_STATUS_LINE_MAX &&
         (parsed = checker_parse_status_line(line, n, &status, reason,
                                             sizeof reason)) == CORIO_OK &&
         status / 100 == 1 && status != 101) {
    do { /* its header lines, up to the blank one */
      free(line);
      line = NULL;
      if ((rc = corio_readline(reader, &line, &n)) != CORIO_OK) return rc;
    } while (n > 0 && !(line[0] == '\n' || (line[0] == '\r' && n == 2)));
    free(line);
    line = NULL;
    if ((rc = corio_readline(reader, &line, &n)) != CORIO_OK) return rc;
  }
  if (n > CHECKER_STATUS_LINE_MAX) {
    checker__result_error(r, CORIO_ELIMIT, NULL);
    snprintf(r->message, sizeof r->message,
             "malformed response: the status line is longer than %d bytes",
             CHECKER_STATUS_LINE_MAX);
  } else if (n == 0) {
    checker__result_error(r, CORIO_EPROTO,
                          "malformed response: the server closed the "
                          "connection without answering");
  } else if (parsed == CORIO_OK) { /* the line the loop stopped at */
    checker__result_status(r, status, reason);
  } else {
    fail_from_call(r, CORIO_EPROTO);
  }
  free(line);
  return CORIO_OK;
}

/* After a 429 or 503 status line: reads the rest of the head (at most
 * CHECKER_HEAD_LINES lines) for a Retry-After in delay-seconds (its
 * HTTP-date form is left unread) into r->retry_after. A head that breaks
 * off leaves the status as it is; only a cancellation counts. */
#define CHECKER_HEAD_LINES 100
static int read_retry_after(corio_reader_t *reader, checker_result_t *r) {
  static const char name[] = "retry-after:";
  for (int i = 0; i < CHECKER_HEAD_LINES; i++) {
    char *line = NULL;
    size_t n = 0;
    int rc = corio_readline(reader, &line, &n);
    if (rc != CORIO_OK) return rc == CORIO_ECANCELLED ? rc : CORIO_OK;
    bool end = n == 0 || line[0] == '\n' || (line[0] == '\r' && n == 2);
    if (!end && strncasecmp(line, name, sizeof name - 1) == 0) {
      const char *p = line + sizeof name - 1;
      while (*p == ' ' || *p == '\t') p++;
      char *after;
      long seconds = strtol(p, &after, 10);
      if (after != p && seconds >= 0 && *p >= '0' && *p <= '9' &&
          strspn(after, " \t\r\n") == strlen(after))
        r->retry_after = (double)seconds;
    }
    free(line);
    if (end) break;
  }
  return CORIO_OK;
}

/* The guide's close: close, then wait until the transport has closed. Its
 * outcome does not change an answer already read; only a cancellation
 * counts. */
static int close_politely(corio_writer_t *w) {
  corio_writer_close(w);
  int rc = corio_writer_wait_closed(w);
  return rc == CORIO_ECANCELLED ? rc : CORIO_OK;
}

int checker_check_url(const char *url, checker_result_t *r) {
  if (r == NULL) return CORIO_EINVAL;
  double t0 = corio_time();
  r->connect = r->first_byte = r->retry_after = -1;
  char *host = NULL, *path = NULL;
  int port = 0;
  bool tls = false;
  int rc = corio_url_parse(url, &host, &port, &tls, &path);
  if (rc != CORIO_OK) {
    fail_from_call(r, rc); /* invalid: no connection is opened */
    return rc == CORIO_ECANCELLED ? rc : CORIO_OK;
  }
  corio_reader_t *reader = NULL;
  corio_writer_t *writer = NULL;
  corio_conn_opts_t conn = {.tls = tls}; /* the default limit: 64 KiB */
  rc = corio_open_connection(host, port, &conn, &reader, &writer);
  if (rc == CORIO_OK) r->connect = corio_time() - t0;
  if (rc == CORIO_OK) rc = send_get(writer, host, port, tls, path);
  if (rc == CORIO_OK) rc = read_status(reader, r, t0);
  if (rc == CORIO_OK && (r->status == 429 || r->status == 503))
    rc = read_retry_after(reader, r);
  if (rc == CORIO_OK) rc = close_politely(writer);
  if (rc == CORIO_ECANCELLED)
    checker__result_error(r, CORIO_ECANCELLED, "cancelled");
  else if (rc != CORIO_OK)
    fail_from_call(r, rc);
  /* Frees abort whatever was not closed (an error, a cancellation). */
  corio_reader_free(reader);
  corio_writer_free(writer);
  free(host);
  free(path);
  return rc == CORIO_ECANCELLED ? rc : CORIO_OK;
}
