// web_demo.test.mjs — the demo coroutines of examples/web_demo.c (in the
// package's dist/ module) under Node: a run cancelled from JS leaves no task
// of its own running behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../npm/node.mjs';

test('demo_cancel cancelled before it cancels its ticker stops the ticker too', async () => {
  const lines = [];
  const corio = await load({ print: (line) => lines.push(line) });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 150); // during demo_cancel's first sleep
  await assert.rejects(
    corio.run('demo_cancel', 2000, { signal: controller.signal }),
    (e) => e.codeName === 'CORIO_ECANCELLED',
  );
  const ended = lines.length;
  assert.ok(lines.includes('ticker: cleanup done after 1 ticks'), lines.join('\n'));
  await new Promise((resolve) => setTimeout(resolve, 400)); // 4 ticks' worth
  assert.deepEqual(lines.slice(ended), [], 'the ticker went on after the run ended');
});
