/*
 * checker_js.c — the checker for JS (npm/checker.mjs), wasm only: a job
 * holds a URL list and options made by JS (checker_export_job_new), the
 * exported coroutine checker_export_run checks it with checker_run, and each
 * start, result and progress step goes to JS as it happens through
 * checker/library_checker.js. JS owns the job: it frees it once the run's
 * Promise has settled.
 */
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

/* ---- imports from checker/library_checker.js --------------------------------
 */

/* Each only records the event for the job's JS listeners; none calls back
 * into wasm. Strings are borrowed for the call. */
extern void checker_js_started(void *job, int index);
/* checked_url: "" if none; hops: the followed chain as lines "STATUS URL"
 * joined by "\n" (a serialized URL holds no newline), "" if none. */
extern void checker_js_result(void *job, int index, int status,
                              const char *reason, int error,
                              const char *error_name, const char *message,
                              double started, double ended, double first_byte,
                              double retry_after, const char *checked_url,
                              const char *hops, double dns, double connect,
                              double tls);
extern void checker_js_progress(void *job, int done, int total);
/* The most connections the module's stream carrier has open to one origin
 * at once (0: no limit), which the run then keeps per origin itself. */
extern int checker_js_origin_limit(void);

typedef struct checker_js_job {
  char **urls; /* owned, each owned */
  size_t n;
  checker_opts_t opts;
  checker_result_t *results; /* owned, set by the run */
  char *method;              /* owned, or NULL (GET) */
  char *header_text;         /* owned: the extra headers, NUL-separated */
  const char **headers;      /* owned array into header_text, NULL-ended */
} checker_js_job_t;

EMSCRIPTEN_KEEPALIVE void checker_export_job_free(checker_js_job_t *job) {
  if (job == NULL) return;
  for (size_t i = 0; i < job->n; i++) free(job->urls[i]);
  free(job->urls);
  checker_results_free(job->results, job->n);
  free(job->method);
  free(job->header_text);
  free(job->headers);
  free(job);
}

/* Sets how the job's requests are made: `method` ("GET" or "HEAD"; NULL or
 * "": GET), the extra headers as "Name: value" lines separated by "\n"
 * (NULL or "": none; each is checked by the request writer, so a bad one
 * becomes its URLs' error), whether to follow redirects (and at most how
 * many: 0 for corio's most; checked by corio_fetch, so a bad number is its
 * URLs' error too) and whether to refuse private addresses. Strings are
 * borrowed. Returns CORIO_OK or CORIO_ENOMEM (the job is then unchanged). */
EMSCRIPTEN_KEEPALIVE int
checker_export_job_request(checker_js_job_t *job, const char *method,
                           const char *headers, int follow, int max_redirects,
                           int deny_private) {
  char *m = method && *method ? strdup(method) : NULL;
  char *text = headers && *headers ? strdup(headers) : NULL;
  size_t lines = 1;
  for (const char *p = text; p && *p; p++) lines += *p == '\n';
  const char **list = text ? calloc(lines + 1, sizeof *list) : NULL;
  if ((method && *method && !m) || (headers && *headers && (!text || !list))) {
    free(m);
    free(text);
    free(list);
    return CORIO_ENOMEM;
  }
  size_t k = 0;
  for (char *line = text; line;) {
    char *end = strchr(line, '\n');
    if (end) *end = '\0';
    if (*line) list[k++] = line;
    line = end ? end + 1 : NULL;
  }
  free(job->method);
  free(job->header_text);
  free(job->headers);
  job->method = m;
  job->header_text = text;
  job->headers = list;
  job->opts.method = m;
  job->opts.headers = list;
  job->opts.follow = follow != 0;
  job->opts.max_redirects = max_redirects;
  job->opts.deny_private = deny_private != 0;
  return CORIO_OK;
}

/* A URL of `len` bytes at `s`. A NUL inside it (which a C string cannot
 * hold) becomes DEL, so the URL stays as invalid as it was. */
static char *copy_url(const char *s, int len) {
  char *out = malloc((size_t)len + 1);
  if (out == NULL) return NULL;
  for (int i = 0; i < len; i++) out[i] = s[i] ? s[i] : 0x7f;
  out[len] = '\0';
  return out;
}

/* Makes a job of n URLs (urls[i], lens[i] bytes of UTF-8, both borrowed)
 * and the options (concurrency <= 0: default; timeout CORIO_FOREVER, which
 * JS passes as Infinity, or 0: none). Returns
 * it, owned by the caller (checker_export_job_free), or NULL without memory. */
EMSCRIPTEN_KEEPALIVE checker_js_job_t *
checker_export_job_new(const char *const *urls, const int *lens, int n,
                       int concurrency, double timeout, int sequential) {
  checker_js_job_t *job = calloc(1, sizeof *job);
  if (job == NULL || n < 0) {
    free(job);
    return NULL;
  }
  job->urls = calloc(n > 0 ? (size_t)n : 1, sizeof *job->urls);
  if (job->urls == NULL) {
    free(job);
    return NULL;
  }
  for (; job->n < (size_t)n; job->n++) {
    job->urls[job->n] = copy_url(urls[job->n], lens[job->n]);
    if (job->urls[job->n] == NULL) {
      checker_export_job_free(job);
      return NULL;
    }
  }
  job->opts.concurrency = concurrency > 0 ? (size_t)concurrency : 0;
  job->opts.timeout = timeout;
  job->opts.sequential = sequential != 0;
  job->opts.data = job;
  return job;
}

/* ---- events to JS ------------------------------------------------------- */

static void on_start(size_t index, const char *url, void *job) {
  (void)url;
  checker_js_started(job, (int)index);
}

/* The chain of r as checker_js_result's hops text: malloc'd, the caller
 * frees; NULL without memory (the result then goes without its chain). */
static char *hops_text(const checker_result_t *r) {
  size_t n = 1;
  for (size_t i = 0; i < r->nhops; i++) n += strlen(r->hops[i].url) + 16;
  char *text = malloc(n), *at = text;
  if (text == NULL) return NULL;
  *at = '\0';
  for (size_t i = 0; i < r->nhops; i++)
    at += snprintf(at, n - (size_t)(at - text), "%s%d %s", i ? "\n" : "",
                   r->hops[i].status, r->hops[i].url);
  return text;
}

static void on_result(const checker_result_t *r, void *job) {
  char *hops = hops_text(r);
  /* The error's name goes with it, so JS need not call back into wasm. */
  checker_js_result(job, (int)r->index, r->status, r->reason, r->error,
                    r->error ? corio_err_name(r->error) : "", r->message,
                    r->started, r->ended, r->first_byte, r->retry_after,
                    r->checked_url ? r->checked_url : "", hops ? hops : "",
                    r->dns, r->connect, r->tls);
  free(hops);
}

static void on_progress(size_t done, size_t total, void *job) {
  checker_js_progress(job, (int)done, (int)total);
}

/* ---- the run ------------------------------------------------------------ */

/* Checks the job's URLs (arg: the job). The results reach JS one by one as
 * events; the value is the number of URLs. A cancellation from JS (an
 * AbortSignal) ends the run with every URL's result, so it is caught here:
 * the run still succeeds. */
static int checker_export_run(void *arg, intptr_t *result) {
  checker_js_job_t *job = arg;
  job->opts.on_start = on_start;
  job->opts.on_result = on_result;
  job->opts.on_progress = on_progress;
  job->opts.per_origin = (size_t)checker_js_origin_limit();
  checker_results_free(job->results, job->n);
  job->results = NULL;
  int rc = checker_run((const char *const *)job->urls, job->n, &job->opts,
                       &job->results);
  if (rc == CORIO_ECANCELLED && job->results != NULL) {
    corio_task_t *self = corio_current_task();
    while (corio_task_uncancel(self) > 0) {
    }
    rc = CORIO_OK;
  }
  *result = (intptr_t)job->n;
  return rc;
}
CORIO_EXPORT(checker_export_run)
