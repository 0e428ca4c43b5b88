/*
 * http_guard.c — corio's response-head parser (http_parse.h) offered to a
 * backend whose carrier hands the response to another parser (backend.h,
 * corio__head_guard_*): the fetch() carrier in Node lets it see the bytes
 * before undici does, so a head undici would take or wait on (a bare CR,
 * obsolete folding, a flood of interim responses, a head with no end)
 * fails as on every other carrier, and interim responses are left out of
 * what undici gets, as corio skips them.
 */
#include <stdlib.h>

#include "http_parse.h"
#include "internal.h"

struct corio__head_guard {
  corio__http_head_t head;
};

corio__head_guard_t *corio__head_guard_new(void) {
  corio__head_guard_t *g = malloc(sizeof *g);
  if (g) corio__http_head_init(&g->head, 0);
  return g;
}

int corio__head_guard_feed(corio__head_guard_t *g, const char *p, size_t n,
                           size_t *used) {
  int rc = corio__http_head_feed(&g->head, p, n, used);
  if (rc != CORIO_OK) return rc;
  return g->head.done ? 1 : 0;
}

const char *corio__head_guard_head(const corio__head_guard_t *g, size_t *len) {
  *len = g->head.len;
  return g->head.buf;
}

const char *corio__head_guard_message(const corio__head_guard_t *g) {
  return g->head.msg;
}

void corio__head_guard_free(corio__head_guard_t *g) {
  if (g == NULL) return;
  corio__http_head_dispose(&g->head);
  free(g);
}
