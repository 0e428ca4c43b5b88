// fixture_server.test.mjs — the HTTP test fixtures (tests/fixtures/
// http_fixture.mjs): each endpoint fails the way it says it does, as Node's
// own clients see it (http, net, fetch); CORS only outside /nocors/; several
// listeners; close() ends hung connections; the command prints its URLs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BANNER, startFixtures } from '../fixtures/http_fixture.mjs';

const FIXTURE_SCRIPT = fileURLToPath(new URL('../fixtures/http_fixture.mjs', import.meta.url));

// Every test gets this long before node:test fails it, so a fixture that
// hangs by mistake fails instead of stalling the run.
const T = { timeout: 15_000 };

// One request on its own connection. Resolves to {status, headers, body,
// dataEvents}; rejects with the client's error, carrying `response` (the
// same shape, body so far) when the response had started. A client-side
// timeout (idle `timeout` ms) is an error with code 'TIMEOUT'.
function get(url, { method = 'GET', headers = {}, body, timeout = 3000, maxHeaderSize } = {}) {
  return new Promise((resolve, reject) => {
    let response = null;
    const snapshot = () => response && { ...response, body: Buffer.concat(response.chunks) };
    const fail = (e) => reject(Object.assign(e, { response: snapshot() }));
    const req = request(url, { method, headers, timeout, maxHeaderSize, agent: false }, (res) => {
      response = { status: res.statusCode, headers: res.headers, chunks: [], dataEvents: 0 };
      res.on('data', (c) => {
        response.chunks.push(c);
        response.dataEvents++;
      });
      res.on('end', () => resolve(snapshot()));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timed out'), { code: 'TIMEOUT' })));
    req.on('error', fail);
    req.end(body);
  });
}

// A raw TCP exchange: connects, sends `text` (if any), collects what comes
// back until the server closes or `timeout` ms pass. Resolves (never rejects)
// to {data, ended (a FIN), error, timedOut}.
function exchange(url, text, { timeout = 3000, untilData = false } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks = [];
    const result = { ended: false, error: null, timedOut: false };
    const socket = connect(Number(port), hostname, () => {
      if (text) socket.write(text);
    });
    const timer = setTimeout(() => {
      result.timedOut = true;
      socket.destroy();
    }, timeout);
    socket.on('data', (c) => {
      chunks.push(c);
      if (untilData) socket.destroy();
    });
    socket.on('end', () => {
      result.ended = true;
    });
    socket.on('error', (e) => {
      result.error = e;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...result, data: Buffer.concat(chunks) });
    });
  });
}

function requestText(url, method = 'GET') {
  const { pathname, search, host } = new URL(url);
  return `${method} ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

// Waits (polling) until check() is true; fails after `ms`.
async function waitFor(check, what, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function isLoopbackUrl(url) {
  const host = new URL(url).hostname;
  return host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

describe('http_fixture endpoints', () => {
  let f;
  before(async () => {
    f = await startFixtures();
  });
  after(() => f?.close());

  test('urls name each endpoint by its path on the base, all on loopback', T, () => {
    assert.match(f.base, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(f.bases, [f.base]);
    for (const name of [
      '200',
      '301',
      '404',
      '500',
      'slow',
      'delay',
      'hang',
      'reset',
      'garbage',
      'long-header',
      'chunked',
      'big',
      'echo',
      'loop',
      'close-early',
      'empty',
      'nocors/200',
    ])
      assert.equal(f.urls[name], f.base + name, name);
    assert.notEqual(new URL(f.urls.banner).port, new URL(f.base).port);
    for (const [name, url] of Object.entries(f.urls)) assert.ok(isLoopbackUrl(url), `${name}: ${url}`);
  });

  test('a non-loopback host is refused', T, async () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com'])
      await assert.rejects(startFixtures({ host }), /loopback only/, host);
  });

  test('/200 answers 200 "ok"', T, async () => {
    const res = await get(f.urls['200']);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'ok');
    assert.equal(res.headers['content-length'], '2');
  });

  test('/301 redirects to /200 with a Location, and fetch() follows it', T, async () => {
    const res = await get(f.urls['301']);
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, '/200');
    const followed = await fetch(f.urls['301']);
    assert.equal(followed.status, 200);
    assert.equal(followed.redirected, true);
    assert.equal(followed.url, f.urls['200']);
    assert.equal(await followed.text(), 'ok');
  });

  test('/404, /500 and /status/<code> answer their status; unknown paths are 404', T, async () => {
    assert.equal((await get(f.urls['404'])).status, 404);
    assert.equal((await get(f.urls['500'])).status, 500);
    assert.equal((await get(f.base + 'status/503')).status, 503);
    assert.equal((await get(f.base + 'status/99')).status, 400);
    const unknown = await get(f.base + 'no/such/thing');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.toString(), 'no such fixture');
  });

  test('/slow and /delay answer 200 only after ?ms (default 1000)', T, async () => {
    const timed = async (url) => {
      const start = performance.now();
      const res = await get(url, { timeout: 5000 });
      assert.equal(res.status, 200, url);
      assert.equal(res.body.toString(), 'ok', url);
      return performance.now() - start;
    };
    const [slowDefault, slow300, delay300] = await Promise.all([
      timed(f.urls.slow),
      timed(`${f.urls.slow}?ms=300`),
      timed(`${f.urls.delay}?ms=300`),
    ]);
    assert.ok(slowDefault >= 900, `default /slow took ${slowDefault} ms`);
    assert.ok(slow300 >= 250, `/slow?ms=300 took ${slow300} ms`);
    assert.ok(delay300 >= 250, `/delay?ms=300 took ${delay300} ms`);
    assert.equal((await get(`${f.urls.delay}?ms=soon`)).status, 400);
  });

  test('/hang reads the request and never answers: the client times out', T, async () => {
    const before = f.stats()['/hang'] ?? 0;
    const e = await get(f.urls.hang, { timeout: 300 }).then(
      () => null,
      (err) => err,
    );
    assert.equal(e?.code, 'TIMEOUT', `expected a client timeout, got ${e?.code ?? 'a response'}`);
    assert.equal(e.response, null);
    assert.equal(f.stats()['/hang'], before + 1); // the request did arrive
  });

  test('/reset sends part of a head, then a RST: ECONNRESET, no response', T, async () => {
    const e = await get(f.urls.reset).then(
      () => null,
      (err) => err,
    );
    assert.equal(e?.code, 'ECONNRESET');
    assert.equal(e.response, null);
    const raw = await exchange(`${f.urls.reset}?ms=200`, requestText(f.urls.reset));
    assert.match(raw.data.toString(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(raw.data.toString(), /\r\n\r\n/);
    assert.equal(raw.error?.code, 'ECONNRESET', 'a RST, not a clean close');
    assert.equal(raw.ended, false);
  });

  test('/reset-body starts a response, then a RST cuts its body', T, async () => {
    const e = await get(f.urls['reset-body']).then(
      () => null,
      (err) => err,
    );
    assert.equal(e?.code, 'ECONNRESET');
    assert.equal(e.response?.status, 200);
    assert.equal(e.response.headers['content-length'], '1024');
    assert.ok(e.response.body.length < 1024);
  });

  test("/garbage answers non-HTTP bytes: Node's parser rejects them", T, async () => {
    const e = await get(f.urls.garbage).then(
      () => null,
      (err) => err,
    );
    assert.match(e?.code ?? 'none', /^HPE_/);
    const raw = await exchange(f.urls.garbage, requestText(f.urls.garbage));
    assert.equal(raw.data.length, 512);
    assert.notEqual(raw.data.subarray(0, 5).toString('latin1'), 'HTTP/');
    assert.equal(raw.ended, true);
  });

  test('urls.banner speaks first, an SSH banner, and is no HTTP server', T, async () => {
    const raw = await exchange(f.urls.banner, null, { untilData: true });
    assert.equal(raw.data.toString(), BANNER);
    const e = await get(f.urls.banner).then(
      () => null,
      (err) => err,
    );
    assert.match(e?.code ?? 'none', /^HPE_/);
  });

  test("/long-header overflows Node's header limit with a line over 100 KiB", T, async () => {
    const e = await get(f.urls['long-header']).then(
      () => null,
      (err) => err,
    );
    assert.equal(e?.code, 'HPE_HEADER_OVERFLOW');
    const res = await get(f.urls['long-header'], { maxHeaderSize: 1024 * 1024 });
    assert.equal(res.status, 200);
    assert.ok(res.headers['x-long'].length > 256 * 1024, `${res.headers['x-long'].length} bytes`);
    const sized = await get(`${f.urls['long-header']}?bytes=1000`);
    assert.equal(sized.headers['x-long'], 'x'.repeat(1000));
  });

  test('/chunked sends a chunked body in pieces ?ms apart', T, async () => {
    const start = performance.now();
    const res = await get(`${f.urls.chunked}?n=4&ms=100`);
    const took = performance.now() - start;
    assert.equal(res.status, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.headers['content-length'], undefined);
    assert.equal(res.body.toString(), 'chunk 0\nchunk 1\nchunk 2\nchunk 3\n');
    assert.ok(res.dataEvents >= 2, `${res.dataEvents} data event(s)`);
    assert.ok(took >= 250, `4 chunks 100 ms apart took ${took} ms`);
  });

  test('/big?bytes=N sends exactly N bytes, byte i being i % 256', T, async () => {
    const n = 3 * 1024 * 1024 + 7;
    const res = await get(`${f.urls.big}?bytes=${n}`);
    assert.equal(res.headers['content-length'], String(n));
    assert.equal(res.body.length, n);
    const bad = res.body.findIndex((b, i) => b !== i % 256);
    assert.equal(bad, -1, `byte ${bad} is off the pattern`);
    assert.equal((await get(`${f.urls.big}?bytes=-1`)).status, 400);
  });

  test('/big survives a reader that pauses, and one that leaves mid-body', T, async () => {
    const { hostname, port } = new URL(f.base);
    const total = 32 * 1024 * 1024;
    const got = await new Promise((resolve, reject) => {
      const req = request({ hostname, port, path: `/big?bytes=${total}`, agent: false }, (res) => {
        let n = 0;
        res.once('data', () => {
          res.pause();
          setTimeout(() => res.resume(), 300);
        });
        res.on('data', (c) => {
          n += c.length;
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(got, total);
    const left = await exchange(`${f.urls.big}?bytes=${total}`, requestText(`${f.urls.big}?bytes=${total}`), {
      untilData: true,
    });
    assert.ok(left.data.length > 0);
    assert.equal((await get(f.urls['200'])).status, 200);
  });

  test('/echo streams a POST body back with its type', T, async () => {
    const small = await get(f.urls.echo, { method: 'POST', body: 'hello', headers: { 'Content-Type': 'text/x-test' } });
    assert.equal(small.body.toString(), 'hello');
    assert.equal(small.headers['content-type'], 'text/x-test');
    assert.equal(small.headers['content-length'], '5');
    const big = Buffer.alloc(2 * 1024 * 1024, 'abc');
    const res = await get(f.urls.echo, { method: 'POST', body: big });
    assert.ok(res.body.equals(big));
  });

  test('/loop redirects to /loop2 and back; fetch() gives up', T, async () => {
    assert.equal((await get(f.urls.loop)).headers.location, '/loop2');
    assert.equal((await get(f.urls.loop2)).headers.location, '/loop');
    await assert.rejects(fetch(f.urls.loop), TypeError);
  });

  test('/close-early promises 1024 bytes, sends 16, closes: the body is cut short', T, async () => {
    const e = await get(f.urls['close-early']).then(
      () => null,
      (err) => err,
    );
    assert.ok(e, 'the short body was accepted as complete');
    assert.equal(e.response?.status, 200);
    assert.equal(e.response.headers['content-length'], '1024');
    assert.equal(e.response.body.length, 16);
    const raw = await exchange(f.urls['close-early'], requestText(f.urls['close-early']));
    assert.equal(raw.ended, true, 'a clean close, not a RST');
    assert.equal(raw.error, null);
  });

  test('/empty answers 200 with Content-Length: 0', T, async () => {
    const res = await get(f.urls.empty);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.body.length, 0);
  });

  test('/stall sends a head and part of the body, then nothing', T, async () => {
    const e = await get(f.urls.stall, { timeout: 300 }).then(
      () => null,
      (err) => err,
    );
    assert.ok(e, 'the stalled body completed');
    assert.equal(e.response?.status, 200);
    assert.equal(e.response.body.toString(), 'partial body....');
  });

  test('HEAD gets the GET headers and no body, everywhere', T, async () => {
    for (const [path, length] of [
      ['200', '2'],
      ['empty', '0'],
      ['big?bytes=1000', '1000'],
      ['404', '9'],
      ['chunked', undefined],
      ['stall', '1024'],
    ]) {
      const res = await get(f.base + path, { method: 'HEAD' });
      assert.equal(res.body.length, 0, path);
      assert.equal(res.headers['content-length'], length, path);
    }
    assert.equal((await get(f.urls['head-only'], { method: 'HEAD' })).status, 200);
    assert.equal((await get(f.urls['head-only'])).status, 405);
    assert.equal((await get(f.urls['no-head'], { method: 'HEAD' })).status, 405);
    assert.equal((await get(f.urls['no-head'])).status, 200);
  });

  test('urls.refused refuses connections', T, async () => {
    const e = await get(f.urls.refused).then(
      () => null,
      (err) => err,
    );
    assert.equal(e?.code, 'ECONNREFUSED');
  });

  test('every endpoint sends Access-Control-Allow-Origin: * except under /nocors/', T, async () => {
    for (const path of ['200', '301', '404', '500', 'empty', 'chunked', 'big?bytes=10', 'delay?ms=0', 'status/418']) {
      const open = await get(f.base + path);
      assert.equal(open.headers['access-control-allow-origin'], '*', path);
      const closed = await get(`${f.base}nocors/${path}`);
      assert.equal(closed.status, open.status, path);
      assert.equal(closed.headers['access-control-allow-origin'], undefined, `nocors/${path}`);
    }
    for (const path of ['close-early', 'reset-body']) {
      const open = await get(f.base + path).then(
        () => null,
        (e) => e.response,
      );
      assert.equal(open?.headers['access-control-allow-origin'], '*', path);
      const closed = await get(`${f.base}nocors/${path}`).then(
        () => null,
        (e) => e.response,
      );
      assert.equal(closed?.status, 200, path);
      assert.equal(closed.headers['access-control-allow-origin'], undefined, `nocors/${path}`);
    }
  });

  test('redirects under /nocors/ stay under /nocors/', T, async () => {
    assert.equal((await get(`${f.base}nocors/301`)).headers.location, '/nocors/200');
    assert.equal((await get(`${f.base}nocors/loop`)).headers.location, '/nocors/loop2');
  });

  test('a preflight is answered for CORS endpoints (even /hang) and not under /nocors/', T, async () => {
    const headers = {
      Origin: 'http://127.0.0.1:1',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-corio',
    };
    for (const path of ['200', 'hang', 'echo']) {
      const res = await get(f.base + path, { method: 'OPTIONS', headers });
      assert.equal(res.status, 204, path);
      assert.equal(res.headers['access-control-allow-origin'], '*', path);
      assert.match(res.headers['access-control-allow-methods'], /\bPOST\b/, path);
      assert.equal(res.headers['access-control-allow-headers'], 'content-type,x-corio', path);
    }
    const closed = await get(`${f.base}nocors/200`, { method: 'OPTIONS', headers });
    assert.equal(closed.headers['access-control-allow-origin'], undefined);
    assert.equal(closed.headers['access-control-allow-methods'], undefined);
  });
});

describe('http_fixture bookkeeping', () => {
  test('stats() counts requests per path, /nocors/, preflights and banner apart', T, async () => {
    const f = await startFixtures();
    try {
      assert.deepEqual(f.stats(), {});
      await get(f.urls['200']);
      await get(f.urls['200'], { method: 'HEAD' });
      await get(`${f.urls['404']}?x=1`);
      await get(f.urls['nocors/200']);
      await get(f.urls['200'], { method: 'OPTIONS' });
      await exchange(f.urls.banner, null, { untilData: true });
      assert.deepEqual(f.stats(), {
        '/200': 2,
        '/404': 1,
        '/nocors/200': 1,
        'OPTIONS /200': 1,
        banner: 1,
      });
      assert.deepEqual(JSON.parse((await get(f.urls.stats)).body), f.stats());
      f.resetStats();
      assert.deepEqual(f.stats(), {});
    } finally {
      await f.close();
    }
  });

  test('ports: 3 starts three listeners, each with its own base, all serving', T, async () => {
    const f = await startFixtures({ ports: 3 });
    try {
      assert.equal(f.bases.length, 3);
      assert.equal(new Set(f.bases).size, 3);
      for (const base of f.bases) {
        assert.ok(isLoopbackUrl(base), base);
        assert.equal((await get(`${base}200`)).body.toString(), 'ok', base);
      }
      assert.equal(f.listeners[2].urls['200'], `${f.bases[2]}200`);
      assert.equal(f.listeners[2].urls.banner, f.urls.banner);
      if (process.platform === 'linux')
        // all of 127/8 is bindable there
        assert.deepEqual(
          f.listeners.map((l) => l.host),
          ['127.0.0.1', '127.0.0.2', '127.0.0.3'],
        );
    } finally {
      await f.close();
    }
  });

  test('a fixed port is used as given, and refused when taken', T, async () => {
    const a = await startFixtures();
    try {
      const taken = a.listeners[0].port;
      await assert.rejects(startFixtures({ ports: [taken] }), (e) => e.code === 'EADDRINUSE');
    } finally {
      await a.close();
    }
    const port = a.listeners[0].port; // free again, most likely
    const b = await startFixtures({ ports: [port] }).catch(() => null);
    if (b) {
      assert.equal(b.base, `http://127.0.0.1:${port}/`);
      await b.close();
    }
  });

  test('close() ends hung, stalled, slow and banner connections promptly', T, async () => {
    const f = await startFixtures();
    const ends = [
      get(f.urls.hang, { timeout: 0 }),
      get(f.urls.stall, { timeout: 0 }),
      get(`${f.urls.slow}?ms=600000`, { timeout: 0 }),
      exchange(f.urls.banner, null, { timeout: 60_000 }),
    ].map((p) =>
      p.then(
        () => 'settled',
        () => 'settled',
      ),
    );
    await waitFor(() => {
      const s = f.stats();
      return s['/hang'] && s['/stall'] && s['/slow'] && s.banner;
    }, 'the four connections to arrive');
    const start = performance.now();
    await f.close();
    assert.deepEqual(await Promise.all(ends), ['settled', 'settled', 'settled', 'settled']);
    const took = performance.now() - start;
    assert.ok(took < 5000, `closing took ${took} ms`);
    await f.close(); // twice is fine
    const e = await get(f.urls['200']).then(
      () => null,
      (err) => err,
    );
    assert.equal(e?.code, 'ECONNREFUSED');
  });
});

describe('http_fixture.mjs as a command', () => {
  // Starts the script; resolves to {child, line} with its first stdout line
  // (or the output so far, if it exited first).
  function runScript(args) {
    const child = spawn(process.execPath, [FIXTURE_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    return new Promise((resolve) => {
      child.stdout.on('data', (d) => {
        output += d;
        if (output.includes('\n')) resolve({ child, line: output.split('\n')[0] });
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      child.on('close', () => resolve({ child, line: output }));
    });
  }

  test('prints its URLs as one JSON line and serves them until killed', T, async () => {
    const { child, line } = await runScript(['--port', '0', '--port', '0']);
    try {
      const info = JSON.parse(line);
      assert.equal(info.base, `http://127.0.0.1:${info.port}/`);
      assert.equal(info.bases.length, 2);
      assert.equal(info.urls['200'], `${info.base}200`);
      assert.equal((await get(info.urls['200'])).body.toString(), 'ok');
      assert.equal((await exchange(info.urls.banner, null, { untilData: true })).data.toString(), BANNER);
      const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('exits non-zero, saying why, on a non-loopback host', T, async () => {
    const { child, line } = await runScript(['--host', '0.0.0.0']);
    const code = await new Promise((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve),
    );
    assert.notEqual(code, 0);
    assert.match(line, /loopback only/);
  });
});
