/*
 * process_host.h — what the wasm host (host_js.c) needs from the wasm
 * process backend (process_js.c), as net_host.h for the net transports:
 * how many processes and pipes can still report, and a way to let them go
 * when a run's loop closes.
 */
#ifndef CORIO_HOST_PROCESS_HOST_H
#define CORIO_HOST_PROCESS_HOST_H

#include <stddef.h>

/* Processes started and neither reaped nor let go, and pipes not yet
 * reported closed. */
size_t corio__process_pending(void);

/* The end of a blocking run: every pipe is destroyed and reported closed,
 * every process still running reported detached (its child runs on), now,
 * so that nothing reports into a later run. */
void corio__process_detach_all(void);

#endif
