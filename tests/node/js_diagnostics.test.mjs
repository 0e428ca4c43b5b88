// js_diagnostics.test.mjs — corio's diagnostics through the npm API: a run
// that deadlocks rejects with a CorioError whose `report` names each
// waiting task and what it waits on; load({debug: true}) turns debug mode
// on (its lines reach printErr), load({debug: false}) keeps it off even with
// CORIO_DEBUG=1; dumpTasks() lists the live tasks of the module's loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, CorioError } from '../../npm/node.mjs';

const build = new URL('../../build/wasm/', import.meta.url);
const factory = (await import(new URL('js_exports.mjs', build))).default;
const wasmUrl = new URL('js_exports.wasm', build);

const REPORT = "task Task-1: waiting on task reader\ntask reader: waiting on queue 'inbox' (empty: get)\n";

test('a deadlocked run rejects with the report of who waits on what', async () => {
  const corio = await load({ factory, wasmUrl, debug: false, printErr: () => {} });
  await assert.rejects(corio.run('wait_for_queue'), (e) => {
    assert.ok(e instanceof CorioError);
    assert.equal(e.codeName, 'CORIO_EDEADLK');
    assert.equal(e.report, REPORT);
    return true;
  });
  // Other errors carry no report.
  await assert.rejects(corio.run('fail_with_message', 1), (e) => e.report === undefined);
});

test('load({debug: true}) prints the deadlock report on printErr', async () => {
  const errs = [];
  const corio = await load({ factory, wasmUrl, debug: true, printErr: (l) => errs.push(l) });
  await assert.rejects(corio.run('wait_for_queue'), (e) => e.codeName === 'CORIO_EDEADLK');
  assert.deepEqual(errs, [
    'corio: deadlock: every task waits and nothing can wake one; the run ends with CORIO_EDEADLK',
    ...REPORT.trimEnd()
      .split('\n')
      .map((l) => `corio: ${l}`),
  ]);
});

test('load({debug: false}) wins over CORIO_DEBUG=1', async () => {
  const errs = [];
  const saved = process.env.CORIO_DEBUG;
  process.env.CORIO_DEBUG = '1';
  try {
    const corio = await load({ factory, wasmUrl, debug: false, printErr: (l) => errs.push(l) });
    await assert.rejects(corio.run('wait_for_queue'), (e) => e.codeName === 'CORIO_EDEADLK');
  } finally {
    if (saved === undefined) delete process.env.CORIO_DEBUG;
    else process.env.CORIO_DEBUG = saved;
  }
  assert.deepEqual(errs, []);
});

test('dumpTasks() lists the live tasks between turns, and nothing once they are done', async () => {
  const corio = await load({ factory, wasmUrl, printErr: () => {} });
  const run = corio.run('nap_in_task', 200);
  await new Promise((r) => setTimeout(r, 50));
  const dump = corio.dumpTasks();
  assert.match(dump, /^task Task-\d+: waiting on task napper\n/);
  assert.match(dump, /\ntask napper: waiting on a sleep, created at tests\/c\/programs\/js_exports\.c:\d+\n$/);
  await run;
  assert.equal(corio.dumpTasks(), '');
});
