// js_threads.test.mjs — the package's two builds through load() in Node:
// by default the threaded one (dist/threads/), where corio_to_thread runs C
// on a worker thread while the loop runs other tasks, and a process that
// used it ends by itself when its work is done; with threads: false the
// single-threaded one, where to_thread fails with CORIO_ENOTSUP saying why.
// A .wasm given without a factory means the single-threaded build.
// Build first: make -f emscripten.mk package (npm test does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { load, run, CorioError } from '../../npm/node.mjs';

// 64 MB take a worker about 0.1-0.2 s: the heartbeat (every 10 ms) beats.
const MB = 64;
const HASH_64MB = /^hash 5774ae57539d0383 in \d+\.\d\d s; the heartbeat beat (\d+) times meanwhile$/;

test('load() in Node gives the threaded build: to_thread hashes while the heartbeat beats', async () => {
  const lines = [];
  const corio = await load({ print: (l) => lines.push(l) });
  assert.equal(corio.threads, true);
  const beats = await corio.run('demo_hash_to_thread', MB);
  assert.ok(beats > 0, `no beat while the worker hashed: ${lines.join('\n')}`);
  assert.deepEqual(lines[0], `hashing ${MB} MB with corio_to_thread`);
  assert.equal(Number(HASH_64MB.exec(lines[1])?.[1]), beats, lines[1]);
});

test('on the loop the same hash gets no beat, in either build', async () => {
  for (const threads of [true, false]) {
    const lines = [];
    const corio = await load({ threads, print: (l) => lines.push(l) });
    assert.equal(await corio.run('demo_hash_on_loop', MB), 0);
    assert.match(lines[1], HASH_64MB);
  }
});

test('load({threads: false}) gives the single-threaded build: to_thread fails with CORIO_ENOTSUP saying why', async () => {
  const corio = await load({ threads: false, print() {} });
  assert.equal(corio.threads, false);
  await assert.rejects(corio.run('demo_hash_to_thread', MB), (e) => {
    assert.ok(e instanceof CorioError);
    assert.equal(e.codeName, 'CORIO_ENOTSUP');
    assert.match(
      e.message,
      /^this build of corio has no threads \(the single-threaded runtime\): load the threaded one/,
    );
    return true;
  });
});

test('cancelling demo_hash_to_thread rejects at once; the worker finishes and the module goes on', async () => {
  const corio = await load({ print() {} });
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 30);
  const started = Date.now();
  await assert.rejects(corio.run('demo_hash_to_thread', 512, { signal: stop.signal }), (e) => {
    assert.equal(e.codeName, 'CORIO_ECANCELLED');
    return true;
  });
  // 512 MB take a worker about a second: the run did not wait for it.
  assert.ok(Date.now() - started < 500, `the cancelled run took ${Date.now() - started} ms`);
  assert.ok((await corio.run('demo_hash_to_thread', MB)) > 0);
});

test("loading a module adds no process-wide handler (Emscripten's rethrowing ones are off)", async () => {
  const before = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
  await load({ print() {} });
  await load({ threads: false, print() {} });
  const after = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
  assert.deepEqual(after, before);
});

test('load() refuses a threads option it cannot honour', async () => {
  await assert.rejects(load({ threads: 'yes' }), /threads is true, false or left out, not yes/);
  await assert.rejects(
    load({ threads: true, factory: async () => ({}) }),
    /load\(\{threads\}\) chooses among the package's builds: not with a factory of your own/,
  );
});

test('a .wasm given without a factory is taken for the single-threaded build', async () => {
  const { readFile } = await import('node:fs/promises');
  const wasmUrl = new URL('../../dist/corio.wasm', import.meta.url);
  const wasmBinary = await readFile(wasmUrl);
  assert.equal((await load({ wasmBinary, print() {} })).threads, false);
  assert.equal((await load({ wasmUrl, print() {} })).threads, false);
  // With threads: true the .wasm given must be the threaded build's.
  const threadsWasm = await readFile(new URL('../../dist/threads/corio.wasm', import.meta.url));
  assert.equal((await load({ threads: true, wasmBinary: threadsWasm, print() {} })).threads, true);
});

test("a bad argument to the threaded build's coroutine is a CorioError, as in the other", async () => {
  await assert.rejects(
    run('demo_hash_to_thread', 0),
    (e) => e.codeName === 'CORIO_EINVAL' && /mb must be 1\.\.1024, got 0/.test(e.message),
  );
});

test('a Node process that ran C on a worker thread ends by itself once its work is done', () => {
  const entry = fileURLToPath(new URL('../../npm/node.mjs', import.meta.url));
  const script =
    `const { run } = await import(${JSON.stringify(entry)});` +
    `console.log('beats', await run('demo_hash_to_thread', ${MB}) > 0);`;
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, `killed after ${Date.now() - started} ms: the idle workers kept it alive`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^hashing 64 MB with corio_to_thread\nhash 5774ae57539d0383 .*\nbeats true\n$/);
});
