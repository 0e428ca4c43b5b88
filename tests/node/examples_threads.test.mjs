// examples_threads.test.mjs — the guide's section 14 example
// (examples/to_thread.c) in each build: natively and in the threaded wasm
// build under Node (build/wasm-threads/to_thread.cjs) the hash freezes a
// ticker on the loop's thread and not through corio_to_thread; in the
// single-threaded wasm build the second run fails with CORIO_ENOTSUP and
// says why, and the program exits 1. Build first: make examples (npm test
// does).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { compileWasm, describeWasmEnd, runWasm } from './lib/wasm_program.mjs';

const build = new URL('../../build/', import.meta.url);
const MB = '16';
const HASH = 'hash 16d8f75a2b9d0383';
const WITH_THREADS = [
  "hashing 16 MB on the loop's thread:",
  `${HASH}; the ticker froze (no tick while hashing)`,
  'hashing 16 MB with corio_to_thread:',
  `${HASH}; the ticker kept ticking while hashing`,
];
const lines = (text) => text.split('\n').filter((l) => l !== '');

describe('to_thread.c, the section 14 example', { concurrency: 2 }, () => {
  test('natively: the ticker froze on the loop and kept ticking beside the worker', async () => {
    const r = await runNative(fileURLToPath(new URL('native/to_thread', build)), [MB]);
    assert.equal(r.status, 0, `${describeNativeEnd(r)}\n${r.output}`);
    assert.deepEqual(lines(r.output), WITH_THREADS);
  });

  test('threaded wasm under Node: the same', async () => {
    const program = fileURLToPath(new URL('wasm-threads/to_thread.cjs', build));
    const r = await runNative(process.execPath, [program, MB]);
    assert.equal(r.status, 0, `${describeNativeEnd(r)}\n${r.output}`);
    assert.deepEqual(lines(r.output), WITH_THREADS);
  });

  test('single-threaded wasm: to_thread fails with CORIO_ENOTSUP saying why, nothing runs on the loop', async () => {
    const factory = new URL('wasm/to_thread.mjs', build);
    const r = await runWasm(factory, await compileWasm(factory), [MB]);
    assert.equal(r.status, 1, `${describeWasmEnd(r)}\n${r.output}`);
    assert.deepEqual(lines(r.output).slice(0, 3), WITH_THREADS.slice(0, 3));
    assert.match(
      lines(r.output)[3],
      /^failed: CORIO_ENOTSUP: this build of corio has no threads \(the single-threaded runtime\): load the threaded one/,
    );
    assert.equal(lines(r.output).length, 4, r.output);
  });
});
