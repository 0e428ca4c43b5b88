// threads_tsan.test.mjs — the threads tests (tests/c/test_thread.c) again,
// natively under ThreadSanitizer (build/native/thread-tests-tsan): each C
// test in its own process, which must pass with no ThreadSanitizer report.
// Build first: `make -f emscripten.mk tsan-tests` (npm test does).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { listedTests, testPassed } from './lib/c_runner.mjs';

const bin = fileURLToPath(new URL('../../build/native/thread-tests-tsan', import.meta.url));
// A report is printed and makes the process exit 66 (TSan's default).

describe('threads under ThreadSanitizer', { concurrency: 2 }, async () => {
  if (!existsSync(bin)) {
    test('the TSan build exists', () => assert.fail(`${bin} is missing: run make -f emscripten.mk tsan-tests`));
    return;
  }
  const listing = await runNative(bin, ['--list']);
  const names = listedTests(listing.output);
  test('the TSan build has the threads tests', () => assert.ok(names.length >= 10, listing.output));
  for (const name of names) {
    test(name, async () => {
      const r = await runNative(bin, [name], { timeoutMs: 30_000 });
      assert.ok(!/ThreadSanitizer/.test(r.output), `ThreadSanitizer reported:\n${r.output}`);
      assert.ok(testPassed(r, name), `${name} failed: ${describeNativeEnd(r)}\n${r.output}`);
    });
  }
});
