/*
 * net_host.h — what the wasm host (host_js.c) needs from the wasm net
 * transports (net_js.c): how many are alive, so that a loop waiting on a
 * connection or a listener is not taken for a deadlock, and a way to end
 * them all when a run's loop closes.
 */
#ifndef CORIO_HOST_NET_HOST_H
#define CORIO_HOST_NET_HOST_H

#include <stddef.h>

/* Connections and listeners started and not yet reported closed. */
size_t corio__net_pending(void);

/* Aborts every live connection and listener (sockets destroyed, fetches
 * aborted) and reports each one closed now, its last report, so that the
 * core frees its records and nothing reports into a later run. For the end
 * of a blocking run (corio__host_loop_closed), when no task is left to
 * wake. */
void corio__net_abort_all(void);

#endif
