/*
 * test_context.c — async context managers: corio_with runs enter, the body
 * and exit, and exit decides the result; a failed enter runs neither body
 * nor exit; the adapters of locks, semaphores, conditions, timeout scopes
 * and task groups run their exit whether the body succeeds, fails or is
 * cancelled.
 */
#include "test.h"

#define APP_ERROR (CORIO_EUSER - 1)

/* ---- corio_with --------------------------------------------------------- */

typedef struct probe {
  int enter_rc;
  bool replace; /* exit returns exit_rc instead of the body's status */
  int exit_rc;
  int body_rc;
} probe_t;

static int probe_enter(void *self) {
  const probe_t *p = self;
  test_log("enter");
  return p->enter_rc;
}

static int probe_exit(void *self, int status) {
  const probe_t *p = self;
  test_log("exit:%s", corio_err_name(status));
  return p->replace ? p->exit_rc : status;
}

static int probe_body(void *data) {
  const probe_t *p = data;
  test_log("body");
  return p->body_rc;
}

static int with_probe(void *arg, intptr_t *result) {
  (void)result;
  probe_t *p = arg;
  corio_acm_t cm = {probe_enter, probe_exit, p, NULL};
  int rc = corio_with(cm, probe_body, p);
  test_log("with:%s", corio_err_name(rc));
  return CORIO_OK;
}

TEST(with_runs_enter_then_the_body_then_exit) {
  probe_t p = {CORIO_OK, false, 0, CORIO_OK};
  test_run(with_probe, &p, CORIO_OK);
  CHECK_LOG("enter body exit:CORIO_OK with:CORIO_OK");
}

TEST(with_returns_the_enter_error_and_runs_neither_body_nor_exit) {
  probe_t p = {APP_ERROR, false, 0, CORIO_OK};
  test_run(with_probe, &p, CORIO_OK);
  CHECK_LOG("enter with:CORIO_EUSER");
}

TEST(exit_gets_the_body_error_and_with_returns_what_exit_returns) {
  probe_t p = {CORIO_OK, false, 0, APP_ERROR};
  test_run(with_probe, &p, CORIO_OK);
  CHECK_LOG("enter body exit:CORIO_EUSER with:CORIO_EUSER");
}

TEST(exit_may_replace_the_body_status) {
  probe_t p = {CORIO_OK, true, CORIO_OK, APP_ERROR}; /* suppresses it */
  test_run(with_probe, &p, CORIO_OK);
  CHECK_LOG("enter body exit:CORIO_EUSER with:CORIO_OK");
}

static int with_missing(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  probe_t p = {0};
  corio_acm_t no_exit = {probe_enter, NULL, &p, NULL};
  test_log("no-exit:%s", corio_err_name(corio_with(no_exit, probe_body, &p)));
  corio_acm_t cm = {probe_enter, probe_exit, &p, NULL};
  test_log("no-body:%s", corio_err_name(corio_with(cm, NULL, &p)));
  return CORIO_OK;
}

TEST(with_refuses_a_missing_function) {
  test_run(with_missing, NULL, CORIO_OK);
  CHECK_LOG("no-exit:CORIO_EINVAL no-body:CORIO_EINVAL");
}

/* ---- lock, semaphore, condition ----------------------------------------- */

typedef enum ending { ENDS_OK, ENDS_FAILING, ENDS_CANCELLED } ending_t;

/* A body run under a primitive's context manager, ending as told. */
typedef struct scene {
  corio_acm_t cm;
  bool (*held)(const void *obj); /* whether the primitive is taken */
  const void *obj;
  ending_t ending;
  corio_event_t *never; /* what a body to be cancelled waits for */
} scene_t;

static int scene_body(void *data) {
  const scene_t *s = data;
  test_log("body held:%d", s->held(s->obj));
  if (s->ending == ENDS_FAILING) return corio_fail(APP_ERROR, "body failed");
  if (s->ending == ENDS_CANCELLED) return corio_event_wait(s->never);
  return CORIO_OK;
}

static int with_scene(void *arg, intptr_t *result) {
  (void)result;
  const scene_t *s = arg;
  int rc = corio_with(s->cm, scene_body, arg);
  if (rc == CORIO_OK)
    test_log("with:CORIO_OK");
  else
    test_log("with:%s msg:%s", corio_err_name(rc), corio_errmsg());
  return rc;
}

/* Runs the scene in a task (cancelling it once it waits, if so told) and
 * logs whether the primitive is still taken afterwards. */
static int play(scene_t *s) {
  int rc = corio_event_new(&s->never);
  if (rc != CORIO_OK) return rc;
  corio_task_t *t;
  rc = corio_task_create(&t, with_scene, s, NULL);
  if (rc != CORIO_OK) return rc;
  test_settle();
  if (s->ending == ENDS_CANCELLED) corio_task_cancel(t, "stop");
  int code;
  corio_gather(&t, 1, NULL, &code);
  test_log("after held:%d", s->held(s->obj));
  corio_task_release(t);
  corio_event_free(s->never);
  return CORIO_OK;
}

static bool lock_held(const void *obj) { return corio_lock_locked(obj); }

static int lock_scene(void *arg, intptr_t *result) {
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  scene_t s = {corio_lock_cm(l), lock_held, l, *(ending_t *)arg, NULL};
  rc = play(&s);
  corio_lock_free(l);
  return rc;
}

TEST(lock_cm_holds_the_lock_in_the_body_and_releases_it_after) {
  test_run(lock_scene, &(ending_t){ENDS_OK}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_OK after held:0");
}

TEST(lock_cm_releases_the_lock_when_the_body_fails) {
  test_run(lock_scene, &(ending_t){ENDS_FAILING}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_EUSER msg:body failed after held:0");
}

TEST(lock_cm_releases_the_lock_when_the_body_is_cancelled) {
  test_run(lock_scene, &(ending_t){ENDS_CANCELLED}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_ECANCELLED msg:stop after held:0");
}

static bool semaphore_held(const void *obj) {
  return corio_semaphore_value(obj) == 0;
}

static int semaphore_scene(void *arg, intptr_t *result) {
  (void)result;
  corio_semaphore_t *sem;
  int rc = corio_semaphore_new_bounded(&sem, 1);
  if (rc != CORIO_OK) return rc;
  scene_t s = {corio_semaphore_cm(sem), semaphore_held, sem, *(ending_t *)arg,
               NULL};
  rc = play(&s);
  corio_semaphore_free(sem);
  return rc;
}

TEST(semaphore_cm_holds_a_permit_in_the_body_and_gives_it_back_after) {
  test_run(semaphore_scene, &(ending_t){ENDS_OK}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_OK after held:0");
}

TEST(semaphore_cm_gives_the_permit_back_when_the_body_fails) {
  test_run(semaphore_scene, &(ending_t){ENDS_FAILING}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_EUSER msg:body failed after held:0");
}

TEST(semaphore_cm_gives_the_permit_back_when_the_body_is_cancelled) {
  test_run(semaphore_scene, &(ending_t){ENDS_CANCELLED}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_ECANCELLED msg:stop after held:0");
}

static bool condition_held(const void *obj) {
  return corio_condition_locked(obj);
}

static int condition_scene(void *arg, intptr_t *result) {
  (void)result;
  corio_condition_t *c;
  int rc = corio_condition_new(&c, NULL);
  if (rc != CORIO_OK) return rc;
  scene_t s = {corio_condition_cm(c), condition_held, c, *(ending_t *)arg,
               NULL};
  rc = play(&s);
  corio_condition_free(c);
  return rc;
}

TEST(condition_cm_holds_the_lock_in_the_body_and_releases_it_after) {
  test_run(condition_scene, &(ending_t){ENDS_OK}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_OK after held:0");
}

TEST(condition_cm_releases_the_lock_when_the_body_fails) {
  test_run(condition_scene, &(ending_t){ENDS_FAILING}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_EUSER msg:body failed after held:0");
}

TEST(condition_cm_releases_the_lock_when_the_body_is_cancelled) {
  test_run(condition_scene, &(ending_t){ENDS_CANCELLED}, CORIO_OK);
  CHECK_LOG("body held:1 with:CORIO_ECANCELLED msg:stop after held:0");
}

static int never_run(void *data) {
  (void)data;
  test_log("body");
  return CORIO_OK;
}

static int with_never_run(void *arg, intptr_t *result) {
  (void)result;
  const corio_acm_t *cm = arg;
  int rc = corio_with(*cm, never_run, NULL);
  test_log("with:%s", corio_err_name(rc));
  return rc;
}

static int cancel_entering(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  corio_lock_acquire(l);
  corio_acm_t cm = corio_lock_cm(l);
  corio_task_t *t;
  rc = corio_task_create(&t, with_never_run, &cm, NULL);
  if (rc != CORIO_OK) return rc;
  test_settle(); /* it waits to enter */
  corio_task_cancel(t, NULL);
  test_settle();
  test_log("main-holds:%d", corio_lock_locked(l));
  corio_lock_release(l);
  test_log("released:%d", corio_lock_locked(l));
  int code;
  corio_gather(&t, 1, NULL, &code);
  corio_task_release(t);
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(a_cm_cancelled_while_entering_runs_neither_body_nor_exit) {
  test_run(cancel_entering, NULL, CORIO_OK);
  CHECK_LOG("with:CORIO_ECANCELLED main-holds:1 released:0");
}

static int release_lock(void *data) { return corio_lock_release(data); }

static int exit_error(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *l;
  int rc = corio_lock_new(&l);
  if (rc != CORIO_OK) return rc;
  /* The body releases the lock itself: exit's release then fails, and that
   * failure is the result, as an exception raised by __aexit__ would be. */
  corio_acm_t cm = corio_lock_cm(l);
  rc = corio_with(cm, release_lock, l);
  test_log("with:%s locked:%d", corio_err_name(rc), corio_lock_locked(l));
  corio_lock_free(l);
  return CORIO_OK;
}

TEST(a_failing_release_in_exit_is_the_result) {
  test_run(exit_error, NULL, CORIO_OK);
  CHECK_LOG("with:CORIO_ERUNTIME locked:0");
}

/* ---- timeout scope ------------------------------------------------------ */

typedef struct timed {
  corio_timeout_cm_state_t state;
  ending_t ending;
  corio_event_t *never;
} timed_t;

static int timed_body(void *data) {
  timed_t *t = data;
  if (t->ending == ENDS_FAILING) return corio_fail(APP_ERROR, "body failed");
  if (t->ending == ENDS_OK) return corio_sleep(0);
  int rc = corio_event_wait(t->never);
  test_log("body:%s", corio_err_name(rc));
  return rc;
}

static int with_timeout(void *arg, intptr_t *result) {
  (void)result;
  timed_t *t = arg;
  int rc =
      corio_with(corio_timeout_cm(&t->state, t->state.delay), timed_body, t);
  test_log("with:%s expired:%d", corio_err_name(rc),
           corio_timeout_expired(&t->state.scope));
  return rc;
}

/* Runs with_timeout in a task, cancelled once it waits if so told. */
static int timeout_scene(void *arg, intptr_t *result) {
  (void)result;
  timed_t *t = arg;
  int rc = corio_event_new(&t->never);
  if (rc != CORIO_OK) return rc;
  corio_task_t *task;
  rc = corio_task_create(&task, with_timeout, t, NULL);
  if (rc != CORIO_OK) return rc;
  test_settle();
  if (t->ending == ENDS_CANCELLED && t->state.delay == CORIO_FOREVER)
    corio_task_cancel(task, NULL);
  int code;
  corio_gather(&task, 1, NULL, &code);
  corio_task_release(task);
  corio_event_free(t->never);
  return CORIO_OK;
}

TEST(timeout_cm_returns_the_body_status_before_the_deadline) {
  timed_t t = {.state.delay = 60, .ending = ENDS_OK};
  test_run(timeout_scene, &t, CORIO_OK);
  CHECK_LOG("with:CORIO_OK expired:0");
}

TEST(timeout_cm_passes_a_body_error_through) {
  timed_t t = {.state.delay = 60, .ending = ENDS_FAILING};
  test_run(timeout_scene, &t, CORIO_OK);
  CHECK_LOG("with:CORIO_EUSER expired:0");
}

TEST(timeout_cm_turns_its_expiry_into_etimedout) {
  /* Delay 0: the deadline has passed once the body first waits. */
  timed_t t = {.state.delay = 0, .ending = ENDS_CANCELLED};
  test_run(timeout_scene, &t, CORIO_OK);
  CHECK_LOG("body:CORIO_ECANCELLED with:CORIO_ETIMEDOUT expired:1");
}

TEST(timeout_cm_leaves_a_cancellation_from_elsewhere_cancelled) {
  timed_t t = {.state.delay = CORIO_FOREVER, .ending = ENDS_CANCELLED};
  test_run(timeout_scene, &t, CORIO_OK);
  CHECK_LOG("body:CORIO_ECANCELLED with:CORIO_ECANCELLED expired:0");
}

static int no_wait(void *data) {
  (void)data;
  return CORIO_OK;
}

static int exit_before_deadline(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_cm_state_t state;
  /* Due at once, but the body never waits: the exit cancels the expiry. */
  int rc = corio_with(corio_timeout_cm(&state, 0), no_wait, NULL);
  test_log("with:%s", corio_err_name(rc));
  for (int i = 0; i < 3 && rc == CORIO_OK; i++) rc = corio_sleep(0);
  test_log("after:%s cancelling:%d", corio_err_name(rc),
           corio_task_cancelling(corio_current_task()));
  return rc;
}

TEST(timeout_cm_exited_before_its_expiry_ran_cancels_nothing) {
  test_run(exit_before_deadline, NULL, CORIO_OK);
  CHECK_LOG("with:CORIO_OK after:CORIO_OK cancelling:0");
}

/* ---- task group --------------------------------------------------------- */

typedef struct grouped {
  corio_task_group_cm_state_t state;
  ending_t ending;
  bool child_fails;
  corio_event_t *never;
} grouped_t;

static int child(void *arg, intptr_t *result) {
  (void)result;
  grouped_t *g = arg;
  int rc = corio_sleep(0);
  if (rc == CORIO_OK && g->child_fails)
    return corio_fail(APP_ERROR, "child failed");
  if (rc == CORIO_OK && g->ending != ENDS_OK) rc = corio_event_wait(g->never);
  test_log("child:%s", corio_err_name(rc));
  return rc;
}

static int group_body(void *data) {
  grouped_t *g = data;
  for (int i = 0; i < 2; i++) {
    int rc = corio_task_group_spawn(g->state.group, NULL, child, g, NULL);
    if (rc != CORIO_OK) return rc;
  }
  test_log("body");
  int rc = corio_sleep(0); /* the children start */
  if (rc == CORIO_OK && g->ending == ENDS_FAILING)
    rc = corio_fail(APP_ERROR, "body failed");
  if (rc == CORIO_OK && g->ending == ENDS_CANCELLED)
    rc = corio_event_wait(g->never);
  if (rc != CORIO_OK) test_log("body:%s", corio_err_name(rc));
  return rc;
}

static int with_group(void *arg, intptr_t *result) {
  (void)result;
  grouped_t *g = arg;
  int rc = corio_with(corio_task_group_cm(&g->state), group_body, g);
  test_log("with:%s group-freed:%d", corio_err_name(rc),
           g->state.group == NULL);
  return rc;
}

/* Runs with_group in a task, cancelled once it waits if so told. */
static int group_scene(void *arg, intptr_t *result) {
  (void)result;
  grouped_t *g = arg;
  int rc = corio_event_new(&g->never);
  if (rc != CORIO_OK) return rc;
  corio_task_t *t;
  rc = corio_task_create(&t, with_group, g, NULL);
  if (rc != CORIO_OK) return rc;
  test_settle();
  if (g->ending == ENDS_CANCELLED && !g->child_fails)
    corio_task_cancel(t, NULL);
  int code;
  corio_gather(&t, 1, NULL, &code);
  corio_task_release(t);
  corio_event_free(g->never);
  return CORIO_OK;
}

TEST(task_group_cm_waits_for_every_child_at_exit) {
  grouped_t g = {.ending = ENDS_OK};
  test_run(group_scene, &g, CORIO_OK);
  CHECK_LOG("body child:CORIO_OK child:CORIO_OK with:CORIO_OK group-freed:1");
}

TEST(task_group_cm_cancels_the_children_when_the_body_fails) {
  grouped_t g = {.ending = ENDS_FAILING};
  test_run(group_scene, &g, CORIO_OK);
  CHECK_LOG("body body:CORIO_EUSER child:CORIO_ECANCELLED "
            "child:CORIO_ECANCELLED with:CORIO_EGROUP group-freed:1");
}

TEST(task_group_cm_cancels_the_children_when_the_body_is_cancelled) {
  grouped_t g = {.ending = ENDS_CANCELLED};
  test_run(group_scene, &g, CORIO_OK);
  CHECK_LOG("body body:CORIO_ECANCELLED child:CORIO_ECANCELLED "
            "child:CORIO_ECANCELLED with:CORIO_ECANCELLED group-freed:1");
}

TEST(task_group_cm_stops_the_body_when_a_child_fails) {
  grouped_t g = {.ending = ENDS_CANCELLED, .child_fails = true};
  test_run(group_scene, &g, CORIO_OK);
  CHECK_LOG("body body:CORIO_ECANCELLED with:CORIO_EGROUP group-freed:1");
}

/* ---- a value on enter; an exit that sees and may suppress the error ----- */

typedef struct resource {
  int opened;
  int suppress; /* exit returns CORIO_OK for an error */
} resource_t;

static int resource_enter(void *self) {
  ((resource_t *)self)->opened++;
  return CORIO_OK;
}

static void *resource_value(void *self) { return self; }

static int resource_exit(void *self, int status) {
  resource_t *r = self;
  test_log("exit-sees:%s(%s)", corio_err_name(status),
           status == CORIO_OK ? "" : corio_errmsg());
  r->opened--;
  return r->suppress && status != CORIO_OK ? CORIO_OK : status;
}

static int use_value(void *value, void *data) {
  resource_t *r = value;
  test_log("as:%d opened:%d", value == data, r->opened);
  return corio_fail(CORIO_EUSER, "body failed");
}

static int with_value(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  resource_t r = {0, 0};
  corio_acm_t cm = {.enter = resource_enter,
                    .exit = resource_exit,
                    .self = &r,
                    .value = resource_value};
  int rc = corio_with_as(cm, use_value, &r);
  test_log("with:%s", corio_err_name(rc));
  r.suppress = 1;
  rc = corio_with_as(cm, use_value, &r);
  test_log("suppressed:%s opened:%d", corio_err_name(rc), r.opened);
  return CORIO_OK;
}

/* mirrors test_contextlib_async.py::AsyncContextManagerTestCase's
 * test_contextmanager_as_decorator-style `async with cm as x` and
 * test_contextmanager_except (the exit sees the exception and suppresses
 * it by returning true) */
TEST(with_as_binds_the_value_and_exit_sees_and_may_suppress_the_error) {
  test_run(with_value, NULL, CORIO_OK);
  CHECK_LOG("as:1 opened:1 exit-sees:CORIO_EUSER(body failed) with:CORIO_EUSER "
            "as:1 opened:1 exit-sees:CORIO_EUSER(body failed) "
            "suppressed:CORIO_OK opened:0");
}

static int timeout_as_body(void *value, void *data) {
  (void)data;
  corio_timeout_t *scope = value;
  int rc = corio_sleep(10);
  test_log("expired-inside:%d", corio_timeout_expired(scope));
  return rc;
}

static int logged_child(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  test_log("child");
  return CORIO_OK;
}

static int group_as_body(void *value, void *data) {
  (void)data;
  return corio_task_group_spawn(value, NULL, logged_child, NULL, NULL);
}

static int builtin_values(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_timeout_cm_state_t state;
  int rc =
      corio_with_as(corio_timeout_cm(&state, 0.001), timeout_as_body, NULL);
  test_log("timeout:%s", corio_err_name(rc));
  corio_task_group_cm_state_t gs;
  rc = corio_with_as(corio_task_group_cm(&gs), group_as_body, NULL);
  test_log("group:%s", corio_err_name(rc));
  return CORIO_OK;
}

/* mirrors test_timeouts.py::test_timeout_basic (`async with timeout(...) as
 * cm`, cm.expired()) and test_taskgroups.py's `async with TaskGroup() as g` */
TEST(timeout_and_task_group_managers_give_their_object_as_value) {
  test_run(builtin_values, NULL, CORIO_OK);
  CHECK_LOG("expired-inside:1 timeout:CORIO_ETIMEDOUT child group:CORIO_OK");
}
