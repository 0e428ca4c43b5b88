// server.test.mjs — the demo dev server (server/server.mjs): routes, MIME types,
// the COOP/COEP and no-store headers on every response, 404s, no way out of
// the served directories, a clear failure when the port is taken, and the
// checker's demo endpoints under /demo/ (server/demo_endpoints.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../server/server.mjs';
import { DEMO_PATHS } from '../../server/demo_endpoints.mjs';

const SERVER_SCRIPT = fileURLToPath(new URL('../../server/server.mjs', import.meta.url));

// A GET (or other method) with the path sent exactly as written, which
// fetch() would normalise. Resolves to {status, headers, body}.
function get(base, path, method = 'GET', headers = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function assertCommonHeaders(res) {
  assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(res.headers['cross-origin-embedder-policy'], 'credentialless');
  assert.equal(res.headers['cache-control'], 'no-store');
}

describe('server/server.mjs on a fixture tree', () => {
  // root/page (served at / and /page), root/dist (served at /dist),
  // root/secret.txt (outside both: must never be served).
  const root = mkdtempSync(join(tmpdir(), 'corio-server-'));
  const webDir = join(root, 'page');
  const distDir = join(root, 'dist');
  let server;

  before(async () => {
    mkdirSync(join(webDir, 'sub'), { recursive: true });
    mkdirSync(distDir);
    const files = {
      [join(webDir, 'index.html')]: '<!doctype html><title>index</title>',
      [join(webDir, 'a.js')]: 'export {};',
      [join(webDir, 'a.mjs')]: 'export const a = 1;',
      [join(webDir, 'a.css')]: 'body {}',
      [join(webDir, 'a.json')]: '{}',
      [join(webDir, 'a.svg')]: '<svg xmlns="http://www.w3.org/2000/svg"/>',
      [join(webDir, 'a.png')]: '\x89PNG',
      [join(webDir, 'sub', 'b.mjs')]: 'export const b = 2;',
      [join(distDir, 'corio.mjs')]: 'export default 1;',
      [join(distDir, 'corio.wasm')]: '\0asm\x01\0\0\0',
      [join(root, 'secret.txt')]: 'SECRET',
    };
    for (const [path, text] of Object.entries(files)) writeFileSync(path, text);
    server = await startServer({ port: 0, host: '127.0.0.1', dirs: { page: webDir, dist: distDir } });
  });

  after(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('listens on the port it was given (0: a free one) and reports its URL', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.notEqual(server.port, 0);
  });

  test('/ serves page/index.html as HTML', async () => {
    const res = await get(server.url, '/');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.body, '<!doctype html><title>index</title>');
    assertCommonHeaders(res);
  });

  test('files get their MIME types', async () => {
    const expected = {
      '/index.html': 'text/html; charset=utf-8',
      '/a.js': 'text/javascript; charset=utf-8',
      '/a.mjs': 'text/javascript; charset=utf-8',
      '/a.css': 'text/css; charset=utf-8',
      '/a.json': 'application/json; charset=utf-8',
      '/a.svg': 'image/svg+xml',
      '/a.png': 'image/png',
      '/dist/corio.wasm': 'application/wasm',
      '/dist/corio.mjs': 'text/javascript; charset=utf-8',
    };
    for (const [path, type] of Object.entries(expected)) {
      const res = await get(server.url, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type, path);
      assertCommonHeaders(res);
    }
  });

  test('page/ files are served at the root and under /page/; dist/ under /dist/', async () => {
    assert.equal((await get(server.url, '/sub/b.mjs')).body, 'export const b = 2;');
    assert.equal((await get(server.url, '/page/sub/b.mjs')).body, 'export const b = 2;');
    assert.equal((await get(server.url, '/dist/corio.mjs')).body, 'export default 1;');
    assert.equal((await get(server.url, '/a%2Ejs')).body, 'export {};'); // escapes are decoded
  });

  test('a missing file is a 404 that still carries the headers', async () => {
    for (const path of ['/nope.js', '/dist/nope.wasm', '/sub/', '/corio.mjs']) {
      const res = await get(server.url, path);
      assert.equal(res.status, 404, path);
      assertCommonHeaders(res);
    }
  });

  test('no path reaches outside page/ and dist/', async () => {
    const attempts = [
      '/../secret.txt',
      '/dist/../../secret.txt',
      '/page/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/dist/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/dist/..%2f..%2fsecret.txt',
      '/page/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/dist/..%5c..%5csecret.txt',
      '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '//secret.txt',
      '/%00secret.txt',
      '/%E0%A4%A',
      `/${encodeURIComponent(join(root, 'secret.txt'))}`,
    ];
    for (const path of attempts) {
      const res = await get(server.url, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /SECRET|root:/, path);
      assertCommonHeaders(res);
    }
  });

  test('HEAD answers headers only; other methods get 405', async () => {
    const head = await get(server.url, '/dist/corio.wasm', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-type'], 'application/wasm');
    assert.equal(head.headers['content-length'], '8');
    assert.equal(head.body, '');
    const post = await get(server.url, '/', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assertCommonHeaders(post);
  });

  test('a port already in use is refused with a message saying so', async () => {
    await assert.rejects(
      startServer({ port: server.port, host: '127.0.0.1', webDir, distDir }),
      (e) => e.code === 'EADDRINUSE' && /already in use/.test(e.message),
    );
  });
});

describe('server/server.mjs as a command', () => {
  // Starts the script; resolves to {child, output, exitCode} once it has
  // printed a line or exited.
  function runScript(args) {
    const child = spawn(process.execPath, [SERVER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    return new Promise((resolve) => {
      const onData = (d) => {
        output += d;
        if (output.includes('\n')) resolve({ child, output });
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (exitCode) => resolve({ child, output, exitCode }));
    });
  }

  test("prints the URL it serves on, and serves the repo's page/index.html there", async () => {
    const { child, output } = await runScript(['--port', '0']);
    try {
      const url = output.match(/http:\/\/127\.0\.0\.1:\d+\//)?.[0];
      assert.ok(url, output);
      const res = await get(url, '/');
      assert.equal(res.status, 200);
      assert.match(res.body, /<script type="module" src="demo\.mjs">/);
      assertCommonHeaders(res);
    } finally {
      child.kill();
    }
  });

  test('exits non-zero with a clear message when the port is taken', async () => {
    const busy = await startServer({ port: 0, host: '127.0.0.1' });
    try {
      const { child, output } = await runScript(['--port', String(busy.port)]);
      const exitCode = await new Promise((resolve) =>
        child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve),
      );
      assert.notEqual(exitCode, 0);
      assert.match(output, new RegExp(`port ${busy.port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      await busy.close();
    }
  });
});

describe('server/server.mjs demo endpoints (/demo/)', () => {
  let server;

  before(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await server?.close();
  });

  // Sends a GET and resolves to the error that ends it, or null if a
  // response arrives first; `abortAfter` ms destroys the request instead.
  function failure(base, path, { abortAfter } = {}) {
    const { hostname, port } = new URL(base);
    return new Promise((resolve) => {
      const req = request({ hostname, port, path, agent: false }, () => resolve(null));
      req.on('error', (e) => resolve(e));
      if (abortAfter !== undefined) setTimeout(() => req.destroy(), abortAfter);
      req.end();
    });
  }

  // Resolves when the server holds `n` open connections.
  async function connectionsReach(srv, n) {
    for (let i = 0; i < 200; i++) {
      const count = await new Promise((resolve) => srv.server.getConnections((e, c) => resolve(c)));
      if (count === n) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail(`the server never held ${n} connections`);
  }

  test('the default list names each endpoint', () => {
    assert.deepEqual(
      DEMO_PATHS.map((p) => p.split('?')[0]),
      ['/demo/200', '/demo/301', '/demo/404', '/demo/500', '/demo/slow', '/demo/hang', '/demo/reset'],
    );
  });

  test("/demo/200, /demo/404 and /demo/500 answer their status with CORS and the server's headers", async () => {
    for (const [path, status, body] of [
      ['/demo/200', 200, 'ok'],
      ['/demo/404', 404, 'not found'],
      ['/demo/500', 500, 'internal error'],
    ]) {
      const res = await get(server.url, path);
      assert.equal(res.status, status, path);
      assert.equal(res.body, body, path);
      assert.equal(res.headers['access-control-allow-origin'], '*', path);
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', path);
      assertCommonHeaders(res);
    }
  });

  test('/demo/301 redirects to /demo/200, and fetch() follows it', async () => {
    const res = await get(server.url, '/demo/301');
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, '/demo/200');
    const followed = await fetch(new URL('/demo/301', server.url));
    assert.equal(followed.status, 200);
    assert.equal(followed.redirected, true);
    assert.equal(await followed.text(), 'ok');
  });

  test('HEAD gets the head without a body; preflights are answered; other methods get 405', async () => {
    const head = await get(server.url, '/demo/200', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '2');
    assert.equal(head.body, '');
    const pre = await get(server.url, '/demo/200', 'OPTIONS', {
      Origin: 'http://localhost:1',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'x-corio',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], '*');
    assert.equal(pre.headers['access-control-allow-headers'], 'x-corio');
    const post = await get(server.url, '/demo/200', 'POST');
    assert.equal(post.status, 405);
    assertCommonHeaders(post);
  });

  test('an unknown /demo/ path is a 404 with the headers', async () => {
    const res = await get(server.url, '/demo/nope');
    assert.equal(res.status, 404);
    assertCommonHeaders(res);
  });

  test('/demo/slow answers 200 "ok" after ?ms=N; a bad N is a 400', async () => {
    const start = performance.now();
    const res = await get(server.url, '/demo/slow?ms=300');
    const took = performance.now() - start;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
    assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
    for (const bad of ['-1', 'x', '1.5', String(11 * 60 * 1000)])
      assert.equal((await get(server.url, `/demo/slow?ms=${bad}`)).status, 400, bad);
  });

  test('/demo/hang never answers, and its connection ends when the client goes away', async () => {
    const own = await startServer({ port: 0, host: '127.0.0.1' });
    try {
      const e = await failure(own.url, '/demo/hang', { abortAfter: 500 });
      assert.ok(e, 'no response came before the client gave up');
      await connectionsReach(own, 0);
    } finally {
      await own.close();
    }
  });

  test('/demo/hang connections are closed when the server stops', async () => {
    const own = await startServer({ port: 0, host: '127.0.0.1' });
    const pending = failure(own.url, '/demo/hang');
    await connectionsReach(own, 1);
    const start = performance.now();
    await own.close();
    assert.ok(performance.now() - start < 1000, 'close() did not wait for the hung request');
    const e = await pending;
    assert.ok(e, 'the hung request failed rather than got a response');
  });

  test('/demo/reset sends part of a head, then a RST: the client sees ECONNRESET', async () => {
    const e = await failure(server.url, '/demo/reset');
    assert.equal(e?.code, 'ECONNRESET');
    assert.equal((await get(server.url, '/demo/reset?ms=x')).status, 400);
  });
});
