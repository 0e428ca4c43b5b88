/*
 * export.c — the registry of coroutines callable from JS by name
 * (corio_export / CORIO_EXPORT), read by the JS host backend.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct export_entry {
  char *name;
  corio_fn fn;
  struct export_entry *next;
} export_entry_t;

static export_entry_t *exports;

int corio_export(const char *name, corio_fn fn) {
  if (name == NULL || fn == NULL) return CORIO_EINVAL;
  for (export_entry_t *e = exports; e; e = e->next)
    if (strcmp(e->name, name) == 0) {
      e->fn = fn;
      return CORIO_OK;
    }
  export_entry_t *e = malloc(sizeof *e);
  if (e == NULL) return CORIO_ENOMEM;
  e->name = corio__strdup(name);
  if (e->name == NULL) {
    free(e);
    return CORIO_ENOMEM;
  }
  e->fn = fn;
  e->next = exports;
  exports = e;
  return CORIO_OK;
}

corio_fn corio__export_find(const char *name) {
  for (export_entry_t *e = exports; name && e; e = e->next)
    if (strcmp(e->name, name) == 0) return e->fn;
  return NULL;
}
