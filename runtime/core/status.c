/*
 * status.c — the status codes' names and messages, and the per-task error
 * message (corio_fail / corio_errmsg), which works like errno with text;
 * on a worker thread running a job (executor.c) it is the job's message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *corio_strerror(int code) {
  switch (code) {
#define CORIO__STATUS_MSG(name, value, msg)                                    \
  case value:                                                                  \
    return msg;
    CORIO_STATUS_MAP(CORIO__STATUS_MSG)
#undef CORIO__STATUS_MSG
  }
  return code <= CORIO_EUSER ? "application error" : "unknown error";
}

const char *corio_err_name(int code) {
  switch (code) {
#define CORIO__STATUS_NAME(name, value, msg)                                   \
  case value:                                                                  \
    return "CORIO_" #name;
    CORIO_STATUS_MAP(CORIO__STATUS_NAME)
#undef CORIO__STATUS_NAME
  }
  return code <= CORIO_EUSER ? "CORIO_EUSER" : "CORIO_UNKNOWN";
}

char *corio__strndup(const char *s, size_t n) {
  char *out = malloc(n + 1);
  if (out) {
    memcpy(out, s, n);
    out[n] = '\0';
  }
  return out;
}

char *corio__strdup(const char *s) {
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char *copy = malloc(n);
  if (copy) memcpy(copy, s, n);
  return copy;
}

/* Makes `owned` (malloc'd, may be NULL) t's message for `code`. */
static int adopt_message(corio_task_t *t, int code, char *owned) {
  free(t->errmsg);
  t->errmsg = owned;
  t->errmsg_code = code;
  return code;
}

int corio__task_set_error(corio_task_t *t, int code, const char *msg) {
  /* Copied before the old one is freed: msg may point into it. */
  return adopt_message(t, code,
                       corio__strdup(msg ? msg : corio_strerror(code)));
}

_Thread_local corio__thread_msg_t *corio__thread_msg;

/* On a worker thread running a job: its message becomes msg (owned). */
static int thread_adopt(int code, char *msg) {
  free(corio__thread_msg->msg);
  corio__thread_msg->msg = msg;
  return code;
}

int corio__set_error(int code, const char *msg) {
  corio_task_t *t = corio__current;
  if (t) return corio__task_set_error(t, code, msg);
  if (corio__thread_msg)
    return thread_adopt(code, corio__strdup(msg ? msg : corio_strerror(code)));
  return code;
}

int corio__inherit_error(const corio_task_t *src) {
  return corio__set_error(src->code, corio__task_message(src));
}

int corio_fail(int code, const char *fmt, ...) {
  corio_task_t *t = corio__current;
  if ((t == NULL && corio__thread_msg == NULL) || fmt == NULL)
    return corio__set_error(code, NULL);
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
  if (msg) vsnprintf(msg, (size_t)len + 1, fmt, again);
  va_end(again);
  if (msg == NULL) return corio__set_error(code, NULL);
  return t ? adopt_message(t, code, msg) : thread_adopt(code, msg);
}

const char *corio_errmsg(void) {
  corio_task_t *t = corio__current;
  if (t == NULL && corio__thread_msg && corio__thread_msg->msg)
    return corio__thread_msg->msg;
  return t && t->errmsg ? t->errmsg : "";
}

int corio__not_in_task(void) {
  return corio__loop ? CORIO_ENOTASK : CORIO_ENOLOOP;
}
