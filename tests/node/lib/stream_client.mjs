// stream_client.mjs — drives tests/c/programs/stream_client.c
// (build/wasm/stream_client.mjs) for the tests of the wasm net transports
// (Node's, and fetch() under Node and in Chromium): as a program in a
// worker (main, the blocking loop) or in this process as the exported
// coroutine (the JS-driven loop), and reads what it printed. Also the
// servers those tests run against (the HTTP fixtures, and a loopback HTTP
// server whose requests they watch to see a client go away), and the
// checks every transport's tests make alike.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { load } from '../../../npm/node.mjs';
import { startFixtures } from '../../fixtures/http_fixture.mjs';
import { compileWasm, describeWasmEnd, runWasm } from './wasm_program.mjs';

export { makeTestCertificates } from './tls_certs.mjs';

const factoryUrl = new URL('../../../build/wasm/stream_client.mjs', import.meta.url);
const wasmUrl = new URL('../../../build/wasm/stream_client.wasm', import.meta.url);

export const MISSING = existsSync(fileURLToPath(factoryUrl))
  ? null
  : `${fileURLToPath(factoryUrl)} is missing: run make -f emscripten.mk test-programs`;

let compiled = null; // the module, compiled at the first run

/**
 * What a run printed: `lines`, `result` {code, message} from its last
 * line, `head` (the response's head lines), `body` (the text of the body
 * line, unescaped).
 */
export function parseOutput(output) {
  const lines = output.split('\n').filter((l) => l !== '');
  const last = lines.findLast((l) => l.startsWith('result ')) ?? '';
  const [, code = '', message = ''] = /^result (\S+) ?(.*)$/.exec(last) ?? [];
  const head = lines.filter((l) => l.startsWith('line ')).map((l) => l.slice(5));
  const bodyLine = lines.find((l) => l.startsWith('body ') && l.includes('"'));
  const body =
    bodyLine === undefined
      ? null
      : JSON.parse(
          bodyLine
            .slice(bodyLine.indexOf('"'))
            .replace(/"\.\.\.$/, '"')
            .replace(/\\x([0-9a-f]{2})/g, '\\u00$1'),
        );
  return { lines, result: { code, message }, head, body };
}

/**
 * Runs main(args) in a worker with the given transport ('fetch', or
 * undefined: Node's TCP). Resolves to parseOutput's shape; fails the test
 * if the program did not end normally.
 */
export async function runClient(args, { corioTransport, timeoutMs = 15_000 } = {}) {
  compiled ??= compileWasm(factoryUrl);
  const r = await runWasm(factoryUrl, await compiled, args.map(String), { corioTransport, timeoutMs });
  assert.equal(r.status, 0, `stream_client ${args.join(' ')}: ${describeWasmEnd(r)}\n${r.output}`);
  return parseOutput(r.output);
}

/**
 * Loads the module in this process (options as npm/corio.mjs load()) for
 * runs of the exported coroutine: run(args) resolves to parseOutput's shape.
 */
export async function loadClient(options = {}) {
  let out = [];
  const corio = await load({
    factory: (await import(factoryUrl)).default,
    wasmUrl,
    print: (line) => out.push(line),
    printErr: (line) => out.push(line),
    ...options,
  });
  return {
    corio,
    async run(args) {
      out = [];
      globalThis.streamClientArgs = () => args.map(String).join('\n');
      try {
        await corio.run('stream_client');
      } finally {
        delete globalThis.streamClientArgs;
      }
      return parseOutput(out.join('\n'));
    },
  };
}

/**
 * A loopback HTTP server for watching clients: /stream sends a chunk every
 * 20 ms for ever, /hang never answers. `gone(path)` resolves to the time
 * (Date.now()) a request for path was closed by its client. Resolves to
 * {host, port, gone, close}.
 */
export async function startWatchedServer() {
  const waiters = new Map();
  const closedAt = new Map();
  const server = createServer((req, res) => {
    const path = req.url;
    res.on('close', () => {
      closedAt.set(path, Date.now());
      waiters.get(path)?.(closedAt.get(path));
    });
    if (path === '/stream') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
      const timer = setInterval(() => res.write('tick '.repeat(100)), 20);
      res.on('close', () => clearInterval(timer));
    }
    // /hang: nothing, until the client goes away.
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    host: '127.0.0.1',
    port: server.address().port,
    gone: (path) =>
      closedAt.has(path) ? Promise.resolve(closedAt.get(path)) : new Promise((resolve) => waiters.set(path, resolve)),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((done) => server.close(done));
    },
  };
}

/**
 * The servers for the tests of the current describe(), started before them
 * and closed after: the HTTP fixtures and, unless `watched` is false,
 * startWatchedServer's. Returns an object whose fields are set once they
 * are up: `fixtures`, `host` and `port` (the fixtures'), `watched`, and
 * `portOf(name)`, the port of the special fixture `name` ('refused',
 * 'banner').
 */
export function useServers({ watched = true } = {}) {
  const servers = { portOf: (name) => new URL(servers.fixtures.urls[name]).port };
  before(async () => {
    servers.fixtures = await startFixtures();
    ({ hostname: servers.host, port: servers.port } = new URL(servers.fixtures.base));
    if (watched) servers.watched = await startWatchedServer();
  });
  after(async () => {
    await servers.fixtures?.close();
    await servers.watched?.close();
  });
  return servers;
}

/** Asserts that a run ended with the status `code` (its output if not). */
export function assertResult(r, code) {
  assert.equal(r.result.code, code, r.lines.join('\n'));
}

/** Asserts that a run read /big's body whole and in order (`bytes` long). */
export function assertBigBody(r, bytes = 1048576) {
  assert.ok(r.lines.includes(`body-length ${bytes}`), r.lines.join('\n'));
  assert.ok(r.lines.includes('body-pattern yes'));
}

/**
 * Runs `run('get', ...)` for the fixtures' `path` (one answering "ok") and
 * checks the answer; resolves to the run.
 */
export async function checkGetOk(run, { host, port }, path) {
  const r = await run('get', host, port, path);
  assertResult(r, 'CORIO_OK');
  assert.equal(r.body, 'ok');
  return r;
}

/**
 * Runs `run('post', ...)` against the fixtures' /echo and checks that the
 * body comes back; resolves to the run.
 */
export async function checkPostEcho(run, { host, port }) {
  const r = await run('post', host, port, '/echo', 'hello, body');
  assertResult(r, 'CORIO_OK');
  assert.equal(r.body, 'hello, body');
  return r;
}

/** Runs a slow read of the fixtures' /big and checks it. */
export async function checkSlowBigBody(run, { host, port }) {
  const r = await run('slow', host, port, '/big');
  assertResult(r, 'CORIO_OK');
  assertBigBody(r);
}

/**
 * Runs `run('close', ...)` (the client closes after reading `bytes` of the
 * body, then lives 0.5 s more) against the watched server's `path`.
 * Resolves to the run and `lead`: how many ms before the run ended the
 * server saw the client go.
 */
export async function runClose(run, watched, path, bytes) {
  const r = await run('close', watched.host, watched.port, path, String(bytes));
  const ended = Date.now();
  return { r, lead: ended - (await watched.gone(path)) };
}

/**
 * With a client from loadClient: a slow read of a 4 MiB body whose reader
 * pauses, checked whole; resolves to what `measure()` said at the pause
 * (the run calls globalThis.atPause then).
 */
export async function runPausedRead(client, { host, port }, measure) {
  const bytes = 4194304;
  let atPause = null;
  globalThis.atPause = () => {
    atPause = measure();
  };
  try {
    const r = await client.run(['slow', host, port, `/big?bytes=${bytes}`, 'atPause']);
    assertResult(r, 'CORIO_OK');
    assertBigBody(r, bytes);
  } finally {
    delete globalThis.atPause;
  }
  return atPause;
}
