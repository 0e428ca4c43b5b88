/*
 * check_url.c — the status check of one URL, as the guide writes it
 * (21.2-21.5), through corio's one HTTP client (corio_fetch): the request
 * (GET or HEAD, the caller's headers), the whole response head read and
 * parsed, redirects followed if asked, the connection closed. Whatever
 * happens, everything it opened is closed and freed before it returns, and
 * the outcome is a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checker_internal.h"

char *checker_target_url(const char *url) {
  if (url == NULL) return NULL;
  /* A URL: "scheme://", or http: / https: with any number of slashes (as
   * corio_url_parse reads them: "http:/host" is http://host). */
  if (*url == '\0' || strstr(url, "://") != NULL ||
      strncasecmp(url, "http:", 5) == 0 || strncasecmp(url, "https:", 6) == 0)
    return strdup(url);
  /* A bare host (example.com, example.com:8443/x) means https://host/. */
  bool has_path = url[strcspn(url, "/?#")] != '\0';
  size_t n = strlen(url);
  char *out = malloc(n + 10);
  if (out) snprintf(out, n + 10, "https://%s%s", url, has_path ? "" : "/");
  return out;
}

/* The chain of a followed redirect: each response's URL and status, the
 * final one last. */
static int keep_chain(checker_result_t *r, const corio_response_t *resp) {
  size_t n = corio_response_redirect_count(resp);
  if (n == 0) return CORIO_OK;
  r->hops = calloc(n + 1, sizeof *r->hops);
  if (r->hops == NULL) return CORIO_ENOMEM;
  for (size_t i = 0; i <= n; i++) {
    const char *url =
        i < n ? corio_response_redirect_url(resp, i) : corio_response_url(resp);
    r->hops[i].status = i < n ? corio_response_redirect_status(resp, i)
                              : corio_response_status(resp);
    r->hops[i].url = strdup(url);
    r->nhops = i + 1;
    if (r->hops[i].url == NULL) return CORIO_ENOMEM;
  }
  return CORIO_OK;
}

/* A 429 or 503 answer's Retry-After in its delay-seconds form (RFC 9110
 * 10.2.3), or -1 (none, or the HTTP-date form, which is not read). */
static double retry_after(const corio_response_t *resp) {
  const char *v = corio_response_header(resp, "Retry-After");
  if (v == NULL) return -1;
  while (*v == ' ' || *v == '\t') v++;
  if (*v < '0' || *v > '9') return -1;
  char *after;
  long seconds = strtol(v, &after, 10);
  return strspn(after, " \t") == strlen(after) ? (double)seconds : -1;
}

int checker_check_url(const char *url, const checker_opts_t *opts,
                      checker_result_t *r) {
  if (r == NULL) return CORIO_EINVAL;
  checker_opts_t none = {0};
  if (opts == NULL) opts = &none;
  r->checked_url = checker_target_url(url);
  if (r->checked_url == NULL && url != NULL) {
    checker__result_error(r, CORIO_ENOMEM, NULL);
    return CORIO_OK;
  }
  corio_fetch_opts_t fetch = {
      .method = opts->method,
      .headers = opts->headers,
      .max_redirects = !opts->follow         ? 0
                       : opts->max_redirects ? opts->max_redirects
                                             : CORIO_FETCH_REDIRECTS_MAX,
      .deny_private = opts->deny_private,
  };
  corio_response_t *resp = NULL;
  double t0 = corio_time();
  r->first_byte = r->retry_after = r->dns = r->connect = r->tls = -1;
  int rc = corio_fetch(r->checked_url, &fetch, &resp);
  if (rc == CORIO_OK) {
    r->first_byte = corio_time() - t0;
    corio_conn_timings_t t = corio_response_timings(resp);
    r->dns = t.dns;
    r->connect = t.connect;
    r->tls = t.tls;
    checker__result_status(r, corio_response_status(resp),
                           corio_response_reason(resp));
    if (r->status == 429 || r->status == 503)
      r->retry_after = retry_after(resp);
    if (keep_chain(r, resp) != CORIO_OK)
      checker__result_error(r, CORIO_ENOMEM, NULL);
    /* The guide's close: its outcome does not change an answer already
     * read; only a cancellation counts. */
    rc = corio_response_close(resp);
    corio_response_free(resp);
  }
  if (rc == CORIO_ECANCELLED)
    checker__result_error(r, CORIO_ECANCELLED, "cancelled");
  else if (rc != CORIO_OK)
    checker__result_error(r, rc, corio_errmsg());
  return rc == CORIO_ECANCELLED ? rc : CORIO_OK;
}

void checker_result_clear(checker_result_t *r) {
  if (r == NULL) return;
  for (size_t i = 0; i < r->nhops; i++) free(r->hops[i].url);
  free(r->hops);
  free(r->checked_url);
  r->hops = NULL;
  r->nhops = 0;
  r->checked_url = NULL;
}

void checker_results_free(checker_result_t *results, size_t n) {
  for (size_t i = 0; results && i < n; i++) checker_result_clear(&results[i]);
  free(results);
}
