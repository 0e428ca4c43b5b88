/*
 * checker_internal.h — what the checker's files share and users do not
 * need: filling a result (result.c).
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

#endif
