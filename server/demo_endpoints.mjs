// demo_endpoints.mjs — the dev server's demo endpoints under /demo/, so the
// website checker page has something to check with no internet: answers
// (200, 301, 404, 500), a slow one, one that never answers and one whose
// connection is reset mid-response. server/server.mjs mounts them.
//
// They answer GET and HEAD (HEAD: same head, no body) and CORS preflights,
// and carry CORS headers, so a page on another origin (localhost vs
// 127.0.0.1) can check them too; other methods get 405. The checker page
// imports DEMO_PATHS from here as well (it has no Node imports for that),
// and the test fixtures (tests/fixtures/http_fixture.mjs) its helpers.

// The demo URLs the checker page lists by default, relative to the server.
export const DEMO_PATHS = [
  '/demo/200',
  '/demo/301',
  '/demo/404',
  '/demo/500',
  '/demo/slow?ms=1500',
  '/demo/hang',
  '/demo/reset',
];

export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

const SLOW_DEFAULT_MS = 2000;
export const MAX_DELAY_MS = 10 * 60 * 1000;
const RESET_DEFAULT_MS = 50;

// An integer query parameter in [0, max]; `def` when absent, null when invalid.
export function intParam(query, name, def, max) {
  const text = query.get(name);
  if (text === null) return def;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= max ? n : null;
}

function send(ctx, status, text, extra = {}) {
  ctx.res.writeHead(status, {
    ...ctx.headers,
    ...CORS_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...extra,
  });
  ctx.res.end(text);
}

// Calls fn after ms unless the client leaves (or the server closes the
// connection) first, so no timer outlives its request.
export function later(owner, ms, fn) {
  const timer = setTimeout(fn, ms);
  owner.once('close', () => clearTimeout(timer));
}

// Closes with a TCP RST (SO_LINGER 0) rather than a FIN, so the peer's read
// fails with ECONNRESET (resetAndDestroy: Node >= 16.17 / 18.3).
export function resetSocket(socket) {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

// Each endpoint, by the path after /demo. ctx = {req, res, query, headers}.
const ENDPOINTS = {
  // 200, body "ok".
  '/200': (ctx) => send(ctx, 200, 'ok'),
  // 301 to /demo/200.
  '/301': (ctx) => send(ctx, 301, 'moved to /demo/200\n', { Location: '/demo/200' }),
  // 404, body "not found".
  '/404': (ctx) => send(ctx, 404, 'not found'),
  // 500, body "internal error".
  '/500': (ctx) => send(ctx, 500, 'internal error'),
  // 200 "ok" after ?ms=N milliseconds (default 2000, at most 10 minutes).
  '/slow': (ctx) => {
    const ms = intParam(ctx.query, 'ms', SLOW_DEFAULT_MS, MAX_DELAY_MS);
    if (ms === null) return send(ctx, 400, 'bad ms');
    later(ctx.res, ms, () => send(ctx, 200, 'ok'));
  },
  // Reads the request and never answers. The connection stays open until
  // the client goes away or the server stops (its close() destroys it).
  '/hang': (ctx) => ctx.req.resume(),
  // The start of a response head (status line, two headers, no blank line),
  // then after ?ms=N (default 50) a TCP RST: the client fails with a reset
  // before it has a response. The pause lets the bytes arrive first.
  '/reset': (ctx) => {
    const ms = intParam(ctx.query, 'ms', RESET_DEFAULT_MS, MAX_DELAY_MS);
    if (ms === null) return send(ctx, 400, 'bad ms');
    const socket = ctx.req.socket;
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1024\r\n');
    later(socket, ms, () => resetSocket(socket));
  },
};

// The answer to a CORS preflight: any headers, GET and HEAD.
function preflight(ctx) {
  ctx.res.writeHead(204, {
    ...ctx.headers,
    ...CORS_HEADERS,
    'Access-Control-Allow-Methods': 'GET, HEAD',
    'Access-Control-Allow-Headers': ctx.req.headers['access-control-request-headers'] ?? '*',
    'Access-Control-Max-Age': '600',
  });
  ctx.res.end();
}

/**
 * Serves `pathname` if it is under /demo/: returns true when it handled the
 * request (an unknown /demo/ path is a 404), false otherwise. `headers` are
 * the server's own headers for every response (COOP/COEP, no-store).
 */
export function serveDemo(req, res, pathname, query, headers) {
  if (!pathname.startsWith('/demo/')) return false;
  const ctx = { req, res, query, headers };
  const name = pathname.slice('/demo'.length);
  if (!Object.hasOwn(ENDPOINTS, name)) send(ctx, 404, 'no such demo endpoint\n');
  else if (req.method === 'OPTIONS') preflight(ctx);
  else if (req.method !== 'GET' && req.method !== 'HEAD')
    send(ctx, 405, 'method not allowed\n', { Allow: 'GET, HEAD, OPTIONS' });
  else ENDPOINTS[name](ctx);
  return true;
}
