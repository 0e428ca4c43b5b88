/*
 * address_ranges.h — THE table of the address policy (deny_private,
 * --deny-private, denyPrivate: true): every range written once, here. The
 * C policy (address_policy.c) expands it; scripts/gen-address-policy.mjs
 * reads it to write build/gen/address_policy.mjs for JavaScript (the dev
 * server's relay). One entry per line, in the form
 *   XX(family, "address", prefix bits, "what it is", embedded)
 * embedded: 0, the range is refused; else the byte offset of an IPv4
 * address inside the IPv6 one, which the IPv4 rows then judge (mapped,
 * NAT64, 6to4). The first matching row decides: specific rows first.
 */
#ifndef CORIO_CORE_ADDRESS_RANGES_H
#define CORIO_CORE_ADDRESS_RANGES_H

#define CORIO__ADDRESS_RANGES(XX)                                              \
  XX(4, "0.0.0.0", 8, "unspecified (this network)", 0)                         \
  XX(4, "10.0.0.0", 8, "private (RFC 1918)", 0)                                \
  XX(4, "100.64.0.0", 10, "shared address space (CGNAT, RFC 6598)", 0)         \
  XX(4, "127.0.0.0", 8, "loopback", 0)                                         \
  XX(4, "169.254.0.0", 16, "link-local (cloud metadata among them)", 0)        \
  XX(4, "172.16.0.0", 12, "private (RFC 1918)", 0)                             \
  XX(4, "192.0.0.0", 24, "IETF protocol assignments", 0)                       \
  XX(4, "192.0.2.0", 24, "documentation (TEST-NET-1)", 0)                      \
  XX(4, "192.88.99.0", 24, "6to4 relay anycast (deprecated)", 0)               \
  XX(4, "192.168.0.0", 16, "private (RFC 1918)", 0)                            \
  XX(4, "198.18.0.0", 15, "benchmarking", 0)                                   \
  XX(4, "198.51.100.0", 24, "documentation (TEST-NET-2)", 0)                   \
  XX(4, "203.0.113.0", 24, "documentation (TEST-NET-3)", 0)                    \
  XX(4, "224.0.0.0", 4, "multicast", 0)                                        \
  XX(4, "240.0.0.0", 4, "reserved (and broadcast)", 0)                         \
  XX(6, "::", 128, "unspecified", 0)                                           \
  XX(6, "::1", 128, "loopback", 0)                                             \
  XX(6, "::ffff:0:0", 96, "IPv4-mapped", 12)                                   \
  XX(6, "::", 96, "IPv4-compatible (deprecated)", 0)                           \
  XX(6, "64:ff9b::", 96, "NAT64", 12)                                          \
  XX(6, "64:ff9b:1::", 48, "local-use NAT64", 0)                               \
  XX(6, "100::", 64, "discard-only", 0)                                        \
  XX(6, "2001::", 32, "Teredo", 0)                                             \
  XX(6, "2001:db8::", 32, "documentation", 0)                                  \
  XX(6, "2002::", 16, "6to4", 2)                                               \
  XX(6, "fc00::", 7, "unique local (ULA)", 0)                                  \
  XX(6, "fe80::", 10, "link-local", 0)                                         \
  XX(6, "fec0::", 10, "site-local (deprecated)", 0)                            \
  XX(6, "ff00::", 8, "multicast", 0)

#endif
