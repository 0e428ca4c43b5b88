/*
 * test_http_parse.c — the one HTTP/1.1 response parser
 * (runtime/core/http_parse.h) on the project's corpus
 * (tests/fixtures/http_responses.h): every response at every split size,
 * ended by EOF and by a reset, gives the same outcome as the whole input,
 * and the outcome the corpus names; the same responses through a real
 * loopback connection and corio_fetch (the other parse path) agree. Also
 * the limits (16 KiB head, 10 interim responses) and the address policy
 * (a function: no connection is ever made to the addresses it judges),
 * and deny_private refusing 25 spellings of loopback before connecting.
 */
#include <stdlib.h>

#include "../fixtures/http_responses.h"
#include "core/http_parse.h"
#include "test.h"

typedef struct response {
  const char *name, *bytes;
  size_t len;
  int status, rc;
  long body;
} response_t;

static const response_t corpus[] = {
#define AS_ROW(name, bytes, status, rc, body)                                  \
  {#name, bytes, sizeof bytes - 1, status, rc, body},
    HTTP_RESPONSES(AS_ROW)
#undef AS_ROW
};
#define NCORPUS (sizeof corpus / sizeof *corpus)

typedef struct outcome {
  int status; /* 0 unless the whole head arrived */
  int rc;
  long body; /* decoded body bytes, -1 on an error */
} outcome_t;

/* The parse path of the push parsers: the bytes fed k at a time, then the
 * end (end_error 0: EOF), the body framed as corio_fetch frames it. */
static outcome_t parse_split(const response_t *c, size_t k, int end_error) {
  corio__http_head_t h;
  corio__http_head_init(&h, 0);
  corio__http_chunked_t ch;
  corio__http_chunked_init(&ch);
  corio__http_body_t kind = CORIO__BODY_NONE;
  uint64_t left = 0;
  outcome_t o = {0, CORIO_OK, 0};
  bool complete = false;
  char msg[160];
  for (size_t at = 0; at < c->len && o.rc == CORIO_OK && !complete;) {
    size_t n = c->len - at < k ? c->len - at : k;
    const char *p = c->bytes + at;
    at += n;
    while (n > 0 && o.rc == CORIO_OK && !complete) {
      size_t used = 0;
      if (!h.done) {
        o.rc = corio__http_head_feed(&h, p, n, &used);
        if (o.rc == CORIO_OK && h.done) {
          o.status = h.status;
          o.rc = corio__http_framing(&h, false, &kind, &left, msg, sizeof msg);
          complete = kind == CORIO__BODY_NONE ||
                     (kind == CORIO__BODY_LENGTH && left == 0);
        }
      } else if (kind == CORIO__BODY_CHUNKED) {
        size_t off, len;
        o.rc = corio__http_chunked_feed(&ch, p, n, &used, &off, &len);
        o.body += (long)len;
        complete = ch.done;
      } else {
        used = kind == CORIO__BODY_LENGTH && left < n ? (size_t)left : n;
        o.body += (long)used;
        if (kind == CORIO__BODY_LENGTH) complete = (left -= used) == 0;
      }
      p += used;
      n -= used;
    }
  }
  if (o.rc == CORIO_OK && !complete) { /* the stream ends */
    if (!h.done)
      o.rc = corio__http_head_end(&h, end_error);
    else if (kind == CORIO__BODY_CHUNKED)
      o.rc = corio__http_chunked_end(&ch, end_error);
    else if (kind == CORIO__BODY_LENGTH)
      o.rc = end_error ? end_error : CORIO_EINCOMPLETE;
    else
      o.rc = end_error;
  }
  if (o.rc != CORIO_OK) o.body = -1;
  if (!h.done) o.status = 0;
  corio__http_head_dispose(&h);
  return o;
}

static bool same(outcome_t a, outcome_t b) {
  return a.status == b.status && a.rc == b.rc && a.body == b.body;
}

TEST(every_split_of_every_response_gives_the_same_outcome_as_the_whole) {
  for (size_t i = 0; i < NCORPUS; i++) {
    const response_t *c = &corpus[i];
    outcome_t eof = parse_split(c, c->len ? c->len : 1, 0);
    outcome_t reset = parse_split(c, c->len ? c->len : 1, CORIO_ECONNRESET);
    if (eof.status != c->status || eof.rc != c->rc || eof.body != c->body)
      test_fail(__FILE__, __LINE__, "%s: status %d rc %s body %ld", c->name,
                eof.status, corio_err_name(eof.rc), eof.body);
    /* A reset takes the place of EOF only where the end mattered. */
    int want = c->rc == CORIO_EINCOMPLETE ? CORIO_ECONNRESET : c->rc;
    if (!(reset.rc == want ||
          (c->rc == CORIO_OK && reset.rc == CORIO_ECONNRESET)))
      test_fail(__FILE__, __LINE__, "%s reset: %s", c->name,
                corio_err_name(reset.rc));
    for (size_t k = 1; k <= c->len; k++) {
      if (!same(parse_split(c, k, 0), eof))
        test_fail(__FILE__, __LINE__, "%s split %zu (EOF) differs", c->name, k);
      if (!same(parse_split(c, k, CORIO_ECONNRESET), reset))
        test_fail(__FILE__, __LINE__, "%s split %zu (reset) differs", c->name,
                  k);
    }
  }
}

TEST(truncated_status_line_then_eof_or_reset_is_never_a_status) {
  const response_t c = {"t", "HTTP/1.1 200 O", 14, 0, 0, 0};
  CHECK_INT(parse_split(&c, 14, 0).rc, CORIO_EINCOMPLETE);
  CHECK_INT(parse_split(&c, 14, 0).status, 0);
  CHECK_INT(parse_split(&c, 3, CORIO_ECONNRESET).rc, CORIO_ECONNRESET);
  CHECK_INT(parse_split(&c, 3, CORIO_ECONNRESET).status, 0);
}

TEST(non_http_bytes_fail_at_the_first_byte) {
  corio__http_head_t h;
  corio__http_head_init(&h, 0);
  size_t used;
  CHECK_INT(corio__http_head_feed(&h, "\x16", 1, &used), CORIO_EPROTO);
  corio__http_head_dispose(&h);
  corio__http_head_init(&h, 0);
  CHECK_INT(corio__http_head_feed(&h, "HTTP/2", 6, &used), CORIO_EPROTO);
  CHECK_INT(used, 6);
  corio__http_head_dispose(&h);
}

TEST(head_over_16_kib_is_elimit_and_eleven_interim_responses_eproto) {
  corio__http_head_t h;
  corio__http_head_init(&h, 0);
  size_t used;
  static char big[20000];
  memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
  memset(big + 20, 'a', sizeof big - 20);
  CHECK_INT(corio__http_head_feed(&h, big, sizeof big, &used), CORIO_ELIMIT);
  CHECK_INT(used, CORIO__HTTP_HEAD_MAX);
  corio__http_head_dispose(&h);
  corio__http_head_init(&h, 0);
  const char *interim = "HTTP/1.1 100 Continue\r\n\r\n";
  int rc = CORIO_OK;
  for (int i = 0; i < 11 && rc == CORIO_OK; i++)
    rc = corio__http_head_feed(&h, interim, strlen(interim), &used);
  CHECK_INT(rc, CORIO_EPROTO);
  CHECK_INT(h.interim, 11);
  corio__http_head_dispose(&h);
}

/* Found by tests/fuzz/fuzz_head.c: a bad line's message quoted it with
 * %.40s, reading on past the bytes that arrived (the buffer is not
 * NUL-terminated) and, with the line at the end of the buffer's 256
 * bytes, past the allocation (ASan: heap-buffer-overflow). */
TEST(bad_line_at_the_end_of_the_head_buffer_is_quoted_within_it) {
  static char head[257];
  memcpy(head, "HTTP/1.1 200 OK\r\nA: ", 20);
  memset(head + 20, 'a', 229);
  memcpy(head + 249, "\r\nbad\r\n", 7);
  corio__http_head_t h;
  corio__http_head_init(&h, 0);
  size_t used;
  CHECK_INT(corio__http_head_feed(&h, head, 256, &used), CORIO_EPROTO);
  CHECK_INT(h.len, 256);
  CHECK_STR(h.msg, "malformed response: bad header line (\"bad\")");
  corio__http_head_dispose(&h);
}

/* ---- the other path: a connection and corio_fetch -------------------------
 */

typedef struct play {
  const response_t *c;
  size_t k;
} play_t;

static int play(corio_reader_t *r, corio_writer_t *w, void *arg) {
  play_t *p = arg;
  char *line = NULL;
  size_t n;
  do { /* the request's head */
    free(line);
    line = NULL;
    if (corio_readline(r, &line, &n) != CORIO_OK) break;
  } while (n > 2);
  free(line);
  for (size_t at = 0; at < p->c->len; at += p->k) {
    size_t k = p->c->len - at < p->k ? p->c->len - at : p->k;
    if (corio_write(w, p->c->bytes + at, k) != CORIO_OK ||
        corio_drain(w) != CORIO_OK)
      break;
    corio_sleep(0.001);
  }
  return CORIO_OK; /* then the runtime closes: EOF */
}

static outcome_t fetch_path(const response_t *c, size_t k) {
  outcome_t o = {0, CORIO_OK, 0};
  play_t p = {c, k};
  corio_server_t *srv;
  if (corio_start_server(&srv, "127.0.0.1", 0, play, &p) != CORIO_OK) {
    o.rc = CORIO_EFAILED;
    return o;
  }
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", corio_server_port(srv));
  corio_response_t *resp;
  o.rc = corio_fetch(url, NULL, &resp);
  if (o.rc == CORIO_OK) {
    o.status = corio_response_status(resp);
    char *body;
    size_t len;
    o.rc = corio_read_all(corio_response_body(resp), 0, &body, &len);
    o.body = o.rc == CORIO_OK ? (long)len : -1;
    if (o.rc == CORIO_OK) free(body);
    corio_response_free(resp);
  }
  if (o.rc != CORIO_OK) o.body = -1;
  if (o.rc != CORIO_OK && o.status == 0) o.status = 0;
  corio_server_close(srv);
  corio_server_wait_closed(srv);
  corio_server_free(srv);
  return o;
}

static int both_paths(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  for (size_t i = 0; i < NCORPUS; i++) {
    const response_t *c = &corpus[i];
    if (c->len == 0) continue;
    size_t splits[] = {1, 7, c->len};
    for (size_t s = 0; s < 3; s++) {
      outcome_t o = fetch_path(c, splits[s]);
      /* corio_fetch fails a bad framing before it returns a response */
      int status = c->rc != CORIO_OK && c->body < 0 ? 0 : c->status;
      if (c->rc == CORIO_EINCOMPLETE && c->status) status = c->status;
      if (o.rc != c->rc || o.body != c->body ||
          (o.status != status && o.status != c->status))
        test_fail(__FILE__, __LINE__, "%s split %zu via fetch: %d %s %ld",
                  c->name, splits[s], o.status, corio_err_name(o.rc), o.body);
    }
  }
  return CORIO_OK;
}

TEST(fetch_over_a_connection_agrees_with_the_parser_on_the_corpus) {
  test_run(both_paths, NULL, CORIO_OK);
}

/* ---- the address policy ----------------------------------------------------
 */

TEST(address_policy_refuses_private_ranges_without_connecting) {
  static const char *const denied[] = {"127.0.0.1",
                                       "127.255.255.254",
                                       "0.0.0.0",
                                       "10.1.2.3",
                                       "172.16.0.1",
                                       "172.31.255.255",
                                       "192.168.1.1",
                                       "169.254.169.254",
                                       "169.254.0.1",
                                       "100.64.0.1",
                                       "100.127.255.255",
                                       "224.0.0.1",
                                       "239.255.255.250",
                                       "255.255.255.255",
                                       "240.0.0.1",
                                       "192.0.2.1",
                                       "198.18.0.1",
                                       "::1",
                                       "::",
                                       "fc00::1",
                                       "fd12:3456::1",
                                       "fe80::1",
                                       "ff02::1",
                                       "::ffff:127.0.0.1",
                                       "::ffff:10.0.0.1",
                                       "::ffff:169.254.169.254",
                                       "::127.0.0.1",
                                       "64:ff9b::a00:1",
                                       "2002:7f00:1::",
                                       "2001:db8::1",
                                       "not-an-address"};
  for (size_t i = 0; i < sizeof denied / sizeof *denied; i++)
    if (corio_address_denied(denied[i]) == NULL)
      test_fail(__FILE__, __LINE__, "%s allowed", denied[i]);
  static const char *const allowed[] = {
      "93.184.216.34",  "8.8.8.8",          "172.32.0.1",
      "100.128.0.1",    "169.253.1.1",      "2606:4700::1111",
      "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"};
  for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
    if (corio_address_denied(allowed[i]) != NULL)
      test_fail(__FILE__, __LINE__, "%s denied: %s", allowed[i],
                corio_address_denied(allowed[i]));
  CHECK_STR(corio_address_denied("169.254.169.254"),
            "link-local (cloud metadata among them)");
  CHECK_STR(corio_address_denied("100.64.0.1"),
            "shared address space (CGNAT, RFC 6598)");
  CHECK_STR(corio_address_denied("fd00::1"), "unique local (ULA)");
}

/* Natively and in wasm (where the Node carrier resolves names and asks
 * the same policy). The spellings are those of
 * tests/fixtures/loopback_spellings.mjs, which the JS API's and the CLI's
 * tests use. */
static int count_connection(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)r;
  (void)w;
  ++*(int *)arg;
  return CORIO_OK;
}

static int loopback_spellings(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int connections = 0;
  corio_server_t *srv;
  CHECK_INT(
      corio_start_server(&srv, "127.0.0.1", 0, count_connection, &connections),
      CORIO_OK);
  int port = corio_server_port(srv);
  static const char *const hosts[] = {"127.0.0.1",
                                      "127.1",
                                      "127.0.1",
                                      "0177.0.0.1",
                                      "0177.1",
                                      "0x7f.0.0.1",
                                      "0x7f.1",
                                      "0x7F000001",
                                      "2130706433",
                                      "017700000001",
                                      "127.0.0.1.",
                                      "127.000.000.001",
                                      "0x7f.0x0.0x0.0x1",
                                      "127.1.2.3",
                                      "localhost",
                                      "LOCALHOST",
                                      "2130706433.",
                                      "[::1]",
                                      "[::ffff:127.0.0.1]",
                                      "[::ffff:7f00:1]",
                                      "[0:0:0:0:0:0:0:1]",
                                      "[::127.0.0.1]",
                                      "[0:0:0:0:0:ffff:127.0.0.1]",
                                      "[::]",
                                      "0.0.0.0"};
  CHECK_INT(sizeof hosts / sizeof *hosts, 25);
  for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
    char url[96];
    snprintf(url, sizeof url, "http://%s:%d/", hosts[i], port);
    corio_fetch_opts_t opts = {.deny_private = true};
    corio_response_t *resp = NULL;
    int rc = corio_fetch(url, &opts, &resp);
    if (rc != CORIO_EDENIED)
      test_fail(__FILE__, __LINE__, "%s: %s (%s)", url, corio_err_name(rc),
                corio_errmsg());
    else if (strstr(corio_errmsg(), "refused to connect") == NULL)
      test_fail(__FILE__, __LINE__, "%s: message %s", url, corio_errmsg());
    corio_response_free(resp);
  }
  corio_sleep(0.05);
  CHECK_INT(connections, 0);
  corio_server_close(srv);
  corio_server_wait_closed(srv);
  corio_server_free(srv);
  return CORIO_OK;
}

TEST(deny_private_refuses_25_spellings_of_loopback_before_connecting) {
  test_run(loopback_spellings, NULL, CORIO_OK);
}
