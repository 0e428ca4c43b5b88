// hostile.test.mjs — the checker against hostile and broken servers
// (tests/fixtures/hostile_fixture.mjs, in a process of its own, loopback
// only): status-line variants, a reset or a FIN at each phase, 1xx floods,
// a slowloris head, no line end, binary and an HTTP/2 preface, TLS
// failures. Every case on every carrier — the native C checker
// (build/native/check_urls, ASan), the JS API over Node's net/tls (the
// CLI's carrier) and over the fetch() carrier — all URLs at once with a
// 2-second timeout: exactly one result per URL, the documented outcome,
// within the timeout + 10%, and the cases that fail on their bytes well
// before it.
//
// The fetch() carrier in Node reads responses through Node's own fetch
// (undici), which parses them itself; its connector lets corio's head
// parser read each response first (npm/fetch_dispatcher_node.mjs), so the
// outcomes are the same there too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnHostile } from '../fixtures/hostile_fixture.mjs';
import { checkUrls } from '../../npm/checker_node.mjs';
import { load } from '../../npm/node.mjs';
import { runNative } from './lib/native_program.mjs';
import { makeTestCertificates } from './lib/tls_certs.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const checkUrlsBin = fileURLToPath(new URL('../../build/native/check_urls', import.meta.url));
const TIMEOUT = 2; // seconds, per URL
const LIMIT_MS = TIMEOUT * 1000 * 1.1;
const QUICK_MS = (TIMEOUT * 1000) / 2;

let certs;
let hostile;

before(async () => {
  // Incremental: a no-op when `npm test` has built everything already.
  const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'build/native/check_urls', 'dist/corio.mjs'], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(make.status, 0, `building failed:\n${make.stdout}${make.stderr}`);
  certs = makeTestCertificates();
  const dir = certs && dirname(certs.caFile);
  hostile = await spawnHostile({
    tls: certs && { keyFile: join(dir, 'server.key'), certFile: join(dir, 'server.pem') },
  });
});

after(async () => {
  await hostile?.close();
  certs?.remove();
});

test('the TLS cases have a certificate (openssl)', () => assert.ok(certs, 'openssl could not make one'));

// The outcome as the cases name it: the status, or the error's name.
const outcome = (r) => (r.status ? String(r.status) : r.error);

// Checks a carrier's results (one per case, in case order, each
// {status, error, ms} or undefined) case by case.
function assertCases(t, results) {
  assert.equal(results.length, hostile.cases.length, 'one result per URL');
  return Promise.all(
    hostile.cases.map((c, i) =>
      t.test(c.name, () => {
        const r = results[i];
        assert.ok(r, `no result for ${c.url}`);
        assert.equal(outcome(r), c.want, `${c.url}: ${r.message ?? ''}`);
        assert.ok(r.ms <= LIMIT_MS, `${c.name} took ${r.ms} ms, over ${LIMIT_MS}`);
        if (c.quick) assert.ok(r.ms < QUICK_MS, `${c.name} took ${r.ms} ms: it waited rather than failed`);
      }),
    ),
  );
}

describe('hostile servers', { concurrency: 1 }, () => {
  test('the native checker', async (t) => {
    const urls = hostile.cases.map((c) => c.url);
    const r = await runNative(checkUrlsBin, [String(TIMEOUT), ...urls], { timeoutMs: 30_000 });
    assert.equal(r.status, 0, r.output.slice(-3000));
    const results = [];
    for (const line of r.output.split('\n').filter((l) => l.startsWith('{'))) {
      const o = JSON.parse(line);
      assert.equal(results[o.index], undefined, `two results for ${urls[o.index]}`);
      results[o.index] = o;
    }
    await assertCases(
      t,
      Array.from({ length: urls.length }, (_, i) => results[i]),
    );
  });

  for (const [label, opts] of [
    ["the JS API over Node's net and tls", {}],
    ['the JS API over the fetch() carrier', { corioTransport: 'fetch' }],
  ]) {
    test(label, async (t) => {
      const corio = await load(opts);
      const urls = hostile.cases.map((c) => c.url);
      const results = await checkUrls(urls, { corio, timeout: TIMEOUT, concurrency: urls.length });
      results.forEach((r, i) => assert.equal(r.index, i));
      await assertCases(
        t,
        results.map((r) => ({
          status: r.status,
          error: r.error?.codeName,
          message: r.error?.message,
          ms: r.ms,
        })),
      );
    });
  }
});
