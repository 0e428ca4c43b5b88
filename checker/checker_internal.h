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

/* The per-origin limits of a run (origin_limit.c): `limit` checks at once
 * to one origin. Returns CORIO_OK with *out owned by the caller
 * (checker__origins_free, once no check holds a permit), or CORIO_ENOMEM. */
typedef struct checker_origins checker_origins_t;
typedef struct checker_origin checker_origin_t;
int checker__origins_new(size_t limit, checker_origins_t **out);
void checker__origins_free(checker_origins_t *o);

/* Waits for a permit of `url`'s origin: CORIO_OK with *held (NULL if `o`
 * is NULL or the URL does not parse: no limit applies), for
 * checker__origin_release; or CORIO_ECANCELLED / CORIO_ENOMEM, holding
 * nothing. */
int checker__origin_acquire(checker_origins_t *o, const char *url,
                            checker_origin_t **held);
void checker__origin_release(checker_origins_t *o, checker_origin_t *held);

#endif
