/*
 * test_streams.c — streams (corio.h section 11) over loopback, on every
 * backend that has a TCP transport (native sockets; Node's net module under
 * wasm): a server from corio_start_server on 127.0.0.1 port 0 and clients
 * from corio_open_connection. Bytes both ways; readline, readuntil,
 * readexactly, read_all with their EOF and limit errors; half-close;
 * backpressure from a peer that does not read; refused ports, unknown
 * names and a peer gone away; a read cancelled by wait_for leaving the
 * connection usable; a reader paused by flow control resuming; closing a
 * server, a handler cancelled before it began still closing its
 * connection; the peers' addresses (IPv4, IPv6);
 * many clients at once; I/O beside a task that never waits; transports
 * left open when a run ends.
 */
#include <stdlib.h>

#include "test.h"

#define HOST "127.0.0.1"
#define UNKNOWN_HOST "nonexistent.invalid"

/* ---- helpers ------------------------------------------------------------ */

/* Fails the test, with the task's message, unless rc is CORIO_OK. */
#define CHECK_OPENED(rc, what, host)                                           \
  do {                                                                         \
    if ((rc) != CORIO_OK)                                                      \
      test_fail(__FILE__, __LINE__, "%s %s: %s (%s)", what, host,              \
                corio_err_name(rc), corio_errmsg());                           \
  } while (0)

/* Fails the test unless the task's message names `what`. */
#define CHECK_ERRMSG_NAMES(what)                                               \
  do {                                                                         \
    const char *what_ = (what);                                                \
    if (strstr(corio_errmsg(), what_) == NULL)                                 \
      test_fail(__FILE__, __LINE__, "message \"%s\" does not name %s",         \
                corio_errmsg(), what_);                                        \
  } while (0)

/* "127.0.0.1:port", in a static buffer (one at a time). */
static const char *loopback(int port) {
  static char text[32];
  snprintf(text, sizeof text, HOST ":%d", port);
  return text;
}

/* Listens on host, a port the system picks. */
static int serve(corio_server_t **s, const char *host,
                 corio_conn_handler handler, void *arg) {
  int rc = corio_start_server(s, host, 0, handler, arg);
  CHECK_OPENED(rc, "start_server on", host);
  if (rc == CORIO_OK) CHECK(corio_server_port(*s) > 0);
  return rc;
}

static int connect_to(const corio_server_t *s, const char *host,
                      const corio_conn_opts_t *opts, corio_reader_t **r,
                      corio_writer_t **w) {
  int rc = corio_open_connection(host, corio_server_port(s), opts, r, w);
  CHECK_OPENED(rc, "open_connection to", host);
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

/* A server and one client of it: the fixture of most tests. */
typedef struct pair {
  corio_server_t *server;
  corio_reader_t *r; /* the client's; NULL once the test freed them */
  corio_writer_t *w;
} pair_t;

/* Starts a server on host with handler(arg) and connects a client to it
 * (opts may be NULL). On an error the test fails and nothing stays open. */
static int pair_open(pair_t *p, const char *host, corio_conn_handler handler,
                     void *arg, const corio_conn_opts_t *opts) {
  int rc = serve(&p->server, host, handler, arg);
  if (rc != CORIO_OK) return rc;
  rc = connect_to(p->server, host, opts, &p->r, &p->w);
  if (rc != CORIO_OK) {
    stop_server(p->server);
    p->server = NULL;
  }
  return rc;
}

/* Closes the client (unless the test freed it) and then the server,
 * checking that each closed cleanly, and frees them. */
static void pair_close(pair_t *p) {
  if (p->w) close_client(p->r, p->w);
  stop_server(p->server);
}

/* The client's part of a test, over p; data is also the handler's arg. */
typedef int (*client_fn)(pair_t *p, void *data);

typedef struct server_case {
  corio_conn_handler handler; /* the server's */
  void *data;                 /* the handler's arg and the client's */
  client_fn client;
  const char *host; /* where both are (NULL: HOST) */
  size_t limit;     /* the client's reader limit (0: default) */
} server_case_t;

static int server_case_main(void *arg, intptr_t *result) {
  (void)result;
  const server_case_t *sc = arg;
  corio_conn_opts_t opts = {.limit = sc->limit};
  pair_t p;
  int rc =
      pair_open(&p, sc->host ? sc->host : HOST, sc->handler, sc->data, &opts);
  if (rc != CORIO_OK) return rc;
  rc = sc->client(&p, sc->data);
  pair_close(&p);
  return rc;
}

/* Runs sc in a run of its own: a pair opened, the client, the pair closed. */
static void run_with_server(server_case_t sc) {
  test_run(server_case_main, &sc, CORIO_OK);
}

/* Writes data and waits until it is taken. */
static int send_all(corio_writer_t *w, const void *data, size_t n) {
  int rc = corio_write(w, data, n);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* Reads a line and checks that it is `want`. */
static void check_line(corio_reader_t *r, const char *want) {
  char *line = NULL;
  size_t len = 99;
  CHECK_INT(corio_readline(r, &line, &len), CORIO_OK);
  CHECK_STR(line, want);
  CHECK_INT(len, strlen(want));
  free(line);
}

/* Sends line to an echo server and checks that it comes back. */
static void check_echo(pair_t *p, const char *line) {
  CHECK_INT(send_all(p->w, line, strlen(line)), CORIO_OK);
  check_line(p->r, line);
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

/* Handler: sends its payload (arg, a string), then returns: the runtime
 * closes. */
static int send_payload(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)r;
  return send_all(w, arg, strlen(arg));
}

/* A client of a server that sends `payload` then hangs up. */
static void run_payload_case(const char *payload, size_t limit,
                             client_fn check) {
  run_with_server((server_case_t){.handler = send_payload,
                                  .data = (char *)payload,
                                  .client = check,
                                  .limit = limit});
}

/* ---- both directions and the peers -------------------------------------- */

typedef struct peer_seen {
  char server_side[80];  /* the client as the server's writer sees it */
  char server_local[80]; /* the server's writer's sockname */
  char client_local[80]; /* the client writer's sockname */
} peer_seen_t;

static void copy_text(char *to, size_t n, const char *text) {
  snprintf(to, n, "%s", text ? text : "(none)");
}

static int echo_and_note_peer(corio_reader_t *r, corio_writer_t *w, void *arg) {
  peer_seen_t *seen = arg;
  copy_text(seen->server_side, sizeof seen->server_side, corio_writer_peer(w));
  copy_text(seen->server_local, sizeof seen->server_local,
            corio_writer_extra_info(w, "sockname"));
  return echo_lines(r, w, NULL);
}

static int check_lines_and_peer(pair_t *p, void *data) {
  peer_seen_t *seen = data; /* the server's view: checked after the run */
  const char *lines[] = {"hello\n", "second line\n", "\n"};
  for (size_t i = 0; i < 3; i++) check_echo(p, lines[i]);
  CHECK_STR(corio_writer_peer(p->w), loopback(corio_server_port(p->server)));
  /* asyncio's get_extra_info: peername as corio_writer_peer, sockname the
   * local end, no TLS, so neither ssl nor peercert. */
  CHECK_STR(corio_writer_extra_info(p->w, "peername"), corio_writer_peer(p->w));
  copy_text(seen->client_local, sizeof seen->client_local,
            corio_writer_extra_info(p->w, "sockname"));
  CHECK(corio_writer_extra_info(p->w, "ssl") == NULL);
  CHECK(corio_writer_extra_info(p->w, "peercert") == NULL);
  return CORIO_OK;
}

TEST(echo_server_returns_each_line_and_both_peers_are_known) {
  peer_seen_t seen = {"", "", ""};
  run_with_server((server_case_t){.handler = echo_and_note_peer,
                                  .data = &seen,
                                  .client = check_lines_and_peer});
  CHECK(strncmp(seen.server_side, HOST ":", strlen(HOST ":")) == 0);
  CHECK(atoi(seen.server_side + strlen(HOST ":")) > 0);
  /* Each end's sockname is the other's peername. */
  CHECK_STR(seen.client_local, seen.server_side);
  CHECK(strncmp(seen.server_local, HOST ":", strlen(HOST ":")) == 0);
}

/* 1 MiB each way: written at once (no drain: the client reads back while
 * the server's drain waits for it), read back exactly. */
#define BIG ((size_t)1 << 20)

static int check_big_echo(pair_t *p, void *data) {
  (void)data;
  char *out = malloc(BIG), *in = malloc(BIG);
  for (size_t i = 0; i < BIG; i++) out[i] = (char)(i * 7 + i / 251);
  CHECK_INT(corio_write(p->w, out, BIG), CORIO_OK);
  CHECK_INT(corio_write_eof(p->w), CORIO_OK);
  size_t got = 0;
  CHECK_INT(corio_readexactly(p->r, in, BIG, &got), CORIO_OK);
  CHECK_INT(got, BIG);
  CHECK(memcmp(in, out, BIG) == 0);
  CHECK_INT(corio_read(p->r, in, 1, &got), CORIO_OK); /* then EOF */
  CHECK_INT(got, 0);
  CHECK(corio_reader_at_eof(p->r));
  free(out);
  free(in);
  return CORIO_OK;
}

TEST(a_megabyte_echoed_comes_back_exactly_then_eof) {
  run_with_server(
      (server_case_t){.handler = echo_bytes, .client = check_big_echo});
}

/* ---- reading: lines, separators, exact sizes, everything --------------- */

static int check_readline_at_eof(pair_t *p, void *data) {
  (void)data;
  check_line(p->r, "a\n");
  check_line(p->r, "bc");
  check_line(p->r, "");
  CHECK(corio_reader_at_eof(p->r));
  return CORIO_OK;
}

TEST(readline_gives_the_partial_last_line_then_empty_at_eof) {
  run_payload_case("a\nbc", 0, check_readline_at_eof);
}

static int check_readuntil(pair_t *p, void *data) {
  (void)data;
  char *part = NULL;
  size_t len = 0;
  CHECK_INT(corio_readuntil(p->r, "--", 2, &part, &len), CORIO_OK);
  CHECK_STR(part, "x--");
  CHECK_INT(len, 3);
  free(part);
  part = NULL;
  CHECK_INT(corio_readuntil(p->r, "--", 2, &part, &len), CORIO_EINCOMPLETE);
  CHECK_STR(part, "y-"); /* the partial bytes, consumed */
  CHECK_INT(len, 2);
  free(part);
  CHECK(corio_reader_at_eof(p->r));
  return CORIO_OK;
}

TEST(readuntil_stops_after_the_separator_and_gives_the_partial_at_eof) {
  run_payload_case("x--y-", 0, check_readuntil);
}

static int check_readexactly(pair_t *p, void *data) {
  (void)data;
  char buf[16];
  size_t got = 0;
  CHECK_INT(corio_readexactly(p->r, buf, 4, &got), CORIO_OK);
  CHECK_INT(got, 4);
  CHECK(memcmp(buf, "0123", 4) == 0);
  CHECK_INT(corio_readexactly(p->r, buf, 10, &got), CORIO_EINCOMPLETE);
  CHECK_INT(got, 6); /* asyncio's IncompleteReadError.partial */
  CHECK(memcmp(buf, "456789", 6) == 0);
  return CORIO_OK;
}

TEST(readexactly_reads_n_bytes_and_reports_the_partial_at_eof) {
  run_payload_case("0123456789", 0, check_readexactly);
}

static int check_read_all(pair_t *p, void *data) {
  (void)data;
  char *all = NULL;
  size_t len = 0;
  CHECK_INT(corio_read_all(p->r, 0, &all, &len), CORIO_OK);
  CHECK_STR(all, "everything\nuntil the end");
  CHECK_INT(len, strlen("everything\nuntil the end"));
  free(all);
  return CORIO_OK;
}

TEST(read_all_reads_until_eof) {
  run_payload_case("everything\nuntil the end", 0, check_read_all);
}

static int check_read_all_max(pair_t *p, void *data) {
  (void)data;
  char *all = (char *)"unchanged";
  size_t len = 0;
  CHECK_INT(corio_read_all(p->r, 8, &all, &len), CORIO_ELIMIT);
  CHECK(all == NULL);
  return CORIO_OK;
}

TEST(read_all_over_its_maximum_is_elimit) {
  run_payload_case("more than eight bytes", 0, check_read_all_max);
}

/* 40 bytes before the newline, under a 16-byte limit. */
#define LONG_LINE "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"

static int check_readuntil_limit(pair_t *p, void *data) {
  (void)data;
  char *part = (char *)"unchanged";
  size_t len = 0;
  CHECK_INT(corio_readuntil(p->r, "\n", 1, &part, &len), CORIO_ELIMIT);
  CHECK(part == NULL);
  /* Nothing was consumed: every byte can still be read. */
  char buf[sizeof LONG_LINE + 3];
  size_t got = 0;
  CHECK_INT(corio_readexactly(p->r, buf, sizeof LONG_LINE + 2, &got), CORIO_OK);
  CHECK(memcmp(buf, LONG_LINE "ok\n", sizeof LONG_LINE + 2) == 0);
  return CORIO_OK;
}

TEST(readuntil_over_the_limit_is_elimit_and_consumes_nothing) {
  run_payload_case(LONG_LINE "ok\n", 16, check_readuntil_limit);
}

static int check_readline_limit(pair_t *p, void *data) {
  (void)data;
  char *line = (char *)"unchanged";
  size_t len = 0;
  CHECK_INT(corio_readline(p->r, &line, &len), CORIO_ELIMIT);
  CHECK(line == NULL);
  /* The long line is dropped (in one piece or, if it had not all arrived,
   * in several); the next full line follows it. */
  int rc = CORIO_ELIMIT;
  for (int i = 0; i < 8; i++) {
    line = NULL;
    rc = corio_readline(p->r, &line, &len);
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

/* Handler: sends a line of 249 bytes and its "\r", then, 0.3 s later, the
 * "\n" that ends it. */
static int long_line_then_its_end(corio_reader_t *r, corio_writer_t *w,
                                  void *arg) {
  (void)r;
  (void)arg;
  char line[250];
  memset(line, 'a', 249);
  line[249] = '\r';
  int rc = send_all(w, line, sizeof line);
  if (rc == CORIO_OK) rc = corio_sleep(0.3);
  return rc == CORIO_OK ? send_all(w, "\n", 1) : rc;
}

static int check_readuntil_while_paused(pair_t *p, void *data) {
  (void)data;
  char buf[149];
  CHECK_INT(corio_readexactly(p->r, buf, sizeof buf, NULL), CORIO_OK);
  /* 101 bytes stay buffered: reading is paused (over 2 x 100 before). */
  char *line = NULL;
  size_t n = 0;
  corio_timeout_t to = CORIO_TIMEOUT_INIT;
  corio_timeout_enter(&to, 5.0);
  int got =
      corio_timeout_exit(&to, corio_readuntil(p->r, "\r\n", 2, &line, &n));
  CHECK_INT(got, CORIO_OK);
  CHECK_INT(n, 102);
  free(line);
  return CORIO_OK;
}

/* A reader paused by flow control (its buffer over twice the limit) must
 * resume reading while readuntil waits for the rest of a line. */
TEST(readuntil_resumes_a_reader_paused_by_flow_control) {
  run_with_server((server_case_t){.handler = long_line_then_its_end,
                                  .client = check_readuntil_while_paused,
                                  .limit = 100});
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

static int check_half_close(pair_t *p, void *data) {
  (void)data;
  CHECK_INT(corio_write(p->w, "four", 4), CORIO_OK);
  CHECK_INT(corio_write_eof(p->w), CORIO_OK);
  CHECK_INT(corio_write(p->w, "more", 4), CORIO_ECLOSED);
  char *answer = NULL;
  size_t len = 0;
  CHECK_INT(corio_read_all(p->r, 0, &answer, &len),
            CORIO_OK); /* reading goes on */
  CHECK_STR(answer, "got 4");
  free(answer);
  return CORIO_OK;
}

TEST(write_eof_half_closes_and_the_answer_still_arrives) {
  run_with_server((server_case_t){.handler = count_then_answer,
                                  .client = check_half_close});
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
  pair_t p;
  int rc = corio_event_new(&f.start_reading);
  if (rc != CORIO_OK) return rc;
  if ((rc = pair_open(&p, HOST, slow_reader, &f, NULL)) != CORIO_OK) return rc;
  char *chunk = calloc(1, 1 << 20);
  for (size_t sent = 0; sent < FLOOD; sent += 1 << 20)
    CHECK_INT(corio_write(p.w, chunk, 1 << 20), CORIO_OK);
  free(chunk);
  corio_task_t *drainer;
  if ((rc = corio_task_create(&drainer, drain_task, p.w, NULL)) != CORIO_OK)
    return rc;
  CHECK_INT(corio_sleep(0.5), CORIO_OK);
  CHECK(!corio_task_done(drainer)); /* the server reads nothing yet */
  test_log("go");
  corio_event_set(f.start_reading);
  CHECK_INT(corio_wait_for(drainer, 30, NULL), CORIO_OK);
  corio_task_release(drainer);
  CHECK_INT(corio_write_eof(p.w), CORIO_OK);
  pair_close(&p); /* waits for the handler, which read to EOF */
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
  int rc = serve(&s, HOST, echo_lines, NULL);
  if (rc != CORIO_OK) return rc;
  int port = corio_server_port(s); /* free once the server is gone */
  stop_server(s);
  corio_reader_t *r = (corio_reader_t *)1;
  corio_writer_t *w = (corio_writer_t *)1;
  CHECK_INT(corio_open_connection(HOST, port, NULL, &r, &w),
            CORIO_ECONNREFUSED);
  CHECK(r == NULL && w == NULL);
  CHECK_ERRMSG_NAMES(loopback(port));
  return CORIO_OK;
}

TEST(connecting_to_a_closed_port_is_connrefused_naming_it) {
  test_run(refused_main, NULL, CORIO_OK);
}

/* Task: connects to a name that does not resolve. */
static int lookup_fails(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_reader_t *r;
  corio_writer_t *w;
  return corio_open_connection(UNKNOWN_HOST, 80, NULL, &r, &w);
}

static int dns_main(void *arg, intptr_t *result) {
  CHECK_INT(lookup_fails(arg, result), CORIO_EDNS);
  CHECK_ERRMSG_NAMES(UNKNOWN_HOST);
  return CORIO_OK;
}

TEST(an_unknown_host_name_is_edns_naming_it) {
  test_run(dns_main, NULL, CORIO_OK);
}

/* More lookups at once than a native resolver runs threads for; with arg
 * set, all cancelled while they run or wait their turn. */
static int many_lookups_main(void *arg, intptr_t *result) {
  (void)result;
  bool cancel = arg != NULL;
  enum { N = 20 };
  corio_task_t *tasks[N];
  int codes[N];
  for (int i = 0; i < N; i++) {
    int rc = corio_task_create(&tasks[i], lookup_fails, NULL, NULL);
    if (rc != CORIO_OK) return rc;
  }
  if (cancel) {
    CHECK_INT(corio_sleep(0), CORIO_OK); /* they start connecting */
    for (int i = 0; i < N; i++) corio_task_cancel(tasks[i], NULL);
  }
  CHECK_INT(corio_gather(tasks, N, NULL, codes), CORIO_OK);
  for (int i = 0; i < N; i++) {
    if (cancel)
      CHECK(codes[i] == CORIO_ECANCELLED || codes[i] == CORIO_EDNS);
    else
      CHECK_INT(codes[i], CORIO_EDNS);
    corio_task_release(tasks[i]);
  }
  return CORIO_OK;
}

TEST(twenty_lookups_at_once_all_answer) {
  test_run(many_lookups_main, NULL, CORIO_OK);
}

TEST(connects_cancelled_during_their_lookup_end_cancelled) {
  test_run(many_lookups_main, (void *)1, CORIO_OK);
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

static int check_read_cancelled(pair_t *p, void *data) {
  (void)data;
  corio_task_t *t;
  int rc = corio_task_create(&t, readline_task, p->r, NULL);
  if (rc != CORIO_OK) return rc;
  CHECK_INT(corio_wait_for(t, 0.2, NULL), CORIO_ETIMEDOUT); /* no line */
  CHECK(corio_task_cancelled(t));
  corio_task_release(t);
  check_echo(p, "still here\n");
  return CORIO_OK;
}

TEST(a_read_cancelled_by_wait_for_leaves_the_connection_usable) {
  run_with_server(
      (server_case_t){.handler = echo_lines, .client = check_read_cancelled});
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

static int check_server_close(pair_t *p, void *data) {
  (void)data;
  int port = corio_server_port(p->server);
  CHECK_INT(corio_sleep(0.1), CORIO_OK); /* the handler is running */
  corio_server_close(p->server);
  corio_task_t *waiter;
  int rc = corio_task_create(&waiter, wait_closed_task, p->server, NULL);
  if (rc != CORIO_OK) return rc;
  CHECK_INT(corio_sleep(0.2), CORIO_OK);
  CHECK(!corio_task_done(waiter)); /* the handler still runs */
  /* No new clients once closed. */
  corio_reader_t *r2;
  corio_writer_t *w2;
  CHECK_INT(corio_open_connection(HOST, port, NULL, &r2, &w2),
            CORIO_ECONNREFUSED);
  test_log("client-writes");
  CHECK_INT(send_all(p->w, "bye\n", 4), CORIO_OK);
  CHECK_INT(corio_wait_for(waiter, 10, NULL), CORIO_OK);
  corio_task_release(waiter);
  CHECK_LOG("client-writes handler-ends wait_closed:CORIO_OK");
  /* The server closed its side when the handler returned. */
  char buf[4];
  size_t got = 1;
  CHECK_INT(corio_read(p->r, buf, sizeof buf, &got), CORIO_OK);
  CHECK_INT(got, 0);
  return CORIO_OK;
}

TEST(server_close_refuses_new_clients_and_wait_closed_waits_for_handlers) {
  run_with_server((server_case_t){.handler = one_line_then_end,
                                  .client = check_server_close});
}

/* Handler: logs that it ran, reads a line. */
static int log_then_read_a_line(corio_reader_t *r, corio_writer_t *w,
                                void *arg) {
  (void)w;
  (void)arg;
  test_log("handler-ran");
  char *line = NULL;
  size_t n;
  int rc = corio_readline(r, &line, &n);
  free(line);
  return rc;
}

/* A client that connects to arg (a server) and reads until EOF. */
static int hold_connection(void *arg, intptr_t *result) {
  (void)result;
  corio_server_t *srv = arg;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = connect_to(srv, HOST, NULL, &r, &w);
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
  int rc = serve(&srv, HOST, log_then_read_a_line, NULL);
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
 * had not begun is the one that matters. */
TEST(a_cancelled_handler_still_closes_its_connection) {
  test_run(cancel_handler_before_it_starts, NULL, CORIO_OK);
  const char *log = test_log_text();
  CHECK(strcmp(log, "client:CORIO_OK:0") == 0 ||
        strcmp(log, "handler-ran client:CORIO_OK:0") == 0);
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

static int check_writer_close(pair_t *p, void *data) {
  (void)data; /* what the server saw: checked after the run */
  CHECK_INT(corio_write(p->w, "last words", 10), CORIO_OK);
  corio_writer_close(p->w); /* the queued bytes still go, then EOF */
  CHECK(corio_writer_is_closing(p->w));
  CHECK_INT(corio_write(p->w, "more", 4), CORIO_ECLOSED);
  CHECK_INT(corio_writer_wait_closed(p->w), CORIO_OK);
  corio_reader_free(p->r);
  corio_writer_free(p->w);
  p->r = NULL;
  p->w = NULL;
  return CORIO_OK;
}

TEST(writer_close_sends_what_is_queued_then_eof) {
  seen_eof_t seen = {"", 1};
  run_with_server((server_case_t){
      .handler = read_to_eof, .data = &seen, .client = check_writer_close});
  CHECK_INT(seen.rc, CORIO_OK);
  CHECK_STR(seen.text, "last words");
}

static int port_in_use_main(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s, *second = (corio_server_t *)1;
  int rc = serve(&s, HOST, echo_lines, NULL);
  if (rc != CORIO_OK) return rc;
  int port = corio_server_port(s);
  CHECK_INT(corio_start_server(&second, HOST, port, echo_lines, NULL),
            CORIO_EIO);
  CHECK(second == NULL);
  CHECK_ERRMSG_NAMES(loopback(port));
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

static int check_peer_gone(pair_t *p, void *data) {
  (void)data;
  char byte;
  size_t got = 1;
  CHECK_INT(corio_read(p->r, &byte, 1, &got), CORIO_OK); /* the server's EOF */
  CHECK_INT(got, 0);
  /* The peer's socket is gone: a write is answered by a reset. */
  char *chunk = calloc(1, 64 * 1024);
  int rc = CORIO_OK;
  for (int i = 0; i < 200 && rc == CORIO_OK; i++)
    rc = send_all(p->w, chunk, 64 * 1024);
  free(chunk);
  CHECK_INT(rc, CORIO_ECONNRESET);
  CHECK_INT(corio_write(p->w, "x", 1), CORIO_ECONNRESET); /* and it sticks */
  corio_reader_free(p->r); /* not closed: it failed */
  corio_writer_free(p->w);
  p->r = NULL;
  p->w = NULL;
  return CORIO_OK;
}

TEST(writing_to_a_peer_that_is_gone_is_connreset) {
  run_with_server(
      (server_case_t){.handler = hang_up, .client = check_peer_gone});
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
  int rc = connect_to(cc->server, HOST, NULL, &r, &w);
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
  int rc = serve(&s, HOST, echo_lines, NULL);
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

/* Client: the peer is as data says ("%d" for the port; NULL: not checked)
 * and a line comes back. */
static int check_peer_then_echo(pair_t *p, void *data) {
  const char *peer_format = data;
  if (peer_format) {
    char expected[32];
    snprintf(expected, sizeof expected, peer_format,
             corio_server_port(p->server));
    CHECK_STR(corio_writer_peer(p->w), expected);
  }
  check_echo(p, "a line\n");
  return CORIO_OK;
}

TEST(ipv6_loopback_works_and_its_peer_is_bracketed) {
  run_with_server((server_case_t){.handler = echo_lines,
                                  .data = "[::1]:%d",
                                  .client = check_peer_then_echo,
                                  .host = "::1"});
}

TEST(server_and_client_by_host_name_localhost) {
  /* The name may resolve to either address: the peer is not checked. */
  run_with_server((server_case_t){.handler = echo_lines,
                                  .client = check_peer_then_echo,
                                  .host = "localhost"});
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

static int check_beside_a_spinner(pair_t *p, void *data) {
  (void)data;
  bool stop = false;
  corio_task_t *spinner;
  int rc = corio_task_create(&spinner, spin, &stop, NULL);
  if (rc != CORIO_OK) return rc;
  for (int i = 0; i < 20; i++) /* round trips while the spinner spins */
    check_echo(p, "ping\n");
  stop = true;
  intptr_t spins = 0;
  CHECK_INT(corio_await(spinner, &spins), CORIO_OK);
  CHECK(spins > 0);
  corio_task_release(spinner);
  return CORIO_OK;
}

TEST(io_goes_on_while_another_task_never_waits) {
  run_with_server(
      (server_case_t){.handler = echo_lines, .client = check_beside_a_spinner});
}

/* ---- the end of a run --------------------------------------------------- */

typedef struct left_open {
  pair_t pair;
  int port;
} left_open_t;

/* Returns with a server and a client connection still open. */
static int leave_open_main(void *arg, intptr_t *result) {
  (void)result;
  left_open_t *lo = arg;
  int rc = pair_open(&lo->pair, HOST, echo_lines, NULL, NULL);
  if (rc == CORIO_OK) lo->port = corio_server_port(lo->pair.server);
  return rc;
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
  left_open_t lo = {{NULL, NULL, NULL}, 0};
  test_run(leave_open_main, &lo, CORIO_OK);
  test_run(connect_refused_main, &lo, CORIO_OK); /* nobody listens now */
  /* The handles stay the caller's to free, after the run too. */
  CHECK(lo.pair.w == NULL || corio_writer_is_closing(lo.pair.w));
  corio_reader_free(lo.pair.r);
  corio_writer_free(lo.pair.w);
  corio_server_free(lo.pair.server);
}

/* ---- LimitOverrunError.consumed, is_serving, can_write_eof, extra info -- */

static int check_overrun_consumed(pair_t *p, void *data) {
  (void)data;
  char *part = NULL;
  size_t len = 0;
  /* "0123456789ab" then "|": the separator at offset 12, over a limit of
   * 8: consumed is 12 once it is buffered, or the bytes buffered when the
   * limit was passed without it (asyncio's two cases) */
  CHECK_INT(corio_readuntil(p->r, "|", 1, &part, &len), CORIO_ELIMIT);
  size_t consumed = corio_reader_overrun_consumed(p->r);
  CHECK(consumed >= 9 && consumed <= 12);
  CHECK_INT(corio_readexactly(p->r, (char[13]){0}, 13, NULL), CORIO_OK);
  /* then 20 bytes and EOF, no separator: all the buffered ones count */
  CHECK_INT(corio_readuntil(p->r, "|", 1, &part, &len), CORIO_ELIMIT);
  CHECK(corio_reader_overrun_consumed(p->r) >= 9);
  return CORIO_OK;
}

/* mirrors test_streams.py::StreamTests::test_readuntil_limit_found_sep
 * (LimitOverrunError.consumed) */
TEST(an_overrun_tells_how_many_bytes_are_to_be_consumed) {
  run_payload_case("0123456789ab|abcdefghijklmnopqrst", 8,
                   check_overrun_consumed);
}

static int check_transport_info(pair_t *p, void *data) {
  (void)data;
  CHECK(corio_server_is_serving(p->server));
  CHECK(corio_writer_can_write_eof(p->w));
  CHECK_STR(corio_writer_extra_info(p->w, "peername"),
            loopback(corio_server_port(p->server)));
  CHECK(corio_writer_extra_info(p->w, "ssl") == NULL);
  CHECK(corio_writer_extra_info(p->w, "no such key") == NULL);
  corio_server_close(p->server);
  CHECK(!corio_server_is_serving(p->server));
  return CORIO_OK;
}

/* mirrors test_streams.py::StreamTests::test_start_server (is_serving) and
 * test_base_events/test_selector_events's can_write_eof / get_extra_info
 * ('peername') of a socket transport */
TEST(a_server_is_serving_until_closed_and_a_plain_writer_can_write_eof) {
  run_with_server(
      (server_case_t){.handler = echo_lines, .client = check_transport_info});
}
