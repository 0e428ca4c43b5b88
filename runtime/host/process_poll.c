/*
 * process_poll.c — the native process backend (runtime/backend.h,
 * "processes and pipes"): posix_spawn (glibc's runs the child with
 * CLONE_VFORK and returns exec's error, so a missing program is the start
 * call's error, never a child exiting 127), its pipes handed to the pipe
 * transport (pipe_poll.c), and the reaping of the children on the poll
 * reactor: a pidfd per child (Linux 5.3+), or, where the kernel has none,
 * one SIGCHLD self-pipe. Either way only our own children are waited for,
 * each by its pid (waitpid(pid, WNOHANG)), so the application's other
 * children are never reaped here. Each record (proc_t) is owned by this
 * file from corio__process_spawn until its child is reaped; it is the
 * core's until corio__process_release or the end of the run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "corio.h"
#include "poll_watch.h"
#include "process_poll.h"

extern char **environ;

typedef struct proc {
  corio__process_t *core; /* NULL once released, or detached at a run's
                           * end: then nothing is reported */
  pid_t pid;              /* 0 if the child did not start */
  int pidfd;              /* -1 without one (SIGCHLD instead) */
  corio__poll_watch_t watch;
  corio__poll_defer_t report; /* the deferred start report */
  bool held;                  /* counted in the reactor's holds */
  int start_error;            /* the start report's status, 0: started */
  char msg[512];
  struct proc *prev, *next; /* the thread's children not yet reaped */
} proc_t;

static _Thread_local proc_t *live;

static void detach_all(void);
static _Thread_local corio__poll_closer_t closer = {detach_all, NULL, false};

static proc_t *proc_of(corio__process_t *p) { return *corio__process_host(p); }

/* ---- records ------------------------------------------------------------ */

static void unhold(proc_t *pr) {
  if (!pr->held) return;
  pr->held = false;
  corio__poll_release();
}

static void proc_free(proc_t *pr) {
  unhold(pr);
  corio__poll_watch_stop(&pr->watch);
  corio__poll_defer_cancel(&pr->report);
  if (pr->pidfd >= 0) close(pr->pidfd);
  if (pr->prev)
    pr->prev->next = pr->next;
  else
    live = pr->next;
  if (pr->next) pr->next->prev = pr->prev;
  if (pr->core) *corio__process_host(pr->core) = NULL;
  free(pr);
}

/* Lets the core's object go: nothing more is reported on it. */
static void disown(proc_t *pr) {
  if (pr->core) *corio__process_host(pr->core) = NULL;
  pr->core = NULL;
  unhold(pr);
  corio__poll_defer_cancel(&pr->report);
  if (pr->pid <= 0) proc_free(pr); /* no child to reap */
}

/* ---- reaping ------------------------------------------------------------ */

/* Reaps pr's child if it has exited: reports on_exit (if owned) and frees
 * pr. Returns whether it did. */
static bool try_reap(proc_t *pr) {
  int status = 0;
  pid_t got = waitpid(pr->pid, &status, WNOHANG);
  if (got == 0 || (got < 0 && errno == EINTR)) return false;
  /* ECHILD: someone else reaped our child (a waitpid(-1) of the
   * application's): its status is lost; asyncio reports 255 then. */
  int rc = got < 0               ? 255
           : WIFSIGNALED(status) ? -WTERMSIG(status)
                                 : WEXITSTATUS(status);
  corio__process_t *core = pr->core;
  pr->core = NULL;
  if (core) *corio__process_host(core) = NULL;
  proc_free(pr);
  if (core) corio__process_on_exit(core, rc);
  return true;
}

static void on_pidfd(void *data, short revents) {
  (void)revents; /* readable: the child exited */
  try_reap(data);
}

/* The SIGCHLD self-pipe, for kernels without pidfd: process-wide, made
 * once; the handler only writes a byte (and calls the handler it
 * replaced), the reactor of the thread that made it drains it and looks
 * at each of its children without a pidfd. */
static int sigchld_pipe[2] = {-1, -1};
static struct sigaction sigchld_old;
static _Thread_local corio__poll_watch_t sigchld_watch;

static void on_sigchld(int sig, siginfo_t *info, void *ctx) {
  int saved = errno;
  if (write(sigchld_pipe[1], "", 1) < 0) {
    /* full: a byte is pending already, the reactor will look */
  }
  errno = saved;
  if (sigchld_old.sa_flags & SA_SIGINFO)
    sigchld_old.sa_sigaction(sig, info, ctx);
  else if (sigchld_old.sa_handler != SIG_DFL &&
           sigchld_old.sa_handler != SIG_IGN)
    sigchld_old.sa_handler(sig);
}

static void on_sigchld_pipe(void *data, short revents) {
  (void)data;
  (void)revents;
  char buf[64];
  while (read(sigchld_pipe[0], buf, sizeof buf) > 0) {
  }
  proc_t *pr = live;
  while (pr) {
    proc_t *next = pr->next;
    if (pr->pid > 0 && pr->pidfd < 0) try_reap(pr);
    pr = next;
  }
}

/* Installs the self-pipe and its handler once. CORIO_OK or an errno. */
static int sigchld_start(void) {
  if (sigchld_pipe[0] < 0) {
    if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return errno;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigchld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, &sigchld_old) != 0) return errno;
  }
  if (!corio__poll_watching(&sigchld_watch) &&
      corio__poll_watch_start(&sigchld_watch, sigchld_pipe[0], POLLIN,
                              on_sigchld_pipe, NULL) != CORIO_OK)
    return ENOMEM;
  return 0;
}

/* Starts watching pr's child for its exit: a pidfd, else SIGCHLD. */
static int watch_child(proc_t *pr) {
  static bool no_pidfd; /* the kernel said ENOSYS once */
  if (!no_pidfd && getenv("CORIO_NO_PIDFD") == NULL) {
    pr->pidfd = (int)syscall(SYS_pidfd_open, pr->pid, 0); /* close-on-exec */
    if (pr->pidfd >= 0)
      return corio__poll_watch_start(&pr->watch, pr->pidfd, POLLIN, on_pidfd,
                                     pr) == CORIO_OK
                 ? 0
                 : ENOMEM;
    if (errno == ENOSYS) no_pidfd = true;
  }
  int err = sigchld_start();
  /* It may have exited before the handler was there: look once. */
  if (err == 0 && write(sigchld_pipe[1], "", 1) < 0) {
    /* full: a byte is pending already */
  }
  return err;
}

/* ---- starting ----------------------------------------------------------- */

static void report_start(void *data) {
  proc_t *pr = data;
  corio__process_t *core = pr->core;
  if (core == NULL) return;
  if (pr->start_error) {
    int code = pr->start_error;
    char msg[sizeof pr->msg];
    memcpy(msg, pr->msg, sizeof msg);
    disown(pr); /* frees pr: no child */
    corio__process_on_start_error(core, code, msg);
  } else {
    corio__process_on_started(core, pr->pid);
  }
}

/* The status and words for a failed start whose errno is err. The working
 * directory is blamed if it cannot be entered (looked at again after the
 * fact: posix_spawn returns one errno for both). */
static int start_status(proc_t *pr, const corio__spawn_t *spec, int err) {
  const char *prog = spec->argv[0];
  struct stat st;
  int cwd_err = 0;
  if (spec->cwd && (err == ENOENT || err == EACCES || err == ENOTDIR)) {
    if (stat(spec->cwd, &st) != 0)
      cwd_err = errno;
    else if (!S_ISDIR(st.st_mode))
      cwd_err = ENOTDIR;
    else if (access(spec->cwd, X_OK) != 0)
      cwd_err = errno;
  }
  if (cwd_err) {
    err = cwd_err;
    snprintf(pr->msg, sizeof pr->msg,
             "cannot start %s: working directory %s: %s", prog, spec->cwd,
             strerror(err));
  } else {
    snprintf(
        pr->msg, sizeof pr->msg, "cannot start %s: %s%s", prog, strerror(err),
        err == ENOENT && strchr(prog, '/') == NULL ? " (searched PATH)" : "");
  }
  switch (err) {
  case ENOENT:
  case ENOTDIR:
    return CORIO_ENOENT;
  case EACCES:
  case EPERM:
    return CORIO_EACCES;
  case E2BIG:
    return CORIO_ELIMIT;
  case ENOMEM:
    return CORIO_ENOMEM;
  default:
    return CORIO_EIO;
  }
}

/* The child's environment: environ, spec->env, or both (spec->env wins a
 * name). *owned is what to free after the spawn (NULL if nothing). */
static char **make_env(const corio__spawn_t *spec, char ***owned) {
  *owned = NULL;
  if (spec->env_mode == CORIO_ENV_INHERIT) return environ;
  static char *const empty[] = {NULL};
  const char *const *add = spec->env ? spec->env : (const char *const *)empty;
  if (spec->env_mode == CORIO_ENV_REPLACE) return (char **)add;
  size_t n = 0, k = 0;
  for (char **e = environ; e && *e; e++) n++;
  for (const char *const *e = add; *e; e++) n++;
  char **all = malloc((n + 1) * sizeof *all);
  if (all == NULL) return NULL;
  for (char **e = environ; e && *e; e++) {
    size_t name = strcspn(*e, "=");
    bool replaced = false;
    for (const char *const *a = add; *a && !replaced; a++)
      replaced = strncmp(*a, *e, name) == 0 && (*a)[name] == '=';
    if (!replaced) all[k++] = *e;
  }
  for (const char *const *e = add; *e; e++) all[k++] = (char *)*e;
  all[k] = NULL;
  *owned = all;
  return all;
}

/* posix_spawn's file actions and attributes for spec, with the child's
 * ends of its pipes. Returns 0 or an errno. */
static int spawn_child(pid_t *pid, const corio__spawn_t *spec,
                       const int child_end[3], char **envp) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int err = posix_spawn_file_actions_init(&fa);
  if (err) return err;
  if ((err = posix_spawnattr_init(&attr)) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return err;
  }
  if (spec->cwd) err = posix_spawn_file_actions_addchdir_np(&fa, spec->cwd);
  for (int fd = 0; fd < 3 && err == 0; fd++) {
    switch (spec->stdio[fd]) {
    case CORIO_STDIO_PIPE: /* dup2 clears close-on-exec on the copy */
      err = posix_spawn_file_actions_adddup2(&fa, child_end[fd], fd);
      break;
    case CORIO_STDIO_DEVNULL:
      err = posix_spawn_file_actions_addopen(&fa, fd, "/dev/null",
                                             fd == 0 ? O_RDONLY : O_WRONLY, 0);
      break;
    case CORIO_STDIO_STDOUT:
      err = posix_spawn_file_actions_adddup2(&fa, 1, 2);
      break;
    default: /* inherited */
      break;
    }
  }
  /* The child starts with no signal blocked, and SIGPIPE as by default
   * even if this program ignores it (as Python's restore_signals). */
  sigset_t none, deflt;
  sigemptyset(&none);
  sigemptyset(&deflt);
  sigaddset(&deflt, SIGPIPE);
  sigaddset(&deflt, SIGXFSZ);
  if (err == 0) err = posix_spawnattr_setsigmask(&attr, &none);
  if (err == 0) err = posix_spawnattr_setsigdefault(&attr, &deflt);
  if (err == 0)
    err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);
  if (err == 0) {
    char *const *argv = (char *const *)spec->argv;
    err = strchr(spec->argv[0], '/')
              ? posix_spawn(pid, spec->argv[0], &fa, &attr, argv, envp)
              : posix_spawnp(pid, spec->argv[0], &fa, &attr, argv, envp);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return err;
}

/* Makes the socket pairs of the piped streams: parent_end[i] non-blocking,
 * both close-on-exec. Returns 0 or an errno (nothing left open). */
static int make_pipes(const corio__spawn_t *spec, int parent_end[3],
                      int child_end[3]) {
  for (int i = 0; i < 3; i++) {
    if (spec->pipes[i] == NULL) continue;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
        fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
      int err = errno;
      for (int j = 0; j < i; j++)
        if (parent_end[j] >= 0) close(parent_end[j]), close(child_end[j]);
      return err;
    }
    /* One way: the child's stdin is never written by it, ... */
    shutdown(sv[0], i == 0 ? SHUT_RD : SHUT_WR);
    parent_end[i] = sv[0];
    child_end[i] = sv[1];
  }
  return 0;
}

int corio__process_spawn(corio__process_t *p, const corio__spawn_t *spec) {
  proc_t *pr = calloc(1, sizeof *pr);
  corio__pipe_t *pipes[3] = {NULL, NULL, NULL};
  bool ok = pr != NULL;
  for (int i = 0; i < 3 && ok; i++)
    if (spec->pipes[i] && (pipes[i] = corio__pipe_new(spec->pipes[i])) == NULL)
      ok = false;
  if (!ok) {
    for (int i = 0; i < 3; i++)
      if (pipes[i]) corio__pipe_discard(pipes[i]);
    free(pr);
    return CORIO_ENOMEM;
  }
  pr->core = p;
  pr->pidfd = -1;
  pr->next = live;
  if (live) live->prev = pr;
  live = pr;
  *corio__process_host(p) = pr;
  corio__poll_on_loop_closed(&closer);
  pr->held = true;
  corio__poll_hold(); /* until reaped or disowned */

  int parent_end[3] = {-1, -1, -1}, child_end[3] = {-1, -1, -1};
  int err = make_pipes(spec, parent_end, child_end);
  char **owned = NULL, **envp = NULL;
  if (err == 0 && (envp = make_env(spec, &owned)) == NULL) err = ENOMEM;
  if (err == 0) err = spawn_child(&pr->pid, spec, child_end, envp);
  free(owned);
  for (int i = 0; i < 3; i++)
    if (child_end[i] >= 0) close(child_end[i]);
  if (err != 0) {
    pr->pid = 0;
    pr->start_error = start_status(pr, spec, err);
    for (int i = 0; i < 3; i++)
      if (parent_end[i] >= 0) close(parent_end[i]);
  } else if ((err = watch_child(pr)) != 0) {
    /* Started, but cannot be watched: stopped and reaped at once, so no
     * child runs unowned. */
    kill(pr->pid, SIGKILL);
    waitpid(pr->pid, NULL, 0);
    pr->pid = 0;
    pr->start_error = CORIO_EIO;
    snprintf(pr->msg, sizeof pr->msg,
             "cannot start %s: cannot watch the child: %s", spec->argv[0],
             strerror(err));
    for (int i = 0; i < 3; i++)
      if (parent_end[i] >= 0) close(parent_end[i]);
    parent_end[0] = parent_end[1] = parent_end[2] = -1;
  }
  static const char *const names[3] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; i++) {
    if (pipes[i] == NULL) continue;
    char name[48];
    snprintf(name, sizeof name, "%s of process %d", names[i], (int)pr->pid);
    corio__pipe_start(pipes[i], pr->start_error ? -1 : parent_end[i], name,
                      i == 0);
  }
  /* After the pipes' on_connected (deferred calls run in order). */
  corio__poll_defer(&pr->report, report_start, pr);
  return CORIO_OK;
}

int corio__process_signal(corio__process_t *p, int sig) {
  proc_t *pr = proc_of(p);
  if (pr == NULL || pr->pid <= 0) return CORIO_OK; /* reaped */
  /* Not reaped, so the pid is still our child's (a zombie keeps it). */
  return kill(pr->pid, sig) == 0 ? CORIO_OK : CORIO_EINVAL;
}

void corio__process_release(corio__process_t *p) {
  proc_t *pr = proc_of(p);
  if (pr) disown(pr);
}

/* The run ends: children still running are left running, reported
 * detached; their watches stay, so a later run of the thread reaps them. */
static void detach_all(void) {
  proc_t *pr = live;
  while (pr) {
    proc_t *next = pr->next;
    corio__process_t *core = pr->core;
    if (core) {
      disown(pr);
      corio__process_on_detached(core);
    }
    pr = next;
  }
}
