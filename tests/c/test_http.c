/*
 * test_http.c — the HTTP client (corio.h section 12) against the fixture
 * server (tests/fixtures/http_fixture.mjs, started by c_suite.test.mjs):
 * URL parsing; status, reason, headers and body for the ordinary answers;
 * chunked and Content-Length framing; and a distinct error for each way a
 * server can fail (refused, reset, garbage, a banner, an overlong head, a
 * short body, a hang under wait_for). A scripted server of the test's own
 * gives what the fixture does not: interim 1xx answers, and chunked
 * trailers that come late (a read cancelled while it waits for them).
 */
#include <stdlib.h>

#include "test.h"

/* ---- URL parsing -------------------------------------------------------- */

typedef struct url_case {
  const char *url;
  int rc;
  const char *host;
  int port;
  bool tls;
  const char *path;
} url_case_t;

TEST(url_parse_splits_urls_and_rejects_bad_ones) {
  static const url_case_t cases[] = {
      {"http://example.com", CORIO_OK, "example.com", 80, false, "/"},
      {"https://Example.COM/a/b?q=1#frag", CORIO_OK, "example.com", 443, true,
       "/a/b?q=1"},
      {"http://127.0.0.1:8080/x", CORIO_OK, "127.0.0.1", 8080, false, "/x"},
      {"http://[::1]:81/", CORIO_OK, "::1", 81, false, "/"},
      {"http://user:pw@host:82?x", CORIO_OK, "host", 82, false, "/?x"},
      {"ftp://example.com/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"example.com", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://host:99999/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://host:0/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://host:/", CORIO_OK, "host", 80, false, "/"}, /* as WHATWG */
      {"http://a@b@host/", CORIO_OK, "host", 80, false, "/"},
      {"http://0x7f.1/", CORIO_OK, "127.0.0.1", 80, false, "/"},
      {"http://0177.0.0.1/", CORIO_OK, "127.0.0.1", 80, false, "/"},
      {"http://2130706433/", CORIO_OK, "127.0.0.1", 80, false, "/"},
      {"http://127.1/", CORIO_OK, "127.0.0.1", 80, false, "/"},
      {"http://[127.0.0.1]/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://[localhost]/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://256.1.1.1/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://1.2.3.4.5/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://a<b/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://ho st/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://[::1/", CORIO_EINVAL, NULL, 0, false, NULL},
      /* As WHATWG: slashes after the scheme, a percent-decoded host, an
       * IPv6 address in its short form, dot segments resolved, the query
       * encoded with the special-query set. */
      {"http:host/x", CORIO_OK, "host", 80, false, "/x"},
      {"HTTPS:///host", CORIO_OK, "host", 443, true, "/"},
      {"http://%6C%6fcalhost/", CORIO_OK, "localhost", 80, false, "/"},
      {"http://a%00b/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://a%25b/", CORIO_EINVAL, NULL, 0, false, NULL},
      {"http://[0:0:0:0:0:0:0:1]/", CORIO_OK, "::1", 80, false, "/"},
      {"http://[::FFFF:127.0.0.1]/", CORIO_OK, "::ffff:7f00:1", 80, false, "/"},
      {"http://[1:0:0:2:0:0:0:3]/", CORIO_OK, "1:0:0:2::3", 80, false, "/"},
      {"http://h/a/./b/../c/%2e%2E/d/.", CORIO_OK, "h", 80, false, "/a/d/"},
      {"http://h/..", CORIO_OK, "h", 80, false, "/"},
      {"http://h/{x}?'\"<>", CORIO_OK, "h", 80, false, "/%7Bx%7D?%27%22%3C%3E"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const url_case_t *c = &cases[i];
    char *host = NULL, *path = NULL;
    int port = 0;
    bool tls = false;
    int rc = corio_url_parse(c->url, &host, &port, &tls, &path);
    CHECK_INT(rc, c->rc);
    if (rc == CORIO_OK && c->rc == CORIO_OK) {
      CHECK_STR(host, c->host);
      CHECK_INT(port, c->port);
      CHECK_INT(tls, c->tls);
      CHECK_STR(path, c->path);
    } else {
      CHECK(host == NULL && path == NULL);
    }
    free(host);
    free(path);
  }
}

/* A backslash in the authority is refused (browsers read it as "/", so
 * that URL means 127.0.0.1; a parser taking "127.0.0.1:45111\" as user
 * info would connect to "evil"), and bytes over 127 in the path are
 * percent-encoded. */
TEST(url_parse_rejects_a_backslash_and_encodes_non_ascii_bytes) {
  char *host = NULL, *path = NULL;
  int port;
  bool tls;
  CHECK_INT(corio_url_parse("http://127.0.0.1:45111\\@evil/", &host, &port,
                            &tls, &path),
            CORIO_EINVAL);
  CHECK(host == NULL && path == NULL);
  CHECK_INT(corio_url_parse("http://h/\xc3\xbc?q=\xc3\xa4", &host, &port, &tls,
                            &path),
            CORIO_OK);
  CHECK_STR(path, "/%C3%BC?q=%C3%A4");
  free(host);
  free(path);
}

/* ---- fetching ------------------------------------------------------------ */

typedef struct fetch_case {
  const char *url;
  const char *method;
  double timeout; /* 0: no wait_for */
  /* outcome */
  int rc; /* of the fetch */
  int status;
  char reason[64];
  char header[256]; /* the header named by `want_header` */
  const char *want_header;
  int body_rc; /* of read_all on the body */
  char *body;
  size_t body_len;
  bool body_at_eof;
  char message[256];
  corio_conn_timings_t timings; /* corio_response_timings */
} fetch_case_t;

static int fetch_body(void *arg, intptr_t *result) {
  (void)result;
  fetch_case_t *c = arg;
  corio_fetch_opts_t opts = {.method = c->method};
  corio_response_t *resp;
  int rc = corio_fetch(c->url, &opts, &resp);
  if (rc != CORIO_OK) {
    snprintf(c->message, sizeof c->message, "%s", corio_errmsg());
    return rc;
  }
  c->status = corio_response_status(resp);
  c->timings = corio_response_timings(resp);
  snprintf(c->reason, sizeof c->reason, "%s", corio_response_reason(resp));
  if (c->want_header) {
    const char *v = corio_response_header(resp, c->want_header);
    snprintf(c->header, sizeof c->header, "%s", v ? v : "(none)");
  }
  c->body_rc =
      corio_read_all(corio_response_body(resp), 0, &c->body, &c->body_len);
  if (c->body_rc != CORIO_OK)
    snprintf(c->message, sizeof c->message, "%s", corio_errmsg());
  c->body_at_eof = corio_reader_at_eof(corio_response_body(resp));
  CHECK(c->body_rc != CORIO_OK || c->body_at_eof);
  corio_response_free(resp);
  return CORIO_OK;
}

static int fetch_main(void *arg, intptr_t *result) {
  fetch_case_t *c = arg;
  if (c->timeout <= 0) return fetch_body(arg, result);
  corio_task_t *t;
  int rc = corio_task_create(&t, fetch_body, c, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait_for(t, c->timeout, NULL);
  corio_task_release(t);
  return rc;
}

/* Fetches url (relative to the fixture base unless absolute). */
static fetch_case_t fetch(const char *url, int expected_rc) {
  fetch_case_t c = {.url = url};
  if (strncmp(url, "http", 4) != 0) c.url = test_fixture_url(url);
  c.url = strdup(c.url);
  int rc = corio_run(fetch_main, &c, NULL);
  c.rc = rc;
  if (rc != expected_rc)
    test_fail(__FILE__, __LINE__, "fetch %s: %s (%s), expected %s", c.url,
              corio_err_name(rc), c.message, corio_err_name(expected_rc));
  return c;
}

static void done(fetch_case_t *c) {
  free(c->body);
  free((char *)c->url);
}

TEST(fetch_200_gives_status_reason_headers_and_body) {
  fetch_case_t c = {0};
  c.want_header = "content-type";
  c.url = strdup(test_fixture_url("200"));
  CHECK_INT(corio_run(fetch_main, &c, NULL), CORIO_OK);
  CHECK_INT(c.status, 200);
  CHECK_STR(c.reason, "OK");
  CHECK_STR(c.header, "text/plain; charset=utf-8");
  CHECK_INT(c.body_rc, CORIO_OK);
  CHECK_STR(c.body, "ok");
  CHECK_INT(c.body_len, 2);
  done(&c);
}

/* curl's time_namelookup <= time_connect <= time_appconnect: each phase of
 * the opening, from the start of the fetch, in order (a numeric host is
 * resolved at once; without TLS the connection is ready once TCP is). */
TEST(fetch_times_each_phase_of_opening_in_order) {
  fetch_case_t c = fetch("200", CORIO_OK);
  corio_conn_timings_t t = c.timings;
  CHECK(t.dns >= 0 && t.dns <= t.connect);
  CHECK(t.connect <= t.tls);
  CHECK(t.tls < 5);
  done(&c);
}

TEST(fetch_reports_404_500_and_301_as_responses) {
  fetch_case_t c = fetch("404", CORIO_OK);
  CHECK_INT(c.status, 404);
  CHECK_STR(c.reason, "Not Found");
  CHECK_STR(c.body, "not found");
  done(&c);
  c = fetch("500", CORIO_OK);
  CHECK_INT(c.status, 500);
  CHECK_STR(c.reason, "Internal Server Error");
  done(&c);
  c = (fetch_case_t){.want_header = "Location"};
  c.url = strdup(test_fixture_url("301"));
  CHECK_INT(corio_run(fetch_main, &c, NULL), CORIO_OK);
  CHECK_INT(c.status, 301); /* not followed */
  CHECK_STR(c.header, "/200");
  done(&c);
}

TEST(fetch_decodes_a_chunked_body) {
  fetch_case_t c = fetch("chunked?n=4&ms=5", CORIO_OK);
  CHECK_INT(c.status, 200);
  CHECK_INT(c.body_rc, CORIO_OK);
  CHECK_STR(c.body, "chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
  done(&c);
}

TEST(fetch_streams_a_large_body_exactly) {
  fetch_case_t c = fetch("big?bytes=1000000", CORIO_OK);
  CHECK_INT(c.body_rc, CORIO_OK);
  CHECK_INT(c.body_len, 1000000);
  size_t bad = 0;
  for (size_t i = 0; c.body && i < c.body_len; i++)
    if ((unsigned char)c.body[i] != i % 256) bad++;
  CHECK_INT(bad, 0);
  done(&c);
}

TEST(fetch_empty_body_and_head_request) {
  fetch_case_t c = fetch("empty", CORIO_OK);
  CHECK_INT(c.status, 200);
  CHECK_INT(c.body_len, 0);
  CHECK_STR(c.body, "");
  done(&c);
  c = (fetch_case_t){.method = "HEAD", .want_header = "Content-Length"};
  c.url = strdup(test_fixture_url("200"));
  CHECK_INT(corio_run(fetch_main, &c, NULL), CORIO_OK);
  CHECK_INT(c.status, 200);
  CHECK_STR(c.header, "2");
  CHECK_INT(c.body_len, 0); /* HEAD: no body whatever Content-Length says */
  done(&c);
}

TEST(fetch_short_body_is_incomplete) {
  fetch_case_t c = fetch("close-early", CORIO_OK);
  CHECK_INT(c.status, 200);
  CHECK_INT(c.body_rc, CORIO_EINCOMPLETE);
  CHECK(strstr(c.message, "16 of 1024") != NULL);
  done(&c);
}

TEST(fetch_reset_in_the_body_is_connreset) {
  fetch_case_t c = fetch("reset-body", CORIO_OK);
  CHECK_INT(c.status, 200);
  CHECK_INT(c.body_rc, CORIO_ECONNRESET);
  CHECK(!c.body_at_eof); /* a failure is no EOF */
  done(&c);
}

TEST(fetch_reset_inside_a_head_line_is_connreset_not_malformed) {
  fetch_case_t c = fetch("reset-mid-line", CORIO_ECONNRESET);
  done(&c);
}

TEST(fetch_reset_before_the_head_is_connreset) {
  fetch_case_t c = fetch("reset", CORIO_ECONNRESET);
  done(&c);
}

TEST(fetch_garbage_and_banner_are_malformed) {
  fetch_case_t c = fetch("garbage", CORIO_EPROTO);
  CHECK(strstr(c.message, "malformed response") != NULL);
  done(&c);
  c = fetch(test_fixture_special("banner"), CORIO_EPROTO);
  CHECK(strstr(c.message, "SSH-2.0") != NULL);
  done(&c);
}

TEST(fetch_overlong_header_is_over_the_limit) {
  fetch_case_t c = fetch("long-header", CORIO_ELIMIT);
  done(&c);
}

TEST(fetch_refused_port_is_connrefused) {
  fetch_case_t c = fetch(test_fixture_special("refused"), CORIO_ECONNREFUSED);
  done(&c);
}

TEST(fetch_of_a_hung_server_times_out_under_wait_for) {
  fetch_case_t c = {.timeout = 0.3};
  c.url = strdup(test_fixture_url("hang"));
  CHECK_INT(corio_run(fetch_main, &c, NULL), CORIO_ETIMEDOUT);
  done(&c);
}

TEST(fetch_rejects_an_invalid_url_without_connecting) {
  fetch_case_t c = fetch("http://", CORIO_EINVAL);
  CHECK(strstr(c.message, "invalid URL") != NULL);
  done(&c);
}

/* ---- a scripted server of the test's own -------------------------------- */

/* A handler writes `parts` with `pause` seconds between them, without
 * reading the request: for answers the fixture server does not give. */
typedef struct script {
  const char *parts[4];
  double pause;
} script_t;

static int play_script(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)r;
  const script_t *s = arg;
  for (int i = 0; i < 4 && s->parts[i]; i++) {
    if (i > 0 && corio_sleep(s->pause) != CORIO_OK) return CORIO_ECANCELLED;
    corio_write(w, s->parts[i], strlen(s->parts[i]));
    int rc = corio_drain(w);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

typedef struct http_case {
  script_t script;
  int fetch_rc, status;
  const char *body;
  int body_rc;
  bool at_eof;
  double cancel_second_read; /* > 0: read once, then read under wait_for */
} http_case_t;

static int read_body_task(void *arg, intptr_t *result) {
  char *out = NULL;
  size_t n = 0;
  int rc = corio_read_all(arg, 0, &out, &n);
  *result = (intptr_t)n;
  free(out);
  return rc;
}

/* Reads the first bytes, then the rest in a task that wait_for cancels:
 * the body must stay readable, to a clean EOF. */
static void check_read_cancelled(corio_reader_t *body, const http_case_t *c) {
  char buf[16] = {0};
  size_t got = 0;
  CHECK_INT(corio_read(body, buf, sizeof buf - 1, &got), CORIO_OK);
  CHECK_STR(buf, c->body);
  corio_task_t *t;
  corio_task_create(&t, read_body_task, body, NULL);
  CHECK_INT(corio_wait_for(t, c->cancel_second_read, NULL), CORIO_ETIMEDOUT);
  corio_task_release(t);
  got = 99;
  CHECK_INT(corio_read(body, buf, sizeof buf, &got), CORIO_OK);
  CHECK_INT(got, 0); /* EOF: the trailers ended cleanly */
}

static int run_http_case(void *arg, intptr_t *result) {
  (void)result;
  http_case_t *c = arg;
  corio_server_t *srv;
  int rc = corio_start_server(&srv, "127.0.0.1", 0, play_script, &c->script);
  if (rc != CORIO_OK) return rc;
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", corio_server_port(srv));
  corio_response_t *resp = NULL;
  rc = corio_fetch(url, NULL, &resp);
  CHECK_INT(rc, c->fetch_rc);
  if (rc == CORIO_OK) {
    CHECK_INT(corio_response_status(resp), c->status);
    corio_reader_t *body = corio_response_body(resp);
    if (c->cancel_second_read > 0) {
      check_read_cancelled(body, c);
    } else {
      char *all = NULL;
      size_t n = 0;
      CHECK_INT(corio_read_all(body, 0, &all, &n), c->body_rc);
      if (c->body_rc == CORIO_OK) CHECK_STR(all, c->body);
      free(all);
    }
    CHECK_INT(corio_reader_at_eof(body), c->at_eof);
    corio_response_free(resp);
  }
  corio_server_close(srv);
  corio_server_wait_closed(srv);
  corio_server_free(srv);
  return CORIO_OK;
}

TEST(fetch_skips_interim_1xx_responses) {
  http_case_t c = {
      .script = {{"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n",
                  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                  "Content-Length: 5\r\n\r\nhello"},
                 0.05},
      .fetch_rc = CORIO_OK,
      .status = 200,
      .body = "hello",
      .body_rc = CORIO_OK,
      .at_eof = true};
  test_run(run_http_case, &c, CORIO_OK);
}

TEST(a_read_cancelled_in_the_chunked_trailers_leaves_the_body_readable) {
  http_case_t c = {
      .script = {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n0\r\n",
                  "\r\n"},
                 0.5},
      .fetch_rc = CORIO_OK,
      .status = 200,
      .body = "hello",
      .cancel_second_read = 0.2,
      .at_eof = true};
  test_run(run_http_case, &c, CORIO_OK);
}

/* readline on a body that fails: the partial line, then the error. */
static int readline_short_body(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_response_t *resp;
  int rc = corio_fetch(test_fixture_url("close-early"), NULL, &resp);
  if (rc != CORIO_OK) return rc;
  char *line = NULL;
  size_t n = 0;
  CHECK_INT(corio_readline(corio_response_body(resp), &line, &n), CORIO_OK);
  CHECK_STR(line, "partial body....");
  CHECK_INT(n, 16);
  free(line);
  CHECK_INT(corio_readline(corio_response_body(resp), &line, &n),
            CORIO_EINCOMPLETE);
  CHECK(line == NULL);
  CHECK(strstr(corio_errmsg(), "16 of 1024") != NULL);
  CHECK_INT(corio_readline(corio_response_body(resp), &line, &n),
            CORIO_EINCOMPLETE); /* the error sticks */
  corio_response_free(resp);
  return CORIO_OK;
}

TEST(readline_gives_the_partial_line_then_the_stream_error) {
  test_run(readline_short_body, NULL, CORIO_OK);
}
