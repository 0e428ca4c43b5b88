/*
 * poll_watch.h — the native reactor's private interface (host_poll.c), for
 * the transports beside it (net_poll.c, net_poll_listen.c): watch a
 * descriptor, defer a report to the next corio__host_wait or to a later
 * time, count the transports that can still wake a task, and abort the
 * ones left open when a run ends. Everything here belongs to the calling
 * thread (one loop per thread) and is called only from it.
 */
#ifndef CORIO_HOST_POLL_WATCH_H
#define CORIO_HOST_POLL_WATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Called from corio__host_wait with poll()'s revents for the descriptor. */
typedef void (*corio__poll_fn)(void *data, short revents);

/* A watched descriptor. Owned (embedded) by the transport; the reactor only
 * links it while it is watched. All zero (calloc) is "not watched". */
typedef struct corio__poll_watch {
  int fd;            /* the descriptor */
  short events;      /* POLLIN / POLLOUT wanted (0: kept, but not polled) */
  corio__poll_fn fn; /* what to call when poll reports it */
  void *data;        /* fn's argument */
  bool active;       /* private: linked in the reactor */
  size_t index;      /* private: its slot in the reactor's arrays */
} corio__poll_watch_t;

/* Starts watching fd for events, calling fn(data, revents). CORIO_OK or
 * CORIO_ENOMEM. The watch must not be watched already. */
int corio__poll_watch_start(corio__poll_watch_t *w, int fd, short events,
                            corio__poll_fn fn, void *data);
/* Changes the events of a watched descriptor (no system call). */
void corio__poll_watch_set(corio__poll_watch_t *w, short events);
/* Stops watching (before the descriptor is closed). No-op if not watched.
 * A callback may stop any watch, its own included. */
void corio__poll_watch_stop(corio__poll_watch_t *w);
bool corio__poll_watching(const corio__poll_watch_t *w);

/* A call deferred to the reactor's next turn: the way a transport reports
 * something a corio__net_* call decided (a close, a connect that failed at
 * once) without reporting from inside that call. Owned (embedded) by the
 * transport. */
typedef struct corio__poll_defer {
  void (*fn)(void *data);
  void *data;
  struct corio__poll_defer *next; /* private */
  bool queued;                    /* private */
} corio__poll_defer_t;

/* Queues fn(data) to run in the next corio__host_wait (which then does not
 * sleep). No-op if d is queued already (fn and data are then kept). */
void corio__poll_defer(corio__poll_defer_t *d, void (*fn)(void *data),
                       void *data);
/* Takes back a queued call; no-op if it is not queued. */
void corio__poll_defer_cancel(corio__poll_defer_t *d);

/* A call deferred to a later time: the way a transport retries what it
 * cannot do now (a listener out of descriptors). Not a general timer (the
 * core has those): few are armed at once, so they are kept in a plain
 * list. Owned (embedded) by the transport; all zero (calloc) is "not
 * armed". */
typedef struct corio__poll_timer {
  void (*fn)(void *data);
  void *data;
  double due;                     /* private: host time (corio__host_now) */
  struct corio__poll_timer *next; /* private */
  bool armed;                     /* private */
} corio__poll_timer_t;

/* Calls fn(data) from a corio__host_wait once `delay` seconds (> 0) have
 * passed; the waits until then sleep no longer. Re-arms t if armed already
 * (fn, data and the time are replaced). It does not count as pending
 * (corio__poll_hold): the transport arming it holds the loop itself. */
void corio__poll_timer_start(corio__poll_timer_t *t, double delay,
                             void (*fn)(void *data), void *data);
/* Disarms t; no-op if it is not armed. */
void corio__poll_timer_stop(corio__poll_timer_t *t);

/* A function run at the end of every run of the thread's loop
 * (corio__host_loop_closed), before the reactor delivers its last deferred
 * reports: a transport file registers one when it makes its first
 * transport, to abort what a program left open. Owned (a static) by the
 * registering file. */
typedef struct corio__poll_closer {
  void (*fn)(void);
  struct corio__poll_closer *next; /* private */
  bool linked;                     /* private */
} corio__poll_closer_t;

/* Registers c (its fn set) once; no-op when registered already. */
void corio__poll_on_loop_closed(corio__poll_closer_t *c);

/* Counts the transports (connections, listeners) that are not yet reported
 * closed: corio__host_pending() is their number, so the core never thinks
 * the loop deadlocked while a socket can still wake a task. */
void corio__poll_hold(void);
void corio__poll_release(void);

#endif
