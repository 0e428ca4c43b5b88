// js_run.test.mjs — C coroutines run from JS through the JS-driven loop:
// results arrive as Promises, C errors reject with their code and message,
// a JS Promise rejection inside C comes back as an error, and kicks that
// come while a tick is planned cost no tick of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, CorioError } from '../../npm/node.mjs';

const build = new URL('../../build/wasm/', import.meta.url);
const factory = (await import(new URL('js_exports.mjs', build))).default;
const corio = await load({ factory, wasmUrl: new URL('js_exports.wasm', build) });

test('a C coroutine run from JS resolves with its result', async () => {
  assert.equal(await corio.run('double_later', 21), 42);
});

test('several runs can be in flight at once', async () => {
  const results = await Promise.all([1, 2, 3, 4].map((n) => corio.run('double_later', n)));
  assert.deepEqual(results, [2, 4, 6, 8]);
});

test('a coroutine that gathers tasks returns through the JS loop', async () => {
  assert.equal(await corio.run('gather_sum', 10), 55);
});

test('a C error rejects with a CorioError carrying code and message', async () => {
  await assert.rejects(corio.run('fail_with_message', 5), (e) => {
    assert.ok(e instanceof CorioError);
    assert.equal(e.code, -1007);
    assert.equal(e.codeName, 'CORIO_EUSER');
    assert.equal(e.message, 'refused input 5');
    return true;
  });
});

test("the argument is a whole number in C's intptr_t range, or a clear RangeError/TypeError", async () => {
  assert.equal(await corio.run('double_later', 2 ** 30 - 1), 2 ** 31 - 2);
  assert.equal(await corio.run('double_later', -(2 ** 30)), -(2 ** 31));
  for (const bad of [Infinity, -Infinity, NaN, 2 ** 31, -(2 ** 31) - 1, 1.5, 2 ** 53])
    await assert.rejects(corio.run('double_later', bad), RangeError, String(bad));
  for (const bad of ['1', 1n, null, {}]) await assert.rejects(corio.run('double_later', bad), TypeError, String(bad));
});

test('an unknown coroutine name rejects with CORIO_ENOTFOUND', async () => {
  await assert.rejects(corio.run('no_such_coroutine'), (e) => e.codeName === 'CORIO_ENOTFOUND');
});

test('a JS promise rejection inside C rejects the run with the JS message', async () => {
  globalThis.rejectSoon = (arg) => new Promise((_, reject) => setTimeout(() => reject(new Error(`nope ${arg}`)), 2));
  await assert.rejects(corio.run('await_rejection'), (e) => {
    assert.equal(e.codeName, 'CORIO_EHOST');
    assert.equal(e.message, 'rejectSoon: nope from C');
    return true;
  });
});

test('a long run of ready tasks still gives the JS event loop turns', async () => {
  // Ready work runs in slices of about 8 ms, then JS gets a turn: the
  // longest gap between two turns must stay far below a frame budget. The
  // bound is loose on purpose (a loaded machine), the property is not.
  let last = performance.now();
  let maxGap = 0;
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const started = performance.now();
  assert.equal(await corio.run('yield_many', 300000), 300000);
  running = false;
  const ms = performance.now() - started;
  assert.ok(turns >= 1, `the JS loop never turned during ${ms.toFixed(0)} ms`);
  assert.ok(maxGap < 100, `JS waited ${maxGap.toFixed(0)} ms for a turn (run of ${ms.toFixed(0)} ms)`);
});

test('a run that can never be woken rejects with CORIO_EDEADLK instead of hanging', async () => {
  await assert.rejects(corio.run('wait_forever'), (e) => {
    assert.equal(e.codeName, 'CORIO_EDEADLK');
    assert.match(e.message, /deadlock/);
    return true;
  });
  // The loop is usable again afterwards.
  assert.equal(await corio.run('double_later', 4), 8);
});

test('aborting the signal cancels the run: it rejects with CORIO_ECANCELLED', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const started = performance.now();
  await assert.rejects(
    corio.run('yield_many', 1e9, { signal: controller.signal }),
    (e) => e instanceof CorioError && e.codeName === 'CORIO_ECANCELLED',
  );
  assert.ok(performance.now() - started < 5000);
  // A signal aborted before the run: the coroutine never runs.
  await assert.rejects(
    corio.run('double_later', 1, { signal: AbortSignal.abort() }),
    (e) => e.codeName === 'CORIO_ECANCELLED',
  );
  // A signal that aborts after the run settled changes nothing.
  const late = new AbortController();
  assert.equal(await corio.run('double_later', 3, { signal: late.signal }), 6);
  late.abort();
  assert.equal(await corio.run('double_later', 5), 10);
});

test('kicks while a tick is planned add no ticks: a frame of many reports costs one', async () => {
  // Every report a transport makes kicks the loop (runtime/host/library_net.js);
  // one JS task may make hundreds (a relay frame). The ticks of a run that
  // only yields (no timer: a tick or two hold it) are counted with and
  // without 100 extra kicks made while its first tick is planned; each kick
  // used to post a turn and a tick of its own (102 ticks against 2).
  const host = corio.module.corioHost;
  const tick = host.tick;
  let ticks = 0;
  host.tick = function () {
    ticks++;
    return tick.apply(this, arguments);
  };
  try {
    // Ticks planned before it are let run first (they call the tick they
    // were given, not this wrapper), and those planned during it are
    // counted after it, however late.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    const count = async (kicks) => {
      await settle();
      ticks = 0;
      const run = corio.run('yield_many', 10);
      for (let i = 0; i < kicks; i++) host.kick();
      assert.equal(await run, 10);
      await settle();
      return ticks;
    };
    const plain = await count(0);
    const kicked = await count(100);
    assert.ok(plain > 0);
    // One or two either way: a slow moment may end a slice early.
    assert.ok(kicked <= plain + 2, `${kicked} ticks with 100 kicks, ${plain} without`);
  } finally {
    host.tick = tick;
  }
});
