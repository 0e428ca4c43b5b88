// server.mjs — a dependency-free dev server for the browser demo: serves page/
// at the root (so `/` is page/index.html), and dist/, npm/ and server/ under
// /dist/, /npm/ and /server/ (the page imports the npm API and the demo
// endpoint list from there, by relative URLs that also work when the
// repository is hosted as static files and the page is /page/), with the
// cross-origin isolation headers that wasm threads will need and no caching,
// and the website checker's demo endpoints under /demo/ (demo_endpoints.mjs),
// and the connection relay at /relay (relay.mjs), whose config (with its
// secret) goes into the index.html it serves to its own origin.
//
//   node server/server.mjs [--port N] [--host ADDR] [--no-relay] [--deny-private]
//   (PORT=N works too)
//
// Tests import startServer() and listen on port 0.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serveDemo } from './demo_endpoints.mjs';
import { createRelay } from './relay.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const REPO_DIRS = Object.fromEntries(['page', 'dist', 'npm', 'server'].map((d) => [d, join(repo, d)]));

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

// Sent with every response, errors included. COEP "credentialless" rather
// than "require-corp": both make the page cross-origin isolated (threads),
// but under require-corp a no-cors fetch of a site without CORS and CORP
// headers (most public sites) fails like an unreachable one, so the checker
// could not tell "reachable, status hidden by the browser" from "down".
const COMMON_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

// Maps a URL path to [directory, path inside it] or null. Each segment is
// decoded on its own, so an encoded "/" or ".." can never climb out.
function route(pathname, dirs) {
  if (pathname === '/') return [dirs.page, ['index.html']];
  let parts;
  try {
    parts = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return null; // malformed %-escape
  }
  if (parts.some((p) => p === '..' || p === '.' || /[\\/\0]/.test(p))) return null;
  if (Object.hasOwn(dirs, parts[0])) return [dirs[parts[0]], parts.slice(1)];
  return [dirs.page, parts];
}

async function resolveFile(pathname, dirs) {
  const r = route(pathname, dirs);
  if (!r) return null;
  const root = resolve(r[0]);
  let file = resolve(join(root, ...r[1]));
  if (file !== root && !file.startsWith(root + sep)) return null;
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  return info?.isFile() ? { file, size: info.size } : null;
}

function sendText(res, status, text, extra = {}) {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

// The element of page/index.html that carries the relay's config, empty in
// the file itself (a page hosted as static files has no relay).
const RELAY_META = '<meta name="corio-relay" content="">';

const escapeAttribute = (text) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// Whether `host` (an address or name to bind) is loopback only.
export function isLoopback(host) {
  return host === 'localhost' || /^127\./.test(host) || host === '::1';
}

// The Host values and origins of this server at `port`: its loopback names,
// and, bound to another address, the machine's addresses too.
function ownOrigins(host, port) {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (!isLoopback(host)) {
    names.add(host.includes(':') ? `[${host}]` : host);
    if (host === '0.0.0.0' || host === '::') {
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address}]` : a.address);
    }
  }
  const hosts = new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
  return { hosts, origins: new Set([...hosts].map((h) => `http://${h}`)) };
}

async function handle(req, res, dirs, log, site) {
  const method = req.method;
  const q = req.url.indexOf('?');
  const pathname = q < 0 ? req.url : req.url.slice(0, q); // as sent: `//x` is a path here, not a host
  const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
  if (serveDemo(req, res, pathname, query, COMMON_HEADERS)) {
    // A demo response may come late or never: it is logged when it ends.
    res.once('close', () => log?.(`${method} ${req.url} ${res.headersSent ? res.statusCode : 'no answer'}`));
    return;
  }
  let status;
  if (method !== 'GET' && method !== 'HEAD') {
    sendText(res, (status = 405), 'method not allowed\n', { Allow: 'GET, HEAD' });
  } else {
    const found = pathname.startsWith('/') ? await resolveFile(pathname, dirs) : null;
    if (!found) {
      sendText(res, (status = 404), 'not found\n');
    } else {
      status = 200;
      if (site.relay && found.file === resolve(dirs.page, 'index.html')) {
        await sendPage(req, res, found.file, site, method);
        log?.(`${method} ${req.url} ${status}`);
        return;
      }
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'Content-Type': MIME_TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': found.size,
      });
      if (method === 'HEAD') res.end();
      else
        createReadStream(found.file)
          .on('error', () => res.destroy())
          .pipe(res);
    }
  }
  log?.(`${method} ${req.url} ${status}`);
}

// page/index.html with the relay's config, for a request to this server's
// own Host (a DNS-rebound name gets the page without it).
async function sendPage(req, res, file, site, method) {
  let html = await readFile(file, 'utf8');
  if (site.origins().hosts.has(String(req.headers.host ?? '').toLowerCase()))
    html = html.replace(
      RELAY_META,
      `<meta name="corio-relay" content="${escapeAttribute(JSON.stringify(site.relay.config()))}">`,
    );
  const body = Buffer.from(html);
  res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': MIME_TYPES['.html'], 'Content-Length': body.length });
  res.end(method === 'HEAD' ? undefined : body);
}

/**
 * Starts the server. Resolves to {url, port, server, close()} once it
 * listens; rejects (with a message saying so) if the port is taken.
 * `dirs` maps a first path segment to a folder; it defaults to the repo's
 * page/, dist/, npm/ and server/ (`page` is also what `/` serves).
 * `relay` (default true): offer /relay; the result then has `relay`
 * (relay.mjs: its secret, config()). `denyPrivate`: the relay connects
 * only to addresses the CLI's --deny-private allows (relay.mjs).
 */
export function startServer({
  port = 8080,
  host = '127.0.0.1',
  dirs = REPO_DIRS,
  log = null,
  relay = true,
  denyPrivate = false,
} = {}) {
  const site = { relay: null, origins: () => ({ hosts: new Set(), origins: new Set() }) };
  if (relay) site.relay = createRelay({ origins: () => site.origins(), log, denyPrivate });
  const server = createServer((req, res) => {
    handle(req, res, dirs, log, site).catch((e) => {
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
      log?.(`${req.method} ${req.url} 500 ${e.message}`);
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!site.relay?.upgrade(req, socket, head)) socket.destroy();
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (e) => {
      if (e.code === 'EADDRINUSE')
        e.message =
          `port ${port} on ${host} is already in use: ` +
          'choose another with --port N (or PORT=N), or --port 0 for any free port';
      reject(e);
    });
    server.listen(port, host, () => {
      const actual = server.address().port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      const origins = ownOrigins(host, actual);
      site.origins = () => origins;
      resolvePromise({
        url: `http://${urlHost}:${actual}/`,
        port: actual,
        server,
        relay: site.relay,
        close: () =>
          new Promise((done) => {
            site.relay?.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

const USAGE =
  'usage: node server/server.mjs [--port N] [--host ADDR] [--no-relay] [--deny-private]\n' +
  'Serves the corio browser demo (page/, with dist/ and npm/), its demo endpoints (/demo/)\n' +
  'and the connection relay its pages use (/relay; --no-relay: none, pages use fetch();\n' +
  '--deny-private: the relay refuses private, loopback, link-local and other\n' +
  'non-public addresses, as corio-check --deny-private)\n' +
  'on ADDR (default 127.0.0.1), port N (default: $PORT, else 8080; 0 picks a free one).';

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string', default: '127.0.0.1' },
        'no-relay': { type: 'boolean' },
        'deny-private': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`server: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const portText = values.port ?? process.env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`server: invalid port "${portText}"`);
    process.exit(2);
  }
  try {
    const { url, relay } = await startServer({
      port,
      host: values.host,
      relay: !values['no-relay'],
      denyPrivate: !!values['deny-private'],
      log: (l) => console.log(l),
    });
    console.log(`corio demo: serving page/ on ${url} (checker demo endpoints under /demo/)`);
    if (relay)
      console.log(
        `corio demo: pages open TCP/TLS connections through ${url.replace(/^http/, 'ws')}relay ` +
          `(TLS verified with ${relay.caFrom})` +
          (values['deny-private']
            ? '; --deny-private: only public addresses (the demo URLs on this machine are refused too)'
            : ''),
      );
    if (!isLoopback(values.host)) {
      const warning =
        `WARNING: listening on ${values.host}, not loopback: other machines can reach this server` +
        (relay ? ' and, with the secret in its page, open connections from this machine through its relay' : '');
      console.error(`${'!'.repeat(warning.length)}\n${warning}\n${'!'.repeat(warning.length)}`);
    }
  } catch (e) {
    console.error(`server: ${e.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
