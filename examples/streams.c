/*
 * streams.c — the guide's section 20 (non-blocking streams) in C: a server
 * started with corio_start_server() on 127.0.0.1 (port 0: the system picks
 * one) answers each line it reads; a client opens a connection to it
 * (open_connection), writes and drains (StreamWriter), reads with readline,
 * readexactly, readuntil and read_all (StreamReader), then closes and waits
 * for the close. Each side prints only after what caused it, so the order
 * is the same every run. Builds natively and for wasm (Node's net);
 * its output is checked against streams.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

/* Prints bytes read from a stream, quoted, with line ends as \n. */
static void print_text(const char *who, const char *what, const char *s,
                       size_t n) {
  printf("%s: %s \"", who, what);
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n')
      printf("\\n");
    else
      putchar(s[i]);
  printf("\"\n");
}

/* The server's side of one connection: answers each line with "echo: "
 * and the line; at EOF says goodbye and returns (the runtime then closes
 * the connection and frees the reader and writer). */
static int handle_client(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  for (;;) {
    char *line;
    size_t len;
    int rc = corio_readline(r, &line, &len);
    if (rc != CORIO_OK) return rc;
    if (len == 0) { /* EOF: the client will write no more */
      free(line);
      printf("server: the client sent EOF\n");
      rc = corio_write(w, "bye\n", 4);
      return rc == CORIO_OK ? corio_drain(w) : rc;
    }
    print_text("server", "got", line, len);
    rc = corio_write(w, "echo: ", 6);
    if (rc == CORIO_OK) rc = corio_write(w, line, len);
    free(line);
    if (rc == CORIO_OK) rc = corio_drain(w); /* await writer.drain() */
    if (rc != CORIO_OK) return rc;
  }
}

/* Writes a line and waits until the transport took it. */
static int send_line(corio_writer_t *w, const char *line) {
  int rc = corio_write(w, line, strlen(line));
  return rc == CORIO_OK ? corio_drain(w) : rc;
}

static int client(int port) {
  corio_reader_t *r;
  corio_writer_t *w;
  /* reader, writer = await asyncio.open_connection('127.0.0.1', port) */
  int rc = corio_open_connection("127.0.0.1", port, NULL, &r, &w);
  if (rc != CORIO_OK) return rc;
  printf("client: connected\n");
  char *text = NULL;
  size_t len;

  /* readline(): one whole line */
  rc = send_line(w, "hello\n");
  if (rc == CORIO_OK) rc = corio_readline(r, &text, &len);
  if (rc == CORIO_OK) print_text("client", "readline", text, len);
  free(text);
  text = NULL;

  /* readexactly(6) then readuntil("?") */
  if (rc == CORIO_OK) rc = send_line(w, "how are you? fine\n");
  char head[6];
  if (rc == CORIO_OK) rc = corio_readexactly(r, head, sizeof head, NULL);
  if (rc == CORIO_OK) print_text("client", "readexactly(6)", head, sizeof head);
  if (rc == CORIO_OK) rc = corio_readuntil(r, "?", 1, &text, &len);
  if (rc == CORIO_OK) print_text("client", "readuntil('?')", text, len);
  free(text);
  text = NULL;

  /* write_eof(), then read() to the end: the rest of the line, then the
   * server's goodbye, then EOF */
  if (rc == CORIO_OK) rc = corio_write_eof(w);
  if (rc == CORIO_OK) rc = corio_read_all(r, 0, &text, &len);
  if (rc == CORIO_OK) {
    print_text("client", "read to EOF", text, len);
    printf("client: at EOF: %s\n", corio_reader_at_eof(r) ? "yes" : "no");
    free(text);
  }

  /* writer.close(); await writer.wait_closed() */
  corio_writer_close(w);
  int closed = corio_writer_wait_closed(w);
  if (rc == CORIO_OK && closed == CORIO_OK) printf("client: closed\n");
  corio_reader_free(r);
  corio_writer_free(w);
  return rc != CORIO_OK ? rc : closed;
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *server;
  /* server = await asyncio.start_server(handle_client, '127.0.0.1', 0) */
  int rc = corio_start_server(&server, "127.0.0.1", 0, handle_client, NULL);
  if (rc != CORIO_OK) return rc;
  printf("server: listening on 127.0.0.1 (port chosen by the system: %s)\n",
         corio_server_port(server) > 0 ? "yes" : "no");
  rc = client(corio_server_port(server));
  corio_server_close(server);
  int closed = corio_server_wait_closed(server); /* handlers ended too */
  corio_server_free(server);
  if (rc == CORIO_OK && closed == CORIO_OK) printf("server: closed\n");
  return rc != CORIO_OK ? rc : closed;
}

int main(void) {
  corio_outcome_t out;
  int rc = corio_run_ex(main_coroutine, NULL, NULL, &out);
  if (rc != CORIO_OK)
    printf("failed: %s: %s\n", corio_err_name(rc), out.message);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
