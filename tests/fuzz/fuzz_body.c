/*
 * fuzz_body.c — libFuzzer harness of a whole response as corio_fetch
 * reads it (runtime/core/http.c): the head, the framing it chooses
 * (corio__http_framing: Content-Length, chunked or to EOF) and the body,
 * sized bodies first among them. Invariants: every cut of the input into
 * reads gives the same status, error and body; a sized body is exactly
 * min(Content-Length, bytes after the head) long, and shorter ends as
 * CORIO_EINCOMPLETE; and Content-Length values are read as a reference
 * reading of 1*DIGIT up to 2^63-1 reads them (the input itself is also
 * tried as one).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/http_parse.h"
#include "corio.h"
#include "fuzz.h"

/* The reference: 1*DIGIT whose value, leading zeros aside, is at most
 * 9223372036854775807. */
static bool reference_length(const char *s, size_t n, uint64_t *out) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  while (n > 1 && *s == '0') s++, n--;
  static const char max[] = "9223372036854775807";
  if (n > sizeof max - 1 || (n == sizeof max - 1 && memcmp(s, max, n) > 0))
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(s[i] - '0');
  *out = v;
  return true;
}

static void check_length(const char *s, size_t n) {
  uint64_t a = 0, b = 0;
  bool ok = corio__http_parse_length(s, n, &a);
  bool want = reference_length(s, n, &b);
  FUZZ_CHECK(ok == want && (!ok || a == b), "\"%.*s\": %d %llu, want %d %llu",
             (int)n, s, ok, (unsigned long long)a, want, (unsigned long long)b);
}

typedef struct outcome {
  int status, rc;
  corio__http_body_t kind;
  uint64_t length;
  size_t head_used; /* bytes of the input the head took */
  size_t body;      /* body bytes delivered */
  uint32_t body_hash;
} outcome_t;

static outcome_t parse(const uint8_t *data, size_t size, size_t fixed) {
  corio__http_head_t h;
  corio__http_head_init(&h, 0);
  corio__http_chunked_t ch;
  corio__http_chunked_init(&ch);
  fuzz_split_t cut = fuzz_split(fixed, data, size);
  outcome_t o;
  memset(&o, 0, sizeof o);
  o.body_hash = 2166136261u;
  bool complete = false;
  uint64_t left = 0;
  char msg[160];
  for (size_t at = 0; at < size && o.rc == CORIO_OK && !complete;) {
    size_t n = fuzz_next(&cut, size - at);
    const uint8_t *p = data + at;
    at += n;
    while (n > 0 && o.rc == CORIO_OK && !complete) {
      size_t used = 0, off = 0, len = 0;
      if (!h.done) {
        o.rc = corio__http_head_feed(&h, (const char *)p, n, &used);
        o.head_used += used;
        if (o.rc == CORIO_OK && h.done) {
          o.status = h.status;
          o.rc = corio__http_framing(&h, false, &o.kind, &o.length, msg,
                                     sizeof msg);
          left = o.length;
          complete = o.kind == CORIO__BODY_NONE ||
                     (o.kind == CORIO__BODY_LENGTH && left == 0);
        }
      } else if (o.kind == CORIO__BODY_CHUNKED) {
        o.rc = corio__http_chunked_feed(&ch, (const char *)p, n, &used, &off,
                                        &len);
        complete = ch.done;
      } else {
        used = len =
            o.kind == CORIO__BODY_LENGTH && left < n ? (size_t)left : n;
        if (o.kind == CORIO__BODY_LENGTH) complete = (left -= used) == 0;
      }
      for (size_t i = 0; i < len; i++)
        o.body_hash = (o.body_hash ^ p[off + i]) * 16777619u;
      o.body += len;
      p += used;
      n -= used;
    }
  }
  if (o.rc == CORIO_OK && !complete) { /* the stream ends cleanly */
    if (!h.done)
      o.rc = corio__http_head_end(&h, 0);
    else if (o.kind == CORIO__BODY_CHUNKED)
      o.rc = corio__http_chunked_end(&ch, 0);
    else if (o.kind == CORIO__BODY_LENGTH)
      o.rc = CORIO_EINCOMPLETE;
  }
  if (h.done) { /* each Content-Length as the reference reads it */
    size_t pos = 0, nlen, vlen;
    const char *name, *value;
    while (corio__http_head_next(&h, &pos, &name, &nlen, &value, &vlen))
      if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0)
        check_length(value, vlen);
  } else {
    FUZZ_CHECK(o.status == 0 && o.rc != CORIO_OK, "a status without a head");
  }
  corio__http_head_dispose(&h);
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_length((const char *)data, size);
  outcome_t whole = parse(data, size, SIZE_MAX);
  if (whole.status && whole.kind == CORIO__BODY_LENGTH &&
      (whole.rc == CORIO_OK || whole.rc == CORIO_EINCOMPLETE)) {
    size_t after = size - whole.head_used;
    uint64_t want = whole.length < after ? whole.length : after;
    FUZZ_CHECK(whole.body == want, "sized body %zu, want %llu", whole.body,
               (unsigned long long)want);
    FUZZ_CHECK((whole.rc == CORIO_EINCOMPLETE) == (after < whole.length),
               "%s with %zu of %llu bytes", corio_err_name(whole.rc), after,
               (unsigned long long)whole.length);
  }
  for (size_t c = 1; c < FUZZ_NCUTS; c++) {
    outcome_t o = parse(data, size, fuzz_cuts[c]);
    FUZZ_CHECK(o.status == whole.status && o.rc == whole.rc &&
                   o.kind == whole.kind && o.length == whole.length &&
                   o.head_used == whole.head_used && o.body == whole.body &&
                   o.body_hash == whole.body_hash,
               "cut %zu: %d %s body %zu vs whole: %d %s body %zu", fuzz_cuts[c],
               o.status, corio_err_name(o.rc), o.body, whole.status,
               corio_err_name(whole.rc), whole.body);
  }
  return 0;
}
