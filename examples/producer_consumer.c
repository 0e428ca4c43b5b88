/*
 * producer_consumer.c — asyncio's worker-pool pattern with a bounded queue:
 * one producer puts ten jobs into a queue of at most three, three workers
 * take them, each job taking a few scheduler steps; join() waits until every
 * job is marked done, then the workers (which loop forever) are cancelled.
 * Jobs are malloc'd: the producer owns one until put succeeds, the worker
 * that gets it frees it. The tasks interleave through sleep(0) only, so the
 * output is fixed by asyncio's scheduling rules (Python prints the same
 * lines for the same program) and never by the clock. Checked against
 * producer_consumer.expected, natively and as wasm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corio.h"

#define JOBS 10
#define WORKERS 3

typedef struct job {
  int id;
  int steps; /* how many scheduler steps it takes */
} job_t;

typedef struct worker {
  char name[16];
  corio_queue_t *queue;
  int done[JOBS]; /* the jobs it finished, in order */
  int ndone;
} worker_t;

static int producer(corio_queue_t *q) {
  for (int id = 1; id <= JOBS; id++) {
    job_t *job = malloc(sizeof *job);
    if (job == NULL) return corio_fail(CORIO_ENOMEM, "no memory for a job");
    job->id = id;
    job->steps = id % 3 + 1;
    int rc = corio_queue_put(q, job); /* waits while 3 jobs are queued */
    if (rc != CORIO_OK) {
      free(job); /* not put: still ours */
      return rc;
    }
    printf("producer: queued job %d, %zu waiting\n", id, corio_queue_qsize(q));
  }
  printf("producer: all jobs queued\n");
  return CORIO_OK;
}

/* Takes jobs until cancelled (the cancellation arrives in get or sleep). */
static int work(void *arg, intptr_t *result) {
  worker_t *w = arg;
  (void)result;
  for (;;) {
    void *item;
    int rc = corio_queue_get(w->queue, &item);
    if (rc != CORIO_OK) return rc;
    job_t *job = item; /* ours now */
    for (int i = 0; i < job->steps && rc == CORIO_OK; i++) rc = corio_sleep(0);
    if (rc == CORIO_OK) {
      printf("%s: finished job %d\n", w->name, job->id);
      w->done[w->ndone++] = job->id;
    }
    free(job);
    corio_queue_task_done(w->queue);
    if (rc != CORIO_OK) return rc;
  }
}

static void print_summary(const worker_t *w, int code) {
  printf("%s: jobs", w->name);
  for (int i = 0; i < w->ndone; i++) printf(" %d", w->done[i]);
  printf(" (%s)\n",
         code == CORIO_ECANCELLED ? "cancelled" : corio_strerror(code));
}

static int main_coroutine(void *arg, intptr_t *result) {
  (void)arg;
  corio_queue_t *q;
  int rc = corio_queue_new(&q, CORIO_QUEUE_FIFO, 3, NULL);
  if (rc != CORIO_OK) return rc;
  worker_t workers[WORKERS];
  corio_task_t *tasks[WORKERS];
  int n = 0;
  for (; n < WORKERS && rc == CORIO_OK; n++) {
    memset(&workers[n], 0, sizeof workers[n]);
    snprintf(workers[n].name, sizeof workers[n].name, "worker-%d", n + 1);
    workers[n].queue = q;
    rc = corio_task_create(&tasks[n], work, &workers[n], NULL);
  }
  if (rc != CORIO_OK) n--; /* the last create failed */
  if (rc == CORIO_OK) rc = producer(q);
  if (rc == CORIO_OK) rc = corio_queue_join(q); /* every job task_done */
  if (rc == CORIO_OK) printf("main: every job is done\n");

  for (int i = 0; i < n; i++) corio_task_cancel(tasks[i], NULL);
  int codes[WORKERS];
  int rc2 = corio_gather(tasks, (size_t)n, NULL, codes); /* return_exceptions */
  int total = 0;
  for (int i = 0; i < n; i++) {
    if (rc == CORIO_OK && rc2 == CORIO_OK) print_summary(&workers[i], codes[i]);
    total += workers[i].ndone;
    corio_task_release(tasks[i]);
  }
  corio_queue_free(q, free); /* frees any job left behind */
  *result = total;
  return rc != CORIO_OK ? rc : rc2;
}

int main(void) {
  intptr_t total = 0;
  int rc = corio_run(main_coroutine, NULL, &total);
  printf("run: %s, %ld jobs\n", corio_err_name(rc), (long)total);
  /* exit(), not return: under Asyncify, Emscripten 3.1.6 loses main's
   * return value once main has suspended. */
  exit(rc == CORIO_OK ? 0 : 1);
}
