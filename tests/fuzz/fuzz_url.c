/*
 * fuzz_url.c — libFuzzer harness of the URL parser (runtime/core/url.c,
 * url_host.c: corio_url_parse, corio_url_resolve). The input, up to its
 * first newline, is a URL; after it, a reference to resolve against that
 * URL. Invariants: a parsed URL has a host as WHATWG serializes one
 * (lower case, no forbidden code point, an IPv4 address in dotted decimal,
 * an IPv6 address only in brackets), a port in 1..65535 and an ASCII
 * request target starting with '/'; parsing its serialization gives the
 * same parts again; and a reference without a scheme or "//" never
 * changes the origin it is resolved against.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "corio.h"
#include "fuzz.h"

typedef struct parts {
  int rc, port;
  bool tls;
  char *host, *path;
} parts_t;

static parts_t parse(const char *url) {
  parts_t p;
  memset(&p, 0, sizeof p);
  p.rc = corio_url_parse(url, &p.host, &p.port, &p.tls, &p.path);
  FUZZ_CHECK(p.rc == CORIO_OK || p.rc == CORIO_EINVAL, "%s for \"%s\"",
             corio_err_name(p.rc), url);
  FUZZ_CHECK(p.rc == CORIO_OK || (p.host == NULL && p.path == NULL),
             "parts left after a failure");
  return p;
}

static void drop(parts_t *p) {
  free(p->host);
  free(p->path);
}

static void check_parts(const parts_t *p, const char *url) {
  const char *h = p->host;
  FUZZ_CHECK(*h != '\0', "an empty host from \"%s\"", url);
  bool v6 = strchr(h, ':') != NULL;
  unsigned char addr[16];
  if (v6) FUZZ_CHECK(inet_pton(AF_INET6, h, addr) == 1, "host \"%s\"", h);
  for (const char *c = h; *c; c++) {
    unsigned char ch = (unsigned char)*c;
    FUZZ_CHECK(ch > ' ' && ch < 0x7f && !(ch >= 'A' && ch <= 'Z') &&
                   (v6 || !strchr("#%/:<>?@[\\]^|", ch)),
               "host \"%s\" from \"%s\"", h, url);
  }
  /* A host that is not an IPv4 address does not end in a number (a last
   * label of digits, a trailing dot aside): those are addresses or errors. */
  if (!v6 && inet_pton(AF_INET, h, addr) != 1) {
    size_t n = strlen(h);
    if (n > 0 && h[n - 1] == '.') n--;
    size_t start = n;
    while (start > 0 && h[start - 1] != '.') start--;
    bool digits = n > start;
    for (size_t i = start; i < n; i++)
      if (h[i] < '0' || h[i] > '9') digits = false;
    FUZZ_CHECK(!digits, "host \"%s\" from \"%s\"", h, url);
  }
  FUZZ_CHECK(p->port >= 1 && p->port <= 65535, "port %d", p->port);
  FUZZ_CHECK(p->path[0] == '/', "target \"%s\"", p->path);
  for (const char *c = p->path; *c; c++)
    FUZZ_CHECK((unsigned char)*c > ' ' && (unsigned char)*c < 0x7f && *c != '#',
               "byte 0x%02x in the target \"%s\"", *c, p->path);
}

static char *serialize(const parts_t *p) {
  size_t n = strlen(p->host) + strlen(p->path) + 32;
  char *out = malloc(n);
  FUZZ_CHECK(out != NULL, "out of memory");
  bool v6 = strchr(p->host, ':') != NULL;
  snprintf(out, n, "%s://%s%s%s:%d%s", p->tls ? "https" : "http", v6 ? "[" : "",
           p->host, v6 ? "]" : "", p->port, p->path);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in = malloc(size + 1);
  FUZZ_CHECK(in != NULL, "out of memory");
  memcpy(in, data, size);
  in[size] = '\0';
  char *nl = strchr(in, '\n');
  const char *ref = "x";
  if (nl) *nl = '\0', ref = nl + 1;

  parts_t a = parse(in);
  if (a.rc == CORIO_OK) {
    check_parts(&a, in);
    char *again = serialize(&a);
    parts_t b = parse(again);
    FUZZ_CHECK(b.rc == CORIO_OK && strcmp(a.host, b.host) == 0 &&
                   a.port == b.port && a.tls == b.tls &&
                   strcmp(a.path, b.path) == 0,
               "\"%s\" serialized as \"%s\" parses as %s %s %d %s", in, again,
               corio_err_name(b.rc), b.host ? b.host : "-", b.port,
               b.path ? b.path : "-");
    drop(&b);
    free(again);
  }

  char *out = NULL;
  int rc = corio_url_resolve(in, ref, &out);
  FUZZ_CHECK(rc == CORIO_OK || rc == CORIO_EINVAL, "resolve: %s",
             corio_err_name(rc));
  if (rc == CORIO_OK) {
    parts_t r = parse(out);
    FUZZ_CHECK(r.rc == CORIO_OK, "resolved \"%s\" does not parse", out);
    check_parts(&r, out);
    const char *s = ref;
    while (*s == ' ' || *s == '\t') s++;
    bool has_scheme = strchr(s, ':') &&
                      strcspn(s, ":") == strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                   "0123456789+-.") &&
                      ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z');
    if (a.rc == CORIO_OK && !has_scheme && !(s[0] == '/' && s[1] == '/'))
      FUZZ_CHECK(strcmp(a.host, r.host) == 0 && a.port == r.port &&
                     a.tls == r.tls,
                 "\"%s\" against \"%s\" went to \"%s\"", ref, in, out);
    drop(&r);
    free(out);
  }
  drop(&a);
  free(in);
  return 0;
}
