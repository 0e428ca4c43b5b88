/*
 * fuzz_head.c — libFuzzer harness of the response head parser
 * (runtime/core/http_parse.h: corio__http_head_feed). The input is the
 * bytes a server sends; each is parsed with the default 16 KiB limit and
 * with a small one, cut into reads in several ways. Invariants: every cut
 * gives the same outcome (status, error, message, bytes consumed, headers);
 * a status exists only once the whole head arrived (a prefix one byte
 * shorter never completes, and ends as an error); a complete head holds
 * only well-formed lines; nothing is consumed past the head's end or the
 * limit.
 */
#include <stdbool.h>
#include <string.h>

#include "core/http_parse.h"
#include "corio.h"
#include "fuzz.h"

typedef struct outcome {
  int rc, status, interim;
  bool done;
  size_t used, seen;
  char msg[160];
  uint32_t head_hash; /* the final head's bytes, if done */
} outcome_t;

static bool tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
         (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool text(unsigned char c) {
  return c == '\t' || (c >= ' ' && c != 0x7f);
}

/* What a complete head must be, whichever bytes led to it. */
static void check_done(const corio__http_head_t *h) {
  FUZZ_CHECK(h->status >= 100 && h->status <= 999, "status %d", h->status);
  FUZZ_CHECK(h->status / 100 != 1 || h->status == 101,
             "interim %d taken as final", h->status);
  FUZZ_CHECK(h->len >= 4 && memcmp(h->buf + h->len - 4, "\r\n\r\n", 4) == 0,
             "a head that does not end in an empty line");
  FUZZ_CHECK(memcmp(h->buf, "HTTP/1.", 7) == 0, "no HTTP/1. prefix");
  for (size_t i = 0; i < h->reason_len; i++)
    FUZZ_CHECK(text((unsigned char)h->buf[h->reason_off + i]),
               "byte 0x%02x in the reason", h->buf[h->reason_off + i]);
  size_t pos = 0, count = 0;
  const char *name, *value;
  size_t nlen, vlen;
  while (corio__http_head_next(h, &pos, &name, &nlen, &value, &vlen)) {
    FUZZ_CHECK(nlen > 0, "an empty header name");
    for (size_t i = 0; i < nlen; i++)
      FUZZ_CHECK(tchar((unsigned char)name[i]), "0x%02x in a name", name[i]);
    for (size_t i = 0; i < vlen; i++)
      FUZZ_CHECK(text((unsigned char)value[i]), "0x%02x in a value", value[i]);
    FUZZ_CHECK(vlen == 0 || (value[0] != ' ' && value[vlen - 1] != ' '),
               "a value with its whitespace");
    FUZZ_CHECK(++count <= h->len, "header iteration does not end");
  }
}

static outcome_t parse(const uint8_t *data, size_t size, size_t max,
                       size_t fixed) {
  corio__http_head_t h;
  corio__http_head_init(&h, max);
  fuzz_split_t cut = fuzz_split(fixed, data, size);
  outcome_t o;
  memset(&o, 0, sizeof o);
  for (size_t at = 0; at < size;) {
    size_t n = fuzz_next(&cut, size - at), used = 0;
    o.rc = corio__http_head_feed(&h, (const char *)data + at, n, &used);
    FUZZ_CHECK(used <= n, "used %zu of %zu", used, n);
    FUZZ_CHECK(o.rc != CORIO_OK || h.done || used == n,
               "bytes left unread before the head ended");
    FUZZ_CHECK(o.rc == CORIO_OK || o.rc == CORIO_EPROTO || o.rc == CORIO_ELIMIT,
               "status %s", corio_err_name(o.rc));
    FUZZ_CHECK(h.seen <= h.max, "%zu bytes past the limit %zu", h.seen, h.max);
    o.used += used;
    at += used;
    if (o.rc != CORIO_OK || h.done) break;
  }
  o.done = h.done;
  o.seen = h.seen;
  o.interim = h.interim;
  if (h.done) {
    FUZZ_CHECK(o.rc == CORIO_OK, "done with an error");
    check_done(&h);
    o.status = h.status;
    fuzz_split_t hash = fuzz_split(0, (const uint8_t *)h.buf, h.len);
    o.head_hash = hash.state;
  } else if (o.rc == CORIO_OK) {
    FUZZ_CHECK(o.used == size, "stopped early");
    /* The stream ends: never a status. */
    int end = corio__http_head_end(&h, 0);
    FUZZ_CHECK(end == CORIO_EINCOMPLETE, "EOF gave %s", corio_err_name(end));
    o.rc = end;
  }
  memcpy(o.msg, h.msg, sizeof o.msg);
  corio__http_head_dispose(&h);
  return o;
}

static void same(const outcome_t *a, const outcome_t *b, size_t cut) {
  FUZZ_CHECK(a->rc == b->rc && a->status == b->status && a->done == b->done &&
                 a->used == b->used && a->seen == b->seen &&
                 a->interim == b->interim && a->head_hash == b->head_hash &&
                 strcmp(a->msg, b->msg) == 0,
             "cut %zu: %s %d used %zu \"%s\" vs whole: %s %d used %zu \"%s\"",
             cut, corio_err_name(b->rc), b->status, b->used, b->msg,
             corio_err_name(a->rc), a->status, a->used, a->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t small = 24 + (size ? data[0] : 0); /* a limit the input can reach */
  size_t maxes[] = {0, small};
  for (size_t m = 0; m < 2; m++) {
    outcome_t whole = parse(data, size, maxes[m], SIZE_MAX);
    for (size_t c = 1; c < FUZZ_NCUTS; c++) {
      outcome_t o = parse(data, size, maxes[m], fuzz_cuts[c]);
      same(&whole, &o, fuzz_cuts[c]);
    }
    if (whole.done) { /* one byte short of the head is no status */
      outcome_t shorter = parse(data, whole.used - 1, maxes[m], SIZE_MAX);
      FUZZ_CHECK(!shorter.done && shorter.status == 0 &&
                     shorter.rc == CORIO_EINCOMPLETE,
                 "a status before the whole head: %d", shorter.status);
    }
  }
  return 0;
}
