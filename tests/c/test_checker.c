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

/* ---- a server of the test's own ----------------------------------------- */

/* Answers by path: /200, /404, /garbage (not HTTP), /long and /huge (a
 * status line over the checker's limit, and over the stream's), /hang (never
 * answers), /slow/N (200 after N ms), /busy and /busy-date (503 with a
 * Retry-After in seconds, as a date), /429 (without), /interim (two
 * interim 1xx answers, then, 50 ms later, a 404). Counts connections and the
 * most handlers sleeping in /slow at once. */
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
  if (strcmp(path, "/long") == 0) return reply_long_status(w, 8192 + 100);
  if (strcmp(path, "/huge") == 0) /* over the stream's own 64 KiB limit */
    return reply_long_status(w, 100 * 1024);
  if (strcmp(path, "/hang") == 0) return hang(r);
  if (strcmp(path, "/interim") == 0) {
    int rc =
        reply(w, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                 "Link: </a.css>\r\n\r\n");
    if (rc == CORIO_OK) rc = corio_sleep(0.05);
    return rc == CORIO_OK
               ? reply(w, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
               : rc;
  }
  if (strcmp(path, "/busy") == 0) /* Retry-After among other headers */
    return reply(w, "HTTP/1.1 503 Service Unavailable\r\nX-A: 1\r\n"
                    "retry-after:  7 \r\nContent-Length: 0\r\n\r\n");
  if (strcmp(path, "/busy-date") == 0)
    return reply(w, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                    "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n\r\n");
  if (strcmp(path, "/429") == 0)
    return reply(w,
                 "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n");
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
  checker_result_t r = {0};
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/200"), NULL, &r), CORIO_OK);
  check_status(&r, 200, "OK");
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/404"), NULL, &r), CORIO_OK);
  check_status(&r, 404, "Not Found");
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/garbage"), NULL, &r), CORIO_OK);
  check_error(&r, CORIO_EPROTO, "does not begin with \"HTTP/1.\"");
  /* A status line, then the end: no status without the whole head. */
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/long"), NULL, &r), CORIO_OK);
  check_error(&r, CORIO_EINCOMPLETE, "before the response head ended");
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/huge"), NULL, &r), CORIO_OK);
  check_error(&r, CORIO_ELIMIT, "longer than 16384 bytes");
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(test_fixture_special("refused"), NULL, &r),
            CORIO_OK);
  check_error(&r, CORIO_ECONNREFUSED, "");
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(test_fixture_special("banner"), NULL, &r),
            CORIO_OK);
  check_error(&r, CORIO_EPROTO, "does not begin with \"HTTP/1.\"");
  checker_result_clear(&r);
  CHECK_INT(s.connections, 5);
  server_stop(&s);
  return CORIO_OK;
}

TEST(check_url_reports_status_or_a_distinct_error) {
  test_run(one_url_per_answer, NULL, CORIO_OK);
}

static int interim_answers(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  checker_result_t r = {0};
  CHECK_INT(checker_check_url(at(&s, "/interim"), NULL, &r), CORIO_OK);
  check_status(&r, 404, "Not Found");
  checker_result_clear(&r);
  server_stop(&s);
  return CORIO_OK;
}

TEST(the_checker_skips_interim_1xx_answers) {
  test_run(interim_answers, NULL, CORIO_OK);
}

static int first_byte_and_retry_after(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  checker_result_t r = {0};
  CHECK_INT(checker_check_url(at(&s, "/slow/100"), NULL, &r), CORIO_OK);
  check_status(&r, 200, "OK");
  CHECK(r.first_byte >= 0.09 && r.first_byte < 5);
  CHECK(r.retry_after == -1);
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(test_fixture_special("refused"), NULL, &r),
            CORIO_OK);
  CHECK(r.first_byte == -1);
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/busy"), NULL, &r), CORIO_OK);
  check_status(&r, 503, "Service Unavailable");
  CHECK(r.retry_after == 7);
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/busy-date"), NULL, &r), CORIO_OK);
  check_status(&r, 503, "Service Unavailable");
  CHECK(r.retry_after == -1);
  checker_result_clear(&r);
  CHECK_INT(checker_check_url(at(&s, "/429"), NULL, &r), CORIO_OK);
  check_status(&r, 429, "Too Many Requests");
  CHECK(r.retry_after == -1);
  checker_result_clear(&r);
  server_stop(&s);
  return CORIO_OK;
}

TEST(check_url_times_the_answer_and_reads_a_503s_retry_after) {
  test_run(first_byte_and_retry_after, NULL, CORIO_OK);
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
  else /* an invalid URL gets its result at once, without a slot */
    CHECK_LOG("start0 result0 start1 result1 start2 result2 start3 result3 "
              "start4 result4");
  CHECK_INT(s.connections, 0);
  checker_results_free(results, sizeof paths / sizeof *paths - 1);
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
  checker_results_free(results, sizeof paths / sizeof *paths - 1);
  server_stop(&s); /* the hung handlers saw their clients go */
  return CORIO_OK;
}

TEST(a_hung_server_times_out_and_the_others_still_answer) {
  test_run(hang_times_out, NULL, CORIO_OK);
}

/* Six checks of 60 ms under a limit of 2 at once: the run's limit (arg
 * NULL), or a per-origin limit (arg non-NULL), which queues checks before
 * they begin, so each one's timeout starts when its turn comes and waiting
 * for it never times a check out. */
static int limit_is_respected(void *arg, intptr_t *result) {
  (void)result;
  bool per_origin = arg != NULL;
  server_t s;
  if (server_start(&s) != CORIO_OK) return CORIO_OK;
  const char *paths[] = {"/slow/60", "/slow/60", "/slow/60", "/slow/60",
                         "/slow/60", "/slow/60", NULL};
  checker_opts_t opts = {.concurrency = 2};
  if (per_origin)
    opts =
        (checker_opts_t){.concurrency = 10, .per_origin = 2, .timeout = 0.15};
  double start = corio_time();
  int rc;
  checker_result_t *results = run_paths(&s, paths, &opts, &rc);
  CHECK_INT(rc, CORIO_OK);
  CHECK_INT(s.max_sleeping, 2);
  CHECK(corio_time() - start >= 0.17); /* three rounds of 60 ms */
  for (size_t i = 0; results && i < 6; i++) {
    check_status(&results[i], 200, "OK");
    if (per_origin) CHECK(results[i].ended - results[i].started < 0.15);
  }
  checker_results_free(results, sizeof paths / sizeof *paths - 1);
  server_stop(&s);
  return CORIO_OK;
}

TEST(concurrency_limit_is_respected) {
  test_run(limit_is_respected, NULL, CORIO_OK);
}

TEST(per_origin_limit_queues_checks_before_their_timeout_starts) {
  test_run(limit_is_respected, (void *)1, CORIO_OK);
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
    CHECK_LOG("start0 start1 start2 result1 1/3 result2 2/3 result0 3/3");
  }
  for (size_t i = 0; results && i < 3; i++)
    check_status(&results[i], 200, "OK");
  checker_results_free(results, sizeof paths / sizeof *paths - 1);
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
    } else { /* two hung at once; the rest was never pulled */
      check_error(&r[2], CORIO_ECANCELLED, "cancelled");
      check_error(&r[3], CORIO_ECANCELLED, "before its check began");
      check_error(&r[4], CORIO_ECANCELLED, "before its check began");
    }
  }
  checker_results_free(c.results, 5);
  server_stop(&s);
  return CORIO_OK;
}

TEST(cancelled_concurrent_run_still_gives_every_url_a_result) {
  test_run(cancel_a_run, NULL, CORIO_OK);
}

TEST(cancelled_sequential_run_still_gives_every_url_a_result) {
  test_run(cancel_a_run, (void *)1, CORIO_OK);
}
