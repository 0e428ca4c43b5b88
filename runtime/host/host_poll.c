/*
 * host_poll.c — the native host backend: CLOCK_MONOTONIC for time, and the
 * reactor beneath the loop: a registry of watched descriptors, polled in
 * corio__host_wait with the loop's timeout and dispatched to their
 * transports, plus the reports the transports deferred to it, to its next
 * turn or to a later time (poll_watch.h); at the end of a run, the end of
 * every transport left open; and the loop's waker (an eventfd other
 * threads write to). The registry is the calling thread's, as the loop is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "corio.h"
#include "poll_watch.h"

/* A loop with ready work calls corio__host_wait(0) after every batch; it
 * polls at most this often then, so a busy loop keeps its pace (a
 * system call costs more than a task switch) and still sees I/O. */
#define POLL_BUSY_INTERVAL 0.001

static _Thread_local struct {
  struct pollfd *pfds;           /* what poll() gets, one per watch */
  corio__poll_watch_t **watches; /* watches[i] owns pfds[i] */
  size_t len, cap;
  corio__poll_defer_t *defer_head, *defer_tail; /* run at the next wait */
  corio__poll_defer_t *running;  /* the batch being run (still queued) */
  corio__poll_timer_t *timers;   /* armed, in no order (a handful at most) */
  size_t holds;                  /* transports not yet reported closed */
  corio__poll_closer_t *closers; /* what runs when a run ends */
  double last_poll;              /* when poll() last looked, host time */
} reactor;

double corio__host_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the watch registry ------------------------------------------------- */

int corio__poll_watch_start(corio__poll_watch_t *w, int fd, short events,
                            corio__poll_fn fn, void *data) {
  if (reactor.len == reactor.cap) {
    size_t cap = reactor.cap ? reactor.cap * 2 : 16;
    struct pollfd *pfds = realloc(reactor.pfds, cap * sizeof *pfds);
    if (pfds == NULL) return CORIO_ENOMEM;
    reactor.pfds = pfds;
    corio__poll_watch_t **watches =
        realloc(reactor.watches, cap * sizeof *watches);
    if (watches == NULL) return CORIO_ENOMEM;
    reactor.watches = watches;
    reactor.cap = cap;
  }
  w->fd = fd;
  w->fn = fn;
  w->data = data;
  w->active = true;
  w->index = reactor.len++;
  reactor.watches[w->index] = w;
  reactor.pfds[w->index].revents = 0; /* nothing to dispatch until polled */
  corio__poll_watch_set(w, events);
  return CORIO_OK;
}

void corio__poll_watch_set(corio__poll_watch_t *w, short events) {
  w->events = events;
  if (!w->active) return;
  struct pollfd *p = &reactor.pfds[w->index];
  /* A negative fd makes poll() skip the slot, POLLHUP and POLLERR too: a
   * paused transport with nothing to send must not spin on them. */
  p->fd = events ? w->fd : -1;
  p->events = events;
}

void corio__poll_watch_stop(corio__poll_watch_t *w) {
  if (!w->active) return;
  size_t last = --reactor.len;
  if (w->index != last) {
    reactor.pfds[w->index] = reactor.pfds[last];
    reactor.watches[w->index] = reactor.watches[last];
    reactor.watches[w->index]->index = w->index;
  }
  w->active = false;
}

bool corio__poll_watching(const corio__poll_watch_t *w) { return w->active; }

/* Calls the watch of every slot poll() found ready. A callback may start
 * and stop watches: a stopped slot is refilled from the end, so the slot is
 * looked at again; a slot's revents are cleared before its call, so nothing
 * is dispatched twice. An event skipped by the shuffle is level-triggered
 * and comes back at the next poll. */
static void dispatch(void) {
  for (size_t i = 0; i < reactor.len; i++) {
    short revents = reactor.pfds[i].revents;
    if (revents == 0) continue;
    reactor.pfds[i].revents = 0;
    corio__poll_watch_t *w = reactor.watches[i];
    w->fn(w->data, revents);
    if (i < reactor.len && reactor.watches[i] != w) i--; /* refilled */
  }
}

/* ---- deferred reports --------------------------------------------------- */

void corio__poll_defer(corio__poll_defer_t *d, void (*fn)(void *data),
                       void *data) {
  if (d->queued) return;
  d->fn = fn;
  d->data = data;
  d->next = NULL;
  d->queued = true;
  if (reactor.defer_tail)
    reactor.defer_tail->next = d;
  else
    reactor.defer_head = d;
  reactor.defer_tail = d;
}

/* Unlinks d from the singly linked list at *head (tail: its last node, or
 * NULL for the running batch, which has none). */
static bool unlink_from(corio__poll_defer_t **head, corio__poll_defer_t **tail,
                        corio__poll_defer_t *d) {
  corio__poll_defer_t *prev = NULL;
  for (corio__poll_defer_t *p = *head; p; prev = p, p = p->next) {
    if (p != d) continue;
    if (prev)
      prev->next = d->next;
    else
      *head = d->next;
    if (tail && *tail == d) *tail = prev;
    return true;
  }
  return false;
}

void corio__poll_defer_cancel(corio__poll_defer_t *d) {
  if (!d->queued) return;
  if (!unlink_from(&reactor.running, NULL, d))
    unlink_from(&reactor.defer_head, &reactor.defer_tail, d);
  d->queued = false;
}

/* Runs the calls queued so far; calls they queue wait for the next batch.
 * Returns whether it ran any. */
static bool run_deferred(void) {
  if (reactor.defer_head == NULL) return false;
  reactor.running = reactor.defer_head;
  reactor.defer_head = reactor.defer_tail = NULL;
  while (reactor.running) {
    corio__poll_defer_t *d = reactor.running;
    reactor.running = d->next;
    d->queued = false;
    d->fn(d->data); /* may free d */
  }
  return true;
}

/* ---- calls deferred to a time ------------------------------------------ */

void corio__poll_timer_start(corio__poll_timer_t *t, double delay,
                             void (*fn)(void *data), void *data) {
  t->fn = fn;
  t->data = data;
  t->due = corio__host_now() + delay;
  if (t->armed) return;
  t->armed = true;
  t->next = reactor.timers;
  reactor.timers = t;
}

void corio__poll_timer_stop(corio__poll_timer_t *t) {
  if (!t->armed) return;
  corio__poll_timer_t **p = &reactor.timers;
  while (*p != t) p = &(*p)->next;
  *p = t->next;
  t->armed = false;
}

/* timeout, shortened so the wait ends when the first timer is due. */
static double until_first_timer(double timeout) {
  double due = reactor.timers->due;
  for (corio__poll_timer_t *t = reactor.timers->next; t; t = t->next)
    if (t->due < due) due = t->due;
  double left = due - corio__host_now();
  if (left < 0) left = 0;
  return timeout < 0 || left < timeout ? left : timeout;
}

/* Calls the timers due by now. A call may arm and disarm timers, so the
 * list is searched again from its start after each. */
static void run_timers(double now) {
  corio__poll_timer_t **p = &reactor.timers;
  while (*p) {
    corio__poll_timer_t *t = *p;
    if (t->due > now) {
      p = &t->next;
      continue;
    }
    *p = t->next;
    t->armed = false;
    t->fn(t->data);
    p = &reactor.timers;
  }
}

/* ---- waiting ------------------------------------------------------------ */

static int timeout_ms(double timeout) {
  if (timeout < 0) return -1;
  double rounded = timeout * 1000.0 + 0.999; /* never wake early */
  return rounded > 2147483647.0 ? 2147483647 : (int)rounded;
}

/* One pass at a time: the loop asks for I/O after every pass (and the
 * reactor keeps its own pace for the system call, POLL_BUSY_INTERVAL). */
double corio__host_slice(void) { return 0; }

void corio__host_wait(double timeout) {
  /* Reports first: they wake tasks, so the loop must not sleep after. */
  if (run_deferred()) timeout = 0;
  if (timeout == 0) {
    /* Nothing to poll or to call: ready work waits. */
    if (reactor.len == 0 && reactor.timers == NULL) return;
    if (corio__host_now() - reactor.last_poll < POLL_BUSY_INTERVAL) return;
  }
  if (reactor.timers) timeout = until_first_timer(timeout);
  int ms = timeout_ms(timeout); /* 0 after deferred reports ran */
  int n = poll(reactor.pfds, reactor.len, ms); /* EINTR: an early return */
  reactor.last_poll = corio__host_now();
  if (n > 0) dispatch();
  if (reactor.timers) run_timers(reactor.last_poll);
  run_deferred();
}

size_t corio__host_pending(void) {
  return reactor.holds + (reactor.defer_head != NULL);
}

void corio__poll_hold(void) { reactor.holds++; }

void corio__poll_release(void) { reactor.holds--; }

/* The loop blocks in poll while it waits: nothing else to keep alive. */
void corio__host_keep_alive(bool held) { (void)held; }

void corio__host_loop_opened(void) {}

/* A transport the program left open (a server not closed, a graceful
 * close still flushing when main returned) cannot outlive its loop: it is
 * aborted, and its last reports (on_closed) are made now, when no task is
 * left to wake, so the core frees its records and no socket reports into
 * a later run. */
void corio__host_loop_closed(void) {
  for (corio__poll_closer_t *c = reactor.closers; c; c = c->next) c->fn();
  while (run_deferred()) {
  }
}

void corio__poll_on_loop_closed(corio__poll_closer_t *c) {
  if (c->linked) return;
  c->linked = true;
  c->next = reactor.closers;
  reactor.closers = c;
}

const char *corio__host_backend_name(void) { return "poll"; }

/* ---- the waker: an eventfd the reactor watches ------------------------- */

/* Other threads write to the eventfd; poll() then returns and the watch
 * drains the count. The core takes what they queued at its next pass. The
 * watch is no hold (corio__host_pending): the core knows itself whether a
 * thread may still post (its jobs in flight). */
struct corio__host_waker {
  int fd;
  corio__poll_watch_t watch;
};

static void waker_drain(void *data, short revents) {
  (void)revents;
  corio__host_waker_t *w = data;
  uint64_t n;
  while (read(w->fd, &n, sizeof n) < 0 && errno == EINTR) {
  }
}

int corio__host_waker_open(corio__host_waker_t **out) {
  corio__host_waker_t *w = calloc(1, sizeof *w);
  if (w == NULL) return CORIO_ENOMEM;
  w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->fd < 0) {
    int err = errno;
    free(w);
    return err == ENOMEM ? CORIO_ENOMEM : CORIO_EFAILED;
  }
  int rc = corio__poll_watch_start(&w->watch, w->fd, POLLIN, waker_drain, w);
  if (rc != CORIO_OK) {
    close(w->fd);
    free(w);
    return rc;
  }
  *out = w;
  return CORIO_OK;
}

void corio__host_waker_signal(corio__host_waker_t *w) {
  uint64_t one = 1;
  while (write(w->fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void corio__host_waker_close(corio__host_waker_t *w) {
  if (w == NULL) return;
  corio__poll_watch_stop(&w->watch);
  close(w->fd);
  free(w);
}

int corio__host_debug_requested(void) {
  const char *v = getenv("CORIO_DEBUG");
  return v != NULL && strcmp(v, "1") == 0;
}

int corio_js_await(const char *name, const char *arg, char **out) {
  (void)name;
  (void)arg;
  if (out) *out = NULL;
  return corio_fail(CORIO_ENOTSUP,
                    "corio_js_await needs a WebAssembly build (no JS here)");
}
