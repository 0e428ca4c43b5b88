/*
 * fuzz_chunked.c — libFuzzer harness of chunked decoding
 * (runtime/core/http_parse.h: corio__http_chunked_feed). Two properties:
 * the input as a chunked body, cut into reads in several ways, decodes to
 * the same data, error, message and bytes consumed as the whole input
 * (and never to more data than it holds); and the input as data, encoded
 * in chunks of sizes drawn from the input (hex in either case, extensions,
 * a trailer), decodes back to itself at every cut.
 */
#include <stdbool.h>
#include <string.h>

#include "core/http_parse.h"
#include "corio.h"
#include "fuzz.h"

typedef struct outcome {
  int rc;
  bool done;
  size_t used;
  uint8_t *data; /* the decoded body (malloc'd) */
  size_t len;
  char msg[120];
} outcome_t;

static outcome_t decode(const uint8_t *in, size_t size, size_t fixed) {
  corio__http_chunked_t c;
  corio__http_chunked_init(&c);
  fuzz_split_t cut = fuzz_split(fixed, in, size);
  outcome_t o;
  memset(&o, 0, sizeof o);
  o.data = malloc(size + 1);
  FUZZ_CHECK(o.data != NULL, "out of memory");
  for (size_t at = 0; at < size && !c.done && o.rc == CORIO_OK;) {
    size_t n = fuzz_next(&cut, size - at);
    const uint8_t *p = in + at;
    at += n;
    while (n > 0 && !c.done && o.rc == CORIO_OK) {
      size_t used, off, len;
      o.rc =
          corio__http_chunked_feed(&c, (const char *)p, n, &used, &off, &len);
      FUZZ_CHECK(used <= n && off + len <= used, "used %zu off %zu len %zu",
                 used, off, len);
      FUZZ_CHECK(o.rc != CORIO_OK || c.done || len > 0 || used == n,
                 "framing bytes left unread");
      FUZZ_CHECK(o.rc == CORIO_OK || o.rc == CORIO_EPROTO ||
                     o.rc == CORIO_ELIMIT,
                 "status %s", corio_err_name(o.rc));
      FUZZ_CHECK(o.len + len <= size, "more data than input");
      memcpy(o.data + o.len, p + off, len);
      o.len += len;
      o.used += used;
      p += used;
      n -= used;
    }
  }
  if (o.rc == CORIO_OK && !c.done) {
    FUZZ_CHECK(o.used == size, "stopped early");
    o.rc = corio__http_chunked_end(&c, 0);
    FUZZ_CHECK(o.rc == CORIO_EINCOMPLETE, "EOF gave %s", corio_err_name(o.rc));
  }
  o.done = c.done;
  memcpy(o.msg, c.msg, sizeof o.msg);
  return o;
}

static void same(const outcome_t *a, const outcome_t *b, size_t cut) {
  FUZZ_CHECK(a->rc == b->rc && a->done == b->done && a->used == b->used &&
                 a->len == b->len && memcmp(a->data, b->data, a->len) == 0 &&
                 strcmp(a->msg, b->msg) == 0,
             "cut %zu: %s used %zu len %zu vs whole: %s used %zu len %zu", cut,
             corio_err_name(b->rc), b->used, b->len, corio_err_name(a->rc),
             a->used, a->len);
}

/* The input as data, in chunks whose sizes, hex case and extensions the
 * input's own bytes choose. */
static size_t encode(const uint8_t *data, size_t size, char *out) {
  size_t o = 0, at = 0;
  uint32_t r = fuzz_split(0, data, size).state;
  while (at < size) {
    r ^= r << 13, r ^= r >> 17, r ^= r << 5;
    size_t k = 1 + r % 300;
    if (k > size - at) k = size - at;
    o += (size_t)sprintf(out + o, r & 0x10000 ? "%zX" : "%zx", k);
    if (r & 0x20000) o += (size_t)sprintf(out + o, ";ext=\"a\\\"b\";x");
    o += (size_t)sprintf(out + o, "\r\n");
    memcpy(out + o, data + at, k);
    o += k;
    at += k;
    o += (size_t)sprintf(out + o, "\r\n");
  }
  o += (size_t)sprintf(out + o,
                       r & 0x40000 ? "000\r\nX-T: v\r\n\r\n" : "0\r\n\r\n");
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  outcome_t whole = decode(data, size, SIZE_MAX);
  for (size_t c = 1; c < FUZZ_NCUTS; c++) {
    outcome_t o = decode(data, size, fuzz_cuts[c]);
    same(&whole, &o, fuzz_cuts[c]);
    free(o.data);
  }
  free(whole.data);

  /* each chunk adds at most 40 bytes of framing */
  char *enc = malloc(size * 41 + 64);
  FUZZ_CHECK(enc != NULL, "out of memory");
  size_t n = encode(data, size, enc);
  for (size_t c = 0; c < FUZZ_NCUTS; c++) {
    outcome_t o = decode((const uint8_t *)enc, n, fuzz_cuts[c]);
    FUZZ_CHECK(o.rc == CORIO_OK && o.done && o.used == n && o.len == size &&
                   memcmp(o.data, data, size) == 0,
               "round trip, cut %zu: %s used %zu of %zu, len %zu of %zu: %s",
               fuzz_cuts[c], corio_err_name(o.rc), o.used, n, o.len, size,
               o.msg);
    free(o.data);
  }
  free(enc);
  return 0;
}
