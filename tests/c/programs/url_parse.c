/*
 * url_parse.c — corio_url_parse on each line of standard input, for
 * tests/node/url_whatwg.test.mjs, which checks it against Node's URL (the
 * WHATWG parser). With --base URL, each line is a reference (a redirect's
 * Location) that corio_url_resolve resolves against URL first, and the
 * result is parsed. One JSON line per input line:
 *   {"host":"...","port":N,"tls":true|false,"target":"..."}  parsed
 *   {"error":"CORIO_...","message":"..."}                      refused
 * Lines end at "\n"; the input holds no other newline (the test escapes
 * nothing: its corpus has no LF inside a URL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

/* A JSON string of s: quotes, backslashes and every byte below 0x20 or
 * above 0x7e escaped, the latter as \u00XX of the byte (the test compares
 * ASCII only; a raw byte in the output would be a bug it must see). */
static void put_json(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20 || *p > 0x7e)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

/* In a task, where corio_fail keeps its message. arg: the base, or NULL.
 */
static int parse_lines(void *arg, intptr_t *result) {
  const char *base = arg;
  size_t cap = 0;
  char *line = NULL;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    char *host, *target;
    int port;
    bool tls;
    char *resolved = NULL;
    int rc = base ? corio_url_resolve(base, line, &resolved) : CORIO_OK;
    if (rc == CORIO_OK)
      rc = corio_url_parse(base ? resolved : line, &host, &port, &tls, &target);
    free(resolved);
    if (rc == CORIO_OK) {
      fputs("{\"host\":", stdout);
      put_json(host);
      printf(",\"port\":%d,\"tls\":%s,\"target\":", port,
             tls ? "true" : "false");
      put_json(target);
      fputs("}\n", stdout);
      free(host);
      free(target);
    } else {
      fputs("{\"error\":", stdout);
      put_json(corio_err_name(rc));
      fputs(",\"message\":", stdout);
      put_json(corio_errmsg());
      fputs("}\n", stdout);
    }
  }
  free(line);
  *result = ferror(stdin) ? 1 : 0;
  return CORIO_OK;
}

int main(int argc, char **argv) {
  const char *base =
      argc == 3 && strcmp(argv[1], "--base") == 0 ? argv[2] : NULL;
  if (argc != 1 && base == NULL) {
    fprintf(stderr, "usage: url_parse [--base URL] < lines\n");
    return 2;
  }
  intptr_t failed = 1;
  int rc = corio_run(parse_lines, (void *)base, &failed);
  return rc == CORIO_OK ? (int)failed : 2;
}
