/*
 * url_target.c — the request target of an http(s) URL as the WHATWG URL
 * standard serializes its path and query (the path and query states of
 * the basic URL parser, for a special scheme): dot segments ("." and
 * "..", "%2e" spellings included) resolved, and the bytes of the path
 * percent-encode set and the special-query percent-encode set encoded.
 * That is what a browser's fetch() requests, so every carrier asks a
 * server for the same target. The fragment is not part of it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* The standard's percent-encode sets, beyond the C0 controls and bytes
 * over 0x7e that every set holds. ('#' and '?' end the path and '#' the
 * query before these sets see them; they are listed as the standard does.)
 */
static const char PATH_SET[] = " \"#<>?`{}";
static const char QUERY_SET[] = " \"#<>'";

static char *put_encoded(char *o, const char *s, size_t n, const char *set) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch > 0x7e || (ch != '\0' && strchr(set, ch))) {
      *o++ = '%';
      *o++ = hex[ch >> 4];
      *o++ = hex[ch & 15];
    } else {
      *o++ = (char)ch;
    }
  }
  return o;
}

static bool single_dot(const char *s, size_t n) {
  return (n == 1 && s[0] == '.') || (n == 3 && strncasecmp(s, "%2e", 3) == 0);
}

static bool double_dot(const char *s, size_t n) {
  if (n == 2) return s[0] == '.' && s[1] == '.';
  if (n == 4)
    return (s[0] == '.' && strncasecmp(s + 1, "%2e", 3) == 0) ||
           (strncasecmp(s, "%2e", 3) == 0 && s[3] == '.');
  if (n == 6) return strncasecmp(s, "%2e%2e", 6) == 0;
  return false;
}

char *corio__url_target(const char *tail, size_t n) {
  /* Encoding at most triples a byte; the path may gain one "/". */
  char *out = malloc(n * 3 + 2), *o = out;
  if (out == NULL) return NULL;
  size_t path_len = strcspn(tail, "?");
  if (path_len > n) path_len = n;
  /* Segments after each "/" (the tail is empty, "?..." or "/..."). */
  for (size_t at = 0; at < path_len;) {
    size_t start = at + 1; /* tail[at] == '/' */
    size_t end = start;
    while (end < path_len && tail[end] != '/') end++;
    const char *seg = tail + start;
    size_t len = end - start;
    bool last = end == path_len;
    if (double_dot(seg, len)) {
      while (o > out && *--o != '/') {
      } /* drop the last segment, if any */
      if (last) *o++ = '/';
    } else if (single_dot(seg, len)) {
      if (last) *o++ = '/';
    } else {
      *o++ = '/';
      o = put_encoded(o, seg, len, PATH_SET);
    }
    at = end;
  }
  if (o == out) *o++ = '/';
  if (path_len < n) { /* the query, its "?" included */
    *o++ = '?';
    o = put_encoded(o, tail + path_len + 1, n - path_len - 1, QUERY_SET);
  }
  *o = '\0';
  return out;
}
