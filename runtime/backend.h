/*
 * backend.h — the contract between corio's platform-free core and the
 * backends beneath it. The core calls only these functions; each backend
 * implements one half, in one file per platform:
 *   fiber (how a task's context is saved and switched):
 *     runtime/fiber/fiber_emscripten.c (+ runtime/fiber/library_fiber.js:
 *     the swap), runtime/fiber/fiber_native.c
 *   host (the clock, and what the loop does when it has nothing to run):
 *     runtime/host/host_js.c (+ runtime/host/library_host.js),
 *     runtime/host/host_poll.c
 *   process (starting and reaping children, and the pipe transport):
 *     runtime/host/process_poll.c + pipe_poll.c (posix_spawn, pidfd),
 *     runtime/host/process_js.c (+ library_process.js: child_process)
 *   threads (worker pool, latch): runtime/host/threads_pthread.c, or
 *     runtime/host/threads_none.c in a build without threads
 *   net (the transports beneath streams):
 *     runtime/host/net_js.c (+ runtime/host/library_net.js: Node net/tls, or
 *     fetch() in browsers), runtime/host/net_poll.c (sockets, OpenSSL)
 * The build picks a backend by which files it compiles.
 */
#ifndef CORIO_BACKEND_H
#define CORIO_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "corio.h"

/* ---- fibers ------------------------------------------------------------ */

/* A saved execution context: a C stack of its own (and, in wasm, its own
 * Asyncify buffer), or a place on the thread's shared stack
 * (corio__fiber_new_shared). Opaque to the core. */
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
/* A new fiber on the calling thread's shared stack, not yet started: it
 * has no stack of its own. It runs on the shared stack, and while it is
 * parked (CORIO__FIBER_PARKS) another such fiber may run there: the used
 * part of its stack is kept elsewhere and put back, at the same addresses,
 * before it resumes. So a parked task costs the bytes its frames use, not
 * a stack. Only fibers of tasks that never lend their stack (corio.h,
 * "Pointers into a task's stack"; corio__fiber_pin says no) are made so.
 * Returns 0 or CORIO_ENOMEM. */
int corio__fiber_new_shared(corio__fiber_t **out);
/* The running fiber f is about to park (or, for an async generator's
 * consumer, to be left while its task may park): makes sure its frames can
 * be moved out later, whatever memory is left then. CORIO_OK, or CORIO_ENOMEM:
 * then it must not park (the wait fails with that status). */
int corio__fiber_ready_to_park(corio__fiber_t *f);
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

/* How a switch leaves `from`. */
enum {
  /* `from` is a task that parks: until it is switched back to, nothing may
   * touch its stack. The loop and other tasks reach a parked task only
   * through what lives in its task record or in the object it waits on
   * (wait-list nodes, timer handles, wake records: see "the wait/wake
   * protocol" in runtime/core/task.c), never through its stack, so a
   * backend may move a parked stack's used part elsewhere and back.
   * CORIO_CHECK_PARKED_STACKS=1 makes the native backend hold the core to
   * it: a parked stack is saved, overwritten with a pattern, checked and
   * restored at the switch back (a write while parked aborts, naming the
   * task; a read gets the pattern). */
  CORIO__FIBER_PARKS = 0,
  /* `from` will never be resumed (its entry is over). */
  CORIO__FIBER_ENDS = 1,
  /* `from` stays in use while `to` runs: the same task goes on on another
   * of its stacks (an async generator's body) and may use pointers into
   * the one it left. */
  CORIO__FIBER_STAYS = 2,
};

/* Whether p points into f's stack. */
bool corio__fiber_holds(const corio__fiber_t *f, const void *p);
/* Whether f was made by corio__fiber_new_shared: its stack is of the
 * backend's default size (a shared stack, where the backend has them). */
bool corio__fiber_shared(const corio__fiber_t *f);
/* A pointer into f's stack is handed to another task through corio's API
 * (include/corio.h says where that is allowed): f's stack must be left
 * where it is, as it is, while its task is parked, until corio__fiber_start
 * starts f again. Returns true; false for a fiber on the shared stack
 * (corio__fiber_new_shared), whose parked frames are moved by design. */
bool corio__fiber_pin(corio__fiber_t *f);

/* Saves the current context into `from` and continues `to`; `how` is one
 * of CORIO__FIBER_PARKS, _ENDS, _STAYS. */
void corio__fiber_switch(corio__fiber_t *from, corio__fiber_t *to, int how);

/* The word a backend writes just past the far end of a stack it guards
 * with a canary instead of a guard page. */
#define CORIO__STACK_CANARY 0xC0510C0A57ACCA11ull

/* Where f's canary word is (8-byte aligned; the word an overflow of f's
 * memory reaches first), or NULL if its stack has none (one behind a guard
 * page, the main stack).
 * Fixed for f's life: the core looks it up once per fiber and compares it
 * with CORIO__STACK_CANARY inline at every switch away from a task. */
const uint64_t *corio__fiber_canary(const corio__fiber_t *f);

const char *corio__fiber_backend_name(void);

/* From a fiber backend to the core: writes "corio: task NAME overflowed its
 * N-byte stack\n" for the task running now (stack_size: its stack's size)
 * into buf, NUL-terminated, without allocating or locking (a signal
 * handler calls it). Returns its length (< n). */
size_t corio__overflow_message(char *buf, size_t n, size_t stack_size);

/* The same for a task about to be resumed (the running one, as the core
 * sets it before the switch) whose parked stack was written: "corio: task
 * NAME: its stack was written while it was parked, OFFSET bytes below its
 * top ...\n". */
size_t corio__parked_write_message(char *buf, size_t n, size_t offset);

/* ---- host -------------------------------------------------------------- */

/* Monotonic clock, seconds. */
double corio__host_now(void);

/* How long, in seconds, the driver (runtime/core/driver.c) may run ready
 * work before it calls corio__host_wait(0) to give the host a turn; a pass
 * holding many tasks ends at that deadline too. 0: one pass at a time, and
 * no pass deadline. A constant of the backend. */
double corio__host_slice(void);

/* Called by the driver (never by a task) after a slice. `timeout` is how
 * long the loop may sleep: < 0 no limit (only an I/O completion can wake
 * it), 0 ready work is waiting, > 0 seconds until the earliest timer.
 * Returns when the timeout passed or an I/O completion arrived. With 0 it
 * gives the host its turn: a backend with its own event loop yields to it
 * once; a poll backend may skip the system call when it polled less than
 * its own interval ago. */
void corio__host_wait(double timeout);

/* How many host operations (I/O, JS promises) are in flight: while there
 * are none and no timer is set, nothing can wake a waiting task. */
size_t corio__host_pending(void);

/* The loop awaits work on other threads (executor jobs, corio_to_thread):
 * called with true when the first such job goes out, with false when the
 * last one is in. A host whose process may end while its event loop looks
 * idle keeps it alive meanwhile (wasm in Node: the worker threads never
 * keep the process alive, or an idle executor would stop it from ending);
 * a host that blocks in its own wait ignores it. */
void corio__host_keep_alive(bool held);

/* Tell the host that corio_run's loop starts / has finished. */
void corio__host_loop_opened(void);
void corio__host_loop_closed(void);

const char *corio__host_backend_name(void);

/* Whether the host asks for debug mode (natively CORIO_DEBUG=1 in the
 * environment; in wasm the JS host's Module.corioDebug, or CORIO_DEBUG
 * under Node). Read once, when the first loop opens. */
int corio__host_debug_requested(void);

/* ---- hosted runs: the host's own event loop drives (core verbs) ---------- */

/* For a host whose event loop cannot be blocked (JS): exported coroutines
 * run on a loop of the core's that outlives them, and the host runs it a
 * slice at a time from its own turns. Never called from inside a running
 * loop (they then refuse: CORIO_ERUNTIME, false, -1). */

/* How a hosted run ended: code is its status (CORIO_EDEADLK for a task
 * cancelled by a deadlock break), value its result, message its error text
 * ("" on success; borrowed for the call). The task is released after. */
typedef void (*corio__hosted_report_fn)(corio_task_t *task, int code,
                                        intptr_t value, const char *message);

/* Starts the coroutine exported (CORIO_EXPORT) as `name` with `arg`;
 * `report` is called once when it ends, from a later tick. *out is the
 * task (the host's handle for it, alive until reported). Returns CORIO_OK,
 * CORIO_ENOTFOUND (no such export), or CORIO_ENOMEM. */
int corio__hosted_start(const char *name, intptr_t arg,
                        corio__hosted_report_fn report, corio_task_t **out);
/* Requests the cancellation of a run not yet reported; false if its task
 * is done already. The host then ticks. */
bool corio__hosted_cancel(corio_task_t *task);
/* Runs ready work for one slice. Returns how long the host may wait before
 * the next tick, in seconds: 0 call again after one turn, > 0 until the
 * next timer, < 0 only a host completion can bring work. */
double corio__hosted_tick(void);

/* ---- parking a task on a host operation (core verbs) --------------------- */

/* For a backend's own awaitable operation (a JS Promise): the calling task
 * parks until the host completes the operation. While a task is parked,
 * the records the host touches live in the backend (or in the task's
 * frame, which stays put while it is parked and until corio__park
 * returns). */

/* The current task, or NULL outside a task with *status set to what a
 * waiting call then returns. */
corio_task_t *corio__park_self(int *status);
/* Parks the current task until corio__unpark; returns the status given
 * there, or CORIO_ECANCELLED if the task was cancelled first (the
 * operation's late completion must then be dropped by the backend). */
int corio__park(void);
/* Wakes a parked task with `status`; false (nothing done) if it is not
 * parked any more. Only records and schedules: never runs the task. */
bool corio__unpark(corio_task_t *task, int status);

/* ---- net transports ---------------------------------------------------- */

/* A connection / listener as the core sees it (runtime/core/conn.c and
 * server.c own them). The backend keeps its own state in the slot that
 * corio__conn_host / corio__listener_host return (NULL at first). */
typedef struct corio__conn corio__conn_t;
typedef struct corio__listener corio__listener_t;

void **corio__conn_host(corio__conn_t *c);
void **corio__listener_host(corio__listener_t *l);

typedef struct corio__net_opts {
  int tls;                 /* nonzero: TLS with certificate checks */
  const char *server_name; /* TLS name (SNI and certificate); never NULL
                            * when tls is set */
  const char *ca_file;     /* PEM CAs to trust instead of the system's, or
                            * NULL */
  int deny_private;        /* nonzero: before connecting to each address
                            * the name resolved to, ask
                            * corio_address_denied; a refused one is
                            * skipped, and when none is left the error is
                            * CORIO_EDENIED naming the address */
} corio__net_opts_t;

/* Calls from the core into the backend. None of them waits, and none calls
 * a corio__conn_on_* / corio__listener_on_* function before it returns:
 * every report comes later, from the host's event handling (native:
 * corio__host_wait; wasm: a JS event); the one exception is
 * corio__conn_on_phase, which only notes the time (a numeric host is
 * resolved inside corio__net_connect). Strings are only borrowed.
 *
 * Connection life: connect (or accept) -> on_connected -> any number of
 * on_data / on_sent, on_eof at most once -> after corio__net_close, or
 * after an on_error, exactly one on_closed, the last report of all; the
 * core frees its record only after it. Reports stop at on_closed. */

/* Starts connecting c to host:port. A failure is reported by on_error (with
 * the code for DNS, refused, TLS, ...) then on_closed. */
void corio__net_connect(corio__conn_t *c, const char *host, int port,
                        const corio__net_opts_t *opts);
/* Sends n bytes after the ones before; the backend copies them. It reports
 * on_sent(n') as the transport takes them (n' summed = bytes written). */
void corio__net_write(corio__conn_t *c, const void *data, size_t n);
/* Sends EOF after the bytes written (half-close). */
void corio__net_write_eof(corio__conn_t *c);
/* Stops (pause != 0) or restarts reading: the core's read buffer is full.
 * A few on_data may still arrive after a pause. */
void corio__net_pause_reading(corio__conn_t *c, int pause);
/* Closes c: after the bytes written are sent if `graceful`, at once
 * otherwise (aborting a fetch, resetting nothing). Then on_closed. May be
 * called once, at any point of the connection's life (even before
 * on_connected, which then never comes). */
void corio__net_close(corio__conn_t *c, int graceful);

/* Starts listening on host:port (0: any). Reports on_listening(port) or
 * on_error then on_closed; then on_accept per client. */
void corio__net_listen(corio__listener_t *l, const char *host, int port);
/* Stops listening; then on_closed (the last report). */
void corio__net_listen_close(corio__listener_t *l);

/* Reports from the backend to the core (runtime/core/conn.c, server.c). Each
 * only records and wakes tasks; none waits. */
/* The phases of opening a connection, for its timings (curl's namelookup
 * and connect times): reported as each is reached, before on_connected,
 * each at most once and in this order. A phase the transport cannot see
 * (the fetch carrier's) is not reported. on_connected ends the opening:
 * with TLS, the handshake is done then. */
enum {
  CORIO__PHASE_RESOLVED = 0, /* the name resolved (a numeric host: at once) */
  CORIO__PHASE_TCP = 1,      /* the TCP connection is made */
};
void corio__conn_on_phase(corio__conn_t *c, int phase);
void corio__conn_on_connected(corio__conn_t *c, const char *peer);
/* What asyncio's get_extra_info knows of a transport, each reported at
 * most once, before on_connected (for an accepted connection: before its
 * first data), where the platform knows it: the local address as
 * "host:port" (sockname), and with TLS the peer certificate's subject in
 * RFC 2253 form, e.g. "CN=localhost,O=corio" (peercert). The core copies
 * the text. */
void corio__conn_on_sockname(corio__conn_t *c, const char *sockname);
void corio__conn_on_peercert(corio__conn_t *c, const char *subject);
void corio__conn_on_data(corio__conn_t *c, const void *data, size_t n);
void corio__conn_on_eof(corio__conn_t *c);
void corio__conn_on_sent(corio__conn_t *c, size_t n);
/* code: a negative corio status; message: what and why, for the user. */
void corio__conn_on_error(corio__conn_t *c, int code, const char *message);
void corio__conn_on_closed(corio__conn_t *c);

void corio__listener_on_listening(corio__listener_t *l, int port);
void corio__listener_on_error(corio__listener_t *l, int code,
                              const char *message);
/* A client connected: returns its connection, already connected (the
 * backend fills its slot and reports on it as for corio__net_connect), or
 * NULL if the core refuses it (the backend then closes the socket). */
corio__conn_t *corio__listener_on_accept(corio__listener_t *l,
                                         const char *peer);
void corio__listener_on_closed(corio__listener_t *l);

/* A response head read by corio's parser for a carrier that hands the
 * bytes on to a parser of its own (the fetch() carrier in Node gives the
 * socket to undici): the head then meets corio's rules on that carrier
 * too (runtime/core/http_guard.c; the rules: http_parse.h). Feed it the
 * response's first bytes in order. */
typedef struct corio__head_guard corio__head_guard_t;
corio__head_guard_t *corio__head_guard_new(void); /* NULL without memory */
/* 0: the head is not complete yet (every byte was taken); 1: the final
 * head is complete, *used bytes of p taken (the rest is body), and
 * corio__head_guard_head gives it (interim 1xx responses left out); or a
 * corio status < 0 (CORIO_EPROTO, CORIO_ELIMIT, CORIO_ENOMEM) with
 * corio__head_guard_message. */
int corio__head_guard_feed(corio__head_guard_t *g, const char *p, size_t n,
                           size_t *used);
/* The final head's bytes (borrowed, valid until freed) and their count. */
const char *corio__head_guard_head(const corio__head_guard_t *g, size_t *len);
const char *corio__head_guard_message(const corio__head_guard_t *g);
void corio__head_guard_free(corio__head_guard_t *g);

/* ---- processes and pipes ------------------------------------------------ */

/* A child process as the core sees it (runtime/core/process.c owns it).
 * The backend keeps its own state in the slot corio__process_host returns
 * (NULL at first). */
typedef struct corio_process corio__process_t;

void **corio__process_host(corio__process_t *p);

/* What to start. Strings and arrays are only borrowed for the call. */
typedef struct corio__spawn {
  const char *const *argv; /* argv[0] is the program: with a "/", a path;
                            * else looked up in PATH. Never NULL or empty */
  const char *cwd;         /* NULL: the parent's */
  int env_mode;            /* corio_env_mode_t */
  const char *const *env;  /* "NAME=value", NULL-terminated, or NULL */
  int stdio[3];            /* corio_stdio_t of fds 0, 1, 2 (only fd 2 may
                            * be CORIO_STDIO_STDOUT) */
  corio__conn_t *pipes[3]; /* the connection record of each CORIO_STDIO_PIPE
                            * stream, else NULL: connecting state, made by
                            * the core */
} corio__spawn_t;

/* Calls from the core. As for connections, none waits and none reports
 * before it returns.
 *
 * Process life: spawn -> on_started(pid) -> on_exit(returncode), or spawn
 * -> on_start_error (the last report). After corio__process_release, or
 * once the backend reported on_detached (the run's loop ended), nothing
 * more is reported on the process. Its pipes are connections with the
 * life of section "net transports": on a successful start each pipe gets
 * on_connected before the process's on_started; after a failed start each
 * gets on_closed; in every case each gets exactly one on_closed, its last
 * report. */

/* Starts the child spec describes for p. Returns CORIO_OK, then reports as
 * above; or CORIO_ENOMEM when the backend cannot even keep a record, and
 * then reports nothing at all, on p or on its pipes. A failure to start is
 * on_start_error with CORIO_ENOENT / CORIO_EACCES (the program or the
 * working directory, named in the message), CORIO_ELIMIT (E2BIG),
 * CORIO_ENOTSUP (no processes here), CORIO_ENOMEM or CORIO_EIO. */
int corio__process_spawn(corio__process_t *p, const corio__spawn_t *spec);
/* Sends signal sig to the child. Called only after on_started and before
 * on_exit (the core knows a reaped child and never signals it). Returns
 * CORIO_OK or CORIO_EINVAL (no such signal); reports nothing. */
int corio__process_signal(corio__process_t *p, int sig);
/* The core frees p now: the backend reports nothing more on it and reaps
 * the child itself (now, or when it exits). Its pipes are not affected
 * (the core closes them as connections). */
void corio__process_release(corio__process_t *p);

/* Reports to the core. */
void corio__process_on_started(corio__process_t *p, int pid);
void corio__process_on_start_error(corio__process_t *p, int code,
                                   const char *message);
/* returncode: the exit status, or minus the signal number. */
void corio__process_on_exit(corio__process_t *p, int returncode);
/* The loop that started p has ended with the child still running: nothing
 * more is reported on p (a later loop of the thread reaps the child). */
void corio__process_on_detached(corio__process_t *p);

/* The pipe transport: the verbs of a connection whose record the core
 * gave to corio__process_spawn, with the meaning of their corio__net_*
 * twins. The stdin pipe is only written, stdout's and stderr's only read.
 * On a pipe write_eof ends the pipe for the child (EOF), as close does
 * once the bytes written are sent. A write to a child that has closed its
 * end (or exited) fails with on_error(CORIO_ECONNRESET). */
void corio__pipe_write(corio__conn_t *c, const void *data, size_t n);
void corio__pipe_write_eof(corio__conn_t *c);
void corio__pipe_pause_reading(corio__conn_t *c, int pause);
void corio__pipe_close(corio__conn_t *c, int graceful);

/* ---- threads ------------------------------------------------------------ */
/* Worker threads for blocking work, and the ways across threads: a waker
 * that interrupts the loop thread's corio__host_wait, a pool of workers,
 * a one-shot latch a foreign thread blocks on. runtime/host/threads_pthread.c
 * implements the pool and latch over pthreads (native, wasm -pthread);
 * runtime/host/threads_none.c, for a build without threads, fails them
 * with CORIO_ENOTSUP and says why. The waker belongs to the host (it must
 * interrupt that host's wait): host_poll.c (an eventfd), host_js.c. */

/* Makes corio__host_wait return soon on the loop thread that opened it.
 * Opened and closed on that thread; signalled from any thread. */
typedef struct corio__host_waker corio__host_waker_t;
/* CORIO_OK, ENOMEM; ENOTSUP in wasm off the main thread (host_js.c). */
int corio__host_waker_open(corio__host_waker_t **out);
void corio__host_waker_signal(corio__host_waker_t *w);
void corio__host_waker_close(corio__host_waker_t *w);

/* A unit of work for the pool: run(w) is called once on a worker thread,
 * unless the work is taken back first. Owned by the submitter. */
typedef struct corio__work {
  void (*run)(struct corio__work *w);
  struct corio__work *next; /* private: the pool's queue */
} corio__work_t;

typedef struct corio__pool corio__pool_t;

/* min(32, processors + 4). */
size_t corio__pool_default_workers(void);
/* A pool of at most max_workers (> 0) threads, none started yet.
 * CORIO_OK, CORIO_ENOMEM, CORIO_ENOTSUP (with the task's message set). */
int corio__pool_new(corio__pool_t **out, size_t max_workers);
/* Queues w (FIFO) and starts a worker if none is idle and fewer than the
 * maximum run. CORIO_OK, or CORIO_EFAILED when no worker runs and none
 * could be started (w is then not queued; the task's message says why),
 * CORIO_ECLOSED after corio__pool_close. */
int corio__pool_submit(corio__pool_t *p, corio__work_t *w);
/* Takes w out of the queue if it is still there (its run never comes). */
bool corio__pool_take_back(corio__pool_t *p, corio__work_t *w);
/* Accepts no more work. With take_queued, returns the queued work (a list
 * through ->next, FIFO), which will never run; else NULL, and the workers
 * run the queue to its end. Workers exit once the queue is empty; the
 * pool's memory goes with the last of them (the caller's pointer is dead
 * after this call). */
corio__work_t *corio__pool_close(corio__pool_t *p, bool take_queued);
/* Worker threads alive. */
size_t corio__pool_workers(const corio__pool_t *p);
/* Workers of closed pools (of every pool) whose threads have not yet
 * ended, started or not: a program must not exit while there are any (it
 * would free their stacks under them). Any thread. */
size_t corio__pool_leaving(void);

/* A flag set once, from any thread; waited for from any thread except the
 * loop's (it blocks). */
typedef struct corio__latch corio__latch_t;
int corio__latch_new(corio__latch_t **out); /* CORIO_OK, ENOMEM, ENOTSUP */
void corio__latch_set(corio__latch_t *l);
/* CORIO_OK once set, or CORIO_ETIMEDOUT after timeout seconds (< 0: none). */
int corio__latch_wait(corio__latch_t *l, double timeout);
void corio__latch_free(corio__latch_t *l);

#endif
