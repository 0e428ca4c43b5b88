/*
 * resolve_thread.c — getaddrinfo off the loop (resolve.h). Each lookup of a
 * name runs on a detached thread of its own (at most MAX_THREADS at once,
 * the others wait their turn), which writes its job's address into a pipe
 * the reactor watches; the loop thread then calls the job's callback, or
 * frees the answer of a cancelled job. A job is owned by the loop thread's
 * lists (waiting, then running) from start until the pipe brings it back;
 * the lookup thread only fills in its answer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "corio.h"
#include "poll_watch.h"
#include "resolve.h"

struct corio__resolve {
  char *host;            /* owned: the name looked up */
  char port[8];          /* the service, as a decimal string */
  int passive;           /* AI_PASSIVE: an address to listen on */
  int wake_fd;           /* where the thread writes the job's address */
  int gai_error;         /* the answer: getaddrinfo's status, */
  int sys_errno;         /* errno for EAI_SYSTEM, */
  struct addrinfo *list; /* and its addresses */
  corio__resolve_fn fn;  /* NULL once cancelled */
  void *data;            /* fn's argument */
  bool started;          /* its thread runs (else it waits its turn) */
  struct corio__resolve *prev, *next; /* running: both; waiting: next */
};

/* Lookups at once; a slow DNS would otherwise make one thread per name. */
#define MAX_THREADS 8

/* The loop thread's side. The pipe lives as long as the thread: a thread
 * whose job was cancelled may still write to it. */
static _Thread_local struct {
  int pipe_r, pipe_w; /* valid when open */
  bool open;
  corio__poll_watch_t watch; /* watches pipe_r while threads run */
  corio__resolve_t *running; /* their threads run, cancelled ones too */
  size_t nrunning;
  corio__resolve_t *wait_head, *wait_tail; /* FIFO, not started yet */
} resolver;

static void fill_hints(struct addrinfo *hints, int passive, int numeric) {
  memset(hints, 0, sizeof *hints);
  hints->ai_family = AF_UNSPEC;
  hints->ai_socktype = SOCK_STREAM;
  hints->ai_protocol = IPPROTO_TCP;
  hints->ai_flags = (passive ? AI_PASSIVE : 0) |
                    (numeric ? AI_NUMERICHOST | AI_NUMERICSERV : 0);
}

int corio__resolve_numeric(const char *host, int port, int passive,
                           struct addrinfo **list) {
  char name[64], service[8];
  snprintf(service, sizeof service, "%d", port);
  const char *node = host;
  if (host == NULL || *host == '\0') {
    if (!passive) return EAI_NONAME;
    node = NULL;
  } else if (host[0] == '[') { /* "[::1]", as in a URL */
    size_t len = strlen(host);
    if (len < 3 || len - 2 >= sizeof name || host[len - 1] != ']')
      return EAI_NONAME;
    memcpy(name, host + 1, len - 2);
    name[len - 2] = '\0';
    node = name;
  }
  struct addrinfo hints;
  fill_hints(&hints, passive, 1);
  return getaddrinfo(node, service, &hints, list);
}

/* ---- the lookup thread ------------------------------------------------- */

static void *lookup(void *arg) {
  corio__resolve_t *job = arg;
  struct addrinfo hints;
  fill_hints(&hints, job->passive, 0);
  job->gai_error = getaddrinfo(job->host, job->port, &hints, &job->list);
  job->sys_errno = job->gai_error == EAI_SYSTEM ? errno : 0;
  /* Writes of a pointer into a pipe are atomic (PIPE_BUF); the loop thread
   * reads whole pointers. */
  ssize_t n;
  do n = write(job->wake_fd, &job, sizeof job);
  while (n < 0 && errno == EINTR);
  return NULL;
}

/* ---- the loop thread ---------------------------------------------------- */

static void job_free(corio__resolve_t *job) {
  if (job->list) freeaddrinfo(job->list);
  free(job->host);
  free(job);
}

/* Gives the job its answer (the callee owns the list), unless cancelled,
 * and frees it. */
static void job_done(corio__resolve_t *job) {
  if (job->fn) {
    struct addrinfo *list = job->list;
    job->list = NULL;
    job->fn(job->data, job->gai_error, job->sys_errno, list);
  }
  job_free(job);
}

static void on_wake(void *data, short revents);

/* Starts job's thread. CORIO_OK, or CORIO_EIO with errno set. */
static int spawn(corio__resolve_t *job) {
  if (!corio__poll_watching(&resolver.watch) &&
      corio__poll_watch_start(&resolver.watch, resolver.pipe_r, POLLIN, on_wake,
                              NULL) != CORIO_OK) {
    errno = ENOMEM;
    return CORIO_EIO;
  }
  /* Linked before the thread starts: from then on it may be back any time
   * (but only read in this thread's reactor). */
  job->started = true;
  job->prev = NULL;
  job->next = resolver.running;
  if (resolver.running) resolver.running->prev = job;
  resolver.running = job;
  resolver.nrunning++;
  pthread_attr_t attr;
  pthread_t thread;
  int err = pthread_attr_init(&attr);
  if (err == 0) {
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    err = pthread_create(&thread, &attr, lookup, job);
    pthread_attr_destroy(&attr);
  }
  if (err == 0) return CORIO_OK;
  resolver.running = job->next;
  if (job->next) job->next->prev = NULL;
  if (--resolver.nrunning == 0) corio__poll_watch_stop(&resolver.watch);
  errno = err;
  return CORIO_EIO;
}

/* Starts waiting jobs while threads are free; a job whose thread cannot
 * start is answered with the system's error. */
static void start_waiting(void) {
  while (resolver.nrunning < MAX_THREADS && resolver.wait_head) {
    corio__resolve_t *job = resolver.wait_head;
    resolver.wait_head = job->next;
    if (resolver.wait_head == NULL) resolver.wait_tail = NULL;
    if (spawn(job) != CORIO_OK) {
      job->gai_error = EAI_SYSTEM;
      job->sys_errno = errno;
      job_done(job);
    }
  }
}

/* The pipe is readable: lookups finished. */
static void on_wake(void *data, short revents) {
  (void)data;
  (void)revents;
  corio__resolve_t *done[64];
  ssize_t n = read(resolver.pipe_r, done, sizeof done);
  for (ssize_t i = 0; i < n / (ssize_t)sizeof done[0]; i++) {
    corio__resolve_t *job = done[i];
    if (job->prev)
      job->prev->next = job->next;
    else
      resolver.running = job->next;
    if (job->next) job->next->prev = job->prev;
    resolver.nrunning--;
    job_done(job);
  }
  start_waiting();
  if (resolver.nrunning == 0) corio__poll_watch_stop(&resolver.watch);
}

static int open_pipe(void) {
  if (resolver.open) return CORIO_OK;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return CORIO_EIO;
  /* Only the read end is non-blocking: a lookup thread may wait to write
   * while the loop is busy. */
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  resolver.pipe_r = fds[0];
  resolver.pipe_w = fds[1];
  resolver.open = true;
  return CORIO_OK;
}

int corio__resolve_start(corio__resolve_t **out, const char *host, int port,
                         int passive, corio__resolve_fn fn, void *data) {
  *out = NULL;
  int rc = open_pipe();
  if (rc != CORIO_OK) return rc;
  corio__resolve_t *job = calloc(1, sizeof *job);
  if (job == NULL || (job->host = strdup(host)) == NULL) {
    free(job);
    return CORIO_ENOMEM;
  }
  snprintf(job->port, sizeof job->port, "%d", port);
  job->passive = passive;
  job->wake_fd = resolver.pipe_w;
  job->fn = fn;
  job->data = data;
  if (resolver.nrunning < MAX_THREADS) {
    if ((rc = spawn(job)) != CORIO_OK) {
      int err = errno;
      job_free(job);
      errno = err;
      return rc;
    }
  } else if (resolver.wait_tail) {
    resolver.wait_tail->next = job;
    resolver.wait_tail = job;
  } else {
    resolver.wait_head = resolver.wait_tail = job;
  }
  *out = job;
  return CORIO_OK;
}

void corio__resolve_cancel(corio__resolve_t *job) {
  if (job->started) { /* its thread finishes; the answer is dropped then */
    job->fn = NULL;
    job->data = NULL;
    return;
  }
  corio__resolve_t *prev = NULL;
  for (corio__resolve_t *p = resolver.wait_head; p; prev = p, p = p->next) {
    if (p != job) continue;
    if (prev)
      prev->next = job->next;
    else
      resolver.wait_head = job->next;
    if (resolver.wait_tail == job) resolver.wait_tail = prev;
    break;
  }
  job_free(job);
}
