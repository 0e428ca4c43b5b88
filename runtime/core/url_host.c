/*
 * url_host.c — the host of an http(s) URL as the WHATWG URL standard
 * parses it (the host parser, section 3.5): an IPv6 address inside
 * brackets and nothing else, written as the standard serializes it; a
 * name, percent-decoded, (ASCII, lower-cased) without a forbidden code
 * point; and a name that ends in a number is an IPv4
 * address in any of the forms browsers accept (0177.0.0.1, 0x7f.1,
 * 2130706433, 127.1), rewritten as dotted decimal, or invalid. Non-ASCII
 * names (IDNA) are refused with a message rather than sent unconverted.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int bad(char *why, size_t cap, const char *text) {
  snprintf(why, cap, "%s", text);
  return CORIO_EINVAL;
}

/* An IPv6 address as the standard serializes it: lower-case hex pieces
 * without leading zeros, the first longest run of two or more zero pieces
 * written "::", an embedded IPv4 address as two hex pieces. */
static void ipv6_text(const unsigned char a[16], char out[40]) {
  unsigned piece[8];
  for (int i = 0; i < 8; i++) piece[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && piece[j] == 0) j++;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j > i ? j : i + 1;
  }
  char *o = out;
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      o += sprintf(o, i == 0 ? "::" : ":");
      i += best_len - 1;
      continue;
    }
    o += sprintf(o, "%x%s", piece[i], i < 7 ? ":" : "");
  }
  *o = '\0';
}

int corio__host_ipv6(char **host, char *why, size_t cap) {
  char *h = *host;
  unsigned char addr[16];
  for (char *p = h; *p; p++) {
    if (*p >= 'A' && *p <= 'F') *p = (char)(*p - 'A' + 'a');
    if (!strchr("0123456789abcdef:.", *p))
      return bad(why, cap, "brackets hold only an IPv6 address");
  }
  if (inet_pton(AF_INET6, h, addr) != 1)
    return bad(why, cap, "brackets hold only an IPv6 address");
  char text[40];
  ipv6_text(addr, text);
  char *out = corio__strdup(text);
  if (out == NULL) return bad(why, cap, "out of memory"), CORIO_ENOMEM;
  free(h);
  *host = out;
  return CORIO_OK;
}

/* One part of an IPv4 address: decimal, 0x hex or 0 octal. false if it is
 * not a number; *v saturates above 2^32. */
static bool ipv4_number(const char *s, size_t n, uint64_t *v) {
  unsigned radix = 10;
  if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s += 2, n -= 2;
  } else if (n >= 2 && s[0] == '0') {
    radix = 8;
    s++, n--;
  } else if (n == 0) {
    return false;
  }
  *v = 0;
  for (size_t i = 0; i < n; i++) {
    int d = corio__hex_value((unsigned char)s[i]);
    if (d < 0 || (unsigned)d >= radix) return false;
    if (*v <= UINT32_MAX) *v = *v * radix + (unsigned)d;
  }
  return true;
}

/* True if the last label (a trailing empty one aside) is a number, which
 * makes the whole name an IPv4 address (the standard's "ends in a
 * number"). */
static bool ends_in_number(const char *h, size_t n) {
  if (n > 0 && h[n - 1] == '.') n--;
  size_t start = n;
  while (start > 0 && h[start - 1] != '.') start--;
  const char *last = h + start;
  size_t len = n - start;
  if (len == 0) return false;
  bool digits = true;
  for (size_t i = 0; i < len; i++)
    if (last[i] < '0' || last[i] > '9') digits = false;
  if (digits) return true;
  uint64_t v;
  return len >= 2 && last[0] == '0' && last[1] == 'x' &&
         ipv4_number(last, len, &v);
}

/* Parses an IPv4 host into dotted decimal (out of 16 bytes). */
static int ipv4(const char *h, char out[16], char *why, size_t cap) {
  size_t n = strlen(h);
  if (n > 0 && h[n - 1] == '.') n--;
  uint64_t parts[4];
  size_t count = 0, start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && h[i] != '.') continue;
    if (count == 4 || !ipv4_number(h + start, i - start, &parts[count]))
      return bad(why, cap,
                 "a host that ends in a number must be an IPv4 "
                 "address");
    count++;
    start = i + 1;
  }
  for (size_t i = 0; i + 1 < count; i++)
    if (parts[i] > 255) return bad(why, cap, "an IPv4 part over 255");
  uint64_t last = parts[count - 1];
  if (last >= (uint64_t)1 << (8 * (5 - count)))
    return bad(why, cap, "an IPv4 address out of range");
  uint32_t v = (uint32_t)last;
  for (size_t i = 0; i + 1 < count; i++)
    v += (uint32_t)parts[i] << (8 * (3 - i));
  snprintf(out, 16, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
           v & 255);
  return CORIO_OK;
}

/* The standard percent-decodes a host before it looks at it ("%6c" is
 * "l"); a '%' not followed by two hex digits stays, and is then refused
 * as a forbidden character. In place: decoding only shortens. false if
 * it decoded a NUL, which a C string cannot hold (and a host may not). */
static bool percent_decode(char *h) {
  char *o = h;
  for (const char *p = h; *p; p++) {
    int hi, lo;
    if (*p == '%' && (hi = corio__hex_value((unsigned char)p[1])) >= 0 &&
        (lo = corio__hex_value((unsigned char)p[2])) >= 0) {
      if (hi == 0 && lo == 0) return false;
      *o++ = (char)(hi << 4 | lo);
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
  return true;
}

int corio__host_name(char **host, char *why, size_t cap) {
  char *h = *host;
  if (!percent_decode(h))
    return bad(why, cap, "a forbidden character in the host");
  for (char *p = h; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x80)
      return bad(why, cap,
                 "international host names are not supported; "
                 "write the xn-- (punycode) form");
    if (c <= ' ' || c == 0x7f || strchr("#%/:<>?@[\\]^|", c))
      return bad(why, cap, "a forbidden character in the host");
    if (c >= 'A' && c <= 'Z') *p = (char)(c - 'A' + 'a');
  }
  if (!ends_in_number(h, strlen(h))) return CORIO_OK;
  char dotted[16];
  int rc = ipv4(h, dotted, why, cap);
  if (rc != CORIO_OK) return rc;
  char *out = corio__strdup(dotted);
  if (out == NULL) return bad(why, cap, "out of memory"), CORIO_ENOMEM;
  free(h);
  *host = out;
  return CORIO_OK;
}
