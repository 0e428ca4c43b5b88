/*
 * threads_pthread.c — the threads backend over pthreads (backend.h,
 * "threads"): the worker pool beneath corio's executors and the latch a
 * foreign thread blocks on. Built natively and in the wasm -pthread build.
 *
 * The pool: one mutex guards the queue and the counts; workers are detached
 * and wait on a condition variable while idle. A worker is started on
 * submit when none is idle and fewer than the maximum run (as
 * ThreadPoolExecutor does). Nobody joins a worker: after close, each exits
 * once the queue is empty, and the last one out frees the pool, so the loop
 * thread never blocks on a thread's end (a page's main thread cannot).
 * Instead it may wait, without blocking, until no worker of a closed pool
 * is still running, or yet to start (corio__pool_leaving): a program that
 * exits while one is would free its stack under it (in wasm the worker
 * then aborts, its stack cookie gone).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "corio.h"

#define MAX_DEFAULT_WORKERS 32 /* ThreadPoolExecutor's bound */

struct corio__pool {
  pthread_mutex_t mu;
  pthread_cond_t work;        /* signalled when work is queued or closed */
  corio__work_t *head, *tail; /* queued, FIFO */
  size_t max_workers;
  size_t workers; /* alive */
  size_t idle;    /* waiting on `work` */
  bool closed;    /* no more submits; workers leave when empty */
};

size_t corio__pool_default_workers(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  size_t cores = n > 0 ? (size_t)n : 1;
  return cores + 4 < MAX_DEFAULT_WORKERS ? cores + 4 : MAX_DEFAULT_WORKERS;
}

int corio__pool_new(corio__pool_t **out, size_t max_workers) {
  corio__pool_t *p = calloc(1, sizeof *p);
  if (p == NULL) return CORIO_ENOMEM;
  if (pthread_mutex_init(&p->mu, NULL) != 0) {
    free(p);
    return CORIO_ENOMEM;
  }
  if (pthread_cond_init(&p->work, NULL) != 0) {
    pthread_mutex_destroy(&p->mu);
    free(p);
    return CORIO_ENOMEM;
  }
  p->max_workers = max_workers;
  *out = p;
  return CORIO_OK;
}

static void pool_destroy(corio__pool_t *p) {
  pthread_cond_destroy(&p->work);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

/* Workers of closed pools that have not yet ended, started or not: counted
 * up by close (all the pool's workers, each of which will leave), down by a
 * thread-specific destructor set as a worker leaves, which runs in the
 * thread's exit after its own code has returned. */
static atomic_size_t leaving;
static pthread_key_t leaving_key;
static pthread_once_t leaving_once = PTHREAD_ONCE_INIT;

static void left(void *unused) {
  (void)unused;
  atomic_fetch_sub(&leaving, 1);
}

static void make_leaving_key(void) { pthread_key_create(&leaving_key, left); }

size_t corio__pool_leaving(void) { return atomic_load(&leaving); }

static void *worker_main(void *arg) {
  corio__pool_t *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    corio__work_t *w = p->head;
    if (w) {
      p->head = w->next;
      if (p->head == NULL) p->tail = NULL;
      pthread_mutex_unlock(&p->mu);
      w->run(w); /* w may be freed by the loop from here on */
      pthread_mutex_lock(&p->mu);
      continue;
    }
    if (p->closed) break;
    p->idle++;
    pthread_cond_wait(&p->work, &p->mu);
    p->idle--;
  }
  bool last = --p->workers == 0;
  pthread_mutex_unlock(&p->mu);
  if (last) pool_destroy(p); /* closed, empty, and nobody left to use it */
  /* Counted by close: uncounted by the destructor, or now if none runs. */
  pthread_once(&leaving_once, make_leaving_key);
  if (pthread_setspecific(leaving_key, &leaving) != 0) left(NULL);
  return NULL;
}

/* Starts one worker; the caller holds the mutex. 0 or pthread_create's
 * error. */
static int start_worker(corio__pool_t *p) {
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err) return err;
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t tid;
  err = pthread_create(&tid, &attr, worker_main, p);
  pthread_attr_destroy(&attr);
  if (err == 0) p->workers++;
  return err;
}

int corio__pool_submit(corio__pool_t *p, corio__work_t *w) {
  pthread_mutex_lock(&p->mu);
  if (p->closed) {
    pthread_mutex_unlock(&p->mu);
    return CORIO_ECLOSED;
  }
  if (p->idle == 0 && p->workers < p->max_workers) {
    int err = start_worker(p);
    if (err != 0 && p->workers == 0) {
      /* Nobody could ever run it: refuse rather than queue it for ever. */
      pthread_mutex_unlock(&p->mu);
      return corio_fail(CORIO_EFAILED, "no worker thread could be started: %s",
                        strerror(err));
    }
    /* Otherwise the running workers will take it in turn. */
  }
  w->next = NULL;
  if (p->tail)
    p->tail->next = w;
  else
    p->head = w;
  p->tail = w;
  pthread_cond_signal(&p->work);
  pthread_mutex_unlock(&p->mu);
  return CORIO_OK;
}

bool corio__pool_take_back(corio__pool_t *p, corio__work_t *w) {
  bool found = false;
  pthread_mutex_lock(&p->mu);
  corio__work_t *prev = NULL;
  for (corio__work_t *q = p->head; q; prev = q, q = q->next) {
    if (q != w) continue;
    if (prev)
      prev->next = q->next;
    else
      p->head = q->next;
    if (p->tail == q) p->tail = prev;
    found = true;
    break;
  }
  pthread_mutex_unlock(&p->mu);
  return found;
}

corio__work_t *corio__pool_close(corio__pool_t *p, bool take_queued) {
  corio__work_t *taken = NULL;
  pthread_mutex_lock(&p->mu);
  p->closed = true;
  atomic_fetch_add(&leaving, p->workers); /* each leaves: worker_main */
  if (take_queued) {
    taken = p->head;
    p->head = p->tail = NULL;
  }
  bool none = p->workers == 0;
  /* Queued work with no worker to run it (every start failed) is never
   * accepted by submit, so `none` means the queue is empty. */
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  if (none) pool_destroy(p);
  return taken;
}

size_t corio__pool_workers(const corio__pool_t *p) {
  corio__pool_t *mp = (corio__pool_t *)p; /* the lock is not the value */
  pthread_mutex_lock(&mp->mu);
  size_t n = mp->workers;
  pthread_mutex_unlock(&mp->mu);
  return n;
}

/* ---- the latch ------------------------------------------------------------
 */

struct corio__latch {
  pthread_mutex_t mu;
  pthread_cond_t cond;
  bool set;
};

int corio__latch_new(corio__latch_t **out) {
  corio__latch_t *l = calloc(1, sizeof *l);
  if (l == NULL) return CORIO_ENOMEM;
  pthread_mutex_init(&l->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&l->cond, &ca);
  pthread_condattr_destroy(&ca);
  *out = l;
  return CORIO_OK;
}

void corio__latch_set(corio__latch_t *l) {
  pthread_mutex_lock(&l->mu);
  l->set = true;
  pthread_cond_broadcast(&l->cond);
  pthread_mutex_unlock(&l->mu);
}

int corio__latch_wait(corio__latch_t *l, double timeout) {
  struct timespec due;
  clock_gettime(CLOCK_MONOTONIC, &due);
  if (timeout > 0) {
    double whole = (double)(time_t)timeout;
    due.tv_sec += (time_t)timeout;
    due.tv_nsec += (long)((timeout - whole) * 1e9);
    if (due.tv_nsec >= 1000000000L) {
      due.tv_sec++;
      due.tv_nsec -= 1000000000L;
    }
  }
  pthread_mutex_lock(&l->mu);
  int err = 0;
  while (!l->set && err != ETIMEDOUT) {
    if (timeout < 0)
      pthread_cond_wait(&l->cond, &l->mu);
    else
      err = pthread_cond_timedwait(&l->cond, &l->mu, &due);
  }
  bool set = l->set;
  pthread_mutex_unlock(&l->mu);
  return set ? CORIO_OK : CORIO_ETIMEDOUT;
}

void corio__latch_free(corio__latch_t *l) {
  if (l == NULL) return;
  pthread_cond_destroy(&l->cond);
  pthread_mutex_destroy(&l->mu);
  free(l);
}
