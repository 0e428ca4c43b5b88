// fetch_carrier.test.mjs — the browser's stream transport
// (runtime/host/library_net.js, CorioFetch) in headless Chromium: the C client
// tests/c/programs/stream_client.c, run from a page through npm/corio.mjs,
// writes HTTP/1.x requests over corio_open_connection to the loopback
// fixtures (another origin) and reads the responses; a redirect, which the
// browser never lets a page read, is CORIO_ECORS; a failed fetch (down, or
// an answer without CORS headers: the browser does not say which) is
// CORIO_ENETWORK, each URL fetched once; what fetch() cannot carry is
// CORIO_ENOTSUP. Needs
// /usr/bin/chromium, playwright-core and build/wasm/stream_client.mjs
// (make -f emscripten.mk test-programs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertResult,
  checkGetOk,
  checkPostEcho,
  checkSlowBigBody,
  parseOutput,
  useServers,
} from '../node/lib/stream_client.mjs';
import { launchChromium, missingPrerequisite } from './lib/chromium.mjs';

const T = { timeout: 30_000 };
const root = new URL('../../', import.meta.url);
const TYPES = {
  '.html': 'text/html',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

async function missing() {
  if (!existsSync(new URL('build/wasm/stream_client.mjs', root)))
    return 'build/wasm/stream_client.mjs is missing: run make -f emscripten.mk test-programs';
  return missingPrerequisite();
}

// Serves npm/ and build/wasm/ from the repository, and an empty page at /.
async function startPageServer() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end('<!doctype html><title>carrier</title>');
    }
    if (!/^\/(npm|build\/wasm)\/[\w.-]+$/.test(path)) {
      res.writeHead(404);
      return res.end();
    }
    try {
      const body = await readFile(fileURLToPath(new URL(`.${path}`, root)));
      res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((d) => server.close(d)) };
}

const why = await missing();
if (why) test('the browser carrier tests have what they need', () => assert.fail(why));
else
  describe('the fetch() carrier in Chromium', { timeout: 180_000 }, () => {
    const srv = useServers({ watched: false });
    let pages, browser, page;
    const problems = [];

    before(async () => {
      pages = await startPageServer();
      browser = await launchChromium();
      page = await browser.newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(pages.url);
      // One module for every run, as a page would have.
      await page.evaluate(async () => {
        const { load } = await import('/npm/corio.mjs');
        const factory = (await import('/build/wasm/stream_client.mjs')).default;
        window.out = [];
        window.client = await load({ factory, print: (l) => window.out.push(l), printErr: (l) => window.out.push(l) });
      });
    });

    after(async () => {
      await browser?.close();
      await pages?.close();
    });

    // Runs the exported client with `args` in the page; its output, parsed.
    async function run(...args) {
      const output = await page.evaluate(async (args) => {
        window.out = [];
        window.streamClientArgs = () => args.join('\n');
        await window.client.run('stream_client');
        return window.out.join('\n');
      }, args.map(String));
      return parseOutput(output);
    }

    test('a GET to another origin with CORS headers reads its response', T, async () => {
      const r = await checkGetOk(run, srv, '/200');
      assert.equal(r.head[0], 'HTTP/1.1 200 OK');
      assert.equal(r.head.at(-1), 'Connection: close');
    });

    test('a POST with its own Content-Type passes the preflight and is echoed', T, () => checkPostEcho(run, srv));

    test('a big body read slowly arrives whole and in order', T, () => checkSlowBigBody(run, srv));

    // Counts the fixtures' requests for `path` during fn().
    async function requestsFor(path, fn) {
      srv.fixtures.resetStats();
      const r = await fn();
      return { r, count: srv.fixtures.stats()[path] ?? 0 };
    }

    test('a server without CORS headers is CORIO_ENETWORK, saying why it may be, fetched once', T, async () => {
      const { r, count } = await requestsFor('/nocors/200', () => run('get', srv.host, srv.port, '/nocors/200'));
      assertResult(r, 'CORIO_ENETWORK');
      assert.match(
        r.result.message,
        /answered without allowing cross-origin reads; run `npm start` to check it through the relay/,
      );
      assert.equal(count, 1, 'the URL was fetched once');
    });

    test('a redirect is CORIO_ECORS: reachable, and the browser lets a page read nothing more', T, async () => {
      const r = await run('get', srv.host, srv.port, '/301');
      assertResult(r, 'CORIO_ECORS');
      assert.match(
        r.result.message,
        /: reachable; this site does not let pages read its status — run `npm start` to check it through the relay$/,
      );
    });

    test('a refused port is CORIO_ENETWORK: the browser does not say why', T, async () => {
      const r = await run('get', srv.host, srv.portOf('refused'), '/');
      assertResult(r, 'CORIO_ENETWORK');
      assert.match(r.result.message, /the browser does not say whether/);
    });

    test('bytes that are not an HTTP request are CORIO_ENOTSUP', T, async () => {
      assertResult(await run('raw', srv.host, srv.portOf('banner'), 'hello\\r\\n'), 'CORIO_ENOTSUP');
    });

    test('start_server is CORIO_ENOTSUP', T, async () => {
      assertResult(await run('serve', '127.0.0.1'), 'CORIO_ENOTSUP');
    });

    test('nothing went wrong in the page', () => assert.deepEqual(problems, []));
  });
