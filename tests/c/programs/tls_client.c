/*
 * tls_client.c — a native TLS stream client for
 * tests/node/tls_native.test.mjs, which runs it against a Node TLS echo
 * server with a throwaway CA:
 *   tls_client connect HOST PORT CA|- [NAME]   connect over TLS, then close
 *   tls_client echo HOST PORT CA|- [NAME]      connect, then a line and
 *       2 MiB through the echo server and back, write_eof, read to EOF
 * CA "-" trusts the system's CAs; NAME is the name checked (default HOST).
 * Prints "peer ADDR", "sockname ADDR", "peercert SUBJECT" (get_extra_info),
 * "line TEXT", "big ok|bad", "eof", and ends with
 * "result CODE[ message]"; exits 0 when the run ends with CORIO_OK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

#define BIG ((size_t)2 << 20)

typedef struct args {
  const char *mode, *host, *ca_file, *server_name;
  int port;
} args_t;

static int echo(corio_reader_t *r, corio_writer_t *w) {
  int rc = corio_write(w, "hello over TLS\n", 15);
  char *line = NULL;
  size_t len;
  if (rc == CORIO_OK) rc = corio_readline(r, &line, &len);
  if (rc != CORIO_OK) return rc;
  printf("line %.*s\n", (int)strcspn(line, "\n"), line);
  free(line);
  /* Written at once, read back while the server's writes wait for us. */
  char *out = malloc(BIG), *in = malloc(BIG);
  if (out == NULL || in == NULL) return corio_fail(CORIO_ENOMEM, "no memory");
  for (size_t i = 0; i < BIG; i++) out[i] = (char)(i % 251);
  rc = corio_write(w, out, BIG);
  if (rc == CORIO_OK) rc = corio_write_eof(w);
  if (rc == CORIO_OK) rc = corio_readexactly(r, in, BIG, NULL);
  if (rc == CORIO_OK) printf("big %s\n", memcmp(in, out, BIG) ? "bad" : "ok");
  free(out);
  free(in);
  size_t got = 1;
  char byte;
  if (rc == CORIO_OK) rc = corio_read(r, &byte, 1, &got);
  if (rc == CORIO_OK && got == 0) printf("eof\n");
  return rc;
}

static int client(void *arg, intptr_t *result) {
  (void)result;
  const args_t *a = arg;
  corio_conn_opts_t opts = {0};
  opts.tls = true;
  opts.ca_file = a->ca_file;
  opts.server_name = a->server_name;
  corio_reader_t *r;
  corio_writer_t *w;
  int rc = corio_open_connection(a->host, a->port, &opts, &r, &w);
  if (rc != CORIO_OK) return rc;
  printf("peer %s\n", corio_writer_peer(w));
  const char *local = corio_writer_extra_info(w, "sockname");
  const char *cert = corio_writer_extra_info(w, "peercert");
  printf("sockname %s\npeercert %s\n", local ? local : "(none)",
         cert ? cert : "(none)");
  if (strcmp(a->mode, "echo") == 0) rc = echo(r, w);
  corio_writer_close(w);
  int closed = corio_writer_wait_closed(w);
  if (rc == CORIO_OK) rc = closed;
  corio_reader_free(r);
  corio_writer_free(w);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: tls_client connect|echo HOST PORT CA|- [NAME]\n");
    return 2;
  }
  args_t a = {argv[1], argv[2], strcmp(argv[4], "-") ? argv[4] : NULL,
              argc > 5 ? argv[5] : NULL, atoi(argv[3])};
  corio_outcome_t out;
  int rc = corio_run_ex(client, &a, NULL, &out);
  if (rc == CORIO_OK)
    printf("result CORIO_OK\n");
  else
    printf("result %s %s\n", corio_err_name(rc), out.message);
  fflush(stdout);
  exit(rc == CORIO_OK ? 0 : 1);
}
