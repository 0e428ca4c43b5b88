// stack_overflow.test.mjs — a task that overflows its C stack
// (tests/c/programs/stack_overflow.c), by deep recursion or by one frame
// far larger than its stack and guard, must end the program abnormally with
// the line "corio: task NAME overflowed its N-byte stack" — natively through
// the guard region below each task's stack (large frames are probed page by
// page: -fstack-clash-protection), with and without ASan, and in wasm
// through -sSTACK_OVERFLOW_CHECK=2 — never exit 0, never hang. A wasm task
// that outgrows its Asyncify buffer must abort naming that buffer.
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
// The task each mode runs, and the line that must name it.
const MODES = [
  ['by deep recursion', [], 'deep'],
  ['by one large frame', ['frame'], 'big_frame'],
];
const NATIVE_STACK = 262144; // runtime/fiber/fiber_native.c DEFAULT_STACK_SIZE
const WASM_STACK = 16384; // runtime/fiber/fiber_emscripten.c DEFAULT_STACK_SIZE
const lineFor = (task, bytes) => `corio: task ${task} overflowed its ${bytes}-byte stack`;
const hasLine = (output, line) => output.split('\n').some((l) => l.trimEnd() === line);

describe('a task overflowing its C stack', { concurrency: 2 }, () => {
  before(() => {
    // Incremental: a no-op when `npm test` has built everything already.
    const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'stack-overflow-programs'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(make.status, 0, `building the programs failed:\n${make.stdout}${make.stderr}`);
  });

  for (const [label, name] of [
    ['natively', 'stack_overflow'],
    ['natively under ASan', 'stack_overflow-asan'],
  ]) {
    for (const [how, args, task] of MODES) {
      test(`ends the program ${label} ${how}, naming the task`, async () => {
        const r = await runNative(fileURLToPath(new URL(`native/${name}`, build)), args, { timeoutMs: TIMEOUT_MS });
        const end = `${describeNativeEnd(r)}\n--- output ---\n${r.output}`;
        assert.ok(!r.timedOut && r.status !== 0, `it must end abnormally, but ${end}`);
        assert.match(r.output, OVERFLOW, `the output must name the overflow; ${end}`);
        assert.ok(
          hasLine(r.output, lineFor(task, NATIVE_STACK)),
          `the output must have the line "${lineFor(task, NATIVE_STACK)}"; ${end}`,
        );
      });
    }
  }

  for (const [how, args, task] of MODES) {
    test(`aborts the wasm program ${how}, naming the task`, async () => {
      const factory = new URL('wasm/stack_overflow.mjs', build);
      const r = await runWasm(factory, await compileWasm(factory), args, { timeoutMs: TIMEOUT_MS });
      const end = `${describeWasmEnd(r)}\n--- output ---\n${r.output}`;
      assert.ok(!r.timedOut && r.status === null, `it must abort, but ${end}`);
      assert.match(
        `${r.abort ?? ''}\n${r.error ?? ''}\n${r.output}`,
        OVERFLOW,
        `the abort must name the overflow; ${end}`,
      );
      assert.ok(
        hasLine(r.output, lineFor(task, WASM_STACK)),
        `the output must have the line "${lineFor(task, WASM_STACK)}"; ${end}`,
      );
    });
  }

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
