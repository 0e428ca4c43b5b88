// checker.test.mjs — the website checker's JS API (npm/checker.mjs over the
// C checker in dist/corio.mjs, streams over Node's net and tls) against the
// HTTP fixtures (tests/fixtures/http_fixture.mjs): each kind of answer gives
// its exact result; the per-URL timeout, the concurrency limit, sequential
// and concurrent ordering, progress callbacks, the async iterator, and
// cancellation through an AbortSignal; and the same checks over the
// browser's fetch() carrier, where a CORS-hidden answer is reported as such.
// Build first: make -f emscripten.mk dist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixtures } from '../fixtures/http_fixture.mjs';
import { checkUrls, iterateChecks } from '../../npm/checker_node.mjs';
import { load } from '../../npm/node.mjs';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { startProxy } from '../fixtures/proxy_fixture.mjs';
import { makeTestCertificates } from './lib/tls_certs.mjs';

let fixtures;
before(async () => {
  fixtures = await startFixtures();
});
after(() => fixtures.close());

const url = (path) => new URL(path, fixtures.base).href;
const elapsed = async (fn) => {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
};

// Asserts the fields every result has, whatever its outcome.
function assertWellFormed(r, index, u) {
  assert.equal(r.index, index);
  assert.equal(r.url, u);
  assert.ok(Number.isFinite(r.started) && Number.isFinite(r.ended) && Number.isFinite(r.ms));
  assert.ok(r.ended >= r.started && r.started >= 0, `times ${r.started}..${r.ended}`);
  assert.ok(Math.abs(r.ms - (r.ended - r.started)) < 0.01);
  if (r.status === null) {
    assert.ok(r.error && typeof r.error.code === 'number' && r.error.code < 0);
    assert.match(r.error.codeName, /^CORIO_E/);
    assert.ok(r.error.message.length > 0);
    assert.equal(r.ok, false);
    assert.equal(r.reason, '');
  } else {
    assert.equal(r.error, null);
    assert.equal(r.ok, r.status < 400);
    assert.equal(r.hidden, false);
  }
}

// The most checks whose [started, ended] intervals overlap at one moment.
function maxOverlap(results) {
  const events = results
    .flatMap((r) => [
      [r.started, 1],
      [r.ended, -1],
    ])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]); // an end before a start at the same time
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

describe('each kind of answer gives its exact result', () => {
  // [fixture, expected]: a status and reason, or an error code name (and a
  // part of its message).
  const cases = () => [
    ['200', { status: 200, reason: 'OK' }],
    ['301', { status: 301, reason: 'Moved Permanently' }],
    ['404', { status: 404, reason: 'Not Found' }],
    ['500', { status: 500, reason: 'Internal Server Error' }],
    ['slow?ms=50', { status: 200, reason: 'OK' }],
    // A status is reported only once the whole head came (RFC 9112): a
    // reset inside the head is a reset, never the status line before it.
    ['reset', { error: 'CORIO_ECONNRESET', message: /before the response head ended/ }],
    ['reset-body', { status: 200, reason: 'OK' }],
    ['garbage', { error: 'CORIO_EPROTO', message: /malformed response/ }],
    [fixtures.urls.banner, { error: 'CORIO_EPROTO', message: /SSH-2\.0-OpenSSH/ }],
    // The head is capped at 16 KiB (RFC 9112 leaves the cap to the client).
    ['long-header', { error: 'CORIO_ELIMIT', message: /longer than 16384 bytes/ }],
    ['chunked', { status: 200, reason: 'OK' }],
    ['loop', { status: 302, reason: 'Found' }],
    ['close-early', { status: 200, reason: 'OK' }],
    ['empty', { status: 200, reason: 'OK' }],
    ['stall', { status: 200, reason: 'OK' }],
    ['status/418', { status: 418, reason: "I'm a Teapot" }],
    ['status/503', { status: 503, reason: 'Service Unavailable' }],
    ['nocors/200', { status: 200, reason: 'OK' }],
    ['no-such-fixture', { status: 404, reason: 'Not Found' }],
    [fixtures.urls.refused, { error: 'CORIO_ECONNREFUSED', message: /ECONNREFUSED/ }],
    // TLS spoken to a plain HTTP port.
    [url('200').replace('http:', 'https:'), { error: 'CORIO_ETLS' }],
    // http: with one slash is a URL as WHATWG reads it, not a bare host.
    [url('200').replace('http://', 'http:/'), { status: 200, reason: 'OK' }],
    // No scheme: a bare host, https:// is assumed (and a space is refused).
    ['not a url', { error: 'CORIO_EINVAL', message: /invalid URL "https:\/\/not a url\/": it contains a space/ }],
    ['ftp://127.0.0.1/', { error: 'CORIO_EINVAL', message: /http:\/\/ or https:\/\// }],
    ['http://127.0.0.1:0/', { error: 'CORIO_EINVAL', message: /port 0/ }],
    ['http://127.0.0.1:99999/', { error: 'CORIO_EINVAL', message: /bad port/ }],
    ['http://', { error: 'CORIO_EINVAL', message: /no host/ }],
    ['http://127.0.0.1/a b', { error: 'CORIO_EINVAL', message: /space/ }],
    ['http://127.0.0.1/\u0000', { error: 'CORIO_EINVAL', message: /control character/ }],
  ];

  for (const mode of ['concurrent', 'sequential']) {
    test(`${mode}: every fixture`, async () => {
      // A fixture path, or a whole URL (with a scheme, or with a space).
      const list = cases().map(([f, want]) => [/^[a-z]+:|\s/.test(f) ? f : url(f), want]);
      const urls = list.map(([u]) => u);
      const results = await checkUrls(urls, { mode, timeout: 5 });
      assert.equal(results.length, urls.length);
      results.forEach((r, i) => {
        const [u, want] = list[i];
        assertWellFormed(r, i, u);
        const got = r.status !== null ? `${r.status} ${r.reason}` : `${r.error.codeName}: ${r.error.message}`;
        if (want.status !== undefined) {
          assert.equal(got, `${want.status} ${want.reason}`, `${u}`);
        } else {
          assert.equal(r.error?.codeName, want.error, `${u}: ${got}`);
          if (want.message) assert.match(r.error.message, want.message, `${u}: ${got}`);
          assert.equal(r.hidden, false);
        }
      });
    });
  }
});

test('a hung server times out after the per-URL timeout; the others still answer', async () => {
  const urls = [url('hang'), url('200'), url('hang')];
  const [results, ms] = await elapsed(() => checkUrls(urls, { timeout: 0.3 }));
  assert.equal(results[0].error?.codeName, 'CORIO_ETIMEDOUT');
  assert.match(results[0].error.message, /no answer within 0\.3 s/);
  assert.equal(results[1].status, 200);
  assert.equal(results[2].error?.codeName, 'CORIO_ETIMEDOUT');
  assert.ok(results[0].ms >= 290 && results[0].ms < 3000, `timed out after ${results[0].ms} ms`);
  assert.ok(ms < 5000, `the run took ${ms} ms`);
});

test('the timeout counts from when a check begins, not while it waits for the limit', async () => {
  const urls = [url('slow?ms=300'), url('slow?ms=300'), url('slow?ms=300')];
  const results = await checkUrls(urls, { concurrency: 1, timeout: 0.8 });
  for (const r of results) assert.equal(r.status, 200, JSON.stringify(r));
});

test('the concurrency limit is respected', async () => {
  const urls = Array.from({ length: 6 }, () => url('slow?ms=150'));
  const [limited, limitedMs] = await elapsed(() => checkUrls(urls, { concurrency: 2 }));
  assert.equal(maxOverlap(limited), 2);
  assert.ok(limitedMs >= 440, `3 rounds of 150 ms took only ${limitedMs} ms`);
  const [open, openMs] = await elapsed(() => checkUrls(urls, { concurrency: 6 }));
  assert.equal(maxOverlap(open), 6);
  assert.ok(openMs < limitedMs, `${openMs} ms with 6 at once, ${limitedMs} ms with 2`);
  for (const r of [...limited, ...open]) assert.equal(r.status, 200);
});

test('sequential checks one URL after the other; concurrent checks them at once', async () => {
  const urls = [url('slow?ms=120'), url('slow?ms=60'), url('slow?ms=120')];
  const [seq, seqMs] = await elapsed(() => checkUrls(urls, { mode: 'sequential' }));
  for (let i = 1; i < seq.length; i++) assert.ok(seq[i].started >= seq[i - 1].ended);
  assert.ok(seqMs >= 290, `sequential took ${seqMs} ms`);
  const [conc, concMs] = await elapsed(() => checkUrls(urls, { mode: 'concurrent' }));
  assert.ok(
    conc.every((r) => r.started < conc[1].ended),
    'every check began before the first ended',
  );
  assert.ok(concMs < seqMs, `concurrent ${concMs} ms, sequential ${seqMs} ms`);
});

test('results are handed on as they complete; the array is in input order', async () => {
  const urls = [url('slow?ms=400'), url('slow?ms=10'), url('slow?ms=200')];
  const order = [];
  const results = await checkUrls(urls, { onResult: (r) => order.push(r.index) });
  assert.deepEqual(order, [1, 2, 0]);
  assert.deepEqual(
    results.map((r) => r.index),
    [0, 1, 2],
  );
  assert.deepEqual(
    results.map((r) => r.url),
    urls,
  );
  const iterated = [];
  for await (const r of iterateChecks(urls)) iterated.push(r.index);
  assert.deepEqual(iterated, [1, 2, 0]);
});

test('progress: onStart and onResult once per URL, in that order; onProgress counts to n', async () => {
  const urls = [url('200'), 'bad', url('404'), fixtures.urls.refused, url('slow?ms=30')];
  const events = [];
  const results = await checkUrls(urls, {
    concurrency: 2,
    onStart: (index, u) => events.push(['start', index, u]),
    onResult: (r) => events.push(['result', r.index, r.url]),
    onProgress: (done, total) => events.push(['progress', done, total]),
  });
  for (let i = 0; i < urls.length; i++) {
    const starts = events.filter(([k, idx]) => k === 'start' && idx === i);
    const ends = events.filter(([k, idx]) => k === 'result' && idx === i);
    assert.equal(starts.length, 1, `onStart for ${i}`);
    assert.equal(ends.length, 1, `onResult for ${i}`);
    assert.equal(starts[0][2], urls[i]);
    assert.ok(events.indexOf(starts[0]) < events.indexOf(ends[0]));
  }
  const counts = events.filter(([k]) => k === 'progress');
  assert.deepEqual(
    counts.map(([, d, t]) => [d, t]),
    urls.map((_, i) => [i + 1, urls.length]),
  );
  assert.equal(results.length, urls.length);
});

test('aborting the signal ends the run with a result for every URL', async () => {
  const urls = [url('200'), url('hang'), url('hang'), url('hang'), url('slow?ms=5000'), 'bad'];
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const seen = [];
  const [results, ms] = await elapsed(() =>
    checkUrls(urls, {
      concurrency: 2,
      timeout: 0,
      signal: controller.signal,
      onResult: (r) => seen.push(r.index),
    }),
  );
  assert.ok(ms < 3000, `the run took ${ms} ms after the abort`);
  assert.equal(results.length, urls.length);
  results.forEach((r, i) => assertWellFormed(r, i, urls[i]));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
  assert.equal(results[0].status, 200);
  assert.equal(results[1].error.codeName, 'CORIO_ECANCELLED');
  assert.equal(results[2].error.codeName, 'CORIO_ECANCELLED');
  assert.match(results[3].error.message, /before its check began/);
  assert.match(results[4].error.message, /before its check began/);
  // Never pulled from the list before the abort (2 slots, both busy).
  assert.equal(results[5].error.codeName, 'CORIO_ECANCELLED');
  assert.match(results[5].error.message, /before its check began/);
});

test('a sequential run aborted part way gives the rest "cancelled before its check began"', async () => {
  const urls = [url('200'), url('hang'), url('200')];
  const signal = AbortSignal.timeout(300);
  const results = await checkUrls(urls, { mode: 'sequential', timeout: 0, signal });
  assert.equal(results[0].status, 200);
  assert.equal(results[1].error.codeName, 'CORIO_ECANCELLED');
  assert.equal(results[2].error.codeName, 'CORIO_ECANCELLED');
  assert.match(results[2].error.message, /before its check began/);
});

test('a signal aborted before the run rejects with its reason', async () => {
  const reason = new Error('stop');
  await assert.rejects(checkUrls([url('200')], { signal: AbortSignal.abort(reason) }), (e) => e === reason);
});

test('leaving iterateChecks early cancels the checks still running', async () => {
  const urls = [url('slow?ms=10'), url('hang'), url('hang')];
  const t0 = performance.now();
  for await (const r of iterateChecks(urls, { timeout: 0 })) {
    assert.equal(r.index, 0);
    break;
  }
  assert.ok(performance.now() - t0 < 3000);
  // The module is still usable afterwards.
  const [r] = await checkUrls([url('200')]);
  assert.equal(r.status, 200);
});

test('a listener that throws stops the run and the call rejects with its error', async () => {
  const boom = new Error('listener failed');
  await assert.rejects(
    checkUrls([url('200'), url('hang')], {
      timeout: 0,
      onResult: () => {
        throw boom;
      },
    }),
    (e) => e === boom,
  );
});

test('an empty list gives no results; bad arguments are refused', async () => {
  assert.deepEqual(await checkUrls([]), []);
  await assert.rejects(checkUrls(url('200')), TypeError);
  await assert.rejects(checkUrls([url('200')], { concurrency: 0 }), RangeError);
  await assert.rejects(checkUrls([url('200')], { concurrency: 1.5 }), RangeError);
  await assert.rejects(checkUrls([url('200')], { timeout: -1 }), RangeError);
  await assert.rejects(checkUrls([url('200')], { mode: 'parallel' }), RangeError);
  await assert.rejects(checkUrls([url('200')], { onResult: 5 }), TypeError);
  assert.throws(() => iterateChecks([url('200')], { mode: 'x' }), RangeError);
});

// A loopback port with nothing listening (the checks are refused at once).
async function closedPort() {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('iterateChecks reads an endless iterable only as slots free and results are read', async () => {
  const port = await closedPort();
  let pulled = 0;
  function* endless() {
    for (;;) {
      pulled++;
      yield `http://127.0.0.1:${port}/${pulled}`;
    }
  }
  let seen = 0;
  for await (const r of iterateChecks(endless(), { concurrency: 4, timeout: 5 })) {
    assert.equal(r.index, seen);
    assert.equal(r.url, `http://127.0.0.1:${port}/${seen + 1}`);
    assert.equal(r.error?.codeName, 'CORIO_ECONNREFUSED');
    if (++seen === 300) break;
  }
  // Read ahead: at most a batch per pull, and as many results as wait unread.
  assert.ok(pulled < 300 + 100, `${pulled} URLs read for 300 results`);
});

test('checkUrls takes an async iterable; each result in input order', async () => {
  async function* urls() {
    yield url('200');
    await new Promise((resolve) => setTimeout(resolve, 20));
    yield url('404');
    yield 'ftp://bad';
  }
  const results = await checkUrls(urls(), { concurrency: 2 });
  assert.deepEqual(
    results.map((r) => r.status),
    [200, 404, null],
  );
  assert.equal(results[2].error.codeName, 'CORIO_EINVAL');
});

test('an iterable that throws rejects the run with its error', async () => {
  const failure = new Error('input broke');
  function* urls() {
    yield url('200');
    throw failure;
  }
  await assert.rejects(checkUrls(urls()), (e) => e === failure);
});

test('a lone surrogate in a URL is sent as U+FFFD, not joined with the next character', async () => {
  const [r] = await checkUrls([url('200') + '?a\uD800bc']);
  assert.equal(r.status, 200);
  assert.ok(r.checkedUrl.endsWith('?a\uFFFDbc'), r.checkedUrl);
});

test('many URLs at once: every one answers', async () => {
  const urls = Array.from({ length: 300 }, (_, i) => url(`status/${200 + (i % 3)}`));
  const results = await checkUrls(urls, { concurrency: 50 });
  results.forEach((r, i) => assert.equal(r.status, 200 + (i % 3), JSON.stringify(r)));
});

describe("over the fetch() carrier (the browser's transport)", () => {
  let corio;
  before(async () => {
    corio = await load({ corioTransport: 'fetch' });
  });

  test('statuses and errors as fetch() reports them', async () => {
    const cases = [
      ['200', '200 OK'],
      ['404', '404 Not Found'],
      ['status/503', '503 Service Unavailable'],
      // Node's fetch() shows a redirect under redirect: "manual"; a browser hides it.
      ['301', '301 Moved Permanently'],
      ['garbage', 'CORIO_EPROTO'],
      // fetch() needs the whole head: a reset inside it is a reset.
      ['reset', 'CORIO_ECONNRESET'],
      ['long-header', 'CORIO_ELIMIT'],
      ['hang', 'CORIO_ETIMEDOUT'],
      [fixtures.urls.refused, 'CORIO_ECONNREFUSED'],
      ['not a url', 'CORIO_EINVAL'],
    ];
    const urls = cases.map(([f]) => (/^[a-z]+:|\s/.test(f) ? f : url(f)));
    const results = await checkUrls(urls, { corio, timeout: 0.5 });
    results.forEach((r, i) => {
      assertWellFormed(r, i, urls[i]);
      const got = r.status !== null ? `${r.status} ${r.reason}` : r.error.codeName;
      assert.equal(got, cases[i][1], `${urls[i]}: ${r.error?.message ?? ''}`);
    });
  });

  test('checks to one origin wait their turn (6 at once) before their timeout starts', async () => {
    // 30 answers of 200 ms, all at once: five rounds of 6 take 1 s, twice
    // the timeout, and none times out.
    const urls = Array.from({ length: 30 }, (_, i) => url(`slow?ms=200&i=${i}`));
    const [results, ms] = await elapsed(() => checkUrls(urls, { corio, concurrency: 30, timeout: 0.5 }));
    assert.deepEqual(
      results.filter((r) => r.status !== 200).map((r) => r.error?.message),
      [],
    );
    assert.equal(maxOverlap(results), 6);
    assert.ok(ms >= 950, `the run took ${ms} ms`);
  });

  test('an answer the browser hides is "hidden", with no made-up status', async (t) => {
    // Node's fetch() knows no CORS: answer /nocors/ URLs as a browser does.
    const realFetch = globalThis.fetch;
    t.after(() => {
      globalThis.fetch = realFetch;
    });
    globalThis.fetch = async (target, init) => {
      const path = new URL(target).pathname;
      if (path === '/nocors/200') return { type: 'opaque', status: 0, body: null, headers: new Headers() };
      if (path === '/nocors/301') return { type: 'opaqueredirect', status: 0, body: null, headers: new Headers() };
      return realFetch(target, init);
    };
    const urls = [url('nocors/200'), url('nocors/301'), url('200')];
    const results = await checkUrls(urls, { corio });
    for (const r of results.slice(0, 2)) {
      assert.equal(r.hidden, true);
      assert.equal(r.status, null);
      assert.equal(r.reason, '');
      assert.equal(r.ok, false);
      assert.equal(r.error.codeName, 'CORIO_ECORS');
      assert.match(r.error.message, /reachable; this site does not let pages read its status — run `npm start`/);
    }
    assert.equal(results[2].status, 200);
    assert.equal(results[2].hidden, false);
  });
});

test("a timeout beyond setTimeout's 24.8-day bound waits quietly (no timer firing at once)", async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const [r] = await checkUrls([fixtures.urls.hang], { timeout: 3e6, signal: controller.signal });
    assert.equal(r.error?.codeName, 'CORIO_ECANCELLED');
    assert.deepEqual(
      warnings.filter((n) => n === 'TimeoutOverflowWarning'),
      [],
    );
  } finally {
    process.off('warning', onWarning);
  }
});

describe('redirects and the URL checked', () => {
  test('with follow, the result lists the chain of (URL, status), the final one last', async () => {
    const [r] = await checkUrls([url('/301')], { follow: true, timeout: 5 });
    assert.equal(r.status, 200);
    assert.equal(r.checkedUrl, url('/301'));
    assert.deepEqual(r.redirects, [
      { url: url('/301'), status: 301 },
      { url: url('/200'), status: 200 },
    ]);
  });

  test('without follow, the redirect is the result and there is no chain', async () => {
    const [r] = await checkUrls([url('/301')], { timeout: 5 });
    assert.equal(r.status, 301);
    assert.deepEqual(r.redirects, []);
  });

  test('an invalid URL was never requested: checkedUrl is null', async () => {
    const [r] = await checkUrls(['http://[::1'], { timeout: 5 });
    assert.equal(r.checkedUrl, null);
    assert.equal(r.error.codeName, 'CORIO_EINVAL');
  });
});

// curl's -k, --cacert and --proxy in the JS API: `network` loads the
// package's module with Node's sockets changed (load({network})).
describe('network options (Node): insecure, ca, proxy', () => {
  test('a self-signed site: ETLS by default, 200 with insecure or with its CA', async (t) => {
    const certs = makeTestCertificates();
    if (!certs) return t.skip('openssl is missing');
    const server = createHttpsServer({ key: certs.key, cert: certs.cert }, (req, res) => res.end('ok'));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const site = `https://127.0.0.1:${server.address().port}/`;
    try {
      const [plain] = await checkUrls([site], { timeout: 5 });
      assert.equal(plain.error?.codeName, 'CORIO_ETLS');
      const [insecure] = await checkUrls([site], { timeout: 5, network: { insecure: true } });
      assert.equal(insecure.status, 200);
      const [trusted] = await checkUrls([site], { timeout: 5, network: { ca: readFileSync(certs.caFile) } });
      assert.equal(trusted.status, 200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      certs.remove();
    }
  });

  test('a proxy carries the check through a CONNECT tunnel; noProxy goes direct', async () => {
    const proxy = await startProxy();
    try {
      const [via] = await checkUrls([url('200')], { timeout: 5, network: { proxy: proxy.url } });
      assert.equal(via.status, 200);
      assert.deepEqual(proxy.tunnels, [new URL(url('200')).host]);
      const [direct] = await checkUrls([url('200')], {
        timeout: 5,
        network: { proxy: proxy.url, noProxy: ['127.0.0.1'] },
      });
      assert.equal(direct.status, 200);
      assert.equal(proxy.tunnels.length, 1);
    } finally {
      await proxy.close();
    }
  });

  test('bad network options are refused before any check', async () => {
    await assert.rejects(checkUrls([url('200')], { network: { proxy: 'socks5://x' } }), TypeError);
    await assert.rejects(checkUrls([url('200')], { network: { insecure: 'yes' } }), TypeError);
    await assert.rejects(checkUrls([url('200')], { network: { nope: 1 } }), /unknown network option nope/);
    await assert.rejects(checkUrls([url('200')], { network: {}, corio: await load() }), TypeError);
  });
});

// Invalid URLs fail without waiting on anything; a long run of them must
// still give the event loop turns (npm/checker.mjs, TURN_MS). Before, the
// whole run was one go of microtasks: 100,000 held the loop 0.5 s. The
// bound here only catches that regression (load on a shared machine
// stretches any gap); `node bench/checker_block.mjs` measures the gap.
test('100,000 invalid URLs end as 100,000 errors without holding the event loop', async () => {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  await checkUrls(['not a url'], {}); // the module loaded first
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const results = await checkUrls(
    Array.from({ length: 100_000 }, (_, i) => `not a url ${i}`),
    { concurrency: 200 },
  );
  delay.disable();
  assert.equal(results.length, 100_000);
  assert.ok(results.every((r) => r.error?.codeName === 'CORIO_EINVAL'));
  assert.ok(delay.max / 1e6 < 250, `the event loop waited ${(delay.max / 1e6).toFixed(0)} ms at once`);
});
