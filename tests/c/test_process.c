/*
 * test_process.c — subprocesses (corio.h section 13), natively (posix_spawn
 * on the poll loop) and as wasm under Node (child_process): starting with
 * exec and through the shell, each stdio option, cwd and env, the start
 * errors (missing program, permission, bad directory, bad arguments, a
 * command line over the system's limit), returncode with exit codes and
 * signals, pipes as streams (readline, EOF, drain's backpressure),
 * communicate (input, both outputs, a child killed meanwhile, 100 MB on
 * an otherwise unread stderr), cancellation, many children at once, and
 * natively what stays behind: descriptors (/proc/self/fd), zombies,
 * close-on-exec, a child the run left running, the application's own
 * children.
 */
#include <stdlib.h>

#include "test.h"

#ifndef __EMSCRIPTEN__
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#define NATIVE 1
#else
#define NATIVE 0
#endif

/* Fails the test, with the task's message, unless rc is CORIO_OK. */
#define CHECK_OK(rc)                                                           \
  do {                                                                         \
    int rc_ = (rc);                                                            \
    if (rc_ != CORIO_OK)                                                       \
      test_fail(__FILE__, __LINE__, "%s: %s (%s)", #rc, corio_err_name(rc_),   \
                corio_errmsg());                                               \
  } while (0)

/* Fails the test unless the task's message contains `what`. */
#define CHECK_ERRMSG_HAS(what)                                                 \
  do {                                                                         \
    const char *what_ = (what);                                                \
    if (strstr(corio_errmsg(), what_) == NULL)                                 \
      test_fail(__FILE__, __LINE__, "message \"%s\" does not contain \"%s\"",  \
                corio_errmsg(), what_);                                        \
  } while (0)

static const corio_process_opts_t PIPE_OUT = {.out = CORIO_STDIO_PIPE};
static const corio_process_opts_t PIPE_ALL = {
    .in = CORIO_STDIO_PIPE, .out = CORIO_STDIO_PIPE, .err = CORIO_STDIO_PIPE};

/* Runs `cmd` through the shell with opts, communicates `input` and checks
 * the exit code; returns the child's stdout (malloc'd) or NULL. */
static char *shell_output(const char *cmd, const corio_process_opts_t *opts,
                          const char *input, int expected_code) {
  corio_process_t *p;
  int rc = corio_subprocess_shell(&p, cmd, opts);
  CHECK_OK(rc);
  if (rc != CORIO_OK) return NULL;
  char *out = NULL;
  CHECK_OK(corio_process_communicate(p, input, input ? strlen(input) : 0, &out,
                                     NULL, NULL, NULL));
  int code = -1000;
  CHECK(corio_process_returncode(p, &code));
  CHECK_INT(code, expected_code);
  corio_process_free(p);
  return out;
}

#if NATIVE
/* The open descriptors of this process. */
static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return -1;
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  return n - 3; /* ".", ".." and the DIR's own */
}

/* True if this process has no child left, zombie or not (the runner starts
 * none): every child corio started was reaped. */
static bool no_children(void) {
  int status;
  return waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}
#endif

/* ---- starting ----------------------------------------------------------- */

static int exec_reads_stdout_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  const char *argv[] = {"/bin/sh", "-c", "printf 'one\\ntwo\\n'; exit 3", NULL};
  corio_process_t *p;
  CHECK_OK(corio_subprocess_exec(&p, argv, &PIPE_OUT));
  CHECK(corio_process_pid(p) > 0);
  CHECK(corio_process_stdin(p) == NULL);
  CHECK(corio_process_stderr(p) == NULL);
  corio_reader_t *r = corio_process_stdout(p);
  char *line;
  size_t len;
  CHECK_OK(corio_readline(r, &line, &len));
  CHECK_STR(line, "one\n");
  free(line);
  CHECK_OK(corio_readline(r, &line, &len));
  CHECK_STR(line, "two\n");
  free(line);
  CHECK_OK(corio_readline(r, &line, &len));
  CHECK_INT(len, 0); /* EOF */
  free(line);
  CHECK(corio_reader_at_eof(r));
  int code = -1;
  CHECK_OK(corio_process_wait(p, &code));
  CHECK_INT(code, 3);
  CHECK(corio_process_returncode(p, &code));
  CHECK_INT(code, 3);
  corio_reader_free(r); /* the process's: does nothing */
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_exec_reads_stdout_as_a_stream_and_returns_the_exit_code) {
  test_run(exec_reads_stdout_main, NULL, CORIO_OK);
}

static int shell_pipeline_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  char *out = shell_output("tr a-z A-Z | sed 's/^/> /'", &PIPE_ALL,
                           "hello\nworld\n", 0);
  CHECK_STR(out, "> HELLO\n> WORLD\n");
  free(out);
  /* A stream that is not a pipe comes back as NULL ("None"). */
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(
      &p, "echo to-out; echo to-err >&2",
      &(corio_process_opts_t){.out = CORIO_STDIO_PIPE,
                              .err = CORIO_STDIO_STDOUT}));
  char *err = (char *)1;
  size_t out_len = 0;
  CHECK_OK(corio_process_communicate(p, NULL, 0, &out, &out_len, &err, NULL));
  CHECK_STR(out, "to-out\nto-err\n");
  CHECK_INT(out_len, 14);
  CHECK(err == NULL);
  free(out);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_shell_pipeline_communicates_input_and_output) {
  test_run(shell_pipeline_main, NULL, CORIO_OK);
}

static int stdio_options_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  /* stdin from /dev/null: cat sees EOF at once. */
  char *out = shell_output("cat; echo done",
                           &(corio_process_opts_t){.in = CORIO_STDIO_DEVNULL,
                                                   .out = CORIO_STDIO_PIPE},
                           NULL, 0);
  CHECK_STR(out, "done\n");
  free(out);
  /* stdout and stderr to /dev/null: nothing is piped, the exit code is. */
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(
      &p, "echo lost; echo lost >&2; exit 5",
      &(corio_process_opts_t){.out = CORIO_STDIO_DEVNULL,
                              .err = CORIO_STDIO_DEVNULL}));
  int code = 0;
  CHECK_OK(corio_process_wait(p, &code));
  CHECK_INT(code, 5);
  corio_process_free(p);
  /* stderr alone piped. */
  CHECK_OK(corio_subprocess_shell(
      &p, "echo oops >&2", &(corio_process_opts_t){.err = CORIO_STDIO_PIPE}));
  char *err = NULL;
  out = (char *)1;
  CHECK_OK(corio_process_communicate(p, "ignored", 7, &out, NULL, &err, NULL));
  CHECK(out == NULL);
  CHECK_STR(err, "oops\n");
  free(err);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_stdio_options_pipe_devnull_and_stderr_into_stdout) {
  test_run(stdio_options_main, NULL, CORIO_OK);
}

static int cwd_env_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  char *out = shell_output(
      "pwd", &(corio_process_opts_t){.out = CORIO_STDIO_PIPE, .cwd = "/"}, NULL,
      0);
  CHECK_STR(out, "/\n");
  free(out);
  const char *env[] = {"CORIO_TEST_A=one", "CORIO_TEST_B=two", NULL};
  out = shell_output("echo \"$CORIO_TEST_A $CORIO_TEST_B ${HOME:+has-home}\"",
                     &(corio_process_opts_t){.out = CORIO_STDIO_PIPE,
                                             .env_mode = CORIO_ENV_REPLACE,
                                             .env = env},
                     NULL, 0);
  CHECK_STR(out, "one two \n");
  free(out);
  out = shell_output("echo \"$CORIO_TEST_A $CORIO_TEST_B ${HOME:+has-home}\"",
                     &(corio_process_opts_t){.out = CORIO_STDIO_PIPE,
                                             .env_mode = CORIO_ENV_ADD,
                                             .env = env},
                     NULL, 0);
  CHECK_STR(out, "one two has-home\n");
  free(out);
  /* ADD replaces a variable of the same name. */
  const char *path[] = {"PATH=/corio-nowhere", NULL};
  out = shell_output("echo $PATH",
                     &(corio_process_opts_t){.out = CORIO_STDIO_PIPE,
                                             .env_mode = CORIO_ENV_ADD,
                                             .env = path},
                     NULL, 0);
  CHECK_STR(out, "/corio-nowhere\n");
  free(out);
  return CORIO_OK;
}

TEST(process_cwd_and_env_inherit_replace_and_add) {
  test_run(cwd_env_main, NULL, CORIO_OK);
}

/* ---- start errors ------------------------------------------------------- */

static int start_errors_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p = (corio_process_t *)1;
  const char *missing[] = {"/corio/no/such/program", NULL};
  CHECK_INT(corio_subprocess_exec(&p, missing, NULL), CORIO_ENOENT);
  CHECK(p == NULL);
  CHECK_ERRMSG_HAS("/corio/no/such/program");
  const char *unknown[] = {"corio-no-such-program", "x", NULL};
  CHECK_INT(corio_subprocess_exec(&p, unknown, NULL), CORIO_ENOENT);
  CHECK_ERRMSG_HAS("corio-no-such-program");
  const char *not_exec[] = {"/etc/passwd", NULL};
  CHECK_INT(corio_subprocess_exec(&p, not_exec, NULL), CORIO_EACCES);
  CHECK_ERRMSG_HAS("/etc/passwd");
  const char *dir[] = {"/", NULL};
  CHECK_INT(corio_subprocess_exec(&p, dir, NULL), CORIO_EACCES);
  const char *sh[] = {"/bin/sh", "-c", "exit 0", NULL};
  CHECK_INT(
      corio_subprocess_exec(&p, sh,
                            &(corio_process_opts_t){.cwd = "/corio-no-such-dir",
                                                    .out = CORIO_STDIO_PIPE}),
      CORIO_ENOENT);
  CHECK_ERRMSG_HAS("/corio-no-such-dir");
  CHECK_ERRMSG_HAS("working directory");
  CHECK_INT(corio_subprocess_exec(
                &p, sh, &(corio_process_opts_t){.cwd = "/etc/passwd"}),
            CORIO_ENOENT);
  CHECK_ERRMSG_HAS("/etc/passwd");
  /* Bad arguments. */
  CHECK_INT(corio_subprocess_exec(&p, NULL, NULL), CORIO_EINVAL);
  const char *empty[] = {NULL};
  CHECK_INT(corio_subprocess_exec(&p, empty, NULL), CORIO_EINVAL);
  const char *blank[] = {"", NULL};
  CHECK_INT(corio_subprocess_exec(&p, blank, NULL), CORIO_EINVAL);
  CHECK_INT(corio_subprocess_shell(&p, NULL, NULL), CORIO_EINVAL);
  CHECK_INT(corio_subprocess_shell_n(&p, "echo a\0b", 8, NULL), CORIO_EINVAL);
  CHECK_ERRMSG_HAS("NUL byte at offset 6");
  CHECK_INT(corio_subprocess_shell(
                &p, "true", &(corio_process_opts_t){.in = CORIO_STDIO_STDOUT}),
            CORIO_EINVAL);
  const char *bad_env[] = {"NO_EQUALS_SIGN", NULL};
  CHECK_INT(
      corio_subprocess_shell(
          &p, "true",
          &(corio_process_opts_t){.env_mode = CORIO_ENV_ADD, .env = bad_env}),
      CORIO_EINVAL);
  CHECK(p == NULL);
  return CORIO_OK;
}

TEST(process_start_errors_are_statuses_of_the_start_call_naming_the_path) {
  test_run(start_errors_main, NULL, CORIO_OK);
}

TEST(process_start_outside_a_loop_is_enoloop) {
  corio_process_t *p;
  CHECK_INT(corio_subprocess_shell(&p, "true", NULL), CORIO_ENOLOOP);
}

/* 1 MiB of arguments fits in a command line; one argument of 1 MiB is
 * over Linux's limit of 128 KiB per argument. */
static int long_command_line_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  enum { N = 16, EACH = 64 * 1024 };
  const char *argv[N + 5] = {"/bin/sh", "-c", "echo $# ${#1}", "sh"};
  char *big = malloc(EACH);
  memset(big, 'x', EACH - 1);
  big[EACH - 1] = '\0';
  for (int i = 0; i < N; i++) argv[4 + i] = big;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_exec(&p, argv, &PIPE_OUT));
  char *out = NULL;
  CHECK_OK(corio_process_communicate(p, NULL, 0, &out, NULL, NULL, NULL));
  CHECK_STR(out, "16 65535\n");
  free(out);
  corio_process_free(p);
  free(big);
  size_t n = 1024 * 1024;
  char *cmd = malloc(n + 1);
  memset(cmd, ' ', n);
  memcpy(cmd, "true", 4);
  cmd[n] = '\0';
  CHECK_INT(corio_subprocess_shell(&p, cmd, NULL), CORIO_ELIMIT);
  CHECK_ERRMSG_HAS("/bin/sh");
  free(cmd);
  return CORIO_OK;
}

TEST(process_command_line_of_1_mib) {
  test_run(long_command_line_main, NULL, CORIO_OK);
}

/* ---- returncode and signals --------------------------------------------- */

static int signals_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(&p, "exec sleep 10", NULL));
  int code = 12345;
  CHECK(!corio_process_returncode(p, &code));
  CHECK_INT(code, 12345);
  CHECK_OK(corio_process_terminate(p));
  CHECK_OK(corio_process_wait(p, &code));
  CHECK_INT(code, -15);
  /* Reaped: signals do nothing from now on. */
  CHECK_OK(corio_process_kill(p));
  CHECK_OK(corio_process_send_signal(p, 1));
  CHECK(corio_process_returncode(p, &code));
  CHECK_INT(code, -15);
  CHECK_INT(corio_process_send_signal(p, 0), CORIO_EINVAL);
  corio_process_free(p);
  CHECK_OK(corio_subprocess_shell(&p, "exec sleep 10", NULL));
  CHECK_OK(corio_process_kill(p));
  CHECK_OK(corio_process_wait(p, &code));
  CHECK_INT(code, -9);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(
    process_returncode_is_minus_the_signal_and_signals_after_reaping_do_nothing) {
  test_run(signals_main, NULL, CORIO_OK);
}

/* ---- pipes -------------------------------------------------------------- */

/* drain waits while the child does not read: real backpressure. */
static int backpressure_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(&p, "sleep 0.4; exec wc -c", &PIPE_ALL));
  corio_writer_t *w = corio_process_stdin(p);
  size_t n = 8 * 1024 * 1024;
  char *data = malloc(n);
  memset(data, 'z', n);
  double t0 = corio_time();
  CHECK_OK(corio_write(w, data, n));
  CHECK_OK(corio_drain(w));
  double waited = corio_time() - t0;
  if (waited < 0.2)
    test_fail(__FILE__, __LINE__, "drain returned after %.3f s", waited);
  CHECK_OK(corio_write_eof(w));
  char *out = NULL;
  CHECK_OK(corio_read_all(corio_process_stdout(p), 0, &out, NULL));
  CHECK_INT(atol(out), (long)n);
  free(out);
  CHECK_OK(corio_process_wait(p, NULL));
  free(data);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_stdin_drain_waits_for_a_child_that_does_not_read) {
  test_run(backpressure_main, NULL, CORIO_OK);
}

/* Writing to a child that has exited is an error of the stream, no signal. */
static int broken_stdin_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(&p, "exit 0", &PIPE_ALL));
  CHECK_OK(corio_process_wait(p, NULL));
  corio_writer_t *w = corio_process_stdin(p);
  char buf[4096] = {0};
  int rc = CORIO_OK;
  for (int i = 0; i < 200 && rc == CORIO_OK; i++) {
    rc = corio_write(w, buf, sizeof buf);
    if (rc == CORIO_OK) rc = corio_drain(w);
  }
  CHECK_INT(rc, CORIO_ECONNRESET);
  CHECK_ERRMSG_HAS("stdin of process");
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_writing_to_an_exited_child_is_econnreset) {
  test_run(broken_stdin_main, NULL, CORIO_OK);
}

/* A child that closes its stdout and runs on: the reader sees EOF at once. */
static int closed_stdout_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(&p, "echo bye; exec >&-; sleep 0.5; exit 4",
                                  &PIPE_OUT));
  char *out = NULL;
  double t0 = corio_time();
  CHECK_OK(corio_read_all(corio_process_stdout(p), 0, &out, NULL));
  CHECK(corio_time() - t0 < 0.4);
  CHECK_STR(out, "bye\n");
  free(out);
  CHECK(!corio_process_returncode(p, NULL));
  int code = 0;
  CHECK_OK(corio_process_wait(p, &code));
  CHECK_INT(code, 4);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_child_closing_stdout_and_running_on_gives_eof_then_exits) {
  test_run(closed_stdout_main, NULL, CORIO_OK);
}

/* ---- communicate -------------------------------------------------------- */

/* 100 MB to stderr while stdout is read too: communicate reads both, so
 * neither pipe fills and the child ends. */
static int big_stderr_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(
      &p, "head -c 100000000 /dev/zero >&2; echo out", &PIPE_ALL));
  char *out = NULL, *err = NULL;
  size_t out_len = 0, err_len = 0;
  CHECK_OK(
      corio_process_communicate(p, "x", 1, &out, &out_len, &err, &err_len));
  CHECK_STR(out, "out\n");
  CHECK_INT(err_len, 100000000);
  free(out);
  free(err);
  int code = -1;
  CHECK(corio_process_returncode(p, &code));
  CHECK_INT(code, 0);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_communicate_collects_100_mb_of_stderr_without_hanging) {
  test_run(big_stderr_main, NULL, CORIO_OK);
}

static int killer(void *arg, intptr_t *res) {
  (void)res;
  int rc = corio_sleep(0.2);
  if (rc == CORIO_OK) rc = corio_process_kill(arg);
  return rc;
}

static int killed_during_communicate_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p;
  CHECK_OK(
      corio_subprocess_shell(&p, "echo started; exec sleep 10", &PIPE_ALL));
  corio_task_t *t;
  CHECK_OK(corio_task_create(&t, killer, p, NULL));
  char *out = NULL;
  CHECK_OK(corio_process_communicate(p, NULL, 0, &out, NULL, NULL, NULL));
  CHECK_STR(out, "started\n");
  free(out);
  int code = 0;
  CHECK(corio_process_returncode(p, &code));
  CHECK_INT(code, -9);
  CHECK_OK(corio_await(t, NULL));
  corio_task_release(t);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_child_killed_during_communicate_ends_it_with_minus_9) {
  test_run(killed_during_communicate_main, NULL, CORIO_OK);
}

/* ---- cancellation ------------------------------------------------------- */

static int waiter(void *arg, intptr_t *res) {
  int code = 0;
  int rc = corio_process_wait(arg, &code);
  *res = code;
  return rc;
}

static int communicator(void *arg, intptr_t *res) {
  (void)res;
  char *out = NULL;
  int rc = corio_process_communicate(arg, NULL, 0, &out, NULL, NULL, NULL);
  free(out);
  return rc;
}

static int cancel_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p;
  CHECK_OK(
      corio_subprocess_shell(&p, "sleep 0.3; echo late; exit 6", &PIPE_OUT));
  corio_task_t *t;
  CHECK_OK(corio_task_create(&t, waiter, p, NULL));
  CHECK_INT(corio_wait_for(t, 0.05, NULL), CORIO_ETIMEDOUT);
  corio_task_release(t);
  CHECK_OK(corio_task_create(&t, communicator, p, NULL));
  CHECK_INT(corio_wait_for(t, 0.05, NULL), CORIO_ETIMEDOUT);
  corio_task_release(t);
  CHECK(!corio_process_returncode(p, NULL)); /* the child runs on */
  /* The pipe is usable again after the cancelled communicate. */
  char *line = NULL;
  CHECK_OK(corio_readline(corio_process_stdout(p), &line, NULL));
  CHECK_STR(line, "late\n");
  free(line);
  int code = 0;
  CHECK_OK(corio_process_wait(p, &code));
  CHECK_INT(code, 6);
  corio_process_free(p);
  return CORIO_OK;
}

TEST(process_cancelled_wait_and_communicate_stop_the_await_not_the_child) {
  test_run(cancel_main, NULL, CORIO_OK);
}

/* ---- many ---------------------------------------------------------------- */

enum { AT_ONCE = 200 };

static int one_child(void *arg, intptr_t *res) {
  intptr_t i = (intptr_t)arg;
  char cmd[64];
  snprintf(cmd, sizeof cmd, "echo %d; exit %d", (int)i, (int)(i % 7));
  corio_process_t *p;
  int rc = corio_subprocess_shell(&p, cmd, &PIPE_OUT);
  if (rc != CORIO_OK) return rc;
  char *out = NULL;
  rc = corio_process_communicate(p, NULL, 0, &out, NULL, NULL, NULL);
  int code = -1;
  corio_process_returncode(p, &code);
  if (rc == CORIO_OK && (atoi(out) != (int)i || code != (int)(i % 7)))
    rc = corio_fail(CORIO_EFAILED, "child %d said %s, exit %d", (int)i, out,
                    code);
  free(out);
  corio_process_free(p);
  *res = code;
  return rc;
}

static int many_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  void *args[AT_ONCE];
  for (intptr_t i = 0; i < AT_ONCE; i++) args[i] = (void *)i;
  CHECK_OK(corio_gather_each(one_child, args, AT_ONCE, NULL, NULL));
  return CORIO_OK;
}

TEST(process_200_children_at_once_leave_no_descriptor_and_no_zombie) {
#if NATIVE
  int before = count_fds();
#endif
  test_run(many_main, NULL, CORIO_OK);
#if NATIVE
  CHECK_INT(count_fds(), before);
  CHECK(no_children());
#endif
}

static int sequential_main(void *arg, intptr_t *res) {
  (void)res;
  intptr_t n = (intptr_t)arg;
  for (intptr_t i = 0; i < n; i++) {
    const char *argv[] = {"/bin/true", NULL};
    corio_process_t *p;
    int rc = corio_subprocess_exec(&p, argv, NULL);
    if (rc != CORIO_OK) return rc;
    int code = -1;
    rc = corio_process_wait(p, &code);
    corio_process_free(p);
    if (rc != CORIO_OK) return rc;
    if (code != 0) return corio_fail(CORIO_EFAILED, "true exited %d", code);
  }
  return CORIO_OK;
}

/* How many children the sequential test starts: 1,000 natively (about 16 s
 * under ASan on a loaded machine), 200 as wasm (Node's child_process takes
 * about 30 ms per child there). The 10,000 take minutes, so the
 * soak run (tests/soak/subprocess_children.mjs, `npm run soak`) gives them
 * through CORIO_SOAK_CHILDREN, natively. */
static intptr_t sequential_children(void) {
#if NATIVE
  const char *soak = getenv("CORIO_SOAK_CHILDREN");
  if (soak && atol(soak) > 0) return (intptr_t)atol(soak);
  return 1000;
#else
  return 200;
#endif
}

TEST(process_children_one_after_another_leave_no_descriptor_and_no_zombie) {
#if NATIVE
  int before = count_fds();
#endif
  test_run(sequential_main, (void *)sequential_children(), CORIO_OK);
#if NATIVE
  CHECK_INT(count_fds(), before);
  CHECK(no_children());
#endif
}

#if NATIVE
/* ---- what stays behind (native) ----------------------------------------- */

static bool fds_seen[1024];

/* What descriptor fd of this process is, for messages (static buffer). */
static const char *fd_target(int fd) {
  static char target[256];
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  target[n > 0 ? n : 0] = '\0';
  return target;
}

static void mark_fds(void) {
  memset(fds_seen, 0, sizeof fds_seen);
  for (int fd = 0; fd < 1024; fd++) fds_seen[fd] = fcntl(fd, F_GETFD) >= 0;
}

/* Every descriptor corio opened (one not open at mark_fds) is
 * close-on-exec. */
static int cloexec_main(void *arg, intptr_t *res) {
  (void)arg, (void)res;
  corio_process_t *p, *q;
  CHECK_OK(corio_subprocess_shell(&p, "cat", &PIPE_ALL));
  CHECK_OK(corio_subprocess_shell(&q, "sleep 0.1", NULL));
  int open_new = 0;
  for (int fd = 0; fd < 1024; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fds_seen[fd]) continue;
    open_new++;
    if (!(flags & FD_CLOEXEC))
      test_fail(__FILE__, __LINE__, "descriptor %d is not close-on-exec", fd);
  }
  CHECK(open_new >= 3); /* 3 pipes, and pidfds or a SIGCHLD pipe */
  /* A child has its three streams and what this program had open without
   * close-on-exec before (inherited from its own parent), nothing of
   * corio's: its descriptors, looked at from here. */
  corio_process_t *r;
  CHECK_OK(corio_subprocess_shell(&r, "exec sleep 5", &PIPE_ALL));
  char path[64];
  /* posix_spawn returns once the child's exec has begun, before the exec
   * closed the close-on-exec descriptors: look once it runs sleep. */
  snprintf(path, sizeof path, "/proc/%d/comm", corio_process_pid(r));
  for (int i = 0; i < 100; i++) {
    char comm[32] = "";
    FILE *f = fopen(path, "r");
    if (f && fgets(comm, sizeof comm, f) && strcmp(comm, "sleep\n") == 0)
      i = 100;
    if (f) fclose(f);
    if (i < 100) corio_sleep(0.02);
  }
  /* The kernel names the new program (comm) a little before it closes the
   * close-on-exec descriptors, and the child opens none of its own: its
   * set can only shrink to the expected one. Looked at again for up to a
   * second before a difference counts. */
  snprintf(path, sizeof path, "/proc/%d/fd", corio_process_pid(r));
  bool in_child[1024];
  int wrong_fd = -1;
  for (int tries = 0; tries < 50; tries++) {
    memset(in_child, 0, sizeof in_child);
    DIR *d = opendir(path);
    CHECK(d != NULL);
    if (d == NULL) break;
    for (struct dirent *e; (e = readdir(d));)
      if (e->d_name[0] != '.' && atoi(e->d_name) < 1024)
        in_child[atoi(e->d_name)] = true;
    closedir(d);
    wrong_fd = -1;
    for (int fd = 0; fd < 1024 && wrong_fd < 0; fd++) {
      int flags = fcntl(fd, F_GETFD);
      bool inherited =
          fd < 3 || (flags >= 0 && fds_seen[fd] && !(flags & FD_CLOEXEC));
      if (in_child[fd] != inherited) wrong_fd = fd;
    }
    if (wrong_fd < 0) break;
    corio_sleep(0.02);
  }
  if (wrong_fd >= 0)
    test_fail(__FILE__, __LINE__, "descriptor %d is %sin the child (%s)",
              wrong_fd, in_child[wrong_fd] ? "" : "not ", fd_target(wrong_fd));
  CHECK_OK(corio_process_kill(r));
  CHECK_OK(corio_process_wait(r, NULL));
  corio_process_free(r);
  CHECK_OK(corio_writer_wait_closed(corio_process_stdin(p)));
  CHECK_OK(corio_process_wait(p, NULL));
  CHECK_OK(corio_process_wait(q, NULL));
  corio_process_free(p);
  corio_process_free(q);
  return CORIO_OK;
}

TEST(process_descriptors_are_close_on_exec) {
  mark_fds();
  test_run(cloexec_main, NULL, CORIO_OK);
}

static int leave_running_main(void *arg, intptr_t *res) {
  (void)arg;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(&p, "exec sleep 0.3", &PIPE_OUT));
  *res = corio_process_pid(p);
  *(corio_process_t **)arg = p;
  return CORIO_OK;
}

static int sleep_main(void *arg, intptr_t *res) {
  (void)res;
  return corio_sleep(*(double *)arg);
}

/* The application's own child, started and awaited without corio. */
static pid_t own_child(const char *cmd) {
  pid_t pid = 0;
  char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
  extern char **environ;
  CHECK_INT(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ), 0);
  return pid;
}

TEST(process_run_ending_leaves_children_running_and_never_reaps_others) {
  int before = count_fds();
  pid_t mine = own_child("exit 7");
  corio_process_t *p = NULL;
  pid_t pid = (pid_t)test_run(leave_running_main, &p, CORIO_OK);
  CHECK(pid > 0);
  CHECK_INT(kill(pid, 0), 0); /* still running */
  int code = 1;
  CHECK(!corio_process_returncode(p, &code));
  /* A later run reaps it once it exits; the application's child is left
   * to the application. */
  double t = 0.6;
  test_run(sleep_main, &t, CORIO_OK);
  int status = 0;
  CHECK_INT(waitpid(mine, &status, 0), mine);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
  CHECK(!corio_process_returncode(p, NULL)); /* detached: never known */
  corio_process_free(p);
  CHECK(no_children());
  CHECK_INT(count_fds(), before);
}

static int free_running_main(void *arg, intptr_t *res) {
  (void)arg;
  corio_process_t *p;
  CHECK_OK(corio_subprocess_shell(&p, "exec sleep 0.2", &PIPE_ALL));
  *res = corio_process_pid(p);
  corio_process_free(p);
  return corio_sleep(0.5);
}

TEST(process_freed_while_running_is_reaped_and_leaves_no_descriptor) {
  int before = count_fds();
  pid_t pid = (pid_t)test_run(free_running_main, NULL, CORIO_OK);
  CHECK(pid > 0);
  CHECK(kill(pid, 0) != 0 && errno == ESRCH); /* reaped: gone */
  CHECK(no_children());
  CHECK_INT(count_fds(), before);
}
#endif
