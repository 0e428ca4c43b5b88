// stack_overflow.test.mjs — a task that overflows its C stack
// (tests/c/programs/stack_overflow.c) must end the program abnormally with a
// message saying "stack overflow" — natively through the guard page below
// each task's stack, with and without ASan, and in wasm through
// -sSTACK_OVERFLOW_CHECK=2 — never exit 0, never hang. A wasm task that
// outgrows its Asyncify buffer must abort naming that buffer.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { compileWasm, describeWasmEnd, runWasm } from './lib/wasm_program.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const build = new URL('../../build/', import.meta.url);
const TIMEOUT_MS = 20_000;
const OVERFLOW = /stack overflow/i;

describe('a task overflowing its C stack', { concurrency: 2 }, () => {
  before(() => {
    // Incremental: a no-op when `npm test` has built everything already.
    const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'stack-overflow-programs'],
      { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(make.status, 0, `building the programs failed:\n${make.stdout}${make.stderr}`);
  });

  for (const [label, name] of [['natively', 'stack_overflow'], ['natively under ASan', 'stack_overflow-asan']]) {
    test(`ends the program ${label}, saying "stack overflow"`, async () => {
      const r = await runNative(fileURLToPath(new URL(`native/${name}`, build)), [], { timeoutMs: TIMEOUT_MS });
      const how = `${describeNativeEnd(r)}\n--- output ---\n${r.output}`;
      assert.ok(!r.timedOut && r.status !== 0, `it must end abnormally, but ${how}`);
      assert.match(r.output, OVERFLOW, `the output must name the overflow; ${how}`);
    });
  }

  test('aborts the wasm program, saying "stack overflow"', async () => {
    const factory = new URL('wasm/stack_overflow.mjs', build);
    const r = await runWasm(factory, await compileWasm(factory), [], { timeoutMs: TIMEOUT_MS });
    const how = `${describeWasmEnd(r)}\n--- output ---\n${r.output}`;
    assert.ok(!r.timedOut && r.status === null, `it must abort, but ${how}`);
    assert.match(`${r.abort ?? ''}\n${r.error ?? ''}\n${r.output}`, OVERFLOW,
      `the abort must name the overflow; ${how}`);
  });

  test('aborts the wasm program when a task outgrows its Asyncify buffer, naming it', async () => {
    const factory = new URL('wasm/asyncify_overflow.mjs', build);
    const r = await runWasm(factory, await compileWasm(factory), [], { timeoutMs: TIMEOUT_MS });
    const how = `${describeWasmEnd(r)}\n--- output ---\n${r.output}`;
    const said = `${r.abort ?? ''}\n${r.error ?? ''}\n${r.output}`;
    assert.ok(!r.timedOut && r.status === null, `it must abort, but ${how}`);
    assert.match(said, OVERFLOW, `the abort must name the overflow; ${how}`);
    assert.match(said, /asyncify_size/, `the abort must name the Asyncify buffer; ${how}`);
  });
});
