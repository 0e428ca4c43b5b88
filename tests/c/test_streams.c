/*
 * test_streams.c — streams (corio.h section 11) over loopback, on every
 * backend that has a TCP transport (native sockets; Node's net module under
 * wasm): a server from corio_start_server on 127.0.0.1 port 0 and clients
 * from corio_open_connection. Bytes both ways; readline, readuntil,
 * readexactly, read_all with their EOF and limit errors; half-close;
 * backpressure from a peer that does not read; refused ports, unknown
 * names and a peer gone away; a read cancelled by wait_for leaving the
 * connection usable; closing a server; the peers' addresses (IPv4, IPv6);
 * many clients at once; I/O beside a task that never waits; transports
 * left open when a run ends.
 */
#include <stdlib.h>

#include "test.h"

#define HOST "127.0.0.1"

/* ---- helpers ------------------------------------------------------------ */

/* Bytes a handler sends before it returns (and the runtime closes). */
typedef struct payload {
  const char *data;
  size_t len;
} payload_t;

/* Listens on 127.0.0.1, a port the system picks. */
static int serve(corio_server_t **s, corio_conn_handler handler, void *arg) {
  int rc = corio_start_server(s, HOST, 0, handler, arg);
  CHECK_INT(rc, CORIO_OK);
  if (rc == CORIO_OK) CHECK(corio_server_port(*s) > 0);
  return rc;
}

static int connect_to(const corio_server_t *s, const corio_conn_opts_t *opts,
                      corio_reader_t **r, corio_writer_t **w) {
  int rc = corio_open_connection(HOST, corio_server_port(s), opts, r, w);
  if (rc != CORIO_OK)
    test_fail(__FILE__, __LINE__, "open_connection: %s (%s)",
              corio_err_name(rc), corio_errmsg());
  return rc;
}

static void close_client(corio_reader_t *r, corio_writer_t *w) {
  corio_writer_close(w);
  CHECK_INT(corio_writer_wait_closed(w), CORIO_OK);
  corio_reader_free(r);
  corio_writer_free(w);
}

static void stop_server(corio_server_t *s) {
  corio_server_close(s);
  CHECK_INT(corio_server_wait_closed(s), CORIO_OK);
  corio_server_free(s);
}

/* Writes data and waits until it is taken. */
static int send_all(corio_writer_t *w, const void *data, size_t n) {
  int rc = corio_write(w, data, n);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* Handler: echoes every line until EOF. */
static int echo_lines(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  for (;;) {
    char *line;
    size_t len;
    int rc = corio_readline(r, &line, &len);
    if (rc != CORIO_OK) return rc;
    if (len == 0) {
      free(line);
      return CORIO_OK;
    }
    rc = send_all(w, line, len);
    free(line);
    if (rc != CORIO_OK) return rc;
  }
}

/* Handler: echoes bytes as they come until EOF. (Buffers live on the heap:
 * a wasm task's stack is 16 KiB.) */
static int echo_bytes(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  const size_t size = 64 * 1024;
  char *buf = malloc(size);
  int rc = buf ? CORIO_OK : CORIO_ENOMEM;
  while (rc == CORIO_OK) {
    size_t got;
    rc = corio_read(r, buf, size, &got);
    if (rc != CORIO_OK || got == 0) break;
    rc = send_all(w, buf, got);
  }
  free(buf);
  return rc;
}

/* Handler: sends its payload (arg), then returns: the runtime closes. */
static int send_payload(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)r;
  const payload_t *p = arg;
  return send_all(w, p->data, p->len);
}

/* A client of a send_payload server: connects and hands the reader to fn. */
typedef int (*reader_check_fn)(corio_reader_t *r);

typedef struct payload_case {
  payload_t payload;
  size_t limit; /* the client's reader limit (0: default) */
  reader_check_fn check;
} payload_case_t;

static int payload_main(void *arg, intptr_t *result) {
  (void)result;
  payload_case_t *pc = arg;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = serve(&s, send_payload, &pc->payload);
  if (rc != CORIO_OK) return rc;
  corio_conn_opts_t opts = {.limit = pc->limit};
  if ((rc = connect_to(s, &opts, &r, &w)) == CORIO_OK) {
    rc = pc->check(r);
    close_client(r, w);
  }
  stop_server(s);
  return rc;
}

static void run_payload_case(const char *data, size_t limit,
                             reader_check_fn check) {
  payload_case_t pc = {{data, strlen(data)}, limit, check};
  test_run(payload_main, &pc, CORIO_OK);
}

/* ---- both directions and the peers -------------------------------------- */

typedef struct peer_seen {
  char server_side[80]; /* the client as the server's writer sees it */
} peer_seen_t;

static int echo_and_note_peer(corio_reader_t *r, corio_writer_t *w, void *arg) {
  peer_seen_t *seen = arg;
  snprintf(seen->server_side, sizeof seen->server_side, "%s",
           corio_writer_peer(w));
  return echo_lines(r, w, NULL);
}

static int echo_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  peer_seen_t seen = {""};
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = serve(&s, echo_and_note_peer, &seen);
  if (rc != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  const char *lines[] = {"hello\n", "second line\n", "\n"};
  for (size_t i = 0; i < 3; i++) {
    CHECK_INT(send_all(w, lines[i], strlen(lines[i])), CORIO_OK);
    char *back = NULL;
    size_t len = 0;
    CHECK_INT(corio_readline(r, &back, &len), CORIO_OK);
    CHECK_STR(back, lines[i]);
    CHECK_INT(len, strlen(lines[i]));
    free(back);
  }
  char expected[32];
  snprintf(expected, sizeof expected, HOST ":%d", corio_server_port(s));
  CHECK_STR(corio_writer_peer(w), expected);
  CHECK(strncmp(seen.server_side, HOST ":", strlen(HOST ":")) == 0);
  CHECK(atoi(seen.server_side + strlen(HOST ":")) > 0);
  close_client(r, w);
  stop_server(s);
  return CORIO_OK;
}

TEST(echo_server_returns_each_line_and_both_peers_are_known) {
  test_run(echo_main, NULL, CORIO_OK);
}

/* 1 MiB each way: written at once (no drain: the client reads back while
 * the server's drain waits for it), read back exactly. */
#define BIG ((size_t)1 << 20)

static int big_echo_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = serve(&s, echo_bytes, NULL);
  if (rc != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  char *out = malloc(BIG), *in = malloc(BIG);
  for (size_t i = 0; i < BIG; i++) out[i] = (char)(i * 7 + i / 251);
  CHECK_INT(corio_write(w, out, BIG), CORIO_OK);
  CHECK_INT(corio_write_eof(w), CORIO_OK);
  size_t got = 0;
  CHECK_INT(corio_readexactly(r, in, BIG, &got), CORIO_OK);
  CHECK_INT(got, BIG);
  CHECK(memcmp(in, out, BIG) == 0);
  CHECK_INT(corio_read(r, in, 1, &got), CORIO_OK); /* then EOF */
  CHECK_INT(got, 0);
  CHECK(corio_reader_at_eof(r));
  free(out);
  free(in);
  close_client(r, w);
  stop_server(s);
  return CORIO_OK;
}

TEST(a_megabyte_echoed_comes_back_exactly_then_eof) {
  test_run(big_echo_main, NULL, CORIO_OK);
}

/* ---- reading: lines, separators, exact sizes, everything --------------- */

static int check_readline_at_eof(corio_reader_t *r) {
  const char *want[] = {"a\n", "bc", ""};
  for (size_t i = 0; i < 3; i++) {
    char *line = NULL;
    size_t len = 99;
    CHECK_INT(corio_readline(r, &line, &len), CORIO_OK);
    CHECK_STR(line, want[i]);
    CHECK_INT(len, strlen(want[i]));
    free(line);
  }
  CHECK(corio_reader_at_eof(r));
  return CORIO_OK;
}

TEST(readline_gives_the_partial_last_line_then_empty_at_eof) {
  run_payload_case("a\nbc", 0, check_readline_at_eof);
}

static int check_readuntil(corio_reader_t *r) {
  char *part = NULL;
  size_t len = 0;
  CHECK_INT(corio_readuntil(r, "--", 2, &part, &len), CORIO_OK);
  CHECK_STR(part, "x--");
  CHECK_INT(len, 3);
  free(part);
  part = NULL;
  CHECK_INT(corio_readuntil(r, "--", 2, &part, &len), CORIO_EINCOMPLETE);
  CHECK_STR(part, "y-"); /* the partial bytes, consumed */
  CHECK_INT(len, 2);
  free(part);
  CHECK(corio_reader_at_eof(r));
  return CORIO_OK;
}

TEST(readuntil_stops_after_the_separator_and_gives_the_partial_at_eof) {
  run_payload_case("x--y-", 0, check_readuntil);
}

static int check_readexactly(corio_reader_t *r) {
  char buf[16];
  size_t got = 0;
  CHECK_INT(corio_readexactly(r, buf, 4, &got), CORIO_OK);
  CHECK_INT(got, 4);
  CHECK(memcmp(buf, "0123", 4) == 0);
  CHECK_INT(corio_readexactly(r, buf, 10, &got), CORIO_EINCOMPLETE);
  CHECK_INT(got, 6); /* asyncio's IncompleteReadError.partial */
  CHECK(memcmp(buf, "456789", 6) == 0);
  return CORIO_OK;
}

TEST(readexactly_reads_n_bytes_and_reports_the_partial_at_eof) {
  run_payload_case("0123456789", 0, check_readexactly);
}

static int check_read_all(corio_reader_t *r) {
  char *all = NULL;
  size_t len = 0;
  CHECK_INT(corio_read_all(r, 0, &all, &len), CORIO_OK);
  CHECK_STR(all, "everything\nuntil the end");
  CHECK_INT(len, strlen("everything\nuntil the end"));
  free(all);
  return CORIO_OK;
}

TEST(read_all_reads_until_eof) {
  run_payload_case("everything\nuntil the end", 0, check_read_all);
}

static int check_read_all_max(corio_reader_t *r) {
  char *all = (char *)"unchanged";
  size_t len = 0;
  CHECK_INT(corio_read_all(r, 8, &all, &len), CORIO_ELIMIT);
  CHECK(all == NULL);
  return CORIO_OK;
}

TEST(read_all_over_its_maximum_is_elimit) {
  run_payload_case("more than eight bytes", 0, check_read_all_max);
}

/* 40 bytes before the newline, under a 16-byte limit. */
#define LONG_LINE "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"

static int check_readuntil_limit(corio_reader_t *r) {
  char *part = (char *)"unchanged";
  size_t len = 0;
  CHECK_INT(corio_readuntil(r, "\n", 1, &part, &len), CORIO_ELIMIT);
  CHECK(part == NULL);
  /* Nothing was consumed: every byte can still be read. */
  char buf[sizeof LONG_LINE + 3];
  size_t got = 0;
  CHECK_INT(corio_readexactly(r, buf, sizeof LONG_LINE + 2, &got), CORIO_OK);
  CHECK(memcmp(buf, LONG_LINE "ok\n", sizeof LONG_LINE + 2) == 0);
  return CORIO_OK;
}

TEST(readuntil_over_the_limit_is_elimit_and_consumes_nothing) {
  run_payload_case(LONG_LINE "ok\n", 16, check_readuntil_limit);
}

static int check_readline_limit(corio_reader_t *r) {
  char *line = (char *)"unchanged";
  size_t len = 0;
  CHECK_INT(corio_readline(r, &line, &len), CORIO_ELIMIT);
  CHECK(line == NULL);
  /* The long line is dropped (in one piece or, if it had not all arrived,
   * in several); the next full line follows it. */
  int rc = CORIO_ELIMIT;
  for (int i = 0; i < 8; i++) {
    line = NULL;
    rc = corio_readline(r, &line, &len);
    if (rc == CORIO_OK && strcmp(line, "ok\n") == 0) {
      free(line);
      return CORIO_OK;
    }
    free(line);
    if (rc == CORIO_OK && len == 0) break; /* EOF */
  }
  test_fail(__FILE__, __LINE__, "the line after the long one never came");
  return CORIO_OK;
}

TEST(readline_over_the_limit_is_elimit_and_the_next_line_follows) {
  run_payload_case(LONG_LINE "ok\n", 16, check_readline_limit);
}

/* ---- half-close --------------------------------------------------------- */

/* Handler: reads everything to EOF, then answers with the count. */
static int count_then_answer(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  char *all;
  size_t len;
  int rc = corio_read_all(r, 0, &all, &len);
  if (rc != CORIO_OK) return rc;
  free(all);
  char answer[32];
  int n = snprintf(answer, sizeof answer, "got %zu", len);
  return send_all(w, answer, (size_t)n);
}

static int half_close_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = serve(&s, count_then_answer, NULL);
  if (rc != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  CHECK_INT(corio_write(w, "four", 4), CORIO_OK);
  CHECK_INT(corio_write_eof(w), CORIO_OK);
  CHECK_INT(corio_write(w, "more", 4), CORIO_ECLOSED);
  char *answer = NULL;
  size_t len = 0;
  CHECK_INT(corio_read_all(r, 0, &answer, &len),
            CORIO_OK); /* reading goes on */
  CHECK_STR(answer, "got 4");
  free(answer);
  close_client(r, w);
  stop_server(s);
  return CORIO_OK;
}

TEST(write_eof_half_closes_and_the_answer_still_arrives) {
  test_run(half_close_main, NULL, CORIO_OK);
}

/* ---- backpressure ------------------------------------------------------- */

/* More than any socket buffers on loopback hold, so drain must wait. */
#define FLOOD ((size_t)24 << 20)

typedef struct flood {
  corio_event_t *start_reading; /* the server reads only once this is set */
  size_t received;
} flood_t;

/* Handler: waits for the go, then counts bytes until EOF. */
static int slow_reader(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)w;
  flood_t *f = arg;
  int rc = corio_event_wait(f->start_reading);
  if (rc != CORIO_OK) return rc;
  test_log("server-reads");
  char *buf = malloc(256 * 1024);
  for (;;) {
    size_t got;
    if ((rc = corio_read(r, buf, 256 * 1024, &got)) != CORIO_OK || got == 0)
      break;
    f->received += got;
  }
  free(buf);
  return rc;
}

static int drain_task(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_drain(arg);
  test_log("drained:%s", corio_err_name(rc));
  return rc;
}

static int backpressure_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  flood_t f = {NULL, 0};
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = corio_event_new(&f.start_reading);
  if (rc != CORIO_OK) return rc;
  if ((rc = serve(&s, slow_reader, &f)) != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  char *chunk = calloc(1, 1 << 20);
  for (size_t sent = 0; sent < FLOOD; sent += 1 << 20)
    CHECK_INT(corio_write(w, chunk, 1 << 20), CORIO_OK);
  free(chunk);
  corio_task_t *drainer;
  if ((rc = corio_task_create(&drainer, drain_task, w, NULL)) != CORIO_OK)
    return rc;
  CHECK_INT(corio_sleep(0.5), CORIO_OK);
  CHECK(!corio_task_done(drainer)); /* the server reads nothing yet */
  test_log("go");
  corio_event_set(f.start_reading);
  CHECK_INT(corio_wait_for(drainer, 30, NULL), CORIO_OK);
  corio_task_release(drainer);
  CHECK_INT(corio_write_eof(w), CORIO_OK);
  close_client(r, w);
  stop_server(s); /* waits for the handler, which read to EOF */
  CHECK_INT(f.received, FLOOD);
  CHECK_LOG("go server-reads drained:CORIO_OK");
  corio_event_free(f.start_reading);
  return CORIO_OK;
}

TEST(drain_waits_while_the_peer_does_not_read) {
  test_run(backpressure_main, NULL, CORIO_OK);
}

/* ---- failures to connect ------------------------------------------------ */

static int refused_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  int rc = serve(&s, echo_lines, NULL);
  if (rc != CORIO_OK) return rc;
  int port = corio_server_port(s); /* free once the server is gone */
  stop_server(s);
  corio_reader_t *r = (corio_reader_t *)1;
  corio_writer_t *w = (corio_writer_t *)1;
  CHECK_INT(corio_open_connection(HOST, port, NULL, &r, &w),
            CORIO_ECONNREFUSED);
  CHECK(r == NULL && w == NULL);
  char where[32];
  snprintf(where, sizeof where, HOST ":%d", port);
  if (strstr(corio_errmsg(), where) == NULL)
    test_fail(__FILE__, __LINE__, "message \"%s\" does not name %s",
              corio_errmsg(), where);
  return CORIO_OK;
}

TEST(connecting_to_a_closed_port_is_connrefused_naming_it) {
  test_run(refused_main, NULL, CORIO_OK);
}

static int dns_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_reader_t *r;
  corio_writer_t *w;
  CHECK_INT(corio_open_connection("nonexistent.invalid", 80, NULL, &r, &w),
            CORIO_EDNS);
  if (strstr(corio_errmsg(), "nonexistent.invalid") == NULL)
    test_fail(__FILE__, __LINE__, "message \"%s\" does not name the host",
              corio_errmsg());
  return CORIO_OK;
}

TEST(an_unknown_host_name_is_edns_naming_it) {
  test_run(dns_main, NULL, CORIO_OK);
}

static int lookup_fails(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_reader_t *r;
  corio_writer_t *w;
  return corio_open_connection("nonexistent.invalid", 80, NULL, &r, &w);
}

/* More lookups at once than a native resolver runs threads for. */
static int many_lookups_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  enum { N = 20 };
  corio_task_t *tasks[N];
  int codes[N];
  for (int i = 0; i < N; i++) {
    int rc = corio_task_create(&tasks[i], lookup_fails, NULL, NULL);
    if (rc != CORIO_OK) return rc;
  }
  CHECK_INT(corio_gather(tasks, N, NULL, codes), CORIO_OK);
  for (int i = 0; i < N; i++) {
    CHECK_INT(codes[i], CORIO_EDNS);
    corio_task_release(tasks[i]);
  }
  return CORIO_OK;
}

TEST(twenty_lookups_at_once_all_answer) {
  test_run(many_lookups_main, NULL, CORIO_OK);
}

/* Lookups cancelled while they run or wait their turn. */
static int cancelled_lookups_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  enum { N = 20 };
  corio_task_t *tasks[N];
  int codes[N];
  for (int i = 0; i < N; i++) {
    int rc = corio_task_create(&tasks[i], lookup_fails, NULL, NULL);
    if (rc != CORIO_OK) return rc;
  }
  CHECK_INT(corio_sleep(0), CORIO_OK); /* they start connecting */
  for (int i = 0; i < N; i++) corio_task_cancel(tasks[i], NULL);
  CHECK_INT(corio_gather(tasks, N, NULL, codes), CORIO_OK);
  for (int i = 0; i < N; i++) {
    CHECK(codes[i] == CORIO_ECANCELLED || codes[i] == CORIO_EDNS);
    corio_task_release(tasks[i]);
  }
  return CORIO_OK;
}

TEST(connects_cancelled_during_their_lookup_end_cancelled) {
  test_run(cancelled_lookups_main, NULL, CORIO_OK);
}

/* ---- cancellation ------------------------------------------------------- */

static int readline_task(void *arg, intptr_t *result) {
  (void)result;
  char *line = NULL;
  size_t len;
  int rc = corio_readline(arg, &line, &len);
  free(line);
  return rc;
}

static int cancel_read_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = serve(&s, echo_lines, NULL);
  if (rc != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  corio_task_t *t;
  if ((rc = corio_task_create(&t, readline_task, r, NULL)) != CORIO_OK)
    return rc;
  CHECK_INT(corio_wait_for(t, 0.2, NULL), CORIO_ETIMEDOUT); /* no line */
  CHECK(corio_task_cancelled(t));
  corio_task_release(t);
  CHECK_INT(send_all(w, "still here\n", 11), CORIO_OK);
  char *line = NULL;
  size_t len = 0;
  CHECK_INT(corio_readline(r, &line, &len), CORIO_OK);
  CHECK_STR(line, "still here\n");
  free(line);
  close_client(r, w);
  stop_server(s);
  return CORIO_OK;
}

TEST(a_read_cancelled_by_wait_for_leaves_the_connection_usable) {
  test_run(cancel_read_main, NULL, CORIO_OK);
}

/* ---- closing ------------------------------------------------------------ */

/* Handler: waits for one line, then returns. */
static int one_line_then_end(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)w;
  (void)arg;
  char *line = NULL;
  size_t len;
  int rc = corio_readline(r, &line, &len);
  free(line);
  test_log("handler-ends");
  return rc;
}

static int wait_closed_task(void *arg, intptr_t *result) {
  (void)result;
  int rc = corio_server_wait_closed(arg);
  test_log("wait_closed:%s", corio_err_name(rc));
  return rc;
}

static int server_close_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  corio_reader_t *r, *r2;
  corio_writer_t *w, *w2;
  int rc = serve(&s, one_line_then_end, NULL);
  if (rc != CORIO_OK) return rc;
  int port = corio_server_port(s);
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  CHECK_INT(corio_sleep(0.1), CORIO_OK); /* the handler is running */
  corio_server_close(s);
  corio_task_t *waiter;
  if ((rc = corio_task_create(&waiter, wait_closed_task, s, NULL)) != CORIO_OK)
    return rc;
  CHECK_INT(corio_sleep(0.2), CORIO_OK);
  CHECK(!corio_task_done(waiter)); /* the handler still runs */
  /* No new clients once closed. */
  CHECK_INT(corio_open_connection(HOST, port, NULL, &r2, &w2),
            CORIO_ECONNREFUSED);
  test_log("client-writes");
  CHECK_INT(send_all(w, "bye\n", 4), CORIO_OK);
  CHECK_INT(corio_wait_for(waiter, 10, NULL), CORIO_OK);
  corio_task_release(waiter);
  CHECK_LOG("client-writes handler-ends wait_closed:CORIO_OK");
  /* The server closed its side when the handler returned. */
  char buf[4];
  size_t got = 1;
  CHECK_INT(corio_read(r, buf, sizeof buf, &got), CORIO_OK);
  CHECK_INT(got, 0);
  close_client(r, w);
  corio_server_free(s);
  return CORIO_OK;
}

TEST(server_close_refuses_new_clients_and_wait_closed_waits_for_handlers) {
  test_run(server_close_main, NULL, CORIO_OK);
}

/* Handler: reports what it read before EOF. */
typedef struct seen_eof {
  char text[32];
  int rc;
} seen_eof_t;

static int read_to_eof(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)w;
  seen_eof_t *seen = arg;
  char *all = NULL;
  size_t len;
  seen->rc = corio_read_all(r, 0, &all, &len);
  snprintf(seen->text, sizeof seen->text, "%s", all ? all : "(null)");
  free(all);
  return CORIO_OK;
}

static int writer_close_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  seen_eof_t seen = {"", 1};
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = serve(&s, read_to_eof, &seen);
  if (rc != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  CHECK_INT(corio_write(w, "last words", 10), CORIO_OK);
  corio_writer_close(w); /* the queued bytes still go, then EOF */
  CHECK(corio_writer_is_closing(w));
  CHECK_INT(corio_write(w, "more", 4), CORIO_ECLOSED);
  CHECK_INT(corio_writer_wait_closed(w), CORIO_OK);
  corio_reader_free(r);
  corio_writer_free(w);
  stop_server(s);
  CHECK_INT(seen.rc, CORIO_OK);
  CHECK_STR(seen.text, "last words");
  return CORIO_OK;
}

TEST(writer_close_sends_what_is_queued_then_eof) {
  test_run(writer_close_main, NULL, CORIO_OK);
}

static int port_in_use_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s, *second = (corio_server_t *)1;
  int rc = serve(&s, echo_lines, NULL);
  if (rc != CORIO_OK) return rc;
  int port = corio_server_port(s);
  CHECK_INT(corio_start_server(&second, HOST, port, echo_lines, NULL),
            CORIO_EIO);
  CHECK(second == NULL);
  char where[32];
  snprintf(where, sizeof where, HOST ":%d", port);
  if (strstr(corio_errmsg(), where) == NULL)
    test_fail(__FILE__, __LINE__, "message \"%s\" does not name %s",
              corio_errmsg(), where);
  stop_server(s);
  return CORIO_OK;
}

TEST(listening_on_a_port_in_use_is_eio_naming_it) {
  test_run(port_in_use_main, NULL, CORIO_OK);
}

/* ---- a peer gone, many peers, IPv6, a busy loop ------------------------ */

/* Handler: returns at once (the runtime closes the connection). */
static int hang_up(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)r;
  (void)w;
  (void)arg;
  return CORIO_OK;
}

static int peer_gone_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = serve(&s, hang_up, NULL);
  if (rc != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  char byte;
  size_t got = 1;
  CHECK_INT(corio_read(r, &byte, 1, &got), CORIO_OK); /* the server's EOF */
  CHECK_INT(got, 0);
  /* The peer's socket is gone: a write is answered by a reset. */
  char *chunk = calloc(1, 64 * 1024);
  for (int i = 0; i < 200 && rc == CORIO_OK; i++)
    rc = send_all(w, chunk, 64 * 1024);
  free(chunk);
  CHECK_INT(rc, CORIO_ECONNRESET);
  CHECK_INT(corio_write(w, "x", 1), CORIO_ECONNRESET); /* and it sticks */
  corio_reader_free(r);
  corio_writer_free(w);
  stop_server(s);
  return CORIO_OK;
}

TEST(writing_to_a_peer_that_is_gone_is_connreset) {
  test_run(peer_gone_main, NULL, CORIO_OK);
}

#define CLIENTS 50

typedef struct client_case {
  const corio_server_t *server;
  int id;
} client_case_t;

static int one_client(void *arg, intptr_t *result) {
  const client_case_t *cc = arg;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = connect_to(cc->server, NULL, &r, &w);
  if (rc != CORIO_OK) return rc;
  char line[32], *back = NULL;
  size_t len;
  int n = snprintf(line, sizeof line, "client %d\n", cc->id);
  rc = send_all(w, line, (size_t)n);
  if (rc == CORIO_OK) rc = corio_readline(r, &back, &len);
  if (rc == CORIO_OK && strcmp(back, line) == 0) *result = 1;
  free(back);
  close_client(r, w);
  return rc;
}

static int many_clients_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  int rc = serve(&s, echo_lines, NULL);
  if (rc != CORIO_OK) return rc;
  client_case_t cases[CLIENTS];
  corio_task_t *tasks[CLIENTS];
  intptr_t echoed[CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    cases[i] = (client_case_t){s, i};
    if ((rc = corio_task_create(&tasks[i], one_client, &cases[i], NULL)))
      return rc;
  }
  CHECK_INT(corio_gather(tasks, CLIENTS, echoed, NULL), CORIO_OK);
  int right = 0;
  for (int i = 0; i < CLIENTS; i++) {
    right += echoed[i] == 1;
    corio_task_release(tasks[i]);
  }
  CHECK_INT(right, CLIENTS);
  stop_server(s);
  return CORIO_OK;
}

TEST(fifty_clients_at_once_each_get_their_own_echo) {
  test_run(many_clients_main, NULL, CORIO_OK);
}

static int ipv6_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = corio_start_server(&s, "::1", 0, echo_lines, NULL);
  CHECK_INT(rc, CORIO_OK);
  if (rc != CORIO_OK) return CORIO_OK; /* the message says why */
  int port = corio_server_port(s);
  rc = corio_open_connection("::1", port, NULL, &r, &w);
  CHECK_INT(rc, CORIO_OK);
  if (rc == CORIO_OK) {
    char expected[32];
    snprintf(expected, sizeof expected, "[::1]:%d", port);
    CHECK_STR(corio_writer_peer(w), expected);
    char *back = NULL;
    size_t len;
    CHECK_INT(send_all(w, "six\n", 4), CORIO_OK);
    CHECK_INT(corio_readline(r, &back, &len), CORIO_OK);
    CHECK_STR(back, "six\n");
    free(back);
    close_client(r, w);
  }
  stop_server(s);
  return CORIO_OK;
}

TEST(ipv6_loopback_works_and_its_peer_is_bracketed) {
  test_run(ipv6_main, NULL, CORIO_OK);
}

static int by_name_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = corio_start_server(&s, "localhost", 0, echo_lines, NULL);
  CHECK_INT(rc, CORIO_OK);
  if (rc != CORIO_OK) return CORIO_OK;
  rc = corio_open_connection("localhost", corio_server_port(s), NULL, &r, &w);
  CHECK_INT(rc, CORIO_OK);
  if (rc == CORIO_OK) {
    char *back = NULL;
    size_t len;
    CHECK_INT(send_all(w, "named\n", 6), CORIO_OK);
    CHECK_INT(corio_readline(r, &back, &len), CORIO_OK);
    CHECK_STR(back, "named\n");
    free(back);
    close_client(r, w);
  }
  stop_server(s);
  return CORIO_OK;
}

TEST(server_and_client_by_host_name_localhost) {
  test_run(by_name_main, NULL, CORIO_OK);
}

static int spin(void *arg, intptr_t *result) {
  const bool *stop = arg;
  while (!*stop) {
    int rc = corio_sleep(0);
    if (rc != CORIO_OK) return rc;
    ++*result;
  }
  return CORIO_OK;
}

static int busy_loop_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  bool stop = false;
  corio_task_t *spinner;
  corio_server_t *s;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = corio_task_create(&spinner, spin, &stop, NULL);
  if (rc != CORIO_OK) return rc;
  if ((rc = serve(&s, echo_lines, NULL)) != CORIO_OK) return rc;
  if ((rc = connect_to(s, NULL, &r, &w)) != CORIO_OK) return rc;
  for (int i = 0; i < 20; i++) { /* round trips while the spinner spins */
    char *back = NULL;
    size_t len;
    CHECK_INT(send_all(w, "ping\n", 5), CORIO_OK);
    CHECK_INT(corio_readline(r, &back, &len), CORIO_OK);
    CHECK_STR(back, "ping\n");
    free(back);
  }
  stop = true;
  intptr_t spins = 0;
  CHECK_INT(corio_await(spinner, &spins), CORIO_OK);
  CHECK(spins > 0);
  corio_task_release(spinner);
  close_client(r, w);
  stop_server(s);
  return CORIO_OK;
}

TEST(io_goes_on_while_another_task_never_waits) {
  test_run(busy_loop_main, NULL, CORIO_OK);
}

/* ---- the end of a run --------------------------------------------------- */

typedef struct left_open {
  corio_server_t *server;
  corio_reader_t *reader;
  corio_writer_t *writer;
  int port;
} left_open_t;

/* Returns with a server and a client connection still open. */
static int leave_open_main(void *arg, intptr_t *result) {
  (void)result;
  left_open_t *lo = arg;
  int rc = serve(&lo->server, echo_lines, NULL);
  if (rc != CORIO_OK) return rc;
  lo->port = corio_server_port(lo->server);
  return connect_to(lo->server, NULL, &lo->reader, &lo->writer);
}

static int connect_refused_main(void *arg, intptr_t *result) {
  (void)result;
  const left_open_t *lo = arg;
  corio_reader_t *r;
  corio_writer_t *w;
  CHECK_INT(corio_open_connection(HOST, lo->port, NULL, &r, &w),
            CORIO_ECONNREFUSED);
  return CORIO_OK;
}

TEST(transports_left_open_are_closed_when_the_run_ends) {
  left_open_t lo = {NULL, NULL, NULL, 0};
  test_run(leave_open_main, &lo, CORIO_OK);
  test_run(connect_refused_main, &lo, CORIO_OK); /* nobody listens now */
  /* The handles stay the caller's to free, after the run too. */
  CHECK(lo.writer == NULL || corio_writer_is_closing(lo.writer));
  corio_reader_free(lo.reader);
  corio_writer_free(lo.writer);
  corio_server_free(lo.server);
}
