/*
 * origin_limit.c — the checker's limit of checks at once to one origin
 * (scheme, host, port), for a carrier that has one of its own: a browser's
 * fetch() sends at most 6 HTTP/1.1 requests to an origin at once and queues
 * the rest, and a check must not wait in that queue with its timeout
 * running. So the checker queues them itself, on a semaphore per origin
 * taken before the check begins, as the concurrency semaphore is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker_internal.h"

struct checker_origins {
  size_t n;                   /* URLs */
  corio_semaphore_t **of_url; /* per URL: its origin's semaphore, or NULL */
  size_t norigins;
  char **keys;                /* per origin: "scheme://host:port", owned */
  corio_semaphore_t **sems;   /* per origin, owned */
};

void checker__origins_free(checker_origins_t *o) {
  if (o == NULL) return;
  for (size_t i = 0; i < o->norigins; i++) {
    free(o->keys[i]);
    corio_semaphore_free(o->sems[i]);
  }
  free(o->keys);
  free(o->sems);
  free(o->of_url);
  free(o);
}

/* The key of a URL's origin (malloc'd), or NULL if it does not parse (it
 * gets no semaphore: an invalid URL opens no connection) or without memory
 * (*rc says which). */
static char *origin_key(const char *url, int *rc) {
  char *host, *path;
  int port;
  bool tls;
  *rc = CORIO_OK;
  if (corio_url_parse(url, &host, &port, &tls, &path) != CORIO_OK) return NULL;
  int len = snprintf(NULL, 0, "%s://%s:%d", tls ? "https" : "http", host, port);
  char *key = malloc((size_t)len + 1);
  if (key != NULL)
    snprintf(key, (size_t)len + 1, "%s://%s:%d", tls ? "https" : "http", host,
             port);
  else
    *rc = CORIO_ENOMEM;
  free(host);
  free(path);
  return key;
}

/* Finds or adds the semaphore of `key` (taken over). */
static int add_origin(checker_origins_t *o, char *key, size_t limit,
                      corio_semaphore_t **out) {
  for (size_t i = 0; i < o->norigins; i++) {
    if (strcmp(o->keys[i], key) == 0) {
      free(key);
      *out = o->sems[i];
      return CORIO_OK;
    }
  }
  /* keys and sems have room for one origin per URL (made in _new). */
  int rc = corio_semaphore_new(&o->sems[o->norigins], limit);
  if (rc != CORIO_OK) {
    free(key);
    return rc;
  }
  o->keys[o->norigins] = key;
  *out = o->sems[o->norigins++];
  return CORIO_OK;
}

int checker__origins_new(const char *const *urls, size_t n, size_t limit,
                         checker_origins_t **out) {
  *out = NULL;
  checker_origins_t *o = calloc(1, sizeof *o);
  size_t cap = n ? n : 1;
  if (o != NULL) {
    o->n = n;
    o->of_url = calloc(cap, sizeof *o->of_url);
    o->keys = calloc(cap, sizeof *o->keys);
    o->sems = calloc(cap, sizeof *o->sems);
  }
  if (o == NULL || !o->of_url || !o->keys || !o->sems) {
    checker__origins_free(o);
    return CORIO_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    int rc;
    char *key = origin_key(urls[i], &rc);
    if (key != NULL) rc = add_origin(o, key, limit, &o->of_url[i]);
    if (rc != CORIO_OK) {
      checker__origins_free(o);
      return rc;
    }
  }
  *out = o;
  return CORIO_OK;
}

corio_semaphore_t *checker__origins_of(const checker_origins_t *o, size_t i) {
  return o != NULL && i < o->n ? o->of_url[i] : NULL;
}
