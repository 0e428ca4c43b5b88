/*
 * get_status.h — the guide's get_status() (sections 21.1-21.5) in C, for
 * the two website status examples: split the URL, open a connection (TLS
 * for https), write a GET request, drain, read the status line, close.
 * Where Python raises, it returns the error code (the task's message says
 * more). Header-only, so each example stays one .c file to build.
 */
#ifndef GET_STATUS_H
#define GET_STATUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

/* Writes "GET <path> HTTP/1.1" with its Host header and drains. */
static int write_request(corio_writer_t *w, const char *host,
                         const char *path) {
  char query[512];
  int n = snprintf(query, sizeof query, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n",
                   path, host);
  if (n < 0 || (size_t)n >= sizeof query)
    return corio_fail(CORIO_EINVAL, "URL too long");
  int rc = corio_write(w, query, (size_t)n);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* Reads one line into *status (malloc'd, the caller frees it), without the
 * white space around it, as Python's response.decode().strip(). */
static int read_status_line(corio_reader_t *r, char **status) {
  size_t len;
  int rc = corio_readline(r, status, &len);
  if (rc != CORIO_OK) return rc;
  char *s = *status;
  while (len > 0 &&
         (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
    s[--len] = '\0';
  return CORIO_OK;
}

/* On CORIO_OK *status is the response's first line (malloc'd, the caller
 * frees it); otherwise NULL and the code says why. */
static int get_status(const char *url, char **status) {
  *status = NULL;
  char *host, *path;
  int port;
  bool tls;
  int rc = corio_url_parse(url, &host, &port, &tls, &path);
  if (rc != CORIO_OK) return rc;
  corio_reader_t *r;
  corio_writer_t *w;
  corio_conn_opts_t opts = {.tls = tls}; /* port 443 with ssl=True */
  rc = corio_open_connection(host, port, &opts, &r, &w);
  if (rc == CORIO_OK) {
    rc = write_request(w, host, path);
    if (rc == CORIO_OK) rc = read_status_line(r, status);
    corio_writer_close(w); /* writer.close() */
    int closed = corio_writer_wait_closed(w);
    if (rc == CORIO_OK && closed == CORIO_ECANCELLED) rc = closed;
    corio_reader_free(r);
    corio_writer_free(w);
  }
  free(host);
  free(path);
  if (rc != CORIO_OK) {
    free(*status);
    *status = NULL;
  }
  return rc;
}

#endif /* GET_STATUS_H */
