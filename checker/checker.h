/*
 * checker.h — the website checker, a program on corio: for each URL of a
 * list it reports the HTTP status code and reason phrase, or a clear error,
 * and how long the check took. The check itself is the guide's (sections
 * 21.1-21.5): open a connection to the URL's host and port (TLS for
 * https), write "GET <path> HTTP/1.1", read the status line, close. A list
 * is checked one URL after another or concurrently (tasks, a semaphore for
 * the limit, wait_for for the per-URL timeout), as the guide compares them
 * (21.6, 21.7).
 *
 * Errors are values: every URL gets exactly one result, either a status or
 * an error code (a corio status: CORIO_EINVAL for an invalid URL,
 * CORIO_ETIMEDOUT, CORIO_ECONNREFUSED, CORIO_EPROTO for an answer that is
 * not HTTP, CORIO_ECORS when a browser hid the status, ...) with a message.
 * Whatever a server does, the run ends, with every result.
 */
#ifndef CORIO_CHECKER_H
#define CORIO_CHECKER_H

#include <stdbool.h>
#include <stddef.h>

#include "corio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The first line of a response may be at most this long (CRLF included);
 * a longer one is CORIO_ELIMIT. */
#define CHECKER_STATUS_LINE_MAX 8192

/* The outcome of one URL. Strings are stored in the struct (truncated if
 * longer), except url, which is borrowed from the caller's list. */
typedef struct checker_result {
  size_t index;      /* the URL's position in the list */
  const char *url;   /* the caller's string (borrowed) */
  int status;        /* the HTTP status code, 0 if there is none */
  char reason[128];  /* its reason phrase, e.g. "Not Found" (may be "") */
  int error;         /* CORIO_OK when there is a status, else why not */
  char message[256]; /* what went wrong, for a person; "" when error is 0 */
  double started;    /* when its check began, in seconds since the run
                      * began; for a URL cancelled before it could begin,
                      * the time of the cancellation */
  double ended;      /* when its result was known, same clock */
  /* Phases of checker_check_url, in seconds from its start: the
   * connection open (name lookup, TCP and, for https, TLS) and the status
   * line read (the first byte of the answer and the rest of its line); -1
   * for a phase not reached. */
  double connect;
  double first_byte;
  /* For a 429 or 503 answer, the seconds its Retry-After header asked to
   * wait (the delay-seconds form; RFC 9110 10.2.3), else -1. */
  double retry_after;
} checker_result_t;

/* Checks one URL in the calling task, without a time limit (see
 * checker_run for one), and fills *result (its index, started and ended
 * are left as they are). Returns CORIO_OK whatever the outcome, which is
 * in *result; or CORIO_ECANCELLED if the calling task was cancelled (the
 * connection is then closed and *result says "cancelled"). Everything it
 * opens or allocates is released before it returns. Only from a task
 * (else CORIO_ENOTASK). */
int checker_check_url(const char *url, checker_result_t *result);

/* Parses a status line, "HTTP/1.x NNN reason" with its line end or
 * without. On CORIO_OK *status is the code (100-999) and reason (of
 * reason_cap bytes, NUL-terminated, possibly truncated) the phrase, "" if
 * none. Otherwise CORIO_EPROTO, with the current task's message (inside a
 * task) quoting the start of the line. Does not wait. */
int checker_parse_status_line(const char *line, size_t n, int *status,
                              char *reason, size_t reason_cap);

/* Options of a run; zero means the default everywhere. */
typedef struct checker_opts {
  size_t concurrency; /* checks at once (the semaphore); 0: 10 */
  double timeout;     /* seconds per URL, from the moment its check begins
                       * (the semaphore acquired); <= 0: none */
  bool sequential;    /* one URL after the other, in list order (the
                       * guide's 21.6); concurrency is then ignored */
  /* Progress, each called once per URL, from inside the run (the loop's
   * thread; they must not wait). Any may be NULL. */
  void (*on_start)(size_t index, const char *url, void *data);
  /* The result, as each completes (in completion order). It is valid
   * during the call; the same result is in the final array. */
  void (*on_result)(const checker_result_t *result, void *data);
  /* How many URLs are done, of how many, after each one. */
  void (*on_progress)(size_t done, size_t total, void *data);
  void *data; /* passed to the callbacks */
} checker_opts_t;

/* Checks urls[0..n) and waits until every one has its result. On return
 * *out (unless NULL is returned in it) is a malloc'd array of n results in
 * list order, owned by the caller, who frees it with free(); it borrows the
 * url strings, which must outlive it. opts may be NULL.
 * Returns CORIO_OK, or CORIO_ECANCELLED if the calling task was cancelled:
 * every check still running is then cancelled and *out still holds every
 * URL's result (cancelled ones say so). CORIO_EINVAL (urls NULL with n > 0,
 * out NULL) and CORIO_ENOMEM leave *out NULL. Only from a task. */
int checker_run(const char *const *urls, size_t n, const checker_opts_t *opts,
                checker_result_t **out);

#ifdef __cplusplus
}
#endif

#endif /* CORIO_CHECKER_H */
