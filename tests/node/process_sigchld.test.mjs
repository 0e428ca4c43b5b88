// process_sigchld.test.mjs — natively, a child's exit is seen through a
// pidfd where the kernel has one, else through one SIGCHLD self-pipe
// (runtime/host/process_poll.c). This kernel has pidfds, so `npm test`'s C
// suite runs the pidfd path only; here every subprocess test
// (tests/c/test_process.c, process_*) runs again natively with
// CORIO_NO_PIDFD=1, which makes corio take the SIGCHLD path: the same
// behaviour, descriptors and zombies counted the same way. (The test of
// children one after another is left out: it runs 1,000 children, about
// 16 s under ASan, and its path is the same.) Needs build/native/corio-tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { listedTests } from './lib/c_runner.mjs';

const bin = fileURLToPath(new URL('../../build/native/corio-tests', import.meta.url));

test('every subprocess test passes natively on the SIGCHLD self-pipe (CORIO_NO_PIDFD)', async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run make -f emscripten.mk native-tests`);
  const list = await runNative(bin, ['--list']);
  const names = listedTests(list.output).filter((n) => n.startsWith('process_') && !n.includes('one_after_another'));
  assert.ok(names.length >= 10, `only ${names.length} process_ tests listed`);
  const r = await runNative(bin, names, { timeoutMs: 120_000, extraEnv: { CORIO_NO_PIDFD: '1' } });
  assert.equal(r.status, 0, `${describeNativeEnd(r)}\n${r.output}`);
  assert.match(r.output, new RegExp(`^${names.length} passed, 0 failed$`, 'm'));
});
