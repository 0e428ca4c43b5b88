/*
 * seeds.c — writes the fuzzers' seed corpora (tests/fuzz/) from the
 * project's response corpus (tests/fixtures/http_responses.h): each
 * response whole for the head and body harnesses, what follows its head for
 * the chunked harness, and a set of URLs (with a reference after a newline)
 * for the URL harness. Usage: fuzz_seeds DIR (DIR/head, DIR/body,
 * DIR/chunked, DIR/url must exist).
 */
#include <stdio.h>
#include <string.h>

#include "../fixtures/http_responses.h"
#include "corio.h"

static int put(const char *dir, const char *kind, const char *name,
               const char *bytes, size_t len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s/%s", dir, kind, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
    perror(path);
    return 1;
  }
  return 0;
}

static const char *const urls[] = {
    "http://127.0.0.1:8080/a/b?c=d#e\n../x?y",
    "https://user:p@ss@[::ffff:127.0.0.1]/\n//localhost:1/",
    "http://0x7f.1/\n/abs",
    "http://2130706433./p\n?q",
    "HTTP://LOCALHOST:/%41\u00e9\n#frag",
    "http://[::1]:65535\nhttps://[::1]/",
    "http://a.b.0x/\n  rel",
    "http://0177.0.0.1/\nhttp:no-slashes",
};

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fuzz_seeds DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  int bad = 0;
#define SEED(name, bytes, status, rc, body)                                    \
  do {                                                                         \
    size_t len = sizeof bytes - 1;                                             \
    bad |= put(dir, "head", #name, bytes, len);                                \
    bad |= put(dir, "body", #name, bytes, len);                                \
    const char *end = memmem(bytes, len, "\r\n\r\n", 4);                       \
    if (end)                                                                   \
      bad |= put(dir, "chunked", #name, end + 4,                               \
                 len - (size_t)(end + 4 - bytes));                             \
  } while (0);
  HTTP_RESPONSES(SEED)
#undef SEED
  for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
    char name[16];
    snprintf(name, sizeof name, "url%zu", i);
    bad |= put(dir, "url", name, urls[i], strlen(urls[i]));
  }
  return bad;
}
