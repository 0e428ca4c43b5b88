/*
 * corio.h — the public C API of corio, an asyncio-style coroutine and task
 * runtime for WebAssembly (Emscripten fibers, the JS event loop as reactor)
 * and native Linux (ucontext, poll).
 *
 * Sections, in the order a user learns them:
 *   1. Statuses and the error model
 *   2. Running a main coroutine
 *   3. The event loop: time, call_soon, call_later, call_at
 *   4. Tasks: create, name, status, result, error, cancel, callbacks
 *   5. Waiting: sleep, await, gather, wait, as_completed, wait_for,
 *      timeout scopes, shield, TaskGroup
 *   6. Synchronization: Event, Lock, Condition, Semaphore, Barrier
 *   7. Queues: FIFO, LIFO, priority
 *   8. Async iteration: iterators, generators, comprehensions
 *   9. Async context managers
 *  10. JavaScript interop (WebAssembly builds)
 *  11. Streams: open_connection, start_server, readers, writers
 *  12. HTTP: a small client (fetch) with the body as a reader
 *
 * THE ERROR MODEL
 * C has no exceptions, so errors are values:
 *   - Every call that can wait (suspend the calling task) returns an int
 *     status: CORIO_OK (0), a negative CORIO_E* code, or, for iterators only,
 *     CORIO_END (1, "no more items", which is not an error).
 *   - Cancellation is the status CORIO_ECANCELLED, returned by the waiting
 *     call at which the task was suspended (the C form of CancelledError).
 *     A task may clean up and then either return CORIO_ECANCELLED (it ends
 *     cancelled) or carry on (it "caught" the cancellation).
 *   - A coroutine returns its status and writes its result through a pointer:
 *     returning CORIO_OK ends the task with that result; returning
 *     CORIO_ECANCELLED ends it cancelled; any other code ends it with an
 *     error carrying that code and a message.
 *   - Messages: like errno, each task holds the message of its last error.
 *     corio_fail() sets it; a waiting call that returns an error sets it too
 *     (awaiting a failed task copies that task's message, a timeout says
 *     "timed out", ...). So `return rc;` after a failed call propagates the
 *     code and the message together. corio_errmsg() reads it.
 *   - Codes at or below CORIO_EUSER are the application's own.
 *   - Errors propagate through await, gather, wait_for and TaskGroup as
 *     asyncio propagates exceptions (see each function).
 *
 * OWNERSHIP
 *   - A task is reference counted. corio_task_create() gives the caller one
 *     reference, which it must drop with corio_task_release(). The loop keeps
 *     its own reference while the task runs, so releasing a running task does
 *     not stop it ("fire and forget" is create + release).
 *   - Strings passed in (names, messages) are copied; strings returned are
 *     owned by the object they came from and valid as stated at each function.
 *   - Handles, timeout scopes are caller-allocated and must stay valid
 *     for as long as stated at each function.
 *
 * POINTERS INTO A TASK'S STACK
 *   While a task is parked (suspended in a waiting call), nothing but the
 *   task itself may use its stack: the loop and other tasks reach it only
 *   through its task record and the objects it waits on. A task with the
 *   default sizes runs on a stack shared with other tasks (in wasm, and
 *   natively on x86-64): when it parks, the frames it uses are moved aside
 *   (in wasm with their Asyncify data), and put back at the same addresses
 *   before it resumes, so a parked task costs the bytes its frames use, not
 *   a stack. corio_run's main task, and a task
 *   given a stack_size or asyncify_size (corio_task_opts_t) or run by a
 *   loop given default sizes (corio_run_opts_t), have a stack of their own.
 *   A pointer to a local variable of one of those may be handed on through
 *   these calls, which then leave its stack where it is, as it is, for the
 *   rest of the task's life; the same calls refuse a pointer into a shared
 *   stack with CORIO_EINVAL and a message naming the call and the task:
 *     - the argument of corio_task_create (and corio_task_group_spawn),
 *       corio_coro_new, corio_gen_new, corio_start_server,
 *       corio_executor_submit and corio_to_thread, and the value sent by
 *       corio_gen_asend;
 *     - the handle and the data of corio_call_soon/_later/_at, and the data
 *       of corio_task_add_done_callback;
 *     - an item of corio_queue_put and corio_queue_put_nowait.
 *   The pointer itself must be the argument: a local reached through
 *   another pointer (a heap struct holding the address of a local, a
 *   global) is not seen, and must not be used by others while its task is
 *   parked. A timeout scope (corio_timeout_t) may be a local: what the
 *   loop holds of it is on the heap while it is entered. Natively,
 *   CORIO_CHECK_PARKED_STACKS=1 in the environment holds a program to this
 *   rule: a parked task's frames are overwritten with a pattern until it
 *   resumes (a read gets the pattern), and a write to a parked stack of its
 *   own aborts the program, naming the task. The test suite runs every
 *   native program so.
 *
 * THREADS
 *   A loop and its tasks belong to one thread; corio functions are not
 *   thread safe. Waiting calls may only be made from inside a task.
 */
#ifndef CORIO_H
#define CORIO_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================== */
/* 1. Statuses and the error model                                        */
/* ===================================================================== */

/* XX(NAME, value, message): the single list that makes the enum, the names
 * and the messages, so a code can never lack either. */
#define CORIO_STATUS_MAP(XX)                                                   \
  XX(OK, 0, "success")                                                         \
  XX(END, 1, "no more items")                                                  \
  XX(ECANCELLED, -1, "cancelled")                                              \
  XX(ETIMEDOUT, -2, "timed out")                                               \
  XX(EINVAL, -3, "invalid argument")                                           \
  XX(ENOMEM, -4, "out of memory")                                              \
  XX(EINVALSTATE, -5, "invalid state")                                         \
  XX(ENOTASK, -6, "not called from inside a task")                             \
  XX(EEMPTY, -7, "empty")                                                      \
  XX(EFULL, -8, "full")                                                        \
  XX(ECLOSED, -9, "closed")                                                    \
  XX(EBROKEN, -10, "broken")                                                   \
  XX(EGROUP, -11, "one or more tasks of the group failed")                     \
  XX(ENOTSUP, -12, "not supported on this platform")                           \
  XX(EHOST, -13, "host (JavaScript) error")                                    \
  XX(EFAILED, -14, "failed")                                                   \
  XX(ENOTFOUND, -15, "not found")                                              \
  XX(EIO, -16, "input/output error")                                           \
  XX(EDEADLK, -17, "deadlock: every task waits and nothing can wake one")      \
  XX(EDNS, -18, "host name not found")                                         \
  XX(ECONNREFUSED, -19, "connection refused")                                  \
  XX(ECONNRESET, -20, "connection reset by peer")                              \
  XX(ETLS, -21, "TLS error")                                                   \
  XX(EPROTO, -22, "malformed response")                                        \
  XX(ECORS, -23, "reachable, status hidden by the browser")                    \
  XX(ELIMIT, -24, "over the length limit")                                     \
  XX(EINCOMPLETE, -25, "end of stream before the expected data")               \
  XX(ENETWORK, -26, "network error (the browser does not say which)")          \
  XX(EDENIED, -27, "address refused by the address policy")                    \
  XX(ENOLOOP, -28, "no running event loop")                                    \
  XX(ERUNTIME, -29, "not allowed in the object's current state")               \
  XX(ENOENT, -30, "no such file or directory")                                 \
  XX(EACCES, -31, "permission denied")

typedef enum corio_status {
#define CORIO__STATUS_ENUM(name, value, msg) CORIO_##name = (value),
  CORIO_STATUS_MAP(CORIO__STATUS_ENUM)
#undef CORIO__STATUS_ENUM
  /* Codes at or below this one belong to the application. */
  CORIO_EUSER = -1000
} corio_status_t;

/* asyncio exception -> corio status. Where asyncio raises distinct classes,
 * corio returns distinct statuses:
 *   CancelledError                      CORIO_ECANCELLED
 *   TimeoutError                        CORIO_ETIMEDOUT
 *   InvalidStateError                   CORIO_EINVALSTATE (a future's or
 *                                       task's result asked before it is
 *                                       set, set twice, ...)
 *   RuntimeError "no running event loop"  CORIO_ENOLOOP
 *   RuntimeError (any other: a lock released unlocked, a Timeout entered
 *     twice, a TaskGroup finished, a coroutine awaited twice, a task
 *     awaiting itself, a generator already running, a nested run, ...)
 *                                       CORIO_ERUNTIME
 *   (awaiting outside a task: a loop callback cannot await)  CORIO_ENOTASK
 *   ValueError (a negative semaphore value, BoundedSemaphore released too
 *     often, task_done() too often, ...)  CORIO_EINVAL
 *   MemoryError                         CORIO_ENOMEM
 *   IncompleteReadError                 CORIO_EINCOMPLETE
 *   LimitOverrunError                   CORIO_ELIMIT
 *   QueueEmpty / QueueFull              CORIO_EEMPTY / CORIO_EFULL
 *   QueueShutDown                       CORIO_ECLOSED
 *   BrokenBarrierError                  CORIO_EBROKEN
 *   ExceptionGroup (of a TaskGroup)     CORIO_EGROUP
 *   StopAsyncIteration                  CORIO_END (not an error)
 *   GeneratorExit (in a generator body)  CORIO_ECLOSED
 *   ConnectionRefusedError              CORIO_ECONNREFUSED
 *   ConnectionResetError                CORIO_ECONNRESET
 *   socket.gaierror                     CORIO_EDNS
 *   ssl.SSLError                        CORIO_ETLS
 *   OSError (other)                     CORIO_EIO
 *   NotImplementedError                 CORIO_ENOTSUP
 */

/* A static, human-readable message for a code ("unknown error" if it has
 * none, "application error" at or below CORIO_EUSER). Never NULL. */
const char *corio_strerror(int code);

/* The code's name, e.g. "CORIO_ETIMEDOUT" (static): "CORIO_EUSER" for any
 * code at or below CORIO_EUSER, "CORIO_UNKNOWN" for other unnamed codes. */
const char *corio_err_name(int code);

/* Sets the current task's error message (printf-style, copied) and returns
 * `code`, so a coroutine can write `return corio_fail(CORIO_EINVAL, "bad
 * port %d", port);`. Outside a task it only returns `code`. */
int corio_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The current task's last error message: set by corio_fail() or by a waiting
 * call that failed; "" if none. Valid until the task's next corio call that
 * can set an error. Outside a task: "". */
const char *corio_errmsg(void);

/* ===================================================================== */
/* 2. Running a main coroutine                                            */
/* ===================================================================== */

/* A coroutine: runs inside a task, may call waiting functions, returns a
 * status and, on CORIO_OK, writes its result to *result (which starts at 0;
 * the pointer is never NULL). The result is an intptr_t: a number, or a
 * pointer whose ownership the coroutine documents. */
typedef int (*corio_fn)(void *arg, intptr_t *result);

/* What a run ended with. */
typedef struct corio_outcome {
  int code;          /* the main task's status (CORIO_OK, ECANCELLED, ...) */
  intptr_t value;    /* its result when code == CORIO_OK, else 0 */
  char message[256]; /* its error message ("" on success), truncated */
} corio_outcome_t;

/* Options for a run; zero means the default everywhere. */
typedef struct corio_run_opts {
  size_t stack_size;    /* default C stack of every task (bytes) */
  size_t asyncify_size; /* default Asyncify buffer of every task (wasm) */
} corio_run_opts_t;

/* Like asyncio.run(): makes a new event loop, runs fn(arg) as its main task
 * until it finishes, then cancels every task still pending and waits for
 * them (so their cleanup runs), and closes the loop. Returns main's status
 * and stores its result in *result (if not NULL). Must not be called from
 * inside a task (returns CORIO_ERUNTIME).
 * Unlike asyncio, a run in which every task waits while nothing (no timer,
 * no I/O) can ever wake one does not hang: every task is cancelled with the
 * message of CORIO_EDEADLK, and if main then ends cancelled, the run returns
 * CORIO_EDEADLK.
 * Also unlike asyncio, the shutdown's cancellation begins right after the
 * pass of the loop in which main ends: a task that has not begun by then
 * (one main made and never awaited) is cancelled before its first step, and
 * its body never runs. asyncio
 * stops its loop through main's done callback, queued behind what is ready,
 * so there such a task runs its first step (up to its first await) and is
 * cancelled at that await. That is how asyncio's loop happens to stop, not
 * a behaviour its documentation promises; corio keeps the simpler rule
 * (tests/c/test_run.c, task_not_started_when_main_returns_*).
 * In a wasm build this call suspends wasm through Asyncify while the JS
 * event loop runs, so it is to be called from main() or from a JS
 * `ccall(..., {async: true})`. */
int corio_run(corio_fn fn, void *arg, intptr_t *result);

/* corio_run() with options (may be NULL) and the full outcome (may be NULL),
 * message included. */
int corio_run_ex(corio_fn fn, void *arg, const corio_run_opts_t *opts,
                 corio_outcome_t *out);

/* The name of the backends this build runs on, e.g.
 * "emscripten-fiber/js-event-loop" or "ucontext/poll". Static. */
const char *corio_backend_name(void);

/* ===================================================================== */
/* 3. The event loop                                                      */
/* ===================================================================== */

typedef struct corio_loop corio_loop_t;

/* "No limit" for every timeout and deadline of corio (asyncio's None):
 * corio_wait_for(t, CORIO_FOREVER, ...), corio_timeout_enter(&to,
 * CORIO_FOREVER), ... A timeout of zero or less means "expired already", as
 * in asyncio; NaN is CORIO_EINVAL. */
#define CORIO_FOREVER ((double)INFINITY)

/* The running loop (asyncio's get_running_loop()): CORIO_OK with *out, or
 * CORIO_ENOLOOP ("no running event loop", *out = NULL) outside corio_run().
 * The loop is owned by corio_run(). */
int corio_get_running_loop(corio_loop_t **out);
/* The same as a pointer: NULL outside corio_run(). */
corio_loop_t *corio_running_loop(void);

/* The loop's monotonic clock, in seconds (asyncio's loop.time()). Outside a
 * loop, the same clock. */
double corio_time(void);

/* A callback scheduled on the loop. Runs in the loop, never inside the call
 * that scheduled it. */
typedef void (*corio_callback_fn)(void *data);

/* A scheduled callback (asyncio's Handle / TimerHandle). Caller-allocated;
 * its fields are private. Must stay valid until the callback has run or the
 * handle was cancelled. May be reused after that. */
typedef struct corio_handle {
  corio_callback_fn fn;             /* private */
  void *data;                       /* private */
  double when;                      /* private: due time (timers) */
  struct corio_handle *prev, *next; /* private: ready queue links */
  size_t heap_index;                /* private: position in the timer heap */
  uint64_t seq;                     /* private: FIFO order (ties, passes) */
  int state;                        /* private */
  int loop_owned;                   /* private: freed by the loop */
} corio_handle_t;

/* Schedule fn(data) to run on the running loop: soon (FIFO with other
 * call_soon callbacks), after `delay` seconds, or at loop time `when`.
 * `h` may be NULL, in which case corio allocates and frees the handle and
 * the call cannot be cancelled. Returns CORIO_OK, CORIO_ENOLOOP with no
 * running loop, CORIO_ENOMEM, CORIO_EINVAL (NULL fn, NaN time), or
 * CORIO_ERUNTIME if `h` is still scheduled. */
int corio_call_soon(corio_handle_t *h, corio_callback_fn fn, void *data);
int corio_call_later(corio_handle_t *h, double delay, corio_callback_fn fn,
                     void *data);
int corio_call_at(corio_handle_t *h, double when, corio_callback_fn fn,
                  void *data);

/* Cancel a scheduled callback. Returns true if it was pending (it will not
 * run), false if it already ran or was cancelled. */
bool corio_handle_cancel(corio_handle_t *h);

/* asyncio's Handle.cancelled(): true once corio_handle_cancel() took it
 * back (until it is scheduled again); false while pending or after it
 * ran. */
bool corio_handle_cancelled(const corio_handle_t *h);

/* asyncio's TimerHandle.when(): the loop time a call_later / call_at
 * handle is (or was) due at. Meaningless for a call_soon handle. */
double corio_handle_when(const corio_handle_t *h);

/* ===================================================================== */
/* 4. Tasks                                                               */
/* ===================================================================== */

typedef struct corio_task corio_task_t;

/* Options for a new task; zero or NULL means the default. Default sizes:
 * in wasm a 16 KiB C stack and a 4 KiB Asyncify buffer (printf of floating
 * point alone needs ~8 KiB of stack), natively a 256 KiB C stack; a task
 * with the default sizes shares them with other tasks (see "Pointers into
 * a task's stack" above). A size given here is the task's own stack (for
 * deep recursion, or to lend its locals). Too small a size is reported as
 * a stack overflow, never silent. */
typedef struct corio_task_opts {
  const char *name;     /* copied; default "Task-N" */
  size_t stack_size;    /* this task's C stack, bytes */
  size_t asyncify_size; /* this task's Asyncify buffer, bytes (wasm only) */
} corio_task_opts_t;

/* Creates a task that runs fn(arg) on the running loop (asyncio's
 * create_task). The task does not start before its creator suspends.
 * On success *out holds a reference owned by the caller: drop it with
 * corio_task_release(). Returns CORIO_OK, CORIO_ENOLOOP (no running loop),
 * CORIO_EINVAL or CORIO_ENOMEM (then *out is NULL). */
int corio_task_create(corio_task_t **out, corio_fn fn, void *arg,
                      const corio_task_opts_t *opts);
/* corio_task_create that records where the task was created (file: a
 * string that outlives the task, such as __FILE__), for the diagnostics
 * (section "Diagnostics"). corio_task_create is this macro in the caller's
 * source, unless CORIO_NO_CREATE_SITE is defined; the function itself stays
 * callable as (corio_task_create)(...) and through pointers. */
int corio_task_create_at(corio_task_t **out, corio_fn fn, void *arg,
                         const corio_task_opts_t *opts, const char *file,
                         int line);
#if !defined(CORIO_NO_CREATE_SITE) && !defined(CORIO__INTERNAL)
/* Variadic, so that commas inside braces (compound literals) pass through. */
#define corio_task_create(...)                                                 \
  corio_task_create_at(__VA_ARGS__, __FILE__, __LINE__)
#endif

/* Adds a reference (returns t) / drops one. Releasing never cancels. */
corio_task_t *corio_task_retain(corio_task_t *t);
void corio_task_release(corio_task_t *t);

/* The task's name, valid until it is renamed or released. */
const char *corio_task_name(const corio_task_t *t);
/* Renames (copied). CORIO_OK, CORIO_EINVAL or CORIO_ENOMEM. */
int corio_task_set_name(corio_task_t *t, const char *name);

/* Task status (asyncio's done() and cancelled()). */
bool corio_task_done(const corio_task_t *t);
bool corio_task_cancelled(const corio_task_t *t);

/* The outcome of a finished task (asyncio's result()):
 *   CORIO_OK and *result = its value; CORIO_ECANCELLED if it was cancelled;
 *   its error code if it failed; CORIO_EINVALSTATE if it is not done yet
 *   (InvalidStateError; the caller's message is then "Result is not set.").
 * A task that ended with the error CORIO_EINVALSTATE returns it too, as
 * asyncio's result() re-raises it: corio_task_done() or
 * corio_task_exception() tells the two apart.
 * *result is written only on CORIO_OK (result may be NULL). Never waits. */
int corio_task_result(const corio_task_t *t, intptr_t *result);

/* asyncio's exception(), with the code: CORIO_EINVALSTATE and *message NULL
 * if the task is not done ("Exception is not set."); else its final status
 * (CORIO_OK with *message NULL, or CORIO_ECANCELLED / its error code with
 * its message, valid until the task is released). message may be NULL. */
int corio_task_exception(const corio_task_t *t, const char **message);

/* The task's error message (asyncio's exception()): its message if it failed
 * or was cancelled (the cancel message, or "cancelled"), NULL if it succeeded
 * or is not done. Valid until the task is released. */
const char *corio_task_error(const corio_task_t *t);

/* Requests cancellation, with an optional message (copied, may be NULL).
 * Delivered as CORIO_ECANCELLED at the task's next suspension point; a task
 * that has not started never runs. If the task is awaiting another task
 * (corio_await, corio_wait_for), the request is passed on to that task, as
 * asyncio does. Returns false if the task is already done, else true. */
bool corio_task_cancel(corio_task_t *t, const char *msg);

/* Pending cancellation requests (asyncio's cancelling()), and the way to
 * acknowledge one (uncancel(); returns the count left). As in Python 3.13,
 * uncancel() down to zero also withdraws a cancellation not yet delivered
 * (3.12 would still deliver it). */
int corio_task_cancelling(const corio_task_t *t);
int corio_task_uncancel(corio_task_t *t);

/* A done callback: runs through the loop after the task finishes, in
 * registration order, never inside the call that finished or cancelled it. */
typedef void (*corio_done_fn)(corio_task_t *t, void *data);

/* Adds a done callback (if the task is already done, it is scheduled at
 * once). CORIO_OK or CORIO_ENOMEM. */
int corio_task_add_done_callback(corio_task_t *t, corio_done_fn fn, void *data);
/* Removes every registration of (fn, data) not yet run; returns how many. */
size_t corio_task_remove_done_callback(corio_task_t *t, corio_done_fn fn,
                                       void *data);

/* asyncio's current_task(): CORIO_OK with *out the task running now
 * (borrowed; NULL in a loop callback outside any task), or CORIO_ENOLOOP
 * with *out NULL outside a running loop. */
int corio_get_current_task(corio_task_t **out);
/* The same as a pointer: NULL outside tasks. */
corio_task_t *corio_current_task(void);

/* The tasks of the running loop that are not done (asyncio's all_tasks()),
 * in creation order. Writes up to `cap` borrowed pointers into out (out may
 * be NULL when cap is 0) and returns how many there are in all. */
size_t corio_all_tasks(corio_task_t **out, size_t cap);

/* -- Futures (asyncio.Future) --
 * A future is a result slot with no body: some code sets its result or
 * error (or cancels it) and tasks await it. A task is a future with a body:
 * both are the same type underneath, so every corio_task_* call that does
 * not run a body takes a future too (done, cancelled, result, exception,
 * add/remove_done_callback, retain/release, cancel), and so do corio_await,
 * corio_gather, corio_wait, corio_as_completed_new, corio_wait_for and
 * corio_shield. Cancelling a task that awaits a future cancels the future,
 * as in asyncio. The corio_future_* names below are those calls under
 * asyncio's names. */
typedef corio_task_t corio_future_t;

/* Creates a pending future on the running loop. *out is the caller's
 * reference (corio_future_release). CORIO_OK, CORIO_ENOLOOP, CORIO_EINVAL
 * or CORIO_ENOMEM. Never waits; usable from loop callbacks. */
int corio_future_new(corio_future_t **out);

/* Sets the result / the error (code and message, copied; NULL: the code's
 * text), which makes the future done and schedules its done callbacks.
 * CORIO_EINVALSTATE if it is done already (asyncio's InvalidStateError),
 * CORIO_ERUNTIME for a task (its body sets its outcome), CORIO_EINVAL for
 * set_error with CORIO_OK, CORIO_END or CORIO_ECANCELLED (cancel instead). */
int corio_future_set_result(corio_future_t *f, intptr_t value);
int corio_future_set_error(corio_future_t *f, int code, const char *message);

#define corio_future_cancel corio_task_cancel /* (f, msg) -> bool */
#define corio_future_done corio_task_done
#define corio_future_cancelled corio_task_cancelled
#define corio_future_result corio_task_result /* EINVALSTATE pending */
#define corio_future_exception corio_task_exception
#define corio_future_add_done_callback corio_task_add_done_callback
#define corio_future_remove_done_callback corio_task_remove_done_callback
#define corio_future_retain corio_task_retain
#define corio_future_release corio_task_release

/* -- Coroutine objects --
 * A coroutine function and its argument, not started: asyncio's coroutine
 * object `coro(arg)`. It runs when awaited (in the awaiting task, without a
 * loop step: corio_coro_await) or when wrapped in a task
 * (corio_task_create_coro), and only once: a second use is CORIO_ERUNTIME,
 * "cannot reuse already awaited coroutine". The caller owns it
 * (corio_coro_free, at any time: a task made from it keeps what it needs).
 * Freeing one never used reports, in debug mode (section "Diagnostics"),
 * asyncio's "corio: coroutine 'NAME' was never awaited" with where it was
 * made; corio_coro_used() tells it too. */
typedef struct corio_coro corio_coro_t;

/* CORIO_OK, CORIO_EINVAL (NULL fn) or CORIO_ENOMEM. Needs no loop. */
int corio_coro_new(corio_coro_t **out, corio_fn fn, void *arg);
/* corio_coro_new that records the coroutine's name (a string that outlives
 * it, such as the function's name) and where it was made, for the
 * never-awaited report. corio_coro_new is this macro in the caller's
 * source, with the function's spelling as its name, unless
 * CORIO_NO_CREATE_SITE is defined (as corio_task_create). */
int corio_coro_new_at(corio_coro_t **out, corio_fn fn, void *arg,
                      const char *name, const char *file, int line);
#if !defined(CORIO_NO_CREATE_SITE) && !defined(CORIO__INTERNAL)
#define corio_coro_new(out, fn, arg)                                           \
  corio_coro_new_at(out, fn, arg, #fn, __FILE__, __LINE__)
#endif
void corio_coro_free(corio_coro_t *c);
bool corio_coro_used(const corio_coro_t *c);
/* `await coro`: its status, and its result in *result (may be NULL). */
int corio_coro_await(corio_coro_t *c, intptr_t *result);
/* asyncio.create_task(coro): as corio_task_create. */
int corio_task_create_coro(corio_task_t **out, corio_coro_t *c,
                           const corio_task_opts_t *opts);

/* ===================================================================== */
/* 5. Waiting                                                             */
/* ===================================================================== */
/* Every function here may only be called from inside a task (else
 * CORIO_ENOTASK in a loop callback, CORIO_ENOLOOP outside a loop), and
 * returns CORIO_ECANCELLED if the calling task is
 * cancelled while it waits. */

/* Suspends for `seconds` (asyncio.sleep). sleep(0) (or any seconds <= 0)
 * just lets every other ready task run once. CORIO_OK or CORIO_ECANCELLED. */
int corio_sleep(double seconds);

/* Waits for t to finish and returns its outcome as corio_task_result() does
 * (`await task`). On error the caller's message becomes t's message. If the
 * caller is cancelled while waiting, t is cancelled too and the caller keeps
 * waiting for t's outcome (asyncio's behaviour). */
int corio_await(corio_task_t *t, intptr_t *result);

/* Waits for all n tasks (asyncio.gather over tasks). results[i] gets task
 * i's result, in argument order (results may be NULL).
 *   codes == NULL (return_exceptions=False): returns CORIO_OK when all
 *     succeeded, else returns at once with the first failure's code (and
 *     message); the other tasks keep running.
 *   codes != NULL (return_exceptions=True): waits for all, codes[i] gets
 *     task i's status, and returns CORIO_OK.
 * If the caller is cancelled while waiting, every task not done is cancelled
 * and CORIO_ECANCELLED is returned. */
int corio_gather(corio_task_t *const *tasks, size_t n, intptr_t *results,
                 int *codes);

/* asyncio.gather / wait_for / shield given coroutines: each is wrapped in a
 * task first (asyncio's ensure_future), then as corio_gather,
 * corio_wait_for and corio_shield. Using a coroutine already used is
 * CORIO_ERUNTIME. */
int corio_gather_coro(corio_coro_t *const *coros, size_t n, intptr_t *results,
                      int *codes);
int corio_wait_for_coro(corio_coro_t *c, double timeout, intptr_t *result);
int corio_shield_coro(corio_coro_t *c, intptr_t *result);

/* When corio_wait() returns. */
typedef enum corio_wait_mode {
  CORIO_ALL_COMPLETED = 0,
  CORIO_FIRST_COMPLETED = 1,
  CORIO_FIRST_EXCEPTION = 2 /* first failure (not cancellation), or all */
} corio_wait_mode_t;

/* asyncio.wait: waits until `mode` is met or `timeout` seconds pass
 * (CORIO_FOREVER: no limit), then partitions the distinct tasks (a task
 * given twice counts once, as in asyncio's sets), in argument order, into
 * done[0..*ndone) and pending[0..*npending) (caller arrays of n entries
 * each; either may be NULL). A timeout is not an error: it returns
 * CORIO_OK, and nothing is cancelled, not even on CORIO_ECANCELLED. Unlike
 * asyncio, it returns without suspending when `mode` is met already (or
 * timeout <= 0). No tasks (n == 0) is CORIO_EINVAL, as asyncio refuses an
 * empty set. */
int corio_wait(corio_task_t *const *tasks, size_t n, corio_wait_mode_t mode,
               double timeout, corio_task_t **done, size_t *ndone,
               corio_task_t **pending, size_t *npending);

/* asyncio.as_completed: an iterator over tasks in completion order. */
typedef struct corio_as_completed corio_as_completed_t;

/* Starts iterating over n tasks (the array is copied; a task given twice
 * is yielded once; the tasks are retained until the iterator is freed).
 * timeout CORIO_FOREVER: none; else the whole iteration must finish within
 * it (<= 0: only what is done already comes out before CORIO_ETIMEDOUT).
 * *out is owned by the caller: free it with corio_as_completed_free().
 * CORIO_OK, CORIO_ENOTASK, CORIO_EINVAL or CORIO_ENOMEM. */
int corio_as_completed_new(corio_as_completed_t **out,
                           corio_task_t *const *tasks, size_t n,
                           double timeout);

/* Waits for the next task to finish and stores it (borrowed, valid until
 * the iterator is freed) in *task. Returns CORIO_OK, CORIO_END when every
 * task has been returned, CORIO_ETIMEDOUT once the timeout has passed (the
 * tasks are not cancelled), or CORIO_ECANCELLED. Idiom:
 *   while ((rc = corio_as_completed_next(it, &t)) == CORIO_OK) { ... }  */
int corio_as_completed_next(corio_as_completed_t *it, corio_task_t **task);
void corio_as_completed_free(corio_as_completed_t *it);

/* asyncio.wait_for: waits for t at most `timeout` seconds (CORIO_FOREVER:
 * no limit; <= 0: t is cancelled at once unless it is done, as asyncio's
 * wait_for(t, 0)). On timeout t is cancelled and awaited, and
 * CORIO_ETIMEDOUT is returned (unless t ignored the cancellation and
 * finished anyway: then its outcome). Otherwise as corio_await(). If no
 * timer can be made (CORIO_ENOMEM), t is cancelled and awaited too, so
 * that it never outlives the call. */
int corio_wait_for(corio_task_t *t, double timeout, intptr_t *result);

/* A timeout scope (asyncio.timeout()), caller-allocated, normally on the
 * task's stack; fields are private. While it is entered its timer lives on
 * the heap (the loop holds it while the task is parked); the exit frees it,
 * so every entered scope must be exited. Use:
 *     corio_timeout_t to = CORIO_TIMEOUT_INIT;   // asyncio.timeout(2.0)
 *     corio_timeout_enter(&to, 2.0);             // async with ... :
 *     int rc = ...waiting calls...;
 *     rc = corio_timeout_exit(&to, rc);   // ECANCELLED from expiry ->
 * ETIMEDOUT When the deadline passes, the task is cancelled;
 * corio_timeout_exit() turns that cancellation into CORIO_ETIMEDOUT (and only
 * that one: a cancellation from elsewhere stays CORIO_ECANCELLED). Scopes nest;
 * exit them in reverse order, in the task that entered them. The scope must
 * stay valid until it is exited. */
typedef struct corio_timeout {
  struct corio__timeout_timer *timer; /* private */
  corio_task_t *task;                 /* private */
  double when;                        /* private */
  int state;                          /* private */
  int cancelling_at_enter;            /* private */
} corio_timeout_t;

/* A new scope, not entered yet (asyncio's Timeout object before `async
 * with`). Every scope starts from it (or all zero bytes). */
#define CORIO_TIMEOUT_INIT                                                     \
  { 0 }

/* Enters a new scope expiring `delay` seconds from now or at loop time
 * `when` (CORIO_FOREVER: never; a deadline <= now, e.g. delay <= 0, has
 * passed already: the task is cancelled at its first wait and the exit
 * says CORIO_ETIMEDOUT). CORIO_OK, CORIO_ENOTASK, CORIO_EINVAL (NaN), or,
 * as asyncio's "Timeout has already been entered", CORIO_ERUNTIME for a
 * scope that is not new: entered already, or exited (a scope is entered
 * once; start each from CORIO_TIMEOUT_INIT). */
int corio_timeout_enter(corio_timeout_t *to, double delay);
int corio_timeout_enter_at(corio_timeout_t *to, double when);
/* Moves the deadline (loop time; CORIO_FOREVER: never). CORIO_ERUNTIME
 * unless the scope is entered and not expired. */
int corio_timeout_reschedule(corio_timeout_t *to, double when);
/* The deadline (loop time), or CORIO_FOREVER for none. */
double corio_timeout_when(const corio_timeout_t *to);
/* Whether the deadline has passed (and the scope cancelled its task). */
bool corio_timeout_expired(const corio_timeout_t *to);
/* Leaves the scope. Returns `status`, except that CORIO_ECANCELLED caused by
 * this scope's expiry becomes CORIO_ETIMEDOUT (message "timed out"). */
int corio_timeout_exit(corio_timeout_t *to, int status);

/* asyncio.shield: waits for t like corio_await(), but cancelling the caller
 * does not cancel t: the caller gets CORIO_ECANCELLED at once and t runs
 * on. */
int corio_shield(corio_task_t *t, intptr_t *result);

/* asyncio.TaskGroup. Use:
 *     corio_task_group_t *g;
 *     corio_task_group_new(&g);
 *     corio_task_group_spawn(g, NULL, fn, arg, NULL);   // as many as needed
 *     int rc = ...the body's own waiting calls, if any... ;
 *     rc = corio_task_group_wait(g, rc);   // "async with" exit
 *     corio_task_group_free(g);
 * The first child that fails (not by cancellation) cancels every other child
 * and the task that owns the group (so its body stops waiting).
 * corio_task_group_wait() waits for every child and returns CORIO_OK, or
 * CORIO_EGROUP with a message listing every failure, whose details
 * corio_task_group_error() gives, or CORIO_ECANCELLED if the owner was
 * cancelled from outside. */
typedef struct corio_task_group corio_task_group_t;

/* Creates a group owned by the current task. *out is the caller's: free it
 * with corio_task_group_free() after corio_task_group_wait().
 * CORIO_OK, CORIO_ENOTASK or CORIO_ENOMEM. */
int corio_task_group_new(corio_task_group_t **out);

/* Creates a child task in the group. If out is not NULL it receives a
 * borrowed pointer valid until the group is freed. Returns CORIO_OK,
 * CORIO_ENOMEM, or CORIO_ERUNTIME if the group is finishing or has
 * failed. */
int corio_task_group_spawn(corio_task_group_t *g, corio_task_t **out,
                           corio_fn fn, void *arg,
                           const corio_task_opts_t *opts);

/* The "async with" exit: `body_status` is the status the body ended with.
 * Waits for every child (if the body failed, cancels them first), then
 * returns as described above. */
int corio_task_group_wait(corio_task_group_t *g, int body_status);

/* The number of failed children, and the i-th failure (borrowed task
 * pointer and message, valid until the group is freed; out params may be
 * NULL). corio_task_group_error returns the child's code, or CORIO_EINVAL
 * for a bad index. */
size_t corio_task_group_error_count(const corio_task_group_t *g);
int corio_task_group_error(const corio_task_group_t *g, size_t i,
                           corio_task_t **task, const char **message);

/* Frees the group and drops its references to the children. Children still
 * running are not stopped (call corio_task_group_wait() first). */
void corio_task_group_free(corio_task_group_t *g);

/* ===================================================================== */
/* 6. Synchronization                                                     */
/* ===================================================================== */

/* asyncio.Event. Opaque; corio_event_new() gives the caller the event, to
 * free with corio_event_free() once no task waits on it. Usable outside
 * tasks except for waiting. */
typedef struct corio_event corio_event_t;

int corio_event_new(corio_event_t **out); /* CORIO_OK or CORIO_ENOMEM */
void corio_event_free(corio_event_t *e);
/* Sets the flag and wakes every waiter (they run in the order they began
 * waiting). */
void corio_event_set(corio_event_t *e);
void corio_event_clear(corio_event_t *e);
bool corio_event_is_set(const corio_event_t *e);
/* Waits until the flag is set (returns at once if it is). CORIO_OK,
 * CORIO_ECANCELLED or CORIO_ENOTASK. */
int corio_event_wait(corio_event_t *e);

/* Every primitive below is opaque, made by its _new() function (which gives
 * the caller the object, CORIO_OK or CORIO_ENOMEM) and freed by its _free()
 * once no task waits on it. Waiting functions may only be called from a
 * task (else CORIO_ENOTASK) and return CORIO_ECANCELLED if the caller is
 * cancelled while waiting; a cancelled waiter never keeps a lock, a permit,
 * a notification or an item: what it was handed goes to the next waiter. */

/* asyncio.Lock: FIFO acquisition. */
typedef struct corio_lock corio_lock_t;
int corio_lock_new(corio_lock_t **out);
void corio_lock_free(corio_lock_t *l);
/* Waits until the lock is free and takes it (CORIO_OK). */
int corio_lock_acquire(corio_lock_t *l);
/* Releases it; CORIO_ERUNTIME if it is not locked. Never waits. */
int corio_lock_release(corio_lock_t *l);
bool corio_lock_locked(const corio_lock_t *l);

/* asyncio.Condition over a lock: the given one (borrowed: it must outlive
 * the condition), or its own if `lock` is NULL. */
typedef struct corio_condition corio_condition_t;
int corio_condition_new(corio_condition_t **out, corio_lock_t *lock);
void corio_condition_free(corio_condition_t *c);
int corio_condition_acquire(corio_condition_t *c);
int corio_condition_release(corio_condition_t *c);
bool corio_condition_locked(const corio_condition_t *c);
/* Releases the lock, waits for a notify, takes the lock again (also when
 * cancelled: the caller always holds the lock on return).
 * CORIO_ERUNTIME if the lock is not held. As in Python 3.13, a wait that
 * ends with an error (e.g. cancelled) notifies one other waiter, so no
 * notification is lost; waiters may thus wake spuriously (use wait_for). */
int corio_condition_wait(corio_condition_t *c);
/* Waits until predicate(data) is true (checked first, then after each
 * wake-up), with the lock held as for corio_condition_wait. */
int corio_condition_wait_for(corio_condition_t *c,
                             bool (*predicate)(void *data), void *data);
/* Wake up to n waiters / all of them; the lock must be held
 * (CORIO_ERUNTIME otherwise). Never wait. */
int corio_condition_notify(corio_condition_t *c, size_t n);
int corio_condition_notify_all(corio_condition_t *c);

/* asyncio.Semaphore and BoundedSemaphore. */
typedef struct corio_semaphore corio_semaphore_t;
/* value: the initial number of permits, >= 0 (a negative one is
 * CORIO_EINVAL, asyncio's ValueError). A bounded semaphore refuses a
 * release above it (CORIO_EINVAL, asyncio's ValueError). */
int corio_semaphore_new(corio_semaphore_t **out, long value);
int corio_semaphore_new_bounded(corio_semaphore_t **out, long value);
void corio_semaphore_free(corio_semaphore_t *s);
int corio_semaphore_acquire(corio_semaphore_t *s); /* FIFO */
int corio_semaphore_release(corio_semaphore_t *s);
/* True if an acquire would wait. */
bool corio_semaphore_locked(const corio_semaphore_t *s);
size_t corio_semaphore_value(const corio_semaphore_t *s);

/* asyncio.Barrier. */
typedef struct corio_barrier corio_barrier_t;
int corio_barrier_new(corio_barrier_t **out, size_t parties); /* parties>0 */
void corio_barrier_free(corio_barrier_t *b);
/* Waits until `parties` tasks are waiting, then lets them all go; *index
 * (may be NULL) gets the number of parties that arrived before it in this
 * round (0..parties-1). CORIO_EBROKEN if the barrier is or becomes broken
 * by abort(). A waiter cancelled while the round fills just leaves it (as
 * in asyncio: the barrier is not broken, the others wait on). */
int corio_barrier_wait(corio_barrier_t *b, size_t *index);
/* Breaks the barrier: current and future waiters get CORIO_EBROKEN. */
void corio_barrier_abort(corio_barrier_t *b);
/* Back to empty and unbroken; tasks waiting now get CORIO_EBROKEN. */
void corio_barrier_reset(corio_barrier_t *b);
size_t corio_barrier_parties(const corio_barrier_t *b);
size_t corio_barrier_n_waiting(const corio_barrier_t *b);
bool corio_barrier_broken(const corio_barrier_t *b);

/* ===================================================================== */
/* 7. Queues                                                              */
/* ===================================================================== */

/* asyncio.Queue, LifoQueue and PriorityQueue, of `void *` items.
 * Ownership: an item is the caller's until put succeeds, the queue's while
 * it is queued, and the getter's once get returns it. Items still queued
 * when the queue is shut down immediately or freed are handed to the
 * `dispose` function given there (NULL: they are dropped, for items the
 * queue never owned). */
typedef struct corio_queue corio_queue_t;

typedef enum corio_queue_kind {
  CORIO_QUEUE_FIFO = 0,
  CORIO_QUEUE_LIFO = 1,
  CORIO_QUEUE_PRIORITY = 2 /* smallest first by `compare`; FIFO on ties */
} corio_queue_kind_t;

/* maxsize 0: unbounded. compare: required for PRIORITY (else
 * CORIO_EINVAL), ignored otherwise; it gets two items themselves (not
 * pointers to them) and returns <0, 0 or >0 as strcmp does.
 * Everything but put, get and join works outside a task too. */
int corio_queue_new(corio_queue_t **out, corio_queue_kind_t kind,
                    size_t maxsize,
                    int (*compare)(const void *a, const void *b));
/* Hands the items still queued to dispose (if not NULL), in get order,
 * before it returns. No task may be waiting on the queue. */
void corio_queue_free(corio_queue_t *q, void (*dispose)(void *item));

/* Waits while the queue is full. CORIO_OK, CORIO_ECLOSED after shutdown,
 * CORIO_ENOMEM if the queue could not grow. */
int corio_queue_put(corio_queue_t *q, void *item);
/* Waits while the queue is empty. CORIO_OK, CORIO_ECLOSED once it is shut
 * down and empty (or shut down immediately). *item is written only on
 * CORIO_OK. */
int corio_queue_get(corio_queue_t *q, void **item);
/* Never wait: CORIO_EFULL / CORIO_EEMPTY instead (which set no message:
 * pollers meet them all the time), CORIO_ECLOSED as above. */
int corio_queue_put_nowait(corio_queue_t *q, void *item);
int corio_queue_get_nowait(corio_queue_t *q, void **item);

size_t corio_queue_qsize(const corio_queue_t *q);
size_t corio_queue_maxsize(const corio_queue_t *q);
bool corio_queue_empty(const corio_queue_t *q);
bool corio_queue_full(const corio_queue_t *q);

/* One item taken by get is processed; CORIO_EINVAL (asyncio's ValueError)
 * if called more often than items were put. */
int corio_queue_task_done(corio_queue_t *q);
/* Waits until every item put has been marked done. */
int corio_queue_join(corio_queue_t *q);

/* Python 3.13's shutdown: puts fail with CORIO_ECLOSED from now on, and so
 * do gets once the queue is empty; waiting putters and (if the queue is
 * empty) getters wake with CORIO_ECLOSED. `immediate` also removes the
 * queued items (handed to dispose, if not NULL, and counted as done), so
 * gets fail at once and join returns, as in Python 3.13. dispose runs
 * before shutdown returns, in get order. */
void corio_queue_shutdown(corio_queue_t *q, bool immediate,
                          void (*dispose)(void *item));

/* ===================================================================== */
/* 8. Async iteration                                                     */
/* ===================================================================== */

/* An async iterator (asyncio's __anext__): a user type embeds this struct
 * and sets `next`, whose call may wait and returns CORIO_OK with *item,
 * CORIO_END when exhausted (StopAsyncIteration), or an error. */
typedef struct corio_aiter corio_aiter_t;
struct corio_aiter {
  int (*next)(corio_aiter_t *self, void **item);
};

/* Calls it->next. */
int corio_aiter_next(corio_aiter_t *it, void **item);

/* `async for`: runs the block for every item; afterwards `rc` holds
 * CORIO_END (exhausted), or the error or CORIO_ECANCELLED that ended the
 * loop, or CORIO_OK if the block left with `break`. `item` and `rc` are
 * declared by the caller.
 *     void *item; int rc;
 *     CORIO_FOR(item, it, rc) { use(item); }
 *     if (rc != CORIO_END) return rc;                                  */
#define CORIO_FOR(item, it, rc)                                                \
  for ((rc) = corio_aiter_next((it), &(item)); (rc) == CORIO_OK;               \
       (rc) = corio_aiter_next((it), &(item)))

/* An async generator: a coroutine body that yields values one at a time to
 * its consumer, suspending between them. It is an async iterator (its
 * `iter` member). As in asyncio, the body runs inside the task that
 * advances it: next(), asend(), athrow() and aclose() run the body at once,
 * in the calling task, until its next yield or its end, so advancing a
 * body that does not await costs no loop iteration, corio_current_task()
 * in the body is that task, an await in the body suspends that task, and
 * cancelling that task while the body awaits cancels the body's await.
 * Any task may advance it, one at a time. The body has a stack of its own
 * (a C body must stay suspended at a yield while its consumer runs on),
 * made at the first next() with opts' stack_size and asyncify_size (the
 * loop's defaults when 0; opts' name is not used: the body is no task).
 * When corio_run ends, once the other tasks have ended, the generators
 * still suspended at a yield are closed as aclose() does (asyncio.run's
 * shutdown_asyncgens): their yield returns CORIO_ECLOSED and their cleanup
 * runs. */
typedef struct corio_gen corio_gen_t;

/* The body: yields with corio_gen_yield(), returns CORIO_OK (or CORIO_END)
 * when done, or an error, which the consumer's next() then returns. */
typedef int (*corio_gen_fn)(corio_gen_t *gen, void *arg);

int corio_gen_new(corio_gen_t **out, corio_gen_fn body, void *arg,
                  const corio_task_opts_t *opts);
/* Frees the generator; no task may be inside next(), athrow() or aclose()
 * on it (one is: nothing is freed). Called from a task while the body is
 * suspended, it first closes it as aclose() does (its cleanup runs; the
 * status is dropped: call aclose() first to see it). Outside a task, a
 * suspended body is dropped without running its cleanup (C has no
 * destructors). */
void corio_gen_free(corio_gen_t *g);
corio_aiter_t *corio_gen_iter(corio_gen_t *g);

/* From the body: hands `value` to the consumer and suspends until the next
 * next(). Returns CORIO_OK to go on, CORIO_ECLOSED when the consumer closes
 * the generator (GeneratorExit: clean up and return CORIO_OK or
 * CORIO_ECLOSED; yielding again is an error), an error thrown in by
 * corio_gen_athrow(), or CORIO_ECANCELLED. */
int corio_gen_yield(corio_gen_t *g, void *value);
/* As corio_gen_yield, and *sent (may be NULL) receives what the consumer's
 * corio_gen_asend() sent in: `received = yield value` in Python; NULL
 * when the body was resumed by next(), athrow() or aclose(). */
int corio_gen_yield_recv(corio_gen_t *g, void *value, void **sent);

/* asyncio's __anext__: runs the body to its next yield. CORIO_OK and
 * *value, CORIO_END once the body returned, its error (with its message),
 * or CORIO_ECANCELLED. */
int corio_gen_next(corio_gen_t *g, void **value);
/* asyncio's asend(value): as next(), and the body's pending yield
 * (corio_gen_yield_recv) receives `in`; next() is asend(NULL). On a
 * generator not started `in` must be NULL (asyncio: "can't send non-None
 * value to a just-started async generator"): CORIO_EINVAL, the body not
 * run; on a finished one: CORIO_END. */
int corio_gen_asend(corio_gen_t *g, void *in, void **value);
/* aclose(): the body's pending yield returns CORIO_ECLOSED and its cleanup
 * runs; waits for it. CORIO_OK, or the error the body ended with (a body
 * that yields again gets CORIO_EINVALSTATE). No-op if never started or
 * done. */
int corio_gen_aclose(corio_gen_t *g);
/* athrow(): the body's pending yield returns `code` with `message` as its
 * message; then as next(). On a generator not started: returns `code` at
 * once (the body never runs); on a finished one: CORIO_END. */
int corio_gen_athrow(corio_gen_t *g, int code, const char *message,
                     void **value);

/* Comprehensions.
 * [x async for x in it]: collects every item into a malloc'd array (*items,
 * *n; the caller frees the array, the items are as the iterator made them).
 * Returns CORIO_OK once it is exhausted, or the error that stopped it (the
 * items so far are still returned). */
int corio_aiter_collect(corio_aiter_t *it, void ***items, size_t *n);
/* [await fn(x) for x in args]: calls fn on each argument in order in the
 * calling task; stops at the first error. results may be NULL. */
int corio_await_each(corio_fn fn, void *const *args, size_t n,
                     intptr_t *results);
/* The concurrent counterpart (gather over fn(args[i]) in new tasks);
 * codes as in corio_gather. */
int corio_gather_each(corio_fn fn, void *const *args, size_t n,
                      intptr_t *results, int *codes);

/* ===================================================================== */
/* 9. Async context managers                                              */
/* ===================================================================== */

/* An async context manager (asyncio's __aenter__/__aexit__): `exit` always
 * runs once `enter` succeeded, whatever way the body ends (success, error,
 * cancellation). It sees how: `status` is the body's status and, for an
 * error, corio_errmsg() is still the body's message (asyncio's exc_type and
 * exc). It returns the final status: `status` to let it through, CORIO_OK
 * to suppress it (as __aexit__ returning True; suppressing
 * CORIO_ECANCELLED is as unwise as in asyncio), or an error of its own,
 * which replaces the body's. `value` (may be NULL) is asked once enter
 * succeeded: what `async with cm as value` binds. */
typedef struct corio_acm {
  int (*enter)(void *self);
  int (*exit)(void *self, int status);
  void *self;
  void *(*value)(void *self); /* optional; NULL: the value is NULL */
} corio_acm_t;

/* `async with cm: body(data)`: enter, body, exit. Returns enter's error
 * (the body does not run), else exit's result. */
int corio_with(corio_acm_t cm, int (*body)(void *data), void *data);

/* `async with cm as value: body(value, data)`, as corio_with. */
int corio_with_as(corio_acm_t cm, int (*body)(void *value, void *data),
                  void *data);

/* Context managers of the primitives (the objects are borrowed). For a
 * timeout scope, the corio_timeout_t lives in the caller's frame. Their
 * values, as asyncio's: NULL for a lock, semaphore or condition, the
 * corio_timeout_t * for a timeout scope, the corio_task_group_t * for a
 * task group. */
corio_acm_t corio_lock_cm(corio_lock_t *l);
corio_acm_t corio_semaphore_cm(corio_semaphore_t *s);
corio_acm_t corio_condition_cm(corio_condition_t *c);
typedef struct corio_timeout_cm_state {
  corio_timeout_t scope;
  double delay;
} corio_timeout_cm_state_t;
corio_acm_t corio_timeout_cm(corio_timeout_cm_state_t *state, double delay);
/* The body gets the group through corio_with's data; the group is made on
 * enter and freed on exit. */
typedef struct corio_task_group_cm_state {
  corio_task_group_t *group;
} corio_task_group_cm_state_t;
corio_acm_t corio_task_group_cm(corio_task_group_cm_state_t *state);

/* ===================================================================== */
/* 10. JavaScript interop (meaningful in WebAssembly builds)              */
/* ===================================================================== */

/* Makes coroutine `fn` callable from JS by `name` (copied) through the npm
 * module's run(). CORIO_OK, CORIO_EINVAL or CORIO_ENOMEM. Usually used via
 * CORIO_EXPORT(fn), which registers fn under its own name at startup. */
int corio_export(const char *name, corio_fn fn);

#define CORIO_EXPORT(fn)                                                       \
  __attribute__((constructor)) static void corio__export_##fn(void) {          \
    corio_export(#fn, fn);                                                     \
  }

/* Calls the global JS function `name` (globalThis[name]) with the string
 * `arg` and waits for the Promise (or value) it returns, without blocking
 * the loop. On fulfilment *out (if not NULL) gets a malloc'd copy of the
 * value converted to a string, which the caller frees. A rejection or a
 * throw returns CORIO_EHOST with the Error's message as the task's message.
 * Native builds return CORIO_ENOTSUP. */
int corio_js_await(const char *name, const char *arg, char **out);

/* ===================================================================== */
/* 11. Streams                                                            */
/* ===================================================================== */

/* asyncio's streams: a connection is a reader (bytes in) and a writer
 * (bytes out). Four transports give the same behaviour:
 *   - native: non-blocking sockets on the poll loop, TLS through OpenSSL;
 *   - Node (wasm): Node's net and tls modules;
 *   - relay (wasm in a page served by corio's dev server, `npm start`): the
 *     server opens real TCP and TLS connections for the page (verified
 *     with its system CA store), carried over one WebSocket with flow
 *     control per connection, so these are the same streams as in Node,
 *     with the same errors; only ca_file is not carried (CORIO_ENOTSUP).
 *     corio_start_server listens through the relay too: its server opens
 *     the listening socket on a loopback address of its own machine (any
 *     other host is CORIO_EDENIED) and hands the page each connection;
 *   - fetch (wasm in a page hosted as static files): a page cannot open
 *     TCP, so the connection is carried by fetch(). The client writes an
 *     HTTP/1.x request (request line, headers, blank line, and a body if
 *     Content-Length says so); corio sends it with fetch() and the reader
 *     sees an HTTP/1.1 response: the status line, the headers the browser
 *     shows, "Connection: close", a blank line, then the (decoded) body
 *     streamed from the Response, then EOF. At most 6 connections to one
 *     origin (scheme, host, port) are open at once, as a browser sends at
 *     most 6 HTTP/1.1 requests to one: a connect beyond waits for one to
 *     close (a connect's time limit includes that wait; the checker queues
 *     its checks per origin itself so that its timeouts do not). Bytes
 *     that are not an HTTP/1.x request fail with CORIO_ENOTSUP, as does
 *     corio_start_server. A redirect, which browsers never let a page read,
 *     fails the read with CORIO_ECORS ("reachable; this site does not let
 *     pages read its status"); a fetch that fails fails with
 *     CORIO_ENETWORK: the browser does not say whether the site is down or
 *     answered without allowing cross-origin reads.
 *
 * Errors: connecting can fail with CORIO_EDNS, CORIO_ECONNREFUSED,
 * CORIO_ETLS, CORIO_ETIMEDOUT or CORIO_EIO; an open connection with
 * CORIO_ECONNRESET or CORIO_EIO. Once a connection failed, reads first
 * return what was received before the failure, then the error; writes and
 * drain return the error at once. Each error sets the task's message
 * (corio_errmsg) with the host, port and the system's own words.
 *
 * Cancellation: a waiting read, drain or connect returns CORIO_ECANCELLED
 * and leaves the connection as it was (no bytes are lost: a later read
 * gets them). Closing or freeing the writer aborts the transport: the
 * socket is closed, the fetch() aborted (AbortController). */

typedef struct corio_reader corio_reader_t;
typedef struct corio_writer corio_writer_t;
typedef struct corio_server corio_server_t;

typedef struct corio_conn_opts {
  bool tls;                /* TLS (https): certificate checked against the
                            * system's CAs and server_name */
  const char *server_name; /* name for TLS (SNI, certificate); NULL: host */
  const char *ca_file;     /* native and Node: PEM file of trusted CAs
                            * instead of the system's (e.g. a test CA);
                            * ignored in the browser */
  size_t limit;            /* readline/readuntil limit; 0: 64 KiB */
  size_t high_water;       /* drain() waits above this; 0: 64 KiB */
  bool deny_private;       /* refuse every address corio_address_policy
                            * denies (loopback, private, link-local, ...),
                            * checked on the address actually connected to,
                            * after DNS: CORIO_EDENIED naming it. Native and
                            * Node; the browser cannot see addresses */
} corio_conn_opts_t;

/* The address policy of deny_private, on an IPv4 or IPv6 address in text
 * ("127.0.0.1", "::ffff:10.0.0.1"): NULL if it may be connected to, else
 * what refuses it, a static string ("loopback", "private (RFC 1918)",
 * "link-local (cloud metadata among them)", "shared address space (CGNAT,
 * RFC 6598)", "unique local (ULA)", "multicast", "IPv4-compatible
 * (deprecated)", ...; "not an IP address" for anything else). IPv6 forms
 * that carry an IPv4 address (mapped, NAT64, 6to4) are judged by it.
 * Pure: never connects or resolves. Turn deny_private on when the URLs
 * come from people you do not trust (a service checking its users' URLs):
 * it stops them from reaching the machine's own and its network's
 * services (SSRF). */
const char *corio_address_denied(const char *address);

/* Opens a connection to host:port (a name, an IPv4 or an IPv6 address) and
 * waits until it is established. opts may be NULL (plain TCP, defaults).
 * On CORIO_OK *reader and *writer are the caller's, each freed with its
 * _free function (the connection ends when both are). On error both are
 * NULL and the task's message says why. Waits: CORIO_ECANCELLED. */
int corio_open_connection(const char *host, int port,
                          const corio_conn_opts_t *opts,
                          corio_reader_t **reader, corio_writer_t **writer);

/* -- reading (asyncio.StreamReader) -- */

/* Reads up to n bytes into buf, waiting until at least one is available.
 * *got = 0 with CORIO_OK means EOF (as read() returning b""). */
int corio_read(corio_reader_t *r, void *buf, size_t n, size_t *got);

/* Reads until EOF. *out is malloc'd (the caller frees it), NUL-terminated
 * for convenience, *len bytes long (not counting the NUL). At most `max`
 * bytes (0: no limit) are kept: more is CORIO_ELIMIT, with *out NULL and
 * the bytes consumed. On an error *out is NULL. */
int corio_read_all(corio_reader_t *r, size_t max, char **out, size_t *len);

/* Reads exactly n bytes into buf. At EOF first: CORIO_EINCOMPLETE, and
 * *got (may be NULL) says how many bytes buf received (asyncio's
 * IncompleteReadError.partial). */
int corio_readexactly(corio_reader_t *r, void *buf, size_t n, size_t *got);

/* Reads up to and including the separator sep (seplen bytes, >= 1). *out
 * is malloc'd and NUL-terminated, the caller frees it; *len counts the
 * separator. Errors, as asyncio's:
 *   - CORIO_EINCOMPLETE: EOF before the separator; *out holds the partial
 *     bytes (consumed), possibly 0 of them. A stream that failed after
 *     some bytes gives them this way too; the next call returns its error;
 *   - CORIO_ELIMIT: the separator is not within the reader's limit
 *     (corio_conn_opts_t.limit); nothing is consumed (the bytes can still
 *     be read) and *out is NULL. */
int corio_readuntil(corio_reader_t *r, const void *sep, size_t seplen,
                    char **out, size_t *len);

/* After CORIO_ELIMIT from readuntil or readline: how many bytes asyncio's
 * LimitOverrunError.consumed says are to be consumed (the separator's
 * offset, or the buffered bytes that cannot start it). */
size_t corio_reader_overrun_consumed(const corio_reader_t *r);

/* Reads a line ending in "\n" (included in *out). At EOF returns the
 * partial line (possibly empty: *len = 0) with CORIO_OK, as asyncio does;
 * on a stream that failed, the partial line first, then the error.
 * Over the limit: CORIO_ELIMIT, and as asyncio the line is discarded up to
 * and including its "\n" if that is buffered, else the whole buffer is.
 * *out as readuntil. */
int corio_readline(corio_reader_t *r, char **out, size_t *len);

/* True once EOF was received and every byte was read (false after a
 * failure: the next read returns the error). */
bool corio_reader_at_eof(const corio_reader_t *r);

/* Frees the reader. Unread bytes are dropped. */
void corio_reader_free(corio_reader_t *r);

/* -- writing (asyncio.StreamWriter) -- */

/* Queues n bytes (copied) for sending; never waits. Call corio_drain() to
 * wait for the buffer to empty below the high-water mark. CORIO_ECLOSED
 * after close or write_eof; the connection's error once it failed. */
int corio_write(corio_writer_t *w, const void *buf, size_t n);

/* Waits until the bytes queued but not yet taken by the transport are at
 * most the high-water mark (real backpressure: a peer that does not read
 * makes drain wait). Returns the connection's error if it failed. */
int corio_drain(corio_writer_t *w);

/* Sends EOF (half-close) after the queued bytes; reading goes on. */
int corio_write_eof(corio_writer_t *w);

/* Starts closing: queued bytes are still sent, then the transport closes.
 * Never waits. */
void corio_writer_close(corio_writer_t *w);

/* True after corio_writer_close (or once the connection ended). */
bool corio_writer_is_closing(const corio_writer_t *w);

/* Waits until the transport is closed. CORIO_OK, or the connection's
 * error if it failed. Closes first if corio_writer_close was not called. */
int corio_writer_wait_closed(corio_writer_t *w);

/* Frees the writer; a connection not closed yet is aborted (unsent bytes
 * are dropped). */
void corio_writer_free(corio_writer_t *w);

/* asyncio's can_write_eof(): true on a plain TCP transport, false with
 * TLS (as asyncio's SSL transport). */
bool corio_writer_can_write_eof(const corio_writer_t *w);

/* asyncio's get_extra_info(name), as text owned by the writer, or NULL if
 * unknown: "peername" ("host:port", as corio_writer_peer), "sockname"
 * (the local "host:port"), "ssl" ("1" for a TLS connection, else NULL),
 * "peercert" (with TLS, the peer certificate's subject in RFC 2253 form,
 * e.g. "CN=localhost,O=corio"; asyncio gives getpeercert()'s dict).
 * Natively and in Node every TCP connection knows its sockname, every
 * TLS client its peercert; in a page (fetch carrier, relay) neither is
 * known, nor for a child's pipe. */
const char *corio_writer_extra_info(const corio_writer_t *w, const char *name);

/* The peer's address as "host:port" (static to the writer), "" if unknown. */
const char *corio_writer_peer(const corio_writer_t *w);

/* How long opening a connection took (curl's time_namelookup,
 * time_connect and time_appconnect), in seconds from the start of
 * corio_open_connection to: the name resolved (dns; 0 for a numeric host),
 * the TCP connection made (connect) and the connection ready for bytes
 * (tls: the handshake done; without TLS, the same as connect). A phase the
 * transport does not show is -1: the browser's fetch carrier shows none;
 * the relay and Node's show all. */
typedef struct corio_conn_timings {
  double dns, connect, tls;
} corio_conn_timings_t;

/* The timings of the connection w writes to; CORIO_EINVAL (all -1) for an
 * accepted or child-pipe connection, which corio did not open. */
int corio_writer_timings(const corio_writer_t *w, corio_conn_timings_t *out);

/* -- serving (asyncio.start_server) -- */

/* Runs in its own task per accepted client. The reader and writer belong
 * to the runtime: they are closed and freed when the handler returns, so
 * the handler must not free them. Its return status is the task's. */
typedef int (*corio_conn_handler)(corio_reader_t *r, corio_writer_t *w,
                                  void *arg);

/* Listens on host:port (port 0: one the system picks) and, while the server
 * is open, runs handler(reader, writer, arg) for every connection. On
 * CORIO_OK *out is the caller's (corio_server_free). In a page it listens
 * through the dev server's relay, on loopback only (CORIO_EDENIED for
 * another host); a page without the relay (the fetch carrier) has no
 * server: CORIO_ENOTSUP. */
int corio_start_server(corio_server_t **out, const char *host, int port,
                       corio_conn_handler handler, void *arg);

/* The port the server listens on. */
int corio_server_port(const corio_server_t *s);

/* asyncio's is_serving(): listening and not closed. */
bool corio_server_is_serving(const corio_server_t *s);

/* Stops accepting; handlers already running go on. Never waits. */
void corio_server_close(corio_server_t *s);

/* Closes (if not yet) and waits until every handler task has ended. */
int corio_server_wait_closed(corio_server_t *s);

/* Frees a server; closes it first if open. Handlers still running finish
 * on their own. */
void corio_server_free(corio_server_t *s);

/* ===================================================================== */
/* 12. HTTP: a small client                                              */
/* ===================================================================== */

/* A GET (or HEAD, ...) over corio_open_connection, the way the guide's
 * status check talks HTTP/1.1, with the body as a reader. It works on every
 * transport (in the browser, fetch() carries it). The response is read as
 * RFC 9112 asks, strictly (as llhttp without leniency): a status is known
 * only once the whole head arrived; the head (interim 1xx included) may be
 * 16 KiB unless max_header_bytes says otherwise (more: CORIO_ELIMIT);
 * more than 10 interim responses, bytes that cannot begin "HTTP/1." (at
 * once), bare CRs, bad Content-Length or chunk sizes and conflicting
 * framing are CORIO_EPROTO; a connection that ends before the head does is
 * CORIO_EINCOMPLETE (EOF) or its error (a reset: CORIO_ECONNRESET).
 * Every request carries "User-Agent: corio-check/<version>" unless the
 * caller's headers set one. Redirects are followed only when asked. */

typedef struct corio_response corio_response_t;

/* The most redirects corio_fetch follows. */
#define CORIO_FETCH_REDIRECTS_MAX 20

typedef struct corio_fetch_opts {
  const char *method;         /* NULL: "GET"; upper-case letters only */
  size_t max_header_bytes;    /* every head byte; 0: 16 KiB (over: ELIMIT) */
  const char *ca_file;        /* as corio_conn_opts_t.ca_file */
  const char *const *headers; /* extra header lines "Name: value", NULL-
                               * terminated (borrowed), or NULL. Host,
                               * Connection, Content-Length and
                               * Transfer-Encoding are corio's: EINVAL */
  int max_redirects;          /* 0: a 3xx is the response; else follow up to
                               * this many (<= CORIO_FETCH_REDIRECTS_MAX; more
                               * redirects: CORIO_ELIMIT) */
  bool deny_private;          /* as corio_conn_opts_t.deny_private, on every
                               * hop */
} corio_fetch_opts_t;

/* Parses an absolute http:// or https:// URL into its parts (each
 * malloc'd, the caller frees them) as the WHATWG URL standard does, which
 * is what browsers and Node's URL do: the host lower-cased and
 * percent-decoded, an IPv4 address in any spelling written dotted
 * (0x7f.1 is 127.0.0.1), an IPv6 address (in brackets only) written in
 * its short form and returned without brackets; userinfo ends at the last
 * '@' and is not returned; path is the request target: the path with its
 * dot segments resolved and the query, "/" if none, percent-encoded as
 * the standard says (non-ASCII bytes included); the fragment is dropped.
 * CORIO_EINVAL with a message saying what is wrong. Deliberately
 * stricter than the standard, which silently repairs these: a space, a
 * control character or a backslash anywhere (the standard strips the
 * first two and reads "\" as "/": a typo or an attack, reported rather
 * than guessed at); a non-ASCII host name (the standard converts it to
 * xn-- punycode; write that form); and port 0 (nothing can listen there).
 * tests/node/url_whatwg.test.mjs checks this against Node's URL. Does not
 * wait. */
int corio_url_parse(const char *url, char **host, int *port, bool *tls,
                    char **path);

/* Resolves `ref` (a Location: absolute, "//host/..", "/path", "path",
 * "?query") against the absolute URL `base`. *out is malloc'd, the
 * caller's. CORIO_EINVAL if the result is not an http(s) URL. */
int corio_url_resolve(const char *base, const char *ref, char **out);

/* Sends the request and waits for the response head (interim 1xx
 * responses are skipped, 101 excepted), following redirects if asked. On
 * CORIO_OK *out is the caller's (corio_response_free); the body is read
 * through corio_response_body. CORIO_EPROTO for a response that is not
 * HTTP/1.x, CORIO_ELIMIT for a head over the limit, and any connection
 * error (CORIO_EDENIED under deny_private). */
int corio_fetch(const char *url, const corio_fetch_opts_t *opts,
                corio_response_t **out);

/* The status code (e.g. 200) and reason phrase ("OK"; may be ""). The
 * string lives as long as the response. */
int corio_response_status(const corio_response_t *resp);
const char *corio_response_reason(const corio_response_t *resp);

/* The URL this response answers (the last of a redirect chain), and the
 * redirects followed before it, in order: the i-th one's URL and status.
 * Strings live as long as the response. */
const char *corio_response_url(const corio_response_t *resp);
size_t corio_response_redirect_count(const corio_response_t *resp);
const char *corio_response_redirect_url(const corio_response_t *resp, size_t i);
int corio_response_redirect_status(const corio_response_t *resp, size_t i);

/* When the connection of the response (the last hop's) reached each phase
 * (corio_conn_timings_t), in seconds since corio_fetch began: with
 * redirects followed, the earlier hops' time is included, as in curl's
 * times. -1 for a phase the transport does not show. */
corio_conn_timings_t corio_response_timings(const corio_response_t *resp);

/* The value of header `name` (case-insensitive; the first if repeated), or
 * NULL. Lives as long as the response. */
const char *corio_response_header(const corio_response_t *resp,
                                  const char *name);

/* The number of headers, and the i-th name and value. */
size_t corio_response_header_count(const corio_response_t *resp);
const char *corio_response_header_name(const corio_response_t *resp, size_t i);
const char *corio_response_header_value(const corio_response_t *resp, size_t i);

/* The body as a reader: decoded from chunked transfer-encoding, and ending
 * at Content-Length (fewer bytes then EOF: CORIO_EINCOMPLETE). Owned by the
 * response; valid until corio_response_free. */
corio_reader_t *corio_response_body(corio_response_t *resp);

/* Closes the response's connection politely (queued bytes sent, then
 * closed) and waits until it is closed; the body is not read. Returns
 * CORIO_OK or CORIO_ECANCELLED (other errors do not change an answer
 * already read). The response still needs corio_response_free. */
int corio_response_close(corio_response_t *resp);

/* Frees the response and closes its connection. */
void corio_response_free(corio_response_t *resp);

/* ===================================================================== */
/* 13. Subprocesses                                                       */
/* ===================================================================== */

/* asyncio's create_subprocess_exec / create_subprocess_shell and Process.
 * A child's pipes are the streams of section 11: its stdout and stderr are
 * readers, its stdin a writer, with the same calls, limits, EOF, errors
 * and backpressure (drain waits while the child does not read).
 *   - native: posix_spawn; the child is reaped from the poll loop through
 *     a pidfd (a SIGCHLD self-pipe where the kernel has no pidfd, or when
 *     the environment has CORIO_NO_PIDFD, for tests), by its
 *     own pid only, so the application's other children are never reaped
 *     (waited) by corio. Every descriptor corio opens is close-on-exec, so
 *     a child inherits only its stdin, stdout and stderr. A pipe is a Unix
 *     socket pair (as Node's): writing to a child that has exited is
 *     CORIO_ECONNRESET, never a SIGPIPE;
 *   - Node (wasm): child_process.spawn, which the loader passes as
 *     Module.corioProcess = {child_process, fs} (npm's load() does);
 *   - browser (wasm): a page cannot start processes: starting one fails
 *     with CORIO_ENOTSUP.
 *
 * Starting fails, from the start call itself (never as a child exiting
 * with 127), with:
 *   - CORIO_ENOENT: the program (or the working directory) does not exist;
 *     the message names the path ("cannot start nosuch: no such file or
 *     directory (searched PATH)", "working directory /x: ...");
 *   - CORIO_EACCES: the program (or the working directory) may not be
 *     executed (entered), message as above;
 *   - CORIO_ELIMIT: the command line or environment is over the system's
 *     limit (E2BIG: Linux takes at most 128 KiB in one argument);
 *   - CORIO_EINVAL: no program (argv NULL or empty, argv[0] "", a NULL
 *     command), a NUL byte inside a command line given with its length,
 *     or an option that makes no sense (stdin into stdout);
 *   - CORIO_ENOTSUP (browser), CORIO_ENOMEM, CORIO_EIO (anything else).
 *
 * Cancellation: cancelling a task waiting in a start call, in
 * corio_process_wait or in corio_process_communicate stops the waiting,
 * never the child (asyncio's behaviour; use corio_process_kill). A child
 * whose start call was cancelled after it started runs on, unowned.
 *
 * Lifetime: the process object is the caller's (corio_process_free). When
 * the run that started a child ends while the child runs, the child is
 * left running: its pipes are closed, and the object then reports the
 * child as still running for ever (corio_process_wait returns
 * CORIO_EINVALSTATE); a later run of the same thread reaps it once it
 * exits, so it leaves no zombie. Freeing the object while its child runs
 * does not stop the child either: corio reaps it when it exits, and closes
 * every descriptor it held for it. */

typedef struct corio_process corio_process_t;

/* What a child's stdin, stdout or stderr is. */
typedef enum corio_stdio {
  CORIO_STDIO_INHERIT = 0, /* the parent's own descriptor (the default) */
  CORIO_STDIO_PIPE,        /* a pipe: a writer (stdin) or a reader */
  CORIO_STDIO_DEVNULL,     /* /dev/null */
  CORIO_STDIO_STDOUT,      /* stderr only: wherever stdout goes (asyncio's
                            * subprocess.STDOUT) */
} corio_stdio_t;

/* The child's environment. */
typedef enum corio_env_mode {
  CORIO_ENV_INHERIT = 0, /* the parent's (env ignored) */
  CORIO_ENV_REPLACE,     /* exactly `env` */
  CORIO_ENV_ADD,         /* the parent's, with `env` added (replacing
                          * variables of the same name) */
} corio_env_mode_t;

/* Options of a start call; all zero (or a NULL pointer) means the defaults:
 * every stream inherited, the parent's directory and environment. */
typedef struct corio_process_opts {
  corio_stdio_t in, out, err; /* stdin, stdout, stderr */
  const char *cwd;            /* working directory, NULL: the parent's */
  corio_env_mode_t env_mode;
  const char *const *env; /* "NAME=value" strings, NULL-terminated;
                           * borrowed for the call */
  size_t limit;           /* the readers' readline/readuntil limit;
                           * 0: 64 KiB */
  size_t high_water;      /* stdin's drain() mark; 0: 64 KiB */
} corio_process_opts_t;

/* Starts argv[0] with the arguments argv[0..] (NULL-terminated; borrowed
 * for the call), without a shell. A program name without "/" is looked
 * up in the parent's PATH. Waits until the child has started (or failed
 * to). On CORIO_OK *out is the caller's; on an error *out is NULL and the
 * task's message says why (statuses above). */
int corio_subprocess_exec(corio_process_t **out, const char *const *argv,
                          const corio_process_opts_t *opts);

/* Starts the command line `cmd` through "/bin/sh -c cmd", as
 * corio_subprocess_exec. */
int corio_subprocess_shell(corio_process_t **out, const char *cmd,
                           const corio_process_opts_t *opts);

/* As corio_subprocess_shell, with a command line of `len` bytes that need
 * not end in a NUL (e.g. read from a stream): a NUL byte inside it is
 * CORIO_EINVAL, as Python's "embedded null byte". */
int corio_subprocess_shell_n(corio_process_t **out, const char *cmd, size_t len,
                             const corio_process_opts_t *opts);

/* The child's process id. */
int corio_process_pid(const corio_process_t *p);

/* asyncio's Process.returncode: false while the child runs (or has not
 * been reaped yet); true once it ended, with *code (may be NULL) its exit
 * status, or minus the signal number that killed it (-9 for SIGKILL). */
bool corio_process_returncode(const corio_process_t *p, int *code);

/* The child's pipes, or NULL where the option was not CORIO_STDIO_PIPE.
 * Owned by the process, valid until corio_process_free:
 * corio_reader_free / corio_writer_free on them do nothing. Closing stdin
 * (corio_writer_close, or corio_write_eof) gives the child EOF. */
corio_writer_t *corio_process_stdin(corio_process_t *p);
corio_reader_t *corio_process_stdout(corio_process_t *p);
corio_reader_t *corio_process_stderr(corio_process_t *p);

/* Waits until the child has exited and sets *returncode (may be NULL) as
 * corio_process_returncode. Many tasks may wait at once. Does not read the
 * pipes: a child that fills a pipe nobody reads blocks (as in asyncio; use
 * communicate). CORIO_EINVALSTATE if the run that started the child ended. */
int corio_process_wait(corio_process_t *p, int *returncode);

/* asyncio's Process.communicate(input): writes input_len bytes of `input`
 * (may be NULL with 0) to stdin if stdin is a pipe, then closes stdin; at
 * the same time reads stdout and stderr to their ends, whatever their
 * size (nothing is paused, so a child that fills one pipe while corio
 * writes the other cannot deadlock); then waits for the child to exit.
 * On CORIO_OK *out / *err (either pointer may be NULL: the bytes are then
 * dropped) are malloc'd, NUL-terminated copies the caller frees, *out_len
 * / *err_len (may be NULL) their lengths; NULL (asyncio's None) for a
 * stream that is not a pipe. A child that exits without reading its stdin
 * is no error (as asyncio ignores BrokenPipeError), nor a child killed by
 * a signal: communicate returns CORIO_OK and corio_process_returncode says
 * -signal. Errors: a reader's error, CORIO_EINVALSTATE (another task reads
 * one of the pipes, or the run that started the child ended), and
 * CORIO_ECANCELLED (bytes collected so far are dropped). */
int corio_process_communicate(corio_process_t *p, const void *input,
                              size_t input_len, char **out, size_t *out_len,
                              char **err, size_t *err_len);

/* Sends signal `sig` (e.g. SIGTERM from <signal.h>) to the child. After
 * the child has been reaped it does nothing and returns CORIO_OK: a pid
 * that may have been reused is never signalled. CORIO_EINVAL for an
 * invalid signal. Never waits. */
int corio_process_send_signal(corio_process_t *p, int sig);
/* send_signal(SIGTERM) / send_signal(SIGKILL). */
int corio_process_terminate(corio_process_t *p);
int corio_process_kill(corio_process_t *p);

/* Frees the process object and its pipes (closing them; unread bytes are
 * dropped). A child still running runs on, and is reaped when it exits. */
void corio_process_free(corio_process_t *p);

/* ===================================================================== */
/* 14. Diagnostics: debug mode, the deadlock report, the task dump        */
/* ===================================================================== */

/* Debug mode, as asyncio's: on when the environment has CORIO_DEBUG=1
 * (natively; in wasm the JS host reads Module.corioDebug, set by
 * load({debug: true}), or CORIO_DEBUG under Node), or after
 * corio_set_debug(true). On, corio reports mistakes on stderr, each line
 * beginning "corio: ", in asyncio's words:
 *   Task exception was never retrieved   (a failed task freed unread)
 *   Task was destroyed but it is pending!  (a task abandoned not done)
 *   Executing <Task 'NAME'> took 0.250 seconds  (a step or callback held
 *       the loop longer than the slow-callback duration)
 *   NAME() was called from a thread that does not own the loop
 * and prints the deadlock report when a run deadlocks. Off, it costs
 * nothing measurable. Whatever the mode, a task that failed and whose error
 * nobody read is reported when it is freed or when corio_run ends. */
void corio_set_debug(bool on);
bool corio_get_debug(void);

/* asyncio's loop.slow_callback_duration: seconds (default 0.1) a task step
 * or callback may hold the loop before debug mode reports it. A negative
 * or NaN value is ignored. */
void corio_set_slow_callback_duration(double seconds);
double corio_get_slow_callback_duration(void);

/* Where corio's report lines go (asyncio logs them): fn(line, data) gets
 * each one, "corio: ..." without a newline, borrowed for the call; NULL
 * (the default) writes them to stderr. Not the stack-overflow line, which
 * is written to stderr on the way to ending the program. fn must not
 * suspend (no corio call that waits): it is called from the scheduler and
 * from inside other calls, and in wasm it is built as a function that never
 * unwinds. */
typedef void (*corio_report_fn)(const char *line, void *data);
void corio_set_report_fn(corio_report_fn fn, void *data);

/* Names for sync objects and queues, shown by the deadlock report and the
 * task dump (copied; NULL removes it). CORIO_OK, CORIO_EINVAL or
 * CORIO_ENOMEM. */
int corio_lock_set_name(corio_lock_t *l, const char *name);
int corio_event_set_name(corio_event_t *e, const char *name);
int corio_condition_set_name(corio_condition_t *c, const char *name);
int corio_semaphore_set_name(corio_semaphore_t *s, const char *name);
int corio_barrier_set_name(corio_barrier_t *b, const char *name);
int corio_queue_set_name(corio_queue_t *q, const char *name);

/* The report of the last deadlock on this thread (made when a run, or a
 * JS-hosted loop, found every task waiting with nothing able to wake one):
 * one line per waiting task, "task 'NAME': waiting on WHAT", naming the
 * object where it has a name and who holds each lock, then one
 * "cycle: ..." line per cycle of tasks waiting for each other. Written to
 * buf as snprintf does (always NUL-terminated when n > 0); returns its
 * full length, 0 if no run of this thread has deadlocked. */
size_t corio_deadlock_report(char *buf, size_t n);

/* asyncio's all_tasks() + print_stack(): one line per task not done of the
 * running loop (or, between JS turns, of the JS-hosted loop): its name,
 * state, what it waits on, how long it has waited (debug mode) and where it
 * was created. corio_dump_tasks writes to f; corio_dump_tasks_str to buf as
 * snprintf does, returning the full length. */
void corio_dump_tasks(FILE *f);
size_t corio_dump_tasks_str(char *buf, size_t n);

/* ===================================================================== */
/* 15. Threads: blocking work off the loop                                */
/* ===================================================================== */
/*
 * corio's loop and everything in this header belong to the thread that runs
 * the loop (corio_run's thread). Only these calls may be made from other
 * threads: corio_call_soon_threadsafe, corio_run_coroutine_threadsafe and the
 * corio_thread_handle_* functions; and, inside a function running on a worker
 * thread (corio_to_thread, an executor), corio_fail and corio_errmsg, which
 * then set / read the job's message. Any other call from a thread that does
 * not own the loop is undefined; in debug mode (section 14) corio reports
 * "corio: NAME() was called from a thread that does not own the loop" at
 * corio_task_cancel, corio_task_add_done_callback and the executor calls.
 * A loop whose tasks all wait for a thread that corio does not know of (one
 * the program made itself, not a job of an executor) is judged deadlocked:
 * run such blocking work through corio_to_thread or an executor.
 *
 * WebAssembly has two builds. The single-threaded one (dist/corio.mjs, and
 * any program linked without -pthread) has no threads: corio_to_thread and
 * the executor calls return CORIO_ENOTSUP with a message saying why;
 * nothing ever runs on the loop's thread instead. The threaded one (the
 * runtime compiled and linked with -pthread; README, "Building it for Node
 * and for the browser"; the npm package's dist/threads/) runs jobs on
 * Emscripten's pthreads while the loop stays on the main thread: a corio
 * loop and every suspension live there, and a loop opened on a worker
 * thread fails with CORIO_ENOTSUP. In Node its idle workers do not keep the
 * process alive, the loop does while a job is out. It needs
 * SharedArrayBuffer: Node, or a page that is cross-origin isolated, where
 * the npm package's load() picks it.
 */

/* A function run on a worker thread: plain C, no waiting corio calls (there
 * is no task there). Same contract as corio_fn: a status, *result (starting
 * at 0) on CORIO_OK, a message through corio_fail. */
typedef corio_fn corio_thread_fn;

/* Called on the loop's thread when a job's outcome is not taken by anyone
 * (the awaiting task was cancelled, or the job was taken back before it
 * ran: code CORIO_ECANCELLED): the place to free `arg` and a result that
 * owns memory. May be NULL. */
typedef void (*corio_thread_drop_fn)(void *arg, int code, intptr_t result);

/* Options of a job; NULL or zero means the default. */
typedef struct corio_thread_opts {
  corio_thread_drop_fn drop; /* see above */
} corio_thread_opts_t;

/* asyncio.to_thread: runs fn(arg) on a worker thread of the loop's default
 * executor (made on first use, with the default number of workers, and shut
 * down, waiting for its jobs, when corio_run ends) and waits in the calling
 * task, while the loop runs other tasks, for its status, result and message.
 * Cancelling the waiting task returns CORIO_ECANCELLED at once: a job not yet
 * started never runs; a running one runs to its end on its thread and its
 * outcome goes to opts->drop. Ownership: `arg` must stay valid until fn
 * has returned; after CORIO_ECANCELLED the caller no longer knows when that
 * is, so it gives `arg` to drop (or keeps it alive until the run ends).
 * Returns fn's status, or CORIO_ECANCELLED, CORIO_ENOMEM, CORIO_ECLOSED
 * (the default executor was shut down), CORIO_EFAILED (no worker thread
 * could be started), CORIO_ENOTSUP (no threads in this build), CORIO_ENOTASK.
 */
int corio_to_thread(corio_thread_fn fn, void *arg, intptr_t *result);
int corio_to_thread_ex(corio_thread_fn fn, void *arg,
                       const corio_thread_opts_t *opts, intptr_t *result);

/* A pool of worker threads (concurrent.futures.ThreadPoolExecutor). Made and
 * used on the loop's thread. */
typedef struct corio_executor corio_executor_t;

/* Default number of workers: min(32, processors + 4), as ThreadPoolExecutor. */
size_t corio_executor_default_workers(void);

/* A new executor with at most max_workers threads (0: the default). Threads
 * are started as jobs arrive, while no worker is idle. CORIO_OK,
 * CORIO_ENOMEM, CORIO_ENOTSUP (no threads in this build; the message says
 * why), CORIO_ENOLOOP (no running loop). */
int corio_executor_new(corio_executor_t **out, size_t max_workers);

/* Submits fn(arg) and returns, in *out, a future (asyncio's
 * loop.run_in_executor) that ends with the job's outcome: await it with
 * corio_await, pass it to corio_gather / corio_wait / corio_as_completed /
 * corio_wait_for, release it with corio_future_release (the caller owns one
 * reference). The job is queued at once. Cancelling the future while the job
 * is queued takes the job back (fn never runs; drop gets CORIO_ECANCELLED);
 * once it runs, the future is cancelled at once and the job's outcome goes
 * to drop when fn returns. Errors (nothing queued, *out NULL): CORIO_ECLOSED
 * after shutdown, CORIO_ENOMEM, CORIO_EFAILED (no worker thread runs and
 * none could be started: pthread_create's error is in the message),
 * CORIO_EINVAL. */
int corio_executor_submit(corio_executor_t *ex, corio_thread_fn fn, void *arg,
                          const corio_thread_opts_t *opts,
                          corio_future_t **out);

/* Executor.shutdown(wait, cancel_futures): no submit is accepted after it
 * (CORIO_ECLOSED). cancel_futures takes back every queued job (their
 * futures end cancelled, drop gets CORIO_ECANCELLED). wait: waits, in the
 * calling task (which must be one), until every job submitted has ended; the
 * workers then exit. Without wait it returns at once and the workers exit
 * once the queue is empty. Idempotent. CORIO_OK, CORIO_ECANCELLED (the
 * waiting task was cancelled; the shutdown goes on), CORIO_ENOTASK. */
int corio_executor_shutdown(corio_executor_t *ex, bool wait,
                            bool cancel_futures);

/* Frees the executor: shuts it down (without waiting) if it was not; the
 * memory goes when its last job has ended. */
void corio_executor_free(corio_executor_t *ex);

/* The number of worker threads alive now (for tests and monitoring). */
size_t corio_executor_workers(const corio_executor_t *ex);

/* loop.call_soon_threadsafe: from any thread, schedules fn(data) on `loop`
 * (FIFO with other call_soon callbacks) and wakes the loop at once, if it
 * sleeps. The loop must be running (from corio_running_loop() on its
 * thread) until the call ran. CORIO_OK, CORIO_EINVAL, CORIO_ENOMEM. If
 * the run ends first, the call is dropped unrun. */
int corio_call_soon_threadsafe(corio_loop_t *loop, corio_callback_fn fn,
                               void *data);

/* What corio_run_coroutine_threadsafe gives the foreign thread
 * (concurrent.futures.Future): owned by it, freed with
 * corio_thread_handle_free (which may come before the coroutine ends). */
typedef struct corio_thread_handle corio_thread_handle_t;

/* asyncio.run_coroutine_threadsafe: from a thread that is not the loop's,
 * starts fn(arg) as a task on the running `loop`. CORIO_OK, CORIO_EINVAL,
 * CORIO_ENOMEM, CORIO_EINVALSTATE (called on the loop's own thread, where
 * waiting for the handle would block the loop for ever). */
int corio_run_coroutine_threadsafe(corio_loop_t *loop, corio_fn fn, void *arg,
                                   corio_thread_handle_t **out);

/* Blocks the calling (foreign) thread until the coroutine has ended or
 * `timeout` seconds passed (< 0: no limit). Returns its status (result in
 * *result on CORIO_OK), CORIO_ETIMEDOUT (still running; may wait again),
 * CORIO_ECLOSED (the run ended before the coroutine could start). */
int corio_thread_handle_wait(corio_thread_handle_t *h, double timeout,
                             intptr_t *result);
/* Its error message once ended with an error (valid until free), else NULL. */
const char *corio_thread_handle_error(const corio_thread_handle_t *h);
/* Asks the loop to cancel the coroutine (from any thread). */
void corio_thread_handle_cancel(corio_thread_handle_t *h);
void corio_thread_handle_free(corio_thread_handle_t *h);

#ifdef __cplusplus
}
#endif

#endif /* CORIO_H */
