/*
 * common_errors.c — the guide's section 22 (common errors) in C: what
 * corio reports for each mistake. Calling a coroutine outside a run
 * (22.1) and creating a task without a loop (22.2) give CORIO_ENOLOOP; a
 * task whose creator never waits never runs (22.2); a callback cannot
 * wait and a run cannot nest (22.3); main returning early cancels the
 * tasks left (22.4); a race loses updates and a deadlock ends the run with
 * CORIO_EDEADLK instead of hanging (22.5), and the deadlock report says
 * who waits on what. Then other mistakes: a failed task nobody awaits
 * ("Task exception was never retrieved"), blocking the loop ("Executing
 * <task ...> took ... seconds"), a task that ignores cancellation ("Task
 * was destroyed but it is pending!"), results that are not there.
 * It runs in corio's debug mode (corio_set_debug; CORIO_DEBUG=1 does the
 * same without a line of code), whose reports go to stderr; this program
 * prints them on stdout instead (corio_set_report_fn), times rounded to
 * 0.1 s, so its output reads in order and is the same on every run. Not
 * shown here: a call from another thread (debug mode names the function)
 * and a stack overflow ("corio: task NAME overflowed its N-byte stack",
 * then the program ends), see tests/c/programs/. Each part is its own
 * corio_run. Builds natively and for wasm; its output is checked against
 * common_errors.expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

/* ---- corio's reports ---------------------------------------------------- */

/* corio's report lines go to stderr by default; here they go to stdout
 * (corio_set_report_fn), so that they read in order with the program's
 * own lines, and "took 0.203 seconds" prints as "took 0.2 seconds", so
 * that the output is the same on every run. */
static void print_report(const char *line, void *data) {
  (void)data;
  const char *took = strstr(line, " took ");
  double seconds;
  int end;
  if (took && sscanf(took, " took %lf seconds%n", &seconds, &end) == 1)
    printf("%.*s took %.1f seconds%s\n", (int)(took - line), line, seconds,
           took + end);
  else
    printf("%s\n", line);
}

static void run(const char *title, corio_fn fn) {
  printf("-- %s\n", title);
  int rc = corio_run(fn, NULL, NULL);
  if (rc == CORIO_OK)
    printf("run: CORIO_OK\n");
  else
    printf("run: %s (%s)\n", corio_err_name(rc), corio_strerror(rc));
  if (rc == CORIO_EDEADLK) { /* the same report, through the API */
    char report[1024];
    corio_deadlock_report(report, sizeof report);
    printf("corio_deadlock_report:\n%s", report);
  }
}

/* ---- 22.1 and 22.2: no loop, no task ----------------------------------- */

static int custom_coro_runs; /* how often custom_coro started */

static int custom_coro(void *arg, intptr_t *result) {
  (void)arg;
  custom_coro_runs++;
  printf("custom_coro: started\n");
  int rc = corio_sleep(0.1);
  if (rc != CORIO_OK) return rc;
  *result = 1;
  return CORIO_OK;
}

static void outside_a_run(void) {
  printf("-- 22.1 calling a coroutine outside corio_run\n");
  intptr_t value = 0;
  int rc = custom_coro(NULL, &value); /* runs until its first wait */
  printf("custom_coro: %s (%s)\n", corio_err_name(rc), corio_strerror(rc));
  printf("-- 22.2 creating a task outside corio_run\n");
  corio_task_t *t;
  rc = corio_task_create(&t, custom_coro, NULL, NULL);
  printf("corio_task_create: %s\n", corio_err_name(rc));
}

/* ---- 22.2: the creator never lets the task run ------------------------- */

static corio_task_t *never_ran; /* kept past the run, to look at */

static int create_and_return(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_task_create(&never_ran, custom_coro, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  printf("main: task created, returning without waiting\n");
  return CORIO_OK;
}

/* ---- 22.3: callbacks are not tasks; runs do not nest ------------------- */

static void waiting_callback(void *data) {
  (void)data;
  int rc = corio_sleep(0.1);
  printf("callback: sleep returned %s\n", corio_err_name(rc));
}

static int low_level(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_call_soon(NULL, waiting_callback, NULL);
  if (rc == CORIO_OK) rc = corio_sleep(0);
  if (rc != CORIO_OK) return rc;
  rc = corio_run(custom_coro, NULL, NULL);
  printf("corio_run inside a task: %s\n", corio_err_name(rc));
  rc = corio_await(corio_current_task(), NULL);
  printf("a task awaiting itself: %s: %s\n", corio_err_name(rc),
         corio_errmsg());
  return CORIO_OK;
}

/* ---- 22.4: main returns while a task still runs ------------------------ */

static int background(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  printf("background: started, needs 1 s\n");
  int rc = corio_sleep(1.0);
  if (rc != CORIO_OK) {
    printf("background: %s before it finished, cleaning up\n",
           corio_strerror(rc));
    return rc;
  }
  printf("background: finished\n");
  return CORIO_OK;
}

static int exit_early(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, background, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  corio_task_release(t); /* fire and forget */
  rc = corio_sleep(0.1);
  printf("main: done, returning\n");
  return rc;
}

/* ---- 22.5: a race condition and a deadlock ----------------------------- */

typedef struct shared {
  int counter;
  corio_lock_t *lock; /* NULL: no lock */
} shared_t;

/* Five read-suspend-write increments, each under the lock if there is one. */
static int increment(void *arg, intptr_t *result) {
  (void)result;
  shared_t *s = arg;
  for (int i = 0; i < 5; i++) {
    int rc = s->lock ? corio_lock_acquire(s->lock) : CORIO_OK;
    if (rc != CORIO_OK) return rc;
    int value = s->counter;
    rc = corio_sleep(0); /* another task runs between read and write */
    s->counter = value + 1;
    if (s->lock) corio_lock_release(s->lock);
    if (rc != CORIO_OK) return rc;
  }
  return CORIO_OK;
}

static int count_with_three_tasks(shared_t *s) {
  corio_task_t *tasks[3];
  int made = 0, rc = CORIO_OK;
  for (; made < 3 && rc == CORIO_OK; made++)
    rc = corio_task_create(&tasks[made], increment, s, NULL);
  if (rc != CORIO_OK) made--; /* the last create failed */
  if (rc == CORIO_OK) rc = corio_gather(tasks, 3, NULL, NULL);
  for (int i = 0; i < made; i++) corio_task_release(tasks[i]);
  return rc;
}

static int race(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  shared_t s = {0};
  int rc = count_with_three_tasks(&s);
  if (rc != CORIO_OK) return rc;
  printf("without a lock: counter %d, expected 15\n", s.counter);
  s.counter = 0;
  rc = corio_lock_new(&s.lock);
  if (rc == CORIO_OK) rc = count_with_three_tasks(&s);
  if (rc == CORIO_OK) printf("with a lock: counter %d\n", s.counter);
  if (s.lock) corio_lock_free(s.lock);
  return rc;
}

typedef struct philosopher {
  const char *name;
  corio_lock_t *first, *second;
} philosopher_t;

/* Takes its first lock, lets the other task run, then wants its second. */
static int take_both(void *arg, intptr_t *result) {
  (void)result;
  philosopher_t *p = arg;
  int rc = corio_lock_acquire(p->first);
  if (rc != CORIO_OK) return rc;
  printf("%s: holds one lock, wants the other\n", p->name);
  rc = corio_sleep(0);
  if (rc == CORIO_OK) rc = corio_lock_acquire(p->second);
  if (rc == CORIO_OK)
    corio_lock_release(p->second);
  else
    printf("%s: %s: %s\n", p->name, corio_err_name(rc), corio_errmsg());
  corio_lock_release(p->first);
  return rc;
}

static int deadlock(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_lock_t *one, *two;
  int rc = corio_lock_new(&one);
  if (rc != CORIO_OK) return rc;
  rc = corio_lock_new(&two);
  if (rc != CORIO_OK) {
    corio_lock_free(one);
    return rc;
  }
  corio_lock_set_name(one, "fork 1"); /* named, for the deadlock report */
  corio_lock_set_name(two, "fork 2");
  philosopher_t a = {"task A", one, two}, b = {"task B", two, one};
  corio_task_t *ta = NULL, *tb = NULL;
  corio_task_opts_t name_a = {.name = "A"}, name_b = {.name = "B"};
  rc = corio_task_create(&ta, take_both, &a, &name_a);
  if (rc == CORIO_OK) rc = corio_task_create(&tb, take_both, &b, &name_b);
  int codes[2];
  /* return_exceptions: wait for both, whatever they end with */
  if (rc == CORIO_OK)
    rc = corio_gather((corio_task_t *[]){ta, tb}, 2, NULL, codes);
  corio_task_release(ta);
  corio_task_release(tb);
  corio_lock_free(one);
  corio_lock_free(two);
  return rc;
}

/* ---- other mistakes ---------------------------------------------------- */

static corio_task_t *failed; /* kept past the run, to look at */

static int fails(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  return corio_fail(CORIO_EUSER, "disk full");
}

static int never_awaited(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc = corio_task_create(&failed, fails, NULL, NULL);
  if (rc == CORIO_OK) rc = corio_sleep(0.05); /* it fails meanwhile */
  if (rc == CORIO_OK) printf("main: never awaits the task that failed\n");
  return rc;
}

static int ticks;

static int ticker(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  int rc;
  while ((rc = corio_sleep(0.02)) == CORIO_OK) ticks++;
  return rc;
}

static int blocking(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t = NULL;
  int rc = corio_task_create(&t, ticker, NULL, NULL);
  if (rc == CORIO_OK) rc = corio_sleep(0); /* the ticker starts */
  if (rc == CORIO_OK) {
    int before = ticks;
    double start = corio_time();
    while (corio_time() - start < 0.2) continue; /* blocks the loop */
    printf("ticks while main blocked the loop for 0.2 s: %d\n", ticks - before);
    before = ticks;
    rc = corio_sleep(0.2);
    printf("ticks while main slept 0.2 s: more than none: %s\n",
           ticks > before ? "yes" : "no");
  }
  if (t) corio_task_cancel(t, NULL);
  if (t) corio_await(t, NULL); /* CORIO_ECANCELLED, as asked */
  corio_task_release(t);
  return rc;
}

/* Swallows every cancellation: a mistake (asyncio: catching
 * CancelledError and carrying on). */
static int stubborn(void *arg, intptr_t *result) {
  (void)result;
  for (;;) corio_event_wait(arg);
}

static corio_event_t *never; /* nobody sets it */

static int ignores_cancellation(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  corio_task_opts_t name = {.name = "stubborn"};
  int rc = corio_event_new(&never);
  if (rc == CORIO_OK) corio_event_set_name(never, "never");
  if (rc == CORIO_OK) rc = corio_task_create(&t, stubborn, never, &name);
  if (rc == CORIO_OK) rc = corio_sleep(0); /* it starts waiting */
  printf("main: returns; the run will cancel stubborn, which ignores it\n");
  return rc; /* t and never are abandoned with the run: not freed */
}

static int missing_results(void *arg, intptr_t *result) {
  (void)arg;
  (void)result;
  corio_task_t *t;
  int rc = corio_task_create(&t, custom_coro, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  printf("result of a task not done: %s\n",
         corio_err_name(corio_task_result(t, NULL)));
  corio_task_cancel(t, NULL);
  rc = corio_sleep(0); /* the cancellation is delivered */
  printf("result of a cancelled task: %s\n",
         corio_err_name(corio_task_result(t, NULL)));
  corio_task_release(t);
  if (rc != CORIO_OK) return rc;

  rc = corio_task_create(&t, background, NULL, NULL);
  if (rc != CORIO_OK) return rc;
  rc = corio_wait_for(t, 0.1, NULL);
  printf("wait_for past its timeout: %s: %s\n", corio_err_name(rc),
         corio_errmsg());
  corio_task_release(t);
  return rc == CORIO_ETIMEDOUT ? CORIO_OK : rc;
}

int main(void) {
  corio_set_debug(true); /* asyncio's debug mode; CORIO_DEBUG=1 also does */
  corio_set_report_fn(print_report, NULL);
  outside_a_run();
  int runs_before = custom_coro_runs;
  run("22.2 a task whose creator never waits", create_and_return);
  if (never_ran) {
    printf("the task ran: %s; done: %s, cancelled: %s\n",
           custom_coro_runs > runs_before ? "yes" : "no",
           corio_task_done(never_ran) ? "yes" : "no",
           corio_task_cancelled(never_ran) ? "yes" : "no");
    corio_task_release(never_ran);
  }
  run("22.3 waiting in a callback, nesting runs", low_level);
  run("22.4 exiting the main coroutine too early", exit_early);
  run("22.5 a race condition", race);
  run("22.5 a deadlock", deadlock);
  run("a task that failed and that nobody awaits", never_awaited);
  if (failed) {
    printf("the task kept its outcome: %s: %s\n",
           corio_err_name(corio_task_result(failed, NULL)),
           corio_task_error(failed));
    corio_task_release(failed);
  }
  run("blocking the event loop", blocking);
  run("a task that ignores cancellation", ignores_cancellation);
  run("results that are not there", missing_results);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(0);
}
