/*
 * backend.h — the contract between corio's platform-free core and the
 * backends beneath it. The core calls only these functions; each backend
 * implements one half, in one file per platform:
 *   fiber (how a task's context is saved and switched):
 *     runtime/fiber/fiber_emscripten.c, runtime/fiber/fiber_native.c
 *   host (the clock, and what the loop does when it has nothing to run):
 *     runtime/host/host_js.c (+ web/library_corio.js), runtime/host/host_poll.c
 * The build picks a backend by which files it compiles.
 */
#ifndef CORIO_BACKEND_H
#define CORIO_BACKEND_H

#include <stddef.h>

/* ---- fibers ------------------------------------------------------------ */

/* A saved execution context with its own C stack (and, in wasm, its own
 * Asyncify buffer). Opaque to the core. */
typedef struct corio__fiber corio__fiber_t;

typedef void (*corio__fiber_entry_fn)(void *arg);

/* The calling thread's own context, for the scheduler. Created on first use
 * per thread and kept for the thread's life. NULL on ENOMEM. */
corio__fiber_t *corio__fiber_main(void);

/* A new fiber with the given sizes (0 = the backend's default), not yet
 * started.
 * Returns 0 or a negative corio status (CORIO_ENOMEM, CORIO_EINVAL). */
int corio__fiber_new(corio__fiber_t **out, size_t stack_size,
                     size_t asyncify_size);
/* Prepares f to run entry(arg) at the next switch into it. The entry must
 * never return: it ends by switching away for good. May be called again
 * after the previous entry switched away for good (to reuse the fiber). */
void corio__fiber_start(corio__fiber_t *f, corio__fiber_entry_fn entry,
                        void *arg);
/* Frees a fiber that is not running. */
void corio__fiber_free(corio__fiber_t *f);
/* The sizes f was made with. */
size_t corio__fiber_stack_size(const corio__fiber_t *f);
size_t corio__fiber_asyncify_size(const corio__fiber_t *f);

/* Saves the current context into `from` and continues `to`. `finished`
 * says `from` will never be resumed (its entry is over). */
void corio__fiber_switch(corio__fiber_t *from, corio__fiber_t *to,
                         int finished);

/* Checks f's stack guard (a canary at the far end of its stack). Returns 0
 * if intact. */
int corio__fiber_check(const corio__fiber_t *f);

const char *corio__fiber_backend_name(void);

/* ---- host -------------------------------------------------------------- */

/* Monotonic clock, seconds. */
double corio__host_now(void);

/* Called by the scheduler (never by a task) when it has run a batch.
 * `timeout` is how long the loop may sleep: < 0 no limit (only an I/O
 * completion can wake it), 0 ready work is waiting, > 0 seconds until the
 * earliest timer. Returns when the timeout passed or an I/O completion
 * arrived; with 0 it may return at once (a backend with its own event loop
 * yields to it only now and then, to stay responsive). */
void corio__host_wait(double timeout);

/* How many host operations (I/O, JS promises) are in flight: while there
 * are none and no timer is set, nothing can wake a waiting task. */
size_t corio__host_pending(void);

/* Tell the host that corio_run's loop starts / has finished. */
void corio__host_loop_opened(void);
void corio__host_loop_closed(void);

const char *corio__host_backend_name(void);

#endif
