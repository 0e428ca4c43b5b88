// checker_block.mjs — how long checkUrls holds Node's event loop at once
// while it rejects 100,000 invalid URLs (issue: "the main thread is never
// blocked more than 50 ms by validation"). One JSON line: seconds for the
// run, ns_per_op per URL, and max_block_ms, the event loop's longest wait
// (perf_hooks.monitorEventLoopDelay), the median of --reps runs.
//
//   node bench/checker_block.mjs [--quick] [--reps=N] [--no-build]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { checkUrls } from '../npm/checker_node.mjs';
import { median } from './common.mjs';

if (process.argv.includes('--describe')) {
  console.log(
    JSON.stringify({ workloads: ['checker_block'], impls: ['corio-node'], flags: ['--quick', '--reps', '--no-build'] }),
  );
  process.exit(0);
}
// --no-build: accepted (npm run bench builds once, before every script).
const { values } = parseArgs({
  options: { reps: { type: 'string' }, quick: { type: 'boolean' }, 'no-build': { type: 'boolean' } },
});
const n = values.quick ? 20000 : 100000;
const reps = Number(values.reps ?? (values.quick ? 3 : 5));
await checkUrls(['not a url'], {});
const runs = [];
for (let i = 0; i < reps; i++) {
  const urls = Array.from({ length: n }, (_, k) => `not a url ${k}`);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  const results = await checkUrls(urls, { concurrency: 200 });
  const seconds = (performance.now() - t0) / 1000;
  delay.disable();
  if (results.length !== n) throw new Error(`${results.length} results for ${n} URLs`);
  runs.push({ seconds, block: delay.max / 1e6 });
}
const seconds = median(runs.map((r) => r.seconds));
console.log(
  JSON.stringify({
    workload: 'checker_block',
    impl: 'corio-node',
    n,
    seconds: Math.round(seconds * 1e4) / 1e4,
    ns_per_op: Math.round((seconds * 1e9) / n),
    max_block_ms: Math.round(median(runs.map((r) => r.block)) * 10) / 10,
    reps,
  }),
);
