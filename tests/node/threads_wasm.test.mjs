// threads_wasm.test.mjs — the threaded wasm build under Node
// (build/wasm-threads/corio-tests.cjs: the C tests with -pthread, where
// to_thread, executors and the thread-safe calls run on real worker threads
// and wake the loop on the main thread). The threads tests
// (tests/c/test_thread.c) each in their own process, then every C test in
// one process against the HTTP fixture server. Build first:
// `make -f emscripten.mk wasm-tests` (npm test does).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { allPassed, failureLines, listedTests, testPassed } from './lib/c_runner.mjs';
import { startFixtures } from '../fixtures/http_fixture.mjs';

const program = fileURLToPath(new URL('../../build/wasm-threads/corio-tests.cjs', import.meta.url));
const threadTests = fileURLToPath(new URL('../c/test_thread.c', import.meta.url));
const run = (args, timeoutMs) => runNative(process.execPath, [program, ...args], { timeoutMs });

describe('the threaded wasm build', { concurrency: 2 }, async () => {
  if (!existsSync(program)) {
    test('the threaded build exists', () => assert.fail(`${program} is missing: run make -f emscripten.mk wasm-tests`));
    return;
  }
  const fixtures = await startFixtures();
  after(() => fixtures.close());
  const listing = await run(['--list'], 30_000);
  const names = listedTests(listing.output);
  // The threads tests this build has: all of test_thread.c's but the one
  // for a build without threads.
  const declared = [...readFileSync(threadTests, 'utf8').matchAll(/^TEST\((\w+)\)/gm)].map((m) => m[1]);
  const threaded = declared.filter((n) => names.includes(n));

  test('the build has the threads tests, and not the one for no threads', () => {
    assert.equal(listing.status, 0, listing.output);
    assert.ok(threaded.length >= 10 && threaded.length === declared.length - 1, `${threaded} of ${declared}`);
    assert.ok(!names.includes('to_thread_without_threads_is_enotsup_saying_why'));
  });

  for (const name of threaded) {
    test(name, async () => {
      const r = await run([name], 30_000);
      assert.ok(testPassed(r, name), `${name} failed: ${describeNativeEnd(r)}\n${r.output}`);
    });
  }

  // Node makes a piped stdout non-blocking once a worker's output is
  // forwarded to it: a line written while the pipe is full must wait for
  // room, not end the program with EAGAIN and its output cut short. A
  // one-page pipe (F_SETPIPE_SZ), read only after the program ended.
  test('its output survives a small pipe that its reader drains late', async () => {
    const script = [
      'import fcntl, os, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, 1031, 4096)',
      'p = subprocess.Popen(sys.argv[1:], stdout=w)',
      'os.close(w)',
      'time.sleep(1.5)',
      'data = b""',
      'while chunk := os.read(r, 65536): data += chunk',
      'sys.stdout.write("%d %d" % (p.wait(), data.count(b"\\n")))',
    ].join('\n');
    // Asynchronously: the fixture server of the test beside it runs here.
    const r = await runNative('python3', ['-c', script, process.execPath, program, '--list'], { timeoutMs: 30_000 });
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output, `0 ${names.length}`);
  });

  test('every C test passes in one process', async () => {
    const args = [
      `--fixture=${fixtures.base}`,
      `--fixture-banner=${fixtures.urls.banner}`,
      `--fixture-refused=${fixtures.urls.refused}`,
    ];
    const r = await run(args, 180_000);
    assert.ok(allPassed(r, names.length), `${describeNativeEnd(r)}\n--- failures ---\n${failureLines(r.output)}`);
  });
});
