/*
 * address_policy.c — corio_address_denied: an IP address in, the name of
 * the range that refuses it out (NULL: allowed), from the one table in
 * address_ranges.h. Pure: no connection, no DNS; the backends call it on
 * the address they are about to connect to.
 */
#include <arpa/inet.h>
#include <string.h>

#include "address_ranges.h"
#include "internal.h"

typedef struct range {
  int family;
  const char *address;
  int prefix;
  const char *what;
  int embedded;
} range_t;

static const range_t ranges[] = {
#define CORIO__RANGE(family, address, prefix, what, embedded)                  \
  {family, address, prefix, what, embedded},
    CORIO__ADDRESS_RANGES(CORIO__RANGE)
#undef CORIO__RANGE
};

static bool in_prefix(const unsigned char *a, const unsigned char *net,
                      int bits) {
  int whole = bits / 8, rest = bits % 8;
  if (memcmp(a, net, (size_t)whole) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = (unsigned char)(0xff << (8 - rest));
  return (a[whole] & mask) == (net[whole] & mask);
}

/* The verdict on a 4- or 16-byte address. */
static const char *judge(int family, const unsigned char *a) {
  for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
    const range_t *r = &ranges[i];
    if (r->family != family) continue;
    unsigned char net[16];
    if (inet_pton(family == 4 ? AF_INET : AF_INET6, r->address, net) != 1)
      continue; /* the table is checked by the tests */
    if (!in_prefix(a, net, r->prefix)) continue;
    if (r->embedded == 0) return r->what;
    return judge(4, a + r->embedded);
  }
  return NULL;
}

const char *corio_address_denied(const char *address) {
  unsigned char a[16];
  if (address == NULL) return "not an IP address";
  if (inet_pton(AF_INET, address, a) == 1) return judge(4, a);
  if (inet_pton(AF_INET6, address, a) == 1) return judge(6, a);
  return "not an IP address";
}
