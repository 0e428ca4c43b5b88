// diagnostics.test.mjs — each diagnostic line corio prints on stderr, in
// asyncio's words, provoked by tests/c/programs/diagnostics.c in a child
// process, natively and as wasm (where CORIO_DEBUG=1 is read by the JS host
// from Node's environment): exact lines, each beginning "corio: ".
//   - "Task exception was never retrieved", always on: a failed task
//     released unread, and one still referenced, unread, when the run ends;
//     none for a task whose error was read;
//   - "Task was destroyed but it is pending!" for a task abandoned not done;
//   - debug mode: "Executing <task NAME> took S seconds" for a step over the
//     slow-callback duration (none under it, none when off), and for a
//     callback; the deadlock report with its cycle; a call from a thread
//     that does not own the loop (natively: the wasm build has no threads).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { compileWasm, describeWasmEnd, runWasm } from './lib/wasm_program.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const build = new URL('../../build/', import.meta.url);
const SOURCE = 'tests/c/programs/diagnostics.c';
const DEBUG = { CORIO_DEBUG: '1' };

// The line of SOURCE marked "site: NAME": where that task is created.
const source = readFileSync(new URL(`../../${SOURCE}`, import.meta.url), 'utf8').split('\n');
const site = (name) => {
  const i = source.findIndex((l) => l.includes(`/* site: ${name} */`));
  assert.ok(i >= 0, `no "site: ${name}" in ${SOURCE}`);
  return `${SOURCE}:${i + 1}`;
};

const lines = (text) => text.split('\n').map((l) => l.trimEnd());
const corioLines = (text) => lines(text).filter((l) => l.startsWith('corio: '));

let wasmModule;
const runners = {
  natively: async (args, extraEnv = {}) => {
    const r = await runNative(fileURLToPath(new URL('native/diagnostics', build)), args, { extraEnv });
    return { ...r, how: describeNativeEnd(r) };
  },
  'as wasm': async (args, extraEnv = {}) => {
    const factory = new URL('wasm/diagnostics.mjs', build);
    wasmModule ??= await compileWasm(factory);
    const r = await runWasm(factory, wasmModule, args, { extraEnv });
    return { ...r, how: describeWasmEnd(r) };
  },
};

describe('diagnostic lines', { concurrency: 2 }, () => {
  before(() => {
    const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'diagnostics-programs'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(make.status, 0, `building the programs failed:\n${make.stdout}${make.stderr}`);
  });

  for (const [where, run] of Object.entries(runners)) {
    const ok = (r) => assert.equal(r.status, 0, `${r.how}\n${r.output}`);

    test(`a failed task nobody read is reported when released and at the run's end, ${where}`, async () => {
      const r = await run(['unretrieved']);
      ok(r);
      assert.deepEqual(corioLines(r.output), [
        'corio: Task exception was never retrieved: task dropped failed with CORIO_EUSER ' +
          `(dropped unread), created at ${site('dropped')}`,
        'corio: Task exception was never retrieved: task doomed failed with CORIO_EUSER ' +
          `(it broke), created at ${site('doomed')}`,
      ]);
      assert.ok(lines(r.output).includes('read: read in time'), r.output);
    });

    test(`a task abandoned not done is reported as destroyed while pending, ${where}`, async () => {
      const r = await run(['pending']);
      ok(r);
      assert.ok(
        corioLines(r.output).includes(
          'corio: Task was destroyed but it is pending! task stubborn, waiting on event ' +
            `'never', created at ${site('stubborn')}`,
        ),
        r.output,
      );
    });

    test(`debug mode reports a step and a callback that held the loop too long, ${where}`, async () => {
      const r = await run(['slow'], DEBUG);
      ok(r);
      const said = corioLines(r.output);
      const step = new RegExp(
        '^corio: Executing <task slow> took 0\\.2[5-9]\\d seconds ' +
          `\\(resumed from a sleep; created at ${site('step').replace(/\./g, '\\.')}\\)$`,
      );
      assert.equal(said.filter((l) => step.test(l)).length, 1, r.output);
      assert.equal(
        said.filter((l) => /^corio: Executing <Handle \S+> took 0\.1[5-9]\d seconds$/.test(l)).length,
        1,
        r.output,
      );
      assert.equal(said.length, 2, `nothing else: not the 0.05 s step, not the step under 0.3 s\n${r.output}`);
    });

    test(`without debug mode a slow step is not reported, ${where}`, async () => {
      const r = await run(['slow']);
      ok(r);
      assert.deepEqual(corioLines(r.output), []);
    });

    test(`debug mode prints the deadlock report; the API returns it in any mode, ${where}`, async () => {
      const report = [
        'task Task-1: waiting on task A',
        "task A: waiting on lock 'second' (held by task B)",
        "task B: waiting on lock 'first' (held by task A)",
        'cycle: task A -> task B -> task A (each waits for the next)',
      ];
      const r = await run(['deadlock'], DEBUG);
      ok(r);
      assert.deepEqual(corioLines(r.output), [
        'corio: deadlock: every task waits and nothing can wake one; the run ends with CORIO_EDEADLK',
        ...report.map((l) => `corio: ${l}`),
      ]);
      const quiet = await run(['deadlock']);
      ok(quiet);
      assert.deepEqual(corioLines(quiet.output), []);
      const out = lines(quiet.output);
      assert.deepEqual(out.slice(out.indexOf('report:') + 1, out.indexOf('report:') + 5), report);
    });
  }

  test('debug mode names a call made from a thread that does not own the loop, natively', async () => {
    const r = await runners.natively(['thread'], DEBUG);
    assert.equal(r.status, 0, `${r.how}\n${r.output}`);
    assert.deepEqual(corioLines(r.output), [
      'corio: corio_call_soon() was called from a thread that does not own the loop',
    ]);
    const quiet = await runners.natively(['thread']);
    assert.deepEqual(corioLines(quiet.output), []);
  });
});
