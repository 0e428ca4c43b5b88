/*
 * context.c — async context managers: corio_with() (`async with`: enter,
 * body, an exit that always runs once enter succeeded) and the adapters that
 * make locks, semaphores, conditions, timeout scopes and task groups ones.
 */
#include "internal.h"

int corio_with(corio_acm_t cm, int (*body)(void *data), void *data) {
  if (cm.enter == NULL || cm.exit == NULL || body == NULL) return CORIO_EINVAL;
  int rc = cm.enter(cm.self);
  if (rc != CORIO_OK) return rc;
  return cm.exit(cm.self, body(data));
}

int corio_with_as(corio_acm_t cm, int (*body)(void *value, void *data),
                  void *data) {
  if (cm.enter == NULL || cm.exit == NULL || body == NULL) return CORIO_EINVAL;
  int rc = cm.enter(cm.self);
  if (rc != CORIO_OK) return rc;
  void *value = cm.value ? cm.value(cm.self) : NULL;
  return cm.exit(cm.self, body(value, data));
}

/* Release, then the body's status; a failed release wins, as an exception
 * raised by Python's __aexit__ replaces the body's. */
static int exit_status(int release_rc, int status) {
  return release_rc != CORIO_OK ? release_rc : status;
}

/* ---- lock, semaphore, condition: acquire on enter, release on exit ------ */

static int lock_enter(void *self) { return corio_lock_acquire(self); }

static int lock_exit(void *self, int status) {
  return exit_status(corio_lock_release(self), status);
}

corio_acm_t corio_lock_cm(corio_lock_t *l) {
  return (corio_acm_t){lock_enter, lock_exit, l, NULL};
}

static int semaphore_enter(void *self) { return corio_semaphore_acquire(self); }

static int semaphore_exit(void *self, int status) {
  return exit_status(corio_semaphore_release(self), status);
}

corio_acm_t corio_semaphore_cm(corio_semaphore_t *s) {
  return (corio_acm_t){semaphore_enter, semaphore_exit, s, NULL};
}

static int condition_enter(void *self) { return corio_condition_acquire(self); }

static int condition_exit(void *self, int status) {
  return exit_status(corio_condition_release(self), status);
}

corio_acm_t corio_condition_cm(corio_condition_t *c) {
  return (corio_acm_t){condition_enter, condition_exit, c, NULL};
}

/* ---- timeout scope ------------------------------------------------------ */

static int timeout_enter(void *self) {
  corio_timeout_cm_state_t *state = self;
  if (state == NULL) return CORIO_EINVAL;
  return corio_timeout_enter(&state->scope, state->delay);
}

static void *timeout_value(void *self) {
  return &((corio_timeout_cm_state_t *)self)->scope;
}

static int timeout_exit(void *self, int status) {
  corio_timeout_cm_state_t *state = self;
  return corio_timeout_exit(&state->scope, status);
}

/* Making the manager is asyncio.timeout(delay): a new scope, entered once. */
corio_acm_t corio_timeout_cm(corio_timeout_cm_state_t *state, double delay) {
  if (state) {
    state->scope = (corio_timeout_t)CORIO_TIMEOUT_INIT;
    state->delay = delay;
  }
  return (corio_acm_t){timeout_enter, timeout_exit, state, timeout_value};
}

/* ---- task group --------------------------------------------------------- */

static int task_group_enter(void *self) {
  corio_task_group_cm_state_t *state = self;
  if (state == NULL) return CORIO_EINVAL;
  return corio_task_group_new(&state->group);
}

static void *task_group_value(void *self) {
  return ((corio_task_group_cm_state_t *)self)->group;
}

static int task_group_exit(void *self, int status) {
  corio_task_group_cm_state_t *state = self;
  int rc = corio_task_group_wait(state->group, status);
  corio_task_group_free(state->group);
  state->group = NULL;
  return rc;
}

corio_acm_t corio_task_group_cm(corio_task_group_cm_state_t *state) {
  return (corio_acm_t){task_group_enter, task_group_exit, state,
                       task_group_value};
}
