/*
 * checker_internal.h — what the checker's files share and users do not
 * need: filling a result (result.c) and the limit of checks at once per
 * origin (origin_limit.c).
 */
#ifndef CORIO_CHECKER_INTERNAL_H
#define CORIO_CHECKER_INTERNAL_H

#include "checker.h"

/* The result holds `code` and `message` (copied, truncated; NULL or "":
 * the code's own text) and no status. */
void checker__result_error(checker_result_t *r, int code, const char *message);

/* The result holds the status `status` and its reason phrase (copied,
 * truncated; NULL: "") and no error. */
void checker__result_status(checker_result_t *r, int status,
                            const char *reason);

/* The semaphores of the origins of a URL list, each with `limit` permits.
 * Returns CORIO_OK with *out owned by the caller (checker__origins_free),
 * or CORIO_ENOMEM. */
typedef struct checker_origins checker_origins_t;
int checker__origins_new(const char *const *urls, size_t n, size_t limit,
                         checker_origins_t **out);
void checker__origins_free(checker_origins_t *o);

/* The semaphore of URL i's origin (borrowed), or NULL (the URL does not
 * parse, or o is NULL: no limit). */
corio_semaphore_t *checker__origins_of(const checker_origins_t *o, size_t i);

#endif
