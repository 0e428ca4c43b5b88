/*
 * status_line.c — parsing the first line of an HTTP/1.x response,
 * "HTTP/1.1 404 Not Found", into its code and reason phrase. Anything else
 * (another protocol speaking first, random bytes) is CORIO_EPROTO.
 */
#include <ctype.h>

#include "checker.h"

/* Up to 40 bytes of the line, unprintable ones as '.', for messages. */
static void excerpt(const char *s, size_t n, char out[48]) {
  size_t k = 0;
  for (; k < n && k < 40; k++) {
    unsigned char ch = (unsigned char)s[k];
    out[k] = ch >= ' ' && ch < 0x7f ? (char)ch : '.';
  }
  out[k] = '\0';
}

static bool digit(char c) { return isdigit((unsigned char)c) != 0; }

/* "HTTP/" DIGIT "." DIGIT SP DIGIT DIGIT DIGIT, then the end or SP. */
static bool well_formed(const char *s, size_t n) {
  return n >= 12 && s[0] == 'H' && s[1] == 'T' && s[2] == 'T' && s[3] == 'P' &&
         s[4] == '/' && s[5] == '1' && s[6] == '.' && digit(s[7]) &&
         s[8] == ' ' && digit(s[9]) && s[9] != '0' && digit(s[10]) &&
         digit(s[11]) && (n == 12 || s[12] == ' ');
}

int checker_parse_status_line(const char *line, size_t n, int *status,
                              char *reason, size_t reason_cap) {
  if (reason_cap > 0) reason[0] = '\0';
  *status = 0;
  if (n > 0 && line[n - 1] == '\n') n--;
  if (n > 0 && line[n - 1] == '\r') n--;
  if (!well_formed(line, n)) {
    char shown[48];
    excerpt(line, n, shown);
    return corio_fail(CORIO_EPROTO,
                      "malformed response: not an HTTP/1.x status line "
                      "(\"%s%s\")",
                      shown, n > 40 ? "..." : "");
  }
  *status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  size_t k = 0;
  for (size_t i = 13; i < n && k + 1 < reason_cap; i++) {
    unsigned char ch = (unsigned char)line[i];
    reason[k++] = ch < ' ' || ch == 0x7f ? '?' : (char)ch;
  }
  if (reason_cap > 0) reason[k] = '\0';
  return CORIO_OK;
}
