/*
 * test_stream_review.c — the stream and HTTP bugs a review found, each
 * pinned: a reader paused by flow control while readuntil waits (it must
 * resume), a handler task cancelled (before it
 * began: its connection must still be closed, the server still close),
 * interim 1xx responses, a read cancelled while the chunked trailers are
 * awaited, and URLs with a backslash or non-ASCII
 * bytes. Servers are corio_start_server on 127.0.0.1 port 0 scripted per
 * test, so the same file runs natively and as wasm under Node.
 */
#include <stdlib.h>

#include "test.h"

/* A scripted server: its handler writes `parts` with `pause` seconds
 * between them, without reading the request. */
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

static int url_of(char *url, size_t cap, const corio_server_t *s) {
  return snprintf(url, cap, "http://127.0.0.1:%d/", corio_server_port(s));
}

/* ---- flow control ------------------------------------------------------- */

static char long_line[251];

static int readuntil_while_paused(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  memset(long_line, 'a', 249);
  long_line[249] = '\r';
  script_t s = {{long_line, "\n"}, 0.3};
  corio_server_t *srv;
  int rc = corio_start_server(&srv, "127.0.0.1", 0, play_script, &s);
  if (rc != CORIO_OK) return rc;
  corio_reader_t *r;
  corio_writer_t *w;
  corio_conn_opts_t opts = {.limit = 100};
  rc = corio_open_connection("127.0.0.1", corio_server_port(srv), &opts, &r, &w);
  if (rc == CORIO_OK) {
    char buf[149];
    CHECK_INT(corio_readexactly(r, buf, sizeof buf, NULL), CORIO_OK);
    /* 101 bytes stay buffered: reading is paused (over 2 x 100 before). */
    char *line = NULL;
    size_t n = 0;
    corio_timeout_t to = CORIO_TIMEOUT_INIT;
    corio_timeout_enter(&to, 5.0);
    int got = corio_timeout_exit(&to, corio_readuntil(r, "\r\n", 2, &line, &n));
    CHECK_INT(got, CORIO_OK);
    CHECK_INT(n, 102);
    free(line);
    corio_reader_free(r);
    corio_writer_free(w);
  }
  corio_server_close(srv);
  corio_server_wait_closed(srv);
  corio_server_free(srv);
  return rc;
}

TEST(readuntil_resumes_a_reader_paused_by_flow_control) {
  test_run(readuntil_while_paused, NULL, CORIO_OK);
}

/* ---- a handler that never began ----------------------------------------- */

static int read_a_line(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)w;
  (void)arg;
  test_log("handler-ran");
  char *line = NULL;
  size_t n;
  int rc = corio_readline(r, &line, &n);
  free(line);
  return rc;
}

static int hold_connection(void *arg, intptr_t *result) {
  (void)result;
  corio_server_t *srv = arg;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = corio_open_connection("127.0.0.1", corio_server_port(srv), NULL, &r, &w);
  if (rc != CORIO_OK) return rc;
  char buf[1];
  size_t got;
  rc = corio_read(r, buf, 1, &got); /* EOF once the server closes it */
  test_log("client:%s:%zu", corio_err_name(rc), got);
  corio_reader_free(r);
  corio_writer_free(w);
  return rc;
}

static int cancel_handler_before_it_starts(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *srv;
  int rc = corio_start_server(&srv, "127.0.0.1", 0, read_a_line, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_t *client;
  corio_task_create(&client, hold_connection, srv, NULL);
  corio_task_t *all[4];
  /* Short sleeps (the poll loop looks at sockets at most once a ms when
   * tasks are ready) until the accept made the handler's task; main runs
   * before it, since it was queued first. */
  for (int i = 0; i < 5000 && corio_all_tasks(all, 4) < 3; i++)
    corio_sleep(0.001);
  CHECK_INT(corio_all_tasks(all, 4), 3);
  if (corio_all_tasks(all, 4) == 3)
    corio_task_cancel(all[2], NULL); /* the handler, not begun yet */
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  corio_timeout_enter(&to, 5.0);
  rc = corio_timeout_exit(&to, corio_server_wait_closed(srv));
  CHECK_INT(rc, CORIO_OK);
  corio_timeout_t to2 = CORIO_TIMEOUT_INIT; /* a scope is entered once */
  corio_timeout_enter(&to2, 5.0);
  CHECK_INT(corio_timeout_exit(&to2, corio_await(client, NULL)), CORIO_OK);
  corio_task_release(client);
  corio_server_free(srv);
  return CORIO_OK;
}

/* Whether the handler had begun when it was cancelled depends on when the
 * poll saw the accept; either way its connection must be closed (the
 * client reads EOF) and the server must finish closing. The case where it
 * had not begun is what failed before. */
TEST(a_cancelled_handler_still_closes_its_connection) {
  test_run(cancel_handler_before_it_starts, NULL, CORIO_OK);
  const char *log = test_log_text();
  CHECK(strcmp(log, "client:CORIO_OK:0") == 0 ||
        strcmp(log, "handler-ran client:CORIO_OK:0") == 0);
}

/* ---- HTTP ---------------------------------------------------------------- */

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

static int run_http_case(void *arg, intptr_t *result) {
  (void)result;
  http_case_t *c = arg;
  corio_server_t *srv;
  int rc = corio_start_server(&srv, "127.0.0.1", 0, play_script, &c->script);
  if (rc != CORIO_OK) return rc;
  char url[64];
  url_of(url, sizeof url, srv);
  corio_response_t *resp = NULL;
  rc = corio_fetch(url, NULL, &resp);
  CHECK_INT(rc, c->fetch_rc);
  if (rc == CORIO_OK) {
    CHECK_INT(corio_response_status(resp), c->status);
    corio_reader_t *body = corio_response_body(resp);
    if (c->cancel_second_read > 0) {
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
                  "Content-Length: 5\r\n\r\nhello"}, 0.05},
      .fetch_rc = CORIO_OK, .status = 200, .body = "hello",
      .body_rc = CORIO_OK, .at_eof = true};
  test_run(run_http_case, &c, CORIO_OK);
}

TEST(a_read_cancelled_in_the_chunked_trailers_leaves_the_body_readable) {
  http_case_t c = {
      .script = {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n0\r\n", "\r\n"}, 0.5},
      .fetch_rc = CORIO_OK, .status = 200, .body = "hello",
      .cancel_second_read = 0.2, .at_eof = true};
  test_run(run_http_case, &c, CORIO_OK);
}

TEST(url_parse_rejects_a_backslash_and_encodes_non_ascii_bytes) {
  char *host = NULL, *path = NULL;
  int port;
  bool tls;
  CHECK_INT(corio_url_parse("http://127.0.0.1:45111\\@evil/", &host, &port,
                            &tls, &path), CORIO_EINVAL);
  CHECK(host == NULL && path == NULL);
  CHECK_INT(corio_url_parse("http://h/\xc3\xbc?q=\xc3\xa4", &host, &port, &tls,
                            &path), CORIO_OK);
  CHECK_STR(path, "/%C3%BC?q=%C3%A4");
  free(host);
  free(path);
}

/* ---- the checker --------------------------------------------------------- */

#include "checker.h"

static int check_interim(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  script_t s = {{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                 "Link: </a.css>\r\n\r\n", "HTTP/1.1 404 Not Found\r\n"
                 "Content-Length: 0\r\n\r\n"}, 0.05};
  corio_server_t *srv;
  int rc = corio_start_server(&srv, "127.0.0.1", 0, play_script, &s);
  if (rc != CORIO_OK) return rc;
  char url[64];
  url_of(url, sizeof url, srv);
  checker_result_t r = {0};
  CHECK_INT(checker_check_url(url, &r), CORIO_OK);
  CHECK_INT(r.error, CORIO_OK);
  CHECK_INT(r.status, 404);
  CHECK_STR(r.reason, "Not Found");
  corio_server_close(srv);
  corio_server_wait_closed(srv);
  corio_server_free(srv);
  return CORIO_OK;
}

TEST(the_checker_skips_interim_1xx_answers) {
  test_run(check_interim, NULL, CORIO_OK);
}
