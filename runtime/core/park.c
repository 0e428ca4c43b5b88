/*
 * park.c — the core's wait/wake protocol as backends see it (backend.h,
 * "parking a task on a host operation"): a backend's own awaitable
 * operation parks the calling task and unparks it on completion, without
 * seeing the task record.
 */
#include "internal.h"

corio_task_t *corio__park_self(int *status) {
  *status = corio__check_in_task();
  return *status == CORIO_OK ? corio__current : NULL;
}

int corio__park(void) {
  return corio__task_wait(CORIO__WAIT_HOST, NULL, NULL, NULL, NULL);
}

bool corio__unpark(corio_task_t *task, int status) {
  return corio__task_wake(task, status);
}
