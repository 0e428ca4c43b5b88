// accept_emfile.test.mjs — a native server out of descriptors
// (runtime/host/net_poll_listen.c) through build/native/accept_emfile
// (tests/c/programs/accept_emfile.c, ASan): while accept4() fails with
// EMFILE and clients wait in the backlog, the listener stops watching its
// socket and tries again later instead of spinning on poll(); once
// descriptors are free again, every client is accepted and answered.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const program = fileURLToPath(new URL('../../build/native/accept_emfile', import.meta.url));
const TIMEOUT_MS = 30_000;
// CPU seconds the server may use over the 1 s its clients wait: spinning
// takes all of it, a paused listener next to none.
const CPU_LIMIT = 0.3;

// The number a line "NAME N" of the output says, or NaN.
const reported = (output, name) => Number(output.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);

describe('a native server out of descriptors', () => {
  let r, how;

  before(async () => {
    const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'build/native/accept_emfile'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(make.status, 0, `building accept_emfile failed:\n${make.stdout}${make.stderr}`);
    r = await runNative(program, [], { timeoutMs: TIMEOUT_MS });
    how = `${describeNativeEnd(r)}\n--- output ---\n${r.output}`;
  });

  test('runs out of descriptors with clients left in the backlog', () => {
    const clients = reported(r.output, 'clients');
    const accepted = reported(r.output, 'accepted');
    assert.ok(accepted > 0 && accepted < clients, `accepted ${accepted} of ${clients}; ${how}`);
  });

  test('does not spin while the clients wait', () => {
    const cpu = reported(r.output, 'cpu');
    assert.ok(cpu < CPU_LIMIT, `CPU used over 1 s: ${cpu} s (limit ${CPU_LIMIT} s); ${how}`);
  });

  test('accepts and answers every client once descriptors are free', () => {
    const clients = reported(r.output, 'clients');
    assert.equal(reported(r.output, 'served'), clients, how);
    assert.equal(reported(r.output, 'replies'), clients, how);
    assert.ok(r.status === 0 && /^result CORIO_OK$/m.test(r.output), how);
  });
});
