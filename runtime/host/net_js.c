/*
 * net_js.c — the wasm net transports (runtime/backend.h, "net transports"):
 * each corio__net_* call is handed to runtime/host/library_net.js (Node's
 * net/tls, or fetch() in browsers), and JS reports back through the plain,
 * non-suspending exports below, which call the core's corio__conn_on_* /
 * corio__listener_on_* and never wait. JS then kicks the loop
 * (Corio.kick), as for every completion (runtime/host/host_js.c).
 *
 * JS names a connection or a listener by the core's record pointer; it
 * stops reporting on one before it reports it closed, so a pointer is never
 * used after the core may have freed it. Strings and bytes passed either
 * way are borrowed for the call.
 */
#include <emscripten.h>
#include <stddef.h>

#include "backend.h"
#include "host/net_host.h"

/* ---- imports from runtime/host/library_net.js ------------------------------
 */

extern void corio_js_net_connect(corio__conn_t *c, const char *host, int port,
                                 int tls, const char *server_name,
                                 const char *ca_file, int deny_private);
extern void corio_js_net_write(corio__conn_t *c, const void *data, size_t n);
extern void corio_js_net_write_eof(corio__conn_t *c);
extern void corio_js_net_pause(corio__conn_t *c, int pause);
extern void corio_js_net_close(corio__conn_t *c, int graceful);
extern void corio_js_net_listen(corio__listener_t *l, const char *host,
                                int port);
extern void corio_js_net_listen_close(corio__listener_t *l);
extern void corio_js_net_abort_all(void);

/* Transports started and not yet reported closed: while one lives, a
 * report can still wake a task (runtime/host/net_host.h). */
static size_t live;

size_t corio__net_pending(void) { return live; }

void corio__net_abort_all(void) {
  if (live > 0) corio_js_net_abort_all();
}

/* ---- calls from the core ------------------------------------------------ */

void corio__net_connect(corio__conn_t *c, const char *host, int port,
                        const corio__net_opts_t *opts) {
  live++;
  corio_js_net_connect(c, host, port, opts->tls,
                       opts->server_name ? opts->server_name : host,
                       opts->ca_file ? opts->ca_file : "", opts->deny_private);
}

void corio__net_write(corio__conn_t *c, const void *data, size_t n) {
  corio_js_net_write(c, data, n);
}

void corio__net_write_eof(corio__conn_t *c) { corio_js_net_write_eof(c); }

void corio__net_pause_reading(corio__conn_t *c, int pause) {
  corio_js_net_pause(c, pause);
}

void corio__net_close(corio__conn_t *c, int graceful) {
  corio_js_net_close(c, graceful);
}

void corio__net_listen(corio__listener_t *l, const char *host, int port) {
  live++;
  corio_js_net_listen(l, host, port);
}

void corio__net_listen_close(corio__listener_t *l) {
  corio_js_net_listen_close(l);
}

/* ---- reports from JS ---------------------------------------------------- */

/* The phases of an opening connection (one export each, so no phase number
 * crosses the bridge). Only note the time: JS may call them at any point. */
/* The address policy, for the carriers that resolve names in JS: they ask
 * it of each address before connecting (deny_private), as net_poll.c does
 * natively. NULL if allowed, else what the address is (static). */
EMSCRIPTEN_KEEPALIVE const char *corio_on_net_policy(const char *address) {
  return corio_address_denied(address);
}

/* The response-head guard (backend.h), for the fetch() carrier in Node:
 * library_net.js's CorioFetch.headGuard. */
EMSCRIPTEN_KEEPALIVE corio__head_guard_t *corio_on_net_guard_new(void) {
  return corio__head_guard_new();
}

EMSCRIPTEN_KEEPALIVE int corio_on_net_guard_feed(corio__head_guard_t *g,
                                                 const char *p, size_t n,
                                                 size_t *used) {
  return corio__head_guard_feed(g, p, n, used);
}

EMSCRIPTEN_KEEPALIVE const char *corio_on_net_guard_head(corio__head_guard_t *g,
                                                         size_t *len) {
  return corio__head_guard_head(g, len);
}

EMSCRIPTEN_KEEPALIVE const char *
corio_on_net_guard_message(corio__head_guard_t *g) {
  return corio__head_guard_message(g);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_guard_free(corio__head_guard_t *g) {
  corio__head_guard_free(g);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_resolved(corio__conn_t *c) {
  corio__conn_on_phase(c, CORIO__PHASE_RESOLVED);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_tcp(corio__conn_t *c) {
  corio__conn_on_phase(c, CORIO__PHASE_TCP);
}

/* get_extra_info's sockname and peercert, reported before connected. */
EMSCRIPTEN_KEEPALIVE void corio_on_net_sockname(corio__conn_t *c,
                                                const char *sockname) {
  corio__conn_on_sockname(c, sockname);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_peercert(corio__conn_t *c,
                                                const char *subject) {
  corio__conn_on_peercert(c, subject);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_connected(corio__conn_t *c,
                                                 const char *peer) {
  corio__conn_on_connected(c, peer);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_data(corio__conn_t *c, const void *data,
                                            size_t n) {
  corio__conn_on_data(c, data, n);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_eof(corio__conn_t *c) {
  corio__conn_on_eof(c);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_sent(corio__conn_t *c, size_t n) {
  corio__conn_on_sent(c, n);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_error(corio__conn_t *c, int code,
                                             const char *message) {
  corio__conn_on_error(c, code, message);
}

/* The last report on c. */
EMSCRIPTEN_KEEPALIVE void corio_on_net_closed(corio__conn_t *c) {
  live--;
  corio__conn_on_closed(c);
}

EMSCRIPTEN_KEEPALIVE void corio_on_net_listening(corio__listener_t *l,
                                                 int port) {
  corio__listener_on_listening(l, port);
}

EMSCRIPTEN_KEEPALIVE void
corio_on_net_listen_error(corio__listener_t *l, int code, const char *message) {
  corio__listener_on_error(l, code, message);
}

/* The last report on l. */
EMSCRIPTEN_KEEPALIVE void corio_on_net_listen_closed(corio__listener_t *l) {
  live--;
  corio__listener_on_closed(l);
}

/* A client connected to l: its connection (counted live until its
 * corio_on_net_closed), or NULL if the core refused it (JS then closes the
 * socket and reports nothing on it). */
EMSCRIPTEN_KEEPALIVE corio__conn_t *corio_on_net_accept(corio__listener_t *l,
                                                        const char *peer) {
  corio__conn_t *c = corio__listener_on_accept(l, peer);
  if (c != NULL) live++;
  return c;
}
