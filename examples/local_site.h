/*
 * local_site.h — a small local website for the website status examples
 * (website_status_sequential.c, website_status_concurrent.c): there is no
 * internet here, so each program serves its own pages on 127.0.0.1 with
 * corio_start_server() and checks those. Each page answers after its own
 * delay, so pages checked at once finish in the same order every run; one
 * more URL points at a port where nothing listens. Header-only (static
 * functions), so each example stays one .c file to build.
 */
#ifndef LOCAL_SITE_H
#define LOCAL_SITE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

/* The pages: path, delay before answering, and the answer's first line
 * (/broken's is not HTTP at all). */
typedef struct local_page {
  const char *path;
  double delay;
  const char *first_line;
} local_page_t;

static const local_page_t local_pages[] = {
    {"/", 0.1, "HTTP/1.1 200 OK"},
    {"/missing", 0.2, "HTTP/1.1 404 Not Found"},
    {"/moved", 0.3, "HTTP/1.1 301 Moved Permanently"},
    {"/broken", 0.4, "this is not HTTP"},
    {"/slow", 0.8, "HTTP/1.1 200 OK"},
};
#define LOCAL_NPAGES (sizeof local_pages / sizeof local_pages[0])
#define LOCAL_NURLS (LOCAL_NPAGES + 1) /* the pages, then the closed port */

typedef struct local_site {
  corio_server_t *server;
  char urls[LOCAL_NURLS][64];    /* what is checked */
  char labels[LOCAL_NURLS][64];  /* what is printed: the ports the system
                                  * picked vary, so they show as names */
  const char *list[LOCAL_NURLS]; /* the urls as an array of strings */
} local_site_t;

/* Reads the request line and headers; returns the page asked for (a 404
 * page for an unknown path). */
static int local_read_request(corio_reader_t *r, local_page_t *page) {
  char *line;
  size_t len;
  int rc = corio_readline(r, &line, &len);
  if (rc != CORIO_OK) return rc;
  char path[64] = "";
  if (sscanf(line, "%*s %63s", path) != 1) path[0] = '\0';
  free(line);
  *page = (local_page_t){NULL, 0, "HTTP/1.1 404 Not Found"};
  for (size_t i = 0; i < LOCAL_NPAGES; i++)
    if (strcmp(path, local_pages[i].path) == 0) *page = local_pages[i];
  while ((rc = corio_readline(r, &line, &len)) == CORIO_OK) {
    free(line);
    if (len <= 2) break; /* the blank line ending the head, or EOF */
  }
  return rc;
}

/* One connection: read the request, wait the page's delay, answer. */
static int local_handle(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  local_page_t page;
  int rc = local_read_request(r, &page);
  if (rc == CORIO_OK && page.delay > 0) rc = corio_sleep(page.delay);
  if (rc != CORIO_OK) return rc;
  char answer[160];
  int n = snprintf(answer, sizeof answer,
                   "%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                   page.first_line);
  rc = corio_write(w, answer, (size_t)n);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* A port on which nothing listens: one the system gave a server that is
 * closed again. */
static int local_closed_port(int *port) {
  corio_server_t *s;
  int rc = corio_start_server(&s, "127.0.0.1", 0, local_handle, NULL);
  if (rc != CORIO_OK) return rc;
  *port = corio_server_port(s);
  rc = corio_server_wait_closed(s);
  corio_server_free(s);
  return rc;
}

/* Starts the site and fills in the URLs. Only from a task. */
static int local_site_start(local_site_t *site) {
  int closed;
  int rc = local_closed_port(&closed);
  if (rc != CORIO_OK) return rc;
  rc = corio_start_server(&site->server, "127.0.0.1", 0, local_handle, NULL);
  if (rc != CORIO_OK) return rc;
  int port = corio_server_port(site->server);
  for (size_t i = 0; i < LOCAL_NURLS; i++) {
    bool page = i < LOCAL_NPAGES;
    const char *path = page ? local_pages[i].path : "/";
    snprintf(site->urls[i], sizeof site->urls[i], "http://127.0.0.1:%d%s",
             page ? port : closed, path);
    snprintf(site->labels[i], sizeof site->labels[i], "http://127.0.0.1:%s%s",
             page ? "{site}" : "{closed}", path);
    site->list[i] = site->urls[i];
  }
  return CORIO_OK;
}

/* Stops the site and waits for every connection's handler to end. */
static int local_site_stop(local_site_t *site) {
  int rc = corio_server_wait_closed(site->server);
  corio_server_free(site->server);
  return rc;
}

#endif /* LOCAL_SITE_H */
