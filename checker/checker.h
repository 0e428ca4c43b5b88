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

/* One response of a followed redirect chain. */
typedef struct checker_hop {
  char *url; /* owned by the result */
  int status;
} checker_hop_t;

/* The outcome of one URL. Strings are stored in the struct (truncated if
 * longer), except url, which is borrowed from the caller's list (or the
 * iterator's string, valid during on_result), and checked_url and hops,
 * owned by the result (checker_result_clear / checker_results_free). */
typedef struct checker_result {
  size_t index;        /* the URL's position in the list */
  const char *url;     /* the caller's string (borrowed) */
  char *checked_url;   /* the URL actually requested: a bare host
                        * "example.com" becomes "https://example.com/";
                        * NULL if none was */
  int status;          /* the HTTP status code, 0 if there is none (the last
                        * one's when redirects were followed) */
  char reason[128];    /* its reason phrase, e.g. "Not Found" (may be "") */
  int error;           /* CORIO_OK when there is a status, else why not */
  char message[256];   /* what went wrong, for a person; "" when error is 0 */
  checker_hop_t *hops; /* with follow, when redirected: every response of
                        * the chain, (URL, status), the final one last */
  size_t nhops;
  double started; /* when its check began, in seconds since the run
                   * began; for a URL cancelled before it could begin,
                   * the time of the cancellation */
  double ended;   /* when its result was known, same clock */
  /* When checker_check_url had the answer's head (the status line and
   * headers; with redirects followed, the last one's), in seconds from its
   * start; -1 when it had none. */
  double first_byte;
  /* When its connection (with redirects followed, the last one's) had the
   * name resolved, TCP connected and TLS done (corio_response_timings), in
   * seconds from its start; -1 where the transport shows no such phase or
   * no answer came. */
  double dns, connect, tls;
  /* For a 429 or 503 answer, the seconds its Retry-After header asked to
   * wait (the delay-seconds form; RFC 9110 10.2.3), else -1. */
  double retry_after;
} checker_result_t;

/* Frees what a result owns (checked_url, hops) and clears those fields. */
void checker_result_clear(checker_result_t *result);

/* Clears each of results[0..n) and frees the array (checker_run's). */
void checker_results_free(checker_result_t *results, size_t n);

/* The URL a check requests for `url`: a copy, or "https://" + url (+ "/")
 * for a bare host (no "://", and not beginning "http:" or "https:"). malloc'd
 * (the caller frees it); NULL without memory or for a NULL url. */
char *checker_target_url(const char *url);

/* Options of a run; zero means the default everywhere. */
typedef struct checker_opts {
  size_t concurrency; /* checks at once (the slots); 0: 10 */
  double timeout;     /* seconds per URL, from the moment its check begins;
                       * CORIO_FOREVER: none, and so is 0, this struct's
                       * zero default; negative or NaN: CORIO_EINVAL */
  bool sequential;    /* one URL after the other, in list order (the
                       * guide's 21.6); concurrency is then ignored */
  size_t per_origin;  /* checks at once to one origin (scheme, host and
                       * port), waited for before a check begins, so before
                       * its timeout starts; 0: no limit. For a carrier that
                       * queues requests itself (a browser's fetch(): 6) */
  const char *method; /* "GET" (NULL) or "HEAD" */
  const char *const *headers; /* extra request headers "Name: value",
                               * NULL-terminated, borrowed; or NULL */
  bool follow;                /* follow redirects; the result lists the
                               * chain and holds the final status */
  int max_redirects;          /* with follow: the most redirects followed,
                               * 1..CORIO_FETCH_REDIRECTS_MAX (more:
                               * CORIO_ELIMIT; out of range: CORIO_EINVAL);
                               * 0: CORIO_FETCH_REDIRECTS_MAX */
  bool deny_private;          /* refuse loopback, private, link-local, ...
                               * addresses (corio_address_denied), on every hop:
                               * CORIO_EDENIED */
  /* Progress, each called once per URL, from inside the run (the loop's
   * thread; they must not wait). Any may be NULL. */
  void (*on_start)(size_t index, const char *url, void *data);
  /* The result, as each completes (in completion order). It is valid
   * during the call (checker_run keeps a copy in its array). */
  void (*on_result)(const checker_result_t *result, void *data);
  /* How many URLs are done, of how many (for an iterator: of how many were
   * pulled so far), after each one. */
  void (*on_progress)(size_t done, size_t total, void *data);
  void *data; /* passed to the callbacks */
} checker_opts_t;

/* Checks one URL in the calling task, without a time limit (see
 * checker_run for one), with opts' method, headers, follow and
 * deny_private (opts may be NULL), and fills *result (its checked_url and
 * hops are overwritten: clear a reused result first) (its index, started and
 * ended are left as they are). Returns CORIO_OK whatever the outcome, which is
 * in *result; or CORIO_ECANCELLED if the calling task was cancelled (the
 * connection is then closed and *result says "cancelled"). Everything it
 * opens or allocates is released before it returns. Only from a task
 * (else CORIO_ENOTASK). */
int checker_check_url(const char *url, const checker_opts_t *opts,
                      checker_result_t *result);

/* Gives a run its next URL: CORIO_OK with *url malloc'd (the run owns it
 * and frees it after its result was handed on), CORIO_END when there are
 * no more, or another status, which becomes that item's result (*url NULL
 * or owned as above). Called from the run's task, only when a slot is free:
 * it may wait (read a file, a socket). */
typedef int (*checker_next_fn)(void *data, char **url);

/* Checks every URL `next` gives, at most opts->concurrency at a time, and
 * hands each result to opts->on_result as it ends. Memory is proportional
 * to the concurrency, not to the number of URLs: a URL is pulled when a
 * slot frees. An invalid URL gets its result at once, without a slot. No
 * allocation failure ends the run: it becomes that URL's error. Returns
 * CORIO_OK; CORIO_ECANCELLED if the calling task was cancelled (the checks
 * running are cancelled and give their results; no further URL is pulled);
 * CORIO_EINVAL, CORIO_ENOMEM (nothing was checked). Only from a task. */
int checker_run_iter(checker_next_fn next, void *data,
                     const checker_opts_t *opts);

/* Checks urls[0..n) and waits until every one has its result. On return
 * *out (unless NULL is returned in it) is a malloc'd array of n results in
 * list order, owned by the caller, who frees it with checker_results_free;
 * it borrows the url strings, which must outlive it. opts may be NULL.
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
