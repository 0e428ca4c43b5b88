/*
 * origin_limit.c — the checker's limit of checks at once to one origin
 * (scheme, host, port), for a carrier that has one of its own: a browser's
 * fetch() sends at most 6 HTTP/1.1 requests to an origin at once and queues
 * the rest, and a check must not wait in that queue with its timeout
 * running. So the checker queues them itself, on a semaphore per origin
 * taken before the check begins. An origin's entry lives while a check
 * holds or waits for it, so memory follows the checks running, not the
 * list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker_internal.h"

typedef struct checker_origin {
  char *key;              /* "scheme://host:port", owned */
  corio_semaphore_t *sem; /* `limit` permits, owned */
  size_t users;           /* checks holding or waiting for a permit */
  struct checker_origin *next;
} origin_t; /* checker_origin_t */

struct checker_origins {
  size_t limit;
  origin_t *head;
};

int checker__origins_new(size_t limit, checker_origins_t **out) {
  *out = calloc(1, sizeof **out);
  if (*out == NULL) return CORIO_ENOMEM;
  (*out)->limit = limit;
  return CORIO_OK;
}

void checker__origins_free(checker_origins_t *o) {
  if (o == NULL) return;
  while (o->head) {
    origin_t *e = o->head;
    o->head = e->next;
    free(e->key);
    corio_semaphore_free(e->sem);
    free(e);
  }
  free(o);
}

/* The key of a URL's origin (malloc'd), or NULL if it does not parse (it
 * gets no permit: an invalid URL opens no connection) or without memory
 * (*rc says which). */
static char *origin_key(const char *url, int *rc) {
  char *host, *path;
  int port;
  bool tls;
  *rc = CORIO_OK;
  if (corio_url_parse(url, &host, &port, &tls, &path) != CORIO_OK) return NULL;
  const char *scheme = tls ? "https" : "http";
  int len = snprintf(NULL, 0, "%s://%s:%d", scheme, host, port);
  char *key = malloc((size_t)len + 1);
  if (key != NULL)
    snprintf(key, (size_t)len + 1, "%s://%s:%d", scheme, host, port);
  else
    *rc = CORIO_ENOMEM;
  free(host);
  free(path);
  return key;
}

/* Finds or adds the entry of `key` (taken over), counting one more user. */
static int enter(checker_origins_t *o, char *key, origin_t **out) {
  for (origin_t *e = o->head; e; e = e->next) {
    if (strcmp(e->key, key) == 0) {
      free(key);
      e->users++;
      *out = e;
      return CORIO_OK;
    }
  }
  origin_t *e = calloc(1, sizeof *e);
  int rc = e ? corio_semaphore_new(&e->sem, o->limit) : CORIO_ENOMEM;
  if (rc != CORIO_OK) {
    free(e);
    free(key);
    return rc;
  }
  e->key = key;
  e->users = 1;
  e->next = o->head;
  o->head = e;
  *out = e;
  return CORIO_OK;
}

static void leave(checker_origins_t *o, origin_t *e) {
  if (--e->users > 0) return;
  for (origin_t **p = &o->head; *p; p = &(*p)->next) {
    if (*p == e) {
      *p = e->next;
      break;
    }
  }
  free(e->key);
  corio_semaphore_free(e->sem);
  free(e);
}

int checker__origin_acquire(checker_origins_t *o, const char *url,
                            checker_origin_t **held) {
  *held = NULL;
  if (o == NULL) return CORIO_OK;
  int rc;
  char *key = origin_key(url, &rc);
  if (key == NULL) return rc;
  origin_t *e;
  if ((rc = enter(o, key, &e)) != CORIO_OK) return rc;
  rc = corio_semaphore_acquire(e->sem);
  if (rc != CORIO_OK) {
    leave(o, e);
    return rc;
  }
  *held = e;
  return CORIO_OK;
}

void checker__origin_release(checker_origins_t *o, checker_origin_t *held) {
  if (held == NULL) return;
  origin_t *e = held;
  corio_semaphore_release(e->sem);
  leave(o, e);
}
