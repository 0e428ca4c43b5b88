/*
 * url.c — absolute http:// and https:// URLs as the client needs them
 * (corio_url_parse): scheme, host, port and the request target; and a
 * reference resolved against a base (corio_url_resolve, for redirects).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* ---- URLs ---------------------------------------------------------------- */

int corio_url_parse(const char *url, char **host, int *port, bool *tls,
                    char **path) {
  *host = *path = NULL;
  if (url == NULL) return corio_fail(CORIO_EINVAL, "invalid URL: none");
  const char *rest;
  if (strncasecmp(url, "http:", 5) == 0) {
    *tls = false;
    *port = 80;
    rest = url + 5;
  } else if (strncasecmp(url, "https:", 6) == 0) {
    *tls = true;
    *port = 443;
    rest = url + 6;
  } else {
    return corio_fail(CORIO_EINVAL,
                      "invalid URL \"%s\": it must start with http:// or "
                      "https://",
                      url);
  }
  /* As WHATWG, any number of slashes may follow a special scheme:
   * "http:host", "http:/host" and "http:///host" all name "host". */
  while (*rest == '/') rest++;
  for (const char *p = url; *p; p++) {
    if ((unsigned char)*p <= ' ' || *p == 0x7f)
      return corio_fail(CORIO_EINVAL,
                        "invalid URL \"%s\": it contains a space or a "
                        "control character",
                        url);
    if (*p == '\\') /* browsers read it as "/", other parsers do not */
      return corio_fail(CORIO_EINVAL,
                        "invalid URL \"%s\": it contains a backslash "
                        "(write / instead)",
                        url);
  }
  size_t authority = strcspn(rest, "/?#");
  /* user:password@ is not sent; as WHATWG, the userinfo ends at the LAST
   * '@' of the authority (an '@' in a password is one of its bytes). */
  const char *at = NULL;
  for (const char *q = rest; q < rest + authority; q++)
    if (*q == '@') at = q;
  if (at) authority -= (size_t)(at + 1 - rest), rest = at + 1;
  const char *host_start = rest, *host_end;
  const char *after;
  if (*rest == '[') { /* brackets hold an IPv6 address and nothing else */
    host_end = memchr(rest, ']', authority);
    if (host_end == NULL)
      return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": unclosed [", url);
    host_start = rest + 1;
    after = host_end + 1;
  } else {
    const char *colon = memchr(rest, ':', authority);
    host_end = colon ? colon : rest + authority;
    after = host_end;
  }
  if (host_end == host_start)
    return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": no host", url);
  const char *end = rest + authority;
  if (after < end) {
    if (*after != ':')
      return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": bad host", url);
    long value = 0;
    const char *p = after + 1;
    for (; p < end; p++) {
      if (!isdigit((unsigned char)*p) ||
          (value = value * 10 + (*p - '0')) > 65535)
        return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": bad port", url);
    }
    if (after + 1 < end) { /* "host:" is the default port, as WHATWG */
      if (value == 0)
        return corio_fail(CORIO_EINVAL, "invalid URL \"%s\": port 0", url);
      *port = (int)value;
    }
  }
  char *h = corio__strndup(host_start, (size_t)(host_end - host_start));
  if (h == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  char why[96];
  int rc = *rest == '[' ? corio__host_ipv6(&h, why, sizeof why)
                        : corio__host_name(&h, why, sizeof why);
  if (rc != CORIO_OK) {
    free(h);
    return corio_fail(rc, "invalid URL \"%s\": %s", url, why);
  }
  *host = h;
  const char *tail = end;
  size_t tail_len = strcspn(tail, "#"); /* the fragment is not sent */
  *path = corio__url_target(tail, tail_len);
  if (*path == NULL) {
    free(*host);
    free(*path);
    *host = *path = NULL;
    return corio__set_error(CORIO_ENOMEM, NULL);
  }
  return CORIO_OK;
}

/* ---- references (a redirect's Location) -----------------------------------
 */

/* Length of "scheme:" at the start of s, or 0 if it has none. */
static size_t scheme_length(const char *s) {
  if (!isalpha((unsigned char)s[0])) return 0;
  size_t i = 1;
  while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
         s[i] == '.')
    i++;
  return s[i] == ':' ? i + 1 : 0;
}

static char *concat3(const char *a, size_t na, const char *b, size_t nb,
                     const char *c) {
  size_t nc = strlen(c);
  char *out = malloc(na + nb + nc + 1);
  if (out == NULL) return NULL;
  memcpy(out, a, na);
  memcpy(out + na, b, nb);
  memcpy(out + na + nb, c, nc + 1);
  return out;
}

int corio_url_resolve(const char *base, const char *ref, char **out) {
  *out = NULL;
  if (base == NULL || ref == NULL)
    return corio_fail(CORIO_EINVAL, "invalid URL: none");
  while (*ref == ' ' || *ref == '\t') ref++; /* as WHATWG strips them */
  size_t scheme = scheme_length(base);
  if (scheme == 0)
    return corio_fail(CORIO_EINVAL, "invalid base URL \"%s\"", base);
  /* As WHATWG, a reference with the base's own scheme and no "//" after
   * it is relative: "http:x" against an http base is "x". */
  bool absolute = scheme_length(ref) > 0;
  if (absolute && scheme_length(ref) == scheme &&
      strncasecmp(ref, base, scheme) == 0 &&
      strncmp(ref + scheme, "//", 2) != 0)
    ref += scheme, absolute = false;
  const char *authority_end = base + scheme;
  while (*authority_end == '/') authority_end++; /* as corio_url_parse */
  authority_end += strcspn(authority_end, "/?#");
  size_t origin = (size_t)(authority_end - base);
  size_t path_end = origin + strcspn(authority_end, "?#");
  char *url;
  if (absolute) {
    url = corio__strdup(ref);
  } else if (ref[0] == '/' && ref[1] == '/') { /* same scheme */
    url = concat3(base, scheme, "", 0, ref);
  } else if (ref[0] == '/') { /* same origin */
    url = concat3(base, origin, "", 0, ref);
  } else if (ref[0] == '?' || ref[0] == '\0') { /* same path */
    url = concat3(base, path_end, "", 0, ref[0] ? ref : "");
    if (url && ref[0] == '\0') { /* the base without its fragment */
      free(url);
      url = concat3(base, origin + strcspn(authority_end, "#"), "", 0, "");
    }
  } else if (ref[0] == '#') {
    url = concat3(base, origin + strcspn(authority_end, "#"), "", 0, ref);
  } else { /* relative to the base's directory */
    size_t dir = path_end;
    while (dir > origin && base[dir - 1] != '/') dir--;
    url = dir == origin ? concat3(base, origin, "/", 1, ref)
                        : concat3(base, dir, "", 0, ref);
  }
  if (url == NULL) return corio__set_error(CORIO_ENOMEM, NULL);
  char *host, *path;
  int port;
  bool tls;
  int rc = corio_url_parse(url, &host, &port, &tls, &path);
  if (rc != CORIO_OK) {
    free(url);
    return rc;
  }
  free(host);
  free(path);
  *out = url;
  return CORIO_OK;
}
