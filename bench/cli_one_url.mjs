// cli_one_url.mjs — the cli_one_url benchmark (`npm run bench` runs it): the
// wall time of one status check of one loopback URL, from process start to
// exit, for corio-check and for curl, each run a fresh process, the
// repetitions interleaved. The target: corio-check within 2x curl's
// median. node-empty (`node -e 0`) is shown beside them: Node's own
// start-up, the floor any Node CLI pays.
//
//   node bench/cli_one_url.mjs [--quick] [--reps=N] [--impls=a,b] [--no-build]
// --quick: 5 repetitions instead of 15.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { buildDist, median, ROOT } from './common.mjs';

const IMPLS = ['corio-cli', 'curl', 'node-empty'];
const TARGET_RATIO = 2;

function parseArgs(argv) {
  const o = { quick: false, reps: null, impls: IMPLS, build: true };
  for (const a of argv) {
    const [k, v] = a.split('=');
    if (k === '--describe') {
      console.log(
        JSON.stringify({
          workloads: ['cli_one_url'],
          impls: IMPLS,
          flags: ['--quick', '--reps', '--impls', '--no-build'],
        }),
      );
      process.exit(0);
    } else if (k === '--quick') o.quick = true;
    else if (k === '--reps' && v) o.reps = Number(v);
    else if (k === '--impls' && v) o.impls = v.split(',');
    else if (k === '--no-build') o.build = false;
    else {
      console.error(
        `cli_one_url.mjs: unknown argument ${a}\n` +
          'usage: node bench/cli_one_url.mjs [--quick] [--reps=N] [--impls=a,b] [--no-build]',
      );
      process.exit(2);
    }
  }
  o.reps ??= o.quick ? 5 : 15;
  const unknown = o.impls.filter((i) => !IMPLS.includes(i));
  if (unknown.length || !(o.reps >= 1)) {
    console.error(`cli_one_url.mjs: impls are ${IMPLS.join(', ')}; --reps >= 1`);
    process.exit(2);
  }
  return o;
}

// Runs a command; resolves to its wall time in ms, or {error}.
function timed(cmd, args) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('close', (code) => {
      const ms = performance.now() - start;
      resolve(code === 0 ? { ms } : { error: `exit ${code}: ${stderr.trim().split('\n')[0]}` });
    });
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.build) buildDist('cli_one_url');
  const server = createServer((req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const commands = {
    'corio-cli': [process.execPath, [join(ROOT, 'cli', 'corio-check.mjs'), '--no-progress', url]],
    curl: ['curl', ['-s', '-f', '-o', '/dev/null', url]],
    'node-empty': [process.execPath, ['-e', '0']],
  };
  const runs = Object.fromEntries(o.impls.map((i) => [i, []]));
  const errors = {};
  try {
    for (const impl of o.impls) await timed(...commands[impl]); // warm the file cache
    for (let rep = 0; rep < o.reps; rep++) {
      for (const impl of o.impls) {
        if (errors[impl]) continue;
        const r = await timed(...commands[impl]);
        if (r.error) errors[impl] = r.error;
        else runs[impl].push(r.ms);
      }
    }
  } finally {
    server.close();
  }
  const rows = o.impls.map((impl) =>
    errors[impl]
      ? { workload: 'cli_one_url', impl, error: errors[impl] }
      : {
          workload: 'cli_one_url',
          impl,
          reps: o.reps,
          ms: Number(median(runs[impl]).toFixed(1)),
          runs: runs[impl].map((ms) => Number(ms.toFixed(1))),
        },
  );
  const by = Object.fromEntries(rows.map((r) => [r.impl, r]));
  if (by['corio-cli']?.ms && by.curl?.ms) {
    by['corio-cli'].ratio_to_curl = Number((by['corio-cli'].ms / by.curl.ms).toFixed(2));
    by['corio-cli'].target_met = by['corio-cli'].ratio_to_curl <= TARGET_RATIO;
  }
  for (const r of rows) console.log(JSON.stringify(r));
  const lines = [`cli_one_url: one loopback URL, wall time per process (median of ${o.reps})`];
  for (const r of rows)
    lines.push(
      `  ${r.impl.padEnd(11)} ${
        r.error
          ? `error: ${r.error}`
          : `${r.ms.toFixed(1)} ms` +
            (r.ratio_to_curl
              ? `  (${r.ratio_to_curl}x curl; target <= ${TARGET_RATIO}x ${r.target_met ? 'met' : 'missed'})`
              : '')
      }`,
    );
  console.error(lines.join('\n'));
}

await main();
