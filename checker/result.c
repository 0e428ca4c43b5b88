/*
 * result.c — filling a checker_result_t: a status or an error, never both,
 * with its strings copied into the struct.
 */
#include <stdio.h>

#include "checker_internal.h"

void checker__result_error(checker_result_t *r, int code, const char *message) {
  r->status = 0;
  r->reason[0] = '\0';
  r->error = code;
  if (message == NULL || *message == '\0') message = corio_strerror(code);
  snprintf(r->message, sizeof r->message, "%s", message);
}

void checker__result_status(checker_result_t *r, int status,
                            const char *reason) {
  r->status = status;
  snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
  r->error = CORIO_OK;
  r->message[0] = '\0';
}
