/*
 * test_checker.c — the website checker (checker/checker.h): status-line
 * parsing; invalid URLs failing without a connection; one URL's result for
 * each kind of answer from a small corio_start_server server of the test's
 * own (200, 404, garbage, an overlong status line, a hang under the
 * timeout) and from the fixtures (refused, a banner); the concurrency
 * limit; sequential and concurrent ordering; progress once per URL; and a
 * cancelled run that still gives every URL its result.
 */
#include <stdlib.h>

#include "checker.h"
#include "test.h"

/* ---- status lines ------------------------------------------------------- */

static int parse(const char *line, int *status, char *reason, size_t cap) {
  return checker_parse_status_line(line, strlen(line), status, reason, cap);
}

static int parse_good_lines(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int status;
  char reason[64];
  CHECK_INT(parse("HTTP/1.1 404 Not Found\r\n", &status, reason, sizeof reason),
            CORIO_OK);
  CHECK_INT(status, 404);
  CHECK_STR(reason, "Not Found");
  CHECK_INT(parse("HTTP/1.0 200 OK\n", &status, reason, sizeof reason),
            CORIO_OK);
  CHECK_INT(status, 200);
  CHECK_STR(reason, "OK");
  CHECK_INT(parse("HTTP/1.1 204", &status, reason, sizeof reason), CORIO_OK);
  CHECK_INT(status, 204);
  CHECK_STR(reason, "");
  CHECK_INT(parse("HTTP/1.1 418 I'm a Teapot\r\n", &status, reason, 6),
            CORIO_OK);
  CHECK_INT(status, 418);
  CHECK_STR(reason, "I'm a"); /* truncated to the buffer */
  CHECK_INT(parse("HTTP/1.1 599 a\tb\r\n", &status, reason, sizeof reason),
            CORIO_OK);
  CHECK_STR(reason, "a?b"); /* no control characters reach the caller */
  return CORIO_OK;
}

TEST(status_line_gives_code_and_reason) {
  test_run(parse_good_lines, NULL, CORIO_OK);
}

static int parse_bad_lines(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  static const char *const bad[] = {
      "SSH-2.0-OpenSSH_9.0\r\n",
      "HTTP/2 200\r\n",
      "HTTP/1.1 20 OK\r\n",
      "HTTP/1.1 2000 OK\r\n",
      "HTTP/1.1 099 x\r\n",
      "http/1.1 200 OK\r\n",
      "HTTP/1.1  200 OK\r\n",
      "\r\n",
      "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int status = -1;
    char reason[16] = "x";
    CHECK_INT(parse(bad[i], &status, reason, sizeof reason), CORIO_EPROTO);
    CHECK_INT(status, 0);
    CHECK_STR(reason, "");
  }
  parse("SSH-2.0-OpenSSH_9.0\r\n", &(int){0}, (char[8]){0}, 8);
  CHECK(strstr(corio_errmsg(), "malformed response") != NULL);
  CHECK(strstr(corio_errmsg(), "SSH-2.0-OpenSSH_9.0") != NULL);
  return CORIO_OK;
}

TEST(status_line_that_is_not_http_is_malformed) {
  test_run(parse_bad_lines, NULL, CORIO_OK);
}

/* ---- a server of the test's own ----------------------------------------- */

/* Answers by path: /200, /404, /garbage (not HTTP), /long and /huge (a
 * status line over the checker's limit, and over the stream's), /hang (never
 * answers), /slow/N (200 after N ms), /busy (503 with Retry-After: 7 among
 * other headers), /busy-date (503, Retry-After as a date), /429 (without). Counts connections and the most handlers
 * sleeping in /slow at once. */
typedef struct server {
  corio_server_t *server;
  int port;
  int connections;
  int sleeping, max_sleeping;
  char url[128];
} server_t;

static int reply(corio_writer_t *w, const char *text) {
  int rc = corio_write(w, text, strlen(text));
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

static int reply_long_status(corio_writer_t *w, size_t n) {
  char *line = malloc(n + 2);
  if (line == NULL) return CORIO_ENOMEM;
  memset(line, 'x', n);
  memcpy(line, "HTTP/1.1 200 ", 13);
  memcpy(line + n, "\r\n", 2);
  int rc = corio_write(w, line, n + 2);
  free(line);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* Reads until the client goes (EOF, an error, or the server's end). */
static int hang(corio_reader_t *r) {
  char buf[256];
  size_t got = 1;
  int rc = CORIO_OK;
  while (rc == CORIO_OK && got > 0) rc = corio_read(r, buf, sizeof buf, &got);
  return CORIO_OK;
}

static int answer(server_t *s, const char *path, corio_reader_t *r,
                  corio_writer_t *w) {
  if (strcmp(path, "/200") == 0)
    return reply(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  if (strcmp(path, "/404") == 0)
    return reply(w, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  if (strcmp(path, "/garbage") == 0)
    return reply(w, "\x16\x03\x01 these bytes are not HTTP\r\n");
  if (strcmp(path, "/long") == 0)
    return reply_long_status(w, CHECKER_STATUS_LINE_MAX + 100);
  if (strcmp(path, "/huge") == 0) /* over the stream's own 64 KiB limit */
    return reply_long_status(w, 100 * 1024);
  if (strcmp(path, "/hang") == 0) return hang(r);
  if (strcmp(path, "/busy") == 0)
    return reply(w, "HTTP/1.1 503 Service Unavailable\r\nX-A: 1\r\n"
                    "retry-after:  7 \r\nContent-Length: 0\r\n\r\n");
  if (strcmp(path, "/busy-date") == 0)
    return reply(w, "HTTP/1.1 503 Service Unavailable\r\n"
                    "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n\r\n");
  if (strcmp(path, "/429") == 0)
    return reply(w, "HTTP/1.1 429 Too Many Requests\r\n\r\n");
  if (strncmp(path, "/slow/", 6) == 0) {
    s->sleeping++;
    if (s->sleeping > s->max_sleeping) s->max_sleeping = s->sleeping;
    int rc = corio_sleep(atoi(path + 6) / 1000.0);
    s->sleeping--;
    return rc == CORIO_OK ? reply(w, "HTTP/1.1 200 OK\r\n\r\n") : rc;
  }
  return reply(w, "HTTP/1.1 400 Bad Request\r\n\r\n");
}

static int serve(corio_reader_t *r, corio_writer_t *w, void *arg) {
  server_t *s = arg;
  s->connections++;
  char *line = NULL;
  size_t n;
  int rc = corio_readline(r, &line, &n); /* "GET /path HTTP/1.1" */
  char path[64] = "";
  if (rc == CORIO_OK && n > 4 && strncmp(line, "GET ", 4) == 0)
    sscanf(line + 4, "%63s", path);
  free(line);
  for (;;) { /* the headers, up to the blank line */
    if (rc != CORIO_OK) return rc;
    rc = corio_readline(r, &line, &n);
    bool blank = rc != CORIO_OK || n <= 2;
    free(line);
    if (blank) break;
  }
  return rc == CORIO_OK ? answer(s, path, r, w) : rc;
}

static int server_start(server_t *s) {
  memset(s, 0, sizeof *s);
  int rc = corio_start_server(&s->server, "127.0.0.1", 0, serve, s);
  CHECK_INT(rc, CORIO_OK);
  if (rc == CORIO_OK) s->port = corio_server_port(s->server);
  return rc;
}

static void server_stop(server_t *s) {
  corio_server_close(s->server);
  CHECK_INT(corio_server_wait_closed(s->server), CORIO_OK);
  corio_server_free(s->server);
}

/* The URL of `path` on s (in s->url: one at a time). */
static const char *at(server_t *s, const char *path) {
  snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d%s", s->port, path);
  return s->url;
}

/* ---- one URL ------------------------------------------------------------ */

static void check_status(const checker_result_t *r, int status,
                         const char *reason) {
  CHECK_INT(r->error, CORIO_OK);
  CHECK_INT(r->status, status);
  CHECK_STR(r->reason, reason);
  CHECK_STR(r->message, "");
}

static void check_error(const checker_result_t *r, int error,
                        const char *message_part) {
  CHECK_INT(r->status, 0);
  CHECK_INT(r->error, error);
  if (strstr(r->message, message_part) == NULL)
    test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", r->message,
              message_part);
}

static int one_url_per_answer(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  checker_result_t r;
  CHECK_INT(checker_check_url(at(&s, "/200"), &r), CORIO_OK);
  check_status(&r, 200, "OK");
  CHECK_INT(checker_check_url(at(&s, "/404"), &r), CORIO_OK);
  check_status(&r, 404, "Not Found");
  CHECK_INT(checker_check_url(at(&s, "/garbage"), &r), CORIO_OK);
  check_error(&r, CORIO_EPROTO, "malformed response");
  CHECK_INT(checker_check_url(at(&s, "/long"), &r), CORIO_OK);
  check_error(&r, CORIO_ELIMIT, "the status line is longer than 8192 bytes");
  CHECK_INT(checker_check_url(at(&s, "/huge"), &r), CORIO_OK);
  check_error(&r, CORIO_ELIMIT, "longer than the limit");
  CHECK_INT(checker_check_url(test_fixture_special("refused"), &r), CORIO_OK);
  check_error(&r, CORIO_ECONNREFUSED, "");
  CHECK_INT(checker_check_url(test_fixture_special("banner"), &r), CORIO_OK);
  check_error(&r, CORIO_EPROTO, "SSH-2.0");
  CHECK_INT(s.connections, 5);
  server_stop(&s);
  return CORIO_OK;
}

TEST(check_url_reports_status_or_a_distinct_error) {
  test_run(one_url_per_answer, NULL, CORIO_OK);
}

static int phases_and_retry_after(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  checker_result_t r;
  CHECK_INT(checker_check_url(at(&s, "/slow/100"), &r), CORIO_OK);
  check_status(&r, 200, "OK");
  CHECK(r.connect >= 0 && r.connect < 0.09);
  CHECK(r.first_byte >= 0.09 && r.first_byte > r.connect);
  CHECK(r.retry_after == -1);
  CHECK_INT(checker_check_url(test_fixture_special("refused"), &r), CORIO_OK);
  CHECK(r.connect == -1 && r.first_byte == -1);
  CHECK_INT(checker_check_url(at(&s, "/busy"), &r), CORIO_OK);
  check_status(&r, 503, "Service Unavailable");
  CHECK(r.retry_after == 7);
  CHECK_INT(checker_check_url(at(&s, "/busy-date"), &r), CORIO_OK);
  check_status(&r, 503, "Service Unavailable");
  CHECK(r.retry_after == -1);
  CHECK_INT(checker_check_url(at(&s, "/429"), &r), CORIO_OK);
  check_status(&r, 429, "Too Many Requests");
  CHECK(r.retry_after == -1);
  server_stop(&s);
  return CORIO_OK;
}

TEST(check_url_times_its_phases_and_reads_a_503s_retry_after) {
  test_run(phases_and_retry_after, NULL, CORIO_OK);
}

/* ---- runs --------------------------------------------------------------- */

static void log_start(size_t index, const char *url, void *data) {
  (void)url;
  (void)data;
  test_log("start%zu", index);
}

static void log_result(const checker_result_t *r, void *data) {
  (void)data;
  test_log("result%zu", r->index);
}

static void log_progress(size_t done, size_t total, void *data) {
  (void)data;
  test_log("%zu/%zu", done, total);
}

/* Runs the checker over `paths` (NULL-terminated) on the test's server;
 * "!" starts a path taken as a whole URL. Returns the results (freed by
 * the caller) and the run's status in *rc. */
static checker_result_t *run_paths(server_t *s, const char *const *paths,
                                   const checker_opts_t *opts, int *rc) {
  static char urls[16][128];
  static const char *list[16];
  size_t n = 0;
  for (; paths[n]; n++) {
    if (paths[n][0] == '!')
      snprintf(urls[n], sizeof urls[n], "%s", paths[n] + 1);
    else
      snprintf(urls[n], sizeof urls[n], "%s", at(s, paths[n]));
    list[n] = urls[n];
  }
  checker_result_t *results = NULL;
  *rc = checker_run(list, n, opts, &results);
  CHECK(results != NULL);
  for (size_t i = 0; results && i < n; i++) {
    CHECK_INT(results[i].index, i);
    CHECK_STR(results[i].url, list[i]);
    CHECK(results[i].ended >= results[i].started);
  }
  return results;
}

static int invalid_urls_connect_nowhere(void *arg, intptr_t *result) {
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  char spaced[128];
  snprintf(spaced, sizeof spaced, "!http://127.0.0.1:%d/a b", s.port);
  const char *paths[] = {"!ftp://example.com/", "!not a url", "!http://",
                         "!http://h:99999/",    spaced,       NULL};
  checker_opts_t opts = {.sequential = arg != NULL,
                         .on_start = log_start,
                         .on_result = log_result};
  int rc;
  test_log_reset();
  checker_result_t *results = run_paths(&s, paths, &opts, &rc);
  CHECK_INT(rc, CORIO_OK);
  for (size_t i = 0; results && i < 5; i++)
    check_error(&results[i], CORIO_EINVAL, "invalid URL");
  if (results) check_error(&results[0], CORIO_EINVAL, "http:// or https://");
  if (opts.sequential)
    CHECK_LOG("start0 result0 start1 result1 start2 result2 start3 result3 "
              "start4 result4");
  else /* every worker fails at its first step, then results come */
    CHECK_LOG("start0 start1 start2 start3 start4 result0 result1 result2 "
              "result3 result4");
  CHECK_INT(s.connections, 0);
  free(results);
  server_stop(&s);
  return CORIO_OK;
}

TEST(invalid_urls_fail_without_a_connection_concurrently) {
  test_run(invalid_urls_connect_nowhere, NULL, CORIO_OK);
}

TEST(invalid_urls_fail_without_a_connection_sequentially) {
  test_run(invalid_urls_connect_nowhere, (void *)1, CORIO_OK);
}

static int hang_times_out(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  const char *paths[] = {"/hang", "/200", "/hang", NULL};
  checker_opts_t opts = {.timeout = 0.2};
  double start = corio_time();
  int rc;
  checker_result_t *results = run_paths(&s, paths, &opts, &rc);
  double took = corio_time() - start;
  CHECK_INT(rc, CORIO_OK);
  if (results) {
    check_error(&results[0], CORIO_ETIMEDOUT, "no answer within 0.2 s");
    check_status(&results[1], 200, "OK");
    check_error(&results[2], CORIO_ETIMEDOUT, "no answer within 0.2 s");
    CHECK(results[0].ended - results[0].started >= 0.19);
  }
  CHECK(took >= 0.19 && took < 5);
  free(results);
  server_stop(&s); /* the hung handlers saw their clients go */
  return CORIO_OK;
}

TEST(a_hung_server_times_out_and_the_others_still_answer) {
  test_run(hang_times_out, NULL, CORIO_OK);
}

static int limit_is_respected(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  const char *paths[] = {"/slow/60", "/slow/60", "/slow/60", "/slow/60",
                         "/slow/60", "/slow/60", NULL};
  checker_opts_t opts = {.concurrency = 2};
  double start = corio_time();
  int rc;
  checker_result_t *results = run_paths(&s, paths, &opts, &rc);
  CHECK_INT(rc, CORIO_OK);
  CHECK_INT(s.max_sleeping, 2);
  CHECK(corio_time() - start >= 0.17); /* three rounds of 60 ms */
  for (size_t i = 0; results && i < 6; i++)
    check_status(&results[i], 200, "OK");
  free(results);
  server_stop(&s);
  return CORIO_OK;
}

TEST(concurrency_limit_is_respected) {
  test_run(limit_is_respected, NULL, CORIO_OK);
}

static int order_of_events(void *arg, intptr_t *result) {
  (void)result;
  bool sequential = arg != NULL;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  const char *paths[] = {"/slow/300", "/slow/10", "/slow/150", NULL};
  checker_opts_t opts = {.sequential = sequential,
                         .on_start = log_start,
                         .on_result = log_result,
                         .on_progress = log_progress};
  test_log_reset();
  int rc;
  checker_result_t *results = run_paths(&s, paths, &opts, &rc);
  CHECK_INT(rc, CORIO_OK);
  if (sequential) { /* one after the other, each after the one before */
    CHECK_LOG("start0 result0 1/3 start1 result1 2/3 start2 result2 3/3");
    CHECK(results && results[1].started >= results[0].ended &&
          results[2].started >= results[1].ended);
  } else { /* all at once; each handed on as it completes */
    CHECK_LOG("start0 start1 start2 1/3 result1 2/3 result2 3/3 result0");
  }
  for (size_t i = 0; results && i < 3; i++)
    check_status(&results[i], 200, "OK");
  free(results);
  server_stop(&s);
  return CORIO_OK;
}

TEST(sequential_run_checks_one_url_after_the_other) {
  test_run(order_of_events, (void *)1, CORIO_OK);
}

TEST(concurrent_run_delivers_results_as_they_complete_in_input_order_array) {
  test_run(order_of_events, NULL, CORIO_OK);
}

/* ---- cancellation ------------------------------------------------------- */

typedef struct cancelled_run {
  server_t *server;
  bool sequential;
  int rc;
  checker_result_t *results;
  int results_seen;
} cancelled_run_t;

static void count_result(const checker_result_t *r, void *data) {
  (void)r;
  ((cancelled_run_t *)data)->results_seen++;
}

static int run_until_cancelled(void *arg, intptr_t *result) {
  (void)result;
  cancelled_run_t *c = arg;
  const char *paths[] = {"/200", "/hang", "/hang", "/hang", "!bad", NULL};
  checker_opts_t opts = {.concurrency = 2,
                         .sequential = c->sequential,
                         .on_result = count_result,
                         .data = c};
  c->results = run_paths(c->server, paths, &opts, &c->rc);
  return c->rc;
}

static int cancel_a_run(void *arg, intptr_t *result) {
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  cancelled_run_t c = {.server = &s, .sequential = arg != NULL};
  corio_task_t *t;
  CHECK_INT(corio_task_create(&t, run_until_cancelled, &c, NULL), CORIO_OK);
  corio_sleep(0.15);
  corio_task_cancel(t, NULL);
  CHECK_INT(corio_await(t, NULL), CORIO_ECANCELLED);
  corio_task_release(t);
  CHECK_INT(c.rc, CORIO_ECANCELLED);
  CHECK_INT(c.results_seen, 5);
  checker_result_t *r = c.results;
  if (r) {
    check_status(&r[0], 200, "OK");
    check_error(&r[1], CORIO_ECANCELLED, "cancelled");
    if (c.sequential) { /* the rest never began */
      check_error(&r[2], CORIO_ECANCELLED, "before its check began");
      check_error(&r[3], CORIO_ECANCELLED, "before its check began");
      check_error(&r[4], CORIO_ECANCELLED, "before its check began");
    } else { /* two hung at once; the third waited for a permit */
      check_error(&r[2], CORIO_ECANCELLED, "cancelled");
      check_error(&r[3], CORIO_ECANCELLED, "before its check began");
      check_error(&r[4], CORIO_EINVAL, "invalid URL");
    }
  }
  free(c.results);
  server_stop(&s);
  return CORIO_OK;
}

TEST(cancelled_concurrent_run_still_gives_every_url_a_result) {
  test_run(cancel_a_run, NULL, CORIO_OK);
}

TEST(cancelled_sequential_run_still_gives_every_url_a_result) {
  test_run(cancel_a_run, (void *)1, CORIO_OK);
}
