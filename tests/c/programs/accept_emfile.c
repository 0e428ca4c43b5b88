/*
 * accept_emfile.c — a native server out of descriptors, for
 * tests/node/accept_emfile.test.mjs. With RLIMIT_NOFILE lowered, a forked
 * child connects more clients than the server can hold, so accept4() fails
 * with EMFILE while the rest wait in the backlog; then each client sends a
 * line, and the server echoes it and ends the connection, which frees
 * descriptors for the clients still waiting. Prints
 *   "clients N"     how many the child connects
 *   "accepted N"    clients accepted while descriptors were out
 *   "cpu SECONDS"   CPU time the process used over WAIT seconds then
 *   "served N"      clients answered in the end
 *   "replies N"     answers the clients got
 * and ends with "result CODE[ message]"; exits 0 when the run ends with
 * CORIO_OK.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corio.h"

#define CLIENTS 40    /* more than FD_LIMIT leaves the server */
#define FD_LIMIT 24   /* the server's RLIMIT_NOFILE */
#define WAIT 1.0      /* seconds measured while clients wait */
#define DEADLINE 10.0 /* seconds for any one phase */

static int accepted; /* handlers started */
static int served;   /* handlers that echoed their line */

static int echo_line(corio_reader_t *r, corio_writer_t *w, void *arg) {
  (void)arg;
  accepted++;
  char *line;
  size_t len;
  int rc = corio_readline(r, &line, &len);
  if (rc != CORIO_OK) return rc;
  rc = corio_write(w, line, len);
  free(line);
  if (rc == CORIO_OK) served++;
  return rc;
}

static double cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

/* The forked child, plain blocking sockets only: connects every client,
 * waits for a byte on `go`, sends a line on each, reads each answer.
 * Exits with the number of answers. */
static void clients(int port, int go) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int fds[CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0) _exit(200);
  }
  char byte;
  if (read(go, &byte, 1) != 1) _exit(201);
  for (int i = 0; i < CLIENTS; i++)
    if (send(fds[i], "hi\n", 3, MSG_NOSIGNAL) != 3) _exit(202);
  int replies = 0;
  struct timeval tv = {(time_t)DEADLINE, 0};
  for (int i = 0; i < CLIENTS; i++) {
    setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[3];
    if (recv(fds[i], buf, 3, MSG_WAITALL) == 3 && memcmp(buf, "hi\n", 3) == 0)
      replies++;
  }
  _exit(replies);
}

/* Sleeps until *count has moved and then stayed for `still` seconds
 * (DEADLINE at most). */
static int wait_settled(const int *count, double still) {
  double end = corio_time() + DEADLINE, quiet = corio_time() + still;
  int last = *count;
  while (corio_time() < end && (last == 0 || corio_time() < quiet)) {
    int rc = corio_sleep(0.01);
    if (rc != CORIO_OK) return rc;
    if (*count != last) quiet = corio_time() + still;
    last = *count;
  }
  return CORIO_OK;
}

/* Sleeps until *count reaches want (DEADLINE at most). */
static int wait_until(const int *count, int want) {
  double end = corio_time() + DEADLINE;
  int rc = CORIO_OK;
  while (*count < want && corio_time() < end && rc == CORIO_OK)
    rc = corio_sleep(0.01);
  return rc;
}

/* Reaps the child without blocking the loop, which still has answers to
 * send: the number of answers the child got, or -1 (killed after
 * DEADLINE). */
static int child_replies(pid_t kid) {
  double end = corio_time() + DEADLINE;
  int status = 0;
  pid_t got;
  while ((got = waitpid(kid, &status, WNOHANG)) == 0 && corio_time() < end)
    if (corio_sleep(0.01) != CORIO_OK) break;
  if (got == 0) {
    kill(kid, SIGKILL);
    waitpid(kid, &status, 0);
    return -1;
  }
  return got == kid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int serve(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_server_t *s;
  int rc = corio_start_server(&s, "127.0.0.1", 0, echo_line, NULL);
  if (rc != CORIO_OK) return rc;
  int go[2];
  if (pipe(go) != 0) return corio_fail(CORIO_EIO, "pipe failed");
  pid_t kid = fork();
  if (kid < 0) return corio_fail(CORIO_EIO, "fork failed");
  if (kid == 0) clients(corio_server_port(s), go[0]);
  close(go[0]);
  printf("clients %d\n", CLIENTS);

  /* Accepted until the descriptors ran out; the rest wait in the backlog. */
  rc = wait_settled(&accepted, 0.3);
  if (rc == CORIO_OK) {
    printf("accepted %d\n", accepted);
    double cpu0 = cpu_seconds();
    rc = corio_sleep(WAIT);
    printf("cpu %.3f\n", cpu_seconds() - cpu0);
  }

  /* Each answered client frees a descriptor for one still waiting. */
  if (rc == CORIO_OK && write(go[1], "g", 1) != 1)
    rc = corio_fail(CORIO_EIO, "cannot tell the clients to go");
  if (rc == CORIO_OK) rc = wait_until(&served, CLIENTS);
  printf("served %d\n", served);
  close(go[1]);
  if (served != CLIENTS) kill(kid, SIGKILL);
  printf("replies %d\n", child_replies(kid));

  corio_server_close(s);
  int closed = corio_server_wait_closed(s);
  corio_server_free(s);
  return rc == CORIO_OK ? closed : rc;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = FD_LIMIT;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    printf("result CORIO_EIO cannot lower RLIMIT_NOFILE\n");
    return 1;
  }
  corio_outcome_t out;
  int rc = corio_run_ex(serve, NULL, NULL, &out);
  if (rc == CORIO_OK)
    printf("result CORIO_OK\n");
  else
    printf("result %s %s\n", corio_err_name(rc), out.message);
  return rc == CORIO_OK ? 0 : 1;
}
