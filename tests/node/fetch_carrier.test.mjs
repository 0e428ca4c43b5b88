// fetch_carrier.test.mjs — the browser's stream transport
// (runtime/host/library_net.js, CorioFetch), run under Node with
// corioTransport 'fetch' over Node's own fetch(): a C client
// (tests/c/programs/stream_client.c) writes HTTP/1.x requests over
// corio_open_connection against the HTTP fixtures and must read back an
// HTTP/1.1 response as a browser would show it, get a distinct error for
// each failure, be paused by its reader, and abort the fetch when it closes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MISSING,
  assertResult,
  checkGetOk,
  checkPostEcho,
  checkSlowBigBody,
  loadClient,
  runClient,
  runClose,
  runPausedRead,
  useServers,
} from './lib/stream_client.mjs';

const T = { timeout: 20_000 };
const run = (...args) => runClient(args, { corioTransport: 'fetch' });

describe('the fetch() carrier', { skip: MISSING ?? false, concurrency: 2 }, () => {
  const srv = useServers();

  test('a GET reads back an HTTP/1.1 head with the headers fetch() shows and Connection: close', T, async () => {
    const r = await checkGetOk(run, srv, '/200');
    assert.equal(r.head[0], 'HTTP/1.1 200 OK');
    assert.ok(r.head.includes('content-type: text/plain; charset=utf-8'), r.head.join('\n'));
    assert.equal(r.head.at(-1), 'Connection: close');
    // The body is already decoded and ends at EOF: no framing headers.
    assert.ok(!r.head.some((h) => /^(content-length|transfer-encoding|content-encoding):/i.test(h)));
  });

  test('the peer is host:port and the connection is reported at once', T, async () => {
    const r = await run('get', srv.host, srv.port, '/404');
    assert.equal(r.lines[0], `connected ${srv.host}:${srv.port}`);
    assert.equal(r.head[0], 'HTTP/1.1 404 Not Found');
    assert.equal(r.body, 'not found');
  });

  test('a chunked body arrives decoded, without its chunk framing', T, async () => {
    const r = await run('get', srv.host, srv.port, '/chunked?n=3&ms=5');
    assertResult(r, 'CORIO_OK');
    assert.equal(r.body, 'chunk 0\nchunk 1\nchunk 2\n');
  });

  test('a POST body written after its head reaches the server (echo)', T, async () => {
    const r = await checkPostEcho(run, srv);
    assert.ok(r.head.includes('content-type: text/x-corio'), r.head.join('\n'));
  });

  test('a redirect is a response (redirect: "manual"), not followed', T, async () => {
    const r = await run('get', srv.host, srv.port, '/301');
    assert.equal(r.head[0], 'HTTP/1.1 301 Moved Permanently');
    assert.ok(r.head.includes('location: /200'), r.head.join('\n'));
  });

  test('a big body read slowly arrives whole and in order', T, () => checkSlowBigBody(run, srv));

  test('the HTTP client (corio_fetch) reads a carried response', T, async () => {
    const r = await run('fetch', `${srv.fixtures.base}chunked?n=2&ms=5`);
    assertResult(r, 'CORIO_OK');
    assert.ok(r.lines.includes('status 200 OK'));
    assert.equal(r.body, 'chunk 0\nchunk 1\n');
  });

  test('a refused port fails with CORIO_ECONNREFUSED naming host:port', T, async () => {
    const refused = srv.portOf('refused');
    const r = await run('get', srv.host, refused, '/');
    assertResult(r, 'CORIO_ECONNREFUSED');
    assert.match(r.result.message, new RegExp(`^${srv.host}:${refused}: .*ECONNREFUSED`));
  });

  test('bytes that are not an HTTP/1.x request fail with CORIO_ENOTSUP, sending nothing', T, async () => {
    srv.fixtures.resetStats();
    const r = await run('raw', srv.host, srv.portOf('banner'), 'hello\\r\\n');
    assertResult(r, 'CORIO_ENOTSUP');
    assert.match(r.result.message, /not supported in the browser: fetch\(\) can carry only HTTP\/1\.x requests/);
    assert.match(r.result.message, /this connection sent "hello\\r\\n"/);
    assert.equal(srv.fixtures.stats().banner, undefined, 'the carrier must not connect for bytes it cannot carry');
  });

  test('a reset before the response, or in its body, is CORIO_ECONNRESET', T, async () => {
    assertResult(await run('get', srv.host, srv.port, '/reset'), 'CORIO_ECONNRESET');
    assertResult(await run('get', srv.host, srv.port, '/reset-body'), 'CORIO_ECONNRESET');
  });

  test('a body shorter than its Content-Length is CORIO_EINCOMPLETE', T, async () => {
    assertResult(await run('get', srv.host, srv.port, '/close-early'), 'CORIO_EINCOMPLETE');
  });

  test('a response that is not HTTP is CORIO_EPROTO', T, async () => {
    assertResult(await run('get', srv.host, srv.port, '/garbage'), 'CORIO_EPROTO');
  });

  test('TLS to a plain HTTP port is CORIO_ETLS', T, async () => {
    assertResult(await run('fetch', `https://${srv.host}:${srv.port}/200`), 'CORIO_ETLS');
  });

  // The client lives 0.5 s after closing: the server must see it leave
  // then, not when the program's worker ends.
  test('closing in the middle of the body aborts the fetch', T, async () => {
    const { r, lead } = await runClose(run, srv.watched, '/stream', 1000);
    assert.ok(r.lines.includes('read 1000 body bytes'), r.lines.join('\n'));
    assert.ok(r.lines.includes('closed'));
    assert.equal(r.result.code, 'CORIO_OK');
    assert.ok(lead > 250, 'the request outlived its close');
  });

  test('closing before the response aborts the request', T, async () => {
    const { r, lead } = await runClose(run, srv.watched, '/hang', 0);
    assertResult(r, 'CORIO_OK');
    assert.ok(lead > 250, 'the request outlived its close');
  });

  test('start_server is CORIO_ENOTSUP: a page cannot accept connections', T, async () => {
    const r = await run('serve', '127.0.0.1');
    assertResult(r, 'CORIO_ENOTSUP');
    assert.match(r.result.message, /a page cannot accept connections/);
  });

  describe('run from JS (the JS-driven loop)', { concurrency: 1 }, () => {
    let client, realFetch;
    const runJs = (...args) => client.run(args);
    before(async () => {
      client = await loadClient({ corioTransport: 'fetch' });
      realFetch = globalThis.fetch;
    });
    after(() => {
      globalThis.fetch = realFetch;
    });

    test('a coroutine run from JS reads a carried response', T, () => checkGetOk(runJs, srv, '/200'));

    // No timer is set while C waits for the slow answer: only the live
    // connection can wake it.
    test('waiting on a connection alone is not taken for a deadlock', T, () => checkGetOk(runJs, srv, '/slow?ms=300'));

    test('a paused reader stops the carrier pulling the body', T, async () => {
      let pulled = 0;
      // Counts what the carrier takes from the body stream.
      globalThis.fetch = async (...args) => {
        const res = await realFetch(...args);
        const counted = res.body.pipeThrough(
          new TransformStream({
            transform(chunk, out) {
              pulled += chunk.length;
              out.enqueue(chunk);
            },
          }),
        );
        return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
      };
      let pulledAtPause;
      try {
        pulledAtPause = await runPausedRead(client, srv, () => pulled);
      } finally {
        globalThis.fetch = realFetch;
      }
      // The reader's limit is 16 KiB, so it pauses above 32 KiB buffered;
      // a chunk or two more may be in flight, never the whole body.
      assert.ok(
        pulledAtPause !== null && pulledAtPause < 512 * 1024,
        `the carrier pulled ${pulledAtPause} of 4194304 bytes while C was not reading`,
      );
    });
  });
});
