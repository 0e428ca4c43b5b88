/*
 * stream_client.c — one stream operation per run, printing what it read
 * line by line, for tests/node/fetch_carrier.test.mjs (wasm, over the fetch
 * carrier and over Node's TCP). Run as main(argv) (the blocking loop), or
 * from JS as the exported coroutine `stream_client`, whose arguments come
 * one per line from globalThis.streamClientArgs() (the JS-driven loop):
 *   get HOST PORT PATH          a GET written over open_connection
 *   get-deny HOST PORT PATH     the same with deny_private (the address
 *                               policy) set
 *   post HOST PORT PATH BODY    a POST, head and body in separate writes
 *   raw HOST PORT TEXT          TEXT (\r and \n unescaped), then read to EOF
 *   slow HOST PORT PATH [JSFN]  a GET read with a 16 KiB limit, not read for
 *                               0.3 s after the head; JSFN (if given) is
 *                               awaited at the end of that pause
 *   close HOST PORT PATH N      a GET; after N body bytes (N = 0: after
 *                               0.2 s, without reading) the writer closes,
 *                               then the run lasts 0.5 s more
 *   fetch URL [CA_FILE]         corio_fetch: status, headers, body
 *   tls HOST PORT CA_FILE       a TLS connection: get_extra_info's sockname,
 *                               ssl and peercert, then closed
 *   serve HOST [PORT]           an echo server on HOST:PORT (default 0: a
 *                               port the system picks), one client
 *                               connecting to it, then the server closed
 * Every run ends with "result CODE_NAME[ message]".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

#define MAX_ARGS 8

/* Prints `label`, n, then the first bytes of data, escaped, quoted. */
static void print_bytes(const char *label, const char *data, size_t n) {
  printf("%s %zu \"", label, n);
  for (size_t i = 0; i < n && i < 200; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == '\r')
      printf("\\r");
    else if (c == '\n')
      printf("\\n");
    else if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c >= 32 && c < 127)
      putchar(c);
    else
      printf("\\x%02x", c);
  }
  printf("\"%s\n", n > 200 ? "..." : "");
}

/* A response read whole: its head line by line, then its body. */
static void print_response(const char *data, size_t n) {
  const char *end = NULL;
  for (size_t i = 0; i + 3 < n; i++)
    if (memcmp(data + i, "\r\n\r\n", 4) == 0) {
      end = data + i;
      break;
    }
  if (end == NULL) {
    print_bytes("unparsed", data, n);
    return;
  }
  for (const char *line = data; line < end;) {
    const char *eol = strstr(line, "\r\n");
    if (eol == NULL || eol > end) eol = end;
    printf("line %.*s\n", (int)(eol - line), line);
    line = eol + 2;
  }
  const char *body = end + 4;
  size_t len = n - (size_t)(body - data);
  print_bytes("body", body, len);
  /* /big's body: byte i is i % 256 */
  size_t i = 0;
  while (i < len && (unsigned char)body[i] == i % 256) i++;
  printf("body-pattern %s\n", i == len ? "yes" : "no");
}

static int finish(int rc) {
  if (rc == CORIO_OK)
    printf("result CORIO_OK\n");
  else
    printf("result %s %s\n", corio_err_name(rc), corio_errmsg());
  return rc;
}

static int send_get(corio_writer_t *w, const char *host, const char *port,
                    const char *path) {
  char head[1024];
  int n =
      snprintf(head, sizeof head,
               "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: corio-test\r\n"
               "Connection: close\r\n\r\n",
               path, host, port);
  int rc = corio_write(w, head, (size_t)n);
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

static int send_post(corio_writer_t *w, const char *host, const char *port,
                     const char *path, const char *body) {
  char head[1024];
  int n = snprintf(
      head, sizeof head,
      "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: text/x-corio\r\n"
      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
      path, host, port, strlen(body));
  int rc = corio_write(w, head, (size_t)n);
  if (rc == CORIO_OK) rc = corio_drain(w);
  if (rc == CORIO_OK) rc = corio_write(w, body, strlen(body));
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

/* "\r" and "\n" in an argument become CR and LF. */
static char *unescape(const char *s) {
  char *out = malloc(strlen(s) + 1), *o = out;
  if (out == NULL) return NULL;
  for (; *s; s++) {
    if (s[0] == '\\' && (s[1] == 'r' || s[1] == 'n')) {
      *o++ = s[1] == 'r' ? '\r' : '\n';
      s++;
    } else {
      *o++ = *s;
    }
  }
  *o = '\0';
  return out;
}

static int read_and_print(corio_reader_t *r) {
  char *all;
  size_t len;
  int rc = corio_read_all(r, 0, &all, &len);
  if (rc != CORIO_OK) return rc;
  print_response(all, len);
  free(all);
  return CORIO_OK;
}

/* Reads the head (up to the blank line) and prints its first line. */
static int read_head(corio_reader_t *r) {
  char *head;
  size_t len;
  int rc = corio_readuntil(r, "\r\n\r\n", 4, &head, &len);
  if (rc != CORIO_OK) return rc;
  printf("head %.*s\n", (int)strcspn(head, "\r"), head);
  free(head);
  return CORIO_OK;
}

/* Reads the rest of a /big body after a pause, then checks its pattern. */
static int slow_body(corio_reader_t *r, const char *checkpoint) {
  int rc = corio_sleep(0.3);
  if (rc == CORIO_OK && checkpoint)
    rc = corio_js_await(checkpoint, "paused", NULL);
  if (rc != CORIO_OK) return rc;
  size_t total = 0;
  int pattern_ok = 1;
  char buf[4096];
  for (;;) {
    size_t got;
    if ((rc = corio_read(r, buf, sizeof buf, &got)) != CORIO_OK) return rc;
    if (got == 0) break;
    for (size_t i = 0; i < got; i++)
      if ((unsigned char)buf[i] != (total + i) % 256) pattern_ok = 0;
    total += got;
  }
  printf("body-length %zu\nbody-pattern %s\n", total,
         pattern_ok ? "yes" : "no");
  return CORIO_OK;
}

/* Reads `want` body bytes (0: none, waiting 0.2 s instead), then closes. */
static int close_early(corio_reader_t *r, corio_writer_t *w, size_t want) {
  int rc = CORIO_OK;
  if (want == 0) {
    rc = corio_sleep(0.2);
  } else if ((rc = read_head(r)) == CORIO_OK) {
    char buf[256];
    size_t got = 0;
    while (rc == CORIO_OK && got < want) {
      size_t n;
      rc = corio_read(r, buf, sizeof buf < want - got ? sizeof buf : want - got,
                      &n);
      if (rc == CORIO_OK && n == 0) rc = corio_fail(CORIO_EINCOMPLETE, "EOF");
      got += n;
    }
    printf("read %zu body bytes\n", got);
  }
  if (rc != CORIO_OK) return rc;
  corio_writer_close(w);
  rc = corio_writer_wait_closed(w);
  if (rc != CORIO_OK) return rc;
  printf("closed\n");
  /* The run goes on a while, so the server sees the client leave before
   * the program (and its worker) ends. */
  return corio_sleep(0.5);
}

static int fetch_url(const char *url, const char *ca_file) {
  corio_fetch_opts_t opts = {0};
  opts.ca_file = ca_file;
  corio_response_t *resp;
  int rc = corio_fetch(url, &opts, &resp);
  if (rc != CORIO_OK) return rc;
  printf("status %d %s\n", corio_response_status(resp),
         corio_response_reason(resp));
  for (size_t i = 0; i < corio_response_header_count(resp); i++)
    printf("header %s: %s\n", corio_response_header_name(resp, i),
           corio_response_header_value(resp, i));
  char *body;
  size_t len;
  rc = corio_read_all(corio_response_body(resp), 0, &body, &len);
  if (rc == CORIO_OK) {
    print_bytes("body", body, len);
    free(body);
  }
  corio_response_free(resp);
  return rc;
}

/* Answers one line with "echo: " and the line. */
static int echo_line(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  char *line;
  size_t len;
  int rc = corio_readline(r, &line, &len);
  if (rc != CORIO_OK) return rc;
  rc = corio_write(w, "echo: ", 6);
  if (rc == CORIO_OK) rc = corio_write(w, line, len);
  if (rc == CORIO_OK) rc = corio_drain(w);
  free(line);
  return rc;
}

static int serve(const char *host, int port) {
  corio_server_t *server;
  int rc = corio_start_server(&server, host, port, echo_line, NULL);
  if (rc != CORIO_OK) return rc;
  printf("listening\n");
  corio_reader_t *r;
  corio_writer_t *w;
  rc = corio_open_connection(host, corio_server_port(server), NULL, &r, &w);
  if (rc == CORIO_OK) {
    char *reply;
    size_t len;
    rc = corio_write(w, "hello\n", 6);
    if (rc == CORIO_OK) rc = corio_read_all(r, 0, &reply, &len);
    if (rc == CORIO_OK) {
      print_bytes("reply", reply, len);
      free(reply);
    }
    corio_reader_free(r);
    corio_writer_free(w);
  }
  corio_server_close(server);
  int closed = corio_server_wait_closed(server);
  corio_server_free(server);
  if (closed == CORIO_OK) printf("server closed\n");
  return rc != CORIO_OK ? rc : closed;
}

/* The operation of argv[0] on a connection to argv[1]:argv[2]. */
static int on_connection(int argc, char **argv) {
  const char *op = argv[0], *host = argv[1];
  corio_conn_opts_t opts = {0};
  if (strcmp(op, "slow") == 0) opts.limit = 16 * 1024;
  if (strcmp(op, "get-deny") == 0) {
    opts.deny_private = true;
    op = "get";
  }
  if (strcmp(op, "tls") == 0 && argc >= 4) {
    opts.tls = true;
    opts.ca_file = argv[3];
  }
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = corio_open_connection(host, atoi(argv[2]), &opts, &r, &w);
  if (rc != CORIO_OK) return rc;
  printf("connected %s\n", corio_writer_peer(w));
  if (strcmp(op, "get") == 0) {
    rc = send_get(w, host, argv[2], argv[3]);
    if (rc == CORIO_OK) rc = read_and_print(r);
  } else if (strcmp(op, "post") == 0 && argc >= 5) {
    rc = send_post(w, host, argv[2], argv[3], argv[4]);
    if (rc == CORIO_OK) rc = read_and_print(r);
  } else if (strcmp(op, "raw") == 0) {
    char *text = unescape(argv[3]);
    rc = text ? corio_write(w, text, strlen(text)) : CORIO_ENOMEM;
    free(text);
    if (rc == CORIO_OK) rc = corio_drain(w);
    if (rc == CORIO_OK) rc = read_and_print(r);
  } else if (strcmp(op, "slow") == 0) {
    rc = send_get(w, host, argv[2], argv[3]);
    if (rc == CORIO_OK) rc = read_head(r);
    if (rc == CORIO_OK) rc = slow_body(r, argc >= 5 ? argv[4] : NULL);
  } else if (strcmp(op, "tls") == 0 && argc >= 4) {
    const char *names[] = {"sockname", "ssl", "peercert"};
    for (int i = 0; i < 3; i++) {
      const char *v = corio_writer_extra_info(w, names[i]);
      printf("extra %s %s\n", names[i], v ? v : "(none)");
    }
  } else if (strcmp(op, "close") == 0 && argc >= 5) {
    rc = send_get(w, host, argv[2], argv[3]);
    if (rc == CORIO_OK) rc = close_early(r, w, (size_t)atol(argv[4]));
  } else {
    rc = corio_fail(CORIO_EINVAL, "unknown operation %s", op);
  }
  corio_reader_free(r);
  corio_writer_free(w);
  return rc;
}

static int client(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[0], "fetch") == 0)
    return finish(fetch_url(argv[1], argc >= 3 ? argv[2] : NULL));
  if (argc >= 2 && strcmp(argv[0], "serve") == 0)
    return finish(serve(argv[1], argc >= 3 ? atoi(argv[2]) : 0));
  if (argc < 4)
    return finish(corio_fail(CORIO_EINVAL, "usage: OP HOST PORT ARG..."));
  return finish(on_connection(argc, argv));
}

/* From JS: the arguments are globalThis.streamClientArgs()'s lines. */
static int stream_client(void *arg, intptr_t *result) {
  (void)arg;
  char *text, *argv[MAX_ARGS];
  int argc = 0;
  int rc = corio_js_await("streamClientArgs", "", &text);
  if (rc != CORIO_OK) return rc;
  for (char *p = text; argc < MAX_ARGS && p;) {
    argv[argc++] = p;
    if ((p = strchr(p, '\n')) != NULL) *p++ = '\0';
  }
  *result = client(argc, argv);
  free(text);
  return CORIO_OK;
}
CORIO_EXPORT(stream_client)

typedef struct args {
  int argc;
  char **argv;
} args_t;

static int main_coroutine(void *arg, intptr_t *result) {
  args_t *a = arg;
  *result = client(a->argc, a->argv);
  return CORIO_OK;
}

int main(int argc, char **argv) {
  args_t a = {argc - 1, argv + 1};
  intptr_t result = 0;
  int rc = corio_run(main_coroutine, &a, &result);
  fflush(stdout);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
