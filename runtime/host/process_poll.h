/*
 * process_poll.h — what the native process backend (process_poll.c: spawn
 * and reap) needs from the native pipe transport beside it (pipe_poll.c):
 * a transport record per pipe, made before the child is started (so that
 * running out of memory never strands a started child), then started on
 * the parent's end of the pipe.
 */
#ifndef CORIO_HOST_PROCESS_POLL_H
#define CORIO_HOST_PROCESS_POLL_H

#include <stdbool.h>

#include "backend.h"

typedef struct corio__pipe corio__pipe_t;

/* The transport record of pipe connection c, or NULL if out of memory.
 * It reports nothing until corio__pipe_start. */
corio__pipe_t *corio__pipe_new(corio__conn_t *c);

/* Frees a record that was never started. */
void corio__pipe_discard(corio__pipe_t *pp);

/* Starts transporting `fd` (a Unix socket, the parent's end of a child's
 * stdin, stdout or stderr: non-blocking, close-on-exec, owned from now on)
 * for the pipe's connection, named `name` in messages ("stdout of process
 * 42"), written (stdin: `writes`) or read: on_connected is reported from
 * the reactor. With fd < 0 (the child
 * did not start) the connection only gets its on_closed. Never fails:
 * without memory to watch fd, the connection gets on_error(CORIO_ENOMEM)
 * then on_closed. */
void corio__pipe_start(corio__pipe_t *pp, int fd, const char *name,
                       bool writes);

#endif
