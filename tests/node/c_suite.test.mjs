// c_suite.test.mjs — runs every C test (tests/c/test_*.c) twice: natively
// (build/native/corio-tests, ASan+UBSan, parked stacks checked) and as wasm
// (build/wasm/corio-tests.mjs), one node:test test per C test, each in a
// fresh process or a fresh wasm instance in its own worker, so one test's
// crash, abort or hang fails that test alone. The HTTP fixture server
// (tests/fixtures/http_fixture.mjs) runs in this process for the tests of
// streams and of the checker; each run gets its address as --fixture=URL.
// Build first:
// `make -f emscripten.mk native-tests wasm-tests` (npm test does).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { compileWasm, describeWasmEnd, runWasm } from './lib/wasm_program.mjs';
import { allPassed, failureLines, listedTests, testPassed } from './lib/c_runner.mjs';
import { startFixtures } from '../fixtures/http_fixture.mjs';

const fixtures = await startFixtures();
after(() => fixtures.close());
const FIXTURE_ARGS = [
  `--fixture=${fixtures.base}`,
  `--fixture-banner=${fixtures.urls.banner}`,
  `--fixture-refused=${fixtures.urls.refused}`,
];

const build = new URL('../../build/', import.meta.url);
const nativeBin = fileURLToPath(new URL('native/corio-tests', build));
const wasmFactory = new URL('wasm/corio-tests.mjs', build);
const TIMEOUT_MS = 20_000;
const CONCURRENCY = 2; // the CI machine has two cores

// A C test passed if its runner exited 0 and said so.
function assertPassed(name, r, how) {
  assert.ok(testPassed(r, name), `C test ${name} failed: ${how(r)}\n--- output ---\n${r.output}`);
}

// Lists the tests of one build, or returns the reason it cannot.
async function listTests(path, list) {
  if (!existsSync(path)) return { error: `${path} is missing: run make -f emscripten.mk native-tests wasm-tests` };
  const r = await list();
  if (r.status !== 0) return { error: `listing the tests of ${path} failed\n${r.output}` };
  return { names: listedTests(r.output) };
}

function suite(label, listing, runOne) {
  describe(label, { concurrency: CONCURRENCY }, () => {
    if (listing.error) {
      test('the C tests can be listed', () => assert.fail(listing.error));
      return;
    }
    test('the build has C tests', () => assert.ok(listing.names.length > 0));
    for (const name of listing.names) test(name, () => runOne(name));
  });
}

// Each native test runs with its parked tasks' stacks checked
// (lib/native_program.mjs); the run of all tests in one process, below,
// goes without the check.
const UNCHECKED = { CORIO_CHECK_PARKED_STACKS: '0' };

const nativeList = await listTests(nativeBin, () => runNative(nativeBin, ['--list']));
suite('native', nativeList, async (name) => {
  const r = await runNative(nativeBin, [...FIXTURE_ARGS, name], { timeoutMs: TIMEOUT_MS });
  assertPassed(name, r, describeNativeEnd);
});

const wasmFile = fileURLToPath(wasmFactory);
const wasmModule = existsSync(wasmFile) ? await compileWasm(wasmFactory) : null;
const wasmList = await listTests(wasmFile, () => runWasm(wasmFactory, wasmModule, ['--list']));
suite('wasm', wasmList, async (name) => {
  const r = await runWasm(wasmFactory, wasmModule, [...FIXTURE_ARGS, name], { timeoutMs: TIMEOUT_MS });
  assertPassed(name, r, describeWasmEnd);
});

// Every test again, natively, one after the other in a single process: state
// that one test leaves behind for the next (an allocator's or ASan's, a
// thread-local, a stack reused at the same address) shows up only there.
describe('native, all in one process', () => {
  test('every C test passes after the others', async () => {
    if (nativeList.error) assert.fail(nativeList.error);
    const r = await runNative(nativeBin, FIXTURE_ARGS, { timeoutMs: 120_000, extraEnv: UNCHECKED });
    assert.ok(
      allPassed(r, nativeList.names.length),
      `${describeNativeEnd(r)}\n--- failures ---\n${failureLines(r.output)}`,
    );
  });
});
